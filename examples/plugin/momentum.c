/*
 * momentum.c — an example Nexus strategy plugin: time-series momentum.
 *
 * Long when the close is above the close `lookback` bars ago by more than
 * `threshold` (a fraction), short when below by more than it, flat in
 * between. It needs only <nexus/strategy.h>: every call into Nexus goes
 * through the context's function table.
 *
 * Build:  make            (or: cc -shared -fPIC -I../../include -o momentum.so momentum.c)
 * Use:    strategies:
 *           - name: mom
 *             plugin: examples/plugin/momentum.so
 *             kind: momentum
 *             params: {lookback: 20, threshold: 0.001}
 */
#include <stdint.h>
#include <string.h>

#include "nexus/strategy.h"

#ifndef MOMENTUM_ABI
#define MOMENTUM_ABI NX_STRATEGY_ABI /* tests build one with a wrong ABI on purpose */
#endif

#define LOOKBACK_MAX 512

static const nx_sparam_def_t params[] = {
    {"lookback", NX_SPARAM_INT, "20", 1, LOOKBACK_MAX, NULL, "bars back to compare with"},
    {"threshold", NX_SPARAM_DOUBLE, "0", 0, 1, NULL, "minimum relative move"},
};

/* Plain data only: the host snapshots it by copying. */
typedef struct inst {
    int64_t closes[LOOKBACK_MAX];
    uint32_t pos;
    uint32_t count;
    int dir;
} inst_t;

typedef struct state {
    uint32_t lookback;
    uint32_t n;
    double threshold;
    inst_t in[];
} state_t;

static size_t state_size(const nx_sparams_t *p, uint32_t n) {
    (void)p;
    return sizeof(state_t) + n * sizeof(inst_t);
}

static int init(void *st, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    state_t *s = st;
    /* Parameters are read by position: the plugin does not link Nexus. */
    s->lookback = (uint32_t)p->v[0].i;
    s->threshold = p->v[1].d;
    s->n = c->n_instruments;
    return 0;
}

static int on_bar(void *st, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    state_t *s = st;
    uint32_t i = 0;
    while (i < s->n && c->instruments[i] != b->instrument) i++;
    if (i == s->n) return 0;
    inst_t *x = &s->in[i];
    int64_t old = x->closes[x->pos];
    int ready = x->count >= s->lookback;
    x->closes[x->pos] = b->close;
    x->pos = x->pos + 1 == s->lookback ? 0 : x->pos + 1;
    if (x->count < s->lookback) x->count++;
    if (!ready || old <= 0) return 0;
    double r = (double)(b->close - old) / (double)old;
    int want = r > s->threshold ? 1 : r < -s->threshold ? -1 : 0;
    if (want == x->dir) return 0;
    x->dir = want;
    return c->api->signal(c, b->instrument, want, 1.0, NULL);
}

static const nx_strategy_vt_t momentum = {
    .abi = MOMENTUM_ABI,
    .vt_size = sizeof(nx_strategy_vt_t),
    .kind = "momentum",
    .help = "time-series momentum over `lookback` bars",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .state_size = state_size,
    .init = init,
    .on_bar = on_bar,
};

__attribute__((visibility("default"))) const nx_strategy_vt_t *
nx_strategy_plugin(uint32_t abi_version, uint32_t index) {
    (void)abi_version;
    return index == 0 ? &momentum : NULL;
}
