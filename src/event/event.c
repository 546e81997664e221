/*
 * Event type table, structural checks and JSON rendering (nexus/event.h).
 *
 * JSON output is driven by one field table per type, so the layout comment in
 * event.h, the struct and the dump can be checked against each other by the
 * tests (every byte of each struct is covered by a field or named padding).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nexus/decimal.h"
#include "nexus/event.h"
#include "nexus/time.h"

_Static_assert(sizeof(nx_event_hdr_t) == 48, "event header is 48 bytes");
#define NX__EV_SIZE_CHECK(NAME, code, name, type)                                              \
    _Static_assert(sizeof(type) % 8 == 0 && sizeof(type) <= NX_EVENT_MAX,                      \
                   #type " size must be a multiple of 8 and fit NX_EVENT_MAX");
NX_EVENT_TYPES(NX__EV_SIZE_CHECK)
#undef NX__EV_SIZE_CHECK
_Static_assert(sizeof(nx_ev_trade_t) == 80, "trade layout");
_Static_assert(sizeof(nx_ev_quote_t) == 96, "quote layout");
_Static_assert(sizeof(nx_ev_book_delta_t) == 96, "book delta layout");
_Static_assert(sizeof(nx_ev_bar_t) == 112, "bar layout");
_Static_assert(sizeof(nx_ev_funding_t) == 88, "funding layout");
_Static_assert(sizeof(nx_ev_signal_t) == 80, "signal layout");
_Static_assert(sizeof(nx_ev_order_intent_t) == 112, "order intent layout");
_Static_assert(sizeof(nx_ev_risk_decision_t) == 88, "risk decision layout");
_Static_assert(sizeof(nx_ev_regime_t) == 104, "regime layout");
_Static_assert(sizeof(nx_ev_order_t) == 104, "order layout");
_Static_assert(sizeof(nx_ev_fill_t) == 120, "fill layout");
_Static_assert(sizeof(nx_ev_position_t) == 96, "position layout");
_Static_assert(sizeof(nx_ev_pnl_t) == 104, "pnl layout");
_Static_assert(sizeof(nx_ev_mode_t) == 64, "mode layout");
_Static_assert(sizeof(nx_ev_kill_t) == 64, "kill layout");
_Static_assert(sizeof(nx_ev_intel_t) == 104, "intel layout");
_Static_assert(sizeof(nx_ev_timer_t) == 64, "timer layout");
_Static_assert(sizeof(nx_ev_telemetry_t) == 72, "telemetry layout");
_Static_assert(sizeof(nx_ev_topic_def_t) == 128, "topic def layout");
_Static_assert(sizeof(nx_ev_session_t) == 96, "session layout");
_Static_assert(offsetof(nx_ev_fill_t, trade_id) == 112, "fill trade_id offset");
_Static_assert(offsetof(nx_ev_order_intent_t, link_id) == 104, "intent link offset");
_Static_assert(offsetof(nx_ev_book_delta_t, price) == 64, "book delta price offset");

const char *nx_event_type_name(uint16_t type) {
    switch (type) {
#define NX__EV_NAME(NAME, code, name, t) case NX_EV_##NAME: return #name;
        NX_EVENT_TYPES(NX__EV_NAME)
#undef NX__EV_NAME
    default: return NULL;
    }
}

uint16_t nx_event_type_from_name(const char *s) {
#define NX__EV_FROM(NAME, code, name, t) if (strcmp(s, #name) == 0) return NX_EV_##NAME;
    NX_EVENT_TYPES(NX__EV_FROM)
#undef NX__EV_FROM
    return NX_EV_NONE;
}

uint16_t nx_event_size_of(uint16_t type) {
    switch (type) {
#define NX__EV_SZ(NAME, code, name, t) case NX_EV_##NAME: return (uint16_t)sizeof(t);
        NX_EVENT_TYPES(NX__EV_SZ)
#undef NX__EV_SZ
    default: return 0;
    }
}

void nx_event_init(nx_event_t *ev, uint16_t type) {
    uint16_t sz = nx_event_size_of(type);
    memset(ev, 0, sz ? sz : sizeof(nx_event_hdr_t));
    ev->h.type = type;
    ev->h.size = sz ? sz : (uint16_t)sizeof(nx_event_hdr_t);
}

int nx_event_check(const void *rec, size_t len) {
    nx_event_hdr_t h;
    if (len < sizeof h) return NX_ERR(NX_ECORRUPT, "event record of %zu bytes is shorter than its header", len);
    memcpy(&h, rec, sizeof h);
    if (h.size != len)
        return NX_ERR(NX_ECORRUPT, "event size field %u does not match record length %zu", h.size, len);
    if (h.size % 8 != 0 || h.size > NX_EVENT_MAX)
        return NX_ERR(NX_ECORRUPT, "event size %u is not a multiple of 8 up to %d", h.size,
                      NX_EVENT_MAX);
    if (h.type == NX_EV_NONE) return NX_ERR(NX_ECORRUPT, "event type 0");
    uint16_t want = nx_event_size_of(h.type);
    if (want && want != h.size)
        return NX_ERR(NX_ECORRUPT, "%s event has size %u, expected %u", nx_event_type_name(h.type),
                      h.size, want);
    if (h.type == NX_EV_TOPIC_DEF) {
        const nx_ev_topic_def_t *t = rec;
        if (t->name_len > NX_TOPIC_NAME_MAX || t->name[t->name_len] != '\0' ||
            memchr(t->name, '\0', t->name_len) != NULL)
            return NX_ERR(NX_ECORRUPT, "topic definition name is not a NUL-terminated string");
    }
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* JSON                                                                      */
/* ------------------------------------------------------------------------- */

