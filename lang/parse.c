/* Front end driver: lexes a file or an expression, feeds the tokens to the Lemon parser
 * (parser.y) and builds string nodes with their parsed interpolations. */
#include "config.h"

#include "lang/parse.h"

#include <stdio.h>
#include <string.h>

#include "lang/parser.h"

/* {=====================================================================
 * The token feeder
 *
 * The lexer gives the parser a Python-like stream at statement level (NEWLINE, INDENT,
 * DEDENT) but nothing of the sort inside brackets: there a line break is whitespace (spec
 * §1.1). Three constructs inside brackets still depend on lines and indentation, as they do
 * in KCL, whose lexer keeps NEWLINE/INDENT/DEDENT everywhere:
 *
 * 1. A line break separates list items and config entries: "[1\n -2]" is two items, and
 *    "{a = 1\n **b}" is an entry and an unpacking, not "a = 1 ** b".
 * 2. Conditional items "if c: …" (and elif/else) take either the rest of the line or an
 *    indented block as their body:
 *        {                                 {
 *            if a: x = 1, y = 2                if a:
 *            elif b: x = 3                         x = 1
 *            z = 4                                 y = 2
 *        }                                     z = 4
 *                                          }
 *    In a list an inline body is one item ("[if a: 1, 2]" is [if a: [1], 2]), in a config it
 *    runs to the end of the line, as in KCL.
 * 3. A lambda body "lambda x { … }" holds statements, with if blocks and all.
 *
 * The feeder keeps a stack of open brackets ('struct ctx') and looks at the source between
 * two tokens to see line breaks. It gives the grammar back exactly what it needs:
 *   - in a list or config, a NEWLINE where a line break falls between a token that can end
 *     an item and one that can start the next (none in comprehensions, none in parentheses,
 *     subscripts or a quantifier body);
 *   - INDENT … DEDENT around the body of every conditional item, inline or block: an inline
 *     body ends at the line end (or ',' in a list, or 'elif'/'else:'); a block body ends
 *     before the first line indented no deeper than the line of its 'if';
 *   - in a lambda body, NEWLINE at line ends and INDENT/DEDENT from the indentation, like
 *     the lexer does at statement level.
 * Which '{' opens a lambda or quantifier body only the parser knows: the constructors of
 * their heads set p->brace_hint, and the head is reduced at the latest while the '{' is the
 * lookahead, so the feeder reads the hint right after feeding the '{'.
 *
 * It also rewrites a few token pairs (see the %token notes in parser.y): 'is' 'not' becomes
 * ISNOT, 'not' 'is' is reported and becomes ISNOT, 'else' 'if' is reported and becomes
 * 'elif', a statement-initial '[' whose ']' is followed by ':' becomes SIGLBRACKET, and in
 * "lambda {a, b} -> T {…}" the braces around the parameters become parentheses (they hold
 * parameters when '->' or '{' follows their '}'). Finally, a 'not' that does not start
 * "not in" right after a complete expression starts a new statement or item, as in KCL's
 * recursive descent: in a check block "name not None" is the two checks "name" and
 * "not None" (conformance case schema/check_block/check_block_with_init).
 *
 * Keywords: the grammar takes a keyword it has no use for as a name (%fallback in parser.y),
 * and the feeder follows suit where it looks at tokens. It asks the parser how it would take
 * a keyword (sclParseKeywordRole): 'elif'/'else' open a conditional item's body only as
 * keywords ("{elif = 1}" is a key), and after any keyword token the parser is asked whether
 * an expression just ended (a name or constant) or more must follow (an operator). A
 * keyword on a new line after an item starts the next one when it can only be a name (see
 * starts_item). In a schema body a few keywords become names before they are fed, where
 * KCL's schema body parser reads a name but the grammar would see a statement keyword
 * ("mixin?: str", "import: str", "lambda?: int"; see schema_attr_keyword).
 *
 * Error recovery: when the parser reports a syntax error, the grammar has popped back to
 * the innermost statement list and shifted 'error'; the feeder then drops the rest of the
 * logical line, feeds a NEWLINE so that "stmt ::= error NEWLINE" completes, and drops an
 * indented block that follows (the body of a broken header). Every later error is reported
 * again (the error rules reset Lemon's three-token silence), at most once per line.
 * ====================================================================} */

enum ctx_kind { CTX_TOP, CTX_PAREN, CTX_LIST, CTX_CONFIG, CTX_FLAT, CTX_STMTS };

struct ifbody {
    bool inline_;    /* body on the header's line */
    uint32_t indent; /* indentation of the header's line */
};

struct ctx {
    uint8_t kind;          /* enum ctx_kind */
    int opener;            /* TK_LPAREN / TK_LBRACKET / TK_LBRACE (0 for CTX_TOP) */
    bool comp;             /* a 'for' seen at this level: a comprehension */
    bool header;           /* between 'if'/'elif'/'else' of a conditional item and its ':' */
    uint32_t header_lo;    /* offset of that keyword */
    struct ifbody *bodies; /* open conditional bodies, innermost last */
    uint32_t nbodies, capbodies;
    /* CTX_STMTS: indentation levels (levels[0] is the first statement's) */
    uint32_t *levels;
    uint32_t nlevels, caplevels;
    bool started;   /* a token of the body was fed */
    bool line_open; /* tokens were fed since the last NEWLINE */
};

struct feeder {
    struct parser *p;
    void *lemon;
    const struct source *src;
    const struct token *toks;
    uint32_t n, i;
    struct ctx *ctx;
    uint32_t nctx, capctx;
    int last;          /* kind of the last token fed (0 before the first) */
    bool last_can_end; /* it can end an expression */
    uint32_t last_hi;  /* end of the last real token fed */
    bool have_real;
    uint8_t *as_paren; /* lazily: 1 where a '{'/'}' of "lambda {params} ->" is a paren */
    bool expr_mode;    /* a lone expression: stop at the first error */
};

