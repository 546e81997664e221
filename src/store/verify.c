/*
 * Verify: re-read every block the catalog names and check it against its
 * own checksums, its structure and the catalog (docs/store.md lists the
 * checks). Every problem is reported with the block's file name; the scan
 * goes on past problems so one run lists them all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

typedef struct nx__vctx {
    nx_store_problem_fn fn;
    void *ctx;
    nx_store_verify_stats_t st;
} nx__vctx_t;

static void nx__problem(nx__vctx_t *v, const char *file, const char *fmt, ...)
    NX_PRINTF(3, 4);
static void nx__problem(nx__vctx_t *v, const char *file, const char *fmt, ...) {
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    v->st.problems++;
    if (v->fn) v->fn(v->ctx, file, reason);
}

typedef struct nx__vpart {
    int64_t id;
    char name[NX_STORE_PATH_MAX];
    uint64_t rows, bytes, blocks;
    int64_t min_ts, max_ts;
    /* sums over its blocks */
    uint64_t s_rows, s_bytes, s_blocks;
    int64_t s_min, s_max;
    int64_t last_max;
    int kind_ok;
    const nx__kdesc_t *d;
} nx__vpart_t;

static void nx__vpart_end(nx__vctx_t *v, nx__vpart_t *p) {
    if (p->id == 0) return;
    if (p->s_rows != p->rows || p->s_bytes != p->bytes || p->s_blocks != p->blocks)
        nx__problem(v, p->name,
                    "partition totals differ from its blocks: catalog %llu rows %llu bytes %llu "
                    "blocks, blocks sum to %llu rows %llu bytes %llu blocks",
                    (unsigned long long)p->rows, (unsigned long long)p->bytes,
                    (unsigned long long)p->blocks, (unsigned long long)p->s_rows,
                    (unsigned long long)p->s_bytes, (unsigned long long)p->s_blocks);
    else if (p->s_blocks && (p->s_min != p->min_ts || p->s_max != p->max_ts))
        nx__problem(v, p->name, "partition time range differs from its blocks");
    p->id = 0;
}

