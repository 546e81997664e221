/*
 * nexus/ta.h — streaming technical indicators.
 *
 * Every indicator is one object behind one interface:
 *
 *   create   nx_ta_new(kind, params, nparams, opts, &t)   or   nx_ta_parse("macd:12:26:9", ...)
 *   update   nx_ta_update(t, &bar)  (a bar: ts, open, high, low, close, volume)
 *            nx_ta_update_value(t, x)  (a value, for indicators of one series)
 *   read     nx_ta_ready(t), nx_ta_value(t, i), nx_ta_outputs(t), nx_ta_output_name(t, i)
 *   shape    nx_ta_lookback(t): bars consumed before the first value
 *
 * Work per update is O(1) (amortised for the rolling extremes; CCI is the one
 * exception at O(period), like every implementation of its mean deviation)
 * and no update allocates: all state, ring buffers included, lives in the
 * single block taken by nx_ta_new. Indicators are statistics, so they use
 * double; money stays in decimals elsewhere.
 *
 * Defaults reproduce TA-Lib 0.6.4 (unstable period 0): the same lookback, the
 * same seeding (EMA family seeded with the simple average of the first
 * `period` inputs, MACD's fast EMA seeded late so both EMAs start on the same
 * bar, Wilder smoothing for RSI/ATR/ADX/CMO, population standard deviation,
 * OBV starting at the first bar's volume) and the same arithmetic order, so
 * values agree to ~1e-12 relative. Other common conventions are explicit
 * options (NX_TA_OPT_*), see docs/ta.md.
 *
 * Bad input never changes an indicator's state: an update with a NaN or
 * infinite price or volume, or a negative volume, returns NX_EINVAL with the
 * input's index (0-based count of accepted updates) in the error detail, and
 * the object goes on as if that input had not been offered.
 *
 * Thread-safety: an object belongs to one thread; distinct objects are
 * independent. The registry tables are read-only.
 *
 *   nx_ta_t *m;
 *   if (nx_ta_parse("macd:12:26:9", 12, &m) < 0) ...nx_err_message()...
 *   for each bar: if (nx_ta_update(m, &bar) < 0) ...;
 *                 if (nx_ta_ready(m)) use(nx_ta_value(m, 0), nx_ta_value(m, 2));
 *   nx_ta_free(m);
 */
#ifndef NEXUS_TA_H
#define NEXUS_TA_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One bar. ts is UTC nanoseconds (used only by session VWAP). Borrowed. */
typedef struct nx_ta_bar {
    int64_t ts;
    double open, high, low, close, volume;
} nx_ta_bar_t;

#define NX_TA_MAX_OUT 5     /* outputs per indicator */
#define NX_TA_MAX_PARAMS 6  /* numeric parameters per indicator */
#define NX_TA_PERIOD_MAX 100000
#define NX_TA_SPEC_MAX 128  /* longest spec text */
#define NX_TA_NAME_MAX 160  /* longest output column name, NUL included */

/*
 * The indicators. Registry name, parameters (defaults) and outputs; the
 * column name of an output is the spec as written with ':' -> '_' plus
 * "_<output>" when there are several ("macd:12:26:9" -> macd_12_26_9_signal).
 */
