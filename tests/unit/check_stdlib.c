/* Unit tests of the system modules (stdlib/<module>.c), called through stdlib_module(). */
#include "config.h"

#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "runtime/eval.h"
#include "runtime/value.h"
#include "runtime/vm.h"
#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

/* {===== what the evaluator provides; weak, so that eval.c's versions win when linked */

__attribute__((weak)) const char *vm_module_root(struct vm *vm)
{
    (void)vm;
    return "/mod/root";
}

__attribute__((weak)) const char *vm_current_file(struct vm *vm)
{
    (void)vm;
    return "/mod/root/main.k";
}

/* Enough of `|` for union_all: dicts merge key by key (recursively), anything else is b. */
__attribute__((weak)) struct value v_union(struct vm *vm, struct value a, struct value b)
{
    if (!v_is_dictlike(a) || !v_is_dictlike(b))
        return b;
    struct dict *d = dict_copy(vm, a.as.d);
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(b.as.d, &i, &e);)
        dict_set(vm, d, e->key, v_union(vm, dict_get(d, e->key), e->val));
    return v_dict(d);
}

/* {===== fixture: one vm per test */

static struct arena fx_arena;
static struct diags fx_diags;
static struct vm fx_vm;
static char fx_dir[64]; /* a scratch directory for file tests */

static void setup(void)
{
    arena_init(&fx_arena, NULL, NULL);
    diags_init(&fx_diags, &fx_arena);
    vm_init(&fx_vm, &fx_arena, &fx_diags);
    snprintf(fx_dir, sizeof fx_dir, "/tmp/scl_check_stdlib_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fx_dir));
}

static void rm_rf(const char *path)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
    rm_rf(fx_dir);
    arena_free(&fx_arena);
}

/* {===== value literals: 1, -2.5, 1e-09, "s", True, False, None, Undefined, nan, [..], {..} */

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\n')
        (*p)++;
}

static struct value parse_lit(struct vm *vm, const char **p)
{
    skip_ws(p);
    const char *s = *p;
    if (*s == '[' || *s == '{') {
        bool is_list = *s == '[';
        struct list *l = list_new(vm, 0);
        struct dict *d = dict_new(vm, 0);
        for ((*p)++, skip_ws(p); **p != (is_list ? ']' : '}');) {
            struct value v = parse_lit(vm, p);
            skip_ws(p);
            if (is_list) {
                list_push(vm, l, v);
            } else {
                ck_assert_int_eq(**p, ':');
                (*p)++;
                dict_set(vm, d, v.as.s, parse_lit(vm, p));
            }
            skip_ws(p);
            if (**p == ',')
                (*p)++;
            skip_ws(p);
        }
        (*p)++;
        return is_list ? v_list(l) : v_dict(d);
    }
    if (*s == '"') {
        struct sbuf b;
        sbuf_init(&b, vm);
        for (s++; *s != '"'; s++) {
            if (*s == '\\') {
                s++;
                sbuf_putc(&b, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s);
            } else {
                sbuf_putc(&b, *s);
            }
        }
        *p = s + 1;
        return v_str(sbuf_str(&b));
    }
    static const struct {
        const char *word;
        struct value v;
    } words[] = {{"True", {V_BOOL, 0, 0, {.i = 1}}},
                 {"False", {V_BOOL, 0, 0, {.i = 0}}},
                 {"None", {V_NONE, 0, 0, {0}}},
                 {"Undefined", {V_UNDEF, 0, 0, {0}}}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (!strncmp(s, words[i].word, n)) {
            *p = s + n;
            return words[i].v;
        }
    }
    if (!strncmp(s, "nan", 3)) {
        *p = s + 3;
        return v_float(NAN);
    }
    char *end;
    size_t n = strcspn(s, ",]}: ");
    if (memchr(s, '.', n) || memchr(s, 'e', n)) {
        double f = strtod(s, &end);
        *p = end;
        return v_float(f);
    }
    long long i = strtoll(s, &end, 10);
    ck_assert_msg(end != s, "bad literal at '%s'", s);
    *p = end;
    return v_int(i);
}

static struct value lit(const char *s)
{
    return parse_lit(&fx_vm, &s);
}

/* Exact equality: tags must match (1 is not 1.0), NaN equals NaN, dict order matters. */
static bool same(struct value a, struct value b)
{
    if (a.tag != b.tag)
        return false;
    switch (a.tag) {
    case V_UNDEF:
    case V_NONE:
        return true;
    case V_BOOL:
    case V_INT:
        return a.as.i == b.as.i;
    case V_FLOAT:
        return (isnan(a.as.f) && isnan(b.as.f)) ||
               (a.as.f == b.as.f && signbit(a.as.f) == signbit(b.as.f));
    case V_STR:
        return a.as.s->len == b.as.s->len && !memcmp(a.as.s->b, b.as.s->b, a.as.s->len);
    case V_LIST:
        if (a.as.l->n != b.as.l->n)
            return false;
        for (uint32_t i = 0; i < a.as.l->n; i++)
            if (!same(a.as.l->v[i], b.as.l->v[i]))
                return false;
        return true;
    case V_DICT: {
        if (a.as.d->n != b.as.d->n)
            return false;
        struct dict_entry *x, *y;
        for (uint32_t i = 0, j = 0; dict_next(a.as.d, &i, &x) && dict_next(b.as.d, &j, &y);)
            if (!str_eq(x->key, y->key) || !same(x->val, y->val))
                return false;
        return true;
    }
    default:
        return false;
    }
}

static void show(struct sbuf *b, struct value v)
{
    char buf[64];
    switch (v.tag) {
    case V_UNDEF:
        sbuf_puts(b, "Undefined");
        break;
    case V_NONE:
        sbuf_puts(b, "None");
        break;
    case V_BOOL:
        sbuf_puts(b, v.as.i ? "True" : "False");
        break;
    case V_INT:
        sbuf_printf(b, "%lld", (long long)v.as.i);
        break;
    case V_FLOAT:
        if (isnan(v.as.f) || isinf(v.as.f))
            sbuf_printf(b, "%g", v.as.f);
        else
            sbuf_put(b, buf, fmt_float(v.as.f, true, buf, sizeof buf));
        break;
    case V_STR:
        sbuf_putc(b, '"');
        for (uint32_t i = 0; i < v.as.s->len; i++) {
            char c = v.as.s->b[i];
            if (c == '\n')
                sbuf_puts(b, "\\n");
            else if (c == '"' || c == '\\')
                sbuf_printf(b, "\\%c", c);
            else
                sbuf_putc(b, c);
        }
        sbuf_putc(b, '"');
        break;
    case V_LIST:
        sbuf_putc(b, '[');
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            if (i)
                sbuf_puts(b, ", ");
            show(b, v.as.l->v[i]);
        }
        sbuf_putc(b, ']');
        break;
    case V_DICT:
    case V_SCHEMA: {
        struct dict_entry *e;
        sbuf_putc(b, '{');
        bool first = true;
        for (uint32_t i = 0; dict_next(v.as.d, &i, &e); first = false) {
            sbuf_printf(b, "%s\"%s\": ", first ? "" : ", ", e->key->b);
            show(b, e->val);
        }
        sbuf_putc(b, '}');
        break;
    }
    default:
        sbuf_printf(b, "<tag %d>", v.tag);
    }
}

static const char *shown(struct value v)
{
    struct sbuf b;
    sbuf_init(&b, &fx_vm);
    show(&b, v);
    sbuf_putc(&b, '\0');
    return b.p;
}

/* {===== calling a module function */

struct call {
    const char *mod, *fn;
    const char *args;   /* list literal of positional arguments */
    const char *kwargs; /* dict literal of keyword arguments, or NULL */
    const char *want;   /* literal of the result; NULL: an error is expected */
    const char *err;    /* substring of the expected error message */
};

struct run {
    const char *mod, *fn;
    struct value args, kwargs;
    struct value result;
};

static native_fn find_fn(const char *mod, const char *fn)
{
    const struct stdlib_module *m = stdlib_module(mod);
    ck_assert_msg(m != NULL, "no module %s", mod);
    for (size_t i = 0; i < m->nfns; i++)
        if (!strcmp(m->fns[i].name, fn))
            return m->fns[i].fn;
    ck_abort_msg("no function %s.%s", mod, fn);
    return NULL;
}

static void do_call(struct vm *vm, void *ud)
{
    struct run *r = ud;
    struct callargs a;
    memset(&a, 0, sizeof a);
    a.self = v_undef();
    a.pos = r->args.as.l->v;
    a.npos = r->args.as.l->n;
    if (r->kwargs.tag == V_DICT) {
        uint32_t n = r->kwargs.as.d->n;
        struct str **names = vm_alloc(vm, (n + 1) * sizeof *names);
        struct value *vals = vm_alloc(vm, (n + 1) * sizeof *vals);
        struct dict_entry *e;
        for (uint32_t i = 0; dict_next(r->kwargs.as.d, &i, &e); a.nkw++) {
            names[a.nkw] = str_intern(vm, e->key->b, e->key->len);
            vals[a.nkw] = e->val;
        }
        a.kwnames = names;
        a.kw = vals;
    }
    r->result = find_fn(r->mod, r->fn)(vm, &a);
}

/* Calls mod.fn with values; returns true and the result, or false (message in last_error). */
static bool call_values(const char *mod, const char *fn, struct value args, struct value kwargs,
                        struct value *out)
{
    struct run r = {mod, fn, args, kwargs, v_undef()};
    bool ok = vm_protect(&fx_vm, do_call, &r);
    *out = r.result;
    return ok;
}

