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
/*
 * Raw bytes instead of lines (for JSON documents that are one long line):
 * the next chunk, borrowed until the next call; NX_EEND at the end. Do not
 * mix with nx_line_reader_next() on one reader.
 */
NX_API int nx_line_reader_read(nx_line_reader_t *r, const char **data, size_t *len);
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
/* Bars from trades, and resampling                                          */
/* ------------------------------------------------------------------------- */

/*
 * Time bars are aligned to UTC (floor(ts / span) * span) for spans from 1 s
 * to 1 day; a bar's h.ts_venue is its open time and it is published at its
 * close (h.ts_recv = open + span), when a later trade or
 * nx_bar_builder_close_until() shows its period is over. Buckets without
 * trades give no bar. Tick, volume and dollar bars close on the trade that
 * reaches the threshold (ts_venue = first trade, ts_recv = closing trade,
 * interval_ns = 0). Resampling feeds bars of a smaller span into a time
 * builder of a multiple of it. The builder is a plain struct: embed it, no
 * allocation.
 */
typedef enum nx_bar_type {
    NX_BARS_TIME = 1,   /* threshold: span in ns */
    NX_BARS_TICK = 2,   /* threshold: trades per bar */
    NX_BARS_VOLUME = 3, /* threshold: qty mantissa (at the trades' qty scale) */
    NX_BARS_DOLLAR = 4  /* threshold: notional mantissa at price_scale + qty_scale */
} nx_bar_type_t;

typedef struct nx_bar_builder {
    nx_bar_type_t type;
    int64_t threshold;
    nx_emit_fn emit;
    void *ctx;
    int open;              /* a bar is being built */
    nx_ev_bar_t bar;       /* the bar being built */
    nx_i128 acc;           /* volume or notional accumulated (threshold bars) */
    uint64_t count;        /* trades in the bar */
    uint64_t emitted;
} nx_bar_builder_t;

NX_API int nx_bar_builder_init(nx_bar_builder_t *b, nx_bar_type_t type, int64_t threshold,
                               nx_emit_fn emit, void *ctx);
/* Add a trade (non-decreasing ts_recv); may emit the bar it closes first. */
NX_API int nx_bar_builder_trade(nx_bar_builder_t *b, const nx_ev_trade_t *t);
/* Add a bar of a smaller span (time builders only; its span must divide ours). */
NX_API int nx_bar_builder_bar(nx_bar_builder_t *b, const nx_ev_bar_t *in);
/* Time bars: publish the bar if its period ended at or before now. */
NX_API int nx_bar_builder_close_until(nx_bar_builder_t *b, nx_ts_t now);
/* Publish the unfinished bar (end of data, when the caller knows it is complete). */
NX_API int nx_bar_builder_flush(nx_bar_builder_t *b);

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


/* ========================================================================= */
/* BEGIN stream messages (Binance raw captures, Kraken books) — book owner   */
/* ========================================================================= */

