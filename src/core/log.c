/*
 * Structured JSON logs (nexus/core.h). One line per record, assembled in a
 * stack buffer and written with a single write(2) so lines from several
 * threads never interleave. Logging never allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nexus/core.h"
#include "nexus/time.h"

static _Atomic int nx__log_level = NX_LOG_INFO;
static _Atomic int nx__log_fd = 2;
static int nx__log_owned_fd = -1;
static nx_log_clock_fn nx__log_clock;
static void *nx__log_clock_ctx;

static const char *const nx__level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

void nx_log_set_level(nx_log_level_t level) { atomic_store(&nx__log_level, (int)level); }
nx_log_level_t nx_log_get_level(void) { return (nx_log_level_t)atomic_load(&nx__log_level); }

const char *nx_log_level_name(nx_log_level_t level) {
    return (unsigned)level <= NX_LOG_OFF ? nx__level_names[level] : "?";
}

int nx_log_level_parse(const char *s, nx_log_level_t *out) {
    for (int i = 0; i <= NX_LOG_OFF; i++) {
        if (strcmp(s, nx__level_names[i]) == 0) {
            *out = (nx_log_level_t)i;
            return NX_OK;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = NX_LOG_WARN;
        return NX_OK;
    }
    return NX_ERR(NX_EPARSE, "unknown log level '%s' (trace|debug|info|warn|error|off)", s);
}

void nx_log_set_fd(int fd) { atomic_store(&nx__log_fd, fd); }

int nx_log_open_file(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return NX_ERR(NX_EIO, "cannot open log file %s: %s", path, strerror(errno));
    int old = nx__log_owned_fd;
    nx__log_owned_fd = fd;
    atomic_store(&nx__log_fd, fd);
    if (old >= 0) close(old);
    return NX_OK;
}

void nx_log_set_clock(nx_log_clock_fn fn, void *ctx) {
    nx__log_clock = fn;
    nx__log_clock_ctx = ctx;
}

/* JSON string escaping into [p, end); returns new p (never past end). */
static char *nx__esc(char *p, char *end, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n && p < end - 7; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (c == '\t') {
            *p++ = '\\';
            *p++ = 't';
        } else if (c == '\r') {
            *p++ = '\\';
            *p++ = 'r';
        } else if (c < 0x20) {
            *p++ = '\\';
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    return p;
}

void nx_logv(nx_log_level_t level, const char *component, uint64_t trace_id, const char *fmt,
             va_list ap) {
    if ((int)level < atomic_load_explicit(&nx__log_level, memory_order_relaxed) ||
        level >= NX_LOG_OFF)
        return;
    char msg[2048];
    char line[4608];
    char ts[NX_TIME_STRLEN];
    int mn = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t mlen = mn < 0 ? 0 : ((size_t)mn < sizeof msg ? (size_t)mn : sizeof msg - 1);
    nx_ts_t now = nx__log_clock ? nx__log_clock(nx__log_clock_ctx) : nx_time_now();
    nx_time_format(now, ts);

    char *p = line, *end = line + sizeof line - 2;
    int n = snprintf(p, (size_t)(end - p), "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"", ts,
                     nx__level_names[level]);
    p += n;
    p = nx__esc(p, end, component ? component : "", component ? strlen(component) : 0);
    if (trace_id) {
        n = snprintf(p, (size_t)(end - p), "\",\"trace_id\":%llu,\"message\":\"",
                     (unsigned long long)trace_id);
    } else {
        n = snprintf(p, (size_t)(end - p), "\",\"message\":\"");
    }
    if (n > 0 && p + n < end) p += n;
    p = nx__esc(p, end, msg, mlen);
    *p++ = '"';
    *p++ = '}';
    *p++ = '\n';
    int fd = atomic_load_explicit(&nx__log_fd, memory_order_relaxed);
    size_t len = (size_t)(p - line);
    const char *w = line;
    while (len) {
        ssize_t k = write(fd, w, len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        w += k;
        len -= (size_t)k;
    }
}

void nx_log(nx_log_level_t level, const char *component, uint64_t trace_id, const char *fmt,
            ...) {
    va_list ap;
    va_start(ap, fmt);
    nx_logv(level, component, trace_id, fmt, ap);
    va_end(ap);
}
