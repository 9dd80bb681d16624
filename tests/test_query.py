"""QueryVectors: distances as AWS returns them, ordering, limits and filters, checked against a brute force."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3vectors_mock import mock_s3vectors
from tests import reference
from tests.helpers import error_of, make_index, needs_client

if TYPE_CHECKING:
    from types_boto3_s3vectors.literals import DistanceMetricType


def put_all(client: Any, index: str, vectors: dict[str, list[float]], metadata: dict[str, dict[str, Any]]) -> None:
    records = [
        {"key": key, "data": {"float32": data}, "metadata": metadata.get(key) or {}} for key, data in vectors.items()
    ]
    for start in range(0, len(records), 500):
        client.put_vectors(indexArn=index, vectors=records[start : start + 500])


def query(client: Any, index: str, vector: list[float], top_k: int, **extra: Any) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = client.query_vectors(
        indexArn=index, topK=top_k, queryVector={"float32": vector}, returnDistance=True, **extra
    )["vectors"]
    return hits


def test_cosine_distances_match_live_measurements(client: Any, bucket: str) -> None:
    arn = make_index(client, "cos4", dimension=4)
    vectors: dict[str, list[float]] = {
        "same": [1, 0, 0, 0],
        "scaled": [5, 0, 0, 0],
        "orthogonal": [0, 1, 0, 0],
        "opposite": [-1, 0, 0, 0],
    }
    put_all(client, arn, vectors, {})
    hits = query(client, arn, [1, 0, 0, 0], 4)
    assert [(h["key"], h["distance"]) for h in hits] == [
        ("same", 0.0),
        ("scaled", 0.0),
        ("orthogonal", 1.0),
        ("opposite", 2.0),
    ]


def test_cosine_value_for_a_known_pair(client: Any, index: str) -> None:
    put_all(client, index, {"b": [1, 1, 2]}, {})
    (hit,) = query(client, index, [1, 1, 1], 1)
    assert hit["distance"] == pytest.approx(1 - 4 / math.sqrt(18), abs=1e-6)


def test_euclidean_distance_is_squared(client: Any, bucket: str) -> None:
    arn = make_index(client, "sq-l2", metric="euclidean")
    put_all(client, arn, {"a": [1, 1, 1], "b": [1, 1, 2], "c": [2, 2, 2]}, {})
    response = client.query_vectors(indexArn=arn, topK=3, queryVector={"float32": [1, 1, 1]}, returnDistance=True)
    assert [(h["key"], h["distance"]) for h in response["vectors"]] == [("a", 0.0), ("b", 1.0), ("c", 3.0)]
    assert response["distanceMetric"] == "euclidean"


def test_defaults_return_keys_only_and_the_metric(client: Any, index: str) -> None:
    put_all(client, index, {"a": [1, 0, 0]}, {"a": {"m": 1}})
    response = client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]})
    assert response["vectors"] == [{"key": "a"}]
    assert response["distanceMetric"] == "cosine"


def test_metadata_returned_when_asked(client: Any, index: str) -> None:
    put_all(client, index, {"a": [1, 0, 0], "b": [0, 1, 0]}, {"a": {"m": 1}})
    hits = client.query_vectors(indexArn=index, topK=2, queryVector={"float32": [1, 0, 0]}, returnMetadata=True)[
        "vectors"
    ]
    assert hits == [{"key": "a", "metadata": {"m": 1}}, {"key": "b", "metadata": {}}]


def test_fewer_vectors_than_top_k(client: Any, index: str) -> None:
    put_all(client, index, {"a": [1, 0, 0]}, {})
    assert [h["key"] for h in query(client, index, [0, 1, 0], 10)] == ["a"]


def test_empty_index(client: Any, index: str) -> None:
    assert query(client, index, [1, 0, 0], 5) == []


def test_ties_are_broken_by_key(client: Any, index: str) -> None:
    put_all(client, index, {k: [1, 0, 0] for k in ("d", "b", "a", "c")}, {})
    assert [h["key"] for h in query(client, index, [1, 0, 0], 3)] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("vector", "detail"),
    [
        ([1.0, 0.0], "Invalid input: vector must have length 3, but has length 2"),
        ([0.0, 0.0, 0.0], "Invalid input: cosine distance does not support vectors with zero norm"),
        ([1e39, 0.0, 0.0], "Invalid input: vector contains NaNs or Infs"),
    ],
)
def test_invalid_query_vectors(client: Any, index: str, vector: list[float], detail: str) -> None:
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=1, queryVector={"float32": vector})
    assert error_of(excinfo)[1] == "Query vector contains invalid values or is invalid for this index"
    assert excinfo.value.response["fieldList"] == [{"path": "vector", "message": detail}]


def test_top_k_cap(client: Any, index: str) -> None:
    from s3vectors_mock.operations.query import top_k_cap

    cap = top_k_cap()
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=cap + 1, queryVector={"float32": [1, 0, 0]})
    assert f"Member must be between 1 and {cap}, inclusive" in error_of(excinfo)[1]
    client.query_vectors(indexArn=index, topK=cap, queryVector={"float32": [1, 0, 0]})


def test_writes_are_visible_to_the_next_query(client: Any, index: str) -> None:
    put_all(client, index, {"a": [1, 0, 0], "b": [1, 1, 0]}, {})
    assert query(client, index, [1, 0, 0], 1)[0]["key"] == "a"
    client.put_vectors(indexArn=index, vectors=[{"key": "a", "data": {"float32": [0, 0, 1]}}])
    assert query(client, index, [1, 0, 0], 1)[0]["key"] == "b"
    client.delete_vectors(indexArn=index, keys=["b"])
    assert [h["key"] for h in query(client, index, [1, 0, 0], 5)] == ["a"]


def test_filter_applies_before_top_k(client: Any, index: str) -> None:
    vectors = {f"v{i}": [1.0, i / 100, 0] for i in range(50)}
    metadata = {f"v{i}": {"even": i % 2 == 0} for i in range(50)}
    put_all(client, index, vectors, metadata)
    hits = query(client, index, [1, 0, 0], 5, filter={"even": False})
    assert [h["key"] for h in hits] == ["v1", "v3", "v5", "v7", "v9"]


def test_array_membership_and_shorthand(client: Any, index: str) -> None:
    put_all(
        client,
        index,
        {"doc": [1, 0, 0], "rom": [0, 1, 0], "both": [0, 0, 1]},
        {
            "doc": {"category": "documentary"},
            "rom": {"category": "romance"},
            "both": {"category": ["documentary", "romance"]},
        },
    )
    keys = {h["key"] for h in query(client, index, [1, 1, 1], 10, filter={"category": {"$eq": "documentary"}})}
    assert keys == {"doc", "both"}
    keys = {h["key"] for h in query(client, index, [1, 1, 1], 10, filter={"category": "romance"})}
    assert keys == {"rom", "both"}


def test_type_mismatch_and_missing_fields_match_nothing(client: Any, index: str) -> None:
    put_all(client, index, {"a": [1, 0, 0]}, {"a": {"popular": True, "year": 2020}})
    assert query(client, index, [1, 0, 0], 5, filter={"popular": {"$eq": "true"}}) == []
    assert query(client, index, [1, 0, 0], 5, filter={"year": {"$eq": "2020"}}) == []
    assert query(client, index, [1, 0, 0], 5, filter={"absent": {"$eq": 1}}) == []
    assert [h["key"] for h in query(client, index, [1, 0, 0], 5, filter={"year": 2020.0})] == ["a"]


def test_range_and_logical_operators(client: Any, index: str) -> None:
    vectors = {f"m{i}": [1.0, i / 10, 0] for i in range(10)}
    metadata = {f"m{i}": {"price": i * 10, "genre": "a" if i < 5 else "b"} for i in range(10)}
    put_all(client, index, vectors, metadata)
    hits = query(client, index, [1, 0, 0], 10, filter={"price": {"$gte": 20, "$lt": 50}})
    assert [h["key"] for h in hits] == ["m2", "m3", "m4"]
    hits = query(
        client,
        index,
        [1, 0, 0],
        10,
        filter={"$or": [{"price": {"$lt": 10}}, {"$and": [{"genre": "b"}, {"price": {"$gt": 80}}]}]},
    )
    assert [h["key"] for h in hits] == ["m0", "m9"]
    hits = query(client, index, [1, 0, 0], 10, filter={"genre": {"$nin": ["a"]}})
    assert [h["key"] for h in hits] == [f"m{i}" for i in range(5, 10)]


def test_exists(client: Any, index: str) -> None:
    put_all(client, index, {"with": [1, 0, 0], "without": [0, 1, 0]}, {"with": {"note": "x"}, "without": {"other": 1}})
    assert [h["key"] for h in query(client, index, [1, 1, 0], 5, filter={"note": {"$exists": True}})] == ["with"]
    assert [h["key"] for h in query(client, index, [1, 1, 0], 5, filter={"note": {"$exists": False}})] == ["without"]


def test_dotted_keys_are_plain_keys(client: Any, index: str) -> None:
    put_all(client, index, {"a": [1, 0, 0]}, {"a": {"loc.pageNumber": 3}})
    assert [h["key"] for h in query(client, index, [1, 0, 0], 5, filter={"loc.pageNumber": 3})] == ["a"]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"s": {"$eg": "a"}},
        {"$schema": 1},
        {"s": {"$in": []}},
        {"s": {"$nin": []}},
        {"s": "a", "b": True},
        {"s": {"$eq": "a"}, "n": {"$eq": 1}},
        {"$and": [{"s": "a", "n": 1}]},
        {"$and": [{"s": "a"}], "s": "a"},
        {"$and": [{"s": "a"}], "$or": [{"s": "b"}]},
        {"s": None},
        {"s": ["a"]},
        {"s": {"a": 1}},
        {"s": {"$eq": None}},
        {"s": {"$eq": ["a"]}},
        {"s": {"$gt": "1"}},
        {"s": {"$gt": True}},
        {"s": {"$gt": None}},
        {"s": {"$gt": [1]}},
        {"s": {"$in": [None]}},
        {"s": {"$in": [{}]}},
        {"s": {"$in": [["a"]]}},
        {"s": {"$in": "a"}},
        {"s": {"$exists": "yes"}},
        {"s": {"$exists": 1}},
        {"s": {"$exists": None}},
        {"s": {}},
        {"s": {"x": 1}},
        {"s": {"$eq": "a", "x": 1}},
        {"s": {"$and": [{"s": "a"}]}},
        {"$and": [{}]},
        {"$and": ["x"]},
        {"$and": []},
        {"$or": {"s": "a"}},
        {"$gt": 100},
    ],
)
def test_every_malformed_filter_is_invalid_filter(client: Any, index: str, bad: Any) -> None:
    put_all(client, index, {"a": [1, 0, 0]}, {"a": {"s": "a"}})
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=bad)
    assert error_of(excinfo) == ("ValidationException", "Invalid filter", 400)
    assert excinfo.value.response["fieldList"] == [{"path": "filter", "message": "Invalid filter"}]


@pytest.mark.parametrize("good", [{"": "x"}, {"s": {"$in": ["a", 1, True]}}, {"s": {"$gte": 10, "$lte": 50}}])
def test_accepted_filters(client: Any, index: str, good: Any) -> None:
    client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=good)


def test_non_filterable_key_in_filter(client: Any, bucket: str) -> None:
    arn = make_index(client, "nf-1", metadataConfiguration={"nonFilterableMetadataKeys": ["text"]})
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=arn, topK=1, queryVector={"float32": [1, 0, 0]}, filter={"text": "x"})
    assert error_of(excinfo)[1] == "Invalid use of non-filterable metadata in filter"


def test_non_filterable_metadata_is_still_returned(client: Any, bucket: str) -> None:
    arn = make_index(client, "nf-2", metadataConfiguration={"nonFilterableMetadataKeys": ["text"]})
    put_all(client, arn, {"a": [1, 0, 0]}, {"a": {"text": "body", "tag": "t"}})
    hits = client.query_vectors(
        indexArn=arn, topK=1, queryVector={"float32": [1, 0, 0]}, filter={"tag": "t"}, returnMetadata=True
    )["vectors"]
    assert hits == [{"key": "a", "metadata": {"text": "body", "tag": "t"}}]


# ---- property-based comparison with the reference ----------------------------------------------------------------

DIMENSION = 4
values = st.one_of(
    st.integers(-5, 5),
    st.floats(-5, 5, allow_nan=False, width=32),
    st.sampled_from(["a", "b", "c", "ab"]),
    st.booleans(),
    st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=3),
)
metadata_strategy = st.dictionaries(st.sampled_from(["x", "y", "z"]), values, max_size=3)
scalar = st.one_of(
    st.integers(-5, 5), st.floats(-5, 5, allow_nan=False, width=32), st.sampled_from(["a", "b", "c"]), st.booleans()
)
field = st.sampled_from(["x", "y", "z", "w"])
condition = st.one_of(
    st.builds(lambda f, v: {f: v}, field, scalar),
    st.builds(lambda f, op, v: {f: {op: v}}, field, st.sampled_from(["$eq", "$ne"]), scalar),
    st.builds(
        lambda f, op, v: {f: {op: v}},
        field,
        st.sampled_from(["$gt", "$gte", "$lt", "$lte"]),
        st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False, width=32)),
    ),
    st.builds(
        lambda f, op, v: {f: {op: v}}, field, st.sampled_from(["$in", "$nin"]), st.lists(scalar, min_size=1, max_size=3)
    ),
    st.builds(lambda f, v: {f: {"$exists": v}}, field, st.booleans()),
)
filters = st.recursive(
    condition,
    lambda children: st.builds(
        lambda op, c: {op: c}, st.sampled_from(["$and", "$or"]), st.lists(children, min_size=1, max_size=3)
    ),
    max_leaves=6,
)
vector_strategy = st.lists(
    st.floats(-10, 10, allow_nan=False, width=32), min_size=DIMENSION, max_size=DIMENSION
).filter(lambda v: any(abs(x) > 1e-3 for x in v))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.dictionaries(
        st.text("abcdefgh", min_size=1, max_size=4), st.tuples(vector_strategy, metadata_strategy), max_size=30
    ),
    query_vector=vector_strategy,
    top_k=st.integers(1, 12),
    metric=st.sampled_from(["cosine", "euclidean"]),
    filter_=st.one_of(st.none(), filters),
)
def test_query_matches_brute_force(
    data: dict[str, tuple[list[float], dict[str, Any]]],
    query_vector: list[float],
    top_k: int,
    metric: DistanceMetricType,
    filter_: dict[str, Any] | None,
) -> None:
    import boto3

    vectors = {key: vector for key, (vector, _) in data.items()}
    metadata = {key: meta for key, (_, meta) in data.items()}
    with mock_s3vectors():
        client = boto3.client("s3vectors", region_name="us-east-1")
        client.create_vector_bucket(vectorBucketName="prop-bucket")
        arn = client.create_index(
            vectorBucketName="prop-bucket",
            indexName="prop",
            dataType="float32",
            dimension=DIMENSION,
            distanceMetric=metric,
        )["indexArn"]
        if vectors:
            put_all(client, arn, vectors, metadata)
        extra = {"filter": filter_} if filter_ is not None else {}
        hits = query(client, arn, query_vector, top_k, **extra)
    expected = reference.brute_force(vectors, metadata, query_vector, top_k, metric, filter_)
    assert [h["key"] for h in hits] == [key for key, _ in expected]
    np.testing.assert_allclose([h["distance"] for h in hits], [d for _, d in expected], rtol=1e-5, atol=1e-6)


def test_deeply_nested_filter_is_invalid_not_a_crash(client: Any, index: str) -> None:
    nested: dict[str, Any] = {"s": "a"}
    for _ in range(200):
        nested = {"$and": [nested]}
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=nested)
    assert error_of(excinfo)[1] == "Invalid filter"
    shallow: dict[str, Any] = {"s": "a"}
    for _ in range(10):
        shallow = {"$or": [shallow, {"t": 1}]}
    client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=shallow)


def test_identical_vectors_are_at_distance_exactly_zero(client: Any, index: str) -> None:
    vector = [1.3040000200271606, 0.9470809698104858, -0.7037352323532104]  # 1 - cos(v, v) rounds to -2.2e-16
    put_all(client, index, {"same": vector, "scaled": [3 * v for v in vector]}, {})
    distances = {h["key"]: h["distance"] for h in query(client, index, vector, 2)}
    assert distances["same"] == 0.0
    assert 0.0 <= distances["scaled"] < 1e-6


# ---- deletes leave nothing behind ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second", "wanted"), [({"x": 1}, {"x": 2}, 2), ({"t": ["a"]}, {"t": ["b"]}, "b")])
def test_a_vector_added_after_a_delete_inherits_no_metadata(
    client: Any, index: str, first: dict[str, Any], second: dict[str, Any], wanted: Any
) -> None:
    (field,) = first
    put_all(client, index, {"A": [1, 0, 0], "B": [0, 1, 0]}, {"A": first, "B": second})
    client.delete_vectors(indexArn=index, keys=["A"])
    put_all(client, index, {"C": [0, 0, 1]}, {})  # compaction moved B into A's row; C takes B's old row
    assert [h["key"] for h in query(client, index, [1, 1, 1], 5, filter={field: wanted})] == ["B"]
    assert [h["key"] for h in query(client, index, [1, 1, 1], 5, filter={field: {"$exists": False}})] == ["C"]
    (described,) = client.get_vectors(indexArn=index, keys=["C"], returnMetadata=True)["vectors"]
    assert described["metadata"] == {}
    client.delete_vectors(indexArn=index, keys=["B"])
    assert [v["key"] for v in client.list_vectors(indexArn=index)["vectors"]] == ["C"]
    assert query(client, index, [1, 1, 1], 5, filter={field: {"$exists": True}}) == []


def test_an_overwrite_drops_every_old_value(client: Any, index: str) -> None:
    put_all(client, index, {"A": [1, 0, 0]}, {"A": {"t": ["a", "b"], "n": 1}})
    put_all(client, index, {"A": [1, 0, 0]}, {"A": {"t": "c"}})
    put_all(client, index, {"A": [1, 0, 0]}, {"A": {"t": ["d"]}})
    for gone in ({"t": "a"}, {"t": "c"}, {"n": 1}, {"n": {"$exists": True}}):
        assert query(client, index, [1, 0, 0], 5, filter=gone) == []
    assert [h["key"] for h in query(client, index, [1, 0, 0], 5, filter={"t": "d"})] == ["A"]


# ---- filter operands are read as doubles; keys as JSON writes them -------------------------------------------------

HUGE = 10**400  # a JSON number the service reads as an infinite double


@pytest.mark.parametrize(
    "bad",
    [
        {"n": HUGE},
        {"n": {"$eq": HUGE}},
        {"n": {"$ne": -HUGE}},
        {"n": {"$gt": HUGE}},
        {"n": {"$gte": -HUGE}},
        {"n": {"$lt": HUGE}},
        {"n": {"$lte": HUGE}},
        {"n": {"$in": [1, HUGE]}},
        {"n": {"$nin": ["a", -HUGE]}},
        {"$and": [{"n": 1}, {"$or": [{"n": {"$gt": HUGE}}]}]},
    ],
)
def test_an_operand_beyond_the_double_range_is_invalid_filter(client: Any, index: str, bad: Any) -> None:
    put_all(client, index, {"a": [1, 0, 0]}, {"a": {"n": 1}})
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(indexArn=index, topK=1, queryVector={"float32": [1, 0, 0]}, filter=bad)
    assert error_of(excinfo) == ("ValidationException", "Invalid filter", 400)
    assert excinfo.value.response["fieldList"] == [{"path": "filter", "message": "Invalid filter"}]


def test_the_largest_finite_operands_are_numbers(client: Any, index: str) -> None:
    largest = 2**1024 - 2**970 - 1
    put_all(client, index, {"a": [1, 0, 0]}, {"a": {"n": 1}})
    assert [h["key"] for h in query(client, index, [1, 0, 0], 5, filter={"n": {"$lt": largest}})] == ["a"]
    assert query(client, index, [1, 0, 0], 5, filter={"n": {"$in": [largest, -largest]}}) == []


@pytest.mark.parametrize(
    ("filter_", "stored"),
    [
        ({1: "x"}, {"1": "x"}),
        ({None: {"$eq": 2}}, {"null": 2}),
        ({"$and": [{True: True}, {1.5: "y"}]}, {"true": True, "1.5": "y"}),
    ],
)
def test_filter_keys_arrive_as_json_writes_them(
    client: Any, index: str, filter_: dict[Any, Any], stored: dict[str, Any]
) -> None:
    put_all(client, index, {"hit": [1, 0, 0], "miss": [0, 1, 0]}, {"hit": stored, "miss": {"other": 1}})
    assert [h["key"] for h in query(client, index, [1, 1, 0], 5, filter=filter_)] == ["hit"]


@needs_client("QueryVectors", "nextToken")
def test_a_token_with_an_unsortable_filter_is_refused_not_a_crash(client: Any, index: str) -> None:
    put_all(client, index, {f"k{i}": [1, i / 10, 0] for i in range(3)}, {})
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.query_vectors(
            indexArn=index, topK=2, queryVector={"float32": [1, 0, 0]}, filter={1: "x", "b": 1}, nextToken="t" * 20
        )
    # The request is checked before its token is read: a filter of two keys is invalid, whatever the token.
    assert error_of(excinfo)[1] == "Invalid filter"


# ---- vectors at the edges of float32: results equal a float64 brute force ----------------------------------------

FLT_MAX = float(np.finfo(np.float32).max)
SUBNORMAL = float(np.finfo(np.float32).smallest_subnormal)
EDGE_VECTORS = {
    "max": [FLT_MAX, FLT_MAX],
    "max-neg": [FLT_MAX, -FLT_MAX],
    "min-neg": [-FLT_MAX, 0.0],
    "large": [3e38, 1e30],
    "huge-ish": [1e19, -1e19],
    "sub": [SUBNORMAL, 0.0],
    "sub-both": [-SUBNORMAL, SUBNORMAL],
    "tiny": [1e-30, 2e-30],
    "one": [1.0, 0.0],
    "mixed": [FLT_MAX, SUBNORMAL],
    "exact": [2.0**53 + 1, -0.0],
}


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("ordinary", [0, 40], ids=["only-edges", "with-ordinary-vectors"])
def test_edge_vectors_rank_as_a_float64_brute_force(client: Any, bucket: str, metric: str, ordinary: int) -> None:
    rng = np.random.default_rng(3)
    vectors = dict(EDGE_VECTORS)
    vectors.update({f"o{i}": rng.uniform(-2, 2, 2).tolist() for i in range(ordinary)})
    arn = make_index(client, f"edges-{metric}", dimension=2, metric=metric)
    put_all(client, arn, vectors, {})
    for query_vector in [*EDGE_VECTORS.values(), [0.3, 0.0], [-1.0, 1.0]]:
        for top_k in (1, 2, 3, 5, len(vectors)):
            hits = query(client, arn, query_vector, top_k)
            expected = reference.brute_force(vectors, {}, query_vector, top_k, metric)
            assert [(h["key"], h["distance"]) for h in hits] == expected, (query_vector, top_k)


def test_a_subnormal_vector_is_parallel_to_its_direction(client: Any, index: str) -> None:
    put_all(client, index, {"tiny": [1e-45, 0, 0], "near": [0.3, 0.01, 0], "far": [0, 1, 0]}, {})
    assert query(client, index, [0.3, 0, 0], 1) == [{"key": "tiny", "distance": 0.0}]


def test_euclidean_distances_beyond_float32_keep_their_order(client: Any, bucket: str) -> None:
    arn = make_index(client, "euclid-max", dimension=2, metric="euclidean")
    put_all(
        client, arn, {"a-far": [-FLT_MAX, 0], "b-self": [FLT_MAX, 0], "c-zero": [0, 0], "d-near": [FLT_MAX, 1e19]}, {}
    )
    hits = query(client, arn, [FLT_MAX, 0], 4)
    # Ranked by the float64 distance (c-zero nearer than a-far), reported in float32: both overflow it, and are
    # reported as its largest value (strict JSON has no infinity; issue 17 C14).
    assert [h["key"] for h in hits] == ["b-self", "d-near", "c-zero", "a-far"]
    assert [h["distance"] for h in hits] == [0.0, float(np.float32(1e38)), FLT_MAX, FLT_MAX]