typedef enum {
    F_U8,
    F_I8,
    F_U16,
    F_U32,
    F_I32,
    F_U64,
    F_I64,
    F_F64,
    F_TS,     /* int64 ns -> ISO-8601 string */
    F_DUR,    /* int64 ns, printed as a number */
    F_DEC,    /* int64 mantissa; scale is the u8 at `aux` */
    F_SIDE,   /* u8 nx_side_t */
    F_ORDTYPE,
    F_TIF,
    F_LIQ,
    F_ACTION,
    F_MODE,
    F_SCOPE,
    F_RUNMODE,
    F_STR,    /* NUL-terminated char array */
    F_PAD     /* reserved bytes: not printed */
} nx__fkind_t;

typedef struct {
    const char *name;
    uint16_t off;
    uint8_t kind;
    uint8_t aux; /* offset of the scale byte for F_DEC */
} nx__field_t;

#define FLD(T, f, k) {#f, (uint16_t)offsetof(T, f), k, 0}
#define DEC(T, f, sc) {#f, (uint16_t)offsetof(T, f), F_DEC, (uint8_t)offsetof(T, sc)}
#define END {NULL, 0, 0, 0}

static const nx__field_t nx__f_topic_def[] = {FLD(nx_ev_topic_def_t, topic_id, F_U32),
                                              FLD(nx_ev_topic_def_t, name, F_STR), END};
static const nx__field_t nx__f_session[] = {
    FLD(nx_ev_session_t, mode, F_RUNMODE), FLD(nx_ev_session_t, seed, F_U64),
    FLD(nx_ev_session_t, config_hash, F_U64), FLD(nx_ev_session_t, start_ts, F_TS),
    FLD(nx_ev_session_t, format_version, F_U32), FLD(nx_ev_session_t, flags, F_U64), END};
static const nx__field_t nx__f_trade[] = {
    FLD(nx_ev_trade_t, instrument, F_U32), FLD(nx_ev_trade_t, aggressor, F_SIDE),
    DEC(nx_ev_trade_t, price, price_scale), DEC(nx_ev_trade_t, qty, qty_scale),
    FLD(nx_ev_trade_t, trade_id, F_U64), FLD(nx_ev_trade_t, flags, F_U8), END};
static const nx__field_t nx__f_quote[] = {
    FLD(nx_ev_quote_t, instrument, F_U32), DEC(nx_ev_quote_t, bid_price, price_scale),
    DEC(nx_ev_quote_t, bid_qty, qty_scale), DEC(nx_ev_quote_t, ask_price, price_scale),
    DEC(nx_ev_quote_t, ask_qty, qty_scale), FLD(nx_ev_quote_t, update_id, F_U64),
    FLD(nx_ev_quote_t, flags, F_U16), END};
