/* Package archives (spec §3.2): a package tree written as a tar or tar+gzip in the walk order of
 * the sums (§1.4), and the safe unpacking of one. Only regular files and directories ever go in
 * or come out. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/io.h"
#include "pkg/net.h"

/* What an extraction may write: an archive that unpacks to more is refused. */
#define ARCHIVE_MAX_ENTRIES 1000000
#define ARCHIVE_MAX_DEPTH   256

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("scl: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = xmalloc(la + lb + 2);
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

/* {===== writing */

struct tar_out {
    struct archive *a;
    const char *root;         /* as given, without trailing slashes */
    struct pkg_strs inc, exc; /* patterns relative to the root */
    struct stat self;         /* the archive being written, never packed into itself */
    struct pkg_err *err;
};

/* A pattern as kpm joins it to the root (filepath.Join cleans it), made relative again. */
static char *clean_pattern(const char *root, const char *pat)
{
    size_t rl = strlen(root);
    if (strncmp(pat, root, rl) == 0 && pat[rl] == '/')
        pat += rl + 1;
    char *s = xmalloc(strlen(pat) + 1), *o = s;
    const char *p = pat;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0)
            break;
        if (!(n == 1 && p[0] == '.')) {
            if (o != s)
                *o++ = '/';
            memcpy(o, p, n);
            o += n;
        }
        p += n;
    }
    *o = '\0';
    return s;
}

static bool matches_any(const struct pkg_strs *pats, const char *rel)
{
    for (size_t i = 0; i < pats->n; i++)
        if (pats->v[i][0] && fnmatch(pats->v[i], rel, FNM_PATHNAME) == 0)
            return true;
    return false;
}

static int tar_fail(struct tar_out *t, const char *what, const char *path)
{
    const char *msg = archive_error_string(t->a);
    return pkg_fail(t->err, "cannot %s '%s': %s", what, path, msg ? msg : "archive error");
}

static int tar_entry(struct tar_out *t, const char *full, const char *rel, const struct stat *st)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return pkg_fail(t->err, "out of memory");
    archive_entry_copy_stat(e, st);
    archive_entry_set_pathname(e, rel);
    if (S_ISDIR(st->st_mode))
        archive_entry_set_size(e, 0);
    int rc = 0;
    if (archive_write_header(t->a, e) < ARCHIVE_WARN)
        rc = tar_fail(t, "archive", full);
    archive_entry_free(e);
    if (rc || !S_ISREG(st->st_mode))
        return rc;
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pkg_fail(t->err, "cannot read '%s': %s", full, strerror(errno));
    char buf[65536];
    int64_t left = st->st_size;
    while (left > 0 && rc == 0) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = pkg_fail(t->err, "cannot read '%s': %s", full, strerror(errno));
            break;
        }
        if (k == 0) /* shrank while reading: the rest is padded */
            break;
        if (k > left)
            k = (ssize_t)left;
        if (archive_write_data(t->a, buf, (size_t)k) < 0)
            rc = tar_fail(t, "archive", full);
        left -= k;
    }
    close(fd);
    return rc;
}

