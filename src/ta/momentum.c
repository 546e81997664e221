/*
 * Momentum and oscillators: RSI, CMO, MACD, PPO, STOCH, STOCHRSI, WILLR,
 * ROC, MOM, TRIX, ULTOSC, CCI. TA-Lib 0.6.4 arithmetic by default.
 */
#include "ta/ta_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* --- Wilder gain/loss core shared by RSI, CMO and STOCHRSI ----------------- */

typedef struct {
    double prev, gain, loss;
    uint32_t n;
    int ok; /* gain/loss hold values (set by wilder_core) */
    uint64_t cnt;
} wilder_gl_t;

/* Returns 1 when gain/loss hold a value for this input. */
static inline int wilder_gl_step(wilder_gl_t *w, double x) {
    uint64_t i = w->cnt++;
    if (NX_UNLIKELY(i == 0)) {
        w->prev = x;
        return 0;
    }
    double d = x - w->prev;
    w->prev = x;
    double loss = w->loss, gain = w->gain;
    if (NX_LIKELY(i > w->n)) {
        loss *= (double)(w->n - 1u);
        gain *= (double)(w->n - 1u);
        /* TA-Lib: if (d < 0) loss -= d; else gain += d; without the branch */
        w->loss = nx__fsel(d < 0, loss - d, loss) / (double)w->n;
        w->gain = nx__fsel(d < 0, gain, gain + d) / (double)w->n;
        return 1;
    }
    w->loss = nx__fsel(d < 0, loss - d, loss);
    w->gain = nx__fsel(d < 0, gain, gain + d);
    if (i < w->n) return 0;
    w->loss /= (double)w->n;
    w->gain /= (double)w->n;
    return 1;
}
/* Step the Wilder core unless a set member does; NULL until it has values. */
static inline const wilder_gl_t *wilder_core(nx__share_t *sh, double x) {
    wilder_gl_t *w = sh->core;
    if (sh->own) w->ok = wilder_gl_step(w, x);
    return w->ok ? w : NULL;
}
static inline double rsi_of(const wilder_gl_t *w) {
    double s = w->gain + w->loss;
    return !NX__TA_IS_ZERO(s) ? 100.0 * (w->gain / s) : 0.0;
}

/* --- RSI ----------------------------------------------------------------- */

typedef struct {
    nx__share_t sh; /* a wilder_gl_t */
    wilder_gl_t own;
} rsi_t;

static void rsi_step(nx_ta_t *t, double x) {
    rsi_t *s = t->st;
    const wilder_gl_t *w = wilder_core(&s->sh, x);
    if (w) nx__ta_set1(t, rsi_of(w));
}
NX__TA_BAR_FORM(rsi_step)
int nx__ta_init_RSI(nx_ta_t *t, nx__ta_arena_t *a) {
    rsi_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->own.n = n;
        nx__share_init(&s->sh, &s->own, NX__CORE_WILDER, NX__CORE_WILDER, n);
        t->share = &s->sh;
    }
    t->lookback = (int)n;
    NX__TA_VALUE_STEPS(t, rsi_step);
    return 0;
}

/* --- CMO: Wilder-smoothed (TA-Lib) or Chande's window sums (form=sum) ------ */

typedef struct {
    nx__share_t sh; /* Wilder form: a wilder_gl_t */
    wilder_gl_t w;  /* sum form: prev, n and cnt only */
    nx__ring_t up, dn;
    double su, sd;
} cmo_t;

