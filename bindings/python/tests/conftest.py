import os

import pytest

import scl_lib.api as api
from scl_lib.api import _native


@pytest.fixture(scope="session")
def svc():
    return api.API()


def needs(symbol):
    """Skips a test when the loaded libscl does not export 'symbol' (an older library)."""
    return pytest.mark.skipif(
        not _native.has(symbol),
        reason=f"{symbol} is not exported by libscl at {_native.library_path()}")


@pytest.fixture
def write(tmp_path):
    def write_file(name, text):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        return str(p)
    return write_file


@pytest.fixture(scope="session")
def scl_bin():
    return os.environ.get("SCL_BIN")
