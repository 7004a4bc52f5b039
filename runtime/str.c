/* Strings: creation, the per-vm intern table, hashing, comparison and the sbuf byte buffer. */
#include "config.h"

#include "runtime/value.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "runtime/vm.h"
#include "runtime/vm_impl.h"

/* {===== creation */

static struct str *str_alloc(struct vm *vm, size_t len)
{
    if (len > UINT32_MAX - 1)
        vm_raise(vm, "string too long (%zu bytes)", len);
    struct str *s = vm_alloc(vm, sizeof(struct str) + len + 1);
    s->hash = 0;
    s->len = (uint32_t)len;
    s->flags = 0;
    s->b[len] = '\0';
    return s;
}

struct str *str_new(struct vm *vm, const char *s, size_t len)
{
    struct str *r = str_alloc(vm, len);
    if (len)
        memcpy(r->b, s, len);
    return r;
}

struct str *str_cstr(struct vm *vm, const char *s)
{
    return str_new(vm, s, strlen(s));
}

/* Integers are the most common interpolated values: their digits are written from the end
 * of a buffer, two at a time, without going through printf. */
const char *str_int_text(int64_t i, char buf[STR_INT_MAX], size_t *len)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    /* the magnitude as unsigned, so that INT64_MIN has one too */
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    size_t p = STR_INT_MAX;
    while (u > UINT32_MAX) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        buf[--p] = pairs[d + 1];
        buf[--p] = pairs[d];
    }
    /* most magnitudes fit 32 bits, whose division by 100 is a shorter multiplication */
    uint32_t w = (uint32_t)u;
    while (w >= 100) {
        uint32_t q = w / 100, d = (w - q * 100) * 2;
        w = q;
        buf[--p] = pairs[d + 1];
        buf[--p] = pairs[d];
    }
    u = w;
    if (u >= 10) {
        buf[--p] = pairs[u * 2 + 1];
        buf[--p] = pairs[u * 2];
    } else {
        buf[--p] = (char)('0' + u);
    }
    if (i < 0)
        buf[--p] = '-';
    *len = STR_INT_MAX - p;
    return buf + p;
}

struct str *str_from_int(struct vm *vm, int64_t i)
{
    char buf[STR_INT_MAX];
    size_t len;
    const char *t = str_int_text(i, buf, &len);
    return str_new(vm, t, len);
}

