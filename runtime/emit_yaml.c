/* YAML output (§6.1, §6.2): a direct writer that reproduces libyaml's emitter byte for byte,
 * libyaml's emitter itself as the reference, and the planning filter (§3.9 step 4). */
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
        dict_set_schema(vm, d, dict_schema(v.as.d));
        struct value r = v;
        r.as.d = d;
        return r;
    }
    return v;
}

/* {===== scalar styles (§6.1) */

/* Words that read back as booleans or null (YAML 1.1 and 1.2), compared ignoring ASCII case,
 * listed by length (1 to 5, each followed by a space); none is longer. */
static const char *const yaml_words[6] = {"",           "y n ~ ", "no on ", "yes off nil nan ",
                                          "true null ", "false "};

static bool is_yaml_word(const char *s, size_t n)
{
    if (n > 5)
        return false;
    switch (s[0] | 0x20) { /* the first letters of the words, any case ('~' | 0x20 is '~') */
    case 'y':
    case 'n':
    case 'o':
    case 't':
    case 'f':
    case '~':
        break;
    default:
        return false;
    }
    char low[5];
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    for (const char *w = yaml_words[n]; *w; w += n + 1)
        if (!memcmp(w, low, n))
            return true;
    return false;
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
    return is_yaml_word(s, n);
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

/* Output collected without raising (libyaml must be cleaned up first), in a buffer of the
 * run's arena that grows on its own (arena_buf_resize): a stream of many documents makes
 * megabytes of text, and a buffer grown inside the chunks would leave each smaller copy
 * behind. It is freed once written; one abandoned by an error goes with the arena. */
struct ybuf {
    struct arena *arena;
    char *p;
    size_t n, cap;
    bool oom;
};

/* The capacity for 'need' bytes: doubling, except that a buffer outgrowing 64 KB goes
 * straight to 1 MB, from where blocks are mapped and grow by remapping rather than by
 * copying (arena_buf_resize): a big output is copied only while it is small. */
static size_t ybuf_cap(size_t cap, size_t need)
{
    while (cap < need)
        cap *= 2;
    if (cap > ((size_t)64 << 10) && cap < ((size_t)1 << 20))
        cap = (size_t)1 << 20;
    return cap;
}

static bool ybuf_put(struct ybuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = ybuf_cap(b->cap ? b->cap : 256, b->n + n + 1);
        char *p = arena_buf_resize(b->arena, b->p, b->cap, cap);
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

/* {===== the direct writer
 *
 * Writes the bytes libyaml's emitter (0.2.5) writes for the events above, without building
 * events: per scalar no copy, no allocation and one pass of analysis. It follows the emitter's
 * facts for the subset scl produces (block collections, empty ones as "[]"/"{}", untagged
 * scalars with both implicit flags, unicode on, unlimited width so no line is ever folded):
 *   - the analysis of a string (yaml_emitter_analyze_scalar) gives whether plain, single-quoted
 *     and block styles are allowed and whether it has line breaks (any of \r \n U+0085 U+2028
 *     U+2029); the requested style then falls back plain -> single -> double and
 *     literal -> double exactly as yaml_emitter_select_scalar_style does;
 *   - the layout state is libyaml's: the current indent (-1 outside any collection), the
 *     column, 'whitespace' (the last character written was a space or a line start) and
 *     'indention' (only indentation since the line start); write_indent breaks the line
 *     unless already at the indent, indicators add a space before them when needed;
 *   - a key longer than 128 bytes or with a line break is a complex key ("? key\n: value");
 *   - after a "|+" block (until another block scalar) the document ends with "...".
 * tests/unit/check_yaml.c and tests/yaml/writers.sh compare it with the libyaml path. */

enum ystyle { YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL };

struct yw {
    struct vm *vm;
    struct ybuf *out;
    unsigned flags;
    int indent;      /* libyaml's emitter->indent */
    size_t column;   /* in bytes: it is only compared while the line holds indentation */
    bool whitespace; /* emitter->whitespace */
    bool indention;  /* emitter->indention */
    bool open_ended; /* the last block scalar kept its trailing line breaks ("|+") */
};

static char *yw_grow(struct yw *w, size_t n);

/* Room for n more bytes at the end of the output (and its NUL); raises when memory runs out. */
static inline char *yw_room(struct yw *w, size_t n)
{
    struct ybuf *b = w->out;
    return b->n + n + 1 <= b->cap ? b->p + b->n : yw_grow(w, n);
}

static char *yw_grow(struct yw *w, size_t n)
{
    struct ybuf *b = w->out;
    size_t cap = ybuf_cap(b->cap ? b->cap : 4096, b->n + n + 1);
    char *p = arena_buf_resize(b->arena, b->p, b->cap, cap);
    if (!p)
        vm_raise(w->vm, "out of memory");
    b->p = p;
    b->cap = cap;
    return b->p + b->n;
}

static inline void yw_put(struct yw *w, const char *s, size_t n)
{
    memcpy(yw_room(w, n), s, n);
    w->out->n += n;
    w->column += n;
}

static inline void yw_putc(struct yw *w, char c)
{
    *yw_room(w, 1) = c;
    w->out->n++;
    w->column++;
}

static void yw_break(struct yw *w)
{
    *yw_room(w, 1) = '\n';
    w->out->n++;
    w->column = 0;
}

/* yaml_emitter_write_indent */
static void yw_indent(struct yw *w)
{
    size_t indent = w->indent >= 0 ? (size_t)w->indent : 0;
    if (!w->indention || w->column > indent || (w->column == indent && !w->whitespace))
        yw_break(w);
    if (w->column < indent) {
        size_t n = indent - w->column;
        memset(yw_room(w, n), ' ', n);
        w->out->n += n;
        w->column = indent;
    }
    w->whitespace = w->indention = true;
}

/* yaml_emitter_write_indicator */
static void yw_indicator(struct yw *w, const char *s, size_t n, bool need_whitespace,
                         bool is_whitespace, bool is_indention)
{
    if (need_whitespace && !w->whitespace)
        yw_putc(w, ' ');
    yw_put(w, s, n);
    w->whitespace = is_whitespace;
    w->indention = w->indention && is_indention;
}

/* {===== direct writer: characters as libyaml classifies them (s valid UTF-8, i < n) */

static size_t u8_width(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
}

/* libyaml's IS_BREAK: \r \n U+0085 U+2028 U+2029 */
static bool y_is_break(const unsigned char *s, size_t i)
{
    unsigned char c = s[i];
    return c == '\n' || c == '\r' || (c == 0xC2 && s[i + 1] == 0x85) ||
           (c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9));
}

/* libyaml's IS_BLANKZ_AT, where the end of the string reads as its terminating NUL */
static bool y_is_blankz(const unsigned char *s, size_t i, size_t n)
{
    if (i >= n)
        return true;
    unsigned char c = s[i];
    return c == ' ' || c == '\t' || c == '\0' || y_is_break(s, i);
}

/* libyaml's IS_PRINTABLE: LF, ASCII 0x20-0x7E, U+00A0-U+D7FF, U+E000-U+FFFD without U+FEFF.
 * Characters beyond U+FFFF are not printable for it (they are written as \U escapes). */
static bool y_is_printable(const unsigned char *s, size_t i)
{
    unsigned char c = s[i];
    if (c < 0x80)
        return c == '\n' || (c >= 0x20 && c <= 0x7E);
    if (c == 0xC2)
        return s[i + 1] >= 0xA0;
    if (c > 0xC2 && c < 0xED)
        return true;
    if (c == 0xED)
        return s[i + 1] < 0xA0;
    if (c == 0xEE)
        return true;
    if (c == 0xEF)
        return !(s[i + 1] == 0xBB && s[i + 2] == 0xBF) &&
               !(s[i + 1] == 0xBF && (s[i + 2] == 0xBE || s[i + 2] == 0xBF));
    return false;
}

/* The check libyaml makes when a scalar event is created (yaml_check_utf8): well-formed
 * sequences of 1 to 4 bytes without overlong forms (surrogates and values past U+10FFFF
 * pass). */
static bool y_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t width = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!width || width > n - i)
            return false;
        uint32_t value = c & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07);
        for (size_t k = 1; k < width; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            value = (value << 6) | (s[i + k] & 0x3F);
        }
        if ((width == 2 && value < 0x80) || (width == 3 && value < 0x800) ||
            (width == 4 && value < 0x10000))
            return false;
        i += width;
    }
    return true;
}

