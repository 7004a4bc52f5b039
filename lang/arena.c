/* Region allocator: chunks grow geometrically, nothing is freed one by one. */
#include "config.h"

#include "lang/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN     _Alignof(max_align_t)
#define MIN_CHUNK (16u * 1024u)
#define MAX_CHUNK ((size_t)64 << 20) /* chunks double up to this size */
/* After chunks of up to this size the next is 2 MB, a whole huge page (block_alloc): an
 * arena that grows past a few hundred KB is on its way to megabytes, and in a virtual
 * machine one fault that clears a 2 MB page costs a fifth of the 4 KB faults for the same
 * memory. A small run stays within the small chunks. */
#define ARENA_SMALL_CHUNKS ((size_t)128 << 10)

struct arena_chunk {
    struct arena_chunk *prev;
    size_t size; /* bytes of the whole chunk, header included */
    _Alignas(max_align_t) char data[];
};

struct arena_buf {
    struct arena_buf *next;
    size_t size; /* bytes of the whole block, header included */
    _Alignas(max_align_t) char data[];
};

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
/* Blocks of this size or more (the big chunks of a long run, of the parser's and the
 * checker's scratch arenas) are mapped from the system directly and unmapped when freed.
 * From malloc, freeing one would raise glibc's dynamic mmap threshold past the next chunks,
 * which then come from the heap, where the scratch arenas freed before them leave holes
 * that later (bigger) chunks cannot reuse: resident memory that nothing uses. */
#define BIG_BLOCK ((size_t)1 << 20)

/* Blocks of this size or more are placed on 2 MB boundaries and offered to the kernel for
 * transparent huge pages: a run that fills its arena then takes one page fault per 2 MB
 * instead of one per 4 KB (in a virtual machine a fault costs microseconds, and a run
 * touching 50 MB spent a fifth of its time in them). */
#define HUGE_BLOCK ((size_t)2 << 20)
#define HUGE_PAGE  ((size_t)2 << 20)

static void *block_alloc(size_t n)
{
    if (n < BIG_BLOCK)
        return malloc(n);
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_BLOCK && n % HUGE_PAGE == 0) {
        char *m = mmap(NULL, n + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        char *p = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
        if (p > m)
            munmap(m, (size_t)(p - m));
        if (p + n < m + n + HUGE_PAGE)
            munmap(p + n, (size_t)(m + n + HUGE_PAGE - (p + n)));
        madvise(p, n, MADV_HUGEPAGE); /* advice only: without it the block is still usable */
        return p;
    }
#endif
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_BLOCK) /* a buffer (arena_buf_resize): huge pages where they fit */
        madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

static void block_free(void *p, size_t n)
{
    if (n < BIG_BLOCK)
        free(p);
    else if (p)
        munmap(p, n);
}

struct arena_cache_block {
    struct arena_cache_block *next;
    size_t size;
};

/* At most this much is kept: a run that frees more than it will reuse should not hold it. */
#define CACHE_MAX ((size_t)1 << 30)

void *arena_default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    struct arena_cache *c = ud;
    if (new_size == 0) {
        /* chunks are powers of two (arena_grow): other sizes would hardly be asked again */
        if (c && ptr && old_size >= BIG_BLOCK && (old_size & (old_size - 1)) == 0 &&
            c->bytes + old_size <= CACHE_MAX) {
            struct arena_cache_block *b = ptr;
            b->next = c->blocks;
            b->size = old_size;
            c->blocks = b;
            c->bytes += old_size;
            return NULL;
        }
        block_free(ptr, old_size);
        return NULL;
    }
    if (!ptr) {
        if (c && new_size >= BIG_BLOCK) {
            for (struct arena_cache_block **l = &c->blocks; *l; l = &(*l)->next) {
                struct arena_cache_block *b = *l;
                if (b->size == new_size) {
                    *l = b->next;
                    c->bytes -= new_size;
                    return b;
                }
            }
        }
        return block_alloc(new_size);
    }
    if (old_size < BIG_BLOCK && new_size < BIG_BLOCK)
        return realloc(ptr, new_size);
#ifdef MREMAP_MAYMOVE
    if (old_size >= BIG_BLOCK && new_size >= BIG_BLOCK) {
        /* the kernel moves the pages: nothing is copied, no second copy is touched */
        void *q = mremap(ptr, old_size, new_size, MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
            return NULL;
#ifdef MADV_HUGEPAGE
        if (new_size >= HUGE_BLOCK) /* the part added, as block_alloc does */
            madvise(q, new_size, MADV_HUGEPAGE);
#endif
        return q;
    }
#endif
    void *q = block_alloc(new_size);
    if (q) {
        memcpy(q, ptr, old_size < new_size ? old_size : new_size);
        block_free(ptr, old_size);
    }
    return q;
}

void arena_cache_fit(struct arena_cache *c, const struct arena *a)
{
    size_t next = a->head ? a->head->size * 2 : MIN_CHUNK;
    if (next > MAX_CHUNK)
        next = MAX_CHUNK;
    uint64_t kept = 0; /* bit k: a block of 2^k bytes is kept */
    struct arena_cache_block **l = &c->blocks;
    while (*l) {
        struct arena_cache_block *b = *l;
        unsigned k = 0;
        while (k < 63 && ((size_t)1 << k) < b->size)
            k++;
        bool keep = b->size >= next && b->size <= MAX_CHUNK &&
                    (b->size == MAX_CHUNK || !(kept & ((uint64_t)1 << k)));
        if (keep) {
            kept |= (uint64_t)1 << k;
            l = &b->next;
        } else {
            *l = b->next;
            c->bytes -= b->size;
            block_free(b, b->size);
        }
    }
}

