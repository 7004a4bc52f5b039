/* Finding, reading and parsing the files of packages (spec §4). Internal. */
#ifndef SCL_RUNTIME_LOADER_H
#define SCL_RUNTIME_LOADER_H

#include "runtime/eval.h"
#include "runtime/imgcache.h"

/* A context's cache of parsed imported modules (runtime/loader.c). */
struct mod_entry;
struct mod_cache {
    struct arena arena;    /* the trees and sources; lives as long as the context */
    struct source_map sm;  /* ids from SOURCE_SHARED_BASE; run maps fall back to it */
    struct mod_entry *v;   /* open-addressed by the text's hash */
    uint32_t n, cap;
    uint64_t *clean;       /* programs that checked clean (resolve.c), open-addressed */
    uint32_t nclean, capclean;
    struct img_cache disk; /* the same, kept on disk between processes (off by default) */
};
/* Whether the program whose trees hash to 'key' (all from this cache) has checked clean. */
bool mod_cache_is_clean(const struct mod_cache *c, uint64_t key);
void mod_cache_set_clean(struct mod_cache *c, uint64_t key);
void mod_cache_init(struct mod_cache *c, arena_alloc_fn alloc, void *ud);
void mod_cache_free(struct mod_cache *c);
/* The parsed tree of 'path' holding 'text': the cached one (its source in *src_out), else
 * parsed into the cache. Parse errors go to 'diags' and such a tree is returned but never
 * kept. 'owned': the text is in the cache's arena (mod_cache_read) or pack (mod_cache_text),
 * used where it is; 'st' (or NULL): the file's status, which the disk cache keeps. NULL when
 * the cache is full or absent, or on memory exhaustion: parse it elsewhere. */
struct ast *mod_cache_parse(struct mod_cache *c, const char *path, const char *text, size_t len,
                            bool owned, const struct img_stat *st, struct diags *diags,
                            const struct source **src_out);
/* The file's text read into the cache's own arena (NUL-terminated): mod_cache_parse of it with
 * 'owned' keeps it there without a copy. NULL when it cannot be (read it as usual). */
char *mod_cache_read(struct mod_cache *c, const char *path, size_t *len);
/* The text of the file 'path' whose status is 'st' as the disk cache's pack holds it (a version
 * an earlier run read: img_cache_find), without reading the file; NULL when it has not. */
const char *mod_cache_text(struct mod_cache *c, const char *path, const struct img_stat *st,
                           size_t *len);

/* A context's memory of its host loader's answers (scl_ctx_loader_cache). */
struct hook_entry;
struct hook_cache {
    char *scope;       /* malloc'd; NULL: off */
    uint64_t ttl_ms;
    struct hook_entry *v;
    uint32_t n;
};
void hook_cache_set(struct hook_cache *c, const char *scope, uint64_t ttl_ms); /* 0: fails */
void hook_cache_free(struct hook_cache *c);

/* Whole file into the run's arena; NULL when it can't be read. */
char *loader_read(struct vm *vm, const char *path, size_t *len);
/* Parses a source and adds it to package 'p'; raises on syntax errors (already recorded). */
void loader_add_source(struct eval *ev, struct pkg *p, const char *path, const char *text,
                       size_t len);
/* The package root of a program: the nearest ancestor directory of 'first_file' holding
 * kcl.mod, else the file's directory. */
const char *loader_find_root(struct vm *vm, const char *first_file);

/* Whether a host's loader serves the files (file.* then goes through its read_file hook). */
bool loader_sandboxed(struct vm *vm);
/* A file through the host's read_file hook: true with its bytes (in the run's arena); a refusal
 * raises when 'raise', else gives false. */
bool loader_host_read(struct vm *vm, const char *path, char **out, size_t *len, bool raise);

#endif
