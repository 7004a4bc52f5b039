/* scl import: the input after its first byte (which picks the mode) as JSON or YAML data, a
 * JSON Schema, CRDs or an OpenAPI/Swagger document. CRD and OpenAPI output goes to a private
 * temporary folder. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/import.h"
#include "tests/fuzz/fuzz.h"

static char out_dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 6;
    data++, size--;
    struct imp_input in;
    in.name = strdup(mode == 0 ? "fuzz.json" : "fuzz.yaml");
    in.text = malloc(size + 1);
    in.len = size;
    if (!in.name || !in.text) {
        free(in.name);
        free(in.text);
        return 0;
    }
    memcpy(in.text, data, size);
    in.text[size] = '\0';
    struct imp_err err;
    char *text = NULL;
    if (mode <= 1) {
        imp_data(&in, mode == 1, &text, &err);
    } else if (mode == 2) {
        imp_jsonschema(&in, &text, &err);
    } else {
        if (!out_dir[0]) {
            snprintf(out_dir, sizeof out_dir, "/tmp/scl-fuzz-import-XXXXXX");
            if (!mkdtemp(out_dir))
                out_dir[0] = '\0';
        }
        if (out_dir[0]) {
            struct imp_opts o = {.mode = mode == 3 ? "crd" : "openapi",
                                 .output = out_dir,
                                 .force = true,
                                 .skip_validation = mode == 5};
            if (mode == 3)
                imp_crd(&o, &in, 1, &err);
            else
                imp_openapi(&o, &in, 1, &err);
        }
    }
    free(text);
    free(in.name);
    free(in.text);
    return 0;
}
