/* scl import: reading YAML (libyaml) and JSON (cJSON) inputs into cJSON trees
 * with source positions, and writing the output files. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "cli/import.h"

int imp_fail(struct imp_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void imp_where(const struct imp_doc *d, const cJSON *node, char *out, size_t size)
{
    for (size_t i = 0; node && i < d->nlocs; i++)
        if (d->locs[i].node == node) {
            snprintf(out, size, "%s:%d:%d: ", d->name, d->locs[i].line, d->locs[i].col);
            return;
        }
    snprintf(out, size, "%s: ", d->name);
}

static void doc_loc(struct imp_doc *d, const cJSON *node, const yaml_mark_t *m)
{
    if (d->nlocs == d->caplocs) {
        d->caplocs = d->caplocs ? d->caplocs * 2 : 256;
        d->locs = realloc(d->locs, d->caplocs * sizeof *d->locs);
        if (!d->locs)
            abort();
    }
    d->locs[d->nlocs++] = (struct imp_loc){node, (int)m->line + 1, (int)m->column + 1};
}

static void docs_push(struct imp_docs *docs, const struct imp_doc *d)
{
    struct imp_doc *v = realloc(docs->v, (docs->n + 1) * sizeof *v);
    if (!v)
        abort();
    docs->v = v;
    docs->v[docs->n++] = *d;
}

void imp_docs_free(struct imp_docs *docs)
{
    for (size_t i = 0; i < docs->n; i++) {
        free(docs->v[i].name);
        cJSON_Delete(docs->v[i].root);
        free(docs->v[i].locs);
    }
    free(docs->v);
    docs->v = NULL;
    docs->n = 0;
}

static char *xstrdup_(const char *s)
{
    char *r = strdup(s);
    if (!r)
        abort();
    return r;
}

/* {===== YAML */

/* A plain scalar resolved as YAML 1.1 (go-yaml v2, which Kubernetes' loader
 * uses). */
static cJSON *plain_scalar(const char *s, size_t n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                        "True", "TRUE", "on",  "On",  "ON"};
    static const char *const falses[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                         "False", "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (!strcmp(s, nulls[i]))
            return cJSON_CreateNull();
    for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++)
        if (!strcmp(s, trues[i]))
            return cJSON_CreateTrue();
    for (size_t i = 0; i < sizeof falses / sizeof falses[0]; i++)
        if (!strcmp(s, falses[i]))
            return cJSON_CreateFalse();
    if (n && n < 64 && (strchr("+-.0123456789", s[0]))) {
        char buf[64];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] != '_')
                buf[k++] = s[i];
        buf[k] = '\0';
        char *end;
        errno = 0;
        long long iv = strtoll(buf, &end, 0);
        if (*end == '\0' && errno == 0 && end != buf &&
            (buf[0] != '0' || k == 1 || buf[1] == 'x' || buf[1] == 'X' ||
             (buf[1] >= '0' && buf[1] <= '7')))
            return cJSON_CreateNumber((double)iv);
        if ((buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B')) && k > 2) {
            long long bv = strtoll(buf + 2, &end, 2);
            if (*end == '\0')
                return cJSON_CreateNumber((double)bv);
        }
        /* float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
        const char *p = buf;
        if (*p == '+' || *p == '-')
            p++;
        size_t digits = 0;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9')
                p++, digits++;
        }
        if (digits && (*p == 'e' || *p == 'E')) {
            const char *q = p + 1;
            if (*q == '+' || *q == '-')
                q++;
            if (*q >= '0' && *q <= '9') {
                while (*q >= '0' && *q <= '9')
                    q++;
                p = q;
            }
        }
        if (digits && *p == '\0')
            return cJSON_CreateNumber(strtod(buf, NULL));
    }
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") || !strcmp(s, "+.inf"))
        return cJSON_CreateNumber(1e308 * 10);
    if (!strcmp(s, "-.inf") || !strcmp(s, "-.Inf") || !strcmp(s, "-.INF"))
        return cJSON_CreateNumber(-1e308 * 10);
    return cJSON_CreateString(s);
}

struct anchor {
    char *name;
    cJSON *node; /* borrowed from the tree being built */
    bool done;
};

struct yload {
    yaml_parser_t parser;
    struct imp_doc *doc;
    struct anchor *anchors;
    size_t nanchors;
    size_t copied; /* nodes made by aliases, against "billion laughs" */
    size_t budget; /* the most 'copied' may reach: in proportion to the text's size */
    unsigned depth;
    cJSON *dropped; /* nodes taken out of the tree (keys, replaced values): aliases may still
                       refer to them, so they live until the end */
    struct imp_err *err;
    const char *name;
};

/* Nesting deeper than this is refused (the reader recurses once per level). */
#define IMP_YAML_MAX_DEPTH 512
/* Aliases may copy this many nodes, or more in a bigger document: IMP_ALIAS_PER_BYTE per byte
 * of its text. */
#define IMP_ALIAS_MIN      100000
#define IMP_ALIAS_PER_BYTE 4

