/* The regex system module (spec §5.2) on PCRE2, with the semantics of KCL's fancy_regex:
 * Unicode classes, `$` only at the very end, Rust's iteration over empty matches and its
 * `$name` / `${name}` replacement syntax.
 *
 * A run compiles each pattern once (rx_prepare): the first RX_KEEP distinct patterns are
 * kept compiled in memory PCRE2 takes from the run's arena. Further patterns are compiled for
 * each call, and match data (with the frames PCRE2 needs while it matches, which can be
 * large) is made for each call, in memory PCRE2 mallocs; so every call runs all its matches
 * first, copying the offsets (and the group-name table) into the run's arena with the
 * non-raising arena_alloc, frees what it made, and only then builds values or raises. */
#include "config.h"

#include "stdlib/stdlib.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "runtime/vm_impl.h"

/* {===== running a pattern */

struct rx_result {
    uint32_t ngroups; /* capture groups, group 0 not included */
    size_t nmatches;
    PCRE2_SIZE *ov;       /* nmatches * (ngroups + 1) pairs of offsets; PCRE2_UNSET if unset */
    const uint8_t *names; /* PCRE2's name table: entries of 'name_size' bytes */
    uint32_t nnames, name_size;
};

enum { RX_OK, RX_BAD_PATTERN, RX_MATCH_ERROR };

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t rx_char_len(unsigned char c)
{
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* {===== compiled patterns */

#define RX_KEEP  64  /* patterns a run keeps compiled */
#define RX_SLOTS 128 /* slots of the table that finds them (a power of two) */

struct rx_kept {
    const char *pat; /* NULL: free slot */
    size_t len;
    uint64_t hash;
    pcre2_code *code;
};

struct rx_cache {
    pcre2_general_context *gc; /* allocates from the run's arena; frees nothing */
    pcre2_compile_context *cc;
    unsigned n;
    struct rx_kept slot[RX_SLOTS];
};

/* A compiled pattern (kept by the run, or the call's own) and the call's match data. */
struct rx_prog {
    pcre2_code *code;
    pcre2_match_data *md; /* malloc'ed: rx_release frees it */
    bool own;             /* rx_release frees the code too */
};

static void *rx_arena_alloc(PCRE2_SIZE n, void *ud)
{
    return arena_alloc(ud, n);
}

static void rx_arena_free(void *p, void *ud)
{
    (void)p; /* the arena goes with the run */
    (void)ud;
}

static uint64_t rx_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a: patterns are short */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

/* NULL with the message in 'err' for a bad pattern; *nomem when memory ran out instead. */
static pcre2_code *rx_compile_with(const struct str *pat, pcre2_compile_context *cc, char *err,
                                   size_t errlen, bool *nomem)
{
    int ec = 0;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat->b, pat->len,
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &ec, &eo, cc);
    if (!code) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)eo);
        *nomem = ec == PCRE2_ERROR_NOMEMORY;
    }
    return code;
}

/* The run's table of kept patterns, made on first use; NULL when the arena is exhausted. */
static struct rx_cache *rx_cache_of(struct vm *vm)
{
    if (vm->rx_cache)
        return vm->rx_cache;
    struct rx_cache *c = arena_zalloc(vm->arena, sizeof *c);
    if (!c)
        return NULL;
    c->gc = pcre2_general_context_create(rx_arena_alloc, rx_arena_free, vm->arena);
    c->cc = c->gc ? pcre2_compile_context_create(c->gc) : NULL;
    if (!c->cc)
        return NULL;
    pcre2_set_newline(c->cc, PCRE2_NEWLINE_LF);
    vm->rx_cache = c;
    return c;
}

/* 'code' with match data of its own (from malloc, not the code's allocator). RX_OK. */
static int rx_match_data(struct vm *vm, pcre2_code *code, bool own, struct rx_prog *p)
{
    uint32_t ngroups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    pcre2_match_data *md = pcre2_match_data_create(ngroups + 1, NULL);
    if (!md) {
        if (own)
            pcre2_code_free(code);
        vm_raise(vm, "out of memory");
    }
    *p = (struct rx_prog){code, md, own};
    return RX_OK;
}

/* Compiles 'pat', or finds it compiled. RX_OK or RX_BAD_PATTERN (message in 'err'). Raises
 * only when memory runs out, holding nothing. */
