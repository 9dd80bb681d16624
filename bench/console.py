"""What the server's console costs on a large index: each endpoint's time and the longest wait it causes another
thread for the backend's lock (the code under test's calls wait for that lock).

Run with ``.venv/bin/python bench/console.py [--vectors 200000] [--dimension 128]`` (the server extra is needed).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.request
from typing import Any

import boto3
import numpy as np

from s3vectors_mock import S3VectorsMock


def _lock_probe(lock: Any, stop: threading.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        with lock:
            pass
        worst[0] = max(worst[0], time.perf_counter() - started)
        time.sleep(0.0005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vectors", type=int, default=200_000)
    parser.add_argument("--dimension", type=int, default=128)
    arguments = parser.parse_args()
    count, dimension = arguments.vectors, arguments.dimension
    mock = S3VectorsMock()
    with mock.serve() as server:
        client = boto3.client(
            "s3vectors",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        client.create_vector_bucket(vectorBucketName="big")
        arn = client.create_index(
            vectorBucketName="big", indexName="idx", dataType="float32", dimension=dimension, distanceMetric="cosine"
        )["indexArn"]
        rng = np.random.default_rng(0)
        keys = [f"doc-{n:07d}" for n in rng.permutation(count)]  # stored out of key order: the table sorts them
        vectors = rng.standard_normal((count, dimension)).astype(np.float32)
        mock.load_vectors(arn, keys, vectors, [{"n": n % 100} for n in range(count)])
        index = f"api/indexes/{mock.account_id}/us-east-1/big/idx"
        print(f"{count:,} vectors of dimension {dimension}\n")
        print("| endpoint | time | longest lock wait | answer |\n|---|---:|---:|---:|")
        for label, path, body in [
            ("overview", "api/overview", None),
            ("vectors page (first: sorts the keys)", f"{index}/vectors?limit=25", None),
            ("vectors page (order cached)", f"{index}/vectors?offset=1000&limit=25", None),
            ("projection (first: PCA of 2,000)", f"{index}/projection", None),
            ("projection (cached)", f"{index}/projection", None),
            ("query by key, topK 10", f"{index}/query", {"key": keys[42], "topK": 10}),
            ("calls", "api/calls", None),
        ]:
            stop, worst = threading.Event(), [0.0]
            probe = threading.Thread(target=_lock_probe, args=(server.service.backend.lock, stop, worst))
            probe.start()
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(f"{server.url}/_s3vectors-mock/{path}", data=data)
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                size = len(response.read())
            elapsed = time.perf_counter() - started
            stop.set()
            probe.join()
            print(f"| {label} | {elapsed * 1000:.1f} ms | {worst[0] * 1000:.1f} ms | {size / 1024:.1f} KiB |")


if __name__ == "__main__":
    main()