void arena_cache_trim(struct arena_cache *c)
{
    while (c->blocks) {
        struct arena_cache_block *b = c->blocks;
        c->blocks = b->next;
        c->bytes -= b->size;
        block_free(b, b->size);
    }
}
#else
void *arena_default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud; /* nothing is cached: free() already keeps what it can reuse */
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

void arena_cache_trim(struct arena_cache *c)
{
    (void)c;
}

void arena_cache_fit(struct arena_cache *c, const struct arena *a)
{
    (void)c;
    (void)a;
}
#endif

void arena_init(struct arena *a, arena_alloc_fn alloc, void *ud)
{
    memset(a, 0, sizeof *a);
    a->alloc = alloc ? alloc : arena_default_alloc;
    a->ud = ud;
}

void arena_free(struct arena *a)
{
    while (a->bufs) {
        struct arena_buf *b = a->bufs;
        a->bufs = b->next;
        a->alloc(a->ud, b, b->size, 0);
    }
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *prev = c->prev;
        UNPOISON(c, c->size);
        a->alloc(a->ud, c, c->size, 0);
        c = prev;
    }
    a->head = NULL;
    a->cur = a->end = NULL;
    a->total = 0;
}

static int arena_grow(struct arena *a, size_t n)
{
    size_t want = sizeof(struct arena_chunk) + n;
    size_t size = a->head ? a->head->size * 2 : MIN_CHUNK;
    if (size > MAX_CHUNK)
        size = MAX_CHUNK;
    if (size < want)
        size = want;
    if (size < MAX_CHUNK) {
        /* a power of two, even after a chunk made for one big allocation: every arena's
         * chunks then have the sizes the others free, which a cache can hand on */
        size_t p = MIN_CHUNK;
        while (p < size)
            p <<= 1;
        size = p;
    }
    if (size > ARENA_SMALL_CHUNKS && size < ((size_t)2 << 20))
        size = (size_t)2 << 20;
    if (size >= ((size_t)4 << 20)) /* whole 2 MB pages (block_alloc) */
        size = (size + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1);
    if (a->limit && a->total + size > a->limit) {
        /* the last chunk takes what is left, so the whole budget can be used */
        if (a->total >= a->limit || a->limit - a->total < want) {
            a->over = 1;
            return 0;
        }
        size = a->limit - a->total;
    }
    struct arena_chunk *c = a->alloc(a->ud, NULL, 0, size);
    if (!c)
        return 0;
    c->prev = a->head;
    c->size = size;
    a->head = c;
    a->total += size;
    a->cur = c->data;
    a->end = (char *)c + size;
    POISON(a->cur, (size_t)(a->end - a->cur));
    return 1;
}

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    if ((size_t)(a->end - a->cur) < n && !arena_grow(a, n))
        return NULL;
    void *p = a->cur;
    a->cur += n;
    UNPOISON(p, n);
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_realloc(struct arena *a, void *p, size_t old_n, size_t new_n)
{
    if (!p)
        return arena_alloc(a, new_n);
    size_t old_r = (old_n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    size_t new_r = (new_n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if ((char *)p + old_r == a->cur) {
        if (new_r <= old_r) {
            a->cur = (char *)p + new_r;
            return p;
        }
        if ((size_t)(a->end - (char *)p) >= new_r) {
            UNPOISON(a->cur, new_r - old_r);
            a->cur = (char *)p + new_r;
            return p;
        }
    }
    if (new_n <= old_n)
        return p;
    void *q = arena_alloc(a, new_n);
    if (q)
        memcpy(q, p, old_n);
    return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void *arena_buf_resize(struct arena *a, void *p, size_t old_n, size_t new_n)
{
    struct arena_buf *old = p ? (struct arena_buf *)((char *)p - offsetof(struct arena_buf, data))
                              : NULL;
    struct arena_buf **link = &a->bufs;
    if (old) {
        while (*link != old)
            link = &(*link)->next;
        (void)old_n; /* the block knows its size */
    }
    if (new_n == 0) {
        if (old) {
            *link = old->next;
            a->total -= old->size;
            a->alloc(a->ud, old, old->size, 0);
        }
        return NULL;
    }
    if (new_n > SIZE_MAX - sizeof(struct arena_buf))
        return NULL;
    size_t size = sizeof(struct arena_buf) + new_n;
    size_t old_size = old ? old->size : 0;
    if (a->limit && a->total - old_size + size > a->limit) {
        a->over = 1;
        return NULL;
    }
    struct arena_buf *b = a->alloc(a->ud, old, old_size, size);
    if (!b)
        return NULL;
    if (!old) {
        b->next = a->bufs;
        a->bufs = b;
    } else {
        *link = b; /* it may have moved; 'next' moved with it */
    }
    b->size = size;
    a->total = a->total - old_size + size;
    return b->data;
}

struct arena_mark arena_mark(const struct arena *a)
{
    struct arena_mark m = {a->head, a->cur, a->end};
    return m;
}

void arena_release(struct arena *a, struct arena_mark m)
{
    while (a->head != m.head) {
        struct arena_chunk *c = a->head;
        a->head = c->prev;
        a->total -= c->size;
        UNPOISON(c, c->size);
        a->alloc(a->ud, c, c->size, 0);
    }
    a->cur = m.cur;
    a->end = m.end;
    if (a->cur)
        POISON(a->cur, (size_t)(a->end - a->cur));
}
