/*
 * src/features/feat_int.h — private to the features module: the bucketed
 * time window shared by the trade and quote features, scale conversion and
 * input checks.
 *
 * A window is a ring of n buckets of k doubles each. Adding goes to the open
 * bucket (O(1)); when time enters a later bucket the ring turns, the bucket
 * that closed is added to the closed-bucket sums and the one that left the
 * window subtracted (O(1) per step), and once per n steps the sums are
 * recomputed exactly from the buckets (O(n)), so drift stays bounded:
 * total = closed + open bucket.
 */
#ifndef NX_FEAT_INT_H
#define NX_FEAT_INT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nexus/features.h"

#define NX__FWIN_K 8 /* doubles per bucket, at most */

typedef struct nx__fwin {
    int64_t bucket_ns;
    uint32_t n, k;
    uint32_t head;    /* slot of the open bucket */
    int started;
    int dirty;        /* closed[] needs an exact recompute */
    uint32_t rolls;   /* bucket steps since the last exact recompute */
    int64_t cur;      /* index of the open bucket: floor(ts / bucket_ns) */
    int64_t last_ts;  /* latest time seen */
    double *slots;    /* n * k */
    double closed[NX__FWIN_K];
} nx__fwin_t;

/* Validate a window config; sets the error message. */
int nx__fwin_check(const nx_feat_window_t *w, const char *what);
/* Bytes of bucket storage for a window of k doubles per bucket. */
static inline size_t nx__fwin_bytes(const nx_feat_window_t *w, uint32_t k) {
    return (size_t)(w->span_ns / w->bucket_ns) * k * sizeof(double);
}
void nx__fwin_init(nx__fwin_t *f, const nx_feat_window_t *w, uint32_t k, double *slots);
/*
 * Move to time ts (>= the latest time seen, else NX_EINVAL with `index` in
 * the message). Returns 0.
 */
int nx__fwin_advance(nx__fwin_t *f, int64_t ts, uint64_t index);
/* The exact recompute of closed[] when due (O(n), once per n bucket steps); call once per update. */
void nx__fwin_refresh(nx__fwin_t *f);
/* Check that ts is not older than the latest time seen (no state change). */
int nx__fwin_check_ts(const nx__fwin_t *f, int64_t ts, uint64_t index);
static inline double *nx__fwin_open(nx__fwin_t *f) { return f->slots + (size_t)f->head * f->k; }
static inline double nx__fwin_total(const nx__fwin_t *f, uint32_t j) {
    return f->started ? f->closed[j] + f->slots[(size_t)f->head * f->k + j] : 0.0;
}
/* Start time of the open bucket. */
static inline int64_t nx__fwin_open_start(const nx__fwin_t *f) { return f->cur * f->bucket_ns; }

/* mantissa / 10^scale; NaN for scale > 18. */
double nx__feat_unscale(int64_t mantissa, unsigned scale);

static inline int nx__feat_pos(double x) { return isfinite(x) && x > 0; }
static inline int nx__feat_nonneg(double x) { return isfinite(x) && x >= 0; }

/* Tick rule: +1 / -1 from the last price change, 0 until there was one. */
typedef struct nx__tick {
    double last;
    int sign;
    int have;
} nx__tick_t;
static inline int nx__tick_side(const nx__tick_t *k, double price) {
    if (!k->have) return 0;
    if (price > k->last) return 1;
    if (price < k->last) return -1;
    return k->sign;
}
static inline void nx__tick_push(nx__tick_t *k, double price) {
    k->sign = nx__tick_side(k, price);
    k->last = price;
    k->have = 1;
}

/* Standard normal CDF. */
static inline double nx__feat_phi(double z) { return 0.5 * erfc(-z * 0.70710678118654752440); }

#endif
