/* `scl mod` commands (spec packages.md §4): init, add, pull, push, pkg, update, metadata,
 * graph. Progress on stdout, errors on stderr with exit status 1, usage errors 2. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/mod.h"
#include "pkg/io.h"

/* The edition kcl.mod records: the KCL language version scl follows. */
#define SCL_KCL_EDITION "v0.11.0"

static char *xstrdup(const char *s)
{
    return pkg_strdup(s ? s : "");
}

static int fail(const struct pkg_err *err)
{
    const char *m = err->msg;
    while (*m == '\n')
        m++;
    fprintf(stderr, "%s\n", m);
    return CLI_FAIL;
}

static int usage(const char *cmd, const char *text, const char *bad)
{
    if (bad)
        fprintf(stderr, "scl mod %s: %s\n", cmd, bad);
    fprintf(bad ? stderr : stdout, "usage: scl mod %s %s\n", cmd, text);
    return bad ? CLI_USAGE : CLI_OK;
}

static bool help_flag(const char *a)
{
    return !strcmp(a, "-h") || !strcmp(a, "--help");
}

static char *cwd_abs(void)
{
    char buf[PATH_MAX];
    return xstrdup(getcwd(buf, sizeof buf) ? buf : ".");
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* The package-cache lock of the package home (§3.7), held while dependencies are fetched. */
static int lock_home(const struct pkg_env *env, FILE *out)
{
    char *dir = pkg_join(env->home, ".kpm/config");
    struct pkg_err err;
    pkg_mkdirs(dir, &err);
    char *path = pkg_join(dir, "package-cache");
    free(dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (out)
            fprintf(out, "waiting for package-cache lock...\n");
        while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
            ;
    }
    return fd;
}

static void unlock_home(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the lock */
}

/* {===== init */

static bool valid_semver(const char *v)
{
    bool ok;
    return pkg_version_cmp(v, v, &ok) == 0 && ok;
}

static int create_file(const char *path, const char *text)
{
    if (exists(path)) {
        printf("creating new :%s\n'%s' already exists\n", path, path);
        return 0;
    }
    printf("creating new :%s\n", path);
    struct pkg_err err;
    return pkg_write_if_changed(path, text, strlen(text), &err) == 0 ? 0 : fail(&err);
}

int mod_init(int argc, char **argv)
{
    const char *name = NULL, *version = "0.0.1";
    for (int i = 1; i < argc; i++) {
        if (help_flag(argv[i]))
            return usage("init", "[NAME] [--version VERSION]\n\nCreates kcl.mod, kcl.mod.lock "
                                 "and main.k in NAME (a new directory) or here.", NULL);
        if (!strcmp(argv[i], "--version") && i + 1 < argc)
            version = argv[++i];
        else if (!strncmp(argv[i], "--version=", 10))
            version = argv[i] + 10;
        else if (argv[i][0] == '-')
            return usage("init", "[NAME] [--version VERSION]", "unknown option");
        else if (!name)
            name = argv[i];
        else
            return usage("init", "[NAME] [--version VERSION]", "too many arguments");
    }
    if (!valid_semver(version)) {
        fprintf(stderr, "failed to parse version.\n");
        return CLI_FAIL;
    }
    char *cwd = cwd_abs();
    char *dir = name ? pkg_join(cwd, name) : xstrdup(cwd);
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    struct pkg_err err;
    if (pkg_mkdirs(dir, &err) != 0) {
        free(cwd);
        free(dir);
        return fail(&err);
    }
    struct pkg_mod m = {0};
    m.name = xstrdup(base);
    m.edition = xstrdup(SCL_KCL_EDITION);
    m.version = xstrdup(version);
    m.disable_none = m.sort_keys = -1;
    char *text = pkg_mod_format(&m);
    char *mod_path = pkg_join(dir, "kcl.mod");
    char *lock_path = pkg_join(dir, "kcl.mod.lock");
    char *main_path = pkg_join(dir, "main.k");
    int rc = create_file(mod_path, text);
    if (rc == 0)
        rc = create_file(lock_path, "");
    if (rc == 0)
        rc = create_file(main_path, "The_first_kcl_program = 'Hello World!'");
    if (rc == 0)
        printf("package '%s' init finished\n", base);
    free(text);
    free(mod_path);
    free(lock_path);
    free(main_path);
    pkg_mod_free(&m);
    free(cwd);
    free(dir);
    return rc;
}

/* {===== sources: name[:version], oci://, git://, ssh://, a directory, or flags */

struct source {
    struct pkg_dep dep; /* key set once known */
    bool have;
};

static void dep_clear(struct pkg_dep *d)
{
    struct pkg_mod m = {0};
    m.deps = calloc(1, sizeof *m.deps);
    if (!m.deps)
        abort();
    m.deps[0] = *d;
    m.ndeps = 1;
    pkg_mod_free(&m);
    memset(d, 0, sizeof *d);
}

static void set(char **field, const char *v)
{
    free(*field);
    *field = v ? xstrdup(v) : NULL;
}

/* name or name:version */
static void spec_from(struct pkg_dep *d, const char *text)
{
    const char *colon = strchr(text, ':');
    char *name = colon ? strndup(text, (size_t)(colon - text)) : xstrdup(text);
    set(&d->package, name);
    set(&d->spec_version, colon ? colon + 1 : NULL);
    free(name);
}

struct src_opts {
    const char *git, *oci, *path, *tag, *commit, *branch, *rename;
    const char *positional[8];
    int npos;
    unsigned flags;
};

/* Builds the dependency a command names (§4 add/pull sources). */
static int make_source(const struct src_opts *o, struct pkg_dep *d, struct pkg_err *err)
{
    memset(d, 0, sizeof *d);
    const char *pos = o->npos ? o->positional[0] : NULL;
    const char *git = o->git, *oci = o->oci, *path = o->path;
    if (pos && !git && !oci && !path) {
        if (!strncmp(pos, "oci://", 6))
            oci = pos;
        else if (!strncmp(pos, "git://", 6) || !strncmp(pos, "ssh://", 6))
            git = pos;
        else if (strstr(pos, "://"))
            return pkg_fail(err, "invalid package source '%s'", pos);
        else if (is_dir(pos))
            path = pos;
        pos = git || oci || path ? NULL : pos;
    } else if (pos && (git || oci)) {
        /* a name[:version] beside --git/--oci picks a sub-package */
        spec_from(d, pos);
        pos = NULL;
    }
    if (!!o->tag + !!o->commit + !!o->branch > 1)
        return pkg_fail(err, "only one of branch, tag or commit is allowed");
    if (git) {
        d->src = PKG_SRC_GIT;
        set(&d->url, git);
        set(&d->tag, o->tag);
        set(&d->commit, o->commit);
        set(&d->branch, o->branch);
    } else if (oci) {
        d->src = PKG_SRC_OCI;
        set(&d->oci, oci);
        const char *host = oci + 6, *slash = strchr(host, '/');
        if (strncmp(oci, "oci://", 6) || !slash || slash == host || !slash[1])
            return pkg_fail(err, "invalid oci url '%s'", oci);
        d->reg = strndup(host, (size_t)(slash - host));
        set(&d->repo, slash + 1);
        set(&d->tag, o->tag);
    } else if (path) {
        d->src = PKG_SRC_LOCAL;
        char *abs = realpath(path, NULL);
        set(&d->path, abs ? abs : path);
        free(abs);
    } else if (pos) {
        /* name[:version]: the default registry and repository prefix */
        d->src = PKG_SRC_OCI;
        d->plain = true;
        const char *colon = strchr(pos, ':');
        char *name = colon ? strndup(pos, (size_t)(colon - pos)) : xstrdup(pos);
        if (!*name || (colon && !colon[1]) || (colon && strchr(colon + 1, ':'))) {
            free(name);
            return pkg_fail(err, "invalid oci package reference '%s'", pos);
        }
        set(&d->key, name);
        set(&d->name, name);
        set(&d->version, colon ? colon + 1 : NULL);
        free(name);
    } else {
        return pkg_fail(err, "no package source given");
    }
    return 0;
}

static int parse_source_args(int argc, char **argv, struct src_opts *o, const char **extra,
                             const char *cmd, const char *text, int *rc)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--git")      ? &o->git
                            : !strcmp(a, "--oci")    ? &o->oci
                            : !strcmp(a, "--path")   ? &o->path
                            : !strcmp(a, "--tag")    ? &o->tag
                            : !strcmp(a, "--commit") ? &o->commit
                            : !strcmp(a, "--branch") ? &o->branch
                            : !strcmp(a, "--rename") ? &o->rename
                                                     : NULL;
        if (help_flag(a)) {
            *rc = usage(cmd, text, NULL);
            return -1;
        }
        if (slot) {
            if (i + 1 >= argc) {
                *rc = usage(cmd, text, "missing value after an option");
                return -1;
            }
            *slot = argv[++i];
        } else if (!strcmp(a, "--no_sum_check") || !strcmp(a, "--no-sum-check")) {
            o->flags |= MOD_NO_SUM_CHECK;
        } else if (!strcmp(a, "--vendor")) {
            o->flags |= MOD_VENDOR;
        } else if (!strcmp(a, "--insecure-skip-tls-verify")) {
            o->flags |= MOD_INSECURE;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->flags |= MOD_QUIET;
        } else if (a[0] == '-' && a[1]) {
            *rc = usage(cmd, text, "unknown option");
            return -1;
        } else if (o->npos < 8) {
            o->positional[o->npos++] = a;
        }
    }
    (void)extra;
    return 0;
}

