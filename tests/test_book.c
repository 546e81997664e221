/*
 * Order books (nexus/book.h) and the stream message parsers (nexus/data.h):
 * crafted snapshot/diff sequences for each venue's sync rules, the sticky
 * out-of-sync state, capacity and depth, crossed books, Kraken checksums on
 * real message pairs, and a BBO check on the bundled Binance sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_replay.h"
#include "nexus/book.h"
#include "nexus/data.h"
#include "nx_test.h"

#define B NX_SIDE_BUY
#define S NX_SIDE_SELL

static nx_ev_book_delta_t D(uint8_t side, int64_t price, int64_t qty, uint64_t U, uint64_t u,
                            uint32_t flags) {
    nx_ev_book_delta_t d;
    memset(&d, 0, sizeof d);
    d.h.type = NX_EV_BOOK_DELTA;
    d.h.size = sizeof d;
    d.side = side;
    d.action = NX_BOOK_SET;
    d.price_scale = 2;
    d.qty_scale = 3;
    d.price = price;
    d.qty = qty;
    d.first_update_id = U;
    d.update_id = u;
    d.flags = flags;
    return d;
}

/* A futures diff delta: pu travels as U - pu in reserved. */
static nx_ev_book_delta_t F(uint8_t side, int64_t price, int64_t qty, uint64_t U, uint64_t u,
                            uint64_t pu, uint32_t flags) {
    nx_ev_book_delta_t d = D(side, price, qty, U, u, flags | NX_BOOKF_PU);
    d.aux = (uint32_t)(U - pu);
    return d;
}

static int apply(nx_book_t *b, nx_ev_book_delta_t d) { return nx_book_apply(b, &d); }

