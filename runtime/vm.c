/* The vm: allocation, raising errors, protected calls, argument helpers. */
#include "config.h"

#include "runtime/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/vm_impl.h"
#include "scl.h"

void vm_init(struct vm *vm, struct arena *arena, struct diags *diags)
{
    memset(vm, 0, sizeof *vm);
    vm->arena = arena;
    vm->diags = diags;
    vm->max_depth = SCL_DEFAULT_DEPTH;
    vm->stack_limit = (size_t)6 << 20;
    vm->poll_left = VM_POLL_EVERY;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vm_start_clock(struct vm *vm)
{
    vm->limit_hit = false;
    vm->poll_left = VM_POLL_EVERY;
    vm->deadline_ns = vm->time_ms ? now_ns() + vm->time_ms * 1000000u : 0;
}

void vm_raise_limit(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vm->limit_hit = true;
    vm_vraise_at(vm, vm->span, "E3M38", "EvaluationError", fmt, ap);
}

void vm_poll_slow(struct vm *vm)
{
    vm->poll_left = VM_POLL_EVERY;
    /* pending until a run sees it: a run that starts after the call stops at once */
    if (vm->interrupt && atomic_load_explicit(vm->interrupt, memory_order_relaxed) &&
        atomic_exchange(vm->interrupt, 0))
        vm_raise_limit(vm, "evaluation was interrupted");
    if (vm->deadline_ns && now_ns() >= vm->deadline_ns)
        vm_raise_limit(vm, "evaluation exceeded its time budget of %.*f s",
                       vm->time_ms % 100 ? 3 : 1, (double)vm->time_ms / 1000.0);
}

void vm_count_output(struct vm *vm, size_t n)
{
    if (vm->out_limit && n > vm->out_limit - vm->out_used)
        vm_raise_limit(vm, "output exceeded its size budget of %zu bytes", vm->out_limit);
    vm->out_used += n;
}

bool vm_protect(struct vm *vm, void (*fn)(struct vm *vm, void *ud), void *ud)
{
    struct vm_jmp j;
    if (!vm->jmp)
        vm->stack_base = (uintptr_t)&j;
    j.prev = vm->jmp;
    vm->jmp = &j;
    volatile unsigned depth = vm->depth;
    if (setjmp(j.buf) == 0) {
        fn(vm, ud);
        vm->jmp = j.prev;
        return true;
    }
    vm->jmp = j.prev;
    vm->depth = depth;
    return false;
}

static _Noreturn void vm_throw(struct vm *vm)
{
    if (!vm->jmp) {
        /* an error outside any protected call is a bug in the runtime */
        fputs("scl: internal error: error raised outside a protected call\n", stderr);
        abort();
    }
    longjmp(vm->jmp->buf, 1);
}

void vm_throw_diag(struct vm *vm, struct diag *g)
{
    vm->last_error = g;
    vm_throw(vm);
}

_Noreturn void vm_oom(struct vm *vm)
{
    struct arena *a = vm->arena;
    if (a->over) {
        size_t budget = a->limit;
        a->over = 0;
        a->limit += (size_t)1 << 20; /* room to record the diagnostic and unwind */
        if (budget >= (size_t)1 << 20 && budget % ((size_t)1 << 20) == 0)
            vm_raise_limit(vm, "evaluation exceeded its memory budget of %zu MiB", budget >> 20);
        vm_raise_limit(vm, "evaluation exceeded its memory budget of %zu bytes", budget);
    }
    vm_raise_at(vm, vm->span, "E3M38", "EvaluationError", "out of memory");
}

void *vm_alloc(struct vm *vm, size_t n)
{
    void *p = arena_alloc(vm->arena, n);
    if (!p)
        vm_oom(vm);
    return p;
}

void *vm_zalloc(struct vm *vm, size_t n)
{
    void *p = arena_zalloc(vm->arena, n);
    if (!p)
        vm_oom(vm);
    return p;
}

void *vm_buf_resize(struct vm *vm, void *p, size_t old_n, size_t new_n)
{
    void *q = arena_buf_resize(vm->arena, p, old_n, new_n);
    if (!q && new_n)
        vm_oom(vm);
    return q;
}

void *vm_realloc(struct vm *vm, void *p, size_t old_n, size_t new_n)
{
    void *q = arena_realloc(vm->arena, p, old_n, new_n);
    if (!q)
        vm_oom(vm);
    return q;
}

void vm_vraise_at(struct vm *vm, struct span span, const char *code, const char *kind,
                  const char *fmt, va_list ap)
{
    vm->last_error = diags_vadd(vm->diags, DIAG_ERROR, code, kind, span, false, fmt, ap);
    vm_throw(vm);
}

void vm_raise_at(struct vm *vm, struct span span, const char *code, const char *kind,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vm_vraise_at(vm, span, code, kind, fmt, ap);
}

void vm_raise(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vm_vraise_at(vm, vm->span, "E3M38", "EvaluationError", fmt, ap);
}

/* A value of the wrong type met while running: KCL reports every run-time failure, type
 * errors included, as an EvaluationError. */
void vm_type_error(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vm_vraise_at(vm, vm->span, "E3M38", "EvaluationError", fmt, ap);
}

struct span vm_current_span(const struct vm *vm)
{
    return vm->span;
}

void vm_write_stdout(struct vm *vm, const char *s, size_t n)
{
    vm_count_output(vm, n);
    if (vm->out_w)
        vm->out_w(vm->out_ud, s, n);
    else
        fwrite(s, 1, n, stdout);
}

unsigned vm_flags(const struct vm *vm)
{
    return vm->flags;
}

struct func *vm_native(struct vm *vm, const char *name, native_fn fn)
{
    struct func *f = vm_zalloc(vm, sizeof *f);
    f->kind = FN_NATIVE;
    f->name = name;
    f->native = fn;
    return f;
}

struct value vm_bound(struct vm *vm, const char *name, native_fn fn, struct value self)
{
    struct func *f = vm_zalloc(vm, sizeof *f);
    f->kind = FN_BOUND;
    f->name = name;
    f->native = fn;
    f->self = self;
    return v_func(f);
}

bool arg_get(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
             struct value *out)
{
    (void)vm;
    if (i < a->npos) {
        *out = a->pos[i];
        return true;
    }
    if (name) {
        size_t len = strlen(name);
        for (uint32_t k = 0; k < a->nkw; k++) {
            if (a->kwnames[k]->len == len && !memcmp(a->kwnames[k]->b, name, len)) {
                *out = a->kw[k];
                return true;
            }
        }
    }
    return false;
}

void arg_count(struct vm *vm, const struct callargs *a, const char *fname, uint32_t min,
               uint32_t max)
{
    uint32_t n = a->npos + a->nkw;
    if (n < min) {
        if (min == max)
            vm_raise(vm, "%s() takes %u positional argument%s but %u were given", fname, min,
                     min == 1 ? "" : "s", n);
        vm_raise(vm, "%s() missing %u required positional argument%s", fname, min - n,
                 min - n == 1 ? "" : "s");
    }
    if (n > max)
        vm_raise(vm, "%s() takes %u positional argument%s but %u were given", fname, max,
                 max == 1 ? "" : "s", n);
}

struct value arg_need(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                      const char *fname)
{
    struct value v;
    if (!arg_get(vm, a, i, name, &v))
        vm_raise(vm, "%s() missing required positional argument: '%s'", fname, name);
    return v;
}

struct str *arg_need_str(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                         const char *fname)
{
    struct value v = arg_need(vm, a, i, name, fname);
    if (v.tag != V_STR)
        vm_type_error(vm, "%s() argument '%s' must be str, not '%s'", fname, name, v_type_name(v));
    return v.as.s;
}

bool arg_opt_bool(struct vm *vm, const struct callargs *a, uint32_t i, const char *name)
{
    struct value v;
    if (!arg_get(vm, a, i, name, &v) || v_is_null(v))
        return false;
    if (v.tag != V_BOOL)
        vm_type_error(vm, "argument '%s' must be bool, not '%s'", name, v_type_name(v));
    return v.as.i != 0;
}

int64_t arg_int(struct vm *vm, struct value v, const char *what)
{
    if (v.tag == V_INT || v.tag == V_BOOL)
        return v.as.i;
    vm_type_error(vm, "%s must be int, got %s", what, v_type_name(v));
}

double arg_num(struct vm *vm, struct value v, const char *what)
{
    if (v.tag == V_INT || v.tag == V_BOOL)
        return (double)v.as.i;
    if (v.tag == V_FLOAT)
        return v.as.f;
    if (v.tag == V_UNIT)
        return v_unit_float(v);
    vm_type_error(vm, "%s must be a number, got %s", what, v_type_name(v));
}

struct str *arg_str(struct vm *vm, struct value v, const char *what)
{
    if (v.tag == V_STR)
        return v.as.s;
    vm_type_error(vm, "%s must be str, got %s", what, v_type_name(v));
}
