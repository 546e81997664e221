/*
 * Simulated venue, matcher: a differential test against a deliberately
 * naive reference matcher written here from the rules in nexus/sim.h
 * (arrays of orders, O(n) scans for the best price and oldest order), on
 * random operation streams (add market/limit/IOC/FOK/post-only, cancel,
 * amend, cancel-all, partial fills), under each self-trade prevention mode.
 * Every result, fill and STP expiry is compared as it happens; the book
 * (levels, quantities, queue order) is compared every few operations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus/sim.h"
#include "nx_test.h"

/* ---- the reference --------------------------------------------------------- */

typedef struct {
    uint64_t h; /* test handle */
    uint32_t owner;
    uint8_t side, post;
    int64_t price, qty, filled;
    uint64_t seq;
} ref_order_t;

typedef struct {
    uint64_t maker, taker; /* handles */
    int64_t price, qty, maker_leaves, taker_leaves;
    int expire; /* 1: an STP expiry of maker (qty = leaves) */
} ev_t;

#define REF_MAX 20000
#define EV_MAX 4096

typedef struct {
    ref_order_t o[REF_MAX];
    size_t n;
    uint64_t seq;
    nx_sim_stp_t stp;
    ev_t ev[EV_MAX];
    size_t nev;
} ref_t;

static int ref_crosses(uint8_t side, int64_t limit, int64_t p) {
    if (limit == 0) return 1;
    return side == NX_SIDE_BUY ? p <= limit : p >= limit;
}

/* Better for a taker on `side`: lower ask / higher bid, then older. */
static int ref_better(uint8_t taker_side, const ref_order_t *a, const ref_order_t *b) {
    if (a->price != b->price)
        return taker_side == NX_SIDE_BUY ? a->price < b->price : a->price > b->price;
    return a->seq < b->seq;
}

static ref_order_t *ref_find(ref_t *r, uint64_t h) {
    for (size_t i = 0; i < r->n; i++)
        if (r->o[i].h == h) return &r->o[i];
    return NULL;
}

static void ref_remove(ref_t *r, ref_order_t *o) {
    size_t i = (size_t)(o - r->o);
    r->o[i] = r->o[--r->n];
}

/* Best crossing opposite order not in skip[] (for the FOK walk), or -1. */
static long ref_best(ref_t *r, uint8_t side, int64_t limit, const char *skip) {
    long best = -1;
    uint8_t opp = side == NX_SIDE_BUY ? NX_SIDE_SELL : NX_SIDE_BUY;
    for (size_t i = 0; i < r->n; i++) {
        ref_order_t *c = &r->o[i];
        if (c->side != opp || (skip && skip[i])) continue;
        if (!ref_crosses(side, limit, c->price)) continue;
        if (best < 0 || ref_better(side, c, &r->o[best])) best = (long)i;
    }
    return best;
}

static int64_t ref_available(ref_t *r, uint8_t side, uint32_t owner, int64_t limit,
                             int64_t need) {
    static char skip[REF_MAX];
    memset(skip, 0, r->n);
    int64_t got = 0;
    for (;;) {
        long b = ref_best(r, side, limit, skip);
        if (b < 0) return got;
        skip[b] = 1;
        ref_order_t *c = &r->o[b];
        if (r->stp != NX_SIM_STP_NONE && c->owner == owner) {
            if (r->stp == NX_SIM_STP_EXPIRE_MAKER) continue;
            return got;
        }
        got += c->qty - c->filled;
        if (got >= need) return got;
    }
}

/* Match taker t (not in the array) against the book; returns status. */
static nx_sim_match_status_t ref_take(ref_t *r, ref_order_t *t, int64_t limit, int type,
                                      int tif, int64_t *traded) {
    int64_t leaves = t->qty - t->filled;
    *traded = 0;
    if (t->post) {
        if (ref_best(r, t->side, limit, NULL) >= 0) return NX_SIM_MATCH_POST_ONLY;
        return NX_SIM_MATCH_RESTING;
    }
    if (tif == NX_TIF_FOK && ref_available(r, t->side, t->owner, limit, leaves) < leaves)
        return NX_SIM_MATCH_FOK_KILLED;
    int stp_stop = 0;
    while (leaves > 0) {
        long b = ref_best(r, t->side, limit, NULL);
        if (b < 0) break;
        ref_order_t *c = &r->o[b];
        if (r->stp != NX_SIM_STP_NONE && c->owner == t->owner) {
            if (r->stp == NX_SIM_STP_EXPIRE_TAKER) {
                stp_stop = 1;
                break;
            }
            ev_t *e = &r->ev[r->nev++];
            memset(e, 0, sizeof *e);
            e->maker = c->h;
            e->qty = c->qty - c->filled;
            e->expire = 1;
            ref_remove(r, c);
            if (r->stp == NX_SIM_STP_EXPIRE_BOTH) {
                stp_stop = 1;
                break;
            }
            continue;
        }
        int64_t ml = c->qty - c->filled;
        int64_t q = leaves < ml ? leaves : ml;
        c->filled += q;
        t->filled += q;
        leaves -= q;
        *traded += q;
        ev_t *e = &r->ev[r->nev++];
        e->maker = c->h;
        e->taker = t->h;
        e->price = c->price;
        e->qty = q;
        e->maker_leaves = ml - q;
        e->taker_leaves = leaves;
        e->expire = 0;
        if (q == ml) ref_remove(r, c);
    }
    if (leaves == 0) return NX_SIM_MATCH_FILLED;
    if (stp_stop) return NX_SIM_MATCH_STP;
    if (type == NX_ORD_MARKET || tif == NX_TIF_IOC || tif == NX_TIF_FOK)
        return NX_SIM_MATCH_EXPIRED;
    return NX_SIM_MATCH_RESTING;
}

