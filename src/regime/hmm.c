/*
 * The Gaussian HMM: Baum-Welch fit, batch forward pass, online filter,
 * model check and the state -> label mapping.
 *
 * Scaling: the forward and backward passes are Rabiner's per-step scaled
 * recursions (alpha normalised to sum 1 at every step, the scale c_t kept),
 * and each step's emission densities are computed in log space and shifted
 * by their maximum before exponentiating, so an observation far from every
 * state never underflows to an all-zero row. log L = sum_t (ln c_t + shift_t).
 *
 * Covariances are full 2x2 (the return and the volatility of a bar are
 * correlated: falls come with high volatility). Linear algebra is the closed
 * form for 2x2 matrices, written here by hand (regime_int.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regime_int.h"

/* ------------------------------------------------------------------------- */
/* Model check and canonical order                                           */
/* ------------------------------------------------------------------------- */

static int nx__row_ok(const double *p, uint32_t k) {
    double s = 0;
    for (uint32_t j = 0; j < k; j++) {
        if (!(p[j] >= 0.0 && p[j] <= 1.0)) return 0;
        s += p[j];
    }
    return fabs(s - 1.0) <= 1e-6;
}

int nx_regime_hmm_check(const nx_regime_hmm_t *m) {
    if (!m) return NX_EINVAL;
    if (m->k < NX_REGIME_STATES_MIN || m->k > NX_REGIME_STATES_MAX)
        return NX_ERR(NX_EINVAL, "states must be in [%d, %d], got %u", NX_REGIME_STATES_MIN,
                      NX_REGIME_STATES_MAX, m->k);
    if (m->ret_window < 1 || m->ret_window > NX_REGIME_WINDOW_MAX ||
        m->vol_window < 1 || m->vol_window > NX_REGIME_WINDOW_MAX)
        return NX_ERR(NX_EINVAL, "feature windows must be in [1, %d]", NX_REGIME_WINDOW_MAX);
    if (!nx__row_ok(m->pi, m->k))
        return NX_ERR(NX_EINVAL, "pi must be probabilities summing to 1");
    for (uint32_t i = 0; i < m->k; i++) {
        if (!nx__row_ok(m->trans[i], m->k))
            return NX_ERR(NX_EINVAL, "trans row %u must be probabilities summing to 1", i);
        if (!isfinite(m->mean[i][0]) || !isfinite(m->mean[i][1]))
            return NX_ERR(NX_EINVAL, "mean of state %u is not finite", i);
        const double *c = m->cov[i];
        if (!isfinite(c[0]) || !isfinite(c[1]) || !isfinite(c[2]) || !(c[0] > 0) ||
            !(c[2] > 0))
            return NX_ERR(NX_EINVAL, "cov of state %u: variances must be positive and finite",
                          i);
        if (!(c[1] * c[1] < c[0] * c[2]))
            return NX_ERR(NX_EINVAL, "cov of state %u is not positive definite (|corr| >= 1)",
                          i);
        double ic[3], ln;
        if (nx__cov_prep(c, ic, &ln) < 0 || !isfinite(ln) || !isfinite(ic[0]) ||
            !isfinite(ic[1]) || !isfinite(ic[2]))
            return NX_ERR(NX_EINVAL, "cov of state %u is numerically singular", i);
        if ((unsigned)m->label[i] >= NX_REGIME_LABEL_COUNT)
            return NX_ERR(NX_EINVAL, "label of state %u out of range", i);
    }
    return 0;
}

