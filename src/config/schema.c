/*
 * Table-driven schema validation (nexus/config.h).
 *
 * One walk over the tree, guided by the schema, that never stops at the
 * first problem: each map checks every entry (unknown keys with a "did you
 * mean", duplicates, types, ranges) and then every field (missing required
 * keys, defaults). Values go into a zeroed scratch copy of the caller's
 * struct; only a problem-free walk is copied out, so a bad file changes
 * nothing. Defaults, min and max are YAML text parsed by the same code as
 * values, so the table reads like the file it describes.
 *
 * Number parsing is our own bounded code (or nx_dec_parse / nx_duration_parse
 * / nx_time_parse), never strto* on outside input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg_int.h"
#include "nexus/config.h"

#define NX__PATH_MAX 512

typedef union nx__val {
    int64_t i;   /* INT, DURATION, TIMESTAMP */
    uint64_t u;  /* UINT, list counts */
    nx_dec_t d;  /* DECIMAL */
    double f;    /* FLOAT */
    bool b;      /* BOOL */
    int e;       /* ENUM */
} nx__val_t;

typedef struct nx__v {
    nx__cfg_rep_t rep;
    const nx_cfg_node_t *anchor; /* nearest existing node: position for absent things */
    char path[NX__PATH_MAX];
    size_t plen;
} nx__v_t;

struct nx_cfg_check {
    nx__v_t *v;
    const nx_cfg_node_t *map;
};

/* ------------------------------------------------------------------------- */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------- */

static size_t nx__path_key(nx__v_t *v, const char *key, size_t klen) {
    size_t old = v->plen;
    if (v->plen && v->plen < NX__PATH_MAX - 1) v->path[v->plen++] = '.';
    for (size_t i = 0; i < klen && v->plen < NX__PATH_MAX - 1; i++) {
        unsigned char c = (unsigned char)key[i];
        v->path[v->plen++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    v->path[v->plen] = '\0';
    return old;
}

static size_t nx__path_index(nx__v_t *v, size_t i) {
    size_t old = v->plen;
    int n = snprintf(v->path + v->plen, NX__PATH_MAX - v->plen, "[%zu]", i);
    if (n > 0) v->plen += (size_t)n;
    if (v->plen >= NX__PATH_MAX) v->plen = NX__PATH_MAX - 1;
    v->path[v->plen] = '\0';
    return old;
}

static void nx__path_pop(nx__v_t *v, size_t old) {
    v->plen = old;
    v->path[old] = '\0';
}

static void nx__problem(nx__v_t *v, const nx_cfg_node_t *at, const char *fmt, ...)
    NX_PRINTF(3, 4);
static void nx__problem(nx__v_t *v, const nx_cfg_node_t *at, const char *fmt, ...) {
    va_list ap;
    if (!at) at = v->anchor;
    va_start(ap, fmt);
    nx__cfg_vreport(&v->rep, at ? at->line : 1, at ? at->col : 1, v->path, fmt, ap);
    va_end(ap);
}

/* User text for a message: quoted, control bytes escaped, long text cut. */
static const char *nx__quote(const char *s, size_t len, char *buf, size_t cap) {
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", c);
        } else {
            buf[o++] = (char)c;
        }
        if (i + 1 < len && o + 8 >= cap) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* "a map", "a list", "null" or the quoted scalar. */
static const char *nx__describe(const nx_cfg_node_t *n, char *buf, size_t cap) {
    switch (n->kind) {
    case NX_CFG_NODE_MAP: return "a map";
    case NX_CFG_NODE_LIST: return "a list";
    case NX_CFG_NODE_NULL: return "null";
    default: break;
    }
    nx__quote(n->text, n->len, buf, cap);
    if (n->quoted) {
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, " (quoted, so a string)");
    }
    return buf;
}

static const char *nx__type_name(const nx_cfg_field_t *f) {
    switch (f->type) {
    case NX_CFG_STRING: return "a string";
    case NX_CFG_INT: return "an integer";
    case NX_CFG_UINT: return f->flags & NX_CFG_BYTES ? "a size in bytes (e.g. 64MiB)"
                                                     : "an unsigned integer";
    case NX_CFG_DECIMAL: return "a decimal number";
    case NX_CFG_FLOAT: return "a number";
    case NX_CFG_BOOL: return "true or false";
    case NX_CFG_DURATION: return "a duration (e.g. 250ms, 5s, 1m)";
    case NX_CFG_TIMESTAMP: return "a timestamp (e.g. 2024-09-27T08:00:00Z)";
    case NX_CFG_ENUM: return "one of the allowed words";
    case NX_CFG_MAP: return "a map";
    case NX_CFG_LIST: return "a list";
    }
    return "a value";
}

/* Optimal string alignment distance (Levenshtein plus adjacent transposition). */
static size_t nx__edit_distance(const char *a, size_t la, const char *b, size_t lb) {
    enum { M = 48 };
    if (la >= M || lb >= M) return (size_t)-1;
    size_t d[M][M];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* ------------------------------------------------------------------------- */
/* Scalar parsing                                                            */
/* ------------------------------------------------------------------------- */

/* Digits with optional '_' between digits (1_000_000). NX_EPARSE / NX_EOVERFLOW. */
static int nx__parse_digits(const char *s, size_t len, uint64_t *out, size_t *used) {
    uint64_t v = 0;
    size_t i = 0;
    int digits = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '_' && digits && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') continue;
        if (c < '0' || c > '9') break;
        if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, (unsigned)(c - '0'), &v))
            return NX_EOVERFLOW;
        digits++;
    }
    if (!digits) return NX_EPARSE;
    *out = v;
    *used = i;
    return NX_OK;
}

