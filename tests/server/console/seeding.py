"""The state the console tests look at: the quickstart's movies, plus a second account and region and a text index."""

from __future__ import annotations

from typing import Any

from s3vectors_mock._service import Caller, S3VectorsService
from s3vectors_mock._service_model import service_model

from ..conftest import http_client

MOVIES: list[dict[str, Any]] = [
    {"key": "star-wars", "data": {"float32": [0.9, 0.1, 0.0]}, "metadata": {"genre": "scifi", "year": 1977}},
    {"key": "alien", "data": {"float32": [0.8, 0.3, 0.1]}, "metadata": {"genre": "scifi", "year": 1979}},
    {"key": "amelie", "data": {"float32": [0.1, 0.9, 0.2]}, "metadata": {"genre": "romance", "year": 2001}},
    {
        "key": "casablanca",
        "data": {"float32": [0.2, 0.8, 0.3]},
        "metadata": {"genre": ["romance", "drama"], "year": 1942, "plot": "Of all the gin joints..."},
    },
]
# A key and metadata a page must show as text, never run as markup.
HOSTILE_KEY = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE: dict[str, Any] = {
    "key": HOSTILE_KEY,
    "data": {"float32": [0.3, 0.3, 0.9]},
    "metadata": {"genre": "<b>bold</b><script>x()</script>", "<i>k</i>": "v"},
}
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "444455556666"
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, '
    '"Action": "s3vectors:QueryVectors", "Resource": "*"}]}'
)


def seed_hostile(url: str) -> None:
    """A bucket whose vector's key and metadata are markup (a page must show them as text)."""
    client = http_client(url)
    client.create_vector_bucket(vectorBucketName="hostile")
    client.create_index(
        vectorBucketName="hostile", indexName="markup", dataType="float32", dimension=3, distanceMetric="euclidean"
    )
    # And the longest key and a long metadata value, which must not stretch the page beyond the window.
    longest = {"key": "k" * 1024, "data": {"float32": [0.3, 0.2, 0.9]}, "metadata": {"note": "word " * 300}}
    client.put_vectors(vectorBucketName="hostile", indexName="markup", vectors=[HOSTILE, longest, *MOVIES[:2]])


def seed_movies(url: str, *, hostile: bool = False) -> Any:
    """The quickstart's bucket, index and vectors, created over HTTP; returns the client."""
    client = http_client(url)
    client.create_vector_bucket(vectorBucketName="movies")
    client.create_index(
        vectorBucketName="movies",
        indexName="plots",
        dataType="float32",
        dimension=3,
        distanceMetric="cosine",
        metadataConfiguration={"nonFilterableMetadataKeys": ["plot"]},
    )
    client.put_vectors(vectorBucketName="movies", indexName="plots", vectors=MOVIES + ([HOSTILE] if hostile else []))
    return client


def seed_text_index(service: S3VectorsService) -> None:
    """A bucket of another account in another region, with a full-text index, made through the service itself (an
    old botocore's client cannot send textSearchConfigurations)."""
    caller = Caller(OTHER_ACCOUNT, "eu-west-1", service_model())
    service.answer("CreateVectorBucket", {"vectorBucketName": "docs"}, caller)
    service.answer(
        "CreateIndex",
        {
            "vectorBucketName": "docs",
            "indexName": "chunks",
            "dataType": "float32",
            "dimension": 4,
            "distanceMetric": "euclidean",
            "metadataConfiguration": {
                "nonFilterableMetadataKeys": ["body"],
                "textSearchConfigurations": [{"metadataKey": "body", "language": "en"}],
            },
        },
        caller,
    )
    service.answer(
        "PutVectors",
        {
            "vectorBucketName": "docs",
            "indexName": "chunks",
            "vectors": [
                {"key": "fox", "data": {"float32": [1, 0, 0, 0]}, "metadata": {"body": "the quick brown fox"}},
                {"key": "dog", "data": {"float32": [0, 1, 0, 0]}, "metadata": {"body": "a lazy dog sleeps"}},
                {"key": "cat", "data": {"float32": [0, 0, 1, 0]}, "metadata": {"body": "cats and a quick dog"}},
            ],
        },
        caller,
    )
    service.answer("TagResource", {"resourceArn": _index_arn(), "tags": {"team": "search"}}, caller)
    service.answer(
        "PutVectorBucketPolicy",
        {"vectorBucketName": "docs", "policy": POLICY},
        caller,
    )


def _index_arn() -> str:
    return f"arn:aws:s3vectors:eu-west-1:{OTHER_ACCOUNT}:bucket/docs/index/chunks"
