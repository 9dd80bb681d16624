"""A stateful model-based test: random sequences of calls, answered by the mock and by a plain-Python model.

Hypothesis drives a RuleBasedStateMachine through buckets, indexes (cosine and euclidean, 2 to 4 dimensions, some
non-filterable keys) and vectors: valid and invalid PutVectors batches and load_vectors seeds, overwrites, repeated
keys, deletes of present and absent keys, GetVectors, ListVectors in pages and in segments, QueryVectors with
random filters, DeleteIndex and DeleteVectorBucket. Every answer is compared with the model's as it comes (the
result, or the exact error code, message and field list), and after every step the whole state is read back
through ListVectors (data and metadata) and compared with the model, together with the engine's internal
invariants. Before that read, every request object the test passed and every answer it got is deeply changed
(lists grown or emptied, dict values replaced): nothing the mock keeps may change with them (nothing by reference).

The model is written from the behaviour spec (shared/spec/s3vectors-behaviour.md), not from the engine: dicts,
loops and Python floats, what botocore's JSON makes of the values (``json.dumps``), and the brute force of
tests/reference.py for search. Query results are compared with a tolerance: same keys and float32 distances up to
rounding, ranked by (distance, key), where only a near-tie may swap two keys.

Budget: ``S3VECTORS_MOCK_STATEFUL_EXAMPLES`` runs (default 15) of ``S3VECTORS_MOCK_STATEFUL_STEPS`` steps
(default 30). A long run: ``S3VECTORS_MOCK_STATEFUL_EXAMPLES=2000 S3VECTORS_MOCK_STATEFUL_STEPS=60 ./dev test
tests/test_stateful.py``.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import boto3
import numpy as np
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._calls import CallRecord
from s3vectors_mock._service_model import has_member
from s3vectors_mock.engine.columns import ABSENT, ARRAY
from tests import reference
from tests.mutation import deface

EXAMPLES = int(os.environ.get("S3VECTORS_MOCK_STATEFUL_EXAMPLES", "15"))
STEPS = int(os.environ.get("S3VECTORS_MOCK_STATEFUL_STEPS", "30"))

ACCOUNT, REGION = "123456789012", "us-east-1"
FLT_MAX = float(np.finfo(np.float32).max)
LARGEST_FINITE_INT = 2**1024 - 2**970 - 1
ENHANCED = has_member("QueryVectors", "queryMode")  # index modes: new buckets' indexes are ENHANCED

INVALID_FILTER = "Invalid filter"
NON_FILTERABLE = "Invalid use of non-filterable metadata in filter"
INDEX_NOT_FOUND = "The specified index could not be found"
BUCKET_NOT_FOUND = "The specified vector bucket could not be found"
INVALID_QUERY_VECTOR = "Query vector contains invalid values or is invalid for this index"
KEY_TOO_LONG = "Record key length exceeds the maximum allowed"

Answer = Any  # a response part, or an Error
Metadata = dict[str, Any]


@dataclass(frozen=True)
class Error:
    code: str
    message: str
    field_list: tuple[tuple[str, str], ...] | None = None  # compared only when the model gives one


def error_of(error: ClientError) -> Error:
    # fieldList is S3 Vectors' own member of an error response: botocore's stubs do not declare it.
    field_list = cast("list[dict[str, str]]", error.response.get("fieldList", []))
    fields = tuple((item["path"], item["message"]) for item in field_list)
    return Error(error.response["Error"]["Code"], error.response["Error"]["Message"], fields)


def same_error(actual: Error, expected: Error) -> bool:
    if (actual.code, actual.message) != (expected.code, expected.message):
        return False
    return expected.field_list is None or actual.field_list == expected.field_list


# ---- the model ----------------------------------------------------------------------------------------------------


def _read_integer(text: str) -> int | float:
    """A JSON integer as every front end reads it: exact in [-2**63, 2**64), else the nearest double."""
    value = int(text)
    return value if -(2**63) <= value < 2**64 else float(text)


def wire(value: Any) -> Any:
    """What the service reads of a value botocore sends: its JSON (keys as strings, tuples as lists, integers
    beyond 64 bits as doubles)."""
    return json.loads(json.dumps(value), parse_int=_read_integer)


def as_double(value: Any) -> float:
    """A JSON number as the service's parser reads it: a double, infinite beyond the double range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def as_float32(value: Any) -> float:
    with np.errstate(over="ignore"):
        return float(np.float32(as_double(value)))


def finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(as_double(value))


def has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_lone_surrogate(item) for item in value)
    return False


def value_problem(value: Any) -> str | None:
    """Spec §1.4: what the service says of one metadata value."""
    if value is None:
        return "Metadata values must not be null"
    if isinstance(value, (bool, str)):
        return None
    if isinstance(value, (int, float)):
        return None if finite_number(value) else "Metadata numbers must be finite"
    if isinstance(value, list):
        if not value:
            return "Empty arrays are not allowed in metadata"
        for element in value:
            if isinstance(element, bool) or not isinstance(element, (str, int, float)):
                return "Metadata array values must be strings or numbers"
            if not isinstance(element, str) and not finite_number(element):
                return "Metadata numbers must be finite"
        return None
    return "Metadata values must be strings, numbers, booleans, or arrays"