#define SOURCE_HELP                                                                           \
    "SOURCE | --git URL | --oci URL | --path DIR  [--tag T | --commit C | --branch B]\n"      \
    "SOURCE: name, name:version, oci://registry/repository, git://... or ssh://..., or a "   \
    "directory\n"

/* {===== add */

static void dep_copy_into(struct pkg_mod *m, const struct pkg_dep *d)
{
    for (size_t i = 0; i < m->ndeps; i++) {
        if (!strcmp(m->deps[i].key, d->key)) {
            dep_clear(&m->deps[i]);
            m->deps[i] = *d;
            return;
        }
    }
    struct pkg_dep *v = realloc(m->deps, (m->ndeps + 1) * sizeof *v);
    if (!v)
        abort();
    m->deps = v;
    m->deps[m->ndeps++] = *d;
}

static int cmp_dep(const void *a, const void *b)
{
    return strcmp(((const struct pkg_dep *)a)->key, ((const struct pkg_dep *)b)->key);
}

int mod_add(int argc, char **argv)
{
    struct src_opts o = {0};
    int rc = CLI_OK;
    if (parse_source_args(argc, argv, &o, NULL, "add",
                          "SOURCE [--rename NAME] [--no_sum_check] [--vendor]\n" SOURCE_HELP
                          "\nAdds a dependency to kcl.mod, downloads it and updates kcl.mod.lock.\n",
                          &rc) != 0)
        return rc;
    char *root = cwd_abs();
    struct pkg_err err;
    struct pkg_mod m;
    if (pkg_mod_read(root, &m, &err) != 0) {
        free(root);
        return fail(&err);
    }
    struct pkg_dep d;
    struct mod_session s;
    if (make_source(&o, &d, &err) != 0) {
        dep_clear(&d);
        pkg_mod_free(&m);
        free(root);
        return fail(&err);
    }
    if (mod_session_open(&s, root, o.flags, &err) != 0) {
        dep_clear(&d);
        pkg_mod_free(&m);
        free(root);
        return fail(&err);
    }
    int lock = lock_home(&s.env, s.out);
    /* a first fetch under a provisional key tells the package's name */
    if (!d.key) {
        const char *base = d.url ? d.url : d.repo ? d.repo : d.path ? d.path : "dep";
        const char *slash = strrchr(base, '/');
        set(&d.key, slash ? slash + 1 : base);
        size_t n = strlen(d.key);
        if (n > 4 && !strcmp(d.key + n - 4, ".git"))
            d.key[n - 4] = '\0';
        set(&d.name, d.key);
    }
    int res = mod_fetch_dep(&s, &d, root, NULL, &err);
    const struct mod_resolved *r = res == 0 ? mod_resolved_get(&s, d.key) : NULL;
    struct pkg_mod fetched = {0};
    if (r && pkg_mod_read(r->dir, &fetched, &err) != 0)
        res = -1;
    if (res == 0) {
        const char *pkg_name = fetched.name ? fetched.name : d.key;
        const char *key = o.rename ? o.rename : d.package ? d.key : pkg_name;
        if (m.name && !strcmp(key, m.name) && !o.rename) {
            res = pkg_fail(&err, "cannot add '%s' as a dependency to itself", key);
        } else {
            mod_say(&s, "adding dependency '%s'", pkg_name);
            /* the lock entry is named by the final key */
            struct pkg_lock_entry *le = pkg_lock_get(&s.lock, d.key);
            if (le && strcmp(d.key, key)) {
                struct pkg_lock_entry copy = *le;
                copy.key = (char *)key;
                copy.name = (char *)key;
                pkg_lock_put(&s.lock, &copy);
                le = pkg_lock_get(&s.lock, d.key);
                free(le->key);
                le->key = xstrdup("\x7f"); /* dropped below */
            }
            if (o.rename && !d.package && d.src != PKG_SRC_LOCAL) {
                /* renamed: the key becomes an alias of the package it names */
                set(&d.package, pkg_name);
                set(&d.spec_version, fetched.version ? fetched.version : r->ref);
                if (d.plain) {
                    d.plain = false;
                    d.spec_only = true;
                }
            }
            set(&d.key, key);
            set(&d.name, key);
            for (char *c = d.name; *c; c++)
                if (*c == '-')
                    *c = '_';
            /* record what was resolved: the latest tag, the default branch's commit */
            if (d.plain && !d.version)
                set(&d.version, r->ref);
            if (d.src == PKG_SRC_OCI && !d.plain && !d.tag)
                set(&d.tag, r->ref);
            if (d.src == PKG_SRC_GIT && !d.tag && !d.commit && !d.branch)
                set(&d.commit, r->ref);
            const char *shown = fetched.version ? fetched.version : r->ref;
            char *shown_copy = xstrdup(shown);
            dep_copy_into(&m, &d);
            memset(&d, 0, sizeof d);
            qsort(m.deps, m.ndeps, sizeof *m.deps, cmp_dep);
            /* transitive dependencies, then the lock */
            struct pkg_lock clean = {0};
            for (size_t i = 0; i < s.lock.n; i++)
                if (strcmp(s.lock.v[i].key, "\x7f"))
                    pkg_lock_put(&clean, &s.lock.v[i]);
            pkg_lock_free(&s.lock);
            s.lock = clean;
            res = mod_fetch_all(&s, &m, &err);
            if (res == 0)
                res = pkg_mod_write(root, &m, &err);
            if (res == 0 && !(o.flags & MOD_NO_SUM_CHECK))
                res = pkg_lock_write(root, &s.lock, &err);
            if (res == 0)
                mod_say(&s, "add dependency '%s:%s' successfully", key, shown_copy);
            free(shown_copy);
        }
    }
    unlock_home(lock);
    pkg_mod_free(&fetched);
    dep_clear(&d);
    mod_session_close(&s);
    pkg_mod_free(&m);
    free(root);
    return res == 0 ? CLI_OK : fail(&err);
}

