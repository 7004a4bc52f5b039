/* Unit tests of the lexer (lang/lexer.re): token kinds, values, strings, errors. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"
#include "lang/parser.h"

/* {=====================================================================
 * Harness
 * ====================================================================}
 */

static const char *const kind_names[] = {
    "EOF",      "NEWLINE",    "INDENT",   "DEDENT", "NAME",    "INT",        "FLOAT",
    "STRING",   "EXPR_START", "TRUE",     "FALSE",  "NONE",    "UNDEFINED",  "IMPORT",
    "AS",       "IF",         "ELIF",     "ELSE",   "FOR",     "IN",         "IS",
    "NOT",      "AND",        "OR",       "SCHEMA", "MIXIN",   "PROTOCOL",   "CHECK",
    "ASSERT",   "RULE",       "LAMBDA",   "ALL",    "ANY",     "MAP",        "FILTER",
    "TYPE",     "PLUS",       "MINUS",    "STAR",   "POW",     "SLASH",      "FLOORDIV",
    "PERCENT",  "LSHIFT",     "RSHIFT",   "AMP",    "PIPE",    "CARET",      "TILDE",
    "LT",       "GT",         "LE",       "GE",     "EQ",      "NE",         "ASSIGN",
    "PLUSEQ",   "MINUSEQ",    "STAREQ",   "POWEQ",  "SLASHEQ", "FLOORDIVEQ", "PERCENTEQ",
    "LSHIFTEQ", "RSHIFTEQ",   "AMPEQ",    "PIPEEQ", "CARETEQ", "LPAREN",     "RPAREN",
    "LBRACKET", "RBRACKET",   "LBRACE",   "RBRACE", "COMMA",   "COLON",      "DOT",
    "QDOT",     "QLBRACKET",  "ELLIPSIS", "ARROW",  "AT",      "QUESTION",
};

static const char *kind_name(int k)
{
    if (k >= 0 && (size_t)k < sizeof kind_names / sizeof kind_names[0])
        return kind_names[k];
    return "?";
}

/* One lexed input: everything lives in 'arena'. */
struct lexed {
    struct arena arena;
    struct source_map sm;
    struct source *src;
    struct diags d;
    struct token *toks;
    uint32_t n;
    bool ok;
};

static void lex_buf(struct lexed *L, const char *text, size_t len, bool expr_mode)
{
    arena_init(&L->arena, NULL, NULL);
    source_map_init(&L->sm, &L->arena);
    L->src = source_map_add(&L->sm, "/t/main.k", text, len);
    ck_assert_ptr_nonnull(L->src);
    diags_init(&L->d, &L->arena);
    L->ok = lex_tokens(&L->arena, NULL, L->src, 0, L->src->len, expr_mode, &L->d, &L->toks, &L->n);
    ck_assert(L->ok);
    ck_assert_int_eq(L->toks[L->n].kind, 0);
}

static void lex_str(struct lexed *L, const char *text, bool expr_mode)
{
    lex_buf(L, text, strlen(text), expr_mode);
}

static void lexed_free(struct lexed *L)
{
    arena_free(&L->arena);
}

/* "NAME ASSIGN INT NEWLINE" (the terminator left out). */
static void kinds_string(const struct lexed *L, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < L->n && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", kind_name(L->toks[i].kind));
}

/* Asserts that some error message contains 'want' (NULL: nothing to check). */
static void check_error(const struct lexed *L, const char *want, const char *input)
{
    if (!want)
        return;
    for (unsigned i = 0; i < L->d.n; i++)
        if (strstr(L->d.v[i]->message, want))
            return;
    ck_abort_msg("input %s: no error containing \"%s\" (%u errors%s%s)", input, want, L->d.n,
                 L->d.n ? ", first: " : "", L->d.n ? L->d.v[0]->message : "");
}

/* {=====================================================================
 * Token kind sequences
 * ====================================================================}
 */

struct kinds_case {
    const char *input;
    const char *want;
    unsigned nerrors;
    const char *error; /* substring of some error message, or NULL */
};