static const nx__field_t nx__f_book_delta[] = {
    FLD(nx_ev_book_delta_t, instrument, F_U32), FLD(nx_ev_book_delta_t, side, F_SIDE),
    FLD(nx_ev_book_delta_t, action, F_ACTION), DEC(nx_ev_book_delta_t, price, price_scale),
    DEC(nx_ev_book_delta_t, qty, qty_scale), FLD(nx_ev_book_delta_t, flags, F_U32),
    FLD(nx_ev_book_delta_t, aux, F_U32),
    FLD(nx_ev_book_delta_t, update_id, F_U64), FLD(nx_ev_book_delta_t, first_update_id, F_U64),
    END};
static const nx__field_t nx__f_bar[] = {
    FLD(nx_ev_bar_t, instrument, F_U32), FLD(nx_ev_bar_t, interval_ns, F_DUR),
    DEC(nx_ev_bar_t, open, price_scale), DEC(nx_ev_bar_t, high, price_scale),
    DEC(nx_ev_bar_t, low, price_scale), DEC(nx_ev_bar_t, close, price_scale),
    DEC(nx_ev_bar_t, volume, qty_scale), FLD(nx_ev_bar_t, trades, F_U64),
    FLD(nx_ev_bar_t, flags, F_U16), END};
static const nx__field_t nx__f_funding[] = {
    FLD(nx_ev_funding_t, instrument, F_U32), DEC(nx_ev_funding_t, rate, rate_scale),
    DEC(nx_ev_funding_t, mark_price, price_scale), FLD(nx_ev_funding_t, funding_ts, F_TS),
    FLD(nx_ev_funding_t, next_funding_ts, F_TS), END};
static const nx__field_t nx__f_signal[] = {
    FLD(nx_ev_signal_t, strategy, F_U32), FLD(nx_ev_signal_t, instrument, F_U32),
    FLD(nx_ev_signal_t, direction, F_I8), FLD(nx_ev_signal_t, confidence, F_F64),
    DEC(nx_ev_signal_t, target_qty, qty_scale), FLD(nx_ev_signal_t, flags, F_U16), END};
static const nx__field_t nx__f_intent[] = {
    FLD(nx_ev_order_intent_t, intent_id, F_U64), FLD(nx_ev_order_intent_t, strategy, F_U32),
    FLD(nx_ev_order_intent_t, instrument, F_U32), FLD(nx_ev_order_intent_t, side, F_SIDE),
    FLD(nx_ev_order_intent_t, ord_type, F_ORDTYPE), FLD(nx_ev_order_intent_t, tif, F_TIF),
    DEC(nx_ev_order_intent_t, price, price_scale),
    DEC(nx_ev_order_intent_t, stop_price, price_scale), DEC(nx_ev_order_intent_t, qty, qty_scale),
    FLD(nx_ev_order_intent_t, flags, F_U8), FLD(nx_ev_order_intent_t, action, F_U8),
    FLD(nx_ev_order_intent_t, reason, F_U8),
    FLD(nx_ev_order_intent_t, expire_ts, F_TS),
    FLD(nx_ev_order_intent_t, link_id, F_U64), END};
static const nx__field_t nx__f_risk[] = {
    FLD(nx_ev_risk_decision_t, intent_id, F_U64), FLD(nx_ev_risk_decision_t, strategy, F_U32),
    FLD(nx_ev_risk_decision_t, approved, F_U8), FLD(nx_ev_risk_decision_t, mode, F_MODE),
    FLD(nx_ev_risk_decision_t, reasons, F_U64),
    DEC(nx_ev_risk_decision_t, approved_qty, qty_scale),
    FLD(nx_ev_risk_decision_t, limit_value, F_I64), END};
static const nx__field_t nx__f_regime[] = {
    FLD(nx_ev_regime_t, instrument, F_U32), FLD(nx_ev_regime_t, label, F_U8),
    FLD(nx_ev_regime_t, prev_label, F_U8), FLD(nx_ev_regime_t, source, F_U8),
    FLD(nx_ev_regime_t, state, F_U8), FLD(nx_ev_regime_t, held_bars, F_U32),
    FLD(nx_ev_regime_t, nstates, F_U8), FLD(nx_ev_regime_t, confidence, F_F64), END};
