/*
 * matcher.c — one instrument's book of resting orders with price-time
 * priority.
 *
 * Orders live in a pool sized at creation with a free list (LIFO: a slot
 * freed by a cancel or a fill is reused while it is still in the cache); an
 * order id encodes its slot (bits 0..21), the matcher's tag (22..31) and the
 * slot's reuse generation (32..63). gen[slot] holds the generation of the
 * slot's current order and is bumped when the order is released, so a stale
 * id is refused from that compact array without loading the order, and a
 * live one is one array access. Each side keeps its price levels in one
 * array sorted by key (bids by price, asks by -price) with the best level at
 * the END: the busy top of the book is inserted and removed with short
 * moves, and crossing pops from the end; the level of a price is found
 * through the price -> index hints (nx__lvh_t), the binary search being the
 * fallback. A level holds its orders in an intrusive FIFO whose prev/next
 * slot indices live in lk[] (8 bytes a slot), apart from the orders: a
 * cancel reads and writes its neighbours' links, not their order records,
 * and the matcher's part of an order is its first cache line. With a large
 * book (the benchmark grows to ~159,000 resting orders) those cache misses,
 * not instructions, decide the speed. Nothing allocates after
 * nx_sim_matcher_new.
 */
#include <string.h>

#include "sim/sim_int.h"

#define NX__SLOT_BITS 22
#define NX__SLOT_MASK ((1u << NX__SLOT_BITS) - 1u)
#define NX__TAG_MAX 1023u

/* The public add inlines the matching and resting cores that the venue
 * calls through nx__m_take / nx__m_rest. */
#if defined(__GNUC__)
#define NX__INLINE static inline __attribute__((always_inline))
#else
#define NX__INLINE static inline
#endif

void nx_sim_matcher_opts_default(nx_sim_matcher_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->capacity = 65536;
    o->max_levels = 65536;
    o->stp = NX_SIM_STP_NONE;
}

int nx_sim_matcher_new(const nx_sim_matcher_opts_t *o, nx_sim_matcher_t **out) {
    if (!o || !out) return NX_ERR(NX_EINVAL, "NULL argument");
    if (o->capacity == 0 || o->capacity > (1u << NX__SLOT_BITS))
        return NX_ERR(NX_EINVAL, "matcher capacity %u outside 1..%u", o->capacity,
                      1u << NX__SLOT_BITS);
    if (o->max_levels == 0 || o->max_levels > (1u << 24))
        return NX_ERR(NX_EINVAL, "matcher max_levels %u outside 1..%u", o->max_levels, 1u << 24);
    if (o->tag > NX__TAG_MAX) return NX_ERR(NX_EINVAL, "matcher tag %u > %u", o->tag, NX__TAG_MAX);
    if ((unsigned)o->stp > NX_SIM_STP_EXPIRE_BOTH) return NX_ERR(NX_EINVAL, "bad STP mode");
    nx_sim_matcher_t *m = nx_calloc(1, sizeof *m);
    if (!m) return NX_ERR(NX_ENOMEM, "matcher");
    m->o = *o;
    /* zeroed by nx_calloc (the OS zeroes pages lazily), with one spare
     * order for the 64-byte alignment */
    m->pool_mem = nx_calloc((size_t)o->capacity + 1, sizeof *m->pool);
    if (m->pool_mem)
        m->pool = (nx__sim_order_t *)(void *)(((uintptr_t)m->pool_mem + 63u) & ~(uintptr_t)63u);
    m->gen = nx_calloc(o->capacity, sizeof *m->gen);
    m->freel = nx_malloc((size_t)o->capacity * sizeof *m->freel);
    m->lk = nx_malloc((size_t)o->capacity * sizeof *m->lk);
    m->lvh = nx_calloc(2 * NX__LVH_SIZE, sizeof *m->lvh);
    m->s[0].lv = nx_malloc((size_t)o->max_levels * sizeof(nx__mlevel_t));
    m->s[1].lv = nx_malloc((size_t)o->max_levels * sizeof(nx__mlevel_t));
    if (!m->pool || !m->gen || !m->freel || !m->lk || !m->lvh || !m->s[0].lv || !m->s[1].lv) {
        nx_sim_matcher_free(m);
        return NX_ERR(NX_ENOMEM, "matcher pools (%u orders)", o->capacity);
    }
    for (uint32_t i = 0; i < o->capacity; i++) m->freel[i] = o->capacity - 1 - i;
    m->nfree = o->capacity;
    *out = m;
    return NX_OK;
}

