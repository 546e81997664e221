/*
 * Time as int64 ns UTC (nexus/time.h). Calendar arithmetic uses the
 * days-from-civil / civil-from-days formulas (Howard Hinnant's public
 * algorithms for the proleptic Gregorian calendar).
 */
#include <string.h>
#include <time.h>

#include "nexus/time.h"

int64_t nx_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void nx__civil_from_days(int64_t z, int32_t *y, int32_t *m, int32_t *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int32_t)(yy + (mm <= 2));
    *m = (int32_t)mm;
    *d = (int32_t)dd;
}

static int nx__is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int nx__days_in_month(int64_t y, int m) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && nx__is_leap(y) ? 29 : dim[m - 1];
}

static int64_t nx__floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

nx_ts_t nx_time_floor(nx_ts_t ts, int64_t step_ns) {
    if (step_ns <= 0) return ts;
    int64_t r;
    /* The product is <= ts, so it can only leave int64 downwards, near NX_TS_MIN. */
    if (__builtin_mul_overflow(nx__floordiv(ts, step_ns), step_ns, &r)) return NX_TS_MIN;
    return r;
}

void nx_time_to_civil(nx_ts_t ts, nx_civil_t *c) {
    /* Truncating division then a fix-up: floor(ts / DAY) * DAY itself would leave int64
     * for the last partial day before NX_TS_MIN. */
    int64_t days = ts / NX_NS_PER_DAY;
    int64_t rem = ts % NX_NS_PER_DAY;
    if (rem < 0) {
        rem += NX_NS_PER_DAY;
        days -= 1;
    }
    nx__civil_from_days(days, &c->year, &c->month, &c->day);
    int64_t secs = rem / NX_NS_PER_SEC;
    c->nanos = (int32_t)(rem % NX_NS_PER_SEC);
    c->hour = (int32_t)(secs / 3600);
    c->minute = (int32_t)((secs / 60) % 60);
    c->second = (int32_t)(secs % 60);
}

/* Range-check civil fields; the year bound keeps the seconds arithmetic far from overflow. */
static int nx__civil_check(const nx_civil_t *c) {
    if (c->month < 1 || c->month > 12 || c->day < 1 ||
        c->day > nx__days_in_month(c->year, c->month) || c->hour < 0 || c->hour > 23 ||
        c->minute < 0 || c->minute > 59 || c->second < 0 || c->second > 59 || c->nanos < 0 ||
        c->nanos > 999999999)
        return NX_ERR(NX_ERANGE, "calendar field out of range");
    if (c->year < 1677 || c->year > 2262) return NX_ERR(NX_ERANGE, "year %d outside 1677..2262",
                                                        c->year);
    return NX_OK;
}

static int64_t nx__civil_secs(const nx_civil_t *c) {
    int64_t days = nx_days_from_civil(c->year, (unsigned)c->month, (unsigned)c->day);
    return days * 86400 + c->hour * 3600 + c->minute * 60 + c->second;
}

/*
 * secs * 1e9 + nanos. For negative seconds the nanos are folded in first:
 * the earliest representable second (1677-09-21T00:12:43) is itself below
 * INT64_MIN when multiplied out, only its later nanoseconds are in range.
 */
static int nx__secs_to_ns(int64_t secs, int64_t nanos, nx_ts_t *out) {
    if (secs < 0 && nanos > 0) {
        secs += 1;
        nanos -= NX_NS_PER_SEC;
    }
    int64_t ns;
    if (__builtin_mul_overflow(secs, NX_NS_PER_SEC, &ns) || __builtin_add_overflow(ns, nanos, &ns))
        return NX_ERR(NX_ERANGE, "time outside the int64 nanosecond range");
    *out = ns;
    return NX_OK;
}

int nx_time_from_civil(const nx_civil_t *c, nx_ts_t *out) {
    int rc = nx__civil_check(c);
    if (rc < 0) return rc;
    return nx__secs_to_ns(nx__civil_secs(c), c->nanos, out);
}

