/* Regime label names and the regime-change payload. */
#include <string.h>

#include "nexus/regime.h"

/* The payload follows the 48-byte event header; keep it 8-byte sized. */
_Static_assert(sizeof(nx_regime_change_t) == NX_REGIME_CHANGE_SIZE, "regime change payload");
_Static_assert((48 + NX_REGIME_CHANGE_SIZE) % 8 == 0, "event records are multiples of 8");
_Static_assert(offsetof(nx_regime_change_t, confidence) == 64 - 48, "confidence at 64");
_Static_assert(offsetof(nx_regime_change_t, posterior) == 72 - 48, "posterior at 72");

static const char *const nx__names[NX_REGIME_LABEL_COUNT] = {
    "UNKNOWN",         "TRENDING_UP",    "TRENDING_DOWN", "MEAN_REVERTING",
    "HIGH_VOLATILITY", "LOW_VOLATILITY", "BREAKOUT",      "CRISIS",
};

const char *nx_regime_label_name(nx_regime_label_t label) {
    unsigned i = (unsigned)label;
    return i < NX_REGIME_LABEL_COUNT ? nx__names[i] : NULL;
}

int nx_regime_label_parse(const char *s, size_t len, nx_regime_label_t *out) {
    if (!s || !out) return NX_EINVAL;
    for (unsigned i = 0; i < NX_REGIME_LABEL_COUNT; i++) {
        if (strlen(nx__names[i]) == len && memcmp(nx__names[i], s, len) == 0) {
            *out = (nx_regime_label_t)i;
            return 0;
        }
    }
    return NX_ERR(NX_EPARSE, "unknown regime label '%.*s'", len > 40 ? 40 : (int)len, s);
}
