/* Unit tests of runtime/value.c, str.c and list.c: truthiness, equality, type names,
 * units, deep copies, interning, sbuf and str_fmt. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "lang/token.h"
#include "runtime/schema.h"
#include "runtime/value.h"
#include "runtime/vm.h"
#include "runtime/vm_impl.h"

/* A schema type with just a name, enough for typeof() and instance metadata. */
static struct schema_type PERSON;

static struct arena A;
static struct diags D;
static struct vm VM;

static void setup(void)
{
    arena_init(&A, NULL, NULL);
    diags_init(&D, &A);
    vm_init(&VM, &A, &D);
    memset(&PERSON, 0, sizeof PERSON);
    PERSON.name = str_cstr(&VM, "Person");
}

static void teardown(void)
{
    arena_free(&A);
}

/* {===== a tiny notation for values, so tables stay readable
 *
 *   U N T F          Undefined, None, True, False
 *   12 -3 1.5 2e3    int, float
 *   1Ki 500m         unit values (an int immediately followed by a suffix)
 *   'text'           str (no escapes)
 *   [a, b]           list
 *   {k: v, 'k': v}   dict; S{...} a schema instance of type "Person"
 */

static struct value parse(const char **p);

static void skip_ws(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

static void expect_char(const char **p, char c)
{
    skip_ws(p);
    ck_assert_msg(**p == c, "notation: expected '%c' at \"%s\"", c, *p);
    (*p)++;
}

static struct str *parse_key(const char **p)
{
    skip_ws(p);
    const char *s = *p;
    if (*s == '\'') {
        const char *e = strchr(s + 1, '\'');
        ck_assert_ptr_nonnull(e);
        *p = e + 1;
        return str_new(&VM, s + 1, (size_t)(e - s - 1));
    }
    while (**p && (isalnum((unsigned char)**p) || **p == '_'))
        (*p)++;
    ck_assert_msg(*p > s, "notation: expected a key at \"%s\"", s);
    return str_new(&VM, s, (size_t)(*p - s));
}

static unsigned parse_suffix(const char **p)
{
    static const struct {
        const char *text;
        unsigned suffix;
    } suffixes[] = {
        {"Ki", UNIT_Ki}, {"Mi", UNIT_Mi}, {"Gi", UNIT_Gi}, {"Ti", UNIT_Ti}, {"Pi", UNIT_Pi},
        {"n", UNIT_n},   {"u", UNIT_u},   {"m", UNIT_m},   {"k", UNIT_k},   {"K", UNIT_K},
        {"M", UNIT_M},   {"G", UNIT_G},   {"T", UNIT_T},   {"P", UNIT_P},
    };
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(suffixes[i].text);
        if (!strncmp(*p, suffixes[i].text, n)) {
            *p += n;
            return suffixes[i].suffix;
        }
    }
    return UNIT_NONE;
}

static struct value parse_dict(const char **p, bool schema)
{
    struct dict *d = dict_new(&VM, 0);
    if (schema)
        dict_set_schema(&VM, d, &PERSON);
    expect_char(p, '{');
    skip_ws(p);
    while (**p != '}') {
        struct str *k = parse_key(p);
        expect_char(p, ':');
        dict_set(&VM, d, k, parse(p));
        skip_ws(p);
        if (**p == ',')
            (*p)++;
        skip_ws(p);
    }
    (*p)++;
    return schema ? v_schema(d) : v_dict(d);
}