struct str *str_fmt(struct vm *vm, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        vm_raise(vm, "invalid format string");
    struct str *r = str_alloc(vm, (size_t)n);
    if ((size_t)n < sizeof small) {
        memcpy(r->b, small, (size_t)n);
    } else {
        va_start(ap, fmt);
        vsnprintf(r->b, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return r;
}

/* {===== hashing and comparison */

static uint64_t hash_bytes(const char *s, size_t len)
{
    return XXH3_64bits(s, len);
}

uint64_t str_hash(struct str *s)
{
    if (!(s->flags & STR_HASHED)) {
        s->hash = hash_bytes(s->b, s->len);
        s->flags |= STR_HASHED;
    }
    return s->hash;
}

bool str_eq(const struct str *a, const struct str *b)
{
    if (a == b)
        return true;
    if (a->len != b->len)
        return false;
    /* Cached hashes are free to compare; never compute one here (it costs a pass). */
    if ((a->flags & b->flags & STR_HASHED) && a->hash != b->hash)
        return false;
    return memcmp(a->b, b->b, a->len) == 0;
}

int str_cmp(const struct str *a, const struct str *b)
{
    if (a == b)
        return 0;
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->b, b->b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* {===== intern table
 *
 * 'vm->strs' is an open-addressed set of 'struct str *' with linear probing. A slot is
 * NULL (empty) or an interned string; nothing is ever removed, so there are no
 * tombstones. The slot of a string is its cached xxh3 hash masked by 'mask'; the probe
 * compares the cached hashes before any bytes. The table doubles when it would become
 * more than 2/3 full, so a probe always ends at an empty slot. */

#define STR_TABLE_MIN 64u

static void str_table_grow(struct vm *vm, struct str_table *t)
{
    uint32_t size = t->mask ? (t->mask + 1) * 2 : STR_TABLE_MIN;
    /* outside the arena's chunks, so the old table goes back when the new one is made */
    struct str **slots = vm_buf_resize(vm, NULL, 0, (size_t)size * sizeof *slots);
    memset(slots, 0, (size_t)size * sizeof *slots);
    uint32_t mask = size - 1;
    if (t->mask) {
        for (uint32_t i = 0; i <= t->mask; i++) {
            struct str *s = t->slots[i];
            if (!s)
                continue;
            uint32_t j = (uint32_t)s->hash & mask;
            while (slots[j])
                j = (j + 1) & mask;
            slots[j] = s;
        }
        vm_buf_resize(vm, t->slots, ((size_t)t->mask + 1) * sizeof *slots, 0);
    }
    t->slots = slots;
    t->mask = mask;
}

/* The slot holding the text (s, len) with hash h, or the empty slot where it belongs. */
static struct str **str_table_slot(struct str_table *t, const char *s, size_t len, uint64_t h)
{
    uint32_t j = (uint32_t)h & t->mask;
    for (;;) {
        struct str *e = t->slots[j];
        if (!e || (e->hash == h && e->len == len && memcmp(e->b, s, len) == 0))
            return &t->slots[j];
        j = (j + 1) & t->mask;
    }
}

/* Makes room for one more string: keeps (n + 1) <= 2/3 of the size. */
static void str_table_reserve(struct vm *vm, struct str_table *t)
{
    if (!t->mask || (uint64_t)(t->n + 1) * 3 > (uint64_t)(t->mask + 1) * 2)
        str_table_grow(vm, t);
}

struct str *str_intern(struct vm *vm, const char *s, size_t len)
{
    struct str_table *t = &vm->strs;
    uint64_t h = hash_bytes(s, len);
    if (t->mask) {
        struct str **slot = str_table_slot(t, s, len, h);
        if (*slot)
            return *slot;
    }
    str_table_reserve(vm, t);
    struct str *r = str_new(vm, s, len);
    r->hash = h;
    r->flags = STR_HASHED | STR_INTERNED;
    *str_table_slot(t, s, len, h) = r;
    t->n++;
    return r;
}

struct str *str_intern_str(struct vm *vm, struct str *s)
{
    if (s->flags & STR_INTERNED)
        return s;
    struct str_table *t = &vm->strs;
    uint64_t h = str_hash(s);
    struct str **slot = NULL;
    if (t->mask) {
        slot = str_table_slot(t, s->b, s->len, h);
        if (*slot)
            return *slot;
    }
    /* Strings are immutable once made, so 's' itself becomes the canonical copy. The empty
     * slot found above stays right unless the table grows. */
    uint32_t mask = t->mask;
    str_table_reserve(vm, t);
    if (!slot || t->mask != mask)
        slot = str_table_slot(t, s->b, s->len, h);
    s->flags |= STR_INTERNED;
    *slot = s;
    t->n++;
    return s;
}

/* {===== sbuf */

void sbuf_init(struct sbuf *b, struct vm *vm)
{
    b->vm = vm;
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
    b->own = false;
}

void sbuf_init_own(struct sbuf *b, struct vm *vm)
{
    sbuf_init(b, vm);
    b->own = true;
}

void sbuf_free_own(struct sbuf *b)
{
    if (b->own && b->p)
        vm_buf_resize(b->vm, b->p, b->cap, 0);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* Ensures room for 'extra' more bytes plus a terminating NUL. */
static void sbuf_reserve(struct sbuf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->n)
        vm_raise(b->vm, "string too long");
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (b->own) {
        /* past 64 KB straight to 1 MB, from where the block is remapped, not copied */
        if (cap > ((size_t)64 << 10) && cap < ((size_t)1 << 20))
            cap = (size_t)1 << 20;
        b->p = vm_buf_resize(b->vm, b->p, b->cap, cap);
    } else {
        b->p = vm_realloc(b->vm, b->p, b->cap, cap);
    }
    b->cap = cap;
}

void sbuf_put(struct sbuf *b, const char *s, size_t n)
{
    if (!n)
        return;
    sbuf_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_put(b, s, strlen(s));
}

void sbuf_putc(struct sbuf *b, char c)
{
    sbuf_reserve(b, 1);
    b->p[b->n++] = c;
    b->p[b->n] = '\0';
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    sbuf_reserve(b, 64);
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (n < 0)
        vm_raise(b->vm, "invalid format string");
    if ((size_t)n >= b->cap - b->n) {
        sbuf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
    }
    b->n += (size_t)n;
}

void sbuf_put_repeat(struct sbuf *b, const char *s, size_t n, size_t times)
{
    if (!n || !times)
        return;
    if (times > (SIZE_MAX / 2 - b->n) / n)
        vm_raise(b->vm, "string too long");
    size_t total = n * times, start = b->n;
    sbuf_reserve(b, total); /* the memory budget is met here, before any copying */
    memcpy(b->p + start, s, n);
    /* double what is there: log2(times) copies, not 'times' of them */
    for (size_t done = n; done < total;) {
        size_t k = done < total - done ? done : total - done;
        memcpy(b->p + start + done, b->p + start, k);
        done += k;
    }
    b->n += total;
    b->p[b->n] = '\0';
}

struct str *sbuf_str(struct sbuf *b)
{
    return str_new(b->vm, b->p, b->n);
}

bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}
