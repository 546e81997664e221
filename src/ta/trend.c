/*
 * Trend: ADX, ADXR, +DI/-DI, AROON, AROONOSC, SAR, ICHIMOKU, SUPERTREND,
 * LINREGSLOPE.
 */
#include "ta/ta_int.h"

/* --- Directional movement core (TA-Lib): sums over the first n-1 changes,
 *     then Wilder smoothing; values from bar n on. -------------------------- */

typedef struct {
    double ph, pl, pc, pdm, mdm, tr;
    uint32_t n;
    int ok; /* the last step gave values */
    uint64_t cnt;
} dm_t;

static inline int dm_step_(dm_t *d, const nx_ta_bar_t *b);
static inline int dm_step(dm_t *d, const nx_ta_bar_t *b) {
    d->ok = dm_step_(d, b);
    return d->ok;
}
static inline int dm_step_(dm_t *d, const nx_ta_bar_t *b) {
    uint64_t i = d->cnt++;
    if (NX_UNLIKELY(i == 0)) {
        d->ph = b->high;
        d->pl = b->low;
        d->pc = b->close;
        return 0;
    }
    double diff_p = b->high - d->ph, diff_m = d->pl - b->low;
    d->ph = b->high;
    d->pl = b->low;
    double tr = nx__trange(b->high, b->low, d->pc);
    d->pc = b->close;
    /* -DM if the low fell more than the high rose, +DM in the opposite case
     * (exclusive: they need diff_p < diff_m and diff_p > diff_m). */
    int m_ok = (diff_m > 0) & (diff_p < diff_m);
    int p_ok = (diff_p > 0) & (diff_p > diff_m);
    double mdm = d->mdm, pdm = d->pdm;
    if (NX_UNLIKELY(i < d->n)) {
        d->mdm = nx__fsel(m_ok, mdm + diff_m, mdm);
        d->pdm = nx__fsel(p_ok, pdm + diff_p, pdm);
        d->tr += tr;
        return 0;
    }
    double nn = (double)d->n;
    mdm -= mdm / nn;
    pdm -= pdm / nn;
    d->mdm = nx__fsel(m_ok, mdm + diff_m, mdm);
    d->pdm = nx__fsel(p_ok, pdm + diff_p, pdm);
    d->tr = d->tr - d->tr / nn + tr;
    return 1;
}
/* DX of the current state; 0 if undefined (TR or DI sum zero). */
static inline int dm_dx(const dm_t *d, double *dx) {
    if (NX__TA_IS_ZERO(d->tr)) return 0;
    double mdi = (100.0 * (d->mdm / d->tr));
    double pdi = (100.0 * (d->pdm / d->tr));
    double sum = mdi + pdi;
    if (NX__TA_IS_ZERO(sum)) return 0;
    *dx = (100.0 * (fabs(mdi - pdi) / sum));
    return 1;
}

/* --- +DI / -DI ------------------------------------------------------------- */

typedef struct {
    nx__share_t sh; /* a dm_t (or an ADX core, which starts with one) */
    dm_t own;
} di_t;

static void di_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    di_t *s = t->st;
    dm_t *d = s->sh.core;
    if (s->sh.own) dm_step(d, b);
    if (!d->ok) return;
    int z = NX__TA_IS_ZERO(d->tr);
    t->out[0] = z ? 0.0 : (100.0 * (d->pdm / d->tr));
    t->out[1] = z ? 0.0 : (100.0 * (d->mdm / d->tr));
    t->ready = 1;
}
int nx__ta_init_DI(nx_ta_t *t, nx__ta_arena_t *a) {
    di_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->own.n = n;
        nx__share_init(&s->sh, &s->own, NX__CORE_DM, NX__CORE_DM, n);
        t->share = &s->sh;
    }
    t->lookback = (int)n;
    t->step = di_step;
    return 0;
}

/* --- ADX / ADXR -------------------------------------------------------------- */

typedef struct {
    dm_t d; /* first: an ADX core stands for a dm_t too */
    double sum_dx, adx;
    uint64_t ndx;
    int ok; /* adx holds a value */
} adxcore_t;

typedef struct {
    nx__share_t sh; /* an adxcore_t */
    adxcore_t own;
    nx__ring_t hist; /* ADXR: the last n ADX values */
    uint64_t nadx;
} adx_t;

