/* The developer tools of scl.h: scl_test_path (over packages written to a temporary
 * directory), scl_run_add_test_package, scl_lint, SCL_RUN_CHECK_ONLY and diagnostic labels. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scl.h"

static char dir[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/scl-check-tools-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file("lib.k", "double = lambda x: int -> int {\n    x * 2\n}\n");
    write_file("lib_test.k", "test_ok = lambda {\n    assert double(2) == 4\n}\n"
                             "test_bad = lambda {\n    print(\"log line\")\n"
                             "    assert double(2) == 5, \"not five\"\n}\n"
                             "helper = lambda {\n    1\n}\n");
    write_file("sub/s.k", "v = 1\n");
    write_file("sub/s_test.k", "test_sub = lambda {\n    assert v == 1\n}\n");
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

struct cases {
    char names[8][64];
    int failed[8];
    char logs[8][64];
    int n;
    int fatal;
};

static void on_case(void *ud, const char *name, const char *error, uint64_t duration_us,
                    const char *log)
{
    struct cases *c = ud;
    (void)duration_us;
    if (!name) {
        c->fatal++;
        return;
    }
    ck_assert_int_lt(c->n, 8);
    snprintf(c->names[c->n], sizeof c->names[c->n], "%s", name);
    snprintf(c->logs[c->n], sizeof c->logs[c->n], "%s", log ? log : "");
    c->failed[c->n] = error != NULL;
    if (error)
        ck_assert_ptr_nonnull(strstr(error, "not five"));
    c->n++;
}

START_TEST(test_runs_cases)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    struct cases c = {0};
    ck_assert_int_eq(scl_test_path(ctx, dir, NULL, 0, on_case, &c), SCL_EEVAL);
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.names[0], "test_ok");
    ck_assert_int_eq(c.failed[0], 0);
    ck_assert_str_eq(c.names[1], "test_bad");
    ck_assert_int_eq(c.failed[1], 1);
    ck_assert_str_eq(c.logs[1], "log line\n");
    ck_assert_int_eq(c.fatal, 0);

    /* a regex; then dir/... reaches sub/ */
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(scl_test_path(ctx, dir, "ok$", 0, on_case, &c), SCL_OK);
    ck_assert_int_eq(c.n, 1);
    char rec[300];
    snprintf(rec, sizeof rec, "%s/...", dir);
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(scl_test_path(ctx, rec, "ok|sub", 0, on_case, &c), SCL_OK);
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.names[1], "test_sub");
    /* an invalid pattern selects nothing */
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(scl_test_path(ctx, dir, "(", 0, on_case, &c), SCL_OK);
    ck_assert_int_eq(c.n, 0);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_fail_fast_and_compile_error)
{
    write_file("lib_test.k", "test_bad = lambda {\n    assert double(2) == 5, \"not five\"\n}\n"
                             "test_ok = lambda {\n    assert True\n}\n");
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    struct cases c = {0};
    ck_assert_int_eq(scl_test_path(ctx, dir, NULL, 1, on_case, &c), SCL_EEVAL);
    ck_assert_int_eq(c.n, 1);
    write_file("lib_test.k", "test_x = lambda {\n    assert nope\n}\n");
    memset(&c, 0, sizeof c);
    scl_status st = scl_test_path(ctx, dir, NULL, 0, on_case, &c);
    ck_assert(st != SCL_OK && st != SCL_EEVAL);
    ck_assert_int_eq(c.fatal, 1);
    ck_assert_int_eq(c.n, 0);
    ck_assert_int_eq(scl_test_path(ctx, "/nonexistent/dir", NULL, 0, on_case, &c), SCL_EIO);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_options)
{
    write_file("lib_test.k", "test_env = lambda {\n    assert option(\"env\") == \"prod\"\n}\n");
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    struct cases c = {0};
    const char *keys[] = {"env"}, *texts[] = {"prod"};
    scl_test_opts o = {SCL_TEST_OPTS_VERSION, 1, keys, texts, 0, NULL, NULL};
    ck_assert_int_eq(scl_test_path_opts(ctx, dir, NULL, 0, &o, on_case, &c), SCL_OK);
    ck_assert_int_eq(c.n, 1);
    ck_assert_int_eq(c.failed[0], 0);
    o.version = SCL_TEST_OPTS_VERSION + 1;
    ck_assert_int_eq(scl_test_path_opts(ctx, dir, NULL, 0, &o, on_case, &c), SCL_EINVAL);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_add_test_package)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    size_t n = 0;
    ck_assert_int_eq(scl_run_add_test_package(run, dir, &n), SCL_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(scl_run_nfiles(run), 3); /* lib.k, lib_test.k, the main file */
    scl_run_set_flags(run, SCL_RUN_CHECK_ONLY);
    ck_assert_int_eq(scl_run_eval(run), SCL_OK);
    ck_assert_ptr_null(scl_run_result(run)); /* checked, not evaluated */
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_lint)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    const char *src = "import math\nimport json\nimport json\nx: int = 1\nimport base64\n"
                      "y = json.encode({a = 1})\n";
    ck_assert_int_eq(scl_run_add_file(run, "l.k", src, strlen(src)), SCL_OK);
    ck_assert_int_eq(scl_lint(run), SCL_OK);
    static const char *const kinds[] = {"ImportPositionWarning", "ReimportWarning",
                                        "UnusedImportWarning", "UnusedImportWarning"};
    static const unsigned lines[] = {5, 3, 1, 5};
    ck_assert_uint_eq(scl_run_ndiags(run), 4);
    ck_assert_uint_eq(scl_run_nerrors(run), 0);
    for (size_t i = 0; i < 4; i++) {
        const scl_diag *d = scl_run_diag(run, i);
        ck_assert(!scl_diag_is_error(d));
        ck_assert_str_eq(scl_diag_code(d), "W1001");
        ck_assert_str_eq(scl_diag_kind(d), kinds[i]);
        ck_assert_uint_eq(scl_diag_span(run, d).line, lines[i]);
        ck_assert_uint_eq(scl_diag_nnotes(d), 1);
        ck_assert_ptr_nonnull(scl_diag_note(d, 0));
        ck_assert_ptr_null(scl_diag_note(d, 1));
    }
    ck_assert_str_eq(scl_diag_message(scl_run_diag(run, 2)), "Module 'math' imported but unused");
    scl_run_free(run);

    /* a syntax error: SCL_ESYNTAX and no lint finding */
    run = scl_run_new(ctx);
    src = "import math\na = (\n";
    scl_run_add_file(run, "s.k", src, strlen(src));
    ck_assert_int_eq(scl_lint(run), SCL_ESYNTAX);
    for (size_t i = 0; i < scl_run_ndiags(run); i++)
        ck_assert(scl_diag_is_error(scl_run_diag(run, i)));
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_labels)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    const char *src = "schema A:\n    n: int\n\na = A {n = \"x\"}\n";
    ck_assert_int_ne(scl_run_eval_file(run, "t.k", src, strlen(src)), SCL_OK);
    const scl_diag *d = scl_run_diag(run, 0);
    ck_assert_uint_eq(scl_diag_nlabels(d), 2);
    scl_span sp;
    ck_assert_str_eq(scl_diag_label(run, d, 0, &sp), scl_diag_message(d));
    ck_assert_uint_eq(sp.line, 4);
    ck_assert_ptr_nonnull(scl_diag_label(run, d, 1, &sp));
    ck_assert_uint_eq(sp.line, 2);
    ck_assert_ptr_null(scl_diag_label(run, d, 2, NULL));
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tools");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_runs_cases);
    tcase_add_test(tc, test_fail_fast_and_compile_error);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_add_test_package);
    tcase_add_test(tc, test_lint);
    tcase_add_test(tc, test_labels);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
