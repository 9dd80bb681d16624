"""Requests generated from the installed service model for every operation, valid and invalid.

Every outcome must be a response that validates against the output shape (checked by conftest), a modelled
ClientError the operation declares (also checked by conftest), or botocore's own ParamValidationError; never any
other exception. A request that fails changes no state.

The budget is fixed for CI; for a longer run: ``S3VECTORS_MOCK_FUZZ_EXAMPLES=2000 ./dev test tests/test_fuzz.py``.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from typing import Any, cast

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3vectors_mock import S3VectorsMock
from s3vectors_mock._service_model import client_model, operation_names

EXAMPLES = int(os.environ.get("S3VECTORS_MOCK_FUZZ_EXAMPLES", "40"))
BUCKET_ARN = "arn:aws:s3vectors:us-east-1:123456789012:bucket/fuzz-bucket"
INDEX_ARN = f"{BUCKET_ARN}/index/fuzz-index"

odd_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=4),
    st.sampled_from(["", "\ud800", "a" * 64, "a" * 1100, "é" * 600, "$eq", "aws:x", "AWS:x", "..", "-a-"]),
)
names = {
    "vectorBucketName": st.sampled_from(["fuzz-bucket", "other-bucket", "Bad_Name", "ab", "x" * 64]),
    "indexName": st.sampled_from(["fuzz-index", "other.index", "Bad", "ix", "y" * 64]),
    "vectorBucketArn": st.sampled_from([BUCKET_ARN, BUCKET_ARN + "x", INDEX_ARN, "arn:aws:s3:::nope", "junk"]),
    "indexArn": st.sampled_from(
        [INDEX_ARN, INDEX_ARN + "x", BUCKET_ARN, "arn:aws:s3vectors:eu-west-1:123456789012:bucket/a/index/b"]
    ),
    "resourceArn": st.sampled_from([BUCKET_ARN, INDEX_ARN, INDEX_ARN + "zz", "", "junk"]),
    "key": st.sampled_from(["k1", "k2", "k3"]),
}
FLT_MAX = 3.4028234663852886e38
# Numbers at the edges of what float32, float64 and JSON can hold: subnormals, FLT_MAX and beyond, the last exact
# integers of a double, integers beyond the double range (which botocore sends as JSON digits), signed zeros.
numeric_edges = st.sampled_from(
    [
        0.0,
        -0.0,
        5e-324,
        1e-45,
        -1.4e-45,
        1e-46,
        FLT_MAX,
        -FLT_MAX,
        3.4028235677973366e38,
        1e39,
        1.7976931348623157e308,
        2**53 - 1,
        2**53 + 1,
        -(2**53 + 1),
        2.0**53 + 1,
        2**1024 - 2**970 - 1,
        10**400,
        -(10**400),
    ]
)
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), numeric_edges, odd_text
)
json_key = st.one_of(
    st.sampled_from(["$and", "$or", "$eq", "$in", "a", "b", "$gt", "$exists", "$startsWith"]),
    st.sampled_from([1, None, True, 1.5]),  # botocore's json.dumps writes them as "1", "null", "true", "1.5"
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(json_key, inner, max_size=3)),
    max_leaves=8,
)
float32_values = st.one_of(st.floats(width=32, allow_nan=True, allow_infinity=True), numeric_edges, st.booleans())


def strategy(shape: Shape, member: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
    if member in names and shape.type_name == "string":
        return st.one_of(names[member], odd_text)
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if shape.metadata.get("document"):
            return json_value
        if member == "vectorData" or shape.name == "VectorData":
            return st.fixed_dictionaries({"float32": st.lists(float32_values, min_size=0, max_size=5)})
        required = {name: strategy(shape.members[name], name, depth + 1) for name in shape.required_members}
        optional = {
            name: strategy(member_shape, name, depth + 1)
            for name, member_shape in shape.members.items()
            if name not in shape.required_members and depth < 4
        }
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(shape, ListShape):
        high = min(int(shape.metadata.get("max", 6)), 6)
        return st.lists(strategy(shape.member, member, depth + 1), max_size=high)
    if isinstance(shape, MapShape):
        return st.dictionaries(strategy(shape.key, "", depth + 1), strategy(shape.value, "", depth + 1), max_size=4)
    if kind == "string":
        enum = shape.metadata.get("enum")
        return st.one_of(st.sampled_from(enum), odd_text) if enum else odd_text
    if kind in ("integer", "long"):
        low, high = shape.metadata.get("min", -5), shape.metadata.get("max", 20000)
        return st.integers(low - 2, high + 2)
    if kind in ("float", "double"):
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True), numeric_edges)
    if kind == "boolean":
        return st.booleans()
    return st.none()


def snapshot(mock: S3VectorsMock) -> str:
    digest = hashlib.sha256()
    for (account, region), namespace in sorted(mock._service.backend.namespaces.items()):
        for name, bucket in sorted(namespace.buckets.items()):
            digest.update(
                repr(
                    (
                        account,
                        region,
                        name,
                        bucket.encryption,
                        bucket.policy,
                        sorted(bucket.tags.items()),
                        bucket.default_index_mode,
                    )
                ).encode()
            )
            for index_name, index in sorted(bucket.indexes.items()):
                table = index.table
                digest.update(
                    repr(
                        (
                            index_name,
                            index.metadata_configuration,
                            sorted(index.tags.items()),
                            index.index_mode,
                            sorted(index.text_search),
                        )
                    ).encode()
                )
                digest.update(repr(sorted(zip(table.keys, map(repr, table.metadata)))).encode())
                digest.update(table.live().tobytes())
    return digest.hexdigest()


def seed(client: Any) -> None:
    client.create_vector_bucket(vectorBucketName="fuzz-bucket")
    client.create_index(
        vectorBucketName="fuzz-bucket", indexName="fuzz-index", dataType="float32", dimension=3, distanceMetric="cosine"
    )
    client.put_vectors(
        indexArn=INDEX_ARN,
        vectors=[
            *(
                {"key": f"k{i}", "data": {"float32": [1.0, i, 0.5]}, "metadata": {"a": i, "b": "x"}}
                for i in range(1, 4)
            ),
            # Values at the numeric edges the service accepts, so queries and filters meet them too.
            {"key": "max", "data": {"float32": [FLT_MAX, -FLT_MAX, 1e-45]}, "metadata": {"a": -0.0, "b": [2**53 + 1]}},
            {"key": "sub", "data": {"float32": [1e-45, 0.0, -0.0]}, "metadata": {"a": 2**1024 - 2**970 - 1}},
        ],
    )


def raised_inside_the_mock(error: BaseException) -> bool:
    """Whether the innermost frame of botocore or of the mock that the error passed through is the mock's."""
    ours = f"{os.sep}s3vectors_mock{os.sep}"
    frames = [
        frame.filename
        for frame in traceback.extract_tb(error.__traceback__)
        if ours in frame.filename or f"{os.sep}botocore{os.sep}" in frame.filename
    ]
    return bool(frames) and ours in frames[-1]


def python_name(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


@pytest.mark.parametrize("validate", [True, False], ids=["client-validation", "no-client-validation"])
@pytest.mark.parametrize("operation", sorted(operation_names(client_model())))
def test_generated_requests(operation: str, validate: bool) -> None:
    input_shape = cast(StructureShape, client_model().operation_model(operation).input_shape)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(params=strategy(input_shape))
    def run(params: dict[str, Any]) -> None:
        with S3VectorsMock() as mock:
            client = boto3.client("s3vectors", region_name="us-east-1", config=Config(parameter_validation=validate))
            seed(client)
            before = snapshot(mock)
            try:
                getattr(client, python_name(operation))(**params)
            except ParamValidationError:
                assert validate, "botocore validation is off, yet it raised"
                assert snapshot(mock) == before
            except ClientError:
                assert snapshot(mock) == before, "a failed request changed the state"
            except (TypeError, ValueError, OverflowError, UnicodeEncodeError) as error:
                # botocore's own serializer refuses some input (a lone surrogate in a URL path, or what its disabled
                # validation let through) before any handler runs, exactly as against AWS. Never the mock.
                assert not raised_inside_the_mock(error), error
                assert snapshot(mock) == before

    run()
