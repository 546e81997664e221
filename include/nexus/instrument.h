/*
 * nexus/instrument.h — tradable instruments and their registry.
 *
 * An instrument says how a venue trades one thing: its tick and lot sizes,
 * minimums, precisions, contract multiplier, currencies, default fees, and
 * for derivatives the expiry, strike and option type. Instruments are loaded
 * from YAML (see docs/instrument.md and examples/instruments.yaml):
 *
 *   instruments:
 *     - venue: binance
 *       symbol: BTCUSDT            # the venue's own symbol
 *       class: spot                # spot|perpetual|future|equity|fx|option
 *       base: BTC
 *       quote: USDT
 *       tick_size: "0.01"
 *       lot_size: "0.00001"
 *       min_notional: "5"
 *       maker_fee: "0.001"
 *       taker_fee: "0.001"
 *
 * Normalised names follow CCXT's unified symbols:
 *
 *   spot, equity, fx      BASE/QUOTE                     BTC/USDT, AAPL/USD, EUR/USD
 *   perpetual swap        BASE/QUOTE:SETTLE              BTC/USDT:USDT
 *   dated future          BASE/QUOTE:SETTLE-YYMMDD       BTC/USD:BTC-240927
 *   option                BASE/QUOTE:SETTLE-YYMMDD-STRIKE-C|P
 *                                                        BTC/USD:BTC-240927-60000-C
 *
 * `name` may be omitted (it is derived) and must match the derivation when
 * given. Ids are 0, 1, 2, ... in file order, so they are stable for a given
 * file and can be written into events and journals.
 *
 * nx_instrument_t is a plain record whose fields are public and read-only
 * once the registry is built. A registry is immutable after loading and may
 * be read from any number of threads.
 */
#ifndef NEXUS_INSTRUMENT_H
#define NEXUS_INSTRUMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nexus/config.h"
#include "nexus/core.h"
#include "nexus/decimal.h"
#include "nexus/time.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nx_asset_class {
    NX_ASSET_SPOT = 0,
    NX_ASSET_PERPETUAL, /* perpetual swap: no expiry, funding */
    NX_ASSET_FUTURE,    /* dated future: expiry */
    NX_ASSET_EQUITY,
    NX_ASSET_FX,
    NX_ASSET_OPTION     /* expiry, strike, call/put */
} nx_asset_class_t;

typedef enum nx_option_type {
    NX_OPTION_NONE = 0,
    NX_OPTION_CALL,
    NX_OPTION_PUT
} nx_option_type_t;

/* "spot", "perpetual", ...; "?" for unknown values. */
NX_API const char *nx_asset_class_name(nx_asset_class_t c);

#define NX_INSTRUMENT_VENUE_MAX 32   /* bytes incl. NUL */
#define NX_INSTRUMENT_SYMBOL_MAX 64
#define NX_INSTRUMENT_NAME_MAX 96
#define NX_INSTRUMENT_CCY_MAX 16

typedef struct nx_instrument {
    uint32_t id;                               /* index in the registry, file order */
    nx_asset_class_t asset_class;
    char venue[NX_INSTRUMENT_VENUE_MAX];       /* CCXT exchange id: "binance", "kraken" */
    char symbol[NX_INSTRUMENT_SYMBOL_MAX];     /* venue symbol: "BTCUSDT", "XXBTZUSD" */
    char name[NX_INSTRUMENT_NAME_MAX];         /* normalised: "BTC/USDT:USDT" */
    char base[NX_INSTRUMENT_CCY_MAX];
    char quote[NX_INSTRUMENT_CCY_MAX];
    char settle[NX_INSTRUMENT_CCY_MAX];        /* = quote for spot, equity, fx */
    nx_price_t tick_size;                      /* > 0 */
    nx_qty_t lot_size;                         /* > 0 */
    nx_qty_t min_qty;                          /* > 0; defaults to lot_size */
    nx_money_t min_notional;                   /* >= 0, in quote currency; 0 = none */
    uint8_t price_precision;                   /* scale of prices, >= tick's scale */
    uint8_t size_precision;                    /* scale of quantities, >= lot's scale */
    nx_dec_t multiplier;                       /* contract size; 1 for spot */
    nx_dec_t maker_fee;                        /* fraction: 0.001 = 10 bp; < 0 is a rebate */
    nx_dec_t taker_fee;
    bool has_expiry;
    nx_ts_t expiry;                            /* futures and options */
    nx_price_t strike;                         /* options */
    nx_option_type_t option_type;              /* options */
} nx_instrument_t;

/* ------------------------------------------------------------------------- */
/* Registry                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct nx_instruments nx_instruments_t;

/* Hard ceiling on instruments per registry. */
#define NX_INSTRUMENTS_MAX 1000000u