/* What libyaml's analysis allows for a string in block context. */
struct yscalar {
    bool multiline;   /* has a line break */
    bool block_plain; /* plain style */
    bool single;      /* single-quoted style */
    bool block;       /* literal style */
};

/* Indicators that refuse plain style at the start of a string. */
static bool y_start_indicator(unsigned char c)
{
    switch (c) {
    case '#':
    case ',':
    case '[':
    case ']':
    case '{':
    case '}':
    case '&':
    case '*':
    case '!':
    case '|':
    case '>':
    case '\'':
    case '"':
    case '%':
    case '@':
    case '`':
        return true;
    default:
        return false;
    }
}

/* yaml_emitter_analyze_scalar for block context. */
static void y_analyze_word(const unsigned char *s, size_t n, struct yscalar *a)
{
    /* The common case: printable ASCII without spaces (n > 0). Only the first character, a
     * final ':' and a "---"/"..." start can then refuse plain style. */
    unsigned char c = s[0];
    bool indicators = y_start_indicator(c) || ((c == '?' || c == ':' || c == '-') && n == 1) ||
                      s[n - 1] == ':' ||
                      (n >= 3 && (c == '-' || c == '.') && s[1] == c && s[2] == c);
    a->multiline = false;
    a->block_plain = !indicators;
    a->single = a->block = true;
}

