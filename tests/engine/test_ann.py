"""Approximate search for large indexes: recall against exact search on several kinds of data, full answers, the
audit, and writes mirrored into the IVF index."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

import boto3
import numpy as np
import pytest

from s3vectors_mock import mock_s3vectors
from s3vectors_mock.engine import ann
from tests.helpers import client_can

if TYPE_CHECKING:
    from types_boto3_s3vectors.literals import DistanceMetricType
    from types_boto3_s3vectors.type_defs import PutInputVectorTypeDef

COUNT, DIMENSION, QUERIES = 10_000, 32, 30
Data = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]


def gaussian(rng: np.random.Generator, count: int) -> np.ndarray[Any, Any]:
    return rng.standard_normal((count, DIMENSION)).astype(np.float32)


def clustered(rng: np.random.Generator, count: int) -> np.ndarray[Any, Any]:
    centers = np.random.default_rng(11).standard_normal((200, DIMENSION)).astype(np.float32) * 4
    return centers[rng.integers(0, 200, count)] + rng.standard_normal((count, DIMENSION)).astype(np.float32)


def embedding_like(rng: np.random.Generator, count: int) -> np.ndarray[Any, Any]:
    # Anisotropic, as sentence embeddings are: a few strong directions (power-law spectrum) plus noise, normalized.
    basis = np.linalg.qr(np.random.default_rng(12).standard_normal((DIMENSION, 12)))[0].T
    latent = rng.standard_normal((count, 12)) * np.arange(1, 13) ** -0.5
    vectors = latent @ basis + 0.05 * rng.standard_normal((count, DIMENSION))
    normalized: np.ndarray[Any, Any] = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return normalized


FAMILIES = {"gaussian": gaussian, "clustered": clustered, "embedding-like": embedding_like}


def family(name: str) -> Data:
    """Stored vectors, then queries from the same distribution (warm-up queries first, then the measured ones)."""
    rng = np.random.default_rng(7)
    return FAMILIES[name](rng, COUNT), FAMILIES[name](rng, ann.WARM_UP_QUERIES + QUERIES)


def loaded_index(mock: Any, data: Any, metric: DistanceMetricType) -> tuple[Any, str]:
    client = boto3.client("s3vectors", region_name="us-east-1")
    client.create_vector_bucket(vectorBucketName="ann-bucket")
    arn: str = client.create_index(
        vectorBucketName="ann-bucket", indexName="idx", dataType="float32", dimension=DIMENSION, distanceMetric=metric
    )["indexArn"]
    mock.load_vectors(arn, [f"k{i}" for i in range(len(data))], data)
    return client, arn


def table_of(mock: Any) -> Any:
    return mock._service.backend.namespace("123456789012", "us-east-1").buckets["ann-bucket"].indexes["idx"].table


def warm_up(mock: Any, client: Any, arn: str, metric: str, queries: Any) -> Any:
    """Ask the warm-up queries (answered exactly), then wait for the background build; the approximate search."""
    for query in queries[: ann.WARM_UP_QUERIES]:
        keys_of(client, arn, query, 10)
    search = table_of(mock).approximate(metric)
    assert search.wait(timeout=60)
    return search


def exact_keys(data: Any, queries: Any, k: int, metric: str) -> list[list[str]]:
    """The keys of the k nearest stored vectors of each query (a float64 brute force)."""
    vectors, q = data.astype(np.float64), np.asarray(queries, dtype=np.float64).reshape(-1, data.shape[1])
    products = q @ vectors.T
    if metric == "cosine":
        distances = 1 - products / np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(vectors, axis=1))
    else:
        distances = (vectors**2).sum(axis=1)[None, :] - 2 * products
    nearest = np.argpartition(distances, k, axis=1)[:, :k]
    return [[f"k{i}" for i in row] for row in nearest]


def recall(found: list[list[str]], truth: list[list[str]]) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def keys_of(client: Any, arn: str, query: Any, k: int) -> list[str]:
    response = client.query_vectors(indexArn=arn, topK=k, queryVector={"float32": np.asarray(query).tolist()})
    return [hit["key"] for hit in response["vectors"]]


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("name", list(FAMILIES))
def test_recall_at_10_and_100(name: str, metric: DistanceMetricType) -> None:
    # Unclustered data used to give recall 0.2-0.4 with a fixed nprobe. Now every approximate answer reaches the
    # target: nprobe is calibrated per index, and an index that cannot reach it within the scan limit stays exact.
    data, queries = family(name)
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, metric)
        search = warm_up(m, client, arn, metric, queries)
        queries = queries[ann.WARM_UP_QUERIES :]
        for k in (10, 100):
            found = recall([keys_of(client, arn, q, k) for q in queries], exact_keys(data, queries, k, metric))
            assert found >= ann.RECALL_TARGET, (name, metric, k, found)
        if name == "clustered":  # the IVF index did answer (and cheaply), it did not just fall back to exact
            assert search.index is not None
            assert search.index.nprobe[10] <= search.index.lists // 10


def all_hits(client: Any, **query: Any) -> list[Any]:
    """Every hit of a query: through the paginator, or the first page (at most 100 hits, as the service answers it)
    for a client without QueryVectors nextToken."""
    if not client_can("QueryVectors", "nextToken"):
        hits: list[Any] = client.query_vectors(**query)["vectors"]
        return hits
    result: list[Any] = client.get_paginator("query_vectors").paginate(**query).build_full_result()["vectors"]
    return result


def test_a_full_top_k_of_correctly_ranked_results() -> None:
    # 2,000 vectors with the switch lowered: the IVF index's probed lists hold far fewer than 1,000 vectors, which
    # used to cut the answer to ~200 hits. Every answer holds min(topK, vectors) hits, nearest first, as exact.
    rng = np.random.default_rng(5)
    data, query = clustered(rng, 2_000), {"float32": rng.standard_normal(DIMENSION).tolist()}
    answers = {}
    for label, threshold in (("exact", None), ("approximate", 1_000)):
        with mock_s3vectors(approximate_above=threshold) as m:
            client, arn = loaded_index(m, data, "euclidean")
            if threshold is not None:
                assert warm_up(m, client, arn, "euclidean", data).index is not None
            answers[label] = [
                all_hits(client, indexArn=arn, topK=top_k, queryVector=query, returnDistance=True)
                for top_k in (1_000, 2_000, 100, 10)
            ]
    pages = client_can("QueryVectors", "nextToken")  # a client that cannot page gets the first page only
    for hits, top_k in zip(answers["approximate"], (1_000, 2_000, 100, 10)):
        assert len(hits) == (top_k if pages else min(top_k, 100))
        distances = [hit["distance"] for hit in hits]
        assert distances == sorted(distances)
    assert answers["approximate"][:2] == answers["exact"][:2]


def test_the_audit_escalates_when_real_queries_are_harder_than_the_calibration() -> None:
    # Calibrated on the stored (clustered) vectors, then asked only about points far from every cluster: the audit
    # measures the recall on these real queries and probes more lists, or goes exact, until it reaches the target.
    data, queries = family("clustered")
    far = np.random.default_rng(3).standard_normal((150, DIMENSION)) * 12
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        search = warm_up(m, client, arn, "euclidean", queries)
        assert search.index is not None
        calibrated = search.index.nprobe[10]
        found = [keys_of(client, arn, q, 10) for q in far]
        assert search.index is None or search.index.nprobe.get(10, calibrated + 1) > calibrated
        assert recall(found[-50:], exact_keys(data, far[-50:], 10, "euclidean")) >= ann.RECALL_TARGET


def test_writes_are_mirrored_into_the_ivf_index() -> None:
    data, queries = family("clustered")
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        assert warm_up(m, client, arn, "euclidean", queries).index is not None
        query = {"indexArn": arn, "topK": 3, "queryVector": {"float32": queries[0].tolist()}, "returnDistance": True}
        first = client.query_vectors(**query)["vectors"]
        # A new exact match, an overwrite moving the old best far away, and a delete: all visible at once.
        client.put_vectors(
            indexArn=arn,
            vectors=[
                {"key": "new-exact", "data": {"float32": queries[0].tolist()}},
                {"key": first[0]["key"], "data": {"float32": [100.0] * DIMENSION}},
            ],
        )
        client.delete_vectors(indexArn=arn, keys=[first[1]["key"]])
        after = client.query_vectors(**query)["vectors"]
        assert after[0] == {"key": "new-exact", "distance": 0.0}
        assert first[0]["key"] not in [h["key"] for h in after]
        assert first[1]["key"] not in [h["key"] for h in after]


@pytest.fixture
def held_build(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Builds wait for the returned event before training, so a test can act while one is running."""
    release = threading.Event()
    real_build = ann.build_ivf

    def build(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(timeout=60)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(ann, "build_ivf", build)
    return release


@pytest.mark.parametrize("under_lock", [ann.CATCH_UP_UNDER_LOCK, 0], ids=["caught-up-under-lock", "outside"])
def test_no_query_waits_for_the_build(
    held_build: threading.Event, monkeypatch: pytest.MonkeyPatch, under_lock: int
) -> None:
    # The IVF index is trained and filled in a background thread while queries are answered exactly; writes made
    # meanwhile are caught up before it answers. Here the build is held until the writes are done.
    monkeypatch.setattr(ann, "CATCH_UP_UNDER_LOCK", under_lock)
    data, queries = family("clustered")
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        for query in queries[: ann.WARM_UP_QUERIES]:
            keys_of(client, arn, query, 10)
        search = table_of(m).approximate("euclidean")
        assert not search.wait(timeout=0)  # building (held), and yet:
        assert keys_of(client, arn, queries[-1], 10) == exact_keys(data, queries[-1], 10, "euclidean")[0]
        client.put_vectors(
            indexArn=arn,
            vectors=[
                {"key": "new-exact", "data": {"float32": queries[-1].tolist()}},
                {"key": "k1", "data": {"float32": queries[-2].tolist()}},
            ],
        )
        client.delete_vectors(indexArn=arn, keys=["k0", "k2"])
        held_build.set()
        assert search.wait(timeout=60) and search.index is not None
        for _ in range(3):  # approximate answers (and audits) that include every write made during the build
            assert keys_of(client, arn, queries[-1], 1) == ["new-exact"]
            assert keys_of(client, arn, queries[-2], 1) == ["k1"]
            assert keys_of(client, arn, data[0], 1) != ["k0"] and keys_of(client, arn, data[2], 1) != ["k2"]
        assert search._answers > 0
        assert search.index.nprobe  # still approximate: the audits found nothing missing


def test_a_dropped_index_ends_its_build(held_build: threading.Event) -> None:
    data, queries = family("clustered")
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "cosine")
        for query in queries[: ann.WARM_UP_QUERIES]:
            keys_of(client, arn, query, 10)
        table = weakref.ref(table_of(m))
        search = table_of(m).approximate("cosine")
        m.reset()
        assert table() is None  # the builder holds the matrix, not the table
        held_build.set()
        assert search.wait(timeout=60) and search.index is None


