/* The sum of a package tree (spec §1.4): every file's bytes, in the order of a depth-first walk
 * that lists each directory sorted by name, through one SHA-256; paths holding ".git" or
 * ".tar" are skipped; standard base64 of the digest. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pkg/io.h"
#include "pkg/pkg.h"

static int hash_file(EVP_MD_CTX *md, const char *path, struct pkg_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pkg_fail(err, "cannot read '%s': %s", path, strerror(errno));
    char buf[65536];
    for (;;) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            return pkg_fail(err, "cannot read '%s': %s", path, strerror(e));
        }
        if (k == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)k);
    }
    close(fd);
    return 0;
}

static int walk(EVP_MD_CTX *md, const char *path, unsigned depth, struct pkg_err *err)
{
    if (depth > 256)
        return pkg_fail(err, "'%s': directories nested too deeply", path);
    struct pkg_strs names = {0};
    if (pkg_list_dir(path, &names, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        size_t len = strlen(path) + strlen(names.v[i]) + 2;
        char *full = malloc(len);
        if (!full)
            abort();
        snprintf(full, len, "%s/%s", path, names.v[i]);
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = pkg_fail(err, "cannot stat '%s': %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(md, full, depth + 1, err);
        } else if (!strstr(full, ".git") && !strstr(full, ".tar")) {
            if (S_ISLNK(st.st_mode) && stat(full, &st) == 0 && S_ISDIR(st.st_mode))
                rc = pkg_fail(err, "cannot hash '%s': a link to a directory", full);
            else
                rc = hash_file(md, full, err);
        }
        free(full);
    }
    pkg_strs_free(&names);
    return rc;
}

int pkg_hash_dir(const char *dir, char out[45], struct pkg_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return pkg_fail(err, "sha256 is not available");
    }
    /* the root as given: a trailing slash would double the separator, as Go's Walk does not */
    size_t n = strlen(dir);
    char *root = strdup(dir);
    if (!root)
        abort();
    while (n > 1 && root[n - 1] == '/')
        root[--n] = '\0';
    /* the ".git"/".tar" test sees the root too, as kpm's does */
    int rc = walk(md, root, 0, err);
    free(root);
    unsigned char digest[32];
    unsigned dlen = 0;
    if (rc == 0 && !EVP_DigestFinal_ex(md, digest, &dlen))
        rc = pkg_fail(err, "sha256 failed");
    EVP_MD_CTX_free(md);
    if (rc == 0)
        EVP_EncodeBlock((unsigned char *)out, digest, 32);
    return rc;
}
