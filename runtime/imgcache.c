/* The on-disk cache of parsed modules (imgcache.h). */
#include "config.h"

#include "runtime/imgcache.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "lang/ast.h"
#include "lang/token.h"

/* The copier below names every pointer of a tree; a change to these layouts must be followed
 * there (and the format version raised). */
_Static_assert(sizeof(struct ast) == 160, "struct ast changed: update cp_node");
_Static_assert(sizeof(struct strlit) == 16, "struct strlit changed: update cp_strlit");
_Static_assert(sizeof(struct strpart) == 32, "struct strpart changed: update cp_strlit");
_Static_assert(sizeof(struct ast_list) == 16, "struct ast_list changed: update cp_list");

enum { IMG_VERSION = 5 };

/* Packs live at fixed addresses in [IMG_REGION, IMG_REGION + IMG_SLOTS * IMG_SLOT): below
 * where Linux puts position-independent programs (0x55..., 0x56...), shared libraries and
 * mappings (0x7f...), and above the shadow memory of the address sanitizer. A pack starts at
 * a slot chosen by its key; when that address is taken in the process, the program's files
 * are parsed instead. */
#define IMG_REGION 0x300000000000ull
#define IMG_SLOT (1ull << 21)
#define IMG_SLOTS (1ull << 22)
#define IMG_MAX (1ull << 30) /* a pack larger than this is not written */
/* Nor one for programs of fewer bytes of source than this: parsing them costs less than
 * mapping a pack (a few page tables far from the rest of the process). */
#define IMG_MIN_TEXT (32u << 10)
/* Nor of more than this: a pack is about eight times its sources. */
#define IMG_MAX_TEXT (64u << 20)
/* A pack up to this size is written again to record statuses it lacks (files it found by
 * their text, whose status was too recent to keep when it was written). */
#define IMG_STATUS_REWRITE ((size_t)16 << 20)

/* A pack: the header, then the trees, then the index (entries sorted by key). */
struct img_header {
    char magic[8];          /* "SCLPACK" */
    uint32_t version;       /* IMG_VERSION */
    uint32_t nentries;
    uint64_t pack_key;
    uint64_t base;          /* the address the pack is laid out for */
    uint64_t size;          /* bytes, header included */
    uint64_t index;         /* address of the entries */
    uint64_t sum;           /* XXH3 of the index and the folders (the trees are not hashed:
                               reading the pack would cost more than mapping it; a pack is
                               only ever seen whole, being written under another name and
                               renamed) */
    uint64_t dirs;          /* address of the folder listings */
    uint32_t ndirs, pad;
};

/* A package folder's source files as the run listed them, sorted (all regular files). */
struct img_dir {
    uint64_t path;          /* address of the folder's path */
    struct img_stat st;     /* its status then: any entry made, removed or renamed changes it */
    uint64_t files;         /* address of nfiles addresses of the files' paths */
    uint32_t nfiles, pad;
};

struct img_entry {
    uint64_t key[2];
    uint64_t root;          /* address of the AST_MODULE node */
    uint64_t path, text;    /* addresses of the file's path and text, NUL-terminated */
    uint64_t lines;         /* address of the text's line table (nlines offsets) */
    uint32_t nlines, pad;
    uint64_t path_hash;
    struct img_stat st;     /* st.known: the file is found by its path and status */
    uint32_t file_id;
    uint32_t text_len;
};

static const char IMG_MAGIC[8] = "SCLPACK";

/* {===== the build id: this program's, from its ELF note */

struct find_id {
    const void *addr;
    char hex[2 * 64 + 1];
};

/* The GNU build id note among 'n' program headers of an object loaded 'bias' bytes from its
 * addresses, as hex into f->hex; false when it has none. */
static bool note_id(const ElfW(Phdr) *phdr, size_t n, uintptr_t bias, struct find_id *f)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        const ElfW(Phdr) *ph = &phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(bias + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
            size_t name_sz = (nh->n_namesz + 3u) & ~3u, desc_sz = (nh->n_descsz + 3u) & ~3u;
            const unsigned char *name = p + sizeof *nh, *desc = name + name_sz;
            if (desc + desc_sz > end)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
                nh->n_descsz > 0 && nh->n_descsz <= 64) {
                for (size_t k = 0; k < nh->n_descsz; k++) {
                    f->hex[2 * k] = digits[desc[k] >> 4];
                    f->hex[2 * k + 1] = digits[desc[k] & 15];
                }
                f->hex[2 * nh->n_descsz] = '\0';
                return true;
            }
            p = desc + desc_sz;
        }
    }
    return false;
}

static int find_id_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    struct find_id *f = ud;
    uintptr_t a = (uintptr_t)f->addr;
    bool mine = false;
    for (int i = 0; i < info->dlpi_phnum && !mine; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        mine = ph->p_type == PT_LOAD && a >= lo && a < lo + ph->p_memsz;
    }
    if (!mine)
        return 0;
    note_id(info->dlpi_phdr, (size_t)info->dlpi_phnum, info->dlpi_addr, f);
    return 1; /* the object holding this code */
}

