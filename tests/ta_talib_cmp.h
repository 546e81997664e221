/*
 * tests/ta_talib_cmp.h — shared by test_ta.c (the slice in tests/data) and
 * test_ta_talib.c (the full reference in ../shared): load a bars CSV and a
 * TA-Lib output CSV (plain or gzip, read through zlib), run each column's
 * indicator over the bars and compare bar by bar.
 *
 * Tolerance: |ours - talib| <= 1e-9 * max(1, |talib|) on every bar where
 * TA-Lib gives a value (1e-9 relative, 1e-9 absolute near zero), and our
 * indicator is not ready exactly where TA-Lib's cell is empty.
 */
#ifndef NX_TA_TALIB_CMP_H
#define NX_TA_TALIB_CMP_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nexus/ta.h"

#define TA_TOL 1e-9

typedef struct {
    const char *column; /* TA-Lib file column */
    const char *spec;   /* our indicator */
    unsigned output;    /* which of its outputs */
} ta_col_t;

static const ta_col_t ta_cols[] = {
    {"sma20", "sma:20", 0},           {"ema20", "ema:20", 0},
    {"wma20", "wma:20", 0},           {"dema20", "dema:20", 0},
    {"tema20", "tema:20", 0},         {"rsi14", "rsi:14", 0},
    {"macd", "macd:12:26:9", 0},      {"macd_signal", "macd:12:26:9", 1},
    {"macd_hist", "macd:12:26:9", 2}, {"bb_upper", "bbands:20:2:2", 0},
    {"bb_middle", "bbands:20:2:2", 1}, {"bb_lower", "bbands:20:2:2", 2},
    {"atr14", "atr:14", 0},           {"natr14", "natr:14", 0},
    {"adx14", "adx:14", 0},           {"cci20", "cci:20", 0},
    {"stoch_slowk", "stoch:14:3:3", 0}, {"stoch_slowd", "stoch:14:3:3", 1},
    {"willr14", "willr:14", 0},       {"mfi14", "mfi:14", 0},
    {"obv", "obv", 0},                {"roc10", "roc:10", 0},
    {"mom10", "mom:10", 0},           {"aroon_up", "aroon:14", 0},
    {"aroon_down", "aroon:14", 1},    {"sar", "sar:0.02:0.2", 0},
    {"trange", "trange", 0},          {"stddev20", "stddev:20:1", 0},
    {"kama30", "kama:30", 0},         {"trix15", "trix:15", 0},
    {"ultosc", "ultosc:7:14:28", 0},  {"adosc", "adosc:3:10", 0},
    {"ad", "ad", 0},                  {"cmo14", "cmo:14", 0},
    {"ppo", "ppo:12:26:0", 0},        {"ppo_ema", "ppo:12:26:1", 0},
};
#define TA_NCOLS (sizeof ta_cols / sizeof ta_cols[0])

typedef struct {
    size_t n;
    nx_ta_bar_t *bars;
    double *ref[TA_NCOLS]; /* NaN = no value */
} ta_ref_t;

__attribute__((unused)) static void ta_ref_free(ta_ref_t *r) {
    free(r->bars);
    for (size_t i = 0; i < TA_NCOLS; i++) free(r->ref[i]);
    memset(r, 0, sizeof *r);
}

static char *ta_gzline(gzFile f, char *buf, int cap, size_t *len) {
    if (!gzgets(f, buf, cap)) return NULL;
    size_t l = strlen(buf);
    while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r')) l--;
    buf[l] = '\0';
    *len = l;
    return buf;
}

