/*
 * `nexus data <sub>`: the market-data store from the command line.
 *
 *   ls       partitions: venue symbol kind months rows bytes bytes/row range
 *   info     one family in detail: months and block files
 *   verify   re-check every block against its checksums and the catalog
 *   export   rows as CSV (layouts per kind in docs/store.md)
 *   import   (cmd_data_import.c)  bars (cmd_data_bars.c)
 *
 * The store is <data dir>/store unless --store DIR names another one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nexus/core.h"
#include "nexus/data.h"
#include "nexus/decimal.h"
#include "nexus/store.h"
#include "nexus/time.h"

/* ---- the dispatcher ------------------------------------------------------- */

static int nx__data_ls(const nx_cli_global_t *g, int argc, char **argv);
static int nx__data_info(const nx_cli_global_t *g, int argc, char **argv);
static int nx__data_verify(const nx_cli_global_t *g, int argc, char **argv);
static int nx__data_export(const nx_cli_global_t *g, int argc, char **argv);

typedef struct nx__data_sub {
    const char *name;
    const char *summary;
    int (*run)(const nx_cli_global_t *g, int argc, char **argv);
} nx__data_sub_t;

static const nx__data_sub_t nx__data_subs[] = {
    {"ls", "list partitions: venue, symbol, kind, months, rows, bytes, time range", nx__data_ls},
    {"info", "one venue/symbol/kind in detail: months and block files", nx__data_info},
    {"verify", "re-check every block's checksums and the catalog (exit 1 on corruption)",
     nx__data_verify},
    {"export", "write stored rows as CSV (standard output by default)", nx__data_export},
    /* ---- importers and bars: written in their own files (see cli.h) ---- */
    {"import", "import market-data files into the store", nx_cli_data_import},
    {"bars", "build bars from stored trades", nx_cli_data_bars},
};

static void nx__data_usage(FILE *f) {
    fprintf(f, "usage: nexus data <command> [options]\n"
               "\n"
               "The market-data store (default <data dir>/store; --store DIR for another).\n"
               "\n"
               "commands:\n");
    for (size_t i = 0; i < NX_ARRAY_LEN(nx__data_subs); i++)
        fprintf(f, "  %-8s %s\n", nx__data_subs[i].name, nx__data_subs[i].summary);
    fprintf(f, "\n`nexus data <command> --help` shows one command. Exit codes: 0 ok, 1 failure\n"
               "(I/O, corruption), 2 usage.\n");
}

int nx_cli_data(const nx_cli_global_t *g, int argc, char **argv) {
    if (argc < 2) {
        nx__data_usage(stderr);
        return NX_EXIT_USAGE;
    }
    if (nx_cli_is_help(argv[1])) {
        nx__data_usage(stdout);
        return NX_EXIT_OK;
    }
    for (size_t i = 0; i < NX_ARRAY_LEN(nx__data_subs); i++)
        if (strcmp(argv[1], nx__data_subs[i].name) == 0)
            return nx__data_subs[i].run(g, argc - 1, argv + 1);
    fprintf(stderr, "nexus data: unknown command '%s'\n", argv[1]);
    nx__data_usage(stderr);
    return NX_EXIT_USAGE;
}

/* ---- shared option parsing -------------------------------------------------- */

#define NX__O_STORE 0x01u
#define NX__O_KEY 0x02u   /* --venue --symbol --kind */
#define NX__O_RANGE 0x04u /* --from --to */
#define NX__O_OUT 0x08u   /* --out --format --no-header */
#define NX__O_KEYREQ 0x10u /* the three key flags are required */

typedef struct nx__dopts {
    const char *store, *venue, *symbol, *kind, *out, *format;
    int64_t from, to;
    int no_header;
    nx_store_key_t key;
    char root[1024];
} nx__dopts_t;

