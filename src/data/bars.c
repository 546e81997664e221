/* Bars from trades and resampling (nexus/data.h). Exact integer OHLCV. */
#include <string.h>

#include "nexus/data.h"

int nx_bar_builder_init(nx_bar_builder_t *b, nx_bar_type_t type, int64_t threshold,
                        nx_emit_fn emit, void *ctx) {
    if (type < NX_BARS_TIME || type > NX_BARS_DOLLAR)
        return NX_ERR(NX_EINVAL, "unknown bar type %d", (int)type);
    if (threshold <= 0) return NX_ERR(NX_EINVAL, "bar threshold must be positive");
    if (type == NX_BARS_TIME && (threshold < NX_NS_PER_SEC || threshold > NX_NS_PER_DAY ||
                                 NX_NS_PER_DAY % threshold != 0))
        return NX_ERR(NX_EINVAL,
                      "time bars span 1 s .. 1 day and divide the day evenly (got %lld ns)",
                      (long long)threshold);
    memset(b, 0, sizeof *b);
    b->type = type;
    b->threshold = threshold;
    b->emit = emit;
    b->ctx = ctx;
    return NX_OK;
}

static int nx__emit(nx_bar_builder_t *b, nx_ts_t close_ts) {
    b->bar.h.ts_recv = close_ts;
    b->bar.trades = b->count;
    b->open = 0;
    b->emitted++;
    return b->emit(b->ctx, &b->bar.h);
}

static void nx__start(nx_bar_builder_t *b, const nx_event_hdr_t *h, uint32_t instrument,
                      uint8_t ps, uint8_t qs, nx_ts_t open_ts, int64_t price) {
    memset(&b->bar, 0, sizeof b->bar);
    b->bar.h.type = NX_EV_BAR;
    b->bar.h.size = sizeof b->bar;
    b->bar.h.topic = h->topic;
    b->bar.h.ts_venue = open_ts;
    b->bar.instrument = instrument;
    b->bar.price_scale = ps;
    b->bar.qty_scale = qs;
    b->bar.interval_ns = b->type == NX_BARS_TIME ? b->threshold : 0;
    b->bar.open = b->bar.high = b->bar.low = b->bar.close = price;
    b->acc = 0;
    b->count = 0;
    b->open = 1;
}

int nx_bar_builder_close_until(nx_bar_builder_t *b, nx_ts_t now) {
    if (b->type != NX_BARS_TIME || !b->open) return NX_OK;
    nx_ts_t end = b->bar.h.ts_venue + b->threshold;
    return end <= now ? nx__emit(b, end) : NX_OK;
}

int nx_bar_builder_trade(nx_bar_builder_t *b, const nx_ev_trade_t *t) {
    nx_ts_t ts = t->h.ts_recv;
    int rc;
    if (b->open && (t->price_scale != b->bar.price_scale || t->qty_scale != b->bar.qty_scale))
        return NX_ERR(NX_EINVAL, "trade scales changed inside a bar");
    if (b->type == NX_BARS_TIME) {
        nx_ts_t open_ts = nx_time_floor(ts, b->threshold);
        if (b->open && open_ts < b->bar.h.ts_venue)
            return NX_ERR(NX_EINVAL, "trade at %lld is older than the open bar", (long long)ts);
        if (b->open && open_ts != b->bar.h.ts_venue &&
            (rc = nx__emit(b, b->bar.h.ts_venue + b->threshold)) < 0)
            return rc;
        if (!b->open) nx__start(b, &t->h, t->instrument, t->price_scale, t->qty_scale, open_ts, t->price);
    } else if (!b->open) {
        nx__start(b, &t->h, t->instrument, t->price_scale, t->qty_scale, ts, t->price);
    }
    nx_ev_bar_t *x = &b->bar;
    x->h.ts_recv = ts; /* the latest trade so far; the close time is set when emitted */
    if (t->price > x->high) x->high = t->price;
    if (t->price < x->low) x->low = t->price;
    x->close = t->price;
    if (__builtin_add_overflow(x->volume, t->qty, &x->volume))
        return NX_ERR(NX_EOVERFLOW, "bar volume overflows int64");
    b->count++;
    switch (b->type) {
    case NX_BARS_TICK:
        if (b->count >= (uint64_t)b->threshold) return nx__emit(b, ts);
        break;
    case NX_BARS_VOLUME:
        b->acc += t->qty;
        if (b->acc >= b->threshold) return nx__emit(b, ts);
        break;
    case NX_BARS_DOLLAR:
        b->acc += (nx_i128)t->price * t->qty;
        if (b->acc >= b->threshold) return nx__emit(b, ts);
        break;
    default: break;
    }
    return NX_OK;
}

int nx_bar_builder_bar(nx_bar_builder_t *b, const nx_ev_bar_t *in) {
    if (b->type != NX_BARS_TIME) return NX_ERR(NX_EINVAL, "only time bars resample bars");
    if (in->interval_ns <= 0 || b->threshold % in->interval_ns != 0)
        return NX_ERR(NX_EINVAL, "a %lld s bar does not divide %lld s bars",
                      (long long)(in->interval_ns / NX_NS_PER_SEC),
                      (long long)(b->threshold / NX_NS_PER_SEC));
    nx_ts_t open_ts = nx_time_floor(in->h.ts_venue, b->threshold);
    int rc;
    if (b->open && open_ts < b->bar.h.ts_venue)
        return NX_ERR(NX_EINVAL, "bar at %lld is older than the open bar", (long long)in->h.ts_venue);
    if (b->open && open_ts != b->bar.h.ts_venue &&
        (rc = nx__emit(b, b->bar.h.ts_venue + b->threshold)) < 0)
        return rc;
    if (!b->open) {
        nx__start(b, &in->h, in->instrument, in->price_scale, in->qty_scale, open_ts, in->open);
        b->bar.high = in->high;
        b->bar.low = in->low;
    }
    nx_ev_bar_t *x = &b->bar;
    if (in->price_scale != x->price_scale || in->qty_scale != x->qty_scale)
        return NX_ERR(NX_EINVAL, "bar scales changed inside a bar");
    if (in->high > x->high) x->high = in->high;
    if (in->low < x->low) x->low = in->low;
    x->close = in->close;
    if (__builtin_add_overflow(x->volume, in->volume, &x->volume))
        return NX_ERR(NX_EOVERFLOW, "bar volume overflows int64");
    b->count += in->trades;
    /* the last input bar of our period closes it */
    if (in->h.ts_venue + in->interval_ns >= open_ts + b->threshold)
        return nx__emit(b, open_ts + b->threshold);
    return NX_OK;
}

int nx_bar_builder_flush(nx_bar_builder_t *b) {
    if (!b->open) return NX_OK;
    nx_ts_t close = b->type == NX_BARS_TIME ? b->bar.h.ts_venue + b->threshold : b->bar.h.ts_recv;
    return nx__emit(b, close);
}
