"""The call log's records: when each call was logged, whose it was, and whether its outcome was an injected fault."""

from __future__ import annotations

import contextlib
import time
from typing import Any, cast

import boto3
import numpy as np
import pytest
from botocore.config import Config

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._calls import CallLog, CallRecord


def test_records_are_stamped_when_logged_unless_they_carry_a_time() -> None:
    log = CallLog()
    before = time.time()
    log.append(CallRecord("ListVectorBuckets", {}, "us-east-1"))
    log.append(CallRecord("ListVectorBuckets", {}, "us-east-1", time=12.5))
    stamped, kept = log.snapshot()
    assert stamped.time is not None and before <= stamped.time <= time.time()
    assert kept.time == 12.5
    # The first four fields still build a record, positionally, as before.
    assert CallRecord("GetIndex", {}, "eu-west-1", "NotFoundException")[:4] == (
        "GetIndex",
        {},
        "eu-west-1",
        "NotFoundException",
    )


def test_in_process_calls_carry_the_callers_account(mock: S3VectorsMock, client: Any) -> None:
    client.list_vector_buckets()
    other = boto3.client(
        "s3vectors",
        region_name="eu-west-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="test",
    )
    other.list_vector_buckets()
    first, second = mock.calls
    assert (first.account, first.region, first.injected) == (mock.account_id, "us-east-1", False)
    assert (second.account, second.region) == ("111122223333", "eu-west-1")


def test_injected_faults_are_marked(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1", config=Config(retries={"max_attempts": 0}))
    mock.inject_error("ListVectorBuckets", "ServiceUnavailableException")
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        client.list_vector_buckets()
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_vector_bucket(vectorBucketName="missing")
    injected, refused = mock.calls
    assert (injected.error_code, injected.injected) == ("ServiceUnavailableException", True)
    assert (refused.error_code, refused.injected) == ("NotFoundException", False)


def _put(key: str, values: int) -> CallRecord:
    return CallRecord("PutVectors", {"vectors": [{"key": key, "data": {"float32": [0.5] * values}}]}, "us-east-1")


def test_the_log_keeps_the_newest_calls_within_its_count_and_weight(monkeypatch: pytest.MonkeyPatch) -> None:
    from s3vectors_mock import _calls

    monkeypatch.setattr(_calls, "MAX_RECORDS", 5)
    monkeypatch.setattr(_calls, "FULL_VECTOR_VALUES", 300)
    log = CallLog(max_weight=1_000)
    for number in range(8):
        log.append(CallRecord("GetIndex", {"indexArn": str(number)}, "us-east-1"))
    assert [record.params["indexArn"] for record in log.snapshot()] == ["3", "4", "5", "6", "7"]
    for number in range(4):  # each weighs 200 values + one record (100): three fit in 1,000 with nothing else
        log.append(_put(f"k{number}", 200))
    kept = log.snapshot()
    assert [record.params["vectors"][0]["key"] for record in kept] == ["k1", "k2", "k3"]
    # Only the newest full lists are kept as lists; the older ones are compact copies of the same values.
    assert [type(record.params["vectors"][0]["data"]["float32"]).__name__ for record in kept] == [
        "array",
        "array",
        "list",
    ]
    assert all(list(record.params["vectors"][0]["data"]["float32"]) == [0.5] * 200 for record in kept)
    log.append(_put("huge", 5_000))  # heavier than the whole budget: kept alone, as the newest call
    assert [record.params["vectors"][0]["key"] for record in log.snapshot()] == ["huge"]
    log.append(CallRecord("GetIndex", {}, "us-east-1"))
    assert [record.operation for record in log.snapshot()] == ["GetIndex"]
    log.clear()
    assert log.snapshot() == [] and log._weight == 0 and log._full_values == 0


def _records(values: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"key": f"k{position}", "data": {"float32": row}} for position, row in enumerate(values)]


def _logged(mock: S3VectorsMock) -> list[Any]:
    return [record["data"]["float32"] for record in mock.calls[-1].params["vectors"]]


def test_the_log_keeps_the_values_sent_never_the_callers_lists(mock: S3VectorsMock, client: Any, index: str) -> None:
    # Lists of plain floats reach the service as the caller's own; the log keeps the doubles read and makes its own
    # lists of them when read: the same floats, bit for bit (-0.0, NaN), whatever the caller does to its lists later.
    for rows in ([[0.1, -0.0, 1e-45], [5e-324, 3e38, 2.0]], [[0.1, float("nan"), 2.0], [-0.0, 3.5e38, 1.0]]):
        sent = [list(row) for row in rows]
        # The second is refused (NaN), and logged all the same.
        with contextlib.suppress(client.exceptions.ValidationException):
            client.put_vectors(indexArn=index, vectors=cast(Any, _records(sent)))
        for row in sent:
            row[0] = 99.0
        assert mock._service.calls._held  # held as doubles until read
        logged = _logged(mock)
        assert all(type(values) is list and all(type(value) is float for value in values) for values in logged)
        assert np.array(logged).tobytes() == np.array(rows).tobytes()
        assert all(values is not row for values, row in zip(logged, sent))
        assert _logged(mock)[0] is logged[0]  # made once: every read sees the same objects


