/* scl: a configuration language compatible with KCL, as an embeddable C library.
 *
 * Ownership: returned pointers are owned by the object their comment names (a context, a
 * run) and stay valid until that object is freed; every input (source text, strings, keys)
 * is copied. No function keeps a pointer to caller memory after it returns.
 *
 * Threads: a context and its runs are used by one thread at a time. Contexts share nothing
 * mutable, so two threads may each evaluate with their own context at the same time. The one
 * exception is scl_ctx_interrupt, which any thread may call at any time.
 *
 * Errors: functions return an scl_status; details are diagnostics recorded on the run
 * (scl_run_ndiags / scl_run_diag), never printed by the library. */
#ifndef SCL_H
#define SCL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SCL_API __attribute__((visibility("default")))
#else
#define SCL_API
#endif

#define SCL_VERSION_MAJOR  0
#define SCL_VERSION_MINOR  1
#define SCL_VERSION_PATCH  0
#define SCL_VERSION_NUMBER (SCL_VERSION_MAJOR * 10000 + SCL_VERSION_MINOR * 100 + SCL_VERSION_PATCH)

/* != SCL_VERSION_NUMBER: the header and the library differ. */
SCL_API unsigned scl_version(void);
SCL_API const char *scl_version_string(void); /* "0.1.0"; static */

typedef struct scl_ctx scl_ctx;   /* interned names, module cache, loader */
typedef struct scl_run scl_run;   /* one evaluation: options, values, diagnostics, one arena */
typedef struct scl_val scl_val;   /* lives in a run's arena, valid until scl_run_free */
typedef struct scl_diag scl_diag; /* owned by its run */

typedef struct scl_span {
    const char *file; /* owned by the run; NULL when the diagnostic has no location */
    uint32_t line, col, end_line, end_col; /* 1-based; col 0: no column (run-time errors) */
} scl_span;

typedef enum scl_status {
    SCL_OK,
    SCL_ESYNTAX, /* lexer/parser errors */
    SCL_ETYPE,   /* compile-time (resolver/type) errors */
    SCL_EEVAL,   /* run-time errors: assert, check, conflict, ... */
    SCL_EIMPORT, /* a module could not be found or read */
    SCL_ELIMIT,  /* a limit (scl_run_set_limits) or an interrupt stopped the run */
    SCL_ENOMEM,
    SCL_EIO,     /* reading a file or writing output failed */
    SCL_EINVAL   /* a bad argument to the API */
} scl_status;

typedef enum scl_kind {
    SCL_UNDEFINED,
    SCL_NONE,
    SCL_BOOL,
    SCL_INT,
    SCL_FLOAT,
    SCL_STR,
    SCL_LIST,
    SCL_DICT,
    SCL_SCHEMA, /* a schema instance: walk it like a dict */
    SCL_FUNC,
    SCL_OTHER /* types, modules */
} scl_kind;

/* Output flags (scl_emit_*, scl_run_set_flags). */
enum {
    SCL_EMIT_SORT_KEYS = 1,   /* --sort_keys */
    SCL_EMIT_SHOW_HIDDEN = 2, /* --show_hidden */
    SCL_EMIT_DROP_NONE = 4,   /* --disable_none */
    /* A stream of documents is written as it is made: w gets a piece of whole documents
     * every 32 KB or so instead of the whole output at the end, which is then never held in
     * memory. An error after the first piece (a string that cannot be written, a budget)
     * leaves the pieces already written; without this flag nothing is written then. */
    SCL_EMIT_STREAM = 8
};
/* Evaluation flags (scl_run_set_flags). */
enum {
    SCL_RUN_STRICT_RANGE = 0x100, /* --strict_range_check */
    SCL_RUN_DEBUG = 0x200,        /* --debug */
    SCL_RUN_CHECK_ONLY = 0x400    /* parse and check only (KCL's compile_only): scl_run_eval
                                     stops before evaluating; no result */
};

typedef void *(*scl_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);
typedef int (*scl_write_fn)(void *ud, const char *buf, size_t len); /* non-zero: stop */

/* {===== contexts and runs */

