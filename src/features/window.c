/* The bucketed time window (feat_int.h) and small shared helpers. */
#include "features/feat_int.h"

#include "nexus/time.h"

int nx__fwin_check(const nx_feat_window_t *w, const char *what) {
    if (!w) return NX_ERR(NX_EINVAL, "%s: window is required", what);
    if (w->bucket_ns <= 0 || w->span_ns <= 0)
        return NX_ERR(NX_EINVAL, "%s: window span and bucket must be positive (got %lld, %lld ns)",
                      what, (long long)w->span_ns, (long long)w->bucket_ns);
    if (w->span_ns % w->bucket_ns != 0)
        return NX_ERR(NX_EINVAL, "%s: window span %lld ns is not a multiple of the bucket %lld ns",
                      what, (long long)w->span_ns, (long long)w->bucket_ns);
    if (w->span_ns / w->bucket_ns > NX_FEAT_BUCKETS_MAX)
        return NX_ERR(NX_EINVAL, "%s: window of %lld buckets (at most %d)", what,
                      (long long)(w->span_ns / w->bucket_ns), NX_FEAT_BUCKETS_MAX);
    return 0;
}

void nx__fwin_init(nx__fwin_t *f, const nx_feat_window_t *w, uint32_t k, double *slots) {
    memset(f, 0, sizeof *f);
    f->bucket_ns = w->bucket_ns;
    f->n = (uint32_t)(w->span_ns / w->bucket_ns);
    f->k = k;
    f->slots = slots;
    memset(slots, 0, (size_t)f->n * k * sizeof(double));
}

int nx__fwin_check_ts(const nx__fwin_t *f, int64_t ts, uint64_t index) {
    if (f->started && ts < f->last_ts)
        return NX_ERR(NX_EINVAL, "input %llu: time %lld is before the previous %lld",
                      (unsigned long long)index, (long long)ts, (long long)f->last_ts);
    return 0;
}

int nx__fwin_advance(nx__fwin_t *f, int64_t ts, uint64_t index) {
    int rc = nx__fwin_check_ts(f, ts, index);
    if (rc < 0) return rc;
    int64_t id = nx_time_floor(ts, f->bucket_ns) / f->bucket_ns;
    f->last_ts = ts;
    if (!f->started) {
        f->started = 1;
        f->cur = id;
        f->head = 0;
        return 0;
    }
    if (id == f->cur) return 0;
    int64_t steps = id - f->cur;
    size_t k = f->k;
    if (steps >= (int64_t)f->n) {
        memset(f->slots, 0, (size_t)f->n * k * sizeof(double));
        memset(f->closed, 0, sizeof f->closed);
        f->dirty = 0;
        f->rolls = 0;
    } else {
        /* each step: the open bucket joins the closed ones, the oldest leaves */
        for (int64_t s = 0; s < steps; s++) {
            const double *was = f->slots + (size_t)f->head * k;
            f->head = f->head + 1u == f->n ? 0 : f->head + 1u;
            double *old = f->slots + (size_t)f->head * k;
            for (size_t j = 0; j < k; j++) f->closed[j] += was[j] - old[j];
            memset(old, 0, k * sizeof(double));
        }
        /* add/subtract drifts: recompute exactly once per window length */
        f->rolls += (uint32_t)steps;
        if (f->rolls >= f->n) {
            f->rolls = 0;
            f->dirty = 1;
        }
    }
    f->cur = id;
    return 0;
}

void nx__fwin_refresh(nx__fwin_t *f) {
    if (!f->dirty) return;
    f->dirty = 0;
    size_t k = f->k;
    /* closed buckets: every slot but the open one, oldest first */
    for (size_t j = 0; j < k; j++) f->closed[j] = 0;
    for (uint32_t i = 1; i < f->n; i++) {
        uint32_t slot = f->head + i;
        if (slot >= f->n) slot -= f->n; /* head+1 is the oldest */
        const double *b = f->slots + (size_t)slot * k;
        for (size_t j = 0; j < k; j++) f->closed[j] += b[j];
    }
}

double nx__feat_unscale(int64_t mantissa, unsigned scale) {
    static const double p10[19] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    if (scale > 18) return NAN;
    return (double)mantissa / p10[scale];
}
