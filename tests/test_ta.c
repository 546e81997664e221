/*
 * Streaming indicators (nexus/ta.h): TA-Lib agreement on the slice kept in
 * tests/data, streaming vs batch in chunks, bad input, parameters, names,
 * lookbacks, no allocation per update, the CSV row and number parsers, and
 * naive references for the indicators TA-Lib does not have.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/core.h"
#include "nexus/ta.h"
#include "nexus/time.h"
#include "nx_test.h"
#include "ta/ta_int.h" /* to see which set members share a core */
#include "ta_talib_cmp.h"

/* Every kind, with the options, as a spec. */
static const char *const all_specs[] = {
    "sma:20", "ema:20", "ema:20:seed=first", "wma:20", "dema:20", "tema:20", "trima:20",
    "trima:7", "kama:30", "hma:20", "vwma:20", "rsi:14", "macd:12:26:9",
    "macd:12:26:9:seed=early", "macd:12:26:9:seed=first", "ppo:12:26:0", "ppo:12:26:1",
    "bbands:20:2:2", "bbands:20:2:1.5:ddof=1", "atr:14", "natr:14", "trange", "adx:14",
    "adxr:14", "di:14", "cci:20", "stoch:14:3:3", "stochrsi:14:14:3", "willr:14", "mfi:14",
    "obv", "obv:start=zero", "ad", "adosc:3:10", "roc:10", "mom:10", "cmo:14",
    "cmo:14:form=sum", "aroon:14", "aroonosc:14", "sar:0.02:0.2", "stddev:20:1",
    "stddev:20:2:ddof=1", "var:20", "trix:15", "ultosc:7:14:28", "ichimoku:9:26:52:26",
    "ichimoku:9:26:52:0", "supertrend:10:3", "keltner:20:2:10", "donchian:20", "vwap",
    "vwap:20", "linregslope:14", "zscore:20", "zscore:20:ddof=1",
};
#define NSPECS (sizeof all_specs / sizeof all_specs[0])

