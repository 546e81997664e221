/*
 * nexus/sim.h — the simulated venue: a price-time matching engine, order
 * types, fill models for bars, trade ticks and L2 books, latency, fees,
 * market impact, spot and margin accounts, exchange rules and rejects.
 *
 * Two layers:
 *
 *   matcher   one instrument's limit order book of resting orders with
 *             price-time priority: add (market, limit, IOC, FOK, post-only),
 *             cancel, amend, cancel-all, self-trade prevention. Pure and
 *             deterministic; no time, no money. The venue uses one per
 *             instrument; tests and benchmarks use it directly.
 *
 *   venue     (nx_sim_t) a kernel component. It takes ORDER_INTENT events
 *             (approved by risk), applies exchange rules, locks balances,
 *             delays them by the entry latency, matches them against other
 *             resting orders and against the market from data (bars, trades,
 *             quotes, book deltas) with the configured fill model, charges
 *             fees, moves balances, and emits ORDER_ACK / ORDER_REJECT /
 *             ORDER_CANCEL / ORDER_EXPIRE / FILL events back.
 *
 * Money is exact: prices and quantities are int64 mantissas at the
 * instrument's price and size precisions, balances are int64 mantissas at
 * each asset's scale; products go through 128-bit intermediates with one
 * documented rounding. Doubles appear only inside statistical models
 * (latency distributions, impact sigma) and are turned into whole ticks or
 * nanoseconds before they touch an order.
 *
 * Determinism: the same configuration, seed and input events give the same
 * output events, byte for byte. Nothing reads the wall clock; ties are broken
 * by arrival sequence; random draws come from one nx_rng seeded from the
 * configuration.
 *
 * Thread-safety: a matcher and a venue belong to one thread (the kernel's).
 * See docs/sim.md for the rules in prose.
 */
#ifndef NEXUS_SIM_H
#define NEXUS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/decimal.h"
#include "nexus/event.h"
#include "nexus/instrument.h"
#include "nexus/kernel.h"
#include "nexus/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Reasons and venue codes                                                   */
/* ------------------------------------------------------------------------- */

/*
 * Why an order was rejected, cancelled or expired (nx_ev_order_t.reason) and
 * the exchange error code reported beside it (nx_ev_order_t.venue_code),
 * modelled on Binance's: -2010 new order rejected (balance, post-only),
 * -1013 filter failure, -1015 too many orders (the HTTP 429 family), -2011
 * unknown order, -2019 margin insufficient, -2022 reduce-only rejected,
 * -1121 invalid symbol, -1102 bad parameter. Expected outcomes, not errors.
 */
#define NX_SIM_REASONS(X)                                                      \
    X(NONE, 0, 0, "none")                                                      \
    X(INSUFFICIENT_BALANCE, 1, -2010, "insufficient_balance")                  \
    X(PRICE_FILTER, 2, -1013, "price_filter")                                  \
    X(LOT_SIZE, 3, -1013, "lot_size")                                          \
    X(MIN_NOTIONAL, 4, -1013, "min_notional")                                  \
    X(MAX_NUM_ORDERS, 5, -1013, "max_num_orders")                              \
    X(RATE_LIMIT, 6, -1015, "rate_limit")                                      \
    X(UNKNOWN_ORDER, 7, -2011, "unknown_order")                                \
    X(POST_ONLY_WOULD_TAKE, 8, -2010, "post_only_would_take")                  \
    X(REDUCE_ONLY, 9, -2022, "reduce_only")                                    \
    X(MARGIN_INSUFFICIENT, 10, -2019, "margin_insufficient")                   \
    X(UNKNOWN_INSTRUMENT, 11, -1121, "unknown_instrument")                     \
    X(BAD_PARAM, 12, -1102, "bad_param")                                       \
    X(OCO_DONE, 13, -2010, "oco_partner_done")                                 \
    X(NO_REFERENCE_PRICE, 14, -2010, "no_reference_price")                     \
    X(CAPACITY, 15, -1015, "venue_capacity")                                   \
    X(DUPLICATE, 16, 0, "duplicate_client_id")                                 \
    X(USER, 17, 0, "user")                                                     \
    X(IOC, 18, 0, "ioc_remainder")                                             \
    X(FOK, 19, 0, "fok_unfilled")                                              \
    X(STP, 20, 0, "self_trade_prevention")                                     \
    X(GTD, 21, 0, "expired_gtd")                                               \
    X(OCO, 22, 0, "oco_other_leg")                                             \
    X(BRACKET, 23, 0, "bracket_parent_done")                                   \
    X(NO_LIQUIDITY, 24, 0, "no_liquidity")                                     \
    X(LIQUIDATION, 25, 0, "liquidation")                                       \
    X(AMENDED, 26, 0, "amended")                                               \
    X(TRIGGERED, 27, 0, "triggered")

