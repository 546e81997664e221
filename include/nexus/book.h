/*
 * nexus/book.h — L2 order books rebuilt from BOOK_DELTA events, with each
 * venue's sync rules.
 *
 * A book holds one instrument's aggregated levels (price -> total quantity)
 * as integer mantissas at fixed scales, in two sorted arrays sized once at
 * creation: applying a delta never allocates. It consumes the BOOK_DELTA
 * events of nexus/event.h one at a time, in the order the venue sent them:
 *
 *   snapshot   CLEAR (NX_BOOKF_SNAPSHOT), SET ... (NX_BOOKF_SNAPSHOT), the
 *              last one flagged NX_BOOKF_LAST; update_id = the snapshot's id
 *   diff       SET ... (qty 0 removes the level) or DELETE, all with the same
 *              update_id (venue u) and first_update_id (venue U); the last
 *              flagged NX_BOOKF_LAST. After LAST the book is consistent.
 *
 * Sync rules (nx_book_sync_t), checked once per diff batch:
 *
 *   BINANCE_SPOT     after a snapshot with lastUpdateId L: diffs with u <= L
 *                    are stale (dropped, NX_BOOK_STALE); the first applied
 *                    diff must straddle, U <= L+1 <= u; then each U must equal
 *                    the previous u + 1.
 *   BINANCE_FUTURES  (USD-M and COIN-M) diffs with u < L are stale; the first
 *                    applied diff must have U <= L <= u; then each pu must
 *                    equal the previous u (pu travels in `aux`, below).
 *   KRAKEN           no ids; after every batch the book is cut to `depth`
 *                    levels per side and, when the batch carries a checksum,
 *                    the CRC32 of the top 10 levels must match (see
 *                    nx_book_kraken_checksum).
 *   NONE             trusted input (e.g. already-validated stored deltas):
 *                    every batch applies; the book starts synced and empty.
 *
 * States and the sticky failure:
 *
 *   AWAITING_SNAPSHOT --CLEAR+SNAPSHOT--> LOADING --LAST--> SYNCED
 *          ^                                                  |
 *          |                      gap, checksum mismatch,     |
 *          +---- (any snapshot) -- OUT_OF_SYNC <-- bad delta -+
 *
 * A book that is not SYNCED refuses diffs with NX_ESTATE (or keeps them for
 * the next snapshot, when created with pending_cap > 0: NX_BOOK_BUFFERED)
 * and refuses reads with NX_ESTATE. The diff that reveals a gap or a
 * checksum mismatch returns NX_ECORRUPT (detail: what was expected and what
 * came); from then on the book is OUT_OF_SYNC until a snapshot arrives. A
 * snapshot is accepted in every state and is the only way back.
 *
 * Capacity: `capacity` levels per side. When a SET would add a level to a
 * full side, the level farthest from the top is dropped (or the new level,
 * if it is itself the farthest) and stats.levels_dropped counts it: the top
 * of the book stays exact, the far end may miss levels. With
 * NX_BOOK_STRICT_CAPACITY the book instead goes OUT_OF_SYNC with NX_ELIMIT.
 * `depth` (> 0) cuts each side to that many levels after every batch, which
 * is Kraken's rule for a book subscribed at that depth.
 *
 * Extra BOOK_DELTA fields this module reads (event.h: `aux` with the
 * NX_BOOKF_PU / NX_BOOKF_CHECKSUM flags, set by the parsers in nexus/data.h):
 *   NX_BOOKF_PU        aux = U - pu (Binance futures); a distance that
 *                      does not fit 32 bits is stored as UINT32_MAX, which
 *                      never matches, so it can only cause a resync.
 *   NX_BOOKF_CHECKSUM  aux = the venue's CRC32 of the book after this
 *                      batch (Kraken; on the LAST delta).
 *
 * Example (Binance spot, from a capture in receive order):
 *
 *   nx_book_config_t c;
 *   nx_book_config_default(&c, NX_BOOK_SYNC_BINANCE_SPOT, 2, 8);
 *   c.pending_cap = 65536;                  // diffs seen before the snapshot
 *   nx_book_t *b; nx_book_new(&c, &b);
 *   for each BOOK_DELTA d:
 *       rc = nx_book_apply(b, &d);          // < 0: see the codes above
 *   nx_book_level_t bid, ask;
 *   if (nx_book_bbo(b, &bid, &ask) == NX_OK) ...
 *
 * Thread-safety: a book belongs to one thread (the kernel's).
 */
