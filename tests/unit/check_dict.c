/* Unit tests of runtime/dict.c: order, replacement, deletion, growth, copies, and random
 * operations cross-checked against a naive array model. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/arena.h"
#include "lang/diag.h"
#include "runtime/value.h"
#include "runtime/vm.h"
#include "runtime/vm_impl.h"

/* An assertion for hot loops: Check's ck_assert writes a checkpoint on every success,
 * which dominates tests that assert millions of times. */
#define QCHECK(expr)                                                                               \
    do {                                                                                           \
        if (!(expr))                                                                               \
            ck_abort_msg("%s:%d: assertion '%s' failed", __FILE__, __LINE__, #expr);               \
    } while (0)

static struct arena A;
static struct diags D;
static struct vm VM;

static void setup(void)
{
    arena_init(&A, NULL, NULL);
    diags_init(&D, &A);
    vm_init(&VM, &A, &D);
}

static void teardown(void)
{
    arena_free(&A);
}

/* A fresh, non-interned key. */
static struct str *key(const char *s)
{
    return str_cstr(&VM, s);
}

static struct str *keyf(int i)
{
    return str_fmt(&VM, "key%d", i);
}

/* White-box invariants of the layout described in dict.c. */
static void check_invariants(const struct dict *d)
{
    QCHECK(d->n <= d->used);
    QCHECK(d->used <= d->cap);
    uint32_t live = 0;
    for (uint32_t i = 0; i < d->used; i++) {
        if (d->e[i].key) {
            live++;
            QCHECK(d->e[i].key->flags & STR_INTERNED);
            QCHECK(d->e[i].key->flags & STR_HASHED);
        }
    }
    QCHECK(live == d->n);
    if (!dict_index(d)) {
        QCHECK(d->used <= 8);
        QCHECK(d->mask == 0);
        return;
    }
    uint32_t size = d->mask + 1;
    QCHECK((size & d->mask) == 0); /* a power of two */
    QCHECK((uint64_t)d->used * 3 <= (uint64_t)size * 2);
    unsigned char *seen = calloc(d->used ? d->used : 1, 1);
    uint32_t pointing = 0;
    for (uint32_t j = 0; j < size; j++) {
        int32_t ix = dict_index(d)[j];
        QCHECK(ix >= -2);
        if (ix >= 0) {
            QCHECK((uint32_t)ix < d->used);
            QCHECK(d->e[ix].key != NULL);
            QCHECK(seen[ix] == 0);
            seen[ix] = 1;
            pointing++;
        }
    }
    free(seen);
    QCHECK(pointing == d->n);
}

/* The keys of 'd' in iteration order, joined with ','. */
static const char *keys_of(const struct dict *d)
{
    static char buf[1 << 16];
    size_t n = 0;
    buf[0] = '\0';
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(d, &i, &e);) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "", e->key->b);
        QCHECK(n < sizeof buf);
    }
    return buf;
}

static void set_int(struct dict *d, const char *k, int64_t v)
{
    dict_set(&VM, d, key(k), v_int(v));
}

static int64_t get_int(const struct dict *d, const char *k)
{
    struct value v = dict_get(d, key(k));
    ck_assert_int_eq(v.tag, V_INT);
    return v.as.i;
}

START_TEST(test_empty)
{
    struct dict *d = dict_new(&VM, 0);
    ck_assert_uint_eq(d->n, 0);
    ck_assert_ptr_null(dict_find(d, key("a")));
    ck_assert_int_eq(dict_get(d, key("a")).tag, V_UNDEF);
    ck_assert(!dict_del(d, key("a")));
    struct dict_entry *e;
    uint32_t i = 0;
    ck_assert(!dict_next(d, &i, &e));
    ck_assert_str_eq(keys_of(dict_copy(&VM, d)), "");
    check_invariants(d);
}
END_TEST

