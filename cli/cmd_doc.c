/* scl doc generate: one Markdown file documenting every schema of a package tree, in the layout
 * of `kcl doc generate` (spec tools.md §4). The schemas are read from the syntax trees the
 * library writes as JSON (scl_run_write_ast). */
#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "pkg/io.h"
#include "pkg/pkg.h"

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl doc: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl doc generate [--file-path DIR] [--format md] [--target DIR]\n"
          "                        [--escape-html] [--ignore-deprecated]\n",
          stderr);
    return CLI_USAGE;
}

/* {===== the model: packages, their schemas and attributes */

struct attr {
    char *name, *type, *desc, *def; /* type: Markdown, links resolved */
    bool required, readonly;
};

struct schema {
    char *name, *anchor, *desc, *examples;
    size_t pkg;       /* index in doc.pkgs */
    cJSON *node;      /* the schema's syntax tree (owned by its file's tree) */
    const char *text; /* its file's text (for default values) */
    size_t text_len;
    struct attr *attrs;
    size_t nattrs;
};

struct package {
    char *path; /* relative to the root, "" for the root package; '/'-separated */
    struct pkg_strs import_names, import_paths; /* of all its files: asname -> path */
};

struct doc {
    const char *root;
    struct package *pkgs;
    size_t npkgs;
    struct schema *schemas;
    size_t nschemas;
    cJSON **trees; /* one per file */
    char **texts;
    size_t ntrees;
    bool escape_html;
};

