/*
 * File helpers of the store: whole-file write with fsync, read, rename,
 * directory fsync, mkdir -p, and the fault-injection hook tests use to make
 * the n-th mutating call fail. Also names and months.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nexus/time.h"
#include "store/store_int.h"

static _Atomic uint64_t nx__fail_countdown;

void nx__store_io_fail_at(uint64_t n) { atomic_store(&nx__fail_countdown, n); }

int nx__io_fault(void) {
    uint64_t v = atomic_load(&nx__fail_countdown);
    while (v) {
        if (atomic_compare_exchange_weak(&nx__fail_countdown, &v, v - 1)) return v == 1;
    }
    return 0;
}

int nx__write_file(const char *path, const void *data, size_t len) {
    if (nx__io_fault()) return NX_ERR(NX_EIO, "%s: write: injected I/O error", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: open: %s", path, strerror(errno));
    const uint8_t *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(path);
            return NX_ERR(NX_EIO, "%s: write: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (nx__io_fault() || fdatasync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return NX_ERR(NX_EIO, "%s: fdatasync: %s", path, e ? strerror(e) : "injected");
    }
    if (close(fd) < 0) {
        unlink(path);
        return NX_ERR(NX_EIO, "%s: close: %s", path, strerror(errno));
    }
    return NX_OK;
}

int nx__read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return NX_ERR(e == ENOENT ? NX_ENOTFOUND : NX_EIO, "%s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return NX_ERR(NX_EIO, "%s: stat: %s", path, strerror(e));
    }
    size_t n = (size_t)st.st_size;
    int rc = nx__buf_reserve(buf, cap, n ? n : 1);
    if (rc < 0) {
        close(fd);
        return NX_ERR_APPEND(rc, "%s", path);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, *buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return NX_ERR(NX_EIO, "%s: read: %s", path, strerror(e));
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return NX_OK;
}

int nx__rename(const char *from, const char *to) {
    if (nx__io_fault()) return NX_ERR(NX_EIO, "rename %s: injected I/O error", to);
    if (rename(from, to) < 0)
        return NX_ERR(NX_EIO, "rename %s -> %s: %s", from, to, strerror(errno));
    return NX_OK;
}

int nx__fsync_dir(const char *dir) {
    if (nx__io_fault()) return NX_ERR(NX_EIO, "%s: fsync: injected I/O error", dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: open: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    /* Some file systems refuse fsync on a directory (EINVAL): nothing to do. */
    if (rc < 0 && e != EINVAL) return NX_ERR(NX_EIO, "%s: fsync: %s", dir, strerror(e));
    return NX_OK;
}

static int nx__dirlist_add(nx__dirlist_t *l, const char *d) {
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        char **v = nx_realloc(l->v, nc * sizeof *v);
        if (!v) return NX_ERR(NX_ENOMEM, "store: directory list");
        l->v = v;
        l->cap = nc;
    }
    if (!(l->v[l->n] = nx_strdup(d))) return NX_ERR(NX_ENOMEM, "store: directory list");
    l->n++;
    return NX_OK;
}

void nx__dirlist_free(nx__dirlist_t *l) {
    for (size_t i = 0; i < l->n; i++) nx_free(l->v[i]);
    nx_free(l->v);
    memset(l, 0, sizeof *l);
}

int nx__mkdirs(const char *dir, nx__dirlist_t *created) {
    char buf[1024];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) return NX_ERR(NX_EINVAL, "store: path too long: %s", dir);
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char save = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (stat(buf, &st) < 0) {
            if (nx__io_fault()) return NX_ERR(NX_EIO, "%s: mkdir: injected I/O error", buf);
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return NX_ERR(NX_EIO, "%s: mkdir: %s", buf, strerror(errno));
            if (created) {
                int rc = nx__dirlist_add(created, buf);
                if (rc < 0) { /* nobody would remove it: undo now */
                    rmdir(buf);
                    return rc;
                }
            }
        } else if (!S_ISDIR(st.st_mode)) {
            return NX_ERR(NX_EIO, "%s: not a directory", buf);
        }
        buf[i] = save;
    }
    return NX_OK;
}

