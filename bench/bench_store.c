/*
 * Market-data store figures:
 *   store_bytes_per_trade          bytes on disk per row, bundled BTCUSDT trades
 *   store_bytes_per_trade_streams  the same for the derived trade CSVs of the
 *                                  Binance stream captures (ns receive times),
 *                                  when ../shared/data is present
 *   store_write                    rows/s appended and committed (10M rows, in order:
 *                                  the writer's sorted fast path)
 *   store_scan                     rows/s through the merge cursor (10M rows)
 *   store_rss_mb                   max RSS of this process after both
 *   store_write_scattered          the same 10M rows appended out of order (a fixed
 *                                  permutation): buffer, spilled runs, merge
 * The 10M rows are the bundled BTCUSDT trades repeated with shifted times and ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nexus/data.h"
#include "nexus/decimal.h"
#include "nexus/store.h"
#include "nexus/time.h"
#include "nx_bench.h"

#define ROWS_BIG 10000000u

typedef struct vec {
    nx_ev_trade_t *v;
    size_t n, cap;
} vec_t;

static int push(void *ctx, const nx_event_hdr_t *ev) {
    vec_t *a = ctx;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 1 << 16;
        a->v = nx_realloc(a->v, a->cap * sizeof *a->v);
        if (!a->v) abort();
    }
    memcpy(&a->v[a->n++], ev, sizeof *a->v);
    return 0;
}

static void load_binance(const char *path, vec_t *out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    nx_import_opts_t o;
    nx_import_opts_default(&o);
    o.format = NX_FMT_BINANCE_TRADES;
    o.kind = NX_KIND_TRADES;
    o.price_scale = 8;
    o.qty_scale = 8;
    nx_importer_t *im = NULL;
    if (nx_importer_new(&o, &im) < 0 || nx_importer_begin_file(im, path) < 0) exit(1);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        int rc = nx_importer_line(im, line, strcspn(line, "\r\n"), push, out);
        if (rc < 0 && rc != NX_ENOTFOUND) {
            fprintf(stderr, "%s: %s\n", path, nx_err_message());
            exit(1);
        }
    }
    nx_importer_free(im);
    fclose(f);
}

/* Derived stream CSV: local_ts_ns,event_time_ms,trade_time_ms,trade_id,price,qty,... */
static int load_derived(const char *path, vec_t *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        const char *c[10];
        size_t cl[10], n = 0, start = 0, len = strcspn(line, "\r\n");
        for (size_t i = 0; i <= len && n < 10; i++)
            if (i == len || line[i] == ',') {
                c[n] = line + start;
                cl[n++] = i - start;
                start = i + 1;
            }
        if (n < 8 || line[0] < '0' || line[0] > '9') continue;
        nx_ev_trade_t t;
        nx_event_init((nx_event_t *)(void *)&t, NX_EV_TRADE);
        int64_t v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = 0;
            for (size_t i = 0; i < cl[k]; i++) v[k] = v[k] * 10 + (c[k][i] - '0');
        }
        t.h.ts_recv = v[0];
        t.h.ts_venue = v[2] * NX_NS_PER_MS;
        t.trade_id = (uint64_t)v[3];
        t.price_scale = t.qty_scale = 8;
        if (nx_dec_parse_scaled(c[4], cl[4], 8, NX_ROUND_EXACT, &t.price) < 0 ||
            nx_dec_parse_scaled(c[5], cl[5], 8, NX_ROUND_EXACT, &t.qty) < 0)
            continue;
        t.aggressor = cl[7] == 4 ? NX_SIDE_SELL : NX_SIDE_BUY; /* "true": buyer was maker */
        push(out, &t.h);
    }
    fclose(f);
    return 0;
}

static nx_store_t *open_store(const char *root) {
    nx_store_t *s = NULL;
    if (nx_store_open(root, NULL, &s) < 0) {
        fprintf(stderr, "store: %s\n", nx_err_message());
        exit(1);
    }
    return s;
}

static double bytes_per_row(const char *root, const char *symbol, const vec_t *rows) {
    nx_store_t *s = open_store(root);
    nx_store_key_t k = {"bench", symbol, NX_KIND_TRADES, 0};
    nx_store_writer_t *w = NULL;
    if (nx_store_write_begin(s, &k, &w) < 0) exit(1);
    for (size_t i = 0; i < rows->n; i++)
        if (nx_store_write_append(w, &rows->v[i].h) < 0) exit(1);
    nx_store_write_stats_t st;
    if (nx_store_write_commit(w, &st) < 0) {
        fprintf(stderr, "commit: %s\n", nx_err_message());
        exit(1);
    }
    nx_store_verify_stats_t vs;
    if (nx_store_verify(s, NULL, NULL, &vs) < 0) exit(1);
    nx_store_close(s);
    return vs.rows ? (double)vs.bytes / (double)vs.rows : 0;
}

static double rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

