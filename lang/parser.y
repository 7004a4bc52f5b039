/* scl grammar (spec/language.md §2) for the Lemon parser generator.
 * Actions only build AST nodes (ast.c); no lookups, no evaluation. */

%name sclParse
%token_prefix TK_
%token_type {struct token}
%extra_context {struct parser *p}

/* Token codes, in a fixed order: the lexer (lexer.re) produces these. */
%token NEWLINE INDENT DEDENT NAME INT FLOAT STRING
       EXPR_START
       TRUE FALSE NONE UNDEFINED IMPORT AS IF ELIF ELSE FOR IN IS NOT AND OR
       SCHEMA MIXIN PROTOCOL CHECK ASSERT RULE LAMBDA ALL ANY MAP FILTER TYPE
       PLUS MINUS STAR POW SLASH FLOORDIV PERCENT LSHIFT RSHIFT AMP PIPE CARET TILDE
       LT GT LE GE EQ NE
       ASSIGN PLUSEQ MINUSEQ STAREQ POWEQ SLASHEQ FLOORDIVEQ PERCENTEQ LSHIFTEQ RSHIFTEQ
       AMPEQ PIPEEQ CARETEQ
       LPAREN RPAREN LBRACKET RBRACKET LBRACE RBRACE COMMA COLON DOT QDOT QLBRACKET
       ELLIPSIS ARROW AT QUESTION.

/* Never produced by the lexer; parse.c's token feeder (see the essay at the top of parse.c)
 * makes them from what follows a token, so that the grammar stays LALR(1):
 *   ISNOT       'is' 'not'                  (else "a is not b" is "a is (not b)")
 *   SIGLBRACKET '[' at the start of a statement whose ']' is followed by ':'
 *               (an index signature; else "[str]: T" conflicts with a list expression)
 * The feeder also hands over the braces of "lambda {a, b} -> T {…}" as LPAREN/RPAREN.
 * PREC_LOW is never a token at all: it only names the lowest precedence level. */
%token ISNOT SIGLBRACKET PREC_LOW.

/* Keywords are names wherever the grammar cannot take them as keywords. KCL's lexer makes
 * every keyword an identifier token and its parser looks for a keyword only where a
 * construct can start with one (kclvm/parser: parse_identifier takes any identifier token,
 * parse_operand_expr only checks for True/False/None/Undefined, lambda and the quantifiers,
 * statements for if/import/type/assert/schema/mixin/protocol/rule). Lemon's %fallback is
 * that rule for an LALR parser (SQLite's parse.y makes its non-reserved keywords IDs the
 * same way): a keyword with no action in the current state is shifted as NAME, carrying
 * its spelling. So "{import = 1, check = True}", "f(type = 1)", "x.filter" and
 * "import .rules.rule as rule" need no rule of their own, while "{if a: …}", "lambda",
 * "all x in …", "not x", "True" stay keywords where an expression starts, as in KCL.
 * Where KCL's recursive descent commits to a keyword that the grammar would take as a name
 * (a 'for' starting a list item or config entry), rules below keep it a keyword; where it
 * reads a name that the grammar would take as a statement keyword ("mixin?: str" and
 * "import: str" in a schema body), parse.c's feeder hands over a NAME. */
%fallback NAME TRUE FALSE NONE UNDEFINED IMPORT AS IF ELIF ELSE FOR IN IS NOT AND OR
               SCHEMA MIXIN PROTOCOL CHECK ASSERT RULE LAMBDA ALL ANY MAP FILTER TYPE.

%include {
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lang/ast.h"
#include "lang/parse.h"

/* Rules that share an action become consecutive case labels separated by yytestcase()
 * null statements, which clang (not GCC) reports as implicit fall-through. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wimplicit-fallthrough"
#endif

/* The parser lives in memory parse.c allocates: no sclParseAlloc/sclParseFree. */
#define sclParse_ENGINEALWAYSONSTACK 1
/* Lemon emits these without prototypes. */
int sclParseFallback(int iToken);
#ifndef NDEBUG
void sclParseTrace(FILE *TraceFILE, char *zTracePrompt);
#endif

struct yyParser;
static void syntax_error(struct yyParser *yyp, int major, struct token tok);
static void resume(struct yyParser *yyp);
}

