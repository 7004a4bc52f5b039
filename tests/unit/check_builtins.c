/* Unit tests of the builtin functions (stdlib/builtins.c) and str methods
 * (stdlib/str_methods.c), called through their registration tables. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "runtime/schema.h"
#include "runtime/value.h"
#include "runtime/vm.h"
#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

/* {===== fixture: one vm per test */

static struct arena fx_arena;
static struct diags fx_diags;
static struct vm fx_vm;
static struct sbuf fx_out; /* what print() wrote */

static int capture(void *ud, const char *buf, size_t len)
{
    (void)ud;
    sbuf_put(&fx_out, buf, len);
    return 0;
}

static void setup(void)
{
    arena_init(&fx_arena, NULL, NULL);
    diags_init(&fx_diags, &fx_arena);
    vm_init(&fx_vm, &fx_arena, &fx_diags);
    fx_vm.out_w = capture;
    sbuf_init(&fx_out, &fx_vm);
}

static void teardown(void)
{
    arena_free(&fx_arena);
}

/* {===== value literals: 1, -2.5, "s", True, False, None, Undefined, [..], {"k": v}, fn */

static struct value two_args(struct vm *vm, const struct callargs *a)
{
    (void)vm;
    return a->npos == 2 ? a->pos[1] : v_none();
}

static void skip_ws(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

static struct value parse_lit(struct vm *vm, const char **p)
{
    skip_ws(p);
    const char *s = *p;
    if (*s == '[') {
        struct list *l = list_new(vm, 0);
        (*p)++;
        skip_ws(p);
        while (**p != ']') {
            list_push(vm, l, parse_lit(vm, p));
            skip_ws(p);
            if (**p == ',')
                (*p)++;
            skip_ws(p);
        }
        (*p)++;
        return v_list(l);
    }
    if (*s == '{') {
        struct dict *d = dict_new(vm, 0);
        (*p)++;
        skip_ws(p);
        while (**p != '}') {
            struct value k = parse_lit(vm, p);
            skip_ws(p);
            ck_assert_int_eq(**p, ':');
            (*p)++;
            dict_set(vm, d, k.as.s, parse_lit(vm, p));
            skip_ws(p);
            if (**p == ',')
                (*p)++;
            skip_ws(p);
        }
        (*p)++;
        return v_dict(d);
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
        int kind;
    } words[] = {{"True", 1}, {"False", 2}, {"None", 3}, {"Undefined", 4}, {"fn", 5}, {"nan", 6}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (!strncmp(s, words[i].word, n)) {
            *p = s + n;
            switch (words[i].kind) {
            case 1:
                return v_bool(true);
            case 2:
                return v_bool(false);
            case 3:
                return v_none();
            case 4:
                return v_undef();
            case 6:
                return v_float(NAN);
            default:
                return v_func(vm_native(vm, "fn", two_args));
            }
        }
    }
    char *end;
    size_t n = strcspn(s, ",]}: ");
    if (memchr(s, '.', n) || memchr(s, 'e', n)) {
        double f = strtod(s, &end);
        *p = end;
        return v_float(f);
    }
    long long i = strtoll(s, &end, 10);
    ck_assert_ptr_ne(end, s);
    *p = end;
    return v_int(i);
}

static struct value lit(const char *s)
{
    return parse_lit(&fx_vm, &s);
}

/* Exact equality: tags must match too (1 is not 1.0), NaN equals NaN. */
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
        return (isnan(a.as.f) && isnan(b.as.f)) || a.as.f == b.as.f;
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
            if (x->key->len != y->key->len || memcmp(x->key->b, y->key->b, x->key->len) ||
                !same(x->val, y->val))
                return false;
        return true;
    }
    default:
        return false;
    }
}

