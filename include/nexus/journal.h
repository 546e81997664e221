/*
 * nexus/journal.h — the crash-safe, append-only, segmented event journal.
 *
 * The journal is the audit trail and the replay source: every event the
 * kernel consumes or emits is appended here, checksummed, and can be read
 * back in order from any sequence number. After a crash the valid prefix is
 * kept and a torn tail is cut off on the next open. See docs/journal.md.
 *
 * On disk a journal is a directory of segment files named by the sequence
 * number of their first record, zero-padded to 20 digits so that lexical
 * order is numeric order:
 *
 *   journal/
 *     LOCK                          flock()ed by the one writer
 *     00000000000000000001.nxj      seq 1 ..
 *     00000000000000412877.nxj      seq 412877 ..   (current segment)
 *
 * Segment file = header (64 bytes) + records, back to back, 8-byte aligned:
 *
 *   +-----------+----------+----------+-----+----------+
 *   | seg hdr   | record 1 | record 2 | ... | record n |
 *   | 64 bytes  |          |          |     |          |
 *   +-----------+----------+----------+-----+----------+
 *
 * Segment header (all integers little-endian):
 *
 *   offset size field        meaning
 *   ------ ---- ------------ ----------------------------------------------
 *        0    8 magic        "NXJRNL\r\n" (the CR LF catches text-mode mangling)
 *        8    4 version      NX_JOURNAL_FORMAT_VERSION (1)
 *       12    4 hdr_size     64
 *       16    8 segment_no   0, 1, 2, ... in creation order
 *       24    8 first_seq    seq of the first record; equals the file name
 *       32    8 first_ts     ts_recv of the first record, ns UTC (informational;
 *                            not the wall clock, so that the same events
 *                            always give byte-identical segment files)
 *       40    4 reserved0    0
 *       44    4 flags        0 (reserved; readers reject unknown bits)
 *       48   12 reserved     0
 *       60    4 crc          CRC-32C of bytes 0..59
 *
 * Record (frame around one event; the event's own 48-byte header follows):
 *
 *   offset size field        meaning
 *   ------ ---- ------------ ----------------------------------------------
 *        0    4 length       event bytes that follow (48..NX_EVENT_MAX); it is
 *                            the event's h.size
 *        4    4 crc          CRC-32C over the 4 length bytes, then the event
 *                            bytes: nx_crc32c(nx_crc32c(0, &length, 4), ev, length)
 *        8    n event        the event record exactly as appended (h.seq set)
 *      8+n    p padding      zero bytes up to the next multiple of 8 (p = 0
 *                            for every current event type: sizes are x8)
 *
 * A record is valid when: length is 48..NX_EVENT_MAX, the whole frame lies
 * inside the file, the CRC matches, nx_event_check() accepts the event,
 * h.seq is greater than the previous record's (strictly increasing across
 * the whole journal), and the first record of a segment has
 * h.seq == first_seq. A zero length is never valid, so a zero-filled tail
 * (preallocated or lost blocks) reads as the end of the valid data.
 *
 * Threads: one thread appends (the kernel) and is the only one to call
 * append, flush, sync, error and close; nx_journal_durable_seq() and
 * nx_journal_last_seq() may be read from any thread. A writer thread owned by
 * the journal does all write()/fdatasync() calls. Readers are independent
 * objects, one per thread; any number may be open, also while a writer
 * appends (they see the files as they were when each segment was mapped).
 */
#ifndef NEXUS_JOURNAL_H
#define NEXUS_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/event.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NX_JOURNAL_FORMAT_VERSION 1u
#define NX_JOURNAL_MAGIC "NXJRNL\r\n"
#define NX_JOURNAL_SEG_HDR_SIZE 64u
#define NX_JOURNAL_REC_HDR_SIZE 8u
#define NX_JOURNAL_SEG_SUFFIX ".nxj"
/* "<20 digits>.nxj" plus NUL. */
#define NX_JOURNAL_SEG_NAME_MAX 32

typedef struct nx_journal_seg_hdr {
    char magic[8];
    uint32_t version;
    uint32_t hdr_size;
    uint64_t segment_no;
    uint64_t first_seq;
    int64_t first_ts;
    uint32_t reserved0;
    uint32_t flags;
    uint8_t reserved[12];
    uint32_t crc;
} nx_journal_seg_hdr_t;

