/* Instruments: loading examples/instruments.yaml, lookups, rounding, notional, checks. */
#include <stdio.h>
#include <string.h>

#include "nexus/instrument.h"
#include "nx_test.h"

static nx_instruments_t *load_examples(void) {
    nx_instruments_t *reg = NULL;
    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    int rc = nx_instruments_load(nx_test_src_path("examples/instruments.yaml"), d, &reg);
    if (rc) nx_cfg_diags_print(d, stderr);
    assert_int_equal(rc, 0);
    nx_cfg_diags_free(d);
    return reg;
}

static nx_dec_t dec(const char *s) {
    nx_dec_t d;
    assert_int_equal(nx_dec_parse(s, strlen(s), &d), 0);
    return d;
}

static void assert_dec(nx_dec_t got, const char *want) {
    char buf[NX_DEC_STRLEN];
    nx_dec_format(got, buf);
    assert_string_equal(buf, want);
}

static const nx_instrument_t *by_symbol(const nx_instruments_t *reg, const char *venue,
                                        const char *symbol) {
    const nx_instrument_t *in = NULL;
    assert_int_equal(nx_instruments_find(reg, venue, symbol, &in), 0);
    return in;
}

/* A file with one entry made of `body` lines (indented under "- "). */
static void expect_bad(const char *yaml, size_t n, const char *text) {
    nx_cfg_diags_t *d;
    nx_instruments_t *reg = NULL;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    int rc = nx_instruments_load_mem("inst.yaml", yaml, strlen(yaml), d, &reg);
    int found = 0;
    for (size_t i = 0; i < nx_cfg_diags_count(d); i++)
        found |= strcmp(nx_cfg_diags_at(d, i)->text, text) == 0;
    if (rc != NX_ECONFIG || nx_cfg_diags_count(d) != n || !found) {
        fprintf(stderr, "want (%zu): %s\n", n, text);
        nx_cfg_diags_print(d, stderr);
    }
    assert_int_equal(rc, NX_ECONFIG);
    assert_null(reg);
    assert_int_equal(nx_cfg_diags_count(d), n);
    assert_true(found);
    nx_cfg_diags_free(d);
}

#define SPOT_HEAD                                                                               \
    "instruments:\n"                                                                            \
    "  - venue: binance\n"                                                                      \
    "    symbol: BTCUSDT\n"                                                                     \
    "    class: spot\n"                                                                         \
    "    base: BTC\n"                                                                           \
    "    quote: USDT\n"

/* ------------------------------------------------------------------------- */

static void the_example_file_loads_with_ids_in_file_order(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    static const char *const names[] = {"BTC/USDT", "BTC/USDT:USDT", "PEPE/USDT", "BTC/USD",
                                        "AAPL/USD", "EUR/USD", "BTC/USD:BTC-240927-60000-C"};
    static const nx_asset_class_t classes[] = {NX_ASSET_SPOT,   NX_ASSET_PERPETUAL, NX_ASSET_SPOT,
                                               NX_ASSET_SPOT,   NX_ASSET_EQUITY,    NX_ASSET_FX,
                                               NX_ASSET_OPTION};
    /* The file may grow (other demos append entries); the first seven are ours. */
    assert_true(nx_instruments_count(reg) >= NX_ARRAY_LEN(names));
    for (uint32_t i = 0; i < NX_ARRAY_LEN(names); i++) {
        const nx_instrument_t *in = nx_instruments_get(reg, i);
        assert_non_null(in);
        assert_int_equal(in->id, i);
        assert_string_equal(in->name, names[i]);
        assert_int_equal(in->asset_class, classes[i]);
    }
    assert_null(nx_instruments_get(reg, (uint32_t)nx_instruments_count(reg)));
    nx_instruments_free(reg);
}

