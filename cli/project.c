/* The package around the inputs of a command (kcl.mod, its profile and dependencies), turned
 * into what a run needs: a module root and external packages (spec packages.md §2.5). Packages
 * already in the package home (or vendor/) need nothing else; missing ones are fetched by the
 * scl-mod helper, so that this binary never loads a network library. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/project.h"
#include "pkg/io.h"

extern char **environ;

#define xstrdup pkg_strdup

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int project_open(struct project *p, const char *input, struct pkg_err *err)
{
    memset(p, 0, sizeof *p);
    p->mod.disable_none = p->mod.sort_keys = -1;
    char *abs = realpath(input ? input : ".", NULL);
    if (!abs)
        return 0; /* the run reports the missing input */
    char *dir = abs;
    if (!is_dir(abs)) {
        char *slash = strrchr(abs, '/');
        if (slash && slash != abs)
            *slash = '\0';
        else if (slash)
            slash[1] = '\0';
    }
    for (;;) {
        if (pkg_has_mod(dir)) {
            p->root = xstrdup(dir);
            break;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    free(abs);
    if (!p->root)
        return 0;
    if (pkg_mod_read(p->root, &p->mod, err) != 0) {
        free(p->root);
        p->root = NULL;
        return -1;
    }
    p->has_mod = true;
    return 0;
}

void project_close(struct project *p)
{
    if (p->has_mod)
        pkg_mod_free(&p->mod);
    free(p->root);
    pkg_strs_free(&p->dep_names);
    pkg_strs_free(&p->dep_dirs);
    memset(p, 0, sizeof *p);
}

/* {===== the helper */

const char *cli_helper(const char *name, const char *env_name)
{
    static char path[PATH_MAX + 64];
    const char *env = env_name ? getenv(env_name) : NULL;
    if (env && *env)
        return env;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/%s", self, name);
            if (access(path, X_OK) == 0)
                return path;
        }
    }
    snprintf(path, sizeof path, "%s/%s", SCL_PKGLIBEXECDIR, name);
    return path;
}

const char *cli_mod_helper(void)
{
    return cli_helper("scl-mod", "SCL_MOD_HELPER");
}

int cli_run_helper(char *const argv[])
{
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "scl: cannot run %s: %s\n", argv[0], strerror(rc));
        return CLI_FAIL;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return CLI_FAIL;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return CLI_FAIL;
}

/* {===== dependencies */

struct walk {
    struct pkg_env env;
    struct pkg_lock lock;
    bool vendor;
    struct pkg_strs names, dirs;      /* resolved: import name -> directory */
    struct pkg_strs missing;          /* "key (version)" of each missing dependency */
    struct pkg_strs queue_dirs;       /* packages whose kcl.mod is still to be read */
    struct pkg_strs given;            /* names given with -E */
    bool partial;                     /* a dependency was left to -E: the lock is not complete */
    bool lock_changed;
};

static bool seen(const struct pkg_strs *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], name))
            return true;
    return false;
}

static const char *dep_ref(const struct pkg_dep *d)
{
    return d->plain ? d->version
           : d->tag ? d->tag
           : d->commit ? d->commit
           : d->branch ? d->branch
           : d->spec_version ? d->spec_version
                             : "latest";
}

/* The lock entry a resolved dependency gets when it has none (kcl run writes them too). */
static void lock_entry(struct walk *w, const struct pkg_dep *d, const char *dir)
{
    if (pkg_lock_get(&w->lock, d->key))
        return;
    struct pkg_mod m;
    struct pkg_err err;
    if (pkg_mod_read(dir, &m, &err) != 0)
        return;
    char full[1024];
    snprintf(full, sizeof full, "%s_%s", m.name ? m.name : d->key, m.version ? m.version : "");
    struct pkg_lock_entry e = {.key = d->key, .name = d->key, .full_name = full,
                               .version = m.version};
    char sum[45];
    char *reg = NULL, *repo = NULL;
    if (d->src == PKG_SRC_OCI) {
        if (pkg_hash_dir(dir, sum, &err) == 0)
            e.sum = sum;
        pkg_dep_oci_ref(&w->env, d, &reg, &repo);
        e.reg = d->hostless ? NULL : reg;
        e.repo = repo;
        e.oci_tag = (char *)dep_ref(d);
        if (d->spec_only || d->package)
            e.version = d->spec_version ? d->spec_version : m.version;
    } else if (d->src == PKG_SRC_GIT) {
        e.url = d->url;
        e.branch = d->branch;
        e.commit = d->commit;
        e.git_tag = d->tag;
        e.package = d->package;
    }
    pkg_lock_put(&w->lock, &e);
    w->lock_changed = true;
    free(reg);
    free(repo);
    pkg_mod_free(&m);
}

static void walk_mod(struct walk *w, const struct pkg_mod *m, const char *root)
{
    for (size_t i = 0; i < m->ndeps; i++) {
        const struct pkg_dep *d = &m->deps[i];
        if (seen(&w->names, d->name))
            continue;
        char *dir = pkg_dep_dir(&w->env, d, &w->lock, root, w->vendor);
        if (dir && (d->package || d->spec_version) && !d->spec_only && pkg_has_mod(dir)) {
            char *sub = pkg_find_subpackage(dir, d->package ? d->package : d->key,
                                            d->spec_version);
            free(dir);
            dir = sub;
        }
        if ((!dir || !pkg_has_mod(dir)) && seen(&w->given, d->name)) {
            free(dir); /* -E names it: nothing to fetch, and the lock stays as it is */
            w->partial = true;
            continue;
        }
        if (!dir || !pkg_has_mod(dir)) {
            char what[1024];
            snprintf(what, sizeof what, "%s (%s%s%s)", d->key, dep_ref(d), dir ? ", not in " : "",
                     dir ? dir : "");
            if (!seen(&w->missing, what))
                pkg_strs_push(&w->missing, what);
            free(dir);
            continue;
        }
        pkg_strs_push(&w->names, d->name);
        pkg_strs_push(&w->dirs, dir);
        pkg_strs_push(&w->queue_dirs, dir);
        lock_entry(w, d, dir);
        free(dir);
    }
}

