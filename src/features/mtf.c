/*
 * Multi-timeframe: one indicator on several timeframes built from one base
 * bar (or trade) stream with nx_bar_builder_t, and the confluence score.
 *
 * Each timeframe above the base span has its own time builder fed with every
 * base bar; the builder publishes a bar only when the base bar that ends its
 * period (or a later one) arrives, and only then is that timeframe's
 * indicator updated. So a value never includes an unfinished bar: no
 * look-ahead by construction, checked by the prefix test in test_features.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "features/feat_int.h"
#include "nexus/data.h"
#include "nexus/time.h"

#define NX__MTF_COL (NX_TA_NAME_MAX + 16)

struct nx_mtf;
typedef struct nx__tf {
    struct nx_mtf *m;
    int64_t ns;
    double w;
    nx_bar_builder_t b;
    nx_ta_t *ind;
    double prev_v;
    int have_prev_v;
    int dir, dir_ok;
    uint64_t closed;
    char col[NX_TA_MAX_OUT][NX__MTF_COL];
} nx__tf_t;

struct nx_mtf {
    int64_t base_ns;
    size_t n;
    nx_mtf_dir_t dir;
    nx_bar_builder_t trades; /* base bars from trades */
    int have_last;
    int64_t last_open;        /* open time of the last base bar */
    uint64_t count;
    char score_name[NX__MTF_COL];
    nx__tf_t tf[NX_MTF_MAX];
};

