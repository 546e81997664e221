/*
 * Simulated venue: one scenario per order type and rule, with fills checked
 * by hand, bar-path edge cases, rejects with their exchange codes, margin
 * liquidation, latency, and determinism (two runs -> identical bytes).
 *
 * Instrument BTC/USDT spot: price scale 2 (tick 0.01), qty scale 4 (lot
 * 0.0001), min notional 5 USDT, maker 0.1 %, taker 0.2 %; USDT and BTC
 * balances at scale 8. Prices below are mantissas: 10000 = 100.00.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/sim.h"
#include "nx_test.h"

#define SEC NX_NS_PER_SEC
#define MIN NX_NS_PER_MIN
#define T0 ((int64_t)1700000000 * SEC)

typedef struct {
    nx_event_t ev[4096];
    size_t n;
} out_t;

static int collect(void *ctx, const nx_event_hdr_t *ev) {
    out_t *o = ctx;
    if (o->n < 4096) memcpy(&o->ev[o->n++], ev, ev->size);
    return 0;
}

typedef struct {
    nx_sim_t *s;
    out_t out;
    uint32_t usdt, btc;
    uint64_t seq;
} h_t;

static nx_instrument_t spot(void) {
    nx_instrument_t in;
    memset(&in, 0, sizeof in);
    in.id = 7;
    in.asset_class = NX_ASSET_SPOT;
    memcpy(in.venue, "sim", 4);
    memcpy(in.symbol, "BTCUSDT", 8);
    memcpy(in.base, "BTC", 4);
    memcpy(in.quote, "USDT", 5);
    memcpy(in.settle, "USDT", 5);
    in.tick_size = nx_dec_make(1, 2);
    in.lot_size = nx_dec_make(1, 4);
    in.min_qty = nx_dec_make(1, 4);
    in.min_notional = nx_dec_make(5, 0);
    in.price_precision = 2;
    in.size_precision = 4;
    in.multiplier = nx_dec_make(1, 0);
    in.maker_fee = nx_dec_make(1, 3);
    in.taker_fee = nx_dec_make(2, 3);
    return in;
}

static h_t *mk(nx_sim_fill_model_t fill, void (*tweak)(nx_sim_config_t *)) {
    static h_t h;
    memset(&h.out, 0, sizeof h.out);
    h.seq = 0;
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = fill;
    c.seed = 42;
    if (tweak) tweak(&c);
    assert_int_equal(nx_sim_new(&c, &h.s), NX_OK);
    assert_int_equal(nx_sim_add_asset(h.s, "USDT", 8, &h.usdt), NX_OK);
    assert_int_equal(nx_sim_add_asset(h.s, "BTC", 8, &h.btc), NX_OK);
    nx_instrument_t in = spot();
    assert_int_equal(nx_sim_add_instrument(h.s, &in, NULL), NX_OK);
    nx_sim_set_output(h.s, collect, &h.out);
    assert_int_equal(nx_sim_deposit(h.s, 0, h.usdt, nx_dec_make(10000, 0)), NX_OK);
    assert_int_equal(nx_sim_deposit(h.s, 0, h.btc, nx_dec_make(2, 0)), NX_OK);
    return &h;
}

static void done(h_t *h) { nx_sim_free(h->s); }

static uint64_t intent(h_t *h, int64_t ts, uint8_t side, uint8_t type, uint8_t tif, int64_t price,
                       int64_t stop, int64_t qty, uint8_t flags, uint64_t link, uint64_t id) {
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_INTENT);
    nx_ev_order_intent_t *it = &ev.order_intent;
    it->h.ts_recv = ts;
    it->h.seq = ++h->seq;
    it->intent_id = id;
    it->strategy = 1;
    it->instrument = 7;
    it->side = side;
    it->ord_type = type;
    it->tif = tif;
    it->price_scale = 2;
    it->qty_scale = 4;
    it->flags = flags;
    it->price = price;
    it->stop_price = stop;
    it->qty = qty;
    it->link_id = link;
    if (tif == NX_TIF_GTD) it->expire_ts = ts + 10 * SEC;
    assert_int_equal(nx_sim_handle(h->s, &it->h), NX_OK);
    return id;
}

static void action(h_t *h, int64_t ts, unsigned act, uint64_t target, int64_t price, int64_t qty) {
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_INTENT);
    nx_ev_order_intent_t *it = &ev.order_intent;
    it->h.ts_recv = ts;
    it->intent_id = target;
    it->strategy = 1;
    it->instrument = 7;
    it->price_scale = 2;
    it->qty_scale = 4;
    it->price = price;
    it->qty = qty;
    it->action = (uint8_t)act;
    assert_int_equal(nx_sim_handle(h->s, &it->h), NX_OK);
}

static void bar(h_t *h, int64_t open_ts, int64_t o, int64_t hi, int64_t lo, int64_t c) {
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_BAR);
    nx_ev_bar_t *b = &ev.bar;
    b->h.ts_venue = open_ts;
    b->h.ts_recv = open_ts + MIN;
    b->instrument = 7;
    b->price_scale = 2;
    b->qty_scale = 4;
    b->interval_ns = MIN;
    b->open = o;
    b->high = hi;
    b->low = lo;
    b->close = c;
    b->volume = 1000000;
    assert_int_equal(nx_sim_handle(h->s, &b->h), NX_OK);
}

static void trade(h_t *h, int64_t ts, int64_t px, int64_t qty, uint8_t aggressor) {
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_TRADE);
    nx_ev_trade_t *t = &ev.trade;
    t->h.ts_recv = ts;
    t->instrument = 7;
    t->price_scale = 2;
    t->qty_scale = 4;
    t->price = px;
    t->qty = qty;
    t->aggressor = aggressor;
    assert_int_equal(nx_sim_handle(h->s, &t->h), NX_OK);
}

static void quote(h_t *h, int64_t ts, int64_t bid, int64_t bq, int64_t ask, int64_t aq) {
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_QUOTE);
    nx_ev_quote_t *q = &ev.quote;
    q->h.ts_recv = ts;
    q->instrument = 7;
    q->price_scale = 2;
    q->qty_scale = 4;
    q->bid_price = bid;
    q->bid_qty = bq;
    q->ask_price = ask;
    q->ask_qty = aq;
    assert_int_equal(nx_sim_handle(h->s, &q->h), NX_OK);
}

/* The k-th event of a type for an intent (k from 0), or NULL. */
static const nx_event_t *find(const h_t *h, uint16_t type, uint64_t id, int k) {
    for (size_t i = 0; i < h->out.n; i++) {
        const nx_event_t *e = &h->out.ev[i];
        uint64_t iid = e->h.type == NX_EV_FILL ? e->fill.intent_id : e->order_ack.intent_id;
        if (e->h.type == type && iid == id && k-- == 0) return e;
    }
    return NULL;
}

