/*
 * config.c — strategies from YAML:
 *
 *   strategies:
 *     - name: sma                      # unique, [A-Za-z0-9_-]
 *       kind: sma_cross                # a built-in kind, or one a plugin exports
 *       plugin: ""                     # shared library (relative to the config file)
 *       instruments: [binance:BTCUSDT] # venue:symbol (or venue:normalised name)
 *       bar_interval: 1m               # bars it wants; 0 = every bar of its instruments
 *       weight: 1                      # capital weight
 *       allow_short: false
 *       confidence_min: 0
 *       order_type: market             # market | limit
 *       limit_offset_bp: 0
 *       params: {fast: 10, slow: 30}   # the kind's own parameters, checked by it
 *       sizing: {method: fixed_qty, qty: "1", ...}
 *       exits: {stop_pct: 0.02, take_profit: [{r: 1.5, fraction: 0.33}], ...}
 *
 * Every problem is a diagnostic with file:line:col and the key path; nothing
 * is returned unless the whole list is valid.
 */
#include <string.h>

#include "nexus/config.h"
#include "nexus/instrument.h"
#include "nexus/strategy.h"

typedef struct nx__tp_y {
    double r, fraction;
} nx__tp_y_t;
typedef struct nx__roi_y {
    int64_t after;
    double roi;
} nx__roi_y_t;

typedef struct nx__sizing_y {
    int method;
    nx_dec_t qty, notional;
    double pct, risk_pct, atr_mult, kelly_fraction, kelly_max, target_vol, max_leverage;
    uint32_t atr_period, kelly_min_trades, vol_window;
} nx__sizing_y_t;

typedef struct nx__exits_y {
    double stop_pct, stop_atr, trail_pct, trail_atr, trail_activate_r;
    nx_cfg_list_t take_profit, minimal_roi;
    int64_t time_stop;
    bool breakeven_after_tp;
} nx__exits_y_t;

typedef struct nx__strat_y {
    char name[NX_STRATEGY_NAME_MAX];
    char kind[64];
    char plugin[1024];
    nx_cfg_list_t instruments;
    int64_t bar_interval;
    double weight, confidence_min, limit_offset_bp;
    bool allow_short;
    int order_type;
    nx__sizing_y_t sizing;
    nx__exits_y_t exits;
} nx__strat_y_t;

static const char *const nx__methods[] = {"fixed_qty",  "fixed_notional", "pct_equity",
                                          "atr_risk",   "kelly",          "vol_target", NULL};
static const char *const nx__otypes[] = {"market", "limit", NULL};

static const nx_cfg_field_t nx__sizing_f[] = {
    {.key = "method", .type = NX_CFG_ENUM, NX_CFG_AT(nx__sizing_y_t, method), .words = nx__methods,
     .def = "fixed_qty", .help = "how a signal becomes a quantity"},
    {.key = "qty", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__sizing_y_t, qty), .def = "1",
     .flags = NX_CFG_POSITIVE, .help = "fixed_qty: base units"},
    {.key = "notional", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__sizing_y_t, notional),
     .def = "1000", .flags = NX_CFG_POSITIVE, .help = "fixed_notional: quote units"},
    {.key = "pct", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, pct), .def = "0.1", .min = "0",
     .max = "100", .help = "pct_equity: fraction of equity"},
    {.key = "risk_pct", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, risk_pct), .def = "0.01",
     .min = "0", .max = "1", .help = "atr_risk: fraction of equity lost at the stop"},
    {.key = "atr_mult", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, atr_mult), .def = "2",
     .min = "0", .max = "100"},
    {.key = "atr_period", .type = NX_CFG_UINT, NX_CFG_AT(nx__sizing_y_t, atr_period), .def = "14",
     .min = "1", .max = "1024"},
    {.key = "kelly_fraction", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, kelly_fraction),
     .def = "0.5", .min = "0", .max = "1"},
    {.key = "kelly_max", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, kelly_max), .def = "0.25",
     .min = "0", .max = "10"},
    {.key = "kelly_min_trades", .type = NX_CFG_UINT, NX_CFG_AT(nx__sizing_y_t, kelly_min_trades),
     .def = "20"},
    {.key = "target_vol", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, target_vol),
     .def = "0.2", .min = "0", .max = "10"},
    {.key = "vol_window", .type = NX_CFG_UINT, NX_CFG_AT(nx__sizing_y_t, vol_window), .def = "30",
     .min = "2", .max = "1024"},
    {.key = "max_leverage", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__sizing_y_t, max_leverage),
     .def = "1", .min = "0", .max = "125"},
};
static const nx_cfg_schema_t nx__sizing_s = NX_CFG_SCHEMA("sizing", nx__sizing_f, NULL);

