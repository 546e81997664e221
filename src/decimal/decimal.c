/*
 * Exact fixed-point decimals (nexus/decimal.h).
 *
 * Every operation works on magnitudes (uint64 / nx_u128) plus a sign flag, so
 * that INT64_MIN (whose magnitude 2^63 has no int64 negation) needs no special
 * case: a result is range-checked against 2^63 - 1 + neg before it is turned
 * back into a signed mantissa.
 *
 * Rounding is decided in one place (nx__round_bump) from three facts about the
 * discarded part: is it non-zero, is it below / at / above half a unit, and is
 * the kept magnitude odd. The parsers get those facts from the first discarded
 * digit and a sticky "any non-zero after it"; mul/div/rescale/round_to get them
 * from a remainder compared with (divisor - remainder), which cannot overflow.
 *
 * The parsers have a single-pass fast path for the text importers actually
 * see (plain digits, at most 19 significant digits, no exponent) and fall back
 * to a general scanner for everything else (exponents, long runs of leading
 * zeros, overflow diagnosis). Formatting writes backwards from the end with a
 * two-digit table and divides only by the constants 10 and 100, which the
 * compiler turns into multiplications.
 */
#include <string.h>

#include "nexus/decimal.h"

#define NX__U64_P10_N 20
static const uint64_t nx__p10[NX__U64_P10_N] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
    10000000000000000000ull,
};

static const char nx__dig2[201] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

/* Shortest prefix of outside text worth quoting in an error message. */
#define NX__QUOTE(len) ((int)((len) > 64 ? 64 : (len)))

int64_t nx_pow10_i64(unsigned k) { return k <= NX_DEC_MAX_SCALE ? (int64_t)nx__p10[k] : 0; }

/* 10^k as a 128-bit value, k in 0..38 (10^38 < 2^127). */
static nx_u128 nx__p10_128(unsigned k) {
    if (k < NX__U64_P10_N) return nx__p10[k];
    return (nx_u128)nx__p10[19] * nx__p10[k - 19];
}

static inline uint64_t nx__mag(int64_t m) { return m < 0 ? 0 - (uint64_t)m : (uint64_t)m; }

/* Signed mantissa from a magnitude already checked to be <= 2^63 - 1 + neg. */
static inline int64_t nx__from_mag(uint64_t mag, int neg) {
    if (!neg || mag == 0) return (int64_t)mag;
    return -(int64_t)(mag - 1) - 1;
}

static inline int nx__valid_mode(nx_round_t mode) {
    return (unsigned)mode <= (unsigned)NX_ROUND_HALF_EVEN;
}

/* ------------------------------------------------------------------------- */
/* Rounding modes                                                            */
/* ------------------------------------------------------------------------- */

static const char *const nx__round_names[] = {"exact",   "down",      "up",       "floor",
                                              "ceil",    "half_up",   "half_down", "half_even"};

int nx_round_parse(const char *s, nx_round_t *out) {
    if (!s || !out) return NX_ERR(NX_EINVAL, "null argument");
    for (size_t i = 0; i < NX_ARRAY_LEN(nx__round_names); i++) {
        if (strcmp(s, nx__round_names[i]) == 0) {
            *out = (nx_round_t)i;
            return NX_OK;
        }
    }
    return NX_ERR(NX_EPARSE,
                  "unknown rounding mode '%.64s' "
                  "(exact|down|up|floor|ceil|half_up|half_down|half_even)",
                  s);
}

const char *nx_round_name(nx_round_t mode) {
    return nx__valid_mode(mode) ? nx__round_names[mode] : "?";
}

/*
 * Whether to add one to the truncated magnitude.
 *   neg      sign of the exact value (decides FLOOR / CEIL)
 *   inexact  the discarded part is non-zero
 *   half     discarded part vs half a unit: <0 below, 0 exactly half, >0 above
 *   odd      the truncated magnitude is odd (decides HALF_EVEN ties)
 * Returns 0 or 1, or NX_EINEXACT under NX_ROUND_EXACT.
 */