static nx_ta_t *mk(const char *spec) {
    nx_ta_t *t = NULL;
    int rc = nx_ta_parse(spec, strlen(spec), &t);
    if (rc != 0) fail_msg("%s: %s", spec, nx_err_message());
    return t;
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* A synthetic stream: 5,000 one-minute bars over 3.5 UTC days, a random walk
 * with flat stretches, zero-volume bars and big jumps. */
#define NSYN 5000
static nx_ta_bar_t syn[NSYN];
static void make_synthetic(void) {
    static int done;
    if (done) return;
    done = 1;
    nx_rng_t r;
    nx_rng_seed(&r, 42);
    double px = 46000;
    int64_t ts = INT64_C(1640995200) * NX_NS_PER_SEC; /* 2022-01-01T00:00Z */
    for (int i = 0; i < NSYN; i++) {
        nx_ta_bar_t *b = &syn[i];
        b->ts = ts + (int64_t)i * NX_NS_PER_MIN;
        int flat = (i / 50) % 10 == 3; /* 50 flat bars out of every 500 */
        double step = flat ? 0 : (nx_rng_double(&r) - 0.5) * 40;
        if (!flat && nx_rng_below(&r, 200) == 0) step *= 20;
        b->open = px;
        px += step;
        b->close = px;
        double hi = b->open > b->close ? b->open : b->close;
        double lo = b->open < b->close ? b->open : b->close;
        b->high = flat ? px : hi + nx_rng_double(&r) * 10;
        b->low = flat ? px : lo - nx_rng_double(&r) * 10;
        b->volume = nx_rng_below(&r, 20) == 0 ? 0 : nx_rng_double(&r) * 1e6;
    }
}

/* ---- TA-Lib agreement on the slice in the repo ---------------------------- */

static void talib_slice_in_repo_agrees_on_every_column(void **state) {
    (void)state;
    ta_ref_t ref;
    char bars[1024], talib[1024], err[2200];
    snprintf(bars, sizeof bars, "%s", nx_test_src_path("tests/data/btc_perp_1m_head300.bars.csv"));
    snprintf(talib, sizeof talib, "%s",
             nx_test_src_path("tests/data/btc_perp_1m_head300.talib.csv.gz"));
    if (ta_ref_load(bars, talib, 0, &ref, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(ref.n, 300);
    for (size_t c = 0; c < TA_NCOLS; c++) {
        ta_cmp_t r;
        int rc = ta_ref_compare(&ref, c, &r);
        if (rc != 0)
            fail_msg("%s (%s): %zu ready mismatches, %zu out of tolerance (max rel %g), first bar %zu",
                     ta_cols[c].column, ta_cols[c].spec, r.ready_mismatch, r.out_of_tol,
                     r.max_rel, r.first_bad);
        assert_true(r.compared >= 300 - 58);
    }
    ta_ref_free(&ref);
}

/* ---- streaming vs batch ------------------------------------------------------- */

static void streaming_equals_batch_in_chunks_of_1_2_3_7_100_and_all(void **state) {
    (void)state;
    make_synthetic();
    static int64_t ts[NSYN];
    static double o[NSYN], h[NSYN], l[NSYN], c[NSYN], v[NSYN];
    for (int i = 0; i < NSYN; i++) {
        ts[i] = syn[i].ts;
        o[i] = syn[i].open;
        h[i] = syn[i].high;
        l[i] = syn[i].low;
        c[i] = syn[i].close;
        v[i] = syn[i].volume;
    }
    nx_ta_series_t in = {ts, o, h, l, c, v};
    static double stream[NX_TA_MAX_OUT][NSYN], batch[NX_TA_MAX_OUT][NSYN];
    const size_t chunks[] = {1, 2, 3, 7, 100, NSYN};
    for (size_t s = 0; s < NSPECS; s++) {
        nx_ta_t *t = mk(all_specs[s]);
        size_t no = nx_ta_outputs(t);
        for (int i = 0; i < NSYN; i++) {
            assert_int_equal(nx_ta_update(t, &syn[i]), 0);
            for (size_t k = 0; k < no; k++) stream[k][i] = nx_ta_value(t, k);
        }
        assert_true(nx_ta_ready(t));
        for (size_t ci = 0; ci < NX_ARRAY_LEN(chunks); ci++) {
            nx_ta_reset(t);
            assert_int_equal(nx_ta_ready(t), 0);
            size_t step = chunks[ci];
            for (size_t b = 0; b < NSYN; b += step) {
                size_t n = b + step > NSYN ? NSYN - b : step;
                nx_ta_series_t part = {in.ts + b, in.open + b, in.high + b,
                                       in.low + b, in.close + b, in.volume + b};
                double *outs[NX_TA_MAX_OUT];
                for (size_t k = 0; k < NX_TA_MAX_OUT; k++) outs[k] = batch[k] + b;
                assert_int_equal(nx_ta_batch(t, &part, n, outs, NULL), 0);
            }
            for (size_t k = 0; k < no; k++)
                for (int i = 0; i < NSYN; i++)
                    if (!same(stream[k][i], batch[k][i]))
                        fail_msg("%s output %zu bar %d chunk %zu: stream %.17g batch %.17g",
                                 all_specs[s], k, i, step, stream[k][i], batch[k][i]);
        }
        /* value indicators: the value interface gives the same as bars */
        if (!nx_ta_needs_bars(t)) {
            nx_ta_reset(t);
            for (int i = 0; i < NSYN; i++) {
                assert_int_equal(nx_ta_update_value(t, c[i]), 0);
                for (size_t k = 0; k < no; k++)
                    if (!same(stream[k][i], nx_ta_value(t, k)))
                        fail_msg("%s: value interface differs at %d", all_specs[s], i);
            }
        }
        nx_ta_free(t);
    }
}

static void a_set_gives_the_same_values_as_its_members_alone(void **state) {
    (void)state;
    make_synthetic();
    nx_ta_set_t *set;
    assert_int_equal(nx_ta_set_new(NSPECS, &set), 0);
    nx_ta_t *alone[NSPECS];
    for (size_t s = 0; s < NSPECS; s++) {
        assert_int_equal(nx_ta_set_add(set, mk(all_specs[s])), 0);
        alone[s] = mk(all_specs[s]);
    }
    for (int i = 0; i < NSYN; i++) {
        assert_int_equal(nx_ta_set_update(set, &syn[i]), 0);
        for (size_t s = 0; s < NSPECS; s++) {
            assert_int_equal(nx_ta_update(alone[s], &syn[i]), 0);
            nx_ta_t *m = nx_ta_set_get(set, s);
            assert_int_equal(nx_ta_ready(m), nx_ta_ready(alone[s]));
            for (size_t k = 0; k < nx_ta_outputs(m); k++)
                assert_true(same(nx_ta_value(m, k), nx_ta_value(alone[s], k)));
        }
    }
    size_t nout = 0;
    for (size_t s = 0; s < NSPECS; s++) {
        nout += nx_ta_outputs(alone[s]);
        nx_ta_free(alone[s]);
    }
    assert_int_equal(nx_ta_set_outputs(set), nout);
    nx_ta_t *extra = mk("sma:3");
    assert_int_equal(nx_ta_set_add(set, extra), NX_ELIMIT);
    nx_ta_free(extra);
    nx_ta_set_free(set);
}

/* ---- the hot-path API: embedded SMA / EMA with inline updates ---------------- */

static void inline_sma_and_ema_equal_the_generic_updates_bit_for_bit(void **state) {
    (void)state;
    make_synthetic();
    static const uint32_t periods[] = {1, 2, 3, 20, 200};
    for (size_t p = 0; p < NX_ARRAY_LEN(periods); p++) {
        uint32_t n = periods[p];
        char spec[64];
        static double ring[200];
        nx_ta_sma_t sma = {0};
        nx_ta_ema_t ema = {0}, emaf = {0};
        assert_int_equal(nx_ta_sma_init(&sma, n, ring), 0);
        assert_int_equal(nx_ta_ema_init(&ema, n, 0), 0);
        assert_int_equal(nx_ta_ema_init(&emaf, n, NX_TA_OPT_SEED_FIRST), 0);
        snprintf(spec, sizeof spec, "sma:%u", n);
        nx_ta_t *gs = mk(spec);
        snprintf(spec, sizeof spec, "ema:%u", n);
        nx_ta_t *ge = mk(spec);
        snprintf(spec, sizeof spec, "ema:%u:seed=first", n);
        nx_ta_t *gf = mk(spec);
        for (int i = 0; i < NSYN; i++) {
            double x = syn[i].close, vs = NAN, ve = NAN, vf = NAN;
            int rs = nx_ta_sma_update(&sma, x, &vs), re = nx_ta_ema_update(&ema, x, &ve),
                rf = nx_ta_ema_update(&emaf, x, &vf);
            assert_int_equal(nx_ta_update_value(gs, x), 0);
            assert_int_equal(nx_ta_update_value(ge, x), 0);
            assert_int_equal(nx_ta_update_value(gf, x), 0);
            assert_int_equal(rs, i >= (int)n - 1);
            assert_int_equal(re, i >= (int)n - 1);
            assert_int_equal(rf, i >= (int)n - 1);
            assert_true(same(rs ? vs : NAN, nx_ta_value(gs, 0)));
            assert_true(same(re ? ve : NAN, nx_ta_value(ge, 0)));
            assert_true(same(rf ? vf : NAN, nx_ta_value(gf, 0)));
            if (re) assert_true(same(ema.value, ve));
        }
        assert_int_equal(sma.count, NSYN);
        assert_int_equal(ema.count, NSYN);
        /* a bad input is refused with its index and changes nothing */
        nx_ta_sma_t before = sma;
        double v = 7;
        assert_int_equal(nx_ta_sma_update(&sma, NAN, &v), NX_EINVAL);
        assert_true(strstr(nx_err_message(), "input 5000: value is NaN") != NULL);
        assert_int_equal(nx_ta_ema_update(&ema, INFINITY, &v), NX_EINVAL);
        assert_true(strstr(nx_err_message(), "infinite") != NULL);
        assert_true(v == 7);
        assert_memory_equal(&before, &sma, sizeof sma);
        nx_ta_free(gs);
        nx_ta_free(ge);
        nx_ta_free(gf);
    }
    nx_ta_sma_t s;
    nx_ta_ema_t e;
    double ring[4];
    assert_int_equal(nx_ta_sma_init(&s, 0, ring), NX_EINVAL);
    assert_true(strstr(nx_err_message(), "period") != NULL);
    assert_int_equal(nx_ta_sma_init(&s, 4, NULL), NX_EINVAL);
    assert_int_equal(nx_ta_sma_init(&s, NX_TA_PERIOD_MAX + 1u, ring), NX_EINVAL);
    assert_int_equal(nx_ta_ema_init(&e, 0, 0), NX_EINVAL);
    assert_int_equal(nx_ta_ema_init(&e, 10, NX_TA_OPT_SAMPLE), NX_EINVAL);
    assert_true(strstr(nx_err_message(), "option") != NULL);
}

/* ---- sets share cores between members ------------------------------------------ */

/* Members that share a core, in the order that shares and its reverse, plus
 * ones that must not share (other periods, CMO's sum form). */
static const char share_list[] =
    "adx:14,adxr:14,di:14,di:7,rsi:14,cmo:14,cmo:14:form=sum,stochrsi:14:14:3,rsi:9,"
    "stoch:14:3:3,willr:14,donchian:14,aroon:13,aroonosc:13,stoch:14:1:1,willr:13,"
    "atr:10,natr:10,supertrend:10:3,keltner:20:2:10,atr:14";
static const char share_list_rev[] =
    "atr:14,keltner:20:2:10,supertrend:10:3,natr:10,atr:10,willr:13,stoch:14:1:1,"
    "aroonosc:13,aroon:13,donchian:14,willr:14,stoch:14:3:3,rsi:9,stochrsi:14:14:3,"
    "cmo:14:form=sum,cmo:14,rsi:14,di:7,di:14,adxr:14,adx:14";

static size_t set_followers(const nx_ta_set_t *set) {
    size_t k = 0;
    for (size_t i = 0; i < nx_ta_set_count(set); i++) {
        const nx_ta_t *t = nx_ta_set_get(set, i);
        k += t->share && !t->share->own;
    }
    return k;
}

static void check_set_against_alone(const char *list, size_t followers) {
    nx_ta_set_t *set;
    assert_int_equal(nx_ta_set_new(64, &set), 0);
    assert_int_equal(nx_ta_set_add_list(set, list, strlen(list)), 0);
    assert_int_equal(set_followers(set), followers);
    /* one member joins late (after 100 bars): it must run its own core */
    nx_ta_t *late = mk("adx:14");
    size_t n = nx_ta_set_count(set);
    nx_ta_t *alone[64], *late_alone = mk("adx:14");
    /* the alone copies, parsed from the same list */
    {
        size_t pos = 0, s = 0, len = strlen(list);
        while (pos < len) {
            size_t b = pos;
            while (pos < len && list[pos] != ',') pos++;
            assert_int_equal(nx_ta_parse(list + b, pos - b, &alone[s++]), 0);
            pos++;
        }
        assert_int_equal(s, n);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < NSYN; i++) {
            if (pass == 0 && i == 100) assert_int_equal(nx_ta_set_add(set, late), 0);
            assert_int_equal(nx_ta_set_update(set, &syn[i]), 0);
            for (size_t s = 0; s < n; s++) {
                assert_int_equal(nx_ta_update(alone[s], &syn[i]), 0);
                nx_ta_t *m = nx_ta_set_get(set, s);
                assert_int_equal(nx_ta_ready(m), nx_ta_ready(alone[s]));
                for (size_t k = 0; k < nx_ta_outputs(m); k++)
                    if (!same(nx_ta_value(m, k), nx_ta_value(alone[s], k)))
                        fail_msg("%s bar %d: %.17g vs %.17g alone", nx_ta_output_name(m, k), i,
                                 nx_ta_value(m, k), nx_ta_value(alone[s], k));
            }
            if (pass == 1 || i >= 100) {
                assert_int_equal(nx_ta_update(late_alone, &syn[i]), 0);
                assert_true(same(nx_ta_value(late, 0), nx_ta_value(late_alone, 0)));
            }
        }
        /* the second pass: after a set reset, against fresh objects */
        /* the late one ran its own core; after the reset it shares */
        assert_int_equal(set_followers(set), followers + (size_t)pass);
        nx_ta_set_reset(set);
        assert_int_equal(set_followers(set), followers + 1);
        for (size_t s = 0; s < n; s++) nx_ta_reset(alone[s]);
        nx_ta_reset(late_alone);
        for (size_t s = 0; s < n; s++) assert_int_equal(nx_ta_ready(nx_ta_set_get(set, s)), 0);
    }
    /* members are updated through their set only */
    nx_ta_t *m = nx_ta_set_get(set, 1);
    assert_int_equal(nx_ta_update(m, &syn[0]), NX_EINVAL);
    assert_true(strstr(nx_err_message(), "belongs to a set") != NULL);
    nx_ta_t *r = nx_ta_set_get(set, 4); /* rsi:14 in share_list, a value indicator either way */
    if (!nx_ta_needs_bars(r)) assert_int_equal(nx_ta_update_value(r, 1.0), NX_EINVAL);
    nx_ta_set_t *other;
    assert_int_equal(nx_ta_set_new(2, &other), 0);
    assert_int_equal(nx_ta_set_add(other, m), NX_EINVAL);
    nx_ta_set_free(other);
    for (size_t s = 0; s < n; s++) nx_ta_free(alone[s]);
    nx_ta_free(late_alone);
    nx_ta_set_free(set);
}

static void set_members_sharing_a_core_equal_their_standalone_selves(void **state) {
    (void)state;
    make_synthetic();
    /* adxr, di:14 on adx; cmo:14, stochrsi on rsi:14; stoch:14:1:1, willr:14,
     * donchian:14 on stoch:14:3:3; aroonosc on aroon; natr, supertrend, keltner on atr:10 */
    check_set_against_alone(share_list, 11);
    /* supertrend, natr, atr:10 on keltner; aroon on aroonosc; donchian, willr:14,
     * stoch:14:3:3 on stoch:14:1:1; cmo:14, rsi:14 on stochrsi; adx on adxr (di:14
     * cannot stand for an ADX core) */
    check_set_against_alone(share_list_rev, 10);
}

/* ---- rolling extremes (block algorithm) against a naive scan ---------------- */

static void rolling_extremes_and_their_ages_match_a_naive_scan(void **state) {
    (void)state;
    make_synthetic();
    static const int windows[] = {1, 2, 3, 7, 20, 64};
    for (size_t w = 0; w < NX_ARRAY_LEN(windows); w++) {
        int n = windows[w];
        char spec[64];
        snprintf(spec, sizeof spec, "donchian:%d", n);
        nx_ta_t *don = mk(spec);
        snprintf(spec, sizeof spec, "aroon:%d", n); /* window n+1, latest index among ties */
        nx_ta_t *ar = mk(spec);
        for (int i = 0; i < NSYN; i++) {
            assert_int_equal(nx_ta_update(don, &syn[i]), 0);
            assert_int_equal(nx_ta_update(ar, &syn[i]), 0);
            if (i >= n - 1) {
                double hh = -INFINITY, ll = INFINITY;
                for (int k = i - n + 1; k <= i; k++) {
                    hh = fmax(hh, syn[k].high);
                    ll = fmin(ll, syn[k].low);
                }
                assert_true(nx_ta_value(don, 0) == hh && nx_ta_value(don, 2) == ll);
            }
            if (i >= n) {
                int hi = i - n, lo = i - n;
                for (int k = i - n; k <= i; k++) {
                    if (syn[k].high >= syn[hi].high) hi = k;
                    if (syn[k].low <= syn[lo].low) lo = k;
                }
                double up = 100.0 / n * (double)(n - (i - hi)), dn = 100.0 / n * (double)(n - (i - lo));
                if (nx_ta_value(ar, 0) != up || nx_ta_value(ar, 1) != dn)
                    fail_msg("aroon:%d bar %d: %g %g, naive %g %g", n, i, nx_ta_value(ar, 0),
                             nx_ta_value(ar, 1), up, dn);
            }
        }
        nx_ta_free(don);
        nx_ta_free(ar);
    }
}

/* ---- lookback, names, parameters ---------------------------------------------- */

static void first_value_arrives_after_exactly_lookback_updates(void **state) {
    (void)state;
    make_synthetic();
    for (size_t s = 0; s < NSPECS; s++) {
        nx_ta_t *t = mk(all_specs[s]);
        int first = -1;
        for (int i = 0; i < NSYN && first < 0; i++) {
            assert_int_equal(nx_ta_update(t, &syn[i]), 0);
            if (nx_ta_ready(t)) first = i;
            else assert_true(isnan(nx_ta_value(t, 0)));
        }
        if (first != nx_ta_lookback(t))
            fail_msg("%s: first value at %d, lookback %d", all_specs[s], first,
                     nx_ta_lookback(t));
        nx_ta_free(t);
    }
}

static void column_names_keep_the_parameters_as_written(void **state) {
    (void)state;
    static const struct {
        const char *spec;
        const char *names[5];
    } cases[] = {
        {"sma:20", {"sma_20"}},
        {"rsi:14", {"rsi_14"}},
        {"macd:12:26:9", {"macd_12_26_9_macd", "macd_12_26_9_signal", "macd_12_26_9_hist"}},
        {"bbands:20:2:2", {"bbands_20_2_2_upper", "bbands_20_2_2_middle", "bbands_20_2_2_lower"}},
        {"stoch:14:3:3", {"stoch_14_3_3_slowk", "stoch_14_3_3_slowd"}},
        {"aroon:14", {"aroon_14_up", "aroon_14_down"}},
        {"sar:0.02:0.2", {"sar_0.02_0.2"}},
        {"sar:.020:0.20", {"sar_.020_0.20"}},
        {"obv", {"obv"}},
        {"ad", {"ad"}},
        {"trange", {"trange"}},
        {"ema:20:seed=first", {"ema_20_seed=first"}},
        {"ichimoku", {"ichimoku_tenkan", "ichimoku_kijun", "ichimoku_senkou_a", "ichimoku_senkou_b"}},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(cases); i++) {
        nx_ta_t *t = mk(cases[i].spec);
        for (size_t k = 0; k < nx_ta_outputs(t); k++)
            assert_string_equal(nx_ta_output_name(t, k), cases[i].names[k]);
        assert_null(nx_ta_output_name(t, nx_ta_outputs(t)));
        nx_ta_free(t);
    }
    /* nx_ta_new formats the parameters */
    nx_ta_t *t;
    double p[] = {12, 26, 9};
    assert_int_equal(nx_ta_new(NX_TA_MACD, p, 3, 0, &t), 0);
    assert_string_equal(nx_ta_output_name(t, 2), "macd_12_26_9_hist");
    nx_ta_free(t);
    double q[] = {0.02, 0.2};
    assert_int_equal(nx_ta_new(NX_TA_SAR, q, 2, 0, &t), 0);
    assert_string_equal(nx_ta_output_name(t, 0), "sar_0.02_0.2");
    nx_ta_free(t);
}

static void bad_parameters_are_rejected_with_a_message(void **state) {
    (void)state;
    static const struct {
        const char *spec;
        const char *msg;
    } bad[] = {
        {"sma:0", "period must be an integer in [1, 100000], got 0"},
        {"sma:-3", "period must be"},
        {"sma:2.5", "period must be an integer"},
        {"sma:100001", "period must be"},
        {"sma:abc", "parameter 'abc' is not a number"},
        {"sma:nan", "parameter 'nan' is not a number"},
        {"sma:inf", "is not a number"},
        {"sma:20:5", "at most 1 parameter"},
        {"sma:", "empty parameter"},
        {"sma::20", "empty parameter"},
        {"smax:20", "unknown indicator 'smax'"},
        {"", "empty indicator spec"},
        {"sma 20", "not allowed"},
        {"sma,20", "not allowed"},
        {"ema:20:seed=bogus", "does not take the option 'seed=bogus'"},
        {"sma:20:seed=first", "does not take the option"},
        {"obv:3", "at most 0 parameters"},
        {"bbands:20:nan:2", "not a number"},
        {"sar:-0.02", "accel must be a number in"},
        {"kama:30:40:30", "fast (40) must not exceed slow (30)"},
        {"ppo:12:26:2", "matype must be an integer in [0, 1]"},
        {"ppo:12:26:0:seed=first", "needs matype 1"},
        {"stddev:1:1:ddof=1", "needs period >= 2"},
        {"hma:1", "period must be an integer in [2,"},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++) {
        nx_ta_t *t = NULL;
        int rc = nx_ta_parse(bad[i].spec, strlen(bad[i].spec), &t);
        if (rc != NX_EINVAL) fail_msg("'%s' gave %d", bad[i].spec, rc);
        assert_null(t);
        if (!strstr(nx_err_message(), bad[i].msg))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].spec, nx_err_message(), bad[i].msg);
    }
    nx_ta_t *t = NULL;
    double zero = 0, nanv = NAN;
    assert_int_equal(nx_ta_new(NX_TA_SMA, &zero, 1, 0, &t), NX_EINVAL);
    assert_int_equal(nx_ta_new(NX_TA_EMA, &nanv, 1, 0, &t), NX_EINVAL);
    assert_int_equal(nx_ta_new(NX_TA_SMA, NULL, 0, NX_TA_OPT_SAMPLE, &t), NX_EINVAL);
    assert_int_equal(nx_ta_new((nx_ta_kind_t)999, NULL, 0, 0, &t), NX_EINVAL);
    assert_null(t);
    /* defaults when no parameters are given (TA-Lib's) */
    t = mk("rsi");
    assert_int_equal(nx_ta_lookback(t), 14);
    assert_string_equal(nx_ta_output_name(t, 0), "rsi");
    nx_ta_free(t);
    nx_ta_set_t *set;
    assert_int_equal(nx_ta_set_new(8, &set), 0);
    assert_int_equal(nx_ta_set_add_list(set, "sma:20,rsi:14,", 14), NX_EINVAL);
    assert_int_equal(nx_ta_set_add_list(set, "x", 1), NX_EINVAL);
    assert_true(strstr(nx_err_message(), "unknown indicator 'x'") != NULL);
    nx_ta_set_free(set);
}

