/* The units system module (spec §5.2): SI and IEC multiplier constants and to_<unit>(num),
 * which renders a number in a unit, truncated toward zero as KCL does ("1Ki", "100m"). */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "stdlib/stdlib.h"

struct units_def {
    const char *name; /* suffix, also the constant's name */
    double factor;    /* divisor of to_<name>() */
    int64_t ival;     /* the constant when integral, else 0 (n, u, m are floats) */
};

static const struct units_def units_table[] = {
    {"n", 1e-09, 0},
    {"u", 1e-06, 0},
    {"m", 0.001, 0},
    {"k", 1e3, 1000},
    {"K", 1e3, 1000},
    {"M", 1e6, 1000000},
    {"G", 1e9, 1000000000},
    {"T", 1e12, 1000000000000},
    {"P", 1e15, 1000000000000000},
    {"Ki", 1024.0, 1024},
    {"Mi", 1024.0 * 1024.0, 1048576},
    {"Gi", 1024.0 * 1024.0 * 1024.0, 1073741824},
    {"Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0, 1099511627776},
    {"Pi", 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0, 1125899906842624},
};

enum { U_N, U_U, U_M, U_k, U_K, U_MEGA, U_G, U_T, U_P, U_KI, U_MI, U_GI, U_TI, U_PI };

static void units_consts(struct vm *vm, struct dict *members)
{
    for (size_t i = 0; i < sizeof units_table / sizeof units_table[0]; i++) {
        const struct units_def *u = &units_table[i];
        dict_set(vm, members, str_cstr(vm, u->name), u->ival ? v_int(u->ival) : v_float(u->factor));
    }
}

/* Rust's `f as i64`: truncation, saturating at the limits, NaN as 0. */
static int64_t units_trunc(double f)
{
    if (isnan(f))
        return 0;
    if (f >= 9223372036854775807.0)
        return INT64_MAX;
    if (f <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

static struct value units_to(struct vm *vm, const struct callargs *a, unsigned unit)
{
    const struct units_def *u = &units_table[unit];
    char fname[8];
    snprintf(fname, sizeof fname, "to_%s", u->name);
    arg_count(vm, a, fname, 1, 1);
    struct value v;
    if (!arg_get(vm, a, 0, "num", &v))
        vm_raise(vm, "%s() missing 1 required positional argument: 'num'", fname);
    double num = arg_num(vm, v, "argument 'num'");
    return v_str(str_fmt(vm, "%lld%s", (long long)units_trunc(num / u->factor), u->name));
}

#define UNITS_TO(fn, unit)                                                                         \
    static struct value fn(struct vm *vm, const struct callargs *a)                                \
    {                                                                                              \
        return units_to(vm, a, unit);                                                              \
    }
UNITS_TO(units_to_n, U_N)
UNITS_TO(units_to_u, U_U)
UNITS_TO(units_to_m, U_M)
UNITS_TO(units_to_K, U_K)
UNITS_TO(units_to_M, U_MEGA)
UNITS_TO(units_to_G, U_G)
UNITS_TO(units_to_T, U_T)
UNITS_TO(units_to_P, U_P)
UNITS_TO(units_to_Ki, U_KI)
UNITS_TO(units_to_Mi, U_MI)
UNITS_TO(units_to_Gi, U_GI)
UNITS_TO(units_to_Ti, U_TI)
UNITS_TO(units_to_Pi, U_PI)

/* KCL has no to_k(). */
static const struct native_def units_fns[] = {
    {"to_G", units_to_G}, {"to_Gi", units_to_Gi}, {"to_K", units_to_K}, {"to_Ki", units_to_Ki},
    {"to_M", units_to_M}, {"to_Mi", units_to_Mi}, {"to_P", units_to_P}, {"to_Pi", units_to_Pi},
    {"to_T", units_to_T}, {"to_Ti", units_to_Ti}, {"to_m", units_to_m}, {"to_n", units_to_n},
    {"to_u", units_to_u},
};

const struct stdlib_module stdlib_mod_units = {
    "units", units_fns, sizeof units_fns / sizeof units_fns[0], units_consts};