static const nx_cfg_field_t nx__tp_f[] = {
    {.key = "r", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__tp_y_t, r), .flags = NX_CFG_REQUIRED,
     .min = "0", .max = "1000", .help = "R multiple"},
    {.key = "fraction", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__tp_y_t, fraction),
     .flags = NX_CFG_REQUIRED, .min = "0", .max = "1", .help = "share of the initial size"},
};
static const nx_cfg_schema_t nx__tp_s = NX_CFG_SCHEMA("take_profit", nx__tp_f, NULL);
static const nx_cfg_field_t nx__tp_elem = {.type = NX_CFG_MAP, .size = sizeof(nx__tp_y_t),
                                           .sub = &nx__tp_s};
static const nx_cfg_field_t nx__roi_f[] = {
    {.key = "after", .type = NX_CFG_DURATION, NX_CFG_AT(nx__roi_y_t, after), .def = "0s",
     .help = "trade age"},
    {.key = "roi", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__roi_y_t, roi), .flags = NX_CFG_REQUIRED,
     .min = "-1", .max = "1000", .help = "exit once the return reaches this"},
};
static const nx_cfg_schema_t nx__roi_s = NX_CFG_SCHEMA("minimal_roi", nx__roi_f, NULL);
static const nx_cfg_field_t nx__roi_elem = {.type = NX_CFG_MAP, .size = sizeof(nx__roi_y_t),
                                            .sub = &nx__roi_s};

static int nx__exits_check(nx_cfg_check_t *ck, void *obj) {
    nx__exits_y_t *e = obj;
    double sum = 0, prev = 0;
    for (size_t i = 0; i < e->take_profit.n; i++) {
        const nx__tp_y_t *t = (const nx__tp_y_t *)e->take_profit.items + i;
        if (t->r <= prev) nx_cfg_check_error(ck, "take_profit", "levels must rise in r");
        prev = t->r;
        sum += t->fraction;
    }
    if (sum > 1.0 + 1e-9) nx_cfg_check_error(ck, "take_profit", "fractions add up to more than 1");
    return 0;
}

static const nx_cfg_field_t nx__exits_f[] = {
    {.key = "stop_pct", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__exits_y_t, stop_pct), .def = "0",
     .min = "0", .max = "1"},
    {.key = "stop_atr", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__exits_y_t, stop_atr), .def = "0",
     .min = "0", .max = "100"},
    {.key = "trail_pct", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__exits_y_t, trail_pct), .def = "0",
     .min = "0", .max = "1"},
    {.key = "trail_atr", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__exits_y_t, trail_atr), .def = "0",
     .min = "0", .max = "100"},
    {.key = "trail_activate_r", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__exits_y_t, trail_activate_r),
     .def = "0", .min = "0", .max = "100"},
    {.key = "take_profit", .type = NX_CFG_LIST, NX_CFG_AT(nx__exits_y_t, take_profit),
     .elem = &nx__tp_elem, .max = "4"},
    {.key = "time_stop", .type = NX_CFG_DURATION, NX_CFG_AT(nx__exits_y_t, time_stop), .def = "0s"},
    {.key = "minimal_roi", .type = NX_CFG_LIST, NX_CFG_AT(nx__exits_y_t, minimal_roi),
     .elem = &nx__roi_elem, .max = "8"},
    {.key = "breakeven_after_tp", .type = NX_CFG_BOOL,
     NX_CFG_AT(nx__exits_y_t, breakeven_after_tp), .def = "false"},
};
static const nx_cfg_schema_t nx__exits_s = NX_CFG_SCHEMA("exits", nx__exits_f, nx__exits_check);

