/* Importers and validation: formats, units, exactness, rules, quarantine, and
 * the regressions fuzzing found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/data.h"
#include "nx_test.h"

typedef struct {
    nx_event_t ev[64];
    size_t n;
} sink_t;

static int sink(void *ctx, const nx_event_hdr_t *ev) {
    sink_t *s = ctx;
    if (s->n < 64) memcpy(&s->ev[s->n], ev, ev->size);
    s->n++;
    return NX_OK;
}

static nx_importer_t *mk(nx_import_format_t f, nx_data_kind_t k, uint8_t ps, uint8_t qs,
                         int64_t bar_ns) {
    nx_import_opts_t o;
    nx_import_opts_default(&o);
    o.format = f;
    o.kind = k;
    o.price_scale = ps;
    o.qty_scale = qs;
    o.bar_ns = bar_ns;
    o.instrument = 4;
    o.topic = 9;
    nx_importer_t *im;
    assert_int_equal(nx_importer_new(&o, &im), 0);
    return im;
}

static int line(nx_importer_t *im, const char *s, sink_t *out) {
    return nx_importer_line(im, s, strlen(s), sink, out);
}

static void binance_trade_rows_parse_exactly_with_ms_or_us_timestamps(void **state) {
    (void)state;
    nx_importer_t *im = mk(NX_FMT_BINANCE_TRADES, NX_KIND_TRADES, 2, 8, 0);
    sink_t s = {0};
    assert_int_equal(line(im, "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match", &s), NX_ENOTFOUND);
    assert_int_equal(line(im, "3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,true,true", &s), 0);
    assert_int_equal(line(im, "1,2.5,1,2.5,1723161255342123,false\r", &s), 0);
    assert_int_equal(s.n, 2);
    nx_ev_trade_t *t = &s.ev[0].trade;
    assert_int_equal(t->trade_id, 3735683259u);
    assert_int_equal(t->price, 6183763);
    assert_int_equal(t->qty, 2000000);
    assert_int_equal(t->h.ts_recv, 1723161255342000000LL);
    assert_int_equal(t->aggressor, NX_SIDE_SELL); /* buyer was maker: the seller took */
    assert_int_equal(t->instrument, 4);
    assert_int_equal(t->h.topic, 9);
    assert_int_equal(s.ev[1].trade.h.ts_recv, 1723161255342123000LL);
    assert_int_equal(s.ev[1].trade.aggressor, NX_SIDE_BUY);
    nx_importer_free(im);
}

/* ---- the one-pass Binance trades parser ---------------------------------- */

static void rnd_digits(nx_rng_t *r, char *b, size_t *n, size_t count, int zeros) {
    for (size_t i = 0; i < count; i++)
        b[(*n)++] = zeros ? '0' : (char)('0' + nx_rng_below(r, 10));
}

static void rnd_decimal(nx_rng_t *r, char *b, size_t *n, unsigned scale) {
    if (nx_rng_below(r, 20) == 0) b[(*n)++] = nx_rng_below(r, 2) ? '-' : '+';
    rnd_digits(r, b, n, (size_t)nx_rng_below(r, nx_rng_below(r, 8) ? 7 : 22), 0);
    if (nx_rng_below(r, 6)) {
        b[(*n)++] = '.';
        size_t keep = (size_t)nx_rng_below(r, nx_rng_below(r, 8) ? scale + 1 : 12);
        rnd_digits(r, b, n, keep, 0);
        rnd_digits(r, b, n, (size_t)nx_rng_below(r, 12), nx_rng_below(r, 8) != 0);
    }
    if (nx_rng_below(r, 40) == 0) b[(*n)++] = 'e';
}

/* A Binance trade line, mostly well formed, sometimes not in any of its columns. */
static size_t rnd_trade_line(nx_rng_t *r, char *b, unsigned ps, unsigned qs) {
    static const char *const bools[] = {"true", "false", "True", "False", "1", "0", "tru", "",
                                        "truex"};
    static const char *const last[] = {"", ",true", ",false", ",", ",a,b", "x"};
    size_t n = 0;
    rnd_digits(r, b, &n, (size_t)nx_rng_below(r, nx_rng_below(r, 8) ? 12 : 23), 0);
    b[n++] = ',';
    rnd_decimal(r, b, &n, ps);
    b[n++] = ',';
    rnd_decimal(r, b, &n, qs);
    if (nx_rng_below(r, 30)) { /* else a missing column */
        b[n++] = ',';
        rnd_decimal(r, b, &n, 8);
    }
    b[n++] = ',';
    size_t td = nx_rng_below(r, 4) ? 13 : 16;
    if (nx_rng_below(r, 10) == 0) td = (size_t)nx_rng_below(r, 22);
    rnd_digits(r, b, &n, td, 0);
    b[n++] = ',';
    const char *bo = bools[nx_rng_below(r, 4) ? nx_rng_below(r, 2) : nx_rng_below(r, 9)];
    memcpy(b + n, bo, strlen(bo));
    n += strlen(bo);
    const char *la = last[nx_rng_below(r, 3) ? nx_rng_below(r, 2) : nx_rng_below(r, 6)];
    memcpy(b + n, la, strlen(la));
    n += strlen(la);
    if (nx_rng_below(r, 10) == 0) b[n++] = '\r';
    return n;
}

/*
 * Lines after the first take a one-pass parser for the common shape and the
 * general one for anything else; the first line always takes the general
 * one. Every line gives the same result, event and message either way.
 */
