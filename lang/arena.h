/* Region allocator: many small allocations, one release. */
#ifndef SCL_LANG_ARENA_H
#define SCL_LANG_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* Allocation hook with the old size, so an arena needs no block headers
 * (same contract as scl_alloc_fn: new_size 0 frees, ptr NULL allocates). */
typedef void *(*arena_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

struct arena_chunk;
struct arena_buf;

struct arena {
    struct arena_chunk *head; /* newest chunk; allocations come from its tail */
    struct arena_buf *bufs;   /* growable buffers outside the chunks (arena_buf_resize) */
    char *cur, *end;          /* free space in 'head' */
    size_t total;             /* bytes obtained from 'alloc' so far */
    size_t limit;             /* 0: unlimited; else arena_alloc fails past it */
    int over;                 /* set when the limit (not the allocator) refused a chunk */
    arena_alloc_fn alloc;
    void *ud;
};

/* A position to roll back to (scratch space for emitters and formatters). */
struct arena_mark {
    struct arena_chunk *head;
    char *cur, *end;
};

void arena_init(struct arena *a, arena_alloc_fn alloc, void *ud);
void arena_free(struct arena *a); /* releases every chunk; 'a' may be re-used after init */

/* Aligned to _Alignof(max_align_t). NULL only when memory (or the limit) is exhausted. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
/* Grows the most recent allocation in place when possible; otherwise copies. */
void *arena_realloc(struct arena *a, void *p, size_t old_n, size_t new_n);
char *arena_strndup(struct arena *a, const char *s, size_t n); /* NUL-terminated copy */

/* A buffer that grows and is freed on its own, outside the chunks (an output being written):
 * growing it never leaves a copy behind, and big ones grow by remapping, not copying. It
 * counts towards 'total' and the limit like a chunk; arena_free frees the ones still held
 * (a buffer abandoned by an error). p NULL allocates, new_n 0 frees; NULL when memory (or
 * the limit) is exhausted, 'p' then unchanged. */
void *arena_buf_resize(struct arena *a, void *p, size_t old_n, size_t new_n);

struct arena_mark arena_mark(const struct arena *a);
void arena_release(struct arena *a, struct arena_mark m); /* frees chunks made after 'm' */

/* arena_alloc with the common case inline: room left in the current chunk. (Sanitizer
 * builds always call arena_alloc, which marks what it hands out.) */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_INLINE_FAST 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_INLINE_FAST 0
#endif
#endif
#ifndef ARENA_INLINE_FAST
#define ARENA_INLINE_FAST 1
#endif

static inline void *arena_alloc_fast(struct arena *a, size_t n)
{
#if ARENA_INLINE_FAST
    const size_t align = _Alignof(max_align_t);
    size_t r = (n + align - 1) & ~(align - 1);
    if (r && r <= (size_t)(a->end - a->cur)) {
        void *p = a->cur;
        a->cur += r;
        return p;
    }
#endif
    return arena_alloc(a, n);
}

/* libc-backed default hook. 'ud' is NULL or a struct arena_cache. */
void *arena_default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size);

/* Big blocks (chunks of a megabyte or more) freed through arena_default_alloc with this as
 * its 'ud', kept for the next request of the same size instead of going back to the
 * system: the pages of a scratch arena (the checker's, the parser's) are then reused by
 * the run's arena rather than new ones faulted in and zeroed by the kernel, which costs
 * about as much as the work done in them. Arenas grow by doubling from the same size, so
 * their chunks match. Zero-initialised; arena_cache_trim returns what it holds. */
struct arena_cache_block;
struct arena_cache {
    struct arena_cache_block *blocks; /* newest first */
    size_t bytes;
};
void arena_cache_trim(struct arena_cache *c);
/* Returns the cached blocks that arena 'a' will not ask for as it grows (smaller than its
 * next chunk, or a second block of a size it takes once): kept, they would only add to the
 * memory held while 'a' runs. */
void arena_cache_fit(struct arena_cache *c, const struct arena *a);

#endif