def test_the_log_copies_lists_it_did_not_read(mock: S3VectorsMock, client: Any, index: str) -> None:
    # Rows of different lengths are not read as one block (the service refuses them): the log copies them.
    sent = [[0.5, 0.25, 0.125], [0.5, 0.25]]
    with pytest.raises(client.exceptions.ValidationException):
        client.put_vectors(indexArn=index, vectors=cast(Any, _records(sent)))
    logged = _logged(mock)
    assert logged == sent and all(values is not row for values, row in zip(logged, sent))
    # A query vector is copied too.
    query = [0.5, 0.25, 0.125]
    client.query_vectors(indexArn=index, queryVector={"float32": query}, topK=1)
    assert mock.calls[-1].params["queryVector"]["float32"] == query
    assert mock.calls[-1].params["queryVector"]["float32"] is not query


def test_a_call_answered_on_the_send_stage_logs_copies(mock: S3VectorsMock, index: str) -> None:
    client = boto3.client("s3vectors", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    mock.inject_error("PutVectors", "ServiceUnavailableException", times=1)
    sent = [[0.5, 0.25, 0.125], [1.5, 0.25, 0.5]]
    client.put_vectors(indexArn=index, vectors=cast(Any, _records(sent)))  # the retry succeeds
    failed, succeeded = mock.calls[-2:]
    assert failed.injected and succeeded.succeeded
    for call in (failed, succeeded):
        logged = [record["data"]["float32"] for record in call.params["vectors"]]
        assert logged == sent and all(values is not row for values, row in zip(logged, sent))


def test_held_vector_data_is_compacted_and_dropped_like_lists() -> None:
    # Doubles held for records no one read yet are compacted to the float32 the service stores, and records
    # leaving the log take their held data with them.
    from s3vectors_mock import _calls
    from s3vectors_mock._float_lists import read_request, reading

    log = CallLog()
    rows = [[0.1, 3.5e38, -0.0], [7.0, 1e-46, 2.5]]
    for _ in range(3):
        params: dict[str, Any] = {"vectors": _records([list(row) for row in rows])}
        with reading(plain=[record["data"]["float32"] for record in params["vectors"]]):
            read_request(params)
            log.append(CallRecord("PutVectors", params, "us-east-1"))
    assert len(log._held) == 3
    full = _calls.FULL_VECTOR_VALUES
    try:
        _calls.FULL_VECTOR_VALUES = 6  # one call's worth: the two older are compacted
        log.append(CallRecord("PutVectors", {"vectors": _records([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])}, "us-east-1"))
    finally:
        _calls.FULL_VECTOR_VALUES = full
    assert not log._held  # all three compacted before anyone read them
    first, second, third, fourth = log.snapshot()
    assert fourth.params["vectors"][0]["data"]["float32"] == [0.5, 0.5, 0.5]
    with np.errstate(over="ignore"):
        expected = np.array(rows).astype(np.float32).tobytes()
    for compacted in (first, second, third):
        kept = compacted.params["vectors"]
        assert b"".join(record["data"]["float32"].tobytes() for record in kept) == expected
    assert not log._held
    for _ in range(_calls.MAX_RECORDS):
        log.append(CallRecord("GetIndex", {}, "us-east-1"))
    assert not log._held


def test_one_list_sent_for_two_records_and_tuples(mock: S3VectorsMock, client: Any, index: str) -> None:
    shared = [0.5, 0.25, 0.125]
    records: Any = [
        {"key": "a", "data": {"float32": shared}},
        {"key": "b", "data": {"float32": shared}},
        {"key": "c", "data": {"float32": (1.5, 0.5, 0.25)}},
    ]
    client.put_vectors(indexArn=index, vectors=records)
    shared[0] = 9.0
    logged = _logged(mock)
    assert logged == [[0.5, 0.25, 0.125], [0.5, 0.25, 0.125], [1.5, 0.5, 0.25]]
    assert all(type(values) is list for values in logged) and logged[0] is not logged[1]
    got = client.get_vectors(indexArn=index, keys=["a", "b", "c"], returnData=True)["vectors"]
    assert {vector["key"]: vector["data"]["float32"] for vector in got} == {
        "a": [0.5, 0.25, 0.125],
        "b": [0.5, 0.25, 0.125],
        "c": [1.5, 0.5, 0.25],
    }