void nx_sim_matcher_free(nx_sim_matcher_t *m) {
    if (!m) return;
    nx_free(m->pool_mem);
    nx_free(m->gen);
    nx_free(m->freel);
    nx_free(m->lk);
    nx_free(m->lvh);
    nx_free(m->s[0].lv);
    nx_free(m->s[1].lv);
    nx_free(m);
}

/* ---- pool ---------------------------------------------------------------- */

/* Take a slot and set up the matcher's fields (cache line 0) and its
 * arrival sequence; the venue's fields are left as they were (nx__m_alloc
 * clears them). */
static inline nx__sim_order_t *nx__m_alloc_hot(nx_sim_matcher_t *m) {
    if (NX_UNLIKELY(m->nfree == 0)) return NULL;
    uint32_t slot = m->freel[--m->nfree];
    nx__sim_order_t *o = &m->pool[slot];
    memset(o, 0, offsetof(nx__sim_order_t, strategy));
    uint32_t g = m->gen[slot];
    if (NX_UNLIKELY(g == 0)) g = m->gen[slot] = 1;
    o->id = ((uint64_t)g << 32) | ((uint64_t)m->o.tag << NX__SLOT_BITS) | slot;
    m->lk[slot].prev = m->lk[slot].next = NX__NIL;
    o->state = NX__OS_TAKING;
    o->seq = ++m->seq;
    return o;
}

nx__sim_order_t *nx__m_alloc(nx_sim_matcher_t *m) {
    nx__sim_order_t *o = nx__m_alloc_hot(m);
    if (o) memset(&o->strategy, 0, sizeof *o - offsetof(nx__sim_order_t, strategy));
    return o;
}

void nx__m_mark_dead(nx_sim_matcher_t *m, nx__sim_order_t *o) {
    if (o->flags & NX__F_DEAD) return;
    o->flags |= NX__F_DEAD;
    m->dead++;
}

void nx__m_release(nx_sim_matcher_t *m, nx__sim_order_t *o) {
    if (o->flags & NX__F_DEAD) m->dead--;
    o->flags = 0;
    o->id = 0;
    o->state = NX__OS_FREE;
    uint32_t slot = nx__m_slot(m, o);
    m->gen[slot]++; /* every id of the slot so far is now stale */
    m->freel[m->nfree++] = slot;
}

nx__sim_order_t *nx__m_find(const nx_sim_matcher_t *m, uint64_t id) {
    uint32_t slot = (uint32_t)(id & NX__SLOT_MASK);
    if (slot >= m->o.capacity || id == 0) return NULL;
    /* gen[] holds the generation of the slot's live order (bumped at
     * release), so a stale id is refused from this compact array without
     * loading the order's cache line */
    if (m->gen[slot] != (uint32_t)(id >> 32)) return NULL;
    nx__sim_order_t *o = &m->pool[slot];
    return o->id == id ? o : NULL;
}

/* ---- levels -------------------------------------------------------------- */

static inline int64_t nx__key(int si, int64_t price) { return si ? -price : price; }

/* First index whose key >= key(price). Branch-free halving: the compare
 * feeds a conditional move, so a search costs no mispredictions. */