static int nx__parse_i64(const char *s, size_t len, int64_t *out) {
    int neg = 0;
    size_t p = 0, used;
    if (len && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        p = 1;
    }
    uint64_t u;
    int rc = nx__parse_digits(s + p, len - p, &u, &used);
    if (rc < 0) return rc;
    if (p + used != len) return NX_EPARSE;
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1) return NX_EOVERFLOW;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX) return NX_EOVERFLOW;
        *out = (int64_t)u;
    }
    return NX_OK;
}

static int nx__parse_u64(const char *s, size_t len, int bytes, uint64_t *out) {
    size_t p = len && s[0] == '+' ? 1 : 0, used;
    uint64_t u;
    int rc = nx__parse_digits(s + p, len - p, &u, &used);
    if (rc < 0) return rc;
    const char *suf = s + p + used;
    size_t sl = len - p - used;
    if (sl == 0) {
        *out = u;
        return NX_OK;
    }
    if (!bytes) return NX_EPARSE;
    static const struct { const char *s; uint64_t m; } units[] = {
        {"B", 1},           {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
        {"TiB", 1ull << 40}, {"KB", 1000ull},    {"MB", 1000000ull},  {"GB", 1000000000ull},
        {"TB", 1000000000000ull},
    };
    while (sl && *suf == ' ') { /* "64 MiB" */
        suf++;
        sl--;
    }
    for (size_t i = 0; i < NX_ARRAY_LEN(units); i++) {
        if (strlen(units[i].s) == sl && memcmp(units[i].s, suf, sl) == 0) {
            if (__builtin_mul_overflow(u, units[i].m, out)) return NX_EOVERFLOW;
            return NX_OK;
        }
    }
    return NX_EPARSE;
}

/*
 * Convert scalar text to a value of f's type. On failure writes a message
 * (without the path) into why and returns a negative code.
 */
static int nx__convert(const nx_cfg_field_t *f, const char *s, size_t len, bool quoted,
                       nx__val_t *out, char *why, size_t cap) {
    char q[160];
    int rc;
    switch (f->type) {
    case NX_CFG_INT:
        if (quoted) goto wrong;
        rc = nx__parse_i64(s, len, &out->i);
        if (rc == NX_EOVERFLOW) {
            snprintf(why, cap, "integer %s does not fit 64 bits", nx__quote(s, len, q, sizeof q));
            return rc;
        }
        if (rc < 0) goto wrong;
        return NX_OK;
    case NX_CFG_UINT:
        if (quoted) goto wrong;
        rc = nx__parse_u64(s, len, (f->flags & NX_CFG_BYTES) != 0, &out->u);
        if (rc == NX_EOVERFLOW) {
            snprintf(why, cap, "integer %s does not fit 64 bits", nx__quote(s, len, q, sizeof q));
            return rc;
        }
        if (rc < 0) goto wrong;
        return NX_OK;
    case NX_CFG_DECIMAL:
    case NX_CFG_FLOAT: {
        nx_dec_t d;
        rc = nx_dec_parse(s, len, &d);
        if (rc == NX_EOVERFLOW) {
            snprintf(why, cap, "decimal %s has too many digits (at most 18 significant)",
                     nx__quote(s, len, q, sizeof q));
            return rc;
        }
        if (rc == NX_ERANGE) {
            snprintf(why, cap, "decimal %s has more than 18 fractional digits",
                     nx__quote(s, len, q, sizeof q));
            return rc;
        }
        if (rc < 0) goto wrong;
        if (f->type == NX_CFG_DECIMAL) out->d = d;
        else out->f = nx_dec_to_double(d);
        return NX_OK;
    }
    case NX_CFG_BOOL: {
        static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                          "on", "On", "ON"};
        static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
                                         "off", "Off", "OFF"};
        if (quoted) goto wrong;
        for (size_t i = 0; i < NX_ARRAY_LEN(yes); i++) {
            if (strlen(yes[i]) == len && memcmp(yes[i], s, len) == 0) {
                out->b = true;
                return NX_OK;
            }
            if (strlen(no[i]) == len && memcmp(no[i], s, len) == 0) {
                out->b = false;
                return NX_OK;
            }
        }
        goto wrong;
    }
    case NX_CFG_DURATION:
        rc = nx_duration_parse(s, len, &out->i);
        if (rc == NX_EOVERFLOW) {
            snprintf(why, cap, "duration %s too large", nx__quote(s, len, q, sizeof q));
            return rc;
        }
        if (rc < 0) goto wrong;
        return NX_OK;
    case NX_CFG_TIMESTAMP:
        rc = nx_time_parse(s, len, &out->i);
        if (rc == NX_ERANGE) {
            snprintf(why, cap, "timestamp %s out of range", nx__quote(s, len, q, sizeof q));
            return rc;
        }
        if (rc < 0) goto wrong;
        return NX_OK;
    case NX_CFG_ENUM: {
        size_t o = 0;
        char words[256];
        for (int i = 0; f->words && f->words[i]; i++) {
            if (strlen(f->words[i]) == len && memcmp(f->words[i], s, len) == 0) {
                out->e = i;
                return NX_OK;
            }
            int n = snprintf(words + o, sizeof words - o, "%s%s", i ? "|" : "", f->words[i]);
            if (n > 0) o += (size_t)n;
            if (o >= sizeof words) o = sizeof words - 1;
        }
        words[o] = '\0';
        snprintf(why, cap, "expected one of %s, got %s", words, nx__quote(s, len, q, sizeof q));
        return NX_EPARSE;
    }
    default:
        break;
    }
    snprintf(why, cap, "internal: %s is not a scalar type", nx__type_name(f));
    return NX_EINVAL;