static const struct kinds_case kinds_cases[] = {
    /* logical lines */
    {"", "", 0, NULL},
    {"\n\n# only a comment\n   \n", "", 0, NULL},
    {"a = 1", "NAME ASSIGN INT NEWLINE", 0, NULL},
    {"a = 1\n", "NAME ASSIGN INT NEWLINE", 0, NULL},
    {"a = 1  # trailing comment\n", "NAME ASSIGN INT NEWLINE", 0, NULL},
    {"a # comment at EOF", "NAME NEWLINE", 0, NULL},
    {"a\n\n\nb\n", "NAME NEWLINE NAME NEWLINE", 0, NULL},
    {"a\r\nb\r\n", "NAME NEWLINE NAME NEWLINE", 0, NULL},
    {"a\rb\r", "NAME NEWLINE NAME NEWLINE", 0, NULL},
    /* blocks */
    {"if a:\n    b = 1\nc = 2\n",
     "IF NAME COLON NEWLINE INDENT NAME ASSIGN INT NEWLINE DEDENT NAME ASSIGN INT NEWLINE", 0,
     NULL},
    {"if a:\n  if b:\n    c\nd\n",
     "IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT NAME NEWLINE DEDENT DEDENT NAME "
     "NEWLINE",
     0, NULL},
    {"if a:\n  if b:\n    if c:\n      d\n  e\nf\n",
     "IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT NAME "
     "NEWLINE DEDENT DEDENT NAME NEWLINE DEDENT NAME NEWLINE",
     0, NULL},
    {"if a:\n  if b:\n    c", /* EOF closes every level */
     "IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT NAME NEWLINE DEDENT DEDENT", 0,
     NULL},
    {"schema A:\n    x: int\n\n    # comment\n  # odd comment\n        \n    y: int\n",
     "SCHEMA NAME COLON NEWLINE INDENT NAME COLON NAME NEWLINE NAME COLON NAME NEWLINE DEDENT", 0,
     NULL},
    {"if a:\r\n  b\r\n\r\nc\r\n", "IF NAME COLON NEWLINE INDENT NAME NEWLINE DEDENT NAME NEWLINE",
     0, NULL},
    {"  a = 1\n", "INDENT NAME ASSIGN INT NEWLINE DEDENT", 0, NULL},
    /* tabs */
    {"if a:\n\tb\n\tc\nd\n",
     "IF NAME COLON NEWLINE INDENT NAME NEWLINE NAME NEWLINE DEDENT NAME NEWLINE", 0, NULL},
    {"if a:\n\tif b:\n\t  c\nd\n",
     "IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT NAME NEWLINE DEDENT DEDENT NAME "
     "NEWLINE",
     0, NULL},
    {"schema P:\n    a: int\n\tb: int\n",
     "SCHEMA NAME COLON NEWLINE INDENT NAME COLON NAME NEWLINE NAME COLON NAME NEWLINE DEDENT", 1,
     "inconsistent use of tabs and spaces in indentation"},
    {"if a:\n\t  b\n   c\n", "IF NAME COLON NEWLINE INDENT NAME NEWLINE NAME NEWLINE DEDENT", 1,
     "inconsistent use of tabs and spaces in indentation"},
    /* invalid dedents */
    {"if a:\n    b\n  c\n", "IF NAME COLON NEWLINE INDENT NAME NEWLINE NAME NEWLINE DEDENT", 1,
     "invalid indentation with 2 spaces, try to align indents by adding or removing spaces"},
    {"if a:\n  b\n c\n", "IF NAME COLON NEWLINE INDENT NAME NEWLINE NAME NEWLINE DEDENT", 1,
     "invalid indentation with 1 space, try"},
    {"schema Person:\n    name: str\n   age: int\n  info: str\n",
     "SCHEMA NAME COLON NEWLINE INDENT NAME COLON NAME NEWLINE NAME COLON NAME NEWLINE NAME COLON "
     "NAME NEWLINE DEDENT",
     2, "invalid indentation with 3 spaces"},
    {"if a:\n  if b:\n    if c:\n        d\n   e\n",
     "IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT IF NAME COLON NEWLINE INDENT NAME "
     "NEWLINE DEDENT NAME NEWLINE DEDENT DEDENT",
     1, "invalid indentation with 1 space,"},
    /* continuation */
    {"a = 1 + \\\n    2\nb\n", "NAME ASSIGN INT PLUS INT NEWLINE NAME NEWLINE", 0, NULL},
    {"if a and \\\n        b:\n    c\n",
     "IF NAME AND NAME COLON NEWLINE INDENT NAME NEWLINE DEDENT", 0, NULL},
    {"a = 1 + \\\r\n 2\n", "NAME ASSIGN INT PLUS INT NEWLINE", 0, NULL},
    {"a\\", "NAME NEWLINE", 0, NULL},
    {"a = 1 \\ 2\n", "NAME ASSIGN INT INT NEWLINE", 1,
     "unexpected character after line continuation character"},
    /* brackets */
    {"a = [1,\n  2\n    3]\nb = {\n  x: 1\n}\n",
     "NAME ASSIGN LBRACKET INT COMMA INT INT RBRACKET NEWLINE NAME ASSIGN LBRACE NAME COLON INT "
     "RBRACE NEWLINE",
     0, NULL},
    {"if a:\n    f(\n  # comment\n\nx,\n        y)\n    b\n",
     "IF NAME COLON NEWLINE INDENT NAME LPAREN NAME COMMA NAME RPAREN NEWLINE NAME NEWLINE DEDENT",
     0, NULL},
    {"a = (1]\n", "NAME ASSIGN LPAREN INT RPAREN NEWLINE", 1,
     "closing parenthesis ']' does not match opening parenthesis '('"},
    {"a = (\n  1]\nb\n", "NAME ASSIGN LPAREN INT RPAREN NEWLINE NAME NEWLINE", 1,
     "closing parenthesis ']' does not match opening parenthesis '(' on line 1"},
    {"f(a[1)\nb\n", "NAME LPAREN NAME LBRACKET INT RPAREN NEWLINE NAME NEWLINE", 1,
     "closing parenthesis ')' does not match opening parenthesis '['"},
    {"a)\n", "NAME RPAREN NEWLINE", 1, "unmatched ')'"},
    {"a = [1,\n", "NAME ASSIGN LBRACKET INT COMMA NEWLINE", 0, NULL},
    {"a?[0]?.b\n", "NAME QLBRACKET INT RBRACKET QDOT NAME NEWLINE", 0, NULL},
    {"x = a?[\n0]\n", "NAME ASSIGN NAME QLBRACKET INT RBRACKET NEWLINE", 0, NULL},
    /* strings spanning lines */
    {"a = '''x\n  y'''\nb\n", "NAME ASSIGN STRING NEWLINE NAME NEWLINE", 0, NULL},
    {"a = 'abc\nb = 1\n", "NAME ASSIGN STRING NEWLINE NAME ASSIGN INT NEWLINE", 1,
     "unterminated string"},
    {"a = '''abc\n", "NAME ASSIGN STRING NEWLINE", 1, "unterminated string"},
    {"a = \"abc\\\"\n", "NAME ASSIGN STRING NEWLINE", 1, "unterminated string"},
    {"s = '''a''''b'\n", "NAME ASSIGN STRING STRING NEWLINE", 0, NULL},
    {"'''a'''''", "STRING STRING NEWLINE", 0, NULL},
    /* operators and delimiters */
    {"+ += - -= -> * *= ** **= / /= // //= % %= << <<= >> >>= & &= | |= ^ ^= ~",
     "PLUS PLUSEQ MINUS MINUSEQ ARROW STAR STAREQ POW POWEQ SLASH SLASHEQ FLOORDIV FLOORDIVEQ "
     "PERCENT PERCENTEQ LSHIFT LSHIFTEQ RSHIFT RSHIFTEQ AMP AMPEQ PIPE PIPEEQ CARET CARETEQ TILDE "
     "NEWLINE",
     0, NULL},
    {"< <= > >= == != = , : . ... ?. ? @ ( ) [ ] { }",
     "LT LE GT GE EQ NE ASSIGN COMMA COLON DOT ELLIPSIS QDOT QUESTION AT LPAREN RPAREN LBRACKET "
     "RBRACKET LBRACE RBRACE NEWLINE",
     0, NULL},
    {"a..b", "NAME DOT DOT NAME NEWLINE", 0, NULL},
    {"x: int?\n", "NAME COLON NAME QUESTION NEWLINE", 0, NULL},
    {"!a\n", "NOT NAME NEWLINE", 1, "invalid token '!', consider using 'not'"},
    {"a = 1;\n", "NAME ASSIGN INT NEWLINE", 1, "the semicolon ';' here is unnecessary"},
    {"a ` b\n", "NAME NAME NEWLINE", 1, "unknown start of token"},
    {"a = $ b\n", "NAME ASSIGN NAME NEWLINE", 1, "unknown start of token"},
    /* keywords and names */
    {"True False None Undefined import as if elif else for in is not and or",
     "TRUE FALSE NONE UNDEFINED IMPORT AS IF ELIF ELSE FOR IN IS NOT AND OR NEWLINE", 0, NULL},
    {"schema mixin protocol check assert rule lambda all any map filter",
     "SCHEMA MIXIN PROTOCOL CHECK ASSERT RULE LAMBDA ALL ANY MAP FILTER NEWLINE", 0, NULL},
    {"Truex iff _if if_ $if $True $schema", "NAME NAME NAME NAME NAME NAME NAME NEWLINE", 0, NULL},
    {"int float str bool", "NAME NAME NAME NAME NEWLINE", 0, NULL},
    /* `type` */
    {"type X = int | str\n", "TYPE NAME ASSIGN NAME PIPE NAME NEWLINE", 0, NULL},
    {"type = 1\n", "NAME ASSIGN INT NEWLINE", 0, NULL},
    {"x = type\n", "NAME ASSIGN NAME NEWLINE", 0, NULL},
    {"x.type = 1\n", "NAME DOT NAME ASSIGN INT NEWLINE", 0, NULL},
    {"type: str = \"a\"\n", "NAME COLON NAME ASSIGN STRING NEWLINE", 0, NULL},
    {"$type X = int\n", "NAME NAME ASSIGN NAME NEWLINE", 0, NULL},
    {"if a:\n    type T = str\ntype U = T\n",
     "IF NAME COLON NEWLINE INDENT TYPE NAME ASSIGN NAME NEWLINE DEDENT TYPE NAME ASSIGN NAME "
     "NEWLINE",
     0, NULL},
    {"a = type X = 1\n", "NAME ASSIGN NAME NAME ASSIGN INT NEWLINE", 0, NULL},
    /* numbers next to dots */
    {"1.e3", "INT DOT NAME NEWLINE", 0, NULL},
    {".5", "DOT INT NEWLINE", 0, NULL},
    {"1..2", "INT DOT DOT INT NEWLINE", 0, NULL},
    {"a.0.b", "NAME DOT INT DOT NAME NEWLINE", 0, NULL},
    {"1.real", "INT DOT NAME NEWLINE", 0, NULL},
    {"x[1:2]", "NAME LBRACKET INT COLON INT RBRACKET NEWLINE", 0, NULL},
};

