/* Fuzz the regime model-file parser (nx_regime_model_parse): never crash,
 * never read out of bounds; an accepted model passes nx_regime_hmm_check,
 * formats to text that parses back to the same text (a fixed point after one
 * round), and runs through the online filter with posteriors that sum to 1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/regime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size ? size : 1); /* exact size so ASan sees over-reads */
    if (!s) return 0;
    memcpy(s, data, size);
    nx_regime_hmm_t m;
    if (nx_regime_model_parse(s, size, "fuzz", &m) == 0) {
        if (nx_regime_hmm_check(&m) != 0) abort();
        static char a[8192], b[8192];
        size_t la, lb;
        if (nx_regime_model_format(&m, a, sizeof a, &la) != 0) abort();
        nx_regime_hmm_t m2;
        if (nx_regime_model_parse(a, la, "again", &m2) != 0) abort();
        if (nx_regime_model_format(&m2, b, sizeof b, &lb) != 0) abort();
        if (la != lb || memcmp(a, b, la) != 0) abort();
        nx_regime_filter_t f;
        if (nx_regime_filter_init(&f, &m) != 0) abort();
        const double xs[4][2] = {{0, -3}, {0.5, -1}, {-2, 0}, {1e6, -1e6}};
        for (int i = 0; i < 4; i++) {
            double p[NX_REGIME_STATES_MAX], sum = 0;
            if (nx_regime_filter_step(&f, xs[i], p) != 0) abort();
            for (uint32_t k = 0; k < m.k; k++) {
                if (!(p[k] >= 0 && p[k] <= 1)) abort();
                sum += p[k];
            }
            if (fabs(sum - 1) > 1e-9) abort();
        }
    }
    free(s);
    return 0;
}
