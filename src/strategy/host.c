/*
 * host.c — the strategy host: runs several strategies, routes events to
 * them, turns their signals into order intents (sizing, conflicts between
 * strategies, the difference to the current position), tracks each open
 * trade for the exits (stops, trailing, take-profits, time stop, minimal
 * ROI), and snapshots/restores a strategy with its runtime.
 *
 * Prices inside the host are int64 mantissas at the instrument's price
 * precision, quantities at its size precision. Sizing and exit levels are
 * models computed in double and turned into whole lots and ticks once.
 */
#include <math.h>
#include <stdalign.h>
#include <string.h>

#include "nexus/instrument.h"
#include "nexus/regime.h"
#include "strategy/strat_int.h"

#define NX__HOST_INSTR_MAX 4096u /* instrument ids the host routes */
#define NX__SNAP_MAGIC 0x5353584eu /* "NXSS" */
#define NX__SNAP_VERSION 1u

/* Per (strategy, instrument) runtime: target, conflict score, the open
 * trade's exit tracker, and the ATR / return window sizing and exits use.
 * Plain data: snapshots copy it. */
typedef struct nx__slot {
    uint32_t instrument;
    int8_t dir;       /* direction of the current target */
    uint8_t active;   /* a position is open and tracked */
    int8_t side;      /* +1 long, -1 short */
    uint8_t tp_done;  /* bit i: take-profit level i done */
    uint8_t trailing; /* the stop is a trailing stop now */
    uint8_t regime;   /* last regime label of the instrument (restored into the host) */
    uint8_t pad[2];
    double score;     /* weight x confidence of the current target */
    int64_t target;   /* wanted position, size precision */
    int64_t entry_px, stop_px, best_px, r_px; /* price precision; stop 0 = none */
    int64_t entry_qty; /* |position| when the trade reached its size */
    int64_t entry_ts;
    int64_t att_stop, att_target; /* attached to the next entry (explicit orders) */
    int64_t target_px;            /* take-profit price from an explicit order, 0 none */
    uint64_t exit_intent;         /* an exit in flight (0 none) */
    int64_t last_close;
    int64_t bar_ns;
    nx_sind_atr_t atr;
    nx_sind_win_t rets; /* log returns of closes, for volatility targeting */
} nx__slot_t;

typedef struct nx__kelly {
    uint64_t trades, wins;
    double sum_win, sum_loss; /* money, loss as a positive number */
} nx__kelly_t;

typedef struct nx__strat {
    nx_strategy_spec_t spec;
    nx_strategy_ctx_t ctx;
    void *state;
    size_t state_size;
    uint64_t seq; /* intent sequence */
    int status;
    nx__kelly_t kelly;
    nx__slot_t *slots; /* spec.n_instruments */
    const nx_instrument_t *inst[NX_STRATEGY_INSTR_MAX];
} nx__strat_t;

typedef struct nx__route {
    uint16_t strat; /* index */
    uint16_t slot;
} nx__route_t;

struct nx_strategy_host {
    nx_strategy_env_t env;
    nx_conflict_t conflict;
    uint32_t n;
    nx__strat_t *s[NX_STRATEGY_MAX];
    /* instrument id -> (strategy, slot) pairs, in registration order */
    uint16_t nroutes[NX__HOST_INSTR_MAX];
    nx__route_t *routes[NX__HOST_INSTR_MAX];
    uint8_t regime[NX__HOST_INSTR_MAX];
    double weight_sum;
    nx_strategy_host_stats_t st;
};

static const nx_strategy_api_t nx__api;

static const char *const nx__exit_names[] = {
#define NX__EXIT_NAME(name, v, text) [v] = text,
    NX_EXIT_REASONS(NX__EXIT_NAME)
#undef NX__EXIT_NAME
};

const char *nx_exit_reason_name(int reason) {
    if (reason < 0 || (size_t)reason >= NX_ARRAY_LEN(nx__exit_names) || !nx__exit_names[reason])
        return "?";
    return nx__exit_names[reason];
}

void nx_sizing_default(nx_sizing_t *s) {
    memset(s, 0, sizeof *s);
    s->method = NX_SIZE_FIXED_QTY;
    s->qty = (nx_dec_t){1, 0};
    s->pct = 0.1;
    s->risk_pct = 0.01;
    s->atr_mult = 2.0;
    s->atr_period = 14;
    s->kelly_fraction = 0.5;
    s->kelly_max = 0.25;
    s->kelly_min_trades = 20;
    s->target_vol = 0.2;
    s->vol_window = 30;
    s->max_leverage = 1.0;
}

void nx_exits_default(nx_exits_t *e) { memset(e, 0, sizeof *e); }

void nx_strategy_spec_init(nx_strategy_spec_t *s, const char *name, const nx_strategy_vt_t *vt) {
    memset(s, 0, sizeof *s);
    size_t n = strlen(name);
    if (n >= sizeof s->name) n = sizeof s->name - 1;
    memcpy(s->name, name, n);
    s->vt = vt;
    if (vt) nx_sparams_defaults(&s->params, vt->params, vt->n_params);
    s->weight = 1.0;
    s->ord_type = NX_ORD_MARKET;
    nx_sizing_default(&s->sizing);
    nx_exits_default(&s->exits);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static inline nx__strat_t *nx__strat(nx_strategy_host_t *h, uint32_t id) {
    return id >= 1 && id <= h->n ? h->s[id - 1] : NULL;
}

static int nx__slot_of(const nx__strat_t *s, uint32_t instrument) {
    for (uint32_t i = 0; i < s->spec.n_instruments; i++)
        if (s->spec.instruments[i] == instrument) return (int)i;
    return -1;
}

/* m at scale `from` to scale `to`, rounding toward zero. */
static int64_t nx__rescale(int64_t m, unsigned from, unsigned to) {
    if (from == to) return m;
    if (to > from) {
        int64_t f = nx_pow10_i64(to - from), r;
        if (__builtin_mul_overflow(m, f, &r)) return m > 0 ? INT64_MAX : INT64_MIN;
        return r;
    }
    return m / nx_pow10_i64(from - to);
}

static double nx__px(const nx_instrument_t *in, int64_t m) {
    return (double)m / (double)nx_pow10_i64(in->price_precision);
}

/* A price model value to a whole tick (mode: down for long stops, ...). */
static int64_t nx__to_tick(const nx_instrument_t *in, double px, nx_round_t mode) {
    double scaled = px * (double)nx_pow10_i64(in->price_precision);
    if (!(scaled > 0) || scaled > 9e18) return 0;
    int64_t m = (int64_t)llround(scaled);
    nx_dec_t r;
    if (nx_dec_round_to((nx_dec_t){m, in->price_precision}, in->tick_size, mode, &r) < 0) return m;
    return nx__rescale(r.m, r.s, in->price_precision);
}

/* A quantity model value (base units) to whole lots, down; 0 when below the
 * instrument's minimum quantity or notional. */
static int64_t nx__to_lots(nx_strategy_host_t *h, const nx_instrument_t *in, double qty,
                           int64_t price) {
    double scaled = qty * (double)nx_pow10_i64(in->size_precision);
    if (!(scaled >= 1) || scaled > 9e18) return 0;
    nx_dec_t q = {(int64_t)floor(scaled), in->size_precision}, r;
    if (nx_instrument_round_qty(in, q, NX_ROUND_DOWN, &r) < 0 || r.m <= 0) {
        h->st.below_min++;
        return 0;
    }
    r.m = nx__rescale(r.m, r.s, in->size_precision);
    r.s = in->size_precision;
    if (price > 0 &&
        nx_instrument_check_order(in, (nx_dec_t){price, in->price_precision}, r) != NX_ORDER_OK) {
        h->st.below_min++;
        return 0;
    }
    return r.m;
}

/* ------------------------------------------------------------------------- */
/* Orders                                                                    */
/* ------------------------------------------------------------------------- */

static int nx__emit_intent(nx_strategy_host_t *h, nx__strat_t *s, int si, int64_t qty,
                           uint8_t ord_type, int64_t price, uint8_t flags, nx_exit_reason_t why,
                           uint64_t *out_id) {
    const nx_instrument_t *in = s->inst[si];
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_INTENT);
    nx_ev_order_intent_t *o = &ev.order_intent;
    int rc = nx_intent_id(s->ctx.strategy, ++s->seq, &o->intent_id);
    if (rc < 0) return rc;
    o->strategy = s->ctx.strategy;
    o->instrument = in->id;
    o->side = (uint8_t)(qty > 0 ? NX_SIDE_BUY : NX_SIDE_SELL);
    o->ord_type = ord_type;
    o->tif = NX_TIF_GTC;
    o->price_scale = in->price_precision;
    o->qty_scale = in->size_precision;
    o->flags = flags;
    o->action = NX_ORDA_NEW;
    o->reason = (uint8_t)why;
    o->price = ord_type == NX_ORD_MARKET ? 0 : price;
    o->qty = qty > 0 ? qty : -qty;
    rc = h->env.emit(h->env.ctx, &ev.h);
    if (rc < 0) return rc;
    h->st.intents++;
    if (out_id) *out_id = o->intent_id;
    return NX_OK;
}

