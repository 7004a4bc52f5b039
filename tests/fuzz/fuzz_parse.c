/* The lexer and the parser: any bytes as a .k file, parsed only. */
#include "config.h"

#include "scl.h"
#include "tests/fuzz/fuzz.h"

static int discard(void *ud, const char *buf, size_t len)
{
    (void)ud, (void)buf, (void)len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (run && scl_run_add_file(run, "fuzz.k", (const char *)data, size) == SCL_OK)
        scl_run_parse(run);
    /* rendering echoes the input: excerpts and escapes are exercised too */
    for (size_t i = 0; run && i < scl_run_ndiags(run); i++)
        scl_diag_render(run, scl_run_diag(run, i), (int)(i & 1), discard, NULL);
    scl_run_free(run);
    scl_ctx_free(ctx);
    return 0;
}