/* The ELF header of the object this code is linked into (the program, or libscl.so), which
 * the linker defines; its headers give the build id without asking the dynamic loader. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((weak, visibility("hidden")));

static void find_build_id(struct find_id *f)
{
    const ElfW(Ehdr) *eh = &__ehdr_start;
    if (eh && !memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
        /* the headers follow the ELF header in memory, outside the object the symbol names */
        const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((uintptr_t)eh + eh->e_phoff);
        for (size_t i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
                if (note_id(ph, eh->e_phnum, (uintptr_t)eh - ph[i].p_vaddr, f))
                    return;
                break;
            }
    }
    dl_iterate_phdr(find_id_cb, f);
}

/* }===== */

static void *c_alloc(struct img_cache *c, size_t n)
{
    return c->alloc(c->ud, NULL, 0, n);
}

static void c_free(struct img_cache *c, void *p, size_t n)
{
    if (p)
        c->alloc(c->ud, p, n, 0);
}

bool img_cache_open(struct img_cache *c, const char *root, arena_alloc_fn alloc, void *ud)
{
    memset(c, 0, sizeof *c);
    c->alloc = alloc;
    c->ud = ud;
    if (!root || !*root)
        return false;
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
        return false;
    c->start_s = (int64_t)now.tv_sec;
    struct find_id f = {.addr = IMG_MAGIC}; /* an object of this program */
    find_build_id(&f);
    if (!f.hex[0])
        return false;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    size_t n = rl + 1 + strlen(f.hex) + 1;
    c->dir = c_alloc(c, n + 1);
    if (!c->dir)
        return false;
    memcpy(c->dir, root, rl);
    snprintf(c->dir + rl, n + 1 - rl, "/%s/", f.hex);
    c->dirlen = n;
    return true;
}

static void write_pack(struct img_cache *c);
static bool path_of(const struct img_cache *c, char *buf, size_t size, const uint64_t *key,
                    int nkey, const char *ext);
static void write_file(struct img_cache *c, const char *path, const void *data, size_t len,
                       bool durable);

void img_cache_close(struct img_cache *c)
{
    if (c->dir && c->dirty && !c->unwritable && c->text_bytes >= IMG_MIN_TEXT &&
        c->text_bytes <= IMG_MAX_TEXT) {
        /* a program's first run writes the pack: its second is warm */
        write_pack(c);
    }
    if (c->pack)
        munmap(c->pack, c->pack_size);
    c_free(c, c->used, c->capused * sizeof *c->used);
    c_free(c, c->bypath, c->capbypath * sizeof *c->bypath);
    c_free(c, c->ids, c->nids / 8 + 1);
    for (uint32_t i = 0; i < c->ndirs; i++)
        c_free(c, (void *)c->dirs[i].files, c->dirs[i].size);
    c_free(c, c->dirs, c->capdirs * sizeof *c->dirs);
    c_free(c, c->dir, c->dirlen + 1);
    arena_alloc_fn alloc = c->alloc;
    void *ud = c->ud;
    memset(c, 0, sizeof *c);
    c->alloc = alloc;
    c->ud = ud;
}

/* dir + name into buf; false when it does not fit */
static bool path_of(const struct img_cache *c, char *buf, size_t size, const uint64_t *key,
                    int nkey, const char *ext)
{
    int k = snprintf(buf, size, "%s", c->dir);
    for (int i = 0; i < nkey && k > 0 && (size_t)k < size; i++)
        k += snprintf(buf + k, size - (size_t)k, "%016llx", (unsigned long long)key[i]);
    if (k > 0 && (size_t)k < size)
        k += snprintf(buf + k, size - (size_t)k, "%s", ext);
    return k > 0 && (size_t)k < size;
}

/* Makes the folder and its parents once; false when it cannot be had. */
static bool make_dir(struct img_cache *c)
{
    if (c->made)
        return true;
    if (c->unwritable)
        return false;
    char *p = c->dir;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int r = mkdir(p, 0700);
        int e = errno;
        *s = '/';
        if (r != 0 && e != EEXIST) {
            c->unwritable = true;
            return false;
        }
    }
    c->made = true;
    return true;
}

/* Writes len bytes to the file 'path' through a temporary name, so a reader sees the whole
 * file or none; 'durable': on the disk before it takes the name (a pack: a crash never leaves
 * one with its name and not its bytes, and the runs after this one do not share the machine
 * with its write-back). */
static void write_file(struct img_cache *c, const char *path, const void *data, size_t len,
                       bool durable)
{
    if (!make_dir(c))
        return;
    char tmp[4096];
    int k = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (k < 0 || (size_t)k >= sizeof tmp)
        return;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    if ((durable && !left && fdatasync(fd) != 0) || close(fd) != 0 || left ||
        rename(tmp, path) != 0)
        unlink(tmp);
}

/* {===== images */

struct memo_slot {
    const void *from;
    uint64_t to;
};

struct img_build {
    struct img_cache *c;
    char *buf;
    size_t len, cap;
    uint64_t base;
    struct memo_slot *memo; /* what is copied already: shared parts stay shared */
    uint32_t nmemo, capmemo;
    bool fail;
};

