/*
 * `nexus data bars`: build bars from stored trades (or resample stored bars)
 * through the store's merge cursor, into the store or a CSV file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nexus/data.h"
#include "nexus/decimal.h"
#include "nexus/store.h"


static void nx__bars_usage(FILE *f) {
    fprintf(f,
            "usage: nexus data bars --venue V --symbol S [--tf SPAN | --type T --size X]\n"
            "                       [--from TS] [--to TS] [--source KIND] [--out FILE|-]\n"
            "\n"
            "Builds bars from stored trades (or resamples stored bars) and writes them to the\n"
            "store as kind bars_<tf>, or with --out to CSV `ts,open,high,low,close,volume`\n"
            "(ts = the bar's open time in epoch seconds; '-' is standard output).\n"
            "\n"
            "  --tf SPAN        time bars aligned to UTC: 1s .. 1d (e.g. 1m, 15m, 4h, 1d)\n"
            "  --type T         tick | volume | dollar (with --size: trades, base quantity or\n"
            "                   quote notional per bar); CSV output only\n"
            "  --source KIND    trades (default), aggtrades, or bars_<tf> to resample\n"
            "  --from, --to     ISO-8601 time range [from, to)\n"
            "  --store DIR      store root (default <data-dir>/store)\n"
            "  --partial        also write the last, unfinished bar\n"
            "\n"
            "A bar is written once its period is over: the last bar of the data is left out\n"
            "unless --partial.\n");
}

typedef struct {
    FILE *csv;
    nx_store_writer_t *w;
    uint64_t n;
} nx__bars_out_t;

static int nx__bars_emit(void *ctx, const nx_event_hdr_t *ev) {
    nx__bars_out_t *o = ctx;
    const nx_ev_bar_t *b = (const nx_ev_bar_t *)ev;
    o->n++;
    if (o->w) return nx_store_write_append(o->w, ev);
    char p[4][NX_DEC_STRLEN], v[NX_DEC_STRLEN];
    nx_dec_format_raw(b->open, b->price_scale, p[0]);
    nx_dec_format_raw(b->high, b->price_scale, p[1]);
    nx_dec_format_raw(b->low, b->price_scale, p[2]);
    nx_dec_format_raw(b->close, b->price_scale, p[3]);
    nx_dec_format_raw(b->volume, b->qty_scale, v);
    int64_t ts = b->h.ts_venue;
    if (ts % NX_NS_PER_SEC == 0)
        fprintf(o->csv, "%lld,%s,%s,%s,%s,%s\n", (long long)(ts / NX_NS_PER_SEC), p[0], p[1], p[2],
                p[3], v);
    else
        fprintf(o->csv, "%lld.%09lld,%s,%s,%s,%s,%s\n", (long long)(ts / NX_NS_PER_SEC),
                (long long)(ts % NX_NS_PER_SEC), p[0], p[1], p[2], p[3], v);
    return ferror(o->csv) ? NX_ERR(NX_EIO, "writing bars: %s", strerror(errno)) : NX_OK;
}

int nx_cli_data_bars(const nx_cli_global_t *g, int argc, char **argv) {
    const char *venue = NULL, *symbol = NULL, *tf_s = NULL, *type_s = NULL, *size_s = NULL;
    const char *from_s = NULL, *to_s = NULL, *src_s = "trades", *out = NULL, *store_dir = NULL;
    int partial = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__bars_usage(stdout);
            return NX_EXIT_OK;
        }
        if (strcmp(a, "--partial") == 0) {
            partial = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "nexus data bars: %s needs a value (see --help)\n", a);
            return NX_EXIT_USAGE;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--venue") == 0) venue = v;
        else if (strcmp(a, "--symbol") == 0) symbol = v;
        else if (strcmp(a, "--tf") == 0) tf_s = v;
        else if (strcmp(a, "--type") == 0) type_s = v;
        else if (strcmp(a, "--size") == 0) size_s = v;
        else if (strcmp(a, "--from") == 0) from_s = v;
        else if (strcmp(a, "--to") == 0) to_s = v;
        else if (strcmp(a, "--source") == 0) src_s = v;
        else if (strcmp(a, "--out") == 0) out = v;
        else if (strcmp(a, "--store") == 0) store_dir = v;
        else {
            fprintf(stderr, "nexus data bars: unknown option '%s' (see --help)\n", a);
            return NX_EXIT_USAGE;
        }
    }
    if (!venue || !symbol || (!tf_s && !type_s) || (tf_s && type_s)) {
        nx__bars_usage(stderr);
        return NX_EXIT_USAGE;
    }
    nx_bar_type_t type = NX_BARS_TIME;
    int64_t tf = 0;
    if (tf_s && (nx_duration_parse(tf_s, strlen(tf_s), &tf) < 0 || tf <= 0)) {
        fprintf(stderr, "nexus data bars: --tf: bad span '%s'\n", tf_s);
        return NX_EXIT_USAGE;
    }
    if (type_s) {
        if (strcmp(type_s, "tick") == 0) type = NX_BARS_TICK;
        else if (strcmp(type_s, "volume") == 0) type = NX_BARS_VOLUME;
        else if (strcmp(type_s, "dollar") == 0) type = NX_BARS_DOLLAR;
        else {
            fprintf(stderr, "nexus data bars: --type must be tick, volume or dollar\n");
            return NX_EXIT_USAGE;
        }
        if (!size_s || !out) {
            fprintf(stderr, "nexus data bars: --type %s needs --size and --out\n", type_s);
            return NX_EXIT_USAGE;
        }
    }
    nx_data_kind_t src_kind;
    int64_t src_tf = 0;
    if (nx_data_kind_parse(src_s, &src_kind, &src_tf) < 0 ||
        (src_kind != NX_KIND_TRADES && src_kind != NX_KIND_AGGTRADES && src_kind != NX_KIND_BARS)) {
        fprintf(stderr, "nexus data bars: --source must be trades, aggtrades or bars_<tf>\n");
        return NX_EXIT_USAGE;
    }
    if (src_kind == NX_KIND_BARS && (type != NX_BARS_TIME || tf % src_tf != 0 || tf <= src_tf)) {
        fprintf(stderr, "nexus data bars: bars_%s can only be resampled to a multiple of it\n",
                src_s + 5);
        return NX_EXIT_USAGE;
    }
    int64_t from = NX_STORE_TS_MIN, to = NX_STORE_TS_MAX;
    if ((from_s && nx_time_parse(from_s, strlen(from_s), &from) < 0) ||
        (to_s && nx_time_parse(to_s, strlen(to_s), &to) < 0)) {
        fprintf(stderr, "nexus data bars: %s\n", nx_err_message());
        return NX_EXIT_USAGE;
    }

    char root[4096];
    if (!store_dir) {
        char dd[4000];
        if (nx_cli_data_dir(g, dd, sizeof dd) < 0) return nx_cli_fail("data bars", NX_EINVAL);
        snprintf(root, sizeof root, "%s/store", dd);
        store_dir = root;
    }
    int rc, exit_code = NX_EXIT_FAIL;
    nx_store_t *st = NULL;
    nx_store_cursor_t *cur = NULL;
    nx__bars_out_t o = {NULL, NULL, 0};
    nx_bar_builder_t b;
    nx_cli_out_t oo = {NULL, NULL, ""};
    nx_store_opts_t so;
    nx_store_opts_default(&so);
    if (out) so.flags |= NX_STORE_RDONLY;
    if ((rc = nx_store_open(store_dir, &so, &st)) < 0) goto fail;
    nx_store_stream_t s = {{venue, symbol, src_kind, src_tf}, 0, 0};
    if ((rc = nx_store_cursor_open(st, &s, 1, from, to, &cur)) < 0) goto fail;

    int64_t threshold = tf;
    if (type != NX_BARS_TIME) {
        /* thresholds in the data's units: peek at the first trade for its scales */
        nx_event_hdr_t *ev;
        rc = nx_store_cursor_next(cur, &ev);
        if (rc == NX_EEND) {
            rc = NX_ERR(NX_ENOTFOUND, "no %s stored for %s %s in that range", src_s, venue, symbol);
            goto fail;
        }
        if (rc < 0) goto fail;
        const nx_ev_trade_t *t = (const nx_ev_trade_t *)ev;
        uint8_t sc = type == NX_BARS_TICK ? 0
                     : type == NX_BARS_VOLUME ? t->qty_scale
                                              : (uint8_t)(t->price_scale + t->qty_scale);
        if (sc > NX_DEC_MAX_SCALE ||
            nx_dec_parse_scaled(size_s, strlen(size_s), sc, NX_ROUND_EXACT, &threshold) < 0 ||
            threshold <= 0) {
            nx_store_cursor_close(cur);
            nx_store_close(st);
            fprintf(stderr, "nexus data bars: --size '%s' is not a positive %s at scale %u\n",
                    size_s, type == NX_BARS_TICK ? "count" : "decimal", sc);
            return NX_EXIT_USAGE;
        }
        nx_store_cursor_close(cur);
        if ((rc = nx_store_cursor_open(st, &s, 1, from, to, &cur)) < 0) goto fail;
    }
    if ((rc = nx_bar_builder_init(&b, type, threshold, nx__bars_emit, &o)) < 0) {
        fprintf(stderr, "nexus data bars: %s\n", nx_err_message());
        nx_store_cursor_close(cur);
        nx_store_close(st);
        return NX_EXIT_USAGE;
    }
    if (out) {
        int oc = nx_cli_out_open(&oo, "data bars", out);
        if (oc != 0) {
            exit_code = oc;
            goto done;
        }
        o.csv = oo.f;
        fputs("ts,open,high,low,close,volume\n", o.csv);
    } else {
        nx_store_key_t k = {venue, symbol, NX_KIND_BARS, tf};
        if ((rc = nx_store_write_begin(st, &k, &o.w)) < 0) goto fail;
    }
    nx_event_hdr_t *ev;
    while ((rc = nx_store_cursor_next(cur, &ev)) == NX_OK) {
        rc = src_kind == NX_KIND_BARS ? nx_bar_builder_bar(&b, (const nx_ev_bar_t *)ev)
                                      : nx_bar_builder_trade(&b, (const nx_ev_trade_t *)ev);
        if (rc < 0) goto fail;
    }
    if (rc != NX_EEND) goto fail;
    if (partial && (rc = nx_bar_builder_flush(&b)) < 0) goto fail;
    if (o.w) {
        nx_store_write_stats_t ws;
        rc = nx_store_write_commit(o.w, &ws);
        o.w = NULL;
        if (rc < 0) goto fail;
        fprintf(stderr, "bars: %llu built, %llu new in the store (%s %s bars_%s)\n",
                (unsigned long long)o.n, (unsigned long long)ws.stored, venue, symbol, tf_s);
    } else {
        if (nx_cli_out_commit(&oo, "data bars") < 0) goto done;
        fprintf(stderr, "bars: %llu written to %s\n", (unsigned long long)o.n,
                nx_cli_out_name(&oo));
    }
    exit_code = NX_EXIT_OK;
    goto done;
fail:
    nx_cli_fail("data bars", rc);
done:
    nx_cli_out_close(&oo);
    if (o.w) nx_store_write_abort(o.w);
    nx_store_cursor_close(cur);
    nx_store_close(st);
    return exit_code;
}
