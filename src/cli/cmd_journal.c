/*
 * `nexus journal verify|dump|stats PATH`: check, print or summarise a journal
 * directory (see docs/journal.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nexus/core.h"
#include "nexus/event.h"
#include "nexus/journal.h"
#include "nexus/time.h"

static void nx__journal_usage(FILE *f) {
    fprintf(f,
            "usage: nexus journal <verify|dump|stats> PATH [options]\n"
            "\n"
            "  verify PATH [--salvage]   check every record (CRC, structure, increasing seq);\n"
            "                            prints 'file:offset: reason' for each corruption.\n"
            "                            --salvage keeps going past corruption to list all.\n"
            "                            Exit 0 valid (a torn tail after a crash is valid),\n"
            "                            1 corrupt or unreadable.\n"
            "  dump PATH [--from SEQ] [--limit N] [--salvage]\n"
            "                            one JSON object per event and line, from seq SEQ,\n"
            "                            at most N events; topic names come from the\n"
            "                            journal's topic_def events.\n"
            "  stats PATH                counts per event type, seq and time range, bytes,\n"
            "                            segments.\n"
            "\n"
            "PATH is a journal directory. `nexus journal <cmd> --help` shows one command.\n");
}

static const char *nx__help_verify =
    "usage: nexus journal verify PATH [--salvage]\n"
    "Checks every record of the journal in PATH. Prints one 'file:offset: reason' line per\n"
    "corruption and exits 1; exits 0 when the journal is valid. A torn tail at the end of\n"
    "the last segment (normal after a crash) is reported but valid. --salvage continues\n"
    "past each corruption to find them all.\n";
static const char *nx__help_dump =
    "usage: nexus journal dump PATH [--from SEQ] [--limit N] [--salvage]\n"
    "Prints the events of the journal in PATH as JSON, one object per line, starting at the\n"
    "first seq >= SEQ, at most N of them. Stops with exit 1 at corruption unless --salvage\n"
    "(then corrupt regions are skipped and reported on stderr).\n";
static const char *nx__help_stats =
    "usage: nexus journal stats PATH\n"
    "Summarises the journal in PATH: segments, events, bytes, seq and ts_recv range, counts\n"
    "per event type, torn tail and corruptions.\n";

/* Bounded decimal parser for flags (no atoi/strtoull surprises). */
static int nx__parse_u64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        unsigned d = (unsigned)(unsigned char)*s - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10u) return -1;
        v = v * 10u + d;
    }
    *out = v;
    return 0;
}

typedef struct nx__jargs {
    const char *path;
    uint64_t from;
    uint64_t limit;
    int has_limit;
    unsigned flags;
} nx__jargs_t;

/* Parse "PATH [flags]"; allow lists which flags this command takes. */
static int nx__jparse(int argc, char **argv, const char *help, int allow_range, int allow_salvage,
                      nx__jargs_t *a) {
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (nx_cli_is_help(s)) {
            fputs(help, stdout);
            return -1;
        } else if (allow_salvage && strcmp(s, "--salvage") == 0) {
            a->flags |= NX_JOURNAL_SALVAGE;
        } else if (allow_range && strcmp(s, "--from") == 0 && i + 1 < argc) {
            if (nx__parse_u64(argv[++i], &a->from) < 0) {
                fprintf(stderr, "nexus journal: --from wants a sequence number, got '%s'\n", argv[i]);
                return -2;
            }
        } else if (allow_range && strcmp(s, "--limit") == 0 && i + 1 < argc) {
            if (nx__parse_u64(argv[++i], &a->limit) < 0) {
                fprintf(stderr, "nexus journal: --limit wants a count, got '%s'\n", argv[i]);
                return -2;
            }
            a->has_limit = 1;
        } else if (s[0] == '-' && s[1] != '\0') {
            fprintf(stderr, "nexus journal: unknown or incomplete option '%s'\n%s", s, help);
            return -2;
        } else if (!a->path) {
            a->path = s;
        } else {
            fprintf(stderr, "nexus journal: unexpected argument '%s'\n%s", s, help);
            return -2;
        }
    }
    if (!a->path) {
        fprintf(stderr, "nexus journal: missing PATH\n%s", help);
        return -2;
    }
    return 0;
}

static int nx__jparse_exit(int rc) { return rc == -1 ? NX_EXIT_OK : NX_EXIT_USAGE; }

static void nx__print_corruptions(const char *dir, const nx_journal_stats_t *s) {
    for (size_t i = 0; i < s->ncorrupt; i++) {
        const nx_journal_corruption_t *c = &s->corrupt[i];
        printf("%s/%s:%llu: %s", dir, c->segment, (unsigned long long)c->offset, c->reason);
        if (c->skipped_bytes) printf(" (%llu bytes skipped)", (unsigned long long)c->skipped_bytes);
        putchar('\n');
    }
    if (s->corruptions > s->ncorrupt)
        printf("... and %llu more corruptions\n",
               (unsigned long long)(s->corruptions - s->ncorrupt));
}