/* {===== pull */

int mod_pull(int argc, char **argv)
{
    struct src_opts o = {0};
    int rc = CLI_OK;
    if (parse_source_args(argc, argv, &o, NULL, "pull",
                          SOURCE_HELP "\nDownloads a package into ./oci/<registry>/<repository>/<tag>/ "
                          "(git: ./git/<host>/<path>/<ref>/).\n",
                          &rc) != 0)
        return rc;
    struct pkg_err err;
    struct pkg_dep d;
    if (make_source(&o, &d, &err) != 0) {
        dep_clear(&d);
        return fail(&err);
    }
    if (d.src == PKG_SRC_LOCAL) {
        dep_clear(&d);
        return usage("pull", "SOURCE", "a local directory cannot be pulled");
    }
    struct mod_session s;
    if (mod_session_open(&s, NULL, o.flags, &err) != 0) {
        dep_clear(&d);
        return fail(&err);
    }
    char *cwd = cwd_abs();
    int res = 0;
    char *dest = NULL, *name = NULL, *version = NULL;
    if (d.src == PKG_SRC_GIT) {
        const char *ref = d.tag ? d.tag : d.commit ? d.commit : d.branch;
        const char *hostpath = strstr(d.url, "://");
        hostpath = hostpath ? hostpath + 3 : d.url;
        mod_say(&s, "start to pull %s%s%s", d.url, ref ? "?ref=" : "", ref ? ref : "");
        char rel[2048];
        snprintf(rel, sizeof rel, "git/%s/%s", hostpath, ref ? ref : "HEAD");
        dest = pkg_join(cwd, rel);
        char commit[41];
        if (pkg_has_mod(dest))
            res = 0;
        else if (exists(dest))
            res = pkg_fail(&err, "'%s' already exists", dest);
        else {
            char *parent = xstrdup(dest);
            *strrchr(parent, '/') = '\0';
            res = pkg_mkdirs(parent, &err);
            free(parent);
            if (res == 0)
                res = pkg_git_fetch(d.url, d.tag, d.commit, d.branch, dest, commit, &err);
        }
    } else {
        char *reg, *repo;
        struct pkg_dep spec = d;
        if (d.plain) { /* name:version is the spec of the default repository */
            spec.spec_only = true;
            set(&d.package, d.key);
            set(&d.spec_version, d.version);
            spec = d;
        }
        pkg_dep_oci_ref(&s.env, &spec, &reg, &repo);
        char *tag = d.plain ? (d.version ? xstrdup(d.version) : NULL) : d.tag ? xstrdup(d.tag) : NULL;
        struct oci_client *c = mod_client(&s, &err);
        if (!c)
            res = -1;
        if (res == 0 && !tag) {
            res = oci_latest_tag(c, reg, repo, &tag, &err);
        }
        if (res == 0) {
            mod_say(&s, "start to pull oci://%s/%s?tag=%s", reg, repo, tag);
            char rel[2048];
            if (d.package)
                snprintf(rel, sizeof rel, "oci/%s/%s/%s/%s/%s", reg, repo, tag, d.package,
                         d.spec_version ? d.spec_version : tag);
            else
                snprintf(rel, sizeof rel, "oci/%s/%s/%s", reg, repo, tag);
            dest = pkg_join(cwd, rel);
            if (pkg_has_mod(dest)) {
                res = 0;
            } else if (exists(dest)) {
                res = pkg_fail(&err, "'%s' already exists", dest);
            } else {
                char *parent = xstrdup(dest);
                *strrchr(parent, '/') = '\0';
                res = pkg_mkdirs(parent, &err);
                free(parent);
                char *sum = NULL;
                if (res == 0)
                    res = oci_pull_package(c, reg, repo, tag, dest, NULL, &sum, &err);
                free(sum);
            }
        }
        free(tag);
        free(reg);
        free(repo);
    }
    if (res == 0) {
        struct pkg_mod m;
        if (pkg_mod_read(dest, &m, &err) == 0) {
            name = xstrdup(m.name);
            version = xstrdup(m.version);
            pkg_mod_free(&m);
        }
        mod_say(&s, "pulled %s %s successfully", name ? name : "", version ? version : "");
    }
    free(name);
    free(version);
    free(dest);
    free(cwd);
    dep_clear(&d);
    mod_session_close(&s);
    return res == 0 ? CLI_OK : fail(&err);
}

