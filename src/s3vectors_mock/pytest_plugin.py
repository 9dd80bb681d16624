"""The pytest plugin (registered through the ``pytest11`` entry point): fixtures and the ``s3vectors`` marker, aimed
at the target ``--s3vectors-target`` chooses (the in-process mock by default; see ``_targets``).

pytest loads this module in every run of every project that installs the package, so it imports nothing heavy:
the mock (and with it numpy, botocore's hooks and the engine) is imported when a fixture first needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ._pytest_targets import LEFTOVER_PROPERTY, needs_mock_reason, target_state

# The target machinery (--s3vectors-target, the s3vectors_mock_only marker, the header and the summary).
pytest_plugins = ["s3vectors_mock._pytest_targets"]

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
        "enforce_rate_limits=False, enforce_access=False): run the test inside an active s3vectors mock with these "
        "options (closest marker wins: test over class over module)",
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

    # Under another target than the mock, nothing in-process answers: a test that needs the mock is skipped.
    remote = target_state(request.config).remote
    if remote is not None:
        pytest.skip(needs_mock_reason(remote.kind))
    with S3VectorsMock(**_options(request)) as mock:
        yield mock
    mock.reset()  # the test is over: nothing of its state stays alive (pytest may keep the fixture's value around)


@pytest.fixture(scope="session")
def s3vectors_target(pytestconfig: pytest.Config) -> str:
    """Where the fixtures send calls: ``"mock"``, ``"server"``, ``"url"`` or ``"aws"``."""
    return target_state(pytestconfig).choice.kind


@pytest.fixture
def s3vectors_client_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``s3vectors_client_factory(**client_kwargs)``: a new boto3 ``s3vectors`` client aimed at the target (e.g.
    with ``config=Config(parameter_validation=False)``); region ``us-east-1`` unless given (on ``aws``: the
    environment's). Under ``server`` and a URL target of ours the state is fresh for the test; under ``aws`` and a
    foreign URL, what its clients create is deleted after the test."""
    remote = target_state(request.config).remote
    if remote is None:
        request.getfixturevalue(FIXTURE)
        import boto3

        def make_mock_client(**kwargs: Any) -> Any:
            return boto3.client("s3vectors", **{"region_name": "us-east-1", **kwargs})

        yield make_mock_client
        return
    remote.start()
    remote.reset()
    from ._remote_targets import Creations

    creations = Creations()

    def make(**kwargs: Any) -> Any:
        client = remote.client(**kwargs)
        if not remote.resets:
            creations.watch(client)
        return client

    try:
        yield make
    finally:
        # Reset after the test too: a run against a URL target leaves nothing behind, even when a test fails.
        remote.reset()
        for leftover in creations.clean_up():
            request.node.user_properties.append((LEFTOVER_PROPERTY, str(leftover)))


@pytest.fixture
def s3vectors_client(s3vectors_client_factory: Callable[..., Any]) -> Any:
    """A boto3 ``s3vectors`` client aimed at the target: in region ``us-east-1`` answered by ``s3vectors_mock``
    (the default), or over HTTP to the server or URL target, or to AWS."""
    return s3vectors_client_factory()


@pytest.fixture
def s3vectors_name(pytestconfig: pytest.Config) -> Callable[[str], str]:
    """``s3vectors_name("docs")`` → ``docs-<run id>-<n>``: a valid vector bucket and index name, unique to this run
    and each call, on every target (so a test that passes on the mock does not rely on names AWS would refuse)."""
    return target_state(pytestconfig).names.make


@pytest.fixture
def s3vectors_server(s3vectors_mock: S3VectorsMock) -> Iterator[ServerHandle]:
    """``s3vectors_mock`` served over HTTP on a free loopback port (``.url``, ``.mock``), for other SDKs, the AWS
    CLI and subprocesses; stopped after the test. Needs the ``server`` extra."""
    with s3vectors_mock.serve() as server:
        yield server


# ---- --s3vectors-policy: the least-privilege policy of the whole run (issue 18) ---------------------------------
# Every mock of a process records what its calls asked for in access.ledger.RUN_LEDGER. Under xdist each worker
# hands its pairs to the controller through ``workeroutput``; the controller merges them as workers finish and
# writes one policy at the end of the session.

POLICY_OPTION = "--s3vectors-policy"
_WORKER_KEY = "s3vectors_policy_pairs"
_merged_pairs = pytest.StashKey[set[tuple[str, str]]]()  # on the controller: the workers' pairs


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("s3vectors").addoption(
        POLICY_OPTION,
        dest="s3vectors_policy",
        metavar="PATH",
        default=None,
        help="write the least-privilege IAM policy the whole run needed (every test's s3vectors calls, all xdist "
        "workers merged) to PATH as JSON",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.getoption("s3vectors_policy", None) is not None:  # xdist workers get the option too
        from .access.ledger import RUN_LEDGER

        RUN_LEDGER.enabled = True


def _run_pairs() -> set[tuple[str, str]]:
    from .access.ledger import RUN_LEDGER

    return set(RUN_LEDGER.pairs())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    pairs = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if pairs:
        node.config.stash.setdefault(_merged_pairs, set()).update(tuple(pair) for pair in pairs)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    path = config.getoption("s3vectors_policy", None)
    if path is None:
        return
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller writes the file
        workeroutput[_WORKER_KEY] = sorted(_run_pairs())
        return
    import json
    from pathlib import Path

    from .access.ledger import policy_document

    merged: set[tuple[str, str]] = config.stash.get(_merged_pairs, set())
    pairs = _run_pairs() | merged
    Path(path).write_text(json.dumps(policy_document(pairs), indent=2) + "\n")