static void the_fast_binance_trade_parser_agrees_with_the_general_one(void **state) {
    (void)state;
    static const char *const fixed[] = {
        "3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,true,true",
        "3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,false",
        "1,2.5,1,2.5,1723161255342123,false\r",
        "1,.5,5.,x,1723161255342,true",
        "1,.,1,1,1723161255342,true",
        "1,1,1,1,1723161255342,true,",
        "1,1,1,1,1723161255342,True",
        "1,-1,1,1,1723161255342,true",
        "1,1e2,1,1,1723161255342,true",
        "1,1.001,1,1,1723161255342,true",
        "1,1.0000000000000000000000,1,1,1723161255342,true",
        "1,00000000000000000001.5,1,1,1723161255342,true",
        "18446744073709551615,1,1,1,1723161255342,true",
        "18446744073709551616,1,1,1,1723161255342,true",
        "9999999999999999999,1,1,1,1723161255342,true",
        "1,1,1,1,9223372036854775807,true",
        "1,1,1,1,9223372036854,true",
        "1,1,1,1,9223372036855,true",
        "1,1,1,1,,true",
        ",1,1,1,1723161255342,true",
        "1,999999999999999999,1,1,1723161255342,true",
        "1,99999999999999999,1,1,1723161255342,true",
        "1,1,1,1,1723161255342,true,true,true",
        "1,1,1,1723161255342,true",
    };
    static const uint8_t scales[][2] = {{2, 8}, {8, 8}, {0, 0}, {18, 18}, {10, 3}, {1, 17}};
    nx_rng_t r;
    nx_rng_seed(&r, 2024);
    char buf[256];
    long fast_ok = 0;
    for (size_t sc = 0; sc < NX_ARRAY_LEN(scales); sc++) {
        uint8_t ps = scales[sc][0], qs = scales[sc][1];
        nx_importer_t *ref = mk(NX_FMT_BINANCE_TRADES, NX_KIND_TRADES, ps, qs, 0);
        nx_importer_t *im = mk(NX_FMT_BINANCE_TRADES, NX_KIND_TRADES, ps, qs, 0);
        sink_t a = {0}, b = {0};
        assert_int_equal(line(im, "1,1,1,1,1723161255342,true", &b), 0); /* past line 1 */
        for (size_t k = 0; k < NX_ARRAY_LEN(fixed) + 40000; k++) {
            size_t n;
            if (k < NX_ARRAY_LEN(fixed)) {
                n = strlen(fixed[k]);
                memcpy(buf, fixed[k], n);
            } else {
                n = rnd_trade_line(&r, buf, scales[sc][0], scales[sc][1]);
            }
            char msg[NX_ERR_DETAIL_MAX];
            a.n = b.n = 0;
            nx_importer_begin_file(ref, "x");
            int ra = nx_importer_line(ref, buf, n, sink, &a);
            snprintf(msg, sizeof msg, "%s", ra < 0 ? nx_err_message() : "");
            int rb = nx_importer_line(im, buf, n, sink, &b);
            if (ra != rb || a.n != b.n ||
                (ra < 0 && strcmp(msg, nx_err_message()) != 0) ||
                (a.n && memcmp(&a.ev[0], &b.ev[0], sizeof a.ev[0].trade) != 0)) {
                fprintf(stderr, "scales %u/%u line '%.*s': general %d (%s), fast %d (%s)\n",
                        scales[sc][0], scales[sc][1], (int)n, buf, ra, msg, rb,
                        rb < 0 ? nx_err_message() : "");
                fail();
            }
            fast_ok += ra == 0;
        }
        nx_importer_free(ref);
        nx_importer_free(im);
    }
    assert_true(fast_ok > 50000); /* about a third of the lines are good ones */
}

static void bad_columns_are_named_and_nothing_is_emitted(void **state) {
    (void)state;
    nx_importer_t *im = mk(NX_FMT_BINANCE_TRADES, NX_KIND_TRADES, 2, 8, 0);
    sink_t s = {0};
    assert_int_equal(line(im, "1,2.5,1,2.5", &s), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "columns"));
    assert_int_equal(line(im, "x,2.5,1,2.5,1723161255342,true", &s), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "column id"));
    assert_int_equal(line(im, "1,2.5x,1,2.5,1723161255342,true", &s), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "column price"));
    assert_int_equal(line(im, "1,2.555,1,2.5,1723161255342,true", &s), NX_EINEXACT); /* off scale */
    assert_int_equal(line(im, "1,2.5,1,2.5,1723161255342,maybe", &s), NX_EPARSE);
    assert_non_null(strstr(nx_err_message(), "is_buyer_maker"));
    /* found by fuzz_binance_trade: 16-digit microseconds beyond 2262 */
    assert_int_equal(line(im, "1,2.5,1,2.5,9723161255342123,false", &s), NX_ERANGE);
    assert_int_equal(line(im, "1,2.5,1,2.5,9999999999999,false", &s), NX_ERANGE); /* 2286 */
    assert_int_equal(s.n, 0);
    assert_int_equal(line(im, "1,2.5,1,2.5,9223372036854,false", &s), 0); /* 2262-04-11 fits */
    assert_int_equal(line(im, "1,2.5,1,2.5,1723,false", &s), 0);           /* short ms stays ms */
    assert_int_equal(s.ev[1].trade.h.ts_recv, 1723000000LL);
    /* Binance gives ids: id 0 is a real one (a symbol's first trade), never synthesised
     * (found by fuzz_binance_trade) */
    assert_int_equal(line(im, "0,2.5,1,2.5,1723161255342,false", &s), 0);
    assert_int_equal(s.ev[2].trade.trade_id, 0);
    assert_int_equal(s.ev[2].trade.flags, 0);
    nx_importer_free(im);
}