/* alloc NULL: libc. NULL on memory exhaustion. */
SCL_API scl_ctx *scl_ctx_new(scl_alloc_fn alloc, void *ud);
SCL_API void scl_ctx_free(scl_ctx *ctx); /* NULL ok; free its runs first */

/* Keeps parsed modules, and the programs that type-checked clean, in the folder 'dir' (made
 * when first written, with its parents) for later processes, which then neither parse those
 * files nor check those programs again. Entries are found by the files' paths and texts and
 * by this library's build, so a changed file or another build of scl never sees them; what
 * cannot be read or written is skipped silently, and the results are those of a run without
 * it. dir NULL: off (the default). SCL_EINVAL, leaving it off, when dir is empty or one
 * cannot be kept (this build carries no build id; memory exhaustion). Call it before the
 * context's runs. */
SCL_API scl_status scl_ctx_set_cache_dir(scl_ctx *ctx, const char *dir);

SCL_API scl_run *scl_run_new(scl_ctx *ctx); /* NULL on memory exhaustion */
SCL_API void scl_run_free(scl_run *run);    /* NULL ok; releases every value at once */

/* {===== limits
 *
 * Budgets of one run, each 0 for none (the default, except depth). Exceeding one ends the
 * evaluation (or scl_run_write) with SCL_ELIMIT and one E3M38 EvaluationError diagnostic at
 * the expression being evaluated; the context and its other runs are unaffected.
 *   time_ms  wall time of each scl_run_eval / scl_run_validate, on the monotonic clock:
 *            "evaluation exceeded its time budget of 2.0 s"
 *   memory   bytes the run's arena may take from the context's allocator (source text,
 *            syntax trees, values, diagnostics; counted from scl_run_new, in chunks):
 *            "evaluation exceeded its memory budget of 256 MiB"
 *   output   bytes the run writes in all: print() output plus scl_run_write (and scl_emit_*
 *            of its values): "output exceeded its size budget of 1048576 bytes"
 *   depth    nested calls of lambdas and schema instantiations (0: SCL_DEFAULT_DEPTH); deep
 *            nesting also stops before the C stack runs out: "maximum recursion depth exceeded"
 * The evaluator checks the clock and the interrupt flag at calls (lambdas, builtins, schema
 * instantiation) and loop back-edges (comprehensions, quantifiers, range), reading the clock
 * once every few thousand checks, so a run may overrun its time budget by about a millisecond. */
#define SCL_LIMITS_VERSION 1
#define SCL_DEFAULT_DEPTH  2000
typedef struct scl_limits {
    unsigned version; /* SCL_LIMITS_VERSION: fields are only ever appended */
    unsigned depth;
    uint64_t time_ms;
    size_t memory;
    size_t output;
} scl_limits;
/* Copies *l (NULL: no limits). SCL_EINVAL when the version is newer than this library's. */
SCL_API scl_status scl_run_set_limits(scl_run *run, const scl_limits *l);
/* The run's limits (depth: the effective one). */
SCL_API void scl_run_limits(const scl_run *run, scl_limits *out);
/* The one scl function that may be called from any thread (or a signal handler: it only
 * stores to an atomic flag): stops the evaluation running on ctx at its next check, with
 * SCL_ELIMIT and "evaluation was interrupted". The request stays pending until a run of ctx
 * sees it, so a call made just before scl_run_eval starts still stops that run. */
SCL_API void scl_ctx_interrupt(scl_ctx *ctx);

/* Where print() writes (default: stdout). */
SCL_API void scl_run_set_stdout(scl_run *run, scl_write_fn w, void *ud);
/* Flags: SCL_EMIT_* and SCL_RUN_* or-ed together. */
SCL_API void scl_run_set_flags(scl_run *run, unsigned flags);
/* The value of option("key"); 'v' must belong to this run. Copies the key. */
SCL_API scl_status scl_run_option(scl_run *run, const char *key, scl_val *v);
/* Parses 'text' as a -D value: JSON, else a KCL literal, else a string. */
SCL_API scl_status scl_run_option_text(scl_run *run, const char *key, const char *text);
/* -O: changes the main package before it runs: `a.b.c=value` (also `:` and `+=`, as config
 * operators) sets the attribute wherever `a` is set at the top level, adding it when missing;
 * `a.b.c-` deletes it. The value is any expression. SCL_EINVAL for a malformed spec (a syntax
 * error in the value is recorded as a diagnostic). Applied in order at scl_run_eval. */