/* Ask for the difference between the slot's target and the position with
 * orders in flight. */
static int nx__rebalance(nx_strategy_host_t *h, nx__strat_t *s, int si, nx_exit_reason_t why) {
    nx__slot_t *sl = &s->slots[si];
    const nx_instrument_t *in = s->inst[si];
    int64_t have = h->env.position(h->env.ctx, s->ctx.strategy, in->id) +
                   h->env.pending(h->env.ctx, s->ctx.strategy, in->id);
    int64_t delta = sl->target - have;
    if (delta == 0) return NX_OK;
    int64_t ref = h->env.price(h->env.ctx, in->id);
    uint8_t type = s->spec.ord_type ? s->spec.ord_type : NX_ORD_MARKET;
    int64_t price = 0;
    if (type == NX_ORD_LIMIT) {
        if (ref <= 0) return NX_OK; /* no reference: wait for the market */
        double off = s->spec.limit_offset_bp / 1e4, px = nx__px(in, ref);
        price = nx__to_tick(in, delta > 0 ? px * (1 - off) : px * (1 + off),
                            delta > 0 ? NX_ROUND_FLOOR : NX_ROUND_CEIL);
        if (price <= 0) return NX_OK;
    }
    /* Reducing toward a smaller |target| on the same side is an exit. */
    int reducing = (have > 0 && delta < 0 && sl->target >= 0) || (have < 0 && delta > 0 && sl->target <= 0);
    return nx__emit_intent(h, s, si, delta, type, price, 0,
                           reducing ? (why ? why : NX_EXIT_SIGNAL) : NX_EXIT_NONE, NULL);
}

/* ------------------------------------------------------------------------- */
/* Sizing                                                                    */
/* ------------------------------------------------------------------------- */

static double nx__periods_per_year(const nx__slot_t *sl) {
    return sl->bar_ns > 0 ? 365.25 * 86400e9 / (double)sl->bar_ns : 365.25;
}

/* Quantity (size precision, >= 0) for a fresh target of one strategy. */
static int64_t nx__size(nx_strategy_host_t *h, nx__strat_t *s, int si) {
    const nx_sizing_t *z = &s->spec.sizing;
    const nx_instrument_t *in = s->inst[si];
    nx__slot_t *sl = &s->slots[si];
    if (z->method == NX_SIZE_FIXED_QTY) {
        nx_dec_t r;
        if (nx_dec_rescale(z->qty, in->size_precision, NX_ROUND_DOWN, &r) < 0) return 0;
        if (nx_instrument_round_qty(in, r, NX_ROUND_DOWN, &r) < 0) return 0;
        return nx__rescale(r.m, r.s, in->size_precision);
    }
    int64_t ref = h->env.price(h->env.ctx, in->id);
    if (ref <= 0) return 0;
    double px = nx__px(in, ref) * nx_dec_to_double(in->multiplier);
    double eq = h->env.equity(h->env.ctx, s->ctx.strategy), q = 0;
    switch (z->method) {
    case NX_SIZE_FIXED_NOTIONAL:
        q = nx_dec_to_double(z->notional) / px;
        break;
    case NX_SIZE_PCT_EQUITY:
        q = z->pct * eq / px;
        break;
    case NX_SIZE_ATR_RISK: {
        if (sl->atr.count <= sl->atr.n) return 0; /* no ATR yet */
        double mult = z->atr_mult > 0 ? z->atr_mult : 2.0;
        double dist = mult * sl->atr.v * nx_dec_to_double(in->multiplier);
        if (!(dist > 0)) return 0;
        q = z->risk_pct * eq / dist;
        break;
    }
    case NX_SIZE_KELLY: {
        const nx__kelly_t *k = &s->kelly;
        double f = z->pct;
        if (k->trades >= z->kelly_min_trades && k->trades > k->wins && k->wins > 0) {
            double w = (double)k->wins / (double)k->trades;
            double avg_w = k->sum_win / (double)k->wins;
            double avg_l = k->sum_loss / (double)(k->trades - k->wins);
            double ratio = avg_l > 0 ? avg_w / avg_l : 0;
            f = ratio > 0 ? z->kelly_fraction * (w - (1 - w) / ratio) : 0;
        } else if (k->trades >= z->kelly_min_trades && k->wins == 0) {
            f = 0;
        } else if (k->trades >= z->kelly_min_trades) {
            f = z->kelly_max;
        }
        if (f < 0) f = 0;
        if (f > z->kelly_max) f = z->kelly_max;
        q = f * eq / px;
        break;
    }
    case NX_SIZE_VOL_TARGET: {
        if (sl->rets.count < 2) return 0;
        double sig = nx_sind_win_sstd(&sl->rets) * sqrt(nx__periods_per_year(sl));
        if (!(sig > 0)) return 0;
        q = eq * z->target_vol / sig / px;
        break;
    }
    default:
        return 0;
    }
    if (z->max_leverage > 0 && q * px > z->max_leverage * eq) q = z->max_leverage * eq / px;
    return nx__to_lots(h, in, q, ref);
}

