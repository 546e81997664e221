/*
 * The regime detector: rules + optional HMM, combined, with hysteresis.
 *
 * Combination (per bar):
 *   1. the rules say CRISIS or BREAKOUT              -> that label (event rules
 *      the HMM over return and volatility cannot express; CRISIS must never
 *      wait for a model's opinion)
 *   2. a model is loaded, its features are ready and
 *      its top posterior >= min_confidence          -> that state's label
 *   3. otherwise                                     -> the rules' label
 *
 * Hysteresis: the published label changes to a new raw label only after the
 * raw label has been the same for confirm_bars bars in a row (1 for CRISIS
 * and BREAKOUT) and the published label has been held min_dwell bars
 * (waived for CRISIS, and when leaving the warm-up UNKNOWN).
 */
#include <math.h>
#include <string.h>

#include "regime_int.h"

struct nx_regime {
    nx_regime_params_t p;
    int has_model;
    nx_regime_feat_t feat;
    nx_regime_filter_t filt;
    nx__rules_t rules;
    nx_regime_label_t label, pending;
    uint32_t pending_n;
    uint64_t held, held_prev, count;
    nx_regime_out_t last, change; /* the last update; the update of the last change */
};

void nx_regime_params_default(nx_regime_params_t *p) {
    memset(p, 0, sizeof *p);
    p->adx_period = 14;
    p->adx_trend = 25;
    p->adx_range = 20;
    p->ema_period = 50;
    p->atr_period = 14;
    p->pct_window = 500;
    p->high_vol_pct = 0.90;
    p->low_vol_pct = 0.10;
    p->vol_ratio = 1.25;
    p->donchian_period = 20;
    p->volume_period = 20;
    p->breakout_volume = 2.0;
    p->breakout_hold = 5;
    p->crisis_vol_pct = 0.99;
    p->crisis_drawdown = 0.10;
    p->drawdown_window = 1440;
    p->min_confidence = 0.60;
    p->confirm_bars = 3;
    p->min_dwell = 20;
}

static int nx__check_params(const nx_regime_params_t *p) {
    const struct {
        const char *name;
        uint32_t v, lo, hi;
    } u[] = {
        {"adx_period", p->adx_period, 1, NX_TA_PERIOD_MAX},
        {"ema_period", p->ema_period, 1, NX_TA_PERIOD_MAX},
        {"atr_period", p->atr_period, 1, NX_TA_PERIOD_MAX},
        {"pct_window", p->pct_window, 10, NX_TA_PERIOD_MAX},
        {"donchian_period", p->donchian_period, 1, NX_TA_PERIOD_MAX},
        {"volume_period", p->volume_period, 1, NX_TA_PERIOD_MAX},
        {"breakout_hold", p->breakout_hold, 1, NX_TA_PERIOD_MAX},
        {"drawdown_window", p->drawdown_window, 1, NX_TA_PERIOD_MAX},
        {"confirm_bars", p->confirm_bars, 1, NX_TA_PERIOD_MAX},
        {"min_dwell", p->min_dwell, 0, NX_TA_PERIOD_MAX},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(u); i++)
        if (u[i].v < u[i].lo || u[i].v > u[i].hi)
            return NX_ERR(NX_EINVAL, "%s must be in [%u, %u], got %u", u[i].name, u[i].lo,
                          u[i].hi, u[i].v);
    const struct {
        const char *name;
        double v, lo, hi;
    } d[] = {
        {"adx_trend", p->adx_trend, 0, 100},
        {"adx_range", p->adx_range, 0, 100},
        {"high_vol_pct", p->high_vol_pct, 0, 1},
        {"low_vol_pct", p->low_vol_pct, 0, 1},
        {"vol_ratio", p->vol_ratio, 1, 1e6},
        {"breakout_volume", p->breakout_volume, 0, 1e6},
        {"crisis_vol_pct", p->crisis_vol_pct, 0, 1},
        {"crisis_drawdown", p->crisis_drawdown, 0, 1},
        {"min_confidence", p->min_confidence, 0, 1},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(d); i++)
        if (!(d[i].v >= d[i].lo && d[i].v <= d[i].hi))
            return NX_ERR(NX_EINVAL, "%s must be in [%g, %g], got %g", d[i].name, d[i].lo,
                          d[i].hi, d[i].v);
    if (p->adx_range > p->adx_trend)
        return NX_ERR(NX_EINVAL, "adx_range (%g) must not exceed adx_trend (%g)", p->adx_range,
                      p->adx_trend);
    if (!(p->low_vol_pct < p->high_vol_pct && p->high_vol_pct <= p->crisis_vol_pct))
        return NX_ERR(NX_EINVAL,
                      "need low_vol_pct < high_vol_pct <= crisis_vol_pct, got %g, %g, %g",
                      p->low_vol_pct, p->high_vol_pct, p->crisis_vol_pct);
    return 0;
}

