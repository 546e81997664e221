/*
 * Strategy runtime: the POD indicators against the ta module, the SMA
 * crossover against backtrader's trades, sizing, exits, conflicts,
 * snapshot/restore, parameters and plugins. The host runs over a small
 * in-test environment that queues emitted events like the kernel does and
 * can fill orders at once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/instrument.h"
#include "nexus/regime.h"
#include "nexus/strategy.h"
#include "nexus/ta.h"
#include "nx_test.h"
#include "strategy/sind.h"

/* ------------------------------------------------------------------------- */
/* Bars                                                                      */
/* ------------------------------------------------------------------------- */

typedef struct bars {
    nx_ev_bar_t *b;
    size_t n;
} bars_t;

/* A deterministic random walk of 1-minute bars at price scale 2. */
static bars_t walk_bars(size_t n, uint64_t seed) {
    bars_t r = {calloc(n, sizeof(nx_ev_bar_t)), n};
    nx_rng_t g;
    nx_rng_seed(&g, seed);
    int64_t px = 3000000; /* 30000.00 */
    for (size_t i = 0; i < n; i++) {
        nx_ev_bar_t *b = &r.b[i];
        nx_event_init((nx_event_t *)b, NX_EV_BAR);
        b->h.ts_venue = (int64_t)(1700000000 + 60 * (int64_t)i) * 1000000000;
        b->h.ts_recv = b->h.ts_venue + 60000000000;
        b->instrument = 0;
        b->price_scale = 2;
        b->qty_scale = 3;
        b->interval_ns = 60000000000;
        /* regimes of drift so trend and reversion both occur */
        int64_t drift = ((i / 400) % 3 == 0) ? 40 : ((i / 400) % 3 == 1) ? -40 : 0;
        int64_t o = px;
        int64_t c = o + drift + (int64_t)nx_rng_below(&g, 2001) - 1000;
        int64_t hi = (o > c ? o : c) + (int64_t)nx_rng_below(&g, 500);
        int64_t lo = (o < c ? o : c) - (int64_t)nx_rng_below(&g, 500);
        b->open = o;
        b->close = c;
        b->high = hi;
        b->low = lo;
        b->volume = 1000 + (int64_t)nx_rng_below(&g, 9000) + ((i % 97 == 0) ? 40000 : 0);
        px = c;
    }
    return r;
}

static int64_t parse_dec(const char *s, size_t len, uint8_t scale, nx_round_t mode) {
    int64_t m;
    assert_int_equal(nx_dec_parse_scaled(s, len, scale, mode, &m), 0);
    return m;
}

/* The reference's bars CSV (ts,open,high,low,close,volume; ts in s). */
static bars_t load_bars(const char *path) {
    bars_t r = {NULL, 0};
    FILE *f = fopen(path, "r");
    if (!f) return r;
    char line[512];
    size_t cap = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return r;
    }
    while (fgets(line, sizeof line, f)) {
        if (r.n == cap) {
            cap = cap ? cap * 2 : 1024;
            r.b = realloc(r.b, cap * sizeof(nx_ev_bar_t));
        }
        nx_ev_bar_t *b = &r.b[r.n++];
        nx_event_init((nx_event_t *)b, NX_EV_BAR);
        char *fld[6];
        char *p = line;
        for (int i = 0; i < 6; i++) {
            fld[i] = p;
            p += strcspn(p, ",\n");
            *p++ = 0;
        }
        int64_t ts = strtoll(fld[0], NULL, 10);
        b->h.ts_venue = ts * 1000000000;
        b->h.ts_recv = (ts + 60) * 1000000000;
        b->price_scale = 3;
        b->qty_scale = 8;
        b->interval_ns = 60000000000;
        b->open = parse_dec(fld[1], strlen(fld[1]), 3, NX_ROUND_EXACT);
        b->high = parse_dec(fld[2], strlen(fld[2]), 3, NX_ROUND_EXACT);
        b->low = parse_dec(fld[3], strlen(fld[3]), 3, NX_ROUND_EXACT);
        b->close = parse_dec(fld[4], strlen(fld[4]), 3, NX_ROUND_EXACT);
        b->volume = parse_dec(fld[5], strlen(fld[5]), 8, NX_ROUND_HALF_EVEN);
    }
    fclose(f);
    return r;
}

/* ------------------------------------------------------------------------- */
/* Environment                                                               */
/* ------------------------------------------------------------------------- */

static const char *INSTR_YAML =
    "instruments:\n"
    "  - {venue: sim, symbol: AAA, class: spot, base: AAA, quote: USD, tick_size: \"0.01\",\n"
    "     lot_size: \"0.001\", size_precision: 3, min_notional: \"5\"}\n"
    "  - {venue: sim, symbol: BBB, class: perpetual, base: BBB, quote: USD, settle: USD,\n"
    "     tick_size: \"0.1\", lot_size: \"0.0001\", size_precision: 4}\n";

#define QMAX 4096
#define LOGMAX 200000

typedef struct env {
    nx_instruments_t *reg;
    nx_strategy_host_t *h;
    nx_event_t q[QMAX];
    size_t qh, qt;
    nx_event_t *log; /* every emitted event, in order */
    size_t nlog;
    int64_t pos[NX_STRATEGY_MAX + 1][4];
    int64_t pend[NX_STRATEGY_MAX + 1][4];
    int64_t price[4];
    double equity;
    nx_ts_t now;
    int fill;     /* fill intents at once at the reference price */
    uint64_t tid;
} env_t;

static int e_emit(void *c, const nx_event_hdr_t *ev) {
    env_t *e = c;
    assert_true(e->qt - e->qh < QMAX);
    memcpy(&e->q[e->qt++ % QMAX], ev, ev->size);
    return 0;
}
static int64_t e_pos(void *c, uint32_t s, uint32_t i) { return ((env_t *)c)->pos[s][i]; }
static int64_t e_pend(void *c, uint32_t s, uint32_t i) { return ((env_t *)c)->pend[s][i]; }
static double e_equity(void *c, uint32_t s) {
    (void)s;
    return ((env_t *)c)->equity;
}
static int64_t e_price(void *c, uint32_t i) { return ((env_t *)c)->price[i]; }
static const struct nx_instrument *e_inst(void *c, uint32_t i) {
    return nx_instruments_get(((env_t *)c)->reg, i);
}
static int e_timer(void *c, nx_ts_t at, int64_t p, uint64_t u) {
    (void)c, (void)at, (void)p, (void)u;
    return 0;
}
static nx_ts_t e_now(void *c) { return ((env_t *)c)->now; }

