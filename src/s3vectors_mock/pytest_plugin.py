"""The pytest plugin (registered through the ``pytest11`` entry point): fixtures and the ``s3vectors`` marker, aimed
at the target ``--s3vectors-target`` chooses (the in-process mock by default; see ``_targets``).

pytest loads this module in every run of every project that installs the package, so it imports nothing heavy:
the mock (and with it numpy, botocore's hooks and the engine) is imported when a fixture first needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from . import _targets

if TYPE_CHECKING:
    from ._mock import S3VectorsMock

if TYPE_CHECKING:
    from .server import ServerHandle

MARKER = "s3vectors"
FIXTURE = "s3vectors_mock"
MOCK_ONLY_MARKER = "s3vectors_mock_only"
TARGET_OPTION = "--s3vectors-target"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("s3vectors-mock").addoption(
        TARGET_OPTION,
        metavar="TARGET",
        default=None,
        help="where the s3vectors fixtures send calls: mock (in-process, the default), server (a server the plugin "
        "starts), http://HOST:PORT (a running endpoint) or aws (real AWS, the environment's credentials). "
        f"Default: ${_targets.TARGET_VARIABLE} or mock.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(account_id='123456789012', classic_search_window=None, approximate_above=500000, "
        "enforce_rate_limits=False): run the test inside an active s3vectors mock with these options "
        "(closest marker wins: test over class over module)",
    )
    config.addinivalue_line(
        "markers",
        f"{MOCK_ONLY_MARKER}: the test only makes sense on the in-process mock (skipped under --s3vectors-target "
        "server, a URL or aws)",
    )
    _configure_target(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A marked test gets the mock as its first fixture, so it is active before any fixture of the user's own.
    for item in items:
        if item.get_closest_marker(MARKER) is not None and FIXTURE not in getattr(item, "fixturenames", [FIXTURE]):
            item.fixturenames.insert(0, FIXTURE)  # type: ignore[attr-defined]
    _skip_mock_only(config, items)


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    # Closest marker wins: a test's marker overrides its class's, which overrides its module's.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        options.update(marker.kwargs)
    return options


@pytest.fixture
def s3vectors_mock(request: pytest.FixtureRequest) -> Iterator[S3VectorsMock]:
    """An active mock with fresh state for this test (options from the ``s3vectors`` marker). Under a remote
    target the test is skipped: nothing in-process answers there."""
    target = _target_state(request.config)
    if target.remote is not None:
        pytest.skip(_needs_mock_reason(target.remote.kind))
    from ._mock import S3VectorsMock

    with S3VectorsMock(**_options(request)) as mock:
        yield mock


@pytest.fixture(scope="session")
def s3vectors_target(pytestconfig: pytest.Config) -> str:
    """Where the fixtures send calls: ``"mock"``, ``"server"``, ``"url"`` or ``"aws"``."""
    return _target_state(pytestconfig).choice.kind


@pytest.fixture
def s3vectors_client_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``s3vectors_client_factory(**client_kwargs)``: a new boto3 ``s3vectors`` client aimed at the target (e.g.
    with ``config=Config(parameter_validation=False)``); region ``us-east-1`` unless given (on ``aws``: the
    environment's). Under ``server`` and a URL target of ours the state is fresh for the test; under ``aws`` and a
    foreign URL, what its clients create is deleted after the test."""
    target = _target_state(request.config)
    remote = target.remote
    if remote is None:
        request.getfixturevalue(FIXTURE)
        import boto3

        def make_mock_client(**kwargs: Any) -> Any:
            return boto3.client("s3vectors", **{"region_name": _targets.DEFAULT_REGION, **kwargs})

        yield make_mock_client
        return
    remote.start()
    remote.reset()
    creations = _targets.Creations()

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
    return _target_state(pytestconfig).names.make


