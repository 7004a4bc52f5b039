/* google.protobuf.Struct <-> scl values, with no JSON text between, and the few operations the
 * response needs on Struct trees (look-up, set, delete, deep merge, leaf patch). */
#include "config.h"

#include "function/fn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* {===== Struct -> values */

struct keyed {
    const char *key;
    const pb_value *val;
    size_t pos;
};

static int keyed_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

scl_val *fn_struct_to_val(scl_run *run, const pb_struct *s, bool *bad)
{
    scl_val *d = scl_new_dict(run);
    if (!d || !s || !s->n_fields)
        return d;
    struct keyed *v = malloc(s->n_fields * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < s->n_fields; i++) {
        v[i].key = s->fields[i]->key ? s->fields[i]->key : "";
        v[i].val = s->fields[i]->value;
        v[i].pos = i;
    }
    /* sorted as Go's encoding/json sorts map keys; equal keys keep wire order, the last wins */
    qsort(v, s->n_fields, sizeof *v, keyed_cmp);
    for (size_t i = 0; i < s->n_fields; i++) {
        if (i + 1 < s->n_fields && !strcmp(v[i].key, v[i + 1].key))
            continue;
        scl_val *x = fn_value_to_val(run, v[i].val, bad);
        if (!x || scl_dict_set(run, d, v[i].key, strlen(v[i].key), x) != SCL_OK) {
            d = NULL;
            break;
        }
    }
    free(v);
    return d;
}

scl_val *fn_value_to_val(scl_run *run, const pb_value *v, bool *bad)
{
    if (!v) /* a map entry without a value: the default Value, which has no kind */
        return *bad = true, scl_new_none(run);
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
        return scl_new_none(run);
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE: {
        double d = v->number_value;
        /* function-kcl's JSON hop turns an integral number into an int */
        if (isfinite(d) && d == trunc(d) && d >= -9223372036854775808.0 &&
            d < 9223372036854775808.0)
            return scl_new_int(run, (int64_t)d);
        return scl_new_float(run, d);
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return scl_new_str(run, v->string_value, strlen(v->string_value));
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return scl_new_bool(run, v->bool_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        return fn_struct_to_val(run, v->struct_value, bad);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
        scl_val *l = scl_new_list(run);
        const pb_list *pl = v->list_value;
        for (size_t i = 0; l && pl && i < pl->n_values; i++) {
            scl_val *x = fn_value_to_val(run, pl->values[i], bad);
            if (!x || scl_list_push(run, l, x) != SCL_OK)
                return NULL;
        }
        return l;
    }
    default:
        *bad = true;
        return scl_new_none(run);
    }
}

/* {===== values -> Struct */

static bool skipped(const scl_val *v)
{
    scl_kind k = scl_val_kind(v);
    return k == SCL_UNDEFINED || k == SCL_FUNC || k == SCL_OTHER;
}

static pb_value *value_new(struct fn_arena *a)
{
    pb_value *p = fn_alloc(a, sizeof *p);
    if (p)
        google__protobuf__value__init(p);
    return p;
}

pb_struct *fn_struct_new(struct fn_arena *a)
{
    pb_struct *s = fn_alloc(a, sizeof *s);
    if (s)
        google__protobuf__struct__init(s);
    return s;
}

static Google__Protobuf__Struct__FieldsEntry *entry_new(struct fn_arena *a, const char *key,
                                                        pb_value *v)
{
    Google__Protobuf__Struct__FieldsEntry *e = fn_alloc(a, sizeof *e);
    if (!e)
        return NULL;
    google__protobuf__struct__fields_entry__init(e);
    e->key = (char *)key;
    e->value = v;
    return e;
}

static int entry_cmp(const void *x, const void *y)
{
    const Google__Protobuf__Struct__FieldsEntry *const *a = x, *const *b = y;
    return strcmp((*a)->key, (*b)->key);
}

