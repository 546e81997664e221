/* Core: error table and detail, allocator counters and fault hook, ids, CRC-32C, PRNG, logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nexus/core.h"
#include "nexus/event.h"
#include "nx_test.h"

static void every_error_code_has_a_name_and_a_message(void **state) {
    (void)state;
#define CHECK(name, code, msg)                                                                 \
    assert_true((code) < 0);                                                                   \
    assert_string_equal(nx_strerror(code), msg);                                               \
    assert_string_equal(nx_err_name(code), "NX_" #name);
    NX_ERRNO_MAP(CHECK)
#undef CHECK
    assert_string_equal(nx_err_name(0), "NX_OK");
    assert_string_equal(nx_strerror(-9999), "unknown error");
    assert_string_equal(nx_err_name(-9999), "NX_E?");
}

static int inner(void) { return NX_ERR(NX_ECORRUPT, "checksum mismatch at offset %d", 4096); }
static int middle(void) {
    int rc = inner();
    return NX_ERR_APPEND(rc, "segment %s", "00000000000000000001.nxj");
}

static void error_detail_is_set_where_it_starts_and_prefixed_by_each_layer(void **state) {
    (void)state;
    nx_err_clear();
    assert_string_equal(nx_err_message(), "");
    int rc = middle();
    assert_int_equal(rc, NX_ECORRUPT);
    assert_int_equal(nx_err_code(), NX_ECORRUPT);
    assert_string_equal(nx_err_message(),
                        "segment 00000000000000000001.nxj: checksum mismatch at offset 4096");
    assert_non_null(strstr(nx_err_detail(), "inner"));
    assert_non_null(strstr(nx_err_detail(), "middle"));
    assert_non_null(strstr(nx_err_detail(), "test_core.c"));
    /* A huge message is truncated, never overflows. */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    NX_ERR(NX_EINVAL, "%s", big);
    for (int i = 0; i < 10; i++) NX_ERR_APPEND(NX_EINVAL, "%s", big);
    assert_true(strlen(nx_err_message()) < NX_ERR_DETAIL_MAX);
    assert_true(strlen(nx_err_detail()) < NX_ERR_DETAIL_MAX);
    nx_err_clear();
    assert_int_equal(nx_err_code(), 0);
}

static void the_allocator_counts_calls_bytes_and_peak(void **state) {
    (void)state;
    nx_alloc_stats_t a, b, c;
    nx_alloc_stats(&a);
    void *p = nx_malloc(1000);
    void *q = nx_calloc(10, 100);
    assert_non_null(p);
    assert_non_null(q);
    p = nx_realloc(p, 5000);
    assert_non_null(p);
    char *s = nx_strdup("hello");
    assert_string_equal(s, "hello");
    char *t = nx_strndup("hello world", 5);
    assert_string_equal(t, "hello");
    void *al = nx_aligned_alloc(64, 100);
    assert_true(((uintptr_t)al & 63) == 0);
    nx_alloc_stats(&b);
    assert_int_equal(b.calls - a.calls, 6);
    assert_true(b.bytes - a.bytes >= 5000 + 1000 + 6 + 6 + 100);
    assert_true(b.peak >= b.bytes);
    nx_free(p);
    nx_free(q);
    nx_free(s);
    nx_free(t);
    nx_free(al);
    nx_free(NULL);
    nx_alloc_stats(&c);
    assert_int_equal(c.bytes, a.bytes);
    assert_int_equal(c.frees - a.frees, 6); /* realloc counts its old block as freed */
}

static void the_nth_allocation_can_be_made_to_fail(void **state) {
    (void)state;
    nx_alloc_stats_t a, b;
    nx_alloc_stats(&a);
    nx_alloc_fail_at(3, 0);
    void *p1 = nx_malloc(8), *p2 = nx_malloc(8), *p3 = nx_malloc(8), *p4 = nx_malloc(8);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_null(p3);
    assert_non_null(p4);
    nx_alloc_fail_at(1, 1); /* this and every later one */
    assert_null(nx_malloc(1));
    assert_null(nx_calloc(1, 1));
    assert_null(nx_strdup("x"));
    nx_alloc_fail_at(0, 0);
    void *p5 = nx_malloc(8);
    assert_non_null(p5);
    nx_alloc_stats(&b);
    assert_int_equal(b.failures - a.failures, 4);
    nx_free(p1);
    nx_free(p2);
    nx_free(p4);
    nx_free(p5);
}

