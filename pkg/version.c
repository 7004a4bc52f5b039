/* Versions as hashicorp/go-version reads and orders them (spec §3.5), and sub-packages (§1.1). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/io.h"
#include "pkg/pkg.h"

struct version {
    long long seg[16];
    int nseg;
    const char *pre; /* pre-release text, or NULL */
    size_t npre;
};

/* v?N(.N)*(-pre)?(+meta)? */
static bool parse(const char *s, struct version *v)
{
    memset(v, 0, sizeof *v);
    if (*s == 'v')
        s++;
    for (;;) {
        if (!isdigit((unsigned char)*s) || v->nseg == 16)
            return false;
        long long n = 0;
        while (isdigit((unsigned char)*s)) {
            if (n > (1LL << 50))
                return false;
            n = n * 10 + (*s++ - '0');
        }
        v->seg[v->nseg++] = n;
        if (*s != '.')
            break;
        s++;
    }
    if (*s == '-' || (*s && *s != '+' && isalnum((unsigned char)*s))) {
        if (*s == '-')
            s++;
        const char *b = s;
        while (*s && *s != '+') {
            if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
                return false;
            s++;
        }
        if (s == b)
            return false;
        v->pre = b;
        v->npre = (size_t)(s - b);
    }
    if (*s == '+') {
        s++;
        if (!*s)
            return false;
        while (*s) {
            if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
                return false;
            s++;
        }
    }
    return *s == '\0';
}

static int cmp_ident(const char *a, size_t na, const char *b, size_t nb)
{
    bool da = na > 0, db = nb > 0;
    for (size_t i = 0; i < na; i++)
        da = da && isdigit((unsigned char)a[i]);
    for (size_t i = 0; i < nb; i++)
        db = db && isdigit((unsigned char)b[i]);
    if (da && db) {
        long long x = strtoll(a, NULL, 10), y = strtoll(b, NULL, 10);
        return x < y ? -1 : x > y;
    }
    if (da != db)
        return da ? -1 : 1;
    size_t n = na < nb ? na : nb;
    int c = memcmp(a, b, n);
    return c ? (c < 0 ? -1 : 1) : (na < nb ? -1 : na > nb);
}

/* Dot-separated pre-release identifiers compared in turn. */
static int cmp_pre(const char *a, size_t na, const char *b, size_t nb)
{
    while (na || nb) {
        if (!na)
            return -1;
        if (!nb)
            return 1;
        const char *da = memchr(a, '.', na), *db = memchr(b, '.', nb);
        size_t la = da ? (size_t)(da - a) : na, lb = db ? (size_t)(db - b) : nb;
        int c = cmp_ident(a, la, b, lb);
        if (c)
            return c;
        a += la + (da != NULL);
        na -= la + (da != NULL);
        b += lb + (db != NULL);
        nb -= lb + (db != NULL);
    }
    return 0;
}

int pkg_version_cmp(const char *a, const char *b, bool *ok)
{
    struct version x, y;
    *ok = parse(a, &x) && parse(b, &y);
    if (!*ok)
        return 0;
    int n = x.nseg > y.nseg ? x.nseg : y.nseg;
    for (int i = 0; i < n; i++) {
        long long p = i < x.nseg ? x.seg[i] : 0, q = i < y.nseg ? y.seg[i] : 0;
        if (p != q)
            return p < q ? -1 : 1;
    }
    if (!x.pre != !y.pre)
        return x.pre ? -1 : 1;
    return x.pre ? cmp_pre(x.pre, x.npre, y.pre, y.npre) : 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
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
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct pkg_strs names = {0};
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            pkg_strs_push(&names, e->d_name);
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_name);
    for (size_t i = 0; i < names.n; i++) {
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
