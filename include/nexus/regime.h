/*
 * nexus/regime.h — the regime detector: one label per bar that every
 * strategy reads ("one truth about the state of the market").
 *
 *   labels     TRENDING_UP, TRENDING_DOWN, MEAN_REVERTING, HIGH_VOLATILITY,
 *              LOW_VOLATILITY, BREAKOUT, CRISIS, UNKNOWN
 *   features   a streaming extractor turning bars into the HMM's feature
 *              vector x = (r, v): r the mean log return in percent over
 *              ret_window bars, v the log of the Parkinson range volatility
 *              (percent per bar) averaged over vol_window bars
 *   HMM        a Gaussian hidden Markov model with 2..4 states and full 2x2
 *              covariances, fitted offline by Baum-Welch (scaled forward-
 *              backward, seeded random restarts, variance floor) and run
 *              online by forward filtering: O(K^2) per bar, no allocation
 *   rules      a deterministic threshold classifier (ADX, EMA slope,
 *              volatility percentile, Donchian breakout with volume,
 *              drawdown) used when no model is loaded or it is unsure
 *   detector   combines the two, applies hysteresis (confirmation bars and
 *              a minimum dwell) and reports when the published label changes
 *   files      a versioned text model file, doubles written with %.17g and
 *              read back bit for bit; errors name the file and line
 *
 * Units and conventions are in docs/regime.md.
 *
 * Typical use (online):
 *
 *   nx_regime_hmm_t m;                      (optional: a fitted model)
 *   if (nx_regime_model_load("btc.model", &m) < 0) ...nx_err_message()...
 *   nx_regime_t *d;
 *   if (nx_regime_new(NULL, &m, &d) < 0) ...      (NULL model: rules only)
 *   for each bar:
 *       nx_regime_out_t o;
 *       int changed = nx_regime_update(d, &bar, &o);
 *       if (changed < 0) ...bad bar, state unchanged...
 *       if (changed) { nx_regime_change_t c; nx_regime_change_fill(d, instrument, &c);
 *                      ...publish c on regime.<symbol>... }
 *   nx_regime_free(d);
 *
 * Offline: extract features with nx_regime_feat_*, fit with
 * nx_regime_hmm_fit, save with nx_regime_model_save (`nexus regime fit`).
 *
 * Thread-safety: an object belongs to one thread; distinct objects are
 * independent; nx_regime_hmm_fit uses only its arguments.
 */
#ifndef NEXUS_REGIME_H
#define NEXUS_REGIME_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/event.h"
#include "nexus/ta.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Labels                                                                    */
/* ------------------------------------------------------------------------- */

/* The numeric values are part of the regime event layout: never renumber. */
typedef enum nx_regime_label {
    NX_REGIME_UNKNOWN = 0, /* warming up, or no rule applies (transition) */
    NX_REGIME_TRENDING_UP = 1,
    NX_REGIME_TRENDING_DOWN = 2,
    NX_REGIME_MEAN_REVERTING = 3,
    NX_REGIME_HIGH_VOLATILITY = 4,
    NX_REGIME_LOW_VOLATILITY = 5,
    NX_REGIME_BREAKOUT = 6,
    NX_REGIME_CRISIS = 7
} nx_regime_label_t;
#define NX_REGIME_LABEL_COUNT 8

/* "TRENDING_UP", ...; NULL for a value out of range. */
NX_API const char *nx_regime_label_name(nx_regime_label_t label);
/* Exact, upper case name of len bytes; NX_EPARSE if unknown. */
NX_API int nx_regime_label_parse(const char *s, size_t len, nx_regime_label_t *out);

/* ------------------------------------------------------------------------- */
/* Features                                                                  */
/* ------------------------------------------------------------------------- */

/*
 * The feature vector of a bar t (two doubles, in this order):
 *
 *   r_t = 100 * ln(close_t / close_{t-R}) / R          R = ret_window (>= 1)
 *   v_t = ln(100 * sqrt(max(P_t, NX_REGIME_PV_FLOOR)))
 *         P_t = mean over the last W bars of ln(high/low)^2 / (4 ln 2)
 *                                                      W = vol_window (>= 1)
 *
 * r is a (mean per-bar) log return in percent; v is the log of Parkinson's
 * range-based volatility in percent per bar. Features exist from bar
 * max(R + 1, W) on (1-based). Bars need low > 0, high >= low, close > 0.
 */
