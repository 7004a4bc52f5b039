"""API: KCL's KclService methods (kcl_lib.api.API) over libscl.

Errors keep KCL's split: what fails before evaluation (no input, a missing file, a syntax,
type or import error) raises Exception, whose str() is the rendered diagnostics; what fails
while the program runs (assert, check, a conflict, a limit) comes back in err_message."""

import json
import os
import shutil
import subprocess
import threading

from . import _native
from ._native import ffi
from .spec import (ExecProgramArgs, ExecProgramResult, ExternalPkg, FormatCodeArgs,
                   FormatCodeResult, FormatPathArgs, FormatPathResult, GetVersionResult,
                   LintPathArgs, LintPathResult, TestArgs, TestCaseInfo, TestResult,
                   UpdateDependenciesArgs, UpdateDependenciesResult, ValidateCodeArgs,
                   ValidateCodeResult)

# statuses that mean the program did not get to run: KCL raises for these
_PRE_EVAL = (_native.ESYNTAX, _native.ETYPE, _native.EIMPORT, _native.EIO, _native.EINVAL)


def _c(s):
    return s.encode("utf-8") if isinstance(s, str) else s


class _Run:
    """One scl_run: freed when the with block ends."""

    def __init__(self, api):
        self.lib = _native.lib()
        self.run = self.lib.scl_run_new(api._ctx)
        if self.run == ffi.NULL:
            raise MemoryError("scl_run_new failed")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lib.scl_run_free(self.run)
        self.run = ffi.NULL

    def diags(self, errors_first=False):
        """The run's diagnostics as (is_error, message, rendered text)."""
        out = []
        for i in range(self.lib.scl_run_ndiags(self.run)):
            d = self.lib.scl_run_diag(self.run, i)
            sink = _native.Sink()
            self.lib.scl_diag_render(self.run, d, 0, sink.fn, sink.ud)
            msg = self.lib.scl_diag_message(d)
            out.append((bool(self.lib.scl_diag_is_error(d)),
                        ffi.string(msg).decode("utf-8", "replace") if msg != ffi.NULL else "",
                        sink.text()))
        if errors_first:
            out.sort(key=lambda x: not x[0])
        return out

    def rendered(self):
        return "".join(text for _, _, text in self.diags())

    def fail(self, status, what):
        """Raises for a failed call: the diagnostics, else the status."""
        if status == _native.ENOMEM:
            raise MemoryError(what)
        text = self.rendered()
        raise Exception(text if text else f"{what}: {_native.status_name(status)}")


def _flags(args):
    f = 0
    if args.sort_keys:
        f |= _native.EMIT_SORT_KEYS
    if args.show_hidden:
        f |= _native.EMIT_SHOW_HIDDEN
    if args.disable_none:
        f |= _native.EMIT_DROP_NONE
    if args.strict_range_check:
        f |= _native.RUN_STRICT_RANGE
    if args.debug:
        f |= _native.RUN_DEBUG
    return f


def _under(work_dir, path):
    return os.path.join(work_dir, path) if work_dir and not os.path.isabs(path) else path


