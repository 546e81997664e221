/* Store writer: per-month commit, the two catalog transactions, undo and
   abort. See writer.c. */

#include "store/writer_int.h"

/* ---- commit ---------------------------------------------------------------------- */

int nx__flush_block(nx_store_writer_t *w, int32_t ym, uint32_t *seq) {
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
int nx__part_lookup(nx_store_writer_t *w, int32_t ym, nx__plan_t *p, uint32_t *max_seq) {
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

