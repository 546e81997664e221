/*
 * Journal writer: open (with recovery), append into an in-memory ring, and a
 * writer thread that write()s and fdatasync()s according to the durability
 * policy.
 *
 * The ring is a single-producer single-consumer byte stream. Positions are
 * 64-bit byte counts that only grow; the slot is pos & mask.
 *
 *   appender (kernel thread)                 writer thread
 *   ------------------------                 -------------
 *   frame + copy record at head              s = pub_seq   (acquire)
 *   pub_head = head      (release)           h = pub_head  (acquire)
 *   pub_seq  = seq       (release)           write [tail, h), tail = h (release)
 *   every kick_bytes: wake the writer        fdatasync per policy
 *                                            written_seq / durable_seq = s
 *
 * Reading pub_seq before pub_head means every record with seq <= s lies
 * before h, so the seq the writer reports never runs ahead of the bytes it
 * wrote (it may lag by a record; the next round catches up). On x86 the two
 * release stores are plain moves: the append path has no locked instruction,
 * no syscall and no allocation. The appender looks at the writer's tail only
 * when its cached copy says the ring is full.
 *
 * Segment roll-over is decided by the appender (it knows the seq that starts
 * the new segment) and handed to the writer as a marker (stream position,
 * first seq, segment number) in a small SPSC queue; the writer closes the old
 * file at that position (fdatasync first unless the policy is NONE, so a
 * non-last segment is always complete on disk) and creates the new one.
 *
 * Write and fsync errors are sticky: the writer records the first one and
 * stops doing I/O; every later append, flush, sync and close returns it.
 * After a failed fdatasync nothing is retried (the page cache state is
 * unknown, see PostgreSQL's "fsyncgate"); the journal must be reopened, and
 * recovery then keeps only what is really on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal/journal_int.h"
#include "nexus/time.h"

#define NX__ROLLS 64u /* pending segment roll-overs (power of two) */

typedef struct nx__roll {
    uint64_t pos;       /* stream position where the new segment starts */
    uint64_t first_seq; /* seq of its first record */
    int64_t first_ts;   /* ts_recv of its first record */
    uint64_t seg_no;
} nx__roll_t;

struct nx_journal {
    /* ---- appender state (the appending thread only) ---- */
    unsigned char *ring;
    uint64_t cap, mask;
    uint64_t head;       /* bytes framed into the ring */
    uint64_t tail_cache; /* last tail seen */
    uint64_t kick_pos;   /* head when the writer was last woken */
    uint64_t kick_bytes;
    uint64_t last_seq;
    uint64_t seg_bytes; /* size the current segment will reach, incl. header */
    uint64_t seg_limit;
    uint64_t next_seg_no;
    uint64_t roll_head_local;
    int have_seg;
    int policy;
    unsigned flags;
    int64_t interval_ns;

    /* ---- published by the appender ---- */
    _Alignas(NX_CACHELINE) _Atomic uint64_t pub_head;
    _Atomic uint64_t pub_seq;
    _Atomic uint64_t roll_head;
    _Atomic uint64_t last_seq_pub; /* for nx_journal_last_seq() from other threads */

    /* ---- published by the writer thread ---- */
    _Alignas(NX_CACHELINE) _Atomic uint64_t tail;
    _Atomic uint64_t roll_tail;
    _Atomic uint64_t written_seq;
    _Atomic uint64_t durable_seq;
    _Atomic int err; /* sticky NX_E* code, 0 = healthy */

    _Alignas(NX_CACHELINE) nx__roll_t rolls[NX__ROLLS];

    /* ---- handshake (under mu) ---- */
    pthread_mutex_t mu;
    pthread_cond_t wake; /* writer waits for work */
    pthread_cond_t done; /* appender waits for progress */
    int kick, stop, sync_req;