static int rx_prepare(struct vm *vm, const struct str *pat, struct rx_prog *p, char *err,
                      size_t errlen)
{
    uint64_t h = rx_hash(pat->b, pat->len);
    struct rx_cache *c = rx_cache_of(vm);
    struct rx_kept *k = NULL;
    if (c) {
        for (size_t i = (size_t)h & (RX_SLOTS - 1);; i = (i + 1) & (RX_SLOTS - 1)) {
            k = &c->slot[i];
            if (!k->pat)
                break;
            if (k->hash == h && k->len == pat->len && !memcmp(k->pat, pat->b, pat->len))
                return rx_match_data(vm, k->code, false, p);
        }
        if (c->n >= RX_KEEP)
            k = NULL;
    }
    if (k) { /* kept: compiled into the arena */
        char *copy = arena_alloc(vm->arena, pat->len + 1);
        bool nomem = !copy;
        pcre2_code *code = copy ? rx_compile_with(pat, c->cc, err, errlen, &nomem) : NULL;
        if (!code && !nomem)
            return RX_BAD_PATTERN;
        if (!code)
            vm_oom(vm);
        memcpy(copy, pat->b, pat->len);
        copy[pat->len] = '\0';
        *k = (struct rx_kept){copy, pat->len, h, code};
        c->n++;
        return rx_match_data(vm, code, false, p);
    }
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc)
        vm_raise(vm, "out of memory");
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    bool nomem = false;
    pcre2_code *code = rx_compile_with(pat, cc, err, errlen, &nomem);
    pcre2_compile_context_free(cc);
    if (!code && nomem)
        vm_raise(vm, "out of memory");
    if (!code)
        return RX_BAD_PATTERN;
    return rx_match_data(vm, code, true, p);
}

static void rx_release(struct rx_prog *p)
{
    pcre2_match_data_free(p->md);
    if (p->own)
        pcre2_code_free(p->code);
}

/* {===== running a pattern */

/* Collects up to 'limit' matches (0: all) of 'subj', following the iteration of Rust's regex
 * crates: after an empty match the search resumes one character later, and an empty match
 * right where the previous match ended is skipped, into 'res' (zeroed by the caller). Returns
 * RX_OK, or an error code with the message in 'err'; never raises (*oom_out: memory ran out). */
static int rx_exec(struct vm *vm, const struct rx_prog *prog, const struct str *subj,
                   size_t limit, bool want_names, struct rx_result *res, char *err, size_t errlen,
                   bool *oom_out)
{
    pcre2_code *code = prog->code;
    bool oom = false;
    int status = RX_OK;
    uint32_t ngroups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    res->ngroups = ngroups;
    if (want_names) {
        uint32_t count = 0, size = 0;
        PCRE2_SPTR table = NULL;
        pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
        pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
        pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
        if (count && table) {
            uint8_t *copy = arena_alloc(vm->arena, (size_t)count * size);
            if (copy) {
                memcpy(copy, table, (size_t)count * size);
                res->names = copy;
                res->nnames = count;
                res->name_size = size;
            } else {
                oom = true;
            }
        }
    }
    pcre2_match_data *md = prog->md;
    size_t per = 2 * ((size_t)ngroups + 1), cap = 0;
    size_t last_end = 0, last_match = (size_t)-1;
    uint32_t opts = 0;
    while (!oom && last_end <= subj->len && (limit == 0 || res->nmatches < limit)) {
        int rc = pcre2_match(code, (PCRE2_SPTR)subj->b, subj->len, last_end, opts, md, NULL);
        opts = PCRE2_NO_UTF_CHECK; /* the subject was checked by the first call */
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            PCRE2_UCHAR msg[200];
            pcre2_get_error_message(rc, msg, sizeof msg);
            snprintf(err, errlen, "%s", (const char *)msg);
            status = RX_MATCH_ERROR;
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t start = ov[0], end = ov[1];
        if (end < start) /* \K in a lookahead: treat as empty at 'start' */
            end = start;
        if (start == end) {
            last_end = end < subj->len ? end + rx_char_len((unsigned char)subj->b[end]) : end + 1;
            if (end == last_match)
                continue;
        } else {
            last_end = end;
        }
        last_match = end;
        if (res->nmatches == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            PCRE2_SIZE *nv =
                arena_realloc(vm->arena, res->ov, cap * per * sizeof *nv, ncap * per * sizeof *nv);
            if (!nv) {
                oom = true;
                break;
            }
            res->ov = nv;
            cap = ncap;
        }
        PCRE2_SIZE *dst = res->ov + res->nmatches++ * per;
        uint32_t have = (uint32_t)rc; /* pairs set by this match; the rest are unset */
        for (size_t k = 0; k < per; k++)
            dst[k] = k / 2 < have ? ov[k] : PCRE2_UNSET;
        dst[1] = end;
    }
    *oom_out = oom;
    return status;
}

/* rx_prepare and rx_exec: RX_OK, or an error code with the message in 'err'. */
static int rx_run(struct vm *vm, const struct str *pat, const struct str *subj, size_t limit,
                  bool want_names, struct rx_result *res, char *err, size_t errlen)
{
    struct rx_prog prog;
    memset(res, 0, sizeof *res);
    int st = rx_prepare(vm, pat, &prog, err, errlen);
    if (st != RX_OK)
        return st;
    bool oom = false;
    st = rx_exec(vm, &prog, subj, limit, want_names, res, err, errlen, &oom);
    rx_release(&prog);
    if (oom)
        vm_oom(vm);
    return st;
}

