/* The builtin functions always in scope (spec §5.1), with KCL's run-time behaviour. */
#include "config.h"

#include "stdlib/stdlib.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/eval.h"
#include "runtime/schema.h"
#include "runtime/vm_impl.h"
#include "scl.h"

/* {===== argument binding (shared with the other stdlib files through stdlib.h) */

uint32_t stdlib_bind(struct vm *vm, const struct callargs *a, const char *fname,
                     const char *const *names, uint32_t n, uint32_t nreq, struct value *out)
{
    uint32_t given = 0;
    assert(n <= 32);
    if (a->npos > n) {
        if (n == 0)
            vm_raise(vm, "%s() takes no arguments (%u given)", fname, a->npos);
        vm_raise(vm, "%s() takes at most %u argument%s (%u given)", fname, n, n == 1 ? "" : "s",
                 a->npos);
    }
    for (uint32_t i = 0; i < a->npos; i++)
        out[i] = a->pos[i];
    for (uint32_t i = a->npos; i < n; i++)
        out[i] = v_undef();
    given = a->npos ? ~0u >> (32 - a->npos) : 0;
    if (!a->nkw && a->npos >= nreq)
        return given; /* the common call: positional arguments only, all required ones given */
    for (uint32_t k = 0; k < a->nkw; k++) {
        const struct str *kn = a->kwnames[k];
        uint32_t j = 0;
        while (j < n && !(strlen(names[j]) == kn->len && !memcmp(names[j], kn->b, kn->len)))
            j++;
        if (j == n)
            vm_raise(vm, "%s() got an unexpected keyword argument '%s'", fname, kn->b);
        if (given & (1u << j))
            vm_raise(vm, "%s() got multiple values for argument '%s'", fname, kn->b);
        out[j] = a->kw[k];
        given |= 1u << j;
    }
    for (uint32_t i = 0; i < nreq; i++)
        if (!(given & (1u << i)))
            vm_raise(vm, "%s() missing 1 required positional argument: '%s'", fname, names[i]);
    return given;
}

/* Only positional arguments: raises on any keyword. */
static void no_kwargs(struct vm *vm, const struct callargs *a, const char *fname)
{
    if (a->nkw)
        vm_raise(vm, "%s() got an unexpected keyword argument '%s'", fname, a->kwnames[0]->b);
}

#define BIND(vm, a, fname, nreq, out, ...)                                                         \
    stdlib_bind((vm), (a), (fname), (const char *const[]){__VA_ARGS__},                            \
                (uint32_t)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)),     \
                (nreq), (out))

/* {===== helpers */

/* Type names as KCL's run-time errors print them. */
static const char *tname(struct value v)
{
    return v.tag == V_NONE ? "NoneType" : v_type_name(v);
}

static bool given_not_null(uint32_t given, uint32_t bit, struct value v)
{
    return (given & (1u << bit)) && !v_is_null(v);
}

/* Bytes in the UTF-8 sequence starting at 's' (at most 'n'; 1 for an invalid lead byte). */
static size_t u8_seq(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c < 0x80 ? 1 : c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return k > n ? n : k;
}

static size_t u8_count(const struct str *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->len; i += u8_seq(s->b + i, s->len - i))
        k++;
    return k;
}

static uint32_t u8_decode(const char *s, size_t n)
{
    size_t k = u8_seq(s, n);
    const unsigned char *p = (const unsigned char *)s;
    switch (k) {
    case 2:
        return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    case 3:
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    case 4:
        return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
               (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    default:
        return p[0];
    }
}

static struct list *str_chars(struct vm *vm, const struct str *s)
{
    struct list *l = list_new(vm, 0);
    for (size_t i = 0, k; i < s->len; i += k) {
        k = u8_seq(s->b + i, s->len - i);
        list_push(vm, l, v_str(str_new(vm, s->b + i, k)));
    }
    return l;
}

static struct list *dict_keys(struct vm *vm, const struct dict *d)
{
    struct list *l = list_new(vm, d->n);
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(d, &i, &e);)
        list_push(vm, l, v_str(e->key));
    return l;
}

