/* Kernel: merge order, bus routing, causation, timers, clock, rings, limits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/kernel.h"
#include "nx_test.h"

/* ---- a source over an array of trade events ---------------------------- */

typedef struct {
    nx_ev_trade_t *ev;
    size_t n, i;
} arr_src_t;

static int arr_next(void *ctx, nx_event_hdr_t **out) {
    arr_src_t *s = ctx;
    if (s->i >= s->n) return NX_EEND;
    *out = &s->ev[s->i++].h;
    return NX_OK;
}

static void make_trade(nx_ev_trade_t *t, int64_t ts, uint32_t topic, uint32_t instrument,
                       int64_t price) {
    nx_event_init((nx_event_t *)(void *)t, NX_EV_TRADE);
    t->h.ts_recv = ts;
    t->h.ts_venue = ts;
    t->h.topic = topic;
    t->instrument = instrument;
    t->price = price;
    t->qty = 1;
    t->price_scale = 2;
}

/* ---- a recorder: handler that logs what it saw ------------------------- */

typedef struct {
    nx_event_t seen[4096];
    size_t n;
    int tag;
    int order_log[4096];
    int *shared_order;
    size_t *shared_n;
} rec_t;

static int rec_handler(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)k;
    rec_t *r = ctx;
    if (r->n < 4096) memcpy(&r->seen[r->n], ev, ev->size);
    r->n++;
    if (r->shared_order) r->shared_order[(*r->shared_n)++] = r->tag;
    return 0;
}

/* A sink that records the raw bytes of every event (a journal stand-in). */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int fail_at_seq;
} bytes_sink_t;

static int bytes_sink(void *ctx, const nx_event_hdr_t *ev) {
    bytes_sink_t *s = ctx;
    if (s->fail_at_seq && ev->seq == (uint64_t)s->fail_at_seq) return NX_ERR(NX_EIO, "disk full");
    if (s->len + ev->size > s->cap) {
        s->cap = (s->cap + ev->size) * 2;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, ev, ev->size);
    s->len += ev->size;
    return 0;
}

static nx_kernel_t *new_kernel(nx_sink_fn sink, void *ctx) {
    nx_kernel_opts_t o;
    nx_kernel_opts_default(&o);
    o.sink = sink;
    o.sink_ctx = ctx;
    nx_kernel_t *k = NULL;
    assert_int_equal(nx_kernel_new(&o, &k), 0);
    return k;
}

static void equal_timestamps_from_several_sources_dispatch_in_source_order(void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t topic;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &topic), 0);
    static nx_ev_trade_t a[3], b[3], c[3];
    arr_src_t sa = {a, 3, 0}, sb = {b, 3, 0}, sc = {c, 3, 0};
    for (int i = 0; i < 3; i++) {
        make_trade(&a[i], 100 * (i + 1), topic, 1, i);
        make_trade(&b[i], 100 * (i + 1), topic, 2, i);
        make_trade(&c[i], 100 * (i + 1), topic, 3, i);
    }
    /* registration order: c, a, b */
    nx_source_t s1 = {"c", arr_next, &sc}, s2 = {"a", arr_next, &sa}, s3 = {"b", arr_next, &sb};
    assert_int_equal(nx_kernel_add_source(k, &s1), 0);
    assert_int_equal(nx_kernel_add_source(k, &s2), 0);
    assert_int_equal(nx_kernel_add_source(k, &s3), 0);
    static rec_t r;
    memset(&r, 0, sizeof r);
    assert_int_equal(nx_kernel_subscribe(k, "md.trades.*", rec_handler, &r, NULL), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    assert_int_equal(r.n, 9);
    static const uint32_t want[9] = {3, 1, 2, 3, 1, 2, 3, 1, 2};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(r.seen[i].trade.instrument, want[i]);
        assert_int_equal(r.seen[i].h.ts_recv, 100 * (i / 3 + 1));
        if (i) assert_true(r.seen[i].h.seq == r.seen[i - 1].h.seq + 1);
    }
    nx_kernel_free(k);
}

