"""Arguments and results of the API: the message and field names of KCL's KclService
(kcl_lib.api), as plain dataclasses. Every field has its protobuf default, so a message is
built with keywords only, e.g. ExecProgramArgs(k_filename_list=["main.k"], sort_keys=True)."""

from dataclasses import dataclass, field
from typing import List


@dataclass
class Argument:
    """An option("name") value; value is parsed as a -D value is (JSON, a literal, a string)."""
    name: str = ""
    value: str = ""


@dataclass
class ExternalPkg:
    """An external package: `import pkg_name` resolves under pkg_path."""
    pkg_name: str = ""
    pkg_path: str = ""


@dataclass
class ExecProgramArgs:
    work_dir: str = ""
    k_filename_list: List[str] = field(default_factory=list)
    k_code_list: List[str] = field(default_factory=list)
    args: List[Argument] = field(default_factory=list)
    overrides: List[str] = field(default_factory=list)
    disable_yaml_result: bool = False
    print_override_ast: bool = False
    strict_range_check: bool = False
    disable_none: bool = False
    verbose: int = 0
    debug: int = 0
    sort_keys: bool = False
    external_pkgs: List[ExternalPkg] = field(default_factory=list)
    include_schema_type_path: bool = False
    compile_only: bool = False
    show_hidden: bool = False
    path_selector: List[str] = field(default_factory=list)
    fast_eval: bool = False
    error_format: str = ""


@dataclass
class ExecProgramResult:
    json_result: str = ""
    yaml_result: str = ""
    log_message: str = ""
    err_message: str = ""


@dataclass
class ValidateCodeArgs:
    datafile: str = ""
    data: str = ""
    file: str = ""
    code: str = ""
    schema: str = ""
    attribute_name: str = ""
    format: str = ""
    external_pkgs: List[ExternalPkg] = field(default_factory=list)


@dataclass
class ValidateCodeResult:
    success: bool = False
    err_message: str = ""


@dataclass
class TestArgs:
    exec_args: ExecProgramArgs = field(default_factory=ExecProgramArgs)
    pkg_list: List[str] = field(default_factory=list)
    run_regexp: str = ""
    fail_fast: bool = False

    __test__ = False  # not a pytest test class


@dataclass
class TestCaseInfo:
    name: str = ""
    error: str = ""
    duration: int = 0  # microseconds
    log_message: str = ""

    __test__ = False


@dataclass
class TestResult:
    info: List[TestCaseInfo] = field(default_factory=list)

    __test__ = False


@dataclass
class FormatCodeArgs:
    source: str = ""


@dataclass
class FormatCodeResult:
    formatted: bytes = b""


@dataclass
class FormatPathArgs:
    path: str = ""
    dry_run: bool = False


@dataclass
class FormatPathResult:
    changed_paths: List[str] = field(default_factory=list)


@dataclass
class LintPathArgs:
    paths: List[str] = field(default_factory=list)


@dataclass
class LintPathResult:
    results: List[str] = field(default_factory=list)


@dataclass
class UpdateDependenciesArgs:
    manifest_path: str = ""
    vendor: bool = False


@dataclass
class UpdateDependenciesResult:
    external_pkgs: List[ExternalPkg] = field(default_factory=list)


@dataclass
class GetVersionArgs:
    pass


@dataclass
class GetVersionResult:
    version: str = ""
    checksum: str = ""
    git_sha: str = ""
    version_info: str = ""
