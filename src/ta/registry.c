/*
 * The indicator registry (name, parameters, outputs, options), creation from
 * parameters or spec text, the uniform update / read interface, batch runs
 * and indicator sets.
 */
#include <stdio.h>

#include "ta/ta_int.h"

#define PMAX NX_TA_PERIOD_MAX
#define PER(def, lo) {"period", def, lo, PMAX, 1}
#define IP(name, def, lo) {name, def, lo, PMAX, 1}
#define RP(name, def, lo, hi) {name, def, lo, hi, 0}
#define SEED NX_TA_OPT_SEED_FIRST
#define O3 {"upper", "middle", "lower"}

static const nx__ta_def_t nx__defs[NX_TA__COUNT] = {
    [NX_TA_SMA] = {NX_TA_SMA, "sma", 0, 1, {PER(30, 1)}, 1, {""}, 0, nx__ta_init_SMA},
    [NX_TA_EMA] = {NX_TA_EMA, "ema", 0, 1, {PER(30, 1)}, 1, {""}, SEED, nx__ta_init_EMA},
    [NX_TA_WMA] = {NX_TA_WMA, "wma", 0, 1, {PER(30, 1)}, 1, {""}, 0, nx__ta_init_WMA},
    [NX_TA_DEMA] = {NX_TA_DEMA, "dema", 0, 1, {PER(30, 1)}, 1, {""}, SEED, nx__ta_init_DEMA},
    [NX_TA_TEMA] = {NX_TA_TEMA, "tema", 0, 1, {PER(30, 1)}, 1, {""}, SEED, nx__ta_init_TEMA},
    [NX_TA_TRIMA] = {NX_TA_TRIMA, "trima", 0, 1, {PER(30, 1)}, 1, {""}, 0, nx__ta_init_TRIMA},
    [NX_TA_KAMA] = {NX_TA_KAMA, "kama", 0, 3,
                    {PER(30, 1), IP("fast", 2, 1), IP("slow", 30, 1)}, 1, {""}, 0,
                    nx__ta_init_KAMA},
    [NX_TA_HMA] = {NX_TA_HMA, "hma", 0, 1, {PER(20, 2)}, 1, {""}, 0, nx__ta_init_HMA},
    [NX_TA_VWMA] = {NX_TA_VWMA, "vwma", 1, 1, {PER(20, 1)}, 1, {""}, 0, nx__ta_init_VWMA},
    [NX_TA_RSI] = {NX_TA_RSI, "rsi", 0, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_RSI},
    [NX_TA_MACD] = {NX_TA_MACD, "macd", 0, 3,
                    {IP("fast", 12, 1), IP("slow", 26, 1), IP("signal", 9, 1)}, 3,
                    {"macd", "signal", "hist"}, SEED | NX_TA_OPT_SEED_EARLY, nx__ta_init_MACD},
    [NX_TA_PPO] = {NX_TA_PPO, "ppo", 0, 3,
                   {IP("fast", 12, 1), IP("slow", 26, 1), {"matype", 0, 0, 1, 1}}, 1, {""}, SEED,
                   nx__ta_init_PPO},
    [NX_TA_BBANDS] = {NX_TA_BBANDS, "bbands", 0, 3,
                      {PER(5, 1), RP("devup", 2, -1e9, 1e9), RP("devdn", 2, -1e9, 1e9)}, 3, O3,
                      NX_TA_OPT_SAMPLE, nx__ta_init_BBANDS},
    [NX_TA_ATR] = {NX_TA_ATR, "atr", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_ATR},
    [NX_TA_NATR] = {NX_TA_NATR, "natr", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_NATR},
    [NX_TA_TRANGE] = {NX_TA_TRANGE, "trange", 1, 0, {{0}}, 1, {""}, 0, nx__ta_init_TRANGE},
    [NX_TA_ADX] = {NX_TA_ADX, "adx", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_ADX},
    [NX_TA_ADXR] = {NX_TA_ADXR, "adxr", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_ADXR},
    [NX_TA_DI] = {NX_TA_DI, "di", 1, 1, {PER(14, 1)}, 2, {"plus", "minus"}, 0, nx__ta_init_DI},
    [NX_TA_CCI] = {NX_TA_CCI, "cci", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_CCI},
    [NX_TA_STOCH] = {NX_TA_STOCH, "stoch", 1, 3,
                     {IP("fastk", 5, 1), IP("slowk", 3, 1), IP("slowd", 3, 1)}, 2,
                     {"slowk", "slowd"}, 0, nx__ta_init_STOCH},
    [NX_TA_STOCHRSI] = {NX_TA_STOCHRSI, "stochrsi", 0, 3,
                        {PER(14, 1), IP("fastk", 5, 1), IP("fastd", 3, 1)}, 2,
                        {"fastk", "fastd"}, 0, nx__ta_init_STOCHRSI},
    [NX_TA_WILLR] = {NX_TA_WILLR, "willr", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_WILLR},
    [NX_TA_MFI] = {NX_TA_MFI, "mfi", 1, 1, {PER(14, 1)}, 1, {""}, 0, nx__ta_init_MFI},
    [NX_TA_OBV] = {NX_TA_OBV, "obv", 1, 0, {{0}}, 1, {""}, NX_TA_OPT_OBV_ZERO, nx__ta_init_OBV},
    [NX_TA_AD] = {NX_TA_AD, "ad", 1, 0, {{0}}, 1, {""}, 0, nx__ta_init_AD},
    [NX_TA_ADOSC] = {NX_TA_ADOSC, "adosc", 1, 2, {IP("fast", 3, 1), IP("slow", 10, 1)}, 1, {""}, 0,
                     nx__ta_init_ADOSC},
    [NX_TA_ROC] = {NX_TA_ROC, "roc", 0, 1, {PER(10, 1)}, 1, {""}, 0, nx__ta_init_ROC},
    [NX_TA_MOM] = {NX_TA_MOM, "mom", 0, 1, {PER(10, 1)}, 1, {""}, 0, nx__ta_init_MOM},
    [NX_TA_CMO] = {NX_TA_CMO, "cmo", 0, 1, {PER(14, 1)}, 1, {""}, NX_TA_OPT_CMO_SUM,
                   nx__ta_init_CMO},
    [NX_TA_AROON] = {NX_TA_AROON, "aroon", 1, 1, {PER(14, 1)}, 2, {"up", "down"}, 0,
                     nx__ta_init_AROON},
    [NX_TA_AROONOSC] = {NX_TA_AROONOSC, "aroonosc", 1, 1, {PER(14, 1)}, 1, {""}, 0,
                        nx__ta_init_AROONOSC},
    [NX_TA_SAR] = {NX_TA_SAR, "sar", 1, 2, {RP("accel", 0.02, 0, 1e9), RP("max", 0.2, 0, 1e9)}, 1,
                   {""}, 0, nx__ta_init_SAR},
    [NX_TA_STDDEV] = {NX_TA_STDDEV, "stddev", 0, 2, {PER(5, 1), RP("nbdev", 1, -1e9, 1e9)}, 1,
                      {""}, NX_TA_OPT_SAMPLE, nx__ta_init_STDDEV},
    [NX_TA_VAR] = {NX_TA_VAR, "var", 0, 2, {PER(5, 1), RP("nbdev", 1, -1e9, 1e9)}, 1, {""},
                   NX_TA_OPT_SAMPLE, nx__ta_init_VAR},
    [NX_TA_TRIX] = {NX_TA_TRIX, "trix", 0, 1, {PER(30, 1)}, 1, {""}, SEED, nx__ta_init_TRIX},
    [NX_TA_ULTOSC] = {NX_TA_ULTOSC, "ultosc", 1, 3,
                      {IP("p1", 7, 1), IP("p2", 14, 1), IP("p3", 28, 1)}, 1, {""}, 0,
                      nx__ta_init_ULTOSC},
    [NX_TA_ICHIMOKU] = {NX_TA_ICHIMOKU, "ichimoku", 1, 4,
                        {IP("tenkan", 9, 1), IP("kijun", 26, 1), IP("senkou", 52, 1),
                         IP("shift", 26, 0)},
                        4, {"tenkan", "kijun", "senkou_a", "senkou_b"}, 0, nx__ta_init_ICHIMOKU},
    [NX_TA_SUPERTREND] = {NX_TA_SUPERTREND, "supertrend", 1, 2,
                          {PER(10, 1), RP("mult", 3, 0, 1e9)}, 2, {"value", "dir"}, 0,
                          nx__ta_init_SUPERTREND},
    [NX_TA_KELTNER] = {NX_TA_KELTNER, "keltner", 1, 3,
                       {PER(20, 1), RP("mult", 2, 0, 1e9), IP("atr", 10, 1)}, 3, O3, SEED,
                       nx__ta_init_KELTNER},
    [NX_TA_DONCHIAN] = {NX_TA_DONCHIAN, "donchian", 1, 1, {PER(20, 1)}, 3, O3, 0,
                        nx__ta_init_DONCHIAN},
    [NX_TA_VWAP] = {NX_TA_VWAP, "vwap", 1, 1, {PER(0, 0)}, 1, {""}, 0, nx__ta_init_VWAP},
    [NX_TA_LINREGSLOPE] = {NX_TA_LINREGSLOPE, "linregslope", 0, 1, {PER(14, 2)}, 1, {""}, 0,
                           nx__ta_init_LINREGSLOPE},
    [NX_TA_ZSCORE] = {NX_TA_ZSCORE, "zscore", 0, 1, {PER(20, 1)}, 1, {""}, NX_TA_OPT_SAMPLE,
                      nx__ta_init_ZSCORE},
};