%code {
size_t sclParseSizeof(void)
{
    return sizeof(yyParser);
}

/* After an error rule has matched: report the next syntax error at once instead of after
 * three shifted tokens, so that the feeder can resynchronise on every error (parse.c). */
static void resume(struct yyParser *yyp)
{
    yyp->yyerrcnt = -1;
}

/* Token names as KCL spells them in "expected one of [...] got ..." messages. */
static const char *token_display(int kind)
{
    switch (kind) {
    case 0: return "end of file";
    case TK_NEWLINE: return "newline";
    case TK_INDENT: return "indent";
    case TK_DEDENT: return "dedent";
    case TK_NAME: return "identifier";
    case TK_INT: case TK_FLOAT: case TK_STRING: return "literal";
    case TK_TRUE: return "True";
    case TK_FALSE: return "False";
    case TK_NONE: return "None";
    case TK_UNDEFINED: return "Undefined";
    case TK_IMPORT: return "import";
    case TK_AS: return "as";
    case TK_IF: return "if";
    case TK_ELIF: return "elif";
    case TK_ELSE: return "else";
    case TK_FOR: return "for";
    case TK_IN: return "in";
    case TK_IS: return "is";
    case TK_ISNOT: return "is not";
    case TK_NOT: return "not";
    case TK_AND: return "and";
    case TK_OR: return "or";
    case TK_SCHEMA: return "schema";
    case TK_MIXIN: return "mixin";
    case TK_PROTOCOL: return "protocol";
    case TK_CHECK: return "check";
    case TK_ASSERT: return "assert";
    case TK_RULE: return "rule";
    case TK_LAMBDA: return "lambda";
    case TK_ALL: return "all";
    case TK_ANY: return "any";
    case TK_MAP: return "map";
    case TK_FILTER: return "filter";
    case TK_TYPE: return "type";
    case TK_PLUS: return "+";
    case TK_MINUS: return "-";
    case TK_STAR: return "*";
    case TK_POW: return "**";
    case TK_SLASH: return "/";
    case TK_FLOORDIV: return "//";
    case TK_PERCENT: return "%";
    case TK_LSHIFT: return "<<";
    case TK_RSHIFT: return ">>";
    case TK_AMP: return "&";
    case TK_PIPE: return "|";
    case TK_CARET: return "^";
    case TK_TILDE: return "~";
    case TK_LT: return "<";
    case TK_GT: return ">";
    case TK_LE: return "<=";
    case TK_GE: return ">=";
    case TK_EQ: return "==";
    case TK_NE: return "!=";
    case TK_ASSIGN: return "=";
    case TK_PLUSEQ: return "+=";
    case TK_MINUSEQ: return "-=";
    case TK_STAREQ: return "*=";
    case TK_POWEQ: return "**=";
    case TK_SLASHEQ: return "/=";
    case TK_FLOORDIVEQ: return "//=";
    case TK_PERCENTEQ: return "%=";
    case TK_LSHIFTEQ: return "<<=";
    case TK_RSHIFTEQ: return ">>=";
    case TK_AMPEQ: return "&=";
    case TK_PIPEEQ: return "|=";
    case TK_CARETEQ: return "^=";
    case TK_LPAREN: return "(";
    case TK_RPAREN: return ")";
    case TK_LBRACKET: case TK_SIGLBRACKET: case TK_QLBRACKET: return "[";
    case TK_RBRACKET: return "]";
    case TK_LBRACE: return "{";
    case TK_RBRACE: return "}";
    case TK_COMMA: return ",";
    case TK_COLON: return ":";
    case TK_DOT: return ".";
    case TK_QDOT: return "?.";
    case TK_ELLIPSIS: return "...";
    case TK_ARROW: return "->";
    case TK_AT: return "@";
    case TK_QUESTION: return "?";
    default: return "token";
    }
}

/* The action the parser would take on 'tok' once the reductions it calls for have run
 * (a shift, accept or error action), and in '*at' the state that action comes from.
 * Simulates the LALR automaton without running any action; the parser's own stack is
 * only read: the states the simulated reductions push go to 'over', and entries below
 * 'keep' are read from the parser (the feeder asks after every keyword token, and copying
 * a deep stack cost more than the question). */
static YYACTIONTYPE sim_action(const yyParser *yyp, int tok, YYACTIONTYPE *at)
{
    enum { MAXSIM = 1024 };
    YYACTIONTYPE over[MAXSIM];
    int n = (int)(yyp->yytos - yyp->yystack) + 1;
    int keep = n;
    YYACTIONTYPE s = yyp->yytos->stateno;
    for (int guard = 0; guard < 10000; guard++) {
        YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tok, s);
        if (act < YY_MIN_REDUCE || act > YY_MAX_REDUCE) {
            *at = s;
            return act;
        }
        unsigned rule = (unsigned)(act - YY_MIN_REDUCE);
        n += yyRuleInfoNRhs[rule];
        if (n < 1 || n - keep >= MAXSIM)
            break;
        if (n < keep)
            keep = n;
        YYACTIONTYPE below = n - 1 < keep ? yyp->yystack[n - 1].stateno : over[n - 1 - keep];
        s = yy_find_reduce_action(below, yyRuleInfoLhs[rule]);
        over[n - keep] = s;
        n++;
    }
    *at = s;
    return YY_ERROR_ACTION;
}

/* Would the parser in its current state accept 'tok' (after any reductions)? */
static bool would_accept(const yyParser *yyp, int tok)
{
    YYACTIONTYPE at;
    YYACTIONTYPE act = sim_action(yyp, tok, &at);
    return act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION;
}

bool sclParseAccepts(void *parser, int tok)
{
    return tok > 0 && tok < YYNTOKEN && would_accept(parser, tok);
}

/* How the parser in its current state would take keyword 'kw': 1 as the keyword, 2 as the
 * NAME it falls back to (no action of its own in the state that shifts it), 0 not at all.
 * Runs the reductions as would_accept does. */
int sclParseKeywordRole(void *parser, int kw)
{
    if (kw <= 0 || kw >= YYNTOKEN)
        return 0;
    YYACTIONTYPE s;
    YYACTIONTYPE act = sim_action(parser, kw, &s);
    if (act <= YY_MAX_SHIFTREDUCE)
        return s > YY_MAX_SHIFT || yy_lookahead[yy_shift_ofst[s] + kw] == kw ? 1 : 2;
    return act == YY_ACCEPT_ACTION ? 1 : 0;
}

static void syntax_error(struct yyParser *yyp, int major, struct token tok)
{
    /* Collect the terminals the parser could take here, folded as KCL prints them. */
    static const int expr_start[] = {TK_NAME, TK_INT, TK_LPAREN, TK_LBRACKET, TK_LBRACE};
    const char *names[YYNTOKEN];
    unsigned n = 0;
    bool is_expr = true;
    for (unsigned i = 0; i < sizeof expr_start / sizeof expr_start[0]; i++)
        if (!would_accept(yyp, expr_start[i]))
            is_expr = false;
    /* Keywords are identifiers to KCL: where a name fits, "identifier" says it all. Member
     * access ('.', '?.') is never listed, as in KCL. */
    bool name_ok = would_accept(yyp, TK_NAME);
    for (int t = 1; t < YYNTOKEN && n < YYNTOKEN; t++) {
        if (t == TK_EXPR_START || t == TK_PREC_LOW || t == TK_SIGLBRACKET || t == TK_DOT ||
            t == TK_QDOT)
            continue;
        if (name_ok && ((t >= TK_TRUE && t <= TK_TYPE) || t == TK_ISNOT))
            continue;
        if (!would_accept(yyp, t))
            continue;
        const char *s = token_display(t);
        bool dup = false;
        for (unsigned j = 0; j < n; j++)
            if (names[j] == s)
                dup = true;
        if (!dup)
            names[n++] = s;
    }
    parse_syntax_error(yyp->p, major, tok, token_display(major), is_expr, names, n);
}
}

%syntax_error {
    (void)yymajor;
    syntax_error(yypParser, yymajor, yyminor);
}

%stack_overflow {
    parse_stack_overflow(p);
}

%stack_size 1000

%default_destructor { (void)p; (void)$$; }
%token_destructor { (void)p; (void)$$; }

%default_type {struct ast *}