#define NX_TA_KINDS(X)                                                          \
    X(SMA, "sma")           /* period(30)                           value  */  \
    X(EMA, "ema")           /* period(30)                           value  */  \
    X(WMA, "wma")           /* period(30)                           value  */  \
    X(DEMA, "dema")         /* period(30)                           value  */  \
    X(TEMA, "tema")         /* period(30)                           value  */  \
    X(TRIMA, "trima")       /* period(30)                           value  */  \
    X(KAMA, "kama")         /* period(30) fast(2) slow(30)          value  */  \
    X(HMA, "hma")           /* period(20)                           value  */  \
    X(VWMA, "vwma")         /* period(20)                           bar    */  \
    X(RSI, "rsi")           /* period(14)                           value  */  \
    X(MACD, "macd")         /* fast(12) slow(26) signal(9)  macd signal hist */ \
    X(PPO, "ppo")           /* fast(12) slow(26) matype(0=SMA,1=EMA) value */  \
    X(BBANDS, "bbands")     /* period(5) devup(2) devdn(2)   upper middle lower */ \
    X(ATR, "atr")           /* period(14)                           bar    */  \
    X(NATR, "natr")         /* period(14)                           bar    */  \
    X(TRANGE, "trange")     /*                                      bar    */  \
    X(ADX, "adx")           /* period(14)                           bar    */  \
    X(ADXR, "adxr")         /* period(14)                           bar    */  \
    X(DI, "di")             /* period(14)                     plus minus   */  \
    X(CCI, "cci")           /* period(14)                           bar    */  \
    X(STOCH, "stoch")       /* fastk(5) slowk(3) slowd(3)       slowk slowd */  \
    X(STOCHRSI, "stochrsi") /* period(14) fastk(5) fastd(3)     fastk fastd */  \
    X(WILLR, "willr")       /* period(14)                           bar    */  \
    X(MFI, "mfi")           /* period(14)                           bar    */  \
    X(OBV, "obv")           /*                                      bar    */  \
    X(AD, "ad")             /*                                      bar    */  \
    X(ADOSC, "adosc")       /* fast(3) slow(10)                     bar    */  \
    X(ROC, "roc")           /* period(10)                           value  */  \
    X(MOM, "mom")           /* period(10)                           value  */  \
    X(CMO, "cmo")           /* period(14)                           value  */  \
    X(AROON, "aroon")       /* period(14)                          up down */  \
    X(AROONOSC, "aroonosc") /* period(14)                           bar    */  \
    X(SAR, "sar")           /* accel(0.02) max(0.2)                 bar    */  \
    X(STDDEV, "stddev")     /* period(5) nbdev(1)                   value  */  \
    X(VAR, "var")           /* period(5) nbdev(1, unused as TA-Lib) value  */  \
    X(TRIX, "trix")         /* period(30)                           value  */  \
    X(ULTOSC, "ultosc")     /* p1(7) p2(14) p3(28)                  bar    */  \
    X(ICHIMOKU, "ichimoku") /* tenkan(9) kijun(26) senkou(52) shift(26)      */ \
                            /*              tenkan kijun senkou_a senkou_b */  \
    X(SUPERTREND, "supertrend") /* period(10) mult(3)          value dir   */  \
    X(KELTNER, "keltner")   /* period(20) mult(2) atr(10)   upper middle lower */ \
    X(DONCHIAN, "donchian") /* period(20)                   upper middle lower */ \
    X(VWAP, "vwap")         /* no param: UTC-day session; period: rolling  */  \
    X(LINREGSLOPE, "linregslope") /* period(14)                     value  */  \
    X(ZSCORE, "zscore")     /* period(20)                           value  */

typedef enum nx_ta_kind {
    NX_TA_NONE = 0,
#define NX__TA_ENUM(id, name) NX_TA_##id,
    NX_TA_KINDS(NX__TA_ENUM)
#undef NX__TA_ENUM
    NX_TA__COUNT
} nx_ta_kind_t;

/*
 * Convention options (bit flags; also written in specs as key=value tokens,
 * e.g. "ema:20:seed=first"). Each applies only where it is listed; an option
 * an indicator does not know is NX_EINVAL.
 *
 *   NX_TA_OPT_SEED_FIRST   seed=first   EMA family (ema dema tema trix macd
 *                          ppo keltner): seed the recursion with the first
 *                          input (Metastock, pandas ewm(adjust=False)) instead
 *                          of the simple average of the first `period` inputs.
 *                          Values still start after the TA-Lib lookback.
 *   NX_TA_OPT_SEED_EARLY   seed=early   macd, ppo(EMA): seed the fast EMA on its
 *                          own first `fast` inputs (StockCharts) instead of
 *                          late so both EMAs start on the same bar (TA-Lib).
 *   NX_TA_OPT_SAMPLE       ddof=1       stddev var bbands zscore: sample
 *                          (n-1) instead of population statistics.
 *   NX_TA_OPT_OBV_ZERO     start=zero   obv: start at 0 (StockCharts) instead
 *                          of the first bar's volume (TA-Lib).
 *   NX_TA_OPT_CMO_SUM      form=sum     cmo: Chande's sums of ups and downs
 *                          over the window instead of Wilder smoothing (TA-Lib).
 */