static inline int nx__round_bump(nx_round_t mode, int neg, int inexact, int half, int odd) {
    if (!inexact) return 0;
    switch (mode) {
    case NX_ROUND_EXACT: return NX_EINEXACT;
    case NX_ROUND_DOWN: return 0;
    case NX_ROUND_UP: return 1;
    case NX_ROUND_FLOOR: return neg;
    case NX_ROUND_CEIL: return !neg;
    case NX_ROUND_HALF_UP: return half >= 0;
    case NX_ROUND_HALF_DOWN: return half > 0;
    case NX_ROUND_HALF_EVEN: return half > 0 || (half == 0 && odd);
    }
    return NX_EINVAL;
}

/*
 * n / d rounded with mode, as a magnitude no larger than limit; neg is the
 * sign of the quotient. Errors (detail not set: the caller knows the
 * operation): NX_EOVERFLOW when even the truncated quotient exceeds limit, so
 * that an out-of-range result is an overflow under every mode, EXACT
 * included; then NX_EINEXACT; then NX_EOVERFLOW if rounding away crosses it.
 */
static int nx__divround(nx_u128 n, nx_u128 d, int neg, nx_round_t mode, nx_u128 limit,
                        nx_u128 *q_out) {
    nx_u128 q, r;
    if ((n >> 64) == 0 && (d >> 64) == 0) {
        /* The common case; keeps libgcc's 128-bit division off the path. */
        uint64_t n64 = (uint64_t)n, d64 = (uint64_t)d;
        q = n64 / d64;
        r = n64 % d64;
    } else {
        q = n / d;
        r = n % d;
    }
    if (q > limit) return NX_EOVERFLOW;
    nx_u128 rest = d - r;
    int half = r < rest ? -1 : r > rest ? 1 : 0;
    int bump = nx__round_bump(mode, neg, r != 0, half, (int)(q & 1));
    if (bump < 0) return bump;
    if (q + (unsigned)bump > limit) return NX_EOVERFLOW;
    *q_out = q + (unsigned)bump;
    return NX_OK;
}

/* Store a rounded magnitude as a signed result, or NX_EOVERFLOW. */
static int nx__store(nx_u128 mag, int neg, uint8_t s, nx_dec_t *out, const char *op) {
    if (mag > (nx_u128)INT64_MAX + (unsigned)neg)
        return NX_ERR(NX_EOVERFLOW, "%s: result does not fit an int64 mantissa at scale %u", op,
                      (unsigned)s);
    out->m = nx__from_mag((uint64_t)mag, neg);
    out->s = s;
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------- */

/* Syntax of a decimal literal, found by the general scanner. */
typedef struct nx__text {
    int neg;
    const char *ib; /* integer digits */
    size_t ni;
    const char *fb; /* fraction digits */
    size_t nf;
    int64_t exp; /* clamped to +-NX__EXP_CAP; larger exponents cannot give a valid value */
} nx__text_t;

#define NX__EXP_CAP 100000

static int nx__scan(const char *str, size_t len, nx__text_t *t) {
    const char *p = str, *end = str + len;
    t->neg = 0;
    if (p < end && (*p == '-' || *p == '+')) t->neg = *p++ == '-';
    t->ib = p;
    while (p < end && (unsigned)(*p - '0') < 10u) p++;
    t->ni = (size_t)(p - t->ib);
    t->fb = p;
    t->nf = 0;
    if (p < end && *p == '.') {
        t->fb = ++p;
        while (p < end && (unsigned)(*p - '0') < 10u) p++;
        t->nf = (size_t)(p - t->fb);
    }
    if (t->ni + t->nf == 0)
        return NX_ERR(NX_EPARSE, "no digits in decimal '%.*s'", NX__QUOTE(len), str);
    t->exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '-' || *p == '+')) eneg = *p++ == '-';
        const char *eb = p;
        int64_t e = 0;
        while (p < end && (unsigned)(*p - '0') < 10u) {
            if (e < NX__EXP_CAP) e = e * 10 + (*p - '0');
            p++;
        }
        if (p == eb)
            return NX_ERR(NX_EPARSE, "exponent without digits in '%.*s'", NX__QUOTE(len), str);
        if (e > NX__EXP_CAP) e = NX__EXP_CAP;
        t->exp = eneg ? -e : e;
    }
    if (p != end)
        return NX_ERR(NX_EPARSE, "unexpected '%c' at offset %zu in decimal '%.*s'", *p,
                      (size_t)(p - str), NX__QUOTE(len), str);
    return NX_OK;
}