static void y_analyze(const unsigned char *s, size_t n, struct yscalar *a)
{
    a->multiline = false;
    if (n == 0) {
        a->block_plain = a->single = true;
        a->block = false;
        return;
    }
    bool indicators = n >= 3 && (s[0] == '-' || s[0] == '.') && s[1] == s[0] && s[2] == s[0];
    bool special = false, breaks = false;
    bool leading_space = false, leading_break = false, trailing_space = false,
         trailing_break = false, break_space = false, space_break = false;
    bool previous_space = false, previous_break = false;
    bool preceded_by_ws = true;
    bool followed_by_ws = y_is_blankz(s, u8_width(s[0]), n);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t width = u8_width(c);
        if (i == 0) {
            if (y_start_indicator(c))
                indicators = true;
            if ((c == '?' || c == ':' || c == '-') && followed_by_ws)
                indicators = true;
        } else {
            if (c == ':' && followed_by_ws)
                indicators = true;
            if (c == '#' && preceded_by_ws)
                indicators = true;
        }
        if (!y_is_printable(s, i))
            special = true;
        bool is_break = y_is_break(s, i);
        if (is_break)
            breaks = true;
        if (c == ' ') {
            leading_space |= i == 0;
            trailing_space |= i + width == n;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if (is_break) {
            leading_break |= i == 0;
            trailing_break |= i + width == n;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = previous_break = false;
        }
        preceded_by_ws = y_is_blankz(s, i, n);
        i += width;
        if (i < n)
            followed_by_ws = y_is_blankz(s, i + u8_width(s[i]), n);
    }
    a->multiline = breaks;
    a->block_plain = !(leading_space || leading_break || trailing_space || trailing_break ||
                       break_space || space_break || special || breaks || indicators);
    a->single = !(break_space || space_break || special);
    a->block = !(trailing_space || space_break || special);
}

/* yaml_emitter_select_scalar_style (block context, no tag) */
static enum ystyle y_select(const struct yscalar *a, enum ystyle style, size_t n, bool simple_key)
{
    if (simple_key && a->multiline)
        style = YS_DOUBLE;
    if (style == YS_PLAIN && (!a->block_plain || (n == 0 && simple_key)))
        style = YS_SINGLE;
    if (style == YS_SINGLE && !a->single)
        style = YS_DOUBLE;
    if (style == YS_LITERAL && (!a->block || simple_key))
        style = YS_DOUBLE;
    return style;
}

