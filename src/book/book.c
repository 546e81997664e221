/*
 * L2 order book (nexus/book.h).
 *
 * Each side is two parallel arrays (keys, quantities) sorted ascending by key
 * with the best level LAST: the key is the price for bids and the negated
 * price for asks, so one binary search and one "best = end" rule serve both
 * sides. Most changes happen near the top, i.e. near the end of the arrays,
 * so inserts and removals move few bytes; capacity cuts remove from the
 * front (the far end of the book).
 */
#include <string.h>
#include <zlib.h>

#include "nexus/book.h"

typedef struct nx__side {
    int64_t *key; /* ascending; best last */
    int64_t *qty;
    uint32_t n;
} nx__side_t;

struct nx_book {
    nx_book_config_t cfg;
    nx_book_state_t state;
    nx__side_t side[2]; /* 0 bids, 1 asks */
    uint64_t last_u;    /* id of the last applied batch */
    uint64_t snap_id;   /* id of the snapshot being loaded */
    uint64_t batch_u, batch_U;
    int in_batch;       /* between the first delta of a diff and its LAST */
    int batch_drop;     /* the open batch is stale: drop its deltas */
    int need_first;     /* Binance: the first diff after a snapshot is due */
    nx_book_stats_t st;
    /* pending diffs (ring) kept while not synced */
    nx_ev_book_delta_t *pend;
    uint32_t pend_head, pend_n;
    int pend_skip;      /* dropping the rest of a batch that did not fit */
    uint64_t pend_skip_u;
};

static inline int64_t nx__key(int sidx, int64_t price) { return sidx ? -price : price; }
static inline int64_t nx__price(int sidx, int64_t key) { return sidx ? -key : key; }

