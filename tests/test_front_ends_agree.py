"""One answer for every front end: the same request, sent three ways to the same state, gets the same answer.

Hypothesis generates requests for every operation from the installed client's model (the fuzz's strategies, with
their numeric and string edges). Each is sent to one mock's state, restored to the same seeded snapshot before each
way: in-process through boto3, over HTTP through boto3 (``m.serve()`` + ``endpoint_url``), and over HTTP as raw JSON
(the request botocore would serialize, sent with ``http.client``). The answers (as botocore parses them), the errors
(code, message, status) and the state afterwards must be identical; a request botocore refuses to send must be
refused the same way by both boto3 clients.

The budget is fixed for CI (about 40 s on one core); for a longer run:
``S3VECTORS_MOCK_AGREE_EXAMPLES=300 ./dev test tests/test_front_ends_agree.py``.
"""

from __future__ import annotations

import http.client
import math
import os
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import OperationModel, StructureShape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.utils import percent_encode_sequence
from hypothesis import HealthCheck, given, settings

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._service_model import client_model, operation_names
from tests.test_fuzz import BUCKET_ARN, FLT_MAX, INDEX_ARN, python_name, seed, snapshot, strategy

pytest.importorskip("uvicorn")

EXAMPLES = int(os.environ.get("S3VECTORS_MOCK_AGREE_EXAMPLES", "80"))
REGION = "us-east-1"
# Answers that legitimately differ between two sends of one request: new resources' creation times, fresh tokens.
VARYING = frozenset({"nextToken"})


class World:
    """One mock, its server, and the three ways to reach it."""

    def __init__(self, mock: S3VectorsMock, url: str, port: int, validate: bool) -> None:
        config = Config(parameter_validation=validate, retries={"max_attempts": 1})
        self.mock = mock
        self.port = port
        self.in_process = boto3.client("s3vectors", region_name=REGION, config=config)
        self.over_http = boto3.client("s3vectors", region_name=REGION, config=config, endpoint_url=url)
        self.serializer = create_serializer("rest-json", include_validation=False)
        self.parser = create_parser("rest-json")
        seed(self.in_process)
        self.seeded = mock._service.snapshot()
        self.last_body = b""

    def restore(self) -> None:
        self.mock._service.restore(self.seeded)

    def raw(self, operation: OperationModel, params: dict[str, Any]) -> Any:
        """Send the request botocore would serialize with http.client; the answer as botocore parses it."""
        request = self.serializer.serialize_to_request(params, operation)
        path = request["url_path"]
        query = percent_encode_sequence(request["query_string"])
        if query:
            path += ("&" if "?" in path else "?") + query
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(request["method"], path, body=request["body"], headers=request["headers"])
            response = connection.getresponse()
            status, headers, body = response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()
        self.last_body = body
        lowered = {name.lower(): value for name, value in headers.items()}
        if status >= 300:
            parsed = self.parser.parse({"status_code": status, "headers": lowered, "body": body}, cast(Any, None))
            return ("error", parsed["Error"]["Code"], parsed["Error"]["Message"], status)
        shape = operation.output_shape
        parsed = self.parser.parse({"status_code": status, "headers": lowered, "body": body}, cast(Any, shape))
        return ("answer", normalized(parsed))


def normalized(value: Any) -> Any:
    """A comparable form: floats by repr (NaN equals NaN), times and tokens as markers, no response metadata."""
    if isinstance(value, dict):
        return {
            key: "<varies>" if key in VARYING else normalized(item)
            for key, item in value.items()
            if key != "ResponseMetadata"
        }
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, datetime):
        return "<time>"
    return value


def outcome(client: Any, operation: str, params: dict[str, Any]) -> Any:
    """What one boto3 call gives: its parsed answer, the service's error, or the exception botocore raised."""
    try:
        answer = getattr(client, python_name(operation))(**params)
    except ClientError as error:
        return (
            "error",
            error.response["Error"]["Code"],
            error.response["Error"]["Message"],
            error.response["ResponseMetadata"]["HTTPStatusCode"],
        )
    except Exception as refused:  # botocore's own refusal (validation, serialization): nothing was sent
        return ("refused", type(refused).__name__, str(refused))
    return ("answer", normalized(answer))