#define NX_TA_OPT_SEED_FIRST 0x01u
#define NX_TA_OPT_SEED_EARLY 0x02u
#define NX_TA_OPT_SAMPLE 0x04u
#define NX_TA_OPT_OBV_ZERO 0x08u
#define NX_TA_OPT_CMO_SUM 0x10u

typedef struct nx_ta nx_ta_t; /* opaque */

/* Registry name ("sma") of a kind; NULL for unknown. */
NX_API const char *nx_ta_kind_name(nx_ta_kind_t kind);
/* Kind of a registry name (exact, lower case); NX_TA_NONE if unknown. */
NX_API nx_ta_kind_t nx_ta_kind_lookup(const char *name, size_t len);
/* Number of parameters a kind takes and a parameter's name / default. */
NX_API unsigned nx_ta_kind_nparams(nx_ta_kind_t kind);
NX_API const char *nx_ta_kind_param_name(nx_ta_kind_t kind, unsigned i);
NX_API double nx_ta_kind_param_default(nx_ta_kind_t kind, unsigned i);

/*
 * Create an indicator. params[0..nparams) override the kind's defaults in
 * order (nparams may be 0; params may then be NULL); periods must be integers
 * in [min, NX_TA_PERIOD_MAX], reals finite and in range. opts: NX_TA_OPT_*.
 * Column names are the registry name and the parameters formatted with %.15g.
 * Errors: NX_EINVAL (message names the parameter and the range), NX_ENOMEM.
 * *out is written only on success; free with nx_ta_free.
 */
NX_API int nx_ta_new(nx_ta_kind_t kind, const double *params, size_t nparams, unsigned opts,
                     nx_ta_t **out);
/*
 * Create from a spec of exactly len bytes: "name[:p1[:p2...]]" where each
 * parameter is a number or a key=value option ("ema:20:seed=first"). Column
 * names keep the parameters exactly as written ("sar:0.02:0.2" ->
 * "sar_0.02_0.2"); a spec without parameters keeps the bare name ("obv").
 * Errors: NX_EINVAL (unknown name, malformed or out-of-range parameter,
 * unknown option; the message says which), NX_ENOMEM.
 */
NX_API int nx_ta_parse(const char *spec, size_t len, nx_ta_t **out);
/* nx_ta_free(NULL) is a no-op. */
NX_API void nx_ta_free(nx_ta_t *t);
/* Back to the state right after creation (same parameters); no allocation.
 * Does nothing on a member of a set (see nx_ta_set_reset). */
NX_API void nx_ta_reset(nx_ta_t *t);

/*
 * Feed one bar. Value indicators read bar->close. NX_EINVAL (state unchanged)
 * for a non-finite field or a negative volume.
 */
NX_API int nx_ta_update(nx_ta_t *t, const nx_ta_bar_t *bar);
/*
 * Feed one value (indicators of one series only: sma ema wma dema tema trima
 * kama hma rsi macd ppo bbands roc mom cmo stddev var trix linregslope zscore
 * stochrsi). NX_EINVAL for a non-finite x or a bar indicator.
 */
NX_API int nx_ta_update_value(nx_ta_t *t, double x);

/* 1 once values are available (after nx_ta_lookback() updates), else 0. */
NX_API int nx_ta_ready(const nx_ta_t *t);
/* Output i of the last update; NaN while not ready or for i out of range. */
NX_API double nx_ta_value(const nx_ta_t *t, size_t i);
/* All outputs at once (nx_ta_outputs() values); borrowed, valid until the next update. */
NX_API const double *nx_ta_values(const nx_ta_t *t);
NX_API size_t nx_ta_outputs(const nx_ta_t *t);
/* Column name of output i ("bbands_20_2_2_upper"); borrowed from t; NULL if out of range. */
NX_API const char *nx_ta_output_name(const nx_ta_t *t, size_t i);
/* Number of inputs consumed before the first value (TA-Lib's lookback). */
NX_API int nx_ta_lookback(const nx_ta_t *t);
NX_API nx_ta_kind_t nx_ta_kind(const nx_ta_t *t);
/* 1 if the indicator needs bars (high/low/volume), 0 if it takes one value. */
NX_API int nx_ta_needs_bars(const nx_ta_t *t);
/* Number of updates accepted so far. */
NX_API uint64_t nx_ta_count(const nx_ta_t *t);

