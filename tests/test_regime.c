/*
 * The regime detector (nexus/regime.h): HMM recovery of a synthetic
 * two-state series, online filter = batch forward pass, monotone
 * Baum-Welch, determinism, the threshold classifier on crafted series,
 * hysteresis, model files (round trip, bad files with line numbers), bad
 * inputs, no allocation per update, allocation failures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/core.h"
#include "nexus/regime.h"
#include "nexus/ta.h"
#include "nexus/time.h"
#include "nx_test.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static double gauss(nx_rng_t *r) {
    double u1 = 1.0 - nx_rng_double(r), u2 = nx_rng_double(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The true model of the synthetic series: a calm state with a small
 * positive drift and a volatile state with a negative drift, correlated. */
static nx_regime_hmm_t truth(void) {
    nx_regime_hmm_t m;
    memset(&m, 0, sizeof m);
    m.k = 2;
    m.ret_window = 1;
    m.vol_window = 1;
    m.pi[0] = 0.5;
    m.pi[1] = 0.5;
    m.trans[0][0] = 0.98;
    m.trans[0][1] = 0.02;
    m.trans[1][0] = 0.05;
    m.trans[1][1] = 0.95;
    m.mean[0][0] = 0.02;
    m.mean[0][1] = -3.0;
    m.mean[1][0] = -0.05;
    m.mean[1][1] = -1.5;
    m.cov[0][0] = 0.01; /* sd r 0.1 */
    m.cov[0][1] = 0.004; /* corr 0.2 */
    m.cov[0][2] = 0.04;  /* sd v 0.2 */
    m.cov[1][0] = 0.09;  /* sd r 0.3 */
    m.cov[1][1] = -0.045; /* corr -0.5 */
    m.cov[1][2] = 0.09;  /* sd v 0.3 */
    m.label[0] = NX_REGIME_LOW_VOLATILITY;
    m.label[1] = NX_REGIME_HIGH_VOLATILITY;
    return m;
}

/* n observations from m (2 states) into x; states into s (may be NULL). */
static void simulate(const nx_regime_hmm_t *m, uint64_t seed, size_t n, double *x, int *s) {
    nx_rng_t r;
    nx_rng_seed(&r, seed);
    int st = nx_rng_double(&r) < m->pi[0] ? 0 : 1;
    for (size_t t = 0; t < n; t++) {
        if (t > 0) st = nx_rng_double(&r) < m->trans[st][0] ? 0 : 1;
        const double *c = m->cov[st];
        /* Cholesky of the 2x2 covariance */
        double l11 = sqrt(c[0]), l21 = c[1] / l11, l22 = sqrt(c[2] - l21 * l21);
        double z1 = gauss(&r), z2 = gauss(&r);
        x[2 * t] = m->mean[st][0] + l11 * z1;
        x[2 * t + 1] = m->mean[st][1] + l21 * z1 + l22 * z2;
        if (s) s[t] = st;
    }
}

#define NSYN 20000
static double synx[2 * NSYN];

static nx_regime_hmm_t fit_synthetic(uint64_t seed) {
    nx_regime_hmm_t tm = truth(), fm;
    simulate(&tm, 2024, NSYN, synx, NULL);
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    o.k = 2;
    o.seed = seed;
    o.restarts = 4;
    o.vol_window = 1;
    int rc = nx_regime_hmm_fit(synx, NSYN, &o, &fm, NULL);
    if (rc != 0) fail_msg("fit: %s", nx_err_message());
    return fm;
}

/* A bar around close c with a range of frac*c (symmetric), volume v. */
static nx_ta_bar_t bar_at(int64_t i, double open, double c, double frac, double v) {
    nx_ta_bar_t b;
    b.ts = i * NX_NS_PER_MIN;
    b.open = open;
    b.close = c;
    double hi = open > c ? open : c, lo = open < c ? open : c;
    b.high = hi * (1 + frac / 2);
    b.low = lo * (1 - frac / 2);
    b.volume = v;
    return b;
}

/* Count published labels over bars [from, to). */
static void run_rules(const nx_ta_bar_t *bars, size_t n, size_t from, size_t to, size_t *counts,
                      nx_regime_out_t *outs) {
    nx_regime_t *d;
    assert_int_equal(nx_regime_new(NULL, NULL, &d), 0);
    memset(counts, 0, NX_REGIME_LABEL_COUNT * sizeof *counts);
    for (size_t i = 0; i < n; i++) {
        nx_regime_out_t o;
        assert_true(nx_regime_update(d, &bars[i], &o) >= 0);
        if (outs) outs[i] = o;
        if (i >= from && i < to) counts[o.label]++;
    }
    nx_regime_free(d);
}

/* ------------------------------------------------------------------------- */
/* HMM                                                                       */
/* ------------------------------------------------------------------------- */

static void hmm_fit_recovers_a_synthetic_two_state_series(void **state) {
    (void)state;
    nx_regime_hmm_t tm = truth(), fm = fit_synthetic(7);
    /* match states by nearest mean v (canonical order already sorts them,
     * but do not rely on it: up to permutation) */
    int map[2];
    map[0] = fabs(fm.mean[0][1] - tm.mean[0][1]) < fabs(fm.mean[1][1] - tm.mean[0][1]) ? 0 : 1;
    map[1] = 1 - map[0];
    double worst_mean = 0, worst_var = 0, worst_cov = 0, worst_a = 0;
    for (int i = 0; i < 2; i++) {
        int j = map[i];
        for (int e = 0; e < 2; e++) {
            double d = fabs(fm.mean[j][e] - tm.mean[i][e]);
            if (d > worst_mean) worst_mean = d;
        }
        for (int e = 0; e < 3; e += 2) {
            double d = fabs(fm.cov[j][e] / tm.cov[i][e] - 1);
            if (d > worst_var) worst_var = d;
        }
        double d = fabs(fm.cov[j][1] - tm.cov[i][1]);
        if (d > worst_cov) worst_cov = d;
        for (int q = 0; q < 2; q++) {
            double a = fabs(fm.trans[j][map[q]] - tm.trans[i][q]);
            if (a > worst_a) worst_a = a;
        }
    }
    print_message("recovery on %d bars: max |mean err| %.4f, max var rel err %.4f, "
                  "max |cov err| %.5f, max |trans err| %.5f\n",
                  NSYN, worst_mean, worst_var, worst_cov, worst_a);
    assert_true(worst_mean < 0.01);  /* means within 0.01 (sd 0.1..0.3) */
    assert_true(worst_var < 0.05);   /* variances within 5% */
    assert_true(worst_cov < 0.005);  /* covariances within 0.005 */
    assert_true(worst_a < 0.01);     /* transition probabilities within 0.01 */
    assert_int_equal(map[0], 0);     /* canonical order: calm state first */
    /* drift / noise: 0.02 / 0.1 = 0.2 and -0.05 / 0.3 = -0.17, both beyond 0.1 */
    assert_int_equal(fm.label[0], NX_REGIME_TRENDING_UP);
    assert_int_equal(fm.label[1], NX_REGIME_TRENDING_DOWN);
    nx_regime_hmm_map_labels(&fm, 0.25); /* a stricter threshold: volatility labels */
    assert_int_equal(fm.label[0], NX_REGIME_LOW_VOLATILITY);
    assert_int_equal(fm.label[1], NX_REGIME_HIGH_VOLATILITY);
    assert_int_equal(fm.nobs, NSYN);
    assert_int_equal(nx_regime_hmm_check(&fm), 0);
}

