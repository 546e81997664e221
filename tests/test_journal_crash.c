/*
 * The journal crash test. A child process appends events as fast as it is
 * allowed and reports over a pipe every seq the journal says is durable
 * (written to the pipe only after nx_journal_durable_seq() reached it, or
 * after an FSYNC_EACH append returned). The parent SIGKILLs it at a random
 * moment, then checks that the journal is a valid prefix — seqs contiguous
 * from 1, every CRC good, a torn tail at most — that holds every seq the
 * child reported, and that a new writer continues after it.
 *
 * Durability policies rotate EACH / INTERVAL / NONE (under NONE, "durable" is
 * "handed to the OS", which a process kill must not lose either). Segment
 * sizes are small and random so kills also land in segment roll-overs.
 * The journal directory is reused for several kills in a row, so recovery
 * runs on journals that were already recovered before.
 *
 * NX_CRASH_ITERATIONS (default 200), NX_CRASH_SEED (default 20261121).
 * A SIGKILL cannot lose page-cache data, so this proves the ordering and
 * acknowledgement logic, not the disk's behaviour under power loss.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nexus/event.h"
#include "nexus/journal.h"
#include "nexus/time.h"
#include "nx_test.h"

static void make_event(nx_event_t *ev, uint64_t seq) {
    if (seq % 5 == 0) {
        nx_event_init(ev, NX_EV_TIMER);
        ev->timer.timer_id = seq;
        ev->timer.user = seq ^ 0x5555;
    } else {
        nx_event_init(ev, NX_EV_TRADE);
        ev->trade.instrument = 3;
        ev->trade.price_scale = 2;
        ev->trade.price = (int64_t)(5000000 + seq % 977);
        ev->trade.qty = (int64_t)(seq % 13 + 1);
        ev->trade.trade_id = seq;
    }
    ev->h.seq = seq;
    ev->h.ts_recv = INT64_C(1700000000000000000) + (int64_t)seq;
}

static uint64_t env_u64(const char *name, uint64_t dflt) {
    const char *s = getenv(name);
    if (!s || !*s) return dflt;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 10) return dflt;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}

static void write_u64(int fd, uint64_t v) {
    ssize_t w;
    do w = write(fd, &v, sizeof v);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)sizeof v) _exit(3);
}

/* The child: append until killed (or 10 s pass). */
static void child_main(const char *dir, const nx_journal_options_t *o, int out) {
    nx_journal_t *j;
    if (nx_journal_open(dir, o, &j) < 0) {
        fprintf(stderr, "child: open: %s\n", nx_err_detail());
        _exit(2);
    }
    uint64_t reported = nx_journal_durable_seq(j);
    uint64_t s = nx_journal_last_seq(j);
    int64_t t_end = nx_mono_now() + 10 * NX_NS_PER_SEC;
    nx_event_t ev;
    for (;;) {
        make_event(&ev, ++s);
        if (nx_journal_append(j, &ev) < 0) {
            fprintf(stderr, "child: append: %s\n", nx_err_detail());
            _exit(2);
        }
        if (o->durability == NX_JOURNAL_FSYNC_EACH) {
            write_u64(out, s); /* append returned: durable */
            reported = s;
        } else if ((s & 15) == 0) {
            uint64_t d = nx_journal_durable_seq(j);
            if (d > reported) {
                write_u64(out, d);
                reported = d;
            }
            /* Pace the child so each run stays a few thousand events. */
            usleep(20);
        }
        if ((s & 1023) == 0 && nx_mono_now() > t_end) _exit(0);
    }
}

/* Read every seq the child reported; returns the largest. */
static uint64_t drain(int fd) {
    uint64_t v, max = 0;
    unsigned char buf[4096];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        have += (size_t)r;
        size_t k = 0;
        for (; k + 8 <= have; k += 8) {
            memcpy(&v, buf + k, 8);
            if (v > max) max = v;
        }
        memmove(buf, buf + k, have - k);
        have -= k;
    }
    return max;
}

/* Valid prefix check: contiguous 1..N, contents intact. Returns N. */
static uint64_t check_prefix(const char *dir) {
    nx_journal_stats_t st;
    int rc = nx_journal_verify(dir, 0, &st);
    if (rc != 0) fprintf(stderr, "verify %s: %s\n", dir, nx_err_detail());
    assert_int_equal(rc, 0);
    assert_int_equal(st.corruptions, 0);
    nx_journal_reader_t *r;
    assert_int_equal(nx_journal_reader_open(dir, 0, 0, &r), 0);
    const nx_event_hdr_t *h;
    uint64_t n = 0;
    while ((rc = nx_journal_reader_next(r, &h)) == 0) {
        assert_int_equal(h->seq, n + 1);
        nx_event_t want;
        make_event(&want, h->seq);
        assert_memory_equal(h, &want, want.h.size);
        n++;
    }
    assert_true(rc == NX_EEND || rc == NX_ETORN);
    nx_journal_reader_close(r);
    assert_int_equal(n, st.events);
    return n;
}