static void drop_node(struct yload *y, cJSON *n)
{
    if (n)
        cJSON_AddItemToArray(y->dropped, n);
}

static size_t count_nodes(const cJSON *n)
{
    size_t c = 1;
    for (const cJSON *k = n->child; k; k = k->next)
        c += count_nodes(k);
    return c;
}

static int yparse_node(struct yload *y, yaml_event_t *ev, cJSON **out);
static int yparse_collection(struct yload *y, yaml_event_t *ev, cJSON **out);

static int ynext(struct yload *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->parser, ev))
        return imp_fail(y->err, "%s:%zu:%zu: invalid YAML: %s", y->name,
                        y->parser.problem_mark.line + 1, y->parser.problem_mark.column + 1,
                        y->parser.problem ? y->parser.problem : "syntax error");
    return 0;
}

static void anchor_add(struct yload *y, const unsigned char *name, cJSON *node)
{
    if (!name)
        return;
    y->anchors = realloc(y->anchors, (y->nanchors + 1) * sizeof *y->anchors);
    if (!y->anchors)
        abort();
    y->anchors[y->nanchors++] = (struct anchor){xstrdup_((const char *)name), node, false};
}

static void anchor_done(struct yload *y, const cJSON *node)
{
    for (size_t i = y->nanchors; i-- > 0;)
        if (y->anchors[i].node == node)
            y->anchors[i].done = true;
}

/* Consumes 'ev' (the node's first event) and everything up to the node's end.
 */
static int yparse_node(struct yload *y, yaml_event_t *ev, cJSON **out)
{
    yaml_mark_t mark = ev->start_mark;
    *out = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *a = (const char *)ev->data.alias.anchor;
        for (size_t i = y->nanchors; i-- > 0;)
            if (!strcmp(y->anchors[i].name, a)) {
                if (!y->anchors[i].done) {
                    imp_fail(y->err,
                             "%s:%zu:%zu: the alias *%s refers to a node that contains it "
                             "(a cyclic document)",
                             y->name, mark.line + 1, mark.column + 1, a);
                    yaml_event_delete(ev);
                    return -1;
                }
                y->copied += count_nodes(y->anchors[i].node);
                if (y->copied > y->budget) {
                    imp_fail(y->err, "%s:%zu:%zu: aliases expand to too many nodes", y->name,
                             mark.line + 1, mark.column + 1);
                    yaml_event_delete(ev);
                    return -1;
                }
                *out = cJSON_Duplicate(y->anchors[i].node, 1);
                doc_loc(y->doc, *out, &mark);
                yaml_event_delete(ev);
                return 0;
            }
        imp_fail(y->err, "%s:%zu:%zu: unknown alias *%s", y->name, mark.line + 1, mark.column + 1,
                 a);
        yaml_event_delete(ev);
        return -1;
    }
    case YAML_SCALAR_EVENT: {
        const char *v = (const char *)ev->data.scalar.value;
        const char *tag = (const char *)ev->data.scalar.tag;
        if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || (tag && !strcmp(tag, YAML_STR_TAG)))
            *out = cJSON_CreateString(v);
        else
            *out = plain_scalar(v, ev->data.scalar.length);
        anchor_add(y, ev->data.scalar.anchor, *out);
        anchor_done(y, *out);
        doc_loc(y->doc, *out, &mark);
        yaml_event_delete(ev);
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (y->depth >= IMP_YAML_MAX_DEPTH) {
            yaml_event_delete(ev);
            return imp_fail(y->err, "%s:%zu:%zu: nesting deeper than %d levels", y->name,
                            mark.line + 1, mark.column + 1, IMP_YAML_MAX_DEPTH);
        }
        y->depth++;
        int rc = yparse_collection(y, ev, out);
        y->depth--;
        return rc;
    }
    default:
        yaml_event_delete(ev);
        return imp_fail(y->err, "%s:%zu:%zu: unexpected YAML event", y->name, mark.line + 1,
                        mark.column + 1);
    }
}

