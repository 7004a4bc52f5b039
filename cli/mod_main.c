/* scl-mod: the package commands (`scl mod ...`), kept out of the scl binary so that running a
 * program whose packages are cached loads no network library (libcurl, libgit2, libarchive).
 * `scl mod CMD ARGS` runs `scl-mod CMD ARGS`. */
#include "config.h"

#include <archive.h>
#include <curl/curl.h>
#include <git2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/mod.h"
#include "pkg/net.h"

static const struct mod_cmd cmds[] = {
    {"init", mod_init, "create kcl.mod, kcl.mod.lock and main.k"},
    {"add", mod_add, "add a dependency (registry, oci://, git, or a directory)"},
    {"pull", mod_pull, "download a package into ./oci/... or ./git/..."},
    {"push", mod_push, "push this package to an OCI registry"},
    {"pkg", mod_pkg, "write this package as <name>_<version>.tar"},
    {"update", mod_update, "download every dependency and update kcl.mod.lock"},
    {"metadata", mod_metadata, "print the dependencies and where they are (JSON)"},
    {"graph", mod_graph, "print the dependency graph"},
    {"fetch-url", mod_fetch_url, NULL}, /* hidden: scl import of an http(s) URL */
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fputs("usage: scl mod COMMAND [ARGS...]\n\ncommands:\n", f);
    for (const struct mod_cmd *c = cmds; c->name; c++)
        if (c->summary)
            fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fputs("\n`scl mod COMMAND --help` describes one command.\n", f);
}

/* `scl --version` lists these after its own libraries: versions as reported at run time. */
static int version(void)
{
    const curl_version_info_data *c = curl_version_info(CURLVERSION_NOW);
    printf("libcurl %s\n", c && c->version ? c->version : LIBCURL_VERSION);
    int major = 0, minor = 0, rev = 0;
    if (git_libgit2_version(&major, &minor, &rev) == 0)
        printf("libgit2 %d.%d.%d\n", major, minor, rev);
    const char *a = archive_version_string(); /* "libarchive 3.6.2" */
    printf("%s\n", a ? a : ARCHIVE_VERSION_ONLY_STRING);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--version"))
        return version();
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    signal(SIGPIPE, SIG_IGN);
    struct pkg_err err;
    if (net_global_init(&err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return CLI_FAIL;
    }
    int rc = -1;
    for (const struct mod_cmd *c = cmds; c->name; c++)
        if (!strcmp(c->name, argv[1]))
            rc = c->fn(argc - 1, argv + 1);
    if (rc < 0) {
        fprintf(stderr, "scl mod: unknown command '%s'\n", argv[1]);
        usage(stderr);
        rc = CLI_USAGE;
    }
    net_global_cleanup();
    return rc;
}
