/* The module loader: resolves `import a.b.c` (and relative `.x`) to package directories or
 * files under the package root (spec §4), parses them once and caches the package. */
#include "config.h"

#include "runtime/loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "lang/parse.h"
#include "scl.h"

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

char *loader_read(struct vm *vm, const char *path, size_t *len)
{
    /* Sized from stat before the file is opened, so that running out of the run's memory
     * (which unwinds) leaves no descriptor behind; a regular file is then read in one call. */
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    bool regular = S_ISREG(st.st_mode);
    size_t cap = regular && (uint64_t)st.st_size < SIZE_MAX / 4 ? (size_t)st.st_size + 1 : 4096;
    char *buf = vm_alloc(vm, cap);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            close(fd);
            return NULL;
        }
        if (k == 0)
            break;
        n += (size_t)k;
        if (n == cap) {
            char *nb = arena_realloc(vm->arena, buf, cap, cap * 2);
            if (!nb) {
                close(fd);
                nb = vm_realloc(vm, buf, cap, cap * 2); /* fails again, and raises */
            }
            buf = nb;
            cap *= 2;
        } else if (regular) {
            break; /* a short read of a regular file ends at its end */
        }
    }
    close(fd);
    *len = n;
    return buf;
}

/* The source files of a package directory, sorted by name; *plain (when asked) says of each
 * whether the listing saw a regular file (not a link). */
struct dir_entry {
    char *path;
    const char *name; /* in path, after the folder every entry shares */
    uint64_t prefix;  /* the name's first 8 bytes, big-endian, zero-padded: most comparisons */
    uint8_t plain;
};

static bool entry_before(const struct dir_entry *x, const struct dir_entry *y)
{
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix;
    return strcmp(x->name, y->name) < 0;
}

/* Sorts v[0..n) by name: a merge sort through 'tmp' (n entries), stable, with the comparison
 * inline (a folder of a few hundred files is sorted on every run). */
static void sort_entries(struct dir_entry *v, struct dir_entry *tmp, uint32_t n)
{
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = entry_before(&v[j], &v[i]) ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
}

static uint64_t name_prefix(const char *name)
{
    uint64_t k = 0;
    for (int i = 0; i < 8; i++) {
        k = k << 8 | (unsigned char)*name;
        if (*name)
            name++;
    }
    return k;
}

static uint32_t list_dir(struct vm *vm, const char *dir, char ***out, uint8_t **plain)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint32_t n = 0, cap = 8;
    struct dir_entry *v = vm_alloc(vm, cap * sizeof *v);
    size_t dl = strlen(dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_source_name(e->d_name))
            continue;
        size_t nl = strlen(e->d_name);
        char *full = vm_alloc(vm, dl + nl + 2);
        memcpy(full, dir, dl);
        full[dl] = '/';
        memcpy(full + dl + 1, e->d_name, nl + 1);
        /* the entry's type saves a stat per file; links and unknown types are followed */
        if (e->d_type != DT_REG && !is_file(full))
            continue;
        if (n == cap) {
            v = vm_realloc(vm, v, cap * sizeof *v, cap * 2 * sizeof *v);
            cap *= 2;
        }
        v[n++] = (struct dir_entry){full, full + dl + 1, name_prefix(full + dl + 1),
                                    e->d_type == DT_REG};
    }
    closedir(d);
    sort_entries(v, vm_alloc(vm, (n ? n : 1) * sizeof *v), n);
    char **paths = vm_alloc(vm, (n ? n : 1) * sizeof *paths);
    uint8_t *flags = plain ? vm_alloc(vm, n ? n : 1) : NULL;
    for (uint32_t i = 0; i < n; i++) {
        paths[i] = v[i].path;
        if (flags)
            flags[i] = v[i].plain;
    }
    *out = paths;
    if (plain)
        *plain = flags;
    return n;
}

static struct pkg *find_pkg(struct eval *ev, const char *key)
{
    for (uint32_t i = 0; i < ev->npkgs; i++)
        if (ev->pkgs[i]->key && !strcmp(ev->pkgs[i]->key, key))
            return ev->pkgs[i];
    return NULL;
}

/* {===== the context's cache of parsed imported modules
 *
 * An imported module's syntax tree depends only on its path and text, so a context keeps it
 * (in its own arena, its source in a shared map) and the next run that imports the same text
 * reuses it instead of lexing and parsing it again: a server evaluating one step per request
 * parses its imports once. Trees are never changed by a run. The cache stops growing at
 * MOD_CACHE_LIMIT bytes; later modules are parsed into the run as before. */

enum { MOD_CACHE_LIMIT = 256u << 20 };

struct mod_entry {
    uint64_t hash; /* of the path: a file's texts differ from run to run only when edited */
    uint32_t len;
    const struct source *src;
    struct ast *mod;
};

void mod_cache_init(struct mod_cache *c, arena_alloc_fn alloc, void *ud)
{
    memset(c, 0, sizeof *c);
    arena_init(&c->arena, alloc, ud);
    source_map_init(&c->sm, &c->arena);
    c->sm.base = SOURCE_SHARED_BASE;
}

void mod_cache_free(struct mod_cache *c)
{
    img_cache_close(&c->disk);
    arena_free(&c->arena);
    memset(c, 0, sizeof *c);
}

static uint64_t path_key(const char *path)
{
    return XXH3_64bits(path, strlen(path));
}

/* The tree of 'path' holding 'text': entries are found by the path's hash and compared with
 * the text itself, so a first run, which finds nothing, never reads its texts twice. */
static struct mod_entry *mod_cache_find(struct mod_cache *c, const char *path, uint64_t hash,
                                        const char *text, size_t len)
{
    if (!c->cap)
        return NULL;
    for (uint32_t i = (uint32_t)hash & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        struct mod_entry *e = &c->v[i];
        if (!e->mod)
            return NULL;
        if (e->hash == hash && e->len == len && !strcmp(e->src->path, path) &&
            !memcmp(e->src->text, text, len))
            return e;
    }
}

