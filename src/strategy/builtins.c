/*
 * builtins.c — the built-in strategies:
 *
 *   sma_cross      SMA fast/slow crossover on exact (fixed-point) averages:
 *                  +1 when fast crosses above slow, -1 when below. With
 *                  allow_short false, size 1 and market orders this is the
 *                  backtrader reference's long-only rule exactly.
 *   ema_adx        trend following: EMA fast/slow cross, entries only while
 *                  ADX >= adx_min; a cross against the position exits it.
 *   rsi_bb         mean reversion: long below the lower Bollinger band with
 *                  RSI oversold, short above the upper band with RSI
 *                  overbought; out when the close returns to the middle band.
 *   donchian       breakout: close beyond the previous `entry` bars' channel
 *                  with volume above vol_mult x its average; out on the
 *                  opposite `exit`-bar channel.
 *   regime_switch  ensemble: the trend model in trending/breakout/high-vol
 *                  regimes, mean reversion in mean-reverting/low-vol ones, no
 *                  new entries while the regime is unknown, and flat in crisis
 *                  (a crisis on any of its instruments closes every position).
 *
 * Every state is plain data (snapshot = copy). Signals go out only when the
 * wanted direction changes, so a strategy never asks twice for the same
 * position.
 */
#include <math.h>
#include <string.h>

#include "nexus/regime.h"
#include "strategy/strat_int.h"

#define NX__WIN_HI ((double)NX_SIND_WIN_MAX)

/* ------------------------------------------------------------------------- */
/* Shared models                                                             */
/* ------------------------------------------------------------------------- */

void nx__trend_init(nx__trend_t *t, uint32_t fast, uint32_t slow, uint32_t adx_n, double adx_min) {
    nx_sind_ema_init(&t->f, fast);
    nx_sind_ema_init(&t->s, slow);
    nx_sind_adx_init(&t->adx, adx_n);
    t->adx_min = adx_min;
    t->dir = 0;
}

int nx__trend_update(nx__trend_t *t, const nx__hlcv_t *b, int *want, double *conf) {
    int rf = nx_sind_ema_update(&t->f, b->c);
    int rs = nx_sind_ema_update(&t->s, b->c);
    int ra = nx_sind_adx_update(&t->adx, b->h, b->l, b->c);
    if (!(rf && rs && ra)) return 0;
    int trend = (t->f.v > t->s.v) - (t->f.v < t->s.v);
    int strong = t->adx.v >= t->adx_min;
    int w = t->dir;
    if (t->dir == 0) {
        if (strong && trend != 0) w = trend;
    } else if (trend != t->dir) {
        w = strong ? trend : 0; /* reverse on a strong opposite trend, else out */
    }
    if (w == t->dir) return 0;
    t->dir = (int8_t)w;
    *want = w;
    double c = t->adx.v / 50.0;
    *conf = c > 1 ? 1 : c < 0 ? 0 : c;
    return 1;
}

void nx__meanrev_init(nx__meanrev_t *m, uint32_t rsi_n, uint32_t bb_n, double k, double oversold,
                      double overbought) {
    nx_sind_rsi_init(&m->rsi, rsi_n);
    nx_sind_win_init(&m->bb, bb_n);
    m->k = k;
    m->oversold = oversold;
    m->overbought = overbought;
    m->dir = 0;
}

int nx__meanrev_update(nx__meanrev_t *m, const nx__hlcv_t *b, int *want, double *conf) {
    int rr = nx_sind_rsi_update(&m->rsi, b->c);
    int rb = nx_sind_win_update(&m->bb, b->c);
    if (!(rr && rb)) return 0;
    double mid = nx_sind_win_mean(&m->bb), sd = nx_sind_win_std(&m->bb);
    double lo = mid - m->k * sd, hi = mid + m->k * sd, rsi = m->rsi.v;
    int w = m->dir;
    if (m->dir == 0) {
        if (b->c < lo && rsi < m->oversold) w = 1;
        else if (b->c > hi && rsi > m->overbought) w = -1;
    } else if ((m->dir > 0 && b->c >= mid) || (m->dir < 0 && b->c <= mid)) {
        w = 0;
    }
    if (w == m->dir) return 0;
    m->dir = (int8_t)w;
    *want = w;
    double c = fabs(rsi - 50.0) / 50.0;
    *conf = w == 0 ? 1.0 : (c > 1 ? 1 : c);
    return 1;
}