static bool grow(struct parser *p, void **v, uint32_t *cap, uint32_t n, size_t size)
{
    if (n < *cap)
        return true;
    uint32_t ncap = *cap ? *cap * 2 : 8;
    void *nv = arena_realloc(p->arena, *v, *cap * size, ncap * size);
    if (!nv) {
        p->oom = true;
        return false;
    }
    *v = nv;
    *cap = ncap;
    return true;
}

static bool can_start(int k)
{
    switch (k) {
    case TK_NAME:
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING:
    case TK_TRUE:
    case TK_FALSE:
    case TK_NONE:
    case TK_UNDEFINED:
    case TK_LPAREN:
    case TK_LBRACKET:
    case TK_LBRACE:
    case TK_MINUS:
    case TK_PLUS:
    case TK_TILDE:
    case TK_NOT:
    case TK_STAR:
    case TK_POW:
    case TK_LAMBDA:
    case TK_ALL:
    case TK_ANY:
    case TK_MAP:
    case TK_FILTER:
    case TK_IF:
        return true;
    default:
        return false;
    }
}

static bool can_end(int k)
{
    switch (k) {
    case TK_NAME:
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING:
    case TK_RPAREN:
    case TK_RBRACKET:
    case TK_RBRACE:
        return true;
    default:
        return false;
    }
}

/* The keyword tokens: parser.y's %fallback makes each a NAME where the grammar has no use
 * for it as a keyword. */
static bool is_keyword(int k)
{
    return k >= TK_TRUE && k <= TK_TYPE;
}

/* A keyword on a new line in a list or config, after a complete item: does it start the next
 * item? KCL's lexer keeps line breaks inside brackets, so there every line break ends an
 * item; scl lets an operator continue the item on the next line instead (see the essay).
 * Keywords that never continue an expression start an item (as names: "import = 1");
 * the operator-like ones ('and', 'in', 'else', …) only when a key's operator, a ',' or the
 * closing bracket follows, so that they can only be names. After a conditional item's
 * body 'elif' and 'else' continue it where the grammar takes them as keywords. */
static bool starts_item(const struct feeder *f, int k, int next)
{
    if (can_start(k))
        return true;
    switch (k) {
    case TK_IMPORT:
    case TK_SCHEMA:
    case TK_MIXIN:
    case TK_PROTOCOL:
    case TK_CHECK:
    case TK_ASSERT:
    case TK_RULE:
    case TK_TYPE:
        return true;
    case TK_ELIF:
    case TK_ELSE:
    case TK_AS:
    case TK_IN:
    case TK_IS:
    case TK_AND:
    case TK_OR:
        if ((k == TK_ELIF || k == TK_ELSE) && f->last == TK_DEDENT &&
            sclParseKeywordRole(f->lemon, k) == 1)
            return false;
        return next == TK_ASSIGN || next == TK_COLON || next == TK_PLUSEQ || next == TK_COMMA ||
               next == TK_DOT || next == TK_RBRACKET || next == TK_RBRACE;
    default:
        return false;
    }
}

static bool is_opener(int k)
{
    return k == TK_LPAREN || k == TK_LBRACKET || k == TK_LBRACE || k == TK_QLBRACKET ||
           k == TK_SIGLBRACKET;
}

static bool is_closer(int k)
{
    return k == TK_RPAREN || k == TK_RBRACKET || k == TK_RBRACE;
}

/* A token that is neither layout, keyword, bracket nor ':' (the feeder's fast path). */
static bool plain_kind(int k)
{
    return k != 0 && !is_keyword(k) && !is_opener(k) && !is_closer(k) && k != TK_NEWLINE &&
           k != TK_INDENT && k != TK_DEDENT && k != TK_COLON;
}

/* Is there a line break in the source between offsets lo and hi (only blanks, comments and
 * line continuations lie there)? */
static bool line_break(const struct source *src, uint32_t lo, uint32_t hi)
{
    const char *s = src->text;
    if (hi > src->len)
        hi = src->len;
    for (uint32_t i = lo; i < hi; i++) {
        char c = s[i];
        if (c == '#') {
            while (i < hi && s[i] != '\n')
                i++;
            if (i < hi)
                return true;
        } else if (c == '\\') {
            if (i + 1 < hi && s[i + 1] == '\n')
                i++;
            else if (i + 2 < hi && s[i + 1] == '\r' && s[i + 2] == '\n')
                i += 2;
        } else if (c == '\n') {
            return true;
        }
    }
    return false;
}

/* Is there a line break between the last real token fed and t? Most tokens follow the last
 * one directly or after one byte: only that byte can be the line break then. */
static inline bool newline_before(const struct feeder *f, const struct token *t)
{
    if (!f->have_real)
        return false;
    uint32_t gap = t->lo - f->last_hi;
    return gap > 1 ? line_break(f->src, f->last_hi, t->lo)
                   : gap == 1 && f->src->text[f->last_hi] == '\n';
}

/* Width of the leading blanks of the line containing offset 'off'. The line start is found
 * by scanning back (a line break is LF, CRLF or a lone CR, as in the line table), which
 * costs the column rather than a search of the whole table. */
