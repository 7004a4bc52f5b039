/* struct vm: the state of one evaluation. Internal to runtime/ and stdlib/. */
#ifndef SCL_RUNTIME_VM_IMPL_H
#define SCL_RUNTIME_VM_IMPL_H

#include <setjmp.h>
#include <stdatomic.h>
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
    /* limits (scl_run_set_limits): polled at calls and loop back-edges by vm_poll */
    int poll_left;               /* polls until the next vm_poll_slow */
    atomic_int *interrupt;       /* the context's scl_ctx_interrupt flag, or NULL */
    uint64_t time_ms;            /* time budget; 0: none */
    uint64_t deadline_ns;        /* CLOCK_MONOTONIC end of the budget; 0: none */
    size_t out_limit, out_used;  /* output budget (print and the writers); 0: none */
    bool limit_hit;              /* the last error was a limit (SCL_ELIMIT) */
    int8_t yaml_writer;          /* emit_yaml.c: 0 until SCL_YAML_WRITER is read */
    char *dict_cur, *dict_end;   /* dict.c: the piece of the arena dict blocks are cut from */
    struct rx_cache *rx_cache;   /* stdlib/regex.c: the patterns this run keeps compiled */
};

/* Polls between the slow checks (interrupt flag, clock): a few microseconds of work at most. */
#define VM_POLL_EVERY 1024

void vm_poll_slow(struct vm *vm);

/* Called at calls and loop back-edges: a counter decrement; every VM_POLL_EVERY polls it
 * checks the interrupt flag and the time budget and raises a limit error when either is up. */
static inline void vm_poll(struct vm *vm)
{
    if (--vm->poll_left <= 0)
        vm_poll_slow(vm);
}

/* Starts the time budget (at the start of an evaluation). */
void vm_start_clock(struct vm *vm);

/* A limit error (E3M38 EvaluationError at the current span): the run ends with SCL_ELIMIT. */
_Noreturn void vm_raise_limit(struct vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Counts n bytes of output against the budget; raises when it is exceeded. */
void vm_count_output(struct vm *vm, size_t n);

/* Deep recursion (nested expressions, recursive lambdas and schemas) stops with an error
 * before the C stack runs out. */
static inline void vm_check_stack(struct vm *vm)
{
    char here;
    if (vm->stack_base - (uintptr_t)&here > vm->stack_limit)
        vm_raise_limit(vm, "maximum recursion depth exceeded");
}

void vm_init(struct vm *vm, struct arena *arena, struct diags *diags);

/* What vm_alloc raises when the arena fails: the memory budget's limit error when the run
 * has reached it, else "out of memory". */
_Noreturn void vm_oom(struct vm *vm);

/* Protected call: runs fn(vm, ud); returns true when it completed, false when an error
 * was raised (recorded in vm->diags, vm->last_error). */
bool vm_protect(struct vm *vm, void (*fn)(struct vm *vm, void *ud), void *ud);

#endif