static struct value parse(const char **p)
{
    skip_ws(p);
    char c = **p;
    switch (c) {
    case 'U':
        (*p)++;
        return v_undef();
    case 'N':
        (*p)++;
        return v_none();
    case 'T':
        (*p)++;
        return v_bool(true);
    case 'F':
        (*p)++;
        return v_bool(false);
    case 'S':
        (*p)++;
        return parse_dict(p, true);
    case '{':
        return parse_dict(p, false);
    case '\'': {
        const char *e = strchr(*p + 1, '\'');
        ck_assert_ptr_nonnull(e);
        struct str *s = str_new(&VM, *p + 1, (size_t)(e - *p - 1));
        *p = e + 1;
        return v_str(s);
    }
    case '[': {
        struct list *l = list_new(&VM, 0);
        (*p)++;
        skip_ws(p);
        while (**p != ']') {
            list_push(&VM, l, parse(p));
            skip_ws(p);
            if (**p == ',')
                (*p)++;
            skip_ws(p);
        }
        (*p)++;
        return v_list(l);
    }
    default: {
        char *ei, *ef;
        long long i = strtoll(*p, &ei, 10);
        double f = strtod(*p, &ef);
        ck_assert_msg(ei > *p || ef > *p, "notation: bad value at \"%s\"", *p);
        if (ef > ei) {
            *p = ef;
            return v_float(f);
        }
        *p = ei;
        unsigned suffix = parse_suffix(p);
        return suffix ? v_unit(i, suffix) : v_int(i);
    }
    }
}

static struct value val(const char *text)
{
    const char *p = text;
    struct value v = parse(&p);
    skip_ws(&p);
    ck_assert_msg(*p == '\0', "notation: trailing text \"%s\" in \"%s\"", p, text);
    return v;
}

/* {===== truthiness */

static const struct {
    const char *v;
    bool want;
} truthy_cases[] = {
    {"U", false},   {"N", false},  {"T", true},      {"F", false},    {"0", false},
    {"1", true},    {"-1", true},  {"0.0", false},   {"-0.0", false}, {"0.1", true},
    {"''", false},  {"' '", true}, {"'0'", true},    {"[]", false},   {"[0]", true},
    {"[N]", true},  {"{}", false}, {"{a: N}", true}, {"S{}", false},  {"S{a: 1}", true},
    {"0Ki", false}, {"1Ki", true}, {"0m", false},    {"5n", true},
};

START_TEST(test_truthy)
{
    struct value v = val(truthy_cases[_i].v);
    ck_assert_msg(v_truthy(v) == truthy_cases[_i].want, "truthy(%s) should be %d",
                  truthy_cases[_i].v, truthy_cases[_i].want);
}
END_TEST

static struct value module_value(void)
{
    static int module_stub;
    struct value v = {V_MODULE, 0, 0, {.m = (struct module *)&module_stub}};
    return v;
}

static struct value type_value(void)
{
    struct value v = {V_TYPE, 0, 0, {.st = &PERSON}};
    return v;
}

static struct value dummy_native(struct vm *vm, const struct callargs *a)
{
    (void)vm;
    (void)a;
    return v_none();
}

static struct value other_native(struct vm *vm, const struct callargs *a)
{
    (void)vm;
    (void)a;
    return v_undef();
}

START_TEST(test_truthy_callables)
{
    ck_assert(v_truthy(v_func(vm_native(&VM, "f", dummy_native))));
    ck_assert(v_truthy(type_value()));
    ck_assert(v_truthy(module_value()));
    ck_assert(v_truthy(v_float(NAN))); /* NaN != 0.0 */
}
END_TEST

/* {===== equality */

