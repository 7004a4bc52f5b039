/* pkg/: sums (spec §1.4 and §6), TOML, kcl.mod and kcl.mod.lock reading and writing, the
 * package home and where dependencies live. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/io.h"
#include "pkg/pkg.h"
#include "pkg/toml.h"

static char tmp[256];

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/scl-check-pkg-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *rel, const char *data)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    struct pkg_err err;
    ck_assert_int_eq(pkg_mkdirs(path, &err), 0);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(data, 1, strlen(data), f);
    fclose(f);
}

static char *slurp(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    size_t len;
    struct pkg_err err;
    char *s = pkg_read_file(path, &len, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    return s;
}

/* {===== sums */

START_TEST(test_sum_helloworld)
{
    /* spec §1.4: kcl-lang/modules helloworld/0.1.2 */
    put("kcl.mod", "[package]\nname = \"helloworld\"\nedition = \"*\"\nversion = \"0.1.2\"\n\n");
    put("kcl.mod.lock", "");
    put("main.k", "The_first_kcl_program = 'Hello World!'");
    char sum[45];
    struct pkg_err err;
    ck_assert_int_eq(pkg_hash_dir(tmp, sum, &err), 0);
    ck_assert_str_eq(sum, "PN0OMEV9M8VGFn1CtA/T3bcgZmMJmOo+RkBrLKIWYeQ=");
    /* a trailing slash on the root changes nothing */
    char with_slash[300];
    snprintf(with_slash, sizeof with_slash, "%s/", tmp);
    char again[45];
    ck_assert_int_eq(pkg_hash_dir(with_slash, again, &err), 0);
    ck_assert_str_eq(again, sum);
}
END_TEST

START_TEST(test_sum_walk_order)
{
    /* §6 #2: api/x.k comes before api.k; the sum is of "XY" not "YX" */
    put("api.k", "Y");
    put("api/x.k", "X");
    char sum[45], expect[45];
    struct pkg_err err;
    ck_assert_int_eq(pkg_hash_dir(tmp, sum, &err), 0);
    teardown();
    setup();
    put("f", "XY");
    ck_assert_int_eq(pkg_hash_dir(tmp, expect, &err), 0);
    ck_assert_str_eq(sum, expect);
}
END_TEST