static void killed_writers_leave_a_valid_prefix_holding_every_durable_event(void **state) {
    (void)state;
    uint64_t iterations = env_u64("NX_CRASH_ITERATIONS", 200);
    uint64_t seed = env_u64("NX_CRASH_SEED", 20261121);
    nx_rng_t rng;
    nx_rng_seed(&rng, seed);
    nx_log_set_level(NX_LOG_ERROR); /* torn-tail warnings are expected here */
    char *root = nx_test_tmpdir("jcrash");
    char dir[1100] = "";
    uint64_t torn = 0, total_events = 0;
    const char *pol_name[] = {"", "each", "interval", "none"};
    uint64_t per_policy[4] = {0};
    int64_t t0 = nx_mono_now();

    for (uint64_t it = 0; it < iterations; it++) {
        if (it % 8 == 0) {
            if (dir[0]) nx_test_rmdir(dir);
            snprintf(dir, sizeof dir, "%s/j%llu", root, (unsigned long long)it);
        }
        nx_journal_options_t o;
        nx_journal_options_default(&o);
        o.durability = (nx_journal_fsync_t)(1 + it % 3);
        o.fsync_interval_ms = (uint32_t)(1 + nx_rng_below(&rng, 3));
        o.segment_size = 4096u << nx_rng_below(&rng, 5);
        o.buffer_size = 1u << 16;
        per_policy[o.durability]++;

        /* What the journal held before this child (it must keep all of it). */
        uint64_t before = dir[0] && access(dir, F_OK) == 0 ? check_prefix(dir) : 0;

        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            child_main(dir, &o, p[1]);
            _exit(0);
        }
        close(p[1]);
        usleep((useconds_t)(200 + nx_rng_below(&rng, 25000)));
        assert_int_equal(kill(pid, SIGKILL), 0);
        uint64_t durable = drain(p[0]);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        nx_journal_stats_t st;
        uint64_t n = 0;
        int vrc = nx_journal_verify(dir, 0, &st);
        if (vrc == NX_ENOTFOUND) {
            /* Killed before its journal existed (a fresh directory and a kill
             * within microseconds of fork): an empty journal, nothing durable. */
            assert_int_equal(durable, 0);
            assert_int_equal(before, 0);
        } else {
            assert_int_equal(vrc, 0);
            torn += (uint64_t)st.torn;
            n = check_prefix(dir);
        }
        if (n < durable || n < before) {
            fprintf(stderr,
                    "iteration %llu (seed %llu, %s): journal holds %llu events, child reported "
                    "%llu durable, %llu were there before\n",
                    (unsigned long long)it, (unsigned long long)seed, pol_name[o.durability],
                    (unsigned long long)n, (unsigned long long)durable,
                    (unsigned long long)before);
        }
        assert_true(n >= durable);
        assert_true(n >= before);
        total_events += n - before;

        /* A new writer recovers and continues right after the prefix. */
        nx_journal_t *j;
        int rc = nx_journal_open(dir, &o, &j);
        if (rc < 0) fprintf(stderr, "reopen: %s\n", nx_err_detail());
        assert_int_equal(rc, 0);
        assert_int_equal(nx_journal_last_seq(j), n);
        for (uint64_t s = n + 1; s <= n + 3; s++) {
            nx_event_t ev;
            make_event(&ev, s);
            assert_int_equal(nx_journal_append(j, &ev), 0);
        }
        assert_int_equal(nx_journal_close(j), 0);
        assert_int_equal(nx_journal_verify(dir, 0, &st), 0);
        assert_int_equal(st.torn, 0);
        assert_int_equal(st.last_seq, n + 3);
        assert_int_equal(st.events, n + 3);
    }
    fprintf(stderr,
            "crash test: %llu kills (each %llu, interval %llu, none %llu), seed %llu, %llu events "
            "written, %llu torn tails recovered, %.1f s\n",
            (unsigned long long)iterations, (unsigned long long)per_policy[1],
            (unsigned long long)per_policy[2], (unsigned long long)per_policy[3],
            (unsigned long long)seed, (unsigned long long)total_events, (unsigned long long)torn,
            (double)(nx_mono_now() - t0) / 1e9);
    nx_test_rmdir(root);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(killed_writers_leave_a_valid_prefix_holding_every_durable_event),
};

NX_TEST_MAIN(cases)
