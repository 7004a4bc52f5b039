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

/* Makes room for index 'idx' of v (the entries between stay NULL). */
static bool reserve_index(struct source_map *sm, uint32_t idx)
{
    if (idx < sm->cap)
        return true;
    uint32_t cap = sm->cap ? sm->cap : 8;
    while (cap <= idx)
        cap *= 2;
    struct source **v = arena_realloc(sm->arena, sm->v, sm->cap * sizeof *v, cap * sizeof *v);
    if (!v)
        return false;
    memset(v + sm->cap, 0, (cap - sm->cap) * sizeof *v);
    sm->v = v;
    sm->cap = cap;
    return true;
}

/* At index 'idx' of the map (its id is base + idx + 1); idx UINT32_MAX: the next one. */
static struct source *add(struct source_map *sm, const char *path, const char *text, size_t len,
                          bool copy, uint32_t idx, const uint32_t *lines, uint32_t nlines)
{
    if (len >= UINT32_MAX)
        return NULL;
    if (idx == UINT32_MAX)
        idx = sm->n;
    if (idx >= UINT32_MAX - sm->base - 1 || !reserve_index(sm, idx) || sm->v[idx])
        return NULL;
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
    sm->v[idx] = s;
    if (idx >= sm->n)
        sm->n = idx + 1;
    s->id = sm->base + idx + 1;
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

bool source_map_taken(const struct source_map *sm, uint32_t id)
{
    return id > sm->base && id - sm->base <= sm->n && sm->v[id - sm->base - 1];
}

struct source *source_map_add_at(struct source_map *sm, uint32_t id, const char *path,
                                 const char *text, size_t len, bool copy, const uint32_t *lines,
                                 uint32_t nlines)
{
    if (id <= sm->base)
        return NULL;
    return add(sm, path, text, len, copy, id - sm->base - 1, lines, nlines);
}

struct source *source_map_add(struct source_map *sm, const char *path, const char *text, size_t len)
{
    return add(sm, path, text, len, true, UINT32_MAX, NULL, 0);
}

struct source *source_map_add_owned(struct source_map *sm, const char *path, const char *text,
                                    size_t len)
{
    return add(sm, path, text, len, false, UINT32_MAX, NULL, 0);
}

const struct source *source_map_get(const struct source_map *sm, uint32_t file)
{
    if (sm->shared && file > sm->shared->base)
        return source_map_get(sm->shared, file);
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