static uint32_t line_indent(const struct source *src, uint32_t off)
{
    const char *s = src->text;
    if (off > src->len)
        off = src->len;
    uint32_t b = off;
    /* usually 'off' is the first token of its line: only blanks lie before it (eight
     * spaces are compared at once, deep indentation is common) */
    while (b >= 8 && !memcmp(s + b - 8, "        ", 8))
        b -= 8;
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b == 0 || s[b - 1] == '\n' || (s[b - 1] == '\r' && s[b] != '\n'))
        return off - b;
    while (b > 0 && s[b - 1] != '\n' && !(s[b - 1] == '\r' && s[b] != '\n'))
        b--;
    uint32_t i = b;
    while (i < src->len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i - b;
}

static struct token synth(int kind, uint32_t off)
{
    struct token t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    t.lo = t.hi = off;
    return t;
}

static inline void feed(struct feeder *f, int kind, struct token t)
{
    struct parser *p = f->p;
    if (p->stop || p->recover) /* after an error, nothing until recover() ran */
        return;
    t.kind = kind;
    sclParse(f->lemon, kind, t);
    f->last = kind;
    if (kind == TK_NEWLINE || kind == TK_INDENT)
        f->last_can_end = false;
    else if (kind == TK_DEDENT)
        f->last_can_end = f->nctx > 1; /* the end of a conditional item */
    else if (is_keyword(kind)) /* a name, a constant, or an operator waiting for more */
        f->last_can_end = !p->recover && sclParseAccepts(f->lemon, TK_PERCENT);
    else
        f->last_can_end = can_end(kind);
}

static struct ctx *top(struct feeder *f)
{
    return &f->ctx[f->nctx - 1];
}

static bool push_ctx(struct feeder *f, enum ctx_kind kind, int opener)
{
    if (!grow(f->p, (void **)&f->ctx, &f->capctx, f->nctx, sizeof *f->ctx))
        return false;
    struct ctx *c = &f->ctx[f->nctx++];
    memset(c, 0, sizeof *c);
    c->kind = (uint8_t)kind;
    c->opener = opener;
    return true;
}

static int opener_of(int closer)
{
    return closer == TK_RPAREN ? TK_LPAREN : closer == TK_RBRACKET ? TK_LBRACKET : TK_LBRACE;
}

/* Pops the context a closing bracket closes: the innermost with a matching opener (the
 * lexer's recovery for mismatched brackets), else the innermost one. */
static void pop_ctx(struct feeder *f, int closer)
{
    if (f->nctx <= 1)
        return;
    int want = opener_of(closer);
    for (uint32_t k = f->nctx - 1; k >= 1; k--)
        if (f->ctx[k].opener == want) {
            f->nctx = k;
            return;
        }
    f->nctx--;
}

/* ---- lists and configs ---- */

static void close_body(struct feeder *f, struct ctx *c, uint32_t off)
{
    c->nbodies--;
    feed(f, TK_DEDENT, synth(TK_DEDENT, off));
}

static void layout_items(struct feeder *f, struct ctx *c, struct token t, bool newline)
{
    int k = t.kind;
    /* any other token on the line of the last one changes nothing below */
    if (!newline && !is_closer(k) && k != TK_COMMA && k != TK_ELIF && k != TK_ELSE && k != TK_FOR &&
        k != TK_IF)
        return;
    uint32_t next = f->i + 1 < f->n ? (uint32_t)f->toks[f->i + 1].kind : 0;
    if (is_closer(k)) {
        while (c->nbodies > 0)
            close_body(f, c, t.lo);
        return;
    }
    bool closed = false;
    if (newline) {
        /* the indentation matters only to an open conditional body (most lines have none) */
        if (c->nbodies > 0) {
            uint32_t ind = line_indent(f->src, t.lo);
            while (c->nbodies > 0 &&
                   (c->bodies[c->nbodies - 1].inline_ || c->bodies[c->nbodies - 1].indent >= ind))
                close_body(f, c, t.lo);
        }
    } else if (k == TK_COMMA && c->kind == CTX_LIST) {
        while (c->nbodies > 0 && c->bodies[c->nbodies - 1].inline_)
            close_body(f, c, t.lo);
    } else if (k == TK_ELIF || (k == TK_ELSE && (next == TK_COLON || f->last == TK_COMMA))) {
        /* (an 'else' right after a ',' is not the one of "a if b else c") */
        if (c->nbodies > 0 && c->bodies[c->nbodies - 1].inline_) {
            close_body(f, c, t.lo);
            closed = true;
        }
    }
    /* A line break separates items, and so does the end of an inline body that no 'elif' or
     * 'else' continues: KCL ends the body there and parses them as the next key
     * ("{if a: x = 1 else: x = 2, else = 3}"). */
    if (!c->comp && ((newline && f->last_can_end && starts_item(f, k, (int)next)) ||
                     (closed && sclParseKeywordRole(f->lemon, k) != 1)))
        feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
    if (k == TK_FOR)
        c->comp = true;
    if (c->comp)
        return;
    bool item_start = f->last == TK_LBRACKET || f->last == TK_LBRACE || f->last == TK_COMMA ||
                      f->last == TK_NEWLINE || f->last == TK_INDENT || f->last == TK_DEDENT;
    /* 'elif'/'else' continue a conditional item only where the parser takes them as
     * keywords: "{elif = 1}" is a key */
    if ((k == TK_IF && item_start) ||
        ((k == TK_ELIF || (k == TK_ELSE && next == TK_COLON)) &&
         sclParseKeywordRole(f->lemon, k) == 1)) {
        c->header = true;
        c->header_lo = t.lo;
    }
}

