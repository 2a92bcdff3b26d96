"""The business day: cinemas list a 00:30 late show under the evening before.

Each theater's business day runs from its cut-off (default 03:00 local) to the same
cut-off the next day: with 03:00, a showing at Saturday 00:30 belongs to Friday's
programme. Everything here is in the theater's own wall-clock time, so DST days (23 or
25 hours long) need no special case: a wall-clock time belongs to one business day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

DEFAULT_CUTOFF = time(3, 0)


def business_day(local: datetime, cutoff: time = DEFAULT_CUTOFF) -> date:
    """The business day a local wall-clock moment belongs to."""
    if local.time().replace(tzinfo=None, fold=0) < cutoff:
        return local.date() - timedelta(days=1)
    return local.date()


def is_late_show(local: datetime, cutoff: time = DEFAULT_CUTOFF) -> bool:
    """Whether a showing starting at ``local`` belongs to the business day before its date."""
    return business_day(local, cutoff) != local.date()


def late_show_note(local: datetime, cutoff: time = DEFAULT_CUTOFF) -> str:
    """``"late show of Fri"`` for a showing after midnight; ``""`` otherwise."""
    if not is_late_show(local, cutoff):
        return ""
    return f"late show of {business_day(local, cutoff):%a}"
