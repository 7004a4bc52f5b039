/* scl fmt: KCL's formatter (spec/tools.md §1). Files are rewritten in place and the ones that
 * changed are listed; --dry-run lists them without writing, --check prints a unified diff,
 * '-' formats stdin to stdout. A file with a syntax error is left untouched. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"

static const char fmt_usage[] =
    "usage: scl fmt [PATH...] [--dry-run] [--check] " REPORT_USAGE "\n"
    "\n"
    "Formats KCL/scl source files in place, as `kcl fmt` does, and prints the paths of the\n"
    "files that changed. No PATH means '.'.\n"
    "\n"
    "  FILE        format that file\n"
    "  DIR         every *.k and *.scl file directly in DIR\n"
    "  DIR/...     every *.k and *.scl file below DIR, recursively\n"
    "  -           read source from stdin, write the formatted text to stdout\n"
    "\n"
    "options:\n"
    "  --dry-run   write nothing; list the files that would change (exit 1 if any)\n"
    "  --check     write nothing; print a unified diff of each file that would change\n"
    "              (exit 1 if any)\n"
    "  --error_format FORMAT\n"
    "              how syntax errors are reported: pretty (default), short, json,\n"
    "              github, sarif or arcanist (also KCL_ERROR_FORMAT)\n"
    "  -h, --help  this text\n"
    "\n"
    "A file with a syntax error is not touched: its diagnostics go to stderr and the exit\n"
    "status is 1.\n";

static int read_stream(FILE *f, struct cli_buf *b)
{
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (cli_buf_write(b, chunk, k))
            return -1;
    if (ferror(f))
        return -1;
    if (!b->p && cli_buf_write(b, "", 0))
        return -1;
    return 0;
}

/* {=====================================================================
 * Unified diff (for --check): lines of the common prefix and suffix are skipped, the middle
 * is compared with an LCS table when it is small enough, else replaced as one block.
 * ====================================================================} */

struct lines {
    const char **s; /* start of each line */
    size_t *len;    /* with its newline, if any */
    size_t n;
};

static int split_lines(const char *t, size_t n, struct lines *l)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += t[i] == '\n';
    l->s = malloc(cap * sizeof *l->s);
    l->len = malloc(cap * sizeof *l->len);
    l->n = 0;
    if (!l->s || !l->len)
        return -1;
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\n') {
            l->s[l->n] = t + start;
            l->len[l->n++] = i + 1 - start;
            start = i + 1;
        }
    if (start < n) {
        l->s[l->n] = t + start;
        l->len[l->n++] = n - start;
    }
    return 0;
}

static int line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->len[i] == b->len[j] && !memcmp(a->s[i], b->s[j], a->len[i]);
}

/* An edit script: ' ' keep (a and b advance), '-' drop from a, '+' add from b. */
static char *edit_script(const struct lines *a, const struct lines *b, size_t *nops)
{
    size_t pre = 0, suf = 0;
    while (pre < a->n && pre < b->n && line_eq(a, pre, b, pre))
        pre++;
    while (suf < a->n - pre && suf < b->n - pre && line_eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
        suf++;
    size_t m = a->n - pre - suf, k = b->n - pre - suf;
    char *ops = malloc(a->n + b->n + 1);
    if (!ops)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < pre; i++)
        ops[n++] = ' ';
    uint32_t *t = NULL;
    if (m && k && (m + 1) * (k + 1) <= 16u * 1024 * 1024)
        t = malloc((m + 1) * (k + 1) * sizeof *t);
    if (t) {
        /* t[i][j]: LCS length of a[pre+i..] and b[pre+j..] */
        for (size_t i = m + 1; i-- > 0;)
            for (size_t j = k + 1; j-- > 0;) {
                uint32_t *c = &t[i * (k + 1) + j];
                if (i == m || j == k)
                    *c = 0;
                else if (line_eq(a, pre + i, b, pre + j))
                    *c = t[(i + 1) * (k + 1) + j + 1] + 1;
                else {
                    uint32_t x = t[(i + 1) * (k + 1) + j], y = t[i * (k + 1) + j + 1];
                    *c = x > y ? x : y;
                }
            }
        size_t i = 0, j = 0;
        while (i < m || j < k) {
            if (i < m && j < k && line_eq(a, pre + i, b, pre + j)) {
                ops[n++] = ' ';
                i++, j++;
            } else if (i < m && (j == k || t[(i + 1) * (k + 1) + j] >= t[i * (k + 1) + j + 1])) {
                ops[n++] = '-';
                i++;
            } else {
                ops[n++] = '+';
                j++;
            }
        }
        free(t);
    } else {
        for (size_t i = 0; i < m; i++)
            ops[n++] = '-';
        for (size_t j = 0; j < k; j++)
            ops[n++] = '+';
    }
    for (size_t i = 0; i < suf; i++)
        ops[n++] = ' ';
    *nops = n;
    return ops;
}

