/* The scl-mod helper: `scl mod ...` and the fetching that `scl run` asks of it. Each command
 * takes (argc, argv) with argv[0] the command's name and returns a CLI_* status. */
#ifndef SCL_CLI_MOD_H
#define SCL_CLI_MOD_H

#include <stdbool.h>
#include <stdio.h>

#include "pkg/net.h"
#include "pkg/pkg.h"

struct mod_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

int mod_init(int argc, char **argv);
int mod_add(int argc, char **argv);
int mod_pull(int argc, char **argv);
int mod_push(int argc, char **argv);
int mod_pkg(int argc, char **argv);
int mod_update(int argc, char **argv);
int mod_metadata(int argc, char **argv);
int mod_graph(int argc, char **argv);
int mod_fetch_url(int argc, char **argv); /* hidden: for `scl import URL` (cli/mod_fetch.c) */

/* {===== fetching dependencies (cli/mod_deps.c) */

enum {
    MOD_VENDOR = 1,          /* into <root>/vendor/ */
    MOD_NO_SUM_CHECK = 2,    /* no sums in the lock, none compared */
    MOD_QUIET = 4,           /* no progress lines */
    MOD_PROGRESS_STDERR = 8, /* progress on stderr (scl run keeps stdout for its output) */
    MOD_UPGRADE = 16,        /* untagged dependencies go to the latest tag even when locked */
    MOD_INSECURE = 32        /* --insecure-skip-tls-verify */
};

struct mod_resolved {
    char *key, *name; /* kcl.mod key and import name */
    char *dir;        /* where it is */
    char *version;    /* its [package] version */
    char *ref;        /* the tag, commit or branch fetched */
    char *parent;     /* "name@version" of the package that asked for it */
};

struct mod_session {
    unsigned flags;
    FILE *out; /* progress lines, or NULL */
    char *root;
    struct pkg_env env;
    struct pkg_lock lock;
    struct oci_client *client; /* made on first use */
    const char *username, *password, *auth_host; /* borrowed; see struct oci_opts */
    struct mod_resolved *res;  /* in resolution order (breadth first) */
    size_t nres;
};

int mod_session_open(struct mod_session *s, const char *root, unsigned flags, struct pkg_err *err);
void mod_session_close(struct mod_session *s);
struct oci_client *mod_client(struct mod_session *s, struct pkg_err *err);
void mod_say(struct mod_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes dependency d (declared by the package at decl_root) present and locks it. */
int mod_fetch_dep(struct mod_session *s, const struct pkg_dep *d, const char *decl_root,
                  const char *parent, struct pkg_err *err);
/* Every dependency of m and theirs, breadth first; a key already resolved is kept. */
int mod_fetch_all(struct mod_session *s, const struct pkg_mod *m, struct pkg_err *err);
const struct mod_resolved *mod_resolved_get(const struct mod_session *s, const char *key);

#endif
