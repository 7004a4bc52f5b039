/* A TOML reader (toml.h): a recursive-descent parser over the text, building a small tree.
 * kcl.mod files are short, so the tree is plain malloc'd nodes. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/toml.h"

struct reader {
    const char *p, *end;
    unsigned line;
    struct pkg_err *err;
    bool failed;
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

static void fail(struct reader *r, const char *msg)
{
    if (!r->failed)
        pkg_fail(r->err, "line %u: %s", r->line, msg);
    r->failed = true;
}

static struct toml *node(enum toml_type type)
{
    struct toml *t = xcalloc(1, sizeof *t);
    t->type = type;
    return t;
}

void toml_free(struct toml *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        if (t->keys)
            free(t->keys[i]);
        toml_free(t->v[i]);
    }
    free(t->keys);
    free(t->v);
    free(t->str);
    free(t);
}

static void append(struct toml *t, char *key, struct toml *v)
{
    struct toml **nv = realloc(t->v, (t->n + 1) * sizeof *nv);
    if (!nv)
        abort();
    t->v = nv;
    if (t->type == TOML_TABLE) {
        char **nk = realloc(t->keys, (t->n + 1) * sizeof *nk);
        if (!nk)
            abort();
        t->keys = nk;
        t->keys[t->n] = key;
    }
    t->v[t->n++] = v;
}

const struct toml *toml_get(const struct toml *t, const char *key)
{
    if (!t || t->type != TOML_TABLE)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->keys[i], key))
            return t->v[i];
    return NULL;
}

const char *toml_str(const struct toml *t, const char *key)
{
    const struct toml *v = toml_get(t, key);
    return v && v->type == TOML_STR ? v->str : NULL;
}

/* {===== characters */

static bool at_end(struct reader *r)
{
    return r->p >= r->end;
}

static void skip_ws(struct reader *r)
{
    while (!at_end(r) && (*r->p == ' ' || *r->p == '\t'))
        r->p++;
}

static void skip_comment(struct reader *r)
{
    if (!at_end(r) && *r->p == '#')
        while (!at_end(r) && *r->p != '\n')
            r->p++;
}

/* Whitespace, comments and newlines (inside arrays). */
static void skip_all(struct reader *r)
{
    for (;;) {
        skip_ws(r);
        skip_comment(r);
        if (!at_end(r) && *r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
            r->p++;
        if (!at_end(r) && *r->p == '\n') {
            r->p++;
            r->line++;
            continue;
        }
        return;
    }
}

/* The end of a line: optional comment, then a newline or the end of the text. */
static void end_line(struct reader *r)
{
    skip_ws(r);
    skip_comment(r);
    if (at_end(r))
        return;
    if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
        r->p++;
    if (*r->p != '\n') {
        fail(r, "expected the end of the line");
        return;
    }
    r->p++;
    r->line++;
}

/* {===== strings */

struct sbuf {
    char *b;
    size_t n, cap;
};

static void sb_put(struct sbuf *s, const char *p, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 32;
        while (s->n + n + 1 > cap)
            cap *= 2;
        char *b = realloc(s->b, cap);
        if (!b)
            abort();
        s->b = b;
        s->cap = cap;
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
    s->b[s->n] = '\0';
}

static void sb_utf8(struct sbuf *s, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    sb_put(s, u, n);
}

static bool escape(struct reader *r, struct sbuf *s)
{
    if (at_end(r))
        return fail(r, "unterminated string"), false;
    char c = *r->p++;
    switch (c) {
    case 'b': sb_put(s, "\b", 1); return true;
    case 't': sb_put(s, "\t", 1); return true;
    case 'n': sb_put(s, "\n", 1); return true;
    case 'f': sb_put(s, "\f", 1); return true;
    case 'r': sb_put(s, "\r", 1); return true;
    case 'e': sb_put(s, "\x1b", 1); return true;
    case '"': sb_put(s, "\"", 1); return true;
    case '\\': sb_put(s, "\\", 1); return true;
    case 'u':
    case 'U': {
        int digits = c == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int i = 0; i < digits; i++) {
            if (at_end(r))
                return fail(r, "unterminated escape"), false;
            char h = *r->p++;
            int d = h >= '0' && h <= '9' ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0)
                return fail(r, "invalid escape"), false;
            v = v * 16 + (uint32_t)d;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return fail(r, "invalid unicode escape"), false;
        sb_utf8(s, v);
        return true;
    }
    default:
        return fail(r, "invalid escape in a string"), false;
    }
}

