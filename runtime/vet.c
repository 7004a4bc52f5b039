/* Data to expressions for validation (KCL's vet expr_builder): a
 * position-tracking JSON reader (cJSON keeps no positions) and a libyaml event
 * walker, both building AST nodes directly. */
#include "config.h"

#include "runtime/vet.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lang/diag.h"
#include "lang/token.h"

/* {===== nodes */

struct builder {
    struct arena *a;
    const struct source *src;
    const char *schema; /* NULL: mappings are never wrapped */
    struct vet_error *err;
    unsigned depth, max_depth;
};

static bool fail(struct builder *b, uint32_t lo, uint32_t hi, const char *cause)
{
    if (!b->err->cause) {
        b->err->cause = cause;
        b->err->at.file = b->src->id;
        b->err->at.lo = lo;
        b->err->at.hi = hi > lo ? hi : lo + 1 <= b->src->len ? lo + 1 : lo;
    }
    return false;
}

/* A failure that has no place in the data. */
static bool fail_nowhere(struct builder *b, const char *cause)
{
    if (!b->err->cause)
        b->err->cause = cause;
    return false;
}

static struct ast *node(struct builder *b, enum ast_kind kind, uint32_t lo, uint32_t hi)
{
    struct span s = {b->src->id, lo, hi};
    struct ast *n = ast_new(b->a, kind, s);
    if (!n)
        fail(b, lo, hi, "out of memory");
    return n;
}

/* A string literal node holding 'text' (copied). */
static struct ast *str_node(struct builder *b, const char *text, size_t len, uint32_t lo,
                            uint32_t hi)
{
    struct ast *n = node(b, AST_STR, lo, hi);
    struct strlit *lit = n ? arena_zalloc(b->a, sizeof *lit) : NULL;
    struct strpart *part = lit ? arena_zalloc(b->a, sizeof *part) : NULL;
    char *copy = part ? arena_strndup(b->a, text, len) : NULL;
    if (!copy) {
        fail(b, lo, hi, "out of memory");
        return NULL;
    }
    part->kind = STRPART_TEXT;
    part->text = copy;
    part->len = (uint32_t)len;
    lit->parts = part;
    lit->nparts = 1;
    n->u.str.lit = lit;
    return n;
}

/* `schema {entries}` when wrapping, else the config itself. */
static struct ast *wrap_schema(struct builder *b, struct ast *config, bool wrap)
{
    if (!wrap || !b->schema || !config)
        return config;
    uint32_t lo = config->span.lo, hi = config->span.hi;
    struct ast *name = NULL;
    const char *s = b->schema;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        char *seg = arena_strndup(b->a, s, len);
        struct ast *n = seg ? node(b, name ? AST_SELECT : AST_NAME, lo, hi) : NULL;
        if (!n)
            return NULL;
        if (name) {
            n->u.select.value = name;
            n->u.select.attr = seg;
        } else {
            n->u.name = seg;
        }
        name = n;
        if (!dot)
            break;
        s = dot + 1;
    }
    struct ast *e = node(b, AST_SCHEMA_EXPR, lo, hi);
    if (!e)
        return NULL;
    e->u.schema_expr.name = name;
    e->u.schema_expr.config = config;
    return e;
}

static bool add_entry(struct builder *b, struct ast *config, struct ast *key, struct ast *value)
{
    struct span s = span_join(key->span, value->span);
    struct ast *e = node(b, AST_ENTRY, s.lo, s.hi);
    if (!e)
        return false;
    e->u.entry.key = key;
    e->u.entry.value = value;
    e->u.entry.op = ENTRY_UNION;
    if (!ast_list_push(b->a, &config->u.config.entries, e))
        return fail(b, s.lo, s.hi, "out of memory");
    return true;
}

static bool add_item(struct builder *b, struct ast *list, struct ast *item)
{
    if (!ast_list_push(b->a, &list->u.list.items, item))
        return fail(b, item->span.lo, item->span.hi, "out of memory");
    return true;
}

/* {===== JSON (RFC 8259, as serde_json reads it) */

struct json {
    struct builder *b;
    const char *s;
    uint32_t i, n;
};