static void merge_of_random_sources_is_sorted_by_time_then_source(void **state) {
    (void)state;
    nx_rng_t rng;
    nx_rng_seed(&rng, 42);
    for (int round = 0; round < 50; round++) {
        nx_kernel_t *k = new_kernel(NULL, NULL);
        uint32_t topic;
        assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &topic), 0);
        enum { NS = 5, NE = 60 };
        static nx_ev_trade_t evs[NS][NE];
        static arr_src_t srcs[NS];
        for (int s = 0; s < NS; s++) {
            int64_t ts = (int64_t)nx_rng_below(&rng, 5);
            size_t n = nx_rng_below(&rng, NE + 1);
            for (size_t i = 0; i < n; i++) {
                ts += (int64_t)nx_rng_below(&rng, 3); /* many ties */
                make_trade(&evs[s][i], ts, topic, (uint32_t)s, (int64_t)i);
            }
            srcs[s] = (arr_src_t){evs[s], n, 0};
            nx_source_t src = {"s", arr_next, &srcs[s]};
            assert_int_equal(nx_kernel_add_source(k, &src), 0);
        }
        static rec_t r;
        memset(&r, 0, sizeof r);
        assert_int_equal(nx_kernel_subscribe(k, "*", rec_handler, &r, NULL), 0);
        assert_int_equal(nx_kernel_run(k, 0), 0);
        size_t total = 0;
        for (int s = 0; s < NS; s++) total += srcs[s].n;
        assert_int_equal(r.n, total);
        int64_t last_idx[NS];
        for (int s = 0; s < NS; s++) last_idx[s] = -1;
        for (size_t i = 0; i < r.n; i++) {
            const nx_ev_trade_t *t = &r.seen[i].trade;
            if (i) {
                const nx_ev_trade_t *p = &r.seen[i - 1].trade;
                assert_true(p->h.ts_recv < t->h.ts_recv ||
                            (p->h.ts_recv == t->h.ts_recv && p->instrument <= t->instrument));
            }
            assert_int_equal(t->price, last_idx[t->instrument] + 1); /* per-source order kept */
            last_idx[t->instrument] = t->price;
        }
        nx_kernel_free(k);
    }
}

/* A strategy-like handler: on every trade emit a signal; on a signal emit an intent. */
typedef struct {
    uint32_t sig_topic, intent_topic;
} chain_t;

static int chain_on_trade(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    chain_t *c = ctx;
    const nx_ev_trade_t *t = (const nx_ev_trade_t *)ev;
    nx_ev_signal_t s;
    nx_event_init((nx_event_t *)(void *)&s, NX_EV_SIGNAL);
    s.instrument = t->instrument;
    s.direction = t->price % 2 ? 1 : -1;
    s.confidence = 0.5;
    return nx_kernel_emit(k, &s.h, c->sig_topic);
}

static int chain_on_signal(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    chain_t *c = ctx;
    const nx_ev_signal_t *s = (const nx_ev_signal_t *)ev;
    nx_ev_order_intent_t oi;
    nx_event_init((nx_event_t *)(void *)&oi, NX_EV_ORDER_INTENT);
    oi.instrument = s->instrument;
    oi.side = s->direction > 0 ? NX_SIDE_BUY : NX_SIDE_SELL;
    oi.qty = 1;
    return nx_kernel_emit(k, &oi.h, c->intent_topic);
}

static void run_chain_sliced(bytes_sink_t *sink, rec_t *all, uint64_t slice);
static void run_chain(bytes_sink_t *sink, rec_t *all) { run_chain_sliced(sink, all, 0); }

static void run_chain_sliced(bytes_sink_t *sink, rec_t *all, uint64_t slice) {
    nx_kernel_t *k = new_kernel(bytes_sink, sink);
    uint32_t md, sig, intent;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.BTCUSDT", &md), 0);
    assert_int_equal(nx_kernel_topic(k, "signals.chain.BTCUSDT", &sig), 0);
    assert_int_equal(nx_kernel_topic(k, "exec.intents", &intent), 0);
    static chain_t c;
    c.sig_topic = sig;
    c.intent_topic = intent;
    static nx_ev_trade_t a[50], b[50];
    for (int i = 0; i < 50; i++) {
        make_trade(&a[i], 1000 + 10 * i, md, 1, i);
        make_trade(&b[i], 1000 + 10 * i + (i % 3 == 0 ? 0 : 5), md, 2, i + 100);
    }
    arr_src_t sa = {a, 50, 0}, sb = {b, 50, 0};
    nx_source_t s1 = {"a", arr_next, &sa}, s2 = {"b", arr_next, &sb};
    assert_int_equal(nx_kernel_add_source(k, &s1), 0);
    assert_int_equal(nx_kernel_add_source(k, &s2), 0);
    assert_int_equal(nx_kernel_subscribe(k, "md.trades.*", chain_on_trade, &c, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "signals.*", chain_on_signal, &c, NULL), 0);
    if (all) assert_int_equal(nx_kernel_subscribe(k, "*", rec_handler, all, NULL), 0);
    uint32_t tt;
    assert_int_equal(nx_kernel_topic(k, "ops.heartbeat", &tt), 0);
    assert_int_equal(nx_kernel_timer_at(k, 1000, 100, tt, 7, NULL), 0);
    if (slice) {
        nx_kernel_stats_t st;
        uint64_t before;
        do {
            nx_kernel_get_stats(k, &st);
            before = st.source_events;
            assert_int_equal(nx_kernel_run(k, slice), 0);
            nx_kernel_get_stats(k, &st);
        } while (st.source_events - before == slice);
    } else {
        assert_int_equal(nx_kernel_run(k, 0), 0);
    }
    nx_kernel_free(k);
}

