/* The file system module (spec §5.2): reading files and the environment, paths of the running
 * program, and the side-effecting write, append, mkdir, delete, cp and mv.
 *
 * Every function holding an OS resource (FILE, DIR, glob_t) copies what it needs into the
 * run's arena with the non-raising arena_alloc and releases the resource before it raises
 * or builds values. Error texts follow KCL's, which print Rust's io::Error as
 * "<strerror> (os error <errno>)". */
#include "config.h"

#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/loader.h"
#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

enum { FILE_PATH_MAX = 4096 };

/* {===== arguments */

static const char *file_str(struct vm *vm, const struct callargs *a, uint32_t i, const char *name,
                            const char *fname)
{
    return arg_need_str(vm, a, i, name, fname)->b;
}

static struct value file_str_value(struct vm *vm, const char *s)
{
    return v_str(str_cstr(vm, s ? s : ""));
}

/* Under a host's loader the program sees only the files the host serves: everything that
 * would touch the disk directly is refused (the sandbox fails closed). */
static void disk_only(struct vm *vm, const char *fname)
{
    if (loader_sandboxed(vm))
        vm_raise(vm, "file.%s is not allowed here: the host serves the files", fname);
}

/* {===== reading */

/* The largest file file.read and file.readbase64 take (so that /dev/zero or a runaway log
 * ends in a diagnostic, not in the memory budget). */
#define FILE_MAX_READ ((size_t)64 << 20)

/* Reads a whole file into the arena; returns 0 or an errno value (ENOMEM when the arena is
 * exhausted, EFBIG past FILE_MAX_READ). The FILE is closed on every path. */
static int file_slurp(struct vm *vm, const char *path, char **out, size_t *outlen)
{
    if (loader_sandboxed(vm)) {
        loader_host_read(vm, path, out, outlen, true);
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > FILE_MAX_READ) {
        fclose(f);
        return EFBIG;
    }
    size_t n = 0, cap = 0;
    char *buf = NULL;
    int err = 0;
    for (;;) {
        if (n > FILE_MAX_READ) {
            err = EFBIG;
            break;
        }
        if (cap - n < 2) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = arena_realloc(vm->arena, buf, cap, ncap);
            if (!nb) {
                err = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (err)
        return err;
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return 0;
}


static struct value file_read(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "read", 1, 1);
    const char *path = file_str(vm, a, 0, "filepath", "read");
    char *buf;
    size_t n;
    int err = file_slurp(vm, path, &buf, &n);
    if (err == ENOMEM)
        vm_raise(vm, "out of memory");
    if (err == EFBIG)
        vm_raise(vm, "failed to access the file '%s': larger than the limit of %zu MiB", path,
                 FILE_MAX_READ >> 20);
    if (err)
        vm_raise(vm, "failed to access the file '%s': %s (os error %d)", path, strerror(err), err);
    if (!utf8_valid((const unsigned char *)buf, n))
        vm_raise(vm, "failed to access the file '%s': stream did not contain valid UTF-8", path);
    return v_str(str_new(vm, buf, n));
}

/* readbase64(filepath): the file's bytes as base64 text. */
static struct value file_readbase64(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "readbase64", 1, 1);
    const char *path = file_str(vm, a, 0, "filepath", "readbase64");
    char *buf;
    size_t n;
    int err = file_slurp(vm, path, &buf, &n);
    if (err == ENOMEM)
        vm_raise(vm, "out of memory");
    if (err == EFBIG)
        vm_raise(vm, "failed to access the file '%s': larger than the limit of %zu MiB", path,
                 FILE_MAX_READ >> 20);
    if (err)
        vm_raise(vm, "failed to access the file '%s': %s (os error %d)", path, strerror(err), err);
    if (n > (size_t)INT_MAX / 2)
        vm_raise(vm, "file '%s' is too large", path);
    unsigned char *out = vm_alloc(vm, 4 * ((n + 2) / 3) + 1);
    int m = EVP_EncodeBlock(out, (const unsigned char *)buf, (int)n);
    return v_str(str_new(vm, (const char *)out, m > 0 ? (size_t)m : 0));
}

static struct value file_exists(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "exists", 1, 1);
    const char *path = file_str(vm, a, 0, "filepath", "exists");
    if (loader_sandboxed(vm)) {
        char *data;
        size_t n;
        return v_bool(loader_host_read(vm, path, &data, &n, false));
    }
    struct stat st;
    return v_bool(stat(path, &st) == 0);
}

static struct value file_abs(struct vm *vm, const struct callargs *a)
{
    disk_only(vm, "abs");
    arg_count(vm, a, "abs", 1, 1);
    const char *path = file_str(vm, a, 0, "filepath", "abs");
    char buf[PATH_MAX];
    if (!realpath(path, buf))
        vm_raise(vm, "Could not get the absolute path of %s", path);
    return file_str_value(vm, buf);
}