static const struct {
    const char *a, *b;
    bool want;
} equal_cases[] = {
    {"U", "U", true},
    {"N", "N", true},
    {"U", "N", false},
    {"N", "0", false},
    {"N", "F", false},
    {"N", "''", false},
    {"N", "[]", false},
    {"T", "T", true},
    {"T", "F", false},
    {"T", "1", false}, /* KCL: bool and int never compare equal */
    {"F", "0", false},
    {"T", "1.0", false},
    {"1", "1", true},
    {"1", "2", false},
    {"1", "1.0", true},
    {"1.5", "1.5", true},
    {"1.5", "1", false},
    {"0.0", "-0.0", true},
    {"-7", "-7.0", true},
    {"9007199254740993", "9007199254740992.0", true}, /* int is converted to float */
    {"9007199254740993", "9007199254740992", false},
    {"'a'", "'a'", true},
    {"''", "''", true},
    {"'a'", "'b'", false},
    {"'a'", "'ab'", false},
    {"'1'", "1", false},
    {"'a'", "['a']", false},
    {"[]", "[]", true},
    {"[1, 2]", "[1, 2]", true},
    {"[1, 2]", "[2, 1]", false},
    {"[1]", "[1, 1]", false},
    {"[1, [2, 3]]", "[1.0, [2, 3.0]]", true},
    {"[1, [2, 3]]", "[1, [2, 4]]", false},
    {"[N]", "[U]", false},
    {"[]", "{}", false},
    {"{}", "{}", true},
    {"{a: 1, b: 2}", "{a: 1, b: 2}", true},
    {"{a: 1, b: 2}", "{b: 2, a: 1}", true},
    {"{a: 1}", "{a: 2}", false},
    {"{a: 1}", "{b: 1}", false},
    {"{a: 1}", "{a: 1, b: 2}", false},
    {"{a: N}", "{}", false},
    {"{a: U}", "{b: U}", false},
    {"{a: {x: [1, 2]}, b: 'q'}", "{b: 'q', a: {x: [1, 2.0]}}", true},
    {"{a: {x: [1, 2]}}", "{a: {x: [1, 3]}}", false},
    {"{a: {x: 1, y: 2}}", "{a: {y: 2, x: 1}}", true},
    {"[{a: 1, b: 2}]", "[{b: 2, a: 1}]", true},
    {"{a: 1}", "S{a: 1}", false}, /* dict vs schema */
    {"S{a: 1}", "S{a: 1}", true},
    {"S{a: 1, b: 2}", "S{b: 2, a: 1}", true},
    {"S{a: 1}", "S{a: 2}", false},
    {"S{}", "{}", false},
    {"1Ki", "1024", true},
    {"1Ki", "1024.0", true},
    {"1Ki", "1Ki", true},
    {"1Ki", "1K", false},
    {"1K", "1000", true},
    {"1k", "1K", true},
    {"1024Ki", "1Mi", true},
    {"1Ki", "1000", false},
    {"500m", "0.5", true},
    {"1Ki", "'1Ki'", false},
    {"1Ki", "T", false},
    {"[1Ki]", "[1024]", true},
    {"{m: 1Gi}", "{m: 1073741824}", true},
};

START_TEST(test_equal)
{
    struct value a = val(equal_cases[_i].a), b = val(equal_cases[_i].b);
    bool want = equal_cases[_i].want;
    ck_assert_msg(v_equal(a, b) == want, "(%s == %s) should be %d", equal_cases[_i].a,
                  equal_cases[_i].b, want);
    ck_assert_msg(v_equal(b, a) == want, "(%s == %s) should be %d", equal_cases[_i].b,
                  equal_cases[_i].a, want);
    ck_assert_msg(v_equal(a, a), "%s == itself", equal_cases[_i].a);
    /* a separately built twin is equal too */
    ck_assert(v_equal(a, val(equal_cases[_i].a)));
}
END_TEST