def value_cost(value: Any) -> int:
    """Spec §1.4's size formula: strings their UTF-8 bytes, numbers 4, booleans 0, arrays 4 + each element."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, (int, float)):
        return 4
    return sum(4 + value_cost(element) for element in value)


def metadata_problem(metadata: Any, non_filterable: frozenset[str]) -> str | None:
    if not isinstance(metadata, dict):
        return "Metadata must be an object"
    if len(metadata) > 50:
        return "Metadata object must have at most 50 keys"
    total = filterable = 4
    for name, value in metadata.items():
        problem = value_problem(value)
        if problem is not None:
            return problem
        cost = 8 + len(name.encode("utf-8")) + value_cost(value)
        total += cost
        if name not in non_filterable:
            filterable += cost
    if filterable > 2048:
        return "Filterable metadata must have at most 2048 bytes"
    if total > 40960:
        return "Metadata object must have at most 40960 bytes"
    return None


@dataclass
class ModelIndex:
    dimension: int
    metric: str
    non_filterable: frozenset[str]
    vectors: dict[str, tuple[list[float], Metadata | None]] = field(default_factory=dict)


@dataclass
class Record:
    key: str
    data: list[Any]
    metadata: Any = None  # None: the record has no metadata member
    has_metadata: bool = False

    def as_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {"key": self.key, "data": {"float32": self.data}}
        if self.has_metadata:
            request["metadata"] = self.metadata
        return request


def smithy(violations: list[str]) -> Error:
    noun = "error" if len(violations) == 1 else "errors"
    return Error("ValidationException", f"{len(violations)} validation {noun} detected. {'; '.join(violations)}")


def request_problem(records: list[Record]) -> Error | None:
    """What the service refuses before it looks at the index: an undecodable body, then the model's constraints
    (key lengths, numbers in the vector data), then a key of more than 1024 UTF-8 bytes (a check of the request
    alone, so it comes before the lookup, for PutVectors and load_vectors alike)."""
    if any(has_lone_surrogate(r.key) or (r.has_metadata and has_lone_surrogate(r.metadata)) for r in records):
        return Error("SerializationException", "UnknownError")
    violations = []
    for position, record in enumerate(records):
        if len(record.key) > 1024:
            violations.append(
                f"Value with length {len(record.key)} at '/vectors/{position}/key' failed to satisfy constraint: "
                "Member must have length between 1 and 1024, inclusive"
            )
        for offset, value in enumerate(record.data):
            if isinstance(value, bool):
                violations.append(
                    f"Value at '/vectors/{position}/data/float32/{offset}' failed to satisfy constraint: "
                    "Member must be a number"
                )
    if violations:
        return smithy(violations)
    # The service's own limit on keys (UTF-8 bytes) is a rule of the request alone too: checked before the lookup.
    for position, record in enumerate(records):
        if len(record.key.encode("utf-8")) > 1024:
            return Error("ValidationException", KEY_TOO_LONG, ((f"vectors[{position}]", KEY_TOO_LONG),))
    return None


def record_error(key: str, problem: str, path: str) -> Error:
    return Error("ValidationException", f"Invalid record for key '{key}': {problem}", ((path, problem),))


def batch_outcome(
    index: ModelIndex, records: list[Record], read: Callable[[Any], Any] = wire
) -> Error | dict[str, tuple[list[float], Metadata | None]]:
    """The records' effect on the index (a dict of the vectors written), or the error for the first bad record;
    ``read`` is what the service reads of the metadata given (what went over the wire, by default)."""
    written: dict[str, tuple[list[float], Metadata | None]] = {}
    for position, record in enumerate(records):
        path = f"vectors[{position}]"
        if len(record.data) != index.dimension:
            problem = f"vector must have length {index.dimension}, but has length {len(record.data)}"
            return record_error(record.key, problem, path)
        vector = [as_float32(value) for value in record.data]
        if not all(math.isfinite(value) for value in vector):
            return record_error(record.key, "vector contains NaNs or Infs", path)
        if index.metric == "cosine" and not any(vector):
            return record_error(record.key, "cosine distance does not support vectors with zero norm", path)
        metadata = read(record.metadata) if record.has_metadata else None
        if metadata is not None:
            metadata_issue = metadata_problem(metadata, index.non_filterable)
            if metadata_issue is not None:
                return record_error(record.key, metadata_issue, f"{path}.metadata")
        written.pop(record.key, None)  # the last record of a repeated key wins
        written[record.key] = (vector, metadata or None)
    return written


def filter_is_valid(node: Any, enhanced: bool, depth: int = 0) -> bool:
    """Spec §2.2, from the wire form of the filter."""
    if not isinstance(node, dict) or len(node) != 1 or depth > 32:
        return False
    ((name, operand),) = node.items()
    if name in ("$and", "$or"):
        return (
            isinstance(operand, list)
            and bool(operand)
            and all(filter_is_valid(c, enhanced, depth + 1) for c in operand)
        )
    if name.startswith("$"):
        return False
    if isinstance(operand, dict):
        return bool(operand) and all(operand_is_valid(op, arg, enhanced) for op, arg in operand.items())
    return operand_is_valid("$eq", operand, enhanced)


def primitive(value: Any) -> bool:
    return isinstance(value, (str, bool)) or finite_number(value)


def operand_is_valid(operator: str, operand: Any, enhanced: bool) -> bool:
    if operator in ("$eq", "$ne"):
        return primitive(operand)
    if operator in ("$gt", "$gte", "$lt", "$lte"):
        return finite_number(operand)
    if operator in ("$in", "$nin"):
        return isinstance(operand, list) and bool(operand) and all(primitive(value) for value in operand)
    if operator == "$exists":
        return isinstance(operand, bool)
    if operator == "$startsWith":
        return enhanced and isinstance(operand, str)
    return False


def filter_fields(node: dict[str, Any]) -> set[str]:
    ((name, operand),) = node.items()
    if name in ("$and", "$or"):
        return set().union(*(filter_fields(child) for child in operand))
    return {name}


# ---- strategies ---------------------------------------------------------------------------------------------------

KEYS = ["a", "b", "c", "k1", "k2", "é", "日本", "A", "a\x00", "z" * 1024]
BUCKETS = ["bucket-one", "bucket-two"]
INDEXES = ["idx-a", "idx-b", "idx.c"]
FIELDS = ["s", "n", "f", "flag", "list", "text", "1", "null"]

ordinary_component = st.one_of(st.floats(-10, 10, width=32), st.integers(-5, 5))
edge_component = st.sampled_from(
    [
        0.0,
        -0.0,
        1e-45,
        -1.4e-45,
        1e-40,
        1e-46,  # rounds to 0 in float32
        FLT_MAX,
        -FLT_MAX,
        1e38,
        3.4e38,
        1e19,
        2.0**53 + 1,
        2**53 - 1,
        2**53 + 1,
        1e-30,
    ]
)
invalid_component = st.sampled_from([math.nan, math.inf, -math.inf, 1e39])
component = st.one_of(ordinary_component, ordinary_component, edge_component)


def rarely(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int) -> st.SearchStrategy[Any]:
    """``rare`` about once in ``one_in`` draws, ``common`` otherwise."""
    # sampled_from draws evenly (integers() favours its bounds) and shrinks towards the first, common, choice.
    return st.sampled_from([False] * (one_in - 1) + [True]).flatmap(lambda roll: rare if roll else common)


def vectors_of(dimension: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(component, min_size=dimension, max_size=dimension)


def invalid_vectors_of(dimension: int) -> st.SearchStrategy[list[Any]]:
    return st.one_of(
        st.lists(st.one_of(component, invalid_component), min_size=dimension, max_size=dimension),
        st.lists(component, min_size=1, max_size=5),  # possibly of another dimension
        st.lists(st.one_of(component, st.booleans()), min_size=dimension, max_size=dimension),
        st.just([0.0] * dimension),  # a zero vector: refused on cosine only
        st.just([1e-46] * dimension),  # a zero vector once rounded to float32
    )


scalar_value = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["a", "ab", "abc", "b", "", "a\x00", "é"]),
    st.integers(-3, 3),
    st.sampled_from([2**53 + 1, -(2**63), 10**30, LARGEST_FINITE_INT, -LARGEST_FINITE_INT]),
    st.floats(-5, 5),
    st.sampled_from([-0.0, 5e-324, 1e-300, 1.7e308, -1.7e308]),
    st.booleans(),
)
array_value = st.lists(
    st.one_of(st.sampled_from(["a", "b", "c", "ab"]), st.integers(-3, 3), st.floats(-5, 5), st.just(-0.0)),
    min_size=1,
    max_size=3,
)
bad_value = st.sampled_from(
    [None, [], [True], {"x": 1}, [[1]], 10**400, -(10**400), [1, 10**400], math.nan, math.inf, ["\ud800"]]
)
good_metadata = st.dictionaries(
    rarely(st.sampled_from(FIELDS), st.sampled_from([1, None, True, 1.5]), 8),  # non-string keys: what JSON writes
    st.one_of(scalar_value, array_value, rarely(st.just("short"), st.just("x" * 2100), 20)),
    max_size=4,
)
bad_metadata = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), bad_value, min_size=1, max_size=2),
    st.just({f"k{i}": i for i in range(51)}),
    st.just({"text": "x" * 41000}),
)


@st.composite
def batches(draw: st.DrawFn, dimension: int) -> list[Record]:
    """1 to 5 records, now and then one invalid; keys from a small pool, so overwrites and repeats are common."""
    records = []
    for _ in range(draw(st.integers(1, 5))):
        key = draw(rarely(st.sampled_from(KEYS), st.sampled_from(["é" * 513, "k" * 1025, "\ud800"]), 40))
        has_metadata = draw(st.booleans())
        metadata = draw(good_metadata) if has_metadata else None
        records.append(Record(key, draw(vectors_of(dimension)), metadata, has_metadata))
    if draw(rarely(st.just(False), st.just(True), 4)):  # spoil one record: the whole batch must then change nothing
        spoiled = records[draw(st.integers(0, len(records) - 1))]
        if draw(st.booleans()):
            spoiled.data = draw(invalid_vectors_of(dimension))
        else:
            spoiled.metadata, spoiled.has_metadata = draw(bad_metadata), True
    return records


def query_vectors_of(dimension: int) -> st.SearchStrategy[list[Any]]:
    invalid = st.one_of(
        st.lists(st.one_of(component, invalid_component), min_size=dimension, max_size=dimension),
        st.lists(component, min_size=1, max_size=5),
        st.just([0.0] * dimension),
    )
    return rarely(vectors_of(dimension), invalid, 12)


filter_scalar = st.one_of(
    st.sampled_from(["a", "b", "ab", "", "a\x00", "x" * 2100]),
    st.integers(-3, 3),
    st.floats(-5, 5),
    st.booleans(),
    st.sampled_from([2**53 + 1, -0.0, 1.7e308]),
)
bad_operand = st.sampled_from([None, 10**400, -(10**400), [], ["a"], {"x": 1}, "1"])
filter_field = rarely(st.sampled_from(FIELDS), st.sampled_from(["absent", 1, None, "true", "1.5"]), 6)
number_operand = rarely(st.one_of(st.integers(-4, 4), st.floats(-5, 5), st.just(-0.0)), bad_operand, 15)


@st.composite
def conditions(draw: st.DrawFn) -> dict[Any, Any]:
    name = draw(filter_field)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return {name: draw(rarely(filter_scalar, bad_operand, 15))}
    if kind <= 2:
        return {name: {draw(st.sampled_from(["$eq", "$ne"])): draw(rarely(filter_scalar, bad_operand, 15))}}
    if kind <= 4:
        operators = draw(st.lists(st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), min_size=1, max_size=2, unique=True))
        return {name: {op: draw(number_operand) for op in operators}}
    if kind <= 6:
        values = draw(rarely(st.lists(filter_scalar, min_size=1, max_size=3), st.lists(bad_operand, max_size=2), 15))
        return {name: {draw(st.sampled_from(["$in", "$nin"])): values}}
    if kind == 7:
        return {name: {"$exists": draw(rarely(st.booleans(), st.just("yes"), 15))}}
    if kind == 8:
        prefix = draw(rarely(st.sampled_from(["a", "", "ab", "a\x00", "é", "b"]), st.just(1), 15))
        return {name: {"$startsWith": prefix}}
    return {name: {draw(rarely(st.just("$eq"), st.just("$bogus"), 4)): "a", "$exists": True}}


filters = st.recursive(
    conditions(),
    lambda children: rarely(
        st.builds(
            lambda op, c: {op: c},
            st.sampled_from(["$and", "$or"]),
            rarely(st.lists(children, min_size=1, max_size=3), st.just([]), 15),
        ),
        st.builds(lambda a, b: {**a, **b}, children, children),  # two keys in one object (unless they merge): invalid
        10,
    ),
    max_leaves=5,
)


# ---- the machine --------------------------------------------------------------------------------------------------

_clients: dict[bool, Any] = {}


def as_sent(params: dict[str, Any]) -> str:
    """Request parameters as their JSON text (NaN and all), to compare a logged request with what was passed.
    Numbers are compared as doubles: the log may keep a number as the service reads it (10**30 as 1e30)."""
    text = json.dumps(params, allow_nan=True, default=repr)
    return json.dumps(json.loads(text, parse_int=float), allow_nan=True)


def client_for(validation: bool) -> Any:
    """One client of each kind for the whole run: clients are mocked by whatever mock is active when they call."""
    if validation not in _clients:
        _clients[validation] = boto3.client(
            "s3vectors", region_name=REGION, config=Config(parameter_validation=validation)
        )
    return _clients[validation]


def index_arn(bucket: str, index: str) -> str:
    return f"arn:aws:s3vectors:{REGION}:{ACCOUNT}:bucket/{bucket}/index/{index}"


class S3VectorsMachine(RuleBasedStateMachine):
    mock_options: dict[str, Any] = {}  # noqa: RUF012 - read only (AccessMachine turns enforcement on)

    def __init__(self) -> None:
        super().__init__()
        self.mock = S3VectorsMock(**self.mock_options).start()
        self.client = client_for(True)
        self.buckets: dict[str, dict[str, ModelIndex]] = {}
        self.touched: list[Any] = []  # every request object and answer of the step: see deface_what_was_touched
        self.logged: list[tuple[CallRecord, str]] = []
        self.defacements = 0

    def teardown(self) -> None:
        self.mock.stop()

    # ---- helpers -------------------------------------------------------------------------------------------------

    def call(self, operation: str, client: Any = None, **drawn: Any) -> Answer:
        # A copy is passed (and defaced later): strategies hand out shared objects (st.just, sampled_from).
        params = copy.deepcopy(drawn)
        sent, logged = as_sent(params), len(self.mock.calls)
        answer: Answer
        try:
            answer = getattr(client or self.client, operation)(**params)
        except ClientError as error:
            self.touched.append(error.response)
            answer = error_of(error)
        self.touched += [params, answer]
        calls = self.mock.calls
        if len(calls) > logged:
            self.logged.append((calls[-1], sent))
        return answer

    def expect_error(self, answer: Answer, expected: Error) -> None:
        assert isinstance(answer, Error), f"expected {expected}, got a success: {answer}"
        assert same_error(answer, expected), f"expected {expected}, got {answer}"

    def expect_success(self, answer: Answer) -> None:
        assert not isinstance(answer, Error), f"expected a success, got {answer}"

    def model_index(self, bucket: str, index: str) -> ModelIndex | None:
        return self.buckets.get(bucket, {}).get(index)

    def address(self, bucket: str, index: str, by_arn: bool) -> dict[str, str]:
        return {"indexArn": index_arn(bucket, index)} if by_arn else {"vectorBucketName": bucket, "indexName": index}

    def indexes(self) -> list[tuple[str, str]]:
        return [(bucket, name) for bucket, indexes in self.buckets.items() for name in indexes]

    # ---- buckets and indexes -------------------------------------------------------------------------------------

    @initialize(dimension=st.integers(2, 4), metric=st.sampled_from(["cosine", "euclidean"]))
    def start_with_an_index(self, dimension: int, metric: str) -> None:
        self.create_bucket(BUCKETS[0])
        self.create_index(BUCKETS[0], INDEXES[0], dimension, metric, ["text"])
        records = [
            Record(key, [float(i + 1), *([0.5] * (dimension - 1))], {"s": key, "n": i, "list": [key, i]}, True)
            for i, key in enumerate(KEYS[:5])
        ]
        self.write(
            BUCKETS[0],
            INDEXES[0],
            records,
            self.call(
                "put_vectors", **self.address(BUCKETS[0], INDEXES[0], False), vectors=[r.as_request() for r in records]
            ),
        )

    @rule(bucket=st.sampled_from(BUCKETS), delete=rarely(st.just(False), st.just(True), 4))
    def bucket_operation(self, bucket: str, delete: bool) -> None:
        if delete:
            self.delete_bucket(bucket)
        else:
            self.create_bucket(bucket)

    @rule(
        bucket=rarely(st.just(BUCKETS[0]), st.sampled_from(BUCKETS), 3),
        index=st.sampled_from(INDEXES),
        kind=st.sampled_from(["create", "create", "get", "get", "delete"]),
        dimension=st.integers(2, 4),
        metric=st.sampled_from(["cosine", "euclidean"]),
        non_filterable=st.lists(st.sampled_from(["text", "n", "list"]), min_size=1, max_size=2, unique=True),
        by_arn=st.booleans(),
    )
    def index_operation(
        self, bucket: str, index: str, kind: str, dimension: int, metric: str, non_filterable: list[str], by_arn: bool
    ) -> None:
        if kind == "create":
            self.create_index(bucket, index, dimension, metric, non_filterable)
        elif kind == "get":
            self.get_index(bucket, index)
        else:
            self.delete_index(bucket, index, by_arn)

    def create_bucket(self, bucket: str) -> None:
        answer = self.call("create_vector_bucket", vectorBucketName=bucket)
        if bucket in self.buckets:
            self.expect_error(
                answer, Error("ConflictException", "A vector bucket with the specified name already exists")
            )
        else:
            self.expect_success(answer)
            self.buckets[bucket] = {}

    def delete_bucket(self, bucket: str) -> None:
        answer = self.call("delete_vector_bucket", vectorBucketName=bucket)
        if bucket not in self.buckets:
            self.expect_error(answer, Error("NotFoundException", BUCKET_NOT_FOUND))
        elif self.buckets[bucket]:
            self.expect_error(answer, Error("ConflictException", "The specified vector bucket is not empty"))
        else:
            self.expect_success(answer)
            del self.buckets[bucket]

    def create_index(self, bucket: str, index: str, dimension: int, metric: str, non_filterable: list[str]) -> None:
        answer = self.call(
            "create_index",
            vectorBucketName=bucket,
            indexName=index,
            dataType="float32",
            dimension=dimension,
            distanceMetric=metric,
            metadataConfiguration={"nonFilterableMetadataKeys": non_filterable},
        )
        if bucket not in self.buckets:
            self.expect_error(answer, Error("NotFoundException", BUCKET_NOT_FOUND))
        elif index in self.buckets[bucket]:
            self.expect_error(answer, Error("ConflictException", "An index with the specified name already exists"))
        else:
            self.expect_success(answer)
            assert answer["indexArn"] == index_arn(bucket, index)
            self.buckets[bucket][index] = ModelIndex(dimension, metric, frozenset(non_filterable))

    def delete_index(self, bucket: str, index: str, by_arn: bool) -> None:
        answer = self.call("delete_index", **self.address(bucket, index, by_arn))
        if self.model_index(bucket, index) is None:
            self.expect_error(answer, Error("NotFoundException", INDEX_NOT_FOUND))
        else:
            self.expect_success(answer)
            del self.buckets[bucket][index]

    def get_index(self, bucket: str, index: str) -> None:
        answer = self.call("get_index", vectorBucketName=bucket, indexName=index)
        model = self.model_index(bucket, index)
        if model is None:
            self.expect_error(answer, Error("NotFoundException", INDEX_NOT_FOUND))
            return
        described = answer["index"]
        assert (described["dimension"], described["distanceMetric"]) == (model.dimension, model.metric)
        configured = described["metadataConfiguration"]["nonFilterableMetadataKeys"]
        assert frozenset(configured) == model.non_filterable

    # ---- writes --------------------------------------------------------------------------------------------------

    def write(
        self, bucket: str, index: str, records: list[Record], answer: Answer, read: Callable[[Any], Any] = wire
    ) -> None:
        model = self.model_index(bucket, index)
        expected: Error | dict[str, Any] | None = request_problem(records)
        if expected is None and model is None:
            expected = Error("NotFoundException", INDEX_NOT_FOUND)
        if expected is None:
            assert model is not None
            expected = batch_outcome(model, records, read)
        if isinstance(expected, Error):
            event(f"write refused: {expected.code} {expected.message.split(': ')[-1][:40]}")
            self.expect_error(answer, expected)
            return
        event("write stored")
        self.expect_success(answer)
        assert model is not None
        model.vectors.update(expected)

    @precondition(lambda self: bool(self.indexes()))
    @rule(data=st.data(), by_arn=st.booleans(), validation=st.booleans())
    def put_vectors(self, data: st.DataObject, by_arn: bool, validation: bool) -> None:
        bucket, index = data.draw(st.sampled_from(self.indexes()))
        dimension = self.buckets[bucket][index].dimension
        records = data.draw(batches(dimension))
        # Now and then an index that does not exist (the same records must then be answered NotFound).
        if data.draw(rarely(st.just(False), st.just(True), 20)):
            bucket, index = BUCKETS[1], "missing-index"
        answer = self.call(
            "put_vectors",
            client_for(validation),
            **self.address(bucket, index, by_arn),
            vectors=[record.as_request() for record in records],
        )
        self.write(bucket, index, records, answer)

    @precondition(lambda self: bool(self.indexes()))
    @rule(data=st.data(), as_array=st.booleans())
    def load_vectors(self, data: st.DataObject, as_array: bool) -> None:
        bucket, index = data.draw(st.sampled_from(self.indexes()))
        dimension = self.buckets[bucket][index].dimension
        records = data.draw(batches(dimension))
        if data.draw(
            rarely(st.just(False), st.just(True), 10)
        ):  # what only load_vectors can be given: integers beyond the double
            records[0].data = [10**400, *records[0].data[1:]]
        rows: Any = [record.data for record in records]
        plain_rows = all(len(row) == dimension and not any(isinstance(v, bool) for v in row) for row in rows)
        if as_array and plain_rows and not any(abs(as_double(v)) == math.inf for row in rows for v in row):
            rows = np.asarray(rows, dtype=np.float64)
        metadata = [record.metadata if record.has_metadata else None for record in records]
        passed = copy.deepcopy(([r.key for r in records], rows, metadata))  # see call()
        self.touched.append(passed)
        try:
            self.mock.load_vectors(index_arn(bucket, index), *passed)
            answer: Answer = {}
        except ClientError as error:
            self.touched.append(error.response)
            answer = error_of(error)
            assert "ResponseMetadata" in error.response
        # load_vectors reads None as "no metadata", as a PutVectors record without the member.
        for record in records:
            record.has_metadata = record.has_metadata and record.metadata is not None
        # Nothing goes over the wire: integers are kept exact (as JSON, keys are strings).
        self.write(bucket, index, records, answer, read=lambda value: json.loads(json.dumps(value)))

    @precondition(lambda self: bool(self.indexes()))
    @rule(data=st.data(), keys=st.lists(st.sampled_from([*KEYS, "absent", "é" * 600]), min_size=1, max_size=4))
    def delete_vectors(self, data: st.DataObject, keys: list[str]) -> None:
        bucket, index = data.draw(st.sampled_from(self.indexes()))
        answer = self.call("delete_vectors", **self.address(bucket, index, data.draw(st.booleans())), keys=keys)
        if any(len(key.encode("utf-8")) > 1024 for key in keys):
            position = next(i for i, key in enumerate(keys) if len(key.encode("utf-8")) > 1024)
            self.expect_error(
                answer, Error("ValidationException", KEY_TOO_LONG, ((f"keys[{position}]", KEY_TOO_LONG),))
            )
            return
        self.expect_success(answer)
        for key in keys:
            self.buckets[bucket][index].vectors.pop(key, None)

    # ---- reads ---------------------------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.indexes()))
    @rule(
        data=st.data(),
        keys=st.lists(st.sampled_from([*KEYS, "absent"]), min_size=1, max_size=4),
        return_data=st.booleans(),
        return_metadata=st.booleans(),
    )
    def get_vectors(self, data: st.DataObject, keys: list[str], return_data: bool, return_metadata: bool) -> None:
        bucket, index = data.draw(st.sampled_from(self.indexes()))
        model = self.buckets[bucket][index]
        answer = self.call(
            "get_vectors",
            vectorBucketName=bucket,
            indexName=index,
            keys=keys,
            returnData=return_data,
            returnMetadata=return_metadata,
        )
        self.expect_success(answer)
        got = {vector["key"]: vector for vector in answer["vectors"]}
        assert len(got) == len(answer["vectors"]), "a key came back twice"
        assert set(got) == {key for key in keys if key in model.vectors}
        for key, vector in got.items():
            self.check_described(model, key, vector, return_data, return_metadata)

    def check_described(
        self, model: ModelIndex, key: str, described: dict[str, Any], with_data: bool, with_metadata: bool
    ) -> None:
        stored_vector, stored_metadata = model.vectors[key]
        assert ("data" in described) == with_data and ("metadata" in described) == with_metadata
        if with_data:
            assert described["data"]["float32"] == stored_vector, key
        if with_metadata:
            assert described["metadata"] == (stored_metadata or {}), key

    def listed(self, bucket: str, index: str, page_size: int, **extra: Any) -> list[dict[str, Any]]:
        vectors: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.client.list_vectors(
                vectorBucketName=bucket,
                indexName=index,
                maxResults=page_size,
                **extra,
                **({"nextToken": token} if token else {}),
            )
            self.touched.append(page)
            assert len(page["vectors"]) <= page_size
            vectors += page["vectors"]
            token = page.get("nextToken")
            if token is None:
                return vectors
            assert page["vectors"], "an empty page with a nextToken"

    @precondition(lambda self: bool(self.indexes()))
    @rule(data=st.data(), page_size=st.integers(1, 4), segments=st.integers(1, 4))
    def list_in_segments(self, data: st.DataObject, page_size: int, segments: int) -> None:
        bucket, index = data.draw(st.sampled_from(self.indexes()))
        seen: list[str] = []
        for segment in range(segments):
            listed = self.listed(bucket, index, page_size, segmentCount=segments, segmentIndex=segment)
            keys = [vector["key"] for vector in listed]
            assert keys == sorted(keys), "keys of a segment in code-point order (the documented choice)"
            seen += keys
        assert len(seen) == len(set(seen)), "segments overlap"
        assert set(seen) == set(self.buckets[bucket][index].vectors)

    @precondition(lambda self: bool(self.indexes()))
    @rule(
        data=st.data(),
        top_k=st.integers(1, 12),
        filter_=st.one_of(st.none(), filters),
        return_metadata=st.booleans(),
        by_arn=st.booleans(),
    )
    def query_vectors(self, data: st.DataObject, top_k: int, filter_: Any, return_metadata: bool, by_arn: bool) -> None:
        bucket, index = data.draw(st.sampled_from(self.indexes()))
        model = self.buckets[bucket][index]
        query = data.draw(query_vectors_of(model.dimension))
        params: dict[str, Any] = {"topK": top_k, "queryVector": {"float32": query}, "returnDistance": True}
        if filter_ is not None:
            params["filter"] = filter_
        if return_metadata:
            params["returnMetadata"] = True
        answer = self.call("query_vectors", **self.address(bucket, index, by_arn), **params)
        rounded = [as_float32(value) for value in query]
        # The request's own checks (the filter's syntax) come before those that need the index (the vector's).
        on_wire = wire(filter_) if filter_ is not None else None
        if on_wire is not None and not filter_is_valid(on_wire, ENHANCED):
            event("query: invalid filter")
            self.expect_error(answer, Error("ValidationException", INVALID_FILTER, (("filter", INVALID_FILTER),)))
            return
        if (
            len(query) != model.dimension
            or not all(math.isfinite(value) for value in rounded)
            or (model.metric == "cosine" and not any(rounded))
        ):
            event("query: invalid vector")
            self.expect_error(answer, Error("ValidationException", INVALID_QUERY_VECTOR))
            return
        if on_wire is not None and filter_fields(on_wire) & model.non_filterable:
            event("query: non-filterable key")
            self.expect_error(answer, Error("ValidationException", NON_FILTERABLE))
            return
        self.expect_success(answer)
        assert answer["distanceMetric"] == model.metric
        matching = [
            key
            for key, (_, metadata) in model.vectors.items()
            if on_wire is None or reference.matches(on_wire, metadata or {})
        ]
        exact = reference.exact_distances([model.vectors[key][0] for key in matching], rounded, model.metric)
        event(f"query: {'filtered' if filter_ is not None else 'unfiltered'}, {min(len(matching), 3)}+ matches")
        check_ranking(answer["vectors"], dict(zip(matching, exact)), top_k)
        for hit in answer["vectors"]:
            assert ("metadata" in hit) == return_metadata
            if return_metadata:
                assert hit["metadata"] == (model.vectors[hit["key"]][1] or {})

    # ---- after every step ----------------------------------------------------------------------------------------

    def deface_what_was_touched(self) -> None:
        """A caller changes everything it passed and got back (lists grow and dict values change, or every container
        is emptied): the state, read back right after this, must still be the model's (nothing by reference)."""
        self.defacements += 1
        deface(self.touched, clear=self.defacements % 2 == 0)
        self.touched = []
        # Issue 17 item 6: m.calls holds what was sent, never the caller's objects.
        for record, sent in self.logged:
            assert as_sent(record.params) == sent, f"m.calls changed with the caller's objects: {record}"
        self.logged = []

    @invariant()
    def state_matches_the_model(self) -> None:
        self.deface_what_was_touched()
        listed_buckets = self.client.list_vector_buckets()["vectorBuckets"]
        self.touched.append(listed_buckets)
        assert sorted(b["vectorBucketName"] for b in listed_buckets) == sorted(self.buckets)
        for bucket, indexes in self.buckets.items():
            listed_indexes = self.client.list_indexes(vectorBucketName=bucket)["indexes"]
            self.touched.append(listed_indexes)
            assert sorted(i["indexName"] for i in listed_indexes) == sorted(indexes)
            for index, model in indexes.items():
                listed = self.listed(bucket, index, 500, returnData=True, returnMetadata=True)
                keys = [vector["key"] for vector in listed]
                assert keys == sorted(model.vectors), "ListVectors: every key once, in code-point order"
                for vector in listed:
                    self.check_described(model, vector["key"], vector, True, True)
                self.probe_filters(bucket, index, model)
                check_engine(self.mock, bucket, index)

    def probe_filters(self, bucket: str, index: str, model: ModelIndex) -> None:
        """Two broad filters that see every stored filterable value: which keys have any field at all, and which
        have any of the common values (alone or in an array). A value left behind by a delete, an overwrite or a
        failed write shows up here even when no random query happens to ask for it."""
        fields = [name for name in FIELDS if name not in model.non_filterable]
        common = ["a", "b", "c", "ab", "", *range(-3, 4)]
        for probe in (
            {"$or": [{name: {"$exists": True}} for name in fields]},
            {"$or": [{name: {"$in": common}} for name in fields]},
        ):
            hits = self.client.query_vectors(
                vectorBucketName=bucket,
                indexName=index,
                topK=100,
                queryVector={"float32": [1.0] * model.dimension},
                filter=probe,
            )["vectors"]
            self.touched += [probe, hits]
            expected = {key for key, (_, metadata) in model.vectors.items() if reference.matches(probe, metadata or {})}
            assert {hit["key"] for hit in hits} == expected, probe


