/* Market-data store: round trips, dedup, atomic commit under faults, merge cursor, verify. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nexus/data.h"
#include "nexus/kernel.h"
#include "nexus/store.h"
#include "nexus/time.h"
#include "nx_test.h"
#include "store/store_int.h"

/* 2024-08-08T00:00:00Z */
#define T0 INT64_C(1723075200000000000)

static char root[512];
static unsigned store_flags; /* opening flags of open_store() */

static void fresh_root(const char *tag) {
    snprintf(root, sizeof root, "%s", nx_test_tmpdir(tag));
}

static nx_store_t *open_store(uint32_t block_rows, uint64_t write_mem) {
    nx_store_opts_t o;
    nx_store_opts_default(&o);
    if (block_rows) o.block_rows = block_rows;
    if (write_mem) o.write_mem = write_mem;
    o.flags = store_flags;
    nx_store_t *s = NULL;
    assert_int_equal(nx_store_open(root, &o, &s), 0);
    return s;
}

static nx_store_key_t key_of(nx_data_kind_t kind, int64_t tf) {
    nx_store_key_t k = {"binance", "BTCUSDT", kind, tf};
    return k;
}

static nx_ev_trade_t trade(int64_t ts, uint64_t id, int64_t price, int64_t qty) {
    nx_ev_trade_t t;
    nx_event_init((nx_event_t *)(void *)&t, NX_EV_TRADE);
    t.h.ts_recv = ts;
    t.h.ts_venue = ts - 1000 * (int64_t)(id % 7);
    t.trade_id = id;
    t.price = price;
    t.qty = qty;
    t.price_scale = 2;
    t.qty_scale = 8;
    t.aggressor = (uint8_t)(id % 3);
    t.flags = (uint8_t)(id % 5 == 0);
    return t;
}

static int write_all(nx_store_t *s, nx_store_key_t k, const void *evs, size_t n, size_t stride,
                     nx_store_write_stats_t *st) {
    nx_store_writer_t *w = NULL;
    int rc = nx_store_write_begin(s, &k, &w);
    if (rc < 0) return rc;
    for (size_t i = 0; i < n; i++) {
        rc = nx_store_write_append(w, (const nx_event_hdr_t *)(const void *)((const char *)evs +
                                                                           i * stride));
        if (rc < 0) {
            nx_store_write_abort(w);
            return rc;
        }
    }
    return nx_store_write_commit(w, st);
}

/* Read every event of the given streams into out (records of NX_EVENT_MAX). */
static size_t read_all(nx_store_t *s, const nx_store_stream_t *st, size_t n, int64_t from,
                       int64_t to, nx_event_t *out, size_t cap) {
    nx_store_cursor_t *c = NULL;
    assert_int_equal(nx_store_cursor_open(s, st, n, from, to, &c), 0);
    size_t k = 0;
    nx_event_hdr_t *ev;
    int rc;
    while ((rc = nx_store_cursor_next(c, &ev)) == 0) {
        assert_true(k < cap);
        memcpy(&out[k++], ev, ev->size);
    }
    assert_int_equal(rc, NX_EEND);
    assert_int_equal(nx_store_cursor_rows(c), k);
    nx_store_cursor_close(c);
    return k;
}

static nx_store_stream_t stream_of(nx_store_key_t k, uint32_t inst, uint32_t topic) {
    nx_store_stream_t s = {k, inst, topic};
    return s;
}

static void print_problem(void *ctx, const char *file, const char *reason) {
    (void)ctx;
    fprintf(stderr, "verify: %s: %s\n", file, reason);
}

/* ---- round trips ---------------------------------------------------------- */

static void shuffle(void *a, size_t n, size_t size, uint64_t seed) {
    nx_rng_t r;
    nx_rng_seed(&r, seed);
    unsigned char tmp[NX_EVENT_MAX];
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nx_rng_below(&r, i);
        memcpy(tmp, (char *)a + (i - 1) * size, size);
        memcpy((char *)a + (i - 1) * size, (char *)a + j * size, size);
        memcpy((char *)a + j * size, tmp, size);
    }
}

/* Expected record as the cursor returns it. */
static void expect_stamp(void *rec, uint32_t inst, uint32_t topic) {
    nx_event_hdr_t *h = rec;
    h->seq = h->trace_id = h->causation_id = 0;
    h->topic = topic;
    memcpy((char *)rec + 48, &inst, 4);
}

static void every_kind_round_trips_exactly_through_write_commit_and_cursor(void **state) {
    (void)state;
    fresh_root("store-rt");
    nx_store_t *s = open_store(100, 0);
    enum { N = 1000 };
    nx_rng_t r;
    nx_rng_seed(&r, 7);
    static nx_ev_trade_t tr[N], tr_in[N];
    static nx_ev_quote_t qu[N];
    static nx_ev_book_delta_t bd[N];
    static nx_ev_bar_t ba[N];
    static nx_ev_funding_t fu[N];
    static nx_event_t got[N];
    for (int i = 0; i < N; i++) {
        int64_t ts = T0 + (int64_t)(i / 3) * 1000003; /* ties of 3 */
        tr[i] = trade(ts, UINT64_C(5000000000) + (uint64_t)i, 6183763 + (int64_t)nx_rng_below(&r, 100),
                      1 + (int64_t)nx_rng_below(&r, 100000000));
        tr[i].price_scale = (uint8_t)(i % 9);
        nx_event_init((nx_event_t *)(void *)&qu[i], NX_EV_QUOTE);
        qu[i].h.ts_recv = ts;
        qu[i].h.ts_venue = ts - 12345;
        qu[i].price_scale = 2;
        qu[i].qty_scale = 5;
        qu[i].flags = (uint16_t)(i * 7);
        qu[i].bid_price = 6000000 + i;
        qu[i].ask_price = 6000001 + i + (int64_t)nx_rng_below(&r, 3);
        qu[i].bid_qty = (int64_t)nx_rng_below(&r, 1u << 30);
        qu[i].ask_qty = INT64_MAX - i;
        qu[i].update_id = UINT64_MAX - (uint64_t)i;
        nx_event_init((nx_event_t *)(void *)&bd[i], NX_EV_BOOK_DELTA);
        bd[i].h.ts_recv = ts;
        bd[i].side = (uint8_t)(1 + i % 2);
        bd[i].action = (uint8_t)(1 + i % 3);
        bd[i].price_scale = 2;
        bd[i].qty_scale = 8;
        bd[i].flags = (uint32_t)(i % 4);
        bd[i].price = -5 + i;
        bd[i].qty = (int64_t)nx_rng_next(&r);
        bd[i].update_id = 100 + (uint64_t)i;
        bd[i].first_update_id = 90 + (uint64_t)i;
        nx_event_init((nx_event_t *)(void *)&ba[i], NX_EV_BAR);
        ba[i].h.ts_venue = T0 + (int64_t)i * 60 * NX_NS_PER_SEC;
        ba[i].h.ts_recv = ba[i].h.ts_venue + 60 * NX_NS_PER_SEC;
        ba[i].price_scale = 2;
        ba[i].qty_scale = 8;
        ba[i].flags = 3;
        ba[i].interval_ns = 60 * NX_NS_PER_SEC;
        ba[i].open = 100 + i;
        ba[i].high = 110 + i;
        ba[i].low = 90 + i;
        ba[i].close = 105 + i;
        ba[i].volume = (int64_t)nx_rng_below(&r, 1000000);
        ba[i].trades = (uint64_t)i;
        nx_event_init((nx_event_t *)(void *)&fu[i], NX_EV_FUNDING);
        fu[i].h.ts_recv = ts;
        fu[i].h.ts_venue = ts;
        fu[i].rate_scale = 8;
        fu[i].price_scale = 2;
        fu[i].rate = (int64_t)nx_rng_below(&r, 2001) - 1000;
        fu[i].mark_price = 6000000 + i;
        fu[i].funding_ts = ts;
        fu[i].next_funding_ts = ts + 8 * NX_NS_PER_HOUR;
    }
    /* trades: shuffled in, sorted out by (ts_recv, id) */
    memcpy(tr_in, tr, sizeof tr);
    shuffle(tr_in, N, sizeof tr_in[0], 1);
    for (int i = 0; i < N; i++) tr_in[i].instrument = 99, tr_in[i].h.seq = 5; /* not stored */
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, key_of(NX_KIND_TRADES, 0), tr_in, N, sizeof tr_in[0], &st), 0);
    assert_int_equal(st.received, N);
    assert_int_equal(st.stored, N);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.blocks_written, 10);
    nx_store_stream_t ss = stream_of(key_of(NX_KIND_TRADES, 0), 4, 9);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, N), N);
    for (int i = 0; i < N; i++) {
        expect_stamp(&tr[i], 4, 9);
        assert_memory_equal(&got[i], &tr[i], sizeof tr[i]);
    }
    /* the other kinds: arrival order kept within equal timestamps */
    struct {
        nx_data_kind_t kind;
        int64_t tf;
        void *ev;
        size_t size;
    } ks[] = {{NX_KIND_QUOTES, 0, qu, sizeof qu[0]},
              {NX_KIND_DEPTH, 0, bd, sizeof bd[0]},
              {NX_KIND_BARS, 60 * NX_NS_PER_SEC, ba, sizeof ba[0]},
              {NX_KIND_FUNDING, 0, fu, sizeof fu[0]},
              {NX_KIND_AGGTRADES, 0, tr, sizeof tr[0]}};
    for (size_t k = 0; k < NX_ARRAY_LEN(ks); k++) {
        assert_int_equal(write_all(s, key_of(ks[k].kind, ks[k].tf), ks[k].ev, N, ks[k].size, &st),
                         0);
        assert_int_equal(st.stored, N);
        ss = stream_of(key_of(ks[k].kind, ks[k].tf), 3, 11);
        assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, N), N);
        for (int i = 0; i < N; i++) {
            void *want = (char *)ks[k].ev + (size_t)i * ks[k].size;
            expect_stamp(want, 3, 11);
            assert_memory_equal(&got[i], want, ks[k].size);
        }
    }
    nx_store_verify_stats_t vs;
    assert_int_equal(nx_store_verify(s, print_problem, NULL, &vs), 0);
    assert_int_equal(vs.rows, 6 * N);
    assert_int_equal(vs.partitions, 6);
    nx_store_close(s);
    nx_test_rmdir(root);
}

