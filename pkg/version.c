/* Versions as hashicorp/go-version reads and orders them (spec §3.5), and sub-packages (§1.1). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/io.h"
#include "pkg/pkg.h"

/* A version as hashicorp/go-version parses it (its VersionRegexpRaw, leftmost-first). */
#define VER_SEGS 64
struct ver {
    int64_t seg[VER_SEGS];
    size_t nseg;
    const char *pre, *meta;
    size_t npre, nmeta;
};

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha_dash(char ch)
{
    return ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || ch == '-' || ch == '~';
}

static bool is_ident(char ch)
{
    return is_digit(ch) || is_alpha_dash(ch);
}

/* first char of the class, [0-9A-Za-z-~]*, then (\.[0-9A-Za-z-~]+)* — greedy; 0: no match */
static size_t ident_len(const char *s, bool digit_first)
{
    if (!(digit_first ? is_digit(s[0]) : is_alpha_dash(s[0])))
        return 0;
    size_t i = 1;
    while (is_ident(s[i]))
        i++;
    while (s[i] == '.' && is_ident(s[i + 1])) {
        i++;
        while (is_ident(s[i]))
            i++;
    }
    return i;
}

/* "" or "+meta" up to the end */
static bool meta_ok(const char *s, struct ver *v)
{
    if (!*s) {
        v->meta = s;
        v->nmeta = 0;
        return true;
    }
    if (*s != '+')
        return false;
    size_t n = ident_len(s + 1, true);
    if (!n)
        n = ident_len(s + 1, false);
    if (!n || s[1 + n])
        return false;
    v->meta = s + 1;
    v->nmeta = n;
    return true;
}

static bool ver_parse(const char *t, struct ver *v)
{
    memset(v, 0, sizeof *v);
    const char *p = t;
    if (*p == 'v')
        p++;
    if (!is_digit(*p))
        return false;
    for (;;) {
        int64_t x = 0;
        for (; is_digit(*p); p++) {
            if (x > (INT64_MAX - (*p - '0')) / 10)
                return false;
            x = x * 10 + (*p - '0');
        }
        if (v->nseg == VER_SEGS)
            return false;
        v->seg[v->nseg++] = x;
        if (p[0] == '.' && is_digit(p[1]))
            p++;
        else
            break;
    }
    while (v->nseg < 3)
        v->seg[v->nseg++] = 0;
    v->pre = p;
    size_t n;
    /* -([0-9]...), then -?([A-Za-z-~]...) with the dash taken, then without, then nothing */
    if (p[0] == '-' && (n = ident_len(p + 1, true)) && meta_ok(p + 1 + n, v)) {
        v->pre = p + 1;
        v->npre = n;
        return true;
    }
    if (p[0] == '-' && (n = ident_len(p + 1, false)) && meta_ok(p + 1 + n, v)) {
        v->pre = p + 1;
        v->npre = n;
        return true;
    }
    if ((n = ident_len(p, false)) && meta_ok(p + n, v)) {
        v->pre = p;
        v->npre = n;
        return true;
    }
    v->npre = 0;
    return meta_ok(p, v);
}