START_TEST(test_equal_large_dicts)
{
    /* past the small-dict size, with an index on both sides */
    struct dict *x = dict_new(&VM, 0), *y = dict_new(&VM, 0);
    for (int i = 0; i < 40; i++) {
        dict_set(&VM, x, str_fmt(&VM, "k%d", i), v_int(i));
        dict_set(&VM, y, str_fmt(&VM, "k%d", 39 - i), v_int(39 - i));
    }
    ck_assert_ptr_nonnull(dict_index(x));
    ck_assert(v_equal(v_dict(x), v_dict(y)));
    struct dict *z = dict_copy(&VM, y);
    dict_set(&VM, z, str_cstr(&VM, "k7"), v_float(7.5));
    ck_assert(!v_equal(v_dict(x), v_dict(z)));
    dict_set(&VM, z, str_cstr(&VM, "k7"), v_float(7.0));
    ck_assert(v_equal(v_dict(x), v_dict(z)));
    /* same size, one key renamed */
    dict_del(z, str_cstr(&VM, "k7"));
    dict_set(&VM, z, str_cstr(&VM, "k_7"), v_int(7));
    ck_assert(!v_equal(v_dict(x), v_dict(z)));
    ck_assert(!v_equal(v_dict(x), v_schema(y)));
}
END_TEST

START_TEST(test_equal_special)
{
    ck_assert(!v_equal(v_float(NAN), v_float(NAN)));
    ck_assert(v_equal(v_float(INFINITY), v_float(INFINITY)));
    ck_assert(!v_equal(v_float(INFINITY), v_float(-INFINITY)));
    /* functions: same native and receiver are equal, even as separate objects */
    struct value f1 = v_func(vm_native(&VM, "f", dummy_native));
    struct value f2 = v_func(vm_native(&VM, "f", dummy_native));
    struct value g = v_func(vm_native(&VM, "g", other_native));
    ck_assert(v_equal(f1, f1));
    ck_assert(v_equal(f1, f2));
    ck_assert(!v_equal(f1, g));
    struct value b1 = vm_bound(&VM, "s.upper", dummy_native, val("'a'"));
    struct value b2 = vm_bound(&VM, "s.upper", dummy_native, val("'a'"));
    struct value b3 = vm_bound(&VM, "s.upper", dummy_native, val("'b'"));
    ck_assert(v_equal(b1, b2));
    ck_assert(!v_equal(b1, b3));
    ck_assert(!v_equal(b1, f1));
    ck_assert(!v_equal(f1, val("N")));
    /* types and modules compare by identity */
    ck_assert(v_equal(type_value(), type_value()));
    struct schema_type other = PERSON;
    struct value t2 = {V_TYPE, 0, 0, {.st = &other}};
    ck_assert(!v_equal(type_value(), t2));
    ck_assert(v_equal(module_value(), module_value()));
    ck_assert(!v_equal(module_value(), type_value()));
}
END_TEST

/* {===== type names */

static const struct {
    const char *v, *name;
} type_cases[] = {
    {"U", "UndefinedType"}, {"N", "None"},    {"T", "bool"},
    {"0", "int"},           {"0.5", "float"}, {"1Ki", "number_multiplier"},
    {"'s'", "str"},         {"[]", "list"},   {"{}", "dict"},
    {"S{a: 1}", "Person"},
};

START_TEST(test_type_names)
{
    ck_assert_str_eq(v_type_name(val(type_cases[_i].v)), type_cases[_i].name);
}
END_TEST

START_TEST(test_type_names_callables)
{
    ck_assert_str_eq(v_type_name(v_func(vm_native(&VM, "f", dummy_native))), "function");
    ck_assert_str_eq(v_type_name(type_value()), "type");
    ck_assert_str_eq(v_type_name(module_value()), "module");
}
END_TEST

/* {===== units */

