/*
 * nexus/event.h — the event records that flow through the kernel and journal.
 *
 * Every event is a fixed-size plain struct for its type, starting with the
 * 48-byte header below, little-endian, 8-byte aligned, sizes a multiple of 8,
 * no pointers. The same bytes sit in rings, in the journal and in memory, so
 * a journal replays without decoding. Fields are public and read-only once an
 * event is published.
 *
 * Money fields are raw int64 mantissas; each record names the scale of its
 * prices and quantities (price_scale, qty_scale), so a record is exact and
 * self-describing: price 10000000 at price_scale 2 is 100000.00.
 *
 * Header (all events):
 *
 *   offset size field         meaning
 *   ------ ---- ------------- -------------------------------------------------
 *        0    8 ts_venue      venue/exchange timestamp, ns UTC (0 if none)
 *        8    8 ts_recv       local receive time, ns UTC; the kernel's ordering
 *                             key and the simulated clock's time in backtests
 *       16    8 seq           kernel sequence number, 1, 2, ... (set by kernel)
 *       24    8 trace_id      seq of the root event of this causal chain
 *       32    8 causation_id  seq of the event that directly caused this one
 *                             (0 for events from outside: market data, timers)
 *       40    2 type          NX_EV_* below
 *       42    2 size          total record size in bytes incl. header
 *       44    4 topic         topic id interned by the kernel (see kernel.h);
 *                             a TOPIC_DEF event names it in the journal
 *
 * Any fill traces back to the market event that caused it: follow
 * causation_id; all events of one chain share trace_id.
 */
#ifndef NEXUS_EVENT_H
#define NEXUS_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nx_event_hdr {
    int64_t ts_venue;
    int64_t ts_recv;
    uint64_t seq;
    uint64_t trace_id;
    uint64_t causation_id;
    uint16_t type;
    uint16_t size;
    uint32_t topic;
} nx_event_hdr_t;

/* Largest record of any type; rings use slots of this size. */
#define NX_EVENT_MAX 256

/* Event types, grouped by family in the high byte. */
#define NX_EVENT_TYPES(X)                                                      \
    /* meta */                                                                 \
    X(TOPIC_DEF, 0x0001, topic_def, nx_ev_topic_def_t)                         \
    X(SESSION, 0x0002, session, nx_ev_session_t)                               \
    /* market */                                                               \
    X(TRADE, 0x0101, trade, nx_ev_trade_t)                                     \
    X(QUOTE, 0x0102, quote, nx_ev_quote_t)                                     \
    X(BOOK_DELTA, 0x0103, book_delta, nx_ev_book_delta_t)                      \
    X(BAR, 0x0104, bar, nx_ev_bar_t)                                           \
    X(FUNDING, 0x0105, funding, nx_ev_funding_t)                               \
    /* decision */                                                             \
    X(SIGNAL, 0x0201, signal, nx_ev_signal_t)                                  \
    X(ORDER_INTENT, 0x0202, order_intent, nx_ev_order_intent_t)                \
    X(RISK_DECISION, 0x0203, risk_decision, nx_ev_risk_decision_t)             \
    X(REGIME, 0x0204, regime, nx_ev_regime_t)                                  \
    /* execution */                                                            \
    X(ORDER_ACK, 0x0301, order_ack, nx_ev_order_t)                             \
    X(ORDER_REJECT, 0x0302, order_reject, nx_ev_order_t)                       \
    X(ORDER_CANCEL, 0x0303, order_cancel, nx_ev_order_t)                       \
    X(ORDER_EXPIRE, 0x0304, order_expire, nx_ev_order_t)                       \
    X(FILL, 0x0305, fill, nx_ev_fill_t)                                        \
    /* state */                                                                \
    X(POSITION, 0x0401, position, nx_ev_position_t)                            \
    X(PNL, 0x0402, pnl, nx_ev_pnl_t)                                           \
    X(MODE_CHANGE, 0x0403, mode_change, nx_ev_mode_t)                          \
    X(KILL, 0x0404, kill, nx_ev_kill_t)                                        \
    /* intel */                                                                \
    X(INTEL, 0x0501, intel, nx_ev_intel_t)                                     \
    /* timer */                                                                \
    X(TIMER, 0x0601, timer, nx_ev_timer_t)                                     \
    /* telemetry */                                                            \
    X(TELEMETRY, 0x0701, telemetry, nx_ev_telemetry_t)

