/* Internal helpers of pkg/: growing buffers, whole-file reads and atomic writes. */
#ifndef SCL_PKG_IO_H
#define SCL_PKG_IO_H

#include <stddef.h>

#include "pkg/pkg.h"

struct pkg_buf {
    char *b;
    size_t n, cap;
};
void pkg_buf_put(struct pkg_buf *b, const char *s, size_t n);
void pkg_buf_puts(struct pkg_buf *b, const char *s);
void pkg_buf_putc(struct pkg_buf *b, char c);
void pkg_buf_printf(struct pkg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The inside of Go's %q quoting of s (strconv.Quote without the quotes). */
void pkg_buf_quoted(struct pkg_buf *b, const char *s);
/* The text, NUL-terminated ("" when empty); the buffer is reset. */
char *pkg_buf_take(struct pkg_buf *b);

/* The whole file, NUL-terminated (malloc'd); NULL with err on failure, and for files larger
 * than PKG_READ_MAX (package metadata, not blobs: /dev/zero must not exhaust memory). */
#define PKG_READ_MAX ((size_t)256 << 20)
char *pkg_read_file(const char *path, size_t *len, struct pkg_err *err);
/* Writes through a temporary file beside path and a rename; nothing when the bytes are the
 * same already. */
int pkg_write_if_changed(const char *path, const char *data, size_t len, struct pkg_err *err);
/* strdup that never returns NULL (aborts on memory exhaustion); NULL gives NULL. */
char *pkg_strdup(const char *s);
/* rm -rf, symbolic links not followed; NULL: nothing. */
void pkg_remove_tree(const char *path);
/* The last segment of a path, URL or repository ("a/b/c" -> "c"), and its length. */
const char *pkg_last_segment(const char *s, size_t *n);
/* "a/b" joined (malloc'd). */
char *pkg_join(const char *a, const char *b);
/* The entries of dir but "." and "..", sorted bytewise by name (the walk order of sums and
 * archives, spec §1.4); -1 with err when dir cannot be read. */
int pkg_list_dir(const char *dir, struct pkg_strs *names, struct pkg_err *err);
/* mkdir -p; a file in the way is an error. */
int pkg_mkdirs(const char *path, struct pkg_err *err);

#endif
