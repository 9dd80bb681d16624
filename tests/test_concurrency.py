"""Thread safety: concurrent writers, readers and listings on one index stay consistent with a serial order."""

from __future__ import annotations

import threading

import boto3
import numpy as np

from s3vectors_mock import S3VectorsMock

THREADS = 4
ROUNDS = 40


def test_concurrent_puts_overwrites_deletes_queries_and_listings(mock: S3VectorsMock, index: str) -> None:
    stable = [f"stable-{i:03d}" for i in range(150)]
    mock.load_vectors(index, stable, np.tile(np.array([[1.0, 0.5, 0.25]], dtype=np.float32), (150, 1)))
    errors: list[BaseException] = []
    final: dict[str, list[float] | None] = {}
    lock = threading.Lock()

    def writer(worker: int) -> None:
        client = boto3.client("s3vectors", region_name="us-east-1")
        rng = np.random.default_rng(worker)
        mine: dict[str, list[float] | None] = {}
        try:
            for round_ in range(ROUNDS):
                keys = [f"w{worker}-{k}" for k in rng.choice(20, size=5, replace=False)]
                data = [(rng.random(3) + 0.01).astype(np.float32).tolist() for _ in keys]
                client.put_vectors(
                    indexArn=index, vectors=[{"key": k, "data": {"float32": d}} for k, d in zip(keys, data)]
                )
                mine.update(zip(keys, data))
                # Read your own writes: strongly consistent.
                got = client.get_vectors(indexArn=index, keys=keys, returnData=True)["vectors"]
                assert {v["key"]: v["data"]["float32"] for v in got} == dict(zip(keys, data))
                if round_ % 3 == 0:
                    doomed = keys[:2]
                    client.delete_vectors(indexArn=index, keys=doomed)
                    mine.update(dict.fromkeys(doomed))
                    assert client.get_vectors(indexArn=index, keys=doomed)["vectors"] == []
        except BaseException as error:
            errors.append(error)
        with lock:
            final.update(mine)

    def reader(worker: int) -> None:
        client = boto3.client("s3vectors", region_name="us-east-1")
        paginator = client.get_paginator("list_vectors")
        try:
            for _ in range(ROUNDS // 4):
                hits = client.query_vectors(
                    indexArn=index, topK=10, queryVector={"float32": [1.0, 0.5, 0.25]}, returnDistance=True
                )["vectors"]
                assert len(hits) == 10
                assert [h["distance"] for h in hits] == sorted(h["distance"] for h in hits)
                listed = [
                    v["key"]
                    for page in paginator.paginate(indexArn=index, PaginationConfig={"PageSize": 37})
                    for v in page["vectors"]
                ]
                assert len(listed) == len(set(listed)), "a listing returned a key twice"
                assert set(stable) <= set(listed), "a listing missed a vector that existed throughout"
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    threads += [threading.Thread(target=reader, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    client = boto3.client("s3vectors", region_name="us-east-1")
    everything = {
        v["key"]: v["data"]["float32"]
        for page in client.get_paginator("list_vectors").paginate(indexArn=index, returnData=True)
        for v in page["vectors"]
    }
    expected = {key: data for key, data in final.items() if data is not None}
    assert {k: v for k, v in everything.items() if not k.startswith("stable-")} == expected
    assert len(everything) == len(expected) + len(stable)
