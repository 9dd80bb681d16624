"""load_vectors: bulk seeding, validated exactly like PutVectors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from botocore.exceptions import ClientError

from s3vectors_mock import S3VectorsMock


def test_load_then_query_and_get(mock: S3VectorsMock, client: Any, index: str) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((2000, 3)).astype(np.float32)
    keys = [f"doc-{i}" for i in range(2000)]
    metadata = [{"shard": i % 4} for i in range(2000)]
    mock.load_vectors(index, keys, vectors, metadata)
    (vector,) = client.get_vectors(indexArn=index, keys=["doc-7"], returnData=True, returnMetadata=True)["vectors"]
    assert vector["data"]["float32"] == vectors[7].tolist()
    assert vector["metadata"] == {"shard": 3}
    hits = client.query_vectors(
        indexArn=index, topK=5, queryVector={"float32": vectors[11].tolist()}, filter={"shard": 3}, returnDistance=True
    )["vectors"]
    assert hits[0]["key"] == "doc-11"
    assert len(hits) == 5


def test_load_accepts_float64_and_lists(mock: S3VectorsMock, client: Any, index: str) -> None:
    mock.load_vectors(index, ["a", "b"], [[0.1, 0.2, 0.3], [1.0, 0.0, 0.0]])
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnData=True)["vectors"]
    assert vector["data"]["float32"][0] == float(np.float32(0.1))


@pytest.mark.parametrize(
    ("vectors", "metadata", "message"),
    [
        (
            np.array([[1, 0, 0], [0, 0, 0]], dtype=np.float32),
            None,
            "Invalid record for key 'b': cosine distance does not support vectors with zero norm",
        ),
        (
            np.array([[1, 0, 0], [np.nan, 0, 0]], dtype=np.float32),
            None,
            "Invalid record for key 'b': vector contains NaNs or Infs",
        ),
        (np.ones((2, 3)), [None, {"x": []}], "Invalid record for key 'b': Empty arrays are not allowed in metadata"),
    ],
)
def test_invalid_records_raise_the_putvectors_error_and_store_nothing(
    mock: S3VectorsMock, client: Any, index: str, vectors: Any, metadata: Any, message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        mock.load_vectors(index, ["a", "b"], vectors, metadata)
    assert excinfo.value.response["Error"] == {"Code": "ValidationException", "Message": message}
    assert excinfo.value.operation_name == "PutVectors"
    assert client.list_vectors(indexArn=index)["vectors"] == []


def test_wrong_dimension(mock: S3VectorsMock, index: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        mock.load_vectors(index, ["a"], np.ones((1, 4)))
    assert excinfo.value.response["Error"]["Message"] == (
        "Invalid record for key 'a': vector must have length 3, but has length 4"
    )


def test_missing_index(mock: S3VectorsMock, bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        mock.load_vectors(
            "arn:aws:s3vectors:us-east-1:123456789012:bucket/test-bucket/index/nope", ["a"], np.ones((1, 3))
        )
    assert excinfo.value.response["Error"]["Code"] == "NotFoundException"


def test_shape_mismatch_is_a_usage_error(mock: S3VectorsMock, index: str) -> None:
    with pytest.raises(ValueError, match="one row per key"):
        mock.load_vectors(index, ["a", "b"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="one entry"):
        mock.load_vectors(index, ["a"], np.ones((1, 3)), metadata=[None, None])


def test_seeded_metadata_is_isolated_from_the_callers_dicts(mock: S3VectorsMock, client: Any, index: str) -> None:
    metadata: list[dict[str, Any] | None] = [{"tags": ["a"], "n": 1}]
    mock.load_vectors(index, ["a"], np.ones((1, 3)), metadata)
    metadata[0]["n"] = 2  # type: ignore[index]
    metadata[0]["tags"].append("b")  # type: ignore[index]
    (vector,) = client.get_vectors(indexArn=index, keys=["a"], returnMetadata=True)["vectors"]
    assert vector["metadata"] == {"tags": ["a"], "n": 1}
    assert client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 1, 1]}, filter={"n": 1})["vectors"]


def test_key_too_long_is_putvectors_text(mock: S3VectorsMock, client: Any, index: str) -> None:
    """load_vectors words a key over 1024 characters exactly as PutVectors does (the recorded Smithy text)."""
    key = "k" * 1025
    with pytest.raises(ClientError) as seeding:
        mock.load_vectors(index, ["fine", key], np.ones((2, 3)))
    with pytest.raises(ClientError) as putting:
        client.put_vectors(
            indexArn=index,
            vectors=[{"key": "fine", "data": {"float32": [1, 1, 1]}}, {"key": key, "data": {"float32": [1, 1, 1]}}],
        )
    assert (
        seeding.value.response["Error"]
        == putting.value.response["Error"]
        == {
            "Code": "ValidationException",
            "Message": "1 validation error detected. Value with length 1025 at '/vectors/1/key' failed to satisfy "
            "constraint: Member must have length between 1 and 1024, inclusive",
        }
    )


# ---- load_vectors is PutVectors: the same records give the same answer ---------------------------------------------

NAN = float("nan")
SAME_AS_PUT_VECTORS: dict[str, tuple[list[str], list[list[Any]], list[dict[Any, Any] | None] | None]] = {
    "lone surrogate key": (["ok", "\ud800"], [[1, 0, 0], [0, 1, 0]], None),
    "lone surrogate in later metadata": (["nan", "b"], [[NAN, 0, 0], [0, 1, 0]], [None, {"s": ["x", "\udc00"]}]),
    "lone surrogate in a rejected value": (["a", "b"], [[1, 0, 0], [0, 1, 0]], [{"o": {"\ud800": 1}}, None]),
    "number beyond the double range": (["a", "b"], [[1, 0, 0], [0, 1, 0]], [None, {"n": 10**400}]),
    "one in an array": (["a", "b"], [[1, 0, 0], [0, 1, 0]], [{"n": [1, -(10**400)]}, None]),
    "non-string metadata keys": (["a"], [[1, 0, 0]], [{7: 1, None: "x", 2.5: True}]),
    "key of 1025 characters": (["ok", "k" * 1025, "j" * 1030], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], None),
    "key of 1025 UTF-8 bytes": (["ok", "é" * 513], [[1, 0, 0], [0, 1, 0]], None),
    "booleans in vector data": (["a", "b"], [[1, 0, 0], [True, False, 1]], None),
    "rows of another length": (["a", "b"], [[1, 0, 0], [0, 1]], None),
    "metadata before a later bad row": (["a", "b"], [[1, 0, 0], [0, 1]], [{"n": []}, None]),
    "vector problem before metadata problem": (["a"], [[NAN, 0, 0]], [{"n": None}]),
    "repeated keys": (["a", "b", "a"], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [{"v": 1}, None, {"v": 3}]),
    "nested metadata": (["a"], [[1, 0, 0]], [{"o": {"x": 1}}]),
    "tuple arrays": (["a"], [[1, 0, 0]], [{"t": ("x", "y")}]),
}


def _outcome(call: Any, client: Any, arn: str) -> Any:
    try:
        call()
    except ClientError as error:
        return error.response["Error"], error.response.get("fieldList")
    return client.list_vectors(indexArn=arn, returnData=True, returnMetadata=True)["vectors"]


@pytest.mark.parametrize("case", list(SAME_AS_PUT_VECTORS))
def test_load_vectors_answers_as_put_vectors(mock: S3VectorsMock, client: Any, raw_client: Any, case: str) -> None:
    keys, rows, metadata = SAME_AS_PUT_VECTORS[case]
    client.create_vector_bucket(vectorBucketName="same")
    arns = [
        client.create_index(
            vectorBucketName="same", indexName=name, dataType="float32", dimension=3, distanceMetric="cosine"
        )["indexArn"]
        for name in ("by-put", "by-load")
    ]
    records = []
    for position, key in enumerate(keys):
        record: dict[str, Any] = {"key": key, "data": {"float32": rows[position]}}
        if metadata is not None and metadata[position] is not None:
            record["metadata"] = metadata[position]
        records.append(record)
    put = _outcome(lambda: raw_client.put_vectors(indexArn=arns[0], vectors=records), client, arns[0])
    loaded = _outcome(lambda: mock.load_vectors(arns[1], keys, rows, metadata), client, arns[1])
    assert loaded == put
    if isinstance(put, tuple):  # a failed request stores nothing, either way
        assert client.list_vectors(indexArn=arns[1])["vectors"] == []


def test_errors_are_the_clients_modelled_exceptions(mock: S3VectorsMock, client: Any, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        mock.load_vectors(index, ["ok", "zero"], np.array([[1, 0, 0], [0, 0, 0]], dtype=np.float32))
    response = excinfo.value.response
    problem = "cosine distance does not support vectors with zero norm"
    assert response["Error"] == {"Code": "ValidationException", "Message": f"Invalid record for key 'zero': {problem}"}
    assert response["fieldList"] == [{"path": "vectors[1]", "message": problem}]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["RequestId"]
    assert excinfo.value.operation_name == "PutVectors"
    with pytest.raises(client.exceptions.NotFoundException):
        mock.load_vectors(index + "-missing", ["a"], np.ones((1, 3)))


@pytest.mark.parametrize(
    "vectors",
    [np.array([[1 + 2j, 0, 0]]), np.array([[True, False, True]]), np.array([["1", "0", "0"]])],
    ids=["complex", "bool", "str"],
)
def test_arrays_of_non_numbers_are_refused(mock: S3VectorsMock, client: Any, index: str, vectors: Any) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        mock.load_vectors(index, ["a"], vectors)
    assert excinfo.value.response["Error"]["Message"] == "3 validation errors detected. " + "; ".join(
        f"Value at '/vectors/0/data/float32/{i}' failed to satisfy constraint: Member must be a number"
        for i in range(3)
    )
    assert client.list_vectors(indexArn=index)["vectors"] == []


def test_arrays_of_any_real_type_are_read_as_float32(mock: S3VectorsMock, client: Any, index: str) -> None:
    mixed: list[Any] = [np.array([1, 2, 3]), np.array([3, 2, 1], dtype=np.uint8), [0.5] * 3]
    mock.load_vectors(index, ["i", "u", "h"], mixed)
    mock.load_vectors(index, ["o"], np.array([[1, 2.5, 10**30]], dtype=object))
    listed = client.list_vectors(indexArn=index, returnData=True)["vectors"]
    assert {v["key"]: v["data"]["float32"] for v in listed} == {
        "i": [1.0, 2.0, 3.0],
        "u": [3.0, 2.0, 1.0],
        "h": [0.5, 0.5, 0.5],
        "o": [1.0, 2.5, float(np.float32(1e30))],
    }


def test_metadata_nested_beyond_the_recursion_limit_is_refused(mock: S3VectorsMock, client: Any, index: str) -> None:
    nested: Any = 1
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        mock.load_vectors(index, ["deep"], np.ones((1, 3)), [{"a": nested}])
    assert excinfo.value.response["Error"]["Message"] == (
        "Invalid record for key 'deep': Metadata array values must be strings or numbers"
    )


def test_the_requests_own_checks_come_before_the_index_lookup(
    mock: S3VectorsMock, client: Any, raw_client: Any, bucket: str
) -> None:
    missing = "arn:aws:s3vectors:us-east-1:123456789012:bucket/test-bucket/index/missing"
    # A key of too many UTF-8 bytes ("é" * 600) is a check of the request alone too, as PutVectors makes it.
    for key in ("\ud800", "k" * 1025, "é" * 600):
        records = [{"key": key, "data": {"float32": [1.0]}}]
        put = _outcome(lambda r=records: raw_client.put_vectors(indexArn=missing, vectors=r), client, missing)
        assert put[0]["Code"] in ("SerializationException", "ValidationException")
        loaded = _outcome(lambda k=key: mock.load_vectors(missing, [k], [[1.0]]), client, missing)
        assert loaded == put
