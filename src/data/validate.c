/*
 * Validation with quarantine (nexus/data.h). Checks run at push time in
 * arrival order, so the caller can write the offending source row to its
 * quarantine file; passed events are released in timestamp order (through a
 * bounded sort buffer when a sort window is set).
 */
#include <stdio.h>
#include <string.h>

#include "nexus/data.h"

#define NX__IDS 8192u /* recent trade ids remembered for the duplicate rule */

static const char *const nx__rule_names[NX_RULE_COUNT] = {
    "non_positive", "backwards", "duplicate_id", "gap", "jump", "crossed", "seq_gap"};

const char *nx_rule_name(nx_rule_t r) {
    return (unsigned)r < NX_RULE_COUNT ? nx__rule_names[r] : "?";
}

typedef struct {
    nx_ts_t ts;
    uint64_t order;
    uint32_t slot;
} nx__hent_t;

struct nx_validator {
    nx_validate_opts_t o;
    nx_emit_fn emit;
    void *emit_ctx;
    nx_quarantine_fn quarantine;
    void *q_ctx;
    nx_validate_stats_t st;
    /* previous accepted (arrival order) */
    int have_prev;
    nx_ts_t prev_ts, max_ts;
    int64_t prev_price;
    uint64_t prev_update_id;
    int have_update;
    /* recent ids: a FIFO of the last NX__IDS accepted ids. While it is strictly
     * increasing (ndesc == 0, as venue ids arrive) a lookup is a compare with
     * its newest id (and a binary search below it); otherwise an
     * open-addressing set mirrors it (hashed), built when the first
     * non-increasing pair enters and dropped when the last one leaves. */
    uint64_t ids[NX__IDS * 2];
    uint64_t fifo[NX__IDS];
    uint32_t fifo_n, fifo_head;
    uint32_t ndesc; /* adjacent FIFO pairs (a, b) with b <= a */
    int hashed;
    /* sort buffer: heap of (ts, order) over slots of events */
    nx__hent_t *heap;
    nx_event_t *slots;
    uint32_t *free_slots;
    uint32_t nheap, nfree, cap;
    uint64_t order;
};

void nx_validate_opts_default(nx_validate_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->max_jump_bp = 5000;
    o->max_sort_rows = 1000000;
}

int nx_validator_new(const nx_validate_opts_t *o, nx_emit_fn emit, void *emit_ctx,
                     nx_quarantine_fn quarantine, void *q_ctx, nx_validator_t **out) {
    nx_validate_opts_t d;
    nx_validate_opts_default(&d);
    if (o) d = *o;
    if (d.max_gap_ns < 0 || d.max_jump_bp < 0 || d.sort_window_ns < 0)
        return NX_ERR(NX_EINVAL, "validation limits must not be negative");
    if (!d.max_sort_rows) d.max_sort_rows = 1000000;
    nx_validator_t *v = nx_calloc(1, sizeof *v);
    if (!v) return NX_ERR(NX_ENOMEM, "validator");
    v->o = d;
    v->emit = emit;
    v->emit_ctx = emit_ctx;
    v->quarantine = quarantine;
    v->q_ctx = q_ctx;
    *out = v;
    return NX_OK;
}

void nx_validator_free(nx_validator_t *v) {
    if (!v) return;
    nx_free(v->heap);
    nx_free(v->slots);
    nx_free(v->free_slots);
    nx_free(v);
}

void nx_validator_stats(const nx_validator_t *v, nx_validate_stats_t *out) { *out = v->st; }

static uint32_t nx__id_hash(uint64_t id) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (uint32_t)id & (NX__IDS * 2 - 1);
}

/* Linear probing with backward-shift deletion keeps the table tombstone-free. */
static int nx__id_hashed(const nx_validator_t *v, uint64_t id) {
    for (uint32_t h = nx__id_hash(id);; h = (h + 1) & (NX__IDS * 2 - 1)) {
        if (v->ids[h] == 0) return 0;
        if (v->ids[h] == id) return 1;
    }
}

static inline uint64_t nx__fifo_at(const nx_validator_t *v, uint32_t i) {
    return v->fifo[(v->fifo_head + i) % NX__IDS];
}

