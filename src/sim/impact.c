/*
 * impact.c — slippage and market impact for modelled taker fills (fills
 * against bars, trade prints or a triggered stop, where the data does not
 * show the depth a real order would have walked).
 *
 *   FIXED_BP     price x bp / 10^4 against the taker
 *   HALF_SPREAD  the market's known half spread (book), else half_spread_bp
 *   SQRT         price x gamma x sigma x sqrt(Q / ADV)  (Almgren et al.;
 *                sigma: daily volatility, ADV: average daily volume, both
 *                configured or estimated online from bars and prints)
 *
 * The model is statistical, so it runs in doubles; its result is turned into
 * a whole number of ticks, rounded up (against the taker), before it touches
 * a price. The adjusted price never passes the order's limit.
 */
#include <math.h>

#include "sim/sim_int.h"

int64_t nx__impact_price(nx_sim_t *s, nx__sim_instr_t *in, uint8_t side, int64_t price,
                         int64_t qty, int64_t limit, int on_book) {
    const nx_sim_impact_t *m = &s->c.impact;
    if (m->model == NX_SIM_IMPACT_NONE || (on_book && !m->on_book) || price <= 0) return price;
    double px = (double)price, frac = 0.0, off = 0.0;
    switch (m->model) {
    case NX_SIM_IMPACT_FIXED_BP:
        frac = m->bp / 1e4;
        break;
    case NX_SIM_IMPACT_HALF_SPREAD:
        if (in->md[0].n && in->md[1].n) {
            int64_t bid = in->md[0].lv[in->md[0].n - 1].price, ask = in->md[1].lv[in->md[1].n - 1].price;
            if (ask > bid) off = (double)(ask - bid) / 2.0;
        } else {
            frac = m->half_spread_bp / 1e4;
        }
        break;
    case NX_SIM_IMPACT_SQRT: {
        double sigma = m->sigma > 0 ? m->sigma : in->sigma_est;
        double adv = m->adv > 0 ? m->adv : in->adv_est;
        double q = (double)qty / (double)nx_pow10_i64(in->qs);
        if (sigma > 0 && adv > 0) frac = m->gamma * sigma * sqrt(q / adv);
        break;
    }
    default:
        break;
    }
    off += px * frac;
    if (!(off > 0)) return price;
    double ticks_d = ceil(off / (double)in->tick - 1e-9);
    if (ticks_d > 1e15) ticks_d = 1e15;
    int64_t adj = (int64_t)ticks_d * in->tick;
    int64_t out;
    if (side == NX_SIDE_BUY) {
        out = price + adj;
        if (limit > 0 && out > limit) out = limit;
    } else {
        out = price - adj;
        if (limit > 0 && out < limit) out = limit;
        if (out < in->tick) out = in->tick;
    }
    return out;
}

/* Per-bar log returns -> daily variance; bar volumes -> daily volume. */
void nx__impact_observe_bar(nx__sim_instr_t *in, const nx_ev_bar_t *b) {
    if (b->close <= 0) return;
    if (in->prev_close > 0 && b->interval_ns > 0) {
        double r = log((double)b->close / (double)in->prev_close);
        in->var_acc += r * r;
        in->n_ret++;
        double per_day = (double)NX_NS_PER_DAY / (double)b->interval_ns;
        in->sigma_est = sqrt(in->var_acc / (double)in->n_ret * per_day);
    }
    in->prev_close = b->close;
    nx_ts_t t = b->h.ts_venue ? b->h.ts_venue : b->h.ts_recv;
    nx__impact_observe_trade(in, t, b->volume);
}

void nx__impact_observe_trade(nx__sim_instr_t *in, nx_ts_t ts, int64_t qty) {
    int64_t d = ts / NX_NS_PER_DAY;
    if (in->n_days == 0 && in->day == 0) in->day = d;
    if (d != in->day) {
        double done = (double)in->day_vol / (double)nx_pow10_i64(in->qs);
        in->vol_acc += done;
        in->n_days++;
        in->adv_est = in->vol_acc / (double)in->n_days;
        in->day_vol = 0;
        in->day = d;
    }
    if (qty > 0 && in->day_vol <= INT64_MAX - qty) in->day_vol += qty;
}
