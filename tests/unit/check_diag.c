/* Diagnostics: recording and KCL-layout rendering. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "lang/source.h"

struct sbuf {
    char data[4096];
    size_t n;
};

static int sbuf_write(void *ud, const char *buf, size_t len)
{
    struct sbuf *b = ud;
    if (b->n + len >= sizeof b->data)
        return 1;
    memcpy(b->data + b->n, buf, len);
    b->n += len;
    b->data[b->n] = '\0';
    return 0;
}

static struct arena A;
static struct source_map SM;
static struct diags D;

static void setup(void)
{
    arena_init(&A, NULL, NULL);
    source_map_init(&SM, &A);
    diags_init(&D, &A);
}

static void teardown(void)
{
    arena_free(&A);
}

static const char *render(const struct diag *g, int json)
{
    static struct sbuf b;
    b.n = 0;
    b.data[0] = '\0';
    diag_render(g, &SM, json, sbuf_write, &b);
    return b.data;
}

START_TEST(test_caret_layout)
{
    const char *text = "schema A:\n   age: int\n";
    struct source *s = source_map_add(&SM, "/x/main.k", text, strlen(text));
    struct span sp = {s->id, 13, 14};
    struct diag *g = diags_add(&D, DIAG_ERROR, "E1001", "InvalidSyntax", sp, true,
                               "invalid indentation with %d spaces", 3);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(D.nerrors, 1);
    ck_assert_str_eq(render(g, 0), "error[E1001]: InvalidSyntax\n"
                                   " --> /x/main.k:2:4\n"
                                   "  |\n"
                                   "2 |    age: int\n"
                                   "  |    ^ invalid indentation with 3 spaces\n"
                                   "  |\n");
}
END_TEST

START_TEST(test_gutter_and_runtime_label)
{
    char text[256] = "";
    for (int i = 0; i < 11; i++)
        strcat(text, "a = 1\n");
    strcat(text, "count = Count {}\n");
    struct source *s = source_map_add(&SM, "/x/main.k", text, strlen(text));
    uint32_t off = 11 * 6 + 8;
    struct span sp = {s->id, off, off + 5};
    struct diag *g = diags_add(&D, DIAG_ERROR, "E3M38", "EvaluationError", sp, true,
                               "Instance check failed");
    struct span sp2 = {s->id, 0, 5};
    diag_add_label(&D, g, sp2, false, "Check failed on the condition");
    diag_add_note(&D, g, "backtrace");
    ck_assert_str_eq(render(g, 0), "error[E3M38]: EvaluationError\n"
                                   "  --> /x/main.k:12:9\n"
                                   "   |\n"
                                   "12 | count = Count {}\n"
                                   "   |         ^ Instance check failed\n"
                                   "   |\n"
                                   " --> /x/main.k:1:1\n"
                                   "  |\n"
                                   "1 | a = 1\n"
                                   "  |  Check failed on the condition\n"
                                   "  |\n"
                                   "note: backtrace\n");
}
END_TEST

START_TEST(test_tab_excerpt_and_json)
{
    const char *text = "schema A:\n\tage: int\n";
    struct source *s = source_map_add(&SM, "/x/m.k", text, strlen(text));
    struct span sp = {s->id, 11, 12};
    struct diag *g = diags_add(&D, DIAG_ERROR, "E1001", "InvalidSyntax", sp, true, "say \"hi\"");
    const char *out = render(g, 0);
    ck_assert_ptr_nonnull(strstr(out, "2 | \tage: int\n  | \t^ say \"hi\"\n"));
    out = render(g, 1);
    ck_assert_ptr_nonnull(strstr(out, "\"message\": \"say \\\"hi\\\"\""));
    ck_assert_ptr_nonnull(strstr(out, "\"line\": 2, \"col\": 2"));
}
END_TEST

START_TEST(test_escapes)
{
    /* invalid UTF-8 and control characters are escaped in excerpts and messages; tabs and
     * valid UTF-8 are kept, and the caret stays under the byte it points at */
    const char *text = "x = \"\x80\x1b[1m\"\tz # \xc3\xa9\n";
    struct source *s = source_map_add(&SM, "/x/e.k", text, strlen(text));
    uint32_t at = (uint32_t)(strchr(text, 'z') - text);
    struct span sp = {s->id, at, at + 1};
    struct diag *g = diags_add(&D, DIAG_ERROR, "E2L23", "CompileError", sp, true,
                               "name 'z\x1b]0;t\x07' \xff\xfe is not defined\nsecond line");
    ck_assert_str_eq(render(g, 0), "error[E2L23]: CompileError\n"
                                   " --> /x/e.k:1:13\n"
                                   "  |\n"
                                   "1 | x = \"\\x80\\u{1b}[1m\"\tz # \xc3\xa9\n"
                                   "  | " /* 5 bytes, \\x80 and \\u{1b}, 4 bytes */
                                   "                   \t^ name 'z\\u{1b}]0;t\\u{7}' "
                                   "\\xff\\xfe is not defined\nsecond line\n"
                                   "  |\n");
    const char *json = render(g, 1);
    ck_assert_ptr_nonnull(strstr(json, "\"message\": \"name 'z\\u001b]0;t\\u0007' \\\\xff\\\\xfe"));
}
END_TEST

START_TEST(test_long_line_window)
{
    /* a 5000-byte line shows 200 bytes either side of the caret */
    static char text[5002];
    memset(text, 'a', 5000);
    text[2500] = 'Z';
    text[5000] = '\n';
    struct source *s = source_map_add(&SM, "/x/l.k", text, 5001);
    struct span sp = {s->id, 2500, 2501};
    struct diag *g = diags_add(&D, DIAG_ERROR, "E1001", "InvalidSyntax", sp, true, "here");
    const char *out = render(g, 0);
    const char *line = strstr(out, "1 | ...");
    ck_assert_ptr_nonnull(line);
    const char *z = strchr(line, 'Z');
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(z - (line + 7), 200);
    const char *end = strchr(z, '\n');
    ck_assert_int_eq(end - z, 1 + 199 + 3); /* Z, 199 more bytes, "..." */
    const char *caret = strstr(end, "^ here");
    ck_assert_ptr_nonnull(caret);
    ck_assert_int_eq(caret - (end + 1), z - line); /* under the Z */
}
END_TEST

struct lc_case {
    const char *text;
    uint32_t off, line, col;
};

static const struct lc_case lc_cases[] = {
    {"abc", 0, 1, 1},          {"abc", 2, 1, 3},       {"a\nbc", 2, 2, 1},
    {"a\r\nbc\n", 4, 2, 2},    {"a\rb", 2, 2, 1},      {"\n\n\nx", 3, 4, 1},
    {"a\n", 2, 2, 1},
};

START_TEST(test_line_col)
{
    const struct lc_case *c = &lc_cases[_i];
    struct source *s = source_map_add(&SM, "t", c->text, strlen(c->text));
    uint32_t line, col;
    source_line_col(s, c->off, &line, &col);
    ck_assert_uint_eq(line, c->line);
    ck_assert_uint_eq(col, c->col);
}
END_TEST

static Suite *diag_suite(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_caret_layout);
    tcase_add_test(tc, test_gutter_and_runtime_label);
    tcase_add_test(tc, test_tab_excerpt_and_json);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_long_line_window);
    tcase_add_loop_test(tc, test_line_col, 0, (int)(sizeof lc_cases / sizeof lc_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(diag_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
