/* Git sources (spec §1.1): fetch one tag, commit or branch of a repository into a bare repo in a
 * temporary folder beside the destination, check its tree out as plain files into a second
 * temporary folder, and rename that into place. */
#include "config.h"

#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/io.h"
#include "pkg/net.h"

/* Shallow fetches (fetch_opts.depth) arrived in libgit2 1.7. */
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 7)
#define GIT_HAS_DEPTH 1
#else
#define GIT_HAS_DEPTH 0
#endif

#define WANT_REF "refs/scl/want"

/* {===== small helpers */

static const char *last_git_error(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown error";
}

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (!s) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* mkdir -p */
static int mkdirs(const char *dir, struct pkg_err *err)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        return pkg_fail(err, "'%s' is not a directory", dir);
    }
    char *p = cat3(dir, "", "");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int rc = pkg_fail(err, "cannot create '%s': %s", p, strerror(errno));
            free(p);
            return rc;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        rc = pkg_fail(err, "cannot create '%s': %s", p, strerror(errno));
    free(p);
    return rc;
}

/* The absolute form of dest (its folder created when missing, and resolved), malloc'd. */
static char *abs_dest(const char *dest, struct pkg_err *err)
{
    char *d = cat3(dest, "", "");
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
        d[--n] = '\0';
    char *slash = strrchr(d, '/');
    const char *base = slash ? slash + 1 : d;
    char *parent = slash ? (slash == d ? cat3("/", "", "") : strndup(d, (size_t)(slash - d)))
                         : cat3(".", "", "");
    char *out = NULL;
    if (!parent) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        pkg_fail(err, "invalid destination '%s'", dest);
        goto out;
    }
    if (mkdirs(parent, err) < 0)
        goto out;
    char *real = realpath(parent, NULL);
    if (!real) {
        pkg_fail(err, "cannot resolve '%s': %s", parent, strerror(errno));
        goto out;
    }
    out = cat3(real, strcmp(real, "/") ? "/" : "", base);
    free(real);
out:
    free(parent);
    free(d);
    return out;
}

static bool is_hex(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

/* {===== credentials: ssh keys from the agent; https credentials come from the URL itself */

struct cred_state {
    int tries;
};

static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
    struct cred_state *st = payload; /* the first member of struct fetch_job */
    (void)url;
    const char *user = user_from_url && *user_from_url ? user_from_url : "git";
    if (st->tries++ >= 3)
        return GIT_PASSTHROUGH;
    if (allowed & GIT_CREDENTIAL_USERNAME)
        return git_credential_username_new(out, user);
    if (allowed & GIT_CREDENTIAL_SSH_KEY)
        return git_credential_ssh_key_from_agent(out, user);
    return GIT_PASSTHROUGH;
}

/* {===== url.<base>.insteadOf
 * git_remote_create_anonymous applies these itself, but libgit2 before 1.6 leaks a pcre2 match
 * block for every configuration entry its pattern does not match (libgit2/libgit2#6382), so
 * the rewrite is done here, by git's rule (the longest matching prefix wins), and the remote is
 * created with GIT_REMOTE_CREATE_SKIP_INSTEADOF. */

static char *rewrite_url(git_repository *repo, const char *url)
{
    static const char pre[] = "url.", post[] = ".insteadof";
    const size_t npre = sizeof pre - 1, npost = sizeof post - 1;
    git_config *cfg = NULL;
    git_config_iterator *it = NULL;
    git_config_entry *e;
    char *out = NULL;
    size_t best = 0;
    if (git_repository_config_snapshot(&cfg, repo) == 0 && git_config_iterator_new(&it, cfg) == 0)
        while (git_config_next(&e, it) == 0) {
            size_t nl = strlen(e->name), vl = e->value ? strlen(e->value) : 0;
            if (nl <= npre + npost || strncmp(e->name, pre, npre) ||
                strcmp(e->name + nl - npost, post) || vl <= best || strncmp(url, e->value, vl))
                continue;
            char *base = strndup(e->name + npre, nl - npre - npost);
            if (!base) {
                fputs("scl: out of memory\n", stderr);
                abort();
            }
            free(out);
            out = cat3(base, url + vl, "");
            free(base);
            best = vl;
        }
    git_config_iterator_free(it);
    git_config_free(cfg);
    return out ? out : cat3(url, "", "");
}

/* {===== fetching */