/*
 * Batch: drive the streaming object over arrays of n inputs, exactly as n
 * calls of nx_ta_update (so results are identical). in: open/high/low/close/
 * volume arrays (open/high/low/volume may be NULL for value indicators; ts
 * may be NULL: 0 is used). out[k] receives output k for every input (NaN
 * while not ready); out[k] may be NULL to skip that output. On bad input it
 * stops with NX_EINVAL; *err_row (if given) gets the row index (0-based within
 * this call) and the message says "row N". Can be called repeatedly to
 * continue a stream.
 */
typedef struct nx_ta_series {
    const int64_t *ts;
    const double *open, *high, *low, *close, *volume;
} nx_ta_series_t;
NX_API int nx_ta_batch(nx_ta_t *t, const nx_ta_series_t *in, size_t n, double *const *out,
                       size_t *err_row);

/* ------------------------------------------------------------------------- */
/* Hot path: SMA and EMA state the caller embeds, with inline updates        */
/* ------------------------------------------------------------------------- */

/*
 * For decision paths that update an average on every tick. The state is a
 * plain struct the caller embeds (no handle, no allocation: the SMA's ring is
 * the caller's memory) and the update is static inline, so a loop keeps the
 * running state in registers instead of going through a library call and
 * memory on every input. The arithmetic is the one nx_ta_update_value runs
 * for "sma" / "ema" (it uses these very cores), so the values, the lookback
 * and the seeding are identical, TA-Lib's by default.
 *
 * Fields are public and read-only: `count` is the number of accepted inputs,
 * `value` (EMA) the current average once ready. Everything else is private.
 * One struct belongs to one thread.
 *
 *   double ring[20];
 *   nx_ta_sma_t sma;
 *   nx_ta_sma_init(&sma, 20, ring);
 *   for each x: { double v; int rc = nx_ta_sma_update(&sma, x, &v);
 *                 if (rc == 1) use(v); else if (rc < 0) ...nx_err_message()... }
 */
typedef struct nx_ta_sma {
    double *ring;    /* borrowed: `period` doubles */
    double sum;      /* TA-Lib's running total of the window's newest period-1 inputs */
    double div;      /* (double)period */
    uint32_t period; /* window length */
    uint32_t pos;    /* ring slot the next input goes to */
    uint32_t warm;   /* inputs still needed before the first value */
    uint32_t pad_;
    uint64_t count;  /* read-only: accepted inputs */
} nx_ta_sma_t;

typedef struct nx_ta_ema {
    double value;    /* read-only: the current EMA once ready */
    double k;        /* 2 / (period + 1) */
    double sum;      /* seeding total */
    uint32_t period; /* smoothing period */
    uint32_t seeded; /* inputs taken toward the seed, up to period */
    uint32_t skip;   /* inputs still to ignore (MACD's late-seeded fast EMA) */
    uint32_t first;  /* seed with the first input (NX_TA_OPT_SEED_FIRST) */
    uint64_t count;  /* read-only: accepted inputs */
} nx_ta_ema_t;

/* Internal, used by the inline functions below: the cold paths. */
NX_API int nx__ta_bad_value(uint64_t index, double x);
NX_API int nx__ta_bad_init(const char *name, uint32_t period, unsigned opts);

/*
 * Initialise an SMA of `period` (1..NX_TA_PERIOD_MAX) over `ring`, caller
 * memory of at least `period` doubles, borrowed for as long as s is used
 * (no _close: nothing is held). Calling it again restarts. NX_EINVAL for a
 * period out of range or a NULL ring (s untouched). Inline, like the
 * update, so that a struct the caller keeps local never escapes and its
 * fields can live in registers.
 */
static inline int nx_ta_sma_init(nx_ta_sma_t *s, uint32_t period, double *ring) {
    if (NX_UNLIKELY(!ring || period < 1 || period > NX_TA_PERIOD_MAX))
        return nx__ta_bad_init("sma", period, ring ? 0u : ~0u);
    *s = (nx_ta_sma_t){.ring = ring, .div = (double)period, .period = period,
                       .warm = period - 1u};
    return 0;
}
/*
 * Initialise an EMA of `period` (1..NX_TA_PERIOD_MAX); opts 0 (seeded with
 * the SMA of the first `period` inputs, TA-Lib) or NX_TA_OPT_SEED_FIRST.
 * NX_EINVAL otherwise (e untouched).
 */