static const nx_cfg_field_t nx__sym_elem = {.type = NX_CFG_STRING, .size = 160,
                                            .flags = NX_CFG_NONEMPTY};

static const nx_cfg_field_t nx__strat_f[] = {
    {.key = "name", .type = NX_CFG_STRING, NX_CFG_AT(nx__strat_y_t, name),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY},
    {.key = "kind", .type = NX_CFG_STRING, NX_CFG_AT(nx__strat_y_t, kind),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY},
    {.key = "plugin", .type = NX_CFG_STRING, NX_CFG_AT(nx__strat_y_t, plugin), .def = ""},
    {.key = "instruments", .type = NX_CFG_LIST, NX_CFG_AT(nx__strat_y_t, instruments),
     .flags = NX_CFG_REQUIRED, .elem = &nx__sym_elem, .min = "1", .max = "16"},
    {.key = "bar_interval", .type = NX_CFG_DURATION, NX_CFG_AT(nx__strat_y_t, bar_interval),
     .def = "0s"},
    {.key = "weight", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__strat_y_t, weight), .def = "1",
     .flags = NX_CFG_POSITIVE},
    {.key = "allow_short", .type = NX_CFG_BOOL, NX_CFG_AT(nx__strat_y_t, allow_short),
     .def = "false"},
    {.key = "confidence_min", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__strat_y_t, confidence_min),
     .def = "0", .min = "0", .max = "1"},
    {.key = "order_type", .type = NX_CFG_ENUM, NX_CFG_AT(nx__strat_y_t, order_type),
     .words = nx__otypes, .def = "market"},
    {.key = "limit_offset_bp", .type = NX_CFG_FLOAT, NX_CFG_AT(nx__strat_y_t, limit_offset_bp),
     .def = "0", .min = "-1000", .max = "1000"},
    {.key = "params", .type = NX_CFG_MAP, .flags = NX_CFG_OPEN,
     .help = "the kind's own parameters"},
    {.key = "sizing", .type = NX_CFG_MAP, NX_CFG_AT(nx__strat_y_t, sizing), .sub = &nx__sizing_s},
    {.key = "exits", .type = NX_CFG_MAP, NX_CFG_AT(nx__strat_y_t, exits), .sub = &nx__exits_s},
};
static const nx_cfg_schema_t nx__strat_s = NX_CFG_SCHEMA("strategy", nx__strat_f, NULL);

const nx_cfg_schema_t *nx_strategy_schema(void) { return &nx__strat_s; }

/* Directory of the config file ("" for none), for plugin paths. */
static void nx__dir_of(const char *file, char *out, size_t cap) {
    const char *slash = file ? strrchr(file, '/') : NULL;
    size_t n = slash ? (size_t)(slash - file) + 1 : 0;
    if (n >= cap) n = 0;
    memcpy(out, file, n);
    out[n] = 0;
}

static void nx__diag(nx_cfg_diags_t *d, const nx_cfg_doc_t *doc, const nx_cfg_node_t *at,
                     const char *path, const char *msg) {
    nx_cfg_diags_add(d, nx_cfg_doc_name(doc), at ? at->line : 0, at ? at->col : 0, path, "%s",
                     msg);
}

/* Kinds loaded from plugins during this parse (libraries stay loaded). */
#define NX__PLUGIN_KINDS 64

