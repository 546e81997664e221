/*
 * Moving averages: SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA, HMA, VWMA.
 * Arithmetic follows TA-Lib 0.6.4 step by step so values agree to the last
 * few bits, not just to the tolerance.
 */
#include "ta/ta_int.h"

int nx__ta_bad_value(uint64_t index, double x) {
    return NX_ERR(NX_EINVAL, "input %llu: value is %s", (unsigned long long)index,
                  isnan(x) ? "NaN" : "infinite");
}

int nx__ta_bad_init(const char *name, uint32_t period, unsigned opts) {
    if (opts == ~0u) return NX_ERR(NX_EINVAL, "%s: NULL ring", name);
    if (opts) return NX_ERR(NX_EINVAL, "%s: option not supported (0x%x)", name, opts);
    return NX_ERR(NX_EINVAL, "%s: period must be an integer in [1, %d], got %u", name,
                  NX_TA_PERIOD_MAX, period);
}

/* --- Rolling extremes: the per-block pass (ta_int.h) ----------------------- */

void nx__roll_block_max(nx__roll_t *m) {
    uint32_t w = m->w;
    double acc = -INFINITY;
    if (m->sidx) {
        uint64_t base = m->n - w, ai = 0;
        for (uint32_t k = w; k-- > 0;) {
            double x = m->buf[k];
            ai = nx__sel(x > acc, base + k, ai); /* strict: the later offset wins ties */
            acc = x > acc ? x : acc;
            m->suf[k] = acc;
            m->sidx[k] = ai;
        }
    } else {
        for (uint32_t k = w; k-- > 0;) {
            acc = m->buf[k] > acc ? m->buf[k] : acc;
            m->suf[k] = acc;
        }
    }
    m->pre = -INFINITY;
    m->off = 0;
}
void nx__roll_block_min(nx__roll_t *m) {
    uint32_t w = m->w;
    double acc = INFINITY;
    if (m->sidx) {
        uint64_t base = m->n - w, ai = 0;
        for (uint32_t k = w; k-- > 0;) {
            double x = m->buf[k];
            ai = nx__sel(x < acc, base + k, ai);
            acc = x < acc ? x : acc;
            m->suf[k] = acc;
            m->sidx[k] = ai;
        }
    } else {
        for (uint32_t k = w; k-- > 0;) {
            acc = m->buf[k] < acc ? m->buf[k] : acc;
            m->suf[k] = acc;
        }
    }
    m->pre = INFINITY;
    m->off = 0;
}

/* --- SMA ----------------------------------------------------------------- */

static void sma_step(nx_ta_t *t, double x) {
    nx__sma_t *s = t->st;
    if (nx__sma_step(s, x, &t->out[0])) t->ready = 1;
}
NX__TA_BAR_FORM(sma_step)
int nx__ta_init_SMA(nx_ta_t *t, nx__ta_arena_t *a) {
    nx__sma_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) nx__sma_init(s, a, n);
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, sma_step);
    return 0;
}

/* --- EMA ----------------------------------------------------------------- */

static void ema_step(nx_ta_t *t, double x) {
    nx__ema_t *e = t->st;
    if (nx__ema_step(e, x, &t->out[0])) t->ready = 1;
}
NX__TA_BAR_FORM(ema_step)
int nx__ta_init_EMA(nx_ta_t *t, nx__ta_arena_t *a) {
    nx__ema_t *e = nx__ta_state(a, sizeof *e);
    uint32_t n = nx__ta_pi(t, 0);
    if (e) nx__ema_init(e, n, 0, (t->opts & NX_TA_OPT_SEED_FIRST) != 0);
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, ema_step);
    return 0;
}

/* --- WMA ----------------------------------------------------------------- */

static void wma_step(nx_ta_t *t, double x) {
    nx__wma_t *w = t->st;
    if (nx__wma_step(w, x, &t->out[0])) t->ready = 1;
}
NX__TA_BAR_FORM(wma_step)
int nx__ta_init_WMA(nx_ta_t *t, nx__ta_arena_t *a) {
    nx__wma_t *w = nx__ta_state(a, sizeof *w);
    uint32_t n = nx__ta_pi(t, 0);
    if (w) nx__wma_init(w, a, n);
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, wma_step);
    return 0;
}

