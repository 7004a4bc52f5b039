/* The main of a fuzz target in the normal build: runs the target once on each file named on
 * the command line, or on each file of each directory named (sorted by name); with no
 * argument, on its regression inputs (make check runs each target so). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = 0, cap = 4096;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return 1;
    }
    /* a copy of exactly n bytes, so that ASan sees reads past the input */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!nn) {
                rc = 1;
                break;
            }
            names = nn;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) {
            rc = 1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            rc = run_file(names[i]);
            ++*count;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* With no argument (make check): the target's own regression inputs,
 * $SCL_SRCDIR/tests/fuzz/regressions/<name>/ for a program named fuzz_<name>. */
static int run_regressions(const char *argv0)
{
    const char *src = getenv("SCL_SRCDIR");
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    if (!strncmp(base, "lt-", 3)) /* libtool's wrapped program */
        base += 3;
    if (!src || strncmp(base, "fuzz_", 5) != 0) {
        fprintf(stderr, "replay: give input files or folders (or set SCL_SRCDIR)\n");
        return 1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regressions/%s", src, base + 5);
    unsigned count = 0;
    int rc = run_dir(dir, &count);
    if (rc == 0 && count == 0) {
        fprintf(stderr, "replay: no inputs in %s\n", dir);
        return 1;
    }
    if (rc == 0)
        fprintf(stderr, "replay: %u inputs of %s\n", count, dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return run_regressions(argv[0]);
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        int rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : (count++, run_file(argv[i]));
        if (rc)
            return rc;
    }
    fprintf(stderr, "replay: %u inputs\n", count);
    return 0;
}