static void ref_add(ref_t *r, uint64_t h, const nx_sim_order_req_t *q, nx_sim_match_result_t *res) {
    ref_order_t t = {h, q->owner, q->side, (uint8_t)((q->flags & NX_ORDF_POST_ONLY) != 0),
                     q->type == NX_ORD_LIMIT ? q->price : 0, q->qty, 0, ++r->seq};
    int64_t traded;
    nx_sim_match_status_t st = ref_take(r, &t, t.price, q->type, q->tif, &traded);
    res->filled = traded;
    res->leaves = 0;
    res->status = st;
    if (st == NX_SIM_MATCH_RESTING) {
        if (q->type == NX_ORD_LIMIT && q->tif != NX_TIF_IOC && q->tif != NX_TIF_FOK) {
            r->o[r->n++] = t;
            res->leaves = t.qty - t.filled;
        } else {
            res->status = NX_SIM_MATCH_EXPIRED;
        }
    }
}

static int ref_amend(ref_t *r, uint64_t h, int64_t price, int64_t qty, nx_sim_match_result_t *res) {
    ref_order_t *o = ref_find(r, h);
    if (!o) return NX_ENOTFOUND;
    res->filled = 0;
    res->leaves = 0;
    res->status = NX_SIM_MATCH_RESTING;
    if (qty <= o->filled) {
        ref_remove(r, o);
        res->status = NX_SIM_MATCH_CANCELLED;
        return 0;
    }
    if (price == o->price && qty <= o->qty) {
        o->qty = qty;
        res->leaves = qty - o->filled;
        return 0;
    }
    if (o->post && ref_best(r, o->side, price, NULL) >= 0) {
        res->status = NX_SIM_MATCH_POST_ONLY;
        res->leaves = o->qty - o->filled;
        return 0;
    }
    ref_order_t t = *o;
    ref_remove(r, o);
    t.price = price;
    t.qty = qty;
    t.seq = ++r->seq;
    int64_t traded; /* post-only was checked above: it cannot cross now */
    nx_sim_match_status_t st = ref_take(r, &t, price, NX_ORD_LIMIT, NX_TIF_GTC, &traded);
    res->filled = traded;
    res->status = st;
    if (st == NX_SIM_MATCH_RESTING) {
        r->o[r->n++] = t;
        res->leaves = t.qty - t.filled;
    }
    return 0;
}

/* ---- the system under test ---------------------------------------------------- */

typedef struct {
    ev_t ev[EV_MAX];
    size_t nev;
} got_t;

static void on_fill(void *ctx, const nx_sim_fill_t *f) {
    got_t *g = ctx;
    ev_t *e = &g->ev[g->nev++];
    e->maker = f->maker_user;
    e->taker = f->taker_user;
    e->price = f->price;
    e->qty = f->qty;
    e->maker_leaves = f->maker_leaves;
    e->taker_leaves = f->taker_leaves;
    e->expire = 0;
}

static void on_expire(void *ctx, uint64_t id, uint64_t user, int64_t leaves, nx_sim_reason_t why) {
    (void)id;
    got_t *g = ctx;
    assert_int_equal(why, NX_SIM_R_STP);
    ev_t *e = &g->ev[g->nev++];
    memset(e, 0, sizeof *e);
    e->maker = user;
    e->qty = leaves;
    e->expire = 1;
}

/* ---- comparison ----------------------------------------------------------------- */

