"""The AWS SDK for JavaScript v3 (``@aws-sdk/client-s3vectors``) against the server, through node.

The SDK, pinned in ``js/package.json``, is installed once into a cache directory (``$S3VECTORS_MOCK_NPM_CACHE``,
default ``~/.cache/s3vectors-mock-npm``; ``.ci/run`` installs it before pytest). Without node or npm, or when the
install fails outside CI, the test skips and says why; in CI (``CI=true``) a missing SDK fails it instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).parent / "js"
SDK = "@aws-sdk/client-s3vectors"


def npm_prefix() -> Path:
    default = Path.home() / ".cache" / "s3vectors-mock-npm"
    return Path(os.environ.get("S3VECTORS_MOCK_NPM_CACHE") or default)


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the JavaScript SDK test must run in CI: {reason}")
    pytest.skip(reason)


def installed_version(prefix: Path) -> str | None:
    manifest = prefix / "node_modules" / SDK / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


def installed_sdk() -> Path:
    """The npm prefix holding the pinned JavaScript SDK (js/package.json), installed there on first use."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        unavailable("node and npm are needed for the JavaScript SDK test")
    prefix = npm_prefix()
    pinned = json.loads((JS / "package.json").read_text())["dependencies"][SDK]
    if installed_version(prefix) != pinned:
        prefix.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(JS / "package.json", prefix / "package.json")
        result = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or installed_version(prefix) != pinned:
            unavailable(f"npm could not install {SDK}@{pinned}: {result.stderr.strip()[-500:]}")
    return prefix


def test_the_javascript_sdk(s3vectors_server: Any) -> None:
    prefix = installed_sdk()
    # ES modules resolve packages from the script's own directory, so the script runs from the npm prefix.
    script = prefix / "smoke.mjs"
    shutil.copyfile(JS / "smoke.mjs", script)
    result = subprocess.run(["node", str(script), s3vectors_server.url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "bucketArn": "arn:aws:s3vectors:eu-central-1:123456789012:bucket/js-bucket",
        "indexArn": "arn:aws:s3vectors:eu-central-1:123456789012:bucket/js-bucket/index/js-index",
        "keys": ["en-1", "en-2"],
        "metadata": {"lang": "en", "year": 2024},
        "distance": 0,
        "distanceMetric": "cosine",
        "conflict": {
            "name": "ConflictException",
            "instance": True,
            "message": "A vector bucket with the specified name already exists",
            "status": 409,
        },
    }
    assert [call.operation for call in s3vectors_server.mock.calls][-1] == "CreateVectorBucket"
