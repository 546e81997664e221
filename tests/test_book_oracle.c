/*
 * Order-book oracles on the shared real captures (skipped when absent):
 *
 *  - Binance (hftbacktest raw captures, spot / USD-M / COIN-M): snapshot +
 *    diffs replayed with each venue's sync rules must show zero sequence
 *    gaps, and after every applied diff whose u equals a bookTicker row's u,
 *    the book's best bid/ask price AND quantity must equal that row exactly.
 *  - Kraken: every checksum in the python-kraken-sdk v1/v2 book streams and
 *    in cryptofeed's 10-pair book-1000 capture must validate.
 *
 * Data: $NX_SHARED_DIR/data, else $NX_SOURCE_DIR/../shared/data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "book_replay.h"
#include "nexus/book.h"
#include "nexus/data.h"
#include "nx_test.h"

static const char *shared_data(const char *rel) {
    static char buf[1024];
    const char *sh = getenv("NX_SHARED_DIR");
    const char *src = getenv("NX_SOURCE_DIR");
    if (sh && *sh)
        snprintf(buf, sizeof buf, "%s/data/%s", sh, rel);
    else
        snprintf(buf, sizeof buf, "%s/../shared/data/%s", src && *src ? src : ".", rel);
    return buf;
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- Binance ------------------------------------------------------------------ */

static void binance_oracle(const char *label, const char *f1, const char *f2, nx_book_sync_t sync,
                           uint8_t ps, uint8_t qs) {
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s", shared_data(f1));
    if (!exists(p1)) {
        print_message("shared capture %s absent (set NX_SHARED_DIR): skipped\n", p1);
        skip();
    }
    int n = 1;
    if (f2) {
        snprintf(p2, sizeof p2, "%s", shared_data(f2));
        if (exists(p2)) n = 2;
    }
    const char *paths[2] = {p1, p2};
    br_result_t r;
    assert_int_equal(br_replay(paths, n, sync, ps, qs, &r), 0);
    print_message("%s: %llu lines, %llu diffs (%llu applied; the others predate the snapshot), "
                  "%llu snapshot(s), "
                  "%llu bookTicker rows, %llu trades; BBO compared %llu rows (%s: %llu",
                  label, (unsigned long long)r.lines, (unsigned long long)r.diffs,
                  (unsigned long long)r.diffs_applied,
                  (unsigned long long)r.snapshots, (unsigned long long)r.tickers,
                  (unsigned long long)r.trades, (unsigned long long)r.compared, f1,
                  (unsigned long long)r.compared_per_file[0]);
    if (n == 2) print_message(", %s: %llu", f2, (unsigned long long)r.compared_per_file[1]);
    print_message("), %llu mismatches, %llu gaps\n", (unsigned long long)r.mismatches,
                  (unsigned long long)r.gaps);
    if (r.mismatches) print_message("first mismatch: %s\n", r.first_mismatch);
    assert_int_equal(r.parse_errors, 0);
    assert_int_equal(r.unknown, 0);
    assert_int_equal(r.snapshots, 1);
    assert_int_equal(r.gaps, 0);
    assert_int_equal(r.errors, 0);
    assert_true(r.diffs_applied > 1000);
    assert_true(r.compared > 100);
    for (int i = 0; i < n; i++) assert_true(r.compared_per_file[i] > 0);
    assert_int_equal(r.mismatches, 0);
}

#define HB "binance_streams_hftbacktest/"

static void binance_spot_btcusdt_book_matches_every_bookticker(void **state) {
    (void)state;
    binance_oracle("spot BTCUSDT", HB "spot/btcusdt_20240808.jsonl.gz",
                   HB "spot/btcusdt_20240809.jsonl.gz", NX_BOOK_SYNC_BINANCE_SPOT, 2, 8);
}

static void binance_spot_ethusdt_book_matches_every_bookticker(void **state) {
    (void)state;
    binance_oracle("spot ETHUSDT", HB "spot/ethusdt_20240808.jsonl.gz",
                   HB "spot/ethusdt_20240809.jsonl.gz", NX_BOOK_SYNC_BINANCE_SPOT, 2, 8);
}

