/*
 * `nexus replay`: the main job until the backtester lands. Reads trade files,
 * merges them in time order through the kernel, builds 1-minute bars on a
 * timer (a bar is published when its minute has passed, never earlier),
 * journals every event, and prints a summary.
 *
 * The output directory is written as DIR.partial and renamed to DIR only
 * after the journal is closed and synced, so a failed run leaves nothing
 * that looks complete.
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
#include "nexus/decimal.h"
#include "nexus/instrument.h"
#include "nexus/journal.h"
#include "nexus/kernel.h"

#define NX__REPLAY_MAX_INPUTS 16

typedef struct {
    /* input */
    const char *path;
    char venue[32];
    char symbol[48];
    nx_line_reader_t *rd;
    int pending; /* ev holds a trade read ahead (the first one, for the timer grid) */
    /* instrument */
    const nx_instrument_t *inst;
    nx_importer_t *imp;
    int got;
    uint8_t pscale, qscale;
    uint32_t topic, bar_topic;
    nx_ev_trade_t ev;
    /* stats */
    uint64_t trades;
    nx_i128 notional; /* sum price*qty mantissas, scale pscale+qscale */
    nx_i128 volume;
    int64_t first_ts, last_ts;
    nx_bar_builder_t bars;
    nx_kernel_t *k;
} nx__input_t;

typedef struct {
    nx__input_t in[NX__REPLAY_MAX_INPUTS];
    size_t nin;
    nx_journal_t *journal;
    int64_t bar_ns;
} nx__replay_t;

static void nx__replay_usage(FILE *f) {
    fprintf(f,
            "usage: nexus replay --instruments FILE [options] VENUE:SYMBOL=TRADES.csv ...\n"
            "\n"
            "Replays Binance-format trade files (id,price,qty,quote_qty,time,is_buyer_maker\n"
            "[,is_best_match]; header optional; ms or us timestamps) through the kernel in\n"
            "time order, builds 1-minute bars on a timer, journals every event, and prints\n"
            "a summary. Instruments (tick and lot sizes give the exact scales) come from\n"
            "the instruments YAML.\n"
            "\n"
            "options:\n"
            "  --instruments FILE   instruments YAML (default: the --config's instruments)\n"
            "  --out DIR            journal directory (default: <data-dir>/journals/replay);\n"
            "                       must not exist unless --force\n"
            "  --force              replace an existing DIR\n"
            "  --durability MODE    none|interval|each (default: --config's journal\n"
            "                       durability, else interval)\n"
            "  --bar SPAN           bar span dividing the day, 1s .. 1d, e.g. 1m, 5m, 1h\n"
            "                       (default 1m)\n"
            "  -h, --help           this help\n"
            "\n"
            "example:\n"
            "  nexus replay --instruments examples/instruments.yaml --out /tmp/j \\\n"
            "    binance:BTCUSDT=examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv\n");
}

static int nx__capture(void *ctx, const nx_event_hdr_t *ev) {
    nx__input_t *in = ctx;
    memcpy(&in->ev, ev, sizeof in->ev);
    in->ev.h.topic = in->topic; /* interned after the importer was made */
    in->got = 1;
    return NX_OK;
}

/* The next trade row of one input. Parse errors fail the run with file:line;
 * nothing is skipped silently. */
static int nx__read_trade(nx__input_t *in, nx_event_hdr_t **out) {
    for (;;) {
        const char *s;
        size_t ll;
        int rc = nx_line_reader_next(in->rd, &s, &ll);
        if (rc < 0) return rc; /* NX_EEND, or a read error naming the file */
        if (ll == 0) continue;
        in->got = 0;
        rc = nx_importer_line(in->imp, s, ll, nx__capture, in);
        if (rc == NX_ENOTFOUND) continue; /* header */
        if (rc < 0)
            return NX_ERR_APPEND(rc, "%s:%llu", nx_line_reader_where(in->rd),
                                 (unsigned long long)nx_line_reader_lineno(in->rd));
        if (in->ev.price <= 0 || in->ev.qty <= 0)
            return NX_ERR(NX_ERANGE, "%s:%llu: price and qty must be positive",
                          nx_line_reader_where(in->rd),
                          (unsigned long long)nx_line_reader_lineno(in->rd));
        *out = &in->ev.h;
        return NX_OK;
    }
}

