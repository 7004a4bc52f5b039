/* The template system module (spec §5.2): execute(template, data) renders the subset of
 * Handlebars that KCL templates use, with handlebars-rust's semantics (non-strict: missing
 * values render empty), and html_escape(s).
 *
 * Supported: {{path}} (HTML-escaped), {{{path}}}, {{&path}}, {{raw path}}; paths with this,
 * ./, ../, @root, @index, @key, @first, @last, [literal] segments and block params;
 * {{#if}} {{#unless}} {{#each}} {{#with}} with {{else}} (and {{else if ...}} chains);
 * helpers eq ne gt gte lt lte and or not len lookup raw, also as (subexpressions);
 * comments; ~ whitespace control; standalone block tags take their whole line.
 *
 * The template is first cut into tokens (text and tags), whitespace control and standalone
 * lines are applied to the text tokens, then the tokens are parsed into a tree and rendered. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib.h"

/* {===== html_escape */

static void tpl_escape_to(struct sbuf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '\'':
            rep = "&#x27;";
            break;
        case '`':
            rep = "&#x60;";
            break;
        case '=':
            rep = "&#x3D;";
            break;
        default:
            continue;
        }
        sbuf_put(b, s + start, i - start);
        sbuf_puts(b, rep);
        start = i + 1;
    }
    sbuf_put(b, s + start, n - start);
}

static struct value tpl_html_escape(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "html_escape", 1, 1);
    struct value v;
    if (!arg_get(vm, a, 0, "data", &v))
        vm_raise(vm, "html_escape() takes exactly one argument (0 given)");
    struct str *s = arg_str(vm, v, "argument 'data'");
    struct sbuf b;
    sbuf_init(&b, vm);
    tpl_escape_to(&b, s->b, s->len);
    return v_str(sbuf_str(&b));
}

/* {===== tokens */

enum { TK_TEXT, TK_VAR, TK_OPEN, TK_CLOSE, TK_ELSE, TK_COMMENT };

struct tpl_tok {
    int kind;
    const char *s; /* TK_TEXT: the text; tags: the inside, without braces, sigil and '~' */
    size_t n;
    bool raw;     /* TK_VAR: not escaped */
    bool inverse; /* TK_OPEN with '^' */
    bool strip_l, strip_r;
    size_t pos; /* offset in the template, for messages */
};

struct tpl {
    struct vm *vm;
    const char *src;
    size_t len;
    struct tpl_tok *t;
    size_t nt, cap;
    size_t i; /* parser position */
};

