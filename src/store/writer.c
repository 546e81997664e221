/*
 * Store writer: buffer canonical rows under a memory ceiling, spill sorted
 * runs, and commit atomically.
 *
 *   append --> sorted fast path: rows in (ts_recv, trade id) order go
 *              straight into blocks of the final layout, written to .tmp
 *              as they fill (no buffer, no spill, no merge)
 *          --> buffer (canonical records) --full--> sort --> run file in .tmp
 *   commit: for each touched month, in order
 *       k-way merge of (existing blocks if the month is rewritten) + the
 *       fast-path blocks + runs + the sorted buffer, by (ts_recv, trade id
 *       for trades, source rank) --> dedup --> block builder
 *       --> .tmp/<file_no>.nxb (fsynced)
 *   then: pending list (txn 1) -> rename into <venue>/<symbol>/<kind>/<month>/
 *       -> fsync dirs -> catalog update (txn 2) -> delete replaced blocks
 *
 * A month whose existing rows all come before the new ones (by ts_recv, and
 * by trade id for trades kinds) is appended to: its blocks are kept and new
 * blocks follow. Any other touched month is rewritten whole: simple, and
 * correct for overlaps anywhere. A rewrite that adds no row is dropped.
 *
 * Dedup: trades rows with an id use an interval set of the ids of the month
 * (existing ids first, so stored rows win); rows without an id are compared
 * whole against the rows of the same ts_recv ("group"), existing rows first.
 *
 * The fast path. Imports are normally in order already, so a writer starts
 * in it and stays while every row keeps (ts_recv, trade id) non-decreasing,
 * non-zero trade ids strictly increasing, and each month it enters is new or
 * an append (its first row after the stored ones, its ids above the stored
 * ids: the catalog's ranges tell, nothing is re-read). Then the merge order
 * is the arrival order and no id can repeat, so each row is final when it
 * arrives: rows without an id still go through the group check, and a
 * block is encoded and written to .tmp as soon as it is full, with the file
 * number, seq and contents the merge would give. The first row that breaks
 * the rule turns the writer to the general path: the blocks written so far
 * (the partial one flushed) are renamed to .tmp/fast-<no>.nxr and become the
 * first sorted source of the merge (they arrived first, so their rank keeps
 * ties in arrival order), the file counter is rewound, and commit merges as
 * above. The rows the fast path dropped as duplicates have an equal row
 * before them in that source, so the merge would have dropped them too:
 * both paths give the same store, byte for byte (tests/test_store.c).
 *
 * On a machine with two CPUs or more, a write that fills a first block
 * starts an encoder thread (nx__pipe_t): the caller hands each full block
 * over (file number and seq taken in order first) and fills the next of
 * three buffers while the thread encodes, compresses and writes; its
 * results are taken back in order. So the files do not depend on timing
 * (the same bytes with NX_STORE_NO_THREADS). Fallback and commit wait for
 * it and stop it; every clean-up path joins it before removing files.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_int.h"

#define NX__IV_MAX ((size_t)1 << 21)    /* id intervals per month (32 MiB) */
#define NX__GROUP_MAX ((size_t)1 << 18) /* rows sharing one ts_recv without ids */
#define NX__FANIN 48u                   /* runs merged at once */

typedef struct nx__month {
    int32_t ym;
    uint64_t rows;
    int64_t min_ts, max_ts;
    uint64_t min_id, max_id;
} nx__month_t;

typedef struct nx__run {
    char path[800];
    uint64_t rows;
} nx__run_t;

/* A block written to .tmp during commit. */
typedef struct nx__newblk {
    int32_t ym;
    uint32_t seq;
    uint64_t file_no;
    uint64_t bytes;
    uint32_t crc_file;
    int renamed;
    nx__bhdr_t h;
} nx__newblk_t;

/* What a month's merge kept, and the plan totals that follow from it. */
typedef struct nx__kept {
    uint64_t rows, new_rows;
    int64_t min_ts, max_ts;
    uint64_t min_id, max_id;
} nx__kept_t;

typedef struct nx__plan {
    int32_t ym;
    int rewrite, skip;
    int64_t pid; /* existing partition id, 0 if none */
    size_t first_blk, nblk;
    uint64_t rows, bytes, blocks;
    int64_t min_ts, max_ts;
    uint64_t min_id, max_id;
    nx__kept_t kept; /* fast path: totals are made once its blocks are written */
} nx__plan_t;

/*
 * The encoder thread of the fast path: full blocks are handed over in a
 * ring of NX__PIPE_JOBS row buffers and encoded, compressed and written to
 * .tmp by one thread, in order, while the caller fills the next buffer.
 * Block numbers, seq and contents are fixed when a block is handed over, so
 * the files do not depend on timing. Counters: sub (handed over) and fin
 * (done) under mu; rec (results taken back) is the caller's alone.
 */
#define NX__PIPE_JOBS 3u

typedef struct nx__job {
    uint8_t *rows;  /* block_rows records */
    size_t n;       /* rows in this block */
    size_t blk;     /* its entry in blks (reserved by the caller) */
    uint64_t file_no;
    int rc;         /* results */
    uint64_t bytes;
    uint32_t crc_file;
    nx__bhdr_t h;
    char err[NX_ERR_DETAIL_MAX];
} nx__job_t;

typedef struct nx__pipe {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    uint64_t sub, fin, rec;
    int stop;
    const nx__kdesc_t *d; /* copies of what the thread needs: it reads no writer field */
    size_t rs;
    char tmp[720];
    nx__codec_t codec;    /* the thread's own */
    nx__job_t job[NX__PIPE_JOBS];
} nx__pipe_t;

typedef struct nx__iv {
    uint64_t lo, hi;
} nx__iv_t;

/* Merge source: the sorted buffer, a run file, or a month's existing blocks. */
typedef struct nx__src {
    int type; /* 0 buffer, 1 run file, 2 block files (a month's existing blocks, or the
                 fast-path blocks after a fallback) */
    uint32_t rank;
    const uint8_t *row; /* current row, NULL at the end */
    int64_t ts;
    uint64_t k2;
    /* buffer */
    const uint8_t *base;
    const uint32_t *idx;
    size_t pos, n;
    /* blocks */
    int fd;
    uint64_t off, size;
    char **files;
    size_t nfiles, fpos;
    uint8_t *rows;
    size_t nrows, rpos, rows_cap;
    uint8_t *fbuf;
    size_t fcap;
    int files_borrowed; /* files belong to the writer (the fast-path blocks) */
} nx__src_t;

struct nx_store_writer {
    nx_store_t *s;
    const nx__kdesc_t *d;
    char venue[NX_STORE_NAME_MAX + 1], symbol[NX_STORE_NAME_MAX + 1];
    char kind[NX_STORE_KIND_MAX + 1];
    size_t rs;
    uint8_t *buf;
    size_t nbuf, capbuf;
    nx__month_t *months;
    size_t nmonths, capmonths, last_month;
    nx__run_t *runs;
    size_t nruns, capruns;
    uint64_t run_seq;
    nx__codec_t codec;
    int failed;
    nx_store_write_stats_t st;
    char tmp[720]; /* <root>/.tmp; roots are at most 700 bytes */
    /* commit state */
    nx__newblk_t *blks;
    size_t nblks, capblks;
    nx__plan_t *plans;
    nx__iv_t *iv;
    size_t niv, capiv;
    uint8_t *grp;
    size_t ngrp, capgrp;
    int64_t grp_ts;
    uint32_t *gtab; /* (gen << 32 | idx+1) packed as two u32 per slot */
    size_t gtab_cap;
    uint32_t ggen;
    int gtab_on;
    uint8_t *out;
    size_t nout;
    size_t nplans;
    uint64_t file_no0; /* s->next_file_no at begin: restored on abort and failure */
    /* canonical form: stored bytes kept by a mask (record sizes are multiples of 8) */
    uint64_t mask[NX_EVENT_MAX / 8];
    uint8_t scratch[NX_EVENT_MAX];
    /* sorted fast path (see the top of the file) */
    int fast;            /* 1 while every row so far kept the order */
    int have_last;
    int64_t last_ts;     /* ts_recv and trade id of the last row */
    uint64_t last_k2;
    uint64_t last_id;    /* largest non-zero trade id so far */
    int fm_open;         /* a month is being filled */
    int32_t fm_ym;
    int64_t fm_end;      /* start of the next month */
    uint64_t fm_max_id;  /* stored ids of the month are <= this (0: none) */
    uint32_t fm_seq;
    uint64_t fm_rows;    /* rows kept in the month (its months[] entry has the rest) */
    char **pfiles;       /* after a fallback: the fast-path blocks, relative to the root */
    size_t npfiles;
    /* month cache of nx__month_note */
    int64_t mc_start, mc_end;
    nx__pipe_t *pipe; /* the fast path's encoder thread, when it runs (w->out is then
                         one of its buffers) */
    int pipe_tried;
};

/* ---- helpers ----------------------------------------------------------------- */

static int nx__grow(void **p, size_t *cap, size_t need, size_t elem, size_t max) {
    if (need <= *cap) return NX_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    if (n > max) n = max;
    if (need > n) return NX_ERR(NX_ELIMIT, "store: more than %zu entries", max);
    void *q = nx_realloc(*p, n * elem);
    if (!q) return NX_ERR(NX_ENOMEM, "store: %zu entries", n);
    *p = q;
    *cap = n;
    return NX_OK;
}