/* Timestamps: ISO-8601, or an integer whose digits say the unit (<= 13 ms, <= 16 us, else ns). */
static int nx__parse_ts(const char *s, int64_t *out) {
    size_t n = strlen(s);
    int digits = n > 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') digits = 0;
    if (!digits) return nx_time_parse(s, n, out);
    if (n > 19) return NX_ERR(NX_ERANGE, "timestamp '%s' has too many digits", s);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(s[i] - '0');
    uint64_t mul = n <= 13 ? 1000000u : n <= 16 ? 1000u : 1u;
    if (v > (uint64_t)INT64_MAX / mul) return NX_ERR(NX_ERANGE, "timestamp '%s' out of range", s);
    *out = (int64_t)(v * mul);
    return NX_OK;
}

/* 0 ok, 1 help printed, 2 usage error printed. */
static int nx__dparse(const char *sub, const char *help, unsigned allow, int argc, char **argv,
                      nx__dopts_t *o) {
    memset(o, 0, sizeof *o);
    o->from = NX_STORE_TS_MIN;
    o->to = NX_STORE_TS_MAX;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (nx_cli_is_help(a)) {
            fputs(help, stdout);
            return 1;
        }
        if (strcmp(a, "--no-header") == 0 && (allow & NX__O_OUT)) {
            o->no_header = 1;
            continue;
        }
        const char **slot = NULL;
        if (strcmp(a, "--store") == 0) slot = &o->store;
        else if ((allow & NX__O_KEY) && strcmp(a, "--venue") == 0) slot = &o->venue;
        else if ((allow & NX__O_KEY) && strcmp(a, "--symbol") == 0) slot = &o->symbol;
        else if ((allow & NX__O_KEY) && strcmp(a, "--kind") == 0) slot = &o->kind;
        else if ((allow & NX__O_OUT) && strcmp(a, "--out") == 0) slot = &o->out;
        else if ((allow & NX__O_OUT) && strcmp(a, "--format") == 0) slot = &o->format;
        else if ((allow & NX__O_RANGE) && (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0)) {
            if (!v) break;
            int64_t *t = a[2] == 'f' ? &o->from : &o->to;
            if (nx__parse_ts(v, t) < 0) {
                fprintf(stderr, "nexus data %s: %s: %s\n", sub, a, nx_err_message());
                return 2;
            }
            i++;
            continue;
        }
        if (!slot || !v) {
            fprintf(stderr, "nexus data %s: unknown or incomplete option '%s'\n%s", sub, a, help);
            return 2;
        }
        *slot = v;
        i++;
    }
    if (o->format && strcmp(o->format, "csv") != 0) {
        fprintf(stderr, "nexus data %s: --format %s: only csv is supported\n", sub, o->format);
        return 2;
    }
    if (o->from >= o->to && (o->from != NX_STORE_TS_MIN || o->to != NX_STORE_TS_MAX)) {
        fprintf(stderr, "nexus data %s: --from must be before --to\n", sub);
        return 2;
    }
    o->key.venue = o->venue;
    o->key.symbol = o->symbol;
    o->key.kind = NX_KIND_NONE;
    if (o->kind) {
        nx_data_kind_t k;
        int64_t tf = 0;
        if (nx_data_kind_parse(o->kind, &k, &tf) < 0) {
            fprintf(stderr, "nexus data %s: --kind: %s\n", sub, nx_err_message());
            return 2;
        }
        o->key.kind = k;
        o->key.tf_ns = tf;
    }
    if (allow & NX__O_KEYREQ) {
        if (!o->venue || !o->symbol || !o->kind) {
            fprintf(stderr, "nexus data %s: --venue, --symbol and --kind are required\n%s", sub,
                    help);
            return 2;
        }
        if (nx_store_key_check(&o->key) < 0) {
            fprintf(stderr, "nexus data %s: %s\n", sub, nx_err_message());
            return 2;
        }
    }
    return 0;
}

static int nx__dexit(int prc) { return prc == 1 ? NX_EXIT_OK : NX_EXIT_USAGE; }