static void precisions_and_defaults_are_derived_from_tick_and_lot(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    const nx_instrument_t *btc = nx_instruments_get(reg, 0);
    assert_int_equal(btc->price_precision, 2);
    assert_int_equal(btc->size_precision, 8); /* given explicitly (baseAssetPrecision) */
    assert_dec(btc->min_notional, "5");
    assert_dec(btc->maker_fee, "0.001");
    assert_string_equal(btc->settle, "USDT");
    const nx_instrument_t *perp = nx_instruments_get(reg, 1);
    assert_int_equal(perp->price_precision, 1); /* tick "0.10" is one decimal */
    assert_int_equal(perp->size_precision, 3);
    assert_dec(perp->min_qty, "0.001");         /* defaults to the lot */
    const nx_instrument_t *pepe = nx_instruments_get(reg, 2);
    assert_int_equal(pepe->price_precision, 8);
    assert_int_equal(pepe->size_precision, 0);
    const nx_instrument_t *opt = nx_instruments_get(reg, 6);
    assert_true(opt->has_expiry);
    char ts[NX_TIME_STRLEN];
    nx_time_format_prec(opt->expiry, 0, ts);
    assert_string_equal(ts, "2024-09-27T08:00:00Z");
    assert_int_equal(opt->option_type, NX_OPTION_CALL);
    assert_dec(opt->strike, "60000");
    assert_dec(nx_instruments_get(reg, 4)->multiplier, "1");
    assert_int_equal(nx_instrument_schema_check(), 0);
    nx_instruments_free(reg);
}

static void lookups_by_venue_symbol_and_by_venue_name(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    const nx_instrument_t *in = NULL;
    assert_int_equal(by_symbol(reg, "binance", "BTCUSDT")->id, 0);
    assert_int_equal(by_symbol(reg, "binanceusdm", "BTCUSDT")->id, 1);
    assert_int_equal(by_symbol(reg, "kraken", "XXBTZUSD")->id, 3);
    assert_int_equal(nx_instruments_find_name(reg, "kraken", "BTC/USD", &in), 0);
    assert_int_equal(in->id, 3);
    assert_string_equal(in->symbol, "XXBTZUSD");
    assert_int_equal(nx_instruments_find_name(reg, "deribit", "BTC/USD:BTC-240927-60000-C", &in), 0);
    assert_string_equal(in->symbol, "BTC-27SEP24-60000-C");
    in = NULL;
    assert_int_equal(nx_instruments_find(reg, "kraken", "XBTUSD", &in), NX_ENOTFOUND);
    assert_null(in);
    assert_int_equal(nx_instruments_find(reg, "binance", "BTC/USDT", &in), NX_ENOTFOUND);
    assert_int_equal(nx_instruments_find_name(reg, "binance", "BTC/USD", &in), NX_ENOTFOUND);
    assert_int_equal(nx_instruments_find_name(reg, "coinbase", "BTC/USD", &in), NX_ENOTFOUND);
    nx_instruments_free(reg);
}

static void prices_and_quantities_round_to_tick_and_lot(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    const nx_instrument_t *btc = nx_instruments_get(reg, 0);
    nx_dec_t r;
    assert_int_equal(nx_instrument_round_price(btc, dec("100000.037"), NX_ROUND_HALF_EVEN, &r), 0);
    assert_dec(r, "100000.04");
    assert_int_equal(nx_instrument_round_price(btc, dec("100000.037"), NX_ROUND_DOWN, &r), 0);
    assert_dec(r, "100000.03");
    assert_int_equal(nx_instrument_round_price(btc, dec("100000"), NX_ROUND_EXACT, &r), 0);
    assert_dec(r, "100000.00");
    assert_int_equal(nx_instrument_round_price(btc, dec("100000.001"), NX_ROUND_EXACT, &r),
                     NX_EINEXACT);
    assert_int_equal(nx_instrument_round_qty(btc, dec("0.123456789"), NX_ROUND_DOWN, &r), 0);
    assert_dec(r, "0.12345000"); /* on the lot, at the size precision (8) */
    const nx_instrument_t *perp = nx_instruments_get(reg, 1);
    assert_int_equal(nx_instrument_round_price(perp, dec("64123.45"), NX_ROUND_HALF_UP, &r), 0);
    assert_dec(r, "64123.5");
    const nx_instrument_t *pepe = nx_instruments_get(reg, 2);
    assert_int_equal(nx_instrument_round_qty(pepe, dec("1999999999999.7"), NX_ROUND_DOWN, &r), 0);
    assert_dec(r, "1999999999999");
    nx_instruments_free(reg);
}