static int adx_core_(adxcore_t *s, const nx_ta_bar_t *b) {
    if (!dm_step(&s->d, b)) return 0;
    double dx;
    int ok = dm_dx(&s->d, &dx);
    uint64_t k = s->ndx++; /* 0-based index of this DX bar (bar n + k) */
    if (k < s->d.n) {
        if (ok) s->sum_dx += dx;
        if (k + 1 < s->d.n) return 0;
        s->adx = s->sum_dx / (double)s->d.n;
        return 1;
    }
    if (ok) s->adx = ((s->adx * (double)(s->d.n - 1u) + dx) / (double)s->d.n);
    return 1;
}
/* Step the ADX core unless a set member does; NULL until it has a value. */
static inline const adxcore_t *adx_core(adx_t *s, const nx_ta_bar_t *b) {
    adxcore_t *c = s->sh.core;
    if (s->sh.own) c->ok = adx_core_(c, b);
    return c->ok ? c : NULL;
}
static void adx_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    adx_t *s = t->st;
    const adxcore_t *c = adx_core(s, b);
    if (c) nx__ta_set1(t, c->adx);
}
static void adxr_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    adx_t *s = t->st;
    const adxcore_t *c = adx_core(s, b);
    if (!c) return;
    nx__ring_push(&s->hist, c->adx);
    if (s->nadx++ + 1 < c->d.n) return;
    nx__ta_set1(t, (c->adx + nx__ring_oldest(&s->hist)) / 2.0);
}
static int adx_init(nx_ta_t *t, nx__ta_arena_t *a, int with_hist) {
    adx_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->own.d.n = n;
        nx__share_init(&s->sh, &s->own, NX__CORE_ADX | NX__CORE_DM, NX__CORE_ADX, n);
        t->share = &s->sh;
        if (with_hist) nx__ring_init(&s->hist, a, n);
    }
    t->lookback = 2 * (int)n - 1 + (with_hist ? (int)n - 1 : 0);
    return 0;
}
int nx__ta_init_ADX(nx_ta_t *t, nx__ta_arena_t *a) {
    t->step = adx_step;
    return adx_init(t, a, 0);
}
int nx__ta_init_ADXR(nx_ta_t *t, nx__ta_arena_t *a) {
    t->step = adxr_step;
    return adx_init(t, a, 1);
}

/* --- AROON / AROONOSC: bars since the highest high / lowest low over n+1 bars */

typedef struct {
    nx__share_t sh; /* an nx__hilo_t of n+1 bars, with indices */
    nx__hilo_t own;
    double factor;
    uint32_t n;
} aroon_t;

/* The index of the current bar, or -1 while the window is not full. */
static int64_t aroon_core(aroon_t *s, const nx_ta_bar_t *b) {
    nx__hilo_t *h = s->sh.core;
    if (s->sh.own) nx__hilo_push_idx(h, b);
    return h->cnt > s->n ? (int64_t)h->cnt - 1 : -1;
}
static void aroon_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    aroon_t *s = t->st;
    int64_t i = aroon_core(s, b);
    if (i < 0) return;
    const nx__hilo_t *h = s->sh.core;
    int n = (int)s->n;
    t->out[0] = s->factor * (double)(n - (int)(i - (int64_t)h->hi.idx));
    t->out[1] = s->factor * (double)(n - (int)(i - (int64_t)h->lo.idx));
    t->ready = 1;
}
static void aroonosc_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    aroon_t *s = t->st;
    if (aroon_core(s, b) < 0) return;
    const nx__hilo_t *h = s->sh.core;
    int64_t d = (int64_t)h->hi.idx - (int64_t)h->lo.idx;
    nx__ta_set1(t, s->factor * (double)d);
}
static int aroon_init(nx_ta_t *t, nx__ta_arena_t *a) {
    aroon_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->n = n;
        s->factor = 100.0 / (double)n;
        nx__hilo_init(&s->own, a, n + 1, 1);
        nx__share_init(&s->sh, &s->own, NX__CORE_HILO | NX__CORE_HILO_IDX, NX__CORE_HILO_IDX,
                       n + 1);
        t->share = &s->sh;
    }
    t->lookback = (int)n;
    return 0;
}
int nx__ta_init_AROON(nx_ta_t *t, nx__ta_arena_t *a) {
    t->step = aroon_step;
    return aroon_init(t, a);
}
int nx__ta_init_AROONOSC(nx_ta_t *t, nx__ta_arena_t *a) {
    t->step = aroonosc_step;
    return aroon_init(t, a);
}

/* --- Parabolic SAR (TA-Lib: direction from the first two bars' -DM, the
 *     first bar's extreme as the first SAR) ------------------------------ */

typedef struct {
    double accel, max, af, ep, sar, new_high, new_low, h0, l0;
    int is_long;
    uint64_t cnt;
} sar_t;