static _Noreturn void tpl_error(struct tpl *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static _Noreturn void tpl_error(struct tpl *p, size_t pos, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < pos && i < p->len; i++) {
        if (p->src[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    vm_raise(p->vm, "register template failed: %s (line %u, column %u)", msg, line, col);
}

static struct tpl_tok *tpl_push(struct tpl *p, int kind, const char *s, size_t n, size_t pos)
{
    if (p->nt == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        p->t = vm_realloc(p->vm, p->t, p->cap * sizeof *p->t, cap * sizeof *p->t);
        p->cap = cap;
    }
    struct tpl_tok *t = &p->t[p->nt++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->s = s;
    t->n = n;
    t->pos = pos;
    return t;
}

static bool tpl_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void tpl_tokenize(struct tpl *p)
{
    const char *s = p->src;
    size_t n = p->len, i = 0, text = 0;
    while (i < n) {
        const char *o = strstr(s + i, "{{");
        size_t at = o && (size_t)(o - s) < n ? (size_t)(o - s) : n;
        if (at == n)
            break;
        if (at > 0 && s[at - 1] == '\\') { /* \{{ is a literal {{ */
            if (at - 1 > text)
                tpl_push(p, TK_TEXT, s + text, at - 1 - text, text);
            text = at;
            i = at + 2;
            continue;
        }
        if (at > text)
            tpl_push(p, TK_TEXT, s + text, at - text, text);
        size_t q = at + 2;
        bool triple = q < n && s[q] == '{';
        if (triple)
            q++;
        bool strip_l = q < n && s[q] == '~';
        if (strip_l)
            q++;
        struct tpl_tok *t;
        if (!triple && q + 2 < n && !strncmp(s + q, "!--", 3)) {
            const char *e = strstr(s + q + 3, "--");
            while (e && !(e[2] == '}' && e[3] == '}') && !(e[2] == '~' && e[3] == '}'))
                e = strstr(e + 1, "--");
            if (!e)
                tpl_error(p, at, "unclosed comment");
            size_t ce = (size_t)(e - s);
            t = tpl_push(p, TK_COMMENT, s + q, ce - q, at);
            t->strip_l = strip_l;
            t->strip_r = s[ce + 2] == '~';
            i = text = ce + (t->strip_r ? 5 : 4);
            continue;
        }
        const char *close = strstr(s + q, triple ? "}}}" : "}}");
        if (!close)
            tpl_error(p, at, "unclosed expression");
        size_t ce = (size_t)(close - s);
        bool strip_r = ce > q && s[ce - 1] == '~';
        size_t ie = strip_r ? ce - 1 : ce;
        i = text = ce + (triple ? 3 : 2);
        /* the inside, trimmed */
        size_t b = q;
        while (b < ie && tpl_space(s[b]))
            b++;
        size_t e = ie;
        while (e > b && tpl_space(s[e - 1]))
            e--;
        int kind = TK_VAR;
        bool raw = triple, inverse = false;
        if (!triple && b < e) {
            switch (s[b]) {
            case '!':
                kind = TK_COMMENT;
                break;
            case '#':
                kind = TK_OPEN;
                b++;
                break;
            case '^':
                kind = b + 1 == e ? TK_ELSE : TK_OPEN;
                inverse = true;
                b++;
                break;
            case '/':
                kind = TK_CLOSE;
                b++;
                break;
            case '&':
                raw = true;
                b++;
                break;
            case '>':
                tpl_error(p, at, "partials are not supported");
            default:
                break;
            }
            while (b < e && tpl_space(s[b]))
                b++;
            if (kind == TK_VAR && e - b >= 4 && !strncmp(s + b, "else", 4) &&
                (e - b == 4 || tpl_space(s[b + 4]))) {
                kind = TK_ELSE;
                b += 4;
                while (b < e && tpl_space(s[b]))
                    b++;
            }
        }
        if (kind == TK_VAR && b == e)
            tpl_error(p, at, "empty expression");
        t = tpl_push(p, kind, s + b, e - b, at);
        t->raw = raw;
        t->inverse = inverse;
        t->strip_l = strip_l;
        t->strip_r = strip_r;
    }
    if (text < n)
        tpl_push(p, TK_TEXT, s + text, n - text, text);
}

/* '~' trimming, then standalone lines: a block, else or comment tag alone on its line takes
 * the line's indentation and line break with it. Standalone tags are found on the original
 * text; each text token then loses a head (cut) and a tail (everything after 'keep'). */
static void tpl_whitespace(struct tpl *p)
{
    for (size_t i = 0; i < p->nt; i++) {
        struct tpl_tok *t = &p->t[i];
        if (t->kind == TK_TEXT)
            continue;
        if (t->strip_l && i > 0 && p->t[i - 1].kind == TK_TEXT)
            while (p->t[i - 1].n && tpl_space(p->t[i - 1].s[p->t[i - 1].n - 1]))
                p->t[i - 1].n--;
        if (t->strip_r && i + 1 < p->nt && p->t[i + 1].kind == TK_TEXT)
            while (p->t[i + 1].n && tpl_space(p->t[i + 1].s[0]))
                p->t[i + 1].s++, p->t[i + 1].n--;
    }
    size_t *cut = vm_zalloc(p->vm, (p->nt + 1) * sizeof *cut);
    size_t *keep = vm_alloc(p->vm, (p->nt + 1) * sizeof *keep);
    for (size_t i = 0; i < p->nt; i++)
        keep[i] = p->t[i].n;
    for (size_t i = 0; i < p->nt; i++) {
        struct tpl_tok *t = &p->t[i];
        if (t->kind == TK_TEXT || t->kind == TK_VAR)
            continue;
        struct tpl_tok *prev = i > 0 ? &p->t[i - 1] : NULL;
        struct tpl_tok *next = i + 1 < p->nt ? &p->t[i + 1] : NULL;
        if ((prev && prev->kind != TK_TEXT) || (next && next->kind != TK_TEXT))
            continue;
        /* before: only blanks since the last line break (or the template start) */
        size_t k = prev ? prev->n : 0;
        if (prev) {
            while (k > 0 && (prev->s[k - 1] == ' ' || prev->s[k - 1] == '\t'))
                k--;
            if (k > 0 ? prev->s[k - 1] != '\n' : i > 1)
                continue;
        }
        /* after: only blanks up to a line break (or the template end) */
        size_t skip = 0;
        if (next) {
            size_t m = 0;
            while (m < next->n && (next->s[m] == ' ' || next->s[m] == '\t'))
                m++;
            if (m + 1 < next->n && next->s[m] == '\r' && next->s[m + 1] == '\n')
                skip = m + 2;
            else if (m < next->n && next->s[m] == '\n')
                skip = m + 1;
            else if (m == next->n && i + 2 == p->nt)
                skip = m;
            else
                continue;
        }
        if (prev)
            keep[i - 1] = k;
        if (next)
            cut[i + 1] = skip;
    }
    for (size_t i = 0; i < p->nt; i++) {
        struct tpl_tok *t = &p->t[i];
        if (t->kind != TK_TEXT)
            continue;
        size_t end = keep[i] > cut[i] ? keep[i] : cut[i];
        t->s += cut[i];
        t->n = end - cut[i];
    }
}

/* {===== expressions */

enum { EX_PATH, EX_LIT, EX_CALL };

struct tpl_expr {
    int kind;
    const char *s; /* EX_PATH: the path text; EX_CALL: the helper name */
    size_t n;
    struct value lit;       /* EX_LIT */
    struct tpl_expr **args; /* EX_CALL */
    uint32_t nargs;
    bool include_zero; /* hash option includeZero=true */
};

struct tpl_lex {
    struct tpl *p;
    const char *s, *e;
    size_t pos;
};

static void tpl_skip(struct tpl_lex *lx)
{
    while (lx->s < lx->e && tpl_space(*lx->s))
        lx->s++;
}

static bool tpl_path_char(char c)
{
    return !tpl_space(c) && c != '(' && c != ')' && c != '=' && c != '|' && c != '"' && c != '\'';
}

static struct tpl_expr *tpl_expr_new(struct tpl *p, int kind)
{
    struct tpl_expr *x = vm_zalloc(p->vm, sizeof *x);
    x->kind = kind;
    return x;
}

static struct tpl_expr *tpl_parse_call(struct tpl_lex *lx, bool sub);

/* One argument: a literal, a (subexpression) or a path. */
static struct tpl_expr *tpl_parse_arg(struct tpl_lex *lx)
{
    struct tpl *p = lx->p;
    tpl_skip(lx);
    if (lx->s >= lx->e)
        tpl_error(p, lx->pos, "missing argument");
    char c = *lx->s;
    if (c == '(') {
        lx->s++;
        struct tpl_expr *x = tpl_parse_call(lx, true);
        tpl_skip(lx);
        if (lx->s >= lx->e || *lx->s != ')')
            tpl_error(p, lx->pos, "unclosed subexpression");
        lx->s++;
        return x;
    }
    if (c == '"' || c == '\'') {
        const char *q = lx->s + 1;
        while (q < lx->e && *q != c)
            q++;
        if (q >= lx->e)
            tpl_error(p, lx->pos, "unterminated string literal");
        struct tpl_expr *x = tpl_expr_new(p, EX_LIT);
        x->lit = v_str(str_new(p->vm, lx->s + 1, (size_t)(q - lx->s - 1)));
        lx->s = q + 1;
        return x;
    }
    const char *b = lx->s;
    while (lx->s < lx->e) {
        if (*lx->s == '[') { /* [literal segment] */
            const char *q = memchr(lx->s, ']', (size_t)(lx->e - lx->s));
            if (!q)
                tpl_error(p, lx->pos, "unclosed [ in path");
            lx->s = q + 1;
            continue;
        }
        if (!tpl_path_char(*lx->s))
            break;
        lx->s++;
    }
    size_t n = (size_t)(lx->s - b);
    if (n == 0)
        tpl_error(p, lx->pos, "invalid expression");
    struct tpl_expr *x = tpl_expr_new(p, EX_PATH);
    if ((n == 4 && !strncmp(b, "true", 4)) || (n == 5 && !strncmp(b, "false", 5))) {
        x->kind = EX_LIT;
        x->lit = v_bool(n == 4);
    } else if ((n == 4 && !strncmp(b, "null", 4)) || (n == 9 && !strncmp(b, "undefined", 9))) {
        x->kind = EX_LIT;
        x->lit = v_none();
    } else if ((b[0] >= '0' && b[0] <= '9') || (b[0] == '-' && n > 1)) {
        char buf[64];
        size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
        memcpy(buf, b, k);
        buf[k] = '\0';
        char *end;
        long long iv = strtoll(buf, &end, 10);
        x->kind = EX_LIT;
        if (*end == '\0') {
            x->lit = v_int(iv);
        } else {
            double d = strtod(buf, &end);
            if (*end != '\0')
                tpl_error(p, lx->pos, "invalid number literal");
            x->lit = v_float(d);
        }
    } else {
        x->s = b;
        x->n = n;
    }
    return x;
}

/* name arg* (key=value)*; a bare path when there are no arguments and not 'sub'. */
static struct tpl_expr *tpl_parse_call(struct tpl_lex *lx, bool sub)
{
    struct tpl *p = lx->p;
    struct tpl_expr *head = tpl_parse_arg(lx);
    struct tpl_expr *args[32];
    uint32_t n = 0;
    bool include_zero = false;
    for (;;) {
        tpl_skip(lx);
        if (lx->s >= lx->e || *lx->s == ')' || *lx->s == '|')
            break;
        if (lx->e - lx->s > 3 && !strncmp(lx->s, "as ", 3) &&
            memchr(lx->s, '|', (size_t)(lx->e - lx->s)))
            break; /* block params */
        /* hash argument? */
        const char *q = lx->s;
        while (q < lx->e && tpl_path_char(*q))
            q++;
        if (q < lx->e && *q == '=') {
            const char *key = lx->s;
            size_t kn = (size_t)(q - key);
            lx->s = q + 1;
            struct tpl_expr *v = tpl_parse_arg(lx);
            if (kn == 11 && !strncmp(key, "includeZero", 11) && v->kind == EX_LIT)
                include_zero = v_truthy(v->lit);
            continue;
        }
        if (n == 32)
            tpl_error(p, lx->pos, "too many arguments");
        args[n++] = tpl_parse_arg(lx);
    }
    if (n == 0 && !sub && head->kind != EX_CALL) {
        head->include_zero = include_zero;
        return head;
    }
    if (head->kind != EX_PATH)
        tpl_error(p, lx->pos, "a helper name is expected");
    struct tpl_expr *x = tpl_expr_new(p, EX_CALL);
    x->s = head->s;
    x->n = head->n;
    x->nargs = n;
    x->include_zero = include_zero;
    x->args = vm_alloc(p->vm, (n ? n : 1) * sizeof *x->args);
    memcpy(x->args, args, n * sizeof *args);
    return x;
}

/* {===== the tree */

enum { TN_TEXT, TN_VAR, TN_BLOCK };

struct tpl_node {
    int kind;
    const char *s; /* TN_TEXT */
    size_t n;
    struct tpl_expr *expr; /* TN_VAR: the value; TN_BLOCK: the whole helper call */
    bool raw;
    const char *helper; /* TN_BLOCK: if, unless, each, with, or a section's name */
    bool section;
    size_t hn;
    const char *params[2]; /* block params: as |a b| */
    size_t paramn[2];
    uint32_t nparams;
    struct tpl_node *body, *inverse, *next;
};

static struct tpl_node *tpl_parse_list(struct tpl *p, const char *open, size_t on,
                                       struct tpl_tok **end);

static struct tpl_node *tpl_node_new(struct tpl *p, int kind)
{
    struct tpl_node *nd = vm_zalloc(p->vm, sizeof *nd);
    nd->kind = kind;
    return nd;
}

static bool tpl_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && !strncmp(s, w, n);
}

/* A block from the tag inside 'text' (after '#', or after "else" in an else-chain, where
 * 'close' names the block that the chain's closing tag closes; NULL: this one). */
static struct tpl_node *tpl_parse_block(struct tpl *p, const struct tpl_tok *t, const char *text,
                                        size_t tn, const char *close, size_t cn)
{
    struct tpl_lex lx = {p, text, text + tn, t->pos};
    struct tpl_node *nd = tpl_node_new(p, TN_BLOCK);
    nd->expr = tpl_parse_call(&lx, true);
    nd->helper = nd->expr->s;
    nd->hn = nd->expr->n;
    if (!tpl_is(nd->helper, nd->hn, "if") && !tpl_is(nd->helper, nd->hn, "unless") &&
        !tpl_is(nd->helper, nd->hn, "each") && !tpl_is(nd->helper, nd->hn, "with")) {
        /* {{#name}}: a section over the value 'name' (mustache's, and handlebars' helper
         * missing): iterate a list, enter anything else that is truthy */
        if (nd->expr->nargs != 0)
            tpl_error(p, t->pos, "block helper '%.*s' not found", (int)nd->hn, nd->helper);
        struct tpl_expr *path = tpl_expr_new(p, EX_PATH);
        path->s = nd->helper;
        path->n = nd->hn;
        nd->expr->args = vm_alloc(p->vm, sizeof *nd->expr->args);
        nd->expr->args[0] = path;
        nd->expr->nargs = 1;
        nd->section = true;
    }
    if (nd->expr->nargs != 1)
        tpl_error(p, t->pos, "block helper '%.*s' takes one parameter", (int)nd->hn, nd->helper);
    tpl_skip(&lx);
    if (lx.s < lx.e && !strncmp(lx.s, "as", 2)) { /* as |a b| */
        lx.s += 2;
        tpl_skip(&lx);
        if (lx.s >= lx.e || *lx.s != '|')
            tpl_error(p, t->pos, "invalid block params");
        lx.s++;
        for (;;) {
            tpl_skip(&lx);
            if (lx.s < lx.e && *lx.s == '|')
                break;
            const char *b = lx.s;
            while (lx.s < lx.e && tpl_path_char(*lx.s))
                lx.s++;
            if (lx.s == b || nd->nparams == 2)
                tpl_error(p, t->pos, "invalid block params");
            nd->params[nd->nparams] = b;
            nd->paramn[nd->nparams++] = (size_t)(lx.s - b);
        }
        lx.s++;
        tpl_skip(&lx);
    }
    if (lx.s < lx.e)
        tpl_error(p, t->pos, "unexpected text in block expression");
    if (!close)
        close = nd->helper, cn = nd->hn;
    struct tpl_tok *end;
    nd->body = tpl_parse_list(p, close, cn, &end);
    if (end && end->kind == TK_ELSE) {
        if (end->n > 0) { /* {{else if ...}}: the rest of the chain is the inverse */
            nd->inverse = tpl_parse_block(p, end, end->s, end->n, close, cn);
            return nd;
        }
        nd->inverse = tpl_parse_list(p, close, cn, &end);
        if (end && end->kind == TK_ELSE)
            tpl_error(p, end->pos, "more than one {{else}} in a block");
    }
    if (!end)
        tpl_error(p, t->pos, "unclosed block '%.*s'", (int)cn, close);
    return nd;
}

/* Nodes up to the closing tag of 'open' (or an else, returned in *end, not consumed
 * further); at the top level (open NULL) up to the end. */
static struct tpl_node *tpl_parse_list(struct tpl *p, const char *open, size_t on,
                                       struct tpl_tok **end)
{
    struct tpl_node *head = NULL, **tail = &head;
    *end = NULL;
    while (p->i < p->nt) {
        struct tpl_tok *t = &p->t[p->i++];
        struct tpl_node *nd = NULL;
        switch (t->kind) {
        case TK_TEXT:
            if (!t->n)
                continue;
            nd = tpl_node_new(p, TN_TEXT);
            nd->s = t->s;
            nd->n = t->n;
            break;
        case TK_COMMENT:
            continue;
        case TK_VAR: {
            struct tpl_lex lx = {p, t->s, t->s + t->n, t->pos};
            nd = tpl_node_new(p, TN_VAR);
            nd->expr = tpl_parse_call(&lx, false);
            tpl_skip(&lx);
            if (lx.s < lx.e)
                tpl_error(p, t->pos, "unexpected '%c' in expression", *lx.s);
            nd->raw =
                t->raw || (nd->expr->kind == EX_CALL && tpl_is(nd->expr->s, nd->expr->n, "raw"));
            break;
        }
        case TK_OPEN:
            if (t->inverse) { /* {{^x}}...{{/x}}: the block with its two branches swapped */
                nd = tpl_parse_block(p, t, t->s, t->n, NULL, 0);
                struct tpl_node *body = nd->body;
                nd->body = nd->inverse;
                nd->inverse = body;
            } else {
                nd = tpl_parse_block(p, t, t->s, t->n, NULL, 0);
            }
            break;
        case TK_ELSE:
            if (!open)
                tpl_error(p, t->pos, "{{else}} outside a block");
            *end = t;
            return head;
        case TK_CLOSE:
            if (!open || t->n != on || strncmp(t->s, open, on) != 0)
                tpl_error(p, t->pos, "closing tag {{/%.*s}} does not match", (int)t->n, t->s);
            *end = t;
            return head;
        default:
            continue;
        }
        *tail = nd;
        tail = &nd->next;
    }
    return head;
}

/* {===== rendering */

struct tpl_frame {
    struct value ctx;
    const struct tpl_frame *parent;
    bool has_index, has_key, first, last;
    int64_t index;
    struct str *key;
    const struct tpl_node *block; /* for its block param names */
    struct value params[2];
};

struct tpl_render {
    struct vm *vm;
    struct value root;
    struct sbuf out;
    unsigned depth;
};

/* A member of a value: dict key or list index; Undefined when absent. */
static struct value tpl_member(struct vm *vm, struct value v, const char *s, size_t n)
{
    if (v_is_dictlike(v)) {
        struct str *k = str_intern(vm, s, n);
        return dict_get(v.as.d, k);
    }
    if (v.tag == V_LIST && n > 0 && n < 10) {
        uint32_t idx = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return v_undef();
            idx = idx * 10 + (uint32_t)(s[i] - '0');
        }
        return idx < v.as.l->n ? v.as.l->v[idx] : v_undef();
    }
    return v_undef();
}

/* Next segment of a path ('.'- or '/'-separated, [literal] allowed); false at the end. */
static bool tpl_segment(const char **s, const char *e, const char **seg, size_t *n)
{
    const char *p = *s;
    if (p < e && (*p == '.' || *p == '/'))
        p++;
    if (p >= e)
        return false;
    if (*p == '[') {
        const char *q = memchr(p, ']', (size_t)(e - p));
        if (!q)
            q = e;
        *seg = p + 1;
        *n = (size_t)(q - p - 1);
        *s = q < e ? q + 1 : e;
        return true;
    }
    const char *q = p;
    while (q < e && *q != '.' && *q != '/')
        q++;
    *seg = p;
    *n = (size_t)(q - p);
    *s = q;
    return true;
}

static struct value tpl_path(struct tpl_render *r, const struct tpl_frame *f, const char *s,
                             size_t n)
{
    const char *e = s + n;
    struct vm *vm = r->vm;
    /* data variables */
    if (*s == '@') {
        const char *seg;
        size_t sn;
        const char *q = s + 1;
        tpl_segment(&q, e, &seg, &sn);
        struct value v = v_undef();
        if (tpl_is(seg, sn, "root")) {
            v = r->root;
        } else {
            for (const struct tpl_frame *g = f; g; g = g->parent) {
                if (tpl_is(seg, sn, "index") && g->has_index) {
                    v = v_int(g->index);
                    break;
                }
                if (tpl_is(seg, sn, "key") && g->has_key) {
                    v = v_str(g->key);
                    break;
                }
                if (tpl_is(seg, sn, "first") && (g->has_index || g->has_key)) {
                    v = v_bool(g->first);
                    break;
                }
                if (tpl_is(seg, sn, "last") && (g->has_index || g->has_key)) {
                    v = v_bool(g->last);
                    break;
                }
            }
        }
        while (tpl_segment(&q, e, &seg, &sn))
            v = tpl_member(vm, v, seg, sn);
        return v;
    }
    /* ../ climbs one frame per occurrence */
    while (e - s >= 3 && !strncmp(s, "../", 3)) {
        if (f->parent)
            f = f->parent;
        s += 3;
    }
    if (e - s == 2 && !strncmp(s, "..", 2))
        return f->parent ? f->parent->ctx : f->ctx;
    struct value v = f->ctx;
    const char *q = s, *seg;
    size_t sn;
    bool first = true;
    if (tpl_is(s, (size_t)(e - s), ".") || tpl_is(s, (size_t)(e - s), "this"))
        return v;
    if (e - s >= 2 && !strncmp(s, "./", 2))
        q = s + 2, first = false;
    else if (e - s > 5 && !strncmp(s, "this", 4) && (s[4] == '.' || s[4] == '/'))
        q = s + 4, first = false;
    while (tpl_segment(&q, e, &seg, &sn)) {
        if (first) { /* a block param shadows the context */
            first = false;
            bool found = false;
            for (const struct tpl_frame *g = f; g && !found; g = g->parent) {
                if (!g->block)
                    continue;
                for (uint32_t k = 0; k < g->block->nparams; k++) {
                    if (g->block->paramn[k] != sn || strncmp(g->block->params[k], seg, sn) != 0)
                        continue;
                    v = g->params[k];
                    found = true;
                    break;
                }
            }
            if (found)
                continue;
        }
        v = tpl_member(vm, v, seg, sn);
    }
    return v;
}

/* handlebars-rust's truthiness: non-zero normal numbers (any non-NaN with includeZero). */
static bool tpl_truthy(struct value v, bool include_zero)
{
    switch (v.tag) {
    case V_BOOL:
        return v.as.i != 0;
    case V_INT:
        return include_zero || v.as.i != 0;
    case V_FLOAT:
        return include_zero ? !isnan(v.as.f) : isnormal(v.as.f);
    case V_UNIT:
        return include_zero || v_unit_float(v) != 0.0;
    case V_STR:
        return v.as.s->len > 0;
    case V_LIST:
        return v.as.l->n > 0;
    case V_DICT:
    case V_SCHEMA:
        return v.as.d->n > 0;
    default:
        return false;
    }
}

/* Renders a value as handlebars-rust does with JSON data. */
static void tpl_put_value(struct tpl_render *r, struct sbuf *b, struct value v)
{
    char buf[64];
    switch (v.tag) {
    case V_STR:
        sbuf_put(b, v.as.s->b, v.as.s->len);
        break;
    case V_BOOL:
        sbuf_puts(b, v.as.i ? "true" : "false");
        break;
    case V_INT:
        sbuf_printf(b, "%lld", (long long)v.as.i);
        break;
    case V_FLOAT:
    case V_UNIT: {
        double f = v.tag == V_FLOAT ? v.as.f : v_unit_float(v);
        if (isfinite(f))
            sbuf_put(b, buf, fmt_float(f, true, buf, sizeof buf));
        break;
    }
    case V_LIST:
        sbuf_putc(b, '[');
        for (uint32_t i = 0; i < v.as.l->n; i++) {
            struct value e = v.as.l->v[i];
            if (e.tag == V_UNDEF || e.tag == V_FUNC)
                continue;
            tpl_put_value(r, b, e);
            sbuf_puts(b, ", ");
        }
        sbuf_putc(b, ']');
        break;
    case V_DICT:
    case V_SCHEMA:
        sbuf_puts(b, "[object]");
        break;
    default: /* None, Undefined, functions: nothing */
        break;
    }
}

static struct value tpl_eval(struct tpl_render *r, const struct tpl_frame *f,
                             const struct tpl_expr *x);

static int tpl_compare(struct value a, struct value b, bool *ok)
{
    *ok = true;
    if (v_is_number(a) && v_is_number(b)) {
        double x = a.tag == V_INT ? (double)a.as.i : a.as.f;
        double y = b.tag == V_INT ? (double)b.as.i : b.as.f;
        return x < y ? -1 : x > y;
    }
    if (a.tag == V_STR && b.tag == V_STR)
        return str_cmp(a.as.s, b.as.s);
    *ok = false;
    return 0;
}

static struct value tpl_call(struct tpl_render *r, const struct tpl_frame *f,
                             const struct tpl_expr *x)
{
    struct vm *vm = r->vm;
    const char *h = x->s;
    size_t hn = x->n;
    struct value av[32];
    for (uint32_t i = 0; i < x->nargs; i++)
        av[i] = tpl_eval(r, f, x->args[i]);
    uint32_t n = x->nargs;
    if (tpl_is(h, hn, "raw") || tpl_is(h, hn, "lookup") || tpl_is(h, hn, "len") ||
        tpl_is(h, hn, "not")) {
        if ((tpl_is(h, hn, "lookup") && n != 2) || (!tpl_is(h, hn, "lookup") && n != 1))
            vm_raise(vm, "render template failed: helper '%.*s' got %u parameters", (int)hn, h, n);
        if (tpl_is(h, hn, "raw"))
            return av[0];
        if (tpl_is(h, hn, "not"))
            return v_bool(!tpl_truthy(av[0], false));
        if (tpl_is(h, hn, "len")) {
            struct value v = av[0];
            return v_int(v.tag == V_LIST    ? v.as.l->n
                         : v.tag == V_STR   ? v.as.s->len
                         : v_is_dictlike(v) ? v.as.d->n
                                            : 0);
        }
        struct str *k = av[1].tag == V_STR ? av[1].as.s : v_to_str(vm, av[1]);
        return tpl_member(vm, av[0], k->b, k->len);
    }
    if (tpl_is(h, hn, "and") || tpl_is(h, hn, "or")) {
        bool is_and = tpl_is(h, hn, "and");
        bool res = is_and;
        for (uint32_t i = 0; i < n; i++)
            res = is_and ? res && tpl_truthy(av[i], false) : res || tpl_truthy(av[i], false);
        return v_bool(res);
    }
    static const char *const cmps[] = {"eq", "ne", "gt", "gte", "lt", "lte"};
    for (int c = 0; c < 6; c++) {
        if (!tpl_is(h, hn, cmps[c]))
            continue;
        if (n != 2)
            vm_raise(vm, "render template failed: helper '%s' takes 2 parameters", cmps[c]);
        if (c < 2) {
            bool eq = v_equal(av[0], av[1]);
            return v_bool(c == 0 ? eq : !eq);
        }
        bool ok;
        int d = tpl_compare(av[0], av[1], &ok);
        if (!ok)
            return v_bool(false);
        return v_bool(c == 2 ? d > 0 : c == 3 ? d >= 0 : c == 4 ? d < 0 : d <= 0);
    }
    vm_raise(vm, "render template failed: helper not found: %.*s", (int)hn, h);
}

static struct value tpl_eval(struct tpl_render *r, const struct tpl_frame *f,
                             const struct tpl_expr *x)
{
    switch (x->kind) {
    case EX_LIT:
        return x->lit;
    case EX_PATH:
        return tpl_path(r, f, x->s, x->n);
    default:
        return tpl_call(r, f, x);
    }
}

static void tpl_render_list(struct tpl_render *r, const struct tpl_frame *f,
                            const struct tpl_node *nd);

static void tpl_each(struct tpl_render *r, const struct tpl_frame *f, const struct tpl_node *nd,
                     struct value v)
{
    struct tpl_frame g;
    memset(&g, 0, sizeof g);
    g.parent = f;
    g.block = nd;
    if (v.tag == V_LIST) {
        const struct list *l = v.as.l;
        g.has_index = true;
        for (uint32_t i = 0; i < l->n; i++) {
            g.ctx = l->v[i];
            g.index = i;
            g.first = i == 0;
            g.last = i + 1 == l->n;
            g.params[0] = g.ctx;
            g.params[1] = v_int(i);
            tpl_render_list(r, &g, nd->body);
        }
        return;
    }
    struct dict_entry *e;
    uint32_t count = 0, k = 0;
    for (uint32_t i = 0; dict_next(v.as.d, &i, &e);)
        count++;
    g.has_key = true;
    g.has_index = true;
    for (uint32_t i = 0; dict_next(v.as.d, &i, &e);) {
        g.ctx = e->val;
        g.key = e->key;
        g.index = k;
        g.first = k == 0;
        g.last = k + 1 == count;
        g.params[0] = g.ctx;
        g.params[1] = v_str(e->key);
        k++;
        tpl_render_list(r, &g, nd->body);
    }
}

static void tpl_with(struct tpl_render *r, const struct tpl_frame *f, const struct tpl_node *nd,
                     struct value v)
{
    struct tpl_frame g;
    memset(&g, 0, sizeof g);
    g.ctx = v;
    g.parent = f;
    g.block = nd;
    g.params[0] = v;
    tpl_render_list(r, &g, nd->body);
}

static void tpl_render_list(struct tpl_render *r, const struct tpl_frame *f,
                            const struct tpl_node *nd)
{
    if (++r->depth > 200)
        vm_raise(r->vm, "render template failed: nesting too deep");
    for (; nd; nd = nd->next) {
        switch (nd->kind) {
        case TN_TEXT:
            sbuf_put(&r->out, nd->s, nd->n);
            break;
        case TN_VAR: {
            struct value v = tpl_eval(r, f, nd->expr);
            if (nd->raw) {
                tpl_put_value(r, &r->out, v);
            } else {
                struct sbuf tmp;
                sbuf_init(&tmp, r->vm);
                tpl_put_value(r, &tmp, v);
                tpl_escape_to(&r->out, tmp.p ? tmp.p : "", tmp.n);
            }
            break;
        }
        default: {
            struct value v = tpl_eval(r, f, nd->expr->args[0]);
            bool inc0 = nd->expr->include_zero;
            const char *h = nd->helper;
            if (nd->section) {
                if (!tpl_truthy(v, inc0))
                    tpl_render_list(r, f, nd->inverse);
                else if (v.tag == V_LIST)
                    tpl_each(r, f, nd, v);
                else
                    tpl_with(r, f, nd, v);
            } else if (tpl_is(h, nd->hn, "if") || tpl_is(h, nd->hn, "unless")) {
                bool t = tpl_truthy(v, inc0) == tpl_is(h, nd->hn, "if");
                tpl_render_list(r, f, t ? nd->body : nd->inverse);
            } else if (tpl_is(h, nd->hn, "with")) {
                if (!tpl_truthy(v, inc0))
                    tpl_render_list(r, f, nd->inverse);
                else
                    tpl_with(r, f, nd, v);
            } else { /* each */
                bool empty = !((v.tag == V_LIST && v.as.l->n) || (v_is_dictlike(v) && v.as.d->n));
                if (empty)
                    tpl_render_list(r, f, nd->inverse);
                else
                    tpl_each(r, f, nd, v);
            }
            break;
        }
        }
    }
    r->depth--;
}

/* execute(template, data={}) */
static struct value tpl_execute(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "execute", 1, 2);
    struct value tv, data = v_undef();
    if (!arg_get(vm, a, 0, "template", &tv))
        vm_raise(vm, "execute() takes exactly one argument (0 given)");
    struct str *t = arg_str(vm, tv, "argument 'template'");
    if (!arg_get(vm, a, 1, "data", &data) || v_is_null(data))
        data = v_dict(dict_new(vm, 0));
    if (!v_is_dictlike(data))
        vm_type_error(vm, "execute() argument 'data' must be dict, not '%s'", v_type_name(data));
    struct tpl p;
    memset(&p, 0, sizeof p);
    p.vm = vm;
    p.src = t->b;
    p.len = t->len;
    tpl_tokenize(&p);
    tpl_whitespace(&p);
    struct tpl_tok *end;
    struct tpl_node *root = tpl_parse_list(&p, NULL, 0, &end);
    struct tpl_render r;
    memset(&r, 0, sizeof r);
    r.vm = vm;
    r.root = data;
    sbuf_init(&r.out, vm);
    struct tpl_frame top;
    memset(&top, 0, sizeof top);
    top.ctx = data;
    tpl_render_list(&r, &top, root);
    return v_str(sbuf_str(&r.out));
}

static const struct native_def tpl_fns[] = {{"execute", tpl_execute},
                                            {"html_escape", tpl_html_escape}};

const struct stdlib_module stdlib_mod_template = {"template", tpl_fns,
                                                  sizeof tpl_fns / sizeof tpl_fns[0], NULL};
