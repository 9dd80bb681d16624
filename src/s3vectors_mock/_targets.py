"""Where the pytest plugin's fixtures send their calls: the in-process mock, a server the plugin starts, an endpoint
that is already running, or real AWS (``--s3vectors-target`` / ``S3VECTORS_MOCK_TARGET``).

This module holds what every run needs, even on the mock (the choice and unique names), so it imports next to
nothing; reaching a target outside the process is ``_remote_targets``, imported only when one is chosen.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass

TARGET_VARIABLE = "S3VECTORS_MOCK_TARGET"
KINDS = ("mock", "server", "url", "aws")
DEFAULT_REGION = "us-east-1"
NAME_LIMIT = 63  # vector bucket and index names: 3-63 characters


class TargetError(ValueError):
    """A target that cannot be used; the plugin turns it into a usage error (the run does not start)."""


@dataclass(frozen=True)
class TargetChoice:
    """What the user asked for: a kind (``mock``, ``server``, ``url`` or ``aws``) and, for ``url``, the endpoint."""

    kind: str
    url: str | None = None

    @property
    def remote(self) -> bool:
        return self.kind != "mock"


def parse_target(text: str | None) -> TargetChoice:
    """``mock`` (also empty or None), ``server``, ``aws`` or an ``http(s)://HOST:PORT`` URL."""
    value = (text or "mock").strip()
    if value in ("mock", "server", "aws"):
        return TargetChoice(value)
    if re.fullmatch(r"https?://[^/\s?#]+/?", value):
        return TargetChoice("url", value.rstrip("/"))
    raise TargetError(
        f"invalid s3vectors target {value!r}: use mock, server, aws or the URL of a running endpoint (http://HOST:PORT)"
    )


# ---- unique names ---------------------------------------------------------------------------------------------


class NameMaker:
    """``make("docs")`` → ``docs-<run id>-<n>``: valid as a vector bucket and an index name, unique to this run
    (the run id is shared by every xdist worker, the worker's number is part of it) and to each call."""

    def __init__(self, run_id: str | None = None, worker: str | None = None) -> None:
        run = (run_id or os.urandom(3).hex())[:6].lower()
        number = re.sub(r"\D", "", worker or "")
        self.run_id = f"{run}{'w' + number if number else ''}"
        self._counter = itertools.count(1)

    def make(self, base: str) -> str:
        suffix = f"-{self.run_id}-{next(self._counter)}"
        # Cut the base, never the suffix (it is what makes the name unique), and keep the name ending on a letter
        # or digit as both naming rules require.
        # Characters no name may hold become hyphens ("My_Docs" → "my-docs"); dots stay, as index names allow them.
        stem = re.sub(r"[^a-z0-9.-]", "-", base.lower())[: NAME_LIMIT - len(suffix)].strip("-.")
        return f"{stem or 'x'}{suffix}"


def environment_choice() -> str | None:
    return os.environ.get(TARGET_VARIABLE) or None
