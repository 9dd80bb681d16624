"""Finished decorated calls keep nothing alive (issue 17, item 7): a function decorated with a mock (sync, async,
generator, async generator), a decorated test class (per test and at its end) and the pytest fixture drop their
state (buckets, vectors, call log, page tokens, approximate indexes) when they end. A mock used with ``with``
keeps its state after the block, as documented.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
import unittest
import weakref
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

import boto3
import numpy as np
import pytest

from s3vectors_mock import S3VectorsMock, mock_s3vectors

pytest_plugins = ["pytester"]

ROWS, DIMENSION = 1024, 1024  # 4 MiB of float32 per index
Refs = list["weakref.ref[Any]"]


def store_a_world(mock: S3VectorsMock, rows: int = ROWS) -> Refs:
    """Create what a test creates (a bucket, an index with 4 MiB of vectors, logged calls, a live page token, an
    approximate search) and return weak references to the heavy parts."""
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="world")
    arn = client.create_index(
        vectorBucketName="world", indexName="vectors", dataType="float32", dimension=DIMENSION, distanceMetric="cosine"
    )["indexArn"]
    vectors = np.random.default_rng(0).standard_normal((rows, DIMENSION)).astype(np.float32)
    mock.load_vectors(arn, [f"k{n}" for n in range(rows)], vectors, [{"n": n} for n in range(rows)])
    client.put_vectors(indexArn=arn, vectors=[{"key": "extra", "data": {"float32": [1.0] * DIMENSION}}])
    assert "nextToken" in client.list_vectors(indexArn=arn, maxResults=1)
    client.query_vectors(indexArn=arn, topK=3, queryVector={"float32": [1.0] * DIMENSION})
    table = mock._service.backend.namespace(mock.account_id, "us-east-1").buckets["world"].indexes["vectors"].table
    refs: Refs = [weakref.ref(table), weakref.ref(table.data), weakref.ref(vectors)]
    if table._approximate is not None:
        refs.append(weakref.ref(table._approximate))
    return refs


def assert_dropped(mock: S3VectorsMock, refs: Refs) -> None:
    gc.collect()
    assert [ref for ref in refs if ref() is not None] == []
    assert mock.calls == []
    assert not mock._service.backend.namespaces
    assert len(mock._service.backend.tokens) == 0


def small_mock() -> S3VectorsMock:
    return S3VectorsMock(approximate_above=ROWS // 2)  # the query above creates the approximate search


def test_a_decorated_function_drops_its_state_when_it_returns() -> None:
    mock = small_mock()

    @mock
    def run() -> Refs:
        refs = store_a_world(mock)
        assert len(refs) == 4, "the approximate search was created (it is dropped too)"
        return refs

    assert_dropped(mock, run())
    assert not mock.active


def test_a_decorated_coroutine_drops_its_state_when_it_returns() -> None:
    mock = small_mock()

    @mock
    async def run() -> Refs:
        return store_a_world(mock)

    assert_dropped(mock, asyncio.run(run()))


def test_a_decorated_generator_drops_its_state_when_it_finishes_or_closes() -> None:
    mock = small_mock()

    @mock
    def run() -> Generator[Refs]:
        yield store_a_world(mock)
        yield []

    generator = run()
    refs = next(generator)
    assert mock._service.backend.namespaces, "still running: the state is there"
    generator.close()
    assert_dropped(mock, refs)
    refs = [ref for refs in run() for ref in refs]  # run to its end
    assert_dropped(mock, refs)


def test_a_decorated_async_generator_drops_its_state_when_it_finishes() -> None:
    mock = small_mock()

    @mock
    async def run() -> AsyncIterator[Refs]:
        yield store_a_world(mock)

    async def consume() -> Refs:
        return [ref async for refs in run() for ref in refs]

    assert_dropped(mock, asyncio.run(consume()))


def test_a_decorated_function_that_raises_drops_its_state_too() -> None:
    mock = small_mock()
    refs: Refs = []

    @mock
    def run() -> None:
        refs.extend(store_a_world(mock))
        raise KeyError("failed test")

    with pytest.raises(KeyError):
        run()
    assert_dropped(mock, refs)


def test_concurrent_decorated_coroutines_the_last_to_end_drops_the_state() -> None:
    mock = S3VectorsMock()

    @mock
    async def run(name: str, wait: float) -> int:
        boto3.client("s3vectors", region_name="us-east-1").create_vector_bucket(vectorBucketName=name)
        await asyncio.sleep(wait)
        return len(mock._service.backend.namespace(mock.account_id, "us-east-1").buckets)

    async def both() -> list[int]:
        return list(await asyncio.gather(run("first", 0.05), run("second", 0.01)))

    assert asyncio.run(both()) == [2, 2]  # the second shares the first's activation and state
    assert_dropped(mock, [])


def test_a_decorated_call_nested_in_an_active_mock_keeps_the_state() -> None:
    with S3VectorsMock() as mock:

        @mock
        def run() -> None:
            boto3.client("s3vectors", region_name="us-east-1").create_vector_bucket(vectorBucketName="kept")

        run()
        assert [call.operation for call in mock.calls] == ["CreateVectorBucket"]
    assert [call.operation for call in mock.calls] == ["CreateVectorBucket"], "with: the state stays after the block"
    assert mock._service.backend.namespaces


def test_twenty_decorated_tests_of_4_mib_each_leave_the_process_no_larger() -> None:
    # The measure: each test stored 4 MiB (and logged its calls); twenty left the process 310 MB larger.
    client = boto3.client("s3vectors", region_name="us-east-1")
    vectors = np.random.default_rng(0).standard_normal((ROWS, DIMENSION)).astype(np.float32)
    keys = [f"k{n}" for n in range(ROWS)]
    tests = []  # held, as a module holds its decorated test functions

    def one_test() -> None:
        mock = S3VectorsMock()

        @mock
        def test() -> None:
            client.create_vector_bucket(vectorBucketName="world")
            arn = client.create_index(
                vectorBucketName="world",
                indexName="vectors",
                dataType="float32",
                dimension=DIMENSION,
                distanceMetric="cosine",
            )["indexArn"]
            mock.load_vectors(arn, keys, vectors)
            client.put_vectors(indexArn=arn, vectors=[{"key": "extra", "data": {"float32": [1.0] * DIMENSION}}])

        test()
        tests.append(test)

    one_test()  # warm up: botocore's loaders and the model caches
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            one_test()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before > ROWS * DIMENSION * 4, "the measure sees a test's 4 MiB while it runs"
    retained = current - before
    assert retained < 1024 * 1024, f"{retained / 2**20:.1f} MiB retained by 20 finished tests"


def run_tests(case: type[unittest.TestCase]) -> unittest.TestResult:
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    return result


def test_a_decorated_unittest_class_drops_each_tests_state_and_its_own_at_the_end() -> None:
    mock = S3VectorsMock()
    seen: list[list[str]] = []
    refs: Refs = []

    def names() -> list[str]:
        listed = boto3.client("s3vectors", region_name="us-east-1").list_vector_buckets()["vectorBuckets"]
        return [bucket["vectorBucketName"] for bucket in listed]

    @mock
    class Case(unittest.TestCase):
        @classmethod
        def setUpClass(cls) -> None:
            boto3.client("s3vectors", region_name="us-east-1").create_vector_bucket(vectorBucketName="class-level")

        def test_a(self) -> None:
            refs.extend(store_a_world(mock, rows=64))
            self.addCleanup(lambda: seen.append(names()))  # cleanups of the test still see its state

        def test_b(self) -> None:
            seen.append(names())

        def tearDown(self) -> None:
            gc.collect()

        @classmethod
        def tearDownClass(cls) -> None:
            seen.append(names())

    result = run_tests(Case)
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen == [["class-level", "world"], ["class-level"], ["class-level"]]
    assert_dropped(mock, refs)


def test_a_decorated_pytest_class_drops_each_tests_state_and_its_own_at_the_end() -> None:
    mock = S3VectorsMock()

    @mock
    class Case:
        def test(self) -> None:
            pass

    runs: Callable[..., Any] = Case.setup_class  # type: ignore[attr-defined]
    runs()
    boto3.client("s3vectors", region_name="us-east-1").create_vector_bucket(vectorBucketName="class-level")
    test = Case()
    test.setup_method(Case.test)  # type: ignore[attr-defined]
    refs = store_a_world(mock, rows=64)
    test.teardown_method(Case.test)  # type: ignore[attr-defined]
    assert mock.active, "the class's activation goes on"
    gc.collect()
    assert [ref for ref in refs if ref() is not None] == [], "the test's state is gone"
    Case.teardown_class()  # type: ignore[attr-defined]
    assert_dropped(mock, [])


def test_the_fixture_drops_the_tests_state_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3

        held = []

        def test_stores(s3vectors_mock):
            held.append(s3vectors_mock)
            boto3.client("s3vectors", region_name="us-east-1").create_vector_bucket(vectorBucketName="gone")
            assert s3vectors_mock.calls

        def test_the_previous_state_is_gone():
            (previous,) = held
            assert not previous.active
            assert previous.calls == []
            assert not previous._service.backend.namespaces
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_the_bare_decorator_drops_its_state_too() -> None:
    @mock_s3vectors
    def run() -> list[str]:
        client = boto3.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="bare")
        return [bucket["vectorBucketName"] for bucket in client.list_vector_buckets()["vectorBuckets"]]

    assert run() == ["bare"]
    assert run() == ["bare"]
