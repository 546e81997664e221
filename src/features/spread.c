/*
 * Spreads (quoted, effective, realised, price impact) from quotes or a book
 * and trades, and book imbalance.
 *
 * Realised spreads need the mid `horizon` after each trade: trades wait in a
 * FIFO (ordered by time, so by horizon) until time passes their horizon. The
 * mid prevailing at a time t is the last mid set at or before t, so before a
 * quote at ts replaces the mid, the trades whose horizon is < ts are resolved
 * with the old mid, and those with horizon == ts with the new one.
 */
#include <math.h>
#include <string.h>

#include "features/feat_int.h"

/* window sums: quoted relative spread and count; effective, realised and
 * impact (relative to the trade's mid) times quantity, and the quantities */
enum { SP_QREL = 0, SP_QN, SP_EFF, SP_EQ, SP_REAL, SP_IMP, SP_RQ, SP_K };

typedef struct nx__pending {
    int64_t due;
    double price, qty, mid0;
    int side;
} nx__pending_t;

struct nx_feat_spread {
    nx_feat_spread_cfg_t c;
    nx__fwin_t w;
    nx__tick_t tick;
    int have_mid;
    double bid, ask, mid;
    double eff, eff_rel, real, real_rel;
    uint64_t count; /* accepted updates (quotes + trades + advances) */
    uint64_t quotes, trades, resolved, unpriced;
    uint32_t head, len; /* pending FIFO */
    nx__pending_t *pend;
    double *slots;
    unsigned char mem[];
};

int nx_feat_spread_new(const nx_feat_spread_cfg_t *c, nx_feat_spread_t **out) {
    if (!c || !out) return NX_ERR(NX_EINVAL, "spread: config and out are required");
    int rc = nx__fwin_check(&c->window, "spread");
    if (rc < 0) return rc;
    if (c->horizon_ns < 0)
        return NX_ERR(NX_EINVAL, "spread: horizon must be >= 0, got %lld", (long long)c->horizon_ns);
    if (c->pending_cap < 1 || c->pending_cap > (1u << 24))
        return NX_ERR(NX_EINVAL, "spread: pending_cap must be in [1, %u], got %u", 1u << 24,
                      c->pending_cap);
    size_t pb = (size_t)c->pending_cap * sizeof(nx__pending_t);
    size_t wb = nx__fwin_bytes(&c->window, SP_K);
    nx_feat_spread_t *s = nx_calloc(1, sizeof *s + pb + wb);
    if (!s) return NX_ERR(NX_ENOMEM, "spread: %u pending trades", c->pending_cap);
    s->c = *c;
    s->pend = (nx__pending_t *)(void *)s->mem;
    s->slots = (double *)(void *)(s->mem + pb);
    nx__fwin_init(&s->w, &c->window, SP_K, s->slots);
    s->bid = s->ask = s->mid = NAN;
    s->eff = s->eff_rel = s->real = s->real_rel = NAN;
    *out = s;
    return 0;
}

void nx_feat_spread_free(nx_feat_spread_t *s) { nx_free(s); }

/* Resolve pending trades due at or before `until` (strictly before if !incl). */
static void nx__resolve(nx_feat_spread_t *s, int64_t until, int incl) {
    while (s->len) {
        nx__pending_t *p = &s->pend[s->head];
        if (incl ? p->due > until : p->due >= until) break;
        double d = (double)p->side;
        s->real = 2.0 * d * (p->price - s->mid);
        s->real_rel = s->real / p->mid0;
        double eff_rel = 2.0 * d * (p->price - p->mid0) / p->mid0;
        double *b = nx__fwin_open(&s->w);
        b[SP_REAL] += s->real_rel * p->qty;
        b[SP_IMP] += (eff_rel - s->real_rel) * p->qty;
        b[SP_RQ] += p->qty;
        s->resolved++;
        s->head = s->head + 1u == s->c.pending_cap ? 0 : s->head + 1u;
        s->len--;
    }
}

int nx_feat_spread_advance(nx_feat_spread_t *s, int64_t ts) {
    int rc = nx__fwin_advance(&s->w, ts, s->count);
    if (rc < 0) return rc;
    nx__resolve(s, ts, 1);
    s->count++;
    nx__fwin_refresh(&s->w);
    return 0;
}