static void env_init(env_t *e, nx_conflict_t conflict) {
    memset(e, 0, sizeof *e);
    nx_cfg_diags_t *d = NULL;
    assert_int_equal(nx_instruments_load_mem("t", INSTR_YAML, strlen(INSTR_YAML), d, &e->reg), 0);
    nx_strategy_env_t env = {e, e_emit, e_pos, e_pend, e_equity, e_price, e_inst, e_timer, e_now};
    assert_int_equal(nx_strategy_host_new(&env, conflict, &e->h), 0);
    e->log = calloc(LOGMAX, sizeof(nx_event_t));
    e->equity = 100000;
}

static void env_free(env_t *e) {
    nx_strategy_host_free(e->h);
    nx_instruments_free(e->reg);
    free(e->log);
}

/* Fill an intent completely at the instrument's reference price. */
static void fill_now(env_t *e, const nx_ev_order_intent_t *o) {
    nx_event_t f;
    nx_event_init(&f, NX_EV_FILL);
    f.fill.intent_id = o->intent_id;
    f.fill.instrument = o->instrument;
    f.fill.side = o->side;
    f.fill.price_scale = o->price_scale;
    f.fill.qty_scale = o->qty_scale;
    f.fill.price = e->price[o->instrument];
    f.fill.qty = o->qty;
    f.fill.h.ts_recv = e->now;
    f.fill.trade_id = ++e->tid;
    e->pos[o->strategy][o->instrument] += o->side == NX_SIDE_BUY ? o->qty : -o->qty;
    e_emit(e, &f.h);
}

/* Hand an event to the host and drain what it emits, like the kernel. */
static void drive(env_t *e, const nx_event_hdr_t *ev) {
    if (ev->ts_recv) e->now = ev->ts_recv;
    assert_int_equal(nx_strategy_host_on_event(e->h, ev), 0);
    while (e->qh != e->qt) {
        nx_event_t x;
        memcpy(&x, &e->q[e->qh++ % QMAX], sizeof x);
        x.h.ts_recv = e->now;
        assert_true(e->nlog < LOGMAX);
        memcpy(&e->log[e->nlog++], &x, sizeof x);
        if (x.h.type == NX_EV_ORDER_INTENT && x.order_intent.action == NX_ORDA_NEW) {
            if (e->fill) fill_now(e, &x.order_intent);
            else
                e->pend[x.order_intent.strategy][x.order_intent.instrument] +=
                    x.order_intent.side == NX_SIDE_BUY ? x.order_intent.qty : -x.order_intent.qty;
        }
        if (x.h.type == NX_EV_SIGNAL || x.h.type == NX_EV_FILL)
            assert_int_equal(nx_strategy_host_on_event(e->h, &x.h), 0);
    }
}

static void drive_bar(env_t *e, const nx_ev_bar_t *b) {
    e->price[b->instrument] = b->close * (b->instrument == 0 ? 1 : 1);
    drive(e, &b->h);
}

static uint32_t add(env_t *e, const char *name, const char *kind, const char *const *kv,
                    void (*tweak)(nx_strategy_spec_t *)) {
    nx_strategy_spec_t sp;
    nx_strategy_spec_init(&sp, name, nx_strategy_builtin(kind));
    assert_non_null(sp.vt);
    sp.n_instruments = 1;
    sp.instruments[0] = 0;
    for (size_t i = 0; kv && kv[i]; i += 2) assert_int_equal(nx_sparams_set(&sp.params, kv[i], kv[i + 1]), 0);
    if (tweak) tweak(&sp);
    uint32_t id;
    assert_int_equal(nx_strategy_host_add(e->h, &sp, &id), 0);
    return id;
}

/* ------------------------------------------------------------------------- */
/* Indicators                                                                */
/* ------------------------------------------------------------------------- */

static void check_close(double a, double b, size_t i, const char *what) {
    double tol = 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
    if (fabs(a - b) > tol) fail_msg("%s differs at bar %zu: %.17g vs ta %.17g", what, i, a, b);
}

static void strategy_indicators_equal_the_ta_module_bar_by_bar(void **st) {
    (void)st;
    bars_t bs = walk_bars(3000, 7);
    nx_ta_t *ema, *rsi, *atr, *adx, *bb;
    assert_int_equal(nx_ta_parse("ema:20", 6, &ema), 0);
    assert_int_equal(nx_ta_parse("rsi:14", 6, &rsi), 0);
    assert_int_equal(nx_ta_parse("atr:14", 6, &atr), 0);
    assert_int_equal(nx_ta_parse("adx:14", 6, &adx), 0);
    assert_int_equal(nx_ta_parse("stddev:20", 9, &bb), 0);
    nx_sind_ema_t e;
    nx_sind_rsi_t r;
    nx_sind_atr_t a;
    nx_sind_adx_t x;
    static nx_sind_win_t w;
    static nx_sind_isma_t s;
    nx_sind_ema_init(&e, 20);
    nx_sind_rsi_init(&r, 14);
    nx_sind_atr_init(&a, 14);
    nx_sind_adx_init(&x, 14);
    nx_sind_win_init(&w, 20);
    nx_sind_isma_init(&s, 20);
    nx_ta_t *sma;
    assert_int_equal(nx_ta_parse("sma:20", 6, &sma), 0);
    size_t compared = 0;
    for (size_t i = 0; i < bs.n; i++) {
        const nx_ev_bar_t *b = &bs.b[i];
        nx_ta_bar_t tb = {b->h.ts_venue, (double)b->open / 100.0, (double)b->high / 100.0,
                          (double)b->low / 100.0, (double)b->close / 100.0,
                          (double)b->volume / 1000.0};
        nx_ta_update(ema, &tb);
        nx_ta_update(rsi, &tb);
        nx_ta_update(atr, &tb);
        nx_ta_update(adx, &tb);
        nx_ta_update(bb, &tb);
        nx_ta_update(sma, &tb);
        int re = nx_sind_ema_update(&e, tb.close);
        int rr = nx_sind_rsi_update(&r, tb.close);
        int ra = nx_sind_atr_update(&a, tb.high, tb.low, tb.close);
        int rx = nx_sind_adx_update(&x, tb.high, tb.low, tb.close);
        int rw = nx_sind_win_update(&w, tb.close);
        int rs = nx_sind_isma_update(&s, b->close);
        assert_int_equal(re, nx_ta_ready(ema));
        assert_int_equal(rr, nx_ta_ready(rsi));
        assert_int_equal(ra, nx_ta_ready(atr));
        assert_int_equal(rx, nx_ta_ready(adx));
        assert_int_equal(rw, nx_ta_ready(bb));
        assert_int_equal(rs, nx_ta_ready(sma));
        if (re) check_close(e.v, nx_ta_value(ema, 0), i, "ema");
        if (rr) check_close(r.v, nx_ta_value(rsi, 0), i, "rsi");
        if (ra) check_close(a.v, nx_ta_value(atr, 0), i, "atr");
        if (rx) check_close(x.v, nx_ta_value(adx, 0), i, "adx");
        if (rw) {
            /* the running-sum deviation differs from TA-Lib's in rounding only */
            double d = nx_sind_win_std(&w) - nx_ta_value(bb, 0);
            if (fabs(d) > 1e-6) fail_msg("stddev differs at bar %zu by %g", i, d);
        }
        if (rs) check_close(nx_sind_isma_value(&s) / 100.0, nx_ta_value(sma, 0), i, "sma");
        compared += re && rr && ra && rx && rw;
    }
    assert_true(compared > 2900);
    nx_ta_free(ema);
    nx_ta_free(rsi);
    nx_ta_free(atr);
    nx_ta_free(adx);
    nx_ta_free(bb);
    nx_ta_free(sma);
    free(bs.b);
}