static inline uint32_t nx__lb(const nx__mside_t *sd, int si, int64_t price) {
    int64_t k = nx__key(si, price);
    uint32_t n = sd->n;
    if (n == 0 || nx__key(si, sd->lv[n - 1].price) < k) return n;
    /* the answer is in [0, n-1]: base + len walks down to it */
    const nx__mlevel_t *base = sd->lv;
    uint32_t len = n;
    while (len > 1) {
        uint32_t half = len / 2;
        base = nx__key(si, base[half - 1].price) < k ? base + half : base;
        len -= half;
    }
    return (uint32_t)(base - sd->lv);
}

static inline nx__lvh_t *nx__hint(const nx_sim_matcher_t *m, int si, int64_t price) {
    return nx__lvh_at(m->lvh + (si ? NX__LVH_SIZE : 0), price);
}

/* Re-point the hints of levels [from, to) after they moved in lv[]. */
static void nx__rehint(nx_sim_matcher_t *m, int si, uint32_t from, uint32_t to) {
    const nx__mlevel_t *lv = m->s[si].lv;
    for (uint32_t j = from; j < to; j++) nx__hint(m, si, lv[j].price)->idx = j;
}

/* nx__lb through the level-index hint: the index of the level at `price`,
 * or, when there is none, where it would be inserted. */
static inline uint32_t nx__lvfind(const nx_sim_matcher_t *m, int si, int64_t price) {
    const nx__mside_t *sd = &m->s[si];
    nx__lvh_t *h = nx__hint(m, si, price);
    uint32_t i = h->idx;
    if (h->cnt && i < sd->n && sd->lv[i].price == price) return i;
    i = nx__lb(sd, si, price);
    if (i < sd->n && sd->lv[i].price == price) h->idx = i;
    return i;
}

/* A level dropped out of the array (its slot is reused or shifted over). */
static inline void nx__level_gone(nx_sim_matcher_t *m, int si, int64_t price) {
    nx__hint(m, si, price)->cnt--;
}

nx__mlevel_t *nx__m_level(nx_sim_matcher_t *m, uint8_t side, int64_t price) {
    int si = nx__sidx(side);
    nx__mside_t *sd = &m->s[si];
    if (!nx__hint(m, si, price)->cnt) return NULL; /* no level in its bucket */
    uint32_t i = nx__lvfind(m, si, price);
    return i < sd->n && sd->lv[i].price == price ? &sd->lv[i] : NULL;
}

NX__INLINE int nx__rest(nx_sim_matcher_t *m, nx__sim_order_t *o) {
    int si = nx__sidx(o->side);
    nx__mside_t *sd = &m->s[si];
    uint32_t i = nx__lvfind(m, si, o->price);
    uint32_t slot = nx__m_slot(m, o);
    nx__mlevel_t *L;
    if (i < sd->n && sd->lv[i].price == o->price) {
        L = &sd->lv[i];
        m->lk[slot].prev = L->tail;
        m->lk[slot].next = NX__NIL;
        m->lk[L->tail].next = slot;
        L->tail = slot;
    } else {
        if (NX_UNLIKELY(sd->n >= m->o.max_levels))
            return NX_ERR(NX_ELIMIT, "matcher: %u price levels on a side", m->o.max_levels);
        if (i < sd->n) memmove(&sd->lv[i + 1], &sd->lv[i], (sd->n - i) * sizeof *sd->lv);
        sd->n++;
        nx__rehint(m, si, i + 1, sd->n);
        nx__lvh_t *h = nx__hint(m, si, o->price);
        h->idx = i;
        h->cnt++;
        L = &sd->lv[i];
        L->price = o->price;
        L->qty = 0;
        L->head = L->tail = slot;
        m->lk[slot].prev = m->lk[slot].next = NX__NIL;
    }
    L->qty += o->qty - o->filled;
    o->state = NX__OS_RESTING;
    m->resting++;
    return NX_OK;
}

int nx__m_rest(nx_sim_matcher_t *m, nx__sim_order_t *o) { return nx__rest(m, o); }

