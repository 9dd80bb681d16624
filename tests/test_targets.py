"""``--s3vectors-target``: the same tests on the in-process mock, a server the plugin starts, a running endpoint and
AWS (played here by a server standing in for it), run as whole inner pytest sessions (pytester)."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any, NamedTuple

import boto3
import pytest

import s3vectors_mock._service  # noqa: F401  (loaded before pytester snapshots sys.modules: numpy loads once)
from s3vectors_mock import S3VectorsMock
from s3vectors_mock._targets import NameMaker, TargetChoice, TargetError, parse_target

pytest_plugins = ["pytester"]
pytest.importorskip("uvicorn", reason="the server and URL targets need the server extra")

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")  # the service's naming rules (spec, "Vector bucket name")

# Nothing from the outer run's environment leaks in: no credentials, no endpoint, no metadata service.
CONFTEST = """
import os
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3VECTORS"):
    os.environ.pop(name, None)
"""

# A user's test file written only with the plugin's fixtures; one test fails after creating things.
USER_TESTS = """
import pytest

def test_bucket_and_index(s3vectors_client, s3vectors_name):
    bucket, index = s3vectors_name("docs"), s3vectors_name("chunks")
    s3vectors_client.create_vector_bucket(vectorBucketName=bucket)
    s3vectors_client.create_index(
        vectorBucketName=bucket, indexName=index, dataType="float32", dimension=2, distanceMetric="cosine"
    )
    s3vectors_client.put_vectors(
        vectorBucketName=bucket, indexName=index, vectors=[{"key": "a", "data": {"float32": [1.0, 0.0]}}]
    )
    hits = s3vectors_client.query_vectors(
        vectorBucketName=bucket, indexName=index, topK=1, queryVector={"float32": [1.0, 0.0]}
    )["vectors"]
    assert [hit["key"] for hit in hits] == ["a"]

def test_policy(s3vectors_client, s3vectors_name):
    bucket = s3vectors_name("policy")
    arn = s3vectors_client.create_vector_bucket(vectorBucketName=bucket)["vectorBucketArn"]
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, ' \\
        '"Action": "s3vectors:GetVectorBucket", "Resource": "' + arn + '"}]}'
    s3vectors_client.put_vector_bucket_policy(vectorBucketName=bucket, policy=policy)

def test_fails_after_creating(s3vectors_client, s3vectors_name):
    bucket = s3vectors_name("failing")
    s3vectors_client.create_vector_bucket(vectorBucketName=bucket)
    s3vectors_client.create_index(
        vectorBucketName=bucket, indexName="left", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    assert False, "fails on purpose"

def test_names_are_unique_and_valid(s3vectors_name):
    names = [s3vectors_name("docs"), s3vectors_name("docs")]
    assert names[0] != names[1] and all(name.startswith("docs-") for name in names)

def test_target_is_named(s3vectors_target):
    import os
    assert s3vectors_target == os.environ["EXPECTED_TARGET"]

@pytest.mark.s3vectors_mock_only
def test_only_on_the_mock():
    pass

def test_with_the_mock_itself(s3vectors_mock):
    assert s3vectors_mock.calls == []
"""


def inner(pytester: pytest.Pytester, source: str, *args: str, conftest: str = CONFTEST) -> pytest.RunResult:
    pytester.makeconftest(conftest)
    pytester.makepyfile(test_user=source)
    return pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-rs", *args)


class Endpoint(NamedTuple):
    url: str
    mock: S3VectorsMock
    client: Any


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    """A running s3vectors-mock server in this process (the URL target, or AWS's stand-in), with a client of it."""
    mock = S3VectorsMock()
    with mock.serve() as server:
        client = boto3.client(
            "s3vectors",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="stand-in",
            aws_secret_access_key="stand-in",
        )
        yield Endpoint(server.url, mock, client)


def bucket_names(client: Any) -> list[str]:
    return sorted(bucket["vectorBucketName"] for bucket in client.list_vector_buckets()["vectorBuckets"])


# ---- choosing a target ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        (None, TargetChoice("mock")),
        ("", TargetChoice("mock")),
        ("mock", TargetChoice("mock")),
        ("server", TargetChoice("server")),
        ("aws", TargetChoice("aws")),
        ("http://127.0.0.1:9800", TargetChoice("url", "http://127.0.0.1:9800")),
        ("https://vectors.example:443/", TargetChoice("url", "https://vectors.example:443")),
    ],
)
def test_parse_target(text: str | None, choice: TargetChoice) -> None:
    assert parse_target(text) == choice