static void diff_line(FILE *out, char tag, const struct lines *l, size_t i)
{
    fputc(tag, out);
    fwrite(l->s[i], 1, l->len[i], out);
    if (l->len[i] == 0 || l->s[i][l->len[i] - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", out);
}

static int unified_diff(FILE *out, const char *name, const char *a_text, size_t a_n,
                        const char *b_text, size_t b_n)
{
    enum { CONTEXT = 3 };
    struct lines a = {0}, b = {0};
    size_t nops = 0;
    char *ops = NULL;
    int rc = -1;
    if (split_lines(a_text, a_n, &a) || split_lines(b_text, b_n, &b))
        goto out;
    ops = edit_script(&a, &b, &nops);
    if (!ops)
        goto out;
    fprintf(out, "--- a/%s\n+++ b/%s\n", name, name);
    /* position of each op in a and b */
    size_t k = 0;
    while (k < nops) {
        while (k < nops && ops[k] == ' ')
            k++;
        if (k == nops)
            break;
        /* a hunk: from CONTEXT keeps before this change to CONTEXT keeps after the last
         * change that is no more than 2*CONTEXT keeps away */
        size_t start = k >= CONTEXT ? k - CONTEXT : 0;
        for (size_t s = start; s < k; s++)
            if (ops[s] != ' ')
                start = s + 1;
        size_t end = k;
        for (;;) {
            while (end < nops && ops[end] != ' ')
                end++;
            size_t run = 0;
            while (end + run < nops && ops[end + run] == ' ')
                run++;
            if (end + run < nops && run <= 2 * CONTEXT) {
                end += run;
                continue;
            }
            end += run < CONTEXT ? run : CONTEXT;
            break;
        }
        size_t ai = 0, bi = 0;
        for (size_t s = 0; s < start; s++) {
            if (ops[s] != '+')
                ai++;
            if (ops[s] != '-')
                bi++;
        }
        size_t ac = 0, bc = 0;
        for (size_t s = start; s < end; s++) {
            if (ops[s] != '+')
                ac++;
            if (ops[s] != '-')
                bc++;
        }
        fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? ai + 1 : ai, ac, bc ? bi + 1 : bi, bc);
        for (size_t s = start; s < end; s++) {
            if (ops[s] == ' ') {
                diff_line(out, ' ', &a, ai++);
                bi++;
            } else if (ops[s] == '-') {
                diff_line(out, '-', &a, ai++);
            } else {
                diff_line(out, '+', &b, bi++);
            }
        }
        k = end;
    }
    rc = 0;
out:
    free(ops);
    free(a.s);
    free(a.len);
    free(b.s);
    free(b.len);
    return rc;
}

/* {=====================================================================
 * Files
 * ====================================================================} */

enum mode { MODE_WRITE, MODE_DRY_RUN, MODE_CHECK };

struct fmt_state {
    scl_ctx *ctx;
    enum mode mode;
    enum report_format ef;
    int failed;
    char **changed; /* reported paths, in processing order */
    size_t nchanged, capchanged;
};

static void note_changed(struct fmt_state *st, const char *path)
{
    if (st->nchanged == st->capchanged) {
        size_t cap = st->capchanged ? st->capchanged * 2 : 16;
        char **v = realloc(st->changed, cap * sizeof *v);
        if (!v) {
            st->failed = 1;
            return;
        }
        st->changed = v;
        st->capchanged = cap;
    }
    char *copy = strdup(path);
    if (!copy) {
        st->failed = 1;
        return;
    }
    st->changed[st->nchanged++] = copy;
}

/* Writes 'text' over 'path' through a temporary file in the same folder (mode kept). */
static int replace_file(const char *given, const char *text, size_t n)
{
    struct stat sb;
    /* through a symbolic link, the file it points to is replaced, not the link */
    char real[PATH_MAX];
    const char *path =
        lstat(given, &sb) == 0 && S_ISLNK(sb.st_mode) && realpath(given, real) ? real : given;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return -1;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".fmt-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    if (stat(path, &sb) == 0)
        (void)fchmod(fd, sb.st_mode & 07777);
    FILE *f = fdopen(fd, "wb");
    int ok = f && fwrite(text, 1, n, f) == n;
    if (f)
        ok = fclose(f) == 0 && ok;
    else
        close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* {=====================================================================
 * .editorconfig (spec/tools.md §1.3): the nearest file with a section matching the source
 * sets the indentation (indent_style, indent_size, tab_width); root = true stops the search;
 * a malformed file is ignored.
 * ====================================================================} */

struct indent {
    unsigned width;
    int tabs;
};

/* An editorconfig glob: '*', '?', '[...]' (fnmatch) and '{a,b}' alternatives. A pattern
 * without '/' matches the file name, one with '/' the path below the file's folder. */
static int ec_match(const char *pat, const char *name, const char *rel, int depth)
{
    const char *lb = strchr(pat, '{'), *rb = lb ? strchr(lb, '}') : NULL;
    if (lb && rb && depth < 8) {
        for (const char *p = lb + 1; p <= rb;) {
            const char *e = p;
            while (e < rb && *e != ',')
                e++;
            char buf[1024];
            int n = snprintf(buf, sizeof buf, "%.*s%.*s%s", (int)(lb - pat), pat, (int)(e - p), p,
                             rb + 1);
            if (n > 0 && (size_t)n < sizeof buf && ec_match(buf, name, rel, depth + 1))
                return 1;
            p = e + 1;
        }
        return 0;
    }
    if (strchr(pat, '/'))
        return fnmatch(pat[0] == '/' ? pat + 1 : pat, rel, 0) == 0;
    return fnmatch(pat, name, 0) == 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Reads one .editorconfig: 1 when a matching section sets the indentation (*out), 0 when
 * not, -1 when the file is malformed. *root is set by 'root = true'. */
static int ec_read(FILE *f, const char *name, const char *rel, struct indent *out, int *root)
{
    char line[1024], style[32] = "", size[32] = "", tabw[32] = "";
    int in_section = 0, matching = 0;
    while (fgets(line, sizeof line, f)) {
        char *l = trim(line);
        if (!*l || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            size_t n = strlen(l);
            if (n < 2 || l[n - 1] != ']')
                return -1;
            l[n - 1] = 0;
            in_section = 1;
            matching = ec_match(l + 1, name, rel, 0);
            continue;
        }
        char *eq = strchr(l, '=');
        if (!eq)
            return -1;
        *eq = 0;
        char *k = trim(l), *v = trim(eq + 1);
        for (char *c = k; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        for (char *c = v; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        if (!in_section) {
            if (!strcmp(k, "root"))
                *root = !strcmp(v, "true");
            continue;
        }
        if (!matching)
            continue;
        if (!strcmp(k, "indent_style"))
            snprintf(style, sizeof style, "%s", v);
        else if (!strcmp(k, "indent_size"))
            snprintf(size, sizeof size, "%s", v);
        else if (!strcmp(k, "tab_width"))
            snprintf(tabw, sizeof tabw, "%s", v);
    }
    if (!*style && !*size)
        return 0;
    out->tabs = !strcmp(style, "tab");
    out->width = 0;
    const char *w = !strcmp(size, "tab") ? tabw : size;
    char *end;
    long n = strtol(w, &end, 10);
    if (*w && !*end && n > 0 && n <= 64)
        out->width = (unsigned)n;
    return 1;
}

/* The indentation the nearest .editorconfig sets for 'path'; 0 when none does. */
static int editorconfig_indent(const char *path, struct indent *out)
{
    char abs[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 16];
    if (!realpath(path, abs))
        return 0;
    const char *name = strrchr(abs, '/') + 1;
    snprintf(dir, sizeof dir, "%.*s", (int)(name - 1 - abs), abs);
    for (;;) {
        snprintf(file, sizeof file, "%s/.editorconfig", dir);
        FILE *f = fopen(file, "r");
        int root = 0;
        if (f) {
            const char *rel = abs + strlen(dir) + 1;
            int r = ec_read(f, name, rel, out, &root);
            fclose(f);
            if (r == 1)
                return 1;
            if (r == 0 && root)
                return 0;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || !*dir)
            return 0;
        *slash = 0;
    }
}

/* Formats one source; 0 when done (changed or not), 1 on a syntax or I/O error. */
static int format_one(struct fmt_state *st, const char *path, int is_stdin)
{
    struct cli_buf in = {0}, out = {0};
    int rc = 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f || read_stream(f, &in)) {
        fprintf(stderr, "scl fmt: cannot read %s: %s\n", path, strerror(errno));
        if (f && !is_stdin)
            fclose(f);
        free(in.p);
        return 1;
    }
    if (!is_stdin)
        fclose(f);
    scl_run *run = scl_run_new(st->ctx);
    if (!run) {
        fputs("scl fmt: out of memory\n", stderr);
        free(in.p);
        return 1;
    }
    struct indent ind;
    if (!is_stdin && editorconfig_indent(path, &ind))
        scl_run_set_format_indent(run, ind.width, ind.tabs);
    scl_status s = scl_format(run, path, in.p, in.n, cli_buf_write, &out);
    if (s != SCL_OK) {
        report_diags(run, st->ef, stderr);
        if (s != SCL_ESYNTAX && scl_run_ndiags(run) == 0)
            fprintf(stderr, "scl fmt: cannot format %s\n", path);
        rc = 1;
        goto done;
    }
    if (!out.p && cli_buf_write(&out, "", 0)) {
        rc = 1;
        goto done;
    }
    int changed = out.n != in.n || memcmp(out.p, in.p, in.n) != 0;
    if (is_stdin) {
        if (st->mode == MODE_CHECK) {
            if (changed) {
                unified_diff(stdout, "<stdin>", in.p, in.n, out.p, out.n);
                note_changed(st, path);
            }
        } else if (fwrite(out.p, 1, out.n, stdout) != out.n) {
            rc = 1;
        }
        goto done;
    }
    /* kcl fmt rewrites unchanged files too; leaving them alone keeps their timestamps */
    if (st->mode == MODE_WRITE && changed && replace_file(path, out.p, out.n)) {
        fprintf(stderr, "scl fmt: cannot write %s: %s\n", path, strerror(errno));
        rc = 1;
        goto done;
    }
    if (changed) {
        if (st->mode == MODE_CHECK)
            unified_diff(stdout, path, in.p, in.n, out.p, out.n);
        note_changed(st, path);
    }
done:
    scl_run_free(run);
    free(in.p);
    free(out.p);
    return rc;
}

static int is_source_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 2 && !strcmp(name + n - 2, ".k")) || (n > 4 && !strcmp(name + n - 4, ".scl"));
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    size_t slash = a > 0 && dir[a - 1] != '/' ? 1 : 0;
    char *p = malloc(a + slash + b + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    if (slash)
        p[a] = '/';
    memcpy(p + a + slash, name, b + 1);
    return p;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Collects the source files of 'dir' (and below it when 'recursive') into *v, as paths
 * joined to 'dir'. */
static int collect(const char *dir, int recursive, char ***v, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t nn = 0, cn = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (nn == cn) {
            cn = cn ? cn * 2 : 32;
            char **t = realloc(names, cn * sizeof *t);
            if (!t)
                break;
            names = t;
        }
        names[nn] = join_path(dir, e->d_name);
        if (names[nn])
            nn++;
    }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof *names, cmp_str);
    for (size_t i = 0; i < nn; i++) {
        struct stat sb;
        const char *base = strrchr(names[i], '/');
        base = base ? base + 1 : names[i];
        /* symbolic links to folders are not followed (no cycles); links to files are */
        if (lstat(names[i], &sb) != 0 ||
            (S_ISLNK(sb.st_mode) && (stat(names[i], &sb) != 0 || S_ISDIR(sb.st_mode)))) {
            free(names[i]);
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            if (recursive)
                collect(names[i], 1, v, n, cap);
            free(names[i]);
        } else if (S_ISREG(sb.st_mode) && is_source_name(base)) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 32;
                char **t = realloc(*v, *cap * sizeof *t);
                if (!t) {
                    free(names[i]);
                    continue;
                }
                *v = t;
            }
            (*v)[(*n)++] = names[i];
        } else {
            free(names[i]);
        }
    }
    free(names);
    return 0;
}