/* Option tokens in specs: key=value -> flags to set within the kind's mask. */
static const struct {
    const char *text;
    unsigned set, mask;
} nx__opt_tokens[] = {
    {"seed=sma", 0, NX_TA_OPT_SEED_FIRST | NX_TA_OPT_SEED_EARLY},
    {"seed=first", NX_TA_OPT_SEED_FIRST, NX_TA_OPT_SEED_FIRST},
    {"seed=early", NX_TA_OPT_SEED_EARLY, NX_TA_OPT_SEED_EARLY},
    {"seed=late", 0, NX_TA_OPT_SEED_EARLY},
    {"ddof=0", 0, NX_TA_OPT_SAMPLE},
    {"ddof=1", NX_TA_OPT_SAMPLE, NX_TA_OPT_SAMPLE},
    {"start=first", 0, NX_TA_OPT_OBV_ZERO},
    {"start=zero", NX_TA_OPT_OBV_ZERO, NX_TA_OPT_OBV_ZERO},
    {"form=wilder", 0, NX_TA_OPT_CMO_SUM},
    {"form=sum", NX_TA_OPT_CMO_SUM, NX_TA_OPT_CMO_SUM},
};

const nx__ta_def_t *nx__ta_def(nx_ta_kind_t kind) {
    if ((int)kind <= NX_TA_NONE || kind >= NX_TA__COUNT) return NULL;
    return &nx__defs[kind];
}