/* Open the store read-only; prints the failure. */
static int nx__open_ro(const nx_cli_global_t *g, nx__dopts_t *o, const char *sub,
                       nx_store_t **s) {
    *s = NULL;
    if (o->store) {
        snprintf(o->root, sizeof o->root, "%s", o->store);
    } else {
        char dd[900];
        if (nx_cli_data_dir(g, dd, sizeof dd) < 0) {
            fprintf(stderr, "nexus data %s: %s\n", sub, nx_err_message());
            return NX_EXIT_USAGE;
        }
        snprintf(o->root, sizeof o->root, "%s/store", dd);
    }
    nx_store_opts_t so;
    nx_store_opts_default(&so);
    so.flags = NX_STORE_RDONLY;
    int rc = nx_store_open(o->root, &so, s);
    if (rc < 0) {
        if (rc == NX_ENOTFOUND)
            fprintf(stderr, "nexus data %s: no store at %s (nothing imported yet?)\n", sub,
                    o->root);
        else
            fprintf(stderr, "nexus data %s: %s\n", sub, nx_err_message());
        return NX_EXIT_FAIL;
    }
    return NX_EXIT_OK;
}

static void nx__ts_text(int64_t ts, char *buf) {
    if (ts == 0) {
        snprintf(buf, NX_TIME_STRLEN, "-");
        return;
    }
    nx_time_format_prec(ts, ts % NX_NS_PER_MS ? (ts % NX_NS_PER_US ? 9 : 6) : 3, buf);
}

/* ---- ls ----------------------------------------------------------------------- */

static const char *nx__help_ls =
    "usage: nexus data ls [--store DIR] [--venue V] [--symbol S] [--kind K]\n"
    "Lists what the store holds, one line per venue/symbol/kind: months, rows, bytes on disk,\n"
    "bytes per row and the ts_recv range (UTC). The flags filter.\n";

typedef struct nx__lsacc {
    nx_store_partition_t cur;
    uint64_t months;
    int have, header;
} nx__lsacc_t;

static void nx__ls_flush(nx__lsacc_t *a) {
    if (!a->have) return;
    if (!a->header) {
        printf("%-12s %-12s %-10s %6s %12s %12s %7s  %-24s  %-24s\n", "VENUE", "SYMBOL", "KIND",
               "MONTHS", "ROWS", "BYTES", "B/ROW", "FROM", "TO");
        a->header = 1;
    }
    char f[NX_TIME_STRLEN], t[NX_TIME_STRLEN];
    nx__ts_text(a->cur.min_ts, f);
    nx__ts_text(a->cur.max_ts, t);
    printf("%-12s %-12s %-10s %6llu %12llu %12llu %7.2f  %-24s  %-24s\n", a->cur.venue,
           a->cur.symbol, a->cur.kind, (unsigned long long)a->months,
           (unsigned long long)a->cur.rows, (unsigned long long)a->cur.bytes,
           a->cur.rows ? (double)a->cur.bytes / (double)a->cur.rows : 0.0, f, t);
    a->have = 0;
}

static int nx__ls_one(void *ctx, const nx_store_partition_t *p) {
    nx__lsacc_t *a = ctx;
    if (a->have && strcmp(a->cur.venue, p->venue) == 0 && strcmp(a->cur.symbol, p->symbol) == 0 &&
        strcmp(a->cur.kind, p->kind) == 0) {
        a->cur.rows += p->rows;
        a->cur.bytes += p->bytes;
        a->cur.blocks += p->blocks;
        if (p->min_ts < a->cur.min_ts) a->cur.min_ts = p->min_ts;
        if (p->max_ts > a->cur.max_ts) a->cur.max_ts = p->max_ts;
        a->months++;
        return 0;
    }
    nx__ls_flush(a);
    a->cur = *p;
    a->months = 1;
    a->have = 1;
    return 0;
}

