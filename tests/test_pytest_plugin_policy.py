"""``pytest --s3vectors-policy=PATH``: the least-privilege policy of a whole run, xdist workers merged (pytester)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
import os
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
    os.environ.pop(name, None)
"""

# Two files, so that xdist's loadfile mode gives one to each worker; each test notes the worker that ran it.
INGEST = """
import os, pathlib
from s3vectors_mock import mock_s3vectors

def note():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    pathlib.Path(os.environ["WORKERS_SEEN"], worker).touch()

def test_ingest(s3vectors_client):
    note()
    s3vectors_client.create_vector_bucket(vectorBucketName="kb1", tags={"app": "rag"})
    s3vectors_client.create_index(vectorBucketName="kb1", indexName="passages", dataType="float32", dimension=2,
                                  distanceMetric="cosine")
    s3vectors_client.put_vectors(vectorBucketName="kb1", indexName="passages",
                                 vectors=[{"key": "a", "data": {"float32": [1.0, 0.0]}}])

@mock_s3vectors
def test_decorated_tests_count_too():
    import boto3
    note()
    boto3.client("s3vectors", region_name="eu-west-1").list_vector_buckets()
"""
QUERY = """
import json, pytest
from test_ingest import note

@pytest.mark.s3vectors(enforce_access=True)
def test_query(s3vectors_client, s3vectors_mock):
    note()
    s3vectors_client.create_vector_bucket(vectorBucketName="kb1")
    s3vectors_client.create_index(vectorBucketName="kb1", indexName="passages", dataType="float32", dimension=2,
                                  distanceMetric="cosine")
    s3vectors_client.put_vector_bucket_policy(vectorBucketName="kb1", policy=json.dumps({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3vectors:QueryVectors", "Resource": "*"}]}))
    with pytest.raises(s3vectors_client.exceptions.AccessDeniedException):
        s3vectors_client.query_vectors(vectorBucketName="kb1", indexName="passages", topK=1,
                                       queryVector={"float32": [1.0, 0.0]}, returnMetadata=True)
"""

BUCKET = "arn:aws:s3vectors:us-east-1:123456789012:bucket/kb1"
EXPECTED = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3vectors:ListVectorBuckets"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["s3vectors:CreateVectorBucket", "s3vectors:PutVectorBucketPolicy", "s3vectors:TagResource"],
            "Resource": BUCKET,
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3vectors:CreateIndex",
                "s3vectors:GetVectors",
                "s3vectors:PutVectors",
                "s3vectors:QueryVectors",
            ],
            "Resource": f"{BUCKET}/index/passages",
        },
    ],
}


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[pytest.RunResult, Path]:
    seen = pytester.path / "workers-seen"
    seen.mkdir()
    monkeypatch.setenv("WORKERS_SEEN", str(seen))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_ingest=INGEST, test_query=QUERY)
    policy = pytester.path / "out" / "policy.json"
    policy.parent.mkdir()
    result = pytester.runpytest_subprocess("-p", "no:randomly", f"--s3vectors-policy={policy}", *args)
    return result, policy


def test_the_policy_of_a_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result, policy = run(pytester, monkeypatch)
    result.assert_outcomes(passed=3)
    assert json.loads(policy.read_text()) == EXPECTED


def test_xdist_workers_are_merged(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xdist")
    result, policy = run(pytester, monkeypatch, "-n", "2", "--dist", "loadfile")
    result.assert_outcomes(passed=3)
    assert sorted(path.name for path in (pytester.path / "workers-seen").iterdir()) == ["gw0", "gw1"]
    assert json.loads(policy.read_text()) == EXPECTED


def test_no_file_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile("def test_one(s3vectors_client):\n    s3vectors_client.list_vector_buckets()\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert sorted(path.name for path in pytester.path.iterdir() if path.suffix == ".json") == []
    assert "--s3vectors-policy=PATH" in pytester.runpytest_subprocess("--help").stdout.str()
