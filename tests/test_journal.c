/*
 * Journal: round trips across segments, positioning, recovery of torn tails
 * at every byte, detection of every flipped byte, corruption in the middle
 * (stop and salvage), sticky I/O errors by fault injection, allocation
 * failures. The crash test (SIGKILL mid-write) is test_journal_crash.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/journal_int.h"
#include "nexus/event.h"
#include "nexus/journal.h"
#include "nx_test.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* Deterministic event for seq: a mix of trade (80), quote (96), timer (64). */
static void make_event(nx_event_t *ev, uint64_t seq) {
    if (seq % 7 == 0) {
        nx_event_init(ev, NX_EV_TIMER);
        ev->timer.timer_id = seq * 3;
        ev->timer.user = ~seq;
    } else if (seq % 3 == 0) {
        nx_event_init(ev, NX_EV_QUOTE);
        ev->quote.instrument = 7;
        ev->quote.price_scale = 2;
        ev->quote.qty_scale = 3;
        ev->quote.bid_price = (int64_t)(100000 + seq);
        ev->quote.ask_price = (int64_t)(100010 + seq);
        ev->quote.bid_qty = ev->quote.ask_qty = 1500;
    } else {
        nx_event_init(ev, NX_EV_TRADE);
        ev->trade.instrument = 7;
        ev->trade.aggressor = NX_SIDE_BUY;
        ev->trade.price_scale = 2;
        ev->trade.qty_scale = 3;
        ev->trade.price = (int64_t)(100000 + seq % 1000);
        ev->trade.qty = (int64_t)(seq % 50 + 1);
        ev->trade.trade_id = seq * 11;
    }
    ev->h.seq = seq;
    ev->h.ts_recv = INT64_C(1700000000000000000) + (int64_t)seq * 1000;
    ev->h.ts_venue = ev->h.ts_recv - 500;
    ev->h.trace_id = seq;
    ev->h.topic = 1;
}

static nx_journal_options_t opts(nx_journal_fsync_t d, uint64_t seg) {
    nx_journal_options_t o;
    nx_journal_options_default(&o);
    o.durability = d;
    o.segment_size = seg;
    o.buffer_size = 64 * 1024;
    return o;
}

/* Append seqs first..last with the given options, then close. */
static void write_journal(const char *dir, const nx_journal_options_t *o, uint64_t first,
                          uint64_t last) {
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, o, &j), 0);
    for (uint64_t s = first; s <= last; s++) {
        nx_event_t ev;
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
    }
    assert_int_equal(nx_journal_close(j), 0);
}

/* Read from `from`; checks every event equals make_event(seq) and seqs are
 * contiguous. Returns the count; *end gets the final return code. */
static uint64_t read_all(const char *dir, uint64_t from, unsigned flags, uint64_t *first,
                         uint64_t *last, int *end) {
    nx_journal_reader_t *r;
    assert_int_equal(nx_journal_reader_open(dir, from, flags, &r), 0);
    const nx_event_hdr_t *h;
    uint64_t n = 0, prev = 0;
    int rc;
    *first = *last = 0;
    while ((rc = nx_journal_reader_next(r, &h)) == 0) {
        nx_event_t want;
        make_event(&want, h->seq);
        assert_int_equal(h->size, want.h.size);
        assert_memory_equal(h, &want, want.h.size);
        assert_true(h->seq > prev);
        if (!(flags & NX_JOURNAL_SALVAGE) && prev) assert_int_equal(h->seq, prev + 1);
        if (!n) *first = h->seq;
        prev = *last = h->seq;
        n++;
    }
    *end = rc;
    assert_int_equal(nx_journal_reader_next(r, &h), NX_EEND); /* ended stays ended */
    nx_journal_reader_close(r);
    return n;
}

