/*
 * bench_book — raw exchange stream parsing and order-book updates.
 *
 * Figures (best of nx_bench_reps() runs):
 *   import_json_stream_parse     Binance capture lines ("<ts> <json>": trades,
 *                                bookTickers, depth diffs, the REST snapshot)
 *                                parsed into events, messages/s. Target >= 1e6.
 *   import_json_stream_parse_mb  the same in MB/s of message text
 *   book_apply                   BOOK_DELTA events applied to a book with the
 *                                Binance sync rules (snapshot + every diff of the
 *                                captures, in order), deltas/s
 *   book_apply_allocs_per_delta  heap allocations per applied delta (must be 0)
 *
 * Input: the shared hftbacktest captures (spot BTCUSDT/ETHUSDT, USD-M BTCUSDT,
 * 2024-08-08) from $NX_SHARED_DIR/data or $NX_SOURCE_DIR/../shared/data, held
 * in memory decompressed; if absent, the bundled 1,500-line sample in
 * tests/data/. The input used is printed on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "nexus/book.h"
#include "nexus/data.h"
#include "nexus/time.h"
#include "nx_bench.h"

typedef struct {
    const char *rel;
    nx_book_sync_t sync;
    uint8_t ps, qs;
} capture_t;

static const capture_t captures[] = {
    {"binance_streams_hftbacktest/spot/btcusdt_20240808.jsonl.gz", NX_BOOK_SYNC_BINANCE_SPOT, 2, 8},
    {"binance_streams_hftbacktest/spot/ethusdt_20240808.jsonl.gz", NX_BOOK_SYNC_BINANCE_SPOT, 2, 8},
    {"binance_streams_hftbacktest/usdm/btcusdt_20240808.jsonl.gz", NX_BOOK_SYNC_BINANCE_FUTURES, 2, 3},
};

typedef struct {
    char *text;      /* all lines, each NUL-terminated */
    size_t bytes;
    size_t *off, *len;
    size_t n, cap;
    nx_data_stream_spec_t spec;
    nx_book_sync_t sync;
} input_t;

static int load(const char *path, input_t *in) {
    gzFile f = gzopen(path, "rb");
    if (!f) return -1;
    size_t cap = 1 << 24, used = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (cap - used < (1 << 20)) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        int r = gzread(f, buf + used, (unsigned)(cap - used - 1));
        if (r <= 0) break;
        used += (size_t)r;
    }
    gzclose(f);
    buf[used] = 0;
    in->text = buf;
    in->bytes = used;
    in->n = 0;
    in->cap = 1 << 16;
    in->off = malloc(in->cap * sizeof(size_t));
    in->len = malloc(in->cap * sizeof(size_t));
    for (size_t i = 0; i < used;) {
        char *nl = memchr(buf + i, '\n', used - i);
        size_t e = nl ? (size_t)(nl - buf) : used;
        if (in->n == in->cap) {
            in->cap *= 2;
            in->off = realloc(in->off, in->cap * sizeof(size_t));
            in->len = realloc(in->len, in->cap * sizeof(size_t));
        }
        in->off[in->n] = i;
        in->len[in->n] = e - i;
        in->n++;
        i = e + 1;
    }
    return 0;
}

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

