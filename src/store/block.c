/*
 * Block codec: kind descriptors, columnar delta/zigzag/varint encoding with a
 * per-column divisor, zstd, CRC-32C. The layout is drawn in store_int.h.
 */
#include <stddef.h>
#include <string.h>

#include "store/store_int.h"

/* ---- kinds --------------------------------------------------------------- */

#define C(type, field, w, s, b) {(uint16_t)offsetof(type, field), (w), (s), (b)}

static const nx__col_t nx__trade_cols[] = {
    C(nx_ev_trade_t, h.ts_recv, 8, 1, -1),  C(nx_ev_trade_t, h.ts_venue, 8, 1, 0),
    C(nx_ev_trade_t, trade_id, 8, 0, -1),   C(nx_ev_trade_t, price, 8, 1, -1),
    C(nx_ev_trade_t, qty, 8, 1, -1),        C(nx_ev_trade_t, aggressor, 1, 0, -1),
    C(nx_ev_trade_t, price_scale, 1, 0, -1), C(nx_ev_trade_t, qty_scale, 1, 0, -1),
    C(nx_ev_trade_t, flags, 1, 0, -1),
};
static const nx__col_t nx__quote_cols[] = {
    C(nx_ev_quote_t, h.ts_recv, 8, 1, -1),  C(nx_ev_quote_t, h.ts_venue, 8, 1, 0),
    C(nx_ev_quote_t, update_id, 8, 0, -1),  C(nx_ev_quote_t, bid_price, 8, 1, -1),
    C(nx_ev_quote_t, bid_qty, 8, 1, -1),    C(nx_ev_quote_t, ask_price, 8, 1, 3),
    C(nx_ev_quote_t, ask_qty, 8, 1, -1),    C(nx_ev_quote_t, price_scale, 1, 0, -1),
    C(nx_ev_quote_t, qty_scale, 1, 0, -1),  C(nx_ev_quote_t, flags, 2, 0, -1),
};
static const nx__col_t nx__book_cols[] = {
    C(nx_ev_book_delta_t, h.ts_recv, 8, 1, -1),
    C(nx_ev_book_delta_t, h.ts_venue, 8, 1, 0),
    C(nx_ev_book_delta_t, update_id, 8, 0, -1),
    C(nx_ev_book_delta_t, first_update_id, 8, 0, 2),
    C(nx_ev_book_delta_t, price, 8, 1, -1),
    C(nx_ev_book_delta_t, qty, 8, 1, -1),
    C(nx_ev_book_delta_t, side, 1, 0, -1),
    C(nx_ev_book_delta_t, action, 1, 0, -1),
    C(nx_ev_book_delta_t, price_scale, 1, 0, -1),
    C(nx_ev_book_delta_t, qty_scale, 1, 0, -1),
    C(nx_ev_book_delta_t, flags, 4, 0, -1),
};
static const nx__col_t nx__bar_cols[] = {
    C(nx_ev_bar_t, h.ts_recv, 8, 1, -1), C(nx_ev_bar_t, h.ts_venue, 8, 1, 0),
    C(nx_ev_bar_t, open, 8, 1, -1),      C(nx_ev_bar_t, high, 8, 1, 2),
    C(nx_ev_bar_t, low, 8, 1, 2),        C(nx_ev_bar_t, close, 8, 1, 2),
    C(nx_ev_bar_t, volume, 8, 1, -1),    C(nx_ev_bar_t, trades, 8, 0, -1),
    C(nx_ev_bar_t, interval_ns, 8, 1, -1), C(nx_ev_bar_t, price_scale, 1, 0, -1),
    C(nx_ev_bar_t, qty_scale, 1, 0, -1), C(nx_ev_bar_t, flags, 2, 0, -1),
};
static const nx__col_t nx__funding_cols[] = {
    C(nx_ev_funding_t, h.ts_recv, 8, 1, -1),      C(nx_ev_funding_t, h.ts_venue, 8, 1, 0),
    C(nx_ev_funding_t, funding_ts, 8, 1, 1),      C(nx_ev_funding_t, next_funding_ts, 8, 1, 2),
    C(nx_ev_funding_t, rate, 8, 1, -1),           C(nx_ev_funding_t, mark_price, 8, 1, -1),
    C(nx_ev_funding_t, rate_scale, 1, 0, -1),     C(nx_ev_funding_t, price_scale, 1, 0, -1),
};
#undef C

