/*
 * fuzz_decimal — libFuzzer entry for nx_dec_parse and nx_dec_parse_scaled.
 *
 * Input: byte 0 picks the target scale (0..18) and rounding mode for
 * nx_dec_parse_scaled; the rest is the text. Invariants (abort on violation):
 *   - parse(format(parse(x))) == parse(x), same mantissa and scale;
 *     format_trim text parses to an equal value; text fits NX_DEC_STRLEN
 *   - when parse(x) succeeds, parse_scaled(x, S, mode) agrees exactly with
 *     rescale(parse(x), S, mode): same result code, same mantissa
 *   - malformed text (NX_EPARSE) is malformed for both parsers
 *   - parse_scaled under FLOOR and CEIL bracket every other mode: ceil - floor
 *     is 0 or 1 and each mode's result is one of the two
 *   - errors are only the documented codes
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/decimal.h"

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz_decimal: invariant failed: %s: ", #cond);     \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t scale = (uint8_t)(data[0] % (NX_DEC_MAX_SCALE + 1));
    nx_round_t mode = (nx_round_t)((data[0] / (NX_DEC_MAX_SCALE + 1)) % 8);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int ilen = (int)(len > 80 ? 80 : len);

    nx_dec_t d;
    int rc = nx_dec_parse(text, len, &d);
    CHECK(rc == 0 || rc == NX_EPARSE || rc == NX_EOVERFLOW || rc == NX_ERANGE, "rc=%d", rc);
    if (rc == 0) {
        char buf[NX_DEC_STRLEN + 8];
        memset(buf, 0x7f, sizeof buf);
        CHECK(d.s <= NX_DEC_MAX_SCALE, "s=%u", (unsigned)d.s);
        size_t n = nx_dec_format(d, buf);
        CHECK(n < NX_DEC_STRLEN && buf[n] == '\0' && strlen(buf) == n, "len %zu", n);
        nx_dec_t back;
        int rc2 = nx_dec_parse(buf, n, &back);
        CHECK(rc2 == 0 && back.m == d.m && back.s == d.s, "'%.*s' -> '%s' -> rc=%d %lld/%u",
              ilen, text, buf, rc2, (long long)back.m, (unsigned)back.s);
        int64_t m;
        CHECK(nx_dec_parse_scaled(buf, n, d.s, NX_ROUND_EXACT, &m) == 0 && m == d.m, "'%s'", buf);
        n = nx_dec_format_trim(d, buf);
        CHECK(n < NX_DEC_STRLEN && strlen(buf) == n, "trim len %zu", n);
        CHECK(nx_dec_parse(buf, n, &back) == 0 && nx_dec_cmp(back, d) == 0, "trim '%s'", buf);
    }

    int64_t ms = 0;
    int rcs = nx_dec_parse_scaled(text, len, scale, mode, &ms);
    CHECK(rcs == 0 || rcs == NX_EPARSE || rcs == NX_EOVERFLOW || rcs == NX_EINEXACT, "rcs=%d",
          rcs);
    if (rc == NX_EPARSE || rcs == NX_EPARSE) CHECK(rc == rcs, "rc=%d rcs=%d", rc, rcs);
    if (rc == 0) {
        nx_dec_t r;
        int rcr = nx_dec_rescale(d, scale, mode, &r);
        CHECK(rcr == rcs && (rcr != 0 || r.m == ms),
              "'%.*s' s=%u %s: parse_scaled rc=%d m=%lld, rescale rc=%d m=%lld", ilen, text,
              (unsigned)scale, nx_round_name(mode), rcs, (long long)ms, rcr, (long long)r.m);
    }
    if (rcs != NX_EPARSE) {
        int64_t lo = 0, hi = 0;
        int rlo = nx_dec_parse_scaled(text, len, scale, NX_ROUND_FLOOR, &lo);
        int rhi = nx_dec_parse_scaled(text, len, scale, NX_ROUND_CEIL, &hi);
        if (rlo == 0 && rhi == 0) {
            CHECK(hi >= lo && (uint64_t)hi - (uint64_t)lo <= 1, "floor %lld ceil %lld",
                  (long long)lo, (long long)hi);
            if (rcs == 0) CHECK(ms == lo || ms == hi, "%s gave %lld outside [%lld, %lld]",
                                nx_round_name(mode), (long long)ms, (long long)lo, (long long)hi);
            if (mode == NX_ROUND_EXACT) CHECK((rcs == 0) == (lo == hi), "exact vs bracket");
        }
    }
    return 0;
}