static void a_wrong_event_type_or_bad_key_is_refused(void **state) {
    (void)state;
    fresh_root("store-bad");
    nx_store_t *s = open_store(0, 0);
    nx_store_writer_t *w = NULL;
    nx_store_key_t k = {"bin/ance", "BTCUSDT", NX_KIND_TRADES, 0};
    assert_int_equal(nx_store_write_begin(s, &k, &w), NX_EINVAL);
    k.venue = ".hidden";
    assert_int_equal(nx_store_write_begin(s, &k, &w), NX_EINVAL);
    k = key_of(NX_KIND_BARS, 0);
    assert_int_equal(nx_store_write_begin(s, &k, &w), NX_EINVAL); /* bars need a timeframe */
    char name[NX_STORE_KIND_MAX + 1];
    assert_int_equal(nx_store_kind_name(NX_KIND_BARS, 4 * NX_NS_PER_HOUR, name), 0);
    assert_string_equal(name, "bars_4h");
    assert_int_equal(nx_store_kind_name(NX_KIND_BARS, 250 * NX_NS_PER_MS, name), 0);
    assert_string_equal(name, "bars_250ms");
    k = key_of(NX_KIND_QUOTES, 0);
    assert_int_equal(nx_store_write_begin(s, &k, &w), 0);
    nx_store_writer_t *w2 = NULL;
    assert_int_equal(nx_store_write_begin(s, &k, &w2), NX_EBUSY);
    nx_ev_trade_t t = trade(T0, 1, 100, 1);
    assert_int_equal(nx_store_write_append(w, &t.h), NX_EINVAL);
    nx_store_write_abort(w);
    /* a second writing handle on the same root is refused; read-only ones are fine */
    nx_store_t *s2 = NULL;
    assert_int_equal(nx_store_open(root, NULL, &s2), NX_EBUSY);
    nx_store_opts_t ro;
    nx_store_opts_default(&ro);
    ro.flags = NX_STORE_RDONLY;
    assert_int_equal(nx_store_open(root, &ro, &s2), 0);
    assert_int_equal(nx_store_write_begin(s2, &k, &w), NX_EPERM);
    nx_store_close(s2);
    nx_store_close(s);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope", root);
    assert_int_equal(nx_store_open(missing, &ro, &s2), NX_ENOTFOUND);
    nx_test_rmdir(root);
}

/* ---- dedup ------------------------------------------------------------------ */

typedef struct files_ctx {
    char buf[65536];
    size_t len;
} files_ctx_t;

static void list_files(const char *dir, const char *rel, files_ctx_t *f) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char names[512][128];
    size_t n = 0;
    while ((e = readdir(d)) && n < 512) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.')) continue;
        int k = snprintf(names[n++], sizeof names[0], "%s", e->d_name);
        assert_true(k < (int)sizeof names[0]);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(names[i], "catalog.sqlite", 14) == 0 || strcmp(names[i], "LOCK") == 0)
            continue;
        char p[1024], r[1024];
        int k1 = snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        int k2 = snprintf(r, sizeof r, "%s/%s", rel, names[i]);
        assert_true(k1 < (int)sizeof p && k2 < (int)sizeof r);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        f->len += (size_t)snprintf(f->buf + f->len, sizeof f->buf - f->len, "%s %lld\n", r,
                                   S_ISDIR(st.st_mode) ? -1LL : (long long)st.st_size);
        assert_true(f->len < sizeof f->buf);
        if (S_ISDIR(st.st_mode)) list_files(p, r, f);
    }
}

static int dump_block(void *ctx, const nx_store_partition_t *p, const nx_store_block_t *b) {
    files_ctx_t *f = ctx;
    f->len += (size_t)snprintf(f->buf + f->len, sizeof f->buf - f->len,
                               "%s %s %llu %llu | %s %u %llu %llu %lld %lld %08x\n", p->month,
                               p->kind, (unsigned long long)p->rows, (unsigned long long)p->bytes,
                               b->file, b->seq, (unsigned long long)b->rows,
                               (unsigned long long)b->bytes, (long long)b->min_ts,
                               (long long)b->max_ts, b->crc_file);
    assert_true(f->len < sizeof f->buf);
    return 0;
}

/* Files on disk (outside the catalog) plus the catalog's view of one family. */
static void snapshot(nx_store_t *s, nx_store_key_t k, files_ctx_t *f) {
    f->len = 0;
    f->buf[0] = '\0';
    list_files(root, ".", f);
    assert_int_equal(nx_store_blocks(s, &k, dump_block, f), 0);
}

static uint64_t partition_rows(nx_store_t *s, nx_store_key_t k);

static int sum_rows(void *ctx, const nx_store_partition_t *p) {
    *(uint64_t *)ctx += p->rows;
    return 0;
}
static uint64_t partition_rows(nx_store_t *s, nx_store_key_t k) {
    uint64_t n = 0;
    assert_int_equal(nx_store_partitions(s, &k, sum_rows, &n), 0);
    return n;
}

