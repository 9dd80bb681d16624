"""The console's URLs over HTTP, without a browser: pages and static files, the JSON endpoints, and what the console
must never do (change state, log its own requests, leak markup, serve files outside its folder)."""

from __future__ import annotations

import array
import json
from typing import Any
from urllib.parse import quote

import pytest

from s3vectors_mock._calls import CallRecord

from ..conftest import RawHTTP, http_client
from .seeding import ACCOUNT, HOSTILE_KEY, OTHER_ACCOUNT, seed_movies, seed_text_index

PLOTS = f"/_s3vectors-mock/api/indexes/{ACCOUNT}/us-east-1/movies/plots"
CHUNKS = f"/_s3vectors-mock/api/indexes/{OTHER_ACCOUNT}/eu-west-1/docs/chunks"


@pytest.fixture
def seeded(s3vectors_server: Any) -> Any:
    seed_movies(s3vectors_server.url, hostile=True)
    seed_text_index(s3vectors_server.service)
    return s3vectors_server


def get(raw: RawHTTP, path: str) -> Any:
    answer = raw.request("GET", path)
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/json"
    return answer.json


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/_s3vectors-mock/", "<title>s3vectors-mock console</title>"),
        ("/_s3vectors-mock/calls", "<title>Call log"),
        (f"/_s3vectors-mock/indexes/{ACCOUNT}/us-east-1/movies/plots", "<title>Index"),
    ],
)
def test_pages_are_html_with_a_strict_content_security_policy(raw: RawHTTP, path: str, title: str) -> None:
    answer = raw.request("GET", path)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert title in answer.body.decode()
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_every_script_and_stylesheet_a_page_names_is_served(raw: RawHTTP) -> None:
    for page in ("/_s3vectors-mock/", "/_s3vectors-mock/calls", "/_s3vectors-mock/indexes/a/b/c/d"):
        html = raw.request("GET", page).body.decode()
        assets = [part.split('"', 1)[0] for part in html.split('="/_s3vectors-mock/static/')[1:]]
        assert assets, page
        for asset in assets:
            answer = raw.request("GET", "/_s3vectors-mock/static/" + asset)
            assert answer.status == 200, asset
            assert answer.headers["content-type"].startswith(("text/css", "text/javascript"))


@pytest.mark.parametrize(
    "path",
    [
        "/_s3vectors-mock/static/..%2f_routes.py",
        "/_s3vectors-mock/static/../_routes.py",
        "/_s3vectors-mock/static/overview.html",  # pages are served at their URLs only
        "/_s3vectors-mock/static/nothing.js",
        "/_s3vectors-mock/indexes/only/three/parts",
        "/_s3vectors-mock/api/nothing",
        f"{PLOTS}/nothing",
    ],
)
def test_nothing_else_is_served(raw: RawHTTP, path: str) -> None:
    answer = raw.request("GET", path)
    assert answer.status == 404
    assert "error" in answer.json


def test_the_address_without_its_final_slash_redirects(raw: RawHTTP) -> None:
    answer = raw.request("GET", "/_s3vectors-mock")
    assert (answer.status, answer.headers["location"]) == (308, "/_s3vectors-mock/")


def test_methods(raw: RawHTTP) -> None:
    assert raw.request("POST", "/_s3vectors-mock/").status == 405
    assert raw.request("DELETE", "/_s3vectors-mock/api/overview").status == 405
    assert raw.request("GET", f"{PLOTS}/query").status == 405
    assert raw.request("POST", PLOTS).status == 405
    # The server's own endpoints are still what they were.
    assert raw.request("GET", "/_s3vectors-mock/health").json["status"] == "ok"
    assert raw.request("GET", "/_s3vectors-mock/reset").status == 405


def test_overview_lists_accounts_regions_buckets_and_indexes(seeded: Any, raw: RawHTTP) -> None:
    overview = get(raw, "/_s3vectors-mock/api/overview")
    assert [(n["account"], n["region"]) for n in overview["namespaces"]] == [
        (ACCOUNT, "us-east-1"),
        (OTHER_ACCOUNT, "eu-west-1"),
    ]
    movies, docs = (namespace["buckets"][0] for namespace in overview["namespaces"])
    assert movies["name"] == "movies" and movies["policyAttached"] is False
    assert docs["name"] == "docs" and docs["policyAttached"] is True
    assert movies["indexes"] == [
        {
            "name": "plots",
            "arn": f"arn:aws:s3vectors:us-east-1:{ACCOUNT}:bucket/movies/index/plots",
            "created": movies["indexes"][0]["created"],
            "dataType": "float32",
            "dimension": 3,
            "distanceMetric": "cosine",
            "mode": movies["indexes"][0]["mode"],
            "vectorCount": 5,
            "encryption": {"sseType": "AES256"},
            "fullTextKeys": [],
        }
    ]
    assert docs["indexes"][0]["fullTextKeys"] == ["body"]
    assert overview["calls"] == len(seeded.mock.calls)


