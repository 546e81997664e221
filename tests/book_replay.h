/*
 * tests/book_replay.h — replay of Binance raw captures through the stream
 * parser and an order book, with the bookTicker BBO oracle. Shared by
 * test_book.c (bundled sample) and test_book_oracle.c (shared captures).
 *
 * Pass 1 reads every bookTicker row into a table keyed by its update id.
 * Pass 2 replays snapshot + diffs in file (receive) order through a book with
 * the venue's sync rules (diffs seen before the snapshot are kept by the
 * book's pending buffer); after every applied diff batch whose u has a
 * bookTicker row, the book's best bid/ask price and quantity must equal it.
 */
#ifndef NX_BOOK_REPLAY_H
#define NX_BOOK_REPLAY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nexus/book.h"
#include "nexus/data.h"

typedef struct br_ticker {
    uint64_t u; /* 0 = empty slot */
    int64_t bp, bq, ap, aq;
    uint32_t used; /* times compared */
} br_ticker_t;

typedef struct br_result {
    uint64_t lines, diffs, diffs_applied, snapshots, tickers, trades;
    uint64_t compared, mismatches, gaps, errors, parse_errors, unknown;
    uint64_t compared_per_file[4];
    char first_mismatch[256];
} br_result_t;

typedef struct br_table {
    br_ticker_t *slot;
    size_t cap; /* power of two */
    size_t n;
} br_table_t;

static size_t br_hash(uint64_t u, size_t cap) {
    u ^= u >> 33;
    u *= 0xff51afd7ed558ccdULL;
    u ^= u >> 33;
    return (size_t)u & (cap - 1);
}

static br_ticker_t *br_find(br_table_t *t, uint64_t u, int insert) {
    size_t i = br_hash(u, t->cap);
    while (t->slot[i].u && t->slot[i].u != u) i = (i + 1) & (t->cap - 1);
    if (t->slot[i].u == u) return &t->slot[i];
    if (!insert || t->n * 2 >= t->cap) return NULL;
    t->slot[i].u = u;
    t->n++;
    return &t->slot[i];
}

/* Calls fn for each line of a (gzip or plain) file; returns lines or -1. */
typedef int (*br_line_fn)(void *ctx, const char *line, size_t len, int file_idx);
static long br_each_line(const char *path, int file_idx, br_line_fn fn, void *ctx) {
    gzFile f = gzopen(path, "rb");
    if (!f) return -1;
    static char buf[1 << 21];
    long n = 0;
    while (gzgets(f, buf, (int)sizeof buf)) {
        size_t len = strlen(buf);
        if (len && buf[len - 1] == '\n') len--;
        n++;
        if (fn(ctx, buf, len, file_idx) < 0) break;
    }
    gzclose(f);
    return n;
}

typedef struct br_ctx {
    nx_data_msg_parser_t *p;
    nx_data_stream_spec_t spec;
    nx_event_t *ev;
    size_t cap;
    br_table_t tab;
    nx_book_t *book;
    br_result_t *r;
} br_ctx_t;

static int br_pass1(void *vctx, const char *line, size_t len, int file_idx) {
    (void)file_idx;
    br_ctx_t *c = vctx;
    nx_data_msg_t m;
    if (nx_data_parse_binance_line(c->p, line, len, &c->spec, c->ev, c->cap, &m) != NX_OK) return 0;
    if (m.kind != NX_MSG_BOOK_TICKER) return 0;
    br_ticker_t *t = br_find(&c->tab, m.update_id, 1);
    if (!t) return -1;
    t->bp = c->ev[0].quote.bid_price;
    t->bq = c->ev[0].quote.bid_qty;
    t->ap = c->ev[0].quote.ask_price;
    t->aq = c->ev[0].quote.ask_qty;
    c->r->tickers++;
    return 0;
}

