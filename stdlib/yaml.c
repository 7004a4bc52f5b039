/* The yaml system module (spec §5.2): encode/encode_all (the §6.1 emitter), decode, decode_all
 * and validate (libyaml's parser with serde_yaml's scalar resolution, as KCL), and the
 * dump_to_file variants.
 *
 * Decoding first copies every parser event into the run's arena with the non-raising
 * arena_alloc, deletes the parser, and only then builds values (which may raise), so no
 * error ever unwinds past a live yaml_parser_t. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

#define YAML_SEP        "\n---\n"
#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* {===== arguments and encoding */



struct yaml_opts {
    bool sort_keys, ignore_private, ignore_none;
};

/* sort_keys, ignore_private, ignore_none at positional indexes first.. */
static struct yaml_opts yaml_get_opts(struct vm *vm, const struct callargs *a, uint32_t first)
{
    struct yaml_opts o;
    o.sort_keys = arg_opt_bool(vm, a, first, "sort_keys");
    o.ignore_private = arg_opt_bool(vm, a, first + 1, "ignore_private");
    o.ignore_none = arg_opt_bool(vm, a, first + 2, "ignore_none");
    return o;
}

static struct str *yaml_one(struct vm *vm, struct value v, struct yaml_opts o)
{
    return v_to_yaml(vm, v, o.sort_keys, o.ignore_private, o.ignore_none);
}

/* The documents of a list joined by "\n---\n" (each keeps its trailing newline). */
static struct str *yaml_all(struct vm *vm, struct value data, struct yaml_opts o)
{
    if (data.tag != V_LIST)
        vm_type_error(vm, "expected a list of documents, got %s", v_type_name(data));
    struct sbuf b;
    sbuf_init(&b, vm);
    for (uint32_t i = 0; i < data.as.l->n; i++) {
        if (i)
            sbuf_puts(&b, YAML_SEP);
        struct str *s = yaml_one(vm, data.as.l->v[i], o);
        sbuf_put(&b, s->b, s->len);
    }
    return sbuf_str(&b);
}


static struct value yaml_encode(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "encode", 1, 4);
    struct value data = arg_need(vm, a, 0, "data", "encode");
    return v_str(yaml_one(vm, data, yaml_get_opts(vm, a, 1)));
}

static struct value yaml_encode_all(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "encode_all", 1, 4);
    struct value data = arg_need(vm, a, 0, "data", "encode_all");
    return v_str(yaml_all(vm, data, yaml_get_opts(vm, a, 1)));
}

static struct value yaml_dump_to_file(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "dump_to_file", 2, 5);
    struct value data = arg_need(vm, a, 0, "data", "dump_to_file");
    struct str *fn =
        arg_str(vm, arg_need(vm, a, 1, "filename", "dump_to_file"), "argument 'filename'");
    stdlib_write_file(vm, fn->b, yaml_one(vm, data, yaml_get_opts(vm, a, 2)));
    return v_undef();
}

static struct value yaml_dump_all_to_file(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "dump_all_to_file", 2, 5);
    struct value data = arg_need(vm, a, 0, "data", "dump_all_to_file");
    struct str *fn =
        arg_str(vm, arg_need(vm, a, 1, "filename", "dump_all_to_file"), "argument 'filename'");
    stdlib_write_file(vm, fn->b, yaml_all(vm, data, yaml_get_opts(vm, a, 2)));
    return v_undef();
}

/* {===== parser events, copied into the arena */

struct yaml_ev {
    yaml_event_type_t type;
    yaml_scalar_style_t style;
    const char *anchor; /* NULL when absent; for aliases the referenced anchor */
    const char *tag;    /* NULL when absent */
    const char *val;    /* scalars: NUL-terminated copy (may contain NUL bytes) */
    size_t len;
    yaml_mark_t mark;
};

struct yaml_events {
    struct yaml_ev *v;
    size_t n, cap;
};

static const char *yaml_copy(struct arena *ar, const unsigned char *s, size_t len, bool *oom)
{
    if (!s)
        return NULL;
    char *r = arena_alloc(ar, len + 1);
    if (!r) {
        *oom = true;
        return NULL;
    }
    memcpy(r, s, len);
    r[len] = '\0';
    return r;
}

/* serde_yaml's nesting limit. */
#define YAML_MAX_DEPTH 128