START_TEST(test_kinds)
{
    const struct kinds_case *c = &kinds_cases[_i];
    struct lexed L;
    char got[2048];
    lex_str(&L, c->input, false);
    kinds_string(&L, got, sizeof got);
    ck_assert_msg(strcmp(got, c->want) == 0, "input %s:\n got  %s\n want %s", c->input, got,
                  c->want);
    ck_assert_msg(L.d.n == c->nerrors, "input %s: %u errors, want %u (first: %s)", c->input, L.d.n,
                  c->nerrors, L.d.n ? L.d.v[0]->message : "-");
    check_error(&L, c->error, c->input);
    lexed_free(&L);
}
END_TEST

/* Expression mode: no NEWLINE/INDENT/DEDENT at all. */
static const struct kinds_case expr_cases[] = {
    {"a + b", "NAME PLUS NAME", 0, NULL},
    {"a +\n    b\n", "NAME PLUS NAME", 0, NULL},
    {"\n  a\n b\n", "NAME NAME", 0, NULL},
    {"f(x)[0] if c else d", "NAME LPAREN NAME RPAREN LBRACKET INT RBRACKET IF NAME ELSE NAME", 0,
     NULL},
    {"type X = 1", "NAME NAME ASSIGN INT", 0, NULL},
    {"", "", 0, NULL},
    {"a # c", "NAME", 0, NULL},
};

START_TEST(test_expr_mode)
{
    const struct kinds_case *c = &expr_cases[_i];
    struct lexed L;
    char got[1024];
    lex_str(&L, c->input, true);
    kinds_string(&L, got, sizeof got);
    ck_assert_msg(strcmp(got, c->want) == 0, "input %s:\n got  %s\n want %s", c->input, got,
                  c->want);
    ck_assert_uint_eq(L.d.n, c->nerrors);
    lexed_free(&L);
}
END_TEST

/* {=====================================================================
 * Token spans, names
 * ====================================================================}
 */

