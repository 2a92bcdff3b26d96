"""Search in pages: ``limit`` showings at a time with an opaque cursor to the next page.

The cursor is an offset into the search's order (start time, then showing id, the order
every backend returns), so a page is stable as long as the programme does not change; a
changed programme shifts pages, which is acceptable for browsing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.services.catalog import DaySpec, MovieShowings, SearchResult, search
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader

MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a search, and the cursor of the next one (``None`` on the last page)."""

    result: SearchResult
    next_cursor: str | None


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor stands for; ``InvalidInput`` naming ``cursor`` when it is not ours."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidInput("cursor: not a cursor from an earlier page", field="cursor")
    return offset


def search_page(
    storage: Reader,
    clock: Clock,
    *,
    keyword: str | None = None,
    city: str | None = None,
    date: DaySpec = None,
    after: dt.time | None = None,
    before: dt.time | None = None,
    theater_id: str | None = None,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
) -> SearchPage:
    """The showings ``[offset, offset + limit)`` of :func:`~cinema_cli.services.catalog.search`."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit: must be between 1 and {MAX_PAGE}, got {limit}", field="limit")
    offset = decode_cursor(cursor)
    found = search(
        storage, clock, keyword, city, date, after, before, theater_id, limit=offset + limit
    )
    ordered = sorted(
        (info for entry in found.movies for info in entry.showings),
        key=lambda info: (info.showing.starts_at, info.showing.id),
    )
    kept = {info.showing.id for info in ordered[offset:]}
    movies = [
        MovieShowings(entry.movie, [info for info in entry.showings if info.showing.id in kept])
        for entry in found.movies
    ]
    page = SearchResult([entry for entry in movies if entry.showings], truncated=found.truncated)
    return SearchPage(page, encode_cursor(offset + limit) if found.truncated else None)
