/*
 * `nexus data import`: files -> importer -> validator (quarantine) -> store.
 *
 * A file that cannot be read (bad packaging, a row that does not parse)
 * stops the import with file:line and column; the store writer is aborted,
 * so nothing is half-written. Rows that parse but break a validation rule
 * go to the quarantine file with the rule; the import goes on. The
 * quarantine rows of an import are appended to the quarantine file only
 * when the store commit succeeded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nexus/config.h"
#include "nexus/data.h"
#include "nexus/instrument.h"
#include "nexus/store.h"


/* Binance raw stream captures: one parser and one event array for the run. */
typedef struct {
    nx_data_msg_parser_t *parser;
    nx_event_t *evs;
    size_t cap;
    nx_data_stream_spec_t spec;
    nx_data_kind_t kind;
    const char *symbol;
    uint64_t skipped; /* messages of other kinds or symbols */
} nx__stream_t;

typedef struct {
    nx_store_writer_t *w;
    nx_validator_t *v;
    FILE *qf;          /* quarantine rows of this import (temporary file) */
    const char *where; /* current file (or file:entry) */
    uint64_t line;     /* current line, or JSON row */
    const char *raw;   /* current raw row (line formats), or NULL */
    size_t raw_len;
    uint64_t rows;     /* rows parsed */
    const char *q_where; /* the last row written to quarantine (one copy per row) */
    uint64_t q_line;
    nx__stream_t *stream;
} nx__imp_t;

static void nx__import_usage(FILE *f) {
    fprintf(f,
            "usage: nexus data import --venue V --symbol S --kind K [--format F] [options] FILE...\n"
            "\n"
            "Reads FILEs (plain, .gz or .zip, told apart by their bytes), validates every row,\n"
            "and stores the rows in the store partitioned by venue/symbol/kind/month.\n"
            "Importing the same rows twice stores nothing twice.\n"
            "\n"
            "  --venue V, --symbol S   the instrument (its tick and lot sizes give the scales)\n"
            "  --kind K                trades | aggtrades | quotes | bars_<tf> (bars_1m, bars_1h, ...)\n"
            "  --format F              binance-trades (default for trades), binance-aggtrades,\n"
            "                          binance-stream (raw `<recv_ns> <json>` captures: trades,\n"
            "                          aggtrades, quotes = bookTicker, depth = snapshots + diffs),\n"
            "                          binance-klines (bars), freqtrade-candles,\n"
            "                          freqtrade-trades, kraken-trades, lean-trades, lean-quotes,\n"
            "                          lean-bars, csv\n"
            "  --instruments FILE      instruments YAML (default: the --config's); or give\n"
            "  --price-scale N --qty-scale N   explicitly\n"
            "  --store DIR             store root (default <data-dir>/store)\n"
            "generic csv:\n"
            "  --columns MAP           e.g. ts=0,price=1,qty=2,id=3,side=4 (bars: open,high,low,\n"
            "                          close,volume; quotes: bid,bid_qty,ask,ask_qty)\n"
            "  --ts-format F           auto|s|ms|us|ns|iso (default auto)\n"
            "  --delim C               field separator (default ,)\n"
            "  --header yes|no|auto    (default auto)\n"
            "lean:\n"
            "  --lean-price-div N      price multiplier in the files (default 10000)\n"
            "  --lean-utc              times are ms since UTC midnight (crypto), not New York\n"
            "validation:\n"
            "  --max-gap SPAN          flag gaps longer than SPAN (e.g. 5m); off by default\n"
            "  --gap-reject            reject the row after a gap instead of flagging it\n"
            "  --max-jump PCT          reject moves beyond PCT%% of the previous price (default 50;\n"
            "                          0 disables)\n"
            "  --sort-window SPAN      sort rows arriving up to SPAN late instead of rejecting\n"
            "  --quarantine FILE       where rejected/flagged rows go (default\n"
            "                          <store>/quarantine/<venue>/<symbol>/<kind>.csv, appended)\n"
            "\n"
            "exit codes: 0 imported, 1 unreadable input or store failure (nothing stored),\n"
            "2 usage error\n");
}

/* s as a CSV field body: runs between quotes in one write each, quotes doubled. */
static void nx__q_field(FILE *f, const char *s, size_t n) {
    while (n) {
        const char *q = memchr(s, '"', n);
        size_t run = q ? (size_t)(q - s) : n;
        fwrite(s, 1, run, f);
        if (!q) break;
        fwrite("\"\"", 1, 2, f);
        s += run + 1;
        n -= run + 1;
    }
}

