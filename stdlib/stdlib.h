/* The standard library's registration tables: builtin functions (spec §5.1), str methods
 * (§3.4) and system modules (§5.2). The evaluator knows nothing else of stdlib/. */
#ifndef SCL_STDLIB_STDLIB_H
#define SCL_STDLIB_STDLIB_H

#include <stddef.h>

#include "runtime/value.h"
#include "runtime/vm.h"

struct native_def {
    const char *name;
    native_fn fn;
};

/* Builtin functions always in scope (option() is the evaluator's own). Sorted by name. */
const struct native_def *stdlib_builtins(size_t *n);
/* The str method 'name' (receiver in callargs via FN_BOUND self), or NULL. */
native_fn stdlib_str_method(const char *name, size_t len);

struct stdlib_module {
    const char *name;              /* "math", "json", ... */
    const struct native_def *fns;  /* functions of the module */
    size_t nfns;
    /* Adds the module's constants (e.g. units.Ki) to 'members'; may be NULL. */
    void (*consts)(struct vm *vm, struct dict *members);
};

/* The system module 'name' or NULL. */
const struct stdlib_module *stdlib_module(const char *name);


#endif