static const struct {
    unsigned suffix;
    const char *name;
    double mult;
} unit_cases[] = {
    {UNIT_NONE, "", 1.0},
    {UNIT_n, "n", 1e-9},
    {UNIT_u, "u", 1e-6},
    {UNIT_m, "m", 1e-3},
    {UNIT_k, "k", 1e3},
    {UNIT_K, "K", 1e3},
    {UNIT_M, "M", 1e6},
    {UNIT_G, "G", 1e9},
    {UNIT_T, "T", 1e12},
    {UNIT_P, "P", 1e15},
    {UNIT_Ki, "Ki", 1024.0},
    {UNIT_Mi, "Mi", 1024.0 * 1024},
    {UNIT_Gi, "Gi", 1024.0 * 1024 * 1024},
    {UNIT_Ti, "Ti", 1024.0 * 1024 * 1024 * 1024},
    {UNIT_Pi, "Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
};

START_TEST(test_units)
{
    unsigned s = unit_cases[_i].suffix;
    ck_assert_str_eq(v_unit_suffix_name(s), unit_cases[_i].name);
    ck_assert(v_unit_multiplier(s) == unit_cases[_i].mult);
    ck_assert(v_unit_float(v_unit(1, s)) == unit_cases[_i].mult);
    ck_assert(v_unit_float(v_unit(-3, s)) == -3 * unit_cases[_i].mult);
    ck_assert(v_unit_float(v_unit(0, s)) == 0.0);
}
END_TEST

START_TEST(test_unit_values)
{
    /* the floats KCL prints for these literals (datatype/units goldens) */
    ck_assert(v_unit_float(val("1024n")) == 1.024e-06);
    ck_assert(v_unit_float(val("1024u")) == 0.001024);
    ck_assert(v_unit_float(val("1024m")) == 1.024);
    ck_assert(v_unit_float(val("1024Mi")) == 1073741824.0);
    ck_assert(v_unit_float(val("1024P")) == 1.024e18);
    ck_assert(v_unit_float(val("1Pi")) == 1125899906842624.0);
    ck_assert(v_unit_float(val("500m")) == 0.5);
    /* out-of-range suffixes degrade to no suffix rather than reading past the table */
    ck_assert(v_unit_multiplier(99) == 1.0);
    ck_assert_str_eq(v_unit_suffix_name(99), "");
}
END_TEST

/* {===== deep copy */

START_TEST(test_deep_copy)
{
    struct value orig = val("{a: [1, {x: 'y'}], b: S{n: [2]}, c: 'z', d: 1Ki}");
    dict_set_op(&VM, orig.as.d, str_cstr(&VM, "e"), v_int(5), OPK_OVERRIDE, -1);
    dict_set_op(&VM, orig.as.d, str_cstr(&VM, "f"), val("[3]"), OPK_INSERT, 2);
    struct value copy = v_deep_copy(&VM, orig);
    ck_assert_int_eq(copy.tag, V_DICT);
    ck_assert_ptr_ne(copy.as.d, orig.as.d);
    ck_assert(v_equal(orig, copy));
    /* order, ops and schema survive */
    struct dict_entry *e;
    const char *order[] = {"a", "b", "c", "d", "e", "f"};
    int k = 0;
    for (uint32_t i = 0; dict_next(copy.as.d, &i, &e); k++)
        ck_assert_str_eq(e->key->b, order[k]);
    ck_assert_int_eq(k, 6);
    ck_assert_uint_eq(entry_op(dict_find(copy.as.d, str_cstr(&VM, "e"))), OPK_OVERRIDE);
    ck_assert_uint_eq(entry_op(dict_find(copy.as.d, str_cstr(&VM, "f"))), OPK_INSERT);
    ck_assert_int_eq(entry_ins(dict_find(copy.as.d, str_cstr(&VM, "f"))), 2);
    struct value b = dict_get(copy.as.d, str_cstr(&VM, "b"));
    ck_assert_int_eq(b.tag, V_SCHEMA);
    ck_assert_ptr_eq(dict_schema(b.as.d), &PERSON);
    ck_assert_int_eq(dict_get(copy.as.d, str_cstr(&VM, "d")).tag, V_UNIT);
    /* every container is new: changing the copy at any depth leaves the original */
    struct value a = dict_get(copy.as.d, str_cstr(&VM, "a"));
    ck_assert_ptr_ne(a.as.l, dict_get(orig.as.d, str_cstr(&VM, "a")).as.l);
    list_push(&VM, a.as.l, v_int(9));
    dict_set(&VM, a.as.l->v[1].as.d, str_cstr(&VM, "x"), v_int(0));
    list_push(&VM, dict_get(b.as.d, str_cstr(&VM, "n")).as.l, v_int(3));
    ck_assert(!v_equal(orig, copy));
    ck_assert(v_equal(orig, val("{a: [1, {x: 'y'}], b: S{n: [2]}, c: 'z', d: 1Ki, e: 5, f: [3]}")));
    ck_assert(v_equal(copy, val("{a: [1, {x: 0}, 9], b: S{n: [2, 3]}, c: 'z', d: 1024, e: 5, "
                                "f: [3]}")));
    /* scalars copy as themselves */
    ck_assert(v_equal(v_deep_copy(&VM, val("'s'")), val("'s'")));
    ck_assert_int_eq(v_deep_copy(&VM, val("N")).tag, V_NONE);
    ck_assert_int_eq(v_deep_copy(&VM, val("7")).as.i, 7);
}
END_TEST

/* {===== strings */

START_TEST(test_str_new)
{
    struct str *s = str_new(&VM, "a\0b", 3);
    ck_assert_uint_eq(s->len, 3);
    ck_assert_int_eq(memcmp(s->b, "a\0b", 4), 0); /* NUL-terminated */
    ck_assert_uint_eq(s->flags, 0);
    struct str *c = str_cstr(&VM, "hello");
    ck_assert_uint_eq(c->len, 5);
    ck_assert_str_eq(c->b, "hello");
    struct str *e = str_new(&VM, NULL, 0);
    ck_assert_uint_eq(e->len, 0);
    ck_assert_str_eq(e->b, "");
    /* a copy, not a borrow */
    char buf[] = "xyz";
    struct str *x = str_cstr(&VM, buf);
    buf[0] = 'Q';
    ck_assert_str_eq(x->b, "xyz");
}
END_TEST

START_TEST(test_str_intern)
{
    struct str *a = str_intern(&VM, "name", 4);
    struct str *b = str_intern(&VM, "name!", 4);
    ck_assert_ptr_eq(a, b);
    ck_assert(a->flags & STR_INTERNED);
    ck_assert(a->flags & STR_HASHED);
    ck_assert_str_eq(a->b, "name");
    ck_assert_ptr_ne(str_intern(&VM, "nam", 3), a);
    ck_assert_ptr_ne(str_intern(&VM, "name\0", 5), a);
    ck_assert_ptr_eq(str_intern(&VM, "", 0), str_intern(&VM, "", 0));
    /* str_intern_str: the twin when the text is known ... */
    struct str *n = str_cstr(&VM, "name");
    ck_assert_ptr_eq(str_intern_str(&VM, n), a);
    ck_assert(!(n->flags & STR_INTERNED));
    /* ... else the str itself becomes the interned one */
    struct str *m = str_cstr(&VM, "fresh");
    ck_assert_ptr_eq(str_intern_str(&VM, m), m);
    ck_assert(m->flags & STR_INTERNED);
    ck_assert_ptr_eq(str_intern(&VM, "fresh", 5), m);
    ck_assert_ptr_eq(str_intern_str(&VM, str_cstr(&VM, "fresh")), m);
    ck_assert_ptr_eq(str_intern_str(&VM, m), m);
}
END_TEST

START_TEST(test_str_intern_many)
{
    enum { N = 20000 };
    struct str **s = malloc(N * sizeof *s);
    for (int i = 0; i < N; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "s%d", i);
        s[i] = str_intern(&VM, buf, (size_t)n);
    }
    ck_assert_uint_eq(VM.strs.n, N);
    ck_assert((uint64_t)VM.strs.n * 3 <= (uint64_t)(VM.strs.mask + 1) * 2);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "s%d", i);
        if (str_intern(&VM, buf, (size_t)n) != s[i] || strcmp(s[i]->b, buf) != 0)
            bad++;
        if (i && s[i] == s[i - 1])
            bad++;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_uint_eq(VM.strs.n, N);
    free(s);
}
END_TEST

