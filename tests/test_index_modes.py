"""Index modes: defaults, updates, queryMode, $startsWith, constraint limit, CLASSIC window.

Today's service has index modes for every client; only the tests that send or read a mode need a botocore whose
model has them (≥ 1.43.106).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from unittest import mock as unittest_mock

import boto3
import pytest

from s3vectors_mock import mock_s3vectors
from tests.helpers import error_of, make_index, needs_client

if TYPE_CHECKING:
    from types_boto3_s3vectors.type_defs import PutInputVectorTypeDef

needs_modes = needs_client("UpdateIndexMode")
BEFORE_ENHANCED = 1_758_000_000.0  # 2025-09-16, before the 2026-09-30 launch of ENHANCED


@pytest.fixture
def old_bucket(client: Any, s3vectors_target: str) -> Iterator[str]:
    """A bucket created before 2026-09-30 (the clock frozen as time-machine or freezegun would)."""
    if s3vectors_target != "mock":
        pytest.skip("a bucket from before 2026-09-30 needs the in-process mock's clock (time.time patched)")
    with unittest_mock.patch("time.time", return_value=BEFORE_ENHANCED):
        client.create_vector_bucket(vectorBucketName="old-bucket")
    yield "old-bucket"


@needs_modes
def test_new_buckets_and_indexes_are_enhanced(client: Any, bucket: str, index: str) -> None:
    assert client.get_vector_bucket(vectorBucketName=bucket)["vectorBucket"]["defaultIndexMode"] == "ENHANCED"
    assert client.get_index(indexArn=index)["index"]["indexMode"] == "ENHANCED"


@needs_modes
def test_old_buckets_default_to_classic(client: Any, old_bucket: str) -> None:
    assert client.get_vector_bucket(vectorBucketName=old_bucket)["vectorBucket"]["defaultIndexMode"] == "CLASSIC"
    client.create_index(
        vectorBucketName=old_bucket, indexName="idx", dataType="float32", dimension=3, distanceMetric="cosine"
    )
    assert client.get_index(vectorBucketName=old_bucket, indexName="idx")["index"]["indexMode"] == "CLASSIC"


@needs_modes
def test_default_mode_changes_only_later_indexes(client: Any, old_bucket: str) -> None:
    client.create_index(
        vectorBucketName=old_bucket, indexName="before", dataType="float32", dimension=3, distanceMetric="cosine"
    )
    client.put_vector_bucket_default_index_mode(vectorBucketName=old_bucket, defaultIndexMode="ENHANCED")
    client.create_index(
        vectorBucketName=old_bucket, indexName="after", dataType="float32", dimension=3, distanceMetric="cosine"
    )
    modes = {
        name: client.get_index(vectorBucketName=old_bucket, indexName=name)["index"]["indexMode"]
        for name in ("before", "after")
    }
    assert modes == {"before": "CLASSIC", "after": "ENHANCED"}


@needs_modes
def test_classic_is_refused_for_new_buckets(client: Any, bucket: str, index: str) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.put_vector_bucket_default_index_mode(vectorBucketName=bucket, defaultIndexMode="CLASSIC")
    with pytest.raises(client.exceptions.ValidationException):
        client.update_index_mode(indexArn=index, indexMode="CLASSIC")
    assert client.get_index(indexArn=index)["index"]["indexMode"] == "ENHANCED"


@needs_modes
def test_update_index_mode_both_ways_in_an_old_bucket(client: Any, old_bucket: str) -> None:
    client.create_index(
        vectorBucketName=old_bucket, indexName="idx", dataType="float32", dimension=3, distanceMetric="cosine"
    )
    client.update_index_mode(vectorBucketName=old_bucket, indexName="idx", indexMode="ENHANCED")
    assert client.get_index(vectorBucketName=old_bucket, indexName="idx")["index"]["indexMode"] == "ENHANCED"
    client.update_index_mode(vectorBucketName=old_bucket, indexName="idx", indexMode="CLASSIC")
    assert client.get_index(vectorBucketName=old_bucket, indexName="idx")["index"]["indexMode"] == "CLASSIC"


@needs_modes
def test_query_mode(client: Any, old_bucket: str, index: str) -> None:
    client.put_vectors(indexArn=index, vectors=[{"key": "a", "data": {"float32": [1, 0, 0]}}])
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, queryMode="CLASSIC")
    assert client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, queryMode="ENHANCED")[
        "vectors"
    ]
    classic = client.create_index(
        vectorBucketName=old_bucket, indexName="idx", dataType="float32", dimension=3, distanceMetric="cosine"
    )["indexArn"]
    client.put_vectors(
        indexArn=classic, vectors=[{"key": "a", "data": {"float32": [1, 0, 0]}, "metadata": {"s": "abc"}}]
    )
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(
            indexArn=classic, topK=1, queryVector={"float32": [1, 0, 0]}, filter={"s": {"$startsWith": "a"}}
        )
    assert error_of(excinfo)[1] == "Invalid filter"
    hits = client.query_vectors(
        indexArn=classic,
        topK=1,
        queryVector={"float32": [1, 0, 0]},
        filter={"s": {"$startsWith": "ab"}},
        queryMode="ENHANCED",
    )["vectors"]
    assert hits == [{"key": "a"}]


def test_starts_with_on_enhanced(client: Any, index: str) -> None:
    client.put_vectors(
        indexArn=index,
        vectors=[
            {"key": "a", "data": {"float32": [1, 0, 0]}, "metadata": {"path": "docs/intro.md"}},
            {"key": "b", "data": {"float32": [0, 1, 0]}, "metadata": {"path": "src/main.py"}},
            {"key": "c", "data": {"float32": [0, 0, 1]}, "metadata": {"path": ["other", "docs/api.md"]}},
            {"key": "d", "data": {"float32": [1, 1, 0]}, "metadata": {"path": 7}},
        ],
    )
    hits = client.query_vectors(
        indexArn=index, topK=10, queryVector={"float32": [1, 1, 1]}, filter={"path": {"$startsWith": "docs/"}}
    )
    assert sorted(h["key"] for h in hits["vectors"]) == ["a", "c"]
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(
            indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter={"path": {"$startsWith": 1}}
        )


def test_at_most_100_constraints_on_enhanced(client: Any, index: str) -> None:
    ok = {"x": {"$in": list(range(100))}}
    client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=ok)
    too_many = {"$and": [{"x": {"$in": list(range(99))}}, {"y": 1}, {"z": 2}]}
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=too_many)


@needs_modes
def test_classic_window_reproduces_the_shortfall() -> None:
    with mock_s3vectors(classic_search_window=5):
        client = boto3.client("s3vectors", region_name="us-east-1")
        with unittest_mock.patch("time.time", return_value=BEFORE_ENHANCED):
            client.create_vector_bucket(vectorBucketName="old-bucket")
        arn = client.create_index(
            vectorBucketName="old-bucket", indexName="idx", dataType="float32", dimension=2, distanceMetric="euclidean"
        )["indexArn"]
        vectors: list[PutInputVectorTypeDef] = [
            {"key": f"v{i:02d}", "data": {"float32": [float(i), 0]}, "metadata": {"rare": i % 10 == 9}}
            for i in range(40)
        ]
        client.put_vectors(indexArn=arn, vectors=vectors)
        query: dict[str, Any] = {
            "indexArn": arn,
            "topK": 3,
            "queryVector": {"float32": [0, 0]},
            "filter": {"rare": True},
        }
        short = client.query_vectors(**query)["vectors"]
        assert short == []  # none of the 5 nearest is "rare"
        assert [h["key"] for h in client.query_vectors(**{**query, "filter": {"rare": False}})["vectors"]] == [
            "v00",
            "v01",
            "v02",
        ]
        client.update_index_mode(indexArn=arn, indexMode="ENHANCED")
        assert [h["key"] for h in client.query_vectors(**query)["vectors"]] == ["v09", "v19", "v29"]


def test_exact_by_default_on_classic(client: Any, old_bucket: str) -> None:
    arn = client.create_index(
        vectorBucketName=old_bucket, indexName="idx", dataType="float32", dimension=2, distanceMetric="euclidean"
    )["indexArn"]
    vectors = [
        {"key": f"v{i:02d}", "data": {"float32": [float(i), 0]}, "metadata": {"rare": i % 10 == 9}} for i in range(40)
    ]
    client.put_vectors(indexArn=arn, vectors=vectors)
    hits = client.query_vectors(indexArn=arn, topK=3, queryVector={"float32": [0, 0]}, filter={"rare": True})["vectors"]
    assert [h["key"] for h in hits] == ["v09", "v19", "v29"]


def test_make_index_helper_still_works(client: Any, bucket: str) -> None:
    assert make_index(client, "plain-index").endswith("/plain-index")


def test_starts_with_a_nul_is_an_ordinary_character(client: Any, index: str) -> None:
    """numpy's fixed-width strings drop trailing NULs: "a\\x00" must not become the prefix "a"."""
    texts = {"plain": "a", "longer": "abc", "nul": "a\x00", "nul-then": "a\x00b", "nul-nul": "a\x00\x00"}
    client.put_vectors(
        indexArn=index,
        vectors=[{"key": key, "data": {"float32": [1, 0, 0]}, "metadata": {"s": text}} for key, text in texts.items()],
    )

    def starting_with(prefix: str) -> set[str]:
        hits = client.query_vectors(
            indexArn=index, topK=10, queryVector={"float32": [1, 0, 0]}, filter={"s": {"$startsWith": prefix}}
        )["vectors"]
        return {hit["key"] for hit in hits}

    assert starting_with("a\x00") == {"nul", "nul-then", "nul-nul"}
    assert starting_with("a\x00\x00") == {"nul-nul"}
    assert starting_with("a") == set(texts)
    assert starting_with("") == set(texts)