START_TEST(test_insertion_order)
{
    struct dict *d = dict_new(&VM, 0);
    set_int(d, "c", 1);
    set_int(d, "a", 2);
    set_int(d, "b", 3);
    ck_assert_str_eq(keys_of(d), "c,a,b");
    ck_assert_uint_eq(d->n, 3);
    ck_assert_int_eq(get_int(d, "c"), 1);
    ck_assert_int_eq(get_int(d, "a"), 2);
    ck_assert_int_eq(get_int(d, "b"), 3);
    check_invariants(d);
}
END_TEST

START_TEST(test_replace_keeps_position)
{
    struct dict *d = dict_new(&VM, 0);
    set_int(d, "a", 1);
    set_int(d, "b", 2);
    set_int(d, "c", 3);
    struct dict_entry *e = dict_set(&VM, d, key("b"), v_int(99));
    ck_assert_str_eq(e->key->b, "b");
    ck_assert_str_eq(keys_of(d), "a,b,c");
    ck_assert_int_eq(get_int(d, "b"), 99);
    ck_assert_uint_eq(d->n, 3);
    /* a new key from dict_set is a union entry without insert index */
    ck_assert_uint_eq(entry_op(dict_find(d, key("a"))), OPK_UNION);
    ck_assert_int_eq(entry_ins(dict_find(d, key("a"))), -1);
    /* dict_set_op always sets the operator; dict_set on an existing key leaves it */
    dict_set_op(&VM, d, key("b"), v_int(5), OPK_INSERT, 2);
    ck_assert_uint_eq(entry_op(dict_find(d, key("b"))), OPK_INSERT);
    ck_assert_int_eq(entry_ins(dict_find(d, key("b"))), 2);
    dict_set(&VM, d, key("b"), v_int(6));
    ck_assert_uint_eq(entry_op(dict_find(d, key("b"))), OPK_INSERT);
    ck_assert_int_eq(entry_ins(dict_find(d, key("b"))), 2);
    ck_assert_int_eq(get_int(d, "b"), 6);
    /* a new key through dict_set_op gets the given operator */
    dict_set_op(&VM, d, key("z"), v_int(7), OPK_OVERRIDE, -1);
    ck_assert_uint_eq(entry_op(dict_find(d, key("z"))), OPK_OVERRIDE);
    ck_assert_str_eq(keys_of(d), "a,b,c,z");
    check_invariants(d);
}
END_TEST

/* The same scenarios at sizes on both sides of the small/indexed boundary. */
static const uint32_t sizes[] = {1, 2, 7, 8, 9, 10, 16, 17, 100, 1000};

START_TEST(test_delete_readd_goes_last)
{
    uint32_t n = sizes[_i];
    struct dict *d = dict_new(&VM, 0);
    for (uint32_t i = 0; i < n; i++)
        dict_set(&VM, d, keyf((int)i), v_int(i));
    ck_assert(dict_del(d, keyf(0)));
    ck_assert(!dict_del(d, keyf(0)));
    ck_assert_ptr_null(dict_find(d, keyf(0)));
    ck_assert_uint_eq(d->n, n - 1);
    dict_set(&VM, d, keyf(0), v_int(-1));
    ck_assert_uint_eq(d->n, n);
    struct dict_entry *e, *last = NULL;
    uint32_t count = 0, expect = 1;
    for (uint32_t i = 0; dict_next(d, &i, &e); count++) {
        last = e;
        if (count < n - 1) {
            ck_assert_int_eq(e->val.as.i, expect);
            expect++;
        }
    }
    ck_assert_uint_eq(count, n);
    ck_assert_ptr_nonnull(last);
    ck_assert_str_eq(last->key->b, "key0");
    ck_assert_int_eq(last->val.as.i, -1);
    check_invariants(d);
}
END_TEST

