/* scl import -m jsonschema: JSON Schema to KCL schemas (spec/import.md §9). */
#include "config.h"

#include "cli/import.h"

int imp_jsonschema(const struct imp_input *in, char **out,
                   struct imp_err *err) {
  (void)out;
  return imp_fail(err, "%s: -m jsonschema is not implemented yet", in->name);
}