static char *seg_path(const char *dir, size_t index) {
    static char buf[1024];
    uint64_t *segs;
    size_t n;
    assert_int_equal(nx__seg_list(dir, &segs, &n), 0);
    assert_true(index < n);
    char name[NX_JOURNAL_SEG_NAME_MAX];
    nx__seg_name(segs[index], name);
    nx_free(segs);
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static size_t seg_count(const char *dir) {
    uint64_t *segs;
    size_t n;
    assert_int_equal(nx__seg_list(dir, &segs, &n), 0);
    nx_free(segs);
    return n;
}

static unsigned char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    unsigned char *b = nx_malloc((size_t)st.st_size + 1);
    assert_non_null(b);
    assert_int_equal(pread(fd, b, (size_t)st.st_size, 0), st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return b;
}

static void put(const char *path, const unsigned char *b, size_t len) {
    nx_test_write_file(path, (const char *)b, len);
}

static off_t file_size(const char *path) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* Offsets of the records in a segment image (first n_max). */
static size_t record_offsets(const unsigned char *b, size_t len, size_t *offs, size_t n_max) {
    size_t n = 0, off = NX_JOURNAL_SEG_HDR_SIZE;
    while (off + 8 <= len && n < n_max) {
        uint32_t l;
        memcpy(&l, b + off, 4);
        offs[n++] = off;
        off += (size_t)nx__rec_frame(l);
    }
    return n;
}

/* ------------------------------------------------------------------------- */
/* Round trips and positioning                                               */
/* ------------------------------------------------------------------------- */

static void events_round_trip_across_several_segments(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jrt");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    write_journal(dir, &o, 1, 2000);
    assert_true(seg_count(dir) >= 20);
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 2000);
    assert_int_equal(end, NX_EEND);
    assert_int_equal(first, 1);
    assert_int_equal(last, 2000);

    nx_journal_stats_t st;
    assert_int_equal(nx_journal_verify(dir, 0, &st), 0);
    assert_int_equal(st.events, 2000);
    assert_int_equal(st.segments, seg_count(dir));
    assert_int_equal(st.first_seq, 1);
    assert_int_equal(st.last_seq, 2000);
    assert_int_equal(st.first_ts, INT64_C(1700000000000000000) + 1000);
    assert_int_equal(st.last_ts, INT64_C(1700000000000000000) + 2000 * 1000);
    assert_int_equal(st.torn, 0);
    assert_int_equal(st.corruptions, 0);
    uint64_t timers = 0, quotes = 0, trades = 0, bytes = 0;
    for (uint64_t s = 1; s <= 2000; s++) {
        nx_event_t ev;
        make_event(&ev, s);
        bytes += 8 + ev.h.size;
        if (ev.h.type == NX_EV_TIMER) timers++;
        else if (ev.h.type == NX_EV_QUOTE) quotes++;
        else trades++;
    }
    assert_int_equal(st.record_bytes, bytes);
    assert_int_equal(st.file_bytes, bytes + 64 * st.segments);
    assert_int_equal(st.ntypes, 3);
    for (size_t i = 0; i < st.ntypes; i++) {
        uint64_t want = st.types[i].type == NX_EV_TIMER   ? timers
                        : st.types[i].type == NX_EV_QUOTE ? quotes
                                                          : trades;
        assert_int_equal(st.types[i].count, want);
    }
    /* No segment exceeds the configured size. */
    for (size_t i = 0; i < st.segments; i++) assert_true(file_size(seg_path(dir, i)) <= 4096);
    nx_test_rmdir(dir);
}

static void a_reader_starts_at_any_sequence_number(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jfrom");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    write_journal(dir, &o, 1, 1000);
    uint64_t first, last;
    int end;
    /* Every seq: first, middle, segment boundaries, last. */
    for (uint64_t from = 0; from <= 1000; from += (from < 60 || from > 990) ? 1 : 37) {
        uint64_t want_first = from ? from : 1;
        uint64_t n = read_all(dir, from, 0, &first, &last, &end);
        assert_int_equal(n, 1000 - want_first + 1);
        assert_int_equal(first, want_first);
        assert_int_equal(last, 1000);
        assert_int_equal(end, NX_EEND);
    }
    /* Exactly at each segment's first seq and just before it. */
    uint64_t *segs;
    size_t ns;
    assert_int_equal(nx__seg_list(dir, &segs, &ns), 0);
    for (size_t i = 0; i < ns; i++) {
        assert_int_equal(read_all(dir, segs[i], 0, &first, &last, &end), 1000 - segs[i] + 1);
        assert_int_equal(first, segs[i]);
        assert_int_equal(read_all(dir, segs[i] - 1 ? segs[i] - 1 : 1, 0, &first, &last, &end),
                         1000 - (segs[i] - 1 ? segs[i] - 1 : 1) + 1);
    }
    nx_free(segs);
    /* Past the end: nothing, cleanly. */
    assert_int_equal(read_all(dir, 1001, 0, &first, &last, &end), 0);
    assert_int_equal(end, NX_EEND);
    assert_int_equal(read_all(dir, UINT64_MAX, 0, &first, &last, &end), 0);
    nx_test_rmdir(dir);
}

