/*
 * Merge cursor: any set of streams in (ts_recv, stream index) order.
 *
 * Each stream walks its blocks through one prepared query ("the first block
 * after the current one that overlaps [from, to)") on the cursor's own
 * read-only catalog connection, inside one read transaction (a snapshot), and
 * holds one decoded block. The rows of a block are decoded straight into
 * event records that were stamped once with type, size, topic and
 * instrument, so next() hands out a pointer: no copy, no allocation.
 * A binary heap of (ts_recv, stream) picks the next stream; the stream of
 * the event last returned is advanced on the following call, so the pointer
 * stays valid until then.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

typedef struct nx__cstream {
    char venue[NX_STORE_NAME_MAX + 1], symbol[NX_STORE_NAME_MAX + 1];
    char kind[NX_STORE_KIND_MAX + 1];
    uint32_t instrument, topic;
    const nx__kdesc_t *d;
    size_t stride;
    sqlite3_stmt *qp, *qb; /* next partition; next block of the partition */
    int64_t pid;           /* current partition, 0 before the first */
    char month[8];
    int64_t seq;
    uint8_t *rows;
    size_t rows_cap;
    uint8_t *cur, *end;
    int last_block, done;
} nx__cstream_t;

typedef struct nx__hent {
    int64_t ts;
    uint32_t i;
} nx__hent_t;

struct nx_store_cursor {
    nx_store_t *s;
    sqlite3 *db;
    nx__codec_t codec;
    uint8_t *fbuf;
    size_t fcap;
    int64_t from, to;
    size_t n;
    nx__cstream_t *st;
    nx__hent_t *heap;
    size_t nheap;
    int64_t last;
    int err;
    uint64_t rows;
};

static inline int nx__hless(const nx__hent_t *a, const nx__hent_t *b) {
    return a->ts < b->ts || (a->ts == b->ts && a->i < b->i);
}

static inline void nx__hdown(nx__hent_t *h, size_t n, size_t i) {
    nx__hent_t x = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n) break;
        if (l + 1 < n && nx__hless(&h[l + 1], &h[l])) l++;
        if (!nx__hless(&h[l], &x)) break;
        h[i] = h[l];
        i = l;
    }
    h[i] = x;
}

/* First row index in [lo, n) with ts_recv >= t. */
static size_t nx__lower(const uint8_t *rows, size_t stride, size_t n, int64_t t) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (nx__ts(rows + mid * stride) < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void nx__stamp(nx__cstream_t *s, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        uint8_t *r = s->rows + i * s->stride;
        memset(r, 0, s->stride);
        nx_event_hdr_t *h = (nx_event_hdr_t *)(void *)r;
        h->type = s->d->type;
        h->size = s->d->size;
        h->topic = s->topic;
        memcpy(r + 48, &s->instrument, 4); /* every market record starts with instrument */
    }
}

