/* Data validation (scl vet, scl_run_validate): JSON or YAML data turned into
 * expressions whose spans point into the data, so that evaluation errors show
 * the data file's line and column. Internal. */
#ifndef SCL_RUNTIME_VET_H
#define SCL_RUNTIME_VET_H

#include <stdbool.h>

#include "lang/arena.h"
#include "lang/ast.h"
#include "lang/source.h"

enum vet_format { VET_JSON, VET_YAML };

/* Deepest nesting of lists and mappings accepted (JSON: serde_json's limit, as
 * KCL has it). */
enum { VET_JSON_MAX_DEPTH = 128, VET_YAML_MAX_DEPTH = 512 };

/* Why data could not be turned into expressions. */
struct vet_error {
  const char
      *cause;     /* static or in the arena: "Unsupported Unsigned 64", ... */
  struct span at; /* where (file 0: nowhere in particular) */
  bool not_text;  /* the data is not UTF-8 text (KCL cannot read such a file) */
};

/* Parses the text of 'src' (registered in a source map; nodes take its id) into
 * one expression per document, appended to 'docs' (JSON: exactly one; YAML: one
 * per document of the stream). A mapping at the top, or an item of a list at
 * the top (at any list depth), becomes the schema expression `schema {k: v,
 * ...}` (entries use the union operator ':'); mappings nested inside a mapping
 * are plain configs. 'schema' NULL: no schema expression at all; a dotted name
 * selects from a module ("pkg.Schema"). Scalars map as KCL's validator maps
 * them (null -> None, ...). Nodes live in 'a'. false: the data is not loadable;
 * *err says why and where. */
bool vet_build(struct arena *a, const struct source *src, enum vet_format fmt,
               const char *schema, struct ast_list *docs,
               struct vet_error *err);

/* The first schema declared (schema, mixin or protocol; not rule) at the top
 * level of the given modules, in order; NULL when there is none. */
const char *vet_first_schema(struct ast *const *modules, size_t n);

/* Rust's `{}` of an f64 (shortest round-trip digits, never an exponent: 1e3 ->
 * "1000"), which is how KCL decides that a YAML real is representable. */
void vet_rust_float(double v, char *out, size_t cap);

#endif