static void mod_cache_put(struct mod_cache *c, uint64_t hash, const struct source *src,
                          struct ast *mod)
{
    if ((c->n + 1) * 2 > c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 64;
        struct mod_entry *v = arena_zalloc(&c->arena, cap * sizeof *v);
        if (!v)
            return;
        for (uint32_t k = 0; k < c->cap; k++) {
            if (!c->v[k].mod)
                continue;
            uint32_t i = (uint32_t)c->v[k].hash & (cap - 1);
            while (v[i].mod)
                i = (i + 1) & (cap - 1);
            v[i] = c->v[k];
        }
        c->v = v;
        c->cap = cap;
    }
    uint32_t i = (uint32_t)hash & (c->cap - 1);
    while (c->v[i].mod)
        i = (i + 1) & (c->cap - 1);
    c->v[i] = (struct mod_entry){hash, src->len, src, mod};
    c->n++;
}

bool mod_cache_is_clean(const struct mod_cache *c, uint64_t key)
{
    if (!c->capclean || !key)
        return false;
    for (uint32_t i = (uint32_t)key & (c->capclean - 1);; i = (i + 1) & (c->capclean - 1)) {
        if (!c->clean[i])
            return false;
        if (c->clean[i] == key)
            return true;
    }
}

void mod_cache_set_clean(struct mod_cache *c, uint64_t key)
{
    if (!key || mod_cache_is_clean(c, key) || c->arena.total >= MOD_CACHE_LIMIT)
        return;
    if ((c->nclean + 1) * 2 > c->capclean) {
        uint32_t cap = c->capclean ? c->capclean * 2 : 64;
        uint64_t *v = arena_zalloc(&c->arena, cap * sizeof *v);
        if (!v)
            return;
        for (uint32_t k = 0; k < c->capclean; k++) {
            if (!c->clean[k])
                continue;
            uint32_t i = (uint32_t)c->clean[k] & (cap - 1);
            while (v[i])
                i = (i + 1) & (cap - 1);
            v[i] = c->clean[k];
        }
        c->clean = v;
        c->capclean = cap;
    }
    uint32_t i = (uint32_t)key & (c->capclean - 1);
    while (c->clean[i])
        i = (i + 1) & (c->capclean - 1);
    c->clean[i] = key;
    c->nclean++;
}

/* mod_cache_parse of a file whose status 'st' the disk cache may keep (NULL: unknown) */
static struct ast *parse_cached(struct mod_cache *c, const char *path, const char *text,
                                size_t len, bool owned, const struct img_stat *st,
                                struct diags *diags, const struct source **src_out)
{
    if (!c || len >= UINT32_MAX || c->arena.total >= MOD_CACHE_LIMIT)
        return NULL;
    uint64_t hash = path_key(path);
    struct mod_entry *e = mod_cache_find(c, path, hash, text, len);
    if (e) {
        *src_out = e->src;
        return e->mod;
    }
    /* On disk, a tree is found by the file's path and text (a 128-bit hash, whose low half is
     * the text's digest); its spans carry the file id the pack gave it, which its source takes
     * here (when another file has it already, the file is parsed instead). A file parsed with
     * the disk cache on takes an id no tree of the pack carries. A text read into the cache's
     * arena (mod_cache_read) or pack is used where it is. */
    uint64_t key[2] = {0, 0};
    struct source *src = NULL;
    if (c->disk.dir) {
        XXH128_hash_t k = XXH3_128bits_withSeed(text, len, hash ^ len);
        key[0] = k.high64;
        key[1] = k.low64;
        struct img_file f;
        if (img_cache_lookup(&c->disk, path, key, (uint32_t)len, &f) &&
            (src = source_map_add_at(&c->sm, f.file_id, path, text, len, !owned, f.lines,
                                     f.nlines))) {
            src->digest = key[1];
            mod_cache_put(c, hash, src, f.mod);
            img_cache_keep(&c->disk, src->path, &f, st);
            *src_out = src;
            return f.mod;
        }
        src = source_map_add_at(&c->sm, img_cache_new_id(&c->disk, &c->sm), path, text, len,
                                !owned, NULL, 0);
    } else {
        src = owned ? source_map_add_owned(&c->sm, path, text, len)
                    : source_map_add(&c->sm, path, text, len);
    }
    if (!src)
        return NULL;
    src->digest = key[1]; /* 0 without the disk cache: the program's digest is not needed */
    struct ast *mod;
    unsigned before = diags->nerrors;
    mod = parse_module(&c->arena, src, diags);
    if (!mod)
        return NULL;
    *src_out = src;
    if (diags->nerrors == before) { /* a tree with syntax errors is never reused */
        mod_cache_put(c, hash, src, mod);
        if (c->disk.dir)
            img_cache_store(&c->disk, src, key, st, mod);
    }
    return mod;
}

struct ast *mod_cache_parse(struct mod_cache *c, const char *path, const char *text, size_t len,
                            bool owned, const struct img_stat *st, struct diags *diags,
                            const struct source **src_out)
{
    return parse_cached(c, path, text, len, owned, st, diags, src_out);
}

const char *mod_cache_text(struct mod_cache *c, const char *path, const struct img_stat *st,
                           size_t *len)
{
    struct img_file f;
    if (!c || !c->disk.dir || !img_cache_find(&c->disk, path, st, &f))
        return NULL;
    *len = f.text_len;
    return f.text;
}