static int nx__q_write(void *ctx, nx_rule_t rule, int rejected, const nx_event_hdr_t *ev,
                       const char *detail) {
    (void)ev;
    nx__imp_t *im = ctx;
    /* file,line,rule,action,"detail","row" (CSV, quotes doubled). A row that
     * gives several events (a depth message) is written once; its other
     * entries leave the row empty. */
    fprintf(im->qf, "%s,%llu,%s,%s,\"", im->where, (unsigned long long)im->line, nx_rule_name(rule),
            rejected ? "rejected" : "flagged");
    nx__q_field(im->qf, detail, strlen(detail));
    fputs("\",\"", im->qf);
    if (im->raw && !(im->q_where == im->where && im->q_line == im->line))
        nx__q_field(im->qf, im->raw, im->raw_len);
    im->q_where = im->where;
    im->q_line = im->line;
    fputs("\"\n", im->qf);
    if (ferror(im->qf)) return NX_ERR(NX_EIO, "writing the quarantine file: %s", strerror(errno));
    return NX_OK;
}

static int nx__to_store(void *ctx, const nx_event_hdr_t *ev) {
    return nx_store_write_append(ctx, ev);
}

static int nx__to_validator(void *ctx, const nx_event_hdr_t *ev) {
    nx__imp_t *im = ctx;
    im->rows++;
    return nx_validator_push(im->v, ev);
}


/* Append the temporary quarantine rows to the quarantine file. */
static int nx__q_publish(FILE *tmp, const char *path) {
    char dir[4096];
    int dn = snprintf(dir, sizeof dir, "%s", path);
    if (dn < 0 || (size_t)dn >= sizeof dir) return NX_ERR(NX_EINVAL, "quarantine path too long");
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (nx_cli_mkdirs(dir) < 0) return NX_ERR(NX_EIO, "%s: %s", dir, strerror(errno));
    }
    struct stat st;
    int fresh = stat(path, &st) != 0 || st.st_size == 0;
    FILE *out = fopen(path, "a");
    if (!out) return NX_ERR(NX_EIO, "%s: %s", path, strerror(errno));
    if (fresh) fputs("file,line,rule,action,detail,row\n", out);
    rewind(tmp);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, tmp)) > 0) fwrite(buf, 1, n, out);
    int bad = ferror(tmp) || ferror(out);
    if (fclose(out) != 0 || bad) return NX_ERR(NX_EIO, "%s: write failed", path);
    return NX_OK;
}

static int nx__symbol_is(const char *a, size_t n, const char *b) {
    if (strlen(b) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = (char)(x - 32);
        if (y >= 'a' && y <= 'z') y = (char)(y - 32);
        if (x != y) return 0;
    }
    return 1;
}

/* One capture line: the message's events of the wanted kind and symbol. */
static int nx__stream_line(nx__imp_t *im, const char *l, size_t n) {
    nx__stream_t *s = im->stream;
    nx_data_msg_t msg;
    int rc = nx_data_parse_binance_line_kind(s->parser, l, n, s->kind, &s->spec, s->evs, s->cap,
                                             &msg);
    if (rc == NX_ENOTFOUND) {
        s->skipped++;
        return NX_OK;
    }
    if (rc < 0) return rc;
    /* multi-symbol captures: keep the asked symbol (snapshots name none) */
    if (msg.symbol && !nx__symbol_is(msg.symbol, msg.symbol_len, s->symbol)) {
        s->skipped++;
        return NX_OK;
    }
    for (size_t i = 0; i < msg.n_events; i++) {
        im->rows++;
        if ((rc = nx_validator_push(im->v, &s->evs[i].h)) < 0) return rc;
    }
    return NX_OK;
}