/* {===== push and pkg */

static int tmp_archive(const char *root, const struct pkg_mod *m, bool gzip, char **path,
                       char **dir, struct pkg_err *err)
{
    char tmpl[] = "/tmp/scl-push-XXXXXX";
    if (!mkdtemp(tmpl))
        return pkg_fail(err, "cannot create a temporary directory: %s", strerror(errno));
    *dir = xstrdup(tmpl);
    char name[1024];
    snprintf(name, sizeof name, "%s_%s.%s", m->name, m->version, gzip ? "tgz" : "tar");
    *path = pkg_join(tmpl, name);
    return pkg_archive_create(root, *path, gzip, &m->include, &m->exclude, err);
}

/* --vendor: the dependencies copied under vendor/ first, so they are archived too. */
static int vendor_deps(const char *root, const struct pkg_mod *m, struct pkg_err *err)
{
    struct mod_session s;
    if (mod_session_open(&s, root, MOD_VENDOR, err) != 0)
        return -1;
    int rc = mod_fetch_all(&s, m, err);
    mod_session_close(&s);
    return rc;
}

int mod_push(int argc, char **argv)
{
    const char *url = NULL, *tar_path = NULL;
    bool force = false, vendor = false;
    unsigned flags = 0;
    static const char text[] = "[oci://REGISTRY/REPOSITORY] [--force] [--vendor] "
                               "[--tar_path X.tar]\n\nPushes the package here to a registry, "
                               "tagged with its version.\n";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (help_flag(a))
            return usage("push", text, NULL);
        if (!strcmp(a, "--force"))
            force = true;
        else if (!strcmp(a, "--vendor"))
            vendor = true;
        else if (!strcmp(a, "--insecure-skip-tls-verify"))
            flags |= MOD_INSECURE;
        else if ((!strcmp(a, "--tar_path") || !strcmp(a, "--tar-path")) && i + 1 < argc)
            tar_path = argv[++i];
        else if (a[0] == '-')
            return usage("push", text, "unknown option");
        else if (!url)
            url = a;
        else
            return usage("push", text, "too many arguments");
    }
    struct pkg_err err;
    char *root = NULL, *unpacked = NULL;
    if (tar_path) {
        char tmpl[] = "/tmp/scl-push-tar-XXXXXX";
        if (!mkdtemp(tmpl))
            return fprintf(stderr, "cannot create a temporary directory\n"), CLI_FAIL;
        unpacked = xstrdup(tmpl);
        root = pkg_join(unpacked, "pkg");
        if (pkg_archive_extract(tar_path, root, &err) != 0) {
            pkg_remove_tree(unpacked);
            free(unpacked);
            free(root);
            return fail(&err);
        }
    } else {
        root = cwd_abs();
    }
    struct pkg_mod m;
    if (pkg_mod_read(root, &m, &err) != 0) {
        fprintf(stderr, "failed to load package in %s.\n", root);
        if (unpacked)
            pkg_remove_tree(unpacked);
        free(unpacked);
        free(root);
        return CLI_FAIL;
    }
    struct mod_session s;
    int res = mod_session_open(&s, NULL, flags, &err);
    char *reg = NULL, *repo = NULL, *archive = NULL, *tmpdir = NULL;
    if (res == 0 && (!m.name || !m.version))
        res = pkg_fail(&err, "kcl.mod needs a package name and version to be pushed");
    if (res == 0 && url) {
        const char *host = strncmp(url, "oci://", 6) ? NULL : url + 6;
        const char *slash = host ? strchr(host, '/') : NULL;
        if (!slash || slash == host || !slash[1])
            res = pkg_fail(&err, "invalid oci url '%s': expected oci://<registry>/<repository>",
                           url);
        else {
            reg = strndup(host, (size_t)(slash - host));
            repo = xstrdup(slash + 1);
        }
    } else if (res == 0) {
        reg = xstrdup(s.env.reg);
        repo = pkg_join(s.env.repo, m.name);
    }
    char sum[45] = "";
    if (res == 0 && vendor)
        res = vendor_deps(root, &m, &err);
    if (res == 0)
        res = pkg_hash_dir(root, sum, &err);
    if (res == 0)
        res = tmp_archive(root, &m, true, &archive, &tmpdir, &err);
    struct oci_client *c = res == 0 ? mod_client(&s, &err) : NULL;
    if (res == 0 && !c)
        res = -1;
    char digest[72] = "";
    if (res == 0) {
        struct oci_pkg_meta meta = {m.name, m.version, m.description ? m.description : "", sum};
        res = oci_push_package(c, reg, repo, m.version, archive, &meta, force, digest, &err);
    }
    if (tmpdir)
        pkg_remove_tree(tmpdir);
    if (unpacked)
        pkg_remove_tree(unpacked);
    free(tmpdir);
    free(unpacked);
    free(archive);
    free(reg);
    free(repo);
    mod_session_close(&s);
    pkg_mod_free(&m);
    free(root);
    return res == 0 ? CLI_OK : fail(&err);
}

