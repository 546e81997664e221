/* YAML config: tree, schema validation diagnostics, the Nexus config, data dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/config.h"
#include "nx_test.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void dump_diags(const nx_cfg_diags_t *d) {
    for (size_t i = 0; i < nx_cfg_diags_count(d); i++)
        fprintf(stderr, "  diag[%zu]: %s\n", i, nx_cfg_diags_at(d, i)->text);
}

/* Assert that some diagnostic's whole text is exactly `text`. */
static void assert_diag(const nx_cfg_diags_t *d, const char *text) {
    for (size_t i = 0; i < nx_cfg_diags_count(d); i++)
        if (strcmp(nx_cfg_diags_at(d, i)->text, text) == 0) return;
    fprintf(stderr, "missing diagnostic: %s\n", text);
    dump_diags(d);
    fail();
}

/* Load YAML text as "nexus.yaml"; expects NX_ECONFIG with exactly n problems. */
static nx_cfg_diags_t *load_bad(const char *yaml, size_t n) {
    nx_cfg_diags_t *d;
    nx_config_t cfg;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    int rc = nx_config_load_mem("nexus.yaml", yaml, strlen(yaml), d, &cfg);
    if (rc != NX_ECONFIG || nx_cfg_diags_count(d) != n) {
        fprintf(stderr, "rc=%d (%s), %zu diagnostics, wanted %zu\n", rc, nx_err_name(rc),
                nx_cfg_diags_count(d), n);
        dump_diags(d);
    }
    assert_int_equal(rc, NX_ECONFIG);
    assert_int_equal(nx_cfg_diags_count(d), n);
    return d;
}

static void expect_one(const char *yaml, const char *text) {
    nx_cfg_diags_t *d = load_bad(yaml, 1);
    assert_diag(d, text);
    nx_cfg_diags_free(d);
}

static void load_good(const char *yaml, nx_config_t *cfg) {
    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    int rc = nx_config_load_mem("nexus.yaml", yaml, strlen(yaml), d, cfg);
    if (rc != 0) dump_diags(d);
    assert_int_equal(rc, 0);
    assert_int_equal(nx_cfg_diags_count(d), 0);
    nx_cfg_diags_free(d);
}

/* A schema of every type, declared the way later modules will. */
typedef struct demo_leg {
    char venue[16];
    nx_dec_t weight;
} demo_leg_t;

typedef struct demo_book {
    uint32_t depth;
    bool has_depth;
} demo_book_t;

typedef struct demo {
    char name[16];
    int64_t offset;
    int16_t small;
    uint8_t byte;
    nx_dec_t price;
    double alpha;
    bool enabled;
    int64_t cooldown_ns;
    nx_ts_t start;
    int side;
    demo_book_t book;
    nx_cfg_list_t legs;
    nx_cfg_list_t tags;
} demo_t;

static const char *const demo_sides[] = {"buy", "sell", NULL};
static const nx_cfg_field_t demo_leg_fields[] = {
    {.key = "venue", .type = NX_CFG_STRING, NX_CFG_AT(demo_leg_t, venue),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY},
    {.key = "weight", .type = NX_CFG_DECIMAL, NX_CFG_AT(demo_leg_t, weight), .def = "1",
     .min = "0", .max = "1"},
};
static const nx_cfg_schema_t demo_leg_schema = NX_CFG_SCHEMA("leg", demo_leg_fields, NULL);
static const nx_cfg_field_t demo_leg_elem = {.type = NX_CFG_MAP, .size = sizeof(demo_leg_t),
                                             .sub = &demo_leg_schema};
static const nx_cfg_field_t demo_tag_elem = {.type = NX_CFG_STRING, .size = 8};

static const nx_cfg_field_t demo_book_fields[] = {
    {.key = "depth", .type = NX_CFG_UINT, NX_CFG_AT(demo_book_t, depth), .min = "1", .max = "50",
     .present = NX_CFG_PRESENT(demo_book_t, has_depth), .flags = NX_CFG_REQUIRED},
};
static const nx_cfg_schema_t demo_book_schema = NX_CFG_SCHEMA("book", demo_book_fields, NULL);

static int demo_check(nx_cfg_check_t *ck, void *obj) {
    demo_t *d = obj;
    if (d->enabled && d->legs.n == 0) nx_cfg_check_error(ck, "legs", "enabled needs legs");
    return 0;
}