static const PCRE2_SIZE *rx_match_at(const struct rx_result *r, size_t i)
{
    return r->ov + i * 2 * ((size_t)r->ngroups + 1);
}

/* {===== arguments */


static int64_t rx_opt_int(struct vm *vm, const struct callargs *a, uint32_t i, const char *name)
{
    struct value v;
    if (!arg_get(vm, a, i, name, &v) || v_is_null(v))
        return 0;
    return arg_int(vm, v, name);
}

static _Noreturn void rx_fail(struct vm *vm, int status, const struct str *pat, const char *err)
{
    if (status == RX_BAD_PATTERN)
        vm_raise(vm, "invalid regular expression '%s': %s", pat->b, err);
    vm_raise(vm, "regular expression '%s' failed to match: %s", pat->b, err);
}

/* {===== the module functions */

/* Whether the pattern matches anywhere in the string (KCL's match and search alike). */
static struct value rx_find(struct vm *vm, const struct callargs *a, const char *fname)
{
    arg_count(vm, a, fname, 2, 2);
    struct str *s = arg_need_str(vm, a, 0, "string", fname);
    struct str *p = arg_need_str(vm, a, 1, "pattern", fname);
    char err[256];
    struct rx_prog prog;
    int st = rx_prepare(vm, p, &prog, err, sizeof err);
    if (st != RX_OK)
        rx_fail(vm, st, p, err);
    /* the first match is found when there is any (an empty one too): one call, and nothing
     * left in the arena (a schema check calling regex.match runs for every instance); an
     * error while matching counts as no match */
    int rc = pcre2_match(prog.code, (PCRE2_SPTR)s->b, s->len, 0, 0, prog.md, NULL);
    rx_release(&prog);
    return v_bool(rc >= 0);
}

/* KCL's regex.match is fancy_regex's is_match: not anchored (`^` anchors it). */
static struct value rx_match(struct vm *vm, const struct callargs *a)
{
    return rx_find(vm, a, "match");
}

static struct value rx_search(struct vm *vm, const struct callargs *a)
{
    return rx_find(vm, a, "search");
}

static struct value rx_compile(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "compile", 1, 1);
    struct str *p = arg_need_str(vm, a, 0, "pattern", "compile");
    struct rx_result r;
    char err[256];
    struct str *subj = str_new(vm, "", 0);
    return v_bool(rx_run(vm, p, subj, 1, false, &r, err, sizeof err) != RX_BAD_PATTERN);
}

/* Whole matches when the pattern has at most one group, else lists of groups 1..n. */
static struct value rx_findall(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "findall", 2, 2);
    struct str *s = arg_need_str(vm, a, 0, "string", "findall");
    struct str *p = arg_need_str(vm, a, 1, "pattern", "findall");
    struct rx_result r;
    char err[256];
    int st = rx_run(vm, p, s, 0, false, &r, err, sizeof err);
    if (st != RX_OK)
        rx_fail(vm, st, p, err);
    struct list *out = list_new(vm, (uint32_t)r.nmatches);
    for (size_t i = 0; i < r.nmatches; i++) {
        const PCRE2_SIZE *m = rx_match_at(&r, i);
        if (r.ngroups < 2) {
            list_push(vm, out, v_str(str_new(vm, s->b + m[0], m[1] - m[0])));
            continue;
        }
        struct list *g = list_new(vm, r.ngroups);
        for (uint32_t k = 1; k <= r.ngroups; k++) {
            PCRE2_SIZE b = m[2 * k], e = m[2 * k + 1];
            list_push(vm, g,
                      v_str(b == PCRE2_UNSET ? str_new(vm, "", 0) : str_new(vm, s->b + b, e - b)));
        }
        list_push(vm, out, v_list(g));
    }
    return v_list(out);
}

/* The pieces between matches. As in KCL, with maxsplit > 0 the result stops after maxsplit
 * pieces (the rest of the string is not appended). */
static struct value rx_split(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "split", 2, 3);
    struct str *s = arg_need_str(vm, a, 0, "string", "split");
    struct str *p = arg_need_str(vm, a, 1, "pattern", "split");
    int64_t maxsplit = rx_opt_int(vm, a, 2, "maxsplit");
    struct rx_result r;
    char err[256];
    size_t limit = maxsplit > 0 ? (size_t)maxsplit : 0;
    int st = rx_run(vm, p, s, limit, false, &r, err, sizeof err);
    if (st != RX_OK)
        rx_fail(vm, st, p, err);
    struct list *out = list_new(vm, (uint32_t)r.nmatches + 1);
    size_t pos = 0;
    for (size_t i = 0; i < r.nmatches; i++) {
        const PCRE2_SIZE *m = rx_match_at(&r, i);
        list_push(vm, out, v_str(str_new(vm, s->b + pos, m[0] - pos)));
        pos = m[1];
    }
    if (limit == 0 || r.nmatches < limit)
        list_push(vm, out, v_str(str_new(vm, s->b + pos, s->len - pos)));
    return v_list(out);
}