/* ------------------------------------------------------------------------- */
/* SMA crossover against backtrader                                          */
/* ------------------------------------------------------------------------- */

static void sma_cross_signals_match_backtrader_trade_bars(void **st) {
    (void)st;
    const char *bars_path = "../shared/reference/btc_perp_1m.bars.csv";
    const char *trades_path = "../shared/reference/backtrader/btc_perp_1m.trades.csv";
    char bp[1024], tp[1024];
    snprintf(bp, sizeof bp, "%s", nx_test_src_path(bars_path));
    snprintf(tp, sizeof tp, "%s", nx_test_src_path(trades_path));
    bars_t bs = load_bars(bp);
    FILE *tf = fopen(tp, "r");
    if (!bs.n || !tf) {
        if (tf) fclose(tf);
        free(bs.b);
        printf("skip: %s or %s not present (no ../shared)\n", bars_path, trades_path);
        return;
    }
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_PRIORITY);
    uint32_t id = add(e, "sma", "sma_cross", NULL, NULL);
    (void)id;
    /* one signal list by bar index */
    int8_t *sig = calloc(bs.n, 1);
    for (size_t i = 0; i < bs.n; i++) {
        size_t before = e->nlog;
        bs.b[i].instrument = 0;
        drive_bar(e, &bs.b[i]);
        for (size_t k = before; k < e->nlog; k++)
            if (e->log[k].h.type == NX_EV_SIGNAL) sig[i] = e->log[k].signal.direction;
    }
    /* Replay backtrader's rule on the signals: long-only, one position. */
    char line[512];
    assert_non_null(fgets(line, sizeof line, tf));
    int longp = 0;
    size_t bar = 0, trades = 0;
    while (fgets(line, sizeof line, tf)) {
        long entry_idx, exit_idx;
        char *p = line;
        for (int c = 0; c < 8; c++) p = strchr(p, ',') + 1;
        assert_int_equal(sscanf(p, "%ld,%ld", &entry_idx, &exit_idx), 2);
        /* our next entry: first +1 signal while flat; fills on the next bar */
        for (; bar < bs.n && !(sig[bar] == 1 && !longp); bar++) {
        }
        assert_true(bar < bs.n);
        assert_int_equal((long)bar + 1, entry_idx);
        longp = 1;
        for (; bar < bs.n && !(sig[bar] == -1 && longp); bar++) {
        }
        assert_true(bar < bs.n);
        assert_int_equal((long)bar + 1, exit_idx);
        longp = 0;
        trades++;
    }
    assert_int_equal(trades, 945);
    fclose(tf);
    free(sig);
    free(bs.b);
    env_free(e);
    free(e);
}

/* Exact averages: a tie of the two SMAs is a tie, not a cross. */
static void sma_cross_treats_exact_ties_as_no_cross(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_PRIORITY);
    static const char *const kv[] = {"fast", "2", "slow", "3", NULL};
    add(e, "sma", "sma_cross", kv, NULL);
    /* closes 1,1,1 -> equal; 0.1 0.2 0.3 style values that floating point
     * sums get wrong: fast(2) of (0.2,0.1)=0.15 vs slow(3) of (0.15,...)... */
    static const int64_t closes[] = {30, 10, 20, 10, 20, 15, 15, 15, 16, 14};
    nx_ev_bar_t b;
    for (size_t i = 0; i < NX_ARRAY_LEN(closes); i++) {
        nx_event_init((nx_event_t *)&b, NX_EV_BAR);
        b.h.ts_recv = (int64_t)(i + 1) * 60000000000;
        b.price_scale = 2;
        b.open = b.high = b.low = b.close = closes[i];
        b.interval_ns = 60000000000;
        e->price[0] = closes[i];
        drive(e, &b.h);
    }
    /* fast/slow at bar 2: 15 vs 20 (-); bar 3: 15 vs 13.33 (+) cross up;
     * bar 4: 15 vs 16.67 (-) down; bar 5: 17.5 vs 15 up; bar 6: 15 vs 16.67
     * down; bar 7: 15 vs 15 tie (no cross); bar 8: 15.5 vs 15.33 up; bar 9:
     * 15 vs 15 tie: no signal. */
    int8_t want[] = {1, -1, 1, -1, 1};
    size_t k = 0;
    for (size_t i = 0; i < e->nlog; i++)
        if (e->log[i].h.type == NX_EV_SIGNAL) {
            assert_true(k < NX_ARRAY_LEN(want));
            assert_int_equal(e->log[i].signal.direction, want[k]);
            k++;
        }
    assert_int_equal(k, NX_ARRAY_LEN(want));
    env_free(e);
    free(e);
}

