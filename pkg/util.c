/* Small shared pieces of pkg/: errors and string lists. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/pkg.h"

int pkg_fail(struct pkg_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void pkg_strs_push(struct pkg_strs *s, const char *str)
{
    char **v = realloc(s->v, (s->n + 1) * sizeof *v);
    char *copy = strdup(str);
    if (!v || !copy) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    v[s->n++] = copy;
    s->v = v;
}

void pkg_strs_free(struct pkg_strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}