/*
 * Parsers of one raw exchange message into events, exactly (prices and
 * quantities through nx_dec_parse_scaled at the instrument's scales; a value
 * with more digits than the scale is NX_EINEXACT, never a rounding; nothing
 * goes through double). Implemented in src/data/binance_stream.c and
 * src/data/kraken_book.c over jsmn (one tokenizer, src/data/jsmn_impl.c).
 *
 * Memory: a parser object owns a token array sized once for the largest
 * message it must read (nx_data_msg_parser_new(max_levels)); events go into
 * a caller array of `cap` slots. Nothing is allocated per message. A message
 * that needs more tokens or slots fails with NX_ELIMIT naming what it needed;
 * NX_DATA_MSG_EVENTS(levels) slots hold a snapshot of `levels` per side
 * (1000-level Binance REST snapshots: NX_DATA_MSG_EVENTS(1000) = 2001).
 *
 * Binance (`<receive_ts_ns> <json>` lines of the hftbacktest captures; the
 * JSON is the combined-stream envelope {"stream":..,"data":{..}}, a bare
 * stream payload, or a REST depth snapshot):
 *
 *   message         events                       ids / times
 *   --------------- ---------------------------- -------------------------------
 *   trade           1 TRADE, trade_id = t        ts_venue = E (event time)
 *   aggTrade        1 TRADE, trade_id = a        ts_venue = E
 *   bookTicker      1 QUOTE, update_id = u       ts_venue = E (0 on spot: none)
 *   depthUpdate     BOOK_DELTA SET per level,    update_id = u, first_update_id = U;
 *                   bids then asks, qty 0 =      futures: pu in `aux` as U - pu
 *                   delete; last one LAST        with NX_BOOKF_PU (see nexus/book.h)
 *   REST snapshot   CLEAR + SET per level, all   update_id = first_update_id =
 *                   NX_BOOKF_SNAPSHOT, last LAST lastUpdateId; ts_venue = E or 0
 *
 * ts_recv is the capture's receive time. Bids are NX_SIDE_BUY, asks
 * NX_SIDE_SELL. A depthUpdate without levels becomes one SET of side
 * NX_SIDE_NONE (a sequence marker the book applies as a no-op) so that the
 * update ids are never lost.
 *
 * Kraken books: WS v1 `book-N` messages ([chanId, {"as","bs"} | {"a"},{"b"},
 * "book-N", pair]) and WS v2 `book` messages ({"channel":"book","type":
 * "snapshot"|"update","data":[{symbol, bids, asks, checksum, timestamp}]}).
 * A snapshot is CLEAR + SET... flagged NX_BOOKF_SNAPSHOT; an update is SET
 * per level (qty 0 = delete), levels in message order. The checksum
 * (v1 "c", v2 "checksum") is carried on the LAST delta in `aux` with
 * NX_BOOKF_CHECKSUM; the book verifies it (nexus/book.h). Kraken sends no
 * update ids: update_id = first_update_id = 0. ts_venue: v2 the message
 * timestamp; v1 the latest level timestamp in the message.
 *
 * Return codes: NX_OK; NX_ENOTFOUND for a well-formed message this parser
 * does not turn into events (klines, heartbeats, subscription replies):
 * skip it; NX_EPARSE / NX_EINEXACT / NX_EOVERFLOW / NX_ERANGE with the field
 * named in the error detail; NX_ELIMIT (tokens or slots). Never reads
 * outside [text, text+len). *msg and out[] are meaningful only on NX_OK.
 */
typedef struct nx_data_msg_parser nx_data_msg_parser_t;

/* Event slots for a snapshot of `levels` per side (CLEAR + 2 x levels). */
#define NX_DATA_MSG_EVENTS(levels) (2u * (uint32_t)(levels) + 1u)

/*
 * A parser able to read messages of up to max_levels levels per side
 * (0 means 1000). Not thread-safe: one per thread. Free with _free.
 */
NX_API int nx_data_msg_parser_new(uint32_t max_levels, nx_data_msg_parser_t **out);
NX_API void nx_data_msg_parser_free(nx_data_msg_parser_t *p);

/* Where the events go and at which scales. */
typedef struct nx_data_stream_spec {
    uint32_t instrument;   /* stamped into every event */
    uint32_t topic;        /* stamped into every event header */
    uint8_t price_scale;   /* mantissa scales of prices and quantities */
    uint8_t qty_scale;
} nx_data_stream_spec_t;

typedef enum nx_data_msg_kind {
    NX_MSG_NONE = 0,
    NX_MSG_TRADE,          /* Binance trade */
    NX_MSG_AGGTRADE,       /* Binance aggTrade */
    NX_MSG_BOOK_TICKER,    /* Binance bookTicker */
    NX_MSG_DEPTH_DIFF,     /* Binance depthUpdate; Kraken book update */
    NX_MSG_DEPTH_SNAPSHOT  /* Binance REST depth; Kraken book snapshot */
} nx_data_msg_kind_t;