/* ------------------------------------------------------------------------- */
/* Signals to orders                                                         */
/* ------------------------------------------------------------------------- */

static size_t count_type(const env_t *e, uint16_t type) {
    size_t n = 0;
    for (size_t i = 0; i < e->nlog; i++) n += e->log[i].h.type == type;
    return n;
}

static const nx_ev_order_intent_t *last_intent(const env_t *e) {
    for (size_t i = e->nlog; i-- > 0;)
        if (e->log[i].h.type == NX_EV_ORDER_INTENT) return &e->log[i].order_intent;
    return NULL;
}

/* A test-only strategy that signals what the test tells it to. */
typedef struct puppet {
    int dir;
    double conf;
    int go;
} puppet_t;
static size_t puppet_size(const nx_sparams_t *p, uint32_t n) {
    (void)p, (void)n;
    return sizeof(puppet_t);
}
static int puppet_init(void *s, const nx_sparams_t *p, nx_strategy_ctx_t *c) {
    (void)s, (void)p, (void)c;
    return 0;
}
static int puppet_bar(void *s, nx_strategy_ctx_t *c, const nx_ev_bar_t *b) {
    puppet_t *p = s;
    if (!p->go) return 0;
    p->go = 0;
    return nx_strategy_signal(c, b->instrument, p->dir, p->conf);
}
static const nx_strategy_vt_t puppet_vt = {.abi = NX_STRATEGY_ABI,
                                           .vt_size = sizeof(nx_strategy_vt_t),
                                           .kind = "puppet",
                                           .state_size = puppet_size,
                                           .init = puppet_init,
                                           .on_bar = puppet_bar};

/* The host's private state pointer is not public; tests reach a puppet's
 * state through a snapshot round trip instead of poking memory. */
static void puppet_say(env_t *e, uint32_t id, int dir, double conf) {
    unsigned char buf[1 << 16];
    int n = nx_strategy_host_snapshot(e->h, id, buf, sizeof buf);
    assert_true(n > 0);
    /* state block follows the 88-byte header */
    puppet_t p = {dir, conf, 1};
    memcpy(buf + 88, &p, sizeof p);
    uint32_t crc = nx_crc32c(0, buf, (size_t)n - 4);
    memcpy(buf + n - 4, &crc, 4);
    assert_int_equal(nx_strategy_host_restore(e->h, id, buf, (size_t)n), 0);
}

static uint32_t add_puppet(env_t *e, const char *name, double weight, int allow_short,
                           const nx_sizing_t *z, const nx_exits_t *x) {
    nx_strategy_spec_t sp;
    nx_strategy_spec_init(&sp, name, &puppet_vt);
    sp.n_instruments = 1;
    sp.instruments[0] = 0;
    sp.weight = weight;
    sp.allow_short = allow_short;
    if (z) sp.sizing = *z;
    if (x) sp.exits = *x;
    uint32_t id;
    assert_int_equal(nx_strategy_host_add(e->h, &sp, &id), 0);
    return id;
}

static void bar_at(env_t *e, int64_t o, int64_t h, int64_t l, int64_t c, int64_t minute) {
    nx_ev_bar_t b;
    nx_event_init((nx_event_t *)&b, NX_EV_BAR);
    b.h.ts_recv = minute * 60000000000;
    b.instrument = 0;
    b.price_scale = 2;
    b.qty_scale = 3;
    b.interval_ns = 60000000000;
    b.open = o, b.high = h, b.low = l, b.close = c, b.volume = 1000;
    e->price[0] = c;
    drive(e, &b.h);
}

static void sizing_rules_round_to_lots_and_respect_min_notional(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    nx_sizing_t z;
    nx_sizing_default(&z);
    z.method = NX_SIZE_FIXED_NOTIONAL;
    z.notional = (nx_dec_t){10000, 0};
    uint32_t a = add_puppet(e, "notional", 1, 0, &z, NULL);
    z.method = NX_SIZE_PCT_EQUITY;
    z.pct = 0.25;
    uint32_t b = add_puppet(e, "pct", 1, 0, &z, NULL);
    z.method = NX_SIZE_FIXED_NOTIONAL;
    z.notional = (nx_dec_t){4, 0}; /* below min notional 5 */
    uint32_t c = add_puppet(e, "tiny", 1, 0, &z, NULL);
    e->equity = 100000;
    bar_at(e, 300000, 300000, 300000, 300000, 1); /* price 3000.00 */
    puppet_say(e, a, 1, 1);
    puppet_say(e, b, 1, 1);
    puppet_say(e, c, 1, 1);
    e->fill = 1;
    bar_at(e, 300000, 300000, 300000, 300000, 2);
    /* 10000 / 3000 = 3.333.. -> 3.333 (lot 0.001); 25000/3000 = 8.333 */
    assert_int_equal(e->pos[a][0], 3333);
    assert_int_equal(e->pos[b][0], 8333);
    assert_int_equal(e->pos[c][0], 0);
    nx_strategy_host_stats_t s;
    nx_strategy_host_get_stats(e->h, &s);
    assert_true(s.below_min >= 1);
    env_free(e);
    free(e);
}

static void atr_risk_sizing_risks_the_given_share_of_equity(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    nx_sizing_t z;
    nx_sizing_default(&z);
    z.method = NX_SIZE_ATR_RISK;
    z.risk_pct = 0.01;
    z.atr_mult = 2;
    z.atr_period = 3;
    z.max_leverage = 100;
    uint32_t a = add_puppet(e, "atr", 1, 0, &z, NULL);
    e->equity = 100000;
    /* constant range 10.00 each bar: ATR = 10 */
    for (int i = 0; i < 6; i++) bar_at(e, 100000, 100500, 99500, 100000, i + 1);
    puppet_say(e, a, 1, 1);
    e->fill = 1;
    bar_at(e, 100000, 100500, 99500, 100000, 7);
    /* risk 1000 / (2 x 10) = 50 units */
    assert_int_equal(e->pos[a][0], 50000);
    env_free(e);
    free(e);
}

