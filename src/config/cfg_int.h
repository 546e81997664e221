/*
 * Private to src/config: the problem reporter shared by the tree loader, the
 * validator and the config/instrument loaders.
 */
#ifndef NX_CFG_INT_H
#define NX_CFG_INT_H

#include "nexus/config.h"

/*
 * Collects problems for one operation: stores them in `diags` (may be NULL),
 * counts them, remembers the first one's text for nx_err_message(), and
 * turns an allocation failure while storing into a sticky NX_ENOMEM.
 */
typedef struct nx__cfg_rep {
    nx_cfg_diags_t *diags;
    const char *file;
    size_t count;
    int fatal;
    char first[512];
} nx__cfg_rep_t;

void nx__cfg_rep_init(nx__cfg_rep_t *r, nx_cfg_diags_t *diags, const char *file);
void nx__cfg_report(nx__cfg_rep_t *r, uint32_t line, uint32_t col, const char *path,
                    const char *fmt, ...) NX_PRINTF(5, 6);
void nx__cfg_vreport(nx__cfg_rep_t *r, uint32_t line, uint32_t col, const char *path,
                     const char *fmt, va_list ap) NX_PRINTF(5, 0);
/* 0 if nothing was reported; the fatal code; else NX_ECONFIG with detail. */
int nx__cfg_rep_finish(nx__cfg_rep_t *r);

#endif
