/*
 * nexus/kernel.h — the deterministic event kernel: merge, clock, bus, timers,
 * and the bounded lock-free rings other threads use to hand events in.
 *
 * One thread owns a kernel. Each step it takes the earliest event among its
 * sources (ordered by h.ts_recv; equal timestamps in source registration
 * order), stamps it with the next sequence number, hands it to the sink (the
 * journal), and dispatches it to every subscriber of its topic. Events that
 * subscribers emit while handling it are stamped (causation = the event being
 * handled, same trace id) and dispatched after it, in emission order, before
 * the next source event. Timers due at or before the next event's time fire
 * first, in (deadline, arming order). Nothing here reads the wall clock in
 * simulated mode; nothing iterates a hash table to decide an order.
 *
 *   sources (files, rings) --merge by (ts_recv, source)--> stamp seq/trace
 *        --> sink (journal) --> subscribers of topic --> emitted events (FIFO)
 *
 * Topics are dot-separated names, e.g. "md.trades.binance.BTCUSDT",
 * "signals.sma.BTCUSDT", "risk.decisions", "exec.fills", "intel.news",
 * "ops.telemetry". Patterns: a '*' segment matches exactly one segment,
 * except as the LAST segment, where it matches one or more ("signals.*"
 * matches "signals.a" and "signals.a.b"); "*" alone matches every topic.
 *
 * No allocation after nx_kernel_new(): topic tables, subscription lists,
 * timer heap and the emit queue are sized from the options and fail with
 * NX_ELIMIT past their ceilings.
 */
#ifndef NEXUS_KERNEL_H
#define NEXUS_KERNEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/event.h"
#include "nexus/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Rings: bounded lock-free queues of event records over caller memory       */
/* ------------------------------------------------------------------------- */

/*
 * Fixed-slot ring. SPSC: one producer thread, one consumer thread (the
 * kernel). MPSC: any number of producer threads (bounded queue with per-slot
 * sequence numbers, after D. Vyukov). Slots are NX_EVENT_MAX bytes. Head and
 * tail live on their own cache lines. Push never blocks: a full ring returns
 * NX_EAGAIN (back-pressure; the producer decides to retry or drop and count).
 *
 * Public fields are read-only for users.
 */
typedef struct nx_ring {
    _Alignas(NX_CACHELINE) _Atomic uint64_t head; /* next slot to pop (consumer) */
    _Alignas(NX_CACHELINE) _Atomic uint64_t tail; /* next slot to push (producers) */
    _Alignas(NX_CACHELINE) uint64_t mask;          /* capacity - 1 */
    int multi_producer;
    unsigned char *slots;       /* capacity * stride bytes, caller memory */
    uint32_t stride;            /* slot bytes: 8-byte sequence + NX_EVENT_MAX */
    _Atomic uint64_t dropped;   /* producers may count drops here */
} nx_ring_t;

/* Bytes of memory a ring of `capacity` slots needs (capacity a power of 2). */
NX_API size_t nx_ring_mem_size(uint32_t capacity);
/*
 * Initialise over mem (borrowed; must outlive the ring, 64-byte aligned,
 * nx_ring_mem_size(capacity) bytes). capacity: power of two, 2..2^24.
 */
NX_API int nx_ring_init(nx_ring_t *r, void *mem, uint32_t capacity, int multi_producer);
/* Copy one event record (h.size bytes) in. NX_EAGAIN if full. */
NX_API int nx_ring_push(nx_ring_t *r, const nx_event_hdr_t *ev);
/* Copy the oldest record into out (NX_EVENT_MAX bytes). NX_EAGAIN if empty. */
NX_API int nx_ring_pop(nx_ring_t *r, nx_event_t *out);
/* Approximate number of queued records (exact when quiescent). */
NX_API uint64_t nx_ring_size(const nx_ring_t *r);

/* ------------------------------------------------------------------------- */
/* Kernel                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct nx_kernel nx_kernel_t;

typedef enum nx_clock_mode {
    NX_CLOCK_SIMULATED = 1, /* time moves with events: now = ts_recv of the event */
    NX_CLOCK_REAL = 2       /* now = wall clock; idle between events */
} nx_clock_mode_t;

/*
 * A source of events, pulled by the kernel on its own thread.
 * next(): return NX_OK with *ev pointing at the next event (the source keeps
 * the memory; the kernel may write the header's seq, trace_id, causation_id
 * and topic fields, and the pointer stays valid until the following next()
 * call on this source); NX_EEND when exhausted; NX_EAGAIN when nothing is
 * available right now (live sources; the kernel polls again later); any
 * other negative code fails the kernel.
 * Events must come in non-decreasing ts_recv; an event older than the
 * kernel's clock is dispatched at the current time and counted as late.
 */
typedef struct nx_source {
    const char *name; /* borrowed; for logs and stats */
    int (*next)(void *ctx, nx_event_hdr_t **ev);
    void *ctx;
} nx_source_t;

/*
 * A subscriber. Called on the kernel thread with the stamped event (valid
 * only during the call). Return 0, or a negative code to stop the kernel:
 * the kernel then fails stickily (see nx_kernel_status).
 */
typedef int (*nx_handler_fn)(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev);

/*
 * The sink sees every event the kernel consumes or emits, stamped, in
 * sequence order, before any subscriber sees it (the journal's place).
 * A failing sink fails the kernel: nothing is dispatched unrecorded.
 */
typedef int (*nx_sink_fn)(void *ctx, const nx_event_hdr_t *ev);

