/*
 * bench_decimal — decimal parse / format throughput on realistic market text.
 *
 * Figures (values/s, best of nx_bench_reps() runs of ~0.2 s each):
 *   decimal_parse         nx_dec_parse (scale as written)
 *   decimal_parse_scaled  nx_dec_parse_scaled into each field's instrument scale
 *   decimal_format        nx_dec_format (exact scale)
 *
 * The input mixes what importers see: BTC prices with 2 decimals, 8-decimal
 * quantities, 1e-8 token prices, trillion-unit token quantities, a few
 * negatives (PnL, funding) and short values.
 */
#include <stdio.h>
#include <string.h>

#include "nexus/decimal.h"
#include "nexus/time.h"
#include "nx_bench.h"

#define NVALS 4096 /* fits L1/L2 so the figure is the parser, not the memory system */
#define RUN_SECS 0.2

typedef struct {
    char text[NX_DEC_STRLEN];
    size_t len;
    uint8_t scale; /* the instrument scale the field would be parsed into */
} field_t;

static field_t fields[NVALS];
static nx_dec_t values[NVALS];

static void make_field(nx_rng_t *r, field_t *f) {
    nx_dec_t d;
    switch (nx_rng_below(r, 8)) {
    case 0: /* BTC price: 60000.00 .. 120000.00 */
    case 1:
        d = nx_dec_make((int64_t)(6000000 + nx_rng_below(r, 6000000)), 2);
        f->scale = 2;
        break;
    case 2: /* BTC quantity, 8 decimals, mostly small */
    case 3:
        d = nx_dec_make((int64_t)nx_rng_below(r, 300000000), 8);
        f->scale = 8;
        break;
    case 4: /* alt price with 1 decimal, e.g. 23456.7 */
        d = nx_dec_make((int64_t)nx_rng_below(r, 1000000), 1);
        f->scale = 2;
        break;
    case 5: /* token price around 1e-8 .. 1e-5 */
        d = nx_dec_make((int64_t)(1 + nx_rng_below(r, 1000)), 8);
        f->scale = 8;
        break;
    case 6: /* token quantity in the trillions, integer */
        d = nx_dec_make((int64_t)nx_rng_below(r, 5000000000000ull), 0);
        f->scale = 0;
        break;
    default: /* signed PnL / funding, e.g. -12.5 */
        d = nx_dec_make((int64_t)nx_rng_below(r, 20000) - 10000, 1);
        f->scale = 4;
        break;
    }
    f->len = nx_dec_format_trim(d, f->text);
}

static double bench_parse(void) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        uint64_t n = 0, sink = 0;
        int64_t t0 = nx_mono_now();
        double secs;
        do {
            for (int i = 0; i < NVALS; i++) {
                nx_dec_t d;
                if (nx_dec_parse(fields[i].text, fields[i].len, &d) == 0) sink += (uint64_t)d.m;
            }
            n += NVALS;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_bench_sink(sink);
        if ((double)n / secs > best) best = (double)n / secs;
    }
    return best;
}

static double bench_parse_scaled(void) {
    double best = 0;
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        uint64_t n = 0, sink = 0;
        int64_t t0 = nx_mono_now();
        double secs;
        do {
            for (int i = 0; i < NVALS; i++) {
                int64_t m;
                if (nx_dec_parse_scaled(fields[i].text, fields[i].len, fields[i].scale,
                                        NX_ROUND_HALF_EVEN, &m) == 0)
                    sink += (uint64_t)m;
            }
            n += NVALS;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_bench_sink(sink);
        if ((double)n / secs > best) best = (double)n / secs;
    }
    return best;
}

static double bench_format(void) {
    double best = 0;
    char buf[NX_DEC_STRLEN];
    for (int rep = 0; rep < nx_bench_reps(); rep++) {
        uint64_t n = 0, sink = 0;
        int64_t t0 = nx_mono_now();
        double secs;
        do {
            for (int i = 0; i < NVALS; i++) {
                size_t len = nx_dec_format(values[i], buf);
                sink += len + (unsigned char)buf[len - 1];
            }
            n += NVALS;
        } while ((secs = nx_bench_secs(t0)) < RUN_SECS);
        nx_bench_sink(sink);
        if ((double)n / secs > best) best = (double)n / secs;
    }
    return best;
}

int main(void) {
    nx_rng_t r;
    nx_rng_seed(&r, 20261121);
    for (int i = 0; i < NVALS; i++) {
        make_field(&r, &fields[i]);
        if (nx_dec_parse(fields[i].text, fields[i].len, &values[i]) != 0) {
            fprintf(stderr, "bench_decimal: cannot parse own input '%s': %s\n", fields[i].text,
                    nx_err_detail());
            return 1;
        }
    }
    nx_bench_emit("decimal_parse", bench_parse(), "values/s");
    nx_bench_emit("decimal_parse_scaled", bench_parse_scaled(), "values/s");
    nx_bench_emit("decimal_format", bench_format(), "values/s");
    return 0;
}
