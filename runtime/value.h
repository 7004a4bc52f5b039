/* Values: a 16-byte tagged union passed by value; heap parts live in the run's arena.
 *
 * Immediate: undefined, none, bool, int, float, unit (raw int + suffix in 'aux').
 * Pointers: str, list, dict (also schema instances), func, type (schema/rule types), module.
 *
 * Mutability: a list or dict is mutated only by the code that is building it (config
 * literals, comprehensions, schema bodies) or after an explicit copy (assignment to a
 * member such as `_a.b = 1` copies the containers on the path first). Published values are
 * never changed in place, so sharing them is the same as copying them. */
#ifndef SCL_RUNTIME_VALUE_H
#define SCL_RUNTIME_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/source.h"

struct vm;
struct schema_type;
struct func;
struct module;
struct schema_origin;

enum vtag {
    V_UNDEF, /* Undefined */
    V_NONE,
    V_BOOL,  /* as.i 0/1 */
    V_INT,   /* as.i */
    V_FLOAT, /* as.f */
    V_UNIT,  /* as.i raw integer, aux enum unit_suffix: 1Ki, 500m */
    V_STR,   /* as.s */
    V_LIST,  /* as.l */
    V_DICT,  /* as.d, a plain dict */
    V_SCHEMA,/* as.d, a schema instance (dict_schema(as.d) is its type) */
    V_FUNC,  /* as.fn */
    V_TYPE,  /* as.st: a schema or rule type */
    V_MODULE,/* as.m */
};

struct str {
    uint64_t hash;  /* valid when flags & STR_HASHED */
    uint32_t len;   /* bytes, without the terminating NUL */
    uint32_t flags;
    char b[];       /* NUL-terminated */
};
enum { STR_HASHED = 1, STR_INTERNED = 2 };

struct value {
    uint8_t tag;   /* enum vtag */
    uint8_t flags;
    uint32_t aux;
    union {
        int64_t i;
        double f;
        struct str *s;
        struct list *l;
        struct dict *d;
        struct func *fn;
        struct schema_type *st;
        struct module *m;
    } as;
};
_Static_assert(sizeof(struct value) == 16, "a value is 16 bytes");

struct list {
    uint32_t n, cap;
    struct value *v;
};

/* Config operator remembered per dict entry (spec §3.5); same numbering as enum entry_op. */
enum { OPK_UNION = 0, OPK_OVERRIDE = 1, OPK_INSERT = 2 };

/* An entry is 32 bytes: entries are most of a run's memory (a config literal makes one per
 * key), so what an entry says besides its key and value is packed in 'bits', 'file' and
 * 'pos', read and written with the entry_* functions below:
 *   bits 0-1   the config operator (OPK_*)
 *   bit 2      'named': written by name in the config literal that is being built; later
 *              entries of that literal see it (eval.c)
 *   bits 3-15  k[i] += : the insert index + 1 (0: none), or ENTRY_INS_FAR when the index is
 *              too big for them: it is then in 'pos' and the entry has no location
 *   file       the file the entry was written in (config literals), 0: unknown; a shared
 *              source (SOURCE_SHARED_BASE + i) as ENTRY_FILE_SHARED | i. A file whose id
 *              does not fit leaves the entry without a location (errors then point at the
 *              expression being evaluated, as for entries not from a literal)
 *   pos        the byte offset where the entry was written */
struct dict_entry {
    struct str *key; /* interned; NULL for a deleted entry (tombstone) */
    struct value val;
    uint16_t bits;
    uint16_t file;
    uint32_t pos;
};
_Static_assert(sizeof(struct dict_entry) == 32, "a dict entry is 32 bytes");

enum { ENTRY_INS_FAR = 0x1fff, ENTRY_FILE_SHARED = 0x8000 };
_Static_assert(SOURCE_SHARED_BASE == ENTRY_FILE_SHARED << 15, "shared ids map to bit 15");