class API:
    """The service. One API holds one scl context (its module cache): use it from one thread
    at a time, or give each thread its own (calls on one API are serialised by a lock)."""

    def __init__(self, plugin_agent=0):
        self.plugin_agent = plugin_agent  # accepted as kcl_lib does; scl has no plugins
        self._lock = threading.Lock()
        lib = _native.lib()
        self._ctx = lib.scl_ctx_new(ffi.NULL, ffi.NULL)
        if self._ctx == ffi.NULL:
            raise MemoryError("scl_ctx_new failed")

    def __del__(self):
        ctx = getattr(self, "_ctx", ffi.NULL)
        if ctx != ffi.NULL and _native._lib is not None:
            _native._lib.scl_ctx_free(ctx)
            self._ctx = ffi.NULL

    def call(self, name, args=None):
        """KclService.X by name ("KclService.ExecProgram" or "ExecProgram")."""
        method = name.rsplit(".", 1)[-1]
        snake = "".join("_" + c.lower() if c.isupper() else c for c in method).lstrip("_")
        fn = getattr(self, snake, None)
        if fn is None or snake.startswith("_") or snake == "call":
            raise Exception(f"unknown method {name}")
        return fn() if args is None else fn(args)

    # {===== ExecProgram

    def exec_program(self, args: ExecProgramArgs) -> ExecProgramResult:
        if args.include_schema_type_path or args.print_override_ast:
            raise Exception("include_schema_type_path and print_override_ast are not supported "
                            "by scl")
        if args.compile_only and not _native.has("scl_lint"):
            raise Exception("compile_only needs a libscl with SCL_RUN_CHECK_ONLY (and scl_lint)")
        if not args.k_filename_list and not args.k_code_list:
            raise Exception("No input KCL files or paths")
        with self._lock, _Run(self) as r:
            lib = r.lib
            log = _native.Sink()
            lib.scl_run_set_stdout(r.run, log.fn, log.ud)
            self._add_inputs(r, args)
            for a in args.args:
                st = lib.scl_run_option_text(r.run, _c(a.name), _c(a.value))
                if st != _native.OK:
                    r.fail(st, f"invalid argument {a.name}={a.value}")
            for p in args.external_pkgs:
                lib.scl_run_add_external(r.run, _c(p.pkg_name),
                                         _c(_under(args.work_dir, p.pkg_path)))
            for spec in args.overrides:
                st = lib.scl_run_override(r.run, _c(spec))
                if st != _native.OK:
                    r.fail(st, f"invalid override {spec}")
            for sel in args.path_selector:
                lib.scl_run_select(r.run, _c(sel))
            flags = _flags(args) | (_native.RUN_CHECK_ONLY if args.compile_only else 0)
            lib.scl_run_set_flags(r.run, lib.scl_run_flags(r.run) | flags)
            st = lib.scl_run_eval(r.run)
            res = ExecProgramResult(log_message=log.text())
            if st in _PRE_EVAL:
                r.fail(st, "evaluation failed")
            if args.compile_only:
                # checked, not run: any diagnostic (warnings too) is an error, as in KCL
                if st != _native.OK or lib.scl_run_ndiags(r.run):
                    r.fail(st, "check failed")
                return res
            if st == _native.ENOMEM:
                raise MemoryError("evaluation ran out of memory")
            if st != _native.OK:
                res.err_message = r.rendered()
                return res
            res.json_result, st = self._json_result(r)
            if st == _native.OK and not args.disable_yaml_result:
                out = _native.Sink()
                st = lib.scl_run_write(r.run, 0, out.fn, out.ud)
                res.yaml_result = out.text().rstrip("\n")
            if st != _native.OK:
                res.err_message = r.rendered()
            return res

    @staticmethod
    def _json_result(r):
        """KCL's json_result: each document on one line (', ' and ': ', keys in output order),
        several documents (a list of manifests, yaml_stream) one per line."""
        lib = r.lib
        out = _native.Sink()
        st = lib.scl_run_write(r.run, 1, out.fn, out.ud)
        if st != _native.OK:
            return "", st
        lines = out.text().rstrip("\n").split("\n")
        if len(lines) > 1:  # the command's JSON is either one indented document or these
            try:
                for line in lines:
                    json.loads(line)
                return "\n".join(lines), st
            except ValueError:
                pass
        out = _native.Sink()
        emit = lib.scl_run_flags(r.run) & (_native.EMIT_SORT_KEYS | _native.EMIT_SHOW_HIDDEN
                                           | _native.EMIT_DROP_NONE)
        st = lib.scl_emit_json(lib.scl_run_result(r.run), emit, 0, out.fn, out.ud)
        return out.text().rstrip("\n"), st

    @staticmethod
    def _add_inputs(r, args):
        lib = r.lib
        codes = args.k_code_list
        names = list(args.k_filename_list)
        while len(names) < len(codes):
            names.append(f"main{len(names) or ''}.k")
        for i, name in enumerate(names):
            path = _under(args.work_dir, name)
            if i < len(codes):
                if os.path.isdir(path):
                    raise Exception(f"Invalid code list for the path {path}")
                src = _c(codes[i])
                st = lib.scl_run_add_file(r.run, _c(path), src, len(src))
            else:
                if not os.path.exists(path):
                    raise Exception(f"Cannot find the kcl file, please check the file path {path}")
                st = lib.scl_run_add_path(r.run, _c(path))
            if st != _native.OK:
                r.fail(st, f"cannot read {path}")

    # {===== ValidateCode

    def validate_code(self, args: ValidateCodeArgs) -> ValidateCodeResult:
        with self._lock, _Run(self) as r:
            lib = r.lib
            for p in args.external_pkgs:
                lib.scl_run_add_external(r.run, _c(p.pkg_name), _c(p.pkg_path))
            if args.code:
                src = _c(args.code)
                st = lib.scl_run_add_file(r.run, _c(args.file or "validationTempKCLCode.k"), src,
                                          len(src))
            elif args.file:
                st = lib.scl_run_add_path(r.run, _c(args.file))
            else:
                st = _native.OK  # the library reports the missing code
            if st == _native.ENOMEM:
                raise MemoryError("validate_code")
            if st != _native.OK:
                return ValidateCodeResult(success=False, err_message=r.rendered())
            fmt = 1 if args.format.lower() == "yaml" else 0
            if args.datafile and not args.data:
                name, data, n = _c(args.datafile), ffi.NULL, 0
            else:
                suffix = "yaml" if fmt else "json"
                name = _c(args.datafile or f"validationTempData.{suffix}")
                data = _c(args.data)
                n = len(data)
            st = lib.scl_run_validate(r.run, name, data, n, fmt, _c(args.schema) or ffi.NULL,
                                      _c(args.attribute_name))
            if st == _native.ENOMEM:
                raise MemoryError("validate_code")
            if st != _native.OK:
                return ValidateCodeResult(success=False, err_message=r.rendered())
            return ValidateCodeResult(success=True)

    # {===== Test, FormatCode, FormatPath, LintPath: newer library functions

    @staticmethod
    def _need(name, method):
        if not _native.has(name):
            raise Exception(f"{method} needs {name}, which this libscl "
                            f"({_native.library_path()}) does not export")

    def test(self, args: TestArgs) -> TestResult:
        self._need("scl_test_path", "test")
        lib = _native.lib()
        result = TestResult()
        work_dir = args.exec_args.work_dir if args.exec_args else ""
        with self._lock:
            for pkg in args.pkg_list or ["."]:
                cases = _native.TestCases()
                st = lib.scl_test_path(self._ctx, _c(_under(work_dir, pkg)),
                                       _c(args.run_regexp) or ffi.NULL, int(args.fail_fast),
                                       cases.fn, cases.ud)
                for name, error, duration, log in cases.cases:
                    if name is None:  # a compile-time error stops the whole call, as in KCL
                        raise Exception(error or f"{log}: {_native.status_name(st)}")
                    result.info.append(TestCaseInfo(name=name, error=error, duration=duration,
                                                    log_message=log))
                if st == _native.ENOMEM:
                    raise MemoryError("test")
                if st == _native.EIO:
                    raise Exception(f"Cannot find the kcl file, please check the file path {pkg}")
                if st != _native.OK and st != _native.EEVAL:
                    raise Exception(f"testing {pkg} failed: {_native.status_name(st)}")
        return result

    def _format(self, name, source):
        """Formatted text of one source (bytes); raises on a syntax error."""
        with _Run(self) as r:
            src = _c(source)
            out = _native.Sink()
            st = r.lib.scl_format(r.run, _c(name), src, len(src), out.fn, out.ud)
            if st != _native.OK:
                r.fail(st, f"cannot format {name}")
            return out.data()

    def format_code(self, args: FormatCodeArgs) -> FormatCodeResult:
        self._need("scl_format", "format_code")
        with self._lock:
            return FormatCodeResult(formatted=self._format("<input>", args.source))

    @staticmethod
    def _format_files(path):
        """The files FormatPath visits, named as the walk produces them (spec tools §1.1)."""
        def source(name):
            return name.endswith(".k") or name.endswith(".scl")
        if path.endswith("..."):
            top = path[:-3] or "."
            if top.endswith("/") and len(top) > 1:
                top = top[:-1]
            found = []
            for d, dirs, files in os.walk(top):
                dirs.sort()
                found.extend(os.path.join(d, f) for f in files if source(f))
            return sorted(found)
        if os.path.isdir(path):
            return [os.path.join(path, f) for f in sorted(os.listdir(path))
                    if source(f) and os.path.isfile(os.path.join(path, f))]
        if os.path.isfile(path):
            return [path]
        return []

    def format_path(self, args: FormatPathArgs) -> FormatPathResult:
        self._need("scl_format", "format_path")
        changed = []
        with self._lock:
            for f in self._format_files(args.path):
                with open(f, "rb") as fh:
                    before = fh.read()
                after = self._format(f, before)
                if after != before:
                    changed.append(f)
                    if not args.dry_run:
                        with open(f, "wb") as fh:
                            fh.write(after)
        return FormatPathResult(changed_paths=changed)

    def lint_path(self, args: LintPathArgs) -> LintPathResult:
        self._need("scl_lint", "lint_path")
        results = []
        with self._lock:
            for p in args.paths:
                with _Run(self) as r:
                    if not os.path.exists(p):
                        raise Exception(f"Cannot find the kcl file, please check the file path {p}")
                    st = r.lib.scl_run_add_path(r.run, _c(p))
                    if st == _native.OK:
                        st = r.lib.scl_lint(r.run)
                    if st == _native.ENOMEM:
                        raise MemoryError("lint_path")
                    results.extend(msg for _, msg, _ in r.diags(errors_first=True))
        return LintPathResult(results=results)

    # {===== UpdateDependencies: the scl-mod helper

    @staticmethod
    def _mod_command():
        env = os.environ.get("SCL_MOD_HELPER")
        if env:
            return [env]
        lib = _native.library_path()
        dirs = []
        if os.path.isabs(lib):
            d = os.path.dirname(os.path.realpath(lib))
            dirs += [os.path.join(d, ".."),                      # build tree: .libs/..
                     os.path.join(d, "..", "libexec", "scl"),     # PREFIX/lib
                     os.path.join(d, "..", "..", "libexec", "scl")]  # PREFIX/lib/<triplet>
        dirs += ["/usr/local/libexec/scl", "/usr/libexec/scl"]
        for d in dirs:
            helper = os.path.join(d, "scl-mod")
            if os.path.isfile(helper) and os.access(helper, os.X_OK):
                return [os.path.normpath(helper)]
        scl = shutil.which("scl")
        if scl:
            return [scl, "mod"]
        raise Exception("cannot find the scl-mod helper: set SCL_MOD_HELPER or put scl on PATH")

    def update_dependencies(self, args: UpdateDependenciesArgs) -> UpdateDependenciesResult:
        root = args.manifest_path or "."
        if not os.path.isfile(os.path.join(root, "kcl.mod")):
            raise Exception(f"cannot find kcl.mod in {root}")
        cmd = self._mod_command() + ["metadata", "--update"] + (["--vendor"] if args.vendor else [])
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if proc.returncode != 0:
            raise Exception(proc.stderr.strip() or f"{' '.join(cmd)} failed")
        meta = json.loads(proc.stdout)
        pkgs = [ExternalPkg(pkg_name=name, pkg_path=p.get("manifest_path", ""))
                for name, p in meta.get("packages", {}).items()]
        return UpdateDependenciesResult(external_pkgs=[p for p in pkgs if p.pkg_path])

    # {===== GetVersion

    def get_version(self, args=None) -> GetVersionResult:
        v = ffi.string(_native.lib().scl_version_string()).decode()
        return GetVersionResult(version=v, version_info=f"scl {v} (libscl {_native.library_path()})")
