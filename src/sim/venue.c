/*
 * venue.c — nx_sim_t: configuration, instruments, assets, accounts, the
 * exchange rules and rejects, client-id idempotency, routing orders to the
 * matcher and the fill models, execution reports, delayed actions, and the
 * kernel component.
 *
 * One operation (an intent, a market event, a delayed action) runs to the
 * end before the next: matching passes report fills through callbacks and
 * never restructure the book they walk; what a fill implies for other
 * orders (an OCO partner to cancel, bracket children to release) is queued
 * and run after the pass (nx__sim_run_deferred).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_int.h"

#define NX__TAG_SHIFT 22
#define NX__ROUTES_MAX 1024u

/* ---- reasons ---------------------------------------------------------------- */

static const struct {
    const char *name;
    int32_t code;
} nx__reasons[] = {
#define NX__R(name, v, code, text) [v] = {text, code},
    NX_SIM_REASONS(NX__R)
#undef NX__R
};

const char *nx_sim_reason_name(int r) {
    if (r < 0 || (size_t)r >= NX_ARRAY_LEN(nx__reasons) || !nx__reasons[r].name) return "?";
    return nx__reasons[r].name;
}

int32_t nx_sim_reason_code(int r) {
    if (r < 0 || (size_t)r >= NX_ARRAY_LEN(nx__reasons)) return 0;
    return nx__reasons[r].code;
}

/* ---- configuration -------------------------------------------------------- */

void nx_sim_config_default(nx_sim_config_t *c) {
    memset(c, 0, sizeof *c);
    c->name = "sim";
    c->fill = NX_SIM_FILL_BARS;
    c->queue = NX_SIM_QUEUE_CONSERVATIVE;
    c->trade_volume_cap = 1;
    c->queue_power = 1.0;
    c->stp = NX_SIM_STP_EXPIRE_MAKER;
    c->max_open_orders = 200;
    c->rate_window_ns = NX_NS_PER_SEC;
    c->max_orders = 65536;
    c->max_levels = 16384;
    c->max_pending = 65536;
    c->max_client_ids = 65536;
    c->max_instruments = 64;
    c->max_assets = 64;
    c->max_accounts = 16;
    c->market_collar = nx_dec_make(5, 2);
}

void nx_sim_instr_opts_default(nx_sim_instr_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->leverage = nx_dec_make(10, 0);
    o->maint_margin = nx_dec_make(5, 3);
    o->liq_fee = nx_dec_make(5, 3);
}

static void nx__on_fill(void *ctx, const nx_sim_fill_t *f);
static void nx__on_expire(void *ctx, uint64_t id, uint64_t user, int64_t leaves,
                          nx_sim_reason_t why);

int nx_sim_new(const nx_sim_config_t *cin, nx_sim_t **out) {
    if (!cin || !out) return NX_ERR(NX_EINVAL, "NULL argument");
    nx_sim_config_t c = *cin;
    if (!c.name || !*c.name || strlen(c.name) > 24) return NX_ERR(NX_ECONFIG, "sim name 1..24 bytes");
    if (c.fill < NX_SIM_FILL_BARS || c.fill > NX_SIM_FILL_BOOK) return NX_ERR(NX_ECONFIG, "bad fill model");
    if ((unsigned)c.queue > NX_SIM_QUEUE_PROB) return NX_ERR(NX_ECONFIG, "bad queue model");
    if (c.max_instruments == 0 || c.max_instruments > 1024)
        return NX_ERR(NX_ECONFIG, "max_instruments 1..1024");
    if (c.max_orders == 0 || c.max_orders > (1u << 22)) return NX_ERR(NX_ECONFIG, "max_orders 1..2^22");
    if (!c.max_levels || !c.max_pending || !c.max_client_ids || !c.max_assets || !c.max_accounts ||
        c.max_client_ids > (1u << 26) || c.max_assets > 4096 || c.max_accounts > 65536)
        return NX_ERR(NX_ECONFIG, "sim capacities must be > 0 and sane");
    if (c.rate_window_ns <= 0) c.rate_window_ns = NX_NS_PER_SEC;
    if (!(c.queue_power > 0)) c.queue_power = 1.0;
    if (nx_dec_sign(c.market_collar) < 0) return NX_ERR(NX_ECONFIG, "market_collar < 0");
    nx_sim_t *s = nx_calloc(1, sizeof *s);
    if (!s) return NX_ERR(NX_ENOMEM, "sim");
    int rc = NX_OK;
    s->c = c;
    memcpy(s->name, c.name, strlen(c.name) + 1);
    s->c.name = s->name;
    nx_rng_seed(&s->rng, c.seed);
    nx_sim_latency_t *lats[4] = {&s->c.lat_entry, &s->c.lat_ack, &s->c.lat_cancel, &s->c.lat_md};
    const nx_sim_latency_t *src[4] = {&cin->lat_entry, &cin->lat_ack, &cin->lat_cancel, &cin->lat_md};
    for (int i = 0; i < 4; i++) lats[i]->samples = NULL;
    for (int i = 0; i < 4 && rc == NX_OK; i++) rc = nx__lat_copy(lats[i], src[i]);
    uint32_t cap = 1;
    while (cap < c.max_client_ids * 2) cap <<= 1;
    s->cid_mask = cap - 1;
    s->ins = nx_calloc(c.max_instruments, sizeof *s->ins);
    s->ins_ids = nx_calloc(c.max_instruments, sizeof *s->ins_ids);
    s->ins_slot = nx_calloc(c.max_instruments, sizeof *s->ins_slot);
    s->assets = nx_calloc((size_t)c.max_assets + 1, sizeof *s->assets);
    s->acct = nx_calloc(c.max_accounts, sizeof *s->acct);
    s->routes = nx_calloc(NX__ROUTES_MAX, sizeof *s->routes);
    s->cid = nx_calloc(cap, sizeof *s->cid);
    s->cid_fifo = nx_calloc(c.max_client_ids, sizeof *s->cid_fifo);
    s->cap_defer = c.max_orders + 64;
    s->defer = nx_calloc(s->cap_defer, sizeof *s->defer);
    s->defer_reason = nx_calloc(s->cap_defer, sizeof *s->defer_reason);
    s->scratch = nx_calloc(c.max_orders, sizeof *s->scratch);
    if (rc == NX_OK && (!s->ins || !s->ins_ids || !s->ins_slot || !s->assets || !s->acct ||
                        !s->routes || !s->cid || !s->cid_fifo || !s->defer || !s->defer_reason ||
                        !s->scratch))
        rc = NX_ERR(NX_ENOMEM, "sim tables");
    if (rc == NX_OK) rc = nx__pq_init(&s->pq, c.max_pending);
    uint32_t a0;
    if (rc == NX_OK) rc = nx_sim_add_account(s, &a0);
    if (rc < 0) {
        nx_sim_free(s);
        return rc;
    }
    *out = s;
    return NX_OK;
}

void nx_sim_free(nx_sim_t *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->n_ins; i++) {
        nx_sim_matcher_free(s->ins[i].m);
        nx__md_close(&s->ins[i]);
    }
    for (uint32_t i = 0; i < s->n_acct; i++) nx__acct_close(&s->acct[i]);
    nx__lat_free(&s->c.lat_entry);
    nx__lat_free(&s->c.lat_ack);
    nx__lat_free(&s->c.lat_cancel);
    nx__lat_free(&s->c.lat_md);
    nx__pq_close(&s->pq);
    nx_free(s->ins);
    nx_free(s->ins_ids);
    nx_free(s->ins_slot);
    nx_free(s->assets);
    nx_free(s->acct);
    nx_free(s->routes);
    nx_free(s->cid);
    nx_free(s->cid_fifo);
    nx_free(s->defer);
    nx_free(s->defer_reason);
    nx_free(s->scratch);
    nx_free(s);
}