static size_t reserve(struct img_build *b, size_t n, size_t align)
{
    size_t off = (b->len + align - 1) & ~(align - 1);
    if (b->fail || off + n < off) {
        b->fail = true;
        return 0;
    }
    if (off + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap < off + n)
            cap *= 2;
        char *nb = b->c->alloc(b->c->ud, b->buf, b->cap, cap);
        if (!nb) {
            b->fail = true;
            return 0;
        }
        b->buf = nb;
        b->cap = cap;
    }
    memset(b->buf + b->len, 0, off + n - b->len);
    b->len = off + n;
    return off;
}

static uint64_t memo_hash(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

static uint64_t memo_get(const struct img_build *b, const void *from)
{
    if (!b->capmemo)
        return 0;
    for (uint32_t i = (uint32_t)memo_hash(from) & (b->capmemo - 1);; i = (i + 1) & (b->capmemo - 1)) {
        if (!b->memo[i].from)
            return 0;
        if (b->memo[i].from == from)
            return b->memo[i].to;
    }
}

static void memo_put(struct img_build *b, const void *from, uint64_t to)
{
    if ((b->nmemo + 1) * 2 > b->capmemo) {
        uint32_t cap = b->capmemo ? b->capmemo * 2 : 1024;
        struct memo_slot *v = c_alloc(b->c, cap * sizeof *v);
        if (!v) {
            b->fail = true;
            return;
        }
        memset(v, 0, cap * sizeof *v);
        for (uint32_t k = 0; k < b->capmemo; k++) {
            if (!b->memo[k].from)
                continue;
            uint32_t i = (uint32_t)memo_hash(b->memo[k].from) & (cap - 1);
            while (v[i].from)
                i = (i + 1) & (cap - 1);
            v[i] = b->memo[k];
        }
        c_free(b->c, b->memo, b->capmemo * sizeof *b->memo);
        b->memo = v;
        b->capmemo = cap;
    }
    uint32_t i = (uint32_t)memo_hash(from) & (b->capmemo - 1);
    while (b->memo[i].from)
        i = (i + 1) & (b->capmemo - 1);
    b->memo[i] = (struct memo_slot){from, to};
    b->nmemo++;
}

static void set_ptr(struct img_build *b, size_t at, uint64_t addr)
{
    if (!b->fail)
        memcpy(b->buf + at, &addr, sizeof addr);
}

/* n bytes of p, NUL-terminated in the image */
static uint64_t cp_text(struct img_build *b, const char *p, size_t n)
{
    if (!p)
        return 0;
    uint64_t to = memo_get(b, p);
    if (to)
        return to;
    size_t off = reserve(b, n + 1, 1);
    if (b->fail)
        return 0;
    memcpy(b->buf + off, p, n);
    to = b->base + off;
    memo_put(b, p, to);
    return to;
}

static uint64_t cp_str(struct img_build *b, const char *s)
{
    return s ? cp_text(b, s, strlen(s)) : 0;
}

static uint64_t cp_strlit(struct img_build *b, const struct strlit *lit)
{
    if (!lit)
        return 0;
    uint64_t to = memo_get(b, lit);
    if (to)
        return to;
    size_t off = reserve(b, sizeof *lit, alignof(struct strlit));
    if (b->fail)
        return 0;
    memcpy(b->buf + off, lit, sizeof *lit);
    to = b->base + off;
    memo_put(b, lit, to);
    if (!lit->parts) {
        set_ptr(b, off + offsetof(struct strlit, parts), 0);
        return to;
    }
    size_t poff = reserve(b, lit->nparts * sizeof *lit->parts, alignof(struct strpart));
    if (b->fail)
        return 0;
    memcpy(b->buf + poff, lit->parts, lit->nparts * sizeof *lit->parts);
    set_ptr(b, off + offsetof(struct strlit, parts), b->base + poff);
    for (uint32_t i = 0; i < lit->nparts; i++) {
        const struct strpart *sp = &lit->parts[i];
        uint64_t t = sp->text ? cp_text(b, sp->text, sp->len) : 0;
        set_ptr(b, poff + i * sizeof *sp + offsetof(struct strpart, text), t);
    }
    return to;
}

static uint64_t cp_node(struct img_build *b, const struct ast *n);

/* The list at node offset 'at' + the list's offset within the node. */
static void cp_list(struct img_build *b, size_t at, const struct ast_list *l)
{
    uint64_t v = 0;
    if (l->v) {
        size_t voff = reserve(b, (l->n ? l->n : 1) * sizeof *l->v, alignof(struct ast *));
        if (b->fail)
            return;
        v = b->base + voff;
        for (uint32_t i = 0; i < l->n; i++)
            set_ptr(b, voff + i * sizeof *l->v, cp_node(b, l->v[i]));
    }
    if (b->fail)
        return;
    set_ptr(b, at + offsetof(struct ast_list, v), v);
    uint32_t cap = l->n; /* full: a push copies it out, never writes past it */
    memcpy(b->buf + at + offsetof(struct ast_list, cap), &cap, sizeof cap);
}

#define NODE_PTR(field, value) set_ptr(b, off + offsetof(struct ast, field), (value))
#define NODE(field) NODE_PTR(field, cp_node(b, n->field))
#define STR(field) NODE_PTR(field, cp_str(b, n->field))
#define LIST(field) cp_list(b, off + offsetof(struct ast, field), &n->field)

static uint64_t cp_node(struct img_build *b, const struct ast *n)
{
    if (!n || b->fail)
        return 0;
    uint64_t to = memo_get(b, n);
    if (to)
        return to;
    size_t size = ast_size(n); /* only the kind's member: reading further may leave the block */
    size_t off = reserve(b, size, alignof(struct ast));
    if (b->fail)
        return 0;
    memcpy(b->buf + off, n, size);
    to = b->base + off;
    memo_put(b, n, to);
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        STR(u.name);
        break;
    case AST_INT:
    case AST_FLOAT:
    case AST_TRUE:
    case AST_FALSE:
    case AST_NONE:
    case AST_UNDEFINED:
    case AST_TYPE_ANY:
        break;
    case AST_STR: {
        NODE_PTR(u.str.lit, cp_strlit(b, n->u.str.lit));
        uint64_t ex = 0;
        if (n->u.str.exprs && n->u.str.lit) {
            uint32_t np = n->u.str.lit->nparts;
            size_t eoff = reserve(b, (np ? np : 1) * sizeof(struct ast *), alignof(struct ast *));
            if (b->fail)
                return 0;
            ex = b->base + eoff;
            for (uint32_t i = 0; i < np; i++)
                set_ptr(b, eoff + i * sizeof(struct ast *), cp_node(b, n->u.str.exprs[i]));
        }
        NODE_PTR(u.str.exprs, ex);
        break;
    }
    case AST_PAREN:
    case AST_STARRED:
    case AST_UNARY:
        NODE(u.unary.operand);
        break;
    case AST_BINARY:
        NODE(u.binary.left);
        NODE(u.binary.right);
        break;
    case AST_COMPARE: {
        LIST(u.compare.operands);
        uint32_t nops = n->u.compare.operands.n ? n->u.compare.operands.n - 1 : 0;
        NODE_PTR(u.compare.ops, n->u.compare.ops ? cp_text(b, (const char *)n->u.compare.ops, nops)
                                                 : 0);
        break;
    }
    case AST_AS:
        NODE(u.as_expr.value);
        NODE(u.as_expr.type);
        break;
    case AST_IFEXPR:
        NODE(u.ifexpr.body);
        NODE(u.ifexpr.cond);
        NODE(u.ifexpr.orelse);
        break;
    case AST_SELECT:
        NODE(u.select.value);
        STR(u.select.attr);
        break;
    case AST_INDEX:
        NODE(u.index.value);
        NODE(u.index.index);
        break;
    case AST_SLICE:
        NODE(u.slice.value);
        NODE(u.slice.lo);
        NODE(u.slice.hi);
        NODE(u.slice.step);
        break;
    case AST_CALL:
        NODE(u.call.func);
        LIST(u.call.args);
        break;
    case AST_KWARG:
        STR(u.kwarg.name);
        NODE(u.kwarg.value);
        break;
    case AST_LIST:
        LIST(u.list.items);
        break;
    case AST_LIST_IF:
    case AST_CONFIG_IF:
        NODE(u.cond_items.cond);
        LIST(u.cond_items.items);
        NODE(u.cond_items.orelse);
        break;
    case AST_LIST_COMP:
    case AST_DICT_COMP:
        NODE(u.comp.elt);
        LIST(u.comp.clauses);
        break;
    case AST_CONFIG:
        LIST(u.config.entries);
        break;
    case AST_ENTRY:
        NODE(u.entry.key);
        NODE(u.entry.value);
        break;
    case AST_COMP_FOR:
        STR(u.comp_for.key);
        STR(u.comp_for.value);
        NODE(u.comp_for.iter);
        LIST(u.comp_for.ifs);
        break;
    case AST_SCHEMA_EXPR:
        NODE(u.schema_expr.name);
        LIST(u.schema_expr.args);
        NODE(u.schema_expr.config);
        break;
    case AST_LAMBDA:
        LIST(u.lambda.params);
        NODE(u.lambda.ret);
        LIST(u.lambda.body);
        break;
    case AST_QUANT:
        STR(u.quant.key);
        STR(u.quant.value);
        NODE(u.quant.target);
        NODE(u.quant.test);
        NODE(u.quant.cond);
        break;
    case AST_MODULE:
        NODE_PTR(u.module.doc, cp_strlit(b, n->u.module.doc));
        LIST(u.module.body);
        STR(u.module.filename);
        break;
    case AST_EXPR_STMT:
        NODE(u.expr_stmt.value);
        break;
    case AST_ASSIGN:
        LIST(u.assign.targets);
        NODE(u.assign.type);
        NODE(u.assign.value);
        break;
    case AST_AUG_ASSIGN:
        NODE(u.aug.target);
        NODE(u.aug.value);
        break;
    case AST_UNIFY:
        NODE(u.unify.target);
        NODE(u.unify.value);
        break;
    case AST_IMPORT:
        STR(u.import.path);
        STR(u.import.alias);
        STR(u.import.asname);
        break;
    case AST_TYPE_ALIAS:
        STR(u.type_alias.name);
        NODE(u.type_alias.type);
        break;
    case AST_ASSERT:
    case AST_CHECK_EXPR:
        NODE(u.check_expr.test);
        NODE(u.check_expr.cond);
        NODE(u.check_expr.msg);
        break;
    case AST_IF:
        NODE(u.if_stmt.cond);
        LIST(u.if_stmt.body);
        LIST(u.if_stmt.orelse);
        break;
    case AST_SCHEMA:
    case AST_RULE:
        STR(u.schema.name);
        NODE_PTR(u.schema.doc, cp_strlit(b, n->u.schema.doc));
        LIST(u.schema.decorators);
        LIST(u.schema.params);
        LIST(u.schema.parents);
        NODE(u.schema.for_host);
        LIST(u.schema.mixins);
        LIST(u.schema.body);
        LIST(u.schema.checks);
        break;
    case AST_SCHEMA_ATTR:
        STR(u.attr.name);
        LIST(u.attr.decorators);
        NODE(u.attr.type);
        NODE(u.attr.value);
        break;
    case AST_INDEX_SIG:
        STR(u.index_sig.key_name);
        NODE(u.index_sig.key_type);
        NODE(u.index_sig.value_type);
        NODE(u.index_sig.value);
        break;
    case AST_DECORATOR:
        NODE(u.decorator.name);
        LIST(u.decorator.args);
        break;
    case AST_TYPE_NAMED:
        STR(u.type_named.name);
        break;
    case AST_TYPE_LIST:
        NODE(u.type_list.elem);
        break;
    case AST_TYPE_DICT:
        NODE(u.type_dict.key);
        NODE(u.type_dict.value);
        break;
    case AST_TYPE_UNION:
        LIST(u.type_union.types);
        break;
    case AST_TYPE_LITERAL:
        NODE(u.type_lit.value);
        break;
    case AST_TYPE_FUNC:
        LIST(u.type_func.params);
        NODE(u.type_func.ret);
        break;
    case AST_PARAM:
        STR(u.param.name);
        NODE(u.param.type);
        NODE(u.param.value);
        break;
    default: /* a kind this copier does not know: no image */
        b->fail = true;
        return 0;
    }
    return to;
}