enum nx_event_type {
    NX_EV_NONE = 0,
#define NX__EV_ENUM(NAME, code, name, type) NX_EV_##NAME = (code),
    NX_EVENT_TYPES(NX__EV_ENUM)
#undef NX__EV_ENUM
};

#define NX_EV_FAMILY(type) ((uint16_t)((type) >> 8))
enum nx_event_family {
    NX_FAMILY_META = 0x00,
    NX_FAMILY_MARKET = 0x01,
    NX_FAMILY_DECISION = 0x02,
    NX_FAMILY_EXECUTION = 0x03,
    NX_FAMILY_STATE = 0x04,
    NX_FAMILY_INTEL = 0x05,
    NX_FAMILY_TIMER = 0x06,
    NX_FAMILY_TELEMETRY = 0x07
};

/* Common small enums. */
typedef enum nx_side { NX_SIDE_NONE = 0, NX_SIDE_BUY = 1, NX_SIDE_SELL = 2 } nx_side_t;
typedef enum nx_ord_type {
    NX_ORD_MARKET = 1,
    NX_ORD_LIMIT,
    NX_ORD_STOP_MARKET,
    NX_ORD_STOP_LIMIT,
    NX_ORD_TAKE_PROFIT,
    NX_ORD_TAKE_PROFIT_LIMIT,
    NX_ORD_TRAILING_STOP
} nx_ord_type_t;
typedef enum nx_tif {
    NX_TIF_GTC = 1,
    NX_TIF_IOC,
    NX_TIF_FOK,
    NX_TIF_GTD,
    NX_TIF_DAY
} nx_tif_t;
/* nx_ev_order_intent_t.flags */
#define NX_ORDF_POST_ONLY 0x01u
#define NX_ORDF_REDUCE_ONLY 0x02u
#define NX_ORDF_OCO 0x04u      /* linked with link_id; one fills, the other cancels */
#define NX_ORDF_BRACKET 0x08u  /* child of a bracket entry given by link_id */
#define NX_ORDF_TRAIL_PCT 0x10u /* trailing offset in stop_price is basis points */
/* nx_ev_order_intent_t.action: what the intent asks of the venue. NEW places
 * an order (intent_id is its client id); CANCEL and AMEND name the target
 * order's intent id in intent_id (AMEND: new price and total qty);
 * CANCEL_ALL cancels the account's orders on `instrument` (UINT32_MAX: all). */
#define NX_ORDA_NEW 0u
#define NX_ORDA_CANCEL 1u
#define NX_ORDA_AMEND 2u
#define NX_ORDA_CANCEL_ALL 3u
/* nx_ev_trade_t.flags */
#define NX_TRADEF_SUSPICIOUS 0x01u   /* the data vendor marked the print (Lean) */
#define NX_TRADEF_SYNTHETIC_ID 0x02u /* the source has no trade ids: trade_id = ts_ns + the
                                        row's occurrence within its timestamp (data.md) */
/* nx_ev_fill_t.flags */
#define NX_FILLF_LIQUIDATION 0x01u /* a forced close of a margin account */
#define NX_FILLF_TRIGGERED 0x02u   /* a stop or take-profit that triggered */
typedef enum nx_liquidity { NX_LIQ_NONE = 0, NX_LIQ_MAKER = 1, NX_LIQ_TAKER = 2 } nx_liquidity_t;
typedef enum nx_book_action {
    NX_BOOK_SET = 1,    /* set the level's total quantity (0 removes it) */
    NX_BOOK_DELETE = 2, /* remove the level */
    NX_BOOK_CLEAR = 3   /* clear the whole book (start of a snapshot) */
} nx_book_action_t;
/* nx_ev_book_delta_t.flags */
#define NX_BOOKF_SNAPSHOT 0x01u /* part of a snapshot */
#define NX_BOOKF_LAST 0x02u     /* last delta of a batch: the book is consistent */
#define NX_BOOKF_PU 0x0100u     /* aux = U - pu (Binance futures: the previous batch's u) */
#define NX_BOOKF_CHECKSUM 0x0200u /* aux = the venue's CRC32 of the book after this batch */
typedef enum nx_mode {
    NX_MODE_ACTIVE = 1,   /* normal trading */
    NX_MODE_REDUCING = 2, /* only exposure-reducing orders */
    NX_MODE_HALTED = 3    /* nothing new; cancels allowed */
} nx_mode_t;
typedef enum nx_scope {
    NX_SCOPE_GLOBAL = 0,
    NX_SCOPE_STRATEGY = 1,
    NX_SCOPE_VENUE = 2,
    NX_SCOPE_INSTRUMENT = 3
} nx_scope_t;
typedef enum nx_run_mode {
    NX_RUN_BACKTEST = 1,
    NX_RUN_PAPER = 2,
    NX_RUN_LIVE = 3,
    NX_RUN_REPLAY = 4
} nx_run_mode_t;