/* What one message was. Pointers borrow from the parsed text. */
typedef struct nx_data_msg {
    nx_data_msg_kind_t kind;
    int64_t ts_recv;          /* ns (from the line, or as given) */
    int64_t ts_venue;         /* ns, 0 when the message has none */
    uint64_t first_update_id; /* Binance U (snapshot: lastUpdateId) */
    uint64_t update_id;       /* Binance u / lastUpdateId / bookTicker u */
    uint64_t prev_update_id;  /* Binance futures pu (has_prev) */
    uint8_t has_prev;
    uint8_t has_checksum;     /* Kraken */
    uint8_t version;          /* Kraken WS API version 1 or 2; 0 for Binance */
    uint32_t checksum;        /* Kraken CRC32 as sent */
    const char *symbol;       /* "BTCUSDT", "XBT/USD"; NULL if the message has none */
    size_t symbol_len;
    size_t n_bids, n_asks;    /* levels in a depth message */
    size_t n_events;          /* events written to out[] */
} nx_data_msg_t;

/* One capture line "<receive_ts_ns> <json>" (a trailing '\r' is ignored). */
NX_API int nx_data_parse_binance_line(nx_data_msg_parser_t *p, const char *line, size_t len,
                                      const nx_data_stream_spec_t *spec, nx_event_t *out,
                                      size_t cap, nx_data_msg_t *msg);
/*
 * The kind of a capture line from its stream name alone ("...@depth...",
 * "@bookTicker", "@trade", "@aggTrade"; a REST snapshot starts with
 * {"lastUpdateId"), without parsing the JSON: an importer that keeps one kind
 * skips the other messages cheaply. NX_MSG_NONE when it cannot tell (the
 * caller must then parse the line). Never reads outside [line, line+len).
 */
NX_API nx_data_msg_kind_t nx_data_binance_line_kind(const char *line, size_t len);
/*
 * What an importer of one stored kind does per capture line: messages of
 * other kinds (told by nx_data_binance_line_kind, or by the full parse when
 * the name does not tell) give NX_ENOTFOUND without events; a message of
 * the kind is parsed into out[] (kind: NX_KIND_DEPTH takes snapshots and
 * diffs, NX_KIND_QUOTES bookTicker, NX_KIND_TRADES trade, NX_KIND_AGGTRADES
 * aggTrade). Other codes as nx_data_parse_binance_line().
 */
NX_API int nx_data_parse_binance_line_kind(nx_data_msg_parser_t *p, const char *line, size_t len,
                                           nx_data_kind_t kind, const nx_data_stream_spec_t *spec,
                                           nx_event_t *out, size_t cap, nx_data_msg_t *msg);
/* One Binance JSON message received at ts_recv (ns). */
NX_API int nx_data_parse_binance_json(nx_data_msg_parser_t *p, const char *json, size_t len,
                                      int64_t ts_recv, const nx_data_stream_spec_t *spec,
                                      nx_event_t *out, size_t cap, nx_data_msg_t *msg);
/* One Kraken WS v1 or v2 book message received at ts_recv (ns). */
NX_API int nx_data_parse_kraken_book(nx_data_msg_parser_t *p, const char *json, size_t len,
                                     int64_t ts_recv, const nx_data_stream_spec_t *spec,
                                     nx_event_t *out, size_t cap, nx_data_msg_t *msg);
/*
 * The scales a Kraken v1 book message writes its prices and quantities at
 * (digits after the point of its first level: "27120.00000" -> 5). Kraken v1
 * writes every level at the pair's full precision, which is also what its
 * checksum hashes, so a book at these scales can verify checksums. NX_ENOTFOUND
 * when the message has no level; v2 sends JSON numbers, whose precision must
 * come from the instrument (AssetPairs), not from the text.
 */
NX_API int nx_data_kraken_book_scales(nx_data_msg_parser_t *p, const char *json, size_t len,
                                      uint8_t *price_scale, uint8_t *qty_scale);

/* ========================================================================= */
/* END stream messages                                                       */
/* ========================================================================= */


#ifdef __cplusplus
}
#endif
#endif /* NEXUS_DATA_H */
