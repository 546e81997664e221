/*
 * nexus/patterns.h — streaming candlestick pattern recognition over bars.
 *
 * One detector evaluates every pattern on each bar:
 *
 *   nx_cdl_t *c;
 *   nx_cdl_new(NULL, &c);                 // default thresholds (below)
 *   for each bar: nx_cdl_update(c, &bar);
 *                 if (nx_cdl_signal(c, NX_CDL_ENGULFING) > 0) ...bullish engulfing...
 *   nx_cdl_free(c);
 *
 * A signal is +1 (bullish, or "present" for the neutral doji), -1 (bearish)
 * or 0, for the pattern that ends on the last bar. TA-Lib writes the same
 * as +100 / -100. Work per bar is O(avg_period + trend_period) (plain sums
 * over the last bars, so results do not depend on how a stream is chunked);
 * the detector keeps the last max(avg_period, trend_period) + 4 bars in the
 * one block taken at creation and never allocates afterwards.
 *
 * Terms, for a bar: body = |close - open|, range = high - low, upper shadow =
 * high - max(open, close), lower shadow = min(open, close) - low, white:
 * close > open, black: close < open. AB and AR are the average body and
 * range of the avg_period bars before the pattern's first candle (TA-Lib's
 * "candle average"). Trend before the pattern: up when the close of the bar
 * before the first candle is above the SMA(trend_period) of closes ending at
 * that bar, down when below. The exact rules, and how each relates to
 * TA-Lib's CDL functions with their default settings, are in
 * docs/features.md.
 *
 * Bad input (non-finite or non-positive prices, high below max(open, close),
 * low above min(open, close)) returns NX_EINVAL ("input N: ...") and changes
 * nothing. Thread-safety: one detector per thread.
 */
#ifndef NEXUS_PATTERNS_H
#define NEXUS_PATTERNS_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/ta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The patterns: id, name (column "cdl_<name>"), candles, sign. */
#define NX_CDL_KINDS(X)                                                         \
    X(DOJI, "doji")                   /* 1  +1 (neutral: present)        */     \
    X(HAMMER, "hammer")               /* 1  +1, after a downtrend        */     \
    X(HANGING_MAN, "hangingman")      /* 1  -1, after an uptrend         */     \
    X(SHOOTING_STAR, "shootingstar")  /* 1  -1, after an uptrend         */     \
    X(ENGULFING, "engulfing")         /* 2  +1 bullish / -1 bearish      */     \
    X(HARAMI, "harami")               /* 2  +1 bullish / -1 bearish      */     \
    X(PIERCING, "piercing")           /* 2  +1                           */     \
    X(DARK_CLOUD, "darkcloudcover")   /* 2  -1                           */     \
    X(MORNING_STAR, "morningstar")    /* 3  +1                           */     \
    X(EVENING_STAR, "eveningstar")    /* 3  -1                           */     \
    X(THREE_WHITE, "3whitesoldiers")  /* 3  +1                           */     \
    X(THREE_BLACK, "3blackcrows")     /* 3  -1                           */

typedef enum nx_cdl_kind {
#define NX__CDL_ENUM(id, name) NX_CDL_##id,
    NX_CDL_KINDS(NX__CDL_ENUM)
#undef NX__CDL_ENUM
    NX_CDL__COUNT
} nx_cdl_kind_t;

/*
 * Thresholds (defaults). Ratios are finite and >= 0; periods integers in
 * [1, 1000]. As a spec for nx_cdl_params_parse: "key=value,..." with the
 * keys in brackets.
 */
typedef struct nx_cdl_params {
    int avg_period;          /* [avg] 10: bars averaged for AB and AR (TA-Lib: 10)       */
    int trend_period;        /* [trend] 10: SMA of closes for the trend context           */
    double doji_body;        /* [doji] 0.1: doji body <= doji_body * AR (TA-Lib BodyDoji) */
    double short_body;       /* [short] 1.0: small body < short_body * AB (BodyShort)     */
    double long_body;        /* [long] 1.0: long body > long_body * AB (BodyLong)         */
    double shadow_long;      /* [shadow_long] 2.0: hammer/star shadow >= this * body      */
    double shadow_short;     /* [shadow_short] 0.1: the other shadow <= this * AR         */
    double star_penetration; /* [penetration] 0.3: stars' 3rd close into the 1st body     */
    double pierce;           /* [pierce] 0.5: piercing/dark cloud close past this of body */
    double soldier_shadow;   /* [soldier_shadow] 0.25: soldiers'/crows' shadow <= x body  */
    int gap;                 /* [gap] 1: stars, piercing, dark cloud need a gap (0: not)  */
    int strict_trend;        /* [strict] 0: 1 = every reversal pattern needs its trend    */
} nx_cdl_params_t;

NX_API void nx_cdl_params_default(nx_cdl_params_t *p);
/* NX_EINVAL with the parameter named when a value is out of range. */
NX_API int nx_cdl_params_check(const nx_cdl_params_t *p);
/*
 * Apply "key=value[,key=value...]" (exactly len bytes; len 0 is allowed) over
 * *p. NX_EINVAL for an unknown key, a malformed or out-of-range value; *p is
 * written only on success.
 */
NX_API int nx_cdl_params_parse(const char *spec, size_t len, nx_cdl_params_t *p);

typedef struct nx_cdl nx_cdl_t;
/* p NULL: defaults. Errors: NX_EINVAL, NX_ENOMEM. */
NX_API int nx_cdl_new(const nx_cdl_params_t *p, nx_cdl_t **out);
NX_API void nx_cdl_free(nx_cdl_t *c);
NX_API void nx_cdl_reset(nx_cdl_t *c);
NX_API int nx_cdl_update(nx_cdl_t *c, const nx_ta_bar_t *bar);
/* 1 once patterns are evaluated (after nx_cdl_lookback() bars). */
NX_API int nx_cdl_ready(const nx_cdl_t *c);
/* Bars consumed before the first evaluation: max(avg, trend) + 3. */
NX_API int nx_cdl_lookback(const nx_cdl_t *c);
/* Signal of one pattern on the last bar (0 while not ready or out of range). */
NX_API int nx_cdl_signal(const nx_cdl_t *c, nx_cdl_kind_t k);
/* All NX_CDL__COUNT signals; borrowed, valid until the next update. */
NX_API const int8_t *nx_cdl_signals(const nx_cdl_t *c);
/* "engulfing"; NULL if out of range. The CSV column is "cdl_" + this. */
NX_API const char *nx_cdl_kind_name(nx_cdl_kind_t k);
NX_API uint64_t nx_cdl_count(const nx_cdl_t *c);
/*
 * Drive c over n bars (open, high, low, close required) exactly as n updates;
 * out (may be NULL) receives n * NX_CDL__COUNT signals, row-major. On a bad
 * bar: NX_EINVAL, *err_row = its row within the call, message "row N".
 */
NX_API int nx_cdl_batch(nx_cdl_t *c, const nx_ta_series_t *in, size_t n, int8_t *out,
                        size_t *err_row);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_PATTERNS_H */