SCL_API scl_status scl_run_override(scl_run *run, const char *spec);
/* Output only the value at a dotted path (-S); may be called several times. */
SCL_API scl_status scl_run_select(scl_run *run, const char *path);

/* Adds a source to the main package. src NULL: read 'file' from disk. Copies both. */
SCL_API scl_status scl_run_add_file(scl_run *run, const char *file, const char *src, size_t len);
/* Adds a file, or every .k/.scl file of a directory (sorted by name); a file already
 * added is skipped. */
SCL_API scl_status scl_run_add_path(scl_run *run, const char *path);
SCL_API size_t scl_run_nfiles(const scl_run *run);
SCL_API unsigned scl_run_flags(const scl_run *run);
/* Reads a settings file (-Y): kcl_cli_configs (files, path_selector, flags) and
 * kcl_options (option values). */
SCL_API scl_status scl_run_settings_file(scl_run *run, const char *path);
/* Parses every added file; stops after parsing (nothing is evaluated). */
SCL_API scl_status scl_run_parse(scl_run *run);
/* Parses, checks and evaluates the main package. */
SCL_API scl_status scl_run_eval(scl_run *run);
/* Convenience: add one file (or source string) and evaluate. */
SCL_API scl_status scl_run_eval_file(scl_run *run, const char *file, const char *src, size_t len);

/* The planned result (what the CLI prints); NULL unless evaluation succeeded. */
SCL_API const scl_val *scl_run_result(const scl_run *run);

/* Writes the run's result as the command prints it: YAML (json 0) or `--format json`
 * (json 1), honouring manifests.yaml_stream() and the run's output flags. */
SCL_API scl_status scl_run_write(scl_run *run, int json, scl_write_fn w, void *ud);

/* Writes the syntax tree of added file 'i' (after scl_run_parse) as JSON. */
SCL_API scl_status scl_run_write_ast(const scl_run *run, size_t i, scl_write_fn w, void *ud);

/* Formats source text as `scl fmt` does (KCL's layout). src NULL: read 'file'. Writes the
 * whole formatted text through w. A file with a syntax error is not formatted: SCL_ESYNTAX,
 * the diagnostics are on the run, nothing is written. */
SCL_API scl_status scl_format(scl_run *run, const char *file, const char *src, size_t len,
                              scl_write_fn w, void *ud);
/* Indentation scl_format uses on this run: 'width' spaces per level (0: 4), or one TAB per
 * level when 'tabs' is non-zero (what an .editorconfig asks for; the default is 4 spaces). */
SCL_API scl_status scl_run_set_format_indent(scl_run *run, unsigned width, int tabs);

/* {===== packages and the loader
 *
 * `import a.b.c` resolves as KCL resolves it: a system module; else a file or directory under
 * the root of the importing package (`a/b/c/` wins over `a/b/c.k`; relative `.x` counts from
 * that root and never climbs above it); else an external package named `a`, whose root must
 * hold kcl.mod. Every import of the program is resolved before evaluation starts; one that
 * cannot be is an E2F04 CannotFindModule error at the import. */

/* The module root of the main package (where kcl.mod is). Default: the nearest ancestor of the
 * first file that holds kcl.mod, else that file's directory. Copies. */
SCL_API scl_status scl_run_set_root(scl_run *run, const char *dir);
/* An external package: `import name...` resolves under dir (-E name=dir). A later call for the
 * same name wins. Copies. */
SCL_API scl_status scl_run_add_external(scl_run *run, const char *name, const char *dir);

/* A host may serve modules itself (from memory, a sandbox, an archive). Strings passed to a hook
 * are borrowed for the call; a hook hands data back only by appending to the scl_buf or scl_src
 * it was given, which copy, so neither side frees the other's memory. Hooks are called on the
 * context's thread only, never re-enter the context, and are never jumped across. */