/* ------------------------------------------------------------------------- */
/* Signals                                                                   */
/* ------------------------------------------------------------------------- */

static int nx__on_signal(nx_strategy_host_t *h, const nx_ev_signal_t *sg) {
    nx__strat_t *s = nx__strat(h, sg->strategy);
    if (!s || s->status < 0) return NX_OK;
    int si = nx__slot_of(s, sg->instrument);
    if (si < 0) return NX_OK;
    nx__slot_t *sl = &s->slots[si];
    const nx_instrument_t *in = s->inst[si];
    double conf = sg->confidence;
    if (conf < s->spec.confidence_min) return NX_OK;
    int dir = sg->direction;
    int64_t target;
    if (sg->flags & NX_SIGF_TARGET) {
        target = nx__rescale(sg->target_qty, sg->qty_scale, in->size_precision);
        nx_dec_t r;
        int64_t a = target < 0 ? -target : target;
        if (nx_instrument_round_qty(in, (nx_dec_t){a, in->size_precision}, NX_ROUND_DOWN, &r) == 0)
            a = nx__rescale(r.m, r.s, in->size_precision);
        target = target < 0 ? -a : a;
        dir = (target > 0) - (target < 0);
    } else {
        target = 0;
    }
    if (!s->spec.allow_short && dir < 0) {
        dir = 0;
        target = 0;
    }
    if (!(sg->flags & NX_SIGF_TARGET) && dir != 0) target = dir * nx__size(h, s, si);
    double score = s->spec.weight * conf;
    /* Conflicts with other strategies on this instrument. */
    if (h->conflict == NX_CONFLICT_PRIORITY && dir != 0 && sg->instrument < NX__HOST_INSTR_MAX) {
        const nx__route_t *rt = h->routes[sg->instrument];
        for (uint16_t i = 0; i < h->nroutes[sg->instrument]; i++) {
            nx__strat_t *o = h->s[rt[i].strat];
            nx__slot_t *os = &o->slots[rt[i].slot];
            if (o == s || os->dir != -dir || os->target == 0) continue;
            if (os->score >= score) {
                h->st.suppressed_conflict++;
                dir = 0;
                target = 0;
                break;
            }
        }
        if (dir != 0)
            for (uint16_t i = 0; i < h->nroutes[sg->instrument]; i++) {
                nx__strat_t *o = h->s[rt[i].strat];
                nx__slot_t *os = &o->slots[rt[i].slot];
                if (o == s || os->dir != -dir || os->target == 0 || o->status < 0) continue;
                os->dir = 0;
                os->target = 0;
                h->st.suppressed_conflict++;
                int rc = nx__rebalance(h, o, rt[i].slot, NX_EXIT_CONFLICT);
                if (rc < 0) return rc;
            }
    }
    sl->dir = (int8_t)dir;
    sl->score = dir ? score : 0;
    sl->target = target;
    return nx__rebalance(h, s, si, NX_EXIT_SIGNAL);
}

/* ------------------------------------------------------------------------- */
/* Exits                                                                     */
/* ------------------------------------------------------------------------- */

/* Stop distance for a new trade at `entry` (price precision); 0 = none. */
static int64_t nx__stop_for(const nx__strat_t *s, const nx__slot_t *sl, const nx_instrument_t *in,
                            int side, int64_t entry) {
    const nx_exits_t *e = &s->spec.exits;
    double px = nx__px(in, entry), dist = 0;
    if (e->stop_pct > 0) dist = px * e->stop_pct;
    if (e->stop_atr > 0 && sl->atr.count > sl->atr.n) {
        double d = e->stop_atr * sl->atr.v;
        if (dist == 0 || d < dist) dist = d; /* the tighter of the two */
    }
    if (!(dist > 0)) return 0;
    return nx__to_tick(in, side > 0 ? px - dist : px + dist,
                       side > 0 ? NX_ROUND_CEIL : NX_ROUND_FLOOR);
}

static void nx__trade_open(nx__strat_t *s, nx__slot_t *sl, const nx_instrument_t *in, int side,
                           int64_t px, int64_t qty, nx_ts_t ts) {
    sl->active = 1;
    sl->side = (int8_t)side;
    sl->tp_done = 0;
    sl->trailing = 0;
    sl->entry_px = px;
    sl->best_px = px;
    sl->entry_qty = qty;
    sl->entry_ts = ts;
    sl->exit_intent = 0;
    sl->stop_px = sl->att_stop > 0 ? sl->att_stop : nx__stop_for(s, sl, in, side, px);
    sl->target_px = sl->att_target;
    sl->att_stop = sl->att_target = 0;
    if (sl->stop_px > 0) {
        sl->r_px = side > 0 ? px - sl->stop_px : sl->stop_px - px;
    } else if (sl->atr.count > sl->atr.n) {
        sl->r_px = (int64_t)llround(sl->atr.v * (double)nx_pow10_i64(in->price_precision));
    } else {
        sl->r_px = px / 100; /* no stop and no ATR: R is 1% of the entry */
    }
    if (sl->r_px <= 0) sl->r_px = 1;
}

static int nx__exit(nx_strategy_host_t *h, nx__strat_t *s, int si, int64_t qty,
                    nx_exit_reason_t why) {
    nx__slot_t *sl = &s->slots[si];
    if (qty <= 0) return NX_OK;
    int64_t signed_qty = sl->side > 0 ? -qty : qty;
    h->st.exits++;
    int rc = nx__emit_intent(h, s, si, signed_qty, NX_ORD_MARKET, 0, NX_ORDF_REDUCE_ONLY, why,
                             &sl->exit_intent);
    if (rc < 0) return rc;
    /* A full exit also ends the target: the strategy re-enters on its next
     * signal, not on the old one. */
    int64_t pos = h->env.position(h->env.ctx, s->ctx.strategy, s->inst[si]->id);
    if (qty >= (pos < 0 ? -pos : pos)) {
        sl->target = 0;
        sl->dir = 0;
        sl->score = 0;
    } else {
        sl->target = pos + signed_qty;
    }
    return NX_OK;
}

/* Ratchet the trailing stop with this move's best price. It applies from
 * the next check on: within one bar the order of high and low is unknown. */
