/*
 * Importers (nexus/data.h): rows of outside formats into events, exactly.
 *
 * Prices and quantities are parsed from their text with nx_dec_parse_scaled:
 * exact for CSV sources (more digits than the instrument's scale is an error,
 * NX_EINEXACT: the instrument file is wrong, not the data); JSON sources
 * (freqtrade) wrote binary floats as text, so they are rounded half-even to
 * the scale. Nothing goes through double.
 *
 * Checks of content (positive prices, order, duplicates, gaps, jumps, crossed
 * quotes) are the validator's job (validate.c), not the parsers': a parser
 * only refuses what it cannot read, naming the column.
 */
#include <string.h>

#include "nexus/data.h"
#include "nexus/decimal.h"
#include "nexus/time.h"

#define NX__MAX_FIELDS 32
#define NX__JSON_ELEM_MAX 4096

static const char *const nx__fmt_names[] = {
    NULL,            "binance-trades",    "binance-aggtrades", "binance-klines",
    "binance-stream", "freqtrade-candles", "freqtrade-trades",  "kraken-trades",
    "lean-trades",   "lean-quotes",       "lean-bars",         "csv"};

int nx_import_format_parse(const char *name, nx_import_format_t *out) {
    for (unsigned i = 1; i < NX_ARRAY_LEN(nx__fmt_names); i++) {
        if (strcmp(name, nx__fmt_names[i]) == 0) {
            *out = (nx_import_format_t)i;
            return NX_OK;
        }
    }
    return NX_ERR(NX_EPARSE,
                  "unknown format '%s' (binance-trades|binance-aggtrades|binance-klines|"
                  "binance-stream|freqtrade-candles|freqtrade-trades|kraken-trades|lean-trades|"
                  "lean-quotes|lean-bars|csv)",
                  name);
}

const char *nx_import_format_name(nx_import_format_t f) {
    return (unsigned)f < NX_ARRAY_LEN(nx__fmt_names) ? nx__fmt_names[f] : NULL;
}

int nx_import_format_is_json(nx_import_format_t f) {
    return f == NX_FMT_FREQTRADE_CANDLES || f == NX_FMT_FREQTRADE_TRADES;
}

/* ---- small exact field parsers ------------------------------------------ */

static int nx__u64(const char *s, size_t n, uint64_t *out) {
    uint64_t v = 0;
    if (n == 0 || n > 20) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        /* 19 digits cannot wrap: only the 20th needs the check */
        if (i == 19 && v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int nx__i64(const char *s, size_t n, int64_t *out) {
    int neg = n && s[0] == '-';
    uint64_t u;
    if (nx__u64(s + neg, n - (size_t)neg, &u) || u > (uint64_t)INT64_MAX) return -1;
    *out = neg ? -(int64_t)u : (int64_t)u;
    return 0;
}

static int nx__bool(const char *s, size_t n, uint8_t *out) {
    if ((n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "True", 4) == 0)) ||
        (n == 1 && s[0] == '1')) {
        *out = 1;
        return 0;
    }
    if ((n == 5 && (memcmp(s, "false", 5) == 0 || memcmp(s, "False", 5) == 0)) ||
        (n == 1 && s[0] == '0')) {
        *out = 0;
        return 0;
    }
    return -1;
}

/* Integer epoch value in a unit; *out in ns, overflow-checked. */
static int nx__scale_ts(uint64_t v, int64_t unit_ns, nx_ts_t *out) {
    if (v > (uint64_t)INT64_MAX / (uint64_t)unit_ns) return -1;
    *out = (int64_t)v * unit_ns;
    return 0;
}

int nx_ts_format_parse(const char *name, nx_ts_format_t *out) {
    static const char *const names[] = {"auto", "s", "ms", "us", "ns", "iso"};
    for (unsigned i = 0; i < NX_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (nx_ts_format_t)i;
            return NX_OK;
        }
    }
    return NX_ERR(NX_EPARSE, "unknown timestamp format '%s' (auto|s|ms|us|ns|iso)", name);
}

int nx_ts_field_parse(const char *s, size_t n, nx_ts_format_t f, nx_ts_t *out) {
    uint64_t v;
    if (f == NX_TS_ISO) return nx_time_parse(s, n, out);
    if (f == NX_TS_S || (f == NX_TS_AUTO && memchr(s, '.', n))) {
        /* seconds with an optional fraction, exactly to the nanosecond */
        int64_t m;
        int rc = nx_dec_parse_scaled(s, n, 9, NX_ROUND_EXACT, &m);
        if (rc == NX_OK) {
            if (m < 0) return NX_ERR(NX_ERANGE, "negative timestamp");
            *out = m;
            return NX_OK;
        }
        if (f == NX_TS_S) return NX_ERR(rc, "bad seconds timestamp '%.*s'", (int)(n > 40 ? 40 : n), s);
        return nx_time_parse(s, n, out);
    }
    if (nx__u64(s, n, &v) != 0) {
        if (f == NX_TS_AUTO) return nx_time_parse(s, n, out);
        return NX_ERR(NX_EPARSE, "timestamp '%.*s' is not an integer", (int)(n > 40 ? 40 : n), s);
    }
    int64_t unit;
    switch (f) {
    case NX_TS_MS: unit = NX_NS_PER_MS; break;
    case NX_TS_US: unit = NX_NS_PER_US; break;
    case NX_TS_NS: unit = 1; break;
    default: /* auto: by digit count, as data vendors write them */
        unit = n <= 11 ? NX_NS_PER_SEC : n <= 14 ? NX_NS_PER_MS : n <= 17 ? NX_NS_PER_US : 1;
        break;
    }
    if (nx__scale_ts(v, unit, out)) return NX_ERR(NX_ERANGE, "timestamp '%.*s' out of range",
                                                  (int)(n > 40 ? 40 : n), s);
    return NX_OK;
}

