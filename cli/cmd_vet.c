/* scl vet DATA CODE: validate JSON or YAML data with KCL code (flags as `kcl
 * vet`). */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/project.h"
#include "cli/report.h"
#include "pkg/io.h"

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl vet: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl vet DATA CODE [-s|--schema NAME] [-a|--attribute_name NAME]\n"
          "               [--format json|yaml] [--output text|json] [-E "
          "name=path...]\n"
          "               [--max-time SECONDS] [--max-memory SIZE] [--max-output SIZE]\n"
          "               [--max-depth N] " REPORT_USAGE "\n"
          "DATA: a file, a directory (its files), a glob pattern, or - (stdin)\n"
          CLI_LIMITS_USAGE "(each data file is validated with these limits)\n",
          stderr);
    return CLI_USAGE;
}

struct vet_opts {
    const char *data, *code, *schema, *attr;
    scl_data_format format;
    bool json_out;
    enum report_format fmt; /* --error_format (text output) */
    struct pkg_strs ext_names, ext_dirs; /* -E */
    scl_limits limits;                   /* --max-time, --max-memory, ... */
};

/* -E name=path[,name=path...]: blank items are skipped; a broken one is an
 * error. */
static int add_externals(struct vet_opts *o, const char *arg)
{
    char *copy = pkg_strdup(arg);
    if (!copy)
        return CLI_FAIL;
    int rc = CLI_OK;
    for (char *save = NULL, *it = strtok_r(copy, ",", &save); it && rc == CLI_OK;
         it = strtok_r(NULL, ",", &save)) {
        while (*it == ' ' || *it == '\t')
            it++;
        if (!*it)
            continue;
        char *eq = strchr(it, '=');
        if (!eq || eq == it || !eq[1]) {
            fprintf(stderr, "invalid --external value \"%s\", expected '<pkg_name>=<pkg_path>'\n",
                    it);
            rc = CLI_FAIL;
            break;
        }
        *eq = '\0';
        pkg_strs_push(&o->ext_names, it);
        pkg_strs_push(&o->ext_dirs, eq + 1);
    }
    free(copy);
    return rc;
}

/* The value of `--name value` or `--name=value`; NULL when 'a' is not this
 * flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *s, const char *l, int *rc)
{
    const char *a = argv[*i];
    size_t n = strlen(l);
    if (!strncmp(a, l, n) && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, l) && (!s || strcmp(a, s)))
        return NULL;
    if (*i + 1 >= argc) {
        *rc = usage_error("missing value after", a);
        return NULL;
    }
    return argv[++*i];
}

static int parse_args(int argc, char **argv, struct vet_opts *o)
{
    const char *pos[2];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int rc = CLI_OK, took = report_take_flag(argc, argv, &i, &o->fmt);
        if (took < 0)
            return CLI_USAGE;
        if (took) {
            /* --error_format */
        } else if ((v = flag_value(argc, argv, &i, "-s", "--schema", &rc))) {
            o->schema = v;
        } else if ((v = flag_value(argc, argv, &i, "-a", "--attribute_name", &rc)) ||
                   (v = flag_value(argc, argv, &i, NULL, "--attribute-name", &rc))) {
            o->attr = v;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--format", &rc))) {
            /* an empty or unknown value means JSON, as in kcl */
            o->format = !strcmp(v, "yaml") ? SCL_DATA_YAML : SCL_DATA_JSON;
        } else if ((v = flag_value(argc, argv, &i, NULL, "--output", &rc))) {
            if (strcmp(v, "text") && strcmp(v, "json"))
                return usage_error("unknown output format", v);
            o->json_out = !strcmp(v, "json");
        } else if ((v = flag_value(argc, argv, &i, "-E", "--external", &rc))) {
            rc = add_externals(o, v);
        } else if (rc == CLI_OK && cli_limit_arg("vet", argc, argv, &i, &o->limits, &rc)) {
            /* --max-time, --timeout, --max-memory, --max-output, --max-depth */
        } else if (rc == CLI_OK && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            usage_error("validate data with KCL code", NULL);
            return -1;
        } else if (rc == CLI_OK && !strncmp(a, "-E", 2) && a[2]) {
            rc = add_externals(o, a + 2);
        } else if (rc == CLI_OK && a[0] == '-' && a[1]) {
            return usage_error("unknown option", a);
        } else if (rc == CLI_OK) {
            if (npos == 2)
                return usage_error("accepts 2 arguments (DATA CODE), got more:", a);
            pos[npos++] = a;
        }
        if (rc != CLI_OK)
            return rc;
    }
    if (npos != 2)
        return usage_error("accepts 2 arguments (DATA CODE)", NULL);
    o->data = pos[0];
    o->code = pos[1];
    return CLI_OK;
}

/* DATA as a list of files: '-', a file, a directory's files, or a glob pattern.
 */
