/* The direct YAML writer against libyaml's emitter (emit_yaml_use): both must give the same
 * bytes, or the same error, for hand-picked hard strings (as values, keys, list items and
 * whole documents, in simple and complex key contexts) and for seeded pseudo-random nested
 * values whose strings come from a hostile alphabet. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
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

/* {===== running one writer */

struct out {
    char *p;
    size_t n, cap;
};

static int out_write(void *ud, const char *buf, size_t len)
{
    struct out *o = ud;
    if (o->n + len + 1 > o->cap) {
        size_t cap = (o->n + len + 1) * 2;
        o->p = arena_realloc(&A, o->p, o->cap, cap);
        o->cap = cap;
    }
    memcpy(o->p + o->n, buf, len);
    o->n += len;
    o->p[o->n] = '\0';
    return 0;
}

enum job_kind { J_YAML, J_STREAM, J_TEXT };

struct job {
    enum job_kind kind;
    struct value v;
    unsigned flags;
    struct out out;
};

static void job_run(struct vm *vm, void *ud)
{
    struct job *j = ud;
    struct str *s;
    switch (j->kind) {
    case J_YAML:
        ck_assert_int_eq(emit_yaml(vm, j->v, j->flags, out_write, &j->out), EMIT_OK);
        break;
    case J_STREAM:
        ck_assert_int_eq(emit_yaml_stream(vm, j->v.as.l, j->flags, "---", 3, out_write, &j->out),
                         EMIT_OK);
        break;
    case J_TEXT:
        s = emit_yaml_text(vm, j->v, j->flags);
        out_write(&j->out, s->b, s->len);
        break;
    }
}

/* The output of one writer, or "<error: message>". */
static struct out run(int writer, enum job_kind kind, struct value v, unsigned flags)
{
    struct job j = {.kind = kind, .v = v, .flags = flags};
    emit_yaml_use(&VM, writer);
    out_write(&j.out, "", 0);
    if (!vm_protect(&VM, job_run, &j)) {
        j.out.n = 0;
        out_write(&j.out, "<error: ", 8);
        out_write(&j.out, VM.last_error->message, strlen(VM.last_error->message));
        out_write(&j.out, ">", 1);
    }
    return j.out;
}

/* Printable form of output for a failure message. */
static const char *shown(struct out o)
{
    char *p = arena_alloc(&A, o.n * 4 + 1), *q = p;
    for (size_t i = 0; i < o.n; i++) {
        unsigned char c = (unsigned char)o.p[i];
        if (c == '\n' || (c >= 0x20 && c < 0x7F))
            *q++ = (char)c;
        else
            q += sprintf(q, "\\x%02X", c);
    }
    *q = '\0';
    return p;
}

static void same_kind(enum job_kind kind, struct value v, unsigned flags)
{
    struct out ref = run(EMIT_YAML_LIBYAML, kind, v, flags);
    struct out got = run(EMIT_YAML_DIRECT, kind, v, flags);
    ck_assert_msg(ref.n == got.n && memcmp(ref.p, got.p, ref.n) == 0,
                  "writers differ (kind %d, flags %u):\n--- libyaml\n%s\n--- direct\n%s", kind,
                  flags, shown(ref), shown(got));
}

/* Both writers, every entry point: the CLI form, yaml.encode's text and a one-document
 * yaml_stream. */
static void same(struct value v, unsigned flags)
{
    same_kind(J_YAML, v, flags);
    same_kind(J_TEXT, v, flags);
    struct list *l = list_new(&VM, 1);
    list_push(&VM, l, v);
    same_kind(J_STREAM, v_list(l), flags);
}

/* {===== value builders */

static struct value vsn(const char *s, size_t n)
{
    return v_str(str_new(&VM, s, n));
}

static struct value vs(const char *s)
{
    return vsn(s, strlen(s));
}

static struct value vl1(struct value a)
{
    struct list *l = list_new(&VM, 1);
    list_push(&VM, l, a);
    return v_list(l);
}

static struct value vl2(struct value a, struct value b)
{
    struct list *l = list_new(&VM, 2);
    list_push(&VM, l, a);
    list_push(&VM, l, b);
    return v_list(l);
}

