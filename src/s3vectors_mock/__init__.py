"""s3vectors-mock: Amazon S3 Vectors for tests, in-process, with no credentials and no network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from ._calls import CallRecord
from ._hooks import S3VectorsMockError, install, patch_client
from ._mock import S3VectorsMock
from ._options import DEFAULT_ACCOUNT_ID, DEFAULT_APPROXIMATE_ABOVE, Options

__all__ = ["CallRecord", "Options", "S3VectorsMock", "S3VectorsMockError", "mock_s3vectors", "patch_client"]
__version__ = "0.1.0"

Target = TypeVar("Target", bound=Callable[..., Any])


@overload
def mock_s3vectors(target: Target, /) -> Target: ...


@overload
def mock_s3vectors(
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    classic_search_window: int | None = None,
    approximate_above: int | None = DEFAULT_APPROXIMATE_ABOVE,
    enforce_rate_limits: bool = False,
) -> S3VectorsMock: ...


def mock_s3vectors(
    target: Any = None,
    /,
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    classic_search_window: int | None = None,
    approximate_above: int | None = DEFAULT_APPROXIMATE_ABOVE,
    enforce_rate_limits: bool = False,
) -> Any:
    """Mock Amazon S3 Vectors.

    ``@mock_s3vectors`` or ``@mock_s3vectors(account_id=...)`` on a function or test class;
    ``with mock_s3vectors() as m:`` or ``async with``; or ``m = mock_s3vectors(); m.start(); ...; m.stop()``.
    """
    mock = S3VectorsMock(
        account_id=account_id,
        classic_search_window=classic_search_window,
        approximate_above=approximate_above,
        enforce_rate_limits=enforce_rate_limits,
    )
    if target is None:
        return mock
    return mock(target)


# Wrap botocore's client call at import, so that clients created earlier are mocked as soon as a mock starts.
install()