static void an_empty_or_missing_journal_reads_as_end_or_not_found(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jempty");
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 0);
    assert_int_equal(end, NX_EEND);
    nx_journal_stats_t st;
    assert_int_equal(nx_journal_verify(dir, 0, &st), 0);
    assert_int_equal(st.events, 0);
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/nope", dir);
    nx_journal_reader_t *r;
    assert_int_equal(nx_journal_reader_open(missing, 0, 0, &r), NX_ENOTFOUND);
    /* Opening a writer and closing it without appending leaves no segment. */
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, NULL, &j), 0);
    assert_int_equal(nx_journal_close(j), 0);
    assert_int_equal(seg_count(dir), 0);
    nx_test_rmdir(dir);
}

static void reopening_continues_after_the_last_sequence_number(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jreopen");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_INTERVAL, 8192);
    write_journal(dir, &o, 1, 300);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_journal_recovery_t rec;
    nx_journal_recovery(j, &rec);
    assert_int_equal(rec.last_seq, 300);
    assert_int_equal(rec.truncated_bytes, 0);
    assert_int_equal(nx_journal_last_seq(j), 300);
    assert_int_equal(nx_journal_durable_seq(j), 300);
    /* A seq that does not increase is refused, and is not sticky. */
    nx_event_t ev;
    make_event(&ev, 300);
    assert_int_equal(nx_journal_append(j, &ev), NX_EINVAL);
    make_event(&ev, 17);
    assert_int_equal(nx_journal_append(j, &ev), NX_EINVAL);
    /* A malformed record is refused too. */
    make_event(&ev, 301);
    ev.h.size = 72; /* a trade is 80 */
    assert_int_equal(nx_journal_append(j, &ev), NX_EINVAL);
    for (uint64_t s = 301; s <= 599; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
    }
    /* seq 0: the journal numbers it. */
    make_event(&ev, 600);
    ev.h.seq = 0;
    assert_int_equal(nx_journal_append(j, &ev), 0);
    assert_int_equal(nx_journal_last_seq(j), 600);
    assert_int_equal(nx_journal_sync(j), 0);
    assert_int_equal(nx_journal_durable_seq(j), 600);
    assert_int_equal(nx_journal_close(j), 0);
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 600);
    assert_int_equal(last, 600);
    nx_test_rmdir(dir);
}

static void a_second_writer_on_the_same_directory_is_refused(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jbusy");
    nx_journal_t *a, *b;
    assert_int_equal(nx_journal_open(dir, NULL, &a), 0);
    assert_int_equal(nx_journal_open(dir, NULL, &b), NX_EBUSY);
    assert_int_equal(nx_journal_close(a), 0);
    assert_int_equal(nx_journal_open(dir, NULL, &b), 0);
    assert_int_equal(nx_journal_close(b), 0);
    nx_test_rmdir(dir);
}

static void invalid_options_are_a_configuration_error(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jopt");
    nx_journal_t *j;
    nx_journal_options_t o;
    nx_journal_options_default(&o);
    o.buffer_size = 100000; /* not a power of two */
    assert_int_equal(nx_journal_open(dir, &o, &j), NX_ECONFIG);
    nx_journal_options_default(&o);
    o.segment_size = 100;
    assert_int_equal(nx_journal_open(dir, &o, &j), NX_ECONFIG);
    nx_journal_options_default(&o);
    o.durability = (nx_journal_fsync_t)9;
    assert_int_equal(nx_journal_open(dir, &o, &j), NX_ECONFIG);
    nx_test_rmdir(dir);
}

static void fsync_each_makes_every_append_durable_before_returning(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jeach");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_EACH, 4096);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_event_t ev;
    for (uint64_t s = 1; s <= 60; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
        assert_int_equal(nx_journal_durable_seq(j), s);
    }
    /* Group commit: a batch is durable as a whole when the call returns. */
    nx_event_t batch[40];
    const void *ptrs[40];
    for (int i = 0; i < 40; i++) {
        make_event(&batch[i], 61 + (uint64_t)i);
        ptrs[i] = &batch[i];
    }
    assert_int_equal(nx_journal_append_batch(j, ptrs, 40), 0);
    assert_int_equal(nx_journal_durable_seq(j), 100);
    /* A bad event in a batch: the ones before it are in, the error is returned. */
    make_event(&batch[0], 101);
    make_event(&batch[1], 101); /* repeats */
    assert_int_equal(nx_journal_append_batch(j, ptrs, 2), NX_EINVAL);
    assert_int_equal(nx_journal_durable_seq(j), 101);
    assert_int_equal(nx_journal_close(j), 0);
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 101);
    nx_test_rmdir(dir);
}

