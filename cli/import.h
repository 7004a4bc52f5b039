/* `scl import`: converters from CRDs, OpenAPI, JSON Schema and data files to
 * KCL source (doc/import.md; the output text follows spec/import.md). Shared
 * pieces: a string builder, the go-openapi name splitter, value printing,
 * documents with source positions. */
#ifndef SCL_CLI_IMPORT_H
#define SCL_CLI_IMPORT_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* {===== string builder (cli/import_names.c) */

struct ibuf {
    char *p; /* owned: free with ibuf_free; always NUL-terminated once anything
                was added */
    size_t n, cap;
};

void ibuf_putn(struct ibuf *b, const char *s, size_t n);
void ibuf_puts(struct ibuf *b, const char *s);
void ibuf_putc(struct ibuf *b, char c);
void ibuf_printf(struct ibuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the text over (owned: free with free()); the builder is empty
 * afterwards. */
char *ibuf_take(struct ibuf *b);
void ibuf_free(struct ibuf *b);
const char *ibuf_str(const struct ibuf *b); /* borrowed; "" when empty */

/* {===== names (spec/import.md §4.3, §3.2) */

/* go-openapi/swag's ToGoName: words of the splitter, initialisms upper-cased,
 * an `Nr`-like prefix when the result does not start with a letter. Owned: free
 * with free(). */
char *imp_go_name(const char *s);
/* ToFileName: the words of 's' lower-cased and joined with '_'. Owned. */
char *imp_file_name(const char *s);
/* ToHumanNameLower, the docstring fallback. Owned. */
char *imp_human_lower(const char *s);
/* The `.k` file name of a definition (§3.2 steps 1-4, without ".k"). Owned. */
char *imp_def_file_name(const char *def_name);
/* An attribute name as kcl-openapi prints it (§4.4): quoted when not an
 * identifier, '$' before a keyword. Owned. */
char *imp_attr_name(const char *raw);
/* Go's %v of a float64 (§5.3). */
void imp_put_number(struct ibuf *b, double v);
/* A string as a valid KCL "..." literal (quote, backslash, newline, "${"
 * escaped). */
void imp_put_string(struct ibuf *b, const char *s);
/* Whether s is a KCL identifier ([A-Za-z_][A-Za-z0-9_]*). */
bool imp_is_ident(const char *s);
/* An attribute or config key as kcl-go writes it: quoted when not an identifier, '$' before a
 * keyword. */
void imp_put_key(struct ibuf *b, const char *k);
/* A number as Go's FormatFloat('f', -1): the shortest digits, never an exponent. */
void imp_put_fixed(struct ibuf *b, double v);
/* A value as kcl-openapi's ToKclValue prints it (§5.3), with strings escaped.
 * 'as_int': print integral numbers as integers (for int-typed attributes). */
void imp_put_value(struct ibuf *b, const cJSON *v, bool as_int);
/* True for a JSON value that Go templates count as true (non-empty, non-zero).
 */
bool imp_truthy(const cJSON *v);

/* {===== documents with positions (cli/import_load.c) */

struct imp_loc {
    const cJSON *node;
    int line, col;
};

struct imp_doc {
    char *name;           /* the input's name for messages (owned) */
    cJSON *root;          /* owned: cJSON_Delete */
    struct imp_loc *locs; /* YAML only: where each node starts (owned) */
    size_t nlocs, caplocs;
};

struct imp_docs {
    struct imp_doc *v;
    size_t n;
};

struct imp_err {
    char msg[1024];
};
int imp_fail(struct imp_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "name:line:col: " for 'node' (or just "name: " when unknown), into 'out'. */
void imp_where(const struct imp_doc *d, const cJSON *node, char *out, size_t size);

/* Parses YAML text (every document; JSON is YAML for this purpose) into cJSON
 * trees. Scalars follow YAML 1.1 as Kubernetes' loader does. Empty documents
 * are dropped. */
int imp_load_yaml(const char *name, const char *text, size_t len, struct imp_docs *out,
                  struct imp_err *err);
/* Parses JSON text with cJSON (one document). */
int imp_load_json(const char *name, const char *text, size_t len, struct imp_docs *out,
                  struct imp_err *err);
void imp_docs_free(struct imp_docs *docs);

/* {===== output files (cli/import_load.c) */

int imp_mkdirs(const char *dir, struct imp_err *err);
/* Writes 'text' to 'path' (0644), creating the directories above it. */
int imp_write_file(const char *path, const char *text, size_t len, struct imp_err *err);
char *imp_join(const char *a, const char *b); /* owned */

/* {===== the Swagger model generator (cli/import_gen.c) */

struct imp_defs {
    const struct imp_doc *doc; /* for positions */
    const cJSON *defs;         /* name -> schema */
    const char *ref_prefix;    /* "#/definitions/" or "#/components/schemas/" */
    bool dotted_modules;       /* OpenAPI 3 mode: a.b.C lives in module a.b, file c.k */
    bool crd;                  /* the definition is a CRD version: metadata is v1.ObjectMeta */
};

/* Writes the file of definition 'name' below 'pkg_dir' (OUT/<pkg>); the path is
 * §3.2's, or the x-kcl-type / dotted module path. */
int imp_gen_definition(const struct imp_defs *ds, const char *name, const char *pkg_dir,
                       struct imp_err *err);

/* The Kubernetes meta/v1 definitions the CRD files refer to (cli/import_meta.c,
 * generated). */
extern const char imp_k8s_meta_json[];
/* The docstring every generated file starts with (""" line, two lines of text, """ line). */
extern const char imp_generated_header[];

/* {===== the modes */

struct imp_opts {
    const char *mode;
    const char *output; /* NULL: default */
    const char *package;
    bool force, skip_validation, recursive;
};

/* One input: its name and its text. */
struct imp_input {
    char *name; /* owned */
    char *text; /* owned */
    size_t len;
};

int imp_crd(const struct imp_opts *o, const struct imp_input *in, size_t n, struct imp_err *err);
int imp_openapi(const struct imp_opts *o, const struct imp_input *in, size_t n,
                struct imp_err *err);
/* Data (json/yaml) and JSON Schema: the KCL text of one input, owned. */
int imp_data(const struct imp_input *in, bool yaml, char **out, struct imp_err *err);
int imp_jsonschema(const struct imp_input *in, char **out, struct imp_err *err);

#endif