static void two_runs_of_the_same_input_produce_byte_identical_journals(void **state) {
    (void)state;
    bytes_sink_t s1 = {0}, s2 = {0};
    run_chain(&s1, NULL);
    run_chain(&s2, NULL);
    assert_true(s1.len > 0);
    assert_int_equal(s1.len, s2.len);
    assert_memory_equal(s1.buf, s2.buf, s1.len);
    free(s1.buf);
    free(s2.buf);
}

static void running_in_slices_gives_the_same_journal_as_one_run(void **state) {
    (void)state;
    bytes_sink_t whole = {0};
    run_chain(&whole, NULL);
    static const uint64_t slices[] = {1, 2, 3, 7, 100};
    for (size_t i = 0; i < NX_ARRAY_LEN(slices); i++) {
        bytes_sink_t s = {0};
        run_chain_sliced(&s, NULL, slices[i]);
        assert_int_equal(s.len, whole.len);
        assert_memory_equal(s.buf, whole.buf, whole.len);
        free(s.buf);
    }
    free(whole.buf);
}

static void emitted_events_carry_causation_and_trace_and_run_before_the_next_source_event(
    void **state) {
    (void)state;
    static rec_t all;
    memset(&all, 0, sizeof all);
    bytes_sink_t s = {0};
    run_chain(&s, &all);
    /* Sequence numbers are contiguous in dispatch order. */
    for (size_t i = 1; i < all.n; i++) assert_int_equal(all.seen[i].h.seq, all.seen[i - 1].h.seq + 1);
    size_t trades = 0, checked = 0;
    for (size_t i = 0; i < all.n; i++) {
        const nx_event_hdr_t *h = &all.seen[i].h;
        if (h->type == NX_EV_TRADE) {
            trades++;
            assert_int_equal(h->causation_id, 0);
            assert_int_equal(h->trace_id, h->seq);
            /* the next two events are its signal and that signal's intent */
            const nx_event_hdr_t *sg = &all.seen[i + 1].h, *oi = &all.seen[i + 2].h;
            assert_int_equal(sg->type, NX_EV_SIGNAL);
            assert_int_equal(sg->causation_id, h->seq);
            assert_int_equal(sg->trace_id, h->seq);
            assert_int_equal(oi->type, NX_EV_ORDER_INTENT);
            assert_int_equal(oi->causation_id, sg->seq);
            assert_int_equal(oi->trace_id, h->seq);
            assert_int_equal(sg->ts_recv, h->ts_recv);
            checked++;
        }
    }
    assert_int_equal(trades, 100);
    assert_int_equal(checked, 100);
    free(s.buf);
}

static void sink_sees_every_event_in_sequence_order_including_topic_definitions(void **state) {
    (void)state;
    bytes_sink_t s = {0};
    run_chain(&s, NULL);
    size_t off = 0;
    uint64_t prev = 0;
    int topic_defs = 0;
    while (off < s.len) {
        nx_event_hdr_t h;
        memcpy(&h, s.buf + off, sizeof h);
        assert_int_equal(nx_event_check(s.buf + off, h.size), 0);
        assert_int_equal(h.seq, prev + 1);
        prev = h.seq;
        if (h.type == NX_EV_TOPIC_DEF) topic_defs++;
        off += h.size;
    }
    assert_int_equal(topic_defs, 4);
    free(s.buf);
}

/* A delayed answer names its real cause, not the timer that released it. */
typedef struct {
    uint32_t ack_topic;
    uint64_t intent_seq, intent_trace;
} delay_t;

static int delay_on_intent(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)k;
    delay_t *d = ctx;
    d->intent_seq = ev->seq;
    d->intent_trace = ev->trace_id;
    return 0;
}

static int delay_on_timer(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    delay_t *d = ctx;
    (void)ev;
    nx_ev_order_t ack;
    nx_event_init((nx_event_t *)(void *)&ack, NX_EV_ORDER_ACK);
    return nx_kernel_emit_caused(k, &ack.h, d->ack_topic, d->intent_seq, d->intent_trace);
}

