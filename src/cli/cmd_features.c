/*
 * `nexus features --in BARS.csv [--feat SPECS] [--patterns[=PARAMS]]
 *  [--mtf SPEC]... [--base TF] [--out FILE]`: bar volatility features,
 * candlestick patterns and multi-timeframe indicators with their confluence
 * score over a bars CSV, with the CSV conventions of `nexus ta`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "nexus/data.h"
#include "nexus/core.h"
#include "nexus/features.h"
#include "nexus/patterns.h"
#include "nexus/ta.h"
#include "nexus/time.h"

#define NX__F_MAX_FEAT 64
#define NX__F_MAX_MTF 8

static void nx__f_usage(FILE *f) {
    fprintf(f,
            "usage: nexus features --in BARS.csv [--feat SPECS] [--patterns[=PARAMS]]\n"
            "                      [--mtf SPEC]... [--base TF] [--out FILE]\n"
            "\n"
            "Compute bar features, candlestick patterns and multi-timeframe indicators\n"
            "over bars and write them as CSV (one row per bar).\n"
            "\n"
            "  --in FILE        bars with the header ts,open,high,low,close,volume (as nexus ta)\n"
            "  --feat SPECS     volatility estimators over N bars, name:N[:periods_per_year]:\n"
            "                   parkinson gk rs yz rv, e.g. 'parkinson:20,gk:20,yz:20,rs:20,rv:20'\n"
            "  --patterns       candlestick patterns, one column cdl_<name> each (+1 bullish or\n"
            "                   present, -1 bearish, 0 none); --patterns=KEY=V,... sets thresholds\n"
            "                   (avg trend doji short long shadow_long shadow_short penetration\n"
            "                   pierce soldier_shadow gap strict)\n"
            "  --mtf SPEC       an indicator on several timeframes and their confluence score in\n"
            "                   [-1, 1], e.g. 'ema:20@1m,5m,15m' or 'rsi:14@5m=1,1h=2,dir=slope';\n"
            "                   may be repeated. A timeframe's value changes only when its bar\n"
            "                   closes (no look-ahead)\n"
            "  --base TF        span of the input bars (default 1m); bar times must be aligned\n"
            "  --out FILE       output (default: standard output)\n"
            "\n"
            "Columns: ts, then the features (yz_20), the patterns (cdl_doji ...), for each --mtf\n"
            "the indicator's outputs per timeframe (ema_20_5m) and the score (ema_20_mtf). A cell\n"
            "is empty while its value is not ready; numbers have 17 significant digits.\n"
            "Formulas and pattern rules: docs/features.md.\n"
            "\n"
            "exit codes: 0 ok, 1 bad input (FILE:LINE: message) or I/O error,\n"
            "            2 usage or bad --feat/--patterns/--mtf spec\n");
}

/* Buffered line reader over nx_malloc'd memory (as in cmd_ta.c). */

typedef struct {
    nx_feat_t *feat[NX__F_MAX_FEAT];
    size_t nfeat;
    nx_cdl_t *cdl;
    nx_mtf_t *mtf[NX__F_MAX_MTF];
    size_t nmtf;
} nx__fset_t;

static void nx__fset_free(nx__fset_t *s) {
    for (size_t i = 0; i < s->nfeat; i++) nx_feat_free(s->feat[i]);
    nx_cdl_free(s->cdl);
    for (size_t i = 0; i < s->nmtf; i++) nx_mtf_free(s->mtf[i]);
}

