/*
 * Kernel figures:
 *   kernel_dispatch   64-byte events/s from one source through three subscribers
 *   kernel_dispatch_4src  the same with four merged sources (heap merge path)
 *   kernel_journal_dispatch  the same through a journal sink (durability none)
 *   allocs_per_event  heap allocations per event after warm-up (allocator counters),
 *                     the worst of all runs above, journal included
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nexus/journal.h"
#include "nexus/kernel.h"
#include "nx_bench.h"

typedef struct {
    nx_ev_timer_t ev[4096];
    uint64_t i, n;
    int64_t ts;
    int64_t step;
} cyc_src_t;

static int cyc_next(void *ctx, nx_event_hdr_t **out) {
    cyc_src_t *s = ctx;
    if (s->i >= s->n) return NX_EEND;
    nx_ev_timer_t *e = &s->ev[s->i & 4095];
    s->ts += s->step;
    e->h.ts_recv = s->ts;
    e->user = s->i++;
    *out = &e->h;
    return NX_OK;
}

static uint64_t sums[3];

static int sub0(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)ctx, (void)k;
    sums[0] += ((const nx_ev_timer_t *)ev)->user;
    return 0;
}
static int sub1(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)ctx, (void)k;
    sums[1] += ev->seq;
    return 0;
}
static int sub2(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)ctx, (void)k;
    sums[2] ^= (uint64_t)ev->ts_recv;
    return 0;
}

static cyc_src_t srcs[4];

static int journal_sink(void *ctx, const nx_event_hdr_t *ev) { return nx_journal_append(ctx, ev); }

static double run_once(int nsrc, uint64_t n, double *allocs_per_event, nx_journal_t *j) {
    nx_kernel_t *k;
    nx_kernel_opts_t o;
    nx_kernel_opts_default(&o);
    if (j) {
        o.sink = journal_sink;
        o.sink_ctx = j;
    }
    if (nx_kernel_new(&o, &k) < 0) return 0;
    uint32_t topic;
    nx_kernel_topic(k, "md.bench.sim.X", &topic);
    for (int s = 0; s < nsrc; s++) {
        memset(&srcs[s], 0, sizeof srcs[s]);
        for (int i = 0; i < 4096; i++) {
            nx_event_init((nx_event_t *)(void *)&srcs[s].ev[i], NX_EV_TIMER);
            srcs[s].ev[i].h.topic = topic;
        }
        srcs[s].n = n / (uint64_t)nsrc;
        srcs[s].step = 1 + s; /* interleave with ties */
        nx_source_t src = {"bench", cyc_next, &srcs[s]};
        nx_kernel_add_source(k, &src);
    }
    nx_kernel_subscribe(k, "md.bench.*", sub0, NULL, NULL);
    nx_kernel_subscribe(k, "md.*", sub1, NULL, NULL);
    nx_kernel_subscribe(k, "md.bench.sim.X", sub2, NULL, NULL);
    nx_kernel_run(k, 1000); /* warm-up */
    nx_alloc_stats_t a0, a1;
    nx_alloc_stats(&a0);
    int64_t t0 = nx_mono_now();
    nx_kernel_run(k, 0);
    if (j) nx_journal_flush(j); /* count the time to hand everything to the OS */
    double secs = nx_bench_secs(t0);
    nx_alloc_stats(&a1);
    nx_kernel_stats_t st;
    nx_kernel_get_stats(k, &st);
    if (allocs_per_event)
        *allocs_per_event = (double)(a1.calls - a0.calls) / (double)(st.source_events - 1000);
    nx_bench_sink(sums[0] + sums[1] + sums[2]);
    nx_kernel_free(k);
    return (double)(st.source_events - 1000) / secs;
}

int main(void) {
    double best = 0, best4 = 0, bestj = 0, allocs = 0;
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/nx-bench-kernel-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return 1;
    for (int r = 0; r < nx_bench_reps(); r++) {
        double a;
        double v = run_once(1, 20000000, &a, NULL);
        if (v > best) best = v;
        if (a > allocs) allocs = a;
        v = run_once(4, 20000000, &a, NULL);
        if (v > best4) best4 = v;
        if (a > allocs) allocs = a;
        char jdir[600];
        snprintf(jdir, sizeof jdir, "%s/j%d", dir, r);
        nx_journal_options_t jo;
        nx_journal_options_default(&jo);
        jo.durability = NX_JOURNAL_FSYNC_NONE;
        nx_journal_t *j;
        if (nx_journal_open(jdir, &jo, &j) < 0) return 1;
        v = run_once(1, 4000000, &a, j);
        nx_journal_close(j);
        if (v > bestj) bestj = v;
        if (a > allocs) allocs = a;
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", jdir);
        if (system(cmd) != 0) return 1;
    }
    rmdir(dir);
    nx_bench_emit("kernel_dispatch", best, "events/s");
    nx_bench_emit("kernel_dispatch_4src", best4, "events/s");
    nx_bench_emit("kernel_journal_dispatch", bestj, "events/s");
    nx_bench_emit("allocs_per_event", allocs, "allocs/event");
    return 0;
}
