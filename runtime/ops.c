/* Operators: arithmetic and bitwise (§3.2), comparison and membership (§3.3), union and
 * config merging (§3.5). */
#include "config.h"

#include "runtime/eval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#include "scl.h"

static const char *op_sym(unsigned op)
{
    return ast_op_name((enum ast_op)op);
}

/* Type names as run-time operator errors print them. */
static const char *err_type_vm(struct vm *vm, struct value v)
{
    if (v.tag == V_NONE)
        return "NoneType";
    if (v.tag == V_UNIT)
        return str_fmt(vm, "number_multiplier(%lld%s)", (long long)v.as.i,
                       v_unit_suffix_name(v.aux))
            ->b;
    return v_type_name(v);
}
#define err_type(v) err_type_vm(vm, (v))

static _Noreturn void unsupported(struct vm *vm, unsigned op, struct value a, struct value b)
{
    vm_raise(vm, "unsupported operand type(s) for %s: '%s' and '%s'", op_sym(op), err_type(a),
             err_type(b));
}

static struct value check_int(struct vm *vm, bool overflow, int64_t r, const char *what)
{
    (void)what;
    if (overflow)
        vm_raise(vm, "%s: A 64 bit integer overflow", what);
    if ((vm->flags & SCL_RUN_STRICT_RANGE) && (r > INT32_MAX || r < INT32_MIN))
        vm_raise(vm, "%lld: A 32 bit integer overflow", (long long)r);
    return v_int(r);
}

/* KCL's panic_f32_overflow: the value as Rust's {:e} writes it, with a '+' in a positive
 * exponent ("3.4e+40"). */
static _Noreturn void f32_overflow(struct vm *vm, double f)
{
    char buf[64], out[72];
    fmt_float(f, true, buf, sizeof buf);
    size_t k = 0;
    for (const char *p = buf; *p && k + 2 < sizeof out; p++) {
        out[k++] = *p;
        if (*p == 'e' && p[1] != '-')
            out[k++] = '+';
    }
    out[k] = '\0';
    vm_raise(vm, "%s: A 32-bit floating point number overflow", out);
}

static struct value check_float(struct vm *vm, double f)
{
    if ((vm->flags & SCL_RUN_STRICT_RANGE) && isfinite(f) && fabs(f) > 3.4028234663852886e38)
        f32_overflow(vm, f);
    return v_float(f);
}

