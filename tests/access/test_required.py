"""The action table, derived from the service model's "Permissions" paragraphs and pinned."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from s3vectors_mock._service_model import input_members, operation_model, operation_names
from s3vectors_mock.access.required import EXTRA_ACTIONS, RESOURCE_OF, required_actions


def permissions_paragraph(operation: str) -> str:
    """The text after "Permissions" in the operation's documentation, tags stripped."""
    documentation = operation_model(operation).documentation
    assert "Permissions" in documentation, f"{operation} has no Permissions paragraph"
    text = documentation.split("Permissions", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def documented_actions(operation: str) -> set[str]:
    return set(re.findall(r"s3vectors:(\w+)", permissions_paragraph(operation)))


def documented_members(operation: str) -> set[str]:
    """The operation's request members the paragraph names (as words: "with tags", "returnMetadata")."""
    words = set(re.findall(r"[A-Za-z]+", re.sub(r"s3vectors:\w+", " ", permissions_paragraph(operation))))
    return words & set(input_members(operation))


def test_every_operation_has_a_resource_kind() -> None:
    assert set(RESOURCE_OF) == set(operation_names())


@pytest.mark.parametrize("operation", sorted(operation_names()))
def test_the_table_is_what_the_model_documents(operation: str) -> None:
    """Each Permissions paragraph names the operation's own action plus the extras of the table, and the request
    members that need them: a newer model naming another action or member fails here until the table learns it."""
    extras = EXTRA_ACTIONS.get(operation, ())
    assert documented_actions(operation) == {operation} | {action for action, _ in extras}
    assert documented_members(operation) == {member for _, members in extras for member in members}


def test_the_table_is_pinned() -> None:
    assert {operation: tuple(extras) for operation, extras in EXTRA_ACTIONS.items()} == {
        "CreateVectorBucket": (("TagResource", ("tags",)),),
        "CreateIndex": (("TagResource", ("tags",)),),
        "ListVectors": (("GetVectors", ("returnData", "returnMetadata")),),
        "QueryVectors": (("GetVectors", ("filter", "returnMetadata", "queryTexts")),),
    }
    assert [operation for operation, kind in RESOURCE_OF.items() if kind == "account"] == ["ListVectorBuckets"]
    assert sorted(operation for operation, kind in RESOURCE_OF.items() if kind == "resourceArn") == [
        "ListTagsForResource",
        "TagResource",
        "UntagResource",
    ]
    assert sorted(operation for operation, kind in RESOURCE_OF.items() if kind == "bucket") == [
        "CreateVectorBucket",
        "DeleteVectorBucket",
        "DeleteVectorBucketPolicy",
        "GetVectorBucket",
        "GetVectorBucketPolicy",
        "ListIndexes",
        "PutVectorBucketDefaultIndexMode",
        "PutVectorBucketPolicy",
    ]


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("QueryVectors", {}, ["QueryVectors"]),
        ("QueryVectors", {"returnDistance": True}, ["QueryVectors"]),
        ("QueryVectors", {"returnMetadata": False}, ["QueryVectors"]),
        ("QueryVectors", {"returnMetadata": True}, ["QueryVectors", "GetVectors"]),
        ("QueryVectors", {"filter": {"genre": "x"}}, ["QueryVectors", "GetVectors"]),
        ("QueryVectors", {"queryTexts": [{"metadataKey": "body", "text": "x"}]}, ["QueryVectors", "GetVectors"]),
        ("ListVectors", {"returnData": True}, ["ListVectors", "GetVectors"]),
        ("ListVectors", {"returnMetadata": True, "returnData": True}, ["ListVectors", "GetVectors"]),
        ("ListVectors", {"returnData": False, "returnMetadata": False}, ["ListVectors"]),
        ("CreateVectorBucket", {"tags": {"team": "search"}}, ["CreateVectorBucket", "TagResource"]),
        ("CreateVectorBucket", {"tags": {}}, ["CreateVectorBucket"]),
        ("CreateIndex", {"tags": {"team": "search"}}, ["CreateIndex", "TagResource"]),
        ("GetVectors", {"returnMetadata": True, "returnData": True}, ["GetVectors"]),
        ("TagResource", {"tags": {"a": "b"}}, ["TagResource"]),
    ],
)
def test_required_actions(operation: str, params: dict[str, Any], expected: list[str]) -> None:
    assert required_actions(operation, params) == tuple(f"s3vectors:{action}" for action in expected)


@pytest.mark.parametrize("operation", sorted(operation_names()))
def test_every_operation_declares_access_denied(operation: str) -> None:
    """A denial is the operation's own modelled error (403), so every client raises its modelled class."""
    errors = {shape.name: shape for shape in operation_model(operation).error_shapes}
    assert errors["AccessDeniedException"].metadata["error"]["httpStatusCode"] == 403
