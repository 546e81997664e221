/* The jsmn-based message parser shared by the stream parsers (nexus/data.h). */
#include <limits.h>

#include "msg_int.h"
#include "nexus/time.h"

/* Tokens of a depth message with `levels` per side: two per level plus the
 * level array, twice, plus a margin for the envelope and scalar fields. */
static unsigned nx__tokens_for(uint32_t levels) { return 6u * levels + 256u; }

int nx_data_msg_parser_new(uint32_t max_levels, nx_data_msg_parser_t **out) {
    if (!out) return NX_ERR(NX_EINVAL, "NULL argument");
    if (max_levels == 0) max_levels = 1000;
    if (max_levels > (1u << 20)) return NX_ERR(NX_EINVAL, "max_levels %u (max 1048576)", max_levels);
    nx_data_msg_parser_t *p = nx_calloc(1, sizeof *p);
    if (!p) return NX_ERR(NX_ENOMEM, "message parser");
    unsigned cap = nx__tokens_for(max_levels);
    p->cap = cap;
    p->tok = nx_malloc((size_t)cap * sizeof(jsmntok_t));
    if (!p->tok) {
        nx_free(p);
        return NX_ERR(NX_ENOMEM, "message parser tokens (%u)", cap);
    }
    *out = p;
    return NX_OK;
}

void nx_data_msg_parser_free(nx_data_msg_parser_t *p) {
    if (!p) return;
    nx_free(p->tok);
    nx_free(p);
}

int nx__msg_tokenize(nx_data_msg_parser_t *p, const char *js, size_t len) {
    if (len > INT_MAX / 2) return NX_ERR(NX_ELIMIT, "message of %zu bytes", len);
    jsmn_parser jp;
    jsmn_init(&jp);
    int n = jsmn_parse(&jp, js, len, p->tok, p->cap);
    if (n < 0) {
        p->ntok = 0;
        if (n == JSMN_ERROR_NOMEM)
            return NX_ERR(NX_ELIMIT, "message needs more than %u JSON tokens (parser sized for "
                          "fewer levels)", p->cap);
        return NX_ERR(NX_EPARSE, "%s JSON at byte %u",
                      n == JSMN_ERROR_PART ? "truncated" : "invalid", jp.pos);
    }
    p->ntok = n;
    p->js = js;
    if (n == 0) return NX_ERR(NX_EPARSE, "empty message");
    if (nx__tok_skip(p, 0) != n) return NX_ERR(NX_EPARSE, "more than one JSON value");
    /* jsmn stops at a NUL byte; anything after the value but blanks is junk */
    for (size_t i = (size_t)p->tok[0].end; i < len; i++)
        if (js[i] != ' ' && js[i] != '\t' && js[i] != '\r' && js[i] != '\n')
            return NX_ERR(NX_EPARSE, "junk after the JSON value at byte %zu", i);
    return NX_OK;
}

int nx__tok_u64(const nx_data_msg_parser_t *p, const jsmntok_t *t, uint64_t *out) {
    if (t->type != JSMN_PRIMITIVE && t->type != JSMN_STRING) return NX_EPARSE;
    const char *s = p->js + t->start;
    size_t n = nx__tok_len(t);
    if (n == 0 || n > 20) return NX_EPARSE;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return NX_EPARSE;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return NX_EOVERFLOW;
        v = v * 10 + d;
    }
    *out = v;
    return NX_OK;
}

int nx__tok_ms(const nx_data_msg_parser_t *p, const jsmntok_t *t, int64_t *out_ns) {
    uint64_t ms;
    int rc = nx__tok_u64(p, t, &ms);
    if (rc < 0) return rc;
    if (ms > (uint64_t)(INT64_MAX / NX_NS_PER_MS)) return NX_ERANGE;
    *out_ns = (int64_t)ms * NX_NS_PER_MS;
    return NX_OK;
}
