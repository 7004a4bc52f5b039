/* The json system module (spec §5.2): encode (runtime JSON text, §6.3), decode and validate
 * (cJSON, with serde_json's strictness), dump_to_file and merge (RFC 7396).
 *
 * Decoding runs in three steps so that no error unwinds while cJSON owns memory:
 * a lexical scan of the text (strict number and string grammar, number texts in document
 * order, nesting limit), cJSON for the structure, copied into a flat pre-order array in the
 * run's arena with the non-raising arena_alloc, then cJSON_Delete; values are built last. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

enum { JSON_MAX_DEPTH = 127 }; /* serde_json fails at its 128th nested array or object */

/* {===== arguments */



/* The options after 'data' (at positional index 'first'): sort_keys, indent, ignore_private,
 * ignore_none. */
static struct str *json_encode_with(struct vm *vm, const struct callargs *a, struct value data,
                                    uint32_t first)
{
    bool sort_keys = arg_opt_bool(vm, a, first, "sort_keys");
    int64_t indent = 0;
    struct value v;
    if (arg_get(vm, a, first + 1, "indent", &v) && !v_is_null(v))
        indent = arg_int(vm, v, "argument 'indent'");
    if (indent < 0)
        indent = 0;
    if (indent > 1024)
        indent = 1024;
    bool ignore_private = arg_opt_bool(vm, a, first + 2, "ignore_private");
    bool ignore_none = arg_opt_bool(vm, a, first + 3, "ignore_none");
    return v_to_json(vm, data, (int)indent, sort_keys, ignore_private, ignore_none);
}

/* {===== encode, dump_to_file */

static struct value json_encode(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "encode", 1, 5);
    struct value data = arg_need(vm, a, 0, "data", "encode");
    return v_str(json_encode_with(vm, a, data, 1));
}

static struct value json_dump_to_file(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "dump_to_file", 2, 6);
    struct value data = arg_need(vm, a, 0, "data", "dump_to_file");
    struct str *filename =
        arg_str(vm, arg_need(vm, a, 1, "filename", "dump_to_file"), "argument 'filename'");
    stdlib_write_file(vm, filename->b, json_encode_with(vm, a, data, 2));
    return v_undef();
}

/* {===== lexical scan: serde_json's grammar for numbers, strings and whitespace */

struct json_scan {
    const char *s;
    size_t len, pos;
    const char *err; /* static reason, NULL when the text passed */
    size_t err_pos;
    uint32_t *nums; /* start offsets of number tokens, in document order */
    uint32_t *numlens;
    uint32_t nnums, capnums;
};

static bool json_fail(struct json_scan *sc, const char *why)
{
    if (!sc->err) {
        sc->err = why;
        sc->err_pos = sc->pos;
    }
    return false;
}

static bool json_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool json_scan_number(struct vm *vm, struct json_scan *sc)
{
    size_t start = sc->pos;
    const char *s = sc->s;
    if (s[sc->pos] == '-')
        sc->pos++;
    if (s[sc->pos] == '0') {
        sc->pos++;
        if (json_is_digit(s[sc->pos]))
            return json_fail(sc, "invalid number");
    } else if (json_is_digit(s[sc->pos])) {
        while (json_is_digit(s[sc->pos]))
            sc->pos++;
    } else {
        return json_fail(sc, "invalid number");
    }
    if (s[sc->pos] == '.') {
        sc->pos++;
        if (!json_is_digit(s[sc->pos]))
            return json_fail(sc, "invalid number");
        while (json_is_digit(s[sc->pos]))
            sc->pos++;
    }
    if (s[sc->pos] == 'e' || s[sc->pos] == 'E') {
        sc->pos++;
        if (s[sc->pos] == '+' || s[sc->pos] == '-')
            sc->pos++;
        if (!json_is_digit(s[sc->pos]))
            return json_fail(sc, "invalid number");
        while (json_is_digit(s[sc->pos]))
            sc->pos++;
    }
    if (sc->nnums == sc->capnums) {
        uint32_t cap = sc->capnums ? sc->capnums * 2 : 16;
        sc->nums = vm_realloc(vm, sc->nums, sc->capnums * sizeof *sc->nums, cap * sizeof *sc->nums);
        sc->numlens = vm_realloc(vm, sc->numlens, sc->capnums * sizeof *sc->numlens,
                                 cap * sizeof *sc->numlens);
        sc->capnums = cap;
    }
    sc->nums[sc->nnums] = (uint32_t)start;
    sc->numlens[sc->nnums++] = (uint32_t)(sc->pos - start);
    return true;
}

