/*
 * nexus/features.h — streaming market features: bar volatility estimators,
 * microstructure features from trades, quotes and books, and the same
 * indicator on several timeframes with a confluence score.
 *
 * Every feature is an object with the interface of nexus/ta.h: create with
 * validated parameters (one allocation, sized once), update, read value(s),
 * ready flag, lookback. No update allocates. Work per update is O(1) or
 * bounded by the window (documented per object). Features are statistics,
 * so they are double; prices arrive as event mantissas and are converted
 * with their scale (mantissa / 10^scale).
 *
 *   bar features   nx_feat_*      parkinson gk rs yz rv over N bars (spec "yz:20")
 *   trades         nx_feat_vwap_* (VWAP + TWAP), nx_feat_flow_* (signed volume),
 *                  nx_feat_vpin_* (VPIN), nx_feat_rvt_* (realised variance in time)
 *   quotes/books   nx_feat_spread_* (quoted, effective, realised spread),
 *                  nx_feat_book_imbalance, nx_feat_quote_imbalance
 *   timeframes     nx_mtf_*        one indicator on 1m, 5m, 15m, ... + confluence
 *
 * Bad input never changes state: NX_EINVAL with "input N: ..." (N = accepted
 * updates so far) in the error detail. Time windows use ts in UTC ns; events
 * are timed by h.ts_recv (the kernel's order) and must not go backwards.
 *
 * Thread-safety: an object belongs to one thread; distinct objects are
 * independent. Formulas and references: docs/features.md.
 */
#ifndef NEXUS_FEATURES_H
#define NEXUS_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/book.h"
#include "nexus/core.h"
#include "nexus/event.h"
#include "nexus/ta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Bar volatility estimators                                                 */
/* ------------------------------------------------------------------------- */

/*
 * Per-bar variance estimates averaged over the last N bars; the value is the
 * volatility sqrt(variance * periods_per_year) (periods_per_year 1: per bar;
 * 525600 annualises 1-minute bars of a 24/7 market). With o, h, l, c the
 * logs of a bar's prices and c' the previous bar's log close:
 *
 *   parkinson  sum (h-l)^2 / (4 N ln 2)                       Parkinson 1980
 *   gk         sum [(h-l)^2/2 - (2 ln 2 - 1)(c-o)^2] / N      Garman-Klass 1980
 *   rs         sum [(h-c)(h-o) + (l-c)(l-o)] / N              Rogers-Satchell 1991
 *   yz         s2(o-c') + k s2(c-o) + (1-k) rs,               Yang-Zhang 2000
 *              s2 = sample variance over N bars, k = 0.34 / (1.34 + (N+1)/(N-1))
 *   rv         sum (c-c')^2 / N   (realised variance per bar; N times it is
 *              the realised variance of the window)
 *
 * Lookback: N-1 bars (parkinson gk rs), N (rv yz: they need a previous close).
 * Running sums are recomputed exactly from the window every N updates, so
 * drift stays bounded: values equal a two-pass batch to ~1e-13 relative.
 * Bars must have finite positive prices with low <= open, close <= high.
 */
#define NX_FEAT_KINDS(X)                                                        \
    X(PARKINSON, "parkinson")                                                   \
    X(GK, "gk")                                                                 \
    X(RS, "rs")                                                                 \
    X(YZ, "yz")                                                                 \
    X(RV, "rv")

typedef enum nx_feat_kind {
    NX_FEAT_NONE = 0,
#define NX__FEAT_ENUM(id, name) NX_FEAT_##id,
    NX_FEAT_KINDS(NX__FEAT_ENUM)
#undef NX__FEAT_ENUM
    NX_FEAT__COUNT
} nx_feat_kind_t;

#define NX_FEAT_PERIOD_MAX 100000
#define NX_FEAT_NAME_MAX 64 /* longest column name, NUL included */

typedef struct nx_feat nx_feat_t; /* opaque */

