/*
 * Candlestick patterns (nexus/patterns.h). The detector keeps the last R
 * bars in a ring; each update evaluates every pattern ending on the new bar
 * with plain sums over the ring (oldest first), which a batch reference can
 * reproduce operation for operation.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nexus/patterns.h"

#define NX__CDL_PERIOD_MAX 1000

typedef struct nx__candle {
    double o, h, l, c;
} nx__candle_t;

struct nx_cdl {
    nx_cdl_params_t p;
    uint64_t count;
    uint32_t cap, pos; /* ring of the last cap bars; pos = next slot */
    int lookback;
    int8_t sig[NX_CDL__COUNT];
    nx__candle_t ring[];
};

static const char *const nx__cdl_names[NX_CDL__COUNT] = {
#define NX__CDL_NAME(id, name) name,
    NX_CDL_KINDS(NX__CDL_NAME)
#undef NX__CDL_NAME
};

const char *nx_cdl_kind_name(nx_cdl_kind_t k) {
    return (unsigned)k < NX_CDL__COUNT ? nx__cdl_names[k] : NULL;
}

void nx_cdl_params_default(nx_cdl_params_t *p) {
    p->avg_period = 10;
    p->trend_period = 10;
    p->doji_body = 0.1;
    p->short_body = 1.0;
    p->long_body = 1.0;
    p->shadow_long = 2.0;
    p->shadow_short = 0.1;
    p->star_penetration = 0.3;
    p->pierce = 0.5;
    p->soldier_shadow = 0.25;
    p->gap = 1;
    p->strict_trend = 0;
}

static int nx__ratio_ok(double x, double hi) { return isfinite(x) && x >= 0 && x <= hi; }

int nx_cdl_params_check(const nx_cdl_params_t *p) {
    if (!p) return NX_ERR(NX_EINVAL, "pattern parameters are required");
    if (p->avg_period < 1 || p->avg_period > NX__CDL_PERIOD_MAX)
        return NX_ERR(NX_EINVAL, "avg must be an integer in [1, %d], got %d", NX__CDL_PERIOD_MAX,
                      p->avg_period);
    if (p->trend_period < 1 || p->trend_period > NX__CDL_PERIOD_MAX)
        return NX_ERR(NX_EINVAL, "trend must be an integer in [1, %d], got %d",
                      NX__CDL_PERIOD_MAX, p->trend_period);
    const struct {
        const char *name;
        double v, hi;
    } r[] = {{"doji", p->doji_body, 1e3},       {"short", p->short_body, 1e3},
             {"long", p->long_body, 1e3},       {"shadow_long", p->shadow_long, 1e3},
             {"shadow_short", p->shadow_short, 1e3}, {"penetration", p->star_penetration, 1},
             {"pierce", p->pierce, 1},          {"soldier_shadow", p->soldier_shadow, 1e3}};
    for (size_t i = 0; i < NX_ARRAY_LEN(r); i++)
        if (!nx__ratio_ok(r[i].v, r[i].hi))
            return NX_ERR(NX_EINVAL, "%s must be a number in [0, %g], got %g", r[i].name, r[i].hi,
                          r[i].v);
    if (p->gap != 0 && p->gap != 1) return NX_ERR(NX_EINVAL, "gap must be 0 or 1, got %d", p->gap);
    if (p->strict_trend != 0 && p->strict_trend != 1)
        return NX_ERR(NX_EINVAL, "strict must be 0 or 1, got %d", p->strict_trend);
    return 0;
}

