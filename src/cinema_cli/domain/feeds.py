"""Rules for programme feeds: showtime columns, row checks, local times, and the import plan.

Pure: no I/O. The service (:mod:`cinema_cli.services.imports`) reads the feed,
hands each record here as a mapping of column -> value, and writes what the
plan decides. Row checks are hand-written rather than pydantic because a
nightly feed has 100,000 rows and this is the hot path; every showing they
build holds to the boundary types of :mod:`cinema_cli.domain.schemas` (the
property tests check it with pydantic).

Times: ``starts_at`` / ``ends_at`` without a UTC offset are the theater's
local time. A local time the clocks skip (spring forward) or pass twice (fall
back) is refused for that row rather than guessed. ``ends_at`` defaults to
``starts_at + runtime``; the room stays busy until ``ends_at`` plus the
theater's ``cleaning_minutes``, and two showings in one room may not overlap
that span.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cinema_cli.domain.models import Movie, SeatCategory, Showing, ShowingStatus, Theater

REQUIRED_COLUMNS: tuple[str, ...] = (
    "showing_id",
    "theater_id",
    "room_id",
    "movie_id",
    "starts_at",
    "price",
)
PRICE_COLUMNS: dict[str, SeatCategory] = {
    "price_premium": SeatCategory.PREMIUM,
    "price_wheelchair": SeatCategory.WHEELCHAIR,
    "price_companion": SeatCategory.COMPANION,
}
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "ends_at",
    *PRICE_COLUMNS,
    "currency",
    "format",
    "language",
    "movie_title",
    "runtime_minutes",
    "rating",
    "genres",
)
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
"""Every known column, in the order ``export showtimes`` writes them."""

KNOWN_COLUMNS = frozenset(COLUMNS)

# Mirrors of the constraints in schemas.py (Id, Currency, Amount, field lengths); the
# property tests hold the two together.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ISO_SHAPE = re.compile(r"^\d{4}-?\d{2}-?\d{2}[T ]\d{2}(:?\d{2})?")
_MAX_ID = 64
_AMOUNT_LIMIT = Decimal(1_000_000)  # schemas.Amount: le=1000000
_TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """One reason a record is invalid: where (line or record), which field, why."""

    line: int | None
    field: str
    message: str
    record: str | None = None
    """For JSON documents (no line numbers): the record's place, like ``showtimes[16]``."""

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        return self.record or "feed"

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.message}"
            if self.field
            else f"{self.where}: {self.message}"
        )

    def as_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {"line": self.line, "field": self.field, "message": self.message}
        if self.record is not None:
            view["record"] = self.record
        return view


