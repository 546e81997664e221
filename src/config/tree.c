/*
 * YAML -> positioned read-only tree (nexus/config.h), built from libyaml's
 * event API so that every node keeps its start mark.
 *
 * All nodes, pair/item arrays and scalar texts live in one arena owned by
 * the document, so freeing is one walk over the arena blocks and an
 * allocation failure mid-parse cannot leak. Open containers sit on a fixed
 * stack (NX_CFG_DEPTH_MAX); their children accumulate on one shared growable
 * vector and are copied into an exact-size arena array when the container
 * closes (children of a container are always the top of that vector).
 *
 * Aliases share the anchored node. An anchor is registered only when its
 * node is complete, so `&a [*a]` is an undefined alias, not a cycle. Each
 * node's weight counts its subtree with aliases expanded; a document whose
 * weight passes NX_CFG_NODES_MAX is refused (billion laughs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config/cfg_int.h"
#include "nexus/config.h"

typedef struct nx__blk {
    struct nx__blk *next;
    size_t used, cap;
} nx__blk_t;

#define NX__BLK_HDR ((sizeof(nx__blk_t) + 15u) & ~(size_t)15u)
#define NX__BLK_SIZE 8192u

struct nx_cfg_doc {
    nx__blk_t *blocks;
    const char *name;
    const nx_cfg_node_t *root;
};

static void *nx__arena(nx_cfg_doc_t *doc, size_t n) {
    n = (n + 15u) & ~(size_t)15u;
    nx__blk_t *b = doc->blocks;
    if (b && b->cap - b->used >= n) {
        void *p = (char *)b + NX__BLK_HDR + b->used;
        b->used += n;
        return p;
    }
    size_t cap = n > NX__BLK_SIZE / 4 ? n : NX__BLK_SIZE - NX__BLK_HDR;
    nx__blk_t *nb = nx_malloc(NX__BLK_HDR + cap);
    if (!nb) return NULL;
    nb->cap = cap;
    nb->used = n;
    if (b && cap == n) { /* a dedicated block: keep the current one for small allocations */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        doc->blocks = nb;
    }
    return (char *)nb + NX__BLK_HDR;
}

void nx_cfg_doc_free(nx_cfg_doc_t *doc) {
    if (!doc) return;
    nx__blk_t *b = doc->blocks;
    while (b) {
        nx__blk_t *next = b->next;
        nx_free(b);
        b = next;
    }
    nx_free(doc);
}

const nx_cfg_node_t *nx_cfg_doc_root(const nx_cfg_doc_t *doc) { return doc ? doc->root : NULL; }
const char *nx_cfg_doc_name(const nx_cfg_doc_t *doc) { return doc ? doc->name : ""; }

const nx_cfg_node_t *nx_cfg_map_get(const nx_cfg_node_t *map, const char *key) {
    if (!map || map->kind != NX_CFG_NODE_MAP || !key) return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->len; i++) {
        const nx_cfg_node_t *k = map->pairs[i].key;
        if (k->kind == NX_CFG_NODE_SCALAR && k->len == klen && memcmp(k->text, key, klen) == 0)
            return map->pairs[i].value;
    }
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Builder                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct nx__frame {
    nx_cfg_node_t *node;
    size_t base;          /* first child's index in items */
    const char *anchor;   /* arena copy, or NULL */
} nx__frame_t;

typedef struct nx__anchor {
    const char *name;
    const nx_cfg_node_t *node;
} nx__anchor_t;

typedef struct nx__builder {
    nx_cfg_doc_t *doc;
    nx__cfg_rep_t *rep;
    nx__frame_t stack[NX_CFG_DEPTH_MAX];
    size_t depth;
    const nx_cfg_node_t **items;
    size_t n_items, cap_items;
    nx__anchor_t *anchors;
    size_t n_anchors, cap_anchors;
    int docs;
    int stop;  /* 1 after a reported problem or a fatal error */
    int rc;    /* NX_ENOMEM when stopped by allocation failure */
} nx__builder_t;

