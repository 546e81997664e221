/*
 * Binance raw stream messages into events (nexus/data.h, "stream messages").
 *
 * One message is tokenized by jsmn, then its fields are picked in one pass
 * over the payload object's keys; every number is parsed exactly from its
 * text. Events are written straight into the caller's slots.
 */
#include <string.h>

#include "msg_int.h"
#include "nexus/book.h"
#include "nexus/time.h"

/* Payload fields we read; token index or -1. */
typedef struct nx__bn_fields {
    int e, E, s, t, p, q, T, m, a, U, u, pu, b, B, A, bids, asks, lastUpdateId, symbol;
} nx__bn_fields_t;

static void nx__bn_pick(const nx_data_msg_parser_t *p, int obj, nx__bn_fields_t *f) {
    memset(f, 0xff, sizeof *f); /* all -1 */
    const jsmntok_t *tk = p->tok;
    int i = obj + 1, end = nx__tok_skip(p, obj);
    while (i < end) {
        const jsmntok_t *k = &tk[i];
        int v = i + 1;
        if (v >= end) break;
        if (k->type == JSMN_STRING) {
            const char *s = p->js + k->start;
            size_t n = nx__tok_len(k);
            if (n == 1) {
                switch (s[0]) {
                case 'e': f->e = v; break;
                case 'E': f->E = v; break;
                case 's': f->s = v; break;
                case 't': f->t = v; break;
                case 'p': f->p = v; break;
                case 'q': f->q = v; break;
                case 'T': f->T = v; break;
                case 'm': f->m = v; break;
                case 'a': f->a = v; break;
                case 'U': f->U = v; break;
                case 'u': f->u = v; break;
                case 'b': f->b = v; break;
                case 'B': f->B = v; break;
                case 'A': f->A = v; break;
                default: break;
                }
            } else if (n == 2 && s[0] == 'p' && s[1] == 'u') {
                f->pu = v;
            } else if (n == 4 && memcmp(s, "bids", 4) == 0) {
                f->bids = v;
            } else if (n == 4 && memcmp(s, "asks", 4) == 0) {
                f->asks = v;
            } else if (n == 6 && memcmp(s, "symbol", 6) == 0) {
                f->symbol = v;
            } else if (n == 12 && memcmp(s, "lastUpdateId", 12) == 0) {
                f->lastUpdateId = v;
            }
        }
        /* the value of a key: primitives and strings are one token */
        const jsmntok_t *vt = &tk[v];
        i = vt->type == JSMN_OBJECT || vt->type == JSMN_ARRAY ? nx__tok_skip(p, v) : v + 1;
    }
}

#define NX__NEED(f, name)                                                                    \
    do {                                                                                     \
        if ((f) < 0) return NX_ERR(NX_EPARSE, "%s: missing field '%s'", what, name);         \
    } while (0)

static int nx__bn_u64(const nx_data_msg_parser_t *p, int i, const char *what, const char *name,
                      uint64_t *out) {
    int rc = nx__tok_u64(p, &p->tok[i], out);
    if (rc < 0)
        return NX_ERR(rc, "%s field '%s': '%.*s' is not an unsigned integer", what, name,
                      NX__TOKFMT(p, &p->tok[i]));
    return NX_OK;
}

static int nx__bn_ms(const nx_data_msg_parser_t *p, int i, const char *what, const char *name,
                     int64_t *out) {
    int rc = nx__tok_ms(p, &p->tok[i], out);
    if (rc < 0)
        return NX_ERR(rc, "%s field '%s': '%.*s' is not a time in ms", what, name,
                      NX__TOKFMT(p, &p->tok[i]));
    return NX_OK;
}

static int nx__bn_dec(const nx_data_msg_parser_t *p, int i, uint8_t scale, const char *what,
                      const char *name, size_t level, int64_t *out) {
    const jsmntok_t *t = &p->tok[i];
    int rc = nx__tok_dec(p, t, scale, out);
    if (rc < 0) {
        if (level)
            return NX_ERR(rc, "%s field '%s' level %zu: '%.*s' is not a decimal at scale %u",
                          what, name, level, NX__TOKFMT(p, t), scale);
        return NX_ERR(rc, "%s field '%s': '%.*s' is not a decimal at scale %u", what, name,
                      NX__TOKFMT(p, t), scale);
    }
    return NX_OK;
}

static void nx__bn_symbol(const nx_data_msg_parser_t *p, int i, nx_data_msg_t *m) {
    if (i >= 0 && p->tok[i].type == JSMN_STRING) {
        m->symbol = p->js + p->tok[i].start;
        m->symbol_len = nx__tok_len(&p->tok[i]);
    }
}