static const nx_strategy_vt_t *nx__resolve_kind(const nx_cfg_doc_t *doc, const nx_cfg_node_t *sn,
                                                const nx__strat_y_t *y, const char *path,
                                                nx_cfg_diags_t *diags) {
    char p[1200];
    if (!y->plugin[0]) {
        const nx_strategy_vt_t *vt = nx_strategy_builtin(y->kind);
        if (!vt) {
            snprintf(p, sizeof p, "%s.kind", path);
            char msg[256];
            snprintf(msg, sizeof msg,
                     "unknown strategy kind \"%s\" (built in: sma_cross, ema_adx, rsi_bb, "
                     "donchian, regime_switch; or give plugin:)",
                     y->kind);
            nx__diag(diags, doc, nx_cfg_map_get(sn, "kind"), p, msg);
        }
        return vt;
    }
    char dir[1024], file[2100];
    nx__dir_of(nx_cfg_doc_name(doc), dir, sizeof dir);
    if (y->plugin[0] == '/') snprintf(file, sizeof file, "%s", y->plugin);
    else snprintf(file, sizeof file, "%s%s", dir, y->plugin);
    const nx_strategy_vt_t *kinds[NX__PLUGIN_KINDS];
    uint32_t n = 0;
    snprintf(p, sizeof p, "%s.plugin", path);
    if (nx_strategy_plugin_load(file, kinds, NX__PLUGIN_KINDS, &n) < 0) {
        nx__diag(diags, doc, nx_cfg_map_get(sn, "plugin"), p, nx_err_message());
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(kinds[i]->kind, y->kind)) return kinds[i];
    snprintf(p, sizeof p, "%s.kind", path);
    char msg[2300];
    snprintf(msg, sizeof msg, "plugin %s has no kind \"%s\"", file, y->kind);
    nx__diag(diags, doc, nx_cfg_map_get(sn, "kind"), p, msg);
    return NULL;
}

/* "venue:symbol" or "venue:normalised name" through the registry. */
static int nx__resolve_instr(const nx_instruments_t *reg, const char *text, uint32_t *id) {
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || !colon[1]) return NX_EINVAL;
    char venue[NX_INSTRUMENT_VENUE_MAX];
    size_t vl = (size_t)(colon - text);
    if (vl >= sizeof venue) return NX_EINVAL;
    memcpy(venue, text, vl);
    venue[vl] = 0;
    const nx_instrument_t *in;
    if (nx_instruments_find(reg, venue, colon + 1, &in) == 0 ||
        nx_instruments_find_name(reg, venue, colon + 1, &in) == 0) {
        *id = in->id;
        return NX_OK;
    }
    return NX_ENOTFOUND;
}

static void nx__fill_spec(nx_strategy_spec_t *sp, const nx__strat_y_t *y) {
    sp->bar_interval_ns = y->bar_interval;
    sp->weight = y->weight;
    sp->confidence_min = y->confidence_min;
    sp->allow_short = y->allow_short;
    sp->ord_type = (uint8_t)(y->order_type == 1 ? NX_ORD_LIMIT : NX_ORD_MARKET);
    sp->limit_offset_bp = y->limit_offset_bp;
    nx_sizing_t *z = &sp->sizing;
    z->method = (nx_sizing_method_t)(y->sizing.method + 1);
    z->qty = y->sizing.qty;
    z->notional = y->sizing.notional;
    z->pct = y->sizing.pct;
    z->risk_pct = y->sizing.risk_pct;
    z->atr_mult = y->sizing.atr_mult;
    z->atr_period = y->sizing.atr_period;
    z->kelly_fraction = y->sizing.kelly_fraction;
    z->kelly_max = y->sizing.kelly_max;
    z->kelly_min_trades = y->sizing.kelly_min_trades;
    z->target_vol = y->sizing.target_vol;
    z->vol_window = y->sizing.vol_window;
    z->max_leverage = y->sizing.max_leverage;
    nx_exits_t *e = &sp->exits;
    e->stop_pct = y->exits.stop_pct;
    e->stop_atr = y->exits.stop_atr;
    e->trail_pct = y->exits.trail_pct;
    e->trail_atr = y->exits.trail_atr;
    e->trail_activate_r = y->exits.trail_activate_r;
    e->n_tp = (uint32_t)y->exits.take_profit.n;
    for (uint32_t i = 0; i < e->n_tp; i++) {
        const nx__tp_y_t *t = (const nx__tp_y_t *)y->exits.take_profit.items + i;
        e->tp_r[i] = t->r;
        e->tp_frac[i] = t->fraction;
    }
    e->time_stop_ns = y->exits.time_stop;
    e->n_roi = (uint32_t)y->exits.minimal_roi.n;
    for (uint32_t i = 0; i < e->n_roi; i++) {
        const nx__roi_y_t *r = (const nx__roi_y_t *)y->exits.minimal_roi.items + i;
        e->roi_age_ns[i] = r->after;
        e->roi[i] = r->roi;
    }
    e->breakeven_after_tp = y->exits.breakeven_after_tp;
}