START_TEST(test_spans)
{
    /*                 0123456789012345678 9 */
    const char *text = "if a:\n    $if = 1\n";
    struct lexed L;
    lex_str(&L, text, false);
    static const struct {
        int kind;
        uint32_t lo, hi;
    } want[] = {
        {TK_IF, 0, 2},        {TK_NAME, 3, 4},     {TK_COLON, 4, 5},    {TK_NEWLINE, 5, 6},
        {TK_INDENT, 10, 10},  {TK_NAME, 11, 13},   {TK_ASSIGN, 14, 15}, {TK_INT, 16, 17},
        {TK_NEWLINE, 17, 18}, {TK_DEDENT, 18, 18}, {0, 18, 18},
    };
    ck_assert_uint_eq(L.n + 1, sizeof want / sizeof want[0]);
    for (uint32_t i = 0; i <= L.n; i++) {
        ck_assert_int_eq(L.toks[i].kind, want[i].kind);
        ck_assert_uint_eq(L.toks[i].lo, want[i].lo);
        ck_assert_uint_eq(L.toks[i].hi, want[i].hi);
    }
    ck_assert_str_eq(L.toks[1].v.name, "a");
    ck_assert_str_eq(L.toks[5].v.name, "if");
    lexed_free(&L);
}
END_TEST

START_TEST(test_error_spans)
{
    struct lexed L;
    lex_str(&L, "schema P:\n    a: int\n   b: int\n\tc: int\n", false);
    ck_assert_uint_eq(L.d.n, 2);
    ck_assert_uint_eq(L.d.v[0]->labels[0].span.lo, 24); /* the 'b' */
    ck_assert_uint_eq(L.d.v[1]->labels[0].span.lo, 32); /* the 'c' after the tab */
    ck_assert_str_eq(L.d.v[0]->code, "E1001");
    ck_assert_str_eq(L.d.v[0]->kind, "InvalidSyntax");
    lexed_free(&L);

    lex_str(&L, "x = 1ni\n", false);
    ck_assert_uint_eq(L.d.n, 1);
    ck_assert_uint_eq(L.d.v[0]->labels[0].span.lo, 4);
    lexed_free(&L);
}
END_TEST

struct name_case {
    const char *input;
    const char *name;
    uint32_t lo, hi;
};

static const struct name_case name_cases[] = {
    {"abc", "abc", 0, 3},
    {"_private1", "_private1", 0, 9},
    {"$if", "if", 1, 3},
    {"$schema", "schema", 1, 7},
    {"$abc", "abc", 1, 4},
    {"caf\xc3\xa9", "caf\xc3\xa9", 0, 5},
    {"\xe5\x90\x8d\xe5\xad\x97", "\xe5\x90\x8d\xe5\xad\x97", 0, 6},
    {"type", "type", 0, 4},
    {"  x1_y2  ", "x1_y2", 2, 7},
};

START_TEST(test_names)
{
    const struct name_case *c = &name_cases[_i];
    struct lexed L;
    lex_str(&L, c->input, true);
    ck_assert_uint_eq(L.n, 1);
    ck_assert_int_eq(L.toks[0].kind, TK_NAME);
    ck_assert_str_eq(L.toks[0].v.name, c->name);
    ck_assert_uint_eq(L.toks[0].lo, c->lo);
    ck_assert_uint_eq(L.toks[0].hi, c->hi);
    ck_assert_uint_eq(L.d.n, 0);
    lexed_free(&L);
}
END_TEST

/* {=====================================================================
 * Numbers
 * ====================================================================}
 */

struct num_case {
    const char *input;
    int kind;
    int64_t i;
    double f;
    uint8_t suffix;
    const char *error; /* NULL: no error expected */
};

