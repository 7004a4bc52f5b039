/* The collection system module (spec §5.2): union_all, a fold of a list with `|`. */
#include "config.h"

#include "stdlib/stdlib.h"

/* union_all(list) -> list[0] | list[1] | ...; {} for an empty list or a non-list. */
static struct value coll_union_all(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "union_all", 1, 1);
    struct value v;
    if (!arg_get(vm, a, 0, "data", &v))
        vm_raise(vm, "union_all() takes at least 1 argument (0 given)");
    if (v.tag != V_LIST || v.as.l->n == 0)
        return v_dict(dict_new(vm, 0));
    const struct list *l = v.as.l;
    struct value r = v_deep_copy(vm, l->v[0]);
    for (uint32_t i = 1; i < l->n; i++)
        r = v_union(vm, r, l->v[i]);
    return r;
}

static const struct native_def coll_fns[] = {{"union_all", coll_union_all}};

const struct stdlib_module stdlib_mod_collection = {"collection", coll_fns,
                                                    sizeof coll_fns / sizeof coll_fns[0], NULL};
