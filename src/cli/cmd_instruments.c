/* `nexus instruments [FILE]`: load an instruments YAML and list it. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nexus/config.h"
#include "nexus/instrument.h"

static void nx__instruments_usage(FILE *f) {
    fprintf(f,
            "usage: nexus instruments [FILE]\n"
            "\n"
            "Load and validate an instruments YAML (default: the `instruments:` file\n"
            "named by --config) and list id, venue, symbol, name, class, tick, lot,\n"
            "min qty, min notional and maker/taker fees. Problems are printed as\n"
            "FILE:LINE:COL: key.path: message.\n"
            "\n"
            "exit codes: 0 valid, 1 failure, 2 invalid file or usage\n");
}

static int nx__width(const nx_instruments_t *reg, size_t off, int min) {
    int w = min;
    for (uint32_t i = 0; i < nx_instruments_count(reg); i++) {
        const char *s = (const char *)nx_instruments_get(reg, i) + off;
        int l = (int)strlen(s);
        if (l > w) w = l;
    }
    return w;
}

static int nx__print_diags(const char *path, int rc, const nx_cfg_diags_t *diags) {
    if (rc != NX_ECONFIG) return nx_cli_fail(path, rc);
    nx_cfg_diags_print(diags, stderr);
    size_t n = nx_cfg_diags_count(diags) + nx_cfg_diags_dropped(diags);
    fprintf(stderr, "nexus: %s: invalid instruments (%zu problem%s)\n", path, n,
            n == 1 ? "" : "s");
    return NX_EXIT_USAGE;
}

int nx_cli_instruments(const nx_cli_global_t *g, int argc, char **argv) {
    if (argc > 1 && nx_cli_is_help(argv[1])) {
        nx__instruments_usage(stdout);
        return NX_EXIT_OK;
    }
    if (argc > 2) {
        nx__instruments_usage(stderr);
        return NX_EXIT_USAGE;
    }
    nx_cfg_diags_t *diags;
    int rc = nx_cfg_diags_new(&diags);
    if (rc < 0) return nx_cli_fail("instruments", rc);
    int code = NX_EXIT_OK;
    char path[NX_CONFIG_PATH_MAX];
    nx_config_t *cfg = NULL;
    nx_instruments_t *reg = NULL;

    if (argc > 1) {
        snprintf(path, sizeof path, "%s", argv[1]);
    } else if (g->config_path) {
        cfg = nx_malloc(sizeof *cfg);
        if (!cfg) {
            code = nx_cli_fail("instruments", NX_ENOMEM);
            goto out;
        }
        rc = nx_config_load(g->config_path, diags, cfg);
        if (rc < 0) {
            code = nx__print_diags(g->config_path, rc, diags);
            goto out;
        }
        snprintf(path, sizeof path, "%s", cfg->instruments);
        nx_config_close(cfg);
        if (!path[0]) {
            fprintf(stderr, "nexus instruments: %s names no instruments file\n", g->config_path);
            code = NX_EXIT_USAGE;
            goto out;
        }
    } else {
        nx__instruments_usage(stderr);
        code = NX_EXIT_USAGE;
        goto out;
    }

    rc = nx_instruments_load(path, diags, &reg);
    if (rc < 0) {
        code = nx__print_diags(path, rc, diags);
        goto out;
    }
    int wv = nx__width(reg, offsetof(nx_instrument_t, venue), 5);
    int ws = nx__width(reg, offsetof(nx_instrument_t, symbol), 6);
    int wn = nx__width(reg, offsetof(nx_instrument_t, name), 4);
    printf("%3s  %-*s  %-*s  %-*s  %-9s  %12s  %12s  %12s  %12s  %8s  %8s\n", "id", wv, "venue",
           ws, "symbol", wn, "name", "class", "tick", "lot", "min_qty", "min_notional", "maker",
           "taker");
    for (uint32_t i = 0; i < nx_instruments_count(reg); i++) {
        const nx_instrument_t *in = nx_instruments_get(reg, i);
        char t[NX_DEC_STRLEN], l[NX_DEC_STRLEN], q[NX_DEC_STRLEN], mn[NX_DEC_STRLEN];
        char mk[NX_DEC_STRLEN], tk[NX_DEC_STRLEN];
        nx_dec_format_trim(in->tick_size, t);
        nx_dec_format_trim(in->lot_size, l);
        nx_dec_format_trim(in->min_qty, q);
        nx_dec_format_trim(in->min_notional, mn);
        nx_dec_format_trim(in->maker_fee, mk);
        nx_dec_format_trim(in->taker_fee, tk);
        printf("%3u  %-*s  %-*s  %-*s  %-9s  %12s  %12s  %12s  %12s  %8s  %8s\n", in->id, wv,
               in->venue, ws, in->symbol, wn, in->name, nx_asset_class_name(in->asset_class), t,
               l, q, mn, mk, tk);
    }
    printf("%zu instruments\n", nx_instruments_count(reg));
out:
    nx_instruments_free(reg);
    nx_free(cfg);
    nx_cfg_diags_free(diags);
    return code;
}
