/*
 * libFuzzer: bytes as a YAML document through every config path: the Nexus
 * config (load + validate + print), the instruments registry (load, lookups,
 * helpers) and a schema with every value type. Must never crash, and every
 * byte taken from nx_malloc must be given back (checked per input).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/config.h"
#include "nexus/instrument.h"

typedef struct fz_all {
    char s[8];
    int64_t i;
    int8_t i8;
    uint16_t u16;
    uint64_t bytes;
    nx_dec_t d;
    double f;
    bool b;
    int64_t dur;
    nx_ts_t ts;
    int e;
    nx_cfg_list_t list;
    nx_cfg_list_t strs;
} fz_all_t;

static const char *const fz_words[] = {"a", "bb", "ccc", NULL};
static const nx_cfg_field_t fz_str_elem = {.type = NX_CFG_STRING, .size = 4};
static const nx_cfg_field_t fz_fields[] = {
    {.key = "s", .type = NX_CFG_STRING, NX_CFG_AT(fz_all_t, s), .flags = NX_CFG_NONEMPTY},
    {.key = "i", .type = NX_CFG_INT, NX_CFG_AT(fz_all_t, i), .min = "-100", .max = "100"},
    {.key = "i8", .type = NX_CFG_INT, NX_CFG_AT(fz_all_t, i8)},
    {.key = "u16", .type = NX_CFG_UINT, NX_CFG_AT(fz_all_t, u16), .flags = NX_CFG_POW2},
    {.key = "bytes", .type = NX_CFG_UINT, NX_CFG_AT(fz_all_t, bytes), .flags = NX_CFG_BYTES},
    {.key = "d", .type = NX_CFG_DECIMAL, NX_CFG_AT(fz_all_t, d), .flags = NX_CFG_POSITIVE,
     .max = "1e6"},
    {.key = "f", .type = NX_CFG_FLOAT, NX_CFG_AT(fz_all_t, f), .min = "-1", .max = "1"},
    {.key = "b", .type = NX_CFG_BOOL, NX_CFG_AT(fz_all_t, b), .def = "on"},
    {.key = "dur", .type = NX_CFG_DURATION, NX_CFG_AT(fz_all_t, dur), .max = "1d"},
    {.key = "ts", .type = NX_CFG_TIMESTAMP, NX_CFG_AT(fz_all_t, ts)},
    {.key = "e", .type = NX_CFG_ENUM, NX_CFG_AT(fz_all_t, e), .words = fz_words},
    {.key = "strs", .type = NX_CFG_LIST, NX_CFG_AT(fz_all_t, strs), .elem = &fz_str_elem,
     .max = "5"},
};
static const nx_cfg_schema_t fz_leaf = NX_CFG_SCHEMA("leaf", fz_fields, NULL);
static const nx_cfg_field_t fz_elem = {.type = NX_CFG_MAP, .size = sizeof(fz_all_t),
                                       .sub = &fz_leaf};
typedef struct fz_top {
    fz_all_t one;
    nx_cfg_list_t many;
} fz_top_t;
static const nx_cfg_field_t fz_top_fields[] = {
    {.key = "one", .type = NX_CFG_MAP, NX_CFG_AT(fz_top_t, one), .sub = &fz_leaf},
    {.key = "many", .type = NX_CFG_LIST, NX_CFG_AT(fz_top_t, many), .elem = &fz_elem},
};
static const nx_cfg_schema_t fz_top = NX_CFG_SCHEMA("top", fz_top_fields, NULL);

static FILE *fz_null(void) {
    static FILE *f;
    if (!f) f = fopen("/dev/null", "w");
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nx_alloc_stats_t before, after;
    nx_alloc_stats(&before);
    nx_cfg_diags_t *d = NULL;
    if (nx_cfg_diags_new(&d) == 0) {
        static nx_config_t cfg;
        if (nx_config_load_mem("fuzz.yaml", data, size, d, &cfg) == 0) {
            if (fz_null()) nx_config_print(&cfg, fz_null());
            nx_config_close(&cfg);
        }
        if (fz_null()) nx_cfg_diags_print(d, fz_null());
        nx_cfg_diags_clear(d);

        nx_instruments_t *reg = NULL;
        if (nx_instruments_load_mem("fuzz.yaml", data, size, d, &reg) == 0) {
            for (uint32_t i = 0; i < nx_instruments_count(reg); i++) {
                const nx_instrument_t *in = nx_instruments_get(reg, i), *hit;
                if (nx_instruments_find(reg, in->venue, in->symbol, &hit) != 0 || hit->id != i)
                    abort();
                if (nx_instruments_find_name(reg, in->venue, in->name, &hit) != 0) abort();
                nx_dec_t r, n;
                (void)nx_instrument_round_price(in, in->tick_size, NX_ROUND_HALF_EVEN, &r);
                (void)nx_instrument_round_qty(in, in->min_qty, NX_ROUND_DOWN, &r);
                (void)nx_instrument_notional(in, in->tick_size, in->min_qty, &n);
                (void)nx_instrument_check_order(in, in->tick_size, in->min_qty);
            }
            nx_instruments_free(reg);
        }
        nx_cfg_diags_clear(d);

        nx_cfg_doc_t *doc = NULL;
        if (nx_cfg_doc_parse("fuzz.yaml", data, size, d, &doc) == 0) {
            fz_top_t top;
            if (nx_cfg_validate(doc, NULL, "fz", &fz_top, &top, sizeof top, d) == 0) {
                if (fz_null()) nx_cfg_dump(&fz_top, &top, fz_null());
                nx_cfg_release(&fz_top, &top);
            }
            nx_cfg_doc_free(doc);
        }
        nx_cfg_diags_free(d);
    }
    nx_alloc_stats(&after);
    if (after.bytes != before.bytes) {
        fprintf(stderr, "fuzz_config: leaked %lld bytes\n", (long long)(after.bytes - before.bytes));
        abort();
    }
    return 0;
}