/* --- DEMA / TEMA: EMAs of EMAs, each seeded on its own input ---------------- */

typedef struct {
    nx__ema_t e1, e2, e3;
} ema3_t;

static void dema_step(nx_ta_t *t, double x) {
    ema3_t *s = t->st;
    double v1, v2;
    if (!nx__ema_step(&s->e1, x, &v1)) return;
    if (!nx__ema_step(&s->e2, v1, &v2)) return;
    nx__ta_set1(t, (2.0 * v1) - v2);
}
NX__TA_BAR_FORM(dema_step)
static void tema_step(nx_ta_t *t, double x) {
    ema3_t *s = t->st;
    double v1, v2, v3;
    if (!nx__ema_step(&s->e1, x, &v1)) return;
    if (!nx__ema_step(&s->e2, v1, &v2)) return;
    if (!nx__ema_step(&s->e3, v2, &v3)) return;
    nx__ta_set1(t, (3.0 * v1) - (3.0 * v2) + v3);
}
NX__TA_BAR_FORM(tema_step)
static int ema3_init(nx_ta_t *t, nx__ta_arena_t *a, int depth) {
    ema3_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    int first = (t->opts & NX_TA_OPT_SEED_FIRST) != 0;
    if (s) {
        nx__ema_init(&s->e1, n, 0, first);
        nx__ema_init(&s->e2, n, 0, first);
        nx__ema_init(&s->e3, n, 0, first);
    }
    t->lookback = depth * ((int)n - 1);
    return 0;
}
int nx__ta_init_DEMA(nx_ta_t *t, nx__ta_arena_t *a) {
    NX__TA_VALUE_STEPS(t, dema_step);
    return ema3_init(t, a, 2);
}
int nx__ta_init_TEMA(nx_ta_t *t, nx__ta_arena_t *a) {
    NX__TA_VALUE_STEPS(t, tema_step);
    return ema3_init(t, a, 3);
}

/* --- TRIMA: SMA of an SMA (odd n: both (n+1)/2; even n: n/2 then n/2+1) ---- */

typedef struct {
    nx__sma_t a, b;
} trima_t;

static void trima_step(nx_ta_t *t, double x) {
    trima_t *s = t->st;
    double v;
    if (!nx__sma_step(&s->a, x, &v)) return;
    if (nx__sma_step(&s->b, v, &t->out[0])) t->ready = 1;
}
NX__TA_BAR_FORM(trima_step)
int nx__ta_init_TRIMA(nx_ta_t *t, nx__ta_arena_t *a) {
    trima_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    uint32_t n1 = n % 2 ? (n + 1) / 2 : n / 2;
    uint32_t n2 = n % 2 ? n1 : n / 2 + 1;
    if (s) {
        nx__sma_init(&s->a, a, n1);
        nx__sma_init(&s->b, a, n2);
    }
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, trima_step);
    return 0;
}

/* --- KAMA (Kaufman): TA-Lib's recurrence, efficiency ratio over n changes -- */

typedef struct {
    nx__ring_t r; /* last n+1 inputs */
    double sum_roc1, trailing, kama, c_max, c_diff;
    uint32_t n;
    uint64_t cnt;
} kama_t;