int mod_pkg(int argc, char **argv)
{
    const char *target = NULL;
    bool vendor = false;
    static const char text[] = "--target DIR [--vendor]\n\nWrites DIR/<name>_<version>.tar.\n";
    for (int i = 1; i < argc; i++) {
        if (help_flag(argv[i]))
            return usage("pkg", text, NULL);
        if (!strcmp(argv[i], "--target") && i + 1 < argc)
            target = argv[++i];
        else if (!strncmp(argv[i], "--target=", 9))
            target = argv[i] + 9;
        else if (!strcmp(argv[i], "--vendor"))
            vendor = true;
        else
            return usage("pkg", text, "unknown argument");
    }
    if (!target) {
        fprintf(stderr, "the directory where the tar is generated is required\n");
        return CLI_FAIL;
    }
    char *root = cwd_abs();
    struct pkg_err err;
    struct pkg_mod m;
    if (pkg_mod_read(root, &m, &err) != 0) {
        fprintf(stderr, "failed to load package in %s.\n", root);
        free(root);
        return CLI_OK; /* as kcl mod pkg */
    }
    int res = vendor ? vendor_deps(root, &m, &err) : 0;
    if (res == 0)
        res = pkg_mkdirs(target, &err);
    char name[1024];
    snprintf(name, sizeof name, "%s_%s.tar", m.name ? m.name : "pkg", m.version ? m.version : "");
    char *abs_target = realpath(target, NULL);
    char *out = pkg_join(abs_target ? abs_target : target, name);
    if (res == 0)
        res = pkg_archive_create(root, out, false, &m.include, &m.exclude, &err);
    if (res == 0)
        printf("package tar created: %s\n", out);
    free(abs_target);
    free(out);
    pkg_mod_free(&m);
    free(root);
    return res == 0 ? CLI_OK : fail(&err);
}

