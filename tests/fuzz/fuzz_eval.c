/* Whole evaluation, with time, memory, output and depth limits, then the YAML and JSON
 * output. The sandbox loader keeps imports and file.* off the disk. */
#include "config.h"

#include <string.h>

#include "scl.h"
#include "tests/fuzz/fuzz.h"

static int discard(void *ud, const char *buf, size_t len)
{
    (void)ud, (void)buf, (void)len;
    return 0;
}

static scl_status refuse_resolve(void *ud, const char *from, const char *path, scl_buf *id,
                                 scl_buf *msg)
{
    (void)ud, (void)from, (void)path, (void)id;
    static const char no[] = "no imports while fuzzing";
    scl_buf_add(msg, no, sizeof no - 1);
    return SCL_EIMPORT;
}

static scl_status refuse_read(void *ud, const char *id, scl_src *out, scl_buf *msg)
{
    (void)ud, (void)id, (void)out;
    static const char no[] = "no modules while fuzzing";
    scl_buf_add(msg, no, sizeof no - 1);
    return SCL_EIMPORT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    if (!ctx)
        return 0;
    scl_loader loader;
    memset(&loader, 0, sizeof loader);
    loader.version = SCL_LOADER_VERSION;
    loader.resolve = refuse_resolve;
    loader.read_module = refuse_read;
    scl_ctx_set_loader(ctx, &loader);
    scl_run *run = scl_run_new(ctx);
    if (run) {
        scl_limits l = {SCL_LIMITS_VERSION, FUZZ_DEPTH, FUZZ_TIME_MS, FUZZ_MEMORY, FUZZ_OUTPUT};
        scl_run_set_limits(run, &l);
        scl_run_set_stdout(run, discard, NULL);
        if (scl_run_eval_file(run, "fuzz.k", (const char *)data, size) == SCL_OK) {
            scl_run_write(run, 0, discard, NULL);
            scl_run_write(run, 1, discard, NULL);
        }
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, discard, NULL);
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
    return 0;
}
