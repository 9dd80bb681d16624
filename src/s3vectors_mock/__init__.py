"""s3vectors-mock: Amazon S3 Vectors for tests, in-process, with no credentials and no network.

Importing the package is cheap (the pytest plugin loads it in every pytest run of every project that installs
it): the engine, numpy, botocore's hooks and faiss are imported when a mock is first created or started.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._exceptions import S3VectorsMockError
from ._options import DEFAULT_ACCOUNT_ID, DEFAULT_APPROXIMATE_ABOVE, Options
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._calls import CallRecord
    from ._hooks import patch_client
    from ._mock import S3VectorsMock

__all__ = ["CallRecord", "Options", "S3VectorsMock", "S3VectorsMockError", "mock_s3vectors", "patch_client"]

# Public names whose modules import the heavy parts, loaded on first use (PEP 562).
_LAZY = {"CallRecord": "._calls", "S3VectorsMock": "._mock", "patch_client": "._hooks"}

Target = TypeVar("Target", bound=Callable[..., Any])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


@overload
def mock_s3vectors(target: Target, /) -> Target: ...


@overload
def mock_s3vectors(
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    classic_search_window: int | None = None,
    approximate_above: int | None = DEFAULT_APPROXIMATE_ABOVE,
    enforce_rate_limits: bool = False,
    enforce_access: bool = False,
) -> S3VectorsMock: ...


def mock_s3vectors(
    target: Any = None,
    /,
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    classic_search_window: int | None = None,
    approximate_above: int | None = DEFAULT_APPROXIMATE_ABOVE,
    enforce_rate_limits: bool = False,
    enforce_access: bool = False,
) -> Any:
    """Mock Amazon S3 Vectors.

    ``@mock_s3vectors`` or ``@mock_s3vectors(account_id=...)`` on a function or test class;
    ``with mock_s3vectors() as m:`` or ``async with``; or ``m = mock_s3vectors(); m.start(); ...; m.stop()``.
    """
    from ._mock import S3VectorsMock

    mock = S3VectorsMock(
        account_id=account_id,
        classic_search_window=classic_search_window,
        approximate_above=approximate_above,
        enforce_rate_limits=enforce_rate_limits,
        enforce_access=enforce_access,
    )
    if target is None:
        return mock
    return mock(target)