static struct value file_size(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "size", 1, 1);
    const char *path = file_str(vm, a, 0, "filepath", "size");
    if (loader_sandboxed(vm)) {
        char *data;
        size_t n;
        loader_host_read(vm, path, &data, &n, true);
        return v_int((int64_t)n);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        vm_raise(vm, "failed to get size of '%s': %s (os error %d)", path, strerror(e), e);
    }
    return v_int((int64_t)st.st_size);
}

/* glob(pattern) -> the matching paths, sorted. */
static struct value file_glob(struct vm *vm, const struct callargs *a)
{
    disk_only(vm, "glob");
    arg_count(vm, a, "glob", 1, 1);
    const char *pattern = file_str(vm, a, 0, "pattern", "glob");
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, 0, NULL, &g);
    char **paths = NULL;
    size_t n = 0;
    bool oom = false;
    if (rc == 0 && g.gl_pathc) {
        paths = arena_alloc(vm->arena, g.gl_pathc * sizeof *paths);
        oom = !paths;
        for (size_t i = 0; !oom && i < g.gl_pathc; i++) {
            paths[i] = arena_strndup(vm->arena, g.gl_pathv[i], strlen(g.gl_pathv[i]));
            oom = !paths[i];
        }
        n = g.gl_pathc;
    }
    globfree(&g);
    if (oom)
        vm_raise(vm, "out of memory");
    if (rc != 0 && rc != GLOB_NOMATCH)
        vm_raise(vm, "failed to access the file matching '%s': %s", pattern,
                 rc == GLOB_NOSPACE ? "out of memory" : "read error");
    struct list *l = list_new(vm, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        list_push(vm, l, file_str_value(vm, paths[i]));
    return v_list(l);
}

/* read_env(key) -> the variable's value, or Undefined when it is not set. */
static struct value file_read_env(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "read_env", 1, 1);
    const char *v = getenv(file_str(vm, a, 0, "key", "read_env"));
    return v ? file_str_value(vm, v) : v_undef();
}

static struct value file_modpath(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "modpath", 0, 0);
    return file_str_value(vm, vm_module_root(vm));
}

/* The working directory a host gave the run; the command line gives none, so "" (KCL). */
static struct value file_workdir(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "workdir", 0, 0);
    return file_str_value(vm, "");
}

static struct value file_current(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "current", 0, 0);
    return file_str_value(vm, vm_current_file(vm));
}

/* {===== writing */

void stdlib_write_file(struct vm *vm, const char *filename, const struct str *text)
{
    disk_only(vm, "write");
    FILE *f = fopen(filename, "wb");
    int err = 0;
    if (!f) {
        err = errno;
    } else {
        if (text->len && fwrite(text->b, 1, text->len, f) != text->len)
            err = errno ? errno : EIO;
        if (fclose(f) != 0 && !err)
            err = errno ? errno : EIO;
    }
    if (err)
        vm_raise(vm, "Unable to write file '%s': %s (os error %d)", filename, strerror(err), err);
}

static int file_put(const char *path, const char *mode, const struct str *content, bool *opened)
{
    FILE *f = fopen(path, mode);
    *opened = f != NULL;
    if (!f)
        return errno;
    int err = 0;
    if (content->len && fwrite(content->b, 1, content->len, f) != content->len)
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    return err;
}

static struct value file_write_mode(struct vm *vm, const struct callargs *a, const char *fname,
                                    bool append)
{
    disk_only(vm, fname);
    arg_count(vm, a, fname, 2, 2);
    const char *path = file_str(vm, a, 0, "filepath", fname);
    struct value c;
    if (!arg_get(vm, a, 1, "content", &c))
        vm_raise(vm, "%s() missing 'content' argument", fname);
    struct str *content = arg_str(vm, c, "argument 'content'");
    bool opened;
    int err = file_put(path, append ? "ab" : "wb", content, &opened);
    if (err && !opened)
        vm_raise(vm,
                 append ? "Failed to open or create file '%s': %s (os error %d)"
                        : "Failed to create file '%s': %s (os error %d)",
                 path, strerror(err), err);
    if (err)
        vm_raise(vm,
                 append ? "Failed to append to file '%s': %s (os error %d)"
                        : "Failed to write to '%s': %s (os error %d)",
                 path, strerror(err), err);
    return v_none();
}

static struct value file_write(struct vm *vm, const struct callargs *a)
{
    return file_write_mode(vm, a, "write", false);
}

static struct value file_append(struct vm *vm, const struct callargs *a)
{
    return file_write_mode(vm, a, "append", true);
}

/* mkdir -p: 0 or an errno value (EEXIST when a component is not a directory). */
static int file_mkdirs(const char *path)
{
    char buf[FILE_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0)
        return ENOENT;
    if (n >= sizeof buf)
        return ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0) {
            int e = errno;
            struct stat st;
            if (e != EEXIST || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                return e;
        }
        buf[i] = saved;
    }
    return 0;
}