/* {=====================================================================
 * Precedence (spec §2.3), lowest first. Binary operators use Lemon's precedence and
 * associativity; everything is left-associative, '**' included (2 ** 3 ** 2 == 64).
 * Unary operators are not in this table: they apply to a primary only (the 'sexpr' rules
 * that start with one), so -2 ** 2 is (-2) ** 2 and 'not a == b' is (not a) == b.
 *
 * Three conflicts are resolved by precedence on purpose, all in favour of the shift, which
 * is what KCL's recursive-descent parser does:
 * - 'expr ::= sexpr' before IF: a conditional expression wins over a following comprehension
 *   filter ("[x for x in y if a if b else c]" filters on "a if b else c").
 * - 'primary ::= nprimary' before '{': a name followed by a config is a schema expression,
 *   also as the default of a lambda's last parameter ("lambda x = a {…}" is "a {…}").
 * - a function type's return type takes a following '|' ("() -> int | str").
 * ====================================================================} */
%nonassoc PREC_LOW.
%nonassoc ARROW.
%nonassoc IF.
%left AS.
%left OR.
%left AND.
%left EQ NE.
%left IN NOT.
%left IS ISNOT.
%left LT GT LE GE.
%left PIPE.
%left CARET.
%left AMP.
%left LSHIFT RSHIFT.
%left PLUS MINUS.
%left STAR SLASH FLOORDIV PERCENT.
%left POW.
%nonassoc LBRACE.

%start_symbol input

/* {=====================================================================
 * Module and statements
 * ====================================================================} */

input ::= stmt_list(L).                 { p->result = ast_module(p, L); }
input ::= EXPR_START expr(E).           { p->result = E; }

%type stmt_list {struct ast_list}
stmt_list(A) ::= .                      { A = ast_list_none(); }
stmt_list(A) ::= stmt_list(L) stmt(S).  { A = ast_list_add(p, L, S); }

stmt(A) ::= simple(S) NEWLINE.          { A = S; }
stmt(A) ::= decorators(D) simple(S) NEWLINE. { A = ast_decorate(p, D, S); }
stmt(A) ::= if_stmt(S).                 { A = S; }
stmt(A) ::= schema_stmt(S).             { A = S; }
stmt(A) ::= rule_stmt(S).               { A = S; }
/* Error recovery (lemon.html §5.0): drop the rest of the line, keep parsing. */
stmt(A) ::= error NEWLINE.              { A = NULL; resume(yypParser); }

%type decorators {struct ast_list}
decorators(A) ::= decorator(D).                 { A = ast_list_one(p, D); }
decorators(A) ::= decorators(L) decorator(D).   { A = ast_list_add(p, L, D); }
decorator(A) ::= AT(T) dotted_name(N) NEWLINE.  { A = ast_decorator(p, T, N, NULL, NULL); }
decorator(A) ::= AT(T) dotted_name(N) LPAREN args(R) RPAREN(E) NEWLINE.
                                                { A = ast_decorator(p, T, N, &R, &E); }

/* ---- simple statements ---- */
simple(A) ::= expr(E).                          { A = ast_expr_stmt(p, E); }
simple(A) ::= assign_lhs(L) expr(E).            { A = ast_assign(p, L, NULL, E); }
simple(A) ::= sname(N) COLON type(T) ASSIGN expr(E). { A = ast_ann_assign(p, N, T, E); }
simple(A) ::= expr(L) augop(O) expr(E).         { A = ast_aug_assign(p, L, O, E); }

/* a = b = c = value: every target is an expression turned into a target by ast.c. */
%type assign_lhs {struct ast_list}
assign_lhs(A) ::= expr(E) ASSIGN.               { A = ast_list_one(p, E); }
assign_lhs(A) ::= assign_lhs(L) expr(E) ASSIGN. { A = ast_list_add(p, L, E); }

%type augop {int}
augop(A) ::= PLUSEQ.        { A = OP_ADD; }
augop(A) ::= MINUSEQ.       { A = OP_SUB; }
augop(A) ::= STAREQ.        { A = OP_MUL; }
augop(A) ::= SLASHEQ.       { A = OP_DIV; }
augop(A) ::= FLOORDIVEQ.    { A = OP_FLOORDIV; }
augop(A) ::= PERCENTEQ.     { A = OP_MOD; }
augop(A) ::= POWEQ.         { A = OP_POW; }
augop(A) ::= LSHIFTEQ.      { A = OP_LSHIFT; }
augop(A) ::= RSHIFTEQ.      { A = OP_RSHIFT; }
augop(A) ::= AMPEQ.         { A = OP_BITAND; }
augop(A) ::= PIPEEQ.        { A = OP_BITOR; }
augop(A) ::= CARETEQ.       { A = OP_BITXOR; }

/* Schema attributes. "name: T = v" is an annotated assignment (AST_ASSIGN with a type);
 * ast_schema_add turns it into an attribute when it is a direct child of a schema body.
 * The other forms are attributes wherever they appear. */
simple(A) ::= sname(N) COLON type(T).                       { A = ast_attr(p, N, false, T, OP_NONE, NULL); }
simple(A) ::= sname(N) COLON type(T) augop(O) expr(E).      { A = ast_attr(p, N, false, T, O, E); }
simple(A) ::= sname(N) QUESTION COLON type(T).               { A = ast_attr(p, N, true, T, OP_NONE, NULL); }
simple(A) ::= sname(N) QUESTION COLON type(T) ASSIGN expr(E). { A = ast_attr(p, N, true, T, OP_NONE, E); }
simple(A) ::= sname(N) QUESTION COLON type(T) augop(O) expr(E). { A = ast_attr(p, N, true, T, O, E); }
simple(A) ::= STRING(N) COLON type(T).                      { A = ast_attr(p, N, false, T, OP_NONE, NULL); }
simple(A) ::= STRING(N) COLON type(T) ASSIGN expr(E).       { A = ast_attr(p, N, false, T, OP_NONE, E); }
simple(A) ::= STRING(N) COLON type(T) augop(O) expr(E).     { A = ast_attr(p, N, false, T, O, E); }
simple(A) ::= STRING(N) QUESTION COLON type(T).             { A = ast_attr(p, N, true, T, OP_NONE, NULL); }
simple(A) ::= STRING(N) QUESTION COLON type(T) ASSIGN expr(E). { A = ast_attr(p, N, true, T, OP_NONE, E); }
simple(A) ::= STRING(N) QUESTION COLON type(T) augop(O) expr(E). { A = ast_attr(p, N, true, T, O, E); }

/* Index signatures: [T]: V, [k: T]: V, [...T]: V, [k: ...T]: V, each with an optional
 * "= default". SIGLBRACKET: see the token block. */