const char *nx_ta_kind_name(nx_ta_kind_t kind) {
    const nx__ta_def_t *d = nx__ta_def(kind);
    return d ? d->name : NULL;
}

nx_ta_kind_t nx_ta_kind_lookup(const char *name, size_t len) {
    if (!name) return NX_TA_NONE;
    for (int k = 1; k < NX_TA__COUNT; k++) {
        const char *n = nx__defs[k].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0) return (nx_ta_kind_t)k;
    }
    return NX_TA_NONE;
}

unsigned nx_ta_kind_nparams(nx_ta_kind_t kind) {
    const nx__ta_def_t *d = nx__ta_def(kind);
    return d ? d->np : 0;
}
const char *nx_ta_kind_param_name(nx_ta_kind_t kind, unsigned i) {
    const nx__ta_def_t *d = nx__ta_def(kind);
    return d && i < d->np ? d->p[i].name : NULL;
}
double nx_ta_kind_param_default(nx_ta_kind_t kind, unsigned i) {
    const nx__ta_def_t *d = nx__ta_def(kind);
    return d && i < d->np ? d->p[i].def : NAN;
}

/* ------------------------------------------------------------------------- */
/* Creation                                                                  */
/* ------------------------------------------------------------------------- */

#define NX__TA_SCRATCH 2048
#define NX__TA_HDR ((sizeof(nx_ta_t) + 15u) & ~(size_t)15u)