static inline unsigned nx__digit_at(const nx__text_t *t, size_t i) {
    return (unsigned)((i < t->ni ? t->ib[i] : t->fb[i - t->ni]) - '0');
}

/*
 * The value of scanned text as a mantissa at scale S, rounded with mode.
 * The value is D * 10^(exp - nf) with D the digit string; in units of 10^-S
 * digit i (0-based, D has nd digits) weighs 10^(nd - 1 - i + k) with
 * k = exp - nf + S, so the first nd + k digits are kept and the rest rounded.
 */
static int nx__text_to_scale(const nx__text_t *t, unsigned S, nx_round_t mode, int64_t *out_m,
                             const char *str, size_t len) {
    size_t nd = t->ni + t->nf;
    int64_t k = t->exp - (int64_t)t->nf + (int64_t)S;
    int64_t kept = (int64_t)nd + k;
    size_t nkeep = kept <= 0 ? 0 : (uint64_t)kept >= nd ? nd : (size_t)kept;
    uint64_t acc = 0;
    int ovf = 0;
    for (size_t i = 0; i < nkeep; i++) {
        unsigned d = nx__digit_at(t, i);
        if (acc > (UINT64_MAX - d) / 10) {
            ovf = 1;
            break;
        }
        acc = acc * 10 + d;
    }
    unsigned first = 0, sticky = 0;
    if (nkeep < nd) {
        size_t i = nkeep;
        if (kept >= 0) first = nx__digit_at(t, i++); /* else the half-unit digit is an implied 0 */
        for (; i < nd && !sticky; i++) sticky = nx__digit_at(t, i);
    }
    if (!ovf && k > 0 && acc != 0) {
        if (k >= NX__U64_P10_N || __builtin_mul_overflow(acc, nx__p10[k], &acc)) ovf = 1;
    }
    if (ovf || acc > (uint64_t)INT64_MAX + (unsigned)t->neg)
        return NX_ERR(NX_EOVERFLOW, "decimal '%.*s' does not fit an int64 mantissa at scale %u",
                      NX__QUOTE(len), str, S);
    int half = first < 5 ? -1 : first > 5 ? 1 : sticky != 0;
    int bump = nx__round_bump(mode, t->neg, (first | sticky) != 0, half, (int)(acc & 1));
    if (bump < 0)
        return NX_ERR(bump, "decimal '%.*s' has more than %u fractional digits", NX__QUOTE(len),
                      str, S);
    if (acc > (uint64_t)INT64_MAX + (unsigned)t->neg - (unsigned)bump)
        return NX_ERR(NX_EOVERFLOW, "decimal '%.*s' does not fit an int64 mantissa at scale %u",
                      NX__QUOTE(len), str, S);
    *out_m = nx__from_mag(acc + (unsigned)bump, t->neg);
    return NX_OK;
}

static int nx__parse_general(const char *str, size_t len, nx_dec_t *out) {
    nx__text_t t;
    int rc = nx__scan(str, len, &t);
    if (rc < 0) return rc;
    int64_t scale = (int64_t)t.nf - t.exp;
    if (scale > NX_DEC_MAX_SCALE)
        return NX_ERR(NX_ERANGE, "decimal '%.*s' needs scale %lld, more than %d", NX__QUOTE(len),
                      str, (long long)scale, NX_DEC_MAX_SCALE);
    unsigned S = scale < 0 ? 0 : (unsigned)scale;
    int64_t m;
    rc = nx__text_to_scale(&t, S, NX_ROUND_EXACT, &m, str, len);
    if (rc < 0) return rc;
    out->m = m;
    out->s = (uint8_t)S;
    return NX_OK;
}