static const nx_cfg_field_t demo_fields[] = {
    {.key = "name", .type = NX_CFG_STRING, NX_CFG_AT(demo_t, name),
     .flags = NX_CFG_REQUIRED | NX_CFG_NONEMPTY},
    {.key = "offset", .type = NX_CFG_INT, NX_CFG_AT(demo_t, offset), .def = "-5"},
    {.key = "small", .type = NX_CFG_INT, NX_CFG_AT(demo_t, small), .def = "0"},
    {.key = "byte", .type = NX_CFG_UINT, NX_CFG_AT(demo_t, byte), .def = "0"},
    {.key = "price", .type = NX_CFG_DECIMAL, NX_CFG_AT(demo_t, price), .flags = NX_CFG_POSITIVE,
     .def = "0.01"},
    {.key = "alpha", .type = NX_CFG_FLOAT, NX_CFG_AT(demo_t, alpha), .def = "0.5", .min = "0",
     .max = "1"},
    {.key = "enabled", .type = NX_CFG_BOOL, NX_CFG_AT(demo_t, enabled), .def = "false"},
    {.key = "cooldown", .type = NX_CFG_DURATION, NX_CFG_AT(demo_t, cooldown_ns), .def = "5m"},
    {.key = "start", .type = NX_CFG_TIMESTAMP, NX_CFG_AT(demo_t, start),
     .def = "2024-01-01T00:00:00Z"},
    {.key = "side", .type = NX_CFG_ENUM, NX_CFG_AT(demo_t, side), .words = demo_sides,
     .def = "buy"},
    {.key = "book", .type = NX_CFG_MAP, NX_CFG_AT(demo_t, book), .sub = &demo_book_schema},
    {.key = "legs", .type = NX_CFG_LIST, NX_CFG_AT(demo_t, legs), .elem = &demo_leg_elem,
     .max = "3"},
    {.key = "tags", .type = NX_CFG_LIST, NX_CFG_AT(demo_t, tags), .elem = &demo_tag_elem},
};
static const nx_cfg_schema_t demo_schema = NX_CFG_SCHEMA("demo", demo_fields, demo_check);

/* Validate YAML against the demo schema as "demo.yaml". */
static int demo_load(const char *yaml, nx_cfg_diags_t *d, demo_t *out) {
    nx_cfg_doc_t *doc;
    int rc = nx_cfg_doc_parse("demo.yaml", yaml, strlen(yaml), d, &doc);
    if (rc < 0) return rc;
    rc = nx_cfg_validate(doc, NULL, NULL, &demo_schema, out, sizeof *out, d);
    nx_cfg_doc_free(doc);
    return rc;
}

static void demo_expect(const char *yaml, size_t n, const char *text) {
    nx_cfg_diags_t *d;
    demo_t out;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    int rc = demo_load(yaml, d, &out);
    if (rc != NX_ECONFIG || nx_cfg_diags_count(d) != n) dump_diags(d);
    assert_int_equal(rc, NX_ECONFIG);
    assert_int_equal(nx_cfg_diags_count(d), n);
    assert_diag(d, text);
    nx_cfg_diags_free(d);
}

/* ------------------------------------------------------------------------- */
/* Good configs and defaults                                                 */
/* ------------------------------------------------------------------------- */

static void a_full_config_resolves_every_setting(void **state) {
    (void)state;
    nx_config_t c;
    load_good("data_dir: /srv/nexus\n"
              "seed: 42\n"
              "log:\n"
              "  level: debug\n"
              "  file: /var/log/nexus.log\n"
              "  format: json\n"
              "journal:\n"
              "  dir: /srv/journal\n"
              "  durability: each\n"
              "  interval: 250ms\n"
              "  segment_size: 128MiB\n"
              "kernel:\n"
              "  clock: real\n"
              "  ring_capacity: 1024\n"
              "  max_timers: 100\n"
              "  max_topics: 2_000\n"
              "instruments: /etc/nexus/instruments.yaml\n",
              &c);
    assert_string_equal(c.data_dir, "/srv/nexus");
    assert_int_equal(c.seed, 42);
    assert_int_equal(c.log.level, NX_LOG_DEBUG);
    assert_string_equal(c.log.file, "/var/log/nexus.log");
    assert_int_equal(c.log.format, NX_CONFIG_LOG_JSON);
    assert_string_equal(c.journal.dir, "/srv/journal");
    assert_int_equal(c.journal.durability, NX_CONFIG_DURABILITY_EACH);
    assert_int_equal(c.journal.interval_ns, 250 * NX_NS_PER_MS);
    assert_int_equal(c.journal.segment_size, 128ull << 20);
    assert_int_equal(c.kernel.clock, NX_CONFIG_CLOCK_REAL);
    assert_int_equal(c.kernel.ring_capacity, 1024);
    assert_int_equal(c.kernel.max_timers, 100);
    assert_int_equal(c.kernel.max_topics, 2000);
    assert_string_equal(c.instruments, "/etc/nexus/instruments.yaml");
    nx_config_close(&c);
}