static int g_cmp_side;
/* Best first: bids by price descending, asks ascending; then oldest first. */
static int cmp_ref_prio(const void *a, const void *b) {
    const ref_order_t *x = a, *y = b;
    if (x->price != y->price) {
        int lower = x->price < y->price ? -1 : 1;
        return g_cmp_side == NX_SIDE_BUY ? -lower : lower;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void compare_books(ref_t *r, nx_sim_matcher_t *m, const uint64_t *ids) {
    static ref_order_t sorted[REF_MAX];
    static int64_t px[REF_MAX], qy[REF_MAX];
    static uint64_t lid[REF_MAX];
    assert_int_equal(nx_sim_matcher_count(m), r->n);
    for (int side = NX_SIDE_BUY; side <= NX_SIDE_SELL; side++) {
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->o[i].side == side) sorted[k++] = r->o[i];
        g_cmp_side = side;
        qsort(sorted, k, sizeof *sorted, cmp_ref_prio);
        size_t nl = nx_sim_matcher_depth(m, (nx_side_t)side, px, qy, REF_MAX);
        size_t L = 0;
        for (size_t a = 0; a < k; L++) {
            assert_true(L < nl);
            assert_int_equal(px[L], sorted[a].price);
            size_t nid = nx_sim_matcher_level_orders(m, (nx_side_t)side, px[L], lid, REF_MAX);
            int64_t tot = 0;
            size_t j = 0;
            for (; a < k && sorted[a].price == px[L]; a++, j++) {
                tot += sorted[a].qty - sorted[a].filled;
                assert_true(j < nid);
                assert_int_equal(lid[j], ids[sorted[a].h]);
                nx_sim_order_view_t v;
                assert_int_equal(nx_sim_matcher_get(m, lid[j], &v), NX_OK);
                assert_int_equal(v.leaves, sorted[a].qty - sorted[a].filled);
                assert_int_equal(v.owner, sorted[a].owner);
            }
            assert_int_equal(j, nid);
            assert_int_equal(qy[L], tot);
        }
        assert_int_equal(L, nl);
    }
}

static void compare_events(const ref_t *r, const got_t *g) {
    assert_int_equal(g->nev, r->nev);
    for (size_t i = 0; i < r->nev; i++) {
        const ev_t *a = &r->ev[i], *b = &g->ev[i];
        assert_int_equal(a->expire, b->expire);
        assert_int_equal(a->maker, b->maker);
        assert_int_equal(a->qty, b->qty);
        if (!a->expire) {
            assert_int_equal(a->taker, b->taker);
            assert_int_equal(a->price, b->price);
            assert_int_equal(a->maker_leaves, b->maker_leaves);
            assert_int_equal(a->taker_leaves, b->taker_leaves);
        }
    }
}

typedef struct {
    uint64_t ops, adds, cancels, amends, cancel_alls, fills, partials, stp_expiries, depth_sum;
} counts_t;

/* Price step of the differential runs: 1 for the main runs; 512 and 1024
 * make every level share one or two buckets of the matcher's level-index
 * hints (NX__LVH_SIZE), so the fallback paths are checked too. */
static int64_t g_tick = 1;

static counts_t run_differential(uint64_t seed, nx_sim_stp_t stp, uint64_t n_ops) {
    static ref_t ref;
    static got_t got;
    static uint64_t ids[400000]; /* handle -> matcher id */
    counts_t c;
    memset(&c, 0, sizeof c);
    memset(&ref, 0, sizeof ref);
    ref.stp = stp;
    nx_sim_matcher_opts_t mo;
    nx_sim_matcher_opts_default(&mo);
    mo.stp = stp;
    mo.on_fill = on_fill;
    mo.on_expire = on_expire;
    mo.ctx = &got;
    nx_sim_matcher_t *m;
    assert_int_equal(nx_sim_matcher_new(&mo, &m), NX_OK);
    nx_rng_t rng;
    nx_rng_seed(&rng, seed);
    uint64_t next_h = 1;
    for (uint64_t op = 0; op < n_ops; op++) {
        got.nev = 0;
        ref.nev = 0;
        uint64_t dice = nx_rng_below(&rng, 1000);
        int busy = ref.n > 250;
        if (ref.n > 0 && (dice < 180 || (busy && dice < 450))) {
            /* cancel a random resting order, or a stale handle */
            ref_order_t *o = &ref.o[nx_rng_below(&rng, ref.n)];
            uint64_t h = o->h;
            int64_t lv_ref = o->qty - o->filled, lv = -1;
            if (nx_rng_below(&rng, 20) == 0) h = nx_rng_below(&rng, next_h - 1) + 1;
            ref_order_t *ro = ref_find(&ref, h);
            int rc = nx_sim_matcher_cancel(m, ids[h], &lv);
            if (ro) {
                lv_ref = ro->qty - ro->filled;
                assert_int_equal(rc, NX_OK);
                assert_int_equal(lv, lv_ref);
                ref_remove(&ref, ro);
            } else {
                assert_int_equal(rc, NX_ENOTFOUND);
            }
            c.cancels++;
        } else if (ref.n > 0 && dice < 330) {
            ref_order_t *o = &ref.o[nx_rng_below(&rng, ref.n)];
            uint64_t h = o->h;
            int64_t price = o->price, qty = o->qty;
            uint64_t kind = nx_rng_below(&rng, 4);
            if (kind == 0) qty = o->filled + 1 + (int64_t)nx_rng_below(&rng, (uint64_t)(o->qty - o->filled));
            else if (kind == 1) qty = o->qty + 1 + (int64_t)nx_rng_below(&rng, 10);
            else if (kind == 2) {
                int64_t off = (int64_t)nx_rng_below(&rng, 36) - 6;
                price = (o->side == NX_SIDE_BUY ? 1000 - off : 1000 + off) * g_tick;
            }
            else qty = o->filled - (int64_t)nx_rng_below(&rng, 2); /* <= filled: removes */
            if (qty <= 0 && kind != 3) qty = 1;
            nx_sim_match_result_t a, b;
            int rc1 = ref_amend(&ref, h, price, qty, &a);
            int rc2 = nx_sim_matcher_amend(m, ids[h], price, qty, &b);
            assert_int_equal(rc1, rc2);
            assert_int_equal(a.status, b.status);
            assert_int_equal(a.filled, b.filled);
            assert_int_equal(a.leaves, b.leaves);
            c.amends++;
        } else if (ref.n > 0 && dice < 332) {
            uint32_t owner = (uint32_t)nx_rng_below(&rng, 4);
            size_t want = 0;
            for (size_t i = 0; i < ref.n;) {
                if (ref.o[i].owner == owner) ref_remove(&ref, &ref.o[i]), want++;
                else i++;
            }
            assert_int_equal(nx_sim_matcher_cancel_all(m, owner), want);
            c.cancel_alls++;
        } else {
            nx_sim_order_req_t q;
            memset(&q, 0, sizeof q);
            q.owner = (uint32_t)nx_rng_below(&rng, 4);
            q.side = nx_rng_below(&rng, 2) ? NX_SIDE_BUY : NX_SIDE_SELL;
            uint64_t k = nx_rng_below(&rng, 100);
            q.type = NX_ORD_LIMIT;
            q.tif = NX_TIF_GTC;
            if (k < 8) q.type = NX_ORD_MARKET, q.tif = NX_TIF_IOC;
            else if (k < 25) q.tif = NX_TIF_IOC;
            else if (k < 35) q.tif = NX_TIF_FOK;
            else if (k < 47) q.flags = NX_ORDF_POST_ONLY;
            /* buyers below 1000, sellers above, overlapping by a few ticks:
             * a deep book that still crosses often */
            int64_t off = (int64_t)nx_rng_below(&rng, 36) - 6;
            q.price = (q.side == NX_SIDE_BUY ? 1000 - off : 1000 + off) * g_tick;
            q.qty = 1 + (int64_t)nx_rng_below(&rng, k < 8 ? 60 : 20);
            uint64_t h = next_h++;
            q.user = h;
            nx_sim_match_result_t a, b;
            ref_add(&ref, h, &q, &a);
            assert_int_equal(nx_sim_matcher_add(m, &q, &b), NX_OK);
            ids[h] = b.id;
            assert_int_equal(a.status, b.status);
            assert_int_equal(a.filled, b.filled);
            assert_int_equal(a.leaves, b.leaves);
            if (b.filled > 0 && b.status != NX_SIM_MATCH_FILLED) c.partials++;
            c.adds++;
        }
        compare_events(&ref, &got);
        for (size_t i = 0; i < got.nev; i++) {
            if (got.ev[i].expire) c.stp_expiries++;
            else c.fills++;
        }
        if ((op & 63) == 0 || op + 1 == n_ops) compare_books(&ref, m, ids);
        c.depth_sum += ref.n;
        c.ops++;
    }
    nx_sim_matcher_free(m);
    return c;
}

static void report(const char *what, counts_t c) {
    fprintf(stderr,
            "  %s: %llu ops (%llu adds, %llu cancels, %llu amends, %llu cancel-alls), %llu fills, "
            "%llu partially filled adds, %llu STP expiries, mean resting %.1f\n",
            what, (unsigned long long)c.ops, (unsigned long long)c.adds,
            (unsigned long long)c.cancels, (unsigned long long)c.amends,
            (unsigned long long)c.cancel_alls, (unsigned long long)c.fills,
            (unsigned long long)c.partials, (unsigned long long)c.stp_expiries,
            (double)c.depth_sum / (double)(c.ops ? c.ops : 1));
}

static uint64_t n_ops(void) {
    const char *e = getenv("NX_SIM_DIFF_OPS");
    if (e && *e) {
        uint64_t v = 0;
        for (const char *p = e; *p >= '0' && *p <= '9'; p++) v = v * 10 + (uint64_t)(*p - '0');
        if (v) return v;
    }
    return 100000;
}

static void matcher_agrees_with_naive_reference_without_stp(void **state) {
    (void)state;
    counts_t c = run_differential(1, NX_SIM_STP_NONE, n_ops());
    report("stp none", c);
    assert_true(c.ops >= 100000 || getenv("NX_SIM_DIFF_OPS"));
    assert_true(c.fills > 1000 && c.partials > 100);
}

static void matcher_agrees_with_naive_reference_with_stp_expire_taker(void **state) {
    (void)state;
    counts_t c = run_differential(2, NX_SIM_STP_EXPIRE_TAKER, n_ops());
    report("stp expire_taker", c);
    assert_true(c.fills > 1000);
}

static void matcher_agrees_with_naive_reference_with_stp_expire_maker(void **state) {
    (void)state;
    counts_t c = run_differential(3, NX_SIM_STP_EXPIRE_MAKER, n_ops());
    report("stp expire_maker", c);
    assert_true(c.fills > 1000 && c.stp_expiries > 100);
}

static void matcher_agrees_with_naive_reference_with_stp_expire_both(void **state) {
    (void)state;
    counts_t c = run_differential(4, NX_SIM_STP_EXPIRE_BOTH, n_ops());
    report("stp expire_both", c);
    assert_true(c.fills > 1000 && c.stp_expiries > 100);
}

/* ---- hand-checked matcher cases ------------------------------------------------ */

static nx_sim_matcher_t *mk(nx_sim_stp_t stp, got_t *g) {
    nx_sim_matcher_opts_t mo;
    nx_sim_matcher_opts_default(&mo);
    mo.stp = stp;
    mo.on_fill = on_fill;
    mo.on_expire = on_expire;
    mo.ctx = g;
    mo.capacity = 8;
    mo.max_levels = 3;
    nx_sim_matcher_t *m;
    assert_int_equal(nx_sim_matcher_new(&mo, &m), NX_OK);
    return m;
}

static nx_sim_match_result_t add(nx_sim_matcher_t *m, uint32_t owner, uint8_t side, uint8_t tif,
                                 int64_t price, int64_t qty, uint64_t user) {
    nx_sim_order_req_t q = {owner, side, price ? NX_ORD_LIMIT : NX_ORD_MARKET, tif, 0, price, qty, user};
    nx_sim_match_result_t r;
    assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_OK);
    return r;
}

