/*
 * test_time — int64 ns UTC time (nexus/time.h).
 *
 * Expected instants come from libc's timegm()/gmtime_r() (an independent
 * calendar implementation), never from the code under test. Cases marked
 * "regression" pin bugs found while writing this file:
 *   - nx_time_to_civil overflowed (signed UB) within one day of NX_TS_MIN, so
 *     formatting the earliest timestamps was undefined
 *   - nx_time_from_civil / nx_time_parse rejected the earliest in-range second
 *     (1677-09-21T00:12:43.145224192Z = INT64_MIN) because secs * 1e9 was
 *     formed before the nanoseconds were added
 *   - a local time past the int64 span rejected even when its offset brings it
 *     back inside ("2262-04-12T00:30:00+01:00")
 *   - a dangling colon in a zone offset ("+02:") was accepted as "+02:00"
 *   - second 60 was accepted at any minute, not only at 23:59:60 UTC
 *   - nx_duration_parse wrote a wrapped value to *out_ns on overflow
 *   - nx_time_floor wrapped to a large positive value near NX_TS_MIN
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nexus/time.h"
#include "nx_test.h"

#define PROPERTY_CASES 1000000

/* Seconds since the epoch for a UTC civil time, through libc. */
static int64_t utc_secs(int y, int mo, int d, int h, int mi, int s) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm);
}

/* The same in ns (inside the int64 ns span only). */
static nx_ts_t utc(int y, int mo, int d, int h, int mi, int s) {
    return utc_secs(y, mo, d, h, mi, s) * NX_NS_PER_SEC;
}

static void expect_time(const char *text, nx_ts_t want) {
    nx_ts_t got = 12345;
    int rc = nx_time_parse(text, strlen(text), &got);
    if (rc != 0 || got != want)
        fail_msg("parse '%s': rc=%s got %lld, want %lld (%s)", text, nx_err_name(rc),
                 (long long)got, (long long)want, nx_err_detail());
}

static void expect_time_fails(const char *text, int want_rc) {
    nx_ts_t got = 12345;
    int rc = nx_time_parse(text, strlen(text), &got);
    if (rc != want_rc || got != 12345)
        fail_msg("parse '%s': rc=%s (out %lld), want %s", text, nx_err_name(rc), (long long)got,
                 nx_err_name(want_rc));
    assert_true(strlen(nx_err_detail()) > 0);
}

static void expect_duration(const char *text, int64_t want) {
    int64_t got = -1;
    int rc = nx_duration_parse(text, strlen(text), &got);
    if (rc != 0 || got != want)
        fail_msg("duration '%s': rc=%s got %lld, want %lld", text, nx_err_name(rc),
                 (long long)got, (long long)want);
}

static void expect_duration_fails(const char *text, int want_rc) {
    int64_t got = 777;
    int rc = nx_duration_parse(text, strlen(text), &got);
    if (rc != want_rc || got != 777)
        fail_msg("duration '%s': rc=%s (out %lld), want %s", text, nx_err_name(rc),
                 (long long)got, nx_err_name(want_rc));
}

/* ------------------------------------------------------------------------- */
/* Parse tables                                                              */
/* ------------------------------------------------------------------------- */

static void parse_reads_dates_times_and_separators(void **state) {
    (void)state;
    nx_ts_t t = utc(2024, 8, 8, 23, 54, 13);
    expect_time("2024-08-08T23:54:13Z", t);
    expect_time("2024-08-08 23:54:13Z", t);
    expect_time("2024-08-08t23:54:13z", t);
    expect_time("2024-08-08T23:54:13", t); /* no zone means UTC */
    expect_time("2024-08-08T23:54", utc(2024, 8, 8, 23, 54, 0));
    expect_time("2024-08-08T23:54Z", utc(2024, 8, 8, 23, 54, 0));
    expect_time("2024-08-08", utc(2024, 8, 8, 0, 0, 0));
    expect_time("1970-01-01T00:00:00Z", 0);
    expect_time("1969-12-31T23:59:59.999999999Z", -1);
    expect_time("1900-01-01", utc(1900, 1, 1, 0, 0, 0));
}