static double kama_sc(const kama_t *s, double period_roc) {
    double er;
    if ((s->sum_roc1 <= period_roc) || NX__TA_IS_ZERO(s->sum_roc1)) er = 1.0;
    else er = fabs(period_roc / s->sum_roc1);
    er = (er * s->c_diff) + s->c_max;
    return er * er;
}
static void kama_step(nx_ta_t *t, double x) {
    kama_t *s = t->st;
    uint64_t i = s->cnt++;
    if (NX_UNLIKELY(i <= s->n)) {
        if (i > 0) s->sum_roc1 += fabs(nx__ring_ago(&s->r, 0) - x);
        nx__ring_push(&s->r, x);
        if (i < s->n) return;
        /* first value: x is input n, the oldest in the ring is input 0 */
        double x0 = nx__ring_oldest(&s->r);
        double prev = nx__ring_ago(&s->r, 1);
        s->trailing = x0;
        double sc = kama_sc(s, x - x0);
        s->kama = ((x - prev) * sc) + prev;
        nx__ta_set1(t, s->kama);
        return;
    }
    double last = nx__ring_ago(&s->r, 0);
    /* the oldest slot holds input i-n-1 (already trailing); after push it is i-n */
    nx__ring_push(&s->r, x);
    double x2 = nx__ring_oldest(&s->r); /* input i-n */
    double period_roc = x - x2;
    s->sum_roc1 -= fabs(s->trailing - x2);
    s->sum_roc1 += fabs(x - last);
    s->trailing = x2;
    double sc = kama_sc(s, period_roc);
    s->kama = ((x - s->kama) * sc) + s->kama;
    t->out[0] = s->kama;
}
NX__TA_BAR_FORM(kama_step)
int nx__ta_init_KAMA(nx_ta_t *t, nx__ta_arena_t *a) {
    kama_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    double fast = t->p[1], slow = t->p[2];
    if (fast > slow) return NX_ERR(NX_EINVAL, "kama: fast (%g) must not exceed slow (%g)", fast, slow);
    if (s) {
        nx__ring_init(&s->r, a, n + 1);
        s->n = n;
        s->c_max = 2.0 / (slow + 1.0);
        s->c_diff = 2.0 / (fast + 1.0) - s->c_max;
    }
    t->lookback = (int)n;
    NX__TA_VALUE_STEPS(t, kama_step);
    return 0;
}

/* --- HMA: WMA(2*WMA(n/2) - WMA(n), floor(sqrt(n))) ------------------------- */

typedef struct {
    nx__wma_t half, full, out;
} hma_t;

static uint32_t isqrt32(uint32_t n) {
    uint32_t r = (uint32_t)sqrt((double)n);
    while (r * r > n) r--;
    while ((r + 1) * (r + 1) <= n) r++;
    return r;
}
static void hma_step(nx_ta_t *t, double x) {
    hma_t *s = t->st;
    double h, f;
    int rh = nx__wma_step(&s->half, x, &h);
    if (!nx__wma_step(&s->full, x, &f) || !rh) return;
    if (nx__wma_step(&s->out, 2.0 * h - f, &t->out[0])) t->ready = 1;
}
NX__TA_BAR_FORM(hma_step)
int nx__ta_init_HMA(nx_ta_t *t, nx__ta_arena_t *a) {
    hma_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    uint32_t q = isqrt32(n);
    if (s) {
        nx__wma_init(&s->half, a, n / 2);
        nx__wma_init(&s->full, a, n);
        nx__wma_init(&s->out, a, q);
    }
    t->lookback = (int)n - 1 + (int)q - 1;
    NX__TA_VALUE_STEPS(t, hma_step);
    return 0;
}

/* --- VWMA: sum(close*volume)/sum(volume); the plain average of close if the
 *     window carried no volume. ------------------------------------------- */

typedef struct {
    nx__ring_t pv, v;
    nx__sma_t c;
    double spv, sv;
    uint32_t n, cnt;
} vwma_t;

static void vwma_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    vwma_t *s = t->st;
    double pv = b->close * b->volume, sma = 0;
    s->spv += pv;
    s->sv += b->volume;
    int r = nx__sma_step(&s->c, b->close, &sma);
    nx__ring_push(&s->pv, pv);
    nx__ring_push(&s->v, b->volume);
    if (!r) return;
    nx__ta_set1(t, s->sv > 0 ? s->spv / s->sv : sma);
    s->spv -= nx__ring_oldest(&s->pv);
    s->sv -= nx__ring_oldest(&s->v);
}
int nx__ta_init_VWMA(nx_ta_t *t, nx__ta_arena_t *a) {
    vwma_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        nx__ring_init(&s->pv, a, n);
        nx__ring_init(&s->v, a, n);
        nx__sma_init(&s->c, a, n);
        s->n = n;
    }
    t->lookback = (int)n - 1;
    t->step = vwma_step;
    return 0;
}
