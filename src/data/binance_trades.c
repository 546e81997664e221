/* Binance public-data trade rows (nexus/data.h). */
#include <string.h>

#include "nexus/data.h"
#include "nexus/decimal.h"
#include "nexus/time.h"

static const char *const nx__cols[] = {"id", "price", "qty", "quote_qty", "time",
                                       "is_buyer_maker", "is_best_match"};

/* Split at commas: fills up to max fields, returns how many were found. */
static size_t nx__split(const char *s, size_t len, const char **f, size_t *fl, size_t max) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ',') {
            if (n < max) {
                f[n] = s + start;
                fl[n] = i - start;
            }
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int nx__u64(const char *s, size_t n, uint64_t *out) {
    uint64_t v = 0;
    if (n == 0 || n > 20) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int nx__bool(const char *s, size_t n, uint8_t *out) {
    if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 4 && memcmp(s, "True", 4) == 0) ||
        (n == 1 && s[0] == '1')) {
        *out = 1;
        return 0;
    }
    if ((n == 5 && memcmp(s, "false", 5) == 0) || (n == 5 && memcmp(s, "False", 5) == 0) ||
        (n == 1 && s[0] == '0')) {
        *out = 0;
        return 0;
    }
    return -1;
}

int nx_data_parse_binance_trade(const char *line, size_t len, uint8_t price_scale,
                                uint8_t qty_scale, nx_trade_row_t *out) {
    const char *f[8];
    size_t fl[8];
    if (len && line[len - 1] == '\r') len--;
    if (len >= 3 && memcmp(line, "id,", 3) == 0) return NX_ENOTFOUND;
    size_t n = nx__split(line, len, f, fl, 8);
    if (n != 6 && n != 7)
        return NX_ERR(NX_EPARSE, "expected 6 or 7 columns (%s,...), got %zu", nx__cols[0], n);
    nx_trade_row_t r;
    uint64_t t;
    int rc;
    if (nx__u64(f[0], fl[0], &r.id)) return NX_ERR(NX_EPARSE, "column id: not an integer");
    if ((rc = nx_dec_parse_scaled(f[1], fl[1], price_scale, NX_ROUND_EXACT, &r.price)) < 0)
        return NX_ERR(rc, "column price: '%.*s' is not a decimal at scale %u",
                      (int)(fl[1] > 40 ? 40 : fl[1]), f[1], price_scale);
    if ((rc = nx_dec_parse_scaled(f[2], fl[2], qty_scale, NX_ROUND_EXACT, &r.qty)) < 0)
        return NX_ERR(rc, "column qty: '%.*s' is not a decimal at scale %u",
                      (int)(fl[2] > 40 ? 40 : fl[2]), f[2], qty_scale);
    if (r.price <= 0) return NX_ERR(NX_ERANGE, "column price: must be positive");
    if (r.qty <= 0) return NX_ERR(NX_ERANGE, "column qty: must be positive");
    if (nx__u64(f[4], fl[4], &t)) return NX_ERR(NX_EPARSE, "column time: not an integer");
    if (fl[4] <= 13) { /* milliseconds */
        if (t > (uint64_t)INT64_MAX / (uint64_t)NX_NS_PER_MS)
            return NX_ERR(NX_ERANGE, "column time: out of range");
        r.ts = (int64_t)t * NX_NS_PER_MS;
    } else if (fl[4] <= 16) { /* microseconds */
        if (t > (uint64_t)INT64_MAX / (uint64_t)NX_NS_PER_US)
            return NX_ERR(NX_ERANGE, "column time: out of range");
        r.ts = (int64_t)t * NX_NS_PER_US;
    } else {
        return NX_ERR(NX_ERANGE, "column time: %zu digits (want ms or us)", fl[4]);
    }
    if (nx__bool(f[5], fl[5], &r.buyer_maker))
        return NX_ERR(NX_EPARSE, "column is_buyer_maker: want true or false");
    *out = r;
    return NX_OK;
}

void nx_data_trade_event(const nx_trade_row_t *row, uint32_t instrument, uint32_t topic,
                         uint8_t price_scale, uint8_t qty_scale, nx_ev_trade_t *out) {
    memset(out, 0, sizeof *out);
    out->h.type = NX_EV_TRADE;
    out->h.size = sizeof *out;
    out->h.ts_venue = row->ts;
    out->h.ts_recv = row->ts;
    out->h.topic = topic;
    out->instrument = instrument;
    out->aggressor = row->buyer_maker ? NX_SIDE_SELL : NX_SIDE_BUY;
    out->price_scale = price_scale;
    out->qty_scale = qty_scale;
    out->price = row->price;
    out->qty = row->qty;
    out->trade_id = row->id;
}

/* ---- kinds (nexus/data.h) ---------------------------------------------- */

static const char *const nx__kind_names[] = {NULL,      "trades", "aggtrades", "quotes",
                                             "depth",   "bars",   "funding"};

uint16_t nx_data_kind_event(nx_data_kind_t kind) {
    switch (kind) {
    case NX_KIND_TRADES:
    case NX_KIND_AGGTRADES: return NX_EV_TRADE;
    case NX_KIND_QUOTES: return NX_EV_QUOTE;
    case NX_KIND_DEPTH: return NX_EV_BOOK_DELTA;
    case NX_KIND_BARS: return NX_EV_BAR;
    case NX_KIND_FUNDING: return NX_EV_FUNDING;
    default: return NX_EV_NONE;
    }
}

const char *nx_data_kind_name(nx_data_kind_t kind) {
    return (unsigned)kind < NX_ARRAY_LEN(nx__kind_names) ? nx__kind_names[kind] : NULL;
}

int nx_data_kind_parse(const char *name, nx_data_kind_t *out, int64_t *tf_ns) {
    size_t n = strlen(name);
    if (n > 5 && memcmp(name, "bars_", 5) == 0) {
        int64_t tf;
        if (nx_duration_parse(name + 5, n - 5, &tf) < 0 || tf <= 0)
            return NX_ERR(NX_EPARSE, "kind '%s': bad bar timeframe (e.g. bars_1m, bars_1h)", name);
        *out = NX_KIND_BARS;
        if (tf_ns) *tf_ns = tf;
        return NX_OK;
    }
    for (unsigned k = 1; k < NX_ARRAY_LEN(nx__kind_names); k++) {
        if (k != NX_KIND_BARS && strcmp(name, nx__kind_names[k]) == 0) {
            *out = (nx_data_kind_t)k;
            if (tf_ns) *tf_ns = 0;
            return NX_OK;
        }
    }
    return NX_ERR(NX_EPARSE,
                  "unknown kind '%s' (trades|aggtrades|quotes|depth|funding|bars_<tf>)", name);
}
