"""Returning free heap to the operating system after large loads and every so many request bytes."""

from __future__ import annotations

import pytest

from s3vectors_mock import _memory


def test_a_release_is_safe_to_call_anywhere() -> None:
    _memory.release_free_memory()  # glibc's malloc_trim, or nothing where there is none


def test_bodies_trigger_a_release_every_so_many_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    releases: list[None] = []
    monkeypatch.setattr(_memory, "TRIM_EVERY_BODY_BYTES", 100)
    monkeypatch.setattr(_memory, "release_free_memory", lambda: releases.append(None))
    bodies = _memory.BodyBytes()
    for _ in range(9):
        bodies.read(30)  # 270 bytes: a release at 120 and at 240
    assert len(releases) == 2


def test_a_large_load_releases_and_a_small_one_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from s3vectors_mock import S3VectorsMock, _seeding

    releases: list[None] = []
    monkeypatch.setattr(_seeding, "release_free_memory", lambda: releases.append(None))
    monkeypatch.setattr(_seeding, "LARGE_LOAD", 3)
    with S3VectorsMock() as mock:
        import boto3

        client = boto3.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="bucket")
        client.create_index(
            vectorBucketName="bucket", indexName="index", dataType="float32", dimension=2, distanceMetric="cosine"
        )
        arn = client.get_index(vectorBucketName="bucket", indexName="index")["index"]["indexArn"]
        mock.load_vectors(arn, ["a", "b"], np.ones((2, 2), dtype=np.float32))
        assert releases == []
        mock.load_vectors(arn, ["c", "d", "e"], np.ones((3, 2), dtype=np.float32))
        assert len(releases) == 1
