/*
 * bench_sim — the simulated venue.
 *
 * Figures (best of nx_bench_reps() runs):
 *   matcher_ops              order operations/s on one instrument's matcher, one
 *                            pre-generated stream of 4M operations: 48 % limit
 *                            adds (GTC, 1..10 lots, 60 prices a side overlapping
 *                            the other side's by a few ticks, so ~3 % cross and
 *                            trade), 42 % cancels of a random id we were given
 *                            back as resting, 10 % market takers; 4 owners, no
 *                            STP. What the stream does to the book (seed 7): it
 *                            starts at ~1,900 resting orders and grows to ~159,000
 *                            (~47 levels a side, thousands of orders a level),
 *                            because adds that rest outnumber cancels; ~24 % of
 *                            the cancels name an order that has traded meanwhile
 *                            (NX_ENOTFOUND, counted as operations as an exchange
 *                            counts them). So most cancels touch an order that
 *                            is not in the CPU's caches. Target >= 1e7.
 *   matcher_allocs_per_op    heap allocations per operation after warm-up (0)
 *   book_updates             BOOK_DELTA events/s through nx_sim_handle in the
 *                            BOOK fill model, PROB queue: the venue's copy of the
 *                            market book (50 levels a side, 1/8 of the updates
 *                            delete a level), queue bookkeeping lookups for 200
 *                            resting orders that sit 50..250 ticks outside the
 *                            updated levels, crossing and trigger checks after
 *                            each batch of 10. Target >= 3e7.
 *   book_allocs_per_update   heap allocations per update (0)
 *   book_updates_at_our_levels
 *                            the same stream with our 200 orders resting at the
 *                            updated levels (two per level, not
 *                            crossing), so every update runs the queue-position
 *                            bookkeeping of the orders at its level. (In steady
 *                            state the levels empty now and then, so most of our
 *                            orders are at the front of their queue.) No target;
 *                            the harder case beside book_updates.
 *   book_allocs_per_update_at_our_levels (0)
 *
 * Every call's result feeds a sink (fills, outputs, counts), the library is a
 * separate archive (no LTO), so nothing timed can be optimised away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/sim.h"
#include "nexus/time.h"
#include "nx_bench.h"

#define N_OPS 4000000
#define N_UPD 4000000

static void on_fill(void *ctx, const nx_sim_fill_t *f) { *(uint64_t *)ctx += (uint64_t)f->qty; }

typedef struct {
    uint8_t kind; /* 0 add, 1 cancel, 2 taker */
    uint8_t side;
    int64_t price, qty;
    uint32_t pick;
} op_t;

static void bench_matcher(void) {
    op_t *ops = malloc(N_OPS * sizeof *ops);
    nx_rng_t r;
    nx_rng_seed(&r, 7);
    for (int i = 0; i < N_OPS; i++) {
        uint64_t k = nx_rng_below(&r, 100);
        ops[i].kind = k < 48 ? 0 : k < 90 ? 1 : 2;
        ops[i].side = nx_rng_below(&r, 2) ? NX_SIDE_BUY : NX_SIDE_SELL;
        int64_t off = (int64_t)nx_rng_below(&r, 60) - 3;
        ops[i].price = ops[i].side == NX_SIDE_BUY ? 100000 - off : 100000 + off;
        ops[i].qty = 1 + (int64_t)nx_rng_below(&r, 10);
        ops[i].pick = (uint32_t)nx_rng_next(&r);
    }
    double best = 0;
    double allocs = 0;
    uint64_t traded = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_sim_matcher_opts_t o;
        nx_sim_matcher_opts_default(&o);
        o.capacity = 1 << 20;
        o.on_fill = on_fill;
        o.ctx = &traded;
        nx_sim_matcher_t *m;
        if (nx_sim_matcher_new(&o, &m) != NX_OK) abort();
        uint64_t *live = malloc((size_t)(1 << 20) * sizeof *live);
        size_t nlive = 0;
        nx_sim_match_result_t res;
        for (int i = 0; i < 2000; i++) { /* warm-up: a resting book */
            nx_sim_order_req_t q = {0, ops[i].side, NX_ORD_LIMIT, NX_TIF_GTC, NX_ORDF_POST_ONLY,
                                    ops[i].price, ops[i].qty, (uint64_t)i};
            if (nx_sim_matcher_add(m, &q, &res) == NX_OK && res.status == NX_SIM_MATCH_RESTING)
                live[nlive++] = res.id;
        }
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        int64_t t0 = nx_mono_now();
        for (int i = 0; i < N_OPS; i++) {
            const op_t *op = &ops[i];
            if (op->kind == 1 && nlive) {
                size_t j = op->pick % nlive;
                nx_sim_matcher_cancel(m, live[j], NULL); /* may be gone: traded */
                live[j] = live[--nlive];
            } else {
                nx_sim_order_req_t q = {(uint32_t)(op->pick & 3), op->side,
                                        op->kind == 2 ? NX_ORD_MARKET : NX_ORD_LIMIT,
                                        op->kind == 2 ? NX_TIF_IOC : NX_TIF_GTC, 0, op->price, op->qty,
                                        (uint64_t)i};
                if (nx_sim_matcher_add(m, &q, &res) == NX_OK && res.status == NX_SIM_MATCH_RESTING &&
                    nlive < (1 << 20))
                    live[nlive++] = res.id;
            }
        }
        double secs = nx_bench_secs(t0);
        nx_alloc_stats(&a1);
        allocs = (double)(a1.calls - a0.calls) / N_OPS;
        if (N_OPS / secs > best) best = N_OPS / secs;
        nx_bench_sink(traded + nx_sim_matcher_count(m));
        free(live);
        nx_sim_matcher_free(m);
    }
    nx_bench_emit("matcher_ops", best, "ops/s");
    nx_bench_emit("matcher_allocs_per_op", allocs, "allocs");
    free(ops);
}

