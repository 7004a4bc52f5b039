/* The resolver's type algebra: construction, hashing, printing, widening and the relations
 * between types (equality, least upper bound, assignability). */
#include "config.h"

#include "runtime/resolve_int.h"

const struct rtype T_ANY = {.kind = RT_ANY};
const struct rtype T_NONE = {.kind = RT_NONE};
const struct rtype T_BOOL = {.kind = RT_BOOL};
const struct rtype T_INT = {.kind = RT_INT};
const struct rtype T_FLOAT = {.kind = RT_FLOAT};
const struct rtype T_STR = {.kind = RT_STR};
const struct rtype T_LIST_ANY = {.kind = RT_LIST, .u.elem = &T_ANY};
const struct rtype T_LIST_INT = {.kind = RT_LIST, .u.elem = &T_INT};
const struct rtype T_LIST_STR = {.kind = RT_LIST, .u.elem = &T_STR};
const struct rtype T_DICT_ANY = {.kind = RT_DICT, .u.dict = {&T_ANY, &T_ANY, NULL, 0}};
static const struct rtype *const ITERABLE_TYPES[] = {&T_STR, &T_DICT_ANY, &T_LIST_ANY};
/* KCL's Type::iterable(): str | {any:any} | [any] */
const struct rtype T_ITERABLE = {.kind = RT_UNION, .u.uni = {ITERABLE_TYPES, 3}};
static const struct rtype *const NUMBER_TYPES[] = {&T_INT, &T_FLOAT};
/* KCL's Type::number(): int | float */
const struct rtype T_NUMBER = {.kind = RT_UNION, .u.uni = {NUMBER_TYPES, 2}};

/* {=====================================================================
 * Type construction, printing and relations
 * ====================================================================} */

/* One step of a type's hash: a multiply folded onto itself (what is hashed is a handful of
 * kinds, small numbers and pointers; a collision only costs a comparison). */
static uint32_t t_mix(uint32_t h, uint64_t v)
{
    uint64_t x = ((uint64_t)h << 32 ^ v) * 0x9e3779b97f4a7c15u;
    return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static uint32_t t_hash(const struct rtype *t);

/* The hash of what t_equal compares: the kind and the payload (a dict's attributes and
 * spans are not part of it). Never 0, so that 0 can mean "not set". */
static uint32_t t_hash_of(const struct rtype *t)
{
    if (t->kind <= RT_STR) /* the static types have no hash set: theirs is found at once */
        return t->kind + 1u;
    uint32_t h = t_mix(0, t->kind);
    switch ((enum rt_kind)t->kind) {
    case RT_LIT_BOOL:
        h = t_mix(h, t->u.b);
        break;
    case RT_LIT_INT:
        h = t_mix(t_mix(h, (uint64_t)t->u.i), t->suffix);
        break;
    case RT_LIT_FLOAT: {
        double f = t->u.f == 0 ? 0 : t->u.f; /* -0.0 == 0.0 */
        uint64_t bits;
        memcpy(&bits, &f, sizeof bits);
        h = t_mix(h, bits);
        break;
    }
    case RT_LIT_STR:
        h = t_mix(h, rs_name_hash(t->u.s));
        break;
    case RT_LIST:
        h = t_mix(h, t_hash(t->u.elem));
        break;
    case RT_DICT:
        h = t_mix(t_mix(h, t_hash(t->u.dict.key)), t_hash(t->u.dict.val));
        break;
    case RT_UNION:
        for (uint32_t i = 0; i < t->u.uni.n; i++)
            h = t_mix(h, t_hash(t->u.uni.v[i]));
        break;
    case RT_SCHEMA:
        h = t_mix(t_mix(h, (uintptr_t)t->u.schema), t->instance);
        break;
    case RT_FUNC:
    case RT_MODULE:
        h = t_mix(h, (uintptr_t)t); /* equal only to itself */
        break;
    default:
        break;
    }
    return h ? h : 1;
}

static uint32_t t_hash(const struct rtype *t)
{
    if (!t)
        return 0;
    return t->hash ? t->hash : t_hash_of(t);
}

/* A type just built: its hash is set once, its parts no longer change. */
static const struct rtype *t_done(struct rtype *t)
{
    t->hash = t_hash_of(t);
    return t;
}

const struct rtype *t_list(struct resolver *r, const struct rtype *elem)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_LIST, .u.elem = elem ? elem : &T_ANY};
    return t_done(t);
}

const struct rtype *t_dict(struct resolver *r, const struct rtype *key, const struct rtype *val,
                           const struct rt_attr *attrs, uint32_t nattrs)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_DICT,
                        .u.dict = {key ? key : &T_ANY, val ? val : &T_ANY, attrs, nattrs}};
    return t_done(t);
}