static int data_files(const char *data, struct pkg_strs *out)
{
    struct stat st;
    if (!strcmp(data, "-") || (stat(data, &st) == 0 && !S_ISDIR(st.st_mode))) {
        pkg_strs_push(out, data);
        return CLI_OK;
    }
    if (stat(data, &st) == 0) {
        struct pkg_strs names = {0};
        struct pkg_err err;
        if (pkg_list_dir(data, &names, &err) != 0) {
            fprintf(stderr, "scl vet: %s\n", err.msg);
            return CLI_FAIL;
        }
        for (size_t i = 0; i < names.n; i++) {
            char *path = pkg_join(data, names.v[i]);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                pkg_strs_push(out, path);
            free(path);
        }
        pkg_strs_free(&names);
        return CLI_OK;
    }
    glob_t g;
    int r = glob(data, 0, NULL, &g);
    size_t n = 0;
    for (size_t i = 0; r == 0 && i < g.gl_pathc; i++)
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) {
            pkg_strs_push(out, g.gl_pathv[i]);
            n++;
        }
    if (r == 0)
        globfree(&g);
    if (n == 0) {
        fprintf(stderr, "the path \"%s\" does not exist\n", data);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* The code (§2.2 step 1): with a kcl.mod at or above it, every *.k file
 * directly in that directory whose name does not start with '_' (sorted), and
 * the code file itself if it lies elsewhere; otherwise the one file. */
static int add_code(scl_run *run, const struct project *p, const char *code)
{
    struct stat st;
    if (stat(code, &st) != 0 || S_ISDIR(st.st_mode) || !p->root)
        return scl_run_add_file(run, code, NULL, 0) == SCL_OK ? CLI_OK : CLI_FAIL;
    struct pkg_strs entries = {0}, names = {0};
    struct pkg_err err;
    if (pkg_list_dir(p->root, &entries, &err) != 0)
        return scl_run_add_file(run, code, NULL, 0) == SCL_OK ? CLI_OK : CLI_FAIL;
    for (size_t i = 0; i < entries.n; i++) {
        if (entries.v[i][0] == '_' || !ends_with(entries.v[i], ".k"))
            continue;
        char *path = pkg_join(p->root, entries.v[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            pkg_strs_push(&names, path);
        free(path);
    }
    pkg_strs_free(&entries);
    char *real = realpath(code, NULL);
    bool found = false;
    int rc = CLI_OK;
    for (size_t i = 0; i < names.n && rc == CLI_OK; i++) {
        found = found || (real && !strcmp(real, names.v[i]));
        rc = scl_run_add_file(run, names.v[i], NULL, 0) == SCL_OK ? CLI_OK : CLI_FAIL;
    }
    if (rc == CLI_OK && !found)
        rc = scl_run_add_file(run, code, NULL, 0) == SCL_OK ? CLI_OK : CLI_FAIL;
    free(real);
    pkg_strs_free(&names);
    return rc;
}

/* {===== output */

static void json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The excerpt of a rendered diagnostic: the text after "N | " on its first such
 * line. */
static bool snippet(const char *text, const char **s, size_t *n)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *q = line;
        while (*q == ' ')
            q++;
        const char *digits = q;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > digits && q[0] == ' ' && q[1] == '|' && q[2] == ' ') {
            *s = q + 3;
            *n = len - (size_t)(q + 3 - line);
            return true;
        }
        line = end ? end + 1 : NULL;
    }
    return false;
}

/* `--output json`: what kcl prints (2-space indent), built from the
 * diagnostics. */
static void print_json_result(const scl_run *run, bool ok)
{
    if (ok) {
        fputs("{\n  \"success\": true,\n  \"message\": \"Validate success!\"\n}\n", stdout);
        return;
    }
    size_t n = scl_run_ndiags(run), nerr = 0;
    for (size_t i = 0; i < n; i++)
        nerr += scl_diag_is_error(scl_run_diag(run, i)) != 0;
    printf("{\n  \"success\": false,\n  \"errCount\": %zu,\n  \"errors\": [", nerr);
    const char *sep = "\n";
    for (size_t i = 0; i < n; i++) {
        const scl_diag *d = scl_run_diag(run, i);
        if (!scl_diag_is_error(d))
            continue;
        scl_span sp = scl_diag_span(run, d);
        struct cli_buf text = {0};
        scl_diag_render(run, d, 0, cli_buf_write, &text);
        fputs(sep, stdout);
        sep = ",\n";
        fputs("    {\n      \"errorType\": ", stdout);
        json_str(stdout, scl_diag_kind(d), strlen(scl_diag_kind(d)));
        if (sp.file) {
            fputs(",\n      \"file\": ", stdout);
            json_str(stdout, sp.file, strlen(sp.file));
        }
        if (sp.line)
            printf(",\n      \"line\": %u", (unsigned)sp.line);
        if (sp.col)
            printf(",\n      \"column\": %u", (unsigned)sp.col);
        /* the message, then the notes (the cause of a load failure, the YAML
         * document) */
        struct cli_buf msg = {0};
        const char *m = scl_diag_message(d);
        cli_buf_write(&msg, m ? m : "", m ? strlen(m) : 0);
        for (const char *q = text.p ? strstr(text.p, "\nnote: ") : NULL; q;
             q = strstr(q + 1, "\nnote: ")) {
            const char *end = strchr(q + 7, '\n');
            if (msg.n)
                cli_buf_write(&msg, "; ", 2);
            cli_buf_write(&msg, q + 7, end ? (size_t)(end - q - 7) : strlen(q + 7));
        }
        if (msg.n) {
            fputs(",\n      \"message\": ", stdout);
            json_str(stdout, msg.p, msg.n);
        }
        free(msg.p);
        const char *code;
        size_t len;
        if (text.p && snippet(text.p, &code, &len)) {
            fputs(",\n      \"codeSnippet\": ", stdout);
            json_str(stdout, code, len);
        }
        fputs("\n    }", stdout);
        free(text.p);
    }
    fputs(nerr ? "\n  ]\n}\n" : "]\n}\n", stdout);
}