static void forward_filter_equals_the_normalised_batch_forward_pass(void **state) {
    (void)state;
    nx_regime_hmm_t fm = fit_synthetic(3);
    size_t n = 5000;
    double *alpha = malloc(n * fm.k * sizeof(double));
    assert_non_null(alpha);
    double ll;
    assert_int_equal(nx_regime_hmm_forward(&fm, synx, n, alpha, &ll), 0);
    nx_regime_filter_t f;
    assert_int_equal(nx_regime_filter_init(&f, &fm), 0);
    double maxd = 0;
    for (size_t t = 0; t < n; t++) {
        double post[NX_REGIME_STATES_MAX];
        assert_int_equal(nx_regime_filter_step(&f, synx + 2 * t, post), 0);
        double s = 0;
        for (uint32_t i = 0; i < fm.k; i++) {
            double d = fabs(post[i] - alpha[t * fm.k + i]);
            if (d > maxd) maxd = d;
            s += post[i];
        }
        assert_true(fabs(s - 1) < 1e-12);
    }
    assert_true(maxd == 0.0); /* the same arithmetic in the same order */
    /* the model's stored log-likelihood is that of the whole sample */
    double llall;
    assert_int_equal(nx_regime_hmm_forward(&fm, synx, NSYN, NULL, &llall), 0);
    assert_true(fabs(llall - fm.loglik) <= 1e-9 * fabs(llall));
    /* reset restarts from pi */
    nx_regime_filter_reset(&f);
    double p0[NX_REGIME_STATES_MAX];
    assert_int_equal(nx_regime_filter_step(&f, synx, p0), 0);
    assert_true(p0[0] == alpha[0] && p0[1] == alpha[1]);
    free(alpha);
}

typedef struct {
    double ll[NX_REGIME_RESTARTS_MAX][400];
    uint32_t n[NX_REGIME_RESTARTS_MAX];
} trace_t;

static void on_iter(void *ctx, uint32_t restart, uint32_t iter, double ll) {
    trace_t *t = ctx;
    if (iter - 1 < 400) t->ll[restart][iter - 1] = ll;
    t->n[restart] = iter;
}

static void check_monotone(const double *x, size_t n, uint32_t k, int *checked) {
    static trace_t tr;
    memset(&tr, 0, sizeof tr);
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    o.k = k;
    o.restarts = 4;
    o.max_iter = 400;
    o.tol = 0; /* run to max_iter unless no gain at all */
    o.on_iter = on_iter;
    o.ctx = &tr;
    nx_regime_hmm_t m;
    nx_regime_fit_report_t rep;
    assert_int_equal(nx_regime_hmm_fit(x, n, &o, &m, &rep), 0);
    for (uint32_t r = 0; r < rep.restarts; r++) {
        assert_true(tr.n[r] >= 2);
        for (uint32_t i = 1; i < tr.n[r] && i < 400; i++) {
            double a = tr.ll[r][i - 1], b = tr.ll[r][i];
            if (b < a - 1e-9 * fabs(a))
                fail_msg("restart %u: loglik fell from %.17g to %.17g at iteration %u", r, a,
                         b, i + 1);
            (*checked)++;
        }
        assert_true(rep.loglik[r] == tr.ll[r][tr.n[r] - 1]);
    }
    assert_true(m.loglik == rep.loglik[rep.best]);
}

static void loglik_never_decreases_across_baum_welch_iterations(void **state) {
    (void)state;
    nx_regime_hmm_t tm = truth();
    simulate(&tm, 99, 4000, synx, NULL);
    int checked = 0;
    check_monotone(synx, 4000, 2, &checked);
    check_monotone(synx, 4000, 3, &checked);
    check_monotone(synx, 4000, 4, &checked);
    /* real bars: the slice kept in the repo */
    FILE *f = fopen(nx_test_src_path("tests/data/btc_perp_1m_head300.bars.csv"), "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    nx_regime_feat_t ft;
    assert_int_equal(nx_regime_feat_init(&ft, 1, 10), 0);
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        nx_ta_row_t r;
        assert_int_equal(nx_ta_csv_row(line, strcspn(line, "\r\n"), &r), 0);
        if (nx_regime_feat_update(&ft, &r.bar, synx + 2 * n) == 1) n++;
    }
    fclose(f);
    assert_int_equal(n, 300 - 9);
    check_monotone(synx, n, 2, &checked);
    check_monotone(synx, n, 3, &checked);
    print_message("%d consecutive iteration pairs checked\n", checked);
}

static void same_seed_gives_the_same_model_bytes(void **state) {
    (void)state;
    char a[8192], b[8192], c[8192];
    size_t la, lb, lc;
    nx_regime_hmm_t m1 = fit_synthetic(11), m2 = fit_synthetic(11), m3 = fit_synthetic(12);
    assert_int_equal(nx_regime_model_format(&m1, a, sizeof a, &la), 0);
    assert_int_equal(nx_regime_model_format(&m2, b, sizeof b, &lb), 0);
    assert_int_equal(nx_regime_model_format(&m3, c, sizeof c, &lc), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0); /* the seed is recorded at least */
    /* the restarts draw different starts from different seeds */
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    o.k = 3;
    o.restarts = 3;
    o.max_iter = 2;
    nx_regime_fit_report_t r1, r2;
    nx_regime_hmm_t m;
    o.seed = 1;
    assert_int_equal(nx_regime_hmm_fit(synx, 3000, &o, &m, &r1), 0);
    o.seed = 2;
    assert_int_equal(nx_regime_hmm_fit(synx, 3000, &o, &m, &r2), 0);
    assert_true(r1.loglik[0] == r2.loglik[0]); /* restart 0 is deterministic quantiles */
    assert_true(r1.loglik[1] != r2.loglik[1]);
}

