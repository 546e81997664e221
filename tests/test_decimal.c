/*
 * test_decimal — exact fixed-point decimals (nexus/decimal.h).
 *
 * Table tests pin the contract (parse/format text, each rounding mode against
 * the published java.math.RoundingMode table, overflow edges, BTC and 1e-8
 * token precision). Property tests compare every operation on >= 1,000,000
 * seeded random cases with a reference written here on a different path:
 * signed 128-bit floor division and a "pick the lower or upper neighbour"
 * rounding rule, schoolbook long division for quotients, snprintf for text,
 * and a parser reference that builds the expected value from the pieces the
 * generator chose rather than from the text.
 */
#include <stdio.h>
#include <string.h>

#include "nexus/decimal.h"
#include "nx_test.h"

typedef nx_i128 i128;

#define D(m, s) nx_dec_make((int64_t)(m), (uint8_t)(s))
#define PROPERTY_CASES 1000000

static const nx_round_t all_modes[] = {NX_ROUND_EXACT,   NX_ROUND_DOWN,      NX_ROUND_UP,
                                       NX_ROUND_FLOOR,   NX_ROUND_CEIL,      NX_ROUND_HALF_UP,
                                       NX_ROUND_HALF_DOWN, NX_ROUND_HALF_EVEN};

/* ------------------------------------------------------------------------- */
/* Reference arithmetic                                                      */
/* ------------------------------------------------------------------------- */

typedef struct {
    int rc;
    int64_t m;
    uint8_t s;
} ref_t;

static i128 ref_p10(int k) {
    i128 v = 1;
    while (k-- > 0) v *= 10;
    return v;
}

static int ref_fits(i128 v) { return v >= (i128)INT64_MIN && v <= (i128)INT64_MAX; }

static ref_t ref_value(i128 v, int s) {
    ref_t r = {NX_EOVERFLOW, 0, 0};
    if (ref_fits(v)) {
        r.rc = 0;
        r.m = (int64_t)v;
        r.s = (uint8_t)s;
    }
    return r;
}

static ref_t ref_err(int rc) {
    ref_t r = {rc, 0, 0};
    return r;
}

/*
 * The exact value is lo + num/den with 0 <= num < den: choose lo or lo + 1.
 * Written in terms of the two neighbours, not magnitudes and a bump.
 */
static int ref_choose(i128 lo, i128 num, i128 den, nx_round_t mode, i128 *out) {
    i128 hi = lo + 1;
    if (num == 0) {
        *out = lo;
        return 0;
    }
    int positive = lo >= 0; /* x in (lo, lo+1): positive iff lo >= 0 */
    i128 twice = 2 * num;
    switch (mode) {
    case NX_ROUND_EXACT: return NX_EINEXACT;
    case NX_ROUND_FLOOR: *out = lo; break;
    case NX_ROUND_CEIL: *out = hi; break;
    case NX_ROUND_DOWN: *out = positive ? lo : hi; break;
    case NX_ROUND_UP: *out = positive ? hi : lo; break;
    case NX_ROUND_HALF_UP:
        *out = twice < den ? lo : twice > den ? hi : (positive ? hi : lo);
        break;
    case NX_ROUND_HALF_DOWN:
        *out = twice < den ? lo : twice > den ? hi : (positive ? lo : hi);
        break;
    case NX_ROUND_HALF_EVEN:
        *out = twice < den ? lo : twice > den ? hi : (lo % 2 == 0 ? lo : hi);
        break;
    }
    return 0;
}

/* n / d rounded, d > 0, by floor division. */
static int ref_round_div(i128 n, i128 d, nx_round_t mode, i128 *out) {
    i128 q = n / d, r = n % d;
    if (r < 0) {
        q -= 1;
        r += d;
    }
    return ref_choose(q, r, d, mode, out);
}

/*
 * The contract's error order: a result that does not fit even truncated is
 * NX_EOVERFLOW under every mode; otherwise NX_EINEXACT (EXACT mode), then
 * NX_EOVERFLOW if rounding away from zero crossed the limit. unit is the
 * step the result mantissa is a multiple of (1, or the increment).
 */
static ref_t ref_rounded(i128 n, i128 d, i128 unit, int s, nx_round_t mode) {
    i128 q;
    ref_round_div(n, d, NX_ROUND_DOWN, &q);
    if (!ref_fits(q * unit)) return ref_err(NX_EOVERFLOW);
    int rc = ref_round_div(n, d, mode, &q);
    if (rc) return ref_err(rc);
    return ref_value(q * unit, s);
}

/* n * 10^sh (sh may be negative: divide and round), result at scale s. */
static ref_t ref_scale_by(i128 n, int sh, int s, nx_round_t mode) {
    if (sh >= 0) {
        i128 f = ref_p10(sh);
        if (n > (i128)INT64_MAX || n < (i128)INT64_MIN) return ref_err(NX_EOVERFLOW);
        return ref_value(n * f, s);
    }
    return ref_rounded(n, ref_p10(-sh), 1, s, mode);
}

static ref_t ref_add(nx_dec_t a, nx_dec_t b, int subtract) {
    int s = a.s > b.s ? a.s : b.s;
    i128 x = (i128)a.m * ref_p10(s - a.s), y = (i128)b.m * ref_p10(s - b.s);
    return ref_value(subtract ? x - y : x + y, s);
}

static ref_t ref_mul(nx_dec_t a, nx_dec_t b, int s, nx_round_t mode) {
    return ref_scale_by((i128)a.m * b.m, s - a.s - b.s, s, mode);
}

static ref_t ref_rescale(nx_dec_t a, int s, nx_round_t mode) {
    return ref_scale_by(a.m, s - a.s, s, mode);
}

/* Quotient mantissa a.m * 10^(s + b.s - a.s) / b.m by schoolbook long division. */
static ref_t ref_div(nx_dec_t a, nx_dec_t b, int s, nx_round_t mode) {
    if (b.m == 0) return ref_err(NX_EDIVZERO);
    int e = s + b.s - a.s;
    i128 A = a.m < 0 ? -(i128)a.m : (i128)a.m, B = b.m < 0 ? -(i128)b.m : (i128)b.m;
    i128 q, r;
    if (e >= 0) {
        q = A / B;
        r = A % B;
        for (int i = 0; i < e; i++) {
            r *= 10;
            q = q * 10 + r / B;
            r %= B;
            if (q > ((i128)1 << 66)) return ref_err(NX_EOVERFLOW);
        }
    } else {
        B *= ref_p10(-e);
        q = A / B;
        r = A % B;
    }
    int neg = (a.m < 0) != (b.m < 0);
    if (!ref_fits(neg ? -q : q)) return ref_err(NX_EOVERFLOW); /* truncated result */
    i128 lo = neg ? (r ? -q - 1 : -q) : q, num = neg ? (r ? B - r : 0) : r, out;
    int rc = ref_choose(lo, num, B, mode, &out);
    if (rc) return ref_err(rc);
    return ref_value(out, s);
}