int nx_dec_parse(const char *str, size_t len, nx_dec_t *out) {
    if (NX_UNLIKELY(!str || !out)) return NX_ERR(NX_EINVAL, "null argument");
    const char *p = str, *end = str + len;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    const char *ib = p;
    uint64_t acc = 0;
    unsigned d;
    while (p < end && (d = (unsigned)(*p - '0')) < 10u) {
        acc = acc * 10 + d;
        p++;
    }
    size_t ni = (size_t)(p - ib), nf = 0;
    if (p < end && *p == '.') {
        const char *fb = ++p;
        while (p < end && (d = (unsigned)(*p - '0')) < 10u) {
            acc = acc * 10 + d;
            p++;
        }
        nf = (size_t)(p - fb);
    }
    /* Up to 19 digits cannot wrap a uint64; anything else takes the careful path. */
    if (NX_UNLIKELY(p != end || ni + nf == 0 || ni + nf > 19 || nf > NX_DEC_MAX_SCALE))
        return nx__parse_general(str, len, out);
    if (NX_UNLIKELY(acc > (uint64_t)INT64_MAX + (unsigned)neg))
        return NX_ERR(NX_EOVERFLOW, "decimal '%.*s' does not fit an int64 mantissa",
                      NX__QUOTE(len), str);
    out->m = nx__from_mag(acc, neg);
    out->s = (uint8_t)nf;
    return NX_OK;
}

int nx_dec_parse_scaled(const char *str, size_t len, uint8_t scale, nx_round_t mode,
                        int64_t *out_m) {
    if (NX_UNLIKELY(!str || !out_m)) return NX_ERR(NX_EINVAL, "null argument");
    if (NX_UNLIKELY(scale > NX_DEC_MAX_SCALE || !nx__valid_mode(mode)))
        return NX_ERR(NX_EINVAL, "scale %u or rounding mode %d invalid", (unsigned)scale,
                      (int)mode);
    const char *p = str, *end = str + len;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    const char *ib = p;
    uint64_t acc = 0;
    unsigned d;
    while (p < end && (d = (unsigned)(*p - '0')) < 10u) {
        acc = acc * 10 + d;
        p++;
    }
    size_t ni = (size_t)(p - ib), nf = 0, nkept = 0;
    unsigned first = 0, sticky = 0;
    if (p < end && *p == '.') {
        const char *fb = ++p;
        const char *kend = (size_t)(end - p) > scale ? p + scale : end;
        while (p < kend && (d = (unsigned)(*p - '0')) < 10u) {
            acc = acc * 10 + d;
            p++;
        }
        nkept = (size_t)(p - fb);
        if (p < end && (d = (unsigned)(*p - '0')) < 10u) {
            first = d;
            p++;
            while (p < end && (d = (unsigned)(*p - '0')) < 10u) {
                sticky |= d;
                p++;
            }
        }
        nf = (size_t)(p - fb);
    }
    if (NX_UNLIKELY(p != end || ni + nf == 0 || ni + nkept > 19)) {
        nx__text_t t;
        int rc = nx__scan(str, len, &t);
        if (rc < 0) return rc;
        return nx__text_to_scale(&t, scale, mode, out_m, str, len);
    }
    if (nkept < scale && __builtin_mul_overflow(acc, nx__p10[scale - nkept], &acc))
        return NX_ERR(NX_EOVERFLOW, "decimal '%.*s' does not fit an int64 mantissa at scale %u",
                      NX__QUOTE(len), str, (unsigned)scale);
    if (NX_UNLIKELY(acc > (uint64_t)INT64_MAX + (unsigned)neg))
        return NX_ERR(NX_EOVERFLOW, "decimal '%.*s' does not fit an int64 mantissa at scale %u",
                      NX__QUOTE(len), str, (unsigned)scale);
    unsigned bump = 0;
    if (NX_UNLIKELY(first | sticky)) {
        int half = first < 5 ? -1 : first > 5 ? 1 : sticky != 0;
        int b = nx__round_bump(mode, neg, 1, half, (int)(acc & 1));
        if (b < 0)
            return NX_ERR(b, "decimal '%.*s' has more than %u fractional digits",
                          NX__QUOTE(len), str, (unsigned)scale);
        bump = (unsigned)b;
    }
    if (NX_UNLIKELY(acc > (uint64_t)INT64_MAX + (unsigned)neg - bump))
        return NX_ERR(NX_EOVERFLOW, "decimal '%.*s' does not fit an int64 mantissa at scale %u",
                      NX__QUOTE(len), str, (unsigned)scale);
    *out_m = nx__from_mag(acc + bump, neg);
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Formatting                                                                */
/* ------------------------------------------------------------------------- */

/* Decimal digits of u (1 for 0): bit length * log10(2), corrected by one compare. */
static inline unsigned nx__ndigits(uint64_t u) {
    unsigned bits = 64u - (unsigned)__builtin_clzll(u | 1);
    unsigned t = (bits * 1233u) >> 12;
    return t + 1u - (u < nx__p10[t]);
}

size_t nx_dec_format_raw(int64_t m, uint8_t s, char *buf) {
    if (NX_UNLIKELY(s > NX_DEC_MAX_SCALE)) {
        /* Not a value: say so visibly instead of writing past NX_DEC_STRLEN. */
        memcpy(buf, "nan", 4);
        return 3;
    }
    uint64_t u = nx__mag(m);
    unsigned neg = m < 0;
    unsigned n = nx__ndigits(u);
    unsigned nint = n > s ? n - s : 1u;
    size_t len = neg + nint + (s ? s + 1u : 0u);
    char *p = buf + len;
    *p = '\0';
    unsigned k = s;
    while (k >= 2) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, nx__dig2 + 2 * r, 2);
        k -= 2;
    }
    if (k) {
        *--p = (char)('0' + u % 10);
        u /= 10;
    }
    if (s) *--p = '.';
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, nx__dig2 + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, nx__dig2 + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    if (neg) *--p = '-';
    return len;
}

