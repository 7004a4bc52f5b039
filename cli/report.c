/* Diagnostics in the format asked for: pretty (KCL's layout, coloured on a terminal), short
 * (KCL's one-line form), json (scl's objects), github (workflow commands) and sarif (2.1.0). */
#include "config.h"

#include "cli/report.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const format_names[] = {"pretty", "short", "json", "github", "sarif"};

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
                "sarif)\n",
                v);
        return -1;
    }
    *fmt = (enum report_format)f;
    return 1;
}

/* {===== text buffers */

struct buf {
    char *p;
    size_t n, cap;
};

static int buf_write(void *ud, const char *s, size_t len)
{
    struct buf *b = ud;
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

static void buf_puts(struct buf *b, const char *s)
{
    buf_write(b, s, strlen(s));
}

/* The primary message, then "note: ..." for each note, joined by 'sep'. */
static void full_message(const scl_diag *d, const char *sep, struct buf *out)
{
    const char *m = scl_diag_message(d);
    buf_puts(out, m ? m : "");
    for (size_t i = 0; i < scl_diag_nnotes(d); i++) {
        const char *note = scl_diag_note(d, i);
        buf_puts(out, sep);
        if (strncmp(note, "suggestion: ", 12))
            buf_puts(out, "note: ");
        buf_puts(out, note);
    }
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
    struct buf b = {0};
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
            fprintf(f, "%s%.*s" C_RESET C_BOLD "%.*s" C_RESET, hue, (int)(bracket + 1 - line),
                    line, (int)(stop - bracket - 1), bracket + 1);
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
                fprintf(f, "%.*s%s%.*s" C_RESET, (int)(r - after), after, hue, (int)(stop - r),
                        r);
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
    for (size_t i = 0; i < scl_run_ndiags(run); i++) {
        const scl_diag *d = scl_run_diag(run, i);
        if (!colour) {
            scl_diag_render(run, d, 0, cli_report_write, f);
            continue;
        }
        struct buf b = {0};
        scl_diag_render(run, d, 0, buf_write, &b);
        if (b.p)
            colour_text(b.p, scl_diag_is_error(d), f);
        free(b.p);
    }
}

/* {===== short: KCL's one-line form */

static void report_short(const scl_run *run, FILE *f)
{
    for (size_t i = 0; i < scl_run_ndiags(run); i++) {
        const scl_diag *d = scl_run_diag(run, i);
        scl_span sp = scl_diag_span(run, d);
        if (sp.file)
            fprintf(f, "%s:%u:%u - ", sp.file, (unsigned)sp.line, sp.col ? (unsigned)sp.col : 1u);
        struct buf msg = {0};
        full_message(d, "; ", &msg);
        /* one line: line breaks inside a message become spaces */
        for (char *p = msg.p; p && *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        fprintf(f, "%s[%s]: %s - %s\n", scl_diag_is_error(d) ? "error" : "warning",
                scl_diag_code(d), scl_diag_kind(d), msg.p ? msg.p : "");
        free(msg.p);
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

static void report_github(const scl_run *run, FILE *f)
{
    for (size_t i = 0; i < scl_run_ndiags(run); i++) {
        const scl_diag *d = scl_run_diag(run, i);
        scl_span sp = scl_diag_span(run, d);
        fputs(scl_diag_is_error(d) ? "::error " : "::warning ", f);
        if (sp.file) {
            char *rel = relative_path(sp.file);
            fputs("file=", f);
            gh_escape(f, rel ? rel : sp.file, true);
            free(rel);
            fprintf(f, ",line=%u", (unsigned)sp.line);
            if (sp.col)
                fprintf(f, ",col=%u", (unsigned)sp.col);
            if (sp.end_line > sp.line || (sp.end_line == sp.line && sp.end_col > sp.col))
                fprintf(f, ",endLine=%u", (unsigned)sp.end_line);
            if (sp.col && sp.end_line == sp.line && sp.end_col > sp.col)
                fprintf(f, ",endColumn=%u", (unsigned)sp.end_col);
            fputc(',', f);
        }
        struct buf title = {0}, msg = {0};
        buf_puts(&title, scl_diag_code(d));
        buf_puts(&title, " ");
        buf_puts(&title, scl_diag_kind(d));
        fputs("title=", f);
        gh_escape(f, title.p, true);
        fputs("::", f);
        full_message(d, "\n", &msg);
        gh_escape(f, msg.p, false);
        fputc('\n', f);
        free(title.p);
        free(msg.p);
    }
}

/* {===== sarif 2.1.0 */

/* A relative path as a URI reference: every byte outside RFC 3986's unreserved set and '/' is
 * percent-encoded. */
static char *uri_of(const char *file)
{
    char *rel = relative_path(file);
    struct buf b = {0};
    for (const unsigned char *p = (const unsigned char *)(rel ? rel : file); *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p)) {
            buf_write(&b, (const char *)p, 1);
        } else {
            char esc[4];
            snprintf(esc, sizeof esc, "%%%02X", *p);
            buf_puts(&b, esc);
        }
    }
    free(rel);
    return b.p ? b.p : strdup("");
}

static cJSON *sarif_text(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", s ? s : "");
    return o;
}

static void report_sarif(const scl_run *run, FILE *f)
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
    for (size_t i = 0; run && i < scl_run_ndiags(run); i++) {
        const scl_diag *d = scl_run_diag(run, i);
        const char *code = scl_diag_code(d);
        bool known = false;
        const cJSON *rule;
        cJSON_ArrayForEach(rule, rules)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(rule, "id");
            known = known || (cJSON_IsString(id) && !strcmp(id->valuestring, code));
        }
        if (!known) {
            cJSON *rd = cJSON_CreateObject();
            cJSON_AddStringToObject(rd, "id", code);
            cJSON_AddStringToObject(rd, "name", scl_diag_kind(d));
            cJSON_AddItemToObject(rd, "shortDescription", sarif_text(scl_diag_kind(d)));
            cJSON_AddItemToArray(rules, rd);
        }
        cJSON *res = cJSON_CreateObject();
        cJSON_AddStringToObject(res, "ruleId", code);
        cJSON_AddStringToObject(res, "level", scl_diag_is_error(d) ? "error" : "warning");
        struct buf msg = {0};
        full_message(d, "\n", &msg);
        cJSON_AddItemToObject(res, "message", sarif_text(msg.p));
        free(msg.p);
        scl_span sp = scl_diag_span(run, d);
        cJSON *locs = cJSON_AddArrayToObject(res, "locations");
        if (sp.file && sp.line) {
            cJSON *loc = cJSON_CreateObject();
            cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
            cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
            char *uri = uri_of(sp.file);
            cJSON_AddStringToObject(art, "uri", uri ? uri : sp.file);
            free(uri);
            cJSON *reg = cJSON_AddObjectToObject(phys, "region");
            cJSON_AddNumberToObject(reg, "startLine", sp.line);
            cJSON_AddNumberToObject(reg, "startColumn", sp.col ? sp.col : 1);
            /* SARIF's end column is exclusive: only a span that covers text has one */
            if (sp.col && (sp.end_line > sp.line || (sp.end_line == sp.line && sp.end_col > sp.col))) {
                cJSON_AddNumberToObject(reg, "endLine", sp.end_line);
                cJSON_AddNumberToObject(reg, "endColumn", sp.end_col);
            }
            cJSON_AddItemToArray(locs, loc);
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

int cli_report_write(void *ud, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) != len;
}

void report_diags(const scl_run *run, enum report_format fmt, FILE *f)
{
    switch (fmt) {
    case REPORT_PRETTY:
        report_pretty(run, f);
        break;
    case REPORT_SHORT:
        report_short(run, f);
        break;
    case REPORT_JSON:
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 1, cli_report_write, f);
        break;
    case REPORT_GITHUB:
        report_github(run, f);
        break;
    case REPORT_SARIF:
        report_sarif(run, f);
        break;
    }
    fflush(f);
}