static void *grow(void *v, size_t n, size_t size)
{
    /* capacity doubles at powers of two */
    if (n && (n & (n - 1)))
        return v;
    void *p = realloc(v, (n ? n * 2 : 4) * size);
    if (!p) {
        fputs("scl: out of memory\n", stderr);
        exit(CLI_FAIL);
    }
    return p;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_source(const char *name)
{
    return name[0] != '_' && name[0] != '.' && (ends_with(name, ".k") || ends_with(name, ".scl")) &&
           !ends_with(name, "_test.k") && !ends_with(name, "_test.scl");
}

/* {===== reading the package tree */

static int mem_write(void *ud, const char *buf, size_t len)
{
    pkg_buf_put(ud, buf, len);
    return 0;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int add_schema(struct doc *d, size_t pkg, cJSON *node, const char *text, size_t len)
{
    d->schemas = grow(d->schemas, d->nschemas, sizeof *d->schemas);
    struct schema *s = &d->schemas[d->nschemas++];
    memset(s, 0, sizeof *s);
    s->name = pkg_strdup(jstr(node, "name"));
    s->pkg = pkg;
    s->node = node;
    s->text = text;
    s->text_len = len;
    return CLI_OK;
}

/* Parses one file and records its schemas and imports; a syntax error is reported. */
static int read_file(struct doc *d, size_t pkg, const char *path, enum report_format fmt)
{
    struct pkg_err err;
    size_t len;
    char *text = pkg_read_file(path, &len, &err);
    if (!text) {
        fprintf(stderr, "scl doc: %s\n", err.msg);
        return CLI_FAIL;
    }
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    struct pkg_buf json = {0};
    int rc = CLI_FAIL;
    if (run && scl_run_add_file(run, path, text, len) == SCL_OK) {
        if (scl_run_parse(run) != SCL_OK)
            report_diags(run, fmt, stderr);
        else if (scl_run_write_ast(run, 0, mem_write, &json) == SCL_OK)
            rc = CLI_OK;
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
    char *js = pkg_buf_take(&json);
    cJSON *tree = rc == CLI_OK ? cJSON_Parse(js) : NULL;
    free(js);
    if (!tree) {
        free(text);
        return CLI_FAIL;
    }
    d->trees = grow(d->trees, d->ntrees, sizeof *d->trees);
    d->texts = grow(d->texts, d->ntrees, sizeof *d->texts);
    d->trees[d->ntrees] = tree;
    d->texts[d->ntrees++] = text;
    const cJSON *stmt;
    cJSON_ArrayForEach(stmt, cJSON_GetObjectItemCaseSensitive(tree, "body"))
    {
        const char *kind = jstr(stmt, "kind");
        if (kind && !strcmp(kind, "import")) {
            const cJSON *level = cJSON_GetObjectItemCaseSensitive(stmt, "level");
            struct pkg_buf p = {0};
            /* .x counts from the importing package; plain paths from the root */
            if (cJSON_IsNumber(level) && level->valueint > 0 && d->pkgs[pkg].path[0]) {
                pkg_buf_puts(&p, d->pkgs[pkg].path);
                pkg_buf_putc(&p, '/');
            }
            for (const char *c = jstr(stmt, "path"); c && *c; c++)
                pkg_buf_putc(&p, *c == '.' ? '/' : *c);
            char *ip = pkg_buf_take(&p);
            pkg_strs_push(&d->pkgs[pkg].import_names, jstr(stmt, "asname"));
            pkg_strs_push(&d->pkgs[pkg].import_paths, ip);
            free(ip);
        } else if (kind && !strcmp(kind, "schema") && jstr(stmt, "name")) {
            add_schema(d, pkg, (cJSON *)stmt, text, len);
        }
    }
    return CLI_OK;
}

/* The package at root/rel and, below it, every directory in sorted order (pre-order). */
static int read_tree(struct doc *d, const char *rel, enum report_format fmt, unsigned depth)
{
    char *dir = rel[0] ? pkg_join(d->root, rel) : pkg_strdup(d->root);
    struct pkg_strs names = {0};
    struct pkg_err err;
    if (pkg_list_dir(dir, &names, &err) != 0) {
        fprintf(stderr, "scl doc: %s\n", err.msg);
        free(dir);
        return CLI_FAIL;
    }
    d->pkgs = grow(d->pkgs, d->npkgs, sizeof *d->pkgs);
    size_t pkg = d->npkgs++;
    memset(&d->pkgs[pkg], 0, sizeof d->pkgs[pkg]);
    d->pkgs[pkg].path = pkg_strdup(rel);
    int rc = CLI_OK;
    struct stat st;
    for (size_t i = 0; i < names.n && rc == CLI_OK; i++) {
        char *path = pkg_join(dir, names.v[i]);
        if (is_source(names.v[i]) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = read_file(d, pkg, path, fmt);
        free(path);
    }
    for (size_t i = 0; i < names.n && rc == CLI_OK && depth < 64; i++) {
        char *path = pkg_join(dir, names.v[i]);
        if (names.v[i][0] != '.' && strcmp(names.v[i], "vendor") && stat(path, &st) == 0 &&
            S_ISDIR(st.st_mode)) {
            char *sub = rel[0] ? pkg_join(rel, names.v[i]) : pkg_strdup(names.v[i]);
            rc = read_tree(d, sub, fmt, depth + 1);
            free(sub);
        }
        free(path);
    }
    pkg_strs_free(&names);
    free(dir);
    return rc;
}

/* {===== docstrings: summary, an Attributes section, an Examples section */

struct docstring {
    char *desc, *examples;
    struct pkg_strs attr_names, attr_descs;
};

static bool is_rule_line(const char *s)
{
    while (*s == ' ')
        s++;
    if (*s != '-')
        return false;
    while (*s == '-')
        s++;
    while (*s == ' ' || *s == '\r')
        s++;
    return !*s;
}

static char *trimmed(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

static void parse_docstring(const char *doc, struct docstring *out)
{
    memset(out, 0, sizeof *out);
    /* lines */
    struct pkg_strs lines = {0};
    for (const char *p = doc ? doc : ""; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *l = strndup(p, n);
        pkg_strs_push(&lines, l);
        free(l);
        p = e ? e + 1 : p + n;
    }
    /* as Python's cleandoc: the first line loses its leading blanks, the others their common
     * indentation */
    size_t common = (size_t)-1;
    for (size_t i = 1; i < lines.n; i++) {
        size_t ind = strspn(lines.v[i], " ");
        if (lines.v[i][ind] && ind < common)
            common = ind;
    }
    for (size_t i = 0; i < lines.n; i++) {
        size_t ind = strspn(lines.v[i], " ");
        size_t cut = i == 0 ? ind : common == (size_t)-1 ? 0 : ind < common ? ind : common;
        memmove(lines.v[i], lines.v[i] + cut, strlen(lines.v[i]) - cut + 1);
    }
    enum { SEC_DESC, SEC_ATTRS, SEC_EXAMPLES, SEC_OTHER } sec = SEC_DESC;
    struct pkg_buf desc = {0}, ex = {0}, cur = {0};
    bool para_open = false, have_cur = false;
    size_t ex_indent = (size_t)-1;
    for (size_t i = 0; i < lines.n; i++) {
        const char *l = lines.v[i];
        if (i + 1 < lines.n && is_rule_line(lines.v[i + 1]) && *l && *l != ' ') {
            char *title = trimmed(l, strlen(l));
            sec = !strcasecmp(title, "Attributes")                                  ? SEC_ATTRS
                  : !strcasecmp(title, "Examples") || !strcasecmp(title, "Example") ? SEC_EXAMPLES
                                                                                    : SEC_OTHER;
            free(title);
            i++;
            continue;
        }
        if (sec == SEC_DESC) {
            char *t = trimmed(l, strlen(l));
            if (!*t) {
                para_open = false;
            } else {
                if (desc.n)
                    pkg_buf_puts(&desc, para_open ? " " : "\n\n");
                pkg_buf_puts(&desc, t);
                para_open = true;
            }
            free(t);
        } else if (sec == SEC_ATTRS) {
            if (*l && *l != ' ' && *l != '\t') {
                if (have_cur) {
                    char *c = pkg_buf_take(&cur);
                    pkg_strs_push(&out->attr_descs, c);
                    free(c);
                }
                /* "name : type, default is ..., required" */
                const char *colon = strstr(l, " :");
                if (!colon)
                    colon = strchr(l, ':');
                char *name = trimmed(l, colon ? (size_t)(colon - l) : strlen(l));
                pkg_strs_push(&out->attr_names, name);
                free(name);
                have_cur = true;
            } else if (have_cur) {
                char *t = trimmed(l, strlen(l));
                if (*t) {
                    if (cur.n)
                        pkg_buf_puts(&cur, "\n");
                    pkg_buf_puts(&cur, t);
                }
                free(t);
            }
        } else if (sec == SEC_EXAMPLES) {
            size_t ind = strspn(l, " ");
            if (l[ind] && ind < ex_indent)
                ex_indent = ind;
            pkg_buf_puts(&ex, l);
            pkg_buf_putc(&ex, '\n');
        }
    }
    if (have_cur) {
        char *c = pkg_buf_take(&cur);
        pkg_strs_push(&out->attr_descs, c);
        free(c);
    }
    free(cur.b);
    out->desc = pkg_buf_take(&desc);
    /* examples: dedented, surrounding blank lines dropped */
    char *raw = pkg_buf_take(&ex);
    struct pkg_buf e = {0};
    for (const char *p = raw; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t skip = ex_indent != (size_t)-1 && n >= ex_indent ? ex_indent : 0;
        pkg_buf_put(&e, p + skip, n - skip);
        pkg_buf_putc(&e, '\n');
        p = nl ? nl + 1 : p + n;
    }
    free(raw);
    char *exs = pkg_buf_take(&e);
    out->examples = trimmed(exs, strlen(exs));
    free(exs);
    pkg_strs_free(&lines);
}

static void docstring_free(struct docstring *d)
{
    free(d->desc);
    free(d->examples);
    pkg_strs_free(&d->attr_names);
    pkg_strs_free(&d->attr_descs);
}

/* {===== types as Markdown, schema names linked */

static const struct schema *find_schema(const struct doc *d, const char *pkg_path, const char *name)
{
    for (size_t i = 0; i < d->nschemas; i++)
        if (!strcmp(d->schemas[i].name, name) && !strcmp(d->pkgs[d->schemas[i].pkg].path, pkg_path))
            return &d->schemas[i];
    return NULL;
}

static void put_named(const struct doc *d, size_t pkg, const char *name, struct pkg_buf *out)
{
    const char *dot = strrchr(name, '.');
    const struct schema *s = NULL;
    if (!dot) {
        s = find_schema(d, d->pkgs[pkg].path, name);
    } else {
        /* alias.Name: the package the alias imports */
        size_t alen = (size_t)(strchr(name, '.') - name);
        const struct package *p = &d->pkgs[pkg];
        for (size_t i = 0; i < p->import_names.n && !s; i++)
            if (strlen(p->import_names.v[i]) == alen &&
                !strncmp(p->import_names.v[i], name, alen) && strchr(name, '.') == dot)
                s = find_schema(d, p->import_paths.v[i], dot + 1);
    }
    if (s)
        pkg_buf_printf(out, "[%s](#%s)", s->name, s->anchor);
    else
        pkg_buf_puts(out, name);
}

static void put_span(const cJSON *node, const char *text, size_t len, struct pkg_buf *out)
{
    const cJSON *span = cJSON_GetObjectItemCaseSensitive(node, "span");
    const cJSON *lo = cJSON_GetArrayItem(span, 0), *hi = cJSON_GetArrayItem(span, 1);
    if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) || lo->valuedouble > hi->valuedouble ||
        hi->valuedouble > (double)len)
        return;
    pkg_buf_put(out, text + (size_t)lo->valuedouble, (size_t)(hi->valuedouble - lo->valuedouble));
}

static void put_type(const struct doc *d, size_t pkg, const cJSON *t, const char *text, size_t len,
                     struct pkg_buf *out)
{
    const char *kind = t ? jstr(t, "kind") : NULL;
    if (!kind) {
        pkg_buf_puts(out, "any");
    } else if (!strcmp(kind, "type_any")) {
        pkg_buf_puts(out, "any");
    } else if (!strcmp(kind, "type_named")) {
        put_named(d, pkg, jstr(t, "name") ? jstr(t, "name") : "any", out);
    } else if (!strcmp(kind, "type_list")) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "elem");
        pkg_buf_putc(out, '[');
        if (cJSON_IsObject(e))
            put_type(d, pkg, e, text, len, out);
        pkg_buf_putc(out, ']');
    } else if (!strcmp(kind, "type_dict")) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "value");
        pkg_buf_putc(out, '{');
        if (cJSON_IsObject(k))
            put_type(d, pkg, k, text, len, out);
        pkg_buf_putc(out, ':');
        if (cJSON_IsObject(v))
            put_type(d, pkg, v, text, len, out);
        pkg_buf_putc(out, '}');
    } else if (!strcmp(kind, "type_union")) {
        const cJSON *m;
        bool first = true;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(t, "types"))
        {
            if (!first)
                pkg_buf_puts(out, " | ");
            put_type(d, pkg, m, text, len, out);
            first = false;
        }
    } else if (!strcmp(kind, "type_func")) {
        const cJSON *m;
        bool first = true;
        pkg_buf_putc(out, '(');
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(t, "params"))
        {
            if (!first)
                pkg_buf_puts(out, ", ");
            put_type(d, pkg, m, text, len, out);
            first = false;
        }
        pkg_buf_puts(out, ") -> ");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(t, "ret");
        if (cJSON_IsObject(r))
            put_type(d, pkg, r, text, len, out);
        else
            pkg_buf_puts(out, "any");
    } else {
        /* literal types (and anything else) as written */
        put_span(t, text, len, out);
    }
}