pb_value *fn_val_to_value(struct fn_arena *a, const scl_val *v, const struct fn_out_flags *f)
{
    pb_value *p = value_new(a);
    if (!p)
        return NULL;
    int64_t i;
    double d;
    int b;
    size_t n;
    const char *s;
    switch (scl_val_kind(v)) {
    case SCL_BOOL:
        scl_val_bool(v, &b);
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
        p->bool_value = b != 0;
        return p;
    case SCL_INT:
        scl_val_int(v, &i);
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        p->number_value = (double)i;
        return p;
    case SCL_FLOAT:
        scl_val_float(v, &d);
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        p->number_value = d;
        return p;
    case SCL_STR:
        s = scl_val_str(v, &n);
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        p->string_value = fn_strdup(a, s, n);
        return p->string_value ? p : NULL;
    case SCL_LIST: {
        pb_list *l = fn_alloc(a, sizeof *l);
        size_t len = scl_val_len(v);
        if (!l)
            return NULL;
        google__protobuf__list_value__init(l);
        l->values = fn_alloc(a, (len ? len : 1) * sizeof *l->values);
        if (!l->values)
            return NULL;
        for (size_t k = 0; k < len; k++) {
            const scl_val *x = scl_val_at(v, k, NULL);
            if (skipped(x))
                continue;
            if (!(l->values[l->n_values++] = fn_val_to_value(a, x, f)))
                return NULL;
        }
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
        p->list_value = l;
        return p;
    }
    case SCL_DICT:
    case SCL_SCHEMA: {
        pb_struct *st = fn_struct_new(a);
        size_t len = scl_val_len(v);
        if (!st)
            return NULL;
        st->fields = fn_alloc(a, (len ? len : 1) * sizeof *st->fields);
        if (!st->fields)
            return NULL;
        for (size_t k = 0; k < len; k++) {
            const char *key = NULL;
            const scl_val *x = scl_val_at(v, k, &key);
            if (!key || skipped(x) || (key[0] == '_' && !f->show_hidden) ||
                (f->drop_none && scl_val_kind(x) == SCL_NONE))
                continue;
            pb_value *pv = fn_val_to_value(a, x, f);
            char *kc = pv ? fn_strdup(a, key, strlen(key)) : NULL;
            if (!kc || !(st->fields[st->n_fields] = entry_new(a, kc, pv)))
                return NULL;
            st->n_fields++;
        }
        if (f->sort_keys && st->n_fields > 1)
            qsort(st->fields, st->n_fields, sizeof *st->fields, entry_cmp);
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        p->struct_value = st;
        return p;
    }
    default:
        p->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
        p->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
        return p;
    }
}

/* {===== Struct trees */

pb_value *fn_get(const pb_struct *s, const char *key)
{
    if (!s)
        return NULL;
    for (size_t i = s->n_fields; i-- > 0;)
        if (s->fields[i]->key && !strcmp(s->fields[i]->key, key))
            return s->fields[i]->value;
    return NULL;
}

pb_struct *fn_get_struct(const pb_struct *s, const char *key)
{
    pb_value *v = fn_get(s, key);
    return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE ? v->struct_value
                                                                           : NULL;
}

const char *fn_get_str(const pb_struct *s, const char *key)
{
    pb_value *v = fn_get(s, key);
    return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE ? v->string_value
                                                                           : NULL;
}

int fn_set(struct fn_arena *a, pb_struct *s, const char *key, pb_value *v)
{
    for (size_t i = s->n_fields; i-- > 0;)
        if (s->fields[i]->key && !strcmp(s->fields[i]->key, key)) {
            s->fields[i]->value = v;
            return 0;
        }
    Google__Protobuf__Struct__FieldsEntry **f = fn_alloc(a, (s->n_fields + 1) * sizeof *f);
    char *k = fn_strdup(a, key, strlen(key));
    if (!f || !k)
        return -1;
    if (s->n_fields)
        memcpy(f, s->fields, s->n_fields * sizeof *f);
    if (!(f[s->n_fields] = entry_new(a, k, v)))
        return -1;
    s->fields = f;
    s->n_fields++;
    return 0;
}

void fn_del(pb_struct *s, const char *key)
{
    size_t j = 0;
    for (size_t i = 0; i < s->n_fields; i++)
        if (!s->fields[i]->key || strcmp(s->fields[i]->key, key))
            s->fields[j++] = s->fields[i];
    s->n_fields = j;
}

pb_value *fn_value_struct(struct fn_arena *a, pb_struct *s)
{
    pb_value *v = value_new(a);
    if (v) {
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        v->struct_value = s;
    }
    return v;
}

pb_value *fn_value_str(struct fn_arena *a, const char *s)
{
    pb_value *v = value_new(a);
    if (v) {
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        v->string_value = fn_strdup(a, s, strlen(s));
        if (!v->string_value)
            return NULL;
    }
    return v;
}

pb_struct *fn_struct_copy(struct fn_arena *a, const pb_struct *s)
{
    pb_struct *c = fn_struct_new(a);
    if (!c || !s)
        return c;
    c->fields = fn_alloc(a, (s->n_fields ? s->n_fields : 1) * sizeof *c->fields);
    if (!c->fields)
        return NULL;
    for (size_t i = 0; i < s->n_fields; i++) {
        pb_value *v = fn_value_copy(a, s->fields[i]->value);
        if (!v || !(c->fields[i] = entry_new(a, s->fields[i]->key ? s->fields[i]->key : "", v)))
            return NULL;
    }
    c->n_fields = s->n_fields;
    return c;
}