static ref_t ref_round_to(nx_dec_t a, nx_dec_t inc, nx_round_t mode) {
    int s = a.s > inc.s ? a.s : inc.s;
    i128 A = (i128)a.m * ref_p10(s - a.s), I = (i128)inc.m * ref_p10(s - inc.s);
    return ref_rounded(A, I, I, s, mode);
}

static int ref_cmp(nx_dec_t a, nx_dec_t b) {
    i128 x = (i128)a.m * ref_p10(18 - a.s), y = (i128)b.m * ref_p10(18 - b.s);
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Text the way a person would write it: sign, integer part, '.', exactly s digits. */
static void ref_format(nx_dec_t d, char *buf, size_t cap) {
    uint64_t u = d.m < 0 ? 0 - (uint64_t)d.m : (uint64_t)d.m, p = 1;
    for (int i = 0; i < d.s; i++) p *= 10;
    int n = snprintf(buf, cap, "%s%llu", d.m < 0 ? "-" : "", (unsigned long long)(u / p));
    if (d.s) snprintf(buf + n, cap - (size_t)n, ".%0*llu", (int)d.s, (unsigned long long)(u % p));
}

/* ------------------------------------------------------------------------- */
/* Random values                                                             */
/* ------------------------------------------------------------------------- */

/*
 * Mantissa from two random words: sel picks the family and sign, v the digits.
 * Families: specials (limits, ties, powers of ten), exact ties for dropping j
 * digits, the full 63-bit range, and log-uniform magnitudes.
 */
static int64_t mantissa_from(uint64_t sel, uint64_t v) {
    static const int64_t special[] = {0,         1,         -1,       5,        -5,
                                      15,        -25,       INT64_MAX, INT64_MIN, INT64_MAX - 1,
                                      INT64_MIN + 1, 1000000000000000000, -999999999999999999,
                                      4611686018427387904, -4611686018427387904};
    uint64_t kind = sel & 15, pick = sel >> 8;
    if (kind == 0) return special[pick % NX_ARRAY_LEN(special)];
    uint64_t mag;
    if (kind <= 3) {
        /* k * 10^j + 5 * 10^(j-1): a tie for anything that drops j digits */
        unsigned j = 1 + (unsigned)(pick % 12);
        mag = (v % 1000000) * (uint64_t)nx_pow10_i64(j) + 5 * (uint64_t)nx_pow10_i64(j - 1);
    } else if (kind == 4) {
        mag = v >> 1; /* full 63-bit range */
    } else {
        mag = v % (uint64_t)nx_pow10_i64(1 + (unsigned)(pick % 18)); /* log-uniform magnitude */
    }
    return (sel >> 4) & 1 ? -(int64_t)mag : (int64_t)mag;
}

static uint8_t scale_from(uint64_t x) {
    static const uint8_t common[] = {0, 2, 8, 6, 18};
    if ((x & 3) == 0) return common[(x >> 2) % NX_ARRAY_LEN(common)];
    return (uint8_t)((x >> 8) % (NX_DEC_MAX_SCALE + 1));
}

static uint8_t rand_scale(nx_rng_t *r) { return scale_from(nx_rng_next(r)); }

static nx_dec_t rand_dec(nx_rng_t *r) {
    uint64_t sel = nx_rng_next(r), v = nx_rng_next(r);
    return D(mantissa_from(sel, v), scale_from(sel >> 32));
}

static nx_round_t rand_mode(nx_rng_t *r) { return all_modes[nx_rng_below(r, 8)]; }

/* ------------------------------------------------------------------------- */
/* Checking helpers                                                          */
/* ------------------------------------------------------------------------- */

static void expect_same(const char *what, uint64_t i, int rc, nx_dec_t got, ref_t want) {
    if (rc != want.rc || (rc == 0 && (got.m != want.m || got.s != want.s)))
        fail_msg("%s case %llu: got rc=%s m=%lld s=%u, want rc=%s m=%lld s=%u", what,
                 (unsigned long long)i, nx_err_name(rc), (long long)got.m, (unsigned)got.s,
                 nx_err_name(want.rc), (long long)want.m, (unsigned)want.s);
}

static void expect_parse(const char *text, int64_t m, unsigned s) {
    nx_dec_t d = D(-777, 17);
    int rc = nx_dec_parse(text, strlen(text), &d);
    if (rc != 0 || d.m != m || d.s != s)
        fail_msg("parse '%s': rc=%s m=%lld s=%u, want m=%lld s=%u (%s)", text, nx_err_name(rc),
                 (long long)d.m, (unsigned)d.s, (long long)m, s, nx_err_detail());
}

static void expect_parse_fails(const char *text, size_t len, int want_rc) {
    nx_dec_t d = D(-777, 17);
    int rc = nx_dec_parse(text, len, &d);
    if (rc != want_rc)
        fail_msg("parse '%.*s': rc=%s, want %s", (int)len, text, nx_err_name(rc),
                 nx_err_name(want_rc));
    /* out-parameters are written only on success */
    assert_int_equal(d.m, -777);
    assert_int_equal(d.s, 17);
    assert_int_equal(nx_err_code(), want_rc);
    assert_true(strlen(nx_err_detail()) > 0);
}

static void expect_scaled(const char *text, unsigned s, nx_round_t mode, int want_rc,
                          int64_t want_m) {
    int64_t m = -777;
    int rc = nx_dec_parse_scaled(text, strlen(text), (uint8_t)s, mode, &m);
    if (rc != want_rc || (rc == 0 && m != want_m) || (rc != 0 && m != -777))
        fail_msg("parse_scaled '%s' s=%u %s: rc=%s m=%lld, want rc=%s m=%lld", text, s,
                 nx_round_name(mode), nx_err_name(rc), (long long)m, nx_err_name(want_rc),
                 (long long)want_m);
}

static void expect_format(nx_dec_t d, const char *want) {
    char buf[NX_DEC_STRLEN];
    memset(buf, 'x', sizeof buf);
    size_t n = nx_dec_format(d, buf);
    if (strcmp(buf, want) != 0 || n != strlen(want))
        fail_msg("format m=%lld s=%u: '%s' (len %zu), want '%s'", (long long)d.m, (unsigned)d.s,
                 buf, n, want);
}

static void expect_format_trim(nx_dec_t d, const char *want) {
    char buf[NX_DEC_STRLEN];
    size_t n = nx_dec_format_trim(d, buf);
    if (strcmp(buf, want) != 0 || n != strlen(want))
        fail_msg("format_trim m=%lld s=%u: '%s', want '%s'", (long long)d.m, (unsigned)d.s, buf,
                 want);
}

/* ------------------------------------------------------------------------- */
/* Parse tables                                                              */
/* ------------------------------------------------------------------------- */

static void parse_reads_plain_decimals_at_their_written_scale(void **state) {
    (void)state;
    expect_parse("0", 0, 0);
    expect_parse("42", 42, 0);
    expect_parse("100000.00", 10000000, 2);
    expect_parse("23456.7", 234567, 1);
    expect_parse("-12.5", -125, 1);
    expect_parse("+3", 3, 0);
    expect_parse("0.00012345", 12345, 8);
    expect_parse("1.50", 150, 2);
    expect_parse("-0", 0, 0);
    expect_parse("-0.00", 0, 2);
    expect_parse(".5", 5, 1);
    expect_parse("5.", 5, 0);
    expect_parse("0.000000000000000001", 1, 18);
    expect_parse("000000000000000000000000042.50", 4250, 2);
    expect_parse("0.000000000000000000", 0, 18);
}

static void parse_reads_exponents(void **state) {
    (void)state;
    expect_parse("1e-8", 1, 8);
    expect_parse("1E-8", 1, 8);
    expect_parse("1.5E+3", 1500, 0);
    expect_parse("1.5e3", 1500, 0);
    expect_parse("12.34e1", 1234, 1);
    expect_parse("-2.5e-3", -25, 4);
    expect_parse("1e18", 1000000000000000000, 0);
    expect_parse("0e100", 0, 0);
    expect_parse("0e+0", 0, 0);
    expect_parse("123e-2", 123, 2);
    expect_parse("1.000e0003", 1000, 0);
    expect_parse("0.00000000000000000000001e10", 1, 13);
    expect_parse("9.223372036854775807e18", INT64_MAX, 0);
}

static void parse_handles_the_int64_limits(void **state) {
    (void)state;
    expect_parse("9223372036854775807", INT64_MAX, 0);
    expect_parse("-9223372036854775808", INT64_MIN, 0);
    expect_parse("-9.223372036854775808", INT64_MIN, 18);
    expect_parse("9.223372036854775807", INT64_MAX, 18);
    expect_parse("0009223372036854775807", INT64_MAX, 0);
    expect_parse_fails("9223372036854775808", 19, NX_EOVERFLOW);
    expect_parse_fails("-9223372036854775809", 20, NX_EOVERFLOW);
    expect_parse_fails("92233720368547758.08", 20, NX_EOVERFLOW);
    expect_parse_fails("99999999999999999999", 20, NX_EOVERFLOW);
    expect_parse_fails("18446744073709551616", 20, NX_EOVERFLOW); /* 2^64: would wrap a u64 */
    expect_parse_fails("1e19", 4, NX_EOVERFLOW);
    expect_parse_fails("1e100000000000", 14, NX_EOVERFLOW);
}

static void parse_rejects_scales_beyond_eighteen(void **state) {
    (void)state;
    expect_parse_fails("0.0000000000000000001", 21, NX_ERANGE);
    expect_parse_fails("1.0000000000000000000", 21, NX_ERANGE);
    expect_parse_fails("1e-19", 5, NX_ERANGE);
    expect_parse_fails("0e-30", 5, NX_ERANGE);
    expect_parse_fails("1e-99999999999", 14, NX_ERANGE);
}

static void parse_rejects_two_decimal_points(void **state) {
    (void)state;
    expect_parse_fails("1.2.3", 5, NX_EPARSE);
    expect_parse_fails("1..2", 4, NX_EPARSE);
}

static void parse_rejects_malformed_text(void **state) {
    (void)state;
    static const char *const bad[] = {"",    "-",   "+",    ".",     "-.",   "--1",  "+-1",
                                      "1-",  " 1",  "1 ",   "1,000", "1e",   "1e+",  "1e-",
                                      "e5",  ".e5", "0x10", "1.5f",  "nan",  "inf",  "1_000",
                                      "١",  "1e5.5", "1.5e3e2"};
    for (size_t i = 0; i < NX_ARRAY_LEN(bad); i++)
        expect_parse_fails(bad[i], strlen(bad[i]), NX_EPARSE);
    /* exactly len bytes are read: an embedded NUL is just a bad byte */
    expect_parse_fails("12\0" "3", 4, NX_EPARSE);
    nx_dec_t d;
    assert_int_equal(nx_dec_parse("123456", 3, &d), 0);
    assert_int_equal(d.m, 123);
    assert_int_equal(nx_dec_parse(NULL, 0, &d), NX_EINVAL);
}

/* ------------------------------------------------------------------------- */
/* parse_scaled tables                                                       */
/* ------------------------------------------------------------------------- */

static void parse_scaled_pads_and_rounds_to_the_instrument_scale(void **state) {
    (void)state;
    expect_scaled("0.5", 8, NX_ROUND_EXACT, 0, 50000000);
    expect_scaled("100000", 2, NX_ROUND_EXACT, 0, 10000000);
    expect_scaled("100000.00", 2, NX_ROUND_EXACT, 0, 10000000);
    expect_scaled("1.2300", 2, NX_ROUND_EXACT, 0, 123); /* extra zeros are exact */
    expect_scaled("1e-8", 8, NX_ROUND_EXACT, 0, 1);
    expect_scaled("1.5e3", 2, NX_ROUND_EXACT, 0, 150000);
    expect_scaled("0.123456789", 8, NX_ROUND_DOWN, 0, 12345678);
    expect_scaled("0.123456789", 8, NX_ROUND_HALF_UP, 0, 12345679);
    expect_scaled("0.123456789", 8, NX_ROUND_EXACT, NX_EINEXACT, 0);
    expect_scaled("0.000000015", 8, NX_ROUND_HALF_EVEN, 0, 2);
    expect_scaled("0.000000025", 8, NX_ROUND_HALF_EVEN, 0, 2);
    expect_scaled("0.0000000250001", 8, NX_ROUND_HALF_EVEN, 0, 3);
    expect_scaled("0.000000025", 8, NX_ROUND_HALF_DOWN, 0, 2);
    expect_scaled("0.000000025", 8, NX_ROUND_HALF_UP, 0, 3);
    expect_scaled("-0.000000025", 8, NX_ROUND_HALF_EVEN, 0, -2);
    expect_scaled("-0.000000025", 8, NX_ROUND_HALF_UP, 0, -3);
    expect_scaled("-0.000000025", 8, NX_ROUND_FLOOR, 0, -3);
    expect_scaled("-0.000000025", 8, NX_ROUND_CEIL, 0, -2);
    expect_scaled("-0.001", 2, NX_ROUND_FLOOR, 0, -1);
    expect_scaled("-0.001", 2, NX_ROUND_CEIL, 0, 0);
    expect_scaled("0.001", 2, NX_ROUND_UP, 0, 1);
    expect_scaled("1e-30", 8, NX_ROUND_UP, 0, 1);
    expect_scaled("1e-30", 8, NX_ROUND_HALF_UP, 0, 0);
    expect_scaled("0.5e-8", 8, NX_ROUND_HALF_UP, 0, 1);
    expect_scaled("0.5e-8", 8, NX_ROUND_HALF_EVEN, 0, 0);
    expect_scaled("5", 0, NX_ROUND_EXACT, 0, 5);
    expect_scaled("0000000000000000000000000.125", 2, NX_ROUND_HALF_EVEN, 0, 12);
}

static void parse_scaled_reports_overflow_at_the_target_scale(void **state) {
    (void)state;
    expect_scaled("92233720368.54775807", 8, NX_ROUND_EXACT, 0, INT64_MAX);
    expect_scaled("-92233720368.54775808", 8, NX_ROUND_EXACT, 0, INT64_MIN);
    expect_scaled("92233720368.54775808", 8, NX_ROUND_EXACT, NX_EOVERFLOW, 0);
    expect_scaled("92233720368.547758075", 8, NX_ROUND_DOWN, 0, INT64_MAX);
    expect_scaled("92233720368.547758075", 8, NX_ROUND_HALF_UP, NX_EOVERFLOW, 0);
    expect_scaled("-92233720368.547758085", 8, NX_ROUND_HALF_DOWN, 0, INT64_MIN);
    expect_scaled("-92233720368.547758085", 8, NX_ROUND_HALF_UP, NX_EOVERFLOW, 0);
    expect_scaled("100000000000", 8, NX_ROUND_EXACT, NX_EOVERFLOW, 0);
    expect_scaled("1e30", 0, NX_ROUND_EXACT, NX_EOVERFLOW, 0);
    expect_scaled("0e30", 18, NX_ROUND_EXACT, 0, 0);
    expect_scaled("1.5", 19, NX_ROUND_EXACT, NX_EINVAL, 0);
    expect_scaled("1.5", 2, (nx_round_t)99, NX_EINVAL, 0);
    expect_scaled("1..5", 2, NX_ROUND_DOWN, NX_EPARSE, 0);
    expect_scaled("", 2, NX_ROUND_DOWN, NX_EPARSE, 0);
}

/* ------------------------------------------------------------------------- */
/* Rounding modes against the published java.math.RoundingMode table          */
/* ------------------------------------------------------------------------- */

#define INEXACT INT64_MIN /* marker: NX_ROUND_EXACT must refuse */
static const int64_t rm_input[10] = {55, 25, 16, 11, 10, -10, -11, -16, -25, -55}; /* scale 1 */
static const struct {
    nx_round_t mode;
    int64_t want[10];
} rm_table[] = {
    {NX_ROUND_UP, {6, 3, 2, 2, 1, -1, -2, -2, -3, -6}},
    {NX_ROUND_DOWN, {5, 2, 1, 1, 1, -1, -1, -1, -2, -5}},
    {NX_ROUND_CEIL, {6, 3, 2, 2, 1, -1, -1, -1, -2, -5}},
    {NX_ROUND_FLOOR, {5, 2, 1, 1, 1, -1, -2, -2, -3, -6}},
    {NX_ROUND_HALF_UP, {6, 3, 2, 1, 1, -1, -1, -2, -3, -6}},
    {NX_ROUND_HALF_DOWN, {5, 2, 2, 1, 1, -1, -1, -2, -2, -5}},
    {NX_ROUND_HALF_EVEN, {6, 2, 2, 1, 1, -1, -1, -2, -2, -6}},
    {NX_ROUND_EXACT, {INEXACT, INEXACT, INEXACT, INEXACT, 1, -1, INEXACT, INEXACT, INEXACT,
                      INEXACT}},
};

static void check_rm(const char *op, nx_round_t mode, int64_t in, int rc, int64_t got,
                     int64_t want) {
    int want_rc = want == INEXACT ? NX_EINEXACT : 0;
    if (rc != want_rc || (rc == 0 && got != want))
        fail_msg("%s(%lld e-1, %s): rc=%s got %lld, want %lld", op, (long long)in,
                 nx_round_name(mode), nx_err_name(rc), (long long)got, (long long)want);
}

static void every_rounding_mode_matches_the_published_table_in_rescale(void **state) {
    (void)state;
    for (size_t t = 0; t < NX_ARRAY_LEN(rm_table); t++)
        for (int i = 0; i < 10; i++) {
            nx_dec_t out = D(0, 0);
            int rc = nx_dec_rescale(D(rm_input[i], 1), 0, rm_table[t].mode, &out);
            check_rm("rescale", rm_table[t].mode, rm_input[i], rc, out.m, rm_table[t].want[i]);
            if (rc == 0) assert_int_equal(out.s, 0);
        }
}

static void every_rounding_mode_matches_the_published_table_in_parse_scaled(void **state) {
    (void)state;
    for (size_t t = 0; t < NX_ARRAY_LEN(rm_table); t++)
        for (int i = 0; i < 10; i++) {
            char text[16];
            int n = snprintf(text, sizeof text, "%s%lld.%lld", rm_input[i] < 0 ? "-" : "",
                             (long long)(rm_input[i] < 0 ? -rm_input[i] : rm_input[i]) / 10,
                             (long long)(rm_input[i] < 0 ? -rm_input[i] : rm_input[i]) % 10);
            int64_t m = 0;
            int rc = nx_dec_parse_scaled(text, (size_t)n, 0, rm_table[t].mode, &m);
            check_rm("parse_scaled", rm_table[t].mode, rm_input[i], rc, m, rm_table[t].want[i]);
            /* the same text through the exponent (general) path */
            n = snprintf(text, sizeof text, "%llde-1", (long long)rm_input[i]);
            rc = nx_dec_parse_scaled(text, (size_t)n, 0, rm_table[t].mode, &m);
            check_rm("parse_scaled/exp", rm_table[t].mode, rm_input[i], rc, m,
                     rm_table[t].want[i]);
        }
}

static void every_rounding_mode_matches_the_published_table_in_mul_div_and_round_to(void **state) {
    (void)state;
    for (size_t t = 0; t < NX_ARRAY_LEN(rm_table); t++)
        for (int i = 0; i < 10; i++) {
            nx_round_t mode = rm_table[t].mode;
            int64_t want = rm_table[t].want[i];
            nx_dec_t out = D(0, 0);
            int rc = nx_dec_mul(D(rm_input[i], 1), D(1, 0), 0, mode, &out);
            check_rm("mul", mode, rm_input[i], rc, out.m, want);
            /* x / 10 at scale 0 == x e-1 rounded */
            rc = nx_dec_div(D(rm_input[i], 0), D(10, 0), 0, mode, &out);
            check_rm("div", mode, rm_input[i], rc, out.m, want);
            rc = nx_dec_round_to(D(rm_input[i], 1), D(1, 0), mode, &out);
            check_rm("round_to", mode, rm_input[i], rc, out.m, want == INEXACT ? want : want * 10);
            if (rc == 0) assert_int_equal(out.s, 1);
        }
}

static void rounding_mode_names_round_trip(void **state) {
    (void)state;
    for (size_t i = 0; i < NX_ARRAY_LEN(all_modes); i++) {
        nx_round_t m;
        assert_int_equal(nx_round_parse(nx_round_name(all_modes[i]), &m), 0);
        assert_int_equal(m, all_modes[i]);
    }
    nx_round_t m = NX_ROUND_UP;
    assert_string_equal(nx_round_name(NX_ROUND_HALF_EVEN), "half_even");
    assert_int_equal(nx_round_parse("bankers", &m), NX_EPARSE);
    assert_int_equal(nx_round_parse("HALF_EVEN", &m), NX_EPARSE);
    assert_int_equal(m, NX_ROUND_UP);
    assert_string_equal(nx_round_name((nx_round_t)42), "?");
}

/* ------------------------------------------------------------------------- */
/* Format tables                                                             */
/* ------------------------------------------------------------------------- */

static void format_writes_exactly_the_scale_digits(void **state) {
    (void)state;
    expect_format(D(0, 0), "0");
    expect_format(D(0, 2), "0.00");
    expect_format(D(42, 0), "42");
    expect_format(D(1, 8), "0.00000001");
    expect_format(D(-1, 8), "-0.00000001");
    expect_format(D(10000000, 2), "100000.00");
    expect_format(D(-125, 1), "-12.5");
    expect_format(D(12345, 18), "0.000000000000012345");
    expect_format(D(100, 2), "1.00");
    expect_format(D(99, 2), "0.99");
    expect_format(D(INT64_MIN, 0), "-9223372036854775808");
    expect_format(D(INT64_MIN, 18), "-9.223372036854775808");
    expect_format(D(INT64_MAX, 18), "9.223372036854775807");
    expect_format(D(INT64_MAX, 1), "922337203685477580.7");
    expect_format(D(-1, 18), "-0.000000000000000001");
    expect_format(D(1000000000000000000, 0), "1000000000000000000");
    expect_format(D(1000000000000000000, 18), "1.000000000000000000");
    /* not a value: visible, and never past NX_DEC_STRLEN */
    expect_format(D(5, 19), "nan");
    expect_format(D(5, 255), "nan");
    char buf[NX_DEC_STRLEN];
    assert_int_equal(nx_dec_format_raw(-125, 1, buf), 5);
    assert_string_equal(buf, "-12.5");
}

static void format_trim_drops_trailing_fraction_zeros(void **state) {
    (void)state;
    expect_format_trim(D(150, 2), "1.5");
    expect_format_trim(D(10000000, 2), "100000");
    expect_format_trim(D(0, 5), "0");
    expect_format_trim(D(-1000, 3), "-1");
    expect_format_trim(D(100, 0), "100");
    expect_format_trim(D(12345, 8), "0.00012345");
    expect_format_trim(D(INT64_MIN, 18), "-9.223372036854775808");
    expect_format_trim(D(1000000000000000000, 18), "1");
}

/* ------------------------------------------------------------------------- */
/* Arithmetic tables                                                         */
/* ------------------------------------------------------------------------- */

static void expect_dec(int rc, nx_dec_t got, int64_t m, unsigned s) {
    if (rc != 0 || got.m != m || got.s != s)
        fail_msg("rc=%s m=%lld s=%u, want m=%lld s=%u (%s)", nx_err_name(rc), (long long)got.m,
                 (unsigned)got.s, (long long)m, s, nx_err_detail());
}

static void add_and_sub_align_scales_and_refuse_to_wrap(void **state) {
    (void)state;
    nx_dec_t r = D(0, 0);
    expect_dec(nx_dec_add(D(150, 2), D(25, 1), &r), r, 400, 2);
    expect_dec(nx_dec_sub(D(150, 2), D(25, 1), &r), r, -100, 2);
    expect_dec(nx_dec_add(D(INT64_MAX, 3), D(INT64_MIN, 3), &r), r, -1, 3);
    assert_int_equal(nx_dec_add(D(INT64_MAX, 0), D(1, 0), &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_sub(D(INT64_MIN, 0), D(1, 0), &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_sub(D(0, 0), D(INT64_MIN, 0), &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_add(D(1, 0), D(INT64_MAX, 1), &r), NX_EOVERFLOW);
    /* the aligned 10^18 * 10 leaves int64, the sum does not */
    expect_dec(nx_dec_add(D(1000000000000000000, 0), D(-900000000000000000, 1), &r), r,
               9100000000000000000, 1);
    expect_dec(nx_dec_sub(D(1000000000000000000, 0), D(900000000000000000, 1), &r), r,
               9100000000000000000, 1);
    assert_int_equal(r.m, 9100000000000000000);
    assert_int_equal(nx_dec_add(D(1, 19), D(1, 0), &r), NX_EINVAL);
}

static void neg_and_abs_refuse_int64_min(void **state) {
    (void)state;
    nx_dec_t r = D(7, 7);
    assert_int_equal(nx_dec_neg(D(INT64_MIN, 4), &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_abs(D(INT64_MIN, 4), &r), NX_EOVERFLOW);
    assert_int_equal(r.m, 7); /* untouched on failure */
    expect_dec(nx_dec_neg(D(INT64_MAX, 4), &r), r, -INT64_MAX, 4);
    expect_dec(nx_dec_abs(D(-INT64_MAX, 4), &r), r, INT64_MAX, 4);
    expect_dec(nx_dec_abs(D(5, 1), &r), r, 5, 1);
    expect_dec(nx_dec_neg(D(0, 2), &r), r, 0, 2);
}

static void mul_prices_btc_and_trillion_unit_tokens_exactly(void **state) {
    (void)state;
    nx_dec_t r = D(0, 0);
    nx_dec_t btc_px = D(10000000, 2);    /* 100000.00 */
    nx_dec_t btc_qty = D(12345678, 8);   /* 0.12345678 */
    expect_dec(nx_dec_mul(btc_px, btc_qty, 2, NX_ROUND_HALF_EVEN, &r), r, 1234568, 2);
    expect_dec(nx_dec_mul(btc_px, btc_qty, 10, NX_ROUND_EXACT, &r), r, 123456780000000, 10);
    assert_int_equal(nx_dec_mul(btc_px, btc_qty, 2, NX_ROUND_EXACT, &r), NX_EINEXACT);
    /* all 21M BTC at 100000.00: 2.1e12 USD */
    expect_dec(nx_dec_mul(btc_px, D(2100000000000000, 8), 2, NX_ROUND_EXACT, &r), r,
               210000000000000, 2);
    /* one trillion tokens at scale 6 (m = 1e18) priced 0.00000001 */
    nx_dec_t tok_qty = D(1000000000000000000, 6);
    nx_dec_t tok_px = D(1, 8);
    expect_dec(nx_dec_mul(tok_qty, tok_px, 8, NX_ROUND_EXACT, &r), r, 1000000000000, 8);
    /* 9e12 tokens at 0.00000123: the 128-bit product (1.1e21) is past int64, the result not */
    expect_dec(nx_dec_mul(D(9000000000000000000, 6), D(123, 8), 8, NX_ROUND_EXACT, &r), r,
               1107000000000000, 8);
    /* negative notional rounds by mode, not by sign-blind truncation */
    expect_dec(nx_dec_mul(D(-10000001, 2), D(5, 1), 2, NX_ROUND_FLOOR, &r), r, -5000001, 2);
    expect_dec(nx_dec_mul(D(-10000001, 2), D(5, 1), 2, NX_ROUND_HALF_EVEN, &r), r, -5000000, 2);
    assert_int_equal(nx_dec_mul(D(INT64_MAX, 0), D(2, 0), 0, NX_ROUND_EXACT, &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_mul(D(INT64_MIN, 0), D(-1, 0), 0, NX_ROUND_EXACT, &r), NX_EOVERFLOW);
    expect_dec(nx_dec_mul(D(INT64_MIN, 0), D(1, 0), 0, NX_ROUND_EXACT, &r), r, INT64_MIN, 0);
    expect_dec(nx_dec_mul(D(INT64_MIN, 18), D(INT64_MIN, 18), 0, NX_ROUND_DOWN, &r), r, 85, 0);
    assert_int_equal(nx_dec_mul(D(1, 0), D(1, 0), 19, NX_ROUND_EXACT, &r), NX_EINVAL);
}

static void div_rounds_once_and_reports_zero_divisors(void **state) {
    (void)state;
    nx_dec_t r = D(0, 0);
    expect_dec(nx_dec_div(D(1, 0), D(3, 0), 8, NX_ROUND_HALF_EVEN, &r), r, 33333333, 8);
    expect_dec(nx_dec_div(D(2, 0), D(3, 0), 8, NX_ROUND_HALF_EVEN, &r), r, 66666667, 8);
    expect_dec(nx_dec_div(D(-2, 0), D(3, 0), 8, NX_ROUND_FLOOR, &r), r, -66666667, 8);
    expect_dec(nx_dec_div(D(-2, 0), D(3, 0), 8, NX_ROUND_DOWN, &r), r, -66666666, 8);
    expect_dec(nx_dec_div(D(-2, 0), D(-3, 0), 8, NX_ROUND_DOWN, &r), r, 66666666, 8);
    /* average price: 1234.5678 USD over 0.01 BTC */
    expect_dec(nx_dec_div(D(12345678, 4), D(1, 2), 2, NX_ROUND_EXACT, &r), r, 12345678, 2);
    assert_int_equal(nx_dec_div(D(1, 0), D(0, 5), 2, NX_ROUND_EXACT, &r), NX_EDIVZERO);
    assert_int_equal(nx_dec_div(D(1, 0), D(3, 0), 2, NX_ROUND_EXACT, &r), NX_EINEXACT);
    assert_int_equal(nx_dec_div(D(INT64_MIN, 0), D(-1, 0), 0, NX_ROUND_EXACT, &r), NX_EOVERFLOW);
    expect_dec(nx_dec_div(D(INT64_MIN, 0), D(1, 0), 0, NX_ROUND_EXACT, &r), r, INT64_MIN, 0);
    /* 10^(scale + b.s - a.s) = 10^36: past 128 bits, so an overflow, not a wrap */
    assert_int_equal(nx_dec_div(D(INT64_MAX, 0), D(1, 18), 18, NX_ROUND_DOWN, &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_div(D(1, 0), D(1, 18), 18, NX_ROUND_DOWN, &r), NX_EOVERFLOW);
    expect_dec(nx_dec_div(D(1, 0), D(1, 18), 0, NX_ROUND_DOWN, &r), r, 1000000000000000000, 0);
    expect_dec(nx_dec_div(D(1, 18), D(INT64_MAX, 0), 18, NX_ROUND_UP, &r), r, 1, 18);
    expect_dec(nx_dec_div(D(1, 18), D(INT64_MAX, 0), 18, NX_ROUND_HALF_UP, &r), r, 0, 18);
}

static void mul_int_scales_by_an_integer(void **state) {
    (void)state;
    nx_dec_t r = D(0, 0);
    expect_dec(nx_dec_mul_int(D(125, 1), -4, &r), r, -500, 1);
    assert_int_equal(nx_dec_mul_int(D(INT64_MIN, 1), -1, &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_mul_int(D(4611686018427387904, 1), 2, &r), NX_EOVERFLOW);
    expect_dec(nx_dec_mul_int(D(-4611686018427387904, 1), 2, &r), r, INT64_MIN, 1);
}

static void rescale_raises_exactly_and_lowers_by_mode(void **state) {
    (void)state;
    nx_dec_t r = D(0, 0);
    expect_dec(nx_dec_rescale(D(15, 1), 8, NX_ROUND_EXACT, &r), r, 150000000, 8);
    expect_dec(nx_dec_rescale(D(150000000, 8), 1, NX_ROUND_EXACT, &r), r, 15, 1);
    assert_int_equal(nx_dec_rescale(D(INT64_MAX, 0), 1, NX_ROUND_EXACT, &r), NX_EOVERFLOW);
    assert_int_equal(nx_dec_rescale(D(922337203685477581, 0), 1, NX_ROUND_EXACT, &r),
                     NX_EOVERFLOW);
    expect_dec(nx_dec_rescale(D(-922337203685477580, 0), 1, NX_ROUND_EXACT, &r), r,
               -9223372036854775800, 1);
    expect_dec(nx_dec_rescale(D(INT64_MIN, 18), 0, NX_ROUND_HALF_EVEN, &r), r, -9, 0);
    expect_dec(nx_dec_rescale(D(INT64_MIN, 18), 0, NX_ROUND_FLOOR, &r), r, -10, 0);
    expect_dec(nx_dec_rescale(D(INT64_MIN, 1), 0, NX_ROUND_HALF_EVEN, &r), r,
               -922337203685477581, 0);
    assert_int_equal(nx_dec_rescale(D(1, 0), 19, NX_ROUND_EXACT, &r), NX_EINVAL);
}

static void round_to_snaps_to_ticks_and_lots(void **state) {
    (void)state;
    nx_dec_t r = D(0, 0);
    /* the header's examples */
    expect_dec(nx_dec_round_to(D(100000037, 3), D(1, 2), NX_ROUND_HALF_EVEN, &r), r, 100000040,
               3);
    expect_dec(nx_dec_round_to(D(123456789, 9), D(1, 5), NX_ROUND_DOWN, &r), r, 123450000, 9);
    expect_dec(nx_dec_round_to(D(10037, 2), D(25, 2), NX_ROUND_HALF_UP, &r), r, 10025, 2);
    expect_dec(nx_dec_round_to(D(-10037, 2), D(25, 2), NX_ROUND_FLOOR, &r), r, -10050, 2);
    expect_dec(nx_dec_round_to(D(-10037, 2), D(25, 2), NX_ROUND_CEIL, &r), r, -10025, 2);
    expect_dec(nx_dec_round_to(D(10000000, 2), D(5, 1), NX_ROUND_EXACT, &r), r, 10000000, 2);
    /* tie between ticks 0.25 apart: 100.125 */
    expect_dec(nx_dec_round_to(D(100125, 3), D(25, 2), NX_ROUND_HALF_EVEN, &r), r, 100000, 3);
    expect_dec(nx_dec_round_to(D(100375, 3), D(25, 2), NX_ROUND_HALF_EVEN, &r), r, 100500, 3);
    expect_dec(nx_dec_round_to(D(100375, 3), D(25, 2), NX_ROUND_HALF_DOWN, &r), r, 100250, 3);
    /* lot size coarser than the value's scale: 7 units to lots of 5 */
    expect_dec(nx_dec_round_to(D(7, 0), D(5, 0), NX_ROUND_HALF_UP, &r), r, 5, 0);
    assert_int_equal(nx_dec_round_to(D(INT64_MAX, 0), D(10, 0), NX_ROUND_UP, &r), NX_EOVERFLOW);
    expect_dec(nx_dec_round_to(D(INT64_MAX, 0), D(10, 0), NX_ROUND_DOWN, &r), r,
               9223372036854775800, 0);
    assert_int_equal(nx_dec_round_to(D(1, 0), D(0, 0), NX_ROUND_UP, &r), NX_EINVAL);
    assert_int_equal(nx_dec_round_to(D(1, 0), D(-1, 0), NX_ROUND_UP, &r), NX_EINVAL);
    assert_int_equal(nx_dec_round_to(D(7, 0), D(5, 0), NX_ROUND_EXACT, &r), NX_EINEXACT);
}

static void is_multiple_checks_ticks_across_scales(void **state) {
    (void)state;
    assert_true(nx_dec_is_multiple(D(10000004, 2), D(1, 2)));
    assert_true(nx_dec_is_multiple(D(100000040, 3), D(1, 2)));
    assert_false(nx_dec_is_multiple(D(100000045, 3), D(1, 2)));
    assert_true(nx_dec_is_multiple(D(0, 0), D(25, 2)));
    assert_true(nx_dec_is_multiple(D(-1075, 2), D(25, 2)));
    assert_false(nx_dec_is_multiple(D(5, 0), D(0, 0)));
    assert_false(nx_dec_is_multiple(D(5, 0), D(-5, 0)));
    assert_true(nx_dec_is_multiple(D(INT64_MIN, 0), D(2, 0)));
}

static void cmp_compares_across_scales(void **state) {
    (void)state;
    assert_int_equal(nx_dec_cmp(D(150, 2), D(15, 1)), 0);
    assert_int_equal(nx_dec_cmp(D(-1, 1), D(-10000, 5)), 0);
    assert_int_equal(nx_dec_cmp(D(1, 18), D(0, 0)), 1);
    assert_int_equal(nx_dec_cmp(D(-1, 18), D(0, 0)), -1);
    assert_int_equal(nx_dec_cmp(D(INT64_MIN, 0), D(INT64_MIN, 18)), -1);
    assert_int_equal(nx_dec_cmp(D(INT64_MAX, 0), D(INT64_MAX, 18)), 1);
    assert_int_equal(nx_dec_cmp(D(INT64_MIN, 18), D(INT64_MIN, 18)), 0);
    assert_int_equal(nx_dec_cmp(D(9999999, 2), D(100000, 0)), -1);
    assert_true(nx_dec_is_zero(D(0, 9)));
    assert_int_equal(nx_dec_sign(D(-3, 1)), -1);
}

static void pow10_and_to_double_cover_their_ranges(void **state) {
    (void)state;
    assert_int_equal(nx_pow10_i64(0), 1);
    assert_int_equal(nx_pow10_i64(8), 100000000);
    assert_int_equal(nx_pow10_i64(18), 1000000000000000000);
    assert_int_equal(nx_pow10_i64(19), 0);
    assert_true(nx_dec_to_double(D(1, 1)) == 0.1);
    assert_true(nx_dec_to_double(D(10000000, 2)) == 100000.0);
    assert_true(nx_dec_to_double(D(-1, 8)) == -1e-8);
}

/* ------------------------------------------------------------------------- */
/* Properties against the reference                                          */
/* ------------------------------------------------------------------------- */

static void add_and_sub_match_the_reference_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 101);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t a = rand_dec(&r), b = rand_dec(&r), out = D(0, 0);
        int rc = nx_dec_add(a, b, &out);
        expect_same("add", i, rc, out, ref_add(a, b, 0));
        rc = nx_dec_sub(a, b, &out);
        expect_same("sub", i, rc, out, ref_add(a, b, 1));
    }
}

static void mul_matches_the_reference_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 202);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t a = rand_dec(&r), b = rand_dec(&r), out = D(0, 0);
        uint8_t s = rand_scale(&r);
        nx_round_t mode = rand_mode(&r);
        int rc = nx_dec_mul(a, b, s, mode, &out);
        expect_same("mul", i, rc, out, ref_mul(a, b, s, mode));
    }
}

static void div_matches_long_division_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 303);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t a = rand_dec(&r), b = rand_dec(&r), out = D(0, 0);
        uint8_t s = rand_scale(&r);
        nx_round_t mode = rand_mode(&r);
        int rc = nx_dec_div(a, b, s, mode, &out);
        expect_same("div", i, rc, out, ref_div(a, b, s, mode));
    }
}

