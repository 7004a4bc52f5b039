/* The standard library's registration tables: builtin functions (spec §5.1), str methods
 * (§3.4) and system modules (§5.2). The evaluator knows nothing else of stdlib/. */
#ifndef SCL_STDLIB_STDLIB_H
#define SCL_STDLIB_STDLIB_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/value.h"
#include "runtime/vm.h"

struct native_def {
    const char *name;
    native_fn fn;
};

/* Builtin functions always in scope (option() is the evaluator's own). Sorted by name. */
const struct native_def *stdlib_builtins(size_t *n);

/* Binds a call's arguments to the 'n' (<= 32) parameters 'names': positional ones first,
 * then keywords by name. out[i] is Undefined for an absent parameter. Returns the mask of
 * the parameters given (bit i: names[i]). Raises on too many positional arguments, an unknown
 * or repeated keyword, or when one of the first 'nreq' parameters is missing. */
uint32_t stdlib_bind(struct vm *vm, const struct callargs *a, const char *fname,
                     const char *const *names, uint32_t n, uint32_t nreq, struct value *out);
/* The str method 'name' (receiver in callargs via FN_BOUND self), or NULL. */
native_fn stdlib_str_method(const char *name, size_t len);

struct stdlib_module {
    const char *name;              /* "math", "json", ... */
    const struct native_def *fns;  /* functions of the module */
    size_t nfns;
    /* Adds the module's constants (e.g. units.Ki) to 'members'; may be NULL. */
    void (*consts)(struct vm *vm, struct dict *members);
};

/* Writes 'text' to 'filename' (dump_to_file of json and yaml); raises with the OS error. */
void stdlib_write_file(struct vm *vm, const char *filename, const struct str *text);

/* The system module 'name' or NULL. */
const struct stdlib_module *stdlib_module(const char *name);

/* The modules' tables, one per file (stdlib/<name>.c), gathered by modules.c. */
extern const struct stdlib_module stdlib_mod_math, stdlib_mod_json, stdlib_mod_yaml,
    stdlib_mod_base64, stdlib_mod_base32, stdlib_mod_regex, stdlib_mod_crypto, stdlib_mod_units,
    stdlib_mod_datetime, stdlib_mod_net, stdlib_mod_file, stdlib_mod_template,
    stdlib_mod_collection;


#endif
