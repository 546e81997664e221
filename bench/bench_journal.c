/*
 * Journal throughput.
 *   journal_append  64-byte events/s appended with durability NONE, timed from
 *                   the first append until a final nx_journal_flush() returned,
 *                   i.e. until the writer thread has write()n every byte into
 *                   the segment files under $TMPDIR (default /tmp).
 *   journal_replay  events/s read back by nx_journal_reader_next(): every
 *                   record's CRC, structure and seq order verified.
 * Best of nx_bench_reps() runs of NX_BENCH_JOURNAL_EVENTS (default 3,000,000).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nexus/event.h"
#include "nexus/journal.h"
#include "nexus/time.h"
#include "nx_bench.h"

static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void die(const char *what) {
    fprintf(stderr, "bench_journal: %s: %s\n", what, nx_err_detail());
    exit(1);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/nx-bench-journal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    uint64_t n = 3000000;
    const char *ne = getenv("NX_BENCH_JOURNAL_EVENTS");
    if (ne && *ne) {
        uint64_t v = 0;
        for (const char *p = ne; *p >= '0' && *p <= '9'; p++) v = v * 10 + (uint64_t)(*p - '0');
        if (v > 0) n = v;
    }
    int reps = nx_bench_reps();

    nx_event_t ev;
    nx_event_init(&ev, NX_EV_TIMER); /* 64 bytes */
    ev.timer.timer_id = 42;
    nx_journal_options_t o;
    nx_journal_options_default(&o);
    o.durability = NX_JOURNAL_FSYNC_NONE;

    double best_append = 0;
    for (int r = 0; r < reps; r++) {
        remove_dir(dir);
        nx_journal_t *j;
        if (nx_journal_open(dir, &o, &j) < 0) die("open");
        int64_t t0 = nx_mono_now();
        for (uint64_t s = 1; s <= n; s++) {
            ev.h.seq = s;
            ev.h.ts_recv = (int64_t)s;
            if (NX_UNLIKELY(nx_journal_append(j, &ev) < 0)) die("append");
        }
        if (nx_journal_flush(j) < 0) die("flush");
        double secs = nx_bench_secs(t0);
        if (nx_journal_close(j) < 0) die("close");
        double rate = (double)n / secs;
        if (rate > best_append) best_append = rate;
    }
    nx_bench_emit("journal_append", best_append, "events/s");

    double best_replay = 0;
    for (int r = 0; r < reps; r++) {
        int64_t t0 = nx_mono_now();
        nx_journal_reader_t *rd;
        if (nx_journal_reader_open(dir, 0, 0, &rd) < 0) die("reader open");
        const nx_event_hdr_t *h;
        uint64_t got = 0, sum = 0;
        int rc;
        while ((rc = nx_journal_reader_next(rd, &h)) == 0) {
            sum += h->seq;
            got++;
        }
        nx_journal_reader_close(rd);
        double secs = nx_bench_secs(t0);
        if (rc != NX_EEND || got != n) die("replay");
        nx_bench_sink(sum);
        double rate = (double)got / secs;
        if (rate > best_replay) best_replay = rate;
    }
    nx_bench_emit("journal_replay", best_replay, "events/s");
    remove_dir(dir);
    return 0;
}