static const nx__field_t nx__f_order[] = {
    FLD(nx_ev_order_t, intent_id, F_U64), FLD(nx_ev_order_t, venue_order_id, F_U64),
    FLD(nx_ev_order_t, instrument, F_U32), FLD(nx_ev_order_t, side, F_SIDE),
    DEC(nx_ev_order_t, price, price_scale), DEC(nx_ev_order_t, qty, qty_scale),
    DEC(nx_ev_order_t, leaves_qty, qty_scale), FLD(nx_ev_order_t, reason, F_U8),
    FLD(nx_ev_order_t, venue_code, F_I32), END};
static const nx__field_t nx__f_fill[] = {
    FLD(nx_ev_fill_t, intent_id, F_U64), FLD(nx_ev_fill_t, venue_order_id, F_U64),
    FLD(nx_ev_fill_t, instrument, F_U32), FLD(nx_ev_fill_t, side, F_SIDE),
    FLD(nx_ev_fill_t, liquidity, F_LIQ), DEC(nx_ev_fill_t, price, price_scale),
    DEC(nx_ev_fill_t, qty, qty_scale), DEC(nx_ev_fill_t, leaves_qty, qty_scale),
    DEC(nx_ev_fill_t, fee, fee_scale), FLD(nx_ev_fill_t, fee_asset, F_U32),
    FLD(nx_ev_fill_t, trade_id, F_U64), FLD(nx_ev_fill_t, flags, F_U8), END};
static const nx__field_t nx__f_position[] = {
    FLD(nx_ev_position_t, strategy, F_U32), FLD(nx_ev_position_t, instrument, F_U32),
    DEC(nx_ev_position_t, qty, qty_scale), DEC(nx_ev_position_t, avg_price, price_scale),
    DEC(nx_ev_position_t, realized_pnl, money_scale),
    DEC(nx_ev_position_t, unrealized_pnl, money_scale), END};
static const nx__field_t nx__f_pnl[] = {
    FLD(nx_ev_pnl_t, strategy, F_U32), FLD(nx_ev_pnl_t, currency, F_U32),
    DEC(nx_ev_pnl_t, equity, money_scale), DEC(nx_ev_pnl_t, cash, money_scale),
    DEC(nx_ev_pnl_t, realized, money_scale), DEC(nx_ev_pnl_t, unrealized, money_scale),
    DEC(nx_ev_pnl_t, fees, money_scale), END};
static const nx__field_t nx__f_mode[] = {
    FLD(nx_ev_mode_t, scope, F_SCOPE), FLD(nx_ev_mode_t, scope_id, F_U32),
    FLD(nx_ev_mode_t, old_mode, F_MODE), FLD(nx_ev_mode_t, new_mode, F_MODE),
    FLD(nx_ev_mode_t, reason, F_U32), END};
static const nx__field_t nx__f_kill[] = {
    FLD(nx_ev_kill_t, scope, F_SCOPE), FLD(nx_ev_kill_t, scope_id, F_U32),
    FLD(nx_ev_kill_t, engaged, F_U8), FLD(nx_ev_kill_t, reason, F_U32), END};
static const nx__field_t nx__f_intel[] = {
    FLD(nx_ev_intel_t, intel_topic, F_U32), FLD(nx_ev_intel_t, provider, F_U32),
    FLD(nx_ev_intel_t, instrument, F_U32), FLD(nx_ev_intel_t, ttl_ns, F_DUR),
    FLD(nx_ev_intel_t, score, F_F64), FLD(nx_ev_intel_t, confidence, F_F64),
    DEC(nx_ev_intel_t, cost, cost_scale), FLD(nx_ev_intel_t, content_hash, F_U64), END};
static const nx__field_t nx__f_timer[] = {FLD(nx_ev_timer_t, timer_id, F_U64),
                                          FLD(nx_ev_timer_t, user, F_U64), END};
static const nx__field_t nx__f_telemetry[] = {
    FLD(nx_ev_telemetry_t, metric, F_U32), FLD(nx_ev_telemetry_t, component, F_U32),
    FLD(nx_ev_telemetry_t, value, F_F64), FLD(nx_ev_telemetry_t, count, F_U64), END};

