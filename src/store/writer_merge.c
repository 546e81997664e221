/* Store writer: merge sources, the bounded multi-level run merge, and dedup
   (ids by interval set, id-less rows by ts_recv group). See writer.c. */

#include "store/writer_int.h"

/* ---- merge sources ------------------------------------------------------------- */

void nx__src_set(nx_store_writer_t *w, nx__src_t *s, const uint8_t *row) {
    s->row = row;
    if (row) {
        s->ts = nx__ts(row);
        s->k2 = nx__id(w->d, row);
    }
}

/* Load the next block of a file-backed source; row = NULL at the end. */
int nx__src_load(nx_store_writer_t *w, nx__src_t *s) {
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

int nx__src_advance(nx_store_writer_t *w, nx__src_t *s) {
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

void nx__src_close(nx__src_t *s) {
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

int nx__src_open_run(nx_store_writer_t *w, nx__src_t *s, const nx__run_t *run,
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


void nx__heap_down(nx__heap_t *h, size_t i) {
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

void nx__heap_build(nx__heap_t *h) {
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
int nx__reduce_runs(nx_store_writer_t *w) {
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

int nx__iv_add(nx_store_writer_t *w, uint64_t id) {
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
int nx__group_check(nx_store_writer_t *w, const uint8_t *row, int existing) {
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

int nx__is_dup(nx_store_writer_t *w, const uint8_t *row, int existing) {
    uint64_t id = nx__id(w->d, row);
    if (id) {
        if (!existing && nx__iv_has(w, id)) return 1;
        int rc = nx__iv_add(w, id);
        return rc < 0 ? rc : 0;
    }
    return nx__group_check(w, row, existing);
}

