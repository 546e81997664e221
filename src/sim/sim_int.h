/*
 * src/sim/sim_int.h — the one small internal interface the simulated venue's
 * sibling files share:
 *
 *   matcher.c    order pool, price levels, price-time matching, STP
 *   orders.c     order types: triggers, trailing stops, OCO, brackets, expiry
 *   fill_bars.c  BAR fill model (next open, intrabar path)
 *   fill_ticks.c TRADE fill model (prints through / queue)
 *   fill_book.c  QUOTE/BOOK_DELTA fill model (market L2 copy, walk, queue)
 *   latency.c    latency draws and the time-ordered queue of delayed actions
 *   fees.c       tiered maker/taker fees, 30-day volume, funding
 *   impact.c     slippage and square-root impact (doubles -> whole ticks)
 *   account.c    spot cash and margin accounts, locks, settlement, liquidation
 *   venue.c      nx_sim_t: rules, rejects, routing, reports, kernel component
 *
 * Not installed; nothing outside src/sim includes it.
 */
#ifndef NX_SIM_INT_H
#define NX_SIM_INT_H

#include <stddef.h>

#include "nexus/book.h"
#include "nexus/sim.h"

#define NX__NIL 0xFFFFFFFFu
/* An OCO leg whose partner traded: the matcher removes it instead of
 * filling it (order flags bit beyond NX_ORDF_*). */
#define NX__F_DEAD 0x80u

/* Order states. */
enum {
    NX__OS_FREE = 0,
    NX__OS_RESTING = 1, /* in a matcher price level */
    NX__OS_WAITING = 2, /* live but not in the book: untriggered stop, pending market */
    NX__OS_HELD = 3,    /* bracket child waiting for its parent */
    NX__OS_TAKING = 4,  /* allocated, being matched (not yet resting) */
    NX__OS_DONE = 5     /* out of the book (filled, STP, unlinked); about to be released */
};

/*
 * One order. The matcher uses the first cache line only (the ids, price,
 * quantities, arrival sequence, owner and the flag bytes); the venue the
 * rest. The FIFO links live apart, in the matcher's lk[] (8 bytes a slot):
 * unlinking an order touches its neighbours' links, not their orders.
 * The pool is 64-byte aligned and the struct a multiple of 64 bytes, so a
 * cancel or a fill touches one line of each order it visits: with a large
 * book of resting orders that is what decides the speed (the other lines
 * stay out of the caches).
 * Prices and quantities are mantissas at the instrument's scales; `locked`
 * is at the scale of lock_asset.
 */
typedef struct nx__sim_order {
    /* --- cache line 0: matcher (and the venue's hot flags) --- */
    _Alignas(64) uint64_t id; /* venue order id (0: free slot) */
    uint64_t user;     /* client id (intent id) */
    int64_t price;     /* limit price; 0 for market */
    int64_t qty;       /* total quantity */
    int64_t filled;
    uint64_t seq;      /* arrival sequence: time priority */
    uint32_t owner;    /* account */
    uint8_t side, type, tif, flags;
    uint8_t state;
    uint8_t ord_type;  /* nx_ord_type_t as submitted */
    uint8_t triggered; /* stop/take-profit/trailing has triggered */
    uint8_t taker_only; /* waiting for market data as a taker (market / triggered stop) */
    uint8_t closed;    /* bookkeeping done (unlocked, counted, reported) */
    uint8_t cur_flags; /* NX_FILLF_* of the fill being settled */
    uint8_t pad_[2];
    /* --- venue (FIFO links are in the matcher's lk[], by slot) --- */
    uint32_t strategy;
    uint32_t lock_asset;
    int64_t stop;      /* trigger price, or trailing offset (ticks or bp) */
    int64_t mark;      /* trailing watermark; 0 unset */
    int64_t ahead;     /* market queue ahead of us (qty) */
    int64_t seen;      /* market level qty last accounted for the queue */
    int64_t locked;    /* reserved for this order */
    int64_t child_qty; /* bracket child: quantity released by the parent */
    int64_t protect;   /* market-type buy: never fill above (collar) */
    int64_t path_t0;   /* BARS: path time from which this order is live in bar_id */
    uint64_t bar_id;
    nx_ts_t arrival;   /* when the order became live on the venue */
    nx_ts_t expire;    /* GTD */
    uint64_t link;     /* OCO partner id (0 none) */
    uint64_t parent;   /* bracket parent id (children) */
    uint64_t child[2]; /* bracket children (parent) */
    uint64_t cause;    /* seq of the intent that created it (for reports) */
    uint64_t trace;    /* that intent's trace id */
} nx__sim_order_t;
_Static_assert(offsetof(nx__sim_order_t, strategy) == 64, "matcher fields fill cache line 0");
_Static_assert(sizeof(nx__sim_order_t) % 64 == 0, "orders are whole cache lines");

