"""Feed times without a UTC offset are the theater's wall-clock time; turning them into
instants refuses the times the clocks skip or pass twice rather than guessing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cinema_cli.domain.feeds.columns import quoted


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist, or exists twice, in a zone."""


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``ValueError`` when it is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{quoted(name)} is not an IANA time zone (like Europe/Berlin)") from None


def to_instant(moment: datetime, zone: ZoneInfo) -> datetime:
    """A feed time as an aware UTC instant; naive times are wall-clock times in ``zone``.

    Raises :class:`LocalTimeError` for a wall-clock time the clocks skip or pass twice.
    """
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    early = moment.replace(tzinfo=zone, fold=0)
    late = moment.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        back = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != moment:
            raise LocalTimeError(f"does not exist in {zone.key} (the clocks skip it)")
        raise LocalTimeError(f"happens twice in {zone.key} (the clocks go back); give a UTC offset")
    return early.astimezone(UTC)