int main(void) {
    const char *tmpenv = getenv("TMPDIR");
    char root[512];
    snprintf(root, sizeof root, "%s/nx-bench-store-XXXXXX", tmpenv && *tmpenv ? tmpenv : "/tmp");
    if (!mkdtemp(root)) return 1;
    const char *src = getenv("NX_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv",
             src && *src ? src : ".");
    vec_t base = {NULL, 0, 0};
    load_binance(path, &base);

    char sub[600];
    snprintf(sub, sizeof sub, "%s/bpr", root);
    nx_bench_emit("store_bytes_per_trade", bytes_per_row(sub, "BTCUSDT", &base), "bytes/row");

    /* the stream captures' derived trade CSVs, all six instruments together */
    static const char *const derived[] = {
        "spot_BTCUSDT_20240808T2354-20240809T0005_trades.csv",
        "spot_ETHUSDT_20240808T2354-20240809T0005_trades.csv",
        "usdm_BTCUSDT_20240808T2354-2400_trades.csv",
        "usdm_ETHUSDT_20240808T2354-2400_trades.csv",
        "cm_BTCUSD_PERP_20240808T2354-20240809T0005_trades.csv",
        "cm_ETHUSD_PERP_20240808T2354-20240809T0005_trades.csv"};
    uint64_t drows = 0;
    double dbytes = 0;
    for (size_t i = 0; i < NX_ARRAY_LEN(derived); i++) {
        vec_t d = {NULL, 0, 0};
        snprintf(path, sizeof path, "%s/../shared/data/binance_streams_hftbacktest/derived_csv/%s",
                 src && *src ? src : "..", derived[i]);
        if (load_derived(path, &d) < 0 || d.n == 0) {
            nx_free(d.v);
            continue;
        }
        char sym[32];
        snprintf(sym, sizeof sym, "S%zu", i);
        dbytes += bytes_per_row(sub, sym, &d) * (double)d.n;
        drows += d.n;
        nx_free(d.v);
    }
    if (drows) nx_bench_emit("store_bytes_per_trade_streams", dbytes / (double)drows, "bytes/row");

    /* 10M rows: the base file repeated with shifted times and ids */
    int64_t span = base.v[base.n - 1].h.ts_recv - base.v[0].h.ts_recv + NX_NS_PER_MS;
    uint64_t idspan = base.v[base.n - 1].trade_id - base.v[0].trade_id + 1;
    snprintf(sub, sizeof sub, "%s/big", root);
    nx_store_t *s = open_store(sub);
    nx_store_key_t k = {"binance", "BTCUSDT", NX_KIND_TRADES, 0};
    nx_store_writer_t *w = NULL;
    int64_t t0 = nx_mono_now();
    if (nx_store_write_begin(s, &k, &w) < 0) return 1;
    for (uint32_t i = 0; i < ROWS_BIG; i++) {
        uint64_t rep = i / base.n;
        nx_ev_trade_t t = base.v[i % base.n];
        t.h.ts_recv += (int64_t)rep * span;
        t.h.ts_venue = t.h.ts_recv;
        t.trade_id += rep * idspan;
        if (nx_store_write_append(w, &t.h) < 0) {
            fprintf(stderr, "append: %s\n", nx_err_message());
            return 1;
        }
    }
    nx_store_write_stats_t st;
    if (nx_store_write_commit(w, &st) < 0) {
        fprintf(stderr, "commit: %s\n", nx_err_message());
        return 1;
    }
    double wsecs = nx_bench_secs(t0);
    if (st.stored != ROWS_BIG || !st.sorted_path) {
        fprintf(stderr, "stored %llu rows\n", (unsigned long long)st.stored);
        return 1;
    }
    nx_bench_emit("store_write", ROWS_BIG / wsecs, "rows/s");

    double best = 0;
    nx_store_stream_t ss = {k, 1, 1};
    for (int r = 0; r < nx_bench_reps(); r++) {
        nx_store_cursor_t *c = NULL;
        t0 = nx_mono_now();
        if (nx_store_cursor_open(s, &ss, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, &c) < 0) return 1;
        nx_event_hdr_t *ev;
        uint64_t n = 0, sum = 0;
        while (nx_store_cursor_next(c, &ev) == 0) {
            sum += (uint64_t)((nx_ev_trade_t *)(void *)ev)->price;
            n++;
        }
        nx_store_cursor_close(c);
        double secs = nx_bench_secs(t0);
        nx_bench_sink(sum);
        if (n != ROWS_BIG) {
            fprintf(stderr, "scanned %llu rows\n", (unsigned long long)n);
            return 1;
        }
        if ((double)n / secs > best) best = (double)n / secs;
    }
    nx_bench_emit("store_scan", best, "rows/s");
    nx_bench_emit("store_rss_mb", rss_mb(), "MB");
    nx_store_close(s);

    /* the general path: row i of the order above arrives at (i * 7919 + 13) mod 10M */
    snprintf(sub, sizeof sub, "%s/scattered", root);
    s = open_store(sub);
    t0 = nx_mono_now();
    if (nx_store_write_begin(s, &k, &w) < 0) return 1;
    for (uint32_t j = 0; j < ROWS_BIG; j++) {
        uint32_t i = (uint32_t)(((uint64_t)j * 7919u + 13u) % ROWS_BIG);
        uint64_t rep = i / base.n;
        nx_ev_trade_t t = base.v[i % base.n];
        t.h.ts_recv += (int64_t)rep * span;
        t.h.ts_venue = t.h.ts_recv;
        t.trade_id += rep * idspan;
        if (nx_store_write_append(w, &t.h) < 0) {
            fprintf(stderr, "append: %s\n", nx_err_message());
            return 1;
        }
    }
    if (nx_store_write_commit(w, &st) < 0) {
        fprintf(stderr, "commit: %s\n", nx_err_message());
        return 1;
    }
    wsecs = nx_bench_secs(t0);
    if (st.stored != ROWS_BIG || st.sorted_path) {
        fprintf(stderr, "scattered: stored %llu rows\n", (unsigned long long)st.stored);
        return 1;
    }
    nx_bench_emit("store_write_scattered", ROWS_BIG / wsecs, "rows/s");
    nx_store_close(s);
    nx_free(base.v);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) return 1;
    return 0;
}
