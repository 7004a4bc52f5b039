/* The source formatter (scl fmt): prints a parsed module again in KCL's layout
 * (spec/tools.md §1), keeping every comment. */
#ifndef SCL_LANG_FORMAT_H
#define SCL_LANG_FORMAT_H

#include <stddef.h>

#include "lang/ast.h"
#include "lang/parse.h"
#include "lang/source.h"

struct format_opts {
    unsigned indent_width; /* spaces per level; 0: 4 */
    int use_tabs;          /* one TAB per level */
};

/* Formats 'module' (parsed from 'src' without syntax errors; 'comments' from the same
 * parse). On success *out is a malloc'ed buffer of *len bytes (the caller frees it) and
 * true is returned; false on memory exhaustion. */
bool format_module(const struct ast *module, const struct source *src,
                   const struct comments *comments, const struct format_opts *opts, char **out,
                   size_t *len);

/* Rust's Display of an f64 (shortest round trip, never an exponent): 1.0 -> "1",
 * 1e10 -> "10000000000", 0.5 -> "0.5". Writes at most 'cap' bytes with a NUL; returns the
 * length. */
size_t format_float(double v, char *buf, size_t cap);

#endif
