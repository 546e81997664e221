/*
 * Diagnostics list (nexus/config.h). Each diagnostic is one allocation: the
 * struct followed by its strings. The list has a hard ceiling
 * (NX_CFG_DIAGS_MAX); problems beyond it are counted, not stored, so a
 * pathological file cannot make the validator eat memory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg_int.h"
#include "nexus/config.h"

struct nx_cfg_diags {
    nx_cfg_diag_t **v;
    size_t n, cap;
    size_t dropped;
};

int nx_cfg_diags_new(nx_cfg_diags_t **out) {
    nx_cfg_diags_t *d = nx_calloc(1, sizeof *d);
    if (!d) return NX_ERR(NX_ENOMEM, "diagnostics list");
    *out = d;
    return NX_OK;
}

void nx_cfg_diags_clear(nx_cfg_diags_t *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) nx_free(d->v[i]);
    nx_free(d->v);
    d->v = NULL;
    d->n = d->cap = d->dropped = 0;
}

void nx_cfg_diags_free(nx_cfg_diags_t *d) {
    if (!d) return;
    nx_cfg_diags_clear(d);
    nx_free(d);
}

size_t nx_cfg_diags_count(const nx_cfg_diags_t *d) { return d ? d->n : 0; }
size_t nx_cfg_diags_dropped(const nx_cfg_diags_t *d) { return d ? d->dropped : 0; }

const nx_cfg_diag_t *nx_cfg_diags_at(const nx_cfg_diags_t *d, size_t i) {
    return d && i < d->n ? d->v[i] : NULL;
}

const nx_cfg_diag_t *nx_cfg_diags_find(const nx_cfg_diags_t *d, const char *needle) {
    if (!d || !needle) return NULL;
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->v[i]->text, needle)) return d->v[i];
    return NULL;
}

/* Reading order: by file, line, column; equal positions keep insertion order. */
static int nx__diag_before(const nx_cfg_diag_t *a, const nx_cfg_diag_t *b) {
    int fc = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (fc) return fc < 0;
    if (a->line != b->line) return a->line < b->line;
    return a->col < b->col;
}

void nx_cfg_diags_print(const nx_cfg_diags_t *d, FILE *f) {
    if (!d) return;
    /* At most a few hundred entries: a stable selection of the next in order,
     * without allocating. */
    size_t printed = 0;
    const nx_cfg_diag_t *last = NULL;
    size_t last_i = 0;
    while (printed < d->n) {
        const nx_cfg_diag_t *best = NULL;
        size_t best_i = 0;
        for (size_t i = 0; i < d->n; i++) {
            const nx_cfg_diag_t *c = d->v[i];
            if (last && (nx__diag_before(c, last) ||
                         (!nx__diag_before(last, c) && i <= last_i)))
                continue; /* already printed */
            if (!best || nx__diag_before(c, best)) {
                best = c;
                best_i = i;
            }
        }
        if (!best) break;
        fprintf(f, "%s\n", best->text);
        last = best;
        last_i = best_i;
        printed++;
    }
    if (d->dropped) fprintf(f, "... and %zu more problems\n", d->dropped);
}

static char *nx__put(char **p, const char *s, size_t len) {
    char *start = *p;
    memcpy(start, s, len);
    start[len] = '\0';
    *p += len + 1;
    return start;
}

int nx_cfg_diags_add(nx_cfg_diags_t *d, const char *file, uint32_t line, uint32_t col,
                     const char *path, const char *fmt, ...) {
    if (!d) return NX_OK;
    if (d->n >= NX_CFG_DIAGS_MAX) {
        d->dropped++;
        return NX_OK;
    }
    char msg[NX_ERR_DETAIL_MAX];
    char head[64];
    va_list ap;
    va_start(ap, fmt);
    int mn = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t mlen = mn < 0 ? 0 : (size_t)mn < sizeof msg ? (size_t)mn : sizeof msg - 1;
    msg[mlen] = '\0';
    if (!file) file = "";
    if (!path) path = "";
    size_t flen = strlen(file), plen = strlen(path);
    int hn = line ? snprintf(head, sizeof head, ":%u:%u: ", (unsigned)line, (unsigned)col)
                  : snprintf(head, sizeof head, ": ");
    size_t hlen = hn < 0 ? 0 : (size_t)hn;
    /* text = file head [path ": "] msg */
    size_t tlen = flen + hlen + (plen ? plen + 2 : 0) + mlen;
    size_t total = sizeof(nx_cfg_diag_t) + (tlen + 1) + (flen + 1) + (plen + 1) + (mlen + 1);

    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        nx_cfg_diag_t **nv = nx_realloc(d->v, ncap * sizeof *nv);
        if (!nv) return NX_ERR(NX_ENOMEM, "diagnostics list");
        d->v = nv;
        d->cap = ncap;
    }
    nx_cfg_diag_t *g = nx_malloc(total);
    if (!g) return NX_ERR(NX_ENOMEM, "diagnostic");
    char *p = (char *)(g + 1);
    char *t = p;
    memcpy(p, file, flen);
    p += flen;
    memcpy(p, head, hlen);
    p += hlen;
    if (plen) {
        memcpy(p, path, plen);
        p += plen;
        memcpy(p, ": ", 2);
        p += 2;
    }
    memcpy(p, msg, mlen);
    p += mlen;
    *p++ = '\0';
    g->text = t;
    g->file = nx__put(&p, file, flen);
    g->path = nx__put(&p, path, plen);
    g->message = nx__put(&p, msg, mlen);
    g->line = line;
    g->col = col;
    d->v[d->n++] = g;
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Reporter (cfg_int.h)                                                      */
/* ------------------------------------------------------------------------- */

void nx__cfg_rep_init(nx__cfg_rep_t *r, nx_cfg_diags_t *diags, const char *file) {
    r->diags = diags;
    r->file = file ? file : "";
    r->count = 0;
    r->fatal = 0;
    r->first[0] = '\0';
}

void nx__cfg_report(nx__cfg_rep_t *r, uint32_t line, uint32_t col, const char *path,
                    const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    nx__cfg_vreport(r, line, col, path, fmt, ap);
    va_end(ap);
}

void nx__cfg_vreport(nx__cfg_rep_t *r, uint32_t line, uint32_t col, const char *path,
                     const char *fmt, va_list ap) {
    char msg[NX_ERR_DETAIL_MAX];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0) msg[0] = '\0';
    if (r->count++ == 0) {
        int fn = line ? snprintf(r->first, sizeof r->first, "%s:%u:%u: %s%s%s", r->file,
                                 (unsigned)line, (unsigned)col, path ? path : "",
                                 path && *path ? ": " : "", msg)
                      : snprintf(r->first, sizeof r->first, "%s: %s%s%s", r->file,
                                 path ? path : "", path && *path ? ": " : "", msg);
        if (fn < 0) r->first[0] = '\0';
    }
    if (r->fatal) return;
    if (nx_cfg_diags_add(r->diags, r->file, line, col, path, "%s", msg) < 0) r->fatal = NX_ENOMEM;
}

int nx__cfg_rep_finish(nx__cfg_rep_t *r) {
    if (r->fatal) return NX_ERR(r->fatal, "out of memory while reporting problems in %s", r->file);
    if (r->count == 0) return NX_OK;
    if (r->count == 1) return NX_ERR(NX_ECONFIG, "%s", r->first);
    return NX_ERR(NX_ECONFIG, "%s (and %zu more problems)", r->first, r->count - 1);
}