int nx_cdl_params_parse(const char *spec, size_t len, nx_cdl_params_t *p) {
    if (!p || (!spec && len)) return NX_ERR(NX_EINVAL, "pattern parameters: bad arguments");
    nx_cdl_params_t q = *p;
    const char *a = spec, *end = spec + len;
    while (len && a <= end) {
        const char *b = memchr(a, ',', (size_t)(end - a));
        if (!b) b = end;
        const char *eq = memchr(a, '=', (size_t)(b - a));
        if (!eq) return NX_ERR(NX_EINVAL, "pattern parameter '%.*s': expected key=value",
                               (int)(b - a > 40 ? 40 : b - a), a);
        size_t kl = (size_t)(eq - a);
        double v;
        if (nx_ta_parse_double(eq + 1, (size_t)(b - eq - 1), &v) < 0 || !isfinite(v))
            return NX_ERR(NX_EINVAL, "pattern parameter '%.*s': value is not a number", (int)kl, a);
#define NX__KEY(s) (kl == sizeof(s) - 1 && memcmp(a, s, kl) == 0)
        int integer = NX__KEY("avg") || NX__KEY("trend") || NX__KEY("gap") || NX__KEY("strict");
        if (integer && (v != floor(v) || fabs(v) > 1e6))
            return NX_ERR(NX_EINVAL, "pattern parameter '%.*s' must be an integer", (int)kl, a);
        if (NX__KEY("avg")) q.avg_period = (int)v;
        else if (NX__KEY("trend")) q.trend_period = (int)v;
        else if (NX__KEY("gap")) q.gap = (int)v;
        else if (NX__KEY("strict")) q.strict_trend = (int)v;
        else if (NX__KEY("doji")) q.doji_body = v;
        else if (NX__KEY("short")) q.short_body = v;
        else if (NX__KEY("long")) q.long_body = v;
        else if (NX__KEY("shadow_long")) q.shadow_long = v;
        else if (NX__KEY("shadow_short")) q.shadow_short = v;
        else if (NX__KEY("penetration")) q.star_penetration = v;
        else if (NX__KEY("pierce")) q.pierce = v;
        else if (NX__KEY("soldier_shadow")) q.soldier_shadow = v;
        else
            return NX_ERR(NX_EINVAL,
                          "unknown pattern parameter '%.*s' (avg trend doji short long "
                          "shadow_long shadow_short penetration pierce soldier_shadow gap strict)",
                          (int)(kl > 40 ? 40 : kl), a);
#undef NX__KEY
        if (b == end) break;
        a = b + 1;
    }
    int rc = nx_cdl_params_check(&q);
    if (rc < 0) return rc;
    *p = q;
    return 0;
}

int nx_cdl_new(const nx_cdl_params_t *p, nx_cdl_t **out) {
    nx_cdl_params_t d;
    if (!p) {
        nx_cdl_params_default(&d);
        p = &d;
    }
    int rc = nx_cdl_params_check(p);
    if (rc < 0) return rc;
    if (!out) return NX_ERR(NX_EINVAL, "out is required");
    int m = p->avg_period > p->trend_period ? p->avg_period : p->trend_period;
    uint32_t cap = (uint32_t)m + 4u;
    nx_cdl_t *c = nx_calloc(1, sizeof *c + cap * sizeof(nx__candle_t));
    if (!c) return NX_ERR(NX_ENOMEM, "pattern detector");
    c->p = *p;
    c->cap = cap;
    c->lookback = m + 3;
    *out = c;
    return 0;
}

void nx_cdl_free(nx_cdl_t *c) { nx_free(c); }

void nx_cdl_reset(nx_cdl_t *c) {
    if (!c) return;
    c->count = 0;
    c->pos = 0;
    memset(c->sig, 0, sizeof c->sig);
    memset(c->ring, 0, c->cap * sizeof(nx__candle_t));
}

/* The bar k bars ago (0 = the last). */
static inline const nx__candle_t *nx__ago(const nx_cdl_t *c, uint32_t k) {
    uint32_t i = c->pos + c->cap - 1u - k;
    if (i >= c->cap) i -= c->cap;
    return &c->ring[i];
}

static inline double nx__body(const nx__candle_t *b) { return fabs(b->c - b->o); }
static inline double nx__range(const nx__candle_t *b) { return b->h - b->l; }
static inline double nx__upper(const nx__candle_t *b) { return b->h - (b->o > b->c ? b->o : b->c); }
static inline double nx__lower(const nx__candle_t *b) { return (b->o < b->c ? b->o : b->c) - b->l; }
static inline double nx__top(const nx__candle_t *b) { return b->o > b->c ? b->o : b->c; }
static inline double nx__bot(const nx__candle_t *b) { return b->o < b->c ? b->o : b->c; }
static inline int nx__white(const nx__candle_t *b) { return b->c > b->o; }
static inline int nx__black(const nx__candle_t *b) { return b->c < b->o; }

/* Average body and range of the avg_period bars ending `from` bars ago, oldest first. */
static void nx__avgs(const nx_cdl_t *c, uint32_t from, double *ab, double *ar) {
    uint32_t n = (uint32_t)c->p.avg_period;
    double sb = 0, sr = 0;
    for (uint32_t k = from + n; k-- > from;) {
        const nx__candle_t *b = nx__ago(c, k);
        sb += nx__body(b);
        sr += nx__range(b);
    }
    *ab = sb / (double)n;
    *ar = sr / (double)n;
}