simple(A) ::= SIGLBRACKET(L) idx_key(K) RBRACKET COLON type(V).
                                                { A = ast_index_sig(p, L, K, V, NULL); }
simple(A) ::= SIGLBRACKET(L) idx_key(K) RBRACKET COLON type(V) ASSIGN expr(E).
                                                { A = ast_index_sig(p, L, K, V, E); }
idx_key(A) ::= type(T).                         { A = ast_index_key(p, NULL, false, T); }
idx_key(A) ::= ELLIPSIS type(T).                { A = ast_index_key(p, NULL, true, T); }
idx_key(A) ::= NAME(N) COLON type(T).           { A = ast_index_key(p, &N, false, T); }
idx_key(A) ::= NAME(N) COLON ELLIPSIS type(T).  { A = ast_index_key(p, &N, true, T); }

/* x: S {…} and x: S(args) {…} (the unify statement; also an attribute union in schemas). */
simple(A) ::= sname(N) COLON dotted_name(S) config(C).   { A = ast_unify(p, N, S, NULL, C); }
simple(A) ::= sname(N) COLON dotted_name(S) LPAREN args(R) RPAREN config(C).
                                                         { A = ast_unify(p, N, S, &R, C); }

/* import a.b.c [as x], import .a, import ..a.b ('...' is one token). */
simple(A) ::= IMPORT(T) import_dots(D) dotted_name(N).              { A = ast_import(p, T, D, N, NULL); }
simple(A) ::= IMPORT(T) import_dots(D) dotted_name(N) AS NAME(S).   { A = ast_import(p, T, D, N, &S); }
%type import_dots {uint32_t}
import_dots(A) ::= .                            { A = 0; }
import_dots(A) ::= import_dots(D) DOT.          { A = D + 1; }
import_dots(A) ::= import_dots(D) ELLIPSIS.     { A = D + 3; }

simple(A) ::= TYPE(T) NAME(N) ASSIGN type(V).   { A = ast_type_alias(p, T, N, V); }

simple(A) ::= ASSERT(T) check_expr(C).          { A = ast_assert(p, T, C); }

/* test [if guard] [, msg]: assert statements, check blocks and rules. */
check_expr(A) ::= sexpr(E).                                 { A = ast_check_expr(p, E, NULL, NULL); }
check_expr(A) ::= sexpr(E) IF sexpr(C).                     { A = ast_check_expr(p, E, C, NULL); }
check_expr(A) ::= sexpr(E) COMMA expr(M).                   { A = ast_check_expr(p, E, NULL, M); }
check_expr(A) ::= sexpr(E) IF sexpr(C) COMMA expr(M).       { A = ast_check_expr(p, E, C, M); }

/* ---- if / elif / else ---- */
if_stmt(A) ::= if_head(H).                              { A = H; }
if_stmt(A) ::= if_head(H) ELSE COLON block(B).          { A = ast_if_else(p, H, B); }
if_head(A) ::= IF(T) expr(C) COLON block(B).            { A = ast_if(p, T, C, B); }
if_head(A) ::= if_head(H) ELIF(T) expr(C) COLON block(B). { A = ast_if_elif(p, H, T, C, B); }

%type block {struct ast_list}
block(A) ::= simple(S) NEWLINE.                         { A = ast_list_one(p, S); }
block(A) ::= NEWLINE INDENT stmt_list(L) DEDENT.        { A = L; }

/* ---- schema, mixin, protocol ----
 * The schema node is made when the header is complete; body items are added one by one
 * (ast_schema_add sorts out docstring, mixins, attributes, index signature, checks). */
schema_stmt(A) ::= schema_head(H) COLON NEWLINE.        { A = ast_schema_end(p, H); }
schema_stmt(A) ::= schema_body(B) DEDENT.               { A = ast_schema_end(p, B); }

schema_head(A) ::= schema_kw(K) NAME(N) schema_params(P) schema_parent(B) schema_for(F).
                                                { A = ast_schema(p, NULL, K, N, P, B, F); }
schema_head(A) ::= decorators(D) schema_kw(K) NAME(N) schema_params(P) schema_parent(B) schema_for(F).
                                                { A = ast_schema(p, &D, K, N, P, B, F); }
%type schema_kw {struct token}
schema_kw(A) ::= SCHEMA(T).                     { A = T; }
schema_kw(A) ::= MIXIN(T).                      { A = T; }
schema_kw(A) ::= PROTOCOL(T).                   { A = T; }

%type schema_params {struct ast_list}
schema_params(A) ::= .                                  { A = ast_list_none(); }
schema_params(A) ::= LBRACKET params(P) RBRACKET.       { A = P; }
schema_parent(A) ::= .                                  { A = NULL; }
schema_parent(A) ::= LPAREN dotted_name(N) RPAREN.      { A = N; }
schema_for(A) ::= .                                     { A = NULL; }
schema_for(A) ::= FOR dotted_name(N).                   { A = N; }

schema_body(A) ::= schema_head(H) COLON NEWLINE INDENT. { A = H; }
schema_body(A) ::= schema_body(B) stmt(S).              { A = ast_schema_add(p, B, S); }
schema_body(A) ::= schema_body(B) MIXIN(T) LBRACKET dotted_names(L) opt_comma RBRACKET NEWLINE.
                                                        { A = ast_schema_mixins(p, B, T, L); }
schema_body(A) ::= schema_checks(B) DEDENT.             { A = B; }
schema_checks(A) ::= schema_body(B) CHECK COLON NEWLINE INDENT. { A = B; }
schema_checks(A) ::= schema_checks(B) check_expr(C) NEWLINE.    { A = ast_schema_check(p, B, C); }
schema_checks(A) ::= schema_checks(B) error NEWLINE.            { A = B; resume(yypParser); }

%type dotted_names {struct ast_list}
dotted_names(A) ::= dotted_name(N).                             { A = ast_list_one(p, N); }
dotted_names(A) ::= dotted_names(L) COMMA dotted_name(N).       { A = ast_list_add(p, L, N); }

/* ---- rule ---- */
rule_stmt(A) ::= rule_head(H) COLON NEWLINE.            { A = ast_schema_end(p, H); }
rule_stmt(A) ::= rule_body(B) DEDENT.                   { A = ast_schema_end(p, B); }
rule_head(A) ::= RULE(K) NAME(N) schema_params(P) rule_parents(B) schema_for(F).
                                                { A = ast_rule(p, NULL, K, N, P, B, F); }
