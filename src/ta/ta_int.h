/*
 * src/ta/ta_int.h — private to the ta module: the object layout, the
 * registry entry, the creation arena and the small streaming cores (ring,
 * SMA, EMA, rolling extremes, TA-Lib variance) the indicators are built from.
 *
 * Creation runs an indicator's init twice: once to size the block (state
 * structs go to a scratch buffer, rings are not allocated) and once over the
 * real block, so every ring lives in the one allocation and updates never
 * allocate. nx_ta_reset() zeroes the state and runs init again.
 */
#ifndef NX_TA_INT_H
#define NX_TA_INT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nexus/ta.h"

/* TA-Lib's "is zero" tests, kept so that its edge decisions match. */
#define NX__TA_IS_ZERO(v) (((-0.00000001) < (v)) && ((v) < 0.00000001))
#define NX__TA_IS_ZERO_OR_NEG(v) ((v) < 0.00000001)

typedef struct nx__ta_arena {
    unsigned char *base;    /* NULL while sizing */
    unsigned char *scratch; /* sizing pass: where the state struct goes */
    size_t scratch_cap;
    size_t used;
    int too_big;            /* sizing: state struct did not fit the scratch */
} nx__ta_arena_t;

struct nx_ta;
typedef void (*nx__ta_step_bar_fn)(struct nx_ta *t, const nx_ta_bar_t *b);
typedef void (*nx__ta_step_val_fn)(struct nx_ta *t, double x);

typedef struct nx__ta_param {
    const char *name;
    double def, lo, hi;
    int integer;
} nx__ta_param_t;

typedef struct nx__ta_def {
    nx_ta_kind_t kind;
    const char *name;
    int bars;  /* needs high/low/volume */
    unsigned np;
    nx__ta_param_t p[NX_TA_MAX_PARAMS];
    unsigned nout;
    const char *out[NX_TA_MAX_OUT];
    unsigned opts; /* NX_TA_OPT_* the kind accepts */
    /* Reads t->p / t->opts / t->np_given, takes its state from the arena,
     * sets t->lookback and the step function(s). May refuse parameter
     * combinations with NX_EINVAL (message set). */
    int (*init)(struct nx_ta *t, nx__ta_arena_t *a);
} nx__ta_def_t;

/*
 * Cores shared within a set. Several indicators of a set often run the
 * same core on the same bars: ADX, ADXR and +DI/-DI the directional
 * movement of one period; RSI, CMO and STOCHRSI one Wilder gain/loss;
 * STOCH, WILLR, DONCHIAN, AROON and AROONOSC one window's highest high and
 * lowest low; ATR, NATR, SUPERTREND and KELTNER one ATR. Such an indicator keeps its
 * core behind a share header: when it joins a set fresh (no update yet)
 * after a fresh member whose core can stand for its own with the same
 * parameters, it reads that member's core instead of stepping its own. The
 * earlier member steps the core first within each bar (members run in
 * order), so the values are the same, bit for bit, as the indicator alone.
 */
enum {
    NX__CORE_DM = 1u,       /* dm_t: directional movement, key = period */
    NX__CORE_ADX = 2u,      /* adxcore_t (starts with a dm_t), key = period */
    NX__CORE_WILDER = 4u,   /* Wilder gain/loss, key = period */
    NX__CORE_HILO = 8u,     /* highest high / lowest low, key = window */
    NX__CORE_HILO_IDX = 16u, /* the same with the bar index of each, key = window */
    NX__CORE_ATR = 32u,     /* nx__atr_t, key = period */
};
typedef struct nx__share {
    void *core;        /* the core read: the indicator's own, or a set member's */
    unsigned provides; /* NX__CORE_* its own core can stand for */
    unsigned wants;    /* the NX__CORE_* it reads (0: never shares) */
    uint32_t key;      /* the parameter the core depends on */
    int own;           /* 1: steps the core itself */
} nx__share_t;

static inline void nx__share_init(nx__share_t *sh, void *own_core, unsigned provides,
                                  unsigned wants, uint32_t key) {
    sh->core = own_core;
    sh->provides = provides;
    sh->wants = wants;
    sh->key = key;
    sh->own = 1;
}

