/*
 * The deterministic event kernel (nexus/kernel.h).
 *
 * Everything is sized in nx_kernel_new(); the run loop never allocates.
 * Ordering decisions use only (timestamp, registration order) and
 * (deadline, arming order): the topic hash table is only ever probed by
 * name, never iterated.
 */
#include <string.h>
#include <time.h>

#include "nexus/kernel.h"

enum { SRC_EMPTY = 0, SRC_READY, SRC_ENDED, SRC_PARKED };

typedef struct nx__src {
    nx_source_t s;
    nx_event_hdr_t *head; /* current event (state READY) */
    nx_ring_t *ring;      /* ring sources */
    nx_event_t *ringbuf;  /* ring sources: where the popped event lives */
    uint8_t state;
} nx__src_t;

typedef struct nx__route {
    nx_handler_fn fn;
    void *ctx;
    uint32_t sub_id;
    uint32_t next; /* index+1 of the next route on this topic, 0 = end */
} nx__route_t;

typedef struct nx__sub {
    char pattern[NX_TOPIC_NAME_MAX + 1];
    nx_handler_fn fn;
    void *ctx;
    uint8_t active;
} nx__sub_t;

typedef struct nx__topic {
    char name[NX_TOPIC_NAME_MAX + 1];
    uint32_t first; /* index+1 of the first route, 0 = none */
    uint32_t last;
} nx__topic_t;

typedef struct nx__timer {
    nx_ts_t deadline;
    int64_t period;
    uint64_t order; /* arming order: tie-break */
    uint64_t user;
    uint32_t topic;
    uint32_t gen;
    int32_t heap_pos; /* -1 when not armed */
} nx__timer_t;

struct nx_kernel {
    nx_kernel_opts_t o;
    nx_ts_t now;
    uint64_t next_seq;
    int status;
    _Atomic int stop;
    const nx_event_hdr_t *current;

    nx__src_t *src;
    uint32_t nsrc;
    uint32_t *heap; /* source indices, min-heap by (head->ts_recv, index) */
    uint32_t nheap;
    uint32_t nparked;

    nx__topic_t *topics; /* index = id - 1 */
    uint32_t ntopics;
    uint32_t *thash; /* open addressing: topic id, 0 = empty */
    uint32_t thash_mask;

    nx__sub_t *subs; /* index = id - 1 */
    uint32_t nsubs;
    nx__route_t *routes;
    uint32_t nroutes;
    uint32_t route_free; /* free list of routes (index+1) */

    nx__timer_t *timers;
    uint32_t *theap;
    uint32_t ntheap;
    uint32_t *tfree;
    uint32_t ntfree;
    uint64_t timer_order;

    nx_event_t *emitq;
    uint32_t emit_mask;
    uint64_t emit_head, emit_tail;

    nx_kernel_stats_t st;
};

void nx_kernel_opts_default(nx_kernel_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->clock = NX_CLOCK_SIMULATED;
    o->max_sources = 64;
    o->max_topics = 4096;
    o->max_subs = 1024;
    o->max_routes = 16384;
    o->max_timers = 4096;
    o->emit_capacity = 4096;
    o->first_seq = 1;
}

static uint32_t nx__pow2_at_least(uint32_t v) {
    uint32_t p = 1;
    while (p < v && p < (1u << 30)) p <<= 1;
    return p;
}

void nx_kernel_free(nx_kernel_t *k) {
    if (!k) return;
    for (uint32_t i = 0; i < k->nsrc; i++) nx_free(k->src[i].ringbuf);
    nx_free(k->src);
    nx_free(k->heap);
    nx_free(k->topics);
    nx_free(k->thash);
    nx_free(k->subs);
    nx_free(k->routes);
    nx_free(k->timers);
    nx_free(k->theap);
    nx_free(k->tfree);
    nx_free(k->emitq);
    nx_free(k);
}