static int sink_out(void *ctx, const nx_event_hdr_t *ev) {
    (*(uint64_t *)ctx)++;
    (void)ev;
    return 0;
}

/* at_touch 0: our 200 orders rest 50..250 ticks outside the levels the
 * data updates (book_updates); 1: they rest at the updated levels, two per
 * level, so every update runs the queue-position bookkeeping of the orders
 * at its level (book_updates_at_our_levels). Neither crosses. */
static void bench_book(int at_touch) {
    nx_ev_book_delta_t *ev = malloc(N_UPD * sizeof *ev);
    nx_rng_t r;
    nx_rng_seed(&r, 11);
    int64_t ts = (int64_t)1700000000 * NX_NS_PER_SEC;
    for (int i = 0; i < N_UPD; i++) {
        nx_ev_book_delta_t *d = &ev[i];
        memset(d, 0, sizeof *d);
        d->h.type = NX_EV_BOOK_DELTA;
        d->h.size = sizeof *d;
        d->h.ts_recv = ts + i;
        d->instrument = 1;
        d->side = nx_rng_below(&r, 2) ? NX_SIDE_BUY : NX_SIDE_SELL;
        d->action = NX_BOOK_SET;
        d->price_scale = 2;
        d->qty_scale = 4;
        int64_t off = 1 + (int64_t)nx_rng_below(&r, 50);
        d->price = d->side == NX_SIDE_BUY ? 100000 - off : 100000 + off;
        d->qty = nx_rng_below(&r, 8) ? 1000 * (1 + (int64_t)nx_rng_below(&r, 20)) : 0;
        d->flags = (i % 10 == 9) ? NX_BOOKF_LAST : 0;
    }
    double best = 0, allocs = 0;
    uint64_t outs = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        nx_sim_config_t c;
        nx_sim_config_default(&c);
        c.fill = NX_SIM_FILL_BOOK;
        c.queue = NX_SIM_QUEUE_PROB;
        nx_sim_t *s;
        if (nx_sim_new(&c, &s) != NX_OK) abort();
        uint32_t usdt, btc;
        nx_sim_add_asset(s, "USDT", 8, &usdt);
        nx_sim_add_asset(s, "BTC", 8, &btc);
        nx_instrument_t in;
        memset(&in, 0, sizeof in);
        in.id = 1;
        memcpy(in.base, "BTC", 4);
        memcpy(in.quote, "USDT", 5);
        in.tick_size = nx_dec_make(1, 2);
        in.lot_size = nx_dec_make(1, 4);
        in.price_precision = 2;
        in.size_precision = 4;
        in.multiplier = nx_dec_make(1, 0);
        nx_sim_add_instrument(s, &in, NULL);
        nx_sim_deposit(s, 0, usdt, nx_dec_make(100000000, 0));
        nx_sim_deposit(s, 0, btc, nx_dec_make(1000, 0));
        nx_sim_set_output(s, sink_out, &outs);
        for (int i = 0; i < 200; i++) { /* resting orders away from the touch */
            nx_event_t it;
            nx_event_init(&it, NX_EV_ORDER_INTENT);
            it.order_intent.h.ts_recv = ts - 1;
            it.order_intent.intent_id = (uint64_t)i + 1;
            it.order_intent.instrument = 1;
            it.order_intent.side = i & 1 ? NX_SIDE_BUY : NX_SIDE_SELL;
            it.order_intent.ord_type = NX_ORD_LIMIT;
            it.order_intent.tif = NX_TIF_GTC;
            it.order_intent.price_scale = 2;
            it.order_intent.qty_scale = 4;
            if (at_touch) /* 100000 -/+ 1..50 (the data's range), bids and asks */
                it.order_intent.price = i & 1 ? 100000 - 1 - (i / 2) % 50 : 100000 + 1 + (i / 2) % 50;
            else
                it.order_intent.price = i & 1 ? 99900 - i : 100100 + i;
            it.order_intent.qty = 1000;
            nx_sim_handle(s, &it.h);
        }
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        int64_t t0 = nx_mono_now();
        for (int i = 0; i < N_UPD; i++)
            if (nx_sim_handle(s, &ev[i].h) != NX_OK) abort();
        double secs = nx_bench_secs(t0);
        nx_alloc_stats(&a1);
        allocs = (double)(a1.calls - a0.calls) / N_UPD;
        if (N_UPD / secs > best) best = N_UPD / secs;
        nx_sim_free(s);
    }
    nx_bench_sink(outs);
    nx_bench_emit(at_touch ? "book_updates_at_our_levels" : "book_updates", best, "updates/s");
    nx_bench_emit(at_touch ? "book_allocs_per_update_at_our_levels" : "book_allocs_per_update",
                  allocs, "allocs");
    free(ev);
}

int main(void) {
    bench_matcher();
    bench_book(0);
    bench_book(1);
    return 0;
}
