/*
 * Bar volatility estimators: Parkinson, Garman-Klass, Rogers-Satchell,
 * Yang-Zhang and close-to-close realised variance over the last N bars.
 *
 * Each bar gives up to three log terms kept in a ring of N; running sums of
 * them (and of their squares for Yang-Zhang's sample variances) are updated
 * by add/subtract and recomputed exactly from the ring every N entries, so
 * floating-point drift cannot accumulate over a long stream.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "features/feat_int.h"

#define NX__LN2 0.69314718055994530942

struct nx_feat {
    nx_feat_kind_t kind;
    uint32_t period;
    double ppy;
    uint64_t count;   /* bars accepted */
    uint32_t entries; /* terms in the ring (<= period) */
    uint32_t pos;     /* next ring slot */
    uint32_t since;   /* entries since the last exact recompute */
    int have_prev;
    double prev_close;
    double sum[5]; /* t0, t0^2, t1, t1^2, t2 */
    double var;
    char name[NX_FEAT_NAME_MAX];
    double ring[]; /* period * 3 */
};

static const char *const nx__feat_names[NX_FEAT__COUNT] = {
    NULL,
#define NX__FEAT_NAME(id, name) name,
    NX_FEAT_KINDS(NX__FEAT_NAME)
#undef NX__FEAT_NAME
};

const char *nx_feat_kind_name(nx_feat_kind_t kind) {
    return kind > NX_FEAT_NONE && kind < NX_FEAT__COUNT ? nx__feat_names[kind] : NULL;
}

nx_feat_kind_t nx_feat_kind_lookup(const char *name, size_t len) {
    for (int k = 1; k < NX_FEAT__COUNT; k++)
        if (strlen(nx__feat_names[k]) == len && memcmp(nx__feat_names[k], name, len) == 0)
            return (nx_feat_kind_t)k;
    return NX_FEAT_NONE;
}

static int nx__needs_prev(nx_feat_kind_t k) { return k == NX_FEAT_YZ || k == NX_FEAT_RV; }

int nx_feat_new(nx_feat_kind_t kind, int period, double periods_per_year, nx_feat_t **out) {
    const char *kn = nx_feat_kind_name(kind);
    if (!kn) return NX_ERR(NX_EINVAL, "unknown feature kind %d", (int)kind);
    int lo = kind == NX_FEAT_YZ ? 2 : 1;
    if (period < lo || period > NX_FEAT_PERIOD_MAX)
        return NX_ERR(NX_EINVAL, "%s: period must be an integer in [%d, %d], got %d", kn, lo,
                      NX_FEAT_PERIOD_MAX, period);
    if (!isfinite(periods_per_year) || periods_per_year <= 0 || periods_per_year > 1e12)
        return NX_ERR(NX_EINVAL, "%s: periods_per_year must be in (0, 1e12], got %g", kn,
                      periods_per_year);
    if (!out) return NX_ERR(NX_EINVAL, "out is required");
    nx_feat_t *f = nx_calloc(1, sizeof *f + (size_t)period * 3 * sizeof(double));
    if (!f) return NX_ERR(NX_ENOMEM, "%s: %d bars", kn, period);
    f->kind = kind;
    f->period = (uint32_t)period;
    f->ppy = periods_per_year;
    if (periods_per_year == 1) snprintf(f->name, sizeof f->name, "%s_%d", kn, period);
    else snprintf(f->name, sizeof f->name, "%s_%d_%.15g", kn, period, periods_per_year);
    *out = f;
    return 0;
}

