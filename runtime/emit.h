/* Output of a planned result (spec §3.9 step 4-5, §6): YAML as libyaml's emitter writes it, JSON
 * written directly, and the planning filter both apply while they walk the value.
 *
 * Planning (§3.9 step 4) never copies: an emitter skips, at any depth,
 *   - dict/schema entries whose key starts with '_' (unless SCL_EMIT_SHOW_HIDDEN),
 *   - Undefined, function, type and module values (dict entries and list elements),
 *   - None values when SCL_EMIT_DROP_NONE (dict entries and list elements),
 * keeps empty lists and dicts, and with SCL_EMIT_SORT_KEYS writes the keys of every
 * mapping in code-point (UTF-8 byte) order, else in insertion order. Schema instances are
 * written like dicts (their dict holds the attributes in order). Flag values: runtime/scl.h.
 *
 * Errors: the emitters allocate from the run's arena and raise (vm_raise) when memory runs
 * out or libyaml refuses a string (invalid UTF-8), so call them inside vm_protect. A writer
 * that returns non-zero stops the output: the function returns EMIT_EWRITE. */
#ifndef SCL_RUNTIME_EMIT_H
#define SCL_RUNTIME_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/arena.h"
#include "runtime/value.h"

struct vm;

/* Same contract as scl_write_fn: non-zero stops the output. */
typedef int (*emit_write_fn)(void *ud, const char *buf, size_t len);

enum { EMIT_OK = 0, EMIT_EWRITE = 1 };

/* Under SCL_EMIT_STREAM, the text of the documents written so far is passed on once it
 * reaches this size and the buffer reused: a long stream is never held whole. A document is
 * always passed on whole. */
#define EMIT_CHUNK ((size_t)32 << 10)

/* {===== planning (emit_yaml.c) */

/* True when planning leaves out this value as a dict entry value or list element. */
bool emit_drops_value(struct value v, unsigned flags);
/* True when planning leaves out the dict/schema entry with this key. */
bool emit_drops_key(const struct str *key, unsigned flags);
/* The entries of 'd' that planning keeps, in output order (sorted under SCL_EMIT_SORT_KEYS);
 * *n receives their number. Borrowed pointers into 'd', in an array from the run's arena. */
struct dict_entry **emit_entries(struct vm *vm, const struct dict *d, unsigned flags, uint32_t *n);
/* Walks the entries of 'd' that planning keeps, in output order, without copying unless
 * keys are sorted (then an array of entry pointers comes from 'arena'):
 *     struct emit_iter it;
 *     if (!emit_iter_init(&it, arena, d, flags)) ... arena exhausted (nothing raised)
 *     for (struct dict_entry *e; (e = emit_iter_next(&it));) ...
 * The entries are borrowed from 'd'. */
struct emit_iter {
    const struct dict *d;
    unsigned flags;
    struct dict_entry **sorted; /* NULL: insertion order straight from 'd' */
    uint32_t i, n;
};
bool emit_iter_init(struct emit_iter *it, struct arena *arena, const struct dict *d,
                    unsigned flags);
struct dict_entry *emit_iter_next(struct emit_iter *it);
/* §6.2: true when 'v' is a list with at least one element that planning keeps and every
 * kept element is a dict or schema instance: each kept element is then a document. */
bool emit_is_stream(struct value v, unsigned flags);
/* A copy of 'v' without what planning drops (lists and dicts copied, key order and
 * sorting as emitted, everything else shared). For hosts that walk the result themselves. */
struct value emit_plan(struct vm *vm, struct value v, unsigned flags);

/* {===== YAML (emit_yaml.c) */

/* The YAML the command prints for a result, byte for byte (§6.1, §6.2):
 *   - a stream (emit_is_stream) gives one document per kept element, otherwise 'v' is the
 *     only document; Undefined or a function at the top counts as an empty dict;
 *   - each document is libyaml's text without its final newline (an empty mapping is
 *     "{}", so an empty result prints "{}");
 *   - documents are joined by "\n---\n", and one "\n" ends the output.
 * So {a: 1} writes "a: 1\n" and [{a: 1}, {b: 2}] writes "a: 1\n---\nb: 2\n". */
int emit_yaml(struct vm *vm, struct value v, unsigned flags, emit_write_fn w, void *ud);

/* manifests.yaml_stream (§3.9 step 6): every element of 'docs' (of any kind; Undefined and
 * functions give "null") is a document, each without its final newline, joined by
 * "\n" sep "\n" (sep is "---" by default); one "\n" ends the output. */
int emit_yaml_stream(struct vm *vm, const struct list *docs, unsigned flags, const char *sep,
                     size_t sep_len, emit_write_fn w, void *ud);

/* The emitter's text of one value as a single document, with its trailing newline (the
 * form of yaml.encode and "${x: #yaml}"). Undefined and functions give "null\n". */
struct str *emit_yaml_text(struct vm *vm, struct value v, unsigned flags);

/* The YAML functions above write through a direct writer, byte-identical to libyaml's
 * emitter; SCL_YAML_WRITER=libyaml in the environment (read at the first YAML output of a
 * vm) drives libyaml's emitter instead. For tests, emit_yaml_use picks the writer of 'vm'. */
enum { EMIT_YAML_DIRECT = 1, EMIT_YAML_LIBYAML = 2 };
void emit_yaml_use(struct vm *vm, int writer);

/* {===== JSON (emit_json.c) */

/* Runtime JSON text (§6.3) of 'v' appended to 'b': indent <= 0 gives one line with ", "
 * and ": "; indent n > 0 pretty-prints with n spaces per level. Planning follows 'flags'
 * (Undefined and functions are always dropped; at the top they give "null"). Floats use
 * fmt_float's exponent form, non-finite floats are null, strings escape '"', '\\' and
 * control characters and keep non-ASCII text raw. */
void emit_json_text(struct sbuf *b, struct value v, int indent, unsigned flags);

/* `--format json` output (§6.3), always ending with "\n": one document is pretty-printed
 * with 4-space indent, keys sorted at every level, integral floats without fraction (Go's
 * number form: 1.0 -> 1, 1e21 -> 1e+21, 1e-7 -> 1e-7) and '<' '>' '&' U+2028 U+2029
 * escaped as \u003c \u003e \u0026 \u2028 \u2029; several documents (emit_is_stream) are
 * written as runtime JSON text (emit_json_text, one line each), one per line. */
int emit_json_doc(struct vm *vm, struct value v, unsigned flags, emit_write_fn w, void *ud);

/* {===== number text (fmt.c) */

enum {
    FMT_DIGITS_MAX = 17, /* significant digits that always round-trip a double */
    FMT_FLOAT_MAX = 400  /* buffer size that fits any fmt_float / fmt_float_json text */
};

/* Shortest decimal digits d1..dn (no leading or trailing zeros; "0" for zero) such that
 * d1.d2..dn × 10^*e10 reads back as |f|, picking the closest such string (as ryu does).
 * f must be finite. Returns n. */
int fmt_float_digits(double f, char digits[FMT_DIGITS_MAX + 1], int *e10);
/* Go's encoding/json number text of a finite float: plain without ".0" when
 * 1e-6 <= |f| < 1e21 (or zero), else d.ddde-7 / d.ddde+21. Returns the length. */
size_t fmt_float_json(double f, char *buf, size_t cap);

#endif