/* Visit every column name in output order; returns the count. */
static size_t nx__fset_cols(const nx__fset_t *s, const char **names, size_t cap) {
    size_t n = 0;
#define NX__PUT(x)                    \
    do {                              \
        if (n < cap) names[n] = (x);  \
        n++;                          \
    } while (0)
    static char cdl_cols[NX_CDL__COUNT][32];
    for (size_t i = 0; i < s->nfeat; i++) NX__PUT(nx_feat_name(s->feat[i]));
    if (s->cdl)
        for (int k = 0; k < NX_CDL__COUNT; k++) {
            snprintf(cdl_cols[k], sizeof cdl_cols[k], "cdl_%s", nx_cdl_kind_name((nx_cdl_kind_t)k));
            NX__PUT(cdl_cols[k]);
        }
    for (size_t i = 0; i < s->nmtf; i++) {
        const nx_mtf_t *m = s->mtf[i];
        for (size_t k = 0; k < nx_mtf_timeframes(m); k++)
            for (size_t o = 0; o < nx_ta_outputs(nx_mtf_indicator(m, k)); o++)
                NX__PUT(nx_mtf_column(m, k, o));
        NX__PUT(nx_mtf_score_name(m));
    }
#undef NX__PUT
    return n;
}

static int nx__put_num(char *buf, size_t cap, size_t *n, double v) {
    if (*n + 32 > cap) return -1;
    buf[(*n)++] = ',';
    if (!isnan(v)) {
        int w = snprintf(buf + *n, cap - *n, "%.17g", v);
        if (w < 0) return -1;
        *n += (size_t)w;
    }
    return 0;
}

static int nx__f_write_row(FILE *out, const nx_ta_row_t *r, const nx__fset_t *s, char *buf,
                           size_t cap) {
    size_t n = 0;
    if (r->ts_len + 1 > cap) return -1;
    memcpy(buf, r->ts_text, r->ts_len);
    n = r->ts_len;
    for (size_t i = 0; i < s->nfeat; i++)
        if (nx__put_num(buf, cap, &n, nx_feat_value(s->feat[i])) < 0) return -1;
    if (s->cdl) {
        int ready = nx_cdl_ready(s->cdl);
        const int8_t *sig = nx_cdl_signals(s->cdl);
        for (int k = 0; k < NX_CDL__COUNT; k++) {
            if (n + 4 > cap) return -1;
            buf[n++] = ',';
            if (!ready) continue;
            if (sig[k] < 0) buf[n++] = '-';
            buf[n++] = sig[k] ? '1' : '0';
        }
    }
    for (size_t i = 0; i < s->nmtf; i++) {
        const nx_mtf_t *m = s->mtf[i];
        for (size_t k = 0; k < nx_mtf_timeframes(m); k++) {
            const nx_ta_t *t = nx_mtf_indicator(m, k);
            for (size_t o = 0; o < nx_ta_outputs(t); o++)
                if (nx__put_num(buf, cap, &n, nx_ta_value(t, o)) < 0) return -1;
        }
        if (nx__put_num(buf, cap, &n, nx_mtf_score(m)) < 0) return -1;
    }
    buf[n++] = '\n';
    return fwrite(buf, 1, n, out) == n ? 0 : -1;
}

static int nx__parse_base(const char *s, int64_t *out) {
    size_t len = strlen(s);
    if (len < 2 || len > 8) return -1;
    int64_t v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    int64_t unit = s[len - 1] == 's' ? NX_NS_PER_SEC
                   : s[len - 1] == 'm' ? NX_NS_PER_MIN
                   : s[len - 1] == 'h' ? NX_NS_PER_HOUR
                   : s[len - 1] == 'd' ? NX_NS_PER_DAY
                                       : 0;
    if (!unit || v <= 0 || v > 86400) return -1;
    *out = v * unit;
    return 0;
}