/*
 * TOPIC_DEF (128 bytes): the kernel journals one when it interns a topic, so
 * a journal alone can be read with topic names.
 *   48  4 topic_id   56 72 name (NUL-padded, NUL-terminated)
 *   52  2 name_len   54 2 reserved
 */
#define NX_TOPIC_NAME_MAX 71
typedef struct nx_ev_topic_def {
    nx_event_hdr_t h;
    uint32_t topic_id;
    uint16_t name_len;
    uint16_t reserved;
    char name[NX_TOPIC_NAME_MAX + 1];
} nx_ev_topic_def_t;

/*
 * SESSION (96 bytes): first event of a run.
 *   48 1 mode (nx_run_mode_t)  49 7 reserved
 *   56 8 seed                  64 8 config_hash (first 8 bytes, FNV-1a 64)
 *   72 8 start_ts              80 4 format_version  84 4 reserved
 *   88 8 flags
 */
typedef struct nx_ev_session {
    nx_event_hdr_t h;
    uint8_t mode;
    uint8_t reserved[7];
    uint64_t seed;
    uint64_t config_hash;
    int64_t start_ts;
    uint32_t format_version;
    uint32_t reserved2;
    uint64_t flags;
} nx_ev_session_t;

/*
 * TRADE (80 bytes): one print on the venue.
 *   48 4 instrument   52 1 aggressor (nx_side_t; NONE if unknown)
 *   53 1 price_scale  54 1 qty_scale  55 1 flags
 *   56 8 price        64 8 qty        72 8 trade_id (venue's id, 0 if none)
 */
typedef struct nx_ev_trade {
    nx_event_hdr_t h;
    uint32_t instrument;
    uint8_t aggressor;
    uint8_t price_scale;
    uint8_t qty_scale;
    uint8_t flags;
    int64_t price;
    int64_t qty;
    uint64_t trade_id;
} nx_ev_trade_t;

/*
 * QUOTE (96 bytes): best bid/offer.
 *   48 4 instrument   52 1 price_scale  53 1 qty_scale  54 2 flags
 *   56 8 bid_price    64 8 bid_qty      72 8 ask_price  80 8 ask_qty
 *   88 8 update_id (venue's book update id, 0 if none)
 */
typedef struct nx_ev_quote {
    nx_event_hdr_t h;
    uint32_t instrument;
    uint8_t price_scale;
    uint8_t qty_scale;
    uint16_t flags;
    int64_t bid_price;
    int64_t bid_qty;
    int64_t ask_price;
    int64_t ask_qty;
    uint64_t update_id;
} nx_ev_quote_t;

/*
 * BOOK_DELTA (96 bytes): one L2 level change. A snapshot is a CLEAR followed
 * by SET deltas flagged NX_BOOKF_SNAPSHOT; the last delta of any batch has
 * NX_BOOKF_LAST, after which the book is consistent.
 *   48 4 instrument   52 1 side  53 1 action (nx_book_action_t)
 *   54 1 price_scale  55 1 qty_scale  56 4 flags  60 4 aux (see the flags)
 *   64 8 price        72 8 qty (new total at the level)
 *   80 8 update_id (venue u)  88 8 first_update_id (venue U, or pu)
 */
typedef struct nx_ev_book_delta {
    nx_event_hdr_t h;
    uint32_t instrument;
    uint8_t side;
    uint8_t action;
    uint8_t price_scale;
    uint8_t qty_scale;
    uint32_t flags;
    uint32_t aux;
    int64_t price;
    int64_t qty;
    uint64_t update_id;
    uint64_t first_update_id;
} nx_ev_book_delta_t;

