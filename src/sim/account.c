/*
 * account.c — spot cash accounts and margin accounts.
 *
 * Every balance is an int64 mantissa at its asset's scale. An account holds,
 * per asset, `total` (wallet) and `locked` (reserved by open orders), and per
 * instrument a position (margin) and an open-order count.
 *
 * Spot: a buy locks price x qty (the limit, or for market-type orders a
 * reference price widened by the collar, which also caps the fill price)
 * plus the largest fee it could pay; a sell locks the base quantity. A fill
 * draws from the order's lock, then its OCO partner's (the legs of an OCO
 * share one reservation), then the free balance; a fill the account cannot
 * pay is cut to what it can (a lot multiple), so a balance never goes below
 * zero. Notional is price x qty x multiplier rounded half-even once at the
 * quote scale, the same number for both sides of a trade, so assets are
 * conserved exactly: accounts + fee ledger + market ledger = deposits.
 *
 * Margin (perpetuals, futures): cross margin per settle asset. An order that
 * may increase exposure locks notional / leverage plus its fee reserve;
 * positions keep a signed quantity and a signed entry cost; reducing realises
 * PnL against the cost pro rata. Equity = wallet + unrealised PnL at the mark
 * price; when equity falls below maintenance (sum |notional| x rate), the
 * account's orders on that settle asset are cancelled and its positions
 * closed at the mark with the liquidation fee. A wallet that would go
 * negative stays at zero; the shortfall is the market's (insurance) loss.
 */
#include <string.h>

#include "sim/sim_int.h"

int nx__notional(const nx__sim_instr_t *in, int64_t price, int64_t qty, uint8_t mscale,
                 int64_t *out) {
    nx_dec_t n;
    nx_dec_t p = nx_dec_make(price, in->ps);
    const nx_dec_t mult = in->inst.multiplier;
    int one = mult.m == nx_pow10_i64(mult.s);
    if (!one) {
        int rc = nx_dec_mul(p, mult, (uint8_t)(in->ps + mult.s <= 18 ? in->ps + mult.s : 18),
                            NX_ROUND_HALF_EVEN, &p);
        if (rc < 0) return rc;
    }
    int rc = nx_dec_mul(p, nx_dec_make(qty, in->qs), mscale, NX_ROUND_HALF_EVEN, &n);
    if (rc < 0) return rc;
    *out = n.m;
    return NX_OK;
}

/* qty mantissa (qty scale) -> base asset mantissa. */
static int64_t nx__qty_to_base(const nx_sim_t *s, const nx__sim_instr_t *in, int64_t q) {
    uint8_t bs = s->assets[in->base].scale;
    return q * nx_pow10_i64((unsigned)(bs - in->qs));
}

static int64_t nx__ref_price(const nx__sim_instr_t *in, uint8_t side) {
    if (in->last > 0) return in->last;
    if (in->mark > 0) return in->mark;
    int opp = side == NX_SIDE_BUY ? 1 : 0;
    if (in->md[opp].n) return in->md[opp].lv[in->md[opp].n - 1].price;
    return 0;
}

static nx__sim_order_t *nx__partner(nx_sim_t *s, nx__sim_order_t *o) {
    (void)s;
    if (!o->link) return NULL;
    /* OCO legs live on the same instrument (enforced at linking) */
    for (uint32_t i = 0; i < s->n_ins; i++) {
        nx__sim_order_t *p = nx__m_find(s->ins[i].m, o->link);
        if (p) return p;
    }
    return NULL;
}

static int64_t nx__ceil_tick(int64_t v, int64_t tick) { return (v + tick - 1) / tick * tick; }

/* A market-type buy's protection price: reference x (1 + collar), up to the tick. */
static int64_t nx__protect(const nx_sim_t *s, const nx__sim_instr_t *in, int64_t base) {
    nx_dec_t one_c, p;
    if (nx_dec_add(nx_dec_make(1, 0), s->c.market_collar, &one_c) != NX_OK) return 0;
    if (nx_dec_mul(nx_dec_make(base, in->ps), one_c, in->ps, NX_ROUND_CEIL, &p) != NX_OK) return 0;
    return nx__ceil_tick(p.m, in->tick);
}