static void importing_the_same_rows_twice_stores_them_once(void **state) {
    (void)state;
    fresh_root("store-dup");
    nx_store_t *s = open_store(64, 0);
    enum { N = 500 };
    static nx_ev_trade_t tr[N];
    static nx_ev_quote_t qu[N];
    for (int i = 0; i < N; i++) {
        tr[i] = trade(T0 + i * NX_NS_PER_MS, 100 + (uint64_t)i, 1000 + i % 7, 5);
        nx_event_init((nx_event_t *)(void *)&qu[i], NX_EV_QUOTE);
        qu[i].h.ts_recv = T0 + (i / 4) * NX_NS_PER_MS; /* groups of 4 per timestamp */
        qu[i].bid_price = 100 + i;
        qu[i].ask_price = 101 + i;
    }
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0), kq = key_of(NX_KIND_QUOTES, 0);
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, kt, tr, N, sizeof tr[0], &st), 0);
    assert_int_equal(write_all(s, kq, qu, N, sizeof qu[0], &st), 0);
    static files_ctx_t before, after;
    snapshot(s, kt, &before);
    /* again: nothing new, no file touched */
    assert_int_equal(write_all(s, kt, tr, N, sizeof tr[0], &st), 0);
    assert_int_equal(st.received, N);
    assert_int_equal(st.stored, 0);
    assert_int_equal(st.duplicates, N);
    assert_int_equal(st.blocks_written, 0);
    assert_int_equal(write_all(s, kq, qu, N, sizeof qu[0], &st), 0);
    assert_int_equal(st.stored, 0);
    assert_int_equal(st.duplicates, N);
    snapshot(s, kt, &after);
    assert_string_equal(before.buf, after.buf);
    /* twice within one write: the second copy is dropped too */
    nx_store_writer_t *w = NULL;
    nx_store_key_t ka = key_of(NX_KIND_AGGTRADES, 0);
    assert_int_equal(nx_store_write_begin(s, &ka, &w), 0);
    for (int rep = 0; rep < 2; rep++)
        for (int i = 0; i < N; i++) assert_int_equal(nx_store_write_append(w, &tr[i].h), 0);
    assert_int_equal(nx_store_write_commit(w, &st), 0);
    assert_int_equal(st.received, 2 * N);
    assert_int_equal(st.stored, N);
    assert_int_equal(partition_rows(s, ka), N);
    /* the same trade id with a different receive time is the same trade */
    nx_ev_trade_t again = tr[10];
    again.h.ts_recv += 5 * NX_NS_PER_SEC;
    assert_int_equal(write_all(s, kt, &again, 1, sizeof again, &st), 0);
    assert_int_equal(st.stored, 0);
    assert_int_equal(partition_rows(s, kt), N);
    assert_int_equal(partition_rows(s, kq), N);
    assert_int_equal(nx_store_verify(s, print_problem, NULL, NULL), 0);
    nx_store_close(s);
    nx_test_rmdir(root);
}

static void overlapping_imports_merge_and_later_rows_append(void **state) {
    (void)state;
    fresh_root("store-overlap");
    nx_store_t *s = open_store(128, 0);
    enum { N = 3000 };
    static nx_ev_trade_t tr[N];
    static nx_event_t got[N];
    for (int i = 0; i < N; i++) tr[i] = trade(T0 + i * NX_NS_PER_MS, 1 + (uint64_t)i, 1000, 5);
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, kt, tr, 1000, sizeof tr[0], &st), 0);
    /* 500..1499 overlaps: the month is rewritten with 500 new rows */
    assert_int_equal(write_all(s, kt, tr + 500, 1000, sizeof tr[0], &st), 0);
    assert_int_equal(st.stored, 500);
    assert_int_equal(st.duplicates, 500);
    assert_true(st.blocks_replaced > 0);
    /* a hole filled in the middle: 0..1499 minus odd rows then full */
    /* 2000..2999 comes strictly after: an append that keeps the old blocks */
    static files_ctx_t before, after;
    snapshot(s, kt, &before);
    assert_int_equal(write_all(s, kt, tr + 2000, 1000, sizeof tr[0], &st), 0);
    assert_int_equal(st.stored, 1000);
    assert_int_equal(st.blocks_replaced, 0);
    snapshot(s, kt, &after);
    int kept = 0;
    for (char *line = before.buf; *line;) { /* every old block file is still there */
        char *nl = strchr(line, '\n');
        *nl = '\0';
        if (line[0] == '.' && strstr(line, ".nxb")) {
            assert_non_null(strstr(after.buf, line));
            kept++;
        }
        line = nl + 1;
    }
    assert_true(kept > 5);
    /* 1500..1999 lands between: rewrite again */
    assert_int_equal(write_all(s, kt, tr + 1500, 500, sizeof tr[0], &st), 0);
    assert_int_equal(st.stored, 500);
    nx_store_stream_t ss = stream_of(kt, 1, 1);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, N), N);
    for (int i = 0; i < N; i++) {
        expect_stamp(&tr[i], 1, 1);
        assert_memory_equal(&got[i], &tr[i], sizeof tr[i]);
    }
    assert_int_equal(nx_store_verify(s, NULL, NULL, NULL), 0);
    nx_store_close(s);
    nx_test_rmdir(root);
}

static void content_dedup_keeps_a_snapshot_in_arrival_order(void **state) {
    (void)state;
    fresh_root("store-depth");
    nx_store_t *s = open_store(0, 0);
    enum { N = 41 };
    static nx_ev_book_delta_t bd[N + 5];
    static nx_event_t got[2 * N];
    for (int i = 0; i < N; i++) { /* CLEAR, then 40 SETs, all at one timestamp */
        nx_event_init((nx_event_t *)(void *)&bd[i], NX_EV_BOOK_DELTA);
        bd[i].h.ts_recv = T0;
        bd[i].action = i == 0 ? NX_BOOK_CLEAR : NX_BOOK_SET;
        bd[i].side = (uint8_t)(i == 0 ? 0 : 1 + (i > 20));
        bd[i].price = i == 0 ? 0 : (i > 20 ? 200 + i : 200 - i);
        bd[i].qty = 7;
        bd[i].flags = NX_BOOKF_SNAPSHOT | (i == N - 1 ? NX_BOOKF_LAST : 0);
        bd[i].update_id = 1000;
    }
    nx_store_key_t kd = key_of(NX_KIND_DEPTH, 0);
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, kd, bd, N, sizeof bd[0], &st), 0);
    assert_int_equal(st.stored, N);
    /* the same snapshot plus a later diff */
    for (int i = N; i < N + 5; i++) {
        bd[i] = bd[1];
        bd[i].h.ts_recv = T0 + NX_NS_PER_MS;
        bd[i].price = 300 + i;
        bd[i].flags = i == N + 4 ? NX_BOOKF_LAST : 0;
    }
    assert_int_equal(write_all(s, kd, bd, N + 5, sizeof bd[0], &st), 0);
    assert_int_equal(st.stored, 5);
    assert_int_equal(st.duplicates, N);
    nx_store_stream_t ss = stream_of(kd, 0, 0);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, 2 * N), N + 5);
    for (int i = 0; i < N + 5; i++) {
        expect_stamp(&bd[i], 0, 0);
        assert_memory_equal(&got[i], &bd[i], sizeof bd[i]);
    }
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- atomic commit under faults ------------------------------------------------- */

typedef enum { FAULT_ALLOC, FAULT_IO } fault_t;
/* The failing write: out of order over an overlap (general path), in order
 * after the stored rows (the sorted fast path throughout), or in order until
 * its last two rows (the fast path, then the general path over its blocks). */
typedef enum { ORDER_SHUFFLED, ORDER_SORTED, ORDER_LATE_BREAK } order_t;

