/* `nexus db`: placeholder until the persistence module lands (issue #8). */
#include <stdio.h>

#include "cli/cli.h"

int nx_cli_db(const nx_cli_global_t *g, int argc, char **argv) {
    (void)g;
    (void)argc;
    (void)argv;
    fprintf(stderr, "nexus db: not available in this build yet\n");
    return 2;
}