typedef enum nx_sim_reason {
#define NX__SIM_REASON_ENUM(name, v, code, text) NX_SIM_R_##name = (v),
    NX_SIM_REASONS(NX__SIM_REASON_ENUM)
#undef NX__SIM_REASON_ENUM
} nx_sim_reason_t;

/* "insufficient_balance", ...; "?" for unknown values. */
NX_API const char *nx_sim_reason_name(int reason);
/* The venue error code of a reason (-2010, ...); 0 for non-errors. */
NX_API int32_t nx_sim_reason_code(int reason);

/* ------------------------------------------------------------------------- */
/* Matcher                                                                   */
/* ------------------------------------------------------------------------- */

/* Self-trade prevention: what happens when an incoming order would trade
 * with a resting order of the same owner (Binance's STP modes). */
typedef enum nx_sim_stp {
    NX_SIM_STP_NONE = 0,         /* self trades allowed */
    NX_SIM_STP_EXPIRE_TAKER = 1, /* the incoming order's remainder expires */
    NX_SIM_STP_EXPIRE_MAKER = 2, /* the resting order expires; matching goes on */
    NX_SIM_STP_EXPIRE_BOTH = 3   /* both */
} nx_sim_stp_t;

/* One execution between a resting (maker) and an incoming (taker) order. */
typedef struct nx_sim_fill {
    uint64_t maker_id, taker_id;     /* order ids */
    uint64_t maker_user, taker_user; /* opaque values given at add */
    uint32_t maker_owner, taker_owner;
    int64_t price;                   /* the maker's price */
    int64_t qty;
    int64_t maker_leaves, taker_leaves; /* after this fill */
} nx_sim_fill_t;

/* A resting order removed by the matcher itself (STP), not by the caller. */
typedef void (*nx_sim_fill_fn)(void *ctx, const nx_sim_fill_t *f);
typedef void (*nx_sim_expire_fn)(void *ctx, uint64_t id, uint64_t user, int64_t leaves,
                                 nx_sim_reason_t reason);

typedef struct nx_sim_matcher_opts {
    uint32_t capacity;       /* live orders, default 65536, ceiling 1<<22 */
    uint32_t max_levels;     /* price levels per side, default 65536 */
    uint32_t tag;            /* 0..1023, encoded into order ids (instrument slot) */
    nx_sim_stp_t stp;
    nx_sim_fill_fn on_fill;     /* may be NULL; called during add/amend */
    nx_sim_expire_fn on_expire; /* may be NULL; makers removed by STP */
    void *ctx;
} nx_sim_matcher_opts_t;

/* An order as given to the matcher: prices and quantities are mantissas. */
typedef struct nx_sim_order_req {
    uint32_t owner;   /* account; the self-trade unit */
    uint8_t side;     /* NX_SIDE_BUY / NX_SIDE_SELL */
    uint8_t type;     /* NX_ORD_MARKET or NX_ORD_LIMIT */
    uint8_t tif;      /* NX_TIF_GTC (also GTD/DAY: rests), NX_TIF_IOC, NX_TIF_FOK */
    uint8_t flags;    /* NX_ORDF_POST_ONLY honoured; others ignored */
    int64_t price;    /* > 0 for limits; ignored for market orders */
    int64_t qty;      /* > 0 */
    uint64_t user;    /* opaque, handed back in fills */
} nx_sim_order_req_t;

