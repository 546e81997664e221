/*
 * The deterministic threshold classifier: the detector's fallback when no
 * HMM is loaded or the HMM is unsure, and the source of the two event-like
 * labels an HMM over (return, volatility) cannot express: BREAKOUT and
 * CRISIS. Indicators are the streaming ones of nexus/ta.h (ADX, EMA, NATR,
 * Donchian, SMA of volume); the only structure of its own is the rolling
 * volatility percentile.
 *
 * Rules, first match wins (thresholds in nx_regime_params_t):
 *   not warmed up                                          UNKNOWN
 *   vol pct >= crisis_vol_pct and drawdown >= crisis_dd    CRISIS
 *   close beyond the previous bar's Donchian channel, out
 *     of a range (previous ADX < adx_range), with volume
 *     >= breakout_volume x SMA(volume); held for
 *     breakout_hold bars                                   BREAKOUT
 *   vol pct >= high_vol_pct and NATR >= vol_ratio x the
 *     window's median NATR                                 HIGH_VOLATILITY
 *   ADX >= adx_trend, close > EMA, EMA rising              TRENDING_UP
 *   ADX >= adx_trend, close < EMA, EMA falling             TRENDING_DOWN
 *   vol pct <= low_vol_pct and NATR <= median / vol_ratio  LOW_VOLATILITY
 *   ADX < adx_range                                        MEAN_REVERTING
 *   otherwise (ADX between the two, no confirmed trend)    UNKNOWN
 */
#include <math.h>
#include <string.h>

#include "regime_int.h"

/* The percentile needs this many values before the rules speak. */
#define NX__PCT_MIN 100u

static int nx__mk(nx_ta_kind_t kind, double p0, nx_ta_t **out) {
    return nx_ta_new(kind, &p0, 1, 0, out);
}

int nx__rules_init(nx__rules_t *r, const nx_regime_params_t *p) {
    memset(r, 0, sizeof *r);
    r->p = *p;
    int rc;
    if ((rc = nx__mk(NX_TA_ADX, p->adx_period, &r->adx)) < 0 ||
        (rc = nx__mk(NX_TA_EMA, p->ema_period, &r->ema)) < 0 ||
        (rc = nx__mk(NX_TA_NATR, p->atr_period, &r->natr)) < 0 ||
        (rc = nx__mk(NX_TA_DONCHIAN, p->donchian_period, &r->chan)) < 0 ||
        (rc = nx__mk(NX_TA_SMA, p->volume_period, &r->vsma)) < 0 ||
        (rc = nx__mk(NX_TA_DONCHIAN, p->drawdown_window, &r->hi)) < 0) {
        nx__rules_close(r);
        return NX_ERR_APPEND(rc, "regime rules");
    }
    r->ring = nx_malloc(2 * (size_t)p->pct_window * sizeof(double));
    if (!r->ring) {
        nx__rules_close(r);
        return NX_ERR(NX_ENOMEM, "regime rules: percentile window of %u", p->pct_window);
    }
    r->sorted = r->ring + p->pct_window;
    nx__rules_reset(r);
    return 0;
}

void nx__rules_close(nx__rules_t *r) {
    nx_ta_free(r->adx);
    nx_ta_free(r->ema);
    nx_ta_free(r->natr);
    nx_ta_free(r->chan);
    nx_ta_free(r->vsma);
    nx_ta_free(r->hi);
    nx_free(r->ring);
    r->adx = r->ema = r->natr = r->chan = r->vsma = r->hi = NULL;
    r->ring = r->sorted = NULL;
}

void nx__rules_reset(nx__rules_t *r) {
    nx_ta_reset(r->adx);
    nx_ta_reset(r->ema);
    nx_ta_reset(r->natr);
    nx_ta_reset(r->chan);
    nx_ta_reset(r->vsma);
    nx_ta_reset(r->hi);
    r->n = r->pos = 0;
    r->count = 0;
    r->prev_ema = NAN;
    r->cum_high = 0;
    r->breakout_left = 0;
}