static uint32_t nx__asset_find(const nx_sim_t *s, const char *code) {
    for (uint32_t i = 1; i <= s->n_assets; i++)
        if (strcmp(s->assets[i].code, code) == 0) return i;
    return 0;
}

int nx_sim_add_asset(nx_sim_t *s, const char *code, uint8_t scale, uint32_t *out_id) {
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n >= NX_INSTRUMENT_CCY_MAX) return NX_ERR(NX_EINVAL, "asset code length");
    if (scale > NX_DEC_MAX_SCALE) return NX_ERR(NX_EINVAL, "asset scale %u", scale);
    if (nx__asset_find(s, code)) return NX_ERR(NX_EEXIST, "asset %s exists", code);
    if (s->n_assets >= s->c.max_assets) return NX_ERR(NX_ELIMIT, "%u assets", s->c.max_assets);
    uint32_t id = ++s->n_assets;
    memcpy(s->assets[id].code, code, n + 1);
    s->assets[id].scale = scale;
    if (out_id) *out_id = id;
    return NX_OK;
}

nx__sim_instr_t *nx__sim_instr_search(nx_sim_t *s, uint32_t id) {
    uint32_t lo = 0, hi = s->n_ins;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->ins_ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->n_ins && s->ins_ids[lo] == id ? &s->ins[s->ins_slot[lo]] : NULL;
}

static int nx__to_scale(nx_dec_t v, uint8_t scale, int64_t *out) {
    nx_dec_t r = {0, 0};
    int rc = nx_dec_rescale(v, scale, NX_ROUND_EXACT, &r);
    if (rc == NX_OK) *out = r.m;
    return rc;
}

int nx_sim_add_instrument(nx_sim_t *s, const nx_instrument_t *inst, const nx_sim_instr_opts_t *o) {
    if (!inst) return NX_ERR(NX_EINVAL, "NULL instrument");
    if (nx__sim_instr(s, inst->id)) return NX_ERR(NX_EEXIST, "instrument %u already traded", inst->id);
    if (s->n_ins >= s->c.max_instruments)
        return NX_ERR(NX_ELIMIT, "%u instruments", s->c.max_instruments);
    nx__sim_instr_t *in = &s->ins[s->n_ins];
    memset(in, 0, sizeof *in);
    in->inst = *inst;
    if (o) in->o = *o;
    else nx_sim_instr_opts_default(&in->o);
    if (in->o.fees.n_tiers > NX_SIM_FEE_TIERS_MAX) return NX_ERR(NX_ECONFIG, "too many fee tiers");
    if (nx_dec_sign(in->o.leverage) <= 0) return NX_ERR(NX_ECONFIG, "leverage must be > 0");
    in->ps = inst->price_precision;
    in->qs = inst->size_precision;
    in->margin = inst->asset_class == NX_ASSET_PERPETUAL || inst->asset_class == NX_ASSET_FUTURE;
    if (nx__to_scale(inst->tick_size, in->ps, &in->tick) < 0 || in->tick <= 0 ||
        nx__to_scale(inst->lot_size, in->qs, &in->lot) < 0 || in->lot <= 0)
        return NX_ERR(NX_ECONFIG, "%s: tick/lot not representable at its precisions", inst->symbol);
    if (nx__to_scale(inst->min_qty, in->qs, &in->min_qty) < 0) in->min_qty = in->lot;
    if (in->min_qty <= 0) in->min_qty = in->lot;
    if (nx_dec_sign(inst->multiplier) <= 0) in->inst.multiplier = nx_dec_make(1, 0);
    in->base = nx__asset_find(s, inst->base);
    in->quote = nx__asset_find(s, in->margin && inst->settle[0] ? inst->settle : inst->quote);
    if (!in->quote || (!in->margin && !in->base))
        return NX_ERR(NX_ECONFIG, "%s: add its assets (%s, %s) first", inst->symbol, inst->base,
                      in->margin ? inst->settle : inst->quote);
    if (!in->margin && s->assets[in->base].scale < in->qs)
        return NX_ERR(NX_ECONFIG, "%s: asset %s scale %u < size precision %u", inst->symbol,
                      inst->base, s->assets[in->base].scale, in->qs);
    nx_sim_matcher_opts_t mo;
    nx_sim_matcher_opts_default(&mo);
    mo.capacity = s->c.max_orders;
    mo.max_levels = s->c.max_levels;
    mo.tag = s->n_ins;
    mo.stp = s->c.stp;
    mo.on_fill = nx__on_fill;
    mo.on_expire = nx__on_expire;
    mo.ctx = s;
    int rc = nx_sim_matcher_new(&mo, &in->m);
    if (rc < 0) return NX_ERR_APPEND(rc, "instrument %s", inst->symbol);
    if ((rc = nx__md_init(in, s->c.max_levels)) < 0) {
        nx_sim_matcher_free(in->m);
        in->m = NULL;
        return rc;
    }
    in->wait_head = in->wait_tail = NX__NIL;
    /* keep ids sorted for lookups */
    uint32_t i = s->n_ins;
    while (i > 0 && s->ins_ids[i - 1] > inst->id) {
        s->ins_ids[i] = s->ins_ids[i - 1];
        s->ins_slot[i] = s->ins_slot[i - 1];
        i--;
    }
    s->ins_ids[i] = inst->id;
    s->ins_slot[i] = s->n_ins;
    s->n_ins++;
    return NX_OK;
}

int nx_sim_add_account(nx_sim_t *s, uint32_t *out_id) {
    if (s->n_acct >= s->c.max_accounts) return NX_ERR(NX_ELIMIT, "%u accounts", s->c.max_accounts);
    int rc = nx__acct_init(s, &s->acct[s->n_acct]);
    if (rc < 0) return rc;
    if (out_id) *out_id = s->n_acct;
    s->n_acct++;
    return NX_OK;
}

int nx_sim_route(nx_sim_t *s, uint32_t strategy, uint32_t account) {
    if (account >= s->n_acct) return NX_ERR(NX_EINVAL, "no account %u", account);
    for (uint32_t i = 0; i < s->n_routes; i++)
        if (s->routes[i].strategy == strategy) {
            s->routes[i].account = account;
            return NX_OK;
        }
    if (s->n_routes >= NX__ROUTES_MAX) return NX_ERR(NX_ELIMIT, "%u routes", NX__ROUTES_MAX);
    s->routes[s->n_routes].strategy = strategy;
    s->routes[s->n_routes++].account = account;
    return NX_OK;
}

static uint32_t nx__account_of(const nx_sim_t *s, uint32_t strategy) {
    for (uint32_t i = 0; i < s->n_routes; i++)
        if (s->routes[i].strategy == strategy) return s->routes[i].account;
    return 0;
}

