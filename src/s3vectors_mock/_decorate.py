"""Decorating functions and test classes with a mock: sync, async, generator and async-generator functions;
unittest (including IsolatedAsyncioTestCase) and plain pytest classes.

wrapt keeps each wrapped function's signature, which pytest reads to inject fixtures.
"""

from __future__ import annotations

import contextlib
import inspect
import unittest
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

import wrapt

Function = TypeVar("Function", bound=Callable[..., Any])
Class = TypeVar("Class", bound=type)


class Switch(Protocol):
    """What decorating needs of a mock: switching it on and off, fresh state, and a copy of the state."""

    @property
    def active(self) -> bool: ...

    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def reset(self) -> None: ...

    def _stop_and_forget(self) -> None: ...

    def _snapshot_state(self) -> Any: ...

    def _restore_state(self, snapshot: Any) -> None: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc_info: Any) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc_info: Any) -> None: ...


@contextlib.contextmanager
def _scoped(mock: Switch) -> Iterator[None]:
    """The mock active for one decorated call, with fresh state unless it is already active (a call nested in an
    active mock shares its state). The call that ends the mock's last activation drops the state, so that a finished
    test keeps no buckets, vectors, call log or tokens alive (a mock used with ``with`` keeps its state instead)."""
    if not mock.active:
        mock.reset()
    mock.start()
    try:
        yield
    finally:
        mock._stop_and_forget()


