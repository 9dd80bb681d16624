"""Side by side with moto's mock_aws: S3 mocked by moto, S3 Vectors by us, in either nesting order."""

from __future__ import annotations

import boto3
import pytest

from s3vectors_mock import mock_s3vectors

moto = pytest.importorskip("moto")


def exercise() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="documents")
    s3.put_object(Bucket="documents", Key="a.txt", Body=b"hello")
    vectors = boto3.client("s3vectors", region_name="us-east-1")
    vectors.create_vector_bucket(vectorBucketName="embeddings")
    vectors.create_index(
        vectorBucketName="embeddings", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    vectors.put_vectors(
        vectorBucketName="embeddings", indexName="idx", vectors=[{"key": "a.txt", "data": {"float32": [1, 0]}}]
    )
    hits = vectors.query_vectors(
        vectorBucketName="embeddings", indexName="idx", topK=1, queryVector={"float32": [1, 0]}
    )
    assert hits["vectors"] == [{"key": "a.txt"}]
    assert s3.get_object(Bucket="documents", Key=hits["vectors"][0]["key"])["Body"].read() == b"hello"


def test_moto_outside() -> None:
    with moto.mock_aws(), mock_s3vectors() as m:
        exercise()
    assert "QueryVectors" in [c.operation for c in m.calls]


def test_moto_inside() -> None:
    with mock_s3vectors() as m, moto.mock_aws():
        exercise()
    assert "QueryVectors" in [c.operation for c in m.calls]
