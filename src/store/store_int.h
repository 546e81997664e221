/*
 * src/store/store_int.h — internals of the market-data store shared by its
 * files: kind descriptors (columns), the block codec, I/O helpers with a
 * fault-injection hook, and the catalog.
 *
 * Block file (one block per file; spilled runs are blocks back to back).
 * All integers little-endian:
 *
 *   offset size field      meaning
 *   ------ ---- ---------- ------------------------------------------------
 *        0    8 magic      "NXSTBLK\n"
 *        8    2 version    NX_STORE_FORMAT_VERSION (1)
 *       10    1 kind       nx_data_kind_t
 *       11    1 ncols      columns in the payload (fixed per kind)
 *       12    2 ev_type    event type of the rows (NX_EV_*)
 *       14    2 ev_size    record size of the rows
 *       16    4 rows       1..NX_STORE_BLOCK_ROWS_MAX
 *       20    4 raw_size   bytes of the uncompressed payload
 *       24    8 min_ts     ts_recv of the first row
 *       32    8 max_ts     ts_recv of the last row
 *       40    8 min_id     smallest non-zero trade id (trades kinds; else 0)
 *       48    8 max_id     largest trade id (trades kinds; else 0)
 *       56    4 comp_size  bytes of the zstd frame that follows the header
 *       60    4 crc_raw    CRC-32C of the uncompressed payload
 *       64    4 crc_comp   CRC-32C of the compressed payload (the zstd frame)
 *       68    8 reserved   0
 *       76    4 hdr_crc    CRC-32C of bytes 0..75
 *       80    n payload    zstd frame of raw_size bytes
 *
 * Payload: the kind's columns one after another (nx__kdesc_t order). Each
 * column holds one integer field of every row:
 *
 *   u8 mode          bit 0 CONST, bit 1 REL (minus the base column's value)
 *   CONST:  varint zigzag(c)            every x_i = c
 *   else:   varint g (>= 1), then rows varints zigzag(d_i / g)
 *           where d_i = x_i - x_{i-1} (x_{-1} = 0, wrapping 64-bit arithmetic)
 *
 * x_i is the field value (sign-extended for signed fields), or with REL the
 * value minus the base column's value of the same row. g is the greatest
 * common divisor of the d_i, so millisecond timestamps in ns, or prices on
 * a 0.01 tick at scale 8, cost no digits for their zeros.
 */
#ifndef NX_STORE_INT_H
#define NX_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <zstd.h>

#include "nexus/store.h"

#define NX__BLK_MAGIC "NXSTBLK\n"
#define NX__BLK_HDR 80u
#define NX__COLS_MAX 16u
#define NX__RUN_BLOCK_ROWS 4096u /* rows per block in spilled runs */

/* One stored integer field of a record. */
typedef struct nx__col {
    uint16_t off;   /* byte offset in the record */
    uint8_t width;  /* 1, 2, 4 or 8 */
    uint8_t sign;   /* 1: signed field (sign-extend) */
    int8_t base;    /* column index this one may be stored relative to, or -1 */
} nx__col_t;

typedef struct nx__kdesc {
    nx_data_kind_t kind;
    uint16_t type;   /* NX_EV_* */
    uint16_t size;   /* record size */
    uint8_t ncols;
    uint8_t has_id;  /* trade_id at id_off: dedup by id */
    uint16_t id_off;
    const nx__col_t *cols; /* column 0 is always h.ts_recv */
} nx__kdesc_t;

/* NULL for an unknown kind. */
const nx__kdesc_t *nx__kdesc(nx_data_kind_t kind);
/* Copy the stored fields of src into a zeroed record dst (canonical form). */
void nx__canon(const nx__kdesc_t *d, const void *src, void *dst);

static inline int64_t nx__ts(const uint8_t *rec) {
    int64_t v;
    __builtin_memcpy(&v, rec + 8, 8);
    return v;
}
static inline uint64_t nx__id(const nx__kdesc_t *d, const uint8_t *rec) {
    uint64_t v = 0;
    if (d->has_id) __builtin_memcpy(&v, rec + d->id_off, 8);
    return v;
}