static void omitted_settings_take_their_documented_defaults(void **state) {
    (void)state;
    nx_config_t c, want;
    load_good("seed: 7\njournal:\n", &c);
    nx_config_defaults(&want);
    want.seed = 7;
    assert_memory_equal(&c, &want, sizeof c);
    assert_int_equal(c.journal.interval_ns, 10 * NX_NS_PER_MS);
    assert_int_equal(c.journal.segment_size, 64ull << 20);
    assert_int_equal(c.kernel.ring_capacity, 65536);
    assert_int_equal(c.kernel.max_timers, 4096);
    assert_int_equal(c.log.level, NX_LOG_INFO);
}

static void a_relative_instruments_path_is_resolved_against_the_config_file(void **state) {
    (void)state;
    nx_config_t c;
    const char *y = "instruments: inst/all.yaml\n";
    assert_int_equal(nx_config_load_mem("/etc/nexus/nexus.yaml", y, strlen(y), NULL, &c), 0);
    assert_string_equal(c.instruments, "/etc/nexus/inst/all.yaml");
    const char *abs = "instruments: /opt/i.yaml\n";
    assert_int_equal(nx_config_load_mem("/etc/nexus/nexus.yaml", abs, strlen(abs), NULL, &c), 0);
    assert_string_equal(c.instruments, "/opt/i.yaml");
}

static void a_config_file_on_disk_loads_and_a_missing_one_is_a_diagnostic(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("cfg");
    char path[600];
    snprintf(path, sizeof path, "%s/nexus.yaml", dir);
    const char *y = "kernel:\n  clock: real\n";
    nx_test_write_file(path, y, strlen(y));
    nx_config_t c;
    assert_int_equal(nx_config_load(path, NULL, &c), 0);
    assert_int_equal(c.kernel.clock, NX_CONFIG_CLOCK_REAL);

    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    snprintf(path, sizeof path, "%s/nope.yaml", dir);
    assert_int_equal(nx_config_load(path, d, &c), NX_ECONFIG);
    assert_int_equal(nx_cfg_diags_count(d), 1);
    char want[700];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(nx_cfg_diags_at(d, 0)->text, want);
    assert_int_equal(nx_cfg_diags_at(d, 0)->line, 0);
    nx_cfg_diags_free(d);
    nx_test_rmdir(dir);
}

static void the_dump_prints_resolved_values_in_yaml(void **state) {
    (void)state;
    nx_config_t c;
    load_good("journal:\n  interval: 1500us\n", &c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    nx_config_print(&c, f);
    fclose(f);
    assert_non_null(strstr(buf, "journal:\n  dir: \"\"\n  durability: interval\n"));
    assert_non_null(strstr(buf, "  interval: 1500us\n"));
    assert_non_null(strstr(buf, "  segment_size: 64MiB\n"));
    assert_non_null(strstr(buf, "  ring_capacity: 65536\n"));
    assert_non_null(strstr(buf, "level: info\n"));
    free(buf); /* open_memstream's buffer comes from libc */
}

static void the_nexus_schema_passes_its_self_check(void **state) {
    (void)state;
    assert_int_equal(nx_cfg_schema_check(nx_config_schema(), sizeof(nx_config_t)), 0);
    assert_int_equal(nx_cfg_schema_check(&demo_schema, sizeof(demo_t)), 0);
}

static void a_malformed_schema_fails_its_self_check(void **state) {
    (void)state;
    static const nx_cfg_field_t bad_default[] = {
        {.key = "n", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_kernel_t, max_timers), .def = "5",
         .min = "10"},
    };
    static const nx_cfg_schema_t s1 = NX_CFG_SCHEMA("s1", bad_default, NULL);
    assert_int_equal(nx_cfg_schema_check(&s1, sizeof(nx_config_kernel_t)), NX_EINVAL);
    assert_non_null(strstr(nx_err_message(), "s1.n"));

    static const nx_cfg_field_t bad_size[] = {
        {.key = "d", .type = NX_CFG_DECIMAL, NX_CFG_AT(nx_config_kernel_t, max_timers)},
    };
    static const nx_cfg_schema_t s2 = NX_CFG_SCHEMA("s2", bad_size, NULL);
    assert_int_equal(nx_cfg_schema_check(&s2, sizeof(nx_config_kernel_t)), NX_EINVAL);

    static const nx_cfg_field_t dup[] = {
        {.key = "a", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_kernel_t, max_timers)},
        {.key = "a", .type = NX_CFG_UINT, NX_CFG_AT(nx_config_kernel_t, max_topics)},
    };
    static const nx_cfg_schema_t s3 = NX_CFG_SCHEMA("s3", dup, NULL);
    assert_int_equal(nx_cfg_schema_check(&s3, sizeof(nx_config_kernel_t)), NX_EINVAL);
}