struct fetch_job {
    struct cred_state cred; /* first: cred_cb's payload is the job */
    const char *url;
    char what[600]; /* "tag 'v1'", for messages */
    git_repository *repo;
    git_remote *remote;
    int64_t max;  /* pkg_fetch_max() */
    bool too_big; /* the transfer passed max */
};

/* Ends a transfer that passes the limit; the fetch then fails with GIT_EUSER. */
static int transfer_cb(const git_indexer_progress *stats, void *payload)
{
    struct fetch_job *j = payload;
    if ((int64_t)stats->received_bytes > j->max) {
        j->too_big = true;
        return -1;
    }
    return 0;
}

static int fetch_failed(struct fetch_job *j, struct pkg_err *err)
{
    if (j->too_big)
        return pkg_fail(err, "cannot fetch %s from '%s': it is larger than %lld bytes (SCL_FETCH_MAX)",
                        j->what, j->url, (long long)j->max);
    return pkg_fail(err, "cannot fetch %s from '%s': %s", j->what, j->url, last_git_error());
}

static void fetch_opts(struct fetch_job *j, git_fetch_options *fo, bool shallow)
{
    git_fetch_options_init(fo, GIT_FETCH_OPTIONS_VERSION);
    fo->callbacks.credentials = cred_cb;
    fo->callbacks.transfer_progress = transfer_cb;
    fo->callbacks.payload = j;
    fo->download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo->update_fetchhead = 0;
    fo->proxy_opts.type = GIT_PROXY_AUTO;
#if GIT_HAS_DEPTH
    if (shallow)
        fo->depth = 1;
#else
    (void)shallow;
#endif
}

static int fetch_specs(struct fetch_job *j, char **specs, size_t n, bool shallow)
{
    git_fetch_options fo;
    fetch_opts(j, &fo, shallow);
    git_strarray arr = {specs, n};
    j->cred.tries = 0;
    return git_remote_fetch(j->remote, &arr, &fo, NULL);
}

static int fetch_one(struct fetch_job *j, const char *spec, bool shallow)
{
    char *specs[1] = {(char *)spec};
    return fetch_specs(j, specs, 1, shallow);
}

/* HEAD, every branch and every tag (for a commit that can't be fetched by its id). */
static int fetch_all(struct fetch_job *j)
{
    char *specs[3] = {"+HEAD:refs/scl/HEAD", "+refs/heads/*:refs/scl/heads/*",
                      "+refs/tags/*:refs/scl/tags/*"};
    return fetch_specs(j, specs, 3, false);
}

/* The commit WANT_REF names; GIT_ENOTFOUND when the fetch brought nothing. */
static int want_commit(struct fetch_job *j, git_object **out)
{
    return git_revparse_single(out, j->repo, WANT_REF "^{commit}");
}

static int fetch_named(struct fetch_job *j, const char *prefix, const char *name, const char *kind,
                       git_object **out, struct pkg_err *err)
{
    char *ref = cat3(prefix, name, "");
    int valid = 0;
    if (git_reference_name_is_valid(&valid, ref) < 0 || !valid || strchr(name, '*')) {
        free(ref);
        return pkg_fail(err, "invalid %s name '%s'", kind, name);
    }
    char *spec = cat3("+", ref, ":" WANT_REF);
    free(ref);
    int rc = fetch_one(j, spec, true);
    free(spec);
    if (rc < 0)
        return fetch_failed(j, err);
    rc = want_commit(j, out);
    if (rc == GIT_ENOTFOUND)
        return pkg_fail(err, "cannot find %s '%s' in '%s'", kind, name, j->url);
    if (rc < 0)
        return pkg_fail(err, "cannot read %s from '%s': %s", j->what, j->url, last_git_error());
    return 0;
}

static int fetch_commit(struct fetch_job *j, const char *commit, git_object **out,
                        struct pkg_err *err)
{
    size_t len = strlen(commit);
    if (len < GIT_OID_MINPREFIXLEN || len > GIT_OID_HEXSZ || !is_hex(commit))
        return pkg_fail(err, "invalid commit '%s' for '%s': want 4 to 40 hex digits", commit,
                        j->url);
    char hex[GIT_OID_HEXSZ + 1];
    for (size_t i = 0; i <= len; i++)
        hex[i] = (char)(commit[i] >= 'A' && commit[i] <= 'F' ? commit[i] - 'A' + 'a' : commit[i]);
    git_oid oid;
    if (git_oid_fromstrn(&oid, hex, len) < 0)
        return pkg_fail(err, "invalid commit '%s' for '%s'", commit, j->url);