/* A sequence or mapping (ev starts it). */
static int yparse_collection(struct yload *y, yaml_event_t *ev, cJSON **out)
{
    yaml_mark_t mark = ev->start_mark;
    switch (ev->type) {
    case YAML_SEQUENCE_START_EVENT: {
        cJSON *arr = cJSON_CreateArray();
        anchor_add(y, ev->data.sequence_start.anchor, arr);
        doc_loc(y->doc, arr, &mark);
        yaml_event_delete(ev);
        for (;;) {
            yaml_event_t e;
            if (ynext(y, &e) != 0) {
                cJSON_Delete(arr);
                return -1;
            }
            if (e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            cJSON *item;
            if (yparse_node(y, &e, &item) != 0) {
                cJSON_Delete(arr);
                return -1;
            }
            cJSON_AddItemToArray(arr, item);
        }
        anchor_done(y, arr);
        *out = arr;
        return 0;
    }
    case YAML_MAPPING_START_EVENT: {
        cJSON *obj = cJSON_CreateObject();
        anchor_add(y, ev->data.mapping_start.anchor, obj);
        doc_loc(y->doc, obj, &mark);
        yaml_event_delete(ev);
        for (;;) {
            yaml_event_t e;
            if (ynext(y, &e) != 0) {
                cJSON_Delete(obj);
                return -1;
            }
            if (e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            cJSON *key, *val;
            if (yparse_node(y, &e, &key) != 0) {
                cJSON_Delete(obj);
                return -1;
            }
            yaml_event_t ve;
            if (ynext(y, &ve) != 0 || yparse_node(y, &ve, &val) != 0) {
                cJSON_Delete(key);
                cJSON_Delete(obj);
                return -1;
            }
            char kbuf[64];
            const char *k;
            if (cJSON_IsString(key)) {
                k = key->valuestring;
            } else if (cJSON_IsNumber(key)) {
                struct ibuf nb = {0};
                imp_put_number(&nb, key->valuedouble);
                snprintf(kbuf, sizeof kbuf, "%s", ibuf_str(&nb));
                ibuf_free(&nb);
                k = kbuf;
            } else if (cJSON_IsBool(key)) {
                k = cJSON_IsTrue(key) ? "true" : "false";
            } else if (cJSON_IsNull(key)) {
                k = "null";
            } else {
                k = NULL; /* a collection as key: dropped */
            }
            if (k) {
                drop_node(y, cJSON_DetachItemFromObjectCaseSensitive(obj, k));
                cJSON_AddItemToObject(obj, k, val);
            } else {
                drop_node(y, val);
            }
            drop_node(y, key);
        }
        anchor_done(y, obj);
        *out = obj;
        return 0;
    }
    default:
        yaml_event_delete(ev);
        return imp_fail(y->err, "%s:%zu:%zu: unexpected YAML event", y->name, mark.line + 1,
                        mark.column + 1);
    }
}

int imp_load_yaml(const char *name, const char *text, size_t len, struct imp_docs *out,
                  struct imp_err *err)
{
    struct yload y = {.err = err, .name = name};
    y.budget = len > IMP_ALIAS_MIN / IMP_ALIAS_PER_BYTE ? len * IMP_ALIAS_PER_BYTE : IMP_ALIAS_MIN;
    y.dropped = cJSON_CreateArray();
    if (!y.dropped || !yaml_parser_initialize(&y.parser)) {
        cJSON_Delete(y.dropped);
        return imp_fail(err, "out of memory");
    }
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if ((rc = ynext(&y, &ev)) != 0)
            break;
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t != YAML_DOCUMENT_START_EVENT)
            continue;
        struct imp_doc d = {.name = xstrdup_(name)};
        y.doc = &d;
        if ((rc = ynext(&y, &ev)) == 0)
            rc = yparse_node(&y, &ev, &d.root);
        yaml_event_t end;
        if (rc == 0)
            rc = ynext(&y, &end);
        if (rc == 0)
            yaml_event_delete(&end);
        for (size_t i = 0; i < y.nanchors; i++)
            free(y.anchors[i].name);
        y.nanchors = 0;
        if (rc != 0 || !d.root || cJSON_IsNull(d.root)) {
            free(d.name);
            cJSON_Delete(d.root);
            free(d.locs);
            if (rc != 0)
                break;
            continue;
        }
        docs_push(out, &d);
    }
    free(y.anchors);
    cJSON_Delete(y.dropped);
    yaml_parser_delete(&y.parser);
    return rc;
}

/* {===== JSON */

int imp_load_json(const char *name, const char *text, size_t len, struct imp_docs *out,
                  struct imp_err *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        int line = 1, col = 1;
        const char *stop = end && end >= text && end <= text + len ? end : text;
        for (const char *p = text; p < stop; p++) {
            if (*p == '\n')
                line++, col = 1;
            else
                col++;
        }
        return imp_fail(err, "%s:%d:%d: invalid JSON", name, line, col);
    }
    struct imp_doc d = {.name = xstrdup_(name), .root = root};
    docs_push(out, &d);
    return 0;
}

/* {===== output */

char *imp_join(const char *a, const char *b)
{
    struct ibuf r = {0};
    ibuf_puts(&r, a);
    if (r.n && r.p[r.n - 1] != '/')
        ibuf_putc(&r, '/');
    ibuf_puts(&r, b);
    return ibuf_take(&r);
}

int imp_mkdirs(const char *dir, struct imp_err *err)
{
    char *p = xstrdup_(dir);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                imp_fail(err, "cannot create %s: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

int imp_write_file(const char *path, const char *text, size_t len, struct imp_err *err)
{
    const char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        char *dir = strndup(path, (size_t)(slash - path));
        if (!dir)
            abort();
        int rc = imp_mkdirs(dir, err);
        free(dir);
        if (rc != 0)
            return rc;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return imp_fail(err, "cannot write %s: %s", path, strerror(errno));
    bool ok = fwrite(text, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = false;
    if (!ok)
        return imp_fail(err, "cannot write %s: %s", path, strerror(errno));
    return 0;
}