rule_head(A) ::= decorators(D) RULE(K) NAME(N) schema_params(P) rule_parents(B) schema_for(F).
                                                { A = ast_rule(p, &D, K, N, P, B, F); }
%type rule_parents {struct ast_list}
rule_parents(A) ::= .                                   { A = ast_list_none(); }
rule_parents(A) ::= LPAREN dotted_names(L) RPAREN.      { A = L; }
rule_body(A) ::= rule_head(H) COLON NEWLINE INDENT.     { A = H; }
rule_body(A) ::= rule_body(B) check_expr(C) NEWLINE.    { A = ast_schema_check(p, B, C); }
rule_body(A) ::= rule_body(B) error NEWLINE.            { A = B; resume(yypParser); }

/* ---- parameters (schema, rule, lambda) ---- */
%type params {struct ast_list}
params(A) ::= param(P).                         { A = ast_list_one(p, P); }
params(A) ::= params(L) COMMA param(P).         { A = ast_list_add(p, L, P); }
param(A) ::= sname(N).                           { A = ast_param(p, N, NULL, NULL); }
param(A) ::= sname(N) COLON type(T).             { A = ast_param(p, N, T, NULL); }
param(A) ::= sname(N) ASSIGN expr(E).            { A = ast_param(p, N, NULL, E); }
param(A) ::= sname(N) COLON type(T) ASSIGN expr(E). { A = ast_param(p, N, T, E); }

/* {=====================================================================
 * Names. Any keyword the grammar cannot take as a keyword is a NAME (the %fallback above),
 * so after '.' every keyword is an attribute name (config.map, import pkg.mixin.v1). At the
 * start of a statement 'rule', 'protocol' and 'schema' do start declarations, but only
 * when a name follows: otherwise they name variables and schema attributes
 * ("rule: {str:}" in a schema body, as KCL's schema body parser allows).
 * ====================================================================} */
%type sname {struct token}
sname(A) ::= NAME(T).       { A = T; }
sname(A) ::= RULE(T).       { A = T; }
sname(A) ::= PROTOCOL(T).   { A = T; }
sname(A) ::= SCHEMA(T).     { A = T; }

/* {=====================================================================
 * Types
 * ====================================================================} */
type(A) ::= type_elem(T).                       { A = T; }
type(A) ::= type(L) PIPE type_elem(R).          { A = ast_type_union(p, L, R); }

type_elem(A) ::= ANY(T).                        { A = ast_type_any(p, T); }
type_elem(A) ::= dotted_name(N).                { A = ast_type_named(p, N); }
type_elem(A) ::= LBRACKET(L) RBRACKET(R).       { A = ast_type_list(p, L, NULL, R); }
type_elem(A) ::= LBRACKET(L) type(T) RBRACKET(R). { A = ast_type_list(p, L, T, R); }
type_elem(A) ::= LBRACE(L) RBRACE(R).           { A = ast_type_dict(p, L, NULL, NULL, R); }
type_elem(A) ::= LBRACE(L) COLON RBRACE(R).     { A = ast_type_dict(p, L, NULL, NULL, R); }
type_elem(A) ::= LBRACE(L) type(K) COLON RBRACE(R). { A = ast_type_dict(p, L, K, NULL, R); }
type_elem(A) ::= LBRACE(L) COLON type(V) RBRACE(R). { A = ast_type_dict(p, L, NULL, V, R); }
type_elem(A) ::= LBRACE(L) type(K) COLON type(V) RBRACE(R). { A = ast_type_dict(p, L, K, V, R); }
type_elem(A) ::= LPAREN(L) RPAREN(R). [PREC_LOW]       { A = ast_type_func(p, L, NULL, R, NULL); }
type_elem(A) ::= LPAREN(L) type_list(T) RPAREN(R). [PREC_LOW] { A = ast_type_func(p, L, &T, R, NULL); }
type_elem(A) ::= LPAREN(L) RPAREN(R) ARROW type(V).     { A = ast_type_func(p, L, NULL, R, V); }
type_elem(A) ::= LPAREN(L) type_list(T) RPAREN(R) ARROW type(V). { A = ast_type_func(p, L, &T, R, V); }
type_elem(A) ::= INT(T).                        { A = ast_type_literal(p, ast_int(p, T)); }
type_elem(A) ::= FLOAT(T).                      { A = ast_type_literal(p, ast_float(p, T)); }
type_elem(A) ::= STRING(T).                     { A = ast_type_literal(p, parse_string(p, T)); }
type_elem(A) ::= TRUE(T).                       { A = ast_type_literal(p, ast_const(p, AST_TRUE, T)); }
type_elem(A) ::= FALSE(T).                      { A = ast_type_literal(p, ast_const(p, AST_FALSE, T)); }
type_elem(A) ::= NONE(T).                       { A = ast_type_literal(p, ast_const(p, AST_NONE, T)); }

%type type_list {struct ast_list}
type_list(A) ::= type(T).                       { A = ast_list_one(p, T); }
type_list(A) ::= type_list(L) COMMA type(T).    { A = ast_list_add(p, L, T); }

/* pkg.Name: an AST_NAME or a chain of AST_SELECT on it. */
dotted_name(A) ::= sname(N).                    { A = ast_name(p, N); }
dotted_name(A) ::= dotted_name(D) DOT sname(N).      { A = ast_select(p, D, N, false); }

/* {=====================================================================
 * Expressions
 * ====================================================================} */
expr(A) ::= sexpr(E). [PREC_LOW]                        { A = E; }
expr(A) ::= sexpr(B) IF sexpr(C) ELSE expr(E).          { A = ast_ifexpr(p, B, C, E); }

/* A primary, or a unary operator on one. (No 'unary' rule of their own, and a plain primary
 * is either kind directly: each level would be one more reduction for every operand.) */