static const nx__field_t *nx__fields(uint16_t type) {
    switch (type) {
    case NX_EV_TOPIC_DEF: return nx__f_topic_def;
    case NX_EV_SESSION: return nx__f_session;
    case NX_EV_TRADE: return nx__f_trade;
    case NX_EV_QUOTE: return nx__f_quote;
    case NX_EV_BOOK_DELTA: return nx__f_book_delta;
    case NX_EV_BAR: return nx__f_bar;
    case NX_EV_FUNDING: return nx__f_funding;
    case NX_EV_SIGNAL: return nx__f_signal;
    case NX_EV_ORDER_INTENT: return nx__f_intent;
    case NX_EV_RISK_DECISION: return nx__f_risk;
    case NX_EV_REGIME: return nx__f_regime;
    case NX_EV_ORDER_ACK:
    case NX_EV_ORDER_REJECT:
    case NX_EV_ORDER_CANCEL:
    case NX_EV_ORDER_EXPIRE: return nx__f_order;
    case NX_EV_FILL: return nx__f_fill;
    case NX_EV_POSITION: return nx__f_position;
    case NX_EV_PNL: return nx__f_pnl;
    case NX_EV_MODE_CHANGE: return nx__f_mode;
    case NX_EV_KILL: return nx__f_kill;
    case NX_EV_INTEL: return nx__f_intel;
    case NX_EV_TIMER: return nx__f_timer;
    case NX_EV_TELEMETRY: return nx__f_telemetry;
    default: return NULL;
    }
}

typedef struct {
    char *buf;
    size_t cap, len;
    int overflow;
} nx__jw_t;

