/* Diagnostics in the format asked for: pretty (KCL's layout, coloured on a terminal), short
 * (KCL's one-line form), json (scl's objects), github (workflow commands) and sarif (2.1.0). */
#include "config.h"

#include "cli/report.h"
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const format_names[] = {"pretty", "short", "json",
                                           "github", "sarif", "arcanist"};

int report_format_parse(const char *name)
{
    if (!name)
        return -1;
    while (isspace((unsigned char)*name))
        name++;
    size_t n = strlen(name);
    while (n && isspace((unsigned char)name[n - 1]))
        n--;
    for (int i = 0; i < (int)(sizeof format_names / sizeof *format_names); i++)
        if (strlen(format_names[i]) == n && !strncasecmp(name, format_names[i], n))
            return i;
    return -1;
}

enum report_format report_format_default(void)
{
    int f = report_format_parse(getenv("KCL_ERROR_FORMAT"));
    return f < 0 ? REPORT_PRETTY : (enum report_format)f;
}

int report_take_flag(int argc, char **argv, int *i, enum report_format *fmt)
{
    const char *a = argv[*i], *v;
    if (!strncmp(a, "--error_format=", 15) || !strncmp(a, "--error-format=", 15)) {
        v = a + 15;
    } else if (!strcmp(a, "--error_format") || !strcmp(a, "--error-format")) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "scl: missing value after %s\n", a);
            return -1;
        }
        v = argv[++*i];
    } else {
        return 0;
    }
    int f = report_format_parse(v);
    if (f < 0) {
        fprintf(stderr,
                "scl: invalid error format '%s' (expected one of: pretty, short, json, github, "
                "sarif, arcanist)\n",
                v);
        return -1;
    }
    *fmt = (enum report_format)f;
    return 1;
}

/* {===== text buffers */

int cli_buf_write(void *ud, const char *s, size_t len)
{
    struct cli_buf *b = ud;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

static void buf_puts(struct cli_buf *b, const char *s)
{
    cli_buf_write(b, s, strlen(s));
}

/* A related place of a diagnostic (a secondary label). */
struct related {
    const char *msg;
    scl_span span;
};

/* One diagnostic as the machine formats see it. */
struct item {
    bool error;
    const char *code, *kind;
    char *msg_short;  /* message, then "; note: ..." per note and "; related: ..." per label */
    char *msg_long;   /* the same joined by line breaks (malloc'd, as msg_short) */
    char *msg_arc;    /* the same joined by " | " (Arcanist's Description; malloc'd) */
    const char *file; /* NULL: no location */
    unsigned line, col, end_line, end_col; /* col 0: none */
    struct related *related;               /* malloc'd */
    size_t nrelated;
};

/* The primary message, then "note: ..." for each note and "related: ..." for each secondary
 * label, joined by 'sep' (KCL's short form). */
static char *full_message(const scl_run *run, const scl_diag *d, const char *sep)
{
    struct cli_buf out = {0};
    const char *m = scl_diag_message(d);
    buf_puts(&out, m ? m : "");
    for (size_t i = 0; i < scl_diag_nnotes(d); i++) {
        const char *note = scl_diag_note(d, i);
        buf_puts(&out, sep);
        if (strncmp(note, "suggestion: ", 12))
            buf_puts(&out, "note: ");
        buf_puts(&out, note);
    }
    for (size_t i = 1; i < scl_diag_nlabels(d); i++) {
        const char *l = scl_diag_label(run, d, i, NULL);
        if (!l || !*l)
            continue;
        buf_puts(&out, sep);
        buf_puts(&out, "related: ");
        buf_puts(&out, l);
    }
    return out.p ? out.p : strdup("");
}

/* The run's diagnostics as items (malloc'd array; *n gets its length). */
static struct item *items_of(const scl_run *run, size_t *n)
{
    *n = run ? scl_run_ndiags(run) : 0;
    struct item *v = calloc(*n ? *n : 1, sizeof *v);
    if (!v) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        const scl_diag *d = scl_run_diag(run, i);
        scl_span sp = scl_diag_span(run, d);
        v[i].error = scl_diag_is_error(d);
        v[i].code = scl_diag_code(d);
        v[i].kind = scl_diag_kind(d);
        v[i].msg_short = full_message(run, d, "; ");
        v[i].msg_long = full_message(run, d, "\n");
        v[i].msg_arc = full_message(run, d, " | ");
        size_t nl = scl_diag_nlabels(d);
        v[i].related = nl > 1 ? calloc(nl - 1, sizeof *v[i].related) : NULL;
        for (size_t k = 1; v[i].related && k < nl; k++) {
            struct related *r = &v[i].related[v[i].nrelated];
            r->msg = scl_diag_label(run, d, k, &r->span);
            if (r->msg && r->span.file)
                v[i].nrelated++;
        }
        v[i].file = sp.file;
        v[i].line = sp.line;
        v[i].col = sp.col;
        v[i].end_line = sp.end_line;
        v[i].end_col = sp.end_col;
    }
    return v;
}