static void price_time_priority_trades_best_price_then_oldest_at_maker_price(void **state) {
    (void)state;
    static got_t g;
    g.nev = 0;
    nx_sim_matcher_t *m = mk(NX_SIM_STP_NONE, &g);
    add(m, 1, NX_SIDE_SELL, NX_TIF_GTC, 101, 5, 1);
    add(m, 2, NX_SIDE_SELL, NX_TIF_GTC, 100, 3, 2);
    add(m, 3, NX_SIDE_SELL, NX_TIF_GTC, 100, 4, 3);
    nx_sim_match_result_t r = add(m, 4, NX_SIDE_BUY, NX_TIF_GTC, 101, 10, 4);
    assert_int_equal(r.status, NX_SIM_MATCH_FILLED);
    assert_int_equal(g.nev, 3);
    assert_int_equal(g.ev[0].maker, 2); /* 100, older */
    assert_int_equal(g.ev[0].price, 100);
    assert_int_equal(g.ev[1].maker, 3);
    assert_int_equal(g.ev[2].maker, 1);
    assert_int_equal(g.ev[2].price, 101);
    assert_int_equal(g.ev[2].qty, 3);
    assert_int_equal(g.ev[2].maker_leaves, 2);
    nx_sim_matcher_free(m);
}

static void amend_down_keeps_priority_and_price_change_loses_it(void **state) {
    (void)state;
    static got_t g;
    g.nev = 0;
    nx_sim_matcher_t *m = mk(NX_SIM_STP_NONE, &g);
    nx_sim_match_result_t a = add(m, 1, NX_SIDE_BUY, NX_TIF_GTC, 99, 5, 1);
    nx_sim_match_result_t b = add(m, 2, NX_SIDE_BUY, NX_TIF_GTC, 99, 5, 2);
    nx_sim_match_result_t r;
    assert_int_equal(nx_sim_matcher_amend(m, a.id, 99, 2, &r), NX_OK);
    uint64_t ids[4];
    assert_int_equal(nx_sim_matcher_level_orders(m, NX_SIDE_BUY, 99, ids, 4), 2);
    assert_int_equal(ids[0], a.id); /* still first */
    assert_int_equal(nx_sim_matcher_amend(m, a.id, 98, 2, &r), NX_OK);
    assert_int_equal(nx_sim_matcher_amend(m, a.id, 99, 2, &r), NX_OK);
    assert_int_equal(nx_sim_matcher_level_orders(m, NX_SIDE_BUY, 99, ids, 4), 2);
    assert_int_equal(ids[0], b.id); /* a went to the back */
    assert_int_equal(ids[1], a.id);
    assert_int_equal(nx_sim_matcher_amend(m, b.id, 99, 6, &r), NX_OK); /* qty up: back */
    assert_int_equal(nx_sim_matcher_level_orders(m, NX_SIDE_BUY, 99, ids, 4), 2);
    assert_int_equal(ids[0], a.id);
    nx_sim_matcher_free(m);
}