/* Registry name ("yz"); NULL for unknown. */
NX_API const char *nx_feat_kind_name(nx_feat_kind_t kind);
/* Kind of an exact lower-case name; NX_FEAT_NONE if unknown. */
NX_API nx_feat_kind_t nx_feat_kind_lookup(const char *name, size_t len);
/*
 * period: integer in [1, NX_FEAT_PERIOD_MAX] ([2, ...] for yz);
 * periods_per_year: finite, > 0 (1 for per-bar values).
 * Errors: NX_EINVAL (message names the parameter), NX_ENOMEM.
 */
NX_API int nx_feat_new(nx_feat_kind_t kind, int period, double periods_per_year,
                       nx_feat_t **out);
/*
 * "name:period[:periods_per_year]" of exactly len bytes ("parkinson:20",
 * "yz:30:525600"). Column name: the spec as written with ':' -> '_'.
 */
NX_API int nx_feat_parse(const char *spec, size_t len, nx_feat_t **out);
NX_API void nx_feat_free(nx_feat_t *f);
NX_API void nx_feat_reset(nx_feat_t *f);
/* Feed one bar (ts unused). NX_EINVAL, state unchanged, for a bad bar. */
NX_API int nx_feat_update(nx_feat_t *f, const nx_ta_bar_t *bar);
NX_API int nx_feat_ready(const nx_feat_t *f);
/* Volatility (see above); NaN while not ready. */
NX_API double nx_feat_value(const nx_feat_t *f);
/* Per-bar variance estimate (before periods_per_year); NaN while not ready. */
NX_API double nx_feat_variance(const nx_feat_t *f);
NX_API int nx_feat_lookback(const nx_feat_t *f);
NX_API nx_feat_kind_t nx_feat_kind(const nx_feat_t *f);
/* Column name ("yz_20"); borrowed from f. */
NX_API const char *nx_feat_name(const nx_feat_t *f);
NX_API uint64_t nx_feat_count(const nx_feat_t *f);
/*
 * Drive f over n bars of arrays (open, high, low, close required; ts and
 * volume unused) exactly as n calls of nx_feat_update; out[r] gets the value
 * (NaN while not ready; out may be NULL). On a bad bar: NX_EINVAL, *err_row
 * (if given) = the row within this call, message "row N".
 */
NX_API int nx_feat_batch(nx_feat_t *f, const nx_ta_series_t *in, size_t n, double *out,
                         size_t *err_row);

/* ------------------------------------------------------------------------- */
/* Time windows                                                              */
/* ------------------------------------------------------------------------- */

/*
 * A time window of `span_ns` made of span/bucket buckets aligned to UTC
 * (bucket i covers [i*bucket_ns, (i+1)*bucket_ns)). At time ts the window
 * holds the bucket containing ts and the span/bucket - 1 buckets before it:
 * a rolling window whose far edge moves in bucket steps. span == bucket is
 * a session: everything since the last UTC multiple of span (1 day: the UTC
 * day). Memory and the O(buckets) refresh when a bucket closes are bounded
 * by NX_FEAT_BUCKETS_MAX; adding to the open bucket is O(1).
 */
#define NX_FEAT_BUCKETS_MAX 100000
typedef struct nx_feat_window {
    int64_t span_ns;   /* > 0, a multiple of bucket_ns */
    int64_t bucket_ns; /* > 0 */
} nx_feat_window_t;

/* ------------------------------------------------------------------------- */
/* VWAP and TWAP                                                             */
/* ------------------------------------------------------------------------- */

/*
 * VWAP = sum(p q) / sum(q) over the trades in the window; TWAP = the time
 * average of the last trade price over the window, each price weighted by how
 * long it stood (up to the last update or advance). Trades of zero quantity
 * move the TWAP price but add no volume.
 */
