"""The error catalogue: every text the service side answers with is in _errors.py, and the texts we chose are
exactly the ones docs/fidelity.md lists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from s3vectors_mock import _errors
from s3vectors_mock._errors import CHOSEN, VERBATIM

PACKAGE = Path(_errors.__file__).parent
FIDELITY = Path(__file__).parents[1] / "docs" / "fidelity.md"
# Error constructors, and the positions (and keywords) of their text arguments.
TEXT_ARGUMENTS = {
    "validation_error": ({0, 2}, {"message", "field_message"}),
    "not_found": ({0}, {"message"}),
    "conflict": ({0}, {"message"}),
    "quota_exceeded": ({0}, {"message"}),
    "ServiceError": ({0, 1}, {"code", "message"}),
    "record_error": ({1}, {"problem"}),
}


def documented_choices() -> list[str]:
    """The texts listed under docs/fidelity.md's "Error texts we chose", one per bullet, in backquotes."""
    section = FIDELITY.read_text().split("## Error texts we chose", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- `(.+)`$", section, flags=re.MULTILINE)


def test_the_documented_choices_are_the_catalogues() -> None:
    documented = documented_choices()
    assert len(documented) == len(set(documented))
    assert set(documented) - set(CHOSEN) == set(), "listed in docs/fidelity.md but not chosen in _errors.py"
    assert set(CHOSEN) - set(documented) == set(), "chosen in _errors.py but not listed in docs/fidelity.md"


def test_each_text_is_either_verbatim_or_chosen_once() -> None:
    assert len(VERBATIM) == len(set(VERBATIM)) and len(CHOSEN) == len(set(CHOSEN))
    assert not set(VERBATIM) & set(CHOSEN)


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_no_error_text_outside_the_catalogue() -> None:
    """Every error raised on the service side takes its text (and code) from _errors.py, never a literal."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in TEXT_ARGUMENTS:
                continue
            positions, keywords = TEXT_ARGUMENTS[name]
            texts = [arg for i, arg in enumerate(node.args) if i in positions]
            texts += [keyword.value for keyword in node.keywords if keyword.arg in keywords]
            if any(_literal(text) for text in texts):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == [], f"error texts outside _errors.py: {offenders}"