static void nx__blk_tmp(const nx_store_writer_t *w, uint64_t no, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%012llu.nxb", w->tmp, (unsigned long long)no);
}
static void nx__blk_rel(const nx_store_writer_t *w, int32_t ym, uint64_t no, char *buf,
                        size_t cap) {
    char m[8];
    nx__month_name(ym, m);
    snprintf(buf, cap, "%s/%s/%s/%s/%012llu.nxb", w->venue, w->symbol, w->kind, m,
             (unsigned long long)no);
}

/* ---- begin / append ------------------------------------------------------------ */

static int64_t nx__month_end(int32_t ym) {
    return ym + 1 > 9999 * 12 + 11 ? INT64_MAX : nx__month_start(ym + 1);
}

int nx_store_write_begin(nx_store_t *s, const nx_store_key_t *key, nx_store_writer_t **out) {
    char kind[NX_STORE_KIND_MAX + 1];
    int rc = nx__key_names(key, kind);
    if (rc < 0) return rc;
    if (s->o.flags & NX_STORE_RDONLY) return NX_ERR(NX_EPERM, "store %s is read-only", s->root);
    if (s->writing) return NX_ERR(NX_EBUSY, "store %s: a writer is already open", s->root);
    nx_store_writer_t *w = nx_calloc(1, sizeof *w);
    if (!w) return NX_ERR(NX_ENOMEM, "store: writer");
    w->s = s;
    w->d = nx__kdesc(key->kind);
    w->rs = w->d->size;
    snprintf(w->venue, sizeof w->venue, "%s", key->venue);
    snprintf(w->symbol, sizeof w->symbol, "%s", key->symbol);
    memcpy(w->kind, kind, sizeof w->kind);
    snprintf(w->tmp, sizeof w->tmp, "%s/.tmp", s->root);
    nx__codec_init(&w->codec, s->o.zstd_level);
    size_t cap = (size_t)(s->o.write_mem / w->rs);
    if (cap < 64) cap = 64;
    if (cap > UINT32_MAX / 2) cap = UINT32_MAX / 2;
    w->capbuf = cap;
    /* The canonical form keeps the stored bytes and zeroes the rest: the
     * stored bytes are where nx__canon of an all-ones record leaves ones. */
    uint8_t ones[NX_EVENT_MAX], m[NX_EVENT_MAX];
    memset(ones, 0xff, sizeof ones);
    nx__canon(w->d, ones, m);
    memset(m + offsetof(nx_event_hdr_t, type), 0, 4); /* type and size: set, not copied */
    memcpy(w->mask, m, w->rs);
    w->file_no0 = s->next_file_no;
    w->fast = 1;
    w->mc_start = w->mc_end = 0;
    s->writing = 1;
    *out = w;
    return NX_OK;
}

/* nx__canon through the mask: the same bytes, without a switch per field. */
#define NX__CANON_WORDS(N)                                                                    \
    do {                                                                                      \
        for (size_t i = 0; i < (N); i++) {                                                    \
            uint64_t v;                                                                       \
            memcpy(&v, src + 8 * i, 8);                                                       \
            v &= w->mask[i];                                                                  \
            memcpy(dst + 8 * i, &v, 8);                                                       \
        }                                                                                     \
    } while (0)

static inline void nx__canon_fast(const nx_store_writer_t *w, const nx_event_hdr_t *ev,
                                  uint8_t *dst) {
    const uint8_t *src = (const uint8_t *)ev;
    switch (w->rs) { /* constant trip counts unroll: the trade and quote records */
    case 80: NX__CANON_WORDS(10); break;
    case 96: NX__CANON_WORDS(12); break;
    default: NX__CANON_WORDS(w->rs / 8); break;
    }
    nx_event_hdr_t *h = (nx_event_hdr_t *)(void *)dst;
    h->type = w->d->type;
    h->size = w->d->size;
}
#undef NX__CANON_WORDS

static int nx__month_note(nx_store_writer_t *w, const uint8_t *row) {
    int64_t ts = nx__ts(row);
    size_t i = w->last_month;
    if (!(i < w->nmonths && ts >= w->mc_start && ts < w->mc_end)) {
        int32_t ym;
        int rc = nx__month_of(ts, &ym);
        if (rc < 0) return rc;
        size_t lo = 0, hi = w->nmonths;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->months[mid].ym < ym) lo = mid + 1;
            else hi = mid;
        }
        i = lo;
        if (i == w->nmonths || w->months[i].ym != ym) {
            rc = nx__grow((void **)&w->months, &w->capmonths, w->nmonths + 1, sizeof *w->months,
                          120000);
            if (rc < 0) return rc;
            memmove(&w->months[i + 1], &w->months[i], (w->nmonths - i) * sizeof *w->months);
            memset(&w->months[i], 0, sizeof *w->months);
            w->months[i].ym = ym;
            w->months[i].min_ts = ts;
            w->months[i].max_ts = ts;
            w->nmonths++;
        }
        w->last_month = i;
        w->mc_start = nx__month_start(ym);
        w->mc_end = nx__month_end(ym);
    }
    nx__month_t *m = &w->months[i];
    m->rows++;
    if (ts < m->min_ts) m->min_ts = ts;
    if (ts > m->max_ts) m->max_ts = ts;
    uint64_t id = nx__id(w->d, row);
    if (id) {
        if (m->min_id == 0 || id < m->min_id) m->min_id = id;
        if (id > m->max_id) m->max_id = id;
    }
    return NX_OK;
}

typedef struct nx__skey {
    int64_t ts;
    uint64_t k2;
    uint32_t i;
} nx__skey_t;

static int nx__skey_cmp(const void *a, const void *b) {
    const nx__skey_t *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    if (x->k2 != y->k2) return x->k2 < y->k2 ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Sorted order of the buffer as an index array (nx_free it). */
static int nx__sort_buffer(nx_store_writer_t *w, uint32_t **out) {
    size_t n = w->nbuf;
    uint32_t *idx = nx_malloc((n ? n : 1) * sizeof *idx);
    if (!idx) return NX_ERR(NX_ENOMEM, "store: sort index of %zu rows", n);
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        idx[i] = (uint32_t)i;
        if (i && sorted) {
            const uint8_t *a = w->buf + (i - 1) * w->rs, *b = w->buf + i * w->rs;
            int64_t ta = nx__ts(a), tb = nx__ts(b);
            if (ta > tb || (ta == tb && nx__id(w->d, a) > nx__id(w->d, b))) sorted = 0;
        }
    }
    if (!sorted) {
        nx__skey_t *k = nx_malloc(n * sizeof *k);
        if (!k) {
            nx_free(idx);
            return NX_ERR(NX_ENOMEM, "store: sort keys of %zu rows", n);
        }
        for (size_t i = 0; i < n; i++) {
            const uint8_t *r = w->buf + i * w->rs;
            k[i].ts = nx__ts(r);
            k[i].k2 = nx__id(w->d, r);
            k[i].i = (uint32_t)i;
        }
        qsort(k, n, sizeof *k, nx__skey_cmp);
        for (size_t i = 0; i < n; i++) idx[i] = k[i].i;
        nx_free(k);
    }
    *out = idx;
    return NX_OK;
}