/* ------------------------------------------------------------------------- */
/* sma_cross                                                                 */
/* ------------------------------------------------------------------------- */

static const nx_sparam_def_t nx__sma_params[] = {
    {"fast", NX_SPARAM_INT, "10", 1, NX__WIN_HI, NULL, "fast SMA period (bars)"},
    {"slow", NX_SPARAM_INT, "30", 2, NX__WIN_HI, NULL, "slow SMA period (bars)"},
};

typedef struct nx__sma_inst {
    nx_sind_isma_t f, s;
    int prev; /* sign(fast - slow) at the previous bar */
    int have_prev;
    int scale; /* price scale of the first bar; -1 before */
} nx__sma_inst_t;

typedef struct nx__sma {
    uint32_t n;
    nx__sma_inst_t in[];
} nx__sma_t;

static size_t nx__sma_size(const nx_sparams_t *p, uint32_t n) {
    (void)p;
    return sizeof(nx__sma_t) + n * sizeof(nx__sma_inst_t);
}

static int nx__sma_init(void *st, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    nx__sma_t *s = st;
    int64_t fast = nx_sparam_int(p, "fast"), slow = nx_sparam_int(p, "slow");
    if (fast >= slow)
        return NX_ERR(NX_EINVAL, "sma_cross: fast (%lld) must be below slow (%lld)",
                      (long long)fast, (long long)slow);
    s->n = c->n_instruments;
    for (uint32_t i = 0; i < s->n; i++) {
        nx_sind_isma_init(&s->in[i].f, (uint32_t)fast);
        nx_sind_isma_init(&s->in[i].s, (uint32_t)slow);
        s->in[i].scale = -1;
    }
    return NX_OK;
}

static int nx__sma_bar(void *st, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    nx__sma_t *s = st;
    int i = nx__sidx(c, b->instrument);
    if (i < 0) return NX_OK;
    nx__sma_inst_t *x = &s->in[i];
    if (x->scale < 0) x->scale = b->price_scale;
    if (b->price_scale != x->scale)
        return NX_ERR(NX_EINVAL, "sma_cross: price scale changed from %d to %u", x->scale,
                      b->price_scale);
    int rf = nx_sind_isma_update(&x->f, b->close);
    int rs = nx_sind_isma_update(&x->s, b->close);
    if (!(rf && rs)) return NX_OK;
    int cmp = nx_sind_isma_cmp(&x->f, &x->s);
    int rc = NX_OK;
    if (x->have_prev) {
        if (x->prev <= 0 && cmp > 0) rc = nx_strategy_signal(c, b->instrument, 1, 1.0);
        else if (x->prev >= 0 && cmp < 0) rc = nx_strategy_signal(c, b->instrument, -1, 1.0);
    }
    x->prev = cmp;
    x->have_prev = 1;
    return rc;
}

static const nx_strategy_vt_t nx__sma_vt = {
    .abi = NX_STRATEGY_ABI,
    .vt_size = sizeof(nx_strategy_vt_t),
    .kind = "sma_cross",
    .help = "SMA fast/slow crossover on exact averages",
    .params = nx__sma_params,
    .n_params = NX_ARRAY_LEN(nx__sma_params),
    .state_size = nx__sma_size,
    .init = nx__sma_init,
    .on_bar = nx__sma_bar,
};

/* ------------------------------------------------------------------------- */
/* ema_adx                                                                   */
/* ------------------------------------------------------------------------- */

static const nx_sparam_def_t nx__trend_params[] = {
    {"fast", NX_SPARAM_INT, "12", 1, NX__WIN_HI, NULL, "fast EMA period"},
    {"slow", NX_SPARAM_INT, "26", 2, NX__WIN_HI, NULL, "slow EMA period"},
    {"adx_period", NX_SPARAM_INT, "14", 2, NX__WIN_HI, NULL, "ADX period"},
    {"adx_min", NX_SPARAM_DOUBLE, "25", 0, 100, NULL, "minimum ADX to enter"},
};