static void cmo_step(nx_ta_t *t, double x) {
    cmo_t *s = t->st;
    const wilder_gl_t *w = wilder_core(&s->sh, x);
    if (!w) return;
    double sum = w->gain + w->loss;
    nx__ta_set1(t, !NX__TA_IS_ZERO(sum) ? 100.0 * ((w->gain - w->loss) / sum) : 0.0);
}
NX__TA_BAR_FORM(cmo_step)
static void cmo_sum_step(nx_ta_t *t, double x) {
    cmo_t *s = t->st;
    uint64_t i = s->w.cnt++;
    double d = x - s->w.prev;
    s->w.prev = x;
    if (i == 0) return;
    double u = d > 0 ? d : 0, v = d < 0 ? -d : 0;
    s->su += u - nx__ring_push(&s->up, u);
    s->sd += v - nx__ring_push(&s->dn, v);
    if (i < s->w.n) return;
    double sum = s->su + s->sd;
    nx__ta_set1(t, sum > 0 ? 100.0 * ((s->su - s->sd) / sum) : 0.0);
}
NX__TA_BAR_FORM(cmo_sum_step)
int nx__ta_init_CMO(nx_ta_t *t, nx__ta_arena_t *a) {
    cmo_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    int sum = (t->opts & NX_TA_OPT_CMO_SUM) != 0;
    if (s) {
        s->w.n = n;
        /* the sum form's w is not a Wilder core: it neither lends nor borrows */
        nx__share_init(&s->sh, &s->w, sum ? 0u : NX__CORE_WILDER, sum ? 0u : NX__CORE_WILDER, n);
        t->share = &s->sh;
        nx__ring_init(&s->up, a, n);
        nx__ring_init(&s->dn, a, n);
    }
    t->lookback = (int)n;
    if (sum) NX__TA_VALUE_STEPS(t, cmo_sum_step);
    else NX__TA_VALUE_STEPS(t, cmo_step);
    return 0;
}

/* --- MACD ---------------------------------------------------------------- */

typedef struct {
    nx__ema_t fast, slow, sig;
} macd_t;

static void macd_step(nx_ta_t *t, double x) {
    macd_t *s = t->st;
    double f = 0, sl, sg;
    nx__ema_step(&s->fast, x, &f);
    if (!nx__ema_step(&s->slow, x, &sl)) return;
    double m = f - sl;
    if (!nx__ema_step(&s->sig, m, &sg)) return;
    t->out[0] = m;
    t->out[1] = sg;
    t->out[2] = m - sg;
    t->ready = 1;
}
NX__TA_BAR_FORM(macd_step)
int nx__ta_init_MACD(nx_ta_t *t, nx__ta_arena_t *a) {
    macd_t *s = nx__ta_state(a, sizeof *s);
    uint32_t fast = nx__ta_pi(t, 0), slow = nx__ta_pi(t, 1), sig = nx__ta_pi(t, 2);
    if (slow < fast) { /* TA-Lib swaps them */
        uint32_t x = slow;
        slow = fast;
        fast = x;
    }
    int first = (t->opts & NX_TA_OPT_SEED_FIRST) != 0;
    int early = first || (t->opts & NX_TA_OPT_SEED_EARLY) != 0;
    if (s) {
        nx__ema_init(&s->fast, fast, early ? 0 : slow - fast, first);
        nx__ema_init(&s->slow, slow, 0, first);
        nx__ema_init(&s->sig, sig, 0, first);
    }
    t->lookback = (int)(slow - 1u + sig - 1u);
    NX__TA_VALUE_STEPS(t, macd_step);
    return 0;
}

/* --- PPO: ((fast MA - slow MA) / slow MA) * 100 ------------------------------ */

typedef struct {
    nx__sma_t fs, ss;
    nx__ema_t fe, se;
    int ema;
} ppo_t;