static void opposite_signals_are_settled_by_weight_times_confidence(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_PRIORITY);
    e->fill = 1;
    uint32_t a = add_puppet(e, "a", 1.0, 1, NULL, NULL);
    uint32_t b = add_puppet(e, "b", 2.0, 1, NULL, NULL);
    bar_at(e, 100, 100, 100, 100, 1);
    puppet_say(e, a, 1, 0.9); /* score 0.9 */
    bar_at(e, 100, 100, 100, 100, 2);
    assert_int_equal(e->pos[a][0], 1000);
    puppet_say(e, b, -1, 0.3); /* score 0.6 < 0.9: suppressed */
    bar_at(e, 100, 100, 100, 100, 3);
    assert_int_equal(e->pos[b][0], 0);
    assert_int_equal(e->pos[a][0], 1000);
    puppet_say(e, b, -1, 0.8); /* score 1.6 > 0.9: b wins, a is taken flat */
    bar_at(e, 100, 100, 100, 100, 4);
    assert_int_equal(e->pos[b][0], -1000);
    assert_int_equal(e->pos[a][0], 0);
    const nx_ev_order_intent_t *o = NULL;
    for (size_t i = 0; i < e->nlog; i++)
        if (e->log[i].h.type == NX_EV_ORDER_INTENT && e->log[i].order_intent.strategy == a &&
            e->log[i].order_intent.side == NX_SIDE_SELL)
            o = &e->log[i].order_intent;
    assert_non_null(o);
    assert_int_equal(o->reason, NX_EXIT_CONFLICT);
    nx_strategy_host_stats_t s;
    nx_strategy_host_get_stats(e->h, &s);
    assert_int_equal(s.suppressed_conflict, 2);
    env_free(e);
    free(e);
}

static void long_only_strategies_take_a_short_signal_as_flat(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_PRIORITY);
    e->fill = 1;
    uint32_t a = add_puppet(e, "a", 1.0, 0, NULL, NULL);
    bar_at(e, 100, 100, 100, 100, 1);
    puppet_say(e, a, -1, 1);
    bar_at(e, 100, 100, 100, 100, 2);
    assert_int_equal(e->pos[a][0], 0);
    assert_int_equal(count_type(e, NX_EV_ORDER_INTENT), 0);
    puppet_say(e, a, 1, 1);
    bar_at(e, 100, 100, 100, 100, 3);
    assert_int_equal(e->pos[a][0], 1000);
    puppet_say(e, a, -1, 1);
    bar_at(e, 100, 100, 100, 100, 4);
    assert_int_equal(e->pos[a][0], 0);
    assert_int_equal(last_intent(e)->reason, NX_EXIT_SIGNAL);
    env_free(e);
    free(e);
}

/* In-flight orders count: a repeated target sends nothing more. */
static void targets_count_orders_in_flight(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_PRIORITY);
    uint32_t a = add_puppet(e, "a", 1.0, 1, NULL, NULL);
    bar_at(e, 100, 100, 100, 100, 1);
    puppet_say(e, a, 1, 1);
    bar_at(e, 100, 100, 100, 100, 2);
    puppet_say(e, a, 1, 1);
    bar_at(e, 100, 100, 100, 100, 3);
    assert_int_equal(count_type(e, NX_EV_ORDER_INTENT), 1);
    assert_int_equal(e->pend[a][0], 1000);
    puppet_say(e, a, -1, 1); /* from +1 (pending) to -1: sell 2 */
    bar_at(e, 100, 100, 100, 100, 4);
    assert_int_equal(last_intent(e)->qty, 2000);
    assert_int_equal(last_intent(e)->side, NX_SIDE_SELL);
    env_free(e);
    free(e);
}

/* ------------------------------------------------------------------------- */
/* Exits                                                                     */
/* ------------------------------------------------------------------------- */

static env_t *exit_env(const nx_exits_t *x, uint32_t *id) {
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_PRIORITY);
    e->fill = 1;
    nx_sizing_t z;
    nx_sizing_default(&z);
    z.qty = (nx_dec_t){3, 0};
    *id = add_puppet(e, "x", 1.0, 1, &z, x);
    bar_at(e, 10000, 10000, 10000, 10000, 1); /* 100.00 */
    puppet_say(e, *id, 1, 1);
    bar_at(e, 10000, 10000, 10000, 10000, 2); /* long 3 @ 100.00 */
    assert_int_equal(e->pos[*id][0], 3000);
    return e;
}

static void a_fixed_percent_stop_exits_when_the_low_touches_it(void **st) {
    (void)st;
    nx_exits_t x;
    nx_exits_default(&x);
    x.stop_pct = 0.02; /* stop 98.00 */
    uint32_t id;
    env_t *e = exit_env(&x, &id);
    bar_at(e, 10000, 10100, 9801, 9900, 3);
    assert_int_equal(e->pos[id][0], 3000);
    bar_at(e, 9900, 9950, 9800, 9850, 4);
    assert_int_equal(e->pos[id][0], 0);
    assert_int_equal(last_intent(e)->reason, NX_EXIT_STOP);
    assert_true(last_intent(e)->flags & NX_ORDF_REDUCE_ONLY);
    env_free(e);
    free(e);
}

static void a_trailing_stop_follows_the_best_price(void **st) {
    (void)st;
    nx_exits_t x;
    nx_exits_default(&x);
    x.trail_pct = 0.05;
    uint32_t id;
    env_t *e = exit_env(&x, &id);
    bar_at(e, 10000, 12000, 10000, 11900, 3); /* best 120 -> trail 114 */
    assert_int_equal(e->pos[id][0], 3000);
    bar_at(e, 11900, 11900, 11401, 11500, 4);
    assert_int_equal(e->pos[id][0], 3000);
    bar_at(e, 11500, 11500, 11400, 11450, 5);
    assert_int_equal(e->pos[id][0], 0);
    assert_int_equal(last_intent(e)->reason, NX_EXIT_TRAIL);
    env_free(e);
    free(e);
}