static int walk_all(struct walk *w, struct project *p, struct pkg_err *err)
{
    walk_mod(w, &p->mod, p->root);
    for (size_t q = 0; q < w->queue_dirs.n; q++) {
        struct pkg_mod m;
        if (pkg_mod_read(w->queue_dirs.v[q], &m, err) != 0)
            return -1;
        walk_mod(w, &m, w->queue_dirs.v[q]);
        pkg_mod_free(&m);
    }
    return 0;
}

static void walk_free(struct walk *w)
{
    pkg_env_free(&w->env);
    pkg_lock_free(&w->lock);
    pkg_strs_free(&w->names);
    pkg_strs_free(&w->dirs);
    pkg_strs_free(&w->missing);
    pkg_strs_free(&w->queue_dirs);
    pkg_strs_free(&w->given);
}

static int walk_start(struct walk *w, struct project *p, bool vendor, const struct pkg_strs *given,
                      struct pkg_err *err)
{
    memset(w, 0, sizeof *w);
    w->vendor = vendor;
    for (size_t i = 0; given && i < given->n; i++)
        pkg_strs_push(&w->given, given->v[i]);
    if (pkg_env_load(&w->env, false, err) != 0)
        return -1;
    if (!strcmp(w->env.home, p->root))
        return pkg_fail(err, "environment variable KCL_PKG_PATH cannot be set to the same path "
                             "as the current KCL package.");
    if (pkg_lock_read(p->root, &w->lock, err) != 0)
        return -1;
    return walk_all(w, p, err);
}

int project_deps(struct project *p, scl_run *run, unsigned flags, const struct pkg_strs *given,
                 struct pkg_err *err)
{
    if (!p->has_mod)
        return 0;
    bool vendor = flags & PROJECT_VENDOR;
    struct walk w;
    int rc = walk_start(&w, p, vendor, given, err);
    if (rc == 0 && w.missing.n) {
        if (flags & PROJECT_OFFLINE) {
            struct pkg_buf b = {0};
            for (size_t i = 0; i < w.missing.n; i++)
                pkg_buf_printf(&b, "%s%s", i ? ", " : "", w.missing.v[i]);
            char *list = pkg_buf_take(&b);
            rc = pkg_fail(err, "%s %s not downloaded, and --offline forbids fetching: run "
                               "'scl mod update%s' in %s first",
                          w.missing.n == 1 ? "dependency" : "dependencies", list,
                          vendor ? " --vendor" : "", p->root);
            free(list);
        } else {
            char *argv[] = {(char *)cli_mod_helper(), "update", "--no-rewrite", "--quiet-stdout",
                            vendor ? "--vendor" : NULL, NULL, NULL};
            argv[vendor ? 5 : 4] = p->root;
            fflush(stdout);
            if (cli_run_helper(argv) != 0) {
                rc = pkg_fail(err, "cannot download the dependencies of %s", p->root);
            } else {
                walk_free(&w);
                rc = walk_start(&w, p, vendor, given, err);
                if (rc == 0 && w.missing.n)
                    rc = pkg_fail(err, "dependency %s is still missing after downloading",
                                  w.missing.v[0]);
            }
        }
    }
    if (rc == 0) {
        for (size_t i = 0; i < w.names.n; i++) {
            if (run && scl_run_add_external(run, w.names.v[i], w.dirs.v[i]) != SCL_OK)
                rc = pkg_fail(err, "out of memory");
            pkg_strs_push(&p->dep_names, w.names.v[i]);
            pkg_strs_push(&p->dep_dirs, w.dirs.v[i]);
        }
        /* kcl run records what it resolved; a read-only package is not an error */
        struct pkg_err ignored;
        if (!w.partial && (w.lock_changed || access(p->root, W_OK) == 0)) {
            char *lock_path = pkg_join(p->root, "kcl.mod.lock");
            if (w.lock_changed || access(lock_path, F_OK) != 0)
                pkg_lock_write(p->root, &w.lock, &ignored);
            free(lock_path);
        }
    }
    walk_free(&w);
    return rc;
}

/* {===== profile entries (§1.1, §2.2) */

/* ${KCL_MOD}/x and ${name:KCL_MOD}/x */
char *project_entry_path(const struct project *p, const char *entry)
{
    const struct pkg_strs *names = &p->dep_names, *dirs = &p->dep_dirs;
    if (!strncmp(entry, "${KCL_MOD}", 10))
        return pkg_join(p->root, entry[10] == '/' ? entry + 11 : entry + 10);
    if (!strncmp(entry, "${", 2)) {
        const char *colon = strchr(entry, ':');
        const char *close = strchr(entry, '}');
        if (colon && close && colon < close && !strncmp(colon, ":KCL_MOD}", 9)) {
            char name[256];
            size_t n = (size_t)(colon - entry - 2);
            if (n < sizeof name) {
                memcpy(name, entry + 2, n);
                name[n] = '\0';
                for (char *c = name; *c; c++)
                    if (*c == '-')
                        *c = '_';
                for (size_t i = 0; i < names->n; i++)
                    if (!strcmp(names->v[i], name))
                        return pkg_join(dirs->v[i], close[1] == '/' ? close + 2 : close + 1);
            }
        }
    }
    if (entry[0] == '/' || !p->root)
        return xstrdup(entry);
    return pkg_join(p->root, entry);
}
