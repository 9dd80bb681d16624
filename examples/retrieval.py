"""A small retrieval function of the kind an application has: embed a question, search S3 Vectors, keep the
relevant passages. Its test (test_retrieval.py) runs entirely on the mock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_boto3_s3vectors import S3VectorsClient

Embedder = Callable[[str], Sequence[float]]


@dataclass(frozen=True)
class Passage:
    key: str
    text: str
    score: float


def index_passages(
    client: S3VectorsClient, index_arn: str, passages: dict[str, tuple[str, str]], embed: Embedder
) -> None:
    """Store passages (key → (text, language)) in batches of the service's maximum of 500."""
    records: list[Any] = [
        {"key": key, "data": {"float32": list(embed(text))}, "metadata": {"text": text, "language": language}}
        for key, (text, language) in passages.items()
    ]
    for start in range(0, len(records), 500):
        client.put_vectors(indexArn=index_arn, vectors=records[start : start + 500])


def retrieve(
    client: S3VectorsClient,
    index_arn: str,
    question: str,
    embed: Embedder,
    *,
    top_k: int = 3,
    language: str | None = None,
    min_score: float = 0.0,
) -> list[Passage]:
    """The most similar passages, best first, as cosine similarity scores (1 - distance)."""
    request: dict[str, Any] = {
        "indexArn": index_arn,
        "queryVector": {"float32": list(embed(question))},
        "topK": top_k,
        "returnDistance": True,
        "returnMetadata": True,
    }
    if language is not None:
        request["filter"] = {"language": language}
    response = client.query_vectors(**request)
    passages = [
        Passage(hit["key"], str(hit.get("metadata", {}).get("text", "")), 1.0 - hit.get("distance", 1.0))
        for hit in response["vectors"]
    ]
    return [passage for passage in passages if passage.score >= min_score]