static int nx__import_file(nx__imp_t *im, nx_importer_t *imp, const char *path, int json,
                           nx_cli_progress_t *prog, uint64_t done_before) {
    nx_line_reader_t *r;
    int rc = nx_line_reader_open(path, &r);
    if (rc < 0) return rc;
    char entry[512] = "";
    im->where = nx_line_reader_where(r);
    if (imp) nx_importer_begin_file(imp, path);
    if (im->stream) {
        const char *l;
        size_t n;
        uint64_t k = 0;
        while ((rc = nx_line_reader_next(r, &l, &n)) == NX_OK) {
            im->line = nx_line_reader_lineno(r);
            im->raw = l;
            im->raw_len = n;
            if (n == 0) continue;
            if ((rc = nx__stream_line(im, l, n)) < 0) {
                rc = NX_ERR_APPEND(rc, "%s:%llu", im->where, (unsigned long long)im->line);
                break;
            }
            if ((++k & 0x3FFF) == 0) (prog->rows = im->rows, nx_cli_progress_update(prog, done_before + nx_line_reader_pos(r)));
        }
        if (rc == NX_EEND) rc = NX_OK;
    } else if (json) {
        const char *d;
        size_t n;
        while ((rc = nx_line_reader_read(r, &d, &n)) == NX_OK) {
            if (strcmp(entry, nx_line_reader_entry(r)) != 0) {
                snprintf(entry, sizeof entry, "%s", nx_line_reader_entry(r));
                im->where = nx_line_reader_where(r);
            }
            im->raw = NULL;
            rc = nx_importer_bytes(imp, d, n, nx__to_validator, im);
            im->line = nx_importer_json_row(imp);
            if (rc < 0) break;
            (prog->rows = im->rows, nx_cli_progress_update(prog, done_before + nx_line_reader_pos(r)));
        }
        if (rc == NX_EEND) rc = nx_importer_end(imp);
        if (rc < 0) rc = NX_ERR_APPEND(rc, "%s: JSON row %llu", im->where,
                                       (unsigned long long)nx_importer_json_row(imp) + 1);
    } else {
        const char *l;
        size_t n;
        uint64_t k = 0;
        while ((rc = nx_line_reader_next(r, &l, &n)) == NX_OK) {
            if (NX_UNLIKELY(strcmp(entry, nx_line_reader_entry(r)) != 0)) {
                /* a new zip entry: Lean takes the session date from its name */
                snprintf(entry, sizeof entry, "%s", nx_line_reader_entry(r));
                nx_importer_begin_file(imp, entry);
                im->where = nx_line_reader_where(r);
            }
            im->line = nx_line_reader_lineno(r);
            im->raw = l;
            im->raw_len = n;
            rc = nx_importer_line(imp, l, n, nx__to_validator, im);
            if (rc == NX_ENOTFOUND) continue;
            if (rc < 0) {
                rc = NX_ERR_APPEND(rc, "%s:%llu", im->where, (unsigned long long)im->line);
                break;
            }
            if ((++k & 0xFFFF) == 0) (prog->rows = im->rows, nx_cli_progress_update(prog, done_before + nx_line_reader_pos(r)));
        }
        if (rc == NX_EEND) rc = NX_OK;
    }
    nx_line_reader_close(r);
    return rc;
}

static int nx__arg_u8(const char *s, uint8_t *out) {
    if (!s[0] || strlen(s) > 2) return -1;
    unsigned v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > 18) return -1;
    *out = (uint8_t)v;
    return 0;
}

typedef struct {
    uint64_t rows, bytes;
} nx__psum_t;

static int nx__sum_part(void *ctx, const nx_store_partition_t *p) {
    nx__psum_t *s = ctx;
    s->rows += p->rows;
    s->bytes += p->bytes;
    return 0;
}