def check_engine(mock: S3VectorsMock, bucket: str, index: str) -> None:
    """White-box invariants of the engine that answers for the index: what makes every filter trustworthy."""
    namespace = mock._service.backend.namespace(ACCOUNT, REGION)
    table = namespace.buckets[bucket].indexes[index].table
    assert len(table.keys) == len(table.metadata) == table.size == len(table.row_of)
    assert all(table.row_of[key] == row for row, key in enumerate(table.keys))
    for column in table.columns.columns.values():
        assert not column.kind[table.size :].any(), "a metadata value past the live rows"
        assert set(column.arrays) == set(np.flatnonzero(column.kind == ARRAY).tolist())
    for name, column in table.columns.columns.items():
        absent = [row for row in range(table.size) if name not in (table.metadata[row] or {})]
        assert (column.kind[absent] == ABSENT).all(), f"a row without {name!r} has a value for it"
    classes = np.bincount(table.norm_class[: table.size], minlength=3)
    assert table.norm_class_counts.tolist() == classes.tolist()


def check_ranking(hits: list[dict[str, Any]], exact: dict[str, float], top_k: int) -> None:
    """The hits are the top_k of ``exact`` (key → float64 distance) ranked by (distance, key), with float32
    distances; only keys whose distances are within rounding of each other may trade places."""

    def tolerance(distance: float) -> float:
        return 1e-6 + 1e-5 * abs(distance) if math.isfinite(distance) else 0.0

    assert len(hits) == min(top_k, len(exact)), (hits, exact)
    keys = [hit["key"] for hit in hits]
    assert len(set(keys)) == len(keys)
    for hit in hits:
        assert hit["key"] in exact, f"{hit['key']} does not match the filter"
        expected = reference.as_reported(exact[hit["key"]])
        assert hit["distance"] == expected or abs(hit["distance"] - expected) <= tolerance(expected), (hit, expected)
    for before, after in itertools.pairwise(hits):
        d_before, d_after = exact[before["key"]], exact[after["key"]]
        assert d_before <= d_after + tolerance(d_after), (before, after)
        if before["distance"] == after["distance"] and d_before == d_after:
            assert before["key"] < after["key"], "ties go by key"
    if hits:
        last = exact[keys[-1]]
        for key, distance in exact.items():
            if key not in keys:
                assert distance >= last - tolerance(last), f"{key} at {distance} belongs before {keys[-1]} at {last}"