int nx_kernel_new(const nx_kernel_opts_t *opts, nx_kernel_t **out) {
    nx_kernel_opts_t o;
    nx_kernel_opts_default(&o);
    if (opts) {
        nx_kernel_opts_t d = o;
        o = *opts;
        if (!o.clock) o.clock = d.clock;
        if (!o.max_sources) o.max_sources = d.max_sources;
        if (!o.max_topics) o.max_topics = d.max_topics;
        if (!o.max_subs) o.max_subs = d.max_subs;
        if (!o.max_routes) o.max_routes = d.max_routes;
        if (!o.max_timers) o.max_timers = d.max_timers;
        if (!o.emit_capacity) o.emit_capacity = d.emit_capacity;
        if (!o.first_seq) o.first_seq = d.first_seq;
    }
    if (o.clock != NX_CLOCK_SIMULATED && o.clock != NX_CLOCK_REAL)
        return NX_ERR(NX_EINVAL, "unknown clock mode %d", (int)o.clock);
    if (o.max_topics > (1u << 24) || o.max_subs > (1u << 20) || o.max_routes > (1u << 26) ||
        o.max_timers > (1u << 24) || o.emit_capacity > (1u << 20) || o.max_sources > 65536)
        return NX_ERR(NX_ERANGE, "kernel limits too large");

    nx_kernel_t *k = nx_calloc(1, sizeof *k);
    if (!k) return NX_ERR(NX_ENOMEM, "kernel");
    k->o = o;
    k->now = o.clock == NX_CLOCK_REAL ? nx_time_now() : o.start_ts;
    k->next_seq = o.first_seq;
    uint32_t emit_cap = nx__pow2_at_least(o.emit_capacity);
    uint32_t hcap = nx__pow2_at_least(o.max_topics * 2);
    k->src = nx_calloc(o.max_sources, sizeof *k->src);
    k->heap = nx_calloc(o.max_sources, sizeof *k->heap);
    k->topics = nx_calloc(o.max_topics, sizeof *k->topics);
    k->thash = nx_calloc(hcap, sizeof *k->thash);
    k->subs = nx_calloc(o.max_subs, sizeof *k->subs);
    k->routes = nx_calloc(o.max_routes, sizeof *k->routes);
    k->timers = nx_calloc(o.max_timers, sizeof *k->timers);
    k->theap = nx_calloc(o.max_timers, sizeof *k->theap);
    k->tfree = nx_calloc(o.max_timers, sizeof *k->tfree);
    k->emitq = nx_aligned_alloc(NX_CACHELINE, (size_t)emit_cap * sizeof(nx_event_t));
    if (!k->src || !k->heap || !k->topics || !k->thash || !k->subs || !k->routes ||
        !k->timers || !k->theap || !k->tfree || !k->emitq) {
        nx_kernel_free(k);
        return NX_ERR(NX_ENOMEM, "kernel tables");
    }
    k->thash_mask = hcap - 1;
    k->emit_mask = emit_cap - 1;
    for (uint32_t i = 0; i < o.max_timers; i++) {
        k->tfree[i] = o.max_timers - 1 - i; /* pop from the end: slot 0 first */
        k->timers[i].heap_pos = -1;
    }
    k->ntfree = o.max_timers;
    *out = k;
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Topics, patterns and routes                                               */
/* ------------------------------------------------------------------------- */

static uint32_t nx__fnv(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int nx__topic_name_ok(const char *name, size_t n, int pattern) {
    if (n == 0 || n > NX_TOPIC_NAME_MAX) return 0;
    size_t seg = 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '.') {
            if (seg == 0) return 0;
            seg = 0;
            continue;
        }
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == ':' || c == '/';
        if (pattern && c == '*') {
            /* '*' must be a whole segment */
            if (seg != 0 || (i + 1 < n && name[i + 1] != '.')) return 0;
            ok = 1;
        }
        if (!ok) return 0;
        seg++;
    }
    return seg > 0;
}

