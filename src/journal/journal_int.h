/*
 * src/journal/journal_int.h — internals shared by the journal's writer,
 * recovery, reader and verify (and its tests): segment header coding, the
 * record check, resynchronisation, segment listing, I/O wrappers with fault
 * injection. The on-disk format is drawn in include/nexus/journal.h.
 */
#ifndef NX_JOURNAL_INT_H
#define NX_JOURNAL_INT_H

#include <string.h>
#include <sys/types.h>

#include "nexus/journal.h"

_Static_assert(sizeof(nx_journal_seg_hdr_t) == NX_JOURNAL_SEG_HDR_SIZE, "segment header is 64 bytes");
_Static_assert(sizeof(nx_journal_rec_hdr_t) == NX_JOURNAL_REC_HDR_SIZE, "record header is 8 bytes");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the journal format is little-endian");

/* Frame size of a record carrying len event bytes. */
static inline uint64_t nx__rec_frame(uint64_t len) {
    return NX_JOURNAL_REC_HDR_SIZE + ((len + 7u) & ~(uint64_t)7u);
}

/* CRC of a record: over the 4 length bytes (little-endian), then the event. */
static inline uint32_t nx__rec_crc(uint32_t len, const void *ev) {
    return nx_crc32c(nx_crc32c(0, &len, 4), ev, len);
}

/* "<first_seq, 20 digits>.nxj" into buf (NX_JOURNAL_SEG_NAME_MAX bytes). */
void nx__seg_name(uint64_t first_seq, char *buf);
/* Parse a segment file name; 0 and *seq on success, -1 if not one of ours. */
int nx__seg_parse_name(const char *name, uint64_t *seq);

/* Build a header for a new segment. */
void nx__seg_hdr_make(nx_journal_seg_hdr_t *h, uint64_t segment_no, uint64_t first_seq,
                      int64_t first_ts);
/*
 * Check a header read from the file named for name_seq. Returns 0, or
 * NX_ECORRUPT / NX_EVERSION with *why set to a static reason.
 */
int nx__seg_hdr_check(const void *bytes, size_t len, uint64_t name_seq, nx_journal_seg_hdr_t *out,
                      const char **why);
/* True if the header bytes look like an interrupted creation: fewer than
 * 64 bytes, or all zero. Only acceptable for the last segment. */
int nx__seg_hdr_torn(const unsigned char *bytes, size_t len);

/*
 * Check the record at base[off..size): returns its frame length (> 0) if it
 * is valid with seq > prev_seq (and seq == want_seq when want_seq != 0),
 * else 0 and *why. off must be 8-aligned.
 */
size_t nx__rec_check(const unsigned char *base, size_t size, size_t off, uint64_t prev_seq,
                     uint64_t want_seq, const char **why);
/*
 * First offset >= from (rounded up to 8) holding a valid record with
 * seq > prev_seq; size if there is none.
 */
size_t nx__rec_resync(const unsigned char *base, size_t size, size_t from, uint64_t prev_seq);

/*
 * Segment files in dir (by first seq, ascending) into a new nx_malloc'ed array.
 * Returns 0 (also for an empty directory: *segs NULL, *n 0), NX_ENOTFOUND if
 * dir does not exist, NX_EIO, NX_ENOMEM, NX_ELIMIT (more than
 * NX__SEGMENTS_MAX).
 */
#define NX__SEGMENTS_MAX (1u << 24)
int nx__seg_list(const char *dir, uint64_t **segs, size_t *n);

/* ------------------------------------------------------------------------- */
/* I/O wrappers (the journal's only write/fsync calls) and fault injection.  */
/* ------------------------------------------------------------------------- */

enum {
    NX__JFAULT_OFF = 0,
    NX__JFAULT_WRITE = 1, /* the nth write() fails with errno err */
    NX__JFAULT_FSYNC = 2, /* the nth fdatasync() fails with errno err */
    NX__JFAULT_SHORT = 3  /* from the nth write() on, each writes at most half */
};
/* Test hook, global: arm fault `what` for the nth call from now (1 = next). */
void nx__journal_fault(int what, uint64_t nth, int err);

/* write() all of buf, retrying EINTR and short writes. 0 or -errno. */
int nx__write_all(int fd, const void *buf, size_t len);
/* fdatasync() with fault injection. 0 or -errno. */
int nx__datasync(int fd);

#endif
