/*
 * Volatility and channels: BBANDS, ATR, NATR, TRANGE, STDDEV, VAR, KELTNER,
 * DONCHIAN, ZSCORE.
 */
#include "ta/ta_int.h"

/* --- BBANDS (SMA middle; TA-Lib's stddev "using the precalculated MA") ------ */

typedef struct {
    nx__sma_t ma;
    nx__ring_t sq;
    double s2, up, dn, ddof_k;
    uint32_t n;
    uint64_t cnt;
} bbands_t;

static void bbands_step(nx_ta_t *t, double x) {
    bbands_t *s = t->st;
    double x2 = x * x, mid;
    s->s2 += x2;
    nx__ring_push(&s->sq, x2);
    if (!nx__sma_step(&s->ma, x, &mid)) return;
    double m2 = s->s2 / (double)s->n;
    s->s2 -= nx__ring_oldest(&s->sq);
    m2 -= mid * mid;
    m2 *= s->ddof_k;
    double sd = !NX__TA_IS_ZERO_OR_NEG(m2) ? sqrt(m2) : 0.0;
    if (s->up == s->dn) {
        double w = s->up == 1.0 ? sd : sd * s->up;
        t->out[0] = mid + w;
        t->out[2] = mid - w;
    } else {
        t->out[0] = mid + sd * s->up;
        t->out[2] = mid - sd * s->dn;
    }
    t->out[1] = mid;
    t->ready = 1;
}
NX__TA_BAR_FORM(bbands_step)
int nx__ta_init_BBANDS(nx_ta_t *t, nx__ta_arena_t *a) {
    bbands_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if ((t->opts & NX_TA_OPT_SAMPLE) && n < 2)
        return NX_ERR(NX_EINVAL, "bbands: ddof=1 needs period >= 2");
    if (s) {
        nx__sma_init(&s->ma, a, n);
        nx__ring_init(&s->sq, a, n);
        s->n = n;
        s->up = t->p[1];
        s->dn = t->p[2];
        s->ddof_k = (t->opts & NX_TA_OPT_SAMPLE) ? (double)n / (double)(n - 1) : 1.0;
    }
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, bbands_step);
    return 0;
}

/* --- ATR / NATR ------------------------------------------------------------ */

typedef struct {
    nx__share_t sh; /* an nx__atr_t: own, or a set member's */
    nx__atr_t own;
} atr_t;

static void atr_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    atr_t *s = t->st;
    const nx__atr_t *c = nx__atr_core(&s->sh, b);
    if (c) nx__ta_set1(t, c->atr);
}
static void natr_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    atr_t *s = t->st;
    const nx__atr_t *c = nx__atr_core(&s->sh, b);
    if (!c) return;
    nx__ta_set1(t, !NX__TA_IS_ZERO(b->close) ? (c->atr / b->close) * 100.0 : 0.0);
}
int nx__ta_init_ATR(nx_ta_t *t, nx__ta_arena_t *a) {
    atr_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        nx__atr_init(&s->own, n);
        nx__share_init(&s->sh, &s->own, NX__CORE_ATR, NX__CORE_ATR, n);
        t->share = &s->sh;
    }
    t->lookback = (int)n;
    t->step = atr_step;
    return 0;
}
int nx__ta_init_NATR(nx_ta_t *t, nx__ta_arena_t *a) {
    int rc = nx__ta_init_ATR(t, a);
    t->step = natr_step;
    return rc;
}

/* --- TRANGE ---------------------------------------------------------------- */

typedef struct {
    double prev_close;
    int have;
} trange_t;

static void trange_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    trange_t *s = t->st;
    double pc = s->prev_close;
    s->prev_close = b->close;
    if (!s->have) {
        s->have = 1;
        return;
    }
    nx__ta_set1(t, nx__trange(b->high, b->low, pc));
}
int nx__ta_init_TRANGE(nx_ta_t *t, nx__ta_arena_t *a) {
    (void)nx__ta_state(a, sizeof(trange_t));
    t->lookback = 1;
    t->step = trange_step;
    return 0;
}

/* --- STDDEV / VAR (TA-Lib: population, mean of squares minus square of mean) */

typedef struct {
    nx__var_t v;
    double nbdev, ddof_k;
} stddev_t;

static void stddev_step(nx_ta_t *t, double x) {
    stddev_t *s = t->st;
    double v;
    if (!nx__var_step(&s->v, x, &v)) return;
    v *= s->ddof_k;
    double sd = !NX__TA_IS_ZERO_OR_NEG(v) ? sqrt(v) : 0.0;
    nx__ta_set1(t, s->nbdev != 1.0 ? sd * s->nbdev : sd);
}
NX__TA_BAR_FORM(stddev_step)
static void var_step(nx_ta_t *t, double x) {
    stddev_t *s = t->st;
    double v;
    if (nx__var_step(&s->v, x, &v)) nx__ta_set1(t, v * s->ddof_k);
}
NX__TA_BAR_FORM(var_step)
static int stddev_init(nx_ta_t *t, nx__ta_arena_t *a, const char *name) {
    stddev_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if ((t->opts & NX_TA_OPT_SAMPLE) && n < 2)
        return NX_ERR(NX_EINVAL, "%s: ddof=1 needs period >= 2", name);
    if (s) {
        nx__var_init(&s->v, a, n);
        s->nbdev = t->p[1];
        s->ddof_k = (t->opts & NX_TA_OPT_SAMPLE) ? (double)n / (double)(n - 1) : 1.0;
    }
    t->lookback = (int)n - 1;
    return 0;
}
int nx__ta_init_STDDEV(nx_ta_t *t, nx__ta_arena_t *a) {
    NX__TA_VALUE_STEPS(t, stddev_step);
    return stddev_init(t, a, "stddev");
}
int nx__ta_init_VAR(nx_ta_t *t, nx__ta_arena_t *a) {
    NX__TA_VALUE_STEPS(t, var_step);
    return stddev_init(t, a, "var");
}

