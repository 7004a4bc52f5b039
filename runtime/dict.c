/* Dicts: compact insertion-ordered hash maps with interned string keys. */
#include "config.h"

#include "runtime/value.h"

#include <string.h>

#include "runtime/vm.h"
#include "runtime/vm_impl.h"

/* {===== layout
 *
 * A dict is two arrays, after CPython's Objects/dictobject.c:
 *
 *   e[0 .. used)   the entries, in insertion order: {key, val, bits, file, pos}. 'used' only grows
 *                  between resizes; deleting an entry leaves a tombstone there (key ==
 *                  NULL), so the order of the others never changes. 'n' counts the live
 *                  entries; 'cap' is the allocated length of 'e'.
 *   index[0 .. mask]  a power-of-two open-addressed table of int32 entry numbers:
 *                  IX_EMPTY (-1) never used, IX_DUMMY (-2) its entry was deleted, or
 *                  i >= 0, the position in 'e' of a live entry. It is in the entries'
 *                  block, right after e[cap] (dict_index), so the dict needs no pointer
 *                  to it: whenever 'cap' or the index size changes, both move to a new
 *                  block together.
 *
 * Iteration walks 'e' and skips tombstones, so the order is insertion order and never
 * depends on hash values (KCL prints keys in first-definition order). Replacing the
 * value of an existing key writes the entry in place: it keeps its position. Deleting
 * and re-adding a key appends a new entry: it moves to the end.
 *
 * Keys. dict_set interns every key (str_intern_str), and every interned str carries its
 * xxh3 hash, so an entry needs no hash field. In one vm there is exactly one interned str
 * per text, so for an interned probe key "same text" is "same pointer"; a probe key that
 * is not interned is compared by hash, length and bytes. Mixing strs interned by
 * different vms in one dict is not allowed (it would break that rule).
 *
 * Small dicts. Most configs have a handful of keys. While 'used' <= DICT_SMALL there is
 * no index at all (index == NULL, mask == 0): a lookup scans 'e' comparing pointers, which
 * reads at most four cache lines and needs no hash for an interned key. A non-interned
 * probe key can never equal an entry key by pointer; it is compared by hash and bytes.
 *
 * Probing. The first slot is hash & mask. On a collision the next slot is
 *     perturb >>= 5;  j = (5*j + 1 + perturb) & mask
 * with perturb starting at the full 64-bit hash. While perturb is non-zero it feeds the
 * high hash bits into the sequence, so keys that share their low bits part quickly; once
 * it is zero, j = 5*j + 1 (mod 2^k) is a full-period generator and visits every slot, so
 * a probe always reaches an empty slot when one exists. A lookup stops at the first
 * IX_EMPTY and skips IX_DUMMY (a deleted slot must not end the chain of keys inserted
 * after it); a new key is placed in that first IX_EMPTY slot, dummies are reclaimed only
 * by a resize.
 *
 * Load and resizing. Every entry ever appended since the last resize holds one index
 * slot (live or dummy), so the invariant is used * 3 <= size * 2: the index is at most
 * 2/3 full and always has an empty slot. An insert that would break it, or that finds
 * 'e' full, resizes: tombstones are squeezed out of 'e' in place (order kept) and 'e'
 * grows geometrically if needed, keeping slack for half as many appends again after a
 * squeeze, so churn stays amortised O(1). The index is sized for all of 'e' (the smallest
 * power of two >= 1.5 * cap), so it never fills before 'e' does: it is rebuilt only when
 * the entries are squeezed or grow, and moves with them (one new block and one copy per
 * growth, without an index in vm_realloc, in place when it is the arena's last block). A
 * dict that falls back to DICT_SMALL entries drops its index.
 */

#define DICT_SMALL    8u  /* most entries (live + tombstones) held without an index */
#define INDEX_MIN     16u /* smallest index */
#define PERTURB_SHIFT 5
#define IX_EMPTY      (-1)
#define IX_DUMMY      (-2)

static bool index_fits(uint32_t used, uint32_t size)
{
    return (uint64_t)used * 3 <= (uint64_t)size * 2;
}

/* Smallest power of two >= max(INDEX_MIN, want). */
static uint32_t pow2_at_least(struct vm *vm, uint64_t want)
{
    uint64_t size = INDEX_MIN;
    while (size < want)
        size <<= 1;
    if (size > ((uint64_t)1 << 31))
        vm_raise(vm, "dict too large");
    return (uint32_t)size;
}

