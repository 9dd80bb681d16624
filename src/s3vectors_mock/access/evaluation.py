"""Allow or deny one action on one resource, as IAM's policy evaluation logic decides it for identity-based and
resource-based policies together.

Sources (IAM User Guide): "Policy evaluation logic", "Policy evaluation for requests within a single account",
"Cross-account policy evaluation logic" and "IAM JSON policy elements: Principal":

1. An explicit Deny in any applicable policy wins.
2. Within one account, an Allow in either the identity-based policies or the resource-based policy suffices —
   but a resource-based Allow that names the *account* (its id or root ARN) rather than the caller delegates to
   the account's own identity-based policies, so on its own it lets in only the root user.
3. Across accounts, both must allow: the caller's identity-based policies, and the resource-based policy (naming
   the caller, its account, or everyone).
4. The account root user has every permission in its account without an identity-based policy (it has none); a
   resource-based Deny still applies to it. Across accounts its own side allows as well, so the resource-based
   policy alone decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .conditions import conditions_hold
from .patterns import action_match, resource_match
from .policies import Policy, Principals, Statement

Context = dict[str, tuple[str, ...]]


class Reason(Enum):
    """Why a request was denied: (explicit deny?, the policy type), the four cases IAM's messages name."""

    EXPLICIT_IDENTITY_DENY = (True, "identity-based")
    EXPLICIT_RESOURCE_DENY = (True, "resource-based")
    NO_IDENTITY_ALLOW = (False, "identity-based")
    NO_RESOURCE_ALLOW = (False, "resource-based")


@dataclass(frozen=True)
class Requester:
    """The principal of a request: its ARN and account, and its identity-based policies (None for the account
    root, which needs none)."""

    arn: str
    account: str
    policies: tuple[Policy, ...] | None

    @property
    def is_root(self) -> bool:
        return self.policies is None


@dataclass(frozen=True)
class Target:
    """What is asked: one action on one resource (``*`` for none), owned by ``account``, in ``region``, under the
    owning bucket's policy (None when it has none, or does not exist)."""

    action: str
    resource: str
    account: str
    region: str
    bucket_policy: Policy | None


class _Match(Enum):
    DIRECT = "direct"  # the statement names the caller itself (or everyone)
    ACCOUNT = "account"  # the statement names the caller's account


def _context(requester: Requester, target: Target) -> Context:
    # The global condition keys the mock knows (lower-cased: key names are case-insensitive); any other key is
    # absent from the request, as an unknown key is in IAM.
    return {
        "aws:principalarn": (requester.arn,),
        "aws:principalaccount": (requester.account,),
        "aws:resourceaccount": (target.account,),
        "aws:requestedregion": (target.region,),
    }


def _names(principals: Principals, requester: Requester) -> _Match | None:
    if principals.everyone:
        return _Match.DIRECT
    found: _Match | None = None
    for name in principals.aws:
        if name == requester.arn:
            return _Match.DIRECT
        if name == requester.account or (name.endswith(":root") and name.split(":")[4] == requester.account):
            found = _Match.DIRECT if requester.is_root else _Match.ACCOUNT
    return found


def _principal_match(statement: Statement, requester: Requester) -> _Match | None:
    assert statement.principals is not None
    named = _names(statement.principals, requester)
    if statement.not_principal:
        return _Match.DIRECT if named is None else None
    return named


def _applies(statement: Statement, target: Target, context: Context) -> bool:
    acted = any(action_match(pattern, target.action) for pattern in statement.actions)
    if acted == statement.not_action:
        return False
    placed = any(resource_match(pattern, target.resource) for pattern in statement.resources)
    if placed == statement.not_resource:
        return False
    return conditions_hold(statement.conditions, context)


def decide(requester: Requester, target: Target) -> Reason | None:
    """None when ``requester`` may perform ``target.action`` on ``target.resource``, else why not."""
    context = _context(requester, target)
    identity_allows = requester.is_root
    identity_denies = False
    for policy in requester.policies or ():
        for statement in policy.statements:
            if _applies(statement, target, context):
                if statement.effect == "Deny":
                    identity_denies = True
                else:
                    identity_allows = True
    resource_allows: _Match | None = None
    resource_denies = False
    for statement in target.bucket_policy.statements if target.bucket_policy is not None else ():
        match = _principal_match(statement, requester)
        if match is None or not _applies(statement, target, context):
            continue
        if statement.effect == "Deny":
            resource_denies = True
        elif resource_allows is not _Match.DIRECT:
            resource_allows = match
    if identity_denies:
        return Reason.EXPLICIT_IDENTITY_DENY
    if resource_denies:
        return Reason.EXPLICIT_RESOURCE_DENY
    if requester.account == target.account:
        if identity_allows or resource_allows is _Match.DIRECT:
            return None
        return Reason.NO_IDENTITY_ALLOW
    if not identity_allows:
        return Reason.NO_IDENTITY_ALLOW
    if resource_allows is None:
        return Reason.NO_RESOURCE_ALLOW
    return None