static void faults_leave_the_store_unchanged(fault_t kind, order_t order) {
    static const char *const tags[2][3] = {{"store-oom", "store-oom-sorted", "store-oom-late"},
                                           {"store-eio", "store-eio-sorted", "store-eio-late"}};
    fresh_root(tags[kind][order]);
    /* small blocks and a small buffer: several blocks, spilled runs */
    nx_store_t *s = open_store(64, 64 * 1024);
    enum { N = 2500 };
    static nx_ev_trade_t tr[N];
    for (int i = 0; i < N; i++) {
        int64_t ts = i < 2000 ? T0 + i * NX_NS_PER_MS : T0 + 40 * NX_NS_PER_DAY + i; /* 2 months */
        tr[i] = trade(ts, 1 + (uint64_t)i, 1000 + i % 13, 5);
    }
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, kt, tr, 1200, sizeof tr[0], &st), 0);
    static files_ctx_t before, after;
    snapshot(s, kt, &before);
    size_t from = order == ORDER_SHUFFLED ? 600 : 1200;
    if (order == ORDER_SHUFFLED)
        shuffle(tr + 600, N - 600, sizeof tr[0], 3); /* overlap + new month, out of order */
    if (order == ORDER_LATE_BREAK) {
        nx_ev_trade_t t = tr[N - 1];
        tr[N - 1] = tr[N - 2];
        tr[N - 2] = t;
    }
    int ok = 0;
    unsigned faults = 0;
    for (uint64_t n = 1; !ok && n < 100000; n++) {
        if (kind == FAULT_ALLOC) nx_alloc_fail_at(n, 0);
        else nx__store_io_fail_at(n);
        int rc = write_all(s, kt, tr + from, N - from, sizeof tr[0], &st);
        nx_alloc_fail_at(0, 0);
        nx__store_io_fail_at(0);
        if (rc == 0) {
            ok = 1;
            break;
        }
        faults++;
        assert_true(rc == NX_ENOMEM || rc == NX_EIO);
        snapshot(s, kt, &after);
        if (strcmp(before.buf, after.buf) != 0) {
            fprintf(stderr, "fault %llu changed the store:\n--- before\n%s--- after\n%s",
                    (unsigned long long)n, before.buf, after.buf);
            fail();
        }
        /* what is stored still reads and verifies */
        assert_int_equal(nx_store_verify(s, NULL, NULL, NULL), 0);
    }
    assert_true(ok);
    assert_true(faults > 10);
    assert_int_equal(st.sorted_path, order == ORDER_SORTED);
    assert_int_equal(st.stored, N - 1200);
    assert_int_equal(partition_rows(s, kt), N);
    assert_int_equal(nx_store_verify(s, NULL, NULL, NULL), 0);
    nx_store_close(s);
    /* a reopen finds nothing to clean */
    s = open_store(64, 64 * 1024);
    assert_int_equal(partition_rows(s, kt), N);
    nx_store_close(s);
    nx_test_rmdir(root);
}

static void a_failed_allocation_at_any_step_leaves_store_and_catalog_unchanged(void **state) {
    (void)state;
    faults_leave_the_store_unchanged(FAULT_ALLOC, ORDER_SHUFFLED);
}

static void a_failed_write_fsync_rename_or_catalog_commit_leaves_the_store_unchanged(
    void **state) {
    (void)state;
    faults_leave_the_store_unchanged(FAULT_IO, ORDER_SHUFFLED);
}

static void faults_on_the_sorted_fast_path_leave_the_store_unchanged(void **state) {
    (void)state;
    faults_leave_the_store_unchanged(FAULT_ALLOC, ORDER_SORTED);
    faults_leave_the_store_unchanged(FAULT_IO, ORDER_SORTED);
}

static void faults_after_the_fast_path_falls_back_leave_the_store_unchanged(void **state) {
    (void)state;
    faults_leave_the_store_unchanged(FAULT_ALLOC, ORDER_LATE_BREAK);
    faults_leave_the_store_unchanged(FAULT_IO, ORDER_LATE_BREAK);
}