int nx_topic_match(const char *p, const char *t) {
    for (;;) {
        const char *pe = strchr(p, '.');
        const char *te = strchr(t, '.');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p);
        size_t tl = te ? (size_t)(te - t) : strlen(t);
        if (pl == 1 && p[0] == '*') {
            if (!pe) return 1; /* trailing '*': one or more remaining segments */
        } else if (pl != tl || memcmp(p, t, pl) != 0) {
            return 0;
        }
        if (!pe && !te) return 1;
        if (!pe || !te) return 0;
        p = pe + 1;
        t = te + 1;
    }
}

static int nx__route_add(nx_kernel_t *k, uint32_t topic_id, uint32_t sub_id) {
    uint32_t ri;
    if (k->route_free) {
        ri = k->route_free - 1;
        k->route_free = k->routes[ri].next;
    } else {
        if (k->nroutes >= k->o.max_routes)
            return NX_ERR(NX_ELIMIT, "kernel routes exhausted (max_routes %u)", k->o.max_routes);
        ri = k->nroutes++;
    }
    nx__sub_t *s = &k->subs[sub_id - 1];
    nx__route_t *r = &k->routes[ri];
    r->fn = s->fn;
    r->ctx = s->ctx;
    r->sub_id = sub_id;
    r->next = 0;
    nx__topic_t *t = &k->topics[topic_id - 1];
    if (t->last) k->routes[t->last - 1].next = ri + 1;
    else t->first = ri + 1;
    t->last = ri + 1;
    return NX_OK;
}

static int nx__sink(nx_kernel_t *k, const nx_event_hdr_t *ev);

int nx_kernel_topic(nx_kernel_t *k, const char *name, uint32_t *out_id) {
    size_t n = strlen(name);
    if (!nx__topic_name_ok(name, n, 0))
        return NX_ERR(NX_EINVAL, "bad topic name '%.*s' (1..%d chars of [A-Za-z0-9_.:/-], "
                                 "no empty segments)", (int)(n > 80 ? 80 : n), name,
                      NX_TOPIC_NAME_MAX);
    uint32_t h = nx__fnv(name, n) & k->thash_mask;
    for (;; h = (h + 1) & k->thash_mask) {
        uint32_t id = k->thash[h];
        if (id == 0) break;
        if (strcmp(k->topics[id - 1].name, name) == 0) {
            *out_id = id;
            return NX_OK;
        }
    }
    if (k->ntopics >= k->o.max_topics)
        return NX_ERR(NX_ELIMIT, "kernel topics exhausted (max_topics %u)", k->o.max_topics);
    uint32_t id = ++k->ntopics;
    nx__topic_t *t = &k->topics[id - 1];
    memcpy(t->name, name, n + 1);
    k->thash[h] = id;
    for (uint32_t s = 1; s <= k->nsubs; s++) {
        if (!k->subs[s - 1].active || !nx_topic_match(k->subs[s - 1].pattern, name)) continue;
        int rc = nx__route_add(k, id, s);
        if (rc < 0) return rc;
    }
    /* Make the journal self-describing. */
    nx_ev_topic_def_t def;
    nx_event_init((nx_event_t *)(void *)&def, NX_EV_TOPIC_DEF);
    def.topic_id = id;
    def.name_len = (uint16_t)n;
    memcpy(def.name, name, n + 1);
    def.h.ts_recv = k->now;
    def.h.seq = k->next_seq++;
    def.h.trace_id = def.h.seq;
    int rc = nx__sink(k, &def.h);
    if (rc < 0) return rc;
    *out_id = id;
    return NX_OK;
}

const char *nx_kernel_topic_name(const nx_kernel_t *k, uint32_t id) {
    return id >= 1 && id <= k->ntopics ? k->topics[id - 1].name : NULL;
}

const char *nx_kernel_topic_name_cb(void *kernel, uint32_t id) {
    return nx_kernel_topic_name(kernel, id);
}