START_TEST(test_str_hash)
{
    struct str *a = str_cstr(&VM, "hello world");
    ck_assert(!(a->flags & STR_HASHED));
    uint64_t h = str_hash(a);
    ck_assert(a->flags & STR_HASHED);
    ck_assert_uint_eq(h, XXH3_64bits("hello world", 11));
    ck_assert_uint_eq(str_hash(a), h);
    ck_assert_uint_eq(str_hash(str_cstr(&VM, "hello world")), h);
    ck_assert_uint_ne(str_hash(str_cstr(&VM, "hello worle")), h);
    ck_assert_uint_eq(str_intern(&VM, "hello world", 11)->hash, h);
}
END_TEST

START_TEST(test_str_eq)
{
    struct str *a = str_cstr(&VM, "abc"), *b = str_cstr(&VM, "abc"), *c = str_cstr(&VM, "abd");
    ck_assert(str_eq(a, a));
    ck_assert(str_eq(a, b));
    ck_assert(!str_eq(a, c));
    ck_assert(!str_eq(a, str_cstr(&VM, "ab")));
    ck_assert(!str_eq(a, str_new(&VM, "abc\0", 4)));
    str_hash(a);
    ck_assert(str_eq(a, b)); /* one side hashed */
    str_hash(b);
    str_hash(c);
    ck_assert(str_eq(a, b)); /* both hashed */
    ck_assert(!str_eq(a, c));
    ck_assert(str_eq(str_intern(&VM, "abc", 3), a));
}
END_TEST

