/*
 * Bars CSV rows (ts,open,high,low,close,volume) and the bounded number parser
 * behind them.
 *
 * Why not strtod: it depends on the locale (a ',' decimal point would split
 * our columns differently), accepts hex floats, leading spaces and partial
 * input, and needs a NUL-terminated copy of every field. This parser reads
 * exactly the bytes it is given. It is exact where it matters: a decimal with
 * at most 19 significant digits and a decimal exponent within +-22 whose
 * digits fit 2^53 is one correctly rounded multiplication or division by an
 * exact power of ten (Clinger's fast path), which covers every price and
 * volume in market data ("46319.0", "2300413.7295"). Longer mantissas and
 * larger exponents go through an 80-bit long double step and are within one
 * ulp; digits past the 19th are dropped (below 1e-19 relative).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>

#include "nexus/decimal.h"
#include "nexus/time.h"
#include "ta/ta_int.h"

static const double nx__p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int nx__ieq(const char *s, size_t len, const char *word) {
    size_t n = strlen(word);
    if (len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != word[i]) return 0;
    return 1;
}

int nx_ta_parse_double(const char *s, size_t len, double *out) {
    if (!s || !out) return NX_EINVAL;
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (nx__ieq(s + i, len - i, "nan")) {
        *out = NAN;
        return 0;
    }
    if (nx__ieq(s + i, len - i, "inf") || nx__ieq(s + i, len - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    uint64_t m = 0;
    int sig = 0, digits = 0;
    long e10 = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        digits++;
        if (sig < 19) {
            if (m || s[i] != '0') {
                m = m * 10u + (uint64_t)(s[i] - '0');
                sig++;
            }
        } else {
            e10++; /* dropped integer digit */
        }
        i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            digits++;
            if (sig < 19) {
                if (m || s[i] != '0') {
                    m = m * 10u + (uint64_t)(s[i] - '0');
                    sig++;
                }
                e10--;
            }
            i++;
        }
    }
    if (digits == 0) return NX_EPARSE;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= len || s[i] < '0' || s[i] > '9') return NX_EPARSE;
        long ex = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (ex < 100000) ex = ex * 10 + (s[i] - '0');
            i++;
        }
        e10 += eneg ? -ex : ex;
    }
    if (i != len) return NX_EPARSE;
    double v;
    if (m == 0) {
        v = 0.0;
    } else if (m <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
        v = e10 >= 0 ? (double)m * nx__p10[e10] : (double)m / nx__p10[-e10];
    } else {
        long double lv = (long double)m;
        long double p = 1.0L, base = 10.0L;
        unsigned long k = (unsigned long)(e10 < 0 ? -e10 : e10);
        if (k > 400) k = 400; /* beyond any double: becomes 0 or inf */
        while (k) {
            if (k & 1u) p *= base;
            base *= base;
            k >>= 1;
        }
        lv = e10 < 0 ? lv / p : lv * p;
        v = (double)lv;
    }
    *out = neg ? -v : v;
    return 0;
}

static const char *const nx__cols[6] = {"ts", "open", "high", "low", "close", "volume"};

int nx_ta_csv_header(const char *line, size_t len) {
    static const char hdr[] = "ts,open,high,low,close,volume";
    if (len && line[len - 1] == '\r') len--;
    if (len != sizeof hdr - 1 || memcmp(line, hdr, len) != 0)
        return NX_ERR(NX_EPARSE, "header: expected '%s', got '%.*s'", hdr, len > 80 ? 80 : (int)len,
                      line);
    return 0;
}

