/*
 * src/strategy/sind.h — the small streaming indicators built-in strategies
 * and the host's sizing/exits keep inside their state blocks.
 *
 * Why not nx_ta_t: a strategy's state must be plain relocatable data so a
 * snapshot is a copy of bytes and a restore in another process continues
 * exactly; nx_ta_t objects hold pointers into themselves (rings, shared
 * cores). These structs hold fixed arrays instead (windows up to
 * NX_SIND_WIN_MAX) and follow TA-Lib's seeding, so their values equal the
 * ta module's (tests/test_strategy.c compares them bar by bar).
 *
 * Every update returns 1 once the indicator has a value, else 0.
 */
#ifndef NX_STRATEGY_SIND_H
#define NX_STRATEGY_SIND_H

#include <math.h>
#include <stdint.h>

#define NX_SIND_WIN_MAX 1024u

/* --- Exact SMA on int64 mantissas (one scale): the sum is exact, so two
 *     averages compare exactly (fast_sum * n_slow vs slow_sum * n_fast). -- */
typedef struct nx_sind_isma {
    int64_t ring[NX_SIND_WIN_MAX];
    nx_i128 sum;
    uint32_t n, pos;
    uint64_t count;
} nx_sind_isma_t;

static inline void nx_sind_isma_init(nx_sind_isma_t *s, uint32_t n) {
    s->n = n;
    s->pos = 0;
    s->count = 0;
    s->sum = 0;
}
static inline int nx_sind_isma_update(nx_sind_isma_t *s, int64_t x) {
    if (s->count >= s->n) s->sum -= s->ring[s->pos];
    s->ring[s->pos] = x;
    s->sum += x;
    s->pos = s->pos + 1u == s->n ? 0u : s->pos + 1u;
    s->count++;
    return s->count >= s->n;
}
/* sign(a_avg - b_avg) of two ready exact SMAs, compared exactly. */
static inline int nx_sind_isma_cmp(const nx_sind_isma_t *a, const nx_sind_isma_t *b) {
    /* |sum| < 2^63 * 1024 and n <= 1024: the products stay below 2^83. */
    nx_i128 l = a->sum * (nx_i128)b->n, r = b->sum * (nx_i128)a->n;
    return (l > r) - (l < r);
}
static inline double nx_sind_isma_value(const nx_sind_isma_t *s) {
    return (double)s->sum / (double)s->n;
}

/* --- Rolling window of doubles: mean, population deviation, extremes. ----- */
typedef struct nx_sind_win {
    double ring[NX_SIND_WIN_MAX];
    double sum, sumsq;
    uint32_t n, pos;
    uint64_t count;
} nx_sind_win_t;

static inline void nx_sind_win_init(nx_sind_win_t *w, uint32_t n) {
    w->n = n;
    w->pos = 0;
    w->count = 0;
    w->sum = w->sumsq = 0;
}
static inline int nx_sind_win_update(nx_sind_win_t *w, double x) {
    if (w->count >= w->n) {
        double old = w->ring[w->pos];
        w->sum -= old;
        w->sumsq -= old * old;
    }
    w->ring[w->pos] = x;
    w->sum += x;
    w->sumsq += x * x;
    w->pos = w->pos + 1u == w->n ? 0u : w->pos + 1u;
    w->count++;
    return w->count >= w->n;
}
static inline double nx_sind_win_mean(const nx_sind_win_t *w) {
    uint64_t k = w->count < w->n ? w->count : w->n;
    return k ? w->sum / (double)k : 0.0;
}
/* Population standard deviation (TA-Lib's STDDEV and BBANDS). */
static inline double nx_sind_win_std(const nx_sind_win_t *w) {
    uint64_t k = w->count < w->n ? w->count : w->n;
    if (!k) return 0.0;
    double m = w->sum / (double)k, v = w->sumsq / (double)k - m * m;
    return v > 0 ? sqrt(v) : 0.0;
}
/* Sample standard deviation (n - 1), for realised volatility. */
static inline double nx_sind_win_sstd(const nx_sind_win_t *w) {
    uint64_t k = w->count < w->n ? w->count : w->n;
    if (k < 2) return 0.0;
    double m = w->sum / (double)k, v = (w->sumsq - (double)k * m * m) / (double)(k - 1);
    return v > 0 ? sqrt(v) : 0.0;
}
static inline double nx_sind_win_max(const nx_sind_win_t *w) {
    uint64_t k = w->count < w->n ? w->count : w->n;
    double m = -INFINITY;
    for (uint64_t i = 0; i < k; i++)
        if (w->ring[i] > m) m = w->ring[i];
    return m;
}
static inline double nx_sind_win_min(const nx_sind_win_t *w) {
    uint64_t k = w->count < w->n ? w->count : w->n;
    double m = INFINITY;
    for (uint64_t i = 0; i < k; i++)
        if (w->ring[i] < m) m = w->ring[i];
    return m;
}

/* --- EMA, seeded with the SMA of the first n values (TA-Lib). ------------- */
typedef struct nx_sind_ema {
    double k, v, seed;
    uint32_t n;
    uint64_t count;
} nx_sind_ema_t;

static inline void nx_sind_ema_init(nx_sind_ema_t *e, uint32_t n) {
    e->n = n;
    e->k = 2.0 / ((double)n + 1.0);
    e->v = e->seed = 0;
    e->count = 0;
}
static inline int nx_sind_ema_update(nx_sind_ema_t *e, double x) {
    uint64_t i = e->count++;
    if (i < e->n) {
        e->seed += x;
        if (i + 1u < e->n) return 0;
        e->v = e->seed / (double)e->n;
        return 1;
    }
    e->v = (x - e->v) * e->k + e->v;
    return 1;
}