START_TEST(test_small_large_transition)
{
    uint32_t n = sizes[_i];
    struct dict *d = dict_new(&VM, 0);
    for (uint32_t i = 0; i < n; i++) {
        dict_set(&VM, d, keyf((int)i), v_int(i));
        check_invariants(d);
        ck_assert(dict_index(d) != NULL || d->used <= 8);
    }
    if (n > 8)
        ck_assert_ptr_nonnull(dict_index(d));
    else
        ck_assert_ptr_null(dict_index(d));
    /* delete the even keys, then every lookup still answers right */
    for (uint32_t i = 0; i < n; i += 2)
        ck_assert(dict_del(d, keyf((int)i)));
    check_invariants(d);
    for (uint32_t i = 0; i < n; i++) {
        struct dict_entry *e = dict_find(d, keyf((int)i));
        if (i % 2 == 0) {
            ck_assert_ptr_null(e);
        } else {
            ck_assert_ptr_nonnull(e);
            ck_assert_int_eq(e->val.as.i, i);
        }
    }
    /* re-add them: odd keys keep their order, even keys follow in re-add order */
    for (uint32_t i = 0; i < n; i += 2)
        dict_set(&VM, d, keyf((int)i), v_int(1000000 + i));
    check_invariants(d);
    ck_assert_uint_eq(d->n, n);
    struct dict_entry *e;
    uint32_t pos = 0;
    for (uint32_t i = 0; dict_next(d, &i, &e); pos++) {
        uint32_t odd = n / 2; /* number of odd keys below n */
        int64_t want = pos < odd ? (int64_t)(2 * pos + 1) : 1000000 + 2 * (int64_t)(pos - odd);
        ck_assert_int_eq(e->val.as.i, want);
    }
    ck_assert_uint_eq(pos, n);
}
END_TEST

START_TEST(test_growth_many_keys)
{
    enum { N = 50000 };
    struct dict *d = dict_new(&VM, 0);
    for (int i = 0; i < N; i++)
        dict_set(&VM, d, keyf(i), v_int(i * 3));
    ck_assert_uint_eq(d->n, N);
    ck_assert_ptr_nonnull(dict_index(d));
    check_invariants(d);
    for (int i = 0; i < N; i++) {
        struct value v = dict_get(d, keyf(i));
        QCHECK(v.tag == V_INT);
        QCHECK(v.as.i == i * 3);
    }
    for (int i = N; i < N + 1000; i++)
        QCHECK(dict_get(d, keyf(i)).tag == V_UNDEF);
    struct dict_entry *e;
    int expect = 0;
    for (uint32_t i = 0; dict_next(d, &i, &e); expect++) {
        QCHECK(e->val.as.i == expect * 3);
        char buf[32];
        snprintf(buf, sizeof buf, "key%d", expect);
        QCHECK(strcmp(e->key->b, buf) == 0);
    }
    ck_assert_int_eq(expect, N);
}
END_TEST

START_TEST(test_presized)
{
    struct dict *d = dict_new(&VM, 100);
    ck_assert_uint_eq(d->cap, 100);
    ck_assert_ptr_nonnull(dict_index(d));
    struct dict_entry *entries = d->e;
    int32_t *index = dict_index(d);
    for (int i = 0; i < 100; i++)
        dict_set(&VM, d, keyf(i), v_int(i));
    /* room for all 100 was made up front */
    ck_assert_ptr_eq(d->e, entries);
    ck_assert_ptr_eq(dict_index(d), index);
    check_invariants(d);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(dict_get(d, keyf(i)).as.i, i);
    struct dict *s = dict_new(&VM, 3);
    ck_assert_ptr_null(dict_index(s));
    set_int(s, "x", 1);
    ck_assert_int_eq(get_int(s, "x"), 1);
}
END_TEST

