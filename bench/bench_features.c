/*
 * bench_features — feature throughput.
 *
 * Figures (best of nx_bench_reps() runs of ~0.3 s each):
 *   feat_bar_set_bars        bars/s through the five volatility estimators
 *                            (parkinson gk rs yz rv, 20 bars) and the pattern
 *                            detector (12 patterns, default thresholds)
 *   feat_trade_updates       trades/s through VWAP/TWAP (5 min of 1 s buckets),
 *                            trade-flow imbalance (same window) and VPIN (tick
 *                            rule, 50 buckets), each trade fed to all three
 *   feat_allocs_per_update   allocations per update during the runs above (0)
 *
 * Input: the real BTC 1-minute bars of ../shared/reference when present
 * (NX_SHARED_DIR or $NX_SOURCE_DIR/../shared), else the slice in tests/data;
 * trades are a seeded random walk (10 trades per second, random sides).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/features.h"
#include "nexus/patterns.h"
#include "nexus/time.h"
#include "nx_bench.h"

#define RUN_SECS 0.3
#define MAXBARS 50000
#define NTRADES 200000

static nx_ta_bar_t bars[MAXBARS];
static size_t nbars;

typedef struct {
    int64_t ts;
    double p, q;
    nx_side_t side;
} trade_t;
static trade_t trades[NTRADES];

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
        fprintf(stderr, "bench_features: no bars file (set NX_SOURCE_DIR)\n");
        exit(1);
    }
    char line[512];
    if (!fgets(line, sizeof line, f)) exit(1);
    while (nbars < MAXBARS && fgets(line, sizeof line, f)) {
        nx_ta_row_t r;
        if (nx_ta_csv_row(line, strcspn(line, "\r\n"), &r) != 0) {
            fprintf(stderr, "bench_features: %s: %s\n", path, nx_err_message());
            exit(1);
        }
        bars[nbars++] = r.bar;
    }
    fclose(f);
    fprintf(stderr, "bench_features: %zu bars from %s\n", nbars, path);
}

static void make_trades(void) {
    nx_rng_t r;
    nx_rng_seed(&r, 1);
    double px = 46000;
    int64_t ts = INT64_C(1640995200) * NX_NS_PER_SEC;
    for (size_t i = 0; i < NTRADES; i++) {
        ts += (int64_t)nx_rng_below(&r, 200) * NX_NS_PER_MS;
        px += 0.5 * ((double)nx_rng_below(&r, 3) - 1);
        trades[i].ts = ts;
        trades[i].p = px;
        trades[i].q = 0.001 + nx_rng_double(&r);
        trades[i].side = (nx_side_t)nx_rng_below(&r, 3);
    }
}

static uint64_t updates_total, allocs_total;

static double bench_bars(void) {
    static const char *const specs[] = {"parkinson:20", "gk:20", "rs:20", "yz:20", "rv:20"};
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_feat_t *f[5];
        nx_cdl_t *c;
        for (int k = 0; k < 5; k++)
            if (nx_feat_parse(specs[k], strlen(specs[k]), &f[k]) != 0) exit(1);
        if (nx_cdl_new(NULL, &c) != 0) exit(1);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        uint64_t n = 0, sig = 0;
        double secs, sink = 0;
        int64_t t0 = nx_mono_now();
        do {
            for (size_t i = 0; i < nbars; i++) {
                for (int k = 0; k < 5; k++) nx_feat_update(f[k], &bars[i]);
                nx_cdl_update(c, &bars[i]);
                sig += (uint64_t)(nx_cdl_signals(c)[NX_CDL_ENGULFING] != 0);
            }
            for (int k = 0; k < 5; k++) sink += nx_feat_value(f[k]);
            n += nbars;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_alloc_stats(&a1);
        updates_total += n * 6;
        allocs_total += a1.calls - a0.calls;
        nx_bench_sink(sig + (uint64_t)(sink * 1e9));
        if ((double)n / secs > best) best = (double)n / secs;
        for (int k = 0; k < 5; k++) nx_feat_free(f[k]);
        nx_cdl_free(c);
    }
    return best;
}

static double bench_trades(void) {
    double best = 0;
    nx_feat_window_t w = {300 * NX_NS_PER_SEC, NX_NS_PER_SEC};
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_feat_vwap_t *v;
        nx_feat_flow_t *fl;
        nx_feat_vpin_t *vp;
        nx_feat_vpin_cfg_t vc;
        nx_feat_vpin_cfg_default(&vc, 50);
        if (nx_feat_vwap_new(&w, &v) != 0 || nx_feat_flow_new(&w, &fl) != 0 ||
            nx_feat_vpin_new(&vc, &vp) != 0)
            exit(1);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        uint64_t n = 0;
        double secs, sink = 0;
        int64_t shift = 0, t0 = nx_mono_now();
        do {
            for (size_t i = 0; i < NTRADES; i++) {
                const trade_t *t = &trades[i];
                int64_t ts = t->ts + shift;
                nx_feat_vwap_add(v, ts, t->p, t->q);
                nx_feat_flow_add(fl, ts, t->p, t->q, t->side);
                nx_feat_vpin_add(vp, ts, t->p, t->q, t->side);
            }
            sink += nx_feat_vwap_value(v) + nx_feat_flow_imbalance(fl) + nx_feat_vpin_value(vp);
            shift += trades[NTRADES - 1].ts - trades[0].ts + NX_NS_PER_SEC; /* time moves on */
            n += NTRADES;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_alloc_stats(&a1);
        updates_total += n * 3;
        allocs_total += a1.calls - a0.calls;
        nx_bench_sink((uint64_t)sink);
        if ((double)n / secs > best) best = (double)n / secs;
        nx_feat_vwap_free(v);
        nx_feat_flow_free(fl);
        nx_feat_vpin_free(vp);
    }
    return best;
}

int main(void) {
    load_bars();
    make_trades();
    nx_bench_emit("feat_bar_set_bars", bench_bars(), "bars/s");
    nx_bench_emit("feat_trade_updates", bench_trades(), "trades/s");
    nx_bench_emit("feat_allocs_per_update",
                  updates_total ? (double)allocs_total / (double)updates_total : 0, "allocs/update");
    return 0;
}
