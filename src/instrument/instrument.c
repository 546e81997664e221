/*
 * Instruments (nexus/instrument.h): the YAML schema of one entry, the
 * registry built from a validated list, and the price/quantity helpers.
 *
 * Loading is two passes over the same document: the config validator fills
 * one record per entry (types, ranges, required keys, and the per-entry
 * check below for cross-field rules), then the registry pass rejects
 * duplicate (venue, symbol) and (venue, name) pairs using the entries' file
 * positions. Lookups are binary searches over two sorted index arrays: no
 * hashing, so nothing depends on addresses and the order is reproducible.
 */
#include <stdlib.h>
#include <string.h>

#include "nexus/instrument.h"

/* One YAML entry: the instrument plus what the validator needs around it. */
typedef struct nx__rec {
    nx_instrument_t i;
    int asset_class;   /* enum index: nx__classes */
    int option_type;   /* enum index: nx__option_types (call=0, put=1) */
    bool has_name, has_settle, has_min_qty, has_price_prec, has_size_prec;
    bool has_expiry, has_strike, has_option_type;
} nx__rec_t;

typedef struct nx__file {
    nx_cfg_list_t instruments;
} nx__file_t;

struct nx_instruments {
    nx_instrument_t *v;
    size_t n;
    const nx_instrument_t **by_symbol; /* sorted by (venue, symbol) */
    const nx_instrument_t **by_name;   /* sorted by (venue, name) */
};

static const char *const nx__classes[] = {"spot", "perpetual", "future", "equity",
                                          "fx",   "option",    NULL};
static const char *const nx__option_types[] = {"call", "put", NULL};

const char *nx_asset_class_name(nx_asset_class_t c) {
    return (unsigned)c < NX_ARRAY_LEN(nx__classes) - 1 ? nx__classes[c] : "?";
}

/* ------------------------------------------------------------------------- */
/* Schema                                                                    */
/* ------------------------------------------------------------------------- */

static int nx__check_entry(nx_cfg_check_t *ck, void *obj);

#define NX__FEE_RANGE .min = "-0.01", .max = "0.1", .def = "0"

static const nx_cfg_field_t nx__inst_fields[] = {
    {.key = "venue", .type = NX_CFG_STRING, NX_CFG_AT(nx__rec_t, i.venue),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY, .help = "CCXT exchange id, lower case"},
    {.key = "symbol", .type = NX_CFG_STRING, NX_CFG_AT(nx__rec_t, i.symbol),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY, .help = "the venue's own symbol"},
    {.key = "name", .type = NX_CFG_STRING, NX_CFG_AT(nx__rec_t, i.name),
     .present = NX_CFG_PRESENT(nx__rec_t, has_name), .help = "CCXT unified symbol (derived)"},
    {.key = "class", .type = NX_CFG_ENUM, NX_CFG_AT(nx__rec_t, asset_class),
     .flags = NX_CFG_REQUIRED, .words = nx__classes, .help = "asset class"},
    {.key = "base", .type = NX_CFG_STRING, NX_CFG_AT(nx__rec_t, i.base),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY},
    {.key = "quote", .type = NX_CFG_STRING, NX_CFG_AT(nx__rec_t, i.quote),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY},
    {.key = "settle", .type = NX_CFG_STRING, NX_CFG_AT(nx__rec_t, i.settle),
     .present = NX_CFG_PRESENT(nx__rec_t, has_settle),
     .help = "settlement currency; required for derivatives"},
    {.key = "tick_size", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.tick_size),
     .flags = NX_CFG_REQUIRED | NX_CFG_POSITIVE},
    {.key = "lot_size", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.lot_size),
     .flags = NX_CFG_REQUIRED | NX_CFG_POSITIVE},
    {.key = "min_qty", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.min_qty),
     .flags = NX_CFG_POSITIVE, .present = NX_CFG_PRESENT(nx__rec_t, has_min_qty),
     .help = "defaults to lot_size"},
    {.key = "min_notional", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.min_notional),
     .min = "0", .def = "0"},
    {.key = "price_precision", .type = NX_CFG_UINT, NX_CFG_AT(nx__rec_t, i.price_precision),
     .max = "18", .present = NX_CFG_PRESENT(nx__rec_t, has_price_prec),
     .help = "defaults to tick_size's scale"},
    {.key = "size_precision", .type = NX_CFG_UINT, NX_CFG_AT(nx__rec_t, i.size_precision),
     .max = "18", .present = NX_CFG_PRESENT(nx__rec_t, has_size_prec),
     .help = "defaults to lot_size's scale"},
    {.key = "multiplier", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.multiplier),
     .flags = NX_CFG_POSITIVE, .def = "1"},
    {.key = "maker_fee", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.maker_fee), NX__FEE_RANGE},
    {.key = "taker_fee", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.taker_fee), NX__FEE_RANGE},
    {.key = "expiry", .type = NX_CFG_TIMESTAMP, NX_CFG_AT(nx__rec_t, i.expiry),
     .present = NX_CFG_PRESENT(nx__rec_t, has_expiry)},
    {.key = "strike", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx__rec_t, i.strike),
     .flags = NX_CFG_POSITIVE, .present = NX_CFG_PRESENT(nx__rec_t, has_strike)},
    {.key = "option_type", .type = NX_CFG_ENUM, NX_CFG_AT(nx__rec_t, option_type),
     .words = nx__option_types, .present = NX_CFG_PRESENT(nx__rec_t, has_option_type)},
};
static const nx_cfg_schema_t nx__inst_schema =
    NX_CFG_SCHEMA("instrument", nx__inst_fields, nx__check_entry);