static int nx__is_market_type(uint8_t t) {
    return t == NX_ORD_MARKET || t == NX_ORD_STOP_MARKET || t == NX_ORD_TAKE_PROFIT ||
           t == NX_ORD_TRAILING_STOP;
}

/* Unrealised PnL, position IM and maintenance over a settle asset. */
static void nx__margin_state(const nx_sim_t *s, uint32_t a, uint32_t settle, int64_t *upnl,
                             int64_t *im, int64_t *mm, int *any) {
    *upnl = *im = *mm = 0;
    *any = 0;
    uint8_t ms = s->assets[settle].scale;
    for (uint32_t i = 0; i < s->n_ins; i++) {
        const nx__sim_instr_t *in = &s->ins[i];
        if (!in->margin || in->quote != settle) continue;
        const nx__sim_pos_t *p = &s->acct[a].pos[i];
        if (p->qty == 0) continue;
        int64_t mark = in->mark > 0 ? in->mark : in->last;
        int64_t n;
        if (mark <= 0 || nx__notional(in, mark, p->qty, ms, &n) != NX_OK) continue;
        *any = 1;
        *upnl += n - p->cost;
        int64_t an = n < 0 ? -n : n;
        nx_dec_t x;
        if (nx_dec_div(nx_dec_make(an, ms), in->o.leverage, ms, NX_ROUND_CEIL, &x) == NX_OK) *im += x.m;
        if (nx_dec_mul(nx_dec_make(an, ms), in->o.maint_margin, ms, NX_ROUND_CEIL, &x) == NX_OK) *mm += x.m;
    }
}

nx_sim_reason_t nx__acct_lock(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, int64_t price) {
    nx__sim_acct_t *a = &s->acct[o->owner];
    int64_t need = 0;
    uint32_t asset;
    int mkt = nx__is_market_type(o->ord_type);
    int64_t px = price;
    /* market-type orders: a reference price, needed for spot buys (and
     * their collar) and for margin; spot sells lock base only */
    if (px <= 0 && (in->margin || o->side == NX_SIDE_BUY)) {
        int64_t base = o->ord_type == NX_ORD_STOP_MARKET || o->ord_type == NX_ORD_TAKE_PROFIT
                           ? o->stop
                           : nx__ref_price(in, o->side);
        if (base <= 0) return NX_SIM_R_NO_REFERENCE_PRICE;
        px = base;
        if (mkt && !in->margin) {
            int64_t pr = nx__protect(s, in, base);
            if (pr <= 0) return NX_SIM_R_BAD_PARAM;
            px = o->protect = pr;
        }
    }
    if (in->margin) {
        asset = in->quote;
        if (o->flags & NX_ORDF_REDUCE_ONLY) {
            o->lock_asset = asset;
            o->locked = 0;
            return NX_SIM_R_NONE;
        }
        uint8_t ms = s->assets[asset].scale;
        int64_t n;
        nx_dec_t im;
        if (nx__notional(in, px, o->qty - o->filled, ms, &n) != NX_OK ||
            nx_dec_div(nx_dec_make(n, ms), in->o.leverage, ms, NX_ROUND_CEIL, &im) != NX_OK)
            return NX_SIM_R_BAD_PARAM;
        need = im.m + nx__fee_amount(n, ms, nx__fee_max_rate(in));
    } else if (o->side == NX_SIDE_BUY) {
        asset = in->quote;
        uint8_t ms = s->assets[asset].scale;
        int64_t n;
        if (nx__notional(in, px, o->qty - o->filled, ms, &n) != NX_OK) return NX_SIM_R_BAD_PARAM;
        need = n;
        if (in->o.fees.ccy == NX_SIM_FEE_QUOTE) need += nx__fee_amount(n, ms, nx__fee_max_rate(in));
    } else {
        asset = in->base;
        need = nx__qty_to_base(s, in, o->qty - o->filled);
    }
    nx__sim_order_t *p = nx__partner(s, o);
    if (p && p->side == o->side && p->lock_asset == asset && !(p->flags & NX__F_DEAD))
        need = need > p->locked ? need - p->locked : 0;
    int64_t avail = a->total[asset] - a->locked[asset];
    if (in->margin) {
        int64_t upnl, im, mm;
        int any;
        nx__margin_state(s, o->owner, asset, &upnl, &im, &mm, &any);
        avail += upnl - im;
        if (need > avail) return NX_SIM_R_MARGIN_INSUFFICIENT;
    } else if (need > avail) {
        return NX_SIM_R_INSUFFICIENT_BALANCE;
    }
    o->lock_asset = asset;
    o->locked = need;
    a->locked[asset] += need;
    return NX_SIM_R_NONE;
}

