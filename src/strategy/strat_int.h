/*
 * src/strategy/strat_int.h — private to the strategy module: the signal
 * models the built-ins share (the regime ensemble reuses the trend and
 * mean-reversion models), and small helpers.
 */
#ifndef NX_STRAT_INT_H
#define NX_STRAT_INT_H

#include "nexus/strategy.h"
#include "strategy/sind.h"

/* Index of an instrument in the strategy's list; -1 if not traded. */
static inline int nx__sidx(const nx_strategy_ctx_t *c, uint32_t instrument) {
    for (uint32_t i = 0; i < c->n_instruments; i++)
        if (c->instruments[i] == instrument) return (int)i;
    return -1;
}

/* A bar's prices as doubles (statistics only). */
typedef struct nx__hlcv {
    double o, h, l, c, v;
} nx__hlcv_t;
static inline nx__hlcv_t nx__bar_hlcv(const nx_ev_bar_t *b) {
    double ps = (double)nx_pow10_i64(b->price_scale), qs = (double)nx_pow10_i64(b->qty_scale);
    nx__hlcv_t r = {(double)b->open / ps, (double)b->high / ps, (double)b->low / ps,
                    (double)b->close / ps, (double)b->volume / qs};
    return r;
}

/* Trend model: EMA fast/slow cross filtered by ADX. */
typedef struct nx__trend {
    nx_sind_ema_t f, s;
    nx_sind_adx_t adx;
    double adx_min;
    int8_t dir;
} nx__trend_t;

void nx__trend_init(nx__trend_t *t, uint32_t fast, uint32_t slow, uint32_t adx_n, double adx_min);
/* Update with a bar; returns 1 when the wanted direction changes (*want,
 * *conf set), else 0. */
int nx__trend_update(nx__trend_t *t, const nx__hlcv_t *b, int *want, double *conf);

/* Mean-reversion model: RSI with Bollinger bands. */
typedef struct nx__meanrev {
    nx_sind_rsi_t rsi;
    nx_sind_win_t bb;
    double k, oversold, overbought;
    int8_t dir;
} nx__meanrev_t;

void nx__meanrev_init(nx__meanrev_t *m, uint32_t rsi_n, uint32_t bb_n, double k, double oversold,
                      double overbought);
int nx__meanrev_update(nx__meanrev_t *m, const nx__hlcv_t *b, int *want, double *conf);

#endif /* NX_STRAT_INT_H */