/* A string of any of the four kinds; the opening quote is at r->p. */
static char *string(struct reader *r)
{
    char q = *r->p;
    bool multi = r->end - r->p >= 3 && r->p[1] == q && r->p[2] == q;
    r->p += multi ? 3 : 1;
    struct sbuf s = {0};
    sb_put(&s, "", 0);
    if (multi) { /* a newline right after the opening delimiter is trimmed */
        if (!at_end(r) && *r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
            r->p++;
        if (!at_end(r) && *r->p == '\n') {
            r->p++;
            r->line++;
        }
    }
    for (;;) {
        if (at_end(r)) {
            fail(r, "unterminated string");
            break;
        }
        char c = *r->p;
        if (c == q) {
            if (!multi) {
                r->p++;
                return s.b;
            }
            if (r->end - r->p >= 3 && r->p[1] == q && r->p[2] == q) {
                /* up to two quotes may end the content */
                size_t extra = 0;
                while (extra < 2 && r->end - r->p > 3 && r->p[3] == q) {
                    sb_put(&s, &q, 1);
                    r->p++;
                    extra++;
                }
                r->p += 3;
                return s.b;
            }
            sb_put(&s, &c, 1);
            r->p++;
            continue;
        }
        if (c == '\n') {
            if (!multi) {
                fail(r, "newline in a string");
                break;
            }
            r->line++;
        }
        if (c == '\\' && q == '"') {
            r->p++;
            if (multi && !at_end(r) &&
                (*r->p == '\n' || *r->p == ' ' || *r->p == '\t' || *r->p == '\r')) {
                /* line-ending backslash: skip whitespace up to the next content */
                const char *save = r->p;
                while (!at_end(r) && (*r->p == ' ' || *r->p == '\t'))
                    r->p++;
                if (!at_end(r) && (*r->p == '\n' || *r->p == '\r')) {
                    while (!at_end(r) &&
                           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
                        if (*r->p++ == '\n')
                            r->line++;
                    continue;
                }
                r->p = save;
            }
            if (!escape(r, &s))
                break;
            continue;
        }
        if ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            fail(r, "control character in a string");
            break;
        }
        sb_put(&s, &c, 1);
        r->p++;
    }
    free(s.b);
    return NULL;
}

static bool bare_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* One key segment: bare or quoted. */
static char *key_part(struct reader *r)
{
    skip_ws(r);
    if (at_end(r))
        return fail(r, "expected a key"), NULL;
    if (*r->p == '"' || *r->p == '\'') {
        if (r->end - r->p >= 3 && r->p[1] == r->p[0] && r->p[2] == r->p[0])
            return fail(r, "a key cannot be a multi-line string"), NULL;
        return string(r);
    }
    const char *b = r->p;
    while (!at_end(r) && bare_char(*r->p))
        r->p++;
    if (r->p == b)
        return fail(r, "expected a key"), NULL;
    char *k = xcalloc((size_t)(r->p - b) + 1, 1);
    memcpy(k, b, (size_t)(r->p - b));
    return k;
}

/* A dotted key: segments into *parts. */
static size_t dotted_key(struct reader *r, char ***parts)
{
    size_t n = 0;
    char **v = NULL;
    for (;;) {
        char *k = key_part(r);
        if (!k)
            break;
        char **nv = realloc(v, (n + 1) * sizeof *nv);
        if (!nv)
            abort();
        v = nv;
        v[n++] = k;
        skip_ws(r);
        if (at_end(r) || *r->p != '.')
            break;
        r->p++;
    }
    if (r->failed) { /* "a.b." : the parts read so far go */
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        v = NULL;
        n = 0;
    }
    *parts = v;
    return n;
}

static void free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

/* {===== values */

static struct toml *value(struct reader *r, unsigned depth);

static struct toml *array(struct reader *r, unsigned depth)
{
    struct toml *a = node(TOML_ARRAY);
    a->inline_ = true;
    r->p++;
    for (;;) {
        skip_all(r);
        if (at_end(r)) {
            fail(r, "unterminated array");
            break;
        }
        if (*r->p == ']') {
            r->p++;
            return a;
        }
        struct toml *v = value(r, depth + 1);
        if (!v)
            break;
        append(a, NULL, v);
        skip_all(r);
        if (!at_end(r) && *r->p == ',') {
            r->p++;
            continue;
        }
        if (!at_end(r) && *r->p == ']') {
            r->p++;
            return a;
        }
        fail(r, "expected ',' or ']' in an array");
        break;
    }
    toml_free(a);
    return NULL;
}

static bool assign(struct reader *r, struct toml *table, unsigned depth);

static struct toml *inline_table(struct reader *r, unsigned depth)
{
    struct toml *t = node(TOML_TABLE);
    r->p++;
    skip_ws(r);
    if (!at_end(r) && *r->p == '}') {
        r->p++;
        t->defined = t->inline_ = true;
        return t;
    }
    for (;;) {
        if (!assign(r, t, depth + 1))
            break;
        skip_ws(r);
        if (!at_end(r) && *r->p == ',') {
            r->p++;
            continue;
        }
        if (!at_end(r) && *r->p == '}') {
            r->p++;
            t->defined = t->inline_ = true;
            return t;
        }
        fail(r, "expected ',' or '}' in an inline table");
        break;
    }
    toml_free(t);
    return NULL;
}

static bool word(struct reader *r, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, w, n) &&
        (r->p + n == r->end || !bare_char(r->p[n]))) {
        r->p += n;
        return true;
    }
    return false;
}