static int tar_walk(struct tar_out *t, const char *path, const char *relbase, unsigned depth)
{
    if (depth > ARCHIVE_MAX_DEPTH)
        return pkg_fail(t->err, "'%s': directories nested too deeply", path);
    struct pkg_strs names = {0};
    if (pkg_list_dir(path, &names, t->err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *full = join(path, names.v[i]);
        char *rel = relbase ? join(relbase, names.v[i]) : strdup(names.v[i]);
        if (!rel)
            abort();
        struct stat st;
        if (strstr(full, ".git") || strstr(full, ".tar")) {
            /* skipped with everything under it, as in the sums */
        } else if (lstat(full, &st) != 0) {
            rc = pkg_fail(t->err, "cannot stat '%s': %s", full, strerror(errno));
        } else if (st.st_dev == t->self.st_dev && st.st_ino == t->self.st_ino) {
            /* the archive itself, written inside the package */
        } else {
            bool skip = matches_any(&t->exc, rel) || (t->inc.n && !matches_any(&t->inc, rel));
            if (S_ISLNK(st.st_mode) && !skip) {
                /* a link to a file is packed as the file (its sum counts the target's bytes) */
                if (stat(full, &st) != 0)
                    rc = pkg_fail(t->err, "cannot archive '%s': %s", full, strerror(errno));
                else if (!S_ISREG(st.st_mode))
                    rc = pkg_fail(t->err, "cannot archive '%s': a link to a directory", full);
                else
                    rc = tar_entry(t, full, rel, &st);
            } else if (S_ISDIR(st.st_mode)) {
                if (!skip)
                    rc = tar_entry(t, full, rel, &st);
                /* an excluded directory's contents are still visited (§3.2) */
                if (rc == 0)
                    rc = tar_walk(t, full, rel, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                if (!skip)
                    rc = tar_entry(t, full, rel, &st);
            } else if (!skip && !S_ISLNK(st.st_mode)) {
                rc = pkg_fail(t->err, "cannot archive '%s': not a regular file or directory", full);
            }
        }
        free(full);
        free(rel);
    }
    pkg_strs_free(&names);
    return rc;
}

int pkg_archive_create(const char *root, const char *out, bool gzip, const struct pkg_strs *include,
                       const struct pkg_strs *exclude, struct pkg_err *err)
{
    struct tar_out t = {.err = err};
    char *r = strdup(root);
    if (!r)
        abort();
    size_t n = strlen(r);
    while (n > 1 && r[n - 1] == '/')
        r[--n] = '\0';
    t.root = r;
    for (size_t i = 0; include && i < include->n; i++) {
        char *p = clean_pattern(r, include->v[i]);
        pkg_strs_push(&t.inc, p);
        free(p);
    }
    for (size_t i = 0; exclude && i < exclude->n; i++) {
        char *p = clean_pattern(r, exclude->v[i]);
        pkg_strs_push(&t.exc, p);
        free(p);
    }

    int rc = 0;
    struct stat st;
    if (stat(r, &st) != 0) {
        rc = pkg_fail(err, "cannot archive '%s': %s", r, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = pkg_fail(err, "cannot archive '%s': not a directory", r);
        goto out;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = pkg_fail(err, "cannot create '%s': %s", out, strerror(errno));
        goto out;
    }
    if (fstat(fd, &t.self) != 0) {
        rc = pkg_fail(err, "cannot stat '%s': %s", out, strerror(errno));
        close(fd);
        unlink(out);
        goto out;
    }
    t.a = archive_write_new();
    if (!t.a) {
        close(fd);
        unlink(out);
        rc = pkg_fail(err, "out of memory");
        goto out;
    }
    if (archive_write_set_format_pax_restricted(t.a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(t.a, 1) != ARCHIVE_OK ||
        (gzip && (archive_write_add_filter_gzip(t.a) != ARCHIVE_OK ||
                  /* gzip mtime 0: the same tree gives the same bytes */
                  archive_write_set_filter_option(t.a, "gzip", "timestamp", NULL) != ARCHIVE_OK)) ||
        archive_write_open_fd(t.a, fd) != ARCHIVE_OK)
        rc = tar_fail(&t, "create", out);
    if (rc == 0)
        rc = tar_walk(&t, r, NULL, 0);
    if (archive_write_close(t.a) != ARCHIVE_OK && rc == 0)
        rc = tar_fail(&t, "write", out);
    archive_write_free(t.a);
    if (close(fd) != 0 && rc == 0)
        rc = pkg_fail(err, "cannot write '%s': %s", out, strerror(errno));
    if (rc)
        unlink(out);
out:
    pkg_strs_free(&t.inc);
    pkg_strs_free(&t.exc);
    free(r);
    return rc;
}

/* {===== reading */

/* Creates the directories of path (made of checked components) below base; a component that
 * exists must be a real directory, never a link. */
static int mkdirs_below(const char *base, const char *rel, bool last_too, struct pkg_err *err)
{
    size_t bl = strlen(base), rl = strlen(rel);
    char *p = xmalloc(bl + rl + 2);
    memcpy(p, base, bl);
    p[bl] = '/';
    memcpy(p + bl + 1, rel, rl + 1);
    int rc = 0;
    for (char *s = p + bl + 1;; s++) {
        bool end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        if (end && !last_too)
            break;
        char keep = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0) {
            struct stat st;
            if (errno != EEXIST || lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
                rc = pkg_fail(err, "cannot create directory '%s': %s", p,
                              errno == EEXIST ? "a file is in the way" : strerror(errno));
                break;
            }
        }
        *s = keep;
        if (end)
            break;
    }
    free(p);
    return rc;
}

/* An entry name made relative and checked: NULL when it would leave dest; "" for the root. */
static char *safe_name(const char *name)
{
    if (!name || name[0] == '/')
        return NULL;
    char *s = xmalloc(strlen(name) + 1), *o = s;
    const char *p = name;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            free(s);
            return NULL;
        }
        if (n && !(n == 1 && p[0] == '.')) {
            if (o != s)
                *o++ = '/';
            memcpy(o, p, n);
            o += n;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    *o = '\0';
    return s;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int extract_file(struct archive *a, struct archive_entry *e, const char *dest,
                        const char *rel, int64_t *total, struct pkg_err *err)
{
    char *full = join(dest, rel);
    mode_t mode = (archive_entry_perm(e) & 0100) ? 0755 : 0644;
    int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        int rc = pkg_fail(err, "cannot create '%s': %s", full, strerror(errno));
        free(full);
        return rc;
    }
    int rc = 0;
    char buf[65536];
    for (;;) {
        la_ssize_t k = archive_read_data(a, buf, sizeof buf);
        if (k == 0)
            break;
        if (k < 0) {
            const char *m = archive_error_string(a);
            rc = pkg_fail(err, "cannot read '%s' from the archive: %s", rel, m ? m : "error");
            break;
        }
        *total += k;
        if (*total > pkg_fetch_max()) {
            rc = pkg_fail(err, "the archive unpacks to more than %lld bytes (SCL_FETCH_MAX)",
                          (long long)pkg_fetch_max());
            break;
        }
        if (write_all(fd, buf, (size_t)k) != 0) {
            rc = pkg_fail(err, "cannot write '%s': %s", full, strerror(errno));
            break;
        }
    }
    if (close(fd) != 0 && rc == 0)
        rc = pkg_fail(err, "cannot write '%s': %s", full, strerror(errno));
    free(full);
    return rc;
}

int pkg_archive_extract(const char *archive, const char *dest, struct pkg_err *err)
{
    struct archive *a = archive_read_new();
    if (!a)
        return pkg_fail(err, "out of memory");
    int rc = 0;
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
        archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open_filename(a, archive, 65536) != ARCHIVE_OK) {
        const char *m = archive_error_string(a);
        rc = pkg_fail(err, "failed to open '%s': %s", archive, m ? m : "not an archive");
        archive_read_free(a);
        return rc;
    }
    rc = pkg_mkdirs(dest, err);
    int64_t total = 0;
    long entries = 0;
    struct archive_entry *e;
    while (rc == 0) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            const char *m = archive_error_string(a);
            rc = pkg_fail(err, "failed to read '%s': %s", archive, m ? m : "archive error");
            break;
        }
        if (++entries > ARCHIVE_MAX_ENTRIES) {
            rc = pkg_fail(err, "'%s' holds more than %d entries", archive, ARCHIVE_MAX_ENTRIES);
            break;
        }
        mode_t type = archive_entry_filetype(e);
        if (archive_entry_hardlink(e) || archive_entry_symlink(e) ||
            (type != AE_IFREG && type != AE_IFDIR)) {
            rc = pkg_fail(err, "unknown tar format.");
            break;
        }
        const char *name = archive_entry_pathname(e);
        char *rel = safe_name(name);
        if (!rel) {
            rc = pkg_fail(err, "refusing to extract '%s' from '%s': the path leaves the package",
                          name ? name : "", archive);
            break;
        }
        if (strlen(dest) + strlen(rel) + 2 > PATH_MAX) {
            rc = pkg_fail(err, "cannot extract '%s': the path is too long", rel);
        } else if (type == AE_IFDIR) {
            if (rel[0])
                rc = mkdirs_below(dest, rel, true, err);
        } else if (!rel[0]) {
            rc = pkg_fail(err, "unknown tar format.");
        } else {
            rc = mkdirs_below(dest, rel, false, err);
            if (rc == 0)
                rc = extract_file(a, e, dest, rel, &total, err);
        }
        free(rel);
    }
    archive_read_free(a);
    return rc;
}