static void fok_kills_without_trading_and_post_only_refuses_to_take(void **state) {
    (void)state;
    static got_t g;
    g.nev = 0;
    nx_sim_matcher_t *m = mk(NX_SIM_STP_NONE, &g);
    add(m, 1, NX_SIDE_SELL, NX_TIF_GTC, 100, 3, 1);
    nx_sim_match_result_t r = add(m, 2, NX_SIDE_BUY, NX_TIF_FOK, 100, 4, 2);
    assert_int_equal(r.status, NX_SIM_MATCH_FOK_KILLED);
    assert_int_equal(r.filled, 0);
    assert_int_equal(g.nev, 0);
    nx_sim_order_req_t q = {2, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, NX_ORDF_POST_ONLY, 100, 1, 3};
    assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_OK);
    assert_int_equal(r.status, NX_SIM_MATCH_POST_ONLY);
    q.price = 99;
    assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_OK);
    assert_int_equal(r.status, NX_SIM_MATCH_RESTING);
    r = add(m, 2, NX_SIDE_BUY, NX_TIF_IOC, 100, 5, 4);
    assert_int_equal(r.status, NX_SIM_MATCH_EXPIRED);
    assert_int_equal(r.filled, 3);
    nx_sim_matcher_free(m);
}

static void capacity_and_level_ceilings_fail_with_elimit_and_change_nothing(void **state) {
    (void)state;
    static got_t g;
    g.nev = 0;
    nx_sim_matcher_t *m = mk(NX_SIM_STP_NONE, &g);
    add(m, 1, NX_SIDE_BUY, NX_TIF_GTC, 97, 1, 1);
    add(m, 1, NX_SIDE_BUY, NX_TIF_GTC, 98, 1, 2);
    add(m, 1, NX_SIDE_BUY, NX_TIF_GTC, 99, 1, 3);
    nx_sim_order_req_t q = {1, NX_SIDE_BUY, NX_ORD_LIMIT, NX_TIF_GTC, 0, 96, 1, 4};
    nx_sim_match_result_t r;
    assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_ELIMIT);
    assert_int_equal(nx_sim_matcher_count(m), 3);
    q.price = 99; /* existing level: fine */
    for (int i = 0; i < 5; i++) assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_OK);
    assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_ELIMIT); /* 8 orders */
    assert_int_equal(nx_sim_matcher_cancel_all(m, UINT32_MAX), 8);
    assert_int_equal(nx_sim_matcher_best(m, NX_SIDE_BUY, NULL, NULL), NX_ENOTFOUND);
    nx_sim_matcher_free(m);
}