/* Deleting and adding keys forever keeps memory bounded: tombstones are reclaimed. */
START_TEST(test_churn_bounded)
{
    struct dict *d = dict_new(&VM, 0);
    for (int i = 0; i < 1000; i++)
        dict_set(&VM, d, keyf(i), v_int(i));
    for (int i = 0; i < 100000; i++) {
        QCHECK(dict_del(d, keyf(i)));
        dict_set(&VM, d, keyf(i + 1000), v_int(i + 1000));
    }
    check_invariants(d);
    ck_assert_uint_eq(d->n, 1000);
    ck_assert_uint_le(d->cap, 4096);
    /* after squeezing out tombstones there is room for n/2 appends: amortised O(1) */
    ck_assert_uint_ge(d->cap, 1500);
    ck_assert_uint_le(d->mask + 1, 8192);
    struct dict_entry *e;
    int expect = 100000;
    for (uint32_t i = 0; dict_next(d, &i, &e); expect++)
        QCHECK(e->val.as.i == expect);
    ck_assert_int_eq(expect, 101000);
    /* a small dict emptied and refilled many times stays small */
    struct dict *s = dict_new(&VM, 0);
    for (int i = 0; i < 10000; i++) {
        set_int(s, "a", i);
        set_int(s, "b", i);
        QCHECK(dict_del(s, key(i % 2 ? "a" : "b")));
        QCHECK(dict_del(s, key(i % 2 ? "b" : "a")));
    }
    ck_assert_ptr_null(dict_index(s));
    ck_assert_uint_le(s->cap, 8);
}
END_TEST

START_TEST(test_copy_independent)
{
    uint32_t n = sizes[_i];
    static int schema_stub;
    struct dict *d = dict_new(&VM, 0);
    dict_set_inst(&VM, d, (struct schema_type *)&schema_stub, (struct span){1, 10, 20}, NULL);
    for (uint32_t i = 0; i < n; i++)
        dict_set_op(&VM, d, keyf((int)i), v_int(i), i % 3, (int32_t)i - 1);
    /* pass 0 copies a dict without tombstones, pass 1 one with a tombstone */
    for (int pass = 0; pass < 2; pass++) {
        struct dict *c = dict_copy(&VM, d);
        check_invariants(c);
        ck_assert_ptr_eq(dict_schema(c), dict_schema(d));
        ck_assert_uint_eq(c->inst->span.file, 1);
        ck_assert_uint_eq(c->inst->span.lo, 10);
        ck_assert_uint_eq(c->inst->span.hi, 20);
        ck_assert_str_eq(keys_of(c), keys_of(d));
        ck_assert_uint_eq(c->n, d->n);
        struct dict_entry *e;
        for (uint32_t i = 0; dict_next(d, &i, &e);) {
            struct dict_entry *f = dict_find(c, e->key);
            ck_assert_ptr_nonnull(f);
            ck_assert_ptr_ne(f, e);
            ck_assert_ptr_eq(f->key, e->key);
            ck_assert_int_eq(f->val.as.i, e->val.as.i);
            ck_assert_uint_eq(entry_op(f), entry_op(e));
            ck_assert_int_eq(entry_ins(f), entry_ins(e));
        }
        /* changing the copy leaves the original alone */
        static char before[1 << 16];
        snprintf(before, sizeof before, "%s", keys_of(d));
        dict_set(&VM, c, keyf(0), v_int(-5));
        dict_set(&VM, c, key("new"), v_int(1));
        if (n > 3)
            dict_del(c, keyf(3));
        for (int i = 0; i < 40; i++)
            dict_set(&VM, c, str_fmt(&VM, "more%d", i), v_none());
        ck_assert_str_eq(keys_of(d), before);
        ck_assert_int_eq(dict_get(d, keyf(0)).as.i, 0);
        ck_assert_int_eq(dict_get(d, key("new")).tag, V_UNDEF);
        if (n > 3)
            ck_assert_int_eq(dict_get(d, keyf(3)).as.i, 3);
        check_invariants(d);
        check_invariants(c);
        if (pass == 0 && n > 2)
            ck_assert(dict_del(d, keyf(1)));
    }
}
END_TEST

