/*
 * Kraken WS book messages into BOOK_DELTA events (nexus/data.h).
 *
 *   v1  [chanId, {"as":[[p,q,ts],...],"bs":[...]}, "book-10", "XBT/USD"]       snapshot
 *       [chanId, {"a":[[p,q,ts(,"r")],...]}, {"b":[...],"c":"123"}, "book-10", "XBT/USD"]
 *       (one or two objects; "c" is the checksum of the book after the update)
 *   v2  {"channel":"book","type":"snapshot"|"update","data":[{"symbol":"BTC/USD",
 *        "bids":[{"price":29430.2,"qty":0.18967538},...],"asks":[...],
 *        "checksum":2785033588,"timestamp":"2023-07-30T15:29:58.343415Z"}]}
 */
#include <string.h>

#include "msg_int.h"
#include "nexus/book.h"
#include "nexus/time.h"

typedef struct nx__kr_ctx {
    const nx_data_msg_parser_t *p;
    const nx_data_stream_spec_t *spec;
    nx_event_t *out;
    size_t cap, k;
    nx_ev_book_delta_t proto;
    int64_t ts_max; /* v1: latest level time */
} nx__kr_ctx_t;

/* "1693415330.621700" seconds -> ns, exactly. */
static int nx__kr_secs(const nx_data_msg_parser_t *p, const jsmntok_t *t, int64_t *out) {
    if (t->type != JSMN_STRING) return NX_EPARSE;
    return nx_dec_parse_scaled(p->js + t->start, nx__tok_len(t), 9, NX_ROUND_EXACT, out);
}

static int nx__kr_emit(nx__kr_ctx_t *c, uint8_t side, const jsmntok_t *pt, const jsmntok_t *qt,
                       const char *name, int l) {
    const nx_data_msg_parser_t *p = c->p;
    if (c->k >= c->cap)
        return NX_ERR(NX_ELIMIT, "kraken book: more than %zu event slots needed", c->cap);
    nx_ev_book_delta_t *d = &c->out[c->k].book_delta;
    *d = c->proto;
    d->side = side;
    int rc;
    if ((rc = nx__tok_dec(p, pt, c->spec->price_scale, &d->price)) < 0)
        return NX_ERR(rc, "kraken book '%s' level %d price: '%.*s' is not a decimal at scale %u",
                      name, l, NX__TOKFMT(p, pt), c->spec->price_scale);
    if ((rc = nx__tok_dec(p, qt, c->spec->qty_scale, &d->qty)) < 0)
        return NX_ERR(rc, "kraken book '%s' level %d qty: '%.*s' is not a decimal at scale %u",
                      name, l, NX__TOKFMT(p, qt), c->spec->qty_scale);
    if (d->price <= 0)
        return NX_ERR(NX_ERANGE, "kraken book '%s' level %d: price must be positive", name, l);
    if (d->qty < 0)
        return NX_ERR(NX_ERANGE, "kraken book '%s' level %d: negative quantity", name, l);
    c->k++;
    return NX_OK;
}

/* v1 levels: [[price, qty, ts(, "r")], ...] */
static int nx__kr_v1_levels(nx__kr_ctx_t *c, int arr, uint8_t side, const char *name) {
    const nx_data_msg_parser_t *p = c->p;
    const jsmntok_t *tk = p->tok;
    if (tk[arr].type != JSMN_ARRAY)
        return NX_ERR(NX_EPARSE, "kraken book '%s': not an array", name);
    int n = tk[arr].size, i = arr + 1;
    for (int l = 1; l <= n; l++) {
        if (i + 3 >= p->ntok || tk[i].type != JSMN_ARRAY || tk[i].size < 3 ||
            tk[i + 1].type != JSMN_STRING || tk[i + 2].type != JSMN_STRING ||
            tk[i + 3].type != JSMN_STRING)
            return NX_ERR(NX_EPARSE, "kraken book '%s' level %d: want [\"price\",\"qty\",\"time\"]",
                          name, l);
        int64_t ts;
        if (nx__kr_secs(p, &tk[i + 3], &ts) < 0)
            return NX_ERR(NX_EPARSE, "kraken book '%s' level %d: bad time '%.*s'", name, l,
                          NX__TOKFMT(p, &tk[i + 3]));
        if (ts > c->ts_max) c->ts_max = ts;
        int rc = nx__kr_emit(c, side, &tk[i + 1], &tk[i + 2], name, l);
        if (rc < 0) return rc;
        i = nx__tok_skip(p, i);
    }
    return NX_OK;
}

