/* The data readers: yaml.decode, yaml.decode_all, json.decode, yaml/json.validate, the -Y
 * settings reader and scl vet's YAML and JSON, on the input after its first byte (which
 * picks the reader). Results are written out, so alias expansion is exercised too. The
 * decoded values are also written as YAML by libyaml's emitter (SCL_YAML_WRITER=libyaml, in
 * a second run): the default writer must give the same bytes, or the target aborts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scl.h"
#include "tests/fuzz/fuzz.h"

static int discard(void *ud, const char *buf, size_t len)
{
    (void)ud, (void)buf, (void)len;
    return 0;
}

/* Output collected in memory (at most FUZZ_OUTPUT bytes pass the run's budget). */
struct text {
    char *p;
    size_t n;
    int failed;
};

static int collect(void *ud, const char *buf, size_t len)
{
    struct text *t = ud;
    char *p = realloc(t->p, t->n + len + 1);
    if (!p) {
        t->failed = 1;
        return 1;
    }
    memcpy(p + t->n, buf, len);
    t->p = p;
    t->n += len;
    return 0;
}

static const char *const programs[] = {
    "import yaml\nx = yaml.decode(option(\"s\"))\n",
    "import yaml\nx = yaml.decode_all(option(\"s\"))\n",
    "import json\nx = json.decode(option(\"s\"))\n",
    "import yaml\nimport json\nx = [yaml.validate(option(\"s\")), json.validate(option(\"s\"))]\n",
};
enum { SETTINGS = 4, VET_YAML, VET_JSON, NMODES };

static const char *const vet_code = "schema S:\n    a?: int\n    b?: [str]\n    c?: {str:any}\n";

/* The settings reader takes a path: the input goes to a private temporary file. */
static char tmp_path[64];

static void settings(scl_run *run, const uint8_t *data, size_t size)
{
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof tmp_path, "/tmp/scl-fuzz-settings-XXXXXX");
        int fd = mkstemp(tmp_path);
        if (fd < 0) {
            tmp_path[0] = '\0';
            return;
        }
        close(fd);
    }
    FILE *f = fopen(tmp_path, "wb");
    if (!f)
        return;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    if (w == size)
        scl_run_settings_file(run, tmp_path);
}

/* A context and a run with the fuzzing limits that prints nowhere; NULL (and maybe no context)
 * when out of memory. The caller frees both. */
static scl_run *limited_run(scl_ctx **ctx)
{
    *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = *ctx ? scl_run_new(*ctx) : NULL;
    if (run) {
        scl_limits l = {SCL_LIMITS_VERSION, FUZZ_DEPTH, FUZZ_TIME_MS, FUZZ_MEMORY, FUZZ_OUTPUT};
        scl_run_set_limits(run, &l);
        scl_run_set_stdout(run, discard, NULL);
    }
    return run;
}

/* The YAML output of 'program' over option s = data, written by libyaml's emitter. */
static scl_status libyaml_text(const char *program, const uint8_t *data, size_t size,
                               struct text *out)
{
    scl_status st = SCL_EINVAL;
    setenv("SCL_YAML_WRITER", "libyaml", 1);
    scl_ctx *ctx;
    scl_run *run = limited_run(&ctx);
    if (run) {
        scl_val *s = scl_new_str(run, (const char *)data, size);
        if (s && scl_run_option(run, "s", s) == SCL_OK &&
            scl_run_eval_file(run, "fuzz.k", program, strlen(program)) == SCL_OK)
            st = scl_run_write(run, 0, collect, out);
        else
            out->failed = 1; /* (a time or memory limit can end one run and not the other) */
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
    unsetenv("SCL_YAML_WRITER");
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0] % NMODES;
    data++, size--;
    scl_ctx *ctx;
    scl_run *run = limited_run(&ctx);
    if (run) {
        if (mode == SETTINGS) {
            settings(run, data, size);
        } else if (mode == VET_YAML || mode == VET_JSON) {
            scl_run_add_file(run, "main.k", vet_code, strlen(vet_code));
            scl_run_validate(run, "data", (const char *)data, size,
                             mode == VET_YAML ? SCL_DATA_YAML : SCL_DATA_JSON, NULL, NULL);
        } else {
            scl_val *s = scl_new_str(run, (const char *)data, size);
            if (s && scl_run_option(run, "s", s) == SCL_OK &&
                scl_run_eval_file(run, "fuzz.k", programs[mode], strlen(programs[mode])) ==
                    SCL_OK) {
                struct text direct = {0}, ref = {0};
                scl_status st = scl_run_write(run, 0, collect, &direct);
                scl_run_write(run, 1, discard, NULL);
                scl_status ref_st = libyaml_text(programs[mode], data, size, &ref);
                if (!direct.failed && !ref.failed &&
                    (st != ref_st || direct.n != ref.n ||
                     (direct.n && memcmp(direct.p, ref.p, direct.n)))) {
                    fprintf(stderr,
                            "YAML writers differ (%d/%d):\n--- libyaml\n%.*s\n--- direct\n%.*s\n",
                            (int)ref_st, (int)st, (int)ref.n, ref.p ? ref.p : "", (int)direct.n,
                            direct.p ? direct.p : "");
                    abort();
                }
                free(direct.p);
                free(ref.p);
            }
        }
        for (size_t i = 0; i < scl_run_ndiags(run); i++)
            scl_diag_render(run, scl_run_diag(run, i), 0, discard, NULL);
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
    return 0;
}