/* The style scl requests for a string (§6.1 rules 1 and 2, else plain); 'multiline' from the
 * analysis (without a line break there is no '\n'). */
static enum ystyle y_request(const char *s, size_t n, bool multiline)
{
    if (multiline && memchr(s, '\n', n))
        return YS_LITERAL;
    return reads_as_non_string(s, n) ? YS_SINGLE : YS_PLAIN;
}

/* {===== direct writer: scalars */

static void yw_plain(struct yw *w, const char *s, size_t n)
{
    if (!w->whitespace)
        yw_putc(w, ' ');
    yw_put(w, s, n);
    w->whitespace = w->indention = false;
}

/* A line break taken from the text (yaml WRITE_BREAK): '\n' as the output's break, the
 * others (U+2028 ...) copied. Returns the width consumed. */
static size_t yw_text_break(struct yw *w, const unsigned char *s, size_t i)
{
    size_t width = u8_width(s[i]);
    if (s[i] == '\n')
        yw_break(w);
    else {
        yw_put(w, (const char *)s + i, width);
        w->column = 0;
    }
    return width;
}

static void yw_single(struct yw *w, const unsigned char *s, size_t n)
{
    yw_indicator(w, "'", 1, true, false, false);
    bool breaks = false;
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ') {
            yw_putc(w, ' ');
            i++;
        } else if (y_is_break(s, i)) {
            if (!breaks && s[i] == '\n')
                yw_break(w);
            i += yw_text_break(w, s, i);
            w->indention = breaks = true;
        } else {
            if (breaks)
                yw_indent(w);
            /* a run of ordinary characters in one copy */
            size_t j = i;
            while (j < n && s[j] != ' ' && s[j] != '\'' && !y_is_break(s, j))
                j++;
            if (j == i) { /* a quote, doubled */
                yw_put(w, "''", 2);
                j++;
            } else
                yw_put(w, (const char *)s + i, j - i);
            i = j;
            w->indention = breaks = false;
        }
    }
    if (breaks)
        yw_indent(w);
    yw_indicator(w, "'", 1, false, false, false);
}

/* libyaml's short escapes in double-quoted text (U+00A0 is listed but printable, so unused). */
static const struct {
    uint32_t code;
    char esc;
} y_escapes[] = {{0x00, '0'},  {0x07, 'a'}, {0x08, 'b'}, {0x09, 't'},   {0x0A, 'n'},
                 {0x0B, 'v'},  {0x0C, 'f'}, {0x0D, 'r'}, {0x1B, 'e'},   {0x22, '"'},
                 {0x5C, '\\'}, {0x85, 'N'}, {0xA0, '_'}, {0x2028, 'L'}, {0x2029, 'P'}};

static void yw_double(struct yw *w, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    yw_indicator(w, "\"", 1, true, false, false);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t width = u8_width(c);
        if (y_is_printable(s, i) && !y_is_break(s, i) && c != '"' && c != '\\') {
            yw_put(w, (const char *)s + i, width); /* (U+FEFF is not printable) */
            i += width;
            continue;
        }
        uint32_t value = width == 1 ? c : c & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07);
        for (size_t k = 1; k < width; k++)
            value = (value << 6) | (s[i + k] & 0x3F);
        i += width;
        char esc = 0;
        for (size_t k = 0; k < sizeof y_escapes / sizeof y_escapes[0]; k++)
            if (y_escapes[k].code == value)
                esc = y_escapes[k].esc;
        char buf[10] = {'\\', esc};
        size_t len = 2;
        if (!esc) {
            int digits = value <= 0xFF ? 2 : value <= 0xFFFF ? 4 : 8;
            buf[1] = digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
            for (int k = digits - 1; k >= 0; k--)
                buf[len++] = hex[(value >> (4 * k)) & 0xF];
        }
        yw_put(w, buf, len);
    }
    yw_indicator(w, "\"", 1, false, false, false);
}