static int nx__ta_check_params(const nx__ta_def_t *d, const double *p, size_t np) {
    if (np > d->np)
        return NX_ERR(NX_EINVAL, "%s takes at most %u parameter%s, got %zu", d->name, d->np,
                      d->np == 1 ? "" : "s", np);
    for (size_t i = 0; i < np; i++) {
        const nx__ta_param_t *q = &d->p[i];
        double x = p[i];
        int bad = !isfinite(x) || x < q->lo || x > q->hi || (q->integer && x != floor(x));
        if (bad) {
            if (q->integer)
                return NX_ERR(NX_EINVAL, "%s: %s must be an integer in [%g, %g], got %g", d->name,
                              q->name, q->lo, q->hi, x);
            return NX_ERR(NX_EINVAL, "%s: %s must be a number in [%g, %g], got %g", d->name,
                          q->name, q->lo, q->hi, x);
        }
    }
    return 0;
}

static void nx__ta_clear_outputs(nx_ta_t *t) {
    t->ready = 0;
    t->count = 0;
    for (int i = 0; i < NX_TA_MAX_OUT; i++) t->out[i] = NAN;
}

/* base: the column name stem (registry name + parameters as written). */
static int nx__ta_create(const nx__ta_def_t *d, const double *p, size_t np, unsigned opts,
                         const char *base, nx_ta_t **out) {
    int rc = nx__ta_check_params(d, p, np);
    if (rc < 0) return rc;
    if (opts & ~d->opts) {
        if (opts & ~(unsigned)0x1f) return NX_ERR(NX_EINVAL, "%s: unknown option bits 0x%x", d->name, opts);
        return NX_ERR(NX_EINVAL, "%s: option not supported by this indicator (0x%x)", d->name,
                      opts & ~d->opts);
    }
    nx_ta_t proto;
    memset(&proto, 0, sizeof proto);
    proto.def = d;
    proto.kind = d->kind;
    proto.nout = d->nout;
    proto.opts = opts;
    proto.np_given = (unsigned)np;
    for (unsigned i = 0; i < d->np; i++) proto.p[i] = i < np ? p[i] : d->p[i].def;

    _Alignas(16) unsigned char scratch[NX__TA_SCRATCH];
    nx__ta_arena_t sizing = {NULL, scratch, sizeof scratch, 0, 0};
    rc = d->init(&proto, &sizing);
    if (rc < 0) return rc;
    if (sizing.too_big) return NX_ERR(NX_ELIMIT, "%s: state larger than the sizing scratch", d->name);

    size_t total = NX__TA_HDR + sizing.used;
    nx_ta_t *t = nx_calloc(1, total);
    if (!t) return NX_ERR(NX_ENOMEM, "%s: %zu bytes", d->name, total);
    *t = proto;
    t->step = NULL;
    t->step_v = NULL;
    t->st_off = NX__TA_HDR;
    t->st_size = sizing.used;
    nx__ta_arena_t real = {(unsigned char *)t + NX__TA_HDR, NULL, 0, 0, 0};
    rc = d->init(t, &real);
    if (rc < 0) { /* cannot differ from the sizing pass, but stay safe */
        nx_free(t);
        return rc;
    }
    t->st = real.base;
    if (!t->step) { /* every init sets it; a new kind that forgets fails loudly */
        nx_free(t);
        return NX_ERR(NX_EINVAL, "%s: no update function", d->name);
    }
    nx__ta_clear_outputs(t);
    for (unsigned i = 0; i < d->nout; i++) {
        int n = d->nout > 1 ? snprintf(t->col[i], NX_TA_NAME_MAX, "%s_%s", base, d->out[i])
                            : snprintf(t->col[i], NX_TA_NAME_MAX, "%s", base);
        if (n < 0 || n >= NX_TA_NAME_MAX) {
            nx_free(t);
            return NX_ERR(NX_EINVAL, "%s: column name too long", d->name);
        }
    }
    *out = t;
    return 0;
}

int nx_ta_new(nx_ta_kind_t kind, const double *params, size_t nparams, unsigned opts,
              nx_ta_t **out) {
    const nx__ta_def_t *d = nx__ta_def(kind);
    if (!d || !out || (nparams && !params)) return NX_ERR(NX_EINVAL, "nx_ta_new: bad arguments");
    char base[NX_TA_NAME_MAX];
    size_t len = (size_t)snprintf(base, sizeof base, "%s", d->name);
    for (size_t i = 0; i < nparams && i < NX_TA_MAX_PARAMS && len < sizeof base; i++) {
        int n = snprintf(base + len, sizeof base - len, "_%.15g", params[i]);
        if (n < 0) break;
        len += (size_t)n;
    }
    return nx__ta_create(d, params, nparams, opts, base, out);
}

