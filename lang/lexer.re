/* Lexer (spec §1): source bytes -> the token array the Lemon parser is fed. re2c source;
 * generated into lexer.c by the build. */
#include "config.h"

#include "lang/parse.h"

#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parser.h"

/*
 * {=====================================================================
 * Indentation, brackets and logical lines
 *
 * The lexer runs over the whole range once and appends tokens to one arena array. Logical
 * lines and blocks follow CPython's tokenizer (Parser/lexer/lexer.c) and KCL's indent.rs:
 *
 * - 'levels' is the stack of open indentation levels. The bottom entry is column zero and
 *   is never popped. Each level keeps the number of tabs and the number of spaces of its
 *   leading whitespace separately, as KCL does: a line is deeper than a level when it has
 *   at least as many tabs and as many spaces and is not equal, shallower when it has at
 *   most as many of both. A line that has more of one and fewer of the other cannot be
 *   ordered: "inconsistent use of tabs and spaces in indentation".
 *
 * - At the start of a physical line that is not inside brackets, the leading blanks are
 *   measured in plain C. A blank or comment-only line is skipped without any effect on the
 *   stack. Otherwise a deeper line pushes a level and emits INDENT; a shallower one pops
 *   levels (one DEDENT each) until the top equals it. If it falls strictly between two
 *   levels, the last popped level is put back and the line is reported as "invalid
 *   indentation with N spaces" (N counted from the enclosing level), which is what KCL's
 *   parser reports for its Dedent(N) token; the line then continues the deeper block.
 *   INDENT and DEDENT are empty tokens at the first non-blank byte of the line, which is
 *   also where the errors point.
 *
 * - 'opens' is the stack of open brackets with their offsets. While it is not empty,
 *   newlines are plain whitespace: no NEWLINE, no INDENT/DEDENT, and the indentation of
 *   continuation lines is ignored (the parser sees "[1\n 2]" as adjacent items and can
 *   look at the source between two tokens if it needs to know about the newline). A
 *   closing bracket that does not match the top is reported with the opener's line.
 *
 * - NEWLINE ends a logical line that produced at least one token; it spans the '\n'. At
 *   the end of the range a NEWLINE is added if the last line had tokens, then one DEDENT
 *   per open level, then the kind-0 terminator.
 *
 * - In expression mode (the inside of "${...}") none of this applies: newlines are
 *   whitespace and no NEWLINE/INDENT/DEDENT is produced at all.
 * ====================================================================}
 */

struct lex_level {
    uint32_t tabs, spaces;
};

struct lex_open {
    uint32_t off;     /* source offset of the opening bracket */
    unsigned char ch; /* '(' '[' '{' ('?[' is recorded as '[') */
};

struct lexer {
    struct arena *a;          /* borrowed: names and strings go here */
    struct arena *scratch;    /* borrowed: the token array and work stacks go here */
    const struct source *src; /* borrowed */
    struct diags *d;          /* borrowed */
    const unsigned char *buf; /* the range, NUL-terminated at 'lim' */
    const unsigned char *lim;
    uint32_t base; /* source offset of buf[0] */
    bool expr_mode;
    bool oom;
    bool line_has_tokens; /* the current logical line produced a real token */
    bool type_candidates; /* a NAME token is marked TYPE_CANDIDATE */
    bool lazy_docs;       /* docstrings are left undecoded (see doc_position) */

    struct token *toks;
    uint32_t ntoks, captoks;
    struct lex_level *levels;
    uint32_t nlevels, caplevels;
    struct lex_open *opens;
    uint32_t nopens, capopens;

    struct token sink; /* written to instead of 'toks' once memory ran out */
    struct comments *comments; /* NULL: comments are skipped without a trace */
};

/* A token array of this size or more takes whole 2 MB pages (arena.c's huge blocks). */
#define TOKS_HUGE ((size_t)4 << 20)

/* Marks a NAME token that came from the plain word `type` (not `$type`) until the pass
 * that decides whether it starts a type alias (kept in token.suffix, unused for NAME). */
#define TYPE_CANDIDATE 1

static uint32_t lex_off(const struct lexer *lx, const unsigned char *p)
{
    return lx->base + (uint32_t)(p - lx->buf);
}

/* Records the comment at [lo, hi) when comments are collected (scl fmt keeps them). */
static void lex_comment(struct lexer *lx, const unsigned char *lo, const unsigned char *hi)
{
    struct comments *c = lx->comments;
    if (!c)
        return;
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 16;
        struct comment *v =
            arena_realloc(lx->a, c->v, c->cap * sizeof *c->v, (size_t)cap * sizeof *c->v);
        if (!v) {
            lx->oom = true;
            return;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].lo = lex_off(lx, lo);
    c->v[c->n].hi = lex_off(lx, hi);
    c->n++;
}