static void rescale_matches_the_reference_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 404);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t a = rand_dec(&r), out = D(0, 0);
        uint8_t s = rand_scale(&r);
        nx_round_t mode = rand_mode(&r);
        int rc = nx_dec_rescale(a, s, mode, &out);
        expect_same("rescale", i, rc, out, ref_rescale(a, s, mode));
    }
}

static void round_to_matches_the_reference_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 505);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t a = rand_dec(&r), inc = rand_dec(&r), out = D(0, 0);
        if (inc.m == 0) inc.m = 1;
        if (inc.m < 0) inc.m = inc.m == INT64_MIN ? INT64_MAX : -inc.m;
        if (i % 4 == 0) { /* realistic ticks: 1, 5, 25 at small scales */
            static const int64_t ticks[] = {1, 5, 25};
            inc = D(ticks[nx_rng_below(&r, 3)], nx_rng_below(&r, 9));
        }
        nx_round_t mode = rand_mode(&r);
        int rc = nx_dec_round_to(a, inc, mode, &out);
        ref_t want = ref_round_to(a, inc, mode);
        expect_same("round_to", i, rc, out, want);
        int mult = nx_dec_is_multiple(a, inc);
        int s = a.s > inc.s ? a.s : inc.s;
        i128 A = (i128)a.m * ref_p10(s - a.s), I = (i128)inc.m * ref_p10(s - inc.s), fl;
        ref_round_div(A, I, NX_ROUND_FLOOR, &fl);
        if (mult != (fl * I == A))
            fail_msg("is_multiple case %llu: m=%lld s=%u inc=%lld s=%u gave %d",
                     (unsigned long long)i, (long long)a.m, (unsigned)a.s, (long long)inc.m,
                     (unsigned)inc.s, mult);
    }
}