void nx__rm_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            nx__rm_tree(path);
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
}

/* ---- names and months -------------------------------------------------------- */

static int nx__name_ok(const char *s) {
    if (!s || !*s || s[0] == '.') return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return n <= NX_STORE_NAME_MAX;
}

int nx_store_kind_name(nx_data_kind_t kind, int64_t tf_ns, char *buf) {
    const char *name = nx_data_kind_name(kind);
    if (!name || !nx__kdesc(kind)) return NX_ERR(NX_EINVAL, "store: unknown kind %d", (int)kind);
    if (kind != NX_KIND_BARS) {
        if (tf_ns != 0) return NX_ERR(NX_EINVAL, "store: kind %s takes no timeframe", name);
        snprintf(buf, NX_STORE_KIND_MAX + 1, "%s", name);
        return NX_OK;
    }
    if (tf_ns <= 0) return NX_ERR(NX_EINVAL, "store: bars need a positive timeframe");
    static const struct {
        const char *u;
        int64_t ns;
    } units[] = {{"d", 86400 * NX_NS_PER_SEC}, {"h", 3600 * NX_NS_PER_SEC},
                 {"m", 60 * NX_NS_PER_SEC},    {"s", NX_NS_PER_SEC},
                 {"ms", NX_NS_PER_MS},         {"us", NX_NS_PER_US},
                 {"ns", 1}};
    for (size_t i = 0; i < NX_ARRAY_LEN(units); i++) {
        if (tf_ns % units[i].ns == 0) {
            snprintf(buf, NX_STORE_KIND_MAX + 1, "bars_%lld%s", (long long)(tf_ns / units[i].ns),
                     units[i].u);
            return NX_OK;
        }
    }
    return NX_ERR(NX_EINVAL, "store: bad timeframe");
}

int nx__key_names(const nx_store_key_t *k, char *kind_buf) {
    if (!k) return NX_ERR(NX_EINVAL, "store: no key");
    if (!nx__name_ok(k->venue))
        return NX_ERR(NX_EINVAL, "store: venue '%s' is not 1..%d of [A-Za-z0-9._-]",
                      k->venue ? k->venue : "", NX_STORE_NAME_MAX);
    if (!nx__name_ok(k->symbol))
        return NX_ERR(NX_EINVAL, "store: symbol '%s' is not 1..%d of [A-Za-z0-9._-]",
                      k->symbol ? k->symbol : "", NX_STORE_NAME_MAX);
    return nx_store_kind_name(k->kind, k->tf_ns, kind_buf);
}

int nx_store_key_check(const nx_store_key_t *key) {
    char kind[NX_STORE_KIND_MAX + 1];
    return nx__key_names(key, kind);
}

int nx__month_of(int64_t ts, int32_t *ym) {
    nx_civil_t c;
    nx_time_to_civil(ts, &c);
    if (c.year < 0 || c.year > 9999)
        return NX_ERR(NX_ERANGE, "store: timestamp %lld outside years 0..9999", (long long)ts);
    *ym = c.year * 12 + (c.month - 1);
    return NX_OK;
}

void nx__month_name(int32_t ym, char out[8]) {
    int y = ym / 12, m = ym % 12 + 1;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}

int64_t nx__month_start(int32_t ym) {
    int64_t days = nx_days_from_civil(ym / 12, (unsigned)(ym % 12 + 1), 1);
    /* years 0..9999 fit; the caller clamps to the int64 span */
    nx_i128 ns = (nx_i128)days * 86400 * NX_NS_PER_SEC;
    if (ns > INT64_MAX) return INT64_MAX;
    if (ns < INT64_MIN) return INT64_MIN;
    return (int64_t)ns;
}