typedef enum nx_sim_match_status {
    NX_SIM_MATCH_RESTING = 1,     /* some or none filled, the rest rests */
    NX_SIM_MATCH_FILLED = 2,      /* completely filled */
    NX_SIM_MATCH_EXPIRED = 3,     /* IOC / market remainder expired (filled may be > 0) */
    NX_SIM_MATCH_FOK_KILLED = 4,  /* FOK could not fill completely: nothing traded */
    NX_SIM_MATCH_POST_ONLY = 5,   /* post-only would take: rejected, nothing changed */
    NX_SIM_MATCH_STP = 6,         /* remainder expired by self-trade prevention */
    NX_SIM_MATCH_CANCELLED = 7    /* amend to a quantity <= filled: order removed */
} nx_sim_match_status_t;

typedef struct nx_sim_match_result {
    uint64_t id;        /* the order's id (also for orders that did not rest) */
    int64_t filled;     /* quantity traded by this call */
    int64_t leaves;     /* open quantity resting after the call (0 if not resting) */
    nx_sim_match_status_t status;
} nx_sim_match_result_t;

/* Read-only view of a resting order. */
typedef struct nx_sim_order_view {
    uint64_t id, user;
    uint32_t owner;
    uint8_t side;
    int64_t price, qty, filled, leaves;
    uint64_t priority; /* arrival sequence: lower trades first at a price */
} nx_sim_order_view_t;

typedef struct nx_sim_matcher nx_sim_matcher_t;

NX_API void nx_sim_matcher_opts_default(nx_sim_matcher_opts_t *o);
/* Allocates everything up front: no allocation per operation afterwards. */
NX_API int nx_sim_matcher_new(const nx_sim_matcher_opts_t *o, nx_sim_matcher_t **out);
NX_API void nx_sim_matcher_free(nx_sim_matcher_t *m);

/*
 * Add an order. It first trades against resting orders of the other side,
 * best price first and, at a price, oldest first, at the resting order's
 * price; a limit stops at its price. Then: GTC/GTD/DAY limits rest; IOC and
 * market remainders expire; FOK trades only if it can fill completely
 * (checked before anything trades, walking the book as matching would,
 * self-trade prevention included); post-only is refused if it would trade
 * at all. Fills are reported through on_fill before this returns.
 * Returns NX_OK with *out written (also for expired and refused orders:
 * those are outcomes), NX_EINVAL (bad side/type/qty/price), NX_ELIMIT (no
 * order slot or price level left; nothing changed).
 */
NX_API int nx_sim_matcher_add(nx_sim_matcher_t *m, const nx_sim_order_req_t *req,
                              nx_sim_match_result_t *out);
/* Remove a resting order; *leaves (may be NULL) = its open quantity.
 * NX_ENOTFOUND if the id is not resting. */
NX_API int nx_sim_matcher_cancel(nx_sim_matcher_t *m, uint64_t id, int64_t *leaves);
/*
 * Amend a resting order to a new price and total quantity (filled + open).
 *   same price, quantity down   keeps its place in the queue;
 *   quantity <= filled          the order is removed (status CANCELLED);
 *   price change or quantity up loses priority: it re-enters as a new arrival
 *                               at the new price, and may trade (post-only:
 *                               refused with status POST_ONLY, nothing changed).
 * The id does not change. NX_ENOTFOUND, NX_EINVAL (price <= 0), NX_ELIMIT.
 */
NX_API int nx_sim_matcher_amend(nx_sim_matcher_t *m, uint64_t id, int64_t price, int64_t qty,
                                nx_sim_match_result_t *out);
/* Cancel every resting order of `owner` (UINT32_MAX: everyone's) in
 * priority order (bids best first, then asks); returns the number removed. */
NX_API size_t nx_sim_matcher_cancel_all(nx_sim_matcher_t *m, uint32_t owner);
/* Best level of a side: NX_ENOTFOUND when empty. */
NX_API int nx_sim_matcher_best(const nx_sim_matcher_t *m, nx_side_t side, int64_t *price,
                               int64_t *qty);