static void no_allocation_per_operation_after_creation(void **state) {
    (void)state;
    static got_t g;
    nx_sim_matcher_opts_t mo;
    nx_sim_matcher_opts_default(&mo);
    mo.stp = NX_SIM_STP_EXPIRE_MAKER;
    mo.on_fill = on_fill;
    mo.on_expire = on_expire;
    mo.ctx = &g;
    nx_sim_matcher_t *m;
    assert_int_equal(nx_sim_matcher_new(&mo, &m), NX_OK);
    nx_alloc_stats_t a, b;
    nx_alloc_stats(&a);
    nx_rng_t rng;
    nx_rng_seed(&rng, 9);
    for (int i = 0; i < 20000; i++) {
        g.nev = 0;
        nx_sim_order_req_t q = {(uint32_t)nx_rng_below(&rng, 3),
                                nx_rng_below(&rng, 2) ? NX_SIDE_BUY : NX_SIDE_SELL, NX_ORD_LIMIT,
                                NX_TIF_GTC, 0, 1000 + (int64_t)nx_rng_below(&rng, 20) - 10,
                                1 + (int64_t)nx_rng_below(&rng, 5), (uint64_t)i};
        nx_sim_match_result_t r;
        assert_int_equal(nx_sim_matcher_add(m, &q, &r), NX_OK);
        if (i % 3 == 0 && r.status == NX_SIM_MATCH_RESTING) nx_sim_matcher_cancel(m, r.id, NULL);
    }
    nx_alloc_stats(&b);
    assert_int_equal(a.calls, b.calls);
    nx_sim_matcher_free(m);
}


/* ---- the venue: invariants on random runs -------------------------------------- */

typedef struct {
    int64_t limit[20001];   /* by intent id: limit price (0 market) */
    uint8_t side[20001];
    int64_t submit[20001];
    uint64_t oco_of[20001]; /* partner intent id */
    int filled[20001];
    uint64_t fills, checked;
    int64_t lat;
} inv_t;

static int inv_out(void *ctx, const nx_event_hdr_t *ev) {
    inv_t *v = ctx;
    if (ev->type == NX_EV_ORDER_ACK) { /* an accepted amend moves the limit */
        const nx_ev_order_t *a = (const nx_ev_order_t *)(const void *)ev;
        if (a->reason == NX_SIM_R_AMENDED && a->intent_id <= 20000 && v->limit[a->intent_id])
            v->limit[a->intent_id] = a->price;
        return 0;
    }
    if (ev->type != NX_EV_FILL) return 0;
    const nx_ev_fill_t *f = (const nx_ev_fill_t *)(const void *)ev;
    uint64_t id = f->intent_id;
    v->fills++;
    if (id == 0 || id > 20000) return 0; /* liquidation */
    int64_t L = v->limit[id];
    if (L) { /* no fill through a limit price */
        if (v->side[id] == NX_SIDE_BUY) assert_true(f->price <= L);
        else assert_true(f->price >= L);
    }
    /* no fill earlier than arrival plus latency */
    assert_true(f->h.ts_venue >= v->submit[id] + v->lat);
    v->filled[id] = 1;
    if (v->oco_of[id]) assert_false(v->filled[v->oco_of[id]]); /* OCO legs never both fill */
    v->checked++;
    return 0;
}

