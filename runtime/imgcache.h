/* The on-disk cache of parsed modules and of programs that checked clean.
 *
 * The parsed modules a context used are kept as one pack: their trees copied into one block
 * laid out for a fixed address, written when the context closes to a file named by the first
 * file it parsed (the program's main file). A later process running the same program maps
 * the pack at that address (MAP_FIXED_NOREPLACE, one call) and uses the trees where they
 * lie: nothing is parsed, copied or relocated, and the pages come from the page cache. Each
 * tree is found by a hash of its file's path and text, so a changed file is parsed again
 * (and the pack rewritten). When the address is taken, or anything about the file is wrong,
 * the modules are parsed as if there were no cache. The folder is named by this program's
 * build id, so a rebuilt scl never reads another build's trees. A program that checked clean
 * leaves its key (of the paths and texts of every file of every package it imports) in a
 * file named by its pack, and a later run of that same version skips the check.
 * Writing is best effort: a folder that cannot be made or written is silently skipped. */
#ifndef SCL_RUNTIME_IMGCACHE_H
#define SCL_RUNTIME_IMGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/arena.h"
#include "lang/source.h"

struct ast;

struct img_entry;
struct img_dir;
struct stat;

/* What identifies a file's version without reading it (known 0: not taken). */
struct img_stat {
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
    uint64_t known;
};
void img_stat_of(struct img_stat *out, const struct stat *st);

/* A tree this context used, for the pack written when it closes. */
struct img_use {
    uint64_t key[2];
    uint32_t file_id, text_len;
    const char *path, *text; /* alive until the cache is closed */
    const uint32_t *lines;   /* the text's line table (source.h) */
    uint32_t nlines;
    struct img_stat st;
    const struct ast *mod;
};

/* A folder this context listed, for the pack written when it closes. */
struct img_dir_use {
    const char *path;
    struct img_stat st;
    char *const *files; /* sorted paths, in one block with them and 'path' */
    uint32_t nfiles;
    size_t size;        /* of that block */
};

/* A file as a pack holds it. */
struct img_file {
    struct ast *mod;
    const char *text; /* NUL-terminated, in the pack */
    const uint32_t *lines; /* its line table, in the pack */
    uint32_t nlines;
    uint32_t text_len, file_id;
    uint64_t key[2];
    struct img_stat st; /* the status the pack recorded */
};

struct img_cache {
    char *dir;            /* <root>/<build id>/, NUL-terminated; NULL: the cache is off */
    size_t dirlen;
    bool made;            /* dir exists (made or found) */
    bool unwritable;      /* making it failed once: stop trying */
    bool pack_tried;      /* the pack is mapped, or known absent */
    bool dirty;           /* some tree was parsed: the pack is written again on closing */
    uint64_t pack_key, pack_base;
    void *pack;           /* the mapped pack, or NULL */
    size_t pack_size;
    const struct img_entry *index;
    uint32_t nindex;
    uint8_t *ids;         /* bit i: some tree of the pack carries file id SHARED_BASE + i */
    uint32_t nids, next_id;
    const struct img_dir *pdirs; /* the pack's folder listings */
    uint32_t npdirs;
    struct img_dir_use *dirs; /* the folders this context listed */
    uint32_t ndirs, capdirs;
    uint32_t *bypath;     /* entries with a status, open-addressed by path hash */
    uint32_t capbypath;
    int64_t start_s;      /* when the cache was opened (racy status, img_cache_close) */
    struct img_use *used;
    uint32_t nused, capused;
    uint64_t text_bytes;  /* of the files used: a small program gets no pack */
    arena_alloc_fn alloc;
    void *ud;
};

/* The cache under 'root' (made on the first write), or off when root is NULL or empty, or
 * when this program has no build id. Returns whether it is on. */
bool img_cache_open(struct img_cache *c, const char *root, arena_alloc_fn alloc, void *ud);
/* Writes the pack when some tree was parsed, unmaps it; 'c' is off afterwards. The trees it
 * took must still be alive. */
void img_cache_close(struct img_cache *c);

/* The file of 'key' (a hash of the path 'path' and its text of text_len bytes) as the pack
 * holds it; false when absent or unusable. The first call maps the pack named by its path.
 * Its trees' spans carry the file id it gives. */
bool img_cache_lookup(struct img_cache *c, const char *path, const uint64_t key[2],
                      uint32_t text_len, struct img_file *out);
/* A file id for a file parsed now: free in 'sm' and carried by no tree of the pack, so that
 * the next pack's trees and these keep apart. */
uint32_t img_cache_new_id(struct img_cache *c, const struct source_map *sm);
/* The file 'path' whose status is 'st', as the pack holds it, without reading it: found when
 * an earlier run read that very version (path, device, inode, size, change and modification
 * times, the latter more than two seconds before that run). */
bool img_cache_find(struct img_cache *c, const char *path, const struct img_stat *st,
                    struct img_file *out);
/* Keeps a file img_cache_find or img_cache_lookup gave for the next pack ('path' alive until
 * it is written); 'st' (or NULL) is its status now. */
void img_cache_keep(struct img_cache *c, const char *path, const struct img_file *f,
                    const struct img_stat *st);
/* Keeps 'mod', parsed from 'src' for 'key', for the pack (written by img_cache_close); the
 * source must live until then. */
void img_cache_store(struct img_cache *c, const struct source *src, const uint64_t key[2],
                     const struct img_stat *st, const struct ast *mod);

/* The source files of the package folder 'dir' whose status is 'st' as the pack recorded them
 * (sorted paths, in the pack), without listing it: a folder's status changes whenever an
 * entry in it is made, removed or renamed. */
bool img_cache_find_dir(struct img_cache *c, const char *dir, const struct img_stat *st,
                        char *const **files, uint32_t *nfiles);
/* Keeps a copy of a folder's listing (regular files only) for the next pack. */
void img_cache_keep_dir(struct img_cache *c, const char *dir, const struct img_stat *st,
                        char *const *files, uint32_t nfiles);

/* Gives the pack's pages back to the system (an evaluation is over: what remains, writing its
 * result, rarely reads a tree); a tree read later is read from the file again. */
void img_cache_release(struct img_cache *c);

/* Whether the program of 'key' checked clean in an earlier process; and recording it. */
bool img_cache_is_clean(struct img_cache *c, uint64_t key);
void img_cache_set_clean(struct img_cache *c, uint64_t key);

#endif
