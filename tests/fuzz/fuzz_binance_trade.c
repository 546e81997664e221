/* Fuzz the line importers (Binance trades, aggTrades, klines, Kraken, Lean,
 * generic CSV): never crash, never read out of bounds, and a Binance trade
 * row re-formatted from its event parses to the same event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/data.h"
#include "nexus/decimal.h"

static nx_event_t last;
static int got;

static int keep(void *ctx, const nx_event_hdr_t *ev) {
    (void)ctx;
    memcpy(&last, ev, ev->size);
    got = 1;
    return NX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    static const nx_import_format_t fmts[] = {NX_FMT_BINANCE_TRADES, NX_FMT_BINANCE_AGGTRADES,
                                              NX_FMT_BINANCE_KLINES, NX_FMT_KRAKEN_TRADES,
                                              NX_FMT_LEAN_TRADE_TICKS, NX_FMT_LEAN_QUOTE_TICKS,
                                              NX_FMT_LEAN_BARS, NX_FMT_CSV};
    static const nx_data_kind_t kinds[] = {NX_KIND_TRADES, NX_KIND_AGGTRADES, NX_KIND_BARS,
                                           NX_KIND_TRADES, NX_KIND_TRADES, NX_KIND_QUOTES,
                                           NX_KIND_BARS, NX_KIND_TRADES};
    unsigned which = data[2] % 8;
    nx_import_opts_t o;
    nx_import_opts_default(&o);
    o.format = fmts[which];
    o.kind = kinds[which];
    o.price_scale = data[0] % 19;
    o.qty_scale = data[1] % 19;
    o.bar_ns = which == 2 ? 0 : 60000000000LL;
    if (o.format == NX_FMT_CSV) {
        nx_csv_map_parse("ts=0,price=1,qty=2,id=3,side=4", &o.csv);
        o.csv.header = 0;
    }
    nx_importer_t *im;
    if (nx_importer_new(&o, &im) < 0) return 0;
    nx_importer_begin_file(im, "20131007_trade.zip");
    /* exact-size heap copy so ASan catches any over-read */
    size_t n = size - 3;
    char *line = malloc(n ? n : 1);
    if (!line) abort();
    memcpy(line, data + 3, n);
    /* Binance trades: rows after the first take the one-pass parser; feed a
     * valid first row so the fuzz row goes there, and check it against the
     * general parser (a fresh importer reads it as its first row). */
    nx_event_t general;
    int rc_general = 0;
    if (o.format == NX_FMT_BINANCE_TRADES) {
        got = 0;
        rc_general = nx_importer_line(im, line, n, keep, NULL);
        memcpy(&general, &last, sizeof general);
        if (rc_general == NX_OK && !got) abort();
        nx_importer_begin_file(im, "x");
        static const char first[] = "1,1,1,1,1723161255342,true";
        if (nx_importer_line(im, first, sizeof first - 1, keep, NULL) != NX_OK) abort();
    }
    got = 0;
    int rc = nx_importer_line(im, line, n, keep, NULL);
    if (rc == NX_OK && !got) abort();
    if (o.format == NX_FMT_BINANCE_TRADES) {
        if (rc != rc_general && !(rc_general == NX_ENOTFOUND)) abort();
        if (rc == NX_OK && memcmp(&last.trade, &general.trade, sizeof general.trade) != 0) abort();
    }
    if (rc == NX_OK && o.format == NX_FMT_BINANCE_TRADES) {
        nx_ev_trade_t t = last.trade;
        char p[NX_DEC_STRLEN], q[NX_DEC_STRLEN], buf[256];
        nx_dec_format_raw(t.price, o.price_scale, p);
        nx_dec_format_raw(t.qty, o.qty_scale, q);
        /* the unit is told by the digit count: 13 (ms) or 16 (us), zero-padded */
        int ms = t.h.ts_recv % 1000000 == 0;
        int k = snprintf(buf, sizeof buf, ms ? "%llu,%s,%s,0,%013lld,%s" : "%llu,%s,%s,0,%016lld,%s",
                         (unsigned long long)t.trade_id, p, q,
                         (long long)(ms ? t.h.ts_recv / 1000000 : t.h.ts_recv / 1000),
                         t.aggressor == NX_SIDE_SELL ? "true" : "false");
        if (k > 0 && (size_t)k < sizeof buf) {
            nx_importer_begin_file(im, "x");
            if (nx_importer_line(im, buf, (size_t)k, keep, NULL) != NX_OK) abort();
            if (memcmp(&last.trade, &t, sizeof t) != 0) abort();
        }
    }
    nx_importer_free(im);
    free(line);
    return 0;
}