#undef NODE_PTR
#undef NODE
#undef STR
#undef LIST

/* A file changed less than two seconds before this process started may change again within
 * its time stamp's tick, unseen by its status: such a file is found by its text only. */
static bool status_kept(const struct img_cache *c, const struct img_stat *st)
{
    return st->mtime_s + 2 <= c->start_s && st->ctime_s + 2 <= c->start_s;
}

static uint64_t path_hash(const char *path)
{
    uint64_t h = XXH3_64bits(path, strlen(path));
    return h ? h : 1;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct img_entry *x = a, *y = b;
    if (x->key[0] != y->key[0])
        return x->key[0] < y->key[0] ? -1 : 1;
    if (x->key[1] != y->key[1])
        return x->key[1] < y->key[1] ? -1 : 1;
    return 0;
}

/* Writes the pack of every tree this context used: the ones mapped and the ones parsed. */
static void write_pack(struct img_cache *c)
{
    struct img_build b = {.c = c, .base = c->pack_base};
    size_t hoff = reserve(&b, sizeof(struct img_header), 16);
    struct img_entry *ents = c_alloc(c, (c->nused ? c->nused : 1) * sizeof *ents);
    if (!ents)
        b.fail = true;
    for (uint32_t i = 0; i < c->nused && !b.fail; i++) {
        const struct img_use *u = &c->used[i];
        struct img_entry *e = &ents[i];
        memset(e, 0, sizeof *e);
        e->key[0] = u->key[0];
        e->key[1] = u->key[1];
        e->root = cp_node(&b, u->mod);
        e->path = cp_str(&b, u->path);
        e->text = cp_text(&b, u->text, u->text_len);
        if (u->lines && u->nlines) {
            size_t loff = reserve(&b, u->nlines * sizeof *u->lines, alignof(uint32_t));
            if (b.fail)
                break;
            memcpy(b.buf + loff, u->lines, u->nlines * sizeof *u->lines);
            e->lines = b.base + loff;
            e->nlines = u->nlines;
        }
        e->path_hash = path_hash(u->path);
        e->st = u->st;
        if (e->st.known && !status_kept(c, &e->st))
            e->st.known = 0;
        e->file_id = u->file_id;
        e->text_len = u->text_len;
    }
    if (!b.fail) {
        qsort(ents, c->nused, sizeof *ents, entry_cmp);
        /* the folders: their paths and files first, then their table */
        struct img_dir *dirs = c_alloc(c, (c->ndirs ? c->ndirs : 1) * sizeof *dirs);
        if (!dirs)
            b.fail = true;
        for (uint32_t i = 0; i < c->ndirs && !b.fail; i++) {
            const struct img_dir_use *u = &c->dirs[i];
            dirs[i] = (struct img_dir){.path = cp_str(&b, u->path), .st = u->st,
                                       .nfiles = u->nfiles};
            size_t foff = reserve(&b, (u->nfiles ? u->nfiles : 1) * sizeof(uint64_t), 8);
            if (b.fail)
                break;
            dirs[i].files = b.base + foff;
            for (uint32_t k = 0; k < u->nfiles; k++)
                set_ptr(&b, foff + k * sizeof(uint64_t), cp_str(&b, u->files[k]));
        }
        size_t doff = reserve(&b, (c->ndirs ? c->ndirs : 1) * sizeof *dirs, 8);
        if (!b.fail)
            memcpy(b.buf + doff, dirs, c->ndirs * sizeof *dirs);
        c_free(c, dirs, (c->ndirs ? c->ndirs : 1) * sizeof *dirs);
        size_t ioff = reserve(&b, c->nused * sizeof *ents, alignof(struct img_entry));
        if (!b.fail && hoff == 0 && b.len <= IMG_MAX) {
            memcpy(b.buf + ioff, ents, c->nused * sizeof *ents);
            struct img_header h = {.version = IMG_VERSION,
                                   .nentries = c->nused,
                                   .pack_key = c->pack_key,
                                   .base = b.base,
                                   .size = b.len,
                                   .index = b.base + ioff,
                                   .dirs = b.base + doff,
                                   .ndirs = c->ndirs};
            memcpy(h.magic, IMG_MAGIC, sizeof h.magic);
            h.sum = XXH3_64bits_withSeed(b.buf + ioff, c->nused * sizeof *ents,
                                         XXH3_64bits(b.buf + doff, c->ndirs * sizeof *dirs));
            memcpy(b.buf, &h, sizeof h);
            char path[4096];
            if (path_of(c, path, sizeof path, &c->pack_key, 1, ".pack"))
                write_file(c, path, b.buf, b.len, true);
        }
    }
    c_free(c, ents, (c->nused ? c->nused : 1) * sizeof *ents);
    c_free(c, b.buf, b.cap);
    c_free(c, b.memo, b.capmemo * sizeof *b.memo);
}