sexpr(A) ::= nprimary(E). [PREC_LOW]            { A = E; }
sexpr(A) ::= oprimary(E).                       { A = E; }
sexpr(A) ::= MINUS(T) primary(E).               { A = ast_unary(p, OP_NEG, T, E); }
sexpr(A) ::= PLUS(T) primary(E).                { A = ast_unary(p, OP_POS, T, E); }
sexpr(A) ::= TILDE(T) primary(E).               { A = ast_unary(p, OP_INVERT, T, E); }
sexpr(A) ::= NOT(T) primary(E).                 { A = ast_unary(p, OP_NOT, T, E); }
sexpr(A) ::= sexpr(L) AS dotted_name(T).        { A = ast_as(p, L, T); }
sexpr(A) ::= sexpr(L) OR sexpr(R).              { A = ast_binary(p, OP_OR, L, R); }
sexpr(A) ::= sexpr(L) AND sexpr(R).             { A = ast_binary(p, OP_AND, L, R); }
sexpr(A) ::= sexpr(L) EQ sexpr(R).              { A = ast_compare(p, OP_EQ, L, R); }
sexpr(A) ::= sexpr(L) NE sexpr(R).              { A = ast_compare(p, OP_NE, L, R); }
sexpr(A) ::= sexpr(L) IN sexpr(R).              { A = ast_compare(p, OP_IN, L, R); }
sexpr(A) ::= sexpr(L) NOT IN sexpr(R). [IN]     { A = ast_compare(p, OP_NOT_IN, L, R); }
sexpr(A) ::= sexpr(L) IS sexpr(R).              { A = ast_compare(p, OP_IS, L, R); }
sexpr(A) ::= sexpr(L) ISNOT sexpr(R).           { A = ast_compare(p, OP_IS_NOT, L, R); }
sexpr(A) ::= sexpr(L) LT sexpr(R).              { A = ast_compare(p, OP_LT, L, R); }
sexpr(A) ::= sexpr(L) GT sexpr(R).              { A = ast_compare(p, OP_GT, L, R); }
sexpr(A) ::= sexpr(L) LE sexpr(R).              { A = ast_compare(p, OP_LE, L, R); }
sexpr(A) ::= sexpr(L) GE sexpr(R).              { A = ast_compare(p, OP_GE, L, R); }
sexpr(A) ::= sexpr(L) PIPE sexpr(R).            { A = ast_binary(p, OP_BITOR, L, R); }
sexpr(A) ::= sexpr(L) CARET sexpr(R).           { A = ast_binary(p, OP_BITXOR, L, R); }
sexpr(A) ::= sexpr(L) AMP sexpr(R).             { A = ast_binary(p, OP_BITAND, L, R); }
sexpr(A) ::= sexpr(L) LSHIFT sexpr(R).          { A = ast_binary(p, OP_LSHIFT, L, R); }
sexpr(A) ::= sexpr(L) RSHIFT sexpr(R).          { A = ast_binary(p, OP_RSHIFT, L, R); }
sexpr(A) ::= sexpr(L) PLUS sexpr(R).            { A = ast_binary(p, OP_ADD, L, R); }
sexpr(A) ::= sexpr(L) MINUS sexpr(R).           { A = ast_binary(p, OP_SUB, L, R); }
sexpr(A) ::= sexpr(L) STAR sexpr(R).            { A = ast_binary(p, OP_MUL, L, R); }
sexpr(A) ::= sexpr(L) SLASH sexpr(R).           { A = ast_binary(p, OP_DIV, L, R); }
sexpr(A) ::= sexpr(L) FLOORDIV sexpr(R).        { A = ast_binary(p, OP_FLOORDIV, L, R); }
sexpr(A) ::= sexpr(L) PERCENT sexpr(R).         { A = ast_binary(p, OP_MOD, L, R); }
sexpr(A) ::= sexpr(L) POW sexpr(R).             { A = ast_binary(p, OP_POW, L, R); }

/* Primaries come in two kinds, as in KCL: only a chain that starts with a name may be
 * followed by a config (a schema expression, "pkg.S(args) {…}"); "1 {…}" is not one. */
primary(A) ::= nprimary(E). [PREC_LOW]          { A = E; }
primary(A) ::= oprimary(E).                     { A = E; }

nprimary(A) ::= sname(N).                       { A = ast_name(p, N); }
nprimary(A) ::= nprimary(E) config(C).          { A = ast_schema_expr(p, E, C); }
nprimary(A) ::= nprimary(E) DOT sname(N).            { A = ast_select(p, E, N, false); }
nprimary(A) ::= nprimary(E) QDOT sname(N).           { A = ast_select(p, E, N, true); }
nprimary(A) ::= nprimary(E) LBRACKET subscript(S) RBRACKET(R).  { A = ast_subscript(p, E, S, false, R); }
nprimary(A) ::= nprimary(E) QLBRACKET subscript(S) RBRACKET(R). { A = ast_subscript(p, E, S, true, R); }
nprimary(A) ::= nprimary(E) LPAREN args(L) RPAREN(R).           { A = ast_call(p, E, L, R); }

/* The operands are oprimary rules themselves (an 'operand' rule of their own would be one
 * more reduction for each). */
oprimary(A) ::= INT(T).                         { A = ast_int(p, T); }
oprimary(A) ::= FLOAT(T).                       { A = ast_float(p, T); }
oprimary(A) ::= STRING(T).                      { A = parse_string(p, T); }
oprimary(A) ::= TRUE(T).                        { A = ast_const(p, AST_TRUE, T); }
oprimary(A) ::= FALSE(T).                       { A = ast_const(p, AST_FALSE, T); }
oprimary(A) ::= NONE(T).                        { A = ast_const(p, AST_NONE, T); }
oprimary(A) ::= UNDEFINED(T).                   { A = ast_const(p, AST_UNDEFINED, T); }
oprimary(A) ::= LPAREN(L) expr(E) RPAREN(R).    { A = ast_paren(p, L, E, R); }
oprimary(A) ::= list(E).                        { A = E; }
oprimary(A) ::= config(E).                      { A = E; }
oprimary(A) ::= lambda(E).                      { A = E; }
oprimary(A) ::= quant(E).                       { A = E; }

oprimary(A) ::= oprimary(E) DOT sname(N).            { A = ast_select(p, E, N, false); }
oprimary(A) ::= oprimary(E) QDOT sname(N).           { A = ast_select(p, E, N, true); }
oprimary(A) ::= oprimary(E) LBRACKET subscript(S) RBRACKET(R).  { A = ast_subscript(p, E, S, false, R); }
oprimary(A) ::= oprimary(E) QLBRACKET subscript(S) RBRACKET(R). { A = ast_subscript(p, E, S, true, R); }
oprimary(A) ::= oprimary(E) LPAREN args(L) RPAREN(R).           { A = ast_call(p, E, L, R); }

