/*
 * latency.c — latency draws (constant, log-normal, empirical; seeded) and the
 * time-ordered queue of delayed actions (a binary heap keyed by due time and
 * arming sequence, over slots allocated once).
 *
 * Doubles appear only inside the log-normal draw; the result is whole
 * nanoseconds.
 */
#include <math.h>
#include <string.h>

#include "sim/sim_int.h"

int64_t nx__lat_draw(const nx_sim_latency_t *l, nx_rng_t *rng) {
    int64_t v;
    switch (l->kind) {
    case NX_SIM_LAT_LOGNORMAL: {
        /* Box-Muller: u1 in (0, 1] so the log is finite */
        double u1 = 1.0 - nx_rng_double(rng), u2 = nx_rng_double(rng);
        double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        double x = (double)l->ns * exp(l->sigma * z);
        v = x >= 9.0e18 ? INT64_MAX : (int64_t)llround(x);
        break;
    }
    case NX_SIM_LAT_EMPIRICAL:
        v = l->n_samples ? l->samples[nx_rng_below(rng, l->n_samples)] : 0;
        break;
    default:
        v = l->ns;
        break;
    }
    if (v < 0) v = 0;
    if (l->cap_ns > 0 && v > l->cap_ns) v = l->cap_ns;
    return v;
}

int nx__lat_copy(nx_sim_latency_t *dst, const nx_sim_latency_t *src) {
    *dst = *src;
    dst->samples = NULL;
    if ((unsigned)src->kind > NX_SIM_LAT_EMPIRICAL) return NX_ERR(NX_ECONFIG, "bad latency kind");
    if (src->kind == NX_SIM_LAT_EMPIRICAL) {
        if (!src->samples || !src->n_samples)
            return NX_ERR(NX_ECONFIG, "empirical latency without samples");
        int64_t *c = nx_malloc(src->n_samples * sizeof *c);
        if (!c) return NX_ERR(NX_ENOMEM, "latency samples");
        memcpy(c, src->samples, src->n_samples * sizeof *c);
        dst->samples = c;
    }
    if (src->kind == NX_SIM_LAT_LOGNORMAL && (!(src->sigma >= 0) || src->ns < 0))
        return NX_ERR(NX_ECONFIG, "log-normal latency needs median >= 0 and sigma >= 0");
    return NX_OK;
}

void nx__lat_free(nx_sim_latency_t *l) {
    nx_free((void *)(uintptr_t)l->samples);
    l->samples = NULL;
}

/* ---- the delayed-action queue ---------------------------------------------- */

int nx__pq_init(nx__pq_t *q, uint32_t cap) {
    memset(q, 0, sizeof *q);
    q->slots = nx_malloc((size_t)cap * sizeof *q->slots);
    q->heap = nx_malloc((size_t)cap * sizeof *q->heap);
    q->freel = nx_malloc((size_t)cap * sizeof *q->freel);
    if (!q->slots || !q->heap || !q->freel) {
        nx__pq_close(q);
        return NX_ERR(NX_ENOMEM, "sim pending queue (%u)", cap);
    }
    q->cap = cap;
    for (uint32_t i = 0; i < cap; i++) q->freel[i] = cap - 1 - i;
    q->nfree = cap;
    return NX_OK;
}

void nx__pq_close(nx__pq_t *q) {
    nx_free(q->slots);
    nx_free(q->heap);
    nx_free(q->freel);
    memset(q, 0, sizeof *q);
}

static inline int nx__pq_less(const nx__pq_t *q, uint32_t a, uint32_t b) {
    const nx__pend_t *x = &q->slots[a], *y = &q->slots[b];
    return x->due < y->due || (x->due == y->due && x->seq < y->seq);
}

int nx__pq_push(nx__pq_t *q, nx_ts_t due, uint32_t kind, const nx_event_hdr_t *ev) {
    if (q->nfree == 0) return NX_ERR(NX_ELIMIT, "sim: %u delayed actions in flight", q->cap);
    uint32_t s = q->freel[--q->nfree];
    nx__pend_t *p = &q->slots[s];
    p->due = due;
    p->seq = ++q->seq;
    p->kind = kind;
    memcpy(&p->ev, ev, ev->size);
    uint32_t i = q->n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!nx__pq_less(q, s, q->heap[parent])) break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = s;
    if (q->n > q->peak) q->peak = q->n;
    return NX_OK;
}

nx__pend_t *nx__pq_top(nx__pq_t *q) { return q->n ? &q->slots[q->heap[0]] : NULL; }

void nx__pq_pop(nx__pq_t *q) {
    if (!q->n) return;
    q->freel[q->nfree++] = q->heap[0];
    uint32_t last = q->heap[--q->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        uint32_t best = last;
        if (l < q->n && nx__pq_less(q, q->heap[l], best)) m = l, best = q->heap[l];
        if (r < q->n && nx__pq_less(q, q->heap[r], best)) m = r, best = q->heap[r];
        if (m == i) break;
        q->heap[i] = q->heap[m];
        i = m;
    }
    if (q->n) q->heap[i] = last;
}