typedef struct nx__trend_st {
    uint32_t n;
    nx__trend_t in[];
} nx__trend_st_t;

static size_t nx__trend_size(const nx_sparams_t *p, uint32_t n) {
    (void)p;
    return sizeof(nx__trend_st_t) + n * sizeof(nx__trend_t);
}

static int nx__trend_sinit(void *st, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    nx__trend_st_t *s = st;
    int64_t fast = nx_sparam_int(p, "fast"), slow = nx_sparam_int(p, "slow");
    if (fast >= slow)
        return NX_ERR(NX_EINVAL, "ema_adx: fast (%lld) must be below slow (%lld)",
                      (long long)fast, (long long)slow);
    s->n = c->n_instruments;
    for (uint32_t i = 0; i < s->n; i++)
        nx__trend_init(&s->in[i], (uint32_t)fast, (uint32_t)slow,
                       (uint32_t)nx_sparam_int(p, "adx_period"), nx_sparam_double(p, "adx_min"));
    return NX_OK;
}

static int nx__trend_bar(void *st, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    nx__trend_st_t *s = st;
    int i = nx__sidx(c, b->instrument);
    if (i < 0) return NX_OK;
    nx__hlcv_t x = nx__bar_hlcv(b);
    int want;
    double conf;
    if (!nx__trend_update(&s->in[i], &x, &want, &conf)) return NX_OK;
    return nx_strategy_signal(c, b->instrument, want, conf);
}

static const nx_strategy_vt_t nx__trend_vt = {
    .abi = NX_STRATEGY_ABI,
    .vt_size = sizeof(nx_strategy_vt_t),
    .kind = "ema_adx",
    .help = "trend following: EMA cross filtered by ADX",
    .params = nx__trend_params,
    .n_params = NX_ARRAY_LEN(nx__trend_params),
    .state_size = nx__trend_size,
    .init = nx__trend_sinit,
    .on_bar = nx__trend_bar,
};

/* ------------------------------------------------------------------------- */
/* rsi_bb                                                                    */
/* ------------------------------------------------------------------------- */

static const nx_sparam_def_t nx__mr_params[] = {
    {"rsi_period", NX_SPARAM_INT, "14", 2, NX__WIN_HI, NULL, "RSI period"},
    {"bb_period", NX_SPARAM_INT, "20", 2, NX__WIN_HI, NULL, "Bollinger period"},
    {"bb_k", NX_SPARAM_DOUBLE, "2", 0.1, 10, NULL, "band width in deviations"},
    {"oversold", NX_SPARAM_DOUBLE, "30", 0, 100, NULL, "RSI below which longs may open"},
    {"overbought", NX_SPARAM_DOUBLE, "70", 0, 100, NULL, "RSI above which shorts may open"},
};

typedef struct nx__mr_st {
    uint32_t n;
    nx__meanrev_t in[];
} nx__mr_st_t;

static size_t nx__mr_size(const nx_sparams_t *p, uint32_t n) {
    (void)p;
    return sizeof(nx__mr_st_t) + n * sizeof(nx__meanrev_t);
}

static int nx__mr_init(void *st, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    nx__mr_st_t *s = st;
    double os = nx_sparam_double(p, "oversold"), ob = nx_sparam_double(p, "overbought");
    if (os >= ob)
        return NX_ERR(NX_EINVAL, "rsi_bb: oversold (%g) must be below overbought (%g)", os, ob);
    s->n = c->n_instruments;
    for (uint32_t i = 0; i < s->n; i++)
        nx__meanrev_init(&s->in[i], (uint32_t)nx_sparam_int(p, "rsi_period"),
                         (uint32_t)nx_sparam_int(p, "bb_period"), nx_sparam_double(p, "bb_k"), os,
                         ob);
    return NX_OK;
}

static int nx__mr_bar(void *st, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    nx__mr_st_t *s = st;
    int i = nx__sidx(c, b->instrument);
    if (i < 0) return NX_OK;
    nx__hlcv_t x = nx__bar_hlcv(b);
    int want;
    double conf;
    if (!nx__meanrev_update(&s->in[i], &x, &want, &conf)) return NX_OK;
    return nx_strategy_signal(c, b->instrument, want, conf);
}