/* Unlink slot from level i's FIFO; drop the level when it empties. */
static void nx__unlink_at(nx_sim_matcher_t *m, nx__mside_t *sd, uint32_t i, nx__sim_order_t *o) {
    nx__mlevel_t *L = &sd->lv[i];
    nx__link_t *ol = nx__m_lk(m, o);
    if (ol->prev != NX__NIL) m->lk[ol->prev].next = ol->next;
    else L->head = ol->next;
    if (ol->next != NX__NIL) m->lk[ol->next].prev = ol->prev;
    else L->tail = ol->prev;
    L->qty -= o->qty - o->filled;
    ol->prev = ol->next = NX__NIL;
    o->state = NX__OS_DONE;
    m->resting--;
    if (L->head == NX__NIL) {
        int si = (int)(sd - m->s);
        nx__level_gone(m, si, L->price);
        if (i + 1 < sd->n) memmove(&sd->lv[i], &sd->lv[i + 1], (sd->n - i - 1) * sizeof *sd->lv);
        sd->n--;
        nx__rehint(m, si, i, sd->n);
    }
}

void nx__m_unlink(nx_sim_matcher_t *m, nx__sim_order_t *o) {
    int si = nx__sidx(o->side);
    nx__mside_t *sd = &m->s[si];
    uint32_t i = nx__lvfind(m, si, o->price);
    nx__unlink_at(m, sd, i, o);
}

void nx__m_reduce(nx_sim_matcher_t *m, nx__sim_order_t *o, int64_t q) {
    nx__mlevel_t *L = nx__m_level(m, o->side, o->price);
    if (L) L->qty -= q;
    o->filled += q;
}

/* ---- matching ------------------------------------------------------------ */

/* Quantity a taker could trade now, walking as matching would (FOK). */
int64_t nx__m_available(const nx_sim_matcher_t *m, const nx__sim_order_t *o, int64_t limit,
                             int64_t need) {
    const nx__mside_t *sd = &m->s[1 - nx__sidx(o->side)];
    int64_t got = 0;
    for (uint32_t i = sd->n; i-- > 0;) {
        const nx__mlevel_t *L = &sd->lv[i];
        if (!nx__crosses(o->side, limit, L->price)) break;
        if (m->o.stp == NX_SIM_STP_NONE && !m->dead) {
            got += L->qty;
            if (got >= need) return got;
            continue;
        }
        for (uint32_t j = L->head; j != NX__NIL; j = m->lk[j].next) {
            const nx__sim_order_t *r = &m->pool[j];
            if (r->flags & NX__F_DEAD) continue;
            if (r->owner == o->owner) {
                if (m->o.stp == NX_SIM_STP_EXPIRE_MAKER) continue;
                return got; /* EXPIRE_TAKER / BOTH stop the walk here */
            }
            got += r->qty - r->filled;
            if (got >= need) return got;
        }
    }
    return got;
}

