"""libscl through cffi in ABI mode: no compiler is needed to install or import this module.

The library is the file named by $SCL_LIBRARY when it is set, else the installed libscl
(found as the dynamic linker finds it). Functions are looked up when first called, so a
library that lacks one of them still loads, and only that method fails.
"""

import ctypes.util
import os

from cffi import FFI

CDEF = """
typedef struct scl_ctx scl_ctx;
typedef struct scl_run scl_run;
typedef struct scl_val scl_val;
typedef struct scl_diag scl_diag;
typedef enum scl_status {
    SCL_OK, SCL_ESYNTAX, SCL_ETYPE, SCL_EEVAL, SCL_EIMPORT, SCL_ELIMIT, SCL_ENOMEM, SCL_EIO,
    SCL_EINVAL
} scl_status;
typedef enum scl_data_format { SCL_DATA_JSON, SCL_DATA_YAML } scl_data_format;
typedef void *(*scl_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);
typedef int (*scl_write_fn)(void *ud, const char *buf, size_t len);
typedef void (*scl_test_cb)(void *ud, const char *name, const char *error,
                            uint64_t duration_us, const char *log);

unsigned scl_version(void);
const char *scl_version_string(void);
scl_ctx *scl_ctx_new(scl_alloc_fn alloc, void *ud);
void scl_ctx_free(scl_ctx *ctx);
scl_run *scl_run_new(scl_ctx *ctx);
void scl_run_free(scl_run *run);
void scl_run_set_stdout(scl_run *run, scl_write_fn w, void *ud);
void scl_run_set_flags(scl_run *run, unsigned flags);
unsigned scl_run_flags(const scl_run *run);
scl_status scl_run_option_text(scl_run *run, const char *key, const char *text);
scl_status scl_run_override(scl_run *run, const char *spec);
scl_status scl_run_select(scl_run *run, const char *path);
scl_status scl_run_add_file(scl_run *run, const char *file, const char *src, size_t len);
scl_status scl_run_add_path(scl_run *run, const char *path);
size_t scl_run_nfiles(const scl_run *run);
scl_status scl_run_set_root(scl_run *run, const char *dir);
scl_status scl_run_add_external(scl_run *run, const char *name, const char *dir);
scl_status scl_run_eval(scl_run *run);
const scl_val *scl_run_result(const scl_run *run);
scl_status scl_run_write(scl_run *run, int json, scl_write_fn w, void *ud);
scl_status scl_run_validate(scl_run *run, const char *file, const char *data, size_t len,
                            scl_data_format format, const char *schema, const char *attr);
size_t scl_run_ndiags(const scl_run *run);
size_t scl_run_nerrors(const scl_run *run);
const scl_diag *scl_run_diag(const scl_run *run, size_t i);
int scl_diag_is_error(const scl_diag *d);
const char *scl_diag_code(const scl_diag *d);
const char *scl_diag_kind(const scl_diag *d);
const char *scl_diag_message(const scl_diag *d);
scl_status scl_diag_render(const scl_run *run, const scl_diag *d, int json, scl_write_fn w,
                           void *ud);
scl_status scl_emit_json(const scl_val *v, unsigned flags, int indent, scl_write_fn w, void *ud);

scl_status scl_format(scl_run *run, const char *file, const char *src, size_t len,
                      scl_write_fn w, void *ud);
scl_status scl_test_path(scl_ctx *ctx, const char *path, const char *run_regex, int fail_fast,
                         scl_test_cb cb, void *ud);
scl_status scl_lint(scl_run *run);
"""

# scl.h's flags
EMIT_SORT_KEYS = 1
EMIT_SHOW_HIDDEN = 2
EMIT_DROP_NONE = 4
RUN_STRICT_RANGE = 0x100
RUN_DEBUG = 0x200
RUN_CHECK_ONLY = 0x400  # KCL's compile_only; libraries that export scl_lint know it

STATUS_NAMES = ("SCL_OK", "SCL_ESYNTAX", "SCL_ETYPE", "SCL_EEVAL", "SCL_EIMPORT", "SCL_ELIMIT",
                "SCL_ENOMEM", "SCL_EIO", "SCL_EINVAL")
OK, ESYNTAX, ETYPE, EEVAL, EIMPORT, ELIMIT, ENOMEM, EIO, EINVAL = range(9)

ffi = FFI()
ffi.cdef(CDEF)


def library_path():
    """The file dlopen is given: $SCL_LIBRARY, else what the linker's cache names."""
    env = os.environ.get("SCL_LIBRARY")
    if env:
        return env
    return ctypes.util.find_library("scl") or "libscl.so.0"


_lib = None


def lib():
    """The loaded library (loaded on first use)."""
    global _lib
    if _lib is None:
        path = library_path()
        try:
            _lib = ffi.dlopen(path)
        except OSError as e:
            raise OSError(f"cannot load libscl ({path}): {e}; set SCL_LIBRARY to the path of "
                          "libscl.so") from e
    return _lib


def has(name):
    """Whether the library exports function 'name'."""
    try:
        getattr(lib(), name)
        return True
    except AttributeError:
        return False


def status_name(st):
    return STATUS_NAMES[st] if 0 <= st < len(STATUS_NAMES) else f"status {st}"


@ffi.callback("int(void *, const char *, size_t)")
def _collect(ud, buf, n):
    ffi.from_handle(ud).append(ffi.unpack(buf, n))
    return 0


@ffi.callback("void(void *, const char *, const char *, uint64_t, const char *)")
def _test_case(ud, name, error, duration_us, log):
    def text(p):
        return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else ""
    # name NULL: the package did not compile, and error is its rendered diagnostics
    ffi.from_handle(ud).append((text(name) if name != ffi.NULL else None, text(error),
                                int(duration_us), text(log)))


class Sink:
    """Bytes written through scl_write_fn: pass .fn and .ud, then read .text()."""

    fn = _collect

    def __init__(self):
        self.parts = []
        self.ud = ffi.new_handle(self.parts)

    def data(self):
        return b"".join(self.parts)

    def text(self):
        return self.data().decode("utf-8", "replace")


class TestCases:
    """Cases reported by scl_test_path: pass .fn and .ud, then read .cases."""

    fn = _test_case

    def __init__(self):
        self.cases = []
        self.ud = ffi.new_handle(self.cases)