static void cmp_matches_the_reference_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 606);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t a = rand_dec(&r), b = rand_dec(&r);
        if (i % 3 == 0 && b.s <= 12 && b.m > -1000000 && b.m < 1000000) {
            /* equal values at different scales */
            a = D(b.m * nx_pow10_i64(6), b.s + 6);
        }
        int got = nx_dec_cmp(a, b), want = ref_cmp(a, b);
        if (got != want)
            fail_msg("cmp case %llu: (%lld,%u) vs (%lld,%u): %d, want %d", (unsigned long long)i,
                     (long long)a.m, (unsigned)a.s, (long long)b.m, (unsigned)b.s, got, want);
        assert_int_equal(nx_dec_cmp(b, a), -want);
    }
}

static void format_matches_snprintf_and_parses_back_on_a_million_cases(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 707);
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        nx_dec_t x = rand_dec(&r), y = D(0, 0);
        char buf[NX_DEC_STRLEN], want[300]; /* room for any %0*llu width gcc can imagine */
        size_t n = nx_dec_format(x, buf);
        ref_format(x, want, sizeof want);
        if (strcmp(buf, want) != 0 || n != strlen(want))
            fail_msg("format case %llu: '%s', want '%s'", (unsigned long long)i, buf, want);
        int rc = nx_dec_parse(buf, n, &y);
        if (rc != 0 || y.m != x.m || y.s != x.s)
            fail_msg("parse(format) case %llu: '%s' -> rc=%s m=%lld s=%u", (unsigned long long)i,
                     buf, nx_err_name(rc), (long long)y.m, (unsigned)y.s);
        n = nx_dec_format_trim(x, buf);
        assert_int_equal(nx_dec_parse(buf, n, &y), 0);
        assert_int_equal(nx_dec_cmp(x, y), 0);
        assert_true(y.s <= x.s && (y.s == 0 || y.m % 10 != 0));
    }
}

