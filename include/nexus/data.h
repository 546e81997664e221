/*
 * nexus/data.h — market-data input: parsers of outside files into events.
 *
 * This first part reads Binance public-data trade CSV rows
 * (data.binance.vision "trades" files):
 *
 *   id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]
 *   3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,true,true
 *
 * with or without a header line; `time` in milliseconds (13 digits) or
 * microseconds (16 digits, Binance's format since 2025) since the epoch.
 * Prices and quantities are parsed exactly at the instrument's scales; a
 * value with more digits than the scale allows is an error, not a rounding.
 * The importers, store and catalog of the data issue build on this module.
 */
#ifndef NEXUS_DATA_H
#define NEXUS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Kinds of stored market data. Each kind is stored as one event type; the
 * store partitions by venue / symbol / kind / month (UTC).
 *
 *   kind        event            notes
 *   trades      NX_EV_TRADE      one per venue trade; trade_id = venue id
 *   aggtrades   NX_EV_TRADE      Binance aggregated trades; trade_id = agg id
 *   quotes      NX_EV_QUOTE      best bid/offer (Binance bookTicker)
 *   depth       NX_EV_BOOK_DELTA L2 snapshots (CLEAR + SET..., flagged) and diffs
 *   bars        NX_EV_BAR        one timeframe per partition ("bars_1m", "bars_1h")
 *   funding     NX_EV_FUNDING    perpetual funding rates
 */
typedef enum nx_data_kind {
    NX_KIND_NONE = 0,
    NX_KIND_TRADES = 1,
    NX_KIND_AGGTRADES = 2,
    NX_KIND_QUOTES = 3,
    NX_KIND_DEPTH = 4,
    NX_KIND_BARS = 5,
    NX_KIND_FUNDING = 6
} nx_data_kind_t;

/* The event type a kind stores. */
NX_API uint16_t nx_data_kind_event(nx_data_kind_t kind);
/* "trades", "aggtrades", ...; NULL for unknown. */
NX_API const char *nx_data_kind_name(nx_data_kind_t kind);
/* Parse a kind name; "bars_1m" gives NX_KIND_BARS and *tf_ns = 60 s (tf_ns may be NULL). */
NX_API int nx_data_kind_parse(const char *name, nx_data_kind_t *out, int64_t *tf_ns);

typedef struct nx_trade_row {
    uint64_t id;
    int64_t price;   /* mantissa at the requested price scale */
    int64_t qty;     /* mantissa at the requested qty scale */
    int64_t ts;      /* ns since the epoch */
    uint8_t buyer_maker;
} nx_trade_row_t;

/*
 * Parse one line (without its newline; a trailing '\r' is ignored).
 * Returns NX_OK, NX_ENOTFOUND for a header line (starts with "id,"), or
 * NX_EPARSE / NX_EINEXACT / NX_EOVERFLOW / NX_ERANGE with the column named in
 * the error detail. Never reads outside [line, line+len).
 */
NX_API int nx_data_parse_binance_trade(const char *line, size_t len, uint8_t price_scale,
                                       uint8_t qty_scale, nx_trade_row_t *out);

/* Fill a TRADE event from a row (aggressor: buyer-maker means the seller hit the bid). */
NX_API void nx_data_trade_event(const nx_trade_row_t *row, uint32_t instrument, uint32_t topic,
                                uint8_t price_scale, uint8_t qty_scale, nx_ev_trade_t *out);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_DATA_H */
