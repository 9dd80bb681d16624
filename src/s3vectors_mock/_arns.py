"""Resource names and ARNs: the service's naming rules, ARN formatting and parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import INVALID_BUCKET_NAME, INVALID_INDEX_NAME, validation_error

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ARN = re.compile(
    r"arn:(?P<partition>aws[-a-z0-9]*):s3vectors:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"bucket/(?P<bucket>[^/]+)(?:/index/(?P<index>[^/]+))?"
)


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


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
    region: str
    account: str
    bucket: str
    index: str | None


def parse_arn(arn: str) -> ParsedArn | None:
    match = _ARN.fullmatch(arn)
    if match is None:
        return None
    return ParsedArn(match["region"], match["account"], match["bucket"], match["index"])