START_TEST(test_iteration_skips_tombstones)
{
    struct dict *d = dict_new(&VM, 0);
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        set_int(d, names[i], i);
    dict_del(d, key("b"));
    dict_del(d, key("d"));
    ck_assert_str_eq(keys_of(d), "a,c,e");
    ck_assert_uint_eq(d->used, 5);
    dict_del(d, key("e")); /* trailing: a small dict just drops it (and "d" before it) */
    ck_assert_uint_eq(d->used, 3);
    dict_del(d, key("a")); /* leading */
    ck_assert_str_eq(keys_of(d), "c");
    dict_del(d, key("c"));
    ck_assert_str_eq(keys_of(d), "");
    ck_assert_uint_eq(d->n, 0);
    set_int(d, "z", 1);
    ck_assert_str_eq(keys_of(d), "z");
    check_invariants(d);
}
END_TEST

START_TEST(test_interned_keys)
{
    struct dict *a = dict_new(&VM, 0), *b = dict_new(&VM, 0);
    struct str *k1 = key("name"), *k2 = key("name");
    ck_assert_ptr_ne(k1, k2);
    struct dict_entry *e1 = dict_set(&VM, a, k1, v_int(1));
    struct dict_entry *e2 = dict_set(&VM, b, k2, v_int(2));
    /* both dicts hold the one interned "name" */
    ck_assert_ptr_eq(e1->key, e2->key);
    ck_assert_ptr_eq(e1->key, str_intern(&VM, "name", 4));
    ck_assert(e1->key->flags & STR_INTERNED);
    /* a non-interned probe finds it, in a small and in an indexed dict */
    ck_assert_int_eq(dict_get(a, key("name")).as.i, 1);
    for (int i = 0; i < 30; i++)
        dict_set(&VM, b, keyf(i), v_int(i));
    ck_assert_ptr_nonnull(dict_index(b));
    ck_assert_int_eq(dict_get(b, key("name")).as.i, 2);
    ck_assert_int_eq(dict_get(b, str_intern(&VM, "name", 4)).as.i, 2);
    ck_assert_int_eq(dict_get(b, str_intern(&VM, "nam", 3)).tag, V_UNDEF);
    /* keys differing only past an embedded NUL stay apart */
    dict_set(&VM, a, str_new(&VM, "x\0y", 3), v_int(10));
    dict_set(&VM, a, str_new(&VM, "x\0z", 3), v_int(11));
    dict_set(&VM, a, str_new(&VM, "x", 1), v_int(12));
    ck_assert_int_eq(dict_get(a, str_new(&VM, "x\0y", 3)).as.i, 10);
    ck_assert_int_eq(dict_get(a, str_new(&VM, "x\0z", 3)).as.i, 11);
    ck_assert_int_eq(dict_get(a, str_new(&VM, "x", 1)).as.i, 12);
    ck_assert_uint_eq(a->n, 4);
    /* the empty string is a key like any other */
    dict_set(&VM, a, key(""), v_int(0));
    ck_assert_int_eq(dict_get(a, key("")).tag, V_INT);
    check_invariants(a);
    check_invariants(b);
}
END_TEST

/* {===== random operations against a model */

struct model {
    int *key;
    int64_t *val;
    unsigned *op;
    int32_t *ins;
    int n;
};

static void model_init(struct model *m, int cap)
{
    m->key = malloc((size_t)cap * sizeof *m->key);
    m->val = malloc((size_t)cap * sizeof *m->val);
    m->op = malloc((size_t)cap * sizeof *m->op);
    m->ins = malloc((size_t)cap * sizeof *m->ins);
    m->n = 0;
}

static void model_free(struct model *m)
{
    free(m->key);
    free(m->val);
    free(m->op);
    free(m->ins);
}

