/* JSON output: runtime JSON text (§6.3: json.encode, "${x: #json}") and `--format json`. */
#include "config.h"

#include "runtime/emit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/vm.h"
#include "runtime/vm_impl.h"
#include "scl.h"

/* The two dialects differ in string escapes and number text; both sort keys on request. */
struct jstyle {
    int indent;     /* spaces per level; 0: one line with ", " */
    unsigned flags; /* planning (emit.h) */
    bool go;        /* `--format json`: Go's encoding/json escapes and numbers */
};

static const char hexdigits[] = "0123456789abcdef";

static void put_u(struct sbuf *b, unsigned cp)
{
    char buf[8];
    snprintf(buf, sizeof buf, "\\u%04x", cp);
    sbuf_puts(b, buf);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static void put_jstring(struct sbuf *b, const char *str, size_t n, bool go)
{
    const unsigned char *s = (const unsigned char *)str;
    sbuf_putc(b, '"');
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        const char *esc = NULL;
        char one[3] = {'\\', 0, 0};
        size_t len = 1;
        bool u = false;
        switch (c) {
        case '"':
        case '\\':
            one[1] = (char)c;
            esc = one;
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '<':
        case '>':
        case '&':
            u = go;
            break;
        default:
            if (c < 0x20) {
                u = true;
            } else if (c >= 0x80 && go) {
                len = utf8_len(s + i, n - i);
                if (len == 0) { /* Go writes invalid bytes as U+FFFD */
                    sbuf_put(b, str + run, i - run);
                    put_u(b, 0xFFFD);
                    run = ++i;
                    continue;
                }
                if (len == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
                    sbuf_put(b, str + run, i - run);
                    put_u(b, s[i + 2] == 0xA8 ? 0x2028 : 0x2029);
                    i += 3;
                    run = i;
                    continue;
                }
            }
            break;
        }
        if (esc || u) {
            sbuf_put(b, str + run, i - run);
            if (esc) {
                sbuf_puts(b, esc);
            } else {
                char hex[7] = {'\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15], 0};
                sbuf_puts(b, hex);
            }
            run = i + 1;
        }
        i += len;
    }
    sbuf_put(b, str + run, n - run);
    sbuf_putc(b, '"');
}

static void put_jfloat(struct sbuf *b, double f, bool go)
{
    char buf[FMT_FLOAT_MAX];
    if (!isfinite(f)) {
        sbuf_puts(b, "null");
        return;
    }
    size_t n = go ? fmt_float_json(f, buf, sizeof buf) : fmt_float(f, true, buf, sizeof buf);
    sbuf_put(b, buf, n);
}

static void put_newline(struct sbuf *b, const struct jstyle *st, int level)
{
    sbuf_putc(b, '\n');
    for (int i = 0; i < level * st->indent; i++)
        sbuf_putc(b, ' ');
}

/* Between items: ", " on one line, ",\n" + indentation when pretty. */
static void put_item_start(struct sbuf *b, const struct jstyle *st, int level, bool first)
{
    if (!first)
        sbuf_putc(b, ',');
    if (st->indent > 0)
        put_newline(b, st, level);
    else if (!first)
        sbuf_putc(b, ' ');
}

static void put_jvalue(struct vm *vm, struct sbuf *b, struct value v, const struct jstyle *st,
                       int level)
{
    switch ((enum vtag)v.tag) {
    case V_BOOL:
        sbuf_puts(b, v.as.i ? "true" : "false");
        break;
    case V_INT:
        sbuf_printf(b, "%lld", (long long)v.as.i);
        break;
    case V_FLOAT:
        put_jfloat(b, v.as.f, st->go);
        break;
    case V_UNIT:
        put_jfloat(b, v_unit_float(v), st->go);
        break;
    case V_STR:
        put_jstring(b, v.as.s->b, v.as.s->len, st->go);
        break;
    case V_LIST: {
        bool first = true;
        sbuf_putc(b, '[');
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            if (emit_drops_value(v.as.l->v[i], st->flags))
                continue;
            put_item_start(b, st, level + 1, first);
            first = false;
            put_jvalue(vm, b, v.as.l->v[i], st, level + 1);
        }
        if (!first && st->indent > 0)
            put_newline(b, st, level);
        sbuf_putc(b, ']');
        break;
    }
    case V_DICT:
    case V_SCHEMA: {
        struct emit_iter it;
        if (!emit_iter_init(&it, vm->arena, v.as.d, st->flags))
            vm_raise(vm, "out of memory");
        bool first = true;
        sbuf_putc(b, '{');
        for (struct dict_entry *e; (e = emit_iter_next(&it));) {
            put_item_start(b, st, level + 1, first);
            first = false;
            put_jstring(b, e->key->b, e->key->len, st->go);
            sbuf_puts(b, ": ");
            put_jvalue(vm, b, e->val, st, level + 1);
        }
        if (!first && st->indent > 0)
            put_newline(b, st, level);
        sbuf_putc(b, '}');
        break;
    }
    default: /* None; Undefined and functions only at the top */
        sbuf_puts(b, "null");
        break;
    }
}

void emit_json_text(struct sbuf *b, struct value v, int indent, unsigned flags)
{
    struct jstyle st = {indent > 0 ? indent : 0, flags, false};
    put_jvalue(b->vm, b, v, &st, 0);
}

struct str *v_to_json(struct vm *vm, struct value v, int indent, bool sort_keys,
                      bool ignore_private, bool ignore_none)
{
    unsigned flags = (sort_keys ? SCL_EMIT_SORT_KEYS : 0u) |
                     (ignore_private ? 0u : SCL_EMIT_SHOW_HIDDEN) |
                     (ignore_none ? SCL_EMIT_DROP_NONE : 0u);
    struct sbuf b;
    sbuf_init(&b, vm);
    emit_json_text(&b, v, indent, flags);
    return sbuf_str(&b);
}

int emit_json_doc(struct vm *vm, struct value v, unsigned flags, emit_write_fn w, void *ud)
{
    struct sbuf b;
    sbuf_init_own(&b, vm);
    uint32_t ndocs = 0;
    struct value doc = v;
    if (emit_is_stream(v, flags)) {
        for (uint32_t i = 0; i < v.as.l->n; i++)
            if (!emit_drops_value(v.as.l->v[i], flags)) {
                doc = v.as.l->v[i];
                ndocs++;
            }
    }
    bool failed = false;
    if (ndocs > 1) {
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            if (emit_drops_value(v.as.l->v[i], flags))
                continue;
            emit_json_text(&b, v.as.l->v[i], 0, flags);
            sbuf_putc(&b, '\n');
            if ((flags & SCL_EMIT_STREAM) && b.n >= EMIT_CHUNK) { /* as emit_yaml does */
                if (!failed && w(ud, b.p, b.n))
                    failed = true;
                b.n = 0;
            }
        }
    } else {
        struct jstyle st = {4, flags | SCL_EMIT_SORT_KEYS, true};
        if (doc.tag != V_NONE && emit_drops_value(doc, flags))
            sbuf_puts(&b, "{}");
        else
            put_jvalue(vm, &b, doc, &st, 0);
        sbuf_putc(&b, '\n');
    }
    if (!failed && w(ud, b.p ? b.p : "", b.n))
        failed = true;
    sbuf_free_own(&b);
    return failed ? EMIT_EWRITE : EMIT_OK;
}