static void nx__trail(nx__strat_t *s, nx__slot_t *sl, const nx_instrument_t *in, int64_t lo,
                      int64_t hi) {
    const nx_exits_t *e = &s->spec.exits;
    int L = sl->side > 0;
    if (L ? hi > sl->best_px : lo < sl->best_px) sl->best_px = L ? hi : lo;
    double tdist = 0;
    if (e->trail_pct > 0) tdist = nx__px(in, sl->best_px) * e->trail_pct;
    if (e->trail_atr > 0 && sl->atr.count > sl->atr.n) {
        double d = e->trail_atr * sl->atr.v;
        if (tdist == 0 || d < tdist) tdist = d;
    }
    if (tdist > 0) {
        int64_t gain = L ? sl->best_px - sl->entry_px : sl->entry_px - sl->best_px;
        if ((double)gain >= e->trail_activate_r * (double)sl->r_px) {
            double b = nx__px(in, sl->best_px);
            int64_t ts = nx__to_tick(in, L ? b - tdist : b + tdist,
                                     L ? NX_ROUND_CEIL : NX_ROUND_FLOOR);
            if (ts > 0 && (sl->stop_px == 0 || (L ? ts > sl->stop_px : ts < sl->stop_px))) {
                sl->stop_px = ts;
                sl->trailing = 1;
            }
        }
    }
}

/* Check a trade's exits against a market move: lo/hi the range since the
 * last check, last the latest price (price precision). */
static int nx__check_exits(nx_strategy_host_t *h, nx__strat_t *s, int si, int64_t lo, int64_t hi,
                           int64_t last, nx_ts_t now) {
    nx__slot_t *sl = &s->slots[si];
    const nx_exits_t *e = &s->spec.exits;
    const nx_instrument_t *in = s->inst[si];
    if (!sl->active || sl->exit_intent) return NX_OK;
    int64_t pos = h->env.position(h->env.ctx, s->ctx.strategy, in->id);
    int64_t apos = pos < 0 ? -pos : pos;
    if (apos == 0) return NX_OK;
    int L = sl->side > 0;
    /* Stop first: the conservative reading of a bar that touched both. */
    if (sl->stop_px > 0 && (L ? lo <= sl->stop_px : hi >= sl->stop_px))
        return nx__exit(h, s, si, apos, sl->trailing ? NX_EXIT_TRAIL : NX_EXIT_STOP);
    if (sl->target_px > 0 && (L ? hi >= sl->target_px : lo <= sl->target_px))
        return nx__exit(h, s, si, apos, NX_EXIT_TAKE_PROFIT);
    for (uint32_t i = 0; i < e->n_tp && i < NX_STRATEGY_TP_MAX; i++) {
        if (sl->tp_done & (1u << i)) continue;
        int64_t dist = (int64_t)llround(e->tp_r[i] * (double)sl->r_px);
        int64_t lvl = L ? sl->entry_px + dist : sl->entry_px - dist;
        if (!(L ? hi >= lvl : lo <= lvl)) break; /* levels are ordered */
        sl->tp_done = (uint8_t)(sl->tp_done | (1u << i));
        int last_level = i + 1 == e->n_tp;
        int64_t q = 0;
        if (last_level) {
            q = apos;
        } else {
            double want = e->tp_frac[i] * (double)sl->entry_qty /
                          (double)nx_pow10_i64(in->size_precision);
            q = nx__to_lots(h, in, want, 0);
            if (q > apos) q = apos;
        }
        if (e->breakeven_after_tp && !sl->trailing &&
            (sl->stop_px == 0 || (L ? sl->stop_px < sl->entry_px : sl->stop_px > sl->entry_px)))
            sl->stop_px = sl->entry_px;
        if (q > 0) return nx__exit(h, s, si, q, NX_EXIT_TAKE_PROFIT);
    }
    int64_t age = now - sl->entry_ts;
    if (e->time_stop_ns > 0 && age >= e->time_stop_ns)
        return nx__exit(h, s, si, apos, NX_EXIT_TIME);
    if (e->n_roi) {
        int k = -1;
        for (uint32_t i = 0; i < e->n_roi && i < NX_STRATEGY_ROI_MAX; i++)
            if (age >= e->roi_age_ns[i] && (k < 0 || e->roi_age_ns[i] >= e->roi_age_ns[k]))
                k = (int)i;
        if (k >= 0) {
            double ret = (nx__px(in, last) - nx__px(in, sl->entry_px)) / nx__px(in, sl->entry_px);
            if (!L) ret = -ret;
            if (ret >= e->roi[k]) return nx__exit(h, s, si, apos, NX_EXIT_ROI);
        }
    }
    nx__trail(s, sl, in, lo, hi);
    return NX_OK;
}

/* A fill of this strategy on slot si: move the trade tracker. The engine
 * has already applied the fill to the positions the env reports. */
static void nx__track_fill(nx_strategy_host_t *h, nx__strat_t *s, int si, const nx_ev_fill_t *f) {
    nx__slot_t *sl = &s->slots[si];
    const nx_instrument_t *in = s->inst[si];
    int64_t px = nx__rescale(f->price, f->price_scale, in->price_precision);
    int64_t pos = h->env.position(h->env.ctx, s->ctx.strategy, in->id);
    int64_t apos = pos < 0 ? -pos : pos;
    int side = (pos > 0) - (pos < 0);
    if (f->intent_id == sl->exit_intent && f->leaves_qty == 0) sl->exit_intent = 0;
    if (sl->active && (side == 0 || side != sl->side)) {
        /* Closed (or flipped): one round trip for the Kelly statistics. */
        double pnl = (nx__px(in, px) - nx__px(in, sl->entry_px)) * sl->side;
        s->kelly.trades++;
        if (pnl > 0) {
            s->kelly.wins++;
            s->kelly.sum_win += pnl;
        } else {
            s->kelly.sum_loss += -pnl;
        }
        sl->active = 0;
        sl->exit_intent = 0;
    }
    if (!sl->active && side != 0) {
        nx__trade_open(s, sl, in, side, px, apos, f->h.ts_recv);
    } else if (sl->active && apos > sl->entry_qty) {
        /* Added to the trade: average the entry. */
        nx_i128 n = (nx_i128)sl->entry_px * sl->entry_qty + (nx_i128)px * (apos - sl->entry_qty);
        sl->entry_px = (int64_t)(n / apos);
        sl->entry_qty = apos;
    }
}

/* ------------------------------------------------------------------------- */
/* Event routing                                                             */
/* ------------------------------------------------------------------------- */

static void nx__fail(nx_strategy_host_t *h, nx__strat_t *s, int rc) {
    if (rc >= 0 || s->status < 0) return;
    s->status = rc;
    h->st.failures++;
    nx_log(NX_LOG_ERROR, "strategy", 0, "strategy %s failed: %s (%s)", s->spec.name,
           nx_err_name(rc), nx_err_message());
}

/* Market data for one instrument: sizing/exit indicators, exits, then the
 * strategies. */