static void an_interrupted_commit_is_cleaned_up_by_the_next_open(void **state) {
    (void)state;
    fresh_root("store-crash");
    nx_store_t *s = open_store(0, 0);
    nx_ev_trade_t t = trade(T0, 1, 100, 1);
    assert_int_equal(write_all(s, key_of(NX_KIND_TRADES, 0), &t, 1, sizeof t, NULL), 0);
    /* as if a commit died after renaming a file into place, before the catalog took it */
    char path[800];
    snprintf(path, sizeof path, "%s/binance/BTCUSDT/trades/2024-08/000000000777.nxb", root);
    nx_test_write_file(path, "x", 1);
    assert_int_equal(nx__catalog_exec(s, "INSERT INTO pending(file) VALUES("
                                         "'binance/BTCUSDT/trades/2024-08/000000000777.nxb')"),
                     0);
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s/.tmp/run-000001.nxr", root);
    nx_test_write_file(tmp, "y", 1);
    nx_store_close(s);
    s = open_store(0, 0);
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    assert_int_not_equal(stat(tmp, &sb), 0);
    assert_int_equal(nx_store_verify(s, NULL, NULL, NULL), 0);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- the sorted fast path ---------------------------------------------------------- */

/*
 * Block files by content (the catalog's names, sizes and CRC-32C of each
 * whole file, partition totals) plus every file under the root: equal
 * snapshots mean equal stores, byte for byte.
 */
static void store_snapshot(nx_store_t *s, nx_store_key_t k, files_ctx_t *f) {
    snapshot(s, k, f);
}

/*
 * Write rows[perm[i]] for i < n into a store at `tag` that already holds
 * rows[0, pre) (written in order), and return its snapshot and stats.
 */
static void write_permuted(const char *tag, nx_store_key_t k, const void *rows, size_t stride,
                           size_t pre, const size_t *perm, size_t n, uint64_t write_mem,
                           files_ctx_t *out, nx_store_write_stats_t *st) {
    fresh_root(tag);
    nx_store_t *s = open_store(256, write_mem);
    nx_store_write_stats_t st0;
    if (pre) {
        assert_int_equal(write_all(s, k, rows, pre, stride, &st0), 0);
        assert_int_equal(st0.sorted_path, 1);
    }
    nx_store_writer_t *w = NULL;
    assert_int_equal(nx_store_write_begin(s, &k, &w), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(nx_store_write_append(
                             w, (const nx_event_hdr_t *)(const void *)((const char *)rows +
                                                                     perm[i] * stride)),
                         0);
    assert_int_equal(nx_store_write_commit(w, st), 0);
    assert_int_equal(nx_store_verify(s, print_problem, NULL, NULL), 0);
    store_snapshot(s, k, out);
    nx_store_close(s);
    nx_test_rmdir(root);
}

static void sorted_input_takes_the_fast_path_and_gives_the_general_paths_store(void **state) {
    (void)state;
    /* trades over three months, two per timestamp, ids with gaps; the first
     * 1000 are stored first, so August is appended to */
    enum { N = 6000, PRE = 1000 };
    static nx_ev_trade_t tr[N + 1];
    for (int i = 0; i < N; i++)
        tr[i] = trade(T0 + (i / 2) * 2017 * NX_NS_PER_SEC, 1000 + (uint64_t)i + (uint64_t)i / 97,
                      100000 + (i * 37) % 1001, 1 + i % 9);
    tr[N] = tr[3000]; /* a repeated trade (same id) after all the others */
    static size_t perm[N + 1];
    static files_ctx_t ref, got;
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    nx_store_write_stats_t st;
    size_t n = N - PRE;
    for (size_t i = 0; i < n; i++) perm[i] = PRE + i;
    write_permuted("fast-ref", kt, tr, sizeof tr[0], PRE, perm, n, 0, &ref, &st);
    assert_int_equal(st.sorted_path, 1);
    assert_int_equal(st.stored, n);
    assert_int_equal(st.runs_spilled, 0);
    assert_true(st.months == 3);
    /* the same without the encoder thread: the same files */
    store_flags = NX_STORE_NO_THREADS;
    write_permuted("fast-nothread", kt, tr, sizeof tr[0], PRE, perm, n, 0, &got, &st);
    store_flags = 0;
    assert_int_equal(st.sorted_path, 1);
    assert_string_equal(ref.buf, got.buf);
    /* the order breaks late: two rows of different times swapped */
    perm[n - 10] = PRE + n - 9, perm[n - 9] = PRE + n - 10;
    write_permuted("fast-late", kt, tr, sizeof tr[0], PRE, perm, n, 0, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_int_equal(st.stored, n);
    assert_string_equal(ref.buf, got.buf);
    /* at once: two rows of one timestamp in id order swapped */
    for (size_t i = 0; i < n; i++) perm[i] = PRE + i;
    perm[0] = PRE + 1, perm[1] = PRE;
    write_permuted("fast-early", kt, tr, sizeof tr[0], PRE, perm, n, 0, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_string_equal(ref.buf, got.buf);
    /* in order, then a trade id again: dropped, the rest as before */
    for (size_t i = 0; i < n; i++) perm[i] = PRE + i;
    perm[n] = N;
    write_permuted("fast-dup", kt, tr, sizeof tr[0], PRE, perm, n + 1, 0, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_int_equal(st.stored, n);
    assert_int_equal(st.duplicates, 1);
    assert_string_equal(ref.buf, got.buf);
    /* shuffled with a small buffer: spilled runs and the merge from the start */
    shuffle(perm, n, sizeof perm[0], 11);
    write_permuted("fast-shuffled", kt, tr, sizeof tr[0], PRE, perm, n, 64 * 1024, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_true(st.runs_spilled > 0);
    assert_string_equal(ref.buf, got.buf);
    /* rows of a month that is stored already up to later times: a rewrite */
    for (size_t i = 0; i < n; i++) perm[i] = i;
    write_permuted("fast-rewrite", kt, tr, sizeof tr[0], PRE, perm, n, 0, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_int_equal(st.stored, n - PRE);

    /* quotes (no id): three rows per time, the third equal to the first, so
     * the group check drops it; ties keep arrival order, so only whole groups move */
    enum { G = 1500 };
    static nx_ev_quote_t qu[3 * G];
    for (int g = 0; g < G; g++)
        for (int j = 0; j < 3; j++) {
            nx_ev_quote_t *q = &qu[3 * g + j];
            nx_event_init((nx_event_t *)(void *)q, NX_EV_QUOTE);
            q->h.ts_recv = T0 + g * 4099 * NX_NS_PER_SEC;
            q->h.ts_venue = q->h.ts_recv - 1000;
            q->bid_price = 1000 + g % 17 + (j == 1);
            q->ask_price = q->bid_price + 1 + g % 3;
            q->bid_qty = 5 + j % 2;
            q->ask_qty = 7;
            q->update_id = 10 * (uint64_t)g + (j == 1);
        }
    nx_store_key_t kq = key_of(NX_KIND_QUOTES, 0);
    static size_t qp[3 * G];
    for (size_t i = 0; i < 3 * G; i++) qp[i] = i;
    write_permuted("fastq-ref", kq, qu, sizeof qu[0], 0, qp, 3 * G, 0, &ref, &st);
    assert_int_equal(st.sorted_path, 1);
    assert_int_equal(st.stored, 2 * G);
    assert_int_equal(st.duplicates, G);
    for (size_t j = 0; j < 3; j++) { /* groups G-5 and G-4 swapped */
        qp[3 * (G - 5) + j] = 3 * (G - 4) + j;
        qp[3 * (G - 4) + j] = 3 * (G - 5) + j;
    }
    write_permuted("fastq-late", kq, qu, sizeof qu[0], 0, qp, 3 * G, 0, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_int_equal(st.stored, 2 * G);
    assert_string_equal(ref.buf, got.buf);
    /* the order breaks inside a group: its first row went out by the fast
     * path, its others come from the merge after it (the rank keeps them behind) */
    for (size_t i = 0; i < 3 * G; i++) qp[i] = i;
    size_t at = 3 * (G - 7); /* arrival: ..., a(g-1), c(g-1), a(g), b(g-1), b(g), c(g), ... */
    qp[at - 2] = at - 1;
    qp[at - 1] = at;
    qp[at] = at - 2;
    write_permuted("fastq-split", kq, qu, sizeof qu[0], 0, qp, 3 * G, 0, &got, &st);
    assert_int_equal(st.sorted_path, 0);
    assert_int_equal(st.stored, 2 * G);
    assert_string_equal(ref.buf, got.buf);
    /* stored first half, then the second half shuffled by whole groups */
    for (size_t i = 0; i < 3 * G; i++) qp[i] = i;
    write_permuted("fastq-half", kq, qu, sizeof qu[0], 0, qp, 3 * G / 2, 0, &got, &st);
    static size_t gp[G];
    for (size_t g = 0; g < G / 2; g++) gp[g] = G / 2 + g;
    shuffle(gp, G / 2, sizeof gp[0], 5);
    for (size_t g = 0; g < G / 2; g++)
        for (size_t j = 0; j < 3; j++) qp[3 * g + j] = 3 * gp[g] + j;
    fresh_root("fastq-append");
    nx_store_t *s = open_store(256, 0);
    assert_int_equal(write_all(s, kq, qu, 3 * G / 2, sizeof qu[0], &st), 0);
    assert_int_equal(st.sorted_path, 1);
    nx_store_writer_t *w = NULL;
    assert_int_equal(nx_store_write_begin(s, &kq, &w), 0);
    for (size_t i = 0; i < 3 * G / 2; i++)
        assert_int_equal(nx_store_write_append(w, &qu[qp[i]].h), 0);
    assert_int_equal(nx_store_write_commit(w, &st), 0);
    assert_int_equal(st.sorted_path, 0);
    assert_int_equal(st.stored, G);
    assert_int_equal(nx_store_verify(s, print_problem, NULL, NULL), 0);
    nx_store_stream_t ss = stream_of(kq, 0, 0);
    static nx_event_t rows[3 * G];
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, rows, 3 * G), 2 * G);
    for (size_t g = 0, k = 0; g < G; g++)
        for (size_t j = 0; j < 2; j++, k++) {
            nx_ev_quote_t e = qu[3 * g + j];
            expect_stamp(&e, 0, 0);
            assert_memory_equal(&rows[k], &e, sizeof e);
        }
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* Columns whose deltas share any common factor (the encoder divides by it
 * with a multiplicative inverse) come back exactly. */
static void columns_with_any_common_step_round_trip_exactly(void **state) {
    (void)state;
    static const uint64_t steps[] = {1,          2,           3,          10,
                                     1000000,    1ull << 20,  3ull << 20, 999999937,
                                     1ull << 40, 7ull << 45,  (1ull << 61) / 3 * 2};
    enum { N = 700 };
    static nx_ev_trade_t tr[N];
    static nx_event_t got[N];
    nx_rng_t r;
    nx_rng_seed(&r, 42);
    fresh_root("store-steps");
    nx_store_t *s = open_store(128, 0);
    for (size_t k = 0; k < NX_ARRAY_LEN(steps); k++) {
        uint64_t g = steps[k];
        int64_t ts = T0 + (int64_t)k * NX_NS_PER_DAY, px = 0, qty = INT64_MAX / 2;
        for (int i = 0; i < N; i++) {
            int64_t m = (int64_t)nx_rng_below(&r, 5) - 2; /* steps of -2g .. 2g */
            ts += (int64_t)(g <= 1000000 ? g * nx_rng_below(&r, 3) : nx_rng_below(&r, 3));
            if (g < (1ull << 40)) px += m * (int64_t)g;
            else px = m * (int64_t)g;
            qty = (int64_t)((uint64_t)qty - g * nx_rng_below(&r, 2));
            tr[i] = trade(ts, 1 + (uint64_t)i * 3, px, qty);
            tr[i].h.ts_venue = ts - (int64_t)(g * nx_rng_below(&r, 2));
        }
        char sym[16];
        snprintf(sym, sizeof sym, "S%zu", k);
        nx_store_key_t key = {"t", sym, NX_KIND_TRADES, 0};
        assert_int_equal(write_all(s, key, tr, N, sizeof tr[0], NULL), 0);
        nx_store_stream_t ss = stream_of(key, 0, 0);
        assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, N), N);
        for (int i = 0; i < N; i++) {
            expect_stamp(&tr[i], 0, 0);
            assert_memory_equal(&got[i], &tr[i], sizeof tr[i]);
        }
    }
    assert_int_equal(nx_store_verify(s, print_problem, NULL, NULL), 0);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- spills ---------------------------------------------------------------------- */

static void many_spilled_runs_give_the_same_partition_as_one_buffer(void **state) {
    (void)state;
    enum { N = 60000 };
    static nx_ev_trade_t tr[N];
    static nx_event_t got[N];
    for (int i = 0; i < N; i++)
        tr[i] = trade(T0 + (i / 2) * NX_NS_PER_MS, 1 + (uint64_t)i, 1000 + i % 17, 5);
    static nx_ev_trade_t in[N + N / 10];
    memcpy(in, tr, sizeof tr);
    memcpy(in + N, tr + 100, (N / 10) * sizeof tr[0]); /* repeats inside one write */
    shuffle(in, N + N / 10, sizeof in[0], 9);
    fresh_root("store-spill");
    nx_store_t *s = open_store(4096, 64 * 1024); /* ~800 rows per run: > 48 runs */
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, key_of(NX_KIND_TRADES, 0), in, N + N / 10, sizeof in[0], &st),
                     0);
    assert_true(st.runs_spilled > 48);
    assert_int_equal(st.stored, N);
    assert_int_equal(st.duplicates, N / 10);
    nx_store_stream_t ss = stream_of(key_of(NX_KIND_TRADES, 0), 2, 2);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, N), N);
    for (int i = 0; i < N; i++) {
        expect_stamp(&tr[i], 2, 2);
        assert_memory_equal(&got[i], &tr[i], sizeof tr[i]);
    }
    char tmpdir[800];
    snprintf(tmpdir, sizeof tmpdir, "%s/.tmp", root);
    files_ctx_t *f = nx_calloc(1, sizeof *f);
    list_files(tmpdir, ".", f);
    assert_int_equal(f->len, 0); /* no run left behind */
    nx_free(f);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- cursor ------------------------------------------------------------------------ */

static void the_cursor_merges_streams_by_time_then_stream_order(void **state) {
    (void)state;
    fresh_root("store-merge");
    nx_store_t *s = open_store(16, 0);
    enum { N = 300 };
    static nx_ev_trade_t a[N], b[N];
    static nx_ev_quote_t q[N];
    static nx_event_t got[3 * N];
    for (int i = 0; i < N; i++) {
        a[i] = trade(T0 + (i / 2) * 1000, 1 + (uint64_t)i, 10, 1);      /* 0,0,1,1,... us */
        b[i] = trade(T0 + (i / 3) * 1000, 1 + (uint64_t)i, 20, 1);      /* ties with a */
        nx_event_init((nx_event_t *)(void *)&q[i], NX_EV_QUOTE);
        q[i].h.ts_recv = T0 + i * 500;
        q[i].bid_price = i;
    }
    nx_store_key_t ka = key_of(NX_KIND_TRADES, 0), kb = {"kraken", "XBTUSD", NX_KIND_TRADES, 0},
                   kq = key_of(NX_KIND_QUOTES, 0);
    assert_int_equal(write_all(s, ka, a, N, sizeof a[0], NULL), 0);
    assert_int_equal(write_all(s, kb, b, N, sizeof b[0], NULL), 0);
    assert_int_equal(write_all(s, kq, q, N, sizeof q[0], NULL), 0);
    nx_store_stream_t ss[4] = {stream_of(kq, 30, 3), stream_of(ka, 10, 1), stream_of(kb, 20, 2),
                               stream_of(key_of(NX_KIND_FUNDING, 0), 40, 4)}; /* empty */
    size_t n = read_all(s, ss, 4, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, 3 * N);
    assert_int_equal(n, 3 * N);
    size_t seen[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        uint32_t topic = got[i].h.topic;
        assert_true(topic >= 1 && topic <= 3);
        uint32_t inst;
        memcpy(&inst, (char *)&got[i] + 48, 4);
        assert_int_equal(inst, topic * 10);
        if (i) { /* (ts_recv, stream index) never goes backwards; stream index of topic t */
            int64_t t0 = got[i - 1].h.ts_recv, t1 = got[i].h.ts_recv;
            uint32_t s0 = got[i - 1].h.topic % 3, s1 = topic % 3; /* quotes=0, a=1, b=2 */
            assert_true(t0 < t1 || (t0 == t1 && s0 <= s1));
        }
        /* and each stream in its own order */
        const void *want = topic == 1 ? (const void *)&a[seen[1]]
                           : topic == 2 ? (const void *)&b[seen[2]]
                                        : (const void *)&q[seen[0]];
        assert_int_equal(got[i].h.ts_recv, ((const nx_event_hdr_t *)want)->ts_recv);
        seen[topic % 3]++;
    }
    nx_store_close(s);
    nx_test_rmdir(root);
}

static void a_time_range_returns_exactly_the_rows_inside_it(void **state) {
    (void)state;
    fresh_root("store-range");
    nx_store_t *s = open_store(50, 0);
    enum { N = 1000 };
    static nx_ev_trade_t tr[N];
    static nx_event_t got[N];
    for (int i = 0; i < N; i++) tr[i] = trade(T0 + (i / 4) * 1000, 1 + (uint64_t)i, 10, 1);
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    assert_int_equal(write_all(s, kt, tr, N, sizeof tr[0], NULL), 0);
    nx_store_stream_t ss = stream_of(kt, 1, 1);
    int64_t bounds[][2] = {{T0, T0 + 1},           {T0 + 1, T0 + 1000},
                           {T0 + 49000, T0 + 51000}, {T0 + 12345, T0 + 200000},
                           {T0 - 5, T0 + 250000},  {T0 + 249000, NX_STORE_TS_MAX},
                           {T0 + 5000, T0 + 5000}, {NX_STORE_TS_MIN, T0}};
    for (size_t k = 0; k < NX_ARRAY_LEN(bounds); k++) {
        size_t want = 0;
        for (int i = 0; i < N; i++)
            if (tr[i].h.ts_recv >= bounds[k][0] && tr[i].h.ts_recv < bounds[k][1]) want++;
        size_t n = read_all(s, &ss, 1, bounds[k][0], bounds[k][1], got, N);
        assert_int_equal(n, want);
        for (size_t i = 0; i < n; i++) {
            assert_true(got[i].h.ts_recv >= bounds[k][0] && got[i].h.ts_recv < bounds[k][1]);
            if (i) assert_int_equal(got[i].trade.trade_id, got[i - 1].trade.trade_id + 1);
        }
    }
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* Largest number of heap bytes held while scanning everything. */
static int64_t scan_peak_bytes(nx_store_t *s, nx_store_key_t k, uint64_t *rows) {
    nx_alloc_stats_t a0, a;
    nx_alloc_stats(&a0);
    nx_store_stream_t ss = stream_of(k, 1, 1);
    nx_store_cursor_t *c = NULL;
    assert_int_equal(nx_store_cursor_open(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, &c), 0);
    int64_t peak = 0;
    nx_event_hdr_t *ev;
    uint64_t n = 0;
    while (nx_store_cursor_next(c, &ev) == 0) {
        if ((n++ & 255) == 0) {
            nx_alloc_stats(&a);
            if (a.bytes - a0.bytes > peak) peak = a.bytes - a0.bytes;
        }
    }
    nx_store_cursor_close(c);
    nx_alloc_stats(&a);
    assert_int_equal(a.bytes, a0.bytes); /* everything returned */
    *rows = n;
    return peak;
}

static void cursor_memory_does_not_grow_with_the_row_count(void **state) {
    (void)state;
    fresh_root("store-mem");
    nx_store_t *s = open_store(2048, 0);
    enum { SMALL = 10000, BIG = 400000 };
    nx_ev_trade_t *tr = nx_malloc(BIG * sizeof *tr);
    for (int i = 0; i < BIG; i++)
        tr[i] = trade(T0 + i * 997, 1 + (uint64_t)i, 100000 + (i % 1000) * 7919 % 1000, 1 + i % 977);
    nx_store_key_t ks = key_of(NX_KIND_TRADES, 0), kb = key_of(NX_KIND_AGGTRADES, 0);
    assert_int_equal(write_all(s, ks, tr, SMALL, sizeof tr[0], NULL), 0);
    assert_int_equal(write_all(s, kb, tr, BIG, sizeof tr[0], NULL), 0);
    nx_free(tr);
    uint64_t n_small, n_big;
    int64_t p_small = scan_peak_bytes(s, ks, &n_small);
    int64_t p_big = scan_peak_bytes(s, kb, &n_big);
    assert_int_equal(n_small, SMALL);
    assert_int_equal(n_big, BIG);
    /* one decoded block (2048 x 80 bytes) plus buffers, the same for 40x the rows */
    assert_true(p_small > 2048 * 80);
    assert_true(p_big <= p_small + p_small / 2);
    assert_true(p_big < 2 * 1024 * 1024);
    nx_store_close(s);
    nx_test_rmdir(root);
}

typedef struct kctx {
    uint64_t n, last_seq;
    int64_t last;
    int ordered;
} kctx_t;

static int on_trade(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    (void)k;
    kctx_t *c = ctx;
    if (ev->ts_recv < c->last || ev->seq <= c->last_seq) c->ordered = 0;
    c->last = ev->ts_recv;
    c->last_seq = ev->seq;
    c->n++;
    return 0;
}

static void a_cursor_feeds_the_kernel_as_a_source(void **state) {
    (void)state;
    fresh_root("store-kernel");
    nx_store_t *s = open_store(100, 0);
    enum { N = 777 };
    static nx_ev_trade_t tr[N];
    for (int i = 0; i < N; i++) tr[i] = trade(T0 + i * 1000, 1 + (uint64_t)i, 10, 1);
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    assert_int_equal(write_all(s, kt, tr, N, sizeof tr[0], NULL), 0);
    nx_kernel_opts_t ko;
    nx_kernel_opts_default(&ko);
    nx_kernel_t *k = NULL;
    assert_int_equal(nx_kernel_new(&ko, &k), 0);
    uint32_t topic;
    assert_int_equal(nx_kernel_topic(k, "md.trades.binance.BTCUSDT", &topic), 0);
    kctx_t c = {0, 0, 0, 1};
    assert_int_equal(nx_kernel_subscribe(k, "md.trades.*", on_trade, &c, NULL), 0);
    nx_store_stream_t ss = stream_of(kt, 0, topic);
    nx_store_cursor_t *cur = NULL;
    assert_int_equal(nx_store_cursor_open(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, &cur), 0);
    nx_source_t src;
    nx_store_cursor_source(cur, "store", &src);
    assert_int_equal(nx_kernel_add_source(k, &src), 0);
    assert_int_equal(nx_kernel_run(k, 0), 0);
    assert_int_equal(c.n, N);
    assert_true(c.ordered);
    nx_kernel_free(k);
    nx_store_cursor_close(cur);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- verify --------------------------------------------------------------------- */

typedef struct problems {
    int n;
    char first[512];
    char reason[512];
} problems_t;

static void on_problem(void *ctx, const char *file, const char *reason) {
    problems_t *p = ctx;
    if (p->n++ == 0) {
        snprintf(p->first, sizeof p->first, "%s", file);
        snprintf(p->reason, sizeof p->reason, "%s", reason);
    }
}

static int second_block(void *ctx, const nx_store_partition_t *p, const nx_store_block_t *b) {
    (void)p;
    if (b->seq == 2) {
        snprintf(ctx, NX_STORE_PATH_MAX, "%s", b->file);
        return 1;
    }
    return 0;
}

static void verify_names_a_block_with_a_flipped_byte_or_a_missing_file(void **state) {
    (void)state;
    fresh_root("store-verify");
    nx_store_t *s = open_store(100, 0);
    enum { N = 500 };
    static nx_ev_trade_t tr[N];
    for (int i = 0; i < N; i++) tr[i] = trade(T0 + i * 1000, 1 + (uint64_t)i, 10 + i % 3, 1);
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    assert_int_equal(write_all(s, kt, tr, N, sizeof tr[0], NULL), 0);
    problems_t p = {0, "", ""};
    assert_int_equal(nx_store_verify(s, on_problem, &p, NULL), 0);
    assert_int_equal(p.n, 0);
    char rel[NX_STORE_PATH_MAX], path[1024];
    assert_int_equal(nx_store_blocks(s, &kt, second_block, rel), 1);
    snprintf(path, sizeof path, "%s/%s", root, rel);
    /* flip one byte at every position class: header, payload start, payload end */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long offs[] = {3, 20, 70, 80, size / 2, size - 1};
    for (size_t k = 0; k < NX_ARRAY_LEN(offs); k++) {
        fseek(f, offs[k], SEEK_SET);
        int ch = fgetc(f);
        fseek(f, offs[k], SEEK_SET);
        fputc(ch ^ 0x10, f);
        fflush(f);
        p.n = 0;
        nx_store_verify_stats_t vs;
        assert_int_equal(nx_store_verify(s, on_problem, &p, &vs), NX_ECORRUPT);
        assert_true(p.n >= 1);
        assert_string_equal(p.first, rel);
        assert_int_equal(vs.problems, (uint64_t)p.n);
        /* the cursor refuses it too, naming the file */
        nx_store_stream_t ss = stream_of(kt, 1, 1);
        nx_store_cursor_t *c = NULL;
        assert_int_equal(nx_store_cursor_open(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, &c), 0);
        nx_event_hdr_t *ev;
        int rc;
        while ((rc = nx_store_cursor_next(c, &ev)) == 0) {
        }
        assert_true(rc == NX_ECORRUPT || rc == NX_EVERSION);
        assert_non_null(strstr(nx_err_message(), rel));
        assert_int_equal(nx_store_cursor_next(c, &ev), rc); /* sticky */
        nx_store_cursor_close(c);
        fseek(f, offs[k], SEEK_SET);
        fputc(ch, f);
        fflush(f);
        assert_int_equal(nx_store_verify(s, NULL, NULL, NULL), 0);
    }
    fclose(f);
    /* a missing file */
    char moved[1100];
    snprintf(moved, sizeof moved, "%s.moved", path);
    assert_int_equal(rename(path, moved), 0);
    p.n = 0;
    assert_int_equal(nx_store_verify(s, on_problem, &p, NULL), NX_ECORRUPT);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.first, rel);
    assert_non_null(strstr(p.reason, "missing"));
    assert_int_equal(rename(moved, path), 0);
    /* a catalog that disagrees with its block */
    assert_int_equal(nx__catalog_exec(s, "UPDATE blocks SET rows = rows + 1 WHERE seq = 3"), 0);
    p.n = 0;
    assert_int_equal(nx_store_verify(s, on_problem, &p, NULL), NX_ECORRUPT);
    assert_true(p.n >= 1);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- months ------------------------------------------------------------------------ */

static int collect_months(void *ctx, const nx_store_partition_t *p) {
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s:%llu ", p->month, (unsigned long long)p->rows);
    return 0;
}

static void rows_across_a_month_boundary_go_to_two_partitions(void **state) {
    (void)state;
    fresh_root("store-month");
    nx_store_t *s = open_store(0, 0);
    nx_ts_t feb;
    assert_int_equal(nx_time_parse("2024-02-01", 10, &feb), 0);
    enum { N = 100 };
    static nx_ev_trade_t tr[N];
    static nx_event_t got[N];
    for (int i = 0; i < N; i++) tr[i] = trade(feb - 60 + i, 1 + (uint64_t)i, 10, 1);
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, kt, tr, N, sizeof tr[0], &st), 0);
    assert_int_equal(st.months, 2);
    char months[256] = "";
    assert_int_equal(nx_store_partitions(s, &kt, collect_months, months), 0);
    assert_string_equal(months, "2024-01:60 2024-02:40 ");
    char path[800];
    snprintf(path, sizeof path, "%s/binance/BTCUSDT/trades/2024-01", root);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    nx_store_stream_t ss = stream_of(kt, 1, 1);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, N), N);
    for (int i = 0; i < N; i++) assert_int_equal(got[i].trade.trade_id, i + 1);
    assert_int_equal(read_all(s, &ss, 1, feb, NX_STORE_TS_MAX, got, N), 40);
    assert_int_equal(got[0].h.ts_recv, feb);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, feb, got, N), 60);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/* ---- the bundled file ------------------------------------------------------------ */