int nx_csv_map_parse(const char *spec, nx_csv_map_t *m) {
    static const struct {
        const char *name;
        size_t off;
    } cols[] = {
#define C(f) {#f, offsetof(nx_csv_map_t, f)}
        C(ts), C(price), C(qty), C(id), C(side), C(open), C(high), C(low), C(close), C(volume),
        C(bid), C(bid_qty), C(ask), C(ask_qty)
#undef C
    };
    nx_csv_map_t r;
    for (unsigned i = 0; i < NX_ARRAY_LEN(cols); i++) *(int *)(void *)((char *)&r + cols[i].off) = -1;
    r.ts_format = m->ts_format;
    r.delim = m->delim ? m->delim : ',';
    r.header = m->header;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) return NX_ERR(NX_EPARSE, "column map: '%.*s' is not name=index", (int)n, p);
        size_t kl = (size_t)(eq - p);
        uint64_t idx;
        if (nx__u64(eq + 1, n - kl - 1, &idx) || idx >= NX__MAX_FIELDS)
            return NX_ERR(NX_EPARSE, "column map: bad index in '%.*s' (0..%d)", (int)n, p,
                          NX__MAX_FIELDS - 1);
        unsigned i;
        for (i = 0; i < NX_ARRAY_LEN(cols); i++)
            if (strlen(cols[i].name) == kl && memcmp(cols[i].name, p, kl) == 0) break;
        if (i == NX_ARRAY_LEN(cols))
            return NX_ERR(NX_EPARSE,
                          "column map: unknown field '%.*s' (ts, price, qty, id, side, open, "
                          "high, low, close, volume, bid, bid_qty, ask, ask_qty)",
                          (int)kl, p);
        *(int *)(void *)((char *)&r + cols[i].off) = (int)idx;
        p += n + (end ? 1 : 0);
    }
    if (r.ts < 0) return NX_ERR(NX_EPARSE, "column map: ts is required");
    *m = r;
    return NX_OK;
}

/* ---- importer ------------------------------------------------------------ */

struct nx_importer {
    nx_import_opts_t o;
    uint16_t ev_type;
    /* per file */
    uint64_t lines;
    int64_t session_day_ns; /* Lean: midnight of the session date (local), as UTC-naive ns */
    int32_t sy, sm, sd;     /* Lean session date */
    int have_session;
    /* id-less trades: occurrence of the current timestamp (synthetic ids) */
    nx_ts_t syn_ts;
    uint32_t syn_occ;
    /* Lean quotes carry one side per row: the importer keeps the book top */
    int64_t bid, bid_qty, ask, ask_qty;
    /* JSON scanner */
    int depth, in_str, esc, seen_root, root_closed;
    size_t elen;
    uint64_t json_row;
    char elem[NX__JSON_ELEM_MAX];
};

void nx_import_opts_default(nx_import_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->lean_price_div = 10000;
    o->csv.ts = -1;
    o->csv.delim = ',';
    o->csv.header = -1;
}

static int nx__kind_fits(nx_import_format_t f, nx_data_kind_t k) {
    switch (f) {
    case NX_FMT_BINANCE_TRADES:
    case NX_FMT_KRAKEN_TRADES:
    case NX_FMT_LEAN_TRADE_TICKS: return k == NX_KIND_TRADES;
    case NX_FMT_BINANCE_AGGTRADES: return k == NX_KIND_AGGTRADES;
    case NX_FMT_FREQTRADE_TRADES: return k == NX_KIND_TRADES || k == NX_KIND_AGGTRADES;
    case NX_FMT_BINANCE_KLINES:
    case NX_FMT_FREQTRADE_CANDLES:
    case NX_FMT_LEAN_BARS: return k == NX_KIND_BARS;
    case NX_FMT_LEAN_QUOTE_TICKS: return k == NX_KIND_QUOTES;
    case NX_FMT_CSV: return k == NX_KIND_TRADES || k == NX_KIND_AGGTRADES || k == NX_KIND_BARS ||
                            k == NX_KIND_QUOTES;
    default: return 0;
    }
}

int nx_importer_new(const nx_import_opts_t *o, nx_importer_t **out) {
    if (o->format == NX_FMT_BINANCE_STREAM)
        return NX_ERR(NX_EUNSUPPORTED, "binance-stream captures are read by the stream parser");
    if (!nx__kind_fits(o->format, o->kind))
        return NX_ERR(NX_EINVAL, "format %s cannot produce kind %s",
                      nx_import_format_name(o->format) ? nx_import_format_name(o->format) : "?",
                      nx_data_kind_name(o->kind) ? nx_data_kind_name(o->kind) : "?");
    if (o->price_scale > NX_DEC_MAX_SCALE || o->qty_scale > NX_DEC_MAX_SCALE)
        return NX_ERR(NX_ERANGE, "scales must be 0..18");
    if (o->kind == NX_KIND_BARS && o->bar_ns <= 0 && o->format != NX_FMT_BINANCE_KLINES)
        return NX_ERR(NX_EINVAL, "bars need a timeframe (kind bars_<tf>, e.g. bars_1m)");
    if (o->format == NX_FMT_CSV) {
        const nx_csv_map_t *c = &o->csv;
        int ok = c->ts >= 0;
        if (o->kind == NX_KIND_TRADES || o->kind == NX_KIND_AGGTRADES)
            ok = ok && c->price >= 0 && c->qty >= 0;
        else if (o->kind == NX_KIND_BARS)
            ok = ok && c->open >= 0 && c->high >= 0 && c->low >= 0 && c->close >= 0;
        else if (o->kind == NX_KIND_QUOTES)
            ok = ok && c->bid >= 0 && c->ask >= 0;
        if (!ok)
            return NX_ERR(NX_EINVAL, "column map lacks the columns kind %s needs",
                          nx_data_kind_name(o->kind));
    }
    if ((o->format == NX_FMT_LEAN_TRADE_TICKS || o->format == NX_FMT_LEAN_QUOTE_TICKS ||
         o->format == NX_FMT_LEAN_BARS) &&
        o->lean_price_div <= 0)
        return NX_ERR(NX_EINVAL, "Lean price divisor must be positive");
    nx_importer_t *im = nx_calloc(1, sizeof *im);
    if (!im) return NX_ERR(NX_ENOMEM, "importer");
    im->o = *o;
    if (!im->o.csv.delim) im->o.csv.delim = ',';
    im->ev_type = nx_data_kind_event(o->kind);
    *out = im;
    return NX_OK;
}