NX__INLINE void nx__take(nx_sim_matcher_t *m, nx__sim_order_t *o, int64_t limit,
                         nx_sim_match_result_t *r) {
    int so = 1 - nx__sidx(o->side);
    nx__mside_t *sd = &m->s[so];
    int64_t leaves = o->qty - o->filled;
    r->id = o->id;
    r->filled = 0;
    r->leaves = 0;
    r->status = NX_SIM_MATCH_RESTING;
    if (o->flags & NX_ORDF_POST_ONLY) {
        if (sd->n && nx__crosses(o->side, limit, sd->lv[sd->n - 1].price))
            r->status = NX_SIM_MATCH_POST_ONLY;
        return;
    }
    if (o->tif == NX_TIF_FOK && nx__m_available(m, o, limit, leaves) < leaves) {
        r->status = NX_SIM_MATCH_FOK_KILLED;
        return;
    }
    int stp_stop = 0;
    nx_sim_fill_t f;
    f.taker_id = o->id;
    f.taker_user = o->user;
    f.taker_owner = o->owner;
    while (leaves > 0 && sd->n) {
        uint32_t li = sd->n - 1;
        nx__mlevel_t *L = &sd->lv[li];
        if (!nx__crosses(o->side, limit, L->price)) break;
        uint32_t j = L->head;
        while (j != NX__NIL && leaves > 0) {
            nx__sim_order_t *mo = &m->pool[j];
            nx__link_t *lj = &m->lk[j];
            uint32_t nxt = lj->next;
            int64_t ml = mo->qty - mo->filled;
            int dead = (mo->flags & NX__F_DEAD) != 0;
            if (dead || (m->o.stp != NX_SIM_STP_NONE && mo->owner == o->owner)) {
                if (!dead && m->o.stp == NX_SIM_STP_EXPIRE_TAKER) {
                    stp_stop = 1;
                    break;
                }
                uint64_t mid = mo->id, mu = mo->user;
                /* unlink without dropping the level under our feet */
                if (lj->prev != NX__NIL) m->lk[lj->prev].next = lj->next;
                else L->head = lj->next;
                if (lj->next != NX__NIL) m->lk[lj->next].prev = lj->prev;
                else L->tail = lj->prev;
                L->qty -= ml;
                m->resting--;
                mo->state = NX__OS_DONE;
                if (m->o.on_expire)
                    m->o.on_expire(m->o.ctx, mid, mu, ml, dead ? NX_SIM_R_OCO : NX_SIM_R_STP);
                if (mo->id == mid && mo->state == NX__OS_DONE) nx__m_release(m, mo);
                j = nxt;
                if (!dead && m->o.stp == NX_SIM_STP_EXPIRE_BOTH) {
                    stp_stop = 1;
                    break;
                }
                continue;
            }
            int64_t q = leaves < ml ? leaves : ml;
            mo->filled += q;
            o->filled += q;
            leaves -= q;
            L->qty -= q;
            r->filled += q;
            f.maker_id = mo->id;
            f.maker_user = mo->user;
            f.maker_owner = mo->owner;
            f.price = L->price;
            f.qty = q;
            f.maker_leaves = ml - q;
            f.taker_leaves = leaves;
            int done = q == ml;
            if (done) {
                L->head = nxt;
                if (nxt != NX__NIL) m->lk[nxt].prev = NX__NIL;
                else L->tail = NX__NIL;
                lj->prev = lj->next = NX__NIL;
                mo->state = NX__OS_DONE;
                m->resting--;
            }
            if (m->o.on_fill) m->o.on_fill(m->o.ctx, &f);
            if (done && mo->id == f.maker_id && mo->state == NX__OS_DONE) nx__m_release(m, mo);
            j = nxt;
        }
        if (L->head == NX__NIL) { /* the top level is the last element */
            nx__level_gone(m, so, L->price);
            sd->n--;
        }
        if (stp_stop) break;
    }
    if (leaves == 0) r->status = NX_SIM_MATCH_FILLED;
    else if (stp_stop) r->status = NX_SIM_MATCH_STP;
    else if (o->type == NX_ORD_MARKET || o->tif == NX_TIF_IOC || o->tif == NX_TIF_FOK)
        r->status = NX_SIM_MATCH_EXPIRED;
}

void nx__m_take(nx_sim_matcher_t *m, nx__sim_order_t *o, int64_t limit,
                nx_sim_match_result_t *r) {
    nx__take(m, o, limit, r);
}

/* ---- public API ---------------------------------------------------------- */

static int nx__req_ok(const nx_sim_order_req_t *q) {
    if (q->side != NX_SIDE_BUY && q->side != NX_SIDE_SELL) return 0;
    if (q->type != NX_ORD_MARKET && q->type != NX_ORD_LIMIT) return 0;
    if (q->qty <= 0) return 0;
    if (q->type == NX_ORD_LIMIT && q->price <= 0) return 0;
    if (q->tif < NX_TIF_GTC || q->tif > NX_TIF_DAY) return 0;
    return 1;
}

