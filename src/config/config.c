/*
 * The top-level Nexus config (nexus/config.h): its schema table, loading,
 * and where Nexus keeps its data.
 */
#include <stdlib.h>
#include <string.h>

#include "config/cfg_int.h"
#include "nexus/config.h"

static const char *const nx__log_levels[] = {"trace", "debug", "info", "warn",
                                             "error", "off",   NULL};
static const char *const nx__log_formats[] = {"json", NULL};
static const char *const nx__durability[] = {"none", "interval", "each", NULL};
static const char *const nx__clocks[] = {"simulated", "real", NULL};

static const nx_cfg_field_t nx__log_fields[] = {
    {.key = "level", .type = NX_CFG_ENUM, NX_CFG_AT(nx_config_log_t, level),
     .words = nx__log_levels, .def = "info", .help = "least severe level written"},
    {.key = "file", .type = NX_CFG_STRING, NX_CFG_AT(nx_config_log_t, file),
     .help = "append JSON lines to this file instead of stderr"},
    {.key = "format", .type = NX_CFG_ENUM, NX_CFG_AT(nx_config_log_t, format),
     .words = nx__log_formats, .def = "json", .help = "line format (only json)"},
};
static const nx_cfg_schema_t nx__log_schema = NX_CFG_SCHEMA("log", nx__log_fields, NULL);

static const nx_cfg_field_t nx__journal_fields[] = {
    {.key = "dir", .type = NX_CFG_STRING, NX_CFG_AT(nx_config_journal_t, dir),
     .help = "journal directory (default <data dir>/journal)"},
    {.key = "durability", .type = NX_CFG_ENUM, NX_CFG_AT(nx_config_journal_t, durability),
     .words = nx__durability, .def = "interval",
     .help = "when appends reach the disk: none, every interval, or each append"},
    {.key = "interval", .type = NX_CFG_DURATION, NX_CFG_AT(nx_config_journal_t, interval_ns),
     .def = "10ms", .min = "1ms", .max = "10s", .help = "fdatasync period for durability=interval"},
    {.key = "segment_size", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_journal_t, segment_size),
     .flags = NX_CFG_BYTES, .def = "64MiB", .min = "1MiB", .max = "4GiB",
     .help = "bytes per journal segment file"},
};
static const nx_cfg_schema_t nx__journal_schema =
    NX_CFG_SCHEMA("journal", nx__journal_fields, NULL);

static const nx_cfg_field_t nx__kernel_fields[] = {
    {.key = "clock", .type = NX_CFG_ENUM, NX_CFG_AT(nx_config_kernel_t, clock),
     .words = nx__clocks, .def = "simulated", .help = "simulated (replay) or real (live)"},
    {.key = "ring_capacity", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_kernel_t, ring_capacity),
     .flags = NX_CFG_POW2, .def = "65536", .min = "64", .max = "16777216",
     .help = "slots in each inbound ring (power of two)"},
    {.key = "max_timers", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_kernel_t, max_timers),
     .def = "4096", .min = "1", .max = "1048576", .help = "timer heap capacity"},
    {.key = "max_topics", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_kernel_t, max_topics),
     .def = "4096", .min = "1", .max = "1048576", .help = "topic table capacity"},
};
static const nx_cfg_schema_t nx__kernel_schema = NX_CFG_SCHEMA("kernel", nx__kernel_fields, NULL);

static const nx_cfg_field_t nx__config_fields[] = {
    {.key = "data_dir", .type = NX_CFG_STRING, NX_CFG_AT(nx_config_t, data_dir),
     .help = "where Nexus keeps its data (see nx_config_data_dir)"},
    {.key = "seed", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_t, seed), .def = "0",
     .help = "seed of every PRNG (simulations, noise models)"},
    {.key = "log", .type = NX_CFG_MAP, NX_CFG_AT(nx_config_t, log), .sub = &nx__log_schema},
    {.key = "journal", .type = NX_CFG_MAP, NX_CFG_AT(nx_config_t, journal),
     .sub = &nx__journal_schema},
    {.key = "kernel", .type = NX_CFG_MAP, NX_CFG_AT(nx_config_t, kernel),
     .sub = &nx__kernel_schema},
    {.key = "instruments", .type = NX_CFG_STRING, NX_CFG_AT(nx_config_t, instruments),
     .help = "instruments YAML, relative to this file"},
};
static const nx_cfg_schema_t nx__config_schema = NX_CFG_SCHEMA("nexus", nx__config_fields, NULL);

const nx_cfg_schema_t *nx_config_schema(void) { return &nx__config_schema; }

