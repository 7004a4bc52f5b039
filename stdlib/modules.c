/* The system modules of spec §5.2 by name: the one table the evaluator looks imports up in. */
#include "config.h"

#include <string.h>

#include "stdlib/stdlib.h"

/* 'runtime' (catch) and 'manifests' (yaml_stream) need the evaluator and live in eval.c. */
static const struct stdlib_module *const modules[] = {
    &stdlib_mod_base32,   &stdlib_mod_base64, &stdlib_mod_collection, &stdlib_mod_crypto,
    &stdlib_mod_datetime, &stdlib_mod_file,   &stdlib_mod_json,       &stdlib_mod_math,
    &stdlib_mod_net,      &stdlib_mod_regex,  &stdlib_mod_template,   &stdlib_mod_units,
    &stdlib_mod_yaml,
};

const struct stdlib_module *stdlib_module(const char *name)
{
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        if (!strcmp(modules[i]->name, name))
            return modules[i];
    return NULL;
}