size_t nx_dec_format(nx_dec_t d, char *buf) { return nx_dec_format_raw(d.m, d.s, buf); }

size_t nx_dec_format_trim(nx_dec_t d, char *buf) {
    size_t len = nx_dec_format_raw(d.m, d.s, buf);
    if (d.s == 0 || d.s > NX_DEC_MAX_SCALE) return len;
    while (buf[len - 1] == '0') len--;
    if (buf[len - 1] == '.') len--;
    buf[len] = '\0';
    return len;
}

/* ------------------------------------------------------------------------- */
/* Arithmetic                                                                */
/* ------------------------------------------------------------------------- */

#define NX__CHECK_SCALE(x, op)                                                  \
    do {                                                                        \
        if (NX_UNLIKELY((x).s > NX_DEC_MAX_SCALE))                               \
            return NX_ERR(NX_EINVAL, "%s: operand scale %u > %d", (op),         \
                          (unsigned)(x).s, NX_DEC_MAX_SCALE);                   \
    } while (0)

int nx_dec_rescale(nx_dec_t a, uint8_t scale, nx_round_t mode, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "rescale");
    if (scale > NX_DEC_MAX_SCALE || !nx__valid_mode(mode))
        return NX_ERR(NX_EINVAL, "rescale: scale %u or rounding mode %d invalid",
                      (unsigned)scale, (int)mode);
    if (scale >= a.s) {
        int64_t m;
        if (__builtin_mul_overflow(a.m, (int64_t)nx__p10[scale - a.s], &m))
            return NX_ERR(NX_EOVERFLOW, "rescale: %lld at scale %u overflows at scale %u",
                          (long long)a.m, (unsigned)a.s, (unsigned)scale);
        out->m = m;
        out->s = scale;
        return NX_OK;
    }
    int neg = a.m < 0;
    nx_u128 q;
    /* Lowering the scale shrinks the magnitude: it cannot overflow. */
    int rc = nx__divround(nx__mag(a.m), nx__p10[a.s - scale], neg, mode,
                          (nx_u128)INT64_MAX + (unsigned)neg, &q);
    if (rc < 0)
        return NX_ERR(rc, "rescale: %lld at scale %u is not exact at scale %u", (long long)a.m,
                      (unsigned)a.s, (unsigned)scale);
    return nx__store(q, neg, scale, out, "rescale");
}

/* a and b as 128-bit mantissas at the common scale max(a.s, b.s). Cannot overflow. */
static inline uint8_t nx__align(nx_dec_t a, nx_dec_t b, nx_i128 *am, nx_i128 *bm) {
    uint8_t s = a.s > b.s ? a.s : b.s;
    *am = (nx_i128)a.m * (nx_i128)nx__p10[s - a.s];
    *bm = (nx_i128)b.m * (nx_i128)nx__p10[s - b.s];
    return s;
}

static int nx__store_i128(nx_i128 v, uint8_t s, nx_dec_t *out, const char *op) {
    if (v > INT64_MAX || v < INT64_MIN)
        return NX_ERR(NX_EOVERFLOW, "%s: result does not fit an int64 mantissa at scale %u", op,
                      (unsigned)s);
    out->m = (int64_t)v;
    out->s = s;
    return NX_OK;
}