static void items_free(struct item *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].msg_short);
        free(v[i].msg_long);
        free(v[i].msg_arc);
        free(v[i].related);
    }
    free(v);
}

/* {===== paths: relative to the working directory, as CI systems want them */

static char *relative_path(const char *file)
{
    char *cwd = getcwd(NULL, 0);
    if (!cwd || file[0] != '/') {
        free(cwd);
        return strdup(file);
    }
    if (!strcmp(cwd, "/")) {
        free(cwd);
        return strdup(file + 1);
    }
    /* 'common': the '/' that ends the directories both share; one ".." per directory of cwd
     * after it */
    size_t common = 0, i = 0;
    while (cwd[i] && cwd[i] == file[i]) {
        i++;
        if (cwd[i] == '/' && file[i] == '/')
            common = i;
    }
    if (!cwd[i] && file[i] == '/')
        common = i;
    struct cli_buf b = {0};
    for (const char *p = cwd + common; *p; p++)
        if (*p == '/')
            buf_puts(&b, "../");
    buf_puts(&b, file + common + 1);
    free(cwd);
    return b.p ? b.p : strdup(file);
}

/* {===== pretty, with colour on a terminal */

static bool want_colour(FILE *f)
{
    const char *no = getenv("NO_COLOR");
    if (no && *no)
        return false;
    const char *force = getenv("CLICOLOR_FORCE");
    if (force && *force && strcmp(force, "0"))
        return true;
    const char *term = getenv("TERM");
    return isatty(fileno(f)) && !(term && !strcmp(term, "dumb"));
}

#define C_RESET  "\x1b[0m"
#define C_BOLD   "\x1b[1m"
#define C_RED    "\x1b[1;31m"
#define C_YELLOW "\x1b[1;33m"
#define C_BLUE   "\x1b[1;34m"
#define C_GREEN  "\x1b[1;32m"

/* Colours one rendered diagnostic line by line: the title, the location arrow, the gutter, the
 * caret and its message, and "note:". */
static void colour_text(const char *text, bool error, FILE *f)
{
    const char *hue = error ? C_RED : C_YELLOW;
    bool first = true;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *q = line, *stop = line + len;
        while (q < stop && *q == ' ')
            q++;
        const char *digits = q;
        while (q < stop && isdigit((unsigned char)*q))
            q++;
        const char *bracket = first ? memchr(line, ']', len) : NULL;
        if (bracket && bracket[1] == ':') {
            fprintf(f, "%s%.*s" C_RESET C_BOLD "%.*s" C_RESET, hue, (int)(bracket + 1 - line), line,
                    (int)(stop - bracket - 1), bracket + 1);
        } else if (q + 4 <= stop && q == digits && !strncmp(q, "--> ", 4)) {
            fprintf(f, "%.*s" C_BLUE "-->" C_RESET "%.*s", (int)(q - line), line,
                    (int)(stop - q - 3), q + 3);
        } else if (q + 1 <= stop && (q == digits ? *q == '|' : q[0] == ' ' && q[1] == '|')) {
            const char *bar = q == digits ? q : q + 1;
            const char *after = bar + 1;
            const char *r = after;
            while (r < stop && (*r == ' ' || *r == '\t'))
                r++;
            fprintf(f, C_BLUE "%.*s" C_RESET, (int)(after - line), line);
            if (q == digits && r < stop && *r == '^')
                fprintf(f, "%.*s%s%.*s" C_RESET, (int)(r - after), after, hue, (int)(stop - r), r);
            else
                fprintf(f, "%.*s", (int)(stop - after), after);
        } else if (len >= 5 && !strncmp(line, "note:", 5)) {
            fprintf(f, C_GREEN "note" C_RESET "%.*s", (int)(len - 4), line + 4);
        } else {
            fwrite(line, 1, len, f);
        }
        if (end)
            fputc('\n', f);
        first = false;
        line = end ? end + 1 : stop;
    }
}

