/*
 * nexus/config.h — YAML configuration: a positioned tree, a table-driven
 * schema validator that reports every problem, and the top-level Nexus config.
 *
 * Three layers, each usable alone:
 *
 *   1. The tree (nx_cfg_doc_t). libyaml parses a file or a buffer into a small
 *      read-only tree; every node keeps the 1-based line and column where it
 *      starts. Anchors and aliases are resolved by reference (an alias shares
 *      the anchored node, so a problem in an aliased value is reported at the
 *      anchored text); merge keys ("<<") are not supported.
 *
 *   2. The validator (nx_cfg_validate). A schema is a static table of
 *      nx_cfg_field_t: key, type, flags, default, range, and the offset in a C
 *      struct where the checked value is stored. Validation walks the whole
 *      document and collects EVERY problem as a diagnostic
 *
 *          FILE:LINE:COL: key.path[index].sub: message
 *
 *      e.g. nexus.yaml:12:17: journal.durability: expected one of
 *      none|interval|each, got "sometimes". Nothing is written to the caller's
 *      struct unless the whole document is valid.
 *
 *   3. The Nexus config (nx_config_t, nx_config_load) built on the two above,
 *      and nx_config_data_dir().
 *
 * Declaring a schema (how later modules add theirs)
 * -------------------------------------------------
 *
 *   typedef struct my_risk { nx_dec_t max_order_value; int64_t cooldown_ns;
 *                            int mode; bool enabled; nx_cfg_list_t venues; } my_risk_t;
 *
 *   static const char *const mode_words[] = {"normal", "paused", "reducing", NULL};
 *   static const nx_cfg_field_t venue_elem = {.type = NX_CFG_STRING, .size = 32};
 *   static const nx_cfg_field_t risk_fields[] = {
 *       {.key = "max_order_value", .type = NX_CFG_DECIMAL, NX_CFG_AT(my_risk_t, max_order_value),
 *        .flags = NX_CFG_REQUIRED | NX_CFG_POSITIVE, .max = "1000000"},
 *       {.key = "cooldown", .type = NX_CFG_DURATION, NX_CFG_AT(my_risk_t, cooldown_ns),
 *        .def = "5m", .min = "0s", .max = "1d"},
 *       {.key = "mode", .type = NX_CFG_ENUM, NX_CFG_AT(my_risk_t, mode), .words = mode_words,
 *        .def = "normal"},
 *       {.key = "enabled", .type = NX_CFG_BOOL, NX_CFG_AT(my_risk_t, enabled), .def = "true"},
 *       {.key = "venues", .type = NX_CFG_LIST, NX_CFG_AT(my_risk_t, venues), .elem = &venue_elem},
 *   };
 *   static const nx_cfg_schema_t risk_schema = NX_CFG_SCHEMA("risk", risk_fields, NULL);
 *
 *   my_risk_t r;
 *   rc = nx_cfg_validate(doc, node, "risk", &risk_schema, &r, sizeof r, diags);
 *   ... use r ...
 *   nx_cfg_release(&risk_schema, &r);      // frees list storage (venues)
 *
 * Rules: defaults, min and max are written as YAML text and parsed with the
 * same rules as values (so "10ms", "64MiB", "-0.01" all work). Add a unit test
 * that calls nx_cfg_schema_check() on every schema you declare: it verifies
 * offsets, sizes, defaults and ranges once, so a typo fails a test instead of
 * a user's run. Cross-field rules (e.g. "tick needs price precision >= 2") go
 * into the schema's `check` callback, which reports with nx_cfg_check_error().
 *
 * Ownership: documents own their nodes (valid until nx_cfg_doc_free); the
 * struct filled by nx_cfg_validate owns list storage (nx_cfg_release); strings
 * are copied into fixed char arrays inside the struct.
 *
 * Thread-safety: a document, diagnostics list or struct is used by one thread
 * at a time; distinct objects may be used from different threads.
 */
#ifndef NEXUS_CONFIG_H
#define NEXUS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nexus/core.h"
#include "nexus/decimal.h"
#include "nexus/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Diagnostics                                                               */
/* ------------------------------------------------------------------------- */

/* At most this many diagnostics are stored; later ones are only counted. */
#define NX_CFG_DIAGS_MAX 200