char *mod_cache_read(struct mod_cache *c, const char *path, size_t *len)
{
    if (!c || c->arena.total >= MOD_CACHE_LIMIT)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size >= UINT32_MAX) {
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = arena_alloc(&c->arena, cap);
    while (buf && n < cap - 1) {
        ssize_t k = read(fd, buf + n, cap - 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    char extra;
    /* a file that grew since fstat: read as usual, whole */
    bool whole = buf && (n < cap - 1 || read(fd, &extra, 1) == 0);
    close(fd);
    if (!whole)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The tree of the file 'path' whose status is 'st' from the disk cache's pack, without
 * reading the file (the pack holds its text too); NULL when the pack has not that version. */
static struct ast *find_cached(struct mod_cache *c, const char *path, const struct img_stat *st,
                               const struct source **src_out)
{
    struct img_file f;
    if (!c || !c->disk.dir || c->arena.total >= MOD_CACHE_LIMIT ||
        !img_cache_find(&c->disk, path, st, &f))
        return NULL;
    uint64_t hash = path_key(path);
    struct mod_entry *e = mod_cache_find(c, path, hash, f.text, f.text_len);
    if (e) {
        *src_out = e->src;
        return e->mod;
    }
    struct source *src = source_map_add_at(&c->sm, f.file_id, path, f.text, f.text_len, false,
                                           f.lines, f.nlines);
    if (!src)
        return NULL;
    src->digest = f.key[1];
    mod_cache_put(c, hash, src, f.mod);
    img_cache_keep(&c->disk, src->path, &f, st);
    *src_out = src;
    return f.mod;
}

static void add_source(struct eval *ev, struct pkg *p, const char *path, const char *text,
                       size_t len, bool owned, const struct img_stat *st)
{
    struct vm *vm = ev->vm;
    const struct source *src = NULL;
    unsigned before = vm->diags->nerrors;
    struct ast *mod =
        ev->mod_cache ? parse_cached(ev->mod_cache, path, text, len, owned, st, vm->diags, &src)
                      : NULL;
    if (!mod) {
        struct source *own = source_map_add(ev->sm, path, text, len);
        if (!own)
            vm_raise(vm, "out of memory");
        mod = parse_module(vm->arena, own, vm->diags);
        if (!mod)
            vm_raise(vm, "out of memory");
        src = own;
    }
    if (vm->diags->nerrors != before) {
        /* the parse errors are already recorded: stop with the first of them */
        vm_throw_diag(vm, vm->diags->v[vm->diags->n - 1]);
    }
    pkg_add_file(ev, p, mod, src);
}

void loader_add_source(struct eval *ev, struct pkg *p, const char *path, const char *text,
                       size_t len)
{
    add_source(ev, p, path, text, len, false, NULL);
}

/* E2F04 at an import statement, with the caret KCL draws there. */
_Noreturn static void import_error(struct vm *vm, struct span at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A package file from the disk: from the module cache's pack when it holds this version of
 * the file ('ist', taken before reading: a change made since shows as another status), else
 * read and parsed. */
static void add_disk_file(struct eval *ev, struct pkg *p, const char *path,
                          const struct img_stat *ist, struct ast *imp)
{
    struct vm *vm = ev->vm;
    if (ist && ist->known) {
        const struct source *src = NULL;
        struct ast *mod = find_cached(ev->mod_cache, path, ist, &src);
        if (mod) {
            pkg_add_file(ev, p, mod, src);
            return;
        }
    }
    size_t len;
    char *text = mod_cache_read(ev->mod_cache, path, &len);
    bool owned = text != NULL;
    if (!text)
        text = loader_read(vm, path, &len);
    if (!text)
        import_error(vm, imp->span, "cannot read %s", path);
    add_source(ev, p, path, text, len, owned,
               ist && ist->known && (uint64_t)len == ist->size ? ist : NULL);
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

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static char *real_uncached(struct vm *vm, const char *p)
{
    char *r = realpath(p, NULL);
    char *out = str_cstr(vm, r ? r : p)->b;
    free(r);
    return out;
}

/* realpath, or p itself when it has none; remembered for the run (a package's files each ask
 * for their folder once per import, and each component costs a readlink). */
static char *real_or_same(struct vm *vm, const char *p)
{
    struct eval *ev = vm->ev;
    if (!ev)
        return real_uncached(vm, p);
    uint64_t h = XXH3_64bits(p, strlen(p));
    if (ev->capreals) {
        for (uint32_t i = (uint32_t)h & (ev->capreals - 1);; i = (i + 1) & (ev->capreals - 1)) {
            const struct real_memo *m = &ev->reals[i];
            if (!m->path)
                break;
            if (!strcmp(m->path, p))
                return (char *)m->real;
        }
    }
    char *real = real_uncached(vm, p);
    if ((ev->nreals + 1) * 2 > ev->capreals) {
        uint32_t cap = ev->capreals ? ev->capreals * 2 : 64;
        struct real_memo *v = vm_alloc(vm, cap * sizeof *v);
        memset(v, 0, cap * sizeof *v);
        for (uint32_t k = 0; k < ev->capreals; k++) {
            if (!ev->reals[k].path)
                continue;
            uint64_t hk = XXH3_64bits(ev->reals[k].path, strlen(ev->reals[k].path));
            uint32_t i = (uint32_t)hk & (cap - 1);
            while (v[i].path)
                i = (i + 1) & (cap - 1);
            v[i] = ev->reals[k];
        }
        ev->reals = v;
        ev->capreals = cap;
    }
    uint32_t i = (uint32_t)h & (ev->capreals - 1);
    while (ev->reals[i].path)
        i = (i + 1) & (ev->capreals - 1);
    ev->reals[i].path = str_cstr(vm, p)->b;
    ev->reals[i].real = real;
    ev->nreals++;
    return real;
}

/* The real folder of file p. A file that is not a link lives in the real path of its folder,
 * which is remembered: one lstat instead of a readlink per component for every file that
 * imports something. */
static const char *real_parent(struct vm *vm, const char *p)
{
    struct stat st;
    if (lstat(p, &st) == 0 && !S_ISLNK(st.st_mode))
        return real_or_same(vm, parent_dir(vm, p));
    return parent_dir(vm, real_or_same(vm, p));
}

/* {===== KCL's resolution on the disk (spec packages.md §2.3, §2.4) */

struct found {
    const char *key;  /* canonical: the real path of the directory or file */
    const char *dir;  /* directory of the files */
    const char *root; /* module root the package belongs to */
    char **files;
    uint32_t nfiles;
    const uint8_t *plain; /* of each file, whether the listing saw a regular file (or NULL) */
};

/* What probe found for one target, remembered for the run: every file of a package that
 * imports another asks for the same folder, and each answer costs a directory listing. */
struct probe_memo {
    struct probe_memo *next;
    const char *target, *root;
    bool hit;
    struct found found;
};

static bool probe_disk(struct vm *vm, const char *target, const char *root, struct found *out);

/* rel (dotted, "" for the root itself) under base: a directory of sources wins over a file. */
static bool probe(struct vm *vm, const char *base, const char *rel, const char *root,
                  struct found *out)
{
    size_t bl = strlen(base), rl = strlen(rel);
    char *target = vm_alloc(vm, bl + rl + 2);
    memcpy(target, base, bl);
    if (rl) {
        target[bl] = '/';
        for (size_t i = 0; i < rl; i++)
            target[bl + 1 + i] = rel[i] == '.' ? '/' : rel[i];
        bl += rl + 1;
    }
    target[bl] = '\0';
    struct eval *ev = vm->ev;
    if (!ev)
        return probe_disk(vm, target, root, out);
    for (struct probe_memo *m = ev->probes; m; m = m->next)
        if (!strcmp(m->target, target) && !strcmp(m->root, root)) {
            *out = m->found;
            return m->hit;
        }
    struct probe_memo *m = vm_alloc(vm, sizeof *m);
    m->target = target;
    m->root = root;
    m->hit = probe_disk(vm, target, root, &m->found);
    m->next = ev->probes;
    ev->probes = m;
    *out = m->found;
    return m->hit;
}

static bool probe_disk(struct vm *vm, const char *target, const char *root, struct found *out)
{
    memset(out, 0, sizeof *out);
    out->root = root;
    if (exists(target)) {
        out->key = real_or_same(vm, target);
        out->dir = out->key;
        out->files = NULL;
        uint8_t *plain = NULL;
        struct stat st;
        if (stat(out->key, &st) != 0 || !S_ISDIR(st.st_mode))
            return true;
        /* the module cache's pack may have this very listing: the folder's status is the
         * same (an entry made, removed or renamed would change it) */
        struct img_cache *disk = vm->ev && vm->ev->mod_cache ? &vm->ev->mod_cache->disk : NULL;
        struct img_stat ist = {0};
        char *const *cached;
        uint32_t n;
        if (disk && disk->dir) {
            img_stat_of(&ist, &st);
            if (img_cache_find_dir(disk, out->key, &ist, &cached, &n)) {
                out->files = vm_alloc(vm, (n ? n : 1) * sizeof *out->files);
                memcpy(out->files, cached, n * sizeof *out->files);
                plain = vm_alloc(vm, n ? n : 1);
                memset(plain, 1, n ? n : 1);
                out->nfiles = n;
                out->plain = plain;
                img_cache_keep_dir(disk, out->key, &ist, out->files, n);
                return true;
            }
        }
        out->nfiles = list_dir(vm, out->key, &out->files, &plain);
        out->plain = plain;
        bool all_plain = true;
        for (uint32_t i = 0; i < out->nfiles; i++)
            all_plain = all_plain && plain[i];
        if (disk && disk->dir && all_plain)
            img_cache_keep_dir(disk, out->key, &ist, out->files, out->nfiles);
        return true;
    }
    static const char *const exts[] = {".k", ".scl"};
    for (int i = 0; i < 2; i++) {
        char *f = str_fmt(vm, "%s%s", target, exts[i])->b;
        if (is_file(f)) {
            out->key = real_or_same(vm, f);
            out->dir = parent_dir(vm, out->key);
            out->files = vm_alloc(vm, sizeof *out->files);
            out->files[0] = (char *)out->key;
            out->nfiles = 1;
            return true;
        }
    }
    return false;
}

/* Directory 'dir' (a real path) relative to 'root' as a dotted path ("" at or outside the root). */
static const char *dotted_dir(struct vm *vm, const char *root, const char *dir)
{
    size_t n = strlen(root);
    if (strncmp(dir, root, n) || (dir[n] != '/' && dir[n] != '\0'))
        return "";
    const char *rest = dir + n + (dir[n] == '/');
    char *d = str_cstr(vm, rest)->b;
    for (char *c = d; *c; c++)
        if (*c == '/')
            *c = '.';
    return d;
}

/* §2.4: a relative import (level leading dots) from a file in directory 'dir' as an absolute
 * dotted path; "" when it climbs above the root. */
static const char *absolute_path(struct vm *vm, const char *root, const char *dir,
                                 uint32_t level, const char *path)
{
    const char *d = dotted_dir(vm, root, dir);
    if (!*d)
        return level == 1 ? path : "";
    uint32_t nseg = 1;
    for (const char *c = d; *c; c++)
        nseg += *c == '.';
    uint32_t up = level - 1;
    if (up > nseg)
        return "";
    if (up == nseg)
        return path;
    /* the first nseg - up segments of d, then path */
    const char *end = d;
    for (uint32_t i = 0; i < nseg - up; i++) {
        end = strchr(end, '.');
        if (!end) {
            end = d + strlen(d);
            break;
        }
        if (i + 1 < nseg - up)
            end++;
    }
    return str_fmt(vm, "%.*s.%s", (int)(end - d), d, path)->b;
}

static const struct ext_pkg *find_external(const struct ext_pkg *exts, uint32_t next,
                                           const char *path)
{
    size_t n = strcspn(path, ".");
    for (uint32_t i = next; i-- > 0;) {
        const struct ext_pkg *e = &exts[i];
        if (strlen(e->name) == n && !strncmp(e->name, path, n))
            return e;
    }
    return NULL;
}

_Noreturn static void import_error(struct vm *vm, struct span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct diag *g = diags_vadd(vm->diags, DIAG_ERROR, "E2F04", "CannotFindModule", at, true, fmt, ap);
    va_end(ap);
    if (g)
        vm_throw_diag(vm, g);
    vm_raise(vm, "out of memory");
}

_Noreturn static void not_found(struct eval *ev, struct ast *imp, const char *written,
                                const char *root, const char *abs)
{
    struct vm *vm = ev->vm;
    struct sbuf b;
    sbuf_init(&b, vm);
    sbuf_puts(&b, root);
    sbuf_putc(&b, '/');
    for (const char *c = abs; *c; c++)
        sbuf_putc(&b, *c == '.' ? '/' : *c);
    struct diag *g = diags_add(vm->diags, DIAG_ERROR, "E2F04", "CannotFindModule", imp->span, true,
                               "Cannot find the module %s from %s", written, sbuf_str(&b)->b);
    if (g) {
        size_t n = strcspn(abs, ".");
        if (n)
            diag_add_note(vm->diags, g, "suggestion: try 'scl mod add %.*s' to download the "
                                        "missing package", (int)n, abs);
        diag_add_note(vm->diags, g, "suggestion: browse more packages at 'https://artifacthub.io'");
        vm_throw_diag(vm, g);
    }
    vm_raise(vm, "out of memory");
}

enum { RESOLVED, NOT_FOUND, FOUND_TWICE, NO_FILES };

/* The resolution itself, shared by imports and scl_disk_resolve: dotted 'path' with 'level'
 * leading dots, imported from a file in directory 'dir' (a real path) of a package whose module
 * root is 'root' (NULL: none, only externals resolve). *abs: the absolute dotted path. */
static int resolve_core(struct vm *vm, const char *root, const char *dir, uint32_t level,
                        const char *path, const struct ext_pkg *exts, uint32_t next,
                        const char **abs, struct found *out)
{
    if (level > 0)
        path = root ? absolute_path(vm, root, dir, level, path) : "";
    *abs = path;
    if (!*path)
        return NOT_FOUND;
    struct found in, ext;
    bool has_in = root && probe(vm, root, path, root, &in);
    bool has_ext = false;
    const struct ext_pkg *e = level == 0 ? find_external(exts, next, path) : NULL;
    if (e && is_file(str_fmt(vm, "%s/kcl.mod", e->dir)->b)) {
        const char *rest = path + strlen(e->name);
        const char *eroot = real_or_same(vm, e->dir);
        has_ext = probe(vm, eroot, *rest == '.' ? rest + 1 : rest, eroot, &ext);
    }
    if (has_in && has_ext && strcmp(in.key, ext.key))
        return FOUND_TWICE;
    if (!has_in && !has_ext)
        return NOT_FOUND;
    *out = has_in ? in : ext;
    return out->nfiles ? RESOLVED : NO_FILES;
}

static void disk_resolve(struct eval *ev, struct pkg *from, uint32_t file, struct ast *imp,
                         const char *written, struct found *out)
{
    struct vm *vm = ev->vm;
    const char *root = from->root ? from->root : ev->root;
    /* a file the listing saw as regular is no link: it lives in its folder's real path */
    const char *path = from->files[file].src->path;
    const char *dir = from->files[file].plain ? real_or_same(vm, parent_dir(vm, path))
                                              : real_parent(vm, path);
    const char *abs;
    switch (resolve_core(vm, root, dir, imp->u.import.level, imp->u.import.path, ev->externals,
                         ev->nexternals, &abs, out)) {
    case NOT_FOUND:
        not_found(ev, imp, written, root, abs);
    case FOUND_TWICE:
        import_error(vm, imp->span,
                    "the `%s` is found multiple times in the current package and vendor package",
                    abs);
    case NO_FILES:
        import_error(vm, imp->span,
                    "Failed to import the module %s from %s. No KCL files found in the specified "
                    "folder",
                    written, out->key);
    default:
        break;
    }
}

/* {===== a host's loader (scl.h) */

/* Filled by the host's hooks: plain malloc'd memory, never the run's arena, so that nothing
 * can unwind across a hook; copied into the run once the hook has returned. */
struct scl_buf {
    char *b;
    size_t n, cap;
};

struct scl_src {
    scl_buf *files; /* name, then text, alternately */
    uint32_t n, cap;
};

static scl_status buf_put(scl_buf *b, const char *data, size_t len)
{
    if (len > SIZE_MAX / 4 - b->n)
        return SCL_ENOMEM;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + len + 1 > cap)
            cap *= 2;
        char *nb = realloc(b->b, cap);
        if (!nb)
            return SCL_ENOMEM;
        b->b = nb;
        b->cap = cap;
    }
    if (len)
        memcpy(b->b + b->n, data, len);
    b->n += len;
    b->b[b->n] = '\0';
    return SCL_OK;
}

scl_status scl_buf_add(scl_buf *b, const char *data, size_t len)
{
    if (!b || (!data && len))
        return SCL_EINVAL;
    return buf_put(b, data, len);
}

scl_status scl_src_add(scl_src *out, const char *name, const char *data, size_t len)
{
    if (!out || !name || (!data && len))
        return SCL_EINVAL;
    if (out->n + 2 > out->cap) {
        uint32_t cap = out->cap ? out->cap * 2 : 8;
        scl_buf *v = realloc(out->files, cap * sizeof *v);
        if (!v)
            return SCL_ENOMEM;
        out->files = v;
        out->cap = cap;
    }
    scl_buf nb = {0}, tb = {0};
    if (buf_put(&nb, name, strlen(name)) != SCL_OK || buf_put(&tb, data, len) != SCL_OK) {
        free(nb.b);
        free(tb.b);
        return SCL_ENOMEM;
    }
    out->files[out->n++] = nb;
    out->files[out->n++] = tb;
    return SCL_OK;
}

/* Copies a hook's buffer into the run and releases it. */
static const char *buf_take(struct vm *vm, scl_buf *b, size_t *len)
{
    const char *s = str_new(vm, b->b ? b->b : "", b->n)->b;
    if (len)
        *len = b->n;
    free(b->b);
    b->b = NULL;
    b->n = b->cap = 0;
    return s;
}

static void src_release(scl_src *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->files[i].b);
    free(s->files);
    s->files = NULL;
    s->n = s->cap = 0;
}

/* {===== reusing a host loader's answers */

enum { HOOK_CACHE_MAX = 1024 };

struct hook_entry {
    uint64_t hash, at_ms;
    char *key; /* 'R' scope NUL from NUL written, or 'M' scope NUL id */
    size_t keylen;
    char *id; /* R: the package's id */
    uint32_t n; /* M: its files */
    char **names, **texts;
    size_t *lens;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void entry_clear(struct hook_entry *e)
{
    free(e->key);
    free(e->id);
    for (uint32_t i = 0; i < e->n; i++) {
        free(e->names[i]);
        free(e->texts[i]);
    }
    free(e->names);
    free(e->texts);
    free(e->lens);
    memset(e, 0, sizeof *e);
}

void hook_cache_free(struct hook_cache *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        entry_clear(&c->v[i]);
    free(c->v);
    free(c->scope);
    memset(c, 0, sizeof *c);
}

void hook_cache_set(struct hook_cache *c, const char *scope, uint64_t ttl_ms)
{
    if (!scope || !ttl_ms) {
        hook_cache_free(c);
        return;
    }
    if (c->scope && !strcmp(c->scope, scope)) {
        c->ttl_ms = ttl_ms;
        return;
    }
    char *s = strdup(scope);
    if (!s) {
        hook_cache_free(c);
        return;
    }
    free(c->scope);
    c->scope = s;
    c->ttl_ms = ttl_ms;
}

/* The key of an answer: kind, scope, then the parts, NUL-separated (malloc'd). */
static char *hc_key(const struct hook_cache *c, char kind, const char *a, const char *b,
                    size_t *len)
{
    size_t ns = strlen(c->scope), na = strlen(a), nb = b ? strlen(b) : 0;
    *len = 1 + ns + 1 + na + (b ? 1 + nb : 0);
    char *k = malloc(*len + 1);
    if (!k)
        return NULL;
    char *p = k;
    *p++ = kind;
    memcpy(p, c->scope, ns + 1);
    p += ns + 1;
    memcpy(p, a, na + 1);
    p += na + 1;
    if (b)
        memcpy(p, b, nb + 1);
    return k;
}

static struct hook_entry *hc_find(struct hook_cache *c, const char *key, size_t len,
                                  uint64_t hash, uint64_t now)
{
    for (uint32_t i = 0; i < c->n; i++) {
        struct hook_entry *e = &c->v[i];
        if (e->hash == hash && e->keylen == len && !memcmp(e->key, key, len))
            return now - e->at_ms < c->ttl_ms ? e : NULL;
    }
    return NULL;
}

/* A slot for key (the stale entry of that key, else a new one); NULL when none can be had. */
static struct hook_entry *hc_slot(struct hook_cache *c, char *key, size_t len, uint64_t hash,
                                  uint64_t now)
{
    struct hook_entry *e = NULL;
    for (uint32_t i = 0; i < c->n && !e; i++)
        if (c->v[i].hash == hash && c->v[i].keylen == len && !memcmp(c->v[i].key, key, len))
            e = &c->v[i];
    if (!e) {
        if (c->n == HOOK_CACHE_MAX) { /* forget everything rather than grow */
            for (uint32_t i = 0; i < c->n; i++)
                entry_clear(&c->v[i]);
            c->n = 0;
        }
        if (!c->v) {
            c->v = calloc(HOOK_CACHE_MAX, sizeof *c->v);
            if (!c->v) {
                free(key);
                return NULL;
            }
        }
        e = &c->v[c->n++];
    }
    entry_clear(e);
    e->key = key;
    e->keylen = len;
    e->hash = hash;
    e->at_ms = now;
    return e;
}

static struct pkg *host_import(struct eval *ev, struct pkg *from, struct ast *imp,
                               const char *written)
{
    struct vm *vm = ev->vm;
    const scl_loader *l = ev->host_loader;
    struct hook_cache *hc = ev->hook_cache && ev->hook_cache->scope ? ev->hook_cache : NULL;
    const uint64_t now = hc ? now_ms() : 0;
    scl_buf idb = {0}, msgb = {0};
    const char *from_id = from->is_main ? NULL : from->key;
    const char *key = NULL;
    size_t rlen = 0;
    char *rkey = hc ? hc_key(hc, 'R', from_id ? from_id : "", written, &rlen) : NULL;
    uint64_t rhash = rkey ? XXH3_64bits(rkey, rlen) : 0;
    struct hook_entry *e = rkey ? hc_find(hc, rkey, rlen, rhash, now) : NULL;
    if (e) {
        key = str_cstr(vm, e->id)->b;
        free(rkey);
    } else {
        scl_status st = l->resolve(l->ud, from_id, written, &idb, &msgb);
        key = buf_take(vm, &idb, NULL);
        const char *msg = buf_take(vm, &msgb, NULL);
        if (st != SCL_OK || !*key) {
            free(rkey);
            import_error(vm, imp->span, "%s",
                        *msg ? msg : str_fmt(vm, "Cannot find the module %s", written)->b);
        }
        struct hook_entry *slot = rkey ? hc_slot(hc, rkey, rlen, rhash, now) : NULL;
        if (slot && !(slot->id = strdup(key)))
            slot->at_ms = 0, slot->keylen = 0; /* never found again */
    }
    struct pkg *p = find_pkg(ev, key);
    if (p)
        return p;
    uint32_t n;
    const char **names, **texts;
    size_t *lens;
    size_t mlen = 0;
    char *mkey = hc ? hc_key(hc, 'M', key, NULL, &mlen) : NULL;
    uint64_t mhash = mkey ? XXH3_64bits(mkey, mlen) : 0;
    e = mkey ? hc_find(hc, mkey, mlen, mhash, now) : NULL;
    if (e) {
        /* the entry outlives this function: nothing below stores an answer */
        free(mkey);
        n = e->n;
        names = (const char **)e->names;
        texts = (const char **)e->texts;
        lens = e->lens;
    } else {
        scl_src src = {0};
        scl_status st = l->read_module(l->ud, key, &src, &msgb);
        const char *msg = buf_take(vm, &msgb, NULL);
        n = src.n / 2;
        struct hook_entry *slot = st == SCL_OK && n && mkey ? hc_slot(hc, mkey, mlen, mhash, now)
                                                            : (free(mkey), NULL);
        if (slot) {
            slot->names = calloc(n, sizeof *slot->names);
            slot->texts = calloc(n, sizeof *slot->texts);
            slot->lens = calloc(n, sizeof *slot->lens);
            if (!slot->names || !slot->texts || !slot->lens)
                slot->at_ms = 0, slot->keylen = 0, slot = NULL;
        }
        names = vm_alloc(vm, (n ? n : 1) * sizeof *names);
        texts = vm_alloc(vm, (n ? n : 1) * sizeof *texts);
        lens = vm_alloc(vm, (n ? n : 1) * sizeof *lens);
        for (uint32_t i = 0; i < n; i++) {
            if (slot) { /* the hook's buffers move into the cache */
                slot->names[i] = src.files[2 * i].b ? src.files[2 * i].b : strdup("");
                slot->texts[i] = src.files[2 * i + 1].b ? src.files[2 * i + 1].b : strdup("");
                slot->lens[i] = src.files[2 * i + 1].n;
                src.files[2 * i].b = src.files[2 * i + 1].b = NULL;
                slot->n = i + 1;
                if (!slot->names[i] || !slot->texts[i])
                    slot->at_ms = 0, slot->keylen = 0, slot = NULL;
            }
            if (slot) {
                names[i] = slot->names[i];
                texts[i] = slot->texts[i];
                lens[i] = slot->lens[i];
            } else {
                names[i] = buf_take(vm, &src.files[2 * i], NULL);
                texts[i] = buf_take(vm, &src.files[2 * i + 1], &lens[i]);
            }
        }
        src_release(&src);
        if (st != SCL_OK)
            import_error(vm, imp->span, "%s",
                        *msg ? msg : str_fmt(vm, "cannot read the module %s", key)->b);
    }
    if (!n)
        import_error(vm, imp->span, "Failed to import the module %s from %s. No KCL files found",
                     written, key);
    p = pkg_new(ev, imp->u.import.path, key);
    p->key = key;
    p->root = key;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = str_cstr(vm, names[i])->b;
        loader_add_source(ev, p, name, texts[i], lens[i]);
    }
    return p;
}

/* {===== imports */

/* The status of each of a package's files for the module cache, each taken relative to the
 * package's folder (one lookup of the folder for all of them); unknown where it fails. */
static struct img_stat *package_status(struct eval *ev, const struct found *f)
{
    if (!ev->mod_cache || !ev->mod_cache->disk.dir || !f->nfiles)
        return NULL;
    struct img_stat *v = vm_zalloc(ev->vm, f->nfiles * sizeof *v);
    size_t dl = strlen(f->dir);
    int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return v;
    /* nothing here may raise: the descriptor is closed below */
    for (uint32_t i = 0; i < f->nfiles; i++) {
        const char *path = f->files[i];
        struct stat st;
        if (strncmp(path, f->dir, dl) != 0 || path[dl] != '/' || strchr(path + dl + 1, '/') ||
            fstatat(dfd, path + dl + 1, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        img_stat_of(&v[i], &st);
    }
    close(dfd);
    return v;
}

struct pkg *loader_import(struct eval *ev, struct pkg *from, uint32_t file, struct ast *imp)
{
    struct vm *vm = ev->vm;
    const char *written = imp->u.import.level
                              ? str_fmt(vm, "%.*s%s", (int)imp->u.import.level,
                                        "........................................",
                                        imp->u.import.path)->b
                              : imp->u.import.path;
    if (imp->u.import.level > 40)
        import_error(vm, imp->span, "Cannot find the module %s",
                    imp->u.import.path);
    if (ev->host_loader)
        return host_import(ev, from, imp, written);
    struct found f;
    disk_resolve(ev, from, file, imp, written, &f);
    struct pkg *p = find_pkg(ev, f.key);
    if (p)
        return p;
    p = pkg_new(ev, imp->u.import.path, f.dir);
    p->key = f.key;
    p->root = f.root;
    struct img_stat *status = package_status(ev, &f);
    for (uint32_t i = 0; i < f.nfiles; i++) {
        add_disk_file(ev, p, f.files[i], status ? &status[i] : NULL, imp);
        p->files[p->nfiles - 1].plain = f.plain && f.plain[i];
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

/* {===== file.* under a host's loader */

bool loader_sandboxed(struct vm *vm)
{
    return vm->ev && vm->ev->host_loader;
}

bool loader_host_read(struct vm *vm, const char *path, char **out, size_t *len, bool raise)
{
    struct eval *ev = vm->ev;
    const scl_loader *l = ev->host_loader;
    const char *from = ev->cur_pkg && !ev->cur_pkg->is_main ? ev->cur_pkg->key : NULL;
    scl_buf data = {0}, msgb = {0};
    scl_status st = l->read_file ? l->read_file(l->ud, from, path, &data, &msgb) : SCL_EIO;
    size_t n;
    const char *text = buf_take(vm, &data, &n);
    const char *msg = buf_take(vm, &msgb, NULL);
    if (st != SCL_OK) {
        if (raise)
            vm_raise(vm, "failed to access the file '%s': %s", path,
                     *msg ? msg : "refused by the host");
        return false;
    }
    *out = (char *)text;
    *len = n;
    return true;
}

/* {===== the disk's resolution for a host's loader (scl.h) */

static void *heap_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (!new_size) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

struct disk_call {
    const scl_disk_modules *m;
    const char *from, *path, *id;
    scl_write_fn w;
    void *ud;
    scl_buf *msg;
    scl_src *src;
    scl_status st;
};

static void put_msg(scl_buf *msg, const char *s)
{
    if (msg)
        buf_put(msg, s, strlen(s));
}

/* The root of package 'id' (a real path): the longest of the main root and the externals'
 * roots holding it. */
static const char *root_of(struct vm *vm, const scl_disk_modules *m, const char *id)
{
    const char *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i <= m->nexternals; i++) {
        const char *d = i < m->nexternals ? m->ext_dirs[i] : m->root;
        if (!d)
            continue;
        const char *r = real_or_same(vm, d);
        size_t n = strlen(r);
        if (!strncmp(id, r, n) && (id[n] == '/' || id[n] == '\0' || !strcmp(r, "/")) &&
            (!best || n > best_n)) {
            best = i < m->nexternals ? r : d;
            best_n = n;
        }
    }
    return best;
}

static void disk_resolve_fn(struct vm *vm, void *ud)
{
    struct disk_call *c = ud;
    const scl_disk_modules *m = c->m;
    uint32_t next = (uint32_t)m->nexternals;
    struct ext_pkg *exts = vm_alloc(vm, (next ? next : 1) * sizeof *exts);
    for (uint32_t i = 0; i < next; i++) {
        exts[i].name = m->ext_names[i];
        exts[i].dir = m->ext_dirs[i];
    }
    uint32_t level = 0;
    const char *path = c->path;
    while (path[level] == '.')
        level++;
    path += level;
    const char *root, *dir;
    if (!c->from) {
        root = m->root;
        if (!root && m->main_dir)
            root = loader_find_root(vm, str_fmt(vm, "%s/_", m->main_dir)->b);
        dir = real_or_same(vm, m->main_dir ? m->main_dir : root ? root : ".");
    } else {
        root = root_of(vm, m, c->from);
        dir = is_dir(c->from) ? c->from : parent_dir(vm, c->from);
    }
    const char *abs;
    struct found f;
    switch (resolve_core(vm, root, dir, level, path, exts, next, &abs, &f)) {
    case RESOLVED:
        c->st = c->w(c->ud, f.key, strlen(f.key)) ? SCL_EIO : SCL_OK;
        return;
    case NOT_FOUND:
        put_msg(c->msg, str_fmt(vm, "Cannot find the module %s from %s/%s", c->path,
                                root ? root : "", abs)->b);
        break;
    case FOUND_TWICE:
        put_msg(c->msg, str_fmt(vm, "the `%s` is found multiple times in the current package "
                                    "and vendor package", abs)->b);
        break;
    default:
        put_msg(c->msg, str_fmt(vm, "Failed to import the module %s from %s. No KCL files found "
                                    "in the specified folder", c->path, f.key)->b);
        break;
    }
    c->st = SCL_EIMPORT;
}

static scl_status disk_call(struct disk_call *c, void (*fn)(struct vm *, void *))
{
    struct arena arena;
    struct diags diags;
    struct vm vm;
    arena_init(&arena, heap_alloc, NULL);
    diags_init(&diags, &arena);
    vm_init(&vm, &arena, &diags);
    c->st = SCL_OK;
    bool ok = vm_protect(&vm, fn, c);
    arena_free(&arena);
    return ok ? c->st : SCL_ENOMEM;
}

scl_status scl_disk_resolve(const scl_disk_modules *m, const char *from, const char *path,
                            scl_write_fn w, void *ud, scl_buf *msg)
{
    if (!m || !path || !w || (m->nexternals && (!m->ext_names || !m->ext_dirs)))
        return SCL_EINVAL;
    struct disk_call c = {.m = m, .from = from, .path = path, .w = w, .ud = ud, .msg = msg};
    return disk_call(&c, disk_resolve_fn);
}

static void disk_read_fn(struct vm *vm, void *ud)
{
    struct disk_call *c = ud;
    char **files;
    uint32_t n;
    if (is_dir(c->id)) {
        n = list_dir(vm, c->id, &files, NULL);
    } else {
        files = vm_alloc(vm, sizeof *files);
        files[0] = str_cstr(vm, c->id)->b;
        n = 1;
    }
    for (uint32_t i = 0; i < n && c->st == SCL_OK; i++) {
        size_t len;
        char *text = loader_read(vm, files[i], &len);
        if (!text) {
            put_msg(c->msg, str_fmt(vm, "cannot read %s", files[i])->b);
            c->st = SCL_EIO;
        } else {
            c->st = scl_src_add(c->src, files[i], text, len);
        }
    }
}

scl_status scl_disk_read_module(const char *id, scl_src *out, scl_buf *msg)
{
    if (!id || !out)
        return SCL_EINVAL;
    struct disk_call c = {.id = id, .src = out, .msg = msg};
    return disk_call(&c, disk_read_fn);
}
