/* Fuzz the Binance trade-row parser: never crash, never read out of bounds,
 * and a parsed row re-formatted parses to the same row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/data.h"
#include "nexus/decimal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t ps = data[0] % 19, qs = data[1] % 19;
    /* exact-size heap copy so ASan catches any over-read */
    char *line = malloc(size - 2 ? size - 2 : 1);
    if (!line) return 0;
    memcpy(line, data + 2, size - 2);
    nx_trade_row_t r, r2;
    int rc = nx_data_parse_binance_trade(line, size - 2, ps, qs, &r);
    if (rc == NX_OK) {
        char p[NX_DEC_STRLEN], q[NX_DEC_STRLEN], buf[256];
        nx_dec_format_raw(r.price, ps, p);
        nx_dec_format_raw(r.qty, qs, q);
        /* The unit is told by the digit count: 13 (ms) or 16 (us), zero-padded. */
        int ms = r.ts % 1000000 == 0;
        int n = snprintf(buf, sizeof buf, ms ? "%llu,%s,%s,0,%013lld,%s" : "%llu,%s,%s,0,%016lld,%s",
                         (unsigned long long)r.id, p, q,
                         (long long)(ms ? r.ts / 1000000 : r.ts / 1000),
                         r.buyer_maker ? "true" : "false");
        if (n > 0 && (size_t)n < sizeof buf) {
            if (nx_data_parse_binance_trade(buf, (size_t)n, ps, qs, &r2) != NX_OK) abort();
            if (r2.id != r.id || r2.price != r.price || r2.qty != r.qty ||
                r2.buyer_maker != r.buyer_maker || r2.ts != r.ts)
                abort();
        }
    }
    free(line);
    return 0;
}
