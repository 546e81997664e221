/*
 * The store handle and its SQLite catalog: open/create, the writer lock,
 * schema, recovery of an interrupted commit, and the listing queries.
 *
 * Schema (docs/store.md has the prose):
 *   meta(key, value)                  format_version, next_file_no
 *   instruments(id, venue, symbol)
 *   partitions(id, instrument_id, venue, symbol, kind, month, rows, bytes,
 *              blocks, min_ts, max_ts, min_id, max_id)
 *   blocks(id, partition_id, seq, file, rows, bytes, raw_bytes, min_ts, max_ts,
 *          min_id, max_id, crc_raw, crc_file)
 *   pending(file)   block files renamed into place by a commit not yet done
 *   garbage(file)   block files of rewritten months not yet deleted
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

static const char *const nx__schema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS instruments(id INTEGER PRIMARY KEY, venue TEXT NOT NULL,"
    " symbol TEXT NOT NULL, UNIQUE(venue, symbol));"
    "CREATE TABLE IF NOT EXISTS partitions(id INTEGER PRIMARY KEY,"
    " instrument_id INTEGER NOT NULL REFERENCES instruments(id),"
    " venue TEXT NOT NULL, symbol TEXT NOT NULL, kind TEXT NOT NULL, month TEXT NOT NULL,"
    " rows INTEGER NOT NULL, bytes INTEGER NOT NULL, blocks INTEGER NOT NULL,"
    " min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, min_id INTEGER NOT NULL,"
    " max_id INTEGER NOT NULL, UNIQUE(venue, symbol, kind, month));"
    "CREATE TABLE IF NOT EXISTS blocks(id INTEGER PRIMARY KEY,"
    " partition_id INTEGER NOT NULL REFERENCES partitions(id), seq INTEGER NOT NULL,"
    " file TEXT NOT NULL UNIQUE, rows INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " raw_bytes INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,"
    " min_id INTEGER NOT NULL, max_id INTEGER NOT NULL, crc_raw INTEGER NOT NULL,"
    " crc_file INTEGER NOT NULL, UNIQUE(partition_id, seq));"
    "CREATE TABLE IF NOT EXISTS pending(file TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS garbage(file TEXT PRIMARY KEY);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('format_version', 1);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('next_file_no', 1);";

int nx__sql_err(sqlite3 *db, int rc, const char *what) {
    int code = NX_EIO;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) code = NX_EBUSY;
    else if (rc == SQLITE_NOMEM) code = NX_ENOMEM;
    else if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) code = NX_ECORRUPT;
    return NX_ERR(code, "catalog: %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int nx__catalog_exec(nx_store_t *s, const char *sql) {
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = rc == SQLITE_BUSY ? NX_EBUSY : rc == SQLITE_NOMEM ? NX_ENOMEM : NX_EIO;
        NX_ERR(code, "catalog: %.80s: %s", sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return code;
    }
    return NX_OK;
}

void nx_store_opts_default(nx_store_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->block_rows = NX_STORE_BLOCK_ROWS_DEFAULT;
    o->write_mem = NX_STORE_WRITE_MEM_DEFAULT;
    o->zstd_level = 1; /* the columns do the work: 2.67 bytes/row here, 2.62 at 9 (store.md) */
}

/* Remove files an interrupted commit left: pending (not committed) and garbage. */
static int nx__recover(nx_store_t *s) {
    sqlite3_stmt *st = NULL;
    char path[1200];
    static const char *const q[] = {
        "SELECT file FROM pending WHERE file NOT IN (SELECT file FROM blocks)",
        "SELECT file FROM garbage WHERE file NOT IN (SELECT file FROM blocks)"};
    for (int k = 0; k < 2; k++) {
        int rc = sqlite3_prepare_v2(s->db, q[k], -1, &st, NULL);
        if (rc != SQLITE_OK) return nx__sql_err(s->db, rc, "recover");
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            snprintf(path, sizeof path, "%s/%s", s->root, (const char *)sqlite3_column_text(st, 0));
            unlink(path);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return nx__sql_err(s->db, rc, "recover");
    }
    int rc = nx__catalog_exec(s, "DELETE FROM pending; DELETE FROM garbage;");
    if (rc < 0) return rc;
    snprintf(path, sizeof path, "%s/.tmp", s->root);
    nx__rm_tree(path);
    return NX_OK;
}