static int nx__bn_trade(const nx_data_msg_parser_t *p, const nx__bn_fields_t *f, int agg,
                        const nx_data_stream_spec_t *spec, nx_event_t *out, size_t cap,
                        nx_data_msg_t *m) {
    const char *what = agg ? "aggTrade" : "trade";
    int id_tok = agg ? f->a : f->t;
    NX__NEED(id_tok, agg ? "a" : "t");
    NX__NEED(f->p, "p");
    NX__NEED(f->q, "q");
    NX__NEED(f->m, "m");
    if (cap < 1) return NX_ERR(NX_ELIMIT, "%s: needs 1 event slot", what);
    nx_ev_trade_t tr;
    memset(&tr, 0, sizeof tr);
    uint64_t id;
    int rc;
    if ((rc = nx__bn_u64(p, id_tok, what, agg ? "a" : "t", &id)) < 0) return rc;
    if (f->E >= 0 && (rc = nx__bn_ms(p, f->E, what, "E", &m->ts_venue)) < 0) return rc;
    if ((rc = nx__bn_dec(p, f->p, spec->price_scale, what, "p", 0, &tr.price)) < 0) return rc;
    if ((rc = nx__bn_dec(p, f->q, spec->qty_scale, what, "q", 0, &tr.qty)) < 0) return rc;
    if (tr.price <= 0) return NX_ERR(NX_ERANGE, "%s field 'p': must be positive", what);
    if (tr.qty <= 0) return NX_ERR(NX_ERANGE, "%s field 'q': must be positive", what);
    const jsmntok_t *mt = &p->tok[f->m];
    int maker;
    if (mt->type == JSMN_PRIMITIVE && nx__tok_len(mt) == 4 && memcmp(p->js + mt->start, "true", 4) == 0)
        maker = 1;
    else if (mt->type == JSMN_PRIMITIVE && nx__tok_len(mt) == 5 &&
             memcmp(p->js + mt->start, "false", 5) == 0)
        maker = 0;
    else
        return NX_ERR(NX_EPARSE, "%s field 'm': want true or false", what);
    tr.h.type = NX_EV_TRADE;
    tr.h.size = (uint16_t)sizeof tr;
    tr.h.ts_venue = m->ts_venue;
    tr.h.ts_recv = m->ts_recv;
    tr.h.topic = spec->topic;
    tr.instrument = spec->instrument;
    tr.aggressor = maker ? NX_SIDE_SELL : NX_SIDE_BUY; /* buyer was maker: seller hit the bid */
    tr.price_scale = spec->price_scale;
    tr.qty_scale = spec->qty_scale;
    tr.trade_id = id;
    out[0].trade = tr;
    m->kind = agg ? NX_MSG_AGGTRADE : NX_MSG_TRADE;
    m->n_events = 1;
    nx__bn_symbol(p, f->s, m);
    return NX_OK;
}

static int nx__bn_ticker(const nx_data_msg_parser_t *p, const nx__bn_fields_t *f,
                         const nx_data_stream_spec_t *spec, nx_event_t *out, size_t cap,
                         nx_data_msg_t *m) {
    const char *what = "bookTicker";
    NX__NEED(f->u, "u");
    NX__NEED(f->b, "b");
    NX__NEED(f->B, "B");
    NX__NEED(f->a, "a");
    NX__NEED(f->A, "A");
    if (cap < 1) return NX_ERR(NX_ELIMIT, "%s: needs 1 event slot", what);
    nx_ev_quote_t q;
    memset(&q, 0, sizeof q);
    int rc;
    if ((rc = nx__bn_u64(p, f->u, what, "u", &q.update_id)) < 0) return rc;
    if (f->E >= 0 && (rc = nx__bn_ms(p, f->E, what, "E", &m->ts_venue)) < 0) return rc;
    if ((rc = nx__bn_dec(p, f->b, spec->price_scale, what, "b", 0, &q.bid_price)) < 0) return rc;
    if ((rc = nx__bn_dec(p, f->B, spec->qty_scale, what, "B", 0, &q.bid_qty)) < 0) return rc;
    if ((rc = nx__bn_dec(p, f->a, spec->price_scale, what, "a", 0, &q.ask_price)) < 0) return rc;
    if ((rc = nx__bn_dec(p, f->A, spec->qty_scale, what, "A", 0, &q.ask_qty)) < 0) return rc;
    if (q.bid_price < 0 || q.ask_price < 0 || q.bid_qty < 0 || q.ask_qty < 0)
        return NX_ERR(NX_ERANGE, "%s: negative price or quantity", what);
    q.h.type = NX_EV_QUOTE;
    q.h.size = (uint16_t)sizeof q;
    q.h.ts_venue = m->ts_venue;
    q.h.ts_recv = m->ts_recv;
    q.h.topic = spec->topic;
    q.instrument = spec->instrument;
    q.price_scale = spec->price_scale;
    q.qty_scale = spec->qty_scale;
    out[0].quote = q;
    m->kind = NX_MSG_BOOK_TICKER;
    m->update_id = q.update_id;
    m->n_events = 1;
    nx__bn_symbol(p, f->s, m);
    return NX_OK;
}

