/* scl import: KCL schemas and configs from CRDs, OpenAPI, JSON Schema, JSON and
 * YAML (doc/import.md). Inputs are files, directories, glob patterns, '-'
 * (standard input) or http(s) URLs, which the scl-mod helper downloads (the scl
 * binary links no libcurl). */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/import.h"
#include "cli/project.h"
#include "cli/report.h"
#include "pkg/io.h"

static const char usage[] =
    "usage: scl import [options] FILE...\n"
    "\n"
    "Converts CRDs, OpenAPI, JSON Schema, JSON or YAML into KCL. FILE is a "
    "file, a directory\n"
    "(its files), a glob pattern, '-' for standard input, or an http(s):// "
    "URL.\n"
    "\n"
    "options:\n"
    "  -m, --mode MODE         crd, openapi, jsonschema, json, yaml or auto "
    "(default: auto,\n"
    "                          from the file extension)\n"
    "  -o, --output PATH       crd/openapi: the target directory (default .); "
    "other modes:\n"
    "                          the output file, '-' for standard output "
    "(default <input>.k)\n"
    "  -p, --package NAME      crd/openapi: the package directory (default "
    "models)\n"
    "  -f, --force             overwrite an existing output file\n"
    "  -s, --skip-validation   openapi: accepted for compatibility (scl always "
    "checks references)\n"
    "      --recursive         a directory contributes the files of its "
    "subdirectories too\n"
    "      --error_format F    pretty (default), short, json, github or sarif\n"
    "  -h, --help              this text\n";

struct inputs {
    struct imp_input *v;
    size_t n;
};

static void add_input(struct inputs *ins, char *name, char *text, size_t len)
{
    ins->v = realloc(ins->v, (ins->n + 1) * sizeof *ins->v);
    if (!ins->v)
        abort();
    ins->v[ins->n++] = (struct imp_input){name, text, len};
}

/* The largest input read (a file, standard input; fetched URLs have scl-mod's own cap). */
#define IMP_INPUT_MAX ((size_t)256 << 20)

/* 0, or -1 with errno (EFBIG past IMP_INPUT_MAX). */
static int read_stream(FILE *f, char **text, size_t *len)
{
    struct ibuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        ibuf_putn(&b, buf, n);
        if (b.n > IMP_INPUT_MAX) {
            ibuf_free(&b);
            errno = EFBIG;
            return -1;
        }
    }
    if (ferror(f)) {
        ibuf_free(&b);
        return -1;
    }
    *len = b.n;
    *text = ibuf_take(&b);
    return 0;
}

static int read_path(struct inputs *ins, const char *path, struct imp_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return imp_fail(err, "cannot read %s: %s", path, strerror(errno));
    char *text;
    size_t len;
    int rc = read_stream(f, &text, &len);
    fclose(f);
    if (rc != 0 && errno == EFBIG)
        return imp_fail(err, "cannot read %s: larger than %zu MiB", path, IMP_INPUT_MAX >> 20);
    if (rc != 0)
        return imp_fail(err, "cannot read %s: %s", path, strerror(errno));
    add_input(ins, strdup(path), text, len);
    return 0;
}

/* Runs `scl-mod fetch-url URL` and takes its standard output. */
static int fetch_url(struct inputs *ins, const char *url, struct imp_err *err)
{
    int fd[2];
    if (pipe(fd) != 0)
        return imp_fail(err, "cannot fetch %s: %s", url, strerror(errno));
    const char *helper = cli_mod_helper();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return imp_fail(err, "cannot fetch %s: %s", url, strerror(errno));
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execl(helper, helper, "fetch-url", url, (char *)NULL);
        fprintf(stderr, "scl: cannot run %s: %s\n", helper, strerror(errno));
        _exit(CLI_FAIL);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "rb");
    char *text = NULL;
    size_t len = 0;
    int rrc = f ? read_stream(f, &text, &len) : -1;
    if (f)
        fclose(f);
    else
        close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rrc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(text);
        /* the helper has said why on stderr */
        return imp_fail(err, "cannot fetch %s", url);
    }
    add_input(ins, strdup(url), text, len);
    return 0;
}

