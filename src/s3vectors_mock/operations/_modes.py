"""Index modes (2026): which the installed model offers, and what a bucket defaults to."""

from __future__ import annotations

from datetime import datetime

from dateutil.tz import tzutc

from .._service_model import operation_names

CLASSIC = "CLASSIC"
ENHANCED = "ENHANCED"
# Buckets created on or after this day get ENHANCED indexes, and only older buckets may use CLASSIC.
ENHANCED_LAUNCH = datetime(2026, 9, 30, tzinfo=tzutc())


def modes_supported() -> bool:
    return "UpdateIndexMode" in operation_names()


def default_mode_for_bucket_created(moment: datetime) -> str:
    return ENHANCED if moment >= ENHANCED_LAUNCH else CLASSIC