/* Count the levels of a side array ([[p,q],...]) and check their shape. */
static int nx__bn_levels_shape(const nx_data_msg_parser_t *p, int arr, const char *what,
                               const char *name, size_t *n) {
    const jsmntok_t *a = &p->tok[arr];
    if (a->type != JSMN_ARRAY) return NX_ERR(NX_EPARSE, "%s field '%s': not an array", what, name);
    *n = (size_t)a->size;
    return NX_OK;
}

/* Append SET deltas for one side's levels starting at slot *k. */
static int nx__bn_levels(const nx_data_msg_parser_t *p, int arr, uint8_t side, const char *what,
                         const char *name, const nx_ev_book_delta_t *proto, nx_event_t *out,
                         size_t *k) {
    const jsmntok_t *tk = p->tok;
    int n = tk[arr].size, i = arr + 1;
    for (int l = 0; l < n; l++) {
        const jsmntok_t *lv = &tk[i];
        if (i + 2 >= p->ntok + 0 || lv->type != JSMN_ARRAY || lv->size < 2)
            return NX_ERR(NX_EPARSE, "%s field '%s' level %d: want [price, qty]", what, name,
                          l + 1);
        int pi = i + 1, qi = i + 2;
        if (tk[pi].type != JSMN_STRING || tk[qi].type != JSMN_STRING)
            return NX_ERR(NX_EPARSE, "%s field '%s' level %d: want [\"price\", \"qty\"]", what,
                          name, l + 1);
        nx_ev_book_delta_t *d = &out[*k].book_delta;
        *d = *proto;
        d->side = side;
        int rc;
        if ((rc = nx__bn_dec(p, pi, proto->price_scale, what, name, (size_t)l + 1, &d->price)) < 0)
            return rc;
        if ((rc = nx__bn_dec(p, qi, proto->qty_scale, what, name, (size_t)l + 1, &d->qty)) < 0)
            return rc;
        if (d->price <= 0)
            return NX_ERR(NX_ERANGE, "%s field '%s' level %d: price must be positive", what, name,
                          l + 1);
        if (d->qty < 0)
            return NX_ERR(NX_ERANGE, "%s field '%s' level %d: negative quantity", what, name,
                          l + 1);
        (*k)++;
        i = lv->size == 2 ? i + 3 : nx__tok_skip(p, i);
    }
    return NX_OK;
}

