/* The source formatter: the parsed module printed again in KCL's layout (spec/tools.md §1).
 *
 * Of the original layout only the line each node starts on survives: it decides blank lines,
 * where comments go and whether a collection prints on one line. Comments come from the
 * lexer as a separate ordered list; before a node that starts a line (a statement, an entry
 * or element of a multi-line collection, a check, a decorator, a mixin name, a lambda
 * parameter) every comment still pending whose line is at or before the node's line is
 * printed, one per line, at the current indentation. What is left at the end of the file is
 * printed there, so no comment is ever lost. */
#include "config.h"

#include "lang/format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fmt {
    const struct source *src;
    const struct comment *cm;
    uint32_t ncm, ci; /* ci: the first comment not printed yet */
    char *buf;
    size_t len, cap;
    bool oom;
    unsigned indent, width;
    bool tabs;
};

/* {=====================================================================
 * Output
 * ====================================================================} */

static void put(struct fmt *f, const char *s, size_t n)
{
    if (f->oom || n == 0)
        return;
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : 1024;
        while (cap < f->len + n)
            cap *= 2;
        char *b = realloc(f->buf, cap);
        if (!b) {
            f->oom = true;
            return;
        }
        f->buf = b;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, s, n);
    f->len += n;
}

static void puts_(struct fmt *f, const char *s)
{
    put(f, s, strlen(s));
}

static void fill(struct fmt *f)
{
    static const char spaces[] = "                                ";
    for (unsigned i = 0; i < f->indent; i++) {
        if (f->tabs) {
            put(f, "\t", 1);
            continue;
        }
        for (unsigned w = f->width; w > 0;) {
            unsigned k = w < sizeof spaces - 1 ? w : (unsigned)sizeof spaces - 1;
            put(f, spaces, k);
            w -= k;
        }
    }
}

static void nl(struct fmt *f)
{
    put(f, "\n", 1);
}

static void nl_fill(struct fmt *f)
{
    nl(f);
    fill(f);
}

/* {=====================================================================
 * Lines and comments
 * ====================================================================} */

static uint32_t line_at(const struct fmt *f, uint32_t off)
{
    uint32_t line, col;
    source_line_col(f->src, off, &line, &col);
    return line;
}

static uint32_t first_line(const struct fmt *f, const struct ast *n)
{
    return n ? line_at(f, n->span.lo) : 0;
}

static uint32_t last_line(const struct fmt *f, const struct ast *n)
{
    return line_at(f, n->span.hi > n->span.lo ? n->span.hi - 1 : n->span.lo);
}

static uint32_t comment_line(const struct fmt *f, uint32_t i)
{
    return line_at(f, f->cm[i].lo);
}

/* Is a comment waiting to be printed at or before 'line'? */
static bool pending(const struct fmt *f, uint32_t line)
{
    return f->ci < f->ncm && comment_line(f, f->ci) <= line;
}

static void put_comment(struct fmt *f, uint32_t i)
{
    put(f, f->src->text + f->cm[i].lo, f->cm[i].hi - f->cm[i].lo);
}

/* At the start of a line (indentation written): prints every pending comment up to 'line',
 * each followed by a new indented line. A blank line between two comments of the group is
 * kept (it carries the indentation, as KCL's printer writes it). */
static void flush(struct fmt *f, uint32_t line)
{
    uint32_t prev = 0;
    while (pending(f, line)) {
        uint32_t cl = comment_line(f, f->ci);
        if (prev && cl > prev + 1)
            nl_fill(f);
        put_comment(f, f->ci++);
        nl_fill(f);
        prev = cl;
    }
}

/* Comments after the last element of a multi-line collection (before the line of its
 * closing bracket), each on its own line at the elements' indentation. */
static void trailing(struct fmt *f, uint32_t close_line)
{
    uint32_t prev = 0;
    while (f->ci < f->ncm && comment_line(f, f->ci) < close_line) {
        uint32_t cl = comment_line(f, f->ci);
        if (prev && cl > prev + 1)
            nl(f);
        nl_fill(f);
        put_comment(f, f->ci++);
        prev = cl;
    }
}

/* {=====================================================================
 * Literals
 * ====================================================================} */

