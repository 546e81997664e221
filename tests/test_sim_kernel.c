/* The simulated venue as a kernel component: intents in, reports out, with
 * latency on kernel timers, causation back to the intent, and byte-identical
 * journals (sink bytes) across runs. */
#include <stdlib.h>
#include <string.h>

#include "nexus/kernel.h"
#include "nexus/sim.h"
#include "nx_test.h"

#define MS NX_NS_PER_MS

typedef struct {
    nx_ev_trade_t ev[200];
    size_t n, i;
} src_t;

static int src_next(void *ctx, nx_event_hdr_t **out) {
    src_t *s = ctx;
    if (s->i >= s->n) return NX_EEND;
    *out = &s->ev[s->i++].h;
    return NX_OK;
}

typedef struct {
    unsigned char *buf;
    size_t len, cap;
} sink_t;

static int sink(void *ctx, const nx_event_hdr_t *ev) {
    sink_t *s = ctx;
    if (s->len + ev->size > s->cap) {
        s->cap = (s->cap + ev->size) * 2;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, ev, ev->size);
    s->len += ev->size;
    return 0;
}

/* A tiny strategy: on the 10th trade buy 0.1 at market; on the 50th sell it. */
typedef struct {
    uint32_t intents;
    int trades;
    uint64_t next_id;
} strat_t;

static int on_trade(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    strat_t *st = ctx;
    const nx_ev_trade_t *t = (const nx_ev_trade_t *)ev;
    st->trades++;
    if (st->trades != 10 && st->trades != 50) return 0;
    nx_ev_order_intent_t oi;
    nx_event_init((nx_event_t *)(void *)&oi, NX_EV_ORDER_INTENT);
    assert_int_equal(nx_intent_id(1, ++st->next_id, &oi.intent_id), 0);
    oi.strategy = 1;
    oi.instrument = t->instrument;
    oi.side = st->trades == 10 ? NX_SIDE_BUY : NX_SIDE_SELL;
    oi.ord_type = NX_ORD_MARKET;
    oi.tif = NX_TIF_IOC;
    oi.price_scale = 2;
    oi.qty_scale = 4;
    oi.qty = 1000; /* 0.1000 */
    oi.action = NX_ORDA_NEW;
    return nx_kernel_emit(k, &oi.h, st->intents);
}

typedef struct {
    nx_event_t ev[64];
    size_t n;
} rec_t;

static int record(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)k;
    rec_t *r = ctx;
    if (r->n < 64) memcpy(&r->ev[r->n], ev, ev->size);
    r->n++;
    return 0;
}

static void run(sink_t *out, rec_t *execs, rec_t *intents) {
    nx_kernel_opts_t ko;
    nx_kernel_opts_default(&ko);
    ko.sink = sink;
    ko.sink_ctx = out;
    nx_kernel_t *k;
    assert_int_equal(nx_kernel_new(&ko, &k), 0);
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = NX_SIM_FILL_TRADES;
    c.seed = 7;
    c.lat_entry.kind = NX_SIM_LAT_LOGNORMAL;
    c.lat_entry.ns = 3 * MS;
    c.lat_entry.sigma = 0.5;
    c.lat_ack.kind = NX_SIM_LAT_CONSTANT;
    c.lat_ack.ns = 2 * MS;
    nx_sim_t *s;
    assert_int_equal(nx_sim_new(&c, &s), 0);
    uint32_t usdt, btc;
    assert_int_equal(nx_sim_add_asset(s, "USDT", 8, &usdt), 0);
    assert_int_equal(nx_sim_add_asset(s, "BTC", 8, &btc), 0);
    nx_instrument_t in;
    memset(&in, 0, sizeof in);
    in.id = 3;
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
    in.taker_fee = nx_dec_make(1, 3);
    assert_int_equal(nx_sim_add_instrument(s, &in, NULL), 0);
    assert_int_equal(nx_sim_deposit(s, 0, usdt, nx_dec_make(100000, 0)), 0);
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.BTCUSDT", &md), 0);
    static strat_t st;
    memset(&st, 0, sizeof st);
    assert_int_equal(nx_kernel_topic(k, "exec.intents", &st.intents), 0);
    assert_int_equal(nx_sim_attach(s, k, NULL, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "md.trades.*", on_trade, &st, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.orders.*", record, execs, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.fills.*", record, execs, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.intents", record, intents, NULL), 0);
    static src_t src;
    memset(&src, 0, sizeof src);
    src.n = 200;
    for (size_t i = 0; i < src.n; i++) {
        nx_ev_trade_t *t = &src.ev[i];
        nx_event_init((nx_event_t *)(void *)t, NX_EV_TRADE);
        t->h.ts_recv = t->h.ts_venue = 1723161255000000000LL + (int64_t)i * MS;
        t->h.topic = md;
        t->instrument = 3;
        t->price_scale = 2;
        t->qty_scale = 4;
        t->price = 6183763 + (int64_t)(i % 7);
        t->qty = 5000;
        t->trade_id = 1000 + i;
        t->aggressor = i % 2 ? NX_SIDE_BUY : NX_SIDE_SELL;
    }
    nx_source_t so = {"trades", src_next, &src};
    assert_int_equal(nx_kernel_add_source(k, &so), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    nx_sim_balance_t b;
    assert_int_equal(nx_sim_balance(s, 0, btc, &b), 0);
    assert_int_equal(b.total, 0); /* bought 0.1 and sold it back */
    nx_sim_free(s);
    nx_kernel_free(k);
}

static void venue_reports_flow_through_the_kernel_with_latency_and_causation(void **state) {
    (void)state;
    static rec_t execs, intents;
    memset(&execs, 0, sizeof execs);
    memset(&intents, 0, sizeof intents);
    sink_t out = {0};
    run(&out, &execs, &intents);
    assert_int_equal(intents.n, 2);
    size_t fills = 0, acks = 0;
    for (size_t i = 0; i < execs.n; i++) {
        const nx_event_hdr_t *h = &execs.ev[i].h;
        /* every report names its intent as the cause, and that intent's trace */
        int found = 0;
        for (size_t j = 0; j < intents.n; j++) {
            const nx_ev_order_intent_t *it = &intents.ev[j].order_intent;
            if (h->causation_id == it->h.seq) {
                found = 1;
                assert_int_equal(h->trace_id, it->h.trace_id);
                /* nothing happens before the intent plus its latencies */
                assert_true(h->ts_recv >= it->h.ts_recv + 2 * MS);
            }
        }
        assert_true(found);
        if (h->type == NX_EV_FILL) {
            fills++;
            assert_int_equal(execs.ev[i].fill.liquidity, NX_LIQ_TAKER);
            assert_true(execs.ev[i].fill.fee > 0);
        }
        if (h->type == NX_EV_ORDER_ACK) acks++;
    }
    assert_true(fills >= 2);
    assert_int_equal(acks, 2);
    free(out.buf);
}

static void two_runs_give_byte_identical_event_streams(void **state) {
    (void)state;
    static rec_t e1, i1, e2, i2;
    memset(&e1, 0, sizeof e1);
    memset(&i1, 0, sizeof i1);
    memset(&e2, 0, sizeof e2);
    memset(&i2, 0, sizeof i2);
    sink_t a = {0}, b = {0};
    run(&a, &e1, &i1);
    run(&b, &e2, &i2);
    assert_true(a.len > 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    free(a.buf);
    free(b.buf);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(venue_reports_flow_through_the_kernel_with_latency_and_causation),
    NX_CASE(two_runs_give_byte_identical_event_streams),
};

NX_TEST_MAIN(cases)