struct nx_ta {
    /* hot */
    nx__ta_step_bar_fn step;   /* always set */
    nx__ta_step_val_fn step_v; /* value indicators only */
    void *st;
    nx_ta_kind_t kind;
    int ready;
    int in_set; /* owned by a set: updated only through it */
    int lookback;
    uint64_t count;
    double out[NX_TA_MAX_OUT];
    /* cold */
    const nx__ta_def_t *def;
    unsigned nout;
    unsigned opts;
    unsigned np_given;
    double p[NX_TA_MAX_PARAMS];
    size_t st_off, st_size; /* state area inside this block */
    nx__share_t *share;     /* inside the state; NULL if the kind shares nothing */
    char col[NX_TA_MAX_OUT][NX_TA_NAME_MAX];
};

const nx__ta_def_t *nx__ta_def(nx_ta_kind_t kind);

/* Value indicators define their step on a value, then NX__TA_BAR_FORM(fn)
 * gives its bar form fn_bar (reads close) and init sets both with
 * NX__TA_VALUE_STEPS(t, fn): a bar update is then one call whatever the
 * kind, with no test of which form a member has. */
#define NX__TA_BAR_FORM(fn)                                                   \
    static void fn##_bar(struct nx_ta *t, const nx_ta_bar_t *b) { fn(t, b->close); }
#define NX__TA_VALUE_STEPS(t, fn) ((t)->step_v = fn, (t)->step = fn##_bar)

static inline void *nx__ta_state(nx__ta_arena_t *a, size_t bytes) {
    size_t off = (a->used + 15u) & ~(size_t)15u;
    a->used = off + bytes;
    if (a->base) return a->base + off;
    if (bytes > a->scratch_cap) {
        a->too_big = 1;
        return NULL;
    }
    memset(a->scratch, 0, bytes);
    return a->scratch;
}
static inline double *nx__ta_doubles(nx__ta_arena_t *a, size_t n) {
    size_t off = (a->used + 15u) & ~(size_t)15u;
    a->used = off + n * sizeof(double);
    return a->base ? (double *)(void *)(a->base + off) : NULL;
}
static inline uint64_t *nx__ta_u64s(nx__ta_arena_t *a, size_t n) {
    size_t off = (a->used + 15u) & ~(size_t)15u;
    a->used = off + n * sizeof(uint64_t);
    return a->base ? (uint64_t *)(void *)(a->base + off) : NULL;
}

/* Branch-free selects (c ? a : b) for outcomes as unpredictable as the
 * prices: a mispredicted branch costs more than computing both sides. Both
 * operands are computed exactly as the branchy code would, so results are
 * bit-identical. */
static inline uint64_t nx__sel(int c, uint64_t a, uint64_t b) {
    uint64_t m = (uint64_t)0 - (uint64_t)(c != 0);
    return (a & m) | (b & ~m);
}
static inline double nx__fsel(int c, double a, double b) {
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = nx__sel(c, ua, ub);
    memcpy(&a, &ua, sizeof a);
    return a;
}

static inline uint32_t nx__ta_pi(const struct nx_ta *t, unsigned i) { return (uint32_t)t->p[i]; }

/* Publish values: ready + outputs. */
static inline void nx__ta_set1(struct nx_ta *t, double v) {
    t->out[0] = v;
    t->ready = 1;
}

/* ------------------------------------------------------------------------- */
/* Ring of the last n values                                                 */
/* ------------------------------------------------------------------------- */

typedef struct nx__ring {
    double *v;
    uint32_t n, pos;
} nx__ring_t;

static inline void nx__ring_init(nx__ring_t *r, nx__ta_arena_t *a, uint32_t n) {
    r->v = nx__ta_doubles(a, n);
    r->n = n;
    r->pos = 0;
}
/* Store x; returns the value it replaced (0 while the ring fills). */
static inline double nx__ring_push(nx__ring_t *r, double x) {
    double o = r->v[r->pos];
    r->v[r->pos] = x;
    uint32_t p = r->pos + 1u;
    r->pos = p == r->n ? 0 : p; /* a select, not a branch mispredicted every n pushes */
    return o;
}
/* The oldest value (the one the next push replaces). */
static inline double nx__ring_oldest(const nx__ring_t *r) { return r->v[r->pos]; }
/* The value pushed k pushes ago (0 = the last), k < n. */
static inline double nx__ring_ago(const nx__ring_t *r, uint32_t k) {
    uint32_t i = r->pos + r->n - 1u - k;
    if (i >= r->n) i -= r->n;
    return r->v[i];
}