int nx_sim_deposit(nx_sim_t *s, uint32_t account, uint32_t asset, nx_dec_t amount) {
    if (account >= s->n_acct || asset == 0 || asset > s->n_assets)
        return NX_ERR(NX_EINVAL, "bad account %u or asset %u", account, asset);
    int64_t m = 0;
    int rc = nx__to_scale(amount, s->assets[asset].scale, &m);
    if (rc < 0) return NX_ERR_APPEND(rc, "deposit at scale %u", s->assets[asset].scale);
    nx__sim_acct_t *a = &s->acct[account];
    if (m < 0 && a->total[asset] - a->locked[asset] < -m)
        return NX_ERR(NX_EINVAL, "withdrawal beyond the free balance");
    a->total[asset] += m;
    s->assets[asset].deposits += m;
    return NX_OK;
}

int nx_sim_balance(const nx_sim_t *s, uint32_t account, uint32_t asset, nx_sim_balance_t *out) {
    if (account >= s->n_acct || asset == 0 || asset > s->n_assets) return NX_ENOTFOUND;
    out->total = s->acct[account].total[asset];
    out->locked = s->acct[account].locked[asset];
    out->scale = s->assets[asset].scale;
    return NX_OK;
}

int nx_sim_position(const nx_sim_t *s, uint32_t account, uint32_t instrument, nx_sim_position_t *out) {
    const nx__sim_instr_t *in = nx__sim_instr((nx_sim_t *)(uintptr_t)s, instrument);
    if (account >= s->n_acct || !in) return NX_ENOTFOUND;
    const nx__sim_pos_t *p = &s->acct[account].pos[in - s->ins];
    out->qty = p->qty;
    out->cost = p->cost;
    out->realized = p->realized;
    out->funding = p->funding;
    return NX_OK;
}

int nx_sim_ledger(const nx_sim_t *s, uint32_t asset, int64_t *fees, int64_t *market) {
    if (asset == 0 || asset > s->n_assets) return NX_ENOTFOUND;
    if (fees) *fees = s->assets[asset].fees;
    if (market) *market = s->assets[asset].market;
    return NX_OK;
}

void nx_sim_get_stats(const nx_sim_t *s, nx_sim_stats_t *out) {
    *out = s->st;
    out->pending_peak = s->pq.peak;
}

void nx_sim_set_output(nx_sim_t *s, nx_sim_output_fn fn, void *ctx) {
    s->out = fn;
    s->out_ctx = ctx;
}

/* ---- client ids (idempotency) ---------------------------------------------- */

static uint32_t nx__cid_hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (uint32_t)k;
}

static nx__cid_t *nx__cid_find(nx_sim_t *s, uint64_t key) {
    if (!key) return NULL;
    for (uint32_t i = nx__cid_hash(key) & s->cid_mask;; i = (i + 1) & s->cid_mask) {
        if (s->cid[i].key == key) return &s->cid[i];
        if (s->cid[i].key == 0) return NULL;
    }
}

static void nx__cid_delete(nx_sim_t *s, uint64_t key) {
    uint32_t i = nx__cid_hash(key) & s->cid_mask;
    while (s->cid[i].key != key) {
        if (s->cid[i].key == 0) return;
        i = (i + 1) & s->cid_mask;
    }
    /* backward-shift deletion keeps probe chains intact */
    for (uint32_t j = i;;) {
        s->cid[i].key = 0;
        for (;;) {
            j = (j + 1) & s->cid_mask;
            if (s->cid[j].key == 0) return;
            uint32_t h = nx__cid_hash(s->cid[j].key) & s->cid_mask;
            if (i <= j ? (i < h && h <= j) : (i < h || h <= j)) continue;
            break;
        }
        s->cid[i] = s->cid[j];
        i = j;
    }
}

static nx__cid_t *nx__cid_insert(nx_sim_t *s, uint64_t key) {
    if (s->cid_n == s->c.max_client_ids) {
        nx__cid_delete(s, s->cid_fifo[s->cid_head]);
        s->cid_head = (s->cid_head + 1) % s->c.max_client_ids;
        s->cid_n--;
    }
    uint32_t i = nx__cid_hash(key) & s->cid_mask;
    while (s->cid[i].key != 0) i = (i + 1) & s->cid_mask;
    memset(&s->cid[i], 0, sizeof s->cid[i]);
    s->cid[i].key = key;
    s->cid_fifo[(s->cid_head + s->cid_n) % s->c.max_client_ids] = key;
    s->cid_n++;
    return &s->cid[i];
}

/* ---- reports ------------------------------------------------------------------ */

static int nx__emit(nx_sim_t *s, nx_event_t *ev) {
    ev->h.ts_recv = s->now;
    /* The report's cause: the event being handled, unless it was delayed and
     * remembered its cause when queued (the kernel then names it, not the
     * timer that released it). */
    if (!ev->h.causation_id) {
        ev->h.causation_id = s->cause;
        ev->h.trace_id = s->trace;
    }
    switch (ev->h.type) {
    case NX_EV_ORDER_ACK: s->st.acks++; break;
    case NX_EV_ORDER_REJECT: s->st.rejects++; break;
    case NX_EV_ORDER_CANCEL: s->st.cancels++; break;
    case NX_EV_ORDER_EXPIRE: s->st.expires++; break;
    case NX_EV_FILL: s->st.fills++; break;
    default: break;
    }
    if (!s->out) return NX_OK;
    int rc = s->out(s->out_ctx, &ev->h);
    if (rc < 0 && !s->status) s->status = rc;
    return rc;
}

static int nx__lat_zero(const nx_sim_latency_t *l) {
    return l->kind == NX_SIM_LAT_CONSTANT && l->ns == 0;
}

int nx__sim_report(nx_sim_t *s, nx_event_t *ev) {
    if (s->status) return s->status;
    if (nx__lat_zero(&s->c.lat_ack)) return nx__emit(s, ev);
    if (!ev->h.causation_id) {
        ev->h.causation_id = s->cause;
        ev->h.trace_id = s->trace;
    }
    nx_ts_t due = s->now + nx__lat_get(&s->c.lat_ack, &s->rng);
    if (due < s->last_report_due) due = s->last_report_due; /* reports stay in order */
    s->last_report_due = due;
    int rc = nx__pq_push(&s->pq, due, NX__PEND_REPORT, &ev->h);
    if (rc < 0 && !s->status) s->status = rc;
    return rc;
}

static void nx__order_ev(nx_sim_t *s, nx_event_t *ev, uint16_t type, const nx__sim_instr_t *in,
                         const nx__sim_order_t *o, nx_sim_reason_t why) {
    nx_event_init(ev, type);
    nx_ev_order_t *e = &ev->order_ack;
    e->h.causation_id = o->cause; /* reports about an order answer its intent */
    e->h.trace_id = o->trace;
    e->h.ts_venue = s->now;
    e->intent_id = o->user;
    e->venue_order_id = o->id;
    e->instrument = in->inst.id;
    e->side = o->side;
    e->price_scale = in->ps;
    e->qty_scale = in->qs;
    e->reason = (uint8_t)why;
    e->price = o->price ? o->price : o->stop;
    e->qty = o->qty;
    e->leaves_qty = o->qty - o->filled;
    e->venue_code = nx_sim_reason_code((int)why);
}

static int nx__reject_intent(nx_sim_t *s, const nx_ev_order_intent_t *it, nx_sim_reason_t why) {
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_ORDER_REJECT);
    nx_ev_order_t *e = &ev.order_reject;
    e->h.ts_venue = s->now;
    e->intent_id = it->intent_id;
    e->instrument = it->instrument;
    e->side = it->side;
    e->price_scale = it->price_scale;
    e->qty_scale = it->qty_scale;
    e->reason = (uint8_t)why;
    e->price = it->price;
    e->qty = it->qty;
    e->venue_code = nx_sim_reason_code((int)why);
    nx__sim_report(s, &ev);
    return 0;
}