int nx_cli_data_import(const nx_cli_global_t *g, int argc, char **argv) {
    const char *venue = NULL, *symbol = NULL, *kind_s = NULL, *fmt_s = NULL, *inst_path = NULL;
    const char *store_dir = NULL, *qpath = NULL;
    const char *files[256];
    size_t nfiles = 0;
    int have_ps = 0, have_qs = 0;
    nx_import_opts_t io;
    nx_import_opts_default(&io);
    nx_validate_opts_t vo;
    nx_validate_opts_default(&vo);

#define NEED_ARG()                                                                             \
    do {                                                                                       \
        if (i + 1 >= argc) {                                                                   \
            fprintf(stderr, "nexus data import: %s needs a value\n", a);                       \
            return NX_EXIT_USAGE;                                                              \
        }                                                                                      \
    } while (0)
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__import_usage(stdout);
            return NX_EXIT_OK;
        }
        if (a[0] != '-') {
            if (nfiles >= NX_ARRAY_LEN(files)) {
                fprintf(stderr, "nexus data import: at most %zu files per import\n", NX_ARRAY_LEN(files));
                return NX_EXIT_USAGE;
            }
            files[nfiles++] = a;
            continue;
        }
        int bad = 0;
        if (strcmp(a, "--gap-reject") == 0) {
            vo.gap_rejects = 1;
            continue;
        }
        if (strcmp(a, "--lean-utc") == 0) {
            io.lean_utc = 1;
            continue;
        }
        NEED_ARG();
        const char *v = argv[++i];
        if (strcmp(a, "--venue") == 0) venue = v;
        else if (strcmp(a, "--symbol") == 0) symbol = v;
        else if (strcmp(a, "--kind") == 0) kind_s = v;
        else if (strcmp(a, "--format") == 0) fmt_s = v;
        else if (strcmp(a, "--instruments") == 0) inst_path = v;
        else if (strcmp(a, "--store") == 0) store_dir = v;
        else if (strcmp(a, "--quarantine") == 0) qpath = v;
        else if (strcmp(a, "--price-scale") == 0) bad = nx__arg_u8(v, &io.price_scale), have_ps = 1;
        else if (strcmp(a, "--qty-scale") == 0) bad = nx__arg_u8(v, &io.qty_scale), have_qs = 1;
        else if (strcmp(a, "--columns") == 0) bad = nx_csv_map_parse(v, &io.csv) < 0;
        else if (strcmp(a, "--ts-format") == 0) bad = nx_ts_format_parse(v, &io.csv.ts_format) < 0;
        else if (strcmp(a, "--delim") == 0) {
            bad = strlen(v) != 1 && strcmp(v, "\\t") != 0;
            io.csv.delim = strcmp(v, "\\t") == 0 ? '\t' : v[0];
        } else if (strcmp(a, "--header") == 0) {
            io.csv.header = strcmp(v, "yes") == 0 ? 1 : strcmp(v, "no") == 0 ? 0 : -1;
            bad = io.csv.header == -1 && strcmp(v, "auto") != 0;
        } else if (strcmp(a, "--lean-price-div") == 0) {
            int64_t d;
            bad = nx_duration_parse(v, strlen(v), &d) < 0 || d <= 0 || d > 1000000000;
            io.lean_price_div = (int)d; /* a bare integer parses as ns: the number itself */
        } else if (strcmp(a, "--max-gap") == 0) {
            bad = nx_duration_parse(v, strlen(v), &vo.max_gap_ns) < 0 || vo.max_gap_ns <= 0;
        } else if (strcmp(a, "--sort-window") == 0) {
            bad = nx_duration_parse(v, strlen(v), &vo.sort_window_ns) < 0 || vo.sort_window_ns < 0;
        } else if (strcmp(a, "--max-jump") == 0) {
            int64_t bp;
            bad = nx_dec_parse_scaled(v, strlen(v), 2, NX_ROUND_EXACT, &bp) < 0 || bp < 0;
            vo.max_jump_bp = bp; /* percent with 2 decimals = basis points */
        } else {
            fprintf(stderr, "nexus data import: unknown option '%s' (see --help)\n", a);
            return NX_EXIT_USAGE;
        }
        if (bad) {
            const char *m = nx_err_message();
            fprintf(stderr, "nexus data import: %s: bad value '%s'%s%s\n", a, v, *m ? ": " : "", m);
            return NX_EXIT_USAGE;
        }
    }
