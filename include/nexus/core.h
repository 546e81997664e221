/*
 * nexus/core.h — the ground floor every other module stands on.
 *
 *   errors     one table of negative NX_E* codes, nx_strerror(), nx_err_name(),
 *              and a thread-local error detail buffer (no allocation on error paths)
 *   allocator  nx_malloc() and friends: the only way Nexus takes heap memory;
 *              counters (calls, bytes, peak) and a fail-the-Nth-allocation hook
 *   ids        deterministic intent ids derived from (strategy id, sequence)
 *   crc32c     CRC-32C (Castagnoli), hardware accelerated where the CPU has it
 *   rng        a seeded, portable PRNG (xoshiro256**) for models that need noise
 *   log        structured JSON log lines (ts, level, component, trace_id, message)
 *
 * Thread-safety: everything here is safe to call from any thread. The allocator
 * counters are atomics; the error buffer is per thread; the logger serialises
 * whole lines with one write(2) per line.
 */
#ifndef NEXUS_CORE_H
#define NEXUS_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NX_API __attribute__((visibility("default")))
#define NX_LIKELY(x) __builtin_expect(!!(x), 1)
#define NX_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define NX_CACHELINE 64
#define NX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 128-bit integers (GCC and clang) for exact intermediates. */
__extension__ typedef __int128 nx_i128;
__extension__ typedef unsigned __int128 nx_u128;

/* Version of the program and of the on-disk formats it writes. */
NX_API const char *nx_version(void);

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/*
 * One table. Every fallible function returns int: 0 on success, one of these
 * negative codes on failure. Results travel through out-parameters that are
 * written only on success.
 *
 * Some codes are *expected outcomes*, not faults; callers act on them:
 *   NX_EAGAIN     back-pressure: a bounded ring or buffer is full; retry later
 *                 or drop by policy, never block the kernel thread.
 *   NX_ENOTFOUND  a lookup missed; nothing was changed.
 *   NX_EEND       a source or reader has no more events (normal end of stream).
 *   NX_EREJECTED  denied by the risk engine; the decision event says why.
 *   NX_ERATELIMIT rate limited (venue or internal throttle); retry after backoff.
 *   NX_EINEXACT   a value cannot be represented exactly under the rounding mode
 *                 NX_ROUND_EXACT; pick a rounding mode or fix the input.
 */
#define NX_ERRNO_MAP(X)                                                        \
    X(EINVAL, -1, "invalid argument")                                          \
    X(ENOMEM, -2, "out of memory")                                             \
    X(EOVERFLOW, -3, "arithmetic overflow")                                    \
    X(ERANGE, -4, "value out of range")                                        \
    X(EPARSE, -5, "malformed input")                                           \
    X(EINEXACT, -6, "value not exact under the rounding mode")                 \
    X(EDIVZERO, -7, "division by zero")                                        \
    X(EIO, -8, "input/output error")                                           \
    X(ECORRUPT, -9, "data corrupt (checksum or structure mismatch)")           \
    X(ETORN, -10, "torn or truncated record at end of log")                    \
    X(ENOTFOUND, -11, "not found")                                             \
    X(EEXIST, -12, "already exists")                                           \
    X(EAGAIN, -13, "back-pressure: resource temporarily full")                 \
    X(ELIMIT, -14, "hard capacity limit reached")                              \
    X(ECONFIG, -15, "invalid configuration")                                   \
    X(ESTATE, -16, "object is in a failed or wrong state")                     \
    X(EUNSUPPORTED, -17, "operation not supported")                            \
    X(EVERSION, -18, "incompatible format version")                            \
    X(EEND, -19, "end of stream")                                              \
    X(EREJECTED, -20, "rejected by risk")                                      \
    X(ERATELIMIT, -21, "rate limited")                                         \
    X(EBUSY, -22, "resource busy or locked")                                   \
    X(EPERM, -23, "permission denied")

enum nx_errno {
    NX_OK = 0,
#define NX__ERR_ENUM(name, code, msg) NX_##name = (code),
    NX_ERRNO_MAP(NX__ERR_ENUM)
#undef NX__ERR_ENUM
};