static void ppo_step(nx_ta_t *t, double x) {
    ppo_t *s = t->st;
    double f = 0, sl;
    int ok;
    if (s->ema) {
        nx__ema_step(&s->fe, x, &f);
        ok = nx__ema_step(&s->se, x, &sl);
    } else {
        nx__sma_step(&s->fs, x, &f);
        ok = nx__sma_step(&s->ss, x, &sl);
    }
    if (!ok) return;
    nx__ta_set1(t, !NX__TA_IS_ZERO(sl) ? ((f - sl) / sl) * 100.0 : 0.0);
}
NX__TA_BAR_FORM(ppo_step)
int nx__ta_init_PPO(nx_ta_t *t, nx__ta_arena_t *a) {
    ppo_t *s = nx__ta_state(a, sizeof *s);
    uint32_t fast = nx__ta_pi(t, 0), slow = nx__ta_pi(t, 1);
    if (slow < fast) {
        uint32_t x = slow;
        slow = fast;
        fast = x;
    }
    int ema = t->p[2] != 0;
    int first = (t->opts & NX_TA_OPT_SEED_FIRST) != 0;
    if (!ema && (t->opts & NX_TA_OPT_SEED_FIRST))
        return NX_ERR(NX_EINVAL, "ppo: seed=first needs matype 1 (EMA)");
    if (s) {
        s->ema = ema;
        if (ema) {
            nx__ema_init(&s->fe, fast, 0, first);
            nx__ema_init(&s->se, slow, 0, first);
        } else {
            nx__sma_init(&s->fs, a, fast);
            nx__sma_init(&s->ss, a, slow);
        }
    }
    t->lookback = (int)slow - 1;
    NX__TA_VALUE_STEPS(t, ppo_step);
    return 0;
}

/* --- STOCH (slow %K, %D with SMA smoothing) ---------------------------------- */

typedef struct {
    nx__share_t sh; /* an nx__hilo_t of fastk bars */
    nx__hilo_t own;
    nx__sma_t k, d;
    uint32_t fk;
} stoch_t;

static inline double stoch_fastk(double c, double hh, double ll) {
    double diff = (hh - ll) / 100.0;
    return diff != 0.0 ? (c - ll) / diff : 0.0;
}
static void stoch_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    stoch_t *s = t->st;
    nx__hilo_t *h = s->sh.core;
    if (s->sh.own) nx__hilo_push(h, b);
    if (h->cnt < s->fk) return;
    double fk = stoch_fastk(b->close, h->hi.val, h->lo.val);
    double sk, sd;
    if (!nx__sma_step(&s->k, fk, &sk)) return;
    if (!nx__sma_step(&s->d, sk, &sd)) return;
    t->out[0] = sk;
    t->out[1] = sd;
    t->ready = 1;
}
int nx__ta_init_STOCH(nx_ta_t *t, nx__ta_arena_t *a) {
    stoch_t *s = nx__ta_state(a, sizeof *s);
    uint32_t fk = nx__ta_pi(t, 0), sk = nx__ta_pi(t, 1), sd = nx__ta_pi(t, 2);
    if (s) {
        s->fk = fk;
        nx__hilo_init(&s->own, a, fk, 0);
        nx__share_init(&s->sh, &s->own, NX__CORE_HILO, NX__CORE_HILO, fk);
        t->share = &s->sh;
        nx__sma_init(&s->k, a, sk);
        nx__sma_init(&s->d, a, sd);
    }
    t->lookback = (int)(fk - 1u + sk - 1u + sd - 1u);
    t->step = stoch_step;
    return 0;
}

/* --- STOCHRSI: fast stochastic of RSI (TA-Lib STOCHRSI, SMA %D) -------------- */

typedef struct {
    nx__share_t sh; /* a wilder_gl_t */
    wilder_gl_t w;
    nx__roll_t hi, lo;
    nx__sma_t d;
    uint64_t cnt;
    uint32_t fk;
} stochrsi_t;