static void nx__put(nx__jw_t *w, const char *s, size_t n) {
    if (w->len + n >= w->cap) {
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void nx__puts(nx__jw_t *w, const char *s) { nx__put(w, s, strlen(s)); }

static void nx__putf(nx__jw_t *w, const char *fmt, ...) NX_PRINTF(2, 3);
static void nx__putf(nx__jw_t *w, const char *fmt, ...) {
    if (w->overflow) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    w->len += (size_t)n;
}

static void nx__put_str(nx__jw_t *w, const char *s, size_t n) {
    nx__put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            nx__put(w, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            nx__putf(w, "\\u%04x", c);
        } else {
            nx__put(w, (const char *)&c, 1);
        }
    }
    nx__put(w, "\"", 1);
}

static void nx__put_ts(nx__jw_t *w, int64_t ts) {
    char t[NX_TIME_STRLEN];
    if (ts == 0) {
        nx__puts(w, "null");
        return;
    }
    size_t n = nx_time_format(ts, t);
    nx__put(w, "\"", 1);
    nx__put(w, t, n);
    nx__put(w, "\"", 1);
}

static const char *nx__enum_name(uint8_t kind, unsigned v) {
    static const char *const side[] = {"none", "buy", "sell"};
    static const char *const ord[] = {"?",     "market",      "limit",
                                      "stop_market", "stop_limit", "take_profit",
                                      "take_profit_limit", "trailing_stop"};
    static const char *const tif[] = {"?", "gtc", "ioc", "fok", "gtd", "day"};
    static const char *const liq[] = {"none", "maker", "taker"};
    static const char *const act[] = {"?", "set", "delete", "clear"};
    static const char *const mode[] = {"?", "active", "reducing", "halted"};
    static const char *const scope[] = {"global", "strategy", "venue", "instrument"};
    static const char *const run[] = {"?", "backtest", "paper", "live", "replay"};
#define PICK(arr) return v < NX_ARRAY_LEN(arr) ? arr[v] : NULL
    switch (kind) {
    case F_SIDE: PICK(side);
    case F_ORDTYPE: PICK(ord);
    case F_TIF: PICK(tif);
    case F_LIQ: PICK(liq);
    case F_ACTION: PICK(act);
    case F_MODE: PICK(mode);
    case F_SCOPE: PICK(scope);
    case F_RUNMODE: PICK(run);
    default: return NULL;
    }
#undef PICK
}

static void nx__put_field(nx__jw_t *w, const unsigned char *rec, const nx__field_t *f) {
    const unsigned char *p = rec + f->off;
    uint8_t u8;
    int8_t i8;
    uint16_t u16;
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    int64_t i64;
    double d;

    nx__putf(w, ",\"%s\":", f->name);
    switch ((nx__fkind_t)f->kind) {
    case F_U8: memcpy(&u8, p, 1); nx__putf(w, "%u", u8); break;
    case F_I8: memcpy(&i8, p, 1); nx__putf(w, "%d", i8); break;
    case F_U16: memcpy(&u16, p, 2); nx__putf(w, "%u", u16); break;
    case F_U32: memcpy(&u32, p, 4); nx__putf(w, "%u", u32); break;
    case F_I32: memcpy(&i32, p, 4); nx__putf(w, "%d", i32); break;
    case F_U64: memcpy(&u64, p, 8); nx__putf(w, "%llu", (unsigned long long)u64); break;
    case F_I64:
    case F_DUR: memcpy(&i64, p, 8); nx__putf(w, "%lld", (long long)i64); break;
    case F_F64: memcpy(&d, p, 8); nx__putf(w, "%.17g", d); break;
    case F_TS: memcpy(&i64, p, 8); nx__put_ts(w, i64); break;
    case F_DEC: {
        char t[NX_DEC_STRLEN];
        memcpy(&i64, p, 8);
        uint8_t sc = rec[f->aux];
        if (sc > NX_DEC_MAX_SCALE) {
            nx__putf(w, "{\"raw\":%lld,\"scale\":%u}", (long long)i64, sc);
            break;
        }
        size_t n = nx_dec_format_raw(i64, sc, t);
        nx__put(w, "\"", 1);
        nx__put(w, t, n);
        nx__put(w, "\"", 1);
        break;
    }
    case F_STR: {
        size_t n = strnlen((const char *)p, NX_TOPIC_NAME_MAX + 1);
        nx__put_str(w, (const char *)p, n);
        break;
    }
    case F_PAD: break;
    default: {
        memcpy(&u8, p, 1);
        const char *nm = nx__enum_name(f->kind, u8);
        if (nm) nx__putf(w, "\"%s\"", nm);
        else nx__putf(w, "%u", u8);
        break;
    }
    }
}

int nx_event_to_json(const void *rec, nx_topic_name_fn names, void *ctx, char *buf, size_t cap) {
    nx_event_hdr_t h;
    nx__jw_t w = {buf, cap, 0, 0};
    if (cap == 0) return NX_ERR(NX_ELIMIT, "no room for JSON");
    memcpy(&h, rec, sizeof h);
    const char *tn = nx_event_type_name(h.type);
    nx__putf(&w, "{\"seq\":%llu,\"type\":", (unsigned long long)h.seq);
    if (tn) nx__putf(&w, "\"%s\"", tn);
    else nx__putf(&w, "%u", h.type);
    nx__puts(&w, ",\"ts_venue\":");
    nx__put_ts(&w, h.ts_venue);
    nx__puts(&w, ",\"ts_recv\":");
    nx__put_ts(&w, h.ts_recv);
    nx__putf(&w, ",\"trace_id\":%llu,\"causation_id\":%llu", (unsigned long long)h.trace_id,
             (unsigned long long)h.causation_id);
    const char *topic = names ? names(ctx, h.topic) : NULL;
    if (topic) {
        nx__puts(&w, ",\"topic\":");
        nx__put_str(&w, topic, strlen(topic));
    } else {
        nx__putf(&w, ",\"topic\":%u", h.topic);
    }
    const nx__field_t *f = nx__fields(h.type);
    if (f && h.size >= nx_event_size_of(h.type)) {
        for (; f->name; f++) nx__put_field(&w, rec, f);
    } else if (h.size > sizeof h) {
        /* Unknown type: show the payload bytes so nothing is hidden. */
        const unsigned char *p = (const unsigned char *)rec + sizeof h;
        nx__puts(&w, ",\"payload_hex\":\"");
        for (size_t i = 0; i < (size_t)h.size - sizeof h && i < NX_EVENT_MAX; i++)
            nx__putf(&w, "%02x", p[i]);
        nx__puts(&w, "\"");
    }
    nx__puts(&w, "}");
    if (w.overflow) return NX_ERR(NX_ELIMIT, "JSON for event seq %llu exceeds %zu bytes",
                                  (unsigned long long)h.seq, cap);
    buf[w.len] = '\0';
    return (int)w.len;
}
