"""An adversarial pass on the server: malformed framing, huge headers, absurd query strings, wrong content lengths,
pipelined requests (also half-closed, and with a malformed one among them), slow and stalled clients, and
concurrent writers whose outcome must be some serial order of the answered calls.

Every request gets the service's answer or its error format (or, when it is incomplete, none), and the server
keeps serving.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from s3vectors_mock import S3VectorsMock
from s3vectors_mock.server import _protocol, _runner

from .conftest import http_client

SIGNED = b"Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3vectors/aws4_request, Signature=0\r\n"


@pytest.fixture(params=["default-loop", "asyncio-loop"])
def port(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A server on the loop server mode picks (uvloop where installed), or on asyncio's own: they deliver a
    client's half-close differently."""
    if request.param == "asyncio-loop":
        monkeypatch.setattr(_runner, "new_event_loop", asyncio.new_event_loop)
    with S3VectorsMock() as mock, mock.serve() as server:
        yield server.port
        assert exchange(server.port, get(b"/_s3vectors-mock/health"))[0].status == 200, "the server survived"


def post(path: bytes, body: bytes = b"{}", extra: bytes = b"") -> bytes:
    head = b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + SIGNED + extra
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def get(path: bytes) -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def complete_answers(data: bytes) -> tuple[list[Answer], bytes]:
    """The complete HTTP responses at the start of ``data``, in order (each with a content-length, as the server
    always sends one), and what follows them."""
    answers: list[Answer] = []
    while True:
        head, separator, rest = data.partition(b"\r\n\r\n")
        if not separator:
            return answers, data
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers["content-length"])
        if len(rest) < length:
            return answers, data
        answers.append(Answer(int(status_line.split()[1]), headers, rest[:length]))
        data = rest[length:]


def parse_answers(data: bytes) -> list[Answer]:
    answers, rest = complete_answers(data)
    assert not rest, f"a partial response: {rest[:200]!r}"
    return answers


