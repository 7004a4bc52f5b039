/* A TOML reader for kcl.mod and kcl.mod.lock: the whole of TOML 1.0's syntax except dates
 * (read as strings) and the exotic float forms (inf, nan). */
#ifndef SCL_PKG_TOML_H
#define SCL_PKG_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "pkg/pkg.h"

enum toml_type { TOML_STR, TOML_INT, TOML_FLOAT, TOML_BOOL, TOML_ARRAY, TOML_TABLE };

struct toml {
    enum toml_type type;
    char *str;   /* TOML_STR, also the raw text of dates */
    long long i; /* TOML_INT, TOML_BOOL */
    double f;
    size_t n;        /* array items or table entries, in document order */
    char **keys;     /* TOML_TABLE */
    struct toml **v; /* items / values */
    bool defined;    /* table: defined by a header or inline (redefinition is an error) */
    bool inline_;    /* inline table or static array: closed to later additions */
};

/* NULL on error, with "line L: message" in err. */
struct toml *toml_parse(const char *text, size_t len, struct pkg_err *err);
void toml_free(struct toml *t);
const struct toml *toml_get(const struct toml *table, const char *key);
/* The value at key when it has the type, else NULL. */
const char *toml_str(const struct toml *table, const char *key);

#endif