void nx_config_defaults(nx_config_t *out) {
    memset(out, 0, sizeof *out);
    out->log.level = NX_LOG_INFO;
    out->log.format = NX_CONFIG_LOG_JSON;
    out->journal.durability = NX_CONFIG_DURABILITY_INTERVAL;
    out->journal.interval_ns = 10 * NX_NS_PER_MS;
    out->journal.segment_size = 64ull << 20;
    out->kernel.clock = NX_CONFIG_CLOCK_SIMULATED;
    out->kernel.ring_capacity = 65536;
    out->kernel.max_timers = 4096;
    out->kernel.max_topics = 4096;
}

/* dir(name) + "/" + rel into out; rel unchanged when absolute or name has no dir. */
static int nx__resolve(const char *name, char *path, size_t cap) {
    if (!path[0] || path[0] == '/') return NX_OK;
    const char *slash = strrchr(name, '/');
    if (!slash) return NX_OK;
    size_t dlen = (size_t)(slash - name) + 1, plen = strlen(path);
    if (dlen + plen + 1 > cap) return NX_ERANGE;
    memmove(path + dlen, path, plen + 1);
    memcpy(path, name, dlen);
    return NX_OK;
}

static int nx__finish(const nx_cfg_doc_t *doc, nx_cfg_diags_t *diags, nx_config_t *out) {
    nx_config_t *tmp = nx_malloc(sizeof *tmp);
    if (!tmp) return NX_ERR(NX_ENOMEM, "config");
    int rc = nx_cfg_validate(doc, NULL, NULL, &nx__config_schema, tmp, sizeof *tmp, diags);
    if (rc == 0 && nx__resolve(nx_cfg_doc_name(doc), tmp->instruments, sizeof tmp->instruments) < 0) {
        const nx_cfg_node_t *n = nx_cfg_map_get(nx_cfg_doc_root(doc), "instruments");
        nx__cfg_rep_t rep;
        nx__cfg_rep_init(&rep, diags, nx_cfg_doc_name(doc));
        nx__cfg_report(&rep, n ? n->line : 1, n ? n->col : 1, "instruments",
                       "path too long once joined with the config file's directory");
        rc = nx__cfg_rep_finish(&rep);
        nx_cfg_release(&nx__config_schema, tmp);
    }
    if (rc == 0) memcpy(out, tmp, sizeof *tmp);
    nx_free(tmp);
    return rc;
}

int nx_config_load_mem(const char *name, const void *data, size_t len, nx_cfg_diags_t *diags,
                       nx_config_t *out) {
    nx_cfg_doc_t *doc;
    int rc = nx_cfg_doc_parse(name, data, len, diags, &doc);
    if (rc < 0) return rc;
    rc = nx__finish(doc, diags, out);
    nx_cfg_doc_free(doc);
    return rc;
}

int nx_config_load(const char *path, nx_cfg_diags_t *diags, nx_config_t *out) {
    nx_cfg_doc_t *doc;
    int rc = nx_cfg_doc_load(path, diags, &doc);
    if (rc < 0) return rc;
    rc = nx__finish(doc, diags, out);
    nx_cfg_doc_free(doc);
    return rc;
}

void nx_config_close(nx_config_t *cfg) {
    if (cfg) nx_cfg_release(&nx__config_schema, cfg);
}

void nx_config_print(const nx_config_t *cfg, FILE *f) { nx_cfg_dump(&nx__config_schema, cfg, f); }

static int nx__copy_path(char *out, size_t cap, const char *a, const char *b) {
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    if (la + lb + 1 > cap) return NX_ERR(NX_ERANGE, "data dir path longer than %zu bytes", cap - 1);
    memcpy(out, a, la);
    if (b) memcpy(out + la, b, lb);
    out[la + lb] = '\0';
    return NX_OK;
}

int nx_config_data_dir(const char *flag, char *out, size_t cap) {
    if (!out || !cap) return NX_ERR(NX_EINVAL, "nx_config_data_dir: no buffer");
    if (flag && *flag) return nx__copy_path(out, cap, flag, NULL);
    const char *home = getenv("NEXUS_HOME");
    if (home && *home) return nx__copy_path(out, cap, home, NULL);
    home = getenv("HOME");
    if (home && *home) {
        size_t l = strlen(home);
        return nx__copy_path(out, cap, home, l && home[l - 1] == '/' ? ".nexus" : "/.nexus");
    }
    return NX_ERR(NX_ENOTFOUND, "no --data-dir, $NEXUS_HOME or $HOME to put the data dir in");
}