typedef struct nx_feat_vwap nx_feat_vwap_t;
NX_API int nx_feat_vwap_new(const nx_feat_window_t *w, nx_feat_vwap_t **out);
NX_API void nx_feat_vwap_free(nx_feat_vwap_t *v);
/* A trade at ts (ns) with price > 0, qty >= 0 (finite). */
NX_API int nx_feat_vwap_add(nx_feat_vwap_t *v, int64_t ts, double price, double qty);
/* A TRADE event (timed by h.ts_recv). */
NX_API int nx_feat_vwap_trade(nx_feat_vwap_t *v, const nx_ev_trade_t *t);
/* Time passes to ts without a trade (rolls the window, extends the TWAP). */
NX_API int nx_feat_vwap_advance(nx_feat_vwap_t *v, int64_t ts);
/* NaN while the window holds no volume / no elapsed time. */
NX_API double nx_feat_vwap_value(const nx_feat_vwap_t *v);
NX_API double nx_feat_vwap_twap(const nx_feat_vwap_t *v);
NX_API double nx_feat_vwap_volume(const nx_feat_vwap_t *v);
NX_API int nx_feat_vwap_ready(const nx_feat_vwap_t *v); /* volume in the window > 0 */

/* ------------------------------------------------------------------------- */
/* Trade-flow imbalance                                                      */
/* ------------------------------------------------------------------------- */

/*
 * Buy and sell volume of the trades in the window, by aggressor side, or by
 * the tick rule when the aggressor is unknown (price up: buy, down: sell,
 * unchanged: the previous classification; unclassifiable until the first
 * price change). signed = buy - sell; imbalance = signed / (buy + sell).
 */
typedef struct nx_feat_flow nx_feat_flow_t;
NX_API int nx_feat_flow_new(const nx_feat_window_t *w, nx_feat_flow_t **out);
NX_API void nx_feat_flow_free(nx_feat_flow_t *f);
/* side: NX_SIDE_BUY/SELL (aggressor) or NX_SIDE_NONE (tick rule). */
NX_API int nx_feat_flow_add(nx_feat_flow_t *f, int64_t ts, double price, double qty,
                            nx_side_t side);
NX_API int nx_feat_flow_trade(nx_feat_flow_t *f, const nx_ev_trade_t *t);
NX_API int nx_feat_flow_advance(nx_feat_flow_t *f, int64_t ts);
NX_API double nx_feat_flow_signed(const nx_feat_flow_t *f);
/* In [-1, 1]; NaN while the window holds no classified volume. */
NX_API double nx_feat_flow_imbalance(const nx_feat_flow_t *f);
NX_API double nx_feat_flow_buy(const nx_feat_flow_t *f);
NX_API double nx_feat_flow_sell(const nx_feat_flow_t *f);

/* ------------------------------------------------------------------------- */
/* VPIN (Easley, Lopez de Prado, O'Hara 2012)                                */
/* ------------------------------------------------------------------------- */

/*
 * Volume is poured into buckets of bucket_volume (a trade or bar that
 * overflows a bucket is split pro rata); VPIN = sum |V_buy - V_sell| over the
 * last n full buckets / (n * bucket_volume), in [0, 1]. Classification:
 *
 *   NX_VPIN_TICK  each trade by its aggressor side, else the tick rule
 *   NX_VPIN_BVC   bulk volume classification as in the paper: trades are
 *                 summed into time bars of bar_ns; when a bar closes, its
 *                 volume is buy with probability Z(dP / sigma), Z the standard
 *                 normal CDF, dP the change of the bar's close from the
 *                 previous bar's, sigma the sample deviation of the last
 *                 sigma_bars dP (including this one). The first bar only
 *                 sets the reference price.
 */