static struct value vd1(struct value k, struct value v)
{
    struct dict *d = dict_new(&VM, 1);
    dict_set(&VM, d, k.as.s, v);
    return v_dict(d);
}

static struct value vd2(struct value k1, struct value v1, struct value k2, struct value v2)
{
    struct dict *d = dict_new(&VM, 2);
    dict_set(&VM, d, k1.as.s, v1);
    dict_set(&VM, d, k2.as.s, v2);
    return v_dict(d);
}

static struct value repeated(char c, size_t n)
{
    char *p = arena_alloc(&A, n);
    memset(p, c, n);
    return vsn(p, n);
}

/* {===== hand-picked strings */

/* clang-format off */
#define S(lit) {lit, sizeof lit - 1}
static const struct {
    const char *s;
    size_t n;
} hard[] = {
    /* empty, spaces */
    S(""), S(" "), S("  "), S("a"), S("a "), S(" a"), S("a b"), S("a  b"), S(" a "),
    /* indicators at the start and inside */
    S("a: b"), S("a:"), S(":a"), S(":"), S(": a"), S("a:b"), S("a :b"), S("a: "), S("? a"),
    S("?a"), S("?"), S("a?"), S("a ?"), S("-"), S("- a"), S("-a"), S("--"), S("---"),
    S("--- a"), S("---a"), S("..."), S("...."), S("..a"), S(".a"), S("a #b"), S("a#b"), S("#a"),
    S("# a"), S("a #"), S(",a"), S("a,b"), S("[a"), S("a]"), S("[]"), S("{}"), S("{"), S("}"),
    S("&a"), S("*a"), S("!a"), S("|a"), S(">a"), S("'a"), S("a'b"), S("''"), S("'"),
    S("\"a"), S("a\"b"), S("\""), S("%a"), S("@a"), S("`a"), S("a\\b"), S("\\"),
    S("http://x.y/z?q=1#f"), S("k=v"), S("a\t"), S("a\tb"), S("\t"), S("\ta"),
    /* words and numbers */
    S("y"), S("Y"), S("yes"), S("No"), S("ON"), S("off"), S("true"), S("False"), S("TRUE"),
    S("null"), S("NULL"), S("Null"), S("nil"), S("~"), S("nan"), S("NaN"), S(".inf"),
    S("-.inf"), S(".NaN"), S("1"), S("-1"), S("+1"), S("0x1f"), S("0o7"), S("0b1"), S("1e3"),
    S("007"), S("1.5"), S("10Gi"), S("1_000"), S("yess"), S("nulls"), S("falsey"), S("x1"),
    /* line breaks: literal blocks, chomping, indentation indicator, refusals */
    S("a\nb"), S("a\n"), S("a\n\n"), S("a\n\n\n"), S("\n"), S("\n\n"), S("\na"), S("\n\na\n\n"),
    S(" a\nb"), S("a \nb"), S("a\n b"), S("a\nb "), S("a\n\nb"), S("a\n \nb"), S("  \n"),
    S("a\n  b\n"), S("line1  \nline2"), S("line1\nline2  "), S("a:\nb"), S("- a\n- b"),
    S("#\n#"), S("'\n'"), S("\"\n\""), S("a\n\tb"), S("a\r\nb"), S("\r\n"), S("a\rb"), S("\r"),
    /* control characters and non-printable code points */
    S("\x01"), S("a\x1b"), S("\x7f"), S("a\x00" "b"), S("\x00"), S("\x07\x08\x0b\x0c"),
    S("\xc2\x85"), S("a\xc2\x85" "b"), S("\xc2\x80"), S("\xc2\x9f"), S("\xc2\xa0"),
    S("a\xc2\xa0"), S("\xe2\x80\xa8"), S("a\xe2\x80\xa8" "b"), S("a\xe2\x80\xa9" "b"),
    S("a\xe2\x80\xa8"), S("\xe2\x80\xa8" "a"), S("a\n\xe2\x80\xa8" "b"), S("a \xe2\x80\xa8"),
    S("\xef\xbb\xbf"), S("a\xef\xbb\xbf" "b"), S("\xef\xbf\xbe"), S("\xef\xbf\xbf"),
    S("\xef\xbf\xbd"), S("\xed\x9f\xbf"), S("\xee\x80\x80"), S("\xed\xa0\x80"),
    S("\xf4\x90\x80\x80"),
    /* non-ASCII */
    S("\xc3\xa9"), S("caf\xc3\xa9"), S("\xe6\x97\xa5\xe6\x9c\xac"), S("\xf0\x9f\x98\x80"),
    S("a\xf0\x9f\x98\x80" "b"), S("\xc3\xa9\n\xc3\xa9"), S("\xc3\xa9: x"), S("x \xc3\xa9"),
    /* invalid UTF-8: both writers refuse it */
    S("\x80"), S("a\xff"), S("\xc3\x28"), S("\xc0\x80"), S("\xe0\x80\x80"), S("\xf0\x80\x80\x80"),
    S("\xc3"), S("\xe2\x80"), S("\xf8\x88\x80\x80\x80"),
};
/* clang-format on */