static void interval_durability_catches_up_without_explicit_sync(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jint");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_INTERVAL, 0);
    o.fsync_interval_ms = 2;
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_event_t ev;
    for (uint64_t s = 1; s <= 50; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
    }
    /* The writer thread polls every ms and syncs every 2 ms: wait for it. */
    for (int i = 0; i < 5000 && nx_journal_durable_seq(j) < 50; i++) usleep(1000);
    assert_int_equal(nx_journal_durable_seq(j), 50);
    assert_int_equal(nx_journal_close(j), 0);
    nx_test_rmdir(dir);
}

/* ------------------------------------------------------------------------- */
/* Torn tails and recovery                                                   */
/* ------------------------------------------------------------------------- */

static void a_tail_cut_at_every_byte_of_the_last_record_is_recovered(void **state) {
    (void)state;
    nx_log_set_level(NX_LOG_ERROR); /* the truncation warnings are expected */
    char *dir = nx_test_tmpdir("jcut");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 0);
    write_journal(dir, &o, 1, 20);
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, 0));
    size_t len;
    unsigned char *img = slurp(path, &len);
    size_t offs[32];
    size_t n = record_offsets(img, len, offs, 32);
    assert_int_equal(n, 20);
    size_t lastrec = offs[19];
    for (size_t cut = lastrec; cut < len; cut++) {
        put(path, img, cut);
        uint64_t first, last;
        int end;
        /* Readers see 19 events and a torn tail (none when cut on the boundary). */
        assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 19);
        assert_int_equal(end, cut == lastrec ? NX_EEND : NX_ETORN);
        nx_journal_stats_t st;
        assert_int_equal(nx_journal_verify(dir, 0, &st), 0);
        assert_int_equal(st.torn, cut != lastrec);
        if (st.torn) {
            assert_int_equal(st.torn_offset, lastrec);
            assert_int_equal(st.torn_bytes, cut - lastrec);
        }
        /* The writer cuts the tail and continues at seq 20. */
        nx_journal_t *j;
        assert_int_equal(nx_journal_open(dir, &o, &j), 0);
        nx_journal_recovery_t rec;
        nx_journal_recovery(j, &rec);
        assert_int_equal(rec.last_seq, 19);
        assert_int_equal(rec.truncated_bytes, cut - lastrec);
        assert_int_equal(file_size(path), (off_t)lastrec);
        nx_event_t ev;
        make_event(&ev, 20);
        assert_int_equal(nx_journal_append(j, &ev), 0);
        assert_int_equal(nx_journal_close(j), 0);
        assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 20);
        assert_int_equal(end, NX_EEND);
        assert_int_equal(file_size(path), (off_t)len);
    }
    nx_free(img);
    nx_test_rmdir(dir);
}

static void a_segment_cut_inside_its_header_is_removed_on_reopen(void **state) {
    (void)state;
    nx_log_set_level(NX_LOG_ERROR); /* the truncation warnings are expected */
    char *dir = nx_test_tmpdir("jhcut");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    write_journal(dir, &o, 1, 200);
    size_t ns = seg_count(dir);
    assert_true(ns >= 3);
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, ns - 1));
    size_t len;
    unsigned char *img = slurp(path, &len);
    uint64_t first_of_last;
    assert_int_equal(nx__seg_parse_name(strrchr(path, '/') + 1, &first_of_last), 0);
    for (size_t cut = 0; cut <= NX_JOURNAL_SEG_HDR_SIZE; cut++) {
        put(path, img, cut);
        uint64_t first, last;
        int end;
        /* cut == 64: a complete header and no record: simply the end. */
        assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), first_of_last - 1);
        assert_int_equal(end, cut == NX_JOURNAL_SEG_HDR_SIZE ? NX_EEND : NX_ETORN);
        nx_journal_t *j;
        assert_int_equal(nx_journal_open(dir, &o, &j), 0);
        nx_journal_recovery_t rec;
        nx_journal_recovery(j, &rec);
        assert_int_equal(rec.removed_segments, 1);
        assert_int_equal(rec.last_seq, first_of_last - 1);
        assert_int_equal(nx_journal_close(j), 0);
        assert_int_equal(seg_count(dir), ns - 1);
    }
    /* A zero-filled header with nothing behind it is an interrupted creation
     * too; with valid records behind it, it is corruption and is kept. */
    memset(img, 0, NX_JOURNAL_SEG_HDR_SIZE);
    put(path, img, len);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), NX_ECORRUPT);
    nx_journal_stats_t st;
    assert_int_equal(nx_journal_verify(dir, 0, &st), NX_ECORRUPT);
    assert_int_equal(nx_journal_verify(dir, NX_JOURNAL_SALVAGE, &st), NX_ECORRUPT);
    assert_int_equal(st.events, 200);
    memset(img, 0, len);
    put(path, img, len);
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    assert_int_equal(nx_journal_close(j), 0);
    assert_int_equal(seg_count(dir), ns - 1);
    nx_free(img);
    nx_test_rmdir(dir);
}