/* ---- bad input -------------------------------------------------------------- */

static void bad_inputs_are_rejected_with_the_row_and_change_nothing(void **state) {
    (void)state;
    make_synthetic();
    const nx_ta_bar_t good = syn[100];
    struct {
        nx_ta_bar_t bar;
        const char *msg;
    } bad[] = {
        {good, "close is NaN"}, {good, "high is infinite"}, {good, "volume is infinite"},
        {good, "negative volume"}, {good, "open is NaN"},
    };
    bad[0].bar.close = NAN;
    bad[1].bar.high = INFINITY;
    bad[2].bar.volume = INFINITY;
    bad[3].bar.volume = -1;
    bad[4].bar.open = NAN;
    for (size_t s = 0; s < NSPECS; s++) {
        nx_ta_t *a = mk(all_specs[s]), *b = mk(all_specs[s]);
        for (int i = 0; i < 200; i++) {
            assert_int_equal(nx_ta_update(a, &syn[i]), 0);
            assert_int_equal(nx_ta_update(b, &syn[i]), 0);
            if (i == 57) {
                for (size_t k = 0; k < NX_ARRAY_LEN(bad); k++) {
                    assert_int_equal(nx_ta_update(b, &bad[k].bar), NX_EINVAL);
                    assert_true(strstr(nx_err_message(), "input 58: ") != NULL);
                    assert_true(strstr(nx_err_message(), bad[k].msg) != NULL);
                }
                if (!nx_ta_needs_bars(b)) {
                    assert_int_equal(nx_ta_update_value(b, NAN), NX_EINVAL);
                    assert_int_equal(nx_ta_update_value(b, -INFINITY), NX_EINVAL);
                    assert_true(strstr(nx_err_message(), "input 58: value is infinite") != NULL);
                }
            }
            for (size_t k = 0; k < nx_ta_outputs(a); k++)
                assert_true(same(nx_ta_value(a, k), nx_ta_value(b, k)));
        }
        assert_int_equal(nx_ta_count(a), nx_ta_count(b));
        if (nx_ta_needs_bars(a)) {
            assert_int_equal(nx_ta_update_value(a, 1.0), NX_EINVAL);
            assert_true(strstr(nx_err_message(), "needs bars") != NULL);
        }
        nx_ta_free(a);
        nx_ta_free(b);
    }
    /* batch: the row index of the bad row */
    double c[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, v[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    c[6] = NAN;
    nx_ta_series_t in = {NULL, NULL, c, c, c, v};
    nx_ta_t *t = mk("sma:3");
    size_t row = 99;
    double out[10];
    double *outs[1] = {out};
    assert_int_equal(nx_ta_batch(t, &in, 10, outs, &row), NX_EINVAL);
    assert_int_equal(row, 6);
    assert_true(strstr(nx_err_message(), "row 6") != NULL);
    assert_int_equal(nx_ta_count(t), 6);
    assert_true(out[5] == 5.0);
    nx_ta_free(t);
    /* a set names the bad input too */
    nx_ta_set_t *set;
    assert_int_equal(nx_ta_set_new(2, &set), 0);
    assert_int_equal(nx_ta_set_add_list(set, "sma:2,obv", 9), 0);
    assert_int_equal(nx_ta_set_update(set, &syn[0]), 0);
    nx_ta_bar_t neg = syn[1];
    neg.volume = -5;
    assert_int_equal(nx_ta_set_update(set, &neg), NX_EINVAL);
    assert_true(strstr(nx_err_message(), "input 1: negative volume") != NULL);
    nx_ta_set_free(set);
}

/* ---- no allocation per update ----------------------------------------------- */

static void no_indicator_allocates_per_update(void **state) {
    (void)state;
    make_synthetic();
    nx_ta_t *t[NSPECS];
    for (size_t s = 0; s < NSPECS; s++) t[s] = mk(all_specs[s]);
    nx_ta_set_t *set;
    assert_int_equal(nx_ta_set_new(4, &set), 0);
    const char *list = "sma:20,macd:12:26:9,cci:20,ichimoku";
    assert_int_equal(nx_ta_set_add_list(set, list, strlen(list)), 0);
    nx_alloc_stats_t before, after;
    nx_alloc_stats(&before);
    for (int i = 0; i < 10000; i++) {
        const nx_ta_bar_t *b = &syn[i % NSYN];
        for (size_t s = 0; s < NSPECS; s++) {
            assert_int_equal(nx_ta_update(t[s], b), 0);
            if (!nx_ta_needs_bars(t[s])) assert_int_equal(nx_ta_update_value(t[s], b->close), 0);
        }
        assert_int_equal(nx_ta_set_update(set, b), 0);
    }
    for (size_t s = 0; s < NSPECS; s++) nx_ta_reset(t[s]);
    nx_alloc_stats(&after);
    assert_int_equal(after.calls, before.calls);
    assert_int_equal(after.frees, before.frees);
    for (size_t s = 0; s < NSPECS; s++) nx_ta_free(t[s]);
    nx_ta_set_free(set);
}

static void allocation_failure_is_reported(void **state) {
    (void)state;
    nx_ta_t *t = NULL;
    nx_alloc_fail_at(1, 0);
    assert_int_equal(nx_ta_parse("macd:12:26:9", 12, &t), NX_ENOMEM);
    assert_null(t);
    nx_ta_set_t *s = NULL;
    nx_alloc_fail_at(1, 0);
    assert_int_equal(nx_ta_set_new(4, &s), NX_ENOMEM);
    assert_int_equal(nx_ta_set_new(4, &s), 0);
    nx_alloc_fail_at(2, 0); /* the second spec fails; the first stays */
    assert_int_equal(nx_ta_set_add_list(s, "sma:3,ema:3", 11), NX_ENOMEM);
    assert_int_equal(nx_ta_set_count(s), 1);
    nx_alloc_fail_at(0, 0);
    nx_ta_set_free(s);
}

/* ---- naive references for the indicators TA-Lib does not have --------------- */

static double naive_wma(const double *x, int end, int n) {
    double s = 0, w = 0;
    for (int k = 0; k < n; k++) {
        s += x[end - k] * (n - k);
        w += n - k;
    }
    return s / w;
}

static void non_talib_indicators_match_naive_definitions(void **state) {
    (void)state;
    make_synthetic();
    static double c[NSYN], diff[NSYN];
    for (int i = 0; i < NSYN; i++) c[i] = syn[i].close;
    nx_ta_t *hma = mk("hma:20"), *vwma = mk("vwma:20"), *don = mk("donchian:20"),
            *lin = mk("linregslope:14"), *z = mk("zscore:20"), *zs = mk("zscore:20:ddof=1"),
            *vw = mk("vwap:20"), *ich = mk("ichimoku:9:26:52:26"), *kel = mk("keltner:20:2:10"),
            *ema = mk("ema:20"), *atr = mk("atr:10"), *trima = mk("trima:20"),
            *cmos = mk("cmo:14:form=sum"), *sdd = mk("stddev:20:1:ddof=1"), *osc = mk("aroonosc:14"),
            *ar = mk("aroon:14"), *adxr = mk("adxr:14"), *adx = mk("adx:14");
    static double adxv[NSYN];
    for (int i = 0; i < NSYN; i++) {
        const nx_ta_bar_t *b = &syn[i];
        nx_ta_t *all[] = {hma, vwma, don, lin, z, zs, vw, ich, kel, ema, atr, trima, cmos, sdd, osc, ar, adxr, adx};
        for (size_t k = 0; k < NX_ARRAY_LEN(all); k++) assert_int_equal(nx_ta_update(all[k], b), 0);
        adxv[i] = nx_ta_value(adx, 0);
        /* HMA */
        if (i >= 19) diff[i] = 2 * naive_wma(c, i, 10) - naive_wma(c, i, 20);
        if (i >= 19 + 3) {
            double want = naive_wma(diff, i, 4);
            assert_true(fabs(nx_ta_value(hma, 0) - want) <= 1e-9 * fabs(want));
        }
        if (i >= 19) {
            double spv = 0, sv = 0, hh = -INFINITY, ll = INFINITY, m = 0, tpv = 0;
            for (int k = i - 19; k <= i; k++) {
                spv += syn[k].close * syn[k].volume;
                sv += syn[k].volume;
                hh = fmax(hh, syn[k].high);
                ll = fmin(ll, syn[k].low);
                m += c[k];
                tpv += (syn[k].high + syn[k].low + syn[k].close) / 3 * syn[k].volume;
            }
            m /= 20;
            double var = 0;
            for (int k = i - 19; k <= i; k++) var += (c[k] - m) * (c[k] - m);
            double want = sv > 0 ? spv / sv : m;
            assert_true(fabs(nx_ta_value(vwma, 0) - want) <= 1e-9 * want);
            assert_true(nx_ta_value(don, 0) == hh && nx_ta_value(don, 2) == ll);
            assert_true(nx_ta_value(don, 1) == (hh + ll) / 2);
            if (var / 20 > 1e-6) {
                double zw = (c[i] - m) / sqrt(var / 20), zsw = (c[i] - m) / sqrt(var / 19);
                assert_true(fabs(nx_ta_value(z, 0) - zw) <= 1e-7 * fmax(1, fabs(zw)));
                assert_true(fabs(nx_ta_value(zs, 0) - zsw) <= 1e-7 * fmax(1, fabs(zsw)));
                /* TA-Lib's mean(x^2) - mean(x)^2 loses digits relative to the
                 * price level, not to the deviation: compare variances on that scale */
                double sd = nx_ta_value(sdd, 0);
                assert_true(fabs(sd * sd - var / 19) <= 1e-12 * m * m);
            } else {
                assert_true(fabs(nx_ta_value(z, 0)) < 1e-3);
            }
            if (sv > 0) {
                double vwant = tpv / sv;
                assert_true(fabs(nx_ta_value(vw, 0) - vwant) <= 1e-9 * vwant);
            }
            /* TRIMA: weights 1..10,10..1 for n = 20 */
            double ts = 0, tw = 0;
            for (int k = 0; k < 20; k++) {
                double w = k < 10 ? k + 1 : 20 - k;
                ts += c[i - k] * w;
                tw += w;
            }
            assert_true(fabs(nx_ta_value(trima, 0) - ts / tw) <= 1e-9 * (ts / tw));
        }
        if (i >= 13) { /* least-squares slope over 14 bars */
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (int k = 0; k < 14; k++) {
                double x = k, y = c[i - 13 + k];
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double want = (14 * sxy - sx * sy) / (14 * sxx - sx * sx);
            assert_true(fabs(nx_ta_value(lin, 0) - want) <= 1e-9 * fmax(1, fabs(want)));
        }
        if (i >= 14) { /* CMO, Chande's sums */
            double up = 0, dn = 0;
            for (int k = i - 13; k <= i; k++) {
                double d = c[k] - c[k - 1];
                if (d > 0) up += d;
                else dn -= d;
            }
            double want = up + dn > 0 ? 100 * (up - dn) / (up + dn) : 0;
            assert_true(fabs(nx_ta_value(cmos, 0) - want) <= 1e-9 * fmax(1, fabs(want)));
            assert_true(fabs(nx_ta_value(osc, 0) - (nx_ta_value(ar, 0) - nx_ta_value(ar, 1))) <= 1e-12);
        }
        if (i >= 51 + 26) { /* Ichimoku: spans computed 26 bars ago */
            double h9 = -INFINITY, l9 = INFINITY, h26 = -INFINITY, l26 = INFINITY;
            double h52 = -INFINITY, l52 = INFINITY, a9h = -INFINITY, a9l = INFINITY, a26h = -INFINITY,
                   a26l = INFINITY;
            for (int k = 0; k < 52; k++) {
                const nx_ta_bar_t *p = &syn[i - 26 - k];
                h52 = fmax(h52, p->high);
                l52 = fmin(l52, p->low);
                if (k < 9) {
                    a9h = fmax(a9h, p->high);
                    a9l = fmin(a9l, p->low);
                }
                if (k < 26) {
                    a26h = fmax(a26h, p->high);
                    a26l = fmin(a26l, p->low);
                }
            }
            for (int k = 0; k < 26; k++) {
                const nx_ta_bar_t *p = &syn[i - k];
                h26 = fmax(h26, p->high);
                l26 = fmin(l26, p->low);
                if (k < 9) {
                    h9 = fmax(h9, p->high);
                    l9 = fmin(l9, p->low);
                }
            }
            assert_true(nx_ta_value(ich, 0) == (h9 + l9) / 2);
            assert_true(nx_ta_value(ich, 1) == (h26 + l26) / 2);
            assert_true(nx_ta_value(ich, 2) == ((a9h + a9l) / 2 + (a26h + a26l) / 2) / 2);
            assert_true(nx_ta_value(ich, 3) == (h52 + l52) / 2);
        }
        if (nx_ta_ready(kel)) { /* Keltner = EMA +- mult x ATR, from our own EMA and ATR */
            double mid = nx_ta_value(ema, 0), w = 2 * nx_ta_value(atr, 0);
            assert_true(nx_ta_value(kel, 1) == mid);
            assert_true(nx_ta_value(kel, 0) == mid + w && nx_ta_value(kel, 2) == mid - w);
        }
        if (nx_ta_ready(adxr)) /* ADXR = (ADX now + ADX 13 bars ago) / 2 */
            assert_true(nx_ta_value(adxr, 0) == (adxv[i] + adxv[i - 13]) / 2.0);
    }
    nx_ta_t *all[] = {hma, vwma, don, lin, z, zs, vw, ich, kel, ema, atr, trima, cmos, sdd, osc, ar, adxr, adx};
    for (size_t k = 0; k < NX_ARRAY_LEN(all); k++) nx_ta_free(all[k]);
}

static void session_vwap_restarts_at_utc_midnight(void **state) {
    (void)state;
    nx_ta_t *t = mk("vwap");
    int64_t day = INT64_C(1640995200) * NX_NS_PER_SEC;
    nx_ta_bar_t b = {day - NX_NS_PER_MIN, 10, 12, 8, 10, 100}; /* tp 10 */
    assert_int_equal(nx_ta_update(t, &b), 0);
    assert_true(nx_ta_value(t, 0) == 10);
    b.ts = day - 1; /* same day: tp 20, volume 300 */
    b.high = b.low = b.close = 20;
    b.volume = 300;
    assert_int_equal(nx_ta_update(t, &b), 0);
    assert_true(nx_ta_value(t, 0) == (10 * 100 + 20 * 300) / 400.0);
    b.ts = day; /* new session */
    b.high = b.low = b.close = 30;
    b.volume = 0; /* no volume yet: the typical price */
    assert_int_equal(nx_ta_update(t, &b), 0);
    assert_true(nx_ta_value(t, 0) == 30);
    b.volume = 5;
    b.high = b.low = b.close = 40;
    assert_int_equal(nx_ta_update(t, &b), 0);
    assert_true(nx_ta_value(t, 0) == 40);
    nx_ta_free(t);
}

static void supertrend_follows_the_band_on_the_trend_side(void **state) {
    (void)state;
    make_synthetic();
    nx_ta_t *t = mk("supertrend:10:3"), *atr = mk("atr:10");
    int flips = 0;
    double prev_dir = 0;
    for (int i = 0; i < NSYN; i++) {
        assert_int_equal(nx_ta_update(t, &syn[i]), 0);
        assert_int_equal(nx_ta_update(atr, &syn[i]), 0);
        if (!nx_ta_ready(t)) continue;
        double v = nx_ta_value(t, 0), dir = nx_ta_value(t, 1);
        assert_true(dir == 1 || dir == -1);
        /* the stop is on the right side of the close right after each flip */
        if (prev_dir != 0 && dir != prev_dir) {
            flips++;
            if (dir == 1) assert_true(v <= syn[i].close);
            else assert_true(v >= syn[i].close);
        }
        /* the band never moves against the trend while it holds */
        prev_dir = dir;
    }
    assert_true(flips > 10);
    nx_ta_free(t);
    nx_ta_free(atr);
}

/* ---- options ----------------------------------------------------------------- */

static void convention_options_change_what_they_say(void **state) {
    (void)state;
    make_synthetic();
    nx_ta_t *obv = mk("obv"), *obv0 = mk("obv:start=zero"), *e = mk("ema:10:seed=first"),
            *me = mk("macd:12:26:9:seed=early"), *e12 = mk("ema:12"), *e26 = mk("ema:26"),
            *mf = mk("macd:3:5:2:seed=first");
    double pf = 0;
    for (int i = 0; i < 200; i++) {
        const nx_ta_bar_t *b = &syn[i];
        nx_ta_t *all[] = {obv, obv0, e, me, e12, e26, mf};
        for (size_t k = 0; k < NX_ARRAY_LEN(all); k++) assert_int_equal(nx_ta_update(all[k], b), 0);
        assert_true(nx_ta_value(obv, 0) - nx_ta_value(obv0, 0) == syn[0].volume ||
                    fabs(nx_ta_value(obv, 0) - nx_ta_value(obv0, 0) - syn[0].volume) < 1e-6);
        /* seed=first: EMA starts at the first input */
        if (i == 0) pf = b->close;
        else pf = (b->close - pf) * (2.0 / 11) + pf;
        if (i >= 9) assert_true(nx_ta_value(e, 0) == pf);
        /* seed=early: the MACD line is EMA12 - EMA26, both seeded on their own */
        if (nx_ta_ready(me)) assert_true(nx_ta_value(me, 0) == nx_ta_value(e12, 0) - nx_ta_value(e26, 0));
    }
    /* macd 3/5/2 seed=first (Metastock): every EMA starts at its first input */
    nx_ta_reset(mf);
    double fa = 0, sl = 0, sg = 0;
    for (int i = 0; i < 50; i++) {
        double x = syn[i].close;
        fa = i == 0 ? x : (x - fa) * 0.5 + fa;
        sl = i == 0 ? x : (x - sl) * (2.0 / 6) + sl;
        double m = fa - sl;
        if (i == 4) sg = m;
        else if (i > 4) sg = (m - sg) * (2.0 / 3) + sg;
        assert_int_equal(nx_ta_update_value(mf, x), 0);
        assert_int_equal(nx_ta_ready(mf), i >= 5);
        if (i >= 5) {
            assert_true(nx_ta_value(mf, 0) == m);
            assert_true(nx_ta_value(mf, 1) == sg);
        }
    }
    nx_ta_t *all[] = {obv, obv0, e, me, e12, e26, mf};
    for (size_t k = 0; k < NX_ARRAY_LEN(all); k++) nx_ta_free(all[k]);
}

/* ---- CSV rows and numbers ---------------------------------------------------- */

static void csv_rows_parse_and_name_the_bad_column(void **state) {
    (void)state;
    nx_ta_row_t r;
    const char *ok = "1640991660,46319.0,46385.0,46319.0,46377.0,2300413.7295\r";
    assert_int_equal(nx_ta_csv_row(ok, strlen(ok), &r), 0);
    assert_int_equal(r.bar.ts, INT64_C(1640991660) * NX_NS_PER_SEC);
    assert_int_equal(r.ts_len, 10);
    assert_memory_equal(r.ts_text, "1640991660", 10);
    assert_true(r.bar.open == 46319.0 && r.bar.high == 46385.0 && r.bar.low == 46319.0);
    assert_true(r.bar.close == 46377.0 && r.bar.volume == 2300413.7295);
    const char *ms = "1640991660123,1,2,0.5,1.5,0";
    assert_int_equal(nx_ta_csv_row(ms, strlen(ms), &r), 0);
    assert_int_equal(r.bar.ts, INT64_C(1640991660123) * NX_NS_PER_MS);
    const char *iso = "2022-01-01T00:01:00Z,1,2,0.5,1.5,7";
    assert_int_equal(nx_ta_csv_row(iso, strlen(iso), &r), 0);
    assert_int_equal(r.bar.ts, INT64_C(1640995260) * NX_NS_PER_SEC);
    static const struct {
        const char *row;
        int rc;
        const char *msg;
    } bad[] = {
        {"1,2,3,4,5", NX_EPARSE, "expected 6 columns"},
        {"1,2,3,4,5,6,7", NX_EPARSE, "expected 6 columns"},
        {"x,1,2,0.5,1.5,1", NX_EPARSE, "column ts:"},
        {"1,1,2,0.5,abc,1", NX_EPARSE, "column close: not a number: 'abc'"},
        {"1,1,,0.5,1.5,1", NX_EPARSE, "column high: not a number"},
        {"1,1,2,0.5,1.5,1e", NX_EPARSE, "column volume: not a number"},
        {"1,1,2,0.5,NaN,1", NX_EINVAL, "column close: not a finite number"},
        {"1,inf,2,0.5,1,1", NX_EINVAL, "column open: not a finite number"},
        {"1,1,2,-Infinity,1,1", NX_EINVAL, "column low: not a finite number"},
        {"1,1,2,0.5,1.5,-3", NX_EINVAL, "column volume: negative volume '-3'"},
        {"1,1,2,0.5,1.5,1e999", NX_EINVAL, "column volume: not a finite number"},
        {"99999999999999999999,1,2,0.5,1.5,1", NX_EPARSE, "column ts:"},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++) {
        int rc = nx_ta_csv_row(bad[i].row, strlen(bad[i].row), &r);
        if (rc != bad[i].rc || !strstr(nx_err_message(), bad[i].msg))
            fail_msg("'%s': rc %d, message '%s'", bad[i].row, rc, nx_err_message());
    }
    assert_int_equal(nx_ta_csv_header("ts,open,high,low,close,volume\r", 30), 0);
    assert_int_equal(nx_ta_csv_header("ts,open,high,low,close", 22), NX_EPARSE);
}

static void number_parser_matches_strtod_on_market_values(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 7);
    char buf[64];
    for (int i = 0; i < 300000; i++) {
        int kind = (int)nx_rng_below(&r, 4);
        if (kind == 0)
            snprintf(buf, sizeof buf, "%.*f", (int)nx_rng_below(&r, 9),
                     nx_rng_double(&r) * 1e6);
        else if (kind == 1)
            snprintf(buf, sizeof buf, "%.17g", (nx_rng_double(&r) - 0.5) * 1e5);
        else if (kind == 2)
            snprintf(buf, sizeof buf, "%.*e", (int)nx_rng_below(&r, 17),
                     nx_rng_double(&r) * pow(10, (double)nx_rng_below(&r, 40) - 20));
        else
            snprintf(buf, sizeof buf, "%llu.%04llu", (unsigned long long)nx_rng_below(&r, 100000),
                     (unsigned long long)nx_rng_below(&r, 10000));
        double got, want = strtod(buf, NULL);
        assert_int_equal(nx_ta_parse_double(buf, strlen(buf), &got), 0);
        if (got != want) {
            /* outside the exact fast path: within one ulp */
            assert_true(fabs(got - want) <= fabs(want) * 2.3e-16);
        }
    }
    double x;
    assert_int_equal(nx_ta_parse_double("-0.000123", 9, &x), 0);
    assert_true(x == -0.000123);
    assert_int_equal(nx_ta_parse_double("1.5E+3", 6, &x), 0);
    assert_true(x == 1500);
    assert_int_equal(nx_ta_parse_double(".5", 2, &x), 0);
    assert_true(x == 0.5);
    assert_int_equal(nx_ta_parse_double("5.", 2, &x), 0);
    assert_true(x == 5);
    assert_int_equal(nx_ta_parse_double("12345678901234567890123", 23, &x), 0);
    assert_true(fabs(x - 1.2345678901234568e22) <= 1e7);
    assert_int_equal(nx_ta_parse_double("", 0, &x), NX_EPARSE);
    assert_int_equal(nx_ta_parse_double(".", 1, &x), NX_EPARSE);
    assert_int_equal(nx_ta_parse_double("1e", 2, &x), NX_EPARSE);
    assert_int_equal(nx_ta_parse_double("0x10", 4, &x), NX_EPARSE);
    assert_int_equal(nx_ta_parse_double(" 1", 2, &x), NX_EPARSE);
    assert_int_equal(nx_ta_parse_double("1,5", 3, &x), NX_EPARSE);
    assert_int_equal(nx_ta_parse_double("nan", 3, &x), 0);
    assert_true(isnan(x));
}

static void registry_lists_every_kind(void **state) {
    (void)state;
    for (int k = 1; k < NX_TA__COUNT; k++) {
        const char *n = nx_ta_kind_name((nx_ta_kind_t)k);
        assert_non_null(n);
        assert_int_equal(nx_ta_kind_lookup(n, strlen(n)), k);
        nx_ta_t *t = mk(n); /* every kind has defaults */
        assert_int_equal(nx_ta_kind(t), k);
        for (unsigned i = 0; i < nx_ta_kind_nparams((nx_ta_kind_t)k); i++) {
            assert_non_null(nx_ta_kind_param_name((nx_ta_kind_t)k, i));
            assert_true(isfinite(nx_ta_kind_param_default((nx_ta_kind_t)k, i)) != 0);
        }
        nx_ta_free(t);
    }
    assert_null(nx_ta_kind_name(NX_TA__COUNT));
    assert_int_equal(nx_ta_kind_lookup("SMA", 3), NX_TA_NONE);
    assert_int_equal(NX_TA__COUNT - 1, 44);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(talib_slice_in_repo_agrees_on_every_column),
    NX_CASE(streaming_equals_batch_in_chunks_of_1_2_3_7_100_and_all),
    NX_CASE(a_set_gives_the_same_values_as_its_members_alone),
    NX_CASE(inline_sma_and_ema_equal_the_generic_updates_bit_for_bit),
    NX_CASE(set_members_sharing_a_core_equal_their_standalone_selves),
    NX_CASE(rolling_extremes_and_their_ages_match_a_naive_scan),
    NX_CASE(first_value_arrives_after_exactly_lookback_updates),
    NX_CASE(column_names_keep_the_parameters_as_written),
    NX_CASE(bad_parameters_are_rejected_with_a_message),
    NX_CASE(bad_inputs_are_rejected_with_the_row_and_change_nothing),
    NX_CASE(no_indicator_allocates_per_update),
    NX_CASE(allocation_failure_is_reported),
    NX_CASE(non_talib_indicators_match_naive_definitions),
    NX_CASE(session_vwap_restarts_at_utc_midnight),
    NX_CASE(supertrend_follows_the_band_on_the_trend_side),
    NX_CASE(convention_options_change_what_they_say),
    NX_CASE(csv_rows_parse_and_name_the_bad_column),
    NX_CASE(number_parser_matches_strtod_on_market_values),
    NX_CASE(registry_lists_every_kind),
};

NX_TEST_MAIN(cases)