static void parse_reads_fractions_of_one_to_nine_digits(void **state) {
    (void)state;
    nx_ts_t base = utc(2024, 8, 8, 23, 54, 13);
    static const char digits[] = "123456789";
    int64_t frac = 0, unit = NX_NS_PER_SEC;
    for (int k = 1; k <= 9; k++) {
        char text[64];
        snprintf(text, sizeof text, "2024-08-08T23:54:13.%.*sZ", k, digits);
        unit /= 10;
        frac += (digits[k - 1] - '0') * unit;
        expect_time(text, base + frac);
    }
    expect_time("2024-08-08T23:54:13,5Z", base + NX_NS_PER_SEC / 2);
    expect_time("2024-08-08T23:54:13.000000001+00:00", base + 1);
    expect_time("1969-12-31T23:59:59.5Z", -NX_NS_PER_SEC / 2);
}

static void parse_rejects_ten_fraction_digits_and_empty_fractions(void **state) {
    (void)state;
    expect_time_fails("2024-08-08T23:54:13.1234567890Z", NX_EPARSE);
    expect_time_fails("2024-08-08T23:54:13.Z", NX_EPARSE);
    expect_time_fails("2024-08-08T23:54:13.", NX_EPARSE);
    expect_time_fails("2024-08-08T23:54.5Z", NX_EPARSE); /* fraction needs seconds */
}

static void parse_applies_zone_offsets_in_all_three_forms(void **state) {
    (void)state;
    nx_ts_t t = utc(2024, 8, 8, 21, 54, 13);
    expect_time("2024-08-08T23:54:13+02:00", t);
    expect_time("2024-08-08T23:54:13+0200", t);
    expect_time("2024-08-08T23:54:13+02", t);
    expect_time("2024-08-08T18:24:13-05:30", utc(2024, 8, 8, 23, 54, 13));
    expect_time("2024-08-08T00:30:00+01:00", utc(2024, 8, 7, 23, 30, 0)); /* crosses midnight */
    expect_time("2024-08-08T23:54:13-00:00", utc(2024, 8, 8, 23, 54, 13));
    expect_time("2024-08-08T23:54:13.25+23:59", utc(2024, 8, 7, 23, 55, 13) + NX_NS_PER_SEC / 4);
    expect_time_fails("2024-08-08T23:54:13+24:00", NX_ERANGE);
    expect_time_fails("2024-08-08T23:54:13+05:60", NX_ERANGE);
}

static void parse_rejects_a_colon_without_offset_minutes(void **state) {
    (void)state; /* regression: "+02:" was read as "+02:00" */
    expect_time_fails("2024-08-08T23:54:13+02:", NX_EPARSE);
    expect_time_fails("2024-08-08T23:54:13+02:0", NX_EPARSE);
    expect_time_fails("2024-08-08T23:54:13+02:0030", NX_EPARSE);
    expect_time_fails("2024-08-08T23:54:13+0200x", NX_EPARSE);
}

static void parse_accepts_feb_29_only_in_leap_years(void **state) {
    (void)state;
    expect_time("2024-02-29", utc(2024, 2, 29, 0, 0, 0));
    expect_time("2000-02-29T12:00:00Z", utc(2000, 2, 29, 12, 0, 0));
    expect_time("1904-02-29", utc(1904, 2, 29, 0, 0, 0));
    expect_time_fails("2023-02-29", NX_ERANGE);
    expect_time_fails("1900-02-29", NX_ERANGE); /* divisible by 100, not 400 */
    expect_time_fails("2100-02-29", NX_ERANGE);
    expect_time_fails("2024-02-30", NX_ERANGE);
    expect_time("2024-12-31T23:59:59Z", utc(2024, 12, 31, 23, 59, 59));
}

static void parse_folds_a_leap_second_into_the_next_second(void **state) {
    (void)state;
    nx_ts_t t = utc(2017, 1, 1, 0, 0, 0);
    expect_time("2016-12-31T23:59:60Z", t);
    expect_time("2016-12-31T23:59:60.5Z", t + NX_NS_PER_SEC / 2);
    expect_time("2017-01-01T00:59:60+01:00", t);
    expect_time("2016-12-31T18:59:60-05:00", t);
}

static void parse_rejects_second_60_outside_23_59_utc(void **state) {
    (void)state; /* regression: 12:00:60 was accepted as 12:01:00 */
    expect_time_fails("2016-12-31T12:00:60Z", NX_ERANGE);
    expect_time_fails("2016-12-31T23:58:60Z", NX_ERANGE);
    expect_time_fails("2016-12-31T23:59:60+01:00", NX_ERANGE); /* 22:59:60 UTC */
    expect_time_fails("2016-12-31T23:59:61Z", NX_ERANGE);
}

