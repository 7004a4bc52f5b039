/* pkg/ network half: an OCI registry client over libcurl, package archives over libarchive,
 * git sources over libgit2. Linked only into the scl-mod helper, so that `scl run` of cached
 * packages loads none of these libraries. Errors as in pkg/pkg.h. */
#ifndef SCL_PKG_NET_H
#define SCL_PKG_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pkg/pkg.h"

/* Once in main, before any thread: curl_global_init, git_libgit2_init. */
int net_global_init(struct pkg_err *err);

/* The most bytes one fetched package may take: a registry layer, what an archive unpacks to,
 * what a git fetch downloads and what its checkout writes. $SCL_FETCH_MAX (bytes, or with a
 * K, M or G suffix), else 1G. */
int64_t pkg_fetch_max(void);
void net_global_cleanup(void);

/* {===== OCI registries (§3.3 – §3.6) */

struct oci_opts {
    const char *pkg_home; /* credentials: <home>/.kpm/config/config.json, then docker's */
    int plain_http;       /* -1: kpm's rule (host "localhost" with a port); 0 off; 1 on */
    bool insecure;        /* --insecure-skip-tls-verify */
    const char *username, *password; /* given on the command line: override the files */
    const char *auth_host; /* NULL: username/password for every registry; else only for this
                              one ("host[:port]", or a URL naming it) */
    FILE *progress;       /* progress lines (stdout), NULL: quiet */
};
struct oci_client; /* one per thread: a reused curl handle, a token cache per host+scope */
struct oci_client *oci_client_new(const struct oci_opts *o, struct pkg_err *err);
void oci_client_free(struct oci_client *c);

/* reg: "host[:port]"; repo: "kcl-lang/k8s". Unknown repository: 0 tags. */
int oci_list_tags(struct oci_client *c, const char *reg, const char *repo, struct pkg_strs *tags,
                  struct pkg_err *err);
/* §3.5 latest: greatest version tag, 'latest' ignored; malloc'd into *tag. */
int oci_latest_tag(struct oci_client *c, const char *reg, const char *repo, char **tag,
                   struct pkg_err *err);

struct oci_pkg_meta {
    const char *name, *version, *description, *sum;
};
/* §3.4: pushes a package archive (a .tgz, or a .tar for the old layer type) as tag.
 * An existing tag fails ("package version '<tag>' already exists") unless force.
 * digest: "sha256:<hex>" of the manifest sent. */
int oci_push_package(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                     const char *archive, const struct oci_pkg_meta *m, bool force,
                     char digest[72], struct pkg_err *err);

/* §3.5: fetches repo:tag into dest (a directory that must not exist yet): the manifest, the
 * package layer (tar or tar+gzip) to a temporary file checked against its digest, extracted
 * into a temporary directory beside dest, then renamed into place, so a failed or killed pull
 * leaves nothing at dest, and of two concurrent pulls one wins and the other succeeds too.
 * The artifact's org.kcllang.package.sum annotation goes to *sum (malloc'd, NULL if absent).
 * expect_sum (may be NULL): the lock's sum; it must equal the annotation, and the sum recomputed
 * over the extracted files (pkg_hash_dir) must equal the annotation, else error and nothing
 * lands. */
int oci_pull_package(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                     const char *dest, const char *expect_sum, char **sum, struct pkg_err *err);
/* The sum annotation alone (manifest only, no blobs). */
int oci_package_sum(struct oci_client *c, const char *reg, const char *repo, const char *tag,
                    char **sum, struct pkg_err *err);

/* {===== archives (§3.2) */

/* Writes the package at root as a tar (gzip: tar+gzip, gzip mtime 0) to out: entries relative
 * to root in the walk order of §1.4, regular files and directories only, paths holding ".git"
 * or ".tar" skipped, include/exclude globs applied (fnmatch without crossing '/'). */
int pkg_archive_create(const char *root, const char *out, bool gzip, const struct pkg_strs *include,
                       const struct pkg_strs *exclude, struct pkg_err *err);
/* Extracts a tar or tar+gzip (detected) into dest (created): regular files and directories
 * only, else "unknown tar format."; absolute paths and ".." are refused. */
int pkg_archive_extract(const char *archive, const char *dest, struct pkg_err *err);

/* {===== git (§1.1 git sources) */

/* Fetches url at one ref (at most one of tag, commit, branch; none: the default branch) and
 * checks its tree out into dest (must not exist; plain files, no .git), atomically as
 * oci_pull_package. A ref that does not exist is an error. commit: the commit checked out
 * (40 hex digits). */
int pkg_git_fetch(const char *url, const char *tag, const char *commit, const char *branch,
                  const char *dest, char commit_out[41], struct pkg_err *err);

#endif