static const struct num_case num_cases[] = {
    {"0", TK_INT, 0, 0, UNIT_NONE, NULL},
    {"42", TK_INT, 42, 0, UNIT_NONE, NULL},
    {"1_000_000", TK_INT, 1000000, 0, UNIT_NONE, NULL},
    {"0x1F", TK_INT, 31, 0, UNIT_NONE, NULL},
    {"0xff_ff", TK_INT, 65535, 0, UNIT_NONE, NULL},
    {"0o17", TK_INT, 15, 0, UNIT_NONE, NULL},
    {"0b101", TK_INT, 5, 0, UNIT_NONE, NULL},
    {"010", TK_INT, 8, 0, UNIT_NONE, NULL},
    {"0777", TK_INT, 511, 0, UNIT_NONE, NULL},
    {"00", TK_INT, 0, 0, UNIT_NONE, NULL},
    {"0_7", TK_INT, 7, 0, UNIT_NONE, NULL},
    {"9223372036854775807", TK_INT, INT64_MAX, 0, UNIT_NONE, NULL},
    {"0x7fffffffffffffff", TK_INT, INT64_MAX, 0, UNIT_NONE, NULL},
    {"9223372036854775808", TK_INT, 0, 0, UNIT_NONE, "integer literal is too large"},
    {"0x8000000000000000", TK_INT, 0, 0, UNIT_NONE, "integer literal is too large"},
    {"99999999999999999999999", TK_INT, 0, 0, UNIT_NONE, "integer literal is too large"},
    {"08", TK_INT, 0, 0, UNIT_NONE, "invalid digit for a base 8 literal"},
    {"09", TK_INT, 0, 0, UNIT_NONE, "invalid digit for a base 8 literal"},
    {"0b102", TK_INT, 0, 0, UNIT_NONE, "invalid digit for a base 2 literal"},
    {"0o8", TK_INT, 0, 0, UNIT_NONE, "invalid digit for a base 8 literal"},
    {"0x", TK_INT, 0, 0, UNIT_NONE, "no valid digits found for number"},
    {"0b", TK_INT, 0, 0, UNIT_NONE, "no valid digits found for number"},
    {"0X1", TK_INT, 0, 0, UNIT_NONE, "invalid int binary suffix"},
    /* unit suffixes */
    {"1n", TK_INT, 1, 0, UNIT_n, NULL},
    {"2u", TK_INT, 2, 0, UNIT_u, NULL},
    {"500m", TK_INT, 500, 0, UNIT_m, NULL},
    {"3k", TK_INT, 3, 0, UNIT_k, NULL},
    {"3K", TK_INT, 3, 0, UNIT_K, NULL},
    {"4M", TK_INT, 4, 0, UNIT_M, NULL},
    {"2G", TK_INT, 2, 0, UNIT_G, NULL},
    {"5T", TK_INT, 5, 0, UNIT_T, NULL},
    {"6P", TK_INT, 6, 0, UNIT_P, NULL},
    {"1Ki", TK_INT, 1, 0, UNIT_Ki, NULL},
    {"1Mi", TK_INT, 1, 0, UNIT_Mi, NULL},
    {"1Gi", TK_INT, 1, 0, UNIT_Gi, NULL},
    {"1Ti", TK_INT, 1, 0, UNIT_Ti, NULL},
    {"1Pi", TK_INT, 1, 0, UNIT_Pi, NULL},
    {"1_024Mi", TK_INT, 1024, 0, UNIT_Mi, NULL},
    {"1ni", TK_INT, 1, 0, UNIT_NONE, "invalid int binary suffix"},
    {"1mi", TK_INT, 1, 0, UNIT_NONE, "invalid int binary suffix"},
    {"1ki", TK_INT, 1, 0, UNIT_NONE, "invalid int binary suffix"},
    {"1KB", TK_INT, 1, 0, UNIT_NONE, "invalid int binary suffix"},
    {"1abc", TK_INT, 1, 0, UNIT_NONE, "invalid int binary suffix"},
    /* floats */
    {"1.5", TK_FLOAT, 0, 1.5, UNIT_NONE, NULL},
    {"1.", TK_FLOAT, 0, 1.0, UNIT_NONE, NULL},
    {"0.25", TK_FLOAT, 0, 0.25, UNIT_NONE, NULL},
    {"1e3", TK_FLOAT, 0, 1000.0, UNIT_NONE, NULL},
    {"1E+2", TK_FLOAT, 0, 100.0, UNIT_NONE, NULL},
    {"2.5E-3", TK_FLOAT, 0, 2.5e-3, UNIT_NONE, NULL},
    {"1_0.5", TK_FLOAT, 0, 10.5, UNIT_NONE, NULL},
    {"0e0", TK_FLOAT, 0, 0.0, UNIT_NONE, NULL},
    {"3.14159265358979", TK_FLOAT, 0, 3.14159265358979, UNIT_NONE, NULL},
    {"1e", TK_FLOAT, 0, 0, UNIT_NONE, "expected at least one digit in exponent"},
    {"1.5e+", TK_FLOAT, 0, 0, UNIT_NONE, "expected at least one digit in exponent"},
    {"0x1.5", TK_FLOAT, 0, 0, UNIT_NONE, "hexadecimal float literal is not supported"},
    {"010.5", TK_FLOAT, 0, 0, UNIT_NONE, "octal float literal is not supported"},
    {"1.5Gi", TK_FLOAT, 0, 1.5, UNIT_NONE, "invalid float literal suffix"},
};

START_TEST(test_numbers)
{
    const struct num_case *c = &num_cases[_i];
    struct lexed L;
    lex_str(&L, c->input, true);
    ck_assert_msg(L.n == 1, "input %s: %u tokens", c->input, L.n);
    ck_assert_int_eq(L.toks[0].kind, c->kind);
    ck_assert_uint_eq(L.toks[0].lo, 0);
    ck_assert_uint_eq(L.toks[0].hi, strlen(c->input));
    if (c->error) {
        ck_assert_msg(L.d.n == 1, "input %s: %u errors", c->input, L.d.n);
        check_error(&L, c->error, c->input);
    } else {
        ck_assert_msg(L.d.n == 0, "input %s: unexpected error %s", c->input,
                      L.d.n ? L.d.v[0]->message : "");
    }
    if (c->kind == TK_INT) {
        if (!c->error)
            ck_assert_int_eq(L.toks[0].v.i, c->i);
        ck_assert_uint_eq(L.toks[0].suffix, c->suffix);
    } else if (!c->error || c->f != 0) {
        ck_assert_double_eq(L.toks[0].v.f, c->f);
    }
    lexed_free(&L);
}
END_TEST

/* {=====================================================================
 * Strings
 * ====================================================================}
 */

/* Writes the parts as  T"text" E'expr':spec  with bytes outside printable ASCII as \xNN. */
static void parts_string(const struct lexed *L, const struct strlit *s, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
#define PUT(...) (n += (n < cap ? (size_t)snprintf(buf + n, cap - n, __VA_ARGS__) : 0))
    for (uint32_t i = 0; i < s->nparts; i++) {
        const struct strpart *p = &s->parts[i];
        if (i)
            PUT(" ");
        if (p->kind == STRPART_TEXT) {
            ck_assert_uint_eq((unsigned char)p->text[p->len], 0);
            PUT("T\"");
            for (uint32_t k = 0; k < p->len; k++) {
                unsigned char c = (unsigned char)p->text[k];
                if (c < 0x20 || c >= 0x7f)
                    PUT("\\x%02x", c);
                else
                    PUT("%c", c);
            }
            PUT("\"");
        } else {
            PUT("E'%.*s'", (int)(p->hi - p->lo), L->src->text + p->lo);
            if (p->spec == STRSPEC_JSON)
                PUT(":json");
            else if (p->spec == STRSPEC_YAML)
                PUT(":yaml");
        }
    }
#undef PUT
}

struct str_case {
    const char *input;
    const char *want;
    unsigned nerrors;
    const char *error;
};