static inline unsigned entry_op(const struct dict_entry *e)
{
    return e->bits & 3u;
}
static inline void entry_set_op(struct dict_entry *e, unsigned op)
{
    e->bits = (uint16_t)((e->bits & ~3u) | (op & 3u));
}
static inline bool entry_named(const struct dict_entry *e)
{
    return (e->bits & 4u) != 0;
}
static inline void entry_set_named(struct dict_entry *e, bool named)
{
    e->bits = (uint16_t)(named ? e->bits | 4u : e->bits & ~4u);
}
static inline bool entry_ins_far(const struct dict_entry *e)
{
    return (e->bits >> 3) == ENTRY_INS_FAR;
}
static inline int32_t entry_ins(const struct dict_entry *e)
{
    return entry_ins_far(e) ? (int32_t)e->pos : (int32_t)(e->bits >> 3) - 1;
}
/* The source file id the entry was written in, 0 when unknown. */
static inline uint32_t entry_file(const struct dict_entry *e)
{
    uint32_t f = e->file;
    if (entry_ins_far(e))
        return 0;
    return (f & 0x7fffu) | (f & ENTRY_FILE_SHARED) << 15; /* bit 15 -> SOURCE_SHARED_BASE */
}
static inline uint32_t entry_lo(const struct dict_entry *e)
{
    return e->pos;
}
static inline void entry_set_ins(struct dict_entry *e, int32_t ins)
{
    unsigned low = e->bits & 7u;
    if (ins >= -1 && ins < ENTRY_INS_FAR - 1) {
        e->bits = (uint16_t)(low | (uint32_t)(ins + 1) << 3);
        return;
    }
    e->bits = (uint16_t)(low | (uint32_t)ENTRY_INS_FAR << 3);
    e->file = 0; /* no location */
    e->pos = (uint32_t)ins;
}
/* The bits of an entry with operator 'op' and an insert index that fits. */
static inline uint16_t entry_bits(unsigned op, int32_t ins)
{
    return (uint16_t)((op & 3u) | ((uint32_t)(ins + 1) & 0x1fffu) << 3);
}
/* Where the entry was written: file 0 (or one whose id does not fit) leaves it unknown. */
static inline void entry_set_at(struct dict_entry *e, uint32_t file, uint32_t lo)
{
    uint32_t hi = file >> 15; /* 0, or ENTRY_FILE_SHARED for a shared source */
    uint32_t f = (file & 0x7fffu) | hi;
    if (hi & ~(uint32_t)ENTRY_FILE_SHARED)
        f = 0;
    if (entry_ins_far(e))
        return;
    e->file = (uint16_t)f;
    e->pos = lo; /* read only when there is a file */
}
/* Gives 'to' the location of 'from' when 'from' has one. */
static inline void entry_copy_at(struct dict_entry *to, const struct dict_entry *from)
{
    uint32_t f = entry_file(from);
    if (f)
        entry_set_at(to, f, entry_lo(from));
}

/* What a schema instance holds beyond its entries. Set once when the instance is made and
 * never changed afterwards, so dicts copied from an instance share it. */
struct dict_inst {
    struct schema_type *schema;   /* the instance's type */
    struct span span;             /* where the instance was made */
    struct schema_origin *origin; /* the config and arguments it was made with, or NULL */
};

/* Compact insertion-ordered dict (see dict.c for the layout). Plain dicts are most of the
 * values a program makes, hence the instance fields behind one pointer and the index in
 * the entries' block: 32 bytes. */
struct dict {
    struct dict_entry *e; /* entries in insertion order, tombstones included; the index
                             (entry numbers, -1 empty, -2 deleted) follows e[cap] */
    uint32_t used;        /* entries in 'e' (live + tombstones) */
    uint32_t n;           /* live entries */
    uint32_t cap;         /* capacity of 'e' */
    uint32_t mask;        /* index size - 1, 0 when there is no index (small dicts) */
    const struct dict_inst *inst; /* V_SCHEMA (and dicts copied from one); NULL otherwise */
};
_Static_assert(sizeof(struct dict) == 32, "a dict is 32 bytes");

/* The dict's index, NULL when it has none. */
static inline int32_t *dict_index(const struct dict *d)
{
    return d->mask ? (int32_t *)(void *)(d->e + d->cap) : NULL;
}

/* The instance's type for V_SCHEMA, else NULL. */
static inline struct schema_type *dict_schema(const struct dict *d)
{
    return d->inst ? d->inst->schema : NULL;
}

/* {===== constructors */
static inline struct value v_undef(void)
{
    struct value v = {V_UNDEF, 0, 0, {0}};
    return v;
}
static inline struct value v_none(void)
{
    struct value v = {V_NONE, 0, 0, {0}};
    return v;
}
static inline struct value v_bool(bool b)
{
    struct value v = {V_BOOL, 0, 0, {.i = b ? 1 : 0}};
    return v;
}
static inline struct value v_int(int64_t i)
{
    struct value v = {V_INT, 0, 0, {.i = i}};
    return v;
}
static inline struct value v_float(double f)
{
    struct value v = {V_FLOAT, 0, 0, {.f = f}};
    return v;
}
static inline struct value v_unit(int64_t raw, unsigned suffix)
{
    struct value v = {V_UNIT, 0, suffix, {.i = raw}};
    return v;
}
static inline struct value v_str(struct str *s)
{
    struct value v = {V_STR, 0, 0, {.s = s}};
    return v;
}
static inline struct value v_list(struct list *l)
{
    struct value v = {V_LIST, 0, 0, {.l = l}};
    return v;
}
static inline struct value v_dict(struct dict *d)
{
    struct value v = {V_DICT, 0, 0, {.d = d}};
    return v;
}
static inline struct value v_schema(struct dict *d)
{
    struct value v = {V_SCHEMA, 0, 0, {.d = d}};
    return v;
}
static inline struct value v_func(struct func *fn)
{
    struct value v = {V_FUNC, 0, 0, {.fn = fn}};
    return v;
}

static inline bool v_is_null(struct value v) /* None or Undefined */
{
    return v.tag == V_UNDEF || v.tag == V_NONE;
}
static inline bool v_is_dictlike(struct value v)
{
    return v.tag == V_DICT || v.tag == V_SCHEMA;
}
static inline bool v_is_number(struct value v)
{
    return v.tag == V_INT || v.tag == V_FLOAT;
}