/* v2 levels: [{"price": n, "qty": n}, ...] */
static int nx__kr_v2_levels(nx__kr_ctx_t *c, int arr, uint8_t side, const char *name) {
    const nx_data_msg_parser_t *p = c->p;
    const jsmntok_t *tk = p->tok;
    if (tk[arr].type != JSMN_ARRAY)
        return NX_ERR(NX_EPARSE, "kraken book '%s': not an array", name);
    int n = tk[arr].size, i = arr + 1;
    for (int l = 1; l <= n; l++) {
        if (i >= p->ntok || tk[i].type != JSMN_OBJECT)
            return NX_ERR(NX_EPARSE, "kraken book '%s' level %d: want {price, qty}", name, l);
        int end = nx__tok_skip(p, i), pt = -1, qt = -1;
        for (int j = i + 1; j + 1 < end;) {
            if (nx__tok_eq(p, &tk[j], "price", 5)) pt = j + 1;
            else if (nx__tok_eq(p, &tk[j], "qty", 3)) qt = j + 1;
            j = nx__tok_skip(p, j + 1);
        }
        if (pt < 0 || qt < 0)
            return NX_ERR(NX_EPARSE, "kraken book '%s' level %d: want {price, qty}", name, l);
        int rc = nx__kr_emit(c, side, &tk[pt], &tk[qt], name, l);
        if (rc < 0) return rc;
        i = end;
    }
    return NX_OK;
}

static int nx__kr_checksum(const nx_data_msg_parser_t *p, int t, nx_data_msg_t *m) {
    uint64_t v;
    if (nx__tok_u64(p, &p->tok[t], &v) < 0 || v > UINT32_MAX)
        return NX_ERR(NX_EPARSE, "kraken book checksum '%.*s' is not a CRC32",
                      NX__TOKFMT(p, &p->tok[t]));
    m->checksum = (uint32_t)v;
    m->has_checksum = 1;
    return NX_OK;
}

static int nx__kr_finish(nx__kr_ctx_t *c, int snapshot, nx_data_msg_t *m) {
    if (c->k == 0) { /* an update without levels: keep its checksum with a no-op marker */
        if (c->cap < 1) return NX_ERR(NX_ELIMIT, "kraken book: no event slot");
        c->out[0].book_delta = c->proto;
        c->out[0].book_delta.side = NX_SIDE_NONE;
        c->k = 1;
    }
    nx_ev_book_delta_t *last = &c->out[c->k - 1].book_delta;
    last->flags |= NX_BOOKF_LAST;
    if (m->has_checksum) {
        last->flags |= NX_BOOKF_CHECKSUM;
        last->aux = m->checksum;
    }
    for (size_t i = 0; i < c->k; i++) c->out[i].book_delta.h.ts_venue = m->ts_venue;
    m->kind = snapshot ? NX_MSG_DEPTH_SNAPSHOT : NX_MSG_DEPTH_DIFF;
    m->n_events = c->k;
    return NX_OK;
}

static int nx__kr_start(nx__kr_ctx_t *c, int snapshot) {
    if (!snapshot) return NX_OK;
    if (c->cap < 1) return NX_ERR(NX_ELIMIT, "kraken book: no event slot");
    c->proto.flags |= NX_BOOKF_SNAPSHOT;
    c->out[0].book_delta = c->proto;
    c->out[0].book_delta.action = NX_BOOK_CLEAR;
    c->k = 1;
    return NX_OK;
}