static int nx__data_ls(const nx_cli_global_t *g, int argc, char **argv) {
    nx__dopts_t o;
    int prc = nx__dparse("ls", nx__help_ls, NX__O_KEY, argc, argv, &o);
    if (prc) return nx__dexit(prc);
    nx_store_t *s = NULL;
    int ex = nx__open_ro(g, &o, "ls", &s);
    if (ex != NX_EXIT_OK && nx_err_code() == NX_ENOTFOUND) return NX_EXIT_OK; /* empty: fine */
    if (ex != NX_EXIT_OK) return ex;
    nx__lsacc_t a;
    memset(&a, 0, sizeof a);
    int rc = nx_store_partitions(s, &o.key, nx__ls_one, &a);
    nx__ls_flush(&a);
    if (rc < 0) ex = nx_cli_fail("data ls", rc);
    else if (!a.header)
        printf("(no data in %s%s)\n", o.root,
               o.venue || o.symbol || o.kind ? " matching the filter" : "");
    nx_store_close(s);
    return ex;
}

/* ---- info ------------------------------------------------------------------------- */

static const char *nx__help_info =
    "usage: nexus data info --venue V --symbol S --kind K [--store DIR]\n"
    "Shows one venue/symbol/kind: totals, each month partition, and each block file with its\n"
    "rows, bytes (compressed and raw), time range, trade-id range and CRC-32C checksums.\n"
    "Exit 1 if the store holds nothing for it.\n";

typedef struct nx__infoacc {
    uint64_t rows, bytes, blocks, months;
    int64_t min_ts, max_ts;
    char month[8];
} nx__infoacc_t;

static int nx__info_month(void *ctx, const nx_store_partition_t *p) {
    nx__infoacc_t *a = ctx;
    char f[NX_TIME_STRLEN], t[NX_TIME_STRLEN];
    nx__ts_text(p->min_ts, f);
    nx__ts_text(p->max_ts, t);
    if (a->months++ == 0) {
        printf("%-8s %12s %12s %7s %7s  %-24s  %-24s\n", "MONTH", "ROWS", "BYTES", "BLOCKS",
               "B/ROW", "FROM", "TO");
        a->min_ts = p->min_ts;
    }
    printf("%-8s %12llu %12llu %7llu %7.2f  %-24s  %-24s\n", p->month,
           (unsigned long long)p->rows, (unsigned long long)p->bytes,
           (unsigned long long)p->blocks, p->rows ? (double)p->bytes / (double)p->rows : 0.0, f,
           t);
    a->rows += p->rows;
    a->bytes += p->bytes;
    a->blocks += p->blocks;
    if (p->min_ts < a->min_ts) a->min_ts = p->min_ts;
    if (p->max_ts > a->max_ts) a->max_ts = p->max_ts;
    return 0;
}

static int nx__info_block(void *ctx, const nx_store_partition_t *p, const nx_store_block_t *b) {
    (void)ctx;
    (void)p;
    char f[NX_TIME_STRLEN], t[NX_TIME_STRLEN];
    nx__ts_text(b->min_ts, f);
    nx__ts_text(b->max_ts, t);
    printf("%s  seq %u  rows %llu  bytes %llu  raw %llu  %s .. %s", b->file, b->seq,
           (unsigned long long)b->rows, (unsigned long long)b->bytes,
           (unsigned long long)b->raw_bytes, f, t);
    if (b->max_id) printf("  ids %llu..%llu", (unsigned long long)b->min_id,
                          (unsigned long long)b->max_id);
    printf("  crc_raw %08x  crc_file %08x\n", b->crc_raw, b->crc_file);
    return 0;
}