static int nx__spec_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == ':' || c == '=' || c == '+' || c == '-' || c == '_';
}

int nx_ta_parse(const char *spec, size_t len, nx_ta_t **out) {
    if (!spec || !out) return NX_ERR(NX_EINVAL, "nx_ta_parse: NULL argument");
    if (len == 0) return NX_ERR(NX_EINVAL, "empty indicator spec");
    if (len > NX_TA_SPEC_MAX)
        return NX_ERR(NX_EINVAL, "indicator spec longer than %d bytes", NX_TA_SPEC_MAX);
    for (size_t i = 0; i < len; i++)
        if (!nx__spec_char_ok(spec[i]))
            return NX_ERR(NX_EINVAL, "'%.*s': character %zu is not allowed in a spec", (int)len,
                          spec, i + 1);
    size_t nl = 0;
    while (nl < len && spec[nl] != ':') nl++;
    nx_ta_kind_t kind = nx_ta_kind_lookup(spec, nl);
    if (kind == NX_TA_NONE)
        return NX_ERR(NX_EINVAL, "unknown indicator '%.*s'", (int)nl, spec);
    const nx__ta_def_t *d = nx__ta_def(kind);
    double p[NX_TA_MAX_PARAMS];
    size_t np = 0;
    unsigned opts = 0;
    size_t pos = nl;
    while (pos < len) {
        size_t b = ++pos; /* skip ':' */
        while (pos < len && spec[pos] != ':') pos++;
        size_t tl = pos - b;
        const char *tok = spec + b;
        if (tl == 0) return NX_ERR(NX_EINVAL, "'%.*s': empty parameter", (int)len, spec);
        if (memchr(tok, '=', tl)) {
            size_t k = 0;
            for (; k < NX_ARRAY_LEN(nx__opt_tokens); k++) {
                const char *o = nx__opt_tokens[k].text;
                if (strlen(o) == tl && memcmp(o, tok, tl) == 0) break;
            }
            if (k == NX_ARRAY_LEN(nx__opt_tokens) || !(nx__opt_tokens[k].mask & d->opts))
                return NX_ERR(NX_EINVAL, "'%.*s': %s does not take the option '%.*s'", (int)len,
                              spec, d->name, (int)tl, tok);
            opts = (opts & ~nx__opt_tokens[k].mask) | nx__opt_tokens[k].set;
            continue;
        }
        if (np >= d->np)
            return NX_ERR(NX_EINVAL, "'%.*s': %s takes at most %u parameter%s", (int)len, spec,
                          d->name, d->np, d->np == 1 ? "" : "s");
        double x;
        if (nx_ta_parse_double(tok, tl, &x) < 0 || !isfinite(x))
            return NX_ERR(NX_EINVAL, "'%.*s': %s: parameter '%.*s' is not a number", (int)len,
                          spec, d->name, (int)tl, tok);
        p[np++] = x;
    }
    char base[NX_TA_NAME_MAX];
    for (size_t i = 0; i < len; i++) base[i] = spec[i] == ':' ? '_' : spec[i];
    base[len] = '\0';
    int rc = nx__ta_create(d, p, np, opts, base, out);
    if (rc < 0) return NX_ERR_APPEND(rc, "in '%.*s'", (int)len, spec);
    return 0;
}

void nx_ta_free(nx_ta_t *t) { nx_free(t); }

void nx_ta_reset(nx_ta_t *t) {
    if (!t || t->in_set) return; /* members are reset with their set */
    memset((unsigned char *)t + t->st_off, 0, t->st_size);
    nx__ta_arena_t real = {(unsigned char *)t + t->st_off, NULL, 0, 0, 0};
    (void)t->def->init(t, &real);
    nx__ta_clear_outputs(t);
}

/* ------------------------------------------------------------------------- */
/* Update and read                                                           */
/* ------------------------------------------------------------------------- */

