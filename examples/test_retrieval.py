"""Testing a retrieval function on the mock: real search results, real errors, and what the code sent."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from retrieval import Passage, index_passages, retrieve

from s3vectors_mock import S3VectorsMock

WORDS = ["cat", "dog", "fish", "bread", "cheese", "wine", "chat", "chien", "pain", "fromage", "vin", "poisson"]


def embed(text: str) -> Sequence[float]:
    """A tiny deterministic bag-of-words embedding: similar words give similar vectors."""
    vector = np.zeros(len(WORDS) + 1, dtype=np.float32)
    for word in text.lower().split():
        word = word.strip(".,!?")
        if word in WORDS:
            vector[WORDS.index(word)] += 1.0
        else:
            vector[-1] += 0.1 + int(hashlib.md5(word.encode()).hexdigest(), 16) % 7 / 100
    values: list[float] = vector.tolist()
    return values


PASSAGES = {
    "en-1": ("The cat chased the dog", "en"),
    "en-2": ("Bread and cheese with wine", "en"),
    "en-3": ("A fish for the cat", "en"),
    "fr-1": ("Le chat et le chien", "fr"),
    "fr-2": ("Du pain, du fromage et du vin", "fr"),
}


@pytest.fixture
def index_arn(s3vectors_client: Any) -> str:
    s3vectors_client.create_vector_bucket(vectorBucketName="knowledge")
    arn: str = s3vectors_client.create_index(
        vectorBucketName="knowledge",
        indexName="passages",
        dataType="float32",
        dimension=len(WORDS) + 1,
        distanceMetric="cosine",
        metadataConfiguration={"nonFilterableMetadataKeys": ["text"]},
    )["indexArn"]
    index_passages(s3vectors_client, arn, PASSAGES, embed)
    return arn


def test_finds_the_most_similar_passages(s3vectors_client: Any, index_arn: str) -> None:
    results = retrieve(s3vectors_client, index_arn, "cheese and wine?", embed, top_k=2)
    assert results[0].key == "en-2"
    assert results[0].text == "Bread and cheese with wine"
    assert results[0].score > results[1].score
    assert isinstance(results[0], Passage)


def test_language_filter(s3vectors_client: Any, index_arn: str) -> None:
    results = retrieve(s3vectors_client, index_arn, "cat", embed, language="fr")
    assert {p.key for p in results} <= {"fr-1", "fr-2"}


def test_min_score_drops_weak_matches(s3vectors_client: Any, index_arn: str) -> None:
    assert retrieve(s3vectors_client, index_arn, "bread", embed, min_score=0.99) == []


def test_the_code_sends_what_we_expect(s3vectors_mock: S3VectorsMock, s3vectors_client: Any, index_arn: str) -> None:
    retrieve(s3vectors_client, index_arn, "fish", embed, top_k=4, language="en")
    (query,) = [c for c in s3vectors_mock.calls if c.operation == "QueryVectors"]
    assert query.params["topK"] == 4
    assert query.params["filter"] == {"language": "en"}
    assert all(len(c.params["vectors"]) <= 500 for c in s3vectors_mock.calls if c.operation == "PutVectors")


def test_a_missing_index_surfaces_as_aws_would(s3vectors_client: Any, index_arn: str) -> None:
    with pytest.raises(s3vectors_client.exceptions.NotFoundException):
        retrieve(s3vectors_client, index_arn.replace("passages", "missing"), "cat", embed)


def test_throttling_is_retried_by_the_client(s3vectors_mock: S3VectorsMock, index_arn: str) -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3vectors", region_name="us-east-1", config=Config(retries={"mode": "standard", "max_attempts": 4})
    )
    s3vectors_mock.inject_error("QueryVectors", "TooManyRequestsException", times=2)
    assert retrieve(client, index_arn, "dog", embed)[0].key in {"en-1", "fr-1"}