typedef struct loadctx {
    nx_ev_trade_t *v;
    size_t n, cap;
} loadctx_t;

static int collect_trade(void *ctx, const nx_event_hdr_t *ev) {
    loadctx_t *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1 << 15;
        l->v = nx_realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    memcpy(&l->v[l->n++], ev, sizeof *l->v);
    return 0;
}

/* The bundled Binance trades through the importer (prices and quantities at scale 8). */
static size_t load_bundled(const char *rel, nx_ev_trade_t **out) {
    FILE *f = fopen(nx_test_src_path(rel), "rb");
    assert_non_null(f);
    nx_import_opts_t o;
    nx_import_opts_default(&o);
    o.format = NX_FMT_BINANCE_TRADES;
    o.kind = NX_KIND_TRADES;
    o.price_scale = 8;
    o.qty_scale = 8;
    nx_importer_t *im = NULL;
    assert_int_equal(nx_importer_new(&o, &im), 0);
    assert_int_equal(nx_importer_begin_file(im, rel), 0);
    loadctx_t l = {NULL, 0, 0};
    char line[512];
    while (fgets(line, sizeof line, f)) {
        int rc = nx_importer_line(im, line, strcspn(line, "\r\n"), collect_trade, &l);
        assert_true(rc == 0 || rc == NX_ENOTFOUND);
    }
    nx_importer_free(im);
    fclose(f);
    *out = l.v;
    return l.n;
}