static const struct str_case str_cases[] = {
    {"'abc'", "T\"abc\"", 0, NULL},
    {"\"abc\"", "T\"abc\"", 0, NULL},
    {"''", "T\"\"", 0, NULL},
    {"\"\"\"\"\"\"", "T\"\"", 0, NULL},
    {"'it\\'s'", "T\"it's\"", 0, NULL},
    {"\"say \\\"hi\\\"\"", "T\"say \"hi\"\"", 0, NULL},
    {"'a\"b'", "T\"a\"b\"", 0, NULL},
    /* escapes */
    {"\"\\\\ \\' \\\" \\a \\b \\f \\n \\r \\t \\v\"",
     "T\"\\ ' \" \\x07 \\x08 \\x0c \\x0a \\x0d \\x09 \\x0b\"", 0, NULL},
    {"'\\0'", "T\"\\x00\"", 0, NULL},
    {"'\\101\\1012\\7'", "T\"AA2\\x07\"", 0, NULL},
    {"'\\777'", "T\"\\xc7\\xbf\"", 0, NULL},
    {"'\\x41\\xe9'", "T\"A\\xc3\\xa9\"", 0, NULL},
    {"'\\u00e9\\u4e2d'", "T\"\\xc3\\xa9\\xe4\\xb8\\xad\"", 0, NULL},
    {"'\\U0001F600'", "T\"\\xf0\\x9f\\x98\\x80\"", 0, NULL},
    {"'\\ud800'", "T\"\\xef\\xbf\\xbd\"", 0, NULL},
    {"'\\x4'", "T\"\\x4\"", 1, "invalid string syntax"},
    {"'\\xg0'", "T\"\\xg0\"", 1, "invalid string syntax"},
    {"'\\U00110000'", "T\"\\U00110000\"", 1, "invalid string syntax"},
    {"'\\N{BULLET}'", "T\"\\N{BULLET}\"", 0, NULL},
    {"'\\d\\$\\w \\q'", "T\"\\d\\$\\w \\q\"", 0, NULL},
    {"'a\\\nb'", "T\"ab\"", 0, NULL},
    {"'a\\\r\nb'", "T\"ab\"", 0, NULL},
    {"'caf\xc3\xa9'", "T\"caf\\xc3\\xa9\"", 0, NULL},
    /* raw */
    {"r'a\\nb'", "T\"a\\nb\"", 0, NULL},
    {"R\"\\\"\"", "T\"\\\"\"", 0, NULL},
    {"r'${a}'", "T\"${a}\"", 0, NULL},
    {"r'''\n    a\\n\n    b'''", "T\"a\\n\\x0ab\"", 0, NULL},
    /* triple-quoted and dedent */
    {"'''a\nb'''", "T\"a\\x0ab\"", 0, NULL},
    {"'''  abc'''", "T\"  abc\"", 0, NULL},
    {"\"\"\"\n    hello\n      world\n    \"\"\"", "T\"hello\\x0a  world\\x0a\"", 0, NULL},
    {"\"\"\"\n  a\n\n  b\n\"\"\"", "T\"  a\\x0a\\x0a  b\\x0a\"", 0, NULL},
    {"\"\"\"\n  a\n      \n  b\"\"\"", "T\"a\\x0a    \\x0ab\"", 0, NULL},
    {"\"\"\"\n\ta\n\t\tb\n\t\"\"\"", "T\"a\\x0a\\x09b\\x0a\"", 0, NULL},
    {"\"\"\"\n    a\\n    b\n    \"\"\"", "T\"a\\x0a    b\\x0a\"", 0, NULL},
    {"\"\"\"\\\na: 1\n\"\"\"", "T\"a: 1\\x0a\"", 0, NULL},
    {"'''x\n  y\n  '''", "T\"x\\x0a  y\\x0a  \"", 0, NULL}, /* the first line counts */
    {"'''\r\n  a\r\n  '''", "T\"a\\x0d\\x0a\"", 0, NULL},
    /* interpolation */
    {"\"${a}\"", "E'a'", 0, NULL},
    {"\"x${a}y\"", "T\"x\" E'a' T\"y\"", 0, NULL},
    {"\"${a}${b}\"", "E'a' E'b'", 0, NULL},
    {"\"${a + 1 if a else b} ${e['key']}\"", "E'a + 1 if a else b' T\" \" E'e['key']'", 0, NULL},
    {"\"${a: #json}\"", "E'a':json", 0, NULL},
    {"\"${ a :  #YAML }\"", "E' a ':yaml", 0, NULL},
    {"\"${a:#Json}\"", "E'a':json", 0, NULL},
    {"\"${a[1:2]}\"", "E'a[1:2]'", 0, NULL},
    {"\"${a: #js}\"", "E'a'", 1, "#js is a invalid format spec"},
    {"\"${}\"", "T\"\"", 1, "string interpolation expression can not be empty"},
    {"\"x${ }y\"", "T\"xy\"", 1, "string interpolation expression can not be empty"},
    {"\"${a\"", "T\"${a\"", 1, "invalid joined string"},
    {"\"\\${a}\"", "T\"${a}\"", 0, NULL},
    {"\"$\\${a * 1}$$ ${b / 1} $$$$$\"", "T\"$${a * 1}$$ \" E'b / 1' T\" $$$$$\"", 0, NULL},
    {"\"$a $ {b} $\"", "T\"$a $ {b} $\"", 0, NULL},
    {"\"\\t${a}\\n\"", "T\"\\x09\" E'a' T\"\\x0a\"", 0, NULL},
    {"'''${a}\n  ${b}'''", "E'a' T\"\\x0a  \" E'b'", 0, NULL},
    {"'''\n  x ${a}\n  y\n  '''", "T\"x \" E'a' T\"\\x0ay\\x0a\"", 0, NULL},
    {"'${a}'", "E'a'", 0, NULL},
    {"\"\"\"${a: #json}\"\"\"", "E'a':json", 0, NULL},
    /* triple-quoted scans: backslashes protect quotes, quotes that do not close */
    {"r'''a\\'''b'''", "T\"a\\'''b\"", 0, NULL},
    {"'''a''b'c'''", "T\"a''b'c\"", 0, NULL},
    {"r\"\"\"say \"hi\" \\\\\"\"\"", "T\"say \"hi\" \\\\\"", 0, NULL},
    {"r'''\n    a: x\n      b\n\n    '''", "T\"a: x\\x0a  b\\x0a\\x0a\"", 0, NULL},
    {"r'''\n\tx\n\t\ty\n'''", "T\"\\x09x\\x0a\\x09\\x09y\\x0a\"", 0, NULL},
    {"r'''\r\n  a\r\n  b'''", "T\"a\\x0d\\x0ab\"", 0, NULL},
    {"'''\n  a\n b\n  '''", "T\" a\\x0ab\\x0a \"", 0, NULL},

    /* unterminated */
    {"'abc", "T\"abc\"", 1, "unterminated string"},
    {"r'''a\\'''", "T\"a\\'''\"", 1, "unterminated string"},
    {"'''abc\n", "T\"abc\\x0a\"", 1, "unterminated string"},
    {"'abc\\", "T\"abc\\\"", 1, "unterminated string"},
};

