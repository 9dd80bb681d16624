"""The one JSON reader of requests: orjson when installed, else the standard library, with identical results."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3vectors_mock._json_reader import UnreadableJSONError, _standard_loads, loads

EDGES = [
    b"[18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809, 0, -0]",
    b'{"a": 1e400, "b": -1e400, "c": 5e-324, "d": -0.0, "e": 1.7976931348623157e308}',
    b"[" + b"9" * 400 + b", -" + b"1" * 5000 + b"]",
    b'{"s": "\\ud800", "t": "\\u00e9\\n"}',
    b"[NaN, Infinity, -Infinity]",
    b'{"k": 1, "k": 2}',
]


def comparable(value: object) -> str:
    return repr(value)  # ints and floats stay distinct (1 is not 1.0), NaN equals NaN


@pytest.mark.parametrize("document", EDGES)
def test_both_readers_read_the_same_values(document: bytes) -> None:
    assert comparable(_standard_loads(document)) == comparable(loads(document))


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=5),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_both_readers_agree_on_what_botocore_writes(value: object) -> None:
    document = json.dumps(value).encode()
    assert comparable(_standard_loads(document)) == comparable(loads(document))


@pytest.mark.parametrize("document", [b"{", b"", b"[1,]", b"\xff"])
def test_what_is_not_json_is_refused(document: bytes) -> None:
    with pytest.raises(UnreadableJSONError):
        loads(document)


def test_the_library_reads_requests_without_orjson() -> None:
    """orjson comes with the server extra; in-process calls read the request without it, to the same values."""
    code = """
import sys
sys.modules["orjson"] = None  # as if the server extra were not installed
import boto3
from s3vectors_mock import mock_s3vectors
with mock_s3vectors():
    c = boto3.client("s3vectors", region_name="us-east-1")
    c.create_vector_bucket(vectorBucketName="bkt")
    c.create_index(vectorBucketName="bkt", indexName="idx", dataType="float32", dimension=2, distanceMetric="cosine")
    c.put_vectors(vectorBucketName="bkt", indexName="idx",
                  vectors=[{"key": "k", "data": {"float32": [0.5, 1.0]}, "metadata": {"n": 2**64, "m": 2**64 - 1}}])
    got = c.get_vectors(vectorBucketName="bkt", indexName="idx", keys=["k"], returnMetadata=True, returnData=True)
    print(repr(got["vectors"][0]["metadata"]), got["vectors"][0]["data"]["float32"], "orjson" in sys.modules
          and sys.modules["orjson"] is not None)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[0] == "{'n': 1.8446744073709552e+19, 'm': 18446744073709551615} [0.5, 1.0] False"
