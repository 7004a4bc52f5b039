/* The package around a command's inputs: kcl.mod, its profile, and its dependencies mapped to
 * directories (cli/project.c). */
#ifndef SCL_CLI_PROJECT_H
#define SCL_CLI_PROJECT_H

#include <stdbool.h>

#include "pkg/pkg.h"
#include "scl.h"

struct project {
    char *root;    /* the directory holding kcl.mod (real path), NULL when there is none */
    bool has_mod;
    struct pkg_mod mod;
    struct pkg_strs dep_names, dep_dirs; /* after project_deps: import name -> directory */
};

/* Finds the package of 'input' (a file or directory; NULL: the working directory): the nearest
 * directory at or above it holding kcl.mod (spec §2.1), and reads that kcl.mod. No kcl.mod is
 * not an error (root stays NULL); a broken one is. */
int project_open(struct project *p, const char *input, struct pkg_err *err);
void project_close(struct project *p);

enum { PROJECT_VENDOR = 1, PROJECT_OFFLINE = 2 };
/* Maps every dependency (direct and transitive) to its directory and adds it to run (when not
 * NULL) as an external package, after the run's own -E entries, so kcl.mod wins as in KCL.
 * Missing dependencies are downloaded by the scl-mod helper unless PROJECT_OFFLINE, which makes
 * them an error naming each package, its version and the command that fetches it; a missing
 * one whose import name is in 'given' (the -E names) is not fetched. Records what it resolved
 * in kcl.mod.lock as `kcl run` does (a read-only package is left alone). */
int project_deps(struct project *p, scl_run *run, unsigned flags, const struct pkg_strs *given,
                 struct pkg_err *err);

/* A profile entry with ${KCL_MOD} / ${name:KCL_MOD} expanded (malloc'd). */
char *project_entry_path(const struct project *p, const char *entry);

/* A helper program 'name': $env_name (when not NULL and set), else beside this program, else
 * where it is installed. Returns a static buffer, overwritten by the next call. */
const char *cli_helper(const char *name, const char *env_name);
/* The scl-mod helper: $SCL_MOD_HELPER, else beside this program, else where it is installed. */
const char *cli_mod_helper(void);
/* Runs argv (argv[0] a path), waits, returns its exit status. */
int cli_run_helper(char *const argv[]);

#endif