static void aggtrades_and_klines_follow_binance_public_data_layouts(void **state) {
    (void)state;
    nx_importer_t *im = mk(NX_FMT_BINANCE_AGGTRADES, NX_KIND_AGGTRADES, 2, 8, 0);
    sink_t s = {0};
    assert_int_equal(line(im, "26129,0.01633102,4.70443515,27781,27781,1498793709153,true,true", &s), NX_EINEXACT);
    nx_importer_free(im);
    im = mk(NX_FMT_BINANCE_AGGTRADES, NX_KIND_AGGTRADES, 8, 8, 0);
    assert_int_equal(line(im, "26129,0.01633102,4.70443515,27781,27781,1498793709153,true,true", &s), 0);
    assert_int_equal(s.ev[0].trade.trade_id, 26129);
    assert_int_equal(line(im, "26130,0.01633102,4.7,27783,27782,1498793709153,true", &s), NX_EPARSE);
    nx_importer_free(im);
    im = mk(NX_FMT_BINANCE_KLINES, NX_KIND_BARS, 8, 8, NX_NS_PER_MIN);
    s.n = 0;
    assert_int_equal(line(im, "1637971200000,0.00002853,0.00002854,0.00002851,0.00002854,36304.20000000,1637971259999,1.03547608,79,19523.00000000,0.55694227,0", &s), 0);
    nx_ev_bar_t *b = &s.ev[0].bar;
    assert_int_equal(b->h.ts_venue, 1637971200000LL * NX_NS_PER_MS);
    assert_int_equal(b->h.ts_recv, 1637971260000LL * NX_NS_PER_MS); /* published at close */
    assert_int_equal(b->open, 2853);
    assert_int_equal(b->volume, 3630420000000LL);
    assert_int_equal(b->trades, 79);
    assert_int_equal(b->interval_ns, NX_NS_PER_MIN);
    /* a 5-minute row under a 1-minute kind is refused */
    assert_int_equal(line(im, "1637971200000,1,1,1,1,1,1637971499999,1,1,1,1,0", &s), NX_EPARSE);
    nx_importer_free(im);
}

static void kraken_and_generic_csv_rows(void **state) {
    (void)state;
    sink_t s = {0};
    nx_importer_t *im = mk(NX_FMT_KRAKEN_TRADES, NX_KIND_TRADES, 6, 8, 0);
    assert_int_equal(line(im, "1672531436,90.540000,1.10448420", &s), 0);
    assert_int_equal(s.ev[0].trade.h.ts_recv, 1672531436LL * NX_NS_PER_SEC);
    assert_int_equal(s.ev[0].trade.price, 90540000);
    /* no venue id: a synthetic one, ts + occurrence within the timestamp */
    assert_int_equal(s.ev[0].trade.trade_id, 1672531436LL * NX_NS_PER_SEC);
    assert_int_equal(s.ev[0].trade.flags, NX_TRADEF_SYNTHETIC_ID);
    assert_int_equal(line(im, "1672531436,90.540000,1.10448420", &s), 0); /* the same print again */
    assert_int_equal(s.ev[1].trade.trade_id, 1672531436LL * NX_NS_PER_SEC + 1);
    assert_int_equal(line(im, "1672531437,90.540000,1.10448420", &s), 0);
    assert_int_equal(s.ev[2].trade.trade_id, 1672531437LL * NX_NS_PER_SEC);
    nx_importer_begin_file(im, "again");
    assert_int_equal(line(im, "1672531436,90.540000,1.10448420", &s), 0); /* re-import: same ids */
    assert_int_equal(s.ev[3].trade.trade_id, 1672531436LL * NX_NS_PER_SEC);
    nx_importer_free(im);

    nx_import_opts_t o;
    nx_import_opts_default(&o);
    o.format = NX_FMT_CSV;
    o.kind = NX_KIND_TRADES;
    o.price_scale = 2;
    o.qty_scale = 3;
    assert_int_equal(nx_csv_map_parse("ts=1,price=2,qty=3,side=0", &o.csv), 0);
    o.csv.ts_format = NX_TS_ISO;
    assert_int_equal(nx_importer_new(&o, &im), 0);
    s.n = 0;
    assert_int_equal(line(im, "side,time,price,amount", &s), NX_ENOTFOUND);
    assert_int_equal(line(im, "buy,2024-08-08 23:54:15.342,61837.63,0.02", &s), 0);
    assert_int_equal(s.ev[0].trade.h.ts_recv, 1723161255342000000LL);
    assert_int_equal(s.ev[0].trade.aggressor, NX_SIDE_BUY);
    assert_int_equal(s.ev[0].trade.qty, 20);
    assert_int_equal(line(im, "hold,2024-08-08 23:54:15.342,61837.63,0.02", &s), NX_EPARSE);
    nx_importer_free(im);
    nx_csv_map_t m = {0};
    assert_int_equal(nx_csv_map_parse("price=1", &m), NX_EPARSE);     /* ts required */
    assert_int_equal(nx_csv_map_parse("ts=0,pirce=1", &m), NX_EPARSE);
    assert_int_equal(nx_csv_map_parse("ts=x", &m), NX_EPARSE);
    /* timestamps: digits decide the unit in auto mode */
    nx_ts_t ts;
    assert_int_equal(nx_ts_field_parse("1723161255", 10, NX_TS_AUTO, &ts), 0);
    assert_int_equal(ts, 1723161255LL * NX_NS_PER_SEC);
    assert_int_equal(nx_ts_field_parse("1723161255342", 13, NX_TS_AUTO, &ts), 0);
    assert_int_equal(ts, 1723161255342LL * NX_NS_PER_MS);
    assert_int_equal(nx_ts_field_parse("1723161255.5", 12, NX_TS_AUTO, &ts), 0);
    assert_int_equal(ts, 1723161255500000000LL);
    assert_int_equal(nx_ts_field_parse("2024-08-08T23:54:15Z", 20, NX_TS_AUTO, &ts), 0);
}