static void report_pretty(const scl_run *run, FILE *f)
{
    bool colour = want_colour(f);
    size_t n = scl_run_ndiags(run);
    struct cli_buf b = {0};
    /* each diagnostic in one write; a person reads the first CLI_MAX_DIAGS */
    for (size_t i = 0; i < n && i < CLI_MAX_DIAGS; i++) {
        const scl_diag *d = scl_run_diag(run, i);
        b.n = 0;
        if (scl_diag_render(run, d, 0, cli_buf_write, &b) != SCL_OK && !b.n)
            continue;
        if (!b.p)
            continue;
        if (colour)
            colour_text(b.p, scl_diag_is_error(d), f);
        else
            fwrite(b.p, 1, b.n, f);
    }
    free(b.p);
    if (n > CLI_MAX_DIAGS)
        fprintf(f, "scl: %zu more diagnostics not shown\n", n - CLI_MAX_DIAGS);
}

/* {===== short: KCL's one-line form */

static void report_short(const struct item *v, size_t n, FILE *f)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].file)
            fprintf(f, "%s:%u:%u - ", v[i].file, v[i].line, v[i].col ? v[i].col : 1u);
        fprintf(f, "%s[%s]: %s - ", v[i].error ? "error" : "warning", v[i].code, v[i].kind);
        /* one line: line breaks inside a message become spaces */
        for (const char *p = v[i].msg_short; *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
        fputc('\n', f);
    }
}

/* {===== github: workflow commands */

/* GitHub's escaping: %, CR and LF always; ',' and ':' too in properties. */
static void gh_escape(FILE *f, const char *s, bool property)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '%':
            fputs("%25", f);
            break;
        case '\r':
            fputs("%0D", f);
            break;
        case '\n':
            fputs("%0A", f);
            break;
        case ':':
            fputs(property ? "%3A" : ":", f);
            break;
        case ',':
            fputs(property ? "%2C" : ",", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void report_github(const struct item *v, size_t n, FILE *f)
{
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &v[i];
        fputs(it->error ? "::error " : "::warning ", f);
        if (it->file) {
            char *rel = relative_path(it->file);
            fputs("file=", f);
            gh_escape(f, rel ? rel : it->file, true);
            free(rel);
            fprintf(f, ",line=%u", it->line);
            if (it->col)
                fprintf(f, ",col=%u", it->col);
            if (it->col &&
                (it->end_line > it->line || (it->end_line == it->line && it->end_col > it->col))) {
                fprintf(f, ",endLine=%u", it->end_line);
                if (it->end_line == it->line)
                    fprintf(f, ",endColumn=%u", it->end_col);
            }
            fputc(',', f);
        }
        struct cli_buf title = {0};
        buf_puts(&title, it->code);
        buf_puts(&title, " ");
        buf_puts(&title, it->kind);
        fputs("title=", f);
        gh_escape(f, title.p, true);
        fputs("::", f);
        gh_escape(f, it->msg_long, false);
        fputc('\n', f);
        free(title.p);
    }
}

/* {===== sarif 2.1.0 */

/* A relative path as a URI reference: every byte outside RFC 3986's unreserved set and '/' is
 * percent-encoded. */