/*
 * Random literal built from pieces; the reference value comes from the
 * pieces: sign, a digit string D (<= 24 digits, so it fits i128), the
 * number of fraction digits nf and an exponent. value = D * 10^(exp - nf).
 */
typedef struct {
    char text[64];
    size_t len;
    int neg;
    i128 digits;
    int nf, exp;
} lit_t;

static void rand_literal(nx_rng_t *r, lit_t *l) {
    char *p = l->text;
    int ni = (int)nx_rng_below(r, 13), nf = (int)nx_rng_below(r, 13), point = 1;
    if (ni + nf == 0) ni = 1;
    if (nf == 0) point = (int)nx_rng_below(r, 2);
    l->neg = (int)nx_rng_below(r, 2);
    if (l->neg) *p++ = '-';
    else if (nx_rng_below(r, 8) == 0) *p++ = '+';
    l->digits = 0;
    /* biased digits: runs of zeros and nines make ties and carries common */
    for (int i = 0; i < ni + nf; i++) {
        if (i == ni && point) *p++ = '.';
        uint64_t k = nx_rng_below(r, 4);
        char c = k == 0 ? '0' : k == 1 ? '9' : k == 2 ? '5' : (char)('0' + nx_rng_below(r, 10));
        *p++ = c;
        l->digits = l->digits * 10 + (c - '0');
    }
    if (ni + nf == ni && point) *p++ = '.';
    l->nf = nf;
    l->exp = 0;
    if (nx_rng_below(r, 4) == 0) {
        l->exp = (int)nx_rng_below(r, 25) - 12;
        p += snprintf(p, 16, "%s%d", nx_rng_below(r, 2) ? "e" : "E", l->exp);
    }
    *p = '\0';
    l->len = (size_t)(p - l->text);
}