static int nx__data_info(const nx_cli_global_t *g, int argc, char **argv) {
    nx__dopts_t o;
    int prc = nx__dparse("info", nx__help_info, NX__O_KEY | NX__O_KEYREQ, argc, argv, &o);
    if (prc) return nx__dexit(prc);
    nx_store_t *s = NULL;
    int ex = nx__open_ro(g, &o, "info", &s);
    if (ex != NX_EXIT_OK) return ex;
    char kind[NX_STORE_KIND_MAX + 1];
    nx_store_kind_name(o.key.kind, o.key.tf_ns, kind);
    printf("%s/%s/%s in %s\n\n", o.venue, o.symbol, kind, o.root);
    nx__infoacc_t a;
    memset(&a, 0, sizeof a);
    int rc = nx_store_partitions(s, &o.key, nx__info_month, &a);
    if (rc < 0) {
        ex = nx_cli_fail("data info", rc);
    } else if (a.months == 0) {
        fprintf(stderr, "nexus data info: nothing stored for %s/%s/%s\n", o.venue, o.symbol,
                kind);
        ex = NX_EXIT_FAIL;
    } else {
        char f[NX_TIME_STRLEN], t[NX_TIME_STRLEN];
        nx__ts_text(a.min_ts, f);
        nx__ts_text(a.max_ts, t);
        printf("\ntotal: %llu months, %llu rows, %llu bytes (%.2f bytes/row), %llu blocks, "
               "%s .. %s\n\nblocks:\n",
               (unsigned long long)a.months, (unsigned long long)a.rows,
               (unsigned long long)a.bytes, a.rows ? (double)a.bytes / (double)a.rows : 0.0,
               (unsigned long long)a.blocks, f, t);
        if ((rc = nx_store_blocks(s, &o.key, nx__info_block, NULL)) < 0)
            ex = nx_cli_fail("data info", rc);
    }
    nx_store_close(s);
    return ex;
}

/* ---- verify ------------------------------------------------------------------------- */

static const char *nx__help_verify =
    "usage: nexus data verify [--store DIR]\n"
    "Re-reads every block file the catalog names: file present with the catalog's size and\n"
    "CRC-32C, header and payload checksums, structure, rows in order, and counts, time and\n"
    "id ranges equal to the catalog's. Prints 'FILE: reason' per problem and exits 1;\n"
    "exits 0 when everything agrees.\n";

typedef struct nx__vout {
    const char *root;
} nx__vout_t;

static void nx__verify_problem(void *ctx, const char *file, const char *reason) {
    const nx__vout_t *v = ctx;
    printf("%s/%s: %s\n", v->root, file, reason);
}

static int nx__data_verify(const nx_cli_global_t *g, int argc, char **argv) {
    nx__dopts_t o;
    int prc = nx__dparse("verify", nx__help_verify, 0, argc, argv, &o);
    if (prc) return nx__dexit(prc);
    nx_store_t *s = NULL;
    int ex = nx__open_ro(g, &o, "verify", &s);
    if (ex != NX_EXIT_OK) return ex;
    nx__vout_t v = {o.root};
    nx_store_verify_stats_t st;
    int rc = nx_store_verify(s, nx__verify_problem, &v, &st);
    if (rc == NX_OK) {
        printf("OK: %llu partitions, %llu blocks, %llu rows, %llu bytes\n",
               (unsigned long long)st.partitions, (unsigned long long)st.blocks,
               (unsigned long long)st.rows, (unsigned long long)st.bytes);
    } else if (rc == NX_ECORRUPT) {
        printf("FAILED: %llu problems in %llu blocks\n", (unsigned long long)st.problems,
               (unsigned long long)st.blocks);
        ex = NX_EXIT_FAIL;
    } else {
        ex = nx_cli_fail("data verify", rc);
    }
    nx_store_close(s);
    return ex;
}

/* ---- export ----------------------------------------------------------------------------- */

