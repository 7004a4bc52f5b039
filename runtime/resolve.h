/* Compile-time checks of a package before it runs (spec §3.8 "compile time"): errors are
 * recorded, all of them, in source order; nothing is evaluated when there is one. */
#ifndef SCL_RUNTIME_RESOLVE_H
#define SCL_RUNTIME_RESOLVE_H

#include "runtime/eval.h"

/* Checks package 'p' (its files are added, nothing has run). Returns the number of errors
 * recorded in ev->vm->diags. Never raises. */
unsigned resolve_pkg(struct eval *ev, struct pkg *p);

#endif