static int nx__id_seen(const nx_validator_t *v, uint64_t id) {
    if (v->hashed) return nx__id_hashed(v, id);
    if (v->fifo_n == 0 || id > nx__fifo_at(v, v->fifo_n - 1) || id < nx__fifo_at(v, 0)) return 0;
    uint32_t lo = 0, hi = v->fifo_n; /* strictly increasing: binary search */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        uint64_t x = nx__fifo_at(v, mid);
        if (x == id) return 1;
        if (x < id) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

static void nx__id_del(nx_validator_t *v, uint64_t id) {
    const uint32_t mask = NX__IDS * 2 - 1;
    uint32_t h = nx__id_hash(id);
    while (v->ids[h] != id) {
        if (v->ids[h] == 0) return;
        h = (h + 1) & mask;
    }
    uint32_t i = h;
    for (;;) {
        v->ids[i] = 0;
        uint32_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (v->ids[j] == 0) return;
            uint32_t k = nx__id_hash(v->ids[j]);
            /* move j back to i unless its home k lies cyclically in (i, j] */
            if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) continue;
            v->ids[i] = v->ids[j];
            i = j;
            break;
        }
    }
}

static void nx__id_ins(nx_validator_t *v, uint64_t id) {
    uint32_t h = nx__id_hash(id);
    while (v->ids[h] != 0) h = (h + 1) & (NX__IDS * 2 - 1);
    v->ids[h] = id;
}

static void nx__id_add(nx_validator_t *v, uint64_t id) {
    if (v->fifo_n == NX__IDS) { /* forget the oldest */
        uint64_t old = v->fifo[v->fifo_head];
        if (v->fifo_n > 1 && nx__fifo_at(v, 1) <= old) v->ndesc--;
        if (v->hashed) nx__id_del(v, old);
        v->fifo_head = (v->fifo_head + 1) % NX__IDS;
        v->fifo_n--;
    }
    if (v->fifo_n && id <= nx__fifo_at(v, v->fifo_n - 1)) v->ndesc++;
    v->fifo[(v->fifo_head + v->fifo_n) % NX__IDS] = id;
    v->fifo_n++;
    if (v->hashed) {
        if (v->ndesc) nx__id_ins(v, id);
        else { /* increasing again: the FIFO alone answers */
            memset(v->ids, 0, sizeof v->ids);
            v->hashed = 0;
        }
    } else if (v->ndesc) {
        for (uint32_t i = 0; i < v->fifo_n; i++) nx__id_ins(v, nx__fifo_at(v, i));
        v->hashed = 1;
    }
}

static int nx__hless(const nx__hent_t *a, const nx__hent_t *b) {
    return a->ts < b->ts || (a->ts == b->ts && a->order < b->order);
}

static int nx__pass(nx_validator_t *v, const nx_event_hdr_t *ev) {
    v->st.passed++;
    if (!v->st.first_ts || ev->ts_recv < v->st.first_ts) v->st.first_ts = ev->ts_recv;
    if (ev->ts_recv > v->st.last_ts) v->st.last_ts = ev->ts_recv;
    return v->emit(v->emit_ctx, ev);
}

static int nx__heap_pop_emit(nx_validator_t *v) {
    nx__hent_t top = v->heap[0];
    nx__hent_t last = v->heap[--v->nheap];
    uint32_t i = 0, n = v->nheap;
    while (n) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && nx__hless(&v->heap[c + 1], &v->heap[c])) c++;
        if (!nx__hless(&v->heap[c], &last)) break;
        v->heap[i] = v->heap[c];
        i = c;
    }
    if (n) v->heap[i] = last;
    int rc = nx__pass(v, &v->slots[top.slot].h);
    v->free_slots[v->nfree++] = top.slot;
    return rc;
}

