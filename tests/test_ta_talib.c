/*
 * TA-Lib agreement on the full reference: 45,031 real BTC 1-minute bars and
 * TA-Lib 0.6.4's output for 36 series (../shared/reference, see its README).
 * Every column, every bar: within 1e-9 relative (1e-9 absolute near zero)
 * where TA-Lib gives a value, and not ready exactly where it gives none.
 * Skips with a message when the shared directory is absent
 * (NX_SHARED_DIR, else $NX_SOURCE_DIR/../shared).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nx_test.h"
#include "ta_talib_cmp.h"

static ta_ref_t ref;
static int loaded;

static const char *shared_dir(void) {
    static char buf[1024];
    const char *s = getenv("NX_SHARED_DIR");
    if (s && *s) return s;
    const char *src = getenv("NX_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/../shared", src && *src ? src : ".");
    return buf;
}

static int load_reference(void) {
    if (loaded) return loaded;
    char bars[1200], talib[1200], err[1400];
    snprintf(bars, sizeof bars, "%s/reference/btc_perp_1m.bars.csv", shared_dir());
    snprintf(talib, sizeof talib, "%s/reference/talib/btc_perp_1m.talib.csv.gz", shared_dir());
    struct stat st;
    if (stat(bars, &st) != 0 || stat(talib, &st) != 0) {
        printf("skip: TA-Lib reference not found (%s); set NX_SHARED_DIR\n", bars);
        loaded = -1;
        return loaded;
    }
    if (ta_ref_load(bars, talib, 0, &ref, err, sizeof err) != 0) fail_msg("%s", err);
    loaded = 1;
    return loaded;
}

/* One line per column: the table the docs quote. */
static void every_talib_column_agrees_on_every_bar(void **state) {
    (void)state;
    if (load_reference() < 0) skip();
    assert_int_equal(ref.n, 45031);
    int bad = 0;
    printf("%-12s %-16s %8s %12s %12s\n", "column", "spec", "values", "max_abs", "max_rel");
    for (size_t c = 0; c < TA_NCOLS; c++) {
        ta_cmp_t r;
        int rc = ta_ref_compare(&ref, c, &r);
        printf("%-12s %-16s %8zu %12.3g %12.3g%s\n", ta_cols[c].column, ta_cols[c].spec,
               r.compared, r.max_abs, r.max_rel, rc ? "  FAIL" : "");
        if (rc) {
            printf("  %zu ready mismatches, %zu out of tolerance, first at bar %zu\n",
                   r.ready_mismatch, r.out_of_tol, r.first_bad);
            bad++;
        }
        assert_true(r.compared > 44000);
    }
    assert_int_equal(bad, 0);
}

/* The reference lookbacks are what nx_ta_lookback() reports. */
static void lookbacks_equal_talibs_first_value(void **state) {
    (void)state;
    if (load_reference() < 0) skip();
    for (size_t c = 0; c < TA_NCOLS; c++) {
        size_t first = 0;
        while (first < ref.n && isnan(ref.ref[c][first])) first++;
        nx_ta_t *t;
        assert_int_equal(nx_ta_parse(ta_cols[c].spec, strlen(ta_cols[c].spec), &t), 0);
        if ((size_t)nx_ta_lookback(t) != first)
            fail_msg("%s: lookback %d, TA-Lib's first value at %zu", ta_cols[c].column,
                     nx_ta_lookback(t), first);
        nx_ta_free(t);
    }
}

static const struct CMUnitTest cases[] = {
    NX_CASE(every_talib_column_agrees_on_every_bar),
    NX_CASE(lookbacks_equal_talibs_first_value),
};

NX_TEST_MAIN(cases)
