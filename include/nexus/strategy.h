/*
 * nexus/strategy.h — the strategy runtime: the interface every strategy
 * implements (built in or loaded from a shared library), parameters from
 * YAML, signals and order intents, sizing, exits, and the host that runs
 * several strategies in one process.
 *
 * A strategy is a table of callbacks (nx_strategy_vt_t) over a block of
 * state the host allocates once (vt->state_size(params) bytes, zeroed,
 * 64-byte aligned). The state must be plain data without pointers: the
 * default snapshot is a copy of the block and restore copies it back, so a
 * strategy restored in another process continues exactly where it stopped.
 * A strategy that keeps pointers supplies its own snapshot/restore.
 *
 * Strategies talk to the platform only through the context (nx_strategy_ctx_t)
 * they are handed in every callback: ctx->api is a table of functions the
 * host fills, so a plugin needs this header and nothing else from Nexus at
 * link time. The inline wrappers below (nx_strategy_signal, ...) call it.
 *
 *   market event ──> host ──> on_bar / on_event ──> nx_strategy_signal()
 *                                                   nx_strategy_order()
 *   SIGNAL ──> host sizing (target position) ──> ORDER_INTENT (orders.intents)
 *   fills ──> host exit tracking (stops, trailing, take-profit, time, ROI)
 *
 * Signals say what the strategy wants: a direction (-1 short, 0 flat, +1
 * long), a confidence in [0, 1], and optionally an explicit target position.
 * The host turns a signal into a target with the strategy's sizing rule,
 * resolves conflicts between strategies on one instrument by weight x
 * confidence, and asks for the difference between target and current
 * position (orders in flight included). Explicit orders (nx_strategy_order)
 * bypass sizing and may carry a stop and a target.
 *
 * Threading: a host and its strategies belong to the kernel thread.
 * Determinism: nothing here reads the wall clock; callbacks run in
 * strategy registration order.
 *
 * Plugins: a shared library exports
 *     const nx_strategy_vt_t *nx_strategy_plugin(uint32_t abi_version, uint32_t index);
 * returning its strategy kinds by index (NULL past the last). The host
 * refuses a plugin whose vt->abi differs from NX_STRATEGY_ABI or whose
 * vt->vt_size is smaller than it needs. See examples/plugin/.
 */
#ifndef NEXUS_STRATEGY_H
#define NEXUS_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/config.h"
#include "nexus/core.h"
#include "nexus/decimal.h"
#include "nexus/event.h"
#include "nexus/instrument.h"
#include "nexus/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever nx_strategy_vt_t, nx_strategy_api_t or the records passed
 * to callbacks change incompatibly. */
#define NX_STRATEGY_ABI 1u

#define NX_STRATEGY_NAME_MAX 32      /* bytes incl. NUL */
#define NX_STRATEGY_MAX 64           /* strategies per host */
#define NX_STRATEGY_INSTR_MAX 16     /* instruments per strategy */
#define NX_STRATEGY_PARAMS_MAX 24    /* parameters per strategy */
#define NX_STRATEGY_TP_MAX 4         /* take-profit levels */
#define NX_STRATEGY_ROI_MAX 8        /* minimal-ROI table rows */

/* ------------------------------------------------------------------------- */
/* Parameters                                                                */
/* ------------------------------------------------------------------------- */

typedef enum nx_sparam_type {
    NX_SPARAM_INT = 1,    /* int64, range [lo, hi] */
    NX_SPARAM_DOUBLE = 2, /* double, range [lo, hi] */
    NX_SPARAM_DEC = 3,    /* exact decimal (prices, quantities), range [lo, hi] */
    NX_SPARAM_BOOL = 4,
    NX_SPARAM_WORD = 5    /* one of `words` (NULL-terminated list) */
} nx_sparam_type_t;

/* One declared parameter of a strategy kind. */
typedef struct nx_sparam_def {
    const char *name;
    nx_sparam_type_t type;
    const char *def;          /* default as text, as it would appear in YAML */
    double lo, hi;            /* inclusive range for INT/DOUBLE/DEC (lo > hi: none) */
    const char *const *words; /* WORD */
    const char *help;
} nx_sparam_def_t;

