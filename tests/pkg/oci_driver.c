/* Test driver for pkg/oci.c and pkg/archive.c. Without arguments: offline checks of the archive
 * code (walk order, skipped paths, globs, gzip header, refused entries). With a command: one
 * registry operation, for tests/pkg/oci.sh:
 *
 *   oci_driver [options] push REG REPO TAG DIR    archive DIR, sum it, push it; prints the digest
 *   oci_driver [options] pull REG REPO TAG DEST   prints the sum annotation ("-" when absent)
 *   oci_driver [options] latest|tags REG REPO
 *   oci_driver [options] sum REG REPO TAG
 *   oci_driver archive DIR OUT | extract ARCHIVE DEST | hash DIR
 *
 * options: --user U --password P --home H --plain-http -1|0|1 --force --tar --expect-sum S
 *          --fake-sum S (annotation instead of DIR's sum) --name N --version V --quiet */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/net.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void put_file(const char *dir, const char *rel, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *s = path + strlen(dir) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0755);
            *s = '/';
        }
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        exit(99);
    }
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *p = NULL;
    size_t len = 0, cap = 0, k;
    char tmp[4096];
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (len + k + 1 > cap) {
            cap = (len + k + 1) * 2;
            p = realloc(p, cap);
            if (!p)
                abort();
        }
        memcpy(p + len, tmp, k);
        len += k;
    }
    fclose(f);
    if (!p && !(p = malloc(1)))
        abort();
    p[len] = '\0';
    *n = len;
    return p;
}

/* entry names, ';'-joined, "d:" before directories */
static char *entries(const char *archive)
{
    static char out[8192];
    out[0] = '\0';
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_filename(a, archive, 10240) != ARCHIVE_OK) {
        archive_read_free(a);
        return strcpy(out, "<unreadable>");
    }
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (out[0])
            strncat(out, ";", sizeof out - strlen(out) - 1);
        if (archive_entry_filetype(e) == AE_IFDIR)
            strncat(out, "d:", sizeof out - strlen(out) - 1);
        strncat(out, archive_entry_pathname(e), sizeof out - strlen(out) - 1);
    }
    archive_read_free(a);
    return out;
}

static int rm_entry(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    remove(p);
    return 0;
}

/* a tar with one entry of the given type and name */
static void evil_tar(const char *path, const char *name, mode_t type, const char *link)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(99);
    }
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, 0644);
    if (type == AE_IFLNK)
        archive_entry_set_symlink(e, link);
    if (type == AE_IFREG && link)
        archive_entry_set_hardlink(e, link);
    archive_entry_set_size(e, type == AE_IFREG && !link ? 4 : 0);
    archive_write_header(a, e);
    if (type == AE_IFREG && !link)
        archive_write_data(a, "evil", 4);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

