"""``python -m s3vectors_mock serve`` and the ``s3vectors-mock`` script in real processes: the ready line, clients
over HTTP, options, and a clean exit (code 0) on SIGTERM and SIGINT."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import RawHTTP, http_client

READY = "s3vectors-mock listening on http://127.0.0.1:"


class ServerProcess:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(30)


def ready_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            pytest.fail("the server printed no ready line")
    return process.stdout.readline()


@contextmanager
def serving(*args: str, command: list[str] | None = None) -> Iterator[ServerProcess]:
    command = command or [sys.executable, "-m", "s3vectors_mock"]
    process = subprocess.Popen([*command, "serve", "--port", "0", *args], stdout=subprocess.PIPE, text=True)
    try:
        line = ready_line(process)
        assert line.startswith(READY) and line.endswith("\n"), line
        yield ServerProcess(process, line.strip().rsplit(" ", 1)[1])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_in_a_subprocess_then_sigterm_exits_0() -> None:
    with serving("--account-id", "999988887777") as server:
        client = http_client(server.url, region="eu-north-1")
        arn = client.create_vector_bucket(vectorBucketName="from-a-process")["vectorBucketArn"]
        assert arn == "arn:aws:s3vectors:eu-north-1:999988887777:bucket/from-a-process"
        client.create_index(
            vectorBucketName="from-a-process",
            indexName="i-1",
            dataType="float32",
            dimension=2,
            distanceMetric="euclidean",
        )
        client.put_vectors(
            vectorBucketName="from-a-process", indexName="i-1", vectors=[{"key": "k", "data": {"float32": [3, 4]}}]
        )
        hit = client.query_vectors(
            vectorBucketName="from-a-process",
            indexName="i-1",
            topK=1,
            queryVector={"float32": [0, 0]},
            returnDistance=True,
        )["vectors"][0]
        assert hit == {"key": "k", "distance": 25.0}  # squared L2, as the service answers
        assert RawHTTP(server.port).request("GET", "/_s3vectors-mock/health").status == 200
        assert server.stop(signal.SIGTERM) == 0
        assert server.process.stdout is not None and server.process.stdout.read() == ""  # one line, nothing else


def test_the_console_script_and_sigint() -> None:
    script = shutil.which("s3vectors-mock", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the s3vectors-mock script is not installed in this environment")
    with serving(command=[script]) as server:
        assert http_client(server.url).list_vector_buckets()["vectorBuckets"] == []
        assert server.stop(signal.SIGINT) == 0


def test_invalid_options_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "s3vectors_mock", "serve", "--account-id", "12"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "account_id must be 12 digits" in result.stderr and result.stdout == ""


def test_state_survives_a_restart_with_state_dir(tmp_path: Path) -> None:
    pytest.importorskip("s3vectors_mock._persistence")
    state = tmp_path / "state"
    with serving("--state-dir", str(state)) as server:
        client = http_client(server.url)
        client.create_vector_bucket(vectorBucketName="kept")
        client.create_index(
            vectorBucketName="kept", indexName="kept-index", dataType="float32", dimension=2, distanceMetric="cosine"
        )
        client.put_vectors(
            vectorBucketName="kept", indexName="kept-index", vectors=[{"key": "v", "data": {"float32": [1, 2]}}]
        )
        assert server.stop() == 0
    with serving("--state-dir", str(state)) as server:
        client = http_client(server.url)
        got = client.get_vectors(vectorBucketName="kept", indexName="kept-index", keys=["v"], returnData=True)
        assert got["vectors"] == [{"key": "v", "data": {"float32": [1.0, 2.0]}}]
        assert server.stop() == 0


def test_the_web_stack_is_not_imported_in_process() -> None:
    code = (
        "import sys, s3vectors_mock, s3vectors_mock.pytest_plugin\n"
        "web = ('uvicorn', 'httptools', 'uvloop', 'orjson', 's3vectors_mock.server')\n"
        "print(sorted(name for name in sys.modules if name.startswith(web)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
