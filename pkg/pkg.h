/* pkg/: packages as KCL has them (../shared/spec/packages.md): kcl.mod, kcl.mod.lock, the
 * package home and its settings, dependency sums, and the package map a run needs. Used by the
 * hosts (cli/, function/), never by runtime/. This half needs no network library; the network
 * half (registries, archives, git) is pkg/net.h, linked only into the scl-mod helper.
 *
 * Errors: functions return 0 on success and -1 on failure, with the message (no trailing
 * newline) in the caller's struct pkg_err. Returned strings and arrays are malloc'd and owned
 * by the struct they were returned in (freed by its _free function). */
#ifndef SCL_PKG_H
#define SCL_PKG_H

#include <stdbool.h>
#include <stddef.h>

struct pkg_err {
    char msg[2048];
};
/* printf into err->msg; returns -1 */
int pkg_fail(struct pkg_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct pkg_strs {
    char **v;
    size_t n;
};
void pkg_strs_push(struct pkg_strs *s, const char *str); /* copies */
void pkg_strs_free(struct pkg_strs *s);

/* {===== kcl.mod (§1.1, §1.2) */

enum pkg_src { PKG_SRC_OCI, PKG_SRC_GIT, PKG_SRC_LOCAL };

struct pkg_dep {
    char *key;  /* as written in kcl.mod, may hold '-' */
    char *name; /* import name: the key with '-' replaced by '_' */
    enum pkg_src src;
    bool hostless;   /* { repo = ... }: registry from the defaults, no reg in the lock */
    bool plain;      /* written as key = "version" (default registry and prefix) */
    bool spec_only;  /* { package = "p", version = "v" } alone */
    char *version;   /* the string form's version / the OCI tag; NULL: latest */
    char *oci;       /* oci://host/path as written, or NULL */
    char *reg, *repo;            /* OCI; reg NULL until defaults apply (plain, hostless) */
    char *url, *tag, *commit, *branch; /* git (tag also for oci/repo forms) */
    char *path;                  /* local, as written */
    char *package, *spec_version; /* sub-package spec */
};

struct pkg_mod {
    char *name, *edition, *version, *description;
    struct pkg_strs include, exclude;
    struct pkg_dep *deps; /* sorted bytewise by key */
    size_t ndeps;
    bool has_profile;
    struct pkg_strs entries, selectors, overrides, arguments;
    int disable_none, sort_keys; /* -1: not set */
};

/* Reads dir/kcl.mod. A missing file is an error too (check with pkg_has_mod). */
bool pkg_has_mod(const char *dir);
int pkg_mod_read(const char *dir, struct pkg_mod *m, struct pkg_err *err);
int pkg_mod_parse(const char *text, size_t len, const char *dir, struct pkg_mod *m,
                  struct pkg_err *err);
char *pkg_mod_format(const struct pkg_mod *m); /* §1.2 bytes, malloc'd */
/* Writes dir/kcl.mod only when the bytes differ. */
int pkg_mod_write(const char *dir, const struct pkg_mod *m, struct pkg_err *err);
void pkg_mod_free(struct pkg_mod *m);
const struct pkg_dep *pkg_mod_dep(const struct pkg_mod *m, const char *key);

/* {===== kcl.mod.lock (§1.3) */

struct pkg_lock_entry {
    char *key; /* the table name */
    char *name, *full_name, *version, *sum;
    char *url, *branch, *commit, *git_tag, *package;
    char *reg, *repo, *oci_tag;
};
struct pkg_lock {
    struct pkg_lock_entry *v; /* sorted bytewise by key */
    size_t n;
};
/* A missing lock file reads as empty. */
int pkg_lock_read(const char *dir, struct pkg_lock *l, struct pkg_err *err);
char *pkg_lock_format(const struct pkg_lock *l); /* "" with no entries */
int pkg_lock_write(const char *dir, const struct pkg_lock *l, struct pkg_err *err);
struct pkg_lock_entry *pkg_lock_get(const struct pkg_lock *l, const char *key);
/* Adds or replaces the entry with e->key (copies every field). */
void pkg_lock_put(struct pkg_lock *l, const struct pkg_lock_entry *e);
void pkg_lock_free(struct pkg_lock *l);

/* {===== sums (§1.4) */

/* out: 44 characters of standard base64 and a NUL. */
int pkg_hash_dir(const char *dir, char out[45], struct pkg_err *err);

/* {===== the package home and its settings (§3.1, §3.7) */

struct pkg_env {
    char *home;     /* $KCL_PKG_PATH, else $HOME/.kcl/kpm; absolute */
    char *reg;      /* default registry (kpm.json, KPM_REG) */
    char *repo;     /* default repository prefix (kpm.json, KPM_REPO) */
    int plain_http; /* -1: kpm's localhost rule; 0 off; 1 on (OCI_REG_PLAIN_HTTP, kpm.json) */
};
/* create: make the home and kpm.json when missing (commands that fetch); a run only reads. */
int pkg_env_load(struct pkg_env *e, bool create, struct pkg_err *err);
void pkg_env_free(struct pkg_env *e);

/* The registry and repository of an OCI dependency, defaults applied (malloc'd). */
void pkg_dep_oci_ref(const struct pkg_env *e, const struct pkg_dep *d, char **reg, char **repo);
/* Where a dependency lives: local: its path made absolute against root; otherwise
 * <base>/<last segment of repo or url without .git>_<ref> with base $PKG or <root>/vendor.
 * ref: the tag/version, else the commit, else the branch; NULL when the ref is still unknown
 * (latest tag, default branch) and not in the lock. */
char *pkg_dep_dir(const struct pkg_env *e, const struct pkg_dep *d, const struct pkg_lock *lock,
                  const char *root, bool vendor);

/* A sub-package spec (§1.1 package = / version =): the first directory under dir, in walk
 * order, whose kcl.mod names package 'name' (and version 'version' when not NULL; else the
 * highest version). malloc'd path, or NULL. */
char *pkg_find_subpackage(const char *dir, const char *name, const char *version);

/* hashicorp/go-version ordering (§3.5): < 0, 0, > 0; *ok false when either does not parse. */
int pkg_version_cmp(const char *a, const char *b, bool *ok);

#endif