static int self_test(void)
{
    const char *tmp = getenv("TMPDIR");
    char base[4096];
    snprintf(base, sizeof base, "%s/scl-archive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 99;
    }
    char src[4200], out[4200], out2[4200], dst[4200], evil[4200];
    snprintf(src, sizeof src, "%s/pkg", base);
    snprintf(out, sizeof out, "%s/a.tgz", base);
    snprintf(out2, sizeof out2, "%s/b.tgz", base);
    snprintf(dst, sizeof dst, "%s/x/y/out", base);
    snprintf(evil, sizeof evil, "%s/evil.tar", base);
    mkdir(src, 0755);
    put_file(src, "kcl.mod", "[package]\nname = \"p\"\n");
    put_file(src, "main.k", "a = 1");
    put_file(src, "api.k", "b = 2");
    put_file(src, "api/x.k", "c = 3");
    put_file(src, "docs/a.md", "# doc");
    put_file(src, "sub/deep/y.k", "d = 4");
    put_file(src, ".git/config", "[core]");
    put_file(src, ".github/ci.yml", "on: push");
    put_file(src, "x.tar.gz", "not really");
    char link[4300];
    snprintf(link, sizeof link, "%s/alias.k", src);
    if (symlink("main.k", link) != 0)
        perror("symlink");
    struct pkg_err err = {{0}};
    struct pkg_strs inc = {0}, exc = {0};
    pkg_strs_push(&exc, "docs");

    /* order: the walk of §1.4; .git*, .tar skipped; an excluded directory keeps its files */
    int rc = pkg_archive_create(src, out, true, &inc, &exc, &err);
    CHECK(rc == 0, "create: %s", err.msg);
    /* (libarchive's tar writer ends directory names in '/'; readers ignore it) */
    const char *want = "alias.k;d:api/;api/x.k;api.k;docs/a.md;kcl.mod;main.k;d:sub/;d:sub/deep/;"
                       "sub/deep/y.k";
    CHECK(!strcmp(entries(out), want), "entries:\n  got  %s\n  want %s", entries(out), want);
    size_t n1 = 0, n2 = 0;
    char *b1 = slurp(out, &n1);
    CHECK(b1 && n1 > 10 && (unsigned char)b1[0] == 0x1f && (unsigned char)b1[1] == 0x8b,
          "not gzip");
    CHECK(b1 && n1 > 10 && !b1[4] && !b1[5] && !b1[6] && !b1[7], "gzip mtime is not 0");
    rc = pkg_archive_create(src, out2, true, &inc, &exc, &err);
    char *b2 = slurp(out2, &n2);
    CHECK(rc == 0 && b1 && b2 && n1 == n2 && !memcmp(b1, b2, n1), "two archives differ");
    free(b1);
    free(b2);

    /* extraction gives the same files and the same sum */
    rc = pkg_archive_extract(out, dst, &err);
    CHECK(rc == 0, "extract: %s", err.msg);
    char s1[45] = "", s2[45] = "";
    CHECK(pkg_hash_dir(src, s1, &err) == 0, "hash: %s", err.msg);
    CHECK(pkg_hash_dir(dst, s2, &err) == 0, "hash: %s", err.msg);
    CHECK(!strcmp(s1, s2), "sums differ: %s %s", s1, s2);
    char p[4300];
    snprintf(p, sizeof p, "%s/alias.k", dst);
    struct stat st;
    CHECK(lstat(p, &st) == 0 && S_ISREG(st.st_mode), "a link to a file is packed as the file");
    snprintf(p, sizeof p, "%s/.git", dst);
    CHECK(lstat(p, &st) != 0, ".git was packed");

    /* include globs: '*' does not cross '/'; a plain tar; the archive inside its own root */
    pkg_strs_push(&inc, "*.k");
    char inside[4300];
    snprintf(inside, sizeof inside, "%s/pkg.tgz", src);
    rc = pkg_archive_create(src, inside, false, &inc, NULL, &err);
    CHECK(rc == 0, "create: %s", err.msg);
    CHECK(!strcmp(entries(inside), "alias.k;api.k;main.k"), "include: %s", entries(inside));
    snprintf(dst, sizeof dst, "%s/plain", base);
    CHECK(pkg_archive_extract(inside, dst, &err) == 0, "extract plain tar: %s", err.msg);
    unlink(inside);

    /* refused entries; nothing lands outside dest */
    static const struct {
        const char *name;
        mode_t type;
        const char *link;
        const char *msg;
    } bad[] = {
        {"ln", AE_IFLNK, "/etc/passwd", "unknown tar format."},
        {"hard", AE_IFREG, "main.k", "unknown tar format."},
        {"fifo", AE_IFIFO, NULL, "unknown tar format."},
        {"dev", AE_IFCHR, NULL, "unknown tar format."},
        {"../escaped", AE_IFREG, NULL, "the path leaves the package"},
        {"a/../../escaped", AE_IFREG, NULL, "the path leaves the package"},
        {"/tmp/scl-absolute-escaped", AE_IFREG, NULL, "the path leaves the package"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        evil_tar(evil, bad[i].name, bad[i].type, bad[i].link);
        snprintf(dst, sizeof dst, "%s/evil%zu/in", base, i);
        err.msg[0] = '\0';
        rc = pkg_archive_extract(evil, dst, &err);
        CHECK(rc != 0 && strstr(err.msg, bad[i].msg), "%s: rc %d, '%s'", bad[i].name, rc, err.msg);
    }
    snprintf(p, sizeof p, "%s/escaped", base);
    CHECK(lstat(p, &st) != 0, "an entry escaped");
    CHECK(lstat("/tmp/scl-absolute-escaped", &st) != 0, "an absolute entry was written");
    /* "./" prefixes and a "." root entry, as Go's tar writer leaves them, are fine */
    evil_tar(evil, "./ok.k", AE_IFREG, NULL);
    snprintf(dst, sizeof dst, "%s/dot", base);
    CHECK(pkg_archive_extract(evil, dst, &err) == 0, "./ok.k: %s", err.msg);
    /* not an archive */
    snprintf(p, sizeof p, "%s/kcl.mod", src);
    snprintf(dst, sizeof dst, "%s/junk", base);
    CHECK(pkg_archive_extract(p, dst, &err) != 0, "a text file extracted");

    pkg_strs_free(&inc);
    pkg_strs_free(&exc);
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failures)
        return 1;
    puts("archive checks passed");
    return 0;
}

static int usage(void)
{
    fputs("usage: oci_driver [options] push|pull|latest|tags|sum|archive|extract|hash ...\n",
          stderr);
    return 2;
}

