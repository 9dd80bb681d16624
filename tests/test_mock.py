"""The public object: every decorator and context-manager form, state, the call log and nesting."""

from __future__ import annotations

import asyncio
import inspect
import io
import unittest
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from s3vectors_mock import S3VectorsMock, mock_s3vectors


def bucket_names() -> list[str]:
    client = boto3.client("s3vectors", region_name="us-east-1")
    return [b["vectorBucketName"] for b in client.list_vector_buckets()["vectorBuckets"]]


def create(name: str) -> None:
    boto3.client("s3vectors", region_name="us-east-1").create_vector_bucket(vectorBucketName=name)


@mock_s3vectors
def bare_decorated(name: str) -> list[str]:
    create(name)
    return bucket_names()


@mock_s3vectors(account_id="111122223333")
def called_decorated() -> str:
    client = boto3.client("s3vectors", region_name="us-east-1")
    arn: str = client.create_vector_bucket(vectorBucketName="acct")["vectorBucketArn"]
    return arn


def test_bare_decorator_gives_each_call_fresh_state() -> None:
    assert bare_decorated("first") == ["first"]
    assert bare_decorated("second") == ["second"]


def test_called_decorator_takes_options() -> None:
    assert called_decorated() == "arn:aws:s3vectors:us-east-1:111122223333:bucket/acct"


def test_decorator_keeps_the_signature() -> None:
    def original(a: int, b: str = "x", *, c: float = 1.0) -> str:
        return b * a

    decorated = mock_s3vectors(original)
    assert inspect.signature(decorated) == inspect.signature(original)
    assert decorated.__name__ == "original"
    assert decorated(2) == "xx"


def test_async_function_is_mocked_while_it_runs() -> None:
    @mock_s3vectors
    async def work() -> list[str]:
        await asyncio.sleep(0)
        create("async-bucket")
        await asyncio.sleep(0)
        return bucket_names()

    assert inspect.iscoroutinefunction(work)
    assert asyncio.run(work()) == ["async-bucket"]


def test_generator_function_is_mocked_while_it_iterates() -> None:
    @mock_s3vectors
    def produce() -> Iterator[list[str]]:
        create("gen-one")
        yield bucket_names()
        create("gen-two")
        yield bucket_names()

    assert list(produce()) == [["gen-one"], ["gen-one", "gen-two"]]


def test_async_generator_function() -> None:
    @mock_s3vectors
    async def produce() -> Any:
        create("agen")
        yield bucket_names()

    async def collect() -> list[Any]:
        return [item async for item in produce()]

    assert asyncio.run(collect()) == [["agen"]]


def test_context_manager_and_state_after_exit() -> None:
    with mock_s3vectors() as m:
        assert isinstance(m, S3VectorsMock)
        assert m.active
        create("ctx")
    assert not m.active
    with m:
        assert bucket_names() == ["ctx"]  # same object, same world, until reset
        m.reset()
        assert bucket_names() == []


def test_async_context_manager() -> None:
    async def run() -> list[str]:
        async with mock_s3vectors():
            create("actx")
            return bucket_names()

    assert asyncio.run(run()) == ["actx"]


def test_start_and_stop() -> None:
    m = mock_s3vectors()
    m.start()
    try:
        create("started")
        assert bucket_names() == ["started"]
    finally:
        m.stop()
    with pytest.raises(RuntimeError):
        m.stop()


def test_nesting_the_same_mock_is_counted() -> None:
    m = mock_s3vectors()
    with m:
        with m:
            create("nested")
        assert m.active
        assert bucket_names() == ["nested"]
    assert not m.active


def test_separate_mocks_are_separate_worlds_and_the_innermost_answers() -> None:
    with mock_s3vectors() as outer:
        create("outer-bucket")
        with mock_s3vectors() as inner:
            assert bucket_names() == []
            create("inner-bucket")
        assert bucket_names() == ["outer-bucket"]
    assert [c.operation for c in inner.calls] == ["ListVectorBuckets", "CreateVectorBucket"]
    assert [c.operation for c in outer.calls].count("CreateVectorBucket") == 1


def test_calls_log_records_params_and_errors() -> None:
    with mock_s3vectors() as m:
        client = boto3.client("s3vectors", region_name="eu-west-1")
        client.create_vector_bucket(vectorBucketName="logged", tags={"a": "b"})
        with pytest.raises(client.exceptions.ConflictException):
            client.create_vector_bucket(vectorBucketName="logged")
    first, second = m.calls
    assert first.operation == "CreateVectorBucket"
    assert first.params == {"vectorBucketName": "logged", "tags": {"a": "b"}}
    assert first.error_code is None and first.succeeded
    assert first.region == "eu-west-1"
    assert second.error_code == "ConflictException"
    m.reset()
    assert m.calls == []


def test_invalid_account_id() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        mock_s3vectors(account_id="abc")


@mock_s3vectors
class TestUnittestClass(unittest.TestCase):
    def setUp(self) -> None:
        create("from-setup")

    def test_sees_setup_data(self) -> None:
        self.assertEqual(bucket_names(), ["from-setup"])
        create("only-here")

    def test_gets_fresh_state(self) -> None:
        self.assertEqual(bucket_names(), ["from-setup"])
        create("only-here-too")


@mock_s3vectors
class TestUnittestClassWithoutSetUp(unittest.TestCase):
    def test_first(self) -> None:
        create("one")
        self.assertEqual(bucket_names(), ["one"])

    def test_second(self) -> None:
        create("two")
        self.assertEqual(bucket_names(), ["two"])


class _BaseWithSetUp(unittest.TestCase):
    def setUp(self) -> None:
        create("from-parent")