static void fitted_states_get_labels_by_drift_and_volatility(void **state) {
    (void)state;
    nx_regime_hmm_t m;
    memset(&m, 0, sizeof m);
    m.k = 4;
    double mr[4] = {0.0, 0.05, 0.0, -0.2}, mv[4] = {-3, -2.5, -2, -1};
    for (int i = 0; i < 4; i++) {
        m.mean[i][0] = mr[i];
        m.mean[i][1] = mv[i];
        m.cov[i][0] = 0.01;
        m.cov[i][2] = 0.1;
    }
    nx_regime_hmm_map_labels(&m, 0.1); /* t = 0, 0.5, 0, -2 */
    assert_int_equal(m.label[0], NX_REGIME_LOW_VOLATILITY);
    assert_int_equal(m.label[1], NX_REGIME_TRENDING_UP);
    assert_int_equal(m.label[2], NX_REGIME_HIGH_VOLATILITY); /* most volatile of the rest */
    assert_int_equal(m.label[3], NX_REGIME_CRISIS);          /* most volatile, falling, k >= 3 */
    m.k = 2;
    m.mean[1][0] = -0.05;
    nx_regime_hmm_map_labels(&m, 0.1);
    assert_int_equal(m.label[0], NX_REGIME_MEAN_REVERTING); /* alone among the rest */
    assert_int_equal(m.label[1], NX_REGIME_TRENDING_DOWN);  /* k = 2: never CRISIS */
    m.k = 3;
    m.mean[1][0] = 0;
    nx_regime_hmm_map_labels(&m, 0.1);
    assert_int_equal(m.label[1], NX_REGIME_MEAN_REVERTING);
}

/* ------------------------------------------------------------------------- */
/* The threshold classifier on crafted series                                */
/* ------------------------------------------------------------------------- */

#define NB 1200
static nx_ta_bar_t bars[NB];

static void rules_label_a_steady_uptrend_trending_up_and_a_downtrend_down(void **state) {
    (void)state;
    for (int dir = 1; dir >= -1; dir -= 2) {
        nx_rng_t r;
        nx_rng_seed(&r, 5);
        double px = 100;
        for (int i = 0; i < NB; i++) {
            double o = px;
            px *= 1 + dir * 0.001 + 0.0003 * gauss(&r);
            bars[i] = bar_at(i, o, px, 0.001 + 0.0002 * nx_rng_double(&r), 10);
        }
        size_t c[NX_REGIME_LABEL_COUNT];
        run_rules(bars, NB, 600, NB, c, NULL);
        nx_regime_label_t want = dir > 0 ? NX_REGIME_TRENDING_UP : NX_REGIME_TRENDING_DOWN;
        print_message("%s: %zu of %d bars\n", nx_regime_label_name(want), c[want], NB - 600);
        assert_true(c[want] >= (NB - 600) * 9 / 10);
    }
}

static void rules_label_a_sideways_oscillation_mean_reverting(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 6);
    double prev = 100;
    for (int i = 0; i < NB; i++) {
        double px = 100 * (1 + 0.004 * sin(i * 6.283185307179586 / 6.0) + 0.0003 * gauss(&r));
        bars[i] = bar_at(i, prev, px, 0.001 + 0.0002 * nx_rng_double(&r), 10);
        prev = px;
    }
    size_t c[NX_REGIME_LABEL_COUNT];
    run_rules(bars, NB, 600, NB, c, NULL);
    print_message("MEAN_REVERTING: %zu of %d bars (LOW_VOLATILITY %zu, HIGH %zu)\n",
                  c[NX_REGIME_MEAN_REVERTING], NB - 600, c[NX_REGIME_LOW_VOLATILITY],
                  c[NX_REGIME_HIGH_VOLATILITY]);
    assert_true(c[NX_REGIME_MEAN_REVERTING] >= (NB - 600) * 7 / 10);
    assert_int_equal(c[NX_REGIME_TRENDING_UP] + c[NX_REGIME_TRENDING_DOWN], 0);
}

/* calm sideways noise for the first `calm` bars */
static void calm_bars(int calm, uint64_t seed) {
    nx_rng_t r;
    nx_rng_seed(&r, seed);
    double prev = 100;
    for (int i = 0; i < calm; i++) {
        double px = 100 * (1 + 0.003 * sin(i * 6.283185307179586 / 6.0) + 0.0003 * gauss(&r));
        bars[i] = bar_at(i, prev, px, 0.001 + 0.0002 * nx_rng_double(&r), 10);
        prev = px;
    }
}

static void rules_label_a_volatility_spike_high_volatility(void **state) {
    (void)state;
    calm_bars(800, 8);
    nx_rng_t r;
    nx_rng_seed(&r, 9);
    double prev = bars[799].close;
    for (int i = 800; i < 860; i++) { /* 10x the range and the moves, no drift */
        double px = 100 * (1 + 0.03 * sin(i * 6.283185307179586 / 6.0) + 0.003 * gauss(&r));
        bars[i] = bar_at(i, prev, px, 0.01 + 0.002 * nx_rng_double(&r), 10);
        prev = px;
    }
    nx_regime_out_t outs[860];
    size_t c[NX_REGIME_LABEL_COUNT];
    run_rules(bars, 860, 800, 860, c, outs);
    assert_int_not_equal(outs[799].label, NX_REGIME_HIGH_VOLATILITY);
    print_message("HIGH_VOLATILITY: %zu of 60 spike bars\n", c[NX_REGIME_HIGH_VOLATILITY]);
    assert_true(c[NX_REGIME_HIGH_VOLATILITY] >= 40);
    assert_int_equal(outs[859].label, NX_REGIME_HIGH_VOLATILITY);
    assert_int_equal(c[NX_REGIME_CRISIS], 0); /* extreme volatility but no drawdown */
}

