"""scl_lib: Python access to libscl, the scl (KCL-compatible) configuration language runtime.

`import scl_lib.api as api` offers what `kcl_lib.api` offers (API, ExecProgramArgs, ...)."""