static bool parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return false;
    uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (x > (lim - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x) : (int64_t)x;
    return true;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* go-version's comparePart, quirks included */
static int cmp_part(const char *a, size_t na, const char *b, size_t nb)
{
    if (na == nb && !memcmp(a, b, na))
        return 0;
    int64_t ai = 0, bi = 0;
    bool an = parse_int(a, na, &ai), bn = parse_int(b, nb, &bi);
    if (na == 0)
        return bn ? -1 : 1;
    if (nb == 0)
        return an ? 1 : -1;
    if (an && !bn)
        return -1;
    if (!an && bn)
        return 1;
    if (!an && !bn && cmp_bytes(a, na, b, nb) > 0)
        return 1;
    if (ai > bi)
        return 1;
    return -1;
}

static int cmp_pre(const char *a, size_t na, const char *b, size_t nb)
{
    if (na == nb && !memcmp(a, b, na))
        return 0;
    const char *pa = a, *pb = b, *ea = a + na, *eb = b + nb;
    bool da = false, db = false; /* all parts consumed */
    while (!da || !db) {
        const char *qa = da ? pa : memchr(pa, '.', (size_t)(ea - pa));
        const char *qb = db ? pb : memchr(pb, '.', (size_t)(eb - pb));
        size_t la = da ? 0 : (size_t)((qa ? qa : ea) - pa);
        size_t lb = db ? 0 : (size_t)((qb ? qb : eb) - pb);
        int c = cmp_part(pa, la, pb, lb);
        if (c)
            return c;
        if (!da) {
            if (qa)
                pa = qa + 1;
            else
                da = true;
        }
        if (!db) {
            if (qb)
                pb = qb + 1;
            else
                db = true;
        }
    }
    return 0;
}

static int ver_cmp(const struct ver *a, const struct ver *b)
{
    bool same_segs = a->nseg == b->nseg && !memcmp(a->seg, b->seg, a->nseg * sizeof *a->seg);
    if (same_segs && a->npre == b->npre && !memcmp(a->pre, b->pre, a->npre) &&
        a->nmeta == b->nmeta && !memcmp(a->meta, b->meta, a->nmeta))
        return 0;
    if (same_segs) {
        if (!a->npre && !b->npre)
            return 0;
        if (!a->npre)
            return 1;
        if (!b->npre)
            return -1;
        return cmp_pre(a->pre, a->npre, b->pre, b->npre);
    }
    size_t hs = a->nseg > b->nseg ? a->nseg : b->nseg;
    for (size_t i = 0; i < hs; i++) {
        if (i >= a->nseg) {
            for (size_t j = i; j < b->nseg; j++)
                if (b->seg[j])
                    return -1;
            break;
        }
        if (i >= b->nseg) {
            for (size_t j = i; j < a->nseg; j++)
                if (a->seg[j])
                    return 1;
            break;
        }
        if (a->seg[i] != b->seg[i])
            return a->seg[i] < b->seg[i] ? -1 : 1;
    }
    return 0;
}

int pkg_version_cmp(const char *a, const char *b, bool *ok)
{
    struct ver x, y;
    *ok = ver_parse(a, &x) && ver_parse(b, &y);
    return *ok ? ver_cmp(&x, &y) : 0;
}

static void search(const char *dir, const char *name, const char *version, unsigned depth,
                   char **best, char **best_version)
{
    if (depth > 64 || (version && *best))
        return;
    if (pkg_has_mod(dir)) {
        struct pkg_mod m;
        struct pkg_err err;
        if (pkg_mod_read(dir, &m, &err) == 0 && m.name && !strcmp(m.name, name)) {
            bool ok = false;
            bool take = version ? (m.version && !strcmp(m.version, version))
                                : !*best || (m.version && *best_version &&
                                             pkg_version_cmp(m.version, *best_version, &ok) > 0);
            if (!version && *best && !*best_version && m.version)
                take = true;
            if (take) {
                free(*best);
                free(*best_version);
                *best = strdup(dir);
                *best_version = m.version ? strdup(m.version) : NULL;
            }
        }
        pkg_mod_free(&m);
    }
    struct pkg_strs names = {0};
    struct pkg_err ignored;
    if (pkg_list_dir(dir, &names, &ignored) != 0)
        return;
    for (size_t i = 0; i < names.n; i++) {
        if (names.v[i][0] == '.')
            continue;
        char *sub = pkg_join(dir, names.v[i]);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            search(sub, name, version, depth + 1, best, best_version);
        free(sub);
    }
    pkg_strs_free(&names);
}

char *pkg_find_subpackage(const char *dir, const char *name, const char *version)
{
    char *best = NULL, *best_version = NULL;
    search(dir, name, version, 0, &best, &best_version);
    free(best_version);
    return best;
}
