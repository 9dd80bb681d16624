"""Server mode: the same service behind an HTTP server speaking Amazon S3 Vectors' REST-JSON protocol, for every
other SDK, the AWS CLI and other processes or containers.

Needs the ``server`` extra (uvicorn, httptools). The in-process library imports only this package's request
readers (``_routing``, which needs nothing but botocore): it reads the request botocore would send with them, as
the server reads it. The web stack is imported only when a server starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._runner import ServerHandle, start_server

__all__ = ["ServerHandle", "start_server"]


def __getattr__(name: str) -> Any:
    # Lazily, so that importing the request readers does not import the runner (nor, through it, the hooks).
    if name in __all__:
        from . import _runner

        return getattr(_runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
