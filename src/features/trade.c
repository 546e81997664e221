/*
 * Features of the trade stream: VWAP/TWAP, trade-flow imbalance and realised
 * variance over a bucketed time window (feat_int.h), and VPIN over volume
 * buckets.
 */
#include <math.h>
#include <string.h>

#include "features/feat_int.h"
#include "nexus/time.h"

static int nx__trade_px(const nx_ev_trade_t *t, double *price, double *qty) {
    if (!t || t->h.type != NX_EV_TRADE) return NX_ERR(NX_EINVAL, "not a TRADE event");
    if (t->price_scale > 18 || t->qty_scale > 18)
        return NX_ERR(NX_EINVAL, "trade scales %u/%u out of range", t->price_scale, t->qty_scale);
    *price = nx__feat_unscale(t->price, t->price_scale);
    *qty = nx__feat_unscale(t->qty, t->qty_scale);
    return 0;
}

static int nx__bad_trade(uint64_t index, double price, double qty) {
    if (!nx__feat_pos(price))
        return NX_ERR(NX_EINVAL, "input %llu: price %g is not a positive finite number",
                      (unsigned long long)index, price);
    return NX_ERR(NX_EINVAL, "input %llu: quantity %g is not a non-negative finite number",
                  (unsigned long long)index, qty);
}

/* ------------------------------------------------------------------------- */
/* VWAP and TWAP                                                             */
/* ------------------------------------------------------------------------- */

enum { VW_PQ = 0, VW_Q, VW_PT, VW_T, VW_K };

struct nx_feat_vwap {
    nx__fwin_t w;
    uint64_t count;
    int have_px;
    double px;        /* last trade price */
    int64_t px_ts;    /* time up to which px has been accounted in the TWAP */
    double slots[];
};

int nx_feat_vwap_new(const nx_feat_window_t *w, nx_feat_vwap_t **out) {
    int rc = nx__fwin_check(w, "vwap");
    if (rc < 0) return rc;
    if (!out) return NX_ERR(NX_EINVAL, "out is required");
    nx_feat_vwap_t *v = nx_calloc(1, sizeof *v + nx__fwin_bytes(w, VW_K));
    if (!v) return NX_ERR(NX_ENOMEM, "vwap window");
    nx__fwin_init(&v->w, w, VW_K, v->slots);
    *out = v;
    return 0;
}

void nx_feat_vwap_free(nx_feat_vwap_t *v) { nx_free(v); }

/* Account the standing price over [px_ts, ts) bucket by bucket, then move to ts. */
static void nx__twap_to(nx_feat_vwap_t *v, int64_t ts) {
    nx__fwin_t *w = &v->w;
    if (v->have_px && ts > v->px_ts) {
        int64_t t0 = v->px_ts;
        /* buckets older than the window's far edge at ts do not matter */
        int64_t far = nx_time_floor(ts, w->bucket_ns) - (int64_t)(w->n - 1u) * w->bucket_ns;
        if (t0 < far) t0 = far;
        while (t0 < ts) {
            (void)nx__fwin_advance(w, t0, 0); /* forward in time: cannot fail */
            int64_t end = nx__fwin_open_start(w) + w->bucket_ns;
            int64_t t1 = ts < end ? ts : end;
            double dt = (double)(t1 - t0);
            double *b = nx__fwin_open(w);
            b[VW_PT] += v->px * dt;
            b[VW_T] += dt;
            t0 = t1;
        }
        v->px_ts = ts;
    }
    (void)nx__fwin_advance(w, ts, 0);
}

int nx_feat_vwap_add(nx_feat_vwap_t *v, int64_t ts, double price, double qty) {
    if (NX_UNLIKELY(!nx__feat_pos(price) || !nx__feat_nonneg(qty)))
        return nx__bad_trade(v->count, price, qty);
    int rc = nx__fwin_check_ts(&v->w, ts, v->count);
    if (rc < 0) return rc;
    nx__twap_to(v, ts);
    double *b = nx__fwin_open(&v->w);
    b[VW_PQ] += price * qty;
    b[VW_Q] += qty;
    v->px = price;
    v->px_ts = ts;
    v->have_px = 1;
    v->count++;
    nx__fwin_refresh(&v->w);
    return 0;
}