typedef enum nx_vpin_mode { NX_VPIN_TICK = 0, NX_VPIN_BVC = 1 } nx_vpin_mode_t;
typedef struct nx_feat_vpin_cfg {
    double bucket_volume; /* > 0, finite */
    uint32_t buckets;     /* n: 1 .. NX_FEAT_BUCKETS_MAX (paper: 50) */
    nx_vpin_mode_t mode;
    int64_t bar_ns;       /* BVC: time bar span (paper: 60 s) */
    uint32_t sigma_bars;  /* BVC: 2 .. NX_FEAT_BUCKETS_MAX (default 50) */
} nx_feat_vpin_cfg_t;
/* buckets 50, mode TICK, bar_ns 60 s, sigma_bars 50; bucket_volume as given. */
NX_API void nx_feat_vpin_cfg_default(nx_feat_vpin_cfg_t *c, double bucket_volume);
typedef struct nx_feat_vpin nx_feat_vpin_t;
NX_API int nx_feat_vpin_new(const nx_feat_vpin_cfg_t *c, nx_feat_vpin_t **out);
NX_API void nx_feat_vpin_free(nx_feat_vpin_t *v);
NX_API int nx_feat_vpin_add(nx_feat_vpin_t *v, int64_t ts, double price, double qty,
                            nx_side_t side);
NX_API int nx_feat_vpin_trade(nx_feat_vpin_t *v, const nx_ev_trade_t *t);
/* BVC: close the time bar if its period ended at or before ts. */
NX_API int nx_feat_vpin_advance(nx_feat_vpin_t *v, int64_t ts);
NX_API int nx_feat_vpin_ready(const nx_feat_vpin_t *v); /* n buckets filled */
NX_API double nx_feat_vpin_value(const nx_feat_vpin_t *v);   /* NaN while not ready */
NX_API uint64_t nx_feat_vpin_buckets(const nx_feat_vpin_t *v); /* buckets filled so far */

/* ------------------------------------------------------------------------- */
/* Realised variance over a time window                                      */
/* ------------------------------------------------------------------------- */

/*
 * Sum of squared log returns r = ln(p / p_prev) between consecutive prices
 * (trades, or mids from quotes) that fall in the window; value() is that sum
 * (realised variance of the window), vol() its square root. Tick-by-tick
 * returns carry bid-ask bounce: feed sampled prices (e.g. 1 s bar closes)
 * for a less noisy estimate.
 */
typedef struct nx_feat_rvt nx_feat_rvt_t;
NX_API int nx_feat_rvt_new(const nx_feat_window_t *w, nx_feat_rvt_t **out);
NX_API void nx_feat_rvt_free(nx_feat_rvt_t *r);
NX_API int nx_feat_rvt_add(nx_feat_rvt_t *r, int64_t ts, double price);
NX_API int nx_feat_rvt_trade(nx_feat_rvt_t *r, const nx_ev_trade_t *t);
NX_API int nx_feat_rvt_quote(nx_feat_rvt_t *r, const nx_ev_quote_t *q); /* mid */
NX_API int nx_feat_rvt_advance(nx_feat_rvt_t *r, int64_t ts);
NX_API double nx_feat_rvt_value(const nx_feat_rvt_t *r);
NX_API double nx_feat_rvt_vol(const nx_feat_rvt_t *r);
NX_API uint64_t nx_feat_rvt_returns(const nx_feat_rvt_t *r); /* returns in the window */

/* ------------------------------------------------------------------------- */
/* Spreads                                                                   */
/* ------------------------------------------------------------------------- */

/*
 * With m the mid (bid + ask) / 2 prevailing at a time (the last quote at or
 * before it), D = +1 for a buy, -1 for a sell (aggressor side; else Lee-Ready:
 * above the mid buy, below sell, at the mid the tick rule):
 *
 *   quoted     ask - bid, and (ask - bid) / m
 *   effective  2 D (p - m_t) for a trade at t, and divided by m_t
 *   realised   2 D (p - m_{t+horizon}) : what a liquidity provider kept after
 *              the mid moved for `horizon`; resolved when time passes t+horizon
 *   impact     effective - realised = 2 D (m_{t+h} - m_t)
 *
 * Window averages: quoted relative spread per quote update; effective,
 * realised and impact relative to m_t, volume weighted. Trades wait for their
 * horizon in a FIFO of pending_cap entries (hard ceiling: a trade that finds
 * it full is refused with NX_ELIMIT and changes nothing). Trades before the
 * first quote have no mid and are counted in `unpriced` only.
 */