static int nx__bn_depth(const nx_data_msg_parser_t *p, const nx__bn_fields_t *f, int snapshot,
                        int64_t ts_recv, const nx_data_stream_spec_t *spec, nx_event_t *out,
                        size_t cap, nx_data_msg_t *m) {
    const char *what = snapshot ? "depth snapshot" : "depthUpdate";
    int bids = snapshot ? f->bids : f->b, asks = snapshot ? f->asks : f->a;
    const char *bn = snapshot ? "bids" : "b", *an = snapshot ? "asks" : "a";
    uint64_t U, u;
    int rc;
    if (snapshot) {
        NX__NEED(f->lastUpdateId, "lastUpdateId");
        if ((rc = nx__bn_u64(p, f->lastUpdateId, what, "lastUpdateId", &u)) < 0) return rc;
        U = u;
    } else {
        NX__NEED(f->U, "U");
        NX__NEED(f->u, "u");
        if ((rc = nx__bn_u64(p, f->U, what, "U", &U)) < 0) return rc;
        if ((rc = nx__bn_u64(p, f->u, what, "u", &u)) < 0) return rc;
        if (U > u) return NX_ERR(NX_EPARSE, "%s: U %llu after u %llu", what,
                                 (unsigned long long)U, (unsigned long long)u);
    }
    NX__NEED(bids, bn);
    NX__NEED(asks, an);
    size_t nb = 0, na = 0;
    if ((rc = nx__bn_levels_shape(p, bids, what, bn, &nb)) < 0) return rc;
    if ((rc = nx__bn_levels_shape(p, asks, what, an, &na)) < 0) return rc;
    size_t need = nb + na + (snapshot ? 1 : 0);
    if (need == 0) need = 1; /* the sequence marker of an empty diff */
    if (need > cap)
        return NX_ERR(NX_ELIMIT, "%s u=%llu: needs %zu event slots, have %zu", what,
                      (unsigned long long)u, need, cap);
    if (f->E >= 0 && (rc = nx__bn_ms(p, f->E, what, "E", &m->ts_venue)) < 0) return rc;

    nx_ev_book_delta_t proto;
    nx__delta_init(&proto, spec, m->ts_venue, ts_recv);
    proto.update_id = u;
    proto.first_update_id = U;
    if (f->pu >= 0 && !snapshot) {
        uint64_t pu;
        if ((rc = nx__bn_u64(p, f->pu, what, "pu", &pu)) < 0) return rc;
        if (pu >= U)
            return NX_ERR(NX_EPARSE, "%s: pu %llu not below U %llu", what,
                          (unsigned long long)pu, (unsigned long long)U);
        uint64_t dist = U - pu;
        proto.aux = dist >= UINT32_MAX ? UINT32_MAX : (uint32_t)dist;
        proto.flags |= NX_BOOKF_PU;
        m->prev_update_id = pu;
        m->has_prev = 1;
    }
    size_t k = 0;
    if (snapshot) {
        proto.flags |= NX_BOOKF_SNAPSHOT;
        out[0].book_delta = proto;
        out[0].book_delta.action = NX_BOOK_CLEAR;
        k = 1;
    }
    if ((rc = nx__bn_levels(p, bids, NX_SIDE_BUY, what, bn, &proto, out, &k)) < 0) return rc;
    if ((rc = nx__bn_levels(p, asks, NX_SIDE_SELL, what, an, &proto, out, &k)) < 0) return rc;
    if (k == 0) { /* empty diff: keep the ids with a no-op marker */
        out[0].book_delta = proto;
        out[0].book_delta.side = NX_SIDE_NONE;
        k = 1;
    }
    out[k - 1].book_delta.flags |= NX_BOOKF_LAST;
    m->kind = snapshot ? NX_MSG_DEPTH_SNAPSHOT : NX_MSG_DEPTH_DIFF;
    m->first_update_id = U;
    m->update_id = u;
    m->n_bids = nb;
    m->n_asks = na;
    m->n_events = k;
    nx__bn_symbol(p, snapshot ? f->symbol : f->s, m);
    return NX_OK;
}

int nx_data_parse_binance_json(nx_data_msg_parser_t *p, const char *json, size_t len,
                               int64_t ts_recv, const nx_data_stream_spec_t *spec,
                               nx_event_t *out, size_t cap, nx_data_msg_t *msg) {
    if (!p || !json || !spec || !msg || (cap && !out)) return NX_ERR(NX_EINVAL, "NULL argument");
    int rc = nx__msg_tokenize(p, json, len);
    if (rc < 0) return rc;
    if (p->tok[0].type != JSMN_OBJECT) return NX_ERR(NX_EPARSE, "message is not a JSON object");
    nx_data_msg_t m;
    memset(&m, 0, sizeof m);
    m.ts_recv = ts_recv;
    nx__bn_fields_t f;
    /* the combined-stream envelope {"stream":..., "data":{...}} */
    int body = 0;
    {
        int i = 1, end = p->ntok;
        while (i + 1 < end) {
            if (nx__tok_eq(p, &p->tok[i], "data", 4) && p->tok[i + 1].type == JSMN_OBJECT) {
                body = i + 1;
                break;
            }
            const jsmntok_t *vt = &p->tok[i + 1];
            i = vt->type == JSMN_OBJECT || vt->type == JSMN_ARRAY ? nx__tok_skip(p, i + 1) : i + 2;
        }
    }
    nx__bn_pick(p, body, &f);
    if (body == 0 && f.lastUpdateId >= 0) {
        rc = nx__bn_depth(p, &f, 1, ts_recv, spec, out, cap, &m);
    } else if (f.e >= 0) {
        const jsmntok_t *e = &p->tok[f.e];
        if (nx__tok_eq(p, e, "depthUpdate", 11))
            rc = nx__bn_depth(p, &f, 0, ts_recv, spec, out, cap, &m);
        else if (nx__tok_eq(p, e, "trade", 5))
            rc = nx__bn_trade(p, &f, 0, spec, out, cap, &m);
        else if (nx__tok_eq(p, e, "aggTrade", 8))
            rc = nx__bn_trade(p, &f, 1, spec, out, cap, &m);
        else if (nx__tok_eq(p, e, "bookTicker", 10))
            rc = nx__bn_ticker(p, &f, spec, out, cap, &m);
        else
            return NX_ENOTFOUND; /* kline, markPrice, ...: not ours */
    } else if (f.u >= 0 && f.b >= 0 && f.B >= 0 && f.a >= 0 && f.A >= 0 &&
               p->tok[f.b].type == JSMN_STRING) {
        rc = nx__bn_ticker(p, &f, spec, out, cap, &m); /* spot bookTicker: no "e" */
    } else {
        return NX_ENOTFOUND;
    }
    if (rc < 0) return rc;
    *msg = m;
    return NX_OK;
}