static const nx_strategy_vt_t nx__mr_vt = {
    .abi = NX_STRATEGY_ABI,
    .vt_size = sizeof(nx_strategy_vt_t),
    .kind = "rsi_bb",
    .help = "mean reversion: RSI with Bollinger bands",
    .params = nx__mr_params,
    .n_params = NX_ARRAY_LEN(nx__mr_params),
    .state_size = nx__mr_size,
    .init = nx__mr_init,
    .on_bar = nx__mr_bar,
};

/* ------------------------------------------------------------------------- */
/* donchian                                                                  */
/* ------------------------------------------------------------------------- */

static const nx_sparam_def_t nx__dc_params[] = {
    {"entry", NX_SPARAM_INT, "20", 2, NX__WIN_HI, NULL, "entry channel (bars)"},
    {"exit", NX_SPARAM_INT, "10", 2, NX__WIN_HI, NULL, "exit channel (bars)"},
    {"vol_period", NX_SPARAM_INT, "20", 2, NX__WIN_HI, NULL, "volume average period"},
    {"vol_mult", NX_SPARAM_DOUBLE, "1.5", 0, 100, NULL, "volume surge: volume > mult x average"},
};

typedef struct nx__dc_inst {
    nx_sind_win_t hi, lo, xhi, xlo, vol;
    int8_t dir;
} nx__dc_inst_t;

typedef struct nx__dc_st {
    uint32_t n;
    double vol_mult;
    nx__dc_inst_t in[];
} nx__dc_st_t;

static size_t nx__dc_size(const nx_sparams_t *p, uint32_t n) {
    (void)p;
    return sizeof(nx__dc_st_t) + n * sizeof(nx__dc_inst_t);
}

static int nx__dc_init(void *st, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    nx__dc_st_t *s = st;
    s->n = c->n_instruments;
    s->vol_mult = nx_sparam_double(p, "vol_mult");
    uint32_t en = (uint32_t)nx_sparam_int(p, "entry"), ex = (uint32_t)nx_sparam_int(p, "exit");
    for (uint32_t i = 0; i < s->n; i++) {
        nx_sind_win_init(&s->in[i].hi, en);
        nx_sind_win_init(&s->in[i].lo, en);
        nx_sind_win_init(&s->in[i].xhi, ex);
        nx_sind_win_init(&s->in[i].xlo, ex);
        nx_sind_win_init(&s->in[i].vol, (uint32_t)nx_sparam_int(p, "vol_period"));
    }
    return NX_OK;
}

static int nx__dc_bar(void *st, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    nx__dc_st_t *s = st;
    int i = nx__sidx(c, b->instrument);
    if (i < 0) return NX_OK;
    nx__dc_inst_t *d = &s->in[i];
    nx__hlcv_t x = nx__bar_hlcv(b);
    /* Channels of the previous bars: decide, then add this bar. */
    int ready = d->hi.count >= d->hi.n && d->xhi.count >= d->xhi.n && d->vol.count >= d->vol.n;
    int w = d->dir;
    double conf = 1.0;
    if (ready) {
        double avg = nx_sind_win_mean(&d->vol);
        int surge = x.v > s->vol_mult * avg;
        if (d->dir == 0 && surge) {
            if (x.c > nx_sind_win_max(&d->hi)) w = 1;
            else if (x.c < nx_sind_win_min(&d->lo)) w = -1;
            double r = avg > 0 ? x.v / (2.0 * s->vol_mult * avg) : 1.0;
            conf = r > 1 ? 1 : r;
        } else if (d->dir > 0 && x.c < nx_sind_win_min(&d->xlo)) {
            w = 0;
        } else if (d->dir < 0 && x.c > nx_sind_win_max(&d->xhi)) {
            w = 0;
        }
    }
    nx_sind_win_update(&d->hi, x.h);
    nx_sind_win_update(&d->lo, x.l);
    nx_sind_win_update(&d->xhi, x.h);
    nx_sind_win_update(&d->xlo, x.l);
    nx_sind_win_update(&d->vol, x.v);
    if (w == d->dir) return NX_OK;
    d->dir = (int8_t)w;
    return nx_strategy_signal(c, b->instrument, w, conf);
}