static void venue_invariants_run(nx_sim_fill_model_t fill, uint64_t seed, int n_events) {
    static inv_t v;
    memset(&v, 0, sizeof v);
    v.lat = 3 * NX_NS_PER_MS;
    nx_sim_config_t c;
    nx_sim_config_default(&c);
    c.fill = fill;
    c.seed = seed;
    c.queue = (nx_sim_queue_t)(seed % 3);
    c.lat_entry.ns = v.lat;
    c.stp = (nx_sim_stp_t)(seed % 4);
    c.impact.model = NX_SIM_IMPACT_FIXED_BP;
    c.impact.bp = 2;
    nx_sim_t *s;
    assert_int_equal(nx_sim_new(&c, &s), NX_OK);
    uint32_t usdt, btc, a1, a2;
    assert_int_equal(nx_sim_add_asset(s, "USDT", 8, &usdt), NX_OK);
    assert_int_equal(nx_sim_add_asset(s, "BTC", 8, &btc), NX_OK);
    nx_instrument_t in;
    memset(&in, 0, sizeof in);
    in.id = 1;
    memcpy(in.base, "BTC", 4);
    memcpy(in.quote, "USDT", 5);
    in.tick_size = nx_dec_make(1, 2);
    in.lot_size = nx_dec_make(1, 4);
    in.min_qty = nx_dec_make(1, 4);
    in.price_precision = 2;
    in.size_precision = 4;
    in.multiplier = nx_dec_make(1, 0);
    in.maker_fee = nx_dec_make(-1, 4); /* a rebate */
    in.taker_fee = nx_dec_make(75, 5);
    nx_sim_instr_opts_t io;
    nx_sim_instr_opts_default(&io);
    io.fees.ccy = seed & 1 ? NX_SIM_FEE_RECEIVED : NX_SIM_FEE_QUOTE;
    assert_int_equal(nx_sim_add_instrument(s, &in, &io), NX_OK);
    assert_int_equal(nx_sim_add_account(s, &a1), NX_OK);
    assert_int_equal(nx_sim_add_account(s, &a2), NX_OK);
    nx_sim_route(s, 1, a1);
    nx_sim_route(s, 2, a2);
    for (uint32_t a = 0; a < 3; a++) {
        assert_int_equal(nx_sim_deposit(s, a, usdt, nx_dec_make(5000, 0)), NX_OK);
        assert_int_equal(nx_sim_deposit(s, a, btc, nx_dec_make(50, 0)), NX_OK);
    }
    nx_sim_set_output(s, inv_out, &v);
    nx_rng_t r;
    nx_rng_seed(&r, seed);
    int64_t px = 10000;
    uint64_t next_id = 1;
    for (int i = 0; i < n_events; i++) {
        nx_event_t ev;
        int64_t ts = (int64_t)1700000000 * NX_NS_PER_SEC + (int64_t)i * NX_NS_PER_MS;
        uint64_t k = nx_rng_below(&r, 100);
        if (k < 35 && next_id < 19990) {
            nx_event_init(&ev, NX_EV_ORDER_INTENT);
            nx_ev_order_intent_t *it = &ev.order_intent;
            it->h.ts_recv = ts;
            it->strategy = (uint32_t)nx_rng_below(&r, 3);
            it->instrument = 1;
            it->price_scale = 2;
            it->qty_scale = 4;
            uint64_t act = nx_rng_below(&r, 10);
            if (act == 0 && next_id > 1) {
                it->action = NX_ORDA_CANCEL;
                it->intent_id = 1 + nx_rng_below(&r, next_id - 1);
            } else if (act == 1 && next_id > 1) {
                it->action = NX_ORDA_AMEND;
                it->intent_id = 1 + nx_rng_below(&r, next_id - 1);
                it->price = v.limit[it->intent_id] ? v.limit[it->intent_id] + (int64_t)nx_rng_below(&r, 5) - 2 : px;
                it->qty = 100 * (1 + (int64_t)nx_rng_below(&r, 30));
            } else {
                uint64_t id = next_id++;
                it->intent_id = id;
                it->side = nx_rng_below(&r, 2) ? NX_SIDE_BUY : NX_SIDE_SELL;
                uint64_t t = nx_rng_below(&r, 10);
                it->ord_type = t < 2 ? NX_ORD_MARKET : t < 7 ? NX_ORD_LIMIT : t < 8 ? NX_ORD_STOP_MARKET
                             : t < 9 ? NX_ORD_STOP_LIMIT : NX_ORD_TRAILING_STOP;
                uint64_t tf = nx_rng_below(&r, 10);
                it->tif = tf < 6 ? NX_TIF_GTC : tf < 8 ? NX_TIF_IOC : NX_TIF_FOK;
                int64_t off = (int64_t)nx_rng_below(&r, 40) - 10;
                it->price = it->side == NX_SIDE_BUY ? px - off : px + off;
                it->stop_price = it->ord_type == NX_ORD_TRAILING_STOP ? 50 : px + (it->side == NX_SIDE_BUY ? 20 : -20);
                it->qty = 100 * (1 + (int64_t)nx_rng_below(&r, 30));
                if (nx_rng_below(&r, 8) == 0) it->flags |= NX_ORDF_POST_ONLY;
                if (nx_rng_below(&r, 7) == 0 && id > 1 && !v.oco_of[id - 1] && v.side[id - 1] == it->side) {
                    it->flags |= NX_ORDF_OCO;
                    it->link_id = id - 1;
                    v.oco_of[id] = id - 1;
                    v.oco_of[id - 1] = id;
                }
                v.side[id] = it->side;
                v.submit[id] = ts;
                v.limit[id] = (it->ord_type == NX_ORD_LIMIT || it->ord_type == NX_ORD_STOP_LIMIT) ? it->price : 0;
            }
        } else if (fill == NX_SIM_FILL_BOOK && k < 75) {
            px += (int64_t)nx_rng_below(&r, 7) - 3;
            nx_event_init(&ev, NX_EV_QUOTE);
            ev.quote.h.ts_recv = ts;
            ev.quote.instrument = 1;
            ev.quote.price_scale = 2;
            ev.quote.qty_scale = 4;
            ev.quote.bid_price = px - 1 - (int64_t)nx_rng_below(&r, 3);
            ev.quote.ask_price = px + 1 + (int64_t)nx_rng_below(&r, 3);
            ev.quote.bid_qty = 100 * (1 + (int64_t)nx_rng_below(&r, 50));
            ev.quote.ask_qty = 100 * (1 + (int64_t)nx_rng_below(&r, 50));
        } else if (fill == NX_SIM_FILL_BARS) {
            nx_event_init(&ev, NX_EV_BAR);
            int64_t o = px, c2 = px + (int64_t)nx_rng_below(&r, 41) - 20;
            int64_t hi = (o > c2 ? o : c2) + (int64_t)nx_rng_below(&r, 15);
            int64_t lo = (o < c2 ? o : c2) - (int64_t)nx_rng_below(&r, 15);
            ev.bar.h.ts_venue = ts - NX_NS_PER_MS;
            ev.bar.h.ts_recv = ts;
            ev.bar.instrument = 1;
            ev.bar.price_scale = 2;
            ev.bar.qty_scale = 4;
            ev.bar.interval_ns = NX_NS_PER_MS;
            ev.bar.open = o;
            ev.bar.high = hi;
            ev.bar.low = lo;
            ev.bar.close = c2;
            ev.bar.volume = 100000;
            px = c2 + (int64_t)nx_rng_below(&r, 5) - 2;
        } else {
            px += (int64_t)nx_rng_below(&r, 9) - 4;
            nx_event_init(&ev, NX_EV_TRADE);
            ev.trade.h.ts_recv = ts;
            ev.trade.instrument = 1;
            ev.trade.price_scale = 2;
            ev.trade.qty_scale = 4;
            ev.trade.price = px;
            ev.trade.qty = 100 * (1 + (int64_t)nx_rng_below(&r, 40));
            ev.trade.aggressor = (uint8_t)nx_rng_below(&r, 3);
        }
        if (px < 1000) px = 1000;
        assert_int_equal(nx_sim_handle(s, &ev.h), NX_OK);
        /* no negative balance; locks within balances; assets conserved */
        for (uint32_t asset = usdt; asset <= btc; asset++) {
            int64_t sum = 0, fees, market;
            for (uint32_t a = 0; a < 3; a++) {
                nx_sim_balance_t b;
                assert_int_equal(nx_sim_balance(s, a, asset, &b), NX_OK);
                assert_true(b.total >= 0);
                assert_true(b.locked >= 0 && b.locked <= b.total);
                sum += b.total;
            }
            nx_sim_ledger(s, asset, &fees, &market);
            assert_int_equal(sum + fees + market, (asset == usdt ? 15000 : 150) * 100000000LL);
        }
    }
    nx_sim_free(s);
    fprintf(stderr, "  venue %s seed %llu: %d events, %llu fills checked\n",
            fill == NX_SIM_FILL_BARS ? "bars" : fill == NX_SIM_FILL_TRADES ? "trades" : "book",
            (unsigned long long)seed, n_events, (unsigned long long)v.checked);
    assert_true(v.checked > 100);
}