static ref_t ref_literal_scaled(const lit_t *l, int s, nx_round_t mode) {
    i128 n = l->neg ? -l->digits : l->digits;
    int k = l->exp - l->nf + s;
    if (k >= 0) {
        if (l->digits != 0 && l->digits > ((i128)1 << 64) / ref_p10(k))
            return ref_err(NX_EOVERFLOW);
        return ref_value(n * ref_p10(k), s);
    }
    return ref_rounded(n, ref_p10(-k), 1, s, mode);
}

static void parse_matches_the_reference_on_a_million_literals(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 808);
    lit_t l;
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        rand_literal(&r, &l);
        int scale = l.nf - l.exp;
        ref_t want = scale > NX_DEC_MAX_SCALE ? ref_err(NX_ERANGE)
                                              : ref_literal_scaled(&l, scale < 0 ? 0 : scale,
                                                                   NX_ROUND_EXACT);
        nx_dec_t got = D(0, 0);
        int rc = nx_dec_parse(l.text, l.len, &got);
        if (rc != want.rc || (rc == 0 && (got.m != want.m || got.s != want.s)))
            fail_msg("parse case %llu '%s': rc=%s m=%lld s=%u, want rc=%s m=%lld s=%u",
                     (unsigned long long)i, l.text, nx_err_name(rc), (long long)got.m,
                     (unsigned)got.s, nx_err_name(want.rc), (long long)want.m,
                     (unsigned)want.s);
    }
}