int nx_data_parse_binance_line(nx_data_msg_parser_t *p, const char *line, size_t len,
                               const nx_data_stream_spec_t *spec, nx_event_t *out, size_t cap,
                               nx_data_msg_t *msg) {
    if (!line) return NX_ERR(NX_EINVAL, "NULL argument");
    if (len && line[len - 1] == '\r') len--;
    size_t i = 0;
    uint64_t ts = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9') {
        uint64_t d = (uint64_t)(line[i] - '0');
        if (ts > ((uint64_t)INT64_MAX - d) / 10)
            return NX_ERR(NX_ERANGE, "receive time: beyond the int64 ns range");
        ts = ts * 10 + d;
        i++;
    }
    if (i == 0 || i >= len || line[i] != ' ')
        return NX_ERR(NX_EPARSE, "line: want '<receive_ts_ns> <json>'");
    i++;
    return nx_data_parse_binance_json(p, line + i, len - i, (int64_t)ts, spec, out, cap, msg);
}

/* Only the first bytes are looked at: the envelope puts the stream name first. */
nx_data_msg_kind_t nx_data_binance_line_kind(const char *line, size_t len) {
    size_t i = 0, lim = len < 160 ? len : 160;
    while (i < lim && line[i] != ' ') i++;
    if (i >= lim) return NX_MSG_NONE;
    const char *j = line + i + 1;
    size_t n = lim - i - 1;
    static const char snap[] = "{\"lastUpdateId\"";
    if (n >= sizeof snap - 1 && memcmp(j, snap, sizeof snap - 1) == 0) return NX_MSG_DEPTH_SNAPSHOT;
    static const char env[] = "{\"stream\":\"";
    if (n < sizeof env - 1 || memcmp(j, env, sizeof env - 1) != 0) return NX_MSG_NONE;
    const char *s = j + sizeof env - 1, *end = j + n;
    const char *at = NULL;
    for (const char *c = s; c < end && *c != '"'; c++)
        if (*c == '@') {
            at = c + 1; /* the first one: "btcusdt@depth@100ms" */
            break;
        }
    if (!at) return NX_MSG_NONE;
    size_t rest = (size_t)(end - at);
#define NX__IS(lit) (rest >= sizeof(lit) - 1 && memcmp(at, lit, sizeof(lit) - 1) == 0 && \
                     (at[sizeof(lit) - 1] == '"' || at[sizeof(lit) - 1] == '@'))
    if (NX__IS("depth")) return NX_MSG_DEPTH_DIFF;
    if (NX__IS("bookTicker")) return NX_MSG_BOOK_TICKER;
    if (NX__IS("trade")) return NX_MSG_TRADE;
    if (NX__IS("aggTrade")) return NX_MSG_AGGTRADE;
#undef NX__IS
    return NX_MSG_NONE;
}

static int nx__kind_wants(nx_data_kind_t kind, nx_data_msg_kind_t mk) {
    switch (kind) {
    case NX_KIND_DEPTH: return mk == NX_MSG_DEPTH_DIFF || mk == NX_MSG_DEPTH_SNAPSHOT;
    case NX_KIND_QUOTES: return mk == NX_MSG_BOOK_TICKER;
    case NX_KIND_TRADES: return mk == NX_MSG_TRADE;
    case NX_KIND_AGGTRADES: return mk == NX_MSG_AGGTRADE;
    default: return 0;
    }
}

int nx_data_parse_binance_line_kind(nx_data_msg_parser_t *p, const char *line, size_t len,
                                    nx_data_kind_t kind, const nx_data_stream_spec_t *spec,
                                    nx_event_t *out, size_t cap, nx_data_msg_t *msg) {
    nx_data_msg_kind_t mk = nx_data_binance_line_kind(line, len);
    if (mk != NX_MSG_NONE && !nx__kind_wants(kind, mk)) return NX_ENOTFOUND; /* unparsed */
    int rc = nx_data_parse_binance_line(p, line, len, spec, out, cap, msg);
    if (rc < 0) return rc;
    return nx__kind_wants(kind, msg->kind) ? NX_OK : NX_ENOTFOUND;
}
