#include "nx_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int nx_test_run(const char *group, const struct CMUnitTest *tests, size_t n, int argc,
                char **argv) {
    const char *filter = argc > 1 ? argv[1] : getenv("NX_TEST_FILTER");
    if (filter && *filter) cmocka_set_test_filter(filter);
    const char *base = strrchr(group, '/');
    return _cmocka_run_group_tests(base ? base + 1 : group, tests, n, NULL, NULL);
}

char *nx_test_tmpdir(const char *tag) {
    const char *root = getenv("TMPDIR");
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/nx-%s-XXXXXX", root && *root ? root : "/tmp", tag);
    char *p = mkdtemp(buf);
    assert_non_null(p);
    return p;
}

void nx_test_rmdir(const char *path) {
    if (!path || !*path) return;
    (void)nx_test_system("rm -rf '%s'", path);
}

const char *nx_test_src_path(const char *rel) {
    static char buf[1024];
    const char *src = getenv("NX_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", src && *src ? src : ".", rel);
    return buf;
}

void nx_test_write_file(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

int nx_test_system(const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}