static void lean_ticks_use_the_session_date_and_new_york_time(void **state) {
    (void)state;
    sink_t s = {0};
    nx_importer_t *im = mk(NX_FMT_LEAN_TRADE_TICKS, NX_KIND_TRADES, 2, 0, 0);
    assert_int_equal(line(im, "14400464,1674100,100,P,20002000,0", &s), NX_EINVAL); /* no date yet */
    nx_importer_begin_file(im, "data/20131007_spy_Trade_Tick.csv");
    assert_int_equal(line(im, "14400464,1674100,100,P,20002000,0", &s), 0);
    /* 2013-10-07 04:00:00.464 EDT = 08:00:00.464 UTC; 167.41 */
    nx_ev_trade_t *t = &s.ev[0].trade;
    assert_int_equal(t->h.ts_recv, 1381132800464LL * NX_NS_PER_MS);
    assert_int_equal(t->price, 16741);
    assert_int_equal(t->qty, 100);
    nx_importer_free(im);
    /* in winter New York is UTC-5 */
    im = mk(NX_FMT_LEAN_TRADE_TICKS, NX_KIND_TRADES, 2, 0, 0);
    nx_importer_begin_file(im, "20131220_trade.zip");
    s.n = 0;
    assert_int_equal(line(im, "34200000,1674100,100,P,0,0", &s), 0); /* 09:30 EST = 14:30 UTC */
    assert_int_equal(s.ev[0].trade.h.ts_recv, 1387549800000LL * NX_NS_PER_MS);
    nx_importer_free(im);
    /* quotes: one side per row; the other side is carried */
    im = mk(NX_FMT_LEAN_QUOTE_TICKS, NX_KIND_QUOTES, 2, 0, 0);
    nx_importer_begin_file(im, "20131007_aig_Quote_Tick.csv");
    s.n = 0;
    assert_int_equal(line(im, "14400152,0,0,494100,300,Q,1,0", &s), 0);
    assert_int_equal(line(im, "14400547,491800,300,0,0,P,1,0", &s), 0);
    assert_int_equal(s.ev[1].quote.bid_price, 4918);
    assert_int_equal(s.ev[1].quote.ask_price, 4941);
    assert_int_equal(s.ev[1].quote.ask_qty, 300);
    nx_importer_free(im);
}

static void freqtrade_json_is_read_in_any_chunking(void **state) {
    (void)state;
    const char *doc = "[[1509836520000, 0.00162008, 0.00162008, 0.00162008, 0.00162008, 108.14853839],"
                      " [1509836580000, 0.00161, 0.00161, 0.00161, 0.00161, 82.390199]]";
    for (size_t chunk = 1; chunk <= strlen(doc); chunk = chunk * 3 + 1) {
        nx_importer_t *im = mk(NX_FMT_FREQTRADE_CANDLES, NX_KIND_BARS, 8, 8, NX_NS_PER_MIN);
        nx_importer_begin_file(im, "x.json");
        sink_t s = {0};
        for (size_t off = 0; off < strlen(doc); off += chunk) {
            size_t n = strlen(doc) - off < chunk ? strlen(doc) - off : chunk;
            assert_int_equal(nx_importer_bytes(im, doc + off, n, sink, &s), 0);
        }
        assert_int_equal(nx_importer_end(im), 0);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.ev[1].bar.open, 161000);
        assert_int_equal(s.ev[1].bar.volume, 8239019900);
        nx_importer_free(im);
    }
    nx_importer_t *im = mk(NX_FMT_FREQTRADE_TRADES, NX_KIND_AGGTRADES, 8, 1, 0);
    nx_importer_begin_file(im, "t.json");
    sink_t s = {0};
    const char *t = "[[1570752011620,\"13519807\",null,\"sell\",0.00141342,23.0,0.03250866]";
    assert_int_equal(nx_importer_bytes(im, t, strlen(t), sink, &s), 0);
    assert_int_equal(nx_importer_end(im), NX_EPARSE); /* truncated */
    assert_int_equal(s.ev[0].trade.trade_id, 13519807);
    assert_int_equal(s.ev[0].trade.aggressor, NX_SIDE_SELL);
    assert_int_equal(s.ev[0].trade.qty, 230);
    nx_importer_free(im);
}

/* ---- validation -------------------------------------------------------- */

typedef struct {
    int rules[64];
    int rejected[64];
    size_t n;
} qlog_t;

static int qsink(void *ctx, nx_rule_t rule, int rejected, const nx_event_hdr_t *ev,
                 const char *detail) {
    (void)ev;
    (void)detail;
    qlog_t *q = ctx;
    q->rules[q->n] = (int)rule;
    q->rejected[q->n] = rejected;
    q->n++;
    return 0;
}

static void trade(nx_event_t *e, int64_t ts, int64_t px, int64_t qty, uint64_t id) {
    nx_event_init(e, NX_EV_TRADE);
    e->h.ts_recv = e->h.ts_venue = ts;
    e->trade.price = px;
    e->trade.qty = qty;
    e->trade.trade_id = id;
}

