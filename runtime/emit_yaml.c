/* YAML output through libyaml's emitter (§6.1, §6.2) and the planning filter (§3.9 step 4). */
#include "config.h"

#include "runtime/emit.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "runtime/vm.h"
#include "runtime/vm_impl.h"
#include "scl.h"

/* {===== planning */

bool emit_drops_value(struct value v, unsigned flags)
{
    switch ((enum vtag)v.tag) {
    case V_UNDEF:
    case V_FUNC:
    case V_TYPE:
    case V_MODULE:
        return true;
    case V_NONE:
        return (flags & SCL_EMIT_DROP_NONE) != 0;
    default:
        return false;
    }
}

bool emit_drops_key(const struct str *key, unsigned flags)
{
    return !(flags & SCL_EMIT_SHOW_HIDDEN) && key->len > 0 && key->b[0] == '_';
}

static int entry_cmp(const void *pa, const void *pb)
{
    const struct dict_entry *a = *(const struct dict_entry *const *)pa;
    const struct dict_entry *b = *(const struct dict_entry *const *)pb;
    return str_cmp(a->key, b->key);
}

/* The kept entries of 'd' in output order, in an array from 'arena'. False only when the
 * arena is exhausted (never raises, so libyaml's callers can clean up first). */
static bool kept_entries(struct arena *arena, const struct dict *d, unsigned flags,
                         struct dict_entry ***out, uint32_t *n)
{
    *n = 0;
    *out = NULL;
    if (d->n == 0)
        return true;
    struct dict_entry **v = arena_alloc(arena, sizeof *v * d->n);
    if (!v)
        return false;
    struct dict_entry *e;
    for (uint32_t i = 0; dict_next(d, &i, &e);)
        if (!emit_drops_key(e->key, flags) && !emit_drops_value(e->val, flags))
            v[(*n)++] = e;
    if ((flags & SCL_EMIT_SORT_KEYS) && *n > 1)
        qsort(v, *n, sizeof *v, entry_cmp);
    *out = v;
    return true;
}

struct dict_entry **emit_entries(struct vm *vm, const struct dict *d, unsigned flags, uint32_t *n)
{
    struct dict_entry **v;
    if (!kept_entries(vm->arena, d, flags, &v, n))
        vm_raise(vm, "out of memory");
    return v;
}

bool emit_iter_init(struct emit_iter *it, struct arena *arena, const struct dict *d, unsigned flags)
{
    it->d = d;
    it->flags = flags;
    it->sorted = NULL;
    it->i = it->n = 0;
    if (d && (flags & SCL_EMIT_SORT_KEYS) && d->n > 1)
        return kept_entries(arena, d, flags, &it->sorted, &it->n);
    return true;
}

struct dict_entry *emit_iter_next(struct emit_iter *it)
{
    if (it->sorted)
        return it->i < it->n ? it->sorted[it->i++] : NULL;
    struct dict_entry *e;
    while (it->d && dict_next(it->d, &it->i, &e))
        if (!emit_drops_key(e->key, it->flags) && !emit_drops_value(e->val, it->flags))
            return e;
    return NULL;
}

bool emit_is_stream(struct value v, unsigned flags)
{
    if (v.tag != V_LIST)
        return false;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < v.as.l->n; i++) {
        struct value e = v.as.l->v[i];
        if (emit_drops_value(e, flags))
            continue;
        if (!v_is_dictlike(e))
            return false;
        kept++;
    }
    return kept > 0;
}

struct value emit_plan(struct vm *vm, struct value v, unsigned flags)
{
    if (v.tag == V_LIST) {
        struct list *l = list_new(vm, v.as.l->n);
        for (uint32_t i = 0; i < v.as.l->n; i++)
            if (!emit_drops_value(v.as.l->v[i], flags))
                list_push(vm, l, emit_plan(vm, v.as.l->v[i], flags));
        return v_list(l);
    }
    if (v_is_dictlike(v)) {
        uint32_t n;
        struct dict_entry **es = emit_entries(vm, v.as.d, flags, &n);
        struct dict *d = dict_new(vm, n);
        for (uint32_t i = 0; i < n; i++)
            dict_set(vm, d, es[i]->key, emit_plan(vm, es[i]->val, flags));
        d->schema = v.as.d->schema;
        struct value r = v;
        r.as.d = d;
        return r;
    }
    return v;
}

/* {===== scalar styles (§6.1) */

/* Words that read back as booleans or null (YAML 1.1 and 1.2), compared ignoring ASCII case. */
static const char *const yaml_words[] = {"y",    "yes",   "n",    "no",  "on", "off",
                                         "true", "false", "null", "nil", "~",  "nan"};

