"""One reading of a request's vector data: what it proves, and that every stage answers exactly as without it."""

from __future__ import annotations

import array
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from s3vectors_mock import _float_lists
from s3vectors_mock._calls import CallLog, CallRecord, _compacted
from s3vectors_mock._float_lists import (
    compact_copy,
    float32_rows,
    plain_numbers,
    read_request,
    read_rows,
    reading,
    was_read,
)
from tests.helpers import error_of


def test_plain_lists_read_as_one_matrix_of_doubles() -> None:
    rows = [[0.5, 2, -3.25], [1e300, 7.0, 0.125]]
    read = read_rows(rows)
    assert read is not None and read.dtype == np.float64
    assert read.tolist() == [[0.5, 2.0, -3.25], [1e300, 7.0, 0.125]]


def test_integers_read_as_the_nearest_double() -> None:
    read = read_rows([[2**53 + 1, 3], [1, 2]])
    assert read is not None and read.dtype == np.float64
    assert read[0, 0] == float(2**53 + 1)


@pytest.mark.parametrize(
    "rows",
    [
        [[0.5, True, 0.25]],  # a boolean reads as 1.0: found by the exact check of lists holding 0 or 1
        [[0.5, 0.25], [False, 0.75]],
        [[True, False]],  # booleans only: a boolean matrix
        [[0.5, "1.5"]],  # numpy would read the string as 1.5
        [[0.5, None]],
        [[0.5, 10**400]],
        [[0.5, 0.25], [0.5]],  # lists of different lengths
        [[0.5, [0.25]]],
        [(0.5, 0.25)],  # tuples are left to the exact checks
        [],
    ],
)
def test_anything_but_plain_numbers_of_one_length_is_left_to_the_exact_checks(rows: list[Any]) -> None:
    with reading():
        assert read_rows(rows) is None
        assert float32_rows(rows) is None
        for row in rows:
            if isinstance(row, list):
                assert compact_copy(row) is None
                assert plain_numbers(row) == (set(map(type, row)) <= {float, int, Decimal})


def test_decimals_read_as_the_numbers_botocore_sends() -> None:
    # botocore's serializer sends a Decimal in vector data as float(value): the service reads a number.
    read = read_rows([[Decimal("0.1"), 2, 0.5], [Decimal("1e400"), 1.5, 0.25]])
    assert read is not None and read.tolist() == [[0.1, 2.0, 0.5], [float("inf"), 1.5, 0.25]]


def test_a_reading_remembers_the_lists_it_read_and_only_while_it_lasts() -> None:
    rows = [[0.5, 0.25, 1e39], [1.0, 0.0, -2.0]]
    with reading():
        assert read_rows(rows) is not None
        assert plain_numbers(rows[0]) and plain_numbers(rows[1])
        matrix = float32_rows(rows)
        assert matrix is not None and matrix.dtype == np.float32
        assert matrix.tolist() == [[0.5, 0.25, float("inf")], [1.0, 0.0, -2.0]]
        assert float32_rows(rows) is matrix  # the block itself, converted once
        reordered = float32_rows([rows[1], rows[0]])
        assert reordered is not None and reordered.tolist() == matrix[::-1].tolist()
        assert float32_rows([rows[0], [0.5, 0.25, 1e39]]) is None  # an equal list that was not read
        copied = compact_copy(rows[1])
        assert copied == array.array("f", rows[1])
    assert _float_lists._current.get() is None
    assert float32_rows(rows) is None and compact_copy(rows[0]) is None
    # Outside a reading, the exact check: the same verdict.
    assert plain_numbers(rows[0]) and not plain_numbers([0.5, True])


def test_a_request_is_read_only_when_every_record_carries_a_float_list() -> None:
    good: dict[str, Any] = {
        "vectors": [{"key": "a", "data": {"float32": [0.5, 0.25]}}, {"key": "b", "data": {"float32": [1.5, 2.0]}}]
    }
    broken: dict[str, Any] = {"vectors": [{"key": "a", "data": {"float32": [0.5, 0.25]}}, {"key": "b", "data": {}}]}
    with reading():
        read_request(good)
        read_request(broken)
        read_request({"vectors": "nonsense"})
        assert compact_copy(good["vectors"][0]["data"]["float32"]) is not None
        assert compact_copy(broken["vectors"][0]["data"]["float32"]) is None


def test_the_call_log_compacts_read_lists_to_the_same_values() -> None:
    rows = [[0.1, 0.2, 3e38, 5e-46], [7.0, -0.0, 1e39, 2]]
    params: dict[str, Any] = {
        "indexArn": "x",
        "vectors": [{"key": str(i), "data": {"float32": row}} for i, row in enumerate(rows)],
    }
    log = CallLog()
    with reading():
        read_request(params)
        log.append(CallRecord("PutVectors", params, "us-east-1"))
    (_, _, prepared) = log._full[0]
    assert len(prepared) == 2
    fast = _compacted(params, prepared)["vectors"]
    slow = _compacted(params)["vectors"]
    assert [r["data"]["float32"].tobytes() for r in fast] == [r["data"]["float32"].tobytes() for r in slow]
    assert params["vectors"][0]["data"]["float32"] is rows[0]  # the caller's lists are never changed


