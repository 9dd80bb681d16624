"""uvicorn's HTTP/1.1 protocol (httptools), answering what its parser rejects in the service's error format, and
answering every complete request of a pipelined connection before it closes.

A request the parser cannot read (a broken request line, an invalid header, a bad chunk) never reaches the app;
uvicorn answers it with a plain-text 400. Here it gets the service's JSON error instead, like every other request
the service cannot read: SerializationException, 400, and the connection closed.

Pipelined requests (several sent before the first answer) are answered in order, one at a time. uvicorn drops the
ones still queued in two cases, although the service may already have run the first (a write whose answer is lost):
when a later request on the connection cannot be parsed (its 400 went out at once, ahead of the owed answers, and
the connection closed), and when the client half-closes its side after sending (``shutdown(SHUT_WR)``, as ``nc -N``
does: the connection closed after the first answer). Here every complete request is answered first; the 400, or
the close, comes after the last of them. An incomplete request (its body cut short) is never answered.

A connection that never sends anything is closed after the keep-alive timeout, as an idle one between requests is;
one that stops sending in the middle of a request, after REQUEST_IDLE_SECONDS.
An upgrade request (WebSocket, h2c) is answered as the plain HTTP request it also is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .._errors import ServiceError
from .._wire import wire_error

MALFORMED_HTTP = "SerializationException"
# A request whose bytes stop coming (its client crashed or hung mid-request) would hold its connection until the
# server stops: after this long without a byte while the server waits for them, the connection is closed unanswered.
REQUEST_IDLE_SECONDS = 60.0

Action = Callable[[], None]


def _error_head_and_body(msg: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    answer = wire_error(ServiceError(MALFORMED_HTTP, msg))
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers.items()]
    return [*headers, (b"connection", b"close")], answer.body


def service_style_protocol() -> Any:
    """The protocol class to give uvicorn (``Config(http=...)``)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class ServiceStyleHttpToolsProtocol(HttpToolsProtocol):
        _after_last_answer: Action | None = None  # what to do once every owed answer is sent (close, or a 400)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # The service speaks no WebSocket: an upgrade request is answered as the plain HTTP request it also is.
            # (With the websockets package installed, uvicorn handed it to its WebSocket protocol, whose refusal
            # was a plain-text 500 and an error in the log.)
            self.ws_protocol_class = None

        def _unsupported_upgrade_warning(self) -> None:
            pass  # uvicorn's warning advises installing a WebSocket library: not what this server wants

        # ---- a request that stops arriving ----

        _reading_request = False  # between the first byte of a request and its last
        _stall_timer: asyncio.TimerHandle | None = None

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._reading_request = True

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._reading_request = False

        def data_received(self, data: bytes) -> None:
            self._cancel_stall_timer()
            super().data_received(data)
            # Only while the server itself waits for bytes: not while it holds reading back (flow control, a
            # pipelined request waiting for the one before it).
            if self._reading_request and not self.flow.read_paused and not self.transport.is_closing():
                self._stall_timer = self.loop.call_later(REQUEST_IDLE_SECONDS, self._request_stalled)

        def _request_stalled(self) -> None:
            self._stall_timer = None
            if self._reading_request and not self.flow.read_paused:
                self.transport.close()

        def _cancel_stall_timer(self) -> None:
            if self._stall_timer is not None:
                self._stall_timer.cancel()
                self._stall_timer = None

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_stall_timer()
            super().connection_lost(exc)

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            # A connection that never sends a byte is as idle as one between requests: it is closed after the same
            # keep-alive timeout (uvicorn starts that clock only after a first answer, so it stayed open forever).
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

        def send_400_response(self, msg: str) -> None:
            if self._after_last_answer is not None:
                return  # already refused: the parser stays in its error state for whatever else arrives
            headers, body = _error_head_and_body(msg)

            def write_now() -> None:
                lines = [b"HTTP/1.1 400 Bad Request\r\n"]
                lines.extend(name + b": " + value + b"\r\n" for name, value in headers)
                self.transport.write(b"".join(lines) + b"\r\n" + body)
                self.transport.close()

            async def answer_with_400(scope: Any, receive: Any, send: Any) -> None:
                await send({"type": "http.response.start", "status": 400, "headers": headers})
                await send({"type": "http.response.body", "body": body})

            owed = self._owed_answers(replacement=answer_with_400)
            if owed:
                self._after_last_answer = write_now if owed == "before" else _nothing
                self.flow.pause_reading()
            else:
                write_now()

        def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio's protocol allows True
            """The client sent all it will send: answer what it asked (then close), rather than drop it."""
            if self._after_last_answer is not None:
                return True  # a refusal is already on its way, and closes the connection after it
            newest = self.cycle

            async def hang_up(scope: Any, receive: Any, send: Any) -> None:
                if newest is not None:
                    newest.disconnected = True  # an incomplete request: nobody to answer
                self.transport.close()

            owed = self._owed_answers(replacement=hang_up)
            if not owed:
                return None  # nothing owed: close now, as uvicorn does
            if owed == "before":
                self._after_last_answer = self.transport.close
            return True  # keep the connection open to write the answers

        def _owed_answers(self, replacement: Any) -> str | None:
            """Whether complete requests still wait for their answers: "before" when the connection must close (or
            refuse) after the last of them; "replaced" when the newest request, incomplete and queued, now runs
            ``replacement`` in its turn (which answers or closes for it); None when nothing is owed."""
            cycle = self.cycle
            if cycle is None or cycle.response_complete:
                return None
            if cycle.more_body:  # the newest request is incomplete: it is never answered
                if not self.pipeline or self.pipeline[0][0] is not cycle:
                    return None  # and it is the one running: nothing else is owed
                self.pipeline[0] = (cycle, replacement)
                return "replaced"
            return "before"

        def on_response_complete(self) -> None:
            last = not self.pipeline
            super().on_response_complete()
            action = self._after_last_answer
            if last and action is not None and not self.transport.is_closing():
                action()

    return ServiceStyleHttpToolsProtocol


def _nothing() -> None:
    pass
