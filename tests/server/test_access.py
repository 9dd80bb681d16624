"""Access control over HTTP: the same decisions as in-process (the service decides), with 12-digit keys as
accounts, registered principals, the wire form of AccessDeniedException, and ``serve --enforce-access``."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of

from .conftest import RawHTTP, http_client
from .test_cli import serving

OWNER = "111122223333"
OTHER = "444455556666"
INDEX_ARN = f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/shared/index/chunks"
ENFORCED = pytest.mark.s3vectors(enforce_access=True, account_id=OWNER)


def keyed(url: str, key: str, region: str = "us-east-1") -> Any:
    return http_client(url, region=region, aws_access_key_id=key, aws_secret_access_key="secret")


def seed(owner: Any) -> None:
    owner.create_vector_bucket(vectorBucketName="shared")
    owner.create_index(
        vectorBucketName="shared", indexName="chunks", dataType="float32", dimension=2, distanceMetric="euclidean"
    )
    owner.put_vectors(indexArn=INDEX_ARN, vectors=[{"key": "a", "data": {"float32": [1.0, 2.0]}}])


@ENFORCED
def test_cross_account_with_12_digit_keys(s3vectors_server: Any) -> None:
    owner, visitor = keyed(s3vectors_server.url, OWNER), keyed(s3vectors_server.url, OTHER)
    seed(owner)

    def visit() -> Any:
        return visitor.query_vectors(indexArn=INDEX_ARN, topK=1, queryVector={"float32": [1.0, 2.0]})

    with pytest.raises(ClientError) as excinfo:
        visit()
    assert error_of(excinfo) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: s3vectors:QueryVectors on resource: "
        f"{INDEX_ARN} because no resource-based policy allows the s3vectors:QueryVectors action",
        403,
    )
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "s3vectors:QueryVectors",
                "Resource": f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/shared/*",
            }
        ],
    }
    owner.put_vector_bucket_policy(vectorBucketName="shared", policy=json.dumps(grant))
    assert visit()["vectors"] == [{"key": "a"}]
    with pytest.raises(ClientError) as excinfo:  # GetVectors was not granted
        visitor.get_vectors(indexArn=INDEX_ARN, keys=["a"])
    assert error_of(excinfo)[0] == "AccessDeniedException"
    assert s3vectors_server.mock.calls[-1].error_code == "AccessDeniedException"


@ENFORCED
def test_registered_principals_over_http(s3vectors_server: Any) -> None:
    mock = s3vectors_server.mock
    reader_arn = f"arn:aws:iam::{OWNER}:role/reader"
    read_only = {"Statement": [{"Effect": "Allow", "Action": ["s3vectors:Get*", "s3vectors:List*"], "Resource": "*"}]}
    mock.add_principal(reader_arn, access_key_id="AKIAREADER", policies=[read_only])
    seed(keyed(s3vectors_server.url, "AKIAROOT"))
    reader = keyed(s3vectors_server.url, "AKIAREADER")
    assert reader.get_vectors(indexArn=INDEX_ARN, keys=["a"])["vectors"] == [{"key": "a"}]
    with pytest.raises(ClientError) as excinfo:
        reader.delete_vectors(indexArn=INDEX_ARN, keys=["a"])
    assert error_of(excinfo)[1] == (
        f"User: {reader_arn} is not authorized to perform: s3vectors:DeleteVectors on resource: {INDEX_ARN} because "
        "no identity-based policy allows the s3vectors:DeleteVectors action"
    )
    assert reader.list_vectors(indexArn=INDEX_ARN)["vectors"] == [{"key": "a"}]


@ENFORCED
def test_the_wire_form_of_a_denial(s3vectors_server: Any, raw: RawHTTP) -> None:
    s3vectors_server.mock.add_principal(f"arn:aws:iam::{OWNER}:user/nobody", access_key_id="AKIANOBODY")
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIANOBODY/20260101/us-east-1/s3vectors/aws4_request"}
    answer = raw.request("POST", "/ListVectorBuckets", {}, signed)
    assert (answer.status, answer.error_type) == (403, "AccessDeniedException")
    assert answer.json == {
        "message": f"User: arn:aws:iam::{OWNER}:user/nobody is not authorized to perform: s3vectors:ListVectorBuckets "
        "because no identity-based policy allows the s3vectors:ListVectorBuckets action"
    }


@ENFORCED
@pytest.mark.parametrize("region", ["xx-nowhere-1", "..", "us east 1", "", "r" * 5000])
def test_a_scope_naming_no_region_is_refused(s3vectors_server: Any, raw: RawHTTP, region: str) -> None:
    signed = {"Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/s3vectors/aws4_request, Sig=0"}
    before = len(s3vectors_server.mock.calls)
    answer = raw.request("POST", "/CreateVectorBucket", {"vectorBucketName": "nowhere"}, signed)
    assert (answer.status, answer.error_type) == (403, "InvalidSignatureException")
    assert answer.json == {"message": f"Credential should be scoped to a valid region, not '{region}'. "}
    assert len(s3vectors_server.mock.calls) == before  # refused at the door: no operation ran


@ENFORCED
def test_an_sdk_in_a_region_no_partition_has(s3vectors_server: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        keyed(s3vectors_server.url, OWNER, region="xx-nowhere-1").list_vector_buckets()
    assert error_of(excinfo) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'xx-nowhere-1'. ",
        403,
    )
    # A region of another partition, or one a partition's pattern admits, is a region.
    assert keyed(s3vectors_server.url, OWNER, region="cn-north-1").list_vector_buckets()["vectorBuckets"] == []
    assert keyed(s3vectors_server.url, OWNER, region="eu-south-9").list_vector_buckets()["vectorBuckets"] == []


def test_serve_enforce_access() -> None:
    """(No mock is active in this process: these clients reach the server processes.)"""
    with serving("--enforce-access", "--account-id", OWNER) as server:
        owner, visitor = (
            http_client(server.url, aws_access_key_id=OWNER),
            http_client(server.url, aws_access_key_id=OTHER),
        )
        owner.create_vector_bucket(vectorBucketName="mine")
        with pytest.raises(ClientError) as excinfo:
            visitor.get_vector_bucket(vectorBucketArn=f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/mine")
        assert error_of(excinfo)[0] == "AccessDeniedException"
        assert server.stop() == 0
    with serving() as server:  # off by default
        visitor = http_client(server.url, aws_access_key_id=OTHER)
        http_client(server.url, aws_access_key_id=OWNER).create_vector_bucket(vectorBucketName="mine")
        assert visitor.get_vector_bucket(vectorBucketArn=f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/mine")
        assert server.stop() == 0


READER = "arn:aws:iam::111122223333:role/reader"
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3vectors:Get*", "s3vectors:List*"], "Resource": "*"}],
}


def test_serve_principals_file(tmp_path: Any) -> None:
    """``--principals FILE`` registers roles and users for a server started from the command line."""
    principals = tmp_path / "principals.json"
    principals.write_text(json.dumps([{"arn": READER, "access_key_id": "AKIAREADER", "policies": [READ_ONLY]}]))
    with serving("--enforce-access", "--account-id", OWNER, "--principals", str(principals)) as server:
        http_client(server.url, aws_access_key_id=OWNER).create_vector_bucket(vectorBucketName="docs")
        reader = http_client(server.url, aws_access_key_id="AKIAREADER")
        assert reader.get_vector_bucket(vectorBucketName="docs")["vectorBucket"]["vectorBucketName"] == "docs"
        with pytest.raises(ClientError) as excinfo:
            reader.delete_vector_bucket(vectorBucketName="docs")
        assert error_of(excinfo) == (
            "AccessDeniedException",
            f"User: {READER} is not authorized to perform: s3vectors:DeleteVectorBucket on resource: "
            f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/docs because no identity-based policy allows the "
            "s3vectors:DeleteVectorBucket action",
            403,
        )
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "cannot read the principals file"),
        ('{"arn": "x"}', "must hold a JSON array of principals"),
        ('[{"arn": "arn:aws:iam::111122223333:role/r"}]', "entry 1: expected an object with arn, access_key_id"),
        ('[{"arn": "arn:aws:iam::1:role/r", "access_key_id": "K"}]', "entry 1: 'arn:aws:iam::1:role/r' is not the ARN"),
        (
            '[{"arn": "arn:aws:iam::111122223333:role/a", "access_key_id": "K"},'
            ' {"arn": "arn:aws:iam::111122223333:role/b", "access_key_id": "K"}]',
            "entry 2: access key id 'K' already belongs to arn:aws:iam::111122223333:role/a",
        ),
        ('[{"arn": "arn:aws:iam::111122223333:role/r", "access_key_id": "K", "policies": [{}]}]', "entry 1: policy 1"),
    ],
)
def test_serve_refuses_a_bad_principals_file_in_one_line(tmp_path: Any, content: str, problem: str) -> None:
    principals = tmp_path / "principals.json"
    principals.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "s3vectors_mock", "serve", "--port", "0", "--principals", str(principals)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and problem in result.stderr, result.stderr
    assert str(principals) in result.stderr
