/* The Crossplane function server (scl-function): shared declarations of function/. */
#ifndef SCL_FUNCTION_FN_H
#define SCL_FUNCTION_FN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run_function.pb-c.h"
#include "scl.h"

typedef Google__Protobuf__Struct pb_struct;
typedef Google__Protobuf__Value pb_value;
typedef Google__Protobuf__ListValue pb_list;
typedef Apiextensions__Fn__Proto__V1__RunFunctionRequest fn_request;
typedef Apiextensions__Fn__Proto__V1__RunFunctionResponse fn_response;
typedef Apiextensions__Fn__Proto__V1__Resource fn_resource;
typedef Apiextensions__Fn__Proto__V1__State fn_state;

/* {===== the request arena (function/arena.c): every message, string and array of one request
 * and its reply; released at once after the reply is sent */

struct fn_chunk;
struct fn_arena {
    struct fn_chunk *head;
    char *cur, *end;
    size_t total, limit; /* limit 0: none; past it fn_alloc returns NULL */
};
void fn_arena_init(struct fn_arena *a, size_t limit);
void fn_arena_free(struct fn_arena *a);
void *fn_alloc(struct fn_arena *a, size_t n);  /* aligned to max_align_t; NULL at the limit */
void *fn_zalloc(struct fn_arena *a, size_t n); /* zeroed */
char *fn_strdup(struct fn_arena *a, const char *s, size_t n);
char *fn_printf(struct fn_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A protobuf-c allocator into 'a' (free is a no-op). */
ProtobufCAllocator fn_arena_allocator(struct fn_arena *a);

/* {===== the wire walk (function/wire.c) */

/* Checks a serialized message of type 'desc' before protobuf-c unpacks it: messages nested at
 * most 'max_depth' deep, every string field valid UTF-8, well-formed tags and lengths. 0 if
 * fine; else -1 with a reason in 'why' (static text). */
int fn_wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                  unsigned max_depth, const char **why);
bool fn_utf8_valid(const char *s, size_t n);

/* {===== Struct <-> values (function/values.c) */

/* google.protobuf.Struct/Value -> a value of 'run': integral numbers within int64 become ints,
 * object keys are stably sorted, the last of a repeated key wins. NULL on memory exhaustion or
 * a Value with no kind (*bad set). */
scl_val *fn_struct_to_val(scl_run *run, const pb_struct *s, bool *bad);
scl_val *fn_value_to_val(scl_run *run, const pb_value *v, bool *bad);

struct fn_out_flags {
    bool show_hidden, drop_none, sort_keys;
};
/* A value -> a google.protobuf.Value in 'a' (dict order kept unless sort_keys). Undefined and
 * functions are left out of objects and lists. NULL on memory exhaustion. */
pb_value *fn_val_to_value(struct fn_arena *a, const scl_val *v, const struct fn_out_flags *f);

/* Struct helpers over arena trees. Look-ups return the last entry of a repeated key. */
pb_value *fn_get(const pb_struct *s, const char *key);
pb_struct *fn_get_struct(const pb_struct *s, const char *key); /* NULL unless a struct */
const char *fn_get_str(const pb_struct *s, const char *key);  /* NULL unless a string */
int fn_set(struct fn_arena *a, pb_struct *s, const char *key, pb_value *v); /* replace or add */
void fn_del(pb_struct *s, const char *key);
pb_struct *fn_struct_new(struct fn_arena *a);
pb_struct *fn_struct_copy(struct fn_arena *a, const pb_struct *s); /* deep */
pb_value *fn_value_copy(struct fn_arena *a, const pb_value *v);   /* deep */
pb_value *fn_value_struct(struct fn_arena *a, pb_struct *s);
pb_value *fn_value_str(struct fn_arena *a, const char *s);
/* Writes every leaf of 'src' at its path into 'dst' (objects by key, lists index by index);
 * at the top level, keys in 'skip' (NULL-terminated, "metadata.name" allowed) are left out. */