static void use(struct img_cache *c, const char *path, const char *text, uint32_t text_len,
                const uint32_t *lines, uint32_t nlines, const uint64_t key[2], uint32_t file_id,
                const struct img_stat *st, const struct ast *mod)
{
    if (c->nused == c->capused) {
        uint32_t cap = c->capused ? c->capused * 2 : 64;
        struct img_use *v = c->alloc(c->ud, c->used, c->capused * sizeof *v, cap * sizeof *v);
        if (!v) {
            c->dirty = false; /* a pack without this tree would only be rewritten again */
            c->unwritable = true;
            return;
        }
        c->used = v;
        c->capused = cap;
    }
    struct img_use *u = &c->used[c->nused++];
    *u = (struct img_use){.key = {key[0], key[1]}, .file_id = file_id, .text_len = text_len,
                          .path = path, .text = text, .lines = lines, .nlines = nlines,
                          .mod = mod};
    if (st)
        u->st = *st;
    c->text_bytes += text_len;
}

void img_cache_store(struct img_cache *c, const struct source *src, const uint64_t key[2],
                     const struct img_stat *st, const struct ast *mod)
{
    if (!c->dir || c->unwritable || !mod || mod->kind != AST_MODULE)
        return;
    use(c, src->path, src->text, src->len, src->line_start, src->nlines, key, src->id, st, mod);
    c->dirty = true;
}