static int read_dir(struct inputs *ins, const char *dir, bool recursive, struct imp_err *err)
{
    struct pkg_strs names = {0};
    struct pkg_err perr;
    if (pkg_list_dir(dir, &names, &perr) != 0)
        return imp_fail(err, "%s", perr.msg);
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *p = imp_join(dir, names.v[i]);
        struct stat st;
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = read_path(ins, p, err);
            else if (recursive)
                rc = read_dir(ins, p, true, err);
        }
        free(p);
    }
    pkg_strs_free(&names);
    return rc;
}

static int expand(struct inputs *ins, const char *arg, bool recursive, struct imp_err *err)
{
    if (!strcmp(arg, "-")) {
        char *text;
        size_t len;
        if (read_stream(stdin, &text, &len) != 0)
            return imp_fail(err, "cannot read standard input: %s", strerror(errno));
        add_input(ins, strdup("<stdin>"), text, len);
        return 0;
    }
    if (!strncmp(arg, "http://", 7) || !strncmp(arg, "https://", 8))
        return fetch_url(ins, arg, err);
    struct stat st;
    if (stat(arg, &st) == 0)
        return S_ISDIR(st.st_mode) ? read_dir(ins, arg, recursive, err) : read_path(ins, arg, err);
    glob_t g;
    int grc = glob(arg, 0, NULL, &g);
    if (grc == GLOB_NOMATCH)
        return imp_fail(err, "the path \"%s\" does not exist", arg);
    if (grc != 0)
        return imp_fail(err, "pattern \"%s\" is not valid", arg);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
        rc = stat(g.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode)
                 ? read_dir(ins, g.gl_pathv[i], recursive, err)
                 : read_path(ins, g.gl_pathv[i], err);
    globfree(&g);
    return rc;
}

static const char *ext_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot ? dot : "";
}

/* -m auto (§1.1): from the extension and, for JSON, the text */
static const char *detect(const struct imp_input *in, struct imp_err *err)
{
    const char *e = ext_of(in->name);
    if (!strcmp(e, ".json"))
        return memmem(in->text, in->len, "$schema", 7) ? "jsonschema" : "json";
    if (!strcmp(e, ".yaml") || !strcmp(e, ".yml"))
        return "yaml";
    imp_fail(err, "%s: failed to detect mode (use -m)", in->name);
    return NULL;
}

/* <output> for the other modes: -o, or ./<basename minus its last extension>.k
 */
