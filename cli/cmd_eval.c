/* scl eval / scl run: evaluate files and print the result (flags as `kcl run`). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/project.h"
#include "cli/report.h"
#include "pkg/io.h"

/* The pieces of a streamed output go straight to the file, past stdio's buffer. */
static int write_fd(void *ud, const char *buf, size_t len)
{
    int fd = *(int *)ud;
    while (len) {
        ssize_t k = write(fd, buf, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 1;
        buf += k;
        len -= (size_t)k;
    }
    return 0;
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl run: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl run [FILE|DIR...] [-D key=value...] [-Y settings.yaml...] [-S path...]\n"
          "               [-E name=dir...] [-O path=value...] [-o FILE] [--format yaml|json]\n"
          "               [-k|--sort_keys]"
          " [-H|--show_hidden] [-n|--disable_none] [-r|--strict_range_check]\n"
          "               [-d|--debug] [-V|--vendor] [--offline] [--no-cache]\n"
          "               [--max-time SECONDS] [--max-memory SIZE] [--max-output SIZE]\n"
          "               [--max-depth N]\n"
          "               " REPORT_USAGE "\n" CLI_LIMITS_USAGE,
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

/* -E name=dir: split at the first '='; an item without one, or with an empty name, is dropped
 * as KCL drops it. */
static int add_external(scl_run *run, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || !eq[1])
        return CLI_OK;
    char name[256];
    size_t n = (size_t)(eq - kv);
    if (n >= sizeof name)
        return usage_error("package name too long:", kv);
    memcpy(name, kv, n);
    name[n] = '\0';
    return scl_run_add_external(run, name, eq + 1) == SCL_OK ? CLI_OK : CLI_FAIL;
}

static int is_flag(const char *a)
{
    return a[0] == '-' && a[1];
}

/* What the command line asks for, applied after kcl.mod's profile (later wins). */
enum op_kind { OP_OPTION, OP_SETTINGS, OP_SELECT, OP_EXTERNAL, OP_OVERRIDE, OP_INPUT };
struct op {
    enum op_kind kind;
    const char *arg;
};

struct opts {
    const char *output;
    int json;
    unsigned flags;
    unsigned project; /* PROJECT_* */
    struct op *ops;
    int nops;
    scl_limits limits; /* --max-time, --max-memory, --max-output, --max-depth */
    enum report_format fmt; /* --error_format */
    bool no_cache;          /* --no-cache */
};

static void push_op(struct opts *o, enum op_kind kind, const char *arg)
{
    o->ops[o->nops].kind = kind;
    o->ops[o->nops].arg = arg;
    o->nops++;
}

static const char *first_input(const struct opts *o)
{
    for (int i = 0; i < o->nops; i++)
        if (o->ops[i].kind == OP_INPUT)
            return o->ops[i].arg;
    return NULL;
}

/* One `--flag value...` group: values run until the next flag. */
static int take_values(int argc, char **argv, int *i, struct opts *o, enum op_kind kind,
                       bool need_eq)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc)
        return usage_error("missing value after", a);
    while (*i + 1 < argc && !is_flag(argv[*i + 1]) && (!need_eq || strchr(argv[*i + 1], '=')))
        push_op(o, kind, argv[++*i]);
    return CLI_OK;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = CLI_OK, took = report_take_flag(argc, argv, &i, &o->fmt);
        if (took < 0)
            return CLI_USAGE;
        if (took) {
            /* --error_format */
        } else if (!strcmp(a, "-D") || !strcmp(a, "--argument")) {
            rc = take_values(argc, argv, &i, o, OP_OPTION, true);
        } else if (!strncmp(a, "-D", 2)) {
            push_op(o, OP_OPTION, a + 2);
        } else if (!strncmp(a, "--argument=", 11)) {
            push_op(o, OP_OPTION, a + 11);
        } else if (!strcmp(a, "-Y") || !strcmp(a, "--setting")) {
            rc = take_values(argc, argv, &i, o, OP_SETTINGS, false);
        } else if (!strcmp(a, "-S") || !strcmp(a, "--path_selector")) {
            rc = take_values(argc, argv, &i, o, OP_SELECT, false);
        } else if (!strcmp(a, "-E") || !strcmp(a, "--external")) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            push_op(o, OP_EXTERNAL, argv[++i]);
        } else if (!strncmp(a, "--external=", 11)) {
            push_op(o, OP_EXTERNAL, a + 11);
        } else if (!strncmp(a, "-E", 2)) {
            push_op(o, OP_EXTERNAL, a + 2);
        } else if (!strcmp(a, "-O") || !strcmp(a, "--overrides")) {
            rc = take_values(argc, argv, &i, o, OP_OVERRIDE, false);
        } else if (!strncmp(a, "--overrides=", 12)) {
            push_op(o, OP_OVERRIDE, a + 12);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            o->output = argv[++i];
        } else if (!strcmp(a, "--format") || !strcmp(a, "-f")) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            if (!strcmp(argv[i + 1], "json"))
                o->json = 1, i++;
            else if (!strcmp(argv[i + 1], "yaml"))
                o->json = 0, i++;
            else
                return usage_error("unknown format", argv[i + 1]);
        } else if (!strncmp(a, "--format=", 9)) {
            o->json = !strcmp(a + 9, "json");
        } else if (!strcmp(a, "-k") || !strcmp(a, "--sort_keys") || !strcmp(a, "--sort-keys")) {
            o->flags |= SCL_EMIT_SORT_KEYS;
        } else if (!strcmp(a, "-H") || !strcmp(a, "--show_hidden") ||
                   !strcmp(a, "--show-hidden")) {
            o->flags |= SCL_EMIT_SHOW_HIDDEN;
        } else if (!strcmp(a, "-n") || !strcmp(a, "--disable_none") ||
                   !strcmp(a, "--disable-none")) {
            o->flags |= SCL_EMIT_DROP_NONE;
        } else if (!strcmp(a, "-r") || !strcmp(a, "--strict_range_check") ||
                   !strcmp(a, "--strict-range-check")) {
            o->flags |= SCL_RUN_STRICT_RANGE;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
            o->flags |= SCL_RUN_DEBUG;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--vendor")) {
            o->project |= PROJECT_VENDOR;
        } else if (!strcmp(a, "--offline")) {
            o->project |= PROJECT_OFFLINE;
        } else if (!strcmp(a, "--no-cache") || !strcmp(a, "--no_cache")) {
            o->no_cache = true;
        } else if (cli_limit_arg("run", argc, argv, &i, &o->limits, &rc)) {
            /* --max-time, --timeout, --max-memory, --max-output, --max-depth */
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet") || !strcmp(a, "--no_style") ||
                   !strcmp(a, "-K") || !strcmp(a, "--fast_eval")) {
            /* accepted for compatibility; no effect */
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_error("evaluate files and print the result", NULL);
            return -1;
        } else if (is_flag(a)) {
            return usage_error("unknown option", a);
        } else {
            push_op(o, OP_INPUT, a);
        }
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The package an input belongs to: its kcl.mod root, else its directory (malloc'd). */
static char *package_of(const char *input, struct pkg_err *err, int *rc)
{
    struct project p;
    *rc = project_open(&p, input, err);
    char *out = NULL;
    if (*rc == 0 && p.root) {
        out = pkg_strdup(p.root);
    } else if (*rc == 0) {
        char *abs = realpath(input, NULL);
        struct stat st;
        if (abs && stat(abs, &st) == 0 && !S_ISDIR(st.st_mode))
            *strrchr(abs, '/') = '\0';
        out = pkg_strdup(abs && *abs ? abs : "/");
        free(abs);
    }
    project_close(&p);
    return out;
}

/* Inputs from two packages (two kcl.mod roots) cannot run together, as in kpm. */
static int check_one_package(const struct opts *o, struct pkg_err *err)
{
    int ninputs = 0;
    for (int i = 0; i < o->nops; i++)
        ninputs += o->ops[i].kind == OP_INPUT;
    if (ninputs < 2)
        return 0; /* nothing to compare; project_open has read the one package's kcl.mod */
    char *first = NULL;
    int rc = 0;
    for (int i = 0; i < o->nops && rc == 0; i++) {
        /* ${KCL_MOD}/... is in the main package; a missing input is reported by the run */
        if (o->ops[i].kind != OP_INPUT || access(o->ops[i].arg, F_OK) != 0)
            continue;
        char *pkg = package_of(o->ops[i].arg, err, &rc);
        if (rc == 0 && !first)
            first = pkg;
        else if (rc == 0 && strcmp(first, pkg) && (pkg_has_mod(first) || pkg_has_mod(pkg)))
            rc = pkg_fail(err, "cannot compile multiple packages [%s %s] at the same time", first,
                          pkg);
        if (pkg != first)
            free(pkg);
    }
    free(first);
    return rc;
}

/* kcl.mod's [profile]: options, selectors and flags first, so the command line wins. */
static int apply_profile(scl_run *run, const struct project *p, struct opts *o)
{
    const struct pkg_mod *m = &p->mod;
    if (m->sort_keys == 1)
        o->flags |= SCL_EMIT_SORT_KEYS;
    if (m->disable_none == 1)
        o->flags |= SCL_EMIT_DROP_NONE;
    for (size_t i = 0; i < m->selectors.n; i++)
        scl_run_select(run, m->selectors.v[i]);
    for (size_t i = 0; i < m->arguments.n; i++)
        if (add_option(run, m->arguments.v[i]) != CLI_OK)
            return CLI_FAIL;
    for (size_t i = 0; i < m->overrides.n; i++)
        if (scl_run_override(run, m->overrides.v[i]) != SCL_OK)
            return CLI_FAIL;
    return CLI_OK;
}

/* `scl run` with no file: kcl.yaml, else the profile's entries, else the package root (§2.2). */
static int default_inputs(scl_run *run, const struct project *p)
{
    char cwd[4096];
    const char *base = p->root ? p->root : getcwd(cwd, sizeof cwd) ? cwd : ".";
    char *yaml = pkg_join(base, "kcl.yaml");
    int rc = CLI_OK;
    if (is_file(yaml)) {
        rc = scl_run_settings_file(run, yaml) == SCL_OK ? CLI_OK : CLI_FAIL;
    } else if (p->has_mod && p->mod.entries.n) {
        for (size_t i = 0; i < p->mod.entries.n && rc == CLI_OK; i++) {
            char *path = project_entry_path(p, p->mod.entries.v[i]);
            size_t n = strlen(path);
            if (n > 5 && !strcmp(path + n - 5, ".yaml"))
                rc = scl_run_settings_file(run, path) == SCL_OK ? CLI_OK : CLI_FAIL;
            else
                rc = scl_run_add_path(run, path) == SCL_OK ? CLI_OK : CLI_FAIL;
            free(path);
        }
    } else {
        rc = scl_run_add_path(run, base) == SCL_OK ? CLI_OK : CLI_FAIL;
    }
    free(yaml);
    return rc;
}

/* The module cache's folder: $SCL_CACHE_DIR (empty or "off": none), else
 * $XDG_CACHE_HOME/scl, else ~/.cache/scl. */
static void use_cache(scl_ctx *ctx)
{
    const char *dir = getenv("SCL_CACHE_DIR");
    if (dir) {
        if (*dir && strcmp(dir, "off") != 0)
            scl_ctx_set_cache_dir(ctx, dir);
        return;
    }
    const char *base = getenv("XDG_CACHE_HOME"), *sub = "/scl";
    if (!base || base[0] != '/') {
        base = getenv("HOME");
        sub = "/.cache/scl";
    }
    if (!base || base[0] != '/')
        return;
    size_t n = strlen(base) + strlen(sub) + 1;
    char *path = malloc(n);
    if (!path)
        return;
    snprintf(path, n, "%s%s", base, sub);
    scl_ctx_set_cache_dir(ctx, path);
    free(path);
}

int cmd_eval(int argc, char **argv)
{
    struct opts o = {0};
    o.fmt = report_format_default();
    cli_limits_default(&o.limits);
    o.ops = calloc((size_t)argc + 1, sizeof *o.ops);
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (!run || !o.ops) {
        fputs("scl: out of memory\n", stderr);
        free(o.ops);
        scl_run_free(run);
        scl_ctx_free(ctx);
        return CLI_FAIL;
    }
    struct project proj = {0};
    struct pkg_err err;
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) {
        rc = CLI_OK; /* --help */
        goto out;
    }
    if (rc == CLI_OK && !o.no_cache)
        use_cache(ctx);
    if (rc != CLI_OK)
        goto out;
    if (project_open(&proj, first_input(&o), &err) != 0 || check_one_package(&o, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = CLI_FAIL;
        goto out;
    }
    if (proj.has_mod)
        rc = apply_profile(run, &proj, &o);
    /* the command line, in order */
    int ninputs = 0;
    for (int i = 0; i < o.nops && rc == CLI_OK; i++) {
        const char *a = o.ops[i].arg;
        switch (o.ops[i].kind) {
        case OP_OPTION:
            rc = add_option(run, a);
            break;
        case OP_SETTINGS:
            rc = scl_run_settings_file(run, a) == SCL_OK ? CLI_OK : CLI_FAIL;
            break;
        case OP_SELECT:
            scl_run_select(run, a);
            break;
        case OP_EXTERNAL:
            rc = add_external(run, a);
            break;
        case OP_OVERRIDE:
            rc = scl_run_override(run, a) == SCL_OK ? CLI_OK : CLI_FAIL;
            break;
        case OP_INPUT:
            rc = scl_run_add_path(run, a) == SCL_OK ? CLI_OK : CLI_FAIL;
            ninputs++;
            break;
        }
    }
    if (rc != CLI_OK) {
        report_diags(run, o.fmt, stderr);
        goto out;
    }
    /* dependencies of kcl.mod come after -E, so they win (§2.5) */
    struct pkg_strs given = {0};
    for (int i = 0; i < o.nops; i++) {
        const char *eq = o.ops[i].kind == OP_EXTERNAL ? strchr(o.ops[i].arg, '=') : NULL;
        if (eq && eq != o.ops[i].arg) {
            char *name = strndup(o.ops[i].arg, (size_t)(eq - o.ops[i].arg));
            if (name)
                pkg_strs_push(&given, name);
            free(name);
        }
    }
    int deps_rc = proj.has_mod ? project_deps(&proj, run, o.project, &given, &err) : 0;
    pkg_strs_free(&given);
    if (deps_rc != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        rc = CLI_FAIL;
        goto out;
    }
    if (proj.root)
        scl_run_set_root(run, proj.root);
    if (ninputs == 0 && scl_run_nfiles(run) == 0) {
        rc = default_inputs(run, &proj);
        if (rc != CLI_OK) {
            report_diags(run, o.fmt, stderr);
            goto out;
        }
        if (scl_run_nfiles(run) == 0) {
            rc = usage_error("no input file", NULL);
            goto out;
        }
    }
    scl_run_set_flags(run, o.flags | scl_run_flags(run));
    scl_run_set_limits(run, &o.limits);
    if (scl_run_eval(run) != SCL_OK) {
        fflush(stdout);
        report_diags(run, o.fmt, stderr);
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
    /* Into a regular file the output is written as it is made, and what an error leaves
     * half-written is cut off again; a pipe or terminal gets all of it or none. */
    off_t start = -1;
    struct stat st_out;
    if (fflush(out) == 0 && fstat(fileno(out), &st_out) == 0 && S_ISREG(st_out.st_mode))
        start = (fcntl(fileno(out), F_GETFL) & O_APPEND) ? st_out.st_size /* `>>` */
                                                           : lseek(fileno(out), 0, SEEK_CUR);
    if (start >= 0)
        scl_run_set_flags(run, scl_run_flags(run) | SCL_EMIT_STREAM);
    int fd = fileno(out);
    scl_status st = start >= 0 ? scl_run_write(run, o.json, write_fd, &fd)
                               : scl_run_write(run, o.json, cli_write_file, out);
    if (st != SCL_OK && start >= 0 && fflush(out) == 0 && ftruncate(fileno(out), start) == 0)
        lseek(fileno(out), start, SEEK_SET);
    if (out != stdout)
        fclose(out);
    if (st != SCL_OK) {
        report_diags(run, o.fmt, stderr);
        rc = CLI_FAIL;
    }
out:
    project_close(&proj);
    free(o.ops);
    scl_run_free(run);
    scl_ctx_free(ctx);
    return rc;
}
