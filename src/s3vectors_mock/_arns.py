"""Resource names and ARNs: the service's naming rules, ARN formatting and parsing."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import botocore.loaders

from ._errors import INVALID_BUCKET_NAME, INVALID_INDEX_NAME, validation_error

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ARN = re.compile(
    r"arn:(?P<partition>aws[-a-z0-9]*):s3vectors:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"bucket/(?P<bucket>[^/]+)(?:/index/(?P<index>[^/]+))?"
)


@functools.cache
def _partitions() -> tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]:
    # botocore's partition data (partitions.json, the file its endpoint rules resolve regions with; present and
    # alike from 1.42.1 on): each partition's id, its listed regions and the pattern of its future regions.
    data = botocore.loaders.create_loader().load_data("partitions")
    return tuple(
        (entry["id"], frozenset(entry["regions"]), re.compile(entry["regionRegex"])) for entry in data["partitions"]
    )


@functools.lru_cache(maxsize=256)  # bounded: regions come from callers (and from ARNs given to load_vectors)
def known_partition_of(region: str) -> str | None:
    """The partition of ``region`` as botocore's endpoint rules find it (listed regions first, then each
    partition's region pattern), or None for a region no partition has (such as ``xx-nowhere-1``)."""
    partitions = _partitions()
    for partition, regions, _ in partitions:
        if region in regions:
            return partition
    for partition, _, pattern in partitions:
        if pattern.match(region):
            return partition
    return None


def partition_of(region: str) -> str:
    """The partition in the ARNs of ``region``'s resources; botocore's rules fall back to ``aws`` for an unknown
    region, which only a client with a custom endpoint can reach (see _hooks)."""
    return known_partition_of(region) or "aws"


def check_bucket_name(name: str) -> None:
    if not _BUCKET_NAME.fullmatch(name):
        raise validation_error(INVALID_BUCKET_NAME, "vectorBucketName", INVALID_BUCKET_NAME)


def check_index_name(name: str) -> None:
    if not _INDEX_NAME.fullmatch(name):
        raise validation_error(INVALID_INDEX_NAME, "indexName", INVALID_INDEX_NAME)


def bucket_arn(region: str, account: str, bucket: str) -> str:
    return f"arn:{partition_of(region)}:s3vectors:{region}:{account}:bucket/{bucket}"


def index_arn(region: str, account: str, bucket: str, index: str) -> str:
    return f"{bucket_arn(region, account, bucket)}/index/{index}"


@dataclass(frozen=True)
class ParsedArn:
    partition: str
    region: str
    account: str
    bucket: str
    index: str | None


def parse_arn(arn: str) -> ParsedArn | None:
    match = _ARN.fullmatch(arn)
    if match is None:
        return None
    return ParsedArn(match["partition"], match["region"], match["account"], match["bucket"], match["index"])