/*
 * One problem. All strings are owned by the list and valid until it is
 * cleared or freed. line/col are 1-based; 0 when the problem has no position
 * (e.g. the file cannot be opened). path is "" when the problem is not tied to
 * a key (syntax errors, empty file).
 */
typedef struct nx_cfg_diag {
    const char *file;
    uint32_t line, col;
    const char *path;    /* "journal.durability", "instruments[3].tick_size", "" */
    const char *message; /* "expected one of none|interval|each, got \"sometimes\"" */
    const char *text;    /* the whole line: "FILE:LINE:COL: path: message" */
} nx_cfg_diag_t;

typedef struct nx_cfg_diags nx_cfg_diags_t;

/* New empty list (NX_ENOMEM). */
NX_API int nx_cfg_diags_new(nx_cfg_diags_t **out);
NX_API void nx_cfg_diags_free(nx_cfg_diags_t *d);
NX_API void nx_cfg_diags_clear(nx_cfg_diags_t *d);
/* Stored diagnostics (<= NX_CFG_DIAGS_MAX), in the order they were found. */
NX_API size_t nx_cfg_diags_count(const nx_cfg_diags_t *d);
/* Problems found but not stored because the list was full. */
NX_API size_t nx_cfg_diags_dropped(const nx_cfg_diags_t *d);
/* i-th diagnostic or NULL if i >= count. */
NX_API const nx_cfg_diag_t *nx_cfg_diags_at(const nx_cfg_diags_t *d, size_t i);
/* First diagnostic whose text contains `needle`, or NULL. */
NX_API const nx_cfg_diag_t *nx_cfg_diags_find(const nx_cfg_diags_t *d, const char *needle);
/* Print each text on its own line, then "... and N more problems" if any were dropped. */
NX_API void nx_cfg_diags_print(const nx_cfg_diags_t *d, FILE *f);
/*
 * Add one diagnostic (used by loaders that check things the schema cannot,
 * e.g. duplicate instruments across a list). file and path are copied; path
 * may be NULL. Returns 0, or NX_ENOMEM. When the list is full the problem is
 * counted in nx_cfg_diags_dropped() and 0 is returned.
 */
NX_API int nx_cfg_diags_add(nx_cfg_diags_t *d, const char *file, uint32_t line, uint32_t col,
                            const char *path, const char *fmt, ...) NX_PRINTF(6, 7);

/* ------------------------------------------------------------------------- */
/* The YAML tree                                                             */
/* ------------------------------------------------------------------------- */

typedef enum nx_cfg_node_kind {
    NX_CFG_NODE_NULL = 0, /* "", "~", "null" written plain, or an absent value */
    NX_CFG_NODE_SCALAR,
    NX_CFG_NODE_MAP,
    NX_CFG_NODE_LIST
} nx_cfg_node_kind_t;

typedef struct nx_cfg_node nx_cfg_node_t;

typedef struct nx_cfg_pair {
    const nx_cfg_node_t *key;   /* always a scalar or null node */
    const nx_cfg_node_t *value;
} nx_cfg_pair_t;

/* A node. Public and read-only; owned by its document. */
struct nx_cfg_node {
    nx_cfg_node_kind_t kind;
    uint32_t line, col;    /* 1-based position of the node's first character */
    bool quoted;           /* scalar written quoted or as a block literal (always a string) */
    size_t len;            /* scalar: text bytes; map: pairs; list: items; null: 0 */
    const char *text;      /* scalar/null: NUL-terminated text (may hold NUL bytes: use len) */
    const nx_cfg_pair_t *pairs;        /* map entries, file order, duplicates kept */
    const nx_cfg_node_t *const *items; /* list elements, file order */
    size_t weight;         /* nodes in this subtree counting alias expansion */
};

typedef struct nx_cfg_doc nx_cfg_doc_t;

/* Largest file or buffer accepted, nesting depth, expanded node count. */
#define NX_CFG_FILE_MAX (64u << 20)
#define NX_CFG_DEPTH_MAX 64
#define NX_CFG_NODES_MAX (1u << 20)