static void sar_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    sar_t *s = t->st;
    uint64_t i = s->cnt++;
    if (i == 0) {
        s->h0 = b->high;
        s->l0 = b->low;
        return;
    }
    if (i == 1) {
        double diff_p = b->high - s->h0, diff_m = s->l0 - b->low;
        double minus_dm = (diff_m > 0 && diff_p < diff_m) ? diff_m : 0.0;
        s->is_long = !(minus_dm > 0);
        if (s->is_long) {
            s->ep = b->high;
            s->sar = s->l0;
        } else {
            s->ep = b->low;
            s->sar = s->h0;
        }
        s->new_low = b->low;
        s->new_high = b->high;
        s->af = s->accel;
    }
    double prev_low = s->new_low, prev_high = s->new_high;
    s->new_low = b->low;
    s->new_high = b->high;
    double out;
    if (s->is_long) {
        if (s->new_low <= s->sar) { /* switch to short */
            s->is_long = 0;
            s->sar = s->ep;
            if (s->sar < prev_high) s->sar = prev_high;
            if (s->sar < s->new_high) s->sar = s->new_high;
            out = s->sar;
            s->af = s->accel;
            s->ep = s->new_low;
            s->sar = s->sar + s->af * (s->ep - s->sar);
            if (s->sar < prev_high) s->sar = prev_high;
            if (s->sar < s->new_high) s->sar = s->new_high;
        } else {
            out = s->sar;
            if (s->new_high > s->ep) {
                s->ep = s->new_high;
                s->af += s->accel;
                if (s->af > s->max) s->af = s->max;
            }
            s->sar = s->sar + s->af * (s->ep - s->sar);
            if (s->sar > prev_low) s->sar = prev_low;
            if (s->sar > s->new_low) s->sar = s->new_low;
        }
    } else if (s->new_high >= s->sar) { /* switch to long */
        s->is_long = 1;
        s->sar = s->ep;
        if (s->sar > prev_low) s->sar = prev_low;
        if (s->sar > s->new_low) s->sar = s->new_low;
        out = s->sar;
        s->af = s->accel;
        s->ep = s->new_high;
        s->sar = s->sar + s->af * (s->ep - s->sar);
        if (s->sar > prev_low) s->sar = prev_low;
        if (s->sar > s->new_low) s->sar = s->new_low;
    } else {
        out = s->sar;
        if (s->new_low < s->ep) {
            s->ep = s->new_low;
            s->af += s->accel;
            if (s->af > s->max) s->af = s->max;
        }
        s->sar = s->sar + s->af * (s->ep - s->sar);
        if (s->sar < prev_high) s->sar = prev_high;
        if (s->sar < s->new_high) s->sar = s->new_high;
    }
    nx__ta_set1(t, out);
}
int nx__ta_init_SAR(nx_ta_t *t, nx__ta_arena_t *a) {
    sar_t *s = nx__ta_state(a, sizeof *s);
    if (s) {
        s->max = t->p[1];
        s->accel = t->p[0] > s->max ? s->max : t->p[0]; /* TA-Lib clamps */
    }
    t->lookback = 1;
    t->step = sar_step;
    return 0;
}

/* --- ICHIMOKU: tenkan, kijun, and the cloud spans that apply to the current
 *     bar (computed `shift` bars ago). --------------------------------------- */

typedef struct {
    nx__roll_t h1, l1, h2, l2, h3, l3;
    nx__ring_t ra, rb;
    uint32_t p1, p2, p3, shift;
    uint64_t cnt, lookback;
} ichimoku_t;

static void ichimoku_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    ichimoku_t *s = t->st;
    uint64_t i = s->cnt++;
    nx__rmax_push(&s->h1, b->high);
    nx__rmin_push(&s->l1, b->low);
    nx__rmax_push(&s->h2, b->high);
    nx__rmin_push(&s->l2, b->low);
    nx__rmax_push(&s->h3, b->high);
    nx__rmin_push(&s->l3, b->low);
    double tenkan = (s->h1.val + s->l1.val) / 2.0;
    double kijun = (s->h2.val + s->l2.val) / 2.0;
    double a = (tenkan + kijun) / 2.0;
    double bb = (s->h3.val + s->l3.val) / 2.0;
    if (s->shift) {
        a = nx__ring_push(&s->ra, a);
        bb = nx__ring_push(&s->rb, bb);
    }
    if (i < s->lookback) return;
    t->out[0] = tenkan;
    t->out[1] = kijun;
    t->out[2] = a;
    t->out[3] = bb;
    t->ready = 1;
}
int nx__ta_init_ICHIMOKU(nx_ta_t *t, nx__ta_arena_t *a) {
    ichimoku_t *s = nx__ta_state(a, sizeof *s);
    uint32_t p1 = nx__ta_pi(t, 0), p2 = nx__ta_pi(t, 1), p3 = nx__ta_pi(t, 2),
             sh = nx__ta_pi(t, 3);
    uint32_t pm = p1 > p2 ? p1 : p2;
    if (p3 > pm) pm = p3;
    if (s) {
        nx__roll_init(&s->h1, a, p1, 1, 0);
        nx__roll_init(&s->l1, a, p1, 0, 0);
        nx__roll_init(&s->h2, a, p2, 1, 0);
        nx__roll_init(&s->l2, a, p2, 0, 0);
        nx__roll_init(&s->h3, a, p3, 1, 0);
        nx__roll_init(&s->l3, a, p3, 0, 0);
        if (sh) {
            nx__ring_init(&s->ra, a, sh);
            nx__ring_init(&s->rb, a, sh);
        }
        s->shift = sh;
        s->lookback = pm - 1u + sh;
    }
    t->lookback = (int)(pm - 1u + sh);
    t->step = ichimoku_step;
    return 0;
}

