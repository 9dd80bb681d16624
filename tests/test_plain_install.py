"""Without the server extra (simulated by making its packages unimportable in a fresh interpreter), the CLI's help
works and every way of starting a server says how to install it, with no traceback."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

HINT = "pip install 's3vectors-mock[server]'"
WEB_STACK = ("orjson", "uvicorn", "httptools")


def run_without(missing: str, code: str) -> subprocess.CompletedProcess[str]:
    # A None entry in sys.modules makes "import name" raise ImportError, as for a package never installed.
    prelude = f"import sys\nsys.modules[{missing!r}] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60)


def run_cli_without(missing: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = (
        f"import runpy\nsys.argv = ['s3vectors-mock', *{list(args)!r}]\n"
        "runpy.run_module('s3vectors_mock', run_name='__main__')\n"
    )
    return run_without(missing, code)


@pytest.mark.parametrize("missing", WEB_STACK)
def test_help_needs_no_web_stack(missing: str) -> None:
    for args in (["--help"], ["serve", "--help"]):
        result = run_cli_without(missing, *args)
        assert result.returncode == 0, result.stderr
        assert "usage: s3vectors-mock" in result.stdout and result.stderr == ""


@pytest.mark.parametrize("missing", WEB_STACK)
def test_serve_without_the_extra_gives_the_install_hint(missing: str) -> None:
    result = run_cli_without(missing, "serve", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == f"s3vectors-mock: the s3vectors-mock server needs its web stack: {HINT}"
    assert result.stdout == ""


@pytest.mark.parametrize("missing", WEB_STACK)
def test_mock_serve_without_the_extra_raises_the_install_hint(missing: str) -> None:
    code = (
        "import s3vectors_mock\n"
        "try:\n"
        "    s3vectors_mock.mock_s3vectors().serve()\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    result = run_without(missing, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ImportError ") and HINT in result.stdout


def test_serve_with_a_state_dir_without_the_extra_touches_nothing(tmp_path: pathlib.Path) -> None:
    state = tmp_path / "state"
    result = run_cli_without("orjson", "serve", "--port", "0", "--state-dir", str(state))
    assert result.returncode == 2 and HINT in result.stderr and not state.exists()