def test_the_index_matches_the_table_after_a_build_under_concurrent_writes(
    held_build: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writers put, overwrite and delete from two threads before, during and after the build; once they stop, the
    # IVF index holds exactly the table's live rows, each with its current vector. (The writers churn enough to
    # make the new index stale at once: retraining is kept out of this test, to check the mirroring of this build.)
    monkeypatch.setattr(ann, "CHURN_TO_RETRAIN", float("inf"))
    data, queries = family("clustered")
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        for query in queries[: ann.WARM_UP_QUERIES]:
            keys_of(client, arn, query, 10)
        search = table_of(m).approximate("euclidean")
        stop = threading.Event()

        def write(seed: int) -> None:
            rng = np.random.default_rng(seed)
            writer = boto3.client("s3vectors", region_name="us-east-1")
            while not stop.is_set():
                keys = [f"k{i}" for i in rng.integers(0, COUNT + 500, 40)]
                vectors: list[PutInputVectorTypeDef] = [
                    {"key": key, "data": {"float32": rng.standard_normal(DIMENSION).tolist()}} for key in keys
                ]
                writer.put_vectors(indexArn=arn, vectors=vectors)
                writer.delete_vectors(indexArn=arn, keys=[f"k{i}" for i in rng.integers(0, COUNT + 500, 20)])

        writers = [threading.Thread(target=write, args=(seed,)) for seed in (1, 2)]
        for thread in writers:
            thread.start()
        held_build.set()
        assert search.wait(timeout=60)
        keys_of(client, arn, queries[0], 10)
        stop.set()
        for thread in writers:
            thread.join()
        table = table_of(m)
        assert search.index is not None and search.index._index.ntotal == table.size
        stored = search.index._index.reconstruct_batch(np.arange(table.size, dtype=np.int64))
        assert np.array_equal(stored, table.data[: table.size])


# ---- retraining ---------------------------------------------------------------------------------------------------


def shifted_clusters(rng: np.random.Generator, count: int, seed: int) -> tuple[np.ndarray[Any, Any], Any]:
    """Clustered vectors around 200 centres of their own (a seed per generation of data), and those centres."""
    centers = np.random.default_rng(seed).standard_normal((200, DIMENSION)).astype(np.float32) * 4
    data = centers[rng.integers(0, 200, count)] + rng.standard_normal((count, DIMENSION)).astype(np.float32)
    return data, centers


def test_an_index_mostly_overwritten_with_new_clusters_is_retrained() -> None:
    # The user's case of issue 21: 40,000 clustered vectors, an IVF index built, then 60% overwritten with vectors
    # from new clusters and queries asked near the new data. On the old index: mean recall@10 0.936, single queries
    # at 0.0. The churn starts a new build (answers are exact meanwhile), calibrated on the data of now.
    rng = np.random.default_rng(21)
    count = 40_000
    data, _ = shifted_clusters(rng, count, seed=101)
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        first = warm_up(m, client, arn, "euclidean", data[: ann.WARM_UP_QUERIES] + 0.1)
        assert first.index is not None and first.builds == 1
        overwritten = rng.permutation(count)[: count * 6 // 10]
        new, centers = shifted_clusters(rng, len(overwritten), seed=202)
        data[overwritten] = new
        keys = [f"k{i}" for i in overwritten]
        for start in range(0, len(keys), 5_000):  # in batches, as an ingestion job would
            m.load_vectors(arn, keys[start : start + 5_000], new[start : start + 5_000])
        queries = centers[rng.integers(0, 200, 300)] + rng.standard_normal((300, DIMENSION)).astype(np.float32)
        found = [keys_of(client, arn, q, 10) for q in queries]
        search = table_of(m).approximate("euclidean")
        assert search.builds == 2
        assert search.wait(timeout=60) and search.index is not None  # approximate again, on the new data
        found += [keys_of(client, arn, q, 10) for q in queries]
        approximate_answers = search._answers
    truth = exact_keys(data, queries, 10, "euclidean") * 2
    per_query = [len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]
    assert np.mean(per_query) >= ann.RECALL_TARGET, np.mean(per_query)
    assert min(per_query) >= 0.5, sorted(per_query)[:10]
    assert approximate_answers > 200  # the second round was answered by the new index, not exactly


def test_an_index_that_doubled_is_retrained_while_the_old_one_answers(held_build: threading.Event) -> None:
    rng = np.random.default_rng(22)
    data, _ = shifted_clusters(rng, 8_000, seed=101)
    more, _ = shifted_clusters(rng, 8_000, seed=101)
    with mock_s3vectors(approximate_above=1_000) as m:
        client, arn = loaded_index(m, data, "euclidean")
        for query in data[: ann.WARM_UP_QUERIES]:
            keys_of(client, arn, query, 10)
        search = table_of(m).approximate("euclidean")
        held_build.set()
        assert search.wait(timeout=60) and search.index is not None
        old = search.index
        held_build.clear()
        m.load_vectors(arn, [f"more{i}" for i in range(len(more))], more)
        answers = search._answers
        assert keys_of(client, arn, more[5], 1) == ["more5"]  # found by the old index, which saw the new rows
        assert search.builds == 2 and search.index is old and search._answers == answers + 1
        held_build.set()
        assert search.wait(timeout=60)
        assert search.index is not None and search.index is not old
        assert search.index.lists == ann._lists_for(16_000)
        assert keys_of(client, arn, more[7], 1) == ["more7"]
        assert search.builds == 2  # trained on the table of now: not stale any more
