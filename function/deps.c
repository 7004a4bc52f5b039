/* The packages a step needs (spec/crossplane-function.md §3): an `oci://` source, and the
 * dependencies of the step (--dependencies, spec.dependencies, and the kcl.mod of a local
 * source), made present in the package home with pkg/ as `scl mod` makes them, with the
 * registry credentials of the request. What a set of inputs resolved to is kept for the life
 * of the process, so only the first request that needs a package waits for the network; a
 * later one checks that the folders are still there and goes on. */
#include "config.h"

#include "function/fn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/mod.h"
#include "pkg/io.h"

enum { KNOWN_MAX = 256 }; /* sets of inputs remembered; later ones are resolved every time */

struct known {
    char *key;        /* the inputs, NUL-separated */
    char *source_dir; /* oci source: its folder, else NULL */
    size_t n;
    char **names, **dirs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct known known[KNOWN_MAX];
static size_t nknown;
static size_t key_len(const char *k)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        n += strlen(k + n) + 1;
    return n;
}

static const struct known *known_find(const char *key, size_t len)
{
    for (size_t i = 0; i < nknown; i++)
        if (key_len(known[i].key) == len && !memcmp(known[i].key, key, len))
            return &known[i];
    return NULL;
}

static bool still_there(const struct known *k)
{
    if (k->source_dir && !pkg_has_mod(k->source_dir))
        return false;
    for (size_t i = 0; i < k->n; i++)
        if (access(k->dirs[i], F_OK) != 0)
            return false;
    return true;
}

static void known_clear(struct known *k)
{
    free(k->key);
    free(k->source_dir);
    for (size_t i = 0; i < k->n; i++) {
        free(k->names[i]);
        free(k->dirs[i]);
    }
    free(k->names);
    free(k->dirs);
    memset(k, 0, sizeof *k);
}

/* {===== the inputs as one kcl.mod */

struct text {
    char *p;
    size_t n, cap;
};