static bool json_is_hex(char c)
{
    return json_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool json_scan_string(struct json_scan *sc)
{
    sc->pos++; /* opening quote */
    for (;;) {
        if (sc->pos >= sc->len)
            return json_fail(sc, "EOF while parsing a string");
        unsigned char c = (unsigned char)sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            return true;
        }
        if (c < 0x20)
            return json_fail(sc,
                             "control character (\\u0000-\\u001F) found while parsing a string");
        if (c == '\\') {
            sc->pos++;
            char e = sc->pos < sc->len ? sc->s[sc->pos] : '\0';
            if (e == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (sc->pos + (size_t)k >= sc->len || !json_is_hex(sc->s[sc->pos + (size_t)k]))
                        return json_fail(sc, "invalid escape");
                sc->pos += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == '\0')
                return json_fail(sc, "invalid escape");
        }
        sc->pos++;
    }
}

static bool json_scan_word(struct json_scan *sc, const char *w)
{
    size_t n = strlen(w);
    if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, w, n) != 0)
        return json_fail(sc, "expected value");
    sc->pos += n;
    return true;
}

static bool json_scan(struct vm *vm, struct json_scan *sc)
{
    unsigned depth = 0;
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case ',':
        case ':':
            sc->pos++;
            break;
        case '[':
        case '{':
            if (++depth > JSON_MAX_DEPTH)
                return json_fail(sc, "recursion limit exceeded");
            sc->pos++;
            break;
        case ']':
        case '}':
            if (depth)
                depth--;
            sc->pos++;
            break;
        case '"':
            if (!json_scan_string(sc))
                return false;
            break;
        case 't':
            if (!json_scan_word(sc, "true"))
                return false;
            break;
        case 'f':
            if (!json_scan_word(sc, "false"))
                return false;
            break;
        case 'n':
            if (!json_scan_word(sc, "null"))
                return false;
            break;
        default:
            if (c == '-' || json_is_digit(c)) {
                if (!json_scan_number(vm, sc))
                    return false;
                break;
            }
            return json_fail(sc, "expected value");
        }
    }
    return true;
}

/* {===== cJSON tree -> flat pre-order nodes (no raising while the tree is alive) */

enum { JN_NULL, JN_FALSE, JN_TRUE, JN_NUM, JN_STR, JN_ARR, JN_OBJ };

struct json_node {
    uint8_t kind;
    uint32_t n;      /* children (JN_ARR, JN_OBJ) */
    uint32_t num;    /* JN_NUM: index of the number token */
    const char *key; /* member name when the parent is an object */
    const char *s;   /* JN_STR */
};

struct json_flat {
    struct arena *arena;
    struct json_node *v;
    uint32_t n, cap;
    uint32_t nums; /* number tokens seen so far */
    bool oom;
};

static uint32_t json_count(const cJSON *j)
{
    uint32_t n = 1;
    for (const cJSON *c = j->child; c; c = c->next)
        n += json_count(c);
    return n;
}

static char *json_dup(struct json_flat *f, const char *s)
{
    if (!s)
        s = "";
    char *r = arena_strndup(f->arena, s, strlen(s));
    if (!r)
        f->oom = true;
    return r;
}

static void json_flatten(struct json_flat *f, const cJSON *j, const char *key)
{
    if (f->oom || f->n >= f->cap)
        return;
    struct json_node *nd = &f->v[f->n++];
    memset(nd, 0, sizeof *nd);
    nd->key = key;
    if (cJSON_IsNull(j)) {
        nd->kind = JN_NULL;
    } else if (cJSON_IsFalse(j)) {
        nd->kind = JN_FALSE;
    } else if (cJSON_IsTrue(j)) {
        nd->kind = JN_TRUE;
    } else if (cJSON_IsNumber(j)) {
        nd->kind = JN_NUM;
        nd->num = f->nums++;
    } else if (cJSON_IsString(j)) {
        nd->kind = JN_STR;
        nd->s = json_dup(f, j->valuestring);
    } else {
        bool obj = cJSON_IsObject(j);
        nd->kind = obj ? JN_OBJ : JN_ARR;
        for (const cJSON *c = j->child; c; c = c->next) {
            nd->n++;
            json_flatten(f, c, obj ? json_dup(f, c->string) : NULL);
        }
    }
}

/* {===== nodes -> values */

struct json_build {
    const struct json_node *v;
    uint32_t i;
    const struct json_scan *sc;
};

/* serde_json's numbers: integers fitting int64 are int (but "-0" is -0.0), the rest float. */
static struct value json_number(const struct json_scan *sc, uint32_t k)
{
    /* the token is well formed and followed by a non-number byte or the final NUL, so the
     * C conversions stop exactly at its end */
    const char *t = sc->s + sc->nums[k];
    uint32_t len = sc->numlens[k];
    bool is_float = false;
    for (uint32_t i = 0; i < len; i++)
        if (t[i] == '.' || t[i] == 'e' || t[i] == 'E')
            is_float = true;
    if (!is_float) {
        errno = 0;
        char *end;
        long long x = strtoll(t, &end, 10);
        if (errno == 0 && end == t + len) {
            if (x == 0 && t[0] == '-')
                return v_float(-0.0);
            return v_int((int64_t)x);
        }
    }
    return v_float(strtod(t, NULL));
}