/* The index of a dict that has one (d->mask != 0): dict_index without the test. */
static inline int32_t *index_of(const struct dict *d)
{
    return (int32_t *)(void *)(d->e + d->cap);
}

/* Bytes of a block of 'cap' entries followed by an index of 'size' slots (0: none). */
static size_t entries_size(uint32_t cap, uint32_t size)
{
    return (size_t)cap * sizeof(struct dict_entry) + (size_t)size * sizeof(int32_t);
}

/* Fills the index (d->mask + 1 slots, in the block) over e[0 .. used), which must hold no
 * tombstones. */
static void index_build(struct dict *d)
{
    int32_t *index = index_of(d);
    memset(index, 0xff, ((size_t)d->mask + 1) * sizeof *index); /* all IX_EMPTY */
    for (uint32_t i = 0; i < d->used; i++) {
        uint64_t h = d->e[i].key->hash;
        uint64_t perturb = h;
        size_t j = (size_t)(h & d->mask);
        while (index[j] != IX_EMPTY) {
            perturb >>= PERTURB_SHIFT;
            j = (size_t)((j * 5 + perturb + 1) & d->mask);
        }
        index[j] = (int32_t)i;
    }
}

/* Position in 'e' of the live entry for 'key' (hash 'h' when there is an index), or -1.
 * With an index, '*slot' receives the index slot of the entry, or of the empty slot where
 * the key would go. */
static int32_t dict_lookup(const struct dict *d, struct str *key, uint32_t *slot)
{
    const bool interned = (key->flags & STR_INTERNED) != 0;
    if (!d->mask) {
        const struct dict_entry *e = d->e;
        if (interned) {
            for (uint32_t i = 0; i < d->used; i++)
                if (e[i].key == key)
                    return (int32_t)i;
            return -1;
        }
        /* entry keys are all interned, so a non-interned key never matches by pointer */
        uint64_t h = str_hash(key);
        for (uint32_t i = 0; i < d->used; i++) {
            const struct str *k = e[i].key;
            if (k && k->hash == h && k->len == key->len && memcmp(k->b, key->b, key->len) == 0)
                return (int32_t)i;
        }
        return -1;
    }
    const int32_t *index = index_of(d);
    uint64_t h = str_hash(key);
    uint64_t perturb = h;
    size_t j = (size_t)(h & d->mask);
    for (;;) {
        int32_t ix = index[j];
        if (ix == IX_EMPTY) {
            *slot = (uint32_t)j;
            return -1;
        }
        if (ix >= 0) {
            const struct str *k = d->e[ix].key;
            if (k == key || (!interned && k->hash == h && k->len == key->len &&
                             memcmp(k->b, key->b, key->len) == 0)) {
                *slot = (uint32_t)j;
                return ix;
            }
        }
        perturb >>= PERTURB_SHIFT;
        j = (size_t)((j * 5 + perturb + 1) & d->mask);
    }
}

/* Where the entries of a dict made with a known capacity are: right after the dict, in the
 * same arena block (one allocation and one rounding to the arena's alignment instead of
 * two; a dict's 32 bytes keep the entries 8-aligned, which is all they need). */
static inline struct dict_entry *dict_inline(struct dict *d)
{
    return (struct dict_entry *)(d + 1);
}

/* Dict blocks (the dict and its first entries) are cut from pieces of the arena this big,
 * 8-aligned as their contents need, rather than each rounded up to the arena's 16-byte
 * alignment, which costs 8 bytes for every dict with an even number of entries. The blocks
 * never grow in place, so they need not be the arena's own allocations. */
#define DICT_PIECE ((size_t)64 << 10)

static void *dict_block(struct vm *vm, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n > DICT_PIECE / 4)
        return vm_alloc(vm, n);
    if ((size_t)(vm->dict_end - vm->dict_cur) < n) {
        vm->dict_cur = vm_alloc(vm, DICT_PIECE);
        vm->dict_end = vm->dict_cur + DICT_PIECE;
    }
    void *p = vm->dict_cur;
    vm->dict_cur += n;
    return p;
}

/* A dict with room for 'cap' entries and an index of 'size' slots (0: none, else at least
 * INDEX_MIN) in its own block; the caller sets 'used' and 'n' and fills the index. */