int nx_regime_new(const nx_regime_params_t *p, const nx_regime_hmm_t *model,
                  nx_regime_t **out) {
    if (!out) return NX_EINVAL;
    nx_regime_params_t def;
    if (!p) {
        nx_regime_params_default(&def);
        p = &def;
    }
    int rc = nx__check_params(p);
    if (rc < 0) return rc;
    nx_regime_t *d = nx_calloc(1, sizeof *d);
    if (!d) return NX_ERR(NX_ENOMEM, "regime detector");
    d->p = *p;
    if (model) {
        if ((rc = nx_regime_filter_init(&d->filt, model)) < 0 ||
            (rc = nx_regime_feat_init(&d->feat, model->ret_window, model->vol_window)) < 0) {
            nx_free(d);
            return NX_ERR_APPEND(rc, "regime model");
        }
        d->has_model = 1;
    }
    if ((rc = nx__rules_init(&d->rules, p)) < 0) {
        nx_free(d);
        return rc;
    }
    nx_regime_reset(d);
    *out = d;
    return 0;
}

void nx_regime_free(nx_regime_t *d) {
    if (!d) return;
    nx__rules_close(&d->rules);
    nx_free(d);
}

void nx_regime_reset(nx_regime_t *d) {
    if (!d) return;
    nx__rules_reset(&d->rules);
    if (d->has_model) {
        nx_regime_filter_reset(&d->filt);
        (void)nx_regime_feat_init(&d->feat, d->filt.m.ret_window, d->filt.m.vol_window);
    }
    d->label = d->pending = NX_REGIME_UNKNOWN;
    d->pending_n = 0;
    d->held = d->held_prev = d->count = 0;
    memset(&d->last, 0, sizeof d->last);
    d->last.state = -1;
    d->change = d->last;
}

nx_regime_label_t nx_regime_label(const nx_regime_t *d) {
    return d ? d->label : NX_REGIME_UNKNOWN;
}

int nx_regime_has_model(const nx_regime_t *d) { return d && d->has_model; }