# =================================================================================================================
# Access control (issue 18): principals and policies. A separate block: a subclass of the machine above, with rules
# of its own, so the machine's other rules (and whoever edits them) are untouched. Its model decides every
# principal's request independently of the mock — a small plain-Python reading of IAM's evaluation logic over the
# structured statements it generates (fnmatch for wildcards), never the mock's evaluator — and must agree with the
# mock on every step: allowed or denied, with which message, and an allowed request's own outcome. The account
# root (the machine's usual caller) keeps every right: generated Deny statements never name it.
# =================================================================================================================

import fnmatch  # noqa: E402 - kept with the block that uses it

OTHER_ACCOUNT = "444455556666"
READER_ARN = f"arn:aws:iam::{ACCOUNT}:role/reader"
VISITOR_ARN = f"arn:aws:iam::{OTHER_ACCOUNT}:role/visitor"
PRINCIPAL_KEYS = {READER_ARN: "AKIASTATEFULREADER", VISITOR_ARN: "AKIASTATEFULVISITOR"}
ACTION_PATTERNS = [
    "s3vectors:*",
    "s3vectors:*",
    "*",
    "s3vectors:Get*",
    "s3vectors:List*",
    "s3vectors:QueryVectors",
    "s3vectors:getvectors",
    "s3vectors:GetIndex",
    "s3vectors:ListVectorBuckets",
]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"StringEquals": {"aws:RequestedRegion": REGION}},
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/read*"}},
    {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}},
]
# Who a bucket policy statement names: everyone, the owner account, each principal, the other account.
ALLOW_PRINCIPALS: list[Any] = ["*", {"AWS": ACCOUNT}, {"AWS": READER_ARN}, {"AWS": VISITOR_ARN}, {"AWS": OTHER_ACCOUNT}]
DENY_PRINCIPALS: list[Any] = [{"AWS": READER_ARN}, {"AWS": VISITOR_ARN}, {"AWS": OTHER_ACCOUNT}]
POLICY_NOT_FOUND = "The specified vector bucket policy could not be found"
BROAD_GRANT = {"Effect": "Allow", "Action": "s3vectors:*", "Resource": "*"}


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3vectors:{REGION}:{ACCOUNT}:bucket/{bucket}"