static void nx__put2(char *p, int v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

size_t nx_time_format_prec(nx_ts_t ts, int frac, char *buf) {
    nx_civil_t c;
    nx_time_to_civil(ts, &c);
    char *p = buf;
    int y = c.year;
    if (y < 0 || y > 9999) { /* outside ISO's 4 digits: cannot happen inside int64 ns */
        y = y < 0 ? 0 : 9999;
    }
    p[0] = (char)('0' + y / 1000);
    p[1] = (char)('0' + (y / 100) % 10);
    p[2] = (char)('0' + (y / 10) % 10);
    p[3] = (char)('0' + y % 10);
    p[4] = '-';
    nx__put2(p + 5, c.month);
    p[7] = '-';
    nx__put2(p + 8, c.day);
    p[10] = 'T';
    nx__put2(p + 11, c.hour);
    p[13] = ':';
    nx__put2(p + 14, c.minute);
    p[16] = ':';
    nx__put2(p + 17, c.second);
    p += 19;
    if (frac > 9) frac = 9;
    if (frac > 0) {
        *p++ = '.';
        int32_t ns = c.nanos;
        char digits[9];
        for (int i = 8; i >= 0; i--) {
            digits[i] = (char)('0' + ns % 10);
            ns /= 10;
        }
        memcpy(p, digits, (size_t)frac);
        p += frac;
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - buf);
}

size_t nx_time_format(nx_ts_t ts, char *buf) { return nx_time_format_prec(ts, 9, buf); }

/* Read exactly n digits at *p; advance. -1 on failure. */
static int nx__digits(const char **p, const char *end, int n, int *out) {
    int v = 0;
    if (end - *p < n) return -1;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9') return -1;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int nx_time_parse(const char *str, size_t len, nx_ts_t *out) {
    const char *p = str, *end = str + len;
    nx_civil_t c = {0, 0, 0, 0, 0, 0, 0};
    int leap = 0;
    int64_t offset_s = 0;

    if (nx__digits(&p, end, 4, &c.year) || p >= end || *p++ != '-' ||
        nx__digits(&p, end, 2, &c.month) || p >= end || *p++ != '-' ||
        nx__digits(&p, end, 2, &c.day))
        return NX_ERR(NX_EPARSE, "bad date in '%.*s' (want YYYY-MM-DD)", (int)len, str);
    if (p < end) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return NX_ERR(NX_EPARSE, "bad separator in '%.*s'", (int)len, str);
        p++;
        if (nx__digits(&p, end, 2, &c.hour) || p >= end || *p++ != ':' ||
            nx__digits(&p, end, 2, &c.minute))
            return NX_ERR(NX_EPARSE, "bad time of day in '%.*s'", (int)len, str);
        if (p < end && *p == ':') {
            p++;
            if (nx__digits(&p, end, 2, &c.second))
                return NX_ERR(NX_EPARSE, "bad seconds in '%.*s'", (int)len, str);
            if (p < end && (*p == '.' || *p == ',')) {
                p++;
                int nd = 0;
                int32_t ns = 0;
                while (p < end && *p >= '0' && *p <= '9') {
                    if (nd >= 9) return NX_ERR(NX_EPARSE, "more than 9 fractional digits in '%.*s'",
                                               (int)len, str);
                    ns = ns * 10 + (*p - '0');
                    nd++;
                    p++;
                }
                if (nd == 0) return NX_ERR(NX_EPARSE, "empty fraction in '%.*s'", (int)len, str);
                for (int i = nd; i < 9; i++) ns *= 10;
                c.nanos = ns;
            }
        }
        if (p < end) {
            if ((*p == 'Z' || *p == 'z') && p + 1 == end) {
                p++;
            } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh = 0, om = 0;
                if (nx__digits(&p, end, 2, &oh))
                    return NX_ERR(NX_EPARSE, "bad zone offset in '%.*s'", (int)len, str);
                /* +hh, +hhmm or +hh:mm; a colon must be followed by the minutes. */
                if (p < end) {
                    if (*p == ':') p++;
                    if (nx__digits(&p, end, 2, &om))
                        return NX_ERR(NX_EPARSE, "bad zone offset in '%.*s'", (int)len, str);
                }
                if (oh > 23 || om > 59)
                    return NX_ERR(NX_ERANGE, "zone offset out of range in '%.*s'", (int)len, str);
                offset_s = sign * (oh * 3600 + om * 60);
            } else {
                return NX_ERR(NX_EPARSE, "trailing text in '%.*s'", (int)len, str);
            }
        }
        if (p != end) return NX_ERR(NX_EPARSE, "trailing text in '%.*s'", (int)len, str);
    }
    if (c.second == 60) {
        leap = 1;
        c.second = 59;
    }
    int rc = nx__civil_check(&c);
    if (rc < 0) return NX_ERR_APPEND(rc, "'%.*s'", (int)len, str);
    /* The offset is applied in seconds, before the nanosecond multiply, so a local
     * time just past the int64 span that is inside it in UTC still parses. */
    int64_t secs = nx__civil_secs(&c) - offset_s;
    if (leap) {
        /* Leap seconds are only ever inserted as 23:59:60 UTC. */
        if (((secs % 86400) + 86400) % 86400 != 86399)
            return NX_ERR(NX_ERANGE, "second 60 in '%.*s' is not 23:59:60 UTC", (int)len, str);
        secs += 1;
    }
    nx_ts_t ts = 0; /* gcc cannot see that rc >= 0 means ts was set */
    rc = nx__secs_to_ns(secs, c.nanos, &ts);
    if (rc < 0) return NX_ERR_APPEND(rc, "'%.*s'", (int)len, str);
    *out = ts;
    return NX_OK;
}