/* Trend at the bar `at` bars ago: +1 close above SMA, -1 below, 0 equal. */
static int nx__trend(const nx_cdl_t *c, uint32_t at) {
    uint32_t n = (uint32_t)c->p.trend_period;
    double s = 0;
    for (uint32_t k = at + n; k-- > at;) s += nx__ago(c, k)->c;
    double sma = s / (double)n, x = nx__ago(c, at)->c;
    return x > sma ? 1 : x < sma ? -1 : 0;
}

static void nx__evaluate(nx_cdl_t *c) {
    const nx_cdl_params_t *p = &c->p;
    const nx__candle_t *b0 = nx__ago(c, 0), *b1 = nx__ago(c, 1), *b2 = nx__ago(c, 2);
    double ab1, ar1, ab2, ar2, ab3, ar3;
    nx__avgs(c, 1, &ab1, &ar1);
    nx__avgs(c, 2, &ab2, &ar2);
    nx__avgs(c, 3, &ab3, &ar3);
    int tr1 = nx__trend(c, 1), tr2 = nx__trend(c, 2), tr3 = nx__trend(c, 3);
    int strict = p->strict_trend;
    int8_t *s = c->sig;
    memset(s, 0, NX_CDL__COUNT);
    double body0 = nx__body(b0), body1 = nx__body(b1), body2 = nx__body(b2);

    /* doji: TA-Lib's CDLDOJI rule exactly */
    if (body0 <= p->doji_body * ar1) s[NX_CDL_DOJI] = 1;

    /* hammer / hanging man: small body, long lower shadow, almost no upper one */
    if (nx__range(b0) > 0 && body0 < p->short_body * ab1 && nx__lower(b0) > 0 &&
        nx__lower(b0) >= p->shadow_long * body0 && nx__upper(b0) <= p->shadow_short * ar1) {
        if (tr1 < 0) s[NX_CDL_HAMMER] = 1;
        if (tr1 > 0) s[NX_CDL_HANGING_MAN] = -1;
    }
    /* shooting star: the mirror shape after an uptrend */
    if (nx__range(b0) > 0 && body0 < p->short_body * ab1 && nx__upper(b0) > 0 &&
        nx__upper(b0) >= p->shadow_long * body0 && nx__lower(b0) <= p->shadow_short * ar1 &&
        tr1 > 0)
        s[NX_CDL_SHOOTING_STAR] = -1;

    /* engulfing: the second body covers the first, colours opposite */
    if (nx__black(b1) && nx__white(b0) && b0->o <= b1->c && b0->c >= b1->o &&
        (b0->o < b1->c || b0->c > b1->o) && (!strict || tr2 < 0))
        s[NX_CDL_ENGULFING] = 1;
    else if (nx__white(b1) && nx__black(b0) && b0->o >= b1->c && b0->c <= b1->o &&
             (b0->o > b1->c || b0->c < b1->o) && (!strict || tr2 > 0))
        s[NX_CDL_ENGULFING] = -1;

    /* harami: a long body, then a small body strictly inside it */
    if (body1 > p->long_body * ab2 && body0 < p->short_body * ab2 &&
        nx__top(b0) < nx__top(b1) && nx__bot(b0) > nx__bot(b1)) {
        if (nx__black(b1) && (!strict || tr2 < 0)) s[NX_CDL_HARAMI] = 1;
        else if (nx__white(b1) && (!strict || tr2 > 0)) s[NX_CDL_HARAMI] = -1;
    }

    /* piercing line: long black, long white opening below, closing past the
     * middle of the black body but inside it */
    if (nx__black(b1) && body1 > p->long_body * ab2 && nx__white(b0) &&
        body0 > p->long_body * ab2 && (p->gap ? b0->o < b1->l : b0->o <= b1->c) &&
        b0->c > b1->c + p->pierce * body1 && b0->c < b1->o && (!strict || tr2 < 0))
        s[NX_CDL_PIERCING] = 1;
    /* dark cloud cover: the mirror */
    if (nx__white(b1) && body1 > p->long_body * ab2 && nx__black(b0) &&
        (p->gap ? b0->o > b1->h : b0->o >= b1->c) && b0->c < b1->c - p->pierce * body1 &&
        b0->c > b1->o && (!strict || tr2 > 0))
        s[NX_CDL_DARK_CLOUD] = -1;

    /* morning star: long black, small star below its body, white closing
     * well into the first body */
    if (nx__black(b2) && body2 > p->long_body * ab3 && body1 <= p->short_body * ab3 &&
        (p->gap ? nx__top(b1) < b2->c : nx__top(b1) <= b2->c) && nx__white(b0) &&
        body0 > p->short_body * ab3 && b0->c > b2->c + p->star_penetration * body2 &&
        (!strict || tr3 < 0))
        s[NX_CDL_MORNING_STAR] = 1;
    /* evening star: the mirror */
    if (nx__white(b2) && body2 > p->long_body * ab3 && body1 <= p->short_body * ab3 &&
        (p->gap ? nx__bot(b1) > b2->c : nx__bot(b1) >= b2->c) && nx__black(b0) &&
        body0 > p->short_body * ab3 && b0->c < b2->c - p->star_penetration * body2 &&
        (!strict || tr3 > 0))
        s[NX_CDL_EVENING_STAR] = -1;

    /* three white soldiers: three long white bodies, rising closes, each
     * opening inside the previous body, each closing near its high */
    if (nx__white(b2) && nx__white(b1) && nx__white(b0) && b1->c > b2->c && b0->c > b1->c &&
        b1->o > b2->o && b1->o <= b2->c && b0->o > b1->o && b0->o <= b1->c &&
        body2 > p->long_body * ab3 && body1 > p->long_body * ab3 && body0 > p->long_body * ab3 &&
        nx__upper(b2) <= p->soldier_shadow * body2 && nx__upper(b1) <= p->soldier_shadow * body1 &&
        nx__upper(b0) <= p->soldier_shadow * body0 && (!strict || tr3 < 0))
        s[NX_CDL_THREE_WHITE] = 1;
    /* three black crows: the mirror */
    if (nx__black(b2) && nx__black(b1) && nx__black(b0) && b1->c < b2->c && b0->c < b1->c &&
        b1->o < b2->o && b1->o >= b2->c && b0->o < b1->o && b0->o >= b1->c &&
        body2 > p->long_body * ab3 && body1 > p->long_body * ab3 && body0 > p->long_body * ab3 &&
        nx__lower(b2) <= p->soldier_shadow * body2 && nx__lower(b1) <= p->soldier_shadow * body1 &&
        nx__lower(b0) <= p->soldier_shadow * body0 && (!strict || tr3 > 0))
        s[NX_CDL_THREE_BLACK] = -1;
}