/*
 * BAR (112 bytes). h.ts_venue is the bar's open time; the bar is published
 * once closed, with h.ts_recv >= open + interval, so nothing sees a bar
 * before it could exist.
 *   48 4 instrument  52 1 price_scale  53 1 qty_scale  54 2 flags
 *   56 8 interval_ns (0 for tick/volume/dollar bars)
 *   64 8 open  72 8 high  80 8 low  88 8 close  96 8 volume  104 8 trades
 */
typedef struct nx_ev_bar {
    nx_event_hdr_t h;
    uint32_t instrument;
    uint8_t price_scale;
    uint8_t qty_scale;
    uint16_t flags;
    int64_t interval_ns;
    int64_t open;
    int64_t high;
    int64_t low;
    int64_t close;
    int64_t volume;
    uint64_t trades;
} nx_ev_bar_t;

/*
 * FUNDING (88 bytes): a perpetual's funding rate at a funding time.
 *   48 4 instrument  52 1 rate_scale  53 1 price_scale  54 2 reserved
 *   56 8 rate (fraction, e.g. 0.0001 = 1 bp, at rate_scale)
 *   64 8 mark_price  72 8 funding_ts  80 8 next_funding_ts
 */
typedef struct nx_ev_funding {
    nx_event_hdr_t h;
    uint32_t instrument;
    uint8_t rate_scale;
    uint8_t price_scale;
    uint16_t reserved;
    int64_t rate;
    int64_t mark_price;
    int64_t funding_ts;
    int64_t next_funding_ts;
} nx_ev_funding_t;

/* nx_ev_signal_t.flags */
#define NX_SIGF_TARGET 0x01u /* target_qty is an explicit target, not left to sizing */
/*
 * SIGNAL (80 bytes): a strategy's view. confidence is a statistic (double).
 *   48 4 strategy  52 4 instrument  56 1 direction (-1, 0, +1 as int8)
 *   57 1 qty_scale 58 2 flags       60 4 reserved
 *   64 8 confidence (0..1)          72 8 target_qty (signed position target)
 */
typedef struct nx_ev_signal {
    nx_event_hdr_t h;
    uint32_t strategy;
    uint32_t instrument;
    int8_t direction;
    uint8_t qty_scale;
    uint16_t flags;
    uint32_t reserved;
    double confidence;
    int64_t target_qty;
} nx_ev_signal_t;

/*
 * ORDER_INTENT (112 bytes): what a strategy wants, before risk.
 *   48 8 intent_id (nx_intent_id)   56 4 strategy   60 4 instrument
 *   64 1 side  65 1 ord_type  66 1 tif  67 1 price_scale  68 1 qty_scale
 *   69 1 flags (NX_ORDF_*)    70 1 action (NX_ORDA_*)
 *   71 1 reason (why the strategy runtime made it: nx_exit_reason_t in
 *        strategy.h; 0 for entries)
 *   72 8 price (limit)  80 8 stop_price (trigger, or trail offset)
 *   88 8 qty            96 8 expire_ts (GTD)   104 8 link_id (OCO/bracket)
 */
typedef struct nx_ev_order_intent {
    nx_event_hdr_t h;
    uint64_t intent_id;
    uint32_t strategy;
    uint32_t instrument;
    uint8_t side;
    uint8_t ord_type;
    uint8_t tif;
    uint8_t price_scale;
    uint8_t qty_scale;
    uint8_t flags;
    uint8_t action;
    uint8_t reason;
    int64_t price;
    int64_t stop_price;
    int64_t qty;
    int64_t expire_ts;
    uint64_t link_id;
} nx_ev_order_intent_t;

/*
 * RISK_DECISION (88 bytes): approve or deny an intent, with reasons.
 *   48 8 intent_id  56 1 approved (0/1)  57 1 mode (nx_mode_t at decision)
 *   58 1 qty_scale  59 1 reserved  60 4 strategy
 *   64 8 reasons (bit set of risk reason codes, defined by the risk module)
 *   72 8 approved_qty   80 8 limit_value (the limit that bound, raw)
 */
typedef struct nx_ev_risk_decision {
    nx_event_hdr_t h;
    uint64_t intent_id;
    uint8_t approved;
    uint8_t mode;
    uint8_t qty_scale;
    uint8_t reserved;
    uint32_t strategy;
    uint64_t reasons;
    int64_t approved_qty;
    int64_t limit_value;
} nx_ev_risk_decision_t;