static void rules_label_a_crash_crisis_at_once(void **state) {
    (void)state;
    calm_bars(800, 10);
    double px = bars[799].close;
    for (int i = 800; i < 830; i++) { /* -1% a bar with wide ranges: -26% in 30 bars */
        double o = px;
        px *= 0.99;
        bars[i] = bar_at(i, o, px, 0.02, 10);
    }
    nx_regime_out_t outs[830];
    size_t c[NX_REGIME_LABEL_COUNT];
    run_rules(bars, 830, 800, 830, c, outs);
    int first_rule = -1;
    for (int i = 800; i < 830; i++)
        if (outs[i].rule == NX_REGIME_CRISIS) {
            first_rule = i;
            break;
        }
    assert_true(first_rule > 800);
    assert_true(outs[first_rule].drawdown >= 0.10);
    /* CRISIS is published on the bar the rule first says it: no confirmation, no dwell */
    assert_int_equal(outs[first_rule].label, NX_REGIME_CRISIS);
    assert_int_equal(outs[829].label, NX_REGIME_CRISIS);
    print_message("CRISIS from bar %d (drawdown %.3f, vol pct %.3f)\n", first_rule,
                  outs[first_rule].drawdown, outs[first_rule].vol_pct);
}

static void a_label_change_becomes_a_kernel_regime_event(void **state) {
    (void)state;
    calm_bars(800, 10);
    double px = bars[799].close;
    for (int i = 800; i < 830; i++) {
        double o = px;
        px *= 0.99;
        bars[i] = bar_at(i, o, px, 0.02, 10);
    }
    nx_regime_t *d;
    assert_int_equal(nx_regime_new(NULL, NULL, &d), 0);
    int changed_to_crisis = 0;
    for (int i = 0; i < 830 && !changed_to_crisis; i++) {
        nx_regime_out_t o;
        int ch = nx_regime_update(d, &bars[i], &o);
        assert_true(ch >= 0);
        if (ch == 1 && o.label == NX_REGIME_CRISIS) changed_to_crisis = 1;
    }
    assert_true(changed_to_crisis);
    nx_ev_regime_t ev;
    nx_regime_event_fill(d, 7, &ev);
    assert_int_equal(ev.h.type, NX_EV_REGIME);
    assert_int_equal(ev.h.size, sizeof ev);
    assert_int_equal(nx_event_check(&ev, sizeof ev), 0);
    assert_int_equal(ev.instrument, 7);
    assert_int_equal(ev.label, NX_REGIME_CRISIS);
    assert_true(ev.prev_label != NX_REGIME_CRISIS);
    char json[1024];
    assert_true(nx_event_to_json(&ev, NULL, NULL, json, sizeof json) > 0);
    assert_non_null(strstr(json, "\"type\":\"regime\""));
    nx_regime_free(d);
}