#define NX_REGIME_NFEAT 2
#define NX_REGIME_WINDOW_MAX 256
#define NX_REGIME_PV_FLOOR 1e-12 /* floor of P: v >= ln(1e-4) */

/* Embeddable, no allocation; fields private. */
typedef struct nx_regime_feat {
    uint32_t ret_window, vol_window;
    uint64_t count;                            /* bars accepted */
    uint32_t pos_c, pos_v, since_exact;
    double pv_sum;
    double closes[NX_REGIME_WINDOW_MAX + 1];   /* ring of the last R+1 closes */
    double pv[NX_REGIME_WINDOW_MAX];           /* ring of the last W range terms */
} nx_regime_feat_t;

/* NX_EINVAL if a window is 0 or above NX_REGIME_WINDOW_MAX. */
NX_API int nx_regime_feat_init(nx_regime_feat_t *f, uint32_t ret_window, uint32_t vol_window);
/*
 * Feed one bar (borrowed). Returns 1 and writes x[0..1] when the features are
 * available, 0 while warming up, NX_EINVAL (state unchanged; the message
 * gives the bar index) for non-finite or non-positive prices or high < low.
 */
NX_API int nx_regime_feat_update(nx_regime_feat_t *f, const nx_ta_bar_t *bar, double x[2]);

/* ------------------------------------------------------------------------- */
/* Gaussian HMM                                                              */
/* ------------------------------------------------------------------------- */

#define NX_REGIME_STATES_MAX 4
#define NX_REGIME_STATES_MIN 2
#define NX_REGIME_RESTARTS_MAX 64

/*
 * A fitted model: plain data, copied by value. State i emits
 * x ~ N(mean[i], [[cov[i][0], cov[i][1]], [cov[i][1], cov[i][2]]]).
 * trans[i][j] = P(state j at t+1 | state i at t); pi the initial
 * distribution. States are stored in canonical order (ascending mean v,
 * then mean r) so that the same fit gives the same bytes.
 */
typedef struct nx_regime_hmm {
    uint32_t k;                            /* states, 2..4 */
    uint32_t ret_window, vol_window;       /* the features it was fitted on */
    uint32_t iterations;                   /* Baum-Welch iterations of the chosen restart */
    double pi[NX_REGIME_STATES_MAX];
    double trans[NX_REGIME_STATES_MAX][NX_REGIME_STATES_MAX];
    double mean[NX_REGIME_STATES_MAX][NX_REGIME_NFEAT];
    double cov[NX_REGIME_STATES_MAX][3];   /* var r, cov(r, v), var v */
    nx_regime_label_t label[NX_REGIME_STATES_MAX];
    double loglik;                         /* of the training data (informational) */
    uint64_t nobs;                         /* training observations (informational) */
    uint64_t seed;                         /* seed of the fit (informational) */
} nx_regime_hmm_t;

/*
 * Structural check: k in range, windows in range, pi and each trans row
 * within [0, 1] summing to 1 within 1e-6, finite means, covariances with
 * positive variances and |correlation| < 1, labels in range.
 * NX_EINVAL with the first problem in the message.
 */
NX_API int nx_regime_hmm_check(const nx_regime_hmm_t *m);

/*
 * The label of each state from its emission (sets m->label):
 *   t_i = mean r_i / sqrt(var r_i) (drift per unit of noise);
 *   t_i >= trend_t -> TRENDING_UP; t_i <= -trend_t -> TRENDING_DOWN, or
 *   CRISIS when the state is the most volatile one and k >= 3;
 *   the other states by mean v: the calmest LOW_VOLATILITY, the most
 *   volatile HIGH_VOLATILITY, those between MEAN_REVERTING (one state left
 *   alone: MEAN_REVERTING). Deterministic; see docs/regime.md.
 */
