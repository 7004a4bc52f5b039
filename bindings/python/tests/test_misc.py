"""get_version and update_dependencies (the scl-mod helper, with a local dependency)."""
import os
import subprocess

import pytest

import scl_lib.api as api


def test_get_version(svc, scl_bin):
    v = svc.get_version()
    parts = v.version.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)
    assert v.version in v.version_info
    if scl_bin:
        out = subprocess.run([scl_bin, "--version"], capture_output=True, text=True).stdout
        assert out.splitlines()[0] == f"scl {v.version}"
    assert svc.call("KclService.GetVersion").version == v.version


def test_update_dependencies_local(svc, write, tmp_path, monkeypatch):
    monkeypatch.setenv("KCL_PKG_PATH", str(tmp_path / "home"))
    write("dep/kcl.mod", '[package]\nname = "dep"\nversion = "0.2.0"\n')
    write("dep/main.k", "answer = 42\n")
    write("app/kcl.mod", '[package]\nname = "app"\nversion = "0.0.1"\n\n'
                         '[dependencies]\ndep = { path = "../dep" }\n')
    main = write("app/main.k", "import dep\nv = dep.answer\n")
    r = svc.update_dependencies(api.UpdateDependenciesArgs(manifest_path=str(tmp_path / "app")))
    assert [p.pkg_name for p in r.external_pkgs] == ["dep"]
    assert os.path.realpath(r.external_pkgs[0].pkg_path) == os.path.realpath(tmp_path / "dep")
    out = svc.exec_program(api.ExecProgramArgs(k_filename_list=[main],
                                               external_pkgs=r.external_pkgs))
    assert out.yaml_result == "v: 42"
    assert (tmp_path / "app" / "kcl.mod.lock").exists()


def test_update_dependencies_without_kcl_mod(svc, tmp_path):
    with pytest.raises(Exception, match="kcl.mod"):
        svc.update_dependencies(api.UpdateDependenciesArgs(manifest_path=str(tmp_path)))


def test_update_dependencies_bad_dependency(svc, write, tmp_path, monkeypatch):
    monkeypatch.setenv("KCL_PKG_PATH", str(tmp_path / "home"))
    write("app/kcl.mod", '[package]\nname = "app"\nversion = "0.0.1"\n\n'
                         '[dependencies]\ngone = { path = "../gone" }\n')
    with pytest.raises(Exception):
        svc.update_dependencies(api.UpdateDependenciesArgs(manifest_path=str(tmp_path / "app")))