int nx_feat_spread_mid_update(nx_feat_spread_t *s, int64_t ts, double bid, double ask) {
    if (NX_UNLIKELY(!nx__feat_pos(bid) || !nx__feat_pos(ask) || bid > ask))
        return NX_ERR(NX_EINVAL, "input %llu: bid %g / ask %g is not a valid quote",
                      (unsigned long long)s->count, bid, ask);
    int rc = nx__fwin_advance(&s->w, ts, s->count);
    if (rc < 0) return rc;
    nx__resolve(s, ts, 0); /* due before ts: the old mid prevailed */
    s->bid = bid;
    s->ask = ask;
    s->mid = 0.5 * (bid + ask);
    s->have_mid = 1;
    nx__resolve(s, ts, 1); /* due exactly at ts: this quote prevails */
    double *b = nx__fwin_open(&s->w);
    b[SP_QREL] += (ask - bid) / s->mid;
    b[SP_QN] += 1;
    s->quotes++;
    s->count++;
    nx__fwin_refresh(&s->w);
    return 0;
}

int nx_feat_spread_quote(nx_feat_spread_t *s, const nx_ev_quote_t *q) {
    if (!q || q->h.type != NX_EV_QUOTE) return NX_ERR(NX_EINVAL, "not a QUOTE event");
    if (q->price_scale > 18) return NX_ERR(NX_EINVAL, "quote price scale %u", q->price_scale);
    return nx_feat_spread_mid_update(s, q->h.ts_recv,
                                     nx__feat_unscale(q->bid_price, q->price_scale),
                                     nx__feat_unscale(q->ask_price, q->price_scale));
}

int nx_feat_spread_book(nx_feat_spread_t *s, const nx_book_t *b, int64_t ts) {
    nx_book_level_t bid, ask;
    int rc = nx_book_bbo(b, &bid, &ask);
    if (rc < 0) return rc;
    unsigned ps = nx_book_config(b)->price_scale;
    return nx_feat_spread_mid_update(s, ts, nx__feat_unscale(bid.price, ps),
                                     nx__feat_unscale(ask.price, ps));
}

int nx_feat_spread_add_trade(nx_feat_spread_t *s, int64_t ts, double price, double qty,
                             nx_side_t side) {
    if (NX_UNLIKELY(!nx__feat_pos(price) || !nx__feat_nonneg(qty)))
        return NX_ERR(NX_EINVAL, "input %llu: trade price %g / quantity %g",
                      (unsigned long long)s->count, price, qty);
    if (side != NX_SIDE_NONE && side != NX_SIDE_BUY && side != NX_SIDE_SELL)
        return NX_ERR(NX_EINVAL, "input %llu: side %d", (unsigned long long)s->count, (int)side);
    int rc = nx__fwin_check_ts(&s->w, ts, s->count);
    if (rc < 0) return rc;
    if (s->have_mid && s->len == s->c.pending_cap) {
        /* would the FIFO have room after resolving what is due? */
        const nx__pending_t *p = &s->pend[s->head];
        if (p->due > ts)
            return NX_ERR(NX_ELIMIT, "input %llu: %u trades are waiting for their horizon",
                          (unsigned long long)s->count, s->c.pending_cap);
    }
    (void)nx__fwin_advance(&s->w, ts, s->count);
    nx__resolve(s, ts, 1);
    int d;
    if (side == NX_SIDE_BUY) d = 1;
    else if (side == NX_SIDE_SELL) d = -1;
    else if (s->have_mid && price > s->mid) d = 1; /* Lee-Ready: quote rule ... */
    else if (s->have_mid && price < s->mid) d = -1;
    else d = nx__tick_side(&s->tick, price); /* ... then the tick rule */
    nx__tick_push(&s->tick, price);
    s->trades++;
    s->count++;
    if (!s->have_mid || d == 0) {
        s->unpriced++;
        nx__fwin_refresh(&s->w);
        return 0;
    }
    s->eff = 2.0 * d * (price - s->mid);
    s->eff_rel = s->eff / s->mid;
    double *b = nx__fwin_open(&s->w);
    b[SP_EFF] += s->eff_rel * qty;
    b[SP_EQ] += qty;
    uint32_t tail = s->head + s->len;
    if (tail >= s->c.pending_cap) tail -= s->c.pending_cap;
    nx__pending_t *p = &s->pend[tail];
    p->due = ts + s->c.horizon_ns;
    p->price = price;
    p->qty = qty;
    p->mid0 = s->mid;
    p->side = d;
    s->len++;
    if (s->c.horizon_ns == 0) nx__resolve(s, ts, 1);
    nx__fwin_refresh(&s->w);
    return 0;
}

