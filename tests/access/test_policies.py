"""Policy documents: IAM's grammar for identity-based and resource-based policies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from s3vectors_mock.access.policies import PolicyError, parse_policy, parse_stored_bucket_policy

ALLOW = {"Effect": "Allow", "Action": "s3vectors:GetIndex", "Resource": "*"}
EVERYONE = {**ALLOW, "Principal": "*"}


def test_an_identity_policy() -> None:
    policy = parse_policy({"Version": "2012-10-17", "Statement": [ALLOW]}, resource_based=False)
    (statement,) = policy.statements
    assert (statement.effect, statement.actions, statement.resources) == ("Allow", ("s3vectors:GetIndex",), ("*",))
    assert statement.principals is None and statement.conditions == ()


def test_json_text_and_a_single_statement_object() -> None:
    text = json.dumps({"Statement": {**ALLOW, "Action": ["s3vectors:GetIndex", "s3vectors:ListIndexes"]}})
    (statement,) = parse_policy(text, resource_based=False).statements
    assert statement.actions == ("s3vectors:GetIndex", "s3vectors:ListIndexes")


def test_principals_of_a_resource_policy() -> None:
    document = {
        "Statement": [
            EVERYONE,
            {**ALLOW, "Principal": {"AWS": "*"}},
            {
                **ALLOW,
                "Principal": {
                    "AWS": [
                        "111122223333",
                        "arn:aws:iam::111122223333:root",
                        "arn:aws:iam::111122223333:role/reader",
                        "arn:aws:iam::111122223333:user/ops/alice",
                    ],
                    "Service": "lambda.amazonaws.com",
                },
            },
            {**ALLOW, "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"}},
        ]
    }
    everyone, aws_everyone, listed, not_admin = parse_policy(document, resource_based=True).statements
    assert everyone.principals is not None and everyone.principals.everyone
    assert aws_everyone.principals is not None and aws_everyone.principals.everyone
    assert listed.principals is not None and len(listed.principals.aws) == 4 and not listed.principals.everyone
    assert not_admin.not_principal


def test_conditions_are_parsed_into_clauses() -> None:
    document = {
        "Statement": {
            **ALLOW,
            "Condition": {
                "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"], "aws:PrincipalAccount": 1},
                "Bool": {"aws:SecureTransport": True},
            },
        }
    }
    (statement,) = parse_policy(document, resource_based=False).statements
    assert [(c.operator, c.key, c.values) for c in statement.conditions] == [
        ("StringEquals", "aws:RequestedRegion", ("eu-west-1", "eu-central-1")),
        ("StringEquals", "aws:PrincipalAccount", ("1",)),
        ("Bool", "aws:SecureTransport", ("true",)),
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("not json", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ([], "must be a JSON object"),
        ({}, "Statement must be"),
        ({"Statement": []}, "Statement must be"),
        ({"Version": "2012-10-18", "Statement": [ALLOW]}, "Version must be"),
        ({"Statement": [ALLOW], "Extra": 1}, "unknown policy element 'Extra'"),
        ({"Statement": [{**ALLOW, "Effect": "allow"}]}, "Effect must be"),
        ({"Statement": [{**ALLOW, "Effect": None}]}, "Effect must be"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "exactly one of Action or NotAction"),
        ({"Statement": [{**ALLOW, "NotAction": "s3vectors:*"}]}, "exactly one of Action or NotAction"),
        ({"Statement": [{"Effect": "Allow", "Action": "*"}]}, "exactly one of Resource or NotResource"),
        ({"Statement": [{**ALLOW, "Action": []}]}, "Action must be"),
        ({"Statement": [{**ALLOW, "Action": "QueryVectors"}]}, "is not an action"),
        ({"Statement": [{**ALLOW, "Resource": "bucket/docs"}]}, "is not a resource"),
        ({"Statement": [{**ALLOW, "Principal": "*"}]}, "must not name a Principal"),
        ({"Statement": [{**ALLOW, "Sid": 3}]}, "Sid must be a string"),
        ({"Statement": [{**ALLOW, "Condition": {"StringMatches": {"a": "b"}}}]}, "unknown condition operator"),
        ({"Statement": [{**ALLOW, "Condition": {"StringEquals": {}}}]}, "needs an object"),
        ({"Statement": [{**ALLOW, "Condition": {"StringEquals": {"k": []}}}]}, "must be strings"),
        ({"Statement": [{**ALLOW, "Condition": {"StringEquals": {"k": {"a": 1}}}}]}, "must be strings"),
        ({"Statement": [{**ALLOW, "Condition": []}]}, "Condition must be an object"),
        ({"Statement": ["Allow"]}, "must be a JSON object"),
    ],
)
def test_invalid_identity_policies(document: Any, problem: str) -> None:
    with pytest.raises(PolicyError, match=problem):
        parse_policy(document if isinstance(document, str) else json.dumps(document), resource_based=False)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (ALLOW, "must name a Principal or NotPrincipal"),
        ({**EVERYONE, "NotPrincipal": "*"}, "not both"),
        ({**ALLOW, "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"}}, "invalid principal"),
        ({**ALLOW, "Principal": {"AWS": "1111-2222-3333"}}, "invalid principal"),
        ({**ALLOW, "Principal": {"AWS": "arn:aws:s3vectors:us-east-1:111122223333:bucket/x"}}, "invalid principal"),
        ({**ALLOW, "Principal": {"Human": "me"}}, "unknown principal type"),
        ({**ALLOW, "Principal": "me"}, "a principal must be"),
        ({**ALLOW, "Principal": {}}, "a principal must be"),
    ],
)
def test_invalid_resource_policies(statement: dict[str, Any], problem: str) -> None:
    with pytest.raises(PolicyError, match=problem):
        parse_policy({"Statement": [statement]}, resource_based=True)


def test_errors_name_the_statement() -> None:
    with pytest.raises(PolicyError, match=r"^Statement 2: Effect must be"):
        parse_policy({"Statement": [ALLOW, {**ALLOW, "Effect": "Maybe"}]}, resource_based=False)


def test_a_stored_policy_that_no_longer_parses_grants_nothing() -> None:
    assert parse_stored_bucket_policy('{"Statement": [{"Effect": "Deny"}]}') is None
    assert parse_stored_bucket_policy(json.dumps({"Statement": [EVERYONE]})) is not None
