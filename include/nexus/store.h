/*
 * nexus/store.h — the market-data store: compressed columnar blocks on disk,
 * a SQLite catalog, an atomic deduplicating writer, a bounded-memory merge
 * cursor that feeds the kernel, and verification. See docs/store.md.
 *
 * Layout under a root directory:
 *
 *   <root>/
 *     LOCK                                   flock()ed by the one writing handle
 *     catalog.sqlite (+ -wal, -shm)          the catalog, WAL mode
 *     .tmp/                                  spilled runs and blocks being written
 *     <venue>/<symbol>/<kind>/<YYYY-MM>/     one partition: venue, symbol, kind
 *         000000000001.nxb                   (bars: "bars_1m"), month (UTC, of ts_recv)
 *         000000000002.nxb ...               one block per file, rows in order
 *
 * Rows are the event records of nexus/data.h's kinds (TRADE for trades and
 * aggtrades, QUOTE, BOOK_DELTA, BAR, FUNDING). Every payload field and both
 * timestamps round-trip exactly. Not stored: h.seq, h.trace_id,
 * h.causation_id (the kernel stamps them), h.topic and the instrument field
 * (the cursor stamps the ids its caller gives), and reserved fields (zero).
 *
 * Order inside a partition: by h.ts_recv; ties by trade id for trades and
 * aggtrades, by arrival order for the other kinds (a depth snapshot's CLEAR
 * stays before its SETs).
 *
 * Dedup (nothing is stored twice): trades/aggtrades with a trade id are the
 * same row when they have the same id in the same partition; rows without
 * an id (trade_id 0, and every other kind) are the same row when ts_recv and
 * every stored field are equal. Rows already stored always win over new ones.
 *
 * Threads: a store handle and the objects made from it belong to one thread
 * at a time. Any number of processes may read; one handle writes (flock on
 * <root>/LOCK, NX_EBUSY otherwise). Readers see the catalog as of their open.
 * A writer may run one encoder thread of its own while rows arrive in order
 * (nx_store_write_append); it ends by commit or abort, and the files it
 * writes do not depend on its timing.
 */
#ifndef NEXUS_STORE_H
#define NEXUS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/data.h"
#include "nexus/event.h"
#include "nexus/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NX_STORE_FORMAT_VERSION 1u
/* venue and symbol: 1..63 bytes of [A-Za-z0-9._-], not starting with '.'. */
#define NX_STORE_NAME_MAX 63
/* Kind names: "trades", ..., "bars_<tf>" ("bars_1m", "bars_4h", "bars_250ms"). */
#define NX_STORE_KIND_MAX 31
/* Relative path of a block file inside the root. */
#define NX_STORE_PATH_MAX 256
/* Open time bounds for ranges. */
#define NX_STORE_TS_MIN INT64_MIN
#define NX_STORE_TS_MAX INT64_MAX

/* Opening flags. */
#define NX_STORE_RDONLY 0x1u     /* no writer lock, no creation, no writes */
#define NX_STORE_NO_THREADS 0x2u /* writers encode on the caller's thread only (see
                                    nx_store_write_append); the files are the same */

/* Limits (NX_ECONFIG outside them). Zero fields take the defaults. */
#define NX_STORE_BLOCK_ROWS_MIN 16u
#define NX_STORE_BLOCK_ROWS_MAX (1u << 20)
#define NX_STORE_BLOCK_ROWS_DEFAULT 32768u
#define NX_STORE_WRITE_MEM_MIN (64u * 1024u)
#define NX_STORE_WRITE_MEM_DEFAULT (64u * 1024u * 1024u)

typedef struct nx_store_opts {
    uint32_t block_rows;  /* rows per block (the last block of a month may be shorter) */
    uint64_t write_mem;   /* hard ceiling of rows a writer buffers before it spills a
                             sorted run to <root>/.tmp; default 64 MiB */
    int zstd_level;       /* 1..19, default 1: the columns already did the work
                             (bundled trades 2.67 bytes/row at 1, 2.62 at 9) */
    unsigned flags;       /* NX_STORE_* above */
} nx_store_opts_t;

/* Names a partition family: venue, symbol, kind (and a bar timeframe). */
typedef struct nx_store_key {
    const char *venue;   /* borrowed for the call */
    const char *symbol;  /* borrowed for the call */
    nx_data_kind_t kind;
    int64_t tf_ns;       /* NX_KIND_BARS: the timeframe (> 0); otherwise 0 */
} nx_store_key_t;

typedef struct nx_store nx_store_t;

NX_API void nx_store_opts_default(nx_store_opts_t *o);

