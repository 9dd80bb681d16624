"""The pytest plugin, tested with whole inner pytest runs (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST_NO_NETWORK = """
import os
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
    os.environ.pop(name, None)
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST_NO_NETWORK)
    pytester.makepyfile(source)
    return pytester.runpytest_subprocess("-p", "no:randomly", *args)


def test_fixtures_give_each_test_fresh_state(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_one(s3vectors_client):
            s3vectors_client.create_vector_bucket(vectorBucketName="one-bucket")
            assert len(s3vectors_client.list_vector_buckets()["vectorBuckets"]) == 1

        def test_two(s3vectors_client, s3vectors_mock):
            assert s3vectors_client.list_vector_buckets()["vectorBuckets"] == []
            s3vectors_client.create_vector_bucket(vectorBucketName="two-bucket")
            assert [c.operation for c in s3vectors_mock.calls] == ["ListVectorBuckets", "CreateVectorBucket"]
        """,
    )
    result.assert_outcomes(passed=2)


def test_marker_configures_the_mock_per_test_class_and_module(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        pytestmark = pytest.mark.s3vectors(account_id="111111111111")

        def test_module_level(s3vectors_client):
            arn = s3vectors_client.create_vector_bucket(vectorBucketName="b-mod")["vectorBucketArn"]
            assert ":111111111111:" in arn

        @pytest.mark.s3vectors(account_id="222222222222")
        class TestClass:
            def test_class_level(self, s3vectors_client):
                arn = s3vectors_client.create_vector_bucket(vectorBucketName="b-cls")["vectorBucketArn"]
                assert ":222222222222:" in arn

            @pytest.mark.s3vectors(account_id="333333333333")
            def test_test_level(self, s3vectors_client):
                arn = s3vectors_client.create_vector_bucket(vectorBucketName="b-test")["vectorBucketArn"]
                assert ":333333333333:" in arn
        """,
    )
    result.assert_outcomes(passed=3)


def test_marker_activates_the_mock_before_user_fixtures(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import boto3
        import pytest

        @pytest.fixture
        def seeded_client():
            client = boto3.client("s3vectors", region_name="us-east-1")
            client.create_vector_bucket(vectorBucketName="from-fixture")
            return client

        @pytest.mark.s3vectors
        def test_uses_fixture(seeded_client):
            names = [b["vectorBucketName"] for b in seeded_client.list_vector_buckets()["vectorBuckets"]]
            assert names == ["from-fixture"]
        """,
    )
    result.assert_outcomes(passed=1)


def test_async_tests_with_the_fixture(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import asyncio
        import pytest

        @pytest.mark.asyncio
        async def test_async(s3vectors_client):
            await asyncio.sleep(0)
            s3vectors_client.create_vector_bucket(vectorBucketName="async-one")
            assert len(s3vectors_client.list_vector_buckets()["vectorBuckets"]) == 1
        """,
        "-p",
        "asyncio",
    )
    result.assert_outcomes(passed=1)


def test_works_under_xdist_and_random_order(pytester: pytest.Pytester) -> None:
    tests = "\n".join(
        f"""
def test_{i}(s3vectors_client):
    s3vectors_client.create_vector_bucket(vectorBucketName="bucket-{i}")
    assert [b["vectorBucketName"] for b in s3vectors_client.list_vector_buckets()["vectorBuckets"]] == ["bucket-{i}"]
"""
        for i in range(8)
    )
    pytester.makeconftest(CONFTEST_NO_NETWORK)
    pytester.makepyfile(tests)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "randomly")
    result.assert_outcomes(passed=8)


def test_plugin_is_registered_by_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.s3vectors(account_id=*classic_search_window=*approximate_above=*enforce_rate_limits=*"]
    )