int nx_feat_parse(const char *spec, size_t len, nx_feat_t **out) {
    if (!spec) return NX_ERR(NX_EINVAL, "feature spec is required");
    const char *end = spec + len, *p = memchr(spec, ':', len);
    if (!p) {
        if (nx_feat_kind_lookup(spec, len) == NX_FEAT_NONE)
            return NX_ERR(NX_EINVAL, "unknown feature '%.*s' (parkinson gk rs yz rv)",
                          (int)(len > 40 ? 40 : len), spec);
        return NX_ERR(NX_EINVAL, "'%.*s': a period is required (e.g. %.*s:20)", (int)len, spec,
                      (int)len, spec);
    }
    nx_feat_kind_t kind = nx_feat_kind_lookup(spec, (size_t)(p - spec));
    if (kind == NX_FEAT_NONE)
        return NX_ERR(NX_EINVAL, "unknown feature '%.*s' (parkinson gk rs yz rv)",
                      (int)(p - spec > 40 ? 40 : p - spec), spec);
    const char *kn = nx_feat_kind_name(kind);
    double v[2] = {0, 1};
    int nv = 0;
    for (const char *a = p + 1;; nv++) {
        const char *b = memchr(a, ':', (size_t)(end - a));
        if (!b) b = end;
        if (nv >= 2) return NX_ERR(NX_EINVAL, "%s: too many parameters (period[:periods_per_year])", kn);
        if (b == a || nx_ta_parse_double(a, (size_t)(b - a), &v[nv]) < 0)
            return NX_ERR(NX_EINVAL, "%s: parameter %d '%.*s' is not a number", kn, nv + 1,
                          (int)(b - a > 40 ? 40 : b - a), a);
        if (b == end) {
            nv++;
            break;
        }
        a = b + 1;
    }
    if (!(v[0] >= 1 && v[0] <= NX_FEAT_PERIOD_MAX) || v[0] != floor(v[0]))
        return NX_ERR(NX_EINVAL, "%s: period must be an integer in [%d, %d], got %.*s", kn,
                      kind == NX_FEAT_YZ ? 2 : 1, NX_FEAT_PERIOD_MAX,
                      (int)((size_t)(end - p - 1) > 40 ? 40 : end - p - 1), p + 1);
    if (len >= NX_FEAT_NAME_MAX)
        return NX_ERR(NX_EINVAL, "%s: spec longer than %d bytes", kn, NX_FEAT_NAME_MAX - 1);
    nx_feat_t *f;
    int rc = nx_feat_new(kind, (int)v[0], v[1], &f);
    if (rc < 0) return rc;
    /* the column name keeps the parameters as written */
    for (size_t i = 0; i < len; i++) f->name[i] = spec[i] == ':' ? '_' : spec[i];
    f->name[len] = '\0';
    *out = f;
    return 0;
}

void nx_feat_free(nx_feat_t *f) { nx_free(f); }

void nx_feat_reset(nx_feat_t *f) {
    if (!f) return;
    f->count = 0;
    f->entries = f->pos = f->since = 0;
    f->have_prev = 0;
    f->prev_close = 0;
    memset(f->sum, 0, sizeof f->sum);
    f->var = 0;
    memset(f->ring, 0, (size_t)f->period * 3 * sizeof(double));
}



static void nx__recompute(nx_feat_t *f) {
    double s[5] = {0, 0, 0, 0, 0};
    /* oldest first, so the order does not depend on where the ring starts */
    uint32_t start = f->entries < f->period ? 0 : f->pos;
    for (uint32_t i = 0; i < f->entries; i++) {
        uint32_t j = start + i;
        if (j >= f->period) j -= f->period;
        const double *t = f->ring + (size_t)j * 3;
        s[0] += t[0];
        s[1] += t[0] * t[0];
        s[2] += t[1];
        s[3] += t[1] * t[1];
        s[4] += t[2];
    }
    memcpy(f->sum, s, sizeof s);
}

