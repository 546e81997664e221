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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
    const char *map;
    size_t len, off;
    uint64_t line;
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
    /* the bar being built */
    int have_bar;
    nx_ts_t bar_open_ts;
    int64_t o, h, l, c, v;
    uint64_t n;
    uint64_t bars;
    int fail;
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
            "  --bar SPAN           bar span, e.g. 1m, 5m, 1h (default 1m)\n"
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

/* Source: the next trade row of one mapped file. Parse errors fail the run
 * with file:line; nothing is skipped silently. */
static int nx__src_next(void *ctx, nx_event_hdr_t **out) {
    nx__input_t *in = ctx;
    for (;;) {
        if (in->off >= in->len) return NX_EEND;
        const char *s = in->map + in->off;
        const char *nl = memchr(s, '\n', in->len - in->off);
        size_t ll = nl ? (size_t)(nl - s) : in->len - in->off;
        in->off += ll + (nl ? 1 : 0);
        in->line++;
        if (ll == 0 || (ll == 1 && s[0] == '\r')) continue;
        in->got = 0;
        int rc = nx_importer_line(in->imp, s, ll, nx__capture, in);
        if (rc == NX_ENOTFOUND) continue; /* header */
        if (rc < 0) return NX_ERR_APPEND(rc, "%s:%llu", in->path, (unsigned long long)in->line);
        if (in->ev.price <= 0 || in->ev.qty <= 0)
            return NX_ERR(NX_ERANGE, "%s:%llu: price and qty must be positive", in->path,
                          (unsigned long long)in->line);
        *out = &in->ev.h;
        return NX_OK;
    }
}

static int nx__emit_bar(nx_kernel_t *k, nx__input_t *in, nx_ts_t close_ts, int64_t span) {
    nx_ev_bar_t b;
    nx_event_init((nx_event_t *)(void *)&b, NX_EV_BAR);
    b.h.ts_venue = in->bar_open_ts;
    b.h.ts_recv = close_ts;
    b.instrument = in->inst->id;
    b.price_scale = in->pscale;
    b.qty_scale = in->qscale;
    b.interval_ns = span;
    b.open = in->o;
    b.high = in->h;
    b.low = in->l;
    b.close = in->c;
    b.volume = in->v;
    b.trades = in->n;
    in->have_bar = 0;
    in->bars++;
    return nx_kernel_emit(k, &b.h, in->bar_topic);
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
    nx_ts_t open = nx_time_floor(ev->ts_recv, r->bar_ns);
    if (in->have_bar && open != in->bar_open_ts) {
        /* A trade of a later minute before the timer: the timer grid covers
         * this (timers fire first at equal times), so this means the data is
         * out of order; close the old bar at the new trade's time. */
        int rc = nx__emit_bar(k, in, ev->ts_recv, r->bar_ns);
        if (rc < 0) return rc;
    }
    if (!in->have_bar) {
        in->have_bar = 1;
        in->bar_open_ts = open;
        in->o = in->h = in->l = t->price;
        in->v = 0;
        in->n = 0;
    }
    if (t->price > in->h) in->h = t->price;
    if (t->price < in->l) in->l = t->price;
    in->c = t->price;
    if (__builtin_add_overflow(in->v, t->qty, &in->v))
        return NX_ERR(NX_EOVERFLOW, "bar volume overflow for %s", in->symbol);
    in->n++;
    return NX_OK;
}

/* Minute boundary: publish every bar whose minute has ended. */
static int nx__on_bar_timer(void *ctx, nx_kernel_t *k, const nx_event_hdr_t *ev) {
    nx__replay_t *r = ctx;
    for (size_t i = 0; i < r->nin; i++) {
        nx__input_t *in = &r->in[i];
        if (in->have_bar && in->bar_open_ts + r->bar_ns <= ev->ts_recv) {
            int rc = nx__emit_bar(k, in, ev->ts_recv, r->bar_ns);
            if (rc < 0) return rc;
        }
    }
    return NX_OK;
}

static int nx__journal_sink(void *ctx, const nx_event_hdr_t *ev) {
    return nx_journal_append(ctx, ev);
}

static int nx__map_file(nx__input_t *in) {
    int fd = open(in->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: %s", in->path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return NX_ERR(NX_EIO, "%s: %s", in->path, strerror(errno));
    }
    in->len = (size_t)st.st_size;
    in->map = NULL;
    if (in->len) {
        void *m = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            return NX_ERR(NX_EIO, "%s: mmap: %s", in->path, strerror(errno));
        }
        madvise(m, in->len, MADV_SEQUENTIAL);
        in->map = m;
    }
    close(fd);
    return NX_OK;
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

/* mkdir -p of the directory that will hold `path`. */
static int nx__mkdir_parent(const char *path) {
    char buf[4300];
    size_t n = strlen(path);
    if (n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return 0;
    *slash = '\0';
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    return 0;
}

static int nx__rm_rf(const char *path) {
    char cmd[4200];
    int n = snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", path);
    if (n < 0 || (size_t)n >= sizeof cmd || strchr(path, '\'')) return -1;
    return system(cmd) == 0 ? 0 : -1;
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
    nx__rm_rf(partial);
    if (nx__mkdir_parent(partial) < 0) {
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
        if ((rc = nx__map_file(in)) < 0) {
            stage = "input";
            goto fail;
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
        nx_importer_begin_file(in->imp, in->path);
        nx_source_t src = {in->path, nx__src_next, in};
        if ((rc = nx_kernel_add_source(k, &src)) < 0) goto fail;
        /* Peek the first timestamp to place the bar timer grid. */
        size_t off = in->off;
        uint64_t line = in->line;
        nx_event_hdr_t *ev;
        if ((rc = nx__src_next(in, &ev)) == NX_OK && ev->ts_recv < first) first = ev->ts_recv;
        if (rc < 0 && rc != NX_EEND) {
            stage = "input";
            goto fail;
        }
        in->off = off;
        in->line = line;
        nx_importer_begin_file(in->imp, in->path); /* header detection starts over */
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
    for (size_t i = 0; i < r.nin; i++) total_bytes += r.in[i].len;
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
        for (size_t i = 0; i < r.nin; i++) done += r.in[i].off;
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
    if (stat(out, &st) == 0 && nx__rm_rf(out) < 0) {
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
               (unsigned long long)in->bars);
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
        if (r.in[i].map) munmap((void *)(uintptr_t)r.in[i].map, r.in[i].len);
        nx_importer_free(r.in[i].imp);
    }
    nx_instruments_free(reg);
    return exit_code;
}
