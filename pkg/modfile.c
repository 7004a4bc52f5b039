/* kcl.mod: reading (spec §1.1) and writing in kpm's byte layout (§1.2). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/io.h"
#include "pkg/pkg.h"
#include "pkg/toml.h"

bool pkg_has_mod(const char *dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/kcl.mod", dir);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void free_dep(struct pkg_dep *d)
{
    free(d->key);
    free(d->name);
    free(d->version);
    free(d->oci);
    free(d->reg);
    free(d->repo);
    free(d->url);
    free(d->tag);
    free(d->commit);
    free(d->branch);
    free(d->path);
    free(d->package);
    free(d->spec_version);
}

void pkg_mod_free(struct pkg_mod *m)
{
    free(m->name);
    free(m->edition);
    free(m->version);
    free(m->description);
    pkg_strs_free(&m->include);
    pkg_strs_free(&m->exclude);
    for (size_t i = 0; i < m->ndeps; i++)
        free_dep(&m->deps[i]);
    free(m->deps);
    pkg_strs_free(&m->entries);
    pkg_strs_free(&m->selectors);
    pkg_strs_free(&m->overrides);
    pkg_strs_free(&m->arguments);
    memset(m, 0, sizeof *m);
}

const struct pkg_dep *pkg_mod_dep(const struct pkg_mod *m, const char *key)
{
    for (size_t i = 0; i < m->ndeps; i++)
        if (!strcmp(m->deps[i].key, key))
            return &m->deps[i];
    return NULL;
}

/* kpm takes a key only when its TOML type matches. */
static char *str_field(const struct toml *t, const char *key)
{
    return pkg_strdup(toml_str(t, key));
}

static void strs_field(const struct toml *t, const char *key, struct pkg_strs *out)
{
    const struct toml *a = toml_get(t, key);
    if (!a || a->type != TOML_ARRAY)
        return;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i]->type == TOML_STR)
            pkg_strs_push(out, a->v[i]->str);
}

static int bool_field(const struct toml *t, const char *key)
{
    const struct toml *v = toml_get(t, key);
    return v && v->type == TOML_BOOL ? (int)v->i : -1;
}

static int cmp_dep(const void *a, const void *b)
{
    return strcmp(((const struct pkg_dep *)a)->key, ((const struct pkg_dep *)b)->key);
}

/* oci://host/path -> host, path */
static int split_oci(const char *url, char **reg, char **repo, struct pkg_err *err)
{
    const char *sep = strstr(url, "://");
    if (!sep || strncmp(url, "oci", (size_t)(sep - url)) || sep - url != 3) {
        int n = sep ? (int)(sep - url) : 0;
        return pkg_fail(err, "invalid oci url with schema: %.*s", n, url);
    }
    const char *host = sep + 3;
    const char *slash = strchr(host, '/');
    if (!slash || slash == host || !slash[1])
        return pkg_fail(err, "invalid oci url '%s': expected oci://<registry>/<repository>", url);
    *reg = strndup(host, (size_t)(slash - host));
    *repo = strdup(slash + 1);
    if (!*reg || !*repo)
        abort();
    return 0;
}