static void each_validation_rule_rejects_or_flags_crafted_rows(void **state) {
    (void)state;
    nx_validate_opts_t o;
    nx_validate_opts_default(&o);
    o.max_gap_ns = 60 * NX_NS_PER_SEC;
    sink_t out = {0};
    qlog_t q = {0};
    nx_validator_t *v;
    assert_int_equal(nx_validator_new(&o, sink, &out, qsink, &q, &v), 0);
    nx_event_t e;
    trade(&e, 1000, 100, 1, 1);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* ok */
    trade(&e, 2000, 0, 1, 2);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* non-positive price */
    trade(&e, 2000, 100, -1, 3);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* non-positive qty */
    trade(&e, 500, 100, 1, 4);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* backwards */
    trade(&e, 3000, 101, 1, 1);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* duplicate id */
    trade(&e, 4000, 151, 1, 5);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* +51%: jump */
    trade(&e, 4000, 149, 1, 6);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* +49%: ok */
    trade(&e, 4000 + 61 * NX_NS_PER_SEC, 150, 1, 7);
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* gap: flagged, passed */
    nx_event_init(&e, NX_EV_QUOTE);
    e.h.ts_recv = 5000 + 61 * NX_NS_PER_SEC;
    e.quote.bid_price = 150, e.quote.ask_price = 150;
    assert_int_equal(nx_validator_push(v, &e.h), 0); /* crossed */
    assert_int_equal(nx_validator_flush(v), 0);
    static const int want_rules[] = {NX_RULE_NONPOSITIVE, NX_RULE_NONPOSITIVE, NX_RULE_BACKWARDS,
                                     NX_RULE_DUPLICATE,   NX_RULE_JUMP,        NX_RULE_GAP,
                                     NX_RULE_CROSSED};
    static const int want_rej[] = {1, 1, 1, 1, 1, 0, 1};
    assert_int_equal(q.n, NX_ARRAY_LEN(want_rules));
    for (size_t i = 0; i < q.n; i++) {
        assert_int_equal(q.rules[i], want_rules[i]);
        assert_int_equal(q.rejected[i], want_rej[i]);
    }
    assert_int_equal(out.n, 3); /* ids 1, 6, 7 */
    nx_validate_stats_t st;
    nx_validator_stats(v, &st);
    assert_int_equal(st.in, 9);
    assert_int_equal(st.passed, 3);
    assert_int_equal(st.rejected, 6);
    assert_int_equal(st.flagged, 1);
    assert_int_equal(st.by_rule[NX_RULE_NONPOSITIVE], 2);
    assert_string_equal(nx_rule_name(NX_RULE_DUPLICATE), "duplicate_id");
    nx_validator_free(v);
}

static void a_sort_window_reorders_late_rows_and_rejects_older_ones(void **state) {
    (void)state;
    nx_validate_opts_t o;
    nx_validate_opts_default(&o);
    o.sort_window_ns = 100;
    sink_t out = {0};
    qlog_t q = {0};
    nx_validator_t *v;
    assert_int_equal(nx_validator_new(&o, sink, &out, qsink, &q, &v), 0);
    static const int64_t ts[] = {1000, 1050, 1020, 1200, 1090, 1100, 1301};
    nx_event_t e;
    for (size_t i = 0; i < NX_ARRAY_LEN(ts); i++) {
        trade(&e, ts[i], 100, 1, i + 1);
        assert_int_equal(nx_validator_push(v, &e.h), 0);
    }
    assert_int_equal(nx_validator_flush(v), 0);
    /* 1090 arrived after 1200: 110 ns late, beyond the window: rejected */
    assert_int_equal(q.n, 1);
    assert_int_equal(q.rules[0], NX_RULE_BACKWARDS);
    static const int64_t want[] = {1000, 1020, 1050, 1100, 1200, 1301};
    assert_int_equal(out.n, NX_ARRAY_LEN(want));
    for (size_t i = 0; i < out.n; i++) assert_int_equal(out.ev[i].h.ts_recv, want[i]);
    nx_validator_free(v);
}

static void the_duplicate_window_forgets_old_ids_and_remembers_recent_ones(void **state) {
    (void)state;
    sink_t out = {0};
    qlog_t q = {0};
    nx_validator_t *v;
    nx_validate_opts_t o;
    nx_validate_opts_default(&o);
    o.max_jump_bp = 0;
    assert_int_equal(nx_validator_new(&o, sink, &out, qsink, &q, &v), 0);
    nx_event_t e;
    for (uint64_t id = 1; id <= 20000; id++) {
        trade(&e, (int64_t)id, 100, 1, id * 7919 % 100003 + 1); /* scattered ids */
        assert_int_equal(nx_validator_push(v, &e.h), 0);
    }
    assert_int_equal(q.n, 0);
    trade(&e, 30000, 100, 1, 20000ull * 7919 % 100003 + 1); /* the newest id again */
    assert_int_equal(nx_validator_push(v, &e.h), 0);
    assert_int_equal(q.n, 1);
    nx_validator_free(v);
}

/*
 * The duplicate rule against a naive model (an id among the 8,192 most
 * recent accepted ids), over streams that run in order, repeat recent and
 * old ids, go backwards and scatter: the set switches between its sorted
 * and hashed forms many times.
 */
static int count_dups(void *ctx, nx_rule_t rule, int rejected, const nx_event_hdr_t *ev,
                      const char *detail) {
    (void)ev;
    (void)detail;
    assert_int_equal(rule, NX_RULE_DUPLICATE);
    assert_true(rejected);
    ++*(uint64_t *)ctx;
    return 0;
}
static int drop(void *ctx, const nx_event_hdr_t *ev) {
    (void)ctx;
    (void)ev;
    return 0;
}

