/*
 * Fuzz the Binance stream-line parser and, through it, the order book: never
 * crash, never read out of bounds; what parses is structurally sound (valid
 * event records, one LAST per batch, snapshots start with CLEAR), and the
 * book keeps its invariants whatever it is fed.
 *
 * Input: byte 0 price scale, byte 1 qty scale, byte 2 slots and sync rule,
 * then one capture line "<ts> <json>".
 */
#include <stdlib.h>
#include <string.h>

#include "nexus/book.h"
#include "nexus/data.h"

static nx_data_msg_parser_t *g_p;
static nx_event_t g_ev[NX_DATA_MSG_EVENTS(64)];

static void check_book(const nx_book_t *b) {
    nx_book_level_t lv[70];
    size_t got;
    for (int s = NX_SIDE_BUY; s <= NX_SIDE_SELL; s++) {
        if (nx_book_count(b, (nx_side_t)s) > nx_book_config(b)->capacity) abort();
        if (nx_book_top(b, (nx_side_t)s, lv, 70, &got) != NX_OK) continue;
        for (size_t i = 0; i < got; i++) {
            if (lv[i].qty <= 0) abort();
            if (i && (s == NX_SIDE_BUY ? lv[i].price >= lv[i - 1].price
                                       : lv[i].price <= lv[i - 1].price))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    if (!g_p && nx_data_msg_parser_new(64, &g_p) != NX_OK) abort();
    nx_data_stream_spec_t spec = {1, 2, (uint8_t)(data[0] % 19), (uint8_t)(data[1] % 19)};
    size_t cap = 1 + data[2] % NX_ARRAY_LEN(g_ev);
    nx_book_sync_t sync = (nx_book_sync_t)(data[2] % 4);
    size_t len = size - 3;
    char *line = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
    if (!line) return 0;
    memcpy(line, data + 3, len);
    nx_data_msg_t m;
    int rc = nx_data_parse_binance_line(g_p, line, len, &spec, g_ev, cap, &m);
    if (rc == NX_OK) {
        if (m.n_events == 0 || m.n_events > cap) abort();
        if (m.symbol && (m.symbol < line || m.symbol + m.symbol_len > line + len)) abort();
        for (size_t i = 0; i < m.n_events; i++) {
            const nx_event_hdr_t *h = &g_ev[i].h;
            if (nx_event_check(h, h->size) != NX_OK) abort();
            if (h->type == NX_EV_BOOK_DELTA) {
                const nx_ev_book_delta_t *d = &g_ev[i].book_delta;
                int last = (d->flags & NX_BOOKF_LAST) != 0;
                if (last != (i + 1 == m.n_events)) abort();
                if (d->qty < 0) abort();
                if ((d->action == NX_BOOK_CLEAR) != (m.kind == NX_MSG_DEPTH_SNAPSHOT && i == 0))
                    abort();
            }
        }
        if (m.kind == NX_MSG_DEPTH_DIFF || m.kind == NX_MSG_DEPTH_SNAPSHOT) {
            nx_book_config_t c;
            nx_book_config_default(&c, sync, spec.price_scale, spec.qty_scale);
            c.instrument = 1;
            c.capacity = 8; /* small, to exercise the cuts */
            c.depth = sync == NX_BOOK_SYNC_KRAKEN ? 4 : 0;
            c.pending_cap = 16;
            nx_book_t *b;
            if (nx_book_new(&c, &b) != NX_OK) abort();
            for (int pass = 0; pass < 2; pass++) /* twice: stale / chained / buffered paths */
                for (size_t i = 0; i < m.n_events; i++) {
                    (void)nx_book_apply(b, &g_ev[i].book_delta);
                    check_book(b);
                }
            (void)nx_book_kraken_checksum(b);
            (void)nx_book_check_crossed(b);
            nx_book_free(b);
        }
    } else if (rc > 0) {
        abort(); /* the parser has no positive outcomes */
    }
    free(line);
    return 0;
}