typedef struct nx_sparam_val {
    int64_t i;  /* INT, BOOL (0/1), WORD (index) */
    double d;   /* DOUBLE; also INT and DEC converted, for convenience */
    nx_dec_t dec;
} nx_sparam_val_t;

/* Validated parameter values of one strategy, in its kind's declaration
 * order. */
typedef struct nx_sparams {
    const nx_sparam_def_t *defs;
    uint32_t n;
    nx_sparam_val_t v[NX_STRATEGY_PARAMS_MAX];
} nx_sparams_t;

/* Value by name (a programming error if absent: returns a zero value and
 * logs). Use at init; store what the hot path needs in the state. */
NX_API int64_t nx_sparam_int(const nx_sparams_t *p, const char *name);
NX_API double nx_sparam_double(const nx_sparams_t *p, const char *name);
NX_API nx_dec_t nx_sparam_dec(const nx_sparams_t *p, const char *name);
/*
 * Set one parameter from text ("10", "0.5", "true", a word), checking type
 * and range. NX_ENOTFOUND for an unknown name, NX_EINVAL (message names the
 * parameter and the bound) otherwise. nx_sparams_defaults() applies every
 * default first.
 */
NX_API int nx_sparams_defaults(nx_sparams_t *p, const nx_sparam_def_t *defs, uint32_t n);
NX_API int nx_sparams_set(nx_sparams_t *p, const char *name, const char *text);

/* ------------------------------------------------------------------------- */
/* What strategies hand the platform                                         */
/* ------------------------------------------------------------------------- */

/* An explicit order with optional attached exits. Prices/quantities are
 * decimals (any scale; the host rescales to the instrument's precisions,
 * rounding quantities down to the lot and prices to the tick). */
typedef struct nx_strategy_order {
    uint32_t instrument;
    uint8_t side;      /* nx_side_t */
    uint8_t ord_type;  /* nx_ord_type_t: MARKET or LIMIT */
    uint8_t tif;       /* nx_tif_t; 0 = GTC */
    uint8_t flags;     /* NX_ORDF_POST_ONLY, NX_ORDF_REDUCE_ONLY */
    nx_dec_t qty;      /* > 0 */
    nx_dec_t price;    /* LIMIT */
    nx_dec_t stop;     /* attached stop-loss price, 0 = none (or the strategy's exits) */
    nx_dec_t target;   /* attached take-profit price, 0 = none */
    double confidence; /* for conflict resolution; 0 means 1 */
} nx_strategy_order_t;

typedef struct nx_strategy_ctx nx_strategy_ctx_t;

/* The host's functions, reached through ctx->api. */
typedef struct nx_strategy_api {
    uint32_t abi;  /* NX_STRATEGY_ABI */
    uint32_t size; /* sizeof(nx_strategy_api_t) of the host */
    /* Signal: direction -1/0/+1, confidence 0..1; target (may be NULL): an
     * explicit signed target position instead of the sizing rule. */
    int (*signal)(nx_strategy_ctx_t *ctx, uint32_t instrument, int direction, double confidence,
                  const nx_dec_t *target);
    /* Explicit order; *intent_id (may be NULL) receives its id. */
    int (*order)(nx_strategy_ctx_t *ctx, const nx_strategy_order_t *o, uint64_t *intent_id);
    int (*cancel)(nx_strategy_ctx_t *ctx, uint64_t intent_id);
    /* The strategy's position on an instrument (filled), at size precision. */
    nx_dec_t (*position)(nx_strategy_ctx_t *ctx, uint32_t instrument);
    /* The strategy's sub-account equity (statistic). */
    double (*equity)(nx_strategy_ctx_t *ctx);
    nx_ts_t (*now)(nx_strategy_ctx_t *ctx);
    /* A timer delivered to on_timer with `user`; period 0 = once. */
    int (*timer)(nx_strategy_ctx_t *ctx, nx_ts_t at, int64_t period_ns, uint64_t user);
    /* The instrument's current regime label (nx_regime_label_t), 0 if none. */
    uint8_t (*regime)(nx_strategy_ctx_t *ctx, uint32_t instrument);
    void (*log)(nx_strategy_ctx_t *ctx, int level, const char *msg);
} nx_strategy_api_t;

