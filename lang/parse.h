/* Front-end entry points: source text -> tokens -> AST, with diagnostics. Lemon emits no
 * prototypes, so the generated parser's entry points are declared here too. */
#ifndef SCL_LANG_PARSE_H
#define SCL_LANG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/source.h"
#include "lang/token.h"

/* Extra context of the Lemon parser (%extra_context): no hidden state. */
struct parser {
    struct arena *arena;        /* borrowed: the module's AST arena */
    const struct source *src;   /* borrowed */
    struct diags *diags;        /* borrowed */
    struct ast *result;         /* the module (or expression, in expression mode) */
    unsigned depth;             /* nesting of interpolation sub-parses */
    bool failed;                /* a syntax error was reported */
    uint32_t last_error_lo;     /* suppresses repeated errors at one offset */
    const struct token *toks;   /* the whole token stream (for error recovery) */
    uint32_t ntoks, pos;        /* pos: index of the token being fed */
    uint8_t brace_hint;         /* enum brace_hint: set by ast_lambda_head/ast_quant_head,
                                   read by the feeder when it has fed the next '{' */
    bool recover;               /* a syntax error was just reported: the feeder resyncs */
    bool stop;                  /* stack overflow: stop feeding */
    bool oom;                   /* memory ran out while building nodes */
};

/* What the '{' the parser is about to shift opens (see parse.c). */
enum brace_hint { BRACE_CONFIG, BRACE_STMTS, BRACE_FLAT };

/* Tokenizes src->text[lo, hi). Names and decoded strings go to 'a'; the token array and
 * work space to 'scratch' (NULL: 'a'), which the caller may release after parsing.
 * In expression mode (interpolation) newlines are ignored and no
 * INDENT/DEDENT/NEWLINE tokens are produced; otherwise the stream follows spec §1.1 and ends
 * with NEWLINE and DEDENTs. Errors go to 'd'; the stream is still usable (error tokens are
 * skipped). The array lives in 'a' and ends with a token of kind 0. */
bool lex_tokens(struct arena *a, struct arena *scratch, const struct source *src, uint32_t lo,
                uint32_t hi, bool expr_mode, struct diags *d, struct token **out, uint32_t *nout);

/* Comments, in source order, as byte ranges from '#' to the end of the line. Collected only
 * when asked (scl fmt), so that normal parsing does not pay for them. */
struct comment {
    uint32_t lo, hi;
};
struct comments {
    struct comment *v; /* in the module arena */
    uint32_t n, cap;
};
/* lex_tokens that also appends every comment to 'c' (NULL: skip them). */
bool lex_tokens_comments(struct arena *a, struct arena *scratch, const struct source *src,
                         uint32_t lo, uint32_t hi, bool expr_mode, struct diags *d,
                         struct token **out, uint32_t *nout, struct comments *c);

/* lex_tokens_comments for a whole file parsed as a module: a docstring's literal is left
 * undecoded (a strlit with no parts; see lexer.re). */
bool lex_module_tokens(struct arena *a, struct arena *scratch, const struct source *src,
                       struct diags *d, struct token **out, uint32_t *nout, struct comments *c);
/* Decodes the string literal src->text[lo, hi) (prefix and quotes included) into 'a';
 * reports nothing. NULL on memory exhaustion or if the range is not a literal. */
struct strlit *lex_decode_literal(struct arena *a, const struct source *src, uint32_t lo,
                                  uint32_t hi);

/* Parses a whole file. Returns the AST_MODULE (possibly partial when there were syntax
 * errors: check d->nerrors). NULL only on memory exhaustion. */
struct ast *parse_module(struct arena *a, const struct source *src, struct diags *d);
/* parse_module that also collects the file's comments into 'c' (zeroed by the caller). */
struct ast *parse_module_comments(struct arena *a, const struct source *src, struct diags *d,
                                  struct comments *c);

/* Parses src->text[lo, hi) as a single expression (used for `${...}` and for -O/-D values). */
struct ast *parse_expr_range(struct arena *a, const struct source *src, uint32_t lo, uint32_t hi,
                             struct diags *d, unsigned depth);

/* Helpers the grammar actions call (parse.c). */
/* A STRING token as an AST_STR node; each ${...} part is parsed with parse_expr_range. */
struct ast *parse_string(struct parser *p, struct token t);
/* %syntax_error: 'got' names the offending token, 'expected' the tokens the parser could take
 * (is_expr: it could start an expression). Reports E1001 and asks the feeder to resync. */
void parse_syntax_error(struct parser *p, int major, struct token tok, const char *got,
                        bool is_expr, const char **expected, unsigned nexpected);
void parse_stack_overflow(struct parser *p);

/* Lemon's generated entry points (parser.c). */
void sclParseInit(void *parser, struct parser *p);
void sclParseFinalize(void *parser);
void sclParse(void *parser, int kind, struct token tok);
size_t sclParseSizeof(void);
/* Would the parser take a token of kind 'tok' now (after any reductions)? */
bool sclParseAccepts(void *parser, int tok);
/* How the parser would take keyword token 'kw' now: 1 as the keyword, 2 as a name (parser.y's
 * %fallback), 0 not at all (a syntax error). */
int sclParseKeywordRole(void *parser, int kw);

#endif