static inline int nx__bar_ok(const nx_ta_bar_t *b) {
    return isfinite(b->open) && isfinite(b->high) && isfinite(b->low) && isfinite(b->close) &&
           isfinite(b->volume) && b->volume >= 0;
}

static int nx__bar_bad(uint64_t index, const nx_ta_bar_t *b) {
    static const char *const names[] = {"open", "high", "low", "close", "volume"};
    const double v[] = {b->open, b->high, b->low, b->close, b->volume};
    for (int i = 0; i < 5; i++)
        if (!isfinite(v[i]))
            return NX_ERR(NX_EINVAL, "input %llu: %s is %s", (unsigned long long)index, names[i],
                          isnan(v[i]) ? "NaN" : "infinite");
    return NX_ERR(NX_EINVAL, "input %llu: negative volume %g", (unsigned long long)index,
                  b->volume);
}

static int nx__in_set(const nx_ta_t *t) {
    return NX_ERR(NX_EINVAL, "%s belongs to a set, which updates it (it may share state with "
                  "other members)", t->col[0]);
}

int nx_ta_update(nx_ta_t *t, const nx_ta_bar_t *bar) {
    if (NX_UNLIKELY(t->in_set)) return nx__in_set(t);
    if (NX_UNLIKELY(!nx__bar_ok(bar))) return nx__bar_bad(t->count, bar);
    t->step(t, bar);
    t->count++;
    return 0;
}

static int nx__value_bad(const nx_ta_t *t, double x) {
    if (t->in_set) return nx__in_set(t);
    if (!t->step_v)
        return NX_ERR(NX_EINVAL, "%s needs bars (high, low, volume), not single values",
                      t->def->name);
    return nx__ta_bad_value(t->count, x);
}

int nx_ta_update_value(nx_ta_t *t, double x) {
    if (NX_UNLIKELY(!isfinite(x) || !t->step_v || t->in_set)) return nx__value_bad(t, x);
    /* SMA and EMA are the most common single-series updates: run their cores
     * inline here instead of through the step pointer. */
    switch (t->kind) {
    case NX_TA_SMA:
        if (nx__sma_step(t->st, x, &t->out[0])) t->ready = 1;
        break;
    case NX_TA_EMA:
        if (nx__ema_step(t->st, x, &t->out[0])) t->ready = 1;
        break;
    default:
        t->step_v(t, x);
    }
    t->count++;
    return 0;
}

int nx_ta_ready(const nx_ta_t *t) { return t->ready; }
double nx_ta_value(const nx_ta_t *t, size_t i) {
    return t->ready && i < t->nout ? t->out[i] : NAN;
}
const double *nx_ta_values(const nx_ta_t *t) { return t->out; }
size_t nx_ta_outputs(const nx_ta_t *t) { return t->nout; }
const char *nx_ta_output_name(const nx_ta_t *t, size_t i) {
    return i < t->nout ? t->col[i] : NULL;
}
int nx_ta_lookback(const nx_ta_t *t) { return t->lookback; }
nx_ta_kind_t nx_ta_kind(const nx_ta_t *t) { return t->def->kind; }
int nx_ta_needs_bars(const nx_ta_t *t) { return t->def->bars; }
uint64_t nx_ta_count(const nx_ta_t *t) { return t->count; }

