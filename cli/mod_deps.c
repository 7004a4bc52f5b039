/* Fetching dependencies (spec packages.md §2.5, §3.5, §3.7): each dependency of a package,
 * and theirs, made present in the package home (or vendor/) and recorded in the lock. Used by
 * `scl mod add`, `update`, `metadata --update`, `graph`, and by `scl run` through `update`. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/mod.h"
#include "pkg/io.h"

static char *xstrdup(const char *s)
{
    return pkg_strdup(s ? s : "");
}

int mod_session_open(struct mod_session *s, const char *root, unsigned flags, struct pkg_err *err)
{
    memset(s, 0, sizeof *s);
    s->flags = flags;
    s->out = flags & MOD_QUIET ? NULL : flags & MOD_PROGRESS_STDERR ? stderr : stdout;
    if (pkg_env_load(&s->env, true, err) != 0)
        return -1;
    if (root) {
        s->root = xstrdup(root);
        if (!strcmp(s->env.home, root)) {
            pkg_env_free(&s->env);
            return pkg_fail(err, "environment variable KCL_PKG_PATH cannot be set to the same "
                                 "path as the current KCL package.");
        }
        if (pkg_lock_read(root, &s->lock, err) != 0) {
            pkg_env_free(&s->env);
            return -1;
        }
    }
    return 0;
}

struct oci_client *mod_client(struct mod_session *s, struct pkg_err *err)
{
    if (s->client)
        return s->client;
    struct oci_opts o = {0};
    o.pkg_home = s->env.home;
    o.plain_http = s->env.plain_http;
    o.insecure = s->flags & MOD_INSECURE;
    o.progress = s->out;
    o.username = s->username;
    o.password = s->password;
    o.auth_host = s->auth_host;
    s->client = oci_client_new(&o, err);
    return s->client;
}

void mod_session_close(struct mod_session *s)
{
    oci_client_free(s->client);
    pkg_env_free(&s->env);
    pkg_lock_free(&s->lock);
    for (size_t i = 0; i < s->nres; i++) {
        free(s->res[i].key);
        free(s->res[i].name);
        free(s->res[i].dir);
        free(s->res[i].version);
        free(s->res[i].ref);
        free(s->res[i].parent);
    }
    free(s->res);
    free(s->root);
    memset(s, 0, sizeof *s);
}

void mod_say(struct mod_session *s, const char *fmt, ...)
{
    if (!s->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->out, fmt, ap);
    va_end(ap);
    fputc('\n', s->out);
    fflush(s->out);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* cp -R src dst (regular files and directories), through a temporary directory. */