static void a_zero_filled_tail_is_torn_and_truncated(void **state) {
    (void)state;
    nx_log_set_level(NX_LOG_ERROR); /* the truncation warnings are expected */
    char *dir = nx_test_tmpdir("jzero");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 0);
    write_journal(dir, &o, 1, 50);
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, 0));
    off_t len = file_size(path);
    assert_int_equal(truncate(path, len + 8192), 0); /* zero fill, like preallocation */
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 50);
    assert_int_equal(end, NX_ETORN);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_journal_recovery_t rec;
    nx_journal_recovery(j, &rec);
    assert_int_equal(rec.truncated_bytes, 8192);
    assert_int_equal(rec.torn_offset, (uint64_t)len);
    assert_int_equal(nx_journal_close(j), 0);
    assert_int_equal(file_size(path), len);
    nx_test_rmdir(dir);
}

/* ------------------------------------------------------------------------- */
/* Corruption                                                                */
/* ------------------------------------------------------------------------- */

static void every_flipped_byte_of_a_record_is_detected(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jflip");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 0);
    write_journal(dir, &o, 1, 10);
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, 0));
    size_t len;
    unsigned char *img = slurp(path, &len);
    size_t offs[16];
    assert_int_equal(record_offsets(img, len, offs, 16), 10);
    unsigned char *bad = nx_malloc(len);
    assert_non_null(bad);
    /* A record in the middle (seq 5): corruption at its offset; the last
     * record (seq 10): indistinguishable from a torn write, reported as torn. */
    const size_t which[2] = {4, 9};
    for (int w = 0; w < 2; w++) {
        size_t at = offs[which[w]];
        size_t frame = (w == 0 ? offs[5] : len) - at;
        for (size_t i = 0; i < frame; i++) {
            memcpy(bad, img, len);
            bad[at + i] ^= (unsigned char)(1u << (i % 8));
            put(path, bad, len);
            nx_journal_reader_t *r;
            assert_int_equal(nx_journal_reader_open(dir, 0, 0, &r), 0);
            const nx_event_hdr_t *h;
            int rc;
            uint64_t n = 0;
            while ((rc = nx_journal_reader_next(r, &h)) == 0) {
                nx_event_t want;
                make_event(&want, h->seq);
                assert_memory_equal(h, &want, want.h.size); /* nothing wrong slips through */
                n++;
            }
            nx_journal_reader_info_t info;
            nx_journal_reader_info(r, &info);
            nx_journal_reader_close(r);
            assert_int_equal(n, which[w]);
            if (w == 0) {
                assert_int_equal(rc, NX_ECORRUPT);
                assert_int_equal(info.corruptions, 1);
                assert_int_equal(info.corrupt[0].offset, at);
                char want[64];
                snprintf(want, sizeof want, ".nxj:%zu: ", at);
                assert_non_null(strstr(nx_err_message(), want));
                /* Salvage skips exactly the bad record. */
                uint64_t first, last;
                int end;
                assert_int_equal(read_all(dir, 0, NX_JOURNAL_SALVAGE, &first, &last, &end), 9);
                assert_int_equal(end, NX_EEND);
            } else {
                assert_int_equal(rc, NX_ETORN);
                assert_int_equal(info.torn_offset, at);
            }
        }
    }
    /* Every byte of the segment header. */
    for (size_t i = 0; i < NX_JOURNAL_SEG_HDR_SIZE; i++) {
        memcpy(bad, img, len);
        bad[i] ^= 0x20;
        put(path, bad, len);
        nx_journal_stats_t st;
        assert_int_equal(nx_journal_verify(dir, 0, &st), NX_ECORRUPT);
        assert_int_equal(st.ncorrupt, 1);
        assert_int_equal(st.corrupt[0].offset, 0);
        assert_int_equal(st.events, 0);
        /* The writer refuses to touch it. */
        nx_journal_t *j;
        assert_int_equal(nx_journal_open(dir, &o, &j), NX_ECORRUPT);
        assert_int_equal(file_size(path), (off_t)len);
        /* Salvage reads the intact records behind the bad header. */
        assert_int_equal(nx_journal_verify(dir, NX_JOURNAL_SALVAGE, &st), NX_ECORRUPT);
        assert_int_equal(st.events, 10);
    }
    nx_free(bad);
    nx_free(img);
    nx_test_rmdir(dir);
}

