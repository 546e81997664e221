/*
 * The HMM's feature vector per bar: mean log return (percent) over
 * ret_window bars and the log of Parkinson's range volatility (percent per
 * bar) averaged over vol_window bars. See nexus/regime.h for the formulas.
 */
#include <math.h>
#include <string.h>

#include "nexus/regime.h"

int nx_regime_feat_init(nx_regime_feat_t *f, uint32_t ret_window, uint32_t vol_window) {
    if (!f) return NX_EINVAL;
    if (ret_window < 1 || ret_window > NX_REGIME_WINDOW_MAX)
        return NX_ERR(NX_EINVAL, "ret_window must be in [1, %d], got %u", NX_REGIME_WINDOW_MAX,
                      ret_window);
    if (vol_window < 1 || vol_window > NX_REGIME_WINDOW_MAX)
        return NX_ERR(NX_EINVAL, "vol_window must be in [1, %d], got %u", NX_REGIME_WINDOW_MAX,
                      vol_window);
    memset(f, 0, sizeof *f);
    f->ret_window = ret_window;
    f->vol_window = vol_window;
    return 0;
}

int nx_regime_feat_update(nx_regime_feat_t *f, const nx_ta_bar_t *bar, double x[2]) {
    if (!f || !bar) return NX_EINVAL;
    double h = bar->high, l = bar->low, c = bar->close;
    if (!isfinite(h) || !isfinite(l) || !isfinite(c))
        return NX_ERR(NX_EINVAL, "bar %llu: non-finite price", (unsigned long long)f->count);
    if (!(l > 0) || !(c > 0) || h < l)
        return NX_ERR(NX_EINVAL, "bar %llu: prices must be positive with high >= low",
                      (unsigned long long)f->count);
    /* Parkinson: E[ln(H/L)^2] = 4 ln 2 sigma^2 for a driftless Brownian bar. */
    double hl = log(h / l);
    double term = hl * hl / (4.0 * 0.69314718055994530942);
    uint32_t w = f->vol_window, r = f->ret_window;
    /* ring of closes: R + 1 slots */
    f->closes[f->pos_c] = c;
    uint32_t oldest = f->pos_c + 1 == r + 1 ? 0 : f->pos_c + 1;
    f->pos_c = oldest;
    if (f->count >= w) f->pv_sum -= f->pv[f->pos_v];
    f->pv[f->pos_v] = term;
    f->pv_sum += term;
    f->pos_v = f->pos_v + 1 == w ? 0 : f->pos_v + 1;
    /* The running sum drifts by rounding; recompute it exactly once per window. */
    if (++f->since_exact >= w) {
        double s = 0;
        uint32_t n = f->count + 1 < w ? (uint32_t)(f->count + 1) : w;
        for (uint32_t i = 0; i < n; i++) s += f->pv[i];
        f->pv_sum = s;
        f->since_exact = 0;
    }
    f->count++;
    if (f->count < (uint64_t)r + 1 || f->count < w) return 0;
    /* after the advance, pos_c points at the close R bars back */
    double c0 = f->closes[f->pos_c];
    double pv = f->pv_sum / (double)w;
    if (pv < NX_REGIME_PV_FLOOR) pv = NX_REGIME_PV_FLOOR;
    x[0] = 100.0 * log(c / c0) / (double)r;
    x[1] = log(100.0 * sqrt(pv));
    return 1;
}