void nx_importer_free(nx_importer_t *im) { nx_free(im); }

uint64_t nx_importer_json_row(const nx_importer_t *im) { return im->json_row; }

/* US Eastern offset (hours behind UTC) for a local civil time, by the US rules:
 * since 2007 DST runs from the second Sunday of March 02:00 to the first
 * Sunday of November 02:00; 1987-2006 from the first Sunday of April to the
 * last Sunday of October. Written here because the rule is tiny and the
 * system tz database would make results depend on the machine. */
static int nx__weekday(int64_t days) { return (int)(((days % 7) + 7 + 4) % 7); } /* 0 = Sunday */

static int64_t nx__nth_sunday(int32_t y, unsigned m, int nth) {
    int64_t first = nx_days_from_civil(y, m, 1);
    int w = nx__weekday(first);
    return first + (7 - w) % 7 + 7 * (nth - 1);
}

static int nx__ny_offset_hours(int32_t y, unsigned m, unsigned d, int64_t ms_of_day) {
    int64_t day = nx_days_from_civil(y, m, d);
    int64_t start, end;
    if (y >= 2007) {
        start = nx__nth_sunday(y, 3, 2);
        end = nx__nth_sunday(y, 11, 1);
    } else {
        start = nx__nth_sunday(y, 4, 1);
        int64_t oct31 = nx_days_from_civil(y, 10, 31);
        end = oct31 - nx__weekday(oct31);
    }
    int64_t two_am = 2 * 3600 * 1000;
    int dst = (day > start || (day == start && ms_of_day >= two_am)) &&
              (day < end || (day == end && ms_of_day < two_am - 3600 * 1000));
    return dst ? 4 : 5;
}

int nx_importer_begin_file(nx_importer_t *im, const char *name) {
    im->lines = 0;
    im->have_session = 0;
    im->depth = im->in_str = im->esc = im->seen_root = im->root_closed = 0;
    im->elen = 0;
    im->json_row = 0;
    im->bid = im->bid_qty = im->ask = im->ask_qty = 0;
    im->syn_ts = 0;
    im->syn_occ = 0;
    /* Lean: the session date is the first run of 8 digits in the base name. */
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (const char *p = base; *p; p++) {
        int ok = 1;
        for (int i = 0; i < 8; i++)
            if (p[i] < '0' || p[i] > '9') {
                ok = 0;
                break;
            }
        if (!ok) continue;
        int32_t y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        int32_t mo = (p[4] - '0') * 10 + (p[5] - '0'), d = (p[6] - '0') * 10 + (p[7] - '0');
        nx_civil_t c = {y, mo, d, 0, 0, 0, 0};
        nx_ts_t t;
        if (nx_time_from_civil(&c, &t) == NX_OK) {
            im->sy = y, im->sm = mo, im->sd = d;
            im->session_day_ns = t;
            im->have_session = 1;
        }
        break;
    }
    nx_err_clear();
    return NX_OK;
}