static void breakout_needs_the_channel_a_range_and_volume(void **state) {
    (void)state;
    for (int with_volume = 0; with_volume <= 1; with_volume++) {
        calm_bars(800, 12);
        double o = bars[799].close;
        bars[800] = bar_at(800, o, o * 1.01, 0.001, with_volume ? 30 : 10);
        nx_regime_out_t outs[801];
        size_t c[NX_REGIME_LABEL_COUNT];
        run_rules(bars, 801, 0, 801, c, outs);
        assert_true(outs[799].adx < 20);
        if (with_volume) {
            assert_int_equal(outs[800].rule, NX_REGIME_BREAKOUT);
            assert_int_equal(outs[800].label, NX_REGIME_BREAKOUT);
        } else {
            assert_int_not_equal(outs[800].rule, NX_REGIME_BREAKOUT);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Hysteresis                                                                */
/* ------------------------------------------------------------------------- */

/* A 2-state model on per-bar features (windows 1): calm vs volatile range. */
static nx_regime_hmm_t two_range_model(void) {
    nx_regime_hmm_t m;
    memset(&m, 0, sizeof m);
    m.k = 2;
    m.ret_window = 1;
    m.vol_window = 1;
    m.pi[0] = m.pi[1] = 0.5;
    m.trans[0][0] = m.trans[0][1] = m.trans[1][0] = m.trans[1][1] = 0.5; /* no memory */
    double pk = 1.0 / sqrt(4 * log(2.0));
    m.mean[0][1] = log(100 * 1e-4 * pk); /* range 0.01% */
    m.mean[1][1] = log(100 * 1e-2 * pk); /* range 1% */
    for (int i = 0; i < 2; i++) {
        m.cov[i][0] = 0.01;
        m.cov[i][2] = 0.25;
    }
    m.label[0] = NX_REGIME_LOW_VOLATILITY;
    m.label[1] = NX_REGIME_HIGH_VOLATILITY;
    return m;
}

static void hysteresis_needs_confirmation_and_holds_the_minimum_dwell(void **state) {
    (void)state;
    nx_regime_hmm_t m = two_range_model();
    nx_regime_params_t p;
    nx_regime_params_default(&p);
    assert_int_equal(p.confirm_bars, 3);
    assert_int_equal(p.min_dwell, 20);
    nx_regime_t *d;
    assert_int_equal(nx_regime_new(&p, &m, &d), 0);
    /* pattern: 'c' calm bar, 'v' volatile bar; close constant, volume 0 */
    const char *seq = "cccccccccc"                /* 0..9: LOW from bar 3 */
                      "vcvcvcvcvcvcvcvcvcvcvcvc"  /* 10..33: flicker, never 3 in a row */
                      "vvc"                       /* 34..36: two in a row, no change */
                      "vvvvv"                     /* 37..41: HIGH at 39 */
                      "cccccccccccccccccccccccccc"; /* 42..67: LOW only after 20 bars held */
    int changes_at[8], nch = 0;
    nx_regime_label_t lab[80];
    size_t n = strlen(seq);
    for (size_t i = 0; i < n; i++) {
        nx_ta_bar_t b = {(int64_t)i, 100, 0, 0, 100, 0};
        double frac = seq[i] == 'c' ? 1e-4 : 1e-2;
        b.high = 100 * (1 + frac / 2);
        b.low = b.high / exp(frac); /* ln(high/low) = frac exactly as modelled */
        nx_regime_out_t o;
        int ch = nx_regime_update(d, &b, &o);
        assert_true(ch >= 0);
        if (i >= 1) assert_int_equal(o.source, NX_REGIME_SRC_HMM);
        if (ch && nch < 8) changes_at[nch++] = (int)i;
        if (ch && i == 39) { /* the payload of this change, read later */
            nx_regime_change_t c39;
            nx_regime_change_fill(d, 7, &c39);
            assert_int_equal(c39.label, NX_REGIME_HIGH_VOLATILITY);
            assert_int_equal(c39.state, 1);
        }
        lab[i] = o.label;
        if (ch) assert_int_not_equal(o.prev, o.label);
    }
    /* bar 0 has no feature (needs 2 closes); bars 1, 2, 3 confirm LOW */
    assert_int_equal(nch, 3);
    assert_int_equal(changes_at[0], 3);
    assert_int_equal(lab[3], NX_REGIME_LOW_VOLATILITY);
    assert_int_equal(changes_at[1], 39); /* third volatile bar in a row, dwell 36 >= 20 */
    assert_int_equal(lab[39], NX_REGIME_HIGH_VOLATILITY);
    /* HIGH published at 39 (held 1 there); calm from 42: pending 3 by 44 but the dwell
     * needs 20 bars held before the bar, i.e. bar 59 */
    assert_int_equal(changes_at[2], 59);
    assert_int_equal(lab[58], NX_REGIME_HIGH_VOLATILITY);
    assert_int_equal(lab[59], NX_REGIME_LOW_VOLATILITY);
    /* the change payload */
    nx_regime_change_t c;
    nx_regime_change_fill(d, 7, &c);
    assert_int_equal(c.instrument, 7);
    assert_int_equal(c.label, NX_REGIME_LOW_VOLATILITY);
    assert_int_equal(c.prev_label, NX_REGIME_HIGH_VOLATILITY);
    assert_int_equal(c.source, NX_REGIME_SRC_HMM);
    assert_int_equal(c.state, 0);
    assert_int_equal(c.nstates, 2);
    assert_int_equal(c.held_bars, 20);
    assert_true(c.confidence > 0.99 && c.posterior[0] == c.confidence);
    assert_true(c.posterior[2] == 0 && c.posterior[3] == 0);
    assert_int_equal(sizeof c, NX_REGIME_CHANGE_SIZE);
    /* reset: the same bars give the same labels again */
    nx_regime_reset(d);
    assert_int_equal(nx_regime_label(d), NX_REGIME_UNKNOWN);
    for (size_t i = 0; i < n; i++) {
        nx_ta_bar_t b = {(int64_t)i, 100, 0, 0, 100, 0};
        double frac = seq[i] == 'c' ? 1e-4 : 1e-2;
        b.high = 100 * (1 + frac / 2);
        b.low = b.high / exp(frac);
        nx_regime_out_t o;
        assert_true(nx_regime_update(d, &b, &o) >= 0);
        assert_int_equal(o.label, lab[i]);
    }
    nx_regime_free(d);
}

static void a_low_confidence_hmm_falls_back_to_the_rules(void **state) {
    (void)state;
    nx_regime_hmm_t m = two_range_model();
    m.mean[1][1] = m.mean[0][1]; /* two identical states: posterior stays 0.5 */
    m.mean[1][0] = 1e-9;
    nx_regime_t *d;
    assert_int_equal(nx_regime_new(NULL, &m, &d), 0);
    assert_true(nx_regime_has_model(d));
    for (int i = 0; i < 20; i++) {
        nx_ta_bar_t b = {i, 100, 100.005, 99.995, 100, 0};
        nx_regime_out_t o;
        assert_true(nx_regime_update(d, &b, &o) >= 0);
        if (i >= 1) {
            assert_true(o.state >= 0 && o.confidence < 0.6);
            assert_int_not_equal(o.source, NX_REGIME_SRC_HMM);
            assert_int_equal(o.raw, o.rule);
        }
    }
    nx_regime_free(d);
}

/* ------------------------------------------------------------------------- */
/* Model files                                                               */
/* ------------------------------------------------------------------------- */

static int same_model(const nx_regime_hmm_t *a, const nx_regime_hmm_t *b) {
    if (a->k != b->k || a->ret_window != b->ret_window || a->vol_window != b->vol_window ||
        a->iterations != b->iterations || a->nobs != b->nobs || a->seed != b->seed)
        return 0;
    if (memcmp(&a->loglik, &b->loglik, sizeof(double))) return 0;
    for (uint32_t i = 0; i < a->k; i++) {
        if (memcmp(&a->pi[i], &b->pi[i], sizeof(double)) || a->label[i] != b->label[i] ||
            memcmp(a->trans[i], b->trans[i], a->k * sizeof(double)) ||
            memcmp(a->mean[i], b->mean[i], sizeof a->mean[i]) ||
            memcmp(a->cov[i], b->cov[i], sizeof a->cov[i]))
            return 0;
    }
    return 1;
}

static void model_files_round_trip_bit_for_bit(void **state) {
    (void)state;
    nx_regime_hmm_t m = fit_synthetic(5), back;
    char *dir = nx_test_tmpdir("regime");
    char path[600];
    snprintf(path, sizeof path, "%s/m.model", dir);
    assert_int_equal(nx_regime_model_save(&m, path), 0);
    assert_int_equal(nx_regime_model_load(path, &back), 0);
    assert_true(same_model(&m, &back));
    /* saving what was loaded gives the same bytes */
    char a[8192], b[8192];
    size_t la, lb;
    assert_int_equal(nx_regime_model_format(&m, a, sizeof a, &la), 0);
    assert_int_equal(nx_regime_model_format(&back, b, sizeof b, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    nx_test_rmdir(dir);
    /* every double written by %.17g comes back bit for bit through the parser */
    nx_rng_t r;
    nx_rng_seed(&r, 77);
    int tested = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t bits = nx_rng_next(&r);
        if (i % 3 == 1) bits = (bits & 0x800FFFFFFFFFFFFFull) | ((uint64_t)(1023 - 40 + i % 60) << 52);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        char s[40];
        int w = snprintf(s, sizeof s, "%.17g", v);
        double p;
        assert_int_equal(nx_ta_parse_double(s, (size_t)w, &p), 0);
        if (memcmp(&p, &v, sizeof v) != 0) fail_msg("%s parsed as %.17g", s, p);
        tested++;
    }
    print_message("%d random doubles round-tripped exactly\n", tested);
    /* too small a buffer */
    assert_int_equal(nx_regime_model_format(&m, a, 100, &la), NX_ELIMIT);
}

static void bad_model_files_are_rejected_with_line_numbers(void **state) {
    (void)state;
    nx_regime_hmm_t m = two_range_model();
    char good[8192];
    size_t glen;
    assert_int_equal(nx_regime_model_format(&m, good, sizeof good, &glen), 0);
    nx_regime_hmm_t out;
    assert_int_equal(nx_regime_model_parse(good, glen, "m", &out), 0);
    /* find the line number of a key in the good text */
    static const struct {
        const char *what, *from, *to; /* replace first `from` by `to` */
        int code;
        const char *msg;
    } cases[] = {
        {"wrong magic", "nexus-regime-model 1", "nexus-model 1", NX_EPARSE, "m:1: not a regime model"},
        {"future version", "nexus-regime-model 1", "nexus-regime-model 2", NX_EVERSION,
         "m:1: model version 2 is not supported"},
        {"states out of range", "states 2", "states 5", NX_EPARSE, "m:6: states: expected an integer in [2, 4]"},
        {"states zero", "states 2", "states 0", NX_EPARSE, "m:6: states:"},
        {"vol_window zero", "vol_window 1", "vol_window 0", NX_EPARSE, "m:8: vol_window:"},
        {"duplicate key", "seed 0", "ret_window 1", NX_EPARSE, "m:9: duplicate 'ret_window'"},
        {"unknown key", "seed 0", "colour 3", NX_EPARSE, "m:9: unknown key 'colour'"},
        {"pi not summing to 1", "pi 0.5 0.5", "pi 0.5 0.6", NX_EINVAL, "m:13: pi: probabilities sum to"},
        {"negative probability", "trans 0 0.5 0.5", "trans 0 1.5 -0.5", NX_EINVAL,
         "m:14: trans: probabilities must be in [0, 1]"},
        {"NaN mean", "mean 0 0 ", "mean 0 nan ", NX_EPARSE, "m:16: mean: field 3: not a finite number: 'nan'"},
        {"wrong count", "mean 0 0 ", "mean 0 ", NX_EPARSE, "m:16: mean: expected 2 numbers, got 1"},
        {"state index out of range", "mean 0 0 ", "mean 2 0 ", NX_EPARSE, "m:16: mean: expected a state index in [0, 1]"},
        {"duplicate state line", "mean 1 0 ", "mean 0 0 ", NX_EPARSE, "m:19: duplicate 'mean 0'"},
        {"singular covariance", "cov 0 0.01 0 0.25", "cov 0 0.01 0.05 0.25", NX_EINVAL,
         "m:17: cov 0: not positive definite"},
        {"zero variance", "cov 1 0.01 0 0.25", "cov 1 0 0 0.25", NX_EINVAL, "m:20: cov 1: variances must be positive"},
        {"unknown label", "label 1 HIGH_VOLATILITY", "label 1 SIDEWAYS", NX_EPARSE, "m:21: label 1: expected one of"},
        {"missing state line", "label 1 HIGH_VOLATILITY", "# gone", NX_EPARSE, "m:22: missing 'label 1'"},
        {"missing end", "end\n", "\n", NX_EPARSE, "missing 'end' (truncated file?)"},
        {"content after end", "end\n", "end\nstates 2\n", NX_EPARSE, "m:23: content after 'end'"},
        {"trailing garbage in a number", "loglik 0", "loglik 0x1", NX_EPARSE, "m:12: loglik: not a finite number"},
        {"per-state line before states", "states 2\n", "", NX_EPARSE, "m:12: 'pi' before 'states'"},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(cases); i++) {
        const char *at = strstr(good, cases[i].from);
        if (!at) fail_msg("case '%s': '%s' not in the model text", cases[i].what, cases[i].from);
        char bad[8192];
        size_t pre = (size_t)(at - good), fl = strlen(cases[i].from), tl = strlen(cases[i].to);
        memcpy(bad, good, pre);
        memcpy(bad + pre, cases[i].to, tl);
        memcpy(bad + pre + tl, at + fl, glen - pre - fl);
        size_t blen = glen - fl + tl;
        int rc = nx_regime_model_parse(bad, blen, "m", &out);
        if (rc != cases[i].code || !strstr(nx_err_message(), cases[i].msg))
            fail_msg("case '%s': got %s '%s', want %s '%s'", cases[i].what, nx_err_name(rc),
                     nx_err_message(), nx_err_name(cases[i].code), cases[i].msg);
    }
    assert_int_equal(nx_regime_model_parse("", 0, "m", &out), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "m:1: empty file"));
    /* a missing file names the path */
    assert_int_equal(nx_regime_model_load("/nonexistent/dir/x.model", &out), NX_EIO);
    assert_non_null(strstr(nx_err_message(), "/nonexistent/dir/x.model"));
    /* a file too large */
    char *dir = nx_test_tmpdir("regime-big");
    char path[600];
    snprintf(path, sizeof path, "%s/big.model", dir);
    char *big = calloc(1, NX_REGIME_MODEL_MAX + 10);
    assert_non_null(big);
    memset(big, '#', NX_REGIME_MODEL_MAX + 9);
    nx_test_write_file(path, big, NX_REGIME_MODEL_MAX + 9);
    assert_int_equal(nx_regime_model_load(path, &out), NX_ELIMIT);
    free(big);
    nx_test_rmdir(dir);
}

/* ------------------------------------------------------------------------- */
/* Bad inputs, allocation                                                    */
/* ------------------------------------------------------------------------- */

static void bad_inputs_are_rejected(void **state) {
    (void)state;
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    nx_regime_hmm_t m, tm = truth();
    simulate(&tm, 1, 1000, synx, NULL);
    o.k = 2;
    /* a NaN feature names its row */
    double keep = synx[2 * 123 + 1];
    synx[2 * 123 + 1] = NAN;
    assert_int_equal(nx_regime_hmm_fit(synx, 1000, &o, &m, NULL), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "row 123"));
    assert_int_equal(nx_regime_hmm_forward(&tm, synx, 1000, NULL, NULL), NX_EINVAL);
    synx[2 * 123 + 1] = keep;
    o.k = 1;
    assert_int_equal(nx_regime_hmm_fit(synx, 1000, &o, &m, NULL), NX_EINVAL);
    o.k = 5;
    assert_int_equal(nx_regime_hmm_fit(synx, 1000, &o, &m, NULL), NX_EINVAL);
    o.k = 2;
    o.restarts = 0;
    assert_int_equal(nx_regime_hmm_fit(synx, 1000, &o, &m, NULL), NX_EINVAL);
    o.restarts = 2;
    assert_int_equal(nx_regime_hmm_fit(synx, 19, &o, &m, NULL), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "at least 20 observations"));
    o.var_floor = 0;
    assert_int_equal(nx_regime_hmm_fit(synx, 1000, &o, &m, NULL), NX_EINVAL);
    o.var_floor = 1e-3;
    /* a constant feature has nothing to fit */
    double flat[200];
    for (int i = 0; i < 100; i++) {
        flat[2 * i] = i;
        flat[2 * i + 1] = 1;
    }
    assert_int_equal(nx_regime_hmm_fit(flat, 100, &o, &m, NULL), NX_EINVAL);
    /* feature windows (period 0) */
    nx_regime_feat_t f;
    assert_int_equal(nx_regime_feat_init(&f, 0, 10), NX_EINVAL);
    assert_int_equal(nx_regime_feat_init(&f, 1, 0), NX_EINVAL);
    assert_int_equal(nx_regime_feat_init(&f, 1, NX_REGIME_WINDOW_MAX + 1), NX_EINVAL);
    /* detector parameters (period 0 and friends) */
    nx_regime_params_t p;
    nx_regime_t *d = NULL;
    nx_regime_params_default(&p);
    p.adx_period = 0;
    assert_int_equal(nx_regime_new(&p, NULL, &d), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "adx_period must be in [1, 100000], got 0"));
    nx_regime_params_default(&p);
    p.high_vol_pct = NAN;
    assert_int_equal(nx_regime_new(&p, NULL, &d), NX_EINVAL);
    nx_regime_params_default(&p);
    p.low_vol_pct = 0.95;
    assert_int_equal(nx_regime_new(&p, NULL, &d), NX_EINVAL);
    nx_regime_params_default(&p);
    p.confirm_bars = 0;
    assert_int_equal(nx_regime_new(&p, NULL, &d), NX_EINVAL);
    /* a bad model */
    tm.trans[0][0] = 0.5;
    assert_int_equal(nx_regime_new(NULL, &tm, &d), NX_EINVAL);
    assert_null(d);
    tm = truth();
    /* bad bars: rejected with the bar index, state unchanged (a twin fed only the
     * good bars agrees on every later output) */
    nx_regime_t *a, *b;
    assert_int_equal(nx_regime_new(NULL, &tm, &a), 0);
    assert_int_equal(nx_regime_new(NULL, &tm, &b), 0);
    calm_bars(700, 3);
    const nx_ta_bar_t bad[] = {
        {0, 100, 101, 99, NAN, 1},  {0, 100, 101, 99, 100, INFINITY}, {0, 100, 101, 99, 100, -1},
        {0, 100, 99, 101, 100, 1},  {0, 100, 101, 0, 100, 1},         {0, 100, 101, 99, 0, 1},
        {0, NAN, 101, 99, 100, 1},
    };
    for (int i = 0; i < 700; i++) {
        if (i == 400)
            for (size_t q = 0; q < NX_ARRAY_LEN(bad); q++) {
                assert_int_equal(nx_regime_update(a, &bad[q], NULL), NX_EINVAL);
                assert_non_null(strstr(nx_err_message(), "bar 400"));
            }
        nx_regime_out_t oa, ob;
        int ca = nx_regime_update(a, &bars[i], &oa), cb = nx_regime_update(b, &bars[i], &ob);
        assert_int_equal(ca, cb);
        assert_int_equal(oa.label, ob.label);
        assert_int_equal(oa.raw, ob.raw);
        assert_true(oa.confidence == ob.confidence);
        assert_true(oa.vol_pct == ob.vol_pct || (isnan(oa.vol_pct) && isnan(ob.vol_pct)));
    }
    nx_regime_free(a);
    nx_regime_free(b);
    double nanx[2] = {NAN, 0};
    nx_regime_filter_t flt;
    assert_int_equal(nx_regime_filter_init(&flt, &tm), 0);
    assert_int_equal(nx_regime_filter_step(&flt, nanx, NULL), NX_EINVAL);
    assert_int_equal(nx_regime_label_parse("SIDEWAYS", 8, &(nx_regime_label_t){0}), NX_EPARSE);
}

