/* The public API through scl.h only: evaluation, values, diagnostics, and two contexts
 * evaluating in two threads at once. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scl.h"

struct buf {
    char data[8192];
    size_t n;
};

static int buf_write(void *ud, const char *s, size_t len)
{
    struct buf *b = ud;
    if (b->n + len >= sizeof b->data)
        return 1;
    memcpy(b->data + b->n, s, len);
    b->n += len;
    b->data[b->n] = '\0';
    return 0;
}

START_TEST(test_eval_and_walk)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    const char *src = "a = 1\nb = [1, \"x\"]\nc = {k = True}\n";
    ck_assert_int_eq(scl_run_eval_file(run, "t.k", src, strlen(src)), SCL_OK);
    const scl_val *r = scl_run_result(run);
    ck_assert_int_eq(scl_val_kind(r), SCL_DICT);
    ck_assert_uint_eq(scl_val_len(r), 3);
    const char *key;
    const scl_val *v = scl_val_at(r, 1, &key);
    ck_assert_str_eq(key, "b");
    ck_assert_int_eq(scl_val_kind(v), SCL_LIST);
    size_t len;
    ck_assert_str_eq(scl_val_str(scl_val_at(v, 1, NULL), &len), "x");
    int64_t i;
    ck_assert(scl_val_int(scl_val_get(r, "a"), &i));
    ck_assert_int_eq(i, 1);
    struct buf b = {"", 0};
    ck_assert_int_eq(scl_emit_yaml(r, 0, buf_write, &b), SCL_OK);
    ck_assert_str_eq(b.data, "a: 1\nb:\n- 1\n- x\nc:\n  k: true\n");
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

START_TEST(test_options_and_errors)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    ck_assert_int_eq(scl_run_option_text(run, "n", "3"), SCL_OK);
    const char *src = "x = option(\"n\") + 1\nassert x == 5, \"x is ${x}\"\n";
    ck_assert_int_eq(scl_run_eval_file(run, "/t/main.k", src, strlen(src)), SCL_EEVAL);
    ck_assert_ptr_null(scl_run_result(run));
    ck_assert_uint_ge(scl_run_nerrors(run), 1);
    const scl_diag *d = scl_run_diag(run, 0);
    ck_assert_str_eq(scl_diag_code(d), "E3M38");
    ck_assert_str_eq(scl_diag_message(d), "x is 4");
    scl_span sp = scl_diag_span(run, d);
    ck_assert_uint_eq(sp.line, 2);
    struct buf b = {"", 0};
    scl_diag_render(run, d, 0, buf_write, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "error[E3M38]: EvaluationError\n --> /t/main.k:2"));
    scl_run_free(run);

    run = scl_run_new(ctx);
    src = "a = (1\n";
    ck_assert_int_eq(scl_run_eval_file(run, "/t/bad.k", src, strlen(src)), SCL_ESYNTAX);
    ck_assert_str_eq(scl_diag_kind(scl_run_diag(run, 0)), "InvalidSyntax");
    scl_run_free(run);
    scl_ctx_free(ctx);
}
END_TEST

struct job {
    int seed;
    int ok;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    char src[256], want[256];
    j->ok = 1;
    for (int k = 0; k < 50 && j->ok; k++) {
        scl_run *run = scl_run_new(ctx);
        int n = j->seed * 1000 + k;
        snprintf(src, sizeof src, "num = %d\nl = [i * num for i in range(3)]\ns = \"v${num}\"\n", n);
        snprintf(want, sizeof want, "num: %d\nl:\n- 0\n- %d\n- %d\ns: v%d\n", n, n, 2 * n, n);
        struct buf b = {"", 0};
        if (scl_run_eval_file(run, "t.k", src, strlen(src)) != SCL_OK ||
            scl_emit_yaml(scl_run_result(run), 0, buf_write, &b) != SCL_OK ||
            strcmp(b.data, want) != 0)
            j->ok = 0;
        scl_run_free(run);
    }
    scl_ctx_free(ctx);
    return NULL;
}

START_TEST(test_two_threads)
{
    pthread_t t[2];
    struct job jobs[2] = {{1, 0}, {2, 0}};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert(jobs[0].ok);
    ck_assert(jobs[1].ok);
}
END_TEST

START_TEST(test_version)
{
    ck_assert_uint_eq(scl_version(), SCL_VERSION_NUMBER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_eval_and_walk);
    tcase_add_test(tc, test_options_and_errors);
    tcase_add_test(tc, test_two_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