typedef struct nx_feat_spread_cfg {
    nx_feat_window_t window;
    int64_t horizon_ns;   /* realised spread delay, >= 0 (common: 5 s) */
    uint32_t pending_cap; /* 1 .. 1<<24 */
} nx_feat_spread_cfg_t;

typedef struct nx_feat_spread_values {
    double bid, ask, mid;        /* last quote (NaN before the first) */
    double quoted;               /* ask - bid */
    double quoted_rel;           /* (ask - bid) / mid */
    double effective;            /* last trade: 2 D (p - m) */
    double effective_rel;        /* ... / m */
    double realised;             /* last resolved trade: 2 D (p - m_{t+h}) */
    double realised_rel;         /* ... / m_t */
    double quoted_rel_avg;       /* window averages (NaN when empty) */
    double effective_rel_avg;
    double realised_rel_avg;
    double impact_rel_avg;
    uint64_t quotes, trades, resolved, pending, unpriced;
} nx_feat_spread_values_t;

typedef struct nx_feat_spread nx_feat_spread_t;
NX_API int nx_feat_spread_new(const nx_feat_spread_cfg_t *c, nx_feat_spread_t **out);
NX_API void nx_feat_spread_free(nx_feat_spread_t *s);
/* A best bid/offer at ts (finite, 0 < bid <= ask; a crossed quote is refused). */
NX_API int nx_feat_spread_mid_update(nx_feat_spread_t *s, int64_t ts, double bid, double ask);
NX_API int nx_feat_spread_quote(nx_feat_spread_t *s, const nx_ev_quote_t *q);
/* The book's best bid/offer at ts (nx_book_bbo; its errors pass through). */
NX_API int nx_feat_spread_book(nx_feat_spread_t *s, const nx_book_t *b, int64_t ts);
NX_API int nx_feat_spread_add_trade(nx_feat_spread_t *s, int64_t ts, double price, double qty,
                                    nx_side_t side);
NX_API int nx_feat_spread_trade(nx_feat_spread_t *s, const nx_ev_trade_t *t);
/* Time passes to ts: resolves trades whose horizon is <= ts, rolls the window. */
NX_API int nx_feat_spread_advance(nx_feat_spread_t *s, int64_t ts);
NX_API void nx_feat_spread_values(const nx_feat_spread_t *s, nx_feat_spread_values_t *out);

/* ------------------------------------------------------------------------- */
/* Book imbalance                                                            */
/* ------------------------------------------------------------------------- */

#define NX_FEAT_BOOK_LEVELS_MAX 256
/*
 * (sum of bid qty - sum of ask qty) / (sum of both) over the best `levels`
 * levels of each side (fewer if a side holds fewer), in [-1, 1]. Errors:
 * NX_EINVAL (levels 0 or > NX_FEAT_BOOK_LEVELS_MAX), the book's NX_ESTATE,
 * NX_ENOTFOUND when both sides are empty. *out written only on success.
 */
NX_API int nx_feat_book_imbalance(const nx_book_t *b, size_t levels, double *out);
/* The same at level 1 from a QUOTE (NX_ENOTFOUND if both quantities are 0). */
NX_API int nx_feat_quote_imbalance(const nx_ev_quote_t *q, double *out);

/* ------------------------------------------------------------------------- */
/* Multi-timeframe                                                           */
/* ------------------------------------------------------------------------- */