/* After the ':' of a conditional item: open its body. */
static void open_body(struct feeder *f, struct ctx *c, struct token colon)
{
    c->header = false;
    bool block = f->i + 1 < f->n && line_break(f->src, colon.hi, f->toks[f->i + 1].lo);
    if (!grow(f->p, (void **)&c->bodies, &c->capbodies, c->nbodies, sizeof *c->bodies))
        return;
    c->bodies[c->nbodies].inline_ = !block;
    c->bodies[c->nbodies].indent = line_indent(f->src, c->header_lo);
    c->nbodies++;
    feed(f, TK_INDENT, synth(TK_INDENT, colon.hi));
}

/* ---- lambda bodies ---- */

static void layout_stmts(struct feeder *f, struct ctx *c, struct token t, bool newline)
{
    if (t.kind == TK_RBRACE) {
        if (c->line_open)
            feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
        c->line_open = false;
        while (c->nlevels > 1) {
            c->nlevels--;
            feed(f, TK_DEDENT, synth(TK_DEDENT, t.lo));
        }
        return;
    }
    if (!c->started) {
        c->started = true;
        if (!grow(f->p, (void **)&c->levels, &c->caplevels, 0, sizeof *c->levels))
            return;
        uint32_t line, col;
        source_line_col(f->src, t.lo, &line, &col);
        c->levels[0] = newline ? line_indent(f->src, t.lo) : col - 1;
        c->nlevels = 1;
    } else if (newline) {
        if (c->line_open)
            feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
        c->line_open = false;
        uint32_t ind = line_indent(f->src, t.lo);
        if (ind > c->levels[c->nlevels - 1]) {
            if (grow(f->p, (void **)&c->levels, &c->caplevels, c->nlevels, sizeof *c->levels)) {
                c->levels[c->nlevels++] = ind;
                feed(f, TK_INDENT, synth(TK_INDENT, t.lo));
            }
        } else {
            while (c->nlevels > 1 && ind < c->levels[c->nlevels - 1]) {
                c->nlevels--;
                feed(f, TK_DEDENT, synth(TK_DEDENT, t.lo));
            }
        }
    }
}

/* ---- statement-level rewrites ---- */

static bool at_stmt_level(const struct feeder *f)
{
    return f->nctx == 1 || f->ctx[f->nctx - 1].kind == CTX_STMTS;
}

static bool at_stmt_start(const struct feeder *f)
{
    if (!at_stmt_level(f))
        return false;
    return f->last == 0 || f->last == TK_NEWLINE || f->last == TK_INDENT || f->last == TK_DEDENT ||
           (f->nctx > 1 && f->last == TK_LBRACE);
}

/* Is token f->i the first of a statement directly in a schema body (not in an if block or
 * a lambda)? Walks back over nested blocks to the INDENT that opened this one: its header
 * line starts with 'schema', 'mixin' or 'protocol' (decorators are lines of their own).
 * Asked only about a keyword starting a statement, so the walk is rare. */
static bool in_schema_body(const struct feeder *f)
{
    if (f->nctx != 1 || !at_stmt_start(f))
        return false;
    uint32_t depth = 0, j = f->i;
    for (;;) {
        if (j == 0)
            return false;
        int k = f->toks[--j].kind;
        if (k == TK_DEDENT) {
            depth++;
        } else if (k == TK_INDENT) {
            if (depth == 0)
                break;
            depth--;
        }
    }
    /* toks[j] is the INDENT; the header line ends with the NEWLINE before it */
    uint32_t h = j > 0 ? j - 1 : 0;
    while (h > 0) {
        int k = f->toks[h - 1].kind;
        if (k == TK_NEWLINE || k == TK_INDENT || k == TK_DEDENT)
            break;
        h--;
    }
    int k = f->toks[h].kind;
    return k == TK_SCHEMA || k == TK_MIXIN || k == TK_PROTOCOL;
}

/* A keyword 'k' starting a statement in a schema body, followed by a token of kind 'next':
 * is it an attribute name? KCL's parse_schema_body commits to a keyword only for 'check',
 * 'assert' and 'if', to 'mixin' only first in the body (parse_mixins), and parses everything
 * else as an expression or, before '?', as an attribute name with parse_identifier (which
 * takes any identifier token: "lambda?: str" is an attribute). So 'mixin' is a name there
 * unless it comes first or a mixin list follows, 'import' unless an import path follows
 * (ast.c then reports that an import is not allowed in a schema body), and any other
 * keyword before '?'. The grammar takes the rest as names by itself (%fallback). */
static bool schema_attr_keyword(const struct feeder *f, int k, int next)
{
    bool name;
    switch (k) {
    case TK_CHECK:
    case TK_ASSERT:
    case TK_IF:
        return false;
    case TK_MIXIN: {
        /* first in the body (after the docstring), KCL's parse_mixins takes it whatever
         * follows */
        const struct token *v = f->toks;
        uint32_t i = f->i;
        bool first = i > 0 && (v[i - 1].kind == TK_INDENT ||
                               (i > 2 && v[i - 1].kind == TK_NEWLINE &&
                                v[i - 2].kind == TK_STRING && v[i - 3].kind == TK_INDENT));
        name = next != TK_LBRACKET && !first;
        break;
    }
    case TK_IMPORT:
        name = next != TK_NAME && next != TK_DOT && next != TK_ELLIPSIS && !is_keyword(next);
        break;
    default:
        name = next == TK_QUESTION;
        break;
    }
    return name && in_schema_body(f);
}

/* '[' … ']' ':' at the start of a statement: an index signature. */
static bool is_index_sig(struct feeder *f)
{
    int depth = 0;
    for (uint32_t j = f->i; j < f->n; j++) {
        int k = f->toks[j].kind;
        if (k == TK_NEWLINE || k == 0)
            return false;
        if (is_opener(k))
            depth++;
        else if (is_closer(k) && --depth == 0)
            return j + 1 < f->n && f->toks[j + 1].kind == TK_COLON;
    }
    return false;
}