# Mostly the machine's first bucket and index (where the data is), so that a good share of requests is allowed.
RESOURCE_PATTERNS = [
    "*",
    "*",
    bucket_arn(BUCKETS[0]),
    f"{bucket_arn(BUCKETS[0])}/*",
    f"{bucket_arn(BUCKETS[0])}/*",
    index_arn(BUCKETS[0], INDEXES[0]),
    f"{bucket_arn(BUCKETS[0])}/index/idx-?",
    f"{bucket_arn(BUCKETS[1])}/*",
]


@st.composite
def statements(draw: st.DrawFn, resource_based: bool) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    statement: dict[str, Any] = {
        "Effect": effect,
        "Action": draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3, unique=True)),
        "Resource": draw(st.sampled_from(RESOURCE_PATTERNS)),
    }
    if resource_based:
        statement["Principal"] = draw(st.sampled_from(ALLOW_PRINCIPALS if effect == "Allow" else DENY_PRINCIPALS))
    condition = draw(rarely(st.just(None), st.sampled_from(CONDITIONS), 3))
    if condition is not None:
        statement["Condition"] = condition
    return statement


def reference_condition_holds(condition: dict[str, Any] | None, context: dict[str, str]) -> bool:
    for operator, pairs in (condition or {}).items():
        for key, wanted in pairs.items():
            value = context.get(key)
            if operator == "StringEquals" and value != wanted:
                return False
            if operator == "StringNotEquals" and value is not None and value == wanted:
                return False
            if operator == "StringLike" and (value is None or not fnmatch.fnmatchcase(value, wanted)):
                return False
            if operator == "StringEqualsIfExists" and value is not None and value != wanted:
                return False
    return True