static void binance_usdm_btcusdt_book_matches_every_bookticker(void **state) {
    (void)state;
    binance_oracle("usdm BTCUSDT", HB "usdm/btcusdt_20240808.jsonl.gz", NULL,
                   NX_BOOK_SYNC_BINANCE_FUTURES, 2, 3);
}

static void binance_usdm_ethusdt_book_matches_every_bookticker(void **state) {
    (void)state;
    binance_oracle("usdm ETHUSDT", HB "usdm/ethusdt_20240808.jsonl.gz", NULL,
                   NX_BOOK_SYNC_BINANCE_FUTURES, 2, 3);
}

static void binance_coinm_btcusd_perp_book_matches_every_bookticker(void **state) {
    (void)state;
    binance_oracle("cm BTCUSD_PERP", HB "cm/btcusd_perp_20240808.jsonl.gz",
                   HB "cm/btcusd_perp_20240809.jsonl.gz", NX_BOOK_SYNC_BINANCE_FUTURES, 1, 0);
}

static void binance_coinm_ethusd_perp_book_matches_every_bookticker(void **state) {
    (void)state;
    binance_oracle("cm ETHUSD_PERP", HB "cm/ethusd_perp_20240808.jsonl.gz",
                   HB "cm/ethusd_perp_20240809.jsonl.gz", NX_BOOK_SYNC_BINANCE_FUTURES, 2, 0);
}

/* ---- Kraken --------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* End (one past) of the JSON value starting at s[i] (object, array, string or scalar). */
static size_t value_end(const char *s, size_t len, size_t i) {
    if (s[i] == '"') {
        for (i++; i < len && s[i] != '"'; i++)
            if (s[i] == '\\') i++;
        return i + 1;
    }
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != ' ' && s[i] != '\n') i++;
        return i;
    }
    int depth = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '"') {
            i = value_end(s, len, i) - 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return i + 1;
        }
    }
    return len;
}

/* Calls fn on each element of the array that starts at s[i] == '['. */
typedef void (*elem_fn)(void *ctx, const char *js, size_t len);
static void each_element(const char *s, size_t len, size_t i, elem_fn fn, void *ctx) {
    assert_true(s[i] == '[');
    i++;
    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t' || s[i] == ','))
            i++;
        if (i >= len || s[i] == ']') return;
        size_t e = value_end(s, len, i);
        fn(ctx, s + i, e - i);
        i = e;
    }
}

/* Position of the value of "key" (first occurrence) in a document. */
static size_t key_value(const char *s, size_t len, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *k = strstr(s, pat);
    assert_non_null(k);
    size_t i = (size_t)(k - s) + strlen(pat);
    while (i < len && (s[i] == ' ' || s[i] == ':' || s[i] == '\n')) i++;
    return i;
}

typedef struct kr_book {
    char pair[32];
    nx_book_t *book;
    nx_data_stream_spec_t spec;
} kr_book_t;

typedef struct kr_ctx {
    nx_data_msg_parser_t *p;
    nx_event_t *ev;
    kr_book_t books[16];
    int nbooks;
    uint8_t fixed_ps, fixed_qs; /* v2: from the instrument */
    uint32_t depth;
    uint64_t messages, skipped, checksummed, parse_errors, apply_errors;
} kr_ctx_t;

/* v1 messages end with the pair name: [..., "book-10", "XBT/USD"]. */
static int v1_pair(const char *js, size_t len, char *out, size_t cap) {
    size_t e = len;
    while (e && (js[e - 1] == ' ' || js[e - 1] == '\n' || js[e - 1] == '\r')) e--;
    if (!e || js[e - 1] != ']' || js[0] != '[') return 0;
    e--;
    while (e && js[e - 1] == ' ') e--;
    if (!e || js[e - 1] != '"') return 0;
    size_t q = e - 1;
    while (q && js[q - 1] != '"') q--;
    if (!q || e - 1 - q >= cap) return 0;
    memcpy(out, js + q, e - 1 - q);
    out[e - 1 - q] = 0;
    return 1;
}

