/* Fuzz the streaming JSON reader of freqtrade candles and trades in random
 * chunkings: never crash; the result never depends on the chunking. */
#include <stdlib.h>
#include <string.h>

#include "nexus/data.h"

typedef struct {
    uint64_t n, hash;
} acc_t;

static int acc(void *ctx, const nx_event_hdr_t *ev) {
    acc_t *a = ctx;
    const unsigned char *p = (const unsigned char *)ev;
    for (size_t i = 0; i < ev->size; i++) a->hash = (a->hash ^ p[i]) * 1099511628211ull;
    a->n++;
    return NX_OK;
}

static int run(const uint8_t *d, size_t n, int trades, size_t chunk, acc_t *a) {
    nx_import_opts_t o;
    nx_import_opts_default(&o);
    o.format = trades ? NX_FMT_FREQTRADE_TRADES : NX_FMT_FREQTRADE_CANDLES;
    o.kind = trades ? NX_KIND_TRADES : NX_KIND_BARS;
    o.price_scale = 8;
    o.qty_scale = 8;
    o.bar_ns = 60000000000LL;
    nx_importer_t *im;
    if (nx_importer_new(&o, &im) < 0) abort();
    nx_importer_begin_file(im, "f.json");
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += chunk)
        rc = nx_importer_bytes(im, (const char *)d + off, n - off < chunk ? n - off : chunk, acc, a);
    if (rc == 0) rc = nx_importer_end(im);
    nx_importer_free(im);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    int trades = data[0] & 1;
    size_t chunk = 1 + data[1] % 17;
    acc_t a = {0, 14695981039346656037ull}, b = {0, 14695981039346656037ull};
    int r1 = run(data + 2, size - 2, trades, size, &a);
    int r2 = run(data + 2, size - 2, trades, chunk, &b);
    if (r1 != r2 || a.n != b.n || a.hash != b.hash) abort();
    return 0;
}