/* Maps the pack named by the first file the context parses (its main file, mostly). */
static void open_pack(struct img_cache *c, const char *path)
{
    c->pack_tried = true;
    c->pack_key = XXH3_64bits_withSeed(path, strlen(path), 0x5c1);
    c->pack_base = IMG_REGION + (c->pack_key % IMG_SLOTS) * IMG_SLOT;
    char file[4096];
    if (!path_of(c, file, sizeof file, &c->pack_key, 1, ".pack"))
        return;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(struct img_header) ||
        (uint64_t)st.st_size > IMG_MAX) {
        close(fd);
        return;
    }
    size_t size = (size_t)st.st_size;
    void *at = (void *)(uintptr_t)c->pack_base;
    /* read-only: nothing writes to a tree; populated from the page cache in one call */
    void *m = mmap(at, size, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE | MAP_POPULATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return;
    const struct img_header *h = m;
    uint64_t base = c->pack_base;
    if (m != at || memcmp(h->magic, IMG_MAGIC, sizeof h->magic) || h->version != IMG_VERSION ||
        h->pack_key != c->pack_key || h->base != base || h->size != size ||
        h->index < base + sizeof *h || h->index % alignof(struct img_entry) ||
        (h->index - base) + (uint64_t)h->nentries * sizeof(struct img_entry) > size ||
        h->dirs < base + sizeof *h || h->dirs % 8 ||
        (h->dirs - base) + (uint64_t)h->ndirs * sizeof(struct img_dir) > size ||
        XXH3_64bits_withSeed((const char *)m + (h->index - base),
                             (size_t)h->nentries * sizeof(struct img_entry),
                             XXH3_64bits((const char *)m + (h->dirs - base),
                                         (size_t)h->ndirs * sizeof(struct img_dir))) != h->sum) {
        if (m != MAP_FAILED)
            munmap(m, size);
        return;
    }
    c->pack = m;
    c->pack_size = size;
    c->index = (const struct img_entry *)(uintptr_t)h->index;
    c->nindex = h->nentries;
    c->pdirs = (const struct img_dir *)(uintptr_t)h->dirs;
    c->npdirs = h->ndirs;
    /* the run uses about what the last one did */
    if (!c->used && c->nindex) {
        c->used = c_alloc(c, c->nindex * sizeof *c->used);
        c->capused = c->used ? c->nindex : 0;
    }
    /* the file ids the pack's trees carry, which files parsed now must not take */
    uint32_t maxid = 0;
    for (uint32_t k = 0; k < c->nindex; k++)
        if (c->index[k].file_id > SOURCE_SHARED_BASE &&
            c->index[k].file_id - SOURCE_SHARED_BASE > maxid)
            maxid = c->index[k].file_id - SOURCE_SHARED_BASE;
    if (maxid < (1u << 24)) {
        c->ids = c_alloc(c, maxid / 8 + 1);
        if (c->ids) {
            memset(c->ids, 0, maxid / 8 + 1);
            c->nids = maxid + 1;
            for (uint32_t k = 0; k < c->nindex; k++) {
                uint32_t i = c->index[k].file_id - SOURCE_SHARED_BASE;
                if (c->index[k].file_id > SOURCE_SHARED_BASE && i < c->nids)
                    c->ids[i / 8] |= (uint8_t)(1u << (i % 8));
            }
        }
    }
    /* the entries found by path and status, open-addressed by the path's hash */
    uint32_t cap = 16;
    while (cap < 2 * c->nindex)
        cap *= 2;
    c->bypath = c_alloc(c, cap * sizeof *c->bypath);
    if (!c->bypath)
        return;
    memset(c->bypath, 0xff, cap * sizeof *c->bypath);
    c->capbypath = cap;
    for (uint32_t k = 0; k < c->nindex; k++) {
        if (!c->index[k].st.known)
            continue;
        uint32_t i = (uint32_t)c->index[k].path_hash & (cap - 1);
        while (c->bypath[i] != UINT32_MAX)
            i = (i + 1) & (cap - 1);
        c->bypath[i] = k;
    }
}