/* Reorder states by ascending mean v, then mean r, then old index. */
static void nx__canonical(nx_regime_hmm_t *m) {
    uint32_t k = m->k, ord[NX_REGIME_STATES_MAX];
    for (uint32_t i = 0; i < k; i++) ord[i] = i;
    for (uint32_t a = 1; a < k; a++) { /* insertion sort: k <= 4, stable */
        uint32_t x = ord[a], b = a;
        while (b > 0) {
            uint32_t y = ord[b - 1];
            int before = m->mean[x][1] < m->mean[y][1] ||
                         (m->mean[x][1] == m->mean[y][1] && m->mean[x][0] < m->mean[y][0]);
            if (!before) break;
            ord[b] = y;
            b--;
        }
        ord[b] = x;
    }
    nx_regime_hmm_t o = *m;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t s = ord[i];
        m->pi[i] = o.pi[s];
        m->mean[i][0] = o.mean[s][0];
        m->mean[i][1] = o.mean[s][1];
        memcpy(m->cov[i], o.cov[s], sizeof m->cov[i]);
        m->label[i] = o.label[s];
        for (uint32_t j = 0; j < k; j++) m->trans[i][j] = o.trans[s][ord[j]];
    }
}

void nx_regime_hmm_map_labels(nx_regime_hmm_t *m, double trend_t) {
    if (!m || m->k < 1 || m->k > NX_REGIME_STATES_MAX) return;
    uint32_t k = m->k;
    /* rank by mean v (ties: mean r, index) */
    uint32_t top = 0;
    for (uint32_t i = 1; i < k; i++)
        if (m->mean[i][1] > m->mean[top][1] ||
            (m->mean[i][1] == m->mean[top][1] && m->mean[i][0] > m->mean[top][0]))
            top = i;
    int done[NX_REGIME_STATES_MAX] = {0};
    for (uint32_t i = 0; i < k; i++) {
        double sd = sqrt(m->cov[i][0]);
        double t = sd > 0 ? m->mean[i][0] / sd : 0.0;
        if (t >= trend_t) {
            m->label[i] = NX_REGIME_TRENDING_UP;
            done[i] = 1;
        } else if (t <= -trend_t) {
            m->label[i] = (i == top && k >= 3) ? NX_REGIME_CRISIS : NX_REGIME_TRENDING_DOWN;
            done[i] = 1;
        }
    }
    uint32_t rest[NX_REGIME_STATES_MAX], nr = 0;
    for (uint32_t i = 0; i < k; i++)
        if (!done[i]) rest[nr++] = i;
    /* sort the rest by mean v ascending (k <= 4) */
    for (uint32_t a = 1; a < nr; a++) {
        uint32_t x = rest[a], b = a;
        while (b > 0 && (m->mean[x][1] < m->mean[rest[b - 1]][1] ||
                         (m->mean[x][1] == m->mean[rest[b - 1]][1] &&
                          m->mean[x][0] < m->mean[rest[b - 1]][0]))) {
            rest[b] = rest[b - 1];
            b--;
        }
        rest[b] = x;
    }
    for (uint32_t a = 0; a < nr; a++) {
        nx_regime_label_t l = NX_REGIME_MEAN_REVERTING;
        if (nr >= 2 && a == 0) l = NX_REGIME_LOW_VOLATILITY;
        else if (nr >= 2 && a == nr - 1) l = NX_REGIME_HIGH_VOLATILITY;
        m->label[rest[a]] = l;
    }
}

/* ------------------------------------------------------------------------- */
/* Forward / backward                                                        */
/* ------------------------------------------------------------------------- */

typedef struct {
    uint32_t k;
    double icov[NX_REGIME_STATES_MAX][3];
    double lnorm[NX_REGIME_STATES_MAX];
} nx__prep_t;

static int nx__prep(const nx_regime_hmm_t *m, nx__prep_t *p) {
    p->k = m->k;
    for (uint32_t i = 0; i < m->k; i++)
        if (nx__cov_prep(m->cov[i], p->icov[i], &p->lnorm[i]) < 0) return -1;
    return 0;
}

/*
 * Scaled forward pass. b (n*k) receives the shifted emission weights when
 * not NULL (the E-step reuses them), alpha (n*k) the normalised forward
 * variables, c (n) the scales. Returns log L, or NaN if a step had zero
 * mass (the caller treats that as a failed restart).
 */