/* Write rows (in idx order) as a run file of blocks back to back. */
static int nx__write_run_at(nx_store_writer_t *w, const uint8_t *rows, const uint32_t *idx,
                            size_t n, nx__run_t *run, uint8_t *(*next_rows)(void *, size_t *),
                            void *ctx) {
    int rc = nx__mkdirs(w->tmp, NULL);
    if (rc < 0) return rc;
    snprintf(run->path, sizeof run->path, "%s/run-%06llu.nxr", w->tmp,
             (unsigned long long)++w->run_seq);
    run->rows = 0;
    int fd = open(run->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: %s", run->path, strerror(errno));
    for (;;) {
        size_t m = n;
        const uint8_t *r = rows;
        const uint32_t *ix = idx;
        if (next_rows) {
            r = next_rows(ctx, &m);
            ix = NULL;
            if (!r) break;
        }
        for (size_t at = 0; at < m; at += NX__RUN_BLOCK_ROWS) {
            size_t k = m - at < NX__RUN_BLOCK_ROWS ? m - at : NX__RUN_BLOCK_ROWS;
            size_t len;
            if (ix) rc = nx__block_encode(&w->codec, w->d, r, w->rs, ix + at, k, &len, NULL);
            else rc = nx__block_encode(&w->codec, w->d, r + at * w->rs, w->rs, NULL, k, &len, NULL);
            if (rc < 0) goto fail;
            if (nx__io_fault()) {
                rc = NX_ERR(NX_EIO, "%s: write: injected I/O error", run->path);
                goto fail;
            }
            const uint8_t *p = w->codec.out;
            while (len) {
                ssize_t wr = write(fd, p, len);
                if (wr < 0 && errno == EINTR) continue;
                if (wr <= 0) {
                    rc = NX_ERR(NX_EIO, "%s: write: %s", run->path, strerror(errno));
                    goto fail;
                }
                p += wr;
                len -= (size_t)wr;
            }
            run->rows += k;
        }
        if (!next_rows) break;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = NX_ERR(NX_EIO, "%s: close: %s", run->path, strerror(errno));
        goto fail;
    }
    return NX_OK;
fail:
    if (fd >= 0) close(fd);
    unlink(run->path);
    return rc;
}

/* Runs are read once and deleted: they take zstd's fastest level whatever
 * the store's level (the final blocks are re-encoded at commit). */
static int nx__write_run(nx_store_writer_t *w, const uint8_t *rows, const uint32_t *idx,
                         size_t n, nx__run_t *run, uint8_t *(*next_rows)(void *, size_t *),
                         void *ctx) {
    int level = w->codec.level;
    w->codec.level = 1;
    int rc = nx__write_run_at(w, rows, idx, n, run, next_rows, ctx);
    w->codec.level = level;
    return rc;
}

static int nx__spill(nx_store_writer_t *w) {
    uint32_t *idx = NULL;
    int rc = nx__grow((void **)&w->runs, &w->capruns, w->nruns + 1, sizeof *w->runs, 1u << 20);
    if (rc < 0) return rc;
    if ((rc = nx__sort_buffer(w, &idx)) < 0) return rc;
    rc = nx__write_run(w, w->buf, idx, w->nbuf, &w->runs[w->nruns], NULL, NULL);
    nx_free(idx);
    if (rc < 0) return NX_ERR_APPEND(rc, "store: spilling a sorted run");
    w->nruns++;
    w->st.runs_spilled++;
    w->nbuf = 0;
    return NX_OK;
}

static int nx__flush_block(nx_store_writer_t *w, int32_t ym, uint32_t *seq);
static int nx__part_lookup(nx_store_writer_t *w, int32_t ym, nx__plan_t *p, uint32_t *max_seq);
static int nx__group_check(nx_store_writer_t *w, const uint8_t *row, int existing);

static inline void nx__kept_row(nx__kept_t *k, int64_t ts, uint64_t id, int existing) {
    if (k->rows == 0) k->min_ts = ts;
    k->max_ts = ts;
    if (id) {
        if (k->min_id == 0 || id < k->min_id) k->min_id = id;
        if (id > k->max_id) k->max_id = id;
    }
    k->rows++;
    if (!existing) k->new_rows++;
}

/* Totals of a month that is new or appended to (a rewrite counts as new). */
static void nx__plan_totals(nx_store_writer_t *w, nx__plan_t *p, const nx__kept_t *k) {
    uint64_t new_bytes = 0;
    for (size_t i = p->first_blk; i < p->first_blk + p->nblk; i++) new_bytes += w->blks[i].bytes;
    if (p->rewrite || !p->pid) {
        p->rows = k->rows;
        p->bytes = new_bytes;
        p->blocks = p->nblk;
        p->min_ts = k->min_ts;
        p->max_ts = k->max_ts;
        p->min_id = k->min_id;
        p->max_id = k->max_id;
    } else { /* append */
        p->rows += k->rows;
        p->bytes += new_bytes;
        p->blocks += p->nblk;
        if (k->min_ts < p->min_ts) p->min_ts = k->min_ts;
        if (k->max_ts > p->max_ts) p->max_ts = k->max_ts;
        if (k->min_id && (p->min_id == 0 || k->min_id < p->min_id)) p->min_id = k->min_id;
        if (k->max_id > p->max_id) p->max_id = k->max_id;
    }
    w->st.stored += k->new_rows;
    if (!p->skip) w->st.months++;
}

/* ---- the sorted fast path: encoder thread ------------------------------------- */

static void nx__job_run(nx__pipe_t *pp, nx__job_t *j) {
    size_t len = 0;
    int rc = nx__block_encode(&pp->codec, pp->d, j->rows, pp->rs, NULL, j->n, &len, &j->h);
    if (rc == NX_OK) rc = nx__mkdirs(pp->tmp, NULL);
    if (rc == NX_OK) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%012llu.nxb", pp->tmp, (unsigned long long)j->file_no);
        j->bytes = len;
        j->crc_file = nx_crc32c(0, pp->codec.out, len);
        rc = nx__write_file(path, pp->codec.out, len);
    }
    j->rc = rc;
    if (rc < 0) snprintf(j->err, sizeof j->err, "%s", nx_err_message());
}