/* {===== strings (str.c) */
/* Open-addressed set of interned strings (one per vm). */
struct str_table {
    struct str **slots; /* NULL: empty */
    uint32_t mask;      /* size - 1 (size is a power of two), 0 before first use */
    uint32_t n;
};
struct str *str_new(struct vm *vm, const char *s, size_t len);     /* copies */
struct str *str_cstr(struct vm *vm, const char *s);                /* copies */
struct str *str_intern(struct vm *vm, const char *s, size_t len);  /* one object per text */
struct str *str_intern_str(struct vm *vm, struct str *s);          /* 's' or its twin */
struct str *str_fmt(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The decimal text of 'i' (as "%lld" prints it), written at the end of buf and not
 * NUL-terminated: returns where it starts, its length in *len. */
enum { STR_INT_MAX = 20 };
const char *str_int_text(int64_t i, char buf[STR_INT_MAX], size_t *len);
struct str *str_from_int(struct vm *vm, int64_t i);
uint64_t str_hash(struct str *s);
/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool utf8_valid(const unsigned char *s, size_t n);
bool str_eq(const struct str *a, const struct str *b);
int str_cmp(const struct str *a, const struct str *b); /* byte-wise */

/* Growing byte buffer in the run's arena. */
struct sbuf {
    struct vm *vm;
    char *p;
    size_t n, cap;
    bool own; /* sbuf_init_own: outside the arena's chunks */
};
void sbuf_init(struct sbuf *b, struct vm *vm);
/* A buffer for a whole output, which grows outside the arena's chunks (vm_buf_resize)
 * without leaving its smaller copies behind; sbuf_free_own frees it once it is written
 * (an error abandoning it leaves it to the arena). */
void sbuf_init_own(struct sbuf *b, struct vm *vm);
void sbuf_free_own(struct sbuf *b);
void sbuf_put(struct sbuf *b, const char *s, size_t n);
void sbuf_put_repeat(struct sbuf *b, const char *s, size_t n, size_t times); /* s not in b */
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_putc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct str *sbuf_str(struct sbuf *b); /* copies the contents into a new str */

/* {===== lists (list.c) */
struct list *list_new(struct vm *vm, uint32_t cap);
void list_push(struct vm *vm, struct list *l, struct value v);
struct list *list_copy(struct vm *vm, const struct list *l); /* shallow */

/* {===== dicts (dict.c) */
struct dict *dict_new(struct vm *vm, uint32_t cap);
/* Borrowed pointer (until the next insertion into 'd') to the live entry for 'key'
 * (interned or not), or NULL. Keys interned by another vm must not be mixed in. */
struct dict_entry *dict_find(const struct dict *d, struct str *key);
struct value dict_get(const struct dict *d, struct str *key); /* Undefined when absent */
/* Sets key (interned by the call when needed) to v; a new key goes to the end. */
struct dict_entry *dict_set(struct vm *vm, struct dict *d, struct str *key, struct value v);
struct dict_entry *dict_set_op(struct vm *vm, struct dict *d, struct str *key, struct value v,
                               unsigned op, int32_t ins);
/* The live entry for 'key', or, when there is none, a new one appended with (v, op, ins) and
 * *added set: one lookup where dict_find then dict_set_op would make two. */
struct dict_entry *dict_find_or_add(struct vm *vm, struct dict *d, struct str *key, struct value v,
                                    unsigned op, int32_t ins, bool *added);
bool dict_del(struct dict *d, struct str *key);
struct dict *dict_copy(struct vm *vm, const struct dict *d); /* shallow, keeps inst + ops */
/* Makes 'd' an instance of 'st' made at 'span' from 'origin' (st NULL: a plain dict). */
void dict_set_inst(struct vm *vm, struct dict *d, struct schema_type *st, struct span span,
                   struct schema_origin *origin);
/* The type alone, as for a dict built from an instance's entries (no span nor origin). */
void dict_set_schema(struct vm *vm, struct dict *d, struct schema_type *st);
/* Iteration in insertion order: for (uint32_t i = 0; dict_next(d, &i, &e);) */
bool dict_next(const struct dict *d, uint32_t *i, struct dict_entry **e);

/* {===== deep operations (value.c) */
bool v_truthy_any(struct value v);
/* Conditions are mostly bools: those are answered inline. */
static inline bool v_truthy(struct value v)
{
    return v.tag == V_BOOL ? v.as.i != 0 : v_truthy_any(v);
}
bool v_equal(struct value a, struct value b);  /* == semantics (§3.3) */
const char *v_type_name(struct value v);        /* typeof(): "int", "str", schema name ... */
/* Name of a schema type, for v_type_name of a V_SCHEMA value; provided by schema.c. */
const char *schema_type_name(const struct schema_type *st);
struct value v_deep_copy(struct vm *vm, struct value v);
double v_unit_multiplier(unsigned suffix);
double v_unit_float(struct value v); /* numeric value of a unit literal */
const char *v_unit_suffix_name(unsigned suffix);

#endif
