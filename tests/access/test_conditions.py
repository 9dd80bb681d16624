"""The Condition element, with the rules and examples of IAM's "Condition operators" and "Multivalued context
keys" pages: absent keys, negated operators, ...IfExists, Null, ForAnyValue/ForAllValues, case rules."""

from __future__ import annotations

import pytest

from s3vectors_mock.access.conditions import ConditionClause, clause_holds, conditions_hold, known_operator

CONTEXT = {
    "aws:principalarn": ("arn:aws:iam::111122223333:role/reader",),
    "aws:principalaccount": ("111122223333",),
    "aws:resourceaccount": ("111122223333",),
    "aws:requestedregion": ("eu-west-1",),
}


def holds(operator: str, key: str, *values: str) -> bool:
    return clause_holds(ConditionClause(operator, key, values), CONTEXT)


@pytest.mark.parametrize(
    ("operator", "key", "values", "expected"),
    [
        ("StringEquals", "aws:RequestedRegion", ("eu-west-1",), True),
        ("StringEquals", "aws:requestedregion", ("eu-west-1",), True),  # key names are case-insensitive
        ("StringEquals", "aws:RequestedRegion", ("EU-WEST-1",), False),  # values are not
        ("StringEqualsIgnoreCase", "aws:RequestedRegion", ("EU-WEST-1",), True),
        ("StringEquals", "aws:RequestedRegion", ("us-east-1", "eu-west-1"), True),  # values are ORed
        ("StringNotEquals", "aws:RequestedRegion", ("us-east-1", "eu-west-1"), False),  # ...negated: none may match
        ("StringNotEquals", "aws:RequestedRegion", ("us-east-1", "us-west-2"), True),
        ("StringNotEqualsIgnoreCase", "aws:RequestedRegion", ("EU-WEST-1",), False),
        ("StringLike", "aws:PrincipalArn", ("arn:aws:iam::*:role/read*",), True),
        ("StringNotLike", "aws:PrincipalArn", ("arn:aws:iam::*:role/read*",), False),
        ("ArnLike", "aws:PrincipalArn", ("arn:aws:iam::111122223333:role/*",), True),
        ("ArnEquals", "aws:PrincipalArn", ("arn:aws:iam::111122223333:role/reader",), True),
        ("ArnNotLike", "aws:PrincipalArn", ("arn:aws:iam::111122223333:user/*",), True),
        ("ArnNotEquals", "aws:PrincipalArn", ("arn:aws:iam::111122223333:role/reader",), False),
        ("StringEquals", "aws:PrincipalAccount", ("111122223333",), True),
        ("StringEquals", "aws:ResourceAccount", ("444455556666",), False),
        ("NumericEquals", "aws:PrincipalAccount", ("111122223333",), True),
        ("NumericLessThan", "aws:PrincipalAccount", ("2",), False),
    ],
)
def test_present_keys(operator: str, key: str, values: tuple[str, ...], expected: bool) -> None:
    assert holds(operator, key, *values) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        # "If the key that you specify in a policy condition is not present in the request context, the values do
        # not match and the condition is false. If the policy condition requires that the key is not matched, such
        # as StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
        ("StringEquals", False),
        ("StringLike", False),
        ("ArnLike", False),
        ("Bool", False),
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("ArnNotLike", True),
        ("ArnNotEquals", True),
        # "...IfExists: if the condition key is not present, evaluate the condition as true"
        ("StringEqualsIfExists", True),
        ("ArnLikeIfExists", True),
        ("BoolIfExists", True),
        # "ForAllValues ... also returns true if there are no context keys in the request"
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringEquals", False),
    ],
)
def test_absent_keys(operator: str, expected: bool) -> None:
    """aws:SourceVpc (like any key the mock does not know) is absent from every request."""
    assert holds(operator, "aws:SourceVpc", "vpc-111bbb22") is expected


def test_if_exists_still_tests_a_present_key() -> None:
    assert holds("StringEqualsIfExists", "aws:RequestedRegion", "eu-west-1")
    assert not holds("StringEqualsIfExists", "aws:RequestedRegion", "us-east-1")


def test_null() -> None:
    # "Null": true when the key must be absent, false when it must be present.
    assert holds("Null", "aws:SourceVpc", "true") and not holds("Null", "aws:SourceVpc", "false")
    assert holds("Null", "aws:RequestedRegion", "false") and not holds("Null", "aws:RequestedRegion", "true")


def test_bool_compares_true_and_false() -> None:
    context = {"aws:securetransport": ("true",)}
    assert clause_holds(ConditionClause("Bool", "aws:SecureTransport", ("true",)), context)
    assert not clause_holds(ConditionClause("Bool", "aws:SecureTransport", ("false",)), context)


def test_set_operators_on_a_multivalued_key() -> None:
    context = {"aws:tagkeys": ("team", "env")}

    def check(operator: str, *values: str) -> bool:
        return clause_holds(ConditionClause(operator, "aws:TagKeys", values), context)

    assert check("ForAllValues:StringEquals", "team", "env", "owner")  # every request value is allowed
    assert not check("ForAllValues:StringEquals", "team")
    assert check("ForAnyValue:StringEquals", "team")  # at least one matches
    assert not check("ForAnyValue:StringEquals", "owner")
    assert check("ForAnyValue:StringLike", "t*")
    assert not check("ForAllValues:StringNotEquals", "team")  # "env" passes, "team" does not


def test_clauses_are_anded() -> None:
    region = ConditionClause("StringEquals", "aws:RequestedRegion", ("eu-west-1",))
    account = ConditionClause("StringEquals", "aws:PrincipalAccount", ("444455556666",))
    assert conditions_hold((region,), CONTEXT)
    assert not conditions_hold((region, account), CONTEXT)
    assert conditions_hold((), CONTEXT)


def test_operators() -> None:
    for operator in ("StringLike", "ForAnyValue:StringLikeIfExists", "ArnNotEqualsIfExists", "Null", "DateLessThan"):
        assert known_operator(operator), operator
    for operator in ("StringMatches", "NullIfExists", "ForSomeValues:StringLike", "IfExists", "stringequals"):
        assert not known_operator(operator), operator