/* ------------------------------------------------------------------------- */
/* matcher.c                                                                 */
/* ------------------------------------------------------------------------- */

typedef struct nx__mlevel {
    int64_t price;
    int64_t qty; /* open quantity at this price */
    uint32_t head, tail;
} nx__mlevel_t;

/* A side's levels sorted by key (bid: price, ask: -price), best at the END,
 * so that top-of-book inserts and removals move little memory. */
typedef struct nx__mside {
    nx__mlevel_t *lv;
    uint32_t n;
} nx__mside_t;

/*
 * Price -> index hints for the sorted level arrays (the matcher's levels and
 * the venue's copy of the market book), so that finding the level of a price
 * near the touch is one load and one compare instead of a binary search.
 * One bucket per price modulo NX__LVH_SIZE: `idx` is where a level of that
 * bucket was last put (kept up to date when levels shift in the array),
 * `cnt` how many levels fall in the bucket. A hint is always checked
 * against the array before use (an aliasing price may have overwritten it)
 * with the binary search as the fallback; cnt == 0 proves a price absent.
 */
#define NX__LVH_SIZE 1024u
#define NX__LVH_MASK (NX__LVH_SIZE - 1u)
typedef struct nx__lvh {
    uint32_t idx;
    uint32_t cnt;
} nx__lvh_t;
static inline nx__lvh_t *nx__lvh_at(nx__lvh_t *t, int64_t price) {
    return &t[(uint64_t)price & NX__LVH_MASK];
}

/* An order's place in a level FIFO (or the venue's waiting list), by slot. */
typedef struct nx__link {
    uint32_t prev, next;
} nx__link_t;

struct nx_sim_matcher {
    nx_sim_matcher_opts_t o;
    nx__sim_order_t *pool; /* 64-byte aligned inside pool_mem */
    void *pool_mem;
    uint32_t *gen;
    uint32_t *freel;
    uint32_t nfree;
    uint32_t resting;
    nx__mside_t s[2]; /* [0] bids, [1] asks */
    nx__lvh_t *lvh;   /* [2][NX__LVH_SIZE] level-index hints per side */
    nx__link_t *lk;   /* FIFO links per slot */
    uint64_t seq;
    uint32_t dead;    /* orders flagged NX__F_DEAD (disables a fast path) */
};

static inline int nx__sidx(uint8_t side) { return side == NX_SIDE_SELL; }
/* 1 if a taker on `side` limited at `limit` (0 = market) crosses `price`. */
static inline int nx__crosses(uint8_t side, int64_t limit, int64_t price) {
    if (limit == 0) return 1;
    return side == NX_SIDE_BUY ? price <= limit : price >= limit;
}

nx__sim_order_t *nx__m_alloc(nx_sim_matcher_t *m);
void nx__m_release(nx_sim_matcher_t *m, nx__sim_order_t *o);
void nx__m_mark_dead(nx_sim_matcher_t *m, nx__sim_order_t *o);
nx__sim_order_t *nx__m_find(const nx_sim_matcher_t *m, uint64_t id);
static inline uint32_t nx__m_slot(const nx_sim_matcher_t *m, const nx__sim_order_t *o) {
    return (uint32_t)(o - m->pool);
}
/* o's FIFO links. */
static inline nx__link_t *nx__m_lk(const nx_sim_matcher_t *m, const nx__sim_order_t *o) {
    return &m->lk[nx__m_slot(m, o)];
}
/* Take liquidity for o (state TAKING) up to `limit` (0: market) — FOK,
 * post-only and STP included. Does not rest or release o. */
