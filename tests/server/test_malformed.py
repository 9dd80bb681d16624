"""What no SDK sends: every malformed request gets an answer in the service's error format, and the server stays
up for the next one."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from .conftest import RawHTTP

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3vectors/aws4_request, Signature=0"}


@pytest.fixture(autouse=True)
def server_survives(raw: RawHTTP) -> Any:
    yield
    assert raw.request("GET", "/_s3vectors-mock/health").status == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"vectorBucketName": ', "The request body is not valid JSON: "),
        ('{"topK": 1,}', "The request body is not valid JSON: "),
        ("[]", "The request body must be a JSON object, not list"),
        ("null", "The request body must be a JSON object, not NoneType"),
    ],
)
def test_unreadable_json(raw: RawHTTP, body: str, message: str, s3vectors_server: Any) -> None:
    answer = raw.request("POST", "/ListVectorBuckets", body, SIGNED)
    assert (answer.status, answer.error_type) == (400, "SerializationException")
    assert answer.json["message"].startswith(message)
    assert answer.headers["content-type"] == "application/json" and answer.headers["x-amzn-requestid"]
    assert s3vectors_server.mock.calls[-1].error_code == "SerializationException"


def test_a_lone_surrogate_is_the_services_unknown_error(raw: RawHTTP) -> None:
    answer = raw.request("POST", "/CreateVectorBucket", b'{"vectorBucketName": "a\\ud800b"}')
    assert (answer.status, answer.error_type, answer.json) == (
        400,
        "SerializationException",
        {"message": "UnknownError"},
    )


def test_unknown_path_and_wrong_method(raw: RawHTTP) -> None:
    unknown = raw.request("POST", "/DescribeEverything", "{}")
    assert (unknown.status, unknown.error_type) == (404, "UnknownOperationException")
    assert unknown.json == {"message": "No Amazon S3 Vectors operation at POST /DescribeEverything"}
    wrong = raw.request("GET", "/CreateIndex")
    assert (wrong.status, wrong.error_type) == (405, "MethodNotAllowedException")
    assert wrong.json == {"message": "GET is not allowed on /CreateIndex; this path takes POST (CreateIndex)"}


def test_missing_required_members_and_wrong_types(raw: RawHTTP) -> None:
    missing = raw.request("POST", "/CreateIndex", {"vectorBucketName": "b"})
    assert (missing.status, missing.error_type) == (400, "ValidationException")
    paths = {item["path"] for item in missing.json["fieldList"]}
    assert {"/indexName", "/dataType", "/dimension", "/distanceMetric"} <= paths
    wrong_type = raw.request("POST", "/ListVectorBuckets", {"maxResults": "ten"})
    assert (wrong_type.status, wrong_type.error_type) == (400, "ValidationException")
    assert wrong_type.json["fieldList"] == [
        {
            "path": "/maxResults",
            "message": "Value at '/maxResults' failed to satisfy constraint: Member must be an integer",
        }
    ]


def test_a_body_over_20_mib_is_refused_and_the_connection_stays_usable(s3vectors_server: Any) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", s3vectors_server.port, timeout=30)
    huge = b'{"vectorBucketName": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    connection.request("POST", "/CreateVectorBucket", body=huge)
    response = connection.getresponse()
    assert (response.status, response.getheader("x-amzn-errortype")) == (400, "ValidationException")
    assert json.loads(response.read()) == {"message": "Request body exceeds max allowed size"}
    connection.request("POST", "/ListVectorBuckets", body=b"{}")  # same keep-alive connection
    assert connection.getresponse().status == 200
    connection.close()


def test_a_chunked_body_over_20_mib_is_refused_too(s3vectors_server: Any) -> None:
    chunk = b"x" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", s3vectors_server.port), timeout=30) as sock:
        sock.sendall(b"POST /CreateVectorBucket HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(21):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer (and stop reading) before the client is done sending
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Request body exceeds max allowed size" in answer


def test_exactly_20_mib_is_accepted_as_a_size(raw: RawHTTP) -> None:
    prefix, suffix = b'{"vectorBucketName": "b', b'"}'
    body = prefix + b"y" * (20 * 1024 * 1024 - len(prefix) - len(suffix)) + suffix
    answer = raw.request("POST", "/CreateVectorBucket", body)
    # Past the size check, the name is too long: the next rule speaks.
    assert answer.status == 400 and "Request body" not in answer.json["message"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT-HTTP\r\n\r\n",
        b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
    ],
)
def test_malformed_http_gets_a_service_style_answer(s3vectors_server: Any, request_bytes: bytes) -> None:
    with socket.create_connection(("127.0.0.1", s3vectors_server.port), timeout=10) as sock:
        sock.sendall(request_bytes)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-amzn-errortype: SerializationException" in head
    assert body == b'{"message":"Invalid HTTP request received."}'


def test_a_client_that_hangs_up_mid_body_leaves_the_server_serving(s3vectors_server: Any) -> None:
    with socket.create_connection(("127.0.0.1", s3vectors_server.port), timeout=10) as sock:
        sock.sendall(b"POST /ListVectorBuckets HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