#define NX_REGIME_TREND_T 0.1
NX_API void nx_regime_hmm_map_labels(nx_regime_hmm_t *m, double trend_t);

typedef void (*nx_regime_iter_fn)(void *ctx, uint32_t restart, uint32_t iter, double loglik);

typedef struct nx_regime_fit_opts {
    uint32_t k;          /* states, 2..4 (default 3) */
    uint64_t seed;       /* restarts draw from nx_rng seeded with seed (default 1) */
    uint32_t restarts;   /* 1..NX_REGIME_RESTARTS_MAX (default 5); restart 0 starts
                            from volatility quantiles, the others at random */
    uint32_t max_iter;   /* per restart (default 300) */
    double tol;          /* stop when the log-likelihood gains <= tol * |ll| (1e-7) */
    double var_floor;    /* variance floor as a fraction of each feature's
                            variance over the whole sample (default 1e-3) */
    double trend_t;      /* label mapping threshold (NX_REGIME_TREND_T) */
    uint32_t ret_window, vol_window; /* copied into the model (defaults 1, 10) */
    nx_regime_iter_fn on_iter; /* optional: called after every E-step */
    void *ctx;
} nx_regime_fit_opts_t;
NX_API void nx_regime_fit_opts_default(nx_regime_fit_opts_t *o);

typedef struct nx_regime_fit_report {
    uint32_t restarts;                        /* restarts run */
    uint32_t best;                            /* the chosen one (highest ll, first on ties) */
    double loglik[NX_REGIME_RESTARTS_MAX];    /* final log-likelihood per restart */
    uint32_t iters[NX_REGIME_RESTARTS_MAX];
    uint8_t converged[NX_REGIME_RESTARTS_MAX];
} nx_regime_fit_report_t;

/*
 * Fit a model to n observations x[2*t], x[2*t+1] (borrowed). Needs
 * n >= 10 * k. Allocates O(n k) work memory for the call only. out is
 * written on success, in canonical state order, labelled with
 * nx_regime_hmm_map_labels(trend_t). rep (optional) receives the restarts.
 * Errors: NX_EINVAL (bad options, non-finite x: the row is in the message,
 * too few rows, a constant feature), NX_ENOMEM, NX_ERANGE (no restart gave a
 * finite likelihood).
 */
NX_API int nx_regime_hmm_fit(const double *x, size_t n, const nx_regime_fit_opts_t *o,
                             nx_regime_hmm_t *out, nx_regime_fit_report_t *rep);

/*
 * The batch forward pass (the E-step's), normalised: alpha[t*k + i] =
 * P(state i at t | x_0..x_t). alpha (n*k doubles, caller's) may be NULL to
 * get only the log-likelihood. No allocation. NX_EINVAL for a bad model or
 * non-finite x.
 */
NX_API int nx_regime_hmm_forward(const nx_regime_hmm_t *m, const double *x, size_t n,
                                 double *alpha, double *loglik);

/* Online forward filter. Embeddable; fields private. */
typedef struct nx_regime_filter {
    nx_regime_hmm_t m;
    double icov[NX_REGIME_STATES_MAX][3];  /* inverse covariances */
    double lnorm[NX_REGIME_STATES_MAX];    /* -ln(2 pi) - ln(det)/2 */
    double p[NX_REGIME_STATES_MAX];        /* current posterior */
    uint64_t count;
} nx_regime_filter_t;

/* Copies and checks m. NX_EINVAL for a bad model. */
NX_API int nx_regime_filter_init(nx_regime_filter_t *f, const nx_regime_hmm_t *m);
NX_API void nx_regime_filter_reset(nx_regime_filter_t *f);
/*
 * One observation: p_t(j) ~ b_j(x) * sum_i p_{t-1}(i) trans[i][j] (pi at the
 * first step). Writes the k posteriors to post (may be NULL). O(k^2), no
 * allocation. NX_EINVAL (state unchanged) for non-finite x. If every state
 * gives the observation zero probability mass the filter restarts from
 * pi (documented reset, not an error).
 */
NX_API int nx_regime_filter_step(nx_regime_filter_t *f, const double x[2], double *post);

