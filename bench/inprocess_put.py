"""In-process PutVectors 500 × 1024 with 3 metadata keys: the cost of one call, in CPU time of the calling thread
(steadier than wall time on a shared machine), plus GetIndex as a small call.

    PYTHONPATH=src .venv/bin/python bench/inprocess_put.py [--batches 12]

Compare two trees by running it with each one's ``src`` first on PYTHONPATH, alternately.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any, cast

import boto3

from s3vectors_mock import S3VectorsMock

DIMENSION = 1024
RECORDS = 500


def batch(rng: random.Random, offset: int) -> list[dict[str, Any]]:
    return [
        {
            "key": f"k{offset + i}",
            "data": {"float32": [rng.random() for _ in range(DIMENSION)]},
            "metadata": {"genre": "doc", "year": 2000 + i % 20, "tags": ["a", "b"]},
        }
        for i in range(RECORDS)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=12)
    arguments = parser.parse_args()
    rng = random.Random(1)
    with S3VectorsMock():
        client = boto3.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="bench")
        client.create_index(
            vectorBucketName="bench", indexName="put", dataType="float32", dimension=DIMENSION, distanceMetric="cosine"
        )
        batches = [batch(rng, i * RECORDS) for i in range(arguments.batches)]
        puts = []
        for records in batches:
            start = time.thread_time()
            client.put_vectors(vectorBucketName="bench", indexName="put", vectors=cast(Any, records))
            puts.append(time.thread_time() - start)
        small = []
        for _ in range(500):
            start = time.thread_time()
            client.get_index(vectorBucketName="bench", indexName="put")
            small.append(time.thread_time() - start)
    puts = puts[1:]  # the first call pays one-time costs (model loading, caches)
    print(
        f"PutVectors {RECORDS} x {DIMENSION}: median {statistics.median(puts) * 1000:.1f} ms, "
        f"min {min(puts) * 1000:.1f} ms (CPU time, {len(puts)} calls); "
        f"GetIndex: median {statistics.median(small) * 1e6:.0f} us"
    )


if __name__ == "__main__":
    main()
