"""``serve --state-dir`` in real processes with real signals: nothing answered is lost to a SIGKILL, SIGTERM stops
promptly whatever the clients do, one server per directory, and clear one-line refusals at start."""

from __future__ import annotations

import json
import logging
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import client_can

from .conftest import RawHTTP, http_client

READY = "s3vectors-mock listening on http://127.0.0.1:"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3vectors:*", "Resource": "*"}],
    }
)


class Server:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])

    def client(self, region: str = "us-east-1", key: str = "test") -> Any:
        return http_client(self.url, region=region, aws_access_key_id=key)

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read()


def start(state_dir: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "s3vectors_mock", "serve", "--port", "0", "--state-dir", str(state_dir), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextmanager
def serving(state_dir: Path) -> Iterator[Server]:
    process = start(state_dir)
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(60):
                pytest.fail("the server printed no ready line")
        line = process.stdout.readline()
        assert line.startswith(READY), (line, process.stderr.read() if process.stderr else "")
        yield Server(process, line.strip().rsplit(" ", 1)[1])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def refused(state_dir: Path) -> tuple[int, str]:
    """Exit code and stderr of a server that must not start."""
    process = start(state_dir)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


# ---- what a client can see ---------------------------------------------------------------------------------------


def everything(server: Server) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for region, key in (("us-east-1", "test"), ("eu-west-1", "111122223333")):
        client = server.client(region, key)
        for bucket in client.list_vector_buckets()["vectorBuckets"]:
            name = bucket["vectorBucketName"]
            arn = bucket["vectorBucketArn"]
            entry: dict[str, Any] = {
                "get": client.get_vector_bucket(vectorBucketName=name)["vectorBucket"],
                "tags": client.list_tags_for_resource(resourceArn=arn)["tags"],
            }
            try:
                entry["policy"] = client.get_vector_bucket_policy(vectorBucketName=name)["policy"]
            except ClientError as error:
                entry["policy"] = error.response["Error"]["Code"]
            for index in client.list_indexes(vectorBucketName=name)["indexes"]:
                index_arn = index["indexArn"]
                listed: list[Any] = []
                token: dict[str, str] = {}
                while True:
                    page = client.list_vectors(indexArn=index_arn, returnData=True, returnMetadata=True, **token)
                    listed.extend(page["vectors"])
                    if "nextToken" not in page:
                        break
                    token = {"nextToken": page["nextToken"]}
                entry[index["indexName"]] = {
                    "get": client.get_index(indexArn=index_arn)["index"],
                    "tags": client.list_tags_for_resource(resourceArn=index_arn)["tags"],
                    "vectors": sorted(listed, key=lambda vector: vector["key"]),
                }
            seen[f"{region}/{name}"] = entry
    return seen


def write_a_lot(server: Server) -> int:
    """Many writes of every mutating operation the installed client can send, from several threads at once."""
    client = server.client()
    client.create_vector_bucket(vectorBucketName="doomed")
    client.delete_vector_bucket(vectorBucketName="doomed")
    other = server.client("eu-west-1", "111122223333")  # another account and region
    other.create_vector_bucket(vectorBucketName="elsewhere", tags={"who": "other"})
    for bucket in ("alpha", "beta"):
        client.create_vector_bucket(vectorBucketName=bucket, tags={"bucket": bucket})
        client.put_vector_bucket_policy(vectorBucketName=bucket, policy=POLICY)
    client.delete_vector_bucket_policy(vectorBucketName="beta")
    if client_can("PutVectorBucketDefaultIndexMode"):
        client.put_vector_bucket_default_index_mode(vectorBucketName="beta", defaultIndexMode="ENHANCED")
    for name in ("one", "two", "gone"):
        client.create_index(
            vectorBucketName="alpha",
            indexName=name,
            dataType="float32",
            dimension=8,
            distanceMetric="cosine",
            metadataConfiguration={"nonFilterableMetadataKeys": ["note"]},
        )
    client.delete_index(vectorBucketName="alpha", indexName="gone")
    arn = client.get_index(vectorBucketName="alpha", indexName="one")["index"]["indexArn"]
    client.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    client.untag_resource(resourceArn=arn, tagKeys=["a"])
    # The 2026 operations as raw JSON, which the server reads by today's model whatever the installed client knows.
    raw = RawHTTP(server.port)
    for path, body in (
        (
            "/UpdateMetadataConfiguration",
            {"indexArn": arn, "add": {"textSearchConfigurations": [{"metadataKey": "body"}]}},
        ),
        ("/UpdateIndexMode", {"indexArn": arn, "indexMode": "ENHANCED"}),
    ):
        answer = raw.request("POST", path, body, {"Content-Type": "application/json"})
        assert answer.status == 200, answer.body
    writes = 14
    failures: list[BaseException] = []

    def writer(worker: int) -> None:
        own = server.client()
        try:
            for batch in range(15):
                vectors = [
                    {
                        "key": f"w{worker}-{batch}-{i}",
                        "data": {"float32": [0.5 + worker, batch, i, 1e-3, -1, 2, 3, 4]},
                        "metadata": {"worker": worker, "note": "x" * i, "body": f"text {batch}"},
                    }
                    for i in range(20)
                ]
                own.put_vectors(vectorBucketName="alpha", indexName="one" if worker % 2 else "two", vectors=vectors)
                own.delete_vectors(
                    vectorBucketName="alpha", indexName="one" if worker % 2 else "two", keys=[f"w{worker}-{batch}-0"]
                )
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return writes + 4 * 15 * 2


def test_every_write_answered_before_a_sigkill_is_there_after_a_restart(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        assert write_a_lot(server) > 100
        before = everything(server)
        server.process.send_signal(signal.SIGKILL)  # no shutdown, no save: only the journal
        server.process.wait()
    assert len(before["us-east-1/alpha"]["one"]["vectors"]) == 2 * 15 * 19
    with serving(tmp_path) as server:
        assert everything(server) == before
        # ...and after a reset answered before another SIGKILL, nothing.
        assert RawHTTP(server.port).request("POST", "/_s3vectors-mock/reset").status == 200
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    with serving(tmp_path) as server:
        assert server.client().list_vector_buckets()["vectorBuckets"] == []


def stalled_connections(port: int, count: int) -> list[socket.socket]:
    """Connections that stopped in every place a request can stop: before the request line, inside the headers,
    and inside a body shorter than its Content-Length."""
    stalled = []
    for number in range(count):
        connection = socket.create_connection(("127.0.0.1", port))
        if number % 3 == 1:
            connection.sendall(b"PUT /CreateVectorBucket HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        elif number % 3 == 2:
            connection.sendall(
                b"POST /CreateVectorBucket HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"vectorBucketName"'
            )
        stalled.append(connection)
    return stalled


def test_sigterm_with_50_stalled_connections_exits_0_within_2_s_and_keeps_the_data(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        server.client().create_vector_bucket(vectorBucketName="before-sigterm")
        stalled = stalled_connections(server.port, 50)
        time.sleep(0.3)  # every connection accepted and its bytes read
        began = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(10)
        took = time.monotonic() - began
        stderr = server.stderr()
        for connection in stalled:
            connection.close()
    assert code == 0 and took < 2.0, (code, took, stderr)
    assert stderr == "s3vectors-mock: SIGTERM, stopping and saving\n"  # one short line, no traceback
    with serving(tmp_path) as server:
        names = [bucket["vectorBucketName"] for bucket in server.client().list_vector_buckets()["vectorBuckets"]]
        assert names == ["before-sigterm"]


def test_a_second_server_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    with serving(tmp_path) as first:
        first.client().create_vector_bucket(vectorBucketName="first-server")
        code, stderr = refused(tmp_path)
        assert code == 2
        assert stderr == (
            f"s3vectors-mock: state directory {tmp_path} is in use by another s3vectors-mock server "
            f"(pid {first.process.pid})\n"
        )
        assert [bucket["vectorBucketName"] for bucket in first.client().list_vector_buckets()["vectorBuckets"]] == [
            "first-server"
        ]
        first.process.send_signal(signal.SIGTERM)
        assert first.process.wait(10) == 0
    with serving(tmp_path) as server:  # the lock went with the first server
        assert len(server.client().list_vector_buckets()["vectorBuckets"]) == 1


def test_damaged_and_unwritable_directories_get_one_line_and_exit_2(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    with serving(damaged) as server:
        server.client().create_vector_bucket(vectorBucketName="will-be-damaged")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(10) == 0
    state = damaged / "state.json"
    state.write_bytes(state.read_bytes()[:40])
    content = state.read_bytes()
    code, stderr = refused(damaged)
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith(f"s3vectors-mock: cannot read {state}: ")
    assert state.read_bytes() == content  # nothing overwritten

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, stderr = refused(blocker / "state")
    assert code == 2 and stderr.startswith(f"s3vectors-mock: cannot create the state directory {blocker / 'state'}: ")
    assert stderr.count("\n") == 1


def server_tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records with a traceback from the server's side (uvicorn, the mock), not from the client (botocore)."""
    return [
        record
        for record in caplog.records
        if record.exc_info and record.name.startswith(("uvicorn", "s3vectors_mock", "asyncio"))
    ]


def test_stopping_a_server_in_process_closes_stalled_connections(caplog: pytest.LogCaptureFixture) -> None:
    from s3vectors_mock import S3VectorsMock

    handle = S3VectorsMock().serve()
    stalled = stalled_connections(handle.port, 12)
    time.sleep(0.2)
    began = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        handle.stop()
    took = time.monotonic() - began
    for connection in stalled:
        assert connection.recv(100) == b""  # closed, with no answer: the request never arrived whole
        connection.close()
    assert took < 2.0 and not handle.running
    assert not server_tracebacks(caplog), "no traceback (CancelledError) logged"


def test_stopping_abandons_a_request_still_running_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    from s3vectors_mock import S3VectorsMock

    mock = S3VectorsMock()
    handle = mock.serve()
    mock.inject_latency("ListVectorBuckets", 30)
    outcome: list[str] = []

    def call() -> None:
        try:
            http_client(handle.url).list_vector_buckets()
        except Exception as error:
            outcome.append(type(error).__name__)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.5)
    began = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        handle.stop()
    took = time.monotonic() - began
    caller.join(10)
    assert took < 2.5 and outcome and outcome[0] != "AssertionError"
    assert not server_tracebacks(caplog), "no CancelledError traceback"


def test_a_sigkill_in_the_middle_of_concurrent_writes_loses_none_that_were_answered(tmp_path: Path) -> None:
    answered: dict[int, list[int]] = {worker: [] for worker in range(3)}
    buckets: list[str] = []
    stop = threading.Event()
    with serving(tmp_path) as server:
        client = server.client()
        client.create_vector_bucket(vectorBucketName="under-fire")
        client.create_index(
            vectorBucketName="under-fire", indexName="idx", dataType="float32", dimension=16, distanceMetric="cosine"
        )

        def writer(worker: int) -> None:
            own = server.client()
            for batch in range(10_000):
                if stop.is_set():
                    return
                vectors = [
                    {"key": f"{worker}-{batch}-{i}", "data": {"float32": [1.0 + i] * 16}, "metadata": {"b": batch}}
                    for i in range(50)
                ]
                try:
                    own.put_vectors(vectorBucketName="under-fire", indexName="idx", vectors=vectors)
                except Exception:
                    return  # the server is gone: this batch was never answered
                answered[worker].append(batch)

        def creator() -> None:
            own = server.client()
            for number in range(10_000):
                if stop.is_set():
                    return
                try:
                    own.create_vector_bucket(vectorBucketName=f"bucket-{number:05d}")
                except Exception:
                    return
                buckets.append(f"bucket-{number:05d}")

        threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(3)]
        threads.append(threading.Thread(target=creator))
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        stop.set()
        for thread in threads:
            thread.join(30)
    assert all(answered.values()) and buckets, "every writer had writes answered before the kill"
    print(f"answered before the kill: {sum(map(len, answered.values()))} PutVectors, {len(buckets)} buckets")
    with serving(tmp_path) as server:
        client = server.client()
        keys: set[str] = set()
        token: dict[str, str] = {}
        while True:
            page = client.list_vectors(vectorBucketName="under-fire", indexName="idx", **token)
            keys.update(vector["key"] for vector in page["vectors"])
            if "nextToken" not in page:
                break
            token = {"nextToken": page["nextToken"]}
        for worker, batches in answered.items():
            for batch in batches:
                assert {f"{worker}-{batch}-{i}" for i in range(50)} <= keys, (worker, batch)
            # At most the one batch in flight at the kill is there without an answer, and never a part of one.
            present = {int(key.split("-")[1]) for key in keys if key.startswith(f"{worker}-")}
            assert present - set(batches) <= {len(batches)}
            for batch in present:
                assert {f"{worker}-{batch}-{i}" for i in range(50)} <= keys
        names: set[str] = set()
        token = {}
        while True:
            listed = client.list_vector_buckets(**token)
            names.update(bucket["vectorBucketName"] for bucket in listed["vectorBuckets"])
            if "nextToken" not in listed:
                break
            token = {"nextToken": listed["nextToken"]}
        assert set(buckets) <= names and len(names - set(buckets)) <= 2  # under-fire, and one in flight at most