/* Parsed block header. */
typedef struct nx__bhdr {
    uint16_t version;
    uint8_t kind, ncols;
    uint16_t ev_type, ev_size;
    uint32_t rows, raw_size, comp_size;
    int64_t min_ts, max_ts;
    uint64_t min_id, max_id;
    uint32_t crc_raw, crc_comp;
} nx__bhdr_t;

/* Compression state and growable scratch buffers (hard ceilings inside). */
typedef struct nx__codec {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    int level;
    uint8_t *raw;     /* uncompressed payload */
    size_t raw_cap;
    uint8_t *out;     /* header + compressed payload (encode) */
    size_t out_cap;
    uint64_t *xs;     /* encode scratch: one column's values */
    size_t xs_cap;    /* elements */
} nx__codec_t;

int nx__codec_init(nx__codec_t *c, int level);
void nx__codec_close(nx__codec_t *c);
int nx__buf_reserve(uint8_t **buf, size_t *cap, size_t need);

/*
 * Encode n rows (records of d->size bytes at rows + i*stride, or in the
 * order idx[0..n) when idx is not NULL) into c->out: header + zstd frame.
 * *len is the file length. Rows must be in order (caller's job).
 */
int nx__block_encode(nx__codec_t *c, const nx__kdesc_t *d, const uint8_t *rows, size_t stride,
                     const uint32_t *idx, size_t n, size_t *len, nx__bhdr_t *hdr);
/* Check magic, version and header CRC of the first NX__BLK_HDR bytes. */
int nx__block_header(const uint8_t *p, size_t len, nx__bhdr_t *out);
/*
 * Decode one block file image (header + payload, exactly len bytes or, with
 * allow_trailing, a prefix of a run) whose rows go into out (records of
 * stride bytes, up to cap rows). Only the stored fields are written; the
 * rest of each record is left as the caller prepared it. Returns 0 with the
 * header in *hdr, or NX_ECORRUPT (never reads outside [file, file+len)).
 */
int nx__block_decode(nx__codec_t *c, const uint8_t *file, size_t len, uint8_t *out,
                     size_t stride, size_t cap, nx__bhdr_t *hdr);

/* ---- I/O helpers (every mutating call goes through the fault hook) ----- */

/* Tests: the n-th mutating I/O call from now fails with EIO (0 disarms). */
void nx__store_io_fail_at(uint64_t n);
int nx__io_fault(void); /* 1 if the armed fault fires now */
int nx__write_file(const char *path, const void *data, size_t len); /* create, write, fsync */
int nx__read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len);
int nx__rename(const char *from, const char *to);
int nx__fsync_dir(const char *dir);
/* mkdir -p of dir; new directories are appended to created (may be NULL). */
typedef struct nx__dirlist {
    char **v;
    size_t n, cap;
} nx__dirlist_t;
int nx__mkdirs(const char *dir, nx__dirlist_t *created);
void nx__dirlist_free(nx__dirlist_t *l);
void nx__rm_tree(const char *dir); /* best effort */

/* ---- store handle ------------------------------------------------------ */

struct nx_store {
    sqlite3 *db;
    nx_store_opts_t o;
    int lockfd;
    int writing; /* a writer is open */
    uint64_t next_file_no;
    char root[];
};

int nx__catalog_open(nx_store_t *s, int create);
int nx__catalog_exec(nx_store_t *s, const char *sql);
int nx__sql_err(sqlite3 *db, int rc, const char *what);
int nx__key_names(const nx_store_key_t *k, char *kind_buf);
int nx__month_of(int64_t ts, int32_t *ym);          /* year*12 + month-1 */
void nx__month_name(int32_t ym, char out[8]);       /* "YYYY-MM" */
int64_t nx__month_start(int32_t ym);

#endif
