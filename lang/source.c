/* Source files and their line tables. */
#include "config.h"

#include "lang/source.h"

#include <stdbool.h>
#include <string.h>

void source_map_init(struct source_map *sm, struct arena *arena)
{
    memset(sm, 0, sizeof *sm);
    sm->arena = arena;
}

static struct source *add(struct source_map *sm, const char *path, const char *text, size_t len,
                          bool copy, uint32_t fixed_id, const uint32_t *lines, uint32_t nlines)
{
    if (len >= UINT32_MAX)
        return NULL;
    if (fixed_id) {
        if ((sm->nfixed + 1) * 2 > sm->capfixed) {
            uint32_t cap = sm->capfixed ? sm->capfixed * 2 : 64;
            struct source **v = arena_zalloc(sm->arena, cap * sizeof *v);
            if (!v)
                return NULL;
            for (uint32_t k = 0; k < sm->capfixed; k++) {
                if (!sm->fixed[k])
                    continue;
                uint32_t i = sm->fixed[k]->id & (cap - 1);
                while (v[i])
                    i = (i + 1) & (cap - 1);
                v[i] = sm->fixed[k];
            }
            sm->fixed = v;
            sm->capfixed = cap;
        }
    } else if (sm->n == sm->cap) {
        uint32_t cap = sm->cap ? sm->cap * 2 : 8;
        struct source **v = arena_realloc(sm->arena, sm->v, sm->cap * sizeof *v, cap * sizeof *v);
        if (!v)
            return NULL;
        sm->v = v;
        sm->cap = cap;
    }
    struct source *s = arena_zalloc(sm->arena, sizeof *s);
    if (!s)
        return NULL;
    s->path = arena_strndup(sm->arena, path, strlen(path));
    s->text = copy ? arena_strndup(sm->arena, text, len) : text;
    s->len = (uint32_t)len;
    s->arena = sm->arena;
    if (!s->path || !s->text)
        return NULL;
    if (lines && nlines) {
        s->line_start = (uint32_t *)lines; /* never written: the table is complete */
        s->nlines = nlines;
    }
    if (fixed_id) {
        uint32_t i = fixed_id & (sm->capfixed - 1);
        while (sm->fixed[i])
            i = (i + 1) & (sm->capfixed - 1);
        sm->fixed[i] = s;
        sm->nfixed++;
        s->id = fixed_id;
        return s;
    }
    sm->v[sm->n++] = s;
    s->id = sm->base + sm->n;
    return s;
}

/* Line breaks are LF, CRLF or a lone CR. Without any CR (the usual case) memchr finds them,
 * which is several times faster than a byte loop over a large file. The table is filled in
 * one pass, grown in place (it is the arena's last allocation) as needed. */
static bool make_lines(struct source *s)
{
    const char *text = s->text;
    size_t len = s->len;
    bool has_cr = len > 0 && memchr(text, '\r', len) != NULL;
    uint32_t n = 0, cap = 64;
    uint32_t *v = arena_alloc(s->arena, cap * sizeof *v);
    if (!v)
        return false;
    v[n++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (has_cr) {
            if (!(text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'))))
                continue;
        } else {
            const char *q = memchr(text + i, '\n', len - i);
            if (!q)
                break;
            i = (size_t)(q - text);
        }
        if (n == cap) {
            uint32_t *nv = arena_realloc(s->arena, v, cap * sizeof *v, (size_t)cap * 2 * sizeof *v);
            if (!nv)
                return false;
            v = nv;
            cap *= 2;
        }
        v[n++] = (uint32_t)(i + 1);
    }
    s->line_start = v;
    s->nlines = n;
    return true;
}

const uint32_t *source_lines(const struct source *cs, uint32_t *n)
{
    static const uint32_t first_line = 0;
    struct source *s = (struct source *)cs; /* made once, on first use (one thread per map) */
    if (!s->line_start && (!s->arena || !make_lines(s))) {
        *n = 1; /* without memory for the table: everything is on line 1 */
        return &first_line;
    }
    *n = s->nlines;
    return s->line_start;
}

static const struct source *get_fixed(const struct source_map *sm, uint32_t id)
{
    if (!sm->capfixed)
        return NULL;
    for (uint32_t i = id & (sm->capfixed - 1);; i = (i + 1) & (sm->capfixed - 1)) {
        if (!sm->fixed[i])
            return NULL;
        if (sm->fixed[i]->id == id)
            return sm->fixed[i];
    }
}

bool source_map_has_fixed(const struct source_map *sm, uint32_t id)
{
    return get_fixed(sm, id) != NULL;
}

struct source *source_map_add_fixed(struct source_map *sm, uint32_t id, const char *path,
                                    const char *text, size_t len, bool copy,
                                    const uint32_t *lines, uint32_t nlines)
{
    if (id < SOURCE_FIXED_BASE || get_fixed(sm, id))
        return NULL;
    return add(sm, path, text, len, copy, id, lines, nlines);
}

struct source *source_map_add(struct source_map *sm, const char *path, const char *text, size_t len)
{
    return add(sm, path, text, len, true, 0, NULL, 0);
}

struct source *source_map_add_owned(struct source_map *sm, const char *path, const char *text,
                                    size_t len)
{
    return add(sm, path, text, len, false, 0, NULL, 0);
}

const struct source *source_map_get(const struct source_map *sm, uint32_t file)
{
    if (sm->shared && file > sm->shared->base)
        return source_map_get(sm->shared, file);
    if (file >= SOURCE_FIXED_BASE)
        return get_fixed(sm, file);
    if (file <= sm->base || file - sm->base > sm->n)
        return NULL;
    return sm->v[file - sm->base - 1];
}

void source_line_col(const struct source *s, uint32_t off, uint32_t *line, uint32_t *col)
{
    uint32_t nlines;
    const uint32_t *ls = source_lines(s, &nlines);
    uint32_t lo = 0, hi = nlines; /* find the last line_start <= off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ls[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = off - ls[lo] + 1;
}

const char *source_line_text(const struct source *s, uint32_t line, uint32_t *len)
{
    uint32_t nlines;
    const uint32_t *ls = source_lines(s, &nlines);
    if (line == 0 || line > nlines) {
        *len = 0;
        return "";
    }
    uint32_t b = ls[line - 1];
    uint32_t e = line < nlines ? ls[line] : s->len;
    while (e > b && (s->text[e - 1] == '\n' || s->text[e - 1] == '\r'))
        e--;
    *len = e - b;
    return s->text + b;
}