/* {===== update */

int mod_update(int argc, char **argv)
{
    const char *dir = NULL;
    unsigned flags = 0;
    bool rewrite = true;
    static const char text[] = "[DIR] [--no_sum_check] [--vendor]\n\nDownloads every dependency "
                               "and writes kcl.mod.lock (untagged dependencies get their latest "
                               "tag, written into kcl.mod).\n";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (help_flag(a))
            return usage("update", text, NULL);
        if (!strcmp(a, "--no_sum_check") || !strcmp(a, "--no-sum-check"))
            flags |= MOD_NO_SUM_CHECK;
        else if (!strcmp(a, "--vendor"))
            flags |= MOD_VENDOR;
        else if (!strcmp(a, "--no-rewrite")) /* scl run: kcl.mod stays as written */
            rewrite = false;
        else if (!strcmp(a, "--quiet-stdout"))
            flags |= MOD_PROGRESS_STDERR;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            flags |= MOD_QUIET;
        else if (a[0] == '-')
            return usage("update", text, "unknown option");
        else if (!dir)
            dir = a;
        else
            return usage("update", text, "too many arguments");
    }
    char *root = dir ? realpath(dir, NULL) : cwd_abs();
    if (!root) {
        fprintf(stderr, "cannot find '%s': %s\n", dir, strerror(errno));
        return CLI_FAIL;
    }
    struct pkg_err err;
    struct pkg_mod m;
    if (pkg_mod_read(root, &m, &err) != 0) {
        free(root);
        return fail(&err);
    }
    if (rewrite)
        flags |= MOD_UPGRADE;
    struct mod_session s;
    int res = mod_session_open(&s, root, flags, &err);
    int lock = res == 0 ? lock_home(&s.env, s.out) : -1;
    if (res == 0)
        res = mod_fetch_all(&s, &m, &err);
    if (res == 0 && rewrite) {
        for (size_t i = 0; i < m.ndeps; i++) {
            struct pkg_dep *d = &m.deps[i];
            const struct mod_resolved *r = mod_resolved_get(&s, d->key);
            if (!r || d->src != PKG_SRC_OCI)
                continue;
            if (d->plain && !d->version)
                set(&d->version, r->ref);
            else if (!d->plain && !d->spec_only && !d->tag)
                set(&d->tag, r->ref);
        }
        res = pkg_mod_write(root, &m, &err);
    }
    if (res == 0 && !(flags & MOD_NO_SUM_CHECK))
        res = pkg_lock_write(root, &s.lock, &err);
    unlock_home(lock);
    mod_session_close(&s);
    pkg_mod_free(&m);
    free(root);
    return res == 0 ? CLI_OK : fail(&err);
}