int nx_kernel_subscribe(nx_kernel_t *k, const char *pattern, nx_handler_fn fn, void *ctx,
                        uint32_t *out_id) {
    size_t n = strlen(pattern);
    if (!fn) return NX_ERR(NX_EINVAL, "subscription needs a handler");
    if (!nx__topic_name_ok(pattern, n, 1))
        return NX_ERR(NX_EINVAL, "bad topic pattern '%.*s'", (int)(n > 80 ? 80 : n), pattern);
    if (k->nsubs >= k->o.max_subs)
        return NX_ERR(NX_ELIMIT, "kernel subscriptions exhausted (max_subs %u)", k->o.max_subs);
    uint32_t id = ++k->nsubs;
    nx__sub_t *s = &k->subs[id - 1];
    memcpy(s->pattern, pattern, n + 1);
    s->fn = fn;
    s->ctx = ctx;
    s->active = 1;
    for (uint32_t t = 1; t <= k->ntopics; t++) {
        if (!nx_topic_match(pattern, k->topics[t - 1].name)) continue;
        int rc = nx__route_add(k, t, id);
        if (rc < 0) return rc;
    }
    if (out_id) *out_id = id;
    return NX_OK;
}

int nx_kernel_unsubscribe(nx_kernel_t *k, uint32_t sub_id) {
    if (sub_id == 0 || sub_id > k->nsubs || !k->subs[sub_id - 1].active)
        return NX_ERR(NX_ENOTFOUND, "no subscription %u", sub_id);
    k->subs[sub_id - 1].active = 0;
    for (uint32_t t = 0; t < k->ntopics; t++) {
        nx__topic_t *tp = &k->topics[t];
        uint32_t prev = 0, cur = tp->first;
        while (cur) {
            nx__route_t *r = &k->routes[cur - 1];
            uint32_t nxt = r->next;
            if (r->sub_id == sub_id) {
                if (prev) k->routes[prev - 1].next = nxt;
                else tp->first = nxt;
                if (tp->last == cur) tp->last = prev;
                r->next = k->route_free;
                r->fn = NULL;
                k->route_free = cur;
            } else {
                prev = cur;
            }
            cur = nxt;
        }
    }
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Source merge heap                                                         */
/* ------------------------------------------------------------------------- */

static inline int nx__src_less(const nx_kernel_t *k, uint32_t a, uint32_t b) {
    nx_ts_t ta = k->src[a].head->ts_recv, tb = k->src[b].head->ts_recv;
    return ta < tb || (ta == tb && a < b);
}

static void nx__heap_push(nx_kernel_t *k, uint32_t s) {
    uint32_t i = k->nheap++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!nx__src_less(k, s, k->heap[p])) break;
        k->heap[i] = k->heap[p];
        i = p;
    }
    k->heap[i] = s;
}

static void nx__heap_pop(nx_kernel_t *k) {
    uint32_t last = k->heap[--k->nheap];
    uint32_t n = k->nheap, i = 0;
    if (n == 0) return;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && nx__src_less(k, k->heap[c + 1], k->heap[c])) c++;
        if (!nx__src_less(k, k->heap[c], last)) break;
        k->heap[i] = k->heap[c];
        i = c;
    }
    k->heap[i] = last;
}

static int nx__fail(nx_kernel_t *k, int rc) {
    if (!k->status) k->status = rc;
    return rc;
}

/* Pull the next event of source s into its head; push it on the heap if any. */
static int nx__src_pull(nx_kernel_t *k, uint32_t s) {
    nx__src_t *src = &k->src[s];
    nx_event_hdr_t *ev = NULL;
    int rc = src->s.next(src->s.ctx, &ev);
    if (NX_LIKELY(rc == NX_OK)) {
        src->head = ev;
        src->state = SRC_READY;
        nx__heap_push(k, s);
        return NX_OK;
    }
    src->head = NULL;
    if (rc == NX_EEND) {
        src->state = SRC_ENDED;
        return NX_OK;
    }
    if (rc == NX_EAGAIN) {
        if (src->state != SRC_PARKED) k->nparked++;
        src->state = SRC_PARKED;
        return NX_OK;
    }
    NX_ERR_APPEND(rc, "source '%s'", src->s.name ? src->s.name : "?");
    return nx__fail(k, rc);
}