static inline int nx_ta_ema_init(nx_ta_ema_t *e, uint32_t period, unsigned opts) {
    if (NX_UNLIKELY(period < 1 || period > NX_TA_PERIOD_MAX || (opts & ~NX_TA_OPT_SEED_FIRST)))
        return nx__ta_bad_init("ema", period, opts & ~NX_TA_OPT_SEED_FIRST);
    *e = (nx_ta_ema_t){.k = 2.0 / (double)(period + 1u), .period = period,
                       .first = (opts & NX_TA_OPT_SEED_FIRST) ? 1u : 0u};
    return 0;
}

/* The cores, without input checks (the library's indicators use them). */
static inline int nx__ta_sma_step(nx_ta_sma_t *s, double x, double *out) {
    double *ring = s->ring;
    double div = s->div;
    uint32_t pos = s->pos, next = pos + 1u, warm = s->warm;
    double sum = s->sum + x; /* TA-Lib: add, emit total/n, subtract the trailing */
    next = next == s->period ? 0 : next; /* a select, not a branch */
    ring[pos] = x;
    s->pos = next;
    if (NX_UNLIKELY(warm)) {
        s->warm = warm - 1u;
        s->sum = sum;
        return 0;
    }
    s->sum = sum - ring[next];
    *out = sum / div;
    return 1;
}
/* EMA seeding (the first inputs): skip, then the first input or the SMA. */
static inline int nx__ta_ema_warm(nx_ta_ema_t *e, double x, double *out) {
    if (e->skip) {
        e->skip--;
        return 0;
    }
    if (e->first) {
        e->value = e->seeded == 0 ? x : ((x - e->value) * e->k) + e->value;
    } else {
        e->sum += x;
    }
    e->seeded++;
    if (e->seeded < e->period) return 0;
    if (!e->first) e->value = e->sum / (double)e->period;
    *out = e->value;
    return 1;
}
static inline int nx__ta_ema_step(nx_ta_ema_t *e, double x, double *out) {
    if (NX_LIKELY(e->seeded >= e->period)) {
        double v = ((x - e->value) * e->k) + e->value; /* TA-Lib's order */
        e->value = v;
        *out = v;
        return 1;
    }
    return nx__ta_ema_warm(e, x, out);
}

/*
 * Feed one input. Returns 1 and writes *out when a value is available, 0
 * while warming up (the first period-1 inputs; *out untouched), NX_EINVAL
 * for a NaN or infinite x (state unchanged; the message names the input).
 */
static inline int nx_ta_sma_update(nx_ta_sma_t *s, double x, double *out) {
    if (NX_UNLIKELY(!isfinite(x))) return nx__ta_bad_value(s->count, x);
    s->count++;
    return nx__ta_sma_step(s, x, out);
}
static inline int nx_ta_ema_update(nx_ta_ema_t *e, double x, double *out) {
    if (NX_UNLIKELY(!isfinite(x))) return nx__ta_bad_value(e->count, x);
    e->count++;
    return nx__ta_ema_step(e, x, out);
}

/* ------------------------------------------------------------------------- */
/* Indicator sets: many indicators over one bar stream                       */
/* ------------------------------------------------------------------------- */

/*
 * A set validates each bar once and updates every member, in order. It owns
 * its members. Capacity is fixed at creation (hard ceiling NX_TA_SET_MAX).
 * Members that run the same core on the same bars share it: ADX, ADXR and
 * DI of one period one directional movement; RSI, CMO and STOCHRSI of one
 * period one Wilder gain/loss; STOCH, WILLR, DONCHIAN, AROON and AROONOSC of
 * one window one highest high / lowest low; ATR, NATR, SUPERTREND and
 * KELTNER of one ATR period one ATR (a member added before any update reads
 * the core of the first earlier member that has it). Values are the same,
 * bit for bit, as each indicator alone. So a member is updated and reset
 * only through its set: nx_ta_update / nx_ta_update_value / nx_ta_batch on
 * a member return NX_EINVAL and nx_ta_reset on it does nothing; reading
 * (nx_ta_set_get, nx_ta_value...) is fine.
 */
