"""Decorating functions and test classes with a mock: sync, async, generator and async-generator functions;
unittest (including IsolatedAsyncioTestCase) and plain pytest classes.

wrapt keeps each wrapped function's signature, which pytest reads to inject fixtures.
"""

from __future__ import annotations

import inspect
import unittest
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import wrapt

Function = TypeVar("Function", bound=Callable[..., Any])
Class = TypeVar("Class", bound=type)


class Switch(Protocol):
    """What decorating needs of a mock: switching it on and off, and fresh state."""

    @property
    def active(self) -> bool: ...

    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def reset(self) -> None: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc_info: Any) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc_info: Any) -> None: ...


def _fresh(mock: Switch) -> Switch:
    """The mock, reset unless it is already active (a decorated call nested in an active mock keeps its state)."""
    if not mock.active:
        mock.reset()
    return mock


def decorate_callable(mock: Switch, function: Function) -> Function:
    """Wrap a function so the mock is active (with fresh state) for each call, whatever kind of function it is."""
    if inspect.iscoroutinefunction(function):

        @wrapt.decorator
        async def run_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            async with _fresh(mock):
                return await wrapped(*args, **kwargs)

        return run_async(function)  # type: ignore[return-value]
    if inspect.isasyncgenfunction(function):

        @wrapt.decorator
        async def run_async_generator(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            async with _fresh(mock):
                async for item in wrapped(*args, **kwargs):
                    yield item

        return run_async_generator(function)  # type: ignore[return-value]
    if inspect.isgeneratorfunction(function):

        @wrapt.decorator
        def run_generator(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            with _fresh(mock):
                return (yield from wrapped(*args, **kwargs))

        return run_generator(function)  # type: ignore[return-value]

    @wrapt.decorator
    def run(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        with _fresh(mock):
            return wrapped(*args, **kwargs)

    return run(function)  # type: ignore[return-value]


def decorate_class(mock: Switch, cls: Class) -> Class:
    """Active from each test's setup to its teardown, with fresh state, so setup data is seen by the test."""
    if issubclass(cls, unittest.TestCase):
        original_set_up = cls.setUp

        def setUp(test: unittest.TestCase) -> None:
            mock.reset()
            mock.start()
            test.addCleanup(mock.stop)
            original_set_up(test)

        cls.setUp = setUp  # type: ignore[method-assign,assignment]
        return cls
    original_setup = getattr(cls, "setup_method", None)
    original_teardown = getattr(cls, "teardown_method", None)

    def setup_method(test: Any, method: Any = None) -> None:
        mock.reset()
        mock.start()
        if original_setup is not None:
            try:
                original_setup(test, method)
            except BaseException:
                mock.stop()
                raise

    def teardown_method(test: Any, method: Any = None) -> None:
        try:
            if original_teardown is not None:
                original_teardown(test, method)
        finally:
            mock.stop()

    cls.setup_method = setup_method  # type: ignore[attr-defined]
    cls.teardown_method = teardown_method  # type: ignore[attr-defined]
    return cls