/* Handed to every callback; fields are read-only for strategies. */
struct nx_strategy_ctx {
    const nx_strategy_api_t *api;
    void *host;               /* private to the host */
    uint32_t strategy;        /* strategy id (1..), the high bits of its intent ids */
    uint32_t n_instruments;
    const uint32_t *instruments; /* instrument ids the strategy trades, config order */
    const char *name;
};

static inline int nx_strategy_signal(nx_strategy_ctx_t *c, uint32_t instrument, int direction,
                                     double confidence) {
    return c->api->signal(c, instrument, direction, confidence, NULL);
}
static inline int nx_strategy_target(nx_strategy_ctx_t *c, uint32_t instrument, nx_dec_t target,
                                     double confidence) {
    return c->api->signal(c, instrument, target.m > 0 ? 1 : target.m < 0 ? -1 : 0, confidence,
                          &target);
}
static inline int nx_strategy_order(nx_strategy_ctx_t *c, const nx_strategy_order_t *o,
                                    uint64_t *intent_id) {
    return c->api->order(c, o, intent_id);
}

/* ------------------------------------------------------------------------- */
/* The strategy interface                                                    */
/* ------------------------------------------------------------------------- */

/*
 * Every callback but state_size and init may be NULL. Callbacks return 0,
 * or a negative NX_E* code, which fails the strategy: the host stops calling
 * it, logs the code, and the engine treats it like a kill of that strategy.
 * Records passed in are borrowed for the call.
 */
typedef struct nx_strategy_vt {
    uint32_t abi;     /* NX_STRATEGY_ABI */
    uint32_t vt_size; /* sizeof(nx_strategy_vt_t) the strategy was built with */
    const char *kind; /* "sma_cross"; [a-z0-9_] */
    const char *help; /* one line */
    const nx_sparam_def_t *params;
    uint32_t n_params;
    uint32_t reserved;
    /* Bytes of state for these parameters (> 0, at most 16 MiB). */
    size_t (*state_size)(const nx_sparams_t *p, uint32_t n_instruments);
    /* Set up the zeroed state. NX_EINVAL with a message for a bad combination
     * of parameters (e.g. fast >= slow). */
    int (*init)(void *state, const nx_sparams_t *p, nx_strategy_ctx_t *ctx);
    int (*on_bar)(void *state, nx_strategy_ctx_t *ctx, const nx_ev_bar_t *bar);
    /* Trades, quotes, book deltas, funding of its instruments; regime events. */
    int (*on_event)(void *state, nx_strategy_ctx_t *ctx, const nx_event_hdr_t *ev);
    int (*on_timer)(void *state, nx_strategy_ctx_t *ctx, const nx_ev_timer_t *t);
    int (*on_intel)(void *state, nx_strategy_ctx_t *ctx, const nx_ev_intel_t *in);
    /* ORDER_ACK/REJECT/CANCEL/EXPIRE of its own orders. */
    int (*on_order)(void *state, nx_strategy_ctx_t *ctx, const nx_ev_order_t *o, uint16_t type);
    int (*on_fill)(void *state, nx_strategy_ctx_t *ctx, const nx_ev_fill_t *f);
    /* Custom snapshot (NULL: the state block is copied). Returns the bytes
     * written, or NX_ELIMIT when cap is too small. */
    int (*snapshot)(const void *state, void *buf, size_t cap);
    int (*restore)(void *state, const void *buf, size_t len);
    void (*fini)(void *state);
} nx_strategy_vt_t;

/* Signature of the symbol a plugin exports. */
typedef const nx_strategy_vt_t *(*nx_strategy_plugin_fn)(uint32_t abi_version, uint32_t index);
#define NX_STRATEGY_PLUGIN_SYMBOL "nx_strategy_plugin"