/* --- KELTNER: EMA(close) middle, bands at mult x ATR ------------------------ */

typedef struct {
    nx__ema_t ma;
    nx__share_t sh; /* the ATR core */
    nx__atr_t own;
    double mult, mid, range;
    int have_mid, have_atr;
} keltner_t;

static void keltner_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    keltner_t *s = t->st;
    if (nx__ema_step(&s->ma, b->close, &s->mid)) s->have_mid = 1;
    const nx__atr_t *c = nx__atr_core(&s->sh, b);
    if (c) {
        s->range = c->atr;
        s->have_atr = 1;
    }
    if (!s->have_mid || !s->have_atr) return;
    double w = s->mult * s->range;
    t->out[0] = s->mid + w;
    t->out[1] = s->mid;
    t->out[2] = s->mid - w;
    t->ready = 1;
}
int nx__ta_init_KELTNER(nx_ta_t *t, nx__ta_arena_t *a) {
    keltner_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0), an = nx__ta_pi(t, 2);
    if (s) {
        nx__ema_init(&s->ma, n, 0, (t->opts & NX_TA_OPT_SEED_FIRST) != 0);
        nx__atr_init(&s->own, an);
        nx__share_init(&s->sh, &s->own, NX__CORE_ATR, NX__CORE_ATR, an);
        t->share = &s->sh;
        s->mult = t->p[1];
    }
    t->lookback = (int)n - 1 > (int)an ? (int)n - 1 : (int)an;
    t->step = keltner_step;
    return 0;
}

/* --- DONCHIAN ---------------------------------------------------------------- */

typedef struct {
    nx__share_t sh; /* an nx__hilo_t of the window */
    nx__hilo_t own;
    uint32_t n;
} donchian_t;

static void donchian_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    donchian_t *s = t->st;
    nx__hilo_t *h = s->sh.core;
    if (s->sh.own) nx__hilo_push(h, b);
    if (h->cnt < s->n) return;
    double u = h->hi.val, l = h->lo.val;
    t->out[0] = u;
    t->out[1] = (u + l) / 2.0;
    t->out[2] = l;
    t->ready = 1;
}
int nx__ta_init_DONCHIAN(nx_ta_t *t, nx__ta_arena_t *a) {
    donchian_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->n = n;
        nx__hilo_init(&s->own, a, n, 0);
        nx__share_init(&s->sh, &s->own, NX__CORE_HILO, NX__CORE_HILO, n);
        t->share = &s->sh;
    }
    t->lookback = (int)n - 1;
    t->step = donchian_step;
    return 0;
}

/* --- ZSCORE: (x - mean) / stddev over the window. Sums are kept relative to
 *     a shift near the data and recomputed exactly from the ring every n
 *     updates, so cancellation and drift stay at a few ulps (a z-score of a
 *     quiet BTC window would otherwise be dominated by rounding). -------- */

typedef struct {
    nx__ring_t r;
    double shift, s1, s2, ddof_k;
    uint32_t n, since;
    uint64_t cnt;
} zscore_t;

static void zscore_step(nx_ta_t *t, double x) {
    zscore_t *s = t->st;
    uint64_t i = s->cnt++;
    if (i == 0) s->shift = x;
    double d = x - s->shift;
    double old = nx__ring_push(&s->r, x);
    s->s1 += d;
    s->s2 += d * d;
    if (i >= s->n) {
        double od = old - s->shift;
        s->s1 -= od;
        s->s2 -= od * od;
    }
    if (i + 1 < s->n) return;
    if (++s->since >= s->n) { /* resynchronise: exact sums around the latest value */
        s->since = 0;
        s->shift = x;
        double a1 = 0, a2 = 0;
        for (uint32_t j = 0; j < s->n; j++) {
            double e = s->r.v[j] - x;
            a1 += e;
            a2 += e * e;
        }
        s->s1 = a1;
        s->s2 = a2;
    }
    double nn = (double)s->n;
    double m = s->s1 / nn;
    double var = (s->s2 / nn - m * m) * s->ddof_k;
    double mean = s->shift + m;
    double sd = var > 0 ? sqrt(var) : 0.0;
    nx__ta_set1(t, sd > 1e-12 * (fabs(mean) + 1.0) ? (x - mean) / sd : 0.0);
}
NX__TA_BAR_FORM(zscore_step)
int nx__ta_init_ZSCORE(nx_ta_t *t, nx__ta_arena_t *a) {
    zscore_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if ((t->opts & NX_TA_OPT_SAMPLE) && n < 2)
        return NX_ERR(NX_EINVAL, "zscore: ddof=1 needs period >= 2");
    if (s) {
        nx__ring_init(&s->r, a, n);
        s->n = n;
        s->ddof_k = (t->opts & NX_TA_OPT_SAMPLE) ? (double)n / (double)(n - 1) : 1.0;
    }
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, zscore_step);
    return 0;
}
