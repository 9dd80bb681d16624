"""The decision, case by case, as IAM's evaluation logic pages decide them (IAM User Guide: "Policy evaluation
logic", "...within a single account", "Cross-account policy evaluation logic", "IAM JSON policy elements:
Principal / NotAction / NotResource")."""

from __future__ import annotations

from typing import Any

import pytest

from s3vectors_mock.access.evaluation import Reason, Requester, Target, decide
from s3vectors_mock.access.policies import parse_policy

OWNER = "111122223333"
OTHER = "444455556666"
INDEX = f"arn:aws:s3vectors:us-east-1:{OWNER}:bucket/docs/index/chunks"
READER = f"arn:aws:iam::{OWNER}:role/reader"
VISITOR = f"arn:aws:iam::{OTHER}:role/visitor"
QUERY = "s3vectors:QueryVectors"


def identity(*statements: dict[str, Any]) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, resource_based=False)


def bucket(*statements: dict[str, Any]) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, resource_based=True)


def allow(action: str = QUERY, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = QUERY, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def role(arn: str, *policies: Any) -> Requester:
    return Requester(arn, arn.split(":")[4], tuple(policies))


def root(account: str) -> Requester:
    return Requester(f"arn:aws:iam::{account}:root", account, None)


def ask(requester: Requester, policy: Any = None, action: str = QUERY, region: str = "us-east-1") -> Reason | None:
    return decide(requester, Target(action, INDEX, OWNER, region, policy))


# ---- one account ------------------------------------------------------------------------------------------------


def test_by_default_everything_is_denied() -> None:
    assert ask(role(READER)) is Reason.NO_IDENTITY_ALLOW


def test_an_identity_allow_suffices_within_the_account() -> None:
    assert ask(role(READER, identity(allow()))) is None
    assert ask(role(READER, identity(allow(resource=INDEX)))) is None
    assert ask(role(READER, identity(allow(resource=INDEX + "x")))) is Reason.NO_IDENTITY_ALLOW
    assert ask(role(READER, identity(allow(action="s3vectors:GetVectors")))) is Reason.NO_IDENTITY_ALLOW


def test_a_resource_allow_naming_the_principal_suffices_within_the_account() -> None:
    """ "If either the identity-based policy or the resource-based policy within the same account allows the
    request and the other doesn't, the request is still allowed." """
    assert ask(role(READER), bucket(allow(Principal={"AWS": READER}))) is None
    assert ask(role(READER), bucket(allow(Principal="*"))) is None


def test_a_resource_allow_naming_the_account_delegates_to_its_identity_policies() -> None:
    """An account principal ("111122223333" or its root ARN) gives the account the right to grant it; a role of
    that account still needs an identity-based Allow, which the root user needs not."""
    for name in (OWNER, f"arn:aws:iam::{OWNER}:root"):
        policy = bucket(allow(Principal={"AWS": name}))
        assert ask(role(READER), policy) is Reason.NO_IDENTITY_ALLOW
        assert ask(role(READER, identity(allow())), policy) is None
        assert ask(root(OWNER), policy) is None


def test_the_root_user_needs_no_identity_policy_in_its_account() -> None:
    assert ask(root(OWNER)) is None


def test_an_explicit_deny_wins() -> None:
    assert ask(role(READER, identity(allow(), deny()))) is Reason.EXPLICIT_IDENTITY_DENY
    assert ask(role(READER, identity(allow())), bucket(deny(Principal="*"))) is Reason.EXPLICIT_RESOURCE_DENY
    assert ask(role(READER, identity(allow())), bucket(deny(Principal={"AWS": READER}))) is (
        Reason.EXPLICIT_RESOURCE_DENY
    )
    assert ask(role(READER, identity(allow())), bucket(deny(Principal={"AWS": OWNER}))) is (
        Reason.EXPLICIT_RESOURCE_DENY
    )
    # Both deny: the identity-based policy is the one the message names (IAM names only one policy type).
    assert ask(role(READER, identity(deny())), bucket(deny(Principal="*"))) is Reason.EXPLICIT_IDENTITY_DENY


def test_a_bucket_deny_applies_to_the_root_user() -> None:
    assert ask(root(OWNER), bucket(deny(Principal="*"))) is Reason.EXPLICIT_RESOURCE_DENY
    assert ask(root(OWNER), bucket(deny(Principal={"AWS": f"arn:aws:iam::{OWNER}:root"}))) is (
        Reason.EXPLICIT_RESOURCE_DENY
    )
    assert ask(root(OWNER), bucket(deny(Principal={"AWS": READER}))) is None  # names someone else


def test_a_deny_for_another_principal_or_action_does_not_apply() -> None:
    policy = bucket(deny(action="s3vectors:DeleteIndex", Principal="*"), deny(Principal={"AWS": VISITOR}))
    assert ask(role(READER, identity(allow())), policy) is None


def test_not_action_and_not_resource() -> None:
    # "Allow" with NotAction: every action except the listed ones.
    everything_but_delete = identity({"Effect": "Allow", "NotAction": "s3vectors:Delete*", "Resource": "*"})
    assert ask(role(READER, everything_but_delete)) is None
    assert ask(role(READER, everything_but_delete), action="s3vectors:DeleteIndex") is Reason.NO_IDENTITY_ALLOW
    # "Deny" with NotResource: denies everything outside the listed resources.
    only_other_buckets = identity(allow(), {"Effect": "Deny", "Action": "*", "NotResource": INDEX})
    assert ask(role(READER, only_other_buckets)) is None
    elsewhere = identity(allow(), {"Effect": "Deny", "Action": "*", "NotResource": INDEX + "-other"})
    assert ask(role(READER, elsewhere)) is Reason.EXPLICIT_IDENTITY_DENY


def test_not_principal() -> None:
    """A Deny with NotPrincipal applies to everyone not listed."""
    policy = bucket(deny(NotPrincipal={"AWS": READER}))
    assert ask(role(READER, identity(allow())), policy) is None
    other = f"arn:aws:iam::{OWNER}:role/writer"
    assert ask(role(other, identity(allow())), policy) is Reason.EXPLICIT_RESOURCE_DENY


def test_conditions_decide_whether_a_statement_applies() -> None:
    regional = identity(allow(Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}))
    assert ask(role(READER, regional), region="eu-west-1") is None
    assert ask(role(READER, regional)) is Reason.NO_IDENTITY_ALLOW
    own_account = bucket(allow(Principal="*", Condition={"StringEquals": {"aws:PrincipalAccount": OWNER}}))
    assert ask(role(READER), own_account) is None
    assert ask(role(VISITOR, identity(allow())), own_account) is Reason.NO_RESOURCE_ALLOW
    roles_only = bucket(deny(Principal="*", Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}))
    assert ask(role(READER, identity(allow())), roles_only) is None
    assert ask(root(OWNER), roles_only) is Reason.EXPLICIT_RESOURCE_DENY
    resource_account = identity(allow(Condition={"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}))
    assert ask(role(READER, resource_account)) is Reason.NO_IDENTITY_ALLOW  # policy variables are not expanded


# ---- across accounts --------------------------------------------------------------------------------------------


def test_across_accounts_both_sides_must_allow() -> None:
    granted = bucket(allow(Principal={"AWS": VISITOR}))
    assert ask(role(VISITOR, identity(allow())), granted) is None
    assert ask(role(VISITOR), granted) is Reason.NO_IDENTITY_ALLOW
    assert ask(role(VISITOR, identity(allow()))) is Reason.NO_RESOURCE_ALLOW
    assert ask(role(VISITOR, identity(allow())), bucket(allow(Principal={"AWS": READER}))) is (Reason.NO_RESOURCE_ALLOW)


def test_across_accounts_an_account_principal_grants_its_principals() -> None:
    for name in (OTHER, f"arn:aws:iam::{OTHER}:root", "*"):
        granted = bucket(allow(Principal={"AWS": name}))
        assert ask(role(VISITOR, identity(allow())), granted) is None
        assert ask(root(OTHER), granted) is None


def test_the_root_of_another_account_needs_the_bucket_policy() -> None:
    assert ask(root(OTHER)) is Reason.NO_RESOURCE_ALLOW
    assert ask(root(OTHER), bucket(allow(Principal={"AWS": OWNER}))) is Reason.NO_RESOURCE_ALLOW


def test_across_accounts_an_explicit_deny_still_wins() -> None:
    granted = bucket(allow(Principal={"AWS": OTHER}), deny(Principal={"AWS": VISITOR}))
    assert ask(role(VISITOR, identity(allow())), granted) is Reason.EXPLICIT_RESOURCE_DENY
    assert ask(role(VISITOR, identity(allow(), deny())), bucket(allow(Principal="*"))) is (
        Reason.EXPLICIT_IDENTITY_DENY
    )


@pytest.mark.parametrize("action", ["s3vectors:queryvectors", "S3Vectors:QUERYVECTORS"])
def test_actions_match_whatever_their_case(action: str) -> None:
    assert ask(role(READER, identity(allow(action=action)))) is None
