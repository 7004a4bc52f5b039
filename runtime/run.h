/* What the library's own tools (lint.c, testing.c) reach inside a run (api.c). */
#ifndef SCL_RUNTIME_RUN_H
#define SCL_RUNTIME_RUN_H

#include <stddef.h>

#include "lang/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/source.h"
#include "scl.h"

/* Added file 'i': its syntax tree (NULL before scl_run_parse) and, through *src, its source;
 * both borrowed until scl_run_free. NULL past the end. */
struct ast *run_file_module(scl_run *run, size_t i, const struct source **src);
/* The run's diagnostics and arena (borrowed until scl_run_free). */
struct diags *run_diags(scl_run *run);
struct arena *run_arena(scl_run *run);

#endif