const struct rtype *t_lit_str(struct resolver *r, const char *s)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_LIT_STR, .u.s = s};
    return t_done(t);
}

const struct rtype *t_lit_int(struct resolver *r, int64_t i)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_LIT_INT, .u.i = i};
    return t_done(t);
}

/* A unit literal (number_multiplier): equal only to the same number with the same suffix. */
const struct rtype *t_lit_unit(struct resolver *r, int64_t i, uint8_t suffix)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_LIT_INT, .suffix = suffix, .u.i = i};
    return t_done(t);
}

const struct rtype *t_lit_float(struct resolver *r, double f)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_LIT_FLOAT, .u.f = f};
    return t_done(t);
}

const struct rtype *t_lit_bool(struct resolver *r, bool b)
{
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_LIT_BOOL, .u.b = b};
    return t_done(t);
}

bool t_is_any(const struct rtype *t)
{
    return !t || t->kind == RT_ANY;
}

static bool t_equal(const struct rtype *a, const struct rtype *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || t_hash(a) != t_hash(b))
        return false;
    switch ((enum rt_kind)a->kind) {
    case RT_LIT_BOOL:
        return a->u.b == b->u.b;
    case RT_LIT_INT:
        return a->u.i == b->u.i && a->suffix == b->suffix;
    case RT_LIT_FLOAT:
        return a->u.f == b->u.f;
    case RT_LIT_STR:
        return !strcmp(a->u.s, b->u.s);
    case RT_LIST:
        return t_equal(a->u.elem, b->u.elem);
    case RT_DICT:
        return t_equal(a->u.dict.key, b->u.dict.key) && t_equal(a->u.dict.val, b->u.dict.val);
    case RT_UNION:
        if (a->u.uni.n != b->u.uni.n)
            return false;
        for (uint32_t i = 0; i < a->u.uni.n; i++)
            if (!t_equal(a->u.uni.v[i], b->u.uni.v[i]))
                return false;
        return true;
    case RT_SCHEMA:
        return a->u.schema == b->u.schema && a->instance == b->instance;
    case RT_FUNC:
    case RT_MODULE:
        return false;
    default:
        return true;
    }
}

/* The least upper bound KCL computes for the items of a list or the values of a dict: any
 * when one is any, None dropped, the distinct others as a union. */
const struct rtype *t_sup(struct resolver *r, const struct rtype *const *v, uint32_t n)
{
    enum { MAX = 64 }; /* more distinct types than this are too many to tell apart: unknown */
    const struct rtype *out[MAX];
    uint32_t hashes[MAX];
    uint32_t m = 0;
    bool none = false;
    for (uint32_t i = 0; i < n; i++) {
        const struct rtype *t = v[i];
        if (t_is_any(t))
            return &T_ANY;
        if (t->kind == RT_NONE) {
            none = true;
            continue;
        }
        uint32_t k = t->kind == RT_UNION ? t->u.uni.n : 1;
        for (uint32_t j = 0; j < k; j++) {
            const struct rtype *e = t->kind == RT_UNION ? t->u.uni.v[j] : t;
            /* the hashes tell most distinct types apart without comparing them */
            uint32_t h = t_hash(e);
            bool dup = false;
            for (uint32_t q = 0; q < m && !dup; q++)
                dup = hashes[q] == h && t_equal(out[q], e);
            if (dup)
                continue;
            if (m == MAX)
                return &T_ANY;
            hashes[m] = h;
            out[m++] = e;
        }
    }
    if (m == 0)
        return none ? &T_NONE : &T_ANY;
    if (m == 1)
        return out[0];
    const struct rtype **members = rs_ralloc(r, m * sizeof *members);
    memcpy(members, out, m * sizeof *members);
    struct rtype *t = rs_ralloc(r, sizeof *t);
    *t = (struct rtype){.kind = RT_UNION, .u.uni = {members, m}};
    return t_done(t);
}

const struct rtype *t_sup2(struct resolver *r, const struct rtype *a, const struct rtype *b)
{
    const struct rtype *v[2] = {a, b};
    return t_sup(r, v, 2);
}

static void float_repr(char *buf, size_t n, double f)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, f);
        double back;
        if (sscanf(buf, "%lf", &back) == 1 && back == f)
            return;
    }
}