static double nx__forward(const nx_regime_hmm_t *m, const nx__prep_t *p, const double *x,
                          size_t n, double *alpha, double *b, double *c) {
    uint32_t k = m->k;
    double ll = 0, prev[NX_REGIME_STATES_MAX], bt[NX_REGIME_STATES_MAX];
    for (size_t t = 0; t < n; t++) {
        double shift = nx__emis(k, &m->mean[0][0], &p->icov[0][0], p->lnorm, x + 2 * t, bt);
        if (shift == -INFINITY) return NAN;
        double a[NX_REGIME_STATES_MAX], s = 0;
        for (uint32_t j = 0; j < k; j++) {
            double pr;
            if (t == 0) {
                pr = m->pi[j];
            } else {
                pr = 0;
                for (uint32_t i = 0; i < k; i++) pr += prev[i] * m->trans[i][j];
            }
            a[j] = pr * bt[j];
            s += a[j];
        }
        if (!(s > 0) || !isfinite(s)) return NAN;
        for (uint32_t j = 0; j < k; j++) {
            prev[j] = a[j] / s;
            if (alpha) alpha[t * k + j] = prev[j];
            if (b) b[t * k + j] = bt[j];
        }
        if (c) c[t] = s;
        ll += log(s) + shift;
    }
    return ll;
}