/* --- RSI with Wilder smoothing, TA-Lib seeding (simple averages of the
 *     first n changes, then (prev*(n-1) + x)/n). ---------------------------- */
typedef struct nx_sind_rsi {
    double prev, gain, loss, v;
    uint32_t n;
    uint64_t count;
} nx_sind_rsi_t;

static inline void nx_sind_rsi_init(nx_sind_rsi_t *r, uint32_t n) {
    r->n = n;
    r->prev = r->gain = r->loss = r->v = 0;
    r->count = 0;
}
static inline double nx__sind_rsi_val(const nx_sind_rsi_t *r) {
    double s = r->gain + r->loss;
    return s > 1e-8 || s < -1e-8 ? 100.0 * (r->gain / s) : 0.0;
}
static inline int nx_sind_rsi_update(nx_sind_rsi_t *r, double x) {
    uint64_t i = r->count++;
    if (i == 0) {
        r->prev = x;
        return 0;
    }
    double d = x - r->prev;
    r->prev = x;
    double g = d > 0 ? d : 0, l = d < 0 ? -d : 0, nn = (double)r->n;
    if (i < r->n) {
        r->gain += g;
        r->loss += l;
        return 0;
    }
    if (i == r->n) {
        r->gain = (r->gain + g) / nn;
        r->loss = (r->loss + l) / nn;
    } else {
        r->gain = (r->gain * (nn - 1) + g) / nn;
        r->loss = (r->loss * (nn - 1) + l) / nn;
    }
    r->v = nx__sind_rsi_val(r);
    return 1;
}

/* --- True range and ATR (Wilder; TA-Lib: the first ATR is the mean of the
 *     first n true ranges, which start at the second bar). ----------------- */
static inline double nx_sind_trange(double h, double l, double pc) {
    double a = h - l, b = fabs(h - pc), c = fabs(l - pc);
    double m = a > b ? a : b;
    return m > c ? m : c;
}
typedef struct nx_sind_atr {
    double pc, v, sum;
    uint32_t n;
    uint64_t count;
} nx_sind_atr_t;

static inline void nx_sind_atr_init(nx_sind_atr_t *a, uint32_t n) {
    a->n = n;
    a->pc = a->v = a->sum = 0;
    a->count = 0;
}
static inline int nx_sind_atr_update(nx_sind_atr_t *a, double h, double l, double c) {
    uint64_t i = a->count++;
    if (i == 0) {
        a->pc = c;
        return 0;
    }
    double tr = nx_sind_trange(h, l, a->pc);
    a->pc = c;
    if (i < a->n) {
        a->sum += tr;
        return 0;
    }
    if (i == a->n) {
        a->v = (a->sum + tr) / (double)a->n;
        return 1;
    }
    a->v = (a->v * ((double)a->n - 1) + tr) / (double)a->n;
    return 1;
}

/* --- ADX (TA-Lib): directional movement summed over the first n-1 changes,
 *     Wilder-smoothed after; DX averaged over n values, then smoothed. ----- */
typedef struct nx_sind_adx {
    double ph, pl, pc, pdm, mdm, tr, sum_dx, v;
    uint32_t n;
    uint64_t count, ndx;
} nx_sind_adx_t;

static inline void nx_sind_adx_init(nx_sind_adx_t *a, uint32_t n) {
    a->n = n;
    a->ph = a->pl = a->pc = a->pdm = a->mdm = a->tr = a->sum_dx = a->v = 0;
    a->count = a->ndx = 0;
}
static inline int nx_sind_adx_update(nx_sind_adx_t *a, double h, double l, double c) {
    uint64_t i = a->count++;
    if (i == 0) {
        a->ph = h;
        a->pl = l;
        a->pc = c;
        return 0;
    }
    double dp = h - a->ph, dm = a->pl - l;
    a->ph = h;
    a->pl = l;
    double tr = nx_sind_trange(h, l, a->pc);
    a->pc = c;
    int m_ok = dm > 0 && dp < dm, p_ok = dp > 0 && dp > dm;
    double nn = (double)a->n;
    if (i < a->n) {
        if (m_ok) a->mdm += dm;
        if (p_ok) a->pdm += dp;
        a->tr += tr;
        return 0;
    }
    a->mdm -= a->mdm / nn;
    a->pdm -= a->pdm / nn;
    if (m_ok) a->mdm += dm;
    if (p_ok) a->pdm += dp;
    a->tr = a->tr - a->tr / nn + tr;
    double dx = 0;
    int ok = 0;
    if (!(a->tr > -1e-8 && a->tr < 1e-8)) {
        double mdi = 100.0 * (a->mdm / a->tr), pdi = 100.0 * (a->pdm / a->tr), s = mdi + pdi;
        if (!(s > -1e-8 && s < 1e-8)) {
            dx = 100.0 * (fabs(mdi - pdi) / s);
            ok = 1;
        }
    }
    uint64_t k = a->ndx++;
    if (k < a->n) {
        if (ok) a->sum_dx += dx;
        if (k + 1u < a->n) return 0;
        a->v = a->sum_dx / nn;
        return 1;
    }
    if (ok) a->v = (a->v * (nn - 1) + dx) / nn;
    return 1;
}

#endif /* NX_STRATEGY_SIND_H */