/* Subscripts: an index, or a slice [lo:hi:step] with every part optional. */
subscript(A) ::= expr(E).                                        { A = E; }
subscript(A) ::= opt_expr(L) COLON(C) opt_expr(H).               { A = ast_slice_spec(p, C, L, H, NULL); }
subscript(A) ::= opt_expr(L) COLON(C) opt_expr(H) COLON opt_expr(S). { A = ast_slice_spec(p, C, L, H, S); }
opt_expr(A) ::= .                               { A = NULL; }
opt_expr(A) ::= expr(E).                        { A = E; }

/* Call arguments: positional, then name=value (ast_args_add reports the order). */
%type args {struct ast_list}
args(A) ::= .                                   { A = ast_list_none(); }
args(A) ::= arg_list(L).                        { A = L; }
args(A) ::= arg_list(L) COMMA.                  { A = L; }
%type arg_list {struct ast_list}
arg_list(A) ::= arg(E).                         { A = ast_args_add(p, ast_list_none(), E); }
arg_list(A) ::= arg_list(L) COMMA arg(E).       { A = ast_args_add(p, L, E); }
arg(A) ::= expr(E).                             { A = E; }
arg(A) ::= sname(N) ASSIGN expr(E).              { A = ast_kwarg(p, N, E); }

/* {=====================================================================
 * Lists and configs. Inside brackets the lexer produces no NEWLINE/INDENT/DEDENT; parse.c's
 * feeder puts back a NEWLINE where a line break separates two items, and wraps the body of
 * each conditional item ("if c: …", "elif c: …", "else: …") in INDENT … DEDENT, whether
 * the body is on the same line or an indented block. So both
 *     { if a: x = 1, y = 2 elif b: x = 3 }
 * and the multi-line forms arrive as IF a COLON INDENT … DEDENT ELIF b COLON INDENT … DEDENT.
 * ====================================================================} */
/* A line break between items is spelled out in the list and config rules rather than
 * reduced to a 'sep' first: one reduction less per item on its own line. The ',' keeps
 * its 'sep', whose state it shares with 'opt_comma' and the comprehension clauses: the
 * default reduction there decides which tokens a syntax error lists as expected. */
sep ::= COMMA.
opt_comma ::= .
opt_comma ::= COMMA.

list(A) ::= LBRACKET(L) RBRACKET(R).                        { A = ast_list_expr(p, L, NULL, R); }
list(A) ::= LBRACKET(L) list_items(I) opt_comma RBRACKET(R). { A = ast_list_expr(p, L, &I, R); }
list(A) ::= LBRACKET(L) expr(E) comp_clauses(C) RBRACKET(R). { A = ast_list_comp(p, L, E, C, R); }
/* KCL's parse_list_items and parse_config_entries stop at a 'for' that starts an item and
 * take the comprehension clauses from there, so such a 'for' is never a name (the
 * %fallback would make "{for = 1}" a config): "[a, for x in y]" is [a for x in y], and
 * with no item or more than one ast.c reports an error ("list multiple items found"). */
list(A) ::= LBRACKET(L) comp_clauses(C) RBRACKET(R).
                                { A = ast_comp_items(p, AST_LIST_COMP, L, NULL, C, R); }
list(A) ::= LBRACKET(L) list_items(I) COMMA comp_clauses(C) RBRACKET(R).
                                { A = ast_comp_items(p, AST_LIST_COMP, L, &I, C, R); }

%type list_items {struct ast_list}
/* A plain expression is an item without a 'list_item ::= expr' reduction of its own. */
list_items(A) ::= expr(E).                              { A = ast_list_one(p, E); }
list_items(A) ::= list_items(L) sep expr(E).            { A = ast_list_add(p, L, E); }
list_items(A) ::= list_items(L) NEWLINE expr(E).        { A = ast_list_add(p, L, E); }
list_items(A) ::= list_item(E).                         { A = ast_list_one(p, E); }
list_items(A) ::= list_items(L) sep list_item(E).       { A = ast_list_add(p, L, E); }
list_items(A) ::= list_items(L) NEWLINE list_item(E).   { A = ast_list_add(p, L, E); }
list_item(A) ::= STAR(T) expr(E).                       { A = ast_starred(p, T, E); }
list_item(A) ::= list_if(E).                            { A = E; }

/* An 'else' branch ends the chain: after it 'elif' and 'else' are names again, as in KCL
 * ("{if a: x = 1 else: x = 2\n else = 3}" has a key 'else'). */
list_if(A) ::= list_elifs(H).                           { A = H; }
list_if(A) ::= list_elifs(H) ELSE(T) COLON INDENT list_items(I) opt_comma DEDENT(E).
                                        { A = ast_cond_elif(p, H, T, NULL, I, E); }
list_elifs(A) ::= IF(T) expr(C) COLON INDENT list_items(I) opt_comma DEDENT(E).
                                        { A = ast_cond_if(p, AST_LIST_IF, T, C, I, E); }
list_elifs(A) ::= list_elifs(H) ELIF(T) expr(C) COLON INDENT list_items(I) opt_comma DEDENT(E).
                                        { A = ast_cond_elif(p, H, T, C, I, E); }

config(A) ::= LBRACE(L) RBRACE(R).                          { A = ast_config(p, L, NULL, R); }
config(A) ::= LBRACE(L) entries(I) opt_comma RBRACE(R).     { A = ast_config(p, L, &I, R); }
config(A) ::= LBRACE(L) kv_entry(E) comp_clauses(C) RBRACE(R). { A = ast_dict_comp(p, L, E, C, R); }
config(A) ::= LBRACE(L) comp_clauses(C) RBRACE(R).
                                { A = ast_comp_items(p, AST_DICT_COMP, L, NULL, C, R); }
config(A) ::= LBRACE(L) entries(I) COMMA comp_clauses(C) RBRACE(R).
                                { A = ast_comp_items(p, AST_DICT_COMP, L, &I, C, R); }

%type entries {struct ast_list}
entries(A) ::= entry(E).                        { A = ast_list_one(p, E); }
entries(A) ::= entries(L) sep entry(E).         { A = ast_list_add(p, L, E); }
entries(A) ::= entries(L) NEWLINE entry(E).     { A = ast_list_add(p, L, E); }
/* The key-value forms again rather than 'entry ::= kv_entry': one reduction less per entry
 * (kv_entry is for dict comprehensions). */