static int nx__on_market(nx_strategy_host_t *h, const nx_event_hdr_t *ev, uint32_t instrument) {
    if (instrument >= NX__HOST_INSTR_MAX) return NX_OK;
    const nx__route_t *rt = h->routes[instrument];
    uint16_t nr = h->nroutes[instrument];
    for (uint16_t i = 0; i < nr; i++) {
        nx__strat_t *s = h->s[rt[i].strat];
        if (s->status < 0) continue;
        nx__slot_t *sl = &s->slots[rt[i].slot];
        const nx_instrument_t *in = s->inst[rt[i].slot];
        int64_t lo, hi, last;
        if (ev->type == NX_EV_BAR) {
            const nx_ev_bar_t *b = (const nx_ev_bar_t *)ev;
            if (s->spec.bar_interval_ns && b->interval_ns != s->spec.bar_interval_ns) continue;
            lo = nx__rescale(b->low, b->price_scale, in->price_precision);
            hi = nx__rescale(b->high, b->price_scale, in->price_precision);
            last = nx__rescale(b->close, b->price_scale, in->price_precision);
            nx_sind_atr_update(&sl->atr, nx__px(in, hi), nx__px(in, lo), nx__px(in, last));
            if (sl->last_close > 0 && last > 0)
                nx_sind_win_update(&sl->rets, log((double)last / (double)sl->last_close));
            sl->last_close = last;
            if (b->interval_ns > 0) sl->bar_ns = b->interval_ns;
        } else if (ev->type == NX_EV_TRADE) {
            const nx_ev_trade_t *t = (const nx_ev_trade_t *)ev;
            lo = hi = last = nx__rescale(t->price, t->price_scale, in->price_precision);
        } else {
            lo = hi = last = 0;
        }
        if (last > 0) {
            int rc = nx__check_exits(h, s, rt[i].slot, lo, hi, last, ev->ts_recv);
            if (rc < 0) return rc;
        }
    }
    /* Strategies (a second pass: exits of every strategy come first). */
    for (uint16_t i = 0; i < nr; i++) {
        nx__strat_t *s = h->s[rt[i].strat];
        if (s->status < 0) continue;
        int rc = NX_OK;
        if (ev->type == NX_EV_BAR) {
            const nx_ev_bar_t *b = (const nx_ev_bar_t *)ev;
            if (s->spec.bar_interval_ns && b->interval_ns != s->spec.bar_interval_ns) continue;
            h->st.bars++;
            if (s->spec.vt->on_bar) rc = s->spec.vt->on_bar(s->state, &s->ctx, b);
        } else if (s->spec.vt->on_event) {
            h->st.events++;
            rc = s->spec.vt->on_event(s->state, &s->ctx, ev);
        }
        nx__fail(h, s, rc);
    }
    return NX_OK;
}

static uint32_t nx__market_instrument(const nx_event_hdr_t *ev) {
    switch (ev->type) {
    case NX_EV_TRADE: return ((const nx_ev_trade_t *)ev)->instrument;
    case NX_EV_QUOTE: return ((const nx_ev_quote_t *)ev)->instrument;
    case NX_EV_BOOK_DELTA: return ((const nx_ev_book_delta_t *)ev)->instrument;
    case NX_EV_BAR: return ((const nx_ev_bar_t *)ev)->instrument;
    case NX_EV_FUNDING: return ((const nx_ev_funding_t *)ev)->instrument;
    default: return UINT32_MAX;
    }
}

int nx_strategy_host_on_event(nx_strategy_host_t *h, const nx_event_hdr_t *ev) {
    switch (NX_EV_FAMILY(ev->type)) {
    case NX_FAMILY_MARKET:
        return nx__on_market(h, ev, nx__market_instrument(ev));
    default:
        break;
    }
    switch (ev->type) {
    case NX_EV_SIGNAL: {
        const nx_ev_signal_t *sg = (const nx_ev_signal_t *)ev;
        h->st.signals++;
        return nx__on_signal(h, sg);
    }
    case NX_EV_REGIME: {
        const nx_ev_regime_t *r = (const nx_ev_regime_t *)ev;
        if (r->instrument < NX__HOST_INSTR_MAX) {
            h->regime[r->instrument] = r->label;
            const nx__route_t *rt = h->routes[r->instrument];
            for (uint16_t i = 0; i < h->nroutes[r->instrument]; i++)
                h->s[rt[i].strat]->slots[rt[i].slot].regime = r->label;
        }
        for (uint32_t i = 0; i < h->n; i++) {
            nx__strat_t *s = h->s[i];
            if (s->status < 0 || !s->spec.vt->on_event) continue;
            nx__fail(h, s, s->spec.vt->on_event(s->state, &s->ctx, ev));
        }
        return NX_OK;
    }
    case NX_EV_INTEL:
        for (uint32_t i = 0; i < h->n; i++) {
            nx__strat_t *s = h->s[i];
            if (s->status < 0 || !s->spec.vt->on_intel) continue;
            nx__fail(h, s, s->spec.vt->on_intel(s->state, &s->ctx, (const nx_ev_intel_t *)ev));
        }
        return NX_OK;
    case NX_EV_TIMER: {
        const nx_ev_timer_t *t = (const nx_ev_timer_t *)ev;
        nx__strat_t *s = nx__strat(h, (uint32_t)(t->user >> 48));
        if (!s || s->status < 0 || !s->spec.vt->on_timer) return NX_OK;
        nx_ev_timer_t copy = *t;
        copy.user = t->user & ((UINT64_C(1) << 48) - 1);
        nx__fail(h, s, s->spec.vt->on_timer(s->state, &s->ctx, &copy));
        return NX_OK;
    }
    case NX_EV_ORDER_ACK:
    case NX_EV_ORDER_REJECT:
    case NX_EV_ORDER_CANCEL:
    case NX_EV_ORDER_EXPIRE: {
        const nx_ev_order_t *o = (const nx_ev_order_t *)ev;
        nx__strat_t *s = nx__strat(h, (uint32_t)(o->intent_id >> 40));
        if (!s) return NX_OK;
        int si = nx__slot_of(s, o->instrument);
        if (si >= 0 && ev->type != NX_EV_ORDER_ACK && s->slots[si].exit_intent == o->intent_id)
            s->slots[si].exit_intent = 0; /* the exit is gone: check again */
        if (s->status >= 0 && s->spec.vt->on_order)
            nx__fail(h, s, s->spec.vt->on_order(s->state, &s->ctx, o, ev->type));
        return NX_OK;
    }
    case NX_EV_FILL: {
        const nx_ev_fill_t *f = (const nx_ev_fill_t *)ev;
        nx__strat_t *s = nx__strat(h, (uint32_t)(f->intent_id >> 40));
        if (!s) return NX_OK;
        int si = nx__slot_of(s, f->instrument);
        if (si >= 0) nx__track_fill(h, s, si, f);
        if (s->status >= 0 && s->spec.vt->on_fill)
            nx__fail(h, s, s->spec.vt->on_fill(s->state, &s->ctx, f));
        return NX_OK;
    }
    default:
        return NX_OK;
    }
}

