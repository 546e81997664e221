/*
 * `nexus regime fit|label`: fit the regime HMM on a bars CSV and label bars
 * with the regime detector (nexus/regime.h, docs/regime.md).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "nexus/core.h"
#include "nexus/regime.h"
#include "nexus/store.h"
#include "nexus/ta.h"

#define NX__RG_LINE_MAX 65536
#define NX__RG_ROWS_MAX (UINT64_C(1) << 31) /* feature rows kept in memory by fit */

static void nx__regime_usage(FILE *f) {
    fprintf(f,
            "usage: nexus regime fit --in BARS.csv [--states K] [--seed N] [--out MODEL]\n"
            "                        [--restarts R] [--max-iter N] [--tol X]\n"
            "                        [--ret-window R] [--vol-window W] [--trend-t T]\n"
            "       nexus regime label --in BARS.csv [--model MODEL] [--out LABELS.csv]\n"
            "\n"
            "The regime detector: one label per bar for every strategy (TRENDING_UP,\n"
            "TRENDING_DOWN, MEAN_REVERTING, HIGH_VOLATILITY, LOW_VOLATILITY, BREAKOUT,\n"
            "CRISIS, UNKNOWN).\n"
            "\n"
            "fit    fits a Gaussian HMM (full 2x2 covariances) by Baum-Welch to the bars'\n"
            "       features r (mean log return, %%, over --ret-window bars, default 1) and\n"
            "       v (log Parkinson volatility, %%, over --vol-window bars, default 10);\n"
            "       prints the log-likelihood of every restart, the chosen model (means,\n"
            "       covariances, transition matrix) and the state -> label mapping.\n"
            "  --states K      2..4 (default 3)\n"
            "  --seed N        seed of the random restarts (default 1); same seed, same model\n"
            "  --restarts R    1..64 (default 5); restart 0 starts from volatility quantiles\n"
            "  --max-iter N    Baum-Welch iterations per restart (default 300)\n"
            "  --tol X         stop when the log-likelihood gains <= X relative (default 1e-7)\n"
            "  --trend-t T     drift/noise of a state's r to call it trending (default 0.1)\n"
            "  --out MODEL     write the model file (text, versioned)\n"
            "\n"
            "label  runs the detector over the bars and writes ts,label per bar, plus\n"
            "       p_state0.. (filtered posteriors, empty while warming up) with --model.\n"
            "       Without --model the threshold classifier alone decides.\n"
            "  --model MODEL   a file written by `nexus regime fit --out`\n"
            "  --out FILE      output (default: standard output)\n"
            "\n"
            "--in: bars with the header ts,open,high,low,close,volume (as `nexus ta`), or\n"
            "      store:VENUE:SYMBOL:TF for stored bars (e.g. store:binance:BTCUSDT:1m;\n"
            "      --store DIR, default <data-dir>/store).\n"
            "Reading bars from the store is not wired yet: export them to CSV first.\n"
            "\n"
            "exit codes: 0 ok, 1 bad input (FILE:LINE: message) or I/O error, 2 usage\n");
}

/* ------------------------------------------------------------------------- */
/* Bars                                                                      */
/* ------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    FILE *f;
    char *line; /* NX__RG_LINE_MAX + 2 bytes */
    uint64_t lineno, size, consumed;
    /* --in store:VENUE:SYMBOL:TF reads bars_<TF> from the store */
    nx_store_t *st;
    nx_store_cursor_t *cur;
    char ts[40];
} nx__bars_t;

static const nx_cli_global_t *nx__g;   /* for the data directory */
static const char *nx__store_dir;      /* --store DIR */