START_TEST(test_hard_strings)
{
    struct value s = vsn(hard[_i].s, hard[_i].n);
    struct value k = vs("k");
    struct value multiline_key = vs("a\nb");
    struct value long_key = repeated('k', 130);
    same(s, 0);
    same(vd1(k, s), 0);
    same(vd1(s, v_int(1)), 0);
    same(vd1(s, s), 0);
    same(vd2(s, vd1(k, s), k, vl1(s)), 0);
    same(vl1(s), 0);
    same(vl2(vl1(s), vl2(s, vd1(s, s))), 0);
    same(vd1(k, vd1(k, vl1(vd2(k, s, s, vl1(s))))), 0);
    same(vd1(multiline_key, s), 0);
    same(vd2(multiline_key, vd1(s, s), long_key, vl1(s)), 0);
    same(vd2(long_key, s, s, vd1(multiline_key, vl1(s))), 0);
    same(vl2(s, vd1(k, v_int(2))), 0);
}
END_TEST

/* Keys around libyaml's 128-byte limit for simple keys, in ASCII and multi-byte text. */
START_TEST(test_key_lengths)
{
    for (size_t n = 120; n <= 136; n++) {
        same(vd1(repeated('a', n), v_int(1)), 0);
        same(vd1(repeated(' ', n), vs("x")), 0);
        char *p = arena_alloc(&A, n * 2);
        for (size_t i = 0; i < n; i++)
            memcpy(p + 2 * i, "\xc3\xa9", 2);
        same(vd1(vsn(p, n), vd1(vs("k"), vs("v"))), 0);
        same(vd1(vsn(p, n * 2), vl1(vs("v"))), 0);
    }
}
END_TEST

/* Scalars of every kind, empty collections, planning flags and documents. */
START_TEST(test_values)
{
    struct value k = vs("k");
    struct value scalars[] = {v_none(),
                              v_undef(),
                              v_bool(true),
                              v_bool(false),
                              v_int(0),
                              v_int(-1),
                              v_int(INT64_MIN),
                              v_int(INT64_MAX),
                              v_float(0.0),
                              v_float(-0.0),
                              v_float(1.5),
                              v_float(1e16),
                              v_float(1e-7),
                              v_float(NAN),
                              v_float(INFINITY),
                              v_unit(1, UNIT_Mi),
                              v_unit(3, UNIT_n),
                              v_list(list_new(&VM, 0)),
                              v_dict(dict_new(&VM, 0)),
                              v_schema(dict_new(&VM, 0)),
                              v_func(vm_native(&VM, "f", NULL))};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        for (unsigned flags = 0; flags < 8; flags++) {
            struct value v = scalars[i];
            same(v, flags);
            same(vl1(v), flags);
            same(vl2(v, v), flags);
            same(vd1(k, v), flags);
            same(vd2(vs("_h"), v, k, vl1(v)), flags);
            same(vl1(vd2(vs("_h"), v, k, v)), flags);
            same(vl2(vl1(vl1(v)), vd1(k, vl1(v))), flags);
        }
}
END_TEST

/* {===== pseudo-random values */

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)((r->s >> 33) % n);
}