static void the_duplicate_rule_matches_a_naive_window_of_recent_ids(void **state) {
    (void)state;
    enum { W = 8192, N = 60000 };
    static uint64_t win[W];
    size_t wn = 0, wh = 0;
    uint64_t dups = 0, expect = 0;
    nx_validator_t *v;
    nx_validate_opts_t o;
    nx_validate_opts_default(&o);
    o.max_jump_bp = 0;
    assert_int_equal(nx_validator_new(&o, drop, NULL, count_dups, &dups, &v), 0);
    nx_rng_t r;
    nx_rng_seed(&r, 77);
    uint64_t id = 1000;
    nx_event_t e;
    for (int i = 0; i < N; i++) {
        uint64_t mode = nx_rng_below(&r, 100), x;
        /* ordered with repeats of recent ids (rejected, so the window stays
         * ordered) and rare steps back; mixed; ordered only */
        int phase = (i / 5000) % 3;
        if (phase == 0 && mode >= 90 && wn) x = win[(wh + wn - 1 - nx_rng_below(&r, wn)) % W];
        else if (phase == 0 && mode == 89) x = id - nx_rng_below(&r, 3000);
        else if (phase != 1 || mode < 80) x = id += 1 + nx_rng_below(&r, 4) / 3;
        else if (mode < 88 && wn) x = win[(wh + wn - 1 - nx_rng_below(&r, wn)) % W]; /* recent */
        else if (mode < 92) x = id > 20000 ? id - 9000 - nx_rng_below(&r, 5000) : 1; /* old */
        else if (mode < 96) x = id - nx_rng_below(&r, 50); /* a little back */
        else x = 1 + nx_rng_below(&r, id + 100);
        int seen = 0;
        for (size_t k = 0; k < wn && !seen; k++) seen = win[k] == x;
        if (seen) expect++;
        else {
            if (wn == W) {
                win[wh] = x;
                wh = (wh + 1) % W;
            } else {
                win[(wh + wn++) % W] = x;
            }
        }
        trade(&e, 1000 + i, 100, 1, x);
        assert_int_equal(nx_validator_push(v, &e.h), 0);
        if (dups != expect) {
            fprintf(stderr, "row %d id %llu: %llu duplicates, the model says %llu\n", i,
                    (unsigned long long)x, (unsigned long long)dups, (unsigned long long)expect);
            fail();
        }
    }
    assert_true(expect > 1000);
    nx_validator_free(v);
}

static void the_line_reader_reads_plain_gzip_and_zip_alike(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("lines");
    char p[600], cmd[1400];
    snprintf(p, sizeof p, "%s/a.csv", dir);
    nx_test_write_file(p, "l1\r\nl2\n\nl4", 10);
    snprintf(cmd, sizeof cmd, "cd %s && gzip -k a.csv && cp a.csv b.csv && zip -q c.zip a.csv b.csv", dir);
    int have_zip = nx_test_system("command -v zip >/dev/null") == 0;
    if (!have_zip) snprintf(cmd, sizeof cmd, "cd %s && gzip -k a.csv", dir);
    assert_int_equal(nx_test_system("%s", cmd), 0);
    const char *names[] = {"a.csv", "a.csv.gz", "c.zip"};
    for (int f = 0; f < (have_zip ? 3 : 2); f++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[f]);
        nx_line_reader_t *r;
        assert_int_equal(nx_line_reader_open(p, &r), 0);
        const char *l;
        size_t n;
        int lines = 0;
        static const char *want[] = {"l1", "l2", "", "l4"};
        while (nx_line_reader_next(r, &l, &n) == 0) {
            assert_int_equal(n, strlen(want[lines % 4]));
            assert_memory_equal(l, want[lines % 4], n);
            lines++;
        }
        assert_int_equal(lines, f == 2 ? 8 : 4); /* the zip holds two files */
        if (f == 2) assert_string_equal(nx_line_reader_entry(r), "b.csv");
        nx_line_reader_close(r);
    }
    /* a truncated gzip is an error naming the file, not a silent short read */
    snprintf(cmd, sizeof cmd, "cd %s && head -c 20 a.csv.gz > t.csv.gz", dir);
    assert_int_equal(nx_test_system("%s", cmd), 0);
    snprintf(p, sizeof p, "%s/t.csv.gz", dir);
    nx_line_reader_t *r;
    assert_int_equal(nx_line_reader_open(p, &r), 0);
    const char *l;
    size_t n;
    int rc;
    while ((rc = nx_line_reader_next(r, &l, &n)) == 0) {
    }
    assert_int_equal(rc, NX_ECORRUPT);
    assert_non_null(strstr(nx_err_message(), "t.csv.gz"));
    nx_line_reader_close(r);
    snprintf(p, sizeof p, "%s/missing.csv", dir);
    assert_int_equal(nx_line_reader_open(p, &r), NX_EIO);
    nx_test_rmdir(dir);
}

/* ---- bars -------------------------------------------------------------- */

typedef struct {
    nx_ev_bar_t bar[4096];
    size_t n;
} bars_t;

static int bar_sink(void *ctx, const nx_event_hdr_t *ev) {
    bars_t *b = ctx;
    assert_int_equal(ev->type, NX_EV_BAR);
    if (b->n < 4096) memcpy(&b->bar[b->n], ev, sizeof(nx_ev_bar_t));
    b->n++;
    return NX_OK;
}

static void mk_trade(nx_ev_trade_t *t, int64_t ts, int64_t px, int64_t qty) {
    nx_event_init((nx_event_t *)(void *)t, NX_EV_TRADE);
    t->h.ts_recv = t->h.ts_venue = ts;
    t->price = px;
    t->qty = qty;
    t->price_scale = 2;
    t->qty_scale = 3;
}

