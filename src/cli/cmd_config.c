/* `nexus config validate|show [FILE]`: check a config and print what it resolves to. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nexus/config.h"
#include "nexus/instrument.h"

static void nx__config_usage(FILE *f) {
    fprintf(f,
            "usage: nexus config validate [FILE]\n"
            "       nexus config show [FILE]\n"
            "\n"
            "validate  check FILE (default: --config) and every file it names\n"
            "          (instruments); print \"ok\" and the resolved settings, or\n"
            "          every problem as FILE:LINE:COL: key.path: message\n"
            "show      print the resolved settings (defaults filled in)\n"
            "\n"
            "exit codes: 0 valid, 1 failure (out of memory), 2 invalid config or usage\n");
}

/* Print diagnostics and the summary; returns the exit code for rc. */
static int nx__report(const char *path, int rc, const nx_cfg_diags_t *diags) {
    if (rc == NX_ECONFIG) {
        nx_cfg_diags_print(diags, stderr);
        size_t n = nx_cfg_diags_count(diags) + nx_cfg_diags_dropped(diags);
        fprintf(stderr, "nexus: %s: invalid configuration (%zu problem%s)\n", path, n,
                n == 1 ? "" : "s");
        return NX_EXIT_USAGE;
    }
    return nx_cli_fail(path, rc);
}

int nx_cli_config(const nx_cli_global_t *g, int argc, char **argv) {
    if (argc < 2 || nx_cli_is_help(argv[1])) {
        nx__config_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? NX_EXIT_USAGE : NX_EXIT_OK;
    }
    const char *verb = argv[1];
    int validate = strcmp(verb, "validate") == 0;
    if (!validate && strcmp(verb, "show") != 0) {
        fprintf(stderr, "nexus config: unknown action '%s' (validate|show)\n", verb);
        return NX_EXIT_USAGE;
    }
    if (argc > 2 && nx_cli_is_help(argv[2])) {
        nx__config_usage(stdout);
        return NX_EXIT_OK;
    }
    if (argc > 3) {
        fprintf(stderr, "nexus config %s: one FILE at most\n", verb);
        return NX_EXIT_USAGE;
    }
    const char *path = argc > 2 ? argv[2] : g->config_path;
    if (!path) {
        fprintf(stderr, "nexus config %s: no FILE and no --config given\n", verb);
        return NX_EXIT_USAGE;
    }

    nx_cfg_diags_t *diags;
    int rc = nx_cfg_diags_new(&diags);
    if (rc < 0) return nx_cli_fail("config", rc);
    nx_config_t *cfg = nx_malloc(sizeof *cfg); /* ~16 KiB of paths */
    if (!cfg) {
        nx_cfg_diags_free(diags);
        return nx_cli_fail("config", NX_ENOMEM);
    }
    int code = NX_EXIT_OK;
    size_t n_instruments = 0;
    rc = nx_config_load(path, diags, cfg);
    if (rc < 0) {
        code = nx__report(path, rc, diags);
        goto out;
    }
    if (validate && cfg->instruments[0]) {
        nx_instruments_t *reg;
        rc = nx_instruments_load(cfg->instruments, diags, &reg);
        if (rc < 0) {
            nx_config_close(cfg);
            code = nx__report(cfg->instruments, rc, diags);
            goto out;
        }
        n_instruments = nx_instruments_count(reg);
        nx_instruments_free(reg);
    }

    char dir[NX_CONFIG_PATH_MAX];
    const char *flag = g->data_dir_flag ? g->data_dir_flag
                       : cfg->data_dir[0] ? cfg->data_dir
                                          : NULL;
    if (validate) printf("ok\n");
    nx_config_print(cfg, stdout);
    if (nx_config_data_dir(flag, dir, sizeof dir) == 0) printf("# data dir (resolved): %s\n", dir);
    if (validate && cfg->instruments[0]) printf("# instruments: %zu valid\n", n_instruments);
    nx_config_close(cfg);
out:
    nx_free(cfg);
    nx_cfg_diags_free(diags);
    return code;
}