class RowInvalid(ValueError):
    """A feed record failed its checks; ``problems`` lists every failing field."""

    def __init__(self, problems: list[FeedProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(slots=True)
class ShowtimeRow:
    """One showtime record after the checks that need no catalog (types, formats, ranges)."""

    line: int | None
    record: str | None
    showing_id: str
    theater_id: str
    room_id: str
    movie_id: str
    starts_at: datetime
    """Naive when the feed gave no offset: local time of the theater."""
    starts_at_text: str
    price: Decimal
    ends_at: datetime | None = None
    ends_at_text: str = ""
    extra_prices: dict[SeatCategory, Decimal] = field(default_factory=dict)
    currency: str | None = None
    format: str | None = None
    language: str | None = None
    movie_title: str | None = None
    runtime_minutes: int | None = None
    rating: str | None = None
    genres: list[str] | None = None

    def problem(self, field_name: str, message: str) -> FeedProblem:
        return FeedProblem(self.line, field_name, message, self.record)


def quoted(value: object, limit: int = 60) -> str:
    """``"value"`` for messages, cut short so a garbage cell cannot flood the report."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'


# --- cell checks ---------------------------------------------------------------------------------
class _Bad(ValueError):
    """A cell failed its check; the message is the reason (the caller adds line and field)."""


def _text(value: object) -> str | None:
    """A cell as stripped text; ``None`` when absent or empty."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        raise _Bad(f"{quoted(value)} is not text")
    if isinstance(value, int | Decimal | float):
        return str(value)
    raise _Bad(f"{quoted(value)} is not text")


def _id(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if len(text) > _MAX_ID or _ID.fullmatch(text) is None:
        raise _Bad(
            f"{quoted(text)} is not an id "
            "(1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit)"
        )
    return text


def parse_local_datetime(value: object) -> tuple[datetime, str] | None:
    """An ISO 8601 date and time, naive (local) or with an offset; ``None`` when empty."""
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        if _ISO_SHAPE.match(text):
            raise _Bad(f"{quoted(text)} is not a valid date") from None
        raise _Bad(
            f"{quoted(text)} is not an ISO 8601 date and time (like 2026-11-24 19:00 "
            "or 2026-11-24T19:00:00+01:00)"
        ) from None
    if len(text) <= 10:
        raise _Bad(f"{quoted(text)} has no time of day (like 2026-11-24 19:00)")
    if parsed.tzinfo is not None and parsed.utcoffset() is None:  # pragma: no cover - fromisoformat
        raise _Bad(f"{quoted(text)} has an unusable offset")
    return parsed, text


def parse_amount(value: object) -> Decimal | None:
    """A price: a decimal >= 0 with at most 2 decimal places; ``None`` when empty."""
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text: 12.1 stays 12.1
    text = _text(value)
    if text is None:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Bad(f"{quoted(text)} is not a decimal amount (like 12.50)") from None
    if not amount.is_finite():
        raise _Bad(f"{quoted(text)} is not a decimal amount (like 12.50)")
    if amount < 0:
        raise _Bad(f"{quoted(text)} is negative")
    if amount > _AMOUNT_LIMIT:
        raise _Bad(f"{quoted(text)} is more than {_AMOUNT_LIMIT}")
    rounded = amount.quantize(_TWO_PLACES)
    if rounded != amount:
        raise _Bad(f"{quoted(text)} has more than 2 decimal places")
    return rounded


def _int(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        raise _Bad(f"{quoted(value)} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        exact = Decimal(repr(value)) if isinstance(value, float) else value
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise _Bad(f"{quoted(value)} is not a whole number")
        number = int(exact)
    else:
        text = _text(value)
        if text is None:
            return None
        if not text.isascii() or not text.isdigit():
            raise _Bad(f"{quoted(text)} is not a whole number")
        number = int(text)
    if not low <= number <= high:
        raise _Bad(f"{number} is not between {low} and {high}")
    return number


def _short(value: object, limit: int) -> str | None:
    text = _text(value)
    if text is not None and len(text) > limit:
        raise _Bad(f"{quoted(text)} is longer than {limit} characters")
    return text


def _currency(value: object) -> str | None:
    text = _text(value)
    if text is not None and _CURRENCY.fullmatch(text) is None:
        raise _Bad(f"{quoted(text)} is not an ISO 4217 currency code (like EUR)")
    return text


def _genres(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        parts = value
    elif isinstance(value, str):
        if not value.strip():
            return None
        parts = value.split(";")
    else:
        raise _Bad(f"{quoted(value)} is not a list of genres")
    genres = []
    for item in parts:
        if not isinstance(item, str):
            raise _Bad(f"{quoted(item)} is not a genre name")
        item = item.strip()
        if len(item) > 40:
            raise _Bad(f"genre {quoted(item)} is longer than 40 characters")
        if item:
            genres.append(item)
    return genres


def _checker(check: Callable[[object, int, int], Any], *limits: int) -> Callable[[object], Any]:
    return lambda value: check(value, *limits)


_REQUIRED = frozenset(REQUIRED_COLUMNS)
_CHECKS: tuple[tuple[str, Callable[[object], Any]], ...] = (
    ("showing_id", _id),
    ("theater_id", _id),
    ("room_id", _id),
    ("movie_id", _id),
    ("starts_at", parse_local_datetime),
    ("price", parse_amount),
    ("ends_at", parse_local_datetime),
    ("price_premium", parse_amount),
    ("price_wheelchair", parse_amount),
    ("price_companion", parse_amount),
    ("currency", _currency),
    ("format", lambda v: _short(v, 16)),
    ("language", lambda v: _short(v, 35)),
    ("movie_title", lambda v: _short(v, 300)),
    ("runtime_minutes", _checker(_int, 1, 1000)),
    ("rating", lambda v: _short(v, 16)),
    ("genres", _genres),
)
"""Every column's check, in report order (a table, not closures: this runs 100,000 times).

:meth:`RowChecker.check` unpacks the results in this order."""


_MISSING = object()


class RowChecker:
    """Checks showtime records one by one, remembering what each distinct cell gave.

    A nightly feed repeats the same theater, room, movie, price and start time cells
    thousands of times, and a cell's check depends on nothing but its text; so each
    distinct text is checked once per feed and its result reused (results are
    immutable values, except a genres list, which nothing mutates). Cells that are
    unique per row (``showing_id``) and values that are not text (JSON numbers,
    booleans, lists: ``True == 1`` must not share a result with ``1``) are always
    checked afresh. The memory is bounded by the feed's own distinct cells.
    """

    def __init__(self, *, strict: bool = False, columns: Iterable[str] | None = None) -> None:
        self.strict = strict
        present = KNOWN_COLUMNS if columns is None else frozenset(columns) | _REQUIRED
        # Only the columns a feed has are checked (a CSV row holds exactly its header's
        # columns; the others would be empty cells anyway); results keep their places.
        self._table: tuple[
            tuple[int, str, Callable[[object], Any], dict[str, Any] | None, bool], ...
        ] = tuple(
            (place, name, check, None if name == "showing_id" else {}, name in _REQUIRED)
            for place, (name, check) in enumerate(_CHECKS)
            if name in present
        )

    def check(
        self, values: Mapping[str, object], *, line: int | None = None, record: str | None = None
    ) -> ShowtimeRow:
        """Check one record; see :func:`check_row`."""
        problems: list[FeedProblem] = []
        found: list[Any] = [None] * len(_CHECKS)
        get = values.get
        for place, name, check, memo, required in self._table:
            value = get(name)
            if value is None or value == "":
                result = None  # the common empty cell: no call needed
            elif memo is not None and type(value) is str:
                result = memo.get(value, _MISSING)
                if result is _MISSING:
                    try:
                        result = check(value)
                    except _Bad as bad:
                        problems.append(FeedProblem(line, name, str(bad), record))
                        continue
                    memo[value] = result
            else:
                try:
                    result = check(value)
                except _Bad as bad:
                    problems.append(FeedProblem(line, name, str(bad), record))
                    continue
            if result is None and required:
                message = "is missing" if name not in values else "is empty"
                problems.append(FeedProblem(line, name, message, record))
            found[place] = result
        if self.strict:
            for name, value in values.items():
                if name not in KNOWN_COLUMNS and value not in (None, ""):
                    problems.append(
                        FeedProblem(line, name, "is not a known column (--strict)", record)
                    )
        if problems:
            raise RowInvalid(problems)
        (
            showing_id,
            theater_id,
            room_id,
            movie_id,
            starts,
            price,
            ends,
            premium,
            wheelchair,
            companion,
            currency,
            format_,
            language,
            movie_title,
            runtime_minutes,
            rating,
            genres,
        ) = found
        extra_prices: dict[SeatCategory, Decimal] = {}
        if premium is not None:
            extra_prices[SeatCategory.PREMIUM] = premium
        if wheelchair is not None:
            extra_prices[SeatCategory.WHEELCHAIR] = wheelchair
        if companion is not None:
            extra_prices[SeatCategory.COMPANION] = companion
        return ShowtimeRow(
            line,
            record,
            showing_id,
            theater_id,
            room_id,
            movie_id,
            starts[0],
            starts[1],
            price,
            ends[0] if ends else None,
            ends[1] if ends else "",
            extra_prices,
            currency,
            format_,
            language,
            movie_title,
            runtime_minutes,
            rating,
            genres,
        )


def check_row(
    values: Mapping[str, object],
    *,
    line: int | None = None,
    record: str | None = None,
    strict: bool = False,
) -> ShowtimeRow:
    """Check one showtime record (a CSV row or a JSON object) on its own.

    Raises :class:`RowInvalid` listing every bad field at once. Unknown columns
    with a value make the row invalid only when ``strict``; callers warn otherwise.
    A whole feed goes through one :class:`RowChecker` instead (same checks, faster).
    """
    return RowChecker(strict=strict).check(values, line=line, record=record)


# --- local time ----------------------------------------------------------------------------------
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


# --- from row to showing -------------------------------------------------------------------------
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


# --- comparing showings --------------------------------------------------------------------------
def _instant(value: datetime) -> datetime:
    return value.astimezone(UTC)


FEED_FIELDS = (
    "theater_id",
    "room_id",
    "movie_id",
    "starts_at",
    "ends_at",
    "currency",
    "prices",
    "format",
    "language",
    "status",
)
"""The fields of a showing a feed controls, in the order :func:`showing_fields` gives them."""


def showing_fields(showing: Showing) -> tuple[object, ...]:
    """The fields a feed controls, as a tuple that compares equal for equal showings.

    Aware datetimes compare as instants and ``Decimal("9.5") == Decimal("9.50")``,
    and a ``SeatCategory`` key equals its string, so no normalising is needed.
    """
    return (
        showing.theater_id,
        showing.room_id,
        showing.movie_id,
        showing.starts_at,
        showing.ends_at,
        showing.currency,
        showing.prices,
        showing.format,
        showing.language,
        showing.status,
    )


MOVING_FIELDS = ("theater_id", "room_id", "movie_id", "starts_at", "ends_at", "currency")
_MOVING = len(MOVING_FIELDS)  # the first fields of FEED_FIELDS
"""Changes refused for a showing with seats sold or held: the holders would lose their show
(or, for the currency, pay and be refunded in another money than their tickets say)."""


# --- the plan ------------------------------------------------------------------------------------
class Accepted(NamedTuple):
    """A feed row that resolved to a showing (a named tuple: one per row)."""

    line: int | None
    record: str | None
    showing: Showing


class Change(NamedTuple):
    """One showing the import creates, updates, leaves unchanged or cancels.

    A named tuple: an import of 100,000 rows makes 100,000 of them.
    """

    line: int | None
    record: str | None
    showing_id: str
    changed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {"line": self.line, "showing_id": self.showing_id}
        if self.record is not None:
            view["record"] = self.record
        if self.changed:
            view["changed"] = list(self.changed)
        return view


@dataclass(frozen=True, slots=True)
class Refusal:
    """A change left undone because tickets are sold for the showing."""

    line: int | None
    record: str | None
    showing_id: str
    reason: str
    sold: int

    def as_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "line": self.line,
            "showing_id": self.showing_id,
            "reason": self.reason,
            "tickets_sold": self.sold,
        }
        if self.record is not None:
            view["record"] = self.record
        return view

    def __str__(self) -> str:
        where = (
            f"line {self.line}: "
            if self.line is not None
            else (f"{self.record}: " if self.record else "")
        )
        return f"{where}{self.showing_id}: {self.reason}"


@dataclass
class ShowtimePlan:
    """What an import decides; the service writes ``to_put`` and ``new_movies``, nothing else."""

    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    cancelled: list[Change] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    kept: list[Refusal] = field(default_factory=list)
    """Showings --prune would cancel but left alone because tickets are sold."""
    invalid: list[FeedProblem] = field(default_factory=list)
    to_put: list[Showing] = field(default_factory=list)
    new_movies: list[Movie] = field(default_factory=list)
    sold: Mapping[str, int] = field(default_factory=dict)
    """The tickets-sold counts the plan depended on (checked again under the lock)."""

    @property
    def writes(self) -> bool:
        return bool(self.to_put or self.new_movies)


class _Slot(NamedTuple):
    """A showing's hold on a room: from its start until its end plus cleaning.

    A named tuple rather than a dataclass: an import builds one per showing in
    every room it touches (130,000 at scale M), and tuples are cheap to make.
    """

    start: datetime
    busy_until: datetime
    showing_id: str
    row: int | None
    """Position in the accepted rows, or None for a stored showing the feed leaves alone."""


_SLOT_ORDER = itemgetter(0, 1, 2)
"""Slots in time order (start, busy until, id); ``row`` never takes part."""


def plan_showtimes(
    accepted: list[Accepted],
    stored: Mapping[str, Showing],
    sold_counts: Callable[[Iterable[str]], Mapping[str, int]],
    catalog: Catalog,
    *,
    invalid: list[FeedProblem],
    feed_ids: set[str],
    prune: Theater | None = None,
) -> ShowtimePlan:
    """Decide what an import does: create, update, leave, cancel, refuse, or reject each showing.

    ``accepted`` are the rows that passed :func:`check_row` and :func:`resolve_row`;
    ``invalid`` the problems found so far (more are added: overlaps). ``feed_ids``
    holds every showing id the feed mentions, valid or not, so --prune never cancels a
    showing whose row was merely invalid. ``sold_counts`` is called once.
    """
    plan = ShowtimePlan(invalid=list(invalid))
    fields_of: dict[str, tuple[object, ...]] = {}
    stored_fields: dict[str, tuple[object, ...]] = {}
    same: set[str] = set()
    moving: set[str] = set()
    for item in accepted:
        old = stored.get(item.showing.id)
        if old is not None:  # a new showing has nothing to compare with
            new = fields_of[old.id] = showing_fields(item.showing)
            before = stored_fields[old.id] = showing_fields(old)
            if before == new:
                same.add(old.id)  # the common case of a nightly re-run
            elif before[:_MOVING] != new[:_MOVING]:
                moving.add(old.id)

    prune_candidates: list[Showing] = []
    if prune is not None:
        prune_candidates = _prune_candidates(prune, accepted, stored, feed_ids, catalog)
    asked = moving | {s.id for s in prune_candidates}
    sold = plan.sold = dict(sold_counts(asked)) if asked else {}

    # Rows that would move a showing with seats sold or held are refused; it stays put.
    live: list[Accepted | None] = list(accepted)
    for index, item in enumerate(accepted if moving else ()):
        showing_id = item.showing.id
        if showing_id in moving and sold.get(showing_id, 0) > 0:
            before, after = stored_fields[showing_id], fields_of[showing_id]
            what = [name for i, name in enumerate(MOVING_FIELDS) if before[i] != after[i]]
            plan.refused.append(
                Refusal(
                    item.line,
                    item.record,
                    showing_id,
                    f"{sold[showing_id]} seats sold or held; the feed changes {', '.join(what)}",
                    sold[showing_id],
                )
            )
            live[index] = None

    cancelling: dict[str, Showing] = {}
    for showing in prune_candidates:
        count = sold.get(showing.id, 0)
        if count > 0:
            plan.kept.append(
                Refusal(
                    None,
                    None,
                    showing.id,
                    f"not in the feed but {count} seats sold or held; left scheduled",
                    count,
                )
            )
        else:
            cancelling[showing.id] = showing

    _reject_overlaps(live, stored, cancelling, catalog, plan)

    for index, item in enumerate(accepted):
        if live[index] is None:
            continue
        showing_id = item.showing.id
        if showing_id in same:
            plan.unchanged.append(Change(item.line, item.record, showing_id))
            continue
        old_fields = stored_fields.get(showing_id)
        if old_fields is None:
            plan.created.append(Change(item.line, item.record, showing_id))
        else:
            changed = tuple(
                name
                for name, new, old in zip(
                    FEED_FIELDS, fields_of[showing_id], old_fields, strict=True
                )
                if new != old
            )
            plan.updated.append(Change(item.line, item.record, showing_id, changed))
        plan.to_put.append(item.showing)
    for showing in cancelling.values():
        plan.cancelled.append(Change(None, None, showing.id, ("status",)))
        plan.to_put.append(replace(showing, status=ShowingStatus.CANCELLED))
    used_movies = {item.showing.movie_id for item in live if item is not None}
    plan.new_movies = [
        movie for movie_id, movie in catalog.new_movies.items() if movie_id in used_movies
    ]
    return plan


def _prune_candidates(
    theater: Theater,
    accepted: list[Accepted],
    stored: Mapping[str, Showing],
    feed_ids: set[str],
    catalog: Catalog,
) -> list[Showing]:
    """Scheduled showings of ``theater`` on the feed's local days that the feed does not mention."""
    zone = catalog.zone(theater)
    days = [
        _instant(item.showing.starts_at).astimezone(zone).date()
        for item in accepted
        if item.showing.theater_id == theater.id
    ]
    if not days:
        catalog.warnings.append(
            f"--prune {theater.id}: the feed has no valid rows for this theater; nothing cancelled"
        )
        return []
    first, last = min(days), max(days)
    found = []
    for showing in stored.values():
        if (
            showing.theater_id == theater.id
            and str(showing.status) == ShowingStatus.SCHEDULED
            and showing.id not in feed_ids
            and first <= _instant(showing.starts_at).astimezone(zone).date() <= last
        ):
            found.append(showing)
    return sorted(found, key=lambda s: (_instant(s.starts_at), s.id))


def _reject_overlaps(
    live: list[Accepted | None],
    stored: Mapping[str, Showing],
    cancelling: Mapping[str, Showing],
    catalog: Catalog,
    plan: ShowtimePlan,
) -> None:
    """Mark feed rows invalid while any two showings in one room overlap (cleaning included).

    A rejected row leaves its stored showing (if any) where it was, which may clash
    with another row, so rooms are checked again until nothing changes.
    """
    fed_ids = {item.showing.id: index for index, item in enumerate(live) if item is not None}
    by_room: dict[tuple[str, str], list[_Slot]] = defaultdict(list)

    cleaning = {
        theater_id: timedelta(minutes=theater.cleaning_minutes)
        for theater_id, theater in catalog.theaters.items()
    }

    def slot(showing: Showing, index: int | None) -> _Slot:
        # Aware datetimes sort as instants whatever their zone: no conversion needed.
        return _Slot(
            showing.starts_at, showing.ends_at + cleaning[showing.theater_id], showing.id, index
        )

    rooms_to_check: set[tuple[str, str]] = set()
    for index, item in enumerate(live):
        if item is not None:
            key = (item.showing.theater_id, item.showing.room_id)
            by_room[key].append(slot(item.showing, index))
            rooms_to_check.add(key)
    for showing in stored.values():
        if (
            showing.id in fed_ids
            or showing.id in cancelling
            or showing.status != ShowingStatus.SCHEDULED
            or showing.theater_id not in catalog.theaters
        ):
            continue
        by_room[(showing.theater_id, showing.room_id)].append(slot(showing, None))

    while rooms_to_check:
        key = rooms_to_check.pop()
        slots = sorted(by_room[key], key=_SLOT_ORDER)
        holder: _Slot | None = None
        for current in slots:
            if holder is None or current.start >= holder.busy_until:
                holder = (
                    current if holder is None or current.busy_until > holder.busy_until else holder
                )
                continue
            if current.row is None and holder.row is None:
                # Two stored showings clashed before this import: not this feed's fault.
                holder = current if current.busy_until > holder.busy_until else holder
                continue
            loser, other = (current, holder) if current.row is not None else (holder, current)
            if (
                current.row is not None
                and holder.row is not None
                and _line_key(live[holder.row]) > _line_key(live[current.row])
            ):
                loser, other = holder, current
            _reject(loser, other, live, by_room, key, stored, rooms_to_check, catalog, plan, slot)
            rooms_to_check.add(key)
            break


def _line_key(item: Accepted | None) -> tuple[int, str]:
    assert item is not None
    return (item.line if item.line is not None else 0, item.record or "")


def _reject(
    loser: _Slot,
    other: _Slot,
    live: list[Accepted | None],
    by_room: dict[tuple[str, str], list[_Slot]],
    key: tuple[str, str],
    stored: Mapping[str, Showing],
    rooms_to_check: set[tuple[str, str]],
    catalog: Catalog,
    plan: ShowtimePlan,
    slot: Callable[[Showing, int | None], _Slot],
) -> None:
    assert loser.row is not None
    item = live[loser.row]
    assert item is not None
    theater = catalog.theaters[key[0]]
    zone = catalog.zone(theater)
    if other.row is not None:
        other_item = live[other.row]
        assert other_item is not None
        where = (
            f"line {other_item.line}" if other_item.line is not None else (other_item.record or "")
        )
        what = f"showing {other.showing_id} ({where})"
    else:
        what = f"showing {other.showing_id}"
    start = other.start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    busy = other.busy_until.astimezone(zone).strftime("%H:%M")
    plan.invalid.append(
        FeedProblem(
            item.line,
            "starts_at",
            f"overlaps {what} in room {key[1]} (from {start}, room busy until {busy} "
            f"with {theater.cleaning_minutes} min cleaning)",
            item.record,
        )
    )
    live[loser.row] = None
    by_room[key] = [s for s in by_room[key] if s is not loser]
    previous = stored.get(loser.showing_id)
    if (
        previous is not None
        and str(previous.status) == ShowingStatus.SCHEDULED
        and previous.theater_id in catalog.theaters
    ):
        back = (previous.theater_id, previous.room_id)
        by_room[back].append(slot(previous, None))
        rooms_to_check.add(back)