nx_ts_t nx_time_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * NX_NS_PER_SEC + t.tv_nsec;
}

int64_t nx_mono_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * NX_NS_PER_SEC + t.tv_nsec;
}

int nx_duration_parse(const char *str, size_t len, int64_t *out_ns) {
    const char *p = str, *end = str + len;
    int64_t v = 0;
    if (p == end) return NX_ERR(NX_EPARSE, "empty duration");
    while (p < end && *p >= '0' && *p <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
            return NX_ERR(NX_EOVERFLOW, "duration '%.*s' too large", (int)len, str);
        p++;
    }
    if (p == str) return NX_ERR(NX_EPARSE, "duration '%.*s' must start with digits", (int)len, str);
    size_t ul = (size_t)(end - p);
    int64_t mult;
    if (ul == 0 || (ul == 2 && memcmp(p, "ns", 2) == 0)) mult = 1;
    else if (ul == 2 && memcmp(p, "us", 2) == 0) mult = NX_NS_PER_US;
    else if (ul == 2 && memcmp(p, "ms", 2) == 0) mult = NX_NS_PER_MS;
    else if (ul == 1 && *p == 's') mult = NX_NS_PER_SEC;
    else if (ul == 1 && *p == 'm') mult = NX_NS_PER_MIN;
    else if (ul == 1 && *p == 'h') mult = NX_NS_PER_HOUR;
    else if (ul == 1 && *p == 'd') mult = NX_NS_PER_DAY;
    else if (ul == 1 && *p == 'w') mult = 7 * NX_NS_PER_DAY;
    else return NX_ERR(NX_EPARSE, "unknown duration unit in '%.*s' (ns|us|ms|s|m|h|d|w)",
                       (int)len, str);
    int64_t ns; /* out_ns is written only on success */
    if (__builtin_mul_overflow(v, mult, &ns))
        return NX_ERR(NX_EOVERFLOW, "duration '%.*s' too large", (int)len, str);
    *out_ns = ns;
    return NX_OK;
}
