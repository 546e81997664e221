/*
 * Private to src/data: the jsmn-based message parser shared by the Binance
 * stream and Kraken book parsers (nexus/data.h, "stream messages").
 */
#ifndef NX_DATA_MSG_INT_H
#define NX_DATA_MSG_INT_H

#include <string.h>

#include "jsmn_cfg.h"

#include "nexus/data.h"
#include "nexus/decimal.h"

struct nx_data_msg_parser {
    jsmntok_t *tok;
    unsigned cap;        /* tokens */
    int ntok;            /* tokens of the last message */
    const char *js;      /* the last message (borrowed) */
};

/* Tokenize; NX_EPARSE / NX_ELIMIT; the root must be one value covering the text. */
int nx__msg_tokenize(nx_data_msg_parser_t *p, const char *js, size_t len);

/* Index just past the subtree rooted at i (bounded by ntok). */
static inline int nx__tok_skip(const nx_data_msg_parser_t *p, int i) {
    int pending = 1;
    while (pending > 0 && i < p->ntok) {
        pending += p->tok[i].size;
        pending--;
        i++;
    }
    return i;
}

static inline size_t nx__tok_len(const jsmntok_t *t) { return (size_t)(t->end - t->start); }
static inline const char *nx__tok_str(const nx_data_msg_parser_t *p, const jsmntok_t *t) {
    return p->js + t->start;
}

static inline int nx__tok_eq(const nx_data_msg_parser_t *p, const jsmntok_t *t, const char *s,
                             size_t n) {
    return t->type == JSMN_STRING && nx__tok_len(t) == n &&
           memcmp(p->js + t->start, s, n) == 0;
}

/* Non-negative integer (JSON number, or a string of digits). */
int nx__tok_u64(const nx_data_msg_parser_t *p, const jsmntok_t *t, uint64_t *out);
/* Decimal at a scale, exactly (string or number token). */
static inline int nx__tok_dec(const nx_data_msg_parser_t *p, const jsmntok_t *t, uint8_t scale,
                              int64_t *out) {
    if (t->type != JSMN_STRING && t->type != JSMN_PRIMITIVE) return NX_EPARSE;
    return nx_dec_parse_scaled(p->js + t->start, nx__tok_len(t), scale, NX_ROUND_EXACT, out);
}
/* Milliseconds since the epoch (number) to ns, range-checked. */
int nx__tok_ms(const nx_data_msg_parser_t *p, const jsmntok_t *t, int64_t *out_ns);

/* Fill the common part of a BOOK_DELTA. */
static inline void nx__delta_init(nx_ev_book_delta_t *d, const nx_data_stream_spec_t *spec,
                                  int64_t ts_venue, int64_t ts_recv) {
    memset(d, 0, sizeof *d);
    d->h.type = NX_EV_BOOK_DELTA;
    d->h.size = (uint16_t)sizeof *d;
    d->h.ts_venue = ts_venue;
    d->h.ts_recv = ts_recv;
    d->h.topic = spec->topic;
    d->instrument = spec->instrument;
    d->price_scale = spec->price_scale;
    d->qty_scale = spec->qty_scale;
    d->action = NX_BOOK_SET;
}

/* Shortened text of a token for error messages. */
#define NX__TOKFMT(p, t) (int)(nx__tok_len(t) > 40 ? 40 : nx__tok_len(t)), nx__tok_str((p), (t))

#endif