static void a_delayed_answer_can_name_its_real_cause(void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t it, tt, at;
    assert_int_equal(nx_kernel_topic(k, "exec.intents", &it), 0);
    assert_int_equal(nx_kernel_topic(k, "timer.venue", &tt), 0);
    assert_int_equal(nx_kernel_topic(k, "exec.orders", &at), 0);
    static delay_t d;
    static rec_t r;
    memset(&r, 0, sizeof r);
    d.ack_topic = at;
    assert_int_equal(nx_kernel_subscribe(k, "exec.intents", delay_on_intent, &d, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "timer.venue", delay_on_timer, &d, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.orders", rec_handler, &r, NULL), 0);
    nx_ev_order_intent_t oi;
    nx_event_init((nx_event_t *)(void *)&oi, NX_EV_ORDER_INTENT);
    oi.h.ts_recv = 100;
    assert_int_equal(nx_kernel_emit(k, &oi.h, it), 0);
    static nx_ev_trade_t a[1];
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.x", &md), 0);
    make_trade(&a[0], 1000, md, 1, 1);
    arr_src_t sa = {a, 1, 0};
    nx_source_t s = {"a", arr_next, &sa};
    assert_int_equal(nx_kernel_add_source(k, &s), 0);
    assert_int_equal(nx_kernel_timer_at(k, 500, 0, tt, 0, NULL), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.seen[0].h.causation_id, d.intent_seq);
    assert_int_equal(r.seen[0].h.trace_id, d.intent_trace);
    nx_ev_order_t bad;
    nx_event_init((nx_event_t *)(void *)&bad, NX_EV_ORDER_ACK);
    assert_int_equal(nx_kernel_emit_caused(k, &bad.h, at, 999999, 1), NX_EINVAL);
    nx_kernel_free(k);
}

static void topic_patterns_match_segments_and_trailing_star_matches_the_rest(void **state) {
    (void)state;
    assert_true(nx_topic_match("md.trades.binance.BTCUSDT", "md.trades.binance.BTCUSDT"));
    assert_false(nx_topic_match("md.trades.binance.BTCUSDT", "md.trades.binance.ETHUSDT"));
    assert_true(nx_topic_match("md.trades.*", "md.trades.binance.BTCUSDT"));
    assert_true(nx_topic_match("md.*.binance.BTCUSDT", "md.trades.binance.BTCUSDT"));
    assert_false(nx_topic_match("md.*.binance", "md.trades.binance.BTCUSDT"));
    assert_true(nx_topic_match("md.trades.*.BTCUSDT", "md.trades.kraken.BTCUSDT"));
    assert_false(nx_topic_match("md.trades.*.BTCUSDT", "md.trades.kraken.ETHUSDT"));
    assert_true(nx_topic_match("*", "ops"));
    assert_true(nx_topic_match("*", "ops.telemetry.kernel"));
    assert_false(nx_topic_match("signals.*", "signals"));
    assert_true(nx_topic_match("signals.*", "signals.sma"));
    assert_false(nx_topic_match("md.trades", "md.trades.binance"));
    assert_false(nx_topic_match("md.trades.binance", "md.trades"));
    assert_false(nx_topic_match("md.trade", "md.trades"));
}

static void bad_topic_names_and_patterns_are_rejected(void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t id;
    assert_int_equal(nx_kernel_topic(k, "", &id), NX_EINVAL);
    assert_int_equal(nx_kernel_topic(k, "md..trades", &id), NX_EINVAL);
    assert_int_equal(nx_kernel_topic(k, "md.trades.", &id), NX_EINVAL);
    assert_int_equal(nx_kernel_topic(k, "md.tr*des", &id), NX_EINVAL);
    assert_int_equal(nx_kernel_topic(k, "md.*", &id), NX_EINVAL); /* '*' only in patterns */
    assert_int_equal(nx_kernel_topic(k, "md trades", &id), NX_EINVAL);
    char longname[100];
    memset(longname, 'a', sizeof longname - 1);
    longname[99] = 0;
    assert_int_equal(nx_kernel_topic(k, longname, &id), NX_EINVAL);
    assert_int_equal(nx_kernel_subscribe(k, "md.tr*", rec_handler, NULL, NULL), NX_EINVAL);
    assert_int_equal(nx_kernel_subscribe(k, "md.*x", rec_handler, NULL, NULL), NX_EINVAL);
    assert_int_equal(nx_kernel_subscribe(k, "md.*", NULL, NULL, NULL), NX_EINVAL);
    /* interning is idempotent */
    uint32_t a, b;
    assert_int_equal(nx_kernel_topic(k, "risk.decisions", &a), 0);
    assert_int_equal(nx_kernel_topic(k, "risk.decisions", &b), 0);
    assert_int_equal(a, b);
    assert_string_equal(nx_kernel_topic_name(k, a), "risk.decisions");
    assert_null(nx_kernel_topic_name(k, 999));
    nx_kernel_free(k);
}

static void subscriptions_route_to_topics_interned_before_and_after_and_unsubscribe_stops(
    void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    static rec_t r1, r2, r3;
    static int order[64];
    static size_t norder;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    memset(&r3, 0, sizeof r3);
    norder = 0;
    r1.tag = 1, r2.tag = 2, r3.tag = 3;
    r1.shared_order = r2.shared_order = r3.shared_order = order;
    r1.shared_n = r2.shared_n = r3.shared_n = &norder;
    uint32_t t1, t2, s2;
    assert_int_equal(nx_kernel_topic(k, "exec.fills.binance", &t1), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.*", rec_handler, &r1, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.fills.*", rec_handler, &r2, &s2), 0);
    assert_int_equal(nx_kernel_topic(k, "exec.fills.kraken", &t2), 0);
    assert_int_equal(nx_kernel_subscribe(k, "exec.fills.kraken", rec_handler, &r3, NULL), 0);
    nx_ev_fill_t f;
    nx_event_init((nx_event_t *)(void *)&f, NX_EV_FILL);
    assert_int_equal(nx_kernel_emit(k, &f.h, t1), 0);
    assert_int_equal(nx_kernel_emit(k, &f.h, t2), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    /* t1 -> r1, r2 ; t2 -> r1, r2, r3 (subscription order) */
    assert_int_equal(norder, 5);
    static const int want[5] = {1, 2, 1, 2, 3};
    for (int i = 0; i < 5; i++) assert_int_equal(order[i], want[i]);
    assert_int_equal(nx_kernel_unsubscribe(k, s2), 0);
    assert_int_equal(nx_kernel_unsubscribe(k, s2), NX_ENOTFOUND);
    norder = 0;
    assert_int_equal(nx_kernel_emit(k, &f.h, t2), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    assert_int_equal(norder, 2);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 3);
    nx_kernel_free(k);
}

static void timers_fire_before_events_at_the_same_time_on_their_grid_and_ties_by_arming(
    void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t md, tt;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &md), 0);
    assert_int_equal(nx_kernel_topic(k, "timer.test", &tt), 0);
    static nx_ev_trade_t a[4];
    make_trade(&a[0], 100, md, 1, 0);
    make_trade(&a[1], 250, md, 1, 1);
    make_trade(&a[2], 300, md, 1, 2);
    make_trade(&a[3], 1000, md, 1, 3);
    arr_src_t sa = {a, 4, 0};
    nx_source_t s = {"a", arr_next, &sa};
    assert_int_equal(nx_kernel_add_source(k, &s), 0);
    static rec_t r;
    memset(&r, 0, sizeof r);
    assert_int_equal(nx_kernel_subscribe(k, "*", rec_handler, &r, NULL), 0);
    uint64_t periodic, oneshot_b, cancelled;
    assert_int_equal(nx_kernel_timer_at(k, 300, 0, tt, 11, NULL), 0);        /* one-shot A */
    assert_int_equal(nx_kernel_timer_at(k, 300, 0, tt, 12, &oneshot_b), 0);  /* tie: after A */
    assert_int_equal(nx_kernel_timer_at(k, 200, 300, tt, 13, &periodic), 0); /* 200, 500, 800 */
    assert_int_equal(nx_kernel_timer_at(k, 260, 0, tt, 14, &cancelled), 0);
    assert_int_equal(nx_kernel_timer_at(k, 5000, 0, tt, 15, NULL), 0); /* after the data: never */
    assert_int_equal(nx_kernel_timer_cancel(k, cancelled), 0);
    assert_int_equal(nx_kernel_timer_cancel(k, cancelled), NX_ENOTFOUND);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    /* expected: T100, timer13@200, T250, timer11@300, timer12@300, T300, 13@500, 13@800, T1000 */
    struct {
        uint16_t type;
        int64_t ts;
        uint64_t user;
    } want[] = {{NX_EV_TRADE, 100, 0}, {NX_EV_TIMER, 200, 13}, {NX_EV_TRADE, 250, 0},
                {NX_EV_TIMER, 300, 11}, {NX_EV_TIMER, 300, 12}, {NX_EV_TRADE, 300, 0},
                {NX_EV_TIMER, 500, 13}, {NX_EV_TIMER, 800, 13}, {NX_EV_TRADE, 1000, 0}};
    assert_int_equal(r.n, NX_ARRAY_LEN(want));
    for (size_t i = 0; i < NX_ARRAY_LEN(want); i++) {
        assert_int_equal(r.seen[i].h.type, want[i].type);
        assert_int_equal(r.seen[i].h.ts_recv, want[i].ts);
        if (want[i].type == NX_EV_TIMER) {
            assert_int_equal(r.seen[i].timer.user, want[i].user);
            assert_int_equal(r.seen[i].h.topic, tt);
        }
    }
    assert_int_equal(nx_kernel_now(k), 1000);
    assert_int_equal(nx_kernel_timer_cancel(k, periodic), 0);
    nx_kernel_stats_t st;
    nx_kernel_get_stats(k, &st);
    assert_int_equal(st.timers_fired, 5);
    assert_int_equal(st.timers_armed, 1); /* the one past the end */
    nx_kernel_free(k);
}