/* ------------------------------------------------------------------------- */
/* Model files                                                               */
/* ------------------------------------------------------------------------- */

/*
 * Text, one record per line, '#' comments and blank lines ignored:
 *
 *   nexus-regime-model 1                 first line: magic and version
 *   states K                             2..4, before any per-state line
 *   ret_window R
 *   vol_window W
 *   seed S | nobs N | iterations I | loglik L      informational
 *   pi p_0 .. p_{K-1}
 *   trans i a_i0 .. a_i{K-1}             one line per state i
 *   mean i m_r m_v
 *   cov i var_r cov_rv var_v
 *   label i NAME                         NAME as nx_regime_label_name
 *   end                                  required (detects truncation)
 *
 * Every key once, every state's lines present; doubles are %.17g and read
 * back bit for bit. Errors are NX_EPARSE / NX_EVERSION / NX_EINVAL with
 * "NAME:LINE: message".
 */
#define NX_REGIME_MODEL_VERSION 1
#define NX_REGIME_MODEL_MAX 65536 /* longest accepted model file, bytes */

/* The file text into buf (cap bytes, NUL-terminated); *len its length.
 * NX_ELIMIT if cap is too small, NX_EINVAL for a model that fails the check. */
NX_API int nx_regime_model_format(const nx_regime_hmm_t *m, char *buf, size_t cap,
                                  size_t *len);
/* Parse len bytes of text; name is used in messages. */
NX_API int nx_regime_model_parse(const char *text, size_t len, const char *name,
                                 nx_regime_hmm_t *out);
/* Write atomically (PATH.tmp, fsync, rename). NX_EIO with the path. */
NX_API int nx_regime_model_save(const nx_regime_hmm_t *m, const char *path);
NX_API int nx_regime_model_load(const char *path, nx_regime_hmm_t *out);

/* ------------------------------------------------------------------------- */
/* The detector                                                              */
/* ------------------------------------------------------------------------- */

/*
 * Parameters of the threshold classifier, the combination and the
 * hysteresis. Defaults (nx_regime_params_default) come from the seeds where
 * they give them (ADX > 25 trend, ADX < 20 range, price vs EMA(50),
 * crisis on a >10% move), otherwise from common practice; docs/regime.md.
 */
typedef struct nx_regime_params {
    uint32_t adx_period;       /* 14 */
    double adx_trend;          /* 25: ADX at or above -> trending */
    double adx_range;          /* 20: ADX below -> ranging */
    uint32_t ema_period;       /* 50: close vs EMA and the EMA's slope give direction */
    uint32_t atr_period;       /* 14: volatility = NATR (ATR in % of close) */
    uint32_t pct_window;       /* 500 bars: window of the volatility percentile */
    double high_vol_pct;       /* 0.90 */
    double low_vol_pct;        /* 0.10 */
    double vol_ratio;          /* 1.25: HIGH also needs NATR >= vol_ratio x the window's
                                  median, LOW NATR <= median / vol_ratio */
    uint32_t donchian_period;  /* 20: breakout = close beyond the previous bar's channel
                                  while ADX (previous bar) < adx_range ... */
    uint32_t volume_period;    /* 20: ... with volume >= breakout_volume x SMA(volume) */
    double breakout_volume;    /* 2.0 (volume 0 everywhere: the price rule alone) */
    uint32_t breakout_hold;    /* 5 bars the BREAKOUT label is held by the rules */
    double crisis_vol_pct;     /* 0.99: crisis needs extreme volatility ... */
    double crisis_drawdown;    /* 0.10: ... and close >= 10% below the rolling high */
    uint32_t drawdown_window;  /* 1440 bars of the rolling high */
    double min_confidence;     /* 0.60: HMM used when its top posterior >= this */
    uint32_t confirm_bars;     /* 3: a new label must be seen this many bars in a row */
    uint32_t min_dwell;        /* 20: bars a published label is held at least */
} nx_regime_params_t;
NX_API void nx_regime_params_default(nx_regime_params_t *p);

typedef enum nx_regime_source {
    NX_REGIME_SRC_NONE = 0,  /* warming up */
    NX_REGIME_SRC_RULES = 1, /* the threshold classifier */
    NX_REGIME_SRC_HMM = 2    /* the HMM's most probable state */
} nx_regime_source_t;

