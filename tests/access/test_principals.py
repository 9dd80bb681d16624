"""The principals registry: ARNs IAM accepts, keys that belong to one principal, replacement."""

from __future__ import annotations

import pytest

from s3vectors_mock.access.policies import PolicyError
from s3vectors_mock.access.principals import PrincipalRegistry, parse_principal_arn, root_arn

READ = {"Statement": [{"Effect": "Allow", "Action": "s3vectors:Get*", "Resource": "*"}]}


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:role/reader",
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:role/service-role/ingest+etl=1,x.y@z_w-v",
        "arn:aws:iam::111122223333:user/division_abc/subdivision_xyz/alice",
        "arn:aws-cn:iam::111122223333:role/reader",
        f"arn:aws:iam::111122223333:role/{'r' * 64}",
    ],
)
def test_valid_arns(arn: str) -> None:
    assert parse_principal_arn(arn)[1] == "111122223333"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:group/devs",
        "arn:aws:sts::111122223333:assumed-role/reader/session",
        "arn:aws:iam::11112222333:role/reader",
        "arn:aws:iam::111122223333:role/",
        "arn:aws:iam::111122223333:role/read er",
        "arn:aws:iam::111122223333:role//reader",
        f"arn:aws:iam::111122223333:role/{'r' * 65}",
        "reader",
    ],
)
def test_invalid_arns(arn: str) -> None:
    with pytest.raises(ValueError, match="is not the ARN of an IAM role or user"):
        parse_principal_arn(arn)


def test_register_find_and_replace() -> None:
    registry = PrincipalRegistry()
    registry.add("arn:aws:iam::111122223333:role/reader", "AKIAREADER", [READ])
    found = registry.by_access_key("AKIAREADER")
    assert found is not None and found.account == "111122223333" and len(found.policies) == 1
    # The same ARN again replaces its key and policies; the old key no longer names anyone.
    registry.add("arn:aws:iam::111122223333:role/reader", "AKIAREADER2", [])
    assert registry.by_access_key("AKIAREADER") is None
    replaced = registry.by_access_key("AKIAREADER2")
    assert replaced is not None and replaced.policies == ()
    assert registry.by_access_key(None) is None


def test_a_key_belongs_to_one_principal() -> None:
    registry = PrincipalRegistry()
    registry.add("arn:aws:iam::111122223333:role/reader", "AKIASHARED", [])
    with pytest.raises(ValueError, match="already belongs to arn:aws:iam::111122223333:role/reader"):
        registry.add("arn:aws:iam::111122223333:role/writer", "AKIASHARED", [])
    assert registry.by_arn("arn:aws:iam::111122223333:role/writer") is None


def test_policies_are_validated_at_registration() -> None:
    registry = PrincipalRegistry()
    with pytest.raises(PolicyError, match="policy 2 is not a valid identity-based policy: Statement 1: Effect"):
        registry.add("arn:aws:iam::111122223333:role/x", "AKIAX", [READ, {"Statement": {"Effect": "Perhaps"}}])
    with pytest.raises(ValueError, match="access_key_id must be a non-empty string"):
        registry.add("arn:aws:iam::111122223333:role/x", "", [READ])
    # A single document (dict or JSON text) is accepted as the one policy.
    assert len(registry.add("arn:aws:iam::111122223333:role/x", "AKIAX", READ).policies) == 1


def test_root_arn() -> None:
    assert root_arn("111122223333") == "arn:aws:iam::111122223333:root"
    assert root_arn("111122223333", "aws-cn") == "arn:aws-cn:iam::111122223333:root"