static void stochrsi_step(nx_ta_t *t, double x) {
    stochrsi_t *s = t->st;
    const wilder_gl_t *w = wilder_core(&s->sh, x);
    if (!w) return;
    double r = rsi_of(w);
    uint64_t i = s->cnt++;
    nx__rmax_push(&s->hi, r);
    nx__rmin_push(&s->lo, r);
    if (i + 1 < s->fk) return;
    double k = stoch_fastk(r, s->hi.val, s->lo.val), d;
    if (!nx__sma_step(&s->d, k, &d)) return;
    t->out[0] = k;
    t->out[1] = d;
    t->ready = 1;
}
NX__TA_BAR_FORM(stochrsi_step)
int nx__ta_init_STOCHRSI(nx_ta_t *t, nx__ta_arena_t *a) {
    stochrsi_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0), fk = nx__ta_pi(t, 1), fd = nx__ta_pi(t, 2);
    if (s) {
        s->w.n = n;
        nx__share_init(&s->sh, &s->w, NX__CORE_WILDER, NX__CORE_WILDER, n);
        t->share = &s->sh;
        s->fk = fk;
        nx__roll_init(&s->hi, a, fk, 1, 0);
        nx__roll_init(&s->lo, a, fk, 0, 0);
        nx__sma_init(&s->d, a, fd);
    }
    t->lookback = (int)(n + fk - 1u + fd - 1u);
    NX__TA_VALUE_STEPS(t, stochrsi_step);
    return 0;
}

/* --- WILLR --------------------------------------------------------------- */

typedef struct {
    nx__share_t sh; /* an nx__hilo_t of n bars */
    nx__hilo_t own;
    uint32_t n;
} willr_t;

static void willr_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    willr_t *s = t->st;
    nx__hilo_t *h = s->sh.core;
    if (s->sh.own) nx__hilo_push(h, b);
    if (h->cnt < s->n) return;
    double hh = h->hi.val, ll = h->lo.val;
    double diff = (hh - ll) / (-100.0);
    nx__ta_set1(t, diff != 0.0 ? (hh - b->close) / diff : 0.0);
}
int nx__ta_init_WILLR(nx_ta_t *t, nx__ta_arena_t *a) {
    willr_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->n = n;
        nx__hilo_init(&s->own, a, n, 0);
        nx__share_init(&s->sh, &s->own, NX__CORE_HILO, NX__CORE_HILO, n);
        t->share = &s->sh;
    }
    t->lookback = (int)n - 1;
    t->step = willr_step;
    return 0;
}

/* --- ROC / MOM ------------------------------------------------------------- */

typedef struct {
    nx__ring_t r;
    uint64_t cnt;
    uint32_t n;
} lag_t;

static void roc_step(nx_ta_t *t, double x) {
    lag_t *s = t->st;
    double prev = nx__ring_push(&s->r, x);
    if (s->cnt++ < s->n) return;
    nx__ta_set1(t, prev != 0.0 ? ((x / prev) - 1.0) * 100.0 : 0.0);
}
NX__TA_BAR_FORM(roc_step)
static void mom_step(nx_ta_t *t, double x) {
    lag_t *s = t->st;
    double prev = nx__ring_push(&s->r, x);
    if (s->cnt++ < s->n) return;
    nx__ta_set1(t, x - prev);
}
NX__TA_BAR_FORM(mom_step)
static int lag_init(nx_ta_t *t, nx__ta_arena_t *a) {
    lag_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->n = n;
        nx__ring_init(&s->r, a, n);
    }
    t->lookback = (int)n;
    return 0;
}
int nx__ta_init_ROC(nx_ta_t *t, nx__ta_arena_t *a) {
    NX__TA_VALUE_STEPS(t, roc_step);
    return lag_init(t, a);
}
int nx__ta_init_MOM(nx_ta_t *t, nx__ta_arena_t *a) {
    NX__TA_VALUE_STEPS(t, mom_step);
    return lag_init(t, a);
}

/* --- TRIX: one-bar ROC of a triple EMA ------------------------------------- */

typedef struct {
    nx__ema_t e1, e2, e3;
    double prev;
    int have_prev;
} trix_t;