@mock_s3vectors
class TestInheritedSetUp(_BaseWithSetUp):
    def test_parent_setup_data_is_visible(self) -> None:
        self.assertEqual(bucket_names(), ["from-parent"])


@mock_s3vectors
class TestAsyncUnittestClass(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        create("from-async-setup")

    async def test_sees_async_setup_data(self) -> None:
        await asyncio.sleep(0)
        self.assertEqual(bucket_names(), ["from-async-setup"])


@mock_s3vectors
class TestPlainPytestClass:
    def setup_method(self, method: Any) -> None:
        create("plain-setup")

    def test_sees_setup_method_data(self) -> None:
        assert bucket_names() == ["plain-setup"]
        create("extra")

    def test_fresh_each_time(self) -> None:
        assert bucket_names() == ["plain-setup"]
        create("extra")


@mock_s3vectors
class TestPlainPytestClassWithoutSetup:
    def test_one(self) -> None:
        create("plain-1")
        assert bucket_names() == ["plain-1"]

    def test_two(self) -> None:
        create("plain-2")
        assert bucket_names() == ["plain-2"]


@mock_s3vectors
def test_decorated_test_still_receives_fixtures(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tmp_path.is_dir()
    monkeypatch.setenv("S3VECTORS_MOCK_EXAMPLE", "1")
    create("with-fixtures")
    assert bucket_names() == ["with-fixtures"]


@mock_s3vectors
async def test_decorated_async_test_receives_fixtures(tmp_path: Any) -> None:
    await asyncio.sleep(0)
    assert tmp_path.is_dir()
    assert bucket_names() == []


# ---- class-level setup and teardown run in the mock; their state is every test's starting state -------------------


@mock_s3vectors
class TestUnittestClassLevelSetup(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        create("from-class-setup")
        cls.addClassCleanup(lambda: create("in-class-cleanup"))  # would fail unmocked: no credentials

    def setUp(self) -> None:
        create("from-setup")

    def test_sees_class_and_test_setup_data(self) -> None:
        self.assertEqual(bucket_names(), ["from-class-setup", "from-setup"])
        create("only-in-this-test")

    def test_does_not_see_other_tests_data(self) -> None:
        self.assertEqual(bucket_names(), ["from-class-setup", "from-setup"])
        create("only-in-this-test-too")

    @classmethod
    def tearDownClass(cls) -> None:
        assert bucket_names() == ["from-class-setup"]  # an error here fails the run


@mock_s3vectors
class TestPlainPytestClassLevelSetup:
    @classmethod
    def setup_class(cls) -> None:
        create("plain-class-setup")

    def setup_method(self) -> None:  # pytest also accepts setup_method without the method argument
        create("plain-method-setup")

    def test_sees_class_and_method_setup_data(self) -> None:
        assert bucket_names() == ["plain-class-setup", "plain-method-setup"]
        create("only-here")

    def test_does_not_see_other_tests_data(self) -> None:
        assert bucket_names() == ["plain-class-setup", "plain-method-setup"]
        create("only-here-too")

    @classmethod
    def teardown_class(cls) -> None:
        assert bucket_names() == ["plain-class-setup"]


def test_unittest_class_level_hooks_in_a_plain_unittest_run() -> None:
    seen: list[tuple[str, list[str]]] = []

    @mock_s3vectors
    class Seeded(unittest.TestCase):
        @classmethod
        def setUpClass(cls) -> None:
            client = boto3.client("s3vectors", region_name="us-east-1")
            client.create_vector_bucket(vectorBucketName="seeded")
            client.create_index(
                vectorBucketName="seeded", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine"
            )
            client.put_vectors(
                vectorBucketName="seeded",
                indexName="idx",
                vectors=[{"key": "a", "data": {"float32": [1, 0]}, "metadata": {"t": ["x"]}}],
            )
            cls.addClassCleanup(lambda: seen.append(("cleanup", bucket_names())))

        def keys(self) -> list[str]:
            client = boto3.client("s3vectors", region_name="us-east-1")
            hits = client.query_vectors(
                vectorBucketName="seeded", indexName="idx", topK=5, queryVector={"float32": [1, 1]}, filter={"t": "x"}
            )["vectors"]
            return sorted(hit["key"] for hit in hits)

        def test_adds(self) -> None:
            self.assertEqual(self.keys(), ["a"])
            client = boto3.client("s3vectors", region_name="us-east-1")
            client.put_vectors(
                vectorBucketName="seeded",
                indexName="idx",
                vectors=[{"key": "b", "data": {"float32": [0, 1]}, "metadata": {"t": ["x"]}}],
            )
            self.assertEqual(self.keys(), ["a", "b"])

        def test_deletes(self) -> None:
            self.assertEqual(self.keys(), ["a"])
            boto3.client("s3vectors", region_name="us-east-1").delete_vectors(
                vectorBucketName="seeded", indexName="idx", keys=["a"]
            )
            self.assertEqual(self.keys(), [])

        @classmethod
        def tearDownClass(cls) -> None:
            seen.append(("teardown", bucket_names()))

    @mock_s3vectors
    class FailingSetUpClass(unittest.TestCase):
        @classmethod
        def setUpClass(cls) -> None:
            raise RuntimeError("class setup failed")

        def test_never_runs(self) -> None:
            raise AssertionError("unreachable")

    suite = unittest.TestSuite()
    for case in (Seeded, FailingSetUpClass):
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
    assert result.testsRun == 2 and not result.failures
    assert [str(error[1]).splitlines()[-1] for error in result.errors] == ["RuntimeError: class setup failed"]
    assert seen == [("teardown", ["seeded"]), ("cleanup", ["seeded"])]
    # Every mock the classes started has stopped: a call now is not answered by any of them.
    from s3vectors_mock._hooks import active_services

    assert active_services.current() is None
