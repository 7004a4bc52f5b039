"""validate_code: success, failures in err_message (never an exception)."""
import scl_lib.api as api

CODE = '''
schema Person:
    name: str
    age: int
    check:
        age >= 0, "age must not be negative"
'''


def test_valid_json(svc):
    r = svc.validate_code(api.ValidateCodeArgs(code=CODE, data='{"name": "alice", "age": 18}'))
    assert r.success and r.err_message == ""


def test_wrong_type(svc):
    r = svc.validate_code(api.ValidateCodeArgs(code=CODE, data='{"name": 10, "age": 18}'))
    assert not r.success
    assert "str" in r.err_message and "10" in r.err_message


def test_check_fails(svc):
    r = svc.validate_code(api.ValidateCodeArgs(code=CODE, data='{"name": "bob", "age": -1}'))
    assert not r.success
    assert "age must not be negative" in r.err_message


def test_yaml_and_schema_choice(svc):
    code = CODE + "schema Other:\n    x: int\n"
    ok = svc.validate_code(api.ValidateCodeArgs(code=code, data="x: 1\n", format="yaml",
                                                schema="Other"))
    assert ok.success, ok.err_message
    bad = svc.validate_code(api.ValidateCodeArgs(code=code, data="x: 1\n", format="yaml"))
    assert not bad.success  # the first schema (Person) is used


def test_yaml_without_format_is_json(svc):
    r = svc.validate_code(api.ValidateCodeArgs(code=CODE, data="name: a\nage: 1\n"))
    assert not r.success and "Failed to Load JSON" in r.err_message


def test_files_and_attribute_name(svc, write):
    code = write("code.k", "assert value >= 1, \"too small\"\n")
    good = write("good.json", "3")
    bad = write("bad.json", "0")
    r = svc.validate_code(api.ValidateCodeArgs(file=code, datafile=good, attribute_name="value"))
    assert r.success, r.err_message
    r = svc.validate_code(api.ValidateCodeArgs(file=code, datafile=bad, attribute_name="value"))
    assert not r.success and "too small" in r.err_message


def test_no_code(svc):
    r = svc.validate_code(api.ValidateCodeArgs(data="{}"))
    assert not r.success
    assert "Cannot find the kcl file" in r.err_message