static void parse_rejects_out_of_range_fields(void **state) {
    (void)state;
    static const char *const bad[] = {
        "2024-13-01",           "2024-00-10",           "2024-01-32",
        "2024-01-00",           "2024-04-31",           "2024-08-08T24:00:00Z",
        "2024-08-08T23:60:00Z", "1677-01-01",           "2263-01-01",
        "0000-01-01",           "9999-12-31T23:59:59Z", "1600-01-01",
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++) expect_time_fails(bad[i], NX_ERANGE);
}

static void parse_rejects_malformed_text(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "2024",
        "2024-08",
        "2024-8-08",
        "24-08-08",
        "2024/08/08",
        "2024-08-08T",
        "2024-08-08T23",
        "2024-08-08T23:5",
        "2024-08-08X23:54",
        "2024-08-08  23:54",
        "2024-08-08T23:54:13ZZ",
        "2024-08-08T23:54:13+",
        "2024-08-08T23:54:13+2",
        "2024-08-08T23:54:13 Z",
        "2024-08-08T23:54:13Z ",
        "2024-08-08T23:54:1",
        "2024-08-08T23:54:13Q",
        "+2024-08-08",
        "2024-08-08T-1:00",
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++) expect_time_fails(bad[i], NX_EPARSE);
    nx_ts_t t;
    /* exactly len bytes are read */
    assert_int_equal(nx_time_parse("2024-08-08T23:54:13Zjunk", 20, &t), 0);
    assert_int_equal(t, utc(2024, 8, 8, 23, 54, 13));
}

static void parse_covers_the_whole_int64_span_and_no_more(void **state) {
    (void)state; /* regression: the INT64_MIN end was rejected */
    expect_time("2262-04-11T23:47:16.854775807Z", INT64_MAX);
    expect_time("1677-09-21T00:12:43.145224192Z", INT64_MIN);
    expect_time("1677-09-21T00:12:43.999999999Z", INT64_MIN + 854775807);
    expect_time("1677-09-21T00:12:44Z", INT64_MIN + 854775808);
    expect_time_fails("2262-04-11T23:47:16.854775808Z", NX_ERANGE);
    expect_time_fails("1677-09-21T00:12:43.145224191Z", NX_ERANGE);
    expect_time_fails("1677-09-21T00:12:43Z", NX_ERANGE);
    expect_time_fails("2262-04-11T23:47:17Z", NX_ERANGE);
}

static void parse_applies_offsets_before_the_range_check(void **state) {
    (void)state; /* regression: local time past the span, UTC time inside it */
    expect_time("2262-04-12T00:47:16.854775807+01:00", INT64_MAX);
    expect_time("2262-04-12T00:30:00+01:00", utc(2262, 4, 11, 23, 30, 0));
    expect_time("1677-09-20T23:12:43.145224192-01:00", INT64_MIN);
    expect_time_fails("2262-04-12T00:47:16.854775808+01:00", NX_ERANGE);
    expect_time_fails("1677-09-21T01:00:00+01:00", NX_ERANGE);
}

/* ------------------------------------------------------------------------- */
/* Format                                                                    */
/* ------------------------------------------------------------------------- */

