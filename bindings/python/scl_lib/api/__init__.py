"""`import scl_lib.api as api; api.API().exec_program(api.ExecProgramArgs(...))`: the classes
and methods of KCL's kcl_lib.api, over libscl."""

from .service import API
from .spec import (Argument, ExecProgramArgs, ExecProgramResult, ExternalPkg, FormatCodeArgs,
                   FormatCodeResult, FormatPathArgs, FormatPathResult, GetVersionArgs,
                   GetVersionResult, LintPathArgs, LintPathResult, TestArgs, TestCaseInfo,
                   TestResult, UpdateDependenciesArgs, UpdateDependenciesResult,
                   ValidateCodeArgs, ValidateCodeResult)

__all__ = [
    "API", "Argument", "ExecProgramArgs", "ExecProgramResult", "ExternalPkg", "FormatCodeArgs",
    "FormatCodeResult", "FormatPathArgs", "FormatPathResult", "GetVersionArgs",
    "GetVersionResult", "LintPathArgs", "LintPathResult", "TestArgs", "TestCaseInfo",
    "TestResult", "UpdateDependenciesArgs", "UpdateDependenciesResult", "ValidateCodeArgs",
    "ValidateCodeResult",
]