static int format_path(struct fmt_state *st, const char *arg)
{
    size_t n = strlen(arg);
    int recursive = 0;
    char *dir = NULL;
    if (n >= 3 && !strcmp(arg + n - 3, "...")) {
        recursive = 1;
        dir = strndup(arg, n - 3);
        if (dir && !*dir) {
            free(dir);
            dir = strdup(".");
        }
        if (!dir)
            return 1;
    }
    struct stat sb;
    const char *target = dir ? dir : arg;
    int rc = 0;
    if (stat(target, &sb) != 0) {
        /* as kcl fmt: a path that does not exist formats nothing */
    } else if (S_ISDIR(sb.st_mode)) {
        char **files = NULL;
        size_t nf = 0, cf = 0;
        collect(target, recursive, &files, &nf, &cf);
        if (recursive && nf)
            qsort(files, nf, sizeof *files, cmp_str);
        for (size_t i = 0; i < nf; i++) {
            rc |= format_one(st, files[i], 0);
            free(files[i]);
        }
        free(files);
    } else if (!recursive) {
        rc = format_one(st, arg, 0);
    }
    free(dir);
    return rc;
}

int cmd_fmt(int argc, char **argv)
{
    struct fmt_state st = {0};
    st.ef = report_format_default();
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int took = report_take_flag(argc, argv, &i, &st.ef);
        if (took < 0)
            return CLI_USAGE;
        if (took) {
            argv[i] = (char *)"--error_format"; /* its value is no path in the second pass */
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(fmt_usage, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--dry-run")) {
            st.mode = MODE_DRY_RUN;
        } else if (!strcmp(a, "--check")) {
            st.mode = MODE_CHECK;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "scl fmt: unknown option '%s'\n%s", a, fmt_usage);
            return CLI_USAGE;
        } else {
            npaths++;
        }
    }
    st.ctx = scl_ctx_new(NULL, NULL);
    if (!st.ctx) {
        fputs("scl fmt: out of memory\n", stderr);
        return CLI_FAIL;
    }
    int rc = 0;
    if (npaths == 0)
        rc |= format_path(&st, ".");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-"))
            rc |= format_one(&st, "<stdin>", 1);
        else if (a[0] != '-')
            rc |= format_path(&st, a);
    }
    int any = 0;
    for (size_t i = 0; i < st.nchanged; i++) {
        if (strcmp(st.changed[i], "<stdin>") != 0 && st.mode != MODE_CHECK)
            printf("%s\n", st.changed[i]);
        any = 1;
        free(st.changed[i]);
    }
    free(st.changed);
    fflush(stdout);
    if (any && st.mode == MODE_DRY_RUN) {
        fprintf(stderr, "%zu KCL file(s) require formatting\n", st.nchanged);
        rc = 1;
    }
    if (any && st.mode == MODE_CHECK)
        rc = 1;
    scl_ctx_free(st.ctx);
    return rc || st.failed ? CLI_FAIL : CLI_OK;
}