/* ---- order lifecycle ------------------------------------------------------------ */

void nx__wait_push(nx__sim_instr_t *in, nx__sim_order_t *o) {
    uint32_t slot = nx__m_slot(in->m, o);
    nx__link_t *lk = in->m->lk;
    o->state = NX__OS_WAITING;
    lk[slot].next = NX__NIL;
    lk[slot].prev = in->wait_tail;
    if (in->wait_tail != NX__NIL) lk[in->wait_tail].next = slot;
    else in->wait_head = slot;
    in->wait_tail = slot;
}

void nx__wait_remove(nx__sim_instr_t *in, nx__sim_order_t *o) {
    nx__link_t *lk = in->m->lk, *ol = nx__m_lk(in->m, o);
    if (ol->prev != NX__NIL) lk[ol->prev].next = ol->next;
    else in->wait_head = ol->next;
    if (ol->next != NX__NIL) lk[ol->next].prev = ol->prev;
    else in->wait_tail = ol->prev;
    ol->prev = ol->next = NX__NIL;
    o->state = NX__OS_TAKING;
}

void nx__sim_finish(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, uint16_t type,
                    nx_sim_reason_t reason) {
    if (!o->closed) {
        o->closed = 1;
        nx__acct_unlock(s, in, o);
        nx__sim_acct_t *a = &s->acct[o->owner];
        uint32_t slot = nx__ins_slot(s, in);
        if (a->open[slot]) a->open[slot]--;
        nx__cid_t *e = nx__cid_find(s, o->user);
        if (e && e->venue_id == o->id) e->filled = o->filled;
        if (type) {
            nx_event_t ev;
            nx__order_ev(s, &ev, type, in, o, reason);
            nx__sim_report(s, &ev);
        }
        if (o->filled < o->qty) nx__ord_after_end(s, in, o, reason);
        if (reason == NX_SIM_R_STP) s->st.stp_expired++;
    }
    switch (o->state) {
    case NX__OS_RESTING:
        nx__m_unlink(in->m, o);
        nx__m_release(in->m, o);
        break;
    case NX__OS_WAITING:
        nx__wait_remove(in, o);
        nx__m_release(in->m, o);
        break;
    case NX__OS_DONE: /* the matcher releases it */
        break;
    default:
        nx__m_release(in->m, o);
        break;
    }
}

int64_t nx__sim_fill(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, int64_t price,
                     int64_t qty, uint8_t liq, int external, uint8_t fill_flags) {
    int64_t fee = 0;
    uint32_t fee_asset = in->quote;
    uint64_t trade_id;
    o->cur_flags = (uint8_t)(o->cur_flags | fill_flags);
    if (external) {
        if ((o->flags & NX__F_DEAD) || o->closed || qty <= 0) return 0;
        if (o->flags & NX_ORDF_REDUCE_ONLY) {
            int64_t cap = nx__acct_reduce_cap(s, in, o) / in->lot * in->lot;
            if (qty > cap) qty = cap;
            if (qty <= 0) {
                nx__sim_finish(s, in, o, NX_EV_ORDER_CANCEL, NX_SIM_R_REDUCE_ONLY);
                return 0;
            }
        }
        int64_t q = nx__acct_settle(s, in, o, price, qty, liq, 1, &fee, &fee_asset);
        if (q <= 0) {
            nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, NX_SIM_R_INSUFFICIENT_BALANCE);
            return 0;
        }
        qty = q;
        if (o->state == NX__OS_RESTING) nx__m_reduce(in->m, o, qty);
        else o->filled += qty;
        trade_id = ++s->trade_seq;
    } else {
        nx__acct_settle(s, in, o, price, qty, liq, 0, &fee, &fee_asset);
        trade_id = s->pending_trade;
    }
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_FILL);
    nx_ev_fill_t *f = &ev.fill;
    /* a fill is caused by its order's intent, whichever print matched it, so
     * the fill's trace leads back to the market event behind the decision */
    f->h.causation_id = o->cause;
    f->h.trace_id = o->trace;
    f->h.ts_venue = s->fill_ts ? s->fill_ts : s->now;
    if (f->h.ts_venue < o->arrival) f->h.ts_venue = o->arrival; /* never before it was live */
    f->intent_id = o->user;
    f->venue_order_id = o->id;
    f->instrument = in->inst.id;
    f->side = o->side;
    f->liquidity = liq;
    f->price_scale = in->ps;
    f->qty_scale = in->qs;
    f->price = price;
    f->qty = qty;
    f->leaves_qty = o->qty - o->filled;
    f->fee = fee;
    f->fee_scale = s->assets[fee_asset].scale;
    f->fee_asset = fee_asset;
    f->trade_id = trade_id;
    f->flags = o->cur_flags;
    nx__sim_report(s, &ev);
    nx__ord_after_fill(s, in, o);
    if (o->filled >= o->qty) {
        if (external) nx__sim_finish(s, in, o, 0, NX_SIM_R_NONE);
        else if (!o->closed) {
            /* the matcher owns the slot: bookkeeping only */
            o->closed = 1;
            nx__acct_unlock(s, in, o);
            uint32_t slot = nx__ins_slot(s, in);
            if (s->acct[o->owner].open[slot]) s->acct[o->owner].open[slot]--;
            nx__cid_t *e = nx__cid_find(s, o->user);
            if (e && e->venue_id == o->id) e->filled = o->filled;
        }
    }
    return qty;
}

static nx__sim_instr_t *nx__instr_of_id(nx_sim_t *s, uint64_t id) {
    uint32_t tag = (uint32_t)(id >> NX__TAG_SHIFT) & 1023u;
    return tag < s->n_ins ? &s->ins[tag] : NULL;
}

static void nx__on_fill(void *ctx, const nx_sim_fill_t *f) {
    nx_sim_t *s = ctx;
    nx__sim_instr_t *in = nx__instr_of_id(s, f->maker_id);
    nx__sim_order_t *mk = nx__m_find(in->m, f->maker_id), *tk = nx__m_find(in->m, f->taker_id);
    s->pending_trade = ++s->trade_seq;
    nx__sim_fill(s, in, mk, f->price, f->qty, NX_LIQ_MAKER, 0, 0);
    nx__sim_fill(s, in, tk, f->price, f->qty, NX_LIQ_TAKER, 0, 0);
}

static void nx__on_expire(void *ctx, uint64_t id, uint64_t user, int64_t leaves,
                          nx_sim_reason_t why) {
    (void)user;
    (void)leaves;
    nx_sim_t *s = ctx;
    nx__sim_instr_t *in = nx__instr_of_id(s, id);
    nx__sim_order_t *o = nx__m_find(in->m, id);
    if (o) nx__sim_finish(s, in, o, why == NX_SIM_R_OCO ? NX_EV_ORDER_CANCEL : NX_EV_ORDER_EXPIRE, why);
}

void nx__sim_defer(nx_sim_t *s, uint64_t id, nx_sim_reason_t reason) {
    if (s->n_defer >= s->cap_defer) {
        if (!s->status) s->status = NX_ERR(NX_ELIMIT, "sim: deferred actions overflow");
        return;
    }
    s->defer[s->n_defer] = id;
    s->defer_reason[s->n_defer++] = (uint8_t)reason;
}