static void a_module_schema_validates_every_type_and_stores_it(void **state) {
    (void)state;
    demo_t out;
    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    int rc = demo_load("name: mm\n"
                       "offset: -1_000\n"
                       "small: -300\n"
                       "byte: 255\n"
                       "price: \"100000.00\"\n"
                       "alpha: 0.25\n"
                       "enabled: yes\n"
                       "cooldown: 90s\n"
                       "start: 2024-09-27T08:00:00Z\n"
                       "side: sell\n"
                       "book: {depth: 20}\n"
                       "legs:\n"
                       "  - venue: binance\n"
                       "    weight: 0.5\n"
                       "  - {venue: kraken}\n"
                       "tags: [a, b, c]\n",
                       d, &out);
    if (rc) dump_diags(d);
    assert_int_equal(rc, 0);
    assert_string_equal(out.name, "mm");
    assert_int_equal(out.offset, -1000);
    assert_int_equal(out.small, -300);
    assert_int_equal(out.byte, 255);
    assert_int_equal(out.price.m, 10000000);
    assert_int_equal(out.price.s, 2);
    assert_true(out.alpha == 0.25);
    assert_true(out.enabled);
    assert_int_equal(out.cooldown_ns, 90 * NX_NS_PER_SEC);
    assert_int_equal(out.start, INT64_C(1727424000) * NX_NS_PER_SEC);
    assert_int_equal(out.side, 1);
    assert_int_equal(out.book.depth, 20);
    assert_true(out.book.has_depth);
    assert_int_equal(out.legs.n, 2);
    const demo_leg_t *legs = out.legs.items;
    assert_string_equal(legs[0].venue, "binance");
    assert_int_equal(nx_dec_cmp(legs[0].weight, nx_dec_make(5, 1)), 0);
    assert_string_equal(legs[1].venue, "kraken");
    assert_int_equal(nx_dec_cmp(legs[1].weight, nx_dec_make(1, 0)), 0);
    assert_int_equal(out.tags.n, 3);
    assert_string_equal((const char *)out.tags.items + 16, "c");
    nx_cfg_release(&demo_schema, &out);
    assert_null(out.legs.items);
    nx_cfg_diags_free(d);
}

static void a_cross_field_check_reports_at_the_key(void **state) {
    (void)state;
    demo_expect("name: x\nbook: {depth: 1}\nenabled: true\n", 1,
                "demo.yaml:1:1: legs: enabled needs legs");
}

/* ------------------------------------------------------------------------- */
/* Each class of bad input                                                   */
/* ------------------------------------------------------------------------- */

static void a_yaml_syntax_error_carries_libyamls_line_and_column(void **state) {
    (void)state;
    expect_one("journal:\n  dir: /x\n   durability: each\n",
               "nexus.yaml:3:14: syntax error: mapping values are not allowed in this context");
    expect_one("kernel: {clock: real\nseed: 1\n",
               "nexus.yaml:2:5: syntax error: did not find expected ',' or '}' "
               "(while parsing a flow mapping at 1:9)");
}

static void invalid_utf8_is_a_syntax_error_with_a_position(void **state) {
    (void)state;
    expect_one("seed: 1\nlog: \xff\n",
               "nexus.yaml:2:6: syntax error: invalid leading UTF-8 octet (byte 0xFF)");
}

static void an_unknown_key_suggests_the_closest_known_key(void **state) {
    (void)state;
    expect_one("journal:\n  durabilty: each\n",
               "nexus.yaml:2:3: journal.durabilty: unknown key (did you mean \"durability\"?)");
    expect_one("kernal:\n  clock: real\n",
               "nexus.yaml:1:1: kernal: unknown key (did you mean \"kernel\"?)");
    expect_one("colour: red\n", "nexus.yaml:1:1: colour: unknown key");
}