/* --- SUPERTREND: ATR bands around (high+low)/2 that only tighten while the
 *     trend holds; outputs the active band and the direction (+1/-1). ----- */

typedef struct {
    nx__share_t sh; /* the ATR core */
    nx__atr_t own;
    double mult, up, dn, prev_close;
    int dir, have;
} supertrend_t;

static void supertrend_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    supertrend_t *s = t->st;
    double pc = s->prev_close;
    s->prev_close = b->close;
    const nx__atr_t *c = nx__atr_core(&s->sh, b);
    if (!c) return;
    double atr = c->atr;
    double hl2 = (b->high + b->low) / 2.0;
    double up = hl2 - s->mult * atr, dn = hl2 + s->mult * atr;
    if (!s->have) { /* the first bar starts up, as TradingView's reference script */
        s->have = 1;
        s->dir = 1;
    } else {
        double pup = s->up, pdn = s->dn;
        if (pc > pup && up < pup) up = pup;
        if (pc < pdn && dn > pdn) dn = pdn;
        if (s->dir == -1 && b->close > pdn) s->dir = 1;
        else if (s->dir == 1 && b->close < pup) s->dir = -1;
    }
    s->up = up;
    s->dn = dn;
    t->out[0] = s->dir == 1 ? up : dn;
    t->out[1] = (double)s->dir;
    t->ready = 1;
}
int nx__ta_init_SUPERTREND(nx_ta_t *t, nx__ta_arena_t *a) {
    supertrend_t *s = nx__ta_state(a, sizeof *s);
    if (s) {
        nx__atr_init(&s->own, nx__ta_pi(t, 0));
        nx__share_init(&s->sh, &s->own, NX__CORE_ATR, NX__CORE_ATR, nx__ta_pi(t, 0));
        t->share = &s->sh;
        s->mult = t->p[1];
    }
    t->lookback = (int)nx__ta_pi(t, 0);
    t->step = supertrend_step;
    return 0;
}

/* --- LINREGSLOPE: least-squares slope per bar over the window (TA-Lib's
 *     LINEARREG_SLOPE). Sums of y and age*y are updated in O(1) relative to
 *     a shift and recomputed exactly every n updates to stop drift. ------- */

typedef struct {
    nx__ring_t r;
    double shift, sy, sxy, sum_x, divisor;
    uint32_t n, since;
    uint64_t cnt;
} linreg_t;

static void linreg_resync(linreg_t *s, double shift) {
    s->shift = shift;
    s->sy = s->sxy = 0;
    for (uint32_t age = 0; age < s->n; age++) {
        double y = nx__ring_ago(&s->r, age) - shift;
        s->sy += y;
        s->sxy += (double)age * y;
    }
}
static void linreg_step(nx_ta_t *t, double x) {
    linreg_t *s = t->st;
    uint64_t i = s->cnt++;
    if (i == 0) s->shift = x;
    double old = nx__ring_push(&s->r, x) - s->shift;
    if (i >= s->n) { /* the oldest (age n-1) leaves */
        s->sxy -= (double)(s->n - 1u) * old;
        s->sy -= old;
    }
    s->sxy += s->sy; /* every age + 1 */
    s->sy += x - s->shift;
    if (i + 1 < s->n) return;
    if (++s->since >= s->n) {
        s->since = 0;
        linreg_resync(s, x);
    }
    double nn = (double)s->n;
    nx__ta_set1(t, (nn * s->sxy - s->sum_x * s->sy) / s->divisor);
}
NX__TA_BAR_FORM(linreg_step)
int nx__ta_init_LINREGSLOPE(nx_ta_t *t, nx__ta_arena_t *a) {
    linreg_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        double nn = (double)n;
        nx__ring_init(&s->r, a, n);
        s->n = n;
        s->sum_x = nn * (nn - 1) * 0.5;
        double sum_x2 = nn * (nn - 1) * (nn * 2 - 1) / 6;
        s->divisor = s->sum_x * s->sum_x - nn * sum_x2;
    }
    t->lookback = (int)n - 1;
    NX__TA_VALUE_STEPS(t, linreg_step);
    return 0;
}
