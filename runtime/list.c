/* Lists: a growable array of values in the run's arena. */
#include "config.h"

#include "runtime/value.h"

#include <string.h>

#include "runtime/vm.h"

struct list *list_new(struct vm *vm, uint32_t cap)
{
    struct list *l = vm_alloc(vm, sizeof *l);
    l->n = 0;
    l->cap = cap;
    l->v = cap ? vm_alloc(vm, (size_t)cap * sizeof *l->v) : NULL;
    return l;
}

void list_push(struct vm *vm, struct list *l, struct value v)
{
    if (l->n == l->cap) {
        if (l->cap >= UINT32_MAX / 2)
            vm_raise(vm, "list too long");
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        l->v = vm_realloc(vm, l->v, (size_t)l->cap * sizeof *l->v, (size_t)cap * sizeof *l->v);
        l->cap = cap;
    }
    l->v[l->n++] = v;
}

struct list *list_copy(struct vm *vm, const struct list *l)
{
    struct list *r = list_new(vm, l->n);
    if (l->n)
        memcpy(r->v, l->v, (size_t)l->n * sizeof *l->v);
    r->n = l->n;
    return r;
}