#define NX_TA_SET_MAX 256
typedef struct nx_ta_set nx_ta_set_t;
NX_API int nx_ta_set_new(size_t capacity, nx_ta_set_t **out);
NX_API void nx_ta_set_free(nx_ta_set_t *s);
/* Takes ownership of t on success. NX_ELIMIT when full, NX_EINVAL if t is
 * already in a set. */
NX_API int nx_ta_set_add(nx_ta_set_t *s, nx_ta_t *t);
/*
 * Parse a comma-separated list of specs ("sma:20,rsi:14") and add each.
 * Errors as nx_ta_parse, with the failing spec quoted in the message;
 * members added before the failure stay in the set.
 */
NX_API int nx_ta_set_add_list(nx_ta_set_t *s, const char *list, size_t len);
NX_API int nx_ta_set_update(nx_ta_set_t *s, const nx_ta_bar_t *bar);
/* Every member back to its state right after creation; no allocation. */
NX_API void nx_ta_set_reset(nx_ta_set_t *s);
NX_API size_t nx_ta_set_count(const nx_ta_set_t *s);
NX_API nx_ta_t *nx_ta_set_get(const nx_ta_set_t *s, size_t i);
/* Total outputs over all members (the CSV column count, ts excluded). */
NX_API size_t nx_ta_set_outputs(const nx_ta_set_t *s);

/* ------------------------------------------------------------------------- */
/* Bars CSV rows                                                             */
/* ------------------------------------------------------------------------- */

/*
 * One row of a bars CSV "ts,open,high,low,close,volume" (exactly len bytes,
 * no newline; a trailing '\r' is ignored). ts is an integer epoch time in
 * seconds (<= 11 digits), milliseconds (12..14), microseconds (15..17) or
 * nanoseconds (18..19), or ISO-8601 (see nx_time_parse); its text is kept
 * as written in ts_text/ts_len (borrowed from line). Numbers are decimal
 * ("46319.0", "-1.5e-3"); they convert to the nearest double whenever they
 * have at most 19 significant digits and a decimal exponent within +-22
 * (every market price), and within one ulp otherwise.
 * Errors: NX_EPARSE (wrong column count, malformed number or time; the
 * message names the column), NX_EINVAL (NaN/inf spelled out, negative
 * volume). *out is written only on success.
 */
typedef struct nx_ta_row {
    const char *ts_text;
    size_t ts_len;
    nx_ta_bar_t bar;
} nx_ta_row_t;
NX_API int nx_ta_csv_row(const char *line, size_t len, nx_ta_row_t *out);
/* 0 if line is the header "ts,open,high,low,close,volume", else NX_EPARSE. */
NX_API int nx_ta_csv_header(const char *line, size_t len);
/*
 * A BAR event (e.g. from the store) as an input row: doubles from the exact
 * mantissas (indicators are statistics), ts = open time; ts_text = the open
 * time in epoch seconds (a fraction only when not whole), written into
 * ts_buf (>= 32 bytes), as the CSV form writes it.
 */
/*
 * A price bar fit for range-based estimators and candle shapes: every price
 * finite and positive, low <= open, close <= high. ok is inline for the hot
 * path (NaN fails every comparison); error builds the message
 * "input N: ..." for a bar that failed it and returns NX_EINVAL.
 */
static inline int nx_ta_ohlc_ok(const nx_ta_bar_t *b) {
    return isfinite(b->high) && b->low > 0 && b->open >= b->low && b->close >= b->low &&
           b->high >= b->open && b->high >= b->close && isfinite(b->open) &&
           isfinite(b->close) && isfinite(b->low);
}
NX_API int nx_ta_ohlc_error(uint64_t index, const nx_ta_bar_t *b);
NX_API void nx_ta_row_from_bar(const nx_ev_bar_t *b, char *ts_buf, size_t cap, nx_ta_row_t *r);
/*
 * The bounded number parser used above: exactly len bytes, optional sign,
 * digits with an optional '.', optional exponent; also "nan", "inf",
 * "infinity" (any case, signed) so callers can reject them by name.
 * NX_EPARSE otherwise.
 */
NX_API int nx_ta_parse_double(const char *s, size_t len, double *out);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_TA_H */