/* Up to n levels (price, total open qty), best first; returns the count. */
NX_API size_t nx_sim_matcher_depth(const nx_sim_matcher_t *m, nx_side_t side, int64_t *prices,
                                   int64_t *qtys, size_t n);
/* A resting order by id; NX_ENOTFOUND. */
NX_API int nx_sim_matcher_get(const nx_sim_matcher_t *m, uint64_t id, nx_sim_order_view_t *out);
/* Resting orders, and every order of one level in priority order (returns
 * the count written, at most n). */
NX_API size_t nx_sim_matcher_count(const nx_sim_matcher_t *m);
NX_API size_t nx_sim_matcher_level_orders(const nx_sim_matcher_t *m, nx_side_t side,
                                          int64_t price, uint64_t *ids, size_t n);

/* ------------------------------------------------------------------------- */
/* Models                                                                    */
/* ------------------------------------------------------------------------- */

/* Which market data fills orders. */
typedef enum nx_sim_fill_model {
    NX_SIM_FILL_BARS = 1,   /* BAR events: next open, intrabar path for stops/limits */
    NX_SIM_FILL_TRADES = 2, /* TRADE events: prints through (or at, after the queue) */
    NX_SIM_FILL_BOOK = 3    /* QUOTE and BOOK_DELTA events (+ TRADE for queues) */
} nx_sim_fill_model_t;

/* Queue position of our resting limits inside the market's level. */
typedef enum nx_sim_queue {
    NX_SIM_QUEUE_CONSERVATIVE = 0, /* fill only when the level trades through */
    NX_SIM_QUEUE_VOLUME = 1,       /* behind the displayed qty; trades at the level advance us */
    NX_SIM_QUEUE_PROB = 2          /* as VOLUME, and cancels at the level advance us pro rata */
} nx_sim_queue_t;

typedef enum nx_sim_lat_kind {
    NX_SIM_LAT_CONSTANT = 0,  /* ns */
    NX_SIM_LAT_LOGNORMAL = 1, /* median ns, sigma of log */
    NX_SIM_LAT_EMPIRICAL = 2  /* uniform draw from samples (copied) */
} nx_sim_lat_kind_t;

typedef struct nx_sim_latency {
    nx_sim_lat_kind_t kind;
    int64_t ns;              /* CONSTANT value / LOGNORMAL median */
    double sigma;            /* LOGNORMAL shape */
    int64_t cap_ns;          /* draws are clamped to [0, cap_ns] when cap_ns > 0 */
    const int64_t *samples;  /* EMPIRICAL; copied at nx_sim_new */
    uint32_t n_samples;
} nx_sim_latency_t;

typedef enum nx_sim_impact_model {
    NX_SIM_IMPACT_NONE = 0,
    NX_SIM_IMPACT_FIXED_BP = 1,    /* price moves against the taker by bp */
    NX_SIM_IMPACT_HALF_SPREAD = 2, /* the known half spread (book) or half_spread_bp */
    NX_SIM_IMPACT_SQRT = 3         /* gamma * sigma * sqrt(Q / ADV) of the price */
} nx_sim_impact_model_t;

typedef struct nx_sim_impact {
    nx_sim_impact_model_t model;
    double bp;             /* FIXED_BP */
    double half_spread_bp; /* HALF_SPREAD when no quote is known */
    double gamma;          /* SQRT */
    double sigma;          /* SQRT: daily volatility (fraction); 0: estimate from bars */
    double adv;            /* SQRT: average daily volume (base units); 0: estimate */
    int on_book;           /* also apply when walking an L2 book (default 0) */
} nx_sim_impact_t;

/* Fee schedule: tiers by the account's 30-day traded volume in the quote
 * asset; the last tier whose min_volume <= volume applies. */
#define NX_SIM_FEE_TIERS_MAX 8
typedef struct nx_sim_fee_tier {
    nx_dec_t min_volume; /* quote units */
    nx_dec_t maker;      /* fraction, < 0 is a rebate */
    nx_dec_t taker;
} nx_sim_fee_tier_t;