static int nx__sort_push(nx_validator_t *v, const nx_event_hdr_t *ev) {
    if (v->nfree == 0) {
        if (v->cap >= v->o.max_sort_rows)
            return NX_ERR(NX_ELIMIT, "sort window holds more than %u rows (--sort-window too wide)",
                          v->o.max_sort_rows);
        uint32_t ncap = v->cap ? v->cap * 2 : 1024;
        if (ncap > v->o.max_sort_rows) ncap = v->o.max_sort_rows;
        nx__hent_t *h = nx_realloc(v->heap, (size_t)ncap * sizeof *h);
        if (!h) return NX_ERR(NX_ENOMEM, "sort window");
        v->heap = h;
        nx_event_t *s = nx_realloc(v->slots, (size_t)ncap * sizeof *s);
        if (!s) return NX_ERR(NX_ENOMEM, "sort window");
        v->slots = s;
        uint32_t *f = nx_realloc(v->free_slots, (size_t)ncap * sizeof *f);
        if (!f) return NX_ERR(NX_ENOMEM, "sort window");
        v->free_slots = f;
        for (uint32_t i = ncap; i > v->cap; i--) v->free_slots[v->nfree++] = i - 1;
        v->cap = ncap;
    }
    uint32_t slot = v->free_slots[--v->nfree];
    memcpy(&v->slots[slot], ev, ev->size);
    nx__hent_t e = {ev->ts_recv, v->order++, slot};
    uint32_t i = v->nheap++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!nx__hless(&e, &v->heap[p])) break;
        v->heap[i] = v->heap[p];
        i = p;
    }
    v->heap[i] = e;
    /* release everything older than the window behind the newest row */
    while (v->nheap && v->heap[0].ts < v->max_ts - v->o.sort_window_ns) {
        int rc = nx__heap_pop_emit(v);
        if (rc < 0) return rc;
    }
    return NX_OK;
}

static int nx__report(nx_validator_t *v, nx_rule_t rule, int reject, const nx_event_hdr_t *ev,
                      const char *detail) {
    v->st.by_rule[rule]++;
    if (reject) v->st.rejected++;
    else v->st.flagged++;
    return v->quarantine ? v->quarantine(v->q_ctx, rule, reject, ev, detail) : NX_OK;
}

/* Price used by the jump rule, and a crossed/non-positive check per type. */
static int nx__check_shape(nx_validator_t *v, const nx_event_hdr_t *ev, int64_t *price,
                           int *reject) {
    char msg[160];
    *price = 0;
    switch (ev->type) {
    case NX_EV_TRADE: {
        const nx_ev_trade_t *t = (const nx_ev_trade_t *)ev;
        if (t->price <= 0 || t->qty <= 0) {
            snprintf(msg, sizeof msg, "price %lld or qty %lld not positive (raw)",
                     (long long)t->price, (long long)t->qty);
            *reject = 1;
            return nx__report(v, NX_RULE_NONPOSITIVE, 1, ev, msg);
        }
        *price = t->price;
        return NX_OK;
    }
    case NX_EV_BAR: {
        const nx_ev_bar_t *b = (const nx_ev_bar_t *)ev;
        if (b->open <= 0 || b->high <= 0 || b->low <= 0 || b->close <= 0 || b->volume < 0) {
            *reject = 1;
            return nx__report(v, NX_RULE_NONPOSITIVE, 1, ev, "bar price not positive or volume negative");
        }
        if (b->high < b->low || b->open > b->high || b->open < b->low || b->close > b->high ||
            b->close < b->low) {
            *reject = 1;
            return nx__report(v, NX_RULE_CROSSED, 1, ev, "bar open/close outside [low, high]");
        }
        *price = b->close;
        return NX_OK;
    }
    case NX_EV_QUOTE: {
        const nx_ev_quote_t *q = (const nx_ev_quote_t *)ev;
        if (q->bid_price < 0 || q->ask_price < 0 || q->bid_qty < 0 || q->ask_qty < 0) {
            *reject = 1;
            return nx__report(v, NX_RULE_NONPOSITIVE, 1, ev, "negative quote field");
        }
        if (q->bid_price > 0 && q->ask_price > 0 && q->bid_price >= q->ask_price) {
            snprintf(msg, sizeof msg, "bid %lld >= ask %lld (raw)", (long long)q->bid_price,
                     (long long)q->ask_price);
            *reject = 1;
            return nx__report(v, NX_RULE_CROSSED, 1, ev, msg);
        }
        if (q->bid_price > 0 && q->ask_price > 0) *price = (q->bid_price + q->ask_price) / 2;
        return NX_OK;
    }
    case NX_EV_BOOK_DELTA: {
        const nx_ev_book_delta_t *d = (const nx_ev_book_delta_t *)ev;
        if (d->action == NX_BOOK_SET && (d->price <= 0 || d->qty < 0)) {
            *reject = 1;
            return nx__report(v, NX_RULE_NONPOSITIVE, 1, ev, "book level price not positive or qty negative");
        }
        /* Sequence of diffs (snapshots aside): a new batch must follow the
         * previous diff batch: spot U <= last u + 1; futures pu == last u.
         * The book module applies the venue's full sync rules; this only
         * flags holes in the recorded stream. */
        if ((d->flags & NX_BOOKF_SNAPSHOT) || !d->update_id) return NX_OK;
        if (v->have_update && d->update_id != v->prev_update_id) {
            int gap;
            uint64_t from;
            if (d->flags & NX_BOOKF_PU) {
                from = d->first_update_id - d->aux; /* pu */
                gap = from != v->prev_update_id;
            } else {
                from = d->first_update_id;
                gap = from > v->prev_update_id + 1;
            }
            if (gap) {
                snprintf(msg, sizeof msg, "batch %llu..%llu after %llu",
                         (unsigned long long)from, (unsigned long long)d->update_id,
                         (unsigned long long)v->prev_update_id);
                int rc = nx__report(v, NX_RULE_SEQ_GAP, 0, ev, msg);
                if (rc < 0) return rc;
            }
        }
        if (!v->have_update || d->update_id > v->prev_update_id) v->prev_update_id = d->update_id;
        v->have_update = 1;
        return NX_OK;
    }
    default: return NX_OK;
    }
}