/* Build everything from the flags; a bad spec is a usage error (exit 2). */
static int nx__fset_build(nx__fset_t *s, const char *feat, int patterns, const char *cdl_params,
                          const char *const *mtf, size_t nmtf, int64_t base_ns) {
    if (feat) {
        const char *a = feat, *end = feat + strlen(feat);
        for (;;) {
            const char *b = memchr(a, ',', (size_t)(end - a));
            if (!b) b = end;
            if (s->nfeat == NX__F_MAX_FEAT) {
                fprintf(stderr, "nexus features: --feat: more than %d features\n", NX__F_MAX_FEAT);
                return NX_EXIT_USAGE;
            }
            if (nx_feat_parse(a, (size_t)(b - a), &s->feat[s->nfeat]) < 0) {
                fprintf(stderr, "nexus features: --feat: '%.*s': %s\n", (int)(b - a), a,
                        nx_err_message());
                return NX_EXIT_USAGE;
            }
            s->nfeat++;
            if (b == end) break;
            a = b + 1;
        }
    }
    if (patterns) {
        nx_cdl_params_t p;
        nx_cdl_params_default(&p);
        if (cdl_params && nx_cdl_params_parse(cdl_params, strlen(cdl_params), &p) < 0) {
            fprintf(stderr, "nexus features: --patterns: %s\n", nx_err_message());
            return NX_EXIT_USAGE;
        }
        if (nx_cdl_new(&p, &s->cdl) < 0) {
            fprintf(stderr, "nexus features: --patterns: %s\n", nx_err_message());
            return NX_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < nmtf; i++) {
        if (nx_mtf_parse(mtf[i], strlen(mtf[i]), base_ns, &s->mtf[s->nmtf]) < 0) {
            fprintf(stderr, "nexus features: --mtf: '%s': %s\n", mtf[i], nx_err_message());
            return NX_EXIT_USAGE;
        }
        s->nmtf++;
    }
    const char *names[512];
    size_t nc = nx__fset_cols(s, names, NX_ARRAY_LEN(names));
    if (nc > NX_ARRAY_LEN(names)) {
        fprintf(stderr, "nexus features: more than %zu columns\n", NX_ARRAY_LEN(names));
        return NX_EXIT_USAGE;
    }
    for (size_t a = 0; a < nc; a++)
        for (size_t b = a + 1; b < nc; b++)
            if (strcmp(names[a], names[b]) == 0) {
                fprintf(stderr, "nexus features: duplicate column '%s'\n", names[a]);
                return NX_EXIT_USAGE;
            }
    return NX_EXIT_OK;
}

static int nx__fset_update(nx__fset_t *s, const nx_ta_bar_t *b) {
    int rc;
    for (size_t i = 0; i < s->nfeat; i++)
        if ((rc = nx_feat_update(s->feat[i], b)) < 0) return rc;
    if (s->cdl && (rc = nx_cdl_update(s->cdl, b)) < 0) return rc;
    for (size_t i = 0; i < s->nmtf; i++)
        if ((rc = nx_mtf_update(s->mtf[i], b)) < 0) return rc;
    return 0;
}

int nx_cli_features(const nx_cli_global_t *g, int argc, char **argv) {
    (void)g;
    const char *in = NULL, *feat = NULL, *outp = NULL, *cdl_params = NULL;
    const char *mtf[NX__F_MAX_MTF];
    size_t nmtf = 0;
    int patterns = 0;
    int64_t base_ns = NX_NS_PER_MIN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__f_usage(stdout);
            return NX_EXIT_OK;
        } else if (strcmp(a, "--in") == 0 && i + 1 < argc) {
            in = argv[++i];
        } else if (strcmp(a, "--feat") == 0 && i + 1 < argc) {
            feat = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            outp = argv[++i];
        } else if (strcmp(a, "--patterns") == 0) {
            patterns = 1;
        } else if (strncmp(a, "--patterns=", 11) == 0) {
            patterns = 1;
            cdl_params = a + 11;
        } else if (strcmp(a, "--mtf") == 0 && i + 1 < argc) {
            if (nmtf == NX__F_MAX_MTF) {
                fprintf(stderr, "nexus features: at most %d --mtf\n", NX__F_MAX_MTF);
                return NX_EXIT_USAGE;
            }
            mtf[nmtf++] = argv[++i];
        } else if (strcmp(a, "--base") == 0 && i + 1 < argc) {
            if (nx__parse_base(argv[++i], &base_ns) < 0) {
                fprintf(stderr, "nexus features: --base: bad timeframe '%s' (e.g. 1m, 5m, 1h)\n",
                        argv[i]);
                return NX_EXIT_USAGE;
            }
        } else {
            fprintf(stderr,
                    "nexus features: unknown or incomplete option '%s' (see nexus features --help)\n",
                    a);
            return NX_EXIT_USAGE;
        }
    }
    if (!in || (!feat && !patterns && !nmtf)) {
        fprintf(stderr, "nexus features: --in and at least one of --feat, --patterns, --mtf are "
                        "required (see nexus features --help)\n");
        return NX_EXIT_USAGE;
    }
    nx__fset_t set;
    memset(&set, 0, sizeof set);
    int code = nx__fset_build(&set, feat, patterns, cdl_params, mtf, nmtf, base_ns);
    if (code != NX_EXIT_OK) {
        nx__fset_free(&set);
        return code;
    }
    code = NX_EXIT_FAIL;
    nx_line_reader_t *rd = NULL;
    nx_cli_out_t oo = {NULL, NULL, ""};
    FILE *out = NULL;
    const char *names[512];
    size_t ncols = nx__fset_cols(&set, names, NX_ARRAY_LEN(names));
    size_t rowcap = 64 + ncols * 32 + NX_LINE_MAX;
    char *row = nx_malloc(rowcap);
    if (!row) {
        code = nx_cli_fail("features", NX_ENOMEM);
        goto done;
    }
    if (nx_line_reader_open(in, &rd) < 0) {
        fprintf(stderr, "nexus features: %s\n", nx_err_message());
        goto done;
    }
    uint64_t total = nx_line_reader_size(rd);
    int oc = nx_cli_out_open(&oo, "features", outp);
    if (oc != 0) {
        code = oc;
        goto done;
    }
    out = oo.f;

    const char *line;
    size_t len;
    uint64_t lineno = 1;
    int got = nx_cli_next_line(rd, &line, &len);
    if (got <= 0) {
        fprintf(stderr, "nexus features: %s:1: %s\n", in,
                got == 0 ? "empty file, expected the header ts,open,high,low,close,volume"
                         : nx_err_message());
        goto done;
    }
    if (nx_ta_csv_header(line, len) < 0) {
        fprintf(stderr, "nexus features: %s:1: %s\n", in, nx_err_message());
        goto done;
    }
    fputs("ts", out);
    for (size_t i = 0; i < ncols; i++) fprintf(out, ",%s", names[i]);
    fputc('\n', out);

    nx_cli_progress_t prog;
    nx_cli_progress_init(&prog, "features", total);
    for (;;) {
        got = nx_cli_next_line(rd, &line, &len);
        lineno++;
        if (got == 0) break;
        if (got < 0) {
            fprintf(stderr, "nexus features: %s:%llu: %s\n", in, (unsigned long long)lineno,
                    nx_err_message());
            goto done;
        }
        if (len == 0 || (len == 1 && line[0] == '\r')) continue;
        nx_ta_row_t r;
        if (nx_ta_csv_row(line, len, &r) < 0 || nx__fset_update(&set, &r.bar) < 0) {
            fprintf(stderr, "nexus features: %s:%llu: %s\n", in, (unsigned long long)lineno,
                    nx_err_message());
            goto done;
        }
        if (nx__f_write_row(out, &r, &set, row, rowcap) < 0) {
            fprintf(stderr, "nexus features: %s: write error: %s\n", nx_cli_out_name(&oo),
                    strerror(errno));
            goto done;
        }
        if ((lineno & 4095) == 0) nx_cli_progress_update(&prog, nx_line_reader_pos(rd));
    }
    nx_cli_progress_done(&prog);
    if (nx_cli_out_commit(&oo, "features") < 0) goto done;
    code = NX_EXIT_OK;
done:
    nx_cli_out_close(&oo);
    nx_line_reader_close(rd);
    nx_free(row);
    nx__fset_free(&set);
    return code;
}
