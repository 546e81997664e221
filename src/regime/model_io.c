/*
 * Regime model files: a small versioned text format (see nexus/regime.h).
 *
 * Doubles are written with %.17g and read with nx_ta_parse_double, the
 * project's bounded number parser. 17 significant digits put the decimal
 * within a quarter ulp of the double's centre, far inside its rounding
 * interval, so the parser's extended-precision path returns the same bits;
 * the writer still checks every value it writes parses back bit for bit and
 * refuses to write a file that would not (NX_EINEXACT, never seen).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nexus/regime.h"

#define NX__MAGIC "nexus-regime-model"
#define NX__TOK_MAX 8
#define NX__LINE_MAX 1024

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t cap, len;
    int err;
} nx__out_t;

NX_PRINTF(2, 3) static void nx__put(nx__out_t *o, const char *fmt, ...) {
    if (o->err) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= o->cap - o->len) {
        o->err = NX_ELIMIT;
        return;
    }
    o->len += (size_t)w;
}

static void nx__put_double(nx__out_t *o, double v) {
    char tmp[40];
    int w = snprintf(tmp, sizeof tmp, "%.17g", v);
    double back;
    if (w <= 0 || (size_t)w >= sizeof tmp || nx_ta_parse_double(tmp, (size_t)w, &back) < 0 ||
        memcmp(&back, &v, sizeof v) != 0) {
        if (!o->err) o->err = NX_EINEXACT;
        return;
    }
    nx__put(o, " %s", tmp);
}

int nx_regime_model_format(const nx_regime_hmm_t *m, char *buf, size_t cap, size_t *len) {
    if (!m || !buf || cap == 0) return NX_EINVAL;
    int rc = nx_regime_hmm_check(m);
    if (rc < 0) return NX_ERR_APPEND(rc, "model");
    nx__out_t o = {buf, cap, 0, 0};
    uint32_t k = m->k;
    nx__put(&o, NX__MAGIC " %d\n", NX_REGIME_MODEL_VERSION);
    nx__put(&o, "# Gaussian HMM, full 2x2 covariances; features per bar:\n"
                "#   r = mean log return in percent over ret_window bars\n"
                "#   v = ln(Parkinson volatility in percent per bar, mean over vol_window bars)\n"
                "# trans i: P(next state j | state i) for j = 0..states-1; cov i: var_r cov_rv var_v\n");
    nx__put(&o, "states %u\nret_window %u\nvol_window %u\n", k, m->ret_window, m->vol_window);
    nx__put(&o, "seed %llu\nnobs %llu\niterations %u\nloglik", (unsigned long long)m->seed,
            (unsigned long long)m->nobs, m->iterations);
    nx__put_double(&o, m->loglik);
    nx__put(&o, "\npi");
    for (uint32_t j = 0; j < k; j++) nx__put_double(&o, m->pi[j]);
    nx__put(&o, "\n");
    for (uint32_t i = 0; i < k; i++) {
        nx__put(&o, "trans %u", i);
        for (uint32_t j = 0; j < k; j++) nx__put_double(&o, m->trans[i][j]);
        nx__put(&o, "\n");
    }
    for (uint32_t i = 0; i < k; i++) {
        nx__put(&o, "mean %u", i);
        nx__put_double(&o, m->mean[i][0]);
        nx__put_double(&o, m->mean[i][1]);
        nx__put(&o, "\ncov %u", i);
        for (int e = 0; e < 3; e++) nx__put_double(&o, m->cov[i][e]);
        nx__put(&o, "\nlabel %u %s\n", i, nx_regime_label_name(m->label[i]));
    }
    nx__put(&o, "end\n");
    if (o.err == NX_ELIMIT) return NX_ERR(NX_ELIMIT, "model text needs more than %zu bytes", cap);
    if (o.err) return NX_ERR(o.err, "a value does not survive the %%.17g round trip");
    if (len) *len = o.len;
    return 0;
}

int nx_regime_model_save(const nx_regime_hmm_t *m, const char *path) {
    if (!m || !path) return NX_EINVAL;
    char text[8192], tmp[4096];
    size_t len;
    int rc = nx_regime_model_format(m, text, sizeof text, &len);
    if (rc < 0) return rc;
    int w = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (w < 0 || (size_t)w >= sizeof tmp) return NX_ERR(NX_EINVAL, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            rc = NX_ERR(NX_EIO, "%s: write: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return rc;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        rc = NX_ERR(NX_EIO, "%s: fsync: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return rc;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        rc = NX_ERR(NX_EIO, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Reading                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct {
    const char *s;
    size_t n;
} nx__tok_t;

static int nx__parse_u64(const nx__tok_t *t, uint64_t max, uint64_t *out) {
    if (t->n == 0 || t->n > 20) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->s[i] < '0' || t->s[i] > '9') return -1;
        unsigned d = (unsigned)(t->s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (v > max) return -1;
    *out = v;
    return 0;
}

static int nx__tok_is(const nx__tok_t *t, const char *word) {
    return t->n == strlen(word) && memcmp(t->s, word, t->n) == 0;
}

enum {
    NX__K_STATES = 1u << 0,
    NX__K_RET = 1u << 1,
    NX__K_VOL = 1u << 2,
    NX__K_SEED = 1u << 3,
    NX__K_NOBS = 1u << 4,
    NX__K_ITER = 1u << 5,
    NX__K_LL = 1u << 6,
    NX__K_PI = 1u << 7,
};

#define NX__FAIL(code, ...)                                                                \
    do {                                                                                   \
        char msg_[256];                                                                    \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                                          \
        return NX_ERR((code), "%s:%zu: %s", name, lineno, msg_);                           \
    } while (0)

int nx_regime_model_parse(const char *text, size_t len, const char *name, nx_regime_hmm_t *out) {
    if ((!text && len) || !out) return NX_EINVAL;
    if (!name) name = "model";
    if (len > NX_REGIME_MODEL_MAX)
        return NX_ERR(NX_ELIMIT, "%s: larger than %d bytes", name, NX_REGIME_MODEL_MAX);
    nx_regime_hmm_t m;
    memset(&m, 0, sizeof m);
    unsigned seen = 0, st_trans = 0, st_mean = 0, st_cov = 0, st_label = 0;
    int magic = 0, ended = 0;
    size_t lineno = 0, pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        if (ll > 0 && line[ll - 1] == '\r') ll--;
        if (ll > NX__LINE_MAX) NX__FAIL(NX_EPARSE, "line longer than %d bytes", NX__LINE_MAX);
        nx__tok_t tok[NX__TOK_MAX];
        size_t nt = 0, i = 0;
        while (i < ll) {
            while (i < ll && (line[i] == ' ' || line[i] == '\t')) i++;
            if (i >= ll || line[i] == '#') break;
            size_t b = i;
            while (i < ll && line[i] != ' ' && line[i] != '\t') i++;
            if (nt == NX__TOK_MAX) NX__FAIL(NX_EPARSE, "too many fields");
            tok[nt].s = line + b;
            tok[nt].n = i - b;
            nt++;
        }
        if (nt == 0) continue;
        for (size_t q = 0; q < nt; q++)
            for (size_t c = 0; c < tok[q].n; c++)
                if ((unsigned char)tok[q].s[c] < 0x21 || (unsigned char)tok[q].s[c] > 0x7e)
                    NX__FAIL(NX_EPARSE, "non-printable byte in field %zu", q + 1);
        if (ended) NX__FAIL(NX_EPARSE, "content after 'end'");
        const nx__tok_t *key = &tok[0];
        if (!magic) {
            uint64_t v;
            if (nt != 2 || !nx__tok_is(key, NX__MAGIC))
                NX__FAIL(NX_EPARSE, "not a regime model: expected '" NX__MAGIC " %d'",
                         NX_REGIME_MODEL_VERSION);
            if (nx__parse_u64(&tok[1], UINT32_MAX, &v) < 0)
                NX__FAIL(NX_EPARSE, "malformed version '%.*s'", tok[1].n > 20 ? 20 : (int)tok[1].n,
                         tok[1].s);
            if (v != NX_REGIME_MODEL_VERSION)
                NX__FAIL(NX_EVERSION, "model version %llu is not supported (this build reads %d)",
                         (unsigned long long)v, NX_REGIME_MODEL_VERSION);
            magic = 1;
            continue;
        }
        /* scalar keys */
        static const struct {
            const char *word;
            unsigned bit;
        } scalars[] = {{"states", NX__K_STATES}, {"ret_window", NX__K_RET},
                       {"vol_window", NX__K_VOL}, {"seed", NX__K_SEED},
                       {"nobs", NX__K_NOBS},     {"iterations", NX__K_ITER},
                       {"loglik", NX__K_LL}};
        int handled = 0;
        for (size_t s = 0; s < NX_ARRAY_LEN(scalars); s++) {
            if (!nx__tok_is(key, scalars[s].word)) continue;
            handled = 1;
            unsigned bit = scalars[s].bit;
            if (seen & bit) NX__FAIL(NX_EPARSE, "duplicate '%s'", scalars[s].word);
            if (nt != 2) NX__FAIL(NX_EPARSE, "'%s' takes one value", scalars[s].word);
            uint64_t v = 0;
            double d = 0;
            if (bit == NX__K_LL) {
                if (nx_ta_parse_double(tok[1].s, tok[1].n, &d) < 0 || !isfinite(d))
                    NX__FAIL(NX_EPARSE, "loglik: not a finite number: '%.*s'",
                             tok[1].n > 40 ? 40 : (int)tok[1].n, tok[1].s);
                m.loglik = d;
            } else {
                uint64_t max = bit == NX__K_STATES ? NX_REGIME_STATES_MAX
                               : (bit == NX__K_RET || bit == NX__K_VOL) ? NX_REGIME_WINDOW_MAX
                               : bit == NX__K_ITER ? UINT32_MAX
                                                   : UINT64_MAX;
                uint64_t min = bit == NX__K_STATES ? NX_REGIME_STATES_MIN
                               : (bit == NX__K_RET || bit == NX__K_VOL) ? 1
                                                                        : 0;
                if (nx__parse_u64(&tok[1], max, &v) < 0 || v < min)
                    NX__FAIL(NX_EPARSE, "%s: expected an integer in [%llu, %llu], got '%.*s'",
                             scalars[s].word, (unsigned long long)min, (unsigned long long)max,
                             tok[1].n > 40 ? 40 : (int)tok[1].n, tok[1].s);
                if (bit == NX__K_STATES) m.k = (uint32_t)v;
                else if (bit == NX__K_RET) m.ret_window = (uint32_t)v;
                else if (bit == NX__K_VOL) m.vol_window = (uint32_t)v;
                else if (bit == NX__K_SEED) m.seed = v;
                else if (bit == NX__K_NOBS) m.nobs = v;
                else m.iterations = (uint32_t)v;
            }
            seen |= bit;
        }
        if (handled) continue;
        if (nx__tok_is(key, "end")) {
            if (nt != 1) NX__FAIL(NX_EPARSE, "'end' takes no value");
            ended = 1;
            if (!(seen & NX__K_STATES)) NX__FAIL(NX_EPARSE, "missing 'states'");
            if (!(seen & NX__K_RET)) NX__FAIL(NX_EPARSE, "missing 'ret_window'");
            if (!(seen & NX__K_VOL)) NX__FAIL(NX_EPARSE, "missing 'vol_window'");
            if (!(seen & NX__K_PI)) NX__FAIL(NX_EPARSE, "missing 'pi'");
            unsigned all = (1u << m.k) - 1;
            const char *miss = st_trans != all ? "trans" : st_mean != all ? "mean"
                               : st_cov != all ? "cov" : st_label != all ? "label" : NULL;
            if (miss) {
                unsigned have = !strcmp(miss, "trans") ? st_trans : !strcmp(miss, "mean") ? st_mean
                                : !strcmp(miss, "cov") ? st_cov : st_label;
                unsigned s = 0;
                while (have & (1u << s)) s++;
                NX__FAIL(NX_EPARSE, "missing '%s %u'", miss, s);
            }
            int rc = nx_regime_hmm_check(&m);
            if (rc < 0) NX__FAIL(rc, "%s", nx_err_message());
            continue;
        }
        /* vector keys need the state count */
        int is_pi = nx__tok_is(key, "pi"), is_trans = nx__tok_is(key, "trans");
        int is_mean = nx__tok_is(key, "mean"), is_cov = nx__tok_is(key, "cov");
        int is_label = nx__tok_is(key, "label");
        if (!(is_pi || is_trans || is_mean || is_cov || is_label))
            NX__FAIL(NX_EPARSE, "unknown key '%.*s'", key->n > 40 ? 40 : (int)key->n, key->s);
        if (!(seen & NX__K_STATES))
            NX__FAIL(NX_EPARSE, "'%.*s' before 'states'", (int)key->n, key->s);
        uint32_t k = m.k;
        double vals[NX_REGIME_STATES_MAX];
        size_t first = 1;
        uint64_t st = 0;
        if (!is_pi) {
            if (nt < 2 || nx__parse_u64(&tok[1], k - 1, &st) < 0)
                NX__FAIL(NX_EPARSE, "%.*s: expected a state index in [0, %u]", (int)key->n,
                         key->s, k - 1);
            first = 2;
            unsigned *mask = is_trans ? &st_trans : is_mean ? &st_mean : is_cov ? &st_cov
                                                                          : &st_label;
            if (*mask & (1u << st))
                NX__FAIL(NX_EPARSE, "duplicate '%.*s %llu'", (int)key->n, key->s,
                         (unsigned long long)st);
            *mask |= 1u << st;
        } else {
            if (seen & NX__K_PI) NX__FAIL(NX_EPARSE, "duplicate 'pi'");
            seen |= NX__K_PI;
        }
        if (is_label) {
            nx_regime_label_t l;
            if (nt != 3 || nx_regime_label_parse(tok[2].s, tok[2].n, &l) < 0)
                NX__FAIL(NX_EPARSE, "label %llu: expected one of UNKNOWN TRENDING_UP "
                                    "TRENDING_DOWN MEAN_REVERTING HIGH_VOLATILITY "
                                    "LOW_VOLATILITY BREAKOUT CRISIS",
                         (unsigned long long)st);
            m.label[st] = l;
            continue;
        }
        size_t want = is_pi || is_trans ? k : is_mean ? 2 : 3;
        if (nt - first != want)
            NX__FAIL(NX_EPARSE, "%.*s: expected %zu numbers, got %zu", (int)key->n, key->s, want,
                     nt - first);
        for (size_t q = 0; q < want; q++) {
            const nx__tok_t *t = &tok[first + q];
            if (nx_ta_parse_double(t->s, t->n, &vals[q]) < 0 || !isfinite(vals[q]))
                NX__FAIL(NX_EPARSE, "%.*s: field %zu: not a finite number: '%.*s'", (int)key->n,
                         key->s, first + q + 1, t->n > 40 ? 40 : (int)t->n, t->s);
        }
        if (is_pi || is_trans) {
            double s = 0;
            for (size_t q = 0; q < want; q++) {
                if (vals[q] < 0 || vals[q] > 1)
                    NX__FAIL(NX_EINVAL, "%.*s: probabilities must be in [0, 1]", (int)key->n,
                             key->s);
                s += vals[q];
            }
            if (fabs(s - 1.0) > 1e-6)
                NX__FAIL(NX_EINVAL, "%.*s: probabilities sum to %.17g, not 1", (int)key->n,
                         key->s, s);
            memcpy(is_pi ? m.pi : m.trans[st], vals, want * sizeof(double));
        } else if (is_mean) {
            m.mean[st][0] = vals[0];
            m.mean[st][1] = vals[1];
        } else {
            if (!(vals[0] > 0) || !(vals[2] > 0))
                NX__FAIL(NX_EINVAL, "cov %llu: variances must be positive",
                         (unsigned long long)st);
            if (!(vals[1] * vals[1] < vals[0] * vals[2]))
                NX__FAIL(NX_EINVAL, "cov %llu: not positive definite (|correlation| >= 1)",
                         (unsigned long long)st);
            memcpy(m.cov[st], vals, 3 * sizeof(double));
        }
    }
    if (!magic) return NX_ERR(NX_EPARSE, "%s:1: empty file, expected '" NX__MAGIC " %d'", name,
                              NX_REGIME_MODEL_VERSION);
    if (!ended)
        return NX_ERR(NX_EPARSE, "%s:%zu: missing 'end' (truncated file?)", name, lineno);
    *out = m;
    return 0;
}

int nx_regime_model_load(const char *path, nx_regime_hmm_t *out) {
    if (!path || !out) return NX_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NX_ERR(NX_EIO, "%s: %s", path, strerror(errno));
    char *buf = nx_malloc(NX_REGIME_MODEL_MAX + 1);
    if (!buf) {
        close(fd);
        return NX_ERR(NX_ENOMEM, "%s", path);
    }
    size_t len = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, NX_REGIME_MODEL_MAX + 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = NX_ERR(NX_EIO, "%s: read: %s", path, strerror(errno));
            break;
        }
        if (n == 0) break;
        len += (size_t)n;
        if (len > NX_REGIME_MODEL_MAX) {
            rc = NX_ERR(NX_ELIMIT, "%s: larger than %d bytes", path, NX_REGIME_MODEL_MAX);
            break;
        }
    }
    close(fd);
    if (rc == 0) rc = nx_regime_model_parse(buf, len, path, out);
    nx_free(buf);
    return rc;
}