    bool have = false;
    if (len == GIT_OID_HEXSZ) {
        /* By its id, when the server allows it; else everything below. */
        char *spec = cat3("+", hex, ":" WANT_REF);
        have = fetch_one(j, spec, true) == 0;
        free(spec);
        if (have) {
            git_odb *odb = NULL;
            have = git_repository_odb(&odb, j->repo) == 0 && git_odb_exists(odb, &oid);
            git_odb_free(odb);
        }
    }
    if (!have && (j->too_big || fetch_all(j) < 0))
        return fetch_failed(j, err);

    git_object *obj = NULL;
    int rc = git_object_lookup_prefix(&obj, j->repo, &oid, len, GIT_OBJECT_ANY);
    if (rc == GIT_ENOTFOUND)
        return pkg_fail(err, "cannot find commit '%s' in '%s'", commit, j->url);
    if (rc == GIT_EAMBIGUOUS)
        return pkg_fail(err, "commit '%s' is ambiguous in '%s'", commit, j->url);
    if (rc < 0)
        return pkg_fail(err, "cannot read %s from '%s': %s", j->what, j->url, last_git_error());
    rc = git_object_peel(out, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc < 0)
        return pkg_fail(err, "'%s' is not a commit in '%s'", commit, j->url);
    return 0;
}

/* The branch HEAD names on the remote. */
static int fetch_default(struct fetch_job *j, git_object **out, struct pkg_err *err)
{
    git_remote_callbacks cb;
    git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
    cb.credentials = cred_cb;
    cb.transfer_progress = transfer_cb;
    cb.payload = j;
    git_proxy_options po;
    git_proxy_options_init(&po, GIT_PROXY_OPTIONS_VERSION);
    po.type = GIT_PROXY_AUTO;
    j->cred.tries = 0;
    if (git_remote_connect(j->remote, GIT_DIRECTION_FETCH, &cb, &po, NULL) < 0)
        return pkg_fail(err, "cannot fetch %s from '%s': %s", j->what, j->url, last_git_error());

    git_buf name = {0};
    char *spec = NULL;
    int rc = git_remote_default_branch(&name, j->remote);
    if (rc == 0 && !strncmp(name.ptr, "refs/heads/", 11)) {
        spec = cat3("+", name.ptr, ":" WANT_REF);
    } else if (rc == 0 || rc == GIT_ENOTFOUND) {
        /* A detached HEAD: take it as it is. */
        const git_remote_head **heads;
        size_t n = 0;
        if (git_remote_ls(&heads, &n, j->remote) == 0)
            for (size_t i = 0; i < n && !spec; i++)
                if (!strcmp(heads[i]->name, "HEAD"))
                    spec = cat3("+HEAD:" WANT_REF, "", "");
    } else {
        git_buf_dispose(&name);
        git_remote_disconnect(j->remote);
        return pkg_fail(err, "cannot fetch %s from '%s': %s", j->what, j->url, last_git_error());
    }
    git_buf_dispose(&name);
    if (!spec) {
        git_remote_disconnect(j->remote);
        return pkg_fail(err, "cannot find the default branch of '%s'", j->url);
    }
    rc = fetch_one(j, spec, true);
    free(spec);
    if (rc < 0)
        return fetch_failed(j, err);
    rc = want_commit(j, out);
    if (rc == GIT_ENOTFOUND)
        return pkg_fail(err, "cannot find the default branch of '%s'", j->url);
    if (rc < 0)
        return pkg_fail(err, "cannot read %s from '%s': %s", j->what, j->url, last_git_error());
    return 0;
}

/* {===== what a checkout would write */

struct tree_sum {
    git_odb *odb;
    int64_t total, max;
};

static int sum_entry(const char *root, const git_tree_entry *e, void *payload)
{
    (void)root;
    struct tree_sum *t = payload;
    if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
        return 0;
    size_t len;
    git_object_t type;
    if (git_odb_read_header(&len, &type, t->odb, git_tree_entry_id(e)) < 0)
        return 0; /* the checkout reports it */
    t->total += (int64_t)len;
    return t->total > t->max ? -1 : 0;
}