static const char *nx__help_export =
    "usage: nexus data export --venue V --symbol S --kind K [--format csv] [--from TS]\n"
    "                         [--to TS] [--out FILE] [--no-header] [--store DIR]\n"
    "Writes the rows with FROM <= ts_recv < TO as CSV to FILE (written whole, then renamed)\n"
    "or standard output. TS is ISO-8601 (2024-08-08T23:54:00Z) or an integer of ms (13\n"
    "digits), us (16) or ns (19). Columns, exact decimals at the stored scales:\n"
    "  trades, aggtrades  id,price,qty,quote_qty,time,is_buyer_maker   (Binance public data;\n"
    "                     time = venue time in ms, or us when finer)\n"
    "  bars_<tf>          ts,open,high,low,close,volume                 (ts = open, epoch s)\n"
    "  quotes             ts_recv,ts_venue,update_id,bid_price,bid_qty,ask_price,ask_qty\n"
    "  depth              ts_recv,ts_venue,update_id,first_update_id,side,action,price,qty,flags\n"
    "  funding            ts_recv,ts_venue,funding_ts,next_funding_ts,rate,mark_price\n"
    "(quotes, depth and funding times in ns). --no-header leaves the header line out.\n";

typedef struct nx__obuf {
    FILE *f;
    char buf[1 << 16];
    size_t n;
    int err;
} nx__obuf_t;

static void nx__oflush(nx__obuf_t *o) {
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n) o->err = errno ? errno : EIO;
    o->n = 0;
}
static void nx__os(nx__obuf_t *o, const char *s, size_t n) {
    if (o->n + n > sizeof o->buf) nx__oflush(o);
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}
static void nx__oc(nx__obuf_t *o, char c) { nx__os(o, &c, 1); }
static void nx__ou(nx__obuf_t *o, uint64_t v) {
    char t[24];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    nx__os(o, t + k, sizeof t - k);
}
static void nx__oi(nx__obuf_t *o, int64_t v) {
    if (v < 0) {
        nx__oc(o, '-');
        nx__ou(o, 0 - (uint64_t)v);
    } else {
        nx__ou(o, (uint64_t)v);
    }
}
static void nx__odec(nx__obuf_t *o, int64_t m, uint8_t s) {
    char t[NX_DEC_STRLEN];
    size_t n = nx_dec_format_raw(m, s, t);
    nx__os(o, t, n);
}
/* An exact 128-bit product at scale s, trailing fractional zeros trimmed (Binance quote_qty). */
static void nx__oprod(nx__obuf_t *o, int64_t a, int64_t b, unsigned s) {
    nx_i128 p = (nx_i128)a * b;
    int neg = p < 0;
    nx_u128 u = neg ? (nx_u128)0 - (nx_u128)p : (nx_u128)p;
    char t[64];
    size_t k = sizeof t;
    unsigned digits = 0;
    do {
        t[--k] = (char)('0' + (int)(u % 10));
        u /= 10;
        digits++;
    } while (u || digits <= s);
    /* t[k..] holds at least s+1 digits: integer part then s fraction digits */
    size_t len = sizeof t - k, ip = len - s;
    size_t end = len;
    while (end > ip && t[k + end - 1] == '0') end--;
    if (neg) nx__oc(o, '-');
    nx__os(o, t + k, ip);
    if (end > ip) {
        nx__oc(o, '.');
        nx__os(o, t + k + ip, end - ip);
    }
}
/* Binance-style time: ms when whole milliseconds, else us. */
static void nx__otime(nx__obuf_t *o, int64_t ts) {
    int64_t q = ts % NX_NS_PER_MS == 0 ? ts / NX_NS_PER_MS : ts / NX_NS_PER_US;
    nx__oi(o, q);
}