static void add(struct text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        while (cap < t->n + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            abort();
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void adds(struct text *t, const char *s)
{
    add(t, s, strlen(s));
}

static bool served_by_external(const struct fn_config *cfg, const char *name, size_t n)
{
    for (size_t i = 0; i < cfg->next; i++)
        if (strlen(cfg->ext_names[i]) == n && !strncmp(cfg->ext_names[i], name, n))
            return true;
    return false;
}

/* Dependency lines, without section headers and without those an -E folder serves. */
static void add_deps(struct text *t, const struct fn_config *cfg, const char *deps)
{
    for (const char *p = deps; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *s = p, *e = p + len;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        const char *n = s;
        while (n < e && *n != ' ' && *n != '=' && *n != '\t')
            n++;
        if (n > s && *s != '#' && *s != '[' && !served_by_external(cfg, s, (size_t)(n - s))) {
            add(t, s, (size_t)(e - s));
            adds(t, "\n");
        }
        p = eol ? eol + 1 : e;
    }
}

static const char SOURCE_KEY[] = "scl_step_source";

/* oci://host/repo[:tag | ?tag=x] as a dependency line */
static int add_oci_source(struct text *t, const char *url, char *msg, size_t msglen)
{
    const char *rest = url + strlen("oci://");
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest || !slash[1]) {
        snprintf(msg, msglen, "invalid OCI source %.200s: expected oci://host/repository[:tag]",
                 url);
        return -1;
    }
    size_t end = strlen(url);
    const char *tag = NULL;
    size_t tagn = 0;
    const char *q = strstr(slash, "?tag=");
    if (q) {
        tag = q + 5;
        tagn = strlen(tag);
        end = (size_t)(q - url);
    } else {
        const char *colon = strrchr(slash, ':');
        if (colon) {
            tag = colon + 1;
            tagn = strlen(tag);
            end = (size_t)(colon - url);
        }
    }
    for (const char *c = url; c < url + end; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
            snprintf(msg, msglen, "invalid OCI source %.200s", url);
            return -1;
        }
    for (size_t i = 0; i < tagn; i++)
        if (tag[i] == '"' || tag[i] == '\\' || (unsigned char)tag[i] < 0x20) {
            snprintf(msg, msglen, "invalid OCI source %.200s: bad tag", url);
            return -1;
        }
    adds(t, SOURCE_KEY);
    adds(t, " = { oci = \"");
    add(t, url, end);
    if (tagn) {
        adds(t, "\", tag = \"");
        add(t, tag, tagn);
    }
    adds(t, "\" }\n");
    return 0;
}

/* {===== resolving */

static char *sdup(const char *s)
{
    return pkg_strdup(s ? s : "");
}

static int resolve(struct known *k, const char *modtext, const char *mod_dir, bool has_source,
                   const struct fn_cred *cred, char *msg, size_t msglen)
{
    struct pkg_err err = {0};
    struct mod_session s;
    const bool locked = mod_dir != NULL;
    if (mod_session_open(&s, locked ? mod_dir : NULL, MOD_QUIET | (locked ? 0 : MOD_NO_SUM_CHECK),
                         &err) != 0) {
        snprintf(msg, msglen, "%s", err.msg);
        return -1;
    }
    s.username = cred ? cred->username : NULL;
    s.password = cred ? cred->password : NULL;
    s.auth_host = cred ? cred->url : NULL;
    char cwd[4096];
    int rc = 0;
    struct pkg_mod local = {0}, step = {0};
    if (mod_dir) {
        rc = pkg_mod_read(mod_dir, &local, &err);
        if (rc == 0)
            rc = mod_fetch_all(&s, &local, &err);
    }
    if (rc == 0) {
        const char *here = getcwd(cwd, sizeof cwd) ? cwd : "/";
        free(s.root);
        s.root = sdup(here);
        rc = pkg_mod_parse(modtext, strlen(modtext), here, &step, &err);
        if (rc == 0)
            rc = mod_fetch_all(&s, &step, &err);
    }
    if (rc == 0) {
        k->names = calloc(s.nres ? s.nres : 1, sizeof *k->names);
        k->dirs = calloc(s.nres ? s.nres : 1, sizeof *k->dirs);
        if (!k->names || !k->dirs)
            abort();
        for (size_t i = 0; i < s.nres; i++) {
            if (has_source && !strcmp(s.res[i].key, SOURCE_KEY)) {
                k->source_dir = sdup(s.res[i].dir);
                continue;
            }
            k->names[k->n] = sdup(s.res[i].name);
            k->dirs[k->n] = sdup(s.res[i].dir);
            k->n++;
        }
    } else {
        snprintf(msg, msglen, "%s", err.msg);
    }
    pkg_mod_free(&local);
    pkg_mod_free(&step);
    mod_session_close(&s);
    return rc;
}

static char *read_mod(const char *dir)
{
    if (!dir)
        return NULL;
    char *path = pkg_join(dir, "kcl.mod");
    struct pkg_err err;
    size_t len = 0;
    char *text = pkg_has_mod(dir) ? pkg_read_file(path, &len, &err) : NULL;
    free(path);
    return text;
}

int fn_packages(struct fn_arena *a, const struct fn_config *cfg, const char *oci_source,
                const char *deps, const char *mod_dir, const struct fn_cred *cred,
                struct fn_pkgs *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    struct text t = {0};
    adds(&t, "[package]\nname = \"step\"\nversion = \"0.0.1\"\n\n[dependencies]\n");
    size_t header = t.n;
    add_deps(&t, cfg, cfg->dependencies);
    add_deps(&t, cfg, deps);
    if (oci_source && add_oci_source(&t, oci_source, msg, msglen) != 0) {
        free(t.p);
        return -1;
    }
    char *modtext = read_mod(mod_dir);
    const bool has_mod = modtext != NULL;
    if (t.n == header && !has_mod) {
        free(t.p);
        return 0; /* nothing to fetch */
    }
    /* the key: the dependency lines, the local package's folder and kcl.mod */
    struct text key = {0};
    add(&key, t.p, t.n + 1);
    adds(&key, mod_dir ? mod_dir : "");
    add(&key, "", 1);
    adds(&key, modtext ? modtext : "");
    add(&key, "", 1);
    add(&key, "", 1);
    free(modtext);

    int rc = 0;
    pthread_mutex_lock(&lock);
    const struct known *k = known_find(key.p, key.n);
    struct known fresh = {0};
    if (!k || !still_there(k)) {
        rc = resolve(&fresh, t.p, has_mod ? mod_dir : NULL, oci_source != NULL, cred, msg,
                     msglen);
        if (rc == 0) {
            struct known *slot = (struct known *)k;
            if (!slot && nknown < KNOWN_MAX)
                slot = &known[nknown++];
            if (slot) {
                known_clear(slot);
                fresh.key = key.p;
                key.p = NULL;
                *slot = fresh;
                memset(&fresh, 0, sizeof fresh);
                k = slot;
            } else {
                k = &fresh;
            }
        }
    }
    if (rc == 0) {
        out->n = k->n;
        out->names = fn_alloc(a, (k->n ? k->n : 1) * sizeof *out->names);
        out->dirs = fn_alloc(a, (k->n ? k->n : 1) * sizeof *out->dirs);
        out->source_dir = k->source_dir ? fn_strdup(a, k->source_dir, strlen(k->source_dir))
                                        : NULL;
        if (!out->names || !out->dirs || (k->source_dir && !out->source_dir)) {
            snprintf(msg, msglen, "out of memory");
            rc = -1;
        }
        for (size_t i = 0; rc == 0 && i < k->n; i++) {
            out->names[i] = fn_strdup(a, k->names[i], strlen(k->names[i]));
            out->dirs[i] = fn_strdup(a, k->dirs[i], strlen(k->dirs[i]));
            if (!out->names[i] || !out->dirs[i]) {
                snprintf(msg, msglen, "out of memory");
                rc = -1;
            }
        }
    }
    known_clear(&fresh);
    pthread_mutex_unlock(&lock);
    free(key.p);
    free(t.p);
    return rc;
}

void fn_packages_forget(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nknown; i++)
        known_clear(&known[i]);
    nknown = 0;
    pthread_mutex_unlock(&lock);
}