/* Split at delim; up to NX__MAX_FIELDS fields; returns the count (may exceed). */
static size_t nx__split(const char *s, size_t len, char delim, const char **f, size_t *fl) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == delim) {
            if (n < NX__MAX_FIELDS) {
                f[n] = s + start;
                fl[n] = i - start;
            }
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int nx__dec(const char *col, const char *s, size_t n, uint8_t scale, nx_round_t mode,
                   int64_t *out) {
    int rc = nx_dec_parse_scaled(s, n, scale, mode, out);
    if (rc < 0)
        return NX_ERR(rc, "column %s: '%.*s' is not a decimal at scale %u (%s)", col,
                      (int)(n > 40 ? 40 : n), s, scale, nx_strerror(rc));
    return NX_OK;
}

/*
 * Trades without a venue id get a synthetic one: the timestamp in ns plus the
 * row's occurrence among rows with that timestamp (sources here write ms or
 * s, leaving the low digits free). Two identical prints in the same
 * millisecond stay two trades, and importing the file again gives the same
 * ids, so the store's id dedup still drops the repeat. Flagged
 * NX_TRADEF_SYNTHETIC_ID; left 0 (content dedup) for ns-resolution times.
 */
static uint64_t nx__synthetic_id(nx_importer_t *im, nx_ts_t ts) {
    if (ts <= 0 || ts % NX_NS_PER_US != 0) return 0;
    if (ts == im->syn_ts) im->syn_occ++;
    else im->syn_ts = ts, im->syn_occ = 0;
    return im->syn_occ < 1000 ? (uint64_t)ts + im->syn_occ : 0;
}

/* has_id: the source gives venue ids (0 is then a real id, Binance's first trade) */
static void nx__trade(nx_importer_t *im, nx_ev_trade_t *t, nx_ts_t ts, int64_t px,
                      int64_t qty, uint64_t id, int has_id, uint8_t aggressor) {
    uint8_t flags = 0;
    if (!has_id && (id = nx__synthetic_id(im, ts)) != 0) flags = NX_TRADEF_SYNTHETIC_ID;
    memset(t, 0, sizeof *t);
    t->h.type = NX_EV_TRADE;
    t->h.size = sizeof *t;
    t->h.ts_venue = t->h.ts_recv = ts;
    t->h.topic = im->o.topic;
    t->instrument = im->o.instrument;
    t->aggressor = aggressor;
    t->price_scale = im->o.price_scale;
    t->qty_scale = im->o.qty_scale;
    t->price = px;
    t->qty = qty;
    t->trade_id = id;
    t->flags = flags;
}

static void nx__bar(const nx_importer_t *im, nx_ev_bar_t *b, nx_ts_t open_ts, int64_t span,
                    const int64_t ohlcv[5], uint64_t trades) {
    memset(b, 0, sizeof *b);
    b->h.type = NX_EV_BAR;
    b->h.size = sizeof *b;
    b->h.ts_venue = open_ts;
    b->h.ts_recv = open_ts + span; /* published when closed */
    b->h.topic = im->o.topic;
    b->instrument = im->o.instrument;
    b->price_scale = im->o.price_scale;
    b->qty_scale = im->o.qty_scale;
    b->interval_ns = span;
    b->open = ohlcv[0];
    b->high = ohlcv[1];
    b->low = ohlcv[2];
    b->close = ohlcv[3];
    b->volume = ohlcv[4];
    b->trades = trades;
}

static void nx__quote(const nx_importer_t *im, nx_ev_quote_t *q, nx_ts_t ts) {
    memset(q, 0, sizeof *q);
    q->h.type = NX_EV_QUOTE;
    q->h.size = sizeof *q;
    q->h.ts_venue = q->h.ts_recv = ts;
    q->h.topic = im->o.topic;
    q->instrument = im->o.instrument;
    q->price_scale = im->o.price_scale;
    q->qty_scale = im->o.qty_scale;
    q->bid_price = im->bid;
    q->bid_qty = im->bid_qty;
    q->ask_price = im->ask;
    q->ask_qty = im->ask_qty;
}

/* Lean prices are integers scaled by lean_price_div; convert exactly to the
 * instrument's price scale (refusing what the scale cannot hold). */
static int nx__lean_px(const nx_importer_t *im, const char *col, const char *s, size_t n,
                       int64_t *out) {
    int64_t v;
    if (nx__i64(s, n, &v))
        return NX_ERR(NX_EPARSE, "column %s: '%.*s' is not an integer", col, (int)(n > 40 ? 40 : n), s);
    nx_dec_t d = {v, 0}, div = {im->o.lean_price_div, 0}, r;
    int rc = nx_dec_div(d, div, im->o.price_scale, NX_ROUND_EXACT, &r);
    if (rc < 0)
        return NX_ERR(rc, "column %s: %lld/%d does not fit price scale %u", col, (long long)v,
                      im->o.lean_price_div, im->o.price_scale);
    *out = r.m;
    return NX_OK;
}

static int nx__lean_ts(const nx_importer_t *im, const char *s, size_t n, nx_ts_t *out) {
    uint64_t ms;
    if (!im->have_session)
        return NX_ERR(NX_EINVAL, "Lean file name carries no session date (YYYYMMDD_...)");
    if (nx__u64(s, n, &ms) || ms > 86400000ull * 2)
        return NX_ERR(NX_EPARSE, "column time: '%.*s' is not ms since midnight", (int)(n > 40 ? 40 : n), s);
    int off = im->o.lean_utc ? 0
                             : nx__ny_offset_hours(im->sy, (unsigned)im->sm, (unsigned)im->sd,
                                                   (int64_t)ms);
    *out = im->session_day_ns + (int64_t)ms * NX_NS_PER_MS + off * NX_NS_PER_HOUR;
    return NX_OK;
}

#define NX__FIELDS_AT_LEAST(k, what)                                                           \
    do {                                                                                       \
        if (nf < (k) || nf > NX__MAX_FIELDS)                                                   \
            return NX_ERR(NX_EPARSE, "expected %s, got %zu columns", what, nf);                \
    } while (0)

static int nx__csv_is_header(const nx_importer_t *im, const char *const *f, const size_t *fl) {
    /* a header has a letter where the timestamp should be */
    int c = im->o.csv.ts;
    if (fl[c] == 0) return 0;
    char ch = f[c][0];
    if (im->o.csv.ts_format == NX_TS_ISO) return !(ch >= '0' && ch <= '9');
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '"';
}

static int nx__side(const char *s, size_t n, uint8_t *out) {
    if ((n == 3 && (memcmp(s, "buy", 3) == 0 || memcmp(s, "BUY", 3) == 0)) ||
        (n == 1 && (s[0] == 'b' || s[0] == 'B'))) {
        *out = NX_SIDE_BUY;
        return 0;
    }
    if ((n == 4 && (memcmp(s, "sell", 4) == 0 || memcmp(s, "SELL", 4) == 0)) ||
        (n == 1 && (s[0] == 's' || s[0] == 'S'))) {
        *out = NX_SIDE_SELL;
        return 0;
    }
    if (n == 0) {
        *out = NX_SIDE_NONE;
        return 0;
    }
    return -1;
}

/*
 * Binance trades, the common shape in one pass: plain digits, no sign or
 * exponent, 1..19 digit integers, decimals whose digits beyond the scale
 * are zeros and whose mantissa has at most 18 digits, "true"/"false".
 * Anything else returns -1 and the line takes the general path, which
 * accepts or refuses it with its own message: both give the same event
 * for every line this one accepts (tests/test_data.c feeds both).
 */
static const uint64_t nx__p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                   100000000, 1000000000, 10000000000ull, 100000000000ull,
                                   1000000000000ull, 10000000000000ull, 100000000000000ull,
                                   1000000000000000ull, 10000000000000000ull,
                                   100000000000000000ull, 1000000000000000000ull};