static void corruption_in_the_middle_stops_the_reader_with_its_offset_unless_salvaging(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jmid");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    write_journal(dir, &o, 1, 600);
    size_t ns = seg_count(dir);
    assert_true(ns >= 4);
    /* Zero a record in the middle of segment 1 (not the last). */
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, 1));
    size_t len;
    unsigned char *img = slurp(path, &len);
    size_t offs[128];
    size_t n = record_offsets(img, len, offs, 128);
    assert_true(n > 10);
    unsigned char *bad = nx_malloc(len);
    memcpy(bad, img, len);
    memset(bad + offs[5], 0, offs[6] - offs[5]);
    put(path, bad, len);

    nx_journal_stats_t st;
    assert_int_equal(nx_journal_verify(dir, 0, &st), NX_ECORRUPT);
    assert_int_equal(st.ncorrupt, 1);
    assert_int_equal(st.corrupt[0].offset, offs[5]);
    assert_string_equal(st.corrupt[0].segment, strrchr(path, '/') + 1);
    char want[1200];
    snprintf(want, sizeof want, "%s:%zu: ", path, offs[5]);
    assert_non_null(strstr(nx_err_message(), want));

    uint64_t first, last;
    int end;
    uint64_t got = read_all(dir, 0, NX_JOURNAL_SALVAGE, &first, &last, &end);
    assert_int_equal(got, 599);
    assert_int_equal(last, 600);
    assert_int_equal(nx_journal_verify(dir, NX_JOURNAL_SALVAGE, &st), NX_ECORRUPT);
    assert_int_equal(st.events, 599);
    assert_int_equal(st.corruptions, 1);
    assert_int_equal(st.skipped_bytes, offs[6] - offs[5]);

    /* The end of a non-last segment cut off: corruption, not a torn tail. */
    put(path, img, offs[n - 1] + 5);
    assert_int_equal(nx_journal_verify(dir, 0, &st), NX_ECORRUPT);
    assert_int_equal(st.torn, 0);
    assert_int_equal(st.corrupt[0].offset, offs[n - 1]);
    assert_int_equal(nx_journal_verify(dir, NX_JOURNAL_SALVAGE, &st), NX_ECORRUPT);
    assert_int_equal(st.events, 599);

    /* A bad segment header in the middle: stop at offset 0, salvage reads on. */
    put(path, img, len);
    snprintf(path, sizeof path, "%s", seg_path(dir, 2));
    size_t len2;
    unsigned char *img2 = slurp(path, &len2);
    img2[3] ^= 1;
    put(path, img2, len2);
    assert_int_equal(nx_journal_verify(dir, 0, &st), NX_ECORRUPT);
    assert_int_equal(st.corrupt[0].offset, 0);
    assert_string_equal(st.corrupt[0].segment, strrchr(path, '/') + 1);
    assert_int_equal(nx_journal_verify(dir, NX_JOURNAL_SALVAGE, &st), NX_ECORRUPT);
    assert_int_equal(st.events, 600);
    assert_int_equal(read_all(dir, 0, NX_JOURNAL_SALVAGE, &first, &last, &end), 600);
    nx_free(img2);
    nx_free(bad);
    nx_free(img);
    nx_test_rmdir(dir);
}

static void corruption_followed_by_valid_records_in_the_last_segment_is_not_truncated(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jlastmid");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 0);
    write_journal(dir, &o, 1, 30);
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, 0));
    size_t len;
    unsigned char *img = slurp(path, &len);
    size_t offs[32];
    assert_int_equal(record_offsets(img, len, offs, 32), 30);
    img[offs[10] + 20] ^= 0xff;
    put(path, img, len);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), NX_ECORRUPT);
    assert_non_null(strstr(nx_err_message(), "corruption in the middle"));
    assert_int_equal(file_size(path), (off_t)len);
    nx_free(img);
    nx_test_rmdir(dir);
}