static void kr_message(void *vctx, const char *js, size_t len) {
    kr_ctx_t *c = vctx;
    nx_data_msg_t m;
    c->messages++;
    char pair[32] = "";
    kr_book_t *kb = NULL;
    if (v1_pair(js, len, pair, sizeof pair)) {
        for (int i = 0; i < c->nbooks; i++)
            if (strcmp(c->books[i].pair, pair) == 0) kb = &c->books[i];
    } else if (c->nbooks == 1) {
        kb = &c->books[0]; /* v2 stream of one symbol */
    }
    int rc;
    if (!kb) { /* a new book starts at its snapshot; v1 scales come from the text */
        uint8_t ps = c->fixed_ps, qs = c->fixed_qs;
        if (!ps && !qs && nx_data_kraken_book_scales(c->p, js, len, &ps, &qs) != NX_OK) {
            c->skipped++;
            return;
        }
        nx_data_stream_spec_t spec = {0, 0, ps, qs};
        rc = nx_data_parse_kraken_book(c->p, js, len, 0, &spec, c->ev, NX_DATA_MSG_EVENTS(1100), &m);
        if (rc == NX_ENOTFOUND) {
            c->skipped++;
            return;
        }
        assert_int_equal(rc, NX_OK);
        assert_int_equal(m.kind, NX_MSG_DEPTH_SNAPSHOT);
        assert_true(c->nbooks < 16);
        kb = &c->books[c->nbooks++];
        kb->spec = spec;
        snprintf(kb->pair, sizeof kb->pair, "%.*s", (int)m.symbol_len, m.symbol);
        nx_book_config_t bc;
        nx_book_config_default(&bc, NX_BOOK_SYNC_KRAKEN, ps, qs);
        bc.depth = c->depth;
        bc.capacity = c->depth + 100;
        assert_int_equal(nx_book_new(&bc, &kb->book), NX_OK);
    } else {
        rc = nx_data_parse_kraken_book(c->p, js, len, 0, &kb->spec, c->ev, NX_DATA_MSG_EVENTS(1100), &m);
        if (rc == NX_ENOTFOUND) {
            c->skipped++;
            return;
        }
        if (rc != NX_OK) {
            c->parse_errors++;
            print_message("kraken %s parse error: %s\n", kb->pair, nx_err_message());
            return;
        }
    }
    if (m.has_checksum) c->checksummed++;
    for (size_t i = 0; i < m.n_events; i++) {
        rc = nx_book_apply(kb->book, &c->ev[i].book_delta);
        if (rc < 0) {
            c->apply_errors++;
            print_message("kraken %s: %s\n", kb->pair, nx_err_message());
            break;
        }
    }
}

static void kr_report(kr_ctx_t *c, const char *label, uint64_t *ok_out, uint64_t *fail_out) {
    uint64_t ok = 0, fail = 0;
    for (int i = 0; i < c->nbooks; i++) {
        nx_book_stats_t st;
        nx_book_stats(c->books[i].book, &st);
        ok += st.checksums_ok;
        fail += st.checksum_fails;
        nx_book_free(c->books[i].book);
    }
    print_message("%s: %llu messages (%llu not book), %d book(s), %llu checksummed, %llu valid, "
                  "%llu mismatches\n",
                  label, (unsigned long long)c->messages, (unsigned long long)c->skipped,
                  c->nbooks, (unsigned long long)c->checksummed, (unsigned long long)ok,
                  (unsigned long long)fail);
    *ok_out = ok;
    *fail_out = fail;
}

static void kr_init(kr_ctx_t *c, uint8_t ps, uint8_t qs, uint32_t depth) {
    memset(c, 0, sizeof *c);
    assert_int_equal(nx_data_msg_parser_new(1100, &c->p), NX_OK);
    c->ev = calloc(NX_DATA_MSG_EVENTS(1100), sizeof *c->ev);
    assert_non_null(c->ev);
    c->fixed_ps = ps;
    c->fixed_qs = qs;
    c->depth = depth;
}

static void kr_done(kr_ctx_t *c) {
    nx_data_msg_parser_free(c->p);
    free(c->ev);
}

#define KSDK "api_fixtures/kraken/python_kraken_sdk/"

