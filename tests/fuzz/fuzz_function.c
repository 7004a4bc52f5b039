/* The function server's request decoding: the wire walk (depth, UTF-8, tags and lengths)
 * that runs before protobuf-c unpacks a RunFunctionRequest into a bounded arena, then the
 * Struct -> value mapping of what becomes params (context, observed and desired resources,
 * input) and the value -> Struct mapping back. */
#include "config.h"

#include <string.h>

#include "function/fn.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_FN_DEPTH 100

static void round_trip(scl_run *run, struct fn_arena *a, const pb_struct *s)
{
    if (!s)
        return;
    bool bad = false;
    scl_val *v = fn_struct_to_val(run, s, &bad);
    if (v) {
        struct fn_out_flags f = {false, true, true};
        fn_val_to_value(a, v, &f);
        f.sort_keys = false;
        fn_val_to_value(a, v, &f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    if (fn_wire_check(&apiextensions__fn__proto__v1__run_function_request__descriptor, data, size,
                      FUZZ_FN_DEPTH, &why) != 0)
        return 0;
    struct fn_arena a;
    fn_arena_init(&a, FUZZ_MEMORY);
    ProtobufCAllocator al = fn_arena_allocator(&a);
    fn_request *req = apiextensions__fn__proto__v1__run_function_request__unpack(&al, size, data);
    scl_ctx *ctx = req ? scl_ctx_new(NULL, NULL) : NULL;
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (run) {
        scl_limits l = {SCL_LIMITS_VERSION, FUZZ_DEPTH, FUZZ_TIME_MS, FUZZ_MEMORY, FUZZ_OUTPUT};
        scl_run_set_limits(run, &l);
        round_trip(run, &a, req->context);
        round_trip(run, &a, req->input);
        for (int k = 0; k < 2; k++) {
            fn_state *st = k ? req->desired : req->observed;
            if (!st)
                continue;
            if (st->composite)
                round_trip(run, &a, st->composite->resource);
            for (size_t i = 0; i < st->n_resources; i++)
                if (st->resources[i]->value)
                    round_trip(run, &a, st->resources[i]->value->resource);
        }
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
    fn_arena_free(&a);
    return 0;
}