static void labels_have_names_that_parse_back(void **state) {
    (void)state;
    for (unsigned l = 0; l < NX_REGIME_LABEL_COUNT; l++) {
        const char *s = nx_regime_label_name((nx_regime_label_t)l);
        assert_non_null(s);
        nx_regime_label_t back;
        assert_int_equal(nx_regime_label_parse(s, strlen(s), &back), 0);
        assert_int_equal(back, l);
    }
    assert_null(nx_regime_label_name((nx_regime_label_t)NX_REGIME_LABEL_COUNT));
    assert_string_equal(nx_regime_label_name(NX_REGIME_CRISIS), "CRISIS");
    assert_int_equal(NX_REGIME_TRENDING_UP, 1); /* values are part of the event layout */
    assert_int_equal(NX_REGIME_CRISIS, 7);
}

static void features_follow_their_formulas(void **state) {
    (void)state;
    nx_regime_feat_t f;
    assert_int_equal(nx_regime_feat_init(&f, 3, 4), 0);
    double c[10] = {100, 101, 99, 102, 103, 101, 104, 100, 98, 99};
    double hl[10] = {0.01, 0.02, 0.015, 0.03, 0.01, 0.005, 0.02, 0.04, 0.01, 0.02};
    for (int i = 0; i < 10; i++) {
        nx_ta_bar_t b = {i, c[i], c[i] * exp(hl[i] / 2), c[i] * exp(-hl[i] / 2), c[i], 1};
        double x[2];
        int rc = nx_regime_feat_update(&f, &b, x);
        assert_int_equal(rc, i >= 3 ? 1 : 0); /* max(R + 1, W) = 4 bars */
        if (rc == 1) {
            double r = 100 * log(c[i] / c[i - 3]) / 3, pv = 0;
            for (int q = i - 3; q <= i; q++) pv += hl[q] * hl[q] / (4 * log(2.0));
            double v = log(100 * sqrt(pv / 4));
            assert_true(fabs(x[0] - r) < 1e-12);
            assert_true(fabs(x[1] - v) < 1e-12);
        }
    }
    /* a flat window hits the floor instead of -inf */
    assert_int_equal(nx_regime_feat_init(&f, 1, 2), 0);
    double x[2];
    nx_ta_bar_t flat = {0, 100, 100, 100, 100, 0};
    assert_int_equal(nx_regime_feat_update(&f, &flat, x), 0);
    assert_int_equal(nx_regime_feat_update(&f, &flat, x), 1);
    assert_true(x[0] == 0 && fabs(x[1] - log(100 * sqrt(NX_REGIME_PV_FLOOR))) < 1e-12);
}