/* Eight ASCII digits (first in the low byte) to their value (Lemire's SWAR). */
static inline uint64_t nx__swar8(uint64_t w) {
    w -= 0x3030303030303030ull;
    w = w * 10 + (w >> 8);
    return (((w & 0x000000FF000000FFull) * 0x000F424000000064ull) +
            (((w >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >> 32;
}

/* Bit 7 of each byte set where the byte is not an ASCII digit. A byte >= 0x80
 * may carry into the next byte, but only bytes after the first flagged one. */
static inline uint64_t nx__nondigits(uint64_t w) {
    uint64_t hi = w + 0x4646464646464646ull;                          /* > '9' */
    uint64_t lo = (w | 0x8080808080808080ull) - 0x3030303030303030ull; /* >= '0' */
    return (hi | ~lo | w) & 0x8080808080808080ull;
}

/* The run of at most max (<= 19) digits at p: its length, its value in *out. */
static inline size_t nx__digits(const char *p, const char *end, size_t max, uint64_t *out) {
    uint64_t v = 0;
    size_t n = 0;
    while (n < max && end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t nd = nx__nondigits(w);
        size_t k = nd ? (size_t)__builtin_ctzll(nd) >> 3 : 8;
        if (k > max - n) k = max - n;
        if (k < 8) { /* the k digits to the top bytes, '0' below */
            if (k == 0) break;
            w = (w << (64 - 8 * k)) | (0x3030303030303030ull >> (8 * k));
        }
        v = v * nx__p10[k] + nx__swar8(w);
        p += k;
        n += k;
        if (k < 8) {
            *out = v;
            return n;
        }
    }
    while (n < max && p < end && (unsigned)(*p - '0') < 10u) {
        v = v * 10 + (uint64_t)(*p++ - '0');
        n++;
    }
    *out = v;
    return n;
}

static inline const char *nx__fast_u64(const char *p, const char *end, uint64_t *out) {
    size_t n = nx__digits(p, end, 20, out);
    p += n;
    if (n == 0 || n > 19 || p == end || *p != ',') return NULL;
    return p + 1;
}

static inline const char *nx__fast_dec(const char *p, const char *end, unsigned scale,
                                       int64_t *out) {
    uint64_t v, f = 0;
    size_t ni = nx__digits(p, end, 19, &v), nf = 0;
    p += ni;
    if (ni + scale > 18) return NULL;
    if (p < end && *p == '.') {
        const char *fb = ++p;
        nf = nx__digits(p, end, scale, &f);
        p += nf;
        while (end - p >= 8) { /* digits past the scale: zeros only */
            uint64_t w;
            memcpy(&w, p, 8);
            w ^= 0x3030303030303030ull;
            if (w) {
                p += __builtin_ctzll(w) >> 3;
                break;
            }
            p += 8;
        }
        while (p < end && *p == '0') p++;
        if (ni == 0 && p == fb) return NULL;
    } else if (ni == 0) {
        return NULL;
    }
    if (p == end || *p != ',') return NULL;
    *out = (int64_t)((v * nx__p10[nf] + f) * nx__p10[scale - nf]);
    return p + 1;
}

static int nx__importer_line_general(nx_importer_t *im, const char *line, size_t len,
                                     nx_emit_fn emit, void *ctx);

static int nx__binance_trade_fast(nx_importer_t *im, const char *p, size_t len,
                                  nx_ev_trade_t *t) {
    const char *end = p + len;
    uint64_t id, tv;
    int64_t px, q;
    if (!(p = nx__fast_u64(p, end, &id))) return -1;
    if (!(p = nx__fast_dec(p, end, im->o.price_scale, &px))) return -1;
    if (!(p = nx__fast_dec(p, end, im->o.qty_scale, &q))) return -1;
    if (!(p = memchr(p, ',', (size_t)(end - p)))) return -1; /* quote_qty: not read */
    const char *tb = ++p;
    if (!(p = nx__fast_u64(p, end, &tv))) return -1;
    int64_t unit = p - 1 - tb <= 13 ? NX_NS_PER_MS : NX_NS_PER_US;
    if (tv > (uint64_t)(INT64_MAX / unit)) return -1;
    uint8_t bm;
    size_t rest = (size_t)(end - p);
    if (rest >= 4 && memcmp(p, "true", 4) == 0) bm = 1, p += 4;
    else if (rest >= 5 && memcmp(p, "false", 5) == 0) bm = 0, p += 5;
    else return -1;
    if (p < end) { /* is_best_match: one more column, not read */
        if (*p != ',' || memchr(p + 1, ',', (size_t)(end - p - 1))) return -1;
    }
    nx__trade(im, t, (int64_t)tv * unit, px, q, id, 1, bm ? NX_SIDE_SELL : NX_SIDE_BUY);
    return 0;
}

int nx_importer_line(nx_importer_t *im, const char *line, size_t len, nx_emit_fn emit,
                     void *ctx) {
    if (im->o.format == NX_FMT_BINANCE_TRADES && im->lines > 0) {
        size_t n = len && line[len - 1] == '\r' ? len - 1 : len;
        nx_ev_trade_t t;
        if (n && nx__binance_trade_fast(im, line, n, &t) == 0) {
            im->lines++;
            return emit(ctx, &t.h);
        }
    }
    return nx__importer_line_general(im, line, len, emit, ctx);
}

static int nx__importer_line_general(nx_importer_t *im, const char *line, size_t len,
                                     nx_emit_fn emit, void *ctx) {
    const char *f[NX__MAX_FIELDS];
    size_t fl[NX__MAX_FIELDS];
    nx_event_t ev;
    int rc;
    if (len && line[len - 1] == '\r') len--;
    im->lines++;
    if (len == 0) return NX_ENOTFOUND;
    char delim = im->o.format == NX_FMT_CSV ? im->o.csv.delim : ',';
    size_t nf = nx__split(line, len, delim, f, fl);
    const uint8_t ps = im->o.price_scale, qs = im->o.qty_scale;

    switch (im->o.format) {
    case NX_FMT_BINANCE_TRADES: {
        if (im->lines == 1 && len >= 3 && memcmp(line, "id,", 3) == 0) return NX_ENOTFOUND;
        if (nf != 6 && nf != 7) return NX_ERR(NX_EPARSE, "expected 6 or 7 columns (id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]), got %zu", nf);
        uint64_t id;
        int64_t px, q;
        nx_ts_t ts;
        uint8_t bm;
        if (nx__u64(f[0], fl[0], &id)) return NX_ERR(NX_EPARSE, "column id: not an integer");
        if ((rc = nx__dec("price", f[1], fl[1], ps, NX_ROUND_EXACT, &px)) < 0) return rc;
        if ((rc = nx__dec("qty", f[2], fl[2], qs, NX_ROUND_EXACT, &q)) < 0) return rc;
        if ((rc = nx_ts_field_parse(f[4], fl[4], fl[4] <= 13 ? NX_TS_MS : NX_TS_US, &ts)) < 0)
            return NX_ERR_APPEND(rc, "column time");
        if (nx__bool(f[5], fl[5], &bm)) return NX_ERR(NX_EPARSE, "column is_buyer_maker: want true or false");
        nx__trade(im, &ev.trade, ts, px, q, id, 1, bm ? NX_SIDE_SELL : NX_SIDE_BUY);
        break;
    }
    case NX_FMT_BINANCE_AGGTRADES: {
        if (im->lines == 1 && len >= 3 && (line[0] < '0' || line[0] > '9')) return NX_ENOTFOUND;
        if (nf != 7 && nf != 8) return NX_ERR(NX_EPARSE, "expected 7 or 8 columns (agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]), got %zu", nf);
        uint64_t id, fid, lid;
        int64_t px, q;
        nx_ts_t ts;
        uint8_t bm;
        if (nx__u64(f[0], fl[0], &id)) return NX_ERR(NX_EPARSE, "column agg_trade_id: not an integer");
        if ((rc = nx__dec("price", f[1], fl[1], ps, NX_ROUND_EXACT, &px)) < 0) return rc;
        if ((rc = nx__dec("quantity", f[2], fl[2], qs, NX_ROUND_EXACT, &q)) < 0) return rc;
        if (nx__u64(f[3], fl[3], &fid)) return NX_ERR(NX_EPARSE, "column first_trade_id: not an integer");
        if (nx__u64(f[4], fl[4], &lid) || lid < fid) return NX_ERR(NX_EPARSE, "column last_trade_id: not an integer >= first_trade_id");
        if ((rc = nx_ts_field_parse(f[5], fl[5], fl[5] <= 13 ? NX_TS_MS : NX_TS_US, &ts)) < 0)
            return NX_ERR_APPEND(rc, "column transact_time");
        if (nx__bool(f[6], fl[6], &bm)) return NX_ERR(NX_EPARSE, "column is_buyer_maker: want true or false");
        nx__trade(im, &ev.trade, ts, px, q, id, 1, bm ? NX_SIDE_SELL : NX_SIDE_BUY);
        break;
    }
    case NX_FMT_BINANCE_KLINES: {
        if (im->lines == 1 && len && (line[0] < '0' || line[0] > '9')) return NX_ENOTFOUND;
        if (nf != 12) return NX_ERR(NX_EPARSE, "expected 12 kline columns (open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore), got %zu", nf);
        nx_ts_t ot, ct;
        int64_t v[5];
        uint64_t cnt;
        static const char *const names[] = {"open", "high", "low", "close", "volume"};
        nx_ts_format_t tf = fl[0] <= 13 ? NX_TS_MS : NX_TS_US;
        if ((rc = nx_ts_field_parse(f[0], fl[0], tf, &ot)) < 0) return NX_ERR_APPEND(rc, "column open_time");
        if ((rc = nx_ts_field_parse(f[6], fl[6], tf, &ct)) < 0) return NX_ERR_APPEND(rc, "column close_time");
        for (int i = 0; i < 5; i++)
            if ((rc = nx__dec(names[i], f[1 + i], fl[1 + i], i < 4 ? ps : qs, NX_ROUND_EXACT, &v[i])) < 0) return rc;
        if (nx__u64(f[8], fl[8], &cnt)) return NX_ERR(NX_EPARSE, "column count: not an integer");
        int64_t unit = tf == NX_TS_MS ? NX_NS_PER_MS : NX_NS_PER_US;
        int64_t span = ct + unit - ot;
        if (span <= 0) return NX_ERR(NX_EPARSE, "column close_time: not after open_time");
        if (im->o.bar_ns > 0 && span != im->o.bar_ns)
            return NX_ERR(NX_EPARSE, "row spans %lld ms, not the %lld ms of the kind's timeframe",
                          (long long)(span / NX_NS_PER_MS), (long long)(im->o.bar_ns / NX_NS_PER_MS));
        nx__bar(im, &ev.bar, ot, span, v, cnt);
        break;
    }
    case NX_FMT_KRAKEN_TRADES: {
        NX__FIELDS_AT_LEAST(3, "3 columns (unix_s,price,volume)");
        nx_ts_t ts;
        int64_t px, q;
        if ((rc = nx_ts_field_parse(f[0], fl[0], NX_TS_S, &ts)) < 0) return NX_ERR_APPEND(rc, "column time");
        if ((rc = nx__dec("price", f[1], fl[1], ps, NX_ROUND_EXACT, &px)) < 0) return rc;
        if ((rc = nx__dec("volume", f[2], fl[2], qs, NX_ROUND_EXACT, &q)) < 0) return rc;
        nx__trade(im, &ev.trade, ts, px, q, 0, 0, NX_SIDE_NONE);
        break;
    }
    case NX_FMT_LEAN_TRADE_TICKS: {
        NX__FIELDS_AT_LEAST(3, "at least 3 columns (ms,price,size,...)");
        nx_ts_t ts;
        int64_t px, q;
        if ((rc = nx__lean_ts(im, f[0], fl[0], &ts)) < 0) return rc;
        if ((rc = nx__lean_px(im, "price", f[1], fl[1], &px)) < 0) return rc;
        if ((rc = nx__dec("size", f[2], fl[2], qs, NX_ROUND_EXACT, &q)) < 0) return rc;
        nx__trade(im, &ev.trade, ts, px, q, 0, 0, NX_SIDE_NONE);
        uint8_t susp = 0;
        if (nf >= 6 && fl[5] == 1 && f[5][0] == '1') susp = 1;
        if (susp) ev.trade.flags |= NX_TRADEF_SUSPICIOUS; /* the vendor marked the print */
        break;
    }
    case NX_FMT_LEAN_QUOTE_TICKS: {
        NX__FIELDS_AT_LEAST(5, "at least 5 columns (ms,bid,bid_size,ask,ask_size,...)");
        nx_ts_t ts;
        int64_t b, bq, a, aq;
        if ((rc = nx__lean_ts(im, f[0], fl[0], &ts)) < 0) return rc;
        if ((rc = nx__lean_px(im, "bid", f[1], fl[1], &b)) < 0) return rc;
        if ((rc = nx__dec("bid_size", f[2], fl[2], qs, NX_ROUND_EXACT, &bq)) < 0) return rc;
        if ((rc = nx__lean_px(im, "ask", f[3], fl[3], &a)) < 0) return rc;
        if ((rc = nx__dec("ask_size", f[4], fl[4], qs, NX_ROUND_EXACT, &aq)) < 0) return rc;
        /* Each row updates one side; a zero side means "unchanged". */
        if (b > 0) im->bid = b, im->bid_qty = bq;
        if (a > 0) im->ask = a, im->ask_qty = aq;
        nx__quote(im, &ev.quote, ts);
        break;
    }
    case NX_FMT_LEAN_BARS: {
        NX__FIELDS_AT_LEAST(6, "6 columns (ms,open,high,low,close,volume)");
        nx_ts_t ts;
        int64_t v[5];
        static const char *const names[] = {"open", "high", "low", "close"};
        if ((rc = nx__lean_ts(im, f[0], fl[0], &ts)) < 0) return rc;
        for (int i = 0; i < 4; i++)
            if ((rc = nx__lean_px(im, names[i], f[1 + i], fl[1 + i], &v[i])) < 0) return rc;
        if ((rc = nx__dec("volume", f[5], fl[5], qs, NX_ROUND_EXACT, &v[4])) < 0) return rc;
        nx__bar(im, &ev.bar, ts, im->o.bar_ns, v, 0);
        break;
    }
    case NX_FMT_CSV: {
        const nx_csv_map_t *m = &im->o.csv;
        if (nf > NX__MAX_FIELDS) return NX_ERR(NX_EPARSE, "more than %d columns", NX__MAX_FIELDS);
        const int cols[] = {m->ts,   m->price, m->qty,  m->id,     m->side,
                            m->open, m->high,  m->low,  m->close,  m->volume,
                            m->bid,  m->bid_qty, m->ask, m->ask_qty};
        int need = m->ts;
        for (size_t i = 0; i < NX_ARRAY_LEN(cols); i++)
            if (cols[i] > need) need = cols[i];
        if ((int)nf <= need) {
            if (im->lines == 1 && m->header != 0) return NX_ENOTFOUND;
            return NX_ERR(NX_EPARSE, "expected at least %d columns, got %zu", need + 1, nf);
        }
        if (im->lines == 1 && (m->header == 1 || (m->header < 0 && nx__csv_is_header(im, f, fl))))
            return NX_ENOTFOUND;
        nx_ts_t ts;
        if ((rc = nx_ts_field_parse(f[m->ts], fl[m->ts], m->ts_format, &ts)) < 0)
            return NX_ERR_APPEND(rc, "column %d (ts)", m->ts);
        if (im->o.kind == NX_KIND_BARS) {
            int64_t v[5] = {0, 0, 0, 0, 0};
            const int c[5] = {m->open, m->high, m->low, m->close, m->volume};
            static const char *const names[] = {"open", "high", "low", "close", "volume"};
            for (int i = 0; i < 5; i++)
                if (c[i] >= 0 && (rc = nx__dec(names[i], f[c[i]], fl[c[i]], i < 4 ? ps : qs,
                                               NX_ROUND_EXACT, &v[i])) < 0)
                    return rc;
            nx__bar(im, &ev.bar, ts, im->o.bar_ns, v, 0);
        } else if (im->o.kind == NX_KIND_QUOTES) {
            int64_t b, a, bq = 0, aq = 0;
            if ((rc = nx__dec("bid", f[m->bid], fl[m->bid], ps, NX_ROUND_EXACT, &b)) < 0) return rc;
            if ((rc = nx__dec("ask", f[m->ask], fl[m->ask], ps, NX_ROUND_EXACT, &a)) < 0) return rc;
            if (m->bid_qty >= 0 && (rc = nx__dec("bid_qty", f[m->bid_qty], fl[m->bid_qty], qs, NX_ROUND_EXACT, &bq)) < 0) return rc;
            if (m->ask_qty >= 0 && (rc = nx__dec("ask_qty", f[m->ask_qty], fl[m->ask_qty], qs, NX_ROUND_EXACT, &aq)) < 0) return rc;
            im->bid = b, im->bid_qty = bq, im->ask = a, im->ask_qty = aq;
            nx__quote(im, &ev.quote, ts);
        } else {
            int64_t px, q;
            uint64_t id = 0;
            uint8_t side = NX_SIDE_NONE;
            if ((rc = nx__dec("price", f[m->price], fl[m->price], ps, NX_ROUND_EXACT, &px)) < 0) return rc;
            if ((rc = nx__dec("qty", f[m->qty], fl[m->qty], qs, NX_ROUND_EXACT, &q)) < 0) return rc;
            if (m->id >= 0 && nx__u64(f[m->id], fl[m->id], &id))
                return NX_ERR(NX_EPARSE, "column %d (id): not an integer", m->id);
            if (m->side >= 0 && nx__side(f[m->side], fl[m->side], &side))
                return NX_ERR(NX_EPARSE, "column %d (side): want buy or sell", m->side);
            nx__trade(im, &ev.trade, ts, px, q, id, m->id >= 0, side);
        }
        break;
    }
    default: return NX_ERR(NX_EINVAL, "format %s is not line-based", nx_import_format_name(im->o.format));
    }
    return emit(ctx, &ev.h);
}

/* ---- freqtrade JSON: a streaming scan of [[...],[...],...] -------------- */

/* Fields of one inner array (strings unquoted; escapes are not expected in
 * freqtrade rows and are refused). */
static int nx__json_elem_fields(const char *s, size_t n, const char **f, size_t *fl, int *is_str,
                                size_t *nf) {
    size_t k = 0, i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        if (i >= n) break;
        if (k >= NX__MAX_FIELDS) return NX_ERR(NX_EPARSE, "too many values in a row");
        if (s[i] == '"') {
            size_t st = ++i;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\') return NX_ERR(NX_EPARSE, "escaped strings are not supported");
                i++;
            }
            if (i >= n) return NX_ERR(NX_EPARSE, "unterminated string");
            f[k] = s + st, fl[k] = i - st, is_str[k] = 1;
            i++;
        } else {
            size_t st = i;
            while (i < n && s[i] != ',' && s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') i++;
            f[k] = s + st, fl[k] = i - st, is_str[k] = 0;
        }
        k++;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        if (i < n) {
            if (s[i] != ',') return NX_ERR(NX_EPARSE, "expected ',' between values");
            i++;
        }
    }
    *nf = k;
    return NX_OK;
}

static int nx__json_row(nx_importer_t *im, nx_emit_fn emit, void *ctx) {
    const char *f[NX__MAX_FIELDS];
    size_t fl[NX__MAX_FIELDS], nf = 0;
    int is_str[NX__MAX_FIELDS];
    nx_event_t ev;
    int rc;
    im->json_row++;
    if ((rc = nx__json_elem_fields(im->elem, im->elen, f, fl, is_str, &nf)) < 0) return rc;
    const uint8_t ps = im->o.price_scale, qs = im->o.qty_scale;
    nx_ts_t ts;
    if (nf < 1 || (rc = nx_ts_field_parse(f[0], fl[0], NX_TS_MS, &ts)) < 0)
        return NX_ERR(NX_EPARSE, "value 1 (timestamp, ms): not an integer");
    if (im->o.format == NX_FMT_FREQTRADE_CANDLES) {
        if (nf != 6) return NX_ERR(NX_EPARSE, "expected 6 values [ts,open,high,low,close,volume], got %zu", nf);
        int64_t v[5];
        static const char *const names[] = {"open", "high", "low", "close", "volume"};
        for (int i = 0; i < 5; i++)
            if ((rc = nx__dec(names[i], f[1 + i], fl[1 + i], i < 4 ? ps : qs, NX_ROUND_HALF_EVEN, &v[i])) < 0) return rc;
        nx__bar(im, &ev.bar, ts, im->o.bar_ns, v, 0);
    } else {
        if (nf != 7) return NX_ERR(NX_EPARSE, "expected 7 values [ts,id,order,side,price,amount,cost], got %zu", nf);
        uint64_t id = 0;
        uint8_t side;
        int64_t px, q;
        int has_id = fl[1] && !(fl[1] == 4 && !is_str[1] && memcmp(f[1], "null", 4) == 0);
        if (has_id && nx__u64(f[1], fl[1], &id))
            return NX_ERR(NX_EPARSE, "value 2 (id): not an integer");
        if (nx__side(f[3], fl[3], &side)) return NX_ERR(NX_EPARSE, "value 4 (side): want buy or sell");
        if ((rc = nx__dec("price", f[4], fl[4], ps, NX_ROUND_HALF_EVEN, &px)) < 0) return rc;
        if ((rc = nx__dec("amount", f[5], fl[5], qs, NX_ROUND_HALF_EVEN, &q)) < 0) return rc;
        nx__trade(im, &ev.trade, ts, px, q, id, has_id, side);
    }
    return emit(ctx, &ev.h);
}

int nx_importer_bytes(nx_importer_t *im, const char *data, size_t len, nx_emit_fn emit,
                      void *ctx) {
    if (!nx_import_format_is_json(im->o.format))
        return NX_ERR(NX_EINVAL, "format %s is line-based", nx_import_format_name(im->o.format));
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (im->depth >= 2) {
            if (im->elen >= NX__JSON_ELEM_MAX)
                return NX_ERR(NX_ELIMIT, "row %llu longer than %d bytes", (unsigned long long)im->json_row + 1, NX__JSON_ELEM_MAX);
            if (im->in_str) {
                if (im->esc) im->esc = 0;
                else if (c == '\\') im->esc = 1;
                else if (c == '"') im->in_str = 0;
                im->elem[im->elen++] = c;
                continue;
            }
            if (c == '"') {
                im->in_str = 1;
                im->elem[im->elen++] = c;
                continue;
            }
            if (c == '[' || c == '{') return NX_ERR(NX_EPARSE, "row %llu: nested values are not expected", (unsigned long long)im->json_row + 1);
            if (c == ']') {
                im->depth = 1;
                int rc = nx__json_row(im, emit, ctx);
                if (rc < 0) return rc;
                continue;
            }
            im->elem[im->elen++] = c;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (im->root_closed) return NX_ERR(NX_EPARSE, "text after the closing ']'");
        if (im->depth == 0) {
            if (c != '[') return NX_ERR(NX_EPARSE, "a JSON array ('[') was expected");
            im->depth = 1;
            im->seen_root = 1;
        } else if (c == '[') {
            im->depth = 2;
            im->elen = 0;
        } else if (c == ']') {
            im->depth = 0;
            im->root_closed = 1;
        } else if (c != ',') {
            return NX_ERR(NX_EPARSE, "after row %llu: unexpected '%c'", (unsigned long long)im->json_row, c);
        }
    }
    return NX_OK;
}

int nx_importer_end(nx_importer_t *im) {
    if (!nx_import_format_is_json(im->o.format)) return NX_OK;
    if (!im->seen_root) return NX_ERR(NX_EPARSE, "empty input: a JSON array was expected");
    if (!im->root_closed)
        return NX_ERR(NX_EPARSE, "truncated JSON after row %llu", (unsigned long long)im->json_row);
    return NX_OK;
}