static void kraken_v2_sdk_stream_checksums_all_validate(void **state) {
    (void)state;
    size_t len;
    char *doc = slurp(shared_data(KSDK "orderbook-v2_BTCUSD_book10_snapshot_plus_509_updates.json"), &len);
    if (!doc) {
        print_message("shared Kraken v2 fixture absent: skipped\n");
        skip();
    }
    kr_ctx_t c;
    kr_init(&c, 1, 8, 10); /* BTC/USD: price precision 1, qty 8 (AssetPairs) */
    size_t i = key_value(doc, len, "init");
    kr_message(&c, doc + i, value_end(doc, len, i) - i);
    each_element(doc, len, key_value(doc, len, "updates"), kr_message, &c);
    uint64_t ok, fail;
    kr_report(&c, "kraken v2 BTC/USD book-10 (python-kraken-sdk)", &ok, &fail);
    assert_int_equal(c.parse_errors, 0);
    assert_int_equal(c.apply_errors, 0);
    assert_int_equal(c.checksummed, 510); /* snapshot + 509 updates */
    assert_int_equal(ok, 510);
    assert_int_equal(fail, 0);
    kr_done(&c);
    free(doc);
}

static void kraken_v1_sdk_stream_checksums_all_validate(void **state) {
    (void)state;
    size_t len;
    char *doc = slurp(shared_data(KSDK "orderbook-v1_XBTUSD_book10_snapshot_plus_1146_updates.json"), &len);
    if (!doc) {
        print_message("shared Kraken v1 fixture absent: skipped\n");
        skip();
    }
    kr_ctx_t c;
    kr_init(&c, 0, 0, 10);
    each_element(doc, len, key_value(doc, len, "init"), kr_message, &c);
    each_element(doc, len, key_value(doc, len, "updates"), kr_message, &c);
    uint64_t ok, fail;
    kr_report(&c, "kraken v1 XBT/USD book-10 (python-kraken-sdk)", &ok, &fail);
    assert_int_equal(c.parse_errors, 0);
    assert_int_equal(c.apply_errors, 0);
    assert_true(c.checksummed > 900);
    assert_int_equal(ok, c.checksummed);
    assert_int_equal(fail, 0);
    kr_done(&c);
    free(doc);
}

static void kraken_v1_cryptofeed_book1000_checksums_all_validate(void **state) {
    (void)state;
    size_t len;
    char *doc = slurp(shared_data("exchange_captures_cryptofeed/KRAKEN.ws.50.0.txt"), &len);
    if (!doc) {
        print_message("shared cryptofeed Kraken capture absent: skipped\n");
        skip();
    }
    kr_ctx_t c;
    kr_init(&c, 0, 0, 1000);
    /* lines "ts: json"; "wss://..." lines are connects and sent messages */
    char *line = doc;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        size_t l = nl ? (size_t)(nl - line) : strlen(line);
        if (l && line[0] >= '0' && line[0] <= '9') {
            char *colon = memchr(line, ':', l);
            assert_non_null(colon);
            size_t off = (size_t)(colon - line) + 2;
            kr_message(&c, line + off, l - off);
        }
        line = nl ? nl + 1 : NULL;
    }
    uint64_t ok, fail;
    kr_report(&c, "kraken v1 book-1000, 10 pairs (cryptofeed)", &ok, &fail);
    assert_int_equal(c.parse_errors, 0);
    assert_int_equal(c.apply_errors, 0);
    assert_int_equal(c.nbooks, 10);
    assert_true(c.checksummed > 4000);
    assert_int_equal(ok, c.checksummed);
    assert_int_equal(fail, 0);
    kr_done(&c);
    free(doc);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(binance_spot_btcusdt_book_matches_every_bookticker),
    NX_CASE(binance_spot_ethusdt_book_matches_every_bookticker),
    NX_CASE(binance_usdm_btcusdt_book_matches_every_bookticker),
    NX_CASE(binance_usdm_ethusdt_book_matches_every_bookticker),
    NX_CASE(binance_coinm_btcusd_perp_book_matches_every_bookticker),
    NX_CASE(binance_coinm_ethusd_perp_book_matches_every_bookticker),
    NX_CASE(kraken_v2_sdk_stream_checksums_all_validate),
    NX_CASE(kraken_v1_sdk_stream_checksums_all_validate),
    NX_CASE(kraken_v1_cryptofeed_book1000_checksums_all_validate),
};

NX_TEST_MAIN(cases)
