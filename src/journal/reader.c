/*
 * Journal reader and verify. Segments are listed once at open, found by
 * binary search over their names (= first seq), mmap()ed read-only one at a
 * time and scanned record by record; events are returned in place.
 *
 * A bad record is classified by looking past it: if no valid record (length
 * sane, CRC good, event well-formed, seq increasing) follows anywhere in the
 * rest of the LAST segment, it is a torn tail (NX_ETORN, normal after a
 * crash). Anything else — valid data after the bad bytes, a bad record in a
 * non-last segment, a bad header — is corruption: NX_ECORRUPT with
 * "dir/file:offset: reason", or, with NX_JOURNAL_SALVAGE, a skip to the next
 * valid record on an 8-byte boundary, counted in the reader's info.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/journal_int.h"

struct nx_journal_reader {
    uint64_t *segs;
    size_t nseg;
    size_t cur;           /* index of the mapped (or next) segment */
    const unsigned char *base;
    size_t size;          /* bytes mapped (file size at map time) */
    size_t off;           /* next record */
    uint64_t want_seq;    /* first record of the segment must have this seq; 0 = any */
    uint64_t prev_seq;
    uint64_t from_seq;
    unsigned flags;
    int mapped;
    int ended;
    int dirfd;
    nx_journal_reader_info_t info;
    char dir[];
};

static void nx__unmap(nx_journal_reader_t *r) {
    if (r->base && r->size) munmap((void *)r->base, r->size);
    r->base = NULL;
    r->size = 0;
    r->mapped = 0;
}

/* Record a corruption at the current segment; returns NX_ECORRUPT unless salvaging (0). */
static int nx__corrupt(nx_journal_reader_t *r, uint64_t off, uint64_t skipped, const char *why) {
    nx_journal_reader_info_t *in = &r->info;
    if (in->corruptions < NX_JOURNAL_CORRUPTIONS_MAX) {
        nx_journal_corruption_t *c = &in->corrupt[in->corruptions];
        memcpy(c->segment, in->segment, sizeof c->segment);
        c->offset = off;
        c->skipped_bytes = skipped;
        snprintf(c->reason, sizeof c->reason, "%s", why);
    }
    in->corruptions++;
    if (r->flags & NX_JOURNAL_SALVAGE) {
        in->skipped_bytes += skipped;
        return 0;
    }
    r->ended = 1;
    nx__unmap(r);
    return NX_ERR(NX_ECORRUPT, "%s/%s:%llu: %s", r->dir, in->segment, (unsigned long long)off, why);
}

/*
 * Map segment r->cur. Returns 0 (mapped, or skipped by salvage), NX_ETORN
 * (the last segment is a torn creation), NX_ECORRUPT, NX_EIO.
 */
