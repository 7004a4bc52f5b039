/* pkg_git_fetch against a bare repository made with the git command in a temporary folder and
 * fetched through a file:// URL: tags, commits (full and abbreviated), branches, the default
 * branch, and the failures, which must leave nothing behind. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/net.h"

/* Made once by the fixture: the folder, the URL of the bare repository, and its commits:
 * [0] main~1 (tag v1), [1] main, [2] dev (v1 plus one commit). */
static struct {
    char dir[4096];
    char url[4200];
    char commit[3][41];
} G;

/* snprintf that fails the test on truncation */
static void fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *out, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(out, cap, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "path too long: %s\n", out);
        exit(EXIT_FAILURE);
    }
}

static void sh(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *f, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, f);
    vsnprintf(cmd, sizeof cmd, f, ap);
    va_end(ap);
    if (system(cmd) != 0) {
        fprintf(stderr, "command failed: %s\n", cmd);
        exit(EXIT_FAILURE);
    }
}

static void rev_parse(const char *rev, char out[41])
{
    char cmd[8192];
    fmt(cmd, sizeof cmd, "git -C '%s/src' rev-parse '%s'", G.dir, rev);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(out, 41, p) || strlen(out) != 40) {
        fprintf(stderr, "cannot run %s\n", cmd);
        exit(EXIT_FAILURE);
    }
    pclose(p);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    fmt(G.dir, sizeof G.dir, "%s/check_git.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(G.dir)) {
        perror("mkdtemp");
        exit(EXIT_FAILURE);
    }
    fmt(G.url, sizeof G.url, "file://%s/repo.git", G.dir);
    /* No user or system git configuration, a fixed identity. */
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_AUTHOR_NAME", "scl", 1);
    setenv("GIT_AUTHOR_EMAIL", "scl@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "scl", 1);
    setenv("GIT_COMMITTER_EMAIL", "scl@example.com", 1);
    /* libgit2 reads $HOME/.gitconfig, which maps "scl-test:" to this folder. */
    char home[4200];
    fmt(home, sizeof home, "%s/home", G.dir);
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", home, 1);
    sh("mkdir '%s' && printf '[url \"file://%s/\"]\n\tinsteadOf = scl-test:\n' > '%s/.gitconfig'",
       home, G.dir, home);
    struct pkg_err err;
    if (net_global_init(&err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(EXIT_FAILURE);
    }
    sh("cd '%s' && git init -q -b main src && cd src && "
       "printf 'a = 1\\n' > a.k && mkdir sub && printf 'x = 1\\n' > sub/x.k && "
       "git add -A && git commit -q -m one && git tag -a v1 -m v1 && git tag v1-light && "
       "printf 'a = 2\\n' > a.k && printf 'b = 2\\n' > b.k && git add -A && "
       "git commit -q -m two && git checkout -q -b dev v1 && printf 'd = 3\\n' > d.k && "
       "git add -A && git commit -q -m three && git checkout -q main && cd .. && "
       "git clone -q --bare src repo.git",
       G.dir);
    /* Two repositories past a 512K limit: one whose pack is small (2M of zeros, which
     * compress) and one whose pack is large (1M of random bytes). */
    sh("cd '%s' && git init -q -b main zeros && cd zeros && head -c 2097152 /dev/zero > z.bin && "
       "git add -A && git commit -q -m z && cd .. && git clone -q --bare zeros zeros.git && "
       "git init -q -b main noise && cd noise && head -c 1048576 /dev/urandom > n.bin && "
       "git add -A && git commit -q -m n && cd .. && git clone -q --bare noise noise.git",
       G.dir);
    rev_parse("main~1", G.commit[0]);
    rev_parse("main", G.commit[1]);
    rev_parse("dev", G.commit[2]);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(G.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    net_global_cleanup();
}

/* {===== checks on what landed */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static const size_t cap = 4096;
    char *s = calloc(1, cap);
    ck_assert_ptr_nonnull(s);
    size_t n = fread(s, 1, cap - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static bool exists(const char *dir, const char *name)
{
    char path[8192];
    struct stat st;
    fmt(path, sizeof path, "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

/* The names in dir, sorted and joined with ' ' into out. */
static void list_dir(const char *dir, char *out, size_t cap)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    ck_assert_int_ge(n, 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (strcmp(name, ".") && strcmp(name, "..")) {
            if (out[0])
                strncat(out, " ", cap - strlen(out) - 1);
            strncat(out, name, cap - strlen(out) - 1);
        }
        free(ents[i]);
    }
    free(ents);
}

struct file {
    const char *name, *text; /* text NULL: must not exist */
};
static const struct file commit_files[3][5] = {
    {{"a.k", "a = 1\n"}, {"sub/x.k", "x = 1\n"}, {"b.k", NULL}, {"d.k", NULL}, {".git", NULL}},
    {{"a.k", "a = 2\n"}, {"sub/x.k", "x = 1\n"}, {"b.k", "b = 2\n"}, {"d.k", NULL}, {".git", NULL}},
    {{"a.k", "a = 1\n"}, {"sub/x.k", "x = 1\n"}, {"d.k", "d = 3\n"}, {"b.k", NULL}, {".git", NULL}},
};

static void check_tree(const char *dest, int want)
{
    for (size_t k = 0; k < sizeof commit_files[0] / sizeof commit_files[0][0]; k++) {
        const struct file *f = &commit_files[want][k];
        char path[8192];
        fmt(path, sizeof path, "%s/%s", dest, f->name);
        if (!f->text) {
            ck_assert_msg(!exists(dest, f->name), "%s should not exist", path);
            continue;
        }
        char *got = read_all(path);
        ck_assert_msg(got != NULL, "%s is missing", path);
        ck_assert_str_eq(got, f->text);
        free(got);
    }
}

/* {===== fetches that work */

struct fetch_case {
    const char *tag, *branch;
    int commit;    /* index into G.commit to pass as commit, -1: none */
    size_t abbrev; /* 0: the full id, else this many hex digits */
    bool upper;    /* the id in capitals */
    int want;      /* index into G.commit expected */
};
static const struct fetch_case fetch_cases[] = {
    {"v1", NULL, -1, 0, false, 0},       /* annotated tag */
    {"v1-light", NULL, -1, 0, false, 0}, /* lightweight tag */
    {NULL, NULL, 0, 0, false, 0},        /* full commit id */
    {NULL, NULL, 2, 0, true, 2},         /* full commit id in capitals */
    {NULL, NULL, 1, 7, false, 1},        /* abbreviated commit */
    {NULL, NULL, 0, 10, false, 0},       /* abbreviated commit, an ancestor */
    {NULL, "dev", -1, 0, false, 2},      /* branch */
    {NULL, "main", -1, 0, false, 1},     /* branch */
    {NULL, NULL, -1, 0, false, 1},       /* default branch */
    {"", "", -1, 0, false, 1},           /* empty refs count as none */
};

START_TEST(test_fetch)
{
    const struct fetch_case *c = &fetch_cases[_i];
    char commit[41] = "", parent[8192], dest[8300], got[41] = "";
    if (c->commit >= 0) {
        size_t n = c->abbrev ? c->abbrev : 40;
        memcpy(commit, G.commit[c->commit], n);
        commit[n] = '\0';
        for (size_t k = 0; c->upper && k < n; k++)
            if (commit[k] >= 'a' && commit[k] <= 'f')
                commit[k] = (char)(commit[k] - 'a' + 'A');
    }
    /* The folder of dest doesn't exist yet either. */
    fmt(parent, sizeof parent, "%s/ok%d/deps", G.dir, _i);
    fmt(dest, sizeof dest, "%s/pkg_ref", parent);
    struct pkg_err err = {""};
    int rc =
        pkg_git_fetch(G.url, c->tag, c->commit >= 0 ? commit : NULL, c->branch, dest, got, &err);
    ck_assert_msg(rc == 0, "fetch failed: %s", err.msg);
    ck_assert_str_eq(got, G.commit[c->want]);
    check_tree(dest, c->want);
    char names[1024];
    list_dir(parent, names, sizeof names);
    ck_assert_str_eq(names, "pkg_ref");
}
END_TEST

START_TEST(test_relative_dest)
{
    char cwd[4096], got[41];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(G.dir), 0);
    struct pkg_err err = {""};
    int rc = pkg_git_fetch(G.url, "v1", NULL, NULL, "rel/v1/", got, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_msg(rc == 0, "fetch failed: %s", err.msg);
    char dest[8192], names[1024];
    fmt(dest, sizeof dest, "%s/rel/v1", G.dir);
    check_tree(dest, 0);
    fmt(dest, sizeof dest, "%s/rel", G.dir);
    list_dir(dest, names, sizeof names);
    ck_assert_str_eq(names, "v1");
}
END_TEST

/* url.<base>.insteadOf from the user's git configuration applies. */
START_TEST(test_insteadof)
{
    char dest[8192], got[41] = "";
    fmt(dest, sizeof dest, "%s/insteadof/dest", G.dir);
    struct pkg_err err = {""};
    int rc = pkg_git_fetch("scl-test:repo.git", NULL, NULL, "dev", dest, got, &err);
    ck_assert_msg(rc == 0, "fetch failed: %s", err.msg);
    ck_assert_str_eq(got, G.commit[2]);
    check_tree(dest, 2);
}
END_TEST

/* {===== failures: an exact message, and nothing left at or beside dest */

struct fail_case {
    const char *url; /* NULL: the test repository; "{dir}" stands for its folder */
    const char *tag, *commit, *branch;
    const char *want; /* "{url}" stands for the URL */
};
static const struct fail_case fail_cases[] = {
    {NULL, "v9", NULL, NULL, "cannot find tag 'v9' in '{url}'"},
    {NULL, NULL, NULL, "nope", "cannot find branch 'nope' in '{url}'"},
    {NULL, NULL, "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef", NULL,
     "cannot find commit 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' in '{url}'"},
    {NULL, NULL, "0000000", NULL, "cannot find commit '0000000' in '{url}'"},
    {NULL, NULL, "xyz123", NULL, "invalid commit 'xyz123' for '{url}': want 4 to 40 hex digits"},
    {NULL, "v1", NULL, "main", "only one of branch, tag or commit is allowed"},
    {NULL, "v1", "abcdef1", NULL, "only one of branch, tag or commit is allowed"},
    {NULL, NULL, "abcdef1", "main", "only one of branch, tag or commit is allowed"},
    {NULL, "v1", "abcdef1", "main", "only one of branch, tag or commit is allowed"},
    {NULL, "bad:name", NULL, NULL, "invalid tag name 'bad:name'"},
    {NULL, NULL, NULL, "*", "invalid branch name '*'"},
    {"file://{dir}/none.git", "v1", NULL, NULL, "cannot fetch tag 'v1' from '{url}': "},
    {"file://{dir}/none.git", NULL, NULL, NULL, "cannot fetch the default branch from '{url}': "},
};

/* s with every "{key}" replaced by val, into out. */
static void subst(const char *s, const char *key, const char *val, char *out, size_t cap)
{
    size_t kl = strlen(key), n = 0;
    while (*s && n + 1 < cap) {
        if (!strncmp(s, key, kl)) {
            n += (size_t)snprintf(out + n, cap - n, "%s", val);
            s += kl;
        } else {
            out[n++] = *s++;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

START_TEST(test_fail)
{
    const struct fail_case *c = &fail_cases[_i];
    char url[8192], want[16384], parent[8192], dest[8300], got[41] = "";
    if (c->url)
        subst(c->url, "{dir}", G.dir, url, sizeof url);
    else
        fmt(url, sizeof url, "%s", G.url);
    subst(c->want, "{url}", url, want, sizeof want);
    fmt(parent, sizeof parent, "%s/fail%d", G.dir, _i);
    ck_assert_int_eq(mkdir(parent, 0777), 0);
    fmt(dest, sizeof dest, "%s/pkg_ref", parent);
    struct pkg_err err = {""};
    ck_assert_int_eq(pkg_git_fetch(url, c->tag, c->commit, c->branch, dest, got, &err), -1);
    if (want[strlen(want) - 1] == ' ') /* a libgit2 message follows */
        ck_assert_msg(!strncmp(err.msg, want, strlen(want)) && strlen(err.msg) > strlen(want),
                      "got '%s', want '%s...'", err.msg, want);
    else
        ck_assert_str_eq(err.msg, want);
    ck_assert(!exists(parent, "pkg_ref"));
    char names[1024];
    list_dir(parent, names, sizeof names);
    ck_assert_str_eq(names, "");
}
END_TEST

START_TEST(test_dest_exists)
{
    char dest[8192], got[41] = "", names[1024];
    fmt(dest, sizeof dest, "%s/exists", G.dir);
    ck_assert_int_eq(mkdir(dest, 0777), 0);
    struct pkg_err err = {""};
    ck_assert_int_eq(pkg_git_fetch(G.url, "v1", NULL, NULL, dest, got, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "already exists"));
    ck_assert_ptr_nonnull(strstr(err.msg, dest));
    list_dir(dest, names, sizeof names);
    ck_assert_str_eq(names, "");
    char parent_names[4096];
    list_dir(G.dir, parent_names, sizeof parent_names);
    ck_assert_ptr_null(strstr(parent_names, ".tmp-"));
}
END_TEST

/* SCL_FETCH_MAX bounds what a fetch downloads and what its checkout writes. */
static const struct {
    const char *repo, *want;
} big_cases[] = {
    {"zeros.git", "cannot check out the default branch of '{url}': its files take more than "
                  "524288 bytes (SCL_FETCH_MAX)"},
    {"noise.git", "cannot fetch the default branch from '{url}': it is larger than 524288 bytes "
                  "(SCL_FETCH_MAX)"},
};

START_TEST(test_too_big)
{
    char url[8192], want[16384], parent[8192], dest[8300], got[41] = "", names[1024];
    fmt(url, sizeof url, "file://%s/%s", G.dir, big_cases[_i].repo);
    subst(big_cases[_i].want, "{url}", url, want, sizeof want);
    fmt(parent, sizeof parent, "%s/big%d", G.dir, _i);
    ck_assert_int_eq(mkdir(parent, 0777), 0);
    fmt(dest, sizeof dest, "%s/pkg_ref", parent);
    struct pkg_err err = {""};
    setenv("SCL_FETCH_MAX", "512K", 1);
    int rc = pkg_git_fetch(url, NULL, NULL, NULL, dest, got, &err);
    unsetenv("SCL_FETCH_MAX");
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err.msg, want);
    list_dir(parent, names, sizeof names);
    ck_assert_str_eq(names, "");
    /* Under the default limit the same repository is fetched. */
    ck_assert_msg(pkg_git_fetch(url, NULL, NULL, NULL, dest, got, &err) == 0, "%s", err.msg);
    list_dir(dest, names, sizeof names);
    ck_assert_str_eq(names, _i == 0 ? "z.bin" : "n.bin");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("git");
    TCase *tc = tcase_create("fetch");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_fetch, 0, sizeof fetch_cases / sizeof fetch_cases[0]);
    tcase_add_test(tc, test_relative_dest);
    tcase_add_test(tc, test_insteadof);
    tcase_add_loop_test(tc, test_fail, 0, sizeof fail_cases / sizeof fail_cases[0]);
    tcase_add_test(tc, test_dest_exists);
    tcase_add_loop_test(tc, test_too_big, 0, sizeof big_cases / sizeof big_cases[0]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
