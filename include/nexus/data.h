/*
 * nexus/data.h — market-data input: parsers of outside files into events.
 *
 * Pipeline of an import:
 *
 *   nx_line_reader (plain / gzip / zip)  ->  nx_importer (format -> events)
 *       ->  nx_validator (rules, quarantine, sort window)  ->  store writer
 *
 * Prices and quantities are parsed exactly at the instrument's scales; a
 * value with more digits than the scale allows is an error, not a rounding
 * (JSON sources that wrote binary floats are rounded half-even, documented).
 */
#ifndef NEXUS_DATA_H
#define NEXUS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nexus/core.h"
#include "nexus/event.h"
#include "nexus/time.h"

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

/* ------------------------------------------------------------------------- */
/* Input: plain, gzip and zip files as lines                                 */
/* ------------------------------------------------------------------------- */

/*
 * Reads a file line by line, whatever its packaging: plain text, gzip (by
 * magic bytes, not by name) or zip (every file entry in order, as if
 * concatenated; Lean zips hold one CSV each). Lines lose their "\n" and a
 * trailing "\r"; a last line without a newline is still a line (Lean files
 * end that way). Memory is one fixed buffer: a line longer than
 * NX_LINE_MAX is an error (NX_ELIMIT) naming the file and line.
 */
#define NX_LINE_MAX (1u << 20)
typedef struct nx_line_reader nx_line_reader_t;

NX_API int nx_line_reader_open(const char *path, nx_line_reader_t **out);
/* NX_OK with *line (borrowed until the next call) and *len; NX_EEND at the end. */
NX_API int nx_line_reader_next(nx_line_reader_t *r, const char **line, size_t *len);
/* 1-based number of the line last returned, within the current zip entry. */
NX_API uint64_t nx_line_reader_lineno(const nx_line_reader_t *r);
/* "path" or "path:entry" for zips: for messages. */
NX_API const char *nx_line_reader_where(const nx_line_reader_t *r);
/* Name of the current zip entry ("" for plain and gzip files). */
NX_API const char *nx_line_reader_entry(const nx_line_reader_t *r);
/* Bytes of the file consumed so far and the file's size (for progress). */
NX_API uint64_t nx_line_reader_pos(const nx_line_reader_t *r);
NX_API uint64_t nx_line_reader_size(const nx_line_reader_t *r);
NX_API void nx_line_reader_close(nx_line_reader_t *r);

/* ------------------------------------------------------------------------- */
/* Importers: rows of outside formats into events                            */
/* ------------------------------------------------------------------------- */

typedef enum nx_import_format {
    NX_FMT_NONE = 0,
    NX_FMT_BINANCE_TRADES,    /* id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match] */
    NX_FMT_BINANCE_AGGTRADES, /* agg_id,price,qty,first_id,last_id,time,is_buyer_maker[,best] */
    NX_FMT_BINANCE_KLINES,    /* open_time,o,h,l,c,volume,close_time,quote_vol,trades,tb,tq,x */
    NX_FMT_BINANCE_STREAM,    /* <recv_ns> <json> captures (parsed by the stream module) */
    NX_FMT_FREQTRADE_CANDLES, /* JSON [[ts_ms,o,h,l,c,v],...] */
    NX_FMT_FREQTRADE_TRADES,  /* JSON [[ts_ms,id,order,side,price,amount,cost],...] */
    NX_FMT_KRAKEN_TRADES,     /* unix_s[.frac],price,volume (Kraken bulk CSV) */
    NX_FMT_LEAN_TRADE_TICKS,  /* ms_since_midnight,price*1e4,size,exch,cond,suspicious */
    NX_FMT_LEAN_QUOTE_TICKS,  /* ms,bid*1e4,bid_size,ask*1e4,ask_size,exch,cond,suspicious */
    NX_FMT_LEAN_BARS,         /* ms,o,h,l,c,volume (x1e4 for equities) */
    NX_FMT_CSV                /* generic: --columns and --ts-format */
} nx_import_format_t;

/* "binance-trades", "binance-aggtrades", "binance-klines", "binance-stream",
 * "freqtrade-candles", "freqtrade-trades", "kraken-trades", "lean-trades",
 * "lean-quotes", "lean-bars", "csv". */
NX_API int nx_import_format_parse(const char *name, nx_import_format_t *out);
NX_API const char *nx_import_format_name(nx_import_format_t f);

/* Timestamp encodings for the generic CSV. */
typedef enum nx_ts_format {
    NX_TS_AUTO = 0, /* integer: digits decide (<=11 s, 13 ms, 16 us, 19 ns); else ISO-8601 */
    NX_TS_S,        /* seconds, fraction allowed ("1672531436.25") */
    NX_TS_MS,
    NX_TS_US,
    NX_TS_NS,
    NX_TS_ISO       /* ISO-8601 / RFC 3339, space separator allowed */
} nx_ts_format_t;
NX_API int nx_ts_format_parse(const char *name, nx_ts_format_t *out);
/* Parse one timestamp field in the given encoding. */
NX_API int nx_ts_field_parse(const char *s, size_t len, nx_ts_format_t f, nx_ts_t *out);

/* Column map of the generic CSV: 0-based column per field, -1 = absent. */
typedef struct nx_csv_map {
    int ts, price, qty, id, side;            /* trades */
    int open, high, low, close, volume;      /* bars */
    int bid, bid_qty, ask, ask_qty;          /* quotes */
    nx_ts_format_t ts_format;
    char delim;                              /* default ',' */
    int header;                              /* 1: first line is a header; -1: detect */
} nx_csv_map_t;
/* "ts=0,price=1,qty=2,id=3,side=4" (names as in the struct); unlisted = -1. */
NX_API int nx_csv_map_parse(const char *spec, nx_csv_map_t *out);