    /* ---- writer thread state ---- */
    pthread_t thr;
    int thr_started;
    int fd;      /* current segment, -1 before the first */
    int dirfd;
    int lockfd;
    uint64_t wtail;
    uint64_t file_off;
    uint64_t unsynced_seq; /* highest seq written but not yet fdatasync()ed */
    int64_t last_sync;
    char seg_name[NX_JOURNAL_SEG_NAME_MAX];
    char err_msg[512]; /* written once before err is set (release) */

    nx_journal_recovery_t rec;
    char dir[];
};

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

void nx_journal_options_default(nx_journal_options_t *o) {
    memset(o, 0, sizeof *o);
    o->durability = NX_JOURNAL_FSYNC_INTERVAL;
    o->fsync_interval_ms = NX_JOURNAL_INTERVAL_DEFAULT_MS;
    o->segment_size = NX_JOURNAL_SEGMENT_DEFAULT;
    o->buffer_size = NX_JOURNAL_BUFFER_DEFAULT;
}

static int nx__options(const nx_journal_options_t *in, nx_journal_options_t *o) {
    nx_journal_options_default(o);
    if (!in) return 0;
    if (in->durability != NX_JOURNAL_FSYNC_DEFAULT) {
        if (in->durability != NX_JOURNAL_FSYNC_EACH && in->durability != NX_JOURNAL_FSYNC_INTERVAL &&
            in->durability != NX_JOURNAL_FSYNC_NONE)
            return NX_ERR(NX_ECONFIG, "journal: unknown durability policy %d", (int)in->durability);
        o->durability = in->durability;
    }
    if (in->fsync_interval_ms) {
        if (in->fsync_interval_ms > 60000)
            return NX_ERR(NX_ECONFIG, "journal: fsync interval %u ms is above 60000",
                          in->fsync_interval_ms);
        o->fsync_interval_ms = in->fsync_interval_ms;
    }
    if (in->segment_size) {
        if (in->segment_size < NX_JOURNAL_SEGMENT_MIN || in->segment_size > NX_JOURNAL_SEGMENT_MAX)
            return NX_ERR(NX_ECONFIG, "journal: segment size %llu outside %u..%llu bytes",
                          (unsigned long long)in->segment_size, NX_JOURNAL_SEGMENT_MIN,
                          (unsigned long long)NX_JOURNAL_SEGMENT_MAX);
        o->segment_size = in->segment_size;
    }
    if (in->buffer_size) {
        if (in->buffer_size < NX_JOURNAL_BUFFER_MIN || in->buffer_size > NX_JOURNAL_BUFFER_MAX ||
            (in->buffer_size & (in->buffer_size - 1)))
            return NX_ERR(NX_ECONFIG,
                          "journal: buffer size %u must be a power of two in %u..%u bytes",
                          in->buffer_size, NX_JOURNAL_BUFFER_MIN, NX_JOURNAL_BUFFER_MAX);
        o->buffer_size = in->buffer_size;
    }
    if (in->flags & ~NX_JOURNAL_NONBLOCK)
        return NX_ERR(NX_ECONFIG, "journal: unknown option flags 0x%x", in->flags);
    o->flags = in->flags;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Sticky errors                                                             */
/* ------------------------------------------------------------------------- */

/* Writer side: record the first failure, wake everybody. */
static void nx__fail(nx_journal_t *j, int code, const char *what, int err) {
    if (atomic_load(&j->err)) return;
    snprintf(j->err_msg, sizeof j->err_msg, "%s %s/%s at offset %llu: %s", what, j->dir,
             j->seg_name[0] ? j->seg_name : "-", (unsigned long long)j->file_off,
             strerror(err));
    atomic_store_explicit(&j->err, code, memory_order_release);
}

static int nx__sticky(const nx_journal_t *j) {
    int code = atomic_load_explicit(&j->err, memory_order_acquire);
    return NX_ERR(code, "journal %s: failed earlier, refusing further work (sticky): %s", j->dir,
                  j->err_msg);
}

int nx_journal_error(nx_journal_t *j) {
    return atomic_load_explicit(&j->err, memory_order_acquire) ? nx__sticky(j) : 0;
}

/* ------------------------------------------------------------------------- */
/* Writer thread                                                             */
/* ------------------------------------------------------------------------- */

static int nx__fsync_dir(nx_journal_t *j) {
    int rc = nx__datasync(j->dirfd);
    /* Some file systems refuse fsync on a directory (EINVAL); nothing to do. */
    return rc == -EINVAL ? 0 : rc;
}

/* Close the current segment (complete on disk unless NONE) and start the next. */
static int nx__writer_roll(nx_journal_t *j, const nx__roll_t *r) {
    int rc;
    if (j->fd >= 0) {
        if (j->policy != NX_JOURNAL_FSYNC_NONE && (rc = nx__datasync(j->fd)) < 0) {
            nx__fail(j, NX_EIO, "fdatasync", -rc);
            return -1;
        }
        close(j->fd);
        j->fd = -1;
    }
    nx__seg_name(r->first_seq, j->seg_name);
    j->file_off = 0;
    int fd = openat(j->dirfd, j->seg_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        nx__fail(j, NX_EIO, "create segment", errno);
        return -1;
    }
    j->fd = fd;
    nx_journal_seg_hdr_t h;
    nx__seg_hdr_make(&h, r->seg_no, r->first_seq, r->first_ts);
    if ((rc = nx__write_all(fd, &h, sizeof h)) < 0) {
        nx__fail(j, NX_EIO, "write segment header", -rc);
        return -1;
    }
    j->file_off = sizeof h;
    if (j->policy != NX_JOURNAL_FSYNC_NONE) {
        if ((rc = nx__datasync(fd)) < 0 || (rc = nx__fsync_dir(j)) < 0) {
            nx__fail(j, NX_EIO, "fdatasync new segment", -rc);
            return -1;
        }
    }
    return 0;
}

/* Write everything published so far. Returns the seq now covered, or -1. */
static int nx__writer_write(nx_journal_t *j, uint64_t *covered) {
    uint64_t s = atomic_load_explicit(&j->pub_seq, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&j->pub_head, memory_order_acquire);
    uint64_t rt = atomic_load_explicit(&j->roll_tail, memory_order_relaxed);
    while (j->wtail < h) {
        uint64_t end = h;
        if (rt != atomic_load_explicit(&j->roll_head, memory_order_acquire)) {
            const nx__roll_t *r = &j->rolls[rt & (NX__ROLLS - 1)];
            if (r->pos == j->wtail) {
                if (nx__writer_roll(j, r) < 0) return -1;
                atomic_store_explicit(&j->roll_tail, ++rt, memory_order_release);
                continue;
            }
            if (r->pos < end) end = r->pos;
        }
        uint64_t at = j->wtail & j->mask;
        uint64_t n = end - j->wtail;
        if (n > j->cap - at) n = j->cap - at;
        int rc = nx__write_all(j->fd, j->ring + at, (size_t)n);
        if (rc < 0) {
            nx__fail(j, NX_EIO, "write", -rc);
            return -1;
        }
        j->wtail += n;
        j->file_off += n;
        atomic_store_explicit(&j->tail, j->wtail, memory_order_release);
    }
    *covered = s;
    return 0;
}

static void nx__deadline(struct timespec *ts, int64_t ns) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t t = (int64_t)ts->tv_nsec + ns;
    ts->tv_sec += (time_t)(t / NX_NS_PER_SEC);
    ts->tv_nsec = (long)(t % NX_NS_PER_SEC);
}