static void model_copy(struct model *dst, const struct model *src)
{
    memcpy(dst->key, src->key, (size_t)src->n * sizeof *src->key);
    memcpy(dst->val, src->val, (size_t)src->n * sizeof *src->val);
    memcpy(dst->op, src->op, (size_t)src->n * sizeof *src->op);
    memcpy(dst->ins, src->ins, (size_t)src->n * sizeof *src->ins);
    dst->n = src->n;
}

static int model_find(const struct model *m, int k)
{
    for (int i = 0; i < m->n; i++)
        if (m->key[i] == k)
            return i;
    return -1;
}

static void model_set(struct model *m, int k, int64_t v, int set_op, unsigned op, int32_t ins)
{
    int i = model_find(m, k);
    if (i < 0) {
        i = m->n++;
        m->key[i] = k;
        m->op[i] = OPK_UNION;
        m->ins[i] = -1;
    }
    m->val[i] = v;
    if (set_op) {
        m->op[i] = op;
        m->ins[i] = ins;
    }
}

static int model_del(struct model *m, int k)
{
    int i = model_find(m, k);
    if (i < 0)
        return 0;
    memmove(m->key + i, m->key + i + 1, (size_t)(m->n - i - 1) * sizeof *m->key);
    memmove(m->val + i, m->val + i + 1, (size_t)(m->n - i - 1) * sizeof *m->val);
    memmove(m->op + i, m->op + i + 1, (size_t)(m->n - i - 1) * sizeof *m->op);
    memmove(m->ins + i, m->ins + i + 1, (size_t)(m->n - i - 1) * sizeof *m->ins);
    m->n--;
    return 1;
}

static void model_check(const struct dict *d, const struct model *m, struct str **interned)
{
    check_invariants(d);
    QCHECK(d->n == (uint32_t)m->n);
    struct dict_entry *e;
    int j = 0;
    for (uint32_t i = 0; dict_next(d, &i, &e); j++) {
        QCHECK(j < m->n);
        QCHECK(e->key == interned[m->key[j]]);
        QCHECK(e->val.as.i == m->val[j]);
        QCHECK(entry_op(e) == m->op[j]);
        QCHECK(entry_ins(e) == m->ins[j]);
    }
    QCHECK(j == m->n);
}

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static const int key_spaces[] = {3, 8, 9, 12, 40, 300, 3000};

START_TEST(test_entry_packing)
{
    struct dict *d = dict_new(&VM, 0);
    struct dict_entry *e = dict_set_op(&VM, d, key("a"), v_int(1), OPK_INSERT, 3);
    entry_set_at(e, 7, 123456789);
    entry_set_named(e, true);
    ck_assert_uint_eq(entry_op(e), OPK_INSERT);
    ck_assert_int_eq(entry_ins(e), 3);
    ck_assert_uint_eq(entry_file(e), 7);
    ck_assert_uint_eq(entry_lo(e), 123456789);
    ck_assert(entry_named(e));
    entry_set_op(e, OPK_OVERRIDE);
    ck_assert_uint_eq(entry_op(e), OPK_OVERRIDE);
    ck_assert(entry_named(e));
    ck_assert_int_eq(entry_ins(e), 3);
    /* a shared source keeps its id; one that does not fit leaves no location */
    entry_set_at(e, SOURCE_SHARED_BASE + 5, 42);
    ck_assert_uint_eq(entry_file(e), SOURCE_SHARED_BASE + 5);
    ck_assert_uint_eq(entry_lo(e), 42);
    entry_set_at(e, 0x10000, 42);
    ck_assert_uint_eq(entry_file(e), 0);
    entry_set_at(e, 9, 10);
    /* an insert index too big for the meta bits is kept, at the cost of the location */
    entry_set_ins(e, 1 << 20);
    ck_assert_int_eq(entry_ins(e), 1 << 20);
    ck_assert_uint_eq(entry_file(e), 0);
    ck_assert_uint_eq(entry_op(e), OPK_OVERRIDE);
    entry_set_at(e, 9, 10);
    ck_assert_uint_eq(entry_file(e), 0);
    entry_set_ins(e, -1);
    ck_assert_int_eq(entry_ins(e), -1);
    entry_set_at(e, 9, 10);
    ck_assert_uint_eq(entry_file(e), 9);
    ck_assert_uint_eq(entry_lo(e), 10);
    ck_assert(entry_named(e));
}
END_TEST