static int nx__kr_v1(nx__kr_ctx_t *c, nx_data_msg_t *m) {
    const nx_data_msg_parser_t *p = c->p;
    const jsmntok_t *tk = p->tok;
    int n = tk[0].size;
    if (n < 4) return NX_ENOTFOUND;
    /* element indexes */
    int el[8], ne = 0;
    for (int i = 1; i < p->ntok && ne < 8; i = nx__tok_skip(p, i)) el[ne++] = i;
    if (ne != n || tk[el[0]].type != JSMN_PRIMITIVE) return NX_ENOTFOUND;
    const jsmntok_t *chan = &tk[el[n - 2]], *pair = &tk[el[n - 1]];
    if (chan->type != JSMN_STRING || nx__tok_len(chan) < 4 ||
        memcmp(p->js + chan->start, "book", 4) != 0 || pair->type != JSMN_STRING)
        return NX_ENOTFOUND; /* trade, ticker, spread, ... */
    m->symbol = p->js + pair->start;
    m->symbol_len = nx__tok_len(pair);
    int snapshot = -1;
    for (int o = 1; o < n - 2; o++) {
        int obj = el[o];
        if (tk[obj].type != JSMN_OBJECT)
            return NX_ERR(NX_EPARSE, "kraken v1 book: element %d is not an object", o + 1);
        int end = nx__tok_skip(p, obj);
        for (int j = obj + 1; j + 1 < end; j = nx__tok_skip(p, j + 1)) {
            const jsmntok_t *key = &tk[j];
            int is_snap_key = nx__tok_eq(p, key, "as", 2) || nx__tok_eq(p, key, "bs", 2);
            int is_upd_key = nx__tok_eq(p, key, "a", 1) || nx__tok_eq(p, key, "b", 1);
            if (is_snap_key || is_upd_key) {
                if (snapshot < 0) {
                    snapshot = is_snap_key;
                    int rc = nx__kr_start(c, snapshot);
                    if (rc < 0) return rc;
                } else if (snapshot != is_snap_key) {
                    return NX_ERR(NX_EPARSE, "kraken v1 book: snapshot and update keys mixed");
                }
                const char *nm = p->js + key->start;
                uint8_t side = nm[0] == 'a' ? NX_SIDE_SELL : NX_SIDE_BUY;
                int rc = nx__kr_v1_levels(c, j + 1, side, is_snap_key ? (side == NX_SIDE_SELL ? "as" : "bs")
                                                                      : (side == NX_SIDE_SELL ? "a" : "b"));
                if (rc < 0) return rc;
                if (side == NX_SIDE_SELL)
                    m->n_asks += (size_t)tk[j + 1].size;
                else
                    m->n_bids += (size_t)tk[j + 1].size;
            } else if (nx__tok_eq(p, key, "c", 1)) {
                int rc = nx__kr_checksum(p, j + 1, m);
                if (rc < 0) return rc;
            }
        }
    }
    if (snapshot < 0) return NX_ERR(NX_EPARSE, "kraken v1 book message without levels");
    m->version = 1;
    m->ts_venue = c->ts_max;
    return nx__kr_finish(c, snapshot, m);
}

static int nx__kr_v2(nx__kr_ctx_t *c, nx_data_msg_t *m) {
    const nx_data_msg_parser_t *p = c->p;
    const jsmntok_t *tk = p->tok;
    int end = p->ntok, channel = -1, type = -1, data = -1;
    for (int j = 1; j + 1 < end; j = nx__tok_skip(p, j + 1)) {
        if (nx__tok_eq(p, &tk[j], "channel", 7)) channel = j + 1;
        else if (nx__tok_eq(p, &tk[j], "type", 4)) type = j + 1;
        else if (nx__tok_eq(p, &tk[j], "data", 4)) data = j + 1;
    }
    if (channel < 0 || !nx__tok_eq(p, &tk[channel], "book", 4)) return NX_ENOTFOUND;
    int snapshot;
    if (type >= 0 && nx__tok_eq(p, &tk[type], "snapshot", 8))
        snapshot = 1;
    else if (type >= 0 && nx__tok_eq(p, &tk[type], "update", 6))
        snapshot = 0;
    else
        return NX_ERR(NX_EPARSE, "kraken v2 book: 'type' is not snapshot or update");
    if (data < 0 || tk[data].type != JSMN_ARRAY || tk[data].size != 1 ||
        tk[data + 1].type != JSMN_OBJECT)
        return NX_ERR(NX_EPARSE, "kraken v2 book: 'data' must hold exactly one book object");
    int obj = data + 1, oend = nx__tok_skip(p, obj), bids = -1, asks = -1;
    for (int j = obj + 1; j + 1 < oend; j = nx__tok_skip(p, j + 1)) {
        const jsmntok_t *key = &tk[j];
        int rc = NX_OK;
        if (nx__tok_eq(p, key, "bids", 4)) bids = j + 1;
        else if (nx__tok_eq(p, key, "asks", 4)) asks = j + 1;
        else if (nx__tok_eq(p, key, "checksum", 8)) rc = nx__kr_checksum(p, j + 1, m);
        else if (nx__tok_eq(p, key, "symbol", 6) && tk[j + 1].type == JSMN_STRING) {
            m->symbol = p->js + tk[j + 1].start;
            m->symbol_len = nx__tok_len(&tk[j + 1]);
        } else if (nx__tok_eq(p, key, "timestamp", 9)) {
            if (tk[j + 1].type != JSMN_STRING ||
                nx_time_parse(p->js + tk[j + 1].start, nx__tok_len(&tk[j + 1]), &m->ts_venue) < 0)
                return NX_ERR(NX_EPARSE, "kraken v2 book: bad timestamp '%.*s'",
                              NX__TOKFMT(p, &tk[j + 1]));
        }
        if (rc < 0) return rc;
    }
    if (bids < 0 || asks < 0) return NX_ERR(NX_EPARSE, "kraken v2 book: want 'bids' and 'asks'");
    int rc = nx__kr_start(c, snapshot);
    if (rc < 0) return rc;
    /* levels in message order */
    int first = bids < asks ? bids : asks, second = bids < asks ? asks : bids;
    if ((rc = nx__kr_v2_levels(c, first, first == bids ? NX_SIDE_BUY : NX_SIDE_SELL,
                               first == bids ? "bids" : "asks")) < 0)
        return rc;
    if ((rc = nx__kr_v2_levels(c, second, second == bids ? NX_SIDE_BUY : NX_SIDE_SELL,
                               second == bids ? "bids" : "asks")) < 0)
        return rc;
    m->n_bids = (size_t)tk[bids].size;
    m->n_asks = (size_t)tk[asks].size;
    m->version = 2;
    return nx__kr_finish(c, snapshot, m);
}

