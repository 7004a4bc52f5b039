/* Small shared pieces of pkg/: errors, string lists, buffers and files. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/io.h"
#include "pkg/pkg.h"

int pkg_fail(struct pkg_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void pkg_strs_push(struct pkg_strs *s, const char *str)
{
    char **v = realloc(s->v, (s->n + 1) * sizeof *v);
    char *copy = strdup(str);
    if (!v || !copy) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    v[s->n++] = copy;
    s->v = v;
}

void pkg_strs_free(struct pkg_strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* {===== buffers */

void pkg_buf_put(struct pkg_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *nb = realloc(b->b, cap);
        if (!nb) {
            fputs("scl: out of memory\n", stderr);
            abort();
        }
        b->b = nb;
        b->cap = cap;
    }
    memcpy(b->b + b->n, s, n);
    b->n += n;
    b->b[b->n] = '\0';
}

void pkg_buf_puts(struct pkg_buf *b, const char *s)
{
    pkg_buf_put(b, s, strlen(s));
}

void pkg_buf_putc(struct pkg_buf *b, char c)
{
    pkg_buf_put(b, &c, 1);
}

void pkg_buf_printf(struct pkg_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        pkg_buf_put(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        abort();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    pkg_buf_put(b, big, (size_t)n);
    free(big);
}

/* Length of the valid UTF-8 sequence at s (0: invalid). */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (!n || (s[0] >= 0xF0 && n != 4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0)
        return 0;
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0)
        return 0;
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90)
        return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90)
        return 0;
    return n;
}

void pkg_buf_quoted(struct pkg_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned char c = *s;
        const char *esc = NULL;
        switch (c) {
        case '\a': esc = "\\a"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        default: break;
        }
        if (esc) {
            pkg_buf_puts(b, esc);
            s++;
            continue;
        }
        size_t n = utf8_len(s);
        if (c < 0x20 || c == 0x7F || n == 0) {
            pkg_buf_printf(b, "\\x%02x", c);
            s++;
            continue;
        }
        pkg_buf_put(b, (const char *)s, n);
        s += n;
    }
}

char *pkg_buf_take(struct pkg_buf *b)
{
    if (!b->b)
        pkg_buf_put(b, "", 0);
    char *s = b->b;
    b->b = NULL;
    b->n = b->cap = 0;
    return s;
}

/* {===== files */

char *pkg_read_file(const char *path, size_t *len, struct pkg_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        pkg_fail(err, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct pkg_buf b = {0};
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && b.n <= PKG_READ_MAX)
        pkg_buf_put(&b, chunk, k);
    int bad = ferror(f);
    fclose(f);
    if (bad || b.n > PKG_READ_MAX) {
        free(b.b);
        if (bad)
            pkg_fail(err, "cannot read '%s'", path);
        else
            pkg_fail(err, "cannot read '%s': larger than %zu MiB", path, PKG_READ_MAX >> 20);
        return NULL;
    }
    *len = b.n;
    return pkg_buf_take(&b);
}

int pkg_write_if_changed(const char *path, const char *data, size_t len, struct pkg_err *err)
{
    size_t old_len;
    struct pkg_err ignored;
    char *old = pkg_read_file(path, &old_len, &ignored);
    bool same = old && old_len == len && !memcmp(old, data, len);
    free(old);
    if (same)
        return 0;
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp)
        abort();
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        pkg_fail(err, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    fchmod(fd, 0644);
    bool ok = off == len && close(fd) == 0;
    if (!ok || rename(tmp, path) != 0) {
        pkg_fail(err, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

char *pkg_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (!s)
        abort();
    snprintf(s, n, "%s%s%s", a, a[0] && a[strlen(a) - 1] == '/' ? "" : "/", b);
    return s;
}

int pkg_mkdirs(const char *path, struct pkg_err *err)
{
    char *p = pkg_strdup(path);
    int rc = 0;
    for (char *c = p + 1;; c++) {
        bool end = *c == '\0';
        if (*c != '/' && !end)
            continue;
        *c = '\0';
        struct stat st;
        if (mkdir(p, 0755) != 0 && (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) {
            rc = pkg_fail(err, "cannot create directory '%s': %s", p,
                          errno == EEXIST ? "a file is in the way" : strerror(errno));
            break;
        }
        if (end)
            break;
        *c = '/';
    }
    free(p);
    return rc;
}

char *pkg_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    return d;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void pkg_remove_tree(const char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *pkg_last_segment(const char *s, size_t *n)
{
    size_t len = strlen(s);
    while (len > 1 && s[len - 1] == '/')
        len--;
    const char *b = s + len;
    while (b > s && b[-1] != '/' && b[-1] != ':')
        b--;
    *n = (size_t)(s + len - b);
    return b;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pkg_list_dir(const char *dir, struct pkg_strs *names, struct pkg_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return pkg_fail(err, "cannot read '%s': %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            pkg_strs_push(names, e->d_name);
    closedir(d);
    if (names->n > 1)
        qsort(names->v, names->n, sizeof *names->v, cmp_entry);
    return 0;
}
