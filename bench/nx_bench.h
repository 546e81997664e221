/*
 * bench/nx_bench.h — benchmark helpers. Each figure is printed as one JSON line:
 *   {"bench":"<name>","value":<number>,"unit":"<unit>"}
 * Timings use the monotonic clock; each figure is the best of several runs
 * so that a noisy neighbour on the 2-core machine does not decide the result.
 */
#ifndef NX_BENCH_H
#define NX_BENCH_H
#include <stdint.h>

void nx_bench_emit(const char *name, double value, const char *unit);
/* Seconds elapsed on the monotonic clock since t0 (from nx_mono_now()). */
double nx_bench_secs(int64_t t0);
/* Keep the optimiser from discarding a value. */
void nx_bench_sink(uint64_t v);
/* Number of repetitions (NX_BENCH_REPS, default 5). */
int nx_bench_reps(void);
#endif