int nx_strategy_specs_parse(const nx_cfg_doc_t *doc, const nx_cfg_node_t *list,
                            const nx_instruments_t *reg, nx_cfg_diags_t *diags,
                            nx_strategy_spec_t *specs, uint32_t cap, uint32_t *n) {
    *n = 0;
    size_t before = nx_cfg_diags_count(diags);
    if (!list || list->kind != NX_CFG_NODE_LIST || list->len == 0) {
        nx__diag(diags, doc, list, "strategies", "expected a non-empty list of strategies");
        return NX_ERR(NX_ECONFIG, "strategies: expected a non-empty list");
    }
    if (list->len > cap) {
        nx__diag(diags, doc, list, "strategies", "too many strategies");
        return NX_ERR(NX_ECONFIG, "strategies: more than %u", cap);
    }
    for (size_t i = 0; i < list->len; i++) {
        const nx_cfg_node_t *sn = list->items[i];
        char path[64];
        snprintf(path, sizeof path, "strategies[%zu]", i);
        nx__strat_y_t y;
        int rc = nx_cfg_validate(doc, sn, path, &nx__strat_s, &y, sizeof y, diags);
        if (rc == NX_ENOMEM) return rc;
        if (rc < 0) continue;
        nx_strategy_spec_t *sp = &specs[*n];
        const nx_strategy_vt_t *vt = nx__resolve_kind(doc, sn, &y, path, diags);
        nx_strategy_spec_init(sp, y.name, vt);
        for (uint32_t j = 0; j < *n; j++)
            if (!strcmp(specs[j].name, y.name)) {
                char p[128];
                snprintf(p, sizeof p, "%s.name", path);
                nx__diag(diags, doc, nx_cfg_map_get(sn, "name"), p, "duplicate strategy name");
            }
        const nx_cfg_node_t *ilist = nx_cfg_map_get(sn, "instruments");
        sp->n_instruments = (uint32_t)y.instruments.n;
        for (size_t k = 0; k < y.instruments.n; k++) {
            const char *sym = (const char *)y.instruments.items + k * 160;
            if (nx__resolve_instr(reg, sym, &sp->instruments[k]) < 0) {
                char p[128], msg[300];
                snprintf(p, sizeof p, "%s.instruments[%zu]", path, k);
                snprintf(msg, sizeof msg, "no instrument \"%s\" (write venue:symbol)", sym);
                nx__diag(diags, doc, ilist && k < ilist->len ? ilist->items[k] : sn, p, msg);
            }
        }
        if (vt) {
            const nx_cfg_node_t *pm = nx_cfg_map_get(sn, "params");
            for (size_t k = 0; pm && pm->kind == NX_CFG_NODE_MAP && k < pm->len; k++) {
                const nx_cfg_pair_t *pr = &pm->pairs[k];
                char p[160];
                snprintf(p, sizeof p, "%s.params.%s", path, pr->key->text);
                if (pr->value->kind != NX_CFG_NODE_SCALAR) {
                    nx__diag(diags, doc, pr->value, p, "expected a scalar value");
                    continue;
                }
                if (nx_sparams_set(&sp->params, pr->key->text, pr->value->text) < 0)
                    nx__diag(diags, doc, pr->value, p, nx_err_message());
            }
        }
        nx__fill_spec(sp, &y);
        nx_cfg_release(&nx__strat_s, &y);
        (*n)++;
    }
    if (nx_cfg_diags_count(diags) != before) {
        const nx_cfg_diag_t *d = nx_cfg_diags_at(diags, before);
        return NX_ERR(NX_ECONFIG, "%s", d ? d->text : "strategies: invalid");
    }
    return NX_OK;
}