/*
 * Parse `len` bytes of YAML named `name` (used in diagnostics; copied).
 * Returns 0 and a document, or NX_ECONFIG with diagnostics in `diags` (YAML
 * syntax errors at libyaml's line/column, empty input, more than one
 * document, undefined alias, limits above), or NX_ENOMEM. diags may be NULL:
 * the first problem is then only in nx_err_message().
 */
NX_API int nx_cfg_doc_parse(const char *name, const void *data, size_t len,
                            nx_cfg_diags_t *diags, nx_cfg_doc_t **out);
/* Read a file (at most NX_CFG_FILE_MAX bytes) and parse it; a file that
 * cannot be read is a diagnostic without position and NX_ECONFIG. */
NX_API int nx_cfg_doc_load(const char *path, nx_cfg_diags_t *diags, nx_cfg_doc_t **out);
NX_API void nx_cfg_doc_free(nx_cfg_doc_t *doc);
NX_API const nx_cfg_node_t *nx_cfg_doc_root(const nx_cfg_doc_t *doc);
NX_API const char *nx_cfg_doc_name(const nx_cfg_doc_t *doc);
/* Value of the first entry with this key in a map node; NULL if absent or not a map. */
NX_API const nx_cfg_node_t *nx_cfg_map_get(const nx_cfg_node_t *map, const char *key);

/* ------------------------------------------------------------------------- */
/* Schemas                                                                   */
/* ------------------------------------------------------------------------- */

/*
 * Value types and the C type each one is stored as (field .size must match):
 *
 *   type               YAML                               stored as
 *   ------------------ ---------------------------------- -----------------------
 *   NX_CFG_STRING      any scalar                         char[size], NUL-terminated
 *   NX_CFG_INT         plain -12, 1_000                   int8/16/32/64_t (size 1,2,4,8)
 *   NX_CFG_UINT        plain 42 (64MiB with NX_CFG_BYTES) uint8/16/32/64_t
 *   NX_CFG_DECIMAL     0.00000001, "100000.00", 1e-8     nx_dec_t (exact, nx_dec_parse)
 *   NX_CFG_FLOAT       0.25 (statistics only)             double (via nx_dec_parse)
 *   NX_CFG_BOOL        plain true|false|yes|no|on|off     bool
 *   NX_CFG_DURATION    250ms, 5s, 1m (nx_duration_parse)  int64_t nanoseconds
 *   NX_CFG_TIMESTAMP   2024-09-27T08:00:00Z               nx_ts_t (int64_t ns)
 *   NX_CFG_ENUM        one of .words                      int (index in .words)
 *   NX_CFG_MAP         map validated by .sub              the nested struct
 *   NX_CFG_LIST        list, each element per .elem       nx_cfg_list_t
 *
 * Quoted scalars are strings: `seed: "42"` is a type error, but decimals,
 * durations and timestamps accept quotes (quote prices so that other YAML
 * tools do not turn them into binary floats).
 */
typedef enum nx_cfg_type {
    NX_CFG_STRING = 0,
    NX_CFG_INT,
    NX_CFG_UINT,
    NX_CFG_DECIMAL,
    NX_CFG_FLOAT,
    NX_CFG_BOOL,
    NX_CFG_DURATION,
    NX_CFG_TIMESTAMP,
    NX_CFG_ENUM,
    NX_CFG_MAP,
    NX_CFG_LIST
} nx_cfg_type_t;

/* Field flags. */
#define NX_CFG_REQUIRED 0x01u /* key must be present (with a non-null value) */
#define NX_CFG_POW2 0x02u     /* uint: a power of two */
#define NX_CFG_BYTES 0x04u    /* uint: accepts KiB/MiB/GiB/TiB and KB/MB/GB/TB suffixes */
#define NX_CFG_NONEMPTY 0x08u /* string: not "" */
#define NX_CFG_POSITIVE 0x10u /* int/decimal/float/duration: strictly > 0 */
#define NX_CFG_OPEN 0x20u     /* map: must be a map, keys left to the caller (e.g. a strategy's
                                 own parameters); .sub NULL, .size 0, nothing stored */

/* Storage of a NX_CFG_LIST field: nx_calloc'ed array of n elements of .elem->size. */
typedef struct nx_cfg_list {
    void *items;
    size_t n;
} nx_cfg_list_t;

