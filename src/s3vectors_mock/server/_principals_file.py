"""``serve --principals FILE``: the IAM principals of a server started from the command line.

The file is a JSON array with one object per principal, named as :meth:`S3VectorsMock.add_principal` names its
arguments, so a principal moves between a Python test and a server's file unchanged::

    [{"arn": "arn:aws:iam::111122223333:role/reader", "access_key_id": "AKIAREADER",
      "policies": [{"Version": "2012-10-17", "Statement": [...]}]}]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..access.principals import PrincipalRegistry

_MEMBERS = {"arn", "access_key_id", "policies"}


class PrincipalsFileError(ValueError):
    """A principals file that cannot be read or registered; the message names the file and the problem."""


def register_principals(path: Path, registry: PrincipalRegistry) -> int:
    """Register every principal ``path`` lists; how many. Nothing is registered when any entry is invalid."""
    try:
        entries: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise PrincipalsFileError(f"cannot read the principals file {path}: {error}") from None
    if not isinstance(entries, list):
        raise PrincipalsFileError(f"the principals file {path} must hold a JSON array of principals")
    staged = PrincipalRegistry()  # every entry checked (ARN, key, policies, no shared key) before any is kept
    for number, entry in enumerate(entries, 1):
        where = f"the principals file {path}, entry {number}"
        if not isinstance(entry, dict) or not {"arn", "access_key_id"} <= set(entry) or set(entry) - _MEMBERS:
            raise PrincipalsFileError(f"{where}: expected an object with arn, access_key_id and optional policies")
        try:
            staged.add(entry["arn"], entry["access_key_id"], entry.get("policies", []))
        except ValueError as error:
            raise PrincipalsFileError(f"{where}: {error}") from None
    for entry in entries:
        registry.add(entry["arn"], entry["access_key_id"], entry.get("policies", []))
    return len(entries)