static const char *last_message(void)
{
    return fx_vm.last_error ? fx_vm.last_error->message : "?";
}

/* mod.fn(args) that must succeed. */
static struct value call_ok(const char *mod, const char *fn, const char *args)
{
    struct value out;
    bool ok = call_values(mod, fn, lit(args), v_undef(), &out);
    ck_assert_msg(ok, "%s.%s(%s): unexpected error: %s", mod, fn, args, last_message());
    return out;
}

static void check_call(const struct call *c)
{
    struct value out;
    bool ok =
        call_values(c->mod, c->fn, lit(c->args), c->kwargs ? lit(c->kwargs) : v_undef(), &out);
    const char *kw = c->kwargs ? c->kwargs : "";
    if (c->want) {
        ck_assert_msg(ok, "%s.%s(%s %s): unexpected error: %s", c->mod, c->fn, c->args, kw,
                      last_message());
        struct value want = lit(c->want);
        ck_assert_msg(same(out, want), "%s.%s(%s %s): got %s, want %s", c->mod, c->fn, c->args, kw,
                      shown(out), shown(want));
    } else {
        ck_assert_msg(!ok, "%s.%s(%s %s): no error, got %s", c->mod, c->fn, c->args, kw,
                      shown(out));
        ck_assert_msg(strstr(last_message(), c->err) != NULL, "%s.%s(%s): error '%s', want '%s'",
                      c->mod, c->fn, c->args, last_message(), c->err);
    }
}

#define CASES_TEST(name, table)                                                                    \
    START_TEST(name)                                                                               \
    {                                                                                              \
        check_call(&table[_i]);                                                                    \
    }                                                                                              \
    END_TEST

/* {===== math */

static const struct call math_cases[] = {
    {"math", "ceil", "[1.2]", NULL, "2", NULL},
    {"math", "ceil", "[-1.5]", NULL, "-1", NULL},
    {"math", "ceil", "[3]", NULL, "3", NULL},
    {"math", "ceil", "[\"x\"]", NULL, NULL, "must be int or float"},
    {"math", "floor", "[2.7]", NULL, "2", NULL},
    {"math", "floor", "[-2.5]", NULL, "-3", NULL},
    {"math", "floor", "[1125899906842624]", NULL, "1125899906842624", NULL},
    {"math", "factorial", "[5]", NULL, "120", NULL},
    {"math", "factorial", "[0]", NULL, "1", NULL},
    {"math", "factorial", "[5.0]", NULL, "120.0", NULL},
    {"math", "factorial", "[20]", NULL, "2432902008176640000", NULL},
    {"math", "factorial", "[21]", NULL, NULL, "factorial() result overflow"},
    {"math", "factorial", "[-1]", NULL, NULL, "only accepts integral values"},
    {"math", "factorial", "[2.5]", NULL, NULL, "only accepts integral values"},
    {"math", "gcd", "[60, 48]", NULL, "12", NULL},
    {"math", "gcd", "[-4, 6]", NULL, "2", NULL},
    {"math", "gcd", "[0, 0]", NULL, "0", NULL},
    {"math", "gcd", "[]", "{\"a\": 9, \"b\": 6}", "3", NULL},
    {"math", "gcd", "[1]", NULL, NULL, "gcd() takes 2 positional arguments but 1 were given"},
    {"math", "isfinite", "[1]", NULL, "True", NULL},
    {"math", "isfinite", "[0]", NULL, "True", NULL},
    {"math", "isfinite", "[nan]", NULL, "False", NULL},
    {"math", "isinf", "[1.0]", NULL, "False", NULL},
    {"math", "isnan", "[1]", NULL, "False", NULL},
    {"math", "isnan", "[nan]", NULL, "True", NULL},
    {"math", "modf", "[3.5]", NULL, "[0.5, 3.0]", NULL},
    {"math", "modf", "[-2.25]", NULL, "[-0.25, -2.0]", NULL},
    {"math", "modf", "[2]", NULL, "[0.0, 2.0]", NULL},
    {"math", "exp", "[2]", NULL, "7.38905609893065", NULL},
    {"math", "exp", "[-6.89]", NULL, "0.0010179138409954387", NULL},
    {"math", "expm1", "[32]", NULL, "78962960182679.69", NULL},
    /* KCL's golden has -0.9999813562576684 (its libm is one ulp off the correct rounding) */
    {"math", "expm1", "[-10.89]", NULL, "-0.9999813562576685", NULL},
    {"math", "log", "[2.7183]", NULL, "1.0000066849139877", NULL},
    {"math", "log", "[2.0]", NULL, "0.6931471805599453", NULL},
    {"math", "log", "[1.0]", NULL, "0.0", NULL},
    {"math", "log", "[8, 2]", NULL, "3.0", NULL},
    {"math", "log", "[100]", "{\"base\": 10}", "2.0", NULL},
    {"math", "log10", "[2.7183]", NULL, "0.43429738512450866", NULL},
    {"math", "log10", "[2]", NULL, "0.3010299956639812", NULL},
    {"math", "log10", "[100]", NULL, "2.0", NULL},
    {"math", "log2", "[8]", NULL, "3.0", NULL},
    /* KCL computes ln_1p(x + 1) */
    {"math", "log1p", "[1]", NULL, "1.0986122886681096", NULL},
    {"math", "pow", "[9, 3]", NULL, "729.0", NULL},
    {"math", "pow", "[2, -1]", NULL, "0.5", NULL},
    {"math", "sqrt", "[9]", NULL, "3.0", NULL},
};
CASES_TEST(test_math, math_cases)

/* {===== json */

static const struct call json_cases[] = {
    {"json", "encode", "[{\"key\": \"value\"}]", NULL, "\"{\\\"key\\\": \\\"value\\\"}\"", NULL},
    {"json", "encode", "[[1, 2, 3]]", NULL, "\"[1, 2, 3]\"", NULL},
    {"json", "encode", "[1.1]", NULL, "\"1.1\"", NULL},
    {"json", "encode", "[None]", NULL, "\"null\"", NULL},
    {"json", "encode", "[{\"b\": 1, \"a\": 2}]", "{\"sort_keys\": True}",
     "\"{\\\"a\\\": 2, \\\"b\\\": 1}\"", NULL},
    {"json", "encode", "[{\"_p\": 1, \"a\": None}]", "{\"ignore_private\": True}",
     "\"{\\\"a\\\": null}\"", NULL},
    {"json", "encode", "[{\"a\": [1, None]}]", "{\"indent\": 4, \"ignore_none\": True}",
     "\"{\\n    \\\"a\\\": [\\n        1\\n    ]\\n}\"", NULL},
    {"json", "encode", "[{\"a\": 1}, False, 2]", NULL, "\"{\\n  \\\"a\\\": 1\\n}\"", NULL},
    {"json", "decode", "[\"{\\\"key\\\": \\\"value\\\"}\"]", NULL, "{\"key\": \"value\"}", NULL},
    {"json", "decode", "[\"[1, 2, 3]\"]", NULL, "[1, 2, 3]", NULL},
    {"json", "decode", "[\"1\"]", NULL, "1", NULL},
    {"json", "decode", "[\"1.1\"]", NULL, "1.1", NULL},
    {"json", "decode", "[\"1e2\"]", NULL, "100.0", NULL},
    {"json", "decode", "[\"null\"]", NULL, "None", NULL},
    {"json", "decode", "[\"true\"]", NULL, "True", NULL},
    {"json", "decode", "[\" -0 \"]", NULL, "-0.0", NULL},
    {"json", "decode", "[\"-9223372036854775808\"]", NULL, "-9223372036854775808", NULL},
    {"json", "decode", "[\"9223372036854775808\"]", NULL, "9223372036854775808.0", NULL},
    {"json", "decode", "[\"{\\\"b\\\": 1, \\\"a\\\": 2, \\\"b\\\": 3}\"]", NULL,
     "{\"b\": 3, \"a\": 2}", NULL},
    {"json", "decode", "[\"\\\"\\\\u00e9\\\\ud83d\\\\ude00\\\\n\\\"\"]", NULL, "\"é😀\\n\"", NULL},
    {"json", "decode", "[\"{\\\"a\\\": {\\\"b\\\": [true, false, {}], \\\"c\\\": []}}\"]", NULL,
     "{\"a\": {\"b\": [True, False, {}], \"c\": []}}", NULL},
    {"json", "decode", "[\"[1,]\"]", NULL, NULL, "at line 1 column"},
    {"json", "decode", "[\"01\"]", NULL, NULL, "invalid number"},
    {"json", "decode", "[\"\\\"a\\tb\\\"\"]", NULL, NULL, "control character"},
    {"json", "decode", "[\"1 2\"]", NULL, NULL, "line 1 column"},
    {"json", "decode", "[\"\"]", NULL, NULL, "EOF while parsing"},
    {"json", "decode", "[\"{'a': 1}\"]", NULL, NULL, "expected value"},
    {"json", "decode", "[1]", NULL, NULL, "must be str"},
    {"json", "validate", "[\"1\"]", NULL, "True", NULL},
    {"json", "validate", "[\"true\"]", NULL, "True", NULL},
    {"json", "validate", "[\"1.20\"]", NULL, "True", NULL},
    {"json", "validate", "[\"null\"]", NULL, "True", NULL},
    {"json", "validate", "[\"[0, 1, 2]\"]", NULL, "True", NULL},
    {"json", "validate", "[\"{\\\"key\\\": \\\"value\\\"}\"]", NULL, "True", NULL},
    {"json", "validate", "[\"1@\"]", NULL, "False", NULL},
    {"json", "validate", "[\"True\"]", NULL, "False", NULL},
    {"json", "validate", "[\"1.20.23+1\"]", NULL, "False", NULL},
    {"json", "validate", "[\"None\"]", NULL, "False", NULL},
    {"json", "validate", "[\"[0, 1, 2,]\"]", NULL, "False", NULL},
    {"json", "validate", "[\"{\\\"key\\\": 'value'}\"]", NULL, "False", NULL},
    {"json", "validate", "[\"1.\"]", NULL, "False", NULL},
    {"json", "validate", "[\"+1\"]", NULL, "False", NULL},
    {"json", "validate", "[\".5\"]", NULL, "False", NULL},
    {"json", "validate", "[\"\\\"\\\\x\\\"\"]", NULL, "False", NULL},
    {"json", "merge",
     "[{\"a\": 1, \"b\": {\"c\": 2, \"d\": 3}}, {\"b\": {\"c\": None, \"e\": 4}, "
     "\"f\": 5}]",
     NULL, "{\"a\": 1, \"b\": {\"d\": 3, \"e\": 4}, \"f\": 5}", NULL},
    {"json", "merge", "[1, {\"a\": None, \"b\": 2}]", NULL, "{\"b\": 2}", NULL},
    {"json", "merge", "[{\"a\": 1}, [1]]", NULL, "[1]", NULL},
    {"json", "merge", "[{\"a\": [1, 2]}, {\"a\": [3]}]", NULL, "{\"a\": [3]}", NULL},
};
CASES_TEST(test_json, json_cases)

