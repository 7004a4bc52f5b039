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

static void render_label(struct out *o, const struct diag_label *l, const struct source_map *sm)
{
    const struct source *s = source_map_get(sm, l->span.file);
    if (!s) {
        /* no location: the message alone */
        if (l->msg && *l->msg) {
            puts_(o, l->msg);
            puts_(o, "\n");
        }
        return;
    }
    uint32_t line, col, len;
    source_line_col(s, l->span.lo, &line, &col);
    unsigned w = digits(line);
    pad(o, w);
    puts_(o, "--> ");
    puts_(o, s->path);
    /* KCL prints column 1 for run-time errors, which point at a line only */
    putf(o, ":%u:%u\n", line, l->caret ? col : 1);
    pad(o, w + 1);
    puts_(o, "|\n");
    const char *text = source_line_text(s, line, &len);
    putf(o, "%u | ", line);
    put(o, text, len);
    puts_(o, "\n");
    pad(o, w + 1);
    puts_(o, "| ");
    if (l->caret) {
        /* keep tabs so that the caret lines up with the excerpt */
        for (uint32_t i = 0; i + 1 < col && i < len; i++)
            put(o, text[i] == '\t' ? "\t" : " ", 1);
        puts_(o, "^ ");
    } else {
        puts_(o, " ");
    }
    puts_(o, l->msg ? l->msg : "");
    puts_(o, "\n");
    pad(o, w + 1);
    puts_(o, "|\n");
}

static void json_str(struct out *o, const char *s)
{
    put(o, "\"", 1);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            put(o, "\\", 1);
            put(o, s, 1);
        } else if (c < 0x20) {
            putf(o, "\\u%04x", c);
        } else {
            put(o, s, 1);
        }
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
        putf(&o, strncmp(g->notes[i], "suggestion: ", 12) ? "note: %s\n" : "%s\n", g->notes[i]);
    return o.stop;
}
