/*
 * fill_bars.c — the bar fill model.
 *
 * A bar is published at its close; it decides orders that were live at its
 * open (arrival <= open + bar_grace_ns) — an order placed during a bar waits
 * for the next one, so nothing fills on prices from before it existed.
 *
 * Intrabar path: open -> the nearer extreme -> the other extreme -> close
 * (ties: the low first), moving in straight lines. "Path time" is the
 * distance travelled along it in price units (exact integers); it maps
 * linearly onto the bar's interval for the fills' venue timestamps.
 *
 *   market        fills at the open (path time 0)
 *   limit         buy: the first point where the path is <= the limit: at
 *                 the open if the bar opens through it (taker, at the open),
 *                 else at the limit price (maker); sell mirrored
 *   stop          triggers where the path first reaches the stop: a gap
 *                 through it triggers at the open; a stop-market then fills
 *                 at that point (taker, impact applied), a stop-limit becomes
 *                 a limit on the rest of the path
 *   take-profit   the same with the opposite direction
 *   trailing      the watermark follows the path; triggers when the path
 *                 falls (rises) by the offset from it
 * Orders are decided in path order (ties: priority), one at a time: a fill
 * may cancel an OCO partner or release bracket children, which then live
 * on the rest of the same path. A stop and a target inside one bar: the one
 * the path reaches first wins.
 */
#include "sim/sim_int.h"

typedef struct {
    int64_t p[4];
    int64_t c[4]; /* cumulative path time at each point */
} nx__path_t;

static int64_t nx__abs(int64_t v) { return v < 0 ? -v : v; }

static void nx__mkpath(nx__path_t *P, const nx_ev_bar_t *b) {
    int high_first = (b->high - b->open) < (b->open - b->low);
    P->p[0] = b->open;
    P->p[1] = high_first ? b->high : b->low;
    P->p[2] = high_first ? b->low : b->high;
    P->p[3] = b->close;
    P->c[0] = 0;
    for (int i = 1; i < 4; i++) P->c[i] = P->c[i - 1] + nx__abs(P->p[i] - P->p[i - 1]);
}

static int nx__seg(const nx__path_t *P, int64_t t) {
    int k = 0;
    while (k < 2 && t >= P->c[k + 1]) k++;
    return k;
}

static int64_t nx__at(const nx__path_t *P, int64_t t) {
    if (t >= P->c[3]) return P->p[3];
    int k = nx__seg(P, t);
    int64_t d = t - P->c[k];
    return P->p[k + 1] >= P->p[k] ? P->p[k] + d : P->p[k] - d;
}

static int nx__sat(int dir, int64_t px, int64_t x) { return dir > 0 ? px >= x : px <= x; }

/* First path time >= t0 where the price is >= x (dir > 0) or <= x. */
static int nx__first(const nx__path_t *P, int64_t t0, int dir, int64_t x, int64_t *t, int64_t *px) {
    int64_t a = nx__at(P, t0);
    if (nx__sat(dir, a, x)) {
        *t = t0;
        *px = a;
        return 1;
    }
    if (t0 >= P->c[3]) return 0;
    int64_t ta = t0;
    for (int k = nx__seg(P, t0); k < 3; k++) {
        int64_t b = P->p[k + 1];
        if (nx__sat(dir, b, x)) {
            *t = ta + nx__abs(x - a);
            *px = x;
            return 1;
        }
        a = b;
        ta = P->c[k + 1];
    }
    return 0;
}

/* Trailing stop on the path from t0; *mark_out = the watermark at the end. */
static int nx__trail(const nx__sim_instr_t *in, const nx__sim_order_t *o0, const nx__path_t *P,
                     int64_t t0, int64_t *t, int64_t *px, int64_t *mark_out) {
    nx__sim_order_t o = *o0;
    int sell = o.side == NX_SIDE_SELL;
    int64_t a = nx__at(P, t0), ta = t0;
    if (o.mark <= 0) o.mark = a;
    for (int k = nx__seg(P, t0); k < 3 && ta <= P->c[3]; k++) {
        int64_t lvl = nx__ord_trigger_level(in, &o);
        if (sell ? a <= lvl : a >= lvl) {
            *t = ta;
            *px = a;
            return 1;
        }
        int64_t b = P->p[k + 1];
        int adverse = sell ? b < a : b > a;
        if (adverse && (sell ? b <= lvl : b >= lvl)) {
            *t = ta + nx__abs(a - lvl);
            *px = lvl;
            return 1;
        }
        if (!adverse) nx__ord_trail_update(in, &o, b);
        a = b;
        ta = P->c[k + 1];
    }
    *mark_out = o.mark;
    return 0;
}

enum { NX__ACT_FILL = 1, NX__ACT_TRIGGER = 2 };

/* When and how o acts on the path from t0. */
static int nx__eval(const nx__sim_instr_t *in, const nx__sim_order_t *o, const nx__path_t *P,
                    int64_t t0, int64_t *t, int64_t *px, int *act) {
    if (nx__ord_is_trigger(o)) {
        *act = NX__ACT_TRIGGER;
        if (o->ord_type == NX_ORD_TRAILING_STOP) {
            int64_t m;
            return nx__trail(in, o, P, t0, t, px, &m);
        }
        return nx__first(P, t0, nx__ord_dir(o), o->stop, t, px);
    }
    *act = NX__ACT_FILL;
    if (o->type == NX_ORD_MARKET) {
        *t = t0;
        *px = nx__at(P, t0);
        return 1;
    }
    return nx__first(P, t0, o->side == NX_SIDE_BUY ? -1 : 1, o->price, t, px);
}