int nx_store_verify(nx_store_t *s, nx_store_problem_fn fn, void *ctx,
                    nx_store_verify_stats_t *out) {
    nx__vctx_t v;
    memset(&v, 0, sizeof v);
    v.fn = fn;
    v.ctx = ctx;
    nx__codec_t codec;
    nx__codec_init(&codec, 1);
    uint8_t *fbuf = NULL, *rows = NULL;
    size_t fcap = 0, rows_cap = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT p.id, p.venue, p.symbol, p.kind, p.month, p.rows, p.bytes, p.blocks, p.min_ts,"
        " p.max_ts, b.file, b.seq, b.rows, b.bytes, b.raw_bytes, b.min_ts, b.max_ts, b.min_id,"
        " b.max_id, b.crc_raw, b.crc_file FROM partitions p LEFT JOIN blocks b"
        " ON b.partition_id = p.id ORDER BY p.venue, p.symbol, p.kind, p.month, b.seq",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return nx__sql_err(s->db, rc, "verify");
    nx__vpart_t part;
    memset(&part, 0, sizeof part);
    int ret = NX_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t pid = sqlite3_column_int64(st, 0);
        if (pid != part.id) {
            nx__vpart_end(&v, &part);
            memset(&part, 0, sizeof part);
            part.id = pid;
            snprintf(part.name, sizeof part.name, "%s/%s/%s/%s", sqlite3_column_text(st, 1),
                     sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
                     sqlite3_column_text(st, 4));
            part.rows = (uint64_t)sqlite3_column_int64(st, 5);
            part.bytes = (uint64_t)sqlite3_column_int64(st, 6);
            part.blocks = (uint64_t)sqlite3_column_int64(st, 7);
            part.min_ts = sqlite3_column_int64(st, 8);
            part.max_ts = sqlite3_column_int64(st, 9);
            part.last_max = INT64_MIN;
            nx_data_kind_t k;
            part.kind_ok = nx_data_kind_parse((const char *)sqlite3_column_text(st, 3), &k,
                                              NULL) == 0;
            part.d = part.kind_ok ? nx__kdesc(k) : NULL;
            if (!part.d) nx__problem(&v, part.name, "unknown kind");
            v.st.partitions++;
        }
        if (sqlite3_column_type(st, 10) == SQLITE_NULL) continue; /* no blocks */
        const char *file = (const char *)sqlite3_column_text(st, 10);
        uint64_t c_rows = (uint64_t)sqlite3_column_int64(st, 12);
        uint64_t c_bytes = (uint64_t)sqlite3_column_int64(st, 13);
        uint64_t c_raw = (uint64_t)sqlite3_column_int64(st, 14);
        int64_t c_min = sqlite3_column_int64(st, 15), c_max = sqlite3_column_int64(st, 16);
        uint64_t c_min_id = (uint64_t)sqlite3_column_int64(st, 17);
        uint64_t c_max_id = (uint64_t)sqlite3_column_int64(st, 18);
        uint32_t c_crc_raw = (uint32_t)sqlite3_column_int64(st, 19);
        uint32_t c_crc_file = (uint32_t)sqlite3_column_int64(st, 20);
        v.st.blocks++;
        part.s_rows += c_rows;
        part.s_bytes += c_bytes;
        if (part.s_blocks++ == 0) part.s_min = c_min;
        part.s_max = c_max;
        if (c_min < part.last_max)
            nx__problem(&v, file, "block starts at %lld, before the previous block's end %lld",
                        (long long)c_min, (long long)part.last_max);
        part.last_max = c_max;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", s->root, file);
        size_t len = 0;
        rc = nx__read_file(path, &fbuf, &fcap, &len);
        if (rc == NX_ENOTFOUND) {
            nx__problem(&v, file, "block file missing");
            continue;
        }
        if (rc < 0) {
            if (rc == NX_ENOMEM || rc == NX_ELIMIT) {
                ret = rc;
                break;
            }
            nx__problem(&v, file, "unreadable: %s", nx_err_message());
            continue;
        }
        v.st.bytes += len;
        if (len != c_bytes) {
            nx__problem(&v, file, "file has %zu bytes, catalog says %llu", len,
                        (unsigned long long)c_bytes);
            continue;
        }
        if (nx_crc32c(0, fbuf, len) != c_crc_file) {
            nx__problem(&v, file, "file checksum mismatch (CRC-32C %08x, catalog %08x)",
                        nx_crc32c(0, fbuf, len), c_crc_file);
        }
        nx__bhdr_t h;
        if ((rc = nx__block_header(fbuf, len, &h)) < 0) {
            nx__problem(&v, file, "%s", nx_err_message());
            continue;
        }
        if (!part.d || h.kind != part.d->kind) {
            nx__problem(&v, file, "block kind %u does not match its partition", h.kind);
            continue;
        }
        if ((size_t)h.rows * part.d->size > rows_cap) { /* capacity in bytes: kinds differ */
            uint8_t *r = nx_realloc(rows, (size_t)h.rows * part.d->size);
            if (!r) {
                ret = NX_ERR(NX_ENOMEM, "verify: block rows");
                break;
            }
            rows = r;
            rows_cap = (size_t)h.rows * part.d->size;
        }
        if ((rc = nx__block_decode(&codec, fbuf, len, rows, part.d->size,
                                   rows_cap / part.d->size, &h)) < 0) {
            if (rc == NX_ENOMEM || rc == NX_ELIMIT) {
                ret = rc;
                break;
            }
            nx__problem(&v, file, "%s", nx_err_message());
            continue;
        }
        v.st.rows += h.rows;
        if (h.rows != c_rows || h.raw_size != c_raw || h.crc_raw != c_crc_raw ||
            h.min_ts != c_min || h.max_ts != c_max || h.min_id != c_min_id ||
            h.max_id != c_max_id)
            nx__problem(&v, file, "block header disagrees with the catalog (rows %u/%llu, "
                                  "range %lld..%lld / %lld..%lld)",
                        h.rows, (unsigned long long)c_rows, (long long)h.min_ts,
                        (long long)h.max_ts, (long long)c_min, (long long)c_max);
        uint64_t min_id = 0, max_id = 0;
        for (size_t i = 0; i < h.rows; i++) {
            const uint8_t *r = rows + i * part.d->size;
            if (i && nx__ts(r) < nx__ts(r - part.d->size)) {
                nx__problem(&v, file, "rows out of ts_recv order at row %zu", i);
                break;
            }
            uint64_t id = nx__id(part.d, r);
            if (id && (min_id == 0 || id < min_id)) min_id = id;
            if (id > max_id) max_id = id;
        }
        if (min_id != h.min_id || max_id != h.max_id)
            nx__problem(&v, file, "trade id range differs from the header");
    }
    if (ret == NX_OK && rc != SQLITE_DONE) ret = nx__sql_err(s->db, rc, "verify");
    if (ret == NX_OK) nx__vpart_end(&v, &part);
    sqlite3_finalize(st);
    nx__codec_close(&codec);
    nx_free(fbuf);
    nx_free(rows);
    if (out) *out = v.st;
    if (ret < 0) return ret;
    if (v.st.problems) return NX_ERR(NX_ECORRUPT, "store %s: %llu problems", s->root,
                                     (unsigned long long)v.st.problems);
    return NX_OK;
}
