"""Regions and partitions: ARNs carry the region's partition (from botocore's partition data), an ARN of another
partition names nothing, and a region no partition has cannot be reached."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from s3vectors_mock import S3VectorsMock
from tests.helpers import error_of


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_arns_carry_the_partition_of_the_region(mock: S3VectorsMock, region: str, partition: str) -> None:
    client = boto3.client("s3vectors", region_name=region)
    bucket_arn = client.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    assert bucket_arn == f"arn:{partition}:s3vectors:{region}:{mock.account_id}:bucket/my-bucket"
    index_arn = client.create_index(
        vectorBucketArn=bucket_arn, indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
    )["indexArn"]
    assert client.get_index(indexArn=index_arn)["index"]["indexArn"] == f"{bucket_arn}/index/idx"
    assert client.list_tags_for_resource(resourceArn=index_arn)["tags"] == {}


def test_an_arn_of_another_partition_names_nothing(client: Any, index: str) -> None:
    """As an ARN of another region: the caller's regional endpoint holds only its own partition's resources."""
    bucket = index.partition("/index/")[0]
    assert client.get_vector_bucket(vectorBucketArn=bucket)["vectorBucket"]["vectorBucketArn"] == bucket
    for other in ("arn:aws-cn:", "arn:aws-us-gov:"):
        elsewhere = bucket.replace("arn:aws:", other)
        with pytest.raises(client.exceptions.NotFoundException) as excinfo:
            client.get_vector_bucket(vectorBucketArn=elsewhere)
        # AWS's texts, aws_verified in moto: https://github.com/getmoto/moto/tree/master/tests/test_s3vectors
        assert error_of(excinfo)[1] == "The specified vector bucket could not be found"
        with pytest.raises(client.exceptions.NotFoundException) as excinfo:
            client.get_index(indexArn=index.replace("arn:aws:", other))
        assert error_of(excinfo)[1] == "The specified index could not be found"
        with pytest.raises(client.exceptions.NotFoundException):
            client.list_tags_for_resource(resourceArn=elsewhere)


def test_seeding_by_an_arn_of_another_partition_finds_nothing(mock: S3VectorsMock, index: str) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as excinfo:
        mock.load_vectors(index.replace("arn:aws:", "arn:aws-cn:"), ["a"], [[1.0, 0.0, 0.0]])
    assert error_of(excinfo)[0] == "NotFoundException"


def test_a_region_no_partition_has_cannot_be_reached(mock: S3VectorsMock) -> None:
    """botocore makes up s3vectors.xx-nowhere-1.api.aws for it; against AWS no such host answers."""
    client = boto3.client("s3vectors", region_name="xx-nowhere-1")
    with pytest.raises(EndpointConnectionError) as excinfo:
        client.list_vector_buckets()
    assert "https://s3vectors.xx-nowhere-1.api.aws/ListVectorBuckets" in str(excinfo.value)
    assert mock.calls == []


def test_a_custom_endpoint_reaches_the_mock_whatever_the_region(mock: S3VectorsMock) -> None:
    client = boto3.client("s3vectors", region_name="local", endpoint_url="http://localhost:4566")
    arn = client.create_vector_bucket(vectorBucketName="my-bucket")["vectorBucketArn"]
    assert arn == f"arn:aws:s3vectors:local:{mock.account_id}:bucket/my-bucket"