size_t format_float(double v, char *buf, size_t cap)
{
    char tmp[64], digits[32], out[400];
    size_t n = 0;
    if (cap == 0)
        return 0;
    if (isnan(v)) {
        snprintf(buf, cap, "NaN");
        return strlen(buf);
    }
    if (isinf(v)) {
        snprintf(buf, cap, "%sinf", v < 0 ? "-" : "");
        return strlen(buf);
    }
    if (signbit(v))
        out[n++] = '-';
    v = fabs(v);
    if (v == 0) {
        out[n++] = '0';
    } else {
        /* The shortest digits that read back as the same double. */
        int prec = 1;
        for (; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
            if (strtod(tmp, NULL) == v)
                break;
        }
        size_t nd = 0;
        const char *p = tmp;
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                digits[nd++] = *p;
        int exp = *p == 'e' ? atoi(p + 1) : 0;
        while (nd > 1 && digits[nd - 1] == '0')
            nd--;
        if (exp >= (int)nd - 1) { /* integral: digits and zeros */
            for (size_t i = 0; i < nd; i++)
                out[n++] = digits[i];
            for (int i = 0; i < exp - ((int)nd - 1) && n < sizeof out - 1; i++)
                out[n++] = '0';
        } else if (exp >= 0) {
            for (size_t i = 0; i < nd; i++) {
                out[n++] = digits[i];
                if ((int)i == exp)
                    out[n++] = '.';
            }
        } else {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = 0; i < -exp - 1 && n < sizeof out - 40; i++)
                out[n++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[n++] = digits[i];
        }
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, out, n);
    buf[n] = 0;
    return n;
}

static const char *const suffix_names[] = {
    [UNIT_NONE] = "", [UNIT_n] = "n",   [UNIT_u] = "u",   [UNIT_m] = "m",   [UNIT_k] = "k",
    [UNIT_K] = "K",   [UNIT_M] = "M",   [UNIT_G] = "G",   [UNIT_T] = "T",   [UNIT_P] = "P",
    [UNIT_Ki] = "Ki", [UNIT_Mi] = "Mi", [UNIT_Gi] = "Gi", [UNIT_Ti] = "Ti", [UNIT_Pi] = "Pi",
};

static void put_int(struct fmt *f, const struct ast *n)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, n->u.num.ival);
    puts_(f, b);
    if (n->u.num.suffix < sizeof suffix_names / sizeof suffix_names[0])
        puts_(f, suffix_names[n->u.num.suffix]);
}

static void put_float(struct fmt *f, double v)
{
    char b[400];
    size_t n = format_float(v, b, sizeof b);
    put(f, b, n);
}

/* The node's text as written in the source. */
static void put_raw(struct fmt *f, struct span s)
{
    if (s.hi > s.lo && s.hi <= f->src->len)
        put(f, f->src->text + s.lo, s.hi - s.lo);
}

/* A string as Rust's {:?} writes it (KCL prints string keys and literal types so). */
static void put_quoted(struct fmt *f, const char *s, size_t n)
{
    put(f, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[16];
        switch (c) {
        case '"':
            puts_(f, "\\\"");
            break;
        case '\\':
            puts_(f, "\\\\");
            break;
        case '\n':
            puts_(f, "\\n");
            break;
        case '\r':
            puts_(f, "\\r");
            break;
        case '\t':
            puts_(f, "\\t");
            break;
        case 0:
            puts_(f, "\\0");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(e, sizeof e, "\\u{%x}", c);
                puts_(f, e);
            } else {
                put(f, (const char *)&s[i], 1);
            }
        }
    }
    put(f, "\"", 1);
}

static void put_strlit_quoted(struct fmt *f, const struct strlit *lit)
{
    /* The decoded text of a literal without interpolation. */
    size_t total = 0;
    for (uint32_t i = 0; lit && i < lit->nparts; i++)
        if (lit->parts[i].kind == STRPART_TEXT)
            total += lit->parts[i].len;
    char *b = malloc(total + 1);
    if (!b) {
        f->oom = true;
        return;
    }
    size_t n = 0;
    for (uint32_t i = 0; lit && i < lit->nparts; i++)
        if (lit->parts[i].kind == STRPART_TEXT) {
            memcpy(b + n, lit->parts[i].text, lit->parts[i].len);
            n += lit->parts[i].len;
        }
    put_quoted(f, b, n);
    free(b);
}

/* A name written with KCL's '$' prefix (a keyword used as a name) keeps it; 'at' is the
 * source offset where the name itself starts. */
static void put_name(struct fmt *f, const char *name, uint32_t at)
{
    if (at > 0 && at <= f->src->len && f->src->text[at - 1] == '$')
        puts_(f, "$");
    puts_(f, name);
}