/*
 * REGIME (104 bytes): the regime detector's published label changed
 * (nexus/regime.h; labels are nx_regime_label_t). Published on
 * `regime.<venue>.<symbol>`.
 *   48 4 instrument  52 1 label  53 1 prev_label
 *   54 1 source (0 none, 1 rules, 2 hmm)  55 1 state (HMM state, 0xFF none)
 *   56 4 held_bars (bars the previous label was held)  60 1 nstates  61 3 reserved
 *   64 8 confidence (double)  72 32 posterior[4] (double, 0 beyond nstates)
 */
typedef struct nx_ev_regime {
    nx_event_hdr_t h;
    uint32_t instrument;
    uint8_t label;
    uint8_t prev_label;
    uint8_t source;
    uint8_t state;
    uint32_t held_bars;
    uint8_t nstates;
    uint8_t reserved[3];
    double confidence;
    double posterior[4];
} nx_ev_regime_t;

/*
 * ORDER_ACK / ORDER_REJECT / ORDER_CANCEL / ORDER_EXPIRE (104 bytes).
 *   48 8 intent_id  56 8 venue_order_id  64 4 instrument
 *   68 1 side  69 1 price_scale  70 1 qty_scale  71 1 reason (module-defined)
 *   72 8 price  80 8 qty  88 8 leaves_qty
 *   96 4 venue_code (venue's numeric error code, e.g. -2010)  100 4 reserved
 */
typedef struct nx_ev_order {
    nx_event_hdr_t h;
    uint64_t intent_id;
    uint64_t venue_order_id;
    uint32_t instrument;
    uint8_t side;
    uint8_t price_scale;
    uint8_t qty_scale;
    uint8_t reason;
    int64_t price;
    int64_t qty;
    int64_t leaves_qty;
    int32_t venue_code;
    uint32_t reserved;
} nx_ev_order_t;

/*
 * FILL (120 bytes).
 *   48 8 intent_id  56 8 venue_order_id  64 4 instrument
 *   68 1 side  69 1 liquidity  70 1 price_scale  71 1 qty_scale
 *   72 8 price  80 8 qty  88 8 leaves_qty
 *   96 8 fee (negative = rebate)  104 1 fee_scale  105 1 flags (NX_FILLF_*)
 *   106 2 reserved
 *   108 4 fee_asset (asset id)   112 8 trade_id
 */
typedef struct nx_ev_fill {
    nx_event_hdr_t h;
    uint64_t intent_id;
    uint64_t venue_order_id;
    uint32_t instrument;
    uint8_t side;
    uint8_t liquidity;
    uint8_t price_scale;
    uint8_t qty_scale;
    int64_t price;
    int64_t qty;
    int64_t leaves_qty;
    int64_t fee;
    uint8_t fee_scale;
    uint8_t flags;
    uint8_t reserved[2];
    uint32_t fee_asset;
    uint64_t trade_id;
} nx_ev_fill_t;

/*
 * POSITION (96 bytes).
 *   48 4 strategy  52 4 instrument  56 1 qty_scale  57 1 price_scale
 *   58 1 money_scale  59 5 reserved
 *   64 8 qty (signed)  72 8 avg_price  80 8 realized_pnl  88 8 unrealized_pnl
 */
typedef struct nx_ev_position {
    nx_event_hdr_t h;
    uint32_t strategy;
    uint32_t instrument;
    uint8_t qty_scale;
    uint8_t price_scale;
    uint8_t money_scale;
    uint8_t reserved[5];
    int64_t qty;
    int64_t avg_price;
    int64_t realized_pnl;
    int64_t unrealized_pnl;
} nx_ev_position_t;

/*
 * PNL (104 bytes): account or strategy totals in one currency.
 *   48 4 strategy (0 = whole account)  52 4 currency (asset id)
 *   56 1 money_scale  57 7 reserved
 *   64 8 equity  72 8 cash  80 8 realized  88 8 unrealized  96 8 fees
 */
typedef struct nx_ev_pnl {
    nx_event_hdr_t h;
    uint32_t strategy;
    uint32_t currency;
    uint8_t money_scale;
    uint8_t reserved[7];
    int64_t equity;
    int64_t cash;
    int64_t realized;
    int64_t unrealized;
    int64_t fees;
} nx_ev_pnl_t;

