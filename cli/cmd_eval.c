/* scl eval / scl run: evaluate files and print the result (flags as `kcl run`). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct opts {
    const char *output;
    int json;
    unsigned flags;
    int nfiles;
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl run: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl run [FILE|DIR...] [-D key=value...] [-Y settings.yaml...] [-S path...]\n"
          "               [-o FILE] [--format yaml|json] [-k|--sort_keys] [-H|--show_hidden]\n"
          "               [-n|--disable_none] [-r|--strict_range_check] [-d|--debug]\n",
          stderr);
    return CLI_USAGE;
}

/* -D key=value */
static int add_option(scl_run *run, const char *kv)
{
    const char *eq = strchr(kv, '=');
    /* key=value: a value that is empty or holds another '=' (outside JSON) is rejected */
    bool json = eq && (eq[1] == '{' || eq[1] == '[' || eq[1] == '"');
    if (!eq || eq == kv || !eq[1] || (strchr(eq + 1, '=') && !json)) {
        fprintf(stderr, "error[E3M38]: EvaluationError\nInvalid value for top level arguments: "
                        "'%s', expected key=value\n", kv);
        return CLI_FAIL;
    }
    char key[256];
    size_t n = (size_t)(eq - kv);
    if (n >= sizeof key)
        return usage_error("option name too long:", kv);
    memcpy(key, kv, n);
    key[n] = '\0';
    return scl_run_option_text(run, key, eq + 1) == SCL_OK ? CLI_OK : CLI_FAIL;
}

static int is_flag(const char *a)
{
    return a[0] == '-' && a[1];
}

static int add_input(scl_run *run, struct opts *o, const char *path)
{
    if (scl_run_add_path(run, path) != SCL_OK)
        return CLI_FAIL;
    o->nfiles++;
    return CLI_OK;
}

int cmd_eval(int argc, char **argv)
{
    struct opts o = {NULL, 0, 0, 0};
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (!run) {
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-D") || !strcmp(a, "--argument")) {
            if (i + 1 >= argc)
                rc = usage_error("missing value after", a);
            while (rc == CLI_OK && i + 1 < argc && !is_flag(argv[i + 1]) && strchr(argv[i + 1], '='))
                rc = add_option(run, argv[++i]);
        } else if (!strncmp(a, "-D", 2)) {
            rc = add_option(run, a + 2);
        } else if (!strcmp(a, "-Y") || !strcmp(a, "--setting")) {
            if (i + 1 >= argc)
                rc = usage_error("missing value after", a);
            while (rc == CLI_OK && i + 1 < argc && !is_flag(argv[i + 1]))
                rc = scl_run_settings_file(run, argv[++i]) == SCL_OK ? CLI_OK : CLI_FAIL;
        } else if (!strcmp(a, "-S") || !strcmp(a, "--path_selector")) {
            if (i + 1 >= argc)
                rc = usage_error("missing value after", a);
            while (rc == CLI_OK && i + 1 < argc && !is_flag(argv[i + 1]))
                scl_run_select(run, argv[++i]);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                rc = usage_error("missing value after", a);
            else
                o.output = argv[++i];
        } else if (!strcmp(a, "--format") || !strcmp(a, "-f")) {
            if (i + 1 >= argc)
                rc = usage_error("missing value after", a);
            else if (!strcmp(argv[i + 1], "json"))
                o.json = 1, i++;
            else if (!strcmp(argv[i + 1], "yaml"))
                o.json = 0, i++;
            else
                rc = usage_error("unknown format", argv[i + 1]);
        } else if (!strncmp(a, "--format=", 9)) {
            o.json = !strcmp(a + 9, "json");
        } else if (!strcmp(a, "-k") || !strcmp(a, "--sort_keys") || !strcmp(a, "--sort-keys")) {
            o.flags |= SCL_EMIT_SORT_KEYS;
        } else if (!strcmp(a, "-H") || !strcmp(a, "--show_hidden") ||
                   !strcmp(a, "--show-hidden")) {
            o.flags |= SCL_EMIT_SHOW_HIDDEN;
        } else if (!strcmp(a, "-n") || !strcmp(a, "--disable_none") ||
                   !strcmp(a, "--disable-none")) {
            o.flags |= SCL_EMIT_DROP_NONE;
        } else if (!strcmp(a, "-r") || !strcmp(a, "--strict_range_check") ||
                   !strcmp(a, "--strict-range-check")) {
            o.flags |= SCL_RUN_STRICT_RANGE;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
            o.flags |= SCL_RUN_DEBUG;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet") || !strcmp(a, "--no_style") ||
                   !strcmp(a, "-V") || !strcmp(a, "--vendor") || !strcmp(a, "-K") ||
                   !strcmp(a, "--fast_eval")) {
            /* accepted for compatibility; no effect */
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_error("evaluate files and print the result", NULL);
            rc = CLI_OK;
            goto out;
        } else if (is_flag(a)) {
            rc = usage_error("unknown option", a);
        } else {
            rc = add_input(run, &o, a);
        }
    }
    if (rc != CLI_OK) {
        cli_print_diags(run);
        goto out;
    }
    if (o.nfiles == 0 && scl_run_nfiles(run) == 0) {
        rc = usage_error("no input file", NULL);
        goto out;
    }
    scl_run_set_flags(run, o.flags | scl_run_flags(run));
    if (scl_run_eval(run) != SCL_OK) {
        fflush(stdout);
        cli_print_diags(run);
        rc = CLI_FAIL;
        goto out;
    }
    FILE *out = stdout;
    if (o.output) {
        out = fopen(o.output, "w");
        if (!out) {
            fprintf(stderr, "scl run: cannot write %s: %s\n", o.output, strerror(errno));
            rc = CLI_FAIL;
            goto out;
        }
    }
    scl_status st = scl_run_write(run, o.json, cli_write_file, out);
    if (out != stdout)
        fclose(out);
    if (st != SCL_OK) {
        cli_print_diags(run);
        rc = CLI_FAIL;
    }
out:
    scl_run_free(run);
    scl_ctx_free(ctx);
    return rc;
}
