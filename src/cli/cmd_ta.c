/*
 * `nexus ta --in BARS.csv --ind SPECS [--out VALUES.csv]`: run streaming
 * indicators over a bars CSV and write one column per indicator output.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "nexus/data.h"
#include "nexus/core.h"
#include "nexus/decimal.h"
#include "nexus/store.h"
#include "nexus/ta.h"


static void nx__ta_usage(FILE *f) {
    fprintf(f,
            "usage: nexus ta --in BARS.csv --ind SPECS [--out VALUES.csv]\n"
            "       nexus ta --venue V --symbol S --tf 1m [--from TS] [--to TS] [--store DIR]\n"
            "                --ind SPECS [--out VALUES.csv]   (bars from the store)\n"
            "\n"
            "Run streaming indicators over bars and write their values as CSV.\n"
            "\n"
            "  --in FILE    bars with the header ts,open,high,low,close,volume; ts is\n"
            "               epoch s/ms/us/ns or ISO-8601 and is copied through as written\n"
            "  --ind SPECS  comma-separated indicators, name[:param...], e.g.\n"
            "               'sma:20,rsi:14,macd:12:26:9,bbands:20:2:2'\n"
            "  --out FILE   output (default: standard output)\n"
            "\n"
            "Output: ts, then one column per output named <name>_<params joined by _>\n"
            "with a suffix where there are several (macd_12_26_9_signal,\n"
            "bbands_20_2_2_upper, stoch_14_3_3_slowk, aroon_14_up); parameters appear\n"
            "exactly as written (sar:0.02:0.2 -> sar_0.02_0.2). A cell is empty while\n"
            "its indicator is not ready; values have 17 significant digits.\n"
            "\n"
            "Indicators: sma ema wma dema tema trima kama hma vwma rsi macd ppo bbands\n"
            "atr natr trange adx adxr di cci stoch stochrsi willr mfi obv ad adosc roc\n"
            "mom cmo aroon aroonosc sar stddev var trix ultosc ichimoku supertrend\n"
            "keltner donchian vwap linregslope zscore (parameters and options: docs/ta.md).\n"
            "Defaults and seeding follow TA-Lib 0.6.4.\n"
            "\n"
            "exit codes: 0 ok, 1 bad input (FILE:LINE: column: message) or I/O error,\n"
            "            2 usage or bad --ind spec\n");
}

/* Buffered line reader over nx_malloc'd memory (no getline: it would malloc). */

static int nx__write_row(FILE *out, const char *ts, size_t ts_len, const nx_ta_set_t *set,
                         char *buf, size_t cap) {
    size_t n = 0;
    if (ts_len + 1 > cap) return -1;
    memcpy(buf, ts, ts_len);
    n = ts_len;
    for (size_t i = 0; i < nx_ta_set_count(set); i++) {
        const nx_ta_t *t = nx_ta_set_get(set, i);
        int ready = nx_ta_ready(t);
        const double *v = nx_ta_values(t);
        for (size_t k = 0; k < nx_ta_outputs(t); k++) {
            if (n + 32 > cap) return -1;
            buf[n++] = ',';
            if (ready) {
                int w = snprintf(buf + n, cap - n, "%.17g", v[k]);
                if (w < 0) return -1;
                n += (size_t)w;
            }
        }
    }
    buf[n++] = '\n';
    return fwrite(buf, 1, n, out) == n ? 0 : -1;
}

/* Name of the idx-th output column over the whole set. */
static const char *nx__col_name(const nx_ta_set_t *set, size_t idx) {
    for (size_t i = 0; i < nx_ta_set_count(set); i++) {
        const nx_ta_t *t = nx_ta_set_get(set, i);
        if (idx < nx_ta_outputs(t)) return nx_ta_output_name(t, idx);
        idx -= nx_ta_outputs(t);
    }
    return "";
}

