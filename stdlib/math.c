/* The math system module (spec §5.2): rounding, number tests, exponentials and logarithms. */
#include "config.h"

#include <math.h>
#include <stdint.h>

#include "stdlib/stdlib.h"

/* {===== arguments */

/* A number argument: true with *i for int/bool, false with *f for float/unit values. */
static bool math_num(struct vm *vm, const struct callargs *a, uint32_t idx, const char *name,
                     const char *fname, int64_t *i, double *f)
{
    struct value v;
    if (!arg_get(vm, a, idx, name, &v))
        vm_raise(vm, "%s() missing required positional argument: '%s'", fname, name);
    switch (v.tag) {
    case V_INT:
    case V_BOOL:
        *i = v.as.i;
        return true;
    case V_FLOAT:
        *f = v.as.f;
        return false;
    case V_UNIT:
        *f = v_unit_float(v);
        return false;
    default:
        vm_type_error(vm, "%s() argument '%s' must be int or float, not '%s'", fname, name,
                      v_type_name(v));
    }
}

static double math_float(struct vm *vm, const struct callargs *a, uint32_t idx, const char *name,
                         const char *fname)
{
    int64_t i;
    double f;
    if (math_num(vm, a, idx, name, fname, &i, &f))
        return (double)i;
    return f;
}

static struct value math_to_int(struct vm *vm, double f, const char *fname)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
        vm_raise(vm, "%s() cannot convert %g to an integer", fname, f);
    return v_int((int64_t)f);
}

/* {===== rounding and integers */

static struct value math_ceil(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "ceil", 1, 1);
    int64_t i;
    double f;
    if (math_num(vm, a, 0, "x", "ceil", &i, &f))
        return v_int(i);
    return math_to_int(vm, ceil(f), "ceil");
}

static struct value math_floor(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "floor", 1, 1);
    int64_t i;
    double f;
    if (math_num(vm, a, 0, "x", "floor", &i, &f))
        return v_int(i);
    return math_to_int(vm, floor(f), "floor");
}

static struct value math_factorial(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "factorial", 1, 1);
    int64_t i;
    double f;
    bool is_int = math_num(vm, a, 0, "x", "factorial", &i, &f);
    if (!is_int) {
        if (!(f >= 0.0 && f < 9223372036854775808.0 && (double)(int64_t)f == f))
            vm_raise(vm, "factorial() only accepts integral values");
        i = (int64_t)f;
    } else if (i < 0) {
        vm_raise(vm, "factorial() only accepts integral values");
    }
    if (i >= 21) /* 21! exceeds int64 */
        vm_raise(vm, "factorial() result overflow");
    int64_t r = 1;
    for (int64_t k = 2; k <= i; k++)
        r *= k;
    return is_int ? v_int(r) : v_float((double)r);
}

static struct value math_gcd(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "gcd", 2, 2);
    struct value va, vb;
    arg_get(vm, a, 0, "a", &va);
    arg_get(vm, a, 1, "b", &vb);
    int64_t x = arg_int(vm, va, "gcd() argument 'a'");
    int64_t y = arg_int(vm, vb, "gcd() argument 'b'");
    /* work on magnitudes as unsigned so that INT64_MIN is fine */
    uint64_t ux = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    uint64_t uy = y < 0 ? 0 - (uint64_t)y : (uint64_t)y;
    while (uy) {
        uint64_t t = ux % uy;
        ux = uy;
        uy = t;
    }
    if (ux > INT64_MAX)
        vm_raise(vm, "gcd() result overflow");
    return v_int((int64_t)ux);
}

/* {===== number tests */

static struct value math_isfinite(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "isfinite", 1, 1);
    int64_t i;
    double f;
    if (math_num(vm, a, 0, "x", "isfinite", &i, &f))
        return v_bool(true);
    return v_bool(isfinite(f));
}

static struct value math_isinf(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "isinf", 1, 1);
    int64_t i;
    double f;
    if (math_num(vm, a, 0, "x", "isinf", &i, &f))
        return v_bool(false);
    return v_bool(isinf(f));
}

static struct value math_isnan(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "isnan", 1, 1);
    int64_t i;
    double f;
    if (math_num(vm, a, 0, "x", "isnan", &i, &f))
        return v_bool(false);
    return v_bool(isnan(f));
}

/* modf(x) -> [fractional part, integral part], both floats. */
static struct value math_modf(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "modf", 1, 1);
    int64_t i;
    double f, ip, fp;
    if (math_num(vm, a, 0, "x", "modf", &i, &f)) {
        fp = 0.0;
        ip = (double)i;
    } else if (isinf(f)) {
        fp = copysign(0.0, f);
        ip = f;
    } else {
        fp = modf(f, &ip);
    }
    struct list *l = list_new(vm, 2);
    list_push(vm, l, v_float(fp));
    list_push(vm, l, v_float(ip));
    return v_list(l);
}

/* {===== exponentials, logarithms, powers: always float */

static struct value math_exp(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "exp", 1, 1);
    return v_float(exp(math_float(vm, a, 0, "x", "exp")));
}

static struct value math_expm1(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "expm1", 1, 1);
    return v_float(expm1(math_float(vm, a, 0, "x", "expm1")));
}

/* log(x, base=e) is ln(x) / ln(base), as KCL computes it. */
static struct value math_log(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "log", 1, 2);
    double x = math_float(vm, a, 0, "x", "log");
    double base = 2.718281828459045; /* e */
    struct value vb;
    if (arg_get(vm, a, 1, "base", &vb))
        base = math_float(vm, a, 1, "base", "log");
    return v_float(log(x) / log(base));
}

/* KCL's log1p(x) is ln_1p(x + 1), i.e. ln(x + 2); kept for identical results. */
static struct value math_log1p(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "log1p", 1, 1);
    int64_t i;
    double f;
    if (math_num(vm, a, 0, "x", "log1p", &i, &f))
        f = (double)i + 1.0;
    else
        f = f + 1.0;
    return v_float(log1p(f));
}

static struct value math_log2(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "log2", 1, 1);
    return v_float(log2(math_float(vm, a, 0, "x", "log2")));
}

static struct value math_log10(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "log10", 1, 1);
    return v_float(log10(math_float(vm, a, 0, "x", "log10")));
}

static struct value math_pow(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "pow", 2, 2);
    double x = math_float(vm, a, 0, "x", "pow");
    double y = math_float(vm, a, 1, "y", "pow");
    return v_float(pow(x, y));
}

static struct value math_sqrt(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "sqrt", 1, 1);
    return v_float(sqrt(math_float(vm, a, 0, "x", "sqrt")));
}

static const struct native_def math_fns[] = {
    {"ceil", math_ceil},         {"exp", math_exp},
    {"expm1", math_expm1},       {"factorial", math_factorial},
    {"floor", math_floor},       {"gcd", math_gcd},
    {"isfinite", math_isfinite}, {"isinf", math_isinf},
    {"isnan", math_isnan},       {"log", math_log},
    {"log10", math_log10},       {"log1p", math_log1p},
    {"log2", math_log2},         {"modf", math_modf},
    {"pow", math_pow},           {"sqrt", math_sqrt},
};

const struct stdlib_module stdlib_mod_math = {"math", math_fns,
                                              sizeof math_fns / sizeof math_fns[0], NULL};