static uint32_t nx__u32(size_t v) { return v >= UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static void nx__oom(nx__builder_t *b) {
    b->stop = 1;
    b->rc = NX_ENOMEM;
}

static void nx__fail_at(nx__builder_t *b, yaml_mark_t m, const char *fmt, ...) NX_PRINTF(3, 4);
static void nx__fail_at(nx__builder_t *b, yaml_mark_t m, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    nx__cfg_vreport(b->rep, nx__u32(m.line + 1), nx__u32(m.column + 1), "", fmt, ap);
    va_end(ap);
    b->stop = 1;
}

static char *nx__copy(nx__builder_t *b, const void *s, size_t len) {
    char *p = nx__arena(b->doc, len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static nx_cfg_node_t *nx__node(nx__builder_t *b, nx_cfg_node_kind_t kind, yaml_mark_t m) {
    nx_cfg_node_t *n = nx__arena(b->doc, sizeof *n);
    if (!n) return NULL;
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = nx__u32(m.line + 1);
    n->col = nx__u32(m.column + 1);
    n->weight = 1;
    n->text = "";
    return n;
}

static int nx__anchor_add(nx__builder_t *b, const char *name, const nx_cfg_node_t *node) {
    if (b->n_anchors == b->cap_anchors) {
        size_t ncap = b->cap_anchors ? b->cap_anchors * 2 : 8;
        nx__anchor_t *na = nx_realloc(b->anchors, ncap * sizeof *na);
        if (!na) return NX_ENOMEM;
        b->anchors = na;
        b->cap_anchors = ncap;
    }
    b->anchors[b->n_anchors].name = name;
    b->anchors[b->n_anchors].node = node;
    b->n_anchors++;
    return NX_OK;
}

static const nx_cfg_node_t *nx__anchor_find(const nx__builder_t *b, const char *name) {
    for (size_t i = b->n_anchors; i-- > 0;) /* latest definition wins */
        if (strcmp(b->anchors[i].name, name) == 0) return b->anchors[i].node;
    return NULL;
}

static void nx__add_child(nx__builder_t *b, const nx_cfg_node_t *n) {
    if (b->depth == 0) {
        b->doc->root = n;
        return;
    }
    if (b->n_items == b->cap_items) {
        size_t ncap = b->cap_items ? b->cap_items * 2 : 32;
        const nx_cfg_node_t **ni = nx_realloc(b->items, ncap * sizeof *ni);
        if (!ni) {
            nx__oom(b);
            return;
        }
        b->items = ni;
        b->cap_items = ncap;
    }
    b->items[b->n_items++] = n;
}

static void nx__open(nx__builder_t *b, nx_cfg_node_kind_t kind, yaml_mark_t m,
                     const yaml_char_t *anchor) {
    if (b->depth >= NX_CFG_DEPTH_MAX) {
        nx__fail_at(b, m, "nesting deeper than %d levels", NX_CFG_DEPTH_MAX);
        return;
    }
    nx_cfg_node_t *n = nx__node(b, kind, m);
    const char *a = anchor ? nx__copy(b, anchor, strlen((const char *)anchor)) : NULL;
    if (!n || (anchor && !a)) {
        nx__oom(b);
        return;
    }
    nx__frame_t *f = &b->stack[b->depth++];
    f->node = n;
    f->base = b->n_items;
    f->anchor = a;
}

static void nx__close(nx__builder_t *b, yaml_mark_t m) {
    nx__frame_t *f = &b->stack[--b->depth];
    nx_cfg_node_t *n = f->node;
    size_t cnt = b->n_items - f->base;
    const nx_cfg_node_t **kids = b->items + f->base;
    size_t w = 1;
    for (size_t i = 0; i < cnt; i++) w += kids[i]->weight;
    if (w > NX_CFG_NODES_MAX) {
        nx__fail_at(b, m, "document too large: more than %u nodes after alias expansion",
                    NX_CFG_NODES_MAX);
        return;
    }
    n->weight = w;
    if (n->kind == NX_CFG_NODE_MAP) {
        n->len = cnt / 2;
        if (n->len) {
            nx_cfg_pair_t *pairs = nx__arena(b->doc, n->len * sizeof *pairs);
            if (!pairs) {
                nx__oom(b);
                return;
            }
            for (size_t i = 0; i < n->len; i++) {
                pairs[i].key = kids[2 * i];
                pairs[i].value = kids[2 * i + 1];
            }
            n->pairs = pairs;
        }
    } else {
        n->len = cnt;
        if (cnt) {
            const nx_cfg_node_t **arr = nx__arena(b->doc, cnt * sizeof *arr);
            if (!arr) {
                nx__oom(b);
                return;
            }
            memcpy(arr, kids, cnt * sizeof *arr);
            n->items = arr;
        }
    }
    b->n_items = f->base;
    if (f->anchor && nx__anchor_add(b, f->anchor, n) < 0) {
        nx__oom(b);
        return;
    }
    nx__add_child(b, n);
}

static int nx__is_null_word(const char *s, size_t len) {
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 ||
                         memcmp(s, "NULL", 4) == 0));
}

static void nx__scalar(nx__builder_t *b, const yaml_event_t *ev) {
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    int quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                 (tag && strcmp(tag, YAML_STR_TAG) == 0);
    nx_cfg_node_kind_t kind =
        !quoted && nx__is_null_word(v, len) ? NX_CFG_NODE_NULL : NX_CFG_NODE_SCALAR;
    nx_cfg_node_t *n = nx__node(b, kind, ev->start_mark);
    char *text = n ? nx__copy(b, v, len) : NULL;
    if (!text) {
        nx__oom(b);
        return;
    }
    n->text = text;
    n->len = len;
    n->quoted = quoted != 0;
    if (ev->data.scalar.anchor) {
        const char *a = (const char *)ev->data.scalar.anchor;
        const char *ac = nx__copy(b, a, strlen(a));
        if (!ac || nx__anchor_add(b, ac, n) < 0) {
            nx__oom(b);
            return;
        }
    }
    nx__add_child(b, n);
}

static void nx__event(nx__builder_t *b, const yaml_event_t *ev) {
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1)
            nx__fail_at(b, ev->start_mark, "more than one YAML document (only one is allowed)");
        break;
    case YAML_SCALAR_EVENT: nx__scalar(b, ev); break;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        const nx_cfg_node_t *n = nx__anchor_find(b, name);
        if (!n) {
            nx__fail_at(b, ev->start_mark, "undefined alias *%s", name);
            break;
        }
        nx__add_child(b, n);
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        nx__open(b, NX_CFG_NODE_LIST, ev->start_mark, ev->data.sequence_start.anchor);
        break;
    case YAML_MAPPING_START_EVENT:
        nx__open(b, NX_CFG_NODE_MAP, ev->start_mark, ev->data.mapping_start.anchor);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: nx__close(b, ev->start_mark); break;
    default: break;
    }
}