static char *uri_of(const char *file)
{
    char *rel = relative_path(file);
    struct cli_buf b = {0};
    for (const unsigned char *p = (const unsigned char *)(rel ? rel : file); *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p)) {
            cli_buf_write(&b, (const char *)p, 1);
        } else {
            char esc[4];
            snprintf(esc, sizeof esc, "%%%02X", *p);
            buf_puts(&b, esc);
        }
    }
    free(rel);
    return b.p ? b.p : strdup("");
}

/* A physicalLocation: the URI relative to the working directory and the region (SARIF's end
 * column is exclusive, so only a span that covers text has an end). */
static cJSON *sarif_location(const char *file, unsigned line, unsigned col, unsigned end_line,
                             unsigned end_col)
{
    cJSON *phys = cJSON_CreateObject();
    cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
    char *uri = uri_of(file);
    cJSON_AddStringToObject(art, "uri", uri ? uri : file);
    free(uri);
    cJSON *reg = cJSON_AddObjectToObject(phys, "region");
    cJSON_AddNumberToObject(reg, "startLine", line);
    cJSON_AddNumberToObject(reg, "startColumn", col ? col : 1);
    if (col && (end_line > line || (end_line == line && end_col > col))) {
        cJSON_AddNumberToObject(reg, "endLine", end_line);
        cJSON_AddNumberToObject(reg, "endColumn", end_col);
    }
    return phys;
}

static cJSON *sarif_text(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", s ? s : "");
    return o;
}

static void report_sarif(const struct item *v, size_t n, FILE *f)
{
    cJSON *log = cJSON_CreateObject();
    cJSON_AddStringToObject(log, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON_AddStringToObject(log, "version", "2.1.0");
    cJSON *runs = cJSON_AddArrayToObject(log, "runs");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, r);
    cJSON *driver = cJSON_CreateObject();
    cJSON *tool = cJSON_AddObjectToObject(r, "tool");
    cJSON_AddItemToObject(tool, "driver", driver);
    cJSON_AddStringToObject(driver, "name", "scl");
    cJSON_AddStringToObject(driver, "version", scl_version_string());
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
    cJSON *results = cJSON_AddArrayToObject(r, "results");
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &v[i];
        bool known = false;
        const cJSON *rule;
        cJSON_ArrayForEach(rule, rules)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(rule, "id");
            known = known || (cJSON_IsString(id) && !strcmp(id->valuestring, it->code));
        }
        if (!known) {
            cJSON *rd = cJSON_CreateObject();
            cJSON_AddStringToObject(rd, "id", it->code);
            cJSON_AddStringToObject(rd, "name", it->kind);
            cJSON_AddItemToObject(rd, "shortDescription", sarif_text(it->kind));
            cJSON_AddItemToArray(rules, rd);
        }
        cJSON *res = cJSON_CreateObject();
        cJSON_AddStringToObject(res, "ruleId", it->code);
        cJSON_AddStringToObject(res, "level", it->error ? "error" : "warning");
        cJSON_AddItemToObject(res, "message", sarif_text(it->msg_long));
        cJSON *locs = cJSON_AddArrayToObject(res, "locations");
        if (it->file && it->line) {
            cJSON *loc = cJSON_CreateObject();
            cJSON_AddItemToObject(
                loc, "physicalLocation",
                sarif_location(it->file, it->line, it->col, it->end_line, it->end_col));
            cJSON_AddItemToArray(locs, loc);
        }
        cJSON *rel = it->nrelated ? cJSON_AddArrayToObject(res, "relatedLocations") : NULL;
        for (size_t k = 0; k < it->nrelated; k++) {
            const struct related *rl = &it->related[k];
            cJSON *loc = cJSON_CreateObject();
            cJSON_AddNumberToObject(loc, "id", (double)k + 1);
            cJSON_AddItemToObject(loc, "physicalLocation",
                                  sarif_location(rl->span.file, rl->span.line, rl->span.col,
                                                 rl->span.end_line, rl->span.end_col));
            cJSON_AddItemToObject(loc, "message", sarif_text(rl->msg));
            cJSON_AddItemToArray(rel, loc);
        }
        cJSON_AddItemToArray(results, res);
    }
    char *text = cJSON_Print(log);
    if (text) {
        fputs(text, f);
        fputc('\n', f);
    }
    cJSON_free(text);
    cJSON_Delete(log);
}

