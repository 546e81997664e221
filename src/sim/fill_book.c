/*
 * fill_book.c — the quote / L2 book fill model.
 *
 * The venue keeps its own copy of the market's book per instrument (sorted
 * arrays, best level at the end, sized once): BOOK_DELTA events set, delete
 * and clear levels; a QUOTE replaces the book by its two top levels.
 *
 *   takers      market orders and marketable limits walk the book from the
 *               best level, at each level's price, up to their limit; what
 *               they take is removed from our copy until the data sets the
 *               level again (so two orders do not take the same liquidity).
 *   resting     a new resting order stands behind the displayed quantity at
 *               its price (ahead = that qty). Trades at the price consume
 *               `ahead` first (fill_ticks.c). A level that shrinks without a
 *               trade: CONSERVATIVE and VOLUME do not move us; PROB moves us
 *               by the shrink x ahead^n / (ahead^n + behind^n) (cancels are
 *               spread over the queue, n = queue_power).
 *   crossing    when the other side of the market reaches our price (at or
 *               through it under VOLUME/PROB, strictly through under
 *               CONSERVATIVE) our order fills at its own price (maker) for
 *               up to the crossing quantity.
 * After every batch (NX_BOOKF_LAST) and quote, triggers see the touch: buy
 * stops the best ask, sell stops the best bid.
 */
#include <math.h>
#include <string.h>

#include "sim/sim_int.h"

int nx__md_init(nx__sim_instr_t *in, uint32_t cap) {
    in->md[0].lv = nx_malloc((size_t)cap * sizeof(nx_book_level_t));
    in->md[1].lv = nx_malloc((size_t)cap * sizeof(nx_book_level_t));
    if (!in->md[0].lv || !in->md[1].lv) {
        nx__md_close(in);
        return NX_ERR(NX_ENOMEM, "sim market book");
    }
    in->md[0].n = in->md[1].n = 0;
    return NX_OK;
}

void nx__md_close(nx__sim_instr_t *in) {
    nx_free(in->md[0].lv);
    nx_free(in->md[1].lv);
    in->md[0].lv = in->md[1].lv = NULL;
}

static inline int64_t nx__k(int si, int64_t p) { return si ? -p : p; }