#undef NEED_ARG
    if (!venue || !symbol || !kind_s || nfiles == 0) {
        nx__import_usage(stderr);
        return NX_EXIT_USAGE;
    }
    nx_data_kind_t kind;
    if (nx_data_kind_parse(kind_s, &kind, &io.bar_ns) < 0) {
        fprintf(stderr, "nexus data import: --kind: %s\n", nx_err_message());
        return NX_EXIT_USAGE;
    }
    io.kind = kind;
    if (fmt_s) {
        if (nx_import_format_parse(fmt_s, &io.format) < 0) {
            fprintf(stderr, "nexus data import: --format: %s\n", nx_err_message());
            return NX_EXIT_USAGE;
        }
    } else {
        io.format = kind == NX_KIND_TRADES      ? NX_FMT_BINANCE_TRADES
                    : kind == NX_KIND_AGGTRADES ? NX_FMT_BINANCE_AGGTRADES
                    : kind == NX_KIND_BARS      ? NX_FMT_BINANCE_KLINES
                                                : NX_FMT_NONE;
        if (io.format == NX_FMT_NONE) {
            fprintf(stderr, "nexus data import: --kind %s needs --format\n", kind_s);
            return NX_EXIT_USAGE;
        }
    }

    /* Scales: from the instrument unless both are given. */
    nx_instruments_t *reg = NULL;
    if (!(have_ps && have_qs)) {
        if (!inst_path && g->config && g->config->instruments[0]) inst_path = g->config->instruments;
        if (!inst_path) {
            fprintf(stderr, "nexus data import: give --instruments FILE (or --price-scale and "
                            "--qty-scale)\n");
            return NX_EXIT_USAGE;
        }
        nx_cfg_diags_t *d = NULL;
        if (nx_cfg_diags_new(&d) < 0) return nx_cli_fail("data import", NX_ENOMEM);
        int rc = nx_instruments_load(inst_path, d, &reg);
        if (rc < 0) {
            nx_cfg_diags_print(d, stderr);
            if (!nx_cfg_diags_count(d)) fprintf(stderr, "nexus data import: %s\n", nx_err_message());
            nx_cfg_diags_free(d);
            return NX_EXIT_USAGE;
        }
        nx_cfg_diags_free(d);
        const nx_instrument_t *inst;
        if (nx_instruments_find(reg, venue, symbol, &inst) < 0) {
            fprintf(stderr, "nexus data import: %s:%s is not in %s\n", venue, symbol, inst_path);
            nx_instruments_free(reg);
            return NX_EXIT_USAGE;
        }
        if (!have_ps) io.price_scale = inst->price_precision;
        if (!have_qs) io.qty_scale = inst->size_precision;
        io.instrument = inst->id;
    }
    nx_instruments_free(reg);

    nx_importer_t *imp = NULL;
    static nx__stream_t stream;
    if (io.format == NX_FMT_BINANCE_STREAM) {
        if (kind != NX_KIND_TRADES && kind != NX_KIND_AGGTRADES && kind != NX_KIND_QUOTES &&
            kind != NX_KIND_DEPTH) {
            fprintf(stderr, "nexus data import: binance-stream gives trades, aggtrades, quotes or depth\n");
            return NX_EXIT_USAGE;
        }
        memset(&stream, 0, sizeof stream);
        stream.cap = NX_DATA_MSG_EVENTS(1000);
        stream.evs = nx_calloc(stream.cap, sizeof *stream.evs);
        if (!stream.evs || nx_data_msg_parser_new(1000, &stream.parser) < 0) {
            nx_free(stream.evs);
            return nx_cli_fail("data import", NX_ENOMEM);
        }
        stream.spec.instrument = io.instrument;
        stream.spec.price_scale = io.price_scale;
        stream.spec.qty_scale = io.qty_scale;
        stream.kind = kind;
        stream.symbol = symbol;
    } else if (nx_importer_new(&io, &imp) < 0) {
        fprintf(stderr, "nexus data import: %s\n", nx_err_message());
        return NX_EXIT_USAGE;
    }

    char root[4096], qdef[4600];
    if (!store_dir) {
        char dd[4000];
        if (nx_cli_data_dir(g, dd, sizeof dd) < 0) {
            nx_importer_free(imp);
            return nx_cli_fail("data import", NX_EINVAL);
        }
        snprintf(root, sizeof root, "%s/store", dd);
        store_dir = root;
    }
    if (!qpath) {
        snprintf(qdef, sizeof qdef, "%s/quarantine/%s/%s/%s.csv", store_dir, venue, symbol, kind_s);
        qpath = qdef;
    }

    int exit_code = NX_EXIT_FAIL, rc;
    const char *stage = "data import";
    nx_store_t *st = NULL;
    nx__imp_t im;
    memset(&im, 0, sizeof im);
    if (io.format == NX_FMT_BINANCE_STREAM) im.stream = &stream;
    im.qf = tmpfile();
    if (!im.qf) {
        nx_importer_free(imp);
        return nx_cli_fail("data import", NX_ERR(NX_EIO, "temporary file: %s", strerror(errno)));
    }
    if (nx_cli_mkdirs(store_dir) < 0) {
        rc = NX_ERR(NX_EIO, "%s: %s", store_dir, strerror(errno));
        goto fail;
    }
    if ((rc = nx_store_open(store_dir, NULL, &st)) < 0) goto fail;
    nx_store_key_t key = {venue, symbol, kind, io.bar_ns};
    if ((rc = nx_store_write_begin(st, &key, &im.w)) < 0) goto fail;
    if ((rc = nx_validator_new(&vo, nx__to_store, im.w, nx__q_write, &im, &im.v)) < 0) goto fail;

    uint64_t total = 0, done = 0;
    for (size_t f = 0; f < nfiles; f++) {
        struct stat fs;
        if (stat(files[f], &fs) == 0) total += (uint64_t)fs.st_size;
    }
    nx_cli_progress_t prog;
    nx_cli_progress_init(&prog, "import", total);
    int64_t t0 = nx_mono_now();
    for (size_t f = 0; f < nfiles; f++) {
        rc = nx__import_file(&im, imp, files[f], nx_import_format_is_json(io.format), &prog, done);
        /* stream captures: other kinds and symbols in the file are skipped, counted */
        if (rc < 0) {
            stage = "data import";
            goto fail;
        }
        struct stat fs;
        if (stat(files[f], &fs) == 0) done += (uint64_t)fs.st_size;
    }
    if ((rc = nx_validator_flush(im.v)) < 0) goto fail;
    nx_cli_progress_done(&prog);
    nx_store_write_stats_t ws;
    rc = nx_store_write_commit(im.w, &ws);
    im.w = NULL;
    if (rc < 0) {
        stage = "store";
        goto fail;
    }
    double secs = (double)(nx_mono_now() - t0) / 1e9;
    if (fflush(im.qf) != 0 || (rc = nx__q_publish(im.qf, qpath)) < 0) {
        stage = "quarantine";
        goto fail;
    }

    nx_validate_stats_t vs;
    nx_validator_stats(im.v, &vs);
    nx__psum_t ps = {0, 0};
    nx_store_key_t pk = {venue, symbol, kind, io.bar_ns};
    nx_store_partitions(st, &pk, nx__sum_part, &ps);
    char a[NX_TIME_STRLEN] = "-", b[NX_TIME_STRLEN] = "-";
    if (vs.passed) {
        nx_time_format_prec(vs.first_ts, 3, a);
        nx_time_format_prec(vs.last_ts, 3, b);
    }
    printf("import %s %s %s (%s): %zu file%s, %.2f s, %.2f million rows/s\n", venue, symbol,
           kind_s, nx_import_format_name(io.format), nfiles, nfiles == 1 ? "" : "s", secs,
           secs > 0 ? (double)vs.in / secs / 1e6 : 0.0);
    printf("  rows read        %llu\n", (unsigned long long)vs.in);
    if (im.stream)
        printf("  messages skipped %llu (other kinds or symbols)\n",
               (unsigned long long)im.stream->skipped);
    printf("  stored           %llu new, %llu already stored\n", (unsigned long long)ws.stored,
           (unsigned long long)ws.duplicates);
    printf("  quarantined      %llu rejected, %llu flagged", (unsigned long long)vs.rejected,
           (unsigned long long)vs.flagged);
    if (vs.rejected || vs.flagged) {
        printf(" (");
        int first = 1;
        for (int r = 0; r < NX_RULE_COUNT; r++) {
            if (!vs.by_rule[r]) continue;
            printf("%s%s %llu", first ? "" : ", ", nx_rule_name((nx_rule_t)r),
                   (unsigned long long)vs.by_rule[r]);
            first = 0;
        }
        printf(") -> %s", qpath);
    }
    printf("\n  time range       %s .. %s\n", a, b);
    if (ps.rows)
        printf("  partition        %llu rows, %llu bytes, %.2f bytes/row\n",
               (unsigned long long)ps.rows, (unsigned long long)ps.bytes,
               (double)ps.bytes / (double)ps.rows);
    exit_code = NX_EXIT_OK;
    goto done;

fail:
    nx_cli_fail(stage, rc);
    fprintf(stderr, "nexus data import: nothing was stored\n");
done:
    if (im.w) nx_store_write_abort(im.w);
    nx_validator_free(im.v);
    nx_store_close(st);
    nx_importer_free(imp);
    if (im.stream) {
        nx_data_msg_parser_free(im.stream->parser);
        nx_free(im.stream->evs);
    }
    if (im.qf) fclose(im.qf);
    return exit_code;
}