static const nx_strategy_vt_t nx__dc_vt = {
    .abi = NX_STRATEGY_ABI,
    .vt_size = sizeof(nx_strategy_vt_t),
    .kind = "donchian",
    .help = "breakout: Donchian channel with a volume surge filter",
    .params = nx__dc_params,
    .n_params = NX_ARRAY_LEN(nx__dc_params),
    .state_size = nx__dc_size,
    .init = nx__dc_init,
    .on_bar = nx__dc_bar,
};

/* ------------------------------------------------------------------------- */
/* regime_switch                                                             */
/* ------------------------------------------------------------------------- */

static const nx_sparam_def_t nx__rs_params[] = {
    {"fast", NX_SPARAM_INT, "12", 1, NX__WIN_HI, NULL, "trend: fast EMA"},
    {"slow", NX_SPARAM_INT, "26", 2, NX__WIN_HI, NULL, "trend: slow EMA"},
    {"adx_period", NX_SPARAM_INT, "14", 2, NX__WIN_HI, NULL, "trend: ADX period"},
    {"adx_min", NX_SPARAM_DOUBLE, "20", 0, 100, NULL, "trend: minimum ADX"},
    {"rsi_period", NX_SPARAM_INT, "14", 2, NX__WIN_HI, NULL, "mean reversion: RSI period"},
    {"bb_period", NX_SPARAM_INT, "20", 2, NX__WIN_HI, NULL, "mean reversion: Bollinger period"},
    {"bb_k", NX_SPARAM_DOUBLE, "2", 0.1, 10, NULL, "mean reversion: band width"},
    {"oversold", NX_SPARAM_DOUBLE, "30", 0, 100, NULL, "mean reversion: RSI oversold"},
    {"overbought", NX_SPARAM_DOUBLE, "70", 0, 100, NULL, "mean reversion: RSI overbought"},
};

enum { NX__RS_NONE = 0, NX__RS_TREND = 1, NX__RS_MR = 2, NX__RS_FLAT = 3 };

typedef struct nx__rs_inst {
    nx__trend_t trend;
    nx__meanrev_t mr;
    int8_t dir;   /* position asked for */
    uint8_t mode; /* NX__RS_*: the model that owns the position */
} nx__rs_inst_t;

typedef struct nx__rs_st {
    uint32_t n;
    nx__rs_inst_t in[];
} nx__rs_st_t;

static size_t nx__rs_size(const nx_sparams_t *p, uint32_t n) {
    (void)p;
    return sizeof(nx__rs_st_t) + n * sizeof(nx__rs_inst_t);
}

static int nx__rs_init(void *st, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    nx__rs_st_t *s = st;
    int64_t fast = nx_sparam_int(p, "fast"), slow = nx_sparam_int(p, "slow");
    double os = nx_sparam_double(p, "oversold"), ob = nx_sparam_double(p, "overbought");
    if (fast >= slow)
        return NX_ERR(NX_EINVAL, "regime_switch: fast (%lld) must be below slow (%lld)",
                      (long long)fast, (long long)slow);
    if (os >= ob)
        return NX_ERR(NX_EINVAL, "regime_switch: oversold (%g) must be below overbought (%g)", os,
                      ob);
    s->n = c->n_instruments;
    for (uint32_t i = 0; i < s->n; i++) {
        nx__trend_init(&s->in[i].trend, (uint32_t)fast, (uint32_t)slow,
                       (uint32_t)nx_sparam_int(p, "adx_period"), nx_sparam_double(p, "adx_min"));
        nx__meanrev_init(&s->in[i].mr, (uint32_t)nx_sparam_int(p, "rsi_period"),
                         (uint32_t)nx_sparam_int(p, "bb_period"), nx_sparam_double(p, "bb_k"), os,
                         ob);
    }
    return NX_OK;
}

static int nx__rs_want(nx_strategy_ctx_t *c, nx__rs_inst_t *x, uint32_t instrument, int want,
                       double conf, uint8_t mode) {
    x->mode = want ? mode : NX__RS_NONE;
    if (want == x->dir) return NX_OK;
    x->dir = (int8_t)want;
    return nx_strategy_signal(c, instrument, want, conf);
}

