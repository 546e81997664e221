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

#include "store/writer_int.h"

/* ---- helpers ----------------------------------------------------------------- */

int nx__grow(void **p, size_t *cap, size_t need, size_t elem, size_t max) {
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

void nx__blk_tmp(const nx_store_writer_t *w, uint64_t no, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%012llu.nxb", w->tmp, (unsigned long long)no);
}
void nx__blk_rel(const nx_store_writer_t *w, int32_t ym, uint64_t no, char *buf,
                        size_t cap) {
    char m[8];
    nx__month_name(ym, m);
    snprintf(buf, cap, "%s/%s/%s/%s/%012llu.nxb", w->venue, w->symbol, w->kind, m,
             (unsigned long long)no);
}

/* ---- begin / append ------------------------------------------------------------ */

int64_t nx__month_end(int32_t ym) {
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
int nx__sort_buffer(nx_store_writer_t *w, uint32_t **out) {
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
int nx__write_run(nx_store_writer_t *w, const uint8_t *rows, const uint32_t *idx,
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


/* Totals of a month that is new or appended to (a rewrite counts as new). */
void nx__plan_totals(nx_store_writer_t *w, nx__plan_t *p, const nx__kept_t *k) {
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
void nx__pipe_stop(nx_store_writer_t *w) {
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
int nx__fast_finish(nx_store_writer_t *w) {
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