static void trix_step(nx_ta_t *t, double x) {
    trix_t *s = t->st;
    double v1, v2, v3;
    if (!nx__ema_step(&s->e1, x, &v1)) return;
    if (!nx__ema_step(&s->e2, v1, &v2)) return;
    if (!nx__ema_step(&s->e3, v2, &v3)) return;
    double prev = s->prev;
    s->prev = v3;
    if (!s->have_prev) {
        s->have_prev = 1;
        return;
    }
    nx__ta_set1(t, prev != 0.0 ? ((v3 / prev) - 1.0) * 100.0 : 0.0);
}
NX__TA_BAR_FORM(trix_step)
int nx__ta_init_TRIX(nx_ta_t *t, nx__ta_arena_t *a) {
    trix_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    int first = (t->opts & NX_TA_OPT_SEED_FIRST) != 0;
    if (s) {
        nx__ema_init(&s->e1, n, 0, first);
        nx__ema_init(&s->e2, n, 0, first);
        nx__ema_init(&s->e3, n, 0, first);
    }
    t->lookback = 3 * ((int)n - 1) + 1;
    NX__TA_VALUE_STEPS(t, trix_step);
    return 0;
}

/* --- ULTOSC: weights 4/2/1 on the periods sorted shortest first (TA-Lib) ---- */

typedef struct {
    nx__ring_t bp, tr; /* last pmax terms */
    double a[3], b[3], prev_close;
    uint32_t p[3], pmax;
    uint64_t cnt;
} ultosc_t;

/* Age k (0 = the last push) slot of a ring, k < n, without a branch. */
static inline uint32_t ring_slot_ago(const nx__ring_t *r, uint32_t k) {
    uint32_t i = r->pos + r->n - 1u - k;
    return i >= r->n ? i - r->n : i;
}
static void ultosc_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    ultosc_t *s = t->st;
    uint64_t i = s->cnt++;
    double pc = s->prev_close;
    s->prev_close = b->close;
    if (NX_UNLIKELY(i == 0)) return;
    double true_low = b->low < pc ? b->low : pc;
    double bp = b->close - true_low;
    double tr = nx__trange(b->high, b->low, pc);
    nx__ring_push(&s->bp, bp);
    nx__ring_push(&s->tr, tr);
    if (NX_UNLIKELY(i < s->pmax)) {
        /* priming: bar i belongs to the first window of period p if i > pmax - p */
        for (int k = 0; k < 3; k++) {
            if (i + s->p[k] > s->pmax) {
                s->a[k] += bp;
                s->b[k] += tr;
            }
        }
        return;
    }
    double a0 = s->a[0] + bp, a1 = s->a[1] + bp, a2 = s->a[2] + bp;
    double b0 = s->b[0] + tr, b1 = s->b[1] + tr, b2 = s->b[2] + tr;
    double o = 0.0;
    if (!NX__TA_IS_ZERO(b0)) o += 4.0 * (a0 / b0);
    if (!NX__TA_IS_ZERO(b1)) o += 2.0 * (a1 / b1);
    if (!NX__TA_IS_ZERO(b2)) o += a2 / b2;
    const double *vb = s->bp.v, *vt = s->tr.v;
    uint32_t j0 = ring_slot_ago(&s->bp, s->p[0] - 1u), j1 = ring_slot_ago(&s->bp, s->p[1] - 1u),
             j2 = ring_slot_ago(&s->bp, s->p[2] - 1u);
    s->a[0] = a0 - vb[j0];
    s->a[1] = a1 - vb[j1];
    s->a[2] = a2 - vb[j2];
    s->b[0] = b0 - vt[j0];
    s->b[1] = b1 - vt[j1];
    s->b[2] = b2 - vt[j2];
    nx__ta_set1(t, 100.0 * (o / 7.0));
}
int nx__ta_init_ULTOSC(nx_ta_t *t, nx__ta_arena_t *a) {
    ultosc_t *s = nx__ta_state(a, sizeof *s);
    uint32_t p[3] = {nx__ta_pi(t, 0), nx__ta_pi(t, 1), nx__ta_pi(t, 2)};
    for (int i = 0; i < 2; i++) /* sort ascending */
        for (int j = 0; j < 2 - i; j++)
            if (p[j] > p[j + 1]) {
                uint32_t x = p[j];
                p[j] = p[j + 1];
                p[j + 1] = x;
            }
    if (s) {
        memcpy(s->p, p, sizeof p);
        s->pmax = p[2];
        nx__ring_init(&s->bp, a, p[2]);
        nx__ring_init(&s->tr, a, p[2]);
    }
    t->lookback = (int)p[2];
    t->step = ultosc_step;
    return 0;
}