/* Human message for a code ("unknown error" for codes not in the table). */
NX_API const char *nx_strerror(int code);
/* Symbolic name ("NX_EINVAL"); "NX_OK" for 0; "NX_E?" for unknown codes. */
NX_API const char *nx_err_name(int code);

/*
 * Error detail: a fixed thread-local buffer (NX_ERR_DETAIL_MAX bytes). The
 * function where a failure starts sets it with NX_ERR(); each layer above may
 * prepend/append context with NX_ERR_APPEND(). Reading it never allocates.
 *
 *   if (fd < 0) return NX_ERR(NX_EIO, "open %s: %s", path, strerror(errno));
 *   ...
 *   if ((rc = nx_journal_open(...)) < 0) return NX_ERR_APPEND(rc, "journal");
 */
#define NX_ERR_DETAIL_MAX 1024
NX_API int nx_err_set(int code, const char *func, const char *file, int line,
                      const char *fmt, ...) NX_PRINTF(5, 6);
NX_API int nx_err_append(int code, const char *func, const char *file, int line,
                         const char *fmt, ...) NX_PRINTF(5, 6);
#define NX_ERR(code, ...) nx_err_set((code), __func__, __FILE__, __LINE__, __VA_ARGS__)
#define NX_ERR_APPEND(code, ...)                                               \
    nx_err_append((code), __func__, __FILE__, __LINE__, __VA_ARGS__)
/* The detail message of the last error on this thread ("" if none). */
NX_API const char *nx_err_detail(void);
/* The message without the "(func file:line)" locations, for end users. */
NX_API const char *nx_err_message(void);
NX_API int nx_err_code(void);
NX_API void nx_err_clear(void);

/* ------------------------------------------------------------------------- */
/* Allocator                                                                 */
/* ------------------------------------------------------------------------- */

/*
 * The single allocator wrapper. Raw malloc/free are banned elsewhere (see
 * scripts/style-check.sh). Memory returned by nx_malloc must be released with
 * nx_free. nx_free(NULL) is a no-op.
 */
NX_API void *nx_malloc(size_t size);
NX_API void *nx_calloc(size_t n, size_t size);
NX_API void *nx_realloc(void *ptr, size_t size);
/* Aligned block (align a power of two >= sizeof(void*)); free with nx_free. */
NX_API void *nx_aligned_alloc(size_t align, size_t size);
NX_API char *nx_strdup(const char *s);
NX_API char *nx_strndup(const char *s, size_t n);
NX_API void nx_free(void *ptr);

typedef struct nx_alloc_stats {
    uint64_t calls;      /* successful allocations (malloc/calloc/realloc/aligned) */
    uint64_t frees;      /* nx_free calls on non-NULL pointers */
    uint64_t failures;   /* allocations that returned NULL (real or injected) */
    int64_t bytes;       /* bytes currently held (usable sizes) */
    int64_t peak;        /* high-water mark of bytes */
} nx_alloc_stats_t;

NX_API void nx_alloc_stats(nx_alloc_stats_t *out);
/*
 * Fault injection for tests: the n-th allocation from now (1 = the next one)
 * fails with NULL; with repeat != 0 every allocation after it fails too.
 * n == 0 disarms. Global, not per thread.
 */
NX_API void nx_alloc_fail_at(uint64_t n, int repeat);

/* ------------------------------------------------------------------------- */
/* Deterministic ids                                                         */
/* ------------------------------------------------------------------------- */

/*
 * Intent id: the strategy id in the top 24 bits, the strategy's own sequence
 * number (1, 2, ...) in the low 40 bits. The same strategy emitting its n-th
 * intent always gets the same id, run after run, so client order ids sent to
 * venues are reproducible and idempotent across restarts.
 *
 *   63            40 39                                      0
 *   +---------------+----------------------------------------+
 *   |  strategy id  |          per-strategy sequence          |
 *   +---------------+----------------------------------------+
 */