/* What one update saw. */
typedef struct nx_regime_out {
    nx_regime_label_t label;  /* published label after hysteresis */
    nx_regime_label_t prev;   /* published label before this bar */
    nx_regime_label_t raw;    /* this bar's combined label, before hysteresis */
    nx_regime_label_t rule;   /* the threshold classifier's label */
    nx_regime_source_t source; /* where raw came from */
    int state;                /* HMM's most probable state, -1 without HMM/features */
    double confidence;        /* that state's posterior (0 without HMM) */
    double posterior[NX_REGIME_STATES_MAX]; /* NaN beyond k or without HMM */
    uint64_t held;            /* bars the published label has been held, this one included */
    /* diagnostics of the rules (NaN while not available) */
    double adx, ema_slope, vol_pct, drawdown;
} nx_regime_out_t;

typedef struct nx_regime nx_regime_t; /* opaque */

/*
 * Create a detector. p NULL = defaults; model NULL = rules only, else copied
 * (and its feature windows used). Errors: NX_EINVAL (a parameter out of
 * range, named in the message; a bad model), NX_ENOMEM.
 */
NX_API int nx_regime_new(const nx_regime_params_t *p, const nx_regime_hmm_t *model,
                         nx_regime_t **out);
NX_API void nx_regime_free(nx_regime_t *d);
/* Back to the state after creation; no allocation. */
NX_API void nx_regime_reset(nx_regime_t *d);
/*
 * Feed one bar (borrowed). Returns 1 if the published label changed on this
 * bar, 0 if not; out (may be NULL) gets the details. NX_EINVAL for a bad bar
 * (non-finite or non-positive prices, high < low, negative volume); the
 * detector's state is then unchanged. No allocation.
 */
NX_API int nx_regime_update(nx_regime_t *d, const nx_ta_bar_t *bar, nx_regime_out_t *out);
NX_API nx_regime_label_t nx_regime_label(const nx_regime_t *d);
NX_API int nx_regime_has_model(const nx_regime_t *d);

/*
 * The payload of a regime-change event, laid out to follow the 48-byte
 * event header (offsets are those in the event record; the proposed
 * nx_ev_regime_t in event.h is the header followed by exactly this):
 *
 *   offset size field        meaning
 *   ------ ---- ------------ ------------------------------------------------
 *       48    4 instrument   instrument id (as in TRADE/BAR events)
 *       52    1 label        new label (nx_regime_label_t)
 *       53    1 prev_label   label before the change
 *       54    1 source       nx_regime_source_t of the bar that confirmed it
 *       55    1 state        HMM state (0..3), 0xFF without HMM
 *       56    4 held_bars    bars the previous label was held (saturating)
 *       60    1 nstates      HMM states (0 without HMM)
 *       61    3 reserved     zero
 *       64    8 confidence   posterior of `state` (double; 0 without HMM)
 *       72   32 posterior    posterior[0..3] (double; 0 beyond nstates)
 *      104                   (record size 104 bytes)
 */
typedef struct nx_regime_change {
    uint32_t instrument;
    uint8_t label;
    uint8_t prev_label;
    uint8_t source;
    uint8_t state;
    uint32_t held_bars;
    uint8_t nstates;
    uint8_t reserved[3];
    double confidence;
    double posterior[NX_REGIME_STATES_MAX];
} nx_regime_change_t;
#define NX_REGIME_CHANGE_SIZE 56 /* payload bytes after the 48-byte header */

/* Fill c from the detector's most recent label change (all zero but the
 * instrument and state 0xFF before the first change). */
/* The same change as a kernel REGIME event (nexus/event.h), header zeroed but
 * type and size; the caller sets times and emits it on its topic. */
NX_API void nx_regime_event_fill(const nx_regime_t *d, uint32_t instrument, nx_ev_regime_t *ev);
NX_API void nx_regime_change_fill(const nx_regime_t *d, uint32_t instrument,
                                  nx_regime_change_t *c);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_REGIME_H */