/* mkdir(directory, exists=False): creates the directory and its parents; an existing
 * directory is fine, an existing non-directory only with exists=True. */
static struct value file_mkdir(struct vm *vm, const struct callargs *a)
{
    disk_only(vm, "mkdir");
    arg_count(vm, a, "mkdir", 1, 2);
    const char *path = file_str(vm, a, 0, "directory", "mkdir");
    bool exists_ok = false;
    struct value v;
    if (arg_get(vm, a, 1, "exists", &v))
        exists_ok = v_truthy(v);
    int err = file_mkdirs(path);
    if (err && !(exists_ok && err == EEXIST))
        vm_raise(vm, "Failed to create directory '%s': %s (os error %d)", path, strerror(err), err);
    return v_none();
}

/* delete(filepath): a file, or an empty directory. */
static struct value file_delete(struct vm *vm, const struct callargs *a)
{
    disk_only(vm, "delete");
    arg_count(vm, a, "delete", 1, 1);
    const char *path = file_str(vm, a, 0, "filepath", "delete");
    if (unlink(path) != 0) {
        int err = errno;
        if (err == ENOENT || err == EISDIR || err == EPERM)
            err = rmdir(path) == 0 ? 0 : (errno == ENOTDIR ? err : errno);
        if (err)
            vm_raise(vm, "failed to delete '%s': %s (os error %d)", path, strerror(err), err);
    }
    return v_none();
}

static int file_copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return errno;
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(in);
        return EISDIR;
    }
    FILE *out = fopen(dst, "wb");
    if (!out) {
        int e = errno;
        fclose(in);
        return e;
    }
    char buf[16384];
    int err = 0;
    for (;;) {
        size_t got = fread(buf, 1, sizeof buf, in);
        if (got && fwrite(buf, 1, got, out) != got) {
            err = errno ? errno : EIO;
            break;
        }
        if (got < sizeof buf) {
            if (ferror(in))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(in);
    if (fclose(out) != 0 && !err)
        err = errno ? errno : EIO;
    if (!err)
        chmod(dst, st.st_mode & 07777);
    return err;
}

/* Copies directory 'src' into (a new or existing) directory 'dst', recursively. */
static int file_copy_dir(const char *src, const char *dst, int depth)
{
    if (depth > 64)
        return ELOOP;
    int err = file_mkdirs(dst);
    if (err)
        return err;
    DIR *d = opendir(src);
    if (!d)
        return errno;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char s[FILE_PATH_MAX], t[FILE_PATH_MAX];
        if ((size_t)snprintf(s, sizeof s, "%s/%s", src, e->d_name) >= sizeof s ||
            (size_t)snprintf(t, sizeof t, "%s/%s", dst, e->d_name) >= sizeof t) {
            err = ENAMETOOLONG;
            break;
        }
        struct stat st;
        if (stat(s, &st) != 0)
            err = errno;
        else if (S_ISDIR(st.st_mode))
            err = file_copy_dir(s, t, depth + 1);
        else
            err = file_copy_file(s, t);
    }
    closedir(d);
    return err;
}

static struct value file_cp(struct vm *vm, const struct callargs *a)
{
    disk_only(vm, "cp");
    arg_count(vm, a, "cp", 2, 2);
    const char *src = file_str(vm, a, 0, "src", "cp");
    const char *dst = file_str(vm, a, 1, "dest", "cp");
    struct stat st;
    int err = stat(src, &st) == 0 && S_ISDIR(st.st_mode) ? file_copy_dir(src, dst, 0)
                                                         : file_copy_file(src, dst);
    if (err)
        vm_raise(vm, "Failed to copy from '%s' to '%s': %s (os error %d)", src, dst, strerror(err),
                 err);
    return v_none();
}

static struct value file_mv(struct vm *vm, const struct callargs *a)
{
    disk_only(vm, "mv");
    arg_count(vm, a, "mv", 2, 2);
    const char *src = file_str(vm, a, 0, "src", "mv");
    const char *dst = file_str(vm, a, 1, "dest", "mv");
    if (rename(src, dst) != 0) {
        int e = errno;
        vm_raise(vm, "Failed to move '%s' to '%s': %s (os error %d)", src, dst, strerror(e), e);
    }
    return v_none();
}

static const struct native_def file_fns[] = {
    {"abs", file_abs},
    {"append", file_append},
    {"cp", file_cp},
    {"current", file_current},
    {"delete", file_delete},
    {"exists", file_exists},
    {"glob", file_glob},
    {"mkdir", file_mkdir},
    {"modpath", file_modpath},
    {"mv", file_mv},
    {"read", file_read},
    {"read_env", file_read_env},
    {"readbase64", file_readbase64},
    {"size", file_size},
    {"workdir", file_workdir},
    {"write", file_write},
};

const struct stdlib_module stdlib_mod_file = {"file", file_fns,
                                              sizeof file_fns / sizeof file_fns[0], NULL};
