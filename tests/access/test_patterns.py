"""IAM's wildcard matching (IAM User Guide, "IAM JSON policy elements: Action / Resource", Arn* operators)."""

from __future__ import annotations

import pytest

from s3vectors_mock.access.patterns import action_match, arn_condition_match, resource_match, wildcard_match

BUCKET = "arn:aws:s3vectors:us-east-1:111122223333:bucket/docs"
INDEX = f"{BUCKET}/index/chunks"


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("s3vectors:QueryVectors", "s3vectors:QueryVectors", True),
        ("S3VECTORS:queryvectors", "s3vectors:QueryVectors", True),  # action names are case-insensitive
        ("s3vectors:*", "s3vectors:QueryVectors", True),
        ("s3vectors:Get*", "s3vectors:GetVectors", True),
        ("s3vectors:Get*", "s3vectors:QueryVectors", False),
        ("s3vectors:?etIndex", "s3vectors:GetIndex", True),
        ("s3vectors:?etIndex", "s3vectors:GettIndex", False),
        ("*", "s3vectors:DeleteIndex", True),
        ("s3:*", "s3vectors:GetIndex", False),
        ("s3vectors:Get", "s3vectors:GetIndex", False),
    ],
)
def test_actions(pattern: str, action: str, matches: bool) -> None:
    assert action_match(pattern, action) is matches


@pytest.mark.parametrize(
    ("pattern", "resource", "matches"),
    [
        ("*", INDEX, True),
        (INDEX, INDEX, True),
        (f"{BUCKET}/*", INDEX, True),  # "arn:aws:s3:::amzn-s3-demo-bucket/*": everything in the bucket
        (f"{BUCKET}/*", BUCKET, False),
        (BUCKET, INDEX, False),
        ("arn:aws:s3vectors:*:111122223333:bucket/docs", BUCKET, True),
        ("arn:aws:s3vectors:us-east-1:*:bucket/*/index/chunks", INDEX, True),
        ("arn:aws:s3vectors:*", INDEX, True),  # a trailing * runs across the colons
        ("arn:aws:s3vectors:us-east-1:111122223333:bucket/DOCS", BUCKET, False),  # ARNs are case-sensitive
        ("arn:aws:s3vectors:us-east-1:111122223333:bucket/doc?", BUCKET, True),
        ("arn:aws:s3vectors:us-east-1:111122223333:bucket/do?", BUCKET, False),
    ],
)
def test_resources(pattern: str, resource: str, matches: bool) -> None:
    assert resource_match(pattern, resource) is matches


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        ("arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/reader", True),
        ("arn:aws:iam::*:role/reader", "arn:aws:iam::444455556666:role/reader", True),
        ("arn:aws:iam::111122223333:*", "arn:aws:iam::111122223333:user/ops/alice", True),
        ("arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:user/reader", False),
        ("arn:aws:iam::*", "arn:aws:iam::111122223333:root", False),  # each component separately
        ("arn:aws:iam::111122223333:ROOT", "arn:aws:iam::111122223333:root", False),
    ],
)
def test_arn_conditions(pattern: str, arn: str, matches: bool) -> None:
    assert arn_condition_match(pattern, arn) is matches


def test_wildcards_are_not_regular_expressions() -> None:
    assert not wildcard_match("a.c", "abc") and wildcard_match("a.c", "a.c")
    assert wildcard_match("a+*", "a+bbb") and not wildcard_match("a+*", "aa")
    assert wildcard_match("*", "") and wildcard_match("x*y", "x\ny")