static int die(const struct pkg_err *err)
{
    fprintf(stderr, "error: %s\n", err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return self_test();
    struct oci_opts o = {.plain_http = -1, .progress = stdout};
    bool force = false, tar = false;
    const char *expect = NULL, *fake = NULL, *name = NULL, *version = NULL;
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--force")) {
            force = true;
        } else if (!strcmp(a, "--tar")) {
            tar = true;
        } else if (!strcmp(a, "--quiet")) {
            o.progress = NULL;
        } else if (!v) {
            return usage();
        } else {
            if (!strcmp(a, "--user"))
                o.username = v;
            else if (!strcmp(a, "--password"))
                o.password = v;
            else if (!strcmp(a, "--home"))
                o.pkg_home = v;
            else if (!strcmp(a, "--plain-http"))
                o.plain_http = atoi(v);
            else if (!strcmp(a, "--expect-sum"))
                expect = v;
            else if (!strcmp(a, "--fake-sum"))
                fake = v;
            else if (!strcmp(a, "--name"))
                name = v;
            else if (!strcmp(a, "--version"))
                version = v;
            else
                return usage();
            i++;
        }
    }
    if (i >= argc)
        return usage();
    const char *cmd = argv[i++];
    int nargs = argc - i;
    char **arg = argv + i;
    struct pkg_err err = {{0}};

    if (!strcmp(cmd, "archive") && nargs == 2)
        return pkg_archive_create(arg[0], arg[1], !tar, NULL, NULL, &err) ? die(&err) : 0;
    if (!strcmp(cmd, "extract") && nargs == 2)
        return pkg_archive_extract(arg[0], arg[1], &err) ? die(&err) : 0;
    if (!strcmp(cmd, "hash") && nargs == 1) {
        char sum[45];
        if (pkg_hash_dir(arg[0], sum, &err))
            return die(&err);
        puts(sum);
        return 0;
    }

    if (net_global_init(&err))
        return die(&err);
    struct oci_client *c = oci_client_new(&o, &err);
    if (!c)
        return die(&err);
    int rc = 0;
    if (!strcmp(cmd, "push") && nargs == 4) {
        const char *slash = strrchr(arg[1], '/');
        struct oci_pkg_meta m = {.name = name    ? name
                                         : slash ? slash + 1
                                                 : arg[1],
                                 .version = version ? version : arg[2],
                                 .description = "a test package <&>"};
        char sum[45];
        const char *tmp = getenv("TMPDIR");
        char dir[4096], archive[4300];
        snprintf(dir, sizeof dir, "%s/scl-push-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            rc = 99;
        } else {
            snprintf(archive, sizeof archive, "%s/%s_%s.%s", dir, m.name, m.version,
                     tar ? "tar" : "tgz");
            rc = pkg_hash_dir(arg[3], sum, &err);
            m.sum = fake ? fake : sum;
            if (rc == 0)
                rc = pkg_archive_create(arg[3], archive, !tar, NULL, NULL, &err);
            char digest[72];
            if (rc == 0)
                rc = oci_push_package(c, arg[0], arg[1], arg[2], archive, &m, force, digest, &err);
            if (rc == 0 && o.progress == NULL)
                puts(digest);
            unlink(archive);
            rmdir(dir);
            rc = rc ? die(&err) : 0;
        }
    } else if (!strcmp(cmd, "pull") && nargs == 4) {
        char *sum = NULL;
        rc = oci_pull_package(c, arg[0], arg[1], arg[2], arg[3], expect, &sum, &err);
        if (rc == 0)
            printf("sum: %s\n", sum ? sum : "-");
        free(sum);
        rc = rc ? die(&err) : 0;
    } else if (!strcmp(cmd, "sum") && nargs == 3) {
        char *sum = NULL;
        rc = oci_package_sum(c, arg[0], arg[1], arg[2], &sum, &err);
        if (rc == 0)
            printf("%s\n", sum ? sum : "-");
        free(sum);
        rc = rc ? die(&err) : 0;
    } else if (!strcmp(cmd, "latest") && nargs == 2) {
        char *tag = NULL;
        rc = oci_latest_tag(c, arg[0], arg[1], &tag, &err);
        if (rc == 0)
            printf("latest: %s\n", tag);
        free(tag);
        rc = rc ? die(&err) : 0;
    } else if (!strcmp(cmd, "tags") && nargs == 2) {
        struct pkg_strs tags = {0};
        rc = oci_list_tags(c, arg[0], arg[1], &tags, &err);
        for (size_t k = 0; rc == 0 && k < tags.n; k++)
            puts(tags.v[k]);
        if (rc == 0 && tags.n == 0)
            puts("(no tags)");
        pkg_strs_free(&tags);
        rc = rc ? die(&err) : 0;
    } else {
        rc = usage();
    }
    oci_client_free(c);
    net_global_cleanup();
    return rc;
}