static void simulated_clock_follows_events_and_counts_late_ones(void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &md), 0);
    static nx_ev_trade_t a[3];
    make_trade(&a[0], 500, md, 1, 0);
    make_trade(&a[1], 400, md, 1, 1); /* out of order inside one source */
    make_trade(&a[2], 600, md, 1, 2);
    arr_src_t sa = {a, 3, 0};
    nx_source_t s = {"a", arr_next, &sa};
    assert_int_equal(nx_kernel_add_source(k, &s), 0);
    assert_int_equal(nx_kernel_run(k, 1), 0);
    assert_int_equal(nx_kernel_now(k), 500);
    assert_int_equal(nx_kernel_run(k, 1), 0);
    assert_int_equal(nx_kernel_now(k), 500); /* time never goes backwards */
    assert_int_equal(nx_kernel_run(k, 0), 0);
    assert_int_equal(nx_kernel_now(k), 600);
    nx_kernel_stats_t st;
    nx_kernel_get_stats(k, &st);
    assert_int_equal(st.late_events, 1);
    assert_int_equal(st.source_events, 3);
    nx_kernel_free(k);
}

static int failing_handler(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)ctx;
    (void)k;
    if (ev->seq >= 4) return NX_ERR(NX_ESTATE, "book out of sequence");
    return 0;
}