int nx_strategy_host_flatten(nx_strategy_host_t *h, uint32_t strategy, nx_exit_reason_t why) {
    for (uint32_t id = 1; id <= h->n; id++) {
        if (strategy && id != strategy) continue;
        nx__strat_t *s = h->s[id - 1];
        for (uint32_t i = 0; i < s->spec.n_instruments; i++) {
            nx__slot_t *sl = &s->slots[i];
            sl->target = 0;
            sl->dir = 0;
            sl->score = 0;
            int rc = nx__rebalance(h, s, (int)i, why);
            if (rc < 0) return rc;
        }
    }
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* The API strategies call                                                   */
/* ------------------------------------------------------------------------- */

static nx__strat_t *nx__ctx_strat(nx_strategy_ctx_t *c) {
    return nx__strat((nx_strategy_host_t *)c->host, c->strategy);
}

static int nx__api_signal(nx_strategy_ctx_t *c, uint32_t instrument, int direction,
                          double confidence, const nx_dec_t *target) {
    nx_strategy_host_t *h = c->host;
    nx__strat_t *s = nx__ctx_strat(c);
    int si = nx__slot_of(s, instrument);
    if (si < 0)
        return NX_ERR(NX_EINVAL, "strategy %s signalled instrument %u it does not trade",
                      s->spec.name, instrument);
    if (direction < -1 || direction > 1 || !(confidence >= 0 && confidence <= 1))
        return NX_ERR(NX_EINVAL, "strategy %s: bad signal (direction %d, confidence %g)",
                      s->spec.name, direction, confidence);
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_SIGNAL);
    nx_ev_signal_t *sg = &ev.signal;
    sg->strategy = c->strategy;
    sg->instrument = instrument;
    sg->direction = (int8_t)direction;
    sg->confidence = confidence;
    sg->qty_scale = s->inst[si]->size_precision;
    if (target) {
        sg->flags = NX_SIGF_TARGET;
        nx_dec_t r;
        int rc = nx_dec_rescale(*target, sg->qty_scale, NX_ROUND_DOWN, &r);
        if (rc < 0) return rc;
        sg->target_qty = r.m;
    }
    return h->env.emit(h->env.ctx, &ev.h);
}

static int nx__api_order(nx_strategy_ctx_t *c, const nx_strategy_order_t *o, uint64_t *intent_id) {
    nx_strategy_host_t *h = c->host;
    nx__strat_t *s = nx__ctx_strat(c);
    int si = nx__slot_of(s, o->instrument);
    if (si < 0)
        return NX_ERR(NX_EINVAL, "strategy %s ordered instrument %u it does not trade",
                      s->spec.name, o->instrument);
    const nx_instrument_t *in = s->inst[si];
    nx_dec_t q, p = {0, 0};
    int rc = nx_dec_rescale(o->qty, in->size_precision, NX_ROUND_DOWN, &q);
    if (rc < 0) return rc;
    if (nx_instrument_round_qty(in, q, NX_ROUND_DOWN, &q) < 0 || q.m <= 0) return NX_OK;
    q.m = nx__rescale(q.m, q.s, in->size_precision);
    uint8_t type = o->ord_type ? o->ord_type : NX_ORD_MARKET;
    if (type == NX_ORD_LIMIT) {
        rc = nx_dec_rescale(o->price, in->price_precision, NX_ROUND_HALF_EVEN, &p);
        if (rc < 0) return rc;
    }
    nx__slot_t *sl = &s->slots[si];
    if (o->stop.m > 0) sl->att_stop = nx__rescale(o->stop.m, o->stop.s, in->price_precision);
    if (o->target.m > 0)
        sl->att_target = nx__rescale(o->target.m, o->target.s, in->price_precision);
    int64_t signed_qty = o->side == NX_SIDE_SELL ? -q.m : q.m;
    /* The explicit order moves the target by its size. */
    sl->target += signed_qty;
    sl->dir = (int8_t)((sl->target > 0) - (sl->target < 0));
    sl->score = s->spec.weight * (o->confidence > 0 ? o->confidence : 1.0);
    return nx__emit_intent(h, s, si, signed_qty, type, p.m, o->flags, NX_EXIT_NONE, intent_id);
}

static int nx__api_cancel(nx_strategy_ctx_t *c, uint64_t intent_id) {
    nx_strategy_host_t *h = c->host;
    if ((uint32_t)(intent_id >> 40) != c->strategy)
        return NX_ERR(NX_EINVAL, "strategy %u cannot cancel intent %llu of another strategy",
                      c->strategy, (unsigned long long)intent_id);
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_INTENT);
    ev.order_intent.intent_id = intent_id;
    ev.order_intent.strategy = c->strategy;
    ev.order_intent.action = NX_ORDA_CANCEL;
    ev.order_intent.instrument = UINT32_MAX;
    return h->env.emit(h->env.ctx, &ev.h);
}

static nx_dec_t nx__api_position(nx_strategy_ctx_t *c, uint32_t instrument) {
    nx_strategy_host_t *h = c->host;
    nx__strat_t *s = nx__ctx_strat(c);
    int si = nx__slot_of(s, instrument);
    if (si < 0) return (nx_dec_t){0, 0};
    return (nx_dec_t){h->env.position(h->env.ctx, c->strategy, instrument),
                      s->inst[si]->size_precision};
}

static double nx__api_equity(nx_strategy_ctx_t *c) {
    nx_strategy_host_t *h = c->host;
    return h->env.equity(h->env.ctx, c->strategy);
}

static nx_ts_t nx__api_now(nx_strategy_ctx_t *c) {
    nx_strategy_host_t *h = c->host;
    return h->env.now(h->env.ctx);
}

static int nx__api_timer(nx_strategy_ctx_t *c, nx_ts_t at, int64_t period_ns, uint64_t user) {
    nx_strategy_host_t *h = c->host;
    if (user >> 48) return NX_ERR(NX_EINVAL, "timer user value must fit 48 bits");
    return h->env.timer(h->env.ctx, at, period_ns, ((uint64_t)c->strategy << 48) | user);
}

static uint8_t nx__api_regime(nx_strategy_ctx_t *c, uint32_t instrument) {
    nx_strategy_host_t *h = c->host;
    return instrument < NX__HOST_INSTR_MAX ? h->regime[instrument] : 0;
}

static void nx__api_log(nx_strategy_ctx_t *c, int level, const char *msg) {
    nx_log((nx_log_level_t)level, "strategy", 0, "%s: %s", c->name, msg);
}

static const nx_strategy_api_t nx__api = {
    .abi = NX_STRATEGY_ABI,
    .size = sizeof(nx_strategy_api_t),
    .signal = nx__api_signal,
    .order = nx__api_order,
    .cancel = nx__api_cancel,
    .position = nx__api_position,
    .equity = nx__api_equity,
    .now = nx__api_now,
    .timer = nx__api_timer,
    .regime = nx__api_regime,
    .log = nx__api_log,
};

/* ------------------------------------------------------------------------- */
/* Life cycle                                                                */
/* ------------------------------------------------------------------------- */

int nx_strategy_host_new(const nx_strategy_env_t *env, nx_conflict_t conflict,
                         nx_strategy_host_t **out) {
    if (!env || !env->emit || !env->position || !env->pending || !env->equity || !env->price ||
        !env->instrument || !env->timer || !env->now)
        return NX_ERR(NX_EINVAL, "strategy host: every env function is required");
    nx_strategy_host_t *h = nx_calloc(1, sizeof *h);
    if (!h) return NX_ERR(NX_ENOMEM, "strategy host");
    h->env = *env;
    h->conflict = conflict;
    *out = h;
    return NX_OK;
}