#define SCL_LOADER_VERSION 1
typedef struct scl_buf scl_buf; /* receives bytes */
typedef struct scl_src scl_src; /* receives one package's files */
SCL_API scl_status scl_buf_add(scl_buf *b, const char *data, size_t len);             /* copies */
SCL_API scl_status scl_src_add(scl_src *out, const char *name, const char *data, size_t len);
typedef struct scl_loader {
    unsigned version; /* SCL_LOADER_VERSION: hooks are only ever appended */
    void *ud;         /* passed to every hook */
    /* `import path` (as written, leading dots included) in package `from` (a canonical id this
       loader returned; NULL: the main package) -> the imported package's canonical id.
       System modules never get here. SCL_EIMPORT and msg: not found (E2F04 at the import). */
    scl_status (*resolve)(void *ud, const char *from, const char *path, scl_buf *id,
                          scl_buf *msg);
    /* canonical id -> its files in load order; each id is read and evaluated once per run */
    scl_status (*read_module)(void *ud, const char *id, scl_src *out, scl_buf *msg);
    /* file.read / file.exists / file.size ... of `path` (as given) from code of package `from`.
       NULL hook, or SCL_EIO and msg: refused (the sandbox fails closed). */
    scl_status (*read_file)(void *ud, const char *from, const char *path, scl_buf *data,
                            scl_buf *msg);
} scl_loader;
/* Copies *loader; NULL restores the disk. Runs made afterwards use it. SCL_EINVAL when the
 * version is newer than this library's or a required hook (resolve, read_module) is NULL. */
SCL_API scl_status scl_ctx_set_loader(scl_ctx *ctx, const scl_loader *loader);
/* Lets later runs of ctx reuse the loader's resolve and read_module answers for ttl_ms
 * milliseconds after the hook gave them, without calling it (failures are never reused), so a
 * host that serves the same imports again (a server) resolves and reads them once per ttl.
 * Answers are kept per scope: a host whose hooks answer differently by some state of its own
 * (the folders one request may reach) passes that state as the scope, and calls this before
 * each run. scope NULL or ttl_ms 0: off, and everything kept is released (the default).
 * The parsed trees are cached by the files' text either way. */
SCL_API void scl_ctx_loader_cache(scl_ctx *ctx, const char *scope, uint64_t ttl_ms);

/* The disk's resolution (above), for a host's loader that wraps it, to confine or log it. */
typedef struct scl_disk_modules {
    const char *root;     /* module root of the main package; NULL: found from main_dir as
                             scl_run_set_root's default is, or none when main_dir is NULL too
                             (then only externals resolve) */
    const char *main_dir; /* directory of the main package's files (relative imports count from
                             it); NULL: root */
    size_t nexternals;    /* -E ext_names[i]=ext_dirs[i]; later entries win */
    const char *const *ext_names, *const *ext_dirs;
} scl_disk_modules;
/* A resolve hook's work on the disk: `import path` (as written) from package 'from' (an id this
 * function gave; NULL: the main package) -> the package's id, the real path of its directory or
 * file, written through w (once, whole) for the host to check and hand on. SCL_EIMPORT and msg
 * as the disk's E2F04 says it; SCL_EIO when w fails. Reads no file. */
SCL_API scl_status scl_disk_resolve(const scl_disk_modules *m, const char *from,
                                    const char *path, scl_write_fn w, void *ud, scl_buf *msg);
/* A read_module hook's work on the disk: the files of package 'id' (from scl_disk_resolve) in
 * load order. SCL_EIO and msg when one cannot be read. */
SCL_API scl_status scl_disk_read_module(const char *id, scl_src *out, scl_buf *msg);

/* {===== validating data (`scl vet`, KCL's `kcl vet`) */

typedef enum scl_data_format { SCL_DATA_JSON, SCL_DATA_YAML } scl_data_format;