static void show(struct sbuf *b, struct value v)
{
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
        sbuf_printf(b, "%.17g(float)", v.as.f);
        break;
    case V_STR:
        sbuf_printf(b, "\"%s\"", v.as.s->b);
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
    case V_DICT: {
        struct dict_entry *e;
        sbuf_putc(b, '{');
        for (uint32_t i = 0; dict_next(v.as.d, &i, &e);) {
            sbuf_printf(b, "\"%s\": ", e->key->b);
            show(b, e->val);
            sbuf_puts(b, ", ");
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

/* {===== calling a native */

struct call {
    const char *fn;     /* builtin name, or ".name" for a str method */
    const char *self;   /* receiver literal of a method */
    const char *args;   /* list literal of positional arguments */
    const char *kwargs; /* dict literal of keyword arguments, or NULL */
    const char *want;   /* literal of the result; NULL: an error is expected */
    const char *err;    /* substring of the expected error message */
};

struct run {
    const struct call *c;
    struct value result;
};

static native_fn find_builtin(const char *name)
{
    size_t n;
    const struct native_def *t = stdlib_builtins(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return t[i].fn;
    return NULL;
}

static void do_call(struct vm *vm, void *ud)
{
    struct run *r = ud;
    const struct call *c = r->c;
    struct callargs a;
    memset(&a, 0, sizeof a);
    a.self = v_undef();
    struct value args = lit(c->args ? c->args : "[]");
    a.pos = args.as.l->v;
    a.npos = args.as.l->n;
    if (c->kwargs) {
        struct value kw = lit(c->kwargs);
        struct str **names = vm_alloc(vm, (kw.as.d->n + 1) * sizeof *names);
        struct value *vals = vm_alloc(vm, (kw.as.d->n + 1) * sizeof *vals);
        struct dict_entry *e;
        for (uint32_t i = 0; dict_next(kw.as.d, &i, &e); a.nkw++) {
            names[a.nkw] = str_intern(vm, e->key->b, e->key->len);
            vals[a.nkw] = e->val;
        }
        a.kwnames = names;
        a.kw = vals;
    }
    native_fn fn;
    if (c->fn[0] == '.') {
        fn = stdlib_str_method(c->fn + 1, strlen(c->fn + 1));
        a.self = lit(c->self);
    } else {
        fn = find_builtin(c->fn);
    }
    ck_assert_msg(fn != NULL, "no native %s", c->fn);
    r->result = fn(vm, &a);
}

static void check_call(const struct call *c)
{
    struct run r = {c, v_undef()};
    bool ok = vm_protect(&fx_vm, do_call, &r);
    const char *what = c->self ? c->self : "";
    if (c->want) {
        ck_assert_msg(ok, "%s%s(%s): unexpected error: %s", what, c->fn, c->args,
                      fx_vm.last_error ? fx_vm.last_error->message : "?");
        struct value want = lit(c->want);
        ck_assert_msg(same(r.result, want), "%s%s(%s): got %s, want %s", what, c->fn, c->args,
                      shown(r.result), shown(want));
    } else {
        ck_assert_msg(!ok, "%s%s(%s): no error, got %s", what, c->fn, c->args, shown(r.result));
        const char *msg = fx_vm.last_error->message;
        ck_assert_msg(strstr(msg, c->err) != NULL, "%s%s(%s): error '%s', want '%s'", what, c->fn,
                      c->args, msg, c->err);
    }
}

/* {===== builtins */

static const struct call builtin_cases[] = {
    /* len */
    {"len", NULL, "[\"hello\"]", NULL, "5", NULL},
    {"len", NULL, "[\"héllo\"]", NULL, "6", NULL},
    {"len", NULL, "[[1, 2, 3]]", NULL, "3", NULL},
    {"len", NULL, "[{\"a\": 1, \"b\": 2}]", NULL, "2", NULL},
    {"len", NULL, "[1]", NULL, NULL, "object of type 'int' has no len()"},
    {"len", NULL, "[]", NULL, NULL, "missing 1 required positional argument: 'inval'"},
    {"len", NULL, "[]", "{\"inval\": \"ab\"}", "2", NULL},
    {"len", NULL, "[\"a\"]", "{\"x\": 1}", NULL, "unexpected keyword argument 'x'"},
    {"len", NULL, "[\"a\", \"b\"]", NULL, NULL, "takes at most 1 argument (2 given)"},
    /* typeof, isnullish */
    {"typeof", NULL, "[None]", NULL, "\"None\"", NULL},
    {"typeof", NULL, "[\"a\"]", "{\"full_name\": True}", "\"str\"", NULL},
    {"isnullish", NULL, "[None]", NULL, "True", NULL},
    {"isnullish", NULL, "[Undefined]", NULL, "True", NULL},
    {"isnullish", NULL, "[[None]]", NULL, "False", NULL},
    {"isnullish", NULL, "[0]", NULL, "False", NULL},
    /* isunique */
    {"isunique", NULL, "[[100, 10, 100]]", NULL, "False", NULL},
    {"isunique", NULL, "[[100, 10]]", NULL, "True", NULL},
    {"isunique", NULL, "[[\"Hello\", \"world\", \"world\"]]", NULL, "False", NULL},
    {"isunique", NULL, "[[1, 1.0]]", NULL, "False", NULL},
    {"isunique", NULL, "[[]]", NULL, "True", NULL},
    {"isunique", NULL, "[[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]]", NULL, "True",
     NULL},
    {"isunique", NULL, "[[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,3]]", NULL, "False",
     NULL},
    {"isunique", NULL,
     "[[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","
     "\"o\",\"p\",\"q\",\"r\",\"a\"]]",
     NULL, "False", NULL},
    {"isunique", NULL, "[1]", NULL, NULL, "must be a list"},
    /* multiplyof, abs */
    {"multiplyof", NULL, "[25, 5]", NULL, "True", NULL},
    {"multiplyof", NULL, "[25, 7]", NULL, "False", NULL},
    {"multiplyof", NULL, "[-9223372036854775808, -1]", NULL, "True", NULL},
    {"multiplyof", NULL, "[5, 0]", NULL, NULL, "modulo by zero"},
    {"multiplyof", NULL, "[5]", NULL, NULL, "missing 1 required positional argument: 'b'"},
    {"abs", NULL, "[-40]", NULL, "40", NULL},
    {"abs", NULL, "[100.1]", NULL, "100.1", NULL},
    {"abs", NULL, "[-2.5]", NULL, "2.5", NULL},
    {"abs", NULL, "[\"a\"]", NULL, "Undefined", NULL},
    {"abs", NULL, "[-9223372036854775808]", NULL, NULL,
     "9223372036854775808: A 64 bit integer overflow"},
    /* all_true, any_true */
    {"all_true", NULL, "[[\"a\", \"b\", \"c\", \"d\"]]", NULL, "True", NULL},
    {"all_true", NULL, "[[\"a\", \"b\", \"\", \"d\"]]", NULL, "False", NULL},
    {"all_true", NULL, "[[0, 1, 2, 3]]", NULL, "False", NULL},
    {"all_true", NULL, "[[]]", NULL, "True", NULL},
    {"all_true", NULL, "[{\"a\": 1, \"b\": 0}]", NULL, "False", NULL},
    {"any_true", NULL, "[[\"a\", \"b\", \"\", \"d\"]]", NULL, "True", NULL},
    {"any_true", NULL, "[[0, \"\", False]]", NULL, "False", NULL},
    {"any_true", NULL, "[[]]", NULL, "False", NULL},
    {"any_true", NULL, "[{\"a\": 0, \"b\": 2}]", NULL, "True", NULL},
    /* hex, oct, bin, ord */
    {"hex", NULL, "[255]", NULL, "\"0xff\"", NULL},
    {"hex", NULL, "[-42]", NULL, "\"-0x2a\"", NULL},
    {"hex", NULL, "[12]", NULL, "\"0xc\"", NULL},
    {"hex", NULL, "[0]", NULL, "\"0x0\"", NULL},
    {"hex", NULL, "[-9223372036854775808]", NULL, "\"-0x8000000000000000\"", NULL},
    {"hex", NULL, "[1.5]", NULL, NULL, "'float' object cannot be interpreted as an integer"},
    {"oct", NULL, "[10]", NULL, "\"0o12\"", NULL},
    {"oct", NULL, "[15]", NULL, "\"0o17\"", NULL},
    {"oct", NULL, "[-8]", NULL, "\"-0o10\"", NULL},
    {"bin", NULL, "[10]", NULL, "\"0b1010\"", NULL},
    {"bin", NULL, "[20]", NULL, "\"0b10100\"", NULL},
    {"bin", NULL, "[-8]", NULL, "\"-0b1000\"", NULL},
    {"bin", NULL, "[-9223372036854775808]", NULL,
     "\"-0b1000000000000000000000000000000000000000000000000000000000000000\"", NULL},
    {"ord", NULL, "[\"A\"]", NULL, "65", NULL},
    {"ord", NULL, "[\"é\"]", NULL, "233", NULL},
    {"ord", NULL, "[\"你\"]", NULL, "20320", NULL},
    {"ord", NULL, "[\"😀\"]", NULL, "128512", NULL},
    {"ord", NULL, "[\"ab\"]", NULL, NULL, "expected string of length 1, but string of length 2"},
    {"ord", NULL, "[\"\"]", NULL, NULL, "string of length 0 found"},
    {"ord", NULL, "[1]", NULL, NULL, "ord() expected string of length 1, but int found"},
    /* sorted */
    {"sorted", NULL, "[[5, 2, 3, 1, 4]]", NULL, "[1, 2, 3, 4, 5]", NULL},
    {"sorted", NULL, "[[5, 0, 6, 1, 2, 7, 3, 4]]", "{\"reverse\": True}",
     "[7, 6, 5, 4, 3, 2, 1, 0]", NULL},
    {"sorted", NULL, "[\"bca\"]", NULL, "[\"a\", \"b\", \"c\"]", NULL},
    {"sorted", NULL, "[{\"b\": 1, \"a\": 2}]", NULL, "[\"a\", \"b\"]", NULL},
    {"sorted", NULL, "[[2.5, 1, 0]]", NULL, "[0, 1, 2.5]", NULL},
    {"sorted", NULL, "[[1, 1.0, 0]]", NULL, "[0, 1, 1.0]", NULL},
    {"sorted", NULL, "[[1, 1.0, 2]]", "{\"reverse\": True}", "[2, 1, 1.0]", NULL},
    {"sorted", NULL, "[[[2, 1], [1, 5], [1]]]", NULL, "[[1], [1, 5], [2, 1]]", NULL},
    {"sorted", NULL, "[[\"b\", \"B\", \"é\", \"a\"]]", NULL, "[\"B\", \"a\", \"b\", \"é\"]", NULL},
    {"sorted", NULL, "[[]]", NULL, "[]", NULL},
    {"sorted", NULL, "[[1, \"a\"]]", NULL, NULL, "not supported between instances"},
    {"sorted", NULL, "[1]", NULL, NULL, "sorted only for str|list|dict type"},
    /* range */
    {"range", NULL, "[5]", NULL, "[0, 1, 2, 3, 4]", NULL},
    {"range", NULL, "[0, 1, 2]", NULL, "[0]", NULL},
    {"range", NULL, "[5, 1, -2]", NULL, "[5, 3]", NULL},
    {"range", NULL, "[1, 5, 0]", NULL, NULL, "range() step argument must not be zero"},
    {"range", NULL, "[0]", NULL, "[]", NULL},
    {"range", NULL, "[3, 1]", NULL, "[]", NULL},
    {"range", NULL, "[-9223372036854775808, 9223372036854775807, 4611686018427387904]", NULL,
     "[-9223372036854775808, -4611686018427387904, 0, 4611686018427387904]", NULL},
    {"range", NULL, "[\"a\"]", NULL, NULL, "'str' object cannot be interpreted as an integer"},
    {"range", NULL, "[]", NULL, NULL, "missing 1 required positional argument"},
    /* max, min */
    {"max", NULL, "[80, 100, 1000]", NULL, "1000", NULL},
    {"max", NULL, "[-80, -20, -10]", NULL, "-10", NULL},
    {"max", NULL, "[[3, 9, 2]]", NULL, "9", NULL},
    {"max", NULL, "[\"hello\"]", NULL, "\"o\"", NULL},
    {"max", NULL, "[{\"b\": 1, \"a\": 2}]", NULL, "\"b\"", NULL},
    {"max", NULL, "[1, 1.0]", NULL, "1", NULL},
    {"max", NULL, "[[]]", NULL, NULL, "arg is an empty list"},
    {"max", NULL, "[\"\"]", NULL, NULL, "arg is an empty str"},
    {"max", NULL, "[]", NULL, NULL, "max() takes exactly one argument (0 given)"},
    {"max", NULL, "[1]", NULL, NULL, "int object is not iterable"},
    {"max", NULL, "[1, \"a\"]", NULL, NULL, "not supported between instances"},
    {"min", NULL, "[80, 100, 1000]", NULL, "80", NULL},
    {"min", NULL, "[-80, -20, -10]", NULL, "-80", NULL},
    {"min", NULL, "[2.0, 2]", NULL, "2.0", NULL},
    {"min", NULL, "[[\"b\", \"a\", \"c\"]]", NULL, "\"a\"", NULL},
    /* sum */
    {"sum", NULL, "[[0, 1, 2]]", NULL, "3", NULL},
    {"sum", NULL, "[[0, 1, 2, 3, 4], 2]", NULL, "12", NULL},
    {"sum", NULL, "[[1.5, 2]]", NULL, "3.5", NULL},
    {"sum", NULL, "[[[1], [2]], []]", NULL, "[1, 2]", NULL},
    {"sum", NULL, "[[]]", "{\"start\": 7}", "7", NULL},
    {"sum", NULL, "[[1], \"a\"]", NULL, NULL, "sum() can't sum strings"},
    {"sum", NULL, "[[\"a\"]]", NULL, NULL, "unsupported operand type(s) for +"},
    {"sum", NULL, "[[9223372036854775807, 1]]", NULL, NULL, "A 64 bit integer overflow"},
    {"sum", NULL, "[1]", NULL, NULL, "must be a list"},
    /* pow */
    {"pow", NULL, "[2, 10]", NULL, "1024", NULL},
    {"pow", NULL, "[3, 39]", NULL, "4052555153018976267", NULL},
    {"pow", NULL, "[2, -1]", NULL, "0.5", NULL},
    {"pow", NULL, "[2.0, 3]", NULL, "8.0", NULL},
    {"pow", NULL, "[4, 0.5]", NULL, "2.0", NULL},
    {"pow", NULL, "[2, 3, 5]", NULL, "3", NULL},
    {"pow", NULL, "[141592653589793, 238462643383279, 502884197169399]", NULL, "182523810312617",
     NULL},
    {"pow", NULL, "[-2, 3, 5]", NULL, "-3", NULL},
    {"pow", NULL, "[2, 0, 5]", NULL, "1", NULL},
    {"pow", NULL, "[2, 3, None]", NULL, "8", NULL},
    {"pow", NULL, "[2, -1, 5]", NULL, NULL, "2nd argument cannot be negative"},
    {"pow", NULL, "[2, 3, 0]", NULL, NULL, "pow() 3rd argument cannot be 0"},
    {"pow", NULL, "[2.0, 3, 5]", NULL, NULL, "not allowed unless all arguments are integers"},
    {"pow", NULL, "[2, 64]", NULL, NULL, "A 64 bit integer overflow"},
    {"pow", NULL, "[\"a\", 2]", NULL, NULL, "unsupported operand type(s) for pow()"},
    /* round */
    {"round", NULL, "[70.23456]", NULL, "70", NULL},
    {"round", NULL, "[80.264, 2]", NULL, "80.26", NULL},
    {"round", NULL, "[-100.000056, 3]", NULL, "-100.0", NULL},
    {"round", NULL, "[2.5]", NULL, "3", NULL},
    {"round", NULL, "[-2.5]", NULL, "-3", NULL},
    {"round", NULL, "[1.5555, 1]", NULL, "1.6", NULL},
    {"round", NULL, "[1.5555, 2]", NULL, "1.56", NULL},
    {"round", NULL, "[1.5555, 0]", NULL, "2.0", NULL},
    {"round", NULL, "[2.5, 0]", NULL, "3.0", NULL},
    /* KCL scales first: 2.675 * 100 is exactly 267.5, a tie (Python's exact decimal gives 2.67) */
    {"round", NULL, "[2.675, 2]", NULL, "2.68", NULL},
    {"round", NULL, "[0.125, 2]", NULL, "0.12", NULL},
    {"round", NULL, "[0.375, 2]", NULL, "0.38", NULL},
    {"round", NULL, "[1250.0, -2]", NULL, "1200.0", NULL},
    {"round", NULL, "[1234, 2]", NULL, "1234.0", NULL},
    {"round", NULL, "[1234]", NULL, "1234", NULL},
    {"round", NULL, "[1.5, None]", NULL, "2", NULL},
    {"round", NULL, "[\"a\"]", NULL, NULL, "type str doesn't define __round__ method"},
    /* zip */
    {"zip", NULL, "[[0, 1, 2], [3, 4, 5]]", NULL, "[[0, 3], [1, 4], [2, 5]]", NULL},
    {"zip", NULL, "[[0, 1], [3, 4, 5]]", NULL, "[[0, 3], [1, 4]]", NULL},
    {"zip", NULL, "[[0, 1, 2], [3, 4, 5, 6]]", NULL, "[[0, 3], [1, 4], [2, 5]]", NULL},
    {"zip", NULL, "[\"ab\", [1, 2, 3]]", NULL, "[[\"a\", 1], [\"b\", 2]]", NULL},
    {"zip", NULL, "[]", NULL, "[]", NULL},
    {"zip", NULL, "[[1], 1]", NULL, NULL, "zip argument #2 must support iteration"},
    /* int */
    {"int", NULL, "[\"10\"]", NULL, "10", NULL},
    {"int", NULL, "[\"0xe4\"]", "{\"base\": 16}", "228", NULL},
    {"int", NULL, "[\"0XFF\"]", "{\"base\": 16}", "255", NULL},
    {"int", NULL, "[\"e4\"]", "{\"base\": 16}", "228", NULL},
    {"int", NULL, "[\"0o755\"]", "{\"base\": 8}", "493", NULL},
    {"int", NULL, "[\"755\"]", "{\"base\": 8}", "493", NULL},
    {"int", NULL, "[\"0b1010\"]", "{\"base\": 2}", "10", NULL},
    {"int", NULL, "[\"1010\"]", "{\"base\": 2}", "10", NULL},
    {"int", NULL, "[\"10\"]", "{\"base\": 10}", "10", NULL},
    {"int", NULL, "[\"-0x10\"]", "{\"base\": 16}", "-16", NULL},
    {"int", NULL, "[\"0x10\", 0]", NULL, "16", NULL},
    {"int", NULL, "[\"z\", 36]", NULL, "35", NULL},
    {"int", NULL, "[\"+7\"]", NULL, "7", NULL},
    {"int", NULL, "[\"1024Mi\"]", NULL, "1073741824", NULL},
    {"int", NULL, "[\"1Ki\"]", NULL, "1024", NULL},
    {"int", NULL, "[\"2k\"]", NULL, "2000", NULL},
    {"int", NULL, "[\"3G\"]", NULL, "3000000000", NULL},
    {"int", NULL, "[\"1500m\"]", NULL, "1", NULL},
    {"int", NULL, "[\"9223372036854775807\"]", NULL, "9223372036854775807", NULL},
    {"int", NULL, "[\"-9223372036854775808\"]", NULL, "-9223372036854775808", NULL},
    {"int", NULL, "[\"9223372036854775808\"]", NULL, NULL, "invalid literal for int()"},
    {"int", NULL, "[\"abc\"]", NULL, NULL, "invalid literal for int() with base 10: 'abc'"},
    {"int", NULL, "[\" 1\"]", NULL, NULL, "invalid literal for int() with base 10: ' 1'"},
    {"int", NULL, "[\"\"]", NULL, NULL, "invalid literal for int()"},
    {"int", NULL, "[\"0x\", 16]", NULL, NULL, "invalid literal for int() with base 16: '0x'"},
    {"int", NULL, "[\"12\", 2]", NULL, NULL, "invalid literal for int() with base 2: '12'"},
    {"int", NULL, "[\"10\", 1]", NULL, NULL, "int() base must be >= 2 and <= 36, or 0"},
    {"int", NULL, "[3.9]", NULL, "3", NULL},
    {"int", NULL, "[-3.9]", NULL, "-3", NULL},
    {"int", NULL, "[1e30]", NULL, "9223372036854775807", NULL},
    {"int", NULL, "[True]", NULL, "1", NULL},
    {"int", NULL, "[None]", NULL, NULL,
     "int() argument must be a string or a number, not 'NoneType'"},
    /* float */
    {"float", NULL, "[\"112\"]", NULL, "112.0", NULL},
    {"float", NULL, "[1]", NULL, "1.0", NULL},
    {"float", NULL, "[True]", NULL, "1.0", NULL},
    {"float", NULL, "[\"1e3\"]", NULL, "1000.0", NULL},
    {"float", NULL, "[\"-.5\"]", NULL, "-0.5", NULL},
    {"float", NULL, "[\"5.\"]", NULL, "5.0", NULL},
    {"float", NULL, "[\"nan\"]", NULL, "nan", NULL},
    {"float", NULL, "[\"inf\"]", NULL, NULL, "inf: A 64-bit floating point number overflow"},
    {"float", NULL, "[\"abc\"]", NULL, NULL, "invalid literal for float() with base 10: 'abc'"},
    {"float", NULL, "[\"0x10\"]", NULL, NULL, "invalid literal for float()"},
    {"float", NULL, "[\"1_0\"]", NULL, NULL, "invalid literal for float()"},
    {"float", NULL, "[\"1e\"]", NULL, NULL, "invalid literal for float()"},
    {"float", NULL, "[\" 1\"]", NULL, NULL, "invalid literal for float()"},
    /* bool, str, list, dict */
    {"bool", NULL, "[]", NULL, "False", NULL},
    {"bool", NULL, "[1]", NULL, "True", NULL},
    {"bool", NULL, "[0.0]", NULL, "False", NULL},
    {"bool", NULL, "[\"\"]", NULL, "False", NULL},
    {"bool", NULL, "[[]]", NULL, "False", NULL},
    {"bool", NULL, "[{}]", NULL, "False", NULL},
    {"bool", NULL, "[None]", NULL, "False", NULL},
    {"str", NULL, "[]", NULL, "\"\"", NULL},
    {"str", NULL, "[\"x\"]", NULL, "\"x\"", NULL},
    {"list", NULL, "[]", NULL, "[]", NULL},
    {"list", NULL, "[\"aé\"]", NULL, "[\"a\", \"é\"]", NULL},
    {"list", NULL, "[{\"a\": 1, \"b\": 2}]", NULL, "[\"a\", \"b\"]", NULL},
    {"list", NULL, "[[1, 2]]", NULL, "[1, 2]", NULL},
    {"list", NULL, "[None]", NULL, "[]", NULL},
    {"list", NULL, "[1]", NULL, NULL, "'int' object is not iterable"},
    {"dict", NULL, "[]", NULL, "{}", NULL},
    {"dict", NULL, "[{\"a\": 1}]", NULL, "{\"a\": 1}", NULL},
    {"dict", NULL, "[[[\"a\", 1], [\"b\", 2]]]", NULL, "{\"a\": 1, \"b\": 2}", NULL},
    {"dict", NULL, "[[\"ab\", \"cd\"]]", NULL, "{\"a\": \"b\", \"c\": \"d\"}", NULL},
    {"dict", NULL, "[{\"a\": 1}]", "{\"b\": 2, \"a\": 3}", "{\"a\": 3, \"b\": 2}", NULL},
    {"dict", NULL, "[]", "{\"x\": 1}", "{\"x\": 1}", NULL},
    {"dict", NULL, "[[[\"a\", 1, 2]]]", NULL, NULL,
     "dictionary update sequence element #0 has length 3; 2 is required"},
    {"dict", NULL, "[[[\"a\", 1], 1]]", NULL, NULL, "element #1 has length 0"},
    {"dict", NULL, "[1, 2]", NULL, NULL, "dict expected at most 1 argument, got 2"},
    /* reduce: the paths that do not call the reducer */
    {"reduce", NULL, "[None, [], 5]", NULL, NULL, "reduce() argument 'reducer' must be a function"},
    {"reduce", NULL, "[fn, []]", NULL, "None", NULL},
    {"reduce", NULL, "[fn, [42]]", NULL, "42", NULL},
    {"reduce", NULL, "[fn, [], 99]", NULL, "99", NULL},
    {"reduce", NULL, "[fn, []]", "{\"initial\": None}", "None", NULL},
    {"reduce", NULL, "[fn, 1]", NULL, NULL, "'int' object is not iterable"},
};

START_TEST(test_builtin)
{
    check_call(&builtin_cases[_i]);
}
END_TEST

/* {===== str methods */

static const struct call method_cases[] = {
    {".capitalize", "\"hello World\"", NULL, NULL, "\"Hello world\"", NULL},
    {".capitalize", "\"\"", NULL, NULL, "\"\"", NULL},
    {".capitalize", "\"éCOLE\"", NULL, NULL, "\"École\"", NULL},
    {".capitalize", "\"ßa\"", NULL, NULL, "\"SSa\"", NULL},
    {".chars", "\"aé你\"", NULL, NULL, "[\"a\", \"é\", \"你\"]", NULL},
    {".chars", "\"\"", NULL, NULL, "[]", NULL},
    /* count */
    {".count", "\"aaaa\"", "[\"a\"]", NULL, "4", NULL},
    {".count", "\"aaaa\"", "[\"a\", 1]", NULL, "3", NULL},
    {".count", "\"aaaa\"", "[\"a\", 1, None]", NULL, "3", NULL},
    {".count", "\"aaaa\"", "[\"a\", None, None]", NULL, "4", NULL},
    {".count", "\"aaaa\"", "[\"a\", None, -1]", NULL, "3", NULL},
    {".count", "\"aaaa\"", "[\"a\", 10]", NULL, "0", NULL},
    {".count", "\"ababab\"", "[\"aba\"]", NULL, "1", NULL},
    {".count", "\"abc\"", "[\"\"]", NULL, "4", NULL},
    {".count", "\"héllo\"", "[\"\"]", NULL, "6", NULL},
    {".count", "\"ALIAS\"", "[\"A\"]", NULL, "2", NULL},
    {".count", "\"abc\"", "[1]", NULL, NULL, "count() argument must be str, not 'int'"},
    /* startswith, endswith */
    {".endswith", "\"Hello World\"", "[\"rld\"]", NULL, "True", NULL},
    {".endswith", "\"Hello World\"", "[\"rld\", 0, 9]", NULL, "False", NULL},
    {".endswith", "\"Hello World\"", "[[\"x\", \"ld\"]]", NULL, "True", NULL},
    {".endswith", "\"female\"", "[\"male\"]", NULL, "True", NULL},
    {".startswith", "\"Hello World\"", "[\"He\"]", NULL, "True", NULL},
    {".startswith", "\"Hello World\"", "[\"World\", 6]", NULL, "True", NULL},
    {".startswith", "\"Hello World\"", "[\"World\", -5]", NULL, "True", NULL},
    {".startswith", "\"ab\"", "[\"\", 5]", NULL, "False", NULL},
    {".startswith", "\"ab\"", "[\"abc\"]", NULL, "False", NULL},
    /* find, rfind, index, rindex: byte offsets */
    {".find", "\"Hello World\"", "[\"o\"]", NULL, "4", NULL},
    {".find", "\"Hello World\"", "[\"o\", 5]", NULL, "7", NULL},
    {".find", "\"Hello World\"", "[\"o\", -4]", NULL, "7", NULL},
    {".find", "\"Hello World\"", "[\"z\"]", NULL, "-1", NULL},
    {".find", "\"héllo\"", "[\"l\"]", NULL, "3", NULL},
    {".find", "\"abc\"", "[\"\", 3]", NULL, "3", NULL},
    {".find", "\"abc\"", "[\"c\", 0, 2]", NULL, "-1", NULL},
    {".rfind", "\"Hello World, Hello World\"", "[\"He\"]", NULL, "13", NULL},
    {".rfind", "\"Hello World, Hello World\"", "[\"He\", 0, 10]", NULL, "0", NULL},
    {".rfind", "\"Hello World, Hello World\"", "[\"Hee\"]", NULL, "-1", NULL},
    {".rfind", "\"Hello World, Hello World\"", "[\"\"]", NULL, "24", NULL},
    {".index", "\"Hello World\"", "[\"World\"]", NULL, "6", NULL},
    {".index", "\"Hello World\"", "[\"Wrold\"]", NULL, NULL, "substring not found"},
    {".rindex", "\"Hello World\"", "[\"o\"]", NULL, "7", NULL},
    {".rindex", "\"Hello World\"", "[\"z\"]", NULL, NULL, "substring not found"},
    {".find", "\"abc\"", "[]", NULL, NULL, "find() missing 1 required positional argument: 'sub'"},
    {".find", "\"abc\"", "[\"a\", \"x\"]", NULL, NULL, "find() argument must be int or None"},
    /* classification */
    {".isalnum", "\"HelloWorld\"", NULL, NULL, "True", NULL},
    {".isalnum", "\"Hello World\"", NULL, NULL, "False", NULL},
    {".isalnum", "\"www.HelloWorld.com\"", NULL, NULL, "False", NULL},
    {".isalnum", "\"abc123\"", NULL, NULL, "True", NULL},
    {".isalnum", "\"你好123\"", NULL, NULL, "True", NULL},
    {".isalnum", "\"\"", NULL, NULL, "False", NULL},
    {".isalpha", "\"HelloWorld你好\"", NULL, NULL, "True", NULL},
    {".isalpha", "\"Hello World\"", NULL, NULL, "False", NULL},
    {".isalpha", "\"www.HelloWorld.com\"", NULL, NULL, "False", NULL},
    {".isalpha", "\"éΩжא\"", NULL, NULL, "True", NULL},
    {".isalpha", "\"a1\"", NULL, NULL, "False", NULL},
    {".isalpha", "\"\"", NULL, NULL, "False", NULL},
    {".isdigit", "\"123456\"", NULL, NULL, "True", NULL},
    {".isdigit", "\"Hello World\"", NULL, NULL, "False", NULL},
    {".isdigit", "\"²3\"", NULL, NULL, "True", NULL},
    {".isdigit", "\"١\"", NULL, NULL, "False", NULL},
    {".isdigit", "\"\"", NULL, NULL, "False", NULL},
    {".islower", "\"hello world\"", NULL, NULL, "True", NULL},
    {".islower", "\"Hello World\"", NULL, NULL, "False", NULL},
    {".islower", "\"123\"", NULL, NULL, "False", NULL},
    {".islower", "\"é1\"", NULL, NULL, "True", NULL},
    {".islower", "\"ß\"", NULL, NULL, "True", NULL},
    {".isupper", "\"HELLO WORLD\"", NULL, NULL, "True", NULL},
    {".isupper", "\"Hello world\"", NULL, NULL, "False", NULL},
    {".isupper", "\"ÉΩЖ\"", NULL, NULL, "True", NULL},
    {".isupper", "\"\"", NULL, NULL, "False", NULL},
    {".isspace", "\"       \"", NULL, NULL, "True", NULL},
    {".isspace", "\" Hello World \"", NULL, NULL, "False", NULL},
    {".isspace", "\"\\t\\n\\r\"", NULL, NULL, "True", NULL},
    {".isspace", "\"\u3000\u00a0\"", NULL, NULL, "True", NULL},
    {".isspace", "\"\"", NULL, NULL, "False", NULL},
    {".istitle", "\"Alice\"", NULL, NULL, "True", NULL},
    {".istitle", "\"Hello World\"", NULL, NULL, "True", NULL},
    {".istitle", "\"Hello world\"", NULL, NULL, "False", NULL},
    {".istitle", "\"HELLO\"", NULL, NULL, "False", NULL},
    {".istitle", "\"Élan Vital\"", NULL, NULL, "True", NULL},
    {".istitle", "\"123\"", NULL, NULL, "False", NULL},
    {".istitle", "\"\"", NULL, NULL, "False", NULL},
    /* case mapping */
    {".lower", "\"HeLLo\"", NULL, NULL, "\"hello\"", NULL},
    {".lower", "\"ÀÉÎ ΑΒΓ ПРИВЕТ ĀĂ\"", NULL, NULL, "\"àéî αβγ привет āă\"", NULL},
    {".lower", "\"İ\"", NULL, NULL, "\"i\u0307\"", NULL},
    {".lower", "\"A\xff\"", NULL, NULL, "\"a\xff\"", NULL}, /* invalid bytes kept */
    {".upper", "\"\xc3\x62\"", NULL, NULL, "\"\xc3\x42\"", NULL}, /* a lone lead byte */
    {".upper", "\"hello\"", NULL, NULL, "\"HELLO\"", NULL},
    {".upper", "\"straße\"", NULL, NULL, "\"STRASSE\"", NULL},
    {".upper", "\"àéî αβγς привет ÿ ā 你\"", NULL, NULL, "\"ÀÉÎ ΑΒΓΣ ПРИВЕТ Ÿ Ā 你\"", NULL},
    {".upper", "\"x\"", "[1]", NULL, NULL, "upper() takes no arguments (1 given)"},
    {".title", "\"hellO worlD\"", NULL, NULL, "\"Hello World\"", NULL},
    {".title", "\"they're bill's\"", NULL, NULL, "\"They'Re Bill'S\"", NULL},
    {".title", "\"ßa élan\"", NULL, NULL, "\"Ssa Élan\"", NULL},
    /* join */
    {".join", "\".\"", "[[\"hello\", \"world\"]]", NULL, "\"hello.world\"", NULL},
    {".join", "\"-\"", "[\"abc\"]", NULL, "\"a-b-c\"", NULL},
    {".join", "\"-\"", "[{\"a\": 1, \"b\": 2}]", NULL, "\"a-b\"", NULL},
    {".join", "\"-\"", "[[]]", NULL, "\"\"", NULL},
    {".join", "\"-\"", "[1]", NULL, NULL, "can only join an iterable"},
    /* strip */
    {".lstrip", "\"    Hello World\"", NULL, NULL, "\"Hello World\"", NULL},
    {".lstrip", "\"xxhixx\"", "[\"x\"]", NULL, "\"hixx\"", NULL},
    {".lstrip", "\"\u3000a\"", NULL, NULL, "\"a\"", NULL},
    {".rstrip", "\"Hello World    \"", NULL, NULL, "\"Hello World\"", NULL},
    {".rstrip", "\"Hello World!!!!\"", "[\"!\"]", NULL, "\"Hello World\"", NULL},
    {".rstrip", "\"aéé\"", "[\"é\"]", NULL, "\"a\"", NULL},
    {".strip", "\"!!!Hello!!World!!!\"", "[\"!!!\"]", NULL, "\"Hello!!World\"", NULL},
    {".strip", "\"  a b \\n\"", NULL, NULL, "\"a b\"", NULL},
    {".strip", "\"  a  \"", "[None]", NULL, "\"a\"", NULL},
    {".strip", "\"abcba\"", "[\"ab\"]", NULL, "\"c\"", NULL},
    {".strip", "\"   \"", NULL, NULL, "\"\"", NULL},
    {".strip", "\"a\"", "[1]", NULL, NULL, "strip() argument must be str, not 'int'"},
    /* removeprefix, removesuffix, replace */
    {".removeprefix", "\"HelloWorld\"", "[\"Hello\"]", NULL, "\"World\"", NULL},
    {".removeprefix", "\"HelloWorld\"", "[\"x\"]", NULL, "\"HelloWorld\"", NULL},
    {".removesuffix", "\"HelloWorld\"", "[\"World\"]", NULL, "\"Hello\"", NULL},
    {".removesuffix", "\"HelloWorld\"", "[\"\"]", NULL, "\"HelloWorld\"", NULL},
    {".replace", "\"Hello World\"", "[\"World\", \"world\"]", NULL, "\"Hello world\"", NULL},
    {".replace", "\"aaa\"", "[\"a\", \"b\", 2]", NULL, "\"bba\"", NULL},
    {".replace", "\"aaa\"", "[\"a\", \"b\", 0]", NULL, "\"aaa\"", NULL},
    {".replace", "\"aaa\"", "[\"a\", \"b\", -1]", NULL, "\"bbb\"", NULL},
    {".replace", "\"aaa\"", "[\"aa\", \"b\"]", NULL, "\"ba\"", NULL},
    {".replace", "\"ab\"", "[\"\", \"-\"]", NULL, "\"-a-b-\"", NULL},
    {".replace", "\"ab\"", "[\"\", \"-\", 2]", NULL, "\"-a-b\"", NULL},
    {".replace", "\"\"", "[\"\", \"x\"]", NULL, "\"x\"", NULL},
    {".replace", "\"\"", "[\"old\"]", NULL, NULL, "missing 1 required positional argument: 'new'"},
    /* split, rsplit, splitlines */
    {".split", "\"Hello World\"", NULL, NULL, "[\"Hello\", \"World\"]", NULL},
    {".split", "\"Hello World\"", "[\"o\", 1]", NULL, "[\"Hell\", \" World\"]", NULL},
    {".split", "\"Hello World\"", "[\"o\"]", NULL, "[\"Hell\", \" W\", \"rld\"]", NULL},
    {".split", "\"  a \\t b  \"", NULL, NULL, "[\"a\", \"b\"]", NULL},
    {".split", "\" a  b c \"", "[None, 1]", NULL, "[\"a\", \"b c \"]", NULL},
    {".split", "\"a b c\"", NULL, "{\"maxsplit\": 1}", "[\"a\", \"b c\"]", NULL},
    {".split", "\"a b\"", "[None, 0]", NULL, "[\"a b\"]", NULL},
    {".split", "\"a,b,\"", "[\",\"]", NULL, "[\"a\", \"b\", \"\"]", NULL},
    {".split", "\"\"", NULL, NULL, "[]", NULL},
    {".split", "\"\"", "[\",\"]", NULL, "[\"\"]", NULL},
    {".split", "\"abc\"", "[\"\"]", NULL, "[\"\", \"a\", \"b\", \"c\", \"\"]", NULL},
    {".split", "\"abc\"", "[\"\", 1]", NULL, "[\"\", \"abc\"]", NULL},
    {".rsplit", "\"a b c\"", "[None, 1]", NULL, "[\"a b\", \"c\"]", NULL},
    {".rsplit", "\"a b  \"", "[None, 0]", NULL, "[\"a b\"]", NULL},
    {".rsplit", "\"  a b  \"", NULL, NULL, "[\"a\", \"b\"]", NULL},
    {".rsplit", "\"a,b,c\"", "[\",\", 1]", NULL, "[\"a,b\", \"c\"]", NULL},
    {".rsplit", "\"aaa\"", "[\"aa\"]", NULL, "[\"a\", \"\"]", NULL},
    {".rsplit", "\"ab\"", "[\"\"]", NULL, "[\"\", \"a\", \"b\", \"\"]", NULL},
    {".rsplit", "\"abc\"", "[\"\", 1]", NULL, "[\"abc\", \"\"]", NULL},
    {".splitlines", "\"Hel\\n\\nlo W\\ror\\nld\"", NULL, NULL,
     "[\"Hel\", \"\", \"lo W\", \"or\", \"ld\"]", NULL},
    {".splitlines", "\"Hel\\n\\nlo W\\ror\\nld\"", "[True]", NULL,
     "[\"Hel\\n\", \"\\n\", \"lo W\\r\", \"or\\n\", \"ld\"]", NULL},
    {".splitlines", "\"a\\r\\nb\"", "[True]", NULL, "[\"a\\r\\n\", \"b\"]", NULL},
    {".splitlines", "\"a\\r\\nb\\n\"", NULL, NULL, "[\"a\", \"b\"]", NULL},
    {".splitlines", "\"\"", NULL, NULL, "[]", NULL},
    /* format */
    {".format", "\"{} {}\"", "[\"a\", 1]", NULL, "\"a 1\"", NULL},
    {".format", "\"value + {}\"", "[1]", NULL, "\"value + 1\"", NULL},
    {".format", "\"{0}{1}{0}\"", "[\"a\", \"b\"]", NULL, "\"aba\"", NULL},
    {".format", "\"{name}!\"", NULL, "{\"name\": \"x\"}", "\"x!\"", NULL},
    {".format", "\"{{}} {} }}{{\"", "[1]", NULL, "\"{} 1 }{\"", NULL},
    {".format", "\"{:.2f}\"", "[3.14159]", NULL, "\"3.14\"", NULL},
    {".format", "\"{:.0f}\"", "[2.5]", NULL, "\"2\"", NULL},
    {".format", "\"{:>6}\"", "[\"ab\"]", NULL, "\"    ab\"", NULL},
    {".format", "\"{:<6}|\"", "[\"ab\"]", NULL, "\"ab    |\"", NULL},
    {".format", "\"{:^6}\"", "[\"ab\"]", NULL, "\"  ab  \"", NULL},
    {".format", "\"{:*^7}\"", "[\"ab\"]", NULL, "\"**ab***\"", NULL},
    {".format", "\"{:>7}\"", "[\"héllo\"]", NULL, "\"  héllo\"", NULL},
    {".format", "\"{:é<4}\"", "[\"a\"]", NULL, "\"aééé\"", NULL},
    {".format", "\"{:.2s}\"", "[\"héllo\"]", NULL, "\"hé\"", NULL},
    {".format", "\"{:5}|{:<5}|\"", "[42, 42]", NULL, "\"   42|42   |\"", NULL},
    {".format", "\"{:,}\"", "[1234567]", NULL, "\"1,234,567\"", NULL},
    {".format", "\"{:_}\"", "[-1234567]", NULL, "\"-1_234_567\"", NULL},
    {".format", "\"{:,}\"", "[-1234.5]", NULL, "\"-1,234.5\"", NULL},
    {".format", "\"{:,.2f}\"", "[1234567.891]", NULL, "\"1,234,567.89\"", NULL},
    {".format", "\"{:x} {:#x} {:#X} {:b} {:o} {:#o}\"", "[255, 255, 255, 5, 8, 8]", NULL,
     "\"ff 0xff 0XFF 101 10 0o10\"", NULL},
    {".format", "\"{:_b}\"", "[255]", NULL, "\"1111_1111\"", NULL},
    {".format", "\"{:08.3f}\"", "[-3.14159]", NULL, "\"-003.142\"", NULL},
    {".format", "\"{:+d} {: d} {:+}\"", "[5, 5, -5]", NULL, "\"+5  5 -5\"", NULL},
    {".format", "\"{:05d}\"", "[-42]", NULL, "\"-0042\"", NULL},
    {".format", "\"{:#010x}\"", "[255]", NULL, "\"0x000000ff\"", NULL},
    {".format", "\"{:e}\"", "[12345.678]", NULL, "\"1.234568e+04\"", NULL},
    {".format", "\"{:.2E}\"", "[0.000123]", NULL, "\"1.23E-04\"", NULL},
    {".format", "\"{:g} {:g}\"", "[0.00001234, 1234567.0]", NULL, "\"1.234e-05 1.23457e+06\"",
     NULL},
    {".format", "\"{:%} {:.1%}\"", "[0.25, 0.256]", NULL, "\"25.000000% 25.6%\"", NULL},
    {".format", "\"{:.2f}\"", "[3]", NULL, "\"3.00\"", NULL},
    {".format", "\"{:c}\"", "[65]", NULL, "\"A\"", NULL},
    {".format", "\"{} {} {} {} {}\"", "[1.5, 1.0, 1e16, 0.00001, 0.0001]", NULL,
     "\"1.5 1.0 1e+16 1e-05 0.0001\"", NULL},
    {".format", "\"{} {}\"", "[123456789.123, -0.5]", NULL, "\"123456789.123 -0.5\"", NULL},
    {".format", "\"{} {}\"", "[1e22, 1.5e-7]", NULL, "\"1e+22 1.5e-07\"", NULL},
    {".format", "\"{:.3} {:.3} {:.3}\"", "[12.0, 1234.5, 0.5]", NULL, "\"12.0 1.23e+03 0.5\"",
     NULL},
    {".format", "\"{:10.3f}|\"", "[3.14159]", NULL, "\"     3.142|\"", NULL},
    {".format", "\"{0[1]} {1[k]} {1.k} {2[1]}\"", "[[5, 6], {\"k\": \"v\"}, \"abc\"]", NULL,
     "\"6 v v b\"", NULL},
    {".format", "\"{0[0][1]}\"", "[[[1, 2]]]", NULL, "\"2\"", NULL},
    {".format", "\"{} {} {}\"", "[True, None, \"s\"]", NULL, "\"True None s\"", NULL},
    {".format", "\"{!r} {!s} {!r}\"", "[\"a\", \"b\", \"it\\\"s\"]", NULL,
     "\"'a' b \\\"it\\\"s\\\"\"", NULL},
    {".format", "\"{:{w}}|\"", "[\"a\"]", "{\"w\": 3}", "\"a  |\"", NULL},
    {".format", "\"{:{}}|\"", "[\"a\", 4]", NULL, "\"a   |\"", NULL},
    {".format", "\"{:>5}\"", "[True]", NULL, "\"    1\"", NULL},
    {".format", "\"{\"", NULL, NULL, NULL, "Single '{' encountered in format string"},
    {".format", "\"}\"", NULL, NULL, NULL, "Single '}' encountered in format string"},
    {".format", "\"{} {0}\"", "[1]", NULL, NULL,
     "cannot switch from automatic field numbering to manual field specification"},
    {".format", "\"{0} {}\"", "[1, 2]", NULL, NULL,
     "cannot switch from manual field specification to automatic field numbering"},
    {".format", "\"{1}\"", "[1]", NULL, NULL, "argument tuple index out of range"},
    {".format", "\"{}\"", NULL, NULL, NULL, "argument tuple index out of range"},
    {".format", "\"{x}\"", NULL, NULL, NULL, "keyword argument 'x' not found"},
    {".format", "\"{0[5]}\"", "[[1]]", NULL, NULL, "list index out of range"},
    {".format", "\"{:d}\"", "[\"a\"]", NULL, NULL,
     "Unknown format code 'd' for object of type 'str'"},
    {".format", "\"{:s}\"", "[1]", NULL, NULL, "Unknown format code 's' for object of type 'int'"},
    {".format", "\"{:d}\"", "[1.5]", NULL, NULL,
     "Unknown format code 'd' for object of type 'float'"},
    {".format", "\"{:.2d}\"", "[1]", NULL, NULL, "Precision not allowed in integer format"},
    {".format", "\"{:zz}\"", "[1]", NULL, NULL, "Invalid format specifier"},
    {".format", "\"{!x}\"", "[1]", NULL, NULL, "Unknown conversion specifier x"},
    {".format", "\"{:+}\"", "[\"a\"]", NULL, NULL, "Sign not allowed in string format specifier"},
    /* the receiver must be a str */
    {".upper", "1", NULL, NULL, NULL, "str method called on a"},
};

START_TEST(test_method)
{
    check_call(&method_cases[_i]);
}
END_TEST

/* {===== tables and print */

START_TEST(test_tables)
{
    size_t n;
    const struct native_def *t = stdlib_builtins(&n);
    ck_assert_uint_ge(n, 28);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(strcmp(t[i - 1].name, t[i].name) < 0, "builtins not sorted at %s", t[i].name);
    ck_assert(find_builtin("option") == NULL); /* the evaluator's own */
    static const char *const methods[] = {
        "capitalize",   "chars",      "count",      "endswith", "find",    "format",
        "index",        "isalnum",    "isalpha",    "isdigit",  "islower", "isspace",
        "istitle",      "isupper",    "join",       "lower",    "lstrip",  "removeprefix",
        "removesuffix", "replace",    "rfind",      "rindex",   "rsplit",  "rstrip",
        "split",        "splitlines", "startswith", "strip",    "title",   "upper",
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        ck_assert_msg(stdlib_str_method(methods[i], strlen(methods[i])) != NULL, "no str.%s",
                      methods[i]);
    ck_assert(stdlib_str_method("splitx", 6) == NULL);
    ck_assert(stdlib_str_method("spli", 4) == NULL);
    ck_assert(stdlib_str_method("", 0) == NULL);
    ck_assert(stdlib_str_method("splitlinesXX", 10) != NULL); /* length-delimited */
}
END_TEST

/* typeof() of a schema instance: the package path only with full_name, never for main. */
static const struct {
    const char *pkgpath;
    bool full;
    const char *want;
} typeof_cases[] = {
    {"child", false, "A"},
    {"child", true, "child.A"},
    {"@a.b", true, "a.b.A"},
    {"__main__", true, "A"},
};

static struct value typeof_result;

static void call_typeof(struct vm *vm, void *ud)
{
    const struct value *args = ud;
    struct str *kn = str_intern(vm, "full_name", 9);
    struct callargs a = {args, 1, &kn, args + 1, 1, {0}, v_undef()};
    typeof_result = find_builtin("typeof")(vm, &a);
}

START_TEST(test_typeof_schema)
{
    struct vm *vm = &fx_vm;
    struct schema_type *st = vm_zalloc(vm, sizeof *st);
    st->name = str_cstr(vm, "A");
    st->pkgpath = typeof_cases[_i].pkgpath;
    struct dict *d = dict_new(vm, 0);
    dict_set_schema(vm, d, st);
    struct value args[2] = {v_schema(d), v_bool(typeof_cases[_i].full)};
    ck_assert(vm_protect(vm, call_typeof, args));
    ck_assert_int_eq(typeof_result.tag, V_STR);
    ck_assert_str_eq(typeof_result.as.s->b, typeof_cases[_i].want);
}
END_TEST

static const struct {
    const char *args, *kwargs, *out;
} print_cases[] = {
    {"[\"Hello\", \"World\"]", NULL, "Hello World\n"},
    {"[]", NULL, "\n"},
    {"[\"a\", \"b\"]", "{\"end\": \"\"}", "a b"},
    {"[\"a\", \"b\"]", "{\"sep\": \", \", \"end\": \"!\\n\"}", "a, b!\n"},
};

START_TEST(test_print)
{
    struct call c = {"print", NULL, print_cases[_i].args, print_cases[_i].kwargs, "None", NULL};
    check_call(&c);
    ck_assert_uint_eq(fx_out.n, strlen(print_cases[_i].out));
    ck_assert(!memcmp(fx_out.p, print_cases[_i].out, fx_out.n));
}
END_TEST

START_TEST(test_print_bad_kw)
{
    struct call c = {"print",         NULL, "[]",
                     "{\"file\": 1}", NULL, "print() got an unexpected keyword argument 'file'"};
    check_call(&c);
    ck_assert_uint_eq(fx_out.n, 0);
}
END_TEST

static Suite *builtins_suite(void)
{
    Suite *s = suite_create("builtins");
    TCase *tc = tcase_create("builtins");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_builtin, 0, (int)(sizeof builtin_cases / sizeof builtin_cases[0]));
    tcase_add_loop_test(tc, test_print, 0, (int)(sizeof print_cases / sizeof print_cases[0]));
    tcase_add_test(tc, test_print_bad_kw);
    tcase_add_loop_test(tc, test_typeof_schema, 0,
                        (int)(sizeof typeof_cases / sizeof typeof_cases[0]));
    tcase_add_test(tc, test_tables);
    suite_add_tcase(s, tc);
    tc = tcase_create("str_methods");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_method, 0, (int)(sizeof method_cases / sizeof method_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(builtins_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
