/*
 * nexus/time.h — time as int64 nanoseconds since the Unix epoch, UTC.
 *
 * int64 nanoseconds cover 1677-09-21 .. 2262-04-11, which is all the market
 * history and future this program will see. Calendar conversion is proleptic
 * Gregorian, leap seconds are not represented (as in POSIX time).
 *
 * Wall-clock reads are for I/O threads, logs and live adapters only; the
 * kernel's decision path reads time from the kernel clock (simulated in
 * backtests), never from these functions directly.
 */
#ifndef NEXUS_TIME_H
#define NEXUS_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t nx_ts_t; /* ns since 1970-01-01T00:00:00Z */

#define NX_NS_PER_US INT64_C(1000)
#define NX_NS_PER_MS INT64_C(1000000)
#define NX_NS_PER_SEC INT64_C(1000000000)
#define NX_NS_PER_MIN (60 * NX_NS_PER_SEC)
#define NX_NS_PER_HOUR (3600 * NX_NS_PER_SEC)
#define NX_NS_PER_DAY (86400 * NX_NS_PER_SEC)
#define NX_TS_MIN INT64_MIN
#define NX_TS_MAX INT64_MAX

/* Longest text nx_time_format() writes, with NUL: "2026-11-21T11:48:07.123456789Z". */
#define NX_TIME_STRLEN 40

/*
 * Parse ISO-8601 / RFC 3339 text of exactly len bytes:
 *   2024-08-08                      (midnight UTC)
 *   2024-08-08T23:54:13Z            ('T' or one space between date and time)
 *   2024-08-08T23:54:13.123456789Z  (1..9 fractional digits)
 *   2024-08-08T23:54:13+02:00       (offset +hh:mm, +hhmm or +hh; converted to UTC)
 *   2024-08-08T23:54                (seconds optional; no zone means UTC)
 * Fields are range-checked (month 1..12, day within the month incl. leap
 * years, hour 0..23, minute 0..59, second 0..60 where 60 is accepted only as
 * a leap second, i.e. at 23:59:60 UTC after the offset is applied, and folded
 * into the next second). The offset is applied before the range check, so
 * "2262-04-12T00:30:00+01:00" is in range. Errors: NX_EPARSE, NX_ERANGE
 * (field out of range, or outside the int64 ns span).
 */
NX_API int nx_time_parse(const char *str, size_t len, nx_ts_t *out);
/*
 * Format as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (always 9 fractional digits).
 * buf must hold NX_TIME_STRLEN bytes; returns the length.
 */
NX_API size_t nx_time_format(nx_ts_t ts, char *buf);
/* Like nx_time_format with the fraction trimmed to ms (3) / us (6) / none (0) digits. */
NX_API size_t nx_time_format_prec(nx_ts_t ts, int frac_digits, char *buf);

/* Civil date/time <-> ns. Out-of-range fields are NX_ERANGE. */
typedef struct nx_civil {
    int32_t year;
    int32_t month;   /* 1..12 */
    int32_t day;     /* 1..31 */
    int32_t hour;    /* 0..23 */
    int32_t minute;  /* 0..59 */
    int32_t second;  /* 0..59 */
    int32_t nanos;   /* 0..999999999 */
} nx_civil_t;
NX_API int nx_time_from_civil(const nx_civil_t *c, nx_ts_t *out);
NX_API void nx_time_to_civil(nx_ts_t ts, nx_civil_t *out);
/* Days since 1970-01-01 for a proleptic Gregorian date (no range checks). */
NX_API int64_t nx_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * Bucketing: floor(ts / step) * step, correct for negative ts. step <= 0
 * returns ts unchanged. Within one step of NX_TS_MIN the true floor is below
 * the int64 span; NX_TS_MIN is returned then.
 */
NX_API nx_ts_t nx_time_floor(nx_ts_t ts, int64_t step_ns);

/* Wall clock (CLOCK_REALTIME) in ns. Not for the decision path. */
NX_API nx_ts_t nx_time_now(void);
/* Monotonic clock (CLOCK_MONOTONIC) in ns, for measuring intervals. */
NX_API int64_t nx_mono_now(void);

/*
 * Parse a duration: "250ms", "5s", "1m", "1h", "1d", "1w", "100us", "10ns", or
 * a bare integer of nanoseconds. Non-negative integers only, unit suffixes are
 * lower case. Errors: NX_EPARSE, NX_EOVERFLOW (*out_ns untouched on error).
 */
NX_API int nx_duration_parse(const char *str, size_t len, int64_t *out_ns);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_TIME_H */