/* ------------------------------------------------------------------------- */
/* SMA: TA-Lib's running total (add, emit total/n, subtract the trailing)    */
/* ------------------------------------------------------------------------- */

/* The SMA and EMA cores are the public hot-path structs (nexus/ta.h). */
typedef nx_ta_sma_t nx__sma_t;
typedef nx_ta_ema_t nx__ema_t;

static inline void nx__sma_init(nx__sma_t *s, nx__ta_arena_t *a, uint32_t n) {
    memset(s, 0, sizeof *s);
    s->ring = nx__ta_doubles(a, n);
    s->period = n;
    s->div = (double)n;
    s->warm = n - 1u;
}
static inline int nx__sma_step(nx__sma_t *s, double x, double *out) {
    return nx__ta_sma_step(s, x, out);
}

/* ------------------------------------------------------------------------- */
/* EMA: k = 2/(n+1); seeded with the SMA of the first n inputs (TA-Lib) or    */
/* with the first input (seed=first); `skip` inputs are ignored first (the   */
/* late-seeded fast EMA of MACD/PPO).                                        */
/* ------------------------------------------------------------------------- */

static inline void nx__ema_init(nx__ema_t *e, uint32_t n, uint32_t skip, int seed_first) {
    memset(e, 0, sizeof *e);
    e->k = 2.0 / (double)(n + 1u);
    e->period = n;
    e->skip = skip;
    e->first = seed_first ? 1u : 0u;
}
static inline int nx__ema_step(nx__ema_t *e, double x, double *out) {
    return nx__ta_ema_step(e, x, out);
}

/* ------------------------------------------------------------------------- */
/* WMA: TA-Lib's periodSum / periodSub recurrence                            */
/* ------------------------------------------------------------------------- */

typedef struct nx__wma {
    nx__ring_t r;
    double sum, sub, trailing, divider;
    uint32_t n, cnt;
} nx__wma_t;

static inline void nx__wma_init(nx__wma_t *w, nx__ta_arena_t *a, uint32_t n) {
    nx__ring_init(&w->r, a, n);
    w->n = n;
    w->divider = (double)((n * (n + 1u)) >> 1);
    w->sum = w->sub = w->trailing = 0;
    w->cnt = 0;
}
static inline int nx__wma_step(nx__wma_t *w, double x, double *out) {
    nx__ring_push(&w->r, x);
    if (NX_UNLIKELY(w->cnt + 1u < w->n)) {
        w->cnt++;
        w->sub += x;
        w->sum += x * (double)w->cnt;
        return 0;
    }
    w->sub += x;
    w->sub -= w->trailing;
    w->sum += x * (double)w->n;
    w->trailing = nx__ring_oldest(&w->r);
    *out = w->sum / w->divider;
    w->sum -= w->sub;
    return 1;
}

/* ------------------------------------------------------------------------- */
/* Rolling extremes over the last w inputs (van Herk / Gil-Werman): the     */
/* stream is cut in blocks of w; the window is a suffix of the previous     */
/* block (extremes precomputed once per block) plus a prefix of the current */
/* one (a running extreme). O(1) amortised like a monotonic deque, but      */
/* without its data-dependent pops: one max/min per push and a fixed w-long */
/* pass per block, so nothing is mispredicted on the way. The index of the  */
/* extreme, when kept, is the latest among ties (TA-Lib's >= / <= scans).   */
/* ------------------------------------------------------------------------- */

typedef struct nx__roll {
    double *buf;    /* the current block's inputs, by offset */
    double *suf;    /* suf[k]: extreme of the previous block's offsets k..w-1; suf[w] = identity */
    uint64_t *sidx; /* index of suf[k] (NULL unless indices are kept) */
    double pre;     /* extreme of the current block so far */
    double val;     /* the window's extreme after the last push */
    uint64_t pre_i, idx, n; /* indices of pre / val; n = pushes so far */
    uint32_t w, off;
} nx__roll_t;