/* "store:binance:BTCUSDT:1m" -> cursor over the stored bars_1m. */
static int nx__bars_open_store(nx__bars_t *b, const char *spec) {
    char venue[64], symbol[64], tf_s[32];
    const char *p = spec + 6, *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    int64_t tf;
    if (!c1 || !c2 || (size_t)(c1 - p) >= sizeof venue || (size_t)(c2 - c1 - 1) >= sizeof symbol ||
        strlen(c2 + 1) >= sizeof tf_s || c1 == p || c2 == c1 + 1) {
        fprintf(stderr, "nexus regime: --in %s: want store:VENUE:SYMBOL:TF (e.g. "
                        "store:binance:BTCUSDT:1m)\n", spec);
        return -1;
    }
    memcpy(venue, p, (size_t)(c1 - p));
    venue[c1 - p] = '\0';
    memcpy(symbol, c1 + 1, (size_t)(c2 - c1 - 1));
    symbol[c2 - c1 - 1] = '\0';
    memcpy(tf_s, c2 + 1, strlen(c2 + 1) + 1);
    if (nx_duration_parse(tf_s, strlen(tf_s), &tf) < 0 || tf <= 0) {
        fprintf(stderr, "nexus regime: --in %s: bad timeframe '%s'\n", spec, tf_s);
        return -1;
    }
    char root[4096];
    const char *dir = nx__store_dir;
    if (!dir) {
        char dd[4000];
        if (nx_cli_data_dir(nx__g, dd, sizeof dd) < 0) {
            fprintf(stderr, "nexus regime: %s\n", nx_err_message());
            return -1;
        }
        snprintf(root, sizeof root, "%s/store", dd);
        dir = root;
    }
    nx_store_opts_t so;
    nx_store_opts_default(&so);
    so.flags |= NX_STORE_RDONLY;
    nx_store_stream_t s = {{venue, symbol, NX_KIND_BARS, tf}, 0, 0};
    if (nx_store_open(dir, &so, &b->st) < 0 ||
        nx_store_cursor_open(b->st, &s, 1, NX_STORE_TS_MIN, NX_STORE_TS_MAX, &b->cur) < 0) {
        fprintf(stderr, "nexus regime: %s: %s\n", spec, nx_err_message());
        return -1;
    }
    return 0;
}

