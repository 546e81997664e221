/*
 * libFuzzer target for the journal's readers of untrusted bytes: the reader
 * (with and without salvage), verify, and the writer's open-time recovery.
 *
 * Input: byte 0 selects the shape, the rest is segment content.
 *   bit 0  prepend a valid segment header (first_seq 1) to the content
 *   bit 1  split the content in two segments (byte 1 picks where); the
 *          second gets a valid header for first_seq 1000 when bit 0 is set
 *   bit 2  fix up record CRCs: walk the content as records and recompute
 *          each CRC, so the fuzzer reaches the structural checks behind it
 *
 * Properties checked (abort on violation): nothing crashes or leaks
 * (nx_alloc_stats back to baseline), readers terminate, and when recovery
 * of a one-segment journal succeeds, the journal then verifies clean and
 * takes an append.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal/journal_int.h"
#include "nexus/journal.h"

static char nx__dir[256];

static void nx__write(const char *name, const unsigned char *a, size_t alen,
                      const unsigned char *b, size_t blen) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", nx__dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (alen && fwrite(a, 1, alen, f) != alen) abort();
    if (blen && fwrite(b, 1, blen, f) != blen) abort();
    if (fclose(f) != 0) abort();
}

static void nx__clean(void) {
    uint64_t *segs = NULL;
    size_t n = 0;
    if (nx__seg_list(nx__dir, &segs, &n) < 0) abort();
    for (size_t i = 0; i < n; i++) {
        char name[NX_JOURNAL_SEG_NAME_MAX], path[512];
        nx__seg_name(segs[i], name);
        snprintf(path, sizeof path, "%s/%s", nx__dir, name);
        unlink(path);
    }
    nx_free(segs);
}

static void nx__fix_crcs(unsigned char *p, size_t len) {
    size_t off = 0;
    while (off + 8 <= len) {
        uint32_t l;
        memcpy(&l, p + off, 4);
        if (l < 48 || l > NX_EVENT_MAX) {
            off += 8;
            continue;
        }
        size_t frame = (size_t)nx__rec_frame(l);
        if (len - off < frame) break;
        /* Keep h.size consistent so the event check has something to do. */
        uint16_t sz = (uint16_t)l;
        memcpy(p + off + 8 + offsetof(nx_event_hdr_t, size), &sz, 2);
        uint32_t crc = nx__rec_crc(l, p + off + 8);
        memcpy(p + off + 4, &crc, 4);
        off += frame;
    }
}

static uint64_t nx__read(unsigned flags) {
    nx_journal_reader_t *r;
    if (nx_journal_reader_open(nx__dir, 0, flags, &r) < 0) return 0;
    const nx_event_hdr_t *h;
    uint64_t n = 0, prev = 0;
    while (nx_journal_reader_next(r, &h) == 0) {
        if (h->seq <= prev || nx_event_check(h, h->size) < 0) abort();
        prev = h->seq;
        n++;
    }
    nx_journal_reader_close(r);
    return n;
}

/* At exit: the segments are gone after each input; the writer's LOCK stays. */
static void nx__rmdir(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/LOCK", nx__dir);
    unlink(path);
    rmdir(nx__dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!nx__dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(nx__dir, sizeof nx__dir, "%s/nx-fuzz-journal-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(nx__dir)) abort();
        atexit(nx__rmdir);
        nx_log_set_level(NX_LOG_OFF);
    }
    if (size < 2 || size > 65536) return 0;
    unsigned mode = data[0];
    size_t split = (size_t)data[1] * (size - 2) / 255;
    unsigned char *body = nx_malloc(size);
    if (!body) abort();
    size_t blen = size - 2;
    memcpy(body, data + 2, blen);
    if (mode & 4) nx__fix_crcs(body, blen);

    nx_alloc_stats_t base, now;
    nx_alloc_stats(&base);

    nx_journal_seg_hdr_t h1, h2;
    nx__seg_hdr_make(&h1, 0, 1, 0);
    nx__seg_hdr_make(&h2, 1, 1000, 0);
    char n1[NX_JOURNAL_SEG_NAME_MAX], n2[NX_JOURNAL_SEG_NAME_MAX];
    nx__seg_name(1, n1);
    nx__seg_name(1000, n2);
    int two = (mode & 2) != 0;
    size_t first_len = two ? split : blen;
    nx__write(n1, (mode & 1) ? (const unsigned char *)&h1 : NULL, (mode & 1) ? sizeof h1 : 0, body,
              first_len);
    if (two)
        nx__write(n2, (mode & 1) ? (const unsigned char *)&h2 : NULL, (mode & 1) ? sizeof h2 : 0,
                  body + split, blen - split);

    uint64_t plain = nx__read(0);
    uint64_t salvaged = nx__read(NX_JOURNAL_SALVAGE);
    if (salvaged < plain) abort(); /* salvage never reads less */
    nx_journal_stats_t st;
    int vrc = nx_journal_verify(nx__dir, NX_JOURNAL_SALVAGE, &st);
    if (vrc == 0 && st.events != plain) abort();

    nx_journal_options_t o;
    nx_journal_options_default(&o);
    o.durability = NX_JOURNAL_FSYNC_NONE;
    o.buffer_size = NX_JOURNAL_BUFFER_MIN;
    o.segment_size = NX_JOURNAL_SEGMENT_MIN;
    nx_journal_t *j;
    if (nx_journal_open(nx__dir, &o, &j) == 0) {
        nx_event_t ev;
        nx_event_init(&ev, NX_EV_TIMER);
        if (nx_journal_append(j, &ev) < 0) abort(); /* seq 0: the journal numbers it */
        if (nx_journal_close(j) < 0) abort();
        if (!two) {
            int rc = nx_journal_verify(nx__dir, 0, &st);
            if (rc != 0 || st.torn || st.events < 1) abort();
        }
    }
    nx__clean();
    nx_alloc_stats(&now);
    if (now.bytes != base.bytes) abort();
    nx_free(body);
    return 0;
}
