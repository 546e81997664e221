/*
 * Fuzz the matcher with operation sequences decoded from the input (add
 * limit/market/IOC/FOK/post-only, cancel, amend), under the STP mode in the
 * first byte, against a naive reference written here (arrays and O(n)
 * scans). Aborts on any divergence of a result, a fill or the book.
 *
 * Input: byte 0 STP mode; then 5-byte records: op, side/owner, price, qty, pick.
 */
#include <stdlib.h>
#include <string.h>

#include "nexus/sim.h"

#define MAXO 512

typedef struct {
    uint64_t h, id;
    uint32_t owner;
    uint8_t side, post;
    int64_t price, qty, filled;
    uint64_t seq;
} ro_t;

static ro_t g_o[MAXO];
static size_t g_n;
static uint64_t g_seq;
static nx_sim_stp_t g_stp;
static uint64_t g_fills_ref[4096][4], g_fills_got[4096][4];
static size_t g_nref, g_ngot;

static int cross(uint8_t side, int64_t lim, int64_t p) {
    return lim == 0 || (side == NX_SIDE_BUY ? p <= lim : p >= lim);
}

static long best(uint8_t side, int64_t lim, const char *skip) {
    long b = -1;
    for (size_t i = 0; i < g_n; i++) {
        ro_t *c = &g_o[i];
        if (c->side == side || (skip && skip[i]) || !cross(side, lim, c->price)) continue;
        if (b < 0) { b = (long)i; continue; }
        ro_t *x = &g_o[b];
        int better = c->price != x->price ? (side == NX_SIDE_BUY ? c->price < x->price : c->price > x->price)
                                          : c->seq < x->seq;
        if (better) b = (long)i;
    }
    return b;
}

static void rec(uint64_t a, uint64_t b, int64_t p, int64_t q) {
    if (g_nref < 4096) {
        g_fills_ref[g_nref][0] = a, g_fills_ref[g_nref][1] = b;
        g_fills_ref[g_nref][2] = (uint64_t)p, g_fills_ref[g_nref][3] = (uint64_t)q;
    }
    g_nref++;
}

static int ref_take(ro_t *t, int64_t lim, int fok, int ioc, int *stp) {
    int64_t need = t->qty - t->filled;
    *stp = 0;
    if (t->post) return best(t->side, lim, NULL) >= 0 ? -1 : 0;
    if (fok) {
        char skip[MAXO] = {0};
        int64_t got = 0;
        for (long b; got < need && (b = best(t->side, lim, skip)) >= 0;) {
            skip[b] = 1;
            if (g_stp && g_o[b].owner == t->owner) {
                if (g_stp == NX_SIM_STP_EXPIRE_MAKER) continue;
                break;
            }
            got += g_o[b].qty - g_o[b].filled;
        }
        if (got < need) return -2;
    }
    (void)ioc;
    while (t->filled < t->qty) {
        long b = best(t->side, lim, NULL);
        if (b < 0) break;
        ro_t *c = &g_o[b];
        if (g_stp && c->owner == t->owner) {
            if (g_stp == NX_SIM_STP_EXPIRE_TAKER) { *stp = 1; break; }
            rec(c->h, 0, 0, (uint64_t)(c->qty - c->filled));
            g_o[b] = g_o[--g_n];
            if (g_stp == NX_SIM_STP_EXPIRE_BOTH) { *stp = 1; break; }
            continue;
        }
        int64_t q = t->qty - t->filled < c->qty - c->filled ? t->qty - t->filled : c->qty - c->filled;
        c->filled += q;
        t->filled += q;
        rec(c->h, t->h, c->price, q);
        if (c->filled == c->qty) g_o[b] = g_o[--g_n];
    }
    return 0;
}

static void on_fill(void *ctx, const nx_sim_fill_t *f) {
    (void)ctx;
    if (g_ngot < 4096) {
        g_fills_got[g_ngot][0] = f->maker_user, g_fills_got[g_ngot][1] = f->taker_user;
        g_fills_got[g_ngot][2] = (uint64_t)f->price, g_fills_got[g_ngot][3] = (uint64_t)f->qty;
    }
    g_ngot++;
}

