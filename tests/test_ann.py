"""Approximate search for large indexes: recall against exact search, and writes mirrored into the IVF index."""

from __future__ import annotations

from typing import Any

import boto3
import numpy as np
import pytest

from s3vectors_mock import mock_s3vectors

COUNT, DIMENSION = 20_000, 32


@pytest.fixture(scope="module")
def clustered() -> tuple[np.ndarray[Any, Any], list[list[float]]]:
    rng = np.random.default_rng(11)
    centers = rng.standard_normal((200, DIMENSION)).astype(np.float32) * 4
    data = centers[rng.integers(0, 200, COUNT)] + rng.standard_normal((COUNT, DIMENSION)).astype(np.float32)
    queries = (centers[rng.integers(0, 200, 30)] + rng.standard_normal((30, DIMENSION))).tolist()
    return data, queries


def loaded_index(mock: Any, data: Any, metric: str, count: int = COUNT) -> tuple[Any, str]:
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="ann-bucket")
    arn: str = client.create_index(
        vectorBucketName="ann-bucket", indexName="idx", dataType="float32", dimension=DIMENSION, distanceMetric=metric
    )["indexArn"]
    mock.load_vectors(arn, [f"k{i}" for i in range(count)], data)
    return client, arn


def answers(approximate_above: int | None, data: Any, queries: list[list[float]], metric: str) -> list[list[str]]:
    with mock_s3vectors(approximate_above=approximate_above) as m:
        client, arn = loaded_index(m, data, metric)
        return [
            [h["key"] for h in client.query_vectors(indexArn=arn, topK=10, queryVector={"float32": q})["vectors"]]
            for q in queries
        ]


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_recall_at_10(clustered: Any, metric: str) -> None:
    data, queries = clustered
    exact = answers(None, data, queries, metric)
    approximate = answers(1_000, data, queries, metric)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact)])
    assert recall >= 0.95


def test_writes_are_mirrored_into_the_ivf_index(clustered: Any) -> None:
    data, queries = clustered
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        query = {"indexArn": arn, "topK": 3, "queryVector": {"float32": queries[0]}, "returnDistance": True}
        first = client.query_vectors(**query)["vectors"]  # builds the IVF index
        table = m.backend.namespace("123456789012", "us-east-1").buckets["ann-bucket"].indexes["idx"].table
        assert table._ivf is not None
        # A new exact match, an overwrite moving the old best far away, and a delete: all visible at once.
        client.put_vectors(
            indexArn=arn,
            vectors=[
                {"key": "new-exact", "data": {"float32": queries[0]}},
                {"key": first[0]["key"], "data": {"float32": [100.0] * DIMENSION}},
            ],
        )
        client.delete_vectors(indexArn=arn, keys=[first[1]["key"]])
        after = client.query_vectors(**query)["vectors"]
        assert after[0] == {"key": "new-exact", "distance": 0.0}
        assert first[0]["key"] not in [h["key"] for h in after]
        assert first[1]["key"] not in [h["key"] for h in after]


def test_a_full_top_k_of_correctly_ranked_results() -> None:
    # 2,000 vectors with the switch lowered: the IVF index's probed lists hold far fewer than 1,000 vectors, which
    # used to cut the answer to ~200 hits. Every answer holds min(topK, vectors) hits, nearest first, as exact.
    rng = np.random.default_rng(5)
    data = rng.standard_normal((2_000, DIMENSION)).astype(np.float32)
    query = {"float32": rng.standard_normal(DIMENSION).tolist()}
    answers = {}
    for label, threshold in (("exact", None), ("approximate", 1_000)):
        with mock_s3vectors(approximate_above=threshold) as m:
            client, arn = loaded_index(m, data, "euclidean", count=2_000)
            answers[label] = [
                client.get_paginator("query_vectors")
                .paginate(indexArn=arn, topK=top_k, queryVector=query, returnDistance=True)
                .build_full_result()["vectors"]
                for top_k in (1_000, 2_000, 100)
            ]
    for hits, top_k in zip(answers["approximate"], (1_000, 2_000, 100)):
        assert len(hits) == top_k
        distances = [hit["distance"] for hit in hits]
        assert distances == sorted(distances)
    assert answers["approximate"][:2] == answers["exact"][:2]