/*
 * MODE_CHANGE (64 bytes) and KILL (64 bytes).
 *   48 1 scope (nx_scope_t)  49 1 old_mode / engaged (KILL: 1 on, 0 off)
 *   50 1 new_mode            51 1 reserved  52 4 scope_id
 *   56 4 reason (module-defined)  60 4 reserved
 */
typedef struct nx_ev_mode {
    nx_event_hdr_t h;
    uint8_t scope;
    uint8_t old_mode;
    uint8_t new_mode;
    uint8_t reserved;
    uint32_t scope_id;
    uint32_t reason;
    uint32_t reserved2;
} nx_ev_mode_t;

typedef struct nx_ev_kill {
    nx_event_hdr_t h;
    uint8_t scope;
    uint8_t engaged;
    uint8_t reserved[2];
    uint32_t scope_id;
    uint32_t reason;
    uint32_t reserved2;
} nx_ev_kill_t;

/*
 * INTEL (104 bytes): a scored, budgeted piece of outside information.
 *   48 4 intel_topic (taxonomy id)  52 4 provider  56 4 instrument (0 = any)
 *   60 1 cost_scale  61 3 reserved
 *   64 8 ttl_ns  72 8 score (double, -1..1)  80 8 confidence (double, 0..1)
 *   88 8 cost (money spent obtaining it, at cost_scale)  96 8 content_hash
 */
typedef struct nx_ev_intel {
    nx_event_hdr_t h;
    uint32_t intel_topic;
    uint32_t provider;
    uint32_t instrument;
    uint8_t cost_scale;
    uint8_t reserved[3];
    int64_t ttl_ns;
    double score;
    double confidence;
    int64_t cost;
    uint64_t content_hash;
} nx_ev_intel_t;

/*
 * TIMER (64 bytes): a timer fired. h.ts_recv is the deadline it fired for.
 *   48 8 timer_id  56 8 user (the value given when the timer was armed)
 */
typedef struct nx_ev_timer {
    nx_event_hdr_t h;
    uint64_t timer_id;
    uint64_t user;
} nx_ev_timer_t;

/*
 * TELEMETRY (72 bytes): one metric sample. A statistic, so double.
 *   48 4 metric (id)  52 4 component (id)  56 8 value  64 8 count
 */
typedef struct nx_ev_telemetry {
    nx_event_hdr_t h;
    uint32_t metric;
    uint32_t component;
    double value;
    uint64_t count;
} nx_ev_telemetry_t;

/* Any event, for buffers and rings. */
typedef union nx_event {
    nx_event_hdr_t h;
#define NX__EV_UNION(NAME, code, name, type) type name;
    NX_EVENT_TYPES(NX__EV_UNION)
#undef NX__EV_UNION
    unsigned char bytes[NX_EVENT_MAX];
} nx_event_t;

/* "trade", "order_intent", ... ; NULL for unknown types. */
NX_API const char *nx_event_type_name(uint16_t type);
/* Type from its name; NX_EV_NONE if unknown. */
NX_API uint16_t nx_event_type_from_name(const char *name);
/* Record size for a known type; 0 for unknown types. */
NX_API uint16_t nx_event_size_of(uint16_t type);
/*
 * Structural check of untrusted bytes (journal, rings from other processes):
 * len >= 48, h.size == len, size multiple of 8 and <= NX_EVENT_MAX, and for a
 * known type size equals its record size; TOPIC_DEF names NUL-terminated.
 * Unknown types of sane size are accepted (forward compatibility).
 */
NX_API int nx_event_check(const void *rec, size_t len);
/* Zero a record and set type and size. */
NX_API void nx_event_init(nx_event_t *ev, uint16_t type);

/*
 * Topic-name resolver for JSON output; returns NULL when unknown.
 */
typedef const char *(*nx_topic_name_fn)(void *ctx, uint32_t topic);

/*
 * One JSON object, no newline: {"seq":1,"type":"trade","ts_venue":"...",
 * ...,"price":"100000.00",...}. Prices and quantities are exact decimal
 * strings. Returns the length written (always < cap, NUL-terminated), or
 * NX_ELIMIT if cap is too small (< 1024 is never enough to be sure).
 */
NX_API int nx_event_to_json(const void *rec, nx_topic_name_fn names, void *ctx, char *buf,
                            size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_EVENT_H */