/* {=====================================================================
 * Expressions
 * ====================================================================} */

static void expr(struct fmt *f, const struct ast *n);
static void type(struct fmt *f, const struct ast *t);
static void stmts(struct fmt *f, const struct ast_list *body);

static void join(struct fmt *f, const struct ast_list *l, const char *sep)
{
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            puts_(f, sep);
        expr(f, l->v[i]);
    }
}

static void param(struct fmt *f, const struct ast *p)
{
    if (!p)
        return;
    put_name(f, p->u.param.name, p->span.lo);
    if (p->u.param.type) {
        puts_(f, ": ");
        type(f, p->u.param.type);
    }
    if (p->u.param.value) {
        puts_(f, " = ");
        expr(f, p->u.param.value);
    }
}

static void params(struct fmt *f, const struct ast_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            puts_(f, ", ");
        param(f, l->v[i]);
    }
}

static void type(struct fmt *f, const struct ast *t)
{
    if (!t)
        return;
    switch (t->kind) {
    case AST_TYPE_ANY:
        puts_(f, "any");
        break;
    case AST_TYPE_NAMED:
        puts_(f, t->u.type_named.name);
        break;
    case AST_TYPE_LIST:
        puts_(f, "[");
        type(f, t->u.type_list.elem);
        puts_(f, "]");
        break;
    case AST_TYPE_DICT:
        puts_(f, "{");
        type(f, t->u.type_dict.key);
        puts_(f, ":");
        type(f, t->u.type_dict.value);
        puts_(f, "}");
        break;
    case AST_TYPE_UNION:
        for (uint32_t i = 0; i < t->u.type_union.types.n; i++) {
            if (i)
                puts_(f, " | ");
            type(f, t->u.type_union.types.v[i]);
        }
        break;
    case AST_TYPE_LITERAL: {
        const struct ast *v = t->u.type_lit.value;
        if (v && v->kind == AST_STR)
            put_strlit_quoted(f, v->u.str.lit);
        else
            expr(f, v);
        break;
    }
    case AST_TYPE_FUNC:
        puts_(f, "(");
        for (uint32_t i = 0; i < t->u.type_func.params.n; i++) {
            if (i)
                puts_(f, ", ");
            type(f, t->u.type_func.params.v[i]);
        }
        puts_(f, ")");
        if (t->u.type_func.ret) {
            puts_(f, " -> ");
            type(f, t->u.type_func.ret);
        }
        break;
    default:
        expr(f, t);
        break;
    }
}

static void comp_clause(struct fmt *f, const struct ast *c)
{
    puts_(f, "for ");
    put_name(f, c->u.comp_for.key, c->u.comp_for.key_span.lo);
    if (c->u.comp_for.value) {
        puts_(f, ", ");
        put_name(f, c->u.comp_for.value, c->u.comp_for.value_span.lo);
    }
    puts_(f, " in ");
    expr(f, c->u.comp_for.iter);
    for (uint32_t i = 0; i < c->u.comp_for.ifs.n; i++) {
        puts_(f, " if ");
        expr(f, c->u.comp_for.ifs.v[i]);
    }
}

static void comp_clauses(struct fmt *f, const struct ast_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        puts_(f, " ");
        comp_clause(f, l->v[i]);
    }
}

static void entry(struct fmt *f, const struct ast *e);

/* Items of a multi-line collection or conditional block, one per line one level deeper. */
static void block_items(struct fmt *f, const struct ast_list *items, bool config)
{
    f->indent++;
    for (uint32_t i = 0; i < items->n; i++) {
        const struct ast *it = items->v[i];
        if (!it)
            continue;
        nl_fill(f);
        flush(f, first_line(f, it));
        if (config)
            entry(f, it);
        else
            expr(f, it);
    }
    f->indent--;
}

/* if c: / elif c: / else: in a list (config false) or config. */
static void cond_items(struct fmt *f, const struct ast *n, bool config)
{
    puts_(f, "if ");
    expr(f, n->u.cond_items.cond);
    puts_(f, ":");
    block_items(f, &n->u.cond_items.items, config);
    for (const struct ast *o = n->u.cond_items.orelse; o; o = o->u.cond_items.orelse) {
        nl_fill(f);
        if (o->u.cond_items.cond) {
            puts_(f, "elif ");
            expr(f, o->u.cond_items.cond);
            puts_(f, ":");
        } else {
            puts_(f, "else:");
        }
        block_items(f, &o->u.cond_items.items, config);
    }
}