void t_print(struct sbuf *b, const struct rtype *t)
{
    char num[64];
    if (!t) {
        sbuf_puts(b, "any");
        return;
    }
    switch ((enum rt_kind)t->kind) {
    case RT_ANY:
        sbuf_puts(b, "any");
        break;
    case RT_NONE:
        sbuf_puts(b, "NoneType");
        break;
    case RT_BOOL:
        sbuf_puts(b, "bool");
        break;
    case RT_INT:
        sbuf_puts(b, "int");
        break;
    case RT_FLOAT:
        sbuf_puts(b, "float");
        break;
    case RT_STR:
        sbuf_puts(b, "str");
        break;
    case RT_LIT_BOOL:
        sbuf_puts(b, t->u.b ? "bool(True)" : "bool(False)");
        break;
    case RT_LIT_INT:
        if (t->suffix)
            snprintf(num, sizeof num, "number_multiplier(%lld%s)", (long long)t->u.i,
                     v_unit_suffix_name(t->suffix));
        else
            snprintf(num, sizeof num, "int(%lld)", (long long)t->u.i);
        sbuf_puts(b, num);
        break;
    case RT_LIT_FLOAT:
        float_repr(num, sizeof num, t->u.f);
        sbuf_puts(b, "float(");
        sbuf_puts(b, num);
        sbuf_puts(b, ")");
        break;
    case RT_LIT_STR:
        sbuf_puts(b, "str(");
        sbuf_puts(b, t->u.s);
        sbuf_puts(b, ")");
        break;
    case RT_LIST:
        sbuf_puts(b, "[");
        t_print(b, t->u.elem);
        sbuf_puts(b, "]");
        break;
    case RT_DICT:
        sbuf_puts(b, "{");
        t_print(b, t->u.dict.key);
        sbuf_puts(b, ":");
        t_print(b, t->u.dict.val);
        sbuf_puts(b, "}");
        break;
    case RT_UNION:
        for (uint32_t i = 0; i < t->u.uni.n; i++) {
            if (i)
                sbuf_puts(b, " | ");
            t_print(b, t->u.uni.v[i]);
        }
        break;
    case RT_SCHEMA:
        sbuf_puts(b, t->u.schema->name);
        break;
    case RT_FUNC:
        sbuf_puts(b, "function");
        break;
    case RT_MODULE:
        sbuf_puts(b, "module '");
        sbuf_puts(b, t->u.mod.path);
        sbuf_puts(b, "'");
        break;
    }
}

const char *t_str(struct resolver *r, const struct rtype *t)
{
    struct sbuf b;
    sbuf_init(&b, r->vm);
    t_print(&b, t);
    return rs_sb_text(&b);
}

/* The type a variable gets from the value it is first assigned: literal types widen to their
 * base type, recursively (KCL's infer_to_variable_type). */
static const struct rtype *t_widen_uncached(struct resolver *r, const struct rtype *t);

const struct rtype *t_widen(struct resolver *r, const struct rtype *t)
{
    if (!t)
        return &T_ANY;
    if (t->kind != RT_LIST && t->kind != RT_DICT && t->kind != RT_UNION)
        return t_widen_uncached(r, t);
    if (t->widened)
        return t->widened;
    const struct rtype *w = t_widen_uncached(r, t);
    if (t->hash) /* built by t_done, so not one of the static types: it may be written */
        ((struct rtype *)t)->widened = w;
    return w;
}

static const struct rtype *t_widen_uncached(struct resolver *r, const struct rtype *t)
{
    switch ((enum rt_kind)t->kind) {
    case RT_LIT_BOOL:
        return &T_BOOL;
    case RT_LIT_INT:
        return t->suffix ? &T_ANY : &T_INT;
    case RT_LIT_FLOAT:
        return &T_FLOAT;
    case RT_LIT_STR:
        return &T_STR;
    case RT_LIST:
        return t_list(r, t_widen(r, t->u.elem));
    case RT_DICT: {
        struct rt_attr *attrs = NULL;
        if (t->u.dict.nattrs) {
            attrs = rs_ralloc(r, t->u.dict.nattrs * sizeof *attrs);
            for (uint32_t i = 0; i < t->u.dict.nattrs; i++) {
                attrs[i] = t->u.dict.attrs[i];
                attrs[i].type = t_widen(r, attrs[i].type);
            }
        }
        return t_dict(r, t_widen(r, t->u.dict.key), t_widen(r, t->u.dict.val), attrs,
                      t->u.dict.nattrs);
    }
    case RT_UNION: {
        /* t_sup copies what it keeps: a union built by it has at most 64 members */
        const struct rtype *small[64];
        const struct rtype **v = t->u.uni.n <= 64 ? small : rs_rz(r, t->u.uni.n * sizeof *v);
        for (uint32_t i = 0; i < t->u.uni.n; i++)
            v[i] = t_widen(r, t->u.uni.v[i]);
        return t_sup(r, v, t->u.uni.n);
    }
    default:
        return t;
    }
}

/* Whether a variable may take the type its first value has: only types whose every part is
 * known (no any, no None), so that a later assignment can be checked against it. */
