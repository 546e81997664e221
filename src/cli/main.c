/* `nexus` entry point: global flags, then one subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nexus/config.h"
#include "nexus/core.h"

static const nx_cli_cmd_t nx__cmds[] = {
    {"replay", "replay a bundled or given trades file through the kernel into a journal",
     nx_cli_replay},
    {"journal", "verify, dump or summarise a journal (verify|dump|stats)", nx_cli_journal},
    {"config", "validate a YAML config and print the resolved settings", nx_cli_config},
    {"instruments", "load and list instruments from a YAML file", nx_cli_instruments},
    {"ta", "run streaming indicators over a bars CSV (sma, rsi, macd, bbands, ...)", nx_cli_ta},
    {"features", "volatility features, candlestick patterns and multi-timeframe confluence over bars",
     nx_cli_features},
    {"regime", "fit the regime HMM and label bars (fit|label)", nx_cli_regime},
    {"data", "the market-data store: ls, info, verify, export, import, bars", nx_cli_data},
    {"db", "the database: migrate, status, verify, rollback, rebuild --from-journal", nx_cli_db},
    {"runs", "backtest run history: ls, show ID, compare ID ID", nx_cli_runs},
};

static void nx__usage(FILE *f) {
    fprintf(f,
            "usage: nexus [global options] <command> [options]\n"
            "\n"
            "Nexus %s: an event-driven trading platform.\n"
            "\n"
            "global options:\n"
            "  --data-dir DIR    where Nexus keeps store, journals, databases, outputs\n"
            "                    (default: $NEXUS_HOME, else ~/.nexus)\n"
            "  --config FILE     YAML config file (validated before anything starts)\n"
            "  --log-level LVL   trace|debug|info|warn|error|off (default info)\n"
            "  --log-file FILE   write JSON log lines to FILE instead of stderr\n"
            "  --version         print the version and exit\n"
            "  -h, --help        this help; `nexus <command> --help` for a command\n"
            "\n"
            "commands:\n",
            nx_version());
    for (size_t i = 0; i < NX_ARRAY_LEN(nx__cmds); i++)
        fprintf(f, "  %-12s %s\n", nx__cmds[i].name, nx__cmds[i].summary);
    fprintf(f, "\nexit codes: 0 ok, 1 failure, 2 usage or configuration error\n");
}

int nx_cli_fail(const char *what, int rc) {
    const char *msg = nx_err_message();
    fprintf(stderr, "nexus: %s: %s\n", what, *msg ? msg : nx_strerror(rc));
    return NX_EXIT_FAIL;
}

int nx_cli_data_dir(const nx_cli_global_t *g, char *out, size_t cap) {
    const char *flag = g->data_dir_flag;
    if ((!flag || !*flag) && g->config && g->config->data_dir[0]) flag = g->config->data_dir;
    return nx_config_data_dir(flag, out, cap);
}

/* Validate --config before any command starts; apply its log settings. */
static int nx__load_config(nx_cli_global_t *g, nx_config_t *cfg, int level_flag,
                           int file_flag) {
    nx_cfg_diags_t *d = NULL;
    if (nx_cfg_diags_new(&d) < 0) {
        fprintf(stderr, "nexus: out of memory\n");
        return NX_EXIT_FAIL;
    }
    int rc = nx_config_load(g->config_path, d, cfg);
    if (rc < 0) {
        if (nx_cfg_diags_count(d)) nx_cfg_diags_print(d, stderr);
        else fprintf(stderr, "nexus: %s: %s\n", g->config_path, nx_err_message());
        fprintf(stderr, "nexus: invalid configuration; nothing was started\n");
        nx_cfg_diags_free(d);
        return NX_EXIT_USAGE;
    }
    nx_cfg_diags_free(d);
    g->config = cfg;
    if (!level_flag) nx_log_set_level((nx_log_level_t)cfg->log.level);
    if (!file_flag && cfg->log.file[0] && nx_log_open_file(cfg->log.file) < 0) {
        fprintf(stderr, "nexus: %s: log.file: %s\n", g->config_path, nx_err_message());
        return NX_EXIT_USAGE;
    }
    return NX_EXIT_OK;
}

int nx_cli_is_help(const char *arg) {
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int main(int argc, char **argv) {
    nx_cli_global_t g = {NULL, NULL, NULL};
    static nx_config_t cfg;
    int level_flag = 0, file_flag = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (nx_cli_is_help(a)) {
            nx__usage(stdout);
            return NX_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("nexus %s\n", nx_version());
            return NX_EXIT_OK;
        } else if (strcmp(a, "--data-dir") == 0 && i + 1 < argc) {
            g.data_dir_flag = argv[++i];
        } else if (strcmp(a, "--config") == 0 && i + 1 < argc) {
            g.config_path = argv[++i];
        } else if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
            nx_log_level_t lvl;
            if (nx_log_level_parse(argv[++i], &lvl) < 0) {
                fprintf(stderr, "nexus: %s\n", nx_err_message());
                return NX_EXIT_USAGE;
            }
            nx_log_set_level(lvl);
            level_flag = 1;
        } else if (strcmp(a, "--log-file") == 0 && i + 1 < argc) {
            int rc = nx_log_open_file(argv[++i]);
            if (rc < 0) {
                fprintf(stderr, "nexus: %s\n", nx_err_message());
                return NX_EXIT_USAGE;
            }
            file_flag = 1;
        } else {
            fprintf(stderr, "nexus: unknown or incomplete option '%s' (see nexus --help)\n", a);
            return NX_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        nx__usage(stderr);
        return NX_EXIT_USAGE;
    }
    if (g.config_path) {
        int ec = nx__load_config(&g, &cfg, level_flag, file_flag);
        if (ec != NX_EXIT_OK) return ec;
    }
    for (size_t k = 0; k < NX_ARRAY_LEN(nx__cmds); k++) {
        if (strcmp(argv[i], nx__cmds[k].name) == 0)
            return nx__cmds[k].run(&g, argc - i, argv + i);
    }
    fprintf(stderr, "nexus: unknown command '%s' (see nexus --help)\n", argv[i]);
    return NX_EXIT_USAGE;
}
