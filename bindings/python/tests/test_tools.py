"""format_code, format_path, lint_path and test: they call scl_format, scl_lint and
scl_test_path, and are skipped only when the loaded libscl does not export them."""
import pytest

import scl_lib.api as api
from conftest import needs


@needs("scl_format")
def test_format_code(svc):
    r = svc.format_code(api.FormatCodeArgs(source="a=1\n\n\n\nb= 2"))
    assert r.formatted == b"a = 1\n\nb = 2\n"
    r = svc.format_code(api.FormatCodeArgs(source="x = 1  # note\n"))
    assert r.formatted == b"# note\nx = 1\n"


@needs("scl_format")
def test_format_code_syntax_error(svc):
    with pytest.raises(Exception):
        svc.format_code(api.FormatCodeArgs(source="a = [1, 2\n"))


@needs("scl_format")
def test_format_path(svc, write, tmp_path):
    good = write("pkg/good.k", "a = 1\n")
    bad = write("pkg/sub/bad.k", "b=2\n")
    r = svc.format_path(api.FormatPathArgs(path=str(tmp_path / "pkg")))
    assert r.changed_paths == []
    r = svc.format_path(api.FormatPathArgs(path=str(tmp_path / "pkg") + "/...", dry_run=True))
    assert r.changed_paths == [bad]
    assert open(bad).read() == "b=2\n"
    r = svc.format_path(api.FormatPathArgs(path=str(tmp_path / "pkg") + "/..."))
    assert r.changed_paths == [bad]
    assert open(bad).read() == "b = 2\n" and open(good).read() == "a = 1\n"
    assert svc.format_path(api.FormatPathArgs(path=str(tmp_path / "missing"))).changed_paths == []


@needs("scl_lint")
def test_lint_path(svc, write):
    f = write("l.k", "import math\na = 1\n")
    r = svc.lint_path(api.LintPathArgs(paths=[f]))
    assert r.results == ["Module 'math' imported but unused"]
    clean = write("c.k", "import math\na = math.floor(1.5)\n")
    assert svc.lint_path(api.LintPathArgs(paths=[clean])).results == []


@needs("scl_test_path")
def test_test(svc, write, tmp_path):
    write("pkg/main.k", "double = lambda x: int {\n    x * 2\n}\n")
    write("pkg/main_test.k", 'test_a = lambda {\n    assert double(2) == 4\n}\n'
                             'test_b = lambda {\n    assert double(2) == 5, "wrong"\n}\n')
    r = svc.test(api.TestArgs(pkg_list=[str(tmp_path / "pkg")]))
    got = {i.name: i.error for i in r.info}
    assert list(got) == ["test_a", "test_b"]
    assert got["test_a"] == "" and "wrong" in got["test_b"]
    assert all(i.duration >= 0 for i in r.info)
    r = svc.test(api.TestArgs(pkg_list=[str(tmp_path / "pkg")], run_regexp="test_a"))
    assert [i.name for i in r.info] == ["test_a"] and r.info[0].error == ""


@pytest.mark.parametrize("symbol,call", [
    ("scl_format", lambda s: s.format_code(api.FormatCodeArgs(source="a = 1\n"))),
    ("scl_lint", lambda s: s.lint_path(api.LintPathArgs(paths=["."]))),
    ("scl_test_path", lambda s: s.test(api.TestArgs(pkg_list=["."]))),
])
def test_missing_function_raises(svc, symbol, call):
    from scl_lib.api import _native
    if _native.has(symbol):
        pytest.skip(f"{symbol} is exported: the method is tested above")
    with pytest.raises(Exception, match=symbol):
        call(svc)


@needs("scl_test_path")
def test_test_compile_error_raises(svc, write, tmp_path):
    write("bad/main.k", "a = 1\n")
    write("bad/main_test.k", "test_a = lambda { assert undefined_name == 1 }\nb = [\n")
    with pytest.raises(Exception) as e:
        svc.test(api.TestArgs(pkg_list=[str(tmp_path / "bad")]))
    assert "main_test.k" in str(e.value)


@needs("scl_test_path")
def test_test_fail_fast_and_log(svc, write, tmp_path):
    write("ff/main_test.k", 'test_1 = lambda {\n    print("one")\n    assert False, "first"\n}\n'
                            'test_2 = lambda {\n    assert True\n}\n')
    r = svc.test(api.TestArgs(pkg_list=[str(tmp_path / "ff")], fail_fast=True))
    assert [i.name for i in r.info] == ["test_1"]
    assert "one" in r.info[0].log_message and "first" in r.info[0].error


@needs("scl_lint")
def test_lint_reimport_and_position(svc, write):
    f = write("p.k", "import math\na = math.floor(1.0)\nimport math\n")
    r = svc.lint_path(api.LintPathArgs(paths=[f]))
    assert "The import stmt should be placed at the top of the module" in r.results
    assert "Module 'math' is reimported multiple times" in r.results