static int copy_tree(const char *src, const char *dst, struct pkg_err *err)
{
    char *tmp = malloc(strlen(dst) + 16);
    if (!tmp)
        abort();
    sprintf(tmp, "%s.tmp.XXXXXX", dst);
    char *slash = strrchr(dst, '/');
    if (slash) {
        char *parent = strndup(dst, (size_t)(slash - dst));
        int rc = parent ? pkg_mkdirs(parent, err) : -1;
        free(parent);
        if (rc != 0) {
            free(tmp);
            return -1;
        }
    }
    if (!mkdtemp(tmp)) {
        free(tmp);
        return pkg_fail(err, "cannot create a directory beside '%s': %s", dst, strerror(errno));
    }
    struct pkg_strs rels = {0};
    int rc = 0;
    pkg_strs_push(&rels, "");
    for (size_t i = 0; i < rels.n && rc == 0; i++) {
        char *from = *rels.v[i] ? pkg_join(src, rels.v[i]) : xstrdup(src);
        char *to = *rels.v[i] ? pkg_join(tmp, rels.v[i]) : xstrdup(tmp);
        struct stat st;
        if (lstat(from, &st) != 0) {
            rc = pkg_fail(err, "cannot read '%s': %s", from, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (*rels.v[i] && mkdir(to, 0755) != 0)
                rc = pkg_fail(err, "cannot create '%s': %s", to, strerror(errno));
            DIR *d = rc == 0 ? opendir(from) : NULL;
            struct dirent *e;
            while (d && (e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char *rel = *rels.v[i] ? pkg_join(rels.v[i], e->d_name) : xstrdup(e->d_name);
                pkg_strs_push(&rels, rel);
                free(rel);
            }
            if (d)
                closedir(d);
        } else if (S_ISREG(st.st_mode)) {
            size_t len;
            char *data = pkg_read_file(from, &len, err);
            if (!data)
                rc = -1;
            else
                rc = pkg_write_if_changed(to, data, len, err);
            free(data);
        }
        free(from);
        free(to);
    }
    pkg_strs_free(&rels);
    if (rc == 0 && rename(tmp, dst) != 0) {
        if (exists(dst))
            rc = 0; /* another process put it there first */
        else
            rc = pkg_fail(err, "cannot move '%s' into place: %s", dst, strerror(errno));
        pkg_remove_tree(tmp);
    } else if (rc != 0) {
        pkg_remove_tree(tmp);
    }
    free(tmp);
    return rc;
}

/* The directory a fetched dependency goes to: <base>/<basename>_<ref>. */
static char *store_dir(struct mod_session *s, const char *basename, size_t n, const char *ref)
{
    char *base = s->flags & MOD_VENDOR ? pkg_join(s->root, "vendor") : xstrdup(s->env.home);
    size_t len = strlen(base) + n + strlen(ref) + 3;
    char *out = malloc(len);
    if (!out)
        abort();
    snprintf(out, len, "%s/%.*s_%s", base, (int)n, basename, ref);
    free(base);
    return out;
}

/* Vendor mode takes a copy from the package home when it is there. */
static int from_home(struct mod_session *s, const char *dir, const char *basename, size_t n,
                     const char *ref, struct pkg_err *err)
{
    if (!(s->flags & MOD_VENDOR))
        return 1;
    size_t len = strlen(s->env.home) + n + strlen(ref) + 3;
    char *home = malloc(len);
    if (!home)
        abort();
    snprintf(home, len, "%s/%.*s_%s", s->env.home, (int)n, basename, ref);
    int rc = 1;
    if (pkg_has_mod(home))
        rc = copy_tree(home, dir, err);
    free(home);
    return rc;
}

static int fetch_oci(struct mod_session *s, const struct pkg_dep *d, struct mod_resolved *r,
                     struct pkg_lock_entry *le, struct pkg_err *err)
{
    char *reg, *repo;
    pkg_dep_oci_ref(&s->env, d, &reg, &repo);
    const struct pkg_lock_entry *old = pkg_lock_get(&s->lock, d->key);
    const char *want = d->plain ? d->version : d->tag;
    if (!want && d->spec_only)
        want = d->spec_version;
    char *tag = want && *want ? xstrdup(want) : NULL;
    int rc = 0;
    if (!tag && old && old->oci_tag && !(s->flags & MOD_UPGRADE))
        tag = xstrdup(old->oci_tag);
    if (!tag) {
        struct oci_client *c = mod_client(s, err);
        rc = c ? oci_latest_tag(c, reg, repo, &tag, err) : -1;
    }
    size_t n;
    const char *bn = pkg_last_segment(repo, &n);
    char *dir = rc == 0 ? store_dir(s, bn, n, tag) : NULL;
    char *sum = NULL;
    if (rc == 0 && !pkg_has_mod(dir)) {
        rc = from_home(s, dir, bn, n, tag, err);
        if (rc == 1) {
            struct oci_client *c = mod_client(s, err);
            const char *expect = !(s->flags & MOD_NO_SUM_CHECK) && old && old->sum &&
                                         old->oci_tag && !strcmp(old->oci_tag, tag)
                                     ? old->sum
                                     : NULL;
            rc = c ? oci_pull_package(c, reg, repo, tag, dir, expect, &sum, err) : -1;
        }
    }
    if (rc == 0 && !sum && !(s->flags & MOD_NO_SUM_CHECK)) {
        if (old && old->sum && old->oci_tag && !strcmp(old->oci_tag, tag)) {
            sum = xstrdup(old->sum);
        } else {
            char b64[45];
            if (pkg_hash_dir(dir, b64, err) == 0)
                sum = xstrdup(b64);
            else
                rc = -1;
        }
    }
    if (rc == 0) {
        r->dir = dir;
        dir = NULL;
        r->ref = tag;
        le->sum = sum;
        le->reg = d->hostless ? NULL : xstrdup(reg);
        le->repo = xstrdup(repo);
        le->oci_tag = xstrdup(tag);
        sum = NULL;
    } else {
        free(tag);
    }
    free(sum);
    free(dir);
    free(reg);
    free(repo);
    return rc;
}

static int fetch_git(struct mod_session *s, const struct pkg_dep *d, struct mod_resolved *r,
                     struct pkg_lock_entry *le, struct pkg_err *err)
{
    size_t n;
    const char *bn = pkg_last_segment(d->url, &n);
    if (n > 4 && !strncmp(bn + n - 4, ".git", 4))
        n -= 4;
    const struct pkg_lock_entry *old = pkg_lock_get(&s->lock, d->key);
    const char *ref = d->tag ? d->tag : d->commit ? d->commit : d->branch;
    const char *commit = d->commit;
    if (!ref && old && old->commit && !(s->flags & MOD_UPGRADE))
        ref = commit = old->commit;
    char commit_out[41] = "";
    int rc = 0;
    char *dir = NULL;
    if (ref) {
        dir = store_dir(s, bn, n, ref);
        if (!pkg_has_mod(dir)) {
            rc = from_home(s, dir, bn, n, ref, err);
            if (rc == 1) {
                mod_say(s, "cloning '%s' with %s '%s'", d->url,
                        d->tag ? "tag" : commit ? "commit" : "branch", ref);
                rc = pkg_git_fetch(d->url, d->tag, commit, d->tag || commit ? NULL : d->branch,
                                   dir, commit_out, err);
            }
        }
    } else {
        /* the default branch: recorded as the first 7 hex digits of its commit */
        char *tmp = store_dir(s, bn, n, "HEAD.fetch");
        pkg_remove_tree(tmp);
        mod_say(s, "cloning '%s'", d->url);
        rc = pkg_git_fetch(d->url, NULL, NULL, NULL, tmp, commit_out, err);
        if (rc == 0) {
            char short_id[8];
            memcpy(short_id, commit_out, 7);
            short_id[7] = '\0';
            dir = store_dir(s, bn, n, short_id);
            if (pkg_has_mod(dir) || rename(tmp, dir) == 0)
                pkg_remove_tree(tmp);
            else
                rc = pkg_fail(err, "cannot move '%s' into place: %s", dir, strerror(errno));
        }
        free(tmp);
    }
    if (rc == 0) {
        r->dir = dir;
        r->ref = xstrdup(ref ? ref : commit_out);
        le->url = xstrdup(d->url);
        le->branch = d->branch ? xstrdup(d->branch) : NULL;
        le->git_tag = d->tag ? xstrdup(d->tag) : NULL;
        le->commit = d->commit     ? xstrdup(d->commit)
                     : !ref && *commit_out ? strndup(commit_out, 7)
                     : old && old->commit && !d->tag && !d->branch ? xstrdup(old->commit)
                                                                     : NULL;
        le->package = d->package ? xstrdup(d->package) : NULL;
        return 0;
    }
    free(dir);
    return rc;
}

static void entry_free(struct pkg_lock_entry *e)
{
    free(e->full_name);
    free(e->version);
    free(e->sum);
    free(e->url);
    free(e->branch);
    free(e->commit);
    free(e->git_tag);
    free(e->package);
    free(e->reg);
    free(e->repo);
    free(e->oci_tag);
}

int mod_fetch_dep(struct mod_session *s, const struct pkg_dep *d, const char *decl_root,
                  const char *parent, struct pkg_err *err)
{
    struct mod_resolved r = {0};
    struct pkg_lock_entry le = {0};
    int rc;
    switch (d->src) {
    case PKG_SRC_LOCAL:
        r.dir = d->path[0] == '/' ? xstrdup(d->path) : pkg_join(decl_root, d->path);
        rc = pkg_has_mod(r.dir) ? 0
                                : pkg_fail(err, "local dependency '%s': no kcl.mod in '%s'",
                                           d->key, r.dir);
        break;
    case PKG_SRC_GIT:
        rc = fetch_git(s, d, &r, &le, err);
        break;
    default:
        rc = fetch_oci(s, d, &r, &le, err);
        break;
    }
    if (rc == 0 && (d->package || d->spec_version) && !d->spec_only) {
        char *sub = pkg_find_subpackage(r.dir, d->package ? d->package : d->key, d->spec_version);
        if (!sub)
            rc = pkg_fail(err, "cannot find the package '%s'%s%s in '%s'",
                          d->package ? d->package : d->key, d->spec_version ? " version " : "",
                          d->spec_version ? d->spec_version : "", r.dir);
        free(r.dir);
        r.dir = sub;
    }
    struct pkg_mod m = {0};
    if (rc == 0)
        rc = pkg_mod_read(r.dir, &m, err);
    if (rc == 0) {
        char full[1024];
        snprintf(full, sizeof full, "%s_%s", m.name ? m.name : d->key, m.version ? m.version : "");
        le.key = d->key;
        le.name = d->key;
        le.full_name = xstrdup(full);
        le.version = xstrdup(d->spec_version ? d->spec_version : m.version ? m.version : "");
        pkg_lock_put(&s->lock, &le);
        struct mod_resolved *v = realloc(s->res, (s->nres + 1) * sizeof *v);
        if (!v)
            abort();
        s->res = v;
        r.key = xstrdup(d->key);
        r.name = xstrdup(d->name);
        r.version = xstrdup(m.version ? m.version : "");
        r.parent = xstrdup(parent ? parent : "");
        s->res[s->nres++] = r;
        memset(&r, 0, sizeof r);
    }
    le.key = le.name = NULL;
    entry_free(&le);
    pkg_mod_free(&m);
    free(r.dir);
    free(r.ref);
    return rc;
}

const struct mod_resolved *mod_resolved_get(const struct mod_session *s, const char *key)
{
    for (size_t i = 0; i < s->nres; i++)
        if (!strcmp(s->res[i].key, key))
            return &s->res[i];
    return NULL;
}

int mod_fetch_all(struct mod_session *s, const struct pkg_mod *m, struct pkg_err *err)
{
    char parent[1024];
    snprintf(parent, sizeof parent, "%s@%s", m->name ? m->name : "",
             m->version ? m->version : "");
    size_t start = s->nres;
    for (size_t i = 0; i < m->ndeps; i++) {
        if (mod_resolved_get(s, m->deps[i].key))
            continue;
        if (mod_fetch_dep(s, &m->deps[i], s->root, parent, err) != 0)
            return -1;
    }
    /* theirs, breadth first */
    for (size_t q = start; q < s->nres; q++) {
        struct pkg_mod sub;
        char *dir = xstrdup(s->res[q].dir);
        if (pkg_mod_read(dir, &sub, err) != 0) {
            free(dir);
            return -1;
        }
        snprintf(parent, sizeof parent, "%s@%s", sub.name ? sub.name : s->res[q].key,
                 sub.version ? sub.version : "");
        int rc = 0;
        for (size_t i = 0; i < sub.ndeps && rc == 0; i++) {
            if (mod_resolved_get(s, sub.deps[i].key))
                continue;
            rc = mod_fetch_dep(s, &sub.deps[i], dir, parent, err);
        }
        pkg_mod_free(&sub);
        free(dir);
        if (rc != 0)
            return -1;
    }
    return 0;
}