static struct value json_build(struct vm *vm, struct json_build *b)
{
    const struct json_node *nd = &b->v[b->i++];
    switch (nd->kind) {
    case JN_NULL:
        return v_none();
    case JN_FALSE:
        return v_bool(false);
    case JN_TRUE:
        return v_bool(true);
    case JN_NUM:
        return json_number(b->sc, nd->num);
    case JN_STR:
        return v_str(str_cstr(vm, nd->s));
    case JN_ARR: {
        struct list *l = list_new(vm, nd->n);
        for (uint32_t k = 0; k < nd->n; k++)
            list_push(vm, l, json_build(vm, b));
        return v_list(l);
    }
    default: {
        struct dict *d = dict_new(vm, nd->n);
        for (uint32_t k = 0; k < nd->n; k++) {
            const char *key = b->v[b->i].key;
            struct value v = json_build(vm, b);
            dict_set(vm, d, str_cstr(vm, key), v);
        }
        return v_dict(d);
    }
    }
}

static void json_line_col(const char *s, size_t pos, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos && s[i]; i++) {
        if (s[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* Parses 'text'. On a syntax error returns false and writes the reason to 'why'. */
static bool json_parse(struct vm *vm, const struct str *text, struct value *out, char *why,
                       size_t whylen)
{
    struct json_scan sc = {0};
    sc.s = text->b;
    sc.len = text->len;
    if (!json_scan(vm, &sc)) {
        unsigned line, col;
        json_line_col(sc.s, sc.err_pos, &line, &col);
        snprintf(why, whylen, "%s at line %u column %u", sc.err, line, col);
        return false;
    }
    /* the scan rejected every NUL byte, so cJSON sees the whole text */
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithOpts(text->b, &end, 1);
    if (!tree) {
        unsigned line, col;
        size_t pos = end && end >= text->b ? (size_t)(end - text->b) : 0;
        json_line_col(sc.s, pos, &line, &col);
        if (pos >= text->len)
            snprintf(why, whylen, "EOF while parsing a value at line %u column %u", line, col);
        else
            snprintf(why, whylen, "invalid JSON syntax at line %u column %u", line, col);
        return false;
    }
    struct json_flat f = {0};
    f.arena = vm->arena;
    f.cap = json_count(tree);
    f.v = arena_alloc(vm->arena, (size_t)f.cap * sizeof *f.v);
    if (!f.v)
        f.oom = true;
    else
        json_flatten(&f, tree, NULL);
    cJSON_Delete(tree);
    if (f.oom)
        vm_raise(vm, "out of memory");
    if (f.nums != sc.nnums) /* cannot happen: cJSON and the scan agree on numbers */
        vm_raise(vm, "internal error: JSON number mismatch");
    struct json_build b = {f.v, 0, &sc};
    *out = json_build(vm, &b);
    return true;
}

static struct value json_decode(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "decode", 1, 1);
    struct str *s = arg_str(vm, arg_need(vm, a, 0, "value", "decode"), "argument 'value'");
    char why[160];
    struct value v;
    if (!json_parse(vm, s, &v, why, sizeof why))
        vm_raise(vm, "%s", why);
    return v;
}

static struct value json_validate(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "validate", 1, 1);
    struct str *s = arg_str(vm, arg_need(vm, a, 0, "value", "validate"), "argument 'value'");
    char why[160];
    struct value v;
    return v_bool(json_parse(vm, s, &v, why, sizeof why));
}

/* {===== merge (RFC 7396 JSON merge patch) */

static struct value json_merge_patch(struct vm *vm, struct value target, struct value patch)
{
    if (!v_is_dictlike(patch))
        return patch;
    struct dict *r = dict_new(vm, 0);
    if (v_is_dictlike(target)) {
        struct dict_entry *e;
        for (uint32_t i = 0; dict_next(target.as.d, &i, &e);)
            dict_set(vm, r, e->key, e->val);
    }
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(patch.as.d, &i, &e);) {
        if (e->val.tag == V_UNDEF)
            continue;
        if (e->val.tag == V_NONE) {
            dict_del(r, e->key);
            continue;
        }
        struct value cur = dict_get(r, e->key);
        dict_set(vm, r, e->key, json_merge_patch(vm, cur, e->val));
    }
    return v_dict(r);
}

static struct value json_merge(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "merge", 2, 2);
    struct value src = arg_need(vm, a, 0, "src", "merge");
    struct value patch = arg_need(vm, a, 1, "patch", "merge");
    return json_merge_patch(vm, src, patch);
}

static const struct native_def json_fns[] = {
    {"decode", json_decode}, {"dump_to_file", json_dump_to_file}, {"encode", json_encode},
    {"merge", json_merge},   {"validate", json_validate},
};

const struct stdlib_module stdlib_mod_json = {"json", json_fns,
                                              sizeof json_fns / sizeof json_fns[0], NULL};
