/*
 * Store writer internals shared by writer.c (begin, append, spill, the sorted
 * fast path and its encoder thread), writer_merge.c (merge sources, run
 * reduction, dedup) and writer_commit.c (per-month commit, catalog
 * transaction, abort). See writer.c for the design.
 */
#ifndef NX_STORE_WRITER_INT_H
#define NX_STORE_WRITER_INT_H

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

/* A min-heap of merge sources by (ts_recv, trade id, rank). */
typedef struct nx__heap {
    nx__src_t **v;
    size_t n;
} nx__heap_t;

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

int nx__grow(void **p, size_t *cap, size_t need, size_t elem, size_t max);
void nx__blk_tmp(const nx_store_writer_t *w, uint64_t no, char *buf, size_t cap);
void nx__blk_rel(const nx_store_writer_t *w, int32_t ym, uint64_t no, char *buf,
                        size_t cap);
int64_t nx__month_end(int32_t ym);
int nx__sort_buffer(nx_store_writer_t *w, uint32_t **out);
int nx__write_run(nx_store_writer_t *w, const uint8_t *rows, const uint32_t *idx,
                         size_t n, nx__run_t *run, uint8_t *(*next_rows)(void *, size_t *),
                         void *ctx);
void nx__plan_totals(nx_store_writer_t *w, nx__plan_t *p, const nx__kept_t *k);
void nx__pipe_stop(nx_store_writer_t *w);
int nx__fast_finish(nx_store_writer_t *w);
void nx__src_set(nx_store_writer_t *w, nx__src_t *s, const uint8_t *row);
int nx__src_load(nx_store_writer_t *w, nx__src_t *s);
int nx__src_advance(nx_store_writer_t *w, nx__src_t *s);
void nx__src_close(nx__src_t *s);
int nx__src_open_run(nx_store_writer_t *w, nx__src_t *s, const nx__run_t *run,
                            uint32_t rank);
void nx__heap_down(nx__heap_t *h, size_t i);
void nx__heap_build(nx__heap_t *h);
int nx__reduce_runs(nx_store_writer_t *w);
int nx__iv_add(nx_store_writer_t *w, uint64_t id);
int nx__group_check(nx_store_writer_t *w, const uint8_t *row, int existing);
int nx__is_dup(nx_store_writer_t *w, const uint8_t *row, int existing);
int nx__flush_block(nx_store_writer_t *w, int32_t ym, uint32_t *seq);
int nx__part_lookup(nx_store_writer_t *w, int32_t ym, nx__plan_t *p, uint32_t *max_seq);

#endif