/* First index with key >= k. */
static uint32_t nx__lower(const nx__side_t *s, int64_t k) {
    uint32_t lo = 0, hi = s->n;
    /* fast path: most updates touch the top few levels (the end) */
    if (hi && s->key[hi - 1] < k) return hi;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->key[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void nx__remove_front(nx__side_t *s, uint32_t k) {
    if (k >= s->n) {
        s->n = 0;
        return;
    }
    memmove(s->key, s->key + k, (size_t)(s->n - k) * sizeof(int64_t));
    memmove(s->qty, s->qty + k, (size_t)(s->n - k) * sizeof(int64_t));
    s->n -= k;
}

static int nx__desync(nx_book_t *b) {
    b->state = NX_BOOK_OUT_OF_SYNC;
    b->in_batch = 0;
    b->batch_drop = 0;
    return 0;
}

/* Set one level (qty 0 removes). Returns 0, or NX_ELIMIT under strict capacity. */
static int nx__set(nx_book_t *b, int sidx, int64_t price, int64_t qty) {
    nx__side_t *s = &b->side[sidx];
    int64_t k = nx__key(sidx, price);
    uint32_t i = nx__lower(s, k);
    int found = i < s->n && s->key[i] == k;
    if (qty == 0) {
        if (found) {
            uint32_t tail = s->n - i - 1;
            memmove(s->key + i, s->key + i + 1, (size_t)tail * sizeof(int64_t));
            memmove(s->qty + i, s->qty + i + 1, (size_t)tail * sizeof(int64_t));
            s->n--;
        }
        return 0;
    }
    if (found) {
        s->qty[i] = qty;
        return 0;
    }
    if (s->n == b->cfg.capacity) {
        if (b->cfg.flags & NX_BOOK_STRICT_CAPACITY)
            return NX_ERR(NX_ELIMIT, "book side %s full (%u levels)", sidx ? "ask" : "bid",
                          b->cfg.capacity);
        b->st.levels_dropped++;
        if (i == 0) return 0; /* the new level is the farthest: it is the one cut */
        nx__remove_front(s, 1);
        i--;
    }
    uint32_t tail = s->n - i;
    memmove(s->key + i + 1, s->key + i, (size_t)tail * sizeof(int64_t));
    memmove(s->qty + i + 1, s->qty + i, (size_t)tail * sizeof(int64_t));
    s->key[i] = k;
    s->qty[i] = qty;
    s->n++;
    return 0;
}

/* ---- lifecycle ----------------------------------------------------------- */

void nx_book_config_default(nx_book_config_t *c, nx_book_sync_t sync, uint8_t price_scale,
                            uint8_t qty_scale) {
    memset(c, 0, sizeof *c);
    c->sync = sync;
    c->price_scale = price_scale;
    c->qty_scale = qty_scale;
    c->capacity = 5000;
}

void nx_book_reset(nx_book_t *b) {
    b->side[0].n = b->side[1].n = 0;
    b->state = b->cfg.sync == NX_BOOK_SYNC_NONE ? NX_BOOK_SYNCED : NX_BOOK_AWAITING_SNAPSHOT;
    b->last_u = b->snap_id = b->batch_u = b->batch_U = 0;
    b->in_batch = b->batch_drop = b->need_first = 0;
    b->pend_head = b->pend_n = 0;
    b->pend_skip = 0;
}

int nx_book_new(const nx_book_config_t *c, nx_book_t **out) {
    if (!c || !out) return NX_ERR(NX_EINVAL, "NULL argument");
    if (c->capacity == 0 || c->capacity > (1u << 24))
        return NX_ERR(NX_EINVAL, "book capacity %u (want 1..16777216)", c->capacity);
    if (c->price_scale > NX_DEC_MAX_SCALE || c->qty_scale > NX_DEC_MAX_SCALE)
        return NX_ERR(NX_EINVAL, "book scales %u/%u (max %d)", c->price_scale, c->qty_scale,
                      NX_DEC_MAX_SCALE);
    if ((unsigned)c->sync > NX_BOOK_SYNC_KRAKEN)
        return NX_ERR(NX_EINVAL, "unknown sync rule %d", (int)c->sync);
    if (c->depth > c->capacity)
        return NX_ERR(NX_EINVAL, "book depth %u exceeds capacity %u", c->depth, c->capacity);
    if (c->pending_cap > (1u << 24))
        return NX_ERR(NX_EINVAL, "pending_cap %u (max 16777216)", c->pending_cap);
    nx_book_t *b = nx_calloc(1, sizeof *b);
    if (!b) return NX_ERR(NX_ENOMEM, "book");
    b->cfg = *c;
    size_t cap = c->capacity;
    for (int s = 0; s < 2; s++) {
        b->side[s].key = nx_malloc(cap * sizeof(int64_t));
        b->side[s].qty = nx_malloc(cap * sizeof(int64_t));
        if (!b->side[s].key || !b->side[s].qty) {
            nx_book_free(b);
            return NX_ERR(NX_ENOMEM, "book levels (%zu per side)", cap);
        }
    }
    if (c->pending_cap) {
        b->pend = nx_malloc((size_t)c->pending_cap * sizeof(nx_ev_book_delta_t));
        if (!b->pend) {
            nx_book_free(b);
            return NX_ERR(NX_ENOMEM, "book pending buffer (%u deltas)", c->pending_cap);
        }
    }
    nx_book_reset(b);
    *out = b;
    return NX_OK;
}

void nx_book_free(nx_book_t *b) {
    if (!b) return;
    for (int s = 0; s < 2; s++) {
        nx_free(b->side[s].key);
        nx_free(b->side[s].qty);
    }
    nx_free(b->pend);
    nx_free(b);
}

/* ---- pending diffs --------------------------------------------------------- */

static void nx__pend_pop(nx_book_t *b) {
    b->pend_head = (b->pend_head + 1) % b->cfg.pending_cap;
    b->pend_n--;
    b->st.pending_dropped++;
}

static int nx__pend_push(nx_book_t *b, const nx_ev_book_delta_t *d) {
    if (b->pend_skip) {
        if (d->update_id == b->pend_skip_u) {
            b->st.pending_dropped++;
            if (d->flags & NX_BOOKF_LAST) b->pend_skip = 0;
            return NX_BOOK_BUFFERED;
        }
        b->pend_skip = 0;
    }
    if (b->pend_n == b->cfg.pending_cap) {
        /* make room by dropping the oldest whole batch */
        int closed = 0;
        while (b->pend_n && !closed) {
            closed = (b->pend[b->pend_head].flags & NX_BOOKF_LAST) != 0;
            nx__pend_pop(b);
        }
        if (!closed) {
            /* the batch being kept is larger than the buffer: drop all of it */
            b->st.pending_dropped++;
            if (!(d->flags & NX_BOOKF_LAST)) {
                b->pend_skip = 1;
                b->pend_skip_u = d->update_id;
            }
            return NX_BOOK_BUFFERED;
        }
    }
    b->pend[(b->pend_head + b->pend_n) % b->cfg.pending_cap] = *d;
    b->pend_n++;
    b->st.buffered++;
    return NX_BOOK_BUFFERED;
}

/* ---- batches ---------------------------------------------------------------- */

static void nx__cut_depth(nx_book_t *b) {
    uint32_t depth = b->cfg.depth;
    if (!depth) return;
    for (int s = 0; s < 2; s++)
        if (b->side[s].n > depth) nx__remove_front(&b->side[s], b->side[s].n - depth);
}

static int nx__is_crossed(const nx_book_t *b) {
    const nx__side_t *bi = &b->side[0], *as = &b->side[1];
    return bi->n && as->n && bi->key[bi->n - 1] >= -as->key[as->n - 1];
}

/* Work at the end of a batch: depth cut, crossed count, checksum. */
static int nx__end_batch(nx_book_t *b, const nx_ev_book_delta_t *d) {
    nx__cut_depth(b);
    if (nx__is_crossed(b)) b->st.crossed++;
    if (d->flags & NX_BOOKF_CHECKSUM) {
        uint32_t got = nx_book_kraken_checksum(b);
        if (got != d->aux) {
            b->st.checksum_fails++;
            nx__desync(b);
            return NX_ERR(NX_ECORRUPT, "book checksum mismatch: venue %u, book %u; out of sync",
                          d->aux, got);
        }
        b->st.checksums_ok++;
    }
    return NX_OK;
}

static int nx__apply_level(nx_book_t *b, const nx_ev_book_delta_t *d) {
    int rc = 0;
    switch (d->action) {
    case NX_BOOK_SET:
        if (d->side != NX_SIDE_NONE)
            rc = nx__set(b, d->side == NX_SIDE_SELL, d->price, d->qty);
        break;
    case NX_BOOK_DELETE: rc = nx__set(b, d->side == NX_SIDE_SELL, d->price, 0); break;
    default: /* CLEAR inside a diff batch */
        b->side[0].n = b->side[1].n = 0;
        break;
    }
    if (rc < 0) {
        nx__desync(b);
        return rc;
    }
    b->st.deltas++;
    return NX_OK;
}

/*
 * Sequence check of the first delta of a diff batch. Returns 0 (apply),
 * NX_BOOK_STALE (drop the batch) or NX_ECORRUPT (gap; the book desyncs).
 */
static int nx__check_seq(nx_book_t *b, const nx_ev_book_delta_t *d) {
    uint64_t u = d->update_id, U = d->first_update_id, L = b->last_u;
    uint64_t expected, got;
    if (b->cfg.sync == NX_BOOK_SYNC_BINANCE_SPOT) {
        if (u <= L) return NX_BOOK_STALE;
        if (b->need_first) {
            if (U <= L + 1) return 0; /* and L + 1 <= u holds since u > L */
            expected = L + 1;
            got = U;
            goto gap;
        }
        if (U == L + 1) return 0;
        expected = L + 1;
        got = U;
        goto gap;
    }
    if (b->cfg.sync == NX_BOOK_SYNC_BINANCE_FUTURES) {
        if (b->need_first) {
            if (u < L) return NX_BOOK_STALE;
            if (U <= L) return 0;
            expected = L;
            got = U;
            goto gap;
        }
        if (u <= L) return NX_BOOK_STALE;
        if (!(d->flags & NX_BOOKF_PU)) {
            b->st.gaps++;
            nx__desync(b);
            return NX_ERR(NX_ECORRUPT, "futures diff u=%llu carries no pu; out of sync",
                          (unsigned long long)u);
        }
        uint64_t pu = d->aux == UINT32_MAX || d->aux > U ? UINT64_MAX : U - d->aux;
        if (pu == L) return 0;
        expected = L;
        got = pu;
        goto gap;
    }
    return 0; /* KRAKEN, NONE: no ids */
gap:
    b->st.gaps++;
    b->st.gap_expected = expected;
    b->st.gap_got = got;
    nx__desync(b);
    return NX_ERR(NX_ECORRUPT,
                  "book sequence gap after update %llu: expected %s %llu, got %llu (diff U=%llu "
                  "u=%llu); out of sync until a new snapshot",
                  (unsigned long long)L,
                  b->cfg.sync == NX_BOOK_SYNC_BINANCE_FUTURES && !b->need_first ? "pu" : "U",
                  (unsigned long long)expected, (unsigned long long)got, (unsigned long long)U,
                  (unsigned long long)u);
}

/* A diff delta on a SYNCED book. */
static int nx__apply_diff(nx_book_t *b, const nx_ev_book_delta_t *d) {
    int last = (d->flags & NX_BOOKF_LAST) != 0;
    if (b->in_batch) {
        if (d->update_id != b->batch_u || d->first_update_id != b->batch_U) {
            nx__desync(b);
            return NX_ERR(NX_ECORRUPT,
                          "book batch u=%llu not closed before u=%llu; out of sync",
                          (unsigned long long)b->batch_u, (unsigned long long)d->update_id);
        }
        if (b->batch_drop) {
            b->st.stale++;
            if (last) b->in_batch = b->batch_drop = 0;
            return NX_BOOK_STALE;
        }
    } else {
        int rc = nx__check_seq(b, d);
        if (rc < 0) return rc;
        b->in_batch = 1;
        b->batch_u = d->update_id;
        b->batch_U = d->first_update_id;
        if (rc == NX_BOOK_STALE) {
            b->st.stale++;
            b->batch_drop = 1;
            if (last) b->in_batch = b->batch_drop = 0;
            return NX_BOOK_STALE;
        }
        b->need_first = 0;
    }
    int rc = nx__apply_level(b, d);
    if (rc < 0) return rc;
    if (!last) return NX_OK;
    b->in_batch = 0;
    b->last_u = b->batch_u;
    b->st.batches++;
    return nx__end_batch(b, d);
}

static int nx__replay_pending(nx_book_t *b) {
    int rc = NX_OK;
    while (b->pend_n) {
        nx_ev_book_delta_t d = b->pend[b->pend_head];
        b->pend_head = (b->pend_head + 1) % b->cfg.pending_cap;
        b->pend_n--;
        if (b->state != NX_BOOK_SYNCED) continue; /* a gap: the rest is useless */
        int r = nx__apply_diff(b, &d);
        if (r < 0) rc = r;
    }
    b->pend_head = 0;
    b->pend_skip = 0;
    return rc;
}

static int nx__finish_snapshot(nx_book_t *b, const nx_ev_book_delta_t *d) {
    b->state = NX_BOOK_SYNCED;
    b->last_u = b->snap_id;
    b->need_first = b->cfg.sync == NX_BOOK_SYNC_BINANCE_SPOT ||
                    b->cfg.sync == NX_BOOK_SYNC_BINANCE_FUTURES;
    b->st.snapshots++;
    int rc = nx__end_batch(b, d);
    if (rc < 0) return rc;
    if (b->cfg.pending_cap) return nx__replay_pending(b);
    return NX_OK;
}

int nx_book_apply(nx_book_t *b, const nx_ev_book_delta_t *d) {
    if (d->h.type != NX_EV_BOOK_DELTA)
        return NX_ERR(NX_EINVAL, "event type 0x%04x is not a book delta", d->h.type);
    if (d->instrument != b->cfg.instrument)
        return NX_ERR(NX_EINVAL, "book delta for instrument %u in the book of instrument %u",
                      d->instrument, b->cfg.instrument);
    const char *bad = NULL;
    if (d->price_scale != b->cfg.price_scale || d->qty_scale != b->cfg.qty_scale)
        bad = "scales differ from the book's";
    else if (d->action < NX_BOOK_SET || d->action > NX_BOOK_CLEAR)
        bad = "unknown action";
    else if (d->action != NX_BOOK_CLEAR && d->side != NX_SIDE_BUY && d->side != NX_SIDE_SELL &&
             !(d->action == NX_BOOK_SET && d->side == NX_SIDE_NONE && d->qty == 0))
        bad = "unknown side";
    else if (d->qty < 0)
        bad = "negative quantity";
    else if (d->price == INT64_MIN)
        bad = "price out of range";
    if (bad) {
        int was = b->state == NX_BOOK_SYNCED || b->state == NX_BOOK_LOADING;
        if (was) nx__desync(b);
        return NX_ERR(NX_EINVAL, "book delta u=%llu: %s (price_scale %u qty_scale %u side %u "
                      "action %u)%s",
                      (unsigned long long)d->update_id, bad, d->price_scale, d->qty_scale,
                      d->side, d->action, was ? "; out of sync" : "");
    }

    if (d->flags & NX_BOOKF_SNAPSHOT) {
        if (d->action == NX_BOOK_CLEAR) {
            b->side[0].n = b->side[1].n = 0;
            b->state = NX_BOOK_LOADING;
            b->snap_id = d->update_id;
            b->in_batch = b->batch_drop = 0;
            if (d->flags & NX_BOOKF_LAST) return nx__finish_snapshot(b, d);
            return NX_OK;
        }
        if (b->state != NX_BOOK_LOADING || d->update_id != b->snap_id) {
            nx__desync(b);
            return NX_ERR(NX_ECORRUPT, "snapshot level (u=%llu) without its CLEAR; out of sync",
                          (unsigned long long)d->update_id);
        }
        int rc = nx__apply_level(b, d);
        if (rc < 0) return rc;
        if (d->flags & NX_BOOKF_LAST) return nx__finish_snapshot(b, d);
        return NX_OK;
    }

    if (b->state != NX_BOOK_SYNCED) {
        if (b->cfg.pending_cap) return nx__pend_push(b, d);
        return NX_ERR(NX_ESTATE, "book %s: diff u=%llu refused until a snapshot",
                      nx_book_state_name(b->state), (unsigned long long)d->update_id);
    }
    return nx__apply_diff(b, d);
}

/* ---- reads ---------------------------------------------------------------- */

nx_book_state_t nx_book_state(const nx_book_t *b) { return b->state; }

const char *nx_book_state_name(nx_book_state_t s) {
    switch (s) {
    case NX_BOOK_AWAITING_SNAPSHOT: return "awaiting snapshot";
    case NX_BOOK_LOADING: return "loading snapshot";
    case NX_BOOK_SYNCED: return "synced";
    case NX_BOOK_OUT_OF_SYNC: return "out of sync";
    }
    return "?";
}

uint64_t nx_book_update_id(const nx_book_t *b) { return b->last_u; }
void nx_book_stats(const nx_book_t *b, nx_book_stats_t *out) { *out = b->st; }
const nx_book_config_t *nx_book_config(const nx_book_t *b) { return &b->cfg; }

static int nx__readable(const nx_book_t *b) {
    if (b->state != NX_BOOK_SYNCED)
        return NX_ERR(NX_ESTATE, "book %s", nx_book_state_name(b->state));
    if (b->in_batch) return NX_ERR(NX_ESTATE, "book inside batch u=%llu",
                                   (unsigned long long)b->batch_u);
    return NX_OK;
}

int nx_book_bbo(const nx_book_t *b, nx_book_level_t *bid, nx_book_level_t *ask) {
    int rc = nx__readable(b);
    if (rc < 0) return rc;
    const nx__side_t *bi = &b->side[0], *as = &b->side[1];
    if (!bi->n || !as->n) return NX_ENOTFOUND;
    if (bid) {
        bid->price = bi->key[bi->n - 1];
        bid->qty = bi->qty[bi->n - 1];
    }
    if (ask) {
        ask->price = -as->key[as->n - 1];
        ask->qty = as->qty[as->n - 1];
    }
    return NX_OK;
}

int nx_book_top(const nx_book_t *b, nx_side_t side, nx_book_level_t *out, size_t n,
                size_t *got) {
    int rc = nx__readable(b);
    if (rc < 0) return rc;
    if (side != NX_SIDE_BUY && side != NX_SIDE_SELL) return NX_ERR(NX_EINVAL, "side %d", side);
    int sidx = side == NX_SIDE_SELL;
    const nx__side_t *s = &b->side[sidx];
    size_t k = n < s->n ? n : s->n;
    for (size_t i = 0; i < k; i++) {
        out[i].price = nx__price(sidx, s->key[s->n - 1 - i]);
        out[i].qty = s->qty[s->n - 1 - i];
    }
    *got = k;
    return NX_OK;
}

size_t nx_book_count(const nx_book_t *b, nx_side_t side) {
    if (side == NX_SIDE_BUY) return b->side[0].n;
    if (side == NX_SIDE_SELL) return b->side[1].n;
    return 0;
}

int nx_book_mid(const nx_book_t *b, nx_dec_t *out) {
    nx_book_level_t bid, ask;
    int rc = nx_book_bbo(b, &bid, &ask);
    if (rc != NX_OK) return rc;
    nx_i128 sum = (nx_i128)bid.price + ask.price;
    if (b->cfg.price_scale < NX_DEC_MAX_SCALE) {
        nx_i128 m = sum * 5; /* (bid + ask) / 2 at one more digit */
        if (m > INT64_MAX || m < INT64_MIN) return NX_ERR(NX_EOVERFLOW, "book mid");
        *out = nx_dec_make((int64_t)m, (uint8_t)(b->cfg.price_scale + 1));
        return NX_OK;
    }
    if (sum % 2) return NX_ERR(NX_EINEXACT, "book mid at scale 18");
    *out = nx_dec_make((int64_t)(sum / 2), b->cfg.price_scale);
    return NX_OK;
}

int nx_book_spread(const nx_book_t *b, int64_t *out) {
    nx_book_level_t bid, ask;
    int rc = nx_book_bbo(b, &bid, &ask);
    if (rc != NX_OK) return rc;
    nx_i128 s = (nx_i128)ask.price - bid.price;
    if (s > INT64_MAX || s < INT64_MIN) return NX_ERR(NX_EOVERFLOW, "book spread");
    *out = (int64_t)s;
    return NX_OK;
}

static int nx__crossed_err(int64_t bid, int64_t ask, uint8_t scale) {
    char bs[NX_DEC_STRLEN], as[NX_DEC_STRLEN];
    nx_dec_format_raw(bid, scale, bs);
    nx_dec_format_raw(ask, scale, as);
    return NX_ERR(NX_ECORRUPT, "crossed book: best bid %s >= best ask %s", bs, as);
}

int nx_book_check_crossed(const nx_book_t *b) {
    if (!nx__is_crossed(b)) return NX_OK;
    return nx__crossed_err(b->side[0].key[b->side[0].n - 1], -b->side[1].key[b->side[1].n - 1],
                           b->cfg.price_scale);
}

int nx_quote_check_crossed(const nx_ev_quote_t *q) {
    if (q->bid_price == 0 || q->ask_price == 0 || q->bid_price < q->ask_price) return NX_OK;
    return nx__crossed_err(q->bid_price, q->ask_price, q->price_scale);
}

/* ---- Kraken checksum ------------------------------------------------------------ */

/* Decimal digits of a non-negative mantissa, no leading zeros ("" for 0). */
static size_t nx__digits(int64_t v, char *p) {
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    while (u) {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    }
    for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    return n;
}

uint32_t nx_book_kraken_checksum(const nx_book_t *b) {
    char buf[20 * 2 * 24];
    size_t len = 0;
    for (int sidx = 1; sidx >= 0; sidx--) { /* asks first, then bids */
        const nx__side_t *s = &b->side[sidx];
        uint32_t k = s->n < 10 ? s->n : 10;
        for (uint32_t i = 0; i < k; i++) {
            len += nx__digits(nx__price(sidx, s->key[s->n - 1 - i]), buf + len);
            len += nx__digits(s->qty[s->n - 1 - i], buf + len);
        }
    }
    return (uint32_t)crc32(0L, (const Bytef *)buf, (uInt)len);
}
