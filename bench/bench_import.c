/*
 * Import figures:
 *   import_binance_csv  Binance trade CSV rows/s through the whole import:
 *                       read, parse, validate, store (sorted, deduplicated,
 *                       compressed, committed)
 *   import_rss_mb       peak resident memory of this process while importing
 *                       a 10-million-row file (the file is made by repeating
 *                       the bundled BTCUSDT trades with shifted times and ids)
 *   import_json_stream  Binance raw stream capture messages/s through the whole
 *                       import of the depth kind: every message read, depth
 *                       snapshots and diffs parsed, validated and stored, other
 *                       messages skipped by their stream name as the importer
 *                       does (the capture is the shared spot BTCUSDT one, or
 *                       the bundled sample, repeated to >= 1 million messages
 *                       with shifted receive times)
 *   import_json_stream_quotes  the same capture imported as quotes (bookTicker)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nexus/data.h"
#include "nexus/store.h"
#include "nx_bench.h"

#define ROWS_TARGET 10000000ull

typedef struct {
    nx_store_writer_t *w;
    nx_validator_t *v;
} pipe_t;

static int to_store(void *ctx, const nx_event_hdr_t *ev) { return nx_store_write_append(ctx, ev); }
static int to_validator(void *ctx, const nx_event_hdr_t *ev) {
    return nx_validator_push(((pipe_t *)ctx)->v, ev);
}

/* Repeat the bundled trades until ROWS_TARGET rows, shifting ids and times. */
static int make_input(const char *src, const char *dst, uint64_t *rows) {
    FILE *in = fopen(src, "r");
    if (!in) return -1;
    char line[512];
    size_t cap = 1 << 15, n = 0;
    struct row {
        unsigned long long id, t;
        char px[32], qty[32], qq[32], bm[8], best[8];
    } *r = malloc(cap * sizeof *r);
    while (fgets(line, sizeof line, in)) {
        if (n == cap) r = realloc(r, (cap *= 2) * sizeof *r);
        if (sscanf(line, "%llu,%31[^,],%31[^,],%31[^,],%llu,%7[^,],%7[^,\n]", &r[n].id, r[n].px,
                   r[n].qty, r[n].qq, &r[n].t, r[n].bm, r[n].best) == 7)
            n++;
    }
    fclose(in);
    if (n == 0) return -1;
    unsigned long long id_span = r[n - 1].id - r[0].id + 1, t_span = r[n - 1].t - r[0].t + 1000;
    FILE *out = fopen(dst, "w");
    if (!out) return -1;
    uint64_t k = 0;
    for (unsigned long long rep = 0; k < ROWS_TARGET; rep++)
        for (size_t i = 0; i < n && k < ROWS_TARGET; i++, k++)
            fprintf(out, "%llu,%s,%s,%s,%llu,%s,%s\n", r[i].id + rep * id_span, r[i].px, r[i].qty,
                    r[i].qq, r[i].t + rep * t_span, r[i].bm, r[i].best);
    free(r);
    *rows = k;
    return fclose(out);
}

/* Repeat a capture to >= target lines, shifting each line's receive time. */
static int make_capture(const char *const *srcs, size_t nsrc, const char *dst, uint64_t target,
                        uint64_t *lines) {
    FILE *out = fopen(dst, "w");
    if (!out) return -1;
    uint64_t k = 0;
    long long shift = 0, first = -1, last = 0;
    char *line = NULL;
    size_t cap = 0;
    while (k < target) {
        for (size_t f = 0; f < nsrc; f++) {
            char cmd[1200];
            snprintf(cmd, sizeof cmd, "zcat -f '%s'", srcs[f]);
            FILE *in = popen(cmd, "r");
            if (!in) return -1;
            ssize_t n;
            while ((n = getline(&line, &cap, in)) > 0) {
                char *sp = strchr(line, ' ');
                if (!sp) continue;
                long long ts = strtoll(line, NULL, 10);
                if (first < 0) first = ts;
                last = ts;
                fprintf(out, "%lld%s", ts + shift, sp);
                k++;
            }
            pclose(in);
        }
        shift += last - first + 1000000000LL;
    }
    free(line);
    *lines = k;
    return fclose(out);
}