#ifndef NEXUS_BOOK_H
#define NEXUS_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/decimal.h"
#include "nexus/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BOOK_DELTA flag bits beyond event.h's SNAPSHOT/LAST (see above). */

typedef enum nx_book_sync {
    NX_BOOK_SYNC_NONE = 0,
    NX_BOOK_SYNC_BINANCE_SPOT = 1,
    NX_BOOK_SYNC_BINANCE_FUTURES = 2,
    NX_BOOK_SYNC_KRAKEN = 3
} nx_book_sync_t;

typedef enum nx_book_state {
    NX_BOOK_AWAITING_SNAPSHOT = 0,
    NX_BOOK_LOADING = 1,      /* inside a snapshot batch */
    NX_BOOK_SYNCED = 2,
    NX_BOOK_OUT_OF_SYNC = 3
} nx_book_state_t;

/* Positive, non-error outcomes of nx_book_apply. */
#define NX_BOOK_STALE 1    /* diff older than the book: dropped (normal after a snapshot) */
#define NX_BOOK_BUFFERED 2 /* not synced: diff kept for replay after the next snapshot */

/* Config flags. */
#define NX_BOOK_STRICT_CAPACITY 0x01u /* a full side is a failure (NX_ELIMIT), not a cut */

typedef struct nx_book_config {
    uint32_t instrument;   /* deltas for another instrument are refused (NX_EINVAL) */
    uint8_t price_scale;   /* deltas must carry these scales */
    uint8_t qty_scale;
    nx_book_sync_t sync;
    uint32_t capacity;     /* levels per side (hard ceiling); default 5000 */
    uint32_t depth;        /* > 0: keep only this many levels per side after each batch */
    uint32_t pending_cap;  /* delta events kept while waiting for a snapshot (0: refuse) */
    uint32_t flags;        /* NX_BOOK_STRICT_CAPACITY */
} nx_book_config_t;

/* One level as stored: mantissas at the book's scales. */
typedef struct nx_book_level {
    int64_t price;
    int64_t qty;
} nx_book_level_t;

typedef struct nx_book_stats {
    uint64_t deltas;          /* deltas applied (snapshot levels included) */
    uint64_t batches;         /* diff batches completed */
    uint64_t snapshots;       /* snapshots completed */
    uint64_t stale;           /* deltas dropped as stale */
    uint64_t buffered;        /* deltas kept while not synced */
    uint64_t pending_dropped; /* kept deltas lost because the pending buffer was full */
    uint64_t gaps;            /* sequence gaps detected */
    uint64_t checksums_ok;    /* Kraken checksums verified */
    uint64_t checksum_fails;  /* Kraken checksum mismatches */
    uint64_t levels_dropped;  /* levels cut by capacity */
    uint64_t crossed;         /* batches after which the book was crossed */
    uint64_t gap_expected;    /* last gap: the id that was due (U or pu) ... */
    uint64_t gap_got;         /* ... and the id that came */
} nx_book_stats_t;

typedef struct nx_book nx_book_t;

/* Defaults: capacity 5000, depth 0, pending_cap 0, instrument 0, flags 0. */
NX_API void nx_book_config_default(nx_book_config_t *c, nx_book_sync_t sync, uint8_t price_scale,
                                   uint8_t qty_scale);