pb_value *fn_value_copy(struct fn_arena *a, const pb_value *v)
{
    pb_value *c = value_new(a);
    if (!c || !v)
        return c;
    *c = *v;
    if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
        if (!(c->struct_value = fn_struct_copy(a, v->struct_value)))
            return NULL;
    } else if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE && v->list_value) {
        pb_list *l = fn_alloc(a, sizeof *l);
        size_t n = v->list_value->n_values;
        if (!l)
            return NULL;
        google__protobuf__list_value__init(l);
        l->values = fn_alloc(a, (n ? n : 1) * sizeof *l->values);
        if (!l->values)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (!(l->values[i] = fn_value_copy(a, v->list_value->values[i])))
                return NULL;
        l->n_values = n;
        c->list_value = l;
    }
    return c;
}

int fn_merge(struct fn_arena *a, pb_struct *dst, const pb_struct *src)
{
    for (size_t i = 0; src && i < src->n_fields; i++) {
        const char *k = src->fields[i]->key ? src->fields[i]->key : "";
        const pb_value *sv = src->fields[i]->value;
        pb_struct *ds = fn_get_struct(dst, k);
        if (ds && sv && sv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
            if (fn_merge(a, ds, sv->struct_value))
                return -1;
            continue;
        }
        pb_value *c = fn_value_copy(a, sv);
        if (!c || fn_set(a, dst, k, c))
            return -1;
    }
    return 0;
}

static int patch_value(struct fn_arena *a, pb_value **slot, const pb_value *src);

static int patch_list(struct fn_arena *a, pb_value *dst, const pb_list *src)
{
    pb_list *dl = dst->list_value;
    size_t n = src ? src->n_values : 0;
    if (n > dl->n_values) {
        pb_value **v = fn_alloc(a, n * sizeof *v);
        if (!v)
            return -1;
        if (dl->n_values)
            memcpy(v, dl->values, dl->n_values * sizeof *v);
        for (size_t i = dl->n_values; i < n; i++)
            v[i] = NULL;
        dl->values = v;
        dl->n_values = n;
    }
    for (size_t i = 0; i < n; i++)
        if (patch_value(a, &dl->values[i], src->values[i]))
            return -1;
    return 0;
}

static int patch_struct(struct fn_arena *a, pb_struct *dst, const pb_struct *src,
                        const char *const *skip, size_t nskip);

static int patch_value(struct fn_arena *a, pb_value **slot, const pb_value *src)
{
    pb_value *dst = *slot;
    if (src && src->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
        if (!dst || dst->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
            pb_struct *s = fn_struct_new(a);
            if (!s || !(dst = *slot = fn_value_struct(a, s)))
                return -1;
        }
        return patch_struct(a, dst->struct_value, src->struct_value, NULL, 0);
    }
    if (src && src->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
        if (!dst || dst->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
            pb_list *l = fn_alloc(a, sizeof *l);
            if (!l || !(dst = *slot = value_new(a)))
                return -1;
            google__protobuf__list_value__init(l);
            dst->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
            dst->list_value = l;
        }
        return patch_list(a, dst, src->list_value);
    }
    return (*slot = fn_value_copy(a, src)) ? 0 : -1;
}

static int patch_struct(struct fn_arena *a, pb_struct *dst, const pb_struct *src,
                        const char *const *skip, size_t nskip)
{
    for (size_t i = 0; src && i < src->n_fields; i++) {
        const char *k = src->fields[i]->key ? src->fields[i]->key : "";
        const char *sub[8];
        size_t nsub = 0, klen = strlen(k);
        bool skip_this = false;
        for (size_t j = 0; j < nskip; j++) {
            if (!strcmp(skip[j], k))
                skip_this = true;
            else if (!strncmp(skip[j], k, klen) && skip[j][klen] == '.' && nsub < 8)
                sub[nsub++] = skip[j] + klen + 1;
        }
        if (skip_this)
            continue;
        pb_value *cur = fn_get(dst, k), *slot = cur;
        const pb_value *sv = src->fields[i]->value;
        if (nsub && sv && sv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
            if (!cur || cur->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
                pb_struct *s = fn_struct_new(a);
                if (!s || !(slot = fn_value_struct(a, s)))
                    return -1;
            }
            if (patch_struct(a, slot->struct_value, sv->struct_value, sub, nsub))
                return -1;
        } else if (patch_value(a, &slot, sv)) {
            return -1;
        }
        if (slot != cur && fn_set(a, dst, k, slot))
            return -1;
    }
    return 0;
}

int fn_patch(struct fn_arena *a, pb_struct *dst, const pb_struct *src, const char *const *skip)
{
    size_t n = 0;
    while (skip && skip[n])
        n++;
    return patch_struct(a, dst, src, skip, n);
}