static void lex_verror(struct lexer *lx, const char *code, const char *kind, uint32_t lo,
                       uint32_t hi, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
static void lex_verror(struct lexer *lx, const char *code, const char *kind, uint32_t lo,
                       uint32_t hi, const char *fmt, va_list ap)
{
    struct span sp = {lx->src->id, lo, hi};
    diags_vadd(lx->d, DIAG_ERROR, code, kind, sp, true, fmt, ap);
}

/* Records an InvalidSyntax error at source offsets [lo, hi). */
static void lex_error(struct lexer *lx, uint32_t lo, uint32_t hi, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void lex_error(struct lexer *lx, uint32_t lo, uint32_t hi, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lex_verror(lx, "E1001", "InvalidSyntax", lo, hi, fmt, ap);
    va_end(ap);
}

/* The same at buffer positions. */
static void lex_error_at(struct lexer *lx, const unsigned char *lo, const unsigned char *hi,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void lex_error_at(struct lexer *lx, const unsigned char *lo, const unsigned char *hi,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lex_verror(lx, "E1001", "InvalidSyntax", lex_off(lx, lo), lex_off(lx, hi), fmt, ap);
    va_end(ap);
}

/* Grows an arena array of 'size'-byte elements so that it holds at least 'need'. */
static bool lex_reserve(struct lexer *lx, void **v, uint32_t *cap, size_t size, uint32_t need)
{
    if (need <= *cap)
        return true;
    if (lx->oom)
        return false;
    uint32_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > UINT32_MAX / 2) {
            lx->oom = true;
            return false;
        }
        ncap *= 2;
    }
    void *nv = arena_realloc(lx->scratch, *v, (size_t)*cap * size, (size_t)ncap * size);
    if (!nv) {
        lx->oom = true;
        return false;
    }
    *v = nv;
    *cap = ncap;
    return true;
}

/* Appends a token spanning source offsets [lo, hi); never NULL (after memory exhaustion
 * the result is a scratch token and lx->oom is set). */
static inline struct token *emit_off(struct lexer *lx, int kind, uint32_t lo, uint32_t hi)
{
    if (lx->ntoks >= lx->captoks) {
        void *v = lx->toks;
        if (!lex_reserve(lx, &v, &lx->captoks, sizeof *lx->toks, lx->ntoks + 1)) {
            memset(&lx->sink, 0, sizeof lx->sink);
            return &lx->sink;
        }
        lx->toks = v;
    }
    struct token *t = &lx->toks[lx->ntoks++];
    t->kind = kind;
    t->lo = lo;
    t->hi = hi;
    t->v.i = 0;
    t->suffix = 0;
    if (kind != TK_NEWLINE && kind != TK_INDENT && kind != TK_DEDENT)
        lx->line_has_tokens = true;
    return t;
}

static inline struct token *emit(struct lexer *lx, int kind, const unsigned char *lo,
                                 const unsigned char *hi)
{
    return emit_off(lx, kind, lex_off(lx, lo), lex_off(lx, hi));
}

static void emit_name(struct lexer *lx, const unsigned char *lo, const unsigned char *hi)
{
    struct token *t = emit(lx, TK_NAME, lo, hi);
    size_t n = (size_t)(hi - lo);
    char *s = arena_alloc_fast(lx->a, n + 1);
    if (s) {
        memcpy(s, lo, n);
        s[n] = '\0';
    } else {
        lx->oom = true;
    }
    t->v.name = s;
}

/* Keywords carry their spelling (static) so the parser can treat them as names. */
static void emit_kw(struct lexer *lx, int kind, const char *spelling, const unsigned char *lo,
                    const unsigned char *hi)
{
    emit(lx, kind, lo, hi)->v.name = spelling;
}

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_id_start(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_id_cont(unsigned c)
{
    return is_id_start(c) || is_digit(c);
}

/* {=====================================================================
 * Indentation
 * ====================================================================}
 */

/* Orders indentation 'x' against level 'y': -1, 0, 1, or 2 when they cannot be ordered. */
static int level_cmp(struct lex_level x, struct lex_level y)
{
    if (x.tabs < y.tabs)
        return x.spaces <= y.spaces ? -1 : 2;
    if (x.tabs > y.tabs)
        return x.spaces >= y.spaces ? 1 : 2;
    return x.spaces < y.spaces ? -1 : x.spaces > y.spaces;
}

static const char msg_tabs[] = "inconsistent use of tabs and spaces in indentation";

/* A content line starts at offset 'off' with 'tabs' tabs and 'spaces' spaces. */
static void indent_line(struct lexer *lx, uint32_t tabs, uint32_t spaces, uint32_t off)
{
    struct lex_level cur = {tabs, spaces};
    struct lex_level *top = &lx->levels[lx->nlevels - 1];
    int c = level_cmp(cur, *top);
    if (c == 2) {
        lex_error(lx, off, off, "%s", msg_tabs);
        return;
    }
    if (c == 0)
        return;
    if (c > 0) {
        void *v = lx->levels;
        if (!lex_reserve(lx, &v, &lx->caplevels, sizeof *lx->levels, lx->nlevels + 1))
            return;
        lx->levels = v;
        lx->levels[lx->nlevels++] = cur;
        emit_off(lx, TK_INDENT, off, off);
        return;
    }
    /* Dedent: pop while the top is deeper. The bottom level (0, 0) is never deeper. */
    uint32_t ndedents = 0;
    while (lx->nlevels > 1) {
        struct lex_level popped = lx->levels[lx->nlevels - 1];
        c = level_cmp(cur, popped);
        if (c == 2) {
            lex_error(lx, off, off, "%s", msg_tabs);
            break;
        }
        if (c >= 0)
            break;
        lx->nlevels--;
        ndedents++;
        struct lex_level outer = lx->levels[lx->nlevels - 1];
        c = level_cmp(cur, outer);
        if (c == 1) {
            /* Between 'outer' and 'popped': stay in the deeper block (see above). */
            lx->nlevels++;
            ndedents--;
            uint32_t n = cur.spaces - outer.spaces;
            lex_error(lx, off, off,
                      "invalid indentation with %u space%s, try to align indents by adding or "
                      "removing spaces",
                      (unsigned)n, n > 1 ? "s" : "");
            break;
        }
    }
    while (ndedents--)
        emit_off(lx, TK_DEDENT, off, off);
}

/* {=====================================================================
 * Brackets
 * ====================================================================}
 */

static void open_bracket(struct lexer *lx, int kind, unsigned char ch, const unsigned char *lo,
                         const unsigned char *hi)
{
    void *v = lx->opens;
    if (lex_reserve(lx, &v, &lx->capopens, sizeof *lx->opens, lx->nopens + 1)) {
        lx->opens = v;
        lx->opens[lx->nopens].off = lex_off(lx, lo);
        lx->opens[lx->nopens].ch = ch;
        lx->nopens++;
    }
    emit(lx, kind, lo, hi);
}

static unsigned char closer_of(unsigned char open)
{
    return open == '(' ? ')' : open == '[' ? ']' : '}';
}

static int closer_kind(unsigned char close)
{
    return close == ')' ? TK_RPAREN : close == ']' ? TK_RBRACKET : TK_RBRACE;
}

/* A closing bracket 'ch' at 'lo'. A closer that matches an outer opener closes the ones in
 * between too; one that matches nothing closes the innermost opener (as KCL recovers). */
static void close_bracket(struct lexer *lx, unsigned char ch, const unsigned char *lo,
                          const unsigned char *hi)
{
    uint32_t off = lex_off(lx, lo);
    if (lx->nopens == 0) {
        lex_error(lx, off, off + 1, "unmatched '%c'", ch);
        emit(lx, closer_kind(ch), lo, hi);
        return;
    }
    struct lex_open top = lx->opens[lx->nopens - 1];
    if (closer_of(top.ch) == ch) {
        lx->nopens--;
        emit(lx, closer_kind(ch), lo, hi);
        return;
    }
    uint32_t oline, cline, col;
    source_line_col(lx->src, top.off, &oline, &col);
    source_line_col(lx->src, off, &cline, &col);
    if (oline == cline)
        lex_error(lx, off, off + 1,
                  "closing parenthesis '%c' does not match opening parenthesis '%c'", ch, top.ch);
    else
        lex_error(lx, off, off + 1,
                  "closing parenthesis '%c' does not match opening parenthesis '%c' on line %u",
                  ch, top.ch, (unsigned)oline);
    uint32_t i = lx->nopens - 1;
    while (i > 0 && closer_of(lx->opens[i - 1].ch) != ch)
        i--;
    if (i > 0) {
        lx->nopens = i - 1;
        emit(lx, closer_kind(ch), lo, hi);
    } else {
        lx->nopens--;
        emit(lx, closer_kind(closer_of(top.ch)), lo, hi);
    }
}

/* {=====================================================================
 * Numbers (spec §1.4; the scan follows KCL's kclvm_lexer number.rs)
 * ====================================================================}
 */

static bool eat_digits(const unsigned char **pp, bool hex)
{
    const unsigned char *p = *pp;
    bool any = false;
    for (;; p++) {
        if (*p == '_')
            continue;
        if (hex ? is_hex(*p) : is_digit(*p))
            any = true;
        else
            break;
    }
    *pp = p;
    return any;
}

static unsigned digit_value(unsigned c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

static uint8_t unit_suffix(const unsigned char *s, size_t n)
{
    static const char *const names[] = {"n", "u", "m", "k", "K", "M", "G", "T",
                                        "P", "Ki", "Mi", "Gi", "Ti", "Pi"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return (uint8_t)(UNIT_n + i);
    return UNIT_NONE;
}

/* Converts the decimal float text [lo, hi) ('_' allowed) independently of the locale. */
static double float_value(struct lexer *lx, const unsigned char *lo, const unsigned char *hi)
{
    const char *point = localeconv()->decimal_point;
    size_t plen = point && *point ? strlen(point) : 1;
    size_t cap = (size_t)(hi - lo) * plen + 1;
    char *tmp = arena_alloc(lx->a, cap);
    if (!tmp) {
        lx->oom = true;
        return 0;
    }
    size_t n = 0;
    for (const unsigned char *p = lo; p < hi; p++) {
        if (*p == '_')
            continue;
        if (*p == '.' && point && *point) {
            memcpy(tmp + n, point, plen);
            n += plen;
        } else {
            tmp[n++] = (char)*p;
        }
    }
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

/* Scans the number starting at 't' (a digit) and emits INT or FLOAT; returns its end. */
static const unsigned char *lex_number(struct lexer *lx, const unsigned char *t)
{
    const unsigned char *p = t + 1, *digits = t;
    unsigned base = 10;
    bool bad = false, plain_zero = false;
    if (*t == '0') {
        unsigned char c = *p;
        if (c == 'b' || c == 'o' || c == 'x') {
            base = c == 'b' ? 2 : c == 'o' ? 8 : 16;
            digits = ++p;
            if (!eat_digits(&p, base == 16)) {
                bad = true;
                lex_error_at(lx, t, p, "no valid digits found for number");
            }
        } else if (is_digit(c)) {
            base = 8; /* 010 == 8, as in C and Go */
            digits = p;
            eat_digits(&p, false);
        } else if (c == '_' || c == '.' || c == 'e' || c == 'E') {
            eat_digits(&p, false);
        } else {
            plain_zero = true;
        }
    } else {
        eat_digits(&p, false);
    }

    bool is_float = false;
    if (!plain_zero) {
        if (*p == '.' && p[1] != '.' && !is_id_start(p[1])) {
            is_float = true;
            p++;
            if (is_digit(*p)) {
                eat_digits(&p, false);
                if (*p == 'e' || *p == 'E')
                    goto exponent;
            }
        } else if (*p == 'e' || *p == 'E') {
        exponent:
            is_float = true;
            p++;
            if (*p == '+' || *p == '-')
                p++;
            if (!eat_digits(&p, false)) {
                bad = true;
                lex_error_at(lx, t, p, "expected at least one digit in exponent");
            }
        }
    }

    const unsigned char *end = p; /* end of the number proper */
    if (is_id_start(*p)) {
        for (p++; is_id_cont(*p); p++)
            ;
    }

    if (is_float) {
        struct token *tok = emit(lx, TK_FLOAT, t, p);
        if (base != 10) {
            lex_error_at(lx, t, p, "%s float literal is not supported",
                         base == 2 ? "binary" : base == 8 ? "octal" : "hexadecimal");
            bad = true;
        }
        if (end != p) {
            /* KCL drops such a suffix silently; spec §1.4 allows units on integers only. */
            lex_error_at(lx, t, p, "invalid float literal suffix");
        }
        if (!bad)
            tok->v.f = float_value(lx, t, end);
        return p;
    }

    struct token *tok = emit(lx, TK_INT, t, p);
    if (end != p) {
        tok->suffix = unit_suffix(end, (size_t)(p - end));
        if (tok->suffix == UNIT_NONE)
            lex_error_at(lx, t, p, "invalid int binary suffix");
    }
    if (bad)
        return p;
    uint64_t v = 0;
    if (base == 10 && end - digits <= 18) {
        /* at most 18 decimal digits (eat_digits took only digits and '_'): no overflow */
        for (const unsigned char *q = digits; q < end; q++)
            if (*q != '_')
                v = v * 10 + (unsigned)(*q - '0');
        tok->v.i = (int64_t)v;
        return p;
    }
    for (const unsigned char *q = digits; q < end; q++) {
        if (*q == '_')
            continue;
        unsigned dv = digit_value(*q);
        if (dv >= base) {
            lex_error_at(lx, q, q + 1, "invalid digit for a base %u literal", base);
            return p;
        }
        if (v > ((uint64_t)INT64_MAX - dv) / base) {
            lex_error_at(lx, t, p, "integer literal is too large");
            return p;
        }
        v = v * base + dv;
    }
    tok->v.i = (int64_t)v;
    return p;
}

/* {=====================================================================
 * Strings (spec §1.5)
 *
 * The scan for the closing quote follows KCL: a backslash protects a following backslash
 * or quote (and, as an scl extension of KCL's rule for single-quoted strings, a newline).
 * Decoding then works on the source bytes of the body:
 *
 * - triple-quoted strings are dedented first: a newline right after the opening quotes is
 *   dropped, and the smallest leading run of blanks over the non-blank lines (and the
 *   closing-quote line when it is blank) is skipped at the start of every source line. A
 *   triple-quoted string without any newline is left alone;
 * - escapes are applied (not in raw strings); \N{name} is kept as written;
 * - "${expr}" and "${expr: #json}" / "${expr: #yaml}" become STRPART_EXPR parts holding the
 *   source range of 'expr' (the parser re-lexes it in expression mode); "\${" is a
 *   literal "${".
 *
 * A string without interpolation has exactly one STRPART_TEXT part (possibly empty); one
 * with interpolation has only non-empty text parts. The decoded text is never longer than
 * its source (every escape shrinks or keeps its length, and each "${...}" frees at least
 * the three bytes that the text part before it needs for its NUL), so all parts of a
 * literal share one buffer of the body's size plus one.
 * ====================================================================}
 */

static size_t utf8_put(unsigned char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool is_blank(unsigned c)
{
    return c == ' ' || c == '\t';
}

/* The dedent width of the triple-quoted body [s, e) (after the dropped first newline): the
 * smallest run of leading blanks over the lines that are not blank, and the last line. */
static size_t dedent_width(const unsigned char *s, const unsigned char *e)
{
    size_t best = SIZE_MAX;
    const unsigned char *p = s;
    for (;;) {
        const unsigned char *ls = p;
        while (p < e && is_blank(*p))
            p++;
        size_t w = (size_t)(p - ls);
        bool blank = true;
        const unsigned char *nl;
        if (p < e && *p != '\n' && *p != '\r') {
            /* the line has content: only its end matters now */
            blank = false;
            nl = memchr(p, '\n', (size_t)(e - p));
            p = nl ? nl : e;
        } else {
            while (p < e && *p != '\n') {
                if (*p != '\r' && !is_blank(*p))
                    blank = false;
                p++;
            }
        }
        bool last = p >= e;
        if ((!blank || last) && w < best)
            best = w;
        if (last || best == 0)
            break;
        p++; /* the '\n' */
    }
    return best == SIZE_MAX ? 0 : best;
}

struct strbuild {
    struct strpart *parts;
    uint32_t nparts, cap;
    unsigned char *text;  /* start of the current text part in the shared buffer */
    unsigned char *out;   /* write position */
};

static void flush_text(struct strbuild *b, bool always)
{
    if (b->out == b->text && !always)
        return;
    struct strpart *sp = &b->parts[b->nparts++];
    sp->kind = STRPART_TEXT;
    sp->text = (const char *)b->text;
    sp->len = (uint32_t)(b->out - b->text);
    sp->lo = sp->hi = 0;
    sp->spec = STRSPEC_NONE;
    *b->out++ = '\0';
    b->text = b->out;
}

static bool spec_is(const unsigned char *s, size_t n, const char *want)
{
    if (strlen(want) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != (unsigned char)want[i])
            return false;
    }
    return true;
}

/* "${" at 'p' with its '}' at 'close': adds the expression part (or reports why not). */
static void interpolation(struct lexer *lx, struct strbuild *b, const unsigned char *p,
                          const unsigned char *close)
{
    const unsigned char *lo = p + 2, *hi = close;
    enum strpart_spec spec = STRSPEC_NONE;
    /* The format spec: the first '#' when the last non-blank byte before it is ':'. */
    const unsigned char *hash = memchr(lo, '#', (size_t)(close - lo));
    const unsigned char *colon = NULL;
    if (hash) {
        const unsigned char *k = hash;
        while (k > lo && is_blank(k[-1]))
            k--;
        if (k > lo && k[-1] == ':')
            colon = k - 1;
    }
    const unsigned char *elo = lo;
    while (elo < (colon ? colon : hi) && (is_blank(*elo) || *elo == '\n' || *elo == '\r'))
        elo++;
    if (colon) {
        hi = colon;
        const unsigned char *se = close;
        while (se > hash && (is_blank(se[-1]) || se[-1] == '\n' || se[-1] == '\r'))
            se--;
        size_t n = (size_t)(se - hash);
        if (spec_is(hash, n, "#json")) {
            spec = STRSPEC_JSON;
        } else if (spec_is(hash, n, "#yaml")) {
            spec = STRSPEC_YAML;
        } else {
            struct span sp = {lx->src->id, lex_off(lx, elo), lex_off(lx, hi)};
            diags_add(lx->d, DIAG_ERROR, "E2L23", "CompileError", sp, true,
                      "%.*s is a invalid format spec", (int)n, (const char *)hash);
        }
    }
    if (elo >= hi) {
        lex_error_at(lx, p, close + 1, "string interpolation expression can not be empty");
        return;
    }
    flush_text(b, false);
    struct strpart *sp = &b->parts[b->nparts++];
    sp->kind = STRPART_EXPR;
    sp->text = NULL;
    sp->len = 0;
    sp->lo = lex_off(lx, lo);
    sp->hi = lex_off(lx, hi);
    sp->spec = spec;
}

/* Reads 'n' hex digits at 'p' (< e) into *cp. */
static bool read_hex(const unsigned char *p, const unsigned char *e, unsigned n, uint32_t *cp)
{
    uint32_t v = 0;
    if ((size_t)(e - p) < n)
        return false;
    for (unsigned i = 0; i < n; i++) {
        if (!is_hex(p[i]))
            return false;
        v = v << 4 | digit_value(p[i]);
    }
    *cp = v;
    return true;
}

_Static_assert(sizeof(struct strlit) % _Alignof(struct strpart) == 0,
               "a literal's parts follow it in its allocation");

/* Decodes the body [s, e) of a literal; NULL on memory exhaustion. */
static struct strlit *decode_string(struct lexer *lx, const unsigned char *s,
                                    const unsigned char *e, bool raw, bool triple)
{
    bool dedent = false;
    size_t width = 0;
    if (triple && memchr(s, '\n', (size_t)(e - s))) {
        dedent = true;
        if (s < e && *s == '\n')
            s++;
        else if (e - s >= 2 && s[0] == '\r' && s[1] == '\n')
            s += 2;
        width = dedent_width(s, e);
    }

    uint32_t nexpr = 0;
    if (!raw)
        for (const unsigned char *q = s; q + 1 < e && (q = memchr(q, '$', (size_t)(e - q))); q++)
            if (q + 1 < e && q[1] == '{')
                nexpr++;
    /* the literal, its parts and their text in one allocation (most literals are short:
     * three would each be rounded up to the arena's alignment) */
    struct strbuild b;
    b.cap = 2 * nexpr + 1;
    b.nparts = 0;
    struct strlit *lit = arena_alloc_fast(lx->a, sizeof *lit + (size_t)b.cap * sizeof *b.parts +
                                                     (size_t)(e - s) + 1);
    if (!lit)
        return NULL;
    memset(lit, 0, sizeof *lit);
    lit->raw = raw;
    lit->triple = triple;
    b.parts = (struct strpart *)(lit + 1);
    b.text = b.out = (unsigned char *)(b.parts + b.cap);

    const unsigned char *p = s;
    bool bol = dedent && width > 0;
    bool plain = !raw && nexpr == 0 && !memchr(s, '\\', (size_t)(e - s));
    if (plain && !bol) {
        /* nothing to decode and no dedent: the text is the body as it is */
        memcpy(b.out, p, (size_t)(e - p));
        b.out += e - p;
        p = e;
    }
    if (raw) {
        /* no escapes or interpolations: each line is its source bytes after the dedent */
        while (p < e) {
            if (bol)
                for (size_t i = 0; i < width && p < e && is_blank(*p); i++)
                    p++;
            const unsigned char *nl = memchr(p, '\n', (size_t)(e - p));
            const unsigned char *end = nl ? nl + 1 : e;
            memcpy(b.out, p, (size_t)(end - p));
            b.out += end - p;
            p = end;
            bol = dedent && width > 0;
        }
    }
    while (p < e) {
        if (bol) {
            bol = false;
            for (size_t i = 0; i < width && p < e && is_blank(*p); i++)
                p++;
            continue;
        }
        /* a run of bytes that are copied as they are (docstrings are mostly such runs): up to
         * the line's end when the literal has no escape and no interpolation */
        const unsigned char *run = p;
        if (plain) {
            run = memchr(p, '\n', (size_t)(e - p));
            if (!run)
                run = e;
        } else {
            while (run < e && *run != '\n' && *run != '$' && *run != '\\')
                run++;
        }
        if (run > p) {
            memcpy(b.out, p, (size_t)(run - p));
            b.out += run - p;
            p = run;
            continue;
        }
        unsigned char c = *p;
        if (c == '\n') {
            *b.out++ = c;
            p++;
            bol = dedent && width > 0;
            continue;
        }
        if (raw) {
            *b.out++ = c;
            p++;
            continue;
        }
        if (c == '$' && p + 1 < e && p[1] == '{') {
            const unsigned char *close = memchr(p + 2, '}', (size_t)(e - (p + 2)));
            if (!close) {
                lex_error_at(lx, p, e, "invalid joined string");
                *b.out++ = '$';
                *b.out++ = '{';
                p += 2;
                continue;
            }
            interpolation(lx, &b, p, close);
            p = close + 1;
            continue;
        }
        if (c != '\\') {
            *b.out++ = c;
            p++;
            continue;
        }
        if (p + 1 >= e) { /* only in an unterminated literal */
            *b.out++ = c;
            p++;
            continue;
        }
        unsigned char n = p[1];
        uint32_t cp;
        switch (n) {
        case '\n':
            p += 2;
            bol = dedent && width > 0;
            continue;
        case '\r':
            p += p + 2 < e && p[2] == '\n' ? 3 : 2;
            bol = dedent && width > 0;
            continue;
        case '\\': *b.out++ = '\\'; p += 2; continue;
        case '\'': *b.out++ = '\''; p += 2; continue;
        case '"': *b.out++ = '"'; p += 2; continue;
        case 'a': *b.out++ = '\a'; p += 2; continue;
        case 'b': *b.out++ = '\b'; p += 2; continue;
        case 'f': *b.out++ = '\f'; p += 2; continue;
        case 'n': *b.out++ = '\n'; p += 2; continue;
        case 'r': *b.out++ = '\r'; p += 2; continue;
        case 't': *b.out++ = '\t'; p += 2; continue;
        case 'v': *b.out++ = '\v'; p += 2; continue;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            const unsigned char *q = p + 1;
            cp = 0;
            for (int i = 0; i < 3 && q < e && *q >= '0' && *q <= '7'; i++, q++)
                cp = cp * 8 + (uint32_t)(*q - '0');
            b.out += utf8_put(b.out, cp);
            p = q;
            continue;
        }
        case 'x':
        case 'u':
        case 'U': {
            unsigned nd = n == 'x' ? 2 : n == 'u' ? 4 : 8;
            if (!read_hex(p + 2, e, nd, &cp) || cp > 0x10FFFF) {
                const unsigned char *q = p + 2;
                while (q < e && q < p + 2 + nd && is_hex(*q))
                    q++;
                lex_error_at(lx, p, q, "invalid string syntax");
                break; /* kept as written */
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD;
            b.out += utf8_put(b.out, cp);
            p += 2 + nd;
            continue;
        }
        case '$':
            if (p + 2 < e && p[2] == '{') {
                *b.out++ = '$';
                *b.out++ = '{';
                p += 3;
                continue;
            }
            break;
        default:
            break;
        }
        /* Any other escape is kept literally: the backslash, then 'n' as ordinary text. */
        *b.out++ = '\\';
        p++;
    }
    flush_text(&b, b.nparts == 0);
    lit->parts = b.parts;
    lit->nparts = b.nparts;
    for (uint32_t i = 0; i < b.nparts; i++)
        if (b.parts[i].kind == STRPART_EXPR)
            lit->has_expr = true;
    return lit;
}

/* {=====================================================================
 * Docstrings left undecoded
 *
 * A module's or schema's docstring is the bulk of a generated schema file's text (the
 * Kubernetes packages document every attribute there), and nothing evaluates it: only
 * `scl parse`/`scl doc` (ast_dump_json) print it decoded, and `scl fmt` prints it as
 * written. When a whole module is parsed, a triple-quoted literal that can only be a
 * docstring keeps its text in the source: its strlit has no parts (nparts 0) and
 * lex_decode_literal decodes it from its span when asked. It must be one whose decoding
 * reports nothing (raw, or neither '\\' nor "${" in it), standing alone on its line, and
 * where ast.c takes a docstring: the file's first token, or right after the INDENT of a
 * block whose header line starts with 'schema', 'mixin', 'protocol' or 'rule'. If the file
 * has syntax errors, parse_module decodes every such literal after all, since the tree
 * may then hold it elsewhere.
 * ====================================================================} */
static bool doc_position(const struct lexer *lx)
{
    const struct token *v = lx->toks;
    uint32_t i = lx->ntoks - 1; /* the STRING */
    if (i == 0)
        return lx->base == 0;
    if (lx->expr_mode || lx->nopens != 0 || v[i - 1].kind != TK_INDENT || i < 3 ||
        v[i - 2].kind != TK_NEWLINE || v[i - 3].kind != TK_COLON)
        return false;
    uint32_t h = i - 3;
    while (h > 0 && v[h - 1].kind != TK_NEWLINE && v[h - 1].kind != TK_INDENT &&
           v[h - 1].kind != TK_DEDENT)
        h--;
    int k = v[h].kind;
    return k == TK_SCHEMA || k == TK_MIXIN || k == TK_PROTOCOL || k == TK_RULE;
}

static bool lazy_doc(const struct lexer *lx, const unsigned char *body, const unsigned char *end,
                     bool raw, const unsigned char *after)
{
    while (after < lx->lim && (*after == ' ' || *after == '\t'))
        after++;
    if (after < lx->lim && *after != '\n' && *after != '\r' && *after != '#')
        return false;
    if (!doc_position(lx))
        return false;
    if (raw)
        return true;
    size_t n = (size_t)(end - body);
    if (memchr(body, '\\', n))
        return false;
    for (const unsigned char *q = body; (q = memchr(q, '$', (size_t)(end - q))); q++)
        if (q + 1 < end && q[1] == '{')
            return false;
    return true;
}

/* The strlit of a docstring left in the source: no parts. */
static struct strlit *undecoded(struct lexer *lx, bool raw)
{
    struct strlit *lit = arena_alloc(lx->a, sizeof *lit);
    if (!lit)
        return NULL;
    memset(lit, 0, sizeof *lit);
    lit->raw = raw;
    lit->triple = true;
    return lit;
}

struct strlit *lex_decode_literal(struct arena *a, const struct source *src, uint32_t lo,
                                  uint32_t hi)
{
    struct lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.a = lx.scratch = a;
    lx.src = src;
    lx.buf = (const unsigned char *)src->text;
    lx.lim = lx.buf + src->len;
    if (hi > src->len || lo > hi)
        return NULL;
    const unsigned char *p = lx.buf + lo, *e = lx.buf + hi;
    bool raw = p < e && (*p == 'r' || *p == 'R');
    if (raw)
        p++;
    if (p >= e)
        return NULL;
    unsigned char q = *p;
    bool triple = e - p >= 6 && p[1] == q && p[2] == q;
    size_t nq = triple ? 3 : 1;
    if ((size_t)(e - p) < 2 * nq)
        return NULL;
    return decode_string(&lx, p + nq, e - nq, raw, triple);
}

/* The value of the literal whose body is [body, end) and which ends before 'after'. */
static const struct strlit *string_value(struct lexer *lx, const unsigned char *body,
                                         const unsigned char *end, bool raw, bool triple,
                                         const unsigned char *after)
{
    if (lx->lazy_docs && triple && after == end + 3 && lazy_doc(lx, body, end, raw, after))
        return undecoded(lx, raw);
    return decode_string(lx, body, end, raw, triple);
}

/* Scans the literal at 't' (optional r/R prefix, then a quote) and emits STRING. */
static const unsigned char *lex_string(struct lexer *lx, const unsigned char *t)
{
    const unsigned char *lim = lx->lim, *p = t;
    bool raw = false;
    if (*p == 'r' || *p == 'R') {
        raw = true;
        p++;
    }
    const unsigned char *quote_at = p;
    unsigned char q = *p++;
    bool triple = false;
    if (p[0] == q && p[1] == q) { /* p[0] == q implies p < lim, so p[1] is readable */
        triple = true;
        p += 2;
    }
    const unsigned char *body = p, *body_end = NULL;
    if (triple) {
        /* Line breaks do not end it, so only quotes and backslashes matter: memchr finds
         * the next of each (each search starts past the previous hit, so the scan stays
         * linear whatever the text). */
        const unsigned char *qa = NULL, *bs = NULL;
        while (p < lim) {
            if (!qa || qa < p) {
                qa = memchr(p, q, (size_t)(lim - p));
                if (!qa)
                    qa = lim;
            }
            if (!bs || bs < p) {
                bs = memchr(p, '\\', (size_t)(lim - p));
                if (!bs)
                    bs = lim;
            }
            if (bs < qa) {
                p = bs;
                if (p + 2 < lim && p[1] == '\r' && p[2] == '\n')
                    p += 3;
                else if (p + 1 < lim && (p[1] == '\\' || p[1] == q || p[1] == '\n' || p[1] == '\r'))
                    p += 2;
                else
                    p++;
                continue;
            }
            p = qa;
            if (p >= lim)
                break;
            if (p[1] == q && p[2] == q) {
                body_end = p;
                p += 3;
                break;
            }
            p++;
        }
    }
    while (!triple && p < lim) {
        unsigned char c = *p;
        if (c == '\\') {
            if (p + 2 < lim && p[1] == '\r' && p[2] == '\n') {
                p += 3;
                continue;
            }
            if (p + 1 < lim && (p[1] == '\\' || p[1] == q || p[1] == '\n' || p[1] == '\r')) {
                p += 2;
                continue;
            }
            p++;
            continue;
        }
        if (c == q) {
            if (!triple) {
                body_end = p++;
                break;
            }
            if (p[1] == q && p[2] == q) {
                body_end = p;
                p += 3;
                break;
            }
            p++;
            continue;
        }
        if ((c == '\n' || c == '\r') && !triple)
            break;
        p++;
    }
    if (!body_end) {
        body_end = p;
        lex_error_at(lx, quote_at, p, "unterminated string");
    }
    struct token *tok = emit(lx, TK_STRING, t, p);
    const struct strlit *lit = string_value(lx, body, body_end, raw, triple, p);
    if (!lit)
        lx->oom = true;
    tok->v.str = lit;
    return p;
}

/* {=====================================================================
 * The scanner
 * ====================================================================}
 */

static void lex_run(struct lexer *lx)
{
    const unsigned char *p = lx->buf, *lim = lx->lim, *m = p;
    bool at_line_start = !lx->expr_mode;

    while (!lx->oom) {
        if (at_line_start) {
            uint32_t tabs = 0, spaces = 0;
            const unsigned char *q = p;
            for (; q < lim; q++) {
                if (*q == ' ')
                    spaces++;
                else if (*q == '\t')
                    tabs++;
                else if (*q != '\f' && *q != '\v')
                    break;
            }
            if (q >= lim) {
                p = q;
                break;
            }
            if (*q == '\n' || *q == '\r') { /* blank line (LF, CRLF or CR) */
                p = q + (q[0] == '\r' && q[1] == '\n' ? 2 : 1);
                continue;
            }
            if (*q == '#') { /* comment-only line; its end is a blank line next round */
                const unsigned char *hash = q;
                while (q < lim && *q != '\n' && *q != '\r')
                    q++;
                lex_comment(lx, hash, q);
                p = q;
                continue;
            }
            at_line_start = false;
            indent_line(lx, tabs, spaces, lex_off(lx, q));
            p = q;
        }

        /* runs of spaces (indentation inside brackets, alignment, the blanks around '=')
         * are skipped before the automaton sees them: eight bytes at a time, then singly
         * (the NUL sentinel at 'lim' ends the loop); a round of the automaton for a lone
         * space costs more than the token after it */
        while (lim - p >= 8 && !memcmp(p, "        ", 8))
            p += 8;
        while (*p == ' ')
            p++;
        const unsigned char *t = p;
        /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:define:YYCURSOR = p;
        re2c:define:YYMARKER = m;
        re2c:define:YYLIMIT = lim;
        re2c:yyfill:enable = 0;
        re2c:eof = 0;

        id_start = [a-zA-Z_\x80-\xff];
        id_cont  = [a-zA-Z0-9_\x80-\xff];

        $ { goto eof; }

        * {
            lex_error_at(lx, t, p, "unknown start of token");
            continue;
        }

        [ \t\f\v]+ { continue; }

        "\r"? "\n" | "\r" {
            if (!lx->expr_mode && lx->nopens == 0) {
                if (lx->line_has_tokens)
                    emit(lx, TK_NEWLINE, t, p);
                lx->line_has_tokens = false;
                at_line_start = true;
            }
            continue;
        }

        "#" [^\n\r]* { lex_comment(lx, t, p); continue; }

        "\\" ("\r"? "\n" | "\r") { continue; }
        "\\" {
            if (p < lim)
                lex_error_at(lx, t, p, "unexpected character after line continuation character");
            continue;
        }

        "True"      { emit_kw(lx, TK_TRUE, "True", t, p); continue; }
        "False"     { emit_kw(lx, TK_FALSE, "False", t, p); continue; }
        "None"      { emit_kw(lx, TK_NONE, "None", t, p); continue; }
        "Undefined" { emit_kw(lx, TK_UNDEFINED, "Undefined", t, p); continue; }
        "import"    { emit_kw(lx, TK_IMPORT, "import", t, p); continue; }
        "as"        { emit_kw(lx, TK_AS, "as", t, p); continue; }
        "if"        { emit_kw(lx, TK_IF, "if", t, p); continue; }
        "elif"      { emit_kw(lx, TK_ELIF, "elif", t, p); continue; }
        "else"      { emit_kw(lx, TK_ELSE, "else", t, p); continue; }
        "for"       { emit_kw(lx, TK_FOR, "for", t, p); continue; }
        "in"        { emit_kw(lx, TK_IN, "in", t, p); continue; }
        "is"        { emit_kw(lx, TK_IS, "is", t, p); continue; }
        "not"       { emit_kw(lx, TK_NOT, "not", t, p); continue; }
        "and"       { emit_kw(lx, TK_AND, "and", t, p); continue; }
        "or"        { emit_kw(lx, TK_OR, "or", t, p); continue; }
        "schema"    { emit_kw(lx, TK_SCHEMA, "schema", t, p); continue; }
        "mixin"     { emit_kw(lx, TK_MIXIN, "mixin", t, p); continue; }
        "protocol"  { emit_kw(lx, TK_PROTOCOL, "protocol", t, p); continue; }
        "check"     { emit_kw(lx, TK_CHECK, "check", t, p); continue; }
        "assert"    { emit_kw(lx, TK_ASSERT, "assert", t, p); continue; }
        "rule"      { emit_kw(lx, TK_RULE, "rule", t, p); continue; }
        "lambda"    { emit_kw(lx, TK_LAMBDA, "lambda", t, p); continue; }
        "all"       { emit_kw(lx, TK_ALL, "all", t, p); continue; }
        "any"       { emit_kw(lx, TK_ANY, "any", t, p); continue; }
        "map"       { emit_kw(lx, TK_MAP, "map", t, p); continue; }
        "filter"    { emit_kw(lx, TK_FILTER, "filter", t, p); continue; }
        "type" {
            emit_name(lx, t, p);
            if (lx->ntoks) {
                lx->toks[lx->ntoks - 1].suffix = TYPE_CANDIDATE;
                lx->type_candidates = true;
            }
            continue;
        }

        id_start id_cont*     { emit_name(lx, t, p); continue; }
        "$" id_start id_cont* { emit_name(lx, t + 1, p); continue; }

        [0-9]      { p = lex_number(lx, t); continue; }
        [rR]? ['"] { p = lex_string(lx, t); continue; }

        "("  { open_bracket(lx, TK_LPAREN, '(', t, p); continue; }
        "["  { open_bracket(lx, TK_LBRACKET, '[', t, p); continue; }
        "{"  { open_bracket(lx, TK_LBRACE, '{', t, p); continue; }
        "?[" { open_bracket(lx, TK_QLBRACKET, '[', t, p); continue; }
        ")"  { close_bracket(lx, ')', t, p); continue; }
        "]"  { close_bracket(lx, ']', t, p); continue; }
        "}"  { close_bracket(lx, '}', t, p); continue; }

        "+"   { emit(lx, TK_PLUS, t, p); continue; }
        "-"   { emit(lx, TK_MINUS, t, p); continue; }
        "*"   { emit(lx, TK_STAR, t, p); continue; }
        "**"  { emit(lx, TK_POW, t, p); continue; }
        "/"   { emit(lx, TK_SLASH, t, p); continue; }
        "//"  { emit(lx, TK_FLOORDIV, t, p); continue; }
        "%"   { emit(lx, TK_PERCENT, t, p); continue; }
        "<<"  { emit(lx, TK_LSHIFT, t, p); continue; }
        ">>"  { emit(lx, TK_RSHIFT, t, p); continue; }
        "&"   { emit(lx, TK_AMP, t, p); continue; }
        "|"   { emit(lx, TK_PIPE, t, p); continue; }
        "^"   { emit(lx, TK_CARET, t, p); continue; }
        "~"   { emit(lx, TK_TILDE, t, p); continue; }
        "<"   { emit(lx, TK_LT, t, p); continue; }
        ">"   { emit(lx, TK_GT, t, p); continue; }
        "<="  { emit(lx, TK_LE, t, p); continue; }
        ">="  { emit(lx, TK_GE, t, p); continue; }
        "=="  { emit(lx, TK_EQ, t, p); continue; }
        "!="  { emit(lx, TK_NE, t, p); continue; }
        "="   { emit(lx, TK_ASSIGN, t, p); continue; }
        "+="  { emit(lx, TK_PLUSEQ, t, p); continue; }
        "-="  { emit(lx, TK_MINUSEQ, t, p); continue; }
        "*="  { emit(lx, TK_STAREQ, t, p); continue; }
        "**=" { emit(lx, TK_POWEQ, t, p); continue; }
        "/="  { emit(lx, TK_SLASHEQ, t, p); continue; }
        "//=" { emit(lx, TK_FLOORDIVEQ, t, p); continue; }
        "%="  { emit(lx, TK_PERCENTEQ, t, p); continue; }
        "<<=" { emit(lx, TK_LSHIFTEQ, t, p); continue; }
        ">>=" { emit(lx, TK_RSHIFTEQ, t, p); continue; }
        "&="  { emit(lx, TK_AMPEQ, t, p); continue; }
        "|="  { emit(lx, TK_PIPEEQ, t, p); continue; }
        "^="  { emit(lx, TK_CARETEQ, t, p); continue; }
        ","   { emit(lx, TK_COMMA, t, p); continue; }
        ":"   { emit(lx, TK_COLON, t, p); continue; }
        "."   { emit(lx, TK_DOT, t, p); continue; }
        "?."  { emit(lx, TK_QDOT, t, p); continue; }
        "..." { emit(lx, TK_ELLIPSIS, t, p); continue; }
        "->"  { emit(lx, TK_ARROW, t, p); continue; }
        "@"   { emit(lx, TK_AT, t, p); continue; }
        "?"   { emit(lx, TK_QUESTION, t, p); continue; }

        "!" {
            lex_error_at(lx, t, p, "invalid token '!', consider using 'not'");
            emit_kw(lx, TK_NOT, "not", t, p);
            continue;
        }
        ";" {
            lex_error_at(lx, t, p, "the semicolon ';' here is unnecessary, please remove it");
            continue;
        }
        "$" {
            lex_error_at(lx, t, p, "unknown start of token");
            continue;
        }
        */
    }
eof:
    return;
}

/* `type` is a keyword only where a type alias statement starts: first token of a logical
 * line, followed by a name and '='. */
static void mark_type_aliases(struct lexer *lx)
{
    struct token *v = lx->toks;
    if (!lx->type_candidates)
        return;
    for (uint32_t i = 0; i < lx->ntoks; i++) {
        if (v[i].kind != TK_NAME || v[i].suffix != TYPE_CANDIDATE)
            continue;
        v[i].suffix = UNIT_NONE;
        bool first = i == 0 || v[i - 1].kind == TK_NEWLINE || v[i - 1].kind == TK_INDENT ||
                     v[i - 1].kind == TK_DEDENT;
        if (!lx->expr_mode && first && i + 2 < lx->ntoks && v[i + 1].kind == TK_NAME &&
            v[i + 2].kind == TK_ASSIGN)
            v[i].kind = TK_TYPE;
    }
}

bool lex_tokens(struct arena *a, struct arena *scratch, const struct source *src, uint32_t lo,
                uint32_t hi, bool expr_mode, struct diags *d, struct token **out, uint32_t *nout)
{
    return lex_tokens_comments(a, scratch, src, lo, hi, expr_mode, d, out, nout, NULL);
}

static bool lex_all(struct arena *a, struct arena *scratch, const struct source *src, uint32_t lo,
                    uint32_t hi, bool expr_mode, struct diags *d, struct token **out,
                    uint32_t *nout, struct comments *comments, bool lazy_docs)
{
    struct lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.lazy_docs = lazy_docs;
    lx.comments = comments;
    lx.a = a;
    lx.scratch = scratch ? scratch : a;
    lx.src = src;
    lx.d = d;
    lx.expr_mode = expr_mode;
    *out = NULL;
    *nout = 0;

    if (hi > src->len)
        hi = src->len;
    if (lo > hi)
        lo = hi;
    lx.base = lo;
    if (hi == src->len) {
        lx.buf = (const unsigned char *)src->text + lo;
    } else {
        /* re2c needs the NUL sentinel right at the end of the range. */
        char *copy = arena_strndup(lx.scratch, src->text + lo, hi - lo);
        if (!copy)
            return false;
        lx.buf = (const unsigned char *)copy;
    }
    lx.lim = lx.buf + (hi - lo);

    void *v = NULL;
    if (!lex_reserve(&lx, &v, &lx.caplevels, sizeof *lx.levels, 8))
        return false;
    lx.levels = v;
    lx.levels[0].tabs = lx.levels[0].spaces = 0;
    lx.nlevels = 1;
    v = NULL;
    /* A token per four bytes at most (in practice one per eight). For a big file the array
     * is made big enough for the arena to map it as 2 MB pages: one page fault per 2 MB of
     * tokens instead of one per 4 KB. */
    uint32_t want = (hi - lo) / 4 + 16;
    if ((size_t)want * sizeof *lx.toks >= TOKS_HUGE / 2 &&
        (size_t)want * sizeof *lx.toks < TOKS_HUGE)
        want = (uint32_t)(TOKS_HUGE / sizeof *lx.toks);
    if (!lex_reserve(&lx, &v, &lx.captoks, sizeof *lx.toks, want))
        return false;
    lx.toks = v;

    lex_run(&lx);

    if (!expr_mode) {
        if (lx.line_has_tokens)
            emit_off(&lx, TK_NEWLINE, hi, hi);
        while (lx.nlevels > 1) {
            lx.nlevels--;
            emit_off(&lx, TK_DEDENT, hi, hi);
        }
    }
    mark_type_aliases(&lx);
    uint32_t n = lx.ntoks;
    emit_off(&lx, 0, hi, hi);
    if (lx.oom)
        return false;
    *out = lx.toks;
    *nout = n;
    return true;
}

bool lex_tokens_comments(struct arena *a, struct arena *scratch, const struct source *src,
                         uint32_t lo, uint32_t hi, bool expr_mode, struct diags *d,
                         struct token **out, uint32_t *nout, struct comments *comments)
{
    return lex_all(a, scratch, src, lo, hi, expr_mode, d, out, nout, comments, false);
}

bool lex_module_tokens(struct arena *a, struct arena *scratch, const struct source *src,
                       struct diags *d, struct token **out, uint32_t *nout, struct comments *c)
{
    return lex_all(a, scratch, src, 0, src->len, false, d, out, nout, c, true);
}