/* --- CCI: typical price vs its mean, over 0.015 x mean absolute deviation.
 *     O(period) like TA-Lib (the mean deviation has no O(1) update); the
 *     window is summed in ring-slot order exactly as TA-Lib does. ---------- */

typedef struct {
    double *v;
    uint32_t n, pos;
    uint64_t cnt;
} cci_t;

/* sum |v[j] - avg| over j < n, in four partial sums */
static double cci_absdev(const double *v, uint32_t n, double avg) {
    uint32_t j = 0;
#if defined(__SSE2__)
    const __m128d m = _mm_castsi128_pd(_mm_set1_epi64x(INT64_MAX)), a = _mm_set1_pd(avg);
    __m128d s0 = _mm_setzero_pd(), s1 = _mm_setzero_pd();
    for (; j + 4u <= n; j += 4u) {
        s0 = _mm_add_pd(s0, _mm_and_pd(m, _mm_sub_pd(_mm_loadu_pd(v + j), a)));
        s1 = _mm_add_pd(s1, _mm_and_pd(m, _mm_sub_pd(_mm_loadu_pd(v + j + 2u), a)));
    }
    double p[2];
    _mm_storeu_pd(p, _mm_add_pd(s0, s1));
    double dev = p[0] + p[1];
#else
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (; j + 4u <= n; j += 4u) {
        a0 += fabs(v[j] - avg);
        a1 += fabs(v[j + 1u] - avg);
        a2 += fabs(v[j + 2u] - avg);
        a3 += fabs(v[j + 3u] - avg);
    }
    double dev = (a0 + a1) + (a2 + a3);
#endif
    for (; j < n; j++) dev += fabs(v[j] - avg);
    return dev;
}

static void cci_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    cci_t *s = t->st;
    double last = (b->high + b->low + b->close) / 3;
    s->v[s->pos] = last;
    if (++s->pos == s->n) s->pos = 0;
    if (s->cnt++ + 1 < s->n) return;
    /* The mean in TA-Lib's order (slot order, one running sum): the numerator
     * cancels, so its rounding must be TA-Lib's. The deviation sum is only
     * needed to a relative ulp: partial sums (two SSE2 lanes x 2) shorten
     * its chain 4x and halve its instructions. */
    const double *v = s->v;
    uint32_t n = s->n, j = 0;
    double avg = 0;
    for (; j + 4u <= n; j += 4u) {
        avg += v[j];
        avg += v[j + 1u];
        avg += v[j + 2u];
        avg += v[j + 3u];
    }
    for (; j < n; j++) avg += v[j];
    avg /= (double)n;
    double dev = cci_absdev(v, n, avg);
    double num = last - avg;
    nx__ta_set1(t, (!NX__TA_IS_ZERO(num) && !NX__TA_IS_ZERO(dev))
                       ? num / (0.015 * (dev / (double)s->n))
                       : 0.0);
}
int nx__ta_init_CCI(nx_ta_t *t, nx__ta_arena_t *a) {
    cci_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    double *v = nx__ta_doubles(a, n);
    if (s) {
        s->v = v;
        s->n = n;
    }
    t->lookback = (int)n - 1;
    t->step = cci_step;
    return 0;
}