static void notional_is_exact_for_btc_and_for_a_trillion_token_order(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    nx_money_t n;
    assert_int_equal(
        nx_instrument_notional(nx_instruments_get(reg, 0), dec("100000.00"), dec("0.12345678"), &n), 0);
    assert_dec(n, "12345.6780000000");
    assert_int_equal(nx_instrument_notional(nx_instruments_get(reg, 2), dec("0.00000001"),
                                            dec("2000000000000"), &n),
                     0);
    assert_dec(n, "20000.00000000");
    assert_int_equal(nx_dec_cmp(n, dec("20000")), 0);
    nx_instruments_free(reg);
}

static void notional_falls_back_to_a_coarser_scale_when_exact_does_not_fit(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    nx_money_t n;
    /* 99999999.99 x 99999999.99999999 = 9999999998999999.0000000001: exact needs scale 10,
     * which overflows int64; half-even at the price precision (2) fits. */
    assert_int_equal(nx_instrument_notional(nx_instruments_get(reg, 0), dec("99999999.99"),
                                            dec("99999999.99999999"), &n),
                     0);
    assert_dec(n, "9999999998999999.00");
    assert_int_equal(nx_instrument_notional(nx_instruments_get(reg, 0), dec("999999999999.99"),
                                            dec("99999999.99999999"), &n),
                     NX_EOVERFLOW);
    nx_instruments_free(reg);
}

static void notional_applies_the_contract_multiplier(void **state) {
    (void)state;
    const char *y = "instruments:\n"
                    "  - venue: cme\n"
                    "    symbol: ESU4\n"
                    "    class: future\n"
                    "    base: ES\n"
                    "    quote: USD\n"
                    "    settle: USD\n"
                    "    tick_size: \"0.25\"\n"
                    "    lot_size: \"1\"\n"
                    "    multiplier: \"50\"\n"
                    "    expiry: 2024-09-20T13:30:00Z\n";
    nx_instruments_t *reg;
    assert_int_equal(nx_instruments_load_mem("es.yaml", y, strlen(y), NULL, &reg), 0);
    const nx_instrument_t *es = nx_instruments_get(reg, 0);
    assert_string_equal(es->name, "ES/USD:USD-240920");
    nx_money_t n;
    assert_int_equal(nx_instrument_notional(es, dec("5600.25"), dec("3"), &n), 0);
    assert_int_equal(nx_dec_cmp(n, dec("840037.5")), 0);
    assert_int_equal(nx_instrument_check_order(es, dec("5600.10"), dec("3")), NX_ORDER_OFF_TICK);
    nx_instruments_free(reg);
}

static void order_checks_name_the_first_broken_rule(void **state) {
    (void)state;
    nx_instruments_t *reg = load_examples();
    const nx_instrument_t *btc = nx_instruments_get(reg, 0);
    assert_int_equal(nx_instrument_check_order(btc, dec("100000.00"), dec("0.0001")), NX_ORDER_OK);
    assert_int_equal(nx_instrument_check_order(btc, dec("0"), dec("1")), NX_ORDER_BAD_PRICE);
    assert_int_equal(nx_instrument_check_order(btc, dec("1"), dec("-1")), NX_ORDER_BAD_QTY);
    assert_int_equal(nx_instrument_check_order(btc, dec("100000.005"), dec("1")), NX_ORDER_OFF_TICK);
    assert_int_equal(nx_instrument_check_order(btc, dec("100000.00"), dec("0.000001")),
                     NX_ORDER_OFF_LOT);
    assert_int_equal(nx_instrument_check_order(btc, dec("100000.00"), dec("0.00001")),
                     NX_ORDER_BELOW_MIN_NOTIONAL);
    assert_string_equal(nx_order_check_name(NX_ORDER_BELOW_MIN_NOTIONAL), "below_min_notional");
    const nx_instrument_t *xbt = by_symbol(reg, "kraken", "XXBTZUSD");
    assert_int_equal(nx_instrument_check_order(xbt, dec("60000.0"), dec("0.00005")),
                     NX_ORDER_BELOW_MIN_QTY);
    const nx_instrument_t *pepe = nx_instruments_get(reg, 2);
    assert_int_equal(nx_instrument_check_order(pepe, dec("0.00000001"), dec("2000000000000")),
                     NX_ORDER_OK);
    assert_int_equal(nx_instrument_check_order(pepe, dec("0.00000001"), dec("100000000")),
                     NX_ORDER_BELOW_MIN_NOTIONAL);
    nx_instruments_free(reg);
}