static int nx__is_limit_type(uint8_t t) {
    return t == NX_ORD_LIMIT || t == NX_ORD_STOP_LIMIT || t == NX_ORD_TAKE_PROFIT_LIMIT;
}

void nx__sim_run_deferred_all(nx_sim_t *s) {
    for (uint32_t i = 0; i < s->n_defer; i++) {
        uint64_t id = s->defer[i];
        nx_sim_reason_t why = (nx_sim_reason_t)s->defer_reason[i];
        nx__sim_instr_t *in = nx__instr_of_id(s, id);
        nx__sim_order_t *o = in ? nx__m_find(in->m, id) : NULL;
        if (!o || o->closed) continue;
        if (why == NX_SIM_R_TRIGGERED) {
            if (o->state != NX__OS_HELD) continue;
            if (o->child_qty < o->qty) o->qty = o->child_qty;
            o->arrival = s->now;
            o->state = NX__OS_TAKING;
            nx_sim_reason_t r = nx__acct_lock(s, in, o, nx__is_limit_type(o->ord_type) ? o->price : 0);
            if (r != NX_SIM_R_NONE) {
                nx__sim_finish(s, in, o, NX_EV_ORDER_CANCEL, r);
                continue;
            }
            nx__sim_route_order(s, in, o);
        } else {
            nx__sim_finish(s, in, o, NX_EV_ORDER_CANCEL, why);
        }
    }
    s->n_defer = 0;
}

void nx__sim_cancel_account(nx_sim_t *s, nx__sim_instr_t *in, uint32_t acct, nx_sim_reason_t why) {
    uint32_t n = 0;
    for (int si = 0; si < 2; si++) {
        const nx__mside_t *sd = &in->m->s[si];
        for (uint32_t i = sd->n; i-- > 0;)
            for (uint32_t j = sd->lv[i].head; j != NX__NIL; j = in->m->lk[j].next)
                if (in->m->pool[j].owner == acct && n < s->c.max_orders) s->scratch[n++] = in->m->pool[j].id;
    }
    for (uint32_t j = in->wait_head; j != NX__NIL; j = in->m->lk[j].next)
        if (in->m->pool[j].owner == acct && n < s->c.max_orders) s->scratch[n++] = in->m->pool[j].id;
    for (uint32_t i = 0; i < n; i++) {
        nx__sim_order_t *o = nx__m_find(in->m, s->scratch[i]);
        if (o && !o->closed) nx__sim_finish(s, in, o, NX_EV_ORDER_CANCEL, why);
    }
}

/* ---- taking liquidity ------------------------------------------------------------ */

static int64_t nx__md_available(const nx__sim_instr_t *in, uint8_t side, int64_t limit, int64_t need) {
    const nx__mdside_t *sd = &in->md[side == NX_SIDE_BUY ? 1 : 0];
    int64_t got = 0;
    for (uint32_t i = sd->n; i-- > 0 && got < need;) {
        if (!nx__crosses(side, limit, sd->lv[i].price)) break;
        got += sd->lv[i].qty;
    }
    return got;
}

void nx__sim_take(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o) {
    uint64_t id = o->id;
    int book = s->c.fill == NX_SIM_FILL_BOOK;
    int ioc = o->type == NX_ORD_MARKET || o->tif == NX_TIF_IOC || o->tif == NX_TIF_FOK;
    int64_t limit = o->type == NX_ORD_LIMIT ? o->price : o->protect;
    uint8_t tif = o->tif;
    o->state = NX__OS_TAKING;
    if (tif == NX_TIF_FOK) {
        int64_t need = o->qty - o->filled;
        int64_t have = nx__m_available(in->m, o, limit, need);
        if (book && have < need) have += nx__md_available(in, o->side, limit, need - have);
        if (have < need) {
            if (book) nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, NX_SIM_R_FOK);
            else {
                o->taker_only = 1;
                nx__wait_push(in, o);
            }
            return;
        }
        o->tif = NX_TIF_IOC; /* checked over both sources above */
    }
    nx_sim_match_result_t r;
    nx__m_take(in->m, o, limit, &r);
    o->tif = tif;
    if (o->closed) { /* completely filled inside */
        nx__m_release(in->m, o);
        return;
    }
    if (r.status == NX_SIM_MATCH_STP) {
        nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, NX_SIM_R_STP);
        return;
    }
    if (r.status == NX_SIM_MATCH_POST_ONLY) {
        nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, NX_SIM_R_POST_ONLY_WOULD_TAKE);
        return;
    }
    if (book) {
        if (!(o->flags & NX_ORDF_POST_ONLY)) nx__fill_book_take(s, in, o);
        if (o->id != id || o->closed) return;
        if (ioc) {
            nx_sim_reason_t why = tif == NX_TIF_FOK ? NX_SIM_R_FOK
                                  : o->type == NX_ORD_MARKET && o->filled == 0 ? NX_SIM_R_NO_LIQUIDITY
                                                                               : NX_SIM_R_IOC;
            nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, why);
            return;
        }
    } else if (ioc) {
        o->taker_only = 1;
        nx__wait_push(in, o);
        return;
    }
    if (nx__m_rest(in->m, o) < 0) {
        nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, NX_SIM_R_CAPACITY);
        return;
    }
    if (book) nx__fill_book_place(in, o);
}

void nx__sim_route_order(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o) {
    if (s->in_bar) {
        o->bar_id = s->bar_id;
        o->path_t0 = s->bar_t;
    }
    if (nx__ord_is_trigger(o)) nx__wait_push(in, o);
    else nx__sim_take(s, in, o);
}

/* ---- intents ------------------------------------------------------------------- */

static int nx__rescale_field(int64_t v, uint8_t from, uint8_t to, int64_t *out) {
    *out = 0;
    if (from == to) {
        *out = v;
        return NX_OK;
    }
    nx_dec_t r;
    int rc = nx_dec_rescale(nx_dec_make(v, from), to, NX_ROUND_EXACT, &r);
    if (rc == NX_OK) *out = r.m;
    return rc;
}

static int nx__crosses_market(const nx__sim_instr_t *in, uint8_t side, int64_t price) {
    int64_t best;
    if (nx_sim_matcher_best(in->m, side == NX_SIDE_BUY ? NX_SIDE_SELL : NX_SIDE_BUY, &best, NULL) == NX_OK &&
        nx__crosses(side, price, best))
        return 1;
    const nx__mdside_t *sd = &in->md[side == NX_SIDE_BUY ? 1 : 0];
    return sd->n && nx__crosses(side, price, sd->lv[sd->n - 1].price);
}

static void nx__ack(nx_sim_t *s, nx__sim_instr_t *in, nx__sim_order_t *o, nx_sim_reason_t why) {
    nx_event_t ev;
    nx__order_ev(s, &ev, NX_EV_ORDER_ACK, in, o, why);
    nx__sim_report(s, &ev);
}