static bool ascii_ieq(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)w[i])
            return false;
    }
    return true;
}

/* Rule 2 of §6.1: the plain text would read back as something other than this string (or
 * would be ambiguous): empty, starts like a number, or is a boolean/null word. Every integer
 * and float form (12, +1, -1, 0x1f, 1e3, .inf, .nan ...) starts with a digit, sign or '.'. */
static bool reads_as_non_string(const char *s, size_t n)
{
    if (n == 0)
        return true;
    unsigned char c = (unsigned char)s[0];
    if ((c >= '0' && c <= '9') || c == '-' || c == '.' || c == '+')
        return true;
    for (size_t i = 0; i < sizeof yaml_words / sizeof yaml_words[0]; i++)
        if (ascii_ieq(s, n, yaml_words[i]))
            return true;
    return false;
}

/* The style requested for a string scalar; libyaml then downgrades a style it can't use
 * (literal -> double quoted, plain -> single -> double quoted), as §6.1 describes. */
static yaml_scalar_style_t str_style(const char *s, size_t n)
{
    if (memchr(s, '\n', n))
        return YAML_LITERAL_SCALAR_STYLE;
    if (reads_as_non_string(s, n))
        return YAML_SINGLE_QUOTED_SCALAR_STYLE;
    return YAML_ANY_SCALAR_STYLE;
}

/* {===== driving libyaml */

/* Output collected in the run's arena without raising (libyaml must be cleaned up first). */
struct ybuf {
    struct arena *arena;
    char *p;
    size_t n, cap;
    bool oom;
};

static bool ybuf_put(struct ybuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = arena_realloc(b->arena, b->p, b->cap, cap);
        if (!p) {
            b->oom = true;
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return true;
}

static int ybuf_handler(void *data, unsigned char *buffer, size_t size)
{
    return ybuf_put(data, (const char *)buffer, size) ? 1 : 0;
}

struct yem {
    yaml_emitter_t e;
    struct ybuf *out;
    unsigned flags;
    const char *problem; /* why a scalar could not be emitted (NULL: see e.problem) */
};

static bool y_emit(struct yem *y, yaml_event_t *ev)
{
    return yaml_emitter_emit(&y->e, ev) != 0; /* takes 'ev', even on failure */
}

static bool y_scalar(struct yem *y, const char *s, size_t n, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    if (n > INT_MAX) {
        y->problem = "string too long";
        return false;
    }
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)n, 1, 1,
                                      style)) {
        y->problem = "invalid UTF-8 in a string";
        return false;
    }
    return y_emit(y, &ev);
}