/*
 * Load a registry from a YAML file with a top-level `instruments:` list.
 * Every problem is reported (schema problems, inconsistent names and
 * precisions, duplicate (venue, symbol) or (venue, name) pairs with the line
 * of the first definition). Returns 0 and a registry the caller frees with
 * nx_instruments_free; NX_ECONFIG with diagnostics (diags may be NULL);
 * NX_ENOMEM.
 */
NX_API int nx_instruments_load(const char *path, nx_cfg_diags_t *diags, nx_instruments_t **out);
/* Same from memory; name labels the diagnostics. */
NX_API int nx_instruments_load_mem(const char *name, const void *data, size_t len,
                                   nx_cfg_diags_t *diags, nx_instruments_t **out);
/* Same from an already parsed document (node NULL = its root). */
NX_API int nx_instruments_from_doc(const nx_cfg_doc_t *doc, const nx_cfg_node_t *node,
                                   nx_cfg_diags_t *diags, nx_instruments_t **out);
NX_API void nx_instruments_free(nx_instruments_t *reg);

NX_API size_t nx_instruments_count(const nx_instruments_t *reg);
/* Instrument by id, or NULL when id >= count. Borrowed; valid until free. */
NX_API const nx_instrument_t *nx_instruments_get(const nx_instruments_t *reg, uint32_t id);
/* By venue and venue symbol ("binance", "BTCUSDT"): 0 or NX_ENOTFOUND. O(log n). */
NX_API int nx_instruments_find(const nx_instruments_t *reg, const char *venue,
                               const char *symbol, const nx_instrument_t **out);
/* By venue and normalised name ("kraken", "BTC/USD"): 0 or NX_ENOTFOUND. O(log n). */
NX_API int nx_instruments_find_name(const nx_instruments_t *reg, const char *venue,
                                    const char *name, const nx_instrument_t **out);

/* The schema of one `instruments:` entry (for docs and nx_cfg_dump of keys). */
NX_API const nx_cfg_schema_t *nx_instrument_schema(void);
/* nx_cfg_schema_check() of the instruments file schema against its private
 * record struct (for tests): 0 or NX_EINVAL. */
NX_API int nx_instrument_schema_check(void);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/*
 * Derive the CCXT-style name from class, base, quote, settle, expiry, strike
 * and option type into buf[cap]. NX_EINVAL if a derivative lacks a field,
 * NX_ERANGE if it does not fit.
 */
NX_API int nx_instrument_format_name(const nx_instrument_t *inst, char *buf, size_t cap);

/*
 * Round a price to the tick (a quantity to the lot) with `mode`; the result
 * is at the instrument's price (size) precision. NX_EINEXACT under
 * NX_ROUND_EXACT when not on the grid; NX_EOVERFLOW.
 */
NX_API int nx_instrument_round_price(const nx_instrument_t *inst, nx_price_t price,
                                     nx_round_t mode, nx_price_t *out);
NX_API int nx_instrument_round_qty(const nx_instrument_t *inst, nx_qty_t qty, nx_round_t mode,
                                   nx_qty_t *out);

/*
 * Notional = price x qty x multiplier in the quote currency, formed with a
 * 128-bit intermediate (nx_dec_mul). Exact at scale price.s + qty.s +
 * multiplier.s when that is <= 18 and fits int64; otherwise rounded half-even
 * at the largest scale that fits, never below the instrument's price
 * precision (NX_EOVERFLOW past that).
 */
NX_API int nx_instrument_notional(const nx_instrument_t *inst, nx_price_t price, nx_qty_t qty,
                                  nx_money_t *out);

/*
 * Exchange filters for a limit order. Expected outcomes, not errors: each
 * value names the first rule the order breaks, checked in this order.
 */
typedef enum nx_order_check {
    NX_ORDER_OK = 0,
    NX_ORDER_BAD_PRICE,          /* price <= 0 */
    NX_ORDER_BAD_QTY,            /* qty <= 0 */
    NX_ORDER_OFF_TICK,           /* price not a multiple of tick_size */
    NX_ORDER_OFF_LOT,            /* qty not a multiple of lot_size */
    NX_ORDER_BELOW_MIN_QTY,      /* qty < min_qty */
    NX_ORDER_BELOW_MIN_NOTIONAL, /* price x qty x multiplier < min_notional */
    NX_ORDER_TOO_LARGE           /* notional does not fit an int64 decimal */
} nx_order_check_t;

/* "ok", "bad_price", "off_tick", "below_min_notional", ... */
NX_API const char *nx_order_check_name(nx_order_check_t c);
NX_API nx_order_check_t nx_instrument_check_order(const nx_instrument_t *inst, nx_price_t price,
                                                  nx_qty_t qty);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_INSTRUMENT_H */