static void syntax_note(struct feeder *f, struct span s, const char *msg)
{
    diags_add(f->p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, false, "%s", msg);
    f->p->failed = true;
}

/* "lambda {a, b} -> T {…}" / "lambda {a} {…}": the first braces hold parameters when the
 * token after their '}' is '->' or '{' (else they are the body). Marks them as parens. */
static void mark_brace_params(struct feeder *f)
{
    uint32_t open = f->i + 1;
    if (open >= f->n || f->toks[open].kind != TK_LBRACE)
        return;
    int depth = 0;
    for (uint32_t j = open; j < f->n; j++) {
        int k = f->toks[j].kind;
        if (k == 0)
            return;
        if (is_opener(k))
            depth++;
        else if (is_closer(k) && --depth == 0) {
            if (k != TK_RBRACE || j + 1 >= f->n ||
                (f->toks[j + 1].kind != TK_ARROW && f->toks[j + 1].kind != TK_LBRACE))
                return;
            if (!f->as_paren) {
                f->as_paren = arena_zalloc(f->p->arena, f->n);
                if (!f->as_paren) {
                    f->p->oom = true;
                    return;
                }
            }
            f->as_paren[open] = f->as_paren[j] = 1;
            return;
        }
    }
}

/* ---- error recovery ---- */

/* Index of the innermost statement context (a lambda body) or 0. */
static uint32_t stmt_ctx(struct feeder *f)
{
    uint32_t s = f->nctx - 1;
    while (s > 0 && f->ctx[s].kind != CTX_STMTS)
        s--;
    return s;
}

/* Skips to the end of the logical line in statement context 's', leaving f->i on the first
 * token after it. Returns true when that end is a NEWLINE token of the lexer (then f->i is
 * on it). */
static bool skip_line(struct feeder *f, uint32_t s)
{
    uint32_t depth = f->nctx - 1 - s; /* brackets open above 's' */
    uint32_t prev_hi = f->toks[f->i].hi;
    for (f->i++; f->i < f->n; f->i++) {
        struct token t = f->toks[f->i];
        if (s == 0 && t.kind == TK_NEWLINE) {
            f->nctx = 1;
            return true;
        }
        if (t.kind == 0)
            break;
        if (s > 0 && depth == 0 && (t.kind == TK_RBRACE || line_break(f->src, prev_hi, t.lo)))
            break;
        if (is_opener(t.kind))
            depth++;
        else if (is_closer(t.kind) && depth > 0)
            depth--;
        prev_hi = t.hi;
    }
    f->nctx = s + 1;
    return false;
}

/* At statement level after a recovered line: drop an indented block that follows. */
static void skip_block(struct feeder *f)
{
    if (f->i >= f->n || f->toks[f->i].kind != TK_INDENT)
        return;
    int depth = 0;
    for (; f->i < f->n; f->i++) {
        int k = f->toks[f->i].kind;
        if (k == TK_INDENT)
            depth++;
        else if (k == TK_DEDENT && --depth == 0) {
            f->i++;
            return;
        } else if (k == 0)
            return;
    }
}

/* The parser reported an error on a token of kind 'fed' (a layout token the feeder put
 * back when 'synthesized', else f->toks[f->i]). Lemon has popped to the innermost statement
 * list and shifted 'error'; make "stmt ::= error NEWLINE" complete and move f->i to the next
 * token to process. */
static void recover(struct feeder *f, int fed, bool synthesized)
{
    struct parser *p = f->p;
    p->recover = false;
    if (f->expr_mode) { /* no statement to resume at */
        p->stop = true;
        return;
    }
    uint32_t s = stmt_ctx(f);
    bool in_brackets = f->nctx - 1 > s;
    if (fed == TK_NEWLINE) {
        /* Lemon shifted it after 'error': the error statement is complete. */
        if (!synthesized) {
            f->i++;
            skip_block(f);
        } else if (in_brackets) {
            /* a separator: drop the rest of the line (and the lexer's NEWLINE ending it) */
            if (skip_line(f, s)) {
                f->i++;
                skip_block(f);
            } else {
                f->ctx[s].line_open = false;
            }
        }
        return; /* in a lambda body: retry the token after the NEWLINE */
    }
    if (!synthesized && fed == TK_INDENT) {
        skip_block(f); /* an unexpected block: drop it */
        feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
        return;
    }
    if (!synthesized && fed == TK_DEDENT) {
        /* close the error statement, then retry the DEDENT */
        feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->toks[f->i].lo));
        return;
    }
    if (synthesized && !in_brackets) {
        /* INDENT/DEDENT in a lambda body: close the error statement, retry the token */
        feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
        f->ctx[s].line_open = false;
        return;
    }
    if (skip_line(f, s)) {
        feed(f, TK_NEWLINE, f->toks[f->i]);
        f->i++;
        skip_block(f);
    } else {
        feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
        if (s > 0)
            f->ctx[s].line_open = false;
    }
}

/* Feeds one synthesized layout token and notices an error on it. */
static bool feed_checked(struct feeder *f, int kind, struct token t, bool synthesized)
{
    feed(f, kind, t);
    if (f->p->recover) {
        recover(f, kind, synthesized);
        return false;
    }
    return true;
}

/* After the layout fed before a real token: when it made an error, recovers and returns true
 * (the loop goes on where recovery left f->i; failing twice at one token drops it). */
static inline bool recover_layout(struct feeder *f, uint32_t *retried)
{
    if (!f->p->recover)
        return false;
    uint32_t at = f->i;
    recover(f, f->last, true);
    if (f->i == at && *retried == at)
        f->i++;
    else if (f->i == at)
        *retried = at;
    return true;
}