static void take_profits_exit_in_parts_at_r_multiples(void **st) {
    (void)st;
    nx_exits_t x;
    nx_exits_default(&x);
    x.stop_pct = 0.01; /* R = 1.00 */
    x.n_tp = 3;
    x.tp_r[0] = 1.5, x.tp_r[1] = 2, x.tp_r[2] = 3;
    x.tp_frac[0] = 0.33, x.tp_frac[1] = 0.33, x.tp_frac[2] = 0.34;
    uint32_t id;
    env_t *e = exit_env(&x, &id);
    bar_at(e, 10000, 10150, 10000, 10100, 3); /* 101.50 = 1.5R: 0.99 of 3 */
    assert_int_equal(e->pos[id][0], 3000 - 990);
    bar_at(e, 10100, 10190, 10100, 10150, 4);
    assert_int_equal(e->pos[id][0], 2010);
    bar_at(e, 10150, 10200, 10100, 10150, 5); /* 2R */
    assert_int_equal(e->pos[id][0], 2010 - 990);
    bar_at(e, 10150, 10300, 10100, 10250, 6); /* 3R: the rest */
    assert_int_equal(e->pos[id][0], 0);
    assert_int_equal(last_intent(e)->reason, NX_EXIT_TAKE_PROFIT);
    env_free(e);
    free(e);
}

static void time_stop_and_minimal_roi_close_old_trades(void **st) {
    (void)st;
    nx_exits_t x;
    nx_exits_default(&x);
    x.time_stop_ns = 10 * 60000000000LL;
    uint32_t id;
    env_t *e = exit_env(&x, &id);
    for (int m = 3; m < 12; m++) bar_at(e, 10000, 10000, 10000, 10000, m);
    assert_int_equal(e->pos[id][0], 3000);
    bar_at(e, 10000, 10000, 10000, 10000, 12); /* 10 minutes after the fill */
    assert_int_equal(e->pos[id][0], 0);
    assert_int_equal(last_intent(e)->reason, NX_EXIT_TIME);
    env_free(e);
    free(e);

    nx_exits_default(&x);
    x.n_roi = 2;
    x.roi_age_ns[0] = 0, x.roi[0] = 0.05;              /* 5% at once */
    x.roi_age_ns[1] = 5 * 60000000000LL, x.roi[1] = 0.01; /* 1% after 5 minutes */
    e = exit_env(&x, &id);
    bar_at(e, 10000, 10200, 10000, 10200, 3); /* +2%: below 5% */
    assert_int_equal(e->pos[id][0], 3000);
    for (int m = 4; m < 7; m++) bar_at(e, 10200, 10200, 10200, 10200, m);
    assert_int_equal(e->pos[id][0], 3000);
    bar_at(e, 10200, 10200, 10200, 10200, 7); /* age 5 min: 2% >= 1% */
    assert_int_equal(e->pos[id][0], 0);
    assert_int_equal(last_intent(e)->reason, NX_EXIT_ROI);
    env_free(e);
    free(e);
}

/* ------------------------------------------------------------------------- */
/* Snapshot / restore                                                        */
/* ------------------------------------------------------------------------- */

static void tweak_exits(nx_strategy_spec_t *s) {
    s->allow_short = 1;
    s->exits.stop_atr = 2;
    s->exits.trail_pct = 0.01;
    s->sizing.method = NX_SIZE_VOL_TARGET;
    s->sizing.max_leverage = 3;
}

/* Run kinds over bars, optionally stopping at `cut` and continuing in a
 * fresh host restored from a snapshot; returns the emitted log. */
static env_t *run_kinds(const bars_t *bs, size_t cut) {
    static const char *kinds[] = {"sma_cross", "ema_adx", "rsi_bb", "donchian", "regime_switch"};
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    e->fill = 1;
    for (size_t k = 0; k < 5; k++) add(e, kinds[k], kinds[k], NULL, tweak_exits);
    for (size_t i = 0; i < bs->n; i++) {
        if (i == cut) {
            /* stop: snapshot every strategy, throw the host away */
            static unsigned char snaps[5][1 << 18];
            int len[5];
            for (uint32_t k = 0; k < 5; k++) {
                len[k] = nx_strategy_host_snapshot(e->h, k + 1, snaps[k], sizeof snaps[k]);
                assert_true(len[k] > 0);
            }
            nx_strategy_host_free(e->h);
            nx_strategy_env_t env = {e,      e_emit,  e_pos, e_pend, e_equity,
                                     e_price, e_inst, e_timer, e_now};
            assert_int_equal(nx_strategy_host_new(&env, NX_CONFLICT_NET, &e->h), 0);
            for (size_t k = 0; k < 5; k++) add(e, kinds[k], kinds[k], NULL, tweak_exits);
            for (uint32_t k = 0; k < 5; k++) {
                int rc = nx_strategy_host_restore(e->h, k + 1, snaps[k], (size_t)len[k]);
                if (rc) fail_msg("restore %u: %s", k + 1, nx_err_message());
            }
        }
        if (i % 500 == 250) {
            nx_ev_regime_t r;
            nx_event_init((nx_event_t *)&r, NX_EV_REGIME);
            r.h.ts_recv = bs->b[i].h.ts_recv;
            r.instrument = 0;
            r.label = (uint8_t)(1 + (i / 500) % 7);
            drive(e, &r.h);
        }
        drive_bar(e, &bs->b[i]);
    }
    return e;
}

static void a_strategy_restored_mid_run_continues_as_if_never_stopped(void **st) {
    (void)st;
    bars_t bs = walk_bars(4000, 11);
    env_t *a = run_kinds(&bs, SIZE_MAX);
    env_t *b = run_kinds(&bs, 2345);
    assert_true(count_type(a, NX_EV_SIGNAL) > 50);
    assert_true(count_type(a, NX_EV_ORDER_INTENT) > 50);
    assert_int_equal(a->nlog, b->nlog);
    for (size_t i = 0; i < a->nlog; i++)
        if (memcmp(&a->log[i], &b->log[i], a->log[i].h.size) != 0)
            fail_msg("event %zu differs after restore (type %s)", i,
                     nx_event_type_name(a->log[i].h.type));
    /* every kind produced signals */
    int seen[6] = {0};
    for (size_t i = 0; i < a->nlog; i++)
        if (a->log[i].h.type == NX_EV_SIGNAL) seen[a->log[i].signal.strategy] = 1;
    for (int k = 1; k <= 5; k++)
        if (!seen[k]) fail_msg("strategy %d gave no signal", k);
    env_free(a);
    env_free(b);
    free(a);
    free(b);
    free(bs.b);
}