/* Built-in kinds: sma_cross, ema_adx, rsi_bb, donchian, regime_switch. */
NX_API const nx_strategy_vt_t *nx_strategy_builtin(const char *kind);
NX_API const nx_strategy_vt_t *nx_strategy_builtin_at(uint32_t index);

/* ------------------------------------------------------------------------- */
/* Sizing and exits                                                          */
/* ------------------------------------------------------------------------- */

typedef enum nx_sizing_method {
    NX_SIZE_FIXED_QTY = 1,    /* qty */
    NX_SIZE_FIXED_NOTIONAL,   /* notional (quote units) / price */
    NX_SIZE_PCT_EQUITY,       /* pct x equity / price */
    NX_SIZE_ATR_RISK,         /* risk_pct x equity / (atr_mult x ATR): lose risk_pct at the stop */
    NX_SIZE_KELLY,            /* kelly_fraction x Kelly f from the strategy's closed trades */
    NX_SIZE_VOL_TARGET        /* equity x target_vol / realised annual vol / price */
} nx_sizing_method_t;

typedef struct nx_sizing {
    nx_sizing_method_t method;
    nx_dec_t qty;            /* FIXED_QTY */
    nx_dec_t notional;       /* FIXED_NOTIONAL */
    double pct;              /* PCT_EQUITY: fraction of equity */
    double risk_pct;         /* ATR_RISK: fraction of equity risked to the stop */
    double atr_mult;         /* ATR_RISK: stop distance in ATRs (default: exits' atr stop) */
    uint32_t atr_period;     /* ATR period for sizing and ATR stops, default 14 */
    double kelly_fraction;   /* KELLY: e.g. 0.5 (half Kelly) */
    double kelly_max;        /* KELLY: cap on the fraction of equity, default 0.25 */
    uint32_t kelly_min_trades; /* KELLY: trades before Kelly applies; before: pct */
    double target_vol;       /* VOL_TARGET: annualised, e.g. 0.2 */
    uint32_t vol_window;     /* VOL_TARGET: returns in the estimate, default 30 */
    double max_leverage;     /* cap on notional / equity, default 1 */
} nx_sizing_t;

typedef struct nx_exits {
    double stop_pct;          /* stop at entry x (1 -+ stop_pct); 0 = off */
    double stop_atr;          /* stop at entry -+ stop_atr x ATR; 0 = off */
    double trail_pct;         /* trailing stop distance from the best price; 0 = off */
    double trail_atr;         /* trailing distance in ATRs; 0 = off */
    double trail_activate_r;  /* trailing starts once the trade is this many R up (0: at once) */
    uint32_t n_tp;            /* take-profit levels */
    double tp_r[NX_STRATEGY_TP_MAX];    /* at this many R (R = entry-to-stop distance) */
    double tp_frac[NX_STRATEGY_TP_MAX]; /* fraction of the initial size exited */
    int64_t time_stop_ns;     /* close after this long; 0 = off */
    uint32_t n_roi;           /* minimal ROI table: after age >= roi_age, exit if return >= roi */
    int64_t roi_age_ns[NX_STRATEGY_ROI_MAX];
    double roi[NX_STRATEGY_ROI_MAX];
    int breakeven_after_tp;   /* move the stop to entry after the first take-profit */
} nx_exits_t;

/* Why a position was closed (trades.csv exit_reason). */
#define NX_EXIT_REASONS(X)                                                     \
    X(NONE, 0, "")                                                             \
    X(SIGNAL, 1, "signal")                                                     \
    X(STOP, 2, "stop_loss")                                                    \
    X(TRAIL, 3, "trailing_stop")                                               \
    X(TAKE_PROFIT, 4, "take_profit")                                           \
    X(TIME, 5, "time_stop")                                                    \
    X(ROI, 6, "minimal_roi")                                                   \
    X(CONFLICT, 7, "conflict")                                                 \
    X(CRISIS, 8, "regime_crisis")                                              \
    X(KILL, 9, "kill_switch")                                                  \
    X(END, 10, "end_of_data")