typedef enum nx_sim_fee_ccy {
    NX_SIM_FEE_QUOTE = 0,   /* fees in the quote (settle) asset */
    NX_SIM_FEE_RECEIVED = 1 /* spot: in the asset received (base on buys) */
} nx_sim_fee_ccy_t;

typedef struct nx_sim_fees {
    nx_sim_fee_tier_t tiers[NX_SIM_FEE_TIERS_MAX];
    uint32_t n_tiers;     /* 0: one tier from the instrument's maker/taker fees */
    nx_sim_fee_ccy_t ccy;
} nx_sim_fees_t;

/* ------------------------------------------------------------------------- */
/* Venue                                                                     */
/* ------------------------------------------------------------------------- */

typedef struct nx_sim_config {
    const char *name;            /* "sim"; topics exec.orders.<name>, exec.fills.<name> */
    nx_sim_fill_model_t fill;    /* default BARS */
    nx_sim_queue_t queue;        /* default CONSERVATIVE */
    int trade_volume_cap;        /* 1 (default): fills from one print <= its qty */
    double queue_power;          /* PROB model exponent, default 1 */
    int64_t bar_grace_ns;        /* orders arriving <= open + grace trade in that bar */
    nx_sim_latency_t lat_entry;  /* intent -> order live on the venue */
    nx_sim_latency_t lat_ack;    /* venue -> execution report seen by us */
    nx_sim_latency_t lat_cancel; /* cancel/amend request -> effective */
    nx_sim_latency_t lat_md;     /* exchange event -> our receive time */
    nx_sim_impact_t impact;
    nx_sim_stp_t stp;            /* default EXPIRE_MAKER */
    uint32_t max_open_orders;    /* per account and instrument, default 200 */
    uint32_t rate_limit;         /* new orders per window per account, 0 = off */
    int64_t rate_window_ns;      /* default 1 s */
    uint32_t max_orders;         /* live orders per instrument, default 65536 */
    uint32_t max_levels;         /* price levels per side, default 16384 */
    uint32_t max_pending;        /* delayed actions in flight, default 65536 */
    uint32_t max_client_ids;     /* remembered client ids (idempotency), default 65536 */
    uint32_t max_instruments;    /* default 64, ceiling 1024 */
    uint32_t max_assets;         /* default 64 */
    uint32_t max_accounts;       /* default 16 */
    nx_dec_t market_collar;      /* market buys lock ref price x (1 + collar); default 0.05 */
    uint64_t seed;
} nx_sim_config_t;

/* Per-instrument options. */
typedef struct nx_sim_instr_opts {
    nx_sim_fees_t fees;
    nx_dec_t leverage;     /* perpetuals: default 10 */
    nx_dec_t maint_margin; /* perpetuals: maintenance rate, default 0.005 */
    nx_dec_t liq_fee;      /* perpetuals: liquidation fee rate, default 0.005 */
} nx_sim_instr_opts_t;

typedef struct nx_sim_balance {
    int64_t total;  /* wallet balance, asset scale */
    int64_t locked; /* reserved by open orders */
    uint8_t scale;
} nx_sim_balance_t;

typedef struct nx_sim_position {
    int64_t qty;       /* signed, qty scale */
    int64_t cost;      /* signed entry notional, settle asset scale */
    int64_t realized;  /* realised PnL so far, settle asset scale */
    int64_t funding;   /* funding received (< 0 paid), settle asset scale */
} nx_sim_position_t;

typedef struct nx_sim_stats {
    uint64_t intents, acks, rejects, cancels, expires, fills, liquidations;
    uint64_t pending_peak, rate_limited, duplicates, stp_expired;
} nx_sim_stats_t;

typedef struct nx_sim nx_sim_t;

/* Every execution event the venue produces, in order (the record is borrowed
 * for the call). Return < 0 to fail the venue stickily. */
typedef int (*nx_sim_output_fn)(void *ctx, const nx_event_hdr_t *ev);