/*
 * Open (and unless NX_STORE_RDONLY, create) the store at root; root is
 * copied, opts may be NULL. A writing open takes the lock and finishes what
 * an interrupted commit left behind: block files named in the catalog's
 * pending list but not committed are removed, replaced blocks awaiting
 * deletion are deleted, <root>/.tmp is emptied.
 * Errors: NX_ENOTFOUND (RDONLY and no store), NX_EBUSY (another writer),
 * NX_EIO, NX_ECORRUPT (catalog unreadable), NX_EVERSION, NX_ECONFIG, NX_ENOMEM.
 */
NX_API int nx_store_open(const char *root, const nx_store_opts_t *opts, nx_store_t **out);
/* Close; NULL is a no-op. Open writers and cursors must be finished first. */
NX_API void nx_store_close(nx_store_t *s);
/* The root directory (borrowed, valid until close). */
NX_API const char *nx_store_root(const nx_store_t *s);

/*
 * The directory name of a kind: "trades", "bars_1m", ... into buf
 * (NX_STORE_KIND_MAX + 1 bytes). NX_EINVAL for an unknown kind or a
 * bars key without a positive timeframe.
 */
NX_API int nx_store_kind_name(nx_data_kind_t kind, int64_t tf_ns, char *buf);
/* 0 if key names a valid family (names, kind, bars timeframe); NX_EINVAL otherwise. */
NX_API int nx_store_key_check(const nx_store_key_t *key);

/* ------------------------------------------------------------------------- */
/* Writer                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct nx_store_writer nx_store_writer_t;

typedef struct nx_store_write_stats {
    uint64_t received;        /* rows appended */
    uint64_t stored;          /* rows new in the store after commit */
    uint64_t duplicates;      /* rows dropped as already stored or repeated */
    uint32_t months;          /* month partitions touched */
    uint32_t blocks_written;  /* block files created */
    uint32_t blocks_replaced; /* block files of rewritten months removed */
    uint32_t runs_spilled;    /* sorted runs spilled to disk by the memory ceiling */
    uint32_t sorted_path;     /* 1: every row arrived in (ts_recv, trade id) order and each
                                 month was new or an append, so blocks were written as
                                 they filled (no buffer, spill or merge); 0: the general
                                 merge path. The store is the same either way. */
    int64_t min_ts, max_ts;   /* ts_recv range of the rows received (0 if none) */
} nx_store_write_stats_t;

/*
 * Begin a write to one partition family. Only one writer per store at a
 * time (NX_EBUSY). The writer holds at most opts.write_mem bytes of rows
 * (plus one block being encoded); past that it sorts what it holds and
 * spills it to a temporary run file. Rows in order skip that buffer (see
 * nx_store_write_append).
 * Errors: NX_EINVAL (bad key), NX_EPERM (read-only store), NX_EBUSY, NX_ENOMEM.
 */
NX_API int nx_store_write_begin(nx_store_t *s, const nx_store_key_t *key,
                                nx_store_writer_t **out);
/*
 * Append one event (copied; borrowed for the call) in any order. Its type
 * must be the kind's event type (NX_EINVAL otherwise; nothing appended).
 *
 * Rows that arrive in order (ts_recv non-decreasing, ties by trade id,
 * non-zero trade ids strictly increasing) into months that are new or
 * appended to are encoded into blocks under <root>/.tmp as they come: the
 * writer then holds a block of rows, not write_mem. The first row out of
 * that order (or into a month that must be rewritten) turns the writer to
 * the general path for the rest; commit gives the same store either way.
 * A month's catalog entry is read when the first row of the month arrives.
 * With two CPUs or more (and not NX_STORE_NO_THREADS), a write that fills
 * a block starts an encoder thread that compresses and writes the blocks
 * while the caller goes on (three blocks of rows in memory); its errors come
 * back from a later append or from commit.
 *
 * NX_EIO / NX_ENOMEM when a spill or a block write fails, or the catalog's
 * code (NX_EIO, NX_EBUSY, NX_ECORRUPT) when that read fails: the writer is
 * then failed (sticky); only abort remains.
 * NX_ERANGE for a ts_recv outside the years 0..9999 (nothing appended).
 */
NX_API int nx_store_write_append(nx_store_writer_t *w, const nx_event_hdr_t *ev);
/*
 * Commit atomically and free the writer (also on failure). Every touched
 * month is merged with what it already holds (an append-only month keeps
 * its blocks), new block files are written under .tmp (on the sorted path,
 * most of them already were), fsynced, renamed into
 * place and the catalog is updated in one SQLite transaction; blocks of
 * rewritten months are deleted after it. On failure nothing is changed:
 * the catalog is as before and no new file remains. stats may be NULL.
 */
NX_API int nx_store_write_commit(nx_store_writer_t *w, nx_store_write_stats_t *stats);
/* Drop everything appended and free the writer. NULL is a no-op. */
NX_API void nx_store_write_abort(nx_store_writer_t *w);

/* ------------------------------------------------------------------------- */
/* Cursor                                                                    */
/* ------------------------------------------------------------------------- */