static int count(const h_t *h, uint16_t type, uint64_t id) {
    int n = 0;
    while (find(h, type, id, n)) n++;
    return n;
}

static int64_t bal(h_t *h, uint32_t asset) {
    nx_sim_balance_t b;
    assert_int_equal(nx_sim_balance(h->s, 0, asset, &b), NX_OK);
    return b.total;
}

/* ---- bars -------------------------------------------------------------------------- */

static void market_order_fills_at_the_next_bar_open_with_taker_fee(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    bar(h, T0 - MIN, 9900, 10000, 9850, 9990); /* a reference price for the lock */
    intent(h, T0, NX_SIDE_BUY, NX_ORD_MARKET, NX_TIF_IOC, 0, 0, 10000, 0, 0, 1);
    assert_non_null(find(h, NX_EV_ORDER_ACK, 1, 0));
    assert_null(find(h, NX_EV_FILL, 1, 0));
    bar(h, T0, 10000, 10100, 9900, 10050);
    const nx_event_t *f = find(h, NX_EV_FILL, 1, 0);
    assert_non_null(f);
    assert_int_equal(f->fill.price, 10000);
    assert_int_equal(f->fill.qty, 10000);
    assert_int_equal(f->fill.liquidity, NX_LIQ_TAKER);
    assert_int_equal(f->fill.fee, 20000000); /* 100.00 x 0.002 = 0.2 USDT at scale 8 */
    assert_int_equal(f->fill.h.ts_venue, T0);
    assert_int_equal(bal(h, h->usdt), (10000 - 100) * 100000000LL - 20000000);
    assert_int_equal(bal(h, h->btc), 3 * 100000000LL);
    /* placed during a bar: that bar cannot fill it, the next one does */
    intent(h, T0 + MIN + 30 * SEC, NX_SIDE_BUY, NX_ORD_MARKET, NX_TIF_IOC, 0, 0, 10000, 0, 0, 2);
    bar(h, T0 + MIN, 10050, 10300, 10000, 10200);
    assert_null(find(h, NX_EV_FILL, 2, 0));
    bar(h, T0 + 2 * MIN, 10200, 10250, 10150, 10210);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.price, 10200);
    done(h);
}

static void limit_fills_at_its_price_inside_a_bar_and_at_the_open_on_a_gap(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    intent(h, T0 - SEC, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9950, 0, 10000, 0, 0, 1);
    bar(h, T0, 10000, 10100, 9960, 10050); /* low 99.60 > 99.50: nothing */
    assert_null(find(h, NX_EV_FILL, 1, 0));
    bar(h, T0 + MIN, 10000, 10020, 9900, 9980);
    const nx_event_t *f = find(h, NX_EV_FILL, 1, 0);
    assert_int_equal(f->fill.price, 9950);
    assert_int_equal(f->fill.liquidity, NX_LIQ_MAKER);
    assert_int_equal(f->fill.fee, 9950000); /* 99.50 x 0.001 */
    intent(h, T0 + 2 * MIN - SEC, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9900, 0, 10000, 0, 0, 2);
    bar(h, T0 + 2 * MIN, 9800, 9850, 9700, 9750); /* opens below the limit */
    f = find(h, NX_EV_FILL, 2, 0);
    assert_int_equal(f->fill.price, 9800);
    assert_int_equal(f->fill.liquidity, NX_LIQ_TAKER);
    done(h);
}