static void time_bars_align_to_utc_and_publish_at_their_close(void **state) {
    (void)state;
    bars_t out = {0};
    nx_bar_builder_t b;
    assert_int_equal(nx_bar_builder_init(&b, NX_BARS_TIME, NX_NS_PER_MIN, bar_sink, &out), 0);
    nx_ev_trade_t t;
    int64_t m0 = 1723161240LL * NX_NS_PER_SEC; /* 23:54:00 */
    mk_trade(&t, m0 + 15 * NX_NS_PER_SEC, 100, 1);
    assert_int_equal(nx_bar_builder_trade(&b, &t), 0);
    mk_trade(&t, m0 + 20 * NX_NS_PER_SEC, 105, 2);
    assert_int_equal(nx_bar_builder_trade(&b, &t), 0);
    mk_trade(&t, m0 + 59 * NX_NS_PER_SEC, 98, 3);
    assert_int_equal(nx_bar_builder_trade(&b, &t), 0);
    assert_int_equal(out.n, 0);
    assert_int_equal(nx_bar_builder_close_until(&b, m0 + 59 * NX_NS_PER_SEC), 0);
    assert_int_equal(out.n, 0); /* not over yet */
    assert_int_equal(nx_bar_builder_close_until(&b, m0 + NX_NS_PER_MIN), 0);
    assert_int_equal(out.n, 1);
    nx_ev_bar_t *x = &out.bar[0];
    assert_int_equal(x->h.ts_venue, m0);
    assert_int_equal(x->h.ts_recv, m0 + NX_NS_PER_MIN);
    assert_int_equal(x->open, 100);
    assert_int_equal(x->high, 105);
    assert_int_equal(x->low, 98);
    assert_int_equal(x->close, 98);
    assert_int_equal(x->volume, 6);
    assert_int_equal(x->trades, 3);
    /* a gap of two minutes gives no empty bars; a later trade closes the open one */
    mk_trade(&t, m0 + 3 * NX_NS_PER_MIN + 1, 99, 1);
    assert_int_equal(nx_bar_builder_trade(&b, &t), 0);
    mk_trade(&t, m0 + 4 * NX_NS_PER_MIN, 97, 1);
    assert_int_equal(nx_bar_builder_trade(&b, &t), 0);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.bar[1].h.ts_venue, m0 + 3 * NX_NS_PER_MIN);
    assert_int_equal(nx_bar_builder_flush(&b), 0);
    assert_int_equal(out.n, 3);
    /* spans must divide the day */
    assert_int_equal(nx_bar_builder_init(&b, NX_BARS_TIME, 7 * NX_NS_PER_SEC, bar_sink, &out), NX_EINVAL);
    assert_int_equal(nx_bar_builder_init(&b, NX_BARS_TIME, 2 * NX_NS_PER_DAY, bar_sink, &out), NX_EINVAL);
    assert_int_equal(nx_bar_builder_init(&b, NX_BARS_TIME, NX_NS_PER_DAY, bar_sink, &out), 0);
}

static void tick_volume_and_dollar_bars_close_on_their_threshold(void **state) {
    (void)state;
    bars_t tick = {0}, vol = {0}, dol = {0};
    nx_bar_builder_t bt, bv, bd;
    assert_int_equal(nx_bar_builder_init(&bt, NX_BARS_TICK, 3, bar_sink, &tick), 0);
    assert_int_equal(nx_bar_builder_init(&bv, NX_BARS_VOLUME, 5000, bar_sink, &vol), 0); /* 5.000 */
    assert_int_equal(nx_bar_builder_init(&bd, NX_BARS_DOLLAR, 100000000, bar_sink, &dol), 0); /* 1000.00000 at scale 2+3 */
    nx_ev_trade_t t;
    for (int i = 0; i < 10; i++) {
        mk_trade(&t, 1000 + i, 10000 + i, 2000); /* 100.00 x 2.000 = 200 */
        assert_int_equal(nx_bar_builder_trade(&bt, &t), 0);
        assert_int_equal(nx_bar_builder_trade(&bv, &t), 0);
        assert_int_equal(nx_bar_builder_trade(&bd, &t), 0);
    }
    assert_int_equal(tick.n, 3);
    assert_int_equal(tick.bar[0].trades, 3);
    assert_int_equal(tick.bar[0].h.ts_venue, 1000);
    assert_int_equal(tick.bar[0].h.ts_recv, 1002);
    assert_int_equal(tick.bar[1].open, 10003);
    assert_int_equal(vol.n, 3); /* 3 trades of 2.000 reach 5.000 */
    assert_int_equal(vol.bar[0].volume, 6000);
    assert_int_equal(dol.n, 2); /* 5 trades of ~200 reach 1000 */
    assert_int_equal(dol.bar[0].trades, 5);
    assert_int_equal(nx_bar_builder_flush(&bt), 0);
    assert_int_equal(tick.n, 4);
    assert_int_equal(tick.bar[3].h.ts_recv, 1009);
}