/* 0 when the tree of obj holds at most max bytes of files. */
static int check_tree_size(struct fetch_job *j, git_object *obj, struct pkg_err *err)
{
    git_object *tree = NULL;
    struct tree_sum t = {NULL, 0, j->max};
    int rc = 0;
    if (git_object_peel(&tree, obj, GIT_OBJECT_TREE) == 0 &&
        git_repository_odb(&t.odb, j->repo) == 0 &&
        git_tree_walk((git_tree *)tree, GIT_TREEWALK_PRE, sum_entry, &t) != 0 && t.total > t.max)
        rc = pkg_fail(err, "cannot check out %s of '%s': its files take more than %lld bytes "
                      "(SCL_FETCH_MAX)", j->what, j->url, (long long)j->max);
    git_odb_free(t.odb);
    git_object_free(tree);
    return rc;
}

/* {===== the entry point */

int pkg_git_fetch(const char *url, const char *tag, const char *commit, const char *branch,
                  const char *dest, char commit_out[41], struct pkg_err *err)
{
    if (tag && !*tag)
        tag = NULL;
    if (commit && !*commit)
        commit = NULL;
    if (branch && !*branch)
        branch = NULL;
    if ((tag != NULL) + (commit != NULL) + (branch != NULL) > 1)
        return pkg_fail(err, "only one of branch, tag or commit is allowed");
    if (!url || !*url)
        return pkg_fail(err, "missing git url");
    struct stat st;
    if (lstat(dest, &st) == 0)
        return pkg_fail(err, "cannot fetch '%s' into '%s': it already exists", url, dest);

    struct fetch_job j = {.url = url, .max = pkg_fetch_max()};
    if (tag)
        snprintf(j.what, sizeof j.what, "tag '%s'", tag);
    else if (commit)
        snprintf(j.what, sizeof j.what, "commit '%s'", commit);
    else if (branch)
        snprintf(j.what, sizeof j.what, "branch '%s'", branch);
    else
        snprintf(j.what, sizeof j.what, "the default branch");

    int rc = -1;
    char *abs = NULL, *bare = NULL, *tree = NULL;
    git_object *obj = NULL;

    if (!(abs = abs_dest(dest, err)))
        goto out;
    bare = cat3(abs, ".tmp-XXXXXX", "");
    if (!mkdtemp(bare)) {
        pkg_fail(err, "cannot create a temporary directory beside '%s': %s", dest, strerror(errno));
        free(bare);
        bare = NULL;
        goto out;
    }
    char *t = cat3(bare, ".tree", "");
    if (mkdir(t, 0777) != 0) {
        pkg_fail(err, "cannot create '%s': %s", t, strerror(errno));
        free(t);
        goto out;
    }
    tree = t;

    if (git_repository_init(&j.repo, bare, 1) < 0) {
        pkg_fail(err, "cannot create a repository in '%s': %s", bare, last_git_error());
        goto out;
    }
    /* git_remote_create_anonymous, with insteadOf applied as above */
    git_remote_create_options ro;
    git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    ro.repository = j.repo;
    ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    char *real_url = rewrite_url(j.repo, url);
    int created = git_remote_create_with_opts(&j.remote, real_url, &ro);
    free(real_url);
    if (created < 0) {
        pkg_fail(err, "invalid git url '%s': %s", url, last_git_error());
        goto out;
    }

    if (tag      ? fetch_named(&j, "refs/tags/", tag, "tag", &obj, err)
        : branch ? fetch_named(&j, "refs/heads/", branch, "branch", &obj, err)
        : commit ? fetch_commit(&j, commit, &obj, err)
                 : fetch_default(&j, &obj, err))
        goto out;

    if (check_tree_size(&j, obj, err))
        goto out;
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_WRITE_INDEX;
    co.target_directory = tree;
    if (git_checkout_tree(j.repo, obj, &co) < 0) {
        pkg_fail(err, "cannot check out %s of '%s': %s", j.what, url, last_git_error());
        goto out;
    }

    if (rename(tree, abs) != 0) {
        /* Another fetch of the same ref won the race: its tree is complete, so ours goes. */
        if ((errno == EEXIST || errno == ENOTEMPTY) && stat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
            pkg_remove_tree(tree);
        } else {
            pkg_fail(err, "cannot move the checkout of '%s' to '%s': %s", url, dest,
                     strerror(errno));
            goto out;
        }
    }
    free(tree);
    tree = NULL;
    git_oid_tostr(commit_out, 41, git_object_id(obj));
    rc = 0;

out:
    git_object_free(obj);
    git_remote_free(j.remote);
    git_repository_free(j.repo);
    pkg_remove_tree(tree);
    pkg_remove_tree(bare);
    free(tree);
    free(bare);
    free(abs);
    return rc;
}