static void nx__print_torn(FILE *f, const char *dir, const nx_journal_stats_t *s) {
    if (s->torn)
        fprintf(f,
                "%s/%s:%llu: torn tail of %llu bytes (normal after a crash; the next writer "
                "truncates it)\n",
                dir, s->torn_segment, (unsigned long long)s->torn_offset,
                (unsigned long long)s->torn_bytes);
}

static int nx__verify(int argc, char **argv) {
    nx__jargs_t a;
    int prc = nx__jparse(argc, argv, nx__help_verify, 0, 1, &a);
    if (prc < 0) return nx__jparse_exit(prc);
    nx_journal_stats_t *s = nx_calloc(1, sizeof *s);
    if (!s) return nx_cli_fail("journal verify", NX_ENOMEM);
    int rc = nx_journal_verify(a.path, a.flags, s);
    int ex = NX_EXIT_OK;
    if (rc == NX_ECORRUPT) {
        if (s->ncorrupt) nx__print_corruptions(a.path, s);
        else printf("%s\n", nx_err_message());
        printf("%s: CORRUPT: %llu corruptions, %llu valid events in %llu segments\n", a.path,
               (unsigned long long)s->corruptions, (unsigned long long)s->events,
               (unsigned long long)s->segments);
        ex = NX_EXIT_FAIL;
    } else if (rc < 0) {
        ex = nx_cli_fail("journal verify", rc);
    } else {
        nx__print_torn(stdout, a.path, s);
        printf("%s: OK: %llu events in %llu segments, seq %llu..%llu\n", a.path,
               (unsigned long long)s->events, (unsigned long long)s->segments,
               (unsigned long long)s->first_seq, (unsigned long long)s->last_seq);
    }
    nx_free(s);
    return ex;
}

/* Topic names from TOPIC_DEF events: open addressing, fixed capacity. */
#define NX__TOPICS_CAP 4096u
typedef struct nx__topics {
    uint32_t used;
    struct {
        uint32_t id;
        int set;
        char name[NX_TOPIC_NAME_MAX + 1];
    } slot[NX__TOPICS_CAP];
} nx__topics_t;

static uint32_t nx__topic_hash(uint32_t id) { return (id * 2654435761u) & (NX__TOPICS_CAP - 1); }

static void nx__topic_put(nx__topics_t *t, const nx_ev_topic_def_t *d) {
    uint32_t i = nx__topic_hash(d->topic_id);
    for (uint32_t n = 0; n < NX__TOPICS_CAP; n++, i = (i + 1) & (NX__TOPICS_CAP - 1)) {
        if (t->slot[i].set && t->slot[i].id != d->topic_id) continue;
        if (!t->slot[i].set) {
            /* Keep a quarter free so lookups of unknown ids stay short. */
            if (t->used >= NX__TOPICS_CAP / 4 * 3) return;
            t->used++;
        }
        t->slot[i].set = 1;
        t->slot[i].id = d->topic_id;
        memcpy(t->slot[i].name, d->name, sizeof t->slot[i].name);
        t->slot[i].name[NX_TOPIC_NAME_MAX] = '\0';
        return;
    }
}

static const char *nx__topic_name(void *ctx, uint32_t id) {
    const nx__topics_t *t = ctx;
    uint32_t i = nx__topic_hash(id);
    for (uint32_t n = 0; n < NX__TOPICS_CAP; n++, i = (i + 1) & (NX__TOPICS_CAP - 1)) {
        if (!t->slot[i].set) return NULL;
        if (t->slot[i].id == id) return t->slot[i].name;
    }
    return NULL;
}