static char *output_path(const struct imp_opts *o, const struct imp_input *in)
{
    if (o->output)
        return strdup(o->output);
    const char *slash = strrchr(in->name, '/');
    const char *base = slash ? slash + 1 : in->name;
    if (!strcmp(base, "<stdin>"))
        base = "stdin";
    const char *dot = strrchr(base, '.');
    struct ibuf b = {0};
    ibuf_putn(&b, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
    ibuf_puts(&b, ".k");
    return ibuf_take(&b);
}

static int one_file_mode(const struct imp_opts *o, const struct imp_input *in, const char *mode,
                         struct imp_err *err)
{
    char *text = NULL;
    int rc;
    if (!strcmp(mode, "json") || !strcmp(mode, "yaml"))
        rc = imp_data(in, !strcmp(mode, "yaml"), &text, err);
    else
        rc = imp_jsonschema(in, &text, err);
    if (rc != 0)
        return rc;
    char *path = output_path(o, in);
    if (!strcmp(path, "-")) {
        fputs(text, stdout);
    } else if (!o->force && access(path, F_OK) == 0) {
        rc = imp_fail(err, "output file already exist, use --force to overwrite: %s", path);
    } else {
        rc = imp_write_file(path, text, strlen(text), err);
    }
    free(path);
    free(text);
    return rc;
}

/* An error "file:line:col: message" (or "file: message") in a machine format. */
static void report_error(enum report_format fmt, const char *msg)
{
    char *file = strdup(msg);
    unsigned line = 0, col = 0;
    const char *text = msg;
    char *colon = file ? strstr(file, ": ") : NULL;
    if (colon) {
        *colon = '\0';
        text = msg + (colon - file) + 2;
        /* trailing :line:col of the location */
        char *c2 = strrchr(file, ':');
        if (c2 && c2[1] && strspn(c2 + 1, "0123456789") == strlen(c2 + 1)) {
            *c2 = '\0';
            char *c1 = strrchr(file, ':');
            if (c1 && c1[1] && strspn(c1 + 1, "0123456789") == strlen(c1 + 1)) {
                *c1 = '\0';
                line = (unsigned)atoi(c1 + 1);
                col = (unsigned)atoi(c2 + 1);
            } else {
                line = (unsigned)atoi(c2 + 1);
            }
        }
    }
    bool located = colon && line;
    report_located(fmt, located ? file : NULL, line, col, "import", "ImportError",
                   located ? text : msg, stderr);
    free(file);
}

int cmd_import(int argc, char **argv)
{
    struct imp_opts o = {.mode = "auto"};
    enum report_format fmt = report_format_default();
    char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    if (!files)
        return CLI_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int took = report_take_flag(argc, argv, &i, &fmt);
        if (took < 0) {
            free(files);
            return CLI_USAGE;
        }
        if (took)
            continue;
        const char **val = NULL;
        const char *eq = NULL;
        if (!strncmp(a, "--", 2) && (eq = strchr(a, '=')) != NULL) {
            /* --opt=value */
        }
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
#define IS(s) (alen == strlen(s) && !strncmp(a, s, alen))
        if (IS("-m") || IS("--mode"))
            val = &o.mode;
        else if (IS("-o") || IS("--output"))
            val = &o.output;
        else if (IS("-p") || IS("--package"))
            val = &o.package;
        else if (IS("-f") || IS("--force"))
            o.force = true;
        else if (IS("-s") || IS("--skip-validation"))
            o.skip_validation = true;
        else if (IS("--recursive"))
            o.recursive = true;
        else if (IS("-h") || IS("--help")) {
            fputs(usage, stdout);
            free(files);
            return CLI_OK;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "scl import: unknown option '%s'\n%s", a, usage);
            free(files);
            return CLI_USAGE;
        } else {
            files[nfiles++] = argv[i];
        }
#undef IS
        if (val) {
            if (eq) {
                *val = eq + 1;
            } else if (i + 1 < argc) {
                *val = argv[++i];
            } else {
                fprintf(stderr, "scl import: %s needs a value\n", a);
                free(files);
                return CLI_USAGE;
            }
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "scl import: no input files\n%s", usage);
        free(files);
        return CLI_USAGE;
    }
    char mode[32];
    size_t ml = strlen(o.mode);
    for (size_t i = 0; i <= ml && i < sizeof mode; i++)
        mode[i] = (char)(o.mode[i] >= 'A' && o.mode[i] <= 'Z' ? o.mode[i] + 32 : o.mode[i]);
    mode[sizeof mode - 1] = '\0';
    static const char *const modes[] = {"crd", "openapi", "jsonschema", "json", "yaml", "auto"};
    bool known = false;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        known |= !strcmp(mode, modes[i]);
    if (!known) {
        fprintf(stderr, "scl import: invalid mode: %s\n", o.mode);
        free(files);
        return CLI_FAIL;
    }
    struct imp_err err = {{0}};
    struct inputs ins = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nfiles; i++)
        rc = expand(&ins, files[i], o.recursive, &err);
    if (rc == 0 && ins.n == 0)
        rc = imp_fail(&err, "no input files");
    if (rc == 0) {
        if (!strcmp(mode, "crd"))
            rc = imp_crd(&o, ins.v, ins.n, &err);
        else if (!strcmp(mode, "openapi"))
            rc = imp_openapi(&o, ins.v, ins.n, &err);
        else
            for (size_t i = 0; rc == 0 && i < ins.n; i++) {
                const char *m = strcmp(mode, "auto") ? mode : detect(&ins.v[i], &err);
                rc = m ? one_file_mode(&o, &ins.v[i], m, &err) : -1;
            }
    }
    if (rc != 0 && fmt == REPORT_PRETTY)
        fprintf(stderr, "scl import: %s\n", err.msg);
    else if (rc != 0)
        report_error(fmt, err.msg);
    for (size_t i = 0; i < ins.n; i++) {
        free(ins.v[i].name);
        free(ins.v[i].text);
    }
    free(ins.v);
    free(files);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