static void a_value_of_the_wrong_type_is_reported_with_what_was_found(void **state) {
    (void)state;
    expect_one("seed: abc\n", "nexus.yaml:1:7: seed: expected an unsigned integer, got \"abc\"");
    expect_one("seed: \"42\"\n",
               "nexus.yaml:1:7: seed: expected an unsigned integer, got \"42\" (quoted, so a "
               "string)");
    expect_one("log: [info]\n", "nexus.yaml:1:6: log: expected a map, got a list");
    expect_one("kernel:\n  max_timers:\n    a: 1\n",
               "nexus.yaml:3:5: kernel.max_timers: expected an unsigned integer, got a map");
    expect_one("data_dir: [a, b]\n", "nexus.yaml:1:11: data_dir: expected a string, got a list");
    expect_one("seed: -1\n", "nexus.yaml:1:7: seed: expected an unsigned integer, got \"-1\"");
    demo_expect("name: x\nbook: {depth: 1}\nlegs: {venue: a}\n", 1,
                "demo.yaml:3:7: legs: expected a list, got a map");
    demo_expect("name: x\nbook: {depth: 1}\nenabled: maybe\n", 1,
                "demo.yaml:3:10: enabled: expected true or false, got \"maybe\"");
    demo_expect("name: x\nbook: {depth: 1}\nlegs:\n  - venue: a\n  - [b]\n", 1,
                "demo.yaml:5:5: legs[1]: expected a map, got a list");
}

static void an_out_of_range_value_names_the_range(void **state) {
    (void)state;
    expect_one("journal:\n  interval: 20s\n",
               "nexus.yaml:2:13: journal.interval: must be between 1ms and 10s, got \"20s\"");
    expect_one("kernel:\n  ring_capacity: 1000\n",
               "nexus.yaml:2:18: kernel.ring_capacity: must be a power of two, got \"1000\"");
    expect_one("kernel:\n  ring_capacity: 32\n",
               "nexus.yaml:2:18: kernel.ring_capacity: must be between 64 and 16777216, got "
               "\"32\"");
    expect_one("journal:\n  segment_size: 8GiB\n",
               "nexus.yaml:2:17: journal.segment_size: must be between 1MiB and 4GiB, got "
               "\"8GiB\"");
    expect_one("seed: 99999999999999999999\n",
               "nexus.yaml:1:7: seed: integer \"99999999999999999999\" does not fit 64 bits");
    demo_expect("name: x\nbook: {depth: 1}\nbyte: 256\n", 1,
                "demo.yaml:3:7: byte: must be at most 255");
    demo_expect("name: x\nbook: {depth: 1}\nprice: 0\n", 1,
                "demo.yaml:3:8: price: must be greater than 0, got \"0\"");
    demo_expect("name: x\nbook: {depth: 1}\nlegs: [{venue: a}, {venue: b}, {venue: c}, {venue: d}]\n",
                1, "demo.yaml:3:7: legs: expected 0..3 items, got 4");
    demo_expect("name: x\nbook: {depth: 1}\nlegs:\n  - venue: a\n    weight: 1.5\n", 1,
                "demo.yaml:5:13: legs[0].weight: must be between 0 and 1, got \"1.5\"");
}

static void a_missing_required_key_is_reported_at_its_map(void **state) {
    (void)state;
    demo_expect("book: {depth: 1}\n", 1, "demo.yaml:1:1: name: required key is missing");
    demo_expect("name: x\noffset: 1\nbook:\n  {}\n", 1,
                "demo.yaml:4:3: book.depth: required key is missing");
    demo_expect("name: x\n", 1, "demo.yaml:1:1: book.depth: required key is missing");
    demo_expect("name:\nbook: {depth: 1}\n", 1, "demo.yaml:1:1: name: required key has no value");
    demo_expect("name: x\nbook: {depth: 1}\nlegs:\n  - weight: 0.5\n", 1,
                "demo.yaml:4:5: legs[0].venue: required key is missing");
}

static void a_duplicate_key_points_at_both_definitions(void **state) {
    (void)state;
    expect_one("seed: 1\nlog:\n  level: info\nseed: 2\n",
               "nexus.yaml:4:1: seed: duplicate key (first defined at 1:1)");
    expect_one("kernel:\n  clock: real\n  clock: simulated\n",
               "nexus.yaml:3:3: kernel.clock: duplicate key (first defined at 2:3)");
}