static int nx__dump(int argc, char **argv) {
    nx__jargs_t a;
    int prc = nx__jparse(argc, argv, nx__help_dump, 1, 1, &a);
    if (prc < 0) return nx__jparse_exit(prc);
    nx__topics_t *topics = nx_calloc(1, sizeof *topics);
    enum { JSON_CAP = 8192 };
    char *buf = nx_malloc(JSON_CAP);
    nx_journal_reader_t *r = NULL;
    int ex = NX_EXIT_OK;
    if (!topics || !buf) {
        ex = nx_cli_fail("journal dump", NX_ENOMEM);
        goto out;
    }
    /* Read from the start even with --from: topic definitions come first. */
    int rc = nx_journal_reader_open(a.path, 0, a.flags, &r);
    if (rc < 0) {
        ex = nx_cli_fail("journal dump", rc);
        goto out;
    }
    uint64_t printed = 0;
    const nx_event_hdr_t *h;
    while (!(a.has_limit && printed >= a.limit)) {
        rc = nx_journal_reader_next(r, &h);
        if (rc < 0) break;
        if (h->type == NX_EV_TOPIC_DEF) nx__topic_put(topics, (const nx_ev_topic_def_t *)h);
        if (h->seq < a.from) continue;
        int n = nx_event_to_json(h, nx__topic_name, topics, buf, JSON_CAP);
        if (n < 0) {
            ex = nx_cli_fail("journal dump", n);
            break;
        }
        fwrite(buf, 1, (size_t)n, stdout);
        putchar('\n');
        printed++;
    }
    nx_journal_reader_info_t *info = nx_malloc(sizeof *info);
    if (info) {
        nx_journal_reader_info(r, info);
        for (uint64_t i = 0; i < info->corruptions && i < NX_JOURNAL_CORRUPTIONS_MAX; i++) {
            if (!(a.flags & NX_JOURNAL_SALVAGE)) break;
            fprintf(stderr, "nexus: journal dump: %s/%s:%llu: %s (skipped %llu bytes)\n", a.path,
                    info->corrupt[i].segment, (unsigned long long)info->corrupt[i].offset,
                    info->corrupt[i].reason, (unsigned long long)info->corrupt[i].skipped_bytes);
        }
        if (rc == NX_ETORN)
            fprintf(stderr, "nexus: journal dump: %s/%s:%llu: torn tail (normal after a crash)\n",
                    a.path, info->torn_segment, (unsigned long long)info->torn_offset);
        nx_free(info);
    }
    if (rc == NX_ECORRUPT) ex = nx_cli_fail("journal dump", rc);
    else if (rc < 0 && rc != NX_EEND && rc != NX_ETORN) ex = nx_cli_fail("journal dump", rc);
    if (fflush(stdout) != 0) ex = NX_EXIT_FAIL;
out:
    nx_journal_reader_close(r);
    nx_free(buf);
    nx_free(topics);
    return ex;
}

static void nx__print_ts(const char *label, int64_t a, int64_t b) {
    char x[NX_TIME_STRLEN], y[NX_TIME_STRLEN];
    nx_time_format(a, x);
    nx_time_format(b, y);
    printf("%-12s %s .. %s\n", label, x, y);
}

static int nx__stats(int argc, char **argv) {
    nx__jargs_t a;
    int prc = nx__jparse(argc, argv, nx__help_stats, 0, 0, &a);
    if (prc < 0) return nx__jparse_exit(prc);
    nx_journal_stats_t *s = nx_calloc(1, sizeof *s);
    if (!s) return nx_cli_fail("journal stats", NX_ENOMEM);
    /* Salvage so that the summary covers everything readable. */
    int rc = nx_journal_verify(a.path, NX_JOURNAL_SALVAGE, s);
    int ex = NX_EXIT_OK;
    if (rc < 0 && rc != NX_ECORRUPT) {
        ex = nx_cli_fail("journal stats", rc);
        goto out;
    }
    printf("%-12s %s\n", "journal", a.path);
    printf("%-12s %llu\n", "segments", (unsigned long long)s->segments);
    printf("%-12s %llu\n", "events", (unsigned long long)s->events);
    printf("%-12s %llu records, %llu on disk\n", "bytes", (unsigned long long)s->record_bytes,
           (unsigned long long)s->file_bytes);
    if (s->events) {
        printf("%-12s %llu .. %llu\n", "seq", (unsigned long long)s->first_seq,
               (unsigned long long)s->last_seq);
        nx__print_ts("ts_recv", s->min_ts, s->max_ts);
    }
    printf("types:\n");
    for (size_t i = 0; i < s->ntypes; i++) {
        const char *name = nx_event_type_name(s->types[i].type);
        if (name) printf("  %-14s %llu\n", name, (unsigned long long)s->types[i].count);
        else printf("  type 0x%04x    %llu\n", s->types[i].type, (unsigned long long)s->types[i].count);
    }
    if (s->other_type_events)
        printf("  %-14s %llu\n", "(other)", (unsigned long long)s->other_type_events);
    printf("%-12s %s\n", "torn tail", s->torn ? "yes" : "none");
    nx__print_torn(stdout, a.path, s);
    printf("%-12s %llu\n", "corruptions", (unsigned long long)s->corruptions);
    if (s->corruptions) {
        nx__print_corruptions(a.path, s);
        ex = NX_EXIT_FAIL;
    }
out:
    nx_free(s);
    return ex;
}

int nx_cli_journal(const nx_cli_global_t *g, int argc, char **argv) {
    (void)g;
    if (argc < 2) {
        nx__journal_usage(stderr);
        return NX_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (nx_cli_is_help(cmd)) {
        nx__journal_usage(stdout);
        return NX_EXIT_OK;
    }
    if (strcmp(cmd, "verify") == 0) return nx__verify(argc - 1, argv + 1);
    if (strcmp(cmd, "dump") == 0) return nx__dump(argc - 1, argv + 1);
    if (strcmp(cmd, "stats") == 0) return nx__stats(argc - 1, argv + 1);
    fprintf(stderr, "nexus journal: unknown command '%s'\n", cmd);
    nx__journal_usage(stderr);
    return NX_EXIT_USAGE;
}
