"""Fuzzing the server with mutated requests: valid requests with bytes flipped, cut, inserted or repeated, sent on
a connection the client then half-closes, alone or after an intact request (pipelined).

Whatever arrives, the intact request is answered first, every answer is complete HTTP in the service's format
(JSON; an error has its type header and a message), none is a 500, the server closes the connection once nothing
is owed (it never hangs), it logs no error, and it keeps serving. A long run:
``S3VECTORS_MOCK_RAW_FUZZ_EXAMPLES=20000``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3vectors_mock import S3VectorsMock
from s3vectors_mock.server import _runner

from .test_adversarial import SIGNED, complete_answers, post

EXAMPLES = int(os.environ.get("S3VECTORS_MOCK_RAW_FUZZ_EXAMPLES", "150"))
ARN = "arn:aws:s3vectors:us-east-1:123456789012:bucket/fuzz/index/idx"
TEMPLATES = [
    post(b"/CreateVectorBucket", b'{"vectorBucketName": "fuzz-bucket"}'),
    post(b"/ListVectorBuckets", b'{"maxResults": 2}'),
    post(
        b"/PutVectors",
        b'{"indexArn": "%s", "vectors": [{"key": "k", "data": {"float32": [1, 2]}, '
        b'"metadata": {"genre": ["a", "b"], "year": 2020}}]}' % ARN.encode(),
    ),
    post(
        b"/QueryVectors",
        b'{"indexArn": "%s", "topK": 3, "queryVector": {"float32": [1, 0]}, '
        b'"filter": {"year": {"$gte": 2000}}, "returnMetadata": true}' % ARN.encode(),
    ),
    post(b"/TagResource", b'{"resourceArn": "%s", "tags": {"a": "b"}}' % ARN.encode()),
    b"DELETE /tags/arn%3Aaws%3As3vectors%3Aus-east-1%3A123456789012%3Abucket%2Ffuzz?tagKeys=a&tagKeys=b HTTP/1.1\r\n"
    b"Host: x\r\n" + SIGNED + b"\r\n",
    b"GET /tags/arn%3Aaws%3As3vectors%3Aus-east-1%3A123456789012%3Abucket%2Ffuzz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /ListIndexes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'10\r\n{"vectorBucketNa\r\na\r\nme": "fuzz\r\n2\r\n"}\r\n0\r\n\r\n',
]


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module", params=["default-loop", "asyncio-loop"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[int, ErrorLog]]:
    errors = ErrorLog()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "s3vectors_mock", "asyncio")]
    for logger in loggers:
        logger.addHandler(errors)
    try:
        with pytest.MonkeyPatch.context() as patch:
            if request.param == "asyncio-loop":
                patch.setattr(_runner, "new_event_loop", asyncio.new_event_loop)
            with S3VectorsMock() as mock, mock.serve() as server:
                yield server.port, errors
    finally:
        for logger in loggers:
            logger.removeHandler(errors)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "repeat"]))
        if kind == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[position : position + draw(st.integers(1, 20))]
        elif kind == "insert":
            data[position:position] = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=8),
                    st.sampled_from([b"\r\n", b"\r\n\r\n", b"%", b"%FF", b'"', b"\\", b"\x00", b"{", b"]", b"1e999"]),
                )
            )
        elif kind == "truncate":
            del data[position:]
        else:
            end = position + draw(st.integers(1, 40))
            data[position:position] = data[position:end]
    return bytes(data)


def exchange_until_closed(port: int, data: bytes) -> tuple[bytes, bool]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received, False
        except ConnectionResetError:
            return received, True
    return received, True


def check_answer(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status != 500 and 200 <= status < 600, status
    assert headers["content-type"] == "application/json"
    document: Any = json.loads(body)
    assert isinstance(document, dict)
    if status >= 400:
        assert headers["x-amzn-errortype"] and isinstance(document.get("message"), str)


@st.composite
def pipelined(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A mutated request, now and then after an intact one on the same connection (pipelined)."""
    first = draw(st.one_of(st.just(b""), st.sampled_from(TEMPLATES)))
    return first, draw(mutated())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests=pipelined())
def test_mutated_requests_get_service_answers_and_never_hang(
    served: tuple[int, ErrorLog], requests: tuple[bytes, bytes]
) -> None:
    port, errors = served
    intact, mutant = requests
    received, closed = exchange_until_closed(port, intact + mutant)
    assert closed, "the server kept a half-closed connection open with nothing owed"
    answers, rest = complete_answers(received)
    assert not rest, f"a partial answer: {rest[:200]!r}"
    for answer in answers:
        check_answer(answer.status, answer.headers, answer.body)
    if intact:  # the intact request is answered first, whatever follows it
        assert answers and answers[0].body != b'{"message":"Invalid HTTP request received."}', answers[:1]
    assert not errors.records, [record.getMessage() for record in errors.records]


def test_the_templates_are_whole_valid_requests() -> None:
    # A broken template would make "the intact request is answered first" meaningless.
    import httptools  # type: ignore[import-untyped,unused-ignore]

    class Counter:
        complete = 0

        def on_message_complete(self) -> None:
            self.complete += 1

    for template in TEMPLATES:
        counter = Counter()
        httptools.HttpRequestParser(counter).feed_data(template)
        assert counter.complete == 1, template