static void gap_through_a_stop_fills_at_the_open(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    intent(h, T0 - SEC, NX_SIDE_SELL, NX_ORD_STOP_MARKET, NX_TIF_GTC, 0, 9500, 10000, 0, 0, 1);
    bar(h, T0, 10000, 10100, 9600, 9700);
    assert_null(find(h, NX_EV_FILL, 1, 0));
    bar(h, T0 + MIN, 9000, 9200, 8900, 9100); /* gaps from 97.00 to 90.00 */
    const nx_event_t *f = find(h, NX_EV_FILL, 1, 0);
    assert_int_equal(f->fill.price, 9000);
    assert_int_equal(f->fill.liquidity, NX_LIQ_TAKER);
    assert_true(f->fill.flags & NX_FILLF_TRIGGERED);
    /* a stop inside the bar fills at the stop */
    intent(h, T0 + 2 * MIN - SEC, NX_SIDE_BUY, NX_ORD_STOP_MARKET, NX_TIF_GTC, 0, 9300, 10000, 0, 0, 2);
    bar(h, T0 + 2 * MIN, 9100, 9400, 9050, 9350);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.price, 9300);
    done(h);
}

static void stop_and_target_in_one_bar_the_nearer_extreme_decides(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    /* OCO: take-profit limit 110.00, stop 95.00; the low (7 away) comes first */
    intent(h, T0 - SEC, NX_SIDE_SELL, NX_ORD_LIMIT, NX_TIF_GTC, 11000, 0, 10000, NX_ORDF_OCO, 2, 1);
    intent(h, T0 - SEC, NX_SIDE_SELL, NX_ORD_STOP_MARKET, NX_TIF_GTC, 0, 9500, 10000, NX_ORDF_OCO, 1, 2);
    bar(h, T0, 10000, 11200, 9300, 10500);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.price, 9500);
    assert_null(find(h, NX_EV_FILL, 1, 0));
    assert_int_equal(find(h, NX_EV_ORDER_CANCEL, 1, 0)->order_cancel.reason, NX_SIM_R_OCO);
    /* the other way: the high (4 away) first -> the target fills */
    intent(h, T0 + MIN, NX_SIDE_SELL, NX_ORD_LIMIT, NX_TIF_GTC, 10300, 0, 10000, NX_ORDF_OCO, 4, 3);
    intent(h, T0 + MIN, NX_SIDE_SELL, NX_ORD_STOP_MARKET, NX_TIF_GTC, 0, 9500, 10000, NX_ORDF_OCO, 3, 4);
    bar(h, T0 + 2 * MIN, 10000, 10400, 9300, 9800);
    assert_int_equal(find(h, NX_EV_FILL, 3, 0)->fill.price, 10300);
    assert_int_equal(find(h, NX_EV_FILL, 3, 0)->fill.liquidity, NX_LIQ_MAKER);
    assert_null(find(h, NX_EV_FILL, 4, 0));
    assert_non_null(find(h, NX_EV_ORDER_CANCEL, 4, 0));
    done(h);
}

static void bracket_children_go_live_when_the_entry_fills(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    assert_int_equal(nx_sim_deposit(h->s, 0, h->btc, nx_dec_make(-2, 0)), NX_OK);
    intent(h, T0 - SEC, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 10000, 0, 10000, 0, 0, 1);
    intent(h, T0 - SEC, NX_SIDE_SELL, NX_ORD_LIMIT, NX_TIF_GTC, 11000, 0, 10000, NX_ORDF_BRACKET, 1, 2);
    intent(h, T0 - SEC, NX_SIDE_SELL, NX_ORD_STOP_MARKET, NX_TIF_GTC, 0, 9500, 10000, NX_ORDF_BRACKET, 1, 3);
    assert_int_equal(count(h, NX_EV_ORDER_ACK, 2), 1); /* held, no BTC needed yet */
    bar(h, T0, 10100, 10200, 9900, 10150); /* entry at 100.00; children live on the rest */
    assert_int_equal(find(h, NX_EV_FILL, 1, 0)->fill.price, 10000);
    assert_null(find(h, NX_EV_FILL, 2, 0));
    assert_null(find(h, NX_EV_FILL, 3, 0));
    bar(h, T0 + MIN, 10200, 11100, 10100, 10900);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.price, 11000);
    assert_null(find(h, NX_EV_FILL, 3, 0));
    assert_int_equal(find(h, NX_EV_ORDER_CANCEL, 3, 0)->order_cancel.reason, NX_SIM_R_OCO);
    assert_int_equal(bal(h, h->btc), 0);
    /* a bracket whose entry is cancelled unfilled takes its children with it */
    intent(h, T0 + 2 * MIN, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9000, 0, 10000, 0, 0, 4);
    intent(h, T0 + 2 * MIN, NX_SIDE_SELL, NX_ORD_LIMIT, NX_TIF_GTC, 9900, 0, 10000, NX_ORDF_BRACKET, 4, 5);
    action(h, T0 + 2 * MIN + SEC, NX_ORDA_CANCEL, 4, 0, 0);
    assert_int_equal(find(h, NX_EV_ORDER_CANCEL, 5, 0)->order_cancel.reason, NX_SIM_R_BRACKET);
    done(h);
}

/* ---- ticks ----------------------------------------------------------------------- */