typedef struct nx_journal_rec_hdr {
    uint32_t length;
    uint32_t crc;
} nx_journal_rec_hdr_t;

/* ------------------------------------------------------------------------- */
/* Writer                                                                    */
/* ------------------------------------------------------------------------- */

/*
 * Durability policies. "Durable" means nx_journal_durable_seq() has reached
 * the event's seq; what survives what:
 *
 *   EACH      nx_journal_append() returns only after its event was written and
 *             fdatasync()ed: survives process crash and power loss. Events
 *             appended together with nx_journal_append_batch() share one
 *             fdatasync (group commit).
 *   INTERVAL  the writer thread fdatasync()s every fsync_interval_ms while
 *             there is unsynced data; durable_seq advances after each sync.
 *             Survives power loss up to durable_seq; appends never wait.
 *   NONE      no fdatasync except nx_journal_sync() and segment creation is
 *             not synced either; durable_seq is the last seq handed to the OS
 *             with write(): survives a process crash, not a power loss.
 */
typedef enum nx_journal_fsync {
    NX_JOURNAL_FSYNC_DEFAULT = 0, /* = INTERVAL */
    NX_JOURNAL_FSYNC_EACH = 1,
    NX_JOURNAL_FSYNC_INTERVAL = 2,
    NX_JOURNAL_FSYNC_NONE = 3
} nx_journal_fsync_t;

/* nx_journal_options_t.flags */
/* When the in-memory buffer is full, return NX_EAGAIN instead of waiting for
 * the writer thread (the event is not appended; retry or stop by policy). */
#define NX_JOURNAL_NONBLOCK 0x1u

/* Limits (NX_ECONFIG outside them). Zero fields take the defaults. */
#define NX_JOURNAL_SEGMENT_MIN (4u * 1024u)
#define NX_JOURNAL_SEGMENT_MAX (UINT64_C(1) << 40)
#define NX_JOURNAL_SEGMENT_DEFAULT (64u * 1024u * 1024u)
#define NX_JOURNAL_BUFFER_MIN (16u * 1024u)
#define NX_JOURNAL_BUFFER_MAX (1u << 30)
#define NX_JOURNAL_BUFFER_DEFAULT (8u * 1024u * 1024u)
#define NX_JOURNAL_INTERVAL_DEFAULT_MS 10u

typedef struct nx_journal_options {
    nx_journal_fsync_t durability; /* default INTERVAL */
    uint32_t fsync_interval_ms;    /* INTERVAL period; default 10, max 60000 */
    uint64_t segment_size;         /* roll to a new segment before a record would
                                      make the file larger; default 64 MiB */
    uint32_t buffer_size;          /* in-memory ring, bytes, a power of two;
                                      default 8 MiB; the hard ceiling of
                                      unwritten data */
    uint32_t flags;                /* NX_JOURNAL_* above */
} nx_journal_options_t;

/* What the last open found and repaired. */
typedef struct nx_journal_recovery {
    uint64_t segments;          /* segment files present after recovery */
    uint64_t last_seq;          /* last valid seq (0 for an empty journal) */
    uint64_t truncated_bytes;   /* torn tail cut off the last segment */
    uint64_t removed_segments;  /* trailing segments without a valid record removed */
    char torn_segment[NX_JOURNAL_SEG_NAME_MAX]; /* where the tail was cut ("" if none) */
    uint64_t torn_offset;       /* byte offset of the cut in torn_segment */
} nx_journal_recovery_t;

typedef struct nx_journal nx_journal_t;

/* Fill *o with the defaults (the same values zero fields get). */
NX_API void nx_journal_options_default(nx_journal_options_t *o);

/*
 * Open the journal in directory dir for appending, creating the directory
 * (0755) if needed. An existing journal is recovered first: only the last
 * segment is scanned; a torn tail (partial record, bad CRC, zero fill) with
 * no valid record after it is truncated; trailing segments with no valid
 * record are removed; appending continues after the last valid seq.
 * Corruption followed by valid records in the last segment is NOT cut off:
 * open fails with NX_ECORRUPT ("file:offset: reason") and the operator
 * decides (see `nexus journal verify`).
 *
 * dir is copied; opt may be NULL (defaults) and is copied. Allocates the
 * ring (buffer_size) and starts the writer thread; nothing is allocated per
 * event afterwards. One writer per directory (flock on dir/LOCK): NX_EBUSY if
 * another process or handle has it.
 * Errors: NX_ECONFIG, NX_EBUSY, NX_EIO, NX_ENOMEM, NX_ECORRUPT, NX_EVERSION.
 */
