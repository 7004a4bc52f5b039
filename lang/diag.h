/* Diagnostics as data (code, kind, message, spans, notes) and their rendering in
 * KCL's layout:
 *
 *   error[E1001]: InvalidSyntax
 *    --> /abs/main.k:3:4
 *     |
 *   3 |    age: int
 *     |    ^ invalid indentation with 3 spaces, ...
 *     |
 */
#ifndef SCL_LANG_DIAG_H
#define SCL_LANG_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "lang/arena.h"
#include "lang/source.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING };

/* One located message: the source line of 'span' is shown, then a caret under its start
 * column and 'msg' (or, when 'caret' is false, the message alone, as run-time errors are). */
struct diag_label {
    struct span span;
    const char *msg;
    bool caret;
};

struct diag {
    enum diag_level level;
    const char *code;    /* "E1001", "E2G22", ... (static) */
    const char *kind;    /* "InvalidSyntax", "TypeError", ... (static) */
    const char *message; /* the primary label's message */
    struct diag_label *labels; /* labels[0] is the primary location */
    unsigned nlabels;
    const char **notes;
    unsigned nnotes;
};

/* A growing list of diagnostics; every string lives in 'arena'. */
struct diags {
    struct arena *arena; /* borrowed */
    struct diag **v;
    unsigned n, cap;
    unsigned nerrors;
};

void diags_init(struct diags *d, struct arena *arena);

/* Records an error/warning with its primary label; returns it so that callers can add more
 * labels or notes. NULL on memory exhaustion (the diagnostic is then dropped). */
struct diag *diags_add(struct diags *d, enum diag_level level, const char *code, const char *kind,
                       struct span span, bool caret, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
struct diag *diags_vadd(struct diags *d, enum diag_level level, const char *code, const char *kind,
                        struct span span, bool caret, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
/* Adds a secondary label to 'g'. */
void diag_add_label(struct diags *d, struct diag *g, struct span span, bool caret, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));
void diag_add_note(struct diags *d, struct diag *g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Output sink: returns non-zero to stop. */
typedef int (*diag_write_fn)(void *ud, const char *buf, size_t len);

/* Text in KCL's layout; json != 0 gives one JSON object per diagnostic instead. */
int diag_render(const struct diag *g, const struct source_map *sm, int json, diag_write_fn w,
                void *ud);

/* Formats into the arena (vsnprintf semantics); NULL on memory exhaustion. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
