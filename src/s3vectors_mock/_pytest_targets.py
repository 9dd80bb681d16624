"""The pytest side of ``--s3vectors-target``: the option, the ``s3vectors_mock_only`` marker, skipping what needs
the in-process mock, the server's life, the header line and the end-of-run summary (skips, leftovers).

Loaded with the plugin (``pytest_plugin.pytest_plugins``); the fixtures that use the target live in the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from . import _targets

if TYPE_CHECKING:
    from ._remote_targets import RemoteTarget

TARGET_OPTION = "--s3vectors-target"
MOCK_ONLY_MARKER = "s3vectors_mock_only"
MOCK_FIXTURE = "s3vectors_mock"
LEFTOVER_PROPERTY = "s3vectors_leftover"


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
        f"{MOCK_ONLY_MARKER}: the test only makes sense on the in-process mock (skipped under --s3vectors-target "
        "server, a URL or aws)",
    )
    text = config.getoption(TARGET_OPTION, None) or _targets.environment_choice()
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    names = _targets.NameMaker(worker.get("testrunuid") if worker else None, worker.get("workerid") if worker else None)
    try:
        choice = _targets.parse_target(text)
        remote = None
        if choice.remote:
            if choice.kind == "server":
                _require_server_extra()
            from ._remote_targets import RemoteTarget

            # Workers of one run share a URL target: resetting it would wipe the state of each other's tests.
            remote = RemoteTarget(choice, shared=worker is not None or _is_xdist_controller(config))
    except _targets.TargetError as error:
        raise pytest.UsageError(str(error)) from None
    state = TargetState(choice, remote, names)
    config.stash[_STATE] = state
    config.pluginmanager.register(state, "s3vectors-mock-target")


@pytest.hookimpl(trylast=True)  # after the plugin has given marked tests the mock fixture
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    remote = target_state(config).remote
    if remote is None:
        return
    for item in items:
        if item.get_closest_marker(MOCK_ONLY_MARKER) is not None:
            item.add_marker(pytest.mark.skip(reason=f"mock-only test, and the s3vectors target is {remote.kind}"))
        elif MOCK_FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=needs_mock_reason(remote.kind)))


def needs_mock_reason(kind: str) -> str:
    return (
        f"needs the in-process mock (the s3vectors_mock fixture: calls, inject_error, load_vectors), and the "
        f"s3vectors target is {kind}"
    )


class TargetState:
    """The run's target (one per process: each xdist worker starts its own server), registered as a plugin for
    the hooks that report on it."""

    def __init__(self, choice: _targets.TargetChoice, remote: RemoteTarget | None, names: _targets.NameMaker) -> None:
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


_STATE = pytest.StashKey[TargetState]()


def target_state(config: pytest.Config) -> TargetState:
    return config.stash[_STATE]


def _is_xdist_controller(config: pytest.Config) -> bool:
    return getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")


def _require_server_extra() -> None:
    import importlib.util

    if importlib.util.find_spec("uvicorn") is None:
        raise _targets.TargetError(
            "--s3vectors-target=server needs the server extra: pip install 's3vectors-mock[server]'"
        )