static bool y_plain(struct yem *y, const char *s)
{
    return y_scalar(y, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

static bool y_float(struct yem *y, double f)
{
    char buf[FMT_FLOAT_MAX];
    if (!isfinite(f))
        return y_plain(y, "null");
    fmt_float(f, true, buf, sizeof buf);
    return y_plain(y, buf);
}

static bool y_mapping(struct yem *y, const struct dict *d);

static bool y_value(struct yem *y, struct value v)
{
    char buf[32];
    yaml_event_t ev;
    switch ((enum vtag)v.tag) {
    case V_BOOL:
        return y_plain(y, v.as.i ? "true" : "false");
    case V_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v.as.i);
        return y_plain(y, buf);
    case V_FLOAT:
        return y_float(y, v.as.f);
    case V_UNIT:
        return y_float(y, v_unit_float(v));
    case V_STR:
        return y_scalar(y, v.as.s->b, v.as.s->len, str_style(v.as.s->b, v.as.s->len));
    case V_LIST:
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        if (!y_emit(y, &ev))
            return false;
        for (uint32_t i = 0; i < v.as.l->n; i++)
            if (!emit_drops_value(v.as.l->v[i], y->flags) && !y_value(y, v.as.l->v[i]))
                return false;
        yaml_sequence_end_event_initialize(&ev);
        return y_emit(y, &ev);
    case V_DICT:
    case V_SCHEMA:
        return y_mapping(y, v.as.d);
    default: /* None; Undefined and functions only reach here at the top of yaml.encode */
        return y_plain(y, "null");
    }
}

static bool y_mapping(struct yem *y, const struct dict *d)
{
    yaml_event_t ev;
    struct emit_iter it;
    if (!emit_iter_init(&it, y->out->arena, d, y->flags)) {
        y->out->oom = true;
        return false;
    }
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    if (!y_emit(y, &ev))
        return false;
    for (struct dict_entry *e; (e = emit_iter_next(&it));) {
        const struct str *k = e->key;
        if (!y_scalar(y, k->b, k->len, str_style(k->b, k->len)) || !y_value(y, e->val))
            return false;
    }
    yaml_mapping_end_event_initialize(&ev);
    return y_emit(y, &ev);
}

/* Appends libyaml's text of one document (with its final newline) to 'out'. 'v' NULL: an
 * empty mapping. Raises when libyaml fails or memory runs out. */
static void y_document(struct vm *vm, struct ybuf *out, const struct value *v, unsigned flags)
{
    struct yem y = {.out = out, .flags = flags};
    yaml_event_t ev;
    if (!yaml_emitter_initialize(&y.e))
        vm_raise(vm, "out of memory");
    yaml_emitter_set_output(&y.e, ybuf_handler, out);
    yaml_emitter_set_unicode(&y.e, 1);
    yaml_emitter_set_width(&y.e, -1);
    yaml_emitter_set_indent(&y.e, 2);
    bool ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && y_emit(&y, &ev);
    ok = ok && yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && y_emit(&y, &ev);
    ok = ok && (v ? y_value(&y, *v) : y_mapping(&y, NULL));
    ok = ok && yaml_document_end_event_initialize(&ev, 1) && y_emit(&y, &ev);
    ok = ok && yaml_stream_end_event_initialize(&ev) && y_emit(&y, &ev);
    ok = ok && yaml_emitter_flush(&y.e);
    char problem[160];
    if (!ok)
        snprintf(problem, sizeof problem, "%s",
                 y.problem     ? y.problem
                 : y.e.problem ? y.e.problem
                               : "emitter error");
    yaml_emitter_delete(&y.e);
    if (out->oom)
        vm_raise(vm, "out of memory");
    if (!ok)
        vm_raise(vm, "cannot write YAML: %s", problem);
}

static void ybuf_chomp(struct ybuf *b)
{
    if (b->n && b->p[b->n - 1] == '\n')
        b->p[--b->n] = '\0';
}

static void ybuf_put_or_raise(struct vm *vm, struct ybuf *b, const char *s, size_t n)
{
    if (!ybuf_put(b, s, n))
        vm_raise(vm, "out of memory");
}

static int ybuf_write(struct ybuf *b, emit_write_fn w, void *ud)
{
    return w(ud, b->p ? b->p : "", b->n) ? EMIT_EWRITE : EMIT_OK;
}

int emit_yaml(struct vm *vm, struct value v, unsigned flags, emit_write_fn w, void *ud)
{
    struct ybuf out = {.arena = vm->arena};
    if (emit_is_stream(v, flags)) {
        bool first = true;
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            if (emit_drops_value(v.as.l->v[i], flags))
                continue;
            if (!first)
                ybuf_put_or_raise(vm, &out, "\n---\n", 5);
            first = false;
            y_document(vm, &out, &v.as.l->v[i], flags);
            ybuf_chomp(&out);
        }
    } else {
        bool empty = v.tag != V_NONE && emit_drops_value(v, flags);
        y_document(vm, &out, empty ? NULL : &v, flags);
        ybuf_chomp(&out);
    }
    ybuf_put_or_raise(vm, &out, "\n", 1);
    return ybuf_write(&out, w, ud);
}

int emit_yaml_stream(struct vm *vm, const struct list *docs, unsigned flags, const char *sep,
                     size_t sep_len, emit_write_fn w, void *ud)
{
    struct ybuf out = {.arena = vm->arena};
    for (uint32_t i = 0; i < docs->n; i++) {
        if (i) {
            ybuf_put_or_raise(vm, &out, "\n", 1);
            ybuf_put_or_raise(vm, &out, sep, sep_len);
            ybuf_put_or_raise(vm, &out, "\n", 1);
        }
        y_document(vm, &out, &docs->v[i], flags);
        ybuf_chomp(&out);
    }
    ybuf_put_or_raise(vm, &out, "\n", 1);
    return ybuf_write(&out, w, ud);
}

struct str *emit_yaml_text(struct vm *vm, struct value v, unsigned flags)
{
    struct ybuf out = {.arena = vm->arena};
    y_document(vm, &out, &v, flags);
    return str_new(vm, out.p ? out.p : "", out.n);
}

struct str *v_to_yaml(struct vm *vm, struct value v, bool sort_keys, bool ignore_private,
                      bool ignore_none)
{
    unsigned flags = (sort_keys ? SCL_EMIT_SORT_KEYS : 0u) |
                     (ignore_private ? 0u : SCL_EMIT_SHOW_HIDDEN) |
                     (ignore_none ? SCL_EMIT_DROP_NONE : 0u);
    return emit_yaml_text(vm, v, flags);
}
