/* The module loader: resolves `import a.b.c` (and relative `.x`) to package directories or
 * files under the package root (spec §4), parses them once and caches the package. */
#include "config.h"

#include "runtime/loader.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang/parse.h"

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcmp(name + n - e, ext);
}

static bool is_source_name(const char *name)
{
    if (name[0] == '_' || name[0] == '.')
        return false;
    if (has_ext(name, "_test.k") || has_ext(name, "_test.scl"))
        return false;
    return has_ext(name, ".k") || has_ext(name, ".scl");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *loader_read(struct vm *vm, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = vm_alloc(vm, cap);
    for (;;) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
        if (n == cap) {
            buf = vm_realloc(vm, buf, cap, cap * 2);
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err)
        return NULL;
    *len = n;
    return buf;
}

/* The source files of a package directory, sorted by name. */
static uint32_t list_dir(struct vm *vm, const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint32_t n = 0, cap = 8;
    char **v = vm_alloc(vm, cap * sizeof *v);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_source_name(e->d_name))
            continue;
        char *full = str_fmt(vm, "%s/%s", dir, e->d_name)->b;
        if (!is_file(full))
            continue;
        if (n == cap) {
            v = vm_realloc(vm, v, cap * sizeof *v, cap * 2 * sizeof *v);
            cap *= 2;
        }
        v[n++] = full;
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    return n;
}

static struct pkg *find_pkg(struct eval *ev, const char *key)
{
    for (uint32_t i = 0; i < ev->npkgs; i++)
        if (ev->pkgs[i]->key && !strcmp(ev->pkgs[i]->key, key))
            return ev->pkgs[i];
    return NULL;
}

void loader_add_source(struct eval *ev, struct pkg *p, const char *path, const char *text,
                       size_t len)
{
    struct vm *vm = ev->vm;
    struct source *src = source_map_add(ev->sm, path, text, len);
    if (!src)
        vm_raise(vm, "out of memory");
    unsigned before = vm->diags->nerrors;
    struct ast *mod = parse_module(vm->arena, src, vm->diags);
    if (!mod)
        vm_raise(vm, "out of memory");
    if (vm->diags->nerrors != before) {
        /* the parse errors are already recorded: stop with the first of them */
        vm_throw_diag(vm, vm->diags->v[vm->diags->n - 1]);
    }
    pkg_add_file(ev, p, mod, src);
}

static char *parent_dir(struct vm *vm, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return str_cstr(vm, ".")->b;
    if (slash == path)
        return str_cstr(vm, "/")->b;
    return str_new(vm, path, (size_t)(slash - path))->b;
}

struct pkg *loader_import(struct eval *ev, struct pkg *from, uint32_t file, struct ast *imp)
{
    struct vm *vm = ev->vm;
    const char *path = imp->u.import.path;
    uint32_t level = imp->u.import.level;
    const char *base;
    if (level > 0) {
        base = parent_dir(vm, from->files[file].src->path);
        for (uint32_t i = 1; i < level; i++)
            base = parent_dir(vm, base);
    } else {
        base = ev->root;
    }
    struct sbuf b;
    sbuf_init(&b, vm);
    sbuf_puts(&b, base);
    sbuf_putc(&b, '/');
    for (const char *c = path; *c; c++)
        sbuf_putc(&b, *c == '.' ? '/' : *c);
    char *target = sbuf_str(&b)->b;
    char *resolved = realpath(target, NULL);
    const char *key = target;
    char **files = NULL;
    uint32_t nfiles = 0;
    if (resolved && is_dir(resolved)) {
        key = str_cstr(vm, resolved)->b;
        free(resolved);
        nfiles = list_dir(vm, key, &files);
    } else {
        free(resolved);
        const char *exts[] = {".k", ".scl"};
        for (int i = 0; i < 2 && !nfiles; i++) {
            char *f = str_fmt(vm, "%s%s", target, exts[i])->b;
            if (is_file(f)) {
                char *r = realpath(f, NULL);
                key = str_cstr(vm, r ? r : f)->b;
                free(r);
                files = vm_alloc(vm, sizeof *files);
                files[0] = (char *)key;
                nfiles = 1;
            }
        }
        if (!nfiles && !is_dir(target))
            vm_raise_at(vm, imp->span, "E2F04", "CannotFindModule",
                        "Cannot find the module %s from %s", path, target);
    }
    struct pkg *p = find_pkg(ev, key);
    if (p) {
        if (p->state == STMT_RUNNING)
            vm_raise_at(vm, imp->span, "E2L23", "CompileError",
                        "There is a circular reference between modules %s, %s", from->path,
                        p->path);
        return p;
    }
    /* importing a file of the main package itself */
    for (uint32_t i = 0; i < ev->main->nfiles; i++) {
        char *r = realpath(ev->main->files[i].src->path, NULL);
        bool same = r && !strcmp(r, key);
        free(r);
        if (same)
            vm_raise_at(vm, imp->span, "E1001", "RecursiveLoad",
                        "Could not compiles due to cyclic import statements\n- %s", path);
    }
    p = pkg_new(ev, path, nfiles == 1 && !is_dir(key) ? parent_dir(vm, key) : key);
    p->key = key;
    for (uint32_t i = 0; i < nfiles; i++) {
        size_t len;
        char *text = loader_read(vm, files[i], &len);
        if (!text)
            vm_raise_at(vm, imp->span, "E2F04", "CannotFindModule", "cannot read %s", files[i]);
        loader_add_source(ev, p, files[i], text, len);
    }
    return p;
}

const char *loader_find_root(struct vm *vm, const char *first_file)
{
    char *abs = realpath(first_file, NULL);
    const char *dir = abs ? parent_dir(vm, abs) : parent_dir(vm, first_file);
    free(abs);
    const char *cur = dir;
    for (;;) {
        if (is_file(str_fmt(vm, "%s/kcl.mod", cur)->b))
            return cur;
        if (!strcmp(cur, "/") || !strcmp(cur, "."))
            break;
        cur = parent_dir(vm, cur);
    }
    return dir;
}
