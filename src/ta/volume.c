/*
 * Volume indicators: MFI, OBV, AD, ADOSC, VWAP (session and rolling).
 */
#include "nexus/time.h"
#include "ta/ta_int.h"

/* --- MFI (TA-Lib: typical price x volume split by the price change; an
 *     unchanged typical price contributes to neither side) --------------- */

typedef struct {
    nx__ring_t pos, neg;
    double ps, ns, prev;
    uint32_t n;
    uint64_t cnt;
} mfi_t;

static void mfi_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    mfi_t *s = t->st;
    uint64_t i = s->cnt++;
    double tp = (b->high + b->low + b->close) / 3.0;
    if (i == 0) {
        s->prev = tp;
        return;
    }
    if (i > s->n) {
        s->ps -= nx__ring_oldest(&s->pos);
        s->ns -= nx__ring_oldest(&s->neg);
    }
    double d = tp - s->prev;
    s->prev = tp;
    double mf = tp * b->volume;
    double p = nx__fsel(d > 0, mf, 0.0), q = nx__fsel(d < 0, mf, 0.0);
    s->ns = nx__fsel(d < 0, s->ns + mf, s->ns);
    s->ps = nx__fsel(d > 0, s->ps + mf, s->ps);
    nx__ring_push(&s->pos, p);
    nx__ring_push(&s->neg, q);
    if (i < s->n) return;
    double tot = s->ps + s->ns;
    nx__ta_set1(t, tot < 1.0 ? 0.0 : 100.0 * (s->ps / tot));
}
int nx__ta_init_MFI(nx_ta_t *t, nx__ta_arena_t *a) {
    mfi_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->n = n;
        nx__ring_init(&s->pos, a, n);
        nx__ring_init(&s->neg, a, n);
    }
    t->lookback = (int)n;
    t->step = mfi_step;
    return 0;
}

/* --- OBV ------------------------------------------------------------------- */

typedef struct {
    double obv, prev;
    int have, zero;
} obv_t;

static void obv_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    obv_t *s = t->st;
    if (!s->have) {
        s->have = 1;
        s->obv = s->zero ? 0.0 : b->volume;
    } else {
        double o = s->obv;
        s->obv = nx__fsel(b->close > s->prev, o + b->volume,
                          nx__fsel(b->close < s->prev, o - b->volume, o));
    }
    s->prev = b->close;
    nx__ta_set1(t, s->obv);
}
int nx__ta_init_OBV(nx_ta_t *t, nx__ta_arena_t *a) {
    obv_t *s = nx__ta_state(a, sizeof *s);
    if (s) s->zero = (t->opts & NX_TA_OPT_OBV_ZERO) != 0;
    t->lookback = 0;
    t->step = obv_step;
    return 0;
}

/* --- AD (Chaikin accumulation/distribution line) --------------------------- */

static inline double ad_add(double ad, const nx_ta_bar_t *b) {
    double tmp = b->high - b->low;
    if (tmp > 0.0) ad += (((b->close - b->low) - (b->high - b->close)) / tmp) * b->volume;
    return ad;
}
static void ad_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    double *ad = t->st;
    *ad = ad_add(*ad, b);
    nx__ta_set1(t, *ad);
}
int nx__ta_init_AD(nx_ta_t *t, nx__ta_arena_t *a) {
    (void)nx__ta_state(a, sizeof(double));
    t->lookback = 0;
    t->step = ad_step;
    return 0;
}

/* --- ADOSC: fast EMA - slow EMA of AD, both seeded with the first AD value */

typedef struct {
    double ad, fast, slow, fk, sk;
    uint32_t lookback;
    uint64_t cnt;
} adosc_t;

static void adosc_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    adosc_t *s = t->st;
    uint64_t i = s->cnt++;
    s->ad = ad_add(s->ad, b);
    if (i == 0) {
        s->fast = s->slow = s->ad;
    } else {
        s->fast = (s->fk * s->ad) + ((1.0 - s->fk) * s->fast);
        s->slow = (s->sk * s->ad) + ((1.0 - s->sk) * s->slow);
    }
    if (i >= s->lookback) nx__ta_set1(t, s->fast - s->slow);
}
int nx__ta_init_ADOSC(nx_ta_t *t, nx__ta_arena_t *a) {
    adosc_t *s = nx__ta_state(a, sizeof *s);
    uint32_t fast = nx__ta_pi(t, 0), slow = nx__ta_pi(t, 1);
    uint32_t lb = (fast > slow ? fast : slow) - 1u;
    if (s) {
        s->fk = 2.0 / (double)(fast + 1u);
        s->sk = 2.0 / (double)(slow + 1u);
        s->lookback = lb;
    }
    t->lookback = (int)lb;
    t->step = adosc_step;
    return 0;
}

/* --- VWAP of the typical price: per UTC day (no period / 0) or rolling ------- */

typedef struct {
    nx__ring_t pv, v;
    double spv, sv;
    int64_t day, day_lo, day_hi; /* the current UTC day, and its span [day_lo, day_hi) in ns */
    uint32_t n;
    uint64_t cnt;
} vwap_t;

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static void vwap_step(nx_ta_t *t, const nx_ta_bar_t *b) {
    vwap_t *s = t->st;
    uint64_t i = s->cnt++;
    double tp = (b->high + b->low + b->close) / 3.0;
    double pv = tp * b->volume;
    if (s->n == 0) {
        /* the day number (a 64-bit division) only when ts leaves the span */
        if (NX_UNLIKELY(i == 0 || b->ts < s->day_lo || b->ts >= s->day_hi)) {
            const int64_t nd = NX_NS_PER_DAY;
            int64_t day = floor_div(b->ts, nd);
            s->day_lo = day < INT64_MIN / nd ? INT64_MIN : day * nd;
            s->day_hi = day >= INT64_MAX / nd ? INT64_MAX : (day + 1) * nd;
            if (i == 0 || day != s->day) {
                s->day = day;
                s->spv = 0;
                s->sv = 0;
            }
        }
        s->spv += pv;
        s->sv += b->volume;
        nx__ta_set1(t, s->sv > 0 ? s->spv / s->sv : tp);
        return;
    }
    s->spv += pv;
    s->sv += b->volume;
    nx__ring_push(&s->pv, pv);
    nx__ring_push(&s->v, b->volume);
    if (i + 1 < s->n) return;
    nx__ta_set1(t, s->sv > 0 ? s->spv / s->sv : tp);
    s->spv -= nx__ring_oldest(&s->pv);
    s->sv -= nx__ring_oldest(&s->v);
}
int nx__ta_init_VWAP(nx_ta_t *t, nx__ta_arena_t *a) {
    vwap_t *s = nx__ta_state(a, sizeof *s);
    uint32_t n = nx__ta_pi(t, 0);
    if (s) {
        s->n = n;
        if (n) {
            nx__ring_init(&s->pv, a, n);
            nx__ring_init(&s->v, a, n);
        }
    }
    t->lookback = n ? (int)n - 1 : 0;
    t->step = vwap_step;
    return 0;
}