#define K(kind, type, T, cols, has_id, id_off)                                             \
    {kind, type, (uint16_t)sizeof(T), (uint8_t)NX_ARRAY_LEN(cols), has_id, id_off, cols}
static const nx__kdesc_t nx__kinds[] = {
    K(NX_KIND_TRADES, NX_EV_TRADE, nx_ev_trade_t, nx__trade_cols, 1,
      (uint16_t)offsetof(nx_ev_trade_t, trade_id)),
    K(NX_KIND_AGGTRADES, NX_EV_TRADE, nx_ev_trade_t, nx__trade_cols, 1,
      (uint16_t)offsetof(nx_ev_trade_t, trade_id)),
    K(NX_KIND_QUOTES, NX_EV_QUOTE, nx_ev_quote_t, nx__quote_cols, 0, 0),
    K(NX_KIND_DEPTH, NX_EV_BOOK_DELTA, nx_ev_book_delta_t, nx__book_cols, 0, 0),
    K(NX_KIND_BARS, NX_EV_BAR, nx_ev_bar_t, nx__bar_cols, 0, 0),
    K(NX_KIND_FUNDING, NX_EV_FUNDING, nx_ev_funding_t, nx__funding_cols, 0, 0),
};
#undef K

const nx__kdesc_t *nx__kdesc(nx_data_kind_t kind) {
    for (size_t i = 0; i < NX_ARRAY_LEN(nx__kinds); i++)
        if (nx__kinds[i].kind == kind) return &nx__kinds[i];
    return NULL;
}

