"""One service, many clients: whatever botocore calls it, the mock is today's S3 Vectors.

These tests run unchanged on every botocore CI covers (1.42.1, the GA model, up to the newest). What the server
accepts, rejects and returns is the same for all of them; only what a client can send, and what its parser keeps
of an answer, depends on its model. Expectations that depend on the client say so through ``client_can``.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any, cast

import numpy as np
import pytest
from botocore.model import ServiceModel, StructureShape
from botocore.validate import validate_parameters

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._service import Caller
from s3vectors_mock._service_model import SHIPPED_MODEL, client_model, service_model
from tests.helpers import client_can, error_of

QUERY = {"float32": [1.0, 0.5, 0.0]}


@pytest.fixture
def loaded(mock: S3VectorsMock, index: str) -> tuple[str, list[str]]:
    """600 vectors, and the keys of the 500 nearest to QUERY (cosine), computed here by brute force."""
    rng = np.random.default_rng(11)
    keys = [f"k{i:03d}" for i in range(600)]
    data = rng.standard_normal((600, 3)).astype(np.float32) + 0.01
    mock.load_vectors(index, keys, data)
    query = np.asarray(QUERY["float32"])
    similarity = data @ query / (np.linalg.norm(data, axis=1) * np.linalg.norm(query))
    return index, [keys[i] for i in np.argsort(-similarity, kind="stable")[:500]]


def test_top_k_500_is_answered_for_every_client(client: Any, loaded: tuple[str, list[str]]) -> None:
    index, nearest = loaded
    response = client.query_vectors(indexArn=index, topK=500, queryVector=QUERY)
    if client_can("QueryVectors", "nextToken"):
        # A client with pagination reads pages of 100 and asks for the rest.
        pages = [response]
        while "nextToken" in pages[-1]:
            pages.append(
                client.query_vectors(indexArn=index, topK=500, queryVector=QUERY, nextToken=response["nextToken"])
            )
            response = pages[-1]
        assert [len(page["vectors"]) for page in pages] == [100] * 5
        hits = [hit["key"] for page in pages for hit in page["vectors"]]
        assert set(hits) == set(nearest)
    else:
        # A GA client cannot ask for a next page: it gets the first page, as the server answers it (issue 17 C8).
        assert "nextToken" not in response and len(response["vectors"]) == 100
        assert set(hit["key"] for hit in response["vectors"]) <= set(nearest[:105])  # float32 ties at the edge


def _model_without_query_pages() -> ServiceModel:
    """Today's model minus QueryVectors' nextToken: what botocore 1.42.1 and the JavaScript SDK 3.931 know."""
    raw = json.loads(
        gzip.decompress(resources.files("s3vectors_mock").joinpath("data").joinpath(SHIPPED_MODEL).read_bytes())
    )
    for shape in ("QueryVectorsInput", "QueryVectorsOutput"):
        raw["shapes"][shape]["members"].pop("nextToken")
    return ServiceModel(raw, service_name="s3vectors")


def test_a_client_without_query_pages_gets_the_first_page_as_over_http(
    mock: S3VectorsMock, loaded: tuple[str, list[str]]
) -> None:
    index, nearest = loaded
    service = mock._service
    params = {"indexArn": index, "topK": 250, "queryVector": QUERY}
    old = service.answer("QueryVectors", params, Caller(mock.account_id, "us-east-1", _model_without_query_pages()))
    today = service.answer("QueryVectors", params, Caller(mock.account_id, "us-east-1", service_model()))
    keys = [hit["key"] for hit in old["vectors"]]
    assert keys == [hit["key"] for hit in today["vectors"]] and len(keys) == 100
    assert set(keys) <= set(nearest[:105])  # float32 ties at the edge
    assert "nextToken" not in old and "nextToken" in today


def test_top_k_cap_is_10000_for_every_client(client: Any, index: str) -> None:
    client.query_vectors(indexArn=index, topK=10_000, queryVector=QUERY)
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=10_001, queryVector=QUERY)
    assert error_of(excinfo)[1] == (
        "1 validation error detected. Value at '/topK' failed to satisfy constraint: "
        "Member must be between 1 and 10000, inclusive"
    )


def test_new_buckets_are_enhanced_for_every_client(client: Any, index: str) -> None:
    """A GA client cannot read a mode, but its new bucket's indexes are ENHANCED: `$startsWith` works."""
    client.put_vectors(
        indexArn=index,
        vectors=[
            {"key": "intro", "data": {"float32": [1, 0, 0]}, "metadata": {"path": "docs/intro.md"}},
            {"key": "main", "data": {"float32": [0, 1, 0]}, "metadata": {"path": "src/main.py"}},
        ],
    )
    hits = client.query_vectors(indexArn=index, topK=5, queryVector=QUERY, filter={"path": {"$startsWith": "docs/"}})[
        "vectors"
    ]
    assert hits == [{"key": "intro"}]


def test_more_than_100_constraints_are_refused_for_every_client(client: Any, index: str) -> None:
    client.query_vectors(indexArn=index, topK=1, queryVector=QUERY, filter={"n": {"$in": list(range(100))}})
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=1, queryVector=QUERY, filter={"n": {"$nin": list(range(150))}})
    assert error_of(excinfo)[1] == "Invalid filter: a filter may have at most 100 constraints"


def test_answers_carry_what_the_client_can_parse(client: Any, bucket: str, index: str) -> None:
    """GetIndex and GetVectorBucket answers fit the client's output shapes: today's members it lacks are dropped."""
    for operation, answer, member, described in (
        ("GetIndex", client.get_index(indexArn=index), "index", "indexMode"),
        (
            "GetVectorBucket",
            client.get_vector_bucket(vectorBucketName=bucket),
            "vectorBucket",
            "defaultIndexMode",
        ),
    ):
        output = client.meta.service_model.operation_model(operation).output_shape
        validate_parameters({member: answer[member]}, output)
        assert (described in answer[member]) == (described in output.members[member].members)
        if described in answer[member]:
            assert answer[member][described] == "ENHANCED"


def test_the_service_answers_the_same_to_every_client(mock: S3VectorsMock, client: Any, index: str) -> None:
    """Below the client's view the answer is today's service's: the newest client would get all of it."""
    service = mock._service
    newest = service.answer("GetIndex", {"indexArn": index}, Caller(mock.account_id, "us-east-1", service_model()))
    installed = service.answer("GetIndex", {"indexArn": index}, Caller(mock.account_id, "us-east-1", client_model()))
    assert newest["index"]["indexMode"] == "ENHANCED"
    output = cast(StructureShape, client_model().operation_model("GetIndex").output_shape)
    client_members = cast(StructureShape, output.members["index"]).members
    assert installed["index"] == {key: value for key, value in newest["index"].items() if key in client_members}