/* bytes compare unsigned: "é" (0xC3 0xA9) sorts after "z" */
static const struct {
    const char *a, *b;
    int want;
} cmp_cases[] = {
    {"", "", 0},     {"a", "a", 0}, {"a", "b", -1},     {"b", "a", 1},        {"ab", "a", 1},
    {"a", "ab", -1}, {"", "a", -1}, {"abc", "abd", -1}, {"\xc3\xa9", "z", 1}, {"B", "a", -1},
};

START_TEST(test_str_cmp)
{
    struct str *a = str_cstr(&VM, cmp_cases[_i].a), *b = str_cstr(&VM, cmp_cases[_i].b);
    ck_assert_int_eq(str_cmp(a, b), cmp_cases[_i].want);
    ck_assert_int_eq(str_cmp(b, a), -cmp_cases[_i].want);
}
END_TEST

START_TEST(test_str_fmt)
{
    struct str *s = str_fmt(&VM, "%d-%s", 42, "x");
    ck_assert_str_eq(s->b, "42-x");
    ck_assert_uint_eq(s->len, 4);
    ck_assert_uint_eq(str_fmt(&VM, "%s", "")->len, 0);
    /* longer than any internal scratch buffer */
    struct str *l = str_fmt(&VM, "<%0600d>", 7);
    ck_assert_uint_eq(l->len, 602);
    ck_assert_int_eq(l->b[0], '<');
    ck_assert_int_eq(l->b[600], '7');
    ck_assert_int_eq(l->b[601], '>');
    ck_assert_int_eq(l->b[602], '\0');
    ck_assert_uint_eq(strlen(l->b), 602);
}
END_TEST