static int nx__rs_bar(void *st, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    nx__rs_st_t *s = st;
    int i = nx__sidx(c, b->instrument);
    if (i < 0) return NX_OK;
    nx__rs_inst_t *x = &s->in[i];
    nx__hlcv_t h = nx__bar_hlcv(b);
    int tw = 0, mw = 0;
    double tc = 0, mc = 0;
    /* Both models see every bar so either is warm when its regime comes. */
    int tchg = nx__trend_update(&x->trend, &h, &tw, &tc);
    int mchg = nx__meanrev_update(&x->mr, &h, &mw, &mc);
    uint8_t label = c->api->regime(c, b->instrument);
    switch (label) {
    case NX_REGIME_CRISIS:
        return nx__rs_want(c, x, b->instrument, 0, 1.0, NX__RS_FLAT);
    case NX_REGIME_TRENDING_UP:
    case NX_REGIME_TRENDING_DOWN:
    case NX_REGIME_BREAKOUT:
    case NX_REGIME_HIGH_VOLATILITY:
        if (x->mode == NX__RS_MR || x->mode == NX__RS_FLAT || tchg ||
            (x->dir == 0 && x->trend.dir != 0))
            return nx__rs_want(c, x, b->instrument, x->trend.dir,
                               tchg ? tc : (x->trend.adx.v / 50.0 > 1 ? 1 : x->trend.adx.v / 50.0),
                               NX__RS_TREND);
        return NX_OK;
    case NX_REGIME_MEAN_REVERTING:
    case NX_REGIME_LOW_VOLATILITY:
        if (x->mode == NX__RS_TREND || x->mode == NX__RS_FLAT || mchg)
            return nx__rs_want(c, x, b->instrument, x->mr.dir, mchg ? mc : 1.0, NX__RS_MR);
        return NX_OK;
    default:
        /* Unknown regime: no new entries; the owning model may still exit. */
        if (x->mode == NX__RS_TREND && tchg && tw == 0)
            return nx__rs_want(c, x, b->instrument, 0, 1.0, NX__RS_NONE);
        if (x->mode == NX__RS_MR && mchg && mw == 0)
            return nx__rs_want(c, x, b->instrument, 0, 1.0, NX__RS_NONE);
        return NX_OK;
    }
}

/* A crisis on any instrument closes every position of the strategy. */
static int nx__rs_event(void *st, nx_strategy_ctx_t *c, const nx_event_hdr_t *ev) {
    if (ev->type != NX_EV_REGIME) return NX_OK;
    const nx_ev_regime_t *r = (const nx_ev_regime_t *)ev;
    if (r->label != NX_REGIME_CRISIS || nx__sidx(c, r->instrument) < 0) return NX_OK;
    nx__rs_st_t *s = st;
    for (uint32_t i = 0; i < s->n; i++) {
        int rc = nx__rs_want(c, &s->in[i], c->instruments[i], 0, 1.0, NX__RS_FLAT);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

static const nx_strategy_vt_t nx__rs_vt = {
    .abi = NX_STRATEGY_ABI,
    .vt_size = sizeof(nx_strategy_vt_t),
    .kind = "regime_switch",
    .help = "ensemble: trend in trending regimes, mean reversion in ranging ones, flat in crisis",
    .params = nx__rs_params,
    .n_params = NX_ARRAY_LEN(nx__rs_params),
    .state_size = nx__rs_size,
    .init = nx__rs_init,
    .on_bar = nx__rs_bar,
    .on_event = nx__rs_event,
};

/* ------------------------------------------------------------------------- */

static const nx_strategy_vt_t *const nx__builtins[] = {&nx__sma_vt, &nx__trend_vt, &nx__mr_vt,
                                                       &nx__dc_vt, &nx__rs_vt};

const nx_strategy_vt_t *nx_strategy_builtin(const char *kind) {
    for (size_t i = 0; i < NX_ARRAY_LEN(nx__builtins); i++)
        if (!strcmp(nx__builtins[i]->kind, kind)) return nx__builtins[i];
    return NULL;
}

const nx_strategy_vt_t *nx_strategy_builtin_at(uint32_t index) {
    return index < NX_ARRAY_LEN(nx__builtins) ? nx__builtins[index] : NULL;
}
