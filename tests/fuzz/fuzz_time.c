/*
 * fuzz_time — libFuzzer entry for nx_time_parse and nx_duration_parse.
 *
 * The whole input is tried as both a timestamp and a duration. Invariants
 * (abort on violation):
 *   - parse(format(parse(x))) == parse(x); the text is 30 bytes
 *   - to_civil then from_civil gives the same instant
 *   - format_prec(3) text parses to floor(ts, 1 ms) (or is below the span)
 *   - a parsed duration is >= 0 and its bare-nanosecond text parses back
 *   - errors are only the documented codes; out-params untouched on error
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/time.h"

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz_time: invariant failed: %s: ", #cond);        \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    int ilen = (int)(size > 80 ? 80 : size);

    nx_ts_t ts = 42;
    int rc = nx_time_parse(text, size, &ts);
    CHECK(rc == 0 || rc == NX_EPARSE || rc == NX_ERANGE, "rc=%d", rc);
    if (rc != 0) CHECK(ts == 42, "out written on error");
    if (rc == 0) {
        char buf[NX_TIME_STRLEN];
        size_t n = nx_time_format(ts, buf);
        CHECK(n == 30 && strlen(buf) == n, "len %zu", n);
        nx_ts_t back = 0;
        int rc2 = nx_time_parse(buf, n, &back);
        CHECK(rc2 == 0 && back == ts, "'%.*s' -> %lld -> '%s' -> rc=%d %lld", ilen, text,
              (long long)ts, buf, rc2, (long long)back);
        nx_civil_t c;
        nx_time_to_civil(ts, &c);
        CHECK(nx_time_from_civil(&c, &back) == 0 && back == ts, "civil round trip %lld",
              (long long)ts);
        n = nx_time_format_prec(ts, 3, buf);
        rc2 = nx_time_parse(buf, n, &back);
        if (rc2 == 0) CHECK(back == nx_time_floor(ts, NX_NS_PER_MS), "ms text '%s'", buf);
        else CHECK(rc2 == NX_ERANGE && ts < INT64_MIN + NX_NS_PER_MS, "ms text '%s'", buf);
    }

    int64_t ns = 42;
    rc = nx_duration_parse(text, size, &ns);
    CHECK(rc == 0 || rc == NX_EPARSE || rc == NX_EOVERFLOW, "duration rc=%d", rc);
    if (rc != 0) CHECK(ns == 42, "duration out written on error");
    if (rc == 0) {
        CHECK(ns >= 0, "negative duration %lld", (long long)ns);
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%lldns", (long long)ns);
        int64_t back = -1;
        CHECK(nx_duration_parse(buf, (size_t)n, &back) == 0 && back == ns, "'%.*s' -> %lld",
              ilen, text, (long long)ns);
    }
    return 0;
}