static void br_compare(br_ctx_t *c, int file_idx) {
    br_ticker_t *t = br_find(&c->tab, nx_book_update_id(c->book), 0);
    if (!t) return;
    nx_book_level_t bid, ask;
    int rc = nx_book_bbo(c->book, &bid, &ask);
    c->r->compared++;
    c->r->compared_per_file[file_idx & 3]++;
    t->used++;
    if (rc != NX_OK || bid.price != t->bp || bid.qty != t->bq || ask.price != t->ap ||
        ask.qty != t->aq) {
        if (!c->r->mismatches)
            snprintf(c->r->first_mismatch, sizeof c->r->first_mismatch,
                     "u=%llu rc=%d book %lld x %lld / %lld x %lld, ticker %lld x %lld / %lld x %lld",
                     (unsigned long long)t->u, rc, (long long)bid.price, (long long)bid.qty,
                     (long long)ask.price, (long long)ask.qty, (long long)t->bp,
                     (long long)t->bq, (long long)t->ap, (long long)t->aq);
        c->r->mismatches++;
    }
}

static int br_pass2(void *vctx, const char *line, size_t len, int file_idx) {
    br_ctx_t *c = vctx;
    nx_data_msg_t m;
    c->r->lines++;
    int rc = nx_data_parse_binance_line(c->p, line, len, &c->spec, c->ev, c->cap, &m);
    if (rc == NX_ENOTFOUND) {
        c->r->unknown++;
        return 0;
    }
    if (rc != NX_OK) {
        c->r->parse_errors++;
        return 0;
    }
    if (m.kind == NX_MSG_TRADE || m.kind == NX_MSG_AGGTRADE) c->r->trades++;
    if (m.kind != NX_MSG_DEPTH_DIFF && m.kind != NX_MSG_DEPTH_SNAPSHOT) return 0;
    if (m.kind == NX_MSG_DEPTH_SNAPSHOT) c->r->snapshots++;
    else c->r->diffs++;
    nx_book_stats_t before;
    nx_book_stats(c->book, &before);
    int worst = NX_OK;
    for (size_t i = 0; i < m.n_events; i++) {
        rc = nx_book_apply(c->book, &c->ev[i].book_delta);
        if (rc < 0 && worst == NX_OK) worst = rc;
    }
    nx_book_stats_t after;
    nx_book_stats(c->book, &after);
    if (worst == NX_ECORRUPT && after.gaps > before.gaps) c->r->gaps++;
    else if (worst < 0) c->r->errors++;
    c->r->diffs_applied += after.batches - before.batches;
    /* every batch completed by this message (a snapshot may replay many) */
    if (after.batches > before.batches || after.snapshots > before.snapshots) {
        if (nx_book_is_synced(c->book)) br_compare(c, file_idx);
    }
    return 0;
}

/*
 * Replay files (one symbol, consecutive captures) with the given sync rule
 * and scales. Returns 0, or -1 if a file could not be read.
 */
static int br_replay(const char *const *paths, int nfiles, nx_book_sync_t sync, uint8_t ps,
                     uint8_t qs, br_result_t *r) {
    memset(r, 0, sizeof *r);
    br_ctx_t c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.spec.price_scale = ps;
    c.spec.qty_scale = qs;
    c.cap = NX_DATA_MSG_EVENTS(1000);
    if (nx_data_msg_parser_new(1000, &c.p) != NX_OK) return -1;
    c.ev = calloc(c.cap, sizeof *c.ev);
    c.tab.cap = 1u << 18;
    c.tab.slot = calloc(c.tab.cap, sizeof *c.tab.slot);
    nx_book_config_t bc;
    nx_book_config_default(&bc, sync, ps, qs);
    bc.capacity = 20000;
    bc.pending_cap = 1u << 17;
    int ok = c.ev && c.tab.slot && nx_book_new(&bc, &c.book) == NX_OK;
    for (int i = 0; ok && i < nfiles; i++)
        ok = br_each_line(paths[i], i, br_pass1, &c) >= 0;
    for (int i = 0; ok && i < nfiles; i++)
        ok = br_each_line(paths[i], i, br_pass2, &c) >= 0;
    nx_book_free(c.book);
    free(c.tab.slot);
    free(c.ev);
    nx_data_msg_parser_free(c.p);
    return ok ? 0 : -1;
}

#endif