/* Runs the parser over 'text'. On a syntax error returns false with the message (as
 * serde_yaml words it) in 'why'. Never raises while the parser is alive. Stops at the first
 * collection nested deeper than YAML_MAX_DEPTH: libyaml's scanner takes time quadratic in the
 * nesting, so 100,000 '[' must not reach it. */
static bool yaml_events(struct vm *vm, const struct str *text, struct yaml_events *out, char *why,
                        size_t whylen)
{
    yaml_parser_t p;
    struct arena *ar = vm->arena;
    bool oom = false, ok = true;
    unsigned depth = 0;
    memset(out, 0, sizeof *out);
    if (!yaml_parser_initialize(&p))
        vm_raise(vm, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text->b, text->len);
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            ok = false;
            if (p.error == YAML_MEMORY_ERROR) {
                oom = true;
            } else {
                int n = snprintf(why, whylen, "%s at line %lu column %lu",
                                 p.problem ? p.problem : "invalid YAML",
                                 (unsigned long)p.problem_mark.line + 1,
                                 (unsigned long)p.problem_mark.column + 1);
                if (p.context && n > 0 && (size_t)n < whylen)
                    snprintf(why + n, whylen - (size_t)n, ", %s at line %lu column %lu", p.context,
                             (unsigned long)p.context_mark.line + 1,
                             (unsigned long)p.context_mark.column + 1);
            }
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 32;
            struct yaml_ev *nv =
                arena_realloc(ar, out->v, out->cap * sizeof *out->v, cap * sizeof *out->v);
            if (!nv) {
                oom = true;
                yaml_event_delete(&e);
                break;
            }
            out->v = nv;
            out->cap = cap;
        }
        if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT) {
            if (++depth > YAML_MAX_DEPTH) {
                snprintf(why, whylen, "recursion limit exceeded at line %lu column %lu",
                         (unsigned long)e.start_mark.line + 1,
                         (unsigned long)e.start_mark.column + 1);
                ok = false;
                yaml_event_delete(&e);
                break;
            }
        } else if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        struct yaml_ev *ev = &out->v[out->n++];
        memset(ev, 0, sizeof *ev);
        ev->type = e.type;
        ev->mark = e.start_mark;
        switch (e.type) {
        case YAML_SCALAR_EVENT:
            ev->style = e.data.scalar.style;
            ev->anchor =
                yaml_copy(ar, e.data.scalar.anchor,
                          e.data.scalar.anchor ? strlen((char *)e.data.scalar.anchor) : 0, &oom);
            ev->tag = yaml_copy(ar, e.data.scalar.tag,
                                e.data.scalar.tag ? strlen((char *)e.data.scalar.tag) : 0, &oom);
            ev->val = yaml_copy(ar, e.data.scalar.value, e.data.scalar.length, &oom);
            ev->len = e.data.scalar.length;
            break;
        case YAML_ALIAS_EVENT:
            ev->anchor =
                yaml_copy(ar, e.data.alias.anchor, strlen((char *)e.data.alias.anchor), &oom);
            break;
        case YAML_SEQUENCE_START_EVENT:
            ev->anchor = yaml_copy(
                ar, e.data.sequence_start.anchor,
                e.data.sequence_start.anchor ? strlen((char *)e.data.sequence_start.anchor) : 0,
                &oom);
            ev->tag = yaml_copy(
                ar, e.data.sequence_start.tag,
                e.data.sequence_start.tag ? strlen((char *)e.data.sequence_start.tag) : 0, &oom);
            break;
        case YAML_MAPPING_START_EVENT:
            ev->anchor = yaml_copy(
                ar, e.data.mapping_start.anchor,
                e.data.mapping_start.anchor ? strlen((char *)e.data.mapping_start.anchor) : 0,
                &oom);
            ev->tag = yaml_copy(
                ar, e.data.mapping_start.tag,
                e.data.mapping_start.tag ? strlen((char *)e.data.mapping_start.tag) : 0, &oom);
            break;
        default:
            break;
        }
        bool end = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        if (end || oom)
            break;
    }
    yaml_parser_delete(&p);
    if (oom)
        vm_raise(vm, "out of memory");
    return ok;
}

/* {===== scalar resolution (serde_yaml 0.9, which KCL uses) */

static bool yaml_is_null(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '~') || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static int yaml_bool(const char *s) /* 1 true, 0 false, -1 neither */
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return 0;
    return -1;
}