static int nx__eligible(const nx_sim_t *s, const nx__sim_order_t *o, nx_ts_t open) {
    if (o->closed || (o->flags & NX__F_DEAD)) return 0;
    return o->bar_id == s->bar_id || o->arrival <= open + s->c.bar_grace_ns;
}

void nx__fill_bar(nx_sim_t *s, nx__sim_instr_t *in, const nx_ev_bar_t *b) {
    nx__path_t P;
    nx__mkpath(&P, b);
    int64_t iv = b->interval_ns > 0 ? b->interval_ns : 0;
    nx_ts_t open = b->h.ts_venue ? b->h.ts_venue : b->h.ts_recv - iv;
    s->in_bar = 1;
    s->bar_id++;
    uint32_t guard = 4 * (in->m->o.capacity < 65536 ? in->m->o.capacity : 65536) + 64;
    while (guard--) {
        nx__sim_order_t *best = NULL;
        int64_t bt = 0, bpx = 0;
        int bact = 0;
        for (int si = 0; si < 2; si++) {
            const nx__mside_t *sd = &in->m->s[si];
            for (uint32_t i = sd->n; i-- > 0;) {
                int64_t lp = sd->lv[i].price;
                if (si == 0 ? lp < b->low : lp > b->high) break; /* the path never gets there */
                for (uint32_t j = sd->lv[i].head; j != NX__NIL; j = in->m->lk[j].next) {
                    nx__sim_order_t *o = &in->m->pool[j];
                    if (!nx__eligible(s, o, open)) continue;
                    int64_t t0 = o->bar_id == s->bar_id ? o->path_t0 : 0, t, px;
                    int act;
                    if (nx__eval(in, o, &P, t0, &t, &px, &act) &&
                        (!best || t < bt || (t == bt && o->seq < best->seq)))
                        best = o, bt = t, bpx = px, bact = act;
                }
            }
        }
        for (uint32_t j = in->wait_head; j != NX__NIL; j = in->m->lk[j].next) {
            nx__sim_order_t *o = &in->m->pool[j];
            if (!nx__eligible(s, o, open)) continue;
            int64_t t0 = o->bar_id == s->bar_id ? o->path_t0 : 0, t, px;
            int act;
            if (nx__eval(in, o, &P, t0, &t, &px, &act) &&
                (!best || t < bt || (t == bt && o->seq < best->seq)))
                best = o, bt = t, bpx = px, bact = act;
        }
        if (!best) break;
        nx__sim_order_t *o = best;
        s->bar_t = bt;
        nx_ts_t ts = open + (P.c[3] > 0 ? (int64_t)((nx_i128)iv * bt / P.c[3]) : 0);
        s->fill_ts = ts > o->arrival ? ts : o->arrival;
        if (bact == NX__ACT_TRIGGER) {
            o->bar_id = s->bar_id;
            o->path_t0 = bt;
            nx__ord_fire(s, in, o);
        } else {
            uint64_t id = o->id;
            int taker = o->type == NX_ORD_MARKET || bpx != o->price;
            int64_t limit = o->type == NX_ORD_LIMIT ? o->price : o->protect;
            int64_t fp = taker ? nx__impact_price(s, in, o->side, bpx, o->qty - o->filled, limit, 0) : bpx;
            if (limit && !nx__crosses(o->side, limit, fp)) fp = limit;
            nx__sim_fill(s, in, o, fp, o->qty - o->filled, taker ? NX_LIQ_TAKER : NX_LIQ_MAKER, 1, 0);
            if (o->id == id && !o->closed && o->taker_only)
                nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE,
                               o->tif == NX_TIF_FOK ? NX_SIM_R_FOK : NX_SIM_R_IOC);
        }
        nx__sim_run_deferred(s);
        s->fill_ts = 0;
    }
    /* takers this bar could not fill expire; trailing watermarks follow the bar */
    uint32_t n = 0;
    for (uint32_t j = in->wait_head; j != NX__NIL; j = in->m->lk[j].next) {
        nx__sim_order_t *o = &in->m->pool[j];
        if (!nx__eligible(s, o, open)) continue;
        if (o->taker_only) {
            if (n < s->c.max_orders) s->scratch[n++] = o->id;
        } else if (o->ord_type == NX_ORD_TRAILING_STOP && !o->triggered) {
            int64_t t, px, m = o->mark;
            if (!nx__trail(in, o, &P, o->bar_id == s->bar_id ? o->path_t0 : 0, &t, &px, &m)) o->mark = m;
        }
    }
    s->fill_ts = b->h.ts_recv;
    for (uint32_t i = 0; i < n; i++) {
        nx__sim_order_t *o = nx__m_find(in->m, s->scratch[i]);
        if (o && !o->closed)
            nx__sim_finish(s, in, o, NX_EV_ORDER_EXPIRE,
                           o->tif == NX_TIF_FOK ? NX_SIM_R_FOK
                           : o->type == NX_ORD_MARKET ? NX_SIM_R_NO_LIQUIDITY : NX_SIM_R_IOC);
    }
    nx__sim_run_deferred(s);
    s->fill_ts = 0;
    s->in_bar = 0;
}
