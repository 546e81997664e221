/*
 * Line input over plain, gzip and zip files (nexus/data.h). zlib's gzread
 * reads plain files transparently, so only zips need their own path
 * (libzip). One fixed buffer per reader; nothing is allocated per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include "nexus/data.h"

#define NX__CHUNK (256u * 1024u)

struct nx_line_reader {
    char path[1024];
    char where[1400];
    char entry[256];
    gzFile gz;         /* plain or gzip */
    zip_t *zip;        /* zip archive */
    zip_file_t *zf;    /* current entry */
    zip_int64_t nentries, next_entry;
    uint64_t size, zip_done; /* bytes of finished entries (compressed) */
    uint64_t entry_csize;
    uint64_t lineno;
    char *buf;         /* NX_LINE_MAX + NX__CHUNK bytes */
    size_t start, end; /* unread bytes are buf[start, end) */
    int eof;           /* current stream exhausted */
};

static void nx__set_where(nx_line_reader_t *r) {
    if (r->entry[0]) snprintf(r->where, sizeof r->where, "%s:%s", r->path, r->entry);
    else snprintf(r->where, sizeof r->where, "%s", r->path);
}

static int nx__is_zip(const char *path, int *out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: %s", path, strerror(errno));
    unsigned char m[4] = {0};
    ssize_t n = read(fd, m, sizeof m);
    close(fd);
    *out = n == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
    return NX_OK;
}

/* Open the next file entry of the zip; NX_EEND when there is none. */
static int nx__zip_next_entry(nx_line_reader_t *r) {
    if (r->zf) {
        zip_fclose(r->zf);
        r->zf = NULL;
        r->zip_done += r->entry_csize;
    }
    while (r->next_entry < r->nentries) {
        zip_stat_t st;
        zip_int64_t i = r->next_entry++;
        if (zip_stat_index(r->zip, (zip_uint64_t)i, 0, &st) < 0) continue;
        size_t nl = strlen(st.name);
        if (nl && st.name[nl - 1] == '/') continue; /* directory */
        r->zf = zip_fopen_index(r->zip, (zip_uint64_t)i, 0);
        if (!r->zf)
            return NX_ERR(NX_EIO, "%s: cannot open zip entry %s: %s", r->path, st.name,
                          zip_strerror(r->zip));
        snprintf(r->entry, sizeof r->entry, "%s", st.name);
        r->entry_csize = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
        r->lineno = 0;
        r->eof = 0;
        nx__set_where(r);
        return NX_OK;
    }
    return NX_EEND;
}