void nx__m_take(nx_sim_matcher_t *m, nx__sim_order_t *o, int64_t limit,
                nx_sim_match_result_t *r);
/* Quantity a taker could trade internally (FOK walk), up to need. */
int64_t nx__m_available(const nx_sim_matcher_t *m, const nx__sim_order_t *o, int64_t limit,
                        int64_t need);
/* Rest o at o->price at the back of its level: NX_ELIMIT without a level. */
int nx__m_rest(nx_sim_matcher_t *m, nx__sim_order_t *o);
/* Remove o from its level (state becomes DONE). */
void nx__m_unlink(nx_sim_matcher_t *m, nx__sim_order_t *o);
/* Reduce a resting order's open quantity by q after an outside fill. */
void nx__m_reduce(nx_sim_matcher_t *m, nx__sim_order_t *o, int64_t q);
/* Level with exactly this price, or NULL. */
nx__mlevel_t *nx__m_level(nx_sim_matcher_t *m, uint8_t side, int64_t price);

/* ------------------------------------------------------------------------- */
/* latency.c                                                                 */
/* ------------------------------------------------------------------------- */

int64_t nx__lat_draw(const nx_sim_latency_t *l, nx_rng_t *rng);
/* nx__lat_draw with the constant case inline (the per-event market data
 * latency is usually constant): same value, no draw. */
static inline int64_t nx__lat_get(const nx_sim_latency_t *l, nx_rng_t *rng) {
    if (l->kind != NX_SIM_LAT_CONSTANT) return nx__lat_draw(l, rng);
    int64_t v = l->ns < 0 ? 0 : l->ns;
    return l->cap_ns > 0 && v > l->cap_ns ? l->cap_ns : v;
}
int nx__lat_copy(nx_sim_latency_t *dst, const nx_sim_latency_t *src);
void nx__lat_free(nx_sim_latency_t *l);

/* Delayed actions, ordered by (due, arming sequence). */
enum { NX__PEND_INTENT = 1, NX__PEND_REPORT = 2, NX__PEND_EXPIRE = 3 };
typedef struct nx__pend {
    nx_ts_t due;
    uint64_t seq;
    uint32_t kind;
    uint32_t pad;
    nx_event_t ev;
} nx__pend_t;

typedef struct nx__pq {
    nx__pend_t *slots;
    uint32_t *heap; /* slot indices */
    uint32_t *freel;
    uint32_t n, nfree, cap;
    uint64_t seq, peak;
} nx__pq_t;

int nx__pq_init(nx__pq_t *q, uint32_t cap);
void nx__pq_close(nx__pq_t *q);
/* Copy ev in, due at `due`. NX_ELIMIT when full. */
int nx__pq_push(nx__pq_t *q, nx_ts_t due, uint32_t kind, const nx_event_hdr_t *ev);
/* The earliest slot, or NULL. */
nx__pend_t *nx__pq_top(nx__pq_t *q);
void nx__pq_pop(nx__pq_t *q);

/* ------------------------------------------------------------------------- */
/* venue state (venue.c owns it; the model files read and update it)       */
/* ------------------------------------------------------------------------- */

/* The market's L2 book copy (fill_book.c): sorted, best at the end. A
 * deleted level below the top stays in place with qty 0 (a tombstone) until
 * the data sets it again or the array must make room, so the levels that
 * come and go do not shift the array; the top entry lv[n - 1] is always a
 * live level. Readers walking down from the top see qty 0 entries. */