NX_API int nx_journal_open(const char *dir, const nx_journal_options_t *opt,
                           nx_journal_t **out);

/*
 * Append one event (copied; rec is borrowed for the call). Its size is
 * h.size. h.seq must be greater than every seq appended before; if h.seq is
 * 0 the journal assigns last_seq + 1 (in its copy; rec is not modified).
 * Under NX_JOURNAL_FSYNC_EACH returns after the event is durable.
 * Not thread-safe: one appending thread at a time.
 * Errors: NX_EINVAL (bad record, seq not increasing: nothing appended),
 * NX_EAGAIN (NX_JOURNAL_NONBLOCK and the buffer is full: nothing appended),
 * NX_EIO / NX_ESTATE (sticky: an earlier write or fsync failed; every later
 * call fails the same way and nothing more is accepted).
 */
NX_API int nx_journal_append(nx_journal_t *j, const void *rec);

/*
 * Append n events in order; under FSYNC_EACH they are made durable with one
 * write and one fdatasync (group commit). On an error at event k, events
 * 0..k-1 are appended (and, under EACH, made durable before returning).
 */
NX_API int nx_journal_append_batch(nx_journal_t *j, const void *const *recs, size_t n);

/* Last seq appended (may not be on disk yet). Any thread. */
NX_API uint64_t nx_journal_last_seq(const nx_journal_t *j);
/* Everything <= this seq is durable under the policy (see above). Any thread. */
NX_API uint64_t nx_journal_durable_seq(const nx_journal_t *j);

/* Wait until everything appended so far has been write()n to the OS. */
NX_API int nx_journal_flush(nx_journal_t *j);
/* Wait until everything appended so far is write()n and fdatasync()ed,
 * whatever the policy. durable_seq == last_seq afterwards. */
NX_API int nx_journal_sync(nx_journal_t *j);
/* The sticky error (0 if none) — its message is in the journal, copied into
 * this thread's error detail when non-zero. */
NX_API int nx_journal_error(nx_journal_t *j);
/* What open recovered. */
NX_API void nx_journal_recovery(const nx_journal_t *j, nx_journal_recovery_t *out);

/*
 * Write out everything, fdatasync unless the policy is NONE, stop the writer
 * thread, release everything. Returns the sticky error if one happened (the
 * handle is freed anyway). NULL is a no-op.
 */
NX_API int nx_journal_close(nx_journal_t *j);

/* ------------------------------------------------------------------------- */
/* Reader                                                                    */
/* ------------------------------------------------------------------------- */

/* Reader flags. */
#define NX_JOURNAL_SALVAGE 0x1u /* skip corrupt regions instead of stopping */

/* One corruption found by a reader. */
typedef struct nx_journal_corruption {
    char segment[NX_JOURNAL_SEG_NAME_MAX]; /* file name inside the directory */
    uint64_t offset;                       /* byte offset in that file */
    uint64_t skipped_bytes;                /* salvage: bytes skipped from here */
    char reason[96];
} nx_journal_corruption_t;

#define NX_JOURNAL_CORRUPTIONS_MAX 32

typedef struct nx_journal_reader nx_journal_reader_t;

/*
 * Open a reader positioned at the first record with seq >= from_seq (0 or 1:
 * the beginning). Segment files are listed once, here; the segment holding
 * from_seq is found by binary search over the names, then scanned. dir is
 * copied. Segments are mmap()ed read-only one at a time; truncating a
 * segment under an open reader is not supported (SIGBUS): the writer only
 * truncates during open-recovery, which a caller must not run concurrently
 * with readers of the same journal.
 * Errors: NX_ENOTFOUND (no such directory), NX_EIO, NX_ENOMEM, NX_EINVAL.
 */
NX_API int nx_journal_reader_open(const char *dir, uint64_t from_seq, unsigned flags,
                                  nx_journal_reader_t **out);

