"""PutVectors, GetVectors, ListVectors and DeleteVectors through boto3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.helpers import error_of, make_index


def put(client: Any, index: str, *records: tuple[str, list[float], dict[Any, Any] | None]) -> None:
    vectors = []
    for key, data, metadata in records:
        record: dict[str, Any] = {"key": key, "data": {"float32": data}}
        if metadata is not None:
            record["metadata"] = metadata
        vectors.append(record)
    client.put_vectors(indexArn=index, vectors=vectors)


def test_put_then_get_returns_float32_values(client: Any, index: str) -> None:
    put(client, index, ("a", [0.1, 0.2, 0.3], {"genre": "doc"}))
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnData=True, returnMetadata=True)["vectors"]
    assert vector["key"] == "a"
    assert vector["data"]["float32"] == [float(np.float32(v)) for v in (0.1, 0.2, 0.3)]
    assert vector["data"]["float32"][0] == 0.10000000149011612
    assert vector["metadata"] == {"genre": "doc"}


def test_get_defaults_return_keys_only(client: Any, index: str) -> None:
    put(client, index, ("a", [1, 0, 0], {"x": 1}))
    assert client.get_vectors(indexArn=index, keys=["a"])["vectors"] == [{"key": "a"}]


def test_get_omits_missing_and_ignores_duplicates(client: Any, index: str) -> None:
    put(client, index, ("a", [1, 0, 0], None), ("b", [0, 1, 0], None))
    vectors = client.get_vectors(indexArn=index, keys=["b", "missing", "a", "b"])["vectors"]
    assert sorted(v["key"] for v in vectors) == ["a", "b"]
    assert client.get_vectors(indexArn=index, keys=["missing"])["vectors"] == []


def test_get_does_not_answer_in_request_order(client: Any, index: str) -> None:
    # The live sample (FarukAda/aws-langchain-s3-vector-ts, docs/evidence/get-vectors-absent-keys.md).
    put(client, index, ("same", [1, 0, 0], {"g": "a"}), ("orth", [0, 1, 0], {"g": "a"}))
    vectors = client.get_vectors(indexArn=index, keys=["same", "does-not-exist", "orth"], returnMetadata=True)
    assert vectors["vectors"] == [{"key": "orth", "metadata": {"g": "a"}}, {"key": "same", "metadata": {"g": "a"}}]
    # Key-hash order (CRC32 of the key), whatever order the request has: a sorted request is reordered too.
    put(client, index, ("a", [1, 0, 0], None), ("b", [0, 1, 0], None), ("c", [0, 0, 1], None))
    for keys in (["a", "b", "c"], ["c", "a", "b"], ["b", "c", "a"]):
        assert [v["key"] for v in client.get_vectors(indexArn=index, keys=keys)["vectors"]] == ["c", "b", "a"]


def test_metadata_is_empty_object_when_none_was_stored(client: Any, index: str) -> None:
    put(client, index, ("a", [1, 0, 0], None))
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnMetadata=True)["vectors"]
    assert vector["metadata"] == {}


def test_overwrite_replaces_data_and_metadata(client: Any, index: str) -> None:
    put(client, index, ("a", [1, 0, 0], {"x": 1, "y": 2}))
    put(client, index, ("a", [0, 0, 1], {"z": 3}))
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnData=True, returnMetadata=True)["vectors"]
    assert vector["data"]["float32"] == [0.0, 0.0, 1.0]
    assert vector["metadata"] == {"z": 3}


def test_duplicate_keys_in_one_batch_keep_the_last(client: Any, index: str) -> None:
    put(client, index, ("a", [1, 0, 0], {"v": 1}), ("a", [0, 1, 0], {"v": 2}))
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnData=True, returnMetadata=True)["vectors"]
    assert vector["metadata"] == {"v": 2}
    assert vector["data"]["float32"] == [0.0, 1.0, 0.0]


def test_dimension_mismatch_names_the_key_and_stores_nothing(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("good", [1, 0, 0], None), ("my_first_vector", [1.0], None))
    assert (
        error_of(excinfo)[1] == "Invalid record for key 'my_first_vector': vector must have length 3, but has length 1"
    )
    assert client.list_vectors(indexArn=index)["vectors"] == []


def test_first_invalid_record_in_request_order_is_reported(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("nan-first", [float("nan"), 0, 0], None), ("short", [1.0], None))
    assert error_of(excinfo)[1] == "Invalid record for key 'nan-first': vector contains NaNs or Infs"
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("meta-first", [1, 0, 0], {"n": None}), ("inf", [float("inf"), 0, 0], None))
    assert error_of(excinfo)[1].startswith("Invalid record for key 'meta-first': ")


def test_values_are_checked_after_float32_conversion(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("huge", [1e39, 0, 0], None))
    assert error_of(excinfo)[1] == "Invalid record for key 'huge': vector contains NaNs or Infs"
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("tiny", [1e-50, 0, 0], None))
    assert (
        error_of(excinfo)[1] == "Invalid record for key 'tiny': cosine distance does not support vectors with zero norm"
    )
    put(client, index, ("max", [3.4028234663852886e38, 1e-45, 0], None))


def test_zero_vector_on_cosine_has_the_field_list(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("zero", [0, 0, 0], None))
    assert (
        error_of(excinfo)[1] == "Invalid record for key 'zero': cosine distance does not support vectors with zero norm"
    )
    assert excinfo.value.response["fieldList"] == [
        {"path": "vectors[0]", "message": "cosine distance does not support vectors with zero norm"}
    ]


def test_zero_vector_is_fine_on_euclidean(client: Any, bucket: str) -> None:
    arn = make_index(client, "euclid", metric="euclidean")
    put(client, arn, ("zero", [0, 0, 0], None))
    assert client.get_vectors(indexArn=arn, keys=["zero"])["vectors"] == [{"key": "zero"}]


def test_key_limits(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("k" * 1025, [1, 0, 0], None))
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value with length 1025 at '/vectors/0/key' failed to satisfy constraint: "
        "Member must have length between 1 and 1024, inclusive"
    )
    wide = "é" * 600  # 600 characters, 1200 UTF-8 bytes
    for call in (
        lambda: put(client, index, (wide, [1, 0, 0], None)),
        lambda: client.get_vectors(indexArn=index, keys=[wide]),
        lambda: client.delete_vectors(indexArn=index, keys=[wide]),
    ):
        with pytest.raises(client.exceptions.ValidationException) as excinfo:
            call()
        assert error_of(excinfo)[1] == "Record key length exceeds the maximum allowed"
    put(client, index, ("k" * 1024, [1, 0, 0], None), ("é" * 512, [0, 1, 0], None))


def test_batch_limits(client: Any, index: str) -> None:
    too_many = [{"key": f"k{i}", "data": {"float32": [1.0, 0, 0]}} for i in range(501)]
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.put_vectors(indexArn=index, vectors=too_many)
    assert "Member must have length between 1 and 500, inclusive" in error_of(excinfo)[1]
    with pytest.raises(client.exceptions.ValidationException):
        client.delete_vectors(indexArn=index, keys=[f"k{i}" for i in range(501)])


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ({"nested": {"a": 1}}, "Metadata values must be strings, numbers, booleans, or arrays"),
        ({"arr": [True]}, "Metadata array values must be strings or numbers"),
        ({"arr": [{"a": 1}]}, "Metadata array values must be strings or numbers"),
        ({"arr": []}, "Empty arrays are not allowed in metadata"),
        ({f"k{i}": i for i in range(51)}, "Metadata object must have at most 50 keys"),
        ({"text": "x" * 2100}, "Filterable metadata must have at most 2048 bytes"),
    ],
)
def test_metadata_rules(client: Any, index: str, metadata: dict[str, Any], problem: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("bad", [1, 0, 0], metadata))
    assert error_of(excinfo)[1] == f"Invalid record for key 'bad': {problem}"
    assert excinfo.value.response["fieldList"][0]["path"] == "vectors[0].metadata"


def test_null_metadata_value_is_rejected(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        put(client, index, ("bad", [1, 0, 0], {"n": None}))


def test_metadata_size_accounting_matches_the_service(client: Any, index: str) -> None:
    # 4 + (8 + 4 + value) <= 2048 → a 2032-byte string under key "text" is the largest accepted.
    put(client, index, ("fits", [1, 0, 0], {"text": "x" * 2032}))
    with pytest.raises(client.exceptions.ValidationException):
        put(client, index, ("over", [1, 0, 0], {"text": "x" * 2033}))
    # Numbers cost 4 bytes, booleans 0, arrays 4 per element plus the element.
    put(client, index, ("mixed", [1, 0, 0], {"n": 1, "b": True, "arr": ["ab", 3]}))


def test_non_filterable_keys_are_exempt_from_the_2kb_limit(client: Any, bucket: str) -> None:
    arn = make_index(client, "big-text", metadataConfiguration={"nonFilterableMetadataKeys": ["text"]})
    put(client, arn, ("doc", [1, 0, 0], {"text": "x" * 30000, "tag": "a"}))
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, arn, ("huge", [1, 0, 0], {"text": "x" * 41000}))
    assert error_of(excinfo)[1] == "Invalid record for key 'huge': Metadata object must have at most 40960 bytes"


def test_stored_metadata_is_a_copy(client: Any, index: str) -> None:
    metadata: dict[str, Any] = {"tags": ["a"]}
    put(client, index, ("a", [1, 0, 0], metadata))
    metadata["tags"].append("b")
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnMetadata=True)["vectors"]
    assert vector["metadata"] == {"tags": ["a"]}


def test_delete_vectors_missing_keys_are_fine(client: Any, index: str) -> None:
    put(client, index, ("a", [1, 0, 0], None), ("b", [0, 1, 0], None), ("c", [0, 0, 1], None))
    response = client.delete_vectors(indexArn=index, keys=["a", "missing", "c"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [v["key"] for v in client.list_vectors(indexArn=index)["vectors"]] == ["b"]


def test_operations_on_missing_index(client: Any, bucket: str) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: client.put_vectors(
            vectorBucketName=bucket, indexName="nope", vectors=[{"key": "a", "data": {"float32": [1.0]}}]
        ),
        lambda: client.get_vectors(vectorBucketName=bucket, indexName="nope", keys=["a"]),
        lambda: client.list_vectors(vectorBucketName=bucket, indexName="nope"),
        lambda: client.delete_vectors(vectorBucketName=bucket, indexName="nope", keys=["a"]),
        lambda: client.query_vectors(vectorBucketName=bucket, indexName="nope", topK=1, queryVector={"float32": [1.0]}),
    ]
    for call in calls:
        with pytest.raises(client.exceptions.NotFoundException) as excinfo:
            call()
        assert error_of(excinfo) == ("NotFoundException", "The specified index could not be found", 404)


def test_list_vectors_pages_and_returns(client: Any, index: str) -> None:
    keys = [f"key-{i:03d}" for i in range(250)]
    rng = np.random.default_rng(1)
    for start in range(0, 250, 100):
        client.put_vectors(
            indexArn=index,
            vectors=[
                {"key": key, "data": {"float32": rng.random(3).tolist()}, "metadata": {"i": int(key[-3:])}}
                for key in keys[start : start + 100]
            ],
        )
    first = client.list_vectors(indexArn=index, maxResults=100, returnMetadata=True)
    assert len(first["vectors"]) == 100 and "nextToken" in first
    assert "data" not in first["vectors"][0]
    assert first["vectors"][0]["metadata"] == {"i": int(first["vectors"][0]["key"][-3:])}
    default_page = client.list_vectors(indexArn=index)
    assert len(default_page["vectors"]) == 250 and "nextToken" not in default_page
    paginator = client.get_paginator("list_vectors")
    listed = [
        v["key"]
        for page in paginator.paginate(indexArn=index, PaginationConfig={"PageSize": 60})
        for v in page["vectors"]
    ]
    assert sorted(listed) == keys and len(listed) == len(set(listed))


def test_list_vectors_segments_partition_the_index(client: Any, index: str) -> None:
    keys = [f"v{i}" for i in range(300)]
    for start in range(0, 300, 100):
        client.put_vectors(
            indexArn=index,
            vectors=[{"key": key, "data": {"float32": [1.0, 0.5, 0.25]}} for key in keys[start : start + 100]],
        )
    paginator = client.get_paginator("list_vectors")
    seen: list[str] = []
    sizes = []
    for segment in range(4):
        segment_keys = [
            v["key"]
            for page in paginator.paginate(
                indexArn=index, segmentCount=4, segmentIndex=segment, PaginationConfig={"PageSize": 25}
            )
            for v in page["vectors"]
        ]
        sizes.append(len(segment_keys))
        seen += segment_keys
    assert sorted(seen) == sorted(keys) and len(seen) == 300
    assert all(size > 0 for size in sizes)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"segmentCount": 2},
        {"segmentIndex": 0},
        {"segmentCount": 2, "segmentIndex": 2},
        {"segmentCount": 17, "segmentIndex": 0},
    ],
)
def test_segment_rules(client: Any, index: str, kwargs: dict[str, int]) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.list_vectors(indexArn=index, **kwargs)


def test_listing_is_stable_under_writes(client: Any, index: str) -> None:
    """Every vector that exists for the whole listing is seen exactly once, whatever is written in between."""
    keys = [f"stable-{i:03d}" for i in range(200)]
    for start in range(0, 200, 100):
        client.put_vectors(
            indexArn=index, vectors=[{"key": k, "data": {"float32": [1.0, 0, 0]}} for k in keys[start : start + 100]]
        )
    seen: list[str] = []
    token = None
    step = 0
    while True:
        kwargs: dict[str, str] = {"nextToken": token} if token else {}
        page = client.list_vectors(indexArn=index, maxResults=30, **kwargs)
        seen += [v["key"] for v in page["vectors"]]
        step += 1
        # Churn: add new keys, delete and re-add others that are not part of the survivors.
        client.put_vectors(
            indexArn=index, vectors=[{"key": f"new-{step}-{j}", "data": {"float32": [0, 1.0, 0]}} for j in range(5)]
        )
        client.delete_vectors(indexArn=index, keys=[f"new-{step - 1}-{j}" for j in range(5)])
        token = page.get("nextToken")
        if not token:
            break
    survivors = [key for key in seen if key.startswith("stable-")]
    assert sorted(survivors) == keys
    assert len(seen) == len(set(seen))


def test_list_vectors_return_data(client: Any, index: str) -> None:
    put(client, index, ("a", [0.5, 0.25, 0.125], {"m": "x"}))
    (vector,) = client.list_vectors(indexArn=index, returnData=True, returnMetadata=True)["vectors"]
    assert vector == {"key": "a", "data": {"float32": [0.5, 0.25, 0.125]}, "metadata": {"m": "x"}}


def test_list_vectors_forged_token(client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.list_vectors(indexArn=index, nextToken="forged")


def test_deeply_nested_metadata_is_rejected_cleanly(client: Any, index: str) -> None:
    nested: Any = "leaf"
    for _ in range(300):
        nested = [nested]
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("deep", [1, 0, 0], {"a": nested}))
    assert error_of(excinfo)[1] == "Invalid record for key 'deep': Metadata array values must be strings or numbers"


# ---- numbers beyond the double range, non-string keys, booleans: what the wire makes of them ----------------------

# The service reads JSON numbers as doubles: an integer at or above 2**1024 - 2**970 rounds to infinity.
LARGEST_FINITE_INT = 2**1024 - 2**970 - 1


@pytest.mark.parametrize(
    "metadata",
    [
        {"n": 10**400},
        {"n": -(10**400)},
        {"n": LARGEST_FINITE_INT + 1},
        {"tags": [1, 10**400]},
        {"tags": ["a", -(10**400)]},
    ],
    ids=["int", "negative-int", "first-infinite-int", "in-array", "negative-in-array"],
)
def test_a_number_beyond_the_double_range_is_refused_and_nothing_is_stored(
    client: Any, index: str, metadata: dict[str, Any]
) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("fine", [1, 0, 0], {"n": 1}), ("huge", [0, 1, 0], metadata))
    assert error_of(excinfo) == (
        "ValidationException",
        "Invalid record for key 'huge': Metadata numbers must be finite",
        400,
    )
    assert excinfo.value.response["fieldList"] == [
        {"path": "vectors[1].metadata", "message": "Metadata numbers must be finite"}
    ]
    assert client.list_vectors(indexArn=index)["vectors"] == []
    # Nothing half-written either: a filtered query over the (empty) index still answers.
    assert (
        client.query_vectors(indexArn=index, topK=5, queryVector={"float32": [1, 0, 0]}, filter={"n": 1})["vectors"]
        == []
    )


def test_the_largest_finite_integers_are_numbers(client: Any, index: str) -> None:
    put(client, index, ("max", [1, 0, 0], {"n": LARGEST_FINITE_INT, "tags": [-LARGEST_FINITE_INT]}))
    query = {"indexArn": index, "topK": 5, "queryVector": {"float32": [1, 0, 0]}}
    assert [h["key"] for h in client.query_vectors(**query, filter={"n": {"$gt": 1.7e308}})["vectors"]] == ["max"]
    assert [h["key"] for h in client.query_vectors(**query, filter={"tags": {"$lt": -1.7e308}})["vectors"]] == ["max"]


@pytest.mark.parametrize("validation", [True, False], ids=["client-validation", "no-client-validation"])
def test_non_string_metadata_keys_arrive_as_json_writes_them(
    client: Any, raw_client: Any, index: str, validation: bool
) -> None:
    sender = client if validation else raw_client
    sender.put_vectors(
        indexArn=index,
        vectors=[
            {"key": "a", "data": {"float32": [1, 0, 0]}, "metadata": {1: "one", None: "nil", False: 2, 1.5: [3]}},
            {"key": "b", "data": {"float32": [0, 1, 0]}, "metadata": {True: "yes", -0.0: 0}},
        ],
    )
    vectors = client.get_vectors(indexArn=index, keys=["a", "b"], returnMetadata=True)["vectors"]
    assert {v["key"]: v["metadata"] for v in vectors} == {
        "a": {"1": "one", "null": "nil", "false": 2, "1.5": [3]},
        "b": {"true": "yes", "-0.0": 0},
    }
    hits = client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter={"null": "nil"})
    assert [h["key"] for h in hits["vectors"]] == ["a"]


def test_non_string_keys_count_after_conversion(client: Any, index: str) -> None:
    # 50 keys in Python, 50 keys on the wire: accepted. The 2 KB accounting measures the written key ("1.5": 3 bytes).
    put(client, index, ("fifty", [1, 0, 0], {**{i: i for i in range(49)}, 1.5: "x"}))
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        put(client, index, ("big", [1, 0, 0], {10**2100: "x"}))
    assert error_of(excinfo)[1] == "Invalid record for key 'big': Filterable metadata must have at most 2048 bytes"


@pytest.mark.parametrize("validation", [True, False], ids=["client-validation", "no-client-validation"])
def test_booleans_are_not_vector_values(client: Any, raw_client: Any, index: str, validation: bool) -> None:
    sender = client if validation else raw_client
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        sender.put_vectors(indexArn=index, vectors=[{"key": "b", "data": {"float32": [True, 0.5, False]}}])
    assert error_of(excinfo)[1] == (
        "2 validation errors detected. "
        "Value at '/vectors/0/data/float32/0' failed to satisfy constraint: Member must be a number; "
        "Value at '/vectors/0/data/float32/2' failed to satisfy constraint: Member must be a number"
    )
    assert client.list_vectors(indexArn=index)["vectors"] == []
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        sender.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1.0, True, 0.0]})
    assert error_of(excinfo)[1] == (
        "1 validation error detected. "
        "Value at '/queryVector/float32/1' failed to satisfy constraint: Member must be a number"
    )
