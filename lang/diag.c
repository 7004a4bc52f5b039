/* Diagnostics: recording and rendering. */
#include "config.h"

#include "lang/diag.h"

#include <stdio.h>
#include <string.h>

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    char *s = arena_alloc(a, (size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

void diags_init(struct diags *d, struct arena *arena)
{
    memset(d, 0, sizeof *d);
    d->arena = arena;
}

struct diag *diags_vadd(struct diags *d, enum diag_level level, const char *code, const char *kind,
                        struct span span, bool caret, const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        unsigned cap = d->cap ? d->cap * 2 : 8;
        struct diag **v = arena_realloc(d->arena, d->v, d->cap * sizeof *v, cap * sizeof *v);
        if (!v)
            return NULL;
        d->v = v;
        d->cap = cap;
    }
    struct diag *g = arena_zalloc(d->arena, sizeof *g);
    if (!g)
        return NULL;
    g->level = level;
    g->code = code;
    g->kind = kind;
    g->message = arena_vprintf(d->arena, fmt, ap);
    g->labels = arena_alloc(d->arena, sizeof *g->labels);
    if (!g->message || !g->labels)
        return NULL;
    g->labels[0].span = span;
    g->labels[0].msg = g->message;
    g->labels[0].caret = caret;
    g->nlabels = 1;
    d->v[d->n++] = g;
    if (level == DIAG_ERROR)
        d->nerrors++;
    return g;
}

struct diag *diags_add(struct diags *d, enum diag_level level, const char *code, const char *kind,
                       struct span span, bool caret, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct diag *g = diags_vadd(d, level, code, kind, span, caret, fmt, ap);
    va_end(ap);
    return g;
}

void diag_add_label(struct diags *d, struct diag *g, struct span span, bool caret, const char *fmt,
                    ...)
{
    if (!g)
        return;
    struct diag_label *v = arena_realloc(d->arena, g->labels, g->nlabels * sizeof *v,
                                         (g->nlabels + 1) * sizeof *v);
    if (!v)
        return;
    va_list ap;
    va_start(ap, fmt);
    v[g->nlabels].msg = arena_vprintf(d->arena, fmt, ap);
    va_end(ap);
    v[g->nlabels].span = span;
    v[g->nlabels].caret = caret;
    if (!v[g->nlabels].msg)
        v[g->nlabels].msg = "";
    g->labels = v;
    g->nlabels++;
}

void diag_add_note(struct diags *d, struct diag *g, const char *fmt, ...)
{
    if (!g)
        return;
    const char **v =
        arena_realloc(d->arena, g->notes, g->nnotes * sizeof *v, (g->nnotes + 1) * sizeof *v);
    if (!v)
        return;
    va_list ap;
    va_start(ap, fmt);
    v[g->nnotes] = arena_vprintf(d->arena, fmt, ap);
    va_end(ap);
    if (!v[g->nnotes])
        return;
    g->notes = v;
    g->nnotes++;
}

/* {===== rendering */

struct out {
    diag_write_fn w;
    void *ud;
    int stop;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (!o->stop && n)
        o->stop = o->w(o->ud, s, n);
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void pad(struct out *o, unsigned n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        unsigned k = n < 32 ? n : 32;
        put(o, sp, k);
        n -= k;
    }
}

static unsigned digits(uint32_t n)
{
    unsigned d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* {===== escaping what diagnostics echo
 *
 * Excerpts and messages come from the input, which may hold anything. Valid UTF-8 and tabs
 * pass through; control characters (C0, DEL, C1) print as \u{XX} and bytes that are not valid
 * UTF-8 as \xXX, so a diagnostic never writes a raw escape sequence or broken text to a
 * terminal. Newlines pass only where a message may span lines. */

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 when there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x3fu >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* The next piece of s[0..n): *take bytes of input, written as the returned text (the input
 * itself when NULL). 'esc' receives an escape. */
static const char *esc_next(const char *s, size_t n, bool keep_nl, size_t *take, char esc[16])
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = utf8_len(u, n);
    *take = k ? k : 1;
    if (!k) {
        snprintf(esc, 16, "\\x%02x", u[0]);
        return esc;
    }
    unsigned cp = k == 1 ? u[0] : k == 2 ? ((u[0] & 0x1fu) << 6 | (u[1] & 0x3fu)) : 0x800;
    bool ctl = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
    if (ctl && !(cp == '\t' || (keep_nl && cp == '\n'))) {
        snprintf(esc, 16, "\\u{%x}", cp);
        return esc;
    }
    return NULL;
}

/* Writes s[0..n) escaped. */
static void put_esc(struct out *o, const char *s, size_t n, bool keep_nl)
{
    char esc[16];
    while (n) {
        size_t run = 0, take;
        while (run < n && !esc_next(s + run, n - run, keep_nl, &take, esc))
            run += take;
        put(o, s, run);
        s += run;
        n -= run;
        if (n) {
            puts_(o, esc_next(s, n, keep_nl, &take, esc));
            s += take;
            n -= take;
        }
    }
}

/* Messages may quote the input (a pattern, a value): past this many bytes the rest is cut. */
#define MESSAGE_MAX 4096

/* Writes a message escaped, newlines kept, cut after MESSAGE_MAX bytes. */
static void put_msg(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (n <= MESSAGE_MAX) {
        put_esc(o, s, n, true);
        return;
    }
    size_t cut = MESSAGE_MAX;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    put_esc(o, s, cut, true);
    putf(o, "... (%zu more bytes)", n - cut);
}

/* Lines longer than this show a window around the caret. */
#define EXCERPT_MAX    512
#define EXCERPT_BEFORE 200
#define EXCERPT_AFTER  200

static void render_label(struct out *o, const struct diag_label *l, const struct source_map *sm)
{
    const struct source *s = source_map_get(sm, l->span.file);
    if (!s) {
        /* no location: the message alone */
        if (l->msg && *l->msg) {
            put_msg(o, l->msg);
            puts_(o, "\n");
        }
        return;
    }
    uint32_t line, col, len;
    source_line_col(s, l->span.lo, &line, &col);
    unsigned w = digits(line);
    pad(o, w);
    puts_(o, "--> ");
    put_esc(o, s->path, strlen(s->path), false);
    /* KCL prints column 1 for run-time errors, which point at a line only */
    putf(o, ":%u:%u\n", line, l->caret ? col : 1);
    pad(o, w + 1);
    puts_(o, "|\n");
    const char *text = source_line_text(s, line, &len);
    uint32_t from = 0, to = len; /* the part of the line shown */
    if (len > EXCERPT_MAX) {
        uint32_t at = col - 1 < len ? col - 1 : len;
        from = at > EXCERPT_BEFORE ? at - EXCERPT_BEFORE : 0;
        to = len - at > EXCERPT_AFTER ? at + EXCERPT_AFTER : len;
        while (from > 0 && ((unsigned char)text[from] & 0xc0) == 0x80)
            from--;
        while (to < len && ((unsigned char)text[to] & 0xc0) == 0x80)
            to++;
    }
    putf(o, "%u | ", line);
    if (from > 0)
        puts_(o, "...");
    put_esc(o, text + from, to - from, false);
    if (to < len)
        puts_(o, "...");
    puts_(o, "\n");
    pad(o, w + 1);
    puts_(o, "| ");
    if (l->caret) {
        if (from > 0)
            puts_(o, "   ");
        /* keep tabs so that the caret lines up with the excerpt; an escaped byte takes as
         * many columns as its escape */
        for (uint32_t i = from; i + 1 < col && i < to;) {
            char esc[16];
            size_t take;
            const char *e = esc_next(text + i, to - i, false, &take, esc);
            if (e)
                pad(o, (unsigned)strlen(e));
            else if (text[i] == '\t')
                put(o, "\t", 1);
            else
                pad(o, (unsigned)take);
            i += (uint32_t)take;
        }
        puts_(o, "^ ");
    } else {
        puts_(o, " ");
    }
    if (l->msg)
        put_msg(o, l->msg);
    puts_(o, "\n");
    pad(o, w + 1);
    puts_(o, "|\n");
}

static void json_str(struct out *o, const char *s)
{
    put(o, "\"", 1);
    size_t n = s ? strlen(s) : 0;
    while (n) {
        unsigned char c = (unsigned char)*s;
        size_t k = utf8_len((const unsigned char *)s, n);
        if (c == '"' || c == '\\') {
            put(o, "\\", 1);
            put(o, s, 1);
        } else if (c < 0x20 || c == 0x7f) {
            putf(o, "\\u%04x", c);
        } else if (!k) { /* not UTF-8: JSON text cannot hold the byte, so name it */
            putf(o, "\\\\x%02x", c);
        } else {
            put(o, s, k);
        }
        k = k ? k : 1;
        s += k;
        n -= k;
    }
    put(o, "\"", 1);
}

static void render_json(struct out *o, const struct diag *g, const struct source_map *sm)
{
    puts_(o, "{\"level\": ");
    json_str(o, g->level == DIAG_ERROR ? "error" : "warning");
    puts_(o, ", \"code\": ");
    json_str(o, g->code);
    puts_(o, ", \"kind\": ");
    json_str(o, g->kind);
    puts_(o, ", \"message\": ");
    json_str(o, g->message);
    puts_(o, ", \"labels\": [");
    for (unsigned i = 0; i < g->nlabels; i++) {
        const struct diag_label *l = &g->labels[i];
        const struct source *s = source_map_get(sm, l->span.file);
        if (i)
            puts_(o, ", ");
        puts_(o, "{\"file\": ");
        json_str(o, s ? s->path : "");
        uint32_t line = 0, col = 0, eline = 0, ecol = 0;
        if (s) {
            source_line_col(s, l->span.lo, &line, &col);
            source_line_col(s, l->span.hi, &eline, &ecol);
        }
        putf(o, ", \"line\": %u, \"col\": %u, \"end_line\": %u, \"end_col\": %u, \"message\": ",
             line, l->caret ? col : 0, eline, l->caret ? ecol : 0);
        json_str(o, l->msg);
        puts_(o, "}");
    }
    puts_(o, "], \"notes\": [");
    for (unsigned i = 0; i < g->nnotes; i++) {
        if (i)
            puts_(o, ", ");
        json_str(o, g->notes[i]);
    }
    puts_(o, "]}\n");
}

int diag_render(const struct diag *g, const struct source_map *sm, int json, diag_write_fn w,
                void *ud)
{
    struct out o = {w, ud, 0};
    if (json) {
        render_json(&o, g, sm);
        return o.stop;
    }
    putf(&o, "%s[%s]: %s\n", g->level == DIAG_ERROR ? "error" : "warning", g->code, g->kind);
    for (unsigned i = 0; i < g->nlabels; i++)
        render_label(&o, &g->labels[i], sm);
    for (unsigned i = 0; i < g->nnotes; i++) /* "suggestion: ..." notes print as they are */
    {
        if (strncmp(g->notes[i], "suggestion: ", 12))
            puts_(&o, "note: ");
        put_msg(&o, g->notes[i]);
        puts_(&o, "\n");
    }
    return o.stop;
}