/* Numbers, and dates kept as their text. */
static struct toml *scalar(struct reader *r)
{
    const char *b = r->p;
    while (!at_end(r) && (bare_char(*r->p) || *r->p == '+' || *r->p == '.' || *r->p == ':' ||
                          (*r->p == ' ' && r->p > b && r->p[-1] >= '0' && r->p[-1] <= '9' &&
                           r->p + 1 < r->end && r->p[1] >= '0' && r->p[1] <= '9' &&
                           memchr(b, '-', (size_t)(r->p - b)))))
        r->p++;
    size_t n = (size_t)(r->p - b);
    if (n == 0 || n > 63)
        return fail(r, "invalid value"), NULL;
    char text[64], clean[64];
    memcpy(text, b, n);
    text[n] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (text[i] != '_')
            clean[k++] = text[i];
    clean[k] = '\0';
    char *endp;
    errno = 0;
    int base = 10;
    const char *digits = clean;
    if (clean[0] == '0' && (clean[1] == 'x' || clean[1] == 'o' || clean[1] == 'b')) {
        base = clean[1] == 'x' ? 16 : clean[1] == 'o' ? 8 : 2;
        digits = clean + 2;
    }
    long long i = strtoll(digits, &endp, base);
    if (*digits && !*endp && errno == 0) {
        struct toml *t = node(TOML_INT);
        t->i = i;
        return t;
    }
    if (base == 10 && strpbrk(clean, ".eE") && !strchr(clean, ':')) {
        double f = strtod(clean, &endp);
        if (!*endp) {
            struct toml *t = node(TOML_FLOAT);
            t->f = f;
            return t;
        }
    }
    if (strchr(text, '-') || strchr(text, ':')) { /* a date or time */
        struct toml *t = node(TOML_STR);
        t->str = strdup(text);
        if (!t->str)
            abort();
        return t;
    }
    return fail(r, "invalid value"), NULL;
}

static struct toml *value(struct reader *r, unsigned depth)
{
    skip_ws(r);
    if (depth > 64)
        return fail(r, "values nested too deeply"), NULL;
    if (at_end(r))
        return fail(r, "expected a value"), NULL;
    char c = *r->p;
    if (c == '"' || c == '\'') {
        char *s = string(r);
        if (!s)
            return NULL;
        struct toml *t = node(TOML_STR);
        t->str = s;
        return t;
    }
    if (c == '[')
        return array(r, depth);
    if (c == '{')
        return inline_table(r, depth);
    if (word(r, "true") || word(r, "false")) {
        struct toml *t = node(TOML_BOOL);
        t->i = r->p[-1] == 'e' && r->p[-2] == 'u';
        return t;
    }
    return scalar(r);
}