#define NX_INTENT_STRATEGY_MAX 0xFFFFFFu
#define NX_INTENT_SEQ_MAX 0xFFFFFFFFFFull
NX_API int nx_intent_id(uint32_t strategy_id, uint64_t seq, uint64_t *out);
static inline uint32_t nx_intent_strategy(uint64_t id) { return (uint32_t)(id >> 40); }
static inline uint64_t nx_intent_seq(uint64_t id) { return id & NX_INTENT_SEQ_MAX; }
/*
 * Client order id text for venues: "nx-<strategy>-<seq>" in lower-case base-36
 * digits, at most 24 bytes plus NUL (fits Binance's 36-char limit and charset).
 * buf must hold NX_CLIENT_ID_MAX bytes. Returns the length.
 */
#define NX_CLIENT_ID_MAX 32
NX_API size_t nx_intent_client_id(uint64_t intent_id, char *buf);
/* Inverse of nx_intent_client_id(); NX_EPARSE if text is not one of ours. */
NX_API int nx_intent_parse_client_id(const char *text, size_t len, uint64_t *out);

/* ------------------------------------------------------------------------- */
/* CRC-32C                                                                   */
/* ------------------------------------------------------------------------- */

/*
 * CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected), as used by iSCSI,
 * ext4 and RocksDB. crc is the running value (start with 0). Uses the SSE4.2
 * crc32 instruction when present, a slicing-by-8 table otherwise.
 */
NX_API uint32_t nx_crc32c(uint32_t crc, const void *data, size_t len);

/* ------------------------------------------------------------------------- */
/* Seeded PRNG                                                               */
/* ------------------------------------------------------------------------- */

typedef struct nx_rng { uint64_t s[4]; } nx_rng_t;
/* Seeds through splitmix64 so that any seed (even 0) gives a good state. */
NX_API void nx_rng_seed(nx_rng_t *r, uint64_t seed);
NX_API uint64_t nx_rng_next(nx_rng_t *r);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
NX_API uint64_t nx_rng_below(nx_rng_t *r, uint64_t bound);
/* Uniform double in [0, 1) with 53 random bits. */
NX_API double nx_rng_double(nx_rng_t *r);

/* ------------------------------------------------------------------------- */
/* Structured logs                                                           */
/* ------------------------------------------------------------------------- */

typedef enum nx_log_level {
    NX_LOG_TRACE = 0,
    NX_LOG_DEBUG,
    NX_LOG_INFO,
    NX_LOG_WARN,
    NX_LOG_ERROR,
    NX_LOG_OFF
} nx_log_level_t;

/*
 * Each record is one JSON object on one line:
 *   {"ts":"2026-11-21T11:48:07.123456789Z","level":"info","component":"kernel",
 *    "trace_id":42,"message":"..."}
 * trace_id is omitted when 0. The timestamp comes from the log clock: the wall
 * clock by default; a backtest installs its simulated clock so logs replay too.
 */
typedef int64_t (*nx_log_clock_fn)(void *ctx);

NX_API void nx_log_set_level(nx_log_level_t level);
NX_API nx_log_level_t nx_log_get_level(void);
/* Parse "trace|debug|info|warn|error|off"; NX_EPARSE otherwise. */
NX_API int nx_log_level_parse(const char *s, nx_log_level_t *out);
NX_API const char *nx_log_level_name(nx_log_level_t level);
/* Log to a file descriptor (default 2 = stderr). The fd is borrowed. */
NX_API void nx_log_set_fd(int fd);
/* Append to a file (created 0644); replaces a previous file target. */
NX_API int nx_log_open_file(const char *path);
NX_API void nx_log_set_clock(nx_log_clock_fn fn, void *ctx);
NX_API void nx_log(nx_log_level_t level, const char *component, uint64_t trace_id,
                   const char *fmt, ...) NX_PRINTF(4, 5);
NX_API void nx_logv(nx_log_level_t level, const char *component, uint64_t trace_id,
                    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#define nx_log_enabled(level) ((level) >= nx_log_get_level())

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_CORE_H */
