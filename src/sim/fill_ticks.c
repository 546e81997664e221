/*
 * fill_ticks.c — the trade-tick fill model (also used for the prints that
 * come beside an L2 book).
 *
 * On each print (price p, qty Q, seen on the exchange at ts_recv minus the
 * market-data latency):
 *   1. trigger orders (stops, take-profits, trailing) check p;
 *   2. waiting takers (market, IOC/FOK limits, triggered stops) that were
 *      live before the print fill at p, moved by the impact model and never
 *      through their limit; what does not fill expires;
 *   3. resting limits: a print strictly through the price fills them at their
 *      own price (maker); a print at the price fills them only under the
 *      VOLUME/PROB queue models and only with what is left after the queue
 *      ahead of them (known from the book, else zero). With trade_volume_cap
 *      the print's Q is shared, in priority order, among our orders.
 * An order never trades on a print from before it was live.
 */
#include "sim/sim_int.h"

static void nx__fill_takers(nx_sim_t *s, nx__sim_instr_t *in, int64_t px, nx_ts_t e) {
    uint32_t n = 0;
    for (uint32_t j = in->wait_head; j != NX__NIL; j = in->m->lk[j].next) {
        const nx__sim_order_t *o = &in->m->pool[j];
        if (o->taker_only && o->arrival <= e && n < s->c.max_orders) s->scratch[n++] = o->id;
    }
    for (uint32_t i = 0; i < n; i++) {
        nx__sim_order_t *o = nx__m_find(in->m, s->scratch[i]);
        if (!o || o->closed) continue;
        if (o->flags & NX__F_DEAD) continue;
        int64_t limit = o->type == NX_ORD_LIMIT ? o->price : o->protect;
        uint64_t id = o->id;
        if (!limit || nx__crosses(o->side, limit, px)) {
            int64_t fp = nx__impact_price(s, in, o->side, px, o->qty - o->filled, limit, 0);
            s->fill_ts = e > o->arrival ? e : o->arrival;
            nx__sim_fill(s, in, o, fp, o->qty - o->filled, NX_LIQ_TAKER, 1, 0);
            s->fill_ts = 0;
        }
        if (o->id == id && !o->closed)
            nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE,
                           o->tif == NX_TIF_FOK ? NX_SIM_R_FOK
                           : o->type == NX_ORD_MARKET ? NX_SIM_R_NO_LIQUIDITY : NX_SIM_R_IOC);
    }
}

/* Resting orders on `side` hit by a print at px. */
static void nx__fill_resting(nx_sim_t *s, nx__sim_instr_t *in, uint8_t side, int64_t px, int64_t qty,
                             nx_ts_t e) {
    const nx__mside_t *sd = &in->m->s[nx__sidx(side)];
    uint32_t n = 0;
    for (uint32_t i = sd->n; i-- > 0;) {
        int64_t lp = sd->lv[i].price;
        if (side == NX_SIDE_BUY ? lp < px : lp > px) break;
        for (uint32_t j = sd->lv[i].head; j != NX__NIL && n < s->c.max_orders; j = in->m->lk[j].next)
            s->scratch[n++] = in->m->pool[j].id;
    }
    int64_t avail = s->c.trade_volume_cap ? qty : INT64_MAX;
    for (uint32_t i = 0; i < n && avail > 0; i++) {
        nx__sim_order_t *o = nx__m_find(in->m, s->scratch[i]);
        if (!o || o->closed || o->state != NX__OS_RESTING || o->arrival > e || (o->flags & NX__F_DEAD))
            continue;
        int64_t leaves = o->qty - o->filled, q;
        if (o->price != px) {
            q = leaves; /* traded through: everything at our price went */
            o->ahead = 0;
        } else {
            if (s->c.queue == NX_SIM_QUEUE_CONSERVATIVE) continue;
            int64_t used = o->ahead < qty ? o->ahead : qty;
            o->ahead -= used;
            o->seen = o->seen > qty ? o->seen - qty : 0;
            q = qty - used;
            if (q > leaves) q = leaves;
        }
        if (q > avail) q = avail;
        if (q <= 0) continue;
        s->fill_ts = e > o->arrival ? e : o->arrival;
        avail -= nx__sim_fill(s, in, o, o->price, q, NX_LIQ_MAKER, 1, 0);
        s->fill_ts = 0;
    }
}

void nx__fill_trade(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_trade_t *t, nx_ts_t e) {
    int64_t px = t->price;
    in->last = px;
    in->mark = px;
    nx__impact_observe_trade(in, s->now, t->qty);
    if (s->c.fill == NX_SIM_FILL_BARS) return; /* bars decide everything there */
    nx__ord_check_triggers(s, in, px, px, e);
    if (s->c.fill == NX_SIM_FILL_TRADES) nx__fill_takers(s, in, px, e);
    nx__sim_run_deferred(s);
    if (t->aggressor != NX_SIDE_BUY) nx__fill_resting(s, in, NX_SIDE_BUY, px, t->qty, e);
    nx__sim_run_deferred(s);
    if (t->aggressor != NX_SIDE_SELL) nx__fill_resting(s, in, NX_SIDE_SELL, px, t->qty, e);
}