static const char *const alphabet[] = {" ",
                                       " ",
                                       "\n",
                                       "\n",
                                       ":",
                                       "#",
                                       "-",
                                       "?",
                                       "'",
                                       "\"",
                                       "\\",
                                       "\t",
                                       "\r",
                                       "a",
                                       "b",
                                       "z",
                                       "0",
                                       "1",
                                       ".",
                                       "|",
                                       ">",
                                       "[",
                                       "]",
                                       "{",
                                       "}",
                                       ",",
                                       "&",
                                       "*",
                                       "!",
                                       "%",
                                       "@",
                                       "`",
                                       "~",
                                       "y",
                                       "n",
                                       "no",
                                       "null",
                                       "true",
                                       "---",
                                       "...",
                                       ": ",
                                       " #",
                                       "\xc3\xa9",
                                       "\xf0\x9f\x98\x80",
                                       "\xc2\x85",
                                       "\xe2\x80\xa8",
                                       "\xe2\x80\xa9",
                                       "\xef\xbb\xbf",
                                       "\xc2\xa0",
                                       "\x01",
                                       "\x7f",
                                       "\x00",
                                       "\xe6\x97\xa5",
                                       "_",
                                       "k",
                                       "\xef\xbf\xbf"};

static struct value rand_str(struct rng *r)
{
    char buf[512];
    size_t n = 0;
    uint32_t pieces = rnd(r, 10) ? rnd(r, 8) : rnd(r, 60);
    for (uint32_t i = 0; i < pieces; i++) {
        const char *p = alphabet[rnd(r, sizeof alphabet / sizeof alphabet[0])];
        size_t len = *p ? strlen(p) : 1;
        memcpy(buf + n, p, len);
        n += len;
    }
    if (rnd(r, 400) == 0)
        buf[n++] = (char)0xFF; /* invalid UTF-8 now and then */
    return vsn(buf, n);
}

static struct value rand_value(struct rng *r, int depth)
{
    uint32_t kind = rnd(r, depth > 0 ? 12 : 8);
    switch (kind) {
    case 0:
        return v_none();
    case 1:
        return rnd(r, 4) ? v_int((int64_t)rnd(r, 2000) - 1000) : v_bool(rnd(r, 2));
    case 2:
        return rnd(r, 8) ? v_float(((double)rnd(r, 100000) - 50000) / 64) : v_undef();
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
        return rand_str(r);
    case 8:
    case 9: {
        struct list *l = list_new(&VM, 0);
        for (uint32_t i = rnd(r, 5); i > 0; i--)
            list_push(&VM, l, rand_value(r, depth - 1));
        return v_list(l);
    }
    default: {
        struct dict *d = dict_new(&VM, 0);
        for (uint32_t i = rnd(r, 5); i > 0; i--) {
            struct value k = rnd(r, 20) ? rand_str(r) : repeated('x', 120 + rnd(r, 20));
            dict_set(&VM, d, k.as.s, rand_value(r, depth - 1));
        }
        return kind == 10 ? v_dict(d) : v_schema(d);
    }
    }
}

START_TEST(test_random)
{
    struct rng r = {0x5eed0000u + (uint64_t)_i};
    for (int i = 0; i < 400; i++)
        same(rand_value(&r, 1 + (int)rnd(&r, 4)), rnd(&r, 8));
    /* several documents: the CLI stream and yaml_stream */
    for (int i = 0; i < 50; i++) {
        struct list *l = list_new(&VM, 0);
        for (uint32_t n = 1 + rnd(&r, 3); n > 0; n--)
            list_push(&VM, l,
                      rnd(&r, 3) ? vd1(rand_str(&r), rand_value(&r, 2)) : rand_value(&r, 2));
        unsigned flags = rnd(&r, 8);
        same_kind(J_YAML, v_list(l), flags);
        same_kind(J_STREAM, v_list(l), flags);
    }
}
END_TEST

static Suite *yaml_suite(void)
{
    Suite *s = suite_create("yaml writers");
    TCase *tc = tcase_create("writers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_hard_strings, 0, sizeof hard / sizeof hard[0]);
    tcase_add_test(tc, test_key_lengths);
    tcase_add_test(tc, test_values);
    tcase_add_loop_test(tc, test_random, 0, 10);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(yaml_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