@pytest.mark.parametrize("text", ["AWS", "moto", "127.0.0.1:9800", "http://", "http://host:1/path", "ftp://host"])
def test_invalid_targets_are_refused(text: str) -> None:
    with pytest.raises(TargetError, match="invalid s3vectors target"):
        parse_target(text)


def test_names_are_unique_valid_and_keep_their_base() -> None:
    maker = NameMaker("f00dcafe1234", "gw3")
    names = [maker.make("docs") for _ in range(3)] + [
        maker.make("x" * 80),
        maker.make("Chunks.v2"),
        maker.make("_My Docs"),
    ]
    assert names[:3] == ["docs-f00dcaw3-1", "docs-f00dcaw3-2", "docs-f00dcaw3-3"]
    assert len(names[3]) == 63 and names[3].endswith("-f00dcaw3-4")
    assert names[4] == "chunks.v2-f00dcaw3-5"  # an index name may have dots; a bucket's base must not
    assert names[5] == "my-docs-f00dcaw3-6"
    assert all(BUCKET_NAME.fullmatch(name) for name in names[:4] + names[5:])
    assert NameMaker().run_id != NameMaker().run_id  # each run its own id


def test_an_invalid_target_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = inner(pytester, "def test_nothing(): pass", "--s3vectors-target=amazon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid s3vectors target 'amazon'*"])


def test_the_option_wins_over_the_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3VECTORS_MOCK_TARGET", "nonsense")
    result = inner(
        pytester, "def test_t(s3vectors_target): assert s3vectors_target == 'mock'", "--s3vectors-target=mock"
    )
    result.assert_outcomes(passed=1)  # (the variable alone chooses: see the server target's test)