@pytest.fixture
def s3vectors_server(s3vectors_mock: S3VectorsMock) -> Iterator[ServerHandle]:
    """``s3vectors_mock`` served over HTTP on a free loopback port (``.url``, ``.mock``), for other SDKs, the AWS
    CLI and subprocesses; stopped after the test. Needs the ``server`` extra."""
    with s3vectors_mock.serve() as server:
        yield server


# ---- the target ---------------------------------------------------------------------------------------------------

LEFTOVER_PROPERTY = "s3vectors_leftover"


class _TargetState:
    """The run's target (one per process: each xdist worker starts its own server), registered as a plugin for
    the hooks that report on it."""

    def __init__(
        self, choice: _targets.TargetChoice, remote: _targets.RemoteTarget | None, names: _targets.NameMaker
    ) -> None:
        self.choice = choice
        self.remote = remote
        self.names = names
        self.leftovers: list[str] = []
        self.skips: dict[str, int] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # Start the server before the header is written, so that it names the URL (an xdist controller runs no
        # tests: each worker starts its own).
        if self.remote is not None and not _is_xdist_controller(session.config):
            try:
                self.remote.start()
            except _targets.TargetError as error:
                raise pytest.UsageError(str(error)) from None

    def pytest_report_header(self) -> str:
        return f"s3vectors target: {'mock' if self.remote is None else self.remote.describe()}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Leftovers travel on the teardown report, so an xdist controller hears of its workers' too.
        if report.when == "teardown":
            self.leftovers.extend(str(value) for name, value in report.user_properties if name == LEFTOVER_PROPERTY)
        if report.skipped and self.remote is not None and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            self.skips[reason] = self.skips.get(reason, 0) + 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.remote is not None and self.skips:
            terminalreporter.section(f"s3vectors target {self.remote.kind}: skipped tests")
            for reason, count in sorted(self.skips.items(), key=lambda item: -item[1]):
                terminalreporter.line(f"{count:6d} {reason}")
        if self.leftovers:
            terminalreporter.section("s3vectors leftovers: created by this run, not deleted", red=True)
            for leftover in self.leftovers:
                terminalreporter.line(leftover)

    def pytest_unconfigure(self) -> None:
        if self.remote is not None:
            self.remote.stop()


_STATE = pytest.StashKey[_TargetState]()


def _target_state(config: pytest.Config) -> _TargetState:
    return config.stash[_STATE]


def _is_xdist_controller(config: pytest.Config) -> bool:
    return getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")


def _configure_target(config: pytest.Config) -> None:
    text = config.getoption(TARGET_OPTION, None) or _targets.environment_choice()
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    names = _targets.NameMaker(worker.get("testrunuid") if worker else None, worker.get("workerid") if worker else None)
    try:
        choice = _targets.parse_target(text)
        remote = None
        if choice.remote:
            if choice.kind == "server":
                _require_server_extra()
            # Workers of one run share a URL target: resetting it would wipe the state of each other's tests.
            shared = worker is not None or _is_xdist_controller(config)
            remote = _targets.RemoteTarget(choice, shared=shared)
    except _targets.TargetError as error:
        raise pytest.UsageError(str(error)) from None
    state = _TargetState(choice, remote, names)
    config.stash[_STATE] = state
    config.pluginmanager.register(state, "s3vectors-mock-target")


def _require_server_extra() -> None:
    import importlib.util

    if importlib.util.find_spec("uvicorn") is None:
        raise _targets.TargetError(
            "--s3vectors-target=server needs the server extra: pip install 's3vectors-mock[server]'"
        )


def _needs_mock_reason(kind: str) -> str:
    return (
        f"needs the in-process mock (the s3vectors_mock fixture: calls, inject_error, load_vectors), and the "
        f"s3vectors target is {kind}"
    )


def _skip_mock_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    remote = _target_state(config).remote
    if remote is None:
        return
    for item in items:
        if item.get_closest_marker(MOCK_ONLY_MARKER) is not None:
            item.add_marker(pytest.mark.skip(reason=f"mock-only test, and the s3vectors target is {remote.kind}"))
        elif FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=_needs_mock_reason(remote.kind)))
