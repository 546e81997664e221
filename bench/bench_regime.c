/*
 * bench_regime — the regime detector.
 *
 * Figures:
 *   regime_update            bars/s through the online detector with a fitted
 *                            3-state HMM (features, forward filter, the rules'
 *                            six indicators and percentile, hysteresis)
 *   regime_update_rules      bars/s through the detector without a model
 *   regime_filter_step       observations/s through the HMM forward filter alone
 *   regime_allocs_per_update allocations per update during the runs above (0)
 *   regime_fit_seconds       Baum-Welch fit of 3 states on the reference bars
 *                            (45,022 feature rows; default options: 5 restarts,
 *                            tolerance 1e-7, at most 300 iterations each)
 *   regime_fit_iter_ms       milliseconds per Baum-Welch iteration in that fit
 *
 * Input: the real BTC 1-minute bars of ../shared/reference when present
 * (NX_SHARED_DIR or $NX_SOURCE_DIR/../shared), else the slice in tests/data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/regime.h"
#include "nexus/time.h"
#include "nx_bench.h"

#define RUN_SECS 0.3
#define MAXBARS 50000

static nx_ta_bar_t bars[MAXBARS];
static double feats[2 * MAXBARS];
static size_t nbars, nfeat;

static void load_bars(void) {
    char path[1024];
    const char *sh = getenv("NX_SHARED_DIR"), *src = getenv("NX_SOURCE_DIR");
    if (sh && *sh) snprintf(path, sizeof path, "%s/reference/btc_perp_1m.bars.csv", sh);
    else snprintf(path, sizeof path, "%s/../shared/reference/btc_perp_1m.bars.csv", src && *src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(path, sizeof path, "%s/tests/data/btc_perp_1m_head300.bars.csv", src && *src ? src : ".");
        f = fopen(path, "r");
    }
    if (!f) {
        fprintf(stderr, "bench_regime: no bars file (set NX_SOURCE_DIR)\n");
        exit(1);
    }
    char line[512];
    if (!fgets(line, sizeof line, f)) exit(1);
    nx_regime_feat_t ft;
    if (nx_regime_feat_init(&ft, 1, 10) != 0) exit(1);
    while (nbars < MAXBARS && fgets(line, sizeof line, f)) {
        nx_ta_row_t r;
        if (nx_ta_csv_row(line, strcspn(line, "\r\n"), &r) != 0) {
            fprintf(stderr, "bench_regime: %s: %s\n", path, nx_err_message());
            exit(1);
        }
        bars[nbars++] = r.bar;
        if (nx_regime_feat_update(&ft, &r.bar, feats + 2 * nfeat) == 1) nfeat++;
    }
    fclose(f);
    fprintf(stderr, "bench_regime: %zu bars, %zu feature rows from %s\n", nbars, nfeat, path);
}

static uint64_t updates_total, allocs_total;

static double bench_detector(const nx_regime_hmm_t *m) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_regime_t *d;
        if (nx_regime_new(NULL, m, &d) != 0) exit(1);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        uint64_t n = 0, sink = 0;
        double secs;
        int64_t t0 = nx_mono_now();
        do {
            nx_regime_reset(d);
            for (size_t i = 0; i < nbars; i++) sink += (uint64_t)nx_regime_update(d, &bars[i], NULL);
            n += nbars;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_alloc_stats(&a1);
        updates_total += n;
        allocs_total += a1.calls - a0.calls;
        nx_bench_sink(sink);
        if ((double)n / secs > best) best = (double)n / secs;
        nx_regime_free(d);
    }
    return best;
}

static double bench_filter(const nx_regime_hmm_t *m) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_regime_filter_t f;
        if (nx_regime_filter_init(&f, m) != 0) exit(1);
        uint64_t n = 0;
        double secs, p[NX_REGIME_STATES_MAX], sink = 0;
        int64_t t0 = nx_mono_now();
        do {
            for (size_t i = 0; i < nfeat; i++) {
                nx_regime_filter_step(&f, feats + 2 * i, p);
                sink += p[0];
            }
            n += nfeat;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_bench_sink((uint64_t)sink);
        if ((double)n / secs > best) best = (double)n / secs;
    }
    return best;
}

int main(void) {
    load_bars();
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    o.k = 3;
    nx_regime_hmm_t m;
    nx_regime_fit_report_t rep;
    double best = 1e300;
    uint32_t iters = 0;
    int reps = nx_bench_reps() < 3 ? nx_bench_reps() : 3;
    for (int r = 0; r < reps; r++) {
        int64_t t0 = nx_mono_now();
        if (nx_regime_hmm_fit(feats, nfeat, &o, &m, &rep) != 0) {
            fprintf(stderr, "bench_regime: fit: %s\n", nx_err_message());
            return 1;
        }
        double s = nx_bench_secs(t0);
        if (s < best) best = s;
        iters = 0;
        for (uint32_t i = 0; i < rep.restarts; i++) iters += rep.iters[i];
    }
    fprintf(stderr, "bench_regime: fit %zu rows, %u restarts, %u iterations in all\n", nfeat,
            rep.restarts, iters);
    nx_bench_emit("regime_update", bench_detector(&m), "bars/s");
    nx_bench_emit("regime_update_rules", bench_detector(NULL), "bars/s");
    nx_bench_emit("regime_filter_step", bench_filter(&m), "updates/s");
    nx_bench_emit("regime_allocs_per_update", (double)allocs_total / (double)updates_total,
                  "allocs/update");
    nx_bench_emit("regime_fit_seconds", best, "s");
    nx_bench_emit("regime_fit_iter_ms", 1e3 * best / iters, "ms");
    return 0;
}