def reference_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
    acted = any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)
    return (
        acted
        and fnmatch.fnmatchcase(resource, statement["Resource"])
        and reference_condition_holds(statement.get("Condition"), context)
    )


def reference_decision(
    principal: str,
    identity: list[dict[str, Any]] | None,
    bucket_policy: list[dict[str, Any]],
    action: str,
    resource: str,
) -> str | None:
    """None (allowed), or the tail of IAM's message. ``identity`` None: the account root."""
    account = principal.split(":")[4]
    context = {"aws:PrincipalArn": principal, "aws:PrincipalAccount": account, "aws:RequestedRegion": REGION}
    same_account = account == ACCOUNT if resource != "*" else True
    identity_allows = identity is None or any(
        s["Effect"] == "Allow" and reference_applies(s, action, resource, context) for s in identity
    )
    if any(s["Effect"] == "Deny" and reference_applies(s, action, resource, context) for s in identity or []):
        return "with an explicit deny in an identity-based policy"

    def names(statement: dict[str, Any]) -> str | None:
        named = statement["Principal"]
        if named == "*" or named["AWS"] == principal:
            return "principal"
        if named["AWS"] == account:
            return "account"
        return None

    applicable = [s for s in bucket_policy if names(s) and reference_applies(s, action, resource, context)]
    if any(s["Effect"] == "Deny" for s in applicable):
        return "with an explicit deny in a resource-based policy"
    allowing = {names(s) for s in applicable if s["Effect"] == "Allow"}
    if same_account:
        return (
            None
            if identity_allows or "principal" in allowing
            else f"because no identity-based policy allows the {action} action"
        )
    if not identity_allows:
        return f"because no identity-based policy allows the {action} action"
    return None if allowing else f"because no resource-based policy allows the {action} action"


