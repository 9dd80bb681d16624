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