static void *nx__pipe_main(void *arg) {
    nx__pipe_t *pp = arg;
    pthread_mutex_lock(&pp->mu);
    for (;;) {
        while (!pp->stop && pp->fin == pp->sub) pthread_cond_wait(&pp->work, &pp->mu);
        if (pp->stop) break;
        nx__job_t *j = &pp->job[pp->fin % NX__PIPE_JOBS];
        pthread_mutex_unlock(&pp->mu);
        nx__job_run(pp, j);
        pthread_mutex_lock(&pp->mu);
        pp->fin++;
        pthread_cond_signal(&pp->done);
    }
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* Stop the thread (unfinished jobs are dropped: their entries are unlinked by
 * the caller's clean-up) and free the pipe; w->out stays, as the writer's own. */
static void nx__pipe_stop(nx_store_writer_t *w) {
    nx__pipe_t *pp = w->pipe;
    if (!pp) return;
    pthread_mutex_lock(&pp->mu);
    pp->stop = 1;
    pthread_cond_signal(&pp->work);
    pthread_mutex_unlock(&pp->mu);
    pthread_join(pp->th, NULL);
    pthread_mutex_destroy(&pp->mu);
    pthread_cond_destroy(&pp->work);
    pthread_cond_destroy(&pp->done);
    nx__codec_close(&pp->codec);
    for (unsigned i = 0; i < NX__PIPE_JOBS; i++)
        if (pp->job[i].rows != w->out) nx_free(pp->job[i].rows);
    nx_free(pp);
    w->pipe = NULL;
}

/* Start the thread, adopting w->out as its first buffer. Not starting it
 * (one CPU, NX_STORE_NO_THREADS, pthread_create refused) only means the
 * blocks are written on the caller's thread; no memory is NX_ENOMEM. */
static int nx__pipe_start(nx_store_writer_t *w) {
    if ((w->s->o.flags & NX_STORE_NO_THREADS) || sysconf(_SC_NPROCESSORS_ONLN) < 2) return NX_OK;
    nx__pipe_t *pp = nx_calloc(1, sizeof *pp);
    if (!pp) return NX_ERR(NX_ENOMEM, "store: encoder thread");
    size_t bytes = (size_t)w->s->o.block_rows * w->rs;
    pp->job[0].rows = w->out;
    for (unsigned i = 1; i < NX__PIPE_JOBS; i++)
        if (!(pp->job[i].rows = nx_malloc(bytes))) {
            for (unsigned k = 1; k < i; k++) nx_free(pp->job[k].rows);
            nx_free(pp);
            return NX_ERR(NX_ENOMEM, "store: encoder thread buffers");
        }
    pp->d = w->d;
    pp->rs = w->rs;
    memcpy(pp->tmp, w->tmp, sizeof pp->tmp);
    nx__codec_init(&pp->codec, w->codec.level);
    int ok = pthread_mutex_init(&pp->mu, NULL) == 0;
    if (ok && pthread_cond_init(&pp->work, NULL) != 0) {
        pthread_mutex_destroy(&pp->mu);
        ok = 0;
    }
    if (ok && pthread_cond_init(&pp->done, NULL) != 0) {
        pthread_cond_destroy(&pp->work);
        pthread_mutex_destroy(&pp->mu);
        ok = 0;
    }
    if (ok && pthread_create(&pp->th, NULL, nx__pipe_main, pp) != 0) {
        pthread_cond_destroy(&pp->done);
        pthread_cond_destroy(&pp->work);
        pthread_mutex_destroy(&pp->mu);
        ok = 0;
    }
    if (!ok) {
        for (unsigned i = 1; i < NX__PIPE_JOBS; i++) nx_free(pp->job[i].rows);
        nx_free(pp);
        return NX_OK;
    }
    w->pipe = pp;
    return NX_OK;
}

/* Take back the oldest job handed over: its block's size and checksums. */
static int nx__pipe_reclaim(nx_store_writer_t *w) {
    nx__pipe_t *pp = w->pipe;
    pthread_mutex_lock(&pp->mu);
    while (pp->fin == pp->rec) pthread_cond_wait(&pp->done, &pp->mu);
    pthread_mutex_unlock(&pp->mu);
    nx__job_t *j = &pp->job[pp->rec++ % NX__PIPE_JOBS];
    if (j->rc < 0) return NX_ERR(j->rc, "%s", j->err);
    nx__newblk_t *b = &w->blks[j->blk];
    b->bytes = j->bytes;
    b->crc_file = j->crc_file;
    b->h = j->h;
    return NX_OK;
}

/* Wait for every block handed over. */
static int nx__pipe_drain(nx_store_writer_t *w) {
    while (w->pipe && w->pipe->rec < w->pipe->sub) {
        int rc = nx__pipe_reclaim(w);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

/* The fast path's block (w->out, w->nout rows) is full or its month ends:
 * its file number and seq are taken now, in order; the encoder thread (or
 * this one) writes it. */
static int nx__fast_flush(nx_store_writer_t *w) {
    if (w->nout == 0) return NX_OK;
    int rc;
    if (!w->pipe && !w->pipe_tried && w->nout == w->s->o.block_rows) { /* a big write */
        w->pipe_tried = 1;
        if ((rc = nx__pipe_start(w)) < 0) return rc;
    }
    if (!w->pipe) return nx__flush_block(w, w->fm_ym, &w->fm_seq);
    rc = nx__grow((void **)&w->blks, &w->capblks, w->nblks + 1, sizeof *w->blks, 1u << 26);
    if (rc < 0) return rc;
    nx__newblk_t *b = &w->blks[w->nblks];
    memset(b, 0, sizeof *b);
    b->ym = w->fm_ym;
    b->seq = w->fm_seq++;
    b->file_no = w->s->next_file_no++;
    nx__pipe_t *pp = w->pipe;
    nx__job_t *j = &pp->job[pp->sub % NX__PIPE_JOBS];
    j->n = w->nout;
    j->blk = w->nblks++;
    j->file_no = b->file_no;
    pthread_mutex_lock(&pp->mu);
    pp->sub++;
    pthread_cond_signal(&pp->work);
    pthread_mutex_unlock(&pp->mu);
    if (pp->sub - pp->rec == NX__PIPE_JOBS && (rc = nx__pipe_reclaim(w)) < 0) return rc;
    w->out = pp->job[pp->sub % NX__PIPE_JOBS].rows;
    w->nout = 0;
    return NX_OK;
}

/* ---- the sorted fast path ------------------------------------------------------ */

/* Finish the month being filled: its last block; its totals wait for the
 * blocks' sizes (nx__fast_totals). */
static int nx__fast_close_month(nx_store_writer_t *w) {
    nx__plan_t *p = &w->plans[w->nplans - 1];
    int rc = nx__fast_flush(w);
    if (rc < 0) return rc;
    p->nblk = w->nblks - p->first_blk;
    /* the month's rows are ordered, and a dropped duplicate equals a kept row */
    const nx__month_t *m = &w->months[w->nmonths - 1];
    nx__kept_t k = {w->fm_rows, w->fm_rows, m->min_ts, m->max_ts, m->min_id, m->max_id};
    p->kept = k;
    w->fm_open = 0;
    return NX_OK;
}

/* Commit of the fast path: every block written, then the months' totals. */
static int nx__fast_finish(nx_store_writer_t *w) {
    int rc;
    if (w->fm_open && (rc = nx__fast_close_month(w)) < 0) return rc;
    if ((rc = nx__pipe_drain(w)) < 0) return rc;
    nx__pipe_stop(w);
    for (size_t i = 0; i < w->nplans; i++) nx__plan_totals(w, &w->plans[i], &w->plans[i].kept);
    return NX_OK;
}

/* Enter month ym at a row of time ts: 1 if the fast path can fill it (a new
 * month, or one whose stored rows all come before ts), 0 if it would be a
 * rewrite, < 0 on error. */
static int nx__fast_open_month(nx_store_writer_t *w, int32_t ym, int64_t ts) {
    int rc;
    if (w->fm_open && (rc = nx__fast_close_month(w)) < 0) return rc;
    nx__plan_t p;
    uint32_t max_seq = 0;
    memset(&p, 0, sizeof p);
    p.ym = ym;
    if ((rc = nx__part_lookup(w, ym, &p, &max_seq)) < 0) return rc;
    if (p.pid && !(ts > p.max_ts)) return 0;
    size_t cap = w->nplans; /* plans grow one month at a time here */
    if ((rc = nx__grow((void **)&w->plans, &cap, w->nplans + 1, sizeof *w->plans, 120000)) < 0)
        return rc;
    if ((rc = nx__grow((void **)&w->months, &w->capmonths, w->nmonths + 1, sizeof *w->months,
                       120000)) < 0)
        return rc;
    p.first_blk = w->nblks;
    w->plans[w->nplans++] = p;
    /* months arrive in order here: the new one goes last */
    nx__month_t *m = &w->months[w->nmonths];
    memset(m, 0, sizeof *m);
    m->ym = ym;
    m->min_ts = m->max_ts = ts;
    w->last_month = w->nmonths++;
    w->mc_start = nx__month_start(ym);
    w->mc_end = nx__month_end(ym);
    w->fm_open = 1;
    w->fm_ym = ym;
    w->fm_end = w->mc_end;
    w->fm_max_id = p.pid ? p.max_id : 0;
    w->fm_seq = p.pid ? max_seq + 1 : 1;
    w->fm_rows = 0;
    w->ngrp = 0;
    w->gtab_on = 0;
    return 1;
}

/*
 * One canonical row (w->scratch) through the fast path: 1 taken (stored or
 * dropped as a duplicate), 0 the order broke (nothing changed; the caller
 * falls back), < 0 error (sticky, except a timestamp outside the years the
 * store names, which the general path refuses the same way).
 */
static int nx__fast_put(nx_store_writer_t *w) {
    const uint8_t *row = w->scratch;
    int64_t ts = nx__ts(row);
    uint64_t id = nx__id(w->d, row);
    int rc;
    if (w->have_last && (ts < w->last_ts || (ts == w->last_ts && id < w->last_k2))) return 0;
    if (id && id <= w->last_id) return 0;
    if (NX_UNLIKELY(!w->fm_open || ts >= w->fm_end)) {
        int32_t ym;
        if ((rc = nx__month_of(ts, &ym)) < 0) return rc;
        if (!w->out && !(w->out = nx_malloc((size_t)w->s->o.block_rows * w->rs))) {
            w->failed = 1;
            return NX_ERR(NX_ENOMEM, "store: block of %u rows", w->s->o.block_rows);
        }
        if ((rc = nx__fast_open_month(w, ym, ts)) <= 0) {
            if (rc < 0) w->failed = 1;
            return rc;
        }
    }
    if (w->fm_max_id && id && id <= w->fm_max_id) return 0; /* would rewrite the month */
    nx__month_t *m = &w->months[w->nmonths - 1]; /* nx__month_note, for ordered rows */
    m->rows++;
    m->max_ts = ts;
    if (id) {
        if (m->min_id == 0) m->min_id = id;
        m->max_id = id;
    }
    w->have_last = 1;
    w->last_ts = ts;
    w->last_k2 = id;
    if (id) w->last_id = id;
    else {
        int dup = nx__group_check(w, row, 0);
        if (dup < 0) {
            w->failed = 1;
            return dup;
        }
        if (dup) return 1;
    }
    memcpy(w->out + w->nout * w->rs, row, w->rs);
    w->fm_rows++;
    if (++w->nout == w->s->o.block_rows && (rc = nx__fast_flush(w)) < 0) {
        w->failed = 1;
        return rc;
    }
    return 1;
}

/* The order broke: what the fast path wrote becomes the first merge source. */
static int nx__fast_fallback(nx_store_writer_t *w) {
    int rc;
    w->fast = 0;
    if (w->fm_open && (rc = nx__fast_flush(w)) < 0) return rc;
    w->fm_open = 0;
    if ((rc = nx__pipe_drain(w)) < 0) return rc;
    nx__pipe_stop(w);
    if (w->nblks) {
        size_t cap = 0;
        if ((rc = nx__grow((void **)&w->pfiles, &cap, w->nblks, sizeof *w->pfiles, 1u << 24)) < 0)
            return rc;
        for (size_t i = 0; i < w->nblks; i++) {
            char to[64];
            unsigned long long no = (unsigned long long)w->blks[i].file_no;
            snprintf(to, sizeof to, ".tmp/fast-%012llu.nxr", no);
            if (!(w->pfiles[i] = nx_strdup(to))) return NX_ERR(NX_ENOMEM, "store: block list");
            w->npfiles = i + 1;
        }
        for (size_t i = 0; i < w->nblks; i++) {
            char from[1200], to[1200];
            nx__blk_tmp(w, w->blks[i].file_no, from, sizeof from);
            snprintf(to, sizeof to, "%s/%s", w->s->root, w->pfiles[i]);
            if ((rc = nx__rename(from, to)) < 0) return rc;
        }
    }
    w->nblks = 0;
    w->s->next_file_no = w->file_no0;
    nx_free(w->plans);
    w->plans = NULL;
    w->nplans = 0;
    w->st.stored = 0;
    w->st.months = 0;
    w->ngrp = 0;
    w->gtab_on = 0;
    return NX_OK;
}

int nx_store_write_append(nx_store_writer_t *w, const nx_event_hdr_t *ev) {
    if (NX_UNLIKELY(w->failed)) return NX_ERR(NX_ESTATE, "store writer failed earlier");
    if (NX_UNLIKELY(!ev || ev->type != w->d->type || ev->size != w->d->size))
        return NX_ERR(NX_EINVAL, "store: %s takes %s events, got type 0x%04x size %u", w->kind,
                      nx_event_type_name(w->d->type), ev ? ev->type : 0, ev ? ev->size : 0);
    int rc;
    if (NX_LIKELY(w->fast)) {
        nx__canon_fast(w, ev, w->scratch);
        rc = nx__fast_put(w);
        if (rc < 0) return rc;
        if (rc > 0) goto received;
        if ((rc = nx__fast_fallback(w)) < 0) {
            w->failed = 1;
            return NX_ERR_APPEND(rc, "store: leaving the sorted path");
        }
    }
    if (NX_UNLIKELY(w->nbuf == w->capbuf && w->buf)) {
        if ((rc = nx__spill(w)) < 0) {
            w->failed = 1;
            return rc;
        }
    }
    if (NX_UNLIKELY(!w->buf)) {
        if (!(w->buf = nx_malloc(w->capbuf * w->rs)))
            return NX_ERR(NX_ENOMEM, "store: write buffer of %zu rows", w->capbuf);
    }
    uint8_t *row = w->buf + w->nbuf * w->rs;
    nx__canon_fast(w, ev, row);
    if ((rc = nx__month_note(w, row)) < 0) return rc;
    w->nbuf++;
received:
    if (w->st.received == 0 || ev->ts_recv < w->st.min_ts) w->st.min_ts = ev->ts_recv;
    if (w->st.received == 0 || ev->ts_recv > w->st.max_ts) w->st.max_ts = ev->ts_recv;
    w->st.received++;
    return NX_OK;
}

/* ---- merge sources ------------------------------------------------------------- */

static void nx__src_set(nx_store_writer_t *w, nx__src_t *s, const uint8_t *row) {
    s->row = row;
    if (row) {
        s->ts = nx__ts(row);
        s->k2 = nx__id(w->d, row);
    }
}

/* Load the next block of a file-backed source; row = NULL at the end. */
static int nx__src_load(nx_store_writer_t *w, nx__src_t *s) {
    int rc;
    size_t len = 0;
    for (;;) {
        if (s->type == 1) {
            if (s->off >= s->size) break;
            uint8_t hb[NX__BLK_HDR];
            if (pread(s->fd, hb, sizeof hb, (off_t)s->off) != (ssize_t)sizeof hb)
                return NX_ERR(NX_EIO, "store: run read: %s", strerror(errno));
            nx__bhdr_t h;
            if ((rc = nx__block_header(hb, sizeof hb, &h)) < 0) return rc;
            len = NX__BLK_HDR + h.comp_size;
            if ((rc = nx__buf_reserve(&s->fbuf, &s->fcap, len)) < 0) return rc;
            if (pread(s->fd, s->fbuf, len, (off_t)s->off) != (ssize_t)len)
                return NX_ERR(NX_EIO, "store: run read: %s", strerror(errno));
            s->off += len;
        } else {
            if (s->fpos >= s->nfiles) break;
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", w->s->root, s->files[s->fpos++]);
            if ((rc = nx__read_file(path, &s->fbuf, &s->fcap, &len)) < 0) return rc;
        }
        nx__bhdr_t h;
        if (len < NX__BLK_HDR || (rc = nx__block_header(s->fbuf, len, &h)) < 0)
            return NX_ERR(NX_ECORRUPT, "store: existing block unreadable");
        if (h.rows > s->rows_cap) {
            uint8_t *r = nx_realloc(s->rows, (size_t)h.rows * w->rs);
            if (!r) return NX_ERR(NX_ENOMEM, "store: block rows");
            s->rows = r;
            s->rows_cap = h.rows;
        }
        memset(s->rows, 0, (size_t)h.rows * w->rs);
        for (size_t i = 0; i < h.rows; i++) {
            nx_event_hdr_t *eh = (nx_event_hdr_t *)(void *)(s->rows + i * w->rs);
            eh->type = w->d->type;
            eh->size = w->d->size;
        }
        if ((rc = nx__block_decode(&w->codec, s->fbuf, len, s->rows, w->rs, s->rows_cap, &h)) < 0)
            return NX_ERR_APPEND(rc, "store: reading back a block");
        s->nrows = h.rows;
        s->rpos = 0;
        nx__src_set(w, s, s->rows);
        return NX_OK;
    }
    s->row = NULL;
    return NX_OK;
}

static int nx__src_advance(nx_store_writer_t *w, nx__src_t *s) {
    if (s->type == 0) {
        s->pos++;
        nx__src_set(w, s, s->pos < s->n ? s->base + (size_t)s->idx[s->pos] * w->rs : NULL);
        return NX_OK;
    }
    if (++s->rpos < s->nrows) {
        nx__src_set(w, s, s->rows + s->rpos * w->rs);
        return NX_OK;
    }
    return nx__src_load(w, s);
}

static void nx__src_close(nx__src_t *s) {
    if (s->type == 1 && s->fd >= 0) close(s->fd);
    s->fd = -1;
    nx_free(s->rows);
    nx_free(s->fbuf);
    if (s->files && !s->files_borrowed) {
        for (size_t i = 0; i < s->nfiles; i++) nx_free(s->files[i]);
        nx_free(s->files);
    }
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

static int nx__src_open_run(nx_store_writer_t *w, nx__src_t *s, const nx__run_t *run,
                            uint32_t rank) {
    memset(s, 0, sizeof *s);
    s->type = 1;
    s->rank = rank;
    s->fd = open(run->path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) return NX_ERR(NX_EIO, "%s: %s", run->path, strerror(errno));
    off_t end = lseek(s->fd, 0, SEEK_END);
    if (end < 0) return NX_ERR(NX_EIO, "%s: %s", run->path, strerror(errno));
    s->size = (uint64_t)end;
    return nx__src_load(w, s);
}

static inline int nx__src_less(const nx__src_t *a, const nx__src_t *b) {
    if (a->ts != b->ts) return a->ts < b->ts;
    if (a->k2 != b->k2) return a->k2 < b->k2;
    return a->rank < b->rank;
}

typedef struct nx__heap {
    nx__src_t **v;
    size_t n;
} nx__heap_t;

static void nx__heap_down(nx__heap_t *h, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < h->n && nx__src_less(h->v[l], h->v[m])) m = l;
        if (l + 1 < h->n && nx__src_less(h->v[l + 1], h->v[m])) m = l + 1;
        if (m == i) return;
        nx__src_t *t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
}

static void nx__heap_build(nx__heap_t *h) {
    for (size_t i = h->n / 2; i-- > 0;) nx__heap_down(h, i);
}

/* ---- multi-level run merge (keeps the fan-in bounded) --------------------------- */

typedef struct nx__mctx {
    nx_store_writer_t *w;
    nx__heap_t heap;
    uint8_t *blk;
    size_t cap;
    int rc;
} nx__mctx_t;

static uint8_t *nx__merge_next(void *ctx, size_t *n) {
    nx__mctx_t *m = ctx;
    nx_store_writer_t *w = m->w;
    size_t k = 0;
    while (k < m->cap && m->heap.n) {
        nx__src_t *s = m->heap.v[0];
        memcpy(m->blk + k * w->rs, s->row, w->rs);
        k++;
        int rc = nx__src_advance(w, s);
        if (rc < 0) {
            m->rc = rc;
            return NULL;
        }
        if (!s->row) m->heap.v[0] = m->heap.v[--m->heap.n];
        nx__heap_down(&m->heap, 0);
    }
    *n = k;
    return k ? m->blk : NULL;
}

/* Merge the first NX__FANIN runs into one (order kept: ranks follow run order). */
static int nx__reduce_runs(nx_store_writer_t *w) {
    size_t k = NX__FANIN;
    nx__src_t *src = nx_calloc(k, sizeof *src);
    nx__src_t **hv = nx_calloc(k, sizeof *hv);
    uint8_t *blk = nx_malloc(NX__RUN_BLOCK_ROWS * w->rs);
    int rc = NX_OK;
    if (!src || !hv || !blk) {
        rc = NX_ERR(NX_ENOMEM, "store: run merge");
        goto out;
    }
    for (size_t i = 0; i < k; i++) src[i].fd = -1;
    nx__mctx_t m = {w, {hv, 0}, blk, NX__RUN_BLOCK_ROWS, 0};
    for (size_t i = 0; i < k; i++) {
        if ((rc = nx__src_open_run(w, &src[i], &w->runs[i], (uint32_t)i)) < 0) goto out;
        if (src[i].row) hv[m.heap.n++] = &src[i];
    }
    nx__heap_build(&m.heap);
    nx__run_t merged;
    rc = nx__write_run(w, NULL, NULL, 0, &merged, nx__merge_next, &m);
    if (rc == 0 && m.rc < 0) {
        unlink(merged.path);
        rc = m.rc;
    }
    if (rc < 0) goto out;
    for (size_t i = 0; i < k; i++) unlink(w->runs[i].path);
    w->runs[0] = merged;
    memmove(&w->runs[1], &w->runs[k], (w->nruns - k) * sizeof *w->runs);
    w->nruns -= k - 1;
out:
    if (src)
        for (size_t i = 0; i < k; i++) nx__src_close(&src[i]);
    nx_free(src);
    nx_free(hv);
    nx_free(blk);
    return rc;
}

/* ---- dedup --------------------------------------------------------------------- */

/* 1 if id is in the set. */
static int nx__iv_has(const nx_store_writer_t *w, uint64_t id) {
    size_t lo = 0, hi = w->niv;
    while (lo < hi) { /* first interval with lo > id */
        size_t mid = (lo + hi) / 2;
        if (w->iv[mid].lo <= id) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && w->iv[lo - 1].hi >= id;
}

static int nx__iv_add(nx_store_writer_t *w, uint64_t id) {
    size_t n = w->niv;
    if (n && w->iv[n - 1].hi < id) { /* the common case: ids ascending */
        if (w->iv[n - 1].hi + 1 == id) {
            w->iv[n - 1].hi = id;
            return NX_OK;
        }
    } else if (n) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->iv[mid].lo <= id) lo = mid + 1;
            else hi = mid;
        }
        size_t pos = lo; /* first interval with lo > id */
        if (pos > 0 && w->iv[pos - 1].hi >= id) return NX_OK;
        int join_prev = pos > 0 && w->iv[pos - 1].hi + 1 == id;
        int join_next = pos < n && id + 1 == w->iv[pos].lo;
        if (join_prev && join_next) {
            w->iv[pos - 1].hi = w->iv[pos].hi;
            memmove(&w->iv[pos], &w->iv[pos + 1], (n - pos - 1) * sizeof *w->iv);
            w->niv--;
            return NX_OK;
        }
        if (join_prev) {
            w->iv[pos - 1].hi = id;
            return NX_OK;
        }
        if (join_next) {
            w->iv[pos].lo = id;
            return NX_OK;
        }
        int rc = nx__grow((void **)&w->iv, &w->capiv, n + 1, sizeof *w->iv, NX__IV_MAX);
        if (rc < 0) return NX_ERR_APPEND(rc, "store: trade ids of one month too scattered");
        memmove(&w->iv[pos + 1], &w->iv[pos], (n - pos) * sizeof *w->iv);
        w->iv[pos].lo = w->iv[pos].hi = id;
        w->niv++;
        return NX_OK;
    }
    int rc = nx__grow((void **)&w->iv, &w->capiv, n + 1, sizeof *w->iv, NX__IV_MAX);
    if (rc < 0) return NX_ERR_APPEND(rc, "store: trade ids of one month too scattered");
    w->iv[n].lo = w->iv[n].hi = id;
    w->niv++;
    return NX_OK;
}

static uint64_t nx__hash(const uint8_t *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

static int nx__gtab_insert(nx_store_writer_t *w, size_t gi) {
    size_t mask = w->gtab_cap - 1;
    size_t at = (size_t)nx__hash(w->grp + gi * w->rs, w->rs) & mask;
    while (w->gtab[2 * at] == w->ggen) at = (at + 1) & mask;
    w->gtab[2 * at] = w->ggen;
    w->gtab[2 * at + 1] = (uint32_t)gi;
    return NX_OK;
}

static int nx__gtab_build(nx_store_writer_t *w) {
    size_t need = 16;
    while (need < w->ngrp * 4) need *= 2;
    if (need > w->gtab_cap) {
        uint32_t *t = nx_calloc(need * 2, sizeof *t);
        if (!t) return NX_ERR(NX_ENOMEM, "store: dedup table");
        nx_free(w->gtab);
        w->gtab = t;
        w->gtab_cap = need;
        w->ggen = 0;
    }
    if (++w->ggen == 0) { /* generation wrapped: really clear */
        memset(w->gtab, 0, w->gtab_cap * 2 * sizeof *w->gtab);
        w->ggen = 1;
    }
    for (size_t i = 0; i < w->ngrp; i++) nx__gtab_insert(w, i);
    w->gtab_on = 1;
    return NX_OK;
}

/* Content dedup within rows of one ts_recv: 1 = duplicate, 0 = kept, < 0 error. */
static int nx__group_check(nx_store_writer_t *w, const uint8_t *row, int existing) {
    int64_t ts = nx__ts(row);
    if (w->ngrp == 0 || ts != w->grp_ts) {
        w->ngrp = 0;
        w->gtab_on = 0;
        w->grp_ts = ts;
    } else if (!existing) {
        if (!w->gtab_on && w->ngrp < 8) {
            for (size_t i = 0; i < w->ngrp; i++)
                if (memcmp(w->grp + i * w->rs, row, w->rs) == 0) return 1;
        } else {
            int rc;
            if (!w->gtab_on && (rc = nx__gtab_build(w)) < 0) return rc;
            size_t mask = w->gtab_cap - 1;
            size_t at = (size_t)nx__hash(row, w->rs) & mask;
            while (w->gtab[2 * at] == w->ggen) {
                if (memcmp(w->grp + (size_t)w->gtab[2 * at + 1] * w->rs, row, w->rs) == 0) return 1;
                at = (at + 1) & mask;
            }
        }
    }
    int rc = nx__grow((void **)&w->grp, &w->capgrp, w->ngrp + 1, w->rs, NX__GROUP_MAX);
    if (rc < 0) return NX_ERR_APPEND(rc, "store: rows sharing ts_recv %lld", (long long)ts);
    memcpy(w->grp + w->ngrp * w->rs, row, w->rs);
    w->ngrp++;
    if (w->gtab_on) {
        if (w->ngrp * 2 > w->gtab_cap) rc = nx__gtab_build(w);
        else rc = nx__gtab_insert(w, w->ngrp - 1);
        if (rc < 0) return rc;
    }
    return 0;
}

static int nx__is_dup(nx_store_writer_t *w, const uint8_t *row, int existing) {
    uint64_t id = nx__id(w->d, row);
    if (id) {
        if (!existing && nx__iv_has(w, id)) return 1;
        int rc = nx__iv_add(w, id);
        return rc < 0 ? rc : 0;
    }
    return nx__group_check(w, row, existing);
}

/* ---- commit ---------------------------------------------------------------------- */

static int nx__flush_block(nx_store_writer_t *w, int32_t ym, uint32_t *seq) {
    if (w->nout == 0) return NX_OK;
    int rc = nx__grow((void **)&w->blks, &w->capblks, w->nblks + 1, sizeof *w->blks, 1u << 26);
    if (rc < 0) return rc;
    nx__newblk_t *b = &w->blks[w->nblks];
    memset(b, 0, sizeof *b);
    size_t len;
    if ((rc = nx__block_encode(&w->codec, w->d, w->out, w->rs, NULL, w->nout, &len, &b->h)) < 0)
        return rc;
    if ((rc = nx__mkdirs(w->tmp, NULL)) < 0) return rc;
    b->ym = ym;
    b->seq = (*seq)++;
    b->file_no = w->s->next_file_no++;
    b->bytes = len;
    b->crc_file = nx_crc32c(0, w->codec.out, len);
    char path[1200];
    nx__blk_tmp(w, b->file_no, path, sizeof path);
    if ((rc = nx__write_file(path, w->codec.out, len)) < 0) return rc;
    w->nblks++;
    w->nout = 0;
    return NX_OK;
}

/* The existing partition of a month: 0 with *pid = 0 when there is none. */
static int nx__part_lookup(nx_store_writer_t *w, int32_t ym, nx__plan_t *p, uint32_t *max_seq) {
    sqlite3 *db = w->s->db;
    char m[8];
    nx__month_name(ym, m);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db,
        "SELECT p.id, p.rows, p.bytes, p.blocks, p.min_ts, p.max_ts, p.min_id, p.max_id,"
        " (SELECT MAX(seq) FROM blocks WHERE partition_id = p.id) FROM partitions p"
        " WHERE venue = ? AND symbol = ? AND kind = ? AND month = ?",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return nx__sql_err(db, rc, "partition lookup");
    sqlite3_bind_text(st, 1, w->venue, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, w->symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    p->pid = 0;
    *max_seq = 0;
    if (rc == SQLITE_ROW) {
        p->pid = sqlite3_column_int64(st, 0);
        p->rows = (uint64_t)sqlite3_column_int64(st, 1);
        p->bytes = (uint64_t)sqlite3_column_int64(st, 2);
        p->blocks = (uint64_t)sqlite3_column_int64(st, 3);
        p->min_ts = sqlite3_column_int64(st, 4);
        p->max_ts = sqlite3_column_int64(st, 5);
        p->min_id = (uint64_t)sqlite3_column_int64(st, 6);
        p->max_id = (uint64_t)sqlite3_column_int64(st, 7);
        *max_seq = (uint32_t)sqlite3_column_int64(st, 8);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NX_OK : nx__sql_err(db, rc, "partition lookup");
}

static int nx__part_files(nx_store_writer_t *w, int64_t pid, nx__src_t *s) {
    sqlite3 *db = w->s->db;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT file FROM blocks WHERE partition_id = ? ORDER BY seq",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return nx__sql_err(db, rc, "blocks of a partition");
    sqlite3_bind_int64(st, 1, pid);
    size_t cap = 0;
    int ret = NX_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((ret = nx__grow((void **)&s->files, &cap, s->nfiles + 1, sizeof *s->files,
                            1u << 24)) < 0)
            break;
        if (!(s->files[s->nfiles] = nx_strdup((const char *)sqlite3_column_text(st, 0)))) {
            ret = NX_ERR(NX_ENOMEM, "store: block list");
            break;
        }
        s->nfiles++;
    }
    if (ret == NX_OK && rc != SQLITE_DONE) ret = nx__sql_err(db, rc, "blocks of a partition");
    sqlite3_finalize(st);
    return ret;
}

/* Merge one month into new blocks; fills the plan. */
static int nx__commit_month(nx_store_writer_t *w, const nx__month_t *mo, nx__src_t *srcs,
                            size_t nsrc, nx__heap_t *heap, nx__plan_t *p) {
    int rc;
    uint32_t max_seq = 0;
    memset(p, 0, sizeof *p);
    p->ym = mo->ym;
    if ((rc = nx__part_lookup(w, mo->ym, p, &max_seq)) < 0) return rc;
    int64_t mend = nx__month_end(mo->ym);
    p->rewrite = p->pid != 0 && !(mo->min_ts > p->max_ts &&
                                  (mo->min_id == 0 || p->max_id == 0 || mo->min_id > p->max_id));
    w->niv = 0;
    w->ngrp = 0;
    w->gtab_on = 0;
    nx__src_t old;
    memset(&old, 0, sizeof old);
    old.fd = -1;
    old.type = 2;
    old.rank = 0;
    if (p->rewrite) {
        if ((rc = nx__part_files(w, p->pid, &old)) < 0) goto out;
        if (w->d->has_id) { /* stored ids first, so stored rows win */
            if ((rc = nx__src_load(w, &old)) < 0) goto out;
            while (old.row) {
                if (old.k2 && (rc = nx__iv_add(w, old.k2)) < 0) goto out;
                if ((rc = nx__src_advance(w, &old)) < 0) goto out;
            }
            old.fpos = 0;
        }
        if ((rc = nx__src_load(w, &old)) < 0) goto out;
    }
    heap->n = 0;
    if (old.row) heap->v[heap->n++] = &old;
    for (size_t i = 0; i < nsrc; i++)
        if (srcs[i].row && srcs[i].ts < mend) heap->v[heap->n++] = &srcs[i];
    nx__heap_build(heap);
    uint32_t seq = p->rewrite || !p->pid ? 1 : max_seq + 1;
    p->first_blk = w->nblks;
    nx__kept_t kept;
    memset(&kept, 0, sizeof kept);
    size_t block_rows = w->s->o.block_rows;
    while (heap->n) {
        nx__src_t *s = heap->v[0];
        int existing = s == &old;
        int dup = nx__is_dup(w, s->row, existing);
        if (dup < 0) {
            rc = dup;
            goto out;
        }
        if (!dup) {
            if (w->nout == block_rows && (rc = nx__flush_block(w, mo->ym, &seq)) < 0) goto out;
            memcpy(w->out + w->nout * w->rs, s->row, w->rs);
            w->nout++;
            nx__kept_row(&kept, s->ts, s->k2, existing);
        }
        if ((rc = nx__src_advance(w, s)) < 0) goto out;
        if (!s->row || s->ts >= mend) heap->v[0] = heap->v[--heap->n];
        nx__heap_down(heap, 0);
    }
    if ((rc = nx__flush_block(w, mo->ym, &seq)) < 0) goto out;
    p->nblk = w->nblks - p->first_blk;
    if (p->rewrite && kept.new_rows == 0) { /* nothing new: keep the month as it is */
        for (size_t i = p->first_blk; i < w->nblks; i++) {
            char path[1200];
            nx__blk_tmp(w, w->blks[i].file_no, path, sizeof path);
            unlink(path);
        }
        w->nblks = p->first_blk;
        p->nblk = 0;
        p->skip = 1;
    } else {
        nx__plan_totals(w, p, &kept);
    }
    rc = NX_OK;
out:
    nx__src_close(&old);
    return rc;
}

static int nx__bind_exec(sqlite3 *db, sqlite3_stmt *st, const char *what) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? NX_OK : nx__sql_err(db, rc, what);
}

/* Transaction 2: the catalog takes the new blocks. */
static int nx__catalog_commit(nx_store_writer_t *w, size_t nplans) {
    nx_store_t *s = w->s;
    sqlite3 *db = s->db;
    sqlite3_stmt *ins_i = NULL, *sel_i = NULL, *ins_p = NULL, *upd_p = NULL, *gar = NULL,
                 *del_b = NULL, *ins_b = NULL, *meta = NULL;
    int rc = nx__catalog_exec(s, "BEGIN IMMEDIATE");
    if (rc < 0) return rc;
#define PREP(st, sql)                                                                          \
    do {                                                                                       \
        int r_ = sqlite3_prepare_v2(db, sql, -1, &st, NULL);                                   \
        if (r_ != SQLITE_OK) {                                                                 \
            rc = nx__sql_err(db, r_, "prepare");                                               \
            goto fail;                                                                         \
        }                                                                                      \
    } while (0)
    PREP(ins_i, "INSERT OR IGNORE INTO instruments(venue, symbol) VALUES(?, ?)");
    PREP(sel_i, "SELECT id FROM instruments WHERE venue = ? AND symbol = ?");
    PREP(ins_p, "INSERT INTO partitions(instrument_id, venue, symbol, kind, month, rows, bytes,"
                " blocks, min_ts, max_ts, min_id, max_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    PREP(upd_p, "UPDATE partitions SET rows = ?, bytes = ?, blocks = ?, min_ts = ?, max_ts = ?,"
                " min_id = ?, max_id = ? WHERE id = ?");
    PREP(gar, "INSERT OR IGNORE INTO garbage(file) SELECT file FROM blocks WHERE partition_id = ?");
    PREP(del_b, "DELETE FROM blocks WHERE partition_id = ?");
    PREP(ins_b, "INSERT INTO blocks(partition_id, seq, file, rows, bytes, raw_bytes, min_ts,"
                " max_ts, min_id, max_id, crc_raw, crc_file) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    PREP(meta, "UPDATE meta SET value = ? WHERE key = 'next_file_no'");
#undef PREP
    sqlite3_bind_text(ins_i, 1, w->venue, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_i, 2, w->symbol, -1, SQLITE_STATIC);
    if ((rc = nx__bind_exec(db, ins_i, "instrument")) < 0) goto fail;
    sqlite3_bind_text(sel_i, 1, w->venue, -1, SQLITE_STATIC);
    sqlite3_bind_text(sel_i, 2, w->symbol, -1, SQLITE_STATIC);
    if (sqlite3_step(sel_i) != SQLITE_ROW) {
        rc = nx__sql_err(db, sqlite3_errcode(db), "instrument id");
        goto fail;
    }
    int64_t inst = sqlite3_column_int64(sel_i, 0);
    for (size_t i = 0; i < nplans; i++) {
        nx__plan_t *p = &w->plans[i];
        if (p->skip || p->nblk == 0) continue;
        if (p->pid == 0) {
            char m[8];
            nx__month_name(p->ym, m);
            sqlite3_bind_int64(ins_p, 1, inst);
            sqlite3_bind_text(ins_p, 2, w->venue, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_p, 3, w->symbol, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_p, 4, w->kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_p, 5, m, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins_p, 6, (int64_t)p->rows);
            sqlite3_bind_int64(ins_p, 7, (int64_t)p->bytes);
            sqlite3_bind_int64(ins_p, 8, (int64_t)p->blocks);
            sqlite3_bind_int64(ins_p, 9, p->min_ts);
            sqlite3_bind_int64(ins_p, 10, p->max_ts);
            sqlite3_bind_int64(ins_p, 11, (int64_t)p->min_id);
            sqlite3_bind_int64(ins_p, 12, (int64_t)p->max_id);
            if ((rc = nx__bind_exec(db, ins_p, "partition")) < 0) goto fail;
            p->pid = sqlite3_last_insert_rowid(db);
        } else {
            sqlite3_bind_int64(upd_p, 1, (int64_t)p->rows);
            sqlite3_bind_int64(upd_p, 2, (int64_t)p->bytes);
            sqlite3_bind_int64(upd_p, 3, (int64_t)p->blocks);
            sqlite3_bind_int64(upd_p, 4, p->min_ts);
            sqlite3_bind_int64(upd_p, 5, p->max_ts);
            sqlite3_bind_int64(upd_p, 6, (int64_t)p->min_id);
            sqlite3_bind_int64(upd_p, 7, (int64_t)p->max_id);
            sqlite3_bind_int64(upd_p, 8, p->pid);
            if ((rc = nx__bind_exec(db, upd_p, "partition")) < 0) goto fail;
            if (p->rewrite) {
                sqlite3_bind_int64(gar, 1, p->pid);
                if ((rc = nx__bind_exec(db, gar, "garbage")) < 0) goto fail;
                w->st.blocks_replaced += (uint32_t)sqlite3_changes(db);
                sqlite3_bind_int64(del_b, 1, p->pid);
                if ((rc = nx__bind_exec(db, del_b, "old blocks")) < 0) goto fail;
            }
        }
        for (size_t j = p->first_blk; j < p->first_blk + p->nblk; j++) {
            const nx__newblk_t *b = &w->blks[j];
            char rel[NX_STORE_PATH_MAX];
            nx__blk_rel(w, b->ym, b->file_no, rel, sizeof rel);
            sqlite3_bind_int64(ins_b, 1, p->pid);
            sqlite3_bind_int64(ins_b, 2, b->seq);
            sqlite3_bind_text(ins_b, 3, rel, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins_b, 4, b->h.rows);
            sqlite3_bind_int64(ins_b, 5, (int64_t)b->bytes);
            sqlite3_bind_int64(ins_b, 6, b->h.raw_size);
            sqlite3_bind_int64(ins_b, 7, b->h.min_ts);
            sqlite3_bind_int64(ins_b, 8, b->h.max_ts);
            sqlite3_bind_int64(ins_b, 9, (int64_t)b->h.min_id);
            sqlite3_bind_int64(ins_b, 10, (int64_t)b->h.max_id);
            sqlite3_bind_int64(ins_b, 11, b->h.crc_raw);
            sqlite3_bind_int64(ins_b, 12, b->crc_file);
            if ((rc = nx__bind_exec(db, ins_b, "block")) < 0) goto fail;
        }
    }
    sqlite3_bind_int64(meta, 1, (int64_t)s->next_file_no);
    if ((rc = nx__bind_exec(db, meta, "next_file_no")) < 0) goto fail;
    if ((rc = nx__catalog_exec(s, "DELETE FROM pending")) < 0) goto fail;
    if (nx__io_fault()) {
        rc = NX_ERR(NX_EIO, "catalog: commit: injected I/O error");
        goto fail;
    }
    if ((rc = nx__catalog_exec(s, "COMMIT")) < 0) goto fail;
    rc = NX_OK;
    goto done;
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
done:
    sqlite3_finalize(ins_i);
    sqlite3_finalize(sel_i);
    sqlite3_finalize(ins_p);
    sqlite3_finalize(upd_p);
    sqlite3_finalize(gar);
    sqlite3_finalize(del_b);
    sqlite3_finalize(ins_b);
    sqlite3_finalize(meta);
    return rc;
}

/* Transaction 1: name the files about to appear, so a crash cannot orphan them. */
static int nx__pending(nx_store_writer_t *w) {
    sqlite3 *db = w->s->db;
    sqlite3_stmt *st = NULL;
    int rc = nx__catalog_exec(w->s, "BEGIN IMMEDIATE");
    if (rc < 0) return rc;
    int r = sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO pending(file) VALUES(?)", -1, &st, NULL);
    if (r != SQLITE_OK) {
        rc = nx__sql_err(db, r, "pending");
        goto fail;
    }
    for (size_t i = 0; i < w->nblks; i++) {
        char rel[NX_STORE_PATH_MAX];
        nx__blk_rel(w, w->blks[i].ym, w->blks[i].file_no, rel, sizeof rel);
        sqlite3_bind_text(st, 1, rel, -1, SQLITE_TRANSIENT);
        if ((rc = nx__bind_exec(db, st, "pending")) < 0) goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (nx__io_fault()) {
        rc = NX_ERR(NX_EIO, "catalog: pending: injected I/O error");
        goto fail;
    }
    if ((rc = nx__catalog_exec(w->s, "COMMIT")) < 0) goto fail;
    return NX_OK;
fail:
    sqlite3_finalize(st);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* After a failure: remove every new file, directories we made, and pending rows. */
static void nx__undo(nx_store_writer_t *w, nx__dirlist_t *created, int pending_written) {
    char path[1200], rel[NX_STORE_PATH_MAX];
    for (size_t i = 0; i < w->nblks; i++) {
        nx__blk_tmp(w, w->blks[i].file_no, path, sizeof path);
        unlink(path);
        nx__blk_rel(w, w->blks[i].ym, w->blks[i].file_no, rel, sizeof rel);
        snprintf(path, sizeof path, "%s/%s", w->s->root, rel);
        unlink(path);
    }
    if (created)
        for (size_t i = created->n; i-- > 0;) rmdir(created->v[i]);
    if (pending_written) sqlite3_exec(w->s->db, "DELETE FROM pending", NULL, NULL, NULL);
}

static void nx__delete_garbage(nx_store_t *s) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT file FROM garbage", -1, &st, NULL) != SQLITE_OK) return;
    char path[1200];
    while (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(path, sizeof path, "%s/%s", s->root, (const char *)sqlite3_column_text(st, 0));
        unlink(path);
    }
    sqlite3_finalize(st);
    sqlite3_exec(s->db, "DELETE FROM garbage", NULL, NULL, NULL);
}

static void nx__writer_free(nx_store_writer_t *w) {
    char path[1200];
    nx__pipe_stop(w); /* before the unlinks: it may be writing a block */
    for (size_t i = 0; i < w->nruns; i++) unlink(w->runs[i].path);
    for (size_t i = 0; i < w->npfiles; i++) {
        snprintf(path, sizeof path, "%s/%s", w->s->root, w->pfiles[i]);
        unlink(path);
        nx_free(w->pfiles[i]);
    }
    for (size_t i = 0; i < w->nblks; i++) { /* blocks not renamed into place (abort, failure) */
        nx__blk_tmp(w, w->blks[i].file_no, path, sizeof path);
        unlink(path);
    }
    w->s->writing = 0;
    nx__codec_close(&w->codec);
    nx_free(w->buf);
    nx_free(w->months);
    nx_free(w->runs);
    nx_free(w->pfiles);
    nx_free(w->blks);
    nx_free(w->plans);
    nx_free(w->iv);
    nx_free(w->grp);
    nx_free(w->gtab);
    nx_free(w->out);
    nx_free(w);
}

void nx_store_write_abort(nx_store_writer_t *w) {
    if (!w) return;
    w->s->next_file_no = w->file_no0;
    nx__writer_free(w);
}

/* The general path: merge every source month by month into new blocks. */
static int nx__merge_all(nx_store_writer_t *w) {
    nx_store_t *s = w->s;
    uint32_t *idx = NULL;
    nx__src_t *srcs = NULL;
    nx__heap_t heap = {NULL, 0};
    size_t nsrc = 0;
    int rc;
    while (w->nruns > NX__FANIN)
        if ((rc = nx__reduce_runs(w)) < 0) return rc;
    if ((rc = nx__sort_buffer(w, &idx)) < 0) return rc;
    size_t np = w->npfiles ? 1 : 0;
    nsrc = np + w->nruns + 1;
    srcs = nx_calloc(nsrc, sizeof *srcs);
    heap.v = nx_calloc(nsrc + 1, sizeof *heap.v);
    nx_free(w->plans);
    w->plans = nx_calloc(w->nmonths, sizeof *w->plans);
    w->nplans = w->nmonths;
    if (!w->out) w->out = nx_malloc((size_t)s->o.block_rows * w->rs);
    if (!srcs || !heap.v || !w->plans || !w->out) {
        rc = NX_ERR(NX_ENOMEM, "store: commit state");
        goto out;
    }
    for (size_t i = 0; i < nsrc; i++) srcs[i].fd = -1;
    if (np) { /* the fast-path blocks: the rows that arrived first */
        nx__src_t *f = &srcs[0];
        f->type = 2;
        f->rank = 1;
        f->files = w->pfiles;
        f->nfiles = w->npfiles;
        f->files_borrowed = 1;
        if ((rc = nx__src_load(w, f)) < 0) goto out;
    }
    for (size_t i = 0; i < w->nruns; i++)
        if ((rc = nx__src_open_run(w, &srcs[np + i], &w->runs[i], (uint32_t)(np + i) + 1)) < 0)
            goto out;
    nx__src_t *mem = &srcs[np + w->nruns];
    mem->type = 0;
    mem->rank = (uint32_t)(np + w->nruns) + 1;
    mem->base = w->buf;
    mem->idx = idx;
    mem->n = w->nbuf;
    mem->pos = 0;
    nx__src_set(w, mem, w->nbuf ? w->buf + (size_t)idx[0] * w->rs : NULL);
    for (size_t m = 0; m < w->nmonths; m++)
        if ((rc = nx__commit_month(w, &w->months[m], srcs, nsrc, &heap, &w->plans[m])) < 0)
            goto out;
    rc = NX_OK;
out:
    if (srcs)
        for (size_t i = 0; i < nsrc; i++) nx__src_close(&srcs[i]);
    nx_free(idx);
    nx_free(srcs);
    nx_free(heap.v);
    return rc;
}

int nx_store_write_commit(nx_store_writer_t *w, nx_store_write_stats_t *stats) {
    nx_store_t *s = w->s;
    nx__dirlist_t created = {NULL, 0, 0};
    int pending = 0, rc;
    if (w->failed) {
        rc = NX_ERR(NX_ESTATE, "store writer failed earlier");
        goto fail;
    }
    if (w->st.received == 0) goto done;
    if (w->fast) {
        if ((rc = nx__fast_finish(w)) < 0) goto fail;
    } else if ((rc = nx__merge_all(w)) < 0) {
        goto fail;
    }
    if (w->nblks == 0) goto done; /* nothing new */
    if ((rc = nx__pending(w)) < 0) goto fail;
    pending = 1;
    char from[1200], to[1200], rel[NX_STORE_PATH_MAX], dir[1200];
    for (size_t i = 0; i < w->nblks; i++) {
        nx__newblk_t *b = &w->blks[i];
        nx__blk_rel(w, b->ym, b->file_no, rel, sizeof rel);
        snprintf(to, sizeof to, "%s/%s", s->root, rel);
        snprintf(dir, sizeof dir, "%s", to);
        *strrchr(dir, '/') = '\0';
        if ((rc = nx__mkdirs(dir, &created)) < 0) goto fail;
        nx__blk_tmp(w, b->file_no, from, sizeof from);
        if ((rc = nx__rename(from, to)) < 0) goto fail;
        b->renamed = 1;
        if (i + 1 == w->nblks || w->blks[i + 1].ym != b->ym) /* last block of its month */
            if ((rc = nx__fsync_dir(dir)) < 0) goto fail;
    }
    for (size_t i = 0; i < created.n; i++) { /* new directories: make their entries durable */
        snprintf(dir, sizeof dir, "%s", created.v[i]);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            if ((rc = nx__fsync_dir(dir)) < 0) goto fail;
        }
    }
    if ((rc = nx__catalog_commit(w, w->nplans)) < 0) goto fail;
    w->st.blocks_written = (uint32_t)w->nblks;
    nx__delete_garbage(s);
    w->nblks = 0; /* in place now */
done:
    w->st.sorted_path = (uint32_t)w->fast;
    w->st.duplicates = w->st.received - w->st.stored;
    if (stats) *stats = w->st;
    nx__dirlist_free(&created);
    nx__writer_free(w);
    return NX_OK;
fail:
    NX_ERR_APPEND(rc, "store commit %s/%s/%s", w->venue, w->symbol, w->kind);
    nx__undo(w, &created, pending);
    s->next_file_no = w->file_no0;
    nx__dirlist_free(&created);
    nx__writer_free(w);
    return rc;
}