static void nx__export_row(nx__obuf_t *o, nx_data_kind_t kind, const nx_event_hdr_t *h) {
    const nx_event_t *e = (const nx_event_t *)(const void *)h;
    switch (kind) {
    case NX_KIND_TRADES:
    case NX_KIND_AGGTRADES: {
        const nx_ev_trade_t *t = &e->trade;
        nx__ou(o, t->trade_id);
        nx__oc(o, ',');
        nx__odec(o, t->price, t->price_scale);
        nx__oc(o, ',');
        nx__odec(o, t->qty, t->qty_scale);
        nx__oc(o, ',');
        nx__oprod(o, t->price, t->qty, (unsigned)t->price_scale + t->qty_scale);
        nx__oc(o, ',');
        nx__otime(o, h->ts_venue ? h->ts_venue : h->ts_recv);
        nx__os(o, t->aggressor == NX_SIDE_SELL ? ",true\n" : ",false\n",
               t->aggressor == NX_SIDE_SELL ? 6 : 7);
        break;
    }
    case NX_KIND_BARS: {
        const nx_ev_bar_t *b = &e->bar;
        /* bars: epoch seconds, as `nexus data bars`, `nexus ta` and the
         * reference bar files write them (a fraction only when needed) */
        nx__oi(o, nx_time_floor(h->ts_venue, NX_NS_PER_SEC) / NX_NS_PER_SEC);
        if (h->ts_venue % NX_NS_PER_SEC != 0) {
            int64_t frac = h->ts_venue - nx_time_floor(h->ts_venue, NX_NS_PER_SEC);
            char d[10];
            for (int i = 8; i >= 0; i--, frac /= 10) d[i] = (char)('0' + frac % 10);
            d[9] = '\0';
            nx__oc(o, '.');
            nx__os(o, d, 9);
        }
        const int64_t v[4] = {b->open, b->high, b->low, b->close};
        for (int i = 0; i < 4; i++) {
            nx__oc(o, ',');
            nx__odec(o, v[i], b->price_scale);
        }
        nx__oc(o, ',');
        nx__odec(o, b->volume, b->qty_scale);
        nx__oc(o, '\n');
        break;
    }
    case NX_KIND_QUOTES: {
        const nx_ev_quote_t *q = &e->quote;
        nx__oi(o, h->ts_recv);
        nx__oc(o, ',');
        nx__oi(o, h->ts_venue);
        nx__oc(o, ',');
        nx__ou(o, q->update_id);
        nx__oc(o, ',');
        nx__odec(o, q->bid_price, q->price_scale);
        nx__oc(o, ',');
        nx__odec(o, q->bid_qty, q->qty_scale);
        nx__oc(o, ',');
        nx__odec(o, q->ask_price, q->price_scale);
        nx__oc(o, ',');
        nx__odec(o, q->ask_qty, q->qty_scale);
        nx__oc(o, '\n');
        break;
    }
    case NX_KIND_DEPTH: {
        const nx_ev_book_delta_t *d = &e->book_delta;
        static const char *const sides[] = {"", "bid", "ask"};
        static const char *const acts[] = {"", "set", "delete", "clear"};
        nx__oi(o, h->ts_recv);
        nx__oc(o, ',');
        nx__oi(o, h->ts_venue);
        nx__oc(o, ',');
        nx__ou(o, d->update_id);
        nx__oc(o, ',');
        nx__ou(o, d->first_update_id);
        nx__oc(o, ',');
        const char *sd = d->side < 3 ? sides[d->side] : "?";
        nx__os(o, sd, strlen(sd));
        nx__oc(o, ',');
        const char *ac = d->action < 4 ? acts[d->action] : "?";
        nx__os(o, ac, strlen(ac));
        nx__oc(o, ',');
        nx__odec(o, d->price, d->price_scale);
        nx__oc(o, ',');
        nx__odec(o, d->qty, d->qty_scale);
        nx__oc(o, ',');
        if (d->flags & NX_BOOKF_SNAPSHOT) nx__os(o, "snapshot", 8);
        if ((d->flags & NX_BOOKF_SNAPSHOT) && (d->flags & NX_BOOKF_LAST)) nx__oc(o, '|');
        if (d->flags & NX_BOOKF_LAST) nx__os(o, "last", 4);
        nx__oc(o, '\n');
        break;
    }
    case NX_KIND_FUNDING: {
        const nx_ev_funding_t *f = &e->funding;
        nx__oi(o, h->ts_recv);
        nx__oc(o, ',');
        nx__oi(o, h->ts_venue);
        nx__oc(o, ',');
        nx__oi(o, f->funding_ts);
        nx__oc(o, ',');
        nx__oi(o, f->next_funding_ts);
        nx__oc(o, ',');
        nx__odec(o, f->rate, f->rate_scale);
        nx__oc(o, ',');
        nx__odec(o, f->mark_price, f->price_scale);
        nx__oc(o, '\n');
        break;
    }
    default: break;
    }
}