static void json_ws(struct json *j)
{
    while (j->i < j->n &&
           (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static bool json_fail(struct json *j, const char *cause)
{
    return fail(j->b, j->i, j->i + 1, cause);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static bool json_hex4(struct json *j, uint32_t *out)
{
    if (j->n - j->i < 4) {
        j->i = j->n;
        return json_fail(j, "EOF while parsing a string");
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(j->s[j->i]);
        if (h < 0)
            return json_fail(j, "invalid escape");
        v = v * 16 + (uint32_t)h;
        j->i++;
    }
    *out = v;
    return true;
}

static size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* A string at j->i (the opening quote), decoded into a string node. */
static struct ast *json_string(struct json *j)
{
    uint32_t lo = j->i++;
    /* the decoded text is never longer than the source text */
    uint32_t start = j->i;
    while (j->i < j->n && j->s[j->i] != '"' && j->s[j->i] != '\\' &&
           (unsigned char)j->s[j->i] >= 0x20)
        j->i++;
    size_t cap = (size_t)(j->i - start) + 16;
    char *buf = arena_alloc(j->b->a, cap);
    if (!buf) {
        json_fail(j, "out of memory");
        return NULL;
    }
    size_t len = j->i - start;
    memcpy(buf, j->s + start, len);
    for (;;) {
        if (j->i >= j->n) {
            json_fail(j, "EOF while parsing a string");
            return NULL;
        }
        unsigned char c = (unsigned char)j->s[j->i];
        if (c == '"')
            break;
        if (c < 0x20) {
            json_fail(j, "control character (\\u0000-\\u001F) found while parsing a string");
            return NULL;
        }
        if (len + 8 > cap) {
            size_t ncap = cap * 2 + 16;
            char *nb = arena_realloc(j->b->a, buf, cap, ncap);
            if (!nb) {
                json_fail(j, "out of memory");
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        if (c != '\\') {
            buf[len++] = (char)c;
            j->i++;
            continue;
        }
        j->i++;
        if (j->i >= j->n) {
            json_fail(j, "EOF while parsing a string");
            return NULL;
        }
        char e = j->s[j->i++];
        switch (e) {
        case '"':
            buf[len++] = '"';
            break;
        case '\\':
            buf[len++] = '\\';
            break;
        case '/':
            buf[len++] = '/';
            break;
        case 'b':
            buf[len++] = '\b';
            break;
        case 'f':
            buf[len++] = '\f';
            break;
        case 'n':
            buf[len++] = '\n';
            break;
        case 'r':
            buf[len++] = '\r';
            break;
        case 't':
            buf[len++] = '\t';
            break;
        case 'u': {
            uint32_t cp;
            if (!json_hex4(j, &cp))
                return NULL;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                json_fail(j, "lone leading surrogate in hex escape");
                return NULL;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo2;
                if (j->i + 1 >= j->n || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u') {
                    json_fail(j, "unexpected end of hex escape");
                    return NULL;
                }
                j->i += 2;
                if (!json_hex4(j, &lo2))
                    return NULL;
                if (lo2 < 0xDC00 || lo2 > 0xDFFF) {
                    json_fail(j, "lone leading surrogate in hex escape");
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo2 - 0xDC00);
            }
            len += utf8_put(buf + len, cp);
            break;
        }
        default:
            j->i--;
            json_fail(j, "invalid escape");
            return NULL;
        }
    }
    j->i++; /* closing quote */
    return str_node(j->b, buf, len, lo, j->i);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static struct ast *json_number(struct json *j)
{
    uint32_t lo = j->i;
    bool neg = false, is_float = false;
    if (j->s[j->i] == '-') {
        neg = true;
        j->i++;
    }
    if (j->i >= j->n || !is_digit(j->s[j->i])) {
        json_fail(j, "invalid number");
        return NULL;
    }
    if (j->s[j->i] == '0') {
        j->i++;
        if (j->i < j->n && is_digit(j->s[j->i])) {
            json_fail(j, "invalid number");
            return NULL;
        }
    } else {
        while (j->i < j->n && is_digit(j->s[j->i]))
            j->i++;
    }
    if (j->i < j->n && j->s[j->i] == '.') {
        is_float = true;
        j->i++;
        if (j->i >= j->n || !is_digit(j->s[j->i])) {
            json_fail(j, "invalid number");
            return NULL;
        }
        while (j->i < j->n && is_digit(j->s[j->i]))
            j->i++;
    }
    if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        is_float = true;
        j->i++;
        if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
            j->i++;
        if (j->i >= j->n || !is_digit(j->s[j->i])) {
            json_fail(j, "invalid number");
            return NULL;
        }
        while (j->i < j->n && is_digit(j->s[j->i]))
            j->i++;
    }
    uint32_t hi = j->i;
    char tmp[64];
    const char *text = j->s + lo;
    size_t len = hi - lo;
    char *heap = NULL;
    if (len >= sizeof tmp) {
        heap = arena_strndup(j->b->a, text, len);
        if (!heap) {
            json_fail(j, "out of memory");
            return NULL;
        }
    } else {
        memcpy(tmp, text, len);
        tmp[len] = '\0';
    }
    const char *z = heap ? heap : tmp;
    if (!is_float) {
        errno = 0;
        if (neg) {
            long long v = strtoll(z, NULL, 10);
            if (errno == 0) {
                struct ast *n = node(j->b, AST_INT, lo, hi);
                if (n)
                    n->u.num.ival = v;
                return n;
            }
        } else {
            unsigned long long v = strtoull(z, NULL, 10);
            if (errno == 0 && v <= INT64_MAX) {
                struct ast *n = node(j->b, AST_INT, lo, hi);
                if (n)
                    n->u.num.ival = (int64_t)v;
                return n;
            }
            if (errno == 0) {
                fail(j->b, lo, hi, "Failed to load the validated file, Unsupported Unsigned 64");
                return NULL;
            }
        }
        /* beyond 64 bits: a float, as serde_json reads it */
    }
    errno = 0;
    double d = strtod(z, NULL);
    if (isinf(d)) {
        fail(j->b, lo, hi, "number out of range");
        return NULL;
    }
    struct ast *n = node(j->b, AST_FLOAT, lo, hi);
    if (n)
        n->u.fval = d;
    return n;
}

static bool json_word(struct json *j, const char *w)
{
    size_t len = strlen(w);
    if (j->n - j->i >= len && !memcmp(j->s + j->i, w, len)) {
        j->i += (uint32_t)len;
        return true;
    }
    return false;
}

static struct ast *json_value(struct json *j, bool wrap);

static struct ast *json_object(struct json *j, bool wrap)
{
    uint32_t lo = j->i++;
    struct ast *config = node(j->b, AST_CONFIG, lo, lo + 1);
    if (!config)
        return NULL;
    json_ws(j);
    if (j->i < j->n && j->s[j->i] == '}') {
        j->i++;
    } else {
        for (;;) {
            json_ws(j);
            if (j->i >= j->n) {
                json_fail(j, "EOF while parsing an object");
                return NULL;
            }
            if (j->s[j->i] != '"') {
                json_fail(j, "key must be a string");
                return NULL;
            }
            struct ast *key = json_string(j);
            if (!key)
                return NULL;
            json_ws(j);
            if (j->i >= j->n || j->s[j->i] != ':') {
                json_fail(j, j->i >= j->n ? "EOF while parsing an object" : "expected `:`");
                return NULL;
            }
            j->i++;
            struct ast *value = json_value(j, false);
            if (!value || !add_entry(j->b, config, key, value))
                return NULL;
            json_ws(j);
            if (j->i < j->n && j->s[j->i] == ',') {
                j->i++;
                continue;
            }
            if (j->i < j->n && j->s[j->i] == '}') {
                j->i++;
                break;
            }
            json_fail(j, j->i >= j->n ? "EOF while parsing an object" : "expected `,` or `}`");
            return NULL;
        }
    }
    config->span.hi = j->i;
    return wrap_schema(j->b, config, wrap);
}

static struct ast *json_array(struct json *j, bool wrap)
{
    uint32_t lo = j->i++;
    struct ast *list = node(j->b, AST_LIST, lo, lo + 1);
    if (!list)
        return NULL;
    json_ws(j);
    if (j->i < j->n && j->s[j->i] == ']') {
        j->i++;
    } else {
        for (;;) {
            struct ast *item = json_value(j, wrap);
            if (!item || !add_item(j->b, list, item))
                return NULL;
            json_ws(j);
            if (j->i < j->n && j->s[j->i] == ',') {
                j->i++;
                continue;
            }
            if (j->i < j->n && j->s[j->i] == ']') {
                j->i++;
                break;
            }
            json_fail(j, j->i >= j->n ? "EOF while parsing a list" : "expected `,` or `]`");
            return NULL;
        }
    }
    list->span.hi = j->i;
    return list;
}

/* 'wrap': a mapping here becomes a schema expression (the top, or items of top
 * lists). */
static struct ast *json_value(struct json *j, bool wrap)
{
    json_ws(j);
    if (j->i >= j->n) {
        json_fail(j, "EOF while parsing a value");
        return NULL;
    }
    uint32_t lo = j->i;
    char c = j->s[j->i];
    if (c == '{' || c == '[') {
        if (++j->b->depth > j->b->max_depth) {
            json_fail(j, "recursion limit exceeded");
            return NULL;
        }
        struct ast *r = c == '{' ? json_object(j, wrap) : json_array(j, wrap);
        j->b->depth--;
        return r;
    }
    if (c == '"')
        return json_string(j);
    if (c == '-' || is_digit(c))
        return json_number(j);
    if (json_word(j, "null"))
        return node(j->b, AST_NONE, lo, j->i);
    if (json_word(j, "true"))
        return node(j->b, AST_TRUE, lo, j->i);
    if (json_word(j, "false"))
        return node(j->b, AST_FALSE, lo, j->i);
    json_fail(j, "expected value");
    return NULL;
}

static bool json_build(struct builder *b, struct ast_list *docs)
{
    struct json j = {b, b->src->text, 0, b->src->len};
    if (j.n >= 3 && !memcmp(j.s, "\xEF\xBB\xBF", 3))
        j.i = 3; /* a byte order mark */
    struct ast *v = json_value(&j, true);
    if (!v)
        return false;
    json_ws(&j);
    if (j.i < j.n)
        return json_fail(&j, "trailing characters");
    if (!ast_list_push(b->a, docs, v))
        return fail_nowhere(b, "out of memory");
    return true;
}

/* {===== YAML (libyaml events; plain scalars resolved as yaml-rust resolves
 * them) */

struct yaml {
    struct builder *b;
    yaml_parser_t p;
    yaml_event_t e; /* the current event; e.type YAML_NO_EVENT when none is held */
};

/* libyaml marks count characters; spans count bytes. */
static uint32_t mark_offset(const struct source *s, yaml_mark_t m)
{
    uint32_t nlines;
    const uint32_t *ls = source_lines(s, &nlines);
    if (m.line >= nlines)
        return s->len;
    uint32_t off = ls[m.line];
    for (size_t c = 0; c < m.column && off < s->len && s->text[off] != '\n'; c++) {
        off++;
        while (off < s->len && ((unsigned char)s->text[off] & 0xC0) == 0x80)
            off++;
    }
    return off;
}

static bool yaml_next(struct yaml *y)
{
    if (y->e.type != YAML_NO_EVENT)
        yaml_event_delete(&y->e);
    memset(&y->e, 0, sizeof y->e);
    if (yaml_parser_parse(&y->p, &y->e))
        return true;
    memset(&y->e, 0, sizeof y->e);
    if (y->p.error == YAML_MEMORY_ERROR)
        return fail_nowhere(y->b, "out of memory");
    uint32_t at = mark_offset(y->b->src, y->p.problem_mark);
    char *msg = arena_printf(
        y->b->a, "%s at line %lu column %lu%s%s", y->p.problem ? y->p.problem : "invalid YAML",
        (unsigned long)y->p.problem_mark.line + 1, (unsigned long)y->p.problem_mark.column + 1,
        y->p.context ? ", " : "", y->p.context ? y->p.context : "");
    return fail(y->b, at, at, msg ? msg : "invalid YAML");
}

static bool all_digits(const char *s, int base)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (hexval(*s) < 0 || hexval(*s) >= base)
            return false;
    return true;
}

/* Rust's i64::from_str_radix: optional sign, digits, must fit. */
static bool parse_i64(const char *s, int base, int64_t *out)
{
    if (!all_digits(s, base))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if ((*a | 0x20) != (*b | 0x20))
            return false;
    return !*a && !*b;
}

/* Rust's f64::from_str grammar (decimal with optional fraction and exponent,
 * inf, infinity, nan, any case, optional sign). */
static bool rust_float_syntax(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (ieq(s, "inf") || ieq(s, "infinity") || ieq(s, "nan"))
        return true;
    size_t digits = 0;
    while (is_digit(*s))
        s++, digits++;
    if (*s == '.') {
        s++;
        while (is_digit(*s))
            s++, digits++;
    }
    if (!digits)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    return !*s;
}

void vet_rust_float(double v, char *out, size_t cap)
{
    if (isnan(v)) {
        snprintf(out, cap, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, cap, v < 0 ? "-inf" : "inf");
        return;
    }
    char e[40];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e: [-]d[.ddd]e[+-]xx -> digits and exponent */
    char digits[24];
    size_t nd = 0;
    const char *q = e;
    bool neg = *q == '-';
    if (neg)
        q++;
    for (; *q && *q != 'e'; q++)
        if (is_digit(*q) && nd < sizeof digits - 1)
            digits[nd++] = *q;
    int exp = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t o = 0;
#define PUT(c) (o + 1 < cap ? (void)(out[o++] = (c)) : (void)0)
    if (neg)
        PUT('-');
    if (exp >= 0) {
        for (int i = 0; i <= exp; i++)
            PUT((size_t)i < nd ? digits[i] : '0');
        if (nd > (size_t)exp + 1) {
            PUT('.');
            for (size_t i = (size_t)exp + 1; i < nd; i++)
                PUT(digits[i]);
        }
    } else {
        PUT('0');
        PUT('.');
        for (int i = -1; i > exp; i--)
            PUT('0');
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
    }
#undef PUT
    if (cap)
        out[o] = '\0';
}

static struct ast *yaml_scalar(struct yaml *y, uint32_t lo, uint32_t hi)
{
    struct builder *b = y->b;
    const char *v = (const char *)y->e.data.scalar.value;
    size_t len = y->e.data.scalar.length;
    if (y->e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return str_node(b, v, len, lo, hi);
    if (len == 0 || !strcmp(v, "~") || !strcmp(v, "null"))
        return node(b, AST_NONE, lo, hi);
    if (!strcmp(v, "true"))
        return node(b, AST_TRUE, lo, hi);
    if (!strcmp(v, "false"))
        return node(b, AST_FALSE, lo, hi);
    int64_t i;
    bool is_int = (!strncmp(v, "0x", 2) && parse_i64(v + 2, 16, &i)) ||
                  (!strncmp(v, "0o", 2) && parse_i64(v + 2, 8, &i)) ||
                  (v[0] == '+' && parse_i64(v + 1, 10, &i)) || parse_i64(v, 10, &i);
    if (is_int) {
        struct ast *n = node(b, AST_INT, lo, hi);
        if (n)
            n->u.num.ival = i;
        return n;
    }
    static const char *const specials[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF",
                                           "-.inf", "-.Inf", "-.INF", ".nan",  "NaN",   ".NAN"};
    bool real = rust_float_syntax(v);
    for (size_t k = 0; !real && k < sizeof specials / sizeof *specials; k++)
        real = !strcmp(v, specials[k]);
    if (!real)
        return str_node(b, v, len, lo, hi);
    /* a real is kept only when Rust parses it and prints it back as written */
    char back[400] = "";
    double d = 0;
    if (rust_float_syntax(v)) {
        d = strtod(v, NULL);
        vet_rust_float(d, back, sizeof back);
    }
    if (strcmp(back, v)) {
        fail(b, lo, hi, "Failed to load the validated file, Unsupported Number Type");
        return NULL;
    }
    struct ast *n = node(b, AST_FLOAT, lo, hi);
    if (n)
        n->u.fval = d;
    return n;
}

/* The current event starts a node: builds it, leaving its last event current.
 */
static struct ast *yaml_node(struct yaml *y, bool wrap)
{
    struct builder *b = y->b;
    const struct source *src = b->src;
    uint32_t lo = mark_offset(src, y->e.start_mark), hi = mark_offset(src, y->e.end_mark);
    yaml_char_t *tag = NULL;
    switch (y->e.type) {
    case YAML_ALIAS_EVENT:
        fail(b, lo, hi, "Failed to load the validated file, Unsupported Yaml Element");
        return NULL;
    case YAML_SCALAR_EVENT:
        tag = y->e.data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        tag = y->e.data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        tag = y->e.data.mapping_start.tag;
        break;
    default:
        fail(b, lo, hi, "Failed to load the validated file, Unsupported Yaml Element");
        return NULL;
    }
    if (tag) {
        const char *msg = arena_printf(b->a,
                                       "Failed to load the validated file, Unsupported "
                                       "Yaml tag %s",
                                       (const char *)tag);
        fail(b, lo, hi, msg ? msg : "Unsupported Yaml tag");
        return NULL;
    }
    if (y->e.type == YAML_SCALAR_EVENT)
        return yaml_scalar(y, lo, hi);
    if (++b->depth > b->max_depth) {
        fail(b, lo, hi, "recursion limit exceeded");
        return NULL;
    }
    struct ast *r = NULL;
    if (y->e.type == YAML_SEQUENCE_START_EVENT) {
        struct ast *list = node(b, AST_LIST, lo, hi);
        for (;;) {
            if (!list || !yaml_next(y))
                goto out;
            if (y->e.type == YAML_SEQUENCE_END_EVENT)
                break;
            struct ast *item = yaml_node(y, wrap);
            if (!item || !add_item(b, list, item))
                goto out;
        }
        list->span.hi = mark_offset(src, y->e.end_mark);
        r = list;
    } else {
        struct ast *config = node(b, AST_CONFIG, lo, hi);
        for (;;) {
            if (!config || !yaml_next(y))
                goto out;
            if (y->e.type == YAML_MAPPING_END_EVENT)
                break;
            if (y->e.type != YAML_SCALAR_EVENT && y->e.type != YAML_ALIAS_EVENT) {
                uint32_t klo = mark_offset(src, y->e.start_mark);
                fail(b, klo, klo, "Failed to load the validated file, Unsupported Yaml Element");
                goto out;
            }
            struct ast *key = yaml_node(y, false);
            if (!key || !yaml_next(y))
                goto out;
            struct ast *value = yaml_node(y, false);
            if (!value || !add_entry(b, config, key, value))
                goto out;
        }
        config->span.hi = mark_offset(src, y->e.end_mark);
        r = wrap_schema(b, config, wrap);
    }
out:
    b->depth--;
    return r;
}

static bool yaml_build(struct builder *b, struct ast_list *docs)
{
    struct yaml y;
    memset(&y, 0, sizeof y);
    y.b = b;
    if (!yaml_parser_initialize(&y.p))
        return fail_nowhere(b, "out of memory");
    yaml_parser_set_input_string(&y.p, (const unsigned char *)b->src->text, b->src->len);
    bool ok = true;
    for (;;) {
        if (!(ok = yaml_next(&y)))
            break;
        if (y.e.type == YAML_STREAM_END_EVENT)
            break;
        if (y.e.type != YAML_DOCUMENT_START_EVENT)
            continue;
        if (!(ok = yaml_next(&y)))
            break;
        struct ast *doc = yaml_node(&y, true);
        if (!(ok = doc && yaml_next(&y))) /* the document's end */
            break;
        if (!(ok = ast_list_push(b->a, docs, doc))) {
            fail_nowhere(b, "out of memory");
            break;
        }
    }
    if (y.e.type != YAML_NO_EVENT)
        yaml_event_delete(&y.e);
    yaml_parser_delete(&y.p);
    if (ok && docs->n == 0)
        return fail_nowhere(b, "the stream holds no document");
    return ok;
}

/* {===== entry points */

/* Every byte sequence is well-formed UTF-8 (RFC 3629: no overlongs, surrogates
 * or > U+10FFFF). */
static bool valid_utf8(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, cp = c & 0x07;
        } else {
            *bad = i;
            return false;
        }
        if (n - i <= k) {
            *bad = i;
            return false;
        }
        for (size_t m = 1; m <= k; m++) {
            if ((s[i + m] & 0xC0) != 0x80) {
                *bad = i;
                return false;
            }
            cp = (cp << 6) | (s[i + m] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return false;
        }
        i += k + 1;
    }
    return true;
}

bool vet_build(struct arena *a, const struct source *src, enum vet_format fmt, const char *schema,
               struct ast_list *docs, struct vet_error *err)
{
    struct builder b = {a,   src, schema && *schema ? schema : NULL,
                        err, 0,   fmt == VET_JSON ? VET_JSON_MAX_DEPTH : VET_YAML_MAX_DEPTH};
    memset(err, 0, sizeof *err);
    size_t bad;
    if (!valid_utf8((const unsigned char *)src->text, src->len, &bad)) {
        err->not_text = true;
        return fail(&b, (uint32_t)bad, (uint32_t)bad + 1, "stream did not contain valid UTF-8");
    }
    return fmt == VET_JSON ? json_build(&b, docs) : yaml_build(&b, docs);
}

const char *vet_first_schema(struct ast *const *modules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct ast *m = modules[i];
        if (!m || m->kind != AST_MODULE)
            continue;
        for (uint32_t k = 0; k < m->u.module.body.n; k++) {
            const struct ast *s = m->u.module.body.v[k];
            if (s && s->kind == AST_SCHEMA && !s->u.schema.is_rule)
                return s->u.schema.name;
        }
    }
    return NULL;
}