static int nx__ring_next(void *ctx, nx_event_hdr_t **ev) {
    nx__src_t *src = ctx;
    int rc = nx_ring_pop(src->ring, src->ringbuf);
    if (rc < 0) return rc;
    *ev = &src->ringbuf->h;
    return NX_OK;
}

int nx_kernel_add_source(nx_kernel_t *k, const nx_source_t *s) {
    if (!s || !s->next) return NX_ERR(NX_EINVAL, "source needs a next() function");
    if (k->nsrc >= k->o.max_sources)
        return NX_ERR(NX_ELIMIT, "kernel sources exhausted (max_sources %u)", k->o.max_sources);
    nx__src_t *src = &k->src[k->nsrc++];
    memset(src, 0, sizeof *src);
    src->s = *s;
    src->state = SRC_EMPTY;
    return NX_OK;
}

int nx_kernel_add_ring(nx_kernel_t *k, nx_ring_t *ring, const char *name) {
    if (k->nsrc >= k->o.max_sources)
        return NX_ERR(NX_ELIMIT, "kernel sources exhausted (max_sources %u)", k->o.max_sources);
    nx_event_t *buf = nx_aligned_alloc(NX_CACHELINE, sizeof *buf);
    if (!buf) return NX_ERR(NX_ENOMEM, "ring source buffer");
    nx__src_t *src = &k->src[k->nsrc++];
    memset(src, 0, sizeof *src);
    src->ring = ring;
    src->ringbuf = buf;
    src->s.name = name;
    src->s.next = nx__ring_next;
    src->s.ctx = src;
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Timers                                                                    */
/* ------------------------------------------------------------------------- */

static inline int nx__timer_less(const nx_kernel_t *k, uint32_t a, uint32_t b) {
    const nx__timer_t *x = &k->timers[a], *y = &k->timers[b];
    return x->deadline < y->deadline || (x->deadline == y->deadline && x->order < y->order);
}

static void nx__theap_set(nx_kernel_t *k, uint32_t i, uint32_t t) {
    k->theap[i] = t;
    k->timers[t].heap_pos = (int32_t)i;
}

static void nx__theap_up(nx_kernel_t *k, uint32_t i) {
    uint32_t t = k->theap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!nx__timer_less(k, t, k->theap[p])) break;
        nx__theap_set(k, i, k->theap[p]);
        i = p;
    }
    nx__theap_set(k, i, t);
}

static void nx__theap_down(nx_kernel_t *k, uint32_t i) {
    uint32_t t = k->theap[i], n = k->ntheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && nx__timer_less(k, k->theap[c + 1], k->theap[c])) c++;
        if (!nx__timer_less(k, k->theap[c], t)) break;
        nx__theap_set(k, i, k->theap[c]);
        i = c;
    }
    nx__theap_set(k, i, t);
}

static void nx__theap_remove(nx_kernel_t *k, uint32_t t) {
    uint32_t i = (uint32_t)k->timers[t].heap_pos;
    uint32_t last = k->theap[--k->ntheap];
    k->timers[t].heap_pos = -1;
    if (i == k->ntheap) return;
    nx__theap_set(k, i, last);
    nx__theap_down(k, i);
    nx__theap_up(k, (uint32_t)k->timers[last].heap_pos);
}

