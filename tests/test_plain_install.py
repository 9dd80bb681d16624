"""Without the server extra (simulated by making its packages unimportable in a fresh interpreter), the CLI's help
works and every way of starting a server says how to install it, with no traceback."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

HINT = "pip install 's3vectors-mock[server]'"
WEB_STACK = ("orjson", "uvicorn", "httptools")

# Every entry point in one interpreter (a fresh one costs a second or two): the module's --help, serve --help,
# serve, and S3VectorsMock.serve().
EVERY_ENTRY_POINT = """
import runpy
from s3vectors_mock.server._cli import main
sys.argv = ["s3vectors-mock", "--help"]
try:
    runpy.run_module("s3vectors_mock", run_name="__main__")
except SystemExit as done:
    print("--help exit", done.code)
try:
    main(["serve", "--help"])
except SystemExit as done:
    print("serve --help exit", done.code)
print("serve returns", main(["serve", "--port", "0"]), flush=True)
import s3vectors_mock
try:
    s3vectors_mock.mock_s3vectors().serve()
except ImportError as error:
    print("m.serve() raises", type(error).__name__, error)
"""


def run_without(missing: str, code: str) -> subprocess.CompletedProcess[str]:
    # A None entry in sys.modules makes "import name" raise ImportError, as for a package never installed.
    prelude = f"import sys\nsys.modules[{missing!r}] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("missing", WEB_STACK)
def test_without_the_extra_help_works_and_serving_gives_the_install_hint(missing: str) -> None:
    result = run_without(missing, EVERY_ENTRY_POINT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("usage: s3vectors-mock") == 2
    assert "--help exit 0" in out and "serve --help exit 0" in out
    assert "serve returns 2" in out
    assert result.stderr == f"s3vectors-mock: the s3vectors-mock server needs its web stack: {HINT}\n"
    assert f"m.serve() raises ImportError the s3vectors-mock server needs its web stack: {HINT}" in out


def test_serve_with_a_state_dir_without_the_extra_touches_nothing(tmp_path: pathlib.Path) -> None:
    state = tmp_path / "state"
    code = (
        f"from s3vectors_mock.server._cli import main\nraise SystemExit(main(['serve', '--state-dir', {str(state)!r}]))"
    )
    result = run_without("orjson", code)
    assert result.returncode == 2 and HINT in result.stderr and not state.exists()