/* Hard ceiling on list elements and on fields per schema. */
#define NX_CFG_LIST_MAX 1000000u
#define NX_CFG_FIELDS_MAX 64u

struct nx_cfg_schema;

typedef struct nx_cfg_field {
    const char *key;            /* map key; NULL for a list element description */
    nx_cfg_type_t type;
    unsigned flags;             /* NX_CFG_REQUIRED | ... */
    size_t offset;              /* where the value goes, from the start of the struct */
    size_t size;                /* sizeof the destination (see the type table) */
    size_t present;             /* NX_CFG_PRESENT(T, m): bool set when the key appears; 0 = none */
    const char *def;            /* default as YAML text; NULL = none (storage left zero) */
    const char *min, *max;      /* inclusive range as YAML text; lists: element count */
    const char *const *words;   /* NX_CFG_ENUM: NULL-terminated allowed words */
    const struct nx_cfg_schema *sub;  /* NX_CFG_MAP: nested schema (offsets relative to it) */
    const struct nx_cfg_field *elem;  /* NX_CFG_LIST: element description (.size = elem size) */
    const char *help;           /* one line for docs and `config show --help` */
} nx_cfg_field_t;

/* Offset and size of member m of struct T: {.key = "x", NX_CFG_AT(T, x), ...}. */
#define NX_CFG_AT(T, m) .offset = offsetof(T, m), .size = sizeof(((T *)0)->m)
/* Presence flag: {..., .present = NX_CFG_PRESENT(T, has_x)} with `bool has_x` in T. */
#define NX_CFG_PRESENT(T, m) (offsetof(T, m) + 1)

/* Cross-field check context (see nx_cfg_check_error). */
typedef struct nx_cfg_check nx_cfg_check_t;

typedef struct nx_cfg_schema {
    const char *name;                 /* for docs and messages */
    const nx_cfg_field_t *fields;
    size_t n_fields;                  /* <= NX_CFG_FIELDS_MAX */
    /*
     * Optional: runs after the fields of one map validated without problems,
     * with obj = that map's struct (defaults applied). May derive fields
     * (e.g. precision from tick size) and report problems with
     * nx_cfg_check_error(). Return 0, or a negative NX_E* code for a fatal
     * failure (NX_ENOMEM), not for bad input.
     */
    int (*check)(nx_cfg_check_t *ck, void *obj);
} nx_cfg_schema_t;

#define NX_CFG_SCHEMA(name, fields, check) {(name), (fields), NX_ARRAY_LEN(fields), (check)}

/*
 * Report a cross-field problem from a check callback, at the value of `key`
 * in the current map (or at the map when key is NULL or absent); the path is
 * the map's path plus ".key".
 */
NX_API void nx_cfg_check_error(nx_cfg_check_t *ck, const char *key, const char *fmt, ...)
    NX_PRINTF(3, 4);
/* The map node being checked (NULL if the map was absent and only defaults apply). */
NX_API const nx_cfg_node_t *nx_cfg_check_node(const nx_cfg_check_t *ck);

/*
 * Validate `node` (NULL: the document root) against `schema` and, only if
 * there is no problem at all, store the result in `out` (out_size bytes, the
 * struct the schema's offsets refer to; it is zeroed first). `path` prefixes
 * every key path ("risk" -> "risk.max_order_value"; NULL or "" for the root).
 *
 * Returns 0; NX_ECONFIG with every problem in diags (nx_err_message() holds
 * the first one and the count); NX_ENOMEM; NX_EINVAL for a malformed schema.
 * On failure `out` is untouched and nothing needs releasing.
 */
NX_API int nx_cfg_validate(const nx_cfg_doc_t *doc, const nx_cfg_node_t *node, const char *path,
                           const nx_cfg_schema_t *schema, void *out, size_t out_size,
                           nx_cfg_diags_t *diags);
/* Free list storage inside a struct filled by nx_cfg_validate (recursively); zeroes the lists. */
NX_API void nx_cfg_release(const nx_cfg_schema_t *schema, void *obj);
/*
 * Check a schema once (tests): types and sizes agree, offsets lie within
 * obj_size, enum words exist, defaults/min/max parse and defaults lie within
 * range, keys are unique, nested schemas are valid. NX_EINVAL with detail.
 */