/* Load the stream's next overlapping block; sets done at the end. */
static int nx__cs_load(nx_store_cursor_t *c, nx__cstream_t *s) {
    char path[1200];
    uint64_t rows = 0;
    for (;;) {
        if (s->last_block) {
            s->done = 1;
            return NX_OK;
        }
        int rc;
        if (s->pid) { /* next block of the current partition: an index range on (partition, seq) */
            sqlite3_stmt *q = s->qb;
            sqlite3_bind_int64(q, 1, s->pid);
            sqlite3_bind_int64(q, 2, s->seq);
            rc = sqlite3_step(q);
            if (rc == SQLITE_ROW) {
                snprintf(path, sizeof path, "%s/%s", c->s->root,
                         (const char *)sqlite3_column_text(q, 0));
                rows = (uint64_t)sqlite3_column_int64(q, 1);
                s->seq = sqlite3_column_int64(q, 2);
                sqlite3_reset(q);
            } else {
                sqlite3_reset(q);
                if (rc != SQLITE_DONE) return nx__sql_err(c->db, rc, "next block");
                s->pid = 0;
            }
        }
        if (!s->pid) { /* the next month partition overlapping [from, to) */
            sqlite3_stmt *q = s->qp;
            sqlite3_bind_text(q, 4, s->month, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(q);
            if (rc == SQLITE_ROW) {
                s->pid = sqlite3_column_int64(q, 0);
                snprintf(s->month, sizeof s->month, "%s", (const char *)sqlite3_column_text(q, 1));
                s->seq = 0;
            }
            sqlite3_reset(q);
            if (rc == SQLITE_DONE) {
                s->done = 1;
                return NX_OK;
            }
            if (rc != SQLITE_ROW) return nx__sql_err(c->db, rc, "next partition");
            continue;
        }
        if (rows == 0 || rows > NX_STORE_BLOCK_ROWS_MAX)
            return NX_ERR(NX_ECORRUPT, "%s: catalog says %llu rows", path,
                          (unsigned long long)rows);
        if (rows > s->rows_cap) {
            uint8_t *r = nx_realloc(s->rows, (size_t)rows * s->stride);
            if (!r) return NX_ERR(NX_ENOMEM, "store cursor: block of %llu rows",
                                  (unsigned long long)rows);
            s->rows = r;
            nx__stamp(s, s->rows_cap, rows);
            s->rows_cap = rows;
        }
        size_t len;
        if ((rc = nx__read_file(path, &c->fbuf, &c->fcap, &len)) < 0) return rc;
        nx__bhdr_t h;
        if ((rc = nx__block_decode(&c->codec, c->fbuf, len, s->rows, s->stride, s->rows_cap,
                                   &h)) < 0)
            return NX_ERR_APPEND(rc, "%s", path);
        if (h.rows != rows || h.kind != s->d->kind)
            return NX_ERR(NX_ECORRUPT, "%s: block holds %u rows of kind %u, catalog says %llu",
                          path, h.rows, h.kind, (unsigned long long)rows);
        size_t a = 0, b = rows;
        if (c->from > h.min_ts) a = nx__lower(s->rows, s->stride, rows, c->from);
        if (c->to <= h.max_ts) {
            b = nx__lower(s->rows, s->stride, rows, c->to);
            s->last_block = 1;
        }
        if (a < b) {
            s->cur = s->rows + a * s->stride;
            s->end = s->rows + b * s->stride;
            return NX_OK;
        }
    }
}

void nx_store_cursor_close(nx_store_cursor_t *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        sqlite3_finalize(c->st[i].qp);
        sqlite3_finalize(c->st[i].qb);
        nx_free(c->st[i].rows);
    }
    if (c->db) {
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(c->db);
    }
    nx__codec_close(&c->codec);
    nx_free(c->fbuf);
    nx_free(c->st);
    nx_free(c->heap);
    nx_free(c);
}