/* Validates data against the main package (the files added so far): the data becomes an
 * expression whose every node points into the data, `attr = <expression>` is appended to the
 * first added file, and the program is checked and evaluated; its output is discarded.
 * A mapping at the top (or an item of a top-level list, at any list depth) becomes
 * `schema {k: v, ...}`; nested mappings are plain configs; null, booleans, numbers and strings
 * become None, True/False, int (must fit int64), float and str. A YAML real is kept only when it
 * prints back as written (1.5, not 1.0 or 1e3); YAML tags and aliases are refused.
 *
 * file: the data's name in diagnostics; data NULL: read from that file (copied either way).
 * schema NULL or "": the first schema declared at the top level of the main package, in file
 * order (none: mappings stay plain configs); a dotted name selects from an imported module.
 * attr NULL: "" (KCL's default); the code may refer to it (`assert value > 0`).
 * Every document of a YAML stream is validated in turn, each one alone in the program (KCL
 * checks the first only); the first invalid one stops, and its diagnostic notes which it was.
 *
 * SCL_OK: the data is valid. Otherwise the diagnostics say why: SCL_EIO with
 * "Failed to Load '<file>'" (unreadable, or not UTF-8); SCL_ESYNTAX with "Failed to Load JSON"
 * or "Failed to Load YAML" (not parseable, an unsigned 64-bit integer, ...; the cause is a note,
 * the place a label); SCL_EINVAL with "Cannot find the kcl file, please check the file path
 * validationTempKCLCode.k" when no file was added; else the status scl_run_eval would give. */
SCL_API scl_status scl_run_validate(scl_run *run, const char *file, const char *data, size_t len,
                                    scl_data_format format, const char *schema,
                                    const char *attr);

/* {===== diagnostics */

SCL_API size_t scl_run_ndiags(const scl_run *run);
SCL_API size_t scl_run_nerrors(const scl_run *run);
SCL_API const scl_diag *scl_run_diag(const scl_run *run, size_t i); /* owned by the run */
SCL_API int scl_diag_is_error(const scl_diag *d);
SCL_API const char *scl_diag_code(const scl_diag *d);    /* "E1001" */
SCL_API const char *scl_diag_kind(const scl_diag *d);    /* "InvalidSyntax" */
SCL_API const char *scl_diag_message(const scl_diag *d); /* primary message */
SCL_API scl_span scl_diag_span(const scl_run *run, const scl_diag *d);
/* Labels: 0 is the primary location (its message is scl_diag_message), the others point at
 * related places (where a variable was declared, the check that failed, ...). */
SCL_API size_t scl_diag_nlabels(const scl_diag *d);
/* Label i's message (NULL past the end); *span (NULL ok) gets its location. */
SCL_API const char *scl_diag_label(const scl_run *run, const scl_diag *d, size_t i,
                                   scl_span *span);
SCL_API size_t scl_diag_nnotes(const scl_diag *d);
SCL_API const char *scl_diag_note(const scl_diag *d, size_t i); /* NULL past the end */
/* KCL's text layout (json 0) or one JSON object per line (json 1). */
SCL_API scl_status scl_diag_render(const scl_run *run, const scl_diag *d, int json,
                                   scl_write_fn w, void *ud);

/* {===== developer tools (`scl test`, `scl lint`) */

/* Runs the tests of the package at 'path' (a directory; `dir/...` also runs every package below
 * it, as §3 of the tools spec says) whose names match 'run_regex' (an unanchored PCRE2 search;
 * NULL: all). A package's test files (*_test.k) see its other files; each case is one run of the
 * whole package. For each case calls cb(ud, name, error_message or NULL, duration_us,
 * log_output), in run order; the strings are borrowed for the call. fail_fast: a package stops
 * at its first failing case. SCL_OK when all passed, SCL_EEVAL when one failed. A compile-time
 * error (syntax, unknown name, ...) stops everything: cb is called once with name NULL, the
 * rendered diagnostics as error and the package directory as log, and the status is that
 * error's (SCL_ESYNTAX, SCL_ETYPE, SCL_EIMPORT, ...). SCL_EIO when 'path' is not a directory. */
typedef void (*scl_test_cb)(void *ud, const char *name, const char *error, uint64_t duration_us,
                            const char *log);
