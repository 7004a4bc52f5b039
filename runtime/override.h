/* -O overrides of the main package's syntax tree (runtime/override.c). Internal. */
#ifndef SCL_RUNTIME_OVERRIDE_H
#define SCL_RUNTIME_OVERRIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "lang/source.h"

struct ast;

enum override_op { OV_OVERRIDE, OV_UNION, OV_INSERT, OV_DELETE };

struct override {
    const char **segs; /* a.b["c.d"] -> "a", "b", "c.d" */
    uint32_t nsegs;
    enum override_op op;
    struct ast *value; /* NULL for OV_DELETE */
};

/* false: not a valid spec (a syntax error in the value is recorded in d). */
bool override_parse(struct arena *a, struct source_map *sm, struct diags *d, const char *spec,
                    struct override *out);
/* Applies o to the main package's files; false on memory exhaustion. */
bool override_apply(struct arena *a, struct ast **modules, size_t nmodules,
                    const struct override *o);

#endif
