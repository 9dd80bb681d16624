"""Model-driven routing and parsing, without a server: every operation of today's model is routed from its http
trait, members are read from where the model binds them, and what the model does not bind is left alone."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import cast
from urllib.parse import quote

import pytest
from botocore.model import ListShape, ServiceModel, StructureShape

from s3vectors_mock._errors import ServiceError
from s3vectors_mock._service import account_for_key
from s3vectors_mock._service_model import service_model
from s3vectors_mock.server._identity import signed_scope
from s3vectors_mock.server._routing import (
    RequestError,
    Router,
    _has_special_floats,
    body_members,
    bound_members,
)

MODEL = service_model()
ROUTER = Router(MODEL)
ARN = "arn:aws:s3vectors:us-east-1:123456789012:bucket/docs/index/chunks"


@pytest.mark.parametrize("operation", sorted(MODEL.operation_names))
def test_every_operation_is_routed_from_its_http_trait(operation: str) -> None:
    http = MODEL.operation_model(operation).http
    path = http["requestUri"].replace("{resourceArn}", quote(ARN, safe=""))
    route, labels = ROUTER.match(http["method"], path.encode(), [])
    assert route.name == operation
    assert labels == ({"resourceArn": ARN} if "{resourceArn}" in http["requestUri"] else {})


def test_untag_reads_the_arn_from_the_path_and_repeated_tag_keys_from_the_query() -> None:
    query = [("tagKeys", "a"), ("tagKeys", "b c")]
    route, labels = ROUTER.match("DELETE", f"/tags/{quote(ARN, safe='')}".encode(), query)
    assert route.name == "UntagResource"
    assert bound_members(route.operation, labels, query, []) == {"resourceArn": ARN, "tagKeys": ["a", "b c"]}


def test_unknown_path_and_wrong_method() -> None:
    with pytest.raises(RequestError) as unknown:
        ROUTER.match("POST", b"/NoSuchOperation", [])
    assert (unknown.value.code, unknown.value.status) == ("UnknownOperationException", 404)
    with pytest.raises(RequestError) as wrong:
        ROUTER.match("GET", b"/CreateIndex", [])
    assert (wrong.value.code, wrong.value.status) == ("MethodNotAllowedException", 405)
    assert "POST (CreateIndex)" in wrong.value.message
    with pytest.raises(RequestError) as tags:
        ROUTER.match("PUT", f"/tags/{quote(ARN, safe='')}".encode(), [])
    assert "DELETE (UntagResource), GET (ListTagsForResource), POST (TagResource)" in tags.value.message


def test_body_members_ignore_members_bound_elsewhere() -> None:
    operation = MODEL.operation_model("TagResource")
    assert body_members(operation, b'{"tags": {"a": "1"}, "resourceArn": "x"}') == {"tags": {"a": "1"}}
    assert body_members(operation, b"") == {}


@pytest.mark.parametrize(
    ("operation", "body", "member", "shape"),
    [
        ("TagResource", b'{"tags": {"a": "1"}, "unknown": 1}', "unknown", "TagResourceInput"),
        ("PutVectors", b'{"vectors": [{"key": "k", "data": {"float32": [1]}, "ttl": 5}]}', "ttl", "PutInputVector"),
        ("QueryVectors", b'{"topK": 1, "queryVector": {"float32": [1], "int8": [1]}}', "int8", "VectorData"),
    ],
)
def test_body_members_the_model_lacks_are_refused_by_name(operation: str, body: bytes, member: str, shape: str) -> None:
    # A client with a newer model sent them: answering without them could answer another question (issue 17 C19).
    with pytest.raises(ServiceError) as refused:
        body_members(MODEL.operation_model(operation), body)
    assert refused.value.code == "NotImplemented" and refused.value.status == 501
    assert f"member '{member}' of {shape}" in refused.value.message


def test_special_float_strings_become_floats_where_the_model_has_floats() -> None:
    # botocore (and every JSON-protocol SDK) sends NaN and infinities as strings; in metadata they stay strings.
    body = (
        b'{"vectors": [{"key": "k", "data": {"float32": [1, "NaN", "Infinity", "-Infinity"]},'
        b' "metadata": {"m": "NaN"}}]}'
    )
    params = body_members(MODEL.operation_model("PutVectors"), body)
    values = params["vectors"][0]["data"]["float32"]
    assert values[0] == 1 and math.isnan(values[1]) and values[2:] == [math.inf, -math.inf]
    assert params["vectors"][0]["metadata"] == {"m": "NaN"}


@pytest.mark.parametrize("capitals", [0, 3, 63, 64, 65, 500])
@pytest.mark.parametrize("special", [b'"NaN"', b'"Infinity"', b'"-Infinity"'])
def test_special_floats_are_found_behind_any_number_of_capitals(capitals: int, special: bytes) -> None:
    # The scan checks the first capital N and I bytes one by one, then searches the rest of the body at once.
    names = b"".join(b'"N%dI": 1, ' % position for position in range(capitals))
    body = b'{"m": {' + names + b'"z": 1}, "vectors": [{"data": {"float32": [1.5, ' + special + b"]}}]}"
    assert _has_special_floats(body)
    assert not _has_special_floats(body.replace(special, b"2.5"))
    assert not _has_special_floats(body.replace(special, b'"NaNa"').replace(b"Infinity", b"Infinit"))
    operation = MODEL.operation_model("PutVectors")
    values = body_members(operation, body.replace(b'"m": {' + names + b'"z": 1}, ', b""))["vectors"][0]["data"]
    assert not isinstance(values["float32"][1], str)


def test_the_first_unknown_member_is_refused_in_the_order_of_the_body() -> None:
    # Members are checked in place (nothing to convert), in the order a copying walk would meet them.
    operation = MODEL.operation_model("PutVectors")
    body = (
        b'{"vectors": [{"key": "a", "data": {"float32": [1]}}, {"data": {"float32": [1], "int8": [1]}, "ttl": 1},'
        b' {"ttl": 2}]}'
    )
    with pytest.raises(ServiceError) as refused:
        body_members(operation, body)
    assert "member 'int8' of VectorData" in refused.value.message
    params = body_members(operation, b'{"vectors": [{"key": "a", "data": {"float32": [1.5]}, "metadata": {"x": 1}}]}')
    assert params == {"vectors": [{"key": "a", "data": {"float32": [1.5]}, "metadata": {"x": 1}}]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "The request body is not valid JSON"),
        (b"[1, 2]", "The request body must be a JSON object, not list"),
        (b'"text"', "The request body must be a JSON object, not str"),
        (b"[" * 100_000, "The request body is not valid JSON"),
        (b"\xff\xfe{", "The request body is not valid JSON"),
    ],
)
def test_unreadable_bodies_are_serialization_errors(body: bytes, message: str) -> None:
    with pytest.raises(RequestError) as error:
        body_members(MODEL.operation_model("QueryVectors"), body)
    assert (error.value.code, error.value.status) == ("SerializationException", 400)
    assert error.value.message.startswith(message)


def test_what_orjson_refuses_is_read_as_the_standard_library_reads_it() -> None:
    # Lone surrogates, big integers and a bare NaN (botocore's text for a NaN in a document): the validator answers
    # these as it does in-process.
    body = b'{"indexName": "\\ud800", "topK": 100000000000000000000, "filter": {"n": NaN}}'
    params = body_members(MODEL.operation_model("QueryVectors"), body)
    assert params["indexName"] == "\ud800" and params["topK"] == 10**20 and math.isnan(params["filter"]["n"])


def test_the_shipped_model_binds_only_strings_outside_the_body_and_answers_only_in_the_body() -> None:
    # The wire code handles more (a synthetic model below); this pins what the real model needs today.
    for name in MODEL.operation_names:
        operation = MODEL.operation_model(name)
        for member in cast(StructureShape, operation.input_shape).members.values():
            location = member.serialization.get("location")
            if location is not None:
                assert location in ("uri", "querystring")
                assert member.type_name == "string" or cast(ListShape, member).member.type_name == "string"
        if operation.output_shape is not None:
            assert all(not m.serialization for m in operation.output_shape.members.values())


SYNTHETIC = ServiceModel(
    {
        "metadata": {"protocol": "rest-json", "apiVersion": "2026-01-01", "endpointPrefix": "x", "signingName": "x"},
        "operations": {
            "GetThing": {
                "name": "GetThing",
                "http": {"method": "GET", "requestUri": "/things/{Key+}?x-id=GetThing"},
                "input": {"shape": "GetThingInput"},
            },
            "PutThing": {
                "name": "PutThing",
                "http": {"method": "PUT", "requestUri": "/things/{Id}/parts/{Part}"},
                "input": {"shape": "PutThingInput"},
            },
        },
        "shapes": {
            "GetThingInput": {
                "type": "structure",
                "members": {
                    "Key": {"shape": "String", "location": "uri", "locationName": "Key"},
                    "Limit": {"shape": "Integer", "location": "querystring", "locationName": "limit"},
                    "Exact": {"shape": "Boolean", "location": "querystring", "locationName": "exact"},
                    "Token": {"shape": "String", "location": "header", "locationName": "X-Token"},
                    "Meta": {"shape": "StringMap", "location": "headers", "locationName": "x-meta-"},
                },
            },
            "PutThingInput": {
                "type": "structure",
                "members": {
                    "Id": {"shape": "String", "location": "uri", "locationName": "Id"},
                    "Part": {"shape": "Integer", "location": "uri", "locationName": "Part"},
                    "When": {"shape": "Timestamp", "locationName": "when"},
                    "Blob": {"shape": "Blob"},
                    "Inner": {"shape": "Inner"},
                },
            },
            "Inner": {"type": "structure", "members": {"Score": {"shape": "Double", "locationName": "score"}}},
            "String": {"type": "string"},
            "Integer": {"type": "integer"},
            "Boolean": {"type": "boolean"},
            "Double": {"type": "double"},
            "Timestamp": {"type": "timestamp"},
            "Blob": {"type": "blob"},
            "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        },
    },
    service_name="synthetic",
)


def test_greedy_labels_query_literals_headers_and_typed_values() -> None:
    router = Router(SYNTHETIC)
    query = [("x-id", "GetThing"), ("limit", "5"), ("exact", "true")]
    route, labels = router.match("GET", b"/things/a/b%2Fc", query)
    headers = [(b"X-Token", b"t"), (b"x-meta-colour", b"red")]
    assert bound_members(route.operation, labels, query, headers) == {
        "Key": "a/b/c",
        "Limit": 5,
        "Exact": True,
        "Token": "t",
        "Meta": {"colour": "red"},
    }
    with pytest.raises(RequestError):  # the literal query pair is part of the route
        router.match("GET", b"/things/a", [])
    with pytest.raises(RequestError) as error:
        bound_members(route.operation, labels, [("limit", "five")], [])
    assert error.value.code == "SerializationException"


def test_renamed_members_timestamps_and_blobs_in_the_body() -> None:
    router = Router(SYNTHETIC)
    route, labels = router.match("PUT", b"/things/t1/parts/3", [])
    assert bound_members(route.operation, labels, [], []) == {"Id": "t1", "Part": 3}
    body = b'{"when": 1767225600, "Blob": "aGk=", "Inner": {"score": "Infinity"}}'
    assert body_members(route.operation, body) == {
        "When": datetime(2026, 1, 1, tzinfo=timezone.utc),
        "Blob": b"hi",
        "Inner": {"Score": math.inf},
    }


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (None, ("123456789012", "us-east-1")),
        (
            "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/s3vectors/aws4_request, Signature=x",
            ("123456789012", "eu-west-1"),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=111122223333/20260101/ap-south-1/s3vectors/aws4_request",
            ("111122223333", "ap-south-1"),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=12345678901/20260101/us-west-2/s3vectors/aws4_request",
            ("123456789012", "us-west-2"),
        ),
        ("Bearer token", ("123456789012", "us-east-1")),
    ],
)
def test_caller_identity_from_the_sigv4_scope(authorization: str | None, expected: tuple[str, str]) -> None:
    header = authorization.encode() if authorization else None
    access_key, region = signed_scope(header, [])
    assert (account_for_key(access_key, "123456789012"), region) == expected


def test_caller_identity_of_a_presigned_request() -> None:
    query = [("X-Amz-Credential", "210987654321/20260101/eu-central-1/s3vectors/aws4_request")]
    assert signed_scope(None, query) == ("210987654321", "eu-central-1")
