/*
 * A progress bar on stderr for long work, drawn only when stderr is a
 * terminal (quiet in pipes, logs and CI), at most 10 times a second.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nexus/data.h"
#include "nexus/time.h"

void nx_cli_progress_init(nx_cli_progress_t *p, const char *label, uint64_t total) {
    p->label = label;
    p->total = total;
    p->enabled = isatty(2) && total > 0;
    p->last_ns = 0;
    p->start_ns = nx_mono_now();
    p->drawn = 0;
    p->rows = 0;
}

void nx_cli_progress_update(nx_cli_progress_t *p, uint64_t done) {
    if (!p->enabled) return;
    int64_t now = nx_mono_now();
    if (p->drawn && now - p->last_ns < 100 * NX_NS_PER_MS && done < p->total) return;
    p->last_ns = now;
    p->drawn = 1;
    double frac = done >= p->total ? 1.0 : (double)done / (double)p->total;
    int width = 30, fill = (int)(frac * width);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double secs = (double)(now - p->start_ns) / 1e9;
    double eta = frac > 0.001 ? secs / frac - secs : 0;
    if (p->rows && secs > 0)
        fprintf(stderr, "\r%s [%s] %5.1f%%  %.2fM rows/s  %.1fs elapsed, ~%.1fs left ", p->label,
                bar, frac * 100, (double)p->rows / secs / 1e6, secs, eta);
    else
        fprintf(stderr, "\r%s [%s] %5.1f%%  %.1fs elapsed, ~%.1fs left ", p->label, bar,
                frac * 100, secs, eta);
    fflush(stderr);
}

void nx_cli_progress_done(nx_cli_progress_t *p) {
    if (!p->enabled || !p->drawn) return;
    nx_cli_progress_update(p, p->total);
    fputc('\n', stderr);
}

int nx_cli_next_line(struct nx_line_reader *r, const char **line, size_t *len) {
    int rc = nx_line_reader_next(r, line, len);
    return rc == NX_OK ? 1 : rc == NX_EEND ? 0 : -1;
}