typedef enum nx_exit_reason {
#define NX__EXIT_ENUM(name, v, text) NX_EXIT_##name = (v),
    NX_EXIT_REASONS(NX__EXIT_ENUM)
#undef NX__EXIT_ENUM
} nx_exit_reason_t;
NX_API const char *nx_exit_reason_name(int reason);

NX_API void nx_sizing_default(nx_sizing_t *s);
NX_API void nx_exits_default(nx_exits_t *e);

/* ------------------------------------------------------------------------- */
/* Host                                                                      */
/* ------------------------------------------------------------------------- */

/* How a conflict on one instrument between strategies is settled. */
typedef enum nx_conflict {
    NX_CONFLICT_PRIORITY = 0, /* opposite directions: the larger weight x confidence wins,
                                 the other is taken flat (default) */
    NX_CONFLICT_NET = 1       /* every strategy trades; exposure nets on the account */
} nx_conflict_t;

/* One strategy as configured. */
typedef struct nx_strategy_spec {
    char name[NX_STRATEGY_NAME_MAX];
    const nx_strategy_vt_t *vt; /* built-in or plugin kind (borrowed; plugins stay loaded) */
    nx_sparams_t params;
    uint32_t n_instruments;
    uint32_t instruments[NX_STRATEGY_INSTR_MAX];
    int64_t bar_interval_ns;  /* bars it wants (0: any bar of its instruments) */
    double weight;            /* capital weight, > 0 */
    double confidence_min;    /* signals below are ignored */
    int allow_short;          /* 0: a -1 signal means flat */
    uint8_t ord_type;         /* order type for signals: MARKET (default) or LIMIT */
    double limit_offset_bp;   /* LIMIT: price = reference -+ offset */
    nx_sizing_t sizing;
    nx_exits_t exits;
} nx_strategy_spec_t;

/* Initialise a spec with defaults for a kind (parameters at their defaults). */
NX_API void nx_strategy_spec_init(nx_strategy_spec_t *s, const char *name,
                                  const nx_strategy_vt_t *vt);

/*
 * Parse a `strategies:` list (format in docs/strategy.md): every entry's keys,
 * its kind (built in or from `plugin:`, loaded here), its instruments
 * ("venue:symbol") through `reg`, and its own `params:` checked against the
 * kind's declarations. Fills specs[0..*n). Returns 0, or NX_ECONFIG with
 * every problem in diags as FILE:LINE:COL: path: message (diags required).
 */
NX_API int nx_strategy_specs_parse(const nx_cfg_doc_t *doc, const nx_cfg_node_t *list,
                                   const nx_instruments_t *reg, nx_cfg_diags_t *diags,
                                   nx_strategy_spec_t *specs, uint32_t cap, uint32_t *n);
/* The schema of one entry (docs, nx_cfg_schema_check in tests). */
NX_API const nx_cfg_schema_t *nx_strategy_schema(void);

/*
 * Load a plugin (dlopen) and return its kinds. The library stays loaded for
 * the process's life. NX_EIO (dlopen/dlsym message), NX_EVERSION (ABI).
 */
NX_API int nx_strategy_plugin_load(const char *path, const nx_strategy_vt_t **kinds,
                                   uint32_t cap, uint32_t *n);

typedef struct nx_strategy_host nx_strategy_host_t;

/*
 * What the host needs from the engine around it. Every function is called
 * on the kernel thread during a callback of the host.
 *   emit        hand an event to the bus (SIGNAL, ORDER_INTENT); the host
 *               fills every field but the header's seq/trace/causation.
 *   position    filled position of (strategy, instrument), at size precision
 *   pending     quantity of the strategy's working orders (signed, buys > 0)
 *   equity      strategy sub-account equity (statistic)
 *   price       reference price of an instrument (last trade/close), 0 if none
 *   instrument  precisions, lot, tick, min notional of an instrument (NULL if unknown)
 *   timer       arm a kernel timer; its TIMER event must come back through
 *               nx_strategy_host_on_event with `user` unchanged
 *   now         the kernel clock
 * Regime labels come from REGIME events fed to the host.
 * Host-made intents carry their nx_exit_reason_t in nx_ev_order_intent_t.reason.
 */