/* Can a resting order at `price` on `side` find a level? */
static inline int nx__level_room(const nx_sim_matcher_t *m, uint8_t side, int64_t price) {
    int si = nx__sidx(side);
    const nx__mside_t *sd = &m->s[si];
    if (sd->n < m->o.max_levels) return 1;
    uint32_t i = nx__lvfind(m, si, price);
    return i < sd->n && sd->lv[i].price == price;
}

int nx_sim_matcher_add(nx_sim_matcher_t *m, const nx_sim_order_req_t *req,
                       nx_sim_match_result_t *out) {
    if (!m || !req || !out) return NX_ERR(NX_EINVAL, "NULL argument");
    if (!nx__req_ok(req)) return NX_ERR(NX_EINVAL, "bad order request");
    int rests = req->type == NX_ORD_LIMIT && req->tif != NX_TIF_IOC && req->tif != NX_TIF_FOK;
    /* A level for the remainder: the opposite levels that trade first never
     * free one on our side, so check before anything changes. */
    if (rests && !nx__level_room(m, req->side, req->price))
        return NX_ERR(NX_ELIMIT, "matcher: %u price levels on a side", m->o.max_levels);
    nx__sim_order_t *o = nx__m_alloc_hot(m);
    if (!o) return NX_ERR(NX_ELIMIT, "matcher: %u orders", m->o.capacity);
    o->owner = req->owner;
    o->side = req->side;
    o->type = req->type;
    o->tif = req->tif;
    o->flags = req->flags;
    o->price = req->type == NX_ORD_LIMIT ? req->price : 0;
    o->qty = req->qty;
    o->user = req->user;
    nx_sim_match_result_t r;
    nx__take(m, o, o->price, &r);
    if (r.status == NX_SIM_MATCH_RESTING) {
        if (rests) {
            int rc = nx__rest(m, o);
            if (rc < 0) { /* cannot happen: room was checked */
                nx__m_release(m, o);
                return rc;
            }
            r.leaves = o->qty - o->filled;
        } else {
            r.status = NX_SIM_MATCH_EXPIRED;
            nx__m_release(m, o);
        }
    } else {
        nx__m_release(m, o);
    }
    *out = r;
    return NX_OK;
}

int nx_sim_matcher_cancel(nx_sim_matcher_t *m, uint64_t id, int64_t *leaves) {
    nx__sim_order_t *o = nx__m_find(m, id);
    if (!o || o->state != NX__OS_RESTING) return NX_ENOTFOUND;
    int64_t l = o->qty - o->filled;
    nx__m_unlink(m, o);
    nx__m_release(m, o);
    if (leaves) *leaves = l;
    return NX_OK;
}

int nx_sim_matcher_amend(nx_sim_matcher_t *m, uint64_t id, int64_t price, int64_t qty,
                         nx_sim_match_result_t *out) {
    nx__sim_order_t *o = nx__m_find(m, id);
    if (!o || o->state != NX__OS_RESTING) return NX_ENOTFOUND;
    if (price <= 0) return NX_ERR(NX_EINVAL, "amend price %lld", (long long)price);
    nx_sim_match_result_t r = {id, 0, 0, NX_SIM_MATCH_RESTING};
    if (qty <= o->filled) {
        nx__m_unlink(m, o);
        nx__m_release(m, o);
        r.status = NX_SIM_MATCH_CANCELLED;
        *out = r;
        return NX_OK;
    }
    if (price == o->price && qty <= o->qty) {
        nx__mlevel_t *L = nx__m_level(m, o->side, o->price);
        L->qty -= o->qty - qty;
        o->qty = qty;
        r.leaves = qty - o->filled;
        *out = r;
        return NX_OK;
    }
    const nx__mside_t *opp = &m->s[1 - nx__sidx(o->side)];
    if ((o->flags & NX_ORDF_POST_ONLY) && opp->n &&
        nx__crosses(o->side, price, opp->lv[opp->n - 1].price)) {
        r.status = NX_SIM_MATCH_POST_ONLY;
        r.leaves = o->qty - o->filled;
        *out = r;
        return NX_OK;
    }
    /* Leaving frees our level only if we were alone in it. */
    if (price != o->price && !nx__level_room(m, o->side, price)) {
        nx__mlevel_t *L = nx__m_level(m, o->side, o->price);
        if (!(L && L->head == L->tail))
            return NX_ERR(NX_ELIMIT, "matcher: %u price levels on a side", m->o.max_levels);
    }
    nx__m_unlink(m, o);
    o->price = price;
    o->qty = qty;
    o->seq = ++m->seq;
    o->state = NX__OS_TAKING;
    nx__m_take(m, o, price, &r);
    if (r.status == NX_SIM_MATCH_RESTING) {
        int rc = nx__m_rest(m, o);
        if (rc < 0) {
            nx__m_release(m, o);
            return rc;
        }
        r.leaves = o->qty - o->filled;
    } else {
        nx__m_release(m, o);
    }
    *out = r;
    return NX_OK;
}

