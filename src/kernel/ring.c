/*
 * Bounded lock-free rings (nexus/kernel.h). Each slot starts with a 64-bit
 * sequence number: slot i is free for the producer whose ticket is t when
 * seq == t, and holds data for the consumer at ticket t when seq == t + 1
 * (D. Vyukov's bounded queue). This needs no separate "full" counter, works
 * for one or many producers, and the consumer never spins on a half-written
 * record: a slot becomes visible only with its release store.
 */
#include <string.h>

#include "nexus/kernel.h"

#define NX__RING_STRIDE (8u + NX_EVENT_MAX)

size_t nx_ring_mem_size(uint32_t capacity) { return (size_t)capacity * NX__RING_STRIDE; }

static _Atomic uint64_t *nx__slot_seq(nx_ring_t *r, uint64_t pos) {
    return (_Atomic uint64_t *)(void *)(r->slots + (pos & r->mask) * r->stride);
}

int nx_ring_init(nx_ring_t *r, void *mem, uint32_t capacity, int multi_producer) {
    if (!r || !mem || capacity < 2 || capacity > (1u << 24) || (capacity & (capacity - 1)))
        return NX_ERR(NX_EINVAL, "ring capacity %u must be a power of two in 2..2^24", capacity);
    if (((uintptr_t)mem & (NX_CACHELINE - 1)) != 0)
        return NX_ERR(NX_EINVAL, "ring memory must be %d-byte aligned", NX_CACHELINE);
    memset(r, 0, sizeof *r);
    r->mask = capacity - 1;
    r->multi_producer = multi_producer ? 1 : 0;
    r->slots = mem;
    r->stride = NX__RING_STRIDE;
    for (uint64_t i = 0; i < capacity; i++)
        atomic_store_explicit(nx__slot_seq(r, i), i, memory_order_relaxed);
    atomic_store_explicit(&r->head, 0, memory_order_relaxed);
    atomic_store_explicit(&r->tail, 0, memory_order_release);
    return NX_OK;
}

int nx_ring_push(nx_ring_t *r, const nx_event_hdr_t *ev) {
    if (ev->size < sizeof(nx_event_hdr_t) || ev->size > NX_EVENT_MAX)
        return NX_ERR(NX_EINVAL, "event size %u outside %zu..%d", ev->size,
                      sizeof(nx_event_hdr_t), NX_EVENT_MAX);
    uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    _Atomic uint64_t *sq;
    for (;;) {
        sq = nx__slot_seq(r, pos);
        uint64_t seq = atomic_load_explicit(sq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            if (!r->multi_producer) {
                atomic_store_explicit(&r->tail, pos + 1, memory_order_relaxed);
                break;
            }
            if (atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                break;
        } else if (dif < 0) {
            return NX_EAGAIN; /* full: expected back-pressure, no error detail */
        } else {
            pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
        }
    }
    memcpy((unsigned char *)sq + 8, ev, ev->size);
    atomic_store_explicit(sq, pos + 1, memory_order_release);
    return NX_OK;
}

int nx_ring_pop(nx_ring_t *r, nx_event_t *out) {
    uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    _Atomic uint64_t *sq = nx__slot_seq(r, pos);
    uint64_t seq = atomic_load_explicit(sq, memory_order_acquire);
    if (seq != pos + 1) return NX_EAGAIN;
    const unsigned char *src = (const unsigned char *)sq + 8;
    nx_event_hdr_t h;
    memcpy(&h, src, sizeof h);
    size_t n = h.size <= NX_EVENT_MAX ? h.size : NX_EVENT_MAX;
    memcpy(out, src, n);
    atomic_store_explicit(sq, pos + r->mask + 1, memory_order_release);
    atomic_store_explicit(&r->head, pos + 1, memory_order_relaxed);
    return NX_OK;
}

uint64_t nx_ring_size(const nx_ring_t *r) {
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    return t >= h ? t - h : 0;
}