START_TEST(test_strings)
{
    const struct str_case *c = &str_cases[_i];
    struct lexed L;
    char got[1024];
    lex_str(&L, c->input, true);
    ck_assert_msg(L.n == 1, "input %s: %u tokens", c->input, L.n);
    ck_assert_int_eq(L.toks[0].kind, TK_STRING);
    ck_assert_uint_eq(L.toks[0].lo, 0);
    ck_assert_ptr_nonnull(L.toks[0].v.str);
    parts_string(&L, L.toks[0].v.str, got, sizeof got);
    ck_assert_msg(strcmp(got, c->want) == 0, "input %s:\n got  %s\n want %s", c->input, got,
                  c->want);
    ck_assert_msg(L.d.n == c->nerrors, "input %s: %u errors, want %u (first: %s)", c->input, L.d.n,
                  c->nerrors, L.d.n ? L.d.v[0]->message : "-");
    check_error(&L, c->error, c->input);
    bool has_expr = false;
    for (uint32_t i = 0; i < L.toks[0].v.str->nparts; i++)
        has_expr |= L.toks[0].v.str->parts[i].kind == STRPART_EXPR;
    ck_assert_int_eq(has_expr, L.toks[0].v.str->has_expr);
    lexed_free(&L);
}
END_TEST

START_TEST(test_string_flags)
{
    struct lexed L;
    lex_str(&L, "r'a' R'''b''' \"c\" \"\"\"d\"\"\"", true);
    ck_assert_uint_eq(L.n, 4);
    ck_assert(L.toks[0].v.str->raw && !L.toks[0].v.str->triple);
    ck_assert(L.toks[1].v.str->raw && L.toks[1].v.str->triple);
    ck_assert(!L.toks[2].v.str->raw && !L.toks[2].v.str->triple);
    ck_assert(!L.toks[3].v.str->raw && L.toks[3].v.str->triple);
    ck_assert_uint_eq(L.toks[1].lo, 5);
    ck_assert_uint_eq(L.toks[1].hi, 13);
    lexed_free(&L);
}
END_TEST

/* Long triple-quoted literals: many backslashes before a distant quote, and a long
 * docstring, keep the scan linear and decode exactly. */
START_TEST(test_long_strings)
{
    enum { N = 200000 };
    char *text = malloc(2 * N + 16);
    ck_assert_ptr_nonnull(text);
    size_t n = 0;
    memcpy(text + n, "r'''", 4);
    n += 4;
    for (int i = 0; i < N; i++) {
        text[n++] = '\\';
        text[n++] = 'a';
    }
    memcpy(text + n, "'''", 3);
    n += 3;
    struct lexed L;
    lex_buf(&L, text, n, true);
    ck_assert_uint_eq(L.n, 1);
    ck_assert_int_eq(L.toks[0].kind, TK_STRING);
    ck_assert_uint_eq(L.toks[0].hi, n);
    ck_assert_uint_eq(L.toks[0].v.str->nparts, 1);
    ck_assert_uint_eq(L.toks[0].v.str->parts[0].len, 2 * N);
    lexed_free(&L);

    /* "'''\n", N/8 lines "    line\n", then "    '''": each line dedented to "line\n" */
    n = 0;
    memcpy(text + n, "'''\n", 4);
    n += 4;
    for (int i = 0; i < N / 8; i++) {
        memcpy(text + n, "    line\n", 9);
        n += 9;
    }
    memcpy(text + n, "    '''", 7);
    n += 7;
    lex_buf(&L, text, n, true);
    ck_assert_uint_eq(L.n, 1);
    const struct strpart *part = &L.toks[0].v.str->parts[0];
    ck_assert_uint_eq(part->len, 5u * (N / 8));
    ck_assert(memcmp(part->text, "line\nline\n", 10) == 0);
    lexed_free(&L);
    free(text);
}
END_TEST

