"""Tags on vector buckets and indexes."""

from __future__ import annotations

from typing import Any

import pytest

from tests import helpers
from tests.helpers import error_of, make_index


def bucket_arn(client: Any, name: str | None = None) -> str:
    bucket = name or helpers.current_bucket
    arn: str = client.get_vector_bucket(vectorBucketName=bucket)["vectorBucket"]["vectorBucketArn"]
    return arn


def test_tags_given_at_creation_are_listed(client: Any) -> None:
    arn = client.create_vector_bucket(vectorBucketName="tagged", tags={"team": "search", "env": "test"})[
        "vectorBucketArn"
    ]
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "search", "env": "test"}


def test_tag_untag_index(client: Any, bucket: str) -> None:
    arn = make_index(client, tags={"a": "1"})
    client.tag_resource(resourceArn=arn, tags={"b": "2", "a": "3"})
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "3", "b": "2"}
    client.untag_resource(resourceArn=arn, tagKeys=["a", "missing"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}


def test_no_tags_is_an_empty_map(client: Any, bucket: str) -> None:
    assert client.list_tags_for_resource(resourceArn=bucket_arn(client))["tags"] == {}


def test_too_many_tags(client: Any, bucket: str) -> None:
    arn = bucket_arn(client)
    client.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.tag_resource(resourceArn=arn, tags={"one-more": "v"})
    assert error_of(excinfo)[1] == "Too many tags specified"
    with pytest.raises(client.exceptions.ValidationException):
        client.create_vector_bucket(vectorBucketName="other", tags={f"k{i}": "v" for i in range(51)})


def test_reserved_prefixes(client: Any, bucket: str) -> None:
    arn = bucket_arn(client)
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.tag_resource(resourceArn=arn, tags={"aws:owner": "me"})
    assert error_of(excinfo)[1] == "System tags cannot be added/updated by requester"
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.tag_resource(resourceArn=arn, tags={"AWS:owner": "me"})
    assert error_of(excinfo)[1] == 'Invalid System Tag: AWS:owner must be prefixed with "aws:" in lowercase.'


def test_invalid_characters(client: Any, bucket: str) -> None:
    arn = bucket_arn(client)
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.tag_resource(resourceArn=arn, tags={"ok": "bad#value"})
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value at '/tags/ok' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"
    )
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {}


def test_unicode_letters_are_allowed(client: Any, bucket: str) -> None:
    arn = bucket_arn(client)
    client.tag_resource(resourceArn=arn, tags={"équipe": "données 1"})
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"équipe": "données 1"}


def test_missing_resources(client: Any, bucket: str) -> None:
    missing_bucket = "arn:aws:s3vectors:us-east-1:123456789012:bucket/gone-bucket"
    missing_index = bucket_arn(client) + "/index/gone"
    for arn in (missing_bucket, missing_index):
        with pytest.raises(client.exceptions.NotFoundException):
            client.list_tags_for_resource(resourceArn=arn)
        with pytest.raises(client.exceptions.NotFoundException):
            client.tag_resource(resourceArn=arn, tags={"a": "b"})
        with pytest.raises(client.exceptions.NotFoundException):
            client.untag_resource(resourceArn=arn, tagKeys=["a"])


def test_tags_vanish_with_the_resource(client: Any) -> None:
    arn = client.create_vector_bucket(vectorBucketName="short-lived", tags={"a": "b"})["vectorBucketArn"]
    client.delete_vector_bucket(vectorBucketArn=arn)
    client.create_vector_bucket(vectorBucketName="short-lived")
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {}