/* yaml_emitter_write_literal_scalar with its hints: the indentation indicator when the text
 * starts with a space or break, chomping "-" (no final break), none (one) or "+" (more). */
static void yw_literal(struct yw *w, const unsigned char *s, size_t n)
{
    yw_indicator(w, "|", 1, true, false, false);
    if (n && (s[0] == ' ' || y_is_break(s, 0)))
        yw_indicator(w, "2", 1, false, false, false);
    w->open_ended = false;
    const char *chomp = "-";
    if (n) {
        size_t last = n - 1;
        while (last > 0 && (s[last] & 0xC0) == 0x80)
            last--;
        if (y_is_break(s, last)) {
            chomp = NULL;
            if (last == 0)
                chomp = "+";
            else {
                size_t prev = last - 1;
                while (prev > 0 && (s[prev] & 0xC0) == 0x80)
                    prev--;
                if (y_is_break(s, prev))
                    chomp = "+";
            }
            w->open_ended = chomp != NULL;
        }
    }
    if (chomp)
        yw_indicator(w, chomp, 1, false, false, false);
    yw_break(w);
    w->indention = w->whitespace = true;
    bool breaks = true;
    for (size_t i = 0; i < n;) {
        if (y_is_break(s, i)) {
            i += yw_text_break(w, s, i);
            w->indention = breaks = true;
        } else {
            if (breaks)
                yw_indent(w);
            size_t j = i + 1;
            while (j < n && !y_is_break(s, j))
                j++;
            yw_put(w, (const char *)s + i, j - i);
            i = j;
            w->indention = breaks = false;
        }
    }
}

/* A string scalar (yaml_emitter_emit_scalar); 'a' is its analysis. */
static void yw_string(struct yw *w, const char *s, size_t n, const struct yscalar *a,
                      bool simple_key)
{
    const unsigned char *u = (const unsigned char *)s;
    enum ystyle style = y_select(a, y_request(s, n, a->multiline), n, simple_key);
    int indent = w->indent;
    w->indent = indent < 0 ? 2 : indent + 2;
    switch (style) {
    case YS_PLAIN:
        yw_plain(w, s, n);
        break;
    case YS_SINGLE:
        yw_single(w, u, n);
        break;
    case YS_DOUBLE:
        yw_double(w, u, n);
        break;
    case YS_LITERAL:
        yw_literal(w, u, n);
        break;
    }
    w->indent = indent;
}

/* The analysis of a string about to be written; raises where libyaml refuses the event. */
static void yw_check(struct yw *w, const struct str *str, struct yscalar *a)
{
    if (str->len > INT_MAX)
        vm_raise(w->vm, "cannot write YAML: string too long");
    const unsigned char *u = (const unsigned char *)str->b;
    size_t i = 0, n = str->len;
    /* eight bytes at a time while none is below 0x21 or above 0x7E */
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    for (uint64_t x; i + 8 <= n; i += 8) {
        memcpy(&x, u + i, 8);
        if (((x - ones * 0x21) & ~x & highs) | (((x + ones * (127 - 0x7E)) | x) & highs))
            break;
    }
    while (i < n && u[i] > 0x20 && u[i] < 0x7F)
        i++;
    if (i == n && n) {
        y_analyze_word(u, n, a);
        return;
    }
    if (!y_valid_utf8(u + i, n - i))
        vm_raise(w->vm, "cannot write YAML: invalid UTF-8 in a string");
    y_analyze(u, n, a);
}

/* {===== direct writer: values */

static void yw_value(struct yw *w, struct value v, bool mapping_context);

static void yw_float(struct yw *w, double f)
{
    char buf[FMT_FLOAT_MAX];
    if (!isfinite(f))
        yw_plain(w, "null", 4);
    else
        yw_plain(w, buf, fmt_float(f, true, buf, sizeof buf));
}