SCL_API scl_status scl_test_path(scl_ctx *ctx, const char *path, const char *run_regex,
                                 int fail_fast, scl_test_cb cb, void *ud);
/* scl_test_path with inputs every case run gets: option values (-D, each text parsed as
 * scl_run_option_text does) and external packages (-E and kcl.mod dependencies). opts NULL:
 * none. SCL_EINVAL when the version is newer than this library's. */
#define SCL_TEST_OPTS_VERSION 1
typedef struct scl_test_opts {
    unsigned version; /* SCL_TEST_OPTS_VERSION: fields are only ever appended */
    size_t noptions;
    const char *const *option_keys, *const *option_texts;
    size_t nexternals;
    const char *const *ext_names, *const *ext_dirs;
} scl_test_opts;
SCL_API scl_status scl_test_path_opts(scl_ctx *ctx, const char *path, const char *run_regex,
                                      int fail_fast, const scl_test_opts *opts, scl_test_cb cb,
                                      void *ud);
/* Adds to 'run' what one test run of package 'dir' compiles: its files (not starting with '_'),
 * its *_test.k files, and the generated main file that calls the case option("_kcl_test_case_run")
 * names. Returns the number of test cases through *ncases (NULL ok). */
SCL_API scl_status scl_run_add_test_package(scl_run *run, const char *dir, size_t *ncases);

/* Lints the files added to the run (KCL's checks, per file: W1001 UnusedImportWarning "Module
 * 'm' imported but unused", ReimportWarning "Module 'm' is reimported multiple times",
 * ImportPositionWarning "The import stmt should be placed at the top of the module"); each
 * finding is a warning diagnostic on the run, after any compile-time error of the program.
 * SCL_OK (even with warnings) unless the files cannot be parsed (SCL_ESYNTAX) or the program
 * has compile-time errors (their status). */
SCL_API scl_status scl_lint(scl_run *run);

/* {===== values (all owned by the run that made them) */

SCL_API scl_val *scl_new_undefined(scl_run *run);
SCL_API scl_val *scl_new_none(scl_run *run);
SCL_API scl_val *scl_new_bool(scl_run *run, int b);
SCL_API scl_val *scl_new_int(scl_run *run, int64_t i);
SCL_API scl_val *scl_new_float(scl_run *run, double f);
SCL_API scl_val *scl_new_str(scl_run *run, const char *s, size_t len); /* copies */
SCL_API scl_val *scl_new_list(scl_run *run);
SCL_API scl_val *scl_new_dict(scl_run *run);
SCL_API scl_status scl_list_push(scl_run *run, scl_val *list, const scl_val *v);
SCL_API scl_status scl_dict_set(scl_run *run, scl_val *dict, const char *key, size_t len,
                                const scl_val *v);

SCL_API scl_kind scl_val_kind(const scl_val *v);
SCL_API size_t scl_val_len(const scl_val *v); /* str: bytes; list/dict/schema: entries */
/* List element or dict entry i (insertion order); *key gets the dict key (or NULL). */
SCL_API const scl_val *scl_val_at(const scl_val *v, size_t i, const char **key);
SCL_API const scl_val *scl_val_get(const scl_val *v, const char *key); /* dict/schema: NULL if absent */
SCL_API const char *scl_val_str(const scl_val *v, size_t *len); /* NUL-terminated; NULL if not str */
SCL_API int scl_val_int(const scl_val *v, int64_t *out);   /* 1 if an int */
SCL_API int scl_val_float(const scl_val *v, double *out);  /* 1 if a float or int */
SCL_API int scl_val_bool(const scl_val *v, int *out);      /* 1 if a bool */
SCL_API const char *scl_val_type_name(const scl_val *v);   /* schema name for instances */

/* YAML as KCL prints it (several documents for a list of mappings); flags SCL_EMIT_*. */
SCL_API scl_status scl_emit_yaml(const scl_val *v, unsigned flags, scl_write_fn w, void *ud);
/* JSON: indent 0 gives one line. */
SCL_API scl_status scl_emit_json(const scl_val *v, unsigned flags, int indent, scl_write_fn w,
                                 void *ud);

#ifdef __cplusplus
}
#endif
#endif