int nx_feat_spread_trade(nx_feat_spread_t *s, const nx_ev_trade_t *t) {
    if (!t || t->h.type != NX_EV_TRADE) return NX_ERR(NX_EINVAL, "not a TRADE event");
    if (t->price_scale > 18 || t->qty_scale > 18)
        return NX_ERR(NX_EINVAL, "trade scales %u/%u out of range", t->price_scale, t->qty_scale);
    return nx_feat_spread_add_trade(s, t->h.ts_recv, nx__feat_unscale(t->price, t->price_scale),
                                    nx__feat_unscale(t->qty, t->qty_scale),
                                    (nx_side_t)t->aggressor);
}

static double nx__ratio(double a, double b) { return b > 0 ? a / b : NAN; }

void nx_feat_spread_values(const nx_feat_spread_t *s, nx_feat_spread_values_t *o) {
    const nx__fwin_t *w = &s->w;
    o->bid = s->bid;
    o->ask = s->ask;
    o->mid = s->mid;
    o->quoted = s->have_mid ? s->ask - s->bid : NAN;
    o->quoted_rel = s->have_mid ? (s->ask - s->bid) / s->mid : NAN;
    o->effective = s->eff;
    o->effective_rel = s->eff_rel;
    o->realised = s->real;
    o->realised_rel = s->real_rel;
    o->quoted_rel_avg = nx__ratio(nx__fwin_total(w, SP_QREL), nx__fwin_total(w, SP_QN));
    o->effective_rel_avg = nx__ratio(nx__fwin_total(w, SP_EFF), nx__fwin_total(w, SP_EQ));
    o->realised_rel_avg = nx__ratio(nx__fwin_total(w, SP_REAL), nx__fwin_total(w, SP_RQ));
    o->impact_rel_avg = nx__ratio(nx__fwin_total(w, SP_IMP), nx__fwin_total(w, SP_RQ));
    o->quotes = s->quotes;
    o->trades = s->trades;
    o->resolved = s->resolved;
    o->pending = s->len;
    o->unpriced = s->unpriced;
}

/* ------------------------------------------------------------------------- */
/* Book imbalance                                                            */
/* ------------------------------------------------------------------------- */

int nx_feat_book_imbalance(const nx_book_t *b, size_t levels, double *out) {
    if (!b || !out || levels == 0 || levels > NX_FEAT_BOOK_LEVELS_MAX)
        return NX_ERR(NX_EINVAL, "book imbalance: levels must be in [1, %d], got %zu",
                      NX_FEAT_BOOK_LEVELS_MAX, levels);
    nx_book_level_t lv[NX_FEAT_BOOK_LEVELS_MAX];
    size_t got;
    double sum[2] = {0, 0};
    const nx_side_t sides[2] = {NX_SIDE_BUY, NX_SIDE_SELL};
    for (int s = 0; s < 2; s++) {
        int rc = nx_book_top(b, sides[s], lv, levels, &got);
        if (rc < 0) return rc;
        /* sum the mantissas exactly, convert once */
        nx_i128 q = 0;
        for (size_t i = 0; i < got; i++) q += lv[i].qty;
        sum[s] = (double)q;
    }
    if (sum[0] + sum[1] <= 0) return NX_ERR(NX_ENOTFOUND, "book imbalance: both sides are empty");
    *out = (sum[0] - sum[1]) / (sum[0] + sum[1]);
    return 0;
}

int nx_feat_quote_imbalance(const nx_ev_quote_t *q, double *out) {
    if (!q || !out || q->h.type != NX_EV_QUOTE)
        return NX_ERR(NX_EINVAL, "quote imbalance: not a QUOTE event");
    if (q->bid_qty < 0 || q->ask_qty < 0)
        return NX_ERR(NX_EINVAL, "quote imbalance: negative quantity");
    double b = (double)q->bid_qty, a = (double)q->ask_qty;
    if (a + b <= 0) return NX_ERR(NX_ENOTFOUND, "quote imbalance: no quantity on either side");
    *out = (b - a) / (b + a);
    return 0;
}