static int nx__map(nx_journal_reader_t *r) {
    uint64_t first = r->segs[r->cur];
    int last = r->cur + 1 == r->nseg;
    nx__seg_name(first, r->info.segment);
    r->off = 0;
    int fd = openat(r->dirfd, r->info.segment, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NX_ERR(NX_EIO, "%s/%s: open: %s", r->dir, r->info.segment, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return NX_ERR(NX_EIO, "%s/%s: stat: %s", r->dir, r->info.segment, strerror(e));
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *base = NULL;
    if (size > 0) {
        void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            return NX_ERR(NX_EIO, "%s/%s: mmap: %s", r->dir, r->info.segment, strerror(e));
        }
        madvise(m, size, MADV_SEQUENTIAL);
        base = m;
    }
    close(fd);
    r->base = base;
    r->size = size;
    r->mapped = 1; /* prev_seq carries over: seqs increase journal-wide */

    size_t hn = size < NX_JOURNAL_SEG_HDR_SIZE ? size : NX_JOURNAL_SEG_HDR_SIZE;
    static const unsigned char zero[NX_JOURNAL_SEG_HDR_SIZE];
    if (last && nx__seg_hdr_torn(base ? base : zero, hn) &&
        (size <= NX_JOURNAL_SEG_HDR_SIZE ||
         nx__rec_resync(base, size, NX_JOURNAL_SEG_HDR_SIZE, r->prev_seq) == size)) {
        /* Interrupted creation of the newest segment: a torn tail. (A zero
     * header with valid records behind it is corruption, below.) */
        r->info.torn = 1;
        memcpy(r->info.torn_segment, r->info.segment, sizeof r->info.torn_segment);
        r->info.torn_offset = 0;
        r->info.torn_bytes = size;
        r->ended = 1;
        nx__unmap(r);
        return NX_ERR(NX_ETORN, "%s/%s:0: segment creation interrupted (torn)", r->dir,
                      r->info.torn_segment);
    }
    nx_journal_seg_hdr_t h;
    const char *why = "";
    int rc = nx__seg_hdr_check(base ? base : zero, hn, first, &h, &why);
    if (rc < 0) {
        /* Salvage: the records may be intact; resync from just after the header. */
        size_t next = size > NX_JOURNAL_SEG_HDR_SIZE
                          ? nx__rec_resync(base, size, NX_JOURNAL_SEG_HDR_SIZE, r->prev_seq)
                          : size;
        if ((rc = nx__corrupt(r, 0, next, why)) < 0) return rc;
        r->off = next;
        r->want_seq = 0;
        return 0;
    }
    r->off = NX_JOURNAL_SEG_HDR_SIZE;
    r->want_seq = first;
    return 0;
}

int nx_journal_reader_open(const char *dir, uint64_t from_seq, unsigned flags,
                           nx_journal_reader_t **out) {
    if (!dir || !*dir || !out) return NX_ERR(NX_EINVAL, "journal reader: no directory given");
    if (flags & ~NX_JOURNAL_SALVAGE) return NX_ERR(NX_EINVAL, "journal reader: unknown flags");
    size_t dlen = strlen(dir);
    nx_journal_reader_t *r = nx_calloc(1, sizeof *r + dlen + 1);
    if (!r) return NX_ERR(NX_ENOMEM, "journal reader %s", dir);
    memcpy(r->dir, dir, dlen + 1);
    r->flags = flags;
    r->from_seq = from_seq;
    r->dirfd = -1;
    int rc = nx__seg_list(dir, &r->segs, &r->nseg);
    if (rc < 0) {
        nx_free(r);
        return rc;
    }
    r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dirfd < 0) {
        rc = NX_ERR(NX_EIO, "journal %s: open: %s", dir, strerror(errno));
        nx_free(r->segs);
        nx_free(r);
        return rc;
    }
    /* Binary search: the last segment whose first seq <= from_seq. */
    size_t lo = 0, hi = r->nseg;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->segs[mid] <= from_seq) lo = mid;
        else hi = mid;
    }
    r->cur = lo;
    r->info.segments = r->nseg;
    *out = r;
    return 0;
}

int nx_journal_reader_next(nx_journal_reader_t *r, const nx_event_hdr_t **ev) {
    if (r->ended) return NX_EEND;
    for (;;) {
        if (!r->mapped) {
            if (r->cur >= r->nseg) {
                r->ended = 1;
                r->info.segment[0] = '\0';
                return NX_EEND;
            }
            int rc = nx__map(r);
            if (rc < 0) {
                r->ended = 1;
                return rc;
            }
        }
        const unsigned char *base = r->base;
        size_t size = r->size, off = r->off;
        if (off >= size) {
            /* End of this segment: on to the next. */
            nx__unmap(r);
            r->cur++;
            continue;
        }
        const char *why = "";
        size_t fl = nx__rec_check(base, size, off, r->prev_seq, r->want_seq, &why);
        if (NX_LIKELY(fl)) {
            const nx_event_hdr_t *h = (const nx_event_hdr_t *)(const void *)(base + off +
                                                                           NX_JOURNAL_REC_HDR_SIZE);
            r->off = off + fl;
            r->prev_seq = h->seq;
            r->want_seq = 0;
            if (h->seq < r->from_seq) continue;
            r->info.events++;
            *ev = h;
            return 0;
        }
        /* A bad record: torn tail or corruption? Look for valid data after it. */
        size_t next = nx__rec_resync(base, size, off + 8, r->prev_seq);
        int last = r->cur + 1 == r->nseg;
        if (last && next >= size) {
            r->info.torn = 1;
            memcpy(r->info.torn_segment, r->info.segment, sizeof r->info.torn_segment);
            r->info.torn_offset = off;
            r->info.torn_bytes = size - off;
            r->info.offset = off;
            r->ended = 1;
            nx__unmap(r);
            return NX_ERR(NX_ETORN, "%s/%s:%zu: torn tail of %zu bytes (%s)", r->dir,
                          r->info.torn_segment, off, size - off, why);
        }
        char reason[96];
        snprintf(reason, sizeof reason, "%s%s", why,
                 next >= size ? " (at the end of a segment that is not the last)" : "");
        int rc = nx__corrupt(r, off, next - off, reason);
        if (rc < 0) return rc;
        r->off = next;
        r->want_seq = 0;
    }
}