/* serde_json fails at the 128th nesting level; 127 levels are fine. */
START_TEST(test_json_depth)
{
    char deep[300];
    struct list *args = list_new(&fx_vm, 1);
    list_push(&fx_vm, args, v_undef());
    for (int depth = 127; depth <= 128; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        deep[2 * depth] = '\0';
        args->v[0] = v_str(str_cstr(&fx_vm, deep));
        struct value out;
        bool ok = call_values("json", "decode", v_list(args), v_undef(), &out);
        if (depth == 127) {
            ck_assert_msg(ok, "%s", last_message());
            ck_assert_int_eq(out.tag, V_LIST);
        } else {
            ck_assert(!ok);
            ck_assert_ptr_nonnull(strstr(last_message(), "recursion limit exceeded"));
        }
    }
}
END_TEST

/* {===== yaml */

static const struct call yaml_cases[] = {
    {"yaml", "decode", "[\"key: value\"]", NULL, "{\"key\": \"value\"}", NULL},
    {"yaml", "decode", "[\"- 1\\n- 2\\n- 3\"]", NULL, "[1, 2, 3]", NULL},
    {"yaml", "decode", "[\"1\"]", NULL, "1", NULL},
    {"yaml", "decode", "[\"1.1\"]", NULL, "1.1", NULL},
    {"yaml", "decode", "[\"null\"]", NULL, "None", NULL},
    {"yaml", "decode", "[\"true\"]", NULL, "True", NULL},
    {"yaml", "decode", "[\"\"]", NULL, "None", NULL},
    {"yaml", "decode", "[\"a: ~\\nb:\\nc: Null\"]", NULL, "{\"a\": None, \"b\": None, \"c\": None}",
     NULL},
    {"yaml", "decode", "[\"key1: \\\"value1\\\"\\nkey2: 'value2'\\ndata: [1, 2, 3]\\n\"]", NULL,
     "{\"key1\": \"value1\", \"key2\": \"value2\", \"data\": [1, 2, 3]}", NULL},
    {"yaml", "decode", "[\"[yes, no, on, off, y, True, FALSE, tRue]\"]", NULL,
     "[\"yes\", \"no\", \"on\", \"off\", \"y\", True, False, \"tRue\"]", NULL},
    {"yaml", "decode", "[\"[0x1F, 0o17, 0b11, -0x10, +7, 007, -0, 1_000]\"]", NULL,
     "[31, 15, 3, -16, 7, \"007\", 0, \"1_000\"]", NULL},
    {"yaml", "decode", "[\"[1e3, .5, -1.5E-2, 1., .inf, -.Inf, .nan, 1e999, inf, 0.5.1]\"]", NULL,
     "[1000.0, 0.5, -0.015, 1.0, None, None, None, \"1e999\", \"inf\", \"0.5.1\"]", NULL},
    {"yaml", "decode", "[\"[18446744073709551615, -9223372036854775808]\"]", NULL,
     "[18446744073709551615.0, -9223372036854775808]", NULL},
    {"yaml", "decode", "[\"99999999999999999999\"]", NULL, NULL, "out of range"},
    {"yaml", "decode",
     "[\"a: '1'\\nb: !!str 2\\nc: !!int '3'\\nd: !!float 4\\ne: |\\n  x\\n  y\\n\"]", NULL,
     "{\"a\": \"1\", \"b\": \"2\", \"c\": 3, \"d\": 4.0, \"e\": \"x\\ny\\n\"}", NULL},
    {"yaml", "decode", "[\"a: !!int x\"]", NULL, NULL, "expected int"},
    {"yaml", "decode", "[\"a: !Ref x\"]", NULL, NULL, "unsupported YAML tag '!Ref'"},
    {"yaml", "decode", "[\"a: &x [1, 2]\\nb: *x\\n&k c: 3\\n*k : 4\"]", NULL,
     "{\"a\": [1, 2], \"b\": [1, 2], \"c\": 4}", NULL},
    {"yaml", "decode", "[\"a: *nope\"]", NULL, NULL, "unknown anchor"},
    {"yaml", "decode", "[\"1: a\\ntrue: b\\n~: c\\n'q': d\"]", NULL,
     "{\"1\": \"a\", \"true\": \"b\", \"~\": \"c\", \"q\": \"d\"}", NULL},
    {"yaml", "decode", "[\"a: 1\\na: 2\\nb: 3\"]", NULL, "{\"a\": 2, \"b\": 3}", NULL},
    {"yaml", "decode", "[\"? [1]\\n: x\"]", NULL, NULL, "expected a string key"},
    {"yaml", "decode", "[\"a: 1\\n---\\nb: 2\"]", NULL, NULL, "more than one document"},
    {"yaml", "decode", "[\"a: 1\\n  b: 2\\nc: 3\"]", NULL, NULL,
     "mapping values are not allowed in this context at line 2 column 4"},
    {"yaml", "decode", "[\"a:\\n- 1\\n  -2\\n-3\"]", NULL, NULL,
     "could not find expected ':' at line 5 column 1, while scanning a simple key at line 4 "
     "column 1"},
    {"yaml", "decode_all", "[\"1\"]", NULL, "[1]", NULL},
    {"yaml", "decode_all", "[\"\"]", NULL, "[]", NULL},
    {"yaml", "decode_all", "[\"key1: value2\\n---\\nkey2: [1, 2, 3]\"]", NULL,
     "[{\"key1\": \"value2\"}, {\"key2\": [1, 2, 3]}]", NULL},
    {"yaml", "decode_all", "[\"1.1\\n---\\nnull\\n---\\ntrue\\n---\\nfalse\"]", NULL,
     "[1.1, None, True, False]", NULL},
    {"yaml", "decode_all", "[\"key: value\\n\"]", NULL, "[{\"key\": \"value\"}]", NULL},
    {"yaml", "validate", "[\"1\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"true\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"1.20\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"null\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"[0, 1, 2]\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"{\\\"key\\\": \\\"value\\\"}\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"a:1\\n---\\nb:2\"]", NULL, "True", NULL},
    {"yaml", "validate", "[\"a:\\n1\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"a:\\n1\\n  - 2\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"a:\\n-1\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"1a   : \\n1\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"a:\\n- 1\\n-----\\na:\\n- 1\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"{\\\"key\\\" + 'value'}\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"a:1\\n-----\\nb:\\n-2\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"a: !Ref x\"]", NULL, "False", NULL},
    {"yaml", "validate", "[\"a: *x\"]", NULL, "False", NULL},
    {"yaml", "encode", "[{\"key\": \"value\"}]", NULL, "\"key: value\\n\"", NULL},
    {"yaml", "encode", "[[1, 2, 3]]", NULL, "\"- 1\\n- 2\\n- 3\\n\"", NULL},
    {"yaml", "encode", "[{\"b\": 1, \"_a\": None, \"c\": None}]",
     "{\"sort_keys\": True, \"ignore_private\": True, \"ignore_none\": True}", "\"b: 1\\n\"", NULL},
    {"yaml", "encode_all", "[[1, 2, 3]]", NULL, "\"1\\n\\n---\\n2\\n\\n---\\n3\\n\"", NULL},
    {"yaml", "encode_all", "[[{\"key\": \"value\"}, [1, 2, 3]]]", NULL,
     "\"key: value\\n\\n---\\n- 1\\n- 2\\n- 3\\n\"", NULL},
    {"yaml", "encode_all", "[1]", NULL, NULL, "expected a list"},
};
CASES_TEST(test_yaml, yaml_cases)

/* {===== base64, base32 */

static const struct call base_cases[] = {
    {"base64", "encode", "[\"0.3.0\"]", NULL, "\"MC4zLjA=\"", NULL},
    {"base64", "encode", "[\"\"]", NULL, "\"\"", NULL},
    {"base64", "encode", "[\"ab\"]", NULL, "\"YWI=\"", NULL},
    {"base64", "encode", "[\"héllo wörld\"]", NULL, "\"aMOpbGxvIHfDtnJsZA==\"", NULL},
    {"base64", "encode", "[1]", NULL, NULL, "a string object is required"},
    {"base64", "decode", "[\"MC4zLjA=\"]", NULL, "\"0.3.0\"", NULL},
    {"base64", "decode", "[\"\"]", NULL, "\"\"", NULL},
    {"base64", "decode", "[\"YQ==\"]", NULL, "\"a\"", NULL},
    {"base64", "decode", "[\"YWI=\"]", NULL, "\"ab\"", NULL},
    {"base64", "decode", "[\"YWJj\"]", NULL, "\"abc\"", NULL},
    {"base64", "decode", "[\"aMOpbGxvIHfDtnJsZA==\"]", NULL, "\"héllo wörld\"", NULL},
    {"base64", "decode", "[\"YQ\"]", NULL, NULL, "Invalid base64"},
    {"base64", "decode", "[\"Y=Q=\"]", NULL, NULL, "Invalid base64"},
    {"base64", "decode", "[\"!!!!\"]", NULL, NULL, "Invalid base64"},
    {"base64", "decode", "[\"/w==\"]", NULL, NULL, "not valid UTF-8"},
    {"base32", "encode", "[\"0.3.0\"]", NULL, "\"GAXDGLRQ\"", NULL},
    {"base32", "encode", "[\"a\"]", NULL, "\"ME======\"", NULL},
    {"base32", "encode", "[\"foobar\"]", NULL, "\"MZXW6YTBOI======\"", NULL},
    {"base32", "encode", "[\"\"]", NULL, "\"\"", NULL},
    {"base32", "decode", "[\"GAXDGLRQ\"]", NULL, "\"0.3.0\"", NULL},
    {"base32", "decode", "[\"MZXW6YTBOI======\"]", NULL, "\"foobar\"", NULL},
    {"base32", "decode", "[\"me\"]", NULL, "\"a\"", NULL},
    {"base32", "decode", "[\"1!\"]", NULL, "None", NULL},
    {"base32", "decode", "[\"74======\"]", NULL, "None", NULL},
};
CASES_TEST(test_base, base_cases)

/* {===== regex */

#define IPV4_RE                                                                                    \
    "^(1\\\\d{2}|2[0-4]\\\\d|25[0-5]|[1-9]\\\\d|[1-9])\\\\.(1\\\\d{2}|2[0-4]\\\\d|25[0-5]|[1-9]"   \
    "\\\\d|\\\\d)\\\\.(1\\\\d{2}|2[0-4]\\\\d|25[0-5]|[1-9]\\\\d|\\\\d)\\\\.(1\\\\d{2}|2[0-4]"      \
    "\\\\d|"                                                                                       \
    "25[0-5]|[1-9]\\\\d|\\\\d)$"

static const struct call regex_cases[] = {
    {"regex", "split", "[\"Apple,Google,Baidu,Xiaomi\", \",\"]", NULL,
     "[\"Apple\", \"Google\", \"Baidu\", \"Xiaomi\"]", NULL},
    {"regex", "split", "[\"a,b,c\", \",\", 1]", NULL, "[\"a\"]", NULL},
    {"regex", "split", "[\"a,b,c\", \",\"]", "{\"maxsplit\": 2}", "[\"a\", \"b\"]", NULL},
    {"regex", "split", "[\"a,b,c\", \",\", 5]", NULL, "[\"a\", \"b\", \"c\"]", NULL},
    {"regex", "split", "[\"a1b22c\", \"\\\\d+\"]", NULL, "[\"a\", \"b\", \"c\"]", NULL},
    {"regex", "split", "[\"abc\", \"\"]", NULL, "[\"\", \"a\", \"b\", \"c\", \"\"]", NULL},
    {"regex", "split", "[\"\", \",\"]", NULL, "[\"\"]", NULL},
    {"regex", "replace", "[\"Apple,Google,Baidu,Xiaomi\", \",\", \"|\"]", NULL,
     "\"Apple|Google|Baidu|Xiaomi\"", NULL},
    {"regex", "replace", "[\"a-b-c\", \"-\", \"+\", 1]", NULL, "\"a+b-c\"", NULL},
    {"regex", "replace", "[\"john smith\", \"(\\\\w+) (\\\\w+)\", \"$2 $1\"]", NULL,
     "\"smith john\"", NULL},
    {"regex", "replace", "[\"abc\", \"(?P<x>b)\", \"[${x}][$x][${1}]\"]", NULL, "\"a[b][b][b]c\"",
     NULL},
    {"regex", "replace", "[\"abc\", \"b\", \"$$-$\"]", NULL, "\"a$-$c\"", NULL},
    {"regex", "replace", "[\"abc\", \"(b)\", \"$1a|$9\"]", NULL, "\"a|c\"", NULL},
    {"regex", "replace", "[\"aaa\", \"a*\", \"-\"]", NULL, "\"-\"", NULL},
    {"regex", "replace", "[\"abc\", \"x*\", \"-\"]", NULL, "\"-a-b-c-\"", NULL},
    {"regex", "replace", "[\"héllo\", \"l\", \"L\"]", "{\"count\": 1}", "\"héLlo\"", NULL},
    {"regex", "compile", "[\"$^\"]", NULL, "True", NULL},
    {"regex", "compile", "[\"(\"]", NULL, "False", NULL},
    {"regex", "compile", "[\"(?<=a)b\\\\1\"]", NULL, "False", NULL},
    {"regex", "search", "[\"aaaa\", \"a\"]", NULL, "True", NULL},
    {"regex", "search", "[\"aaaa\", \"b\"]", NULL, "False", NULL},
    {"regex", "match", "[\"abc\", \"b\"]", NULL, "True", NULL},
    {"regex", "match", "[\"abc\", \"^b\"]", NULL, "False", NULL},
    {"regex", "match", "[\"ab\\n\", \"b$\"]", NULL, "False", NULL},
    {"regex", "match", "[\"ab\\nc\", \"(?m)b$\"]", NULL, "True", NULL},
    {"regex", "match", "[\"192.168.0.1\", \"" IPV4_RE "\"]", NULL, "True", NULL},
    {"regex", "match", "[\"192.168.0,1\", \"" IPV4_RE "\"]", NULL, "False", NULL},
    {"regex", "match", "[\"x-7\", \"^[A-Za-z_][A-Za-z0-9_]*$\"]", NULL, "False", NULL},
    {"regex", "match", "[\"__X3__\", \"^[A-Za-z_][A-Za-z0-9_]*$\"]", NULL, "True", NULL},
    {"regex", "match", "[\"x\", \"(\"]", NULL, NULL, "invalid regular expression '('"},
    {"regex", "match", "[\"x\"]", NULL, NULL, "takes 2 positional arguments but 1 were given"},
    {"regex", "findall", "[\"aaaa\", \"a\"]", NULL, "[\"a\", \"a\", \"a\", \"a\"]", NULL},
    {"regex", "findall", "[\"4Gi\", \"^(\\\\d{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$\"]", NULL,
     "[[\"4\", \"Gi\"]]", NULL},
    {"regex", "findall", "[\"a1b2\", \"[a-z](\\\\d)\"]", NULL, "[\"a1\", \"b2\"]", NULL},
    {"regex", "findall", "[\"a1b\", \"([a-z])(\\\\d)?\"]", NULL, "[[\"a\", \"1\"], [\"b\", \"\"]]",
     NULL},
    {"regex", "findall", "[\"é1 ü\", \"\\\\w\"]", NULL, "[\"é\", \"1\", \"ü\"]", NULL},
    {"regex", "findall", "[\"ab\", \"x*\"]", NULL, "[\"\", \"\", \"\"]", NULL},
};
CASES_TEST(test_regex, regex_cases)

/* {===== crypto */

static const struct call crypto_cases[] = {
    {"crypto", "md5", "[\"ABCDEF\"]", NULL, "\"8827a41122a5028b9808c7bf84b9fcf6\"", NULL},
    {"crypto", "sha1", "[\"ABCDEF\"]", NULL, "\"970093678b182127f60bb51b8af2c94d539eca3a\"", NULL},
    {"crypto", "sha224", "[\"ABCDEF\"]", NULL,
     "\"fd6639af1cc457b72148d78e90df45df4d344ca3b66fa44598148ce4\"", NULL},
    {"crypto", "sha256", "[\"abc\"]", NULL,
     "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"", NULL},
    {"crypto", "sha384", "[\"ABCDEF\"]", NULL,
     "\"39e0cc1b02b8c082b64643cdcae0e6180e460e1f717824c78b17f946c9864c90c04c55067b231e69b0ad5bd19d"
     "12a065\"",
     NULL},
    {"crypto", "sha512", "[\"abc\"]", NULL,
     "\"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a"
     "3feebbd454d4423643ce80e2a9ac94fa54ca49f\"",
     NULL},
    {"crypto", "md5", "[\"ABCDEF\"]", "{\"encoding\": \"UTF-8\"}",
     "\"8827a41122a5028b9808c7bf84b9fcf6\"", NULL},
    {"crypto", "md5", "[\"ABCDEF\", \"gbk\"]", NULL, NULL, "unknown encoding gbk"},
    {"crypto", "md5", "[]", NULL, NULL, "md5() missing 1 required positional argument"},
    {"crypto", "blake3", "[\"\"]", NULL,
     "\"af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262\"", NULL},
    {"crypto", "blake3", "[\"abc\"]", NULL,
     "\"6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85\"", NULL},
    {"crypto", "filesha256", "[\"/nonexistent/x\"]", NULL, NULL,
     "failed to access file '/nonexistent/x': No such file or directory (os error 2)"},
};
CASES_TEST(test_crypto, crypto_cases)

/* BLAKE3 over several chunks (the tree), checked against b3sum's output. */
START_TEST(test_blake3_tree)
{
    static const struct {
        size_t len;
        const char *want;
    } cases[] = {
        {1024, "515e3c4cae03ab4c7839f5fd3724ae7324a361654264a27e25161ffbd4e9f620"},
        {1025, "0c1ac49ca7fdf7f26a5253862d57a8d97b39064b2e0b9a7992caf4ed0bf7a035"},
        {2048, "61bba5cf428b7d633089effc5cb910cbb62e720c25abfc0e8c2fea99f17b5d4c"},
        {3079, "ad70bb7877e53489abd526ab4e8201d4f8fa00b0fcca6725b5d4d0048fd1fde5"},
        {5000, "a2955f06ed6b0e7bf04a62ed6d1fdb22e4849feaef3e5f084dbba2f1bd2d1f71"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *buf = vm_alloc(&fx_vm, cases[k].len + 1);
        for (size_t i = 0; i < cases[k].len; i++)
            buf[i] = (char)('a' + i % 26);
        buf[cases[k].len] = '\0';
        struct list *args = list_new(&fx_vm, 1);
        list_push(&fx_vm, args, v_str(str_new(&fx_vm, buf, cases[k].len)));
        struct value out;
        ck_assert(call_values("crypto", "blake3", v_list(args), v_undef(), &out));
        ck_assert_str_eq(out.as.s->b, cases[k].want);
    }
}
END_TEST

START_TEST(test_uuid_and_filesha)
{
    struct value u = call_ok("crypto", "uuid", "[]");
    ck_assert_int_eq(u.tag, V_STR);
    ck_assert_uint_eq(u.as.s->len, 36);
    for (int i = 0; i < 36; i++) {
        char c = u.as.s->b[i];
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ck_assert_int_eq(c, '-');
        else
            ck_assert_msg((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "uuid %s", u.as.s->b);
    }
    ck_assert_int_eq(u.as.s->b[14], '4');
    ck_assert_ptr_nonnull(strchr("89ab", u.as.s->b[19]));
    struct value u2 = call_ok("crypto", "uuid", "[]");
    ck_assert_str_ne(u.as.s->b, u2.as.s->b);

    char path[128], args[200];
    snprintf(path, sizeof path, "%s/f.txt", fx_dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("abc", f);
    fclose(f);
    snprintf(args, sizeof args, "[\"%s\"]", path);
    struct value h = call_ok("crypto", "filesha256", args);
    ck_assert_str_eq(h.as.s->b, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    h = call_ok("crypto", "fileblake3", args);
    ck_assert_str_eq(h.as.s->b, "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
}
END_TEST

/* {===== units */

static const struct call units_cases[] = {
    {"units", "to_n", "[1e-9]", NULL, "\"1n\"", NULL},
    {"units", "to_u", "[1e-6]", NULL, "\"1u\"", NULL},
    {"units", "to_m", "[0.1]", NULL, "\"100m\"", NULL},
    {"units", "to_K", "[1000]", NULL, "\"1K\"", NULL},
    {"units", "to_M", "[1000000]", NULL, "\"1M\"", NULL},
    {"units", "to_G", "[1000000000]", NULL, "\"1G\"", NULL},
    {"units", "to_T", "[1000000000000]", NULL, "\"1T\"", NULL},
    {"units", "to_P", "[1000000000000000]", NULL, "\"1P\"", NULL},
    {"units", "to_Ki", "[1024]", NULL, "\"1Ki\"", NULL},
    {"units", "to_Mi", "[1048576]", NULL, "\"1Mi\"", NULL},
    {"units", "to_Gi", "[1073741824]", NULL, "\"1Gi\"", NULL},
    {"units", "to_Ti", "[1099511627776]", NULL, "\"1Ti\"", NULL},
    {"units", "to_Pi", "[1125899906842624]", NULL, "\"1Pi\"", NULL},
    {"units", "to_Gi", "[4294967296.0]", NULL, "\"4Gi\"", NULL},
    {"units", "to_Ki", "[1000]", NULL, "\"0Ki\"", NULL},
    {"units", "to_K", "[-1500]", NULL, "\"-1K\"", NULL},
    {"units", "to_K", "[]", "{\"num\": 2500}", "\"2K\"", NULL},
    {"units", "to_K", "[\"1\"]", NULL, NULL, "must be a number"},
};
CASES_TEST(test_units, units_cases)

START_TEST(test_units_consts)
{
    const struct stdlib_module *m = stdlib_module("units");
    ck_assert_ptr_nonnull(m);
    ck_assert(m->consts != NULL);
    struct dict *d = dict_new(&fx_vm, 0);
    m->consts(&fx_vm, d);
    ck_assert(same(v_dict(d), lit("{\"n\": 1e-09, \"u\": 1e-06, \"m\": 0.001, \"k\": 1000, "
                                  "\"K\": 1000, \"M\": 1000000, \"G\": 1000000000, "
                                  "\"T\": 1000000000000, \"P\": 1000000000000000, \"Ki\": 1024, "
                                  "\"Mi\": 1048576, \"Gi\": 1073741824, \"Ti\": 1099511627776, "
                                  "\"Pi\": 1125899906842624}")));
    ck_assert_ptr_null(stdlib_module("nosuch"));
    ck_assert_ptr_null(stdlib_module("runtime"));
    static const char *const names[] = {"base32",   "base64", "collection", "crypto", "datetime",
                                        "file",     "json",   "math",       "net",    "regex",
                                        "template", "units",  "yaml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct stdlib_module *mm = stdlib_module(names[i]);
        ck_assert_ptr_nonnull(mm);
        ck_assert_str_eq(mm->name, names[i]);
        ck_assert_uint_gt(mm->nfns, 0);
    }
}
END_TEST

/* {===== datetime */

static const struct call datetime_cases[] = {
    {"datetime", "validate", "[\"2024-08-26\", \"%Y-%m-%d\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"1998-06-06\", \"%Y-%m-%d\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"2024-02-29\", \"%Y-%m-%d\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"2024-13-26\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2024-06-32\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2024-08-26abc\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"not-a-date\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2024-08\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"08-26\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2024-08-26 10:00\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2023-02-29\", \"%Y-%m-%d\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2024-08-26 10:00:59\", \"%Y-%m-%d %H:%M:%S\"]", NULL, "True",
     NULL},
    {"datetime", "validate", "[\"10:30\", \"%H:%M\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"25:30\", \"%H:%M\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"2024\", \"%Y\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"Mon, 26 Aug 2024\", \"%a, %d %b %Y\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"Tue, 26 Aug 2024\", \"%a, %d %b %Y\"]", NULL, "False", NULL},
    {"datetime", "validate", "[\"26 August 2024 01:02 PM\", \"%d %B %Y %I:%M %p\"]", NULL, "True",
     NULL},
    {"datetime", "validate", "[\"2024-08-26T10:00:00+08:00\", \"%Y-%m-%dT%H:%M:%S%:z\"]", NULL,
     "True", NULL},
    {"datetime", "validate", "[\"2024-238\", \"%Y-%j\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"2024-08-26\", \"%F\"]", NULL, "True", NULL},
    {"datetime", "validate", "[\"2024-08-26\"]", NULL, NULL, "takes 2 positional arguments"},
    {"datetime", "is_rfc3339", "[\"2024-08-26T10:00:00Z\"]", NULL, "True", NULL},
    {"datetime", "is_rfc3339", "[\"2024-08-26t10:00:00.123+08:00\"]", NULL, "True", NULL},
    {"datetime", "is_rfc3339", "[\"2024-08-26T10:00:00\"]", NULL, "False", NULL},
    {"datetime", "is_rfc3339", "[\"2024-08-26T10:00Z\"]", NULL, "False", NULL},
    {"datetime", "is_rfc3339", "[\"2024-13-01T00:00:00Z\"]", NULL, "False", NULL},
    {"datetime", "is_rfc3339", "[\"2024-08-26T10:00:00+0800\"]", NULL, "False", NULL},
    {"datetime", "is_iso8601", "[\"2024-08-26\"]", NULL, "True", NULL},
    {"datetime", "is_iso8601", "[\"20240826\"]", NULL, "True", NULL},
    {"datetime", "is_iso8601", "[\"2024-08-26T10:00\"]", NULL, "True", NULL},
    {"datetime", "is_iso8601", "[\"2024-08-26T10:00:00.5+0800\"]", NULL, "True", NULL},
    {"datetime", "is_iso8601", "[\"2024-8-26\"]", NULL, "False", NULL},
    {"datetime", "is_iso8601", "[\"2024-08-26 10:00\"]", NULL, "False", NULL},
};
CASES_TEST(test_datetime, datetime_cases)

START_TEST(test_datetime_clock)
{
    struct value d = call_ok("datetime", "date", "[]");
    struct list *args = list_new(&fx_vm, 2);
    list_push(&fx_vm, args, d);
    list_push(&fx_vm, args, v_str(str_cstr(&fx_vm, "%Y-%m-%d %H:%M:%S")));
    struct value ok;
    ck_assert(call_values("datetime", "validate", v_list(args), v_undef(), &ok));
    ck_assert_msg(ok.tag == V_BOOL && ok.as.i, "date() = %s", d.as.s->b);

    struct value t = call_ok("datetime", "today", "[]");
    const char *dot = strchr(t.as.s->b, '.');
    ck_assert_ptr_nonnull(dot);
    ck_assert_ptr_null(strchr(dot + 1, '.'));
    ck_assert_uint_eq((size_t)(dot - t.as.s->b), 19);

    struct value k = call_ok("datetime", "ticks", "[]");
    ck_assert_int_eq(k.tag, V_FLOAT);
    ck_assert(k.as.f > 1.7e9 && k.as.f == floor(k.as.f));

    struct value y = call_ok("datetime", "now", "[\"%Y|%3f|%%\"]");
    ck_assert_uint_eq(y.as.s->len, 10);
    ck_assert_int_eq(y.as.s->b[4], '|');
    ck_assert_str_eq(y.as.s->b + 8, "|%");
    struct value n = call_ok("datetime", "now", "[]"); /* "Sat Jun 06 16:26:11 1998" */
    ck_assert_uint_eq(n.as.s->len, 24);
    char day[4];
    memcpy(day, n.as.s->b, 3);
    day[3] = '\0';
    ck_assert_ptr_nonnull(strstr("Sun Mon Tue Wed Thu Fri Sat", day));
    struct value w = call_ok("datetime", "now", "[\"%A %p\"]");
    ck_assert_msg(strstr(w.as.s->b, "day ") &&
                      (strstr(w.as.s->b, " AM") || strstr(w.as.s->b, " PM")),
                  "now('%%A %%p') = %s", w.as.s->b);
}
END_TEST

/* {===== net */

static const struct call net_cases[] = {
    {"net", "split_host_port", "[\"B-K0NZJGH6-0048.local:80\"]", NULL,
     "[\"B-K0NZJGH6-0048.local\", \"80\"]", NULL},
    {"net", "split_host_port", "[\"[::1]:80\"]", NULL, "[\"::1\", \"80\"]", NULL},
    {"net", "split_host_port", "[\"test-host\"]", NULL, NULL, "\"test-host\" missing port"},
    {"net", "split_host_port", "[\"test-host:7:80\"]", NULL, NULL, "too many colons"},
    {"net", "split_host_port", "[\"[2001:db8::]80\"]", NULL, NULL, "missing port"},
    {"net", "split_host_port", "[\"[2001:db8::]:9:80\"]", NULL, NULL, "too many colons"},
    {"net", "split_host_port", "[\"[2001:db8:::80\"]", NULL, NULL, "missing ']'"},
    {"net", "split_host_port", "[\"t[est-host:80\"]", NULL, NULL, "unexpected '['"},
    {"net", "split_host_port", "[\"]test-host:80\"]", NULL, NULL, "unexpected ']'"},
    {"net", "join_host_port", "[\"B-K0NZJGH6-0048.local\", 80]", NULL,
     "\"B-K0NZJGH6-0048.local:80\"", NULL},
    {"net", "join_host_port", "[\"::1\", \"80\"]", NULL, "\"[::1]:80\"", NULL},
    {"net", "parse_IP", "[\"2001:0db8:0:0:0:0:0:0\"]", NULL, "\"2001:db8::\"", NULL},
    {"net", "parse_IP", "[\"2001:db8:0:1:0:0:0:1\"]", NULL, "\"2001:db8:0:1::1\"", NULL},
    {"net", "parse_IP", "[\"1:0:2:0:3:0:4:0\"]", NULL, "\"1:0:2:0:3:0:4:0\"", NULL},
    {"net", "parse_IP", "[\"invalid\"]", NULL, "\"\"", NULL},
    {"net", "IP_string", "[\"192.168.0.1\"]", NULL, "\"192.168.0.1\"", NULL},
    {"net", "to_IP4", "[\"::FFFF:192.168.1.10\"]", NULL, "\"192.168.1.10\"", NULL},
    {"net", "to_IP6", "[\"192.168.1.10\"]", NULL, "\"::ffff:192.168.1.10\"", NULL},
    {"net", "is_IP", "[\"192.168.0,1\"]", NULL, "False", NULL},
    {"net", "is_IP", "[\"192.0022.1.1\"]", NULL, "False", NULL},
    {"net", "is_IP", "[\"0xFF.0xFF.0xFF.0xFF\"]", NULL, "False", NULL},
    {"net", "is_IP", "[\"255.255.0.1\"]", NULL, "True", NULL},
    {"net", "is_IP", "[\"::1\"]", NULL, "True", NULL},
    {"net", "is_IPv4", "[\"::1\"]", NULL, "False", NULL},
    {"net", "is_IPv6", "[\"::1\"]", NULL, "True", NULL},
    {"net", "is_multicast_IP", "[\"239.255.255.255\"]", NULL, "True", NULL},
    {"net", "is_multicast_IP", "[\"ff02::1\"]", NULL, "True", NULL},
    {"net", "is_loopback_IP", "[\"127.1.2.3\"]", NULL, "True", NULL},
    {"net", "is_loopback_IP", "[\"::\"]", NULL, "False", NULL},
    {"net", "is_link_local_multicast_IP", "[\"224.0.0.0\"]", NULL, "True", NULL},
    {"net", "is_link_local_multicast_IP", "[\"ff12::1\"]", NULL, "True", NULL},
    {"net", "is_link_local_unicast_IP", "[\"fe80::2012:1\"]", NULL, "True", NULL},
    {"net", "is_global_unicast_IP", "[\"220.181.108.89\"]", NULL, "True", NULL},
    {"net", "is_global_unicast_IP", "[\"10.0.0.1\"]", NULL, "False", NULL},
    {"net", "is_global_unicast_IP", "[\"2607:f8b0:4005:802::200e\"]", NULL, "True", NULL},
    {"net", "is_global_unicast_IP", "[\"64:ff9b::800:1\"]", NULL, "True", NULL},
    {"net", "is_global_unicast_IP", "[\"fe80::1\"]", NULL, "False", NULL},
    {"net", "is_unspecified_IP", "[\"0.0.0.0\"]", NULL, "True", NULL},
    {"net", "is_interface_local_multicast_IP", "[\"224.0.0.0\"]", NULL, "False", NULL},
    {"net", "is_interface_local_multicast_IP", "[\"ff11::1\"]", NULL, "True", NULL},
    {"net", "parse_CIDR", "[\"192.168.1.0/24\"]", NULL, "{\"ip\": \"192.168.1.0\", \"mask\": 24}",
     NULL},
    {"net", "parse_CIDR", "[\"2001:db8::/56\"]", NULL, "{\"ip\": \"2001:db8::\", \"mask\": 56}",
     NULL},
    {"net", "parse_CIDR", "[\"10.1.2.3\"]", NULL, "{\"ip\": \"10.1.2.3\", \"mask\": 32}", NULL},
    {"net", "parse_CIDR", "[\"10.128.0.0/8\"]", NULL, "{}", NULL},
    {"net", "parse_CIDR", "[\"10.0.0.0/33\"]", NULL, "{}", NULL},
    {"net", "parse_CIDR", "[\"10.0.0.0/8/8\"]", NULL, "{}", NULL},
    {"net", "is_IP_in_CIDR", "[\"192.168.1.1\", \"192.168.1.0/24\"]", NULL, "True", NULL},
    {"net", "is_IP_in_CIDR", "[\"192.168.0.1\", \"192.168.1.0/24\"]", NULL, "False", NULL},
    {"net", "is_IP_in_CIDR", "[\"2001:db8::1\", \"2001:db8::/64\"]", NULL, "True", NULL},
    {"net", "is_IP_in_CIDR", "[\"10.1.2.3\", \"::/0\"]", NULL, "True", NULL},
    {"net", "is_IP_in_CIDR", "[\"x\", \"::/0\"]", NULL, NULL, "invalid ip"},
    {"net", "CIDR_subnet", "[\"10.0.0.0/8\", 8, 5]", NULL, "\"10.5.0.0/16\"", NULL},
    {"net", "CIDR_subnet", "[\"2001:db8::/56\", 8, 25]", NULL, "\"2001:db8:0:19::/64\"", NULL},
    {"net", "CIDR_subnet", "[\"10.0.0.0/8\", 8, 256]", NULL, NULL,
     "additional_bits of 8 does not accommodate a net_num of 256"},
    {"net", "CIDR_subnet", "[\"10.0.0.0/8\", 25, 0]", NULL, NULL, "too long for IPv4"},
    {"net", "CIDR_subnets", "[\"10.0.0.0/8\", [8, 8]]", NULL, "[\"10.0.0.0/16\", \"10.1.0.0/16\"]",
     NULL},
    {"net", "CIDR_subnets", "[\"2001:db8::/56\", [8, 8]]", NULL,
     "[\"2001:db8::/64\", \"2001:db8:0:1::/64\"]", NULL},
    {"net", "CIDR_subnets", "[\"10.0.0.0/8\", [16, 8, 16]]", NULL,
     "[\"10.0.0.0/24\", \"10.1.0.0/16\", \"10.0.1.0/24\"]", NULL},
    {"net", "CIDR_subnets", "[\"10.0.0.0/30\", [1, 1, 1]]", NULL, NULL,
     "not enough remaining address space for a subnet with a prefix of 31 bits after "
     "10.0.0.2/31"},
    {"net", "CIDR_host", "[\"10.0.0.0/8\", 5]", NULL, "\"10.0.0.5\"", NULL},
    {"net", "CIDR_host", "[\"10.0.0.0/8\", -1]", NULL, "\"10.255.255.255\"", NULL},
    {"net", "CIDR_host", "[\"2001:db8::/56\", 25]", NULL, "\"2001:db8::19\"", NULL},
    {"net", "CIDR_host", "[\"2001:db8::/56\", -1]", NULL, "\"2001:db8:0:ff:ffff:ffff:ffff:ffff\"",
     NULL},
    {"net", "CIDR_host", "[\"10.0.0.0/24\", 256]", NULL, NULL,
     "prefix of 24 does not accommodate a host numbered 256"},
    {"net", "CIDR_netmask", "[\"10.0.0.0/8\"]", NULL, "\"255.0.0.0\"", NULL},
    {"net", "CIDR_netmask", "[\"10.0.0.0/19\"]", NULL, "\"255.255.224.0\"", NULL},
    {"net", "CIDR_netmask", "[\"0.0.0.0/0\"]", NULL, "\"0.0.0.0\"", NULL},
    {"net", "CIDR_netmask", "[\"::/0\"]", NULL, NULL, "cannot have a netmask"},
};
CASES_TEST(test_net, net_cases)

/* {===== template */

static const struct call template_cases[] = {
    {"template", "execute", "[\"{{value}}\", {\"value\": \"<div>test</div>\"}]", NULL,
     "\"&lt;div&gt;test&lt;/div&gt;\"", NULL},
    {"template", "execute", "[\"{{raw value}}\", {\"value\": \"<div>test</div>\"}]", NULL,
     "\"<div>test</div>\"", NULL},
    {"template", "execute", "[\"{{{value}}}|{{& value}}\", {\"value\": \"a'b\"}]", NULL,
     "\"a'b|a'b\"", NULL},
    {"template", "execute", "[\"{{raw value}}\", {\"value\": \"value: \\\"test\\\"\"}]", NULL,
     "\"value: \\\"test\\\"\"", NULL},
    {"template", "execute", "[\"Hello {{name}}!\"]", "{\"data\": {\"name\": \"x\"}}",
     "\"Hello x!\"", NULL},
    {"template", "execute", "[\"Hello {{name}}!{{a.b}}\", {}]", NULL, "\"Hello !\"", NULL},
    {"template", "execute", "[\"Hello\"]", NULL, "\"Hello\"", NULL},
    {"template", "execute",
     "[\"{{n}} {{f}} {{b}} {{l}} {{d}} {{z}}.\", {\"n\": 1, \"f\": 1.5, \"b\": True, "
     "\"l\": [1, \"x\"], \"d\": {\"a\": 1}, \"z\": None}]",
     NULL, "\"1 1.5 true [1, x, ] [object] .\"", NULL},
    {"template", "execute", "[\"{{#if a}}yes{{else}}no{{/if}}\", {\"a\": True}]", NULL, "\"yes\"",
     NULL},
    {"template", "execute", "[\"{{#if a}}yes{{else}}no{{/if}}\", {\"a\": 0}]", NULL, "\"no\"",
     NULL},
    {"template", "execute", "[\"{{#if a includeZero=true}}yes{{/if}}\", {\"a\": 0}]", NULL,
     "\"yes\"", NULL},
    {"template", "execute", "[\"{{#if a}}yes{{else}}no{{/if}}\", {\"a\": []}]", NULL, "\"no\"",
     NULL},
    {"template", "execute", "[\"{{#if a}}A{{else if b}}B{{else}}C{{/if}}\", {\"b\": \"x\"}]", NULL,
     "\"B\"", NULL},
    {"template", "execute", "[\"{{#if a}}A{{else if b}}B{{else}}C{{/if}}\", {}]", NULL, "\"C\"",
     NULL},
    {"template", "execute", "[\"{{#unless a}}no{{/unless}}\", {\"a\": False}]", NULL, "\"no\"",
     NULL},
    {"template", "execute", "[\"{{^a}}none{{/a}}\", {\"a\": \"\"}]", NULL, "\"none\"", NULL},
    {"template", "execute",
     "[\"{{#a}}[{{.}}]{{/a}}{{#b}}{{c}}{{/b}}\", {\"a\": [1, 2], \"b\": "
     "{\"c\": 3}}]",
     NULL, "\"[1][2]3\"", NULL},
    {"template", "execute",
     "[\"{{#each items}}{{@index}}:{{this}}{{#if @last}}.{{else}},{{/if}}{{/each}}\", "
     "{\"items\": [\"a\", \"b\"]}]",
     NULL, "\"0:a,1:b.\"", NULL},
    {"template", "execute",
     "[\"{{#each m}}{{@key}}={{this}};{{/each}}\", {\"m\": {\"x\": 1, "
     "\"y\": 2}}]",
     NULL, "\"x=1;y=2;\"", NULL},
    {"template", "execute", "[\"{{#each items}}x{{else}}none{{/each}}\", {\"items\": []}]", NULL,
     "\"none\"", NULL},
    {"template", "execute",
     "[\"{{#each items}}{{../title}}-{{name}} {{/each}}\", {\"title\": \"T\", \"items\": "
     "[{\"name\": \"a\"}, {\"name\": \"b\"}]}]",
     NULL, "\"T-a T-b \"", NULL},
    {"template", "execute",
     "[\"{{#each items as |it i|}}{{i}}={{it}} {{/each}}\", {\"items\": [\"a\", \"b\"]}]", NULL,
     "\"0=a 1=b \"", NULL},
    {"template", "execute",
     "[\"{{#with p}}{{name}}/{{@root.t}}{{/with}}\", {\"t\": 1, \"p\": "
     "{\"name\": \"n\"}}]",
     NULL, "\"n/1\"", NULL},
    {"template", "execute",
     "[\"{{a.b.c}} {{items.[1]}} {{items.0}}\", {\"a\": {\"b\": {\"c\": "
     "\"deep\"}}, \"items\": [\"x\", \"y\"]}]",
     NULL, "\"deep y x\"", NULL},
    {"template", "execute",
     "[\"{{#if (eq a 1)}}one{{/if}}{{#if (gt a 0)}}+{{/if}}{{not a}}{{len l}}\", {\"a\": 1, "
     "\"l\": [1, 2]}]",
     NULL, "\"one+false2\"", NULL},
    {"template", "execute",
     "[\"{{#if (and a (or b c))}}y{{else}}n{{/if}}\", {\"a\": 1, \"c\": "
     "1}]",
     NULL, "\"y\"", NULL},
    {"template", "execute", "[\"{{lookup m k}}\", {\"m\": {\"x\": \"X\"}, \"k\": \"x\"}]", NULL,
     "\"X\"", NULL},
    {"template", "execute",
     "[\"list:\\n{{#each l}}\\n  - {{this}}\\n{{/each}}\\nend\", {\"l\": "
     "[1, 2]}]",
     NULL, "\"list:\\n  - 1\\n  - 2\\nend\"", NULL},
    {"template", "execute", "[\"{{#if a}}\\n  x\\n{{/if}}\\n\", {\"a\": True}]", NULL, "\"  x\\n\"",
     NULL},
    {"template", "execute", "[\" x {{~a~}} y \", {\"a\": \"A\"}]", NULL, "\" xAy \"", NULL},
    {"template", "execute", "[\"{{! c }}{{!-- }} --}}x\\\\{{a}}\", {\"a\": 1}]", NULL, "\"x{{a}}\"",
     NULL},
    {"template", "execute", "[\"{{#if a}}x\", {}]", NULL, NULL, "unclosed block 'if'"},
    {"template", "execute", "[\"{{#if a}}x{{/each}}\", {}]", NULL, NULL, "does not match"},
    {"template", "execute", "[\"{{#foo a}}{{/foo}}\", {}]", NULL, NULL,
     "block helper 'foo' not found"},
    {"template", "execute", "[\"{{foo a}}\", {}]", NULL, NULL, "helper not found: foo"},
    {"template", "execute", "[\"{{a\", {}]", NULL, NULL, "unclosed expression"},
    {"template", "execute", "[\"x\", 1]", NULL, NULL, "must be dict"},
    {"template", "html_escape", "[\"<a href=\\\"x\\\">'&'`</a>\"]", NULL,
     "\"&lt;a href&#x3D;&quot;x&quot;&gt;&#x27;&amp;&#x27;&#x60;&lt;/a&gt;\"", NULL},
};
CASES_TEST(test_template, template_cases)

/* {===== collection */

static const struct call collection_cases[] = {
    {"collection", "union_all", "[[{\"a\": 1}, {\"b\": 2}, {\"a\": 1}]]", NULL,
     "{\"a\": 1, \"b\": 2}", NULL},
    /* a fold with `|`: KCL's idempotent check refuses a key given two values */
    {"collection", "union_all", "[[{\"a\": 1}, {\"b\": 2}, {\"a\": 3}]]", NULL, NULL,
     "conflicting values on the attribute 'a'"},
    {"collection", "union_all", "[[{\"a\": {\"x\": 1}}, {\"a\": {\"y\": 2}}]]", NULL,
     "{\"a\": {\"x\": 1, \"y\": 2}}", NULL},
    {"collection", "union_all", "[[]]", NULL, "{}", NULL},
    {"collection", "union_all", "[1]", NULL, "{}", NULL},
    {"collection", "union_all", "[]", NULL, NULL, "takes 1 positional argument"},
};
/* eval.c's v_union works on an evaluator; plain dicts need no more of it than its vm. */
START_TEST(test_collection)
{
    struct eval ev;
    memset(&ev, 0, sizeof ev);
    ev.vm = &fx_vm;
    struct eval *saved = fx_vm.ev;
    fx_vm.ev = &ev;
    check_call(&collection_cases[_i]);
    fx_vm.ev = saved;
}
END_TEST

/* {===== file (in a scratch directory) */

/* mod.fn with the argument list literal printf'ed from fmt (paths under fx_dir). */
static struct value call_fmt(const char *mod, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct value call_fmt(const char *mod, const char *fn, const char *fmt, ...)
{
    char args[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return call_ok(mod, fn, args);
}

#define call_path(mod, fn, fmt, rel) call_fmt(mod, fn, fmt, fx_dir, rel)

static const char *call_err(const char *mod, const char *fn, const char *args)
{
    struct value out;
    ck_assert_msg(!call_values(mod, fn, lit(args), v_undef(), &out), "%s.%s(%s): no error", mod, fn,
                  args);
    return last_message();
}

START_TEST(test_file_ops)
{
    char args[512];
    ck_assert(same(call_path("file", "exists", "[\"%s/%s\"]", "a.txt"), v_bool(false)));
    ck_assert(same(call_path("file", "write", "[\"%s/%s\", \"Hello\"]", "a.txt"), v_none()));
    ck_assert(same(call_path("file", "append", "[\"%s/%s\", \", world!\"]", "a.txt"), v_none()));
    ck_assert(same(call_path("file", "read", "[\"%s/%s\"]", "a.txt"), lit("\"Hello, world!\"")));
    ck_assert(same(call_path("file", "readbase64", "[\"%s/%s\"]", "a.txt"),
                   lit("\"SGVsbG8sIHdvcmxkIQ==\"")));
    ck_assert(same(call_path("file", "exists", "[\"%s/%s\"]", "a.txt"), v_bool(true)));
    ck_assert(same(call_path("file", "size", "[\"%s/%s\"]", "a.txt"), v_int(13)));
    ck_assert(same(call_path("file", "mkdir", "[\"%s/%s\"]", "d/e"), v_none()));
    ck_assert(same(call_path("file", "mkdir", "[\"%s/%s\"]", "d/e"), v_none())); /* exists */
    ck_assert(same(call_path("file", "cp", "[\"%s/a.txt\", \"%s/d/e/b.json\"]", fx_dir), v_none()));
    ck_assert(same(call_path("file", "cp", "[\"%s/d\", \"%s/d2\"]", fx_dir), v_none()));
    ck_assert(
        same(call_path("file", "read", "[\"%s/%s\"]", "d2/e/b.json"), lit("\"Hello, world!\"")));
    ck_assert(
        same(call_path("file", "mv", "[\"%s/d2/e/b.json\", \"%s/c.json\"]", fx_dir), v_none()));
    struct value gj = call_path("file", "glob", "[\"%s/%s\"]", "*.json");
    ck_assert_uint_eq(gj.as.l->n, 1);
    ck_assert_ptr_nonnull(strstr(gj.as.l->v[0].as.s->b, "/c.json"));
    struct value g = call_path("file", "glob", "[\"%s/%s\"]", "*.txt");
    ck_assert_int_eq(g.tag, V_LIST);
    ck_assert_uint_eq(g.as.l->n, 1);
    ck_assert_ptr_nonnull(strstr(g.as.l->v[0].as.s->b, "/a.txt"));
    ck_assert(same(call_path("file", "glob", "[\"%s/%s\"]", "*.none"), lit("[]")));
    struct value ab = call_path("file", "abs", "[\"%s/d/../%s\"]", "a.txt");
    ck_assert_ptr_nonnull(strstr(ab.as.s->b, "/a.txt"));
    ck_assert_ptr_null(strstr(ab.as.s->b, ".."));
    ck_assert(same(call_path("file", "delete", "[\"%s/%s\"]", "c.json"), v_none()));
    ck_assert(same(call_path("file", "delete", "[\"%s/%s\"]", "d2/e"), v_none()));
    ck_assert(same(call_path("file", "exists", "[\"%s/%s\"]", "d2/e"), v_bool(false)));

    /* KCL's messages */
    snprintf(args, sizeof args, "[\"%s/nope.txt\"]", fx_dir);
    ck_assert_ptr_nonnull(strstr(call_err("file", "read", args),
                                 "/nope.txt': No such file or directory (os error 2)"));
    ck_assert_str_eq(call_err("file", "read", "[\"not_exist.txt\"]"),
                     "failed to access the file 'not_exist.txt': No such file or directory (os "
                     "error 2)");
    ck_assert_str_eq(call_err("file", "size", "[\"source_file.txt\"]"),
                     "failed to get size of 'source_file.txt': No such file or directory (os "
                     "error 2)");
    ck_assert_str_eq(call_err("file", "delete", "[\"test_dir_that_is_not_here\"]"),
                     "failed to delete 'test_dir_that_is_not_here': No such file or directory "
                     "(os error 2)");
    ck_assert_str_eq(call_err("file", "cp", "[\"source.txt\", \"destination.txt\"]"),
                     "Failed to copy from 'source.txt' to 'destination.txt': No such file or "
                     "directory (os error 2)");
    snprintf(args, sizeof args, "[\"%s/a.txt/x\"]", fx_dir);
    ck_assert_ptr_nonnull(strstr(call_err("file", "mkdir", args), "Failed to create directory"));
    ck_assert_ptr_nonnull(strstr(call_err("file", "abs", "[\"/no/such/path\"]"),
                                 "Could not get the absolute path of /no/such/path"));

    /* invalid UTF-8 is not text */
    char path[256];
    snprintf(path, sizeof path, "%s/bin", fx_dir);
    FILE *f = fopen(path, "wb");
    fputs("\xff\xfe", f);
    fclose(f);
    snprintf(args, sizeof args, "[\"%s\"]", path);
    ck_assert_ptr_nonnull(strstr(call_err("file", "read", args), "did not contain valid UTF-8"));
}
END_TEST

START_TEST(test_file_context)
{
    const char *root = vm_module_root(&fx_vm);
    const char *cur = vm_current_file(&fx_vm);
    ck_assert(same(call_ok("file", "modpath", "[]"), v_str(str_cstr(&fx_vm, root ? root : ""))));
    ck_assert(same(call_ok("file", "current", "[]"), v_str(str_cstr(&fx_vm, cur ? cur : ""))));
    ck_assert(same(call_ok("file", "workdir", "[]"), lit("\"\"")));
    setenv("SCL_CHECK_STDLIB_ENV", "v1", 1);
    ck_assert(same(call_ok("file", "read_env", "[\"SCL_CHECK_STDLIB_ENV\"]"), lit("\"v1\"")));
    unsetenv("SCL_CHECK_STDLIB_ENV");
    ck_assert(same(call_ok("file", "read_env", "[\"SCL_CHECK_STDLIB_ENV\"]"), v_undef()));
}
END_TEST

/* json/yaml dump_to_file write what encode returns (JSON without, YAML with a newline). */
START_TEST(test_dump_to_file)
{
    struct value v = call_path("json", "dump_to_file", "[\"key: value\", \"%s/%s\"]", "0.json");
    ck_assert(same(v, v_undef()));
    ck_assert(
        same(call_path("file", "read", "[\"%s/%s\"]", "0.json"), lit("\"\\\"key: value\\\"\"")));
    char args[512];
    snprintf(args, sizeof args,
             "[{\"name\": \"Alice\", \"data\": [1, 2, None]}, \"%s/out.json\", False, 4, True, "
             "True]",
             fx_dir);
    call_ok("json", "dump_to_file", args);
    ck_assert(same(call_path("file", "read", "[\"%s/%s\"]", "out.json"),
                   lit("\"{\\n    \\\"name\\\": \\\"Alice\\\",\\n    \\\"data\\\": [\\n        1,"
                       "\\n        2\\n    ]\\n}\"")));
    call_path("yaml", "dump_to_file", "[\"key: value\", \"%s/%s\"]", "0.yaml");
    ck_assert(same(call_path("file", "read", "[\"%s/%s\"]", "0.yaml"), lit("\"'key: value'\\n\"")));
    call_path("yaml", "dump_all_to_file", "[[1, 2], \"%s/%s\"]", "all.yaml");
    ck_assert(
        same(call_path("file", "read", "[\"%s/%s\"]", "all.yaml"), lit("\"1\\n\\n---\\n2\\n\"")));
    ck_assert_ptr_nonnull(strstr(call_err("json", "dump_to_file", "[1, \"/no/such/dir/x.json\"]"),
                                 "Unable to write file '/no/such/dir/x.json'"));
}
END_TEST

/* {===== the suite */

#define ADD_CASES(tc, fn, table) tcase_add_loop_test(tc, fn, 0, sizeof table / sizeof table[0])

static Suite *stdlib_suite(void)
{
    Suite *s = suite_create("stdlib");
    TCase *tc = tcase_create("modules");
    tcase_add_checked_fixture(tc, setup, teardown);
    ADD_CASES(tc, test_math, math_cases);
    ADD_CASES(tc, test_json, json_cases);
    tcase_add_test(tc, test_json_depth);
    ADD_CASES(tc, test_yaml, yaml_cases);
    ADD_CASES(tc, test_base, base_cases);
    ADD_CASES(tc, test_regex, regex_cases);
    ADD_CASES(tc, test_crypto, crypto_cases);
    tcase_add_test(tc, test_blake3_tree);
    tcase_add_test(tc, test_uuid_and_filesha);
    ADD_CASES(tc, test_units, units_cases);
    tcase_add_test(tc, test_units_consts);
    ADD_CASES(tc, test_datetime, datetime_cases);
    tcase_add_test(tc, test_datetime_clock);
    ADD_CASES(tc, test_net, net_cases);
    ADD_CASES(tc, test_template, template_cases);
    ADD_CASES(tc, test_collection, collection_cases);
    tcase_add_test(tc, test_file_ops);
    tcase_add_test(tc, test_file_context);
    tcase_add_test(tc, test_dump_to_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stdlib_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
