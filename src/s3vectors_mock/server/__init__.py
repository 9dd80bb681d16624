"""Server mode: the same service behind an HTTP server speaking Amazon S3 Vectors' REST-JSON protocol, for every
other SDK, the AWS CLI and other processes or containers.

Needs the ``server`` extra (uvicorn, httptools). The in-process library never imports this package; the web
stack is imported only when a server starts.
"""

from __future__ import annotations

from ._runner import ServerHandle, start_server

__all__ = ["ServerHandle", "start_server"]
