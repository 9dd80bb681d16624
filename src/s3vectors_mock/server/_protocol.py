"""uvicorn's HTTP/1.1 protocol (httptools), answering what its parser rejects in the service's error format.

A request the parser cannot read (a broken request line, an invalid header, a bad chunk) never reaches the app;
uvicorn answers it with a plain-text 400. Here it gets the service's JSON error instead, like every other request
the service cannot read: SerializationException, 400, and the connection closed.
"""

from __future__ import annotations

from typing import Any

from .._errors import ServiceError
from .._wire import wire_error

MALFORMED_HTTP = "SerializationException"


def service_style_protocol() -> Any:
    """The protocol class to give uvicorn (``Config(http=...)``)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class ServiceStyleHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            answer = wire_error(ServiceError(MALFORMED_HTTP, msg))
            lines = [b"HTTP/1.1 400 Bad Request\r\n"]
            lines.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in answer.headers.items())
            lines.append(b"connection: close\r\n\r\n")
            self.transport.write(b"".join(lines) + answer.body)
            self.transport.close()

    return ServiceStyleHttpToolsProtocol