static void format_writes_nine_fraction_digits_and_z(void **state) {
    (void)state;
    char buf[NX_TIME_STRLEN];
    assert_int_equal(nx_time_format(0, buf), 30);
    assert_string_equal(buf, "1970-01-01T00:00:00.000000000Z");
    nx_time_format(-1, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
    nx_time_format(utc(2024, 2, 29, 1, 2, 3) + 4005, buf);
    assert_string_equal(buf, "2024-02-29T01:02:03.000004005Z");
    nx_time_format(INT64_MAX, buf);
    assert_string_equal(buf, "2262-04-11T23:47:16.854775807Z");
}

static void format_prec_trims_to_ms_us_or_seconds(void **state) {
    (void)state;
    char buf[NX_TIME_STRLEN];
    nx_ts_t t = utc(2026, 11, 21, 11, 48, 7) + 123456789;
    assert_int_equal(nx_time_format_prec(t, 3, buf), 24);
    assert_string_equal(buf, "2026-11-21T11:48:07.123Z");
    assert_int_equal(nx_time_format_prec(t, 6, buf), 27);
    assert_string_equal(buf, "2026-11-21T11:48:07.123456Z");
    assert_int_equal(nx_time_format_prec(t, 0, buf), 20);
    assert_string_equal(buf, "2026-11-21T11:48:07Z");
    assert_int_equal(nx_time_format_prec(t, -4, buf), 20);
    assert_int_equal(nx_time_format_prec(t, 12, buf), 30);
    assert_string_equal(buf, "2026-11-21T11:48:07.123456789Z");
    nx_time_format_prec(-1, 3, buf); /* truncation is toward the past, not toward zero */
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
}

static void format_handles_the_last_day_before_int64_min(void **state) {
    (void)state; /* regression: signed overflow in nx_time_to_civil */
    char buf[NX_TIME_STRLEN];
    nx_time_format(INT64_MIN, buf);
    assert_string_equal(buf, "1677-09-21T00:12:43.145224192Z");
    nx_time_format(INT64_MIN + NX_NS_PER_DAY - 1, buf);
    assert_string_equal(buf, "1677-09-22T00:12:43.145224191Z");
    nx_civil_t c;
    nx_time_to_civil(INT64_MIN, &c);
    assert_int_equal(c.year, 1677);
    assert_int_equal(c.month, 9);
    assert_int_equal(c.day, 21);
    assert_int_equal(c.nanos, 145224192);
}

/* ------------------------------------------------------------------------- */
/* Properties against libc                                                   */
/* ------------------------------------------------------------------------- */

static nx_ts_t rand_ts(nx_rng_t *r) {
    uint64_t v = nx_rng_next(r);
    switch (v & 7) {
    case 0: return INT64_MIN + (int64_t)(nx_rng_next(r) % (uint64_t)(3 * NX_NS_PER_DAY));
    case 1: return INT64_MAX - (int64_t)(nx_rng_next(r) % (uint64_t)(3 * NX_NS_PER_DAY));
    case 2: /* near midnight, month and year ends */
        return nx_time_floor((int64_t)nx_rng_next(r) / 2, NX_NS_PER_DAY) +
               (int64_t)(nx_rng_next(r) % 4000000000u) - 2000000000;
    default: return (nx_ts_t)nx_rng_next(r); /* the full range */
    }
}

static void format_parse_round_trip_over_the_full_range_agrees_with_gmtime(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 2024);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_ts_t ts = rand_ts(&r), back = 0;
        char buf[NX_TIME_STRLEN];
        size_t n = nx_time_format(ts, buf);
        assert_int_equal(n, 30);
        int rc = nx_time_parse(buf, n, &back);
        if (rc != 0 || back != ts)
            fail_msg("case %llu: %lld -> '%s' -> rc=%s %lld", (unsigned long long)i,
                     (long long)ts, buf, nx_err_name(rc), (long long)back);

        /* seconds part against libc; floor division written out here */
        int64_t nanos = ts % NX_NS_PER_SEC, secs = ts / NX_NS_PER_SEC;
        if (nanos < 0) {
            nanos += NX_NS_PER_SEC;
            secs -= 1;
        }
        time_t tt = (time_t)secs;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        nx_civil_t c;
        nx_time_to_civil(ts, &c);
        if (c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 || c.day != tm.tm_mday ||
            c.hour != tm.tm_hour || c.minute != tm.tm_min || c.second != tm.tm_sec ||
            c.nanos != nanos)
            fail_msg("case %llu: %lld civil %d-%d-%d %d:%d:%d.%d, gmtime %d-%d-%d %d:%d:%d",
                     (unsigned long long)i, (long long)ts, c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.nanos, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
        assert_int_equal((int64_t)timegm(&tm), secs);
        nx_ts_t from = 0;
        assert_int_equal(nx_time_from_civil(&c, &from), 0);
        assert_int_equal(from, ts);

        /* millisecond text parses back to the millisecond floor, or is below the span */
        n = nx_time_format_prec(ts, 3, buf);
        rc = nx_time_parse(buf, n, &back);
        if (rc == 0) assert_int_equal(back, nx_time_floor(ts, NX_NS_PER_MS));
        else assert_true(rc == NX_ERANGE && ts < INT64_MIN + NX_NS_PER_MS);
    }
}