entry(A) ::= expr(K) COLON expr(V).             { A = ast_entry(p, K, ENTRY_UNION, V); }
entry(A) ::= expr(K) ASSIGN expr(V).            { A = ast_entry(p, K, ENTRY_OVERRIDE, V); }
entry(A) ::= expr(K) PLUSEQ expr(V).            { A = ast_entry(p, K, ENTRY_INSERT, V); }
entry(A) ::= POW(T) expr(E).                    { A = ast_entry_unpack(p, T, E); }
entry(A) ::= config_if(E).                      { A = E; }
kv_entry(A) ::= expr(K) COLON expr(V).          { A = ast_entry(p, K, ENTRY_UNION, V); }
kv_entry(A) ::= expr(K) ASSIGN expr(V).         { A = ast_entry(p, K, ENTRY_OVERRIDE, V); }
kv_entry(A) ::= expr(K) PLUSEQ expr(V).         { A = ast_entry(p, K, ENTRY_INSERT, V); }

config_if(A) ::= config_elifs(H).                       { A = H; }
config_if(A) ::= config_elifs(H) ELSE(T) COLON INDENT entries(I) opt_comma DEDENT(E).
                                        { A = ast_cond_elif(p, H, T, NULL, I, E); }
config_elifs(A) ::= IF(T) expr(C) COLON INDENT entries(I) opt_comma DEDENT(E).
                                        { A = ast_cond_if(p, AST_CONFIG_IF, T, C, I, E); }
config_elifs(A) ::= config_elifs(H) ELIF(T) expr(C) COLON INDENT entries(I) opt_comma DEDENT(E).
                                        { A = ast_cond_elif(p, H, T, C, I, E); }

/* Comprehension clauses: for k[, v] in iter (if cond)*. Loop variables are parsed as
 * dotted names so that ast.c can report KCL's messages for "for a.b in" and "for a, b, c". */
%type comp_clauses {struct ast_list}
comp_clauses(A) ::= comp_for(C).                        { A = ast_list_one(p, C); }
comp_clauses(A) ::= comp_clauses(L) comp_for(C).        { A = ast_list_add(p, L, C); }
comp_for(A) ::= FOR(T) loop_vars(V) IN sexpr(E). [PREC_LOW] { A = ast_comp_for(p, T, V, E); }
comp_for(A) ::= FOR(T) loop_vars(V) COMMA IN sexpr(E). [PREC_LOW] { A = ast_comp_for(p, T, V, E); }
comp_for(A) ::= comp_for(C) IF expr(E).                 { A = ast_comp_if(p, C, E); }

%type loop_vars {struct ast_list}
loop_vars(A) ::= dotted_name(N).                        { A = ast_list_one(p, N); }
loop_vars(A) ::= loop_vars(L) COMMA dotted_name(N).     { A = ast_list_add(p, L, N); }

/* {=====================================================================
 * Lambda and quantifiers. Their heads set p->brace_hint (in ast.c) when reduced, which
 * happens at the latest when the '{' of the body is the lookahead: that tells the feeder
 * that the brace holds statements (lambda: NEWLINE/INDENT/DEDENT are put back) or a single
 * expression (quantifier: no separators).
 * ====================================================================} */
lambda(A) ::= lambda_head(H) LBRACE stmt_list(B) RBRACE(R).    { A = ast_lambda(p, H, B, R); }
lambda_head(A) ::= LAMBDA(T).                                   { A = ast_lambda_head(p, T, NULL, NULL); }
lambda_head(A) ::= LAMBDA(T) params(P).                         { A = ast_lambda_head(p, T, &P, NULL); }
lambda_head(A) ::= LAMBDA(T) ARROW type(R).                     { A = ast_lambda_head(p, T, NULL, R); }
lambda_head(A) ::= LAMBDA(T) params(P) ARROW type(R).           { A = ast_lambda_head(p, T, &P, R); }
/* lambda {a, b} -> T {…}: the feeder turns that first pair of braces into parentheses. */
lambda_head(A) ::= LAMBDA(T) LPAREN RPAREN.                     { A = ast_lambda_head(p, T, NULL, NULL); }
lambda_head(A) ::= LAMBDA(T) LPAREN params(P) opt_comma RPAREN. { A = ast_lambda_head(p, T, &P, NULL); }
lambda_head(A) ::= LAMBDA(T) LPAREN RPAREN ARROW type(R).       { A = ast_lambda_head(p, T, NULL, R); }
lambda_head(A) ::= LAMBDA(T) LPAREN params(P) opt_comma RPAREN ARROW type(R). { A = ast_lambda_head(p, T, &P, R); }

quant(A) ::= quant_head(H) LBRACE sexpr(E) RBRACE(R).           { A = ast_quant(p, H, E, NULL, R); }
quant(A) ::= quant_head(H) LBRACE sexpr(E) IF expr(C) RBRACE(R). { A = ast_quant(p, H, E, C, R); }
quant_head(A) ::= ALL(T) loop_vars(V) IN quant_target(E).       { A = ast_quant_head(p, QUANT_ALL, T, V, E); }
quant_head(A) ::= ANY(T) loop_vars(V) IN quant_target(E).       { A = ast_quant_head(p, QUANT_ANY, T, V, E); }
quant_head(A) ::= MAP(T) loop_vars(V) IN quant_target(E).       { A = ast_quant_head(p, QUANT_MAP, T, V, E); }
quant_head(A) ::= FILTER(T) loop_vars(V) IN quant_target(E).    { A = ast_quant_head(p, QUANT_FILTER, T, V, E); }

/* A name with suffixes, a string, a list/dict literal or comprehension (spec §2.2): not a
 * general expression, so that the '{' after it can only start the body. */
quant_target(A) ::= sname(N).                                   { A = ast_name(p, N); }
quant_target(A) ::= STRING(T).                                  { A = parse_string(p, T); }
quant_target(A) ::= list(E).                                    { A = E; }
quant_target(A) ::= config(E).                                  { A = E; }
quant_target(A) ::= LPAREN(L) expr(E) RPAREN(R).                { A = ast_paren(p, L, E, R); }
quant_target(A) ::= quant_target(E) DOT sname(N).                    { A = ast_select(p, E, N, false); }
quant_target(A) ::= quant_target(E) QDOT sname(N).                   { A = ast_select(p, E, N, true); }
quant_target(A) ::= quant_target(E) LBRACKET subscript(S) RBRACKET(R).  { A = ast_subscript(p, E, S, false, R); }
quant_target(A) ::= quant_target(E) QLBRACKET subscript(S) RBRACKET(R). { A = ast_subscript(p, E, S, true, R); }
quant_target(A) ::= quant_target(E) LPAREN args(L) RPAREN(R).   { A = ast_call(p, E, L, R); }
