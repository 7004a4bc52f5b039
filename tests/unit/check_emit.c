/* Output formatting: floats, str(), YAML scalar styles and layout, planning, JSON forms. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "lang/token.h"
#include "runtime/emit.h"
#include "runtime/value.h"
#include "runtime/vm.h"
#include "runtime/vm_impl.h"
#include "scl.h"

/* {===== fixture: a fresh vm per test */

static struct arena A;
static struct diags DG;
static struct vm VM;

static void setup(void)
{
    arena_init(&A, NULL, NULL);
    diags_init(&DG, &A);
    vm_init(&VM, &A, &DG);
}

static void teardown(void)
{
    arena_free(&A);
}

/* {===== value builders */

static struct value vs(const char *s)
{
    return v_str(str_cstr(&VM, s));
}

static struct value vl(int n, ...)
{
    va_list ap;
    struct list *l = list_new(&VM, 0);
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        list_push(&VM, l, va_arg(ap, struct value));
    va_end(ap);
    return v_list(l);
}

/* vd(n, "k1", v1, "k2", v2, ...) */
static struct value vd(int n, ...)
{
    va_list ap;
    struct dict *d = dict_new(&VM, 0);
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        dict_set(&VM, d, str_cstr(&VM, k), va_arg(ap, struct value));
    }
    va_end(ap);
    return v_dict(d);
}

static struct value vfn(void)
{
    return v_func(vm_native(&VM, "f", NULL));
}

/* {===== running the emitters inside vm_protect */

struct out {
    char *p;
    size_t n, cap;
};

static int out_write(void *ud, const char *buf, size_t len)
{
    struct out *o = ud;
    if (o->n + len + 1 > o->cap) {
        o->cap = (o->n + len + 1) * 2;
        o->p = arena_realloc(&A, o->p, o->n ? o->n + 1 : 0, o->cap);
    }
    memcpy(o->p + o->n, buf, len);
    o->n += len;
    o->p[o->n] = '\0';
    return 0;
}

enum job_kind { J_YAML, J_STREAM, J_TEXT, J_JSON_TEXT, J_JSON_DOC, J_STR };

struct job {
    enum job_kind kind;
    struct value v;
    unsigned flags;
    int indent;
    const char *sep;
    struct out out;
    int rc;
};

static void job_run(struct vm *vm, void *ud)
{
    struct job *j = ud;
    struct str *s;
    struct sbuf b;
    switch (j->kind) {
    case J_YAML:
        j->rc = emit_yaml(vm, j->v, j->flags, out_write, &j->out);
        break;
    case J_STREAM:
        j->rc =
            emit_yaml_stream(vm, j->v.as.l, j->flags, j->sep, strlen(j->sep), out_write, &j->out);
        break;
    case J_TEXT:
        s = emit_yaml_text(vm, j->v, j->flags);
        out_write(&j->out, s->b, s->len);
        break;
    case J_JSON_TEXT:
        sbuf_init(&b, vm);
        emit_json_text(&b, j->v, j->indent, j->flags);
        out_write(&j->out, b.p ? b.p : "", b.n);
        break;
    case J_JSON_DOC:
        j->rc = emit_json_doc(vm, j->v, j->flags, out_write, &j->out);
        break;
    case J_STR:
        s = v_to_str(vm, j->v);
        out_write(&j->out, s->b, s->len);
        break;
    }
}

/* Output text of one job; an error raised inside gives "<error: message>". */
static const char *run(enum job_kind kind, struct value v, unsigned flags)
{
    struct job *j = arena_zalloc(&A, sizeof *j);
    j->kind = kind;
    j->v = v;
    j->flags = flags;
    j->sep = "---";
    out_write(&j->out, "", 0);
    if (!vm_protect(&VM, job_run, j))
        return arena_printf(&A, "<error: %s>", VM.last_error->message);
    ck_assert_int_eq(j->rc, EMIT_OK);
    return j->out.p;
}

static const char *yaml(struct value v, unsigned flags)
{
    return run(J_YAML, v, flags);
}

static const char *json_text(struct value v, int indent, unsigned flags)
{
    struct job *j = arena_zalloc(&A, sizeof *j);
    j->kind = J_JSON_TEXT;
    j->v = v;
    j->flags = flags;
    j->indent = indent;
    out_write(&j->out, "", 0);
    ck_assert(vm_protect(&VM, job_run, j));
    return j->out.p;
}

/* {===== fmt_float */