/* Reads all of stdin (malloc'd). */
static char *read_stdin(size_t *len)
{
    struct cli_buf m = {0};
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (cli_buf_write(&m, buf, k)) {
            free(m.p);
            return NULL;
        }
    if (ferror(stdin)) {
        free(m.p);
        return NULL;
    }
    *len = m.n;
    return m.p ? m.p : pkg_strdup("");
}

/* vet_one's status when the failure went to stdout as `--output json`: kcl then exits 0. */
enum { VET_REPORTED = 3 };

/* Validates one data file; CLI_OK when valid (nothing printed then). */
static int vet_one(scl_ctx *ctx, const struct vet_opts *o, struct project *proj, const char *file,
                   const char *data, size_t len)
{
    scl_run *run = scl_run_new(ctx);
    if (!run) {
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    struct pkg_err err;
    scl_run_set_limits(run, &o->limits);
    for (size_t i = 0; i < o->ext_names.n && rc == CLI_OK; i++)
        rc = scl_run_add_external(run, o->ext_names.v[i], o->ext_dirs.v[i]) == SCL_OK ? CLI_OK
                                                                                      : CLI_FAIL;
    /* kcl.mod dependencies come after -E, so they win, as in `scl run` */
    if (rc == CLI_OK && proj->has_mod && project_deps(proj, run, 0, &o->ext_names, &err) != 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        scl_run_free(run);
        return CLI_FAIL;
    }
    if (rc == CLI_OK && proj->root)
        scl_run_set_root(run, proj->root);
    if (rc == CLI_OK)
        rc = add_code(run, proj, o->code);
    if (rc == CLI_OK &&
        scl_run_validate(run, file, data, len, o->format, o->schema, o->attr) != SCL_OK)
        rc = CLI_FAIL;
    if (rc != CLI_OK) {
        if (o->json_out) {
            print_json_result(run, false);
            rc = VET_REPORTED;
        } else {
            fflush(stdout);
            report_diags(run, o->fmt, stderr);
        }
    }
    scl_run_free(run);
    return rc;
}

int cmd_vet(int argc, char **argv)
{
    struct vet_opts o = {0};
    o.format = SCL_DATA_JSON;
    o.fmt = report_format_default();
    cli_limits_default(&o.limits);
    int rc = parse_args(argc, argv, &o);
    struct pkg_strs files = {0};
    struct project proj = {0};
    scl_ctx *ctx = NULL;
    char *input = NULL;
    size_t input_len = 0;
    if (rc < 0) {
        rc = CLI_OK; /* --help */
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    struct pkg_err err;
    if (project_open(&proj, o.code, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = CLI_FAIL;
        goto out;
    }
    if ((rc = data_files(o.data, &files)) != CLI_OK)
        goto out;
    ctx = scl_ctx_new(NULL, NULL);
    if (!ctx) {
        fputs("scl: out of memory\n", stderr);
        rc = CLI_FAIL;
        goto out;
    }
    for (size_t i = 0; i < files.n && rc == CLI_OK; i++) {
        const char *f = files.v[i];
        if (!strcmp(f, "-")) {
            input = read_stdin(&input_len);
            if (!input) {
                fprintf(stderr, "scl vet: cannot read stdin: %s\n", strerror(errno));
                rc = CLI_FAIL;
                break;
            }
            rc = vet_one(ctx, &o, &proj, "<stdin>", input, input_len);
        } else {
            rc = vet_one(ctx, &o, &proj, f, NULL, 0);
        }
    }
    if (rc == CLI_OK) {
        if (o.json_out)
            print_json_result(NULL, true);
        else
            puts("Validate success!");
    }
    if (rc == VET_REPORTED)
        rc = CLI_OK;
out:
    free(input);
    scl_ctx_free(ctx);
    project_close(&proj);
    pkg_strs_free(&files);
    pkg_strs_free(&o.ext_names);
    pkg_strs_free(&o.ext_dirs);
    return rc;
}