wrong:
    snprintf(why, cap, "expected %s, got %s%s", nx__type_name(f), nx__quote(s, len, q, sizeof q),
             quoted ? " (quoted, so a string)" : "");
    return NX_EPARSE;
}

static int nx__cmp(nx_cfg_type_t t, const nx__val_t *a, const nx__val_t *b) {
    switch (t) {
    case NX_CFG_UINT: return (a->u > b->u) - (a->u < b->u);
    case NX_CFG_DECIMAL: return nx_dec_cmp(a->d, b->d);
    case NX_CFG_FLOAT: return (a->f > b->f) - (a->f < b->f);
    default: return (a->i > b->i) - (a->i < b->i);
    }
}

static int nx__is_positive(nx_cfg_type_t t, const nx__val_t *a) {
    switch (t) {
    case NX_CFG_UINT: return a->u > 0;
    case NX_CFG_DECIMAL: return a->d.m > 0;
    case NX_CFG_FLOAT: return a->f > 0;
    default: return a->i > 0;
    }
}

static int nx__ranged(nx_cfg_type_t t) {
    return t == NX_CFG_INT || t == NX_CFG_UINT || t == NX_CFG_DECIMAL || t == NX_CFG_FLOAT ||
           t == NX_CFG_DURATION || t == NX_CFG_TIMESTAMP;
}

/* Range, sign and power-of-two constraints. 0 or a message in why. */
static int nx__constrain(const nx_cfg_field_t *f, const nx__val_t *v, const char *s, size_t len,
                         char *why, size_t cap) {
    char q[160], tmp[256];
    if (!nx__ranged(f->type)) return NX_OK;
    nx__val_t lo, hi;
    int has_lo = 0, has_hi = 0;
    if (f->min) {
        if (nx__convert(f, f->min, strlen(f->min), false, &lo, tmp, sizeof tmp) < 0) {
            snprintf(why, cap, "internal: bad schema min %s", f->min);
            return NX_EINVAL;
        }
        has_lo = 1;
    }
    if (f->max) {
        if (nx__convert(f, f->max, strlen(f->max), false, &hi, tmp, sizeof tmp) < 0) {
            snprintf(why, cap, "internal: bad schema max %s", f->max);
            return NX_EINVAL;
        }
        has_hi = 1;
    }
    int below = has_lo && nx__cmp(f->type, v, &lo) < 0;
    int above = has_hi && nx__cmp(f->type, v, &hi) > 0;
    if (below || above) {
        nx__quote(s, len, q, sizeof q);
        if (has_lo && has_hi)
            snprintf(why, cap, "must be between %s and %s, got %s", f->min, f->max, q);
        else if (has_lo)
            snprintf(why, cap, "must be at least %s, got %s", f->min, q);
        else
            snprintf(why, cap, "must be at most %s, got %s", f->max, q);
        return NX_ERANGE;
    }
    if ((f->flags & NX_CFG_POSITIVE) && !nx__is_positive(f->type, v)) {
        snprintf(why, cap, "must be greater than 0, got %s", nx__quote(s, len, q, sizeof q));
        return NX_ERANGE;
    }
    if ((f->flags & NX_CFG_POW2) && f->type == NX_CFG_UINT && (v->u == 0 || (v->u & (v->u - 1)))) {
        snprintf(why, cap, "must be a power of two, got %s", nx__quote(s, len, q, sizeof q));
        return NX_ERANGE;
    }
    return NX_OK;
}

