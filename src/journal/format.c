/*
 * Journal format helpers: segment names and headers, the record check,
 * resynchronisation after a bad record, segment listing, and the I/O
 * wrappers with fault injection for tests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal/journal_int.h"
#include "nexus/time.h"

void nx__seg_name(uint64_t first_seq, char *buf) {
    /* 20 digits: UINT64_MAX has 20, so every seq fits and sorts lexically. */
    char *p = buf + 20;
    memcpy(p, NX_JOURNAL_SEG_SUFFIX, sizeof NX_JOURNAL_SEG_SUFFIX);
    for (int i = 0; i < 20; i++) {
        *--p = (char)('0' + (first_seq % 10u));
        first_seq /= 10u;
    }
}

int nx__seg_parse_name(const char *name, uint64_t *seq) {
    uint64_t v = 0;
    for (int i = 0; i < 20; i++) {
        unsigned d = (unsigned)(unsigned char)name[i] - '0';
        if (d > 9) return -1;
        if (v > (UINT64_MAX - d) / 10u) return -1;
        v = v * 10u + d;
    }
    if (strcmp(name + 20, NX_JOURNAL_SEG_SUFFIX) != 0) return -1;
    *seq = v;
    return 0;
}

void nx__seg_hdr_make(nx_journal_seg_hdr_t *h, uint64_t segment_no, uint64_t first_seq,
                      int64_t first_ts) {
    memset(h, 0, sizeof *h);
    memcpy(h->magic, NX_JOURNAL_MAGIC, 8);
    h->version = NX_JOURNAL_FORMAT_VERSION;
    h->hdr_size = NX_JOURNAL_SEG_HDR_SIZE;
    h->segment_no = segment_no;
    h->first_seq = first_seq;
    h->first_ts = first_ts;
    h->crc = nx_crc32c(0, h, offsetof(nx_journal_seg_hdr_t, crc));
}

int nx__seg_hdr_torn(const unsigned char *bytes, size_t len) {
    if (len < NX_JOURNAL_SEG_HDR_SIZE) return 1;
    for (size_t i = 0; i < NX_JOURNAL_SEG_HDR_SIZE; i++)
        if (bytes[i]) return 0;
    return 1;
}

int nx__seg_hdr_check(const void *bytes, size_t len, uint64_t name_seq, nx_journal_seg_hdr_t *out,
                      const char **why) {
    nx_journal_seg_hdr_t h;
    if (len < sizeof h) {
        *why = "segment shorter than its header";
        return NX_ECORRUPT;
    }
    memcpy(&h, bytes, sizeof h);
    if (memcmp(h.magic, NX_JOURNAL_MAGIC, 8) != 0) {
        *why = "bad segment magic (not a journal segment)";
        return NX_ECORRUPT;
    }
    if (h.crc != nx_crc32c(0, &h, offsetof(nx_journal_seg_hdr_t, crc))) {
        *why = "segment header checksum mismatch";
        return NX_ECORRUPT;
    }
    if (h.version != NX_JOURNAL_FORMAT_VERSION) {
        *why = "unsupported journal format version";
        return NX_EVERSION;
    }
    if (h.hdr_size != NX_JOURNAL_SEG_HDR_SIZE || h.flags != 0) {
        *why = "unsupported segment header size or flags";
        return NX_EVERSION;
    }
    if (h.first_seq != name_seq || h.first_seq == 0) {
        *why = "segment header first_seq does not match the file name";
        return NX_ECORRUPT;
    }
    *out = h;
    return 0;
}

size_t nx__rec_check(const unsigned char *base, size_t size, size_t off, uint64_t prev_seq,
                     uint64_t want_seq, const char **why) {
    if (size - off < NX_JOURNAL_REC_HDR_SIZE) {
        *why = "truncated record header";
        return 0;
    }
    nx_journal_rec_hdr_t rh;
    memcpy(&rh, base + off, sizeof rh);
    if (rh.length < sizeof(nx_event_hdr_t) || rh.length > NX_EVENT_MAX) {
        *why = rh.length == 0 && rh.crc == 0 ? "zero-filled record" : "bad record length";
        return 0;
    }
    size_t frame = (size_t)nx__rec_frame(rh.length);
    if (size - off < frame) {
        *why = "truncated record";
        return 0;
    }
    const unsigned char *ev = base + off + NX_JOURNAL_REC_HDR_SIZE;
    if (NX_UNLIKELY(nx__rec_crc(rh.length, ev) != rh.crc)) {
        *why = "record checksum mismatch";
        return 0;
    }
    if (NX_UNLIKELY(nx_event_check(ev, rh.length) < 0)) {
        *why = "record is not a well-formed event";
        return 0;
    }
    uint64_t seq;
    memcpy(&seq, ev + offsetof(nx_event_hdr_t, seq), sizeof seq);
    if (NX_UNLIKELY(seq <= prev_seq)) {
        *why = "sequence number does not increase";
        return 0;
    }
    if (NX_UNLIKELY(want_seq && seq != want_seq)) {
        *why = "first record's seq differs from the segment's first_seq";
        return 0;
    }
    return frame;
}

