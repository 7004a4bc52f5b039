/* The package files: kcl.mod (pkg_mod_parse, then formatted back) or, when the first byte is
 * odd, kcl.mod.lock (pkg_lock_read from a private temporary folder, then formatted back). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/pkg.h"
#include "tests/fuzz/fuzz.h"

static char dir[64], lock_path[96];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int lock = data[0] & 1;
    data++, size--;
    struct pkg_err err;
    if (!lock) {
        struct pkg_mod m;
        memset(&m, 0, sizeof m);
        if (pkg_mod_parse((const char *)data, size, "/nonexistent", &m, &err) == 0)
            free(pkg_mod_format(&m));
        pkg_mod_free(&m);
        return 0;
    }
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/scl-fuzz-lock-XXXXXX");
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            return 0;
        }
        snprintf(lock_path, sizeof lock_path, "%s/kcl.mod.lock", dir);
    }
    FILE *f = fopen(lock_path, "wb");
    if (!f)
        return 0;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    struct pkg_lock l;
    if (w == size && pkg_lock_read(dir, &l, &err) == 0) {
        free(pkg_lock_format(&l));
        pkg_lock_free(&l);
    }
    return 0;
}