static void an_invalid_enum_word_lists_the_allowed_words(void **state) {
    (void)state;
    expect_one("journal:\n    durability: sometimes\n",
               "nexus.yaml:2:17: journal.durability: expected one of none|interval|each, got "
               "\"sometimes\"");
    expect_one("log: {level: verbose}\n",
               "nexus.yaml:1:14: log.level: expected one of trace|debug|info|warn|error|off, got "
               "\"verbose\"");
}

static void bad_decimals_durations_and_timestamps_are_reported(void **state) {
    (void)state;
    expect_one("journal:\n  interval: 10 parsecs\n",
               "nexus.yaml:2:13: journal.interval: expected a duration (e.g. 250ms, 5s, 1m), got "
               "\"10 parsecs\"");
    demo_expect("name: x\nbook: {depth: 1}\nprice: 1.2.3\n", 1,
                "demo.yaml:3:8: price: expected a decimal number, got \"1.2.3\"");
    demo_expect("name: x\nbook: {depth: 1}\nprice: 0.0000000000000000001\n", 1,
                "demo.yaml:3:8: price: decimal \"0.0000000000000000001\" has more than 18 "
                "fractional digits");
    demo_expect("name: x\nbook: {depth: 1}\nstart: 2024-13-01\n", 1,
                "demo.yaml:3:8: start: timestamp \"2024-13-01\" out of range");
    demo_expect("name: x\nbook: {depth: 1}\nstart: yesterday\n", 1,
                "demo.yaml:3:8: start: expected a timestamp (e.g. 2024-09-27T08:00:00Z), got "
                "\"yesterday\"");
    demo_expect("name: x\nbook: {depth: 1}\nalpha: NaN\n", 1,
                "demo.yaml:3:8: alpha: expected a number, got \"NaN\"");
}

static void an_empty_file_is_an_error(void **state) {
    (void)state;
    expect_one("", "nexus.yaml:1:1: empty file: expected a YAML document");
    expect_one("# only a comment\n\n", "nexus.yaml:1:1: empty file: expected a YAML document");
    expect_one("---\n", "nexus.yaml:1:1: empty file: expected a YAML document");
}

static void a_top_level_that_is_not_a_map_is_an_error(void **state) {
    (void)state;
    expect_one("- a\n- b\n", "nexus.yaml:1:1: expected a map of settings, got a list");
    expect_one("hello\n", "nexus.yaml:1:1: expected a map of settings, got \"hello\"");
}

static void more_than_one_document_is_an_error(void **state) {
    (void)state;
    expect_one("seed: 1\n---\nseed: 2\n",
               "nexus.yaml:2:1: more than one YAML document (only one is allowed)");
}

static void every_problem_is_collected_in_file_order(void **state) {
    (void)state;
    nx_cfg_diags_t *d = load_bad("seed: x\n"
                                 "colour: red\n"
                                 "journal:\n"
                                 "  durability: sometimes\n"
                                 "  interval: 1h\n"
                                 "kernel:\n"
                                 "  ring_capacity: 100\n"
                                 "  clokc: real\n",
                                 6);
    assert_string_equal(nx_cfg_diags_at(d, 0)->text, "nexus.yaml:2:1: colour: unknown key");
    assert_string_equal(nx_cfg_diags_at(d, 1)->path, "seed");
    assert_string_equal(nx_cfg_diags_at(d, 2)->path, "journal.durability");
    assert_string_equal(nx_cfg_diags_at(d, 3)->path, "journal.interval");
    assert_string_equal(nx_cfg_diags_at(d, 4)->text,
                        "nexus.yaml:8:3: kernel.clokc: unknown key (did you mean \"clock\"?)");
    assert_string_equal(nx_cfg_diags_at(d, 5)->path, "kernel.ring_capacity");
    assert_int_equal(nx_cfg_diags_at(d, 5)->line, 7);
    assert_int_equal(nx_cfg_diags_at(d, 5)->col, 18);
    assert_string_equal(nx_cfg_diags_at(d, 5)->file, "nexus.yaml");
    /* The error detail carries the first problem and the count. */
    assert_non_null(strstr(nx_err_message(), "(and 5 more problems)"));
    nx_cfg_diags_free(d);
}