size_t nx__rec_resync(const unsigned char *base, size_t size, size_t from, uint64_t prev_seq) {
    const char *why;
    size_t off = (from + 7u) & ~(size_t)7u;
    for (; off < size && size - off >= NX_JOURNAL_REC_HDR_SIZE + sizeof(nx_event_hdr_t);
         off += 8) {
        uint32_t len;
        memcpy(&len, base + off, 4);
        /* Cheap filter before the CRC: a plausible, in-bounds length. */
        if (len < sizeof(nx_event_hdr_t) || len > NX_EVENT_MAX || (len & 7u)) continue;
        if (nx__rec_check(base, size, off, prev_seq, 0, &why)) return off;
    }
    return size;
}

static int nx__u64_cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int nx__seg_list(const char *dir, uint64_t **segs, size_t *n) {
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return NX_ERR(NX_ENOTFOUND, "journal %s: %s", dir, strerror(errno));
        return NX_ERR(NX_EIO, "journal %s: opendir: %s", dir, strerror(errno));
    }
    uint64_t *v = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        uint64_t seq;
        if (nx__seg_parse_name(e->d_name, &seq) < 0) continue;
        if (len == cap) {
            if (cap >= NX__SEGMENTS_MAX) {
                rc = NX_ERR(NX_ELIMIT, "journal %s: more than %u segments", dir, NX__SEGMENTS_MAX);
                break;
            }
            size_t ncap = cap ? cap * 2 : 16;
            uint64_t *nv = nx_realloc(v, ncap * sizeof *v);
            if (!nv) {
                rc = NX_ERR(NX_ENOMEM, "journal %s: segment list", dir);
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[len++] = seq;
    }
    if (rc == 0 && errno != 0) rc = NX_ERR(NX_EIO, "journal %s: readdir: %s", dir, strerror(errno));
    closedir(d);
    if (rc < 0) {
        nx_free(v);
        return rc;
    }
    if (len > 1) qsort(v, len, sizeof *v, nx__u64_cmp);
    *segs = v;
    *n = len;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* I/O with fault injection                                                  */
/* ------------------------------------------------------------------------- */

static _Atomic int nx__fault_what;
static _Atomic uint64_t nx__fault_countdown;
static _Atomic int nx__fault_err;

void nx__journal_fault(int what, uint64_t nth, int err) {
    atomic_store(&nx__fault_what, NX__JFAULT_OFF);
    atomic_store(&nx__fault_countdown, nth);
    atomic_store(&nx__fault_err, err);
    atomic_store(&nx__fault_what, what);
}

/* True if the armed fault `what` fires on this call. */
static int nx__fault_fires(int what) {
    if (NX_LIKELY(atomic_load_explicit(&nx__fault_what, memory_order_relaxed) != what)) return 0;
    uint64_t left = atomic_load(&nx__fault_countdown);
    if (what == NX__JFAULT_SHORT) {
        if (left > 1) {
            atomic_store(&nx__fault_countdown, left - 1);
            return 0;
        }
        return 1; /* sticky from the nth call on */
    }
    if (left > 1) {
        atomic_store(&nx__fault_countdown, left - 1);
        return 0;
    }
    atomic_store(&nx__fault_what, NX__JFAULT_OFF); /* one shot */
    return 1;
}

int nx__write_all(int fd, const void *buf, size_t len) {
    const unsigned char *p = buf;
    while (len > 0) {
        size_t want = len;
        if (nx__fault_fires(NX__JFAULT_WRITE)) return -atomic_load(&nx__fault_err);
        if (nx__fault_fires(NX__JFAULT_SHORT) && want > 1) want /= 2;
        ssize_t w = write(fd, p, want);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (w == 0) return -EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int nx__datasync(int fd) {
    if (nx__fault_fires(NX__JFAULT_FSYNC)) return -atomic_load(&nx__fault_err);
    while (fdatasync(fd) < 0) {
        if (errno != EINTR) return -errno;
    }
    return 0;
}