def test_lists_proven_plain_read_straight_to_the_same_float32() -> None:
    # The in-process path proves its lists hold plain floats; numpy converts them without array("d")'s checks, to
    # exactly what the doubles' astype gives (nearest float32, infinity beyond the range, NaN kept).
    rows = [[0.1, 3.4028235e38, 3.5e38, 5e-46, 1e-40], [-0.0, float("inf"), float("nan"), -1e39, 2.0]]
    with np.errstate(over="ignore"):
        expected = np.array(rows, dtype=np.float64).astype(np.float32)
    params: dict[str, Any] = {"vectors": [{"key": str(i), "data": {"float32": row}} for i, row in enumerate(rows)]}
    with reading(plain=rows):
        read_request(params)
        matrix = float32_rows(rows)
        assert matrix is not None and matrix.tobytes() == expected.tobytes()
        copy = compact_copy(rows[1])
        assert copy is not None and copy.tobytes() == expected[1].tobytes()
    # Lists not proven take the checked path: a string is found, not converted by numpy.
    unproven: list[list[Any]] = [[0.5, "0.25"], [1.0, 2.0]]
    with reading(plain=[unproven[1]]):
        read_request({"vectors": [{"key": str(i), "data": {"float32": row}} for i, row in enumerate(unproven)]})
        assert float32_rows(unproven) is None and not was_read(unproven[1])


@pytest.mark.parametrize("validation", [True, False], ids=["client-validation", "no-client-validation"])
def test_one_boolean_among_many_floats_is_still_found(
    client: Any, raw_client: Any, index: str, validation: bool
) -> None:

    sender = client if validation else raw_client
    records: list[dict[str, Any]] = [{"key": f"k{i}", "data": {"float32": [0.5 + i, 0.25, 0.125]}} for i in range(5)]
    records[3]["data"]["float32"][1] = True
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        sender.put_vectors(indexArn=index, vectors=records)
    assert error_of(excinfo)[1] == (
        "1 validation error detected. "
        "Value at '/vectors/3/data/float32/1' failed to satisfy constraint: Member must be a number"
    )
    assert client.list_vectors(indexArn=index)["vectors"] == []
    records[3]["data"]["float32"][1] = 1  # the integer 1 is a number
    if validation:  # and so is a Decimal, which botocore sends as a number (its serializer needs validation off)
        records[2]["data"]["float32"][0] = Decimal("0.1")
    sender.put_vectors(indexArn=index, vectors=records)
    stored = client.get_vectors(indexArn=index, keys=["k2", "k3"], returnData=True)["vectors"]
    assert {v["key"]: v["data"]["float32"] for v in stored} == {
        "k2": [float(np.float32(0.1)) if validation else 2.5, 0.25, 0.125],
        "k3": [3.5, 1.0, 0.125],
    }


class _Key(str):
    pass


@pytest.mark.parametrize(
    "record",
    [
        {"key": "a", "data": {"float32": [0.5, 1]}, "metadata": {"x": "y"}},
        {"key": "a", "data": {"float32": [0.5, 1]}, "metadata": None},
        {"key": "é" * 1024, "data": {"float32": []}},
        {"key": "a" * 1025, "data": {"float32": [0.5]}},
        {"key": "", "data": {"float32": [0.5]}},
        {"key": "a\ud800", "data": {"float32": [0.5]}},
        {"key": _Key("a"), "data": {"float32": [0.5]}},
        {"key": 7, "data": {"float32": [0.5]}},
        {"key": "a", "data": {"float32": [0.5, True]}},
        {"key": "a", "data": {"float32": [0.5, "1"]}},
        {"key": "a", "data": {"float32": (0.5,)}},
        {"key": "a", "data": {}},
        {"key": "a", "data": None},
        {"key": "a"},
        {"data": {"float32": [0.5]}},
        {"key": "a", "data": {"float32": [0.5]}, "metadata": {"x": ["\udc00"]}},
        {"key": "a", "data": {"float32": [0.5]}, "metadata": "not an object"},
        {"key": "a", "data": {"float32": [0.5]}, "other": 1},
        {"key": "a", "data": {"float32": [0.5], "float16": [1]}},
        ["not", "a", "record"],
    ],
)
def test_the_one_pass_check_of_usual_records_agrees_with_the_walk(record: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from s3vectors_mock import _validation
    from s3vectors_mock._errors import ServiceError

    def outcome() -> str:
        arn = "arn:aws:s3vectors:us-east-1:123456789012:bucket/bucket/index/index"
        params = {"indexArn": arn, "vectors": [record] * 2}
        with reading():
            read_request(params)
            try:
                _validation.validate_request("PutVectors", params)
            except ServiceError as error:
                return f"{error.code}: {error.message}"
        return "accepted"

    fast = outcome()
    monkeypatch.setattr(_validation, "_plain_records", lambda shape, records: False)
    assert fast == outcome()


def test_usual_records_take_the_one_pass_check() -> None:
    from s3vectors_mock import _validation
    from s3vectors_mock._service_model import operation_model

    records: Any = operation_model("PutVectors").input_shape.members["vectors"]  # type: ignore[union-attr]
    good = {"key": "a", "data": {"float32": [0.5, 1]}, "metadata": {"x": "y"}}
    assert _validation._plain_records(records.member, [good, good])
    assert not _validation._plain_records(records.member, [good, {**good, "key": ""}])


def test_a_decimal_query_vector_is_a_number(client: Any, index: str) -> None:
    client.put_vectors(indexArn=index, vectors=[{"key": "a", "data": {"float32": [Decimal("0.1"), 1, 2.5]}}])
    hits = client.query_vectors(
        indexArn=index, topK=1, queryVector={"float32": [Decimal("0.1"), 1, 2.5]}, returnDistance=True
    )["vectors"]
    assert hits == [{"key": "a", "distance": 0.0}]