int nx_cdl_update(nx_cdl_t *c, const nx_ta_bar_t *b) {
    if (NX_UNLIKELY(!nx_ta_ohlc_ok(b)))
        return nx_ta_ohlc_error(c->count, b);
    nx__candle_t *slot = &c->ring[c->pos];
    slot->o = b->open;
    slot->h = b->high;
    slot->l = b->low;
    slot->c = b->close;
    c->pos = c->pos + 1u == c->cap ? 0 : c->pos + 1u;
    c->count++;
    if (c->count > (uint64_t)c->lookback) nx__evaluate(c);
    return 0;
}

int nx_cdl_ready(const nx_cdl_t *c) { return c->count > (uint64_t)c->lookback; }
int nx_cdl_lookback(const nx_cdl_t *c) { return c->lookback; }
int nx_cdl_signal(const nx_cdl_t *c, nx_cdl_kind_t k) {
    return (unsigned)k < NX_CDL__COUNT ? c->sig[k] : 0;
}
const int8_t *nx_cdl_signals(const nx_cdl_t *c) { return c->sig; }
uint64_t nx_cdl_count(const nx_cdl_t *c) { return c->count; }

int nx_cdl_batch(nx_cdl_t *c, const nx_ta_series_t *in, size_t n, int8_t *out,
                 size_t *err_row) {
    if (!c || !in || !in->open || !in->high || !in->low || !in->close)
        return NX_ERR(NX_EINVAL, "nx_cdl_batch: open, high, low and close are required");
    for (size_t r = 0; r < n; r++) {
        nx_ta_bar_t b = {in->ts ? in->ts[r] : 0, in->open[r], in->high[r], in->low[r],
                         in->close[r], in->volume ? in->volume[r] : 0.0};
        int rc = nx_cdl_update(c, &b);
        if (rc < 0) {
            if (err_row) *err_row = r;
            return NX_ERR_APPEND(rc, "row %zu", r);
        }
        if (out) memcpy(out + r * NX_CDL__COUNT, c->sig, NX_CDL__COUNT);
    }
    return 0;
}