static const nx_cfg_field_t nx__inst_elem = {.type = NX_CFG_MAP, .size = sizeof(nx__rec_t),
                                             .sub = &nx__inst_schema};
static const nx_cfg_field_t nx__file_fields[] = {
    {.key = "instruments", .type = NX_CFG_LIST, NX_CFG_AT(nx__file_t, instruments),
     .flags = NX_CFG_REQUIRED, .elem = &nx__inst_elem, .min = "1", .max = "1000000"},
};
static const nx_cfg_schema_t nx__file_schema =
    NX_CFG_SCHEMA("instruments file", nx__file_fields, NULL);

const nx_cfg_schema_t *nx_instrument_schema(void) { return &nx__inst_schema; }

int nx_instrument_schema_check(void) {
    return nx_cfg_schema_check(&nx__file_schema, sizeof(nx__file_t));
}

/* Scale once trailing fractional zeros are dropped: 0.010 -> 2. */
static uint8_t nx__eff_scale(nx_dec_t d) {
    int64_t m = d.m;
    uint8_t s = d.s;
    while (s > 0 && m % 10 == 0) {
        m /= 10;
        s--;
    }
    return s;
}

static int nx__is_venue(const char *s) {
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
              *s == '.'))
            return 0;
    return 1;
}

static int nx__is_ccy(const char *s) {
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.')) return 0;
    return 1;
}

static int nx__is_symbol(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f) return 0;
    return 1;
}

int nx_instrument_format_name(const nx_instrument_t *in, char *buf, size_t cap) {
    int n;
    switch (in->asset_class) {
    case NX_ASSET_SPOT:
    case NX_ASSET_EQUITY:
    case NX_ASSET_FX: n = snprintf(buf, cap, "%s/%s", in->base, in->quote); break;
    case NX_ASSET_PERPETUAL:
        if (!in->settle[0]) return NX_ERR(NX_EINVAL, "perpetual without settle currency");
        n = snprintf(buf, cap, "%s/%s:%s", in->base, in->quote, in->settle);
        break;
    case NX_ASSET_FUTURE:
    case NX_ASSET_OPTION: {
        if (!in->settle[0] || !in->has_expiry)
            return NX_ERR(NX_EINVAL, "%s without settle currency or expiry",
                          nx_asset_class_name(in->asset_class));
        nx_civil_t c;
        nx_time_to_civil(in->expiry, &c);
        int yy = ((c.year % 100) + 100) % 100;
        if (in->asset_class == NX_ASSET_FUTURE) {
            n = snprintf(buf, cap, "%s/%s:%s-%02d%02d%02d", in->base, in->quote, in->settle, yy,
                         c.month, c.day);
            break;
        }
        if (in->option_type == NX_OPTION_NONE || in->strike.m <= 0)
            return NX_ERR(NX_EINVAL, "option without strike or type");
        char k[NX_DEC_STRLEN];
        nx_dec_format_trim(in->strike, k);
        n = snprintf(buf, cap, "%s/%s:%s-%02d%02d%02d-%s-%c", in->base, in->quote, in->settle, yy,
                     c.month, c.day, k, in->option_type == NX_OPTION_CALL ? 'C' : 'P');
        break;
    }
    default: return NX_ERR(NX_EINVAL, "unknown asset class %d", (int)in->asset_class);
    }
    if (n < 0 || (size_t)n >= cap) return NX_ERR(NX_ERANGE, "instrument name too long");
    return NX_OK;
}