typedef struct nx__mdside {
    nx_book_level_t *lv; /* nexus/book.h's level: price, qty (0: tombstone) */
    uint32_t n;          /* entries, tombstones included */
    uint32_t dead;       /* tombstones among them */
    nx__lvh_t *lvh;      /* [NX__LVH_SIZE] index hints (see nx__lvh_t) */
} nx__mdside_t;

typedef struct nx__sim_pos {
    int64_t qty, cost, realized, funding;
} nx__sim_pos_t;

typedef struct nx__sim_instr {
    nx_instrument_t inst;
    nx_sim_instr_opts_t o;
    uint8_t ps, qs;          /* price and qty scales */
    int margin;              /* perpetual/future: margin account */
    int64_t tick, lot, min_qty; /* mantissas */
    uint32_t base, quote;    /* asset ids (quote = settle for margin) */
    nx_sim_matcher_t *m;
    uint32_t wait_head;      /* WAITING orders, arrival order (prev/next) */
    uint32_t wait_tail;
    /* market state */
    int64_t last;            /* last trade price (0 none) */
    int64_t mark;            /* mark price (funding mark, else last) */
    nx__mdside_t md[2];      /* book copy; [0] bids, [1] asks */
    int have_book;
    /* model statistics (doubles: statistics only) */
    double sigma_est;        /* daily volatility estimate */
    double adv_est;          /* average daily volume estimate (base units) */
    double var_acc, vol_acc;
    int64_t prev_close;
    uint64_t n_ret;
    int64_t day_vol;         /* qty traded today (for ADV) */
    int64_t day;             /* current day index */
    uint32_t n_days;
} nx__sim_instr_t;

typedef struct nx__sim_acct {
    int64_t *total;   /* per asset (index = asset id) */
    int64_t *locked;
    int64_t *vol;     /* per asset x 30 daily buckets (quote volume) */
    int64_t *vol_day; /* per asset x 30: day index of the bucket */
    nx__sim_pos_t *pos;  /* per instrument slot */
    uint32_t *open;   /* open orders per instrument slot */
    int64_t rl_window;
    uint32_t rl_count;
} nx__sim_acct_t;

typedef struct nx__sim_asset {
    char code[NX_INSTRUMENT_CCY_MAX];
    uint8_t scale;
    int64_t deposits, fees, market;
} nx__sim_asset_t;

/* Client id table entry (idempotency). */
typedef struct nx__cid {
    uint64_t key;      /* intent id; 0 empty */
    uint64_t venue_id;
    uint32_t instr;    /* slot */
    uint32_t pad;
    int64_t price, qty, filled;
    uint8_t side;
} nx__cid_t;

typedef struct nx__route {
    uint32_t strategy, account;
} nx__route_t;

struct nx_sim {
    nx_sim_config_t c;
    char name[32];
    nx_rng_t rng;
    nx__sim_instr_t *ins;
    uint32_t n_ins;
    uint32_t *ins_ids; /* instrument ids sorted, with slot in ins_slot */
    uint32_t *ins_slot;
    nx__sim_asset_t *assets; /* index = id (0 unused) */
    uint32_t n_assets;
    nx__sim_acct_t *acct;
    uint32_t n_acct;
    nx__route_t *routes;
    uint32_t n_routes;
    nx__cid_t *cid;
    uint32_t cid_mask;
    uint64_t *cid_fifo;
    uint32_t cid_head, cid_n;
    nx__pq_t pq;
    nx_ts_t now;
    nx_ts_t last_report_due;
    uint64_t cause;     /* seq of the event being handled (for the reports) */
    uint64_t trace;     /* its trace id */
    uint64_t trade_seq; /* venue trade ids */
    uint64_t *defer;    /* order ids to cancel after a matching pass (OCO) */
    uint8_t *defer_reason;
    uint32_t n_defer, cap_defer;
    int status;         /* sticky failure */
    nx_sim_output_fn out;
    void *out_ctx;
    nx_sim_stats_t st;
    /* while matching inside one instrument */
    uint64_t *scratch; /* order ids collected before acting on them (max_orders) */
    uint64_t pending_trade; /* trade id shared by the two sides of an internal fill */
    nx_ts_t fill_ts;  /* venue time of the fill being reported (0: now) */
    uint64_t bar_id; /* BARS: current bar being evaluated */
    int64_t bar_t;   /* path time of the evaluation point */
    int in_bar;
    /* kernel */
    nx_kernel_t *k;
    uint32_t t_orders, t_fills, t_timer;
    uint64_t timer_id;
    nx_ts_t timer_due;
};