int nx_line_reader_open(const char *path, nx_line_reader_t **out) {
    if (strlen(path) >= sizeof(((nx_line_reader_t *)0)->path))
        return NX_ERR(NX_EINVAL, "path too long: %.80s...", path);
    int zipped = 0, rc;
    if ((rc = nx__is_zip(path, &zipped)) < 0) return rc;
    struct stat st;
    if (stat(path, &st) < 0) return NX_ERR(NX_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return NX_ERR(NX_EINVAL, "%s: not a regular file", path);
    nx_line_reader_t *r = nx_calloc(1, sizeof *r);
    if (!r) return NX_ERR(NX_ENOMEM, "line reader");
    r->buf = nx_malloc(NX_LINE_MAX + NX__CHUNK + 1);
    if (!r->buf) {
        nx_free(r);
        return NX_ERR(NX_ENOMEM, "line reader buffer");
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    r->size = (uint64_t)st.st_size;
    nx__set_where(r);
    if (zipped) {
        int err = 0;
        r->zip = zip_open(path, ZIP_RDONLY, &err);
        if (!r->zip) {
            zip_error_t ze;
            zip_error_init_with_code(&ze, err);
            rc = NX_ERR(NX_ECORRUPT, "%s: not a readable zip: %s", path, zip_error_strerror(&ze));
            zip_error_fini(&ze);
            nx_line_reader_close(r);
            return rc;
        }
        r->nentries = zip_get_num_entries(r->zip, 0);
        rc = nx__zip_next_entry(r);
        if (rc == NX_EEND) r->eof = 1; /* an empty zip is an empty input */
        else if (rc < 0) {
            nx_line_reader_close(r);
            return rc;
        }
    } else {
        r->gz = gzopen(path, "rb");
        if (!r->gz) {
            rc = NX_ERR(NX_EIO, "%s: %s", path, strerror(errno ? errno : ENOMEM));
            nx_line_reader_close(r);
            return rc;
        }
        gzbuffer(r->gz, NX__CHUNK);
    }
    *out = r;
    return NX_OK;
}

/* Append up to NX__CHUNK bytes to the buffer; 0 at the end of the stream. */
static int nx__fill(nx_line_reader_t *r, size_t *got) {
    *got = 0;
    /* Move the partial line to the front: it is shorter than NX_LINE_MAX
     * (the caller checked), so a whole chunk always fits after it. */
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->gz) {
        int n = gzread(r->gz, r->buf + r->end, NX__CHUNK);
        if (n < 0) {
            int e;
            const char *m = gzerror(r->gz, &e);
            return NX_ERR(NX_ECORRUPT, "%s: after line %llu: %s", r->where,
                          (unsigned long long)r->lineno, m ? m : "read error");
        }
        if (n == 0) {
            /* A truncated gzip member ends with Z_BUF_ERROR ("unexpected end
             * of file"), not with a read error: check, never cut short silently. */
            int e;
            const char *m = gzerror(r->gz, &e);
            if (e != Z_OK)
                return NX_ERR(NX_ECORRUPT, "%s: after line %llu: %s", r->where,
                              (unsigned long long)r->lineno, m ? m : "read error");
        }
        *got = (size_t)n;
    } else if (r->zf) {
        zip_int64_t n = zip_fread(r->zf, r->buf + r->end, NX__CHUNK);
        if (n < 0)
            return NX_ERR(NX_ECORRUPT, "%s: after line %llu: %s", r->where,
                          (unsigned long long)r->lineno, zip_file_strerror(r->zf));
        *got = (size_t)n;
    }
    r->end += *got;
    return NX_OK;
}

int nx_line_reader_next(nx_line_reader_t *r, const char **line, size_t *len) {
    for (;;) {
        char *s = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = avail ? memchr(s, '\n', avail) : NULL;
        if (nl || (r->eof && avail)) {
            size_t n = nl ? (size_t)(nl - s) : avail;
            r->start += n + (nl ? 1 : 0);
            if (n && s[n - 1] == '\r') n--;
            r->lineno++;
            *line = s;
            *len = n;
            return NX_OK;
        }
        if (r->eof) {
            /* next zip entry, if any */
            if (r->zip) {
                int rc = nx__zip_next_entry(r);
                if (rc == NX_OK) {
                    r->start = r->end = 0;
                    continue;
                }
                if (rc != NX_EEND) return rc;
            }
            return NX_EEND;
        }
        if (avail >= NX_LINE_MAX)
            return NX_ERR(NX_ELIMIT, "%s:%llu: line longer than %u bytes", r->where,
                          (unsigned long long)r->lineno + 1, NX_LINE_MAX);
        size_t got;
        int rc = nx__fill(r, &got);
        if (rc < 0) return rc;
        if (got == 0) r->eof = 1;
    }
}

int nx_line_reader_read(nx_line_reader_t *r, const char **data, size_t *len) {
    for (;;) {
        if (r->start < r->end) {
            *data = r->buf + r->start;
            *len = r->end - r->start;
            r->start = r->end;
            return NX_OK;
        }
        if (r->eof) {
            if (r->zip) {
                int rc = nx__zip_next_entry(r);
                if (rc == NX_OK) {
                    r->start = r->end = 0;
                    continue;
                }
                if (rc != NX_EEND) return rc;
            }
            return NX_EEND;
        }
        size_t got;
        int rc = nx__fill(r, &got);
        if (rc < 0) return rc;
        if (got == 0) r->eof = 1;
    }
}

uint64_t nx_line_reader_lineno(const nx_line_reader_t *r) { return r->lineno; }
const char *nx_line_reader_where(const nx_line_reader_t *r) { return r->where; }
const char *nx_line_reader_entry(const nx_line_reader_t *r) { return r->entry; }
uint64_t nx_line_reader_size(const nx_line_reader_t *r) { return r->size; }

uint64_t nx_line_reader_pos(const nx_line_reader_t *r) {
    if (r->gz) {
        z_off_t off = gzoffset(r->gz);
        return off > 0 ? (uint64_t)off : 0;
    }
    return r->zip_done;
}

void nx_line_reader_close(nx_line_reader_t *r) {
    if (!r) return;
    if (r->gz) gzclose(r->gz);
    if (r->zf) zip_fclose(r->zf);
    if (r->zip) zip_discard(r->zip);
    nx_free(r->buf);
    nx_free(r);
}