static void no_allocation_per_online_update(void **state) {
    (void)state;
    nx_regime_hmm_t m = fit_synthetic(2);
    m.ret_window = 1;
    m.vol_window = 10;
    nx_regime_t *d;
    assert_int_equal(nx_regime_new(NULL, &m, &d), 0);
    calm_bars(NB, 4);
    nx_alloc_stats_t a0, a1;
    nx_alloc_stats(&a0);
    uint64_t sink = 0;
    for (int rep = 0; rep < 10; rep++)
        for (int i = 0; i < NB; i++) {
            nx_regime_out_t o;
            sink += (uint64_t)nx_regime_update(d, &bars[i], &o);
        }
    nx_alloc_stats(&a1);
    assert_int_equal(a1.calls, a0.calls);
    nx_regime_filter_t f;
    assert_int_equal(nx_regime_filter_init(&f, &m), 0);
    nx_alloc_stats(&a0);
    for (int i = 0; i < 10000; i++) assert_int_equal(nx_regime_filter_step(&f, synx + 2 * i, NULL), 0);
    nx_alloc_stats(&a1);
    assert_int_equal(a1.calls, a0.calls);
    print_message("%d detector updates, %llu label changes, 0 allocations\n", 10 * NB,
                  (unsigned long long)sink);
    nx_regime_free(d);
}

