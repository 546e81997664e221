/*
 * fill_book.c — the quote / L2 book fill model.
 *
 * The venue keeps its own copy of the market's book per instrument (sorted
 * arrays, best level at the end, sized once; a level is found through the
 * price -> index hints of nx__lvh_t, kept exact when levels shift, so that
 * the common update — a new quantity at an existing level — costs no
 * search): BOOK_DELTA events set, delete and clear levels; a QUOTE replaces
 * the book by its two top levels.
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
    for (int si = 0; si < 2; si++) {
        in->md[si].lv = nx_malloc((size_t)cap * sizeof(nx_book_level_t));
        in->md[si].lvh = nx_calloc(NX__LVH_SIZE, sizeof(nx__lvh_t));
        in->md[si].n = in->md[si].dead = 0;
    }
    if (!in->md[0].lv || !in->md[1].lv || !in->md[0].lvh || !in->md[1].lvh) {
        nx__md_close(in);
        return NX_ERR(NX_ENOMEM, "sim market book");
    }
    return NX_OK;
}

void nx__md_close(nx__sim_instr_t *in) {
    for (int si = 0; si < 2; si++) {
        nx_free(in->md[si].lv);
        nx_free(in->md[si].lvh);
        in->md[si].lv = NULL;
        in->md[si].lvh = NULL;
    }
}

static inline int64_t nx__k(int si, int64_t p) { return si ? -p : p; }

/* First index whose key >= key(price) (key: bids price, asks -price);
 * branch-free halving as in matcher.c. */
static inline uint32_t nx__md_lb(const nx__mdside_t *sd, int si, int64_t price) {
    int64_t k = nx__k(si, price);
    uint32_t n = sd->n;
    if (n == 0 || nx__k(si, sd->lv[n - 1].price) < k) return n;
    const nx_book_level_t *base = sd->lv;
    uint32_t len = n;
    while (len > 1) {
        uint32_t half = len / 2;
        base = nx__k(si, base[half - 1].price) < k ? base + half : base;
        len -= half;
    }
    return (uint32_t)(base - sd->lv);
}

/* Index of the level at price, through the hint (nx__lvh_t); UINT32_MAX
 * when absent. */
static inline uint32_t nx__md_find(const nx__mdside_t *sd, int si, int64_t price) {
    nx__lvh_t *h = nx__lvh_at(sd->lvh, price);
    if (!h->cnt) return UINT32_MAX;
    uint32_t i = h->idx;
    if (i < sd->n && sd->lv[i].price == price) return i;
    i = nx__md_lb(sd, si, price);
    if (i < sd->n && sd->lv[i].price == price) {
        h->idx = i;
        return i;
    }
    return UINT32_MAX;
}

/* Re-point the hints of levels [from, to) after they moved. */
static void nx__md_rehint(nx__mdside_t *sd, uint32_t from, uint32_t to) {
    for (uint32_t j = from; j < to; j++) nx__lvh_at(sd->lvh, sd->lv[j].price)->idx = j;
}

/* Empty a side (CLEAR, QUOTE). */
static void nx__md_clear(nx__mdside_t *sd) {
    if (sd->n > NX__LVH_SIZE) memset(sd->lvh, 0, NX__LVH_SIZE * sizeof *sd->lvh);
    else
        for (uint32_t j = 0; j < sd->n; j++) nx__lvh_at(sd->lvh, sd->lv[j].price)->cnt = 0;
    sd->n = sd->dead = 0;
}

/* Drop the tombstones on top, so that lv[n - 1] is a live level. */
static void nx__md_pop_dead(nx__mdside_t *sd) {
    while (sd->n && sd->lv[sd->n - 1].qty == 0) {
        nx__lvh_at(sd->lvh, sd->lv[sd->n - 1].price)->cnt--;
        sd->n--;
        sd->dead--;
    }
}