static bool num(struct value v, double *f)
{
    switch (v.tag) {
    case V_INT:
        *f = (double)v.as.i;
        return true;
    case V_FLOAT:
        *f = v.as.f;
        return true;
    case V_UNIT:
        *f = v_unit_float(v);
        return true;
    default:
        return false;
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t m = a % b;
    if (m != 0 && ((m < 0) != (b < 0)))
        m += b;
    return m;
}

static struct value int_pow(struct vm *vm, int64_t base, int64_t e)
{
    if (e < 0)
        vm_raise(vm, "%lld: A 64 bit integer overflow", (long long)base);
    int64_t r = 1;
    bool ovf = false;
    while (e > 0) {
        if (e & 1)
            ovf |= __builtin_mul_overflow(r, base, &r);
        e >>= 1;
        if (e)
            ovf |= __builtin_mul_overflow(base, base, &base);
    }
    if (ovf)
        vm_raise(vm, "A 64 bit integer overflow");
    return check_int(vm, false, r, "");
}

static struct list *list_repeat(struct vm *vm, const struct list *l, int64_t times)
{
    struct list *r = list_new(vm, 0);
    for (int64_t t = 0; t < times; t++)
        for (uint32_t i = 0; i < l->n; i++)
            list_push(vm, r, v_deep_copy(vm, l->v[i]));
    return r;
}

static __attribute__((noinline)) struct value arith(struct vm *vm, unsigned op, struct value a,
                                                     struct value b)
{
    /* unit values (1Ki) take part in no arithmetic: int() or float() converts them */
    if (a.tag == V_UNIT || b.tag == V_UNIT)
        unsupported(vm, op, a, b);
    if (a.tag == V_INT && b.tag == V_INT) {
        int64_t x = a.as.i, y = b.as.i, r = 0;
        bool o = false;
        char what[64];
        switch (op) {
        case OP_ADD:
            o = __builtin_add_overflow(x, y, &r);
            break;
        case OP_SUB:
            o = __builtin_sub_overflow(x, y, &r);
            break;
        case OP_MUL:
            o = __builtin_mul_overflow(x, y, &r);
            break;
        case OP_DIV:
            /* a float division: by zero it gives inf or NaN, as KCL's does */
            return check_float(vm, (double)x / (double)y);
        case OP_FLOORDIV:
            /* KCL's integer division panics: its floor step takes the remainder first when
             * the signs differ */
            if (y == 0)
                vm_raise(vm, x < 0 ? "attempt to calculate the remainder with a divisor of zero"
                                   : "attempt to divide by zero");
            if (x == INT64_MIN && y == -1)
                o = true;
            else
                r = floor_div(x, y);
            break;
        case OP_MOD:
            if (y == 0)
                vm_raise(vm, "attempt to calculate the remainder with a divisor of zero");
            r = (y == -1) ? 0 : floor_mod(x, y);
            break;
        case OP_POW:
            return int_pow(vm, x, y);
        case OP_LSHIFT:
            if (y < 0)
                vm_raise(vm, "negative shift count");
            if (y >= 64 || (x != 0 && (x > (INT64_MAX >> y) || x < (INT64_MIN >> y))))
                o = true;
            else
                r = (int64_t)((uint64_t)x << y);
            break;
        case OP_RSHIFT:
            if (y < 0)
                vm_raise(vm, "negative shift count");
            r = y >= 64 ? (x < 0 ? -1 : 0) : x >> y;
            break;
        case OP_BITAND:
            r = x & y;
            break;
        case OP_BITOR:
            r = x | y;
            break;
        case OP_BITXOR:
            r = x ^ y;
            break;
        default:
            unsupported(vm, op, a, b);
        }
        if (o) {
            /* KCL prints the mathematically exact result where it can */
            if (op == OP_ADD || op == OP_SUB || op == OP_MUL) {
                i128 e = op == OP_ADD   ? (i128)x + y
                         : op == OP_SUB ? (i128)x - y
                                        : (i128)x * y;
                char buf[48];
                int k = 47;
                buf[k] = '\0';
                bool neg = e < 0;
                u128 u = neg ? (u128)(-(e + 1)) + 1 : (u128)e;
                do {
                    buf[--k] = (char)('0' + (int)(u % 10));
                    u /= 10;
                } while (u);
                if (neg)
                    buf[--k] = '-';
                snprintf(what, sizeof what, "%s", buf + k);
            } else {
                snprintf(what, sizeof what, "%lld", (long long)x);
            }
        }
        /* KCL's subtraction reports its 64-bit overflow with the 32-bit text */
        if (o && op == OP_SUB)
            vm_raise(vm, "%s: A 32 bit integer overflow", what);
        return check_int(vm, o, r, what);
    }
    double x, y;
    if (a.tag != V_BOOL && b.tag != V_BOOL && num(a, &x) && num(b, &y) &&
        op != OP_LSHIFT && op != OP_RSHIFT && op != OP_BITAND && op != OP_BITOR &&
        op != OP_BITXOR) {
        switch (op) {
        case OP_ADD:
            /* KCL checks an int + float sum against the 32-bit range even without -r */
            if ((a.tag == V_INT) != (b.tag == V_INT) && isfinite(x + y) &&
                fabs(x + y) > 3.4028234663852886e38)
                f32_overflow(vm, x + y);
            return check_float(vm, x + y);
        case OP_SUB:
            return check_float(vm, x - y);
        case OP_MUL:
            return check_float(vm, x * y);
        /* IEEE: a zero divisor gives inf or NaN, as in KCL */
        case OP_DIV:
            return check_float(vm, x / y);
        case OP_FLOORDIV:
            return check_float(vm, floor(x / y));
        case OP_MOD: {
            double m = fmod(x, y);
            if (m != 0 && ((m < 0) != (y < 0)))
                m += y;
            return check_float(vm, m);
        }
        case OP_POW:
            return check_float(vm, pow(x, y));
        default:
            break;
        }
    }
    if (op == OP_ADD) {
        if (a.tag == V_STR && b.tag == V_STR) {
            struct str *s = vm_alloc(vm, sizeof(struct str) + a.as.s->len + b.as.s->len + 1);
            s->flags = 0;
            s->len = a.as.s->len + b.as.s->len;
            memcpy(s->b, a.as.s->b, a.as.s->len);
            memcpy(s->b + a.as.s->len, b.as.s->b, b.as.s->len + 1);
            return v_str(s);
        }
        if (a.tag == V_LIST && b.tag == V_LIST) {
            struct list *l = list_new(vm, a.as.l->n + b.as.l->n);
            for (uint32_t i = 0; i < a.as.l->n; i++)
                list_push(vm, l, a.as.l->v[i]);
            for (uint32_t i = 0; i < b.as.l->n; i++)
                list_push(vm, l, b.as.l->v[i]);
            return v_list(l);
        }
    }
    if (op == OP_MUL) {
        struct value s = a, n = b;
        if (s.tag == V_INT)
            s = b, n = a;
        if (n.tag == V_INT && s.tag == V_STR) {
            /* KCL repeats a string a usize number of times: a negative one overflows */
            if (n.as.i < 0 && s.as.s->len)
                vm_raise(vm, "capacity overflow");
            int64_t t = n.as.i < 0 ? 0 : n.as.i;
            if (s.as.s->len && t > (int64_t)(UINT32_MAX / s.as.s->len))
                vm_raise(vm, "repeated string too long: %lld x %u bytes", (long long)t,
                         s.as.s->len);
            struct sbuf buf;
            sbuf_init(&buf, vm);
            sbuf_put_repeat(&buf, s.as.s->b, s.as.s->len, (size_t)t);
            return v_str(sbuf_str(&buf));
        }
        if (n.tag == V_INT && s.tag == V_LIST) {
            if (s.as.l->n && n.as.i > (int64_t)(UINT32_MAX / 2 / s.as.l->n))
                vm_raise(vm, "repeated list too long: %lld x %u items", (long long)n.as.i,
                         s.as.l->n);
            return v_list(list_repeat(vm, s.as.l, n.as.i));
        }
    }
    if (op == OP_BITOR)
        return op_union(vm, a, b);
    unsupported(vm, op, a, b);
}

struct value op_binary(struct vm *vm, unsigned op, struct value a, struct value b)
{
    /* the usual integer cases, when they neither overflow nor need a range check, without
     * going through arith (whose messages need a large frame) */
    if (a.tag == V_INT && b.tag == V_INT && !(vm->flags & SCL_RUN_STRICT_RANGE)) {
        int64_t r;
        switch (op) {
        case OP_ADD:
            if (!__builtin_add_overflow(a.as.i, b.as.i, &r))
                return v_int(r);
            break;
        case OP_SUB:
            if (!__builtin_sub_overflow(a.as.i, b.as.i, &r))
                return v_int(r);
            break;
        case OP_MUL:
            if (!__builtin_mul_overflow(a.as.i, b.as.i, &r))
                return v_int(r);
            break;
        case OP_MOD:
            if (b.as.i > 0)
                return v_int(floor_mod(a.as.i, b.as.i));
            break;
        default:
            break;
        }
    }
    return arith(vm, op, a, b);
}

struct value op_unary(struct vm *vm, unsigned op, struct value a)
{
    switch (op) {
    case OP_NOT:
        return v_bool(!v_truthy(a));
    case OP_NEG:
        if (a.tag == V_INT) {
            if (a.as.i == INT64_MIN)
                vm_raise(vm, "%lld: A 64 bit integer overflow", (long long)a.as.i);
            return v_int(-a.as.i);
        }
        if (a.tag == V_FLOAT)
            return v_float(-a.as.f);
        if (a.tag == V_UNIT)
            return v_float(-v_unit_float(a));
        break;
    case OP_POS:
        if (a.tag == V_INT || a.tag == V_FLOAT)
            return a;
        if (a.tag == V_UNIT)
            return v_float(v_unit_float(a));
        break;
    case OP_INVERT:
        if (a.tag == V_INT)
            return v_int(~a.as.i);
        break;
    default:
        break;
    }
    vm_raise(vm, "bad operand type for unary %s: '%s'", op == OP_NOT ? "not" : op_sym(op),
             err_type(a));
}

int op_order(struct vm *vm, struct value a, struct value b)
{
    double x = 0, y = 0;
    bool an = a.tag == V_BOOL || num(a, &x), bn = b.tag == V_BOOL || num(b, &y);
    if (an && bn) {
        if (a.tag == V_INT && b.tag == V_INT)
            return (a.as.i > b.as.i) - (a.as.i < b.as.i);
        if (a.tag == V_BOOL)
            x = (double)a.as.i;
        if (b.tag == V_BOOL)
            y = (double)b.as.i;
        return (x > y) - (x < y);
    }
    if (a.tag == V_STR && b.tag == V_STR)
        return str_cmp(a.as.s, b.as.s);
    if (a.tag == V_LIST && b.tag == V_LIST) {
        uint32_t n = a.as.l->n < b.as.l->n ? a.as.l->n : b.as.l->n;
        for (uint32_t i = 0; i < n; i++) {
            if (v_equal(a.as.l->v[i], b.as.l->v[i]))
                continue;
            return op_order(vm, a.as.l->v[i], b.as.l->v[i]);
        }
        return (a.as.l->n > b.as.l->n) - (a.as.l->n < b.as.l->n);
    }
    vm_raise(vm, "'<' not supported between instances of '%s' and '%s'", err_type(a), err_type(b));
}

static bool contains(struct vm *vm, struct value item, struct value coll)
{
    switch (coll.tag) {
    case V_STR:
        if (item.tag != V_STR)
            vm_raise(vm, "'in <string>' requires string as left operand, not %s", err_type(item));
        return strstr(coll.as.s->b, item.as.s->b) != NULL;
    case V_LIST:
        for (uint32_t i = 0; i < coll.as.l->n; i++)
            if (v_equal(item, coll.as.l->v[i]))
                return true;
        return false;
    case V_DICT:
    case V_SCHEMA:
        if (item.tag != V_STR)
            return false;
        return dict_find(coll.as.d, item.as.s) != NULL;
    case V_NONE:
    case V_UNDEF:
        return false;
    default:
        vm_raise(vm, "argument of type '%s' is not iterable", err_type(coll));
    }
}

bool op_compare(struct vm *vm, unsigned op, struct value a, struct value b)
{
    if (a.tag == V_INT && b.tag == V_INT) {
        switch (op) {
        case OP_LT:
            return a.as.i < b.as.i;
        case OP_LE:
            return a.as.i <= b.as.i;
        case OP_GT:
            return a.as.i > b.as.i;
        case OP_GE:
            return a.as.i >= b.as.i;
        default:
            break;
        }
    }
    switch (op) {
    case OP_EQ:
    case OP_IS:
        return v_equal(a, b);
    case OP_NE:
    case OP_IS_NOT:
        return !v_equal(a, b);
    case OP_IN:
        return contains(vm, a, b);
    case OP_NOT_IN:
        return !contains(vm, a, b);
    default:
        break;
    }
    int c;
    double x = 0, y = 0;
    bool an = a.tag == V_BOOL || num(a, &x), bn = b.tag == V_BOOL || num(b, &y);
    if ((an && bn) || (a.tag == V_STR && b.tag == V_STR) || (a.tag == V_LIST && b.tag == V_LIST))
        c = op_order(vm, a, b);
    else
        vm_raise(vm, "unsupported operand type(s) for %s: '%s' and '%s'", op_sym(op),
                 err_type(a), err_type(b));
    switch (op) {
    case OP_LT:
        return c < 0;
    case OP_LE:
        return c <= 0;
    case OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* {===== union and merging */

static const char *short_repr(struct vm *vm, struct value v)
{
    if (v_is_dictlike(v))
        return "{...}";
    if (v.tag == V_LIST)
        return "[...]";
    return v_to_json(vm, v, 0, false, false, false)->b;
}

/* The keys from the outermost config down to the one being merged: KCL's union path. */
struct upath {
    const struct upath *up;
    const char *key; /* NULL: the item 'idx' of a list */
    uint32_t idx;
};

static void put_path(struct sbuf *b, const struct upath *p)
{
    if (p->up) {
        put_path(b, p->up);
        sbuf_put(b, ".", 1);
    }
    if (p->key) {
        sbuf_put(b, p->key, (uint32_t)strlen(p->key));
    } else {
        char seg[32];
        int n = snprintf(seg, sizeof seg, "list[%u]", p->idx);
        sbuf_put(b, seg, (uint32_t)n);
    }
}

static _Noreturn void conflict(struct vm *vm, const struct upath *p, struct value old,
                               struct value nv)
{
    /* the attribute is the innermost key of the path */
    while (p && !p->key)
        p = p->up;
    if (!p)
        vm_raise(vm, "conflicting values between %s and %s", short_repr(vm, nv),
                 short_repr(vm, old));
    struct sbuf path;
    sbuf_init(&path, vm);
    put_path(&path, p);
    vm_raise(vm,
             "conflicting values on the attribute '%s' between :\n    %s\nand\n    %s\n"
             "with union path :\n    %s\ntry operator '=' to override the attribute, like:\n"
             "    {...} | {\n            ...\n            %s = %s\n            ...\n    }",
             p->key, short_repr(vm, old), short_repr(vm, nv), sbuf_str(&path)->b, p->key,
             short_repr(vm, nv));
}

/* KCL's value_subsume without its recursive check: whether 'b' may be unified into 'a' under
 * `:` (equal scalars, lists of the same length whose items may, any two configs). */
static bool subsume(struct value a, struct value b)
{
    if (v_is_null(a) || v_is_null(b))
        return true;
    if (v_is_dictlike(a) && v_is_dictlike(b))
        return true;
    if (a.tag == V_LIST && b.tag == V_LIST) {
        if (a.as.l->n != b.as.l->n)
            return false;
        for (uint32_t i = 0; i < a.as.l->n; i++)
            if (!subsume(a.as.l->v[i], b.as.l->v[i]))
                return false;
        return true;
    }
    if (v_is_dictlike(a) || v_is_dictlike(b) || a.tag == V_LIST || b.tag == V_LIST)
        return false;
    return v_equal(a, b);
}

/* The dicts a chain of unions made itself (op_union_owned): each has one holder, the chain's
 * result, so a later union of the chain merges into it in place instead of copying it again.
 * Open-addressed by address. */
struct owned {
    struct dict **v;
    uint32_t n, cap;
};

static uint32_t owned_slot(const struct dict *d, uint32_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)d * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 32) & (cap - 1);
}

static bool owned_has(const struct owned *o, const struct dict *d)
{
    if (!o || !o->cap)
        return false;
    for (uint32_t i = owned_slot(d, o->cap);; i = (i + 1) & (o->cap - 1)) {
        if (!o->v[i])
            return false;
        if (o->v[i] == d)
            return true;
    }
}

static void owned_add(struct vm *vm, struct owned *o, struct dict *d)
{
    if ((o->n + 1) * 2 > o->cap) {
        uint32_t cap = o->cap ? o->cap * 2 : 64;
        struct dict **v = vm_zalloc(vm, cap * sizeof *v);
        for (uint32_t k = 0; k < o->cap; k++) {
            if (!o->v[k])
                continue;
            uint32_t i = owned_slot(o->v[k], cap);
            while (v[i])
                i = (i + 1) & (cap - 1);
            v[i] = o->v[k];
        }
        o->v = v;
        o->cap = cap;
    }
    uint32_t i = owned_slot(d, o->cap);
    while (o->v[i])
        i = (i + 1) & (o->cap - 1);
    o->v[i] = d;
    o->n++;
}

static struct dict_entry *merge_entry(struct vm *vm, struct dict *d, struct str *key,
                                      struct value v, unsigned op, int32_t ins, bool strict,
                                      const struct upath *up, struct owned *own);

static struct value unify_into(struct vm *vm, const struct upath *p, struct value a,
                               struct value b, bool strict, struct owned *own);

/* Unifies 'b' into 'a' (the value at path 'p'); 'strict' is KCL's idempotent check. */
static struct value unify_key(struct vm *vm, const struct upath *p, struct value a, struct value b,
                              bool strict)
{
    return unify_into(vm, p, a, b, strict, NULL);
}

/* The same; a dict of 'own' (or NULL) is merged into in place, one copied is added to it. */
static struct value unify_into(struct vm *vm, const struct upath *p, struct value a,
                               struct value b, bool strict, struct owned *own)
{
    if (b.tag == V_UNDEF)
        return a;
    if (a.tag == V_UNDEF || a.tag == V_NONE)
        return b;
    if (b.tag == V_NONE)
        return a;
    if (v_is_dictlike(a) && v_is_dictlike(b)) {
        struct dict *d;
        if (own && a.tag == V_DICT && owned_has(own, a.as.d)) {
            d = a.as.d;
        } else {
            d = dict_copy(vm, a.as.d);
            if (own && a.tag == V_DICT)
                owned_add(vm, own, d);
        }
        for (uint32_t i = 0; i < b.as.d->used; i++) {
            struct dict_entry *e = &b.as.d->e[i];
            if (!e->key)
                continue;
            struct dict_entry *r =
                merge_entry(vm, d, e->key, e->val, entry_op(e), entry_ins(e), strict, p, own);
            entry_copy_at(r, e);
        }
        struct value r = a;
        if (a.tag == V_DICT && b.tag == V_SCHEMA) {
            d->inst = b.as.d->inst;
            r.tag = V_SCHEMA;
        }
        r.as.d = d;
        return r;
    }
    if (strict && !subsume(a, b))
        conflict(vm, p, a, b);
    if (a.tag == V_LIST && b.tag == V_LIST) {
        struct list *l = list_copy(vm, a.as.l);
        for (uint32_t i = 0; i < b.as.l->n; i++) {
            if (i < l->n) {
                struct upath here = {p, NULL, i};
                l->v[i] = unify_key(vm, &here, l->v[i], b.as.l->v[i], strict);
            } else {
                list_push(vm, l, b.as.l->v[i]);
            }
        }
        return v_list(l);
    }
    return b;
}

struct value op_unify(struct vm *vm, struct value a, struct value b, bool strict)
{
    return unify_key(vm, NULL, a, b, strict);
}

static struct value union_list(struct vm *vm, struct value a, struct value b);

/* KCL's union of two values outside or-mode: dicts merge with the idempotent check (a key
 * written with `:` on both sides must agree), lists merge element by element, anything else
 * is replaced. (A schema instance unions its config and runs again: schema_union; here it
 * merges without the check.) */
static struct value union_value(struct vm *vm, struct value a, struct value b)
{
    if (v_is_null(a))
        return b;
    if (v_is_null(b))
        return a;
    if (v_is_dictlike(a) && v_is_dictlike(b))
        return unify_key(vm, NULL, a, b, a.tag == V_DICT && b.tag == V_DICT);
    if (a.tag == V_LIST && b.tag == V_LIST)
        return union_list(vm, a, b);
    return b;
}

static struct value union_list(struct vm *vm, struct value a, struct value b)
{
    struct list *l = list_copy(vm, a.as.l);
    for (uint32_t i = 0; i < b.as.l->n; i++) {
        if (i < l->n)
            l->v[i] = union_value(vm, l->v[i], b.as.l->v[i]);
        else
            list_push(vm, l, b.as.l->v[i]);
    }
    return v_list(l);
}

/* `a | b` (KCL's bin_bit_or): int | int is bitwise, configs and lists union as union_value
 * does; a config with a non-config is an error. */
struct value op_union(struct vm *vm, struct value a, struct value b)
{
    if (a.tag == V_INT && b.tag == V_INT)
        return v_int(a.as.i | b.as.i);
    if (a.tag == V_BOOL && b.tag == V_BOOL)
        return v_bool(a.as.i | b.as.i);
    if (v_is_null(a))
        return b;
    if (v_is_null(b))
        return a;
    if ((v_is_dictlike(a) && v_is_dictlike(b)) || (a.tag == V_LIST && b.tag == V_LIST))
        return union_value(vm, a, b);
    vm_raise(vm, "unsupported operand type(s) for |: '%s' and '%s'", err_type(a), err_type(b));
}

struct value op_union_owned(struct vm *vm, struct value a, struct value b, struct owned **own)
{
    if (!*own)
        *own = vm_zalloc(vm, sizeof **own);
    return unify_into(vm, NULL, a, b, true, *own);
}

struct dict_entry *op_merge_entry(struct vm *vm, struct dict *d, struct str *key, struct value v,
                                  unsigned op, int32_t ins, bool strict)
{
    return merge_entry(vm, d, key, v, op, ins, strict, NULL, NULL);
}

static struct dict_entry *merge_entry(struct vm *vm, struct dict *d, struct str *key,
                                      struct value v, unsigned op, int32_t ins, bool strict,
                                      const struct upath *up, struct owned *own)
{
    bool added;
    struct dict_entry *e = dict_find_or_add(vm, d, key, v, op, ins, &added);
    if (added)
        return e;
    switch (op) {
    case OPK_OVERRIDE:
        e->val = v;
        break;
    case OPK_INSERT: {
        struct value old = e->val;
        if (v_is_null(old))
            old = v_list(list_new(vm, 0));
        if (old.tag != V_LIST || v.tag != V_LIST)
            vm_raise(vm, "only list type can be inserted, got '%s' for attribute '%s'",
                     v_type_name(v.tag == V_LIST ? old : v), key->b);
        struct list *l = list_new(vm, old.as.l->n + v.as.l->n);
        uint32_t at = old.as.l->n;
        if (ins >= 0 && (uint32_t)ins > at)
            vm_raise(vm, "insertion index (is %d) should be <= len (is %u)", ins, at);
        if (ins >= 0)
            at = (uint32_t)ins;
        for (uint32_t i = 0; i < at; i++)
            list_push(vm, l, old.as.l->v[i]);
        for (uint32_t i = 0; i < v.as.l->n; i++)
            list_push(vm, l, v.as.l->v[i]);
        for (uint32_t i = at; i < old.as.l->n; i++)
            list_push(vm, l, old.as.l->v[i]);
        e->val = v_list(l);
        break;
    }
    default: {
        struct upath here = {up, key->b, 0};
        e->val = unify_into(vm, &here, e->val, v, strict, own);
        break;
    }
    }
    /* an override sticks: later unions and inserts refine its value */
    if (op == OPK_OVERRIDE || entry_op(e) != OPK_OVERRIDE)
        entry_set_op(e, op);
    return e;
}
