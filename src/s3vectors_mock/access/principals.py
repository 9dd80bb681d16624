"""Who calls: the IAM principals a mock knows (roles and users with their identity-based policies, found by
access key id), and the account root for every other key."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .policies import Policy, PolicyError, parse_policy

# IAM's ARN of a user or role: a path of "/"-separated segments of printable ASCII, then the name (IAM's name
# characters, 64 at most for a role, 64 for a user). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
_PRINCIPAL_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):(?P<kind>user|role)"
    r"(?P<path>(?:/[\x21-\x2e\x30-\x7e]+)*)/(?P<name>[\w+=,.@-]{1,64})",
    re.ASCII,
)
_MAX_PATH = 512


def root_arn(account: str, partition: str = "aws") -> str:
    """The ARN of an account's root user, as IAM writes it (also the "account" form of a Principal)."""
    return f"arn:{partition}:iam::{account}:root"


@dataclass(frozen=True)
class Principal:
    """An IAM role or user the mock knows, with the identity-based policies attached to it."""

    arn: str
    account: str
    access_key_id: str
    policies: tuple[Policy, ...]


def parse_principal_arn(arn: str) -> tuple[str, str]:
    """(partition, account) of a role or user ARN; ValueError for anything else."""
    match = _PRINCIPAL_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None or len(match["path"]) + 1 > _MAX_PATH:
        raise ValueError(
            f"{arn!r} is not the ARN of an IAM role or user "
            "(arn:aws:iam::111122223333:role/NAME or arn:aws:iam::111122223333:user/PATH/NAME)"
        )
    return match["partition"], match["account"]


def identity_policies(policies: Iterable[str | Mapping[str, Any]]) -> tuple[Policy, ...]:
    """Identity-based policies (JSON texts or decoded dicts), each validated; ValueError names the bad one."""
    if isinstance(policies, (str, Mapping)):
        policies = [policies]
    parsed = []
    for number, document in enumerate(policies, 1):
        try:
            parsed.append(parse_policy(document, resource_based=False))
        except PolicyError as error:
            raise PolicyError(f"policy {number} is not a valid identity-based policy: {error}") from None
    return tuple(parsed)


class PrincipalRegistry:
    """The principals of one mock, by ARN and by access key id. Configuration, like the account id: it survives
    ``reset()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_arn: dict[str, Principal] = {}
        self._by_key: dict[str, Principal] = {}

    def add(self, arn: str, access_key_id: str, policies: Iterable[str | Mapping[str, Any]]) -> Principal:
        """Register (or replace) the principal ``arn``; a key already used by another principal is refused."""
        _, account = parse_principal_arn(arn)
        if not isinstance(access_key_id, str) or not access_key_id or not access_key_id.isprintable():
            raise ValueError(f"access_key_id must be a non-empty string, got {access_key_id!r}")
        principal = Principal(arn, account, access_key_id, identity_policies(policies))
        with self._lock:
            holder = self._by_key.get(access_key_id)
            if holder is not None and holder.arn != arn:
                raise ValueError(f"access key id {access_key_id!r} already belongs to {holder.arn}")
            previous = self._by_arn.get(arn)
            if previous is not None:
                del self._by_key[previous.access_key_id]
            self._by_arn[arn] = principal
            self._by_key[access_key_id] = principal
        return principal

    def by_access_key(self, access_key_id: str | None) -> Principal | None:
        if access_key_id is None:
            return None
        with self._lock:
            return self._by_key.get(access_key_id)

    def by_arn(self, arn: str) -> Principal | None:
        with self._lock:
            return self._by_arn.get(arn)