def test_aws_without_credentials_refuses_to_start(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    result = inner(pytester, "def test_never_runs(): raise AssertionError", "--s3vectors-target=aws")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--s3vectors-target=aws needs AWS credentials*"])
    assert "test_never_runs" not in result.stdout.str()


# ---- one user file, every target ------------------------------------------------------------------------------


def test_a_user_file_passes_unchanged_on_the_mock(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPECTED_TARGET", "mock")
    result = inner(pytester, USER_TESTS)
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(["s3vectors target: mock"])


def test_a_user_file_passes_unchanged_on_a_server_the_plugin_starts(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPECTED_TARGET", "server")
    monkeypatch.setenv("S3VECTORS_MOCK_TARGET", "server")  # the environment's choice, with no option given
    result = inner(pytester, USER_TESTS)
    result.assert_outcomes(passed=4, failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "s3vectors target: server http://127.0.0.1:*",
            "*s3vectors target server: skipped tests*",
            "*1 mock-only test, and the s3vectors target is server",
            "*1 needs the in-process mock*",
        ]
    )


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_user_file_leaves_nothing_behind_on_a_url_target(
    pytester: pytest.Pytester, endpoint: Endpoint, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPECTED_TARGET", "url")
    # One process resets the endpoint between tests; xdist workers share it, so each deletes what it created.
    endpoint.client.create_vector_bucket(vectorBucketName="before-the-run")
    result = inner(pytester, USER_TESTS, f"--s3vectors-target={endpoint.url}", "-n", workers)
    result.assert_outcomes(passed=4, failed=1, skipped=2)
    how = "state reset between tests" if workers == "0" else "each test deletes what it created"
    result.stdout.fnmatch_lines([f"s3vectors target: url {endpoint.url} ({how})"])
    assert "leftovers" not in result.stdout.str()
    assert bucket_names(endpoint.client) == ([] if workers == "0" else ["before-the-run"])


# What moto's server implements (it has no QueryVectors): the user file's creations, and a failure after them.
FOREIGN_TESTS = """
def test_creates(s3vectors_client, s3vectors_name):
    bucket = s3vectors_name("docs")
    s3vectors_client.create_vector_bucket(vectorBucketName=bucket)
    s3vectors_client.create_index(
        vectorBucketName=bucket, indexName="chunks", dataType="float32", dimension=2, distanceMetric="cosine"
    )

def test_fails_after_creating(s3vectors_client, s3vectors_name):
    bucket = s3vectors_name("failing")
    s3vectors_client.create_vector_bucket(vectorBucketName=bucket)
    s3vectors_client.create_index(
        vectorBucketName=bucket, indexName="left", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    assert False, "fails on purpose"
"""


def test_a_user_file_leaves_nothing_behind_on_an_endpoint_that_is_not_ours(pytester: pytest.Pytester) -> None:
    # moto's server speaks S3 Vectors but has no reset endpoint: each test deletes what it created.
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
        # Plain HTTP: moto's answers lack members today's model requires, which this suite's clients would refuse.
        moto_call(url, "CreateVectorBucket", {"vectorBucketName": "before-the-run"})
        result = inner(pytester, FOREIGN_TESTS, f"--s3vectors-target={url}")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines([f"s3vectors target: url {url} (each test deletes what it created)"])
        assert "leftovers" not in result.stdout.str()
        listed = moto_call(url, "ListVectorBuckets", {})["vectorBuckets"]
        assert [bucket["vectorBucketName"] for bucket in listed] == ["before-the-run"]
    finally:
        server.stop()


def moto_call(url: str, operation: str, body: dict[str, Any]) -> Any:
    # moto routes by the service in the credential scope; it checks no signature.
    scope = "Credential=a/20260101/us-east-1/s3vectors/aws4_request, SignedHeaders=host, Signature=0"
    request = urllib.request.Request(
        f"{url}/{operation}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"AWS4-HMAC-SHA256 {scope}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


# ---- AWS, played by a server standing in for it ---------------------------------------------------------------

AWS_TESTS = """
def test_a_bucket_aws_will_not_delete(s3vectors_client, s3vectors_name):
    s3vectors_client.create_vector_bucket(vectorBucketName=s3vectors_name("stuck"))

def test_fails_after_creating_in_its_own_bucket(s3vectors_client, s3vectors_name):
    bucket = s3vectors_name("mine")
    s3vectors_client.create_vector_bucket(vectorBucketName=bucket)
    s3vectors_client.create_index(
        vectorBucketName=bucket, indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    assert False, "fails after creating"

def test_creates_an_index_in_a_bucket_it_did_not_create(s3vectors_client, s3vectors_name):
    s3vectors_client.create_index(
        vectorBucketName="not-ours", indexName=s3vectors_name("idx"), dataType="float32", dimension=2,
        distanceMetric="cosine",
    )

def test_target(s3vectors_target):
    assert s3vectors_target == "aws"
"""


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_aws_target_deletes_only_what_the_run_created_and_reports_the_rest(
    pytester: pytest.Pytester, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    endpoint.client.create_vector_bucket(vectorBucketName="not-ours")
    endpoint.client.create_index(
        vectorBucketName="not-ours", indexName="theirs", dataType="float32", dimension=2, distanceMetric="cosine"
    )
    # The first delete of a bucket in the run is refused, as AWS refuses one without the permission.
    endpoint.mock.inject_error("DeleteVectorBucket", "AccessDeniedException", times=1)
    # The stand-in is reached the way a user's AWS configuration points botocore elsewhere (a service-specific
    # endpoint), with credentials and a region from the environment: the plugin configures nothing of its own.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3VECTORS", endpoint.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "stand-in")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stand-in")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    result = inner(pytester, AWS_TESTS, "--s3vectors-target=aws", "-n", workers, conftest="")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines([f"s3vectors target: aws us-east-1 {endpoint.url} (each test deletes*"])
    # Reported at the end of the session (from whichever worker ran the test), with its ARN.
    output = result.stdout.str()
    assert "s3vectors leftovers: created by this run, not deleted" in output
    leftovers = re.findall(
        r"^(arn:aws:s3vectors:us-east-1:123456789012:bucket/\S+) \(delete_vector_bucket: .*AccessDenied", output, re.M
    )
    assert len(leftovers) == 1
    # The refused bucket is still there; everything else the run made is gone, and nothing it did not make was
    # touched (not even in a bucket where it created an index).
    client = endpoint.client
    left = leftovers[0].rpartition("/")[2]
    assert bucket_names(client) == sorted(["not-ours", left])
    assert [index["indexName"] for index in client.list_indexes(vectorBucketName="not-ours")["indexes"]] == ["theirs"]