/* Leading zeros before more digits make a string (YAML 1.2): "007", "-01". */
static bool yaml_digits_not_number(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (s[0] != '0' || s[1] == '\0')
        return false;
    for (s++; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int yaml_digit_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

enum { YI_NONE, YI_OK, YI_BIG }; /* not an integer / fits in u64 magnitude / too big */

/* Rust's uN::from_str_radix: an optional '+', then one or more digits of the radix. */
static int yaml_radix(const char *s, int radix, uint64_t *mag, bool allow_plus)
{
    if (allow_plus && *s == '+')
        s++;
    if (!*s)
        return YI_NONE;
    uint64_t m = 0;
    bool big = false;
    for (; *s; s++) {
        int d = yaml_digit_val(*s);
        if (d >= radix)
            return YI_NONE;
        if (m > (UINT64_MAX - (uint64_t)d) / (uint64_t)radix)
            big = true;
        else
            m = m * (uint64_t)radix + (uint64_t)d;
    }
    *mag = m;
    return big ? YI_BIG : YI_OK;
}

/* An integer: sets *neg and *mag. YI_BIG when it needs more than 64 bits. */
static int yaml_int(const char *s, bool *neg, uint64_t *mag)
{
    static const struct {
        const char *prefix;
        int radix;
    } radixes[] = {{"0x", 16}, {"0o", 8}, {"0b", 2}};
    *neg = s[0] == '-';
    const char *u = *neg ? s + 1 : (s[0] == '+' ? s + 1 : s);
    for (size_t k = 0; k < 3; k++) {
        size_t pl = strlen(radixes[k].prefix);
        if (!strncmp(u, radixes[k].prefix, pl)) {
            const char *rest = u + pl;
            if (*rest == '+' || *rest == '-')
                return YI_NONE;
            int r = yaml_radix(rest, radixes[k].radix, mag, false);
            if (r != YI_NONE)
                return r;
        }
    }
    if (*u == '+' || *u == '-')
        return YI_NONE;
    if (yaml_digits_not_number(s))
        return YI_NONE;
    return yaml_radix(u, 10, mag, false);
}

/* Rust's f64::from_str grammar (no "inf"/"nan" words: they are not finite anyway). */
static bool yaml_float_syntax(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    size_t intd = 0, fracd = 0;
    while (*s >= '0' && *s <= '9')
        s++, intd++;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9')
            s++, fracd++;
    }
    if (intd + fracd == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* A float: 1 with *f set (*f may be ±inf or NaN for .inf/.nan), 0 when not a float. */
static int yaml_float(const char *s, double *f)
{
    const char *u = s;
    if (*u == '+') {
        u++;
        if (*u == '+' || *u == '-')
            return 0;
    }
    if (!strcmp(u, ".inf") || !strcmp(u, ".Inf") || !strcmp(u, ".INF")) {
        *f = HUGE_VAL;
        return 1;
    }
    if (!strcmp(s, "-.inf") || !strcmp(s, "-.Inf") || !strcmp(s, "-.INF")) {
        *f = -HUGE_VAL;
        return 1;
    }
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *f = NAN;
        return 1;
    }
    if (!yaml_float_syntax(u))
        return 0;
    double d = strtod(u, NULL);
    if (!isfinite(d))
        return 0;
    *f = d;
    return 1;
}

/* {===== events -> values */

struct yaml_anchor {
    const char *name;
    struct value v;
    const struct yaml_ev *scalar; /* the scalar event when the anchored node is a scalar */
    uint64_t size;                /* nodes in the anchored node, its aliases expanded */
};

/* The alias-expansion budget: aliases share values here, but whatever walks the result (the
 * output, a comparison, a loop) sees every copy, so a few hundred bytes of nested aliases (the
 * "billion laughs") would still cost gigabytes. A document may expand through aliases to
 * YAML_ALIAS_RATIO times its own events, and always to YAML_ALIAS_MIN nodes. */
#define YAML_ALIAS_MIN   100000
#define YAML_ALIAS_RATIO 10

/* With 'check' set (validate), problems set 'failed' instead of raising. */
struct yaml_build {
    const struct yaml_events *evs;
    size_t i;
    struct yaml_anchor *anchors;
    uint32_t nanchors, capanchors;
    unsigned depth;
    bool check, failed;
    uint64_t nodes;   /* nodes built so far, aliases counted at their expanded size */
    uint64_t aliased; /* of which through aliases */
    uint64_t budget;  /* the most 'aliased' may reach */
};

/* Raises "<msg> at line L column C", or only records the failure when checking. */
static void yaml_fail(struct vm *vm, struct yaml_build *b, const struct yaml_ev *e, const char *msg)
{
    if (b->check) {
        b->failed = true;
        return;
    }
    vm_raise(vm, "%s at line %lu column %lu", msg, (unsigned long)e->mark.line + 1,
             (unsigned long)e->mark.column + 1);
}

/* JSON-like number values: non-finite floats are None (serde_json has no NaN/inf). */
static struct value yaml_float_value(double f)
{
    return isfinite(f) ? v_float(f) : v_none();
}

/* An integer as KCL keeps it: int64, else float for u64 magnitudes; false when too big
 * (serde's u128/i128 have no JSON counterpart: KCL fails there too). */
static bool yaml_int_value(bool neg, uint64_t mag, struct value *out)
{
    if (!neg) {
        *out = mag <= (uint64_t)INT64_MAX ? v_int((int64_t)mag) : v_float((double)mag);
        return true;
    }
    if (mag <= (uint64_t)INT64_MAX + 1) {
        *out = v_int(mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag);
        return true;
    }
    return false;
}

/* A plain, untagged scalar. */
static struct value yaml_resolve(struct vm *vm, struct yaml_build *b, const struct yaml_ev *e)
{
    const char *s = e->val;
    if (strlen(s) != e->len) /* an embedded NUL: only strings have those */
        return v_str(str_new(vm, s, e->len));
    if (yaml_is_null(s, e->len))
        return v_none();
    int t = yaml_bool(s);
    if (t >= 0)
        return v_bool(t);
    bool neg;
    uint64_t mag;
    int r = yaml_int(s, &neg, &mag);
    struct value v;
    if (r == YI_OK && yaml_int_value(neg, mag, &v))
        return v;
    if (r != YI_NONE && e->len <= 39) { /* within u128/i128 */
        yaml_fail(vm, b, e, "invalid type: integer out of range");
        return v_none();
    }
    double f;
    if (!yaml_digits_not_number(s) && yaml_float(s, &f))
        return yaml_float_value(f);
    return v_str(str_new(vm, s, e->len));
}

static struct value yaml_scalar(struct vm *vm, struct yaml_build *b, const struct yaml_ev *e)
{
    const char *tag = e->tag;
    char msg[160];
    if (!tag || !strcmp(tag, "!")) {
        if (e->style != YAML_PLAIN_SCALAR_STYLE || tag) /* quoted, block or "!": a string */
            return v_str(str_new(vm, e->val, e->len));
        return yaml_resolve(vm, b, e);
    }
    size_t pl = strlen(YAML_TAG_PREFIX);
    const char *t = strncmp(tag, YAML_TAG_PREFIX, pl) ? "" : tag + pl;
    if (!strcmp(t, "str"))
        return v_str(str_new(vm, e->val, e->len));
    if (!strcmp(t, "null") && yaml_is_null(e->val, strlen(e->val)))
        return v_none();
    if (!strcmp(t, "bool") && yaml_bool(e->val) >= 0)
        return v_bool(yaml_bool(e->val));
    if (!strcmp(t, "int")) {
        bool neg;
        uint64_t mag;
        struct value v;
        if (yaml_int(e->val, &neg, &mag) == YI_OK && yaml_int_value(neg, mag, &v))
            return v;
    }
    double f;
    if (!strcmp(t, "float") && yaml_float(e->val, &f))
        return yaml_float_value(f);
    if (!strcmp(t, "null") || !strcmp(t, "bool") || !strcmp(t, "int") || !strcmp(t, "float"))
        snprintf(msg, sizeof msg, "invalid value: string \"%.60s\", expected %s", e->val, t);
    else
        snprintf(msg, sizeof msg, "unsupported YAML tag '%.100s'", tag);
    yaml_fail(vm, b, e, msg);
    return v_none();
}

static void yaml_set_anchor(struct vm *vm, struct yaml_build *b, const char *name, struct value v,
                            const struct yaml_ev *scalar, uint64_t size)
{
    if (!name)
        return;
    for (uint32_t k = 0; k < b->nanchors; k++) { /* a redefined anchor replaces the old one */
        if (!strcmp(b->anchors[k].name, name)) {
            b->anchors[k].v = v;
            b->anchors[k].scalar = scalar;
            b->anchors[k].size = size;
            return;
        }
    }
    if (b->nanchors == b->capanchors) {
        uint32_t cap = b->capanchors ? b->capanchors * 2 : 8;
        b->anchors = vm_realloc(vm, b->anchors, b->capanchors * sizeof *b->anchors,
                                cap * sizeof *b->anchors);
        b->capanchors = cap;
    }
    b->anchors[b->nanchors].name = name;
    b->anchors[b->nanchors].v = v;
    b->anchors[b->nanchors].size = size;
    b->anchors[b->nanchors++].scalar = scalar;
}

/* Counts the expansion of an alias against the budget. */
static void yaml_count_alias(struct vm *vm, struct yaml_build *b, const struct yaml_anchor *an,
                             const struct yaml_ev *e)
{
    b->nodes += an->size;
    b->aliased += an->size;
    if (b->aliased > b->budget && !b->failed) {
        char msg[160];
        snprintf(msg, sizeof msg, "aliases expand to more than %llu nodes",
                 (unsigned long long)b->budget);
        yaml_fail(vm, b, e, msg);
    }
}

/* The anchor an alias event refers to, or NULL (after yaml_fail) when it is unknown. */
static const struct yaml_anchor *yaml_get_anchor(struct vm *vm, struct yaml_build *b,
                                                 const struct yaml_ev *e)
{
    for (uint32_t k = b->nanchors; k-- > 0;)
        if (!strcmp(b->anchors[k].name, e->anchor))
            return &b->anchors[k];
    yaml_fail(vm, b, e, "unknown anchor");
    return NULL;
}

/* Collections may carry the core tags (!!map, !!seq) but no application tags. */
static void yaml_check_tag(struct vm *vm, struct yaml_build *b, const struct yaml_ev *e)
{
    if (e->tag && strcmp(e->tag, "!") != 0 &&
        strncmp(e->tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "unsupported YAML tag '%.100s'", e->tag);
        yaml_fail(vm, b, e, msg);
    }
}

static struct value yaml_node(struct vm *vm, struct yaml_build *b);

/* A mapping key: the text of a scalar (any style), as serde reads string keys. */
static struct str *yaml_key(struct vm *vm, struct yaml_build *b)
{
    const struct yaml_ev *e = &b->evs->v[b->i];
    if (e->type == YAML_SCALAR_EVENT) {
        b->i++;
        struct str *k = str_new(vm, e->val, e->len);
        b->nodes++;
        if (e->anchor)
            yaml_set_anchor(vm, b, e->anchor, yaml_scalar(vm, b, e), e, 1);
        return k;
    }
    if (e->type == YAML_ALIAS_EVENT) {
        b->i++;
        const struct yaml_anchor *an = yaml_get_anchor(vm, b, e);
        if (!an)
            return str_new(vm, "", 0);
        yaml_count_alias(vm, b, an, e);
        if (an->scalar)
            return str_new(vm, an->scalar->val, an->scalar->len);
        yaml_fail(vm, b, e, "invalid type: map, expected a string key");
        return str_new(vm, "", 0);
    }
    yaml_fail(vm, b, e,
              e->type == YAML_SEQUENCE_START_EVENT ? "invalid type: sequence, expected a string key"
                                                   : "invalid type: map, expected a string key");
    yaml_node(vm, b); /* checking: skip the collection */
    return str_new(vm, "", 0);
}

/* Past serde's nesting limit: fails, and when checking skips the rest of the collection
 * that 'e' opened without recursing. */
static struct value yaml_too_deep(struct vm *vm, struct yaml_build *b, const struct yaml_ev *e)
{
    yaml_fail(vm, b, e, "recursion limit exceeded");
    for (unsigned open = 1; open;) {
        yaml_event_type_t t = b->evs->v[b->i++].type;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
            open++;
        else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            open--;
    }
    b->depth--;
    return v_none();
}

static struct value yaml_node(struct vm *vm, struct yaml_build *b)
{
    const struct yaml_ev *e = &b->evs->v[b->i++];
    switch (e->type) {
    case YAML_SCALAR_EVENT: {
        struct value v = yaml_scalar(vm, b, e);
        b->nodes++;
        yaml_set_anchor(vm, b, e->anchor, v, e, 1);
        return v;
    }
    case YAML_ALIAS_EVENT: {
        const struct yaml_anchor *an = yaml_get_anchor(vm, b, e);
        if (an)
            yaml_count_alias(vm, b, an, e);
        return an ? an->v : v_none();
    }
    case YAML_SEQUENCE_START_EVENT: {
        yaml_check_tag(vm, b, e);
        if (++b->depth > YAML_MAX_DEPTH)
            return yaml_too_deep(vm, b, e);
        uint64_t first = b->nodes++;
        struct list *l = list_new(vm, 0);
        while (b->evs->v[b->i].type != YAML_SEQUENCE_END_EVENT)
            list_push(vm, l, yaml_node(vm, b));
        b->i++;
        b->depth--;
        yaml_set_anchor(vm, b, e->anchor, v_list(l), NULL, b->nodes - first);
        return v_list(l);
    }
    case YAML_MAPPING_START_EVENT: {
        yaml_check_tag(vm, b, e);
        if (++b->depth > YAML_MAX_DEPTH)
            return yaml_too_deep(vm, b, e);
        uint64_t first = b->nodes++;
        struct dict *d = dict_new(vm, 0);
        while (b->evs->v[b->i].type != YAML_MAPPING_END_EVENT) {
            struct str *k = yaml_key(vm, b);
            struct value v = yaml_node(vm, b);
            dict_set(vm, d, k, v);
        }
        b->i++;
        b->depth--;
        yaml_set_anchor(vm, b, e->anchor, v_dict(d), NULL, b->nodes - first);
        return v_dict(d);
    }
    default: /* the parser only produces well-nested events */
        yaml_fail(vm, b, e, "unexpected YAML event");
        return v_none();
    }
}

/* All documents of 'text' as a list; false with the reason in 'why' on a syntax error.
 * With 'check', also false (instead of raising) when a document cannot be read. */
static bool yaml_load(struct vm *vm, const struct str *text, bool check, struct list **docs,
                      char *why, size_t whylen)
{
    struct yaml_events evs;
    if (!yaml_events(vm, text, &evs, why, whylen))
        return false;
    struct yaml_build b = {0};
    b.evs = &evs;
    b.check = check;
    b.budget = (uint64_t)evs.n * YAML_ALIAS_RATIO;
    if (b.budget < YAML_ALIAS_MIN)
        b.budget = YAML_ALIAS_MIN;
    *docs = list_new(vm, 1);
    for (b.i = 0; b.i < evs.n; b.i++) {
        if (evs.v[b.i].type != YAML_DOCUMENT_START_EVENT)
            continue;
        b.i++;
        list_push(vm, *docs, yaml_node(vm, &b)); /* leaves b.i at DOCUMENT_END */
        b.nanchors = 0;                          /* anchors are per document */
    }
    return !b.failed;
}

static struct value yaml_decode(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "decode", 1, 1);
    struct str *s = arg_str(vm, arg_need(vm, a, 0, "value", "decode"), "argument 'value'");
    char why[256];
    struct list *docs;
    if (!yaml_load(vm, s, false, &docs, why, sizeof why))
        vm_raise(vm, "%s", why);
    if (docs->n > 1)
        vm_raise(vm, "deserializing from YAML containing more than one document is not supported");
    return docs->n ? docs->v[0] : v_none();
}

static struct value yaml_decode_all(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "decode_all", 1, 1);
    struct str *s = arg_str(vm, arg_need(vm, a, 0, "value", "decode_all"), "argument 'value'");
    char why[256];
    struct list *docs;
    if (!yaml_load(vm, s, false, &docs, why, sizeof why))
        vm_raise(vm, "%s", why);
    return v_list(docs);
}

/* True when 'value' is a YAML stream whose documents KCL can read. */
static struct value yaml_validate(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "validate", 1, 1);
    struct str *s = arg_str(vm, arg_need(vm, a, 0, "value", "validate"), "argument 'value'");
    char why[256];
    struct list *docs;
    return v_bool(yaml_load(vm, s, true, &docs, why, sizeof why));
}

static const struct native_def yaml_fns[] = {
    {"decode", yaml_decode},
    {"decode_all", yaml_decode_all},
    {"dump_all_to_file", yaml_dump_all_to_file},
    {"dump_to_file", yaml_dump_to_file},
    {"encode", yaml_encode},
    {"encode_all", yaml_encode_all},
    {"validate", yaml_validate},
};

const struct stdlib_module stdlib_mod_yaml = {"yaml", yaml_fns,
                                              sizeof yaml_fns / sizeof yaml_fns[0], NULL};
