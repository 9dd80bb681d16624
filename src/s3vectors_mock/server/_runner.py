"""Running the app: uvicorn on a socket bound up front, in a background thread with its own event loop.

Binding the socket before the thread starts means the port (also a free one picked with ``port=0``) is known and
already accepting connections when ``start_server`` returns. The thread never touches signal handlers or the
process's event loop policy, so a server can run inside a test process, a notebook or the CLI alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._hooks import served_endpoints
from .._service import S3VectorsService
from ._protocol import service_style_protocol

if TYPE_CHECKING:
    import uvicorn


STARTUP_TIMEOUT = 30.0
# How long stop() lets requests in flight finish before it closes every connection (stalled or slow clients
# included), so that a server stops promptly whatever its clients do; docker kills 10 s after SIGTERM.
SHUTDOWN_GRACE = 1.0
# uvicorn's own limit, after which it cancels the tasks still running; stop() lowers it to its grace + 0.5 s.
GRACEFUL_SHUTDOWN = 5
INSTALL_HINT = "the s3vectors-mock server needs its web stack: pip install 's3vectors-mock[server]'"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # optional: a faster loop where it is installed
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def url_for(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ServerHandle:
    """A running server: its ``url``, the ``service`` it answers from (and the ``mock`` that owns it, when started
    with ``S3VectorsMock.serve``). ``stop()`` (or leaving a ``with`` block) shuts it down and waits for it."""

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        sock: socket.socket,
        service: S3VectorsService,
        mock: Any,
    ) -> None:
        self._server = server
        self._thread = thread
        self._socket = sock
        self._loop: asyncio.AbstractEventLoop | None = None  # set by the server thread
        self.service = service
        self.mock = mock
        self.host, self.port = sock.getsockname()[:2]
        self.url = url_for(self.host, self.port)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop accepting connections, close at once those whose request has not fully arrived (a stalled or slow
        client gets no answer), let requests being answered finish for up to ``grace`` seconds, then close every
        connection still open, and join the server thread."""
        # uvicorn cancels what still runs shortly after the connections are closed (a request in an injected
        # latency); its traceback for each is filtered out (see _QuietCancellation).
        config: Any = self._server.config  # annotated int, used as asyncio.timeout(seconds): any number works
        config.timeout_graceful_shutdown = grace + 0.5
        self._server.should_exit = True
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(_close_connections, self._server, True)
                loop.call_soon_threadsafe(loop.call_later, grace, _close_connections, self._server, False)
        self._thread.join()
        self._socket.close()
        served_endpoints.remove(self.port)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<s3vectors-mock server {self.url}{'' if self.running else ' (stopped)'}>"


def _close_connections(server: uvicorn.Server, unread_only: bool) -> None:
    """Close the transport of every open connection (``unread_only``: of those whose request is still arriving:
    uvicorn closes idle ones itself, and would wait for these). A request still being read then reads as a
    disconnect, which the app drops quietly."""
    for connection in list(server.server_state.connections):
        cycle = getattr(connection, "cycle", None)
        # uvicorn's request cycle says whether the body is still expected (both of its HTTP implementations).
        if unread_only and not (cycle is not None and getattr(cycle, "more_body", False)):
            continue
        transport = getattr(connection, "transport", None)
        if transport is not None:
            transport.close()


class _QuietCancellation(logging.Filter):
    """Drops uvicorn's traceback for a request task cancelled at shutdown: the request is abandoned on purpose,
    and its CancelledError says nothing (uvicorn still logs one line saying how many it cancelled)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


_quiet_cancellation = _QuietCancellation()


def check_web_stack() -> None:
    """Raise ImportError with the install hint unless the server extra is installed."""
    try:
        import uvicorn  # noqa: F401

        from ._app import S3VectorsApp  # noqa: F401  (orjson)

        service_style_protocol()  # httptools
    except ImportError as missing:
        raise ImportError(INSTALL_HINT) from missing


def server_for(app: Any) -> uvicorn.Server:
    """A ``uvicorn.Server`` for ``app`` as server mode runs it (the benchmark's floor server uses the same)."""
    try:
        import uvicorn

        protocol = service_style_protocol()  # imports httptools
    except ImportError as missing:
        raise ImportError(INSTALL_HINT) from missing
    config = uvicorn.Config(
        app,
        http=protocol,
        lifespan="off",
        log_config=None,  # leave the host process's logging as it is
        access_log=False,
        date_header=False,  # the app sends its own Date, like every other header of the service
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    if _quiet_cancellation not in logging.getLogger("uvicorn.error").filters:
        logging.getLogger("uvicorn.error").addFilter(_quiet_cancellation)
    return uvicorn.Server(config)


def start_server(
    service: S3VectorsService, host: str = "127.0.0.1", port: int = 0, *, mock: Any = None
) -> ServerHandle:
    """Serve ``service`` over HTTP on ``host:port`` (0: a free port) until the handle's ``stop()``.

    Raises ImportError with the install hint when the server extra is missing.
    """
    try:  # the app reads JSON with orjson: imported here, so that the CLI's --help needs none of the web stack
        from ._app import S3VectorsApp
    except ImportError as missing:
        raise ImportError(INSTALL_HINT) from missing
    return _run_in_thread(server_for(S3VectorsApp(service)), host, port, service, mock)


def _run_in_thread(
    server: uvicorn.Server, host: str, port: int, service: S3VectorsService, mock: Any = None
) -> ServerHandle:
    """Bind ``host:port``, run ``server`` on it in a background thread, and return once it accepts requests."""
    sock = _bind(host, port)
    failure: list[BaseException] = []

    def run() -> None:
        loop = new_event_loop()
        handle._loop = loop
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as error:
            failure.append(error)
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    thread = threading.Thread(target=run, name=f"s3vectors-mock-server-{sock.getsockname()[1]}", daemon=True)
    handle = ServerHandle(server, thread, sock, service, mock)
    served_endpoints.add(handle.host, handle.port)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            handle.stop()
            raise RuntimeError(f"the s3vectors-mock server on {handle.url} did not start") from (
                failure[0] if failure else None
            )
        time.sleep(0.002)
    return handle