static void on_expire(void *ctx, uint64_t id, uint64_t user, int64_t leaves, nx_sim_reason_t why) {
    (void)ctx, (void)id, (void)why;
    if (g_ngot < 4096) {
        g_fills_got[g_ngot][0] = user, g_fills_got[g_ngot][1] = 0;
        g_fills_got[g_ngot][2] = 0, g_fills_got[g_ngot][3] = (uint64_t)leaves;
    }
    g_ngot++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    g_stp = (nx_sim_stp_t)(data[0] % 4);
    g_n = 0;
    g_seq = 0;
    nx_sim_matcher_opts_t mo;
    nx_sim_matcher_opts_default(&mo);
    mo.capacity = MAXO;
    mo.stp = g_stp;
    mo.on_fill = on_fill;
    mo.on_expire = on_expire;
    nx_sim_matcher_t *m;
    if (nx_sim_matcher_new(&mo, &m) != NX_OK) abort();
    uint64_t h = 0;
    for (size_t i = 1; i + 5 <= size; i += 5) {
        const uint8_t *r = data + i;
        uint8_t op = r[0] % 8, side = (r[1] & 1) ? NX_SIDE_BUY : NX_SIDE_SELL;
        uint32_t owner = (uint32_t)(r[1] >> 1) % 3;
        int64_t price = 100 + r[2] % 16, qty = 1 + r[3] % 9;
        g_nref = g_ngot = 0;
        nx_sim_match_result_t res;
        if (op <= 4 && g_n + 1 < MAXO) {
            int type = op == 4 ? NX_ORD_MARKET : NX_ORD_LIMIT;
            int tif = op == 1 ? NX_TIF_IOC : op == 2 ? NX_TIF_FOK : op == 4 ? NX_TIF_IOC : NX_TIF_GTC;
            uint8_t post = op == 3;
            nx_sim_order_req_t q = {owner, side, (uint8_t)type, (uint8_t)tif, post ? NX_ORDF_POST_ONLY : 0,
                                    price, qty, ++h};
            if (nx_sim_matcher_add(m, &q, &res) != NX_OK) abort();
            ro_t t = {h, res.id, owner, side, post, type == NX_ORD_LIMIT ? price : 0, qty, 0, ++g_seq};
            int stp, rc = ref_take(&t, t.price, tif == NX_TIF_FOK, 0, &stp);
            nx_sim_match_status_t want = rc == -1 ? NX_SIM_MATCH_POST_ONLY : rc == -2 ? NX_SIM_MATCH_FOK_KILLED
                                       : t.filled == qty ? NX_SIM_MATCH_FILLED : stp ? NX_SIM_MATCH_STP
                                       : (type == NX_ORD_MARKET || tif != NX_TIF_GTC) ? NX_SIM_MATCH_EXPIRED
                                                                                      : NX_SIM_MATCH_RESTING;
            if (res.status != want || res.filled != t.filled) abort();
            if (want == NX_SIM_MATCH_RESTING) g_o[g_n++] = t;
        } else if (g_n) {
            ro_t *o = &g_o[r[4] % g_n];
            if (op == 5 || op == 6) {
                int64_t l;
                if (nx_sim_matcher_cancel(m, o->id, &l) != NX_OK || l != o->qty - o->filled) abort();
                *o = g_o[--g_n];
            } else { /* amend down in place */
                int64_t nq = o->filled + 1 + (o->qty - o->filled - 1) / 2;
                if (nx_sim_matcher_amend(m, o->id, o->price, nq, &res) != NX_OK) abort();
                if (res.status != NX_SIM_MATCH_RESTING || res.leaves != nq - o->filled) abort();
                o->qty = nq;
            }
        }
        if (g_nref != g_ngot) abort();
        for (size_t k = 0; k < g_nref && k < 4096; k++)
            if (memcmp(g_fills_ref[k], g_fills_got[k], sizeof g_fills_ref[k])) abort();
        if (nx_sim_matcher_count(m) != g_n) abort();
        for (size_t k = 0; k < g_n; k++) {
            nx_sim_order_view_t v;
            if (nx_sim_matcher_get(m, g_o[k].id, &v) != NX_OK || v.leaves != g_o[k].qty - g_o[k].filled) abort();
        }
    }
    nx_sim_matcher_free(m);
    return 0;
}