/* ts: integer epoch (unit from the digit count) or ISO-8601. */
static int nx__parse_ts(const char *s, size_t len, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    if (len && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    size_t nd = 0;
    while (i + nd < len && s[i + nd] >= '0' && s[i + nd] <= '9') nd++;
    if (nd && i + nd == len) {
        if (nd > 19) return NX_EPARSE;
        uint64_t v = 0;
        for (size_t k = 0; k < nd; k++) v = v * 10u + (uint64_t)(s[i + k] - '0');
        uint64_t mul = nd <= 11 ? 1000000000u : nd <= 14 ? 1000000u : nd <= 17 ? 1000u : 1u;
        if (v > (uint64_t)INT64_MAX / mul) return NX_EPARSE;
        int64_t ns = (int64_t)(v * mul);
        *out = neg ? -ns : ns;
        return 0;
    }
    nx_ts_t ts;
    if (nx_time_parse(s, len, &ts) < 0) return NX_EPARSE;
    *out = ts;
    return 0;
}

int nx_ta_csv_row(const char *line, size_t len, nx_ta_row_t *out) {
    if (!line || !out) return NX_ERR(NX_EINVAL, "nx_ta_csv_row: NULL argument");
    if (len && line[len - 1] == '\r') len--;
    const char *f[6];
    size_t fl[6];
    size_t nf = 0, b = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == ',') {
            if (nf < 6) {
                f[nf] = line + b;
                fl[nf] = i - b;
            }
            nf++;
            b = i + 1;
        }
    }
    if (nf != 6)
        return NX_ERR(NX_EPARSE, "expected 6 columns (ts,open,high,low,close,volume), got %zu", nf);
    nx_ta_row_t r;
    if (fl[0] == 0 || nx__parse_ts(f[0], fl[0], &r.bar.ts) < 0)
        return NX_ERR(NX_EPARSE, "column ts: not an epoch time or ISO-8601 time: '%.*s'",
                      fl[0] > 40 ? 40 : (int)fl[0], f[0]);
    r.ts_text = f[0];
    r.ts_len = fl[0];
    double v[5];
    for (int c = 1; c < 6; c++) {
        if (nx_ta_parse_double(f[c], fl[c], &v[c - 1]) < 0)
            return NX_ERR(NX_EPARSE, "column %s: not a number: '%.*s'", nx__cols[c],
                          fl[c] > 40 ? 40 : (int)fl[c], f[c]);
        if (!isfinite(v[c - 1]))
            return NX_ERR(NX_EINVAL, "column %s: not a finite number: '%.*s'", nx__cols[c],
                          fl[c] > 40 ? 40 : (int)fl[c], f[c]);
    }
    if (v[4] < 0)
        return NX_ERR(NX_EINVAL, "column volume: negative volume '%.*s'",
                      fl[5] > 40 ? 40 : (int)fl[5], f[5]);
    r.bar.open = v[0];
    r.bar.high = v[1];
    r.bar.low = v[2];
    r.bar.close = v[3];
    r.bar.volume = v[4];
    *out = r;
    return 0;
}

void nx_ta_row_from_bar(const nx_ev_bar_t *b, char *ts_buf, size_t cap, nx_ta_row_t *r) {
    int64_t ts = b->h.ts_venue;
    int64_t sec = nx_time_floor(ts, NX_NS_PER_SEC) / NX_NS_PER_SEC;
    int64_t frac = ts - sec * NX_NS_PER_SEC;
    int n = frac == 0 ? snprintf(ts_buf, cap, "%lld", (long long)sec)
                      : snprintf(ts_buf, cap, "%lld.%09lld", (long long)sec, (long long)frac);
    r->ts_text = ts_buf;
    r->ts_len = n > 0 && (size_t)n < cap ? (size_t)n : 0;
    r->bar.ts = ts;
    r->bar.open = nx_dec_to_double(nx_dec_make(b->open, b->price_scale));
    r->bar.high = nx_dec_to_double(nx_dec_make(b->high, b->price_scale));
    r->bar.low = nx_dec_to_double(nx_dec_make(b->low, b->price_scale));
    r->bar.close = nx_dec_to_double(nx_dec_make(b->close, b->price_scale));
    r->bar.volume = nx_dec_to_double(nx_dec_make(b->volume, b->qty_scale));
}

int nx_ta_ohlc_error(uint64_t index, const nx_ta_bar_t *b) {
    static const char *const names[] = {"open", "high", "low", "close"};
    const double v[] = {b->open, b->high, b->low, b->close};
    for (int i = 0; i < 4; i++) {
        if (!isfinite(v[i]))
            return NX_ERR(NX_EINVAL, "input %llu: %s is %s", (unsigned long long)index, names[i],
                          isnan(v[i]) ? "NaN" : "infinite");
        if (v[i] <= 0)
            return NX_ERR(NX_EINVAL, "input %llu: %s %g is not positive", (unsigned long long)index,
                          names[i], v[i]);
    }
    if (b->low > b->open || b->low > b->close)
        return NX_ERR(NX_EINVAL, "input %llu: low %g above open %g or close %g",
                      (unsigned long long)index, b->low, b->open, b->close);
    return NX_ERR(NX_EINVAL, "input %llu: high %g below open %g or close %g",
                  (unsigned long long)index, b->high, b->open, b->close);
}
