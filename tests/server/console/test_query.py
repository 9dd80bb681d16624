"""Console queries: the hits and errors QueryVectors gives, placed on the map, never logged as calls of the code under
test, and never consuming an injected fault or latency."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ..conftest import RawHTTP, http_client
from .seeding import ACCOUNT, MOVIES, OTHER_ACCOUNT, seed_movies, seed_text_index

QUERY = f"/_s3vectors-mock/api/indexes/{ACCOUNT}/us-east-1/movies/plots/query"
PROJECTION = f"/_s3vectors-mock/api/indexes/{ACCOUNT}/us-east-1/movies/plots/projection"


@pytest.fixture
def client(s3vectors_server: Any) -> Any:
    return seed_movies(s3vectors_server.url)


def console_query(raw: RawHTTP, form: dict[str, Any], path: str = QUERY) -> Any:
    answer = raw.request("POST", path, form)
    assert answer.status == 200, answer.body
    return answer.json


def test_query_by_key_gives_the_hits_query_vectors_gives(client: Any, raw: RawHTTP) -> None:
    expected = client.query_vectors(
        vectorBucketName="movies",
        indexName="plots",
        queryVector={"float32": [0.1, 0.9, 0.2]},  # amelie's vector
        topK=3,
        returnDistance=True,
        returnMetadata=True,
    )["vectors"]
    result = console_query(raw, {"key": "amelie", "topK": 3})
    assert result["distanceMetric"] == "cosine"
    assert [(hit["key"], hit["distance"], hit["metadata"]) for hit in result["hits"]] == [
        (hit["key"], hit["distance"], hit["metadata"]) for hit in expected
    ]
    assert [hit["key"] for hit in result["hits"]] == ["amelie", "casablanca", "alien"]


def test_query_by_vector_with_a_filter(client: Any, raw: RawHTTP) -> None:
    result = console_query(
        raw,
        {"vector": [0.15, 0.85, 0.25], "topK": 3, "filter": {"$and": [{"genre": "romance"}, {"year": {"$lt": 2000}}]}},
    )
    assert [hit["key"] for hit in result["hits"]] == ["casablanca"]
    assert result["query"]["key"] is None


def test_hits_and_query_are_placed_on_the_map(client: Any, raw: RawHTTP) -> None:
    points = {point["key"]: (point["x"], point["y"]) for point in raw.request("GET", PROJECTION).json["points"]}
    result = console_query(raw, {"key": "alien", "topK": 4})
    for hit in result["hits"]:
        assert (hit["x"], hit["y"]) == pytest.approx(points[hit["key"]], abs=1e-5)
    assert (result["query"]["x"], result["query"]["y"]) == pytest.approx(points["alien"], abs=1e-5)
    assert result["query"]["key"] == "alien"


@pytest.mark.parametrize(
    ("form", "code", "message"),
    [
        ({"key": "amelie", "topK": 3, "filter": {"plot": "x"}}, "ValidationException", None),
        ({"key": "amelie", "topK": 3, "filter": {"genre": {"$near": 1}}}, "ValidationException", None),
        ({"vector": [1, 2], "topK": 3}, "ValidationException", None),
        ({"vector": [0, 0, 0], "topK": 3}, "ValidationException", None),
        ({"key": "amelie", "topK": 0}, "ValidationException", None),
        ({"key": "no-such-movie", "topK": 3}, "NotFound", "No vector with key 'no-such-movie' in this index."),
        ({"key": "amelie", "topK": 101}, "TopKTooLarge", "The console shows at most 100 hits (topK)."),
    ],
)
def test_errors_are_the_services(
    client: Any, raw: RawHTTP, form: dict[str, Any], code: str, message: str | None
) -> None:
    error = console_query(raw, form)["error"]
    assert error["code"] == code
    if message is not None:
        assert error["message"] == message
        return
    # The same request from a client is refused with the same code and text.
    params: dict[str, Any] = {"vectorBucketName": "movies", "indexName": "plots", "topK": form["topK"]}
    vector = form.get("vector") or next(m["data"]["float32"] for m in MOVIES if m["key"] == form.get("key"))
    params["queryVector"] = {"float32": vector}
    if "filter" in form:
        params["filter"] = form["filter"]
    try:
        client.query_vectors(**params)
    except client.exceptions.ClientError as raised:
        assert raised.response["Error"]["Code"] == code
        assert raised.response["Error"]["Message"] == error["message"]
    except Exception as raised:  # botocore's own validation (topK=0) stops it before the wire
        assert error["code"] == "ValidationException", raised
    else:
        pytest.fail("the client's query succeeded")


def test_a_missing_index_and_a_bad_body(client: Any, raw: RawHTTP) -> None:
    missing = console_query(raw, {"key": "a", "topK": 1}, QUERY.replace("plots", "other"))
    assert missing["error"]["code"] == "NotFound"
    answer = raw.request("POST", QUERY, b"[1, 2]")
    assert answer.status == 400 and answer.json["error"]["code"] == "BadRequest"
    assert raw.request("POST", QUERY, b"{not json").status == 400


def test_console_queries_are_not_calls_and_take_no_fault_or_latency(
    s3vectors_server: Any, client: Any, raw: RawHTTP
) -> None:
    mock = s3vectors_server.mock
    calls = len(mock.calls)
    mock.inject_error("QueryVectors", "ServiceUnavailableException")
    mock.inject_error("GetVectors", "ServiceUnavailableException")
    mock.inject_latency("QueryVectors", 0.5, times=1)
    started = time.monotonic()
    assert [hit["key"] for hit in console_query(raw, {"key": "star-wars", "topK": 1})["hits"]] == ["star-wars"]
    assert time.monotonic() - started < 0.5
    assert len(mock.calls) == calls
    # The code under test still meets its faults and its latency.
    service = s3vectors_server.service
    assert service.take_latency("QueryVectors") == 0.5
    assert service.faults.take_error("QueryVectors") is not None
    assert service.faults.take_error("GetVectors") is not None


def test_full_text_and_hybrid_queries(s3vectors_server: Any, raw: RawHTTP) -> None:
    seed_text_index(s3vectors_server.service)
    path = f"/_s3vectors-mock/api/indexes/{OTHER_ACCOUNT}/eu-west-1/docs/chunks/query"
    text_only = console_query(raw, {"topK": 3, "queryText": {"metadataKey": "body", "text": "quick"}}, path)
    assert sorted(hit["key"] for hit in text_only["hits"]) == ["cat", "fox"]
    assert all("distance" not in hit and hit["scores"]["bm25Scores"] for hit in text_only["hits"])
    assert "query" not in text_only  # no vector: nothing to place
    hybrid = console_query(raw, {"key": "dog", "topK": 3, "queryText": {"metadataKey": "body", "text": "quick"}}, path)
    assert {hit["key"] for hit in hybrid["hits"]} == {"dog", "fox", "cat"}
    assert all("fused" in hit["scores"] for hit in hybrid["hits"])
    unknown_key = console_query(raw, {"topK": 3, "queryText": {"metadataKey": "title", "text": "x"}}, path)
    assert unknown_key["error"]["code"] == "ValidationException"


def test_the_http_client_is_unaffected(s3vectors_server: Any, client: Any, raw: RawHTTP) -> None:
    console_query(raw, {"key": "amelie", "topK": 2})
    assert (
        http_client(s3vectors_server.url).list_indexes(vectorBucketName="movies")["indexes"][0]["indexName"] == "plots"
    )