def decorate_callable(mock: Switch, function: Function) -> Function:
    """Wrap a function so the mock is active (with fresh state) for each call, whatever kind of function it is."""
    if inspect.iscoroutinefunction(function):

        @wrapt.decorator
        async def run_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            with _scoped(mock):
                return await wrapped(*args, **kwargs)

        return run_async(function)  # type: ignore[return-value]
    if inspect.isasyncgenfunction(function):

        @wrapt.decorator
        async def run_async_generator(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            with _scoped(mock):
                async for item in wrapped(*args, **kwargs):
                    yield item

        return run_async_generator(function)  # type: ignore[return-value]
    if inspect.isgeneratorfunction(function):

        @wrapt.decorator
        def run_generator(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            with _scoped(mock):
                return (yield from wrapped(*args, **kwargs))

        return run_generator(function)  # type: ignore[return-value]

    @wrapt.decorator
    def run(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        with _scoped(mock):
            return wrapped(*args, **kwargs)

    return run(function)  # type: ignore[return-value]


# ---- test classes -----------------------------------------------------------------------------------------------
#
# The rule: the mock is active from the class's own setup (setUpClass / setup_class) to its teardown
# (tearDownClass / teardown_class, and unittest's class cleanups), so no call made at class level escapes it.
# What the class setup creates is the starting state of every test: each test gets a fresh copy of it, so tests
# never see each other's changes, and its setUp / setup_method data is visible in the test. The class teardown
# sees the state the class setup left. Call logs and injected faults start empty for each test. What a test made is
# dropped when it ends, and the class's state when the class ends: a finished test class keeps nothing alive.

Snapshot = Any


def _snapshot(mock: Switch) -> Snapshot:
    return mock._snapshot_state()


def _start_from(mock: Switch, snapshot: Snapshot | None) -> None:
    """Reset the mock to ``snapshot`` (a copy of it), or to nothing."""
    mock.reset()
    if snapshot:
        mock._restore_state(snapshot)


def _own_or_inherited(cls: type, name: str) -> Callable[[type], None]:
    """The class-level hook ``name`` as ``cls`` defines or inherits it, to be called with the class it runs for
    (a subclass of ``cls`` inheriting the wrapper); a no-op when there is none."""
    found = None
    for owner in cls.__mro__:
        if name in vars(owner):
            found = vars(owner)[name]
            break
    if found is None:
        return lambda klass: None
    if isinstance(found, classmethod):
        function = found.__func__
        return lambda klass: function(klass)
    if isinstance(found, staticmethod):
        static = found.__func__
        return lambda klass: static()
    plain = found  # pytest also accepts a plain function taking the class, or nothing
    return lambda klass: plain(klass) if _takes_an_argument(plain) else plain()


def _end_test(mock: Switch) -> None:
    """A test of a decorated class ends: its state goes (the next test, and the class teardown, start from the
    class's baseline anyway); the class's own activation goes on."""
    mock.stop()
    mock.reset()


def _takes_an_argument(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


def _call_xunit(function: Callable[..., Any], test: Any, method: Any) -> None:
    """Call setup_method / teardown_method as pytest does: with the test method only if it takes an argument."""
    bound = function.__get__(test, type(test))
    if _takes_an_argument(bound):
        bound(method)
    else:
        bound()


def decorate_class(mock: Switch, cls: Class) -> Class:
    """Active from the class's setup to its teardown; each test starts from a copy of what the class setup made."""
    baselines: dict[type, Snapshot] = {}
    if issubclass(cls, unittest.TestCase):
        _decorate_unittest(mock, cls, baselines)
    else:
        _decorate_pytest_class(mock, cls, baselines)
    return cls


def _decorate_unittest(mock: Switch, cls: type[unittest.TestCase], baselines: dict[type, Snapshot]) -> None:
    original_set_up_class = _own_or_inherited(cls, "setUpClass")
    original_tear_down_class = _own_or_inherited(cls, "tearDownClass")
    original_set_up = cls.setUp

    def end_class(klass: type) -> None:
        baselines.pop(klass, None)
        mock._stop_and_forget()

    def set_up_class(klass: type[unittest.TestCase]) -> None:
        mock.reset()
        mock.start()
        # Registered first, so it runs last: class cleanups the class setup registers still run mocked. unittest
        # (and pytest) run class cleanups when setUpClass fails too, so the mock never stays active.
        klass.addClassCleanup(end_class, klass)
        original_set_up_class(klass)
        baselines[klass] = _snapshot(mock)

    def tear_down_class(klass: type[unittest.TestCase]) -> None:
        _start_from(mock, baselines.get(klass))
        original_tear_down_class(klass)

    def setUp(test: unittest.TestCase) -> None:
        _start_from(mock, baselines.get(type(test)))
        mock.start()
        test.addCleanup(_end_test, mock)
        original_set_up(test)

    cls.setUpClass = classmethod(set_up_class)  # type: ignore[assignment,method-assign]
    cls.tearDownClass = classmethod(tear_down_class)  # type: ignore[assignment,method-assign]
    cls.setUp = setUp  # type: ignore[method-assign,assignment]


def _decorate_pytest_class(mock: Switch, cls: type, baselines: dict[type, Snapshot]) -> None:
    original_setup_class = _own_or_inherited(cls, "setup_class")
    original_teardown_class = _own_or_inherited(cls, "teardown_class")
    original_setup = getattr(cls, "setup_method", None)
    original_teardown = getattr(cls, "teardown_method", None)

    def setup_class(klass: type) -> None:
        mock.reset()
        mock.start()
        try:
            original_setup_class(klass)
        except BaseException:
            mock._stop_and_forget()  # pytest runs no teardown_class after a failed setup_class
            raise
        baselines[klass] = _snapshot(mock)

    def teardown_class(klass: type) -> None:
        try:
            _start_from(mock, baselines.get(klass))
            original_teardown_class(klass)
        finally:
            baselines.pop(klass, None)
            mock._stop_and_forget()

    def setup_method(test: Any, method: Any = None) -> None:
        _start_from(mock, baselines.get(type(test)))
        mock.start()
        if original_setup is not None:
            try:
                _call_xunit(original_setup, test, method)
            except BaseException:
                mock.stop()
                raise

    def teardown_method(test: Any, method: Any = None) -> None:
        try:
            if original_teardown is not None:
                _call_xunit(original_teardown, test, method)
        finally:
            _end_test(mock)

    cls.setup_class = classmethod(setup_class)  # type: ignore[attr-defined]
    cls.teardown_class = classmethod(teardown_class)  # type: ignore[attr-defined]
    cls.setup_method = setup_method  # type: ignore[attr-defined]
    cls.teardown_method = teardown_method  # type: ignore[attr-defined]