static void a_failing_handler_stops_the_kernel_stickily(void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &md), 0);
    static nx_ev_trade_t a[10];
    for (int i = 0; i < 10; i++) make_trade(&a[i], i + 1, md, 1, i);
    arr_src_t sa = {a, 10, 0};
    nx_source_t s = {"a", arr_next, &sa};
    assert_int_equal(nx_kernel_add_source(k, &s), 0);
    assert_int_equal(nx_kernel_subscribe(k, "md.*", failing_handler, NULL, NULL), 0);
    assert_int_equal(nx_kernel_run(k, 0), NX_ESTATE);
    assert_int_equal(nx_kernel_status(k), NX_ESTATE);
    assert_non_null(strstr(nx_err_message(), "book out of sequence"));
    assert_non_null(strstr(nx_err_message(), "md.trades.sim.X"));
    assert_int_equal(nx_kernel_run(k, 0), NX_ESTATE); /* sticky */
    nx_kernel_stats_t st;
    nx_kernel_get_stats(k, &st);
    assert_int_equal(st.source_events, 3); /* seq 2,3 ok (1 is the topic def), 4 failed */
    nx_kernel_free(k);
}

static void a_failing_sink_stops_dispatch_so_nothing_runs_unrecorded(void **state) {
    (void)state;
    bytes_sink_t sink = {0};
    sink.fail_at_seq = 5;
    nx_kernel_t *k = new_kernel(bytes_sink, &sink);
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &md), 0);
    static nx_ev_trade_t a[10];
    for (int i = 0; i < 10; i++) make_trade(&a[i], i + 1, md, 1, i);
    arr_src_t sa = {a, 10, 0};
    nx_source_t s = {"a", arr_next, &sa};
    assert_int_equal(nx_kernel_add_source(k, &s), 0);
    static rec_t r;
    memset(&r, 0, sizeof r);
    assert_int_equal(nx_kernel_subscribe(k, "*", rec_handler, &r, NULL), 0);
    assert_int_equal(nx_kernel_run(k, 0), NX_EIO);
    assert_int_equal(r.n, 3); /* seq 2..4 dispatched; 5 was not recorded so not dispatched */
    nx_kernel_free(k);
    free(sink.buf);
}

static int flood_handler(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    int *rc_out = ctx;
    nx_ev_telemetry_t t;
    nx_event_init((nx_event_t *)(void *)&t, NX_EV_TELEMETRY);
    (void)ev;
    for (int i = 0; i < 100; i++) {
        int rc = nx_kernel_emit(k, &t.h, 0);
        if (rc < 0) {
            *rc_out = rc;
            return 0;
        }
    }
    return 0;
}

