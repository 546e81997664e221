/* TEMPORARY during bring-up; replaced by the real subcommands. */
#include "cli/cli.h"
int nx_cli_journal(const nx_cli_global_t *g, int argc, char **argv) { (void)g; (void)argc; (void)argv; return 1; }
int nx_cli_replay(const nx_cli_global_t *g, int argc, char **argv) { (void)g; (void)argc; (void)argv; return 1; }
int nx_cli_config(const nx_cli_global_t *g, int argc, char **argv) { (void)g; (void)argc; (void)argv; return 1; }
int nx_cli_instruments(const nx_cli_global_t *g, int argc, char **argv) { (void)g; (void)argc; (void)argv; return 1; }