int nx_feat_vwap_trade(nx_feat_vwap_t *v, const nx_ev_trade_t *t) {
    double p, q;
    int rc = nx__trade_px(t, &p, &q);
    return rc < 0 ? rc : nx_feat_vwap_add(v, t->h.ts_recv, p, q);
}

int nx_feat_vwap_advance(nx_feat_vwap_t *v, int64_t ts) {
    int rc = nx__fwin_check_ts(&v->w, ts, v->count);
    if (rc < 0) return rc;
    nx__twap_to(v, ts);
    nx__fwin_refresh(&v->w);
    return 0;
}

double nx_feat_vwap_value(const nx_feat_vwap_t *v) {
    double q = nx__fwin_total(&v->w, VW_Q);
    return q > 0 ? nx__fwin_total(&v->w, VW_PQ) / q : NAN;
}
double nx_feat_vwap_twap(const nx_feat_vwap_t *v) {
    double t = nx__fwin_total(&v->w, VW_T);
    return t > 0 ? nx__fwin_total(&v->w, VW_PT) / t : NAN;
}
double nx_feat_vwap_volume(const nx_feat_vwap_t *v) { return nx__fwin_total(&v->w, VW_Q); }
int nx_feat_vwap_ready(const nx_feat_vwap_t *v) { return nx__fwin_total(&v->w, VW_Q) > 0; }

/* ------------------------------------------------------------------------- */
/* Trade-flow imbalance                                                      */
/* ------------------------------------------------------------------------- */

enum { FL_BUY = 0, FL_SELL, FL_K };

struct nx_feat_flow {
    nx__fwin_t w;
    nx__tick_t tick;
    uint64_t count;
    double slots[];
};

int nx_feat_flow_new(const nx_feat_window_t *w, nx_feat_flow_t **out) {
    int rc = nx__fwin_check(w, "flow");
    if (rc < 0) return rc;
    if (!out) return NX_ERR(NX_EINVAL, "out is required");
    nx_feat_flow_t *f = nx_calloc(1, sizeof *f + nx__fwin_bytes(w, FL_K));
    if (!f) return NX_ERR(NX_ENOMEM, "flow window");
    nx__fwin_init(&f->w, w, FL_K, f->slots);
    *out = f;
    return 0;
}

void nx_feat_flow_free(nx_feat_flow_t *f) { nx_free(f); }

int nx_feat_flow_add(nx_feat_flow_t *f, int64_t ts, double price, double qty, nx_side_t side) {
    if (NX_UNLIKELY(!nx__feat_pos(price) || !nx__feat_nonneg(qty)))
        return nx__bad_trade(f->count, price, qty);
    if (side != NX_SIDE_NONE && side != NX_SIDE_BUY && side != NX_SIDE_SELL)
        return NX_ERR(NX_EINVAL, "input %llu: side %d", (unsigned long long)f->count, (int)side);
    int rc = nx__fwin_advance(&f->w, ts, f->count);
    if (rc < 0) return rc;
    int s = side == NX_SIDE_BUY ? 1 : side == NX_SIDE_SELL ? -1 : nx__tick_side(&f->tick, price);
    nx__tick_push(&f->tick, price);
    double *b = nx__fwin_open(&f->w);
    if (s > 0) b[FL_BUY] += qty;
    else if (s < 0) b[FL_SELL] += qty;
    f->count++;
    nx__fwin_refresh(&f->w);
    return 0;
}

int nx_feat_flow_trade(nx_feat_flow_t *f, const nx_ev_trade_t *t) {
    double p, q;
    int rc = nx__trade_px(t, &p, &q);
    return rc < 0 ? rc : nx_feat_flow_add(f, t->h.ts_recv, p, q, (nx_side_t)t->aggressor);
}

int nx_feat_flow_advance(nx_feat_flow_t *f, int64_t ts) {
    int rc = nx__fwin_advance(&f->w, ts, f->count);
    if (rc == 0) nx__fwin_refresh(&f->w);
    return rc;
}

double nx_feat_flow_buy(const nx_feat_flow_t *f) { return nx__fwin_total(&f->w, FL_BUY); }
double nx_feat_flow_sell(const nx_feat_flow_t *f) { return nx__fwin_total(&f->w, FL_SELL); }
double nx_feat_flow_signed(const nx_feat_flow_t *f) {
    return nx_feat_flow_buy(f) - nx_feat_flow_sell(f);
}
double nx_feat_flow_imbalance(const nx_feat_flow_t *f) {
    double b = nx_feat_flow_buy(f), s = nx_feat_flow_sell(f);
    return b + s > 0 ? (b - s) / (b + s) : NAN;
}