static void a_duplicate_venue_symbol_is_rejected_with_both_lines(void **state) {
    (void)state;
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n" /* lines 2-8 */
                         "  - venue: kraken\n    symbol: XXBTZUSD\n    class: spot\n"
                         "    base: BTC\n    quote: USD\n    tick_size: \"0.1\"\n"
                         "    lot_size: \"0.00000001\"\n" /* lines 9-15 */
                         "  - venue: binance\n    symbol: BTCUSDT\n    class: spot\n"
                         "    base: BTC\n    quote: USDT\n    tick_size: \"0.01\"\n"
                         "    lot_size: \"0.00001\"\n",
               1,
               "inst.yaml:17:13: instruments[2].symbol: duplicate instrument binance BTCUSDT "
               "(first defined at 3:13)");
}

static void two_symbols_with_one_normalised_name_are_rejected(void **state) {
    (void)state;
    expect_bad("instruments:\n"
               "  - {venue: kraken, symbol: XXBTZUSD, class: spot, base: BTC, quote: USD, "
               "tick_size: 0.1, lot_size: 0.00000001}\n"
               "  - {venue: kraken, symbol: XBTUSD, class: spot, base: BTC, quote: USD, "
               "tick_size: 0.1, lot_size: 0.00000001}\n",
               1,
               "inst.yaml:3:5: instruments[1].name: duplicate instrument kraken BTC/USD (first "
               "defined at 2:5)");
}

static void bad_fields_are_each_reported_at_their_key(void **state) {
    (void)state;
    expect_bad(SPOT_HEAD "    tick_size: \"0\"\n    lot_size: \"0.00001\"\n", 1,
               "inst.yaml:7:16: instruments[0].tick_size: must be greater than 0, got \"0\"");
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n"
                         "    taker_fee: \"0.2\"\n    maker_fee: \"-0.02\"\n",
               2,
               "inst.yaml:9:16: instruments[0].taker_fee: must be between -0.01 and 0.1, got "
               "\"0.2\"");
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n"
                         "    price_precision: 19\n",
               1, "inst.yaml:9:22: instruments[0].price_precision: must be at most 18, got \"19\"");
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n"
                         "    price_precision: 1\n",
               1,
               "inst.yaml:9:22: instruments[0].price_precision: 1 is too coarse for tick_size "
               "0.01 (needs >= 2)");
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n"
                         "    name: BTC/USD\n",
               1,
               "inst.yaml:9:11: instruments[0].name: \"BTC/USD\" does not match class, base, "
               "quote and settle (expected \"BTC/USDT\")");
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n"
                         "    min_qty: \"0.000015\"\n",
               1,
               "inst.yaml:9:14: instruments[0].min_qty: 0.000015 is not a multiple of lot_size "
               "0.00001");
    expect_bad(SPOT_HEAD "    tick_size: \"0.01\"\n    lot_size: \"0.00001\"\n"
                         "    expiry: 2024-09-27T08:00:00Z\n",
               1, "inst.yaml:9:13: instruments[0].expiry: only futures and options expire");
    expect_bad(SPOT_HEAD "    tick_size: 0.01\n", 1,
               "inst.yaml:2:5: instruments[0].lot_size: required key is missing");
    expect_bad("instruments:\n  - {venue: Binance, symbol: BTC USDT, class: swap, base: btc, "
               "quote: USDT, tick_size: 0.01, lot_size: 1}\n",
               1,
               "inst.yaml:2:47: instruments[0].class: expected one of "
               "spot|perpetual|future|equity|fx|option, got \"swap\"");
    expect_bad("instruments:\n  - {venue: Binance, symbol: BTC USDT, class: spot, base: btc, "
               "quote: USDT, tick_size: 0.01, lot_size: 1}\n",
               3, "inst.yaml:2:59: instruments[0].base: currency codes are upper-case letters, "
                  "digits or '.' (e.g. BTC, USDT, 1000PEPE)");
}