/* An entry's addresses lie in the pack, its strings end there. */
static bool entry_ok(const struct img_cache *c, const struct img_entry *e)
{
    uint64_t lo = c->pack_base, hi = c->pack_base + c->pack_size;
    const struct ast *root = (const struct ast *)(uintptr_t)e->root;
    return e->file_id > SOURCE_SHARED_BASE && e->root >= lo && e->root % alignof(struct ast) == 0 &&
           e->root + offsetof(struct ast, u) <= hi && root->kind == AST_MODULE &&
           e->root + ast_size(root) <= hi && e->path >= lo && e->path < hi && e->text >= lo &&
           e->text < hi && e->text_len < hi - e->text &&
           (e->nlines == 0 || (e->lines >= lo && e->lines % alignof(uint32_t) == 0 &&
                               e->nlines <= (hi - e->lines) / sizeof(uint32_t))) &&
           ((const char *)(uintptr_t)e->text)[e->text_len] == '\0' &&
           memchr((const char *)(uintptr_t)e->path, '\0', hi - e->path);
}

static void entry_file(const struct img_entry *e, struct img_file *out)
{
    out->mod = (struct ast *)(uintptr_t)e->root;
    out->text = (const char *)(uintptr_t)e->text;
    out->text_len = e->text_len;
    out->lines = (const uint32_t *)(uintptr_t)e->lines;
    out->nlines = e->nlines;
    out->key[0] = e->key[0];
    out->key[1] = e->key[1];
    out->file_id = e->file_id;
    out->st = e->st;
}

bool img_cache_lookup(struct img_cache *c, const char *path, const uint64_t key[2],
                      uint32_t text_len, struct img_file *out)
{
    if (!c->dir)
        return false;
    if (!c->pack_tried)
        open_pack(c, path);
    const struct img_entry want = {.key = {key[0], key[1]}};
    const struct img_entry *e =
        c->nindex ? bsearch(&want, c->index, c->nindex, sizeof want, entry_cmp) : NULL;
    if (!e || e->text_len != text_len || !entry_ok(c, e))
        return false;
    entry_file(e, out);
    return true;
}

bool img_cache_find_dir(struct img_cache *c, const char *dir, const struct img_stat *st,
                        char *const **files, uint32_t *nfiles)
{
    if (!c->dir || !c->pack || !st->known)
        return false;
    uint64_t lo = c->pack_base, hi = c->pack_base + c->pack_size;
    for (uint32_t i = 0; i < c->npdirs; i++) {
        const struct img_dir *d = &c->pdirs[i];
        if (d->path < lo || d->path >= hi || memcmp(&d->st, st, sizeof *st) != 0 ||
            !memchr((const char *)(uintptr_t)d->path, '\0', hi - d->path) ||
            strcmp((const char *)(uintptr_t)d->path, dir) != 0)
            continue;
        if (d->files < lo || d->files % 8 || d->nfiles > (hi - d->files) / sizeof(uint64_t))
            return false;
        char *const *v = (char *const *)(uintptr_t)d->files;
        for (uint32_t k = 0; k < d->nfiles; k++)
            if ((uint64_t)(uintptr_t)v[k] < lo || (uint64_t)(uintptr_t)v[k] >= hi ||
                !memchr(v[k], '\0', hi - (uint64_t)(uintptr_t)v[k]))
                return false;
        *files = v;
        *nfiles = d->nfiles;
        return true;
    }
    return false;
}