/* One stream of a cursor: a partition family and the ids to stamp. */
typedef struct nx_store_stream {
    nx_store_key_t key;
    uint32_t instrument; /* written into each event's instrument field */
    uint32_t topic;      /* written into h.topic */
} nx_store_stream_t;

typedef struct nx_store_cursor nx_store_cursor_t;

/*
 * Open a cursor over n streams (1..1024; copied) and rows with from <= ts_recv
 * < to (NX_STORE_TS_MIN / NX_STORE_TS_MAX for open bounds). Events come in
 * (ts_recv, stream index) order; within a stream in stored order. Memory is
 * one decoded block per stream plus a small heap, whatever the data length.
 * The cursor takes its own read snapshot of the catalog; a concurrent
 * rewrite of a month it reads may make it fail with NX_ENOTFOUND.
 * Streams with no data are allowed (they just end).
 */
NX_API int nx_store_cursor_open(nx_store_t *s, const nx_store_stream_t *streams, size_t n,
                                int64_t from, int64_t to, nx_store_cursor_t **out);
/*
 * The next event: *ev points into the cursor's block buffer (seq, trace_id,
 * causation_id zero; topic and instrument stamped) and stays valid until
 * the next call; the caller may write its header (the kernel stamps seq).
 * Returns NX_OK, NX_EEND at the end, NX_ECORRUPT / NX_EIO / NX_ENOTFOUND
 * (sticky) when a block cannot be read, with the file named in the detail.
 */
NX_API int nx_store_cursor_next(nx_store_cursor_t *c, nx_event_hdr_t **ev);
/* Rows returned so far. */
NX_API uint64_t nx_store_cursor_rows(const nx_store_cursor_t *c);
NX_API void nx_store_cursor_close(nx_store_cursor_t *c);
/*
 * Wrap a cursor as a kernel source (for nx_kernel_add_source). name is
 * borrowed; the cursor must outlive the kernel's use of the source.
 */
NX_API void nx_store_cursor_source(nx_store_cursor_t *c, const char *name, nx_source_t *out);

/* ------------------------------------------------------------------------- */
/* Catalog queries                                                           */
/* ------------------------------------------------------------------------- */

/* One month partition. */
typedef struct nx_store_partition {
    char venue[NX_STORE_NAME_MAX + 1];
    char symbol[NX_STORE_NAME_MAX + 1];
    char kind[NX_STORE_KIND_MAX + 1];
    char month[8];            /* "YYYY-MM" */
    uint64_t rows, bytes, blocks;
    int64_t min_ts, max_ts;   /* ts_recv range */
} nx_store_partition_t;

/* One block file. */
typedef struct nx_store_block {
    char file[NX_STORE_PATH_MAX]; /* relative to the root */
    uint32_t seq;                 /* order inside the partition */
    uint64_t rows, bytes, raw_bytes;
    int64_t min_ts, max_ts;
    uint64_t min_id, max_id;      /* trade ids (trades kinds), else 0 */
    uint32_t crc_raw, crc_file;   /* CRC-32C of payload bytes, of the whole file */
} nx_store_block_t;

/* Called per row; return non-zero to stop (that value is returned). */
typedef int (*nx_store_partition_fn)(void *ctx, const nx_store_partition_t *p);
typedef int (*nx_store_block_fn)(void *ctx, const nx_store_partition_t *p,
                                 const nx_store_block_t *b);

/*
 * Partitions in (venue, symbol, kind, month) order; key NULL for all, or a
 * filter whose NULL venue/symbol and NX_KIND_NONE kind match anything.
 */
NX_API int nx_store_partitions(nx_store_t *s, const nx_store_key_t *key,
                               nx_store_partition_fn fn, void *ctx);
/* Blocks of one family (key fully given), in (month, seq) order. */
NX_API int nx_store_blocks(nx_store_t *s, const nx_store_key_t *key, nx_store_block_fn fn,
                           void *ctx);

/* ------------------------------------------------------------------------- */
/* Verify                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct nx_store_verify_stats {
    uint64_t partitions, blocks, rows, bytes;
    uint64_t problems;
} nx_store_verify_stats_t;

/* Called once per problem: file relative to the root, and what is wrong. */
typedef void (*nx_store_problem_fn)(void *ctx, const char *file, const char *reason);

/*
 * Re-read every block of the catalog: file present with the catalog's size,
 * header and its CRC, CRC of the file and of the decompressed payload,
 * structure, row count, time range and trade-id range equal to the catalog,
 * rows in order inside the block and across the partition's blocks, and the
 * partition totals. Returns 0 if everything agrees, NX_ECORRUPT if any
 * problem was found (each reported through fn, which may be NULL).
 */
NX_API int nx_store_verify(nx_store_t *s, nx_store_problem_fn fn, void *ctx,
                           nx_store_verify_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_STORE_H */