/* {===== building and writing */

/* A table cell: '|' escaped, line breaks as <br />, and < > & as entities when asked. */
static void put_cell(const char *s, bool html, struct pkg_buf *out)
{
    for (; s && *s; s++) {
        if (*s == '|')
            pkg_buf_puts(out, "\\|");
        else if (*s == '\n')
            pkg_buf_puts(out, "<br />");
        else if (*s == '\r')
            continue;
        else if (html && *s == '<')
            pkg_buf_puts(out, "&lt;");
        else if (html && *s == '>')
            pkg_buf_puts(out, "&gt;");
        else
            pkg_buf_putc(out, *s);
    }
}

/* A default value's source on one line: runs of blanks and line breaks become one space. */
static char *one_line(const char *s)
{
    struct pkg_buf b = {0};
    bool space = false;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            space = b.n > 0;
            continue;
        }
        if (space)
            pkg_buf_putc(&b, ' ');
        space = false;
        pkg_buf_putc(&b, *s);
    }
    return pkg_buf_take(&b);
}

static void build_attrs(struct doc *d, struct schema *s)
{
    struct docstring ds;
    parse_docstring(jstr(s->node, "doc"), &ds);
    s->desc = ds.desc;
    s->examples = ds.examples;
    ds.desc = ds.examples = NULL;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(s->node, "body"))
    {
        const char *kind = jstr(item, "kind");
        bool index = kind && !strcmp(kind, "index_sig");
        if (!kind || (!index && strcmp(kind, "schema_attr")))
            continue;
        s->attrs = grow(s->attrs, s->nattrs, sizeof *s->attrs);
        struct attr *a = &s->attrs[s->nattrs++];
        memset(a, 0, sizeof *a);
        struct pkg_buf type = {0}, def = {0};
        if (index) {
            a->name = pkg_strdup("[index]");
            put_type(d, s->pkg, cJSON_GetObjectItemCaseSensitive(item, "key_type"), s->text,
                     s->text_len, &type);
            pkg_buf_puts(&type, ": ");
            put_type(d, s->pkg, cJSON_GetObjectItemCaseSensitive(item, "value_type"), s->text,
                     s->text_len, &type);
        } else {
            a->name = pkg_strdup(jstr(item, "name"));
            a->required = !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "optional"));
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(item, "type");
            put_type(d, s->pkg, cJSON_IsObject(t) ? t : NULL, s->text, s->text_len, &type);
            /* a literal type allows one value: read-only, and that value is the default */
            const char *tk = cJSON_IsObject(t) ? jstr(t, "kind") : NULL;
            a->readonly = tk && !strcmp(tk, "type_literal");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "value");
            if (cJSON_IsObject(v))
                put_span(v, s->text, s->text_len, &def);
            else if (a->readonly)
                put_span(t, s->text, s->text_len, &def);
            for (size_t i = 0; i < ds.attr_names.n; i++)
                if (!strcmp(ds.attr_names.v[i], a->name) && i < ds.attr_descs.n)
                    a->desc = pkg_strdup(ds.attr_descs.v[i]);
        }
        a->type = pkg_buf_take(&type);
        char *raw = pkg_buf_take(&def);
        a->def = one_line(raw);
        free(raw);
    }
    docstring_free(&ds);
}