static void intent_ids_are_deterministic_and_round_trip_through_client_ids(void **state) {
    (void)state;
    uint64_t id, back;
    assert_int_equal(nx_intent_id(7, 1, &id), 0);
    assert_int_equal(id, (7ull << 40) | 1);
    assert_int_equal(nx_intent_strategy(id), 7);
    assert_int_equal(nx_intent_seq(id), 1);
    char buf[NX_CLIENT_ID_MAX];
    size_t n = nx_intent_client_id(id, buf);
    assert_string_equal(buf, "nx-7-1");
    assert_int_equal(n, 6);
    assert_int_equal(nx_intent_parse_client_id(buf, n, &back), 0);
    assert_int_equal(back, id);
    /* extremes fit Binance's 36-char [.A-Z:/a-z0-9_-] client id */
    assert_int_equal(nx_intent_id(NX_INTENT_STRATEGY_MAX, NX_INTENT_SEQ_MAX, &id), 0);
    n = nx_intent_client_id(id, buf);
    assert_true(n <= 24);
    assert_int_equal(nx_intent_parse_client_id(buf, n, &back), 0);
    assert_int_equal(back, id);
    nx_rng_t r;
    nx_rng_seed(&r, 1);
    for (int i = 0; i < 100000; i++) {
        uint32_t s = (uint32_t)nx_rng_below(&r, NX_INTENT_STRATEGY_MAX + 1ull);
        uint64_t q = 1 + nx_rng_below(&r, NX_INTENT_SEQ_MAX);
        assert_int_equal(nx_intent_id(s, q, &id), 0);
        n = nx_intent_client_id(id, buf);
        assert_int_equal(nx_intent_parse_client_id(buf, n, &back), 0);
        assert_int_equal(back, id);
    }
    assert_int_equal(nx_intent_id(NX_INTENT_STRATEGY_MAX + 1, 1, &id), NX_ERANGE);
    assert_int_equal(nx_intent_id(1, 0, &id), NX_ERANGE);
    assert_int_equal(nx_intent_id(1, NX_INTENT_SEQ_MAX + 1, &id), NX_ERANGE);
    assert_int_equal(nx_intent_parse_client_id("xx-1-1", 6, &back), NX_EPARSE);
    assert_int_equal(nx_intent_parse_client_id("nx-1-", 5, &back), NX_EPARSE);
    assert_int_equal(nx_intent_parse_client_id("nx--1", 5, &back), NX_EPARSE);
    assert_int_equal(nx_intent_parse_client_id("nx-A-1", 6, &back), NX_EPARSE);
    assert_int_equal(nx_intent_parse_client_id("nx-1-0", 6, &back), NX_ERANGE);
    assert_int_equal(nx_intent_parse_client_id("nx-zzzzzzz-1", 12, &back), NX_EPARSE);
}

uint32_t nx__crc32c_sw(uint32_t crc, const void *data, size_t len);

static void crc32c_matches_published_check_values_and_the_table_version(void **state) {
    (void)state;
    /* RFC 3720 B.4 / the CRC catalogue: CRC-32C("123456789") = 0xE3069283. */
    assert_int_equal(nx_crc32c(0, "123456789", 9), 0xE3069283u);
    unsigned char zeros[32] = {0}, ones[32];
    memset(ones, 0xFF, sizeof ones);
    assert_int_equal(nx_crc32c(0, zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
    assert_int_equal(nx_crc32c(0, ones, 32), 0x62A8AB43u);
    unsigned char inc[32];
    for (int i = 0; i < 32; i++) inc[i] = (unsigned char)i;
    assert_int_equal(nx_crc32c(0, inc, 32), 0x46DD794Eu);
    assert_int_equal(nx_crc32c(0, "", 0), 0);
    nx_rng_t r;
    nx_rng_seed(&r, 9);
    unsigned char buf[1024];
    for (int it = 0; it < 2000; it++) {
        size_t n = nx_rng_below(&r, sizeof buf + 1);
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)nx_rng_next(&r);
        uint32_t hw = nx_crc32c(0, buf, n);
        assert_int_equal(hw, nx__crc32c_sw(0, buf, n));
        size_t cut = n ? nx_rng_below(&r, n) : 0; /* incremental == one shot */
        assert_int_equal(nx_crc32c(nx_crc32c(0, buf, cut), buf + cut, n - cut), hw);
    }
}

static void the_prng_is_deterministic_per_seed_and_unbiased_enough(void **state) {
    (void)state;
    nx_rng_t a, b, c;
    nx_rng_seed(&a, 123);
    nx_rng_seed(&b, 123);
    nx_rng_seed(&c, 124);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = nx_rng_next(&a);
        assert_int_equal(x, nx_rng_next(&b));
        same_c += x == nx_rng_next(&c);
    }
    assert_int_equal(same_c, 0);
    uint64_t counts[10] = {0};
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        counts[nx_rng_below(&a, 10)]++;
        double d = nx_rng_double(&a);
        assert_true(d >= 0 && d < 1);
        sum += d;
    }
    for (int i = 0; i < 10; i++) assert_true(counts[i] > 9500 && counts[i] < 10500);
    assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
    /* zero seed still gives a non-degenerate stream */
    nx_rng_seed(&a, 0);
    assert_true(nx_rng_next(&a) != 0 || nx_rng_next(&a) != 0);
}