typedef struct nx_import_opts {
    nx_import_format_t format;
    nx_data_kind_t kind;      /* what is produced; must fit the format */
    int64_t bar_ns;           /* bars: the timeframe (klines: checked against rows) */
    uint32_t instrument;      /* stamped into events */
    uint32_t topic;
    uint8_t price_scale, qty_scale;
    /* Lean: price multiplier is 1e4 for equities (deci-cents); the session
     * date comes from the file or entry name (YYYYMMDD_...); times are ms since
     * midnight America/New_York unless lean_utc. */
    int lean_price_div;       /* default 10000 */
    int lean_utc;
    nx_csv_map_t csv;
} nx_import_opts_t;

typedef struct nx_importer nx_importer_t;
/* Consumer of produced events (called in order; borrowed for the call). */
typedef int (*nx_emit_fn)(void *ctx, const nx_event_hdr_t *ev);

NX_API void nx_import_opts_default(nx_import_opts_t *o);
NX_API int nx_importer_new(const nx_import_opts_t *o, nx_importer_t **out);
NX_API void nx_importer_free(nx_importer_t *im);
/*
 * Name of the file or zip entry being read: Lean takes the session date from
 * it. Resets per-file state (header detection).
 */
NX_API int nx_importer_begin_file(nx_importer_t *im, const char *name);
/*
 * One line of a line-based format. NX_OK (events emitted), NX_ENOTFOUND (a
 * header or blank line: nothing emitted), or an error whose detail names the
 * column; the caller prefixes file:line. An emit error is returned as is.
 */
NX_API int nx_importer_line(nx_importer_t *im, const char *line, size_t len, nx_emit_fn emit,
                            void *ctx);
/*
 * Bytes of a JSON format (freqtrade), in any chunking; rows are emitted as
 * they complete. nx_importer_end() checks the document was complete.
 */
NX_API int nx_importer_bytes(nx_importer_t *im, const char *data, size_t len, nx_emit_fn emit,
                             void *ctx);
NX_API int nx_importer_end(nx_importer_t *im);
/* 1 for formats fed with nx_importer_bytes(), 0 for line formats. */
NX_API int nx_import_format_is_json(nx_import_format_t f);
/* Row number (1-based) of the last JSON row seen, for messages. */
NX_API uint64_t nx_importer_json_row(const nx_importer_t *im);

/* ------------------------------------------------------------------------- */
/* Validation and quarantine                                                 */
/* ------------------------------------------------------------------------- */

/*
 * Rules applied to every imported event, in arrival order, against the
 * previous accepted event of the same stream. A rejected event goes to the
 * quarantine callback with its rule and is not passed on; a flagged one is
 * reported and passed on. The import goes on either way.
 */
typedef enum nx_rule {
    NX_RULE_NONPOSITIVE = 0, /* price or quantity <= 0 (reject) */
    NX_RULE_BACKWARDS,       /* timestamp before the previous one, beyond the sort window (reject) */
    NX_RULE_DUPLICATE,       /* trade id seen again among recent ids (reject) */
    NX_RULE_GAP,             /* time since the previous event > max_gap (flag, or reject if asked) */
    NX_RULE_JUMP,            /* price moved more than max_jump from the previous (reject) */
    NX_RULE_CROSSED,         /* bid >= ask, or a bar with high < low or open/close outside (reject) */
    NX_RULE_SEQ_GAP,         /* depth diff does not follow the previous update id (flag) */
    NX_RULE_COUNT
} nx_rule_t;
NX_API const char *nx_rule_name(nx_rule_t r); /* "non_positive", "backwards", ... */

typedef struct nx_validate_opts {
    int64_t max_gap_ns;      /* 0 = no gap rule */
    int gap_rejects;         /* 0: a gap is flagged, 1: rejected */
    int64_t max_jump_bp;     /* largest move in basis points; default 5000 (50%); 0 = off */
    int64_t sort_window_ns;  /* 0: out-of-order rows are rejected; > 0: sorted within it */
    uint32_t max_sort_rows;  /* hard ceiling of rows held for sorting (default 1,000,000) */
} nx_validate_opts_t;

typedef struct nx_validate_stats {
    uint64_t in, passed, rejected, flagged;
    uint64_t by_rule[NX_RULE_COUNT];
    nx_ts_t first_ts, last_ts; /* of passed events */
} nx_validate_stats_t;

/* Quarantine sink: called at push time, so the caller still knows the row. */
typedef int (*nx_quarantine_fn)(void *ctx, nx_rule_t rule, int rejected,
                                const nx_event_hdr_t *ev, const char *detail);

typedef struct nx_validator nx_validator_t;
NX_API void nx_validate_opts_default(nx_validate_opts_t *o);
/* emit receives passed events in timestamp order; both callbacks are borrowed. */
NX_API int nx_validator_new(const nx_validate_opts_t *o, nx_emit_fn emit, void *emit_ctx,
                            nx_quarantine_fn quarantine, void *q_ctx, nx_validator_t **out);
NX_API int nx_validator_push(nx_validator_t *v, const nx_event_hdr_t *ev);
/* Emit what the sort window still holds. */
NX_API int nx_validator_flush(nx_validator_t *v);
NX_API void nx_validator_stats(const nx_validator_t *v, nx_validate_stats_t *out);
NX_API void nx_validator_free(nx_validator_t *v);


#ifdef __cplusplus
}
#endif
#endif /* NEXUS_DATA_H */