START_TEST(test_random_against_model)
{
    const int nkeys = key_spaces[_i];
    const int nops = 30000;
    uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(_i + 1);
    struct str **interned = malloc((size_t)nkeys * sizeof *interned);
    for (int k = 0; k < nkeys; k++)
        interned[k] = str_intern_str(&VM, keyf(k));
    struct model m, snap;
    model_init(&m, nkeys);
    model_init(&snap, nkeys);
    struct dict *d = dict_new(&VM, (uint32_t)(rng_next(&seed) % 20));
    struct dict *old = NULL;
    for (int step = 0; step < nops; step++) {
        uint64_t r = rng_next(&seed);
        int k = (int)((r >> 8) % (uint64_t)nkeys);
        /* probe with the interned key or with a fresh non-interned twin */
        struct str *ks = (r >> 40) & 1 ? interned[k] : keyf(k);
        int64_t v = (int64_t)(r >> 20) % 1000;
        unsigned what = (unsigned)(r % 100);
        if (what < 40) {
            dict_set(&VM, d, ks, v_int(v));
            model_set(&m, k, v, 0, 0, 0);
        } else if (what < 55) {
            unsigned op = (unsigned)((r >> 50) % 3);
            int32_t ins = (int32_t)((r >> 53) % 7) - 1;
            struct dict_entry *e = dict_set_op(&VM, d, ks, v_int(v), op, ins);
            QCHECK(e->key == interned[k]);
            model_set(&m, k, v, 1, op, ins);
        } else if (what < 80) {
            QCHECK(dict_del(d, ks) == (model_del(&m, k) != 0));
        } else if (what < 95) {
            struct dict_entry *e = dict_find(d, ks);
            int i = model_find(&m, k);
            if (i < 0) {
                QCHECK(e == NULL);
            } else {
                QCHECK(e != NULL);
                QCHECK(e->val.as.i == m.val[i]);
            }
        } else if (what < 97) {
            /* continue on a copy; the original must keep its contents */
            old = d;
            d = dict_copy(&VM, d);
            model_copy(&snap, &m);
        } else {
            model_check(d, &m, interned);
        }
        if (step % 2000 == 0)
            model_check(d, &m, interned);
    }
    model_check(d, &m, interned);
    if (old)
        model_check(old, &snap, interned);
    model_free(&m);
    model_free(&snap);
    free(interned);
}
END_TEST

static Suite *dict_suite(void)
{
    Suite *s = suite_create("dict");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_insertion_order);
    tcase_add_test(tc, test_replace_keeps_position);
    tcase_add_loop_test(tc, test_delete_readd_goes_last, 0, sizeof sizes / sizeof sizes[0]);
    tcase_add_loop_test(tc, test_small_large_transition, 0, sizeof sizes / sizeof sizes[0]);
    tcase_add_test(tc, test_growth_many_keys);
    tcase_add_test(tc, test_presized);
    tcase_add_test(tc, test_churn_bounded);
    tcase_add_loop_test(tc, test_copy_independent, 0, sizeof sizes / sizeof sizes[0]);
    tcase_add_test(tc, test_iteration_skips_tombstones);
    tcase_add_test(tc, test_interned_keys);
    tcase_add_test(tc, test_entry_packing);
    tcase_add_loop_test(tc, test_random_against_model, 0, sizeof key_spaces / sizeof key_spaces[0]);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dict_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