static int nx__sgn(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

static int nx__overlay(nx_ta_kind_t k) {
    switch (k) {
    case NX_TA_SMA: case NX_TA_EMA: case NX_TA_WMA: case NX_TA_DEMA: case NX_TA_TEMA:
    case NX_TA_TRIMA: case NX_TA_KAMA: case NX_TA_HMA: case NX_TA_VWMA: case NX_TA_BBANDS:
    case NX_TA_KELTNER: case NX_TA_DONCHIAN: case NX_TA_SAR: case NX_TA_SUPERTREND:
    case NX_TA_VWAP: case NX_TA_ICHIMOKU:
        return 1;
    default: return 0;
    }
}

/* A timeframe's bar closed: update its indicator and direction. */
static int nx__tf_bar(nx__tf_t *t, const nx_ev_bar_t *bar) {
    nx_ta_bar_t b;
    b.ts = bar->h.ts_venue;
    b.open = nx__feat_unscale(bar->open, bar->price_scale);
    b.high = nx__feat_unscale(bar->high, bar->price_scale);
    b.low = nx__feat_unscale(bar->low, bar->price_scale);
    b.close = nx__feat_unscale(bar->close, bar->price_scale);
    b.volume = nx__feat_unscale(bar->volume, bar->qty_scale);
    int rc = nx_ta_update(t->ind, &b);
    if (rc < 0) return rc;
    t->closed++;
    if (!nx_ta_ready(t->ind)) return 0;
    double v = nx_ta_value(t->ind, 0);
    nx_mtf_dir_t mode = t->m->dir;
    if (mode == NX_MTF_DIR_AUTO)
        mode = nx__overlay(nx_ta_kind(t->ind)) ? NX_MTF_DIR_PRICE : NX_MTF_DIR_SLOPE;
    switch (mode) {
    case NX_MTF_DIR_PRICE:
        t->dir = nx__sgn(b.close - v);
        t->dir_ok = 1;
        break;
    case NX_MTF_DIR_SLOPE:
        if (t->have_prev_v) {
            t->dir = nx__sgn(v - t->prev_v);
            t->dir_ok = 1;
        }
        break;
    default:
        t->dir = nx__sgn(v);
        t->dir_ok = 1;
        break;
    }
    t->prev_v = v;
    t->have_prev_v = 1;
    return 0;
}

static int nx__tf_emit(void *ctx, const nx_event_hdr_t *ev) {
    return nx__tf_bar(ctx, (const nx_ev_bar_t *)(const void *)ev);
}

/* Parse "30s", "5m", "1h", "1d" into ns. */
static int nx__parse_tf(const char *s, size_t len, int64_t *out) {
    if (len < 2 || len > 8) return -1;
    int64_t v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    int64_t unit;
    switch (s[len - 1]) {
    case 's': unit = NX_NS_PER_SEC; break;
    case 'm': unit = NX_NS_PER_MIN; break;
    case 'h': unit = NX_NS_PER_HOUR; break;
    case 'd': unit = NX_NS_PER_DAY; break;
    default: return -1;
    }
    if (v <= 0 || v > 86400) return -1;
    *out = v * unit;
    return 0;
}

static int nx__base_emit(void *ctx, const nx_event_hdr_t *ev);

void nx_mtf_free(nx_mtf_t *m) {
    if (!m) return;
    for (size_t k = 0; k < m->n; k++) nx_ta_free(m->tf[k].ind);
    nx_free(m);
}

static int nx__base_ok(int64_t base_ns) {
    return base_ns >= NX_NS_PER_SEC && base_ns <= NX_NS_PER_DAY && NX_NS_PER_DAY % base_ns == 0;
}

int nx_mtf_parse(const char *spec, size_t len, int64_t base_ns, nx_mtf_t **out) {
    if (!spec || !out) return NX_ERR(NX_EINVAL, "mtf: spec and out are required");
    if (!nx__base_ok(base_ns))
        return NX_ERR(NX_EINVAL, "mtf: base span must be 1 s .. 1 day and divide a day (got %lld ns)",
                      (long long)base_ns);
    if (len > NX_MTF_SPEC_MAX) return NX_ERR(NX_EINVAL, "mtf: spec longer than %d bytes", NX_MTF_SPEC_MAX);
    const char *at = memchr(spec, '@', len), *end = spec + len;
    if (!at || at == spec)
        return NX_ERR(NX_EINVAL, "mtf: expected INDICATOR@TF,TF,... (e.g. ema:20@1m,5m,15m)");
    size_t ilen = (size_t)(at - spec);
    if (ilen >= NX_TA_SPEC_MAX) return NX_ERR(NX_EINVAL, "mtf: indicator spec too long");
    nx_mtf_t *m = nx_calloc(1, sizeof *m);
    if (!m) return NX_ERR(NX_ENOMEM, "mtf");
    m->base_ns = base_ns;
    int rc = nx_bar_builder_init(&m->trades, NX_BARS_TIME, base_ns, nx__base_emit, m);
    if (rc < 0) goto fail;
    char iname[NX_TA_SPEC_MAX];
    for (size_t i = 0; i < ilen; i++) iname[i] = spec[i] == ':' ? '_' : spec[i];
    iname[ilen] = '\0';
    snprintf(m->score_name, sizeof m->score_name, "%s_mtf", iname);

    const char *a = at + 1;
    for (;;) {
        const char *b = memchr(a, ',', (size_t)(end - a));
        if (!b) b = end;
        size_t tl = (size_t)(b - a);
        if (tl == 0) {
            rc = NX_ERR(NX_EINVAL, "mtf: empty timeframe in '%.*s'", (int)len, spec);
            goto fail;
        }
        if (tl > 4 && memcmp(a, "dir=", 4) == 0) {
            const char *d = a + 4;
            size_t dl = tl - 4;
            if (dl == 5 && memcmp(d, "price", 5) == 0) m->dir = NX_MTF_DIR_PRICE;
            else if (dl == 5 && memcmp(d, "slope", 5) == 0) m->dir = NX_MTF_DIR_SLOPE;
            else if (dl == 4 && memcmp(d, "sign", 4) == 0) m->dir = NX_MTF_DIR_SIGN;
            else {
                rc = NX_ERR(NX_EINVAL, "mtf: dir must be price, slope or sign, got '%.*s'",
                            (int)dl, d);
                goto fail;
            }
        } else {
            const char *eq = memchr(a, '=', tl);
            size_t fl = eq ? (size_t)(eq - a) : tl;
            int64_t ns;
            if (nx__parse_tf(a, fl, &ns) < 0) {
                rc = NX_ERR(NX_EINVAL, "mtf: bad timeframe '%.*s' (e.g. 30s, 5m, 1h, 1d)",
                            (int)(fl > 20 ? 20 : fl), a);
                goto fail;
            }
            if (ns < base_ns || ns % base_ns != 0 || NX_NS_PER_DAY % ns != 0) {
                rc = NX_ERR(NX_EINVAL,
                            "mtf: timeframe '%.*s' must be a multiple of the base %lld s and divide a day",
                            (int)fl, a, (long long)(base_ns / NX_NS_PER_SEC));
                goto fail;
            }
            double w = 1;
            if (eq && (nx_ta_parse_double(eq + 1, (size_t)(b - eq - 1), &w) < 0 ||
                       !(w > 0 && w <= 1e6))) {
                rc = NX_ERR(NX_EINVAL, "mtf: weight of '%.*s' must be a number in (0, 1e6]",
                            (int)fl, a);
                goto fail;
            }
            if (m->n == NX_MTF_MAX) {
                rc = NX_ERR(NX_EINVAL, "mtf: at most %d timeframes", NX_MTF_MAX);
                goto fail;
            }
            for (size_t k = 0; k < m->n; k++)
                if (m->tf[k].ns == ns) {
                    rc = NX_ERR(NX_EINVAL, "mtf: timeframe '%.*s' given twice", (int)fl, a);
                    goto fail;
                }
            nx__tf_t *t = &m->tf[m->n];
            t->m = m;
            t->ns = ns;
            t->w = w;
            if ((rc = nx_ta_parse(spec, ilen, &t->ind)) < 0) goto fail;
            m->n++;
            if ((rc = nx_bar_builder_init(&t->b, NX_BARS_TIME, ns, nx__tf_emit, t)) < 0) goto fail;
            for (size_t i = 0; i < nx_ta_outputs(t->ind); i++)
                snprintf(t->col[i], sizeof t->col[i], "%s_%.*s", nx_ta_output_name(t->ind, i),
                         (int)fl, a);
        }
        if (b == end) break;
        a = b + 1;
    }
    if (m->n == 0) {
        rc = NX_ERR(NX_EINVAL, "mtf: no timeframe after '@'");
        goto fail;
    }
    *out = m;
    return 0;
fail:
    nx_mtf_free(m);
    return rc;
}

int nx_mtf_bar(nx_mtf_t *m, const nx_ev_bar_t *bar) {
    if (!bar || bar->h.type != NX_EV_BAR) return NX_ERR(NX_EINVAL, "mtf: not a BAR event");
    if (bar->interval_ns != m->base_ns)
        return NX_ERR(NX_EINVAL, "mtf: input %llu: a %lld ns bar, expected the base %lld ns",
                      (unsigned long long)m->count, (long long)bar->interval_ns,
                      (long long)m->base_ns);
    int64_t open = bar->h.ts_venue;
    if (nx_time_floor(open, m->base_ns) != open)
        return NX_ERR(NX_EINVAL, "mtf: input %llu: bar open time %lld is not aligned to %lld s",
                      (unsigned long long)m->count, (long long)open,
                      (long long)(m->base_ns / NX_NS_PER_SEC));
    if (m->have_last && open <= m->last_open)
        return NX_ERR(NX_EINVAL, "mtf: input %llu: bar at %lld is not after the previous %lld",
                      (unsigned long long)m->count, (long long)open, (long long)m->last_open);
    if (bar->price_scale > 18 || bar->qty_scale > 18)
        return NX_ERR(NX_EINVAL, "mtf: input %llu: scales out of range", (unsigned long long)m->count);
    m->have_last = 1;
    m->last_open = open;
    m->count++;
    for (size_t k = 0; k < m->n; k++) {
        nx__tf_t *t = &m->tf[k];
        int rc = t->ns == m->base_ns ? nx__tf_bar(t, bar) : nx_bar_builder_bar(&t->b, bar);
        if (rc < 0) return rc;
    }
    return 0;
}

int nx_mtf_update(nx_mtf_t *m, const nx_ta_bar_t *b) {
    const double v[5] = {b->open, b->high, b->low, b->close, b->volume};
    static const char *const names[5] = {"open", "high", "low", "close", "volume"};
    int64_t mant[5];
    for (int i = 0; i < 5; i++) {
        if (!isfinite(v[i]) || fabs(v[i]) > 9.2e10 || (i == 4 && v[i] < 0))
            return NX_ERR(isfinite(v[i]) && v[i] >= 0 ? NX_ERANGE : NX_EINVAL,
                          "mtf: input %llu: %s %g is not a finite value within +-9.2e10",
                          (unsigned long long)m->count, names[i], v[i]);
        mant[i] = llround(v[i] * 1e8);
    }
    nx_ev_bar_t e;
    memset(&e, 0, sizeof e);
    e.h.type = NX_EV_BAR;
    e.h.size = sizeof e;
    e.h.ts_venue = b->ts;
    e.h.ts_recv = b->ts + m->base_ns;
    e.price_scale = NX_MTF_SCALE;
    e.qty_scale = NX_MTF_SCALE;
    e.interval_ns = m->base_ns;
    e.open = mant[0];
    e.high = mant[1];
    e.low = mant[2];
    e.close = mant[3];
    e.volume = mant[4];
    e.trades = 1;
    return nx_mtf_bar(m, &e);
}

static int nx__base_emit(void *ctx, const nx_event_hdr_t *ev) {
    return nx_mtf_bar(ctx, (const nx_ev_bar_t *)(const void *)ev);
}

int nx_mtf_trade(nx_mtf_t *m, const nx_ev_trade_t *t) {
    if (!t || t->h.type != NX_EV_TRADE) return NX_ERR(NX_EINVAL, "mtf: not a TRADE event");
    return nx_bar_builder_trade(&m->trades, t);
}

int nx_mtf_advance(nx_mtf_t *m, int64_t now) {
    int rc = nx_bar_builder_close_until(&m->trades, now);
    for (size_t k = 0; rc == 0 && k < m->n; k++)
        if (m->tf[k].ns != m->base_ns) rc = nx_bar_builder_close_until(&m->tf[k].b, now);
    return rc;
}

size_t nx_mtf_timeframes(const nx_mtf_t *m) { return m->n; }
int64_t nx_mtf_timeframe(const nx_mtf_t *m, size_t k) { return k < m->n ? m->tf[k].ns : 0; }
double nx_mtf_weight(const nx_mtf_t *m, size_t k) { return k < m->n ? m->tf[k].w : NAN; }
const nx_ta_t *nx_mtf_indicator(const nx_mtf_t *m, size_t k) {
    return k < m->n ? m->tf[k].ind : NULL;
}
uint64_t nx_mtf_closed(const nx_mtf_t *m, size_t k) { return k < m->n ? m->tf[k].closed : 0; }
int nx_mtf_direction(const nx_mtf_t *m, size_t k) {
    return k < m->n && m->tf[k].dir_ok ? m->tf[k].dir : 0;
}
int nx_mtf_ready(const nx_mtf_t *m) {
    for (size_t k = 0; k < m->n; k++)
        if (!m->tf[k].dir_ok) return 0;
    return m->n > 0;
}
double nx_mtf_score(const nx_mtf_t *m) {
    if (!nx_mtf_ready(m)) return NAN;
    double s = 0, w = 0;
    for (size_t k = 0; k < m->n; k++) {
        s += m->tf[k].w * m->tf[k].dir;
        w += m->tf[k].w;
    }
    return s / w;
}
const char *nx_mtf_column(const nx_mtf_t *m, size_t k, size_t i) {
    if (k >= m->n || i >= nx_ta_outputs(m->tf[k].ind)) return NULL;
    return m->tf[k].col[i];
}
const char *nx_mtf_score_name(const nx_mtf_t *m) { return m->score_name; }