static int nx__meta_get(nx_store_t *s, const char *key, int64_t *out) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
    if (rc != SQLITE_OK) return nx__sql_err(s->db, rc, "meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) return NX_ERR(NX_ECORRUPT, "catalog: meta key %s missing", key);
    if (rc != SQLITE_ROW) return nx__sql_err(s->db, rc, "meta");
    return NX_OK;
}

int nx__catalog_open(nx_store_t *s, int create) {
    char path[1200];
    snprintf(path, sizeof path, "%s/catalog.sqlite", s->root);
    int flags = SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                              : SQLITE_OPEN_READONLY);
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = nx__sql_err(s->db, rc, path);
        sqlite3_close(s->db);
        s->db = NULL;
        return rc;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (create) {
        if ((rc = nx__catalog_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")) < 0 ||
            (rc = nx__catalog_exec(s, nx__schema)) < 0)
            return rc;
    }
    int64_t v = 0;
    if ((rc = nx__meta_get(s, "format_version", &v)) < 0) return rc;
    if (v != NX_STORE_FORMAT_VERSION)
        return NX_ERR(NX_EVERSION, "catalog format version %lld (want %u)", (long long)v,
                      NX_STORE_FORMAT_VERSION);
    if ((rc = nx__meta_get(s, "next_file_no", &v)) < 0) return rc;
    s->next_file_no = (uint64_t)v;
    return NX_OK;
}

int nx_store_open(const char *root, const nx_store_opts_t *opts, nx_store_t **out) {
    nx_store_opts_t o;
    nx_store_opts_default(&o);
    if (opts) {
        if (opts->block_rows) o.block_rows = opts->block_rows;
        if (opts->write_mem) o.write_mem = opts->write_mem;
        if (opts->zstd_level) o.zstd_level = opts->zstd_level;
        o.flags = opts->flags;
    }
    if (o.block_rows < NX_STORE_BLOCK_ROWS_MIN || o.block_rows > NX_STORE_BLOCK_ROWS_MAX)
        return NX_ERR(NX_ECONFIG, "store: block_rows %u outside %u..%u", o.block_rows,
                      NX_STORE_BLOCK_ROWS_MIN, NX_STORE_BLOCK_ROWS_MAX);
    if (o.write_mem < NX_STORE_WRITE_MEM_MIN)
        return NX_ERR(NX_ECONFIG, "store: write_mem %llu below %u bytes",
                      (unsigned long long)o.write_mem, NX_STORE_WRITE_MEM_MIN);
    if (o.zstd_level < 1 || o.zstd_level > 19)
        return NX_ERR(NX_ECONFIG, "store: zstd level %d outside 1..19", o.zstd_level);
    if (!root || !*root || strlen(root) > 700) return NX_ERR(NX_EINVAL, "store: bad root path");
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') rl--;
    nx_store_t *s = nx_calloc(1, sizeof *s + rl + 1);
    if (!s) return NX_ERR(NX_ENOMEM, "store: handle");
    memcpy(s->root, root, rl);
    s->root[rl] = '\0';
    s->o = o;
    s->lockfd = -1;
    int rdonly = (o.flags & NX_STORE_RDONLY) != 0;
    int rc;
    char path[1200];
    if (rdonly) {
        struct stat st;
        snprintf(path, sizeof path, "%s/catalog.sqlite", s->root);
        if (stat(path, &st) < 0) {
            rc = NX_ERR(NX_ENOTFOUND, "store %s: no catalog (%s)", s->root, strerror(errno));
            goto fail;
        }
    } else {
        if ((rc = nx__mkdirs(s->root, NULL)) < 0) goto fail;
        snprintf(path, sizeof path, "%s/LOCK", s->root);
        s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (s->lockfd < 0) {
            rc = NX_ERR(NX_EIO, "%s: %s", path, strerror(errno));
            goto fail;
        }
        if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
            rc = NX_ERR(NX_EBUSY, "store %s: another writer holds the lock", s->root);
            goto fail;
        }
    }
    if ((rc = nx__catalog_open(s, !rdonly)) < 0) goto fail;
    if (!rdonly && (rc = nx__recover(s)) < 0) goto fail;
    *out = s;
    return NX_OK;
fail:
    NX_ERR_APPEND(rc, "store %s", s->root);
    nx_store_close(s);
    return rc;
}

void nx_store_close(nx_store_t *s) {
    if (!s) return;
    if (s->db) sqlite3_close(s->db);
    if (s->lockfd >= 0) close(s->lockfd);
    nx_free(s);
}

const char *nx_store_root(const nx_store_t *s) { return s->root; }

/* ---- queries ------------------------------------------------------------------- */