static void trailing_stop_follows_the_high_and_fires_on_the_pullback(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_TRADES, NULL);
    intent(h, T0, NX_SIDE_SELL, NX_ORD_TRAILING_STOP, NX_TIF_GTC, 0, 500, 10000, 0, 0, 1);
    trade(h, T0 + 1, 10000, 1000, NX_SIDE_BUY);
    trade(h, T0 + 2, 11000, 1000, NX_SIDE_BUY);
    trade(h, T0 + 3, 10600, 1000, NX_SIDE_SELL); /* level 105.00: not yet */
    assert_null(find(h, NX_EV_FILL, 1, 0));
    trade(h, T0 + 4, 10499, 1000, NX_SIDE_SELL);
    assert_int_equal(find(h, NX_EV_FILL, 1, 0)->fill.price, 10499);
    /* percent: 1 % of 200.00 = 2.00 */
    intent(h, T0 + 5, NX_SIDE_SELL, NX_ORD_TRAILING_STOP, NX_TIF_GTC, 0, 100, 10000, NX_ORDF_TRAIL_PCT, 0, 2);
    trade(h, T0 + 6, 20000, 1000, NX_SIDE_BUY);
    trade(h, T0 + 7, 19801, 1000, NX_SIDE_SELL);
    assert_null(find(h, NX_EV_FILL, 2, 0));
    trade(h, T0 + 8, 19800, 1000, NX_SIDE_SELL);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.price, 19800);
    done(h);
}

static void resting_limit_fills_on_a_print_through_its_price_capped_by_its_size(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_TRADES, NULL);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 10000, 0, 20000, 0, 0, 1);
    trade(h, T0 + 1, 10000, 5000, NX_SIDE_SELL); /* at the price: conservative waits */
    assert_null(find(h, NX_EV_FILL, 1, 0));
    trade(h, T0 + 2, 9999, 5000, NX_SIDE_SELL);
    const nx_event_t *f = find(h, NX_EV_FILL, 1, 0);
    assert_int_equal(f->fill.price, 10000);
    assert_int_equal(f->fill.qty, 5000);
    assert_int_equal(f->fill.leaves_qty, 15000);
    assert_int_equal(f->fill.liquidity, NX_LIQ_MAKER);
    done(h);
}

static void entry_latency_no_fill_from_prints_before_arrival(void **state) {
    (void)state;
    static void (*tw)(nx_sim_config_t *);
    (void)tw;
    h_t *h = mk(NX_SIM_FILL_TRADES, NULL);
    nx_sim_free(h->s);
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = NX_SIM_FILL_TRADES;
    c.lat_entry.ns = 5 * NX_NS_PER_MS;
    assert_int_equal(nx_sim_new(&c, &h->s), NX_OK);
    assert_int_equal(nx_sim_add_asset(h->s, "USDT", 8, &h->usdt), NX_OK);
    assert_int_equal(nx_sim_add_asset(h->s, "BTC", 8, &h->btc), NX_OK);
    nx_instrument_t in = spot();
    assert_int_equal(nx_sim_add_instrument(h->s, &in, NULL), NX_OK);
    nx_sim_set_output(h->s, collect, &h->out);
    assert_int_equal(nx_sim_deposit(h->s, 0, h->usdt, nx_dec_make(10000, 0)), NX_OK);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_MARKET, NX_TIF_IOC, 0, 0, 10000, 0, 0, 1);
    nx_ts_t due;
    assert_int_equal(nx_sim_next_due(h->s, &due), NX_OK);
    assert_int_equal(due, T0 + 5 * NX_NS_PER_MS);
    trade(h, T0 + NX_NS_PER_MS, 10000, 1000, NX_SIDE_BUY); /* before it arrives */
    assert_null(find(h, NX_EV_ORDER_ACK, 1, 0));
    trade(h, T0 + 6 * NX_NS_PER_MS, 10100, 1000, NX_SIDE_BUY);
    const nx_event_t *f = find(h, NX_EV_FILL, 1, 0);
    assert_int_equal(f->fill.price, 10100);
    assert_true(f->fill.h.ts_venue >= T0 + 5 * NX_NS_PER_MS);
    assert_int_equal(find(h, NX_EV_ORDER_ACK, 1, 0)->h.ts_recv, T0 + 5 * NX_NS_PER_MS);
    done(h);
}

/* ---- book ------------------------------------------------------------------------- */