static int nx__new_order(nx_sim_t *s, const nx_ev_order_intent_t *it) {
    nx__sim_instr_t *in = nx__sim_instr(s, it->instrument);
    if (!in) return nx__reject_intent(s, it, NX_SIM_R_UNKNOWN_INSTRUMENT);
    nx__cid_t *dup = nx__cid_find(s, it->intent_id);
    if (dup) {
        s->st.duplicates++;
        nx__sim_order_t *o = nx__m_find(s->ins[dup->instr].m, dup->venue_id);
        nx_event_t ev;
        nx_event_init(&ev, NX_EV_ORDER_ACK);
        nx_ev_order_t *e = &ev.order_ack;
        e->h.ts_venue = s->now;
        e->intent_id = dup->key;
        e->venue_order_id = dup->venue_id;
        e->instrument = s->ins[dup->instr].inst.id;
        e->side = dup->side;
        e->price_scale = s->ins[dup->instr].ps;
        e->qty_scale = s->ins[dup->instr].qs;
        e->reason = NX_SIM_R_DUPLICATE;
        e->price = dup->price;
        e->qty = dup->qty;
        e->leaves_qty = o && !o->closed ? o->qty - o->filled : 0;
        nx__sim_report(s, &ev);
        return 0;
    }
    uint32_t acct = nx__account_of(s, it->strategy);
    nx__sim_acct_t *a = &s->acct[acct];
    if (s->c.rate_limit) {
        int64_t w = s->now / s->c.rate_window_ns;
        if (w != a->rl_window) {
            a->rl_window = w;
            a->rl_count = 0;
        }
        if (a->rl_count >= s->c.rate_limit) {
            s->st.rate_limited++;
            return nx__reject_intent(s, it, NX_SIM_R_RATE_LIMIT);
        }
        a->rl_count++;
    }
    uint8_t t = it->ord_type;
    if ((it->side != NX_SIDE_BUY && it->side != NX_SIDE_SELL) || t < NX_ORD_MARKET ||
        t > NX_ORD_TRAILING_STOP || it->tif < NX_TIF_GTC || it->tif > NX_TIF_DAY ||
        it->intent_id == 0)
        return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
    int64_t price = 0, stop = 0, qty = 0;
    if (nx__rescale_field(it->qty, it->qty_scale, in->qs, &qty) < 0 || qty <= 0 || qty % in->lot ||
        qty < in->min_qty)
        return nx__reject_intent(s, it, NX_SIM_R_LOT_SIZE);
    int limit_type = nx__is_limit_type(t);
    if (limit_type && (nx__rescale_field(it->price, it->price_scale, in->ps, &price) < 0 ||
                       price <= 0 || price % in->tick))
        return nx__reject_intent(s, it, NX_SIM_R_PRICE_FILTER);
    if (t == NX_ORD_TRAILING_STOP) {
        if (it->flags & NX_ORDF_TRAIL_PCT) {
            stop = it->stop_price;
            if (stop <= 0 || stop > 10000) return nx__reject_intent(s, it, NX_SIM_R_PRICE_FILTER);
        } else if (nx__rescale_field(it->stop_price, it->price_scale, in->ps, &stop) < 0 ||
                   stop <= 0 || stop % in->tick) {
            return nx__reject_intent(s, it, NX_SIM_R_PRICE_FILTER);
        }
    } else if (t != NX_ORD_MARKET && t != NX_ORD_LIMIT) {
        if (nx__rescale_field(it->stop_price, it->price_scale, in->ps, &stop) < 0 || stop <= 0 ||
            stop % in->tick)
            return nx__reject_intent(s, it, NX_SIM_R_PRICE_FILTER);
    }
    if (it->tif == NX_TIF_GTD && it->expire_ts <= s->now)
        return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
    if (nx_dec_sign(in->inst.min_notional) > 0) {
        int64_t px = price ? price : stop && t != NX_ORD_TRAILING_STOP ? stop : in->last ? in->last : in->mark;
        int64_t n;
        uint8_t ms = s->assets[in->quote].scale;
        if (px > 0 && nx__notional(in, px, qty, ms, &n) == NX_OK &&
            nx_dec_cmp(nx_dec_make(n, ms), in->inst.min_notional) < 0)
            return nx__reject_intent(s, it, NX_SIM_R_MIN_NOTIONAL);
    }
    uint32_t slot = nx__ins_slot(s, in);
    if (a->open[slot] >= s->c.max_open_orders) return nx__reject_intent(s, it, NX_SIM_R_MAX_NUM_ORDERS);
    if (it->flags & NX_ORDF_REDUCE_ONLY) {
        int64_t cap = nx__acct_reduce_cap(s, in, &(nx__sim_order_t){.side = it->side, .owner = acct});
        if (cap <= 0 || qty > cap) return nx__reject_intent(s, it, NX_SIM_R_REDUCE_ONLY);
    }
    if ((it->flags & NX_ORDF_POST_ONLY) && t == NX_ORD_LIMIT && nx__crosses_market(in, it->side, price))
        return nx__reject_intent(s, it, NX_SIM_R_POST_ONLY_WOULD_TAKE);
    /* bracket child / OCO partner */
    nx__sim_order_t *parent = NULL, *partner = NULL;
    int64_t parent_filled = -1;
    if ((it->flags & NX_ORDF_BRACKET) && it->link_id) {
        nx__cid_t *pe = nx__cid_find(s, it->link_id);
        if (!pe) return nx__reject_intent(s, it, NX_SIM_R_UNKNOWN_ORDER);
        if (pe->instr != slot) return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
        parent = nx__m_find(in->m, pe->venue_id);
        if (parent && parent->closed) parent = NULL;
        if (parent && parent->child[0] && parent->child[1]) return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
        if (!parent) {
            if (pe->filled <= 0) return nx__reject_intent(s, it, NX_SIM_R_BRACKET);
            parent_filled = pe->filled;
        }
    } else if ((it->flags & NX_ORDF_OCO) && it->link_id) {
        nx__cid_t *pe = nx__cid_find(s, it->link_id);
        if (pe) {
            if (pe->instr != slot) return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
            partner = nx__m_find(in->m, pe->venue_id);
            if (!partner || partner->closed || (partner->flags & NX__F_DEAD) || partner->filled > 0)
                return nx__reject_intent(s, it, NX_SIM_R_OCO_DONE);
            /* legs on one side, as on exchanges: two legs never trade with each other */
            if (partner->link || partner->side != it->side) return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
        }
    }
    nx__sim_order_t *o = nx__m_alloc(in->m);
    if (!o) return nx__reject_intent(s, it, NX_SIM_R_CAPACITY);
    o->user = it->intent_id;
    o->owner = acct;
    o->strategy = it->strategy;
    o->side = it->side;
    o->ord_type = t;
    o->type = t == NX_ORD_LIMIT ? NX_ORD_LIMIT : t == NX_ORD_MARKET ? NX_ORD_MARKET : t;
    o->tif = it->tif;
    o->flags = (uint8_t)(it->flags & (NX_ORDF_POST_ONLY | NX_ORDF_REDUCE_ONLY | NX_ORDF_TRAIL_PCT));
    o->price = price;
    o->stop = stop;
    o->qty = qty;
    o->arrival = s->now;
    o->expire = it->tif == NX_TIF_GTD ? it->expire_ts : 0;
    o->cause = it->h.seq;
    o->trace = it->h.trace_id;
    if (partner) {
        o->link = partner->id;
        partner->link = o->id;
    }
    if (parent) {
        o->state = NX__OS_HELD;
        int k = parent->child[0] ? 1 : 0;
        parent->child[k] = o->id;
        if (k == 1) { /* the two children are each other's OCO */
            nx__sim_order_t *sib = nx__m_find(in->m, parent->child[0]);
            if (sib && !sib->link) {
                sib->link = o->id;
                o->link = sib->id;
            }
        }
    } else {
        if (parent_filled > 0 && parent_filled < o->qty) o->qty = parent_filled;
        nx_sim_reason_t r = nx__acct_lock(s, in, o, limit_type ? price : 0);
        if (r != NX_SIM_R_NONE) {
            if (partner) partner->link = 0;
            nx__m_release(in->m, o);
            return nx__reject_intent(s, it, r);
        }
    }
    nx__cid_t *e = nx__cid_insert(s, it->intent_id);
    e->venue_id = o->id;
    e->instr = slot;
    e->price = price ? price : stop;
    e->qty = qty;
    e->side = it->side;
    a->open[slot]++;
    nx__ack(s, in, o, NX_SIM_R_NONE);
    if (o->expire) {
        nx_event_t ev;
        nx__order_ev(s, &ev, NX_EV_ORDER_EXPIRE, in, o, NX_SIM_R_GTD);
        if (nx__pq_push(&s->pq, o->expire, NX__PEND_EXPIRE, &ev.h) < 0 && !s->status)
            s->status = NX_ELIMIT;
    }
    if (o->state != NX__OS_HELD) nx__sim_route_order(s, in, o);
    return 0;
}