void nx__acct_unlock(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o) {
    (void)in;
    if (o->locked) {
        s->acct[o->owner].locked[o->lock_asset] -= o->locked;
        o->locked = 0;
    }
}

/* Take `amount` of asset from the order's lock, its partner's, then free. */
static void nx__draw(nx_sim_t *s, nx__sim_order_t *o, uint32_t asset, int64_t amount) {
    nx__sim_acct_t *a = &s->acct[o->owner];
    a->total[asset] -= amount;
    if (amount <= 0) return;
    if (o->lock_asset == asset && o->locked > 0) {
        int64_t d = o->locked < amount ? o->locked : amount;
        o->locked -= d;
        a->locked[asset] -= d;
        amount -= d;
    }
    if (amount > 0) {
        nx__sim_order_t *p = nx__partner(s, o);
        if (p && p->owner == o->owner && p->lock_asset == asset && p->locked > 0) {
            int64_t d = p->locked < amount ? p->locked : amount;
            p->locked -= d;
            a->locked[asset] -= d;
        }
    }
}

static int64_t nx__drawable(nx_sim_t *s, nx__sim_order_t *o, uint32_t asset) {
    nx__sim_acct_t *a = &s->acct[o->owner];
    int64_t v = a->total[asset] - a->locked[asset];
    if (o->lock_asset == asset) v += o->locked;
    nx__sim_order_t *p = nx__partner(s, o);
    if (p && p->owner == o->owner && p->lock_asset == asset) v += p->locked;
    return v;
}

int64_t nx__acct_reduce_cap(const nx_sim_t *s, const nx__sim_instr_t *in, const nx__sim_order_t *o) {
    uint32_t slot = (uint32_t)(in - s->ins);
    if (in->margin) {
        int64_t q = s->acct[o->owner].pos[slot].qty;
        if (o->side == NX_SIDE_BUY) return q < 0 ? -q : 0;
        return q > 0 ? q : 0;
    }
    if (o->side == NX_SIDE_BUY) return 0;
    int64_t b = s->acct[o->owner].total[in->base];
    return b / nx_pow10_i64((unsigned)(s->assets[in->base].scale - in->qs));
}

static int64_t nx__spot_buy_cost(nx_sim_t *s, const nx__sim_instr_t *in, int64_t price, int64_t q,
                                 nx_dec_t rate, int64_t *n_out, int64_t *fee_out) {
    uint8_t ms = s->assets[in->quote].scale;
    int64_t n = 0;
    if (nx__notional(in, price, q, ms, &n) != NX_OK) return INT64_MAX;
    int64_t fee = in->o.fees.ccy == NX_SIM_FEE_QUOTE ? nx__fee_amount(n, ms, rate) : 0;
    *n_out = n;
    *fee_out = fee;
    return n + fee;
}