static void days_from_civil_agrees_with_timegm(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 77);
    for (int i = 0; i < 200000; i++) {
        int y = 1600 + (int)nx_rng_below(&r, 1000), m = 1 + (int)nx_rng_below(&r, 12),
            d = 1 + (int)nx_rng_below(&r, 28);
        int64_t days = nx_days_from_civil(y, (unsigned)m, (unsigned)d);
        int64_t want = utc_secs(y, m, d, 0, 0, 0) / 86400; /* exact: midnight */
        if (days != want) fail_msg("%d-%d-%d: %lld, want %lld", y, m, d, (long long)days,
                                   (long long)want);
    }
    assert_int_equal(nx_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(nx_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(nx_days_from_civil(2000, 3, 1), 11017);
}

static void from_civil_rejects_out_of_range_fields(void **state) {
    (void)state;
    nx_civil_t ok = {2024, 8, 8, 23, 54, 13, 999999999};
    nx_ts_t t = 5;
    assert_int_equal(nx_time_from_civil(&ok, &t), 0);
    assert_int_equal(t, utc(2024, 8, 8, 23, 54, 13) + 999999999);
    nx_civil_t bad[] = {
        {2024, 8, 8, 23, 54, 60, 0}, {2024, 8, 8, 23, 54, 13, 1000000000},
        {2024, 8, 8, 23, 54, 13, -1}, {2024, 8, 8, -1, 0, 0, 0},
        {2024, 8, 8, 0, -1, 0, 0},    {2024, 8, 8, 0, 0, -1, 0},
        {1676, 12, 31, 0, 0, 0, 0},   {2263, 1, 1, 0, 0, 0, 0},
        {2023, 2, 29, 0, 0, 0, 0},    {2024, 0, 1, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++) {
        t = 5;
        assert_int_equal(nx_time_from_civil(&bad[i], &t), NX_ERANGE);
        assert_int_equal(t, 5);
    }
}

/* ------------------------------------------------------------------------- */
/* Durations                                                                 */
/* ------------------------------------------------------------------------- */

static void duration_parse_reads_every_unit(void **state) {
    (void)state;
    expect_duration("250ms", 250 * NX_NS_PER_MS);
    expect_duration("5s", 5 * NX_NS_PER_SEC);
    expect_duration("1m", NX_NS_PER_MIN);
    expect_duration("1h", NX_NS_PER_HOUR);
    expect_duration("1d", NX_NS_PER_DAY);
    expect_duration("2w", 14 * NX_NS_PER_DAY);
    expect_duration("100us", 100 * NX_NS_PER_US);
    expect_duration("10ns", 10);
    expect_duration("42", 42);
    expect_duration("0", 0);
    expect_duration("0s", 0);
    expect_duration("007s", 7 * NX_NS_PER_SEC);
    expect_duration("9223372036854775807", INT64_MAX);
    expect_duration("106751d", 106751 * NX_NS_PER_DAY);
    expect_duration("15250w", 15250 * 7 * NX_NS_PER_DAY);
}

static void duration_parse_rejects_unknown_units_signs_and_fractions(void **state) {
    (void)state;
    static const char *const bad[] = {"",    "ms",  "s",    "5 s", "5S",  "5min", "-5s",
                                      "+5s", "1.5s", "5sec", "5ss", " 5s", "5s ",  "1e3"};
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++) expect_duration_fails(bad[i], NX_EPARSE);
}

static void duration_parse_reports_overflow_without_touching_the_output(void **state) {
    (void)state; /* regression: the wrapped product was stored in *out_ns */
    expect_duration_fails("9223372036854775808", NX_EOVERFLOW);
    expect_duration_fails("99999999999999999999999", NX_EOVERFLOW);
    expect_duration_fails("106752d", NX_EOVERFLOW);
    expect_duration_fails("15251w", NX_EOVERFLOW);
    expect_duration_fails("9223372036854775807us", NX_EOVERFLOW);
}

/* ------------------------------------------------------------------------- */
/* Floor                                                                     */
/* ------------------------------------------------------------------------- */

static void time_floor_rounds_negative_timestamps_toward_the_past(void **state) {
    (void)state;
    assert_int_equal(nx_time_floor(-1, NX_NS_PER_SEC), -NX_NS_PER_SEC);
    assert_int_equal(nx_time_floor(-NX_NS_PER_SEC, NX_NS_PER_SEC), -NX_NS_PER_SEC);
    assert_int_equal(nx_time_floor(-NX_NS_PER_SEC - 1, NX_NS_PER_SEC), -2 * NX_NS_PER_SEC);
    assert_int_equal(nx_time_floor(-1, NX_NS_PER_DAY), -NX_NS_PER_DAY);
    assert_int_equal(nx_time_floor(1999, 1000), 1000);
    assert_int_equal(nx_time_floor(0, 60 * NX_NS_PER_SEC), 0);
    assert_int_equal(nx_time_floor(12345, 0), 12345);
    assert_int_equal(nx_time_floor(-12345, -5), -12345);
    assert_int_equal(nx_time_floor(INT64_MAX, NX_NS_PER_SEC), INT64_MAX - 854775807);
    assert_int_equal(nx_time_floor(INT64_MIN, 1), INT64_MIN);
    /* a 1m bar of 1969-12-31T23:59:30 starts at 23:59:00 */
    assert_int_equal(nx_time_floor(-30 * NX_NS_PER_SEC, NX_NS_PER_MIN), -NX_NS_PER_MIN);
}

static void time_floor_saturates_below_int64_min(void **state) {
    (void)state; /* regression: wrapped to +9223372036709551616 */
    assert_int_equal(nx_time_floor(INT64_MIN, NX_NS_PER_SEC), INT64_MIN);
    assert_int_equal(nx_time_floor(INT64_MIN + 854775807, NX_NS_PER_SEC), INT64_MIN);
    assert_int_equal(nx_time_floor(INT64_MIN + 854775808, NX_NS_PER_SEC),
                     INT64_MIN + 854775808);
    assert_int_equal(nx_time_floor(INT64_MIN, INT64_MAX), INT64_MIN);
}

static void time_floor_matches_128_bit_floor_division(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 99);
    static const int64_t steps[] = {1, 1000, NX_NS_PER_MS, NX_NS_PER_SEC, NX_NS_PER_MIN,
                                    NX_NS_PER_HOUR, NX_NS_PER_DAY, 7 * NX_NS_PER_DAY};
    for (int i = 0; i < 200000; i++) {
        nx_ts_t ts = rand_ts(&r);
        int64_t step = i % 4 ? steps[nx_rng_below(&r, NX_ARRAY_LEN(steps))]
                             : 1 + (int64_t)(nx_rng_next(&r) >> 1);
        nx_i128 q = (nx_i128)ts / step;
        if ((nx_i128)q * step > ts) q -= 1;
        nx_i128 want = q * step;
        if (want < INT64_MIN) want = INT64_MIN;
        assert_true((nx_i128)nx_time_floor(ts, step) == want);
    }
}