/* ------------------------------------------------------------------------- */
/* Realised variance over time                                               */
/* ------------------------------------------------------------------------- */

enum { RV_SQ = 0, RV_N, RV_K };

struct nx_feat_rvt {
    nx__fwin_t w;
    uint64_t count;
    int have;
    double last;
    double slots[];
};

int nx_feat_rvt_new(const nx_feat_window_t *w, nx_feat_rvt_t **out) {
    int rc = nx__fwin_check(w, "rv");
    if (rc < 0) return rc;
    if (!out) return NX_ERR(NX_EINVAL, "out is required");
    nx_feat_rvt_t *r = nx_calloc(1, sizeof *r + nx__fwin_bytes(w, RV_K));
    if (!r) return NX_ERR(NX_ENOMEM, "rv window");
    nx__fwin_init(&r->w, w, RV_K, r->slots);
    *out = r;
    return 0;
}

void nx_feat_rvt_free(nx_feat_rvt_t *r) { nx_free(r); }

int nx_feat_rvt_add(nx_feat_rvt_t *r, int64_t ts, double price) {
    if (NX_UNLIKELY(!nx__feat_pos(price)))
        return NX_ERR(NX_EINVAL, "input %llu: price %g is not a positive finite number",
                      (unsigned long long)r->count, price);
    int rc = nx__fwin_advance(&r->w, ts, r->count);
    if (rc < 0) return rc;
    if (r->have) {
        double x = log(price / r->last);
        double *b = nx__fwin_open(&r->w);
        b[RV_SQ] += x * x;
        b[RV_N] += 1;
    }
    r->last = price;
    r->have = 1;
    r->count++;
    nx__fwin_refresh(&r->w);
    return 0;
}

int nx_feat_rvt_trade(nx_feat_rvt_t *r, const nx_ev_trade_t *t) {
    double p, q;
    int rc = nx__trade_px(t, &p, &q);
    return rc < 0 ? rc : nx_feat_rvt_add(r, t->h.ts_recv, p);
}

int nx_feat_rvt_quote(nx_feat_rvt_t *r, const nx_ev_quote_t *q) {
    if (!q || q->h.type != NX_EV_QUOTE) return NX_ERR(NX_EINVAL, "not a QUOTE event");
    if (q->price_scale > 18) return NX_ERR(NX_EINVAL, "quote price scale %u", q->price_scale);
    double bid = nx__feat_unscale(q->bid_price, q->price_scale);
    double ask = nx__feat_unscale(q->ask_price, q->price_scale);
    if (!(bid > 0 && ask >= bid))
        return NX_ERR(NX_EINVAL, "input %llu: quote bid %g ask %g has no mid",
                      (unsigned long long)r->count, bid, ask);
    return nx_feat_rvt_add(r, q->h.ts_recv, 0.5 * (bid + ask));
}

int nx_feat_rvt_advance(nx_feat_rvt_t *r, int64_t ts) {
    int rc = nx__fwin_advance(&r->w, ts, r->count);
    if (rc == 0) nx__fwin_refresh(&r->w);
    return rc;
}

double nx_feat_rvt_value(const nx_feat_rvt_t *r) { return nx__fwin_total(&r->w, RV_SQ); }
double nx_feat_rvt_vol(const nx_feat_rvt_t *r) { return sqrt(nx__fwin_total(&r->w, RV_SQ)); }
uint64_t nx_feat_rvt_returns(const nx_feat_rvt_t *r) {
    return (uint64_t)nx__fwin_total(&r->w, RV_N);
}

/* ------------------------------------------------------------------------- */
/* VPIN                                                                      */
/* ------------------------------------------------------------------------- */

struct nx_feat_vpin {
    nx_feat_vpin_cfg_t c;
    uint64_t count;     /* trades accepted */
    uint64_t filled;    /* buckets completed */
    double cur_buy, cur_sell; /* the bucket being filled */
    double sum;         /* sum of |buy - sell| over the ring */
    uint32_t pos, since;
    nx__tick_t tick;
    /* BVC: the time bar being built and the dP ring */
    int bar_open, have_ref;
    int64_t bar_start, last_ts;
    double bar_vol, bar_close, ref_close;
    double dp_sum, dp_sq;
    uint32_t dp_n, dp_pos, dp_since;
    double *imb;        /* buckets */
    double *dp;         /* sigma_bars */
    double mem[];
};