/* Open and check the header. 0, or prints "nexus regime: FILE:LINE: ..." and returns -1. */
static int nx__bars_open(nx__bars_t *b, const char *path) {
    memset(b, 0, sizeof *b);
    b->path = path;
    if (strncmp(path, "store:", 6) == 0) return nx__bars_open_store(b, path);
    b->line = nx_malloc(NX__RG_LINE_MAX + 2);
    if (!b->line) {
        fprintf(stderr, "nexus regime: out of memory\n");
        return -1;
    }
    b->f = fopen(path, "rb");
    if (!b->f) {
        fprintf(stderr, "nexus regime: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(b->f), &st) == 0 && st.st_size > 0) b->size = (uint64_t)st.st_size;
    if (!fgets(b->line, NX__RG_LINE_MAX + 2, b->f)) {
        fprintf(stderr, "nexus regime: %s:1: empty file, expected the header "
                        "ts,open,high,low,close,volume\n", path);
        return -1;
    }
    b->lineno = 1;
    size_t len = strcspn(b->line, "\n");
    b->consumed = len + 1;
    if (nx_ta_csv_header(b->line, len) < 0) {
        fprintf(stderr, "nexus regime: %s:1: %s\n", path, nx_err_message());
        return -1;
    }
    return 0;
}

/* 1 and a row, 0 at the end, -1 on error (printed). Blank lines are skipped. */
static int nx__bars_next(nx__bars_t *b, nx_ta_row_t *r) {
    if (b->cur) {
        nx_event_hdr_t *ev;
        int rc = nx_store_cursor_next(b->cur, &ev);
        if (rc == NX_EEND) return 0;
        if (rc < 0) {
            fprintf(stderr, "nexus regime: %s: %s\n", b->path, nx_err_message());
            return -1;
        }
        b->lineno++;
        nx_ta_row_from_bar((const nx_ev_bar_t *)ev, b->ts, sizeof b->ts, r);
        return 1;
    }
    for (;;) {
        if (!fgets(b->line, NX__RG_LINE_MAX + 2, b->f)) {
            if (ferror(b->f)) {
                fprintf(stderr, "nexus regime: %s: read error: %s\n", b->path, strerror(errno));
                return -1;
            }
            return 0;
        }
        b->lineno++;
        size_t len = strlen(b->line);
        b->consumed += len;
        if (len > 0 && b->line[len - 1] == '\n') len--;
        else if (len > NX__RG_LINE_MAX) {
            fprintf(stderr, "nexus regime: %s:%llu: line longer than %u bytes\n", b->path,
                    (unsigned long long)b->lineno, NX__RG_LINE_MAX);
            return -1;
        }
        if (len == 0 || (len == 1 && b->line[0] == '\r')) continue;
        if (nx_ta_csv_row(b->line, len, r) < 0) {
            fprintf(stderr, "nexus regime: %s:%llu: %s\n", b->path,
                    (unsigned long long)b->lineno, nx_err_message());
            return -1;
        }
        return 1;
    }
}

static void nx__bars_close(nx__bars_t *b) {
    if (b->f) fclose(b->f);
    nx_store_cursor_close(b->cur);
    nx_store_close(b->st);
    nx_free(b->line);
}

/* ------------------------------------------------------------------------- */
/* Flags                                                                     */
/* ------------------------------------------------------------------------- */

static int nx__flag_u32(const char *flag, const char *s, uint32_t lo, uint32_t hi,
                        uint32_t *out) {
    uint64_t v = 0;
    size_t n = strlen(s);
    int ok = n > 0 && n <= 10;
    for (size_t i = 0; ok && i < n; i++) {
        ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!ok || v < lo || v > hi) {
        fprintf(stderr, "nexus regime: %s: expected an integer in [%u, %u], got '%s'\n", flag,
                lo, hi, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int nx__flag_u64(const char *flag, const char *s, uint64_t *out) {
    uint64_t v = 0;
    size_t n = strlen(s);
    int ok = n > 0 && n <= 20;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        ok = s[i] >= '0' && s[i] <= '9' && v <= (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    if (!ok) {
        fprintf(stderr, "nexus regime: %s: expected a non-negative integer, got '%s'\n", flag,
                s);
        return -1;
    }
    *out = v;
    return 0;
}

static int nx__flag_double(const char *flag, const char *s, double lo, double hi,
                           double *out) {
    double v;
    if (nx_ta_parse_double(s, strlen(s), &v) < 0 || !(v >= lo && v <= hi)) {
        fprintf(stderr, "nexus regime: %s: expected a number in [%g, %g], got '%s'\n", flag,
                lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* fit                                                                       */
/* ------------------------------------------------------------------------- */

typedef struct {
    nx_cli_progress_t prog;
    uint32_t max_iter;
} nx__fit_ctx_t;

static void nx__on_iter(void *ctx, uint32_t restart, uint32_t iter, double ll) {
    (void)ll;
    nx__fit_ctx_t *c = ctx;
    nx_cli_progress_update(&c->prog, (uint64_t)restart * c->max_iter + iter);
}

static int nx__fit(int argc, char **argv) {
    const char *in = NULL, *outp = NULL;
    nx_regime_fit_opts_t o;
    nx_regime_fit_opts_default(&o);
    for (int i = 2; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;
        if (nx_cli_is_help(a)) {
            nx__regime_usage(stdout);
            return NX_EXIT_OK;
        } else if (!v) {
            rc = -2;
        } else if (strcmp(a, "--in") == 0) {
            in = v;
        } else if (strcmp(a, "--out") == 0) {
            outp = v;
        } else if (strcmp(a, "--states") == 0) {
            rc = nx__flag_u32(a, v, NX_REGIME_STATES_MIN, NX_REGIME_STATES_MAX, &o.k);
        } else if (strcmp(a, "--seed") == 0) {
            rc = nx__flag_u64(a, v, &o.seed);
        } else if (strcmp(a, "--restarts") == 0) {
            rc = nx__flag_u32(a, v, 1, NX_REGIME_RESTARTS_MAX, &o.restarts);
        } else if (strcmp(a, "--max-iter") == 0) {
            rc = nx__flag_u32(a, v, 1, 100000, &o.max_iter);
        } else if (strcmp(a, "--tol") == 0) {
            rc = nx__flag_double(a, v, 0, 1, &o.tol);
        } else if (strcmp(a, "--trend-t") == 0) {
            rc = nx__flag_double(a, v, 0, 1e6, &o.trend_t);
        } else if (strcmp(a, "--ret-window") == 0) {
            rc = nx__flag_u32(a, v, 1, NX_REGIME_WINDOW_MAX, &o.ret_window);
        } else if (strcmp(a, "--vol-window") == 0) {
            rc = nx__flag_u32(a, v, 1, NX_REGIME_WINDOW_MAX, &o.vol_window);
        } else {
            rc = -2;
        }
        if (rc < 0) {
            if (rc == -2)
                fprintf(stderr, "nexus regime fit: unknown or incomplete option '%s' "
                                "(see nexus regime --help)\n", a);
            return NX_EXIT_USAGE;
        }
    }
    if (!in) {
        fprintf(stderr, "nexus regime fit: --in is required (see nexus regime --help)\n");
        return NX_EXIT_USAGE;
    }

    int code = NX_EXIT_FAIL;
    nx__bars_t b;
    double *x = NULL;
    size_t n = 0, cap = 0;
    uint64_t nbars = 0;
    if (nx__bars_open(&b, in) < 0) goto done;
    nx_regime_feat_t feat;
    if (nx_regime_feat_init(&feat, o.ret_window, o.vol_window) < 0) goto done;
    nx_ta_row_t r;
    int got;
    while ((got = nx__bars_next(&b, &r)) == 1) {
        double f[2];
        int fr = nx_regime_feat_update(&feat, &r.bar, f);
        if (fr < 0) {
            fprintf(stderr, "nexus regime: %s:%llu: %s\n", in, (unsigned long long)b.lineno,
                    nx_err_message());
            goto done;
        }
        nbars++;
        if (fr == 0) continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 4096;
            if (nc > NX__RG_ROWS_MAX) {
                fprintf(stderr, "nexus regime: %s: more than %llu bars\n", in,
                        (unsigned long long)NX__RG_ROWS_MAX);
                goto done;
            }
            double *nx = nx_realloc(x, nc * 2 * sizeof(double));
            if (!nx) {
                fprintf(stderr, "nexus regime: out of memory at %zu bars\n", n);
                goto done;
            }
            x = nx;
            cap = nc;
        }
        x[2 * n] = f[0];
        x[2 * n + 1] = f[1];
        n++;
    }
    if (got < 0) goto done;
    printf("bars: %llu, feature rows: %zu (r over %u bars, v over %u bars)\n",
           (unsigned long long)nbars, n, o.ret_window, o.vol_window);

    nx__fit_ctx_t ctx;
    ctx.max_iter = o.max_iter;
    nx_cli_progress_init(&ctx.prog, "fit", (uint64_t)o.restarts * o.max_iter);
    o.on_iter = nx__on_iter;
    o.ctx = &ctx;
    nx_regime_hmm_t m;
    nx_regime_fit_report_t rep;
    int rc = nx_regime_hmm_fit(x, n, &o, &m, &rep);
    nx_cli_progress_done(&ctx.prog);
    if (rc < 0) {
        fprintf(stderr, "nexus regime fit: %s: %s\n", in, nx_err_message());
        goto done;
    }
    for (uint32_t i = 0; i < rep.restarts; i++)
        printf("restart %u: loglik %.10g, %u iterations%s\n", i, rep.loglik[i], rep.iters[i],
               rep.converged[i] ? ", converged" : isnan(rep.loglik[i]) ? ", failed"
                                                                        : ", not converged");
    printf("chosen: restart %u, loglik %.10g (%.6f per bar), %u states, seed %llu\n", rep.best,
           m.loglik, m.loglik / (double)n, m.k, (unsigned long long)m.seed);
    printf("state  label            pi        mean_r      mean_v     sd_r      sd_v      "
           "corr    vol%%/bar  dwell\n");
    for (uint32_t i = 0; i < m.k; i++) {
        double sr = sqrt(m.cov[i][0]), sv = sqrt(m.cov[i][2]);
        double stay = m.trans[i][i];
        printf("%-6u %-16s %-9.4f %-11.5f %-10.4f %-9.5f %-9.4f %-7.3f %-9.5f %.1f\n", i,
               nx_regime_label_name(m.label[i]), m.pi[i], m.mean[i][0], m.mean[i][1], sr, sv,
               m.cov[i][1] / (sr * sv), exp(m.mean[i][1]),
               stay < 1 ? 1.0 / (1.0 - stay) : INFINITY);
    }
    printf("transition matrix (row: from, column: to):\n");
    for (uint32_t i = 0; i < m.k; i++) {
        printf("  %u:", i);
        for (uint32_t j = 0; j < m.k; j++) printf(" %.6f", m.trans[i][j]);
        printf("\n");
    }
    if (outp) {
        if (nx_regime_model_save(&m, outp) < 0) {
            fprintf(stderr, "nexus regime fit: %s\n", nx_err_message());
            goto done;
        }
        printf("model written to %s\n", outp);
    } else {
        printf("(no --out: model not saved)\n");
    }
    code = fflush(stdout) == 0 ? NX_EXIT_OK : NX_EXIT_FAIL;
done:
    nx__bars_close(&b);
    nx_free(x);
    return code;
}

/* ------------------------------------------------------------------------- */
/* label                                                                     */
/* ------------------------------------------------------------------------- */

static int nx__label(int argc, char **argv) {
    const char *in = NULL, *outp = NULL, *model = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__regime_usage(stdout);
            return NX_EXIT_OK;
        } else if (strcmp(a, "--in") == 0 && i + 1 < argc) {
            in = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            outp = argv[++i];
        } else if (strcmp(a, "--model") == 0 && i + 1 < argc) {
            model = argv[++i];
        } else {
            fprintf(stderr, "nexus regime label: unknown or incomplete option '%s' "
                            "(see nexus regime --help)\n", a);
            return NX_EXIT_USAGE;
        }
    }
    if (!in) {
        fprintf(stderr, "nexus regime label: --in is required (see nexus regime --help)\n");
        return NX_EXIT_USAGE;
    }
    nx_regime_hmm_t m;
    if (model && nx_regime_model_load(model, &m) < 0) {
        fprintf(stderr, "nexus regime label: %s\n", nx_err_message());
        return NX_EXIT_FAIL;
    }
    nx_regime_t *d = NULL;
    if (nx_regime_new(NULL, model ? &m : NULL, &d) < 0)
        return nx_cli_fail("regime label", nx_err_code());

    int code = NX_EXIT_FAIL;
    nx_cli_out_t oo = {NULL, NULL, ""};
    FILE *out = NULL;
    nx__bars_t b;
    if (nx__bars_open(&b, in) < 0) goto done;
    int oc = nx_cli_out_open(&oo, "regime label", outp);
    if (oc != 0) {
        code = oc;
        goto done;
    }
    out = oo.f;
    uint32_t k = model ? m.k : 0;
    fputs("ts,label", out);
    for (uint32_t i = 0; i < k; i++) fprintf(out, ",p_state%u", i);
    fputc('\n', out);
    nx_cli_progress_t prog;
    nx_cli_progress_init(&prog, "label", b.size);
    nx_ta_row_t r;
    int got;
    uint64_t counts[NX_REGIME_LABEL_COUNT] = {0}, changes = 0, rows = 0;
    while ((got = nx__bars_next(&b, &r)) == 1) {
        nx_regime_out_t o;
        int ch = nx_regime_update(d, &r.bar, &o);
        if (ch < 0) {
            fprintf(stderr, "nexus regime: %s:%llu: %s\n", in, (unsigned long long)b.lineno,
                    nx_err_message());
            goto done;
        }
        changes += (uint64_t)ch;
        counts[o.label]++;
        rows++;
        fprintf(out, "%.*s,%s", (int)r.ts_len, r.ts_text, nx_regime_label_name(o.label));
        for (uint32_t i = 0; i < k; i++) {
            if (o.state >= 0) fprintf(out, ",%.6g", o.posterior[i]);
            else fputc(',', out);
        }
        fputc('\n', out);
        if ((b.lineno & 4095) == 0) nx_cli_progress_update(&prog, b.consumed);
    }
    nx_cli_progress_done(&prog);
    if (got < 0) goto done;
    if (nx_cli_out_commit(&oo, "regime label") < 0) goto done;
    /* summary on stderr so stdout stays pure CSV */
    fprintf(stderr, "regime label: %llu bars, %llu label changes, source %s;",
            (unsigned long long)rows, (unsigned long long)changes,
            model ? "HMM + rules" : "rules");
    for (unsigned l = 0; l < NX_REGIME_LABEL_COUNT; l++)
        if (counts[l])
            fprintf(stderr, " %s %.1f%%", nx_regime_label_name((nx_regime_label_t)l),
                    100.0 * (double)counts[l] / (double)rows);
    fputc('\n', stderr);
    code = NX_EXIT_OK;
done:
    nx_cli_out_close(&oo);
    nx__bars_close(&b);
    nx_regime_free(d);
    return code;
}

int nx_cli_regime(const nx_cli_global_t *g, int argc, char **argv) {
    nx__g = g;
    /* --store DIR applies to `--in store:...` of both subcommands: take it out here */
    int k = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            nx__store_dir = argv[++i];
            continue;
        }
        argv[k++] = argv[i];
    }
    argc = k;
    if (argc < 2) {
        nx__regime_usage(stderr);
        return NX_EXIT_USAGE;
    }
    if (nx_cli_is_help(argv[1])) {
        nx__regime_usage(stdout);
        return NX_EXIT_OK;
    }
    if (strcmp(argv[1], "fit") == 0) return nx__fit(argc, argv);
    if (strcmp(argv[1], "label") == 0) return nx__label(argc, argv);
    fprintf(stderr, "nexus regime: unknown subcommand '%s' (fit or label; see nexus regime "
                    "--help)\n", argv[1]);
    return NX_EXIT_USAGE;
}
