/*
 * tests/nx_test.h — the one test runner: cmocka, plus a few helpers.
 *
 * Each test file defines its cases with sentence-like names and ends with
 *   NX_TEST_MAIN(cases)
 * A single case runs alone with `./test_x 'name glob'` or NX_TEST_FILTER=glob.
 */
#ifndef NX_TEST_H
#define NX_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define NX_CASE(fn) cmocka_unit_test(fn)

int nx_test_run(const char *group, const struct CMUnitTest *tests, size_t n, int argc,
                char **argv);
#define NX_TEST_MAIN(cases)                                                     \
    int main(int argc, char **argv) {                                           \
        return nx_test_run(__FILE__, cases, sizeof(cases) / sizeof(cases[0]), argc, argv); \
    }

/* A fresh empty directory under $TMPDIR (or /tmp), removed by nx_test_rmdir. */
char *nx_test_tmpdir(const char *tag);
void nx_test_rmdir(const char *path);
/* Path under the source tree ($NX_SOURCE_DIR, else "."); static buffer. */
const char *nx_test_src_path(const char *rel);
/* Write a whole file; asserts on failure. */
void nx_test_write_file(const char *path, const char *data, size_t len);
/* Run a shell command, return its exit status (or -1). */
int nx_test_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
