"""``export showtimes``: scheduled showings as a feed that ``import showtimes`` takes back,
or for the world outside: schema.org JSON-LD (:mod:`.showtimes_jsonld`) and an iCalendar
feed (:mod:`.showtimes_ics`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from cinema_cli.domain.errors import TheaterNotFound
from cinema_cli.domain.feeds import COLUMNS, PRICE_COLUMNS, zone_of
from cinema_cli.domain.models import City, Movie, SeatCategory, Showing, Theater
from cinema_cli.services.imports.formats import ExportFormat, FeedFormat
from cinema_cli.services.ports.storage import ShowingQuery, Storage

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cells starting with these are formulas to a spreadsheet (OWASP "CSV injection")."""


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _export_row(showing: Showing, theater: Theater, movie: Movie | None) -> dict[str, Any]:
    zone = zone_of(theater.timezone)
    prices = {str(k): v for k, v in showing.prices.items()}
    row: dict[str, Any] = {
        "showing_id": showing.id,
        "theater_id": showing.theater_id,
        "room_id": showing.room_id,
        "movie_id": showing.movie_id,
        "starts_at": as_datetime(showing.starts_at).astimezone(zone).isoformat(),
        "price": f"{prices[SeatCategory.STANDARD]:.2f}",
        "ends_at": as_datetime(showing.ends_at).astimezone(zone).isoformat(),
    }
    for column, category in PRICE_COLUMNS.items():
        row[column] = f"{prices[category]:.2f}" if category in prices else None
    row["currency"] = showing.currency
    row["format"] = showing.format
    row["language"] = showing.language or None
    row["movie_title"] = movie.title if movie else None
    row["runtime_minutes"] = movie.runtime_minutes if movie else None
    row["rating"] = (movie.rating or None) if movie else None
    row["genres"] = list(movie.genres) if movie else None
    return row


def as_datetime(value: object) -> datetime:
    """A stored instant as a ``datetime`` (an ISO 8601 string is parsed)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value


@dataclass(frozen=True, slots=True)
class ListedShowing:
    """A showing with what an export says about it."""

    showing: Showing
    theater: Theater
    movie: Movie | None
    city: City | None


def listed_showings(
    storage: Storage,
    *,
    theater_id: str | None = None,
    from_day: date | None = None,
    to_day: date | None = None,
    include_cancelled: bool = False,
) -> list[ListedShowing]:
    """The showings in range, in start order; ``from_day`` / ``to_day`` are inclusive days
    in each theater's own time zone."""
    theaters = {theater.id: theater for theater in storage.theaters()}
    if theater_id is not None and theater_id not in theaters:
        raise TheaterNotFound(f"--theater: no theater has id {theater_id!r}", theater_id=theater_id)
    movies = {movie.id: movie for movie in storage.movies()}
    cities = {city.id: city for city in storage.cities()}
    # Query a day wider than asked on each side (zones are at most 14 hours from UTC),
    # then keep the showings whose local day is in range.
    query = ShowingQuery(
        theater_ids=frozenset({theater_id}) if theater_id else None,
        starts_from=datetime.combine(from_day, datetime.min.time(), UTC) - timedelta(days=1)
        if from_day
        else None,
        starts_before=datetime.combine(to_day, datetime.min.time(), UTC) + timedelta(days=2)
        if to_day
        else None,
        include_cancelled=include_cancelled,
    )
    listed: list[ListedShowing] = []
    for showing in storage.showings(query):
        theater = theaters.get(showing.theater_id)
        if theater is None:
            continue
        day = as_datetime(showing.starts_at).astimezone(zone_of(theater.timezone)).date()
        if (from_day and day < from_day) or (to_day and day > to_day):
            continue
        listed.append(
            ListedShowing(
                showing, theater, movies.get(showing.movie_id), cities.get(theater.city_id)
            )
        )
    return listed


def export_showtimes(
    storage: Storage,
    out: IO[bytes],
    format: ExportFormat,
    *,
    theater_id: str | None = None,
    from_day: date | None = None,
    to_day: date | None = None,
    now: datetime | None = None,
    raw: bool = False,
) -> int:
    """Write scheduled showings as a feed that ``import showtimes`` takes back unchanged,
    or as schema.org JSON-LD (``jsonld``) or an iCalendar feed (``ics``); those two list
    cancelled showings too, marked cancelled. ``now`` (default: the system clock) is when
    seat availability is counted (JSON-LD) and the calendar's DTSTAMP.

    ``from_day`` / ``to_day`` are inclusive days in each theater's own time zone. In CSV, a
    text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
    carriage return first) gets a leading ``'``, unless ``raw``.
    Times are written in the theater's local time with their UTC offset, so the
    file is both readable and unambiguous. Returns the number of showings written.
    """
    listed = listed_showings(
        storage,
        theater_id=theater_id,
        from_day=from_day,
        to_day=to_day,
        include_cancelled=format in ("jsonld", "ics"),
    )
    moment = now or datetime.now(UTC)
    if format == "jsonld":
        from cinema_cli.services.imports.showtimes_jsonld import write_jsonld

        return write_jsonld(storage, listed, out, now=moment)
    if format == "ics":
        from cinema_cli.services.imports.showtimes_ics import write_ics

        return write_ics(listed, out, now=moment)
    writer = _FeedWriter(out, format, escape_formulas=not raw)
    count = 0
    for item in listed:
        writer.write(_export_row(item.showing, item.theater, item.movie))
        count += 1
    writer.close()
    return count


class _FeedWriter:
    """Writes rows as CSV, a ``{"showtimes": [...]}`` JSON document, or JSON Lines."""

    def __init__(self, out: IO[bytes], fmt: FeedFormat, *, escape_formulas: bool = True) -> None:
        import orjson

        self._dumps = orjson.dumps
        self.out = out
        self.fmt = fmt
        self.escape_formulas = escape_formulas
        self.first = True
        self.text: io.TextIOWrapper | None = None
        if fmt == "csv":
            self.text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
            self.csv = csv.writer(self.text, lineterminator="\n")
            self.csv.writerow(COLUMNS)
        elif fmt == "json":
            out.write(b'{"showtimes": [')

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "csv":
            cells = dict(row)
            cells["genres"] = ";".join(row["genres"]) if row["genres"] else None
            self.csv.writerow([self._cell(cells[name]) for name in COLUMNS])
            return
        document = {name: value for name, value in row.items() if value is not None}
        if self.fmt == "json":
            self.out.write(b"\n  " if self.first else b",\n  ")
            self.out.write(self._dumps(document))
        else:
            self.out.write(self._dumps(document) + b"\n")
        self.first = False

    def _cell(self, value: Any) -> Any:
        if value is None:
            return ""
        if self.escape_formulas and isinstance(value, str):
            return spreadsheet_safe(value)
        return value

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write(b"\n]}\n" if not self.first else b"]}\n")
        if self.text is not None:
            self.text.flush()
            self.text.detach()
        self.out.flush()
