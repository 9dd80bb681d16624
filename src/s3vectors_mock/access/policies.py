"""Policy documents: parsed once into frozen values, validated against IAM's grammar.

The same parser reads the identity-based policies given to ``add_principal`` and the vector bucket policies sent
with PutVectorBucketPolicy. Source: "IAM JSON policy element reference" and "IAM JSON policy grammar"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html): a document has ``Version``,
``Id`` and ``Statement``; a statement has ``Effect``, exactly one of ``Action``/``NotAction``, exactly one of
``Resource``/``NotResource``, exactly one of ``Principal``/``NotPrincipal`` in a resource-based policy (none in an
identity-based one), and an optional ``Condition``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import ConditionClause, known_operator

VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
_DOCUMENT_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_ACTION = re.compile(r"\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
_ACCOUNT = re.compile(r"[0-9]{12}")
# An IAM principal ARN: the account root, a user or role (with a path), or an assumed-role session.
_PRINCIPAL_ARN = re.compile(r"arn:aws[a-z-]*:(iam|sts)::([0-9]{12}):(root|(user|role|assumed-role)/[\x21-\x7e]+)")


class PolicyError(ValueError):
    """A document that is not a valid policy of its kind, with the reason."""


@dataclass(frozen=True)
class Principals:
    """A ``Principal`` or ``NotPrincipal`` element: everyone, or a list of AWS principals (account ids, account
    root ARNs, user and role ARNs); service, federated and canonical-user principals never name an IAM caller."""

    everyone: bool
    aws: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" or "Deny"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    principals: Principals | None  # None in an identity-based policy
    not_principal: bool
    conditions: tuple[ConditionClause, ...]


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]


def parse_policy(document: str | Mapping[str, Any], *, resource_based: bool) -> Policy:
    """The policy in ``document`` (JSON text or an already decoded object), or :class:`PolicyError`."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            # RecursionError: nested too deep for Python's parser; no policy document is anywhere near that deep.
            raise PolicyError("the policy is not valid JSON") from None
    if not isinstance(document, Mapping):
        raise PolicyError("a policy document must be a JSON object")
    unknown = sorted(set(document) - _DOCUMENT_KEYS)
    if unknown:
        raise PolicyError(f"unknown policy element {unknown[0]!r}")
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyError(f"Version must be one of {sorted(VERSIONS)}, got {version!r}")
    raw = document.get("Statement")
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list) or not statements:
        raise PolicyError("Statement must be a statement object or a non-empty list of them")
    parsed = []
    for number, statement in enumerate(statements, 1):
        try:
            parsed.append(_statement(statement, resource_based))
        except PolicyError as error:
            raise PolicyError(f"Statement {number}: {error}") from None
    return Policy(tuple(parsed))


@functools.lru_cache(maxsize=1024)  # bounded: the texts of the bucket policies in use
def parse_stored_bucket_policy(text: str) -> Policy | None:
    """A stored bucket policy, parsed once per text; None for one that no longer parses (a state saved by an
    older version, which checked less), which then grants and denies nothing."""
    try:
        return parse_policy(text, resource_based=True)
    except PolicyError:
        return None


def _statement(statement: Any, resource_based: bool) -> Statement:
    if not isinstance(statement, Mapping):
        raise PolicyError("a statement must be a JSON object")
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    if unknown:
        raise PolicyError(f"unknown statement element {unknown[0]!r}")
    sid = statement.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError("Sid must be a string")
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be 'Allow' or 'Deny', got {effect!r}")
    actions, not_action = _one_of(statement, "Action", "NotAction")
    for action in actions:
        if not _ACTION.fullmatch(action):
            raise PolicyError(f"{action!r} is not an action ('service:Action', wildcards allowed, or '*')")
    resources, not_resource = _one_of(statement, "Resource", "NotResource")
    for resource in resources:
        if resource != "*" and not resource.startswith("arn:"):
            raise PolicyError(f"{resource!r} is not a resource (an ARN, wildcards allowed, or '*')")
    principals: Principals | None = None
    not_principal = False
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    if not resource_based:
        if has_principal:
            raise PolicyError("an identity-based policy must not name a Principal or NotPrincipal")
    else:
        if "Principal" in statement and "NotPrincipal" in statement:
            raise PolicyError("a statement has either Principal or NotPrincipal, not both")
        if not has_principal:
            raise PolicyError("a resource-based policy statement must name a Principal or NotPrincipal")
        not_principal = "NotPrincipal" in statement
        principals = _principals(statement["NotPrincipal" if not_principal else "Principal"])
    return Statement(
        effect, actions, not_action, resources, not_resource, principals, not_principal, _conditions(statement)
    )


def _strings(value: Any, element: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(item, str) and item for item in items):
        raise PolicyError(f"{element} must be a non-empty string or a non-empty list of them")
    return tuple(items)


def _one_of(statement: Mapping[str, Any], positive: str, negative: str) -> tuple[tuple[str, ...], bool]:
    if (positive in statement) == (negative in statement):
        raise PolicyError(f"a statement has exactly one of {positive} or {negative}")
    negated = negative in statement
    element = negative if negated else positive
    return _strings(statement[element], element), negated


def _principals(value: Any) -> Principals:
    if value == "*":
        return Principals(True, ())
    if not isinstance(value, Mapping) or not value:
        raise PolicyError('a principal must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}')
    aws: list[str] = []
    everyone = False
    for kind, names in value.items():
        if kind not in _PRINCIPAL_TYPES:
            raise PolicyError(f"unknown principal type {kind!r}")
        for name in _strings(names, f"Principal {kind}"):
            if kind != "AWS":
                continue
            if name == "*":
                everyone = True
            elif "*" not in name and "?" not in name and (_ACCOUNT.fullmatch(name) or _PRINCIPAL_ARN.fullmatch(name)):
                aws.append(name)
            else:
                # IAM allows no wildcard inside a principal: "*" alone means everyone.
                raise PolicyError(f"invalid principal {name!r} (an account id, or the ARN of an account, user or role)")
    return Principals(everyone, tuple(aws))


def _conditions(statement: Mapping[str, Any]) -> tuple[ConditionClause, ...]:
    block = statement.get("Condition")
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise PolicyError("Condition must be an object of condition operators")
    clauses = []
    for operator, pairs in block.items():
        if not known_operator(operator):
            raise PolicyError(f"unknown condition operator {operator!r}")
        if not isinstance(pairs, Mapping) or not pairs:
            raise PolicyError(f"condition operator {operator} needs an object of condition keys and values")
        for key, values in pairs.items():
            items = values if isinstance(values, list) else [values]
            if not items or not all(isinstance(item, (str, bool, int, float)) for item in items):
                raise PolicyError(f"the values of condition key {key!r} must be strings, numbers or booleans")
            clauses.append(ConditionClause(operator, key, tuple(_condition_text(item) for item in items)))
    return tuple(clauses)


def _condition_text(value: str | bool | float) -> str:
    # IAM compares condition values as strings; JSON true/false are written "true"/"false".
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
