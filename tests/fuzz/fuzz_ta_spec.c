/* Fuzz the indicator spec parser (nx_ta_parse, nx_ta_set_add_list) and the
 * bars CSV row parser (nx_ta_csv_row): never crash, never read out of
 * bounds; an accepted spec builds a working indicator whose column names fit;
 * an accepted row holds finite values and a non-negative volume, and its
 * values printed with %.17g parse back to within one ulp (17 digits are past
 * the parser's correctly rounded fast path; see src/ta/csv.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/ta.h"

static int ulp_eq(double a, double b) {
    return a == b || nextafter(a, b) == b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int mode = data[0] % 3;
    size_t n = size - 1;
    char *s = malloc(n ? n : 1); /* exact size so ASan sees over-reads */
    if (!s) return 0;
    memcpy(s, data + 1, n);
    if (mode == 0) {
        nx_ta_t *t = NULL;
        if (nx_ta_parse(s, n, &t) == 0) {
            if (nx_ta_lookback(t) < 0 || nx_ta_outputs(t) == 0) abort();
            for (size_t k = 0; k < nx_ta_outputs(t); k++)
                if (!nx_ta_output_name(t, k) || strlen(nx_ta_output_name(t, k)) >= NX_TA_NAME_MAX)
                    abort();
            nx_ta_bar_t b = {0, 100, 101, 99, 100.5, 10};
            for (int i = 0; i < 64; i++) {
                b.close += (i % 7) - 3;
                b.high = b.close + 1;
                b.low = b.close - 1;
                b.ts += 60000000000LL;
                if (nx_ta_update(t, &b) != 0) abort();
            }
            nx_ta_free(t);
        }
    } else if (mode == 1) {
        nx_ta_set_t *set = NULL;
        if (nx_ta_set_new(8, &set) == 0) {
            (void)nx_ta_set_add_list(set, s, n);
            nx_ta_set_free(set);
        }
    } else {
        nx_ta_row_t r;
        if (nx_ta_csv_row(s, n, &r) == 0) {
            const double v[5] = {r.bar.open, r.bar.high, r.bar.low, r.bar.close, r.bar.volume};
            for (int i = 0; i < 5; i++)
                if (!isfinite(v[i])) abort();
            if (r.bar.volume < 0) abort();
            if (r.ts_text < s || r.ts_text + r.ts_len > s + n) abort();
            char buf[512];
            int w = snprintf(buf, sizeof buf, "%.*s,%.17g,%.17g,%.17g,%.17g,%.17g", (int)r.ts_len,
                             r.ts_text, v[0], v[1], v[2], v[3], v[4]);
            nx_ta_row_t r2;
            if (w > 0 && (size_t)w < sizeof buf) {
                if (nx_ta_csv_row(buf, (size_t)w, &r2) != 0) abort();
                if (r2.bar.ts != r.bar.ts || !ulp_eq(r2.bar.open, v[0]) ||
                    !ulp_eq(r2.bar.high, v[1]) || !ulp_eq(r2.bar.low, v[2]) ||
                    !ulp_eq(r2.bar.close, v[3]) || !ulp_eq(r2.bar.volume, v[4]))
                    abort();
            }
        }
    }
    free(s);
    return 0;
}