/* {===== metadata and graph */

/* Where a locked dependency would be, whether or not it is there. */
static char *locked_dir(const struct pkg_env *env, const struct pkg_lock_entry *e,
                        const char *root, bool vendor)
{
    struct pkg_dep d = {0};
    d.key = e->key;
    d.name = e->key;
    if (e->url) {
        d.src = PKG_SRC_GIT;
        d.url = e->url;
        d.tag = e->git_tag;
        d.commit = e->commit;
        d.branch = e->branch;
    } else if (e->repo) {
        d.src = PKG_SRC_OCI;
        d.reg = e->reg;
        d.repo = e->repo;
        d.hostless = !e->reg;
        d.tag = e->oci_tag ? e->oci_tag : e->version;
    } else {
        return NULL; /* a local dependency: its path is in kcl.mod */
    }
    return pkg_dep_dir(env, &d, NULL, root, vendor);
}

int mod_metadata(int argc, char **argv)
{
    unsigned flags = MOD_QUIET;
    bool update = false;
    static const char text[] = "[--update] [--vendor]\n\nPrints the dependencies and where they "
                               "are, as JSON.\n";
    for (int i = 1; i < argc; i++) {
        if (help_flag(argv[i]))
            return usage("metadata", text, NULL);
        if (!strcmp(argv[i], "--update"))
            update = true;
        else if (!strcmp(argv[i], "--vendor"))
            flags |= MOD_VENDOR;
        else
            return usage("metadata", text, "unknown argument");
    }
    char *root = cwd_abs();
    struct pkg_err err;
    struct pkg_mod m;
    if (pkg_mod_read(root, &m, &err) != 0) {
        free(root);
        return fail(&err);
    }
    struct mod_session s;
    int res = mod_session_open(&s, root, flags, &err);
    if (res == 0 && update) {
        res = mod_fetch_all(&s, &m, &err);
        if (res == 0)
            res = pkg_lock_write(root, &s.lock, &err);
    }
    cJSON *packages = cJSON_CreateObject();
    /* kcl.mod's dependencies, then the lock's (transitive ones included) */
    struct pkg_strs keys = {0}, dirs = {0};
    for (size_t i = 0; res == 0 && i < m.ndeps; i++) {
        const struct pkg_dep *d = &m.deps[i];
        const struct mod_resolved *r = mod_resolved_get(&s, d->key);
        char *dir = r ? xstrdup(r->dir) : pkg_dep_dir(&s.env, d, &s.lock, root, flags & MOD_VENDOR);
        pkg_strs_push(&keys, d->name);
        pkg_strs_push(&dirs, dir && pkg_has_mod(dir) ? dir : "");
        free(dir);
    }
    for (size_t i = 0; res == 0 && i < s.lock.n; i++) {
        const struct pkg_lock_entry *e = &s.lock.v[i];
        const struct mod_resolved *r = mod_resolved_get(&s, e->key);
        char *dir = r ? xstrdup(r->dir) : locked_dir(&s.env, e, root, flags & MOD_VENDOR);
        char *name = xstrdup(e->key);
        for (char *c = name; *c; c++)
            if (*c == '-')
                *c = '_';
        bool dup = false;
        for (size_t k = 0; k < keys.n; k++)
            dup = dup || !strcmp(keys.v[k], name);
        if (!dup) {
            pkg_strs_push(&keys, name);
            pkg_strs_push(&dirs, dir && pkg_has_mod(dir) ? dir : "");
        }
        free(name);
        free(dir);
    }
    /* sorted keys, as Go's encoder writes a map */
    for (size_t i = 0; i < keys.n; i++)
        for (size_t j = i + 1; j < keys.n; j++)
            if (strcmp(keys.v[j], keys.v[i]) < 0) {
                char *t = keys.v[i];
                keys.v[i] = keys.v[j];
                keys.v[j] = t;
                t = dirs.v[i];
                dirs.v[i] = dirs.v[j];
                dirs.v[j] = t;
            }
    for (size_t i = 0; i < keys.n; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", keys.v[i]);
        cJSON_AddStringToObject(p, "manifest_path", dirs.v[i]);
        cJSON_AddItemToObject(packages, keys.v[i], p);
    }
    if (res == 0) {
        cJSON *top = cJSON_CreateObject();
        cJSON_AddItemToObject(top, "packages", packages);
        packages = NULL;
        char *json = cJSON_PrintUnformatted(top);
        printf("%s\n", json);
        free(json);
        cJSON_Delete(top);
    }
    cJSON_Delete(packages);
    pkg_strs_free(&keys);
    pkg_strs_free(&dirs);
    mod_session_close(&s);
    pkg_mod_free(&m);
    free(root);
    return res == 0 ? CLI_OK : fail(&err);
}