void nx_journal_reader_info(const nx_journal_reader_t *r, nx_journal_reader_info_t *out) {
    *out = r->info;
    if (r->mapped) out->offset = r->off;
}

void nx_journal_reader_close(nx_journal_reader_t *r) {
    if (!r) return;
    nx__unmap(r);
    if (r->dirfd >= 0) close(r->dirfd);
    nx_free(r->segs);
    nx_free(r);
}

/* ------------------------------------------------------------------------- */
/* Verify                                                                    */
/* ------------------------------------------------------------------------- */

static void nx__count_type(nx_journal_stats_t *s, uint16_t type) {
    for (size_t i = 0; i < s->ntypes; i++) {
        if (s->types[i].type == type) {
            s->types[i].count++;
            return;
        }
    }
    if (s->ntypes < NX_JOURNAL_TYPES_MAX) {
        s->types[s->ntypes].type = type;
        s->types[s->ntypes].count = 1;
        s->ntypes++;
    } else {
        s->other_type_events++;
    }
}

int nx_journal_verify(const char *dir, unsigned flags, nx_journal_stats_t *out) {
    nx_journal_reader_t *r;
    int rc = nx_journal_reader_open(dir, 0, flags, &r);
    if (rc < 0) return rc;
    memset(out, 0, sizeof *out);
    const nx_event_hdr_t *h;
    while ((rc = nx_journal_reader_next(r, &h)) == 0) {
        if (out->events == 0) {
            out->first_seq = h->seq;
            out->first_ts = out->min_ts = out->max_ts = h->ts_recv;
        }
        out->events++;
        out->last_seq = h->seq;
        out->last_ts = h->ts_recv;
        if (h->ts_recv < out->min_ts) out->min_ts = h->ts_recv;
        if (h->ts_recv > out->max_ts) out->max_ts = h->ts_recv;
        out->record_bytes += nx__rec_frame(h->size);
        nx__count_type(out, h->type);
    }
    /* Sizes of the segments not mapped (after a stop) for the byte total. */
    uint64_t file_bytes = 0;
    for (size_t i = 0; i < r->nseg; i++) {
        char name[NX_JOURNAL_SEG_NAME_MAX];
        struct stat st;
        nx__seg_name(r->segs[i], name);
        if (fstatat(r->dirfd, name, &st, 0) == 0) file_bytes += (uint64_t)st.st_size;
    }
    out->file_bytes = file_bytes;
    out->segments = r->nseg;
    const nx_journal_reader_info_t *in = &r->info;
    out->torn = in->torn;
    memcpy(out->torn_segment, in->torn_segment, sizeof out->torn_segment);
    out->torn_offset = in->torn_offset;
    out->torn_bytes = in->torn_bytes;
    out->corruptions = in->corruptions;
    out->skipped_bytes = in->skipped_bytes;
    out->ncorrupt = in->corruptions < NX_JOURNAL_CORRUPTIONS_MAX ? (size_t)in->corruptions
                                                                  : NX_JOURNAL_CORRUPTIONS_MAX;
    memcpy(out->corrupt, in->corrupt, sizeof out->corrupt);
    nx_journal_reader_close(r);
    if (rc == NX_EEND || rc == NX_ETORN) return out->corruptions ? NX_ECORRUPT : 0;
    return rc; /* NX_ECORRUPT (detail set) or an I/O error */
}
