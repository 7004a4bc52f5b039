/* The request arena: one region per request, released at once after the reply. */
#include "config.h"

#include "function/fn.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fn_chunk {
    struct fn_chunk *next;
    max_align_t data[]; /* the chunk's space starts aligned */
};

enum { CHUNK_MIN = 64 * 1024 };
#define ALIGN (_Alignof(max_align_t))

void fn_arena_init(struct fn_arena *a, size_t limit)
{
    memset(a, 0, sizeof *a);
    a->limit = limit;
}

void fn_arena_free(struct fn_arena *a)
{
    struct fn_chunk *c = a->head;
    while (c) {
        struct fn_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->cur = a->end = NULL;
    a->total = 0;
}

void *fn_alloc(struct fn_arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    if ((size_t)(a->end - a->cur) < n) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        if (a->head && size < a->total / 2 && a->total / 2 > CHUNK_MIN)
            size = a->total / 2 < 4u << 20 ? a->total / 2 : 4u << 20;
        size = (size + ALIGN - 1) & ~(ALIGN - 1);
        if (a->limit && a->total + size > a->limit)
            return NULL;
        struct fn_chunk *c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->next = a->head;
        a->head = c;
        a->cur = (char *)c->data;
        a->end = a->cur + size;
        a->total += size;
    }
    void *p = a->cur;
    a->cur += n;
    return p;
}

void *fn_zalloc(struct fn_arena *a, size_t n)
{
    void *p = fn_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *fn_strdup(struct fn_arena *a, const char *s, size_t n)
{
    char *p = fn_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *fn_printf(struct fn_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = fn_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

static void *pb_alloc(void *ud, size_t n)
{
    return fn_alloc(ud, n);
}

static void pb_free(void *ud, void *p)
{
    (void)ud;
    (void)p;
}

ProtobufCAllocator fn_arena_allocator(struct fn_arena *a)
{
    ProtobufCAllocator al = {pb_alloc, pb_free, a};
    return al;
}
