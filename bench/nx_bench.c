#include "nx_bench.h"

#include <stdio.h>
#include <stdlib.h>

#include "nexus/time.h"

static volatile uint64_t nx_bench_sink_v;

void nx_bench_emit(const char *name, double value, const char *unit) {
    printf("{\"bench\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n", name, value, unit);
    fflush(stdout);
}

double nx_bench_secs(int64_t t0) { return (double)(nx_mono_now() - t0) / 1e9; }

void nx_bench_sink(uint64_t v) { nx_bench_sink_v += v; }

int nx_bench_reps(void) {
    const char *s = getenv("NX_BENCH_REPS");
    long n = s ? strtol(s, NULL, 10) : 5;
    return n > 0 && n < 1000 ? (int)n : 5;
}