/* Finds or creates the table at key in t (for dotted keys and headers). */
static struct toml *subtable(struct reader *r, struct toml *t, const char *key, bool for_header)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->keys[i], key))
            continue;
        struct toml *v = t->v[i];
        if (v->type == TOML_ARRAY && !v->inline_ && v->n && for_header)
            return v->v[v->n - 1]; /* [[a]] then [a.b] */
        if (v->type != TOML_TABLE || v->inline_) {
            fail(r, "a key is defined twice");
            return NULL;
        }
        return v;
    }
    struct toml *n = node(TOML_TABLE);
    append(t, strdup(key), n);
    return n;
}

static bool assign(struct reader *r, struct toml *table, unsigned depth)
{
    char **parts;
    size_t n = dotted_key(r, &parts);
    if (!n)
        return false;
    struct toml *t = table;
    for (size_t i = 0; i + 1 < n && t; i++)
        t = subtable(r, t, parts[i], false);
    skip_ws(r);
    if (t && (at_end(r) || *r->p != '='))
        fail(r, "expected '=' after a key");
    if (!t || r->failed) {
        free_parts(parts, n);
        return false;
    }
    r->p++;
    if (toml_get(t, parts[n - 1])) {
        fail(r, "a key is defined twice");
        free_parts(parts, n);
        return false;
    }
    struct toml *v = value(r, depth);
    if (!v) {
        free_parts(parts, n);
        return false;
    }
    append(t, parts[n - 1], v);
    free_parts(parts, n - 1); /* the last segment now belongs to the table */
    return true;
}

/* [a.b] or [[a.b]]: the table later assignments go to. */
static struct toml *header(struct reader *r, struct toml *root)
{
    bool aot = r->end - r->p >= 2 && r->p[1] == '[';
    r->p += aot ? 2 : 1;
    char **parts;
    size_t n = dotted_key(r, &parts);
    if (!n)
        return NULL;
    skip_ws(r);
    if (at_end(r) || *r->p != ']' || (aot && (r->end - r->p < 2 || r->p[1] != ']'))) {
        free_parts(parts, n);
        return fail(r, "expected ']' after a table name"), NULL;
    }
    r->p += aot ? 2 : 1;
    struct toml *t = root;
    for (size_t i = 0; i + 1 < n && t; i++)
        t = subtable(r, t, parts[i], true);
    struct toml *out = NULL;
    if (t && aot) {
        const struct toml *existing = toml_get(t, parts[n - 1]);
        struct toml *arr = (struct toml *)existing;
        if (!arr) {
            arr = node(TOML_ARRAY);
            append(t, strdup(parts[n - 1]), arr);
        } else if (arr->type != TOML_ARRAY || arr->inline_) {
            fail(r, "a key is defined twice");
            arr = NULL;
        }
        if (arr) {
            out = node(TOML_TABLE);
            out->defined = true;
            append(arr, NULL, out);
        }
    } else if (t) {
        out = subtable(r, t, parts[n - 1], true);
        if (out && out->defined) {
            fail(r, "a table is defined twice");
            out = NULL;
        }
        if (out)
            out->defined = true;
    }
    free_parts(parts, n);
    return out;
}

struct toml *toml_parse(const char *text, size_t len, struct pkg_err *err)
{
    struct reader r = {text, text + len, 1, err, false};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        r.p += 3;
    if (memchr(text, '\0', len)) {
        pkg_fail(err, "line 1: the file holds a NUL byte");
        return NULL;
    }
    struct toml *root = node(TOML_TABLE);
    struct toml *cur = root;
    while (!r.failed) {
        skip_all(&r);
        if (at_end(&r))
            break;
        if (*r.p == '[')
            cur = header(&r, root);
        else
            assign(&r, cur, 0);
        if (!r.failed)
            end_line(&r);
    }
    if (r.failed) {
        toml_free(root);
        return NULL;
    }
    return root;
}