static void the_bundled_btcusdt_trades_round_trip_in_at_most_12_bytes_a_row(void **state) {
    (void)state;
    fresh_root("store-btc");
    nx_store_t *s = open_store(0, 0);
    nx_ev_trade_t *tr;
    size_t n = load_bundled("examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv", &tr);
    assert_true(n > 19000);
    nx_store_key_t kt = key_of(NX_KIND_TRADES, 0);
    nx_store_write_stats_t st;
    assert_int_equal(write_all(s, kt, tr, n, sizeof tr[0], &st), 0);
    assert_int_equal(st.stored, n);
    nx_event_t *got = nx_malloc(n * sizeof *got);
    nx_store_stream_t ss = stream_of(kt, 0, 0);
    assert_int_equal(read_all(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, got, n), n);
    for (size_t i = 0; i < n; i++) assert_memory_equal(&got[i], &tr[i], sizeof tr[i]);
    nx_store_verify_stats_t vs;
    assert_int_equal(nx_store_verify(s, NULL, NULL, &vs), 0);
    uint64_t bytes = vs.bytes;
    double per_row = (double)bytes / (double)n;
    printf("# bundled BTCUSDT trades: %zu rows, %llu bytes, %.2f bytes/row\n", n,
           (unsigned long long)bytes, per_row);
    assert_true(per_row <= 12.0);
    nx_free(got);
    nx_free(tr);
    nx_store_close(s);
    nx_test_rmdir(root);
}