static int64_t fixed_clock(void *ctx) { return *(int64_t *)ctx; }

static void logs_are_one_json_object_per_line_with_escaped_messages(void **state) {
    (void)state;
    char path[] = "/tmp/nx-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int64_t t = 1723161255342000000LL;
    nx_log_set_clock(fixed_clock, &t);
    nx_log_set_fd(fd);
    nx_log_set_level(NX_LOG_INFO);
    nx_log(NX_LOG_DEBUG, "kernel", 0, "hidden %d", 1);
    nx_log(NX_LOG_INFO, "kernel", 42, "started \"%s\"\n\ttab", "x\\y");
    nx_log(NX_LOG_ERROR, "journal", 0, "ctrl \x01 end");
    nx_log_set_fd(2);
    nx_log_set_clock(NULL, NULL);
    char buf[1024] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    assert_string_equal(buf,
                        "{\"ts\":\"2024-08-08T23:54:15.342000000Z\",\"level\":\"info\",\"component\":"
                        "\"kernel\",\"trace_id\":42,\"message\":\"started \\\"x\\\\y\\\"\\n\\ttab\"}\n"
                        "{\"ts\":\"2024-08-08T23:54:15.342000000Z\",\"level\":\"error\",\"component\":"
                        "\"journal\",\"message\":\"ctrl \\u0001 end\"}\n");
    nx_log_level_t lv;
    assert_int_equal(nx_log_level_parse("warn", &lv), 0);
    assert_int_equal(lv, NX_LOG_WARN);
    assert_int_equal(nx_log_level_parse("loud", &lv), NX_EPARSE);
    assert_string_equal(nx_log_level_name(NX_LOG_TRACE), "trace");
}

static void event_records_have_the_documented_sizes_and_names(void **state) {
    (void)state;
    assert_int_equal(sizeof(nx_event_hdr_t), 48);
    assert_int_equal(nx_event_size_of(NX_EV_TRADE), 80);
    assert_int_equal(nx_event_size_of(NX_EV_TIMER), 64);
    assert_int_equal(nx_event_size_of(NX_EV_FILL), 120);
    assert_int_equal(nx_event_size_of(0x7777), 0);
    assert_string_equal(nx_event_type_name(NX_EV_ORDER_INTENT), "order_intent");
    assert_int_equal(nx_event_type_from_name("book_delta"), NX_EV_BOOK_DELTA);
    assert_int_equal(nx_event_type_from_name("nope"), NX_EV_NONE);
    assert_null(nx_event_type_name(0x7777));
}

