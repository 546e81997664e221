/* Fuzz the feature spec parsers: nx_feat_parse (--feat items), nx_mtf_parse
 * (--mtf) and nx_cdl_params_parse (--patterns=...). Never crash, never read
 * out of bounds; an accepted spec builds a working object whose names fit
 * and whose values stay in range over a short bar stream. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/features.h"
#include "nexus/patterns.h"
#include "nexus/time.h"

static nx_ta_bar_t bar(int i) {
    double c = 100 + (i % 7) - 3 + 0.25 * (i % 3);
    nx_ta_bar_t b = {(int64_t)i * NX_NS_PER_MIN, c - 0.5, c + 1, c - 1, c, 10};
    return b;
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
        nx_feat_t *f = NULL;
        if (nx_feat_parse(s, n, &f) == 0) {
            if (strlen(nx_feat_name(f)) >= NX_FEAT_NAME_MAX || nx_feat_lookback(f) < 0) abort();
            for (int i = 0; i < 64; i++) {
                nx_ta_bar_t b = bar(i);
                if (nx_feat_update(f, &b) != 0) abort();
                double v = nx_feat_value(f);
                if (nx_feat_ready(f) != (i >= nx_feat_lookback(f))) abort();
                if (nx_feat_ready(f) && !(v >= 0 && isfinite(v))) abort();
            }
            nx_feat_free(f);
        }
    } else if (mode == 1) {
        nx_mtf_t *m = NULL;
        if (nx_mtf_parse(s, n, NX_NS_PER_MIN, &m) == 0) {
            if (nx_mtf_timeframes(m) == 0 || nx_mtf_timeframes(m) > NX_MTF_MAX) abort();
            for (size_t k = 0; k < nx_mtf_timeframes(m); k++)
                if (!nx_mtf_column(m, k, 0)) abort();
            for (int i = 0; i < 300; i++) {
                nx_ta_bar_t b = bar(i);
                if (nx_mtf_update(m, &b) != 0) abort();
                double sc = nx_mtf_score(m);
                if (nx_mtf_ready(m) && !(sc >= -1 && sc <= 1)) abort();
            }
            nx_mtf_free(m);
        }
    } else {
        nx_cdl_params_t p;
        nx_cdl_params_default(&p);
        if (nx_cdl_params_parse(s, n, &p) == 0) {
            nx_cdl_t *c = NULL;
            if (nx_cdl_new(&p, &c) != 0) abort();
            for (int i = 0; i < 64; i++) {
                nx_ta_bar_t b = bar(i);
                if (nx_cdl_update(c, &b) != 0) abort();
            }
            nx_cdl_free(c);
        }
    }
    free(s);
    return 0;
}
