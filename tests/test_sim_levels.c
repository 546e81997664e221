/*
 * test_sim_levels — the venue's copy of the market book (fill_book.c):
 * sorted level arrays with tombstones for deleted levels and price -> index
 * hints (nx__lvh_t), checked against a naive model (linear scans, levels
 * removed at once) on random set / delete / clear sequences, with prices that
 * share hint buckets and a level ceiling small enough to hit the "full: drop
 * the far end" rule. Internal: includes sim/sim_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/sim.h"
#include "nx_test.h"
#include "sim/sim_int.h"

#define CAP 48 /* levels per side (the venue's max_levels) */

typedef struct {
    int64_t price[CAP], qty[CAP]; /* sorted by key, best at the end, as the venue */
    uint32_t n;
} model_side_t;

static int64_t key(int si, int64_t p) { return si ? -p : p; }

static void model_set(model_side_t *m, int si, int64_t price, int64_t qty) {
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->price[i] != price) continue;
        if (qty > 0) {
            m->qty[i] = qty;
        } else {
            for (uint32_t j = i; j + 1 < m->n; j++) m->price[j] = m->price[j + 1], m->qty[j] = m->qty[j + 1];
            m->n--;
        }
        return;
    }
    if (qty <= 0) return;
    uint32_t i = 0;
    while (i < m->n && key(si, m->price[i]) < key(si, price)) i++;
    if (m->n >= CAP) {
        if (i == 0) return; /* worse than everything kept */
        for (uint32_t j = 0; j + 1 < i; j++) m->price[j] = m->price[j + 1], m->qty[j] = m->qty[j + 1];
        i--;
    } else {
        for (uint32_t j = m->n; j > i; j--) m->price[j] = m->price[j - 1], m->qty[j] = m->qty[j - 1];
        m->n++;
    }
    m->price[i] = price;
    m->qty[i] = qty;
}

static int64_t model_qty(const model_side_t *m, int64_t price) {
    for (uint32_t i = 0; i < m->n; i++)
        if (m->price[i] == price) return m->qty[i];
    return 0;
}

static void run(uint64_t seed, int64_t tick, int n_ops) {
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = NX_SIM_FILL_BOOK;
    c.max_levels = CAP;
    nx_sim_t *s;
    assert_int_equal(nx_sim_new(&c, &s), NX_OK);
    uint32_t usdt, btc;
    assert_int_equal(nx_sim_add_asset(s, "USDT", 8, &usdt), NX_OK);
    assert_int_equal(nx_sim_add_asset(s, "BTC", 8, &btc), NX_OK);
    nx_instrument_t in;
    memset(&in, 0, sizeof in);
    in.id = 7;
    memcpy(in.base, "BTC", 4);
    memcpy(in.quote, "USDT", 5);
    in.tick_size = nx_dec_make(1, 2);
    in.lot_size = nx_dec_make(1, 4);
    in.price_precision = 2;
    in.size_precision = 4;
    in.multiplier = nx_dec_make(1, 0);
    assert_int_equal(nx_sim_add_instrument(s, &in, NULL), NX_OK);
    nx__sim_instr_t *ins = nx__sim_instr(s, 7);
    assert_non_null(ins);

    model_side_t model[2];
    memset(model, 0, sizeof model);
    nx_rng_t r;
    nx_rng_seed(&r, seed);
    for (int op = 0; op < n_ops; op++) {
        int si = (int)nx_rng_below(&r, 2);
        uint8_t side = si ? NX_SIDE_SELL : NX_SIDE_BUY;
        /* 80 price steps per side around 100000 ticks: more than CAP levels */
        int64_t off = 1 + (int64_t)nx_rng_below(&r, 80);
        int64_t price = (si ? 100000 + off : 100000 - off) * tick;
        uint64_t k = nx_rng_below(&r, 1000);
        if (k == 0) { /* clear, through the BOOK_DELTA path */
            nx_ev_book_delta_t d;
            memset(&d, 0, sizeof d);
            d.action = NX_BOOK_CLEAR;
            assert_int_equal(nx__fill_book_delta(s, ins, &d, 0), NX_OK);
            memset(model, 0, sizeof model);
        } else {
            int64_t qty = k < 250 ? 0 : (int64_t)nx_rng_below(&r, 1000) + 1;
            assert_int_equal(nx__md_set(ins, side, price, qty), NX_OK);
            model_set(&model[si], si, price, qty);
        }
        for (int sj = 0; sj < 2; sj++) {
            /* the live levels, in order; the top entry is live; tombstones
             * are counted; prices strictly ordered */
            const nx__mdside_t *sd = &ins->md[sj];
            uint32_t live = 0, dead = 0;
            for (uint32_t i = 0; i < sd->n; i++) {
                if (i) assert_true(key(sj, sd->lv[i - 1].price) < key(sj, sd->lv[i].price));
                if (sd->lv[i].qty == 0) {
                    dead++;
                    continue;
                }
                assert_true(live < model[sj].n);
                assert_int_equal(sd->lv[i].price, model[sj].price[live]);
                assert_int_equal(sd->lv[i].qty, model[sj].qty[live]);
                live++;
            }
            assert_int_equal(live, model[sj].n);
            assert_int_equal(dead, sd->dead);
            assert_true(sd->n <= CAP);
            if (sd->n) assert_true(sd->lv[sd->n - 1].qty > 0);
        }
        /* lookups of present and absent prices, through the hints */
        for (int q = 0; q < 4; q++) {
            int sq = (int)nx_rng_below(&r, 2);
            int64_t o2 = 1 + (int64_t)nx_rng_below(&r, 82);
            int64_t p2 = (sq ? 100000 + o2 : 100000 - o2) * tick;
            assert_int_equal(nx__md_qty(ins, sq ? NX_SIDE_SELL : NX_SIDE_BUY, p2),
                             model_qty(&model[sq], p2));
        }
    }
    nx_sim_free(s);
}

static void market_book_copy_agrees_with_naive_model(void **state) {
    (void)state;
    run(1, 1, 200000); /* adjacent prices: one hint bucket each */
}

static void market_book_copy_agrees_when_prices_share_hint_buckets(void **state) {
    (void)state;
    run(2, 512, 100000);  /* two buckets for all levels */
    run(3, 1024, 100000); /* one bucket for all levels */
    run(4, 1023, 100000); /* distinct buckets, far apart */
}

static const struct CMUnitTest cases[] = {
    NX_CASE(market_book_copy_agrees_with_naive_model),
    NX_CASE(market_book_copy_agrees_when_prices_share_hint_buckets),
};

NX_TEST_MAIN(cases)
