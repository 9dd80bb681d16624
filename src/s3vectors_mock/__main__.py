"""``python -m s3vectors_mock serve ...``: see ``s3vectors_mock.server._cli``."""

from __future__ import annotations

from .server._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