int64_t nx__acct_settle(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, int64_t price,
                        int64_t qty, uint8_t liq, int external, int64_t *fee_out,
                        uint32_t *fee_asset) {
    nx__sim_acct_t *a = &s->acct[o->owner];
    uint32_t slot = nx__ins_slot(s, in);
    nx_dec_t rate;
    nx__fee_rate(s, in, o->owner, liq, &rate);
    if (o->cur_flags & NX_FILLF_LIQUIDATION) rate = in->o.liq_fee;
    uint8_t qsc = s->assets[in->quote].scale;
    int64_t n = 0, fee = 0;
    if (!in->margin && o->side == NX_SIDE_BUY) {
        int64_t cost = nx__spot_buy_cost(s, in, price, qty, rate, &n, &fee);
        if (external) {
            int64_t avail = nx__drawable(s, o, in->quote);
            if (cost > avail) {
                /* cut to what the account can pay, in whole lots */
                nx_i128 q2 = (nx_i128)qty * (avail > 0 ? avail : 0) / (cost > 0 ? cost : 1);
                qty = (int64_t)q2 / in->lot * in->lot;
                while (qty > 0 && (cost = nx__spot_buy_cost(s, in, price, qty, rate, &n, &fee)) > avail)
                    qty -= in->lot;
                if (qty <= 0) return 0;
            }
        }
        nx__draw(s, o, in->quote, cost);
        int64_t base = nx__qty_to_base(s, in, qty);
        int64_t bfee = 0;
        if (in->o.fees.ccy == NX_SIM_FEE_RECEIVED)
            bfee = nx__fee_amount(base, s->assets[in->base].scale, rate);
        a->total[in->base] += base - bfee;
        if (bfee) {
            s->assets[in->base].fees += bfee;
            fee = bfee;
            *fee_asset = in->base;
        } else {
            s->assets[in->quote].fees += fee;
            *fee_asset = in->quote;
        }
        if (external) {
            s->assets[in->base].market -= base;
            s->assets[in->quote].market += n;
        }
    } else if (!in->margin) {
        if (external) {
            int64_t availq = nx__drawable(s, o, in->base) /
                             nx_pow10_i64((unsigned)(s->assets[in->base].scale - in->qs));
            if (qty > availq) qty = availq / in->lot * in->lot;
            if (qty <= 0) return 0;
        }
        int64_t base = nx__qty_to_base(s, in, qty);
        nx__draw(s, o, in->base, base);
        if (nx__notional(in, price, qty, qsc, &n) != NX_OK) n = 0;
        fee = nx__fee_amount(n, qsc, rate);
        a->total[in->quote] += n - fee;
        s->assets[in->quote].fees += fee;
        *fee_asset = in->quote;
        if (external) {
            s->assets[in->base].market += base;
            s->assets[in->quote].market -= n;
        }
    } else {
        nx__sim_pos_t *p = &a->pos[slot];
        int64_t sq = o->side == NX_SIDE_BUY ? qty : -qty;
        if (nx__notional(in, price, qty, qsc, &n) != NX_OK) n = 0;
        fee = nx__fee_amount(n, qsc, rate);
        int64_t realized = 0;
        if (p->qty != 0 && (p->qty > 0) != (sq > 0)) {
            int64_t apos = p->qty < 0 ? -p->qty : p->qty;
            int64_t closed = qty < apos ? qty : apos;
            nx_dec_t portion;
            nx_dec_t c = nx_dec_make(p->cost, qsc);
            nx_dec_div(nx_dec_make(closed, 0), nx_dec_make(apos, 0), 18, NX_ROUND_HALF_EVEN, &portion);
            nx_dec_mul(c, portion, qsc, NX_ROUND_HALF_EVEN, &portion);
            if (closed == apos) portion.m = p->cost;
            int64_t nc = 0;
            nx__notional(in, price, closed, qsc, &nc);
            int sgn = p->qty > 0 ? 1 : -1;
            realized = sgn * nc - portion.m;
            p->cost -= portion.m;
            p->qty += sgn > 0 ? -closed : closed;
            int64_t rest = qty - closed;
            if (rest > 0) {
                int64_t nr = 0;
                nx__notional(in, price, rest, qsc, &nr);
                p->cost += sq > 0 ? nr : -nr;
                p->qty += sq > 0 ? rest : -rest;
            }
        } else {
            p->cost += sq > 0 ? n : -n;
            p->qty += sq;
        }
        p->realized += realized;
        /* release the order's margin in proportion */
        int64_t leaves = o->qty - o->filled;
        if (o->locked > 0 && leaves > 0) {
            int64_t rel = qty >= leaves ? o->locked : (int64_t)((nx_i128)o->locked * qty / leaves);
            o->locked -= rel;
            a->locked[in->quote] -= rel;
        }
        a->total[in->quote] += realized - fee;
        s->assets[in->quote].market -= realized;
        s->assets[in->quote].fees += fee;
        *fee_asset = in->quote;
        if (a->total[in->quote] < 0) {
            s->assets[in->quote].market += a->total[in->quote];
            a->total[in->quote] = 0;
        }
    }
    nx__fee_add_volume(s, o->owner, in->quote, n, s->now);
    *fee_out = fee;
    return qty;
}