static nx__sim_order_t *nx__target(nx_sim_t *s, const nx_ev_order_intent_t *it, nx__sim_instr_t **in_out) {
    nx__cid_t *e = nx__cid_find(s, it->intent_id);
    if (!e) return NULL;
    nx__sim_instr_t *in = &s->ins[e->instr];
    nx__sim_order_t *o = nx__m_find(in->m, e->venue_id);
    if (!o || o->closed || o->owner != nx__account_of(s, it->strategy)) return NULL;
    *in_out = in;
    return o;
}

static int nx__amend(nx_sim_t *s, const nx_ev_order_intent_t *it) {
    nx__sim_instr_t *in;
    nx__sim_order_t *o = nx__target(s, it, &in);
    if (!o) return nx__reject_intent(s, it, NX_SIM_R_UNKNOWN_ORDER);
    if (o->state != NX__OS_RESTING) return nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
    int64_t price = 0, qty = 0;
    if (nx__rescale_field(it->price, it->price_scale, in->ps, &price) < 0 || price <= 0 || price % in->tick)
        return nx__reject_intent(s, it, NX_SIM_R_PRICE_FILTER);
    if (nx__rescale_field(it->qty, it->qty_scale, in->qs, &qty) < 0 || qty < 0 || qty % in->lot)
        return nx__reject_intent(s, it, NX_SIM_R_LOT_SIZE);
    if (qty <= o->filled) {
        nx__sim_finish(s, in, o, NX_EV_ORDER_CANCEL, NX_SIM_R_USER);
        return 0;
    }
    if (price == o->price && qty <= o->qty) {
        nx_sim_match_result_t r;
        nx__acct_unlock(s, in, o);
        nx_sim_matcher_amend(in->m, o->id, price, qty, &r);
        nx__acct_lock(s, in, o, price); /* less than before: always fits */
        nx__ack(s, in, o, NX_SIM_R_AMENDED);
        return 0;
    }
    if ((o->flags & NX_ORDF_POST_ONLY) && nx__crosses_market(in, o->side, price))
        return nx__reject_intent(s, it, NX_SIM_R_POST_ONLY_WOULD_TAKE);
    int64_t old_p = o->price, old_q = o->qty;
    nx__acct_unlock(s, in, o);
    o->price = price;
    o->qty = qty;
    nx_sim_reason_t r = nx__acct_lock(s, in, o, price);
    if (r != NX_SIM_R_NONE) {
        o->price = old_p;
        o->qty = old_q;
        nx__acct_lock(s, in, o, old_p);
        return nx__reject_intent(s, it, r);
    }
    /* loses priority: out of the book, back in as a new arrival */
    o->price = old_p;
    o->qty = old_q;
    nx__m_unlink(in->m, o);
    o->price = price;
    o->qty = qty;
    o->seq = ++in->m->seq;
    o->arrival = s->now;
    nx__ack(s, in, o, NX_SIM_R_AMENDED);
    nx__sim_take(s, in, o);
    return 0;
}

static void nx__intent(nx_sim_t *s, const nx_ev_order_intent_t *it) {
    s->st.intents++;
    uint64_t saved = s->cause, saved_trace = s->trace;
    s->cause = it->h.seq;
    s->trace = it->h.trace_id;
    switch (it->action) {
    case NX_ORDA_NEW:
        nx__new_order(s, it);
        break;
    case NX_ORDA_CANCEL: {
        nx__sim_instr_t *in;
        nx__sim_order_t *o = nx__target(s, it, &in);
        if (!o) nx__reject_intent(s, it, NX_SIM_R_UNKNOWN_ORDER);
        else nx__sim_finish(s, in, o, NX_EV_ORDER_CANCEL, NX_SIM_R_USER);
        break;
    }
    case NX_ORDA_AMEND:
        nx__amend(s, it);
        break;
    case NX_ORDA_CANCEL_ALL: {
        uint32_t acct = nx__account_of(s, it->strategy);
        for (uint32_t i = 0; i < s->n_ins; i++)
            if (it->instrument == UINT32_MAX || s->ins[i].inst.id == it->instrument)
                nx__sim_cancel_account(s, &s->ins[i], acct, NX_SIM_R_USER);
        break;
    }
    default:
        nx__reject_intent(s, it, NX_SIM_R_BAD_PARAM);
        break;
    }
    nx__sim_run_deferred(s);
    s->cause = saved;
    s->trace = saved_trace;
}

/* ---- time ------------------------------------------------------------------------ */

int nx_sim_advance(nx_sim_t *s, nx_ts_t now) {
    if (s->status) return s->status;
    nx__pend_t *top;
    while ((top = nx__pq_top(&s->pq)) && top->due <= now) {
        nx__pend_t p;
        memcpy(&p, top, offsetof(nx__pend_t, ev) + top->ev.h.size);
        nx__pq_pop(&s->pq);
        if (p.due > s->now) s->now = p.due;
        switch (p.kind) {
        case NX__PEND_INTENT:
            nx__intent(s, &p.ev.order_intent);
            break;
        case NX__PEND_REPORT:
            nx__emit(s, &p.ev);
            break;
        case NX__PEND_EXPIRE: {
            nx__sim_instr_t *in = nx__instr_of_id(s, p.ev.order_expire.venue_order_id);
            nx__sim_order_t *o = in ? nx__m_find(in->m, p.ev.order_expire.venue_order_id) : NULL;
            if (o && !o->closed && o->expire && o->expire <= s->now) {
                nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE, NX_SIM_R_GTD);
                nx__sim_run_deferred(s);
            }
            break;
        }
        default:
            break;
        }
        if (s->status) return s->status;
    }
    if (now > s->now) s->now = now;
    return s->status;
}

int nx_sim_next_due(const nx_sim_t *s, nx_ts_t *out) {
    if (!s->pq.n) return NX_ENOTFOUND;
    *out = s->pq.slots[s->pq.heap[0]].due;
    return NX_OK;
}

static int64_t nx__px(int64_t v, uint8_t from, uint8_t to) {
    if (from == to) return v;
    nx_dec_t r;
    if (nx_dec_rescale(nx_dec_make(v, from), to, NX_ROUND_HALF_EVEN, &r) != NX_OK) return 0;
    return r.m;
}