/* libyaml reader errors carry a byte offset, not a mark. */
static void nx__offset_pos(const char *data, size_t len, size_t off, uint32_t *line,
                           uint32_t *col) {
    size_t l = 1, c = 1;
    if (off > len) off = len;
    for (size_t i = 0; i < off; i++) {
        if (data[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = nx__u32(l);
    *col = nx__u32(c);
}

static void nx__syntax(nx__builder_t *b, const yaml_parser_t *p, const char *data, size_t len) {
    uint32_t line, col;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_READER_ERROR) {
        nx__offset_pos(data, len, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            nx__cfg_report(b->rep, line, col, "", "syntax error: %s (byte 0x%X)", problem,
                           (unsigned)p->problem_value);
        else
            nx__cfg_report(b->rep, line, col, "", "syntax error: %s", problem);
    } else {
        line = nx__u32(p->problem_mark.line + 1);
        col = nx__u32(p->problem_mark.column + 1);
        if (p->context)
            nx__cfg_report(b->rep, line, col, "", "syntax error: %s (%s at %u:%u)", problem,
                           p->context, (unsigned)nx__u32(p->context_mark.line + 1),
                           (unsigned)nx__u32(p->context_mark.column + 1));
        else
            nx__cfg_report(b->rep, line, col, "", "syntax error: %s", problem);
    }
    b->stop = 1;
}

int nx_cfg_doc_parse(const char *name, const void *data, size_t len, nx_cfg_diags_t *diags,
                     nx_cfg_doc_t **out) {
    if (!data && len) return NX_ERR(NX_EINVAL, "nx_cfg_doc_parse: NULL data");
    if (!name) name = "<memory>";
    nx_cfg_doc_t *doc = nx_calloc(1, sizeof *doc);
    if (!doc) return NX_ERR(NX_ENOMEM, "%s: out of memory", name);
    nx__builder_t *b = nx_calloc(1, sizeof *b); /* ~1.5 KiB of frames: keep it off the stack */
    size_t nlen = strlen(name);
    char *nm = b ? nx__arena(doc, nlen + 1) : NULL;
    if (nm) {
        memcpy(nm, name, nlen + 1);
        doc->name = nm;
    }
    if (!nm) {
        nx_free(b);
        nx_cfg_doc_free(doc);
        return NX_ERR(NX_ENOMEM, "%s: out of memory", name);
    }
    nx__cfg_rep_t rep;
    nx__cfg_rep_init(&rep, diags, doc->name);
    b->doc = doc;
    b->rep = &rep;

    if (len > NX_CFG_FILE_MAX) {
        nx__cfg_report(&rep, 0, 0, "", "file larger than %u bytes", NX_CFG_FILE_MAX);
        b->stop = 1;
    } else {
        yaml_parser_t p;
        if (!yaml_parser_initialize(&p)) {
            nx__oom(b);
        } else {
            yaml_parser_set_input_string(&p, (const unsigned char *)(data ? data : ""), len);
            while (!b->stop) {
                yaml_event_t ev;
                if (!yaml_parser_parse(&p, &ev)) {
                    if (p.error == YAML_MEMORY_ERROR) nx__oom(b);
                    else nx__syntax(b, &p, data ? data : "", len);
                    break;
                }
                int end = ev.type == YAML_STREAM_END_EVENT;
                nx__event(b, &ev);
                yaml_event_delete(&ev);
                if (end) break;
            }
            yaml_parser_delete(&p);
        }
        if (!b->stop && (!doc->root || doc->root->kind == NX_CFG_NODE_NULL)) {
            nx__cfg_report(&rep, 1, 1, "", "empty file: expected a YAML document");
            b->stop = 1;
        }
    }
    int rc = b->rc;
    nx_free(b->items);
    nx_free(b->anchors);
    nx_free(b);
    if (rc == 0) rc = nx__cfg_rep_finish(&rep);
    else rc = NX_ERR(rc, "%s: out of memory while parsing", name);
    if (rc < 0) {
        nx_cfg_doc_free(doc);
        return rc;
    }
    *out = doc;
    return NX_OK;
}

int nx_cfg_doc_load(const char *path, nx_cfg_diags_t *diags, nx_cfg_doc_t **out) {
    if (!path) return NX_ERR(NX_EINVAL, "nx_cfg_doc_load: NULL path");
    nx__cfg_rep_t rep;
    nx__cfg_rep_init(&rep, diags, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        nx__cfg_report(&rep, 0, 0, "", "cannot open: %s", strerror(errno));
        return nx__cfg_rep_finish(&rep);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        nx__cfg_report(&rep, 0, 0, "", "cannot read: %s", strerror(errno));
        close(fd);
        return nx__cfg_rep_finish(&rep);
    }
    if (!S_ISREG(st.st_mode)) {
        nx__cfg_report(&rep, 0, 0, "", "cannot read: %s",
                       S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        close(fd);
        return nx__cfg_rep_finish(&rep);
    }
    if ((uint64_t)st.st_size > NX_CFG_FILE_MAX) {
        close(fd);
        nx__cfg_report(&rep, 0, 0, "", "file larger than %u bytes", NX_CFG_FILE_MAX);
        return nx__cfg_rep_finish(&rep);
    }
    size_t size = (size_t)st.st_size;
    char *buf = nx_malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return NX_ERR(NX_ENOMEM, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            nx__cfg_report(&rep, 0, 0, "", "cannot read: %s", strerror(errno));
            nx_free(buf);
            close(fd);
            return nx__cfg_rep_finish(&rep);
        }
        if (r == 0) break; /* shrank while reading: parse what is there */
        got += (size_t)r;
    }
    close(fd);
    int rc = nx_cfg_doc_parse(path, buf, got, diags, out);
    nx_free(buf);
    return rc;
}