def test_overview_leaves_out_regions_without_buckets(s3vectors_server: Any, raw: RawHTTP) -> None:
    http_client(s3vectors_server.url, region="ap-south-1").list_vector_buckets()  # looks, creates nothing
    assert get(raw, "/_s3vectors-mock/api/overview")["namespaces"] == []


def test_index_detail(seeded: Any, raw: RawHTTP) -> None:
    detail = get(raw, CHUNKS)
    assert detail["nonFilterableMetadataKeys"] == ["body"]
    assert detail["tags"] == {"team": "search"}
    assert detail["textSearch"]["body"]["language"] == "en"
    assert detail["bucketPolicyAttached"] is True
    assert (detail["account"], detail["region"], detail["bucket"], detail["name"]) == (
        OTHER_ACCOUNT,
        "eu-west-1",
        "docs",
        "chunks",
    )
    assert raw.request("GET", f"/_s3vectors-mock/api/indexes/{ACCOUNT}/us-east-1/movies/nope").status == 404
    assert raw.request("GET", f"/_s3vectors-mock/api/indexes/{ACCOUNT}/eu-west-1/movies/plots").status == 404


def test_vectors_are_paged_in_key_order_with_a_prefix(seeded: Any, raw: RawHTTP) -> None:
    everything = get(raw, f"{PLOTS}/vectors?limit=50")
    keys = [vector["key"] for vector in everything["vectors"]]
    assert keys == sorted([HOSTILE_KEY, "alien", "amelie", "casablanca", "star-wars"])
    assert everything["total"] == 5 and everything["shownComponents"] == 3
    casablanca = next(vector for vector in everything["vectors"] if vector["key"] == "casablanca")
    assert casablanca["metadata"]["genre"] == ["romance", "drama"]
    assert casablanca["data"] == pytest.approx([0.2, 0.8, 0.3])
    second_page = get(raw, f"{PLOTS}/vectors?offset=2&limit=2")
    assert [vector["key"] for vector in second_page["vectors"]] == keys[2:4]
    prefixed = get(raw, f"{PLOTS}/vectors?prefix=a")
    assert [vector["key"] for vector in prefixed["vectors"]] == ["alien", "amelie"] and prefixed["total"] == 2
    assert get(raw, f"{PLOTS}/vectors?prefix=" + quote("<img"))["total"] == 1
    assert get(raw, f"{PLOTS}/vectors?prefix=zz")["vectors"] == []


def test_vectors_show_only_the_first_components(s3vectors_server: Any, raw: RawHTTP) -> None:
    client = http_client(s3vectors_server.url)
    client.create_vector_bucket(vectorBucketName="wide")
    client.create_index(
        vectorBucketName="wide", indexName="idx", dataType="float32", dimension=64, distanceMetric="euclidean"
    )
    client.put_vectors(
        vectorBucketName="wide", indexName="idx", vectors=[{"key": "k", "data": {"float32": list(range(1, 65))}}]
    )
    page = get(raw, f"/_s3vectors-mock/api/indexes/{ACCOUNT}/us-east-1/wide/idx/vectors")
    assert page["dimension"] == 64 and page["vectors"][0]["data"] == [1, 2, 3, 4, 5, 6]


def test_projection(seeded: Any, raw: RawHTTP) -> None:
    projection = get(raw, f"{PLOTS}/projection")
    assert projection["total"] == projection["sampled"] == 5 and projection["normalized"] is True
    assert sorted(point["key"] for point in projection["points"]) == sorted(
        [HOSTILE_KEY, "alien", "amelie", "casablanca", "star-wars"]
    )
    assert 0.99 < sum(projection["explained"]) <= 1.0 + 1e-9  # three directions on a sphere: two axes hold nearly all
    assert get(raw, f"{CHUNKS}/projection")["normalized"] is False  # euclidean: lengths matter


def test_calls_newest_first_with_time_account_and_outcome(seeded: Any, raw: RawHTTP) -> None:
    client = http_client(seeded.url)
    seeded.mock.inject_error("ListVectorBuckets", "ServiceUnavailableException")
    assert raw.request("POST", "/ListVectorBuckets", {}).status == 503  # raw: no SDK retry after it
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_vector_bucket(vectorBucketName="missing")
    other = http_client(seeded.url, region="eu-central-1", aws_access_key_id="111122223333")
    other.list_vector_buckets()
    log = get(raw, "/_s3vectors-mock/api/calls")
    newest = log["calls"][:3]
    assert [call["operation"] for call in newest] == ["ListVectorBuckets", "GetVectorBucket", "ListVectorBuckets"]
    assert (newest[0]["account"], newest[0]["region"], newest[0]["errorCode"]) == ("111122223333", "eu-central-1", None)
    assert (newest[1]["errorCode"], newest[1]["injected"]) == ("NotFoundException", False)
    assert (newest[2]["errorCode"], newest[2]["injected"]) == ("ServiceUnavailableException", True)
    assert newest[0]["time"] >= newest[1]["time"] >= newest[2]["time"] > 0
    assert log["total"] == len(seeded.mock.calls)
    assert [call["seq"] for call in log["calls"]] == list(range(log["total"], 0, -1))
    assert len(get(raw, "/_s3vectors-mock/api/calls?limit=2")["calls"]) == 2


