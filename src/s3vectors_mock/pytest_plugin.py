"""The pytest plugin (registered through the ``pytest11`` entry point): fixtures and the ``s3vectors`` marker.

pytest loads this module in every run of every project that installs the package, so it imports nothing heavy:
the mock (and with it numpy, botocore's hooks and the engine) is imported when a fixture first needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._mock import S3VectorsMock

if TYPE_CHECKING:
    from .server import ServerHandle

MARKER = "s3vectors"
FIXTURE = "s3vectors_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(account_id='123456789012', classic_search_window=None, approximate_above=500000, "
        "enforce_rate_limits=False): run the test inside an active s3vectors mock with these options "
        "(closest marker wins: test over class over module)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A marked test gets the mock as its first fixture, so it is active before any fixture of the user's own.
    for item in items:
        if item.get_closest_marker(MARKER) is not None and FIXTURE not in getattr(item, "fixturenames", [FIXTURE]):
            item.fixturenames.insert(0, FIXTURE)  # type: ignore[attr-defined]


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    # Closest marker wins: a test's marker overrides its class's, which overrides its module's.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        options.update(marker.kwargs)
    return options


@pytest.fixture
def s3vectors_mock(request: pytest.FixtureRequest) -> Iterator[S3VectorsMock]:
    """An active mock with fresh state for this test (options from the ``s3vectors`` marker), dropped at teardown."""
    from ._mock import S3VectorsMock

    with S3VectorsMock(**_options(request)) as mock:
        yield mock
    mock.reset()  # the test is over: nothing of its state stays alive (pytest may keep the fixture's value around)


@pytest.fixture
def s3vectors_client(s3vectors_mock: S3VectorsMock) -> Any:
    """A boto3 ``s3vectors`` client in region ``us-east-1``, answered by ``s3vectors_mock``."""
    import boto3

    return boto3.client("s3vectors", region_name="us-east-1")


@pytest.fixture
def s3vectors_server(s3vectors_mock: S3VectorsMock) -> Iterator[ServerHandle]:
    """``s3vectors_mock`` served over HTTP on a free loopback port (``.url``, ``.mock``), for other SDKs, the AWS
    CLI and subprocesses; stopped after the test. Needs the ``server`` extra."""
    with s3vectors_mock.serve() as server:
        yield server