static void parse_scaled_matches_the_reference_on_a_million_literals(void **state) {
    (void)state;
    nx_rng_t r;
    nx_rng_seed(&r, 909);
    lit_t l;
    for (uint64_t i = 0; i < PROPERTY_CASES; i++) {
        rand_literal(&r, &l);
        uint8_t s = rand_scale(&r);
        nx_round_t mode = rand_mode(&r);
        ref_t want = ref_literal_scaled(&l, s, mode);
        int64_t m = 0;
        int rc = nx_dec_parse_scaled(l.text, l.len, s, mode, &m);
        if (rc != want.rc || (rc == 0 && m != want.m))
            fail_msg("parse_scaled case %llu '%s' s=%u %s: rc=%s m=%lld, want rc=%s m=%lld",
                     (unsigned long long)i, l.text, (unsigned)s, nx_round_name(mode),
                     nx_err_name(rc), (long long)m, nx_err_name(want.rc), (long long)want.m);
    }
}

static const struct CMUnitTest cases[] = {
    NX_CASE(parse_reads_plain_decimals_at_their_written_scale),
    NX_CASE(parse_reads_exponents),
    NX_CASE(parse_handles_the_int64_limits),
    NX_CASE(parse_rejects_scales_beyond_eighteen),
    NX_CASE(parse_rejects_two_decimal_points),
    NX_CASE(parse_rejects_malformed_text),
    NX_CASE(parse_scaled_pads_and_rounds_to_the_instrument_scale),
    NX_CASE(parse_scaled_reports_overflow_at_the_target_scale),
    NX_CASE(every_rounding_mode_matches_the_published_table_in_rescale),
    NX_CASE(every_rounding_mode_matches_the_published_table_in_parse_scaled),
    NX_CASE(every_rounding_mode_matches_the_published_table_in_mul_div_and_round_to),
    NX_CASE(rounding_mode_names_round_trip),
    NX_CASE(format_writes_exactly_the_scale_digits),
    NX_CASE(format_trim_drops_trailing_fraction_zeros),
    NX_CASE(add_and_sub_align_scales_and_refuse_to_wrap),
    NX_CASE(neg_and_abs_refuse_int64_min),
    NX_CASE(mul_prices_btc_and_trillion_unit_tokens_exactly),
    NX_CASE(div_rounds_once_and_reports_zero_divisors),
    NX_CASE(mul_int_scales_by_an_integer),
    NX_CASE(rescale_raises_exactly_and_lowers_by_mode),
    NX_CASE(round_to_snaps_to_ticks_and_lots),
    NX_CASE(is_multiple_checks_ticks_across_scales),
    NX_CASE(cmp_compares_across_scales),
    NX_CASE(pow10_and_to_double_cover_their_ranges),
    NX_CASE(add_and_sub_match_the_reference_on_a_million_cases),
    NX_CASE(mul_matches_the_reference_on_a_million_cases),
    NX_CASE(div_matches_long_division_on_a_million_cases),
    NX_CASE(rescale_matches_the_reference_on_a_million_cases),
    NX_CASE(round_to_matches_the_reference_on_a_million_cases),
    NX_CASE(cmp_matches_the_reference_on_a_million_cases),
    NX_CASE(format_matches_snprintf_and_parses_back_on_a_million_cases),
    NX_CASE(parse_matches_the_reference_on_a_million_literals),
    NX_CASE(parse_scaled_matches_the_reference_on_a_million_literals),
};

NX_TEST_MAIN(cases)