def exchange(
    port: int, data: bytes, *, half_close: bool = True, wait: float = 5.0, expect: int | None = None
) -> list[Answer]:
    """Send ``data`` on a new connection and read every answer until the server closes it, ``expect`` answers came,
    or ``wait`` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if expect is not None and len(complete_answers(received)[0]) >= expect:
                    break
        except TimeoutError:
            pass
    return parse_answers(received)


def read_answers(sock: socket.socket, count: int) -> list[Answer]:
    """Read from an open connection until ``count`` complete answers came."""
    received = b""
    while len(complete_answers(received)[0]) < count:
        chunk = sock.recv(65536)
        assert chunk, "closed before the answers came"
        received += chunk
    return parse_answers(received)


def is_malformed_http(answer: Answer) -> bool:
    return (answer.status, answer.headers.get("x-amzn-errortype"), answer.body) == (
        400,
        "SerializationException",
        b'{"message":"Invalid HTTP request received."}',
    )


# ---- framing --------------------------------------------------------------------------------------------------------

MALFORMED = {
    "an HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "an unknown method": b"FOO /ListVectorBuckets HTTP/1.1\r\nHost: x\r\n\r\n",
    "a lower-case method": b"post /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    "bare LF line ends": b"POST /ListVectorBuckets HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}",
    "content-length and chunked": (
        b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n"
    ),
    "two content-lengths": b"POST /ListVectorBuckets HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} ",
    "a negative content-length": b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    "a 23-digit content-length": b"POST /ListVectorBuckets HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    "a NUL in a header": b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\x00y\r\nContent-Length: 2\r\n\r\n{}",
    "a header without a colon": b"POST /ListVectorBuckets HTTP/1.1\r\nHost x\r\nContent-Length: 2\r\n\r\n{}",
    "a folded header": b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\n folded\r\nContent-Length: 2\r\n\r\n{}",
    "raw non-UTF-8 bytes in the path": b"GET /tags/\xc3\x28\xa0\xa1 HTTP/1.1\r\nHost: x\r\n\r\n",
    "a chunk size beyond 64 bits": (
        b"POST /ListVectorBuckets HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n{}"
    ),
    "a gzip transfer-encoding": b"POST /ListVectorBuckets HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n{}",
    "a 70,000-byte query string": post(b"/ListVectorBuckets?" + b"a" * 70_000),
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_framing_gets_the_service_error_and_a_close(port: int, request_bytes: bytes) -> None:
    answers = exchange(port, request_bytes, half_close=False)
    assert len(answers) == 1 and is_malformed_http(answers[0]), answers
    assert answers[0].headers["connection"] == "close"


def test_huge_headers_and_odd_query_strings_are_read(port: int) -> None:
    for extra in (b"X-Big: " + b"a" * 100_000 + b"\r\n", b"".join(b"X-H%d: v\r\n" % n for n in range(10_000))):
        (answer,) = exchange(port, post(b"/ListVectorBuckets", extra=extra))
        assert (answer.status, answer.body) == (200, b'{"vectorBuckets":[]}')
    (answer,) = exchange(port, post(b"/ListVectorBuckets?a=%&b=%zz&%ff=%fe&" + b"c=d&" * 10_000))
    assert answer.status == 200
    (answer,) = exchange(port, get(b"/tags/arn%3Aaws%FF"))  # a label that does not decode: the service's own error
    assert (answer.status, answer.headers["x-amzn-errortype"], answer.body) == (
        400,
        "SerializationException",
        b'{"message":"UnknownError"}',
    )


def test_a_content_length_shorter_than_the_body(port: int) -> None:
    # The rest of the body is read as the next request: both get an answer, in order.
    answers = exchange(port, b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n{}")
    assert [answer.status for answer in answers] == [400, 400]
    assert answers[0].body.startswith(b'{"message":"The request body is not valid JSON')
    assert is_malformed_http(answers[1])


def test_a_content_length_longer_than_the_body_is_never_answered(port: int) -> None:
    incomplete = b"POST /CreateVectorBucket HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}"
    assert exchange(port, incomplete) == []  # the client hung up: closed without an answer
    assert exchange(port, incomplete, half_close=False, wait=0.3) == []  # still waiting for the body
    assert exchange(port, post(b"/ListVectorBuckets"))[0].status == 200


def test_a_chunked_body_cut_short_is_never_answered(port: int) -> None:
    cut = b'POST /CreateVectorBucket HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{"vector'
    assert exchange(port, cut) == []
    assert exchange(port, cut, half_close=False, wait=0.3) == []


# ---- pipelining -----------------------------------------------------------------------------------------------------


def bucket_names(answer: Answer) -> list[str]:
    return [bucket["vectorBucketName"] for bucket in json.loads(answer.body)["vectorBuckets"]]


@pytest.mark.parametrize("half_close", [False, True], ids=["open", "half-closed"])
def test_pipelined_requests_are_all_answered_in_order(port: int, half_close: bool) -> None:
    pipelined = (
        post(b"/CreateVectorBucket", b'{"vectorBucketName": "piped"}')
        + post(b"/ListVectorBuckets")
        + post(b"/DeleteVectorBucket", b'{"vectorBucketName": "piped"}')
        + post(b"/ListVectorBuckets")
    )
    # Open, the connection stays up after the answers (keep-alive): read until the last expected one.
    answers = exchange(port, pipelined, half_close=half_close, expect=None if half_close else 4)
    assert [answer.status for answer in answers] == [200, 200, 200, 200]
    assert (bucket_names(answers[1]), bucket_names(answers[3])) == (["piped"], [])
    answers = exchange(port, post(b"/ListVectorBuckets") * 50, half_close=half_close, expect=None if half_close else 50)
    assert [answer.status for answer in answers] == [200] * 50


@pytest.mark.parametrize("half_close", [False, True], ids=["open", "half-closed"])
def test_a_malformed_request_after_a_write_is_refused_after_the_writes_answer(port: int, half_close: bool) -> None:
    # The write ran: its answer must not be lost behind the 400 (uvicorn sent the 400 first and closed).
    write = post(b"/CreateVectorBucket", b'{"vectorBucketName": "written"}')
    answers = exchange(port, write + b"GARBAGE\r\n\r\n" + post(b"/ListVectorBuckets"), half_close=half_close)
    assert [answer.status for answer in answers] == [200, 400]
    assert answers[0].body.startswith(b'{"vectorBucketArn":') and is_malformed_http(answers[1])
    bad_chunk = b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"
    answers = exchange(port, post(b"/ListVectorBuckets") + bad_chunk, half_close=half_close)
    assert [answer.status for answer in answers] == [200, 400]
    assert bucket_names(answers[0]) == ["written"] and is_malformed_http(answers[1])


def test_a_half_closed_pipeline_ending_in_an_incomplete_request(port: int) -> None:
    incomplete = b"POST /CreateVectorBucket HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
    answers = exchange(port, post(b"/ListVectorBuckets") + incomplete)
    assert [answer.status for answer in answers] == [200]  # then closed: the incomplete one has nobody to answer


# ---- slow clients ---------------------------------------------------------------------------------------------------


def test_a_byte_at_a_time_client_and_fifty_stalled_ones_do_not_hold_up_others(port: int) -> None:
    stalled = []
    try:
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b'POST /CreateVectorBucket HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"vec')
            stalled.append(sock)
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)  # an idle keep-alive connection
        stalled.append(idle)
        client = http_client(f"http://127.0.0.1:{port}")
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            for byte in post(b"/CreateVectorBucket", b'{"vectorBucketName": "slowly"}'):
                slow.sendall(bytes([byte]))
                if byte == ord("{"):  # meanwhile, another client is answered at once
                    assert client.list_vector_buckets()["vectorBuckets"] == []
            answer = read_answers(slow, 1)
        assert answer[0].status == 200
        for n in range(20):
            client.create_vector_bucket(vectorBucketName=f"quick-{n}")
        assert time.monotonic() - started < 15  # seconds, under load; never stuck behind the stalled clients
        assert len(client.list_vector_buckets()["vectorBuckets"]) == 21
    finally:
        for sock in stalled:
            sock.close()


# ---- concurrent writers ---------------------------------------------------------------------------------------------

THREADS, OPERATIONS, KEYS = 6, 40, [f"k{n}" for n in range(6)]


@dataclass
class Write:
    name: str  # "<thread>-<n>": the metadata value a put stores
    kind: str  # "put" or "delete"
    keys: tuple[str, ...]
    start: float
    end: float


def writer(url: str, index_arn: str, thread: int, writes: list[Write], failures: list[BaseException]) -> None:
    # Thread 0 calls in-process (answered by the same mock, under the same lock): the front ends mix.
    client: Any = boto3.client("s3vectors", region_name="us-east-1") if thread == 0 else http_client(url)
    chooser = random.Random(thread)
    try:
        for n in range(OPERATIONS):
            keys = tuple(chooser.sample(KEYS, chooser.randint(1, 3)))
            name = f"{thread}-{n}"
            start = time.perf_counter()
            if chooser.random() < 0.7:
                records = [
                    {"key": key, "data": {"float32": [thread + 1.0, n + 1.0]}, "metadata": {"w": name}} for key in keys
                ]
                client.put_vectors(indexArn=index_arn, vectors=records)
                kind = "put"
            else:
                client.delete_vectors(indexArn=index_arn, keys=list(keys))
                kind = "delete"
            writes.append(Write(name, kind, keys, start, time.perf_counter()))
    except BaseException as failure:  # reported by the test
        failures.append(failure)


def has_cycle(edges: dict[str, set[str]], nodes: list[str]) -> bool:
    incoming = {node: 0 for node in nodes}
    for targets in edges.values():
        for target in targets:
            incoming[target] += 1
    ready = [node for node, count in incoming.items() if count == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for target in edges.get(node, ()):
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return seen != len(nodes)


def test_concurrent_writers_end_in_a_serial_order_of_their_answered_calls() -> None:
    with S3VectorsMock() as mock, mock.serve() as server:
        client = http_client(server.url)
        client.create_vector_bucket(vectorBucketName="race")
        index_arn = client.create_index(
            vectorBucketName="race", indexName="keys", dataType="float32", dimension=2, distanceMetric="euclidean"
        )["indexArn"]
        writes: list[Write] = []
        failures: list[BaseException] = []
        threads = [
            threading.Thread(target=writer, args=(server.url, index_arn, n, writes, failures)) for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(writes) == THREADS * OPERATIONS
        listed = client.list_vectors(indexArn=index_arn, returnMetadata=True, returnData=True)["vectors"]
        logged = [call for call in mock.calls if call.operation in ("PutVectors", "DeleteVectors")]  # both fronts
        assert len(logged) == len(writes) and all(call.succeeded for call in logged)
    final = {vector["key"]: vector["metadata"]["w"] for vector in listed}
    by_name = {write.name: write for write in writes}
    for vector in listed:  # each record whole: the vector and the metadata of one put
        number, n = map(int, final[vector["key"]].split("-"))
        assert vector["data"]["float32"] == [number + 1.0, n + 1.0]
    # A serial order exists that respects real time (a call answered before another was sent comes first) and ends
    # with each key's final record: the put that wrote it comes after every other write of that key.
    edges: dict[str, set[str]] = {write.name: set() for write in writes}
    for first, second in itertools.permutations(writes, 2):
        if first.end < second.start:
            edges[first.name].add(second.name)
    for key in KEYS:
        touching = [write for write in writes if key in write.keys]
        if key in final:
            winner = by_name[final[key]]
            assert winner.kind == "put" and key in winner.keys
            edges.update({write.name: edges[write.name] | {winner.name} for write in touching if write is not winner})
        else:  # absent: the last write of the key was a delete, which no later-started put of the key can follow
            assert not touching or any(
                write.kind == "delete"
                and not any(other.kind == "put" and other.start > write.end for other in touching)
                for write in touching
            ), key
    assert not has_cycle(edges, list(edges)), "no serial order of the answered calls gives this state"


def test_a_keep_alive_connection_closed_while_idle_is_replaced_without_a_retry() -> None:
    # The server closes idle keep-alive connections (uvicorn: after 5 s; shortened here, read per connection). A
    # client pooling its connections notices and opens a new one: no failed call, even with retries off.
    with S3VectorsMock() as mock, mock.serve() as server:
        server._server.config.timeout_keep_alive = 1
        client = http_client(server.url)
        for pause in (0.0, 1.5, 0.0, 1.5):
            time.sleep(pause)
            assert client.list_vector_buckets()["vectorBuckets"] == []
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as idle:
            started = time.monotonic()
            assert idle.recv(1) == b"", "a connection that never sends a byte is closed when idle too"
            assert 0.5 < time.monotonic() - started < 4


def test_an_upgrade_request_is_answered_as_plain_http(port: int, caplog: pytest.LogCaptureFixture) -> None:
    # With the websockets package installed uvicorn took it for a WebSocket: a plain-text 500 and an error logged.
    upgrade = b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    (answer,) = exchange(port, b"GET /ListVectorBuckets HTTP/1.1\r\nHost: x\r\n" + upgrade + b"\r\n")
    assert (answer.status, answer.headers["x-amzn-errortype"]) == (405, "MethodNotAllowedException")
    (answer,) = exchange(port, b"GET /_s3vectors-mock/health HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
    assert answer.status == 200
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]


def test_a_request_that_stops_arriving_is_dropped_and_a_slow_one_is_not(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_protocol, "REQUEST_IDLE_SECONDS", 0.5)  # read when a connection's clock is set
    with socket.create_connection(("127.0.0.1", port), timeout=5) as stalled:
        stalled.sendall(b"POST /CreateVectorBucket HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        started = time.monotonic()
        assert stalled.recv(1) == b"", "closed, unanswered"
        assert 0.4 < time.monotonic() - started < 4
    with socket.create_connection(("127.0.0.1", port), timeout=5) as headers_only:
        headers_only.sendall(b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\n")
        assert headers_only.recv(1) == b""
    request = post(b"/CreateVectorBucket", b'{"vectorBucketName": "patient"}')
    with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
        for start in range(0, len(request), len(request) // 5 + 1):  # the whole request over about a second
            slow.sendall(request[start : start + len(request) // 5 + 1])
            time.sleep(0.2)
        assert read_answers(slow, 1)[0].status == 200
