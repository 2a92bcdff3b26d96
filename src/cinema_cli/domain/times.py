"""Times for people: every instant a person reads is in the theater's zone, named.

Stored times are aware UTC; JSON shows ISO 8601 with the local offset; people read
``Thu 03 Dec 2026 19:00 EST``. A zone without an abbreviation (São Paulo's ``-03``)
shows its offset as ``UTC-3``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

FIRST_DAY = date(1900, 1, 1)
"""The earliest day a command takes (``--date``, ``--from``): days are turned into instants
in every zone and a day or two either side, which the year 1 cannot give."""
LAST_DAY = date(9998, 12, 31)
"""The latest day a command takes, for the same reason at the other end of the calendar."""


def local_time(instant: datetime, timezone: str) -> datetime:
    """``instant`` in the IANA zone ``timezone`` (DST-correct)."""
    return instant.astimezone(ZoneInfo(timezone))


def zone_label(moment: datetime) -> str:
    """The zone's abbreviation (``EST``), or its offset (``UTC-3``, ``UTC+5:30``) when the
    zone has no letters of its own."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = moment.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def person_time(instant: datetime, timezone: str | None, *, year: bool = True) -> str:
    """``Thu 03 Dec 2026 19:00 EST`` in ``timezone`` (UTC when it is unknown), to the minute.

    ``year=False`` drops the year, for tables where every row is in the same season.
    """
    moment = local_time(instant, timezone) if timezone else instant.astimezone(UTC)
    pattern = "%a %d %b %Y %H:%M" if year else "%a %d %b %H:%M"
    return f"{moment.strftime(pattern)} {zone_label(moment)}"
