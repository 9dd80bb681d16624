"""Typed use with types-boto3-s3vectors: ``mypy --strict examples`` checks this file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from s3vectors_mock import S3VectorsMock, mock_s3vectors

if TYPE_CHECKING:
    from types_boto3_s3vectors import S3VectorsClient
    from types_boto3_s3vectors.type_defs import QueryOutputVectorTypeDef


def nearest_keys(client: S3VectorsClient, index_arn: str, vector: list[float]) -> list[str]:
    hits: list[QueryOutputVectorTypeDef] = client.query_vectors(
        indexArn=index_arn, topK=2, queryVector={"float32": vector}
    )["vectors"]
    return [hit["key"] for hit in hits]


def build_and_query() -> list[str]:
    client: S3VectorsClient = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="typed")
    arn = client.create_index(
        vectorBucketName="typed", indexName="idx", dataType="float32", dimension=2, distanceMetric="euclidean"
    )["indexArn"]
    client.put_vectors(indexArn=arn, vectors=[{"key": "x", "data": {"float32": [0.0, 1.0]}}])
    return nearest_keys(client, arn, [0.0, 0.9])


@mock_s3vectors
def run() -> list[str]:
    return build_and_query()


def with_the_object() -> int:
    mock: S3VectorsMock
    with mock_s3vectors(account_id="123456789012") as mock:
        build_and_query()
    return len(mock.calls)


if __name__ == "__main__":
    print(run(), with_the_object())
