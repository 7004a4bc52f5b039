/* Tokens: what the lexer hands the parser. Kinds are the TK_* codes of parser.h. */
#ifndef SCL_LANG_TOKEN_H
#define SCL_LANG_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

/* Unit suffix of an integer literal (spec §1.4). */
enum unit_suffix {
    UNIT_NONE,
    UNIT_n, UNIT_u, UNIT_m, UNIT_k, UNIT_K, UNIT_M, UNIT_G, UNIT_T, UNIT_P,
    UNIT_Ki, UNIT_Mi, UNIT_Gi, UNIT_Ti, UNIT_Pi,
};

/* One piece of a decoded string literal: text, or an interpolated `${expr[: #spec]}`. */
enum strpart_kind { STRPART_TEXT, STRPART_EXPR };
enum strpart_spec { STRSPEC_NONE, STRSPEC_JSON, STRSPEC_YAML };

struct strpart {
    enum strpart_kind kind;
    /* STRPART_TEXT: decoded bytes (escapes applied, dedented), NUL-terminated. */
    const char *text;
    uint32_t len;
    /* STRPART_EXPR: source byte range of the expression between "${" and "}" (or ":"). */
    uint32_t lo, hi;
    enum strpart_spec spec;
};

/* A decoded string literal. */
struct strlit {
    struct strpart *parts;
    uint32_t nparts;
    bool raw;    /* r'...' */
    bool triple; /* '''...''' or """...""" */
    bool has_expr; /* some part is STRPART_EXPR */
};

/* 24 bytes: the lexer makes one per token of a file before the parser runs. */
struct token {
    uint32_t lo, hi;  /* byte range in the source (for NAME '$if': starts after the '$') */
    union {
        int64_t i;                 /* TK_INT: value (without the unit multiplier) */
        double f;                  /* TK_FLOAT */
        const struct strlit *str;  /* TK_STRING */
        const char *name;          /* TK_NAME: NUL-terminated copy in the module arena */
    } v;
    uint16_t kind;    /* TK_* from parser.h; 0 is end of input */
    uint8_t suffix;   /* TK_INT: enum unit_suffix */
};

#endif