/* After real token k was fed: when it made an error, recovers and returns true. */
static inline bool recover_token(struct feeder *f, int k)
{
    if (!f->p->recover)
        return false;
    uint32_t at = f->i;
    recover(f, k, false);
    if (f->i == at)
        f->i++; /* skip_line did not move: drop the token */
    return true;
}

/* Runs the whole token array through the parser (without the final kind-0 token). */
static void run(struct feeder *f)
{
    struct parser *p = f->p;
    uint32_t retried = UINT32_MAX;
    while (f->i < f->n && !p->stop) {
        struct token t = f->toks[f->i];
        int k = t.kind;
        p->pos = f->i;
        if (k == 0)
            break;
        if (f->as_paren && f->as_paren[f->i])
            t.kind = k = k == TK_LBRACE ? TK_LPAREN : TK_RPAREN;
        if (k == TK_NEWLINE || k == TK_INDENT || k == TK_DEDENT) {
            if (f->nctx > 1) { /* never inside brackets: drop */
                f->i++;
                continue;
            }
            uint32_t at = f->i;
            if (feed_checked(f, k, t, false))
                f->i++;
            else if (f->i == at && retried == at)
                f->i++; /* never retry a token twice */
            else if (f->i == at)
                retried = at;
            continue;
        }

        /* layout before a real token */
        if (plain_kind(k)) {
            /* Most tokens (names, literals, operators, ',') need less of the work below: no
             * rewrite, no bracket, no 'not' rule, no conditional header, and only a line
             * break or a ',' changes the layout of items. */
            bool nl = newline_before(f, &t);
            struct ctx *c = top(f);
            if (c->kind == CTX_LIST || c->kind == CTX_CONFIG) {
                if (nl || k == TK_COMMA)
                    layout_items(f, c, t, nl);
            } else if (c->kind == CTX_STMTS) {
                layout_stmts(f, c, t, nl);
            }
            if (recover_layout(f, &retried))
                continue;
            p->brace_hint = BRACE_CONFIG;
            feed(f, k, t);
            if (c->kind == CTX_STMTS)
                c->line_open = true;
            f->have_real = true;
            f->last_hi = t.hi;
            if (recover_token(f, k))
                continue;
            f->i++;
            continue;
        }
        bool newline = newline_before(f, &t);
        struct ctx *c = top(f);
        /* KCL ends an expression before a 'not' that does not start 'not in', and starts a
         * new statement or item with it: "x not None" in a check block is two checks. */
        if (k == TK_NOT && !newline && !f->expr_mode && f->last_can_end && f->i + 1 < f->n &&
            f->toks[f->i + 1].kind != TK_IN && f->toks[f->i + 1].kind != TK_IS) {
            if (at_stmt_level(f)) {
                feed(f, TK_NEWLINE, synth(TK_NEWLINE, f->last_hi));
                if (c->kind == CTX_STMTS)
                    c->line_open = false;
            } else if ((c->kind == CTX_LIST || c->kind == CTX_CONFIG) && !c->comp) {
                newline = true; /* acts as a line break: a separator */
            }
        }
        if (c->kind == CTX_LIST || c->kind == CTX_CONFIG)
            layout_items(f, c, t, newline);
        else if (c->kind == CTX_STMTS)
            layout_stmts(f, c, t, newline);
        if (recover_layout(f, &retried))
            continue;

        /* rewrites (only keywords and '[' have any) */
        uint32_t consumed = 1;
        if (is_keyword(k) || k == TK_LBRACKET) {
            struct token next = f->i + 1 < f->n ? f->toks[f->i + 1] : synth(0, t.hi);
            if (k == TK_IS && next.kind == TK_NOT) {
                k = TK_ISNOT;
                t.hi = next.hi;
                consumed = 2;
            } else if (k == TK_NOT && next.kind == TK_IS) {
                struct span s = {f->src->id, t.lo, next.hi};
                syntax_note(f, s, "'not is' here is invalid, consider using 'is not'");
                k = TK_ISNOT;
                t.hi = next.hi;
                consumed = 2;
            } else if (k == TK_ELSE && next.kind == TK_IF && at_stmt_level(f)) {
                struct span s = {f->src->id, t.lo, next.hi};
                syntax_note(f, s,
                            "'else if' here is invalid in KCL, consider using the 'elif' keyword");
                k = TK_ELIF;
                t.hi = next.hi;
                consumed = 2;
            } else if (k == TK_LBRACKET && at_stmt_start(f) && is_index_sig(f)) {
                k = TK_SIGLBRACKET;
            } else if (is_keyword(k) && schema_attr_keyword(f, k, next.kind)) {
                t.kind = k = TK_NAME;
            } else if (k == TK_LAMBDA) {
                mark_brace_params(f);
            }
        }

        /* the context a bracket opens (a '{' is known only after the parser took it) */
        enum ctx_kind open = CTX_PAREN;
        if (k == TK_LBRACKET || k == TK_QLBRACKET)
            open = f->last_can_end ? CTX_PAREN : CTX_LIST; /* subscript or list */

        if (k != TK_LBRACE)
            p->brace_hint = BRACE_CONFIG; /* a hint is only for the '{' right after */
        feed(f, k, t);
        if (c->kind == CTX_STMTS)
            c->line_open = true;
        f->have_real = true;
        f->last_hi = t.hi;
        f->i += consumed - 1;
        if (recover_token(f, k))
            continue;

        if (k == TK_LBRACE) {
            open = p->brace_hint == BRACE_STMTS  ? CTX_STMTS
                   : p->brace_hint == BRACE_FLAT ? CTX_FLAT
                                                 : CTX_CONFIG;
            p->brace_hint = BRACE_CONFIG;
        }
        if (is_opener(k)) {
            if (!push_ctx(f, open, k == TK_QLBRACKET || k == TK_SIGLBRACKET ? TK_LBRACKET : k))
                return;
        } else if (is_closer(k)) {
            pop_ctx(f, k);
        } else if (k == TK_COLON && c == top(f) && (c->kind == CTX_LIST || c->kind == CTX_CONFIG) &&
                   c->header) {
            open_body(f, c, t);
            if (p->recover) {
                uint32_t at = f->i;
                recover(f, TK_INDENT, true);
                if (f->i == at)
                    f->i++;
                continue;
            }
        }
        f->i++;
    }
}