static void *nx__writer_main(void *arg) {
    nx_journal_t *j = arg;
    /* Poll period for published bytes when nobody kicks: appends do not
     * signal (that would be a syscall per event); they kick every
     * kick_bytes, and flush/sync/EACH kick explicitly. */
    const int64_t poll_ns = NX_NS_PER_MS;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        struct timespec ts;
        nx__deadline(&ts, poll_ns);
        while (!j->stop && !j->kick && !j->sync_req) {
            if (pthread_cond_timedwait(&j->wake, &j->mu, &ts) == ETIMEDOUT) break;
        }
        int stop = j->stop, sync = j->sync_req;
        j->kick = 0;
        j->sync_req = 0;
        pthread_mutex_unlock(&j->mu);

        if (!atomic_load_explicit(&j->err, memory_order_relaxed)) {
            uint64_t s;
            if (nx__writer_write(j, &s) == 0) {
                if (s > atomic_load_explicit(&j->written_seq, memory_order_relaxed)) {
                    atomic_store_explicit(&j->written_seq, s, memory_order_release);
                    j->unsynced_seq = s;
                }
                int64_t now = nx_mono_now();
                int want_sync = sync || j->policy == NX_JOURNAL_FSYNC_EACH ||
                                (j->policy == NX_JOURNAL_FSYNC_INTERVAL &&
                                 now - j->last_sync >= j->interval_ns);
                if (j->unsynced_seq && want_sync) {
                    int rc = j->fd >= 0 ? nx__datasync(j->fd) : 0;
                    if (rc < 0) {
                        nx__fail(j, NX_EIO, "fdatasync", -rc);
                    } else {
                        atomic_store_explicit(&j->durable_seq, j->unsynced_seq,
                                              memory_order_release);
                        j->unsynced_seq = 0;
                        j->last_sync = now;
                    }
                } else if (j->policy == NX_JOURNAL_FSYNC_NONE && j->unsynced_seq) {
                    /* NONE: handed to the OS is as durable as it gets. */
                    atomic_store_explicit(&j->durable_seq, j->unsynced_seq, memory_order_release);
                }
            }
        }

        pthread_mutex_lock(&j->mu);
        pthread_cond_broadcast(&j->done);
        if (stop) break;
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Appender                                                                  */
/* ------------------------------------------------------------------------- */

static void nx__publish(nx_journal_t *j) {
    atomic_store_explicit(&j->pub_head, j->head, memory_order_release);
    atomic_store_explicit(&j->pub_seq, j->last_seq, memory_order_release);
    atomic_store_explicit(&j->last_seq_pub, j->last_seq, memory_order_relaxed);
}

static void nx__kick(nx_journal_t *j, int sync) {
    pthread_mutex_lock(&j->mu);
    j->kick = 1;
    if (sync) j->sync_req = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
    j->kick_pos = j->head;
}

/*
 * Wait until *which >= target (written_seq or durable_seq), kicking the
 * writer (and asking for a sync when sync != 0) until it gets there.
 */
static int nx__wait_seq(nx_journal_t *j, _Atomic uint64_t *which, uint64_t target, int sync) {
    nx__publish(j);
    pthread_mutex_lock(&j->mu);
    while (atomic_load_explicit(which, memory_order_acquire) < target &&
           !atomic_load_explicit(&j->err, memory_order_acquire)) {
        j->kick = 1;
        if (sync) j->sync_req = 1;
        pthread_cond_signal(&j->wake);
        pthread_cond_wait(&j->done, &j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    j->kick_pos = j->head;
    if (atomic_load_explicit(&j->err, memory_order_acquire)) return nx__sticky(j);
    return 0;
}

/* Wait for `need` free bytes in the ring (or NX_EAGAIN when non-blocking). */
static int nx__wait_space(nx_journal_t *j, uint64_t need) {
    j->tail_cache = atomic_load_explicit(&j->tail, memory_order_acquire);
    if (j->head + need - j->tail_cache <= j->cap) return 0;
    if (j->flags & NX_JOURNAL_NONBLOCK) {
        nx__kick(j, 0);
        return NX_ERR(NX_EAGAIN, "journal %s: buffer of %llu bytes full", j->dir,
                      (unsigned long long)j->cap);
    }
    nx__publish(j);
    pthread_mutex_lock(&j->mu);
    for (;;) {
        j->tail_cache = atomic_load_explicit(&j->tail, memory_order_acquire);
        if (j->head + need - j->tail_cache <= j->cap) break;
        if (atomic_load_explicit(&j->err, memory_order_acquire)) break;
        j->kick = 1;
        pthread_cond_signal(&j->wake);
        pthread_cond_wait(&j->done, &j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    j->kick_pos = j->head;
    if (atomic_load_explicit(&j->err, memory_order_acquire)) return nx__sticky(j);
    return 0;
}

/* Queue a segment roll-over before the record about to be framed at head. */
static int nx__roll(nx_journal_t *j, uint64_t first_seq, int64_t first_ts) {
    while (j->roll_head_local - atomic_load_explicit(&j->roll_tail, memory_order_acquire) >=
           NX__ROLLS) {
        /* Many tiny segments in flight: let the writer catch up. */
        int rc = nx__wait_seq(j, &j->written_seq, j->last_seq, 0);
        if (rc < 0) return rc;
    }
    nx__roll_t *r = &j->rolls[j->roll_head_local & (NX__ROLLS - 1)];
    r->pos = j->head;
    r->first_seq = first_seq;
    r->first_ts = first_ts;
    r->seg_no = j->next_seg_no++;
    atomic_store_explicit(&j->roll_head, ++j->roll_head_local, memory_order_release);
    j->have_seg = 1;
    j->seg_bytes = NX_JOURNAL_SEG_HDR_SIZE;
    return 0;
}

static int nx__bad_record(const nx_journal_t *j, const void *rec, uint16_t size) {
    int rc = nx_event_check(rec, size);
    if (rc < 0) return NX_ERR_APPEND(NX_EINVAL, "journal %s: append", j->dir);
    return NX_OK;
}

/* Frame one record into the ring. No syscall, no allocation, no locked op. */
static inline int nx__append_one(nx_journal_t *j, const void *rec) {
    nx_event_hdr_t h;
    memcpy(&h, rec, sizeof h);
    uint16_t size = h.size;
    if (NX_UNLIKELY(atomic_load_explicit(&j->err, memory_order_relaxed))) return nx__sticky(j);
    if (NX_UNLIKELY(nx_event_check(rec, size) < 0)) return nx__bad_record(j, rec, size);

    nx_event_t tmp;
    uint64_t seq = h.seq;
    if (seq == 0) {
        /* The journal numbers this one: frame a copy with the seq set. */
        seq = j->last_seq + 1;
        memcpy(&tmp, rec, size);
        tmp.h.seq = seq;
        rec = &tmp;
    } else if (NX_UNLIKELY(seq <= j->last_seq)) {
        return NX_ERR(NX_EINVAL, "journal %s: seq %llu does not follow last seq %llu", j->dir,
                      (unsigned long long)seq, (unsigned long long)j->last_seq);
    }

    uint64_t need = nx__rec_frame(size);
    int rc;
    if (NX_UNLIKELY(!j->have_seg || j->seg_bytes + need > j->seg_limit)) {
        if ((rc = nx__roll(j, seq, h.ts_recv)) < 0) return rc;
    }
    if (NX_UNLIKELY(j->head + need - j->tail_cache > j->cap)) {
        if ((rc = nx__wait_space(j, need)) < 0) return rc;
    }

    nx_journal_rec_hdr_t rh = {size, nx__rec_crc(size, rec)};
    uint64_t at = j->head & j->mask;
    unsigned char *dst = j->ring + at;
    memcpy(dst, &rh, sizeof rh); /* 8-aligned, never split by the ring end */
    uint64_t room = j->cap - at - sizeof rh;
    if (NX_LIKELY(room >= size)) {
        memcpy(dst + sizeof rh, rec, size);
    } else {
        memcpy(dst + sizeof rh, rec, (size_t)room);
        memcpy(j->ring, (const unsigned char *)rec + room, (size_t)(size - room));
    }
    j->head += need;
    j->seg_bytes += need;
    j->last_seq = seq;
    return 0;
}

int nx_journal_append(nx_journal_t *j, const void *rec) {
    int rc = nx__append_one(j, rec);
    if (NX_UNLIKELY(rc < 0)) return rc;
    nx__publish(j);
    if (j->policy == NX_JOURNAL_FSYNC_EACH) return nx__wait_seq(j, &j->durable_seq, j->last_seq, 0);
    if (NX_UNLIKELY(j->head - j->kick_pos >= j->kick_bytes)) nx__kick(j, 0);
    return 0;
}

int nx_journal_append_batch(nx_journal_t *j, const void *const *recs, size_t n) {
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = nx__append_one(j, recs[i])) < 0) break;
    }
    nx__publish(j);
    if (j->policy == NX_JOURNAL_FSYNC_EACH) {
        int w = nx__wait_seq(j, &j->durable_seq, j->last_seq, 0);
        return rc < 0 ? rc : w;
    }
    if (j->head - j->kick_pos >= j->kick_bytes) nx__kick(j, 0);
    return rc;
}

uint64_t nx_journal_last_seq(const nx_journal_t *j) {
    return atomic_load_explicit(&((nx_journal_t *)j)->last_seq_pub, memory_order_relaxed);
}

uint64_t nx_journal_durable_seq(const nx_journal_t *j) {
    return atomic_load_explicit(&((nx_journal_t *)j)->durable_seq, memory_order_acquire);
}

int nx_journal_flush(nx_journal_t *j) {
    if (atomic_load_explicit(&j->err, memory_order_acquire)) return nx__sticky(j);
    return nx__wait_seq(j, &j->written_seq, j->last_seq, 0);
}

int nx_journal_sync(nx_journal_t *j) {
    if (atomic_load_explicit(&j->err, memory_order_acquire)) return nx__sticky(j);
    return nx__wait_seq(j, &j->durable_seq, j->last_seq, 1);
}

void nx_journal_recovery(const nx_journal_t *j, nx_journal_recovery_t *out) { *out = j->rec; }

/* ------------------------------------------------------------------------- */
/* Recovery                                                                  */
/* ------------------------------------------------------------------------- */

static int nx__remove_segment(nx_journal_t *j, int fd, const char *name) {
    close(fd);
    if (unlinkat(j->dirfd, name, 0) < 0)
        return NX_ERR(NX_EIO, "journal %s/%s: unlink: %s", j->dir, name, strerror(errno));
    int rc = nx__fsync_dir(j);
    if (rc < 0) return NX_ERR(NX_EIO, "journal %s: fsync: %s", j->dir, strerror(-rc));
    j->rec.removed_segments++;
    return 0;
}

/*
 * Scan the last segment: keep the valid prefix, cut a torn tail, refuse
 * corruption followed by valid records. *kept is 1 if the segment holds at
 * least one valid record (and is now the current segment).
 */
static int nx__recover_segment(nx_journal_t *j, uint64_t first_seq, int *kept) {
    char name[NX_JOURNAL_SEG_NAME_MAX];
    nx__seg_name(first_seq, name);
    *kept = 0;
    int fd = openat(j->dirfd, name, O_RDWR | O_CLOEXEC);
    if (fd < 0) return NX_ERR(NX_EIO, "journal %s/%s: open: %s", j->dir, name, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return NX_ERR(NX_EIO, "journal %s/%s: stat: %s", j->dir, name, strerror(e));
    }
    size_t size = (size_t)st.st_size;
    void *map = NULL;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            int e = errno;
            close(fd);
            return NX_ERR(NX_EIO, "journal %s/%s: mmap: %s", j->dir, name, strerror(e));
        }
    }
    static const unsigned char zero[NX_JOURNAL_SEG_HDR_SIZE];
    const unsigned char *base = map ? map : zero;
    size_t hn = size < NX_JOURNAL_SEG_HDR_SIZE ? size : NX_JOURNAL_SEG_HDR_SIZE;
    const char *why = NULL;
    if (nx__seg_hdr_torn(base, hn) &&
        (size <= NX_JOURNAL_SEG_HDR_SIZE ||
         nx__rec_resync(base, size, NX_JOURNAL_SEG_HDR_SIZE, 0) == size)) {
        /* Creation interrupted before the header reached the disk. */
        if (map) munmap(map, size);
        if (size > 0) {
            j->rec.truncated_bytes += size;
            memcpy(j->rec.torn_segment, name, sizeof name);
            j->rec.torn_offset = 0;
        }
        return nx__remove_segment(j, fd, name);
    }
    nx_journal_seg_hdr_t hdr;
    int rc = nx__seg_hdr_check(base, hn, first_seq, &hdr, &why);
    if (rc < 0) {
        if (map) munmap(map, size);
        close(fd);
        return NX_ERR(rc, "%s/%s:0: %s", j->dir, name, why);
    }

    size_t off = NX_JOURNAL_SEG_HDR_SIZE;
    uint64_t prev = 0;
    while (off < size) {
        size_t fl = nx__rec_check(base, size, off, prev, prev ? 0 : first_seq, &why);
        if (!fl) break;
        memcpy(&prev, base + off + NX_JOURNAL_REC_HDR_SIZE + offsetof(nx_event_hdr_t, seq), 8);
        off += fl;
    }
    if (off < size) {
        size_t next = nx__rec_resync(base, size, off + 8, prev);
        if (next < size) {
            munmap(map, size);
            close(fd);
            return NX_ERR(NX_ECORRUPT,
                          "%s/%s:%zu: %s, and a valid record follows at offset %zu: corruption "
                          "in the middle, not a torn tail; not truncating (see `nexus journal "
                          "verify`)",
                          j->dir, name, off, why, next);
        }
    }
    munmap(map, size);
    if (off < size) {
        /* Torn tail: cut it so appends continue right after the last record. */
        int e = ftruncate(fd, (off_t)off) < 0 ? errno : -nx__datasync(fd);
        if (e) {
            close(fd);
            return NX_ERR(NX_EIO, "journal %s/%s: truncate torn tail: %s", j->dir, name,
                          strerror(e));
        }
        j->rec.truncated_bytes += size - off;
        memcpy(j->rec.torn_segment, name, sizeof name);
        j->rec.torn_offset = off;
        nx_log(NX_LOG_WARN, "journal", 0, "%s/%s: torn tail of %zu bytes at offset %zu truncated",
               j->dir, name, size - off, off);
    }
    if (prev == 0) return nx__remove_segment(j, fd, name);
    if (lseek(fd, (off_t)off, SEEK_SET) < 0) {
        int e = errno;
        close(fd);
        return NX_ERR(NX_EIO, "journal %s/%s: seek: %s", j->dir, name, strerror(e));
    }
    j->fd = fd;
    memcpy(j->seg_name, name, sizeof name);
    j->file_off = off;
    j->last_seq = prev;
    j->have_seg = 1;
    j->seg_bytes = off;
    j->next_seg_no = hdr.segment_no + 1;
    *kept = 1;
    return 0;
}

