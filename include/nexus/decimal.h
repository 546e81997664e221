/*
 * nexus/decimal.h — exact fixed-point decimals for prices, quantities and money.
 *
 * A value is an int64 mantissa m and a scale s (number of fractional digits,
 * 0..NX_DEC_MAX_SCALE): value = m * 10^-s. Parsing never goes through double;
 * arithmetic is checked (overflow returns NX_EOVERFLOW, never wraps); products
 * and quotients use a 128-bit intermediate and round once, with an explicit
 * rounding mode.
 *
 * Scales are per instrument: BTC/USDT uses price scale 2 (100000.00 -> m =
 * 10000000) and quantity scale 8; a token priced at 0.00000001 uses price
 * scale 8 (m = 1) and a quantity scale of 0..6 so that trillions of units
 * (1e12 * 10^6 = 1e18 < 2^63) still fit. Anything that would not fit is an
 * error, reported, never a silent wrap.
 *
 * Hot records (events, order books) store the raw int64 mantissa and carry or
 * imply the scale; nx_dec_t is the value type for everything else.
 *
 * nx_price_t, nx_qty_t and nx_money_t are the same representation; the names
 * say what a field holds. Money's currency lives beside it (accounts,
 * instruments), not inside the value.
 */
#ifndef NEXUS_DECIMAL_H
#define NEXUS_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NX_DEC_MAX_SCALE 18
/* Longest text nx_dec_format() writes: sign, 19 digits, point, NUL. */
#define NX_DEC_STRLEN 24

typedef struct nx_dec {
    int64_t m;     /* mantissa */
    uint8_t s;     /* scale: digits after the decimal point, 0..18 */
} nx_dec_t;

typedef nx_dec_t nx_price_t;
typedef nx_dec_t nx_qty_t;
typedef nx_dec_t nx_money_t;

typedef enum nx_round {
    NX_ROUND_EXACT = 0,  /* no rounding allowed: an inexact result is NX_EINEXACT */
    NX_ROUND_DOWN,       /* toward zero (truncate) */
    NX_ROUND_UP,         /* away from zero */
    NX_ROUND_FLOOR,      /* toward -infinity */
    NX_ROUND_CEIL,       /* toward +infinity */
    NX_ROUND_HALF_UP,    /* nearest; ties away from zero */
    NX_ROUND_HALF_DOWN,  /* nearest; ties toward zero */
    NX_ROUND_HALF_EVEN   /* nearest; ties to the even neighbour (banker's) */
} nx_round_t;

/* "exact|down|up|floor|ceil|half_up|half_down|half_even" */
NX_API int nx_round_parse(const char *s, nx_round_t *out);
NX_API const char *nx_round_name(nx_round_t mode);

static inline nx_dec_t nx_dec_make(int64_t m, uint8_t s) {
    nx_dec_t d = {m, s};
    return d;
}

/*
 * Parse a decimal string of exactly len bytes: optional sign, digits, optional
 * '.' and fraction digits, optional exponent ("1e-8", "1.5E+3"). No spaces, no
 * thousands separators. The scale of the result is the number of fractional
 * digits as written (after applying the exponent), e.g. "100000.00" -> s=2.
 * At least one digit is required on either side of the point (".5" and "5."
 * are accepted); leading zeros are free; "-0" is 0.
 * Errors, in this order: NX_EPARSE (malformed), NX_ERANGE (scale beyond 18,
 * e.g. "1e-19"), NX_EOVERFLOW (mantissa beyond int64); NX_EINVAL for NULL
 * pointers. *out is written only on success.
 */
NX_API int nx_dec_parse(const char *str, size_t len, nx_dec_t *out);
/*
 * Parse into a fixed scale: "0.5" at scale 8 -> m = 50000000. More fractional
 * digits than `scale` are rounded with mode (NX_ROUND_EXACT refuses unless the
 * extra digits are zeros). This is the hot-path parser used by importers.
 * Gives the same result and code as nx_dec_rescale(nx_dec_parse(str), ...)
 * whenever nx_dec_parse succeeds, and also accepts text with more than 18
 * fractional digits. Errors: NX_EPARSE, NX_EOVERFLOW, NX_EINEXACT (see the
 * error order under nx_dec_rescale), NX_EINVAL (scale > 18, bad mode, NULL).
 */