/* Cross-field rules for one entry; runs only when its fields are valid. */
static int nx__check_entry(nx_cfg_check_t *ck, void *obj) {
    nx__rec_t *r = obj;
    nx_instrument_t *in = &r->i;
    char d1[NX_DEC_STRLEN], d2[NX_DEC_STRLEN];
    int bad = 0;

    in->asset_class = (nx_asset_class_t)r->asset_class;
    in->option_type = r->has_option_type ? (nx_option_type_t)(r->option_type + 1) : NX_OPTION_NONE;
    in->has_expiry = r->has_expiry;
    int deriv = in->asset_class == NX_ASSET_PERPETUAL || in->asset_class == NX_ASSET_FUTURE ||
                in->asset_class == NX_ASSET_OPTION;
    int dated = in->asset_class == NX_ASSET_FUTURE || in->asset_class == NX_ASSET_OPTION;

    if (!nx__is_venue(in->venue)) {
        nx_cfg_check_error(ck, "venue", "must be a CCXT exchange id: lower-case letters, digits, "
                                        "'_', '-' or '.'");
        bad = 1;
    }
    if (!nx__is_symbol(in->symbol)) {
        nx_cfg_check_error(ck, "symbol", "must not contain spaces or control characters");
        bad = 1;
    }
    static const char *const ccy_keys[] = {"base", "quote", "settle"};
    const char *ccys[] = {in->base, in->quote, in->settle};
    for (size_t k = 0; k < 3; k++) {
        if (!nx__is_ccy(ccys[k])) {
            nx_cfg_check_error(ck, ccy_keys[k], "currency codes are upper-case letters, digits "
                                                "or '.' (e.g. BTC, USDT, 1000PEPE)");
            bad = 1;
        }
    }
    if (deriv && !r->has_settle) {
        nx_cfg_check_error(ck, "settle", "required for a %s", nx__classes[r->asset_class]);
        bad = 1;
    } else if (!deriv) {
        if (r->has_settle && strcmp(in->settle, in->quote) != 0) {
            nx_cfg_check_error(ck, "settle", "a %s settles in its quote currency %s, not %s",
                               nx__classes[r->asset_class], in->quote, in->settle);
            bad = 1;
        }
        memcpy(in->settle, in->quote, sizeof in->settle);
    }
    if (dated && !r->has_expiry) {
        nx_cfg_check_error(ck, "expiry", "required for a %s", nx__classes[r->asset_class]);
        bad = 1;
    } else if (!dated && r->has_expiry) {
        nx_cfg_check_error(ck, "expiry", "only futures and options expire");
        bad = 1;
    }
    if (in->asset_class == NX_ASSET_OPTION) {
        if (!r->has_strike) {
            nx_cfg_check_error(ck, "strike", "required for an option");
            bad = 1;
        }
        if (!r->has_option_type) {
            nx_cfg_check_error(ck, "option_type", "required for an option (call or put)");
            bad = 1;
        }
    } else {
        if (r->has_strike) {
            nx_cfg_check_error(ck, "strike", "only options have a strike");
            bad = 1;
        }
        if (r->has_option_type) {
            nx_cfg_check_error(ck, "option_type", "only options have an option type");
            bad = 1;
        }
    }

    uint8_t ts = nx__eff_scale(in->tick_size), ls = nx__eff_scale(in->lot_size);
    if (!r->has_price_prec) {
        in->price_precision = ts;
    } else if (in->price_precision < ts) {
        nx_dec_format_trim(in->tick_size, d1);
        nx_cfg_check_error(ck, "price_precision", "%u is too coarse for tick_size %s (needs >= %u)",
                           in->price_precision, d1, ts);
        bad = 1;
    }
    if (!r->has_size_prec) {
        in->size_precision = ls;
    } else if (in->size_precision < ls) {
        nx_dec_format_trim(in->lot_size, d1);
        nx_cfg_check_error(ck, "size_precision", "%u is too coarse for lot_size %s (needs >= %u)",
                           in->size_precision, d1, ls);
        bad = 1;
    }
    if (!r->has_min_qty) {
        in->min_qty = in->lot_size;
    } else if (!nx_dec_is_multiple(in->min_qty, in->lot_size)) {
        nx_dec_format_trim(in->min_qty, d1);
        nx_dec_format_trim(in->lot_size, d2);
        nx_cfg_check_error(ck, "min_qty", "%s is not a multiple of lot_size %s", d1, d2);
        bad = 1;
    }
    if (bad) return NX_OK;

    char want[NX_INSTRUMENT_NAME_MAX];
    if (nx_instrument_format_name(in, want, sizeof want) < 0) {
        nx_cfg_check_error(ck, "name", "cannot derive a name: %s", nx_err_message());
        return NX_OK;
    }
    if (!r->has_name) {
        memcpy(in->name, want, sizeof in->name);
    } else if (strcmp(in->name, want) != 0) {
        nx_cfg_check_error(ck, "name",
                           "\"%s\" does not match class, base, quote and settle (expected \"%s\")",
                           in->name, want);
    }
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Registry                                                                  */
/* ------------------------------------------------------------------------- */

static int nx__cmp_symbol(const void *a, const void *b) {
    const nx_instrument_t *x = *(const nx_instrument_t *const *)a;
    const nx_instrument_t *y = *(const nx_instrument_t *const *)b;
    int c = strcmp(x->venue, y->venue);
    if (!c) c = strcmp(x->symbol, y->symbol);
    if (!c) c = (x->id > y->id) - (x->id < y->id);
    return c;
}

static int nx__cmp_name(const void *a, const void *b) {
    const nx_instrument_t *x = *(const nx_instrument_t *const *)a;
    const nx_instrument_t *y = *(const nx_instrument_t *const *)b;
    int c = strcmp(x->venue, y->venue);
    if (!c) c = strcmp(x->name, y->name);
    if (!c) c = (x->id > y->id) - (x->id < y->id);
    return c;
}

void nx_instruments_free(nx_instruments_t *reg) {
    if (!reg) return;
    nx_free(reg->v);
    nx_free(reg->by_symbol);
    nx_free(reg->by_name);
    nx_free(reg);
}

/* Position of key `key` in list item i (or the item itself). */
static const nx_cfg_node_t *nx__item_key(const nx_cfg_node_t *list, uint32_t i, const char *key) {
    const nx_cfg_node_t *it = list->items[i];
    const nx_cfg_node_t *k = nx_cfg_map_get(it, key);
    return k ? k : it;
}

/*
 * Report entries of a sorted index that repeat (venue, symbol) or (venue,
 * name); ties are in id order, so a run's first element is the first
 * definition in the file. A name clash between entries whose symbols also
 * clash was already reported by the symbol pass.
 */
static int nx__dups(const nx_cfg_doc_t *doc, const nx_cfg_node_t *list,
                    const nx_instrument_t **idx, size_t n, int by_name, nx_cfg_diags_t *diags,
                    size_t *found) {
    const char *key = by_name ? "name" : "symbol";
    size_t run = 0;
    for (size_t k = 1; k < n; k++) {
        const nx_instrument_t *a = idx[run], *b = idx[k];
        const char *fa = by_name ? a->name : a->symbol, *fb = by_name ? b->name : b->symbol;
        if (strcmp(a->venue, b->venue) != 0 || strcmp(fa, fb) != 0) {
            run = k;
            continue;
        }
        if (by_name && strcmp(a->symbol, b->symbol) == 0) continue;
        const nx_cfg_node_t *first = nx__item_key(list, a->id, key);
        const nx_cfg_node_t *at = nx__item_key(list, b->id, key);
        char path[64];
        snprintf(path, sizeof path, "instruments[%u].%s", b->id, key);
        (*found)++;
        int rc = nx_cfg_diags_add(diags, nx_cfg_doc_name(doc), at->line, at->col, path,
                                  "duplicate instrument %s %s (first defined at %u:%u)", b->venue,
                                  fb, first->line, first->col);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

int nx_instruments_from_doc(const nx_cfg_doc_t *doc, const nx_cfg_node_t *node,
                            nx_cfg_diags_t *diags, nx_instruments_t **out) {
    nx__file_t file;
    if (!node) node = nx_cfg_doc_root(doc);
    int rc = nx_cfg_validate(doc, node, NULL, &nx__file_schema, &file, sizeof file, diags);
    if (rc < 0) return rc;
    size_t n = file.instruments.n;
    const nx__rec_t *recs = file.instruments.items;
    const nx_cfg_node_t *list = nx_cfg_map_get(node, "instruments");

    nx_instruments_t *reg = nx_calloc(1, sizeof *reg);
    if (reg) {
        reg->v = nx_calloc(n, sizeof *reg->v);
        reg->by_symbol = nx_calloc(n, sizeof *reg->by_symbol);
        reg->by_name = nx_calloc(n, sizeof *reg->by_name);
    }
    if (!reg || !reg->v || !reg->by_symbol || !reg->by_name) {
        nx_instruments_free(reg);
        nx_cfg_release(&nx__file_schema, &file);
        return NX_ERR(NX_ENOMEM, "%s: out of memory", nx_cfg_doc_name(doc));
    }
    reg->n = n;
    for (size_t k = 0; k < n; k++) {
        reg->v[k] = recs[k].i;
        reg->v[k].id = (uint32_t)k;
        reg->by_symbol[k] = &reg->v[k];
        reg->by_name[k] = &reg->v[k];
    }
    nx_cfg_release(&nx__file_schema, &file);
    qsort(reg->by_symbol, n, sizeof *reg->by_symbol, nx__cmp_symbol);
    qsort(reg->by_name, n, sizeof *reg->by_name, nx__cmp_name);

    size_t found = 0;
    rc = nx__dups(doc, list, reg->by_symbol, n, 0, diags, &found);
    if (rc == 0) rc = nx__dups(doc, list, reg->by_name, n, 1, diags, &found);
    if (rc == 0 && found)
        rc = NX_ERR(NX_ECONFIG, "%s: %zu duplicate instrument%s", nx_cfg_doc_name(doc), found,
                    found == 1 ? "" : "s");
    if (rc < 0) {
        nx_instruments_free(reg);
        return rc == NX_ENOMEM ? NX_ERR(NX_ENOMEM, "%s: out of memory", nx_cfg_doc_name(doc)) : rc;
    }
    *out = reg;
    return NX_OK;
}

int nx_instruments_load_mem(const char *name, const void *data, size_t len,
                            nx_cfg_diags_t *diags, nx_instruments_t **out) {
    nx_cfg_doc_t *doc;
    int rc = nx_cfg_doc_parse(name, data, len, diags, &doc);
    if (rc < 0) return rc;
    rc = nx_instruments_from_doc(doc, NULL, diags, out);
    nx_cfg_doc_free(doc);
    return rc;
}

int nx_instruments_load(const char *path, nx_cfg_diags_t *diags, nx_instruments_t **out) {
    nx_cfg_doc_t *doc;
    int rc = nx_cfg_doc_load(path, diags, &doc);
    if (rc < 0) return rc;
    rc = nx_instruments_from_doc(doc, NULL, diags, out);
    nx_cfg_doc_free(doc);
    return rc;
}

size_t nx_instruments_count(const nx_instruments_t *reg) { return reg ? reg->n : 0; }

const nx_instrument_t *nx_instruments_get(const nx_instruments_t *reg, uint32_t id) {
    return reg && id < reg->n ? &reg->v[id] : NULL;
}

static int nx__find(const nx_instruments_t *reg, const nx_instrument_t **idx, int by_name,
                    const char *venue, const char *key, const nx_instrument_t **out) {
    if (!reg || !venue || !key) return NX_EINVAL;
    size_t lo = 0, hi = reg->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const nx_instrument_t *m = idx[mid];
        int c = strcmp(m->venue, venue);
        if (!c) c = strcmp(by_name ? m->name : m->symbol, key);
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo < reg->n) {
        const nx_instrument_t *m = idx[lo];
        if (strcmp(m->venue, venue) == 0 && strcmp(by_name ? m->name : m->symbol, key) == 0) {
            *out = m;
            return NX_OK;
        }
    }
    return NX_ENOTFOUND;
}

int nx_instruments_find(const nx_instruments_t *reg, const char *venue, const char *symbol,
                        const nx_instrument_t **out) {
    return nx__find(reg, reg ? reg->by_symbol : NULL, 0, venue, symbol, out);
}

int nx_instruments_find_name(const nx_instruments_t *reg, const char *venue, const char *name,
                             const nx_instrument_t **out) {
    return nx__find(reg, reg ? reg->by_name : NULL, 1, venue, name, out);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static int nx__round_grid(nx_dec_t v, nx_dec_t step, uint8_t prec, nx_round_t mode,
                          nx_dec_t *out) {
    nx_dec_t r;
    int rc = nx_dec_round_to(v, step, mode, &r);
    if (rc < 0) return rc;
    /* On the grid, so digits beyond prec (>= the step's scale) are zeros. */
    return nx_dec_rescale(r, prec, NX_ROUND_EXACT, out);
}

int nx_instrument_round_price(const nx_instrument_t *inst, nx_price_t price, nx_round_t mode,
                              nx_price_t *out) {
    return nx__round_grid(price, inst->tick_size, inst->price_precision, mode, out);
}

int nx_instrument_round_qty(const nx_instrument_t *inst, nx_qty_t qty, nx_round_t mode,
                            nx_qty_t *out) {
    return nx__round_grid(qty, inst->lot_size, inst->size_precision, mode, out);
}

int nx_instrument_notional(const nx_instrument_t *inst, nx_price_t price, nx_qty_t qty,
                           nx_money_t *out) {
    nx_dec_t pm = price;
    int rc;
    if (!(inst->multiplier.m == 1 && inst->multiplier.s == 0)) {
        unsigned s = (unsigned)price.s + inst->multiplier.s;
        rc = nx_dec_mul(price, inst->multiplier, (uint8_t)(s > NX_DEC_MAX_SCALE ? NX_DEC_MAX_SCALE : s),
                        NX_ROUND_HALF_EVEN, &pm);
        if (rc < 0) return rc;
    }
    unsigned top = (unsigned)pm.s + qty.s;
    if (top > NX_DEC_MAX_SCALE) top = NX_DEC_MAX_SCALE;
    unsigned floor = inst->price_precision < top ? inst->price_precision : top;
    for (unsigned s = top;; s--) {
        rc = nx_dec_mul(pm, qty, (uint8_t)s, NX_ROUND_HALF_EVEN, out);
        if (rc != NX_EOVERFLOW || s == floor) break;
    }
    if (rc == 0) nx_err_clear(); /* earlier attempts may have left overflow detail */
    return rc;
}

const char *nx_order_check_name(nx_order_check_t c) {
    switch (c) {
    case NX_ORDER_OK: return "ok";
    case NX_ORDER_BAD_PRICE: return "bad_price";
    case NX_ORDER_BAD_QTY: return "bad_qty";
    case NX_ORDER_OFF_TICK: return "off_tick";
    case NX_ORDER_OFF_LOT: return "off_lot";
    case NX_ORDER_BELOW_MIN_QTY: return "below_min_qty";
    case NX_ORDER_BELOW_MIN_NOTIONAL: return "below_min_notional";
    case NX_ORDER_TOO_LARGE: return "too_large";
    }
    return "?";
}

nx_order_check_t nx_instrument_check_order(const nx_instrument_t *inst, nx_price_t price,
                                           nx_qty_t qty) {
    if (price.m <= 0) return NX_ORDER_BAD_PRICE;
    if (qty.m <= 0) return NX_ORDER_BAD_QTY;
    if (!nx_dec_is_multiple(price, inst->tick_size)) return NX_ORDER_OFF_TICK;
    if (!nx_dec_is_multiple(qty, inst->lot_size)) return NX_ORDER_OFF_LOT;
    if (nx_dec_cmp(qty, inst->min_qty) < 0) return NX_ORDER_BELOW_MIN_QTY;
    nx_money_t notional;
    if (nx_instrument_notional(inst, price, qty, &notional) < 0) return NX_ORDER_TOO_LARGE;
    if (inst->min_notional.m > 0 && nx_dec_cmp(notional, inst->min_notional) < 0)
        return NX_ORDER_BELOW_MIN_NOTIONAL;
    return NX_ORDER_OK;
}