static void market_order_walks_the_book_and_fok_partial_is_cancelled(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BOOK, NULL);
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_BOOK_DELTA);
    nx_ev_book_delta_t *d = &ev.book_delta;
    d->instrument = 7;
    d->price_scale = 2;
    d->qty_scale = 4;
    d->h.ts_recv = T0;
    int64_t lv[][3] = {{NX_SIDE_SELL, 10000, 5000}, {NX_SIDE_SELL, 10010, 5000}, {NX_SIDE_BUY, 9990, 9000}};
    for (int i = 0; i < 3; i++) {
        d->action = NX_BOOK_SET;
        d->side = (uint8_t)lv[i][0];
        d->price = lv[i][1];
        d->qty = lv[i][2];
        d->flags = i == 2 ? NX_BOOKF_LAST : 0;
        assert_int_equal(nx_sim_handle(h->s, &d->h), NX_OK);
    }
    intent(h, T0 + 1, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_FOK, 10010, 0, 20000, 0, 0, 1);
    assert_null(find(h, NX_EV_FILL, 1, 0));
    assert_int_equal(find(h, NX_EV_ORDER_EXPIRE, 1, 0)->order_expire.reason, NX_SIM_R_FOK);
    intent(h, T0 + 2, NX_SIDE_BUY, NX_ORD_MARKET, NX_TIF_IOC, 0, 0, 8000, 0, 0, 2);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.price, 10000);
    assert_int_equal(find(h, NX_EV_FILL, 2, 0)->fill.qty, 5000);
    assert_int_equal(find(h, NX_EV_FILL, 2, 1)->fill.price, 10010);
    assert_int_equal(find(h, NX_EV_FILL, 2, 1)->fill.qty, 3000);
    /* IOC for more than is left: partial fill, the rest expires */
    intent(h, T0 + 3, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_IOC, 10010, 0, 5000, 0, 0, 3);
    assert_int_equal(find(h, NX_EV_FILL, 3, 0)->fill.qty, 2000);
    assert_int_equal(find(h, NX_EV_ORDER_EXPIRE, 3, 0)->order_expire.leaves_qty, 3000);
    done(h);
}

static void post_only_that_would_take_is_rejected_with_2010(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BOOK, NULL);
    quote(h, T0, 9990, 1000, 10000, 1000);
    intent(h, T0 + 1, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 10000, 0, 1000, NX_ORDF_POST_ONLY, 0, 1);
    const nx_event_t *r = find(h, NX_EV_ORDER_REJECT, 1, 0);
    assert_int_equal(r->order_reject.reason, NX_SIM_R_POST_ONLY_WOULD_TAKE);
    assert_int_equal(r->order_reject.venue_code, -2010);
    intent(h, T0 + 2, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9995, 0, 1000, NX_ORDF_POST_ONLY, 0, 2);
    assert_non_null(find(h, NX_EV_ORDER_ACK, 2, 0));
    /* the market comes down through it: it fills as a maker at its price */
    quote(h, T0 + 3, 9980, 1000, 9990, 3000);
    const nx_event_t *f = find(h, NX_EV_FILL, 2, 0);
    assert_int_equal(f->fill.price, 9995);
    assert_int_equal(f->fill.liquidity, NX_LIQ_MAKER);
    done(h);
}

static void queue_position_volume_model_fills_after_the_queue_ahead_trades(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BOOK, NULL);
    nx_sim_free(h->s);
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = NX_SIM_FILL_BOOK;
    c.queue = NX_SIM_QUEUE_VOLUME;
    assert_int_equal(nx_sim_new(&c, &h->s), NX_OK);
    assert_int_equal(nx_sim_add_asset(h->s, "USDT", 8, &h->usdt), NX_OK);
    assert_int_equal(nx_sim_add_asset(h->s, "BTC", 8, &h->btc), NX_OK);
    nx_instrument_t in = spot();
    assert_int_equal(nx_sim_add_instrument(h->s, &in, NULL), NX_OK);
    nx_sim_set_output(h->s, collect, &h->out);
    assert_int_equal(nx_sim_deposit(h->s, 0, h->usdt, nx_dec_make(10000, 0)), NX_OK);
    quote(h, T0, 9990, 3000, 10000, 1000);
    intent(h, T0 + 1, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9990, 0, 2000, 0, 0, 1);
    trade(h, T0 + 2, 9990, 2000, NX_SIDE_SELL); /* 1000 ahead left */
    assert_null(find(h, NX_EV_FILL, 1, 0));
    trade(h, T0 + 3, 9990, 1500, NX_SIDE_SELL); /* 1000 ahead, then 500 to us */
    assert_int_equal(find(h, NX_EV_FILL, 1, 0)->fill.qty, 500);
    done(h);
}

/* ---- rules ------------------------------------------------------------------------- */

static void rate_limit_rejects_like_a_429_and_resets_next_window(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    nx_sim_free(h->s);
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.rate_limit = 2;
    assert_int_equal(nx_sim_new(&c, &h->s), NX_OK);
    assert_int_equal(nx_sim_add_asset(h->s, "USDT", 8, &h->usdt), NX_OK);
    assert_int_equal(nx_sim_add_asset(h->s, "BTC", 8, &h->btc), NX_OK);
    nx_instrument_t in = spot();
    assert_int_equal(nx_sim_add_instrument(h->s, &in, NULL), NX_OK);
    nx_sim_set_output(h->s, collect, &h->out);
    assert_int_equal(nx_sim_deposit(h->s, 0, h->usdt, nx_dec_make(10000, 0)), NX_OK);
    for (uint64_t i = 1; i <= 3; i++)
        intent(h, T0 + (int64_t)i, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9000, 0, 1000, 0, 0, i);
    assert_non_null(find(h, NX_EV_ORDER_ACK, 2, 0));
    const nx_event_t *r = find(h, NX_EV_ORDER_REJECT, 3, 0);
    assert_int_equal(r->order_reject.reason, NX_SIM_R_RATE_LIMIT);
    assert_int_equal(r->order_reject.venue_code, -1015);
    intent(h, T0 + SEC, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9000, 0, 1000, 0, 0, 4);
    assert_non_null(find(h, NX_EV_ORDER_ACK, 4, 0));
    done(h);
}