size_t nx_sim_matcher_cancel_all(nx_sim_matcher_t *m, uint32_t owner) {
    size_t n = 0;
    for (int si = 0; si < 2; si++) {
        nx__mside_t *sd = &m->s[si];
        for (uint32_t i = sd->n; i-- > 0;) {
            uint32_t j = sd->lv[i].head;
            while (j != NX__NIL) {
                nx__sim_order_t *o = &m->pool[j];
                uint32_t nxt = m->lk[j].next;
                /* the level at i disappears with its last order; nothing
                 * after it is visited then (nxt is NIL) */
                if (owner == UINT32_MAX || o->owner == owner) {
                    nx__unlink_at(m, sd, i, o);
                    nx__m_release(m, o);
                    n++;
                }
                j = nxt;
            }
        }
    }
    return n;
}

int nx_sim_matcher_best(const nx_sim_matcher_t *m, nx_side_t side, int64_t *price, int64_t *qty) {
    const nx__mside_t *sd = &m->s[nx__sidx((uint8_t)side)];
    if (!sd->n) return NX_ENOTFOUND;
    if (price) *price = sd->lv[sd->n - 1].price;
    if (qty) *qty = sd->lv[sd->n - 1].qty;
    return NX_OK;
}

size_t nx_sim_matcher_depth(const nx_sim_matcher_t *m, nx_side_t side, int64_t *prices,
                            int64_t *qtys, size_t n) {
    const nx__mside_t *sd = &m->s[nx__sidx((uint8_t)side)];
    size_t k = 0;
    for (uint32_t i = sd->n; i-- > 0 && k < n; k++) {
        if (prices) prices[k] = sd->lv[i].price;
        if (qtys) qtys[k] = sd->lv[i].qty;
    }
    return k;
}

int nx_sim_matcher_get(const nx_sim_matcher_t *m, uint64_t id, nx_sim_order_view_t *out) {
    const nx__sim_order_t *o = nx__m_find(m, id);
    if (!o || o->state != NX__OS_RESTING) return NX_ENOTFOUND;
    out->id = o->id;
    out->user = o->user;
    out->owner = o->owner;
    out->side = o->side;
    out->price = o->price;
    out->qty = o->qty;
    out->filled = o->filled;
    out->leaves = o->qty - o->filled;
    out->priority = o->seq;
    return NX_OK;
}

size_t nx_sim_matcher_count(const nx_sim_matcher_t *m) { return m->resting; }

size_t nx_sim_matcher_level_orders(const nx_sim_matcher_t *m, nx_side_t side, int64_t price,
                                   uint64_t *ids, size_t n) {
    nx__mlevel_t *L = nx__m_level((nx_sim_matcher_t *)(uintptr_t)m, (uint8_t)side, price);
    size_t k = 0;
    if (!L) return 0;
    for (uint32_t j = L->head; j != NX__NIL && k < n; j = m->lk[j].next) ids[k++] = m->pool[j].id;
    return k;
}