static inline void nx__roll_init(nx__roll_t *m, nx__ta_arena_t *a, uint32_t w, int is_max,
                                 int with_idx) {
    m->buf = nx__ta_doubles(a, w);
    m->suf = nx__ta_doubles(a, (size_t)w + 1u);
    m->sidx = with_idx ? nx__ta_u64s(a, (size_t)w + 1u) : NULL;
    m->w = w;
    m->off = 0;
    m->n = 0;
    m->pre = m->val = is_max ? -INFINITY : INFINITY;
    m->pre_i = m->idx = 0;
    if (m->suf)
        for (uint32_t k = 0; k <= w; k++) m->suf[k] = m->pre;
}
/* Once per block: the suffix extremes of the block just completed. */
void nx__roll_block_max(nx__roll_t *m);
void nx__roll_block_min(nx__roll_t *m);

/* Values only. */
static inline void nx__rmax_push(nx__roll_t *m, double x) {
    uint32_t off = m->off;
    double pre = x > m->pre ? x : m->pre, s = m->suf[off + 1u];
    m->buf[off] = x;
    m->val = s > pre ? s : pre;
    m->pre = pre;
    m->off = off + 1u;
    if (NX_UNLIKELY(off + 1u == m->w)) nx__roll_block_max(m);
}
static inline void nx__rmin_push(nx__roll_t *m, double x) {
    uint32_t off = m->off;
    double pre = x < m->pre ? x : m->pre, s = m->suf[off + 1u];
    m->buf[off] = x;
    m->val = s < pre ? s : pre;
    m->pre = pre;
    m->off = off + 1u;
    if (NX_UNLIKELY(off + 1u == m->w)) nx__roll_block_min(m);
}
/* With the index (0-based push count) of the extreme. The index selects are
 * masks, not branches: which side wins is as unpredictable as the prices. */
static inline void nx__rmax_push_idx(nx__roll_t *m, double x) {
    uint32_t off = m->off;
    uint64_t i = m->n++;
    double pre = m->pre, s = m->suf[off + 1u];
    uint64_t pre_i = nx__sel(x >= pre, i, m->pre_i); /* the newer wins ties */
    pre = x > pre ? x : pre;
    m->buf[off] = x;
    m->idx = nx__sel(s > pre, m->sidx[off + 1u], pre_i);
    m->val = s > pre ? s : pre;
    m->pre = pre;
    m->pre_i = pre_i;
    m->off = off + 1u;
    if (NX_UNLIKELY(off + 1u == m->w)) nx__roll_block_max(m);
}
static inline void nx__rmin_push_idx(nx__roll_t *m, double x) {
    uint32_t off = m->off;
    uint64_t i = m->n++;
    double pre = m->pre, s = m->suf[off + 1u];
    uint64_t pre_i = nx__sel(x <= pre, i, m->pre_i);
    pre = x < pre ? x : pre;
    m->buf[off] = x;
    m->idx = nx__sel(s < pre, m->sidx[off + 1u], pre_i);
    m->val = s < pre ? s : pre;
    m->pre = pre;
    m->pre_i = pre_i;
    m->off = off + 1u;
    if (NX_UNLIKELY(off + 1u == m->w)) nx__roll_block_min(m);
}

/* The highest high and lowest low of a window, as indicators share them. */
typedef struct nx__hilo {
    nx__roll_t hi, lo;
    uint64_t cnt; /* bars pushed */
} nx__hilo_t;

static inline void nx__hilo_init(nx__hilo_t *h, nx__ta_arena_t *a, uint32_t w, int with_idx) {
    nx__roll_init(&h->hi, a, w, 1, with_idx);
    nx__roll_init(&h->lo, a, w, 0, with_idx);
    h->cnt = 0;
}
static inline void nx__hilo_push(nx__hilo_t *h, const nx_ta_bar_t *b) {
    nx__rmax_push(&h->hi, b->high);
    nx__rmin_push(&h->lo, b->low);
    h->cnt++;
}
static inline void nx__hilo_push_idx(nx__hilo_t *h, const nx_ta_bar_t *b) {
    nx__rmax_push_idx(&h->hi, b->high);
    nx__rmin_push_idx(&h->lo, b->low);
    h->cnt++;
}