static void duplicate_client_id_returns_the_existing_order(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9000, 0, 1000, 0, 0, 77);
    intent(h, T0 + 1, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9100, 0, 5000, 0, 0, 77);
    const nx_event_t *a = find(h, NX_EV_ORDER_ACK, 77, 0), *b = find(h, NX_EV_ORDER_ACK, 77, 1);
    assert_non_null(b);
    assert_int_equal(b->order_ack.reason, NX_SIM_R_DUPLICATE);
    assert_int_equal(a->order_ack.venue_order_id, b->order_ack.venue_order_id);
    assert_int_equal(b->order_ack.price, 9000);
    nx_sim_balance_t bl;
    nx_sim_balance(h->s, 0, h->usdt, &bl);
    assert_int_equal(bl.locked, 900000000 + 1800000); /* one order: 9.00 + 0.2 % fee reserve */
    done(h);
}

static void insufficient_balance_and_filters_reject_with_exchange_codes(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 10000, 0, 1010000, 0, 0, 1); /* 101 BTC */
    assert_int_equal(find(h, NX_EV_ORDER_REJECT, 1, 0)->order_reject.venue_code, -2010);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 10000, 0, 4, 0, 0, 2); /* 0.04 USDT */
    assert_int_equal(find(h, NX_EV_ORDER_REJECT, 2, 0)->order_reject.reason, NX_SIM_R_MIN_NOTIONAL);
    assert_int_equal(find(h, NX_EV_ORDER_REJECT, 2, 0)->order_reject.venue_code, -1013);
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_INTENT);
    ev.order_intent.h.ts_recv = T0;
    ev.order_intent.intent_id = 3;
    ev.order_intent.instrument = 7;
    ev.order_intent.side = NX_SIDE_BUY;
    ev.order_intent.ord_type = NX_ORD_LIMIT;
    ev.order_intent.tif = NX_TIF_GTC;
    ev.order_intent.price_scale = 3; /* 100.005: off the 0.01 tick */
    ev.order_intent.qty_scale = 4;
    ev.order_intent.price = 100005;
    ev.order_intent.qty = 1000;
    assert_int_equal(nx_sim_handle(h->s, &ev.h), NX_OK);
    assert_int_equal(find(h, NX_EV_ORDER_REJECT, 3, 0)->order_reject.reason, NX_SIM_R_PRICE_FILTER);
    action(h, T0, NX_ORDA_CANCEL, 999, 0, 0);
    assert_int_equal(find(h, NX_EV_ORDER_REJECT, 999, 0)->order_reject.venue_code, -2011);
    assert_true(bal(h, h->usdt) >= 0);
    done(h);
}

static void gtd_order_expires_at_its_time(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_BARS, NULL);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTD, 9000, 0, 1000, 0, 0, 1);
    nx_ts_t due;
    assert_int_equal(nx_sim_next_due(h->s, &due), NX_OK);
    assert_int_equal(due, T0 + 10 * SEC);
    assert_int_equal(nx_sim_advance(h->s, T0 + 10 * SEC - 1), NX_OK);
    assert_null(find(h, NX_EV_ORDER_EXPIRE, 1, 0));
    assert_int_equal(nx_sim_advance(h->s, T0 + 10 * SEC), NX_OK);
    const nx_event_t *e = find(h, NX_EV_ORDER_EXPIRE, 1, 0);
    assert_int_equal(e->order_expire.reason, NX_SIM_R_GTD);
    nx_sim_balance_t bl;
    nx_sim_balance(h->s, 0, h->usdt, &bl);
    assert_int_equal(bl.locked, 0);
    done(h);
}

static void amend_and_cancel_all(void **state) {
    (void)state;
    h_t *h = mk(NX_SIM_FILL_TRADES, NULL);
    intent(h, T0, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 9000, 0, 2000, 0, 0, 1);
    intent(h, T0, NX_SIDE_SELL, NX_ORD_LIMIT, NX_TIF_GTC, 11000, 0, 2000, 0, 0, 2);
    action(h, T0 + 1, NX_ORDA_AMEND, 1, 9500, 1000);
    const nx_event_t *a = find(h, NX_EV_ORDER_ACK, 1, 1);
    assert_int_equal(a->order_ack.reason, NX_SIM_R_AMENDED);
    assert_int_equal(a->order_ack.price, 9500);
    trade(h, T0 + 2, 9499, 5000, NX_SIDE_SELL);
    assert_int_equal(find(h, NX_EV_FILL, 1, 0)->fill.qty, 1000);
    assert_int_equal(find(h, NX_EV_FILL, 1, 0)->fill.price, 9500);
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_INTENT);
    ev.order_intent.h.ts_recv = T0 + 4;
    ev.order_intent.strategy = 1;
    ev.order_intent.instrument = UINT32_MAX;
    ev.order_intent.action = NX_ORDA_CANCEL_ALL;
    assert_int_equal(nx_sim_handle(h->s, &ev.h), NX_OK);
    assert_int_equal(find(h, NX_EV_ORDER_CANCEL, 2, 0)->order_cancel.reason, NX_SIM_R_USER);
    nx_sim_balance_t bl;
    nx_sim_balance(h->s, 0, h->btc, &bl);
    assert_int_equal(bl.locked, 0);
    done(h);
}