static void yw_int(struct yw *w, int64_t i)
{
    char buf[24];
    char *p = buf + sizeof buf;
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10));
    if (i < 0)
        *--p = '-';
    yw_plain(w, p, (size_t)(buf + sizeof buf - p));
}

static void yw_list(struct yw *w, const struct list *l, bool mapping_context)
{
    uint32_t i = 0;
    while (i < l->n && emit_drops_value(l->v[i], w->flags))
        i++;
    if (i == l->n) {
        yw_indicator(w, "[", 1, true, true, false);
        yw_indicator(w, "]", 1, false, false, false);
        return;
    }
    int indent = w->indent;
    if (indent < 0)
        w->indent = 0;
    else if (!(mapping_context && !w->indention))
        w->indent += 2;
    for (; i < l->n; i++) {
        if (emit_drops_value(l->v[i], w->flags))
            continue;
        yw_indent(w);
        yw_indicator(w, "-", 1, true, false, true);
        yw_value(w, l->v[i], false);
    }
    w->indent = indent;
}

static void yw_mapping(struct yw *w, const struct dict *d)
{
    struct emit_iter it;
    if (!emit_iter_init(&it, w->out->arena, d, w->flags))
        vm_raise(w->vm, "out of memory");
    struct dict_entry *e = emit_iter_next(&it);
    if (!e) {
        yw_indicator(w, "{", 1, true, true, false);
        yw_indicator(w, "}", 1, false, false, false);
        return;
    }
    int indent = w->indent;
    w->indent = indent < 0 ? 0 : indent + 2;
    for (; e; e = emit_iter_next(&it)) {
        struct yscalar a;
        yw_check(w, e->key, &a);
        yw_indent(w);
        if (!a.multiline && e->key->len <= 128) {
            yw_string(w, e->key->b, e->key->len, &a, true);
            yw_indicator(w, ":", 1, false, false, false);
        } else {
            yw_indicator(w, "?", 1, true, false, true);
            yw_string(w, e->key->b, e->key->len, &a, false);
            yw_indent(w);
            yw_indicator(w, ":", 1, true, false, true);
        }
        yw_value(w, e->val, true);
    }
    w->indent = indent;
}

static void yw_value(struct yw *w, struct value v, bool mapping_context)
{
    struct yscalar a;
    switch ((enum vtag)v.tag) {
    case V_BOOL:
        if (v.as.i)
            yw_plain(w, "true", 4);
        else
            yw_plain(w, "false", 5);
        return;
    case V_INT:
        yw_int(w, v.as.i);
        return;
    case V_FLOAT:
        yw_float(w, v.as.f);
        return;
    case V_UNIT:
        yw_float(w, v_unit_float(v));
        return;
    case V_STR:
        yw_check(w, v.as.s, &a);
        yw_string(w, v.as.s->b, v.as.s->len, &a, false);
        return;
    case V_LIST:
        yw_list(w, v.as.l, mapping_context);
        return;
    case V_DICT:
    case V_SCHEMA:
        yw_mapping(w, v.as.d);
        return;
    default: /* None; Undefined and functions only reach here at the top of yaml.encode */
        yw_plain(w, "null", 4);
        return;
    }
}

/* The direct writer's y_document. */
static void yw_document(struct vm *vm, struct ybuf *out, const struct value *v, unsigned flags)
{
    struct yw w = {
        .vm = vm, .out = out, .flags = flags, .indent = -1, .whitespace = true, .indention = true};
    if (v)
        yw_value(&w, *v, false);
    else
        yw_mapping(&w, NULL);
    w.indent = -1;
    yw_indent(&w);
    if (w.open_ended) {
        yw_indicator(&w, "...", 3, true, false, false);
        yw_indent(&w);
    }
    *yw_room(&w, 0) = '\0';
}

/* {===== choosing the writer
 *
 * The direct writer is the default. SCL_YAML_WRITER=libyaml in the environment selects the
 * libyaml path instead, for tests that compare the two (read once per vm). */