static void entry(struct fmt *f, const struct ast *e)
{
    if (!e)
        return;
    if (e->kind == AST_CONFIG_IF) {
        cond_items(f, e, true);
        return;
    }
    if (e->kind != AST_ENTRY) {
        expr(f, e);
        return;
    }
    if (e->u.entry.op == ENTRY_UNPACK) {
        puts_(f, "**");
        expr(f, e->u.entry.value);
        return;
    }
    expr(f, e->u.entry.key);
    puts_(f, e->u.entry.op == ENTRY_UNION ? ": " : e->u.entry.op == ENTRY_INSERT ? " += " : " = ");
    expr(f, e->u.entry.value);
}

/* A list or config literal: on one line when every element starts on the line of the
 * opening bracket, otherwise one element per line without commas. */
static void collection(struct fmt *f, const struct ast *n, bool config)
{
    const struct ast_list *items = config ? &n->u.config.entries : &n->u.list.items;
    const char *open = config ? "{" : "[", *close = config ? "}" : "]";
    if (items->n == 0) {
        puts_(f, open);
        puts_(f, close);
        return;
    }
    uint32_t line0 = first_line(f, n);
    bool one = true;
    for (uint32_t i = 0; i < items->n; i++) {
        const struct ast *it = items->v[i];
        if (!it)
            continue;
        if (first_line(f, it) != line0 || it->kind == AST_LIST_IF || it->kind == AST_CONFIG_IF)
            one = false;
    }
    if (one && items->v[0] && pending(f, first_line(f, items->v[0])))
        one = false;
    if (one && config && items->n == 1 && items->v[0]->kind == AST_ENTRY &&
        items->v[0]->u.entry.op != ENTRY_UNPACK) {
        const struct ast *v = items->v[0]->u.entry.value;
        if (v && (v->kind == AST_CONFIG || v->kind == AST_SCHEMA_EXPR))
            one = false;
    }
    puts_(f, open);
    if (one) {
        for (uint32_t i = 0; i < items->n; i++) {
            if (i)
                puts_(f, ", ");
            if (config)
                entry(f, items->v[i]);
            else
                expr(f, items->v[i]);
        }
    } else {
        block_items(f, items, config);
        f->indent++;
        trailing(f, last_line(f, n));
        f->indent--;
        nl_fill(f);
    }
    puts_(f, close);
}

static void call_args(struct fmt *f, const struct ast_list *args)
{
    puts_(f, "(");
    join(f, args, ", ");
    puts_(f, ")");
}

static void lambda(struct fmt *f, const struct ast *n)
{
    const struct ast_list *ps = &n->u.lambda.params;
    size_t start = f->len;
    uint32_t ci = f->ci;
    bool lng = false;
    for (uint32_t i = 0; i < ps->n; i++)
        if (ps->v[i] && pending(f, first_line(f, ps->v[i])))
            lng = true;
    if (!lng) {
        /* The short signature, measured as printed (a default may span lines). */
        puts_(f, "lambda");
        if (ps->n) {
            puts_(f, " ");
            params(f, ps);
        }
        if (n->u.lambda.ret) {
            puts_(f, " -> ");
            type(f, n->u.lambda.ret);
        }
        if (!f->oom && f->len - start > 80) {
            lng = true;
            f->len = start;
            f->ci = ci;
        }
    }
    if (lng) {
        puts_(f, "lambda {");
        f->indent++;
        for (uint32_t i = 0; i < ps->n; i++) {
            nl_fill(f);
            if (ps->v[i])
                flush(f, first_line(f, ps->v[i]));
            param(f, ps->v[i]);
            puts_(f, ",");
        }
        f->indent--;
        nl_fill(f);
        puts_(f, "} -> ");
        if (n->u.lambda.ret)
            type(f, n->u.lambda.ret);
        else
            puts_(f, "any");
    }
    puts_(f, " {");
    nl(f);
    f->indent++;
    stmts(f, &n->u.lambda.body);
    f->indent--;
    while (f->len >= 2 && f->buf[f->len - 1] == '\n' && f->buf[f->len - 2] == '\n')
        f->len--;
    fill(f);
    puts_(f, "}");
}