@pytest.fixture(scope="module", params=[True, False], ids=["client-validation", "no-client-validation"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with S3VectorsMock() as mock, mock.serve() as server:
        yield World(mock, server.url, server.port, validate=cast(bool, request.param))


Call = tuple[str, dict[str, Any]]


def agree(world: World, calls: list[Call]) -> list[Any]:
    """Send ``calls`` (in order, from the seeded state) each way; assert the three agree, and return the outcomes."""
    models = [client_model().operation_model(operation) for operation, _ in calls]
    world.restore()
    in_process = [outcome(world.in_process, operation, params) for operation, params in calls]
    state = snapshot(world.mock)
    world.restore()
    over_http = [outcome(world.over_http, operation, params) for operation, params in calls]
    assert over_http == in_process, "boto3 over HTTP and in-process disagree"
    assert snapshot(world.mock) == state, "the state differs after the same requests over HTTP"
    if any(result[0] == "refused" for result in in_process):
        return in_process  # botocore sends nothing: there is no raw request to send
    world.restore()
    raw = [world.raw(model, params) for model, (_, params) in zip(models, calls)]
    assert raw == in_process, "raw JSON over HTTP and in-process disagree"
    assert snapshot(world.mock) == state, "the state differs after the same raw requests"
    return in_process


@pytest.mark.parametrize("operation", sorted(operation_names(client_model())))
def test_every_front_end_gives_one_answer(world: World, operation: str) -> None:
    input_shape = cast(StructureShape, client_model().operation_model(operation).input_shape)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(params=strategy(input_shape))
    def run(params: dict[str, Any]) -> None:
        agree(world, [(operation, params)])

    run()


# ---- one regression per divergence of issue 17 (section C), each sent the three ways --------------------------------

FAR = {"vectorBucketName": "fuzz-bucket", "indexName": "far"}


def test_decimal_numbers_are_sent_as_botocore_sends_them(world: World) -> None:
    """C9: Decimals (what boto3's DynamoDB layer hands back) are valid for botocore and were refused in-process."""
    values = [Decimal("0.5"), Decimal("1"), Decimal("-2.25")]
    put, got, query = agree(
        world,
        [
            ("PutVectors", {"indexArn": INDEX_ARN, "vectors": [{"key": "d", "data": {"float32": values}}]}),
            ("GetVectors", {"indexArn": INDEX_ARN, "keys": ["d"], "returnData": True}),
            ("QueryVectors", {"indexArn": INDEX_ARN, "topK": 1, "queryVector": {"float32": values}}),
        ],
    )
    assert put[0] == "answer"
    assert got[1]["vectors"][0]["data"]["float32"] == ["0.5", "1.0", "-2.25"]
    assert query[1]["vectors"] == [{"key": "d"}]


def test_the_body_limit_counts_what_json_escapes(world: World) -> None:
    """C10: 4 MB of control characters are a 24 MB body (six bytes each), over the 20 MiB limit in every front end."""
    vectors = [
        {"key": f"k{i}", "data": {"float32": [1.0, 0.0, 0.0]}, "metadata": {"m": "\x01" * 8400}} for i in range(500)
    ]
    (put,) = agree(world, [("PutVectors", {"indexArn": INDEX_ARN, "vectors": vectors})])
    assert put[:4] == ("error", "ValidationException", "Request body exceeds max allowed size", 400)


def test_a_number_botocore_cannot_write_raises_its_own_error(world: World) -> None:
    """C11: a Python int of 10**400 in vector data: botocore raises OverflowError and sends nothing, mock or not."""
    vectors = [{"key": "big", "data": {"float32": [10**400, 0.0, 1.0]}}]
    (put,) = agree(world, [("PutVectors", {"indexArn": INDEX_ARN, "vectors": vectors})])
    assert put[:2] == ("refused", "OverflowError")


def test_an_empty_list_in_the_query_string_is_not_sent(world: World) -> None:
    """C12: UntagResource(tagKeys=[]) sends no tagKeys at all, so the required member is missing."""
    (untag,) = agree(world, [("UntagResource", {"resourceArn": BUCKET_ARN, "tagKeys": []})])
    assert untag[:2] == ("error", "ValidationException")
    assert "Value null at '/tagKeys'" in untag[2]


def test_integers_beyond_64_bits_read_as_doubles_in_every_front_end(world: World) -> None:
    """C13: one rule for every reader: exact inside [-2**63, 2**64), the nearest double outside (docs/fidelity.md)."""
    metadata = {"big": 2**64, "top": 2**64 - 1, "low": -(2**63), "below": -(2**63) - 1}
    _, got = agree(
        world,
        [
            (
                "PutVectors",
                {
                    "indexArn": INDEX_ARN,
                    "vectors": [{"key": "n", "data": {"float32": [1.0, 0.0, 0.0]}, "metadata": metadata}],
                },
            ),
            ("GetVectors", {"indexArn": INDEX_ARN, "keys": ["n"], "returnMetadata": True}),
        ],
    )
    assert got[1]["vectors"][0]["metadata"] == {
        "big": repr(float(2**64)),
        "top": 2**64 - 1,
        "low": -(2**63),
        "below": repr(float(-(2**63) - 1)),
    }


def test_an_overflowing_distance_is_finite_and_every_answer_strict_json(world: World) -> None:
    """C14: euclidean distances between vectors near FLT_MAX overflow float32: reported as its largest value."""
    calls: list[Call] = [
        ("CreateIndex", {**FAR, "dataType": "float32", "dimension": 2, "distanceMetric": "euclidean"}),
        (
            "PutVectors",
            {
                **FAR,
                "vectors": [
                    {"key": "a", "data": {"float32": [FLT_MAX, FLT_MAX]}},
                    {"key": "b", "data": {"float32": [1.0, 1.0]}},
                ],
            },
        ),
        ("QueryVectors", {**FAR, "topK": 2, "queryVector": {"float32": [-FLT_MAX, -FLT_MAX]}, "returnDistance": True}),
    ]
    *_, query = agree(world, calls)
    # Both overflow; b is nearer in exact arithmetic, and keeps its place.
    assert query[1]["vectors"] == [{"key": "b", "distance": repr(FLT_MAX)}, {"key": "a", "distance": repr(FLT_MAX)}]
    assert b"Infinity" not in world.last_body and b"NaN" not in world.last_body