/* Squeeze the tombstones out (when the array or the level count is full). */
static void nx__md_compact(nx__mdside_t *sd) {
    uint32_t j = 0;
    for (uint32_t i = 0; i < sd->n; i++) {
        if (sd->lv[i].qty > 0) sd->lv[j++] = sd->lv[i];
        else nx__lvh_at(sd->lvh, sd->lv[i].price)->cnt--;
    }
    sd->n = j;
    sd->dead = 0;
    nx__md_rehint(sd, 0, j);
}

int64_t nx__md_qty(const nx__sim_instr_t *in, uint8_t side, int64_t price) {
    int si = nx__sidx(side);
    const nx__mdside_t *sd = &in->md[si];
    uint32_t i = nx__md_find(sd, si, price);
    return i != UINT32_MAX ? sd->lv[i].qty : 0;
}

int nx__md_set(nx__sim_instr_t *in, uint8_t side, int64_t price, int64_t qty) {
    int si = nx__sidx(side);
    nx__mdside_t *sd = &in->md[si];
    uint32_t i = nx__md_find(sd, si, price);
    if (i != UINT32_MAX) { /* a live level or a tombstone: no shift */
        if (qty > 0) {
            if (sd->lv[i].qty == 0) sd->dead--;
            sd->lv[i].qty = qty;
        } else if (sd->lv[i].qty > 0) {
            sd->lv[i].qty = 0;
            sd->dead++;
            if (i + 1 == sd->n) nx__md_pop_dead(sd);
        }
        return NX_OK;
    }
    if (qty <= 0) return NX_OK;
    /* the level count and the full rule below are about live levels */
    if (sd->dead && sd->n >= in->m->o.max_levels) nx__md_compact(sd);
    i = nx__md_lb(sd, si, price);
    if (sd->n >= in->m->o.max_levels) {
        /* full: keep the top exact, drop the far end (index 0) */
        if (i == 0) return NX_OK;
        nx__lvh_at(sd->lvh, sd->lv[0].price)->cnt--;
        memmove(&sd->lv[0], &sd->lv[1], (i - 1) * sizeof *sd->lv);
        i--;
        nx__md_rehint(sd, 0, i);
    } else {
        if (i < sd->n) memmove(&sd->lv[i + 1], &sd->lv[i], (sd->n - i) * sizeof *sd->lv);
        sd->n++;
        nx__md_rehint(sd, i + 1, sd->n);
    }
    sd->lv[i].price = price;
    sd->lv[i].qty = qty;
    nx__lvh_t *h = nx__lvh_at(sd->lvh, price);
    h->idx = i;
    h->cnt++;
    return NX_OK;
}

/* Queue bookkeeping for our orders at a level whose market qty is now qty. */
static void nx__queue_update(nx_sim_t *s, nx__sim_instr_t *in, uint8_t side, int64_t price, int64_t qty) {
    if (!in->m->resting) return;
    nx__mlevel_t *L = nx__m_level(in->m, side, price);
    if (!L) return;
    for (uint32_t j = L->head; j != NX__NIL; j = in->m->lk[j].next) {
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
        for (uint32_t j = our->lv[i].head; j != NX__NIL && n < s->c.max_orders; j = in->m->lk[j].next)
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
        nx__md_clear(&in->md[0]);
        nx__md_clear(&in->md[1]);
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
    nx__md_clear(&in->md[0]);
    nx__md_clear(&in->md[1]);
    if (q->bid_price > 0 && q->bid_qty > 0) nx__md_set(in, NX_SIDE_BUY, q->bid_price, q->bid_qty);
    if (q->ask_price > 0 && q->ask_qty > 0) nx__md_set(in, NX_SIDE_SELL, q->ask_price, q->ask_qty);
    if (q->bid_price > 0) nx__queue_update(s, in, NX_SIDE_BUY, q->bid_price, q->bid_qty);
    if (q->ask_price > 0) nx__queue_update(s, in, NX_SIDE_SELL, q->ask_price, q->ask_qty);
    nx__book_settled(s, in, e);
}
