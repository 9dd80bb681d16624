"""topK up to 10,000 in pages of 100 (botocore with QueryVectors pagination)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.helpers import needs_client, put_in_batches

pytestmark = needs_client("QueryVectors", "nextToken")


@pytest.fixture
def loaded(client: Any, index: str) -> str:
    rng = np.random.default_rng(3)
    put_in_batches(client, index, [f"k{i:04d}" for i in range(1000)], rng.standard_normal((1000, 3)) + 0.01)
    return index


def test_pages_of_100_with_tokens(client: Any, loaded: str) -> None:
    query = {"indexArn": loaded, "topK": 250, "queryVector": {"float32": [1, 0.5, 0]}, "returnDistance": True}
    first = client.query_vectors(**query)
    assert len(first["vectors"]) == 100 and "nextToken" in first
    second = client.query_vectors(**query, nextToken=first["nextToken"])
    third = client.query_vectors(**query, nextToken=second["nextToken"])
    assert len(second["vectors"]) == 100 and len(third["vectors"]) == 50 and "nextToken" not in third
    distances = [h["distance"] for page in (first, second, third) for h in page["vectors"]]
    assert distances == sorted(distances)
    keys = [h["key"] for page in (first, second, third) for h in page["vectors"]]
    assert len(set(keys)) == 250


def test_paginator(client: Any, loaded: str) -> None:
    paginator = client.get_paginator("query_vectors")
    pages = list(paginator.paginate(indexArn=loaded, topK=1000, queryVector={"float32": [0, 1, 0]}))
    assert [len(p["vectors"]) for p in pages] == [100] * 10
    assert all(p["distanceMetric"] == "cosine" for p in pages)


def test_token_of_another_query_is_rejected(client: Any, loaded: str) -> None:
    token = client.query_vectors(indexArn=loaded, topK=300, queryVector={"float32": [1, 0, 0]})["nextToken"]
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=loaded, topK=300, queryVector={"float32": [0, 1, 0]}, nextToken=token)
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=loaded, topK=300, queryVector={"float32": [1, 0, 0]}, nextToken="forged")


def test_top_k_of_10000(client: Any, loaded: str) -> None:
    response = client.query_vectors(indexArn=loaded, topK=10_000, queryVector={"float32": [1, 0, 0]})
    assert len(response["vectors"]) == 100
    with pytest.raises(client.exceptions.ValidationException):
        client.query_vectors(indexArn=loaded, topK=10_001, queryVector={"float32": [1, 0, 0]})