int nx__acct_init(nx_sim_t *s, nx__sim_acct_t *a) {
    size_t na = (size_t)s->c.max_assets + 1, ni = s->c.max_instruments;
    memset(a, 0, sizeof *a);
    a->total = nx_calloc(na, sizeof *a->total);
    a->locked = nx_calloc(na, sizeof *a->locked);
    a->vol = nx_calloc(na * NX__VOL_DAYS, sizeof *a->vol);
    a->vol_day = nx_calloc(na * NX__VOL_DAYS, sizeof *a->vol_day);
    a->pos = nx_calloc(ni, sizeof *a->pos);
    a->open = nx_calloc(ni, sizeof *a->open);
    if (!a->total || !a->locked || !a->vol || !a->vol_day || !a->pos || !a->open) {
        nx__acct_close(a);
        return NX_ERR(NX_ENOMEM, "sim account");
    }
    for (size_t i = 0; i < na * NX__VOL_DAYS; i++) a->vol_day[i] = INT64_MIN;
    return NX_OK;
}

void nx__acct_close(nx__sim_acct_t *a) {
    nx_free(a->total);
    nx_free(a->locked);
    nx_free(a->vol);
    nx_free(a->vol_day);
    nx_free(a->pos);
    nx_free(a->open);
    memset(a, 0, sizeof *a);
}

static void nx__liquidate(nx_sim_t *s, uint32_t acct, uint32_t settle) {
    s->st.liquidations++;
    for (uint32_t i = 0; i < s->n_ins; i++) {
        nx__sim_instr_t *in = &s->ins[i];
        if (!in->margin || in->quote != settle) continue;
        nx__sim_cancel_account(s, in, acct, NX_SIM_R_LIQUIDATION);
    }
    for (uint32_t i = 0; i < s->n_ins; i++) {
        nx__sim_instr_t *in = &s->ins[i];
        if (!in->margin || in->quote != settle) continue;
        nx__sim_pos_t *p = &s->acct[acct].pos[i];
        int64_t mark = in->mark > 0 ? in->mark : in->last;
        if (p->qty == 0 || mark <= 0) continue;
        nx__sim_order_t *o = nx__m_alloc(in->m);
        if (!o) continue;
        o->owner = acct;
        o->side = p->qty > 0 ? NX_SIDE_SELL : NX_SIDE_BUY;
        o->type = o->ord_type = NX_ORD_MARKET;
        o->tif = NX_TIF_IOC;
        o->flags = NX_ORDF_REDUCE_ONLY;
        o->qty = p->qty > 0 ? p->qty : -p->qty;
        o->arrival = s->now;
        o->lock_asset = settle;
        s->acct[acct].open[i]++;
        nx__sim_fill(s, in, o, mark, o->qty, NX_LIQ_TAKER, 1, NX_FILLF_LIQUIDATION);
    }
}

void nx__acct_check_liquidation(nx_sim_t *s, nx__sim_instr_t *in) {
    if (!in->margin) return;
    for (uint32_t a = 0; a < s->n_acct; a++) {
        int64_t upnl, im, mm;
        int any;
        nx__margin_state(s, a, in->quote, &upnl, &im, &mm, &any);
        if (!any) continue;
        if (s->acct[a].total[in->quote] + upnl < mm) nx__liquidate(s, a, in->quote);
    }
}
