/*
 * fees.c — tiered maker/taker fee schedules (by the account's 30-day volume
 * in the quote asset), fee amounts, and funding payments for perpetuals.
 *
 * A fee is notional x rate rounded toward +infinity at the fee asset's scale:
 * a charge is never rounded down and a rebate (negative rate) never rounded
 * up in the trader's favour.
 */
#include <string.h>

#include "sim/sim_int.h"

static int64_t nx__day(nx_ts_t t) { return t >= 0 ? t / NX_NS_PER_DAY : -1 - (-1 - t) / NX_NS_PER_DAY; }

static int64_t nx__volume_30d(const nx_sim_t *s, uint32_t account, uint32_t asset) {
    const nx__sim_acct_t *a = &s->acct[account];
    int64_t today = nx__day(s->now), v = 0;
    const int64_t *vol = &a->vol[(size_t)asset * NX__VOL_DAYS];
    const int64_t *day = &a->vol_day[(size_t)asset * NX__VOL_DAYS];
    for (int i = 0; i < NX__VOL_DAYS; i++)
        if (day[i] > today - NX__VOL_DAYS && day[i] <= today && v <= INT64_MAX - vol[i]) v += vol[i];
    return v;
}

int nx__fee_rate(const nx_sim_t *s, const nx__sim_instr_t *in, uint32_t account, uint8_t liq,
                 nx_dec_t *rate) {
    const nx_sim_fees_t *f = &in->o.fees;
    if (f->n_tiers == 0) {
        *rate = liq == NX_LIQ_MAKER ? in->inst.maker_fee : in->inst.taker_fee;
        return NX_OK;
    }
    int64_t vol = nx__volume_30d(s, account, in->quote);
    nx_dec_t v = nx_dec_make(vol, s->assets[in->quote].scale);
    uint32_t t = 0;
    for (uint32_t i = 0; i < f->n_tiers; i++)
        if (nx_dec_cmp(f->tiers[i].min_volume, v) <= 0) t = i;
    *rate = liq == NX_LIQ_MAKER ? f->tiers[t].maker : f->tiers[t].taker;
    return NX_OK;
}

nx_dec_t nx__fee_max_rate(const nx__sim_instr_t *in) {
    const nx_sim_fees_t *f = &in->o.fees;
    nx_dec_t mx = nx_dec_make(0, 0);
    if (f->n_tiers == 0) {
        if (nx_dec_cmp(in->inst.maker_fee, mx) > 0) mx = in->inst.maker_fee;
        if (nx_dec_cmp(in->inst.taker_fee, mx) > 0) mx = in->inst.taker_fee;
        return mx;
    }
    for (uint32_t i = 0; i < f->n_tiers; i++) {
        if (nx_dec_cmp(f->tiers[i].maker, mx) > 0) mx = f->tiers[i].maker;
        if (nx_dec_cmp(f->tiers[i].taker, mx) > 0) mx = f->tiers[i].taker;
    }
    return mx;
}

int64_t nx__fee_amount(int64_t notional, uint8_t scale, nx_dec_t rate) {
    nx_dec_t fee;
    if (nx_dec_mul(nx_dec_make(notional, scale), rate, scale, NX_ROUND_CEIL, &fee) != NX_OK)
        return 0; /* cannot happen for |rate| <= 1 */
    return fee.m;
}

void nx__fee_add_volume(nx_sim_t *s, uint32_t account, uint32_t asset, int64_t notional,
                        nx_ts_t now) {
    nx__sim_acct_t *a = &s->acct[account];
    int64_t d = nx__day(now);
    size_t i = (size_t)asset * NX__VOL_DAYS + (size_t)(((d % NX__VOL_DAYS) + NX__VOL_DAYS) % NX__VOL_DAYS);
    if (a->vol_day[i] != d) {
        a->vol_day[i] = d;
        a->vol[i] = 0;
    }
    int64_t n = notional < 0 ? -notional : notional;
    a->vol[i] = a->vol[i] > INT64_MAX - n ? INT64_MAX : a->vol[i] + n;
}

/*
 * Funding: each position pays qty x mark x multiplier x rate (longs pay a
 * positive rate to shorts); the counterparty is the outside market. A
 * payment larger than the wallet leaves it at zero and the shortfall with
 * the market ledger (an insurance fund's loss), never a negative balance.
 */
void nx__funding(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_funding_t *f) {
    if (!in->margin) return;
    int64_t mark = f->mark_price;
    if (mark > 0 && f->price_scale != in->ps) {
        nx_dec_t d;
        if (nx_dec_rescale(nx_dec_make(mark, f->price_scale), in->ps, NX_ROUND_HALF_EVEN, &d) != NX_OK)
            return;
        mark = d.m;
    }
    if (mark <= 0) mark = in->mark;
    if (mark <= 0) return;
    in->mark = mark;
    uint32_t slot = nx__ins_slot(s, in);
    uint8_t ms = s->assets[in->quote].scale;
    for (uint32_t a = 0; a < s->n_acct; a++) {
        nx__sim_pos_t *p = &s->acct[a].pos[slot];
        if (p->qty == 0) continue;
        int64_t notional;
        if (nx__notional(in, mark, p->qty, ms, &notional) != NX_OK) continue;
        nx_dec_t pay;
        if (nx_dec_mul(nx_dec_make(notional, ms), nx_dec_make(f->rate, f->rate_scale), ms,
                       NX_ROUND_HALF_EVEN, &pay) != NX_OK)
            continue;
        int64_t *tot = &s->acct[a].total[in->quote];
        *tot -= pay.m;
        p->funding -= pay.m;
        s->assets[in->quote].market += pay.m;
        if (*tot < 0) {
            s->assets[in->quote].market += *tot;
            *tot = 0;
        }
    }
    nx__acct_check_liquidation(s, in);
}