int nx_regime_hmm_forward(const nx_regime_hmm_t *m, const double *x, size_t n, double *alpha,
                          double *loglik) {
    if (!m || (!x && n)) return NX_EINVAL;
    int rc = nx_regime_hmm_check(m);
    if (rc < 0) return rc;
    for (size_t t = 0; t < 2 * n; t++)
        if (!isfinite(x[t])) return NX_ERR(NX_EINVAL, "row %zu: feature is not finite", t / 2);
    nx__prep_t p;
    if (nx__prep(m, &p) < 0) return NX_ERR(NX_EINVAL, "covariance not positive definite");
    double ll = nx__forward(m, &p, x, n, alpha, NULL, NULL);
    if (isnan(ll)) return NX_ERR(NX_ERANGE, "observation with zero probability under the model");
    if (loglik) *loglik = ll;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Baum-Welch                                                                */
/* ------------------------------------------------------------------------- */

void nx_regime_fit_opts_default(nx_regime_fit_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->k = 3;
    o->seed = 1;
    o->restarts = 5;
    o->max_iter = 300;
    o->tol = 1e-7;
    o->var_floor = 1e-3;
    o->trend_t = NX_REGIME_TREND_T;
    o->ret_window = 1;
    o->vol_window = 10;
}

typedef struct {
    size_t n;
    uint32_t k;
    const double *x;
    double *alpha, *beta, *b, *c; /* n*k, n*k, n*k, n */
    double floor_[2];             /* variance floors */
} nx__work_t;

/* Clamp a covariance to the floors and |corr| <= 0.999. */
static void nx__clamp_cov(double cov[3], const double fl[2]) {
    if (!(cov[0] >= fl[0])) cov[0] = fl[0];
    if (!(cov[2] >= fl[1])) cov[2] = fl[1];
    double lim = 0.999 * sqrt(cov[0] * cov[2]);
    if (!(cov[1] <= lim)) cov[1] = lim;
    if (!(cov[1] >= -lim)) cov[1] = -lim;
}

/* One E-step (forward, backward) and M-step. Returns log L of m before the update. */
static double nx__em_step(nx__work_t *w, nx_regime_hmm_t *m, int update) {
    uint32_t k = w->k;
    size_t n = w->n;
    nx__prep_t p;
    if (nx__prep(m, &p) < 0) return NAN;
    double ll = nx__forward(m, &p, w->x, n, w->alpha, w->b, w->c);
    if (isnan(ll) || !update) return ll;
    /* backward: beta_{n-1} = 1; beta_t(i) = sum_j A_ij b_{t+1}(j) beta_{t+1}(j) / c_{t+1} */
    double *beta = w->beta;
    for (uint32_t i = 0; i < k; i++) beta[(n - 1) * k + i] = 1.0;
    for (size_t t = n - 1; t-- > 0;) {
        const double *bn = w->b + (t + 1) * k, *betan = beta + (t + 1) * k;
        double cn = w->c[t + 1];
        for (uint32_t i = 0; i < k; i++) {
            double s = 0;
            for (uint32_t j = 0; j < k; j++) s += m->trans[i][j] * bn[j] * betan[j];
            beta[t * k + i] = s / cn;
        }
    }
    /* accumulate: gamma_t(i) = alpha_t(i) beta_t(i);
     * xi_t(i,j) = alpha_t(i) A_ij b_{t+1}(j) beta_{t+1}(j) / c_{t+1} */
    double g[NX_REGIME_STATES_MAX] = {0}, gtr[NX_REGIME_STATES_MAX] = {0};
    double xi[NX_REGIME_STATES_MAX][NX_REGIME_STATES_MAX] = {{0}};
    double sx[NX_REGIME_STATES_MAX][2] = {{0}};
    double pi0[NX_REGIME_STATES_MAX];
    for (size_t t = 0; t < n; t++) {
        const double *a = w->alpha + t * k, *bt = beta + t * k, *xt = w->x + 2 * t;
        double gs = 0, gt[NX_REGIME_STATES_MAX];
        for (uint32_t i = 0; i < k; i++) {
            gt[i] = a[i] * bt[i];
            gs += gt[i];
        }
        for (uint32_t i = 0; i < k; i++) {
            double gi = gt[i] / gs; /* exactly 1 in theory; divide out rounding */
            if (t == 0) pi0[i] = gi;
            g[i] += gi;
            sx[i][0] += gi * xt[0];
            sx[i][1] += gi * xt[1];
            if (t + 1 < n) gtr[i] += gi;
        }
        if (t + 1 < n) {
            const double *bn = w->b + (t + 1) * k, *betan = beta + (t + 1) * k;
            double cn = w->c[t + 1];
            for (uint32_t i = 0; i < k; i++)
                for (uint32_t j = 0; j < k; j++)
                    xi[i][j] += a[i] * m->trans[i][j] * bn[j] * betan[j] / cn;
        }
    }
    /* M-step */
    double mean[NX_REGIME_STATES_MAX][2];
    for (uint32_t i = 0; i < k; i++) {
        if (g[i] > 1e-12 * (double)n) {
            mean[i][0] = sx[i][0] / g[i];
            mean[i][1] = sx[i][1] / g[i];
        } else { /* a dead state keeps its parameters: it carries no weight */
            mean[i][0] = m->mean[i][0];
            mean[i][1] = m->mean[i][1];
        }
    }
    double sc[NX_REGIME_STATES_MAX][3] = {{0}};
    for (size_t t = 0; t < n; t++) { /* second pass: covariances about the new means */
        const double *a = w->alpha + t * k, *bt = beta + t * k, *xt = w->x + 2 * t;
        double gs = 0, gt[NX_REGIME_STATES_MAX];
        for (uint32_t i = 0; i < k; i++) {
            gt[i] = a[i] * bt[i];
            gs += gt[i];
        }
        for (uint32_t i = 0; i < k; i++) {
            double gi = gt[i] / gs, dr = xt[0] - mean[i][0], dv = xt[1] - mean[i][1];
            sc[i][0] += gi * dr * dr;
            sc[i][1] += gi * dr * dv;
            sc[i][2] += gi * dv * dv;
        }
    }
    for (uint32_t i = 0; i < k; i++) {
        m->pi[i] = pi0[i];
        if (g[i] > 1e-12 * (double)n) {
            m->mean[i][0] = mean[i][0];
            m->mean[i][1] = mean[i][1];
            for (int e = 0; e < 3; e++) m->cov[i][e] = sc[i][e] / g[i];
            nx__clamp_cov(m->cov[i], w->floor_);
        }
        if (gtr[i] > 0) {
            double rs = 0;
            for (uint32_t j = 0; j < k; j++) rs += xi[i][j];
            if (rs > 0)
                for (uint32_t j = 0; j < k; j++) m->trans[i][j] = xi[i][j] / rs;
        }
    }
    return ll;
}

/* Restart 0: k groups of equal size by the volatility feature's rank. */
typedef struct {
    double v;
    size_t i;
} nx__vi_t;

static int nx__cmp_vi(const void *a, const void *b) {
    const nx__vi_t *p = a, *q = b;
    if (p->v < q->v) return -1;
    if (p->v > q->v) return 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static void nx__init_quantiles(nx__work_t *w, nx_regime_hmm_t *m, nx__vi_t *vi) {
    uint32_t k = w->k;
    size_t n = w->n;
    for (size_t t = 0; t < n; t++) {
        vi[t].v = w->x[2 * t + 1];
        vi[t].i = t;
    }
    qsort(vi, n, sizeof *vi, nx__cmp_vi);
    for (uint32_t i = 0; i < k; i++) {
        size_t lo = n * i / k, hi = n * (i + 1) / k;
        double s0 = 0, s1 = 0, c[3] = {0};
        for (size_t q = lo; q < hi; q++) {
            s0 += w->x[2 * vi[q].i];
            s1 += w->x[2 * vi[q].i + 1];
        }
        double cnt = (double)(hi - lo);
        s0 /= cnt;
        s1 /= cnt;
        for (size_t q = lo; q < hi; q++) {
            double dr = w->x[2 * vi[q].i] - s0, dv = w->x[2 * vi[q].i + 1] - s1;
            c[0] += dr * dr;
            c[1] += dr * dv;
            c[2] += dv * dv;
        }
        m->mean[i][0] = s0;
        m->mean[i][1] = s1;
        for (int e = 0; e < 3; e++) m->cov[i][e] = c[e] / cnt;
        nx__clamp_cov(m->cov[i], w->floor_);
        m->pi[i] = 1.0 / k;
        for (uint32_t j = 0; j < k; j++)
            m->trans[i][j] = i == j ? 0.9 : 0.1 / (double)(k - 1);
    }
}

/* Other restarts: means at k distinct random observations, the global
 * covariance for every state, a random sticky transition matrix. */
static void nx__init_random(nx__work_t *w, nx_regime_hmm_t *m, nx_rng_t *rng,
                            const double gmean[2], const double gcov[3]) {
    uint32_t k = w->k;
    size_t n = w->n;
    for (uint32_t i = 0; i < k; i++) {
        size_t t = 0;
        for (int tries = 0; tries < 64; tries++) {
            t = (size_t)nx_rng_below(rng, n);
            int dup = 0;
            for (uint32_t q = 0; q < i; q++)
                dup |= m->mean[q][0] == w->x[2 * t] && m->mean[q][1] == w->x[2 * t + 1];
            if (!dup) break;
        }
        m->mean[i][0] = w->x[2 * t];
        m->mean[i][1] = w->x[2 * t + 1];
        memcpy(m->cov[i], gcov, 3 * sizeof(double));
        nx__clamp_cov(m->cov[i], w->floor_);
        m->pi[i] = 1.0 / k;
        double s = 0, row[NX_REGIME_STATES_MAX];
        for (uint32_t j = 0; j < k; j++) {
            row[j] = i == j ? 5.0 + 5.0 * nx_rng_double(rng) : 0.05 + nx_rng_double(rng);
            s += row[j];
        }
        for (uint32_t j = 0; j < k; j++) m->trans[i][j] = row[j] / s;
    }
    (void)gmean;
}

int nx_regime_hmm_fit(const double *x, size_t n, const nx_regime_fit_opts_t *o,
                      nx_regime_hmm_t *out, nx_regime_fit_report_t *rep) {
    if ((!x && n) || !o || !out) return NX_EINVAL;
    uint32_t k = o->k;
    if (k < NX_REGIME_STATES_MIN || k > NX_REGIME_STATES_MAX)
        return NX_ERR(NX_EINVAL, "states must be in [%d, %d], got %u", NX_REGIME_STATES_MIN,
                      NX_REGIME_STATES_MAX, k);
    if (o->restarts < 1 || o->restarts > NX_REGIME_RESTARTS_MAX)
        return NX_ERR(NX_EINVAL, "restarts must be in [1, %d], got %u", NX_REGIME_RESTARTS_MAX,
                      o->restarts);
    if (o->max_iter < 1) return NX_ERR(NX_EINVAL, "max_iter must be >= 1");
    if (!(o->tol >= 0) || !isfinite(o->tol)) return NX_ERR(NX_EINVAL, "tol must be >= 0");
    if (!(o->var_floor > 0 && o->var_floor < 1))
        return NX_ERR(NX_EINVAL, "var_floor must be in (0, 1), got %g", o->var_floor);
    if (!isfinite(o->trend_t) || o->trend_t < 0)
        return NX_ERR(NX_EINVAL, "trend_t must be finite and >= 0");
    if (o->ret_window < 1 || o->ret_window > NX_REGIME_WINDOW_MAX || o->vol_window < 1 ||
        o->vol_window > NX_REGIME_WINDOW_MAX)
        return NX_ERR(NX_EINVAL, "feature windows must be in [1, %d]", NX_REGIME_WINDOW_MAX);
    if (n < 10 * (size_t)k)
        return NX_ERR(NX_EINVAL, "need at least %u observations for %u states, got %zu",
                      10 * k, k, n);
    if (n > ((size_t)1 << 40) / (k * sizeof(double)))
        return NX_ERR(NX_ELIMIT, "too many observations (%zu)", n);
    double gm[2] = {0, 0}, gc[3] = {0, 0, 0};
    for (size_t t = 0; t < n; t++) {
        if (!isfinite(x[2 * t]) || !isfinite(x[2 * t + 1]))
            return NX_ERR(NX_EINVAL, "row %zu: feature is not finite", t);
        gm[0] += x[2 * t];
        gm[1] += x[2 * t + 1];
    }
    gm[0] /= (double)n;
    gm[1] /= (double)n;
    for (size_t t = 0; t < n; t++) {
        double dr = x[2 * t] - gm[0], dv = x[2 * t + 1] - gm[1];
        gc[0] += dr * dr;
        gc[1] += dr * dv;
        gc[2] += dv * dv;
    }
    for (int e = 0; e < 3; e++) gc[e] /= (double)n;
    if (!(gc[0] > 0) || !(gc[2] > 0))
        return NX_ERR(NX_EINVAL, "a feature is constant over the sample: nothing to fit");

    nx__work_t w = {.n = n, .k = k, .x = x};
    w.floor_[0] = o->var_floor * gc[0];
    w.floor_[1] = o->var_floor * gc[2];
    size_t nk = n * k;
    double *mem = nx_malloc((3 * nk + n) * sizeof(double));
    nx__vi_t *vi = nx_malloc(n * sizeof(nx__vi_t));
    if (!mem || !vi) {
        nx_free(mem);
        nx_free(vi);
        return NX_ERR(NX_ENOMEM, "HMM fit work memory for %zu observations", n);
    }
    w.alpha = mem;
    w.beta = mem + nk;
    w.b = mem + 2 * nk;
    w.c = mem + 3 * nk;

    nx_regime_fit_report_t r;
    memset(&r, 0, sizeof r);
    nx_regime_hmm_t best;
    memset(&best, 0, sizeof best);
    double best_ll = -INFINITY;
    int have = 0;
    for (uint32_t rs = 0; rs < o->restarts; rs++) {
        nx_regime_hmm_t m;
        memset(&m, 0, sizeof m);
        m.k = k;
        if (rs == 0) {
            nx__init_quantiles(&w, &m, vi);
        } else {
            nx_rng_t rng; /* one stream per restart: restarts do not depend on each other */
            nx_rng_seed(&rng, o->seed * 0x9E3779B97F4A7C15ull + rs);
            nx__init_random(&w, &m, &rng, gm, gc);
        }
        double prev = -INFINITY, ll = NAN;
        uint32_t it = 0;
        int conv = 0;
        nx_regime_hmm_t last = m; /* the parameters ll belongs to */
        for (;;) {
            last = m;
            int more = it + 1 < o->max_iter;
            ll = nx__em_step(&w, &m, more);
            it++;
            if (isnan(ll)) break;
            if (o->on_iter) o->on_iter(o->ctx, rs, it, ll);
            if (it > 1 && ll - prev <= o->tol * fabs(prev)) {
                conv = 1;
                break;
            }
            if (!more) break;
            prev = ll;
        }
        r.loglik[rs] = ll;
        r.iters[rs] = it;
        r.converged[rs] = (uint8_t)conv;
        r.restarts = rs + 1;
        if (!isnan(ll) && ll > best_ll) {
            best_ll = ll;
            best = last;
            best.iterations = it;
            r.best = rs;
            have = 1;
        }
    }
    nx_free(mem);
    nx_free(vi);
    if (!have) return NX_ERR(NX_ERANGE, "no restart reached a finite likelihood");
    best.k = k;
    best.ret_window = o->ret_window;
    best.vol_window = o->vol_window;
    best.loglik = best_ll;
    best.nobs = n;
    best.seed = o->seed;
    nx__canonical(&best);
    nx_regime_hmm_map_labels(&best, o->trend_t);
    int rc = nx_regime_hmm_check(&best);
    if (rc < 0) return NX_ERR_APPEND(rc, "fitted model");
    *out = best;
    if (rep) *rep = r;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Online filter                                                             */
/* ------------------------------------------------------------------------- */

int nx_regime_filter_init(nx_regime_filter_t *f, const nx_regime_hmm_t *m) {
    if (!f || !m) return NX_EINVAL;
    int rc = nx_regime_hmm_check(m);
    if (rc < 0) return rc;
    memset(f, 0, sizeof *f);
    f->m = *m;
    for (uint32_t i = 0; i < m->k; i++)
        (void)nx__cov_prep(m->cov[i], f->icov[i], &f->lnorm[i]); /* checked above */
    return 0;
}

void nx_regime_filter_reset(nx_regime_filter_t *f) {
    if (!f) return;
    f->count = 0;
    memset(f->p, 0, sizeof f->p);
}

int nx_regime_filter_step(nx_regime_filter_t *f, const double x[2], double *post) {
    if (!f || !x) return NX_EINVAL;
    if (!isfinite(x[0]) || !isfinite(x[1]))
        return NX_ERR(NX_EINVAL, "observation %llu: feature is not finite",
                      (unsigned long long)f->count);
    const nx_regime_hmm_t *m = &f->m;
    uint32_t k = m->k;
    double bt[NX_REGIME_STATES_MAX], a[NX_REGIME_STATES_MAX], s = 0;
    (void)nx__emis(k, &m->mean[0][0], &f->icov[0][0], f->lnorm, x, bt);
    for (uint32_t j = 0; j < k; j++) {
        double pr;
        if (f->count == 0) {
            pr = m->pi[j];
        } else {
            pr = 0;
            for (uint32_t i = 0; i < k; i++) pr += f->p[i] * m->trans[i][j];
        }
        a[j] = pr * bt[j];
        s += a[j];
    }
    if (!(s > 0)) { /* impossible under the chain: start afresh from pi */
        s = 0;
        for (uint32_t j = 0; j < k; j++) {
            a[j] = m->pi[j] * bt[j];
            s += a[j];
        }
        if (!(s > 0)) { /* pi excludes it too: the emission alone decides */
            s = 0;
            for (uint32_t j = 0; j < k; j++) s += (a[j] = bt[j]);
        }
    }
    for (uint32_t j = 0; j < k; j++) {
        f->p[j] = a[j] / s;
        if (post) post[j] = f->p[j];
    }
    f->count++;
    return 0;
}