typedef struct nx_strategy_env {
    void *ctx;
    int (*emit)(void *ctx, const nx_event_hdr_t *ev);
    int64_t (*position)(void *ctx, uint32_t strategy, uint32_t instrument);
    int64_t (*pending)(void *ctx, uint32_t strategy, uint32_t instrument);
    double (*equity)(void *ctx, uint32_t strategy);
    int64_t (*price)(void *ctx, uint32_t instrument);
    const struct nx_instrument *(*instrument)(void *ctx, uint32_t instrument);
    int (*timer)(void *ctx, nx_ts_t at, int64_t period_ns, uint64_t user);
    nx_ts_t (*now)(void *ctx);
} nx_strategy_env_t;

typedef struct nx_strategy_host_stats {
    uint64_t bars, events, signals, intents, suppressed_conflict, below_min, exits,
        failures;
} nx_strategy_host_stats_t;

NX_API int nx_strategy_host_new(const nx_strategy_env_t *env, nx_conflict_t conflict,
                                nx_strategy_host_t **out);
NX_API void nx_strategy_host_free(nx_strategy_host_t *h);
/*
 * Add a strategy (spec copied); it gets id = 1 + its index. Calls init.
 * NX_ELIMIT past NX_STRATEGY_MAX, NX_EINVAL from init (message kept).
 */
NX_API int nx_strategy_host_add(nx_strategy_host_t *h, const nx_strategy_spec_t *spec,
                                uint32_t *out_id);
NX_API uint32_t nx_strategy_host_count(const nx_strategy_host_t *h);
NX_API const nx_strategy_spec_t *nx_strategy_host_spec(const nx_strategy_host_t *h,
                                                       uint32_t strategy);
/* Strategy weights normalised to sum 1 (for capital allocation). */
NX_API double nx_strategy_host_weight(const nx_strategy_host_t *h, uint32_t strategy);

/*
 * Feed events. Market events (BAR, TRADE, QUOTE, BOOK_DELTA, FUNDING) go to
 * the exit tracker then to the strategies trading the instrument; REGIME,
 * INTEL and TIMER events to every strategy; SIGNAL events produced by this
 * host are sized into ORDER_INTENTs; ORDER_* and FILL events of a strategy's
 * intents go to that strategy and to its exit tracker. Returns 0 or the
 * first emit failure; strategy failures are recorded, not returned.
 */
NX_API int nx_strategy_host_on_event(nx_strategy_host_t *h, const nx_event_hdr_t *ev);
/* Take every strategy flat (KILL, CRISIS, END ...) with market orders. */
NX_API int nx_strategy_host_flatten(nx_strategy_host_t *h, uint32_t strategy,
                                    nx_exit_reason_t why);
/* 0 if the strategy runs, else the code that failed it. */
NX_API int nx_strategy_host_status(const nx_strategy_host_t *h, uint32_t strategy);
NX_API void nx_strategy_host_get_stats(const nx_strategy_host_t *h,
                                       nx_strategy_host_stats_t *out);

/*
 * Snapshot one strategy (its state block or custom snapshot, plus the
 * host's per-strategy runtime: exit trackers, targets, intent sequence)
 * into buf. Returns bytes written or NX_ELIMIT. Restore into a host that
 * has the same strategy added (same kind and parameters): NX_ECORRUPT if
 * the buffer's checksum or identity does not match.
 */
NX_API int nx_strategy_host_snapshot(const nx_strategy_host_t *h, uint32_t strategy, void *buf,
                                     size_t cap);
NX_API int nx_strategy_host_restore(nx_strategy_host_t *h, uint32_t strategy, const void *buf,
                                    size_t len);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_STRATEGY_H */