/* First index with sorted[i] >= x (lower) or > x (upper). */
static uint32_t nx__bound(const double *a, uint32_t n, double x, int upper) {
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (upper ? a[mid] <= x : a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/*
 * Rolling percentile: a ring in arrival order plus the same values sorted.
 * Each update removes the oldest and inserts the newest by binary search and
 * memmove: O(log w) comparisons and at most w moved doubles (4 KB for the
 * default 500), no allocation. The rank counts ties as half ("mid-rank"), so
 * a constant series sits at the 50th percentile, not at an extreme.
 */
static double nx__pct_push(nx__rules_t *r, double x) {
    uint32_t w = r->p.pct_window;
    if (r->n == w) {
        double old = r->ring[r->pos];
        uint32_t i = nx__bound(r->sorted, r->n, old, 0);
        memmove(r->sorted + i, r->sorted + i + 1, (size_t)(r->n - i - 1) * sizeof(double));
        r->n--;
    }
    r->ring[r->pos] = x;
    r->pos = r->pos + 1 == w ? 0 : r->pos + 1;
    uint32_t j = nx__bound(r->sorted, r->n, x, 1);
    memmove(r->sorted + j + 1, r->sorted + j, (size_t)(r->n - j) * sizeof(double));
    r->sorted[j] = x;
    r->n++;
    uint32_t lo = nx__bound(r->sorted, r->n, x, 0), hi = nx__bound(r->sorted, r->n, x, 1);
    return ((double)lo + 0.5 * (double)(hi - lo)) / (double)r->n;
}

void nx__rules_update(nx__rules_t *r, const nx_ta_bar_t *bar, nx__rules_out_t *out) {
    const nx_regime_params_t *p = &r->p;
    /* the channel and the volume average of the bars before this one */
    int have_chan = nx_ta_ready(r->chan), have_vavg = nx_ta_ready(r->vsma);
    double up = nx_ta_value(r->chan, 0), lo = nx_ta_value(r->chan, 2);
    double vavg = nx_ta_value(r->vsma, 0);
    double adx_before = nx_ta_value(r->adx, 0); /* NaN while not ready */
    /* validated bars: these updates cannot fail */
    (void)nx_ta_update(r->adx, bar);
    (void)nx_ta_update(r->ema, bar);
    (void)nx_ta_update(r->natr, bar);
    (void)nx_ta_update(r->chan, bar);
    (void)nx_ta_update_value(r->vsma, bar->volume);
    (void)nx_ta_update(r->hi, bar);
    r->count++;
    if (bar->high > r->cum_high) r->cum_high = bar->high;

    out->adx = nx_ta_ready(r->adx) ? nx_ta_value(r->adx, 0) : NAN;
    double ema = nx_ta_ready(r->ema) ? nx_ta_value(r->ema, 0) : NAN;
    out->ema_slope = ema / r->prev_ema - 1.0; /* NaN until two EMA values exist */
    r->prev_ema = ema;
    double natr = nx_ta_value(r->natr, 0);
    out->vol_pct = nx_ta_ready(r->natr) ? nx__pct_push(r, natr) : NAN;
    /* the window's median: a percentile alone turns insignificant wiggles of a
     * steady series into "high" and "low"; the level must differ too */
    double med = r->n ? 0.5 * (r->sorted[(r->n - 1) / 2] + r->sorted[r->n / 2]) : NAN;
    int vol_high = out->vol_pct >= p->high_vol_pct && natr >= p->vol_ratio * med;
    int vol_low = out->vol_pct <= p->low_vol_pct && natr * p->vol_ratio <= med;
    double high = nx_ta_ready(r->hi) ? nx_ta_value(r->hi, 0) : r->cum_high;
    out->drawdown = 1.0 - bar->close / high;

    /* a breakout leaves a range: beyond the channel while no trend was in place */
    int breakout = have_chan && adx_before < p->adx_range && (bar->close > up || bar->close < lo) &&
                   (!have_vavg || !(vavg > 0) || bar->volume >= p->breakout_volume * vavg);
    if (breakout) r->breakout_left = p->breakout_hold;

    int warm = !isnan(out->adx) && !isnan(out->ema_slope) && !isnan(out->vol_pct) &&
               r->n >= (p->pct_window < NX__PCT_MIN ? p->pct_window : NX__PCT_MIN);
    nx_regime_label_t l;
    if (!warm) {
        l = NX_REGIME_UNKNOWN;
    } else if (out->vol_pct >= p->crisis_vol_pct && out->drawdown >= p->crisis_drawdown) {
        l = NX_REGIME_CRISIS;
    } else if (r->breakout_left > 0) {
        l = NX_REGIME_BREAKOUT;
    } else if (vol_high) {
        l = NX_REGIME_HIGH_VOLATILITY;
    } else if (out->adx >= p->adx_trend && bar->close > ema && out->ema_slope > 0) {
        l = NX_REGIME_TRENDING_UP;
    } else if (out->adx >= p->adx_trend && bar->close < ema && out->ema_slope < 0) {
        l = NX_REGIME_TRENDING_DOWN;
    } else if (vol_low) {
        l = NX_REGIME_LOW_VOLATILITY;
    } else if (out->adx < p->adx_range) {
        l = NX_REGIME_MEAN_REVERTING;
    } else {
        l = NX_REGIME_UNKNOWN;
    }
    if (r->breakout_left > 0) r->breakout_left--;
    out->label = l;
}