/* Allocates everything the book will ever use. NX_EINVAL for a bad config. */
NX_API int nx_book_new(const nx_book_config_t *c, nx_book_t **out);
NX_API void nx_book_free(nx_book_t *b);
/* Back to AWAITING_SNAPSHOT (SYNCED and empty for NX_BOOK_SYNC_NONE); stats kept. */
NX_API void nx_book_reset(nx_book_t *b);

/*
 * Apply one BOOK_DELTA (borrowed for the call). Returns NX_OK (applied),
 * NX_BOOK_STALE, NX_BOOK_BUFFERED, or:
 *   NX_ECORRUPT  this delta revealed a sequence gap, a checksum mismatch or a
 *                broken batch: the book is now OUT_OF_SYNC;
 *   NX_ESTATE    the book is not synced (awaiting a snapshot or out of sync)
 *                and keeps no pending diffs: nothing changed;
 *   NX_ELIMIT    a full side under NX_BOOK_STRICT_CAPACITY (now OUT_OF_SYNC);
 *   NX_EINVAL    not a BOOK_DELTA of this book (type, instrument): nothing
 *                changed; a delta of this book with wrong scales, side,
 *                action or a negative quantity also desyncs the book.
 * The last delta of a snapshot also replays the pending diffs; its return is
 * then that of the replay (NX_ECORRUPT if the kept diffs do not connect).
 */
NX_API int nx_book_apply(nx_book_t *b, const nx_ev_book_delta_t *d);

NX_API nx_book_state_t nx_book_state(const nx_book_t *b);
NX_API const char *nx_book_state_name(nx_book_state_t s);
static inline int nx_book_is_synced(const nx_book_t *b) {
    return nx_book_state(b) == NX_BOOK_SYNCED;
}
/* The venue id of the last applied batch (snapshot lastUpdateId or diff u). */
NX_API uint64_t nx_book_update_id(const nx_book_t *b);
NX_API void nx_book_stats(const nx_book_t *b, nx_book_stats_t *out);
NX_API const nx_book_config_t *nx_book_config(const nx_book_t *b);

/*
 * Reads. All return NX_ESTATE unless the book is SYNCED and between batches
 * (a half-applied batch is not a book).
 */
/* Best bid and ask; NX_ENOTFOUND if either side is empty (outputs untouched). */
NX_API int nx_book_bbo(const nx_book_t *b, nx_book_level_t *bid, nx_book_level_t *ask);
/* Up to n levels of one side (NX_SIDE_BUY: bids, best first); *got = count. */
NX_API int nx_book_top(const nx_book_t *b, nx_side_t side, nx_book_level_t *out, size_t n,
                       size_t *got);
/* Number of levels held on a side (no state check). */
NX_API size_t nx_book_count(const nx_book_t *b, nx_side_t side);
/* (bid + ask) / 2, exact at price_scale + 1; NX_ENOTFOUND if a side is empty. */
NX_API int nx_book_mid(const nx_book_t *b, nx_dec_t *out);
/* ask - bid as a mantissa at price_scale (negative when crossed). */
NX_API int nx_book_spread(const nx_book_t *b, int64_t *out);
/*
 * Crossed-book check for the validation rules: NX_OK when best bid < best
 * ask (or a side is empty), NX_ECORRUPT with both prices in the error detail
 * when bid >= ask. Does not change the book.
 */
NX_API int nx_book_check_crossed(const nx_book_t *b);
/* Same rule for a QUOTE event (a zero price means "no side"). */
NX_API int nx_quote_check_crossed(const nx_ev_quote_t *q);

/*
 * Kraken's book checksum: CRC32 (zlib) of the string made of the top 10 asks
 * (lowest first) then the top 10 bids (highest first), each level written as
 * price then quantity with the '.' removed and leading zeros stripped. With
 * the book at the pair's precisions (v1: as written in its messages; v2: the
 * AssetPairs precisions) that text is the decimal mantissa, which is what
 * this computes. No state check.
 */
NX_API uint32_t nx_book_kraken_checksum(const nx_book_t *b);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_BOOK_H */