NX_API int nx_dec_parse_scaled(const char *str, size_t len, uint8_t scale, nx_round_t mode,
                               int64_t *out_m);

/*
 * Format with exactly d.s fractional digits ("100000.00", "-0.00000001",
 * "42"). buf must hold NX_DEC_STRLEN bytes. Returns the length (no NUL
 * counted); the text is NUL-terminated. Zero is never signed. A value with
 * s > 18 is not a value: it is written as "nan" (never past the buffer).
 * nx_dec_parse(format(d)) == d exactly for every valid d.
 */
NX_API size_t nx_dec_format(nx_dec_t d, char *buf);
/* Same, with trailing fractional zeros (and a bare '.') removed: "1.5", "100000". */
NX_API size_t nx_dec_format_trim(nx_dec_t d, char *buf);
/* Raw mantissa + scale convenience. */
NX_API size_t nx_dec_format_raw(int64_t m, uint8_t s, char *buf);

/*
 * Change scale: raising is exact (may overflow); lowering rounds with mode.
 *
 * Error order for every rounding operation (rescale, mul, div, round_to,
 * parse_scaled): NX_EOVERFLOW if the result does not fit int64 even when
 * truncated (so an out-of-range result is an overflow under every mode,
 * EXACT included); otherwise NX_EINEXACT under NX_ROUND_EXACT when digits
 * would be lost; otherwise NX_EOVERFLOW if rounding away from zero crossed
 * the int64 limit. Operands with s > 18, a target scale > 18 or an unknown
 * mode are NX_EINVAL. Out-parameters are written only on success.
 */
NX_API int nx_dec_rescale(nx_dec_t a, uint8_t scale, nx_round_t mode, nx_dec_t *out);
/* a + b, a - b at max(a.s, b.s); exact or NX_EOVERFLOW. */
NX_API int nx_dec_add(nx_dec_t a, nx_dec_t b, nx_dec_t *out);
NX_API int nx_dec_sub(nx_dec_t a, nx_dec_t b, nx_dec_t *out);
NX_API int nx_dec_neg(nx_dec_t a, nx_dec_t *out);
NX_API int nx_dec_abs(nx_dec_t a, nx_dec_t *out);
/*
 * a * b rounded to `scale` with mode. The full product is formed in 128 bits
 * (price x quantity never overflows the intermediate); only the rounded
 * result must fit int64.
 */
NX_API int nx_dec_mul(nx_dec_t a, nx_dec_t b, uint8_t scale, nx_round_t mode, nx_dec_t *out);
/* a / b rounded to `scale` with mode. NX_EDIVZERO if b is zero. */
NX_API int nx_dec_div(nx_dec_t a, nx_dec_t b, uint8_t scale, nx_round_t mode, nx_dec_t *out);
/* Multiply by an integer (e.g. contract multiplier, lot count). */
NX_API int nx_dec_mul_int(nx_dec_t a, int64_t k, nx_dec_t *out);

/*
 * Round to a multiple of `increment` (tick size for prices, lot size for
 * quantities) with mode; the result keeps the larger of the two scales.
 * increment must be > 0. Example: 100000.037 to tick 0.01 HALF_EVEN ->
 * 100000.04; qty 0.123456789 to lot 0.00001 DOWN -> 0.12345.
 */
NX_API int nx_dec_round_to(nx_dec_t a, nx_dec_t increment, nx_round_t mode, nx_dec_t *out);
/* 1 if a is an exact multiple of increment, 0 otherwise (increment > 0). */
NX_API int nx_dec_is_multiple(nx_dec_t a, nx_dec_t increment);

/* Compare values across scales exactly: -1, 0, 1. (Scales > 18 are clamped.) */
NX_API int nx_dec_cmp(nx_dec_t a, nx_dec_t b);
static inline int nx_dec_is_zero(nx_dec_t a) { return a.m == 0; }
static inline int nx_dec_sign(nx_dec_t a) { return (a.m > 0) - (a.m < 0); }

/* For statistics and display only; never for money arithmetic. */
NX_API double nx_dec_to_double(nx_dec_t a);

/* 10^k for k in 0..18; 0 for k > 18. */
NX_API int64_t nx_pow10_i64(unsigned k);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_DECIMAL_H */