int nx_data_parse_kraken_book(nx_data_msg_parser_t *p, const char *json, size_t len,
                              int64_t ts_recv, const nx_data_stream_spec_t *spec, nx_event_t *out,
                              size_t cap, nx_data_msg_t *msg) {
    if (!p || !json || !spec || !msg || (cap && !out)) return NX_ERR(NX_EINVAL, "NULL argument");
    int rc = nx__msg_tokenize(p, json, len);
    if (rc < 0) return rc;
    nx_data_msg_t m;
    memset(&m, 0, sizeof m);
    m.ts_recv = ts_recv;
    nx__kr_ctx_t c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.spec = spec;
    c.out = out;
    c.cap = cap;
    nx__delta_init(&c.proto, spec, 0, ts_recv);
    if (p->tok[0].type == JSMN_ARRAY)
        rc = nx__kr_v1(&c, &m);
    else if (p->tok[0].type == JSMN_OBJECT)
        rc = nx__kr_v2(&c, &m);
    else
        return NX_ERR(NX_EPARSE, "kraken message is neither an array nor an object");
    if (rc != NX_OK) return rc;
    *msg = m;
    return NX_OK;
}

/* Digits after the point of a decimal string token. */
static int nx__frac_digits(const nx_data_msg_parser_t *p, const jsmntok_t *t, uint8_t *out) {
    const char *s = p->js + t->start;
    size_t n = nx__tok_len(t), i = 0;
    while (i < n && s[i] != '.') {
        if (s[i] < '0' || s[i] > '9') return NX_EPARSE;
        i++;
    }
    size_t f = i < n ? n - i - 1 : 0;
    for (size_t j = i + 1; j < n; j++)
        if (s[j] < '0' || s[j] > '9') return NX_EPARSE;
    if (f > NX_DEC_MAX_SCALE) return NX_ERANGE;
    *out = (uint8_t)f;
    return NX_OK;
}

int nx_data_kraken_book_scales(nx_data_msg_parser_t *p, const char *json, size_t len,
                               uint8_t *price_scale, uint8_t *qty_scale) {
    if (!p || !json || !price_scale || !qty_scale) return NX_ERR(NX_EINVAL, "NULL argument");
    int rc = nx__msg_tokenize(p, json, len);
    if (rc < 0) return rc;
    const jsmntok_t *tk = p->tok;
    if (tk[0].type != JSMN_ARRAY) return NX_ENOTFOUND;
    for (int i = 1; i < p->ntok; i = nx__tok_skip(p, i)) {
        if (tk[i].type != JSMN_OBJECT) continue;
        int end = nx__tok_skip(p, i);
        for (int j = i + 1; j + 1 < end; j = nx__tok_skip(p, j + 1)) {
            if (!(nx__tok_eq(p, &tk[j], "as", 2) || nx__tok_eq(p, &tk[j], "bs", 2) ||
                  nx__tok_eq(p, &tk[j], "a", 1) || nx__tok_eq(p, &tk[j], "b", 1)))
                continue;
            int arr = j + 1;
            if (tk[arr].type != JSMN_ARRAY || tk[arr].size < 1 || arr + 3 >= p->ntok ||
                tk[arr + 1].type != JSMN_ARRAY || tk[arr + 1].size < 2 ||
                tk[arr + 2].type != JSMN_STRING || tk[arr + 3].type != JSMN_STRING)
                continue;
            uint8_t ps, qs;
            if (nx__frac_digits(p, &tk[arr + 2], &ps) < 0 ||
                nx__frac_digits(p, &tk[arr + 3], &qs) < 0)
                return NX_ERR(NX_EPARSE, "kraken book: level is not decimal text");
            *price_scale = ps;
            *qty_scale = qs;
            return NX_OK;
        }
    }
    return NX_ENOTFOUND;
}
