/*
 * src/cli/cli.h — the `nexus` command: subcommand table and shared helpers.
 *
 * Exit codes (all subcommands):
 *   0 success
 *   1 runtime failure (I/O, corrupt data, failed verification)
 *   2 usage or configuration error (bad flags, invalid config); nothing started
 */
#ifndef NX_CLI_H
#define NX_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NX_EXIT_OK 0
#define NX_EXIT_FAIL 1
#define NX_EXIT_USAGE 2

struct nx_config;

typedef struct nx_cli_global {
    const char *data_dir_flag;      /* --data-dir, or NULL */
    const char *config_path;        /* --config, or NULL */
    const struct nx_config *config; /* loaded and validated --config, or NULL */
} nx_cli_global_t;

typedef struct nx_cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(const nx_cli_global_t *g, int argc, char **argv);
} nx_cli_cmd_t;

/* Subcommands (one file each under src/cli/). argv[0] is the subcommand name. */
int nx_cli_journal(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_replay(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_config(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_instruments(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_ta(const nx_cli_global_t *g, int argc, char **argv);
/* `nexus features`: bar features, candlestick patterns, multi-timeframe (cmd_features.c). */
int nx_cli_features(const nx_cli_global_t *g, int argc, char **argv);
/* `nexus regime fit|label` (cmd_regime.c). */
int nx_cli_regime(const nx_cli_global_t *g, int argc, char **argv);
/* `nexus data <sub>`: dispatcher in cmd_data.c (ls, info, verify, export there). */
int nx_cli_data(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_db(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_runs(const nx_cli_global_t *g, int argc, char **argv);
/*
 * `nexus data import` and `nexus data bars` (argv[0] is "import" / "bars"):
 * owned by the importer work, in their own files. TEMPORARY stand-ins that
 * return 2 live in cmd_data_pending.c until those files exist.
 */
int nx_cli_data_import(const nx_cli_global_t *g, int argc, char **argv);
int nx_cli_data_bars(const nx_cli_global_t *g, int argc, char **argv);

/* Print "nexus: <what>: <nx_err_message()>" to stderr; returns NX_EXIT_FAIL. */
int nx_cli_fail(const char *what, int rc);
/*
 * Where Nexus keeps its data: --data-dir, else the config's data_dir, else
 * $NEXUS_HOME, else ~/.nexus. 0 or a negative code (message set).
 */
int nx_cli_data_dir(const nx_cli_global_t *g, char *out, size_t cap);
/* Progress bar on stderr, only when stderr is a terminal. */
typedef struct nx_cli_progress {
    const char *label;
    uint64_t total;
    int enabled, drawn;
    int64_t last_ns, start_ns;
    uint64_t rows; /* rows processed so far (shown as rows/s when set) */
} nx_cli_progress_t;
void nx_cli_progress_init(nx_cli_progress_t *p, const char *label, uint64_t total);
void nx_cli_progress_update(nx_cli_progress_t *p, uint64_t done);
void nx_cli_progress_done(nx_cli_progress_t *p);

/*
 * Lines of an input file through the library's reader (plain, gzip or zip):
 * 1 and the line, 0 at the end, -1 on error (message set, file named).
 */
struct nx_line_reader;
int nx_cli_next_line(struct nx_line_reader *r, const char **line, size_t *len);

/*
 * An output file written as PATH.tmp and renamed to PATH by commit (NULL or
 * "-" is standard output). open: 0, or an exit code with the message printed
 * as "nexus <who>: ..."; commit: 0 or -1 (printed); close removes what was
 * not committed. Always call close.
 */
typedef struct nx_cli_out {
    FILE *f;
    const char *path;
    char tmp[4200];
} nx_cli_out_t;
int nx_cli_out_open(nx_cli_out_t *o, const char *who, const char *path);
int nx_cli_out_commit(nx_cli_out_t *o, const char *who);
void nx_cli_out_close(nx_cli_out_t *o);
const char *nx_cli_out_name(const nx_cli_out_t *o);

/* mkdir -p (0755); 0 or -1 with errno. */
int nx_cli_mkdirs(const char *dir);
/* rm -rf without following symbolic links; a missing path is fine. 0 or -1. */
int nx_cli_rm_rf(const char *path);

/* True if arg is -h or --help. */
int nx_cli_is_help(const char *arg);

#endif