int nx_regime_update(nx_regime_t *d, const nx_ta_bar_t *bar, nx_regime_out_t *out) {
    if (!d || !bar) return NX_EINVAL;
    if (!isfinite(bar->open) || !isfinite(bar->high) || !isfinite(bar->low) ||
        !isfinite(bar->close) || !isfinite(bar->volume))
        return NX_ERR(NX_EINVAL, "bar %llu: non-finite field", (unsigned long long)d->count);
    if (!(bar->low > 0) || !(bar->close > 0) || bar->high < bar->low)
        return NX_ERR(NX_EINVAL, "bar %llu: prices must be positive with high >= low",
                      (unsigned long long)d->count);
    if (bar->volume < 0)
        return NX_ERR(NX_EINVAL, "bar %llu: negative volume", (unsigned long long)d->count);

    nx_regime_out_t o;
    o.prev = d->label;
    nx__rules_out_t ro;
    nx__rules_update(&d->rules, bar, &ro);
    o.rule = ro.label;
    o.adx = ro.adx;
    o.ema_slope = ro.ema_slope;
    o.vol_pct = ro.vol_pct;
    o.drawdown = ro.drawdown;
    o.state = -1;
    o.confidence = 0;
    for (int i = 0; i < NX_REGIME_STATES_MAX; i++) o.posterior[i] = NAN;
    if (d->has_model) {
        double x[2];
        if (nx_regime_feat_update(&d->feat, bar, x) == 1 &&
            nx_regime_filter_step(&d->filt, x, o.posterior) == 0) {
            uint32_t best = 0;
            for (uint32_t i = 1; i < d->filt.m.k; i++)
                if (o.posterior[i] > o.posterior[best]) best = i;
            o.state = (int)best;
            o.confidence = o.posterior[best];
        }
    }
    if (ro.label == NX_REGIME_CRISIS || ro.label == NX_REGIME_BREAKOUT) {
        o.raw = ro.label;
        o.source = NX_REGIME_SRC_RULES;
    } else if (o.state >= 0 && o.confidence >= d->p.min_confidence) {
        o.raw = d->filt.m.label[o.state];
        o.source = NX_REGIME_SRC_HMM;
    } else {
        o.raw = ro.label;
        o.source = ro.label == NX_REGIME_UNKNOWN && isnan(ro.vol_pct) ? NX_REGIME_SRC_NONE
                                                                     : NX_REGIME_SRC_RULES;
    }

    /* hysteresis */
    int changed = 0;
    if (o.raw == d->label) {
        d->pending_n = 0;
    } else {
        if (o.raw == d->pending && d->pending_n > 0) d->pending_n++;
        else {
            d->pending = o.raw;
            d->pending_n = 1;
        }
        int event = o.raw == NX_REGIME_CRISIS || o.raw == NX_REGIME_BREAKOUT;
        uint32_t need = event ? 1 : d->p.confirm_bars;
        int dwell_ok = o.raw == NX_REGIME_CRISIS || d->label == NX_REGIME_UNKNOWN ||
                       d->held >= d->p.min_dwell;
        if (d->pending_n >= need && dwell_ok) {
            d->held_prev = d->held;
            d->label = o.raw;
            d->held = 0;
            d->pending_n = 0;
            changed = 1;
        }
    }
    d->held++;
    d->count++;
    o.label = d->label;
    o.held = d->held;
    d->last = o;
    if (changed) d->change = o;
    if (out) *out = o;
    return changed;
}

void nx_regime_change_fill(const nx_regime_t *d, uint32_t instrument, nx_regime_change_t *c) {
    if (!d || !c) return;
    memset(c, 0, sizeof *c);
    const nx_regime_out_t *o = &d->change;
    c->instrument = instrument;
    c->label = (uint8_t)o->label;
    c->prev_label = (uint8_t)o->prev;
    c->source = (uint8_t)o->source;
    c->state = o->state >= 0 ? (uint8_t)o->state : 0xFF;
    c->held_bars = d->held_prev > UINT32_MAX ? UINT32_MAX : (uint32_t)d->held_prev;
    c->nstates = d->has_model ? (uint8_t)d->filt.m.k : 0;
    c->confidence = o->state >= 0 ? o->confidence : 0;
    for (uint32_t i = 0; i < NX_REGIME_STATES_MAX; i++)
        c->posterior[i] = d->has_model && i < d->filt.m.k && !isnan(o->posterior[i])
                              ? o->posterior[i]
                              : 0;
}

/* The event payload has the change struct's layout byte for byte. */
_Static_assert(sizeof(nx_ev_regime_t) - sizeof(nx_event_hdr_t) == sizeof(nx_regime_change_t),
               "REGIME event payload = nx_regime_change_t");
_Static_assert(offsetof(nx_ev_regime_t, confidence) - sizeof(nx_event_hdr_t) ==
                   offsetof(nx_regime_change_t, confidence),
               "REGIME confidence offset");

void nx_regime_event_fill(const nx_regime_t *d, uint32_t instrument, nx_ev_regime_t *ev) {
    nx_regime_change_t c;
    nx_regime_change_fill(d, instrument, &c);
    nx_event_init((nx_event_t *)(void *)ev, NX_EV_REGIME);
    memcpy((unsigned char *)ev + sizeof(nx_event_hdr_t), &c, sizeof c);
}
