/*
 * bench_ta — streaming indicator throughput.
 *
 * Figures (best of nx_bench_reps() runs of ~0.3 s each):
 *   ind_sma_update          SMA(20) updates/s through the hot-path API, an embedded
 *                           nx_ta_sma_t and the inline nx_ta_sma_update; every
 *                           output is consumed (target >= 200 M/s)
 *   ind_ema_update          EMA(20) updates/s, the same with nx_ta_ema_update
 *   ind_sma_update_generic  SMA(20) updates/s through the handle, nx_ta_update_value
 *   ind_ema_update_generic  EMA(20) updates/s through nx_ta_update_value
 *   ind_full_set_bars       bars/s through one nx_ta_set holding every indicator kind
 *                           (45 members, 61 outputs; target >= 3 M bars/s)
 *   ind_allocs_per_update   allocations per indicator update during the runs above (0)
 *
 * Input: the real BTC 1-minute bars of ../shared/reference when present
 * (NX_SHARED_DIR or $NX_SOURCE_DIR/../shared), else the slice in tests/data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/ta.h"
#include "nexus/time.h"
#include "nx_bench.h"

#define RUN_SECS 0.3
#define MAXBARS 50000

static nx_ta_bar_t bars[MAXBARS];
static double closes[MAXBARS];
static size_t nbars;

/* The whole indicator set of issue 4, one spec per kind (and the VWAP pair). */
static const char full_set[] =
    "sma:20,ema:20,wma:20,dema:20,tema:20,trima:20,kama:30,hma:20,vwma:20,rsi:14,"
    "macd:12:26:9,ppo:12:26:1,bbands:20:2:2,atr:14,natr:14,trange,adx:14,adxr:14,di:14,"
    "cci:20,stoch:14:3:3,stochrsi:14:14:3,willr:14,mfi:14,obv,ad,adosc:3:10,roc:10,mom:10,"
    "cmo:14,aroon:14,aroonosc:14,sar:0.02:0.2,stddev:20:1,var:20,trix:15,ultosc:7:14:28,"
    "ichimoku:9:26:52:26,supertrend:10:3,keltner:20:2:10,donchian:20,vwap,vwap:20,"
    "linregslope:14,zscore:20";

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
        fprintf(stderr, "bench_ta: no bars file (set NX_SOURCE_DIR)\n");
        exit(1);
    }
    char line[512];
    if (!fgets(line, sizeof line, f)) exit(1);
    while (nbars < MAXBARS && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        nx_ta_row_t r;
        if (nx_ta_csv_row(line, len, &r) != 0) {
            fprintf(stderr, "bench_ta: %s: %s\n", path, nx_err_message());
            exit(1);
        }
        bars[nbars] = r.bar;
        closes[nbars] = r.bar.close;
        nbars++;
    }
    fclose(f);
    fprintf(stderr, "bench_ta: %zu bars from %s\n", nbars, path);
}

static uint64_t updates_total, allocs_total;

static double bench_value(const char *spec) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_ta_t *t;
        if (nx_ta_parse(spec, strlen(spec), &t) != 0) exit(1);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        uint64_t n = 0;
        double sink = 0, secs;
        int64_t t0 = nx_mono_now();
        do {
            for (size_t i = 0; i < nbars; i++) {
                nx_ta_update_value(t, closes[i]);
            }
            sink += nx_ta_value(t, 0);
            n += nbars;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_alloc_stats(&a1);
        updates_total += n;
        allocs_total += a1.calls - a0.calls;
        nx_bench_sink((uint64_t)sink);
        if ((double)n / secs > best) best = (double)n / secs;
        nx_ta_free(t);
    }
    return best;
}

/* The hot-path API: state embedded in the caller, inline updates. Every
 * value produced is added to the sink so that no update can be dropped. */
static double bench_inline(int ema) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        double ring[20];
        nx_ta_sma_t sma;
        nx_ta_ema_t em;
        if (nx_ta_sma_init(&sma, 20, ring) != 0 || nx_ta_ema_init(&em, 20, 0) != 0) exit(1);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        uint64_t n = 0;
        double sink = 0, secs;
        int64_t t0 = nx_mono_now();
        do {
            double v = 0;
            if (ema) {
                for (size_t i = 0; i < nbars; i++)
                    if (nx_ta_ema_update(&em, closes[i], &v) > 0) sink += v;
            } else {
                for (size_t i = 0; i < nbars; i++)
                    if (nx_ta_sma_update(&sma, closes[i], &v) > 0) sink += v;
            }
            n += nbars;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_alloc_stats(&a1);
        updates_total += n;
        allocs_total += a1.calls - a0.calls;
        nx_bench_sink((uint64_t)sink);
        if ((double)n / secs > best) best = (double)n / secs;
    }
    return best;
}

static double bench_set(size_t *members) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_ta_set_t *s;
        if (nx_ta_set_new(NX_TA_SET_MAX, &s) != 0 ||
            nx_ta_set_add_list(s, full_set, strlen(full_set)) != 0) {
            fprintf(stderr, "bench_ta: %s\n", nx_err_message());
            exit(1);
        }
        *members = nx_ta_set_count(s);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        uint64_t n = 0;
        double secs;
        int64_t t0 = nx_mono_now();
        do {
            for (size_t i = 0; i < nbars; i++) nx_ta_set_update(s, &bars[i]);
            n += nbars;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_alloc_stats(&a1);
        updates_total += n * *members;
        allocs_total += a1.calls - a0.calls;
        nx_bench_sink((uint64_t)nx_ta_value(nx_ta_set_get(s, 0), 0));
        if ((double)n / secs > best) best = (double)n / secs;
        nx_ta_set_free(s);
    }
    return best;
}

int main(void) {
    load_bars();
    nx_bench_emit("ind_sma_update", bench_inline(0), "updates/s");
    nx_bench_emit("ind_ema_update", bench_inline(1), "updates/s");
    nx_bench_emit("ind_sma_update_generic", bench_value("sma:20"), "updates/s");
    nx_bench_emit("ind_ema_update_generic", bench_value("ema:20"), "updates/s");
    size_t members = 0;
    double bps = bench_set(&members);
    nx_bench_emit("ind_full_set_bars", bps, "bars/s");
    fprintf(stderr, "bench_ta: full set = %zu indicators\n", members);
    nx_bench_emit("ind_allocs_per_update", (double)allocs_total / (double)updates_total,
                  "allocs/update");
    return 0;
}
