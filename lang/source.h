/* Source files: text, display path and the line table used to turn byte offsets into
 * line:col when (and only when) a diagnostic is rendered. */
#ifndef SCL_LANG_SOURCE_H
#define SCL_LANG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/arena.h"

/* A byte range [lo, hi) of one source file. file 0 means "no location". */
struct span {
    uint32_t file, lo, hi;
};

struct source {
    uint32_t id;      /* index + 1 in its source_map */
    const char *path; /* as displayed in diagnostics (absolute when known) */
    const char *text; /* NUL-terminated; owned by the map's arena */
    uint32_t len;
    uint64_t digest;  /* hash of the text, set by the module cache (0: none) */
    uint32_t *line_start; /* offsets of each line's first byte: made on first use (only a
                             diagnostic needs it), read it through source_lines */
    uint32_t nlines;
    struct arena *arena;  /* where the table is made */
};

struct source_map {
    struct arena *arena; /* borrowed: holds every source and table */
    struct source **v;
    uint32_t n, cap;
    uint32_t base;       /* ids are base + 1, base + 2, ... (v[i] has id base + i + 1; an
                            id given to source_map_add_at may leave NULL entries before it) */
    const struct source_map *shared; /* ids above shared->base live there (a context's
                                        cache of parsed modules, outliving runs) */
};

/* The id base of a context's shared map: run maps count from 0 and stay below it. */
enum { SOURCE_SHARED_BASE = 0x40000000 };

void source_map_init(struct source_map *sm, struct arena *arena);
/* Copies path and text. NULL on memory exhaustion or text over 4 GiB. */
struct source *source_map_add(struct source_map *sm, const char *path, const char *text, size_t len);
/* Copies path only: 'text' (NUL-terminated at 'len') is used where it is and must live as
 * long as the map (a file already read into the map's arena). */
struct source *source_map_add_owned(struct source_map *sm, const char *path, const char *text,
                                    size_t len);
/* At the given id (above the map's base), which the trees of a cached pack carry in their
 * spans; 'copy' as for the two above. 'lines' (nlines offsets, or NULL: computed) is the line
 * table, used where it is. NULL when the id is taken or on exhaustion. */
struct source *source_map_add_at(struct source_map *sm, uint32_t id, const char *path,
                                 const char *text, size_t len, bool copy, const uint32_t *lines,
                                 uint32_t nlines);
/* Whether a source of the map has the id. */
bool source_map_taken(const struct source_map *sm, uint32_t id);
const struct source *source_map_get(const struct source_map *sm, uint32_t file);

/* The line table (offsets of each line's first byte; *n >= 1), made on first use. */
const uint32_t *source_lines(const struct source *s, uint32_t *n);
/* 1-based line and column (column counts bytes) of byte offset 'off'. */
void source_line_col(const struct source *s, uint32_t off, uint32_t *line, uint32_t *col);
/* Text of 1-based line 'line' without its terminator. */
const char *source_line_text(const struct source *s, uint32_t line, uint32_t *len);

static inline struct span span_join(struct span a, struct span b)
{
    struct span s = {a.file, a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi};
    return s;
}

#endif