/* Snapshot id L: bids 100.00 x 1, 99.00 x 2; asks 101.00 x 3, 102.00 x 4. */
static void snapshot(nx_book_t *b, uint64_t L) {
    nx_ev_book_delta_t c = D(0, 0, 0, L, L, NX_BOOKF_SNAPSHOT);
    c.action = NX_BOOK_CLEAR;
    assert_int_equal(nx_book_apply(b, &c), NX_OK);
    assert_int_equal(nx_book_state(b), NX_BOOK_LOADING);
    assert_int_equal(apply(b, D(B, 10000, 1000, L, L, NX_BOOKF_SNAPSHOT)), NX_OK);
    assert_int_equal(apply(b, D(B, 9900, 2000, L, L, NX_BOOKF_SNAPSHOT)), NX_OK);
    assert_int_equal(apply(b, D(S, 10100, 3000, L, L, NX_BOOKF_SNAPSHOT)), NX_OK);
    assert_int_equal(apply(b, D(S, 10200, 4000, L, L, NX_BOOKF_SNAPSHOT | NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(nx_book_state(b), NX_BOOK_SYNCED);
    assert_true(nx_book_update_id(b) >= L); /* > L when kept diffs were replayed */
}

static nx_book_t *mk(nx_book_sync_t sync, uint32_t capacity, uint32_t depth, uint32_t pending) {
    nx_book_config_t c;
    nx_book_config_default(&c, sync, 2, 3);
    c.capacity = capacity;
    c.depth = depth;
    c.pending_cap = pending;
    nx_book_t *b = NULL;
    assert_int_equal(nx_book_new(&c, &b), NX_OK);
    return b;
}

static void bbo_is(nx_book_t *b, int64_t bp, int64_t bq, int64_t ap, int64_t aq) {
    nx_book_level_t bid, ask;
    assert_int_equal(nx_book_bbo(b, &bid, &ask), NX_OK);
    assert_int_equal(bid.price, bp);
    assert_int_equal(bid.qty, bq);
    assert_int_equal(ask.price, ap);
    assert_int_equal(ask.qty, aq);
}

static void spot_snapshot_then_straddling_diff_then_chain_applies(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 100, 0, 0);
    assert_int_equal(nx_book_state(b), NX_BOOK_AWAITING_SNAPSHOT);
    assert_int_equal(apply(b, D(B, 10000, 5, 1, 2, NX_BOOKF_LAST)), NX_ESTATE); /* no snapshot */
    snapshot(b, 100);
    /* stale: u <= L, whatever U */
    assert_int_equal(apply(b, D(B, 10000, 7, 90, 99, 0)), NX_BOOK_STALE);
    assert_int_equal(apply(b, D(S, 10100, 7, 90, 99, NX_BOOKF_LAST)), NX_BOOK_STALE);
    assert_int_equal(apply(b, D(B, 10000, 7, 95, 100, NX_BOOKF_LAST)), NX_BOOK_STALE);
    bbo_is(b, 10000, 1000, 10100, 3000);
    /* first applied diff straddles L+1 = 101: U=98 <= 101 <= u=105 */
    assert_int_equal(apply(b, D(B, 10050, 500, 98, 105, 0)), NX_OK);
    assert_int_equal(nx_book_bbo(b, NULL, NULL), NX_ESTATE); /* half a batch is not a book */
    assert_int_equal(apply(b, D(S, 10100, 0, 98, 105, NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(nx_book_update_id(b), 105);
    bbo_is(b, 10050, 500, 10200, 4000);
    /* then U == previous u + 1 */
    assert_int_equal(apply(b, D(S, 10150, 10, 106, 110, NX_BOOKF_LAST)), NX_OK);
    bbo_is(b, 10050, 500, 10150, 10);
    nx_book_stats_t st;
    nx_book_stats(b, &st);
    assert_int_equal(st.batches, 2);
    assert_int_equal(st.stale, 3);
    assert_int_equal(st.gaps, 0);
    nx_book_free(b);
}

static void spot_first_diff_must_straddle_the_snapshot(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 100, 0, 0);
    snapshot(b, 100);
    /* U = 102 > L + 1: update 101 was missed */
    assert_int_equal(apply(b, D(B, 10000, 5, 102, 105, NX_BOOKF_LAST)), NX_ECORRUPT);
    assert_non_null(strstr(nx_err_message(), "expected U 101, got 102"));
    assert_int_equal(nx_book_state(b), NX_BOOK_OUT_OF_SYNC);
    /* U exactly L + 1 is fine */
    snapshot(b, 100);
    assert_int_equal(apply(b, D(B, 10000, 5, 101, 101, NX_BOOKF_LAST)), NX_OK);
    bbo_is(b, 10000, 5, 10100, 3000);
    nx_book_free(b);
}

static void a_gap_marks_the_book_out_of_sync_until_a_new_snapshot(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 100, 0, 0);
    snapshot(b, 100);
    assert_int_equal(apply(b, D(B, 10000, 5, 101, 110, NX_BOOKF_LAST)), NX_OK);
    /* 111..114 lost */
    assert_int_equal(apply(b, D(B, 10000, 6, 115, 120, NX_BOOKF_LAST)), NX_ECORRUPT);
    assert_non_null(strstr(nx_err_message(), "out of sync"));
    nx_book_stats_t st;
    nx_book_stats(b, &st);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.gap_expected, 111);
    assert_int_equal(st.gap_got, 115);
    /* sticky: even a diff that would connect is refused, and so are reads */
    assert_int_equal(apply(b, D(B, 10000, 7, 121, 125, NX_BOOKF_LAST)), NX_ESTATE);
    assert_int_equal(apply(b, D(B, 10000, 7, 111, 114, NX_BOOKF_LAST)), NX_ESTATE);
    assert_int_equal(nx_book_bbo(b, NULL, NULL), NX_ESTATE);
    nx_dec_t mid;
    assert_int_equal(nx_book_mid(b, &mid), NX_ESTATE);
    assert_int_equal(nx_book_state(b), NX_BOOK_OUT_OF_SYNC);
    /* resync by a new snapshot */
    snapshot(b, 200);
    assert_int_equal(apply(b, D(B, 9950, 1, 195, 201, NX_BOOKF_LAST)), NX_OK);
    bbo_is(b, 10000, 1000, 10100, 3000);
    nx_book_free(b);
}

static void futures_first_diff_covers_lastUpdateId_then_pu_chains(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_FUTURES, 100, 0, 0);
    snapshot(b, 100);
    assert_int_equal(apply(b, F(B, 10000, 9, 80, 99, 70, NX_BOOKF_LAST)), NX_BOOK_STALE); /* u < L */
    /* u == L counts as straddling on futures: U <= L <= u */
    assert_int_equal(apply(b, F(B, 10000, 9, 90, 100, 85, NX_BOOKF_LAST)), NX_OK);
    bbo_is(b, 10000, 9, 10100, 3000);
    /* futures ids are global: U jumps, pu links to the previous u */
    assert_int_equal(apply(b, F(S, 10100, 8, 130, 140, 100, NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(apply(b, F(S, 10100, 7, 150, 160, 140, NX_BOOKF_LAST)), NX_OK);
    bbo_is(b, 10000, 9, 10100, 7);
    /* pu != previous u: a gap */
    assert_int_equal(apply(b, F(S, 10100, 6, 180, 190, 170, NX_BOOKF_LAST)), NX_ECORRUPT);
    assert_non_null(strstr(nx_err_message(), "expected pu 160, got 170"));
    assert_int_equal(apply(b, F(S, 10100, 6, 195, 199, 190, NX_BOOKF_LAST)), NX_ESTATE);
    /* a snapshot whose id falls before the first diff's U is a gap too */
    snapshot(b, 300);
    assert_int_equal(apply(b, F(S, 10100, 6, 301, 310, 299, NX_BOOKF_LAST)), NX_ECORRUPT);
    snapshot(b, 300);
    assert_int_equal(apply(b, F(S, 10100, 6, 290, 310, 280, NX_BOOKF_LAST)), NX_OK);
    /* a futures diff without pu cannot be checked: refused */
    assert_int_equal(apply(b, D(S, 10100, 6, 311, 320, NX_BOOKF_LAST)), NX_ECORRUPT);
    assert_int_equal(nx_book_state(b), NX_BOOK_OUT_OF_SYNC);
    nx_book_free(b);
}

static void diffs_before_the_snapshot_are_kept_and_replayed(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 100, 0, 64);
    /* the capture order of the real files: diffs, then the REST snapshot */
    assert_int_equal(apply(b, D(B, 10000, 11, 80, 95, NX_BOOKF_LAST)), NX_BOOK_BUFFERED);
    assert_int_equal(apply(b, D(B, 10000, 12, 96, 103, 0)), NX_BOOK_BUFFERED);
    assert_int_equal(apply(b, D(S, 10100, 13, 96, 103, NX_BOOKF_LAST)), NX_BOOK_BUFFERED);
    assert_int_equal(apply(b, D(S, 10100, 14, 104, 104, NX_BOOKF_LAST)), NX_BOOK_BUFFERED);
    snapshot(b, 100); /* its LAST replays: 80..95 stale, 96..103 straddles, 104 chains */
    assert_int_equal(nx_book_update_id(b), 104);
    bbo_is(b, 10000, 12, 10100, 14);
    nx_book_stats_t st;
    nx_book_stats(b, &st);
    assert_int_equal(st.buffered, 4);
    assert_int_equal(st.stale, 1);
    assert_int_equal(st.batches, 2);
    /* a full buffer drops its oldest whole batch */
    nx_book_t *s = mk(NX_BOOK_SYNC_BINANCE_SPOT, 100, 0, 3);
    assert_int_equal(apply(s, D(B, 10000, 1, 90, 95, 0)), NX_BOOK_BUFFERED);
    assert_int_equal(apply(s, D(B, 10001, 1, 90, 95, NX_BOOKF_LAST)), NX_BOOK_BUFFERED);
    assert_int_equal(apply(s, D(B, 10002, 1, 96, 101, NX_BOOKF_LAST)), NX_BOOK_BUFFERED);
    assert_int_equal(apply(s, D(B, 10003, 1, 102, 102, NX_BOOKF_LAST)), NX_BOOK_BUFFERED);
    nx_book_stats(s, &st);
    assert_int_equal(st.pending_dropped, 2);
    snapshot(s, 100);
    assert_int_equal(nx_book_update_id(s), 102);
    bbo_is(s, 10003, 1, 10100, 3000);
    nx_book_free(s);
    nx_book_free(b);
}

static void deletes_and_zero_quantity_sets_remove_levels(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 100, 0, 0);
    snapshot(b, 100);
    assert_int_equal(apply(b, D(B, 10000, 0, 101, 101, 0)), NX_OK); /* qty 0 = delete */
    nx_ev_book_delta_t del = D(S, 10100, 999, 101, 101, 0);
    del.action = NX_BOOK_DELETE;
    assert_int_equal(nx_book_apply(b, &del), NX_OK);
    /* deleting a level that is not there is a no-op */
    assert_int_equal(apply(b, D(S, 12345, 0, 101, 101, NX_BOOKF_LAST)), NX_OK);
    bbo_is(b, 9900, 2000, 10200, 4000);
    assert_int_equal(nx_book_count(b, B), 1);
    assert_int_equal(nx_book_count(b, S), 1);
    /* emptying a side: bbo says not found, top says zero levels */
    assert_int_equal(apply(b, D(B, 9900, 0, 102, 102, NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(nx_book_bbo(b, NULL, NULL), NX_ENOTFOUND);
    nx_book_level_t lv[4];
    size_t got = 9;
    assert_int_equal(nx_book_top(b, B, lv, 4, &got), NX_OK);
    assert_int_equal(got, 0);
    /* the no-op marker of an empty diff advances the ids */
    assert_int_equal(apply(b, D(NX_SIDE_NONE, 0, 0, 103, 103, NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(nx_book_update_id(b), 103);
    nx_book_free(b);
}

static void top_levels_mid_and_spread(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_NONE, 100, 0, 0);
    assert_int_equal(nx_book_state(b), NX_BOOK_SYNCED); /* trusted input: no snapshot needed */
    int64_t bids[] = {9900, 10000, 9800, 9950}, asks[] = {10300, 10101, 10200};
    for (size_t i = 0; i < 4; i++) assert_int_equal(apply(b, D(B, bids[i], (int64_t)i + 1, 0, 0, NX_BOOKF_LAST)), NX_OK);
    for (size_t i = 0; i < 3; i++) assert_int_equal(apply(b, D(S, asks[i], (int64_t)i + 10, 0, 0, NX_BOOKF_LAST)), NX_OK);
    nx_book_level_t lv[8];
    size_t got;
    assert_int_equal(nx_book_top(b, B, lv, 8, &got), NX_OK);
    assert_int_equal(got, 4);
    assert_int_equal(lv[0].price, 10000);
    assert_int_equal(lv[1].price, 9950);
    assert_int_equal(lv[2].price, 9900);
    assert_int_equal(lv[3].price, 9800);
    assert_int_equal(lv[0].qty, 2);
    assert_int_equal(nx_book_top(b, S, lv, 2, &got), NX_OK);
    assert_int_equal(got, 2);
    assert_int_equal(lv[0].price, 10101);
    assert_int_equal(lv[1].price, 10200);
    nx_dec_t mid;
    assert_int_equal(nx_book_mid(b, &mid), NX_OK); /* (100.00 + 101.01) / 2 = 100.505 */
    assert_int_equal(mid.m, 100505);
    assert_int_equal(mid.s, 3);
    int64_t spread;
    assert_int_equal(nx_book_spread(b, &spread), NX_OK);
    assert_int_equal(spread, 101);
    assert_int_equal(nx_book_check_crossed(b), NX_OK);
    nx_book_free(b);
}

static void crossed_books_and_quotes_are_reported(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_NONE, 100, 0, 0);
    assert_int_equal(apply(b, D(B, 10000, 1, 0, 0, 0)), NX_OK);
    assert_int_equal(apply(b, D(S, 10000, 1, 0, 0, NX_BOOKF_LAST)), NX_OK); /* locked = crossed */
    assert_int_equal(nx_book_check_crossed(b), NX_ECORRUPT);
    assert_non_null(strstr(nx_err_message(), "best bid 100.00 >= best ask 100.00"));
    nx_book_stats_t st;
    nx_book_stats(b, &st);
    assert_int_equal(st.crossed, 1);
    int64_t spread;
    assert_int_equal(nx_book_spread(b, &spread), NX_OK);
    assert_int_equal(spread, 0);
    assert_int_equal(apply(b, D(S, 10001, 1, 0, 0, 0)), NX_OK);
    assert_int_equal(apply(b, D(S, 10000, 0, 0, 0, NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(nx_book_check_crossed(b), NX_OK);
    nx_ev_quote_t q;
    memset(&q, 0, sizeof q);
    q.price_scale = 2;
    q.bid_price = 10001;
    q.ask_price = 10000;
    assert_int_equal(nx_quote_check_crossed(&q), NX_ECORRUPT);
    q.ask_price = 10002;
    assert_int_equal(nx_quote_check_crossed(&q), NX_OK);
    q.ask_price = 0; /* one-sided quote */
    assert_int_equal(nx_quote_check_crossed(&q), NX_OK);
    nx_book_free(b);
}

static void capacity_cuts_the_far_end_or_fails_when_strict(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_NONE, 3, 0, 0);
    for (int64_t p = 100; p <= 102; p++) assert_int_equal(apply(b, D(B, p, 1, 0, 0, 0)), NX_OK);
    assert_int_equal(apply(b, D(B, 99, 1, 0, 0, 0)), NX_OK);   /* farther than all: cut */
    assert_int_equal(apply(b, D(B, 103, 1, 0, 0, 0)), NX_OK);  /* better: 100 is cut */
    assert_int_equal(apply(b, D(S, 200, 1, 0, 0, NX_BOOKF_LAST)), NX_OK);
    nx_book_level_t lv[4];
    size_t got;
    assert_int_equal(nx_book_top(b, B, lv, 4, &got), NX_OK);
    assert_int_equal(got, 3);
    assert_int_equal(lv[0].price, 103);
    assert_int_equal(lv[2].price, 101);
    nx_book_stats_t st;
    nx_book_stats(b, &st);
    assert_int_equal(st.levels_dropped, 2);
    nx_book_free(b);

    nx_book_config_t c;
    nx_book_config_default(&c, NX_BOOK_SYNC_BINANCE_SPOT, 2, 3);
    c.capacity = 3;
    c.flags = NX_BOOK_STRICT_CAPACITY;
    assert_int_equal(nx_book_new(&c, &b), NX_OK);
    snapshot(b, 100); /* 2 bids, 2 asks */
    assert_int_equal(apply(b, D(B, 9800, 1, 101, 101, 0)), NX_OK);  /* third bid: fits */
    assert_int_equal(apply(b, D(B, 9700, 1, 101, 101, NX_BOOKF_LAST)), NX_ELIMIT);
    assert_int_equal(nx_book_state(b), NX_BOOK_OUT_OF_SYNC);
    nx_book_free(b);

    c.flags = 0;
    c.depth = 5;
    assert_int_equal(nx_book_new(&c, &b), NX_EINVAL); /* depth beyond capacity */
    c.capacity = 0;
    assert_int_equal(nx_book_new(&c, &b), NX_EINVAL);
}

static void depth_cuts_each_side_after_a_batch(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_KRAKEN, 6, 2, 0);
    nx_ev_book_delta_t c = D(0, 0, 0, 0, 0, NX_BOOKF_SNAPSHOT);
    c.action = NX_BOOK_CLEAR;
    assert_int_equal(nx_book_apply(b, &c), NX_OK);
    assert_int_equal(apply(b, D(B, 100, 1, 0, 0, NX_BOOKF_SNAPSHOT)), NX_OK);
    assert_int_equal(apply(b, D(B, 99, 1, 0, 0, NX_BOOKF_SNAPSHOT)), NX_OK);
    assert_int_equal(apply(b, D(S, 101, 1, 0, 0, NX_BOOKF_SNAPSHOT | NX_BOOKF_LAST)), NX_OK);
    /* within a batch the side may grow past depth: a delete can bring a level back */
    assert_int_equal(apply(b, D(B, 100, 0, 0, 0, 0)), NX_OK);
    assert_int_equal(apply(b, D(B, 98, 1, 0, 0, 0)), NX_OK);
    assert_int_equal(apply(b, D(B, 99, 5, 0, 0, 0)), NX_OK);
    assert_int_equal(apply(b, D(B, 97, 1, 0, 0, NX_BOOKF_LAST)), NX_OK);
    assert_int_equal(nx_book_count(b, B), 2); /* 99, 98 kept; 97 cut */
    bbo_is(b, 99, 5, 101, 1);
    nx_book_free(b);
}

static void malformed_or_foreign_deltas_are_refused(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 10, 0, 0);
    snapshot(b, 100);
    nx_ev_book_delta_t d = D(B, 100, 1, 101, 101, NX_BOOKF_LAST);
    d.instrument = 7; /* not this book's: refused, book untouched */
    assert_int_equal(nx_book_apply(b, &d), NX_EINVAL);
    assert_int_equal(nx_book_state(b), NX_BOOK_SYNCED);
    d.instrument = 0;
    d.h.type = NX_EV_QUOTE;
    assert_int_equal(nx_book_apply(b, &d), NX_EINVAL);
    assert_int_equal(nx_book_state(b), NX_BOOK_SYNCED);
    d.h.type = NX_EV_BOOK_DELTA;
    d.price_scale = 4; /* ours, but wrong: the book can no longer be trusted */
    assert_int_equal(nx_book_apply(b, &d), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "scales"));
    assert_int_equal(nx_book_state(b), NX_BOOK_OUT_OF_SYNC);
    snapshot(b, 100);
    assert_int_equal(apply(b, D(B, 100, -1, 101, 101, NX_BOOKF_LAST)), NX_EINVAL);
    snapshot(b, 100);
    /* a batch that is not closed before the next one starts */
    assert_int_equal(apply(b, D(B, 100, 1, 101, 102, 0)), NX_OK);
    assert_int_equal(apply(b, D(B, 100, 1, 103, 104, NX_BOOKF_LAST)), NX_ECORRUPT);
    /* a snapshot level without its CLEAR */
    snapshot(b, 100);
    assert_int_equal(apply(b, D(B, 100, 1, 100, 100, NX_BOOKF_SNAPSHOT)), NX_ECORRUPT);
    nx_book_free(b);
}

static void applying_deltas_never_allocates(void **state) {
    (void)state;
    nx_book_t *b = mk(NX_BOOK_SYNC_BINANCE_SPOT, 64, 0, 16);
    snapshot(b, 100);
    nx_alloc_stats_t a0, a1;
    nx_alloc_stats(&a0);
    nx_rng_t r;
    nx_rng_seed(&r, 7);
    uint64_t u = 100;
    for (int i = 0; i < 100000; i++) {
        uint8_t side = nx_rng_below(&r, 2) ? B : S;
        int64_t price = side == B ? 9000 + (int64_t)nx_rng_below(&r, 1000)
                                  : 10100 + (int64_t)nx_rng_below(&r, 1000);
        int64_t qty = (int64_t)nx_rng_below(&r, 4);
        u++;
        assert_true(apply(b, D(side, price, qty, u, u, NX_BOOKF_LAST)) >= 0);
    }
    nx_alloc_stats(&a1);
    assert_int_equal(a1.calls, a0.calls);
    assert_true(nx_book_count(b, B) <= 64);
    nx_book_free(b);
}

static void book_creation_survives_each_allocation_failing(void **state) {
    (void)state;
    nx_book_config_t c;
    nx_book_config_default(&c, NX_BOOK_SYNC_BINANCE_SPOT, 2, 3);
    c.pending_cap = 8;
    nx_alloc_stats_t a0, a1;
    nx_alloc_stats(&a0);
    for (uint64_t n = 1; n <= 6; n++) {
        nx_book_t *b = NULL;
        nx_alloc_fail_at(n, 0);
        int rc = nx_book_new(&c, &b);
        nx_alloc_fail_at(0, 0);
        if (n <= 6 && rc == NX_OK) nx_book_free(b);
        else assert_int_equal(rc, NX_ENOMEM);
    }
    nx_data_msg_parser_t *p = NULL;
    nx_alloc_fail_at(2, 0);
    assert_int_equal(nx_data_msg_parser_new(10, &p), NX_ENOMEM);
    nx_alloc_fail_at(0, 0);
    nx_alloc_stats(&a1);
    assert_int_equal(a1.bytes, a0.bytes); /* nothing leaked */
}

/* ---- Binance stream messages ------------------------------------------------ */

static nx_data_msg_parser_t *g_p;
static nx_event_t g_ev[2001];

static int bn(const char *line, uint8_t ps, uint8_t qs, nx_data_msg_t *m) {
    nx_data_stream_spec_t spec = {.instrument = 3, .topic = 5, .price_scale = ps, .qty_scale = qs};
    if (!g_p) assert_int_equal(nx_data_msg_parser_new(1000, &g_p), NX_OK);
    return nx_data_parse_binance_line(g_p, line, strlen(line), &spec, g_ev, NX_ARRAY_LEN(g_ev), m);
}

static void binance_trades_and_aggtrades_become_trade_events(void **state) {
    (void)state;
    nx_data_msg_t m;
    assert_int_equal(bn("1723161254087896568 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\","
                        "\"E\":1723161255343,\"s\":\"BTCUSDT\",\"t\":3735683259,\"p\":\"61837.63000000\","
                        "\"q\":\"0.02000000\",\"T\":1723161255342,\"m\":true,\"M\":true}}",
                        2, 8, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_TRADE);
    assert_int_equal(m.n_events, 1);
    assert_int_equal(m.symbol_len, 7);
    assert_memory_equal(m.symbol, "BTCUSDT", 7);
    const nx_ev_trade_t *t = &g_ev[0].trade;
    assert_int_equal(nx_event_check(t, sizeof *t), NX_OK);
    assert_int_equal(t->h.type, NX_EV_TRADE);
    assert_int_equal(t->h.ts_recv, 1723161254087896568LL);
    assert_int_equal(t->h.ts_venue, 1723161255343000000LL);
    assert_int_equal(t->h.topic, 5);
    assert_int_equal(t->instrument, 3);
    assert_int_equal(t->price, 6183763);
    assert_int_equal(t->qty, 2000000);
    assert_int_equal(t->trade_id, 3735683259u);
    assert_int_equal(t->aggressor, NX_SIDE_SELL); /* buyer was the maker */
    /* aggTrade (Binance docs layout), bare payload without the envelope */
    assert_int_equal(bn("5 {\"e\":\"aggTrade\",\"E\":1672515782136,\"s\":\"BNBBTC\",\"a\":12345,"
                        "\"p\":\"0.001\",\"q\":\"100\",\"f\":100,\"l\":105,\"T\":1672515782136,"
                        "\"m\":false,\"M\":true}",
                        5, 0, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_AGGTRADE);
    assert_int_equal(g_ev[0].trade.trade_id, 12345);
    assert_int_equal(g_ev[0].trade.price, 100);
    assert_int_equal(g_ev[0].trade.qty, 100);
    assert_int_equal(g_ev[0].trade.aggressor, NX_SIDE_BUY);
}

static void binance_book_tickers_become_quotes_with_update_ids(void **state) {
    (void)state;
    nx_data_msg_t m;
    /* spot: no "e", no event time */
    assert_int_equal(bn("1723161254087891268 {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":"
                        "50093239212,\"s\":\"BTCUSDT\",\"b\":\"61837.63000000\",\"B\":\"3.78826000\","
                        "\"a\":\"61837.64000000\",\"A\":\"1.54698000\"}}",
                        2, 8, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_BOOK_TICKER);
    const nx_ev_quote_t *q = &g_ev[0].quote;
    assert_int_equal(nx_event_check(q, sizeof *q), NX_OK);
    assert_int_equal(q->update_id, 50093239212ULL);
    assert_int_equal(q->bid_price, 6183763);
    assert_int_equal(q->bid_qty, 378826000);
    assert_int_equal(q->ask_price, 6183764);
    assert_int_equal(q->ask_qty, 154698000);
    assert_int_equal(q->h.ts_venue, 0);
    /* futures: with e, E, T */
    assert_int_equal(bn("1723161255088169167 {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"e\":"
                        "\"bookTicker\",\"u\":5123107839020,\"s\":\"BTCUSDT\",\"b\":\"61800.20\",\"B\":"
                        "\"2.507\",\"a\":\"61800.30\",\"A\":\"2.510\",\"T\":1723161256313,\"E\":"
                        "1723161256313}}",
                        1, 3, &m), NX_OK);
    assert_int_equal(g_ev[0].quote.bid_price, 618002);
    assert_int_equal(g_ev[0].quote.ask_qty, 2510);
    assert_int_equal(g_ev[0].quote.h.ts_venue, 1723161256313000000LL);
}

static void binance_depth_diffs_become_delta_batches(void **state) {
    (void)state;
    nx_data_msg_t m;
    assert_int_equal(bn("1723161254036059768 {\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":"
                        "\"depthUpdate\",\"E\":1723161255308,\"s\":\"BTCUSDT\",\"U\":50093239203,\"u\":"
                        "50093239207,\"b\":[[\"55653.87000000\",\"0.00000000\"]],\"a\":[["
                        "\"61838.04000000\",\"0.32332000\"],[\"61844.30000000\",\"0.40163000\"]]}}",
                        2, 8, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_DEPTH_DIFF);
    assert_int_equal(m.n_events, 3);
    assert_int_equal(m.n_bids, 1);
    assert_int_equal(m.n_asks, 2);
    assert_int_equal(m.first_update_id, 50093239203ULL);
    assert_int_equal(m.update_id, 50093239207ULL);
    assert_int_equal(m.has_prev, 0);
    for (int i = 0; i < 3; i++) {
        const nx_ev_book_delta_t *d = &g_ev[i].book_delta;
        assert_int_equal(nx_event_check(d, sizeof *d), NX_OK);
        assert_int_equal(d->action, NX_BOOK_SET);
        assert_int_equal(d->update_id, 50093239207ULL);
        assert_int_equal(d->first_update_id, 50093239203ULL);
        assert_int_equal(d->flags, i == 2 ? NX_BOOKF_LAST : 0u);
        assert_int_equal(d->h.ts_venue, 1723161255308000000LL);
    }
    assert_int_equal(g_ev[0].book_delta.side, NX_SIDE_BUY);
    assert_int_equal(g_ev[0].book_delta.qty, 0);
    assert_int_equal(g_ev[0].book_delta.price, 5565387);
    assert_int_equal(g_ev[2].book_delta.side, NX_SIDE_SELL);
    assert_int_equal(g_ev[2].book_delta.qty, 40163000);
    /* futures: pu kept as U - pu with NX_BOOKF_PU */
    assert_int_equal(bn("1 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":"
                        "1723161256352,\"T\":1723161256352,\"s\":\"BTCUSDT\",\"U\":5123107837801,\"u\":"
                        "5123107842679,\"pu\":5123107837557,\"b\":[[\"1000.00\",\"606.675\"]],\"a\":[]}}",
                        1, 3, &m), NX_OK);
    assert_int_equal(m.has_prev, 1);
    assert_int_equal(m.prev_update_id, 5123107837557ULL);
    assert_int_equal(m.n_events, 1);
    assert_int_equal(g_ev[0].book_delta.flags, NX_BOOKF_PU | NX_BOOKF_LAST);
    assert_int_equal(g_ev[0].book_delta.aux, 5123107837801ULL - 5123107837557ULL);
    /* an empty diff keeps its ids with a no-op marker */
    assert_int_equal(bn("1 {\"e\":\"depthUpdate\",\"E\":1,\"s\":\"X\",\"U\":10,\"u\":12,\"b\":[],\"a\":[]}",
                        1, 3, &m), NX_OK);
    assert_int_equal(m.n_events, 1);
    assert_int_equal(g_ev[0].book_delta.side, NX_SIDE_NONE);
    assert_int_equal(g_ev[0].book_delta.update_id, 12);
    assert_int_equal(g_ev[0].book_delta.flags, NX_BOOKF_LAST);
}

static void binance_rest_snapshots_become_clear_plus_levels(void **state) {
    (void)state;
    nx_data_msg_t m;
    assert_int_equal(bn("1723161255319702566 {\"lastUpdateId\":5123107852948,\"E\":1723161256501,"
                        "\"T\":1723161256493,\"bids\":[[\"61800.20\",\"2.909\"],[\"61800.10\",\"0.696\"]],"
                        "\"asks\":[[\"61800.30\",\"1.5\"]]}",
                        1, 3, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_DEPTH_SNAPSHOT);
    assert_int_equal(m.n_events, 4);
    assert_int_equal(m.update_id, 5123107852948ULL);
    assert_null(m.symbol);
    assert_int_equal(g_ev[0].book_delta.action, NX_BOOK_CLEAR);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(g_ev[i].book_delta.flags & NX_BOOKF_SNAPSHOT, NX_BOOKF_SNAPSHOT);
        assert_int_equal(g_ev[i].book_delta.update_id, 5123107852948ULL);
        assert_int_equal(g_ev[i].book_delta.h.ts_venue, 1723161256501000000LL);
    }
    assert_int_equal(g_ev[3].book_delta.flags, NX_BOOKF_SNAPSHOT | NX_BOOKF_LAST);
    assert_int_equal(g_ev[3].book_delta.price, 618003);
    assert_int_equal(g_ev[3].book_delta.qty, 1500);
    /* the snapshot through a book */
    nx_book_config_t c;
    nx_book_config_default(&c, NX_BOOK_SYNC_BINANCE_FUTURES, 1, 3);
    c.instrument = 3;
    nx_book_t *b;
    assert_int_equal(nx_book_new(&c, &b), NX_OK);
    for (size_t i = 0; i < m.n_events; i++)
        assert_int_equal(nx_book_apply(b, &g_ev[i].book_delta), NX_OK);
    nx_book_level_t bid, ask;
    assert_int_equal(nx_book_bbo(b, &bid, &ask), NX_OK);
    assert_int_equal(bid.price, 618002);
    assert_int_equal(bid.qty, 2909);
    assert_int_equal(ask.qty, 1500);
    nx_book_free(b);
}

static void binance_errors_name_the_field(void **state) {
    (void)state;
    nx_data_msg_t m;
    /* more digits than the scale: an error, not a rounding */
    assert_int_equal(bn("1 {\"e\":\"trade\",\"E\":1,\"s\":\"X\",\"t\":1,\"p\":\"1.005\",\"q\":\"1\",\"m\":true}",
                        2, 8, &m), NX_EINEXACT);
    assert_non_null(strstr(nx_err_message(), "trade field 'p'"));
    assert_int_equal(bn("1 {\"e\":\"trade\",\"E\":1,\"s\":\"X\",\"p\":\"1.00\",\"q\":\"1\",\"m\":true}",
                        2, 8, &m), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "missing field 't'"));
    assert_int_equal(bn("1 {\"e\":\"trade\",\"E\":1,\"s\":\"X\",\"t\":1,\"p\":\"1.00\",\"q\":\"1\",\"m\":1}",
                        2, 8, &m), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "'m'"));
    assert_int_equal(bn("1 {\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"1.0\",\"x\"]],\"a\":[]}",
                        2, 8, &m), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "depthUpdate field 'b' level 1"));
    assert_int_equal(bn("1 {\"e\":\"depthUpdate\",\"E\":1,\"U\":3,\"u\":2,\"b\":[],\"a\":[]}", 2, 8, &m),
                     NX_EPARSE); /* U after u */
    assert_int_equal(bn("1 {\"e\":\"depthUpdate\",\"E\":1,\"U\":3,\"u\":4,\"b\":[[\"1\"]],\"a\":[]}", 2, 8, &m),
                     NX_EPARSE);
    assert_int_equal(bn("1 {\"lastUpdateId\":1,\"bids\":[[\"-1\",\"1\"]],\"asks\":[]}", 2, 8, &m),
                     NX_ERANGE);
    assert_int_equal(bn("1 {\"e\":\"trade\",\"E\":1", 2, 8, &m), NX_EPARSE); /* truncated */
    assert_non_null(strstr(nx_err_message(), "truncated"));
    assert_int_equal(bn("1 {} {}", 2, 8, &m), NX_EPARSE);
    assert_int_equal(bn("{\"e\":\"trade\"}", 2, 8, &m), NX_EPARSE); /* no receive time */
    assert_int_equal(bn("99999999999999999999 {}", 2, 8, &m), NX_ERANGE);
    /* well-formed but not ours: skip */
    assert_int_equal(bn("1 {\"stream\":\"x@kline_1m\",\"data\":{\"e\":\"kline\",\"E\":1,\"k\":{}}}", 2, 8, &m),
                     NX_ENOTFOUND);
    assert_int_equal(bn("1 {\"result\":null,\"id\":1}", 2, 8, &m), NX_ENOTFOUND);
    /* slots and tokens are hard ceilings */
    nx_data_stream_spec_t spec = {0, 0, 2, 8};
    const char *d = "{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"1.0\",\"1\"],[\"2.0\",\"1\"]],\"a\":[]}";
    assert_int_equal(nx_data_parse_binance_json(g_p, d, strlen(d), 0, &spec, g_ev, 1, &m), NX_ELIMIT);
    assert_non_null(strstr(nx_err_message(), "needs 2 event slots"));
    nx_data_msg_parser_t *small;
    assert_int_equal(nx_data_msg_parser_new(1, &small), NX_OK);
    char big[20000];
    size_t n = (size_t)snprintf(big, sizeof big, "{\"lastUpdateId\":1,\"bids\":[");
    for (int i = 0; i < 200; i++) n += (size_t)snprintf(big + n, sizeof big - n, "%s[\"%d.0\",\"1\"]", i ? "," : "", i + 1);
    n += (size_t)snprintf(big + n, sizeof big - n, "],\"asks\":[]}");
    assert_int_equal(nx_data_parse_binance_json(small, big, n, 0, &spec, g_ev, 2001, &m), NX_ELIMIT);
    assert_int_equal(nx_data_parse_binance_json(g_p, big, n, 0, &spec, g_ev, 2001, &m), NX_OK);
    assert_int_equal(m.n_events, 201);
    nx_data_msg_parser_free(small);
}

/* ---- Kraken ---------------------------------------------------------------- */

static char *read_lines(const char *rel, char **lines, size_t *lens, int max, int *n) {
    FILE *f = fopen(nx_test_src_path(rel), "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    *n = 0;
    char *s = buf;
    while (*s && *n < max) {
        char *e = strchr(s, '\n');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        lines[*n] = s;
        lens[*n] = l;
        (*n)++;
        if (!e) break;
        s = e + 1;
    }
    return buf;
}

static void kraken_checksums_validate_on_real_v1_and_v2_message_pairs(void **state) {
    (void)state;
    if (!g_p) assert_int_equal(nx_data_msg_parser_new(1000, &g_p), NX_OK);
    char *lines[4];
    size_t lens[4];
    int n;
    nx_data_msg_t m;
    /* v1: scales from the text (price 5, qty 8) */
    read_lines("tests/data/kraken_v1_book10_XBTUSD_pair.jsonl", lines, lens, 4, &n);
    assert_int_equal(n, 2);
    uint8_t ps, qs;
    assert_int_equal(nx_data_kraken_book_scales(g_p, lines[0], lens[0], &ps, &qs), NX_OK);
    assert_int_equal(ps, 5);
    assert_int_equal(qs, 8);
    nx_book_config_t c;
    nx_book_config_default(&c, NX_BOOK_SYNC_KRAKEN, ps, qs);
    c.capacity = 64;
    c.depth = 10;
    nx_book_t *b;
    assert_int_equal(nx_book_new(&c, &b), NX_OK);
    nx_data_stream_spec_t spec = {0, 0, ps, qs};
    assert_int_equal(nx_data_parse_kraken_book(g_p, lines[0], lens[0], 1, &spec, g_ev, 2001, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_DEPTH_SNAPSHOT);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.n_events, 21);
    assert_memory_equal(m.symbol, "XBT/USD", 7);
    assert_int_equal(m.ts_venue, 1693415329675425000LL); /* latest level time */
    for (size_t i = 0; i < m.n_events; i++) assert_int_equal(nx_book_apply(b, &g_ev[i].book_delta), NX_OK);
    assert_int_equal(nx_data_parse_kraken_book(g_p, lines[1], lens[1], 2, &spec, g_ev, 2001, &m), NX_OK);
    assert_int_equal(m.kind, NX_MSG_DEPTH_DIFF);
    assert_int_equal(m.has_checksum, 1);
    assert_int_equal(m.checksum, 3572756970u);
    assert_int_equal(g_ev[m.n_events - 1].book_delta.flags, NX_BOOKF_LAST | NX_BOOKF_CHECKSUM);
    for (size_t i = 0; i < m.n_events; i++) assert_int_equal(nx_book_apply(b, &g_ev[i].book_delta), NX_OK);
    assert_int_equal(nx_book_kraken_checksum(b), 3572756970u);
    nx_book_stats_t st;
    nx_book_stats(b, &st);
    assert_int_equal(st.checksums_ok, 1);
    /* a tampered checksum desyncs the book */
    g_ev[m.n_events - 1].book_delta.aux ^= 1;
    for (size_t i = 0; i < m.n_events; i++) {
        int rc = nx_book_apply(b, &g_ev[i].book_delta);
        assert_int_equal(rc, i + 1 == m.n_events ? NX_ECORRUPT : NX_OK);
    }
    assert_non_null(strstr(nx_err_message(), "checksum mismatch"));
    assert_int_equal(nx_book_state(b), NX_BOOK_OUT_OF_SYNC);
    nx_book_free(b);

    /* v2: JSON numbers, precisions of BTC/USD (price 1, qty 8); snapshot checksummed too */
    read_lines("tests/data/kraken_v2_book10_BTCUSD_pair.jsonl", lines, lens, 4, &n);
    assert_int_equal(n, 2);
    nx_book_config_default(&c, NX_BOOK_SYNC_KRAKEN, 1, 8);
    c.capacity = 64;
    c.depth = 10;
    assert_int_equal(nx_book_new(&c, &b), NX_OK);
    spec.price_scale = 1;
    spec.qty_scale = 8;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(nx_data_parse_kraken_book(g_p, lines[k], lens[k], 1, &spec, g_ev, 2001, &m), NX_OK);
        assert_int_equal(m.version, 2);
        assert_int_equal(m.has_checksum, 1);
        assert_int_equal(m.checksum, k == 0 ? 2785033588u : 3547452596u);
        for (size_t i = 0; i < m.n_events; i++)
            assert_int_equal(nx_book_apply(b, &g_ev[i].book_delta), NX_OK);
        assert_int_equal(nx_book_kraken_checksum(b), m.checksum);
    }
    assert_int_equal(m.ts_venue, 1690730998343415000LL); /* 2023-07-30T15:29:58.343415Z */
    nx_book_stats(b, &st);
    assert_int_equal(st.checksums_ok, 2);
    nx_book_free(b);
    /* non-book messages are skipped */
    const char *hb = "{\"event\":\"heartbeat\"}", *tr = "[0,[[\"5541.2\",\"0.1\",\"1534614057.3\",\"s\",\"l\",\"\"]],\"trade\",\"XBT/USD\"]";
    assert_int_equal(nx_data_parse_kraken_book(g_p, hb, strlen(hb), 0, &spec, g_ev, 2001, &m), NX_ENOTFOUND);
    assert_int_equal(nx_data_parse_kraken_book(g_p, tr, strlen(tr), 0, &spec, g_ev, 2001, &m), NX_ENOTFOUND);
}

static void kraken_v1_updates_with_both_sides_and_republish_flags_parse(void **state) {
    (void)state;
    if (!g_p) assert_int_equal(nx_data_msg_parser_new(1000, &g_p), NX_OK);
    const char *msg = "[336,{\"a\":[[\"27120.10000\",\"0.50000000\",\"1693415330.1\"]]},"
                      "{\"b\":[[\"27117.40000\",\"0.00000000\",\"1693415330.886651\"],"
                      "[\"27116.80000\",\"0.14741986\",\"1693415325.036931\",\"r\"]],\"c\":\"42\"},"
                      "\"book-10\",\"XBT/USD\"]";
    nx_data_stream_spec_t spec = {0, 0, 5, 8};
    nx_data_msg_t m;
    assert_int_equal(nx_data_parse_kraken_book(g_p, msg, strlen(msg), 0, &spec, g_ev, 2001, &m), NX_OK);
    assert_int_equal(m.n_events, 3);
    assert_int_equal(m.n_asks, 1);
    assert_int_equal(m.n_bids, 2);
    assert_int_equal(m.checksum, 42);
    assert_int_equal(g_ev[0].book_delta.side, NX_SIDE_SELL);
    assert_int_equal(g_ev[0].book_delta.price, 2712010000LL);
    assert_int_equal(g_ev[1].book_delta.qty, 0);
    assert_int_equal(g_ev[2].book_delta.qty, 14741986);
    assert_int_equal(g_ev[2].book_delta.aux, 42);
    assert_int_equal(m.ts_venue, 1693415330886651000LL);
    /* inexact at the book's scale: the instrument is wrong, say so */
    spec.price_scale = 2;
    assert_int_equal(nx_data_parse_kraken_book(g_p, msg, strlen(msg), 0, &spec, g_ev, 2001, &m), NX_OK);
    const char *bad = "[336,{\"a\":[[\"27120.12345\",\"0.5\",\"1.0\"]],\"c\":\"1\"},\"book-10\",\"XBT/USD\"]";
    assert_int_equal(nx_data_parse_kraken_book(g_p, bad, strlen(bad), 0, &spec, g_ev, 2001, &m), NX_EINEXACT);
    assert_non_null(strstr(nx_err_message(), "'a' level 1 price"));
    const char *badc = "[336,{\"a\":[[\"1.0\",\"0.5\",\"1.0\"]],\"c\":\"99999999999\"},\"book-10\",\"XBT/USD\"]";
    assert_int_equal(nx_data_parse_kraken_book(g_p, badc, strlen(badc), 0, &spec, g_ev, 2001, &m), NX_EPARSE);
}

/* ---- the bundled Binance sample through the BBO oracle ----------------------- */

static void the_bundled_binance_sample_rebuilds_the_bookticker_exactly(void **state) {
    (void)state;
    const char *paths[1] = {nx_test_src_path("tests/data/binance_spot_btcusdt_20240808_head1500.jsonl")};
    char path[1024];
    snprintf(path, sizeof path, "%s", paths[0]);
    paths[0] = path;
    br_result_t r;
    assert_int_equal(br_replay(paths, 1, NX_BOOK_SYNC_BINANCE_SPOT, 2, 8, &r), 0);
    print_message("bundled spot BTCUSDT sample: %llu lines, %llu diffs (%llu applied), %llu tickers, "
                  "%llu compared, %llu mismatches\n",
                  (unsigned long long)r.lines, (unsigned long long)r.diffs,
                  (unsigned long long)r.diffs_applied, (unsigned long long)r.tickers,
                  (unsigned long long)r.compared, (unsigned long long)r.mismatches);
    if (r.mismatches) print_message("first mismatch: %s\n", r.first_mismatch);
    assert_int_equal(r.lines, 1500);
    assert_int_equal(r.parse_errors, 0);
    assert_int_equal(r.snapshots, 1);
    assert_int_equal(r.gaps, 0);
    assert_int_equal(r.errors, 0);
    assert_true(r.compared >= 10);
    assert_int_equal(r.mismatches, 0);
}

static int teardown_parser(void **state) {
    (void)state;
    nx_data_msg_parser_free(g_p);
    g_p = NULL;
    return 0;
}

static const struct CMUnitTest cases[] = {
    NX_CASE(spot_snapshot_then_straddling_diff_then_chain_applies),
    NX_CASE(spot_first_diff_must_straddle_the_snapshot),
    NX_CASE(a_gap_marks_the_book_out_of_sync_until_a_new_snapshot),
    NX_CASE(futures_first_diff_covers_lastUpdateId_then_pu_chains),
    NX_CASE(diffs_before_the_snapshot_are_kept_and_replayed),
    NX_CASE(deletes_and_zero_quantity_sets_remove_levels),
    NX_CASE(top_levels_mid_and_spread),
    NX_CASE(crossed_books_and_quotes_are_reported),
    NX_CASE(capacity_cuts_the_far_end_or_fails_when_strict),
    NX_CASE(depth_cuts_each_side_after_a_batch),
    NX_CASE(malformed_or_foreign_deltas_are_refused),
    NX_CASE(applying_deltas_never_allocates),
    NX_CASE(book_creation_survives_each_allocation_failing),
    NX_CASE(binance_trades_and_aggtrades_become_trade_events),
    NX_CASE(binance_book_tickers_become_quotes_with_update_ids),
    NX_CASE(binance_depth_diffs_become_delta_batches),
    NX_CASE(binance_rest_snapshots_become_clear_plus_levels),
    NX_CASE(binance_errors_name_the_field),
    NX_CASE(kraken_checksums_validate_on_real_v1_and_v2_message_pairs),
    cmocka_unit_test_teardown(kraken_v1_updates_with_both_sides_and_republish_flags_parse,
                              teardown_parser),
    NX_CASE(the_bundled_binance_sample_rebuilds_the_bookticker_exactly),
};

NX_TEST_MAIN(cases)