static int read_dep(const char *key, const struct toml *v, struct pkg_dep *d, struct pkg_err *err)
{
    d->key = pkg_strdup(key);
    d->name = pkg_strdup(key);
    for (char *c = d->name; *c; c++)
        if (*c == '-')
            *c = '_';
    if (v->type == TOML_STR) {
        d->src = PKG_SRC_OCI;
        d->plain = true;
        d->version = pkg_strdup(v->str);
        d->tag = pkg_strdup(v->str);
        d->repo = NULL;
        return 0;
    }
    if (v->type != TOML_TABLE)
        return pkg_fail(err, "dependency '%s': expected a version string or a table", key);
    d->package = str_field(v, "package");
    d->spec_version = str_field(v, "version");
    const char *path = toml_str(v, "path"), *git = toml_str(v, "git");
    const char *oci = toml_str(v, "oci"), *repo = toml_str(v, "repo");
    if (path) {
        d->src = PKG_SRC_LOCAL;
        d->path = pkg_strdup(path);
        return 0;
    }
    if (git) {
        d->src = PKG_SRC_GIT;
        d->url = pkg_strdup(git);
        d->tag = str_field(v, "tag");
        d->commit = str_field(v, "commit");
        d->branch = str_field(v, "branch");
        if (!!d->tag + !!d->commit + !!d->branch > 1)
            return pkg_fail(err, "only one of branch, tag or commit is allowed");
        return 0;
    }
    d->src = PKG_SRC_OCI;
    d->tag = str_field(v, "tag");
    if (oci) {
        d->oci = pkg_strdup(oci);
        return split_oci(oci, &d->reg, &d->repo, err);
    }
    if (repo) {
        d->hostless = true;
        d->repo = pkg_strdup(repo);
        d->reg = str_field(v, "reg");
        return 0;
    }
    if (d->package || d->spec_version) {
        d->spec_only = true;
        return 0;
    }
    return pkg_fail(err, "dependency '%s': no source (path, git, oci or repo)", key);
}

int pkg_mod_parse(const char *text, size_t len, const char *dir, struct pkg_mod *m,
                  struct pkg_err *err)
{
    memset(m, 0, sizeof *m);
    m->disable_none = m->sort_keys = -1;
    struct pkg_err terr;
    struct toml *doc = toml_parse(text, len, &terr);
    if (!doc)
        return pkg_fail(err, "could not load 'kcl.mod' in '%s'\n%s", dir, terr.msg);
    const struct toml *p = toml_get(doc, "package");
    if (p && p->type == TOML_TABLE) {
        m->name = str_field(p, "name");
        m->edition = str_field(p, "edition");
        m->version = str_field(p, "version");
        m->description = str_field(p, "description");
        strs_field(p, "include", &m->include);
        strs_field(p, "exclude", &m->exclude);
    }
    int rc = 0;
    const struct toml *deps = toml_get(doc, "dependencies");
    if (deps && deps->type == TOML_TABLE && deps->n) {
        m->deps = calloc(deps->n, sizeof *m->deps);
        if (!m->deps)
            abort();
        for (size_t i = 0; i < deps->n && rc == 0; i++) {
            rc = read_dep(deps->keys[i], deps->v[i], &m->deps[m->ndeps++], err);
            for (size_t j = 0; rc == 0 && j + 1 < m->ndeps; j++)
                if (!strcmp(m->deps[j].name, m->deps[m->ndeps - 1].name))
                    rc = pkg_fail(err, "dependency name conflict, '%s' already exists",
                                  m->deps[j].name);
        }
        qsort(m->deps, m->ndeps, sizeof *m->deps, cmp_dep);
    }
    const struct toml *prof = toml_get(doc, "profile");
    if (rc == 0 && prof && prof->type == TOML_TABLE) {
        m->has_profile = true;
        strs_field(prof, "entries", &m->entries);
        m->disable_none = bool_field(prof, "disable_none");
        m->sort_keys = bool_field(prof, "sort_keys");
        strs_field(prof, "selectors", &m->selectors);
        strs_field(prof, "overrides", &m->overrides);
        strs_field(prof, "arguments", &m->arguments);
    }
    toml_free(doc);
    if (rc != 0)
        pkg_mod_free(m);
    return rc;
}

int pkg_mod_read(const char *dir, struct pkg_mod *m, struct pkg_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kcl.mod", dir);
    size_t len;
    char *text = pkg_read_file(path, &len, err);
    if (!text) {
        memset(m, 0, sizeof *m);
        return pkg_fail(err, "could not load 'kcl.mod' in '%s'\n%s", dir, err->msg);
    }
    int rc = pkg_mod_parse(text, len, dir, m, err);
    free(text);
    return rc;
}

/* {===== writing */

static void quote(struct pkg_buf *b, const char *s)
{
    pkg_buf_putc(b, '"');
    pkg_buf_quoted(b, s);
    pkg_buf_putc(b, '"');
}

