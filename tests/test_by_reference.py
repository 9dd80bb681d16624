"""Nothing by reference (issue 17, item 5): no answer shares a mutable object with the state, and the state never
keeps a caller's request objects. A caller changing an answer or its own request afterwards changes nothing inside.

Every operation is exercised at the service (with the service's own, newest model, so full-text scores and query
pages are covered whatever botocore is installed), then once through boto3 and once through ``load_vectors``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._service_model import service_model
from tests.mutation import deface

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET_ARN = f"arn:aws:s3vectors:{REGION}:{ACCOUNT}:bucket/shared"
INDEX_ARN = f"{BUCKET_ARN}/index/texts"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3vectors:GetIndex",'
    f'"Resource":"{INDEX_ARN}"}}]}}'
)
RECORDS = 300  # more than two pages of a topK=250 query

Answer = Callable[..., dict[str, Any]]


def answerer(mock: S3VectorsMock) -> Answer:
    service = mock._service
    caller = service.identify(None, REGION, service_model())

    def answer(operation: str, **params: Any) -> dict[str, Any]:
        return service.answer(operation, params, caller)

    return answer


def writes() -> list[tuple[str, dict[str, Any]]]:
    """Requests holding every kind of container a write takes: tags, encryption, key lists, text search
    configurations, metadata with arrays, vector lists."""
    records = [
        {
            "key": f"doc-{n:03}",
            "data": {"float32": [1.0 + n, 0.5, -0.25]},
            "metadata": {"body": f"quick fox number {n}", "tags": ["a", "b", n], "n": n, "flag": n % 2 == 0},
        }
        for n in range(RECORDS)
    ]
    return [
        (
            "CreateVectorBucket",
            {
                "vectorBucketName": "shared",
                "encryptionConfiguration": {"sseType": "AES256"},
                "tags": {"team": "search"},
            },
        ),
        (
            "CreateIndex",
            {
                "vectorBucketName": "shared",
                "indexName": "texts",
                "dataType": "float32",
                "dimension": 3,
                "distanceMetric": "euclidean",
                "metadataConfiguration": {
                    "nonFilterableMetadataKeys": ["body"],
                    "textSearchConfigurations": [{"metadataKey": "body", "language": "en"}],
                },
                "encryptionConfiguration": {"sseType": "aws:kms", "kmsKeyArn": KMS_KEY},
                "tags": {"owner": "me"},
            },
        ),
        ("PutVectors", {"indexArn": INDEX_ARN, "vectors": records}),
        ("PutVectorBucketPolicy", {"vectorBucketArn": BUCKET_ARN, "policy": POLICY}),
        ("TagResource", {"resourceArn": INDEX_ARN, "tags": {"stage": "test"}}),
    ]


def first_reads() -> list[tuple[str, dict[str, Any]]]:
    query = {"indexArn": INDEX_ARN, "topK": 250, "returnMetadata": True, "returnDistance": True}
    return [
        ("GetVectorBucket", {"vectorBucketName": "shared"}),
        ("ListVectorBuckets", {}),
        ("GetIndex", {"indexArn": INDEX_ARN}),
        ("ListIndexes", {"vectorBucketName": "shared"}),
        ("GetVectorBucketPolicy", {"vectorBucketName": "shared"}),
        ("ListTagsForResource", {"resourceArn": BUCKET_ARN}),
        ("ListTagsForResource", {"resourceArn": INDEX_ARN}),
        (
            "GetVectors",
            {"indexArn": INDEX_ARN, "keys": ["doc-001", "doc-002"], "returnData": True, "returnMetadata": True},
        ),
        ("ListVectors", {"indexArn": INDEX_ARN, "maxResults": 5, "returnData": True, "returnMetadata": True}),
        ("QueryVectors", {**query, "queryVector": {"float32": [1.0, 0.5, -0.25]}}),
        ("QueryVectors", {**query, "queryTexts": [{"metadataKey": "body", "text": "quick fox"}], "returnScores": True}),
        (
            "QueryVectors",
            {
                **query,
                "queryVector": {"float32": [3.0, 0.5, -0.25]},
                "queryTexts": [{"metadataKey": "body", "text": "number 7"}],
                "returnScores": True,
            },
        ),
    ]


def read_everything(answer: Answer) -> list[dict[str, Any]]:
    """Every read, and for each paged query its second page (asked with the first page's token, which stays valid:
    the listing is not read to its end)."""
    answers = []
    for operation, params in first_reads():
        answers.append(answer(operation, **params))
        if operation == "QueryVectors":
            token = answers[-1]["nextToken"]
            answers.append(answer(operation, **params, nextToken=token))
    return answers


def without_tokens(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Each first page issues a new token: everything else must be the same.
    return [{name: value for name, value in answer.items() if name != "nextToken"} for answer in answers]


@pytest.mark.parametrize("clear", [False, True], ids=["grown", "emptied"])
def test_answers_and_requests_share_nothing_with_the_state(clear: bool) -> None:
    with S3VectorsMock() as mock:
        answer = answerer(mock)
        requests = writes()
        for operation, params in requests:
            answer(operation, **params)
        read = read_everything(answer)
        expected = copy.deepcopy(without_tokens(read))
        assert any(hit.get("scores") for page in read for hit in page.get("vectors", [])), "scores were covered"
        deface(read, clear=clear)
        deface(requests, clear=clear)
        assert without_tokens(read_everything(answer)) == expected


def test_second_pages_asked_again_give_the_same_scores() -> None:
    # The ranking behind a token is kept for the next pages: a page's scores must not be the kept ones.
    with S3VectorsMock() as mock:
        answer = answerer(mock)
        for operation, params in writes():
            answer(operation, **params)
        query = dict(first_reads()[-1][1])
        token = answer("QueryVectors", **query)["nextToken"]
        page = answer("QueryVectors", **query, nextToken=token)
        expected = copy.deepcopy(page["vectors"])
        for hit in page["vectors"]:
            hit["scores"]["bm25Scores"].clear()
            hit["scores"]["fused"] = -1.0
        assert answer("QueryVectors", **query, nextToken=token)["vectors"] == expected


def test_a_changed_get_index_answer_leaves_the_index_alone() -> None:
    # The reproduction, through boto3: appending to the answer's key list made that key non-filterable.
    with S3VectorsMock():
        client = boto3.client("s3vectors", region_name=REGION)
        client.create_vector_bucket(vectorBucketName="bkt")
        configuration: Any = {"nonFilterableMetadataKeys": ["body"]}
        client.create_index(
            vectorBucketName="bkt",
            indexName="idx",
            dataType="float32",
            dimension=2,
            distanceMetric="cosine",
            metadataConfiguration=configuration,
        )
        configuration["nonFilterableMetadataKeys"].append("genre")  # the caller's own request, reused
        described = client.get_index(vectorBucketName="bkt", indexName="idx")["index"]
        described["metadataConfiguration"]["nonFilterableMetadataKeys"].append("genre")
        metadata = {"genre": ["jazz"]}
        client.put_vectors(
            vectorBucketName="bkt",
            indexName="idx",
            vectors=[{"key": "k", "data": {"float32": [1, 0]}, "metadata": metadata}],
        )
        metadata["genre"].append("rock")
        hits = client.query_vectors(
            vectorBucketName="bkt",
            indexName="idx",
            topK=1,
            queryVector={"float32": [1, 0]},
            filter={"genre": "jazz"},
            returnMetadata=True,
        )["vectors"]
        assert hits == [{"key": "k", "metadata": {"genre": ["jazz"]}}]
        hits[0]["metadata"]["genre"].append("pop")
        again = client.get_vectors(vectorBucketName="bkt", indexName="idx", keys=["k"], returnMetadata=True)["vectors"]
        assert again == [{"key": "k", "metadata": {"genre": ["jazz"]}}]
        assert client.get_index(vectorBucketName="bkt", indexName="idx")["index"]["metadataConfiguration"] == {
            "nonFilterableMetadataKeys": ["body"]
        }
        with pytest.raises(ClientError):  # still refused on the key that is non-filterable
            client.query_vectors(
                vectorBucketName="bkt", indexName="idx", topK=1, queryVector={"float32": [1, 0]}, filter={"body": "x"}
            )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_load_vectors_keeps_none_of_its_arguments(dtype: type) -> None:
    with S3VectorsMock() as mock:
        client = boto3.client("s3vectors", region_name=REGION)
        client.create_vector_bucket(vectorBucketName="bkt")
        arn = client.create_index(
            vectorBucketName="bkt", indexName="idx", dataType="float32", dimension=2, distanceMetric="euclidean"
        )["indexArn"]
        keys = ["a", "b"]
        vectors: Any = np.array([[1, 2], [3, 4]], dtype=dtype)
        metadata: list[dict[str, Any] | None] = [{"tags": ["x", 1], "n": 1}, None]
        mock.load_vectors(arn, keys, vectors, metadata)
        deface([keys, vectors, metadata])
        listed = client.list_vectors(vectorBucketName="bkt", indexName="idx", returnData=True, returnMetadata=True)
        assert listed["vectors"] == [
            {"key": "a", "data": {"float32": [1.0, 2.0]}, "metadata": {"tags": ["x", 1], "n": 1}},
            {"key": "b", "data": {"float32": [3.0, 4.0]}, "metadata": {}},
        ]


def test_the_call_log_keeps_what_was_sent() -> None:
    with S3VectorsMock() as mock:
        client = boto3.client("s3vectors", region_name=REGION)
        client.create_vector_bucket(vectorBucketName="bkt")
        client.create_index(
            vectorBucketName="bkt", indexName="idx", dataType="float32", dimension=2, distanceMetric="euclidean"
        )
        batch: Any = [{"key": "k", "data": {"float32": [1.0, 2.0]}}]
        client.put_vectors(vectorBucketName="bkt", indexName="idx", vectors=batch)
        batch.clear()  # a batching loop reusing its list
        assert mock.calls[-1].params["vectors"] == [{"key": "k", "data": {"float32": [1.0, 2.0]}}]