static void a_sequence_number_that_goes_backwards_is_corruption(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jback");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 0);
    write_journal(dir, &o, 1, 10);
    char path[1100];
    snprintf(path, sizeof path, "%s", seg_path(dir, 0));
    size_t len;
    unsigned char *img = slurp(path, &len);
    size_t offs[16];
    assert_int_equal(record_offsets(img, len, offs, 16), 10);
    /* Rewrite record 6 with seq 2 and a correct CRC. */
    unsigned char *ev = img + offs[5] + 8;
    uint64_t two = 2;
    memcpy(ev + offsetof(nx_event_hdr_t, seq), &two, 8);
    uint32_t l;
    memcpy(&l, img + offs[5], 4);
    uint32_t crc = nx__rec_crc(l, ev);
    memcpy(img + offs[5] + 4, &crc, 4);
    put(path, img, len);
    nx_journal_stats_t st;
    assert_int_equal(nx_journal_verify(dir, 0, &st), NX_ECORRUPT);
    assert_int_equal(st.corrupt[0].offset, offs[5]);
    assert_non_null(strstr(st.corrupt[0].reason, "sequence"));
    nx_free(img);
    nx_test_rmdir(dir);
}

/* ------------------------------------------------------------------------- */
/* I/O faults and allocation failures                                        */
/* ------------------------------------------------------------------------- */

static void a_failed_write_makes_the_journal_refuse_further_appends(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jwfail");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 0);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_event_t ev;
    for (uint64_t s = 1; s <= 100; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
    }
    assert_int_equal(nx_journal_flush(j), 0);
    nx__journal_fault(NX__JFAULT_WRITE, 1, ENOSPC);
    for (uint64_t s = 101; s <= 150; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0); /* buffered: not known yet */
    }
    assert_int_equal(nx_journal_flush(j), NX_EIO);
    assert_non_null(strstr(nx_err_message(), "sticky"));
    assert_non_null(strstr(nx_err_message(), strerror(ENOSPC)));
    make_event(&ev, 151);
    assert_int_equal(nx_journal_append(j, &ev), NX_EIO);
    assert_int_equal(nx_journal_sync(j), NX_EIO);
    assert_int_equal(nx_journal_error(j), NX_EIO);
    assert_int_equal(nx_journal_durable_seq(j), 100); /* never claims the lost ones */
    assert_int_equal(nx_journal_close(j), NX_EIO);
    /* What reached the file is a valid prefix; a new writer continues. */
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 100);
    write_journal(dir, &o, 101, 120);
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 120);
    nx_test_rmdir(dir);
}

static void a_failed_fdatasync_is_sticky_under_fsync_each(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jsfail");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_EACH, 0);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_event_t ev;
    make_event(&ev, 1);
    assert_int_equal(nx_journal_append(j, &ev), 0);
    nx__journal_fault(NX__JFAULT_FSYNC, 1, EIO);
    make_event(&ev, 2);
    assert_int_equal(nx_journal_append(j, &ev), NX_EIO);
    assert_int_equal(nx_journal_durable_seq(j), 1);
    make_event(&ev, 3);
    assert_int_equal(nx_journal_append(j, &ev), NX_EIO);
    assert_int_equal(nx_journal_close(j), NX_EIO);
    nx_test_rmdir(dir);
}

static void short_writes_are_completed(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jshort");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 16384);
    nx__journal_fault(NX__JFAULT_SHORT, 1, 0);
    write_journal(dir, &o, 1, 3000);
    nx__journal_fault(NX__JFAULT_OFF, 0, 0);
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 3000);
    assert_int_equal(end, NX_EEND);
    nx_test_rmdir(dir);
}

static void allocation_failures_on_open_fail_cleanly_without_leaks(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jalloc");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    write_journal(dir, &o, 1, 100); /* so open also recovers (lists segments) */
    nx_alloc_stats_t base, now;
    nx_alloc_stats(&base);
    int opened = 0;
    for (uint64_t n = 1; n < 50 && !opened; n++) {
        nx_journal_t *j = NULL;
        nx_alloc_fail_at(n, 0);
        int rc = nx_journal_open(dir, &o, &j);
        nx_alloc_fail_at(0, 0);
        if (rc == 0) {
            opened = 1;
            assert_int_equal(nx_journal_close(j), 0);
        } else {
            assert_int_equal(rc, NX_ENOMEM);
        }
        nx_alloc_stats(&now);
        assert_int_equal(now.bytes, base.bytes);
    }
    assert_true(opened);
    /* The reader too. */
    opened = 0;
    for (uint64_t n = 1; n < 50 && !opened; n++) {
        nx_journal_reader_t *r = NULL;
        nx_alloc_fail_at(n, 0);
        int rc = nx_journal_reader_open(dir, 0, 0, &r);
        nx_alloc_fail_at(0, 0);
        if (rc == 0) {
            opened = 1;
            nx_journal_reader_close(r);
        } else {
            assert_int_equal(rc, NX_ENOMEM);
        }
        nx_alloc_stats(&now);
        assert_int_equal(now.bytes, base.bytes);
    }
    assert_true(opened);
    uint64_t first, last;
    int end;
    assert_int_equal(read_all(dir, 0, 0, &first, &last, &end), 100);
    nx_test_rmdir(dir);
}