static int nx__src_next(void *ctx, nx_event_hdr_t **out) {
    nx__input_t *in = ctx;
    if (in->pending) {
        in->pending = 0;
        *out = &in->ev.h;
        return NX_OK;
    }
    return nx__read_trade(in, out);
}

/* Bars go out on the instrument's bar topic. */
static int nx__bar_out(void *ctx, const nx_event_hdr_t *ev) {
    nx__input_t *in = ctx;
    return nx_kernel_emit(in->k, ev, in->bar_topic);
}

static int nx__on_trade(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    nx__replay_t *r = ctx;
    const nx_ev_trade_t *t = (const nx_ev_trade_t *)ev;
    nx__input_t *in = NULL;
    for (size_t i = 0; i < r->nin; i++)
        if (r->in[i].inst->id == t->instrument) in = &r->in[i];
    if (!in) return NX_OK;
    in->trades++;
    in->notional += (nx_i128)t->price * t->qty;
    in->volume += t->qty;
    if (!in->first_ts) in->first_ts = ev->ts_recv;
    in->last_ts = ev->ts_recv;
    (void)k;
    return nx_bar_builder_trade(&in->bars, t);
}

/* Minute boundary: publish every bar whose minute has ended. */
static int nx__on_bar_timer(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    nx__replay_t *r = ctx;
    (void)k;
    for (size_t i = 0; i < r->nin; i++) {
        int rc = nx_bar_builder_close_until(&r->in[i].bars, ev->ts_recv);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

static int nx__journal_sink(void *ctx, const nx_event_hdr_t *ev) {
    return nx_journal_append(ctx, ev);
}


static void nx__print_dec128(nx_i128 v, unsigned scale, unsigned shown) {
    /* Exact: integer and fractional parts from a 128-bit mantissa. */
    char digits[64];
    int neg = v < 0;
    nx_u128 u = neg ? (nx_u128)(-v) : (nx_u128)v;
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < sizeof digits);
    while (n <= scale) digits[n++] = '0';
    if (neg) putchar('-');
    for (size_t i = n; i > scale; i--) putchar(digits[i - 1]);
    if (shown) {
        putchar('.');
        for (unsigned i = 0; i < shown && i < scale; i++) putchar(digits[scale - 1 - i]);
    }
}

int nx_cli_replay(const nx_cli_global_t *g, int argc, char **argv) {
    const char *inst_path = NULL, *out = NULL;
    int force = 0;
    nx_journal_options_t jo;
    nx_journal_options_default(&jo);
    int durability_flag = 0;
    static nx__replay_t r;
    memset(&r, 0, sizeof r);
    r.bar_ns = NX_NS_PER_MIN;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__replay_usage(stdout);
            return NX_EXIT_OK;
        } else if (strcmp(a, "--instruments") == 0 && i + 1 < argc) {
            inst_path = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--force") == 0) {
            force = 1;
        } else if (strcmp(a, "--durability") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            if (strcmp(m, "none") == 0) jo.durability = NX_JOURNAL_FSYNC_NONE;
            else if (strcmp(m, "interval") == 0) jo.durability = NX_JOURNAL_FSYNC_INTERVAL;
            else if (strcmp(m, "each") == 0) jo.durability = NX_JOURNAL_FSYNC_EACH;
            else {
                fprintf(stderr, "nexus replay: --durability must be none, interval or each\n");
                return NX_EXIT_USAGE;
            }
            durability_flag = 1;
        } else if (strcmp(a, "--bar") == 0 && i + 1 < argc) {
            const char *s = argv[++i];
            if (nx_duration_parse(s, strlen(s), &r.bar_ns) < 0 || r.bar_ns <= 0) {
                fprintf(stderr, "nexus replay: --bar: bad span '%s' (e.g. 1m, 5m, 1h)\n", s);
                return NX_EXIT_USAGE;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "nexus replay: unknown option '%s' (see nexus replay --help)\n", a);
            return NX_EXIT_USAGE;
        } else {
            const char *colon = strchr(a, ':'), *eq = strchr(a, '=');
            if (!colon || !eq || eq < colon || colon == a || eq == colon + 1 || !eq[1] ||
                (size_t)(colon - a) >= sizeof r.in[0].venue ||
                (size_t)(eq - colon - 1) >= sizeof r.in[0].symbol) {
                fprintf(stderr, "nexus replay: input '%s' is not VENUE:SYMBOL=FILE\n", a);
                return NX_EXIT_USAGE;
            }
            if (r.nin >= NX__REPLAY_MAX_INPUTS) {
                fprintf(stderr, "nexus replay: at most %d inputs\n", NX__REPLAY_MAX_INPUTS);
                return NX_EXIT_USAGE;
            }
            nx__input_t *in = &r.in[r.nin++];
            memcpy(in->venue, a, (size_t)(colon - a));
            memcpy(in->symbol, colon + 1, (size_t)(eq - colon - 1));
            in->path = eq + 1;
        }
    }
    /* A validated --config supplies what the flags do not. */
    if (g->config) {
        const nx_config_t *c = g->config;
        if (!inst_path && c->instruments[0]) inst_path = c->instruments;
        if (!durability_flag) {
            jo.durability = c->journal.durability == NX_CONFIG_DURABILITY_NONE
                                ? NX_JOURNAL_FSYNC_NONE
                            : c->journal.durability == NX_CONFIG_DURABILITY_EACH
                                ? NX_JOURNAL_FSYNC_EACH
                                : NX_JOURNAL_FSYNC_INTERVAL;
        }
        jo.fsync_interval_ms = (uint32_t)(c->journal.interval_ns / NX_NS_PER_MS);
        jo.segment_size = c->journal.segment_size;
    }
    if (!inst_path || r.nin == 0) {
        nx__replay_usage(stderr);
        return NX_EXIT_USAGE;
    }

    /* Instruments first: a bad file stops everything before any output exists. */
    nx_instruments_t *reg = NULL;
    nx_cfg_diags_t *diags = NULL;
    if (nx_cfg_diags_new(&diags) < 0) return nx_cli_fail("replay", NX_ENOMEM);
    int rc = nx_instruments_load(inst_path, diags, &reg);
    if (rc < 0) {
        nx_cfg_diags_print(diags, stderr);
        if (nx_cfg_diags_count(diags) == 0) fprintf(stderr, "nexus replay: %s\n", nx_err_message());
        nx_cfg_diags_free(diags);
        return NX_EXIT_USAGE;
    }
    nx_cfg_diags_free(diags);

    char outbuf[4200], partial[4300], defdir[4096];
    if (!out) {
        if (nx_cli_data_dir(g, defdir, sizeof defdir) < 0) {
            nx_instruments_free(reg);
            return nx_cli_fail("replay", NX_EINVAL);
        }
        snprintf(outbuf, sizeof outbuf, "%s/journals/replay", defdir);
        out = outbuf;
    }
    if (strlen(out) > 4000) {
        fprintf(stderr, "nexus replay: --out path too long\n");
        nx_instruments_free(reg);
        return NX_EXIT_USAGE;
    }
    struct stat st;
    if (stat(out, &st) == 0) {
        if (!force) {
            fprintf(stderr, "nexus replay: %s exists (use --force to replace it)\n", out);
            nx_instruments_free(reg);
            return NX_EXIT_USAGE;
        }
    }
    snprintf(partial, sizeof partial, "%s.partial", out);
    nx_cli_rm_rf(partial);
    char parent[4300];
    snprintf(parent, sizeof parent, "%s", partial);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) *slash = '\0';
    if (slash && slash != parent && nx_cli_mkdirs(parent) < 0) {
        fprintf(stderr, "nexus replay: cannot create the parent directory of %s: %s\n", out,
                strerror(errno));
        nx_instruments_free(reg);
        return NX_EXIT_FAIL;
    }

    nx_kernel_t *k = NULL;
    nx_journal_t *j = NULL;
    int exit_code = NX_EXIT_FAIL;
    const char *stage = "replay";

    for (size_t i = 0; i < r.nin; i++) {
        nx__input_t *in = &r.in[i];
        rc = nx_instruments_find(reg, in->venue, in->symbol, &in->inst);
        if (rc < 0) {
            fprintf(stderr, "nexus replay: %s:%s is not in %s\n", in->venue, in->symbol, inst_path);
            exit_code = NX_EXIT_USAGE;
            goto done;
        }
        in->pscale = in->inst->price_precision;
        in->qscale = in->inst->size_precision;
        nx_import_opts_t io;
        nx_import_opts_default(&io);
        io.format = NX_FMT_BINANCE_TRADES;
        io.kind = NX_KIND_TRADES;
        io.instrument = in->inst->id;
        io.price_scale = in->pscale;
        io.qty_scale = in->qscale;
        if ((rc = nx_importer_new(&io, &in->imp)) < 0) goto fail;
        if ((rc = nx_line_reader_open(in->path, &in->rd)) < 0) {
            stage = "input";
            goto fail;
        }
        in->k = NULL; /* set once the kernel exists */
        if ((rc = nx_bar_builder_init(&in->bars, NX_BARS_TIME, r.bar_ns, nx__bar_out, in)) < 0) {
            fprintf(stderr, "nexus replay: --bar: %s\n", nx_err_message());
            exit_code = NX_EXIT_USAGE;
            goto done;
        }
    }

    if ((rc = nx_journal_open(partial, &jo, &j)) < 0) {
        stage = "journal";
        goto fail;
    }
    r.journal = j;
    nx_kernel_opts_t ko;
    nx_kernel_opts_default(&ko);
    if (g->config) {
        ko.max_timers = g->config->kernel.max_timers;
        ko.max_topics = g->config->kernel.max_topics;
    }
    ko.sink = nx__journal_sink;
    ko.sink_ctx = j;
    if ((rc = nx_kernel_new(&ko, &k)) < 0) goto fail;

    nx_ev_session_t sess;
    nx_event_init((nx_event_t *)(void *)&sess, NX_EV_SESSION);
    sess.mode = NX_RUN_REPLAY;
    sess.format_version = NX_JOURNAL_FORMAT_VERSION;
    uint32_t ops_topic, bar_timer_topic;
    if ((rc = nx_kernel_topic(k, "ops.session", &ops_topic)) < 0 ||
        (rc = nx_kernel_topic(k, "timer.bars", &bar_timer_topic)) < 0)
        goto fail;
    nx_ts_t first = INT64_MAX;
    for (size_t i = 0; i < r.nin; i++) {
        nx__input_t *in = &r.in[i];
        /* Longer than a topic allows is refused by nx_kernel_topic, never cut. */
        char name[128];
        int nn = snprintf(name, sizeof name, "md.trades.%s.%s", in->venue, in->symbol);
        if (nn < 0 || (size_t)nn >= sizeof name) name[0] = '\0';
        if ((rc = nx_kernel_topic(k, name, &in->topic)) < 0) goto fail;
        nn = snprintf(name, sizeof name, "md.bars.%s.%s", in->venue, in->symbol);
        if (nn < 0 || (size_t)nn >= sizeof name) name[0] = '\0';
        if ((rc = nx_kernel_topic(k, name, &in->bar_topic)) < 0) goto fail;
        in->k = k;
        nx_importer_begin_file(in->imp, in->path);
        nx_source_t src = {in->path, nx__src_next, in};
        if ((rc = nx_kernel_add_source(k, &src)) < 0) goto fail;
        /* Read the first trade ahead: its time places the bar timer grid. */
        nx_event_hdr_t *ev;
        if ((rc = nx__read_trade(in, &ev)) == NX_OK) {
            in->pending = 1;
            if (ev->ts_recv < first) first = ev->ts_recv;
        } else if (rc != NX_EEND) {
            stage = "input";
            goto fail;
        }
    }
    if ((rc = nx_kernel_subscribe(k, "md.trades.*", nx__on_trade, &r, NULL)) < 0 ||
        (rc = nx_kernel_subscribe(k, "timer.bars", nx__on_bar_timer, &r, NULL)) < 0)
        goto fail;
    if (first != INT64_MAX) {
        sess.start_ts = first;
        sess.h.ts_recv = first;
        if ((rc = nx_kernel_timer_at(k, nx_time_floor(first, r.bar_ns) + r.bar_ns, r.bar_ns,
                                     bar_timer_topic, 0, NULL)) < 0)
            goto fail;
    }
    if ((rc = nx_kernel_emit(k, &sess.h, ops_topic)) < 0) goto fail;

    /* Run in slices so a terminal gets a progress bar (input bytes consumed). */
    uint64_t total_bytes = 0;
    for (size_t i = 0; i < r.nin; i++) total_bytes += nx_line_reader_size(r.in[i].rd);
    nx_cli_progress_t prog;
    nx_cli_progress_init(&prog, "replay", total_bytes);
    int64_t t0 = nx_mono_now();
    nx_kernel_stats_t ks;
    for (;;) {
        uint64_t before = 0;
        nx_kernel_get_stats(k, &ks);
        before = ks.source_events;
        rc = nx_kernel_run(k, 1u << 16);
        if (rc < 0) break;
        nx_kernel_get_stats(k, &ks);
        uint64_t done = 0;
        for (size_t i = 0; i < r.nin; i++) done += nx_line_reader_pos(r.in[i].rd);
        nx_cli_progress_update(&prog, done);
        if (ks.source_events - before < (1u << 16)) break; /* every source ended */
    }
    nx_cli_progress_done(&prog);
    double secs = (double)(nx_mono_now() - t0) / 1e9;
    if (rc < 0) goto fail;
    nx_kernel_get_stats(k, &ks);
    rc = nx_journal_close(j);
    j = NULL;
    if (rc < 0) {
        stage = "journal";
        goto fail;
    }
    if (stat(out, &st) == 0 && nx_cli_rm_rf(out) < 0) {
        rc = NX_ERR(NX_EIO, "cannot remove old %s", out);
        goto fail;
    }
    if (rename(partial, out) < 0) {
        rc = NX_ERR(NX_EIO, "rename %s -> %s: %s", partial, out, strerror(errno));
        goto fail;
    }

    printf("replay: %llu source events, %llu emitted (bars, timers, session), %llu journaled\n",
           (unsigned long long)ks.source_events, (unsigned long long)ks.emitted,
           (unsigned long long)ks.last_seq);
    printf("replay: %.3f s, %.2f million events/s, journal %s\n", secs,
           secs > 0 ? (double)ks.last_seq / secs / 1e6 : 0.0, out);
    for (size_t i = 0; i < r.nin; i++) {
        nx__input_t *in = &r.in[i];
        char a[NX_TIME_STRLEN], b[NX_TIME_STRLEN];
        nx_time_format_prec(in->first_ts, 3, a);
        nx_time_format_prec(in->last_ts, 3, b);
        printf("  %s:%s (%s) trades %llu, %s .. %s, bars %llu, volume ", in->venue, in->symbol,
               in->inst->name, (unsigned long long)in->trades, a, b,
               (unsigned long long)in->bars.emitted);
        nx__print_dec128(in->volume, in->qscale, in->qscale);
        printf(", VWAP ");
        if (in->volume > 0) {
            /* VWAP = sum(p*q)/sum(q), exact to the price scale (+2 digits), truncated. */
            nx_i128 vw = in->notional * 100 / in->volume;
            nx__print_dec128(vw, (unsigned)in->pscale + 2, (unsigned)in->pscale + 2);
        } else {
            printf("-");
        }
        printf("\n");
    }
    exit_code = NX_EXIT_OK;
    goto done;

fail:
    nx_cli_fail(stage, rc);
    /* The partial journal is kept for inspection; it verifies as a valid prefix. */
    fprintf(stderr, "nexus replay: failed; partial output left in %s\n", partial);
    exit_code = NX_EXIT_FAIL;
done:
    if (j) nx_journal_close(j);
    nx_kernel_free(k);
    for (size_t i = 0; i < r.nin; i++) {
        nx_line_reader_close(r.in[i].rd);
        nx_importer_free(r.in[i].imp);
    }
    nx_instruments_free(reg);
    return exit_code;
}