/* Line tables: LF, CRLF and a lone CR each end a line. */
START_TEST(test_line_table)
{
    static const struct {
        const char *text;
        uint32_t nlines;
        uint32_t off, line, col; /* one probe */
    } cases[] = {
        {"", 1, 0, 1, 1},
        {"a\n\nb\n", 4, 3, 3, 1},
        {"a\nb\r\nc\rd", 4, 7, 4, 1},
        {"a\r\n", 2, 1, 1, 2},
        {"x\r", 2, 2, 2, 1},
        {"ab\ncd", 2, 5, 2, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct arena a;
        struct source_map sm;
        arena_init(&a, NULL, NULL);
        source_map_init(&sm, &a);
        struct source *src = source_map_add(&sm, "t.k", cases[i].text, strlen(cases[i].text));
        ck_assert_ptr_nonnull(src);
        uint32_t nlines;
        source_lines(src, &nlines);
        ck_assert_msg(nlines == cases[i].nlines, "%zu: %u lines", i, nlines);
        uint32_t line, col;
        source_line_col(src, cases[i].off, &line, &col);
        ck_assert_msg(line == cases[i].line && col == cases[i].col, "%zu: %u:%u", i, line, col);
        arena_free(&a);
    }
}
END_TEST

/* An interpolated expression re-lexed from its source range, as the parser does. */
START_TEST(test_interpolation_range)
{
    struct lexed L;
    lex_str(&L, "x = \"\"\"${a +\n  f(b)[0]: #yaml}\"\"\"\n", false);
    ck_assert_uint_eq(L.d.n, 0);
    const struct strlit *s = L.toks[2].v.str;
    ck_assert_uint_eq(s->nparts, 1);
    ck_assert_uint_eq(s->parts[0].spec, STRSPEC_YAML);
    struct token *t;
    uint32_t n;
    ck_assert(lex_tokens(&L.arena, NULL, L.src, s->parts[0].lo, s->parts[0].hi, true, &L.d, &t, &n));
    static const int want[] = {TK_NAME,   TK_PLUS,     TK_NAME, TK_LPAREN,  TK_NAME,
                               TK_RPAREN, TK_LBRACKET, TK_INT,  TK_RBRACKET};
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_int_eq(t[i].kind, want[i]);
    ck_assert_uint_eq(t[0].lo, 9);
    ck_assert_str_eq(t[2].v.name, "f");
    ck_assert_uint_eq(t[2].lo, 15);
    ck_assert_int_eq(t[n].kind, 0);
    ck_assert_uint_eq(t[n].lo, s->parts[0].hi);
    ck_assert_uint_eq(L.d.n, 0);
    lexed_free(&L);
}
END_TEST

/* {=====================================================================
 * Robustness: random bytes and truncated programs never crash, hang or read out of range
 * (the range is copied into an exactly-sized allocation, so ASan catches over-reads).
 * ====================================================================}
 */

static const char sample[] = "import yaml\n"
                             "schema Person[n: int = 1](Base):\n"
                             "    \"\"\"Doc ${x}\n      more\"\"\"\n"
                             "    name?: str = r'a\\b' + \"${n: #json}\\x41\\u00e9\"\n"
                             "    age: int = 0x1F + 010 + 1Ki + 2.5e-3\n"
                             "    check:\n"
                             "        age > 0 if name, \"bad\"\n"
                             "p = Person {name = \"a\", age = [1,\n  2][0]}\n"
                             "q = lambda x: int -> int { x ** 2 }  # comment\n"
                             "r = a?.b?[0] or not c and $if\n"
                             "type T = int | \"s\"\n"
                             "if a:\n\tb = '''x\n  y'''\nelif c:\n  \\\n  d = 1\n";

static void lex_bytes_checked(const char *bytes, size_t len, bool expr_mode)
{
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, bytes, len);
    struct lexed L;
    lex_buf(&L, copy, len, expr_mode);
    for (uint32_t i = 0; i < L.n; i++) {
        ck_assert_uint_le(L.toks[i].lo, L.toks[i].hi);
        ck_assert_uint_le(L.toks[i].hi, len);
        if (L.toks[i].kind == TK_STRING) {
            const struct strlit *s = L.toks[i].v.str;
            for (uint32_t k = 0; k < s->nparts; k++)
                if (s->parts[k].kind == STRPART_EXPR) {
                    ck_assert_uint_le(s->parts[k].lo, s->parts[k].hi);
                    ck_assert_uint_le(s->parts[k].hi, len);
                }
        }
    }
    /* Sub-ranges are lexed from a copy ending exactly at the range. */
    if (len > 2) {
        struct token *t;
        uint32_t n;
        ck_assert(lex_tokens(&L.arena, NULL, L.src, 1, (uint32_t)len - 1, true, &L.d, &t, &n));
    }
    lexed_free(&L);
    free(copy);
}

START_TEST(test_truncations)
{
    size_t len = sizeof sample - 1;
    for (size_t n = 0; n <= len; n++) {
        lex_bytes_checked(sample, n, false);
        lex_bytes_checked(sample + len - n, n, false);
    }
}
END_TEST

START_TEST(test_random)
{
    static const char alphabet[] = "ab_$0189xXoOeE.+-*/=<>!?;:,()[]{}'\"\\#$ \t\n\r\x80\xff\x00rR";
    uint64_t state = 0x9E3779B97F4A7C15u ^ (uint64_t)_i;
    char buf[256];
    for (int round = 0; round < 400; round++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        size_t len = (size_t)(state >> 33) % sizeof buf;
        for (size_t k = 0; k < len; k++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            unsigned r = (unsigned)(state >> 40);
            buf[k] = (r & 0x100) ? (char)(r & 0xff) : alphabet[(r & 0xff) % (sizeof alphabet - 1)];
        }
        lex_bytes_checked(buf, len, round & 1);
    }
}
END_TEST

/* {=====================================================================
 * Suite
 * ====================================================================}
 */

static Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("tokens");
    tcase_add_loop_test(tc, test_kinds, 0, (int)(sizeof kinds_cases / sizeof kinds_cases[0]));
    tcase_add_loop_test(tc, test_expr_mode, 0, (int)(sizeof expr_cases / sizeof expr_cases[0]));
    tcase_add_test(tc, test_spans);
    tcase_add_test(tc, test_error_spans);
    tcase_add_loop_test(tc, test_names, 0, (int)(sizeof name_cases / sizeof name_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("numbers");
    tcase_add_loop_test(tc, test_numbers, 0, (int)(sizeof num_cases / sizeof num_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("strings");
    tcase_add_loop_test(tc, test_strings, 0, (int)(sizeof str_cases / sizeof str_cases[0]));
    tcase_add_test(tc, test_string_flags);
    tcase_add_test(tc, test_interpolation_range);
    tcase_add_test(tc, test_long_strings);
    tcase_add_test(tc, test_line_table);
    suite_add_tcase(s, tc);

    tc = tcase_create("robustness");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_truncations);
    tcase_add_loop_test(tc, test_random, 0, 8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lexer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