int nx_dec_add(nx_dec_t a, nx_dec_t b, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "add");
    NX__CHECK_SCALE(b, "add");
    if (a.s == b.s) {
        int64_t m;
        if (__builtin_add_overflow(a.m, b.m, &m))
            return NX_ERR(NX_EOVERFLOW, "add: %lld + %lld overflows", (long long)a.m,
                          (long long)b.m);
        out->m = m;
        out->s = a.s;
        return NX_OK;
    }
    /* Aligning one operand may leave int64 while the sum still fits, so align in 128 bits. */
    nx_i128 am, bm;
    uint8_t s = nx__align(a, b, &am, &bm);
    return nx__store_i128(am + bm, s, out, "add");
}

int nx_dec_sub(nx_dec_t a, nx_dec_t b, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "sub");
    NX__CHECK_SCALE(b, "sub");
    if (a.s == b.s) {
        int64_t m;
        if (__builtin_sub_overflow(a.m, b.m, &m))
            return NX_ERR(NX_EOVERFLOW, "sub: %lld - %lld overflows", (long long)a.m,
                          (long long)b.m);
        out->m = m;
        out->s = a.s;
        return NX_OK;
    }
    nx_i128 am, bm;
    uint8_t s = nx__align(a, b, &am, &bm);
    return nx__store_i128(am - bm, s, out, "sub");
}

int nx_dec_neg(nx_dec_t a, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "neg");
    if (a.m == INT64_MIN) return NX_ERR(NX_EOVERFLOW, "neg: mantissa INT64_MIN has no negation");
    out->m = -a.m;
    out->s = a.s;
    return NX_OK;
}

int nx_dec_abs(nx_dec_t a, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "abs");
    if (a.m == INT64_MIN) return NX_ERR(NX_EOVERFLOW, "abs: mantissa INT64_MIN has no negation");
    out->m = a.m < 0 ? -a.m : a.m;
    out->s = a.s;
    return NX_OK;
}

int nx_dec_mul(nx_dec_t a, nx_dec_t b, uint8_t scale, nx_round_t mode, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "mul");
    NX__CHECK_SCALE(b, "mul");
    if (scale > NX_DEC_MAX_SCALE || !nx__valid_mode(mode))
        return NX_ERR(NX_EINVAL, "mul: scale %u or rounding mode %d invalid", (unsigned)scale,
                      (int)mode);
    int neg = (a.m < 0) != (b.m < 0);
    /* |a.m * b.m| <= 2^126: the full product always fits. */
    nx_u128 p = (nx_u128)nx__mag(a.m) * nx__mag(b.m);
    unsigned ps = (unsigned)a.s + b.s;
    nx_u128 q;
    if (scale >= ps) {
        /* Widening never shrinks: a product already past int64 stays past it. */
        if (p > (nx_u128)INT64_MAX + 1u)
            return NX_ERR(NX_EOVERFLOW, "mul: product does not fit an int64 mantissa");
        q = p * nx__p10[scale - ps]; /* <= 2^63 * 10^18 < 2^124 */
    } else {
        int rc = nx__divround(p, nx__p10_128(ps - scale), neg, mode,
                              (nx_u128)INT64_MAX + (unsigned)neg, &q);
        if (rc == NX_EOVERFLOW)
            return NX_ERR(rc, "mul: product does not fit an int64 mantissa at scale %u",
                          (unsigned)scale);
        if (rc < 0)
            return NX_ERR(rc, "mul: product is not exact at scale %u", (unsigned)scale);
    }
    return nx__store(q, neg, scale, out, "mul");
}

