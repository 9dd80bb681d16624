"""The Condition element: IAM's condition operators over the request's context keys.

Source: "IAM JSON policy elements: Condition operators" and "Single-valued vs. multivalued context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

* clauses of one statement are ANDed; the values listed for one key are ORed (for a negated operator such as
  StringNotEquals, the key must match none of them);
* a key absent from the request makes a clause false, except that a negated operator is then true, an
  ``...IfExists`` operator is true, ``ForAllValues:`` is true and ``ForAnyValue:`` is false;
* ``Null`` with ``true`` holds when the key is absent, with ``false`` when it is present;
* key names are case-insensitive; String*/Arn* values are case-sensitive (except ``...IgnoreCase``);
  Arn* match each of the six ARN components separately; ``Bool`` compares ``true``/``false``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from .patterns import arn_condition_match, wildcard_match

QUALIFIERS = ("ForAnyValue:", "ForAllValues:")
IF_EXISTS = "IfExists"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _moment(text: str) -> datetime | None:
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _ordered(convert: Callable[[str], object], compare: Callable[[object, object], bool]) -> Compare:
    def check(value: str, pattern: str) -> bool:
        left, right = convert(value), convert(pattern)
        return left is not None and right is not None and compare(left, right)

    return check


def _in_network(value: str, pattern: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False


Compare = Callable[[str, str], bool]

# Each operator's test of one request value against one policy value; negated operators are the negation of
# their positive twin over all policy values (NEGATED).
_POSITIVE: dict[str, Compare] = {
    "StringEquals": lambda value, pattern: value == pattern,
    "StringEqualsIgnoreCase": lambda value, pattern: value.lower() == pattern.lower(),
    "StringLike": lambda value, pattern: wildcard_match(pattern, value),
    "ArnEquals": lambda value, pattern: arn_condition_match(pattern, value),
    "ArnLike": lambda value, pattern: arn_condition_match(pattern, value),
    "Bool": lambda value, pattern: value.lower() == pattern.lower(),
    "NumericEquals": _ordered(_number, lambda a, b: a == b),
    "NumericLessThan": _ordered(_number, lambda a, b: a < b),  # type: ignore[operator]
    "NumericLessThanEquals": _ordered(_number, lambda a, b: a <= b),  # type: ignore[operator]
    "NumericGreaterThan": _ordered(_number, lambda a, b: a > b),  # type: ignore[operator]
    "NumericGreaterThanEquals": _ordered(_number, lambda a, b: a >= b),  # type: ignore[operator]
    "DateEquals": _ordered(_moment, lambda a, b: a == b),
    "DateLessThan": _ordered(_moment, lambda a, b: a < b),  # type: ignore[operator]
    "DateLessThanEquals": _ordered(_moment, lambda a, b: a <= b),  # type: ignore[operator]
    "DateGreaterThan": _ordered(_moment, lambda a, b: a > b),  # type: ignore[operator]
    "DateGreaterThanEquals": _ordered(_moment, lambda a, b: a >= b),  # type: ignore[operator]
    "IpAddress": _in_network,
    "BinaryEquals": lambda value, pattern: value == pattern,
}
NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}
OPERATORS = frozenset(_POSITIVE) | frozenset(NEGATED) | {"Null"}


@dataclass(frozen=True)
class ConditionClause:
    """One key of one operator: ``"StringLike": {"aws:PrincipalArn": [...]}`` gives one clause per key."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str
    values: tuple[str, ...]


def _split(operator: str) -> tuple[str | None, str, bool]:
    qualifier = next((prefix for prefix in QUALIFIERS if operator.startswith(prefix)), None)
    base = operator[len(qualifier) :] if qualifier else operator
    if_exists = base.endswith(IF_EXISTS) and base != IF_EXISTS
    return qualifier, base[: -len(IF_EXISTS)] if if_exists else base, if_exists


def known_operator(operator: str) -> bool:
    """Whether IAM has this condition operator (``Null`` takes no ``IfExists``)."""
    _, base, if_exists = _split(operator)
    return base in OPERATORS and not (base == "Null" and if_exists)


def _matches(base: str, value: str, patterns: tuple[str, ...]) -> bool:
    positive = NEGATED.get(base)
    if positive is not None:
        compare = _POSITIVE[positive]
        return not any(compare(value, pattern) for pattern in patterns)
    compare = _POSITIVE[base]
    return any(compare(value, pattern) for pattern in patterns)


def clause_holds(clause: ConditionClause, context: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether one clause holds for a request whose context keys (lower-cased names) have these values."""
    qualifier, base, if_exists = _split(clause.operator)
    values = context.get(clause.key.lower()) or None
    if base == "Null":
        return any((wanted.lower() == "true") == (values is None) for wanted in clause.values)
    if values is None:
        if if_exists or qualifier == "ForAllValues:":
            return True
        if qualifier == "ForAnyValue:":
            return False
        return base in NEGATED
    if qualifier == "ForAllValues:":
        return all(_matches(base, value, clause.values) for value in values)
    return any(_matches(base, value, clause.values) for value in values)


def conditions_hold(clauses: tuple[ConditionClause, ...], context: Mapping[str, tuple[str, ...]]) -> bool:
    return all(clause_holds(clause, context) for clause in clauses)