int nx_feat_update(nx_feat_t *f, const nx_ta_bar_t *bar) {
    if (NX_UNLIKELY(!nx_ta_ohlc_ok(bar))) return nx_ta_ohlc_error(f->count, bar);
    double t[3] = {0, 0, 0};
    int have = 1;
    switch (f->kind) {
    case NX_FEAT_PARKINSON: {
        double u = log(bar->high / bar->low);
        t[0] = u * u;
        break;
    }
    case NX_FEAT_GK: {
        double u = log(bar->high / bar->low), c = log(bar->close / bar->open);
        t[0] = 0.5 * u * u - (2.0 * NX__LN2 - 1.0) * c * c;
        break;
    }
    case NX_FEAT_RS:
        t[0] = log(bar->high / bar->close) * log(bar->high / bar->open) +
               log(bar->low / bar->close) * log(bar->low / bar->open);
        break;
    case NX_FEAT_RV:
        if (f->have_prev) {
            double r = log(bar->close / f->prev_close);
            t[0] = r * r;
        } else {
            have = 0;
        }
        break;
    case NX_FEAT_YZ:
        if (f->have_prev) {
            t[0] = log(bar->open / f->prev_close);
            t[1] = log(bar->close / bar->open);
            t[2] = log(bar->high / bar->close) * log(bar->high / bar->open) +
                   log(bar->low / bar->close) * log(bar->low / bar->open);
        } else {
            have = 0;
        }
        break;
    default: break;
    }
    f->prev_close = bar->close;
    f->have_prev = 1;
    f->count++;
    if (!have) return 0;
    double *slot = f->ring + (size_t)f->pos * 3;
    if (f->entries == f->period) { /* drop the oldest */
        f->sum[0] -= slot[0];
        f->sum[1] -= slot[0] * slot[0];
        f->sum[2] -= slot[1];
        f->sum[3] -= slot[1] * slot[1];
        f->sum[4] -= slot[2];
    } else {
        f->entries++;
    }
    slot[0] = t[0];
    slot[1] = t[1];
    slot[2] = t[2];
    f->sum[0] += t[0];
    f->sum[1] += t[0] * t[0];
    f->sum[2] += t[1];
    f->sum[3] += t[1] * t[1];
    f->sum[4] += t[2];
    f->pos = f->pos + 1u == f->period ? 0 : f->pos + 1u;
    if (++f->since >= f->period) {
        f->since = 0;
        nx__recompute(f);
    }
    if (f->entries < f->period) return 0;
    double n = (double)f->period, v;
    switch (f->kind) {
    case NX_FEAT_PARKINSON: v = f->sum[0] / (4.0 * NX__LN2 * n); break;
    case NX_FEAT_YZ: {
        double so = (f->sum[1] - f->sum[0] * f->sum[0] / n) / (n - 1.0);
        double sc = (f->sum[3] - f->sum[2] * f->sum[2] / n) / (n - 1.0);
        double k = 0.34 / (1.34 + (n + 1.0) / (n - 1.0));
        v = (so > 0 ? so : 0) + k * (sc > 0 ? sc : 0) + (1.0 - k) * (f->sum[4] / n);
        break;
    }
    default: v = f->sum[0] / n; break;
    }
    f->var = v > 0 ? v : 0; /* cancellation can leave -1e-20 where the truth is 0 */
    return 0;
}

int nx_feat_ready(const nx_feat_t *f) { return f->entries == f->period; }
double nx_feat_variance(const nx_feat_t *f) { return nx_feat_ready(f) ? f->var : NAN; }
double nx_feat_value(const nx_feat_t *f) {
    return nx_feat_ready(f) ? sqrt(f->var * f->ppy) : NAN;
}
int nx_feat_lookback(const nx_feat_t *f) {
    return (int)f->period - 1 + (nx__needs_prev(f->kind) ? 1 : 0);
}
nx_feat_kind_t nx_feat_kind(const nx_feat_t *f) { return f->kind; }
const char *nx_feat_name(const nx_feat_t *f) { return f->name; }
uint64_t nx_feat_count(const nx_feat_t *f) { return f->count; }

int nx_feat_batch(nx_feat_t *f, const nx_ta_series_t *in, size_t n, double *out,
                  size_t *err_row) {
    if (!f || !in || !in->open || !in->high || !in->low || !in->close)
        return NX_ERR(NX_EINVAL, "nx_feat_batch: open, high, low and close are required");
    for (size_t r = 0; r < n; r++) {
        nx_ta_bar_t b = {in->ts ? in->ts[r] : 0, in->open[r], in->high[r], in->low[r],
                         in->close[r], in->volume ? in->volume[r] : 0.0};
        int rc = nx_feat_update(f, &b);
        if (rc < 0) {
            if (err_row) *err_row = r;
            return NX_ERR_APPEND(rc, "row %zu", r);
        }
        if (out) out[r] = nx_feat_value(f);
    }
    return 0;
}