/* The items a loop over 'v' sees: characters of a str, elements of a list, keys of a
 * dict or schema. NULL when 'v' is not iterable. Borrowed for a list: do not modify. */
static const struct list *iter_items(struct vm *vm, struct value v)
{
    switch (v.tag) {
    case V_STR:
        return str_chars(vm, v.as.s);
    case V_LIST:
        return v.as.l;
    case V_DICT:
    case V_SCHEMA:
        return dict_keys(vm, v.as.d);
    default:
        return NULL;
    }
}

static const struct list *need_iter(struct vm *vm, struct value v)
{
    const struct list *l = iter_items(vm, v);
    if (!l)
        vm_raise(vm, "'%s' object is not iterable", tname(v));
    return l;
}

/* Rust's saturating float-to-int conversion, which KCL's int() and round() use. */
static int64_t f2i_sat(double f)
{
    if (isnan(f))
        return 0;
    if (f >= 9223372036854775808.0)
        return INT64_MAX;
    if (f <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

static uint64_t mag64(int64_t i)
{
    return i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
}

/* Stable merge sort of v[0..n) by op_order (raises on incomparable items). */
static void sort_values(struct vm *vm, struct value *v, size_t n, bool reverse)
{
    if (n < 2)
        return;
    struct value *tmp = vm_alloc(vm, n * sizeof *tmp);
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n - w; lo += 2 * w) {
            size_t mid = lo + w, hi = mid + w < n ? mid + w : n, i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int c = op_order(vm, v[j], v[i]);
                /* take from the right only when it must come first: keeps equal items in order */
                if (reverse ? c > 0 : c < 0)
                    tmp[k++] = v[j++];
                else
                    tmp[k++] = v[i++];
            }
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
            memcpy(v + lo, tmp + lo, (hi - lo) * sizeof *v);
        }
    }
}

/* {===== output and inspection */

static struct value bi_print(struct vm *vm, const struct callargs *a)
{
    struct value end = v_undef(), sep = v_undef();
    for (uint32_t k = 0; k < a->nkw; k++) {
        const struct str *kn = a->kwnames[k];
        if (kn->len == 3 && !memcmp(kn->b, "end", 3))
            end = a->kw[k];
        else if (kn->len == 3 && !memcmp(kn->b, "sep", 3))
            sep = a->kw[k];
        else
            vm_raise(vm, "print() got an unexpected keyword argument '%s'", kn->b);
    }
    struct sbuf b;
    sbuf_init(&b, vm);
    const struct str *sp = v_is_null(sep) ? NULL : v_to_str(vm, sep);
    for (uint32_t i = 0; i < a->npos; i++) {
        if (i) {
            if (sp)
                sbuf_put(&b, sp->b, sp->len);
            else
                sbuf_putc(&b, ' ');
        }
        const struct str *s = v_to_str(vm, a->pos[i]);
        sbuf_put(&b, s->b, s->len);
    }
    if (end.tag == V_UNDEF) {
        sbuf_putc(&b, '\n');
    } else {
        const struct str *s = v_to_str(vm, end);
        sbuf_put(&b, s->b, s->len);
    }
    vm_write_stdout(vm, b.p, b.n);
    return v_none();
}

static struct value bi_len(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    if (a->npos == 1 && !a->nkw)
        x[0] = a->pos[0];
    else
        BIND(vm, a, "len", 1, x, "inval");
    switch (x[0].tag) {
    case V_STR:
        return v_int(x[0].as.s->len);
    case V_LIST:
        return v_int(x[0].as.l->n);
    case V_DICT:
    case V_SCHEMA:
        return v_int(x[0].as.d->n);
    default:
        vm_raise(vm, "object of type '%s' has no len()", tname(x[0]));
    }
}

/* typeof(x, full_name=False): with full_name, a schema outside the main package is named
 * "pkg.path.Name". */
