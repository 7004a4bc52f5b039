/* Deep value operations: truthiness, equality, type names, deep copy, unit multipliers. */
#include "config.h"

#include "runtime/value.h"

#include "lang/token.h"
#include "runtime/vm.h"

/* {===== unit suffixes (spec §1.4), indexed by enum unit_suffix */

static const double unit_multipliers[] = {
    [UNIT_NONE] = 1.0,
    [UNIT_n] = 1e-9,
    [UNIT_u] = 1e-6,
    [UNIT_m] = 1e-3,
    [UNIT_k] = 1e3,
    [UNIT_K] = 1e3,
    [UNIT_M] = 1e6,
    [UNIT_G] = 1e9,
    [UNIT_T] = 1e12,
    [UNIT_P] = 1e15,
    [UNIT_Ki] = 1024.0,
    [UNIT_Mi] = 1048576.0,
    [UNIT_Gi] = 1073741824.0,
    [UNIT_Ti] = 1099511627776.0,
    [UNIT_Pi] = 1125899906842624.0,
};

static const char *const unit_names[] = {
    [UNIT_NONE] = "", [UNIT_n] = "n",   [UNIT_u] = "u",   [UNIT_m] = "m",   [UNIT_k] = "k",
    [UNIT_K] = "K",   [UNIT_M] = "M",   [UNIT_G] = "G",   [UNIT_T] = "T",   [UNIT_P] = "P",
    [UNIT_Ki] = "Ki", [UNIT_Mi] = "Mi", [UNIT_Gi] = "Gi", [UNIT_Ti] = "Ti", [UNIT_Pi] = "Pi",
};

#define UNIT_COUNT (sizeof unit_multipliers / sizeof unit_multipliers[0])
_Static_assert(sizeof unit_names / sizeof unit_names[0] == UNIT_COUNT, "one name per unit");

double v_unit_multiplier(unsigned suffix)
{
    return suffix < UNIT_COUNT ? unit_multipliers[suffix] : 1.0;
}

const char *v_unit_suffix_name(unsigned suffix)
{
    return suffix < UNIT_COUNT ? unit_names[suffix] : "";
}

/* KCL computes raw as float times the multiplier (1024n is 1024.0 * 1e-9). */
double v_unit_float(struct value v)
{
    return (double)v.as.i * v_unit_multiplier(v.aux);
}

/* {===== truthiness (spec §3.1) */

bool v_truthy_any(struct value v)
{
    switch ((enum vtag)v.tag) {
    case V_UNDEF:
    case V_NONE:
        return false;
    case V_BOOL:
    case V_INT:
    case V_UNIT:
        return v.as.i != 0;
    case V_FLOAT:
        return v.as.f != 0.0;
    case V_STR:
        return v.as.s->len != 0;
    case V_LIST:
        return v.as.l->n != 0;
    case V_DICT:
    case V_SCHEMA:
        return v.as.d->n != 0;
    case V_FUNC:
    case V_TYPE:
    case V_MODULE:
        return true;
    }
    return true;
}

/* {===== equality (spec §3.3) */

/* Numeric value of an int, float or unit value. */
static double num_float(struct value v)
{
    switch (v.tag) {
    case V_INT:
        return (double)v.as.i;
    case V_UNIT:
        return v_unit_float(v);
    default:
        return v.as.f;
    }
}

static bool is_numeric(struct value v)
{
    return v.tag == V_INT || v.tag == V_FLOAT || v.tag == V_UNIT;
}

/* Same key set, equal values; order does not matter. */
static bool dict_equal(const struct dict *a, const struct dict *b)
{
    if (a == b)
        return true;
    if (a->n != b->n)
        return false;
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(a, &i, &e);) {
        const struct dict_entry *f = dict_find(b, e->key);
        if (!f || !v_equal(e->val, f->val))
            return false;
    }
    return true;
}

static bool func_equal(const struct func *a, const struct func *b)
{
    if (a == b)
        return true;
    if (a->kind != b->kind || a->native != b->native || a->lambda != b->lambda ||
        a->closure != b->closure)
        return false;
    return a->kind != FN_BOUND || v_equal(a->self, b->self);
}

bool v_equal(struct value a, struct value b)
{
    if (is_numeric(a) && is_numeric(b)) {
        if (a.tag == V_INT && b.tag == V_INT)
            return a.as.i == b.as.i;
        return num_float(a) == num_float(b);
    }
    if (a.tag != b.tag)
        return false;
    switch ((enum vtag)a.tag) {
    case V_UNDEF:
    case V_NONE:
        return true;
    case V_BOOL:
        return a.as.i == b.as.i;
    case V_STR:
        return str_eq(a.as.s, b.as.s);
    case V_LIST: {
        const struct list *x = a.as.l, *y = b.as.l;
        if (x == y)
            return true;
        if (x->n != y->n)
            return false;
        for (uint32_t i = 0; i < x->n; i++)
            if (!v_equal(x->v[i], y->v[i]))
                return false;
        return true;
    }
    case V_DICT:
    case V_SCHEMA:
        return dict_equal(a.as.d, b.as.d);
    case V_FUNC:
        return func_equal(a.as.fn, b.as.fn);
    case V_TYPE:
        return a.as.st == b.as.st;
    case V_MODULE:
        return a.as.m == b.as.m;
    case V_INT:
    case V_FLOAT:
    case V_UNIT:
        break; /* handled above */
    }
    return false;
}

/* {===== type names (typeof, spec §3.1) */

const char *v_type_name(struct value v)
{
    switch ((enum vtag)v.tag) {
    case V_UNDEF:
        return "UndefinedType";
    case V_NONE:
        return "None";
    case V_BOOL:
        return "bool";
    case V_INT:
        return "int";
    case V_FLOAT:
        return "float";
    case V_UNIT:
        return "number_multiplier";
    case V_STR:
        return "str";
    case V_LIST:
        return "list";
    case V_DICT:
        return "dict";
    case V_SCHEMA:
        return dict_schema(v.as.d) ? schema_type_name(dict_schema(v.as.d)) : "dict";
    case V_FUNC:
        return "function";
    case V_TYPE:
        return "type";
    case V_MODULE:
        return "module";
    }
    return "unknown";
}

/* {===== deep copy */

struct value v_deep_copy(struct vm *vm, struct value v)
{
    switch (v.tag) {
    case V_LIST: {
        const struct list *l = v.as.l;
        struct list *r = list_new(vm, l->n);
        for (uint32_t i = 0; i < l->n; i++)
            r->v[i] = v_deep_copy(vm, l->v[i]);
        r->n = l->n;
        v.as.l = r;
        return v;
    }
    case V_DICT:
    case V_SCHEMA: {
        struct dict *r = dict_copy(vm, v.as.d); /* fresh entries, same order, ops, schema */
        struct dict_entry *e;
        for (uint32_t i = 0; dict_next(r, &i, &e);)
            e->val = v_deep_copy(vm, e->val);
        v.as.d = r;
        return v;
    }
    default:
        return v; /* immediates, and strs, functions, types, modules, which never change */
    }
}