static double bench_json_stream(const char *dir, nx_data_kind_t kind, const char *tag) {
    const char *shared = getenv("NX_SHARED_DIR");
    const char *src = getenv("NX_SOURCE_DIR");
    char a[1024], b[1024], sample[1024], cap[700], store[700];
    snprintf(a, sizeof a, "%s/data/binance_streams_hftbacktest/spot/btcusdt_20240808.jsonl.gz",
             shared && *shared ? shared : "../shared");
    if (!(shared && *shared)) {
        snprintf(a, sizeof a, "%s/../shared/data/binance_streams_hftbacktest/spot/btcusdt_20240808.jsonl.gz",
                 src && *src ? src : ".");
    }
    snprintf(b, sizeof b, "%.*s9.jsonl.gz", (int)(strlen(a) - strlen("8.jsonl.gz")), a);
    snprintf(sample, sizeof sample, "%s/tests/data/binance_spot_btcusdt_20240808_head1500.jsonl",
             src && *src ? src : ".");
    const char *both[2] = {a, b};
    const char *one[1] = {sample};
    int have_shared = access(a, R_OK) == 0 && access(b, R_OK) == 0;
    snprintf(cap, sizeof cap, "%s/capture.jsonl", dir);
    snprintf(store, sizeof store, "%s/store_json_%s", dir, tag);
    uint64_t lines = 0;
    if (make_capture(have_shared ? both : one, have_shared ? 2 : 1, cap, 1000000, &lines) != 0)
        return 0;
    nx_data_msg_parser_t *parser;
    size_t ncap = NX_DATA_MSG_EVENTS(1000);
    nx_event_t *evs = calloc(ncap, sizeof *evs);
    nx_store_t *st;
    pipe_t p;
    nx_store_key_t key = {"binance", "BTCUSDT", kind, 0};
    if (!evs || nx_data_msg_parser_new(1000, &parser) < 0 || nx_store_open(store, NULL, &st) < 0 ||
        nx_store_write_begin(st, &key, &p.w) < 0 ||
        nx_validator_new(NULL, to_store, p.w, NULL, NULL, &p.v) < 0)
        return 0;
    nx_data_stream_spec_t spec = {0, 0, 2, 8};
    int64_t t0 = nx_mono_now();
    nx_line_reader_t *r;
    if (nx_line_reader_open(cap, &r) < 0) return 0;
    const char *l;
    size_t n;
    uint64_t msgs = 0;
    int rc;
    while ((rc = nx_line_reader_next(r, &l, &n)) == NX_OK) {
        nx_data_msg_t m;
        msgs++;
        rc = nx_data_parse_binance_line_kind(parser, l, n, kind, &spec, evs, ncap, &m);
        if (rc == NX_ENOTFOUND) continue;
        if (rc < 0) break;
        for (size_t i = 0; i < m.n_events; i++)
            if ((rc = nx_validator_push(p.v, &evs[i].h)) < 0) break;
        if (rc < 0) break;
    }
    nx_line_reader_close(r);
    nx_store_write_stats_t ws;
    if ((rc != NX_EEND && rc < 0) || nx_validator_flush(p.v) < 0 ||
        nx_store_write_commit(p.w, &ws) < 0) {
        fprintf(stderr, "bench_import: json stream: %s\n", nx_err_detail());
        return 0;
    }
    double secs = nx_bench_secs(t0);
    fprintf(stderr, "bench_import: json stream: %llu messages (%s), %llu %s rows stored\n",
            (unsigned long long)msgs, have_shared ? "shared spot BTCUSDT capture" : "bundled sample",
            (unsigned long long)ws.stored, tag);
    nx_validator_free(p.v);
    nx_data_msg_parser_free(parser);
    free(evs);
    nx_store_close(st);
    return (double)msgs / secs;
}

int main(void) {
    const char *srcdir = getenv("NX_SOURCE_DIR");
    char src[1024], dir[512], csv[600], store[600], cmd[1300];
    snprintf(src, sizeof src, "%s/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv",
             srcdir && *srcdir ? srcdir : ".");
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nx-bench-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return 1;
    snprintf(csv, sizeof csv, "%s/trades.csv", dir);
    snprintf(store, sizeof store, "%s/store", dir);
    uint64_t rows = 0;
    if (make_input(src, csv, &rows) != 0) {
        fprintf(stderr, "bench_import: cannot read %s (set NX_SOURCE_DIR)\n", src);
        return 1;
    }
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);

    nx_import_opts_t io;
    nx_import_opts_default(&io);
    io.format = NX_FMT_BINANCE_TRADES;
    io.kind = NX_KIND_TRADES;
    io.price_scale = 2;
    io.qty_scale = 5;
    nx_importer_t *imp;
    nx_store_t *st;
    pipe_t p;
    nx_store_key_t key = {"binance", "BTCUSDT", NX_KIND_TRADES, 0};
    if (nx_importer_new(&io, &imp) < 0 || nx_store_open(store, NULL, &st) < 0 ||
        nx_store_write_begin(st, &key, &p.w) < 0 ||
        nx_validator_new(NULL, to_store, p.w, NULL, NULL, &p.v) < 0) {
        fprintf(stderr, "bench_import: %s\n", nx_err_detail());
        return 1;
    }
    int64_t t0 = nx_mono_now();
    nx_line_reader_t *r;
    if (nx_line_reader_open(csv, &r) < 0) return 1;
    nx_importer_begin_file(imp, csv);
    const char *l;
    size_t n;
    int rc;
    while ((rc = nx_line_reader_next(r, &l, &n)) == NX_OK) {
        rc = nx_importer_line(imp, l, n, to_validator, &p);
        if (rc < 0 && rc != NX_ENOTFOUND) break;
    }
    nx_line_reader_close(r);
    nx_store_write_stats_t ws;
    if ((rc != NX_EEND && rc < 0) || nx_validator_flush(p.v) < 0 ||
        nx_store_write_commit(p.w, &ws) < 0) {
        fprintf(stderr, "bench_import: %s\n", nx_err_detail());
        return 1;
    }
    double secs = nx_bench_secs(t0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (ws.stored != rows) {
        fprintf(stderr, "bench_import: stored %llu of %llu rows\n", (unsigned long long)ws.stored,
                (unsigned long long)rows);
        return 1;
    }
    nx_bench_emit("import_binance_csv", (double)rows / secs, "rows/s");
    nx_bench_emit("import_rss_mb", (double)ru.ru_maxrss / 1024.0, "MB");
    double js = bench_json_stream(dir, NX_KIND_DEPTH, "depth");
    if (js <= 0) return 1;
    nx_bench_emit("import_json_stream", js, "msgs/s");
    /* the same capture imported as quotes: three quarters of its messages are bookTickers */
    js = bench_json_stream(dir, NX_KIND_QUOTES, "quotes");
    if (js <= 0) return 1;
    nx_bench_emit("import_json_stream_quotes", js, "msgs/s");
    nx_validator_free(p.v);
    nx_importer_free(imp);
    nx_store_close(st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