int nx_sim_handle(nx_sim_t *s, const nx_event_hdr_t *ev) {
    if (!s || !ev) return NX_EINVAL;
    if (s->status) return s->status;
    nx_ts_t now = ev->ts_recv > s->now ? ev->ts_recv : s->now;
    int rc = NX_OK;
    if (s->pq.n && s->pq.slots[s->pq.heap[0]].due <= now) { /* due actions first */
        if ((rc = nx_sim_advance(s, now)) < 0) return rc;
    } else {
        s->now = now; /* what nx_sim_advance does with nothing due */
    }
    uint64_t saved = s->cause, saved_trace = s->trace;
    s->cause = ev->seq;
    s->trace = ev->trace_id;
    const nx_event_t *e = (const nx_event_t *)(const void *)ev;
    nx__sim_instr_t *in = NULL;
    switch (ev->type) {
    case NX_EV_ORDER_INTENT: {
        const nx_ev_order_intent_t *it = &e->order_intent;
        const nx_sim_latency_t *l = it->action == NX_ORDA_NEW ? &s->c.lat_entry
                                                                               : &s->c.lat_cancel;
        if (nx__lat_zero(l)) nx__intent(s, it);
        else if ((rc = nx__pq_push(&s->pq, s->now + nx__lat_get(l, &s->rng), NX__PEND_INTENT, ev)) < 0)
            s->status = rc;
        break;
    }
    case NX_EV_TRADE: {
        nx_ev_trade_t t = e->trade;
        if (!(in = nx__sim_instr(s, t.instrument))) break;
        t.price = nx__px(t.price, t.price_scale, in->ps);
        t.qty = nx__px(t.qty, t.qty_scale, in->qs);
        if (t.price <= 0) break;
        nx_ts_t ex = s->now - nx__lat_get(&s->c.lat_md, &s->rng);
        nx__fill_trade(s, in, &t, ex);
        break;
    }
    case NX_EV_QUOTE: {
        nx_ev_quote_t q = e->quote;
        if (!(in = nx__sim_instr(s, q.instrument))) break;
        q.bid_price = nx__px(q.bid_price, q.price_scale, in->ps);
        q.ask_price = nx__px(q.ask_price, q.price_scale, in->ps);
        q.bid_qty = nx__px(q.bid_qty, q.qty_scale, in->qs);
        q.ask_qty = nx__px(q.ask_qty, q.qty_scale, in->qs);
        nx__fill_quote(s, in, &q, s->now - nx__lat_get(&s->c.lat_md, &s->rng));
        break;
    }
    case NX_EV_BOOK_DELTA: {
        nx_ev_book_delta_t d = e->book_delta;
        if (!(in = nx__sim_instr(s, d.instrument))) break;
        d.price = nx__px(d.price, d.price_scale, in->ps);
        d.qty = nx__px(d.qty, d.qty_scale, in->qs);
        rc = nx__fill_book_delta(s, in, &d, s->now - nx__lat_get(&s->c.lat_md, &s->rng));
        if (rc < 0) s->status = rc;
        break;
    }
    case NX_EV_BAR: {
        nx_ev_bar_t b = e->bar;
        if (!(in = nx__sim_instr(s, b.instrument))) break;
        b.open = nx__px(b.open, b.price_scale, in->ps);
        b.high = nx__px(b.high, b.price_scale, in->ps);
        b.low = nx__px(b.low, b.price_scale, in->ps);
        b.close = nx__px(b.close, b.price_scale, in->ps);
        b.volume = nx__px(b.volume, b.qty_scale, in->qs);
        if (b.open <= 0 || b.high < b.low || b.low <= 0) break;
        nx__impact_observe_bar(in, &b);
        if (s->c.fill == NX_SIM_FILL_BARS) nx__fill_bar(s, in, &b);
        in->last = b.close;
        if (in->mark <= 0 || in->margin) in->mark = b.close;
        break;
    }
    case NX_EV_FUNDING:
        if ((in = nx__sim_instr(s, e->funding.instrument))) nx__funding(s, in, &e->funding);
        break;
    default:
        break;
    }
    if (in && in->margin && ev->type != NX_EV_FUNDING) nx__acct_check_liquidation(s, in);
    nx__sim_run_deferred(s);
    s->cause = saved;
    s->trace = saved_trace;
    return s->status;
}

/* ---- kernel component ------------------------------------------------------------- */

static int nx__k_rearm(nx_sim_t *s) {
    nx_ts_t due;
    if (nx_sim_next_due(s, &due) != NX_OK) {
        if (s->timer_id) nx_kernel_timer_cancel(s->k, s->timer_id);
        s->timer_id = 0;
        return NX_OK;
    }
    nx_ts_t now = nx_kernel_now(s->k);
    if (due < now) due = now;
    if (s->timer_id && s->timer_due == due) return NX_OK;
    if (s->timer_id) nx_kernel_timer_cancel(s->k, s->timer_id);
    s->timer_id = 0;
    int rc = nx_kernel_timer_at(s->k, due, 0, s->t_timer, 0, &s->timer_id);
    if (rc < 0) return rc;
    s->timer_due = due;
    return NX_OK;
}

static int nx__k_handler(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)k;
    nx_sim_t *s = ctx;
    int rc;
    if (ev->type == NX_EV_TIMER) {
        if (ev->topic != s->t_timer) return NX_OK;
        s->timer_id = 0; /* one-shot: it has fired */
        rc = nx_sim_advance(s, ev->ts_recv);
    } else {
        rc = nx_sim_handle(s, ev);
    }
    if (rc < 0) return rc;
    return nx__k_rearm(s);
}

static int nx__k_out(void *ctx, const nx_event_hdr_t *ev) {
    nx_sim_t *s = ctx;
    uint32_t topic = ev->type == NX_EV_FILL ? s->t_fills : s->t_orders;
    const nx_event_hdr_t *cur = nx_kernel_current(s->k);
    /* a delayed report names its intent (or market event) as its cause */
    if (ev->causation_id && ev->trace_id && (!cur || cur->seq != ev->causation_id))
        return nx_kernel_emit_caused(s->k, ev, topic, ev->causation_id, ev->trace_id);
    return nx_kernel_emit(s->k, ev, topic);
}

int nx_sim_attach(nx_sim_t *s, nx_kernel_t *k, const char *intents, const char *market) {
    char buf[NX_TOPIC_NAME_MAX + 1];
    int rc;
    s->k = k;
    snprintf(buf, sizeof buf, "exec.orders.%s", s->name);
    if ((rc = nx_kernel_topic(k, buf, &s->t_orders)) < 0) return rc;
    snprintf(buf, sizeof buf, "exec.fills.%s", s->name);
    if ((rc = nx_kernel_topic(k, buf, &s->t_fills)) < 0) return rc;
    snprintf(buf, sizeof buf, "timer.sim.%s", s->name);
    if ((rc = nx_kernel_topic(k, buf, &s->t_timer)) < 0) return rc;
    if ((rc = nx_kernel_subscribe(k, intents ? intents : "exec.intents", nx__k_handler, s, NULL)) < 0)
        return rc;
    if ((rc = nx_kernel_subscribe(k, market ? market : "md.*", nx__k_handler, s, NULL)) < 0) return rc;
    if ((rc = nx_kernel_subscribe(k, buf, nx__k_handler, s, NULL)) < 0) return rc;
    nx_sim_set_output(s, nx__k_out, s);
    return NX_OK;
}