/* {===== arcanist: KCL's JSON array */

/* Line 'line' of 'file' as it is on disk (malloc'd; "" when unreadable). */
static char *source_line(const char *file, unsigned line)
{
    FILE *in = file && line ? fopen(file, "rb") : NULL;
    struct cli_buf b = {0};
    unsigned at = 1;
    int c;
    while (in && (c = fgetc(in)) != EOF && at <= line) {
        if (c == '\n')
            at++;
        else if (at == line && c != '\r')
            cli_buf_write(&b, (const char *)&(char){(char)c}, 1);
    }
    if (in)
        fclose(in);
    return b.p ? b.p : strdup("");
}

static void report_arcanist(const struct item *v, size_t n, FILE *f)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &v[i];
        cJSON *o = cJSON_CreateObject();
        char code[64];
        snprintf(code, sizeof code, "%s[%s]", it->error ? "error" : "warning", it->code);
        char *text = source_line(it->file, it->line);
        cJSON_AddNumberToObject(o, "Char", it->col ? it->col : 1);
        cJSON_AddStringToObject(o, "Code", code);
        cJSON_AddStringToObject(o, "Description", it->msg_arc);
        cJSON_AddNumberToObject(o, "Line", it->line ? it->line : 1);
        cJSON_AddStringToObject(o, "Name", it->kind);
        cJSON_AddStringToObject(o, "OriginalText", text ? text : "");
        cJSON_AddStringToObject(o, "Path", it->file ? it->file : "");
        free(text);
        cJSON_AddItemToArray(arr, o);
    }
    char *out = cJSON_Print(arr);
    if (out) {
        fputs(out, f);
        fputc('\n', f);
    }
    cJSON_free(out);
    cJSON_Delete(arr);
}

static void render_items(const struct item *v, size_t n, enum report_format fmt, FILE *f)
{
    if (fmt == REPORT_SHORT)
        report_short(v, n, f);
    else if (fmt == REPORT_GITHUB)
        report_github(v, n, f);
    else if (fmt == REPORT_SARIF)
        report_sarif(v, n, f);
    else if (fmt == REPORT_ARCANIST)
        report_arcanist(v, n, f);
}

int cli_report_write(void *ud, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) != len;
}

void report_diags(const scl_run *run, enum report_format fmt, FILE *f)
{
    if (fmt == REPORT_PRETTY) {
        report_pretty(run, f);
    } else if (fmt == REPORT_JSON) {
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 1, cli_report_write, f);
    } else {
        size_t n;
        struct item *v = items_of(run, &n);
        render_items(v, n, fmt, f);
        items_free(v, n);
    }
    fflush(f);
}

/* JSON string contents (no quotes) of s. */
static void json_escaped(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void report_located(enum report_format fmt, const char *file, unsigned line, unsigned col,
                    const char *code, const char *kind, const char *message, FILE *f)
{
    struct item it = {
        true, code, kind, (char *)message, (char *)message, (char *)message, file, line, col, 0,
        0,    NULL, 0};
    if (fmt == REPORT_JSON) {
        fputs("{\"level\": \"error\", \"code\": \"", f);
        json_escaped(f, code);
        fputs("\", \"kind\": \"", f);
        json_escaped(f, kind);
        fputs("\", \"message\": \"", f);
        json_escaped(f, message);
        fputs("\", \"labels\": [", f);
        if (file) {
            fputs("{\"file\": \"", f);
            json_escaped(f, file);
            fprintf(f,
                    "\", \"line\": %u, \"col\": %u, \"end_line\": %u, \"end_col\": %u, "
                    "\"message\": \"",
                    line, col, line, col);
            json_escaped(f, message);
            fputs("\"}", f);
        }
        fputs("], \"notes\": []}\n", f);
    } else if (fmt != REPORT_PRETTY) {
        render_items(&it, 1, fmt, f);
    }
    fflush(f);
}