/* Group number of a named group, or -1. */
static int64_t rx_group_by_name(const struct rx_result *r, const char *name, size_t len)
{
    for (uint32_t k = 0; k < r->nnames; k++) {
        const uint8_t *e = r->names + (size_t)k * r->name_size;
        const char *n = (const char *)e + 2;
        if (strlen(n) == len && !memcmp(n, name, len))
            return (int64_t)((e[0] << 8) | e[1]);
    }
    return -1;
}

static void rx_put_group(struct sbuf *b, const struct str *s, const struct rx_result *r,
                         const PCRE2_SIZE *m, int64_t g)
{
    if (g < 0 || g > (int64_t)r->ngroups || m[2 * g] == PCRE2_UNSET)
        return;
    sbuf_put(b, s->b + m[2 * g], m[2 * g + 1] - m[2 * g]);
}

static bool rx_name_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Appends 'rep' with Rust's expansion: $$ is '$', $N / ${N} a group by number, $name /
 * ${name} by name (longest run of [0-9A-Za-z_]), unknown groups expand to nothing, and a
 * '$' that starts no reference stays literal. */
static void rx_expand(struct sbuf *b, const struct str *rep, const struct str *s,
                      const struct rx_result *r, const PCRE2_SIZE *m)
{
    const char *p = rep->b, *end = rep->b + rep->len;
    while (p < end) {
        const char *d = memchr(p, '$', (size_t)(end - p));
        if (!d) {
            sbuf_put(b, p, (size_t)(end - p));
            return;
        }
        sbuf_put(b, p, (size_t)(d - p));
        p = d;
        if (p + 1 < end && p[1] == '$') {
            sbuf_putc(b, '$');
            p += 2;
            continue;
        }
        const char *name = NULL, *next = NULL;
        size_t nlen = 0;
        if (p + 1 < end && p[1] == '{') {
            const char *close = memchr(p + 2, '}', (size_t)(end - p - 2));
            if (close) {
                name = p + 2;
                nlen = (size_t)(close - name);
                next = close + 1;
            }
        } else {
            const char *q = p + 1;
            while (q < end && rx_name_char(*q))
                q++;
            if (q > p + 1) {
                name = p + 1;
                nlen = (size_t)(q - name);
                next = q;
            }
        }
        if (!name) {
            sbuf_putc(b, '$');
            p++;
            continue;
        }
        bool digits = nlen > 0 && nlen <= 9;
        for (size_t k = 0; k < nlen && digits; k++)
            digits = name[k] >= '0' && name[k] <= '9';
        int64_t g;
        if (digits) {
            g = 0;
            for (size_t k = 0; k < nlen; k++)
                g = g * 10 + (name[k] - '0');
        } else {
            g = rx_group_by_name(r, name, nlen);
        }
        rx_put_group(b, s, r, m, g);
        p = next;
    }
}

static struct value rx_replace(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "replace", 3, 4);
    struct str *s = arg_need_str(vm, a, 0, "string", "replace");
    struct str *p = arg_need_str(vm, a, 1, "pattern", "replace");
    struct str *rep = arg_need_str(vm, a, 2, "replace", "replace");
    int64_t count = rx_opt_int(vm, a, 3, "count");
    struct rx_result r;
    char err[256];
    int st = rx_run(vm, p, s, count > 0 ? (size_t)count : 0, true, &r, err, sizeof err);
    if (st != RX_OK)
        rx_fail(vm, st, p, err);
    struct sbuf b;
    sbuf_init(&b, vm);
    size_t pos = 0;
    for (size_t i = 0; i < r.nmatches; i++) {
        const PCRE2_SIZE *m = rx_match_at(&r, i);
        sbuf_put(&b, s->b + pos, m[0] - pos);
        rx_expand(&b, rep, s, &r, m);
        pos = m[1];
    }
    sbuf_put(&b, s->b + pos, s->len - pos);
    return v_str(sbuf_str(&b));
}

static const struct native_def rx_fns[] = {
    {"compile", rx_compile}, {"findall", rx_findall}, {"match", rx_match},
    {"replace", rx_replace}, {"search", rx_search},   {"split", rx_split},
};

const struct stdlib_module stdlib_mod_regex = {"regex", rx_fns, sizeof rx_fns / sizeof rx_fns[0],
                                               NULL};