static void yaml_document(struct vm *vm, struct ybuf *out, const struct value *v, unsigned flags)
{
    if (!vm->yaml_writer) {
        const char *e = getenv("SCL_YAML_WRITER");
        vm->yaml_writer = e && !strcmp(e, "libyaml") ? EMIT_YAML_LIBYAML : EMIT_YAML_DIRECT;
    }
    if (vm->yaml_writer == EMIT_YAML_LIBYAML)
        y_document(vm, out, v, flags);
    else
        yw_document(vm, out, v, flags);
}

void emit_yaml_use(struct vm *vm, int writer)
{
    vm->yaml_writer = (int8_t)writer;
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

struct ysink {
    emit_write_fn w;
    void *ud;
    bool stream, failed;
};

/* Between documents: passes the buffer on when streaming and it is full enough. */
static void ybuf_spill(struct ybuf *b, struct ysink *s)
{
    if (!s->stream || b->n < EMIT_CHUNK)
        return;
    if (!s->failed && s->w(s->ud, b->p, b->n))
        s->failed = true;
    b->n = 0;
}

/* Writes the rest of the output and frees the buffer. */
static int ybuf_write(struct ybuf *b, struct ysink *s)
{
    if (!s->failed && s->w(s->ud, b->p ? b->p : "", b->n))
        s->failed = true;
    arena_buf_resize(b->arena, b->p, b->cap, 0);
    return s->failed ? EMIT_EWRITE : EMIT_OK;
}

int emit_yaml(struct vm *vm, struct value v, unsigned flags, emit_write_fn w, void *ud)
{
    struct ybuf out = {.arena = vm->arena};
    struct ysink sink = {w, ud, (flags & SCL_EMIT_STREAM) != 0, false};
    if (emit_is_stream(v, flags)) {
        bool first = true;
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            if (emit_drops_value(v.as.l->v[i], flags))
                continue;
            if (!first)
                ybuf_put_or_raise(vm, &out, "\n---\n", 5);
            first = false;
            yaml_document(vm, &out, &v.as.l->v[i], flags);
            ybuf_chomp(&out);
            ybuf_spill(&out, &sink);
        }
    } else {
        bool empty = v.tag != V_NONE && emit_drops_value(v, flags);
        yaml_document(vm, &out, empty ? NULL : &v, flags);
        ybuf_chomp(&out);
    }
    ybuf_put_or_raise(vm, &out, "\n", 1);
    return ybuf_write(&out, &sink);
}

int emit_yaml_stream(struct vm *vm, const struct list *docs, unsigned flags, const char *sep,
                     size_t sep_len, emit_write_fn w, void *ud)
{
    struct ybuf out = {.arena = vm->arena};
    struct ysink sink = {w, ud, (flags & SCL_EMIT_STREAM) != 0, false};
    for (uint32_t i = 0; i < docs->n; i++) {
        if (i) {
            ybuf_put_or_raise(vm, &out, "\n", 1);
            ybuf_put_or_raise(vm, &out, sep, sep_len);
            ybuf_put_or_raise(vm, &out, "\n", 1);
        }
        yaml_document(vm, &out, &docs->v[i], flags);
        ybuf_chomp(&out);
        ybuf_spill(&out, &sink);
    }
    ybuf_put_or_raise(vm, &out, "\n", 1);
    return ybuf_write(&out, &sink);
}

struct str *emit_yaml_text(struct vm *vm, struct value v, unsigned flags)
{
    struct ybuf out = {.arena = vm->arena};
    yaml_document(vm, &out, &v, flags);
    struct str *r = str_new(vm, out.p ? out.p : "", out.n);
    arena_buf_resize(out.arena, out.p, out.cap, 0);
    return r;
}

struct str *v_to_yaml(struct vm *vm, struct value v, bool sort_keys, bool ignore_private,
                      bool ignore_none)
{
    unsigned flags = (sort_keys ? SCL_EMIT_SORT_KEYS : 0u) |
                     (ignore_private ? 0u : SCL_EMIT_SHOW_HIDDEN) |
                     (ignore_none ? SCL_EMIT_DROP_NONE : 0u);
    return emit_yaml_text(vm, v, flags);
}