/* Store v into dst (f->size bytes), checking the C type's range. */
static int nx__store(const nx_cfg_field_t *f, const nx__val_t *v, void *dst, char *why,
                     size_t cap) {
    switch (f->type) {
    case NX_CFG_INT: {
        int64_t x = v->i;
        switch (f->size) {
        case 1: if (x < INT8_MIN || x > INT8_MAX) goto range; { int8_t t = (int8_t)x; memcpy(dst, &t, 1); } return NX_OK;
        case 2: if (x < INT16_MIN || x > INT16_MAX) goto range; { int16_t t = (int16_t)x; memcpy(dst, &t, 2); } return NX_OK;
        case 4: if (x < INT32_MIN || x > INT32_MAX) goto range; { int32_t t = (int32_t)x; memcpy(dst, &t, 4); } return NX_OK;
        default: memcpy(dst, &x, 8); return NX_OK;
        }
    }
    case NX_CFG_UINT: {
        uint64_t x = v->u;
        switch (f->size) {
        case 1: if (x > UINT8_MAX) goto urange; { uint8_t t = (uint8_t)x; memcpy(dst, &t, 1); } return NX_OK;
        case 2: if (x > UINT16_MAX) goto urange; { uint16_t t = (uint16_t)x; memcpy(dst, &t, 2); } return NX_OK;
        case 4: if (x > UINT32_MAX) goto urange; { uint32_t t = (uint32_t)x; memcpy(dst, &t, 4); } return NX_OK;
        default: memcpy(dst, &x, 8); return NX_OK;
        }
    }
    case NX_CFG_DECIMAL: memcpy(dst, &v->d, sizeof v->d); return NX_OK;
    case NX_CFG_FLOAT: memcpy(dst, &v->f, sizeof v->f); return NX_OK;
    case NX_CFG_BOOL: memcpy(dst, &v->b, sizeof v->b); return NX_OK;
    case NX_CFG_DURATION:
    case NX_CFG_TIMESTAMP: memcpy(dst, &v->i, sizeof v->i); return NX_OK;
    case NX_CFG_ENUM: memcpy(dst, &v->e, sizeof v->e); return NX_OK;
    default: break;
    }
    snprintf(why, cap, "internal: cannot store %s", nx__type_name(f));
    return NX_EINVAL;
range:
    snprintf(why, cap, "out of range for a %zu-bit integer", f->size * 8);
    return NX_ERANGE;
urange:
    snprintf(why, cap, "must be at most %llu", (unsigned long long)(f->size == 1 ? UINT8_MAX
                                                                    : f->size == 2 ? UINT16_MAX
                                                                                   : UINT32_MAX));
    return NX_ERANGE;
}