static void derivatives_need_their_settle_expiry_strike_and_type(void **state) {
    (void)state;
    expect_bad("instruments:\n  - {venue: x, symbol: P, class: perpetual, base: BTC, quote: USDT, "
               "tick_size: 0.1, lot_size: 0.001}\n",
               1, "inst.yaml:2:5: instruments[0].settle: required for a perpetual");
    expect_bad("instruments:\n  - {venue: x, symbol: F, class: future, base: BTC, quote: USD, "
               "settle: BTC, tick_size: 0.5, lot_size: 1}\n",
               1, "inst.yaml:2:5: instruments[0].expiry: required for a future");
    expect_bad("instruments:\n  - {venue: x, symbol: O, class: option, base: BTC, quote: USD, "
               "settle: BTC, tick_size: 0.0005, lot_size: 0.1, expiry: 2024-09-27T08:00:00Z}\n",
               2, "inst.yaml:2:5: instruments[0].option_type: required for an option (call or put)");
    expect_bad("instruments:\n  - {venue: x, symbol: S, class: spot, base: BTC, quote: USD, "
               "tick_size: 0.01, lot_size: 1, strike: 5}\n",
               1, "inst.yaml:2:101: instruments[0].strike: only options have a strike");
}

static void a_rebate_and_a_put_option_are_accepted(void **state) {
    (void)state;
    const char *y = "instruments:\n"
                    "  - {venue: deribit, symbol: BTC-27SEP24-55000-P, class: option, base: BTC,"
                    " quote: USD, settle: BTC, tick_size: 0.0005, lot_size: 0.1,"
                    " expiry: 2024-09-27T08:00:00Z, strike: 55000, option_type: put,"
                    " maker_fee: -0.0001, taker_fee: 0.0003}\n";
    nx_instruments_t *reg;
    assert_int_equal(nx_instruments_load_mem("o.yaml", y, strlen(y), NULL, &reg), 0);
    const nx_instrument_t *o = nx_instruments_get(reg, 0);
    assert_string_equal(o->name, "BTC/USD:BTC-240927-55000-P");
    assert_int_equal(nx_dec_sign(o->maker_fee), -1);
    nx_instruments_free(reg);
}

static void an_instruments_file_needs_a_non_empty_list(void **state) {
    (void)state;
    expect_bad("instruments: []\n", 1, "inst.yaml:1:14: instruments: expected 1..1000000 items, got 0");
    expect_bad("instruments:\n  venue: x\n", 1,
               "inst.yaml:2:3: instruments: expected a list, got a map");
    expect_bad("venues: []\n", 2, "inst.yaml:1:1: instruments: required key is missing");
}

static void failing_each_allocation_while_loading_instruments_is_clean(void **state) {
    (void)state;
    int done = 0;
    for (uint64_t n = 1; n < 5000 && !done; n++) {
        nx_alloc_stats_t before, mid, after;
        nx_alloc_stats(&before);
        nx_instruments_t *reg = NULL;
        nx_alloc_fail_at(n, 0);
        int rc = nx_instruments_load(nx_test_src_path("examples/instruments.yaml"), NULL, &reg);
        nx_alloc_stats(&mid);
        nx_alloc_fail_at(0, 0);
        if (rc == 0) {
            done = mid.failures == before.failures;
            nx_instruments_free(reg);
        } else {
            assert_int_equal(rc, NX_ENOMEM);
            assert_null(reg);
        }
        nx_alloc_stats(&after);
        assert_int_equal(after.bytes, before.bytes);
    }
    assert_true(done);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(the_example_file_loads_with_ids_in_file_order),
    NX_CASE(precisions_and_defaults_are_derived_from_tick_and_lot),
    NX_CASE(lookups_by_venue_symbol_and_by_venue_name),
    NX_CASE(prices_and_quantities_round_to_tick_and_lot),
    NX_CASE(notional_is_exact_for_btc_and_for_a_trillion_token_order),
    NX_CASE(notional_falls_back_to_a_coarser_scale_when_exact_does_not_fit),
    NX_CASE(notional_applies_the_contract_multiplier),
    NX_CASE(order_checks_name_the_first_broken_rule),
    NX_CASE(a_duplicate_venue_symbol_is_rejected_with_both_lines),
    NX_CASE(two_symbols_with_one_normalised_name_are_rejected),
    NX_CASE(bad_fields_are_each_reported_at_their_key),
    NX_CASE(derivatives_need_their_settle_expiry_strike_and_type),
    NX_CASE(a_rebate_and_a_put_option_are_accepted),
    NX_CASE(an_instruments_file_needs_a_non_empty_list),
    NX_CASE(failing_each_allocation_while_loading_instruments_is_clean),
};
NX_TEST_MAIN(cases)