static const char *nx__export_header(nx_data_kind_t kind) {
    switch (kind) {
    case NX_KIND_TRADES:
    case NX_KIND_AGGTRADES: return "id,price,qty,quote_qty,time,is_buyer_maker\n";
    case NX_KIND_BARS: return "ts,open,high,low,close,volume\n";
    case NX_KIND_QUOTES: return "ts_recv,ts_venue,update_id,bid_price,bid_qty,ask_price,ask_qty\n";
    case NX_KIND_DEPTH:
        return "ts_recv,ts_venue,update_id,first_update_id,side,action,price,qty,flags\n";
    case NX_KIND_FUNDING: return "ts_recv,ts_venue,funding_ts,next_funding_ts,rate,mark_price\n";
    default: return "";
    }
}

static int nx__data_export(const nx_cli_global_t *g, int argc, char **argv) {
    nx__dopts_t o;
    int prc = nx__dparse("export", nx__help_export, NX__O_KEY | NX__O_KEYREQ | NX__O_RANGE | NX__O_OUT, argc,
                         argv, &o);
    if (prc) return nx__dexit(prc);
    nx_store_t *s = NULL;
    int ex = nx__open_ro(g, &o, "export", &s);
    if (ex != NX_EXIT_OK) return ex;
    nx_store_cursor_t *c = NULL;
    nx_store_stream_t st = {o.key, 0, 0};
    static nx__obuf_t ob;
    char partial[1100] = "";
    int rc = nx_store_cursor_open(s, &st, 1, o.from, o.to, &c);
    if (rc < 0) {
        ex = nx_cli_fail("data export", rc);
        goto out;
    }
    ob.n = 0;
    ob.err = 0;
    ob.f = stdout;
    if (o.out) {
        snprintf(partial, sizeof partial, "%s.partial", o.out);
        if (!(ob.f = fopen(partial, "wb"))) {
            fprintf(stderr, "nexus data export: %s: %s\n", partial, strerror(errno));
            ex = NX_EXIT_FAIL;
            goto out;
        }
    }
    if (!o.no_header) {
        const char *hd = nx__export_header(o.key.kind);
        nx__os(&ob, hd, strlen(hd));
    }
    nx_event_hdr_t *ev;
    while ((rc = nx_store_cursor_next(c, &ev)) == NX_OK && !ob.err)
        nx__export_row(&ob, o.key.kind, ev);
    nx__oflush(&ob);
    if (fflush(ob.f) != 0 && !ob.err) ob.err = errno ? errno : EIO;
    if (rc != NX_EEND && rc != NX_OK) {
        ex = nx_cli_fail("data export", rc);
    } else if (ob.err) {
        fprintf(stderr, "nexus data export: %s: %s\n", o.out ? partial : "standard output",
                strerror(ob.err));
        ex = NX_EXIT_FAIL;
    }
    if (o.out) {
        if (fclose(ob.f) != 0 && ex == NX_EXIT_OK) {
            fprintf(stderr, "nexus data export: %s: %s\n", partial, strerror(errno));
            ex = NX_EXIT_FAIL;
        }
        if (ex == NX_EXIT_OK && rename(partial, o.out) < 0) {
            fprintf(stderr, "nexus data export: rename %s: %s\n", o.out, strerror(errno));
            ex = NX_EXIT_FAIL;
        }
        if (ex != NX_EXIT_OK) unlink(partial);
    }
    if (ex == NX_EXIT_OK && o.out)
        fprintf(stderr, "nexus data export: %llu rows to %s\n",
                (unsigned long long)nx_store_cursor_rows(c), o.out);
out:
    nx_store_cursor_close(c);
    nx_store_close(s);
    return ex;
}