int nx_kernel_timer_at(nx_kernel_t *k, nx_ts_t deadline, int64_t period_ns, uint32_t topic,
                       uint64_t user, uint64_t *out_id) {
    if (period_ns < 0) return NX_ERR(NX_EINVAL, "negative timer period");
    if (topic == 0 || topic > k->ntopics) return NX_ERR(NX_EINVAL, "timer topic %u unknown", topic);
    if (k->ntfree == 0)
        return NX_ERR(NX_ELIMIT, "kernel timers exhausted (max_timers %u)", k->o.max_timers);
    uint32_t t = k->tfree[--k->ntfree];
    nx__timer_t *tm = &k->timers[t];
    tm->deadline = deadline;
    tm->period = period_ns;
    tm->order = ++k->timer_order;
    tm->user = user;
    tm->topic = topic;
    tm->gen++;
    if (tm->gen == 0) tm->gen = 1;
    k->ntheap++;
    nx__theap_set(k, k->ntheap - 1, t);
    nx__theap_up(k, k->ntheap - 1);
    if (out_id) *out_id = ((uint64_t)tm->gen << 32) | (t + 1);
    return NX_OK;
}

int nx_kernel_timer_cancel(nx_kernel_t *k, uint64_t id) {
    uint32_t t = (uint32_t)(id & 0xFFFFFFFFu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (t == 0 || t > k->o.max_timers) return NX_ERR(NX_ENOTFOUND, "no timer %llu",
                                                    (unsigned long long)id);
    nx__timer_t *tm = &k->timers[t - 1];
    if (tm->gen != gen || tm->heap_pos < 0)
        return NX_ERR(NX_ENOTFOUND, "timer %llu is not armed", (unsigned long long)id);
    nx__theap_remove(k, t - 1);
    k->tfree[k->ntfree++] = t - 1;
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Stamping, emitting, dispatching                                           */
/* ------------------------------------------------------------------------- */

static int nx__sink(nx_kernel_t *k, const nx_event_hdr_t *ev) {
    k->st.last_seq = ev->seq;
    if (!k->o.sink) return NX_OK;
    int rc = k->o.sink(k->o.sink_ctx, ev);
    if (NX_UNLIKELY(rc < 0)) {
        NX_ERR_APPEND(rc, "kernel sink at seq %llu", (unsigned long long)ev->seq);
        return nx__fail(k, rc);
    }
    return NX_OK;
}

static int nx__dispatch(nx_kernel_t *k, nx_event_hdr_t *ev) {
    int rc = nx__sink(k, ev);
    if (NX_UNLIKELY(rc < 0)) return rc;
    if (NX_UNLIKELY(ev->topic == 0 || ev->topic > k->ntopics)) return NX_OK; /* unrouted */
    const nx__route_t *routes = k->routes;
    uint32_t r = k->topics[ev->topic - 1].first;
    k->current = ev;
    while (r) {
        const nx__route_t *rt = &routes[r - 1];
        k->st.deliveries++;
        rc = rt->fn(rt->ctx, k, ev);
        if (NX_UNLIKELY(rc < 0)) {
            k->current = NULL;
            NX_ERR_APPEND(rc, "handler of topic %s at seq %llu", k->topics[ev->topic - 1].name,
                          (unsigned long long)ev->seq);
            return nx__fail(k, rc);
        }
        r = rt->next;
    }
    k->current = NULL;
    return NX_OK;
}

int nx_kernel_emit(nx_kernel_t *k, const nx_event_hdr_t *ev, uint32_t topic) {
    if (NX_UNLIKELY(ev->size < sizeof(nx_event_hdr_t) || ev->size > NX_EVENT_MAX ||
                    (ev->size & 7u)))
        return NX_ERR(NX_EINVAL, "emitted event has bad size %u", ev->size);
    if (NX_UNLIKELY(k->emit_tail - k->emit_head > k->emit_mask))
        return NX_ERR(NX_ELIMIT, "emit queue full (%u events queued during one dispatch)",
                      k->emit_mask + 1);
    nx_event_t *slot = &k->emitq[k->emit_tail & k->emit_mask];
    memcpy(slot, ev, ev->size);
    nx_event_hdr_t *h = &slot->h;
    if (topic) h->topic = topic;
    if (h->ts_recv == 0) h->ts_recv = k->now;
    h->seq = k->next_seq++;
    if (k->current) {
        h->causation_id = k->current->seq;
        h->trace_id = k->current->trace_id ? k->current->trace_id : k->current->seq;
    } else {
        h->causation_id = 0;
        h->trace_id = h->seq;
    }
    k->emit_tail++;
    uint64_t depth = k->emit_tail - k->emit_head;
    if (depth > k->st.emit_queue_peak) k->st.emit_queue_peak = depth;
    k->st.emitted++;
    return NX_OK;
}

int nx_kernel_emit_caused(nx_kernel_t *k, const nx_event_hdr_t *ev, uint32_t topic,
                          uint64_t causation_id, uint64_t trace_id) {
    if (causation_id == 0 || causation_id >= k->next_seq || trace_id == 0 ||
        trace_id >= k->next_seq || trace_id > causation_id)
        return NX_ERR(NX_EINVAL, "cause %llu / trace %llu are not stamped events",
                      (unsigned long long)causation_id, (unsigned long long)trace_id);
    int rc = nx_kernel_emit(k, ev, topic);
    if (rc < 0) return rc;
    nx_event_hdr_t *h = &k->emitq[(k->emit_tail - 1) & k->emit_mask].h;
    h->causation_id = causation_id;
    h->trace_id = trace_id;
    return NX_OK;
}

static int nx__drain(nx_kernel_t *k) {
    while (k->emit_head != k->emit_tail) {
        nx_event_t *slot = &k->emitq[k->emit_head & k->emit_mask];
        int rc = nx__dispatch(k, &slot->h);
        k->emit_head++;
        if (rc < 0) return rc;
    }
    return NX_OK;
}

static int nx__fire_timer(nx_kernel_t *k) {
    uint32_t t = k->theap[0];
    nx__timer_t *tm = &k->timers[t];
    nx_ev_timer_t ev;
    memset(&ev, 0, sizeof ev);
    ev.h.type = NX_EV_TIMER;
    ev.h.size = sizeof ev;
    ev.h.ts_recv = tm->deadline;
    ev.h.ts_venue = tm->deadline;
    ev.timer_id = ((uint64_t)tm->gen << 32) | (t + 1);
    ev.user = tm->user;
    uint32_t topic = tm->topic;
    if (tm->deadline > k->now) k->now = tm->deadline;
    if (tm->period > 0) {
        /* Next deadline on the original grid, skipping missed periods (real clock). */
        nx_ts_t next = tm->deadline + tm->period;
        if (k->o.clock == NX_CLOCK_REAL && next <= k->now)
            next = tm->deadline + ((k->now - tm->deadline) / tm->period + 1) * tm->period;
        tm->deadline = next;
        tm->order = ++k->timer_order;
        nx__theap_down(k, 0);
    } else {
        nx__theap_remove(k, t);
        k->tfree[k->ntfree++] = t;
    }
    k->st.timers_fired++;
    int rc = nx_kernel_emit(k, &ev.h, topic);
    if (rc < 0) return nx__fail(k, rc);
    return nx__drain(k);
}

static int nx__dispatch_source(nx_kernel_t *k) {
    uint32_t s = k->heap[0];
    nx__src_t *src = &k->src[s];
    nx_event_hdr_t *ev = src->head;
    nx__heap_pop(k);
    if (ev->ts_recv == 0 && src->ring) ev->ts_recv = k->now;
    if (NX_LIKELY(ev->ts_recv >= k->now)) k->now = ev->ts_recv;
    else k->st.late_events++;
    ev->seq = k->next_seq++;
    ev->trace_id = ev->seq;
    ev->causation_id = 0;
    k->st.source_events++;
    int rc = nx__dispatch(k, ev);
    if (NX_UNLIKELY(rc < 0)) return rc;
    if (k->emit_head != k->emit_tail && (rc = nx__drain(k)) < 0) return rc;
    src->state = SRC_EMPTY;
    return nx__src_pull(k, s);
}

static void nx__repoll(nx_kernel_t *k) {
    if (!k->nparked) return;
    for (uint32_t s = 0; s < k->nsrc; s++) {
        if (k->src[s].state != SRC_PARKED) continue;
        k->nparked--;
        k->src[s].state = SRC_EMPTY;
        if (nx__src_pull(k, s) < 0) return;
    }
}

static void nx__idle(int64_t max_ns) {
    if (max_ns <= 0) return;
    if (max_ns > 200 * NX_NS_PER_US) max_ns = 200 * NX_NS_PER_US;
    struct timespec ts = {0, (long)max_ns};
    nanosleep(&ts, NULL);
}

int nx_kernel_run(nx_kernel_t *k, uint64_t max_events) {
    if (k->status) return k->status;
    atomic_store_explicit(&k->stop, 0, memory_order_relaxed);
    for (uint32_t s = 0; s < k->nsrc; s++) {
        if (k->src[s].state == SRC_EMPTY && nx__src_pull(k, s) < 0) return k->status;
    }
    if (nx__drain(k) < 0) return k->status;
    uint64_t limit = max_events ? k->st.source_events + max_events : UINT64_MAX;

    if (k->o.clock == NX_CLOCK_SIMULATED) {
        while (!k->status && k->st.source_events < limit &&
               !atomic_load_explicit(&k->stop, memory_order_relaxed)) {
            if (NX_UNLIKELY(k->nparked)) nx__repoll(k);
            if (k->nheap == 0) {
                if (k->nparked) continue; /* a live source with nothing yet */
                break;                    /* every source ended: timers past the end do not fire */
            }
            if (k->ntheap &&
                k->timers[k->theap[0]].deadline <= k->src[k->heap[0]].head->ts_recv) {
                nx__fire_timer(k);
                continue;
            }
            nx__dispatch_source(k);
        }
        return k->status;
    }

    /* Real clock: dispatch what has arrived, fire due timers, idle briefly. */
    while (!k->status && k->st.source_events < limit &&
           !atomic_load_explicit(&k->stop, memory_order_relaxed)) {
        nx_ts_t now = nx_time_now();
        if (now > k->now) k->now = now;
        nx__repoll(k);
        if (k->ntheap && k->timers[k->theap[0]].deadline <= k->now) {
            nx__fire_timer(k);
            continue;
        }
        if (k->nheap && k->src[k->heap[0]].head->ts_recv <= k->now) {
            nx__dispatch_source(k);
            continue;
        }
        if (k->nheap == 0 && k->nparked == 0 && k->ntheap == 0) break;
        int64_t wait = 200 * NX_NS_PER_US;
        if (k->ntheap) {
            int64_t d = k->timers[k->theap[0]].deadline - k->now;
            if (d < wait) wait = d;
        }
        if (k->nheap) {
            int64_t d = k->src[k->heap[0]].head->ts_recv - k->now;
            if (d < wait) wait = d;
        }
        nx__idle(wait);
    }
    return k->status;
}

void nx_kernel_stop(nx_kernel_t *k) { atomic_store_explicit(&k->stop, 1, memory_order_relaxed); }
int nx_kernel_status(const nx_kernel_t *k) { return k->status; }
nx_ts_t nx_kernel_now(const nx_kernel_t *k) { return k->now; }
const nx_event_hdr_t *nx_kernel_current(const nx_kernel_t *k) { return k->current; }

void nx_kernel_get_stats(const nx_kernel_t *k, nx_kernel_stats_t *out) {
    *out = k->st;
    out->topics = k->ntopics;
    uint32_t active = 0;
    for (uint32_t i = 0; i < k->nsubs; i++) active += k->subs[i].active;
    out->subscriptions = active;
    out->timers_armed = k->ntheap;
}