/* {=====================================================================
 * Entry points
 * ====================================================================} */

enum { MAX_INTERP_DEPTH = 8 };

/* Sources of this size or more have their tree built in a chunk of TREE_CHUNK bytes. */
#define BIG_TREE_SOURCE ((size_t)350 << 10)
#define TREE_CHUNK      ((size_t)4 << 20)

static void *parser_alloc(struct arena *a)
{
    return a->alloc(a->ud, NULL, 0, sclParseSizeof());
}

static void parser_free(struct arena *a, void *lemon)
{
    a->alloc(a->ud, lemon, sclParseSizeof(), 0);
}

static bool parse_tokens(struct parser *p, struct token *toks, uint32_t ntoks, bool expr)
{
    void *lemon = parser_alloc(p->arena);
    if (!lemon)
        return false;
    sclParseInit(lemon, p);
    struct feeder f;
    memset(&f, 0, sizeof f);
    f.p = p;
    f.lemon = lemon;
    f.src = p->src;
    f.toks = toks;
    f.n = ntoks;
    f.expr_mode = expr;
    p->toks = toks;
    p->ntoks = ntoks;
    if (push_ctx(&f, CTX_TOP, 0)) {
        if (expr) {
            feed(&f, TK_EXPR_START, synth(TK_EXPR_START, ntoks ? toks[0].lo : 0));
            f.last = 0;
        }
        run(&f);
        if (!p->stop) {
            uint32_t end = ntoks ? toks[ntoks - 1].hi : 0;
            if (ntoks < UINT32_MAX && toks)
                end = toks[ntoks].hi;
            p->pos = ntoks;
            sclParse(lemon, 0, synth(0, end));
        }
    }
    sclParseFinalize(lemon);
    parser_free(p->arena, lemon);
    return !p->oom;
}

/* The offset of the first byte of 'src' that is not part of valid UTF-8, or src->len. */
static uint32_t utf8_invalid_at(const struct source *src)
{
    const unsigned char *s = (const unsigned char *)src->text;
    uint32_t i = 0, n = src->len;
    while (i < n) {
        /* source is mostly ASCII: 32 bytes, then eight, at a time while no high bit is set */
        while (n - i >= 32) {
            uint64_t w[4];
            memcpy(w, s + i, sizeof w);
            if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080u)
                break;
            i += 32;
        }
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, sizeof w);
            if (w & 0x8080808080808080u)
                break;
            i += 8;
        }
        if (i == n)
            break;
        unsigned c = s[i];
        uint32_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                    : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!len || n - i < len)
            return i;
        for (uint32_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        /* overlong forms, surrogates and code points past U+10FFFF */
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
            (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
            return i;
        i += len;
    }
    return n;
}

/* After syntax errors a literal the lexer took for a docstring may sit anywhere in the
 * tree: every one is decoded in place after all (their strlits are the module arena's). */
static bool decode_docstrings(struct arena *a, const struct source *src, struct token *toks,
                              uint32_t ntoks)
{
    for (uint32_t i = 0; i < ntoks; i++) {
        if (toks[i].kind != TK_STRING || !toks[i].v.str || toks[i].v.str->nparts > 0)
            continue;
        const struct strlit *dec = lex_decode_literal(a, src, toks[i].lo, toks[i].hi);
        if (!dec)
            return false;
        *(struct strlit *)toks[i].v.str = *dec;
    }
    return true;
}

struct ast *parse_module(struct arena *a, const struct source *src, struct diags *d)
{
    return parse_module_comments(a, src, d, NULL);
}

struct ast *parse_module_comments(struct arena *a, const struct source *src, struct diags *d,
                                  struct comments *c)
{
    /* source text is UTF-8 (as KCL reads it): anything else stops here, located, with an
     * empty module (NULL means out of memory to the callers) */
    uint32_t bad = utf8_invalid_at(src);
    if (bad < src->len) {
        struct span s = {src->id, bad, bad + 1};
        diags_add(d, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
                  "stream did not contain valid UTF-8 (byte 0x%02x)",
                  (unsigned char)src->text[bad]);
        struct span whole = {src->id, 0, src->len};
        return ast_new(a, AST_MODULE, whole);
    }
    struct parser p;
    memset(&p, 0, sizeof p);
    p.arena = a;
    p.src = src;
    p.diags = d;
    struct token *toks;
    uint32_t ntoks;
    /* A big file's tree (about four times its text) goes to a fresh chunk of the arena big
     * enough to be mapped as 2 MB pages (arena.c): one page fault per 2 MB of nodes instead
     * of one per 4 KB. The chunk is made by an allocation that is given back at once (not
     * under a memory limit, which counts the whole chunk). */
    if (src->len >= BIG_TREE_SOURCE && !a->limit) {
        void *room = arena_alloc(a, TREE_CHUNK);
        if (room)
            arena_realloc(a, room, TREE_CHUNK, 0);
    }
    /* the tokens are dropped once the tree is built */
    struct arena scratch;
    arena_init(&scratch, a->alloc, a->ud);
    unsigned errors = d->nerrors;
    bool ok = lex_module_tokens(a, &scratch, src, d, &toks, &ntoks, c) &&
              parse_tokens(&p, toks, ntoks, false);
    if (ok && d->nerrors != errors)
        ok = decode_docstrings(a, src, toks, ntoks);
    arena_free(&scratch);
    if (!ok)
        return NULL;
    if (!p.result)
        p.result = ast_module(&p, ast_list_none());
    return p.oom ? NULL : p.result;
}