static void nx__strat_free(nx__strat_t *s) {
    if (!s) return;
    if (s->state && s->spec.vt->fini) s->spec.vt->fini(s->state);
    nx_free(s->state);
    nx_free(s->slots);
    nx_free(s);
}

void nx_strategy_host_free(nx_strategy_host_t *h) {
    if (!h) return;
    for (uint32_t i = 0; i < h->n; i++) nx__strat_free(h->s[i]);
    for (uint32_t i = 0; i < NX__HOST_INSTR_MAX; i++) nx_free(h->routes[i]);
    nx_free(h);
}

static int nx__check_vt(const nx_strategy_vt_t *vt) {
    if (!vt) return NX_ERR(NX_EINVAL, "strategy kind is NULL");
    if (vt->abi != NX_STRATEGY_ABI)
        return NX_ERR(NX_EVERSION, "strategy kind %s: ABI %u, this host speaks %u",
                      vt->kind ? vt->kind : "?", vt->abi, NX_STRATEGY_ABI);
    if (vt->vt_size < sizeof(nx_strategy_vt_t))
        return NX_ERR(NX_EVERSION, "strategy kind %s: callback table of %u bytes, need %zu",
                      vt->kind ? vt->kind : "?", vt->vt_size, sizeof(nx_strategy_vt_t));
    if (!vt->kind || !vt->state_size || !vt->init)
        return NX_ERR(NX_EINVAL, "strategy kind without kind name, state_size or init");
    return NX_OK;
}

int nx_strategy_host_add(nx_strategy_host_t *h, const nx_strategy_spec_t *spec, uint32_t *out_id) {
    int rc = nx__check_vt(spec->vt);
    if (rc < 0) return rc;
    if (h->n >= NX_STRATEGY_MAX)
        return NX_ERR(NX_ELIMIT, "more than %u strategies", NX_STRATEGY_MAX);
    if (spec->n_instruments == 0 || spec->n_instruments > NX_STRATEGY_INSTR_MAX)
        return NX_ERR(NX_EINVAL, "strategy %s: %u instruments (1..%u)", spec->name,
                      spec->n_instruments, NX_STRATEGY_INSTR_MAX);
    if (!(spec->weight > 0))
        return NX_ERR(NX_EINVAL, "strategy %s: weight must be > 0", spec->name);
    for (uint32_t i = 0; i < h->n; i++)
        if (!strcmp(h->s[i]->spec.name, spec->name))
            return NX_ERR(NX_EEXIST, "two strategies named %s", spec->name);
    nx__strat_t *s = nx_calloc(1, sizeof *s);
    if (!s) return NX_ERR(NX_ENOMEM, "strategy %s", spec->name);
    s->spec = *spec;
    s->spec.params.defs = spec->vt->params;
    uint32_t id = h->n + 1;
    for (uint32_t i = 0; i < spec->n_instruments; i++) {
        uint32_t iid = spec->instruments[i];
        for (uint32_t j = 0; j < i; j++)
            if (spec->instruments[j] == iid) {
                nx_free(s);
                return NX_ERR(NX_EINVAL, "strategy %s lists instrument %u twice", spec->name, iid);
            }
        s->inst[i] = iid < NX__HOST_INSTR_MAX ? h->env.instrument(h->env.ctx, iid) : NULL;
        if (!s->inst[i]) {
            nx_free(s);
            return NX_ERR(NX_EINVAL, "strategy %s: unknown instrument id %u", spec->name, iid);
        }
    }
    s->slots = nx_calloc(spec->n_instruments, sizeof *s->slots);
    if (!s->slots) {
        nx__strat_free(s);
        return NX_ERR(NX_ENOMEM, "strategy %s", spec->name);
    }
    size_t sz = spec->vt->state_size(&s->spec.params, spec->n_instruments);
    if (sz == 0 || sz > (16u << 20)) {
        nx__strat_free(s);
        return NX_ERR(NX_EINVAL, "strategy %s: state of %zu bytes", spec->name, sz);
    }
    s->state_size = sz;
    s->state = nx_aligned_alloc(64, (sz + 63u) & ~(size_t)63u);
    if (!s->state) {
        nx__strat_free(s);
        return NX_ERR(NX_ENOMEM, "strategy %s state (%zu bytes)", spec->name, sz);
    }
    memset(s->state, 0, sz);
    for (uint32_t i = 0; i < spec->n_instruments; i++) {
        nx__slot_t *sl = &s->slots[i];
        sl->instrument = spec->instruments[i];
        nx_sind_atr_init(&sl->atr, spec->sizing.atr_period ? spec->sizing.atr_period : 14);
        uint32_t vw = spec->sizing.vol_window ? spec->sizing.vol_window : 30;
        nx_sind_win_init(&sl->rets, vw > NX_SIND_WIN_MAX ? NX_SIND_WIN_MAX : vw);
    }
    s->ctx.api = &nx__api;
    s->ctx.host = h;
    s->ctx.strategy = id;
    s->ctx.n_instruments = spec->n_instruments;
    s->ctx.instruments = s->spec.instruments;
    s->ctx.name = s->spec.name;
    /* Routes first so a failing init leaves nothing half-registered. */
    nx__route_t *grown[NX_STRATEGY_INSTR_MAX] = {0};
    for (uint32_t i = 0; i < spec->n_instruments; i++) {
        uint32_t iid = spec->instruments[i];
        grown[i] = nx_malloc((h->nroutes[iid] + 1u) * sizeof(nx__route_t));
        if (!grown[i]) {
            for (uint32_t j = 0; j < i; j++) nx_free(grown[j]);
            nx__strat_free(s);
            return NX_ERR(NX_ENOMEM, "strategy routes");
        }
    }
    rc = s->spec.vt->init(s->state, &s->spec.params, &s->ctx);
    if (rc < 0) {
        for (uint32_t j = 0; j < spec->n_instruments; j++) nx_free(grown[j]);
        nx__strat_free(s);
        return NX_ERR_APPEND(rc, "strategy %s", spec->name);
    }
    for (uint32_t i = 0; i < spec->n_instruments; i++) {
        uint32_t iid = spec->instruments[i];
        if (h->nroutes[iid]) memcpy(grown[i], h->routes[iid], h->nroutes[iid] * sizeof(nx__route_t));
        nx_free(h->routes[iid]);
        h->routes[iid] = grown[i];
        h->routes[iid][h->nroutes[iid]++] = (nx__route_t){(uint16_t)h->n, (uint16_t)i};
    }
    h->s[h->n++] = s;
    h->weight_sum += spec->weight;
    if (out_id) *out_id = id;
    return NX_OK;
}

uint32_t nx_strategy_host_count(const nx_strategy_host_t *h) { return h->n; }

const nx_strategy_spec_t *nx_strategy_host_spec(const nx_strategy_host_t *h, uint32_t strategy) {
    return strategy >= 1 && strategy <= h->n ? &h->s[strategy - 1]->spec : NULL;
}

