"""Page tokens are bounded: released with the last page, expired after five minutes, evicted beyond a memory
budget (the oldest first). A token that is gone is the service's invalid-token ValidationException."""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np
import pytest
from botocore.exceptions import ClientError

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._tokens import LIFETIME_SECONDS, new_token
from tests.helpers import error_of, needs_client

paged_queries = needs_client("QueryVectors", "nextToken")
INVALID = ("ValidationException", "The provided pagination token is invalid", 400)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(mock: S3VectorsMock) -> Clock:
    fake = Clock()
    mock._service.backend.tokens.clock = fake
    return fake


@pytest.fixture
def loaded(mock: S3VectorsMock, index: str) -> str:
    rng = np.random.default_rng(3)
    mock.load_vectors(index, [f"k{i:04d}" for i in range(1000)], rng.standard_normal((1000, 3)) + 0.01)
    return index


def query(client: Any, index: str, vector: list[float], **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = client.query_vectors(indexArn=index, topK=1000, queryVector={"float32": vector}, **extra)
    return response


def rejected(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


@paged_queries
def test_the_last_page_releases_the_snapshot(client: Any, mock: S3VectorsMock, loaded: str) -> None:
    tokens = mock._service.backend.tokens
    token = query(client, loaded, [1, 0, 0])["nextToken"]
    assert len(tokens) == 1 and tokens.held_bytes > 1000 * 12
    for _ in range(9):
        last = token
        token = query(client, loaded, [1, 0, 0], nextToken=token).get("nextToken")
    assert token is None and len(tokens) == 0 and tokens.held_bytes == 0
    assert rejected(lambda: query(client, loaded, [1, 0, 0], nextToken=last)) == INVALID


@paged_queries
def test_an_earlier_page_can_be_asked_again(client: Any, loaded: str) -> None:
    # A retried request repeats its token: until the listing is complete, every token of it stays valid.
    first = query(client, loaded, [1, 0, 0])
    second = query(client, loaded, [1, 0, 0], nextToken=first["nextToken"])
    again = query(client, loaded, [1, 0, 0], nextToken=first["nextToken"])
    assert again["vectors"] == second["vectors"] and "nextToken" in again


@paged_queries
def test_query_tokens_expire_after_five_minutes(client: Any, clock: Clock, loaded: str) -> None:
    token = query(client, loaded, [1, 0, 0])["nextToken"]
    clock.now += LIFETIME_SECONDS - 1
    token = query(client, loaded, [1, 0, 0], nextToken=token)["nextToken"]  # issued now: five more minutes
    clock.now += LIFETIME_SECONDS - 1
    assert len(query(client, loaded, [1, 0, 0], nextToken=token)["vectors"]) == 100
    clock.now += 1
    assert rejected(lambda: query(client, loaded, [1, 0, 0], nextToken=token)) == INVALID


@paged_queries
def test_beyond_the_budget_the_oldest_snapshots_are_evicted(client: Any, mock: S3VectorsMock, loaded: str) -> None:
    tokens = mock._service.backend.tokens
    first = query(client, loaded, [1, 0, 0])["nextToken"]
    tokens.budget = 3 * tokens.held_bytes + 1_000  # room for three first-page-only queries
    issued = [first] + [query(client, loaded, [1, 0, float(i)])["nextToken"] for i in range(1, 8)]
    assert len(tokens) == 3 and tokens.held_bytes <= tokens.budget
    for position, token in enumerate(issued):
        vector = [1, 0, float(position)]
        if position < 5:
            assert rejected(lambda: query(client, loaded, vector, nextToken=token)) == INVALID  # noqa: B023
        else:
            assert len(query(client, loaded, vector, nextToken=token)["vectors"]) == 100


@paged_queries
def test_a_snapshot_costs_tens_of_bytes_per_hit(client: Any, mock: S3VectorsMock, loaded: str) -> None:
    # Key strings (shared with the table while their vectors exist) and float32 distances, not one object per hit:
    # 1,500 first-page-only topK=10,000 queries used to hold 2.2 GB.
    query(client, loaded, [1, 0, 0])
    assert mock._service.backend.tokens.held_bytes < 1000 * 100


def test_list_vectors_tokens_expire_and_are_released_at_the_end(
    client: Any, mock: S3VectorsMock, clock: Clock, index: str
) -> None:
    mock.load_vectors(index, [f"k{i:03d}" for i in range(250)], np.ones((250, 3)))
    first = client.list_vectors(indexArn=index, maxResults=100)
    second = client.list_vectors(indexArn=index, maxResults=100, nextToken=first["nextToken"])
    clock.now += LIFETIME_SECONDS
    assert rejected(lambda: client.list_vectors(indexArn=index, maxResults=100, nextToken=second["nextToken"])) == (
        INVALID
    )
    token = client.list_vectors(indexArn=index, maxResults=100)["nextToken"]
    token = client.list_vectors(indexArn=index, maxResults=100, nextToken=token)["nextToken"]
    last = client.list_vectors(indexArn=index, maxResults=100, nextToken=token)
    assert len(last["vectors"]) == 50 and "nextToken" not in last
    assert len(mock._service.backend.tokens) == 0


def test_list_index_tokens_are_released_at_the_end(client: Any, mock: S3VectorsMock, bucket: str) -> None:
    for i in range(3):
        client.create_index(
            vectorBucketName=bucket, indexName=f"index-{i}", dataType="float32", dimension=2, distanceMetric="cosine"
        )
    paginator = client.get_paginator("list_indexes")
    pages = list(paginator.paginate(vectorBucketName=bucket, PaginationConfig={"PageSize": 1}))
    assert [len(page["indexes"]) for page in pages] == [1, 1, 1]
    assert len(mock._service.backend.tokens) == 0


def test_tokens_never_start_with_a_dash() -> None:
    # The AWS CLI takes "--next-token -abc" for an option; plain token_urlsafe starts with "-" once in 64 draws.
    tokens = [new_token() for _ in range(2000)]
    assert not any(token.startswith("-") for token in tokens)
    assert {len(token) for token in tokens} == {64} and len(set(tokens)) == 2000
    assert any("-" in token for token in tokens)  # still the URL-safe alphabet, dashes elsewhere included


def test_a_drawn_dash_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["-" + "a" * 63, "b" * 64])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda size: next(draws))
    assert new_token() == "b" * 64