int nx_ta_batch(nx_ta_t *t, const nx_ta_series_t *in, size_t n, double *const *out,
                size_t *err_row) {
    if (!t || !in || !in->close) return NX_ERR(NX_EINVAL, "nx_ta_batch: close is required");
    if (t->def->bars && (!in->high || !in->low || !in->volume))
        return NX_ERR(NX_EINVAL, "nx_ta_batch: %s needs high, low and volume", t->def->name);
    for (size_t r = 0; r < n; r++) {
        nx_ta_bar_t b;
        b.ts = in->ts ? in->ts[r] : 0;
        b.close = in->close[r];
        b.open = in->open ? in->open[r] : b.close;
        b.high = in->high ? in->high[r] : b.close;
        b.low = in->low ? in->low[r] : b.close;
        b.volume = in->volume ? in->volume[r] : 0.0;
        int rc = nx_ta_update(t, &b);
        if (rc < 0) {
            if (err_row) *err_row = r;
            return NX_ERR_APPEND(rc, "row %zu", r);
        }
        if (out)
            for (unsigned k = 0; k < t->nout; k++)
                if (out[k]) out[k][r] = t->ready ? t->out[k] : NAN;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Sets                                                                      */
/* ------------------------------------------------------------------------- */

struct nx_ta_set {
    size_t n, cap, nout;
    uint64_t count;
    nx_ta_t *m[];
};

int nx_ta_set_new(size_t capacity, nx_ta_set_t **out) {
    if (!out || capacity == 0 || capacity > NX_TA_SET_MAX)
        return NX_ERR(NX_EINVAL, "indicator set capacity must be 1..%d", NX_TA_SET_MAX);
    nx_ta_set_t *s = nx_calloc(1, sizeof *s + capacity * sizeof(nx_ta_t *));
    if (!s) return NX_ERR(NX_ENOMEM, "indicator set");
    s->cap = capacity;
    *out = s;
    return 0;
}

void nx_ta_set_free(nx_ta_set_t *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) nx_ta_free(s->m[i]);
    nx_free(s);
}

/* Let t read the core of an earlier member instead of stepping its own (see
 * nx__share_t). Only between members that have seen no update, so that the
 * core is in the state t's own would be in. */
static void nx__set_link(const nx_ta_set_t *s, nx_ta_t *t) {
    nx__share_t *sh = t->share;
    if (!sh || !sh->wants || t->count != 0) return;
    for (size_t i = 0; i < s->n; i++) {
        const nx__share_t *l = s->m[i]->share;
        if (l && l->own && s->m[i]->count == 0 && (l->provides & sh->wants) && l->key == sh->key) {
            sh->core = l->core;
            sh->own = 0;
            return;
        }
    }
}

int nx_ta_set_add(nx_ta_set_t *s, nx_ta_t *t) {
    if (!s || !t) return NX_ERR(NX_EINVAL, "nx_ta_set_add: NULL argument");
    if (s->n == s->cap) return NX_ERR(NX_ELIMIT, "indicator set full (%zu)", s->cap);
    if (t->in_set) return NX_ERR(NX_EINVAL, "%s is already in a set", t->col[0]);
    nx__set_link(s, t);
    s->m[s->n++] = t;
    s->nout += t->nout;
    t->in_set = 1;
    return 0;
}

int nx_ta_set_add_list(nx_ta_set_t *s, const char *list, size_t len) {
    if (!s || !list) return NX_ERR(NX_EINVAL, "nx_ta_set_add_list: NULL argument");
    size_t pos = 0;
    if (len == 0) return NX_ERR(NX_EINVAL, "empty indicator list");
    for (;;) {
        size_t b = pos;
        while (pos < len && list[pos] != ',') pos++;
        nx_ta_t *t;
        int rc = nx_ta_parse(list + b, pos - b, &t);
        if (rc < 0) return rc;
        rc = nx_ta_set_add(s, t);
        if (rc < 0) {
            nx_ta_free(t);
            return rc;
        }
        if (pos >= len) break;
        pos++;
        if (pos == len) return NX_ERR(NX_EINVAL, "empty indicator spec after the last ','");
    }
    return 0;
}

int nx_ta_set_update(nx_ta_set_t *s, const nx_ta_bar_t *bar) {
    if (NX_UNLIKELY(!nx__bar_ok(bar))) return nx__bar_bad(s->count, bar);
    for (size_t i = 0; i < s->n; i++) {
        nx_ta_t *t = s->m[i];
        t->step(t, bar);
        t->count++;
    }
    s->count++;
    return 0;
}

void nx_ta_set_reset(nx_ta_set_t *s) {
    if (!s) return;
    size_t n = s->n;
    s->n = 0;
    s->count = 0;
    for (size_t i = 0; i < n; i++) { /* rebuilt member by member, sharing as when added */
        nx_ta_t *t = s->m[i];
        t->in_set = 0;
        nx_ta_reset(t);
        nx__set_link(s, t);
        t->in_set = 1;
        s->n++;
    }
}

size_t nx_ta_set_count(const nx_ta_set_t *s) { return s->n; }
nx_ta_t *nx_ta_set_get(const nx_ta_set_t *s, size_t i) { return i < s->n ? s->m[i] : NULL; }
size_t nx_ta_set_outputs(const nx_ta_set_t *s) { return s->nout; }
