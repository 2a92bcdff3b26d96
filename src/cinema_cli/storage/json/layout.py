"""Where a showing lives in the data folder: its theater and business week.

A theater's programme is split by week (UTC, Monday to Monday): a query about the next
days parses a week or two of each theater asked about, never the whole year nor the past.
``showings/<theater>.json`` is the theater's table of contents: for each week that holds
showings, how many showings of each movie it holds (searches skip weeks without the movie).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

LAYOUT_VERSION = 2
"""The data folder's layout: 1 kept a theater's whole programme in one file; 2 splits it by week."""

MARKER = "layout.json"
"""Present once the folder is in layout :data:`LAYOUT_VERSION` (written with the upgrade)."""

Home = tuple[str, str | None]
"""A showing's (theater, week); the week is ``None`` in a folder of layout 1."""


@lru_cache(maxsize=4096)
def _week_of_day(day: str) -> str:
    parsed = date.fromisoformat(day)
    return (parsed - timedelta(days=parsed.weekday())).isoformat()


def week_of(starts_at: str) -> str:
    """The week (its Monday, ``YYYY-MM-DD``) of a stored UTC start time."""
    return _week_of_day(starts_at[:10])


def week_overlaps(week: str, start: str | None, stop: str | None) -> bool:
    """Whether the week can hold a start time in ``[start, stop)`` (stored UTC texts)."""
    if stop is not None and f"{week}T00:00:00Z" >= stop:
        return False
    if start is None:
        return True
    end = (date.fromisoformat(week) + timedelta(days=7)).isoformat()
    return f"{end}T00:00:00Z" > start


def home_of(value: object) -> Home | None:
    """A showing index entry as a home: ``[theater, week]``, or a bare theater (layout 1)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value, None
    pair: list[str] = value  # type: ignore[assignment]  # the stored [theater, week]
    return pair[0], pair[1]
