/*
 * src/regime/regime_int.h — internals shared by the regime detector's files:
 * the 2x2 Gaussian log-density used by the fit, the batch forward pass and
 * the online filter (one definition, so all three agree bit for bit).
 */
#ifndef NX_REGIME_INT_H
#define NX_REGIME_INT_H

#include <math.h>

#include "nexus/regime.h"

#define NX__LN_2PI 1.8378770664093454836

/*
 * Precomputed inverse of a symmetric 2x2 covariance [[a, b], [b, c]] and the
 * log normalising constant. The matrices are 2x2, so the closed form is both
 * exact and cheaper than any general routine (no GSL/LAPACK: the project
 * takes no such dependency for K <= 4 states of 2 features).
 * Returns 0, or -1 if the matrix is not positive definite.
 */
static inline int nx__cov_prep(const double cov[3], double icov[3], double *lnorm) {
    double a = cov[0], b = cov[1], c = cov[2];
    double det = a * c - b * b;
    if (!(a > 0) || !(c > 0) || !(det > 0) || !isfinite(det)) return -1;
    icov[0] = c / det;
    icov[1] = -b / det;
    icov[2] = a / det;
    *lnorm = -NX__LN_2PI - 0.5 * log(det);
    return 0;
}

static inline double nx__logpdf(const double mean[2], const double icov[3], double lnorm,
                                const double x[2]) {
    double dr = x[0] - mean[0], dv = x[1] - mean[1];
    double q = icov[0] * dr * dr + 2.0 * icov[1] * dr * dv + icov[2] * dv * dv;
    return lnorm - 0.5 * q;
}

/*
 * Emission weights of one observation, shifted by their maximum so the
 * largest is exactly 1 and nothing underflows to an all-zero row:
 * b[i] = exp(logpdf_i - max). Returns the shift (max logpdf), or -inf with
 * all b[i] = 1 when no state gives x a finite log-density (|x| ~ 1e300).
 */
/* mean: k rows of 2 (stride 2); icov: k rows of 3 (stride 3). */
static inline double nx__emis(uint32_t k, const double *mean, const double *icov,
                              const double *lnorm, const double x[2], double *b) {
    double lp[NX_REGIME_STATES_MAX], mx = -INFINITY;
    for (uint32_t i = 0; i < k; i++) {
        lp[i] = nx__logpdf(mean + 2 * i, icov + 3 * i, lnorm[i], x);
        if (isnan(lp[i])) lp[i] = -INFINITY; /* inf - inf in the quadratic form */
        if (lp[i] > mx) mx = lp[i];
    }
    if (mx == -INFINITY) { /* no state gives it any density: uninformative */
        for (uint32_t i = 0; i < k; i++) b[i] = 1.0;
        return mx;
    }
    for (uint32_t i = 0; i < k; i++) b[i] = exp(lp[i] - mx);
    return mx;
}

/* ------------------------------------------------------------------------- */
/* The threshold classifier (rules.c)                                        */
/* ------------------------------------------------------------------------- */

typedef struct nx__rules {
    nx_regime_params_t p;
    nx_ta_t *adx, *ema, *natr, *chan, *vsma, *hi; /* hi: Donchian of drawdown_window */
    double *ring, *sorted;                        /* pct_window each */
    uint32_t n, pos;                              /* values in the window, next slot */
    uint64_t count;
    double prev_ema, cum_high;
    uint32_t breakout_left;
} nx__rules_t;

typedef struct nx__rules_out {
    nx_regime_label_t label;
    double adx, ema_slope, vol_pct, drawdown;
} nx__rules_out_t;

int nx__rules_init(nx__rules_t *r, const nx_regime_params_t *p);
void nx__rules_close(nx__rules_t *r);
void nx__rules_reset(nx__rules_t *r);
/* The bar is already validated (finite, positive prices, high >= low, volume >= 0). */
void nx__rules_update(nx__rules_t *r, const nx_ta_bar_t *bar, nx__rules_out_t *out);

#endif