int main(void) {
    const char *sh = getenv("NX_SHARED_DIR"), *src = getenv("NX_SOURCE_DIR");
    char root[1024], path[2048];
    if (sh && *sh)
        snprintf(root, sizeof root, "%s/data", sh);
    else
        snprintf(root, sizeof root, "%s/../shared/data", src && *src ? src : ".");
    input_t in[4];
    int nin = 0;
    for (size_t i = 0; i < sizeof captures / sizeof captures[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, captures[i].rel);
        if (!exists(path) || load(path, &in[nin]) < 0) continue;
        in[nin].spec = (nx_data_stream_spec_t){0, 0, captures[i].ps, captures[i].qs};
        in[nin].sync = captures[i].sync;
        fprintf(stderr, "bench_book: %s (%zu lines)\n", path, in[nin].n);
        nin++;
    }
    if (nin == 0) {
        snprintf(path, sizeof path, "%s/tests/data/binance_spot_btcusdt_20240808_head1500.jsonl",
                 src && *src ? src : ".");
        if (load(path, &in[0]) < 0) {
            fprintf(stderr, "bench_book: no input (%s)\n", path);
            return 1;
        }
        in[0].spec = (nx_data_stream_spec_t){0, 0, 2, 8};
        in[0].sync = NX_BOOK_SYNC_BINANCE_SPOT;
        fprintf(stderr, "bench_book: bundled sample %s (%zu lines)\n", path, in[0].n);
        nin = 1;
    }

    nx_data_msg_parser_t *p;
    if (nx_data_msg_parser_new(1000, &p) != NX_OK) return 1;
    size_t cap = NX_DATA_MSG_EVENTS(1000);
    nx_event_t *ev = calloc(cap, sizeof *ev);

    /* ---- parse ---- */
    size_t msgs = 0, bytes = 0;
    for (int k = 0; k < nin; k++) {
        msgs += in[k].n;
        for (size_t i = 0; i < in[k].n; i++) bytes += in[k].len[i];
    }
    double best = 1e30;
    uint64_t sink = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        int64_t t0 = nx_mono_now();
        for (int k = 0; k < nin; k++) {
            for (size_t i = 0; i < in[k].n; i++) {
                nx_data_msg_t m;
                int rc = nx_data_parse_binance_line(p, in[k].text + in[k].off[i], in[k].len[i],
                                                    &in[k].spec, ev, cap, &m);
                if (rc != NX_OK) {
                    fprintf(stderr, "bench_book: parse error %s\n", nx_err_message());
                    return 1;
                }
                sink += m.n_events;
            }
        }
        double s = nx_bench_secs(t0);
        if (s < best) best = s;
    }
    nx_bench_sink(sink);
    nx_bench_emit("import_json_stream_parse", (double)msgs / best, "msgs/s");
    nx_bench_emit("import_json_stream_parse_mb", (double)bytes / best / 1e6, "MB/s");

    /* ---- apply: pre-parse every depth message of each capture into deltas ---- */
    size_t total = 0;
    nx_ev_book_delta_t *deltas[4];
    size_t ndeltas[4];
    for (int k = 0; k < nin; k++) {
        size_t dcap = 1 << 16, n = 0;
        nx_ev_book_delta_t *d = malloc(dcap * sizeof *d);
        for (size_t i = 0; i < in[k].n; i++) {
            nx_data_msg_t m;
            if (nx_data_parse_binance_line(p, in[k].text + in[k].off[i], in[k].len[i], &in[k].spec,
                                           ev, cap, &m) != NX_OK)
                continue;
            if (m.kind != NX_MSG_DEPTH_DIFF && m.kind != NX_MSG_DEPTH_SNAPSHOT) continue;
            if (n + m.n_events > dcap) {
                while (n + m.n_events > dcap) dcap *= 2;
                d = realloc(d, dcap * sizeof *d);
            }
            for (size_t j = 0; j < m.n_events; j++) d[n++] = ev[j].book_delta;
        }
        deltas[k] = d;
        ndeltas[k] = n;
        total += n;
    }
    nx_book_t *books[4];
    for (int k = 0; k < nin; k++) {
        nx_book_config_t c;
        nx_book_config_default(&c, in[k].sync, in[k].spec.price_scale, in[k].spec.qty_scale);
        c.capacity = 20000;
        c.pending_cap = 1u << 17;
        if (nx_book_new(&c, &books[k]) != NX_OK) return 1;
    }
    best = 1e30;
    uint64_t allocs = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        for (int k = 0; k < nin; k++) nx_book_reset(books[k]);
        nx_alloc_stats_t a0, a1;
        nx_alloc_stats(&a0);
        int64_t t0 = nx_mono_now();
        for (int k = 0; k < nin; k++) {
            nx_book_t *b = books[k];
            const nx_ev_book_delta_t *d = deltas[k];
            for (size_t i = 0; i < ndeltas[k]; i++) {
                int rc = nx_book_apply(b, &d[i]);
                if (rc < 0) {
                    fprintf(stderr, "bench_book: apply: %s\n", nx_err_message());
                    return 1;
                }
            }
            nx_book_level_t bid, ask;
            if (nx_book_bbo(b, &bid, &ask) == NX_OK) sink += (uint64_t)bid.price;
        }
        double s = nx_bench_secs(t0);
        nx_alloc_stats(&a1);
        allocs += a1.calls - a0.calls;
        if (s < best) best = s;
    }
    nx_bench_sink(sink);
    nx_bench_emit("book_apply", (double)total / best, "deltas/s");
    nx_bench_emit("book_apply_allocs_per_delta",
                  (double)allocs / ((double)total * nx_bench_reps()), "allocs");
    for (int k = 0; k < nin; k++) {
        nx_book_free(books[k]);
        free(deltas[k]);
        free(in[k].text);
        free(in[k].off);
        free(in[k].len);
    }
    free(ev);
    nx_data_msg_parser_free(p);
    return 0;
}