/* ---- margin ------------------------------------------------------------------------- */

static void reduce_only_and_liquidation_of_a_margin_account(void **state) {
    (void)state;
    static out_t out;
    memset(&out, 0, sizeof out);
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = NX_SIM_FILL_TRADES;
    nx_sim_t *s;
    assert_int_equal(nx_sim_new(&c, &s), NX_OK);
    uint32_t usdt;
    assert_int_equal(nx_sim_add_asset(s, "USDT", 8, &usdt), NX_OK);
    nx_instrument_t in = spot();
    in.id = 9;
    in.asset_class = NX_ASSET_PERPETUAL;
    in.maker_fee = in.taker_fee = nx_dec_make(0, 0);
    nx_sim_instr_opts_t io;
    nx_sim_instr_opts_default(&io); /* 10x, maintenance 0.5 % */
    assert_int_equal(nx_sim_add_instrument(s, &in, &io), NX_OK);
    nx_sim_set_output(s, collect, &out);
    assert_int_equal(nx_sim_deposit(s, 0, usdt, nx_dec_make(101, 0)), NX_OK);
    h_t hh = {.s = s};
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_TRADE);
    ev.trade.instrument = 9;
    ev.trade.price_scale = 2;
    ev.trade.qty_scale = 4;
    ev.trade.qty = 1000;
    ev.trade.price = 100000;
    ev.trade.h.ts_recv = T0;
    assert_int_equal(nx_sim_handle(s, &ev.h), NX_OK);
    nx_event_t it;
    nx_event_init(&it, NX_EV_ORDER_INTENT);
    it.order_intent.h.ts_recv = T0 + 1;
    it.order_intent.intent_id = 1;
    it.order_intent.instrument = 9;
    it.order_intent.side = NX_SIDE_SELL;
    it.order_intent.ord_type = NX_ORD_MARKET;
    it.order_intent.tif = NX_TIF_IOC;
    it.order_intent.price_scale = 2;
    it.order_intent.qty_scale = 4;
    it.order_intent.qty = 10000;
    it.order_intent.flags = NX_ORDF_REDUCE_ONLY; /* no position: nothing to reduce */
    assert_int_equal(nx_sim_handle(s, &it.h), NX_OK);
    memcpy(&hh.out, &out, sizeof out);
    assert_int_equal(find(&hh, NX_EV_ORDER_REJECT, 1, 0)->order_reject.venue_code, -2022);
    /* long 1 BTC at 1000.00 with 101 USDT: 10x leverage */
    it.order_intent.intent_id = 2;
    it.order_intent.side = NX_SIDE_BUY;
    it.order_intent.flags = 0;
    assert_int_equal(nx_sim_handle(s, &it.h), NX_OK);
    ev.trade.h.ts_recv = T0 + 2;
    assert_int_equal(nx_sim_handle(s, &ev.h), NX_OK);
    nx_sim_position_t p;
    assert_int_equal(nx_sim_position(s, 0, 9, &p), NX_OK);
    assert_int_equal(p.qty, 10000);
    /* equity 101 - 96 = 5 >= maintenance 904 x 0.5 % = 4.52: alive */
    ev.trade.price = 90400;
    ev.trade.h.ts_recv = T0 + 3;
    assert_int_equal(nx_sim_handle(s, &ev.h), NX_OK);
    assert_int_equal(nx_sim_position(s, 0, 9, &p), NX_OK);
    assert_int_equal(p.qty, 10000);
    /* equity 101 - 97 = 4 < 4.515: liquidated at the mark with a 0.5 % fee */
    ev.trade.price = 90300;
    ev.trade.h.ts_recv = T0 + 4;
    assert_int_equal(nx_sim_handle(s, &ev.h), NX_OK);
    assert_int_equal(nx_sim_position(s, 0, 9, &p), NX_OK);
    assert_int_equal(p.qty, 0);
    memcpy(&hh.out, &out, sizeof out);
    const nx_event_t *f = NULL;
    for (size_t i = 0; i < out.n; i++)
        if (out.ev[i].h.type == NX_EV_FILL && (out.ev[i].fill.flags & NX_FILLF_LIQUIDATION))
            f = &out.ev[i];
    assert_non_null(f);
    assert_int_equal(f->fill.price, 90300);
    assert_int_equal(f->fill.fee, 451500000); /* 903.00 x 0.005 */
    nx_sim_balance_t b;
    nx_sim_balance(s, 0, usdt, &b);
    assert_true(b.total >= 0);
    int64_t fees, market;
    nx_sim_ledger(s, usdt, &fees, &market);
    assert_int_equal(b.total + fees + market, 101 * 100000000LL); /* conserved */
    nx_sim_stats_t st;
    nx_sim_get_stats(s, &st);
    assert_int_equal(st.liquidations, 1);
    nx_sim_free(s);
}

/* ---- determinism ------------------------------------------------------------------ */