/* Parse, constrain and store scalar text (a value or a default). */
static int nx__scalar_into(const nx_cfg_field_t *f, const char *s, size_t len, bool quoted,
                           char *dst, char *why, size_t cap) {
    if (f->type == NX_CFG_STRING) {
        if (memchr(s, '\0', len)) {
            snprintf(why, cap, "string contains a NUL byte");
            return NX_EPARSE;
        }
        if (len >= f->size) {
            snprintf(why, cap, "string longer than %zu bytes", f->size - 1);
            return NX_ERANGE;
        }
        if ((f->flags & NX_CFG_NONEMPTY) && len == 0) {
            snprintf(why, cap, "must not be empty");
            return NX_ERANGE;
        }
        memcpy(dst, s, len);
        dst[len] = '\0';
        return NX_OK;
    }
    nx__val_t v;
    int rc = nx__convert(f, s, len, quoted, &v, why, cap);
    if (rc == 0) rc = nx__constrain(f, &v, s, len, why, cap);
    if (rc == 0) rc = nx__store(f, &v, dst, why, cap);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* The walk                                                                  */
/* ------------------------------------------------------------------------- */

static void nx__map(nx__v_t *v, const nx_cfg_schema_t *s, const nx_cfg_node_t *map, char *obj);

static void nx__value(nx__v_t *v, const nx_cfg_field_t *f, const nx_cfg_node_t *node, char *dst) {
    char why[NX_ERR_DETAIL_MAX], d[200];
    if (f->type == NX_CFG_MAP) {
        if (node->kind != NX_CFG_NODE_MAP) {
            nx__problem(v, node, "expected a map, got %s", nx__describe(node, d, sizeof d));
            return;
        }
        if (f->flags & NX_CFG_OPEN) return; /* the caller reads it */
        nx__map(v, f->sub, node, dst);
        return;
    }
    if (f->type == NX_CFG_LIST) {
        if (node->kind != NX_CFG_NODE_LIST) {
            nx__problem(v, node, "expected a list, got %s", nx__describe(node, d, sizeof d));
            return;
        }
        uint64_t lo = 0, hi = NX_CFG_LIST_MAX;
        size_t used;
        if (f->min) (void)nx__parse_digits(f->min, strlen(f->min), &lo, &used);
        if (f->max) (void)nx__parse_digits(f->max, strlen(f->max), &hi, &used);
        if (hi > NX_CFG_LIST_MAX) hi = NX_CFG_LIST_MAX;
        if (node->len < lo || node->len > hi) {
            nx__problem(v, node, "expected %llu..%llu items, got %zu", (unsigned long long)lo,
                        (unsigned long long)hi, node->len);
            return;
        }
        if (node->len == 0) return;
        const nx_cfg_field_t *e = f->elem;
        char *items = nx_calloc(node->len, e->size);
        if (!items) {
            v->rep.fatal = NX_ENOMEM;
            return;
        }
        nx_cfg_list_t l = {items, node->len};
        memcpy(dst, &l, sizeof l); /* stored now so that release finds it on any path */
        const nx_cfg_node_t *saved = v->anchor;
        for (size_t i = 0; i < node->len && !v->rep.fatal; i++) {
            size_t old = nx__path_index(v, i);
            const nx_cfg_node_t *it = node->items[i];
            v->anchor = it;
            if (it->kind == NX_CFG_NODE_NULL)
                nx__problem(v, it, "empty list item (expected %s)", nx__type_name(e));
            else
                nx__value(v, e, it, items + i * e->size);
            nx__path_pop(v, old);
        }
        v->anchor = saved;
        return;
    }
    if (node->kind != NX_CFG_NODE_SCALAR) {
        nx__problem(v, node, "expected %s, got %s", nx__type_name(f),
                    nx__describe(node, d, sizeof d));
        return;
    }
    if (nx__scalar_into(f, node->text, node->len, node->quoted, dst, why, sizeof why) < 0)
        nx__problem(v, node, "%s", why);
}

static void nx__map(nx__v_t *v, const nx_cfg_schema_t *s, const nx_cfg_node_t *map, char *obj) {
    char d[200], why[NX_ERR_DETAIL_MAX];
    const nx_cfg_pair_t *seen[NX_CFG_FIELDS_MAX] = {0};
    size_t before = v->rep.count;
    const nx_cfg_node_t *saved_anchor = v->anchor;
    if (s->n_fields > NX_CFG_FIELDS_MAX) { /* nx_cfg_schema_check catches this in tests */
        nx__problem(v, map, "internal: schema %s has more than %u fields", s->name,
                    NX_CFG_FIELDS_MAX);
        return;
    }
    if (map) v->anchor = map;

    for (size_t i = 0; map && i < map->len; i++) {
        const nx_cfg_pair_t *p = &map->pairs[i];
        const nx_cfg_node_t *k = p->key;
        if (k->kind != NX_CFG_NODE_SCALAR) {
            nx__problem(v, k, "map keys must be non-empty strings, got %s",
                        nx__describe(k, d, sizeof d));
            continue;
        }
        size_t fi = s->n_fields;
        for (size_t j = 0; j < s->n_fields; j++) {
            if (strlen(s->fields[j].key) == k->len && memcmp(s->fields[j].key, k->text, k->len) == 0) {
                fi = j;
                break;
            }
        }
        size_t old = nx__path_key(v, k->text, k->len);
        if (fi == s->n_fields) {
            size_t best = 3, bi = s->n_fields;
            for (size_t j = 0; j < s->n_fields; j++) {
                size_t dist = nx__edit_distance(k->text, k->len, s->fields[j].key,
                                                strlen(s->fields[j].key));
                if (dist < best) {
                    best = dist;
                    bi = j;
                }
            }
            if (bi < s->n_fields)
                nx__problem(v, k, "unknown key (did you mean \"%s\"?)", s->fields[bi].key);
            else
                nx__problem(v, k, "unknown key");
        } else if (seen[fi]) {
            nx__problem(v, k, "duplicate key (first defined at %u:%u)", seen[fi]->key->line,
                        seen[fi]->key->col);
        } else {
            seen[fi] = p;
        }
        nx__path_pop(v, old);
    }

    for (size_t j = 0; j < s->n_fields && !v->rep.fatal; j++) {
        const nx_cfg_field_t *f = &s->fields[j];
        const nx_cfg_node_t *val = seen[j] ? seen[j]->value : NULL;
        size_t old = nx__path_key(v, f->key, strlen(f->key));
        char *dst = obj + f->offset;
        if (val && val->kind != NX_CFG_NODE_NULL) {
            if (f->present) obj[f->present - 1] = 1; /* bool true */
            nx__value(v, f, val, dst);
        } else if (f->flags & NX_CFG_REQUIRED) {
            if (seen[j]) nx__problem(v, seen[j]->key, "required key has no value");
            else nx__problem(v, map, "required key is missing");
        } else if (f->type == NX_CFG_MAP && !(f->flags & NX_CFG_OPEN)) {
            nx__map(v, f->sub, NULL, dst); /* absent map: its defaults and required keys */
        } else if (f->def && f->type != NX_CFG_LIST) {
            if (nx__scalar_into(f, f->def, strlen(f->def), false, dst, why, sizeof why) < 0)
                nx__problem(v, map, "internal: bad default %s: %s", f->def, why);
        }
        nx__path_pop(v, old);
    }

    if (s->check && v->rep.count == before && !v->rep.fatal) {
        nx_cfg_check_t ck = {v, map};
        int rc = s->check(&ck, obj);
        if (rc < 0) v->rep.fatal = rc;
    }
    v->anchor = saved_anchor;
}

void nx_cfg_check_error(nx_cfg_check_t *ck, const char *key, const char *fmt, ...) {
    char msg[NX_ERR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) msg[0] = '\0';
    const nx_cfg_node_t *at = key ? nx_cfg_map_get(ck->map, key) : NULL;
    if (!at || at->kind == NX_CFG_NODE_NULL) at = ck->map;
    size_t old = key ? nx__path_key(ck->v, key, strlen(key)) : ck->v->plen;
    nx__problem(ck->v, at, "%s", msg);
    nx__path_pop(ck->v, old);
}

const nx_cfg_node_t *nx_cfg_check_node(const nx_cfg_check_t *ck) { return ck->map; }

/* ------------------------------------------------------------------------- */
/* Public entry points                                                       */
/* ------------------------------------------------------------------------- */

static void nx__release_field(const nx_cfg_field_t *f, char *p) {
    if (f->type == NX_CFG_MAP && (f->flags & NX_CFG_OPEN)) return;
    if (f->type == NX_CFG_MAP) {
        nx_cfg_release(f->sub, p);
    } else if (f->type == NX_CFG_LIST) {
        nx_cfg_list_t l;
        memcpy(&l, p, sizeof l);
        for (size_t i = 0; l.items && i < l.n; i++)
            nx__release_field(f->elem, (char *)l.items + i * f->elem->size);
        nx_free(l.items);
        memset(p, 0, sizeof l);
    }
}

void nx_cfg_release(const nx_cfg_schema_t *schema, void *obj) {
    if (!schema || !obj) return;
    for (size_t j = 0; j < schema->n_fields; j++)
        nx__release_field(&schema->fields[j], (char *)obj + schema->fields[j].offset);
}

int nx_cfg_validate(const nx_cfg_doc_t *doc, const nx_cfg_node_t *node, const char *path,
                    const nx_cfg_schema_t *schema, void *out, size_t out_size,
                    nx_cfg_diags_t *diags) {
    if (!doc || !schema || !out) return NX_ERR(NX_EINVAL, "nx_cfg_validate: NULL argument");
    if (schema->n_fields > NX_CFG_FIELDS_MAX)
        return NX_ERR(NX_EINVAL, "schema %s: more than %u fields", schema->name,
                      NX_CFG_FIELDS_MAX);
    if (!node) node = nx_cfg_doc_root(doc);
    nx__v_t *v = nx_malloc(sizeof *v);
    char *scratch = nx_calloc(1, out_size);
    if (!v || !scratch) {
        nx_free(v);
        nx_free(scratch);
        return NX_ERR(NX_ENOMEM, "%s: out of memory", nx_cfg_doc_name(doc));
    }
    nx__cfg_rep_init(&v->rep, diags, nx_cfg_doc_name(doc));
    v->anchor = node;
    v->plen = 0;
    v->path[0] = '\0';
    if (path && *path) nx__path_key(v, path, strlen(path));

    if (!node || node->kind == NX_CFG_NODE_NULL) {
        nx__map(v, schema, NULL, scratch);
    } else if (node->kind != NX_CFG_NODE_MAP) {
        char d[200];
        nx__problem(v, node, "expected a map of settings, got %s",
                    nx__describe(node, d, sizeof d));
    } else {
        nx__map(v, schema, node, scratch);
    }
    int rc = nx__cfg_rep_finish(&v->rep);
    nx_free(v);
    if (rc < 0) {
        nx_cfg_release(schema, scratch);
        nx_free(scratch);
        return rc;
    }
    memcpy(out, scratch, out_size);
    nx_free(scratch);
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Schema self-check                                                         */
/* ------------------------------------------------------------------------- */

static int nx__check_field(const char *sname, const nx_cfg_field_t *f, size_t obj_size);

static int nx__check_text(const char *sname, const nx_cfg_field_t *f, const char *what,
                          const char *text) {
    char why[NX_ERR_DETAIL_MAX];
    nx__val_t v;
    if (!text) return NX_OK;
    if (f->type == NX_CFG_LIST) {
        uint64_t u;
        size_t used;
        if (nx__parse_digits(text, strlen(text), &u, &used) < 0 || used != strlen(text))
            return NX_ERR(NX_EINVAL, "schema %s.%s: bad %s count \"%s\"", sname,
                          f->key ? f->key : "[]", what, text);
        return NX_OK;
    }
    if (!nx__ranged(f->type) && f->type != NX_CFG_STRING && f->type != NX_CFG_BOOL &&
        f->type != NX_CFG_ENUM)
        return NX_ERR(NX_EINVAL, "schema %s.%s: %s not allowed for this type", sname,
                      f->key ? f->key : "[]", what);
    if (f->type == NX_CFG_STRING) {
        if (strlen(text) >= f->size)
            return NX_ERR(NX_EINVAL, "schema %s.%s: default longer than the field", sname,
                          f->key ? f->key : "[]");
        return NX_OK;
    }
    if (nx__convert(f, text, strlen(text), false, &v, why, sizeof why) < 0)
        return NX_ERR(NX_EINVAL, "schema %s.%s: bad %s: %s", sname, f->key ? f->key : "[]",
                      what, why);
    return NX_OK;
}

static int nx__check_field(const char *sname, const nx_cfg_field_t *f, size_t obj_size) {
    const char *k = f->key ? f->key : "[]";
    size_t want = 0;
    switch (f->type) {
    case NX_CFG_STRING: want = f->size ? f->size : 1; break;
    case NX_CFG_INT:
    case NX_CFG_UINT:
        want = f->size;
        if (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
            return NX_ERR(NX_EINVAL, "schema %s.%s: integer size %zu", sname, k, f->size);
        break;
    case NX_CFG_DECIMAL: want = sizeof(nx_dec_t); break;
    case NX_CFG_FLOAT: want = sizeof(double); break;
    case NX_CFG_BOOL: want = sizeof(bool); break;
    case NX_CFG_DURATION:
    case NX_CFG_TIMESTAMP: want = sizeof(int64_t); break;
    case NX_CFG_ENUM:
        want = sizeof(int);
        if (!f->words || !f->words[0])
            return NX_ERR(NX_EINVAL, "schema %s.%s: enum without words", sname, k);
        break;
    case NX_CFG_MAP:
        if (f->flags & NX_CFG_OPEN) {
            if (f->sub || f->size)
                return NX_ERR(NX_EINVAL, "schema %s.%s: open map with storage", sname, k);
            return NX_OK;
        }
        if (!f->sub) return NX_ERR(NX_EINVAL, "schema %s.%s: map without sub-schema", sname, k);
        want = f->size;
        break;
    case NX_CFG_LIST:
        want = sizeof(nx_cfg_list_t);
        if (!f->elem || !f->elem->size)
            return NX_ERR(NX_EINVAL, "schema %s.%s: list without element", sname, k);
        break;
    default: return NX_ERR(NX_EINVAL, "schema %s.%s: unknown type", sname, k);
    }
    if (f->size != want)
        return NX_ERR(NX_EINVAL, "schema %s.%s: size %zu, type needs %zu", sname, k, f->size, want);
    if (f->offset > obj_size || obj_size - f->offset < f->size)
        return NX_ERR(NX_EINVAL, "schema %s.%s: outside the struct", sname, k);
    if (f->present && (f->present - 1 + sizeof(bool) > obj_size))
        return NX_ERR(NX_EINVAL, "schema %s.%s: presence flag outside the struct", sname, k);
    if ((f->flags & NX_CFG_REQUIRED) && f->def)
        return NX_ERR(NX_EINVAL, "schema %s.%s: required and defaulted", sname, k);
    int rc;
    if ((rc = nx__check_text(sname, f, "min", f->min)) < 0) return rc;
    if ((rc = nx__check_text(sname, f, "max", f->max)) < 0) return rc;
    if ((rc = nx__check_text(sname, f, "default", f->def)) < 0) return rc;
    if (f->def && f->type != NX_CFG_LIST) {
        char buf[64], why[NX_ERR_DETAIL_MAX];
        char *tmp = f->size <= sizeof buf ? buf : nx_malloc(f->size);
        if (!tmp) return NX_ERR(NX_ENOMEM, "schema check");
        rc = nx__scalar_into(f, f->def, strlen(f->def), false, tmp, why, sizeof why);
        if (tmp != buf) nx_free(tmp);
        if (rc < 0)
            return NX_ERR(NX_EINVAL, "schema %s.%s: default %s: %s", sname, k, f->def, why);
    }
    if (f->type == NX_CFG_MAP) return nx_cfg_schema_check(f->sub, f->size);
    if (f->type == NX_CFG_LIST) {
        if (f->elem->offset != 0)
            return NX_ERR(NX_EINVAL, "schema %s.%s: element offset must be 0", sname, k);
        return nx__check_field(sname, f->elem, f->elem->size);
    }
    return NX_OK;
}

int nx_cfg_schema_check(const nx_cfg_schema_t *s, size_t obj_size) {
    if (!s || (!s->fields && s->n_fields))
        return NX_ERR(NX_EINVAL, "schema: NULL");
    const char *sname = s->name ? s->name : "?";
    if (s->n_fields > NX_CFG_FIELDS_MAX)
        return NX_ERR(NX_EINVAL, "schema %s: more than %u fields", sname, NX_CFG_FIELDS_MAX);
    for (size_t i = 0; i < s->n_fields; i++) {
        const nx_cfg_field_t *f = &s->fields[i];
        if (!f->key || !*f->key) return NX_ERR(NX_EINVAL, "schema %s: field %zu has no key", sname, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->fields[j].key, f->key) == 0)
                return NX_ERR(NX_EINVAL, "schema %s: duplicate key %s", sname, f->key);
        int rc = nx__check_field(sname, f, obj_size);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

/* ------------------------------------------------------------------------- */
/* Dump                                                                      */
/* ------------------------------------------------------------------------- */

static void nx__put_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02X", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void nx__put_duration(FILE *f, int64_t ns) {
    static const struct { const char *u; int64_t n; } units[] = {
        {"d", NX_NS_PER_DAY}, {"h", NX_NS_PER_HOUR}, {"m", NX_NS_PER_MIN}, {"s", NX_NS_PER_SEC},
        {"ms", NX_NS_PER_MS}, {"us", NX_NS_PER_US},
    };
    if (ns > 0) {
        for (size_t i = 0; i < NX_ARRAY_LEN(units); i++) {
            if (ns % units[i].n == 0) {
                fprintf(f, "%lld%s", (long long)(ns / units[i].n), units[i].u);
                return;
            }
        }
    }
    fprintf(f, "%lldns", (long long)ns);
}

static void nx__dump_scalar(const nx_cfg_field_t *fd, const char *p, FILE *f) {
    switch (fd->type) {
    case NX_CFG_STRING: nx__put_string(f, p); break;
    case NX_CFG_INT: {
        int64_t x = 0;
        if (fd->size == 1) { int8_t t; memcpy(&t, p, 1); x = t; }
        else if (fd->size == 2) { int16_t t; memcpy(&t, p, 2); x = t; }
        else if (fd->size == 4) { int32_t t; memcpy(&t, p, 4); x = t; }
        else memcpy(&x, p, 8);
        fprintf(f, "%lld", (long long)x);
        break;
    }
    case NX_CFG_UINT: {
        uint64_t x = 0;
        if (fd->size == 1) { uint8_t t; memcpy(&t, p, 1); x = t; }
        else if (fd->size == 2) { uint16_t t; memcpy(&t, p, 2); x = t; }
        else if (fd->size == 4) { uint32_t t; memcpy(&t, p, 4); x = t; }
        else memcpy(&x, p, 8);
        if ((fd->flags & NX_CFG_BYTES) && x && x % (1ull << 30) == 0)
            fprintf(f, "%lluGiB", (unsigned long long)(x >> 30));
        else if ((fd->flags & NX_CFG_BYTES) && x && x % (1ull << 20) == 0)
            fprintf(f, "%lluMiB", (unsigned long long)(x >> 20));
        else if ((fd->flags & NX_CFG_BYTES) && x && x % (1ull << 10) == 0)
            fprintf(f, "%lluKiB", (unsigned long long)(x >> 10));
        else
            fprintf(f, "%llu", (unsigned long long)x);
        break;
    }
    case NX_CFG_DECIMAL: {
        nx_dec_t d;
        char buf[NX_DEC_STRLEN];
        memcpy(&d, p, sizeof d);
        nx_dec_format(d, buf);
        fputs(buf, f);
        break;
    }
    case NX_CFG_FLOAT: {
        double x;
        memcpy(&x, p, sizeof x);
        fprintf(f, "%.17g", x);
        break;
    }
    case NX_CFG_BOOL: {
        bool b;
        memcpy(&b, p, sizeof b);
        fputs(b ? "true" : "false", f);
        break;
    }
    case NX_CFG_DURATION: {
        int64_t ns;
        memcpy(&ns, p, sizeof ns);
        nx__put_duration(f, ns);
        break;
    }
    case NX_CFG_TIMESTAMP: {
        int64_t ts;
        char buf[NX_TIME_STRLEN];
        memcpy(&ts, p, sizeof ts);
        nx_time_format(ts, buf);
        fputs(buf, f);
        break;
    }
    case NX_CFG_ENUM: {
        int e;
        memcpy(&e, p, sizeof e);
        int n = 0;
        while (fd->words[n]) n++;
        fputs(e >= 0 && e < n ? fd->words[e] : "?", f);
        break;
    }
    default: break;
    }
}

static void nx__dump_map(const nx_cfg_schema_t *s, const char *obj, FILE *f, int indent,
                         int first_inline);

static void nx__dump_value(const nx_cfg_field_t *fd, const char *p, FILE *f, int indent) {
    if (fd->type == NX_CFG_MAP && (fd->flags & NX_CFG_OPEN)) {
        fputs(" {}  # open map, shown by its owner\n", f);
    } else if (fd->type == NX_CFG_MAP) {
        fputc('\n', f);
        nx__dump_map(fd->sub, p, f, indent + 2, 0);
    } else if (fd->type == NX_CFG_LIST) {
        nx_cfg_list_t l;
        memcpy(&l, p, sizeof l);
        if (!l.n) {
            fputs(" []\n", f);
            return;
        }
        fputc('\n', f);
        for (size_t i = 0; i < l.n; i++) {
            const char *it = (const char *)l.items + i * fd->elem->size;
            fprintf(f, "%*s- ", indent + 2, "");
            if (fd->elem->type == NX_CFG_MAP) {
                nx__dump_map(fd->elem->sub, it, f, indent + 4, 1);
            } else if (fd->elem->type == NX_CFG_LIST) {
                fputs("# nested list", f);
                nx__dump_value(fd->elem, it, f, indent + 2);
            } else {
                nx__dump_scalar(fd->elem, it, f);
                fputc('\n', f);
            }
        }
    } else {
        fputc(' ', f);
        nx__dump_scalar(fd, p, f);
        fputc('\n', f);
    }
}

static void nx__dump_map(const nx_cfg_schema_t *s, const char *obj, FILE *f, int indent,
                         int first_inline) {
    for (size_t j = 0; j < s->n_fields; j++) {
        const nx_cfg_field_t *fd = &s->fields[j];
        if (j == 0 && first_inline) fprintf(f, "%s:", fd->key);
        else fprintf(f, "%*s%s:", indent, "", fd->key);
        nx__dump_value(fd, obj + fd->offset, f, indent);
    }
}

void nx_cfg_dump(const nx_cfg_schema_t *schema, const void *obj, FILE *f) {
    if (!schema || !obj || !f) return;
    nx__dump_map(schema, obj, f, 0, 0);
}