static void kv(struct pkg_buf *b, const char *key, const char *val)
{
    if (!val || !*val)
        return;
    pkg_buf_printf(b, "%s = ", key);
    quote(b, val);
    pkg_buf_putc(b, '\n');
}

static void list(struct pkg_buf *b, const char *key, const struct pkg_strs *s)
{
    if (!s->n)
        return;
    pkg_buf_printf(b, "%s = [", key);
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            pkg_buf_puts(b, ", ");
        quote(b, s->v[i]);
    }
    pkg_buf_puts(b, "]\n");
}

static void field(struct pkg_buf *b, const char *key, const char *val)
{
    if (!val || !*val)
        return;
    pkg_buf_printf(b, ", %s = ", key);
    quote(b, val);
}

static void write_dep(struct pkg_buf *b, const struct pkg_dep *d)
{
    pkg_buf_printf(b, "%s = ", d->key);
    if (d->plain) {
        quote(b, d->version ? d->version : "");
        pkg_buf_putc(b, '\n');
        return;
    }
    pkg_buf_puts(b, "{ ");
    bool spec = d->package || d->spec_version;
    bool aliased = d->package && strcmp(d->package, d->key);
    if (d->spec_only) {
        pkg_buf_puts(b, "package = ");
        quote(b, d->package ? d->package : d->key);
        field(b, "version", d->spec_version);
        pkg_buf_puts(b, " }\n");
        return;
    }
    switch (d->src) {
    case PKG_SRC_GIT:
        pkg_buf_puts(b, "git = ");
        quote(b, d->url);
        field(b, "tag", d->tag);
        field(b, "commit", d->commit);
        field(b, "branch", d->branch);
        break;
    case PKG_SRC_OCI:
        if (d->hostless) {
            pkg_buf_puts(b, "repo = ");
            quote(b, d->repo);
        } else {
            pkg_buf_puts(b, "oci = ");
            if (d->oci) {
                quote(b, d->oci);
            } else {
                pkg_buf_printf(b, "\"oci://");
                pkg_buf_quoted(b, d->reg ? d->reg : "");
                pkg_buf_putc(b, '/');
                pkg_buf_quoted(b, d->repo ? d->repo : "");
                pkg_buf_putc(b, '"');
            }
        }
        field(b, "tag", d->tag);
        break;
    case PKG_SRC_LOCAL:
        pkg_buf_puts(b, "path = ");
        quote(b, d->path);
        break;
    }
    if (spec) {
        if (aliased)
            field(b, "package", d->package);
        field(b, "version", d->spec_version);
    }
    pkg_buf_puts(b, " }\n");
}

char *pkg_mod_format(const struct pkg_mod *m)
{
    struct pkg_buf b = {0};
    pkg_buf_puts(&b, "[package]\n");
    kv(&b, "name", m->name);
    kv(&b, "edition", m->edition);
    kv(&b, "version", m->version);
    kv(&b, "description", m->description);
    list(&b, "include", &m->include);
    list(&b, "exclude", &m->exclude);
    if (m->ndeps) {
        pkg_buf_puts(&b, "\n[dependencies]\n");
        for (size_t i = 0; i < m->ndeps; i++)
            write_dep(&b, &m->deps[i]);
    }
    if (m->has_profile) {
        pkg_buf_puts(&b, "\n[profile]\n");
        list(&b, "entries", &m->entries);
        if (m->disable_none >= 0)
            pkg_buf_printf(&b, "disable_none = %s\n", m->disable_none ? "true" : "false");
        if (m->sort_keys >= 0)
            pkg_buf_printf(&b, "sort_keys = %s\n", m->sort_keys ? "true" : "false");
        list(&b, "selectors", &m->selectors);
        list(&b, "overrides", &m->overrides);
        list(&b, "arguments", &m->arguments);
    }
    return pkg_buf_take(&b);
}

int pkg_mod_write(const char *dir, const struct pkg_mod *m, struct pkg_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kcl.mod", dir);
    char *text = pkg_mod_format(m);
    int rc = pkg_write_if_changed(path, text, strlen(text), err);
    free(text);
    return rc;
}
