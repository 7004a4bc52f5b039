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