/*
 * One indicator (a nexus/ta.h spec) on several timeframes built from one
 * stream of base bars (or trades) with nx_bar_builder_t resampling. A
 * timeframe's indicator is updated only when that timeframe's bar closes,
 * i.e. when the base bar that ends its period (or a later one) arrives: a
 * value never depends on a bar that was not complete. Between closes it
 * keeps the last value.
 *
 * Direction of timeframe k after its last closed bar (close C, value v =
 * output 0, v' the value one closed bar before):
 *   dir=price  sign(C - v)     default for price overlays (sma ema wma dema
 *                              tema trima kama hma vwma bbands keltner
 *                              donchian sar supertrend vwap ichimoku)
 *   dir=slope  sign(v - v')    default for the others (oscillators)
 *   dir=sign   sign(v)         (macd, roc, mom, ...)
 * Confluence = sum_k w_k d_k / sum_k w_k, in [-1, 1]; ready once every
 * timeframe's direction is defined (indicator ready, and one earlier value
 * for dir=slope).
 *
 * Spec: "IND@TF[=W],TF[=W],...[,dir=price|slope|sign]" e.g.
 * "ema:20@1m,5m,15m,1h" or "rsi:14@5m=1,1h=2,dir=slope". TF is an integer
 * and a unit s, m, h, d; each must be a multiple of the base span and divide
 * one day; W (default 1) finite in (0, 1e6]. At most NX_MTF_MAX timeframes.
 * Column names: the indicator's output names + "_" + TF as written
 * ("ema_20_5m"), and "<ind>_mtf" for the score ("ema_20_mtf").
 */
#define NX_MTF_MAX 8
#define NX_MTF_SPEC_MAX 256
#define NX_MTF_SCALE 8 /* decimals used when double bars become event mantissas */
typedef enum nx_mtf_dir { NX_MTF_DIR_AUTO = 0, NX_MTF_DIR_PRICE, NX_MTF_DIR_SLOPE, NX_MTF_DIR_SIGN } nx_mtf_dir_t;

typedef struct nx_mtf nx_mtf_t;
/* base_ns: the span of the base bars (1 s .. 1 day, dividing a day). */
NX_API int nx_mtf_parse(const char *spec, size_t len, int64_t base_ns, nx_mtf_t **out);
NX_API void nx_mtf_free(nx_mtf_t *m);
/* A base BAR event (interval_ns must equal base_ns); bars in time order. */
NX_API int nx_mtf_bar(nx_mtf_t *m, const nx_ev_bar_t *bar);
/*
 * A base bar as doubles (ts = open time, ns): converted to mantissas at
 * NX_MTF_SCALE decimals (NX_ERANGE past +-9.2e10), then as nx_mtf_bar.
 */
NX_API int nx_mtf_update(nx_mtf_t *m, const nx_ta_bar_t *bar);
/* A trade (by h.ts_recv): base bars are built from trades first. */
NX_API int nx_mtf_trade(nx_mtf_t *m, const nx_ev_trade_t *t);
/* Close every bar whose period ended at or before now (a timer). */
NX_API int nx_mtf_advance(nx_mtf_t *m, int64_t now);
NX_API size_t nx_mtf_timeframes(const nx_mtf_t *m);
NX_API int64_t nx_mtf_timeframe(const nx_mtf_t *m, size_t k);
NX_API double nx_mtf_weight(const nx_mtf_t *m, size_t k);
/* Timeframe k's indicator (borrowed from m). */
NX_API const nx_ta_t *nx_mtf_indicator(const nx_mtf_t *m, size_t k);
/* Bars closed on timeframe k so far. */
NX_API uint64_t nx_mtf_closed(const nx_mtf_t *m, size_t k);
/* -1, 0 or +1; 0 while undefined. */
NX_API int nx_mtf_direction(const nx_mtf_t *m, size_t k);
NX_API int nx_mtf_ready(const nx_mtf_t *m);
/* Confluence in [-1, 1]; NaN while not ready. */
NX_API double nx_mtf_score(const nx_mtf_t *m);
/* Column names: output i of timeframe k, and the score column. Borrowed. */
NX_API const char *nx_mtf_column(const nx_mtf_t *m, size_t k, size_t i);
NX_API const char *nx_mtf_score_name(const nx_mtf_t *m);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_FEATURES_H */
