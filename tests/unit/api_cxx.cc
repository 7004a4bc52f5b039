// scl.h compiles as C++ and links from C++.
#include "scl.h"

int main()
{
    scl_ctx *ctx = scl_ctx_new(nullptr, nullptr);
    scl_run *run = scl_run_new(ctx);
    scl_status st = scl_run_eval_file(run, "t.k", "a = 1\n", 6);
    int64_t v = 0;
    int ok = st == SCL_OK && scl_val_int(scl_val_get(scl_run_result(run), "a"), &v) && v == 1;
    scl_run_free(run);
    scl_ctx_free(ctx);
    return ok ? 0 : 1;
}
