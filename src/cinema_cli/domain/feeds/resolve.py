"""From a checked row to the showing it describes, against the theaters and movies known."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cinema_cli.domain.feeds.columns import FeedProblem, RowInvalid, ShowtimeRow, quoted
from cinema_cli.domain.feeds.local_time import LocalTimeError, to_instant, zone_of
from cinema_cli.domain.models import Movie, SeatCategory, Showing, ShowingStatus, Theater


@dataclass
class Catalog:
    """The theaters and movies a feed refers to, plus movies the feed itself creates.

    It also remembers what a feed repeats (zones, room ids, instants), so resolving
    100,000 rows does each conversion once per distinct value.
    """

    theaters: dict[str, Theater]
    movies: dict[str, Movie]
    new_movies: dict[str, Movie] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _zones: dict[str, ZoneInfo] = field(default_factory=dict)
    _rooms: dict[str, frozenset[str]] = field(default_factory=dict)
    _utc: dict[datetime, datetime] = field(default_factory=dict)
    _local: dict[tuple[str, datetime], datetime] = field(default_factory=dict)
    _minutes: dict[int, timedelta] = field(default_factory=dict)

    def zone(self, theater: Theater) -> ZoneInfo:
        zone = self._zones.get(theater.id)
        if zone is None:
            zone = self._zones[theater.id] = zone_of(theater.timezone)
        return zone

    def movie(self, movie_id: str) -> Movie | None:
        return self.movies.get(movie_id) or self.new_movies.get(movie_id)

    def has_room(self, theater: Theater, room_id: str) -> bool:
        rooms = self._rooms.get(theater.id)
        if rooms is None:
            rooms = self._rooms[theater.id] = frozenset(room.id for room in theater.rooms)
        return room_id in rooms

    def instant(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """:func:`to_instant`, remembered (equal aware times are one instant whatever the zone)."""
        if moment.tzinfo is not None:
            found = self._utc.get(moment)
            if found is None:
                found = self._utc[moment] = moment.astimezone(UTC)
            return found
        key = (zone.key, moment)
        found = self._local.get(key)
        if found is None:
            found = self._local[key] = to_instant(moment, zone)  # may raise LocalTimeError
        return found

    def runtime(self, minutes: int) -> timedelta:
        span = self._minutes.get(minutes)
        if span is None:
            span = self._minutes[minutes] = timedelta(minutes=minutes)
        return span


def resolve_row(row: ShowtimeRow, catalog: Catalog) -> Showing:
    """Turn a checked row into the showing it describes, using the catalog.

    A row for a movie nobody knows creates it (``movie_title`` and
    ``runtime_minutes`` needed) in ``catalog.new_movies``. Raises :class:`RowInvalid`.
    """
    problems: list[FeedProblem] = []
    theater = catalog.theaters.get(row.theater_id)
    if theater is None:
        raise RowInvalid([row.problem("theater_id", f"unknown theater {quoted(row.theater_id)}")])
    if not catalog.has_room(theater, row.room_id):
        rooms = ", ".join(room.id for room in theater.rooms) or "none"
        problems.append(
            row.problem(
                "room_id",
                f"theater {row.theater_id} has no room {quoted(row.room_id)} (rooms: {rooms})",
            )
        )
    if row.currency is not None and row.currency != theater.currency:
        # Prices are never converted: a USD price in a EUR theater would sell at the wrong sum.
        problems.append(
            row.problem(
                "currency",
                f"{row.currency} is not the currency of theater {row.theater_id} "
                f"({theater.currency}); give prices in {theater.currency}",
            )
        )
    movie = catalog.movie(row.movie_id)
    if movie is None:
        missing = [
            name for name in ("movie_title", "runtime_minutes") if getattr(row, name) is None
        ]
        if missing:
            problems.append(
                row.problem(
                    "movie_id",
                    f"unknown movie {quoted(row.movie_id)}; "
                    f"give {' and '.join(missing)} to create it",
                )
            )
        else:
            movie = Movie(
                id=row.movie_id,
                title=row.movie_title or "",
                runtime_minutes=row.runtime_minutes or 1,
                rating=row.rating or "",
                genres=list(row.genres) if row.genres else [],  # the checker shares its lists
                language=row.language or "",
                year=None,
            )
    elif (row.movie_title is not None and row.movie_title != movie.title) or (
        row.runtime_minutes is not None and row.runtime_minutes != movie.runtime_minutes
    ):
        _warn_movie_differs(row, movie, catalog)
    zone = catalog.zone(theater)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    try:
        starts_at = catalog.instant(row.starts_at, zone)
    except LocalTimeError as error:
        problems.append(row.problem("starts_at", f"{quoted(row.starts_at_text)} {error}"))
    if row.ends_at is not None:
        try:
            ends_at = catalog.instant(row.ends_at, zone)
        except LocalTimeError as error:
            problems.append(row.problem("ends_at", f"{quoted(row.ends_at_text)} {error}"))
    elif starts_at is not None and movie is not None:
        ends_at = starts_at + catalog.runtime(row.runtime_minutes or movie.runtime_minutes)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(
            row.problem("ends_at", f"{quoted(row.ends_at_text)} is not after starts_at")
        )
    if problems:
        raise RowInvalid(problems)
    assert movie is not None and starts_at is not None and ends_at is not None
    if row.movie_id not in catalog.movies and row.movie_id not in catalog.new_movies:
        catalog.new_movies[row.movie_id] = movie
    prices = {SeatCategory.STANDARD: row.price, **row.extra_prices}
    # Positional: a frozen dataclass's keyword __init__ is measurably slower at 100,000 rows.
    return Showing(
        row.showing_id,
        row.theater_id,
        row.room_id,
        row.movie_id,
        starts_at,
        ends_at,
        prices,
        row.currency or theater.currency,
        row.format or "2D",
        row.language or "",
        ShowingStatus.SCHEDULED,
    )


def _warn_movie_differs(row: ShowtimeRow, movie: Movie, catalog: Catalog) -> None:
    # Feeds only create movies; changing a known movie is `import theaters`' job, so a
    # different title or runtime is reported (once per movie) and the stored movie kept.
    for name in ("movie_title", "runtime_minutes"):
        given = getattr(row, name)
        stored = getattr(movie, "title" if name == "movie_title" else name)
        if given is not None and given != stored:
            note = (
                f"movie {movie.id}: the feed's {name} {quoted(given)} differs from "
                f"the stored {quoted(stored)}, which is kept"
            )
            if note not in catalog.warnings:
                catalog.warnings.append(note)