static void clocks_read_plausible_values(void **state) {
    (void)state;
    assert_true(nx_time_now() > utc(2020, 1, 1, 0, 0, 0));
    int64_t a = nx_mono_now(), b = nx_mono_now();
    assert_true(b >= a);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(parse_reads_dates_times_and_separators),
    NX_CASE(parse_reads_fractions_of_one_to_nine_digits),
    NX_CASE(parse_rejects_ten_fraction_digits_and_empty_fractions),
    NX_CASE(parse_applies_zone_offsets_in_all_three_forms),
    NX_CASE(parse_rejects_a_colon_without_offset_minutes),
    NX_CASE(parse_accepts_feb_29_only_in_leap_years),
    NX_CASE(parse_folds_a_leap_second_into_the_next_second),
    NX_CASE(parse_rejects_second_60_outside_23_59_utc),
    NX_CASE(parse_rejects_out_of_range_fields),
    NX_CASE(parse_rejects_malformed_text),
    NX_CASE(parse_covers_the_whole_int64_span_and_no_more),
    NX_CASE(parse_applies_offsets_before_the_range_check),
    NX_CASE(format_writes_nine_fraction_digits_and_z),
    NX_CASE(format_prec_trims_to_ms_us_or_seconds),
    NX_CASE(format_handles_the_last_day_before_int64_min),
    NX_CASE(format_parse_round_trip_over_the_full_range_agrees_with_gmtime),
    NX_CASE(days_from_civil_agrees_with_timegm),
    NX_CASE(from_civil_rejects_out_of_range_fields),
    NX_CASE(duration_parse_reads_every_unit),
    NX_CASE(duration_parse_rejects_unknown_units_signs_and_fractions),
    NX_CASE(duration_parse_reports_overflow_without_touching_the_output),
    NX_CASE(time_floor_rounds_negative_timestamps_toward_the_past),
    NX_CASE(time_floor_saturates_below_int64_min),
    NX_CASE(time_floor_matches_128_bit_floor_division),
    NX_CASE(clocks_read_plausible_values),
};

NX_TEST_MAIN(cases)