/* Returns 0, or -1 with a message in err. max_rows 0 = all. */
static int ta_ref_load(const char *bars_path, const char *talib_path, size_t max_rows,
                       ta_ref_t *r, char *err, size_t errcap) {
    memset(r, 0, sizeof *r);
    static char line[8192];
    size_t len, cap = 1024;
    gzFile f = gzopen(bars_path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open %s", bars_path);
        return -1;
    }
    if (!ta_gzline(f, line, sizeof line, &len) || nx_ta_csv_header(line, len) != 0) {
        snprintf(err, errcap, "%s: bad header", bars_path);
        gzclose(f);
        return -1;
    }
    r->bars = malloc(cap * sizeof *r->bars);
    while ((max_rows == 0 || r->n < max_rows) && ta_gzline(f, line, sizeof line, &len)) {
        nx_ta_row_t row;
        if (nx_ta_csv_row(line, len, &row) != 0) {
            snprintf(err, errcap, "%s:%zu: %s", bars_path, r->n + 2, nx_err_message());
            gzclose(f);
            return -1;
        }
        if (r->n == cap) {
            cap *= 2;
            r->bars = realloc(r->bars, cap * sizeof *r->bars);
        }
        r->bars[r->n++] = row.bar;
    }
    gzclose(f);

    f = gzopen(talib_path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open %s", talib_path);
        return -1;
    }
    int idx[TA_NCOLS];
    for (size_t i = 0; i < TA_NCOLS; i++) idx[i] = -1;
    if (!ta_gzline(f, line, sizeof line, &len)) {
        snprintf(err, errcap, "%s: empty", talib_path);
        gzclose(f);
        return -1;
    }
    int col = 0;
    for (char *p = line, *q;; p = q + 1, col++) {
        q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        for (size_t i = 0; i < TA_NCOLS; i++)
            if (strlen(ta_cols[i].column) == l && memcmp(ta_cols[i].column, p, l) == 0)
                idx[i] = col;
        if (!q) break;
    }
    for (size_t i = 0; i < TA_NCOLS; i++) {
        if (idx[i] < 0) {
            snprintf(err, errcap, "%s: no column %s", talib_path, ta_cols[i].column);
            gzclose(f);
            return -1;
        }
        r->ref[i] = malloc(r->n * sizeof(double));
    }
    size_t row = 0;
    while (row < r->n && ta_gzline(f, line, sizeof line, &len)) {
        double cell[64];
        int nc = 0;
        for (char *p = line, *q;; p = q + 1) {
            q = strchr(p, ',');
            size_t l = q ? (size_t)(q - p) : strlen(p);
            if (nc < 64) {
                if (l == 0) cell[nc] = NAN;
                else if (nx_ta_parse_double(p, l, &cell[nc]) != 0) {
                    snprintf(err, errcap, "%s:%zu: bad number", talib_path, row + 2);
                    gzclose(f);
                    return -1;
                }
            }
            nc++;
            if (!q) break;
        }
        for (size_t i = 0; i < TA_NCOLS; i++) r->ref[i][row] = idx[i] < nc ? cell[idx[i]] : NAN;
        row++;
    }
    gzclose(f);
    if (row != r->n) {
        snprintf(err, errcap, "%s has %zu rows, bars have %zu", talib_path, row, r->n);
        return -1;
    }
    return 0;
}

typedef struct {
    double max_abs, max_rel; /* rel = |d| / max(1, |ref|) */
    size_t compared, ready_mismatch, out_of_tol;
    size_t first_bad;
} ta_cmp_t;

/* Compare one column over all bars; returns 0 if within tolerance. */
static int ta_ref_compare(const ta_ref_t *r, size_t c, ta_cmp_t *res) {
    memset(res, 0, sizeof *res);
    res->first_bad = (size_t)-1;
    nx_ta_t *t;
    if (nx_ta_parse(ta_cols[c].spec, strlen(ta_cols[c].spec), &t) != 0) return -1;
    for (size_t i = 0; i < r->n; i++) {
        if (nx_ta_update(t, &r->bars[i]) != 0) {
            nx_ta_free(t);
            return -1;
        }
        double ref = r->ref[c][i];
        int ready = nx_ta_ready(t);
        if (isnan(ref) != !ready) {
            res->ready_mismatch++;
            if (res->first_bad == (size_t)-1) res->first_bad = i;
            continue;
        }
        if (!ready) continue;
        double v = nx_ta_value(t, ta_cols[c].output);
        double d = fabs(v - ref), rel = d / (fabs(ref) > 1 ? fabs(ref) : 1);
        res->compared++;
        if (d > res->max_abs) res->max_abs = d;
        if (rel > res->max_rel) res->max_rel = rel;
        if (!(rel <= TA_TOL)) {
            res->out_of_tol++;
            if (res->first_bad == (size_t)-1) res->first_bad = i;
        }
    }
    nx_ta_free(t);
    return res->ready_mismatch || res->out_of_tol ? 1 : 0;
}

#endif