void img_cache_keep_dir(struct img_cache *c, const char *dir, const struct img_stat *st,
                        char *const *files, uint32_t nfiles)
{
    if (!c->dir || !st->known || !status_kept(c, st))
        return;
    if (c->ndirs == c->capdirs) {
        uint32_t cap = c->capdirs ? c->capdirs * 2 : 16;
        struct img_dir_use *v = c->alloc(c->ud, c->dirs, c->capdirs * sizeof *v, cap * sizeof *v);
        if (!v)
            return;
        c->dirs = v;
        c->capdirs = cap;
    }
    /* copied: the caller's strings are its run's, gone before the pack is written */
    size_t size = (nfiles ? nfiles : 1) * sizeof(char *) + strlen(dir) + 1;
    for (uint32_t i = 0; i < nfiles; i++)
        size += strlen(files[i]) + 1;
    char **v = c_alloc(c, size);
    if (!v)
        return;
    char *p = (char *)(v + (nfiles ? nfiles : 1));
    for (uint32_t i = 0; i < nfiles; i++) {
        size_t n = strlen(files[i]) + 1;
        v[i] = memcpy(p, files[i], n);
        p += n;
    }
    char *path = memcpy(p, dir, strlen(dir) + 1);
    c->dirs[c->ndirs++] = (struct img_dir_use){path, *st, v, nfiles, size};
    bool known = false;
    for (uint32_t i = 0; i < c->npdirs && !known; i++)
        known = !memcmp(&c->pdirs[i].st, st, sizeof *st);
    if (!known)
        c->dirty = true; /* the next run finds this listing in the pack */
}

void img_cache_release(struct img_cache *c)
{
    /* never written, so its pages come back from the file if anything reads them again */
    if (c->pack)
        madvise(c->pack, c->pack_size, MADV_DONTNEED);
}

uint32_t img_cache_new_id(struct img_cache *c, const struct source_map *sm)
{
    for (uint32_t i = c->next_id ? c->next_id : 1;; i++) {
        uint32_t id = sm->base + i;
        bool packed = i < c->nids && (c->ids[i / 8] >> (i % 8)) & 1;
        if (!packed && !source_map_taken(sm, id)) {
            c->next_id = i + 1;
            return id;
        }
    }
}

bool img_cache_find(struct img_cache *c, const char *path, const struct img_stat *st,
                    struct img_file *out)
{
    if (!c->dir || !st->known)
        return false;
    if (!c->pack_tried)
        open_pack(c, path);
    if (!c->capbypath)
        return false;
    uint64_t h = path_hash(path);
    for (uint32_t i = (uint32_t)h & (c->capbypath - 1);; i = (i + 1) & (c->capbypath - 1)) {
        uint32_t k = c->bypath[i];
        if (k == UINT32_MAX)
            return false;
        const struct img_entry *e = &c->index[k];
        if (e->path_hash != h || memcmp(&e->st, st, sizeof *st) != 0 || !entry_ok(c, e) ||
            strcmp((const char *)(uintptr_t)e->path, path) != 0)
            continue;
        entry_file(e, out);
        return true;
    }
}

void img_cache_keep(struct img_cache *c, const char *path, const struct img_file *f,
                    const struct img_stat *st)
{
    use(c, path, f->text, f->text_len, f->lines, f->nlines, f->key, f->file_id, st, f->mod);
    /* found by its text: the next run finds it by its status, unless that is too recent to
     * be kept (it would be found by its text again), or the pack is big (writing it again
     * costs more than reading and hashing the files it would spare) */
    if (st && st->known && status_kept(c, st) && memcmp(st, &f->st, sizeof *st) != 0 &&
        c->pack_size < IMG_STATUS_REWRITE)
        c->dirty = true;
}

void img_stat_of(struct img_stat *out, const struct stat *st)
{
    memset(out, 0, sizeof *out);
    out->known = 1;
    out->dev = (uint64_t)st->st_dev;
    out->ino = (uint64_t)st->st_ino;
    out->size = (uint64_t)st->st_size;
    out->mtime_s = (int64_t)st->st_mtim.tv_sec;
    out->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    out->ctime_s = (int64_t)st->st_ctim.tv_sec;
    out->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

/* }===== */

/* A program's clean mark is a file named by its pack (its main file) holding the key of the
 * version that checked clean: one file per program however often it is edited. */
bool img_cache_is_clean(struct img_cache *c, uint64_t key)
{
    char path[4096];
    if (!c->dir || !c->pack_tried || !path_of(c, path, sizeof path, &c->pack_key, 1, ".ok"))
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint64_t got = 0;
    ssize_t n = read(fd, &got, sizeof got);
    close(fd);
    return n == (ssize_t)sizeof got && got == key;
}

void img_cache_set_clean(struct img_cache *c, uint64_t key)
{
    char path[4096];
    if (c->dir && !c->unwritable && c->pack_tried &&
        path_of(c, path, sizeof path, &c->pack_key, 1, ".ok"))
        write_file(c, path, &key, sizeof key, false);
}