static void the_emit_queue_has_a_hard_ceiling(void **state) {
    (void)state;
    nx_kernel_opts_t o;
    nx_kernel_opts_default(&o);
    o.emit_capacity = 64;
    nx_kernel_t *k;
    assert_int_equal(nx_kernel_new(&o, &k), 0);
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.x", &md), 0);
    int rc = 0;
    assert_int_equal(nx_kernel_subscribe(k, "md.x", flood_handler, &rc, NULL), 0);
    nx_ev_trade_t t;
    make_trade(&t, 1, md, 1, 1);
    assert_int_equal(nx_kernel_emit(k, &t.h, 0), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    assert_int_equal(rc, NX_ELIMIT);
    nx_kernel_free(k);
}

static void topic_and_subscription_tables_fail_with_elimit_past_their_ceiling(void **state) {
    (void)state;
    nx_kernel_opts_t o;
    nx_kernel_opts_default(&o);
    o.max_topics = 3;
    o.max_subs = 2;
    o.max_timers = 2;
    nx_kernel_t *k;
    assert_int_equal(nx_kernel_new(&o, &k), 0);
    uint32_t id;
    assert_int_equal(nx_kernel_topic(k, "a", &id), 0);
    assert_int_equal(nx_kernel_topic(k, "b", &id), 0);
    assert_int_equal(nx_kernel_topic(k, "c", &id), 0);
    assert_int_equal(nx_kernel_topic(k, "d", &id), NX_ELIMIT);
    assert_int_equal(nx_kernel_subscribe(k, "a", rec_handler, NULL, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "b", rec_handler, NULL, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "c", rec_handler, NULL, NULL), NX_ELIMIT);
    assert_int_equal(nx_kernel_timer_at(k, 1, 0, id, 0, NULL), 0);
    assert_int_equal(nx_kernel_timer_at(k, 1, 0, id, 0, NULL), 0);
    assert_int_equal(nx_kernel_timer_at(k, 1, 0, id, 0, NULL), NX_ELIMIT);
    assert_int_equal(nx_kernel_timer_at(k, 1, 0, 99, 0, NULL), NX_EINVAL);
    nx_kernel_free(k);
}

static void kernel_creation_fails_cleanly_when_any_allocation_fails(void **state) {
    (void)state;
    nx_alloc_stats_t before, after;
    nx_alloc_stats(&before);
    int failures = 0;
    for (uint64_t n = 1; n < 40; n++) {
        nx_kernel_t *k = NULL;
        nx_alloc_fail_at(n, 0);
        int rc = nx_kernel_new(NULL, &k);
        nx_alloc_fail_at(0, 0);
        if (rc == 0) {
            nx_kernel_free(k);
            break;
        }
        assert_int_equal(rc, NX_ENOMEM);
        failures++;
    }
    assert_true(failures >= 5);
    nx_alloc_stats(&after);
    assert_int_equal(after.bytes, before.bytes);
}

static void the_run_loop_makes_no_heap_allocation(void **state) {
    (void)state;
    nx_kernel_t *k = new_kernel(NULL, NULL);
    uint32_t md, sig, intent, tt;
    assert_int_equal(nx_kernel_topic(k, "md.trades.sim.X", &md), 0);
    assert_int_equal(nx_kernel_topic(k, "signals.x", &sig), 0);
    assert_int_equal(nx_kernel_topic(k, "exec.intents", &intent), 0);
    assert_int_equal(nx_kernel_topic(k, "timer.x", &tt), 0);
    static chain_t c;
    c.sig_topic = sig;
    c.intent_topic = intent;
    enum { N = 2000 };
    static nx_ev_trade_t a[N];
    for (int i = 0; i < N; i++) make_trade(&a[i], i * 10, md, 1, i);
    arr_src_t sa = {a, N, 0};
    nx_source_t s = {"a", arr_next, &sa};
    assert_int_equal(nx_kernel_add_source(k, &s), 0);
    assert_int_equal(nx_kernel_subscribe(k, "md.*", chain_on_trade, &c, NULL), 0);
    assert_int_equal(nx_kernel_subscribe(k, "signals.*", chain_on_signal, &c, NULL), 0);
    assert_int_equal(nx_kernel_timer_at(k, 0, 35, tt, 0, NULL), 0);
    assert_int_equal(nx_kernel_run(k, 10), 0); /* warm-up */
    nx_alloc_stats_t before, after;
    nx_alloc_stats(&before);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    nx_alloc_stats(&after);
    assert_int_equal(after.calls, before.calls);
    nx_kernel_stats_t st;
    nx_kernel_get_stats(k, &st);
    assert_int_equal(st.source_events, N);
    assert_true(st.timers_fired > 500);
    nx_kernel_free(k);
}

/* ---- rings ------------------------------------------------------------- */

typedef struct {
    nx_ring_t *ring;
    uint32_t producer;
    uint64_t count;
    uint32_t topic;
} prod_t;

static void *producer_main(void *arg) {
    prod_t *p = arg;
    nx_ev_trade_t t;
    nx_event_init((nx_event_t *)(void *)&t, NX_EV_TRADE);
    t.instrument = p->producer;
    t.h.topic = p->topic;
    for (uint64_t i = 0; i < p->count; i++) {
        t.trade_id = i;
        while (nx_ring_push(p->ring, &t.h) == NX_EAGAIN) {
        }
    }
    return NULL;
}

static void rings_deliver_every_event_once_in_producer_order_under_contention(void **state) {
    (void)state;
    for (int mp = 0; mp <= 1; mp++) {
        uint32_t cap = 256;
        void *mem = nx_aligned_alloc(NX_CACHELINE, nx_ring_mem_size(cap));
        nx_ring_t ring;
        assert_int_equal(nx_ring_init(&ring, mem, cap, mp), 0);
        int np = mp ? 3 : 1;
        enum { PER = 50000 };
        pthread_t th[3];
        prod_t pr[3];
        for (int i = 0; i < np; i++) {
            pr[i] = (prod_t){&ring, (uint32_t)i, PER, 0};
            assert_int_equal(pthread_create(&th[i], NULL, producer_main, &pr[i]), 0);
        }
        uint64_t next[3] = {0, 0, 0}, got = 0;
        nx_event_t ev;
        while (got < (uint64_t)np * PER) {
            if (nx_ring_pop(&ring, &ev) == NX_EAGAIN) continue;
            assert_int_equal(ev.h.type, NX_EV_TRADE);
            assert_int_equal(ev.trade.trade_id, next[ev.trade.instrument]);
            next[ev.trade.instrument]++;
            got++;
        }
        for (int i = 0; i < np; i++) pthread_join(th[i], NULL);
        assert_int_equal(nx_ring_pop(&ring, &ev), NX_EAGAIN);
        nx_free(mem);
    }
}

static void a_full_ring_pushes_back_with_eagain(void **state) {
    (void)state;
    void *mem = nx_aligned_alloc(NX_CACHELINE, nx_ring_mem_size(4));
    nx_ring_t ring;
    assert_int_equal(nx_ring_init(&ring, mem, 4, 0), 0);
    assert_int_equal(nx_ring_init(&ring, mem, 3, 0), NX_EINVAL);
    assert_int_equal(nx_ring_init(&ring, mem, 4, 0), 0);
    nx_ev_timer_t t;
    nx_event_init((nx_event_t *)(void *)&t, NX_EV_TIMER);
    for (int i = 0; i < 4; i++) assert_int_equal(nx_ring_push(&ring, &t.h), 0);
    assert_int_equal(nx_ring_push(&ring, &t.h), NX_EAGAIN);
    assert_int_equal(nx_ring_size(&ring), 4);
    nx_event_t ev;
    assert_int_equal(nx_ring_pop(&ring, &ev), 0);
    assert_int_equal(nx_ring_push(&ring, &t.h), 0);
    t.h.size = 7;
    assert_int_equal(nx_ring_push(&ring, &t.h), NX_EINVAL);
    nx_free(mem);
}

typedef struct {
    nx_kernel_t *k;
    int seen;
} live_ctx_t;

static int live_handler(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    live_ctx_t *c = ctx;
    assert_true(ev->ts_recv > 0);
    if (++c->seen == 1000) nx_kernel_stop(k);
    return 0;
}

static void a_real_clock_kernel_dispatches_events_handed_in_by_another_thread(void **state) {
    (void)state;
    nx_kernel_opts_t o;
    nx_kernel_opts_default(&o);
    o.clock = NX_CLOCK_REAL;
    nx_kernel_t *k;
    assert_int_equal(nx_kernel_new(&o, &k), 0);
    uint32_t cap = 64;
    void *mem = nx_aligned_alloc(NX_CACHELINE, nx_ring_mem_size(cap));
    nx_ring_t ring;
    assert_int_equal(nx_ring_init(&ring, mem, cap, 1), 0);
    assert_int_equal(nx_kernel_add_ring(k, &ring, "feed"), 0);
    uint32_t md;
    assert_int_equal(nx_kernel_topic(k, "md.trades.live.X", &md), 0);
    live_ctx_t c = {k, 0};
    assert_int_equal(nx_kernel_subscribe(k, "md.*", live_handler, &c, NULL), 0);
    /* The producer stamps the topic; ts_recv 0 means "stamp on arrival". */
    prod_t p = {&ring, 0, 1000, md};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, producer_main, &p), 0);
    int rc = nx_kernel_run(k, 0); /* the handler stops the kernel at the 1000th event */
    pthread_join(th, NULL);
    assert_int_equal(rc, 0);
    nx_kernel_stats_t st;
    nx_kernel_get_stats(k, &st);
    assert_int_equal(st.source_events, 1000);
    assert_int_equal(c.seen, 1000);
    assert_true(nx_kernel_now(k) > 1600000000LL * 1000000000LL);
    nx_kernel_free(k);
    nx_free(mem);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(equal_timestamps_from_several_sources_dispatch_in_source_order),
    NX_CASE(merge_of_random_sources_is_sorted_by_time_then_source),
    NX_CASE(two_runs_of_the_same_input_produce_byte_identical_journals),
    NX_CASE(running_in_slices_gives_the_same_journal_as_one_run),
    NX_CASE(emitted_events_carry_causation_and_trace_and_run_before_the_next_source_event),
    NX_CASE(sink_sees_every_event_in_sequence_order_including_topic_definitions),
    NX_CASE(a_delayed_answer_can_name_its_real_cause),
    NX_CASE(topic_patterns_match_segments_and_trailing_star_matches_the_rest),
    NX_CASE(bad_topic_names_and_patterns_are_rejected),
    NX_CASE(subscriptions_route_to_topics_interned_before_and_after_and_unsubscribe_stops),
    NX_CASE(timers_fire_before_events_at_the_same_time_on_their_grid_and_ties_by_arming),
    NX_CASE(simulated_clock_follows_events_and_counts_late_ones),
    NX_CASE(a_failing_handler_stops_the_kernel_stickily),
    NX_CASE(a_failing_sink_stops_dispatch_so_nothing_runs_unrecorded),
    NX_CASE(the_emit_queue_has_a_hard_ceiling),
    NX_CASE(topic_and_subscription_tables_fail_with_elimit_past_their_ceiling),
    NX_CASE(kernel_creation_fails_cleanly_when_any_allocation_fails),
    NX_CASE(the_run_loop_makes_no_heap_allocation),
    NX_CASE(rings_deliver_every_event_once_in_producer_order_under_contention),
    NX_CASE(a_full_ring_pushes_back_with_eagain),
    NX_CASE(a_real_clock_kernel_dispatches_events_handed_in_by_another_thread),
};

NX_TEST_MAIN(cases)