bool t_concrete(const struct rtype *t)
{
    if (!t)
        return false;
    switch ((enum rt_kind)t->kind) {
    case RT_ANY:
    case RT_NONE:
    case RT_FUNC:
    case RT_MODULE:
        return false;
    case RT_LIST:
        return t_concrete(t->u.elem);
    case RT_DICT:
        return t_concrete(t->u.dict.key) && t_concrete(t->u.dict.val);
    case RT_UNION:
        for (uint32_t i = 0; i < t->u.uni.n; i++)
            if (!t_concrete(t->u.uni.v[i]))
                return false;
        return true;
    case RT_SCHEMA:
        return t->instance;
    default:
        return true;
    }
}

enum operand_kind rs_operand_kind(const struct rtype *t)
{
    switch ((enum rt_kind)t->kind) {
    case RT_NONE:
        return OT_NONE;
    case RT_BOOL:
    case RT_LIT_BOOL:
        return OT_BOOL;
    case RT_INT:
        return OT_INT;
    case RT_LIT_INT:
        return t->suffix ? OT_UNKNOWN : OT_INT;
    case RT_FLOAT:
    case RT_LIT_FLOAT:
        return OT_FLOAT;
    case RT_STR:
    case RT_LIT_STR:
        return OT_STR;
    case RT_LIST:
        return OT_LIST;
    case RT_DICT:
        return OT_DICT;
    case RT_SCHEMA:
        return t->instance ? OT_SCHEMA : OT_UNKNOWN;
    default:
        return OT_UNKNOWN;
    }
}

bool rs_is_num_kind(enum operand_kind k)
{
    return k == OT_INT || k == OT_FLOAT;
}

/* KCL's ZERO_LIT_TYPES: 0, 0.0 and False. */
bool rs_is_zero_lit(const struct rtype *t)
{
    return (t->kind == RT_LIT_INT && !t->suffix && t->u.i == 0) ||
           (t->kind == RT_LIT_FLOAT && t->u.f == 0) || (t->kind == RT_LIT_BOOL && !t->u.b);
}

const struct rtype *rs_list_item(const struct rtype *t)
{
    return t->kind == RT_LIST ? t->u.elem : &T_ANY;
}

/* KCL's assignability of a value of type 'v' to a place of type 'e' for the types both know;
 * anything unknown is assignable. Dict-to-schema is checked attribute by attribute elsewhere. */
bool rs_assignable(const struct rtype *v, const struct rtype *e)
{
    if (t_is_any(v) || t_is_any(e) || v->kind == RT_NONE)
        return true;
    if (v->kind == RT_UNION) {
        for (uint32_t i = 0; i < v->u.uni.n; i++)
            if (!rs_assignable(v->u.uni.v[i], e))
                return false;
        return true;
    }
    if (e->kind == RT_UNION) {
        for (uint32_t i = 0; i < e->u.uni.n; i++)
            if (rs_assignable(v, e->u.uni.v[i]))
                return true;
        return false;
    }
    if (v->kind == RT_FUNC || e->kind == RT_FUNC || v->kind == RT_MODULE || e->kind == RT_MODULE)
        return true;
    switch ((enum rt_kind)e->kind) {
    case RT_NONE:
        return false;
    case RT_BOOL:
        return v->kind == RT_BOOL || v->kind == RT_LIT_BOOL;
    case RT_INT:
        return v->kind == RT_INT || v->kind == RT_LIT_INT;
    case RT_FLOAT:
        return v->kind == RT_INT || v->kind == RT_LIT_INT || v->kind == RT_FLOAT ||
               v->kind == RT_LIT_FLOAT;
    case RT_STR:
        return v->kind == RT_STR || v->kind == RT_LIT_STR;
    case RT_LIT_BOOL:
    case RT_LIT_STR:
        return t_equal(v, e);
    case RT_LIT_INT:
        return v->kind == RT_LIT_INT && v->u.i == e->u.i && v->suffix == e->suffix;
    case RT_LIT_FLOAT:
        /* an int literal is only rejected when the program runs */
        return (v->kind == RT_LIT_FLOAT && v->u.f == e->u.f) || v->kind == RT_LIT_INT ||
               v->kind == RT_INT;
    case RT_LIST:
        return v->kind == RT_LIST && rs_assignable(v->u.elem, e->u.elem);
    case RT_DICT:
        return v->kind == RT_DICT && rs_assignable(v->u.dict.key, e->u.dict.key) &&
               rs_assignable(v->u.dict.val, e->u.dict.val);
    case RT_SCHEMA:
        if (v->kind == RT_DICT)
            return true;
        if (v->kind != RT_SCHEMA)
            return false;
        if (v->instance != e->instance)
            return true;
        return rschema_is_sub(v->u.schema, e->u.schema);
    default:
        return true;
    }
}