START_TEST(test_sum_skips_git)
{
    /* §6 #3 */
    put(".github/x", "anything");
    put("a.tar.gz", "skipped too");
    char sum[45];
    struct pkg_err err;
    ck_assert_int_eq(pkg_hash_dir(tmp, sum, &err), 0);
    ck_assert_str_eq(sum, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}
END_TEST

START_TEST(test_sum_k8s)
{
    const char *shared = getenv("SCL_SRCDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../shared/packages/k8s-1.32.4", shared ? shared : "..");
    struct stat st;
    if (stat(dir, &st) != 0)
        return; /* the shared data is not beside the tree */
    char sum[45];
    struct pkg_err err;
    ck_assert_msg(pkg_hash_dir(dir, sum, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(sum, "WrltC/mTXtdzmhBZxlvM71wJL5C/UZ/vW+bF3nFvNbM=");
}
END_TEST

START_TEST(test_sum_missing_dir)
{
    char sum[45];
    struct pkg_err err;
    ck_assert_int_eq(pkg_hash_dir("/nonexistent/scl/dir", sum, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/scl/dir"));
}
END_TEST

/* {===== TOML */

START_TEST(test_toml_values)
{
    const char *src = "# c\n[package]\nname = \"a\\u00e9\" # trailing\nlit = 'C:\\x'\n"
                      "n = 1_000\nb = true\nf = 1.5\narr = [\n  \"x\", # one\n  'y',\n]\n"
                      "[dependencies]\nk = { git = \"u\", tag = \"t\" }\n\"q-k\" = \"1\"\n"
                      "a.b.c = 3\nml = \"\"\"\nline\\\n   more\"\"\"\n";
    struct pkg_err err;
    struct toml *t = toml_parse(src, strlen(src), &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    const struct toml *p = toml_get(t, "package");
    ck_assert_str_eq(toml_str(p, "name"), "a\xc3\xa9");
    ck_assert_str_eq(toml_str(p, "lit"), "C:\\x");
    ck_assert_int_eq(toml_get(p, "n")->i, 1000);
    ck_assert_int_eq(toml_get(p, "b")->type, TOML_BOOL);
    ck_assert_int_eq(toml_get(p, "b")->i, 1);
    ck_assert_int_eq(toml_get(p, "f")->type, TOML_FLOAT);
    const struct toml *arr = toml_get(p, "arr");
    ck_assert_uint_eq(arr->n, 2);
    ck_assert_str_eq(arr->v[1]->str, "y");
    const struct toml *d = toml_get(t, "dependencies");
    ck_assert_str_eq(toml_str(toml_get(d, "k"), "tag"), "t");
    ck_assert_str_eq(toml_str(d, "q-k"), "1");
    ck_assert_int_eq(toml_get(toml_get(toml_get(d, "a"), "b"), "c")->i, 3);
    ck_assert_str_eq(toml_str(d, "ml"), "linemore");
    toml_free(t);
}
END_TEST

START_TEST(test_toml_errors)
{
    const char *bad[] = {"a = ", "a = \"x", "[a\nb = 1", "a = 1\na = 2", "[t]\n[t]",
                         "a = [1, 2", "a = {b = 1", "a = 1 b = 2", "= 1", "a = \"\\q\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct pkg_err err;
        struct toml *t = toml_parse(bad[i], strlen(bad[i]), &err);
        ck_assert_msg(t == NULL, "accepted: %s", bad[i]);
        ck_assert_msg(!strncmp(err.msg, "line ", 5), "%s", err.msg);
    }
    struct pkg_err err;
    ck_assert_ptr_null(toml_parse("a = 1\n\nb = ", 11, &err));
    ck_assert_str_eq(err.msg, "line 3: expected a value");
}
END_TEST

/* {===== kcl.mod */

START_TEST(test_mod_read_forms)
{
    put("kcl.mod", "[package]\nname = \"demo\"\nedition = \"v0.11.0\"\nversion = \"0.0.1\"\n\n"
                   "[dependencies]\n"
                   "k8s = \"1.28\"\n"
                   "flask-demo-x = { git = \"https://example.com/x.git\", commit = \"ade147b\" }\n"
                   "h = { oci = \"oci://localhost:5001/org/helloworld\", tag = \"0.1.1\" }\n"
                   "r = { repo = \"org/r\", tag = \"2\" }\n"
                   "local = { path = \"../local\" }\n"
                   "newpkg = { package = \"helloworld\", version = \"0.1.2\" }\n"
                   "\n[profile]\nentries = [\"main.k\"]\nsort_keys = true\n");
    struct pkg_mod m;
    struct pkg_err err;
    ck_assert_msg(pkg_mod_read(tmp, &m, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(m.name, "demo");
    ck_assert_uint_eq(m.ndeps, 6);
    /* sorted bytewise by key */
    ck_assert_str_eq(m.deps[0].key, "flask-demo-x");
    ck_assert_str_eq(m.deps[0].name, "flask_demo_x");
    ck_assert_int_eq(m.deps[0].src, PKG_SRC_GIT);
    ck_assert_str_eq(m.deps[1].key, "h");
    ck_assert_str_eq(m.deps[1].reg, "localhost:5001");
    ck_assert_str_eq(m.deps[1].repo, "org/helloworld");
    ck_assert_str_eq(m.deps[2].key, "k8s");
    ck_assert(m.deps[2].plain);
    ck_assert_int_eq(m.deps[3].src, PKG_SRC_LOCAL);
    ck_assert(m.deps[4].spec_only);
    ck_assert(m.deps[5].hostless);
    ck_assert_int_eq(m.sort_keys, 1);
    ck_assert_int_eq(m.disable_none, -1);
    ck_assert_str_eq(m.entries.v[0], "main.k");

    /* §1.2 layout on writing */
    char *text = pkg_mod_format(&m);
    ck_assert_str_eq(text,
                     "[package]\nname = \"demo\"\nedition = \"v0.11.0\"\nversion = \"0.0.1\"\n\n"
                     "[dependencies]\n"
                     "flask-demo-x = { git = \"https://example.com/x.git\", commit = \"ade147b\" }\n"
                     "h = { oci = \"oci://localhost:5001/org/helloworld\", tag = \"0.1.1\" }\n"
                     "k8s = \"1.28\"\n"
                     "local = { path = \"../local\" }\n"
                     "newpkg = { package = \"helloworld\", version = \"0.1.2\" }\n"
                     "r = { repo = \"org/r\", tag = \"2\" }\n"
                     "\n[profile]\nentries = [\"main.k\"]\nsort_keys = true\n");
    free(text);

    /* §6 #6: where k8s = "1.28" lives, and its reference */
    setenv("KCL_PKG_PATH", tmp, 1);
    unsetenv("KPM_REG");
    unsetenv("KPM_REPO");
    struct pkg_env env;
    ck_assert_int_eq(pkg_env_load(&env, false, &err), 0);
    char *reg, *repo;
    pkg_dep_oci_ref(&env, &m.deps[2], &reg, &repo);
    ck_assert_str_eq(reg, "ghcr.io");
    ck_assert_str_eq(repo, "kcl-lang/k8s");
    free(reg);
    free(repo);
    char *dir = pkg_dep_dir(&env, &m.deps[2], NULL, tmp, false);
    char expect[512];
    snprintf(expect, sizeof expect, "%s/k8s_1.28", tmp);
    ck_assert_str_eq(dir, expect);
    free(dir);
    dir = pkg_dep_dir(&env, &m.deps[2], NULL, "/root/p", true);
    ck_assert_str_eq(dir, "/root/p/vendor/k8s_1.28");
    free(dir);
    dir = pkg_dep_dir(&env, &m.deps[0], NULL, tmp, false);
    snprintf(expect, sizeof expect, "%s/x_ade147b", tmp);
    ck_assert_str_eq(dir, expect);
    free(dir);
    pkg_dep_oci_ref(&env, &m.deps[4], &reg, &repo);
    ck_assert_str_eq(repo, "kcl-lang/helloworld");
    free(reg);
    free(repo);
    dir = pkg_dep_dir(&env, &m.deps[3], NULL, "/root/p", false);
    ck_assert_str_eq(dir, "/root/p/../local");
    free(dir);
    pkg_env_free(&env);
    pkg_mod_free(&m);
}
END_TEST

START_TEST(test_mod_errors)
{
    struct pkg_mod m;
    struct pkg_err err;
    const char *conflict = "[dependencies]\na-b = \"1\"\na_b = \"2\"\n";
    ck_assert_int_eq(pkg_mod_parse(conflict, strlen(conflict), "/d", &m, &err), -1);
    ck_assert_str_eq(err.msg, "dependency name conflict, 'a_b' already exists");
    const char *scheme = "[dependencies]\nh = { oci = \"https://x/y\" }\n";
    ck_assert_int_eq(pkg_mod_parse(scheme, strlen(scheme), "/d", &m, &err), -1);
    ck_assert_str_eq(err.msg, "invalid oci url with schema: https");
    const char *refs = "[dependencies]\ng = { git = \"u\", tag = \"a\", branch = \"b\" }\n";
    ck_assert_int_eq(pkg_mod_parse(refs, strlen(refs), "/d", &m, &err), -1);
    ck_assert_str_eq(err.msg, "only one of branch, tag or commit is allowed");
    const char *syntax = "[package\n";
    ck_assert_int_eq(pkg_mod_parse(syntax, strlen(syntax), "/d", &m, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "could not load 'kcl.mod' in '/d'\nline 1: "));
    /* keys of the wrong type are ignored, as kpm ignores them */
    const char *types = "[package]\nname = 1\nversion = \"2\"\n";
    ck_assert_int_eq(pkg_mod_parse(types, strlen(types), "/d", &m, &err), 0);
    ck_assert_ptr_null(m.name);
    ck_assert_str_eq(m.version, "2");
    pkg_mod_free(&m);
}
END_TEST

/* {===== kcl.mod.lock */

START_TEST(test_lock_layout)
{
    /* §6 #5 and the §1.3 example */
    struct pkg_lock l = {0};
    struct pkg_lock_entry b = {.key = "b", .name = "b", .full_name = "b_1", .version = "1"};
    struct pkg_lock_entry k8s = {.key = "k8s", .name = "k8s", .full_name = "k8s_1.31.2",
                                 .version = "1.31.2",
                                 .sum = "xBZgPsnpVVyWBpahuPQHReeRx28eUHGFoaPeqbct+vs=",
                                 .reg = "ghcr.io", .repo = "kcl-lang/k8s", .oci_tag = "1.31.2"};
    struct pkg_lock_entry ax = {.key = "a-x", .name = "a-x", .full_name = "a-x_2", .version = "2"};
    char *empty = pkg_lock_format(&l);
    ck_assert_str_eq(empty, "");
    free(empty);
    pkg_lock_put(&l, &b);
    pkg_lock_put(&l, &k8s);
    pkg_lock_put(&l, &ax);
    char *text = pkg_lock_format(&l);
    ck_assert_str_eq(text, "[dependencies]\n"
                           "  [dependencies.a-x]\n    name = \"a-x\"\n    full_name = \"a-x_2\"\n"
                           "    version = \"2\"\n"
                           "  [dependencies.b]\n    name = \"b\"\n    full_name = \"b_1\"\n"
                           "    version = \"1\"\n"
                           "  [dependencies.k8s]\n    name = \"k8s\"\n"
                           "    full_name = \"k8s_1.31.2\"\n    version = \"1.31.2\"\n"
                           "    sum = \"xBZgPsnpVVyWBpahuPQHReeRx28eUHGFoaPeqbct+vs=\"\n"
                           "    reg = \"ghcr.io\"\n    repo = \"kcl-lang/k8s\"\n"
                           "    oci_tag = \"1.31.2\"\n");
    /* written, read back, identical */
    struct pkg_err err;
    ck_assert_int_eq(pkg_lock_write(tmp, &l, &err), 0);
    struct pkg_lock back;
    ck_assert_int_eq(pkg_lock_read(tmp, &back, &err), 0);
    ck_assert_uint_eq(back.n, 3);
    char *again = pkg_lock_format(&back);
    ck_assert_str_eq(again, text);
    ck_assert_str_eq(pkg_lock_get(&back, "k8s")->oci_tag, "1.31.2");
    /* replacing an entry keeps one */
    struct pkg_lock_entry b2 = {.key = "b", .name = "b", .version = "3"};
    pkg_lock_put(&back, &b2);
    ck_assert_uint_eq(back.n, 3);
    ck_assert_str_eq(pkg_lock_get(&back, "b")->version, "3");
    ck_assert_ptr_null(pkg_lock_get(&back, "b")->full_name);
    free(again);
    free(text);
    pkg_lock_free(&back);
    pkg_lock_free(&l);
    /* a missing lock reads as empty */
    teardown();
    setup();
    ck_assert_int_eq(pkg_lock_read(tmp, &l, &err), 0);
    ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(test_write_if_changed)
{
    put("kcl.mod", "[package]\nname = \"x\"\n");
    struct pkg_mod m;
    struct pkg_err err;
    ck_assert_int_eq(pkg_mod_read(tmp, &m, &err), 0);
    struct stat before, after;
    char path[512];
    snprintf(path, sizeof path, "%s/kcl.mod", tmp);
    stat(path, &before);
    ck_assert_int_eq(pkg_mod_write(tmp, &m, &err), 0); /* same bytes: untouched */
    stat(path, &after);
    ck_assert_uint_eq(before.st_ino, after.st_ino);
    free(m.version);
    m.version = strdup("0.2.0");
    ck_assert_int_eq(pkg_mod_write(tmp, &m, &err), 0);
    char *text = slurp("kcl.mod");
    ck_assert_str_eq(text, "[package]\nname = \"x\"\nversion = \"0.2.0\"\n");
    free(text);
    pkg_mod_free(&m);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pkg");
    TCase *t = tcase_create("pkg");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_sum_helloworld);
    tcase_add_test(t, test_sum_walk_order);
    tcase_add_test(t, test_sum_skips_git);
    tcase_add_test(t, test_sum_k8s);
    tcase_add_test(t, test_sum_missing_dir);
    tcase_add_test(t, test_toml_values);
    tcase_add_test(t, test_toml_errors);
    tcase_add_test(t, test_mod_read_forms);
    tcase_add_test(t, test_mod_errors);
    tcase_add_test(t, test_lock_layout);
    tcase_add_test(t, test_write_if_changed);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
