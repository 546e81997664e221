/* Deterministic intent ids and their client-order-id text (nexus/core.h). */
#include <string.h>

#include "nexus/core.h"

int nx_intent_id(uint32_t strategy_id, uint64_t seq, uint64_t *out) {
    if (strategy_id > NX_INTENT_STRATEGY_MAX)
        return NX_ERR(NX_ERANGE, "strategy id %u exceeds %u", strategy_id,
                      NX_INTENT_STRATEGY_MAX);
    if (seq == 0 || seq > NX_INTENT_SEQ_MAX)
        return NX_ERR(NX_ERANGE, "intent sequence %llu outside 1..%llu",
                      (unsigned long long)seq, (unsigned long long)NX_INTENT_SEQ_MAX);
    *out = ((uint64_t)strategy_id << 40) | seq;
    return NX_OK;
}

static const char nx__b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static size_t nx__put_b36(char *p, uint64_t v) {
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = nx__b36[v % 36];
        v /= 36;
    } while (v);
    for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    return n;
}

size_t nx_intent_client_id(uint64_t intent_id, char *buf) {
    size_t n = 0;
    buf[n++] = 'n';
    buf[n++] = 'x';
    buf[n++] = '-';
    n += nx__put_b36(buf + n, nx_intent_strategy(intent_id));
    buf[n++] = '-';
    n += nx__put_b36(buf + n, nx_intent_seq(intent_id));
    buf[n] = '\0';
    return n;
}

static int nx__get_b36(const char *s, size_t len, uint64_t max, uint64_t *out) {
    uint64_t v = 0;
    if (len == 0 || len > 13) return -1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'z') d = (unsigned)(c - 'a') + 10;
        else return -1;
        if (v > (max - d) / 36) return -1;
        v = v * 36 + d;
    }
    *out = v;
    return 0;
}

int nx_intent_parse_client_id(const char *text, size_t len, uint64_t *out) {
    if (len < 6 || memcmp(text, "nx-", 3) != 0)
        return NX_ERR(NX_EPARSE, "client id does not start with nx-");
    const char *p = text + 3, *end = text + len;
    const char *dash = memchr(p, '-', (size_t)(end - p));
    uint64_t strat, seq;
    if (!dash || nx__get_b36(p, (size_t)(dash - p), NX_INTENT_STRATEGY_MAX, &strat) ||
        nx__get_b36(dash + 1, (size_t)(end - dash - 1), NX_INTENT_SEQ_MAX, &seq))
        return NX_ERR(NX_EPARSE, "malformed client id '%.*s'", (int)len, text);
    return nx_intent_id((uint32_t)strat, seq, out);
}