static inline uint32_t nx__md_lb(const nx__mdside_t *sd, int si, int64_t price) {
    int64_t k = nx__k(si, price);
    uint32_t n = sd->n;
    if (n == 0 || nx__k(si, sd->lv[n - 1].price) < k) return n;
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (nx__k(si, sd->lv[mid].price) < k) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int64_t nx__md_qty(const nx__sim_instr_t *in, uint8_t side, int64_t price) {
    int si = nx__sidx(side);
    const nx__mdside_t *sd = &in->md[si];
    uint32_t i = nx__md_lb(sd, si, price);
    return i < sd->n && sd->lv[i].price == price ? sd->lv[i].qty : 0;
}

int nx__md_set(nx__sim_instr_t *in, uint8_t side, int64_t price, int64_t qty) {
    int si = nx__sidx(side);
    nx__mdside_t *sd = &in->md[si];
    uint32_t i = nx__md_lb(sd, si, price);
    if (i < sd->n && sd->lv[i].price == price) {
        if (qty > 0) {
            sd->lv[i].qty = qty;
        } else {
            if (i + 1 < sd->n) memmove(&sd->lv[i], &sd->lv[i + 1], (sd->n - i - 1) * sizeof *sd->lv);
            sd->n--;
        }
        return NX_OK;
    }
    if (qty <= 0) return NX_OK;
    if (sd->n >= in->m->o.max_levels) {
        /* full: keep the top exact, drop the far end (index 0) */
        if (i == 0) return NX_OK;
        memmove(&sd->lv[0], &sd->lv[1], (i - 1) * sizeof *sd->lv);
        i--;
    } else {
        if (i < sd->n) memmove(&sd->lv[i + 1], &sd->lv[i], (sd->n - i) * sizeof *sd->lv);
        sd->n++;
    }
    sd->lv[i].price = price;
    sd->lv[i].qty = qty;
    return NX_OK;
}

/* Queue bookkeeping for our orders at a level whose market qty is now qty. */
static void nx__queue_update(nx_sim_t *s, nx__sim_instr_t *in, uint8_t side, int64_t price, int64_t qty) {
    if (!in->m->resting) return;
    nx__mlevel_t *L = nx__m_level(in->m, side, price);
    if (!L) return;
    for (uint32_t j = L->head; j != NX__NIL; j = in->m->pool[j].next) {
        nx__sim_order_t *o = &in->m->pool[j];
        if (qty < o->seen && s->c.queue == NX_SIM_QUEUE_PROB && o->ahead > 0) {
            double dec = (double)(o->seen - qty);
            double a = pow((double)o->ahead, s->c.queue_power);
            double behind = (double)(o->seen - o->ahead);
            double b = behind > 0 ? pow(behind, s->c.queue_power) : 0.0;
            int64_t adv = (int64_t)llround(dec * a / (a + b));
            o->ahead = adv >= o->ahead ? 0 : o->ahead - adv;
        }
        o->seen = qty;
        if (o->ahead > qty) o->ahead = qty;
    }
}

void nx__fill_book_place(nx__sim_instr_t *in, nx__sim_order_t *o) {
    o->ahead = o->seen = nx__md_qty(in, o->side, o->price);
}

void nx__fill_book_take(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o) {
    uint64_t id = o->id;
    int64_t limit = o->type == NX_ORD_LIMIT ? o->price : o->protect;
    nx__mdside_t *sd = &in->md[o->side == NX_SIDE_BUY ? 1 : 0];
    uint8_t opp = o->side == NX_SIDE_BUY ? NX_SIDE_SELL : NX_SIDE_BUY;
    while (o->id == id && !o->closed && o->filled < o->qty && sd->n) {
        nx_book_level_t L = sd->lv[sd->n - 1];
        if (!nx__crosses(o->side, limit, L.price)) break;
        int64_t leaves = o->qty - o->filled;
        int64_t q = leaves < L.qty ? leaves : L.qty;
        int64_t fp = nx__impact_price(s, in, o->side, L.price, q, limit, 1);
        int64_t got = nx__sim_fill(s, in, o, fp, q, NX_LIQ_TAKER, 1, 0);
        nx__md_set(in, opp, L.price, L.qty - got);
        if (got < q) break;
    }
}

/* Our resting orders on `side` against the market's other side. */
static void nx__cross(nx_sim_t *s, nx__sim_instr_t *in, uint8_t side, nx_ts_t e) {
    nx__mdside_t *md = &in->md[side == NX_SIDE_BUY ? 1 : 0];
    const nx__mside_t *our = &in->m->s[nx__sidx(side)];
    uint8_t opp = side == NX_SIDE_BUY ? NX_SIDE_SELL : NX_SIDE_BUY;
    int strict = s->c.queue == NX_SIM_QUEUE_CONSERVATIVE;
    if (!md->n || !our->n) return;
    int64_t top = md->lv[md->n - 1].price, ours = our->lv[our->n - 1].price;
    int hit = side == NX_SIDE_BUY ? (strict ? top < ours : top <= ours) : (strict ? top > ours : top >= ours);
    if (!hit) return;
    uint32_t n = 0;
    for (uint32_t i = our->n; i-- > 0;) {
        int64_t lp = our->lv[i].price;
        int ok = side == NX_SIDE_BUY ? (strict ? top < lp : top <= lp) : (strict ? top > lp : top >= lp);
        if (!ok) break;
        for (uint32_t j = our->lv[i].head; j != NX__NIL && n < s->c.max_orders; j = in->m->pool[j].next)
            s->scratch[n++] = in->m->pool[j].id;
    }
    for (uint32_t i = 0; i < n && md->n; i++) {
        nx__sim_order_t *o = nx__m_find(in->m, s->scratch[i]);
        if (!o || o->closed || o->state != NX__OS_RESTING || o->arrival > e || (o->flags & NX__F_DEAD))
            continue;
        uint64_t id = o->id;
        while (o->id == id && !o->closed && md->n) {
            nx_book_level_t L = md->lv[md->n - 1];
            int ok = side == NX_SIDE_BUY ? (strict ? L.price < o->price : L.price <= o->price)
                                         : (strict ? L.price > o->price : L.price >= o->price);
            if (!ok) break;
            int64_t leaves = o->qty - o->filled;
            int64_t q = leaves < L.qty ? leaves : L.qty;
            s->fill_ts = e > o->arrival ? e : o->arrival;
            int64_t got = nx__sim_fill(s, in, o, o->price, q, NX_LIQ_MAKER, 1, 0);
            s->fill_ts = 0;
            nx__md_set(in, opp, L.price, L.qty - got);
            if (got < q) break;
        }
    }
}

static void nx__book_settled(nx_sim_t *s, nx__sim_instr_t *in, nx_ts_t e) {
    int64_t bid = in->md[0].n ? in->md[0].lv[in->md[0].n - 1].price : 0;
    int64_t ask = in->md[1].n ? in->md[1].lv[in->md[1].n - 1].price : 0;
    if (bid && ask && (in->last == 0 || in->margin)) in->mark = (bid + ask) / 2;
    if (s->c.fill != NX_SIM_FILL_BOOK) return;
    nx__ord_check_triggers(s, in, ask, bid, e);
    nx__sim_run_deferred(s);
    nx__cross(s, in, NX_SIDE_BUY, e);
    nx__sim_run_deferred(s);
    nx__cross(s, in, NX_SIDE_SELL, e);
}

int nx__fill_book_delta(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_book_delta_t *d, nx_ts_t e) {
    in->have_book = 1;
    if (d->action == NX_BOOK_CLEAR) {
        in->md[0].n = in->md[1].n = 0;
    } else if (d->side == NX_SIDE_BUY || d->side == NX_SIDE_SELL) {
        int64_t q = d->action == NX_BOOK_DELETE || d->qty < 0 ? 0 : d->qty;
        nx__md_set(in, d->side, d->price, q);
        nx__queue_update(s, in, d->side, d->price, q);
    }
    if (d->flags & NX_BOOKF_LAST) nx__book_settled(s, in, e);
    return NX_OK;
}

void nx__fill_quote(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_quote_t *q, nx_ts_t e) {
    in->have_book = 1;
    in->md[0].n = in->md[1].n = 0;
    if (q->bid_price > 0 && q->bid_qty > 0) nx__md_set(in, NX_SIDE_BUY, q->bid_price, q->bid_qty);
    if (q->ask_price > 0 && q->ask_qty > 0) nx__md_set(in, NX_SIDE_SELL, q->ask_price, q->ask_qty);
    if (q->bid_price > 0) nx__queue_update(s, in, NX_SIDE_BUY, q->bid_price, q->bid_qty);
    if (q->ask_price > 0) nx__queue_update(s, in, NX_SIDE_SELL, q->ask_price, q->ask_qty);
    nx__book_settled(s, in, e);
}