def test_call_parameters_abbreviate_vector_data(s3vectors_server: Any, raw: RawHTTP) -> None:
    client = http_client(s3vectors_server.url)
    client.create_vector_bucket(vectorBucketName="bkt")
    client.create_index(
        vectorBucketName="bkt", indexName="idx", dataType="float32", dimension=8, distanceMetric="cosine"
    )
    vectors = [{"key": f"k{n}", "data": {"float32": [n + 1.0] * 8}, "metadata": {"n": n}} for n in range(7)]
    client.put_vectors(vectorBucketName="bkt", indexName="idx", vectors=vectors)
    client.query_vectors(vectorBucketName="bkt", indexName="idx", topK=1, queryVector={"float32": [0.5] * 8})
    query, put = get(raw, "/_s3vectors-mock/api/calls")["calls"][:2]
    assert query["params"]["queryVector"] == {"float32": {"first": [0.5] * 4, "count": 8}}
    records = put["params"]["vectors"]
    assert records[0] == {"key": "k0", "data": {"float32": {"first": [1.0] * 4, "count": 8}}, "metadata": {"n": 0}}
    assert len(records) == 6 and records[-1] == "… 2 more records"


def test_compacted_vector_data_is_abbreviated_too(s3vectors_server: Any, raw: RawHTTP) -> None:
    # The log keeps older vector data as array("f") (see _calls.py); the console shows it like a list.
    compact = array.array("f", [0.25] * 100_000)
    s3vectors_server.service.calls.append(
        CallRecord("PutVectors", {"vectors": [{"key": "k", "data": {"float32": compact}}]}, "us-east-1")
    )
    (call,) = get(raw, "/_s3vectors-mock/api/calls")["calls"]
    assert call["params"]["vectors"] == [{"key": "k", "data": {"float32": {"first": [0.25] * 4, "count": 100_000}}}]


def test_odd_parameters_of_invalid_calls_still_show(s3vectors_server: Any, raw: RawHTTP) -> None:
    s3vectors_server.service.calls.append(
        CallRecord("PutVectors", {"vectors": [{"data": {"float32": "nope"}}, 3], "x": float("nan")}, "us-east-1", "E")
    )
    (call,) = get(raw, "/_s3vectors-mock/api/calls")["calls"]
    assert call["params"] == {"vectors": [{"data": {"float32": "nope"}}, 3], "x": "nan"}
    assert call["account"] == s3vectors_server.mock.account_id  # a record without one: the default account


def test_the_console_changes_nothing(seeded: Any, raw: RawHTTP) -> None:
    service = seeded.service
    calls_before = service.calls.snapshot()
    namespaces_before = sorted(service.backend.namespaces)
    for path in (
        "/_s3vectors-mock/",
        "/_s3vectors-mock/calls",
        "/_s3vectors-mock/api/overview",
        "/_s3vectors-mock/api/calls",
        PLOTS,
        f"{PLOTS}/vectors",
        f"{PLOTS}/projection",
        f"/_s3vectors-mock/api/indexes/{ACCOUNT}/sa-east-1/ghost/index",
        f"/_s3vectors-mock/indexes/{ACCOUNT}/sa-east-1/ghost/index",
    ):
        raw.request("GET", path)
    raw.request("POST", f"{PLOTS}/query", {"key": "amelie", "topK": 100})
    raw.request("POST", f"/_s3vectors-mock/api/indexes/{ACCOUNT}/sa-east-1/ghost/index/query", {"key": "a", "topK": 1})
    assert service.calls.snapshot() == calls_before
    assert sorted(service.backend.namespaces) == namespaces_before
    assert len(service.backend.tokens) == 0


def test_json_escapes_nothing_it_should_not_and_pages_hold_no_data(seeded: Any, raw: RawHTTP) -> None:
    # Stored strings leave only as JSON strings; the pages themselves are static and hold no stored data at all.
    page = raw.request("GET", f"/_s3vectors-mock/indexes/{ACCOUNT}/us-east-1/movies/plots").body.decode()
    assert "movies" not in page and "onerror" not in page
    keys = [vector["key"] for vector in json.loads(raw.request("GET", f"{PLOTS}/vectors").body)["vectors"]]
    assert HOSTILE_KEY in keys