void nx_feat_vpin_cfg_default(nx_feat_vpin_cfg_t *c, double bucket_volume) {
    c->bucket_volume = bucket_volume;
    c->buckets = 50;
    c->mode = NX_VPIN_TICK;
    c->bar_ns = 60 * NX_NS_PER_SEC;
    c->sigma_bars = 50;
}

int nx_feat_vpin_new(const nx_feat_vpin_cfg_t *c, nx_feat_vpin_t **out) {
    if (!c || !out) return NX_ERR(NX_EINVAL, "vpin: config and out are required");
    if (!(isfinite(c->bucket_volume) && c->bucket_volume > 0))
        return NX_ERR(NX_EINVAL, "vpin: bucket_volume must be positive and finite, got %g",
                      c->bucket_volume);
    if (c->buckets < 1 || c->buckets > NX_FEAT_BUCKETS_MAX)
        return NX_ERR(NX_EINVAL, "vpin: buckets must be in [1, %d], got %u", NX_FEAT_BUCKETS_MAX,
                      c->buckets);
    if (c->mode != NX_VPIN_TICK && c->mode != NX_VPIN_BVC)
        return NX_ERR(NX_EINVAL, "vpin: unknown mode %d", (int)c->mode);
    if (c->mode == NX_VPIN_BVC) {
        if (c->bar_ns <= 0) return NX_ERR(NX_EINVAL, "vpin: bar_ns must be positive");
        if (c->sigma_bars < 2 || c->sigma_bars > NX_FEAT_BUCKETS_MAX)
            return NX_ERR(NX_EINVAL, "vpin: sigma_bars must be in [2, %d], got %u",
                          NX_FEAT_BUCKETS_MAX, c->sigma_bars);
    }
    size_t nd = c->mode == NX_VPIN_BVC ? c->sigma_bars : 0;
    nx_feat_vpin_t *v = nx_calloc(1, sizeof *v + ((size_t)c->buckets + nd) * sizeof(double));
    if (!v) return NX_ERR(NX_ENOMEM, "vpin: %u buckets", c->buckets);
    v->c = *c;
    v->imb = v->mem;
    v->dp = v->mem + c->buckets;
    *out = v;
    return 0;
}

void nx_feat_vpin_free(nx_feat_vpin_t *v) { nx_free(v); }

static void nx__vpin_close_bucket(nx_feat_vpin_t *v, double imb) {
    uint32_t n = v->c.buckets;
    if (v->filled >= n) v->sum -= v->imb[v->pos];
    v->imb[v->pos] = imb;
    v->sum += imb;
    v->pos = v->pos + 1u == n ? 0 : v->pos + 1u;
    v->filled++;
    if (++v->since >= n) { /* exact recompute every n buckets: no drift */
        v->since = 0;
        double s = 0;
        uint32_t m = v->filled < n ? (uint32_t)v->filled : n;
        for (uint32_t i = 0; i < m; i++) s += v->imb[i];
        v->sum = s;
    }
}

/* Pour volume q, of which a fraction `buy` is buyer-initiated, into buckets. */
static void nx__vpin_pour(nx_feat_vpin_t *v, double q, double buy) {
    const double V = v->c.bucket_volume;
    /* a pour that fills more than n + 1 buckets: only the last n full ones and
     * the remainder matter, and they all have the same composition */
    double room = V - (v->cur_buy + v->cur_sell);
    if (q > room + (double)(v->c.buckets + 1u) * V) {
        nx__vpin_close_bucket(v, fabs(v->cur_buy + room * buy - (v->cur_sell + room * (1 - buy))));
        v->cur_buy = v->cur_sell = 0;
        q -= room;
        double full = floor(q / V);
        double skip = full - (double)v->c.buckets;
        v->filled += (uint64_t)skip; /* buckets that leave the window unseen */
        q -= skip * V;
    }
    while (q > 0) {
        room = V - (v->cur_buy + v->cur_sell);
        double take = q < room ? q : room;
        v->cur_buy += take * buy;
        v->cur_sell += take * (1 - buy);
        q -= take;
        if (take >= room) {
            nx__vpin_close_bucket(v, fabs(v->cur_buy - v->cur_sell));
            v->cur_buy = v->cur_sell = 0;
        }
    }
}

