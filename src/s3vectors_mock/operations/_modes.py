"""Index modes (2026): what a bucket defaults to.

Today's service has index modes whatever SDK calls it: a client whose model predates them (botocore < 1.43.106)
cannot send or read a mode, but its buckets and indexes have one all the same (ENHANCED for buckets created now).
"""

from __future__ import annotations

from datetime import datetime

from dateutil.tz import tzutc

CLASSIC = "CLASSIC"
ENHANCED = "ENHANCED"
# Buckets created on or after this day get ENHANCED indexes, and only older buckets may use CLASSIC.
ENHANCED_LAUNCH = datetime(2026, 9, 30, tzinfo=tzutc())


def default_mode_for_bucket_created(moment: datetime) -> str:
    return ENHANCED if moment >= ENHANCED_LAUNCH else CLASSIC
