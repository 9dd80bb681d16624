"""Deep mutation of what a test passed to the mock or got back from it: nothing the mock keeps may change with it.

An in-process double has no wire to copy for it, so every list and dict of an answer could be the stored one, and
every list and dict of a request could become the stored one. :func:`deface` changes every container it reaches,
all the way down: a shared one then shows up as a changed answer on the next read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Appended to lists and stored under new names: strings that are also plausible metadata keys and values, so that a
# leak reaches what they would change (a metadata key list that gains "s" makes "s" non-filterable).
JUNK = "s"


def deface(value: Any, *, clear: bool = False) -> None:
    """Change every container reachable from ``value`` in place: lists grow (or are emptied with ``clear``), dict
    values are replaced and dicts gain a member (or are emptied), writeable numpy arrays are overwritten."""
    seen: set[int] = set()
    _deface(value, clear, seen)


def _deface(value: Any, clear: bool, seen: set[int]) -> None:
    if id(value) in seen:
        return
    if isinstance(value, dict):
        seen.add(id(value))
        for item in list(value.values()):
            _deface(item, clear, seen)
        if clear:
            value.clear()
        else:
            for name in list(value):
                value[name] = _replacement(value[name])
            value[JUNK] = JUNK
    elif isinstance(value, list):
        seen.add(id(value))
        for item in value:
            _deface(item, clear, seen)
        if clear:
            value.clear()
        else:
            value.append(value[0] if value and not isinstance(value[0], (dict, list)) else JUNK)
            value.append(JUNK)
    elif isinstance(value, tuple):  # cannot change, but what it holds can
        seen.add(id(value))
        for item in value:
            _deface(item, clear, seen)
    elif isinstance(value, np.ndarray) and value.flags.writeable:
        seen.add(id(value))
        value[...] = 7 if value.dtype.kind in "fiu" else value


def _replacement(value: Any) -> Any:
    """Something else of another kind, so that a read through a shared dict cannot mistake it for the original."""
    if isinstance(value, (dict, list)):
        return value  # already defaced in place (what a caller holding it sees)
    return [JUNK] if isinstance(value, str) else JUNK