static struct dict *dict_alloc(struct vm *vm, uint32_t cap, uint32_t size)
{
    if (cap > (uint32_t)INT32_MAX)
        vm_raise(vm, "dict too large");
    struct dict *d = dict_block(vm, sizeof *d + entries_size(cap, size));
    memset(d, 0, sizeof *d);
    if (cap) {
        d->e = dict_inline(d);
        d->cap = cap;
        d->mask = size ? size - 1 : 0;
    }
    return d;
}

/* Index slots for a dict made with room for 'cap' entries (0: none). */
static uint32_t index_size_for(struct vm *vm, uint32_t cap)
{
    return cap > DICT_SMALL ? pow2_at_least(vm, ((uint64_t)cap * 3 + 1) / 2) : 0;
}

/* Squeezes tombstones out of 'e', keeping order. The index is stale afterwards. */
static void dict_compact(struct dict *d)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < d->used; i++) {
        if (d->e[i].key) {
            if (i != j)
                d->e[j] = d->e[i];
            j++;
        }
    }
    d->used = j;
}

/* Makes room to append one entry (see "Load and resizing"). */
static __attribute__((noinline)) void dict_make_room(struct vm *vm, struct dict *d)
{
    bool moved = false;
    if (d->n < d->used) {
        dict_compact(d);
        moved = true;
    }
    if (d->used >= (uint32_t)INT32_MAX)
        vm_raise(vm, "dict too large");
    uint32_t need = d->used + 1;
    /* after squeezing, keep slack for need/2 more appends so churn stays amortised O(1) */
    uint64_t want = moved ? (uint64_t)need + need / 2 : need;
    uint32_t cap = d->cap;
    if (want > d->cap) {
        uint64_t c = d->cap < 4 ? 4 : (uint64_t)d->cap * 2;
        if (c < want)
            c = want;
        if (c > (uint64_t)INT32_MAX)
            c = (uint64_t)INT32_MAX;
        cap = (uint32_t)c;
    }
    uint32_t old_size = d->mask ? d->mask + 1 : 0;
    uint32_t size = 0; /* index slots, 0: none */
    if (need > DICT_SMALL) {
        /* room for all 'cap' entries: the index never fills before 'e' does, so it moves
         * (and is rebuilt) only when the entries do */
        size = index_size_for(vm, cap > DICT_SMALL ? cap : DICT_SMALL + 1);
        if (size < old_size)
            size = old_size;
    }
    if (cap == d->cap && size == old_size) {
        if (moved && size)
            index_build(d);
        return;
    }
    if (!size && !old_size && d->e != dict_inline(d)) {
        /* no index: the entries alone, grown in place when they are the arena's last block */
        d->e = vm_realloc(vm, d->e, (size_t)d->cap * sizeof *d->e, (size_t)cap * sizeof *d->e);
        d->cap = cap;
        return;
    }
    /* a new block for both (the entries made with the dict live in its block, which
     * cannot grow; an index lives after the entries, so it moves with them) */
    struct dict_entry *e = vm_alloc(vm, entries_size(cap, size));
    memcpy(e, d->e, (size_t)d->used * sizeof *d->e);
    int32_t *old_index = dict_index(d);
    d->e = e;
    d->cap = cap;
    d->mask = size ? size - 1 : 0;
    if (!size)
        return;
    if (size == old_size && !moved)
        memcpy(dict_index(d), old_index, (size_t)size * sizeof *old_index);
    else
        index_build(d);
}

/* Whether appending one entry needs dict_make_room first. */
static bool dict_full(const struct dict *d)
{
    if (d->used == d->cap)
        return true;
    return d->mask ? !index_fits(d->used + 1, d->mask + 1) : d->used >= DICT_SMALL;
}

/* Appends a new entry for the interned 'key' (absent from 'd'); 'slot' is the empty
 * index slot dict_lookup found for it (recomputed after a resize). */
static struct dict_entry *dict_append(struct vm *vm, struct dict *d, struct str *key, uint32_t slot,
                                      struct value v, unsigned op, int32_t ins)
{
    if (dict_full(d)) {
        dict_make_room(vm, d);
        if (d->mask) {
            int32_t ix = dict_lookup(d, key, &slot);
            (void)ix; /* absent: 'slot' is the empty slot for 'key' */
        }
    }
    uint32_t i = d->used++;
    struct dict_entry *e = &d->e[i];
    e->key = key;
    e->val = v;
    e->bits = entry_bits(op, ins);
    e->file = 0;
    e->pos = 0;
    if (ins < -1 || ins >= ENTRY_INS_FAR - 1)
        entry_set_ins(e, ins);
    d->n++;
    if (d->mask)
        index_of(d)[slot] = (int32_t)i;
    return e;
}