static const struct {
    double f;
    const char *exp_form; /* YAML/JSON */
    const char *plain;    /* str() */
} float_cases[] = {
    {0.0, "0.0", "0.0"},
    {-0.0, "-0.0", "-0.0"},
    {1.0, "1.0", "1.0"},
    {-2.5, "-2.5", "-2.5"},
    {1.5, "1.5", "1.5"},
    {1.2, "1.2", "1.2"},
    {0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"},
    {1e6, "1000000.0", "1000000.0"},
    {1024.0, "1024.0", "1024.0"},
    {1048576.0, "1048576.0", "1048576.0"},
    {1e15, "1000000000000000.0", "1000000000000000.0"},
    {1e16, "1e16", "10000000000000000.0"},
    {1.5e16, "1.5e16", "15000000000000000.0"},
    {1e20, "1e20", "100000000000000000000.0"},
    {123456789012345680.0, "1.2345678901234568e17", "123456789012345680.0"},
    {9007199254740993.0, "9007199254740992.0", "9007199254740992.0"},
    {1e-5, "0.00001", "0.00001"},
    {1.5e-5, "0.000015", "0.000015"},
    {1e-6, "1e-6", "0.000001"},
    {1e-7, "1e-7", "0.0000001"},
    {1.5e-7, "1.5e-7", "0.00000015"},
    {1e-9, "1e-9", "0.000000001"},
    {1.024e-6, "1.024e-6", "0.000001024"},
    {2.22e-16, "2.22e-16", "0.000000000000000222"},
    {3.4e38, "3.4e38", "340000000000000000000000000000000000000.0"},
    {1.1754943510000001e-36, "1.1754943510000001e-36",
     "0.0000000000000000000000000000000000011754943510000001"},
    {5e-324, "5e-324", NULL},
    {1.7976931348623157e308, "1.7976931348623157e308", NULL},
    {2.2250738585072014e-308, "2.2250738585072014e-308", NULL},
    {0.001, "0.001", "0.001"},
    {100.25, "100.25", "100.25"},
    {-1e16, "-1e16", "-10000000000000000.0"},
};

START_TEST(test_fmt_float)
{
    char buf[FMT_FLOAT_MAX];
    size_t n = fmt_float(float_cases[_i].f, true, buf, sizeof buf);
    ck_assert_str_eq(buf, float_cases[_i].exp_form);
    ck_assert_uint_eq(n, strlen(float_cases[_i].exp_form));
    if (float_cases[_i].plain) {
        fmt_float(float_cases[_i].f, false, buf, sizeof buf);
        ck_assert_str_eq(buf, float_cases[_i].plain);
    }
}
END_TEST

START_TEST(test_fmt_float_special)
{
    char buf[FMT_FLOAT_MAX];
    fmt_float(NAN, true, buf, sizeof buf);
    ck_assert_str_eq(buf, "NaN");
    fmt_float(NAN, false, buf, sizeof buf);
    ck_assert_str_eq(buf, "NaN.0");
    fmt_float(-INFINITY, true, buf, sizeof buf);
    ck_assert_str_eq(buf, "-inf");
    fmt_float(INFINITY, false, buf, sizeof buf);
    ck_assert_str_eq(buf, "inf.0");
    /* the longest plain text fits the documented buffer */
    size_t n = fmt_float(-5e-324, false, buf, sizeof buf);
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_uint_eq(n, 1 + 2 + 323 + 1);
    ck_assert_str_eq(buf + n - 3, "005");
    n = fmt_float(1.7976931348623157e308, false, buf, sizeof buf);
    ck_assert_uint_eq(n, 309 + 2);
    /* truncation keeps a terminated prefix */
    char small[5];
    n = fmt_float(123456.5, true, small, sizeof small);
    ck_assert_str_eq(small, "1234");
    ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(test_fmt_float_digits)
{
    char d[FMT_DIGITS_MAX + 1];
    int e;
    ck_assert_int_eq(fmt_float_digits(0.1 + 0.2, d, &e), 17);
    ck_assert_str_eq(d, "30000000000000004");
    ck_assert_int_eq(e, -1);
    ck_assert_int_eq(fmt_float_digits(-1500.0, d, &e), 2);
    ck_assert_str_eq(d, "15");
    ck_assert_int_eq(e, 3);
    /* every power of two reads back from its digits */
    for (int p = -1074; p < 1024; p += 7) {
        double f = ldexp(1.0, p);
        int n = fmt_float_digits(f, d, &e);
        char text[64];
        snprintf(text, sizeof text, "%.*se%d", n, d, e - n + 1);
        ck_assert(strtod(text, NULL) == f);
    }
}
END_TEST

static const struct {
    double f;
    const char *want;
} go_cases[] = {
    {1.0, "1"},
    {0.0, "0"},
    {-0.0, "-0"},
    {1.5, "1.5"},
    {1e20, "100000000000000000000"},
    {1e21, "1e+21"},
    {1.5e300, "1.5e+300"},
    {1e-6, "0.000001"},
    {1e-7, "1e-7"},
    {1.5e-10, "1.5e-10"},
    {1048576.0, "1048576"},
    {-2.25, "-2.25"},
    {1e16, "10000000000000000"},
    {5e-324, "5e-324"},
};

START_TEST(test_fmt_float_json)
{
    char buf[FMT_FLOAT_MAX];
    fmt_float_json(go_cases[_i].f, buf, sizeof buf);
    ck_assert_str_eq(buf, go_cases[_i].want);
}
END_TEST

/* {===== str() */

START_TEST(test_str_scalars)
{
    ck_assert_str_eq(run(J_STR, v_none(), 0), "None");
    ck_assert_str_eq(run(J_STR, v_undef(), 0), "Undefined");
    ck_assert_str_eq(run(J_STR, v_bool(true), 0), "True");
    ck_assert_str_eq(run(J_STR, v_bool(false), 0), "False");
    ck_assert_str_eq(run(J_STR, v_int(-42), 0), "-42");
    ck_assert_str_eq(run(J_STR, v_int(INT64_MIN), 0), "-9223372036854775808");
    ck_assert_str_eq(run(J_STR, v_float(1.0), 0), "1.0");
    ck_assert_str_eq(run(J_STR, v_float(1e20), 0), "100000000000000000000.0");
    ck_assert_str_eq(run(J_STR, v_float(1e-7), 0), "0.0000001");
    ck_assert_str_eq(run(J_STR, v_unit(1, UNIT_Ki), 0), "1Ki");
    ck_assert_str_eq(run(J_STR, v_unit(1024, UNIT_u), 0), "1024u");
    ck_assert_str_eq(run(J_STR, vs("a 'b'"), 0), "a 'b'");
    ck_assert_str_eq(run(J_STR, vfn(), 0), "function");
}
END_TEST

START_TEST(test_str_containers)
{
    ck_assert_str_eq(run(J_STR, vl(0), 0), "[]");
    ck_assert_str_eq(run(J_STR, vd(0), 0), "{}");
    ck_assert_str_eq(run(J_STR, vl(1, vs("a")), 0), "[a]");
    ck_assert_str_eq(run(J_STR, vl(4, v_int(1), vs("a b"), v_float(1.5), v_none()), 0),
                     "[1, a b, 1.5, None]");
    ck_assert_str_eq(run(J_STR, vd(1, "key", vs("value")), 0), "{'key': 'value'}");
    ck_assert_str_eq(run(J_STR, vd(3, "k", vs("v"), "n", v_int(1), "b", v_bool(true)), 0),
                     "{'k': 'v', 'n': 1, 'b': True}");
    /* strings are quoted as dict values only, not inside nested lists */
    ck_assert_str_eq(run(J_STR, vd(1, "l", vl(2, vs("a"), vd(1, "x", vs("y")))), 0),
                     "{'l': [a, {'x': 'y'}]}");
    ck_assert_str_eq(run(J_STR, vl(1, vd(1, "a", vs("b"))), 0), "[{'a': 'b'}]");
    ck_assert_str_eq(run(J_STR, vl(2, vl(1, v_int(1)), vl(0)), 0), "[[1], []]");
    /* quote choice: ' unless the text has ", then " (escaped only when both occur) */
    ck_assert_str_eq(run(J_STR, vd(1, "it's", vs("it's")), 0), "{'it's': 'it's'}");
    ck_assert_str_eq(run(J_STR, vd(1, "k", vs("say \"hi\"")), 0), "{'k': \"say \"hi\"\"}");
    ck_assert_str_eq(run(J_STR, vd(1, "k", vs("a'b\"c")), 0), "{'k': \"a'b\\\"c\"}");
    struct value s = vd(2, "name", vs("x"), "age", v_int(3));
    s.tag = V_SCHEMA;
    ck_assert_str_eq(run(J_STR, s, 0), "{'name': 'x', 'age': 3}");
    ck_assert_str_eq(run(J_STR, vd(2, "u", v_undef(), "f", vfn()), 0),
                     "{'u': Undefined, 'f': function}");
}
END_TEST

/* {===== YAML scalar styles: the string as a mapping value, then as a key */

static const struct {
    const char *s;
    const char *value; /* YAML of {k: s} */
} style_cases[] = {
    /* rule 2: would read back as a non-string */
    {"", "k: ''\n"},
    {"1", "k: '1'\n"},
    {"007", "k: '007'\n"},
    {"1.5", "k: '1.5'\n"},
    {"1e3", "k: '1e3'\n"},
    {"0x1f", "k: '0x1f'\n"},
    {"10Gi", "k: '10Gi'\n"},
    {"+1", "k: '+1'\n"},
    {"-1", "k: '-1'\n"},
    {".inf", "k: '.inf'\n"},
    {".5", "k: '.5'\n"},
    {"on", "k: 'on'\n"},
    {"On", "k: 'On'\n"},
    {"off", "k: 'off'\n"},
    {"yes", "k: 'yes'\n"},
    {"Yes", "k: 'Yes'\n"},
    {"no", "k: 'no'\n"},
    {"y", "k: 'y'\n"},
    {"n", "k: 'n'\n"},
    {"N", "k: 'N'\n"},
    {"true", "k: 'true'\n"},
    {"True", "k: 'True'\n"},
    {"FALSE", "k: 'FALSE'\n"},
    {"null", "k: 'null'\n"},
    {"Null", "k: 'Null'\n"},
    {"NULL", "k: 'NULL'\n"},
    {"nil", "k: 'nil'\n"},
    {"~", "k: '~'\n"},
    {"nan", "k: 'nan'\n"},
    {"NaN", "k: 'NaN'\n"},
    {"-x", "k: '-x'\n"},
    {"- x", "k: '- x'\n"},
    {"-", "k: '-'\n"},
    {"---x", "k: '---x'\n"},
    {"...x", "k: '...x'\n"},
    {"1 it's", "k: '1 it''s'\n"},
    /* rule 3: plain unless libyaml refuses */
    {"abc", "k: abc\n"},
    {"a b", "k: a b\n"},
    {"inf", "k: inf\n"},
    {"yess", "k: yess\n"},
    {"nope", "k: nope\n"},
    {"x:y", "k: x:y\n"},
    {"a,b", "k: a,b\n"},
    {"x]", "k: x]\n"},
    {"x}", "k: x}\n"},
    {"a'b", "k: a'b\n"},
    {"a\"b", "k: a\"b\n"},
    {"a#b", "k: a#b\n"},
    {"?x", "k: ?x\n"},
    {":x", "k: :x\n"},
    {"é", "k: é\n"},
    {"日本語", "k: 日本語\n"},
    {"http://x.io/a?b=c", "k: http://x.io/a?b=c\n"},
    {"a: b", "k: 'a: b'\n"},
    {"key:", "k: 'key:'\n"},
    {"a #b", "k: 'a #b'\n"},
    {"#a", "k: '#a'\n"},
    {"[x", "k: '[x'\n"},
    {"]x", "k: ']x'\n"},
    {"{x", "k: '{x'\n"},
    {",x", "k: ',x'\n"},
    {"&x", "k: '&x'\n"},
    {"*x", "k: '*x'\n"},
    {"!x", "k: '!x'\n"},
    {"|x", "k: '|x'\n"},
    {">x", "k: '>x'\n"},
    {"'x", "k: '''x'\n"},
    {"\"x", "k: '\"x'\n"},
    {"%x", "k: '%x'\n"},
    {"@x", "k: '@x'\n"},
    {"`x", "k: '`x'\n"},
    {"? x", "k: '? x'\n"},
    {": x", "k: ': x'\n"},
    {"?", "k: '?'\n"},
    {" lead", "k: ' lead'\n"},
    {"trail ", "k: 'trail '\n"},
    {" ", "k: ' '\n"},
    /* double quotes: characters outside libyaml's printable set */
    {"tab\there", "k: \"tab\\there\"\n"},
    {"cr\r", "k: \"cr\\r\"\n"},
    {"a\x7f", "k: \"a\\x7F\"\n"},
    {"a\xc2\205b", "k: \"a\\Nb\"\n"},
    {"\xef\xbb\xbfx", "k: \"\\uFEFFx\"\n"},
    {"\xf0\x9f\x98\x80", "k: \"\\U0001F600\"\n"},
    {"a\x1b", "k: \"a\\e\"\n"},
    /* rule 1: literal blocks, with libyaml's refusals */
    {"a\nb", "k: |-\n  a\n  b\n"},
    {"a\nb\n", "k: |\n  a\n  b\n"},
    {"a\n\n", "k: |+\n  a\n\n...\n"},
    {"\n", "k: |2+\n\n...\n"},
    {" a\nb", "k: |2-\n   a\n  b\n"},
    {"\na", "k: |2-\n\n  a\n"},
    {"1\n2", "k: |-\n  1\n  2\n"},
    {"a: b\n#c", "k: |-\n  a: b\n  #c\n"},
    {"a \nb", "k: \"a \\nb\"\n"},
    {"a\nb ", "k: \"a\\nb \"\n"},
    {"a\tb\nc", "k: \"a\\tb\\nc\"\n"},
    {"a\rb\nc", "k: \"a\\rb\\nc\"\n"},
};

START_TEST(test_yaml_scalar_style)
{
    const char *s = style_cases[_i].s;
    ck_assert_str_eq(yaml(vd(1, "k", vs(s)), 0), style_cases[_i].value);
}
END_TEST

/* Keys follow the same rules; a multi-line key becomes libyaml's complex key. */
static const struct {
    const char *key;
    const char *want;
} key_cases[] = {
    {"1", "'1': 1\n"},
    {"true", "'true': 1\n"},
    {"", "'': 1\n"},
    {"-x", "'-x': 1\n"},
    {"a b", "a b: 1\n"},
    {"a: b", "'a: b': 1\n"},
    {"tab\t", "\"tab\\t\": 1\n"},
    {"é", "é: 1\n"},
    {"a\nb", "? |-\n  a\n  b\n: 1\n"},
};

START_TEST(test_yaml_keys)
{
    ck_assert_str_eq(yaml(vd(1, key_cases[_i].key, v_int(1)), 0), key_cases[_i].want);
}
END_TEST

START_TEST(test_yaml_long_key)
{
    char key[200];
    memset(key, 'k', 129);
    key[129] = '\0';
    const char *got = yaml(vd(1, key, v_int(1)), 0);
    ck_assert_int_eq(strncmp(got, "? kkk", 5), 0);
    ck_assert_str_eq(got + strlen(got) - 5, "\n: 1\n");
    key[128] = '\0';
    got = yaml(vd(1, key, v_int(1)), 0);
    ck_assert_int_eq(strncmp(got, "kkk", 3), 0);
    ck_assert_str_eq(got + strlen(got) - 5, "k: 1\n");
    ck_assert_uint_eq(strlen(got), 128 + 4);
}
END_TEST

/* {===== YAML layout */

START_TEST(test_yaml_scalars_top)
{
    ck_assert_str_eq(yaml(v_int(1), 0), "1\n");
    ck_assert_str_eq(yaml(vs("abc"), 0), "abc\n");
    ck_assert_str_eq(yaml(vs("1"), 0), "'1'\n");
    ck_assert_str_eq(yaml(vs("a\nb"), 0), "|-\n  a\n  b\n");
    ck_assert_str_eq(yaml(v_none(), 0), "null\n");
    ck_assert_str_eq(yaml(v_bool(false), 0), "false\n");
    ck_assert_str_eq(yaml(v_float(NAN), 0), "null\n");
    /* an empty result, Undefined or a function print {} */
    ck_assert_str_eq(yaml(vd(0), 0), "{}\n");
    ck_assert_str_eq(yaml(v_undef(), 0), "{}\n");
    ck_assert_str_eq(yaml(vfn(), 0), "{}\n");
    ck_assert_str_eq(yaml(vl(0), 0), "[]\n");
}
END_TEST

START_TEST(test_yaml_values)
{
    struct value v = vd(9, "i", v_int(-3), "f", v_float(1.0), "g", v_float(1e16), "h",
                        v_float(0.00001), "nil", v_none(), "t", v_bool(true), "u",
                        v_unit(1, UNIT_Mi), "m", v_unit(1, UNIT_n), "inf", v_float(INFINITY));
    ck_assert_str_eq(yaml(v, 0), "i: -3\nf: 1.0\ng: 1e16\nh: 0.00001\n'nil': null\nt: true\n"
                                 "u: 1048576.0\nm: 1e-9\ninf: null\n");
}
END_TEST

START_TEST(test_yaml_nesting)
{
    /* lists in a mapping are not indented; mappings in lists start on the dash line */
    ck_assert_str_eq(yaml(vd(2, "a", vl(2, v_int(1), v_int(2)), "b", vd(1, "c", vs("x"))), 0),
                     "a:\n- 1\n- 2\nb:\n  c: x\n");
    ck_assert_str_eq(yaml(vl(2, vl(2, v_int(1), v_int(2)), vl(1, v_int(3))), 0),
                     "- - 1\n  - 2\n- - 3\n");
    ck_assert_str_eq(yaml(vl(2, vd(2, "a", v_int(1), "b", v_int(2)), v_int(3)), 0),
                     "- a: 1\n  b: 2\n- 3\n");
    ck_assert_str_eq(yaml(vd(2, "a", vd(0), "b", vl(0)), 0), "a: {}\nb: []\n");
    ck_assert_str_eq(yaml(vd(1, "l", vl(3, vd(1, "x", v_int(1)), vl(1, v_int(1)), vl(0))), 0),
                     "l:\n- x: 1\n- - 1\n- []\n");
    ck_assert_str_eq(yaml(vd(1, "a", vd(1, "b", vd(1, "c", vl(1, vd(1, "d", v_int(1)))))), 0),
                     "a:\n  b:\n    c:\n    - d: 1\n");
    ck_assert_str_eq(yaml(vl(1, vs("a\nb")), 0), "- |-\n  a\n  b\n");
    ck_assert_str_eq(yaml(vd(1, "a", vd(1, "b", vs("x\ny\n"))), 0), "a:\n  b: |\n    x\n    y\n");
    ck_assert_str_eq(yaml(vd(1, "l", vl(1, vd(1, "s", vs("x\ny")))), 0),
                     "l:\n- s: |-\n    x\n    y\n");
    ck_assert_str_eq(yaml(vl(3, vl(1, vl(1, v_int(1))), vd(0), vl(0)), 0), "- - - 1\n- {}\n- []\n");
    /* schema instances are mappings */
    struct value s = vd(2, "name", vs("Alice"), "age", v_int(18));
    s.tag = V_SCHEMA;
    ck_assert_str_eq(yaml(vd(1, "p", s), 0), "p:\n  name: Alice\n  age: 18\n");
    /* the golden of datatype/str_interpolation/complex_1 */
    ck_assert_str_eq(yaml(vd(2, "jsonStr", vs("{\"key1\": \"value1\", \"key2\": \"value2\"}"),
                             "yamlStr", vs("key1: value1\nkey2: value2\n")),
                          0),
                     "jsonStr: '{\"key1\": \"value1\", \"key2\": \"value2\"}'\n"
                     "yamlStr: |\n  key1: value1\n  key2: value2\n");
}
END_TEST

/* {===== documents (§6.2) */

START_TEST(test_yaml_documents)
{
    struct value a = vd(1, "a", v_int(1)), b = vd(1, "b", v_int(2));
    ck_assert_str_eq(yaml(vl(2, a, b), 0), "a: 1\n---\nb: 2\n");
    ck_assert_str_eq(yaml(vl(1, a), 0), "a: 1\n");
    /* a non-mapping element makes it one document with a list */
    ck_assert_str_eq(yaml(vl(2, a, v_int(1)), 0), "- a: 1\n- 1\n");
    /* dropped elements do not count; None does unless -n */
    ck_assert_str_eq(yaml(vl(3, a, v_undef(), b), 0), "a: 1\n---\nb: 2\n");
    ck_assert_str_eq(yaml(vl(2, a, v_none()), 0), "- a: 1\n- null\n");
    ck_assert_str_eq(yaml(vl(2, a, v_none()), SCL_EMIT_DROP_NONE), "a: 1\n");
    ck_assert_str_eq(yaml(vl(1, v_undef()), 0), "[]\n");
    /* documents keep libyaml's text except the final newline, "..." included */
    ck_assert_str_eq(yaml(vl(2, vd(1, "s", vs("x\n\n")), b), 0), "s: |+\n  x\n\n...\n---\nb: 2\n");
    /* an empty mapping is a document of its own */
    ck_assert_str_eq(yaml(vl(2, vd(0), b), 0), "{}\n---\nb: 2\n");
    /* schema instances too (path_selector/list_content) */
    struct value p1 = vd(2, "name", vs("Alice"), "age", v_int(18));
    struct value p2 = vd(2, "name", vs("Bob"), "age", v_int(10));
    p1.tag = p2.tag = V_SCHEMA;
    ck_assert_str_eq(yaml(vl(2, p1, p2), 0), "name: Alice\nage: 18\n---\nname: Bob\nage: 10\n");
    ck_assert(emit_is_stream(vl(2, p1, a), 0));
    ck_assert(!emit_is_stream(vl(0), 0));
    ck_assert(!emit_is_stream(a, 0));
}
END_TEST

START_TEST(test_yaml_stream)
{
    struct job j = {.kind = J_STREAM, .v = vl(3, v_int(1), v_int(2), v_int(3)), .sep = "---"};
    out_write(&j.out, "", 0);
    ck_assert(vm_protect(&VM, job_run, &j));
    ck_assert_str_eq(j.out.p, "1\n---\n2\n---\n3\n");

    /* builtins/manifests/yaml_stream/config_sep */
    struct value x0 = vd(2, "name", vs("kcl"), "age", v_int(1));
    struct value x1 = vd(2, "name", vs("kcl"), "age", v_int(101));
    struct job k = {.kind = J_STREAM, .v = vl(2, x0, x1), .sep = "\n---\n"};
    out_write(&k.out, "", 0);
    ck_assert(vm_protect(&VM, job_run, &k));
    ck_assert_str_eq(k.out.p, "name: kcl\nage: 1\n\n---\n\nname: kcl\nage: 101\n");

    /* elements of any kind; sort_keys and hidden keys follow the flags */
    struct job m = {.kind = J_STREAM,
                    .v = vl(3, v_none(), vd(2, "b", v_int(1), "_a", v_int(2)), vl(1, vs("x"))),
                    .flags = SCL_EMIT_SORT_KEYS | SCL_EMIT_SHOW_HIDDEN,
                    .sep = "---"};
    out_write(&m.out, "", 0);
    ck_assert(vm_protect(&VM, job_run, &m));
    ck_assert_str_eq(m.out.p, "null\n---\n_a: 2\nb: 1\n---\n- x\n");
}
END_TEST

START_TEST(test_yaml_text)
{
    /* single document with its trailing newline (yaml.encode, ${x: #yaml}) */
    ck_assert_str_eq(run(J_TEXT, vd(1, "key", vs("value")), 0), "key: value\n");
    ck_assert_str_eq(run(J_TEXT, vl(2, vd(1, "a", v_int(1)), vd(1, "b", v_int(2))), 0),
                     "- a: 1\n- b: 2\n");
    ck_assert_str_eq(run(J_TEXT, vs("a\n\n"), 0), "|+\n  a\n\n...\n");
    ck_assert_str_eq(run(J_TEXT, v_undef(), 0), "null\n");
    ck_assert_str_eq(run(J_TEXT, vd(0), 0), "{}\n");
    struct str *s =
        v_to_yaml(&VM, vd(3, "b", v_int(1), "_a", v_int(2), "c", v_none()), true, true, true);
    ck_assert_str_eq(s->b, "b: 1\n");
    s = v_to_yaml(&VM, vd(3, "b", v_int(1), "_a", v_int(2), "c", v_none()), false, false, false);
    ck_assert_str_eq(s->b, "b: 1\n_a: 2\nc: null\n");
}
END_TEST

START_TEST(test_yaml_invalid_utf8)
{
    const char *got = yaml(vd(1, "k", vs("a\xff")), 0);
    ck_assert_str_eq(got, "<error: cannot write YAML: invalid UTF-8 in a string>");
}
END_TEST

/* {===== planning (§3.9 step 4) */

static struct value planning_value(void)
{
    return vd(8, "_a", v_int(1), "b", vd(2, "_c", v_int(2), "d", v_int(3)), "e", v_undef(), "f",
              vfn(), "g", v_none(), "h", vl(4, v_int(1), v_undef(), v_none(), vfn()), "i",
              vl(1, vd(1, "_j", v_int(1))), "k", vd(1, "l", vd(0)));
}

static const struct {
    unsigned flags;
    const char *want;
} plan_cases[] = {
    {0, "b:\n  d: 3\ng: null\nh:\n- 1\n- null\ni:\n- {}\nk:\n  l: {}\n"},
    {SCL_EMIT_SHOW_HIDDEN,
     "_a: 1\nb:\n  _c: 2\n  d: 3\ng: null\nh:\n- 1\n- null\ni:\n- _j: 1\nk:\n  l: {}\n"},
    {SCL_EMIT_DROP_NONE, "b:\n  d: 3\nh:\n- 1\ni:\n- {}\nk:\n  l: {}\n"},
    {SCL_EMIT_SORT_KEYS | SCL_EMIT_SHOW_HIDDEN | SCL_EMIT_DROP_NONE,
     "_a: 1\nb:\n  _c: 2\n  d: 3\nh:\n- 1\ni:\n- _j: 1\nk:\n  l: {}\n"},
};

START_TEST(test_planning)
{
    ck_assert_str_eq(yaml(planning_value(), plan_cases[_i].flags), plan_cases[_i].want);
    /* emit_plan gives a value that prints the same with planning off */
    struct value p = emit_plan(&VM, planning_value(), plan_cases[_i].flags);
    ck_assert_str_eq(yaml(p, SCL_EMIT_SHOW_HIDDEN), plan_cases[_i].want);
}
END_TEST

START_TEST(test_sort_keys)
{
    struct value v = vd(5, "b", v_int(1), "a", vd(2, "d", v_int(1), "c", v_int(2)), "B", v_int(3),
                        "é", v_int(4), "_z", v_int(5));
    ck_assert_str_eq(yaml(v, SCL_EMIT_SORT_KEYS), "B: 3\na:\n  c: 2\n  d: 1\nb: 1\né: 4\n");
    ck_assert_str_eq(yaml(v, SCL_EMIT_SORT_KEYS | SCL_EMIT_SHOW_HIDDEN),
                     "B: 3\n_z: 5\na:\n  c: 2\n  d: 1\nb: 1\né: 4\n");
    /* insertion order otherwise */
    ck_assert_str_eq(yaml(v, 0), "b: 1\na:\n  d: 1\n  c: 2\nB: 3\né: 4\n");
    /* sorting reaches mappings inside lists */
    ck_assert_str_eq(yaml(vl(2, vd(2, "y", v_int(1), "x", v_int(2)), v_int(0)), SCL_EMIT_SORT_KEYS),
                     "- x: 2\n  'y': 1\n- 0\n");
    uint32_t n;
    struct dict_entry **es = emit_entries(&VM, v.as.d, SCL_EMIT_SORT_KEYS, &n);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(es[0]->key->b, "B");
    ck_assert_str_eq(es[3]->key->b, "é");
    /* the iterator walks the same entries, sorted or in insertion order */
    static const char *const sorted[] = {"B", "a", "b", "é"};
    static const char *const inserted[] = {"b", "a", "B", "é", "_z"};
    struct emit_iter it;
    ck_assert(emit_iter_init(&it, &A, v.as.d, SCL_EMIT_SORT_KEYS));
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(emit_iter_next(&it)->key->b, sorted[i]);
    ck_assert_ptr_null(emit_iter_next(&it));
    ck_assert(emit_iter_init(&it, &A, v.as.d, SCL_EMIT_SHOW_HIDDEN));
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(emit_iter_next(&it)->key->b, inserted[i]);
    ck_assert_ptr_null(emit_iter_next(&it));
    ck_assert(emit_iter_init(&it, &A, NULL, 0));
    ck_assert_ptr_null(emit_iter_next(&it));
}
END_TEST

START_TEST(test_plan_predicates)
{
    ck_assert(emit_drops_value(v_undef(), 0));
    ck_assert(emit_drops_value(vfn(), 0));
    ck_assert(!emit_drops_value(v_none(), 0));
    ck_assert(emit_drops_value(v_none(), SCL_EMIT_DROP_NONE));
    ck_assert(!emit_drops_value(vl(0), SCL_EMIT_DROP_NONE));
    ck_assert(emit_drops_key(str_cstr(&VM, "_x"), 0));
    ck_assert(!emit_drops_key(str_cstr(&VM, "_x"), SCL_EMIT_SHOW_HIDDEN));
    ck_assert(!emit_drops_key(str_cstr(&VM, "x_"), 0));
    ck_assert(!emit_drops_key(str_cstr(&VM, ""), 0));
}
END_TEST

/* {===== JSON */

START_TEST(test_json_text)
{
    struct value v = vd(6, "a", v_int(1), "b", vl(3, v_int(1), v_float(2.0), vs("x")), "c",
                        v_none(), "_d", v_int(1), "e", v_undef(), "f", vfn());
    ck_assert_str_eq(json_text(v, 0, SCL_EMIT_SHOW_HIDDEN),
                     "{\"a\": 1, \"b\": [1, 2.0, \"x\"], \"c\": null, \"_d\": 1}");
    ck_assert_str_eq(json_text(v, 0, 0), "{\"a\": 1, \"b\": [1, 2.0, \"x\"], \"c\": null}");
    ck_assert_str_eq(json_text(v, 0, SCL_EMIT_DROP_NONE | SCL_EMIT_SHOW_HIDDEN),
                     "{\"a\": 1, \"b\": [1, 2.0, \"x\"], \"_d\": 1}");
    ck_assert_str_eq(json_text(v, 0, SCL_EMIT_SORT_KEYS | SCL_EMIT_SHOW_HIDDEN),
                     "{\"_d\": 1, \"a\": 1, \"b\": [1, 2.0, \"x\"], \"c\": null}");
    ck_assert_str_eq(json_text(v, 2, 0), "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2.0,\n"
                                         "    \"x\"\n  ],\n  \"c\": null\n}");
    ck_assert_str_eq(json_text(vd(2, "a", vd(0), "b", vl(0)), 4, 0),
                     "{\n    \"a\": {},\n    \"b\": []\n}");
    ck_assert_str_eq(json_text(vl(2, vl(0), vl(1, vl(0))), 1, 0), "[\n [],\n [\n  []\n ]\n]");
    ck_assert_str_eq(json_text(vd(0), 0, 0), "{}");
    ck_assert_str_eq(json_text(vl(0), 2, 0), "[]");
    ck_assert_str_eq(json_text(v_undef(), 0, 0), "null");
    ck_assert_str_eq(json_text(v_float(1e-6), 0, 0), "1e-6");
    ck_assert_str_eq(json_text(v_float(1e16), 0, 0), "1e16");
    ck_assert_str_eq(json_text(v_float(NAN), 0, 0), "null");
    ck_assert_str_eq(json_text(v_unit(1, UNIT_Ki), 0, 0), "1024.0");
    ck_assert_str_eq(json_text(v_bool(true), 0, 0), "true");
    ck_assert_str_eq(json_text(vs("é\"\\\n\t\x01<>&/\x7f\xe2\x80\xa8"), 0, 0),
                     "\"é\\\"\\\\\\n\\t\\u0001<>&/\x7f\xe2\x80\xa8\"");
    ck_assert_str_eq(json_text(vs("\b\f\r\x1f"), 0, 0), "\"\\b\\f\\r\\u001f\"");
    struct value s = vd(1, "k", v_int(1));
    s.tag = V_SCHEMA;
    ck_assert_str_eq(json_text(vl(1, s), 0, 0), "[{\"k\": 1}]");
    ck_assert_str_eq(v_to_json(&VM, v, 0, true, true, true)->b,
                     "{\"a\": 1, \"b\": [1, 2.0, \"x\"]}");
    ck_assert_str_eq(v_to_json(&VM, v, 0, false, false, false)->b,
                     "{\"a\": 1, \"b\": [1, 2.0, \"x\"], \"c\": null, \"_d\": 1}");
}
END_TEST

START_TEST(test_json_doc)
{
    struct value v = vd(5, "b", v_float(1.0), "a", vd(1, "<", vs("a&b>")), "c", vl(0), "d", vd(0),
                        "e", vl(2, v_float(1.5), v_float(1e-7)));
    ck_assert_str_eq(run(J_JSON_DOC, v, 0),
                     "{\n    \"a\": {\n        \"\\u003c\": \"a\\u0026b\\u003e\"\n    },\n"
                     "    \"b\": 1,\n    \"c\": [],\n    \"d\": {},\n    \"e\": [\n"
                     "        1.5,\n        1e-7\n    ]\n}\n");
    ck_assert_str_eq(run(J_JSON_DOC, vd(0), 0), "{}\n");
    ck_assert_str_eq(run(J_JSON_DOC, v_undef(), 0), "{}\n");
    ck_assert_str_eq(run(J_JSON_DOC, vd(2, "_h", v_int(1), "n", v_none()), SCL_EMIT_DROP_NONE),
                     "{}\n");
    ck_assert_str_eq(run(J_JSON_DOC, vs("\xe2\x80\xa9\xff\t"), 0), "\"\\u2029\\ufffd\\t\"\n");
    ck_assert_str_eq(run(J_JSON_DOC, v_unit(1, UNIT_Mi), 0), "1048576\n");
    /* one document in a stream is pretty-printed */
    ck_assert_str_eq(run(J_JSON_DOC, vl(1, vd(2, "y", v_int(1), "x", v_int(2))), 0),
                     "{\n    \"x\": 2,\n    \"y\": 1\n}\n");
    /* several documents: runtime JSON, one per line */
    ck_assert_str_eq(
        run(J_JSON_DOC, vl(2, vd(2, "b", v_int(1), "a", v_float(2.0)), vd(1, "c", vs("<"))), 0),
        "{\"b\": 1, \"a\": 2.0}\n{\"c\": \"<\"}\n");
    ck_assert_str_eq(
        run(J_JSON_DOC, vl(2, vd(2, "b", v_int(1), "a", v_int(2)), vd(0)), SCL_EMIT_SORT_KEYS),
        "{\"a\": 2, \"b\": 1}\n{}\n");
    /* a list with a non-mapping is one document */
    ck_assert_str_eq(run(J_JSON_DOC, vl(2, vd(0), v_int(1)), 0), "[\n    {},\n    1\n]\n");
}
END_TEST

/* A writer that refuses stops the output with EMIT_EWRITE. */
static int refuse(void *ud, const char *buf, size_t len)
{
    (void)ud;
    (void)buf;
    (void)len;
    return 1;
}

struct refuse_job {
    int yaml_rc, json_rc;
};

static void refuse_run(struct vm *vm, void *ud)
{
    struct refuse_job *j = ud;
    j->yaml_rc = emit_yaml(vm, v_int(1), 0, refuse, NULL);
    j->json_rc = emit_json_doc(vm, v_int(1), 0, refuse, NULL);
}

START_TEST(test_write_error)
{
    struct refuse_job j = {0, 0};
    ck_assert(vm_protect(&VM, refuse_run, &j));
    ck_assert_int_eq(j.yaml_rc, EMIT_EWRITE);
    ck_assert_int_eq(j.json_rc, EMIT_EWRITE);
}
END_TEST

static Suite *emit_suite(void)
{
    Suite *s = suite_create("emit");
    TCase *tc = tcase_create("fmt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_fmt_float, 0, sizeof float_cases / sizeof float_cases[0]);
    tcase_add_test(tc, test_fmt_float_special);
    tcase_add_test(tc, test_fmt_float_digits);
    tcase_add_loop_test(tc, test_fmt_float_json, 0, sizeof go_cases / sizeof go_cases[0]);
    tcase_add_test(tc, test_str_scalars);
    tcase_add_test(tc, test_str_containers);
    suite_add_tcase(s, tc);

    tc = tcase_create("yaml");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_yaml_scalar_style, 0, sizeof style_cases / sizeof style_cases[0]);
    tcase_add_loop_test(tc, test_yaml_keys, 0, sizeof key_cases / sizeof key_cases[0]);
    tcase_add_test(tc, test_yaml_long_key);
    tcase_add_test(tc, test_yaml_scalars_top);
    tcase_add_test(tc, test_yaml_values);
    tcase_add_test(tc, test_yaml_nesting);
    tcase_add_test(tc, test_yaml_documents);
    tcase_add_test(tc, test_yaml_stream);
    tcase_add_test(tc, test_yaml_text);
    tcase_add_test(tc, test_yaml_invalid_utf8);
    suite_add_tcase(s, tc);

    tc = tcase_create("planning");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_planning, 0, sizeof plan_cases / sizeof plan_cases[0]);
    tcase_add_test(tc, test_sort_keys);
    tcase_add_test(tc, test_plan_predicates);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_json_text);
    tcase_add_test(tc, test_json_doc);
    tcase_add_test(tc, test_write_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(emit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