static int cmp_attr(const void *x, const void *y)
{
    return strcmp(((const struct attr *)x)->name, ((const struct attr *)y)->name);
}

/* Schemas in document order: packages in tree order, and by name inside each. */
static int cmp_schema(const void *x, const void *y)
{
    const struct schema *a = x, *b = y;
    if (a->pkg != b->pkg)
        return a->pkg < b->pkg ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* GitHub's heading anchors: lower case; a repeated heading gets -1, -2, ... */
static void make_anchors(struct doc *d)
{
    for (size_t i = 0; i < d->nschemas; i++) {
        struct pkg_buf b = {0};
        for (const char *p = d->schemas[i].name; *p; p++)
            pkg_buf_putc(&b, (char)tolower((unsigned char)*p));
        char *base = pkg_buf_take(&b);
        size_t seen = 0;
        for (size_t j = 0; j < i; j++)
            seen += !strcasecmp(d->schemas[j].name, d->schemas[i].name);
        if (seen) {
            pkg_buf_printf(&b, "%s-%zu", base, seen);
            free(base);
            base = pkg_buf_take(&b);
        }
        d->schemas[i].anchor = base;
    }
}

static void write_index(const struct doc *d, struct pkg_buf *out)
{
    const char *prev = "";
    for (size_t p = 0; p < d->npkgs; p++) {
        bool any = false;
        for (size_t i = 0; i < d->nschemas && !any; i++)
            any = d->schemas[i].pkg == p;
        if (!any)
            continue;
        /* the directories of this package not opened by the previous one */
        const char *path = d->pkgs[p].path;
        size_t level = 0, i = 0, common = 0;
        while (prev[i] && prev[i] == path[i]) {
            i++;
            if ((prev[i] == '/' || !prev[i]) && (path[i] == '/' || !path[i]))
                common = i;
        }
        for (size_t k = 0; k < common; k++)
            level += path[k] == '/';
        if (common)
            level++;
        for (const char *c = path + common; *c;) {
            if (*c == '/')
                c++;
            const char *e = strchr(c, '/');
            size_t n = e ? (size_t)(e - c) : strlen(c);
            pkg_buf_printf(out, "%*s- %.*s\n", (int)(2 * level), "", (int)n, c);
            level++;
            c += n;
        }
        for (size_t k = 0; k < d->nschemas; k++)
            if (d->schemas[k].pkg == p)
                pkg_buf_printf(out, "%*s- [%s](#%s)\n", (int)(2 * level), "", d->schemas[k].name,
                               d->schemas[k].anchor);
        prev = path;
    }
}

static void write_markdown(const struct doc *d, const char *name, struct pkg_buf *out)
{
    pkg_buf_printf(out, "# %s\n\n## Index\n\n", name);
    write_index(d, out);
    if (d->nschemas)
        pkg_buf_puts(out, "\n## Schemas\n\n");
    for (size_t i = 0; i < d->nschemas; i++) {
        const struct schema *s = &d->schemas[i];
        pkg_buf_printf(out, "### %s\n\n", s->name);
        if (s->desc && *s->desc) {
            pkg_buf_puts(out, s->desc);
            pkg_buf_puts(out, "\n\n");
        }
        pkg_buf_puts(out, "#### Attributes\n\n| name | type | description | default value |\n"
                          "| --- | --- | --- | --- |\n");
        for (size_t k = 0; k < s->nattrs; k++) {
            const struct attr *a = &s->attrs[k];
            pkg_buf_puts(out, "|**");
            put_cell(a->name, false, out);
            pkg_buf_puts(out, "**");
            if (a->required)
                pkg_buf_puts(out, " `required`");
            if (a->readonly)
                pkg_buf_puts(out, " `readOnly`");
            pkg_buf_putc(out, '|');
            put_cell(a->type, false, out);
            pkg_buf_putc(out, '|');
            put_cell(a->desc, d->escape_html, out);
            pkg_buf_putc(out, '|');
            put_cell(a->def, false, out);
            pkg_buf_puts(out, "|\n");
        }
        if (s->examples && *s->examples)
            pkg_buf_printf(out, "#### Examples\n\n```\n%s\n```\n\n", s->examples);
    }
    pkg_buf_puts(out, "<!-- Auto generated by kcl-doc tool, please do not edit. -->\n");
}

static void doc_free(struct doc *d)
{
    for (size_t i = 0; i < d->nschemas; i++) {
        struct schema *s = &d->schemas[i];
        for (size_t k = 0; k < s->nattrs; k++) {
            free(s->attrs[k].name);
            free(s->attrs[k].type);
            free(s->attrs[k].desc);
            free(s->attrs[k].def);
        }
        free(s->attrs);
        free(s->name);
        free(s->anchor);
        free(s->desc);
        free(s->examples);
    }
    free(d->schemas);
    for (size_t i = 0; i < d->npkgs; i++) {
        free(d->pkgs[i].path);
        pkg_strs_free(&d->pkgs[i].import_names);
        pkg_strs_free(&d->pkgs[i].import_paths);
    }
    free(d->pkgs);
    for (size_t i = 0; i < d->ntrees; i++) {
        cJSON_Delete(d->trees[i]);
        free(d->texts[i]);
    }
    free(d->trees);
    free(d->texts);
}

int cmd_doc(int argc, char **argv)
{
    if (argc < 2 ||
        (strcmp(argv[1], "generate") && strcmp(argv[1], "gen") && strcmp(argv[1], "g"))) {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            usage_error("generate package documentation", NULL);
            return CLI_OK;
        }
        return usage_error("unknown or missing subcommand", argc >= 2 ? argv[1] : NULL);
    }
    const char *file_path = ".", *target = ".", *format = "md";
    enum report_format fmt = report_format_default();
    bool escape_html = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int took = report_take_flag(argc, argv, &i, &fmt);
        if (took < 0)
            return CLI_USAGE;
        if (took)
            continue;
        const char **slot = !strcmp(a, "--file-path") || !strcmp(a, "--file_path") ? &file_path
                            : !strcmp(a, "--target")                               ? &target
                            : !strcmp(a, "--format")                               ? &format
                            : !strcmp(a, "--template")                             ? &format
                                                                                   : NULL;
        if (slot == &format && !strcmp(a, "--template")) {
            return usage_error("templates are not supported:", a);
        } else if (slot) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            *slot = argv[++i];
        } else if (!strcmp(a, "--escape-html")) {
            escape_html = true;
        } else if (!strcmp(a, "--ignore-deprecated")) {
            /* accepted, as kcl does, with no effect */
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_error("generate package documentation", NULL);
            return CLI_OK;
        } else {
            return usage_error("unknown argument", a);
        }
    }
    if (strcasecmp(format, "md")) {
        fprintf(stderr, "scl doc: format '%s' is not supported (md is)\n", format);
        return CLI_FAIL;
    }
    char *root = realpath(file_path, NULL);
    struct stat st;
    if (!root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "scl doc: %s is not a directory\n", file_path);
        free(root);
        return CLI_FAIL;
    }
    char *name = NULL;
    if (pkg_has_mod(root)) {
        struct pkg_mod m;
        struct pkg_err err;
        memset(&m, 0, sizeof m);
        if (pkg_mod_read(root, &m, &err) == 0 && m.name && *m.name)
            name = pkg_strdup(m.name);
        pkg_mod_free(&m);
    }
    if (!name)
        name = pkg_strdup("main");
    struct doc d = {0};
    d.root = root;
    d.escape_html = escape_html;
    printf("generating doc for package %s\n", name);
    int rc = read_tree(&d, "", fmt, 0);
    if (rc == CLI_OK) {
        if (d.nschemas)
            qsort(d.schemas, d.nschemas, sizeof *d.schemas, cmp_schema);
        make_anchors(&d);
        for (size_t i = 0; i < d.nschemas; i++) {
            build_attrs(&d, &d.schemas[i]);
            if (d.schemas[i].nattrs)
                qsort(d.schemas[i].attrs, d.schemas[i].nattrs, sizeof *d.schemas[i].attrs,
                      cmp_attr);
        }
        struct pkg_buf md = {0};
        write_markdown(&d, name, &md);
        char *docs = pkg_join(target, "docs");
        struct pkg_err err;
        if (stat(docs, &st) == 0) {
            printf("[Warn] path %s exists, all the content will be overwritten\n", docs);
            pkg_remove_tree(docs);
        }
        char *file_name = malloc(strlen(name) + 4);
        sprintf(file_name, "%s.md", name);
        char *out = pkg_join(docs, file_name);
        char *text = pkg_buf_take(&md);
        if (pkg_mkdirs(docs, &err) != 0 || pkg_write_if_changed(out, text, strlen(text), &err)) {
            fprintf(stderr, "scl doc: %s\n", err.msg);
            rc = CLI_FAIL;
        } else {
            printf("doc generate complete and check generated docs in %s\n", docs);
        }
        free(text);
        free(out);
        free(file_name);
        free(docs);
    }
    doc_free(&d);
    free(name);
    free(root);
    return rc;
}
