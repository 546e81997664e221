/* Binance trade rows: columns, units, exactness, and the regressions fuzzing found. */
#include <string.h>

#include "nexus/data.h"
#include "nx_test.h"

static int parse(const char *s, nx_trade_row_t *r) {
    return nx_data_parse_binance_trade(s, strlen(s), 2, 8, r);
}

static void a_row_parses_exactly_with_ms_or_us_timestamps(void **state) {
    (void)state;
    nx_trade_row_t r;
    assert_int_equal(parse("3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,true,true",
                           &r), 0);
    assert_int_equal(r.id, 3735683259u);
    assert_int_equal(r.price, 6183763);
    assert_int_equal(r.qty, 2000000);
    assert_int_equal(r.ts, 1723161255342000000LL);
    assert_int_equal(r.buyer_maker, 1);
    assert_int_equal(parse("1,2.5,1,2.5,1723161255342123,false\r", &r), 0);
    assert_int_equal(r.ts, 1723161255342123000LL);
    assert_int_equal(r.buyer_maker, 0);
    nx_ev_trade_t ev;
    nx_data_trade_event(&r, 4, 9, 2, 8, &ev);
    assert_int_equal(ev.h.type, NX_EV_TRADE);
    assert_int_equal(ev.h.ts_recv, r.ts);
    assert_int_equal(ev.aggressor, NX_SIDE_BUY); /* buyer was taker */
    assert_int_equal(ev.instrument, 4);
    assert_int_equal(ev.h.topic, 9);
}

static void headers_are_recognised_and_bad_columns_are_named(void **state) {
    (void)state;
    nx_trade_row_t r;
    assert_int_equal(parse("id,price,qty,quote_qty,time,is_buyer_maker,is_best_match", &r),
                     NX_ENOTFOUND);
    assert_int_equal(parse("1,2.5,1,2.5", &r), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "columns"));
    assert_int_equal(parse("x,2.5,1,2.5,1723161255342,true", &r), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "column id"));
    assert_int_equal(parse("1,2.5x,1,2.5,1723161255342,true", &r), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "column price"));
    assert_int_equal(parse("1,2.555,1,2.5,1723161255342,true", &r), NX_EINEXACT); /* off scale */
    assert_int_equal(parse("1,0,1,2.5,1723161255342,true", &r), NX_ERANGE);
    assert_int_equal(parse("1,2.5,-1,2.5,1723161255342,true", &r), NX_ERANGE);
    assert_non_null(strstr(nx_err_message(), "column qty"));
    assert_int_equal(parse("1,2.5,1,2.5,17231612553421234,true", &r), NX_ERANGE);
    assert_int_equal(parse("1,2.5,1,2.5,1723161255342,maybe", &r), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "is_buyer_maker"));
}

static void timestamps_that_would_overflow_int64_ns_are_rejected(void **state) {
    (void)state;
    nx_trade_row_t r;
    /* found by fuzz_binance_trade: 16-digit microseconds beyond 2262 */
    assert_int_equal(parse("1,2.5,1,2.5,9723161255342123,false", &r), NX_ERANGE);
    assert_int_equal(parse("1,2.5,1,2.5,9999999999999,false", &r), NX_ERANGE); /* 2286 */
    assert_int_equal(parse("1,2.5,1,2.5,9223372036854,false", &r), 0); /* 2262-04-11: fits */
    assert_int_equal(r.ts, 9223372036854000000LL);
    /* short ms values are milliseconds, whatever their length */
    assert_int_equal(parse("1,2.5,1,2.5,1723,false", &r), 0);
    assert_int_equal(r.ts, 1723000000LL);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(a_row_parses_exactly_with_ms_or_us_timestamps),
    NX_CASE(headers_are_recognised_and_bad_columns_are_named),
    NX_CASE(timestamps_that_would_overflow_int64_ns_are_rejected),
};

NX_TEST_MAIN(cases)