NX_API void nx_sim_config_default(nx_sim_config_t *c);
NX_API void nx_sim_instr_opts_default(nx_sim_instr_opts_t *o);
NX_API int nx_sim_new(const nx_sim_config_t *c, nx_sim_t **out);
NX_API void nx_sim_free(nx_sim_t *s);

/* Assets: a code ("USDT") and the scale balances are kept at. Ids from 1. */
NX_API int nx_sim_add_asset(nx_sim_t *s, const char *code, uint8_t scale, uint32_t *out_id);
/*
 * Trade an instrument (copied). Its base/quote/settle assets must exist with
 * scales >= the instrument's size/price precisions' needs (base scale >=
 * size precision). Spot, equity and fx trade with cash; perpetuals and
 * futures with margin in the settle asset. NX_EEXIST, NX_ECONFIG, NX_ELIMIT.
 */
NX_API int nx_sim_add_instrument(nx_sim_t *s, const nx_instrument_t *inst,
                                 const nx_sim_instr_opts_t *o);
/* Accounts: ids from 0; strategies route to account 0 unless routed. */
NX_API int nx_sim_add_account(nx_sim_t *s, uint32_t *out_id);
NX_API int nx_sim_route(nx_sim_t *s, uint32_t strategy, uint32_t account);
/* Credit (amount > 0) or debit an account (never below its free balance). */
NX_API int nx_sim_deposit(nx_sim_t *s, uint32_t account, uint32_t asset, nx_dec_t amount);
NX_API int nx_sim_balance(const nx_sim_t *s, uint32_t account, uint32_t asset,
                          nx_sim_balance_t *out);
NX_API int nx_sim_position(const nx_sim_t *s, uint32_t account, uint32_t instrument,
                           nx_sim_position_t *out);
/* Venue-side ledgers per asset: fees collected (rebates paid out are
 * negative), and the net flow to the outside market (fills against data,
 * PnL of margin trades, funding). Sum of accounts + fees + market = deposits. */
NX_API int nx_sim_ledger(const nx_sim_t *s, uint32_t asset, int64_t *fees, int64_t *market);
NX_API void nx_sim_get_stats(const nx_sim_t *s, nx_sim_stats_t *out);

NX_API void nx_sim_set_output(nx_sim_t *s, nx_sim_output_fn fn, void *ctx);

/*
 * Intents carry their action in nx_ev_order_intent_t.action (NX_ORDA_* in
 * event.h): NEW places an order (intent_id is its client id); CANCEL and
 * AMEND name the target's client id in intent_id (AMEND: new price and total
 * qty in price/qty); CANCEL_ALL cancels the routed account's orders on
 * `instrument` (UINT32_MAX: every instrument). Fills carry NX_FILLF_* flags.
 */

/*
 * Feed one event (borrowed for the call); h.ts_recv is the time. Handles
 * ORDER_INTENT, TRADE, QUOTE, BOOK_DELTA, BAR, FUNDING of known instruments;
 * other types only advance time. Delayed actions due at or before the event
 * are processed first. Returns NX_OK, or a sticky failure code (NX_ELIMIT
 * when the pending queue or a book is full, the output's code).
 */
NX_API int nx_sim_handle(nx_sim_t *s, const nx_event_hdr_t *ev);
/* Process delayed actions due at or before now. */
NX_API int nx_sim_advance(nx_sim_t *s, nx_ts_t now);
/* Earliest pending action time; NX_ENOTFOUND when none. */
NX_API int nx_sim_next_due(const nx_sim_t *s, nx_ts_t *out);

/*
 * Make the venue a kernel component: subscribe to `intents` (default
 * "exec.intents") and `market` (default "md.*"), emit reports on
 * exec.orders.<name> and fills on exec.fills.<name>, and wake itself for
 * delayed actions with one kernel timer on timer.sim.<name>. The kernel is
 * borrowed and must outlive the venue's use of it.
 */
NX_API int nx_sim_attach(nx_sim_t *s, nx_kernel_t *k, const char *intents, const char *market);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_SIM_H */