int nx_cli_ta(const nx_cli_global_t *g, int argc, char **argv) {
    const char *in = NULL, *ind = NULL, *outp = NULL;
    const char *venue = NULL, *symbol = NULL, *tf_s = NULL, *store_dir = NULL;
    const char *from_s = NULL, *to_s = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__ta_usage(stdout);
            return NX_EXIT_OK;
        } else if (strcmp(a, "--in") == 0 && i + 1 < argc) {
            in = argv[++i];
        } else if (strcmp(a, "--ind") == 0 && i + 1 < argc) {
            ind = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            outp = argv[++i];
        } else if (strcmp(a, "--venue") == 0 && i + 1 < argc) {
            venue = argv[++i];
        } else if (strcmp(a, "--symbol") == 0 && i + 1 < argc) {
            symbol = argv[++i];
        } else if (strcmp(a, "--tf") == 0 && i + 1 < argc) {
            tf_s = argv[++i];
        } else if (strcmp(a, "--store") == 0 && i + 1 < argc) {
            store_dir = argv[++i];
        } else if (strcmp(a, "--from") == 0 && i + 1 < argc) {
            from_s = argv[++i];
        } else if (strcmp(a, "--to") == 0 && i + 1 < argc) {
            to_s = argv[++i];
        } else {
            fprintf(stderr, "nexus ta: unknown or incomplete option '%s' (see nexus ta --help)\n",
                    a);
            return NX_EXIT_USAGE;
        }
    }
    int from_store = venue || symbol || tf_s;
    if (!ind || (!in && !from_store) || (in && from_store) ||
        (from_store && (!venue || !symbol || !tf_s))) {
        fprintf(stderr, "nexus ta: --ind and either --in FILE or --venue, --symbol and --tf are "
                        "required (see nexus ta --help)\n");
        return NX_EXIT_USAGE;
    }
    int64_t tf = 0, from = NX_STORE_TS_MIN, to = NX_STORE_TS_MAX;
    if (from_store) {
        if (nx_duration_parse(tf_s, strlen(tf_s), &tf) < 0 || tf <= 0) {
            fprintf(stderr, "nexus ta: --tf: bad span '%s'\n", tf_s);
            return NX_EXIT_USAGE;
        }
        if ((from_s && nx_time_parse(from_s, strlen(from_s), &from) < 0) ||
            (to_s && nx_time_parse(to_s, strlen(to_s), &to) < 0)) {
            fprintf(stderr, "nexus ta: %s\n", nx_err_message());
            return NX_EXIT_USAGE;
        }
    }

    /* The indicator set: a bad spec is a usage error, nothing is read. */
    size_t nspec = 1;
    for (const char *p = ind; *p; p++) nspec += *p == ',';
    if (nspec > NX_TA_SET_MAX) {
        fprintf(stderr, "nexus ta: --ind: more than %d indicators\n", NX_TA_SET_MAX);
        return NX_EXIT_USAGE;
    }
    nx_ta_set_t *set = NULL;
    int rc = nx_ta_set_new(nspec, &set);
    if (rc < 0) return nx_cli_fail("ta", rc);
    rc = nx_ta_set_add_list(set, ind, strlen(ind));
    if (rc < 0) {
        fprintf(stderr, "nexus ta: --ind: %s\n", nx_err_message());
        nx_ta_set_free(set);
        return NX_EXIT_USAGE;
    }
    size_t ncols = nx_ta_set_outputs(set);
    for (size_t a = 0; a < ncols; a++)
        for (size_t b = a + 1; b < ncols; b++)
            if (strcmp(nx__col_name(set, a), nx__col_name(set, b)) == 0) {
                fprintf(stderr, "nexus ta: --ind: duplicate column '%s'\n", nx__col_name(set, a));
                nx_ta_set_free(set);
                return NX_EXIT_USAGE;
            }

    int code = NX_EXIT_FAIL;
    nx_line_reader_t *rd = NULL;
    nx_store_t *stor = NULL;
    nx_store_cursor_t *cur = NULL;
    nx_cli_out_t oo = {NULL, NULL, ""};
    FILE *out = NULL;
    size_t rowcap = 64 + nx_ta_set_outputs(set) * 32 + NX_LINE_MAX;
    char *row = nx_malloc(rowcap);
    if (!row) {
        code = nx_cli_fail("ta", NX_ENOMEM);
        goto done;
    }
    uint64_t total = 0;
    if (from_store) {
        char root[4096];
        if (!store_dir) {
            char dd[4000];
            if (nx_cli_data_dir(g, dd, sizeof dd) < 0) {
                code = nx_cli_fail("ta", NX_EINVAL);
                goto done;
            }
            snprintf(root, sizeof root, "%s/store", dd);
            store_dir = root;
        }
        nx_store_opts_t so;
        nx_store_opts_default(&so);
        so.flags |= NX_STORE_RDONLY;
        nx_store_stream_t s = {{venue, symbol, NX_KIND_BARS, tf}, 0, 0};
        if ((rc = nx_store_open(store_dir, &so, &stor)) < 0 ||
            (rc = nx_store_cursor_open(stor, &s, 1, from, to, &cur)) < 0) {
            nx_cli_fail("ta", rc);
            goto done;
        }
        in = "store";
    } else {
        if (nx_line_reader_open(in, &rd) < 0) {
            fprintf(stderr, "nexus ta: %s\n", nx_err_message());
            goto done;
        }
        total = nx_line_reader_size(rd);
    }
    int oc = nx_cli_out_open(&oo, "ta", outp);
    if (oc != 0) {
        code = oc;
        goto done;
    }
    out = oo.f;

    const char *line;
    size_t len;
    uint64_t lineno = 1;
    int got = from_store ? 1 : nx_cli_next_line(rd, &line, &len);
    if (from_store) {
        /* no header to check: the store's bars are typed */
    } else if (got <= 0) {
        fprintf(stderr, "nexus ta: %s:1: %s\n", in,
                got == 0 ? "empty file, expected the header ts,open,high,low,close,volume"
                         : nx_err_message());
        goto done;
    }
    if (!from_store && nx_ta_csv_header(line, len) < 0) {
        fprintf(stderr, "nexus ta: %s:1: %s\n", in, nx_err_message());
        goto done;
    }
    /* header */
    fputs("ts", out);
    for (size_t i = 0; i < nx_ta_set_count(set); i++)
        for (size_t k = 0; k < nx_ta_outputs(nx_ta_set_get(set, i)); k++)
            fprintf(out, ",%s", nx_ta_output_name(nx_ta_set_get(set, i), k));
    fputc('\n', out);

    nx_cli_progress_t prog;
    nx_cli_progress_init(&prog, "ta", total);
    for (;;) {
        if (from_store) {
            nx_event_hdr_t *ev;
            char tsb[40];
            nx_ta_row_t r;
            rc = nx_store_cursor_next(cur, &ev);
            lineno++;
            if (rc == NX_EEND) break;
            if (rc < 0 || (nx_ta_row_from_bar((const nx_ev_bar_t *)ev, tsb, sizeof tsb, &r),
                           nx_ta_set_update(set, &r.bar)) < 0) {
                fprintf(stderr, "nexus ta: %s %s bars_%s row %llu: %s\n", venue, symbol, tf_s,
                        (unsigned long long)lineno - 1, nx_err_message());
                goto done;
            }
            if (nx__write_row(out, r.ts_text, r.ts_len, set, row, rowcap) < 0) {
                fprintf(stderr, "nexus ta: %s: write error: %s\n", nx_cli_out_name(&oo),
                        strerror(errno));
                goto done;
            }
            continue;
        }
        got = nx_cli_next_line(rd, &line, &len);
        lineno++;
        if (got == 0) break;
        if (got < 0) {
            fprintf(stderr, "nexus ta: %s:%llu: %s\n", in, (unsigned long long)lineno,
                    nx_err_message());
            goto done;
        }
        if (len == 0 || (len == 1 && line[0] == '\r')) continue;
        nx_ta_row_t r;
        if (nx_ta_csv_row(line, len, &r) < 0 || nx_ta_set_update(set, &r.bar) < 0) {
            fprintf(stderr, "nexus ta: %s:%llu: %s\n", in, (unsigned long long)lineno,
                    nx_err_message());
            goto done;
        }
        if (nx__write_row(out, r.ts_text, r.ts_len, set, row, rowcap) < 0) {
            fprintf(stderr, "nexus ta: %s: write error: %s\n", nx_cli_out_name(&oo),
                    strerror(errno));
            goto done;
        }
        if ((lineno & 4095) == 0) nx_cli_progress_update(&prog, nx_line_reader_pos(rd));
    }
    nx_cli_progress_done(&prog);
    if (nx_cli_out_commit(&oo, "ta") < 0) goto done;
    code = NX_EXIT_OK;
done:
    nx_cli_out_close(&oo);
    nx_line_reader_close(rd);
    nx_store_cursor_close(cur);
    nx_store_close(stor);
    nx_free(row);
    nx_ta_set_free(set);
    return code;
}
