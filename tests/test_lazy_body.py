"""The body botocore does not format for in-process answers: nothing a user can observe may change."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from s3vectors_mock import S3VectorsMock, mock_s3vectors
from s3vectors_mock._lazy_body import (
    MAX_FLOAT_CHARACTERS,
    BulkParamValidator,
    DeferredBody,
    WireRequest,
    _size,
    owned,
)
from s3vectors_mock._service_model import operation_model
from tests.helpers import error_of, make_index

if TYPE_CHECKING:
    from types_boto3_s3vectors.type_defs import PutInputVectorTypeDef

EVENTS = ("provide-client-params", "before-parameter-build", "before-call", "after-call")
RECORDS: list[PutInputVectorTypeDef] = [{"key": "a", "data": {"float32": [0.5, 0.25, 1.0]}, "metadata": {"lang": "en"}}]


def _recorded_events(client: Any) -> list[str]:
    seen: list[str] = []
    for event in EVENTS:
        client.meta.events.register(f"{event}.s3vectors.PutVectors", lambda event_name, **_: seen.append(event_name))
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)
    return seen


def test_events_fire_in_the_same_order(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    assert _recorded_events(client) == [f"{event}.s3vectors.PutVectors" for event in EVENTS]


def test_validation_errors_are_botocores_own(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    bad: dict[str, Any] = {
        "vectorBucketName": "test-bucket",
        "indexName": "test-index",
        "vectors": [{"key": "", "data": {}}],
    }
    with pytest.raises(ParamValidationError) as mocked:
        client.put_vectors(**bad)
    mock.stop()
    try:
        plain = boto3.client("s3vectors", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
        with pytest.raises(ParamValidationError) as unmocked:
            plain.put_vectors(**bad)
    finally:
        mock.start()
    assert str(mocked.value) == str(unmocked.value)


def test_user_handlers_can_still_read_the_real_body(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    bodies: list[bytes] = []

    def read_body(params: dict[str, Any], **_: Any) -> None:
        bodies.append(params["body"])

    client.meta.events.register("before-call.s3vectors.PutVectors", read_body)
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)
    # The bytes botocore would send, as without the mock (issue 17 C17): not a private deferred object.
    assert type(bodies[0]) is bytes
    assert json.loads(bodies[0]) == {"vectorBucketName": "test-bucket", "indexName": "test-index", "vectors": RECORDS}


def test_without_client_validation_the_real_serializer_runs(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1", config=Config(parameter_validation=False))
    bodies: list[Any] = []
    client.meta.events.register("before-call.s3vectors.PutVectors", lambda params, **_: bodies.append(params["body"]))
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)
    assert not isinstance(bodies[0], DeferredBody)
    assert json.loads(bodies[0])["vectors"] == RECORDS


def test_stubber_still_answers(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response("put_vectors", {}, {"vectorBucketName": "bbb", "indexName": "iii", "vectors": RECORDS})
        client.put_vectors(vectorBucketName="bbb", indexName="iii", vectors=RECORDS)
        stubber.assert_no_pending_responses()
    assert mock.calls == []


def test_a_fault_injected_after_the_body_was_skipped_is_still_sent_and_retried(index: str, mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1", config=Config(retries={"mode": "standard"}))
    injected: list[bool] = []

    def inject_once(**_: Any) -> None:
        if not injected:
            injected.append(True)
            mock.inject_error("PutVectors", "ServiceUnavailableException")

    client.meta.events.register("before-call.s3vectors.PutVectors", inject_once)
    response = client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c.error_code for c in mock.calls if c.operation == "PutVectors"] == ["ServiceUnavailableException", None]


def test_a_body_just_under_the_limit_is_measured_exactly_and_accepted() -> None:
    with mock_s3vectors():
        client = boto3.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="test-bucket")
        make_index(client, name="wide", dimension=4096)
        # The cheap bound (26 bytes a float) says 53 MB; the real body of short floats is about 11 MB.
        vectors: list[PutInputVectorTypeDef] = [{"key": f"k{i}", "data": {"float32": [0.5] * 4096}} for i in range(500)]
        client.put_vectors(vectorBucketName="test-bucket", indexName="wide", vectors=vectors)
        assert len(client.list_vectors(vectorBucketName="test-bucket", indexName="wide")["vectors"]) == 500


def test_a_body_over_the_limit_is_refused(client: Any, index: str) -> None:
    make_index(client, name="wide", dimension=4096)
    vectors: list[PutInputVectorTypeDef] = [
        {"key": f"k{i}", "data": {"float32": [0.123456789] * 4096}} for i in range(500)
    ]
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.put_vectors(vectorBucketName="test-bucket", indexName="wide", vectors=vectors)
    assert error_of(excinfo)[1] == "Request body exceeds max allowed size"


@pytest.mark.parametrize(
    "lists",
    [
        [[1e-320, -3.4e38, 0.1], [], [float("nan"), float("inf"), -float("inf")]],
        [[float(i) / 7 for i in range(100)]],
        [[-1.7976931348623157e308] * 3, [5e-324]],
    ],
)
def test_the_size_bound_is_never_below_the_real_size_and_exact_near_the_limit(lists: list[list[float]]) -> None:
    placeholder = b'{"vectors": [' + b", ".join(b'{"data": {"float32": []}}' for _ in lists) + b"]}"
    # What botocore writes: finite floats as JSON numbers, NaN and the infinities as strings.
    written = [
        [value if value == value and abs(value) != float("inf") else str(value) for value in values] for values in lists
    ]
    text = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
    real = json.dumps(
        {
            "vectors": [
                {"data": {"float32": [text.get(v, v) if isinstance(v, str) else v for v in values]}}
                for values in written
            ]
        }
    ).encode()
    assert len(real) <= _size(placeholder, lists) <= len(real) + MAX_FLOAT_CHARACTERS * sum(map(len, lists))
    padding = b" " * (20 * 1024 * 1024 - len(placeholder))  # a body near the limit is measured exactly
    assert _size(placeholder + padding, lists) == len(real) + len(padding)


def test_the_call_log_keeps_what_was_sent_not_the_callers_objects(mock: S3VectorsMock, index: str) -> None:
    """C6: a batching loop that reuses its list (``batch.clear()`` after each put) leaves every logged call intact."""
    client = boto3.client("s3vectors", region_name="us-east-1")
    batch: list[PutInputVectorTypeDef] = []
    for start in (0, 2):
        for i in range(start, start + 2):
            batch.append({"key": f"k{i}", "data": {"float32": [0.5, 0.25, float(i)]}, "metadata": {"tags": ["x"]}})
        client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=batch)
        cast(Any, batch[0]["data"]["float32"])[0] = 9.0  # mutate what was sent, deep down, then reuse the list
        cast(Any, batch[0]["metadata"])["tags"].append("y")
        batch.clear()
    logged = [call.params["vectors"] for call in mock.calls if call.operation == "PutVectors"]
    assert [[record["key"] for record in vectors] for vectors in logged] == [["k0", "k1"], ["k2", "k3"]]
    assert logged[0][0] == {"key": "k0", "data": {"float32": [0.5, 0.25, 0.0]}, "metadata": {"tags": ["x"]}}


def test_the_call_log_holds_parameters_as_sent(mock: S3VectorsMock, index: str) -> None:
    """What botocore puts on the wire: Decimals as the floats it writes, an empty tagKeys not at all."""
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.query_vectors(
        vectorBucketName="test-bucket",
        indexName="test-index",
        topK=1,
        queryVector=cast(Any, {"float32": [Decimal("0.5"), 1, 2.5]}),
    )
    with pytest.raises(client.exceptions.ValidationException):
        client.untag_resource(resourceArn=index, tagKeys=[])
    query, untag = mock.calls[-2:]
    assert query.params["queryVector"] == {"float32": [0.5, 1, 2.5]}
    assert untag.params == {"resourceArn": index} and untag.error_code == "ValidationException"


def test_a_before_parameter_build_handler_registered_after_the_first_call_is_honoured(
    mock: S3VectorsMock, index: str
) -> None:
    """C17: the mock answers from what botocore serializes, after every before-parameter-build handler ran."""
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)

    def rename(params: dict[str, Any], **_: Any) -> None:
        params["vectors"] = [{**record, "key": "renamed"} for record in params["vectors"]]

    client.meta.events.register("before-parameter-build.s3vectors.PutVectors", rename)
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)
    keys = {v["key"] for v in client.list_vectors(vectorBucketName="test-bucket", indexName="test-index")["vectors"]}
    assert keys == {"a", "renamed"}


def test_a_user_handler_that_changes_the_body_is_answered_from_that_body(mock: S3VectorsMock, index: str) -> None:
    """What the request dict carries is what is answered, as the server answers what arrives."""
    client = boto3.client("s3vectors", region_name="us-east-1")

    def retarget(params: dict[str, Any], **_: Any) -> None:
        document = json.loads(params["body"])
        document["vectors"][0]["key"] = "from-the-body"
        params["body"] = json.dumps(document).encode()

    client.meta.events.register("before-call.s3vectors.PutVectors", retarget)
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=RECORDS)
    assert client.get_vectors(vectorBucketName="test-bucket", indexName="test-index", keys=["from-the-body"])["vectors"]


def test_tuples_are_sent_as_the_lists_botocore_writes(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1")
    vectors = ({"key": "t", "data": {"float32": (0.5, 0.25, 1.0)}},)
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=cast(Any, vectors))
    assert mock.calls[-1].params["vectors"] == [{"key": "t", "data": {"float32": [0.5, 0.25, 1.0]}}]
    got = client.get_vectors(vectorBucketName="test-bucket", indexName="test-index", keys=["t"], returnData=True)
    assert got["vectors"][0]["data"]["float32"] == [0.5, 0.25, 1.0]


class _Float(float):
    pass


@pytest.mark.parametrize(
    "values",
    [
        [0.5, 0.25, float("nan"), float("inf")],
        (0.5, 0.25),
        [],
        [0.5, 1],
        [0.5, True],
        [0.5, Decimal("0.1")],
        [0.5, _Float(0.25)],
        [0.5, "0.25", None, [1.0]],
        ["x"],
        "not a list",
        None,
        [0.5] * 5000,
    ],
    ids=repr,
)
def test_the_bulk_validator_reports_what_botocores_reports(values: Any) -> None:
    shape = operation_model("PutVectors").input_shape
    assert shape is not None
    records = [
        {"key": "a", "data": {"float32": values}},
        {"key": "b", "data": {"float32": [0.5, 0.75]}, "metadata": {"m": [1.5, "x"]}},
    ]
    for params in ({"indexArn": "arn", "vectors": records}, {"indexArn": "arn", "vectors": [{"key": ""}]}):
        bulk = BulkParamValidator()
        expected = ParamValidator().validate(params, shape).generate_report()
        assert bulk.validate(params, shape).generate_report() == expected
    # Only lists of plain floats are taken as proven (the placeholder path skips formatting those alone).
    proven = list(bulk.plain_float_lists.values())
    assert all(type(item) is float for values in proven for item in values)


def test_lists_proven_plain_skip_the_type_pass(mock: S3VectorsMock, index: str) -> None:
    # The same lists as a parameter of a validated call: their values reach the service as sent.
    client = boto3.client("s3vectors", region_name="us-east-1")
    records: Any = [{"key": f"k{i}", "data": {"float32": [0.5 + i, 0.25, 1.0]}} for i in range(3)]
    records.append({"key": "d", "data": {"float32": [Decimal("0.5"), 1, 2.5]}})
    client.put_vectors(vectorBucketName="test-bucket", indexName="test-index", vectors=records)
    logged = mock.calls[-1].params["vectors"]
    assert [record["data"]["float32"] for record in logged] == [[0.5 + i, 0.25, 1.0] for i in range(3)] + [
        [0.5, 1, 2.5]
    ]
    assert all(logged[i]["data"]["float32"] is not records[i]["data"]["float32"] for i in range(4))


def test_a_request_kept_beyond_the_call_owns_its_lists() -> None:
    # A PutVectors record's list reaches the service as the caller's own; parked for the send stage (a fault
    # injected after the call was decided), the request keeps copies instead.
    mine = [0.5, 0.25]
    other = [1.0, 2.0]  # a list the reader made: kept as it is
    params: dict[str, Any] = {
        "vectors": [{"key": "a", "data": {"float32": mine}}, {"key": "b", "data": {"float32": other}}]
    }
    kept = owned(WireRequest(params, None, 10, plain_lists=(mine,)))
    assert kept["vectors"][0]["data"]["float32"] == mine and kept["vectors"][0]["data"]["float32"] is not mine
    assert kept["vectors"][1]["data"]["float32"] is other
    assert owned(WireRequest(params, None, 10)) is params
