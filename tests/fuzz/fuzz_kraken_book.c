/*
 * Fuzz the Kraken WS v1/v2 book parser and the Kraken book (depth cut and
 * checksum): never crash, never read out of bounds; parsed batches are sound
 * and the book keeps its invariants.
 *
 * Input: byte 0 price scale, byte 1 qty scale, byte 2 slots, then two JSON
 * messages separated by a newline (a snapshot and an update, typically).
 */
#include <stdlib.h>
#include <string.h>

#include "nexus/book.h"
#include "nexus/data.h"

static nx_data_msg_parser_t *g_p;
static nx_event_t g_ev[NX_DATA_MSG_EVENTS(32)];

static void run(nx_book_t *b, const nx_data_stream_spec_t *spec, const char *js, size_t len,
                size_t cap) {
    char *msg = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
    if (!msg) return;
    memcpy(msg, js, len);
    uint8_t ps, qs;
    int rc = nx_data_kraken_book_scales(g_p, msg, len, &ps, &qs);
    if (rc == NX_OK && (ps > 18 || qs > 18)) abort();
    nx_data_msg_t m;
    rc = nx_data_parse_kraken_book(g_p, msg, len, 0, spec, g_ev, cap, &m);
    if (rc == NX_OK) {
        if (m.n_events == 0 || m.n_events > cap) abort();
        if (m.symbol && (m.symbol < msg || m.symbol + m.symbol_len > msg + len)) abort();
        for (size_t i = 0; i < m.n_events; i++) {
            const nx_ev_book_delta_t *d = &g_ev[i].book_delta;
            if (nx_event_check(d, sizeof *d) != NX_OK) abort();
            if (((d->flags & NX_BOOKF_LAST) != 0) != (i + 1 == m.n_events)) abort();
            if (((d->flags & NX_BOOKF_CHECKSUM) != 0) && (i + 1 != m.n_events || !m.has_checksum))
                abort();
            (void)nx_book_apply(b, d);
        }
        nx_book_level_t lv[16];
        size_t got;
        if (nx_book_top(b, NX_SIDE_BUY, lv, 16, &got) == NX_OK && got > 4) abort(); /* depth */
        (void)nx_book_kraken_checksum(b);
    } else if (rc > 0) {
        abort();
    }
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    if (!g_p && nx_data_msg_parser_new(32, &g_p) != NX_OK) abort();
    nx_data_stream_spec_t spec = {0, 0, (uint8_t)(data[0] % 19), (uint8_t)(data[1] % 19)};
    size_t cap = 1 + data[2] % NX_ARRAY_LEN(g_ev);
    nx_book_config_t c;
    nx_book_config_default(&c, NX_BOOK_SYNC_KRAKEN, spec.price_scale, spec.qty_scale);
    c.capacity = 8;
    c.depth = 4;
    nx_book_t *b;
    if (nx_book_new(&c, &b) != NX_OK) abort();
    const char *s = (const char *)data + 3, *end = (const char *)data + size;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        run(b, &spec, s, len, cap);
        s += len + 1;
    }
    nx_book_free(b);
    return 0;
}