/* BVC: close the time bar: classify its volume with Z(dP / sigma). */
static void nx__vpin_close_bar(nx_feat_vpin_t *v) {
    v->bar_open = 0;
    if (!v->have_ref) { /* the first bar only gives the reference price */
        v->ref_close = v->bar_close;
        v->have_ref = 1;
        return;
    }
    double dp = v->bar_close - v->ref_close;
    v->ref_close = v->bar_close;
    uint32_t n = v->c.sigma_bars;
    if (v->dp_n == n) {
        double o = v->dp[v->dp_pos];
        v->dp_sum -= o;
        v->dp_sq -= o * o;
    } else {
        v->dp_n++;
    }
    v->dp[v->dp_pos] = dp;
    v->dp_sum += dp;
    v->dp_sq += dp * dp;
    v->dp_pos = v->dp_pos + 1u == n ? 0 : v->dp_pos + 1u;
    if (++v->dp_since >= n) {
        v->dp_since = 0;
        double s = 0, s2 = 0;
        for (uint32_t i = 0; i < v->dp_n; i++) {
            s += v->dp[i];
            s2 += v->dp[i] * v->dp[i];
        }
        v->dp_sum = s;
        v->dp_sq = s2;
    }
    double buy;
    double m = (double)v->dp_n;
    double var = m > 1 ? (v->dp_sq - v->dp_sum * v->dp_sum / m) / (m - 1) : 0;
    if (var > 0) buy = nx__feat_phi(dp / sqrt(var));
    else buy = dp > 0 ? 1.0 : dp < 0 ? 0.0 : 0.5;
    nx__vpin_pour(v, v->bar_vol, buy);
}

int nx_feat_vpin_advance(nx_feat_vpin_t *v, int64_t ts) {
    if (v->count && ts < v->last_ts)
        return NX_ERR(NX_EINVAL, "input %llu: time %lld is before the previous %lld",
                      (unsigned long long)v->count, (long long)ts, (long long)v->last_ts);
    v->last_ts = ts;
    if (v->c.mode == NX_VPIN_BVC && v->bar_open && ts >= v->bar_start + v->c.bar_ns)
        nx__vpin_close_bar(v);
    return 0;
}

int nx_feat_vpin_add(nx_feat_vpin_t *v, int64_t ts, double price, double qty, nx_side_t side) {
    if (NX_UNLIKELY(!nx__feat_pos(price) || !nx__feat_nonneg(qty)))
        return nx__bad_trade(v->count, price, qty);
    if (side != NX_SIDE_NONE && side != NX_SIDE_BUY && side != NX_SIDE_SELL)
        return NX_ERR(NX_EINVAL, "input %llu: side %d", (unsigned long long)v->count, (int)side);
    int rc = nx_feat_vpin_advance(v, ts);
    if (rc < 0) return rc;
    if (v->c.mode == NX_VPIN_TICK) {
        int s = side == NX_SIDE_BUY ? 1 : side == NX_SIDE_SELL ? -1 : nx__tick_side(&v->tick, price);
        nx__tick_push(&v->tick, price);
        /* unclassifiable (no price change yet): half and half */
        nx__vpin_pour(v, qty, s > 0 ? 1.0 : s < 0 ? 0.0 : 0.5);
    } else {
        if (!v->bar_open) {
            v->bar_open = 1;
            v->bar_start = nx_time_floor(ts, v->c.bar_ns);
            v->bar_vol = 0;
        }
        v->bar_vol += qty;
        v->bar_close = price;
    }
    v->count++;
    return 0;
}

int nx_feat_vpin_trade(nx_feat_vpin_t *v, const nx_ev_trade_t *t) {
    double p, q;
    int rc = nx__trade_px(t, &p, &q);
    return rc < 0 ? rc : nx_feat_vpin_add(v, t->h.ts_recv, p, q, (nx_side_t)t->aggressor);
}

int nx_feat_vpin_ready(const nx_feat_vpin_t *v) { return v->filled >= v->c.buckets; }
double nx_feat_vpin_value(const nx_feat_vpin_t *v) {
    if (!nx_feat_vpin_ready(v)) return NAN;
    double x = v->sum / ((double)v->c.buckets * v->c.bucket_volume);
    return x < 0 ? 0 : x > 1 ? 1 : x;
}
uint64_t nx_feat_vpin_buckets(const nx_feat_vpin_t *v) { return v->filled; }
