/*
 * The allocator wrapper (nexus/core.h). All heap memory in Nexus goes through
 * here so that tests can count allocations per event and fail the N-th one.
 * Sizes are taken from malloc_usable_size() so nx_free needs no header.
 */
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/core.h"

static _Atomic uint64_t nx__calls, nx__frees, nx__failures;
static _Atomic int64_t nx__bytes, nx__peak;
static _Atomic uint64_t nx__fail_at;   /* absolute call index that fails; 0 = off */
static _Atomic int nx__fail_repeat;
static _Atomic uint64_t nx__attempts;  /* every attempt, counted for fail_at */

static int nx__should_fail(void) {
    uint64_t at = atomic_load_explicit(&nx__fail_at, memory_order_relaxed);
    uint64_t n = atomic_fetch_add_explicit(&nx__attempts, 1, memory_order_relaxed) + 1;
    if (at == 0) return 0;
    if (n == at) return 1;
    return n > at && atomic_load_explicit(&nx__fail_repeat, memory_order_relaxed);
}

static void *nx__track(void *p) {
    if (!p) {
        atomic_fetch_add_explicit(&nx__failures, 1, memory_order_relaxed);
        return NULL;
    }
    int64_t sz = (int64_t)malloc_usable_size(p);
    atomic_fetch_add_explicit(&nx__calls, 1, memory_order_relaxed);
    int64_t now = atomic_fetch_add_explicit(&nx__bytes, sz, memory_order_relaxed) + sz;
    int64_t peak = atomic_load_explicit(&nx__peak, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&nx__peak, &peak, now, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
    return p;
}

void *nx_malloc(size_t size) {
    if (nx__should_fail()) return nx__track(NULL);
    return nx__track(malloc(size ? size : 1)); /* style-check: allow (the wrapper) */
}

void *nx_calloc(size_t n, size_t size) {
    if (nx__should_fail()) return nx__track(NULL);
    return nx__track(calloc(n ? n : 1, size ? size : 1)); /* style-check: allow */
}

void *nx_realloc(void *ptr, size_t size) {
    if (!ptr) return nx_malloc(size);
    if (nx__should_fail()) return nx__track(NULL);
    int64_t old = (int64_t)malloc_usable_size(ptr);
    void *p = realloc(ptr, size ? size : 1); /* style-check: allow */
    if (!p) return nx__track(NULL);
    atomic_fetch_sub_explicit(&nx__bytes, old, memory_order_relaxed);
    atomic_fetch_add_explicit(&nx__frees, 1, memory_order_relaxed);
    return nx__track(p);
}

void *nx_aligned_alloc(size_t align, size_t size) {
    if (nx__should_fail()) return nx__track(NULL);
    void *p = NULL;
    if (posix_memalign(&p, align, size ? size : 1) != 0) return nx__track(NULL);
    return nx__track(p);
}

char *nx_strndup(const char *s, size_t n) {
    size_t len = strnlen(s, n);
    char *d = nx_malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *nx_strdup(const char *s) { return nx_strndup(s, strlen(s)); }

void nx_free(void *ptr) {
    if (!ptr) return;
    atomic_fetch_sub_explicit(&nx__bytes, (int64_t)malloc_usable_size(ptr),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&nx__frees, 1, memory_order_relaxed);
    free(ptr); /* style-check: allow */
}

void nx_alloc_stats(nx_alloc_stats_t *out) {
    out->calls = atomic_load(&nx__calls);
    out->frees = atomic_load(&nx__frees);
    out->failures = atomic_load(&nx__failures);
    out->bytes = atomic_load(&nx__bytes);
    out->peak = atomic_load(&nx__peak);
}

void nx_alloc_fail_at(uint64_t n, int repeat) {
    atomic_store(&nx__fail_repeat, repeat);
    if (n == 0) {
        atomic_store(&nx__fail_at, 0);
        return;
    }
    atomic_store(&nx__fail_at, atomic_load(&nx__attempts) + n);
}