int nx_dec_div(nx_dec_t a, nx_dec_t b, uint8_t scale, nx_round_t mode, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "div");
    NX__CHECK_SCALE(b, "div");
    if (scale > NX_DEC_MAX_SCALE || !nx__valid_mode(mode))
        return NX_ERR(NX_EINVAL, "div: scale %u or rounding mode %d invalid", (unsigned)scale,
                      (int)mode);
    if (b.m == 0) return NX_ERR(NX_EDIVZERO, "div: divisor is zero");
    int neg = (a.m < 0) != (b.m < 0);
    /* result mantissa = a.m * 10^e / b.m with e = scale + b.s - a.s in -18..36 */
    int e = (int)scale + b.s - a.s;
    nx_u128 n = nx__mag(a.m), d = nx__mag(b.m), q;
    if (e >= 0) {
        unsigned e1 = e > 18 ? 18u : (unsigned)e, e2 = (unsigned)e - e1;
        n *= nx__p10[e1]; /* <= 2^63 * 10^18 < 2^124 */
        if (e2) {
            /* Past 128 bits the quotient is >= 2^128 / 2^63 = 2^65: an overflow anyway. */
            if (n > ~(nx_u128)0 / nx__p10[e2])
                return NX_ERR(NX_EOVERFLOW, "div: quotient does not fit an int64 mantissa");
            n *= nx__p10[e2];
        }
    } else {
        d *= nx__p10[-e];
    }
    int rc = nx__divround(n, d, neg, mode, (nx_u128)INT64_MAX + (unsigned)neg, &q);
    if (rc == NX_EOVERFLOW)
        return NX_ERR(rc, "div: quotient does not fit an int64 mantissa at scale %u",
                      (unsigned)scale);
    if (rc < 0) return NX_ERR(rc, "div: quotient is not exact at scale %u", (unsigned)scale);
    return nx__store(q, neg, scale, out, "div");
}

int nx_dec_mul_int(nx_dec_t a, int64_t k, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "mul_int");
    int64_t m;
    if (__builtin_mul_overflow(a.m, k, &m))
        return NX_ERR(NX_EOVERFLOW, "mul_int: %lld * %lld overflows", (long long)a.m,
                      (long long)k);
    out->m = m;
    out->s = a.s;
    return NX_OK;
}

int nx_dec_round_to(nx_dec_t a, nx_dec_t increment, nx_round_t mode, nx_dec_t *out) {
    NX__CHECK_SCALE(a, "round_to");
    NX__CHECK_SCALE(increment, "round_to");
    if (increment.m <= 0) return NX_ERR(NX_EINVAL, "round_to: increment must be > 0");
    if (!nx__valid_mode(mode)) return NX_ERR(NX_EINVAL, "round_to: rounding mode %d", (int)mode);
    nx_i128 am, im;
    uint8_t s = nx__align(a, increment, &am, &im);
    int neg = am < 0;
    nx_u128 amag = neg ? (nx_u128)0 - (nx_u128)am : (nx_u128)am, imag = (nx_u128)im, q;
    /* The multiple q * imag must fit, i.e. q <= limit / imag (floor is exact here). */
    int rc = nx__divround(amag, imag, neg, mode, ((nx_u128)INT64_MAX + (unsigned)neg) / imag, &q);
    if (rc == NX_EOVERFLOW)
        return NX_ERR(rc, "round_to: result does not fit an int64 mantissa at scale %u",
                      (unsigned)s);
    if (rc < 0) return NX_ERR(rc, "round_to: value is not a multiple of the increment");
    return nx__store(q * imag, neg, s, out, "round_to");
}

int nx_dec_is_multiple(nx_dec_t a, nx_dec_t increment) {
    if (increment.m <= 0 || a.s > NX_DEC_MAX_SCALE || increment.s > NX_DEC_MAX_SCALE) return 0;
    nx_i128 am, im;
    nx__align(a, increment, &am, &im);
    return am % im == 0;
}

int nx_dec_cmp(nx_dec_t a, nx_dec_t b) {
    if (a.s == b.s) return (a.m > b.m) - (a.m < b.m);
    /* Invalid scales are clamped so the table lookup stays in bounds; they have no meaning. */
    if (a.s > NX_DEC_MAX_SCALE) a.s = NX_DEC_MAX_SCALE;
    if (b.s > NX_DEC_MAX_SCALE) b.s = NX_DEC_MAX_SCALE;
    nx_i128 am, bm;
    nx__align(a, b, &am, &bm);
    return (am > bm) - (am < bm);
}

double nx_dec_to_double(nx_dec_t a) {
    /* 10^s is exact in a double for s <= 22, so this is one correctly rounded division
     * whenever |m| <= 2^53. */
    static const double p10d[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                  1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    unsigned s = a.s > NX_DEC_MAX_SCALE ? NX_DEC_MAX_SCALE : a.s;
    return (double)a.m / p10d[s];
}
