/* struct vm: the state of one evaluation. Internal to runtime/ and stdlib/. */
#ifndef SCL_RUNTIME_VM_IMPL_H
#define SCL_RUNTIME_VM_IMPL_H

#include <setjmp.h>
#include <stdint.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "runtime/value.h"
#include "runtime/vm.h"

typedef int (*vm_write_fn)(void *ud, const char *buf, size_t len);

struct vm_jmp {
    struct vm_jmp *prev;
    jmp_buf buf;
};

struct eval; /* evaluator state (eval.c) */

struct vm {
    struct arena *arena;   /* borrowed: the run's arena */
    struct diags *diags;   /* borrowed: where raised errors are recorded */
    struct vm_jmp *jmp;    /* innermost protected call */
    struct span span;      /* location of the expression being evaluated */
    struct str_table strs; /* interned strings */
    vm_write_fn out_w;     /* print() */
    void *out_ud;
    unsigned flags;        /* SCL_EMIT_* | SCL_RUN_* */
    unsigned depth, max_depth; /* call/recursion depth and its limit */
    struct eval *ev;       /* NULL in unit tests */
    struct diag *last_error; /* set by vm_raise* */
    uintptr_t stack_base;    /* stack address at the outermost protected call */
    size_t stack_limit;      /* bytes of C stack evaluation may use below it */
};

/* Deep recursion (nested expressions, recursive lambdas and schemas) stops with an error
 * before the C stack runs out. */
static inline void vm_check_stack(struct vm *vm)
{
    char here;
    if (vm->stack_base - (uintptr_t)&here > vm->stack_limit)
        vm_raise(vm, "maximum recursion depth exceeded");
}

void vm_init(struct vm *vm, struct arena *arena, struct diags *diags);

/* Protected call: runs fn(vm, ud); returns true when it completed, false when an error
 * was raised (recorded in vm->diags, vm->last_error). */
bool vm_protect(struct vm *vm, void (*fn)(struct vm *vm, void *ud), void *ud);

#endif