/* {===== public */

struct dict *dict_new(struct vm *vm, uint32_t cap)
{
    struct dict *d = dict_alloc(vm, cap, index_size_for(vm, cap));
    if (d->mask)
        index_build(d);
    return d;
}

struct dict_entry *dict_find(const struct dict *d, struct str *key)
{
    uint32_t slot;
    int32_t i = dict_lookup(d, key, &slot);
    return i < 0 ? NULL : &d->e[i];
}

struct value dict_get(const struct dict *d, struct str *key)
{
    uint32_t slot;
    int32_t i = dict_lookup(d, key, &slot);
    return i < 0 ? v_undef() : d->e[i].val;
}

struct dict_entry *dict_set(struct vm *vm, struct dict *d, struct str *key, struct value v)
{
    uint32_t slot = 0;
    int32_t i = dict_lookup(d, key, &slot);
    if (i >= 0) {
        d->e[i].val = v;
        return &d->e[i];
    }
    return dict_append(vm, d, str_intern_str(vm, key), slot, v, OPK_UNION, -1);
}

struct dict_entry *dict_set_op(struct vm *vm, struct dict *d, struct str *key, struct value v,
                               unsigned op, int32_t ins)
{
    uint32_t slot = 0;
    int32_t i = dict_lookup(d, key, &slot);
    if (i >= 0) {
        struct dict_entry *e = &d->e[i];
        e->val = v;
        entry_set_op(e, op);
        entry_set_ins(e, ins);
        return e;
    }
    return dict_append(vm, d, str_intern_str(vm, key), slot, v, op, ins);
}

struct dict_entry *dict_find_or_add(struct vm *vm, struct dict *d, struct str *key, struct value v,
                                    unsigned op, int32_t ins, bool *added)
{
    uint32_t slot = 0;
    int32_t i = dict_lookup(d, key, &slot);
    *added = i < 0;
    if (i >= 0)
        return &d->e[i];
    return dict_append(vm, d, str_intern_str(vm, key), slot, v, op, ins);
}

bool dict_del(struct dict *d, struct str *key)
{
    uint32_t slot = 0;
    int32_t i = dict_lookup(d, key, &slot);
    if (i < 0)
        return false;
    d->e[i].key = NULL;
    d->e[i].val = v_undef();
    d->n--;
    if (d->mask) {
        index_of(d)[slot] = IX_DUMMY;
    } else {
        /* without an index, trailing tombstones can simply be dropped */
        while (d->used && !d->e[d->used - 1].key)
            d->used--;
    }
    return true;
}

struct dict *dict_copy(struct vm *vm, const struct dict *d)
{
    if (d->n == d->used && d->n) {
        /* no tombstones: both arrays copy as they are */
        struct dict *r = dict_alloc(vm, d->n, d->mask ? d->mask + 1 : 0);
        r->inst = d->inst;
        memcpy(r->e, d->e, (size_t)d->used * sizeof *r->e);
        if (d->mask)
            memcpy(dict_index(r), dict_index(d), ((size_t)d->mask + 1) * sizeof(int32_t));
        r->used = r->n = d->used;
        return r;
    }
    struct dict *r = dict_alloc(vm, d->n, index_size_for(vm, d->n));
    r->inst = d->inst;
    if (!d->n)
        return r;
    uint32_t j = 0;
    for (uint32_t i = 0; i < d->used; i++)
        if (d->e[i].key)
            r->e[j++] = d->e[i];
    r->used = r->n = j;
    if (r->mask)
        index_build(r);
    return r;
}

void dict_set_inst(struct vm *vm, struct dict *d, struct schema_type *st, struct span span,
                   struct schema_origin *origin)
{
    if (!st) {
        d->inst = NULL;
        return;
    }
    struct dict_inst *in = vm_alloc(vm, sizeof *in);
    in->schema = st;
    in->span = span;
    in->origin = origin;
    d->inst = in;
}

void dict_set_schema(struct vm *vm, struct dict *d, struct schema_type *st)
{
    struct span none = {0, 0, 0};
    dict_set_inst(vm, d, st, none, NULL);
}

bool dict_next(const struct dict *d, uint32_t *i, struct dict_entry **e)
{
    while (*i < d->used) {
        struct dict_entry *x = &d->e[(*i)++];
        if (x->key) {
            *e = x;
            return true;
        }
    }
    return false;
}