/*
 * Next event, in seq order. On 0, *ev points at the event inside the mapped
 * file (zero-copy, 8-byte aligned, h.size bytes, CRC and nx_event_check()
 * verified); it is borrowed until the next call or close.
 * Returns:
 *   0             an event
 *   NX_EEND       no more events (also on every call after ETORN/ECORRUPT)
 *   NX_ETORN      the last segment ends in a torn tail (normal after a crash;
 *                 informational, returned once, then NX_EEND); where it is:
 *                 nx_journal_reader_info()
 *   NX_ECORRUPT   corruption in the middle (a bad record with valid data
 *                 after it, a bad non-last segment or segment header, a seq
 *                 that does not increase); the error detail says
 *                 "file:offset: reason". Sticky. With NX_JOURNAL_SALVAGE the
 *                 reader instead skips to the next valid record and counts
 *                 the corruption in its info.
 */
NX_API int nx_journal_reader_next(nx_journal_reader_t *r, const nx_event_hdr_t **ev);

typedef struct nx_journal_reader_info {
    char segment[NX_JOURNAL_SEG_NAME_MAX]; /* current segment file ("" before/after) */
    uint64_t offset;                       /* offset of the next record in it */
    uint64_t segments;                     /* segment files listed at open */
    uint64_t events;                       /* events returned so far */
    uint64_t corruptions;                  /* corrupt regions met (salvage counts all) */
    uint64_t skipped_bytes;                /* bytes skipped by salvage */
    int torn;                              /* 1 if a torn tail was met */
    char torn_segment[NX_JOURNAL_SEG_NAME_MAX];
    uint64_t torn_offset;
    uint64_t torn_bytes;
    /* The first NX_JOURNAL_CORRUPTIONS_MAX corruptions, in file order. */
    nx_journal_corruption_t corrupt[NX_JOURNAL_CORRUPTIONS_MAX];
} nx_journal_reader_info_t;

NX_API void nx_journal_reader_info(const nx_journal_reader_t *r, nx_journal_reader_info_t *out);
/* Unmap and free. NULL is a no-op. */
NX_API void nx_journal_reader_close(nx_journal_reader_t *r);

/* ------------------------------------------------------------------------- */
/* Verify                                                                    */
/* ------------------------------------------------------------------------- */

#define NX_JOURNAL_TYPES_MAX 64

typedef struct nx_journal_stats {
    uint64_t segments;
    uint64_t events;
    uint64_t record_bytes;   /* bytes of valid records incl. frames */
    uint64_t file_bytes;     /* sum of segment file sizes */
    uint64_t first_seq, last_seq;     /* 0 if no events */
    int64_t first_ts, last_ts;        /* h.ts_recv of the first / last event */
    int64_t min_ts, max_ts;           /* smallest / largest h.ts_recv */
    /* Per event type, in order of first appearance; types beyond
     * NX_JOURNAL_TYPES_MAX distinct ones are counted in other_type_events. */
    size_t ntypes;
    struct {
        uint16_t type;
        uint64_t count;
    } types[NX_JOURNAL_TYPES_MAX];
    uint64_t other_type_events;
    /* Torn tail at the end of the last segment (normal after a crash). */
    int torn;
    char torn_segment[NX_JOURNAL_SEG_NAME_MAX];
    uint64_t torn_offset;
    uint64_t torn_bytes;
    /* Corruptions (without salvage verification stops at the first one). */
    uint64_t corruptions;
    uint64_t skipped_bytes;
    size_t ncorrupt; /* entries filled in corrupt[] (<= NX_JOURNAL_CORRUPTIONS_MAX) */
    nx_journal_corruption_t corrupt[NX_JOURNAL_CORRUPTIONS_MAX];
} nx_journal_stats_t;

/*
 * Read the whole journal and fill *out (written on every return except
 * NX_ENOTFOUND/NX_EIO/NX_ENOMEM/NX_EINVAL). Returns 0 if it is a valid journal
 * (a torn tail is valid: out->torn says so), NX_ECORRUPT if any corruption
 * was found (flags NX_JOURNAL_SALVAGE: keep going to find them all).
 */
NX_API int nx_journal_verify(const char *dir, unsigned flags, nx_journal_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_JOURNAL_H */