static void nx__copy(char *dst, size_t cap, const unsigned char *src) {
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static void nx__row_partition(sqlite3_stmt *st, int c, nx_store_partition_t *p) {
    memset(p, 0, sizeof *p);
    nx__copy(p->venue, sizeof p->venue, sqlite3_column_text(st, c + 0));
    nx__copy(p->symbol, sizeof p->symbol, sqlite3_column_text(st, c + 1));
    nx__copy(p->kind, sizeof p->kind, sqlite3_column_text(st, c + 2));
    nx__copy(p->month, sizeof p->month, sqlite3_column_text(st, c + 3));
    p->rows = (uint64_t)sqlite3_column_int64(st, c + 4);
    p->bytes = (uint64_t)sqlite3_column_int64(st, c + 5);
    p->blocks = (uint64_t)sqlite3_column_int64(st, c + 6);
    p->min_ts = sqlite3_column_int64(st, c + 7);
    p->max_ts = sqlite3_column_int64(st, c + 8);
}

int nx_store_partitions(nx_store_t *s, const nx_store_key_t *key, nx_store_partition_fn fn,
                        void *ctx) {
    char kind[NX_STORE_KIND_MAX + 1];
    const char *kp = NULL;
    int rc;
    if (key && key->kind != NX_KIND_NONE) {
        if ((rc = nx_store_kind_name(key->kind, key->tf_ns, kind)) < 0) return rc;
        kp = kind;
    }
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT venue, symbol, kind, month, rows, bytes, blocks, min_ts, max_ts FROM partitions"
        " WHERE (?1 IS NULL OR venue = ?1) AND (?2 IS NULL OR symbol = ?2)"
        " AND (?3 IS NULL OR kind = ?3) ORDER BY venue, symbol, kind, month",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return nx__sql_err(s->db, rc, "partitions");
    if (key && key->venue) sqlite3_bind_text(st, 1, key->venue, -1, SQLITE_STATIC);
    if (key && key->symbol) sqlite3_bind_text(st, 2, key->symbol, -1, SQLITE_STATIC);
    if (kp) sqlite3_bind_text(st, 3, kp, -1, SQLITE_STATIC);
    int ret = NX_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_store_partition_t p;
        nx__row_partition(st, 0, &p);
        if ((ret = fn(ctx, &p)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = nx__sql_err(s->db, rc, "partitions");
    sqlite3_finalize(st);
    return ret;
}

int nx_store_blocks(nx_store_t *s, const nx_store_key_t *key, nx_store_block_fn fn, void *ctx) {
    char kind[NX_STORE_KIND_MAX + 1];
    int rc = nx__key_names(key, kind);
    if (rc < 0) return rc;
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT p.venue, p.symbol, p.kind, p.month, p.rows, p.bytes, p.blocks, p.min_ts,"
        " p.max_ts, b.file, b.seq, b.rows, b.bytes, b.raw_bytes, b.min_ts, b.max_ts, b.min_id,"
        " b.max_id, b.crc_raw, b.crc_file FROM blocks b JOIN partitions p"
        " ON b.partition_id = p.id WHERE p.venue = ?1 AND p.symbol = ?2 AND p.kind = ?3"
        " ORDER BY p.month, b.seq",
        -1, &st, NULL);
    if (rc != SQLITE_OK) return nx__sql_err(s->db, rc, "blocks");
    sqlite3_bind_text(st, 1, key->venue, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key->symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    int ret = NX_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_store_partition_t p;
        nx_store_block_t b;
        nx__row_partition(st, 0, &p);
        memset(&b, 0, sizeof b);
        nx__copy(b.file, sizeof b.file, sqlite3_column_text(st, 9));
        b.seq = (uint32_t)sqlite3_column_int64(st, 10);
        b.rows = (uint64_t)sqlite3_column_int64(st, 11);
        b.bytes = (uint64_t)sqlite3_column_int64(st, 12);
        b.raw_bytes = (uint64_t)sqlite3_column_int64(st, 13);
        b.min_ts = sqlite3_column_int64(st, 14);
        b.max_ts = sqlite3_column_int64(st, 15);
        b.min_id = (uint64_t)sqlite3_column_int64(st, 16);
        b.max_id = (uint64_t)sqlite3_column_int64(st, 17);
        b.crc_raw = (uint32_t)sqlite3_column_int64(st, 18);
        b.crc_file = (uint32_t)sqlite3_column_int64(st, 19);
        if ((ret = fn(ctx, &p, &b)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = nx__sql_err(s->db, rc, "blocks");
    sqlite3_finalize(st);
    return ret;
}