int nx_store_cursor_open(nx_store_t *s, const nx_store_stream_t *streams, size_t n, int64_t from,
                         int64_t to, nx_store_cursor_t **out) {
    if (n == 0 || n > 1024) return NX_ERR(NX_EINVAL, "store cursor: %zu streams (1..1024)", n);
    int rc;
    nx_store_cursor_t *c = nx_calloc(1, sizeof *c);
    if (!c) return NX_ERR(NX_ENOMEM, "store cursor");
    c->s = s;
    c->from = from;
    c->to = to;
    c->last = -1;
    nx__codec_init(&c->codec, 1);
    c->st = nx_calloc(n, sizeof *c->st);
    c->heap = nx_calloc(n, sizeof *c->heap);
    if (!c->st || !c->heap) {
        rc = NX_ERR(NX_ENOMEM, "store cursor");
        goto fail;
    }
    c->n = n;
    char path[1200];
    snprintf(path, sizeof path, "%s/catalog.sqlite", s->root);
    int r = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (r != SQLITE_OK) {
        rc = nx__sql_err(c->db, r, path);
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 5000);
    /* One read transaction for the cursor's life: every stream sees one snapshot. */
    r = sqlite3_exec(c->db, "BEGIN; SELECT count(*) FROM meta;", NULL, NULL, NULL);
    if (r != SQLITE_OK) {
        rc = nx__sql_err(c->db, r, "snapshot");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        nx__cstream_t *cs = &c->st[i];
        const nx_store_stream_t *in = &streams[i];
        if ((rc = nx__key_names(&in->key, cs->kind)) < 0) goto fail;
        snprintf(cs->venue, sizeof cs->venue, "%s", in->key.venue);
        snprintf(cs->symbol, sizeof cs->symbol, "%s", in->key.symbol);
        cs->instrument = in->instrument;
        cs->topic = in->topic;
        cs->d = nx__kdesc(in->key.kind);
        cs->stride = cs->d->size;
        r = sqlite3_prepare_v2(c->db,
                               "SELECT id, month FROM partitions WHERE venue = ?1 AND symbol = ?2"
                               " AND kind = ?3 AND month > ?4 AND max_ts >= ?5 AND min_ts < ?6"
                               " ORDER BY month LIMIT 1",
                               -1, &cs->qp, NULL);
        if (r == SQLITE_OK)
            r = sqlite3_prepare_v2(c->db,
                                   "SELECT file, rows, seq FROM blocks WHERE partition_id = ?1"
                                   " AND seq > ?2 AND max_ts >= ?3 AND min_ts < ?4"
                                   " ORDER BY seq LIMIT 1",
                                   -1, &cs->qb, NULL);
        if (r != SQLITE_OK) {
            rc = nx__sql_err(c->db, r, "cursor query");
            goto fail;
        }
        sqlite3_bind_text(cs->qp, 1, cs->venue, -1, SQLITE_STATIC);
        sqlite3_bind_text(cs->qp, 2, cs->symbol, -1, SQLITE_STATIC);
        sqlite3_bind_text(cs->qp, 3, cs->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(cs->qp, 5, from);
        sqlite3_bind_int64(cs->qp, 6, to);
        sqlite3_bind_int64(cs->qb, 3, from);
        sqlite3_bind_int64(cs->qb, 4, to);
        snprintf(cs->month, sizeof cs->month, "%s", "");
        cs->seq = 0;
        if (from >= to) cs->done = 1;
    }
    for (size_t i = 0; i < n; i++) {
        nx__cstream_t *cs = &c->st[i];
        if (!cs->done && (rc = nx__cs_load(c, cs)) < 0) goto fail;
        if (!cs->done) c->heap[c->nheap++] = (nx__hent_t){nx__ts(cs->cur), (uint32_t)i};
    }
    for (size_t i = c->nheap / 2; i-- > 0;) nx__hdown(c->heap, c->nheap, i);
    *out = c;
    return NX_OK;
fail:
    nx_store_cursor_close(c);
    return rc;
}

int nx_store_cursor_next(nx_store_cursor_t *c, nx_event_hdr_t **ev) {
    if (NX_UNLIKELY(c->err)) return c->err;
    if (NX_LIKELY(c->last >= 0)) {
        nx__cstream_t *s = &c->st[c->last];
        /* the consumer (the kernel) may have stamped these: slots stay zeroed */
        nx_event_hdr_t *prev = (nx_event_hdr_t *)(void *)s->cur;
        prev->seq = prev->trace_id = prev->causation_id = 0;
        s->cur += s->stride;
        if (NX_UNLIKELY(s->cur == s->end)) {
            int rc = nx__cs_load(c, s);
            if (rc < 0) {
                c->err = rc;
                return rc;
            }
        }
        if (NX_UNLIKELY(s->done)) c->heap[0] = c->heap[--c->nheap];
        else c->heap[0].ts = nx__ts(s->cur);
        if (c->nheap > 1) nx__hdown(c->heap, c->nheap, 0);
        c->last = -1;
    }
    if (NX_UNLIKELY(c->nheap == 0)) return NX_EEND;
    uint32_t i = c->heap[0].i;
    c->last = i;
    c->rows++;
    *ev = (nx_event_hdr_t *)(void *)c->st[i].cur;
    return NX_OK;
}

uint64_t nx_store_cursor_rows(const nx_store_cursor_t *c) { return c->rows; }

static int nx__cursor_source_next(void *ctx, nx_event_hdr_t **ev) {
    return nx_store_cursor_next(ctx, ev);
}

void nx_store_cursor_source(nx_store_cursor_t *c, const char *name, nx_source_t *out) {
    out->name = name;
    out->next = nx__cursor_source_next;
    out->ctx = c;
}
