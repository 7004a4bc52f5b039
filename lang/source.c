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
    if (lines && nlines) {
        if (!s->path || !s->text)
            return NULL;
        s->line_start = (uint32_t *)lines; /* never written: the table is complete */
        s->nlines = nlines;
        goto added;
    }
    /* Line breaks are LF, CRLF or a lone CR. Without any CR (the usual case) memchr finds
     * them, which is several times faster than a byte loop over a large file. The table is
     * filled in one pass, grown in place (it is the arena's last allocation) as needed. */
    bool has_cr = len > 0 && memchr(text, '\r', len) != NULL;
    uint32_t n = 0, cap = 64;
    s->line_start = arena_alloc(sm->arena, cap * sizeof *s->line_start);
    if (!s->path || !s->text || !s->line_start)
        return NULL;
    s->line_start[n++] = 0;
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
            uint32_t *v = arena_realloc(sm->arena, s->line_start, cap * sizeof *v,
                                        (size_t)cap * 2 * sizeof *v);
            if (!v)
                return NULL;
            s->line_start = v;
            cap *= 2;
        }
        s->line_start[n++] = (uint32_t)(i + 1);
    }
    s->nlines = n;
added:
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
    uint32_t lo = 0, hi = s->nlines; /* find the last line_start <= off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->line_start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = off - s->line_start[lo] + 1;
}

const char *source_line_text(const struct source *s, uint32_t line, uint32_t *len)
{
    if (line == 0 || line > s->nlines) {
        *len = 0;
        return "";
    }
    uint32_t b = s->line_start[line - 1];
    uint32_t e = line < s->nlines ? s->line_start[line] : s->len;
    while (e > b && (s->text[e - 1] == '\n' || s->text[e - 1] == '\r'))
        e--;
    *len = e - b;
    return s->text + b;
}
