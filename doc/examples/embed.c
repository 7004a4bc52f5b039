/* A complete program embedding scl: evaluate a source string with an option, walk the
 * result, and print it as YAML. Build: cc embed.c $(pkg-config --cflags --libs libscl) */
#include <scl.h>
#include <stdio.h>
#include <string.h>

static int write_stdout(void *ud, const char *buf, size_t len)
{
    (void)ud;
    return fwrite(buf, 1, len, stdout) != len;
}

int main(void)
{
    static const char src[] = "name = option(\"name\", default=\"world\")\n"
                              "greeting = \"hello, ${name}\"\n"
                              "ports = [80, 443]\n";
    if (scl_version() != SCL_VERSION_NUMBER) {
        fprintf(stderr, "scl header and library differ\n");
        return 1;
    }
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    if (!run)
        return 1;
    scl_run_option(run, "name", scl_new_str(run, "scl", 3));
    scl_status st = scl_run_eval_file(run, "<embedded>", src, strlen(src));
    if (st != SCL_OK) {
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, write_stdout, NULL);
        scl_run_free(run);
        scl_ctx_free(ctx);
        return 1;
    }
    const scl_val *result = scl_run_result(run);
    size_t len;
    const char *greeting = scl_val_str(scl_val_get(result, "greeting"), &len);
    printf("# %zu keys; greeting is %zu bytes\n", scl_val_len(result), len);
    printf("# greeting: %s\n", greeting);
    scl_emit_yaml(result, 0, write_stdout, NULL);
    scl_run_free(run);
    scl_ctx_free(ctx);
    return 0;
}