static struct value bi_typeof(struct vm *vm, const struct callargs *a)
{
    struct value x[2];
    BIND(vm, a, "typeof", 1, x, "x", "full_name");
    if (x[0].tag == V_NONE)
        return v_str(str_cstr(vm, "None"));
    if (x[0].tag == V_UNIT)
        return v_str(str_fmt(vm, "number_multiplier(%lld%s)", (long long)x[0].as.i,
                             v_unit_suffix_name(x[0].aux)));
    const struct schema_type *st = x[0].tag == V_SCHEMA ? dict_schema(x[0].as.d) : NULL;
    if (st && v_truthy(x[1]) && st->pkgpath && strcmp(st->pkgpath, "__main__") != 0) {
        const char *path = st->pkgpath[0] == '@' ? st->pkgpath + 1 : st->pkgpath;
        return v_str(str_fmt(vm, "%s.%s", path, v_type_name(x[0])));
    }
    return v_str(str_cstr(vm, v_type_name(x[0])));
}

static struct value bi_isnullish(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    BIND(vm, a, "isnullish", 1, x, "inval");
    return v_bool(v_is_null(x[0]));
}

static bool same_tags(const struct list *l, uint8_t tag)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (l->v[i].tag != tag)
            return false;
    return true;
}

static struct value bi_isunique(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    BIND(vm, a, "isunique", 1, x, "inval");
    if (x[0].tag != V_LIST)
        vm_raise(vm, "isunique() argument must be a list, not '%s'", tname(x[0]));
    const struct list *l = x[0].as.l;
    if (l->n > 16 && (same_tags(l, V_STR) || same_tags(l, V_INT) || same_tags(l, V_FLOAT))) {
        /* one kind of scalar: equal items are neighbours once sorted */
        struct list *c = list_copy(vm, l);
        sort_values(vm, c->v, c->n, false);
        for (uint32_t i = 1; i < c->n; i++)
            if (v_equal(c->v[i - 1], c->v[i]))
                return v_bool(false);
        return v_bool(true);
    }
    for (uint32_t i = 1; i < l->n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (v_equal(l->v[i], l->v[j]))
                return v_bool(false);
    return v_bool(true);
}

/* {===== numbers */

static struct value bi_multiplyof(struct vm *vm, const struct callargs *a)
{
    struct value x[2];
    BIND(vm, a, "multiplyof", 2, x, "a", "b");
    if (x[0].tag != V_INT || x[1].tag != V_INT)
        vm_raise(vm, "multiplyof() arguments must be int, not '%s' and '%s'", tname(x[0]),
                 tname(x[1]));
    if (x[1].as.i == 0)
        vm_raise(vm, "integer division or modulo by zero");
    if (x[1].as.i == -1)
        return v_bool(true);
    return v_bool(x[0].as.i % x[1].as.i == 0);
}

static struct value bi_abs(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    BIND(vm, a, "abs", 1, x, "inval");
    if (x[0].tag == V_INT) {
        if (x[0].as.i == INT64_MIN)
            vm_raise(vm, "9223372036854775808: A 64 bit integer overflow");
        return v_int(x[0].as.i < 0 ? -x[0].as.i : x[0].as.i);
    }
    if (x[0].tag == V_FLOAT)
        return v_float(fabs(x[0].as.f));
    return v_undef(); /* KCL: abs of a non-number is Undefined */
}

/* all_true()/any_true(): over list items or dict/schema values; other values give False. */
static struct value truth_fold(struct vm *vm, const struct callargs *a, const char *fname, bool all)
{
    struct value x[1];
    BIND(vm, a, fname, 1, x, "inval");
    if (x[0].tag == V_LIST) {
        for (uint32_t i = 0; i < x[0].as.l->n; i++)
            if (v_truthy(x[0].as.l->v[i]) != all)
                return v_bool(!all);
        return v_bool(all);
    }
    if (v_is_dictlike(x[0])) {
        struct dict_entry *e;
        for (uint32_t i = 0; dict_next(x[0].as.d, &i, &e);)
            if (v_truthy(e->val) != all)
                return v_bool(!all);
        return v_bool(all);
    }
    return v_bool(false);
}

static struct value bi_all_true(struct vm *vm, const struct callargs *a)
{
    return truth_fold(vm, a, "all_true", true);
}

static struct value bi_any_true(struct vm *vm, const struct callargs *a)
{
    return truth_fold(vm, a, "any_true", false);
}

/* hex()/oct()/bin(): "0x" + digits of the magnitude, "-" first for negatives. */
static struct value radix_str(struct vm *vm, const struct callargs *a, const char *fname,
                              unsigned shift, char letter)
{
    struct value x[1];
    BIND(vm, a, fname, 1, x, "number");
    if (x[0].tag != V_INT)
        vm_raise(vm, "'%s' object cannot be interpreted as an integer", tname(x[0]));
    char buf[72], *p = buf + sizeof buf;
    uint64_t m = mag64(x[0].as.i);
    unsigned mask = (1u << shift) - 1;
    *--p = '\0';
    do {
        *--p = "0123456789abcdef"[m & mask];
        m >>= shift;
    } while (m);
    *--p = letter;
    *--p = '0';
    if (x[0].as.i < 0)
        *--p = '-';
    return v_str(str_cstr(vm, p));
}

static struct value bi_hex(struct vm *vm, const struct callargs *a)
{
    return radix_str(vm, a, "hex", 4, 'x');
}

static struct value bi_oct(struct vm *vm, const struct callargs *a)
{
    return radix_str(vm, a, "oct", 3, 'o');
}

static struct value bi_bin(struct vm *vm, const struct callargs *a)
{
    return radix_str(vm, a, "bin", 1, 'b');
}

static struct value bi_ord(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    BIND(vm, a, "ord", 1, x, "c");
    if (x[0].tag != V_STR)
        vm_raise(vm, "ord() expected string of length 1, but %s found", tname(x[0]));
    const struct str *s = x[0].as.s;
    if (u8_count(s) != 1)
        vm_raise(vm, "ord() expected string of length 1, but string of length %u found", s->len);
    return v_int(u8_decode(s->b, s->len));
}

static struct value bi_range(struct vm *vm, const struct callargs *a)
{
    struct value x[3];
    uint32_t given = BIND(vm, a, "range", 1, x, "start", "stop", "step");
    int64_t start = 0, stop, step = 1;
    for (int i = 0; i < 3; i++)
        if ((given & (1u << i)) && x[i].tag != V_INT)
            vm_raise(vm, "'%s' object cannot be interpreted as an integer", tname(x[i]));
    if (given & 2) {
        start = x[0].as.i;
        stop = x[1].as.i;
    } else {
        stop = x[0].as.i;
    }
    if (given & 4)
        step = x[2].as.i;
    if (step == 0)
        vm_raise(vm, "range() step argument must not be zero");
    uint64_t count = 0;
    if (step > 0 && start < stop)
        count = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1;
    else if (step < 0 && start > stop)
        count = ((uint64_t)start - (uint64_t)stop - 1) / mag64(step) + 1;
    if (count >= UINT32_MAX / 2)
        vm_raise(vm, "range() result has too many items");
    struct list *l = list_new(vm, (uint32_t)count);
    uint64_t cur = (uint64_t)start;
    for (uint64_t i = 0; i < count; i++, cur += (uint64_t)step) {
        if ((i & 4095) == 4095)
            vm_poll(vm);
        l->v[i] = v_int((int64_t)cur);
    }
    l->n = (uint32_t)count;
    return v_list(l);
}

/* max()/min(): of the arguments, or of the items of a single iterable (KCL keeps the
 * first of equal extremes). */
static struct value extreme(struct vm *vm, const struct callargs *a, const char *fname, int want)
{
    no_kwargs(vm, a, fname);
    if (a->npos == 0)
        vm_raise(vm, "%s() takes exactly one argument (0 given)", fname);
    const struct value *v = a->pos;
    uint32_t n = a->npos;
    if (n == 1) {
        struct value it = a->pos[0];
        const struct list *l = iter_items(vm, it);
        if (!l)
            vm_raise(vm, "%s object is not iterable", tname(it));
        if (l->n == 0)
            vm_raise(vm, "arg is an empty %s",
                     it.tag == V_STR    ? "str"
                     : it.tag == V_LIST ? "list"
                                        : "dict");
        v = l->v;
        n = l->n;
    }
    struct value best = v[0];
    for (uint32_t i = 1; i < n; i++)
        if (op_order(vm, v[i], best) * want > 0)
            best = v[i];
    return best;
}

static struct value bi_max(struct vm *vm, const struct callargs *a)
{
    return extreme(vm, a, "max", 1);
}

static struct value bi_min(struct vm *vm, const struct callargs *a)
{
    return extreme(vm, a, "min", -1);
}

static struct value bi_sum(struct vm *vm, const struct callargs *a)
{
    struct value x[2];
    uint32_t given = BIND(vm, a, "sum", 1, x, "iterable", "start");
    if (x[0].tag != V_LIST)
        vm_raise(vm, "sum() argument must be a list, not '%s'", tname(x[0]));
    struct value acc = (given & 2) ? x[1] : v_int(0);
    if (acc.tag == V_STR)
        vm_raise(vm, "sum() can't sum strings");
    for (uint32_t i = 0; i < x[0].as.l->n; i++)
        acc = op_binary(vm, OP_ADD, acc, x[0].as.l->v[i]);
    return acc;
}

__extension__ typedef __int128 i128;

static struct value bi_pow(struct vm *vm, const struct callargs *a)
{
    struct value x[3];
    BIND(vm, a, "pow", 2, x, "x", "y", "z");
    if (x[2].tag == V_INT) {
        int64_t m = x[2].as.i;
        if (m == 0)
            vm_raise(vm, "pow() 3rd argument cannot be 0");
        if (x[0].tag != V_INT || x[1].tag != V_INT)
            vm_raise(vm, "pow() 3rd argument not allowed unless all arguments are integers");
        int64_t e = x[1].as.i;
        if (e < 0)
            vm_raise(vm, "pow() 2nd argument cannot be negative when 3rd argument specified");
        if (e == 0)
            return v_int(1);
        /* square-and-multiply in 128 bits; remainders take the dividend's sign, as in KCL */
        i128 r = 1, base = x[0].as.i;
        while (e > 0) {
            if (e & 1)
                r = (r * base) % m;
            base = (base * base) % m;
            e >>= 1;
        }
        return v_int((int64_t)r);
    }
    struct value b = x[0], e = x[1];
    if (!v_is_number(b) || !v_is_number(e))
        vm_raise(vm, "unsupported operand type(s) for pow(): '%s' and '%s'", tname(b), tname(e));
    if (b.tag == V_INT && e.tag == V_INT && e.as.i >= 0)
        return op_binary(vm, OP_POW, b, e);
    double fb = b.tag == V_INT ? (double)b.as.i : b.as.f;
    double fe = e.tag == V_INT ? (double)e.as.i : e.as.f;
    return v_float(pow(fb, fe));
}

/* Rust's f64::round: halves away from zero (C's round()). */
static struct value round_digits(double f, int64_t nd)
{
    if (nd == 0)
        return v_float(round(f));
    double y, p1, p2 = 1.0;
    if (nd > 0) {
        if (nd > 22) {
            p1 = pow(10.0, (double)(nd - 22));
            p2 = 1e22;
        } else {
            p1 = pow(10.0, (double)nd);
        }
        y = (f * p1) * p2;
        if (!isfinite(y))
            return v_float(f);
    } else {
        p1 = pow(10.0, (double)-nd);
        y = f / p1;
    }
    double z = round(y);
    if (fabs(y - z) == 0.5) /* a tie: to even */
        z = 2.0 * round(y / 2.0);
    z = nd > 0 ? (z / p2) / p1 : z * p1;
    return isfinite(z) ? v_float(z) : v_undef();
}

static struct value bi_round(struct vm *vm, const struct callargs *a)
{
    struct value x[2];
    BIND(vm, a, "round", 1, x, "number", "ndigits");
    struct value n = x[0];
    if (n.tag != V_INT && n.tag != V_FLOAT)
        vm_raise(vm, "type %s doesn't define __round__ method", tname(n));
    if (x[1].tag == V_INT) {
        if (n.tag == V_INT)
            return v_float((double)n.as.i);
        return round_digits(n.as.f, x[1].as.i);
    }
    if (!v_is_null(x[1]))
        vm_raise(vm, "'%s' object cannot be interpreted as an integer", tname(x[1]));
    if (n.tag == V_INT)
        return n;
    return v_int(f2i_sat(round(n.as.f)));
}

/* {===== conversions */

static int unit_suffix(const char *s, size_t n, size_t *slen, double *mult, uint64_t *imult)
{
    static const struct {
        char name[3];
        uint64_t imult; /* 0: fractional */
        double mult;
    } units[] = {
        {"Ki", 1ull << 10, 0x1p10},
        {"Mi", 1ull << 20, 0x1p20},
        {"Gi", 1ull << 30, 0x1p30},
        {"Ti", 1ull << 40, 0x1p40},
        {"Pi", 1ull << 50, 0x1p50},
        {"n", 0, 1e-9},
        {"u", 0, 1e-6},
        {"m", 0, 1e-3},
        {"k", 1000, 1e3},
        {"K", 1000, 1e3},
        {"M", 1000000, 1e6},
        {"G", 1000000000, 1e9},
        {"T", 1000000000000ull, 1e12},
        {"P", 1000000000000000ull, 1e15},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t k = strlen(units[i].name);
        if (n > k && !memcmp(s + n - k, units[i].name, k)) {
            *slen = k;
            *mult = units[i].mult;
            *imult = units[i].imult;
            return 1;
        }
    }
    return 0;
}

static int digit_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* int(s, base): optional sign, a 0x/0o/0b prefix matching the base (any with base 0), digits;
 * base-10 text may end with a unit suffix ("1Ki" is 1024). */
static struct value parse_int(struct vm *vm, const struct str *s, int64_t base0)
{
    const char *p = s->b;
    size_t n = s->len;
    int64_t base = base0;
    bool neg = false;
    if (n && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
        n--;
    }
    if (n >= 2 && p[0] == '0') {
        char c = (char)(p[1] | 0x20);
        int pb = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
        if (pb && (base == pb || base == 0)) {
            base = pb;
            p += 2;
            n -= 2;
        }
    }
    if (base == 0)
        base = 10;
    size_t slen = 0;
    double mult = 1;
    uint64_t imult = 1;
    if (base == 10 && unit_suffix(p, n, &slen, &mult, &imult))
        n -= slen;
    uint64_t m = 0;
    bool bad = n == 0, ovf = false;
    for (size_t i = 0; i < n && !bad; i++) {
        int d = digit_val(p[i]);
        if (d >= base)
            bad = true;
        else if (__builtin_mul_overflow(m, (uint64_t)base, &m) ||
                 __builtin_add_overflow(m, (uint64_t)d, &m))
            ovf = true;
    }
    if (!bad && !ovf && slen) {
        if (imult) {
            ovf = __builtin_mul_overflow(m, imult, &m);
        } else {
            double f = (double)m * mult;
            return v_int(neg ? -(int64_t)f : (int64_t)f);
        }
    }
    if (!bad && !ovf && m > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        ovf = true;
    if (bad || ovf)
        vm_raise(vm, "invalid literal for int() with base %lld: '%s'", (long long)base0, s->b);
    return v_int(neg ? (int64_t)(0 - m) : (int64_t)m);
}

static struct value bi_int(struct vm *vm, const struct callargs *a)
{
    struct value x[2];
    uint32_t given = BIND(vm, a, "int", 1, x, "number", "base");
    struct value v = x[0];
    switch (v.tag) {
    case V_INT:
        return v;
    case V_BOOL:
        return v_int(v.as.i);
    case V_FLOAT:
        return v_int(f2i_sat(v.as.f));
    case V_UNIT:
        return v_int(f2i_sat(v_unit_float(v)));
    case V_STR: {
        int64_t base = 10;
        if (given_not_null(given, 1, x[1])) {
            if (x[1].tag != V_INT)
                vm_raise(vm, "'%s' object cannot be interpreted as an integer", tname(x[1]));
            base = x[1].as.i;
            if (base != 0 && (base < 2 || base > 36))
                vm_raise(vm, "int() base must be >= 2 and <= 36, or 0");
        }
        return parse_int(vm, v.as.s, base);
    }
    default:
        vm_raise(vm, "int() argument must be a string or a number, not '%s'", tname(v));
    }
}

/* Rust's f64 grammar: [+-] (inf | infinity | nan | digits[.digits] | .digits) [e[+-]digits]. */
static bool float_syntax(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    static const char *const words[] = {"inf", "infinity", "nan"};
    for (size_t w = 0; w < 3; w++) {
        size_t k = strlen(words[w]);
        if (n - i == k) {
            size_t j = 0;
            while (j < k && (s[i + j] | 0x20) == words[w][j])
                j++;
            if (j == k)
                return true;
        }
    }
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (!ed)
            return false;
    }
    return i == n;
}

static struct value checked_float(struct vm *vm, double f)
{
    unsigned flags = vm_flags(vm);
    bool strict = flags & SCL_RUN_STRICT_RANGE;
    if (strict && isinf((float)f))
        vm_raise(vm, "inf: A 32-bit floating point number overflow");
    if ((!strict || (flags & SCL_RUN_DEBUG)) && isinf(f))
        vm_raise(vm, "inf: A 64-bit floating point number overflow");
    return v_float(f);
}

static struct value bi_float(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    BIND(vm, a, "float", 1, x, "number");
    struct value v = x[0];
    switch (v.tag) {
    case V_INT:
    case V_BOOL:
        return v_float((double)v.as.i);
    case V_FLOAT:
        return checked_float(vm, v.as.f);
    case V_UNIT:
        return v_float(v_unit_float(v));
    case V_STR:
        if (!float_syntax(v.as.s->b, v.as.s->len))
            break;
        return checked_float(vm, strtod(v.as.s->b, NULL));
    default:
        break;
    }
    vm_raise(vm, "invalid literal for float() with base 10: '%s'", v_to_str(vm, v)->b);
}

static struct value bi_bool(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    uint32_t given = BIND(vm, a, "bool", 0, x, "x");
    return v_bool(given && v_truthy(x[0]));
}

static struct value bi_str(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    uint32_t given = BIND(vm, a, "str", 0, x, "x");
    if (!given)
        return v_str(str_new(vm, "", 0));
    if (x[0].tag == V_STR)
        return x[0];
    return v_str(v_to_str(vm, x[0]));
}

static struct value bi_list(struct vm *vm, const struct callargs *a)
{
    struct value x[1];
    BIND(vm, a, "list", 0, x, "x");
    if (v_is_null(x[0]))
        return v_list(list_new(vm, 0));
    return v_list(list_copy(vm, need_iter(vm, x[0])));
}

/* dict(x, **kw): entries of a dict/schema or of a list of [key, value] pairs (keys are
 * str()'d), then the keyword arguments. */
static struct value bi_dict(struct vm *vm, const struct callargs *a)
{
    if (a->npos > 1)
        vm_raise(vm, "dict expected at most 1 argument, got %u", a->npos);
    struct dict *d = dict_new(vm, 0);
    if (a->npos == 1 && !v_is_null(a->pos[0])) {
        struct value x = a->pos[0];
        if (v_is_dictlike(x)) {
            struct dict_entry *e;
            for (uint32_t i = 0; dict_next(x.as.d, &i, &e);)
                dict_set(vm, d, e->key, e->val);
        } else {
            const struct list *l = need_iter(vm, x);
            for (uint32_t i = 0; i < l->n; i++) {
                const struct list *pair = iter_items(vm, l->v[i]);
                uint32_t len = pair ? pair->n : 0;
                if (len != 2)
                    vm_raise(vm,
                             "dictionary update sequence element #%u has length %u; 2 is "
                             "required",
                             i, len);
                struct str *k =
                    pair->v[0].tag == V_STR ? pair->v[0].as.s : v_to_str(vm, pair->v[0]);
                dict_set(vm, d, k, pair->v[1]);
            }
        }
    }
    for (uint32_t k = 0; k < a->nkw; k++)
        dict_set(vm, d, a->kwnames[k], a->kw[k]);
    return v_dict(d);
}

/* {===== collections */

static struct value bi_sorted(struct vm *vm, const struct callargs *a)
{
    struct value x[2];
    BIND(vm, a, "sorted", 1, x, "inval", "reverse");
    const struct list *l = iter_items(vm, x[0]);
    if (!l)
        vm_raise(vm, "sorted only for str|list|dict type");
    /* a list argument is copied; the items of a str or dict are already a new list */
    struct list *r = x[0].tag == V_LIST ? list_copy(vm, l) : (struct list *)l;
    sort_values(vm, r->v, r->n, v_truthy(x[1]));
    return v_list(r);
}

static struct value bi_zip(struct vm *vm, const struct callargs *a)
{
    no_kwargs(vm, a, "zip");
    struct list *r = list_new(vm, 0);
    if (a->npos == 0)
        return v_list(r);
    const struct list **ls = vm_alloc(vm, a->npos * sizeof *ls);
    uint32_t n = UINT32_MAX;
    for (uint32_t i = 0; i < a->npos; i++) {
        ls[i] = iter_items(vm, a->pos[i]);
        if (!ls[i])
            vm_raise(vm, "zip argument #%u must support iteration", i + 1);
        if (ls[i]->n < n)
            n = ls[i]->n;
    }
    for (uint32_t j = 0; j < n; j++) {
        struct list *t = list_new(vm, a->npos);
        for (uint32_t i = 0; i < a->npos; i++)
            t->v[i] = ls[i]->v[j];
        t->n = a->npos;
        list_push(vm, r, v_list(t));
    }
    return v_list(r);
}

/* reduce(reducer, iterable, initial): folds reducer(acc, item) from the left; without an
 * initial value the first item seeds it, and an empty iterable gives None. */
static struct value bi_reduce(struct vm *vm, const struct callargs *a)
{
    struct value x[3];
    uint32_t given = BIND(vm, a, "reduce", 2, x, "reducer", "iterable", "initial");
    if (x[0].tag != V_FUNC)
        vm_raise(vm, "reduce() argument 'reducer' must be a function");
    const struct list *l = need_iter(vm, x[1]);
    uint32_t i = 0;
    struct value acc;
    if (given & 4) {
        acc = x[2];
    } else {
        if (l->n == 0)
            return v_none();
        acc = l->v[i++];
    }
    for (; i < l->n; i++) {
        struct value args[2] = {acc, l->v[i]};
        acc = vm_call(vm, x[0], args, 2);
    }
    return acc;
}

/* {===== registration */

static const struct native_def builtins[] = {
    {"abs", bi_abs},           {"all_true", bi_all_true},
    {"any_true", bi_any_true}, {"bin", bi_bin},
    {"bool", bi_bool},         {"dict", bi_dict},
    {"float", bi_float},       {"hex", bi_hex},
    {"int", bi_int},           {"isnullish", bi_isnullish},
    {"isunique", bi_isunique}, {"len", bi_len},
    {"list", bi_list},         {"max", bi_max},
    {"min", bi_min},           {"multiplyof", bi_multiplyof},
    {"oct", bi_oct},           {"ord", bi_ord},
    {"pow", bi_pow},           {"print", bi_print},
    {"range", bi_range},       {"reduce", bi_reduce},
    {"round", bi_round},       {"sorted", bi_sorted},
    {"str", bi_str},           {"sum", bi_sum},
    {"typeof", bi_typeof},     {"zip", bi_zip},
};

const struct native_def *stdlib_builtins(size_t *n)
{
    *n = sizeof builtins / sizeof builtins[0];
    return builtins;
}
