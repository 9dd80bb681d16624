"""IAM's string matching: ``*`` and ``?`` wildcards, actions case-insensitively, ARNs component by component.

Sources: IAM JSON policy elements, "Action" (action names are case-insensitive) and "Resource" (ARNs are
case-sensitive; ``*`` matches any run of characters, ``?`` any one), and "Condition operators", Arn* (each of the
six colon-delimited components is matched separately).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=4096)  # bounded: patterns come from user policies
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches ``pattern``, where ``*`` is any run of characters (also none) and ``?`` one."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def action_match(pattern: str, action: str) -> bool:
    """An Action entry (``s3vectors:Get*``, ``*``) against a requested action: case-insensitive."""
    return wildcard_match(pattern, action, ignore_case=True)


def resource_match(pattern: str, arn: str) -> bool:
    """A Resource entry against the ARN a request addresses: case-sensitive, and a ``*`` may run across colons
    ("If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon
    boundaries"), so ``arn:aws:s3vectors:*`` covers every S3 Vectors resource."""
    return wildcard_match(pattern, arn)


def arn_condition_match(pattern: str, arn: str) -> bool:
    """An Arn* condition value against an ARN: each of the six colon-delimited components matched separately (the
    sixth takes the rest of the ARN), case-sensitively, each with its own wildcards."""
    pattern_parts = pattern.split(":", 5)
    arn_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(wildcard_match(p, a) for p, a in zip(pattern_parts, arn_parts, strict=True))
