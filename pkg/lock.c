/* kcl.mod.lock: read, and written in the BurntSushi encoder's layout kpm produces (spec §1.3). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/io.h"
#include "pkg/pkg.h"
#include "pkg/toml.h"

/* The fields in their written order. */
#define LOCK_FIELDS(X)                                                                        \
    X(name) X(full_name) X(version) X(sum) X(url) X(branch) X(commit) X(git_tag) X(package)  \
        X(reg) X(repo) X(oci_tag)

static void free_entry(struct pkg_lock_entry *e)
{
    free(e->key);
#define FREE(f) free(e->f);
    LOCK_FIELDS(FREE)
#undef FREE
}

void pkg_lock_free(struct pkg_lock *l)
{
    for (size_t i = 0; i < l->n; i++)
        free_entry(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

struct pkg_lock_entry *pkg_lock_get(const struct pkg_lock *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].key, key))
            return &l->v[i];
    return NULL;
}

void pkg_lock_put(struct pkg_lock *l, const struct pkg_lock_entry *e)
{
    struct pkg_lock_entry copy = {.key = pkg_strdup(e->key)};
#define COPY(f) copy.f = pkg_strdup(e->f);
    LOCK_FIELDS(COPY)
#undef COPY
    struct pkg_lock_entry *old = pkg_lock_get(l, e->key);
    if (old) {
        free_entry(old);
        *old = copy;
        return;
    }
    size_t at = 0;
    while (at < l->n && strcmp(l->v[at].key, e->key) < 0)
        at++;
    struct pkg_lock_entry *v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        abort();
    memmove(v + at + 1, v + at, (l->n - at) * sizeof *v);
    v[at] = copy;
    l->v = v;
    l->n++;
}

int pkg_lock_read(const char *dir, struct pkg_lock *l, struct pkg_err *err)
{
    memset(l, 0, sizeof *l);
    char *path = pkg_join(dir, "kcl.mod.lock");
    size_t len;
    struct pkg_err ignored;
    char *text = pkg_read_file(path, &len, &ignored);
    free(path);
    if (!text)
        return 0;
    struct pkg_err terr;
    struct toml *doc = toml_parse(text, len, &terr);
    free(text);
    if (!doc)
        return pkg_fail(err, "could not load 'kcl.mod.lock' in '%s'\n%s", dir, terr.msg);
    const struct toml *deps = toml_get(doc, "dependencies");
    if (deps && deps->type == TOML_TABLE) {
        for (size_t i = 0; i < deps->n; i++) {
            const struct toml *t = deps->v[i];
            if (t->type != TOML_TABLE)
                continue;
            struct pkg_lock_entry e = {.key = deps->keys[i]};
#define GET(f) e.f = (char *)toml_str(t, #f);
            LOCK_FIELDS(GET)
#undef GET
            pkg_lock_put(l, &e);
        }
    }
    toml_free(doc);
    return 0;
}

/* A TOML key as BurntSushi writes it: bare when it can be, else quoted. */
static void put_key(struct pkg_buf *b, const char *k)
{
    bool bare = *k != '\0';
    for (const char *c = k; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-'))
            bare = false;
    if (bare) {
        pkg_buf_puts(b, k);
        return;
    }
    pkg_buf_putc(b, '"');
    pkg_buf_quoted(b, k);
    pkg_buf_putc(b, '"');
}

char *pkg_lock_format(const struct pkg_lock *l)
{
    struct pkg_buf b = {0};
    if (l->n)
        pkg_buf_puts(&b, "[dependencies]\n");
    for (size_t i = 0; i < l->n; i++) {
        const struct pkg_lock_entry *e = &l->v[i];
        pkg_buf_puts(&b, "  [dependencies.");
        put_key(&b, e->key);
        pkg_buf_puts(&b, "]\n");
#define PUT(f)                                                                                \
    if (e->f && *e->f) {                                                                      \
        pkg_buf_puts(&b, "    " #f " = \"");                                                  \
        pkg_buf_quoted(&b, e->f);                                                             \
        pkg_buf_puts(&b, "\"\n");                                                             \
    }
        LOCK_FIELDS(PUT)
#undef PUT
    }
    return pkg_buf_take(&b);
}

int pkg_lock_write(const char *dir, const struct pkg_lock *l, struct pkg_err *err)
{
    char *path = pkg_join(dir, "kcl.mod.lock");
    char *text = pkg_lock_format(l);
    int rc = pkg_write_if_changed(path, text, strlen(text), err);
    free(text);
    free(path);
    return rc;
}