static void event_check_rejects_malformed_records(void **state) {
    (void)state;
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_TRADE);
    assert_int_equal(nx_event_check(&ev, 80), 0);
    assert_int_equal(nx_event_check(&ev, 40), NX_ECORRUPT);
    assert_int_equal(nx_event_check(&ev, 88), NX_ECORRUPT); /* size field disagrees */
    ev.h.size = 88;
    assert_int_equal(nx_event_check(&ev, 88), NX_ECORRUPT); /* wrong size for a trade */
    ev.h.type = 0x7777;                                      /* unknown type, sane size: ok */
    assert_int_equal(nx_event_check(&ev, 88), 0);
    ev.h.size = 84;
    assert_int_equal(nx_event_check(&ev, 84), NX_ECORRUPT);
    ev.h.type = 0;
    ev.h.size = 88;
    assert_int_equal(nx_event_check(&ev, 88), NX_ECORRUPT);
    nx_event_init(&ev, NX_EV_TOPIC_DEF);
    memcpy(ev.topic_def.name, "md.x", 5);
    ev.topic_def.name_len = 4;
    assert_int_equal(nx_event_check(&ev, 128), 0);
    ev.topic_def.name_len = 3; /* NUL not where the length says */
    assert_int_equal(nx_event_check(&ev, 128), NX_ECORRUPT);
    ev.topic_def.name_len = 200;
    assert_int_equal(nx_event_check(&ev, 128), NX_ECORRUPT);
}

static const char *names(void *ctx, uint32_t id) {
    (void)ctx;
    return id == 3 ? "md.trades.binance.BTCUSDT" : NULL;
}

static void events_render_as_json_with_exact_decimals(void **state) {
    (void)state;
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_TRADE);
    ev.h.seq = 5;
    ev.h.trace_id = 5;
    ev.h.topic = 3;
    ev.h.ts_venue = ev.h.ts_recv = 1723161255342000000LL;
    ev.trade.instrument = 1;
    ev.trade.aggressor = NX_SIDE_SELL;
    ev.trade.price_scale = 2;
    ev.trade.qty_scale = 8;
    ev.trade.price = 6183763;
    ev.trade.qty = 2000000;
    ev.trade.trade_id = 3735683259u;
    char buf[2048];
    int n = nx_event_to_json(&ev, names, NULL, buf, sizeof buf);
    assert_true(n > 0);
    assert_string_equal(
        buf, "{\"seq\":5,\"type\":\"trade\",\"ts_venue\":\"2024-08-08T23:54:15.342000000Z\","
             "\"ts_recv\":\"2024-08-08T23:54:15.342000000Z\",\"trace_id\":5,\"causation_id\":0,"
             "\"topic\":\"md.trades.binance.BTCUSDT\",\"instrument\":1,\"aggressor\":\"sell\","
             "\"price\":\"61837.63\",\"qty\":\"0.02000000\",\"trade_id\":3735683259,\"flags\":0}");
    assert_int_equal(nx_event_to_json(&ev, NULL, NULL, buf, 50), NX_ELIMIT);
    /* every known type renders */
    static const uint16_t types[] = {
#define T(NAME, code, name, type) NX_EV_##NAME,
        NX_EVENT_TYPES(T)
#undef T
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(types); i++) {
        nx_event_init(&ev, types[i]);
        n = nx_event_to_json(&ev, NULL, NULL, buf, sizeof buf);
        assert_true(n > 0);
        assert_non_null(strstr(buf, nx_event_type_name(types[i])));
    }
    /* unknown types show their payload bytes */
    memset(&ev, 0, sizeof ev);
    ev.h.type = 0x7777;
    ev.h.size = 56;
    ev.bytes[48] = 0xab;
    n = nx_event_to_json(&ev, NULL, NULL, buf, sizeof buf);
    assert_non_null(strstr(buf, "\"type\":30583"));
    assert_non_null(strstr(buf, "\"payload_hex\":\"ab00000000000000\""));
}

static const struct CMUnitTest cases[] = {
    NX_CASE(every_error_code_has_a_name_and_a_message),
    NX_CASE(error_detail_is_set_where_it_starts_and_prefixed_by_each_layer),
    NX_CASE(the_allocator_counts_calls_bytes_and_peak),
    NX_CASE(the_nth_allocation_can_be_made_to_fail),
    NX_CASE(intent_ids_are_deterministic_and_round_trip_through_client_ids),
    NX_CASE(crc32c_matches_published_check_values_and_the_table_version),
    NX_CASE(the_prng_is_deterministic_per_seed_and_unbiased_enough),
    NX_CASE(logs_are_one_json_object_per_line_with_escaped_messages),
    NX_CASE(event_records_have_the_documented_sizes_and_names),
    NX_CASE(event_check_rejects_malformed_records),
    NX_CASE(events_render_as_json_with_exact_decimals),
};

NX_TEST_MAIN(cases)