static int nx__recover(nx_journal_t *j) {
    uint64_t *segs = NULL;
    size_t n = 0;
    int rc = nx__seg_list(j->dir, &segs, &n);
    if (rc < 0) return rc;
    int kept = 0;
    while (n > 0 && !kept) {
        if ((rc = nx__recover_segment(j, segs[n - 1], &kept)) < 0) break;
        if (!kept) n--;
    }
    nx_free(segs);
    if (rc < 0) return rc;
    j->rec.segments = n;
    j->rec.last_seq = j->last_seq;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Open / close                                                              */
/* ------------------------------------------------------------------------- */

static void nx__release(nx_journal_t *j) {
    if (j->fd >= 0) close(j->fd);
    if (j->dirfd >= 0) close(j->dirfd);
    if (j->lockfd >= 0) close(j->lockfd); /* drops the flock */
    nx_free(j->ring);
    nx_free(j);
}

int nx_journal_open(const char *dir, const nx_journal_options_t *opt, nx_journal_t **out) {
    nx_journal_options_t o;
    int rc;
    if (!dir || !*dir || !out) return NX_ERR(NX_EINVAL, "journal: no directory given");
    if ((rc = nx__options(opt, &o)) < 0) return rc;
    size_t dlen = strlen(dir);
    if (dlen > 4000) return NX_ERR(NX_EINVAL, "journal: directory name too long");

    nx_journal_t *j = nx_calloc(1, sizeof *j + dlen + 1);
    if (!j) return NX_ERR(NX_ENOMEM, "journal %s: handle", dir);
    memcpy(j->dir, dir, dlen + 1);
    j->fd = j->dirfd = j->lockfd = -1;
    j->policy = (int)o.durability;
    j->flags = o.flags;
    j->interval_ns = (int64_t)o.fsync_interval_ms * NX_NS_PER_MS;
    j->seg_limit = o.segment_size;
    j->cap = o.buffer_size;
    j->mask = j->cap - 1;
    j->kick_bytes = j->cap / 8;
    j->ring = nx_aligned_alloc(4096, (size_t)j->cap);
    if (!j->ring) {
        nx__release(j);
        return NX_ERR(NX_ENOMEM, "journal %s: %llu-byte buffer", dir, (unsigned long long)o.buffer_size);
    }

    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        rc = NX_ERR(NX_EIO, "journal %s: mkdir: %s", dir, strerror(errno));
        goto fail;
    }
    j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dirfd < 0) {
        rc = NX_ERR(NX_EIO, "journal %s: open: %s", dir, strerror(errno));
        goto fail;
    }
    j->lockfd = openat(j->dirfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (j->lockfd < 0) {
        rc = NX_ERR(NX_EIO, "journal %s/LOCK: %s", dir, strerror(errno));
        goto fail;
    }
    if (flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
        rc = errno == EWOULDBLOCK
                 ? NX_ERR(NX_EBUSY, "journal %s: another writer has it open", dir)
                 : NX_ERR(NX_EIO, "journal %s/LOCK: flock: %s", dir, strerror(errno));
        goto fail;
    }
    if ((rc = nx__recover(j)) < 0) goto fail;

    atomic_store(&j->pub_seq, j->last_seq);
    atomic_store(&j->last_seq_pub, j->last_seq);
    atomic_store(&j->written_seq, j->last_seq);
    atomic_store(&j->durable_seq, j->last_seq);
    j->last_sync = nx_mono_now();

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->wake, &ca);
    pthread_cond_init(&j->done, NULL);
    pthread_condattr_destroy(&ca);
    int e = pthread_create(&j->thr, NULL, nx__writer_main, j);
    if (e != 0) {
        rc = NX_ERR(NX_ENOMEM, "journal %s: writer thread: %s", dir, strerror(e));
        pthread_cond_destroy(&j->wake);
        pthread_cond_destroy(&j->done);
        pthread_mutex_destroy(&j->mu);
        goto fail;
    }
    j->thr_started = 1;
    *out = j;
    return 0;
fail:
    nx__release(j);
    return rc;
}

int nx_journal_close(nx_journal_t *j) {
    if (!j) return 0;
    int rc = 0;
    if (!atomic_load_explicit(&j->err, memory_order_acquire))
        rc = j->policy == NX_JOURNAL_FSYNC_NONE ? nx_journal_flush(j) : nx_journal_sync(j);
    pthread_mutex_lock(&j->mu);
    j->stop = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thr, NULL);
    if (atomic_load_explicit(&j->err, memory_order_acquire)) rc = nx__sticky(j);
    pthread_cond_destroy(&j->wake);
    pthread_cond_destroy(&j->done);
    pthread_mutex_destroy(&j->mu);
    nx__release(j);
    return rc;
}
