/* `nexus` entry point: global flags, then one subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nexus/core.h"

static const nx_cli_cmd_t nx__cmds[] = {
    {"replay", "replay a bundled or given trades file through the kernel into a journal",
     nx_cli_replay},
    {"journal", "verify, dump or summarise a journal (verify|dump|stats)", nx_cli_journal},
    {"config", "validate a YAML config and print the resolved settings", nx_cli_config},
    {"instruments", "load and list instruments from a YAML file", nx_cli_instruments},
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

int nx_cli_is_help(const char *arg) {
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int main(int argc, char **argv) {
    nx_cli_global_t g = {NULL, NULL};
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
        } else if (strcmp(a, "--log-file") == 0 && i + 1 < argc) {
            int rc = nx_log_open_file(argv[++i]);
            if (rc < 0) {
                fprintf(stderr, "nexus: %s\n", nx_err_message());
                return NX_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "nexus: unknown or incomplete option '%s' (see nexus --help)\n", a);
            return NX_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        nx__usage(stderr);
        return NX_EXIT_USAGE;
    }
    for (size_t k = 0; k < NX_ARRAY_LEN(nx__cmds); k++) {
        if (strcmp(argv[i], nx__cmds[k].name) == 0)
            return nx__cmds[k].run(&g, argc - i, argv + i);
    }
    fprintf(stderr, "nexus: unknown command '%s' (see nexus --help)\n", argv[i]);
    return NX_EXIT_USAGE;
}