/*
 * Fixture for tests/sh_cli_data.sh: with NX_STORE_FIXTURE=DIR, writes a store
 * there with the bundled BTCUSDT trades, a few quotes, depth deltas, 1m bars
 * and funding rows (otherwise the case only checks it can build one in tmp).
 */
static void a_sample_store_for_the_cli_test_writes_every_kind(void **state) {
    (void)state;
    const char *dir = getenv("NX_STORE_FIXTURE");
    if (dir && *dir) snprintf(root, sizeof root, "%s", dir);
    else fresh_root("store-fixture");
    nx_store_t *s = open_store(4096, 0);
    nx_ev_trade_t *tr;
    size_t n = load_bundled("examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv", &tr);
    assert_int_equal(write_all(s, key_of(NX_KIND_TRADES, 0), tr, n, sizeof tr[0], NULL), 0);
    nx_free(tr);
    enum { M = 50 };
    static nx_ev_quote_t q[M];
    static nx_ev_book_delta_t b[M];
    static nx_ev_bar_t bar[M];
    static nx_ev_funding_t fu[3];
    for (int i = 0; i < M; i++) {
        nx_event_init((nx_event_t *)(void *)&q[i], NX_EV_QUOTE);
        q[i].h.ts_recv = T0 + i * 1000123;
        q[i].h.ts_venue = T0 + i * 1000000;
        q[i].price_scale = 2;
        q[i].qty_scale = 5;
        q[i].bid_price = 6183762 + i;
        q[i].ask_price = 6183763 + i;
        q[i].bid_qty = 150000;
        q[i].ask_qty = 1;
        q[i].update_id = UINT64_C(48000000000) + (uint64_t)i;
        nx_event_init((nx_event_t *)(void *)&b[i], NX_EV_BOOK_DELTA);
        b[i].h.ts_recv = T0 + (i / 10) * NX_NS_PER_MS;
        b[i].side = (uint8_t)(1 + i % 2);
        b[i].action = NX_BOOK_SET;
        b[i].price_scale = 2;
        b[i].qty_scale = 5;
        b[i].price = 6183700 + i;
        b[i].qty = i % 3 ? 100 * i : 0;
        b[i].update_id = 1000 + (uint64_t)i / 10;
        b[i].first_update_id = 1000 + (uint64_t)i / 10;
        b[i].flags = i % 10 == 9 ? NX_BOOKF_LAST : 0;
        nx_event_init((nx_event_t *)(void *)&bar[i], NX_EV_BAR);
        bar[i].h.ts_venue = T0 + i * 60 * NX_NS_PER_SEC;
        bar[i].h.ts_recv = bar[i].h.ts_venue + 60 * NX_NS_PER_SEC;
        bar[i].price_scale = 2;
        bar[i].qty_scale = 5;
        bar[i].interval_ns = 60 * NX_NS_PER_SEC;
        bar[i].open = 6180000 + i;
        bar[i].high = 6190000 + i;
        bar[i].low = 6170000 + i;
        bar[i].close = 6185000 + i;
        bar[i].volume = 123456789 + i;
        bar[i].trades = 40 + (uint64_t)i;
    }
    for (int i = 0; i < 3; i++) {
        nx_event_init((nx_event_t *)(void *)&fu[i], NX_EV_FUNDING);
        fu[i].h.ts_recv = T0 + i * 8 * NX_NS_PER_HOUR;
        fu[i].h.ts_venue = fu[i].h.ts_recv;
        fu[i].rate_scale = 8;
        fu[i].price_scale = 2;
        fu[i].rate = i == 1 ? -2500 : 10000;
        fu[i].mark_price = 6183000 + i;
        fu[i].funding_ts = fu[i].h.ts_recv;
        fu[i].next_funding_ts = fu[i].h.ts_recv + 8 * NX_NS_PER_HOUR;
    }
    assert_int_equal(write_all(s, key_of(NX_KIND_QUOTES, 0), q, M, sizeof q[0], NULL), 0);
    assert_int_equal(write_all(s, key_of(NX_KIND_DEPTH, 0), b, M, sizeof b[0], NULL), 0);
    assert_int_equal(
        write_all(s, key_of(NX_KIND_BARS, 60 * NX_NS_PER_SEC), bar, M, sizeof bar[0], NULL), 0);
    nx_store_key_t kf = {"binanceusdm", "BTCUSDT", NX_KIND_FUNDING, 0};
    assert_int_equal(write_all(s, kf, fu, 3, sizeof fu[0], NULL), 0);
    assert_int_equal(nx_store_verify(s, NULL, NULL, NULL), 0);
    nx_store_close(s);
    if (!(dir && *dir)) nx_test_rmdir(root);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(every_kind_round_trips_exactly_through_write_commit_and_cursor),
    NX_CASE(a_wrong_event_type_or_bad_key_is_refused),
    NX_CASE(importing_the_same_rows_twice_stores_them_once),
    NX_CASE(overlapping_imports_merge_and_later_rows_append),
    NX_CASE(content_dedup_keeps_a_snapshot_in_arrival_order),
    NX_CASE(a_failed_allocation_at_any_step_leaves_store_and_catalog_unchanged),
    NX_CASE(a_failed_write_fsync_rename_or_catalog_commit_leaves_the_store_unchanged),
    NX_CASE(faults_on_the_sorted_fast_path_leave_the_store_unchanged),
    NX_CASE(faults_after_the_fast_path_falls_back_leave_the_store_unchanged),
    NX_CASE(an_interrupted_commit_is_cleaned_up_by_the_next_open),
    NX_CASE(many_spilled_runs_give_the_same_partition_as_one_buffer),
    NX_CASE(sorted_input_takes_the_fast_path_and_gives_the_general_paths_store),
    NX_CASE(columns_with_any_common_step_round_trip_exactly),
    NX_CASE(the_cursor_merges_streams_by_time_then_stream_order),
    NX_CASE(a_time_range_returns_exactly_the_rows_inside_it),
    NX_CASE(cursor_memory_does_not_grow_with_the_row_count),
    NX_CASE(a_cursor_feeds_the_kernel_as_a_source),
    NX_CASE(verify_names_a_block_with_a_flipped_byte_or_a_missing_file),
    NX_CASE(rows_across_a_month_boundary_go_to_two_partitions),
    NX_CASE(the_bundled_btcusdt_trades_round_trip_in_at_most_12_bytes_a_row),
    NX_CASE(a_sample_store_for_the_cli_test_writes_every_kind),
};

NX_TEST_MAIN(cases)
