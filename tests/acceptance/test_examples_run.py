"""Whole flows: the README's quickstart runs as a newcomer would run it, in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_example(name: str) -> str:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)], capture_output=True, text=True, timeout=120, env=environment
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart() -> None:
    output = run_example("quickstart.py")
    assert "distance metric: cosine" in output
    assert output.splitlines()[1].startswith("casablanca")
    assert "as on AWS: ConflictException: A vector bucket with the specified name already exists" in output


def test_typed_client_example() -> None:
    assert run_example("typed_client.py").strip() == "['x'] 4"