static void quant(struct fmt *f, const struct ast *n)
{
    static const char *const kw[] = {"all", "any", "map", "filter"};
    puts_(f, n->u.quant.kind < 4 ? kw[n->u.quant.kind] : "all");
    puts_(f, " ");
    put_name(f, n->u.quant.key, n->u.quant.key_span.lo);
    if (n->u.quant.value) {
        puts_(f, ", ");
        put_name(f, n->u.quant.value, n->u.quant.value_span.lo);
    }
    puts_(f, " in ");
    expr(f, n->u.quant.target);
    puts_(f, " {");
    bool one = first_line(f, n->u.quant.test) == first_line(f, n);
    if (!one) {
        f->indent++;
        nl_fill(f);
    }
    expr(f, n->u.quant.test);
    if (n->u.quant.cond) {
        puts_(f, " if ");
        expr(f, n->u.quant.cond);
    }
    if (!one) {
        f->indent--;
        nl_fill(f);
    }
    puts_(f, "}");
}

static void expr(struct fmt *f, const struct ast *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case AST_NAME:
        put_name(f, n->u.name, n->span.lo);
        break;
    case AST_INT:
        put_int(f, n);
        break;
    case AST_FLOAT:
        put_float(f, n->u.fval);
        break;
    case AST_STR:
    case AST_TRUE:
    case AST_FALSE:
    case AST_NONE:
    case AST_UNDEFINED:
        put_raw(f, n->span);
        break;
    case AST_PAREN:
        puts_(f, "(");
        expr(f, n->u.unary.operand);
        puts_(f, ")");
        break;
    case AST_UNARY:
        puts_(f, n->u.unary.op == OP_NEG      ? "-"
                 : n->u.unary.op == OP_POS    ? "+"
                 : n->u.unary.op == OP_INVERT ? "~"
                                              : "not ");
        expr(f, n->u.unary.operand);
        break;
    case AST_BINARY:
        expr(f, n->u.binary.left);
        puts_(f, " ");
        puts_(f, ast_op_name((enum ast_op)n->u.binary.op));
        puts_(f, " ");
        expr(f, n->u.binary.right);
        break;
    case AST_COMPARE:
        for (uint32_t i = 0; i < n->u.compare.operands.n; i++) {
            if (i) {
                puts_(f, " ");
                puts_(f, ast_op_name((enum ast_op)n->u.compare.ops[i - 1]));
                puts_(f, " ");
            }
            expr(f, n->u.compare.operands.v[i]);
        }
        break;
    case AST_AS:
        expr(f, n->u.as_expr.value);
        puts_(f, " as ");
        expr(f, n->u.as_expr.type);
        break;
    case AST_IFEXPR:
        expr(f, n->u.ifexpr.body);
        puts_(f, " if ");
        expr(f, n->u.ifexpr.cond);
        puts_(f, " else ");
        expr(f, n->u.ifexpr.orelse);
        break;
    case AST_SELECT:
        expr(f, n->u.select.value);
        puts_(f, n->u.select.optional ? "?." : ".");
        put_name(f, n->u.select.attr, n->span.hi - (uint32_t)strlen(n->u.select.attr));
        break;
    case AST_INDEX:
        expr(f, n->u.index.value);
        puts_(f, n->u.index.optional ? "?[" : "[");
        expr(f, n->u.index.index);
        puts_(f, "]");
        break;
    case AST_SLICE:
        expr(f, n->u.slice.value);
        puts_(f, n->u.slice.optional ? "?[" : "[");
        expr(f, n->u.slice.lo);
        puts_(f, ":");
        expr(f, n->u.slice.hi);
        puts_(f, ":");
        expr(f, n->u.slice.step);
        puts_(f, "]");
        break;
    case AST_CALL:
        expr(f, n->u.call.func);
        call_args(f, &n->u.call.args);
        break;
    case AST_KWARG:
        put_name(f, n->u.kwarg.name, n->span.lo);
        puts_(f, "=");
        expr(f, n->u.kwarg.value);
        break;
    case AST_LIST:
        collection(f, n, false);
        break;
    case AST_STARRED:
        puts_(f, "*");
        expr(f, n->u.unary.operand);
        break;
    case AST_LIST_IF:
        cond_items(f, n, false);
        break;
    case AST_LIST_COMP:
        puts_(f, "[");
        expr(f, n->u.comp.elt);
        comp_clauses(f, &n->u.comp.clauses);
        puts_(f, "]");
        break;
    case AST_CONFIG:
        collection(f, n, true);
        break;
    case AST_ENTRY:
    case AST_CONFIG_IF:
        entry(f, n);
        break;
    case AST_DICT_COMP:
        puts_(f, "{");
        entry(f, n->u.comp.elt);
        comp_clauses(f, &n->u.comp.clauses);
        puts_(f, "}");
        break;
    case AST_COMP_FOR:
        comp_clause(f, n);
        break;
    case AST_SCHEMA_EXPR:
        expr(f, n->u.schema_expr.name);
        if (n->u.schema_expr.has_args)
            call_args(f, &n->u.schema_expr.args);
        puts_(f, " ");
        if (n->u.schema_expr.config)
            expr(f, n->u.schema_expr.config);
        else
            puts_(f, "{}");
        break;
    case AST_LAMBDA:
        lambda(f, n);
        break;
    case AST_QUANT:
        quant(f, n);
        break;
    case AST_PARAM:
        param(f, n);
        break;
    case AST_TYPE_ANY:
    case AST_TYPE_NAMED:
    case AST_TYPE_LIST:
    case AST_TYPE_DICT:
    case AST_TYPE_UNION:
    case AST_TYPE_LITERAL:
    case AST_TYPE_FUNC:
        type(f, n);
        break;
    default:
        put_raw(f, n->span);
        break;
    }
}