_principal_clients: dict[str, Any] = {}


def principal_client(principal: str) -> Any:
    if principal not in _principal_clients:
        _principal_clients[principal] = boto3.client(
            "s3vectors",
            region_name=REGION,
            aws_access_key_id=PRINCIPAL_KEYS[principal],
            aws_secret_access_key="secret",
        )
    return _principal_clients[principal]


class AccessMachine(S3VectorsMachine):
    mock_options = {"enforce_access": True}  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__()
        self.identity: dict[str, list[dict[str, Any]]] = {}
        self.bucket_policies: dict[str, list[dict[str, Any]]] = {}

    def create_bucket(self, bucket: str) -> None:
        existed = bucket in self.buckets
        super().create_bucket(bucket)
        if not existed:  # a new bucket has no policy (its namesake's went with it)
            self.bucket_policies.pop(bucket, None)

    @rule(
        principal=st.sampled_from(sorted(PRINCIPAL_KEYS)),
        policy=st.one_of(
            st.lists(statements(False), min_size=1, max_size=4),
            # A broad grant narrowed by whatever else is drawn: the allowed side gets its share of steps.
            st.lists(statements(False), max_size=2).map(lambda rest: [BROAD_GRANT, *rest]),
        ),
    )
    def access_set_identity_policy(self, principal: str, policy: list[dict[str, Any]]) -> None:
        documents = [{"Version": "2012-10-17", "Statement": policy}] if policy else []
        self.mock.add_principal(principal, access_key_id=PRINCIPAL_KEYS[principal], policies=documents)
        self.identity[principal] = policy

    @rule(bucket=st.sampled_from(BUCKETS), policy=st.lists(statements(True), min_size=1, max_size=3))
    def access_put_bucket_policy(self, bucket: str, policy: list[dict[str, Any]]) -> None:
        text = json.dumps({"Version": "2012-10-17", "Statement": policy})
        answer = self.call("put_vector_bucket_policy", vectorBucketName=bucket, policy=text)
        if bucket not in self.buckets:
            self.expect_error(answer, Error("NotFoundException", BUCKET_NOT_FOUND))
        else:
            self.expect_success(answer)
            self.bucket_policies[bucket] = policy

    @rule(
        principal=st.sampled_from(sorted(PRINCIPAL_KEYS)),
        bucket=rarely(st.just(BUCKETS[0]), st.sampled_from(BUCKETS), 4),
        index=rarely(st.just(INDEXES[0]), st.sampled_from(INDEXES), 4),
        operation=st.sampled_from(
            ["GetIndex", "ListIndexes", "QueryVectors", "ListVectors", "GetVectors", "ListVectorBuckets", "GetPolicy"]
        ),
        more=st.booleans(),
    )
    def access_principal_reads(self, principal: str, bucket: str, index: str, operation: str, more: bool) -> None:
        """A read by a principal: allowed or denied as the model decides, then answered as the state says."""
        if principal not in self.identity:
            self.access_set_identity_policy(principal, [])
        model = self.model_index(bucket, index)
        index_address = {"indexArn": index_arn(bucket, index)}
        calls: dict[str, tuple[str, dict[str, Any], list[str], str, Error | None]] = {
            "GetIndex": ("get_index", index_address, ["GetIndex"], index_arn(bucket, index), None),
            "ListIndexes": (
                "list_indexes",
                {"vectorBucketArn": bucket_arn(bucket)},
                ["ListIndexes"],
                bucket_arn(bucket),
                None,
            ),
            "QueryVectors": (
                "query_vectors",
                {
                    **index_address,
                    "topK": 1,
                    "queryVector": {"float32": [1.0] * (model.dimension if model else 2)},
                    "returnMetadata": more,
                },
                ["QueryVectors", *(["GetVectors"] if more else [])],
                index_arn(bucket, index),
                None,
            ),
            "ListVectors": (
                "list_vectors",
                {**index_address, "returnData": more},
                ["ListVectors", *(["GetVectors"] if more else [])],
                index_arn(bucket, index),
                None,
            ),
            "GetVectors": (
                "get_vectors",
                {**index_address, "keys": ["a"]},
                ["GetVectors"],
                index_arn(bucket, index),
                None,
            ),
            "ListVectorBuckets": ("list_vector_buckets", {}, ["ListVectorBuckets"], "*", None),
            "GetPolicy": (
                "get_vector_bucket_policy",
                {"vectorBucketArn": bucket_arn(bucket)},
                ["GetVectorBucketPolicy"],
                bucket_arn(bucket),
                None,
            ),
        }
        method, params, actions, resource, _ = calls[operation]
        try:
            answer: Answer = getattr(principal_client(principal), method)(**params)
        except ClientError as error:
            answer = error_of(error)
        policy = self.bucket_policies.get(bucket, []) if resource != "*" and bucket in self.buckets else []
        for action in (f"s3vectors:{name}" for name in actions):
            reason = reference_decision(principal, self.identity[principal], policy, action, resource)
            if reason is not None:
                on_resource = f" on resource: {resource}" if resource != "*" else ""
                message = f"User: {principal} is not authorized to perform: {action}{on_resource} {reason}"
                event(f"access: denied {reason.split(' policy')[0]}")
                self.expect_error(answer, Error("AccessDeniedException", message))
                return
        event("access: allowed")
        if operation in ("GetIndex", "QueryVectors", "ListVectors", "GetVectors") and model is None:
            self.expect_error(answer, Error("NotFoundException", INDEX_NOT_FOUND))
        elif operation in ("ListIndexes", "GetPolicy") and bucket not in self.buckets:
            self.expect_error(answer, Error("NotFoundException", BUCKET_NOT_FOUND))
        elif operation == "GetPolicy" and bucket not in self.bucket_policies:
            self.expect_error(answer, Error("NotFoundException", POLICY_NOT_FOUND))
        else:
            self.expect_success(answer)
            if operation == "ListVectorBuckets":
                mine = sorted(self.buckets) if principal.split(":")[4] == ACCOUNT else []
                assert sorted(b["vectorBucketName"] for b in answer["vectorBuckets"]) == mine


AccessMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
# numpy warnings are errors: a warning inside the mock would otherwise pass unnoticed (pytest -W error users see
# it as InternalServerException).
TestS3VectorsStateful = pytest.mark.filterwarnings("error::RuntimeWarning")(AccessMachine.TestCase)
