"""The 2-D map: principal axes by randomized subspace iteration agree with an exact SVD, the sample is bounded, and a
projection is cached per table version."""

from __future__ import annotations

from typing import Any

import boto3
import numpy as np
import pytest

from s3vectors_mock import mock_s3vectors
from s3vectors_mock.server.console._projection import MAX_SAMPLE, ProjectionCache, principal_axes, project


def exact_axes(centred: Any) -> Any:
    _, singular, right = np.linalg.svd(centred, full_matrices=False)
    return right[:2].T, singular[:2] ** 2


@pytest.mark.parametrize(("samples", "dimension"), [(50, 3), (300, 64), (120, 1024), (5, 40)])
def test_axes_agree_with_an_exact_svd(samples: int, dimension: int) -> None:
    rng = np.random.default_rng(7)
    # A few strong directions and noise, as embeddings have: the top two axes are well separated.
    data = rng.standard_normal((samples, 4)) @ (rng.standard_normal((4, dimension)) * [[5], [3], [1], [0.5]])
    data += 0.01 * rng.standard_normal((samples, dimension))
    centred = data - data.mean(axis=0)
    axes, variances = principal_axes(centred)
    expected_axes, expected_variances = exact_axes(centred)
    assert variances == pytest.approx(expected_variances, rel=1e-6)
    for column in range(2):
        assert abs(float(axes[:, column] @ expected_axes[:, column])) == pytest.approx(1.0, abs=1e-6)
        assert axes[int(np.argmax(np.abs(axes[:, column]))), column] > 0  # the sign is fixed


def test_degenerate_data() -> None:
    axes, variances = principal_axes(np.zeros((4, 3)))
    assert not axes.any() and not variances.any()
    axes, variances = principal_axes(np.array([[1.0], [-1.0]]))  # one dimension: one axis, the second is zero
    assert axes[:, 0] == pytest.approx([1.0]) and not axes[:, 1].any() and variances[1] == 0


def index_with(count: int, dimension: int = 8, metric: str = "euclidean") -> Any:
    mock = mock_s3vectors()
    mock.start()
    client: Any = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="bkt")
    arn = client.create_index(
        vectorBucketName="bkt", indexName="idx", dataType="float32", dimension=dimension, distanceMetric=metric
    )["indexArn"]
    if count:
        vectors = np.random.default_rng(1).standard_normal((count, dimension)).astype(np.float32) + 0.1
        mock.load_vectors(arn, [f"k{n:05d}" for n in range(count)], vectors)
    service = mock._service
    index = service.backend.namespaces[(mock.account_id, "us-east-1")].buckets["bkt"].indexes["idx"]
    mock.stop()
    return index


def test_the_sample_is_bounded_and_stable() -> None:
    index = index_with(MAX_SAMPLE + 500)
    first, second = project(index), project(index)
    assert len(first.keys) == MAX_SAMPLE and first.total == MAX_SAMPLE + 500
    assert first.keys == second.keys and np.array_equal(first.points, second.points)
    # A stored vector is placed where the map shows it.
    row = index.table.row_of[first.keys[10]]
    assert first.place(index.table.data[row])[0] == pytest.approx(first.points[10])


def test_an_empty_index_and_a_cosine_index() -> None:
    empty = project(index_with(0))
    assert empty.keys == [] and empty.payload["points"] == [] and empty.explained == (0.0, 0.0)
    cosine = project(index_with(10, metric="cosine"))
    assert cosine.normalize
    # Cosine maps directions: a vector and a multiple of it land on the same spot.
    vector = np.arange(1, 9, dtype=np.float64)
    assert cosine.place(vector)[0] == pytest.approx(cosine.place(vector * 7)[0])


def test_the_cache_follows_the_table_version() -> None:
    index = index_with(20)
    cache = ProjectionCache()
    first = cache.get(index)
    assert cache.get(index) is first
    index.table.version += 1  # what every write does
    assert cache.get(index) is not first