START_TEST(test_sbuf)
{
    struct sbuf b;
    sbuf_init(&b, &VM);
    struct str *empty = sbuf_str(&b);
    ck_assert_uint_eq(empty->len, 0);
    ck_assert_str_eq(empty->b, "");
    sbuf_puts(&b, "ab");
    sbuf_putc(&b, 'c');
    sbuf_put(&b, "d\0e", 3);
    sbuf_printf(&b, "[%d]", 12);
    ck_assert_uint_eq(b.n, 10);
    ck_assert_int_eq(memcmp(b.p, "abcd\0e[12]", 11), 0);
    struct str *s = sbuf_str(&b);
    ck_assert_uint_eq(s->len, 10);
    /* the str is a copy: the buffer keeps growing without touching it */
    for (int i = 0; i < 1000; i++)
        sbuf_printf(&b, "%04d", i);
    sbuf_printf(&b, "%s", "");
    ck_assert_uint_eq(b.n, 10 + 4000);
    ck_assert_int_eq(memcmp(b.p + 10, "00000001", 8), 0);
    ck_assert_int_eq(memcmp(b.p + b.n - 4, "0999", 4), 0);
    ck_assert_int_eq(b.p[b.n], '\0');
    ck_assert_int_eq(memcmp(s->b, "abcd\0e[12]", 11), 0);
    /* one printf far longer than the spare room */
    struct sbuf c;
    sbuf_init(&c, &VM);
    sbuf_putc(&c, '>');
    sbuf_printf(&c, "%05000d", 1);
    ck_assert_uint_eq(c.n, 5001);
    ck_assert_uint_eq(strlen(c.p), 5001);
    ck_assert_int_eq(c.p[5000], '1');
    ck_assert_str_eq(sbuf_str(&c)->b, c.p);
}
END_TEST

/* {===== lists */

START_TEST(test_list)
{
    struct list *l = list_new(&VM, 0);
    ck_assert_uint_eq(l->n, 0);
    for (int i = 0; i < 10000; i++)
        list_push(&VM, l, v_int(i));
    ck_assert_uint_eq(l->n, 10000);
    ck_assert_uint_ge(l->cap, l->n);
    int bad = 0;
    for (uint32_t i = 0; i < l->n; i++)
        bad += l->v[i].tag != V_INT || l->v[i].as.i != (int64_t)i;
    ck_assert_int_eq(bad, 0);
    struct list *c = list_copy(&VM, l);
    ck_assert_uint_eq(c->n, l->n);
    ck_assert_ptr_ne(c->v, l->v);
    list_push(&VM, c, v_none());
    c->v[0] = v_int(-1);
    ck_assert_uint_eq(l->n, 10000);
    ck_assert_int_eq(l->v[0].as.i, 0);
    struct list *p = list_new(&VM, 5);
    ck_assert_uint_eq(p->cap, 5);
    ck_assert_uint_eq(list_copy(&VM, list_new(&VM, 0))->n, 0);
}
END_TEST

static Suite *value_suite(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_truthy, 0, sizeof truthy_cases / sizeof truthy_cases[0]);
    tcase_add_test(tc, test_truthy_callables);
    tcase_add_loop_test(tc, test_equal, 0, sizeof equal_cases / sizeof equal_cases[0]);
    tcase_add_test(tc, test_equal_large_dicts);
    tcase_add_test(tc, test_equal_special);
    tcase_add_loop_test(tc, test_type_names, 0, sizeof type_cases / sizeof type_cases[0]);
    tcase_add_test(tc, test_type_names_callables);
    tcase_add_loop_test(tc, test_units, 0, sizeof unit_cases / sizeof unit_cases[0]);
    tcase_add_test(tc, test_unit_values);
    tcase_add_test(tc, test_deep_copy);
    suite_add_tcase(s, tc);

    TCase *ts = tcase_create("str");
    tcase_add_checked_fixture(ts, setup, teardown);
    tcase_add_test(ts, test_str_new);
    tcase_add_test(ts, test_str_intern);
    tcase_add_test(ts, test_str_intern_many);
    tcase_add_test(ts, test_str_hash);
    tcase_add_test(ts, test_str_eq);
    tcase_add_loop_test(ts, test_str_cmp, 0, sizeof cmp_cases / sizeof cmp_cases[0]);
    tcase_add_test(ts, test_str_fmt);
    tcase_add_test(ts, test_sbuf);
    tcase_add_test(ts, test_list);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(value_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