NX_API int nx_cfg_schema_check(const nx_cfg_schema_t *schema, size_t obj_size);
/* Print a validated struct as YAML (resolved values, defaults included). */
NX_API void nx_cfg_dump(const nx_cfg_schema_t *schema, const void *obj, FILE *f);

/* ------------------------------------------------------------------------- */
/* The Nexus config                                                          */
/* ------------------------------------------------------------------------- */

#define NX_CONFIG_PATH_MAX 4096

typedef enum nx_config_durability {
    NX_CONFIG_DURABILITY_NONE = 0, /* write(2) only; the OS flushes */
    NX_CONFIG_DURABILITY_INTERVAL, /* fdatasync every journal.interval */
    NX_CONFIG_DURABILITY_EACH      /* fdatasync before acknowledging each append */
} nx_config_durability_t;

typedef enum nx_config_clock {
    NX_CONFIG_CLOCK_SIMULATED = 0, /* driven by event timestamps (backtest, replay) */
    NX_CONFIG_CLOCK_REAL           /* wall clock (paper, live) */
} nx_config_clock_t;

typedef enum nx_config_log_format { NX_CONFIG_LOG_JSON = 0 } nx_config_log_format_t;

typedef struct nx_config_log {
    int level;                       /* nx_log_level_t; default info */
    char file[NX_CONFIG_PATH_MAX];   /* "" = stderr */
    int format;                      /* nx_config_log_format_t; only json */
} nx_config_log_t;

typedef struct nx_config_journal {
    char dir[NX_CONFIG_PATH_MAX];    /* "" = <data dir>/journal */
    int durability;                  /* nx_config_durability_t; default interval */
    int64_t interval_ns;             /* default 10ms; 1ms..10s */
    uint64_t segment_size;           /* bytes; default 64 MiB; 1 MiB..4 GiB */
} nx_config_journal_t;

typedef struct nx_config_kernel {
    int clock;                       /* nx_config_clock_t; default simulated */
    uint32_t ring_capacity;          /* power of two; default 65536; 64..16M */
    uint32_t max_timers;             /* default 4096; 1..1M */
    uint32_t max_topics;             /* default 4096; 1..1M */
} nx_config_kernel_t;

typedef struct nx_config {
    char data_dir[NX_CONFIG_PATH_MAX]; /* "" = not set (see nx_config_data_dir) */
    uint64_t seed;                     /* default 0 */
    nx_config_log_t log;
    nx_config_journal_t journal;
    nx_config_kernel_t kernel;
    /* Path of an instruments YAML, resolved against the config file's
     * directory when relative; "" = none. */
    char instruments[NX_CONFIG_PATH_MAX];
} nx_config_t;

/* The schema behind nx_config_t (for nx_cfg_dump, docs, tests). */
NX_API const nx_cfg_schema_t *nx_config_schema(void);
/* All defaults (what an empty map would give). */
NX_API void nx_config_defaults(nx_config_t *out);
/*
 * Load and validate a config file. 0 and *out filled; NX_ECONFIG with every
 * problem in diags (may be NULL), *out untouched; NX_ENOMEM.
 */
NX_API int nx_config_load(const char *path, nx_cfg_diags_t *diags, nx_config_t *out);
/* Same from memory; `name` labels diagnostics and is the base for relative paths. */
NX_API int nx_config_load_mem(const char *name, const void *data, size_t len,
                              nx_cfg_diags_t *diags, nx_config_t *out);
/* Release what a loaded config owns (nothing today; call it anyway). */
NX_API void nx_config_close(nx_config_t *cfg);
/* Print the resolved settings as YAML. */
NX_API void nx_config_print(const nx_config_t *cfg, FILE *f);

/*
 * Where Nexus keeps its data: `flag` (the --data-dir value) if non-NULL and
 * non-empty, else $NEXUS_HOME if set and non-empty, else $HOME/.nexus.
 * Writes a NUL-terminated path into out[cap]. Returns 0; NX_ENOTFOUND when
 * none of the three is available; NX_ERANGE if the path does not fit.
 */
NX_API int nx_config_data_dir(const char *flag, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* NEXUS_CONFIG_H */