/* venue.c: shared helpers for the model files */
nx__sim_instr_t *nx__sim_instr_search(nx_sim_t *s, uint32_t instrument_id);
/* The instrument with this id, or NULL (one instrument: no search). */
static inline nx__sim_instr_t *nx__sim_instr(nx_sim_t *s, uint32_t instrument_id) {
    if (s->n_ins == 1) return s->ins[0].inst.id == instrument_id ? &s->ins[0] : NULL;
    return nx__sim_instr_search(s, instrument_id);
}
/* A fill of o (any state) for qty at price with the liquidity flag; settles
 * the account, charges fees, reports, handles OCO/bracket consequences and,
 * if complete, finishes the order. external: against market data (else the
 * counterparty is another venue order and settles itself). Returns the qty
 * actually filled (capped by what the account can pay). */
int64_t nx__sim_fill(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, int64_t price,
                     int64_t qty, uint8_t liq, int external, uint8_t fill_flags);
/* End an order (cancel, expire): report, unlock, unlink, release. */
void nx__sim_finish(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, uint16_t type,
                    nx_sim_reason_t reason);
/* Run the deferred OCO/bracket cancellations (the check inline: most
 * passes defer nothing). */
void nx__sim_run_deferred_all(nx_sim_t *s);
static inline void nx__sim_run_deferred(nx_sim_t *s) {
    if (s->n_defer) nx__sim_run_deferred_all(s);
}
void nx__sim_defer(nx_sim_t *s, uint64_t id, nx_sim_reason_t reason);
/* Report an event (immediately or after the ack latency). */
int nx__sim_report(nx_sim_t *s, nx_event_t *ev);
/* Cancel every order of an account on an instrument. */
void nx__sim_cancel_account(nx_sim_t *s, nx__sim_instr_t *in, uint32_t acct, nx_sim_reason_t why);
/* Put a live new (or activated) order where its type says. */
void nx__sim_route_order(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o);
/* Is o a stop/take-profit/trailing order that has not triggered yet? */
int nx__ord_is_trigger(const nx__sim_order_t *o);
/* Waiting list. */
void nx__wait_push(nx__sim_instr_t *in, nx__sim_order_t *o);
void nx__wait_remove(nx__sim_instr_t *in, nx__sim_order_t *o);
/* Submit a (triggered or market) taker order now: internal matching, then
 * the market (book walk in BOOK mode; in BARS/TRADES it waits for data). */
void nx__sim_take(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o);

/* orders.c */
/* Does a trigger-type order fire at price px (seen in the market)? */
int nx__ord_triggers(const nx__sim_instr_t *in, const nx__sim_order_t *o, int64_t px);
/* Trailing stops: update the watermark with px and recompute o->stop's level. */
void nx__ord_trail_update(const nx__sim_instr_t *in, nx__sim_order_t *o, int64_t px);
/* +1: triggers when the price rises to its level, -1: when it falls. */
int nx__ord_dir(const nx__sim_order_t *o);
/* Current trigger level (trailing: from the watermark). */
int64_t nx__ord_trigger_level(const nx__sim_instr_t *in, const nx__sim_order_t *o);
/* Trigger o at price px: market-type becomes a taker, limit-type rests. */
void nx__ord_fire(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o);
/* Check every waiting trigger order of `in` against price px (buy-side
 * orders against px_buy, sell-side against px_sell). */
void nx__ord_check_triggers(nx_sim_t *s, nx__sim_instr_t *in, int64_t px_buy, int64_t px_sell,
                            nx_ts_t exch_ts);