/* {=====================================================================
 * Statements
 * ====================================================================} */

static void stmt(struct fmt *f, const struct ast *s);

static void check_expr(struct fmt *f, const struct ast *c)
{
    expr(f, c->u.check_expr.test);
    if (c->u.check_expr.cond) {
        puts_(f, " if ");
        expr(f, c->u.check_expr.cond);
    }
    if (c->u.check_expr.msg) {
        puts_(f, ", ");
        expr(f, c->u.check_expr.msg);
    }
}

/* Decorators, one per line, each "@name(args)"; the line after them is indented. */
static void decorators(struct fmt *f, const struct ast_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        const struct ast *d = l->v[i];
        if (!d)
            continue;
        if (i)
            flush(f, first_line(f, d));
        puts_(f, "@");
        expr(f, d->u.decorator.name);
        call_args(f, &d->u.decorator.args);
        nl_fill(f);
    }
}

static void if_stmt(struct fmt *f, const struct ast *s)
{
    puts_(f, "if ");
    expr(f, s->u.if_stmt.cond);
    puts_(f, ":");
    nl(f);
    f->indent++;
    stmts(f, &s->u.if_stmt.body);
    f->indent--;
    const struct ast_list *orelse = &s->u.if_stmt.orelse;
    if (orelse->n == 1 && orelse->v[0] && orelse->v[0]->kind == AST_IF) {
        fill(f);
        puts_(f, "el");
        if_stmt(f, orelse->v[0]);
    } else if (orelse->n > 0) {
        fill(f);
        puts_(f, "else:");
        nl(f);
        f->indent++;
        stmts(f, orelse);
        f->indent--;
    } else {
        nl(f);
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static void index_sig(struct fmt *f, const struct ast *s)
{
    puts_(f, "[");
    if (s->u.index_sig.key_name) {
        puts_(f, s->u.index_sig.key_name);
        puts_(f, ": ");
    }
    if (s->u.index_sig.any_other)
        puts_(f, "...");
    type(f, s->u.index_sig.key_type);
    puts_(f, "]: ");
    type(f, s->u.index_sig.value_type);
    if (s->u.index_sig.value) {
        puts_(f, " = ");
        expr(f, s->u.index_sig.value);
    }
}

static void schema_stmt(struct fmt *f, const struct ast *s)
{
    decorators(f, &s->u.schema.decorators);
    const char *name = s->u.schema.name;
    if (s->kind == AST_RULE)
        puts_(f, "rule ");
    else if (s->u.schema.kind == SCHEMA_MIXIN || ends_with(name, "Mixin"))
        puts_(f, "mixin ");
    else if (s->u.schema.kind == SCHEMA_PROTOCOL || ends_with(name, "Protocol"))
        puts_(f, "protocol ");
    else
        puts_(f, "schema ");
    puts_(f, name);
    if (s->u.schema.params.n) {
        puts_(f, "[");
        params(f, &s->u.schema.params);
        puts_(f, "]");
    }
    if (s->u.schema.parents.n && s->u.schema.parents.v[0]) {
        puts_(f, "(");
        join(f, &s->u.schema.parents, ", ");
        puts_(f, ")");
    }
    if (s->u.schema.for_host) {
        puts_(f, " for ");
        expr(f, s->u.schema.for_host);
    }
    puts_(f, ":");
    f->indent++;
    if (s->kind == AST_RULE) {
        if (s->u.schema.doc) {
            nl_fill(f);
            put_raw(f, s->u.schema.doc_span);
        }
        for (uint32_t i = 0; i < s->u.schema.checks.n; i++) {
            nl_fill(f);
            flush(f, first_line(f, s->u.schema.checks.v[i]));
            check_expr(f, s->u.schema.checks.v[i]);
        }
        nl(f);
        f->indent--;
        return;
    }
    nl(f);
    if (s->u.schema.doc) {
        fill(f);
        put_raw(f, s->u.schema.doc_span);
        nl(f);
    }
    const struct ast_list *mixins = &s->u.schema.mixins;
    if (mixins->n) {
        fill(f);
        flush(f, first_line(f, mixins->v[0]));
        puts_(f, "mixin [");
        f->indent++;
        for (uint32_t i = 0; i < mixins->n; i++) {
            nl_fill(f);
            if (i)
                flush(f, first_line(f, mixins->v[i]));
            expr(f, mixins->v[i]);
            if (i + 1 < mixins->n)
                puts_(f, ",");
        }
        f->indent--;
        nl_fill(f);
        puts_(f, "]");
        nl(f);
    }
    /* The index signature comes before the other attributes. */
    const struct ast_list *body = &s->u.schema.body;
    struct ast_list rest = {NULL, 0, 0};
    bool has_sig = false;
    for (uint32_t i = 0; i < body->n; i++)
        if (body->v[i] && body->v[i]->kind == AST_INDEX_SIG && !has_sig) {
            has_sig = true;
            fill(f);
            flush(f, first_line(f, body->v[i]));
            index_sig(f, body->v[i]);
            nl(f);
        }
    if (has_sig) {
        rest.v = malloc(sizeof *rest.v * body->n);
        if (!rest.v) {
            f->oom = true;
            return;
        }
        for (uint32_t i = 0; i < body->n; i++)
            if (body->v[i] && body->v[i]->kind != AST_INDEX_SIG)
                rest.v[rest.n++] = body->v[i];
        stmts(f, &rest);
        free(rest.v);
    } else {
        stmts(f, body);
    }
    nl(f);
    const struct ast_list *checks = &s->u.schema.checks;
    if (checks->n) {
        fill(f);
        puts_(f, "check:");
        f->indent++;
        for (uint32_t i = 0; i < checks->n; i++) {
            nl_fill(f);
            flush(f, first_line(f, checks->v[i]));
            check_expr(f, checks->v[i]);
        }
        nl(f);
        f->indent--;
        nl(f);
    }
    f->indent--;
}

/* A string attribute name that can be written as a bare name: an identifier that is not a
 * keyword ("name": str prints as name: str; "a-b" and "if" keep their quotes). */
static bool plain_name(const char *s)
{
    static const char *const keywords[] = {
        "True",  "False",  "None", "Undefined", "import", "as",  "if",     "elif",   "else",
        "for",   "in",     "is",   "not",       "and",    "or",  "schema", "mixin",  "protocol",
        "check", "assert", "rule", "lambda",    "all",    "any", "map",    "filter", "type",
    };
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return false;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (!strcmp(s, keywords[i]))
            return false;
    return true;
}

static void attr(struct fmt *f, const struct ast *s)
{
    decorators(f, &s->u.attr.decorators);
    if (s->u.attr.is_str_key && !plain_name(s->u.attr.name))
        put_quoted(f, s->u.attr.name, strlen(s->u.attr.name));
    else
        put_name(f, s->u.attr.name, s->u.attr.decorators.n ? 0 : s->span.lo);
    if (s->u.attr.optional)
        puts_(f, "?");
    puts_(f, ": ");
    type(f, s->u.attr.type);
    if (s->u.attr.value) {
        if (s->u.attr.aug_op != OP_NONE) {
            puts_(f, " ");
            puts_(f, ast_op_name((enum ast_op)s->u.attr.aug_op));
            puts_(f, "= ");
        } else {
            puts_(f, s->u.attr.op == ENTRY_INSERT ? " += " : " = ");
        }
        expr(f, s->u.attr.value);
    }
    nl(f);
}

static void stmt(struct fmt *f, const struct ast *s)
{
    switch (s->kind) {
    case AST_EXPR_STMT:
        expr(f, s->u.expr_stmt.value);
        nl(f);
        break;
    case AST_ASSIGN:
        for (uint32_t i = 0; i < s->u.assign.targets.n; i++) {
            expr(f, s->u.assign.targets.v[i]);
            if (i == 0 && s->u.assign.type) {
                puts_(f, ": ");
                type(f, s->u.assign.type);
            }
            puts_(f, " = ");
        }
        expr(f, s->u.assign.value);
        nl(f);
        break;
    case AST_AUG_ASSIGN:
        expr(f, s->u.aug.target);
        puts_(f, " ");
        puts_(f, ast_op_name((enum ast_op)s->u.aug.op));
        puts_(f, "= ");
        expr(f, s->u.aug.value);
        nl(f);
        break;
    case AST_UNIFY:
        expr(f, s->u.unify.target);
        puts_(f, ": ");
        expr(f, s->u.unify.value);
        nl(f);
        break;
    case AST_IMPORT:
        puts_(f, "import ");
        for (uint32_t i = 0; i < s->u.import.level; i++)
            puts_(f, ".");
        puts_(f, s->u.import.path);
        if (s->u.import.alias) {
            puts_(f, " as ");
            puts_(f, s->u.import.alias);
        }
        nl(f);
        break;
    case AST_TYPE_ALIAS:
        puts_(f, "type ");
        puts_(f, s->u.type_alias.name);
        puts_(f, " = ");
        type(f, s->u.type_alias.type);
        nl(f);
        break;
    case AST_ASSERT:
        puts_(f, "assert ");
        check_expr(f, s);
        nl(f);
        break;
    case AST_CHECK_EXPR:
        check_expr(f, s);
        nl(f);
        break;
    case AST_IF:
        if_stmt(f, s);
        break;
    case AST_SCHEMA:
    case AST_RULE:
        schema_stmt(f, s);
        break;
    case AST_SCHEMA_ATTR:
        attr(f, s);
        break;
    case AST_INDEX_SIG:
        index_sig(f, s);
        nl(f);
        break;
    default:
        expr(f, s);
        nl(f);
        break;
    }
}

/* A compound statement ends where the next statement starts (KCL's DEDENT sits on that
 * line), and prints its own blank line after it where it has one. */
static bool compound(const struct ast *s)
{
    return s->kind == AST_IF || s->kind == AST_SCHEMA || s->kind == AST_RULE;
}

static void stmts(struct fmt *f, const struct ast_list *body)
{
    const struct ast *prev = NULL;
    for (uint32_t i = 0; i < body->n; i++) {
        const struct ast *s = body->v[i];
        if (!s)
            continue;
        uint32_t line = first_line(f, s);
        if (prev) {
            if (prev->kind == AST_IMPORT && s->kind != AST_IMPORT) {
                nl(f);
            } else if (!compound(prev)) {
                uint32_t end = last_line(f, prev);
                uint32_t gap = line > end ? line - end : 0;
                if (gap > 2 || (gap == 2 && !pending(f, line)))
                    nl(f);
            }
        }
        fill(f);
        flush(f, line);
        stmt(f, s);
        prev = s;
    }
}

bool format_module(const struct ast *module, const struct source *src,
                   const struct comments *comments, const struct format_opts *opts, char **out,
                   size_t *len)
{
    struct fmt f;
    memset(&f, 0, sizeof f);
    f.src = src;
    if (comments) {
        f.cm = comments->v;
        f.ncm = comments->n;
    }
    f.width = opts && opts->indent_width ? opts->indent_width : 4;
    f.tabs = opts && opts->use_tabs;
    *out = NULL;
    *len = 0;
    if (module && module->kind == AST_MODULE) {
        if (module->u.module.doc) {
            flush(&f, line_at(&f, module->u.module.doc_span.lo));
            put_raw(&f, module->u.module.doc_span);
            nl(&f);
            nl(&f);
        }
        const struct ast_list *body = &module->u.module.body;
        stmts(&f, body);
        /* Comments after the last statement: a blank line before them is kept. */
        const struct ast *last = body->n ? body->v[body->n - 1] : NULL;
        if (last && !compound(last) && f.ci < f.ncm &&
            comment_line(&f, f.ci) > last_line(&f, last) + 1)
            nl(&f);
    }
    flush(&f, UINT32_MAX);
    while (f.len > 0 && f.buf[f.len - 1] == '\n')
        f.len--;
    if (f.len > 0)
        nl(&f);
    if (f.oom) {
        free(f.buf);
        return false;
    }
    if (!f.buf) {
        f.buf = malloc(1);
        if (!f.buf)
            return false;
    }
    *out = f.buf;
    *len = f.len;
    return true;
}