double nx_strategy_host_weight(const nx_strategy_host_t *h, uint32_t strategy) {
    const nx_strategy_spec_t *s = nx_strategy_host_spec(h, strategy);
    return s && h->weight_sum > 0 ? s->weight / h->weight_sum : 0;
}

int nx_strategy_host_status(const nx_strategy_host_t *h, uint32_t strategy) {
    return strategy >= 1 && strategy <= h->n ? h->s[strategy - 1]->status : NX_ENOTFOUND;
}

void nx_strategy_host_get_stats(const nx_strategy_host_t *h, nx_strategy_host_stats_t *out) {
    *out = h->st;
}

/* ------------------------------------------------------------------------- */
/* Snapshot / restore                                                        */
/* ------------------------------------------------------------------------- */

/*
 * Layout (little-endian, this host's struct layouts):
 *   0  4 magic "NXSS"   4 4 version   8 4 strategy id   12 4 n_instruments
 *  16  8 kind hash (FNV-1a of the kind name)   24 8 params hash (CRC32C of values)
 *  32  8 intent seq    40 8 state bytes   48 8 slots bytes
 *  56 32 Kelly statistics
 *  88  . state (or the custom snapshot) then the slots
 *  end 4 CRC32C of everything before
 */
typedef struct nx__snap_hdr {
    uint32_t magic, version, strategy, n_instruments;
    uint64_t kind_hash, params_hash, seq, state_bytes, slot_bytes;
    nx__kelly_t kelly;
} nx__snap_hdr_t;

static uint64_t nx__fnv(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Over the values field by field: padding bytes are not part of identity. */
static uint64_t nx__params_hash(const nx_sparams_t *p) {
    uint32_t c = nx_crc32c(0, &p->n, sizeof p->n);
    for (uint32_t i = 0; i < p->n; i++) {
        c = nx_crc32c(c, &p->v[i].i, sizeof p->v[i].i);
        c = nx_crc32c(c, &p->v[i].d, sizeof p->v[i].d);
        c = nx_crc32c(c, &p->v[i].dec.m, sizeof p->v[i].dec.m);
        c = nx_crc32c(c, &p->v[i].dec.s, sizeof p->v[i].dec.s);
    }
    return c;
}

int nx_strategy_host_snapshot(const nx_strategy_host_t *h, uint32_t strategy, void *buf,
                              size_t cap) {
    if (strategy < 1 || strategy > h->n) return NX_ERR(NX_ENOTFOUND, "strategy %u", strategy);
    const nx__strat_t *s = h->s[strategy - 1];
    nx__snap_hdr_t hd;
    memset(&hd, 0, sizeof hd);
    hd.magic = NX__SNAP_MAGIC;
    hd.version = NX__SNAP_VERSION;
    hd.strategy = strategy;
    hd.n_instruments = s->spec.n_instruments;
    hd.kind_hash = nx__fnv(s->spec.vt->kind);
    hd.params_hash = nx__params_hash(&s->spec.params);
    hd.seq = s->seq;
    hd.kelly = s->kelly;
    hd.slot_bytes = s->spec.n_instruments * sizeof(nx__slot_t);
    unsigned char *p = buf;
    size_t off = sizeof hd;
    if (cap < off) return NX_ERR(NX_ELIMIT, "snapshot buffer too small");
    if (s->spec.vt->snapshot) {
        int n = s->spec.vt->snapshot(s->state, p + off, cap - off);
        if (n < 0) return n;
        hd.state_bytes = (uint64_t)n;
    } else {
        if (cap - off < s->state_size) return NX_ERR(NX_ELIMIT, "snapshot buffer too small");
        memcpy(p + off, s->state, s->state_size);
        hd.state_bytes = s->state_size;
    }
    off += hd.state_bytes;
    if (cap - off < hd.slot_bytes + 4) return NX_ERR(NX_ELIMIT, "snapshot buffer too small");
    memcpy(p + off, s->slots, hd.slot_bytes);
    off += hd.slot_bytes;
    memcpy(p, &hd, sizeof hd);
    uint32_t crc = nx_crc32c(0, p, off);
    memcpy(p + off, &crc, 4);
    off += 4;
    if (off > INT32_MAX) return NX_ERR(NX_ELIMIT, "snapshot too large");
    return (int)off;
}

int nx_strategy_host_restore(nx_strategy_host_t *h, uint32_t strategy, const void *buf,
                             size_t len) {
    if (strategy < 1 || strategy > h->n) return NX_ERR(NX_ENOTFOUND, "strategy %u", strategy);
    nx__strat_t *s = h->s[strategy - 1];
    const unsigned char *p = buf;
    nx__snap_hdr_t hd;
    if (len < sizeof hd + 4) return NX_ERR(NX_ECORRUPT, "snapshot of %zu bytes is too short", len);
    uint32_t crc;
    memcpy(&crc, p + len - 4, 4);
    if (crc != nx_crc32c(0, p, len - 4)) return NX_ERR(NX_ECORRUPT, "snapshot checksum mismatch");
    memcpy(&hd, p, sizeof hd);
    if (hd.magic != NX__SNAP_MAGIC || hd.version != NX__SNAP_VERSION)
        return NX_ERR(NX_EVERSION, "not a strategy snapshot of version %u", NX__SNAP_VERSION);
    if (hd.kind_hash != nx__fnv(s->spec.vt->kind) || hd.n_instruments != s->spec.n_instruments)
        return NX_ERR(NX_ECORRUPT, "snapshot is of another strategy kind (%s expected)",
                      s->spec.vt->kind);
    if (hd.params_hash != nx__params_hash(&s->spec.params))
        return NX_ERR(NX_ECORRUPT, "snapshot of strategy %s was taken with other parameters",
                      s->spec.name);
    if (hd.slot_bytes != s->spec.n_instruments * sizeof(nx__slot_t) ||
        sizeof hd + hd.state_bytes + hd.slot_bytes + 4 != len)
        return NX_ERR(NX_ECORRUPT, "snapshot sizes do not add up");
    const unsigned char *st = p + sizeof hd;
    if (s->spec.vt->restore) {
        int rc = s->spec.vt->restore(s->state, st, hd.state_bytes);
        if (rc < 0) return rc;
    } else {
        if (hd.state_bytes != s->state_size)
            return NX_ERR(NX_ECORRUPT, "snapshot state of %llu bytes, strategy has %zu",
                          (unsigned long long)hd.state_bytes, s->state_size);
        memcpy(s->state, st, s->state_size);
    }
    memcpy(s->slots, st + hd.state_bytes, hd.slot_bytes);
    for (uint32_t i = 0; i < s->spec.n_instruments; i++)
        if (s->slots[i].instrument < NX__HOST_INSTR_MAX)
            h->regime[s->slots[i].instrument] = s->slots[i].regime;
    s->seq = hd.seq;
    s->kelly = hd.kelly;
    s->status = 0;
    return NX_OK;
}