typedef struct nx_kernel_opts {
    nx_clock_mode_t clock;   /* default NX_CLOCK_SIMULATED */
    nx_ts_t start_ts;        /* initial clock value (simulated) */
    uint32_t max_sources;    /* default 64 */
    uint32_t max_topics;     /* default 4096 */
    uint32_t max_subs;       /* subscriptions (patterns), default 1024 */
    uint32_t max_routes;     /* topic x subscriber pairs, default 16384 */
    uint32_t max_timers;     /* default 4096 */
    uint32_t emit_capacity;  /* events queued while handling one event, default 4096 */
    nx_sink_fn sink;         /* optional */
    void *sink_ctx;
    uint64_t first_seq;      /* first sequence number (default 1), e.g. to continue a journal */
} nx_kernel_opts_t;

/* Defaults for every field (zero means default). */
NX_API void nx_kernel_opts_default(nx_kernel_opts_t *o);
NX_API int nx_kernel_new(const nx_kernel_opts_t *opts, nx_kernel_t **out);
NX_API void nx_kernel_free(nx_kernel_t *k);

/*
 * Intern a topic name (1..NX_TOPIC_NAME_MAX bytes of [A-Za-z0-9_.:/-], no
 * empty segments) and return its id (>= 1). Interning a new name emits a
 * TOPIC_DEF event to the sink so journals are self-describing.
 */
NX_API int nx_kernel_topic(nx_kernel_t *k, const char *name, uint32_t *out_id);
/* Name of a topic id (NULL if unknown). Borrowed, valid for the kernel's life. */
NX_API const char *nx_kernel_topic_name(const nx_kernel_t *k, uint32_t id);
/* Adapter with the nx_topic_name_fn signature (ctx = kernel). */
NX_API const char *nx_kernel_topic_name_cb(void *kernel, uint32_t id);

/*
 * Subscribe a handler to a topic pattern. Handlers on one topic run in
 * subscription order. Returns a subscription id (>= 1) in *out_id (may be NULL).
 */
NX_API int nx_kernel_subscribe(nx_kernel_t *k, const char *pattern, nx_handler_fn fn, void *ctx,
                               uint32_t *out_id);
NX_API int nx_kernel_unsubscribe(nx_kernel_t *k, uint32_t sub_id);
/* 1 if pattern matches topic name, else 0 (exposed for tests and tools). */
NX_API int nx_topic_match(const char *pattern, const char *topic);

/* Register a source; registration order breaks timestamp ties. */
NX_API int nx_kernel_add_source(nx_kernel_t *k, const nx_source_t *src);
/*
 * Register a ring as a source (events pushed by other threads). Events with
 * ts_recv == 0 are stamped with the kernel's clock when popped.
 */
NX_API int nx_kernel_add_ring(nx_kernel_t *k, nx_ring_t *ring, const char *name);

/*
 * Emit an event from a handler (or from outside a dispatch, e.g. setup).
 * The kernel copies it (h.size bytes), stamps seq, causation_id (the event
 * being handled, or 0), trace_id (the handled event's trace, or its own seq),
 * ts_recv (the kernel clock if 0) and topic (if topic != 0 it overrides).
 * NX_ELIMIT if the emit queue is full; NX_EINVAL for a malformed record.
 */
NX_API int nx_kernel_emit(nx_kernel_t *k, const nx_event_hdr_t *ev, uint32_t topic);

/*
 * Emit with an explicit cause: for events that answer an earlier event after
 * a delay (a venue's ack after its latency, fired from a timer), so the
 * causal chain names the real cause rather than the timer. causation_id and
 * trace_id must be sequence numbers already stamped (<= the last seq), else
 * NX_EINVAL. Otherwise as nx_kernel_emit().
 */
NX_API int nx_kernel_emit_caused(nx_kernel_t *k, const nx_event_hdr_t *ev, uint32_t topic,
                                 uint64_t causation_id, uint64_t trace_id);

/*
 * Timers. A timer fires a TIMER event on `topic` at `deadline` and, if
 * period_ns > 0, every period after it (deadline + n*period, no drift).
 * Ties fire in arming order. The timer id (never 0) cancels it.
 */
NX_API int nx_kernel_timer_at(nx_kernel_t *k, nx_ts_t deadline, int64_t period_ns,
                              uint32_t topic, uint64_t user, uint64_t *out_id);
NX_API int nx_kernel_timer_cancel(nx_kernel_t *k, uint64_t timer_id);

/* The kernel clock: simulated or real depending on the mode. */
NX_API nx_ts_t nx_kernel_now(const nx_kernel_t *k);
/* The event being dispatched (NULL outside a dispatch). */
NX_API const nx_event_hdr_t *nx_kernel_current(const nx_kernel_t *k);

/*
 * Run until every source has ended (simulated) or nx_kernel_stop() is called,
 * or max_events source events have been dispatched (0 = no limit).
 * Returns NX_OK, or the sticky failure code.
 */
NX_API int nx_kernel_run(nx_kernel_t *k, uint64_t max_events);
/* Ask the run loop to return after the current event; any thread, signal-safe. */
NX_API void nx_kernel_stop(nx_kernel_t *k);
/* 0, or the code that failed the kernel (sticky until nx_kernel_free). */
NX_API int nx_kernel_status(const nx_kernel_t *k);

typedef struct nx_kernel_stats {
    uint64_t source_events;  /* events taken from sources */
    uint64_t emitted;        /* events emitted by handlers (incl. timer events) */
    uint64_t timers_fired;
    uint64_t deliveries;     /* handler calls */
    uint64_t late_events;    /* source events older than the clock */
    uint64_t emit_queue_peak;
    uint64_t last_seq;       /* last sequence number stamped */
    uint32_t topics;
    uint32_t subscriptions;
    uint32_t timers_armed;
} nx_kernel_stats_t;
NX_API void nx_kernel_get_stats(const nx_kernel_t *k, nx_kernel_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_KERNEL_H */