static void a_snapshot_of_other_parameters_or_a_flipped_byte_is_refused(void **st) {
    (void)st;
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    add(e, "a", "sma_cross", NULL, NULL);
    static const char *const kv[] = {"fast", "5", NULL};
    add(e, "b", "sma_cross", kv, NULL);
    static unsigned char buf[1 << 16];
    int n = nx_strategy_host_snapshot(e->h, 1, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(nx_strategy_host_restore(e->h, 2, buf, (size_t)n), NX_ECORRUPT);
    buf[100] ^= 1;
    assert_int_equal(nx_strategy_host_restore(e->h, 1, buf, (size_t)n), NX_ECORRUPT);
    assert_int_equal(nx_strategy_host_snapshot(e->h, 1, buf, 64), NX_ELIMIT);
    env_free(e);
    free(e);
}

/* ------------------------------------------------------------------------- */
/* Parameters, regime ensemble, plugins                                      */
/* ------------------------------------------------------------------------- */

static void parameters_are_typed_and_range_checked(void **st) {
    (void)st;
    nx_strategy_spec_t sp;
    nx_strategy_spec_init(&sp, "s", nx_strategy_builtin("sma_cross"));
    assert_int_equal(nx_sparam_int(&sp.params, "fast"), 10);
    assert_int_equal(nx_sparams_set(&sp.params, "fast", "5"), 0);
    assert_int_equal(nx_sparam_int(&sp.params, "fast"), 5);
    assert_int_equal(nx_sparams_set(&sp.params, "fast", "5.5"), NX_EINVAL);
    assert_int_equal(nx_sparams_set(&sp.params, "fast", "0"), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "fast"));
    assert_int_equal(nx_sparams_set(&sp.params, "fast", "abc"), NX_EINVAL);
    assert_int_equal(nx_sparams_set(&sp.params, "nope", "1"), NX_ENOTFOUND);
    /* fast >= slow is refused by init */
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    assert_int_equal(nx_sparams_set(&sp.params, "fast", "40"), 0);
    sp.n_instruments = 1;
    assert_int_equal(nx_strategy_host_add(e->h, &sp, NULL), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "slow"));
    assert_int_equal(nx_strategy_host_count(e->h), 0);
    sp.instruments[0] = 99;
    assert_int_equal(nx_sparams_set(&sp.params, "fast", "10"), 0);
    assert_int_equal(nx_strategy_host_add(e->h, &sp, NULL), NX_EINVAL);
    env_free(e);
    free(e);
    for (uint32_t i = 0; nx_strategy_builtin_at(i); i++) {
        const nx_strategy_vt_t *vt = nx_strategy_builtin_at(i);
        assert_int_equal(vt->abi, NX_STRATEGY_ABI);
        assert_ptr_equal(nx_strategy_builtin(vt->kind), vt);
    }
    assert_null(nx_strategy_builtin("nope"));
}

static void the_regime_ensemble_goes_flat_in_a_crisis(void **st) {
    (void)st;
    bars_t bs = walk_bars(1200, 5);
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    e->fill = 1;
    uint32_t id = add(e, "rs", "regime_switch", NULL, tweak_exits);
    nx_ev_regime_t r;
    nx_event_init((nx_event_t *)&r, NX_EV_REGIME);
    r.instrument = 0;
    r.label = NX_REGIME_TRENDING_UP;
    r.h.ts_recv = bs.b[0].h.ts_recv;
    drive(e, &r.h);
    size_t i = 0;
    for (; i < bs.n && e->pos[id][0] == 0; i++) drive_bar(e, &bs.b[i]);
    assert_true(i < bs.n); /* the trend model took a position */
    r.label = NX_REGIME_CRISIS;
    r.h.ts_recv = bs.b[i].h.ts_recv;
    drive(e, &r.h);
    assert_int_equal(e->pos[id][0], 0);
    for (; i < bs.n; i++) {
        drive_bar(e, &bs.b[i]);
        assert_int_equal(e->pos[id][0], 0); /* stays flat while in crisis */
    }
    env_free(e);
    free(e);
    free(bs.b);
}

static void build_plugin(const char *dir, const char *name, const char *extra) {
    char inc[1024];
    snprintf(inc, sizeof inc, "%s", nx_test_src_path("include"));
    int rc = nx_test_system("cc -std=c11 -O1 -shared -fPIC %s -I%s -o %s/%s %s", extra, inc, dir,
                            name, nx_test_src_path("examples/plugin/momentum.c"));
    assert_int_equal(rc, 0);
}