int fn_patch(struct fn_arena *a, pb_struct *dst, const pb_struct *src, const char *const *skip);
/* Deep merge, 'src' wins on leaves: objects merge key by key, anything else replaces. */
int fn_merge(struct fn_arena *a, pb_struct *dst, const pb_struct *src);

/* {===== RunFunction (function/run.c) */

enum { FN_MAX_EXTERNAL = 64 };
#define FN_DEFAULT_TIMEOUT_MS 10000u                 /* --timeout 10 */
#define FN_DEFAULT_REUSE_MS 1000
#define FN_DEFAULT_MAX_MEMORY ((size_t)256 << 20)    /* --max-memory 256 */

/* Sets the defaults that are not zero (limits). */
struct fn_config;
void fn_config_init(struct fn_config *cfg);

struct fn_config {
    const char *root; /* --root: module root of inline sources, or NULL */
    const char *ext_names[FN_MAX_EXTERNAL], *ext_dirs[FN_MAX_EXTERNAL]; /* -E name=dir */
    size_t next;
    const char *deps_file;    /* --dependencies FILE, or NULL */
    const char *dependencies; /* its text (fn_config_load), or NULL */
    unsigned max_depth;       /* nesting bound of requests */
    uint64_t timeout_ms;      /* --timeout: time budget of each evaluation; 0: none */
    size_t max_memory;        /* --max-memory: memory budget of each evaluation; 0: none */
    uint64_t reuse_ms;        /* --reuse-imports: how long resolved imports are reused; 0: never */
    bool debug;
};

/* One worker's state: its context, reused for every request it serves. */
struct fn_worker_ctx {
    scl_ctx *ctx;
    const struct fn_config *cfg;
    uint64_t deadline_ms; /* the call's time left when it arrived; 0: no deadline */
};

/* Answers one decoded request; the response and everything in it live in 'a'. Failures of the
 * function (input, program, output) are a FATAL result in the response, never an error here;
 * NULL only on memory exhaustion. */
fn_response *fn_run_function(struct fn_worker_ctx *w, struct fn_arena *a, const fn_request *req,
                             const char **fatal);

/* {===== packages (function/deps.c) */

struct fn_cred {
    const char *url, *username, *password; /* any may be NULL; url names the registry */
};
struct fn_pkgs {
    const char *source_dir; /* an oci:// source's package folder, or NULL */
    size_t n;               /* dependencies: import name -> folder */
    const char **names, **dirs;
};
/* Makes present what a step needs: the package of oci_source (NULL: none), the dependency
 * lines of --dependencies and 'deps' (kcl.mod [dependencies] syntax; names an -E folder serves
 * are skipped), and the dependencies of the kcl.mod in mod_dir (NULL: none), each with its own
 * dependencies, fetched into the package home on first use. Results (in 'a') are remembered
 * by the process. 0, or -1 with the reason in msg. Thread-safe. */
int fn_packages(struct fn_arena *a, const struct fn_config *cfg, const char *oci_source,
                const char *deps, const char *mod_dir, const struct fn_cred *cred,
                struct fn_pkgs *out, char *msg, size_t msglen);
void fn_packages_forget(void); /* at exit */

/* {===== the program (function/main.c): `scl-function serve|render ...` */

/* The options both commands take: --root, -E/--external, --dependencies, -d/--debug. Consumes
 * argv[*i] (and its value): 1; not one of them: 0; a bad value: -1 (reported on stderr). */
int fn_config_option(struct fn_config *cfg, int argc, char **argv, int *i);
/* Reads the --dependencies file: 0, or -1 (reported). */
int fn_config_load(struct fn_config *cfg);
void fn_config_free(struct fn_config *cfg);
/* The value of option 'name' at argv[*i] (`--name=v` or `--name v`), or NULL when argv[*i] is
 * another option; exits 2 when the value is missing. */
const char *fn_opt_value(int argc, char **argv, int *i, const char *name);
/* A whole file, malloc'ed and NUL-terminated (*len its size if len); NULL (reported) on error. */
char *fn_read_file(const char *path, size_t *len);

int fn_serve(int argc, char **argv);  /* function/server.c */
int fn_render(int argc, char **argv); /* function/render.c */

#endif