static void resampled_bars_equal_bars_built_directly_from_trades(void **state) {
    (void)state;
    static bars_t m1, m5, direct;
    memset(&m1, 0, sizeof m1);
    memset(&m5, 0, sizeof m5);
    memset(&direct, 0, sizeof direct);
    nx_bar_builder_t b1, b5, bd;
    assert_int_equal(nx_bar_builder_init(&b1, NX_BARS_TIME, NX_NS_PER_MIN, bar_sink, &m1), 0);
    assert_int_equal(nx_bar_builder_init(&b5, NX_BARS_TIME, 5 * NX_NS_PER_MIN, bar_sink, &m5), 0);
    assert_int_equal(nx_bar_builder_init(&bd, NX_BARS_TIME, 5 * NX_NS_PER_MIN, bar_sink, &direct), 0);
    nx_rng_t r;
    nx_rng_seed(&r, 5);
    int64_t ts = 1723161240LL * NX_NS_PER_SEC, px = 100000;
    nx_ev_trade_t t;
    for (int i = 0; i < 20000; i++) {
        ts += (int64_t)nx_rng_below(&r, 3 * NX_NS_PER_SEC);
        px += (int64_t)nx_rng_below(&r, 21) - 10;
        mk_trade(&t, ts, px, 1 + (int64_t)nx_rng_below(&r, 1000));
        assert_int_equal(nx_bar_builder_trade(&b1, &t), 0);
        assert_int_equal(nx_bar_builder_trade(&bd, &t), 0);
    }
    assert_int_equal(nx_bar_builder_close_until(&b1, ts + 10 * NX_NS_PER_MIN), 0);
    assert_int_equal(nx_bar_builder_close_until(&bd, ts + 10 * NX_NS_PER_MIN), 0);
    for (size_t i = 0; i < m1.n; i++) assert_int_equal(nx_bar_builder_bar(&b5, &m1.bar[i]), 0);
    assert_int_equal(nx_bar_builder_close_until(&b5, ts + 10 * NX_NS_PER_MIN), 0);
    assert_true(direct.n > 100);
    assert_int_equal(m5.n, direct.n);
    for (size_t i = 0; i < direct.n; i++) {
        assert_int_equal(m5.bar[i].h.ts_venue, direct.bar[i].h.ts_venue);
        assert_int_equal(m5.bar[i].h.ts_recv, direct.bar[i].h.ts_recv);
        assert_int_equal(m5.bar[i].open, direct.bar[i].open);
        assert_int_equal(m5.bar[i].high, direct.bar[i].high);
        assert_int_equal(m5.bar[i].low, direct.bar[i].low);
        assert_int_equal(m5.bar[i].close, direct.bar[i].close);
        assert_int_equal(m5.bar[i].volume, direct.bar[i].volume);
        assert_int_equal(m5.bar[i].trades, direct.bar[i].trades);
    }
    /* a 7-minute bar cannot be made of 5-minute ones */
    nx_bar_builder_t b7;
    assert_int_equal(nx_bar_builder_init(&b7, NX_BARS_TIME, 10 * NX_NS_PER_MIN, bar_sink, &m5), 0);
    nx_ev_bar_t odd = m1.bar[0];
    odd.interval_ns = 3 * NX_NS_PER_MIN;
    assert_int_equal(nx_bar_builder_bar(&b7, &odd), NX_EINVAL);
}

/* The cheap stream-name kind must agree with the full parse on every line. */
static size_t check_line_kinds(const char *path) {
    nx_line_reader_t *r;
    if (nx_line_reader_open(path, &r) < 0) return 0;
    nx_data_msg_parser_t *p;
    assert_int_equal(nx_data_msg_parser_new(1000, &p), 0);
    size_t cap = NX_DATA_MSG_EVENTS(1000), known = 0;
    nx_event_t *evs = nx_calloc(cap, sizeof *evs);
    assert_non_null(evs);
    nx_data_stream_spec_t spec = {0, 0, 2, 8};
    const char *l;
    size_t n;
    while (nx_line_reader_next(r, &l, &n) == 0) {
        nx_data_msg_t m;
        nx_data_msg_kind_t k = nx_data_binance_line_kind(l, n);
        int rc = nx_data_parse_binance_line(p, l, n, &spec, evs, cap, &m);
        if (k == NX_MSG_NONE) continue;
        known++;
        if (rc == 0) assert_int_equal(k, m.kind);
    }
    nx_free(evs);
    nx_data_msg_parser_free(p);
    nx_line_reader_close(r);
    return known;
}

static void stream_names_tell_the_same_kind_as_the_full_parse(void **state) {
    (void)state;
    size_t known = check_line_kinds(nx_test_src_path("tests/data/binance_spot_btcusdt_20240808_head1500.jsonl"));
    assert_true(known >= 1400);
    const char *sh = getenv("NX_SHARED_DIR");
    char dir[1024], path[1200];
    snprintf(dir, sizeof dir, "%s", sh && *sh ? sh : nx_test_src_path("../shared"));
    static const char *const files[] = {"spot/btcusdt_20240808.jsonl.gz", "usdm/ethusdt_20240808.jsonl.gz",
                                        "cm/btcusd_perp_20240808.jsonl.gz"};
    for (size_t i = 0; i < NX_ARRAY_LEN(files); i++) {
        snprintf(path, sizeof path, "%s/data/binance_streams_hftbacktest/%s", dir, files[i]);
        size_t k = check_line_kinds(path);
        if (k == 0) print_message("shared capture %s absent: skipped\n", path);
    }
    assert_int_equal(nx_data_binance_line_kind("1 {\"stream\":\"x@depth", 20), NX_MSG_NONE);
    assert_int_equal(nx_data_binance_line_kind("123", 3), NX_MSG_NONE);
    assert_int_equal(nx_data_binance_line_kind("1 {\"stream\":\"btcusdt@trade\",", 28), NX_MSG_TRADE);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(binance_trade_rows_parse_exactly_with_ms_or_us_timestamps),
    NX_CASE(the_fast_binance_trade_parser_agrees_with_the_general_one),
    NX_CASE(bad_columns_are_named_and_nothing_is_emitted),
    NX_CASE(aggtrades_and_klines_follow_binance_public_data_layouts),
    NX_CASE(kraken_and_generic_csv_rows),
    NX_CASE(lean_ticks_use_the_session_date_and_new_york_time),
    NX_CASE(freqtrade_json_is_read_in_any_chunking),
    NX_CASE(each_validation_rule_rejects_or_flags_crafted_rows),
    NX_CASE(a_sort_window_reorders_late_rows_and_rejects_older_ones),
    NX_CASE(the_duplicate_window_forgets_old_ids_and_remembers_recent_ones),
    NX_CASE(the_duplicate_rule_matches_a_naive_window_of_recent_ids),
    NX_CASE(the_line_reader_reads_plain_gzip_and_zip_alike),
    NX_CASE(time_bars_align_to_utc_and_publish_at_their_close),
    NX_CASE(tick_volume_and_dollar_bars_close_on_their_threshold),
    NX_CASE(resampled_bars_equal_bars_built_directly_from_trades),
    NX_CASE(stream_names_tell_the_same_kind_as_the_full_parse),
};

NX_TEST_MAIN(cases)
