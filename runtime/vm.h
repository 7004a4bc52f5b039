/* The evaluation state of one run, as seen by runtime modules and the standard library:
 * allocation, errors (which unwind to the API boundary), native functions. */
#ifndef SCL_RUNTIME_VM_H
#define SCL_RUNTIME_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/source.h"
#include "runtime/value.h"

struct vm;

/* Arguments of a call: positional values, then keyword arguments (names interned). */
struct callargs {
    const struct value *pos;
    uint32_t npos;
    struct str *const *kwnames;
    const struct value *kw;
    uint32_t nkw;
    struct span span; /* the call expression */
    struct value self; /* the receiver of a bound method ("a,b".split), else Undefined */
};

typedef struct value (*native_fn)(struct vm *vm, const struct callargs *a);

enum func_kind { FN_NATIVE, FN_LAMBDA, FN_BOUND };

struct func {
    uint8_t kind;       /* enum func_kind */
    const char *name;   /* for messages: "len", "str.upper", "lambda" */
    native_fn native;   /* FN_NATIVE, FN_BOUND */
    struct value self;  /* FN_BOUND: the receiver ("abc".upper) */
    const void *lambda; /* FN_LAMBDA: struct ast * of the lambda */
    void *closure;      /* FN_LAMBDA: captured scope (eval.c) */
    void *pkg;          /* FN_LAMBDA: defining package (eval.c) */
    uint32_t pkg_file;  /* FN_LAMBDA: index of the defining file in 'pkg' */
};

/* {===== memory: every allocation lives until the run is freed; never returns NULL
 * (memory exhaustion raises SCL_ELIMIT/SCL_ENOMEM through vm_raise). */
void *vm_alloc(struct vm *vm, size_t n);
void *vm_zalloc(struct vm *vm, size_t n);
void *vm_realloc(struct vm *vm, void *p, size_t old_n, size_t new_n);
/* A block that grows and is freed on its own, outside the arena's chunks (arena_buf_resize):
 * for tables replaced as they grow, which would otherwise leave each old copy behind.
 * new_n 0 frees it (and returns NULL). */
void *vm_buf_resize(struct vm *vm, void *p, size_t old_n, size_t new_n);

/* {===== errors: unwind to the API boundary, never return */
_Noreturn void vm_raise(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void vm_raise_at(struct vm *vm, struct span span, const char *code, const char *kind,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));
_Noreturn void vm_vraise_at(struct vm *vm, struct span span, const char *code, const char *kind,
                            const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
/* "expect T, got U" style type errors at the current span (E3M38 EvaluationError, as KCL
 * reports every run-time failure). */
_Noreturn void vm_type_error(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct span vm_current_span(const struct vm *vm);
/* Raises a diagnostic already recorded in the run's list (several labels, notes). */
struct diag;
_Noreturn void vm_throw_diag(struct vm *vm, struct diag *g);

/* {===== calling */
struct value vm_call(struct vm *vm, struct value fn, const struct value *args, uint32_t nargs);
struct func *vm_native(struct vm *vm, const char *name, native_fn fn);
struct value vm_bound(struct vm *vm, const char *name, native_fn fn, struct value self);

/* Argument helpers: the i-th positional or the keyword 'name'; *out untouched when absent.
 * Raise on a missing required argument or too many arguments. */
bool arg_get(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
             struct value *out);
void arg_count(struct vm *vm, const struct callargs *a, const char *fname, uint32_t min,
               uint32_t max);
/* The argument or an error naming 'fname' when it is missing. */
struct value arg_need(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                      const char *fname);
/* A required str argument: missing or of another kind is an error naming 'fname'. */
struct str *arg_need_str(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                         const char *fname);
/* An optional bool argument (absent, None or Undefined: false); other kinds are type errors. */
bool arg_opt_bool(struct vm *vm, const struct callargs *a, uint32_t i, const char *name);
int64_t arg_int(struct vm *vm, struct value v, const char *what);
double arg_num(struct vm *vm, struct value v, const char *what);
struct str *arg_str(struct vm *vm, struct value v, const char *what);

/* {===== output of print() and run options */
void vm_write_stdout(struct vm *vm, const char *s, size_t n);
unsigned vm_flags(const struct vm *vm);

/* {===== conversions used across modules (fmt.c) */
/* str(x) as KCL prints it (§3.4). */
struct str *v_to_str(struct vm *vm, struct value v);
/* Shortest round-trip float text. exp_form: YAML/JSON style (1e16, 1.5e-7) when the decimal
 * exponent is outside -5..15; otherwise always plain (str()). Writes at most 400 bytes. */
size_t fmt_float(double f, bool exp_form, char *buf, size_t cap);
/* Runtime JSON text (§6.3): indent 0 is one line with ", " and ": ". */
struct str *v_to_json(struct vm *vm, struct value v, int indent, bool sort_keys,
                      bool ignore_private, bool ignore_none);
/* YAML text of one value (§6.1), with its trailing newline. */
struct str *v_to_yaml(struct vm *vm, struct value v, bool sort_keys, bool ignore_private,
                      bool ignore_none);

/* {===== provided by the evaluator (eval.c) for the system modules */
/* Directory of the module root (where kcl.mod is, else the main package's directory), for
 * file.modpath(); NULL or "" when unknown. Borrowed until the run is freed. */
const char *vm_module_root(struct vm *vm);
/* Path of the file whose code is running, for file.current(); NULL or "" when unknown. */
const char *vm_current_file(struct vm *vm);
/* a | b with the language's union semantics, schemas included (collection.union_all). */
struct value v_union(struct vm *vm, struct value a, struct value b);

#endif