static void allocation_failures_are_reported_cleanly(void **state) {
    (void)state;
    nx_regime_hmm_t m = truth();
    int failed = 0;
    for (uint64_t k = 1; k < 40; k++) {
        nx_regime_t *d = NULL;
        nx_alloc_fail_at(k, 0);
        int rc = nx_regime_new(NULL, &m, &d);
        nx_alloc_fail_at(0, 0);
        if (rc == 0) {
            nx_regime_free(d);
            break;
        }
        assert_int_equal(rc, NX_ENOMEM);
        assert_null(d);
        failed++;
    }
    assert_true(failed >= 7); /* detector, six indicators, the percentile window */
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    o.k = 2;
    simulate(&m, 1, 500, synx, NULL);
    for (uint64_t k = 1; k <= 2; k++) {
        nx_regime_hmm_t out;
        nx_alloc_fail_at(k, 0);
        int rc = nx_regime_hmm_fit(synx, 500, &o, &out, NULL);
        nx_alloc_fail_at(0, 0);
        assert_int_equal(rc, NX_ENOMEM);
    }
}

static void real_bars_give_a_usable_model_when_the_shared_data_is_present(void **state) {
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s", nx_test_src_path("../shared/reference/btc_perp_1m.bars.csv"));
    FILE *f = fopen(path, "r");
    if (!f) {
        print_message("skipped: %s not present\n", path);
        return;
    }
    static double xs[2 * 50000];
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    nx_regime_feat_t ft;
    assert_int_equal(nx_regime_feat_init(&ft, 1, 10), 0);
    size_t n = 0;
    while (n < 50000 && fgets(line, sizeof line, f)) {
        nx_ta_row_t r;
        assert_int_equal(nx_ta_csv_row(line, strcspn(line, "\r\n"), &r), 0);
        if (nx_regime_feat_update(&ft, &r.bar, xs + 2 * n) == 1) n++;
    }
    fclose(f);
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    nx_regime_hmm_t m;
    nx_regime_fit_report_t rep;
    assert_int_equal(nx_regime_hmm_fit(xs, n, &o, &m, &rep), 0);
    /* states ordered by volatility, sticky, labelled calm -> volatile */
    for (uint32_t i = 0; i < m.k; i++) {
        assert_true(m.trans[i][i] > 0.9);
        if (i) assert_true(m.mean[i][1] > m.mean[i - 1][1]);
    }
    assert_int_equal(m.label[0], NX_REGIME_LOW_VOLATILITY);
    assert_int_equal(m.label[m.k - 1], NX_REGIME_HIGH_VOLATILITY);
    print_message("%zu bars, 3 states: loglik %.3f, vol %% per bar %.4f %.4f %.4f\n", n,
                  m.loglik, exp(m.mean[0][1]), exp(m.mean[1][1]), exp(m.mean[2][1]));
}

static const struct CMUnitTest cases[] = {
    NX_CASE(hmm_fit_recovers_a_synthetic_two_state_series),
    NX_CASE(forward_filter_equals_the_normalised_batch_forward_pass),
    NX_CASE(loglik_never_decreases_across_baum_welch_iterations),
    NX_CASE(same_seed_gives_the_same_model_bytes),
    NX_CASE(fitted_states_get_labels_by_drift_and_volatility),
    NX_CASE(rules_label_a_steady_uptrend_trending_up_and_a_downtrend_down),
    NX_CASE(rules_label_a_sideways_oscillation_mean_reverting),
    NX_CASE(rules_label_a_volatility_spike_high_volatility),
    NX_CASE(rules_label_a_crash_crisis_at_once),
    NX_CASE(a_label_change_becomes_a_kernel_regime_event),
    NX_CASE(breakout_needs_the_channel_a_range_and_volume),
    NX_CASE(hysteresis_needs_confirmation_and_holds_the_minimum_dwell),
    NX_CASE(a_low_confidence_hmm_falls_back_to_the_rules),
    NX_CASE(model_files_round_trip_bit_for_bit),
    NX_CASE(bad_model_files_are_rejected_with_line_numbers),
    NX_CASE(bad_inputs_are_rejected),
    NX_CASE(labels_have_names_that_parse_back),
    NX_CASE(features_follow_their_formulas),
    NX_CASE(no_allocation_per_online_update),
    NX_CASE(allocation_failures_are_reported_cleanly),
    NX_CASE(real_bars_give_a_usable_model_when_the_shared_data_is_present),
};

NX_TEST_MAIN(cases)