static void nothing_is_applied_when_the_config_is_invalid(void **state) {
    (void)state;
    nx_config_t c;
    memset(&c, 0xAB, sizeof c);
    unsigned char want[sizeof c];
    memcpy(want, &c, sizeof c);
    const char *y = "seed: 5\nkernel:\n  clock: wall\n";
    assert_int_equal(nx_config_load_mem("nexus.yaml", y, strlen(y), NULL, &c), NX_ECONFIG);
    assert_memory_equal(&c, want, sizeof c);
    assert_string_equal(nx_err_message(),
                        "nexus.yaml:3:10: kernel.clock: expected one of simulated|real, got "
                        "\"wall\"");
}

static void anchors_and_aliases_resolve_and_an_undefined_alias_is_an_error(void **state) {
    (void)state;
    demo_t out;
    nx_cfg_diags_t *d;
    assert_int_equal(nx_cfg_diags_new(&d), 0);
    assert_int_equal(demo_load("name: &n toolongvalue\nbook: {depth: 2}\ntags: [*n]\n", d, &out), NX_ECONFIG);
    /* An alias shares the anchored node, so problems point at the anchor's text. */
    assert_diag(d, "demo.yaml:1:7: tags[0]: string longer than 7 bytes");
    nx_cfg_diags_clear(d);
    assert_int_equal(demo_load("name: &n abc\nbook: &b {depth: 2}\ntags: [*n, *n]\n", d, &out), 0);
    assert_string_equal((const char *)out.tags.items + 8, "abc");
    nx_cfg_release(&demo_schema, &out);
    nx_cfg_diags_free(d);
    expect_one("seed: *nope\n", "nexus.yaml:1:7: undefined alias *nope");
}

static void an_alias_bomb_is_refused(void **state) {
    (void)state;
    char y[2048];
    size_t o = (size_t)snprintf(y, sizeof y, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 8; i++)
        o += (size_t)snprintf(y + o, sizeof y - o,
                              "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                              "*a%d]\n",
                              i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                              i - 1);
    nx_cfg_diags_t *d = load_bad(y, 1);
    assert_non_null(nx_cfg_diags_find(d, "document too large"));
    nx_cfg_diags_free(d);
}

static void nesting_deeper_than_the_limit_is_refused(void **state) {
    (void)state;
    char y[300];
    memset(y, '[', 100);
    memcpy(y + 100, "1", 2);
    nx_cfg_diags_t *d = load_bad(y, 1);
    assert_diag(d, "nexus.yaml:1:65: nesting deeper than 64 levels");
    nx_cfg_diags_free(d);
}

static void the_diagnostics_list_has_a_ceiling(void **state) {
    (void)state;
    size_t cap = 300 * 16;
    char *y = malloc(cap);
    assert_non_null(y);
    size_t o = 0;
    for (int i = 0; i < 300; i++) o += (size_t)snprintf(y + o, cap - o, "k%d: 1\n", i);
    nx_cfg_diags_t *d = load_bad(y, NX_CFG_DIAGS_MAX);
    assert_int_equal(nx_cfg_diags_dropped(d), 300 - NX_CFG_DIAGS_MAX);
    free(y);
    nx_cfg_diags_free(d);
}

static void keys_that_are_not_strings_are_reported(void **state) {
    (void)state;
    expect_one("? [a]\n: 1\n", "nexus.yaml:1:3: map keys must be non-empty strings, got a list");
}

/* ------------------------------------------------------------------------- */
/* Data dir                                                                  */
/* ------------------------------------------------------------------------- */

static void the_data_dir_flag_beats_nexus_home_which_beats_home(void **state) {
    (void)state;
    char out[256];
    setenv("NEXUS_HOME", "/nh", 1);
    setenv("HOME", "/home/u", 1);
    assert_int_equal(nx_config_data_dir("/flag", out, sizeof out), 0);
    assert_string_equal(out, "/flag");
    assert_int_equal(nx_config_data_dir(NULL, out, sizeof out), 0);
    assert_string_equal(out, "/nh");
    setenv("NEXUS_HOME", "", 1); /* set but empty counts as unset */
    assert_int_equal(nx_config_data_dir(NULL, out, sizeof out), 0);
    assert_string_equal(out, "/home/u/.nexus");
    unsetenv("NEXUS_HOME");
    assert_int_equal(nx_config_data_dir("", out, sizeof out), 0);
    assert_string_equal(out, "/home/u/.nexus");
    assert_int_equal(nx_config_data_dir(NULL, out, 8), NX_ERANGE);
    unsetenv("HOME");
    assert_int_equal(nx_config_data_dir(NULL, out, sizeof out), NX_ENOTFOUND);
    assert_int_equal(nx_config_data_dir("/f", out, sizeof out), 0);
    assert_string_equal(out, "/f");
}