static void a_plugin_strategy_loads_runs_and_an_abi_mismatch_is_refused(void **st) {
    (void)st;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", nx_test_tmpdir("plugin"));
    char path[1024];
    build_plugin(dir, "good.so", "");
    build_plugin(dir, "old.so", "-DMOMENTUM_ABI=0");
    const nx_strategy_vt_t *kinds[4];
    uint32_t n;
    snprintf(path, sizeof path, "%s/good.so", dir);
    assert_int_equal(nx_strategy_plugin_load(path, kinds, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(kinds[0]->kind, "momentum");
    snprintf(path, sizeof path, "%s/old.so", dir);
    assert_int_equal(nx_strategy_plugin_load(path, kinds, 4, &n), NX_EVERSION);
    snprintf(path, sizeof path, "%s/missing.so", dir);
    assert_int_equal(nx_strategy_plugin_load(path, kinds, 4, &n), NX_EIO);
    /* run it */
    snprintf(path, sizeof path, "%s/good.so", dir);
    assert_int_equal(nx_strategy_plugin_load(path, kinds, 4, &n), 0);
    env_t *e = malloc(sizeof *e);
    env_init(e, NX_CONFLICT_NET);
    e->fill = 1;
    nx_strategy_spec_t sp;
    nx_strategy_spec_init(&sp, "mom", kinds[0]);
    assert_int_equal(nx_sparams_set(&sp.params, "lookback", "20"), 0);
    sp.n_instruments = 1;
    sp.allow_short = 1;
    assert_int_equal(nx_strategy_host_add(e->h, &sp, NULL), 0);
    bars_t bs = walk_bars(2000, 3);
    for (size_t i = 0; i < bs.n; i++) drive_bar(e, &bs.b[i]);
    assert_true(count_type(e, NX_EV_SIGNAL) > 10);
    assert_true(count_type(e, NX_EV_FILL) > 10);
    free(bs.b);
    env_free(e);
    free(e);
    nx_test_rmdir(dir);
}

static int parse_yaml(const char *yaml, nx_cfg_diags_t *d, nx_strategy_spec_t *specs,
                      uint32_t *n) {
    nx_instruments_t *reg;
    assert_int_equal(nx_instruments_load_mem("t", INSTR_YAML, strlen(INSTR_YAML), NULL, &reg), 0);
    nx_cfg_doc_t *doc;
    assert_int_equal(nx_cfg_doc_parse("cfg.yaml", yaml, strlen(yaml), d, &doc), 0);
    int rc = nx_strategy_specs_parse(doc, nx_cfg_map_get(nx_cfg_doc_root(doc), "strategies"), reg,
                                     d, specs, 8, n);
    nx_cfg_doc_free(doc);
    nx_instruments_free(reg);
    return rc;
}

static void strategies_are_read_from_yaml_with_their_parameters(void **st) {
    (void)st;
    assert_int_equal(nx_cfg_schema_check(nx_strategy_schema(), 2000), 0);
    static const char *yaml =
        "strategies:\n"
        "  - name: sma\n"
        "    kind: sma_cross\n"
        "    instruments: [sim:AAA]\n"
        "    params: {fast: 5, slow: 20}\n"
        "    sizing: {method: pct_equity, pct: 0.5}\n"
        "  - name: trend\n"
        "    kind: ema_adx\n"
        "    instruments: [sim:AAA, sim:BBB]\n"
        "    weight: 2\n"
        "    allow_short: true\n"
        "    bar_interval: 5m\n"
        "    exits:\n"
        "      stop_atr: 2\n"
        "      take_profit: [{r: 1.5, fraction: 0.33}, {r: 2, fraction: 0.33}, {r: 3, fraction: 0.34}]\n"
        "      minimal_roi: [{after: 0s, roi: 0.05}, {after: 30m, roi: 0.01}]\n"
        "      time_stop: 2h\n";
    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    static nx_strategy_spec_t specs[8];
    uint32_t n;
    assert_int_equal(parse_yaml(yaml, d, specs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(specs[0].name, "sma");
    assert_int_equal(nx_sparam_int(&specs[0].params, "fast"), 5);
    assert_int_equal(nx_sparam_int(&specs[0].params, "slow"), 20);
    assert_int_equal(specs[0].sizing.method, NX_SIZE_PCT_EQUITY);
    assert_true(specs[0].sizing.pct == 0.5);
    assert_int_equal(specs[1].n_instruments, 2);
    assert_int_equal(specs[1].instruments[1], 1);
    assert_true(specs[1].allow_short);
    assert_int_equal(specs[1].bar_interval_ns, 300000000000LL);
    assert_int_equal(specs[1].exits.n_tp, 3);
    assert_true(specs[1].exits.tp_frac[2] == 0.34);
    assert_int_equal(specs[1].exits.n_roi, 2);
    assert_int_equal(specs[1].exits.roi_age_ns[1], 1800000000000LL);
    assert_int_equal(specs[1].exits.time_stop_ns, 7200000000000LL);
    nx_cfg_diags_free(d);
}

static void bad_strategy_yaml_names_file_line_and_key(void **st) {
    (void)st;
    static const char *yaml =
        "strategies:\n"
        "  - name: a\n"
        "    kind: sma_crossover\n"
        "    instruments: [sim:AAA]\n"
        "  - name: b\n"
        "    kind: sma_cross\n"
        "    instruments: [sim:ZZZ]\n"
        "    params: {fast: 0, slow: 30}\n"
        "  - name: c\n"
        "    kind: rsi_bb\n"
        "    instruments: [sim:AAA]\n"
        "    params: {nope: 1}\n"
        "  - name: d\n"
        "    kind: rsi_bb\n"
        "    instruments: [sim:AAA]\n"
        "    exits: {take_profit: [{r: 2, fraction: 0.8}, {r: 1, fraction: 0.5}]}\n";
    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    static nx_strategy_spec_t specs[8];
    uint32_t n;
    assert_int_equal(parse_yaml(yaml, d, specs, &n), NX_ECONFIG);
    if (getenv("SHOW")) nx_cfg_diags_print(d, stdout);
    assert_non_null(nx_cfg_diags_find(d, "cfg.yaml:3:11: strategies[0].kind: unknown strategy kind"));
    assert_non_null(nx_cfg_diags_find(d, "cfg.yaml:7:19: strategies[1].instruments[0]: no instrument"));
    assert_non_null(nx_cfg_diags_find(d, "strategies[1].params.fast: parameter fast: 0 is outside"));
    assert_non_null(nx_cfg_diags_find(d, "strategies[2].params.nope: unknown parameter"));
    assert_non_null(nx_cfg_diags_find(d, "levels must rise"));
    assert_non_null(nx_cfg_diags_find(d, "add up to more than 1"));
    nx_cfg_diags_free(d);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(strategies_are_read_from_yaml_with_their_parameters),
    NX_CASE(bad_strategy_yaml_names_file_line_and_key),
    NX_CASE(strategy_indicators_equal_the_ta_module_bar_by_bar),
    NX_CASE(sma_cross_signals_match_backtrader_trade_bars),
    NX_CASE(sma_cross_treats_exact_ties_as_no_cross),
    NX_CASE(sizing_rules_round_to_lots_and_respect_min_notional),
    NX_CASE(atr_risk_sizing_risks_the_given_share_of_equity),
    NX_CASE(opposite_signals_are_settled_by_weight_times_confidence),
    NX_CASE(long_only_strategies_take_a_short_signal_as_flat),
    NX_CASE(targets_count_orders_in_flight),
    NX_CASE(a_fixed_percent_stop_exits_when_the_low_touches_it),
    NX_CASE(a_trailing_stop_follows_the_best_price),
    NX_CASE(take_profits_exit_in_parts_at_r_multiples),
    NX_CASE(time_stop_and_minimal_roi_close_old_trades),
    NX_CASE(a_strategy_restored_mid_run_continues_as_if_never_stopped),
    NX_CASE(a_snapshot_of_other_parameters_or_a_flipped_byte_is_refused),
    NX_CASE(parameters_are_typed_and_range_checked),
    NX_CASE(the_regime_ensemble_goes_flat_in_a_crisis),
    NX_CASE(a_plugin_strategy_loads_runs_and_an_abi_mismatch_is_refused),
};

NX_TEST_MAIN(cases)