int mod_graph(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (help_flag(argv[i]))
            return usage("graph", "\n\nPrints one line per dependency edge: "
                                  "'parent@version child@version'.\n", NULL);
        return usage("graph", "", "unknown argument");
    }
    char *root = cwd_abs();
    struct pkg_err err;
    struct pkg_mod m;
    if (pkg_mod_read(root, &m, &err) != 0) {
        free(root);
        return fail(&err);
    }
    struct mod_session s;
    int res = mod_session_open(&s, root, MOD_QUIET, &err);
    int lock = res == 0 ? lock_home(&s.env, NULL) : -1;
    if (res == 0)
        res = mod_fetch_all(&s, &m, &err);
    unlock_home(lock);
    if (res == 0) {
        for (size_t i = 0; i < s.nres; i++) {
            /* a package named in its own graph is a cycle */
            char self[1024];
            snprintf(self, sizeof self, "%s@%s", s.res[i].key, s.res[i].version);
            if (!strcmp(self, s.res[i].parent) ||
                (m.name && !strcmp(s.res[i].key, m.name))) {
                res = pkg_fail(&err, "adding %s as a dependency results in a cycle", self);
                break;
            }
        }
    }
    if (res == 0) {
        for (size_t i = 0; i < s.nres; i++)
            printf("%s %s@%s\n", s.res[i].parent, s.res[i].key, s.res[i].version);
        printf("\n");
    }
    mod_session_close(&s);
    pkg_mod_free(&m);
    free(root);
    return res == 0 ? CLI_OK : fail(&err);
}