int nx_validator_push(nx_validator_t *v, const nx_event_hdr_t *ev) {
    v->st.in++;
    int reject = 0, rc;
    int64_t price;
    char msg[160];
    if ((rc = nx__check_shape(v, ev, &price, &reject)) < 0 || reject) return rc;

    nx_ts_t ts = ev->ts_recv;
    if (v->have_prev && ts < v->max_ts - v->o.sort_window_ns) {
        snprintf(msg, sizeof msg, "%lld ns before the newest row", (long long)(v->max_ts - ts));
        return nx__report(v, NX_RULE_BACKWARDS, 1, ev, msg);
    }
    if (ev->type == NX_EV_TRADE) {
        uint64_t id = ((const nx_ev_trade_t *)ev)->trade_id;
        if (id && nx__id_seen(v, id)) {
            snprintf(msg, sizeof msg, "trade id %llu seen before", (unsigned long long)id);
            return nx__report(v, NX_RULE_DUPLICATE, 1, ev, msg);
        }
    }
    if (v->have_prev && price > 0 && v->prev_price > 0 && v->o.max_jump_bp > 0) {
        nx_i128 diff = (nx_i128)price - v->prev_price;
        if (diff < 0) diff = -diff;
        if (diff * 10000 > (nx_i128)v->prev_price * v->o.max_jump_bp) {
            snprintf(msg, sizeof msg, "price %lld vs previous %lld (raw): more than %lld bp",
                     (long long)price, (long long)v->prev_price, (long long)v->o.max_jump_bp);
            return nx__report(v, NX_RULE_JUMP, 1, ev, msg);
        }
    }
    if (v->have_prev && v->o.max_gap_ns > 0 && ts - v->prev_ts > v->o.max_gap_ns) {
        snprintf(msg, sizeof msg, "%lld s since the previous row",
                 (long long)((ts - v->prev_ts) / NX_NS_PER_SEC));
        if ((rc = nx__report(v, NX_RULE_GAP, v->o.gap_rejects, ev, msg)) < 0) return rc;
        if (v->o.gap_rejects) return NX_OK;
    }
    /* accepted */
    if (ev->type == NX_EV_TRADE) {
        uint64_t id = ((const nx_ev_trade_t *)ev)->trade_id;
        if (id) nx__id_add(v, id);
    }
    if (price > 0) v->prev_price = price;
    v->prev_ts = ts;
    if (!v->have_prev || ts > v->max_ts) v->max_ts = ts;
    v->have_prev = 1;
    if (v->o.sort_window_ns == 0) return nx__pass(v, ev);
    return nx__sort_push(v, ev);
}

int nx_validator_flush(nx_validator_t *v) {
    while (v->nheap) {
        int rc = nx__heap_pop_emit(v);
        if (rc < 0) return rc;
    }
    return NX_OK;
}
