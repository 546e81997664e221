/*
 * orders.c — order types beyond the plain limit: stop-market, stop-limit,
 * take-profit (market and limit), trailing stops (absolute or percent),
 * OCO pairs and brackets.
 *
 * Triggers (px: the price seen: a print, the touch, a point on a bar's path)
 *   stop (market/limit)         buy: px >= stop     sell: px <= stop
 *   take-profit (market/limit)  buy: px <= stop     sell: px >= stop
 *   trailing                    buy: px >= low watermark + offset
 *                               sell: px <= high watermark - offset
 * The offset is stop_price in price units, or with NX_ORDF_TRAIL_PCT in
 * basis points of the watermark (rounded up to whole ticks: a wider stop).
 * The watermark starts at the first price seen after the order is live.
 * A triggered market-type order becomes a market order (a taker); a
 * triggered limit-type order becomes a limit at its price.
 *
 * OCO: the first leg that trades makes its partner dead at once (the
 * matcher removes, never fills, a dead order) and it is cancelled after the
 * current matching pass; cancelling one leg cancels the other. Brackets:
 * children (NX_ORDF_BRACKET, link_id = the entry's client id) wait HELD
 * until the entry completes (or ends with fills), then go live for the
 * filled quantity; the two children are each other's OCO partner.
 */
#include <string.h>

#include "sim/sim_int.h"

int nx__ord_is_trigger(const nx__sim_order_t *o) {
    if (o->triggered) return 0;
    switch (o->ord_type) {
    case NX_ORD_STOP_MARKET:
    case NX_ORD_STOP_LIMIT:
    case NX_ORD_TAKE_PROFIT:
    case NX_ORD_TAKE_PROFIT_LIMIT:
    case NX_ORD_TRAILING_STOP:
        return 1;
    default:
        return 0;
    }
}

/* +1: triggers when the price rises to the level; -1: when it falls. */
int nx__ord_dir(const nx__sim_order_t *o) {
    int buy = o->side == NX_SIDE_BUY;
    switch (o->ord_type) {
    case NX_ORD_TAKE_PROFIT:
    case NX_ORD_TAKE_PROFIT_LIMIT:
        return buy ? -1 : 1;
    default:
        return buy ? 1 : -1;
    }
}

int64_t nx__ord_trigger_level(const nx__sim_instr_t *in, const nx__sim_order_t *o) {
    if (o->ord_type != NX_ORD_TRAILING_STOP) return o->stop;
    if (o->mark <= 0) return 0;
    int64_t off = o->stop;
    if (o->flags & NX_ORDF_TRAIL_PCT) {
        nx_i128 num = (nx_i128)o->mark * o->stop;
        off = (int64_t)((num + 9999) / 10000);
        off = (off + in->tick - 1) / in->tick * in->tick;
    }
    return o->side == NX_SIDE_SELL ? o->mark - off : o->mark + off;
}

int nx__ord_triggers(const nx__sim_instr_t *in, const nx__sim_order_t *o, int64_t px) {
    int64_t lvl = nx__ord_trigger_level(in, o);
    if (lvl <= 0 || px <= 0) return 0;
    return nx__ord_dir(o) > 0 ? px >= lvl : px <= lvl;
}

void nx__ord_trail_update(const nx__sim_instr_t *in, nx__sim_order_t *o, int64_t px) {
    (void)in;
    if (o->ord_type != NX_ORD_TRAILING_STOP || px <= 0) return;
    if (o->mark <= 0) o->mark = px;
    else if (o->side == NX_SIDE_SELL ? px > o->mark : px < o->mark) o->mark = px;
}

void nx__ord_fire(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o) {
    if (o->state == NX__OS_WAITING) nx__wait_remove(in, o);
    o->triggered = 1;
    o->cur_flags = NX_FILLF_TRIGGERED;
    if (o->ord_type == NX_ORD_STOP_LIMIT || o->ord_type == NX_ORD_TAKE_PROFIT_LIMIT) {
        o->type = NX_ORD_LIMIT;
    } else {
        o->type = NX_ORD_MARKET;
        o->price = 0;
    }
    nx__sim_take(s, in, o);
}

void nx__ord_check_triggers(nx_sim_t *s, nx__sim_instr_t *in, int64_t px_buy, int64_t px_sell,
                            nx_ts_t exch_ts) {
    uint32_t j = in->wait_head;
    while (j != NX__NIL) {
        nx__sim_order_t *o = &in->m->pool[j];
        uint32_t nxt = in->m->lk[j].next;
        if (nx__ord_is_trigger(o) && !(o->flags & NX__F_DEAD) && o->arrival <= exch_ts) {
            int64_t px = o->side == NX_SIDE_BUY ? px_buy : px_sell;
            if (px > 0) {
                if (nx__ord_triggers(in, o, px)) nx__ord_fire(s, in, o);
                else nx__ord_trail_update(in, o, px);
            }
        }
        j = nxt;
    }
}

void nx__ord_after_fill(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o) {
    if (o->link) {
        nx__sim_order_t *p = nx__m_find(in->m, o->link);
        if (p && !(p->flags & NX__F_DEAD) && !p->closed) {
            nx__m_mark_dead(in->m, p);
            nx__sim_defer(s, p->id, NX_SIM_R_OCO);
        }
    }
    if ((o->child[0] || o->child[1]) && o->filled == o->qty) {
        for (int i = 0; i < 2; i++) {
            nx__sim_order_t *c = o->child[i] ? nx__m_find(in->m, o->child[i]) : NULL;
            if (c && c->state == NX__OS_HELD) {
                c->child_qty = o->filled;
                nx__sim_defer(s, c->id, NX_SIM_R_TRIGGERED);
            }
        }
        o->child[0] = o->child[1] = 0;
    }
}

void nx__ord_after_end(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, nx_sim_reason_t why) {
    if (o->link && why != NX_SIM_R_OCO) {
        nx__sim_order_t *p = nx__m_find(in->m, o->link);
        if (p && !p->closed && p->filled == 0) {
            nx__m_mark_dead(in->m, p);
            nx__sim_defer(s, p->id, NX_SIM_R_OCO);
        }
    }
    for (int i = 0; i < 2; i++) {
        nx__sim_order_t *c = o->child[i] ? nx__m_find(in->m, o->child[i]) : NULL;
        if (!c || c->state != NX__OS_HELD) continue;
        if (o->filled > 0) {
            c->child_qty = o->filled;
            nx__sim_defer(s, c->id, NX_SIM_R_TRIGGERED);
        } else {
            nx__sim_defer(s, c->id, NX_SIM_R_BRACKET);
        }
    }
    o->child[0] = o->child[1] = 0;
}
