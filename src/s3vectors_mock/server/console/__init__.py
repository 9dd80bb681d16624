"""The server's read-only web console (issue 20): pages and JSON under /_s3vectors-mock/ showing the state, the
vectors, console queries with a 2-D map, and the call log. See ``_routes`` for the URLs."""

from __future__ import annotations

from ._routes import Console, console_redirect, is_console_path

__all__ = ["Console", "console_redirect", "is_console_path"]