static void appends_allocate_nothing_after_open(void **state) {
    (void)state;
    char *dir = nx_test_tmpdir("jnoalloc");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_alloc_stats_t a, b;
    nx_alloc_stats(&a);
    nx_event_t ev;
    for (uint64_t s = 1; s <= 5000; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
    }
    assert_int_equal(nx_journal_flush(j), 0);
    nx_alloc_stats(&b);
    assert_int_equal(b.calls, a.calls);
    assert_int_equal(nx_journal_close(j), 0);
    nx_test_rmdir(dir);
}

/* ------------------------------------------------------------------------- */
/* Fixture for tests/sh_cli_journal.sh                                       */
/* ------------------------------------------------------------------------- */

/*
 * Writes a small journal with topic definitions into $NX_JOURNAL_FIXTURE
 * (the CLI test runs this case alone with that variable set), else into a
 * temporary directory, and checks it.
 */
static void a_sample_journal_for_the_cli_test_verifies(void **state) {
    (void)state;
    const char *env = getenv("NX_JOURNAL_FIXTURE");
    char *dir = env && *env ? (char *)env : nx_test_tmpdir("jfix");
    nx_journal_options_t o = opts(NX_JOURNAL_FSYNC_NONE, 4096);
    nx_journal_t *j;
    assert_int_equal(nx_journal_open(dir, &o, &j), 0);
    nx_event_t ev;
    nx_event_init(&ev, NX_EV_TOPIC_DEF);
    ev.h.seq = 1;
    ev.h.ts_recv = INT64_C(1700000000000000000);
    ev.topic_def.topic_id = 1;
    ev.topic_def.name_len = (uint16_t)strlen("md.binance.btcusdt");
    memcpy(ev.topic_def.name, "md.binance.btcusdt", ev.topic_def.name_len);
    assert_int_equal(nx_journal_append(j, &ev), 0);
    for (uint64_t s = 2; s <= 200; s++) {
        make_event(&ev, s);
        assert_int_equal(nx_journal_append(j, &ev), 0);
    }
    assert_int_equal(nx_journal_close(j), 0);
    nx_journal_stats_t st;
    assert_int_equal(nx_journal_verify(dir, 0, &st), 0);
    assert_int_equal(st.events, 200);
    assert_true(st.segments >= 3);
    if (!(env && *env)) nx_test_rmdir(dir);
}

static const struct CMUnitTest cases[] = {
    NX_CASE(events_round_trip_across_several_segments),
    NX_CASE(a_reader_starts_at_any_sequence_number),
    NX_CASE(an_empty_or_missing_journal_reads_as_end_or_not_found),
    NX_CASE(reopening_continues_after_the_last_sequence_number),
    NX_CASE(a_second_writer_on_the_same_directory_is_refused),
    NX_CASE(invalid_options_are_a_configuration_error),
    NX_CASE(fsync_each_makes_every_append_durable_before_returning),
    NX_CASE(interval_durability_catches_up_without_explicit_sync),
    NX_CASE(a_tail_cut_at_every_byte_of_the_last_record_is_recovered),
    NX_CASE(a_segment_cut_inside_its_header_is_removed_on_reopen),
    NX_CASE(a_zero_filled_tail_is_torn_and_truncated),
    NX_CASE(every_flipped_byte_of_a_record_is_detected),
    NX_CASE(corruption_in_the_middle_stops_the_reader_with_its_offset_unless_salvaging),
    NX_CASE(corruption_followed_by_valid_records_in_the_last_segment_is_not_truncated),
    NX_CASE(a_sequence_number_that_goes_backwards_is_corruption),
    NX_CASE(a_failed_write_makes_the_journal_refuse_further_appends),
    NX_CASE(a_failed_fdatasync_is_sticky_under_fsync_each),
    NX_CASE(short_writes_are_completed),
    NX_CASE(allocation_failures_on_open_fail_cleanly_without_leaks),
    NX_CASE(appends_allocate_nothing_after_open),
    NX_CASE(a_sample_journal_for_the_cli_test_verifies),
};

NX_TEST_MAIN(cases)