/* After a fill of o: OCO partner cancel, bracket children activation. */
void nx__ord_after_fill(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o);
/* After o ended without being complete (cancel/expire/reject). */
void nx__ord_after_end(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, nx_sim_reason_t why);

/* fill_bars.c / fill_ticks.c / fill_book.c */
void nx__fill_bar(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_bar_t *b);
void nx__fill_trade(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_trade_t *t, nx_ts_t exch_ts);
void nx__fill_quote(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_quote_t *q, nx_ts_t exch_ts);
int nx__fill_book_delta(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_book_delta_t *d,
                        nx_ts_t exch_ts);
/* BOOK mode: walk the market book for taker o up to its limit. */
void nx__fill_book_take(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o);
/* Queue position of a newly resting order (BOOK mode). */
void nx__fill_book_place(nx__sim_instr_t *in, nx__sim_order_t *o);
int nx__md_init(nx__sim_instr_t *in, uint32_t cap);
void nx__md_close(nx__sim_instr_t *in);
/* Market qty at a price on a side (0 when absent). */
int64_t nx__md_qty(const nx__sim_instr_t *in, uint8_t side, int64_t price);
/* Set a level (qty 0 removes). NX_ELIMIT when full. */
int nx__md_set(nx__sim_instr_t *in, uint8_t side, int64_t price, int64_t qty);

/* fees.c */
/* Fee for a fill: notional (money, quote scale) and maker/taker. */
int nx__fee_rate(const nx_sim_t *s, const nx__sim_instr_t *in, uint32_t account, uint8_t liq,
                 nx_dec_t *rate);
/* Largest fee rate the order could pay (for locks). */
nx_dec_t nx__fee_max_rate(const nx__sim_instr_t *in);
int64_t nx__fee_amount(int64_t notional, uint8_t scale, nx_dec_t rate);
void nx__fee_add_volume(nx_sim_t *s, uint32_t account, uint32_t asset, int64_t notional,
                        nx_ts_t now);
void nx__funding(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_funding_t *f);

/* impact.c */
/* Adjust a modelled taker fill price (never through the order's limit). */
int64_t nx__impact_price(nx_sim_t *s, nx__sim_instr_t *in, uint8_t side, int64_t price,
                         int64_t qty, int64_t limit, int on_book);
/* Feed bar/trade statistics for the sigma/ADV estimates. */
void nx__impact_observe_bar(nx__sim_instr_t *in, const nx_ev_bar_t *b);
void nx__impact_observe_trade(nx__sim_instr_t *in, nx_ts_t ts, int64_t qty);

/* account.c */
/* Notional price x qty x multiplier at the money scale, HALF_EVEN. */
int nx__notional(const nx__sim_instr_t *in, int64_t price, int64_t qty, uint8_t mscale,
                 int64_t *out);
/* Reserve what an order needs at price (0: reference price); sets o->locked. */
nx_sim_reason_t nx__acct_lock(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o,
                              int64_t price);
void nx__acct_unlock(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o);
/* Settle a fill; returns the qty settled (capped by funds, lot multiple). */
int64_t nx__acct_settle(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, int64_t price,
                        int64_t qty, uint8_t liq, int external, int64_t *fee,
                        uint32_t *fee_asset);
/* Margin: liquidate accounts below maintenance on in's settle asset. */
void nx__acct_check_liquidation(nx_sim_t *s, nx__sim_instr_t *in);
/* Reduce-only: the most o may trade (position opposite), 0 if none. */
int64_t nx__acct_reduce_cap(const nx_sim_t *s, const nx__sim_instr_t *in,
                            const nx__sim_order_t *o);
int nx__acct_init(nx_sim_t *s, nx__sim_acct_t *a);
void nx__acct_close(nx__sim_acct_t *a);

static inline uint32_t nx__ins_slot(const nx_sim_t *s, const nx__sim_instr_t *in) {
    return (uint32_t)(in - s->ins);
}
#define NX__VOL_DAYS 30

#endif
