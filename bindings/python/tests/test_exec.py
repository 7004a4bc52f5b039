"""exec_program: results, arguments, and KCL's error split (spec tools.md §6)."""
import json

import pytest

import scl_lib.api as api
from conftest import needs

APP = '''
schema App:
    name: str
    replicas: int = 1
    labels: {str:str} = {}
    check:
        replicas >= 1, "an app needs at least one replica"

app = App {name = "web", replicas = 2, labels.tier = "front"}
ports = [80, 443]
'''


def test_yaml_and_json_result(svc, write):
    f = write("main.k", APP)
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert r.err_message == ""
    assert r.yaml_result == ("app:\n  name: web\n  replicas: 2\n  labels:\n    tier: front\n"
                             "ports:\n- 80\n- 443")
    assert r.json_result == ('{"app": {"name": "web", "replicas": 2, "labels": {"tier": "front"}}, '
                             '"ports": [80, 443]}')
    assert json.loads(r.json_result)["app"]["replicas"] == 2


def test_code_list_and_work_dir(svc, tmp_path):
    r = svc.exec_program(api.ExecProgramArgs(work_dir=str(tmp_path), k_filename_list=["a.k"],
                                             k_code_list=["a = 1\nb = a + 1\n"]))
    assert r.yaml_result == "a: 1\nb: 2"
    assert not (tmp_path / "a.k").exists()


def test_flags(svc, write):
    f = write("f.k", "b = None\na = 1\n_hidden = 2\n")
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f], sort_keys=True))
    assert r.yaml_result == "a: 1\nb: null"
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f], disable_none=True))
    assert r.yaml_result == "a: 1"
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f], path_selector=["a"]))
    assert r.yaml_result == "1"
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f], disable_yaml_result=True))
    assert r.yaml_result == "" and json.loads(r.json_result) == {"b": None, "a": 1}


def test_arguments_like_D(svc, write):
    f = write("opt.k", 'name = option("name")\ncount = option("count") + 1\n'
                       'cfg = option("cfg")\nflag = option("flag", default=False)\n')
    r = svc.exec_program(api.ExecProgramArgs(
        k_filename_list=[f],
        args=[api.Argument(name="name", value="alice"), api.Argument(name="count", value="41"),
              api.Argument(name="cfg", value='{"k": [1, 2]}'),
              api.Argument(name="flag", value="True")]))
    assert r.err_message == ""
    assert r.yaml_result == "name: alice\ncount: 42\ncfg:\n  k:\n  - 1\n  - 2\nflag: true"


def test_overrides(svc, write):
    f = write("o.k", "config = {image = \"a:1\", replicas = 1}\n")
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f],
                                             overrides=["config.image=\"b:2\""]))
    assert r.yaml_result == "config:\n  image: b:2\n  replicas: 1"


def test_external_pkgs(svc, write, tmp_path):
    write("lib/kcl.mod", '[package]\nname = "lib"\nversion = "0.1.0"\n')
    write("lib/main.k", "answer = 42\n")
    f = write("app/main.k", "import lib\nv = lib.answer\n")
    r = svc.exec_program(api.ExecProgramArgs(
        k_filename_list=[f],
        external_pkgs=[api.ExternalPkg(pkg_name="lib", pkg_path=str(tmp_path / "lib"))]))
    assert r.err_message == ""
    assert r.yaml_result == "v: 42"


def test_print_goes_to_log_message(svc, write):
    f = write("p.k", 'print("hello")\nprint("a", 1)\nx = 1\n')
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert r.log_message == "hello\na 1\n"
    assert r.yaml_result == "x: 1"


def test_syntax_error_raises(svc, write):
    f = write("bad.k", "a = \nb = [1, 2\n")
    with pytest.raises(Exception) as e:
        svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert "error[E1001]" in str(e.value)
    assert "bad.k:1:" in str(e.value)


def test_type_error_raises(svc, write):
    f = write("t.k", 'schema A:\n    x: int\na = A {x = "s"}\n')
    with pytest.raises(Exception) as e:
        svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert "t.k:3" in str(e.value)


def test_missing_file_raises(svc, tmp_path):
    missing = str(tmp_path / "nope.k")
    with pytest.raises(Exception) as e:
        svc.exec_program(api.ExecProgramArgs(k_filename_list=[missing]))
    assert "Cannot find the kcl file, please check the file path " + missing in str(e.value)


def test_no_input_raises(svc):
    with pytest.raises(Exception, match="No input KCL files or paths"):
        svc.exec_program(api.ExecProgramArgs())


def test_directory_with_code_raises(svc, tmp_path):
    with pytest.raises(Exception, match="Invalid code list for the path"):
        svc.exec_program(api.ExecProgramArgs(k_filename_list=[str(tmp_path)],
                                             k_code_list=["a = 1"]))


def test_runtime_error_in_err_message(svc, write):
    f = write("rt.k", 'print("before")\na = 1\nassert a == 2, "a must be 2"\n')
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert "a must be 2" in r.err_message
    assert "rt.k:3" in r.err_message
    assert r.yaml_result == "" and r.json_result == ""


def test_check_failure_in_err_message(svc, write):
    f = write("c.k", APP.replace("replicas = 2", "replicas = 0"))
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert "an app needs at least one replica" in r.err_message


def test_call_by_service_name(svc, write):
    f = write("n.k", "x = 3\n")
    r = svc.call("KclService.ExecProgram", api.ExecProgramArgs(k_filename_list=[f]))
    assert r.yaml_result == "x: 3"
    with pytest.raises(Exception, match="unknown method"):
        svc.call("KclService.NoSuchThing", api.ExecProgramArgs())


def test_api_instances_are_independent(write):
    f = write("i.k", 'v = option("v")\n')
    a, b = api.API(), api.API()
    ra = a.exec_program(api.ExecProgramArgs(k_filename_list=[f], args=[api.Argument("v", "1")]))
    rb = b.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert ra.yaml_result == "v: 1" and rb.yaml_result == "v: null"


@needs("scl_lint")
def test_compile_only(svc, write):
    ok = write("ok.k", 'a = 1\nassert a == 2, "not checked at compile time"\n')
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[ok], compile_only=True))
    assert r.err_message == "" and r.yaml_result == ""
    bad = write("bad_type.k", 'schema A:\n    x: int\na = A {x = "s"}\n')
    with pytest.raises(Exception) as e:
        svc.exec_program(api.ExecProgramArgs(k_filename_list=[bad], compile_only=True))
    assert "bad_type.k:3" in str(e.value)
    syntax = write("bad_syntax.k", "a = [\n")
    with pytest.raises(Exception):
        svc.exec_program(api.ExecProgramArgs(k_filename_list=[syntax], compile_only=True))


def test_several_documents(svc, write):
    f = write("stream.k", "import manifests\n"
                          "manifests.yaml_stream([{a = 1, b = [1, 2]}, {c = \"x\"}])\n")
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[f]))
    assert r.err_message == ""
    assert r.yaml_result == "a: 1\nb:\n- 1\n- 2\n---\nc: x"
    assert r.json_result == '{"a": 1, "b": [1, 2]}\n{"c": "x"}'
    g = write("list.k", "items = [{name = \"a\"}, {name = \"b\"}]\n")
    r = svc.exec_program(api.ExecProgramArgs(k_filename_list=[g], path_selector=["items"]))
    assert r.yaml_result == "name: a\n---\nname: b"
    assert r.json_result == '{"name": "a"}\n{"name": "b"}'
