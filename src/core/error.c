/* One error table (nexus/core.h) and the thread-local error detail buffer. */
#include <stdio.h>
#include <string.h>

#include "nexus/core.h"

const char *nx_version(void) { return NX_VERSION_STRING; }

const char *nx_strerror(int code) {
    switch (code) {
    case NX_OK: return "success";
#define NX__ERR_MSG(name, c, msg) case NX_##name: return msg;
        NX_ERRNO_MAP(NX__ERR_MSG)
#undef NX__ERR_MSG
    default: return "unknown error";
    }
}

const char *nx_err_name(int code) {
    switch (code) {
    case NX_OK: return "NX_OK";
#define NX__ERR_NAME(name, c, msg) case NX_##name: return "NX_" #name;
        NX_ERRNO_MAP(NX__ERR_NAME)
#undef NX__ERR_NAME
    default: return "NX_E?";
    }
}

/*
 * Two views of the same failure: `msg` is what an end user reads
 * ("journal: segment 3: checksum mismatch at offset 4096"), `full` adds where
 * each layer was ("... [nx_journal_open src/journal/reader.c:120]").
 */
static _Thread_local struct {
    int code;
    size_t msg_len;
    size_t full_len;
    char msg[NX_ERR_DETAIL_MAX];
    char full[NX_ERR_DETAIL_MAX];
} nx__err;

static size_t nx__append(char *buf, size_t len, const char *fmt, ...) NX_PRINTF(3, 4);
static size_t nx__append(char *buf, size_t len, const char *fmt, ...) {
    if (len >= NX_ERR_DETAIL_MAX - 1) return len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, NX_ERR_DETAIL_MAX - len, fmt, ap);
    va_end(ap);
    if (n < 0) return len;
    len += (size_t)n;
    return len < NX_ERR_DETAIL_MAX ? len : NX_ERR_DETAIL_MAX - 1;
}

static size_t nx__vappend(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static size_t nx__vappend(char *buf, size_t len, const char *fmt, va_list ap) {
    if (len >= NX_ERR_DETAIL_MAX - 1) return len;
    int n = vsnprintf(buf + len, NX_ERR_DETAIL_MAX - len, fmt, ap);
    if (n < 0) return len;
    len += (size_t)n;
    return len < NX_ERR_DETAIL_MAX ? len : NX_ERR_DETAIL_MAX - 1;
}

static const char *nx__base(const char *file) {
    const char *s = strstr(file, "src/");
    return s ? s : file;
}

int nx_err_set(int code, const char *func, const char *file, int line, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    nx__err.code = code;
    nx__err.msg_len = nx__vappend(nx__err.msg, 0, fmt, ap);
    nx__err.full_len = nx__vappend(nx__err.full, 0, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    nx__err.full_len = nx__append(nx__err.full, nx__err.full_len, " [%s %s:%d]", func,
                                  nx__base(file), line);
    return code;
}

/* Prefix context: "ctx: <previous message>". */
int nx_err_append(int code, const char *func, const char *file, int line, const char *fmt,
                  ...) {
    char tmp[NX_ERR_DETAIL_MAX];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = nx__vappend(tmp, 0, fmt, ap);
    va_end(ap);
    if (nx__err.msg_len) n = nx__append(tmp, n, ": %s", nx__err.msg);
    memcpy(nx__err.msg, tmp, n + 1);
    nx__err.msg_len = n;

    va_start(ap, fmt);
    n = nx__vappend(tmp, 0, fmt, ap);
    va_end(ap);
    if (nx__err.full_len) n = nx__append(tmp, n, ": %s", nx__err.full);
    n = nx__append(tmp, n, " [%s %s:%d]", func, nx__base(file), line);
    memcpy(nx__err.full, tmp, n + 1);
    nx__err.full_len = n;
    nx__err.code = code;
    return code;
}

const char *nx_err_detail(void) { return nx__err.full; }
const char *nx_err_message(void) { return nx__err.msg; }
int nx_err_code(void) { return nx__err.code; }

void nx_err_clear(void) {
    nx__err.code = 0;
    nx__err.msg_len = nx__err.full_len = 0;
    nx__err.msg[0] = nx__err.full[0] = '\0';
}