static void matcher_agrees_with_naive_reference_when_prices_share_level_hint_buckets(void **state) {
    (void)state;
    for (int64_t tick = 512; tick <= 1024; tick *= 2) {
        g_tick = tick;
        counts_t a = run_differential(11, NX_SIM_STP_NONE, 30000);
        counts_t b = run_differential(12, NX_SIM_STP_EXPIRE_MAKER, 30000);
        g_tick = 1;
        report(tick == 512 ? "stp none, tick 512" : "stp none, tick 1024", a);
        report(tick == 512 ? "stp expire_maker, tick 512" : "stp expire_maker, tick 1024", b);
        assert_true(a.fills > 1000 && b.fills > 1000);
    }
}

static void venue_random_runs_keep_every_invariant(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        venue_invariants_run(NX_SIM_FILL_TRADES, seed, 20000);
        venue_invariants_run(NX_SIM_FILL_BOOK, seed, 20000);
        venue_invariants_run(NX_SIM_FILL_BARS, seed, 20000);
    }
}

static const struct CMUnitTest cases[] = {
    NX_CASE(price_time_priority_trades_best_price_then_oldest_at_maker_price),
    NX_CASE(amend_down_keeps_priority_and_price_change_loses_it),
    NX_CASE(fok_kills_without_trading_and_post_only_refuses_to_take),
    NX_CASE(capacity_and_level_ceilings_fail_with_elimit_and_change_nothing),
    NX_CASE(no_allocation_per_operation_after_creation),
    NX_CASE(matcher_agrees_with_naive_reference_without_stp),
    NX_CASE(matcher_agrees_with_naive_reference_with_stp_expire_taker),
    NX_CASE(matcher_agrees_with_naive_reference_with_stp_expire_maker),
    NX_CASE(matcher_agrees_with_naive_reference_with_stp_expire_both),
    NX_CASE(matcher_agrees_with_naive_reference_when_prices_share_level_hint_buckets),
    NX_CASE(venue_random_runs_keep_every_invariant),
};

NX_TEST_MAIN(cases)