/* ------------------------------------------------------------------------- */
/* Fault injection                                                           */
/* ------------------------------------------------------------------------- */

static void fail_each_allocation(const char *yaml, int want_rc) {
    int reached = 0;
    for (uint64_t n = 1; n < 10000 && !reached; n++) {
        nx_alloc_stats_t before, after;
        nx_alloc_stats(&before);
        nx_cfg_diags_t *d = NULL;
        nx_config_t c;
        nx_alloc_fail_at(n, 0);
        int rc = nx_cfg_diags_new(&d);
        if (rc == 0) rc = nx_config_load_mem("nexus.yaml", yaml, strlen(yaml), d, &c);
        nx_alloc_stats_t mid;
        nx_alloc_stats(&mid);
        nx_alloc_fail_at(0, 0);
        if (rc == NX_ENOMEM) {
            assert_int_equal(nx_err_code(), NX_ENOMEM);
        } else {
            assert_int_equal(rc, want_rc);
            reached = mid.failures == before.failures; /* nothing failed: done */
        }
        nx_cfg_diags_free(d);
        nx_alloc_stats(&after);
        if (after.bytes != before.bytes)
            fprintf(stderr, "leak at allocation %llu: %lld bytes\n", (unsigned long long)n,
                    (long long)(after.bytes - before.bytes));
        assert_int_equal(after.bytes, before.bytes);
    }
    assert_true(reached);
}

static void failing_each_allocation_of_a_good_load_is_a_clean_enomem(void **state) {
    (void)state;
    fail_each_allocation("seed: 3\nlog: {level: warn}\njournal:\n  durability: each\n"
                         "kernel: &k\n  clock: real\n",
                         0);
}

static void failing_each_allocation_of_a_bad_load_is_a_clean_enomem(void **state) {
    (void)state;
    fail_each_allocation("seed: x\ncolour: 1\njournal:\n  durability: sometimes\n", NX_ECONFIG);
    fail_each_allocation("a: [\n", NX_ECONFIG);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(a_full_config_resolves_every_setting),
    NX_CASE(omitted_settings_take_their_documented_defaults),
    NX_CASE(a_relative_instruments_path_is_resolved_against_the_config_file),
    NX_CASE(a_config_file_on_disk_loads_and_a_missing_one_is_a_diagnostic),
    NX_CASE(the_dump_prints_resolved_values_in_yaml),
    NX_CASE(the_nexus_schema_passes_its_self_check),
    NX_CASE(a_malformed_schema_fails_its_self_check),
    NX_CASE(a_module_schema_validates_every_type_and_stores_it),
    NX_CASE(a_cross_field_check_reports_at_the_key),
    NX_CASE(a_yaml_syntax_error_carries_libyamls_line_and_column),
    NX_CASE(invalid_utf8_is_a_syntax_error_with_a_position),
    NX_CASE(an_unknown_key_suggests_the_closest_known_key),
    NX_CASE(a_value_of_the_wrong_type_is_reported_with_what_was_found),
    NX_CASE(an_out_of_range_value_names_the_range),
    NX_CASE(a_missing_required_key_is_reported_at_its_map),
    NX_CASE(a_duplicate_key_points_at_both_definitions),
    NX_CASE(an_invalid_enum_word_lists_the_allowed_words),
    NX_CASE(bad_decimals_durations_and_timestamps_are_reported),
    NX_CASE(an_empty_file_is_an_error),
    NX_CASE(a_top_level_that_is_not_a_map_is_an_error),
    NX_CASE(more_than_one_document_is_an_error),
    NX_CASE(every_problem_is_collected_in_file_order),
    NX_CASE(nothing_is_applied_when_the_config_is_invalid),
    NX_CASE(anchors_and_aliases_resolve_and_an_undefined_alias_is_an_error),
    NX_CASE(an_alias_bomb_is_refused),
    NX_CASE(nesting_deeper_than_the_limit_is_refused),
    NX_CASE(the_diagnostics_list_has_a_ceiling),
    NX_CASE(keys_that_are_not_strings_are_reported),
    NX_CASE(the_data_dir_flag_beats_nexus_home_which_beats_home),
    NX_CASE(failing_each_allocation_of_a_good_load_is_a_clean_enomem),
    NX_CASE(failing_each_allocation_of_a_bad_load_is_a_clean_enomem),
};
NX_TEST_MAIN(cases)