static inline uint64_t nx__get(const uint8_t *rec, const nx__col_t *c) {
    const uint8_t *p = rec + c->off;
    switch (c->width) {
    case 1: {
        uint8_t v = p[0];
        return c->sign ? (uint64_t)(int64_t)(int8_t)v : v;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return c->sign ? (uint64_t)(int64_t)(int16_t)v : v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return c->sign ? (uint64_t)(int64_t)(int32_t)v : v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static inline void nx__put(uint8_t *rec, const nx__col_t *c, uint64_t v) {
    uint8_t *p = rec + c->off;
    switch (c->width) {
    case 1: p[0] = (uint8_t)v; break;
    case 2: {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    default: memcpy(p, &v, 8); break;
    }
}

void nx__canon(const nx__kdesc_t *d, const void *src, void *dst) {
    memset(dst, 0, d->size);
    nx_event_hdr_t *h = dst;
    h->type = d->type;
    h->size = d->size;
    for (unsigned j = 0; j < d->ncols; j++) nx__put(dst, &d->cols[j], nx__get(src, &d->cols[j]));
}

/* ---- little-endian fields and varints ------------------------------------ */

static void nx__le16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void nx__le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void nx__le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t nx__rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t nx__rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t nx__rd64(const uint8_t *p) {
    return (uint64_t)nx__rd32(p) | (uint64_t)nx__rd32(p + 4) << 32;
}

static inline uint64_t nx__zz(uint64_t v) { return (v << 1) ^ (uint64_t)((int64_t)v >> 63); }
static inline uint64_t nx__unzz(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }
static inline size_t nx__vlen(uint64_t v) {
    return 1 + (size_t)(63 - __builtin_clzll(v | 1)) / 7;
}
static inline uint8_t *nx__vput(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}
/* Bounded varint read; NULL on truncation or overlong encoding. */
static inline const uint8_t *nx__vget(const uint8_t *p, const uint8_t *end, uint64_t *out) {
    if (NX_LIKELY(p < end && *p < 0x80)) {
        *out = *p;
        return p + 1;
    }
    if (NX_LIKELY(end - p >= 10)) { /* unrolled: no bound checks needed */
        uint64_t v = p[0] & 0x7fu;
        for (unsigned k = 1; k < 10; k++) {
            uint64_t b = p[k];
            v |= (b & 0x7fu) << (7 * k);
            if (b < 0x80) {
                if (k == 9 && b > 1) return NULL;
                *out = v;
                return p + k + 1;
            }
        }
        return NULL;
    }
    uint64_t v = 0;
    for (unsigned sh = 0; p < end && sh < 64; sh += 7) {
        uint8_t b = *p++;
        if (sh == 63 && b > 1) return NULL;
        v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) {
            *out = v;
            return p;
        }
    }
    return NULL;
}

static uint64_t nx__gcd(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static inline uint64_t nx__mag(uint64_t d) { return (int64_t)d < 0 ? 0 - d : d; }

/* ---- codec state ------------------------------------------------------------ */

#define NX__BUF_CEIL ((size_t)1 << 30)

int nx__buf_reserve(uint8_t **buf, size_t *cap, size_t need) {
    if (need <= *cap) return NX_OK;
    if (need > NX__BUF_CEIL)
        return NX_ERR(NX_ELIMIT, "store: buffer of %zu bytes is above the 1 GiB ceiling", need);
    size_t n = *cap ? *cap : 4096;
    while (n < need) n *= 2;
    if (n > NX__BUF_CEIL) n = NX__BUF_CEIL;
    uint8_t *p = nx_realloc(*buf, n);
    if (!p) return NX_ERR(NX_ENOMEM, "store: %zu bytes of buffer", n);
    *buf = p;
    *cap = n;
    return NX_OK;
}

int nx__codec_init(nx__codec_t *c, int level) {
    memset(c, 0, sizeof *c);
    c->level = level;
    return NX_OK;
}

void nx__codec_close(nx__codec_t *c) {
    if (c->cctx) ZSTD_freeCCtx(c->cctx);
    if (c->dctx) ZSTD_freeDCtx(c->dctx);
    nx_free(c->raw);
    nx_free(c->out);
    nx_free(c->xs);
    memset(c, 0, sizeof *c);
}

/* ---- encode ----------------------------------------------------------------- */

typedef struct nx__colplan {
    int rel, cnst, lin;
    uint64_t g, c;
    size_t bytes, data; /* total column bytes; DELTA data bytes */
} nx__colplan_t;

/*
 * Exact division and divisibility by g = o * 2^tz (o odd) without a divide:
 * o * inv == 1 (mod 2^64), so an exact multiple x = q * g gives
 * (x >> tz) * inv == q (signed or not), and m is a multiple of o exactly
 * when m * inv <= (2^64 - 1) / o (Granlund and Montgomery).
 */
typedef struct nx__exdiv {
    uint64_t g, inv, lim, low;
    unsigned tz;
} nx__exdiv_t;

static void nx__exdiv_set(nx__exdiv_t *e, uint64_t g) {
    e->g = g;
    e->tz = (unsigned)__builtin_ctzll(g);
    uint64_t o = g >> e->tz, x = o; /* x*o == 1 mod 2^3 for odd o; Newton doubles the bits */
    for (int i = 0; i < 5; i++) x *= 2 - o * x;
    e->inv = x;
    e->lim = UINT64_MAX / o;
    e->low = e->tz ? (1ull << e->tz) - 1 : 0;
}

static inline int nx__exdiv_divides(const nx__exdiv_t *e, uint64_t m) {
    return (m & e->low) == 0 && (m >> e->tz) * e->inv <= e->lim;
}

static inline uint64_t nx__exdiv_q(const nx__exdiv_t *e, uint64_t d) {
    return (uint64_t)((int64_t)d >> e->tz) * e->inv;
}

/*
 * Plan one column from values xs[0..n): CONST, LINEAR (constant step) or
 * DELTA; for DELTA, zq[0..n) receives the zigzagged quotients to emit.
 */
static void nx__plan(const uint64_t *xs, size_t n, nx__colplan_t *pl, uint64_t *zq) {
    uint64_t x0 = n ? xs[0] : 0, step = n > 1 ? xs[1] - xs[0] : 0;
    /* CONST or LINEAR: a cheap pass that stops at the first row that is neither */
    int cnst = 1, lin = n > 1;
    for (size_t i = 1; i < n && (cnst | lin); i++) {
        cnst &= xs[i] == x0;
        lin &= xs[i] - xs[i - 1] == step;
    }
    pl->cnst = cnst;
    pl->lin = 0;
    if (cnst) {
        pl->c = x0;
        pl->g = 1;
        pl->bytes = 1 + nx__vlen(nx__zz(pl->c));
        return;
    }
    if (lin) {
        pl->lin = 1;
        pl->c = x0;
        pl->g = step;
        pl->bytes = 1 + nx__vlen(nx__zz(pl->c)) + nx__vlen(nx__zz(step));
        return;
    }
    /* DELTA: g = gcd of the deltas' magnitudes (d_0 = x_0), done once it is 1 */
    uint64_t g = 0, prev = 0;
    nx__exdiv_t e = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        uint64_t m = nx__mag(xs[i] - prev);
        prev = xs[i];
        if (m && (g == 0 || !nx__exdiv_divides(&e, m))) {
            g = nx__gcd(g, m);
            if (g == 1) break;
            nx__exdiv_set(&e, g);
        }
    }
    if (g == 0 || g > (uint64_t)INT64_MAX) g = 1;
    pl->g = g;
    size_t data = 0;
    prev = 0;
    if (g == 1) {
        for (size_t i = 0; i < n; i++) {
            uint64_t z = nx__zz(xs[i] - prev);
            prev = xs[i];
            zq[i] = z;
            data += nx__vlen(z);
        }
    } else {
        nx__exdiv_set(&e, g);
        for (size_t i = 0; i < n; i++) {
            uint64_t z = nx__zz(nx__exdiv_q(&e, xs[i] - prev));
            prev = xs[i];
            zq[i] = z;
            data += nx__vlen(z);
        }
    }
    pl->data = data;
    pl->bytes = 1 + nx__vlen(g) + nx__vlen(data) + data;
}

static uint8_t *nx__emit(uint8_t *p, const uint64_t *zq, size_t n, const nx__colplan_t *pl) {
    *p++ = (uint8_t)((pl->cnst ? 1 : 0) | (pl->rel ? 2 : 0) | (pl->lin ? 4 : 0));
    if (pl->cnst) return nx__vput(p, nx__zz(pl->c));
    if (pl->lin) return nx__vput(nx__vput(p, nx__zz(pl->c)), nx__zz(pl->g));
    p = nx__vput(nx__vput(p, pl->g), pl->data);
    for (size_t i = 0; i < n; i++) p = nx__vput(p, zq[i]);
    return p;
}

/* One column of n rows (in idx order when idx) into out, one loop per width. */
#define NX__GATHER(T, SIGNED_T)                                                               \
    do {                                                                                      \
        for (size_t i = 0; i < n; i++) {                                                      \
            T v_;                                                                             \
            memcpy(&v_, rows + (idx ? idx[i] : i) * stride + col->off, sizeof v_);            \
            out[i] = col->sign ? (uint64_t)(int64_t)(SIGNED_T)v_ : (uint64_t)v_;              \
        }                                                                                     \
    } while (0)

static void nx__gather(const uint8_t *rows, size_t stride, const uint32_t *idx, size_t n,
                       const nx__col_t *col, uint64_t *out) {
    switch (col->width) {
    case 1: NX__GATHER(uint8_t, int8_t); break;
    case 2: NX__GATHER(uint16_t, int16_t); break;
    case 4: NX__GATHER(uint32_t, int32_t); break;
    default: NX__GATHER(uint64_t, int64_t); break;
    }
}
#undef NX__GATHER

int nx__block_encode(nx__codec_t *c, const nx__kdesc_t *d, const uint8_t *rows, size_t stride,
                     const uint32_t *idx, size_t n, size_t *len, nx__bhdr_t *hdr) {
    if (n == 0 || n > NX_STORE_BLOCK_ROWS_MAX)
        return NX_ERR(NX_EINVAL, "store: block of %zu rows", n);
    int rc;
    if (n * 4 > c->xs_cap) {
        uint64_t *x = nx_realloc(c->xs, n * 4 * sizeof *x);
        if (!x) return NX_ERR(NX_ENOMEM, "store: encode scratch for %zu rows", n);
        c->xs = x;
        c->xs_cap = n * 4;
    }
    size_t raw_bound = (size_t)d->ncols * (22 + 10 * n);
    if ((rc = nx__buf_reserve(&c->raw, &c->raw_cap, raw_bound)) < 0) return rc;
    /* xa: the column, xb: the column minus its base (REL), za/zb: their DELTA quotients */
    uint64_t *xa = c->xs, *xb = c->xs + n, *za = c->xs + 2 * n, *zb = c->xs + 3 * n;
    uint8_t *p = c->raw;
    nx__bhdr_t h;
    memset(&h, 0, sizeof h);
    for (unsigned j = 0; j < d->ncols; j++) {
        const nx__col_t *col = &d->cols[j];
        nx__gather(rows, stride, idx, n, col, xa);
        nx__colplan_t pa = {0, 0, 0, 1, 0, 0, 0}, pb = {0, 0, 0, 1, 0, 0, 0};
        nx__plan(xa, n, &pa, za);
        const uint64_t *zs = za;
        if (col->base >= 0 && !pa.cnst && !pa.lin) {
            nx__gather(rows, stride, idx, n, &d->cols[col->base], xb);
            for (size_t i = 0; i < n; i++) xb[i] = xa[i] - xb[i];
            nx__plan(xb, n, &pb, zb);
            pb.rel = 1;
            if (pb.bytes < pa.bytes) {
                pa = pb;
                zs = zb;
            }
        }
        p = nx__emit(p, zs, n, &pa);
    }
    size_t raw_size = (size_t)(p - c->raw);
    /* Summary fields. */
    const uint8_t *first = rows + (idx ? idx[0] : 0) * stride;
    const uint8_t *last = rows + (idx ? idx[n - 1] : n - 1) * stride;
    h.min_ts = nx__ts(first);
    h.max_ts = nx__ts(last);
    if (d->has_id) {
        for (size_t i = 0; i < n; i++) {
            uint64_t id = nx__id(d, rows + (idx ? idx[i] : i) * stride);
            if (id && (h.min_id == 0 || id < h.min_id)) h.min_id = id;
            if (id > h.max_id) h.max_id = id;
        }
    }
    if (!c->cctx && !(c->cctx = ZSTD_createCCtx()))
        return NX_ERR(NX_ENOMEM, "store: zstd compression context");
    size_t bound = ZSTD_compressBound(raw_size);
    if ((rc = nx__buf_reserve(&c->out, &c->out_cap, NX__BLK_HDR + bound)) < 0) return rc;
    size_t z = ZSTD_compressCCtx(c->cctx, c->out + NX__BLK_HDR, bound, c->raw, raw_size, c->level);
    if (ZSTD_isError(z)) return NX_ERR(NX_EIO, "store: zstd: %s", ZSTD_getErrorName(z));
    h.version = NX_STORE_FORMAT_VERSION;
    h.kind = (uint8_t)d->kind;
    h.ncols = d->ncols;
    h.ev_type = d->type;
    h.ev_size = d->size;
    h.rows = (uint32_t)n;
    h.raw_size = (uint32_t)raw_size;
    h.comp_size = (uint32_t)z;
    h.crc_raw = nx_crc32c(0, c->raw, raw_size);
    h.crc_comp = nx_crc32c(0, c->out + NX__BLK_HDR, z);
    uint8_t *o = c->out;
    memset(o, 0, NX__BLK_HDR);
    memcpy(o, NX__BLK_MAGIC, 8);
    nx__le16(o + 8, h.version);
    o[10] = h.kind;
    o[11] = h.ncols;
    nx__le16(o + 12, h.ev_type);
    nx__le16(o + 14, h.ev_size);
    nx__le32(o + 16, h.rows);
    nx__le32(o + 20, h.raw_size);
    nx__le64(o + 24, (uint64_t)h.min_ts);
    nx__le64(o + 32, (uint64_t)h.max_ts);
    nx__le64(o + 40, h.min_id);
    nx__le64(o + 48, h.max_id);
    nx__le32(o + 56, h.comp_size);
    nx__le32(o + 60, h.crc_raw);
    nx__le32(o + 64, h.crc_comp);
    nx__le32(o + 76, nx_crc32c(0, o, 76));
    *len = NX__BLK_HDR + z;
    if (hdr) *hdr = h;
    return NX_OK;
}

/* ---- decode ----------------------------------------------------------------- */

int nx__block_header(const uint8_t *o, size_t len, nx__bhdr_t *out) {
    if (len < NX__BLK_HDR) return NX_ERR(NX_ECORRUPT, "block shorter than its header");
    if (memcmp(o, NX__BLK_MAGIC, 8) != 0) return NX_ERR(NX_ECORRUPT, "bad block magic");
    if (nx__rd32(o + 76) != nx_crc32c(0, o, 76))
        return NX_ERR(NX_ECORRUPT, "block header checksum mismatch");
    nx__bhdr_t h;
    h.version = nx__rd16(o + 8);
    if (h.version != NX_STORE_FORMAT_VERSION)
        return NX_ERR(NX_EVERSION, "block format version %u (want %u)", h.version,
                      NX_STORE_FORMAT_VERSION);
    h.kind = o[10];
    h.ncols = o[11];
    h.ev_type = nx__rd16(o + 12);
    h.ev_size = nx__rd16(o + 14);
    h.rows = nx__rd32(o + 16);
    h.raw_size = nx__rd32(o + 20);
    h.min_ts = (int64_t)nx__rd64(o + 24);
    h.max_ts = (int64_t)nx__rd64(o + 32);
    h.min_id = nx__rd64(o + 40);
    h.max_id = nx__rd64(o + 48);
    h.comp_size = nx__rd32(o + 56);
    h.crc_raw = nx__rd32(o + 60);
    h.crc_comp = nx__rd32(o + 64);
    const nx__kdesc_t *d = nx__kdesc((nx_data_kind_t)h.kind);
    if (!d || d->ncols != h.ncols || d->type != h.ev_type || d->size != h.ev_size)
        return NX_ERR(NX_ECORRUPT, "block header names kind %u / type %u / size %u / %u columns",
                      h.kind, h.ev_type, h.ev_size, h.ncols);
    if (h.rows == 0 || h.rows > NX_STORE_BLOCK_ROWS_MAX)
        return NX_ERR(NX_ECORRUPT, "block header: %u rows", h.rows);
    if ((uint64_t)h.raw_size > (uint64_t)h.ncols * (22 + 10 * (uint64_t)h.rows))
        return NX_ERR(NX_ECORRUPT, "block header: raw size %u too large for %u rows", h.raw_size,
                      h.rows);
    if (h.min_ts > h.max_ts) return NX_ERR(NX_ECORRUPT, "block header: time range reversed");
    *out = h;
    return NX_OK;
}

/*
 * Decoding runs over the rows in chunks small enough to stay in L1 (the
 * records of a chunk are written column after column while they are hot),
 * with one loop per field width so the hot loops carry no switch. REL adds
 * the base column's value of the same row (always an 8-byte field decoded
 * earlier: see the descriptors).
 */
#define NX__CHUNK 128u

typedef struct nx__cdec {
    unsigned mode;
    const nx__col_t *col;
    ptrdiff_t boff; /* base field offset relative to this field (REL) */
    const uint8_t *p, *end;
    uint64_t acc, g, step;
} nx__cdec_t;

#define NX__STORE(T, rec, v)                                                                  \
    do {                                                                                      \
        T t_ = (T)(v);                                                                        \
        memcpy((rec), &t_, sizeof t_);                                                        \
    } while (0)
static inline uint64_t nx__base8(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

#define NX__CONST_LOOP(T, R)                                                                  \
    do {                                                                                      \
        if (c->boff)                                                                          \
            for (size_t i = 0; i < m; i++, rec += stride)                                     \
                NX__STORE(T, rec, acc + nx__base8(rec + c->boff));                            \
        else                                                                                  \
            for (size_t i = 0; i < m; i++, rec += stride) NX__STORE(T, rec, acc);             \
    } while (0)

#define NX__LINEAR_LOOP(T, R)                                                                 \
    do {                                                                                      \
        for (size_t i = 0; i < m; i++, rec += stride, acc += c->step) NX__STORE(T, rec, acc); \
    } while (0)

#define NX__DELTA_LOOP(T, REL)                                                                \
    do {                                                                                      \
        for (size_t i = 0; i < m; i++, rec += stride) {                                       \
            uint64_t z;                                                                       \
            if (NX_LIKELY(p < end && *p < 0x80)) z = *p++;                                    \
            else if (!(p = nx__vget(p, end, &z))) return -1;                                  \
            acc += nx__unzz(z) * g;                                                           \
            NX__STORE(T, rec, REL ? acc + nx__base8(rec + c->boff) : acc);                    \
        }                                                                                     \
    } while (0)

#define NX__BY_WIDTH(M, R)                                                                    \
    do {                                                                                      \
        switch (c->col->width) {                                                              \
        case 1: M(uint8_t, R); break;                                                         \
        case 2: M(uint16_t, R); break;                                                        \
        case 4: M(uint32_t, R); break;                                                        \
        default: M(uint64_t, R); break;                                                       \
        }                                                                                     \
    } while (0)

/* Rows [0, m) of a chunk starting at out (records of stride bytes). */
static int nx__decode_chunk(nx__cdec_t *c, uint8_t *out, size_t stride, size_t m) {
    uint8_t *rec = out + c->col->off;
    uint64_t acc = c->acc;
    if (c->mode & 1) {
        NX__BY_WIDTH(NX__CONST_LOOP, 0);
    } else if (c->mode & 4) {
        NX__BY_WIDTH(NX__LINEAR_LOOP, 0);
    } else {
        const uint8_t *p = c->p, *end = c->end;
        uint64_t g = c->g;
        if (c->mode & 2) NX__BY_WIDTH(NX__DELTA_LOOP, 1);
        else NX__BY_WIDTH(NX__DELTA_LOOP, 0);
        c->p = p;
    }
    c->acc = acc;
    return 0;
}

/* Column headers: mode, then CONST c | LINEAR c step | DELTA g len data. */
static int nx__decode_cols(const uint8_t *p, const uint8_t *end, const nx__kdesc_t *d,
                           nx__cdec_t *cs) {
    for (unsigned j = 0; j < d->ncols; j++) {
        nx__cdec_t *c = &cs[j];
        memset(c, 0, sizeof *c);
        c->col = &d->cols[j];
        if (p >= end) return -1;
        unsigned mode = *p++;
        if (mode > 7 || (mode & 5) == 5 || (mode & 6) == 6 || ((mode & 2) && c->col->base < 0))
            return -1;
        c->mode = mode;
        if (mode & 2) {
            const nx__col_t *bc = &d->cols[c->col->base];
            c->boff = (ptrdiff_t)bc->off - (ptrdiff_t)c->col->off;
        }
        uint64_t z, len;
        if (mode & 5) {
            if (!(p = nx__vget(p, end, &z))) return -1;
            c->acc = nx__unzz(z);
            if (mode & 4) {
                if (!(p = nx__vget(p, end, &z))) return -1;
                c->step = nx__unzz(z);
            }
            continue;
        }
        if (!(p = nx__vget(p, end, &c->g)) || c->g == 0) return -1;
        if (!(p = nx__vget(p, end, &len)) || len > (uint64_t)(end - p)) return -1;
        c->p = p;
        c->end = p + len;
        p += len;
    }
    return p == end ? 0 : -1;
}

int nx__block_decode(nx__codec_t *c, const uint8_t *file, size_t len, uint8_t *out,
                     size_t stride, size_t cap, nx__bhdr_t *hdr) {
    nx__bhdr_t h;
    int rc = nx__block_header(file, len, &h);
    if (rc < 0) return rc == NX_EVERSION ? rc : NX_ECORRUPT;
    if ((uint64_t)h.comp_size > len - NX__BLK_HDR)
        return NX_ERR(NX_ECORRUPT, "block truncated: %zu payload bytes of %u",
                      len - NX__BLK_HDR, h.comp_size);
    if (h.rows > cap) return NX_ERR(NX_ECORRUPT, "block of %u rows (room for %zu)", h.rows, cap);
    if (stride < h.ev_size) return NX_ERR(NX_EINVAL, "store: stride %zu below record size", stride);
    const uint8_t *zp = file + NX__BLK_HDR;
    if (nx_crc32c(0, zp, h.comp_size) != h.crc_comp)
        return NX_ERR(NX_ECORRUPT, "block payload checksum mismatch");
    if ((rc = nx__buf_reserve(&c->raw, &c->raw_cap, (size_t)h.raw_size + 1)) < 0) return rc;
    if (!c->dctx && !(c->dctx = ZSTD_createDCtx()))
        return NX_ERR(NX_ENOMEM, "store: zstd decompression context");
    size_t got = ZSTD_decompressDCtx(c->dctx, c->raw, h.raw_size, zp, h.comp_size);
    if (ZSTD_isError(got) || got != h.raw_size)
        return NX_ERR(NX_ECORRUPT, "block payload does not decompress to %u bytes", h.raw_size);
    if (nx_crc32c(0, c->raw, h.raw_size) != h.crc_raw)
        return NX_ERR(NX_ECORRUPT, "block raw payload checksum mismatch");
    const nx__kdesc_t *d = nx__kdesc((nx_data_kind_t)h.kind);
    nx__cdec_t cs[NX__COLS_MAX];
    if (nx__decode_cols(c->raw, c->raw + h.raw_size, d, cs) < 0)
        return NX_ERR(NX_ECORRUPT, "block column headers malformed");
    for (size_t at = 0; at < h.rows; at += NX__CHUNK) {
        size_t m = h.rows - at < NX__CHUNK ? h.rows - at : NX__CHUNK;
        for (unsigned j = 0; j < d->ncols; j++)
            if (nx__decode_chunk(&cs[j], out + at * stride, stride, m) < 0)
                return NX_ERR(NX_ECORRUPT, "block column %u malformed", j);
    }
    for (unsigned j = 0; j < d->ncols; j++)
        if (cs[j].p != cs[j].end)
            return NX_ERR(NX_ECORRUPT, "block column %u has trailing bytes", j);
    if (nx__ts(out) != h.min_ts || nx__ts(out + (h.rows - 1) * stride) != h.max_ts)
        return NX_ERR(NX_ECORRUPT, "block time range differs from its rows");
    *hdr = h;
    return NX_OK;
}