struct ast *parse_expr_range(struct arena *a, const struct source *src, uint32_t lo, uint32_t hi,
                             struct diags *d, unsigned depth)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    p.arena = a;
    p.src = src;
    p.diags = d;
    p.depth = depth;
    struct span s = {src->id, lo, hi};
    if (depth > MAX_INTERP_DEPTH) {
        diags_add(d, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
                  "string interpolation nested too deeply");
        return NULL;
    }
    struct token *toks;
    uint32_t ntoks;
    struct arena scratch;
    arena_init(&scratch, a->alloc, a->ud);
    bool ok = lex_tokens(a, &scratch, src, lo, hi, true, d, &toks, &ntoks) &&
              parse_tokens(&p, toks, ntoks, true);
    arena_free(&scratch);
    if (!ok)
        return NULL;
    if (!p.result && !p.failed)
        diags_add(d, DIAG_ERROR, "E1001", "InvalidSyntax", s, true, "expected an expression");
    return p.result;
}

struct ast *parse_string(struct parser *p, struct token t)
{
    struct span span = {p->src->id, t.lo, t.hi};
    struct ast *n = ast_new(p->arena, AST_STR, span);
    if (!n) {
        p->oom = true;
        return NULL;
    }
    const struct strlit *lit = t.v.str;
    n->u.str.lit = lit;
    if (!lit || !lit->has_expr)
        return n;
    n->u.str.exprs = arena_zalloc(p->arena, lit->nparts * sizeof *n->u.str.exprs);
    if (!n->u.str.exprs) {
        p->oom = true;
        return NULL;
    }
    for (uint32_t i = 0; i < lit->nparts; i++) {
        const struct strpart *part = &lit->parts[i];
        if (part->kind != STRPART_EXPR)
            continue;
        /* Errors inside are reported as one, the way KCL words it. */
        struct diags sub;
        diags_init(&sub, p->arena);
        struct ast *e = parse_expr_range(p->arena, p->src, part->lo, part->hi, &sub, p->depth + 1);
        if (sub.nerrors > 0 || !e) {
            struct span es = {p->src->id, part->lo, part->hi};
            uint32_t lo = part->lo, hi = part->hi;
            while (lo < hi && (p->src->text[lo] == ' ' || p->src->text[lo] == '\t'))
                lo++;
            while (hi > lo && (p->src->text[hi - 1] == ' ' || p->src->text[hi - 1] == '\t'))
                hi--;
            es.lo = lo;
            diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", es, true,
                      "invalid string interpolation expression: '%.*s'", (int)(hi - lo),
                      p->src->text + lo);
            p->failed = true;
            e = NULL;
        }
        n->u.str.exprs[i] = e;
    }
    return n;
}

static void quote_list(char *buf, size_t cap, const char **names, unsigned n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && len + 8 < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s\"%s\"", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
    }
}

void parse_syntax_error(struct parser *p, int major, struct token tok, const char *got,
                        bool is_expr, const char **expected, unsigned nexpected)
{
    p->recover = true;
    p->failed = true;
    /* One error per offset: a resynchronisation may stop on the same token again. */
    if (p->last_error_lo == tok.lo + 1)
        return;
    p->last_error_lo = tok.lo + 1;
    struct span s = {p->src->id, tok.lo, tok.hi};
    const char *what = got;
    if (major == TK_NEWLINE) {
        /* KCL points at the last character of the line's last token */
        what = "newline";
        for (uint32_t i = p->pos < p->ntoks ? p->pos + 1 : p->ntoks; i-- > 0;) {
            int k = p->toks[i].kind;
            if (k == TK_NEWLINE || k == TK_INDENT || k == TK_DEDENT || p->toks[i].hi > tok.lo)
                continue;
            if (p->toks[i].hi > p->toks[i].lo)
                s.lo = s.hi = p->toks[i].hi - 1;
            break;
        }
    }
    char list[400];
    if (is_expr) {
        static const char *const expr_names[] = {"identifier", "literal", "(", "[", "{"};
        quote_list(list, sizeof list, (const char **)expr_names, 5);
        diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
                  "expected one of [%s] got %s", list, what);
    } else if (nexpected > 0 && nexpected <= 6 &&
               !(nexpected == 1 && !strcmp(expected[0], "newline"))) {
        quote_list(list, sizeof list, expected, nexpected);
        diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
                  "expected one of [%s] got %s", list, what);
    } else if (major == 0) {
        diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
                  "unexpected end of file");
    } else if (tok.hi > tok.lo && tok.hi - tok.lo <= 32 && tok.hi <= p->src->len &&
               major != TK_STRING) {
        diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
                  "unexpected token '%.*s'", (int)(tok.hi - tok.lo), p->src->text + tok.lo);
    } else {
        diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true, "unexpected token '%s'",
                  what);
    }
}

void parse_stack_overflow(struct parser *p)
{
    uint32_t lo = p->pos < p->ntoks ? p->toks[p->pos].lo : p->src->len;
    struct span s = {p->src->id, lo, lo};
    diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true,
              "expression nested too deeply");
    p->failed = true;
    p->stop = true;
}
