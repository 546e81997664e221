/* Data kinds (nexus/data.h). */
#include <string.h>

#include "nexus/data.h"
#include "nexus/time.h"

/* ---- kinds (nexus/data.h) ---------------------------------------------- */

static const char *const nx__kind_names[] = {NULL,      "trades", "aggtrades", "quotes",
                                             "depth",   "bars",   "funding"};

uint16_t nx_data_kind_event(nx_data_kind_t kind) {
    switch (kind) {
    case NX_KIND_TRADES:
    case NX_KIND_AGGTRADES: return NX_EV_TRADE;
    case NX_KIND_QUOTES: return NX_EV_QUOTE;
    case NX_KIND_DEPTH: return NX_EV_BOOK_DELTA;
    case NX_KIND_BARS: return NX_EV_BAR;
    case NX_KIND_FUNDING: return NX_EV_FUNDING;
    default: return NX_EV_NONE;
    }
}

const char *nx_data_kind_name(nx_data_kind_t kind) {
    return (unsigned)kind < NX_ARRAY_LEN(nx__kind_names) ? nx__kind_names[kind] : NULL;
}

int nx_data_kind_parse(const char *name, nx_data_kind_t *out, int64_t *tf_ns) {
    size_t n = strlen(name);
    if (n > 5 && memcmp(name, "bars_", 5) == 0) {
        int64_t tf;
        if (nx_duration_parse(name + 5, n - 5, &tf) < 0 || tf <= 0)
            return NX_ERR(NX_EPARSE, "kind '%s': bad bar timeframe (e.g. bars_1m, bars_1h)", name);
        *out = NX_KIND_BARS;
        if (tf_ns) *tf_ns = tf;
        return NX_OK;
    }
    for (unsigned k = 1; k < NX_ARRAY_LEN(nx__kind_names); k++) {
        if (k != NX_KIND_BARS && strcmp(name, nx__kind_names[k]) == 0) {
            *out = (nx_data_kind_t)k;
            if (tf_ns) *tf_ns = 0;
            return NX_OK;
        }
    }
    return NX_ERR(NX_EPARSE,
                  "unknown kind '%s' (trades|aggtrades|quotes|depth|funding|bars_<tf>)", name);
}
