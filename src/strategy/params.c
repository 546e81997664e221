/*
 * params.c — strategy parameters: defaults, typed and range-checked values
 * from text (YAML scalars, `--param fast=10`), lookups by name.
 */
#include <math.h>
#include <string.h>

#include "nexus/core.h"
#include "nexus/strategy.h"

static int nx__find(const nx_sparams_t *p, const char *name) {
    for (uint32_t i = 0; i < p->n; i++)
        if (strcmp(p->defs[i].name, name) == 0) return (int)i;
    return -1;
}

static const nx_sparam_val_t *nx__get(const nx_sparams_t *p, const char *name) {
    static const nx_sparam_val_t zero;
    int i = nx__find(p, name);
    if (i < 0) {
        nx_log(NX_LOG_ERROR, "strategy", 0, "no parameter named %s", name);
        return &zero;
    }
    return &p->v[i];
}

int64_t nx_sparam_int(const nx_sparams_t *p, const char *name) { return nx__get(p, name)->i; }
double nx_sparam_double(const nx_sparams_t *p, const char *name) { return nx__get(p, name)->d; }
nx_dec_t nx_sparam_dec(const nx_sparams_t *p, const char *name) { return nx__get(p, name)->dec; }

/* Parse `text` as a value of def into *v (no range check). */
static int nx__parse(const nx_sparam_def_t *def, const char *text, nx_sparam_val_t *v) {
    size_t len = strlen(text);
    memset(v, 0, sizeof *v);
    switch (def->type) {
    case NX_SPARAM_INT:
    case NX_SPARAM_DOUBLE:
    case NX_SPARAM_DEC: {
        nx_dec_t d;
        if (nx_dec_parse(text, len, &d) < 0)
            return NX_ERR(NX_EINVAL, "parameter %s: '%s' is not a number", def->name, text);
        v->dec = d;
        v->d = nx_dec_to_double(d);
        if (def->type == NX_SPARAM_INT) {
            nx_dec_t r;
            if (nx_dec_rescale(d, 0, NX_ROUND_EXACT, &r) < 0)
                return NX_ERR(NX_EINVAL, "parameter %s: '%s' is not an integer", def->name,
                              text);
            v->i = r.m;
            v->dec = r;
        }
        return NX_OK;
    }
    case NX_SPARAM_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1") ||
            !strcmp(text, "on"))
            v->i = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0") ||
                 !strcmp(text, "off"))
            v->i = 0;
        else
            return NX_ERR(NX_EINVAL, "parameter %s: '%s' is not true or false", def->name, text);
        v->d = (double)v->i;
        return NX_OK;
    case NX_SPARAM_WORD:
        for (int64_t i = 0; def->words && def->words[i]; i++)
            if (!strcmp(def->words[i], text)) {
                v->i = i;
                v->d = (double)i;
                return NX_OK;
            }
        return NX_ERR(NX_EINVAL, "parameter %s: '%s' is not one of the allowed words", def->name,
                      text);
    }
    return NX_ERR(NX_EINVAL, "parameter %s: unknown type", def->name);
}

static int nx__check_range(const nx_sparam_def_t *def, const nx_sparam_val_t *v) {
    if (def->type == NX_SPARAM_BOOL || def->type == NX_SPARAM_WORD) return NX_OK;
    if (!(def->lo <= def->hi)) return NX_OK;
    if (!isfinite(v->d) || v->d < def->lo || v->d > def->hi)
        return NX_ERR(NX_EINVAL, "parameter %s: %g is outside [%g, %g]", def->name, v->d, def->lo,
                      def->hi);
    return NX_OK;
}

int nx_sparams_defaults(nx_sparams_t *p, const nx_sparam_def_t *defs, uint32_t n) {
    if (n > NX_STRATEGY_PARAMS_MAX)
        return NX_ERR(NX_ELIMIT, "%u parameters (at most %u)", n, NX_STRATEGY_PARAMS_MAX);
    memset(p, 0, sizeof *p);
    p->defs = defs;
    p->n = n;
    for (uint32_t i = 0; i < n; i++) {
        int rc = nx__parse(&defs[i], defs[i].def ? defs[i].def : "0", &p->v[i]);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

int nx_sparams_set(nx_sparams_t *p, const char *name, const char *text) {
    int i = nx__find(p, name);
    if (i < 0) return NX_ERR(NX_ENOTFOUND, "unknown parameter '%s'", name);
    nx_sparam_val_t v;
    int rc = nx__parse(&p->defs[i], text, &v);
    if (rc < 0) return rc;
    rc = nx__check_range(&p->defs[i], &v);
    if (rc < 0) return rc;
    p->v[i] = v;
    return NX_OK;
}