static size_t random_run(uint64_t seed, unsigned char *buf, size_t cap) {
    static out_t out;
    memset(&out, 0, sizeof out);
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = NX_SIM_FILL_TRADES;
    c.seed = seed;
    c.lat_entry.kind = NX_SIM_LAT_LOGNORMAL;
    c.lat_entry.ns = 2 * NX_NS_PER_MS;
    c.lat_entry.sigma = 0.5;
    c.lat_ack.kind = NX_SIM_LAT_LOGNORMAL;
    c.lat_ack.ns = NX_NS_PER_MS;
    c.lat_ack.sigma = 0.3;
    c.impact.model = NX_SIM_IMPACT_SQRT;
    c.impact.gamma = 0.5;
    c.impact.sigma = 0.02;
    c.impact.adv = 1000;
    nx_sim_t *s;
    assert_int_equal(nx_sim_new(&c, &s), NX_OK);
    uint32_t usdt, btc;
    nx_sim_add_asset(s, "USDT", 8, &usdt);
    nx_sim_add_asset(s, "BTC", 8, &btc);
    nx_instrument_t in = spot();
    nx_sim_add_instrument(s, &in, NULL);
    nx_sim_set_output(s, collect, &out);
    nx_sim_deposit(s, 0, usdt, nx_dec_make(100000, 0));
    nx_sim_deposit(s, 0, btc, nx_dec_make(100, 0));
    nx_rng_t r;
    nx_rng_seed(&r, 1234);
    int64_t px = 10000;
    size_t len = 0;
    for (int i = 0; i < 3000; i++) {
        nx_event_t ev;
        int64_t ts = T0 + i * NX_NS_PER_MS;
        if (nx_rng_below(&r, 3) == 0) {
            nx_event_init(&ev, NX_EV_ORDER_INTENT);
            nx_ev_order_intent_t *it = &ev.order_intent;
            it->h.ts_recv = ts;
            it->intent_id = (uint64_t)i + 1;
            it->instrument = 7;
            it->side = nx_rng_below(&r, 2) ? NX_SIDE_BUY : NX_SIDE_SELL;
            it->ord_type = (uint8_t)(nx_rng_below(&r, 3) == 0 ? NX_ORD_MARKET : NX_ORD_LIMIT);
            it->tif = NX_TIF_GTC;
            it->price_scale = 2;
            it->qty_scale = 4;
            it->price = px + (int64_t)nx_rng_below(&r, 41) - 20;
            it->qty = 100 * (1 + (int64_t)nx_rng_below(&r, 20));
        } else {
            px += (int64_t)nx_rng_below(&r, 11) - 5;
            nx_event_init(&ev, NX_EV_TRADE);
            ev.trade.h.ts_recv = ts;
            ev.trade.instrument = 7;
            ev.trade.price_scale = 2;
            ev.trade.qty_scale = 4;
            ev.trade.price = px;
            ev.trade.qty = 1000;
            ev.trade.aggressor = (uint8_t)(1 + nx_rng_below(&r, 2));
        }
        assert_int_equal(nx_sim_handle(s, &ev.h), NX_OK);
    }
    nx_sim_advance(s, T0 + 10 * SEC);
    for (size_t i = 0; i < out.n; i++) {
        assert_true(len + out.ev[i].h.size <= cap);
        memcpy(buf + len, &out.ev[i], out.ev[i].h.size);
        len += out.ev[i].h.size;
    }
    nx_sim_free(s);
    return len;
}

static void two_runs_give_byte_identical_execution_streams(void **state) {
    (void)state;
    static unsigned char a[4096 * 256], b[4096 * 256];
    size_t la = random_run(5, a, sizeof a), lb = random_run(5, b, sizeof b);
    assert_true(la > 10000);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    size_t lc = random_run(6, b, sizeof b); /* another seed: other latencies */
    assert_true(lc != la || memcmp(a, b, la) != 0);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(market_order_fills_at_the_next_bar_open_with_taker_fee),
    NX_CASE(limit_fills_at_its_price_inside_a_bar_and_at_the_open_on_a_gap),
    NX_CASE(gap_through_a_stop_fills_at_the_open),
    NX_CASE(stop_and_target_in_one_bar_the_nearer_extreme_decides),
    NX_CASE(bracket_children_go_live_when_the_entry_fills),
    NX_CASE(trailing_stop_follows_the_high_and_fires_on_the_pullback),
    NX_CASE(resting_limit_fills_on_a_print_through_its_price_capped_by_its_size),
    NX_CASE(entry_latency_no_fill_from_prints_before_arrival),
    NX_CASE(market_order_walks_the_book_and_fok_partial_is_cancelled),
    NX_CASE(post_only_that_would_take_is_rejected_with_2010),
    NX_CASE(queue_position_volume_model_fills_after_the_queue_ahead_trades),
    NX_CASE(rate_limit_rejects_like_a_429_and_resets_next_window),
    NX_CASE(duplicate_client_id_returns_the_existing_order),
    NX_CASE(insufficient_balance_and_filters_reject_with_exchange_codes),
    NX_CASE(gtd_order_expires_at_its_time),
    NX_CASE(amend_and_cancel_all),
    NX_CASE(reduce_only_and_liquidation_of_a_margin_account),
    NX_CASE(two_runs_give_byte_identical_execution_streams),
};

NX_TEST_MAIN(cases)
