/*
 * Output files of the commands: written as PATH.tmp and renamed to PATH only
 * when complete, so a failed run never leaves a file that looks finished.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int nx_cli_out_open(nx_cli_out_t *o, const char *who, const char *path) {
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    int n = snprintf(o->tmp, sizeof o->tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        o->tmp[0] = '\0';
        fprintf(stderr, "nexus %s: --out: path too long\n", who);
        return NX_EXIT_USAGE;
    }
    o->f = fopen(o->tmp, "wb");
    if (!o->f) {
        fprintf(stderr, "nexus %s: %s: %s\n", who, o->tmp, strerror(errno));
        o->tmp[0] = '\0';
        return NX_EXIT_FAIL;
    }
    o->path = path;
    return 0;
}

const char *nx_cli_out_name(const nx_cli_out_t *o) { return o->path ? o->path : "stdout"; }

int nx_cli_out_commit(nx_cli_out_t *o, const char *who) {
    if (fflush(o->f) != 0 || ferror(o->f)) {
        fprintf(stderr, "nexus %s: %s: write error: %s\n", who, nx_cli_out_name(o),
                strerror(errno));
        return -1;
    }
    if (!o->path) return 0;
    FILE *f = o->f;
    o->f = NULL;
    if (fclose(f) != 0 || rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "nexus %s: %s: %s\n", who, o->path, strerror(errno));
        return -1;
    }
    o->tmp[0] = '\0';
    return 0;
}

void nx_cli_out_close(nx_cli_out_t *o) {
    if (o->f && o->f != stdout) fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) remove(o->tmp);
    o->tmp[0] = '\0';
}

int nx_cli_mkdirs(const char *dir) {
    char buf[4300];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int nx__rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int nx_cli_rm_rf(const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
    /* depth first, without following symbolic links */
    return nftw(path, nx__rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
