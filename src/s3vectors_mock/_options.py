"""The options of one mock, as one frozen value: validated once, then carried with every request."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_APPROXIMATE_ABOVE = 500_000


@dataclass(frozen=True)
class Options:
    """How a mock answers.

    ``account_id``: the account of every caller (it appears in every ARN).

    ``classic_search_window``: when set, filtered queries on CLASSIC indexes look only at that many nearest vectors
    before filtering, reproducing AWS's "fewer than topK" results; by default every query is exact.

    ``approximate_above``: unfiltered queries on an index holding more vectors than this may use an approximate
    (IVF) index; ``None`` keeps every query exact whatever the size.

    ``enforce_rate_limits``: apply the service's per-index write limits (1,000 requests/s and 2,500 vectors/s for
    PutVectors and DeleteVectors together) with TooManyRequestsException, through botocore's retries.

    ``enforce_access``: decide every call as IAM would, from the caller's identity-based policies (principals
    registered with ``add_principal``; any other access key is its account's root) and the vector bucket's
    policy, answering AccessDeniedException (403) when they do not allow it.
    """

    account_id: str = DEFAULT_ACCOUNT_ID
    classic_search_window: int | None = None
    approximate_above: int | None = DEFAULT_APPROXIMATE_ABOVE
    enforce_rate_limits: bool = False
    enforce_access: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.account_id, str) and len(self.account_id) == 12 and self.account_id.isdigit()):
            raise ValueError(f"account_id must be 12 digits, got {self.account_id!r}")
        _check_count("classic_search_window", self.classic_search_window, minimum=1)
        _check_count("approximate_above", self.approximate_above, minimum=0)
        if not isinstance(self.enforce_rate_limits, bool):
            raise TypeError(f"enforce_rate_limits must be True or False, got {self.enforce_rate_limits!r}")
        if not isinstance(self.enforce_access, bool):
            raise TypeError(f"enforce_access must be True or False, got {self.enforce_access!r}")


def _check_count(name: str, value: int | None, *, minimum: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number or None, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