/* ------------------------------------------------------------------------- */
/* True range                                                                */
/* ------------------------------------------------------------------------- */

static inline double nx__trange(double h, double l, double prev_close) {
    double g = h - l;
    double v2 = fabs(prev_close - h);
    if (v2 > g) g = v2;
    double v3 = fabs(prev_close - l);
    if (v3 > g) g = v3;
    return g;
}

/* ------------------------------------------------------------------------- */
/* ATR core: Wilder smoothing seeded with the SMA of the first n true ranges */
/* (true range starts on the second bar), as TA-Lib.                         */
/* ------------------------------------------------------------------------- */

typedef struct nx__atr {
    double prev_close, atr, sum; /* atr: the value once ready */
    uint32_t n, cnt; /* cnt = bars seen */
    int ok;          /* the last step gave a value (atr) */
} nx__atr_t;

static inline void nx__atr_init(nx__atr_t *a, uint32_t n) {
    a->n = n;
    a->cnt = 0;
    a->atr = a->sum = a->prev_close = 0;
    a->ok = 0;
}
static inline int nx__atr_step_(nx__atr_t *a, double h, double l, double c, double *out);
/* Step and remember whether it gave a value (for members sharing it). */
static inline int nx__atr_step(nx__atr_t *a, double h, double l, double c, double *out) {
    a->ok = nx__atr_step_(a, h, l, c, out);
    return a->ok;
}
static inline int nx__atr_step_(nx__atr_t *a, double h, double l, double c, double *out) {
    if (NX_UNLIKELY(a->cnt == 0)) {
        a->cnt = 1;
        a->prev_close = c;
        return 0;
    }
    double tr = nx__trange(h, l, a->prev_close);
    a->prev_close = c;
    if (NX_LIKELY(a->cnt > a->n)) {
        a->atr *= (double)(a->n - 1u);
        a->atr += tr;
        a->atr /= (double)a->n;
        *out = a->atr;
        return 1;
    }
    a->cnt++;
    if (a->n == 1) { /* TA-Lib: ATR(1) is the true range */
        a->atr = tr;
        *out = tr;
        return 1;
    }
    a->sum += tr;
    if (a->cnt <= a->n) return 0;
    a->atr = a->sum / (double)a->n;
    *out = a->atr;
    return 1;
}

/* Step a shared ATR core unless a set member does; NULL until it has a value. */
static inline const nx__atr_t *nx__atr_core(nx__share_t *sh, const nx_ta_bar_t *b) {
    nx__atr_t *c = sh->core;
    double v;
    if (sh->own) nx__atr_step(c, b->high, b->low, b->close, &v);
    return c->ok ? c : NULL;
}

/* ------------------------------------------------------------------------- */
/* TA-Lib variance: running sum and sum of squares, mean(x^2) - mean(x)^2    */
/* ------------------------------------------------------------------------- */

typedef struct nx__var {
    nx__ring_t r;
    double s1, s2;
    uint32_t n, cnt;
} nx__var_t;

static inline void nx__var_init(nx__var_t *v, nx__ta_arena_t *a, uint32_t n) {
    nx__ring_init(&v->r, a, n);
    v->n = n;
    v->s1 = v->s2 = 0;
    v->cnt = 0;
}
static inline int nx__var_step(nx__var_t *v, double x, double *out) {
    v->s1 += x;
    v->s2 += x * x;
    nx__ring_push(&v->r, x);
    if (NX_UNLIKELY(v->cnt + 1u < v->n)) {
        v->cnt++;
        return 0;
    }
    double m1 = v->s1 / (double)v->n;
    double m2 = v->s2 / (double)v->n;
    double old = nx__ring_oldest(&v->r);
    v->s1 -= old;
    v->s2 -= old * old;
    *out = m2 - m1 * m1;
    return 1;
}

/* Init functions, one per kind (ma.c, momentum.c, volatility.c, volume.c, trend.c). */
#define NX__TA_INIT_DECL(id, name) int nx__ta_init_##id(struct nx_ta *t, nx__ta_arena_t *a);
NX_TA_KINDS(NX__TA_INIT_DECL)
#undef NX__TA_INIT_DECL

#endif
