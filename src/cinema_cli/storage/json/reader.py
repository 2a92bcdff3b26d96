"""Where each record lives in the data folder, and the queries over it (reads and units of
work share them)."""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from cinema_cli.domain.errors import CorruptData
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    IdempotencyRecord,
    Movie,
    Reservation,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    User,
)
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.json.layout import Home, home_of, week_overlaps
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.records import RecordError, from_record

INDEX_SHARDS = 32
AUDIT_SHARDS = 32


def shard(key: str, shards: int) -> int:
    """The shard (``0 .. shards-1``) that holds ``key``, the same in every process."""
    return zlib.crc32(key.encode()) % shards


def stored_instant(text: str) -> datetime:
    """An instant as stored (ISO 8601 with an offset)."""
    return datetime.fromisoformat(text)


def _bound_text(instant: datetime) -> str:
    """A query bound in the stored form of start times (whole seconds, UTC).

    Rounding up keeps both ``>= from`` and ``< before`` exact for whole-second start
    times, which is what imports and the demo store.
    """
    utc = instant.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


_E = TypeVar("_E")


def load_entity(kind: type[_E], record: Any) -> _E:
    """A stored record as an entity; a record that does not fit means a damaged file."""
    try:
        return from_record(kind, record)
    except RecordError as error:
        raise CorruptData(f"damaged record in the data folder: {error}") from None


class JsonReader:
    """Queries over a session; shared by lock-free reads and transactions."""

    _session: Session
    root: Path
    _shard_paths: dict[str, list[Path]]
    _homes: dict[str, Home]
    """Homes of the showings this reader has already met (spares index look-ups)."""

    # paths ---------------------------------------------------------------------------------
    @property
    def _catalog(self) -> Path:
        return self.root / "catalog.json"

    def _programme(self, theater_id: str) -> Path:
        """The theater's table of contents (layout 1: its whole programme)."""
        return self.root / "showings" / f"{theater_id}.json"

    def _week_file(self, theater_id: str, week: str) -> Path:
        return self.root / "showings" / theater_id / f"{week}.json"

    def _seats_file(self, theater_id: str, showing_id: str) -> Path:
        return self.root / "seats" / theater_id / f"{showing_id}.json"

    def _summary(self, home: Home) -> Path:
        theater_id, week = home
        name = "summary.json" if week is None else f"summary-{week}.json"
        return self.root / "seats" / theater_id / name

    def _weeks(self, theater_id: str) -> dict[str, dict[str, int]] | None:
        """The theater's weeks and their movie counts; ``None`` for a layout-1 programme."""
        tables = self._session.read(self._programme(theater_id)) or {}
        if "showings" in tables:
            return None
        weeks: dict[str, dict[str, int]] = tables.get("periods", {})
        return weeks

    def _rows(self, home: Home) -> dict[str, Any]:
        """The stored showings of one theater's week (layout 1: of its whole programme)."""
        theater_id, week = home
        path = self._programme(theater_id) if week is None else self._week_file(theater_id, week)
        return self._session.raw_table(path, "showings")

    def _home(self, showing_id: str) -> Home | None:
        home = self._homes.get(showing_id)
        if home is None:
            home = home_of(self._lookup("showings", showing_id))
        return home

    def _index(self, name: str, key: str) -> Path:
        # Imports look up 100,000 keys: build each shard's Path once, not once per key.
        shards = self._shard_paths.get(name)
        if shards is None:
            folder = self.root / "index" / name
            shards = self._shard_paths[name] = [
                folder / f"{n:02d}.json" for n in range(INDEX_SHARDS)
            ]
        return shards[shard(key, INDEX_SHARDS)]

    def _audit_file(self, subject: str) -> Path:
        return self.root / "audit" / f"{shard(subject, AUDIT_SHARDS):02d}.json"

    def _lookup(self, name: str, key: str) -> Any:
        return self._session.raw_table(self._index(name, key), "_default").get(key)

    # catalog -------------------------------------------------------------------------------
    def cities(self) -> list[City]:
        rows = self._session.raw_table(self._catalog, "cities").values()
        return sorted((load_entity(City, r) for r in rows), key=lambda c: c.name)

    def theaters(self, city_id: str | None = None) -> list[Theater]:
        rows = self._session.raw_table(self._catalog, "theaters").values()
        found = [load_entity(Theater, r) for r in rows if city_id in (None, r["city_id"])]
        return sorted(found, key=lambda t: (t.city_id, t.name))

    def theater(self, theater_id: str) -> Theater | None:
        row = self._session.raw_table(self._catalog, "theaters").get(theater_id)
        return None if row is None else load_entity(Theater, row)

    def movies(self) -> list[Movie]:
        rows = self._session.raw_table(self._catalog, "movies").values()
        return sorted((load_entity(Movie, r) for r in rows), key=lambda m: m.title)

    def movie(self, movie_id: str) -> Movie | None:
        row = self._session.raw_table(self._catalog, "movies").get(movie_id)
        return None if row is None else load_entity(Movie, row)

    def _theater_ids(self) -> list[str]:
        return list(self._session.raw_table(self._catalog, "theaters"))

    def showings(self, query: ShowingQuery) -> list[Showing]:
        theater_ids = (
            sorted(query.theater_ids) if query.theater_ids is not None else self._theater_ids()
        )
        start = _bound_text(query.starts_from) if query.starts_from else None
        stop = _bound_text(query.starts_before) if query.starts_before else None
        movies = query.movie_ids
        # Filter the stored dicts first: validating 30,000 showings would cost far more.
        matches: list[dict[str, Any]] = []
        for home in self._homes_for(theater_ids, start, stop, movies):
            for row in self._rows(home).values():
                if (
                    (movies is None or row["movie_id"] in movies)
                    and (start is None or row["starts_at"] >= start)
                    and (stop is None or row["starts_at"] < stop)
                    and (query.include_cancelled or row["status"] == ShowingStatus.SCHEDULED)
                ):
                    matches.append(row)
                    self._homes[row["id"]] = home
        matches.sort(key=lambda r: (r["starts_at"], r["id"]))
        return [load_entity(Showing, r) for r in matches]

    def _homes_for(
        self,
        theater_ids: Iterable[str],
        start: str | None,
        stop: str | None,
        movies: frozenset[str] | None,
    ) -> Iterator[Home]:
        """The weeks that may hold matching showings: past weeks and weeks without the movie
        are never parsed."""
        for theater_id in theater_ids:
            weeks = self._weeks(theater_id)
            if weeks is None:
                yield theater_id, None
                continue
            for week in sorted(weeks):
                if week_overlaps(week, start, stop) and (
                    movies is None or not movies.isdisjoint(weeks[week])
                ):
                    yield theater_id, week

    def data_version(self) -> int | None:
        return None  # a change marker would cost a write on every commit; callers re-read

    def change_token(self) -> Hashable | None:
        # No store-wide marker: a commit renames only the files it changed, in several
        # folders, and a marker file written too would cost every commit one more write.
        return None

    def showing(self, showing_id: str) -> Showing | None:
        home = self._home(showing_id)
        if home is None:
            return None
        theater_id, week = home
        # The theater's table of contents is the authority on which weeks exist.
        if week is not None and week not in (self._weeks(theater_id) or {}):
            return None
        row = self._rows(home).get(showing_id)
        return None if row is None else load_entity(Showing, row)

    def showings_by_ids(self, showing_ids: Iterable[str]) -> dict[str, Showing]:
        # Imports ask for 100,000 ids, most of them new: keep each index shard and
        # programme at hand instead of going through _lookup (Path-keyed look-ups per id).
        found: dict[str, Showing] = {}
        shards: dict[int, dict[str, Any]] = {}
        programmes: dict[Home, dict[str, Any]] = {}
        for showing_id in showing_ids:
            number = shard(showing_id, INDEX_SHARDS)
            index = shards.get(number)
            if index is None:
                path = self._index("showings", showing_id)
                index = shards[number] = self._session.raw_table(path, "_default")
            home = home_of(index.get(showing_id))
            if home is None:
                continue
            programme = programmes.get(home)
            if programme is None:
                programme = programmes[home] = self._rows(home)
            row = programme.get(showing_id)
            if row is not None:
                found[showing_id] = load_entity(Showing, row)
        return found

    # seats ---------------------------------------------------------------------------------
    def _showing_file(self, showing_id: str) -> Path | None:
        home = self._home(showing_id)
        return None if home is None else self._seats_file(home[0], showing_id)

    def claims(self, showing_id: str) -> list[SeatClaim]:
        path = self._showing_file(showing_id)
        if path is None:
            return []
        return [load_entity(SeatClaim, r) for r in self._session.raw_table(path, "claims").values()]

    def _summaries(self, showing_ids: Iterable[str]) -> Iterator[tuple[str, dict[str, Any] | None]]:
        for showing_id in showing_ids:
            home = self._home(showing_id)
            if home is None:
                yield showing_id, None
            else:
                yield (
                    showing_id,
                    self._session.raw_table(self._summary(home), "_default").get(showing_id),
                )

    def seats_taken(self, showing_ids: Iterable[str], now: datetime) -> dict[str, int]:
        taken: dict[str, int] = {}
        for showing_id, summary in self._summaries(showing_ids):
            if summary is None:
                taken[showing_id] = 0
                continue
            live_holds = sum(
                n for expires, n in summary["holds"].values() if stored_instant(expires) > now
            )
            taken[showing_id] = summary["sold"] + live_holds
        return taken

    def sold_counts(self, showing_ids: Iterable[str]) -> dict[str, int]:
        return {sid: (s["sold"] if s else 0) for sid, s in self._summaries(showing_ids)}

    # bookings ------------------------------------------------------------------------------
    def reservation(self, reservation_id: str) -> Reservation | None:
        showing_id = self._lookup("reservations", reservation_id)
        path = self._showing_file(showing_id) if showing_id else None
        if path is None:
            return None
        row = self._session.raw_table(path, "reservations").get(reservation_id)
        return None if row is None else load_entity(Reservation, row)

    def booking(self, booking_id: str) -> Booking | None:
        showing_id = self._lookup("bookings", booking_id)
        path = self._showing_file(showing_id) if showing_id else None
        if path is None:
            return None
        row = self._session.raw_table(path, "bookings").get(booking_id)
        return None if row is None else load_entity(Booking, row)

    def bookings_by_email(self, email: str) -> list[Booking]:
        entry = self._lookup("users", email.lower())
        if entry is None:
            return []
        found = [b for b in (self.booking(bid) for bid in entry["booking_ids"]) if b is not None]
        return sorted(found, key=lambda b: (b.created_at, b.id), reverse=True)

    def ticket(self, ticket_id: str) -> Ticket | None:
        booking_id = self._lookup("tickets", ticket_id)
        booking = self.booking(booking_id) if booking_id else None
        if booking is None:
            return None
        return next((t for t in booking.tickets if t.id == ticket_id), None)

    def user_by_email(self, email: str) -> User | None:
        entry = self._lookup("users", email.lower())
        return None if entry is None else load_entity(User, entry["user"])

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        row = self._lookup("idempotency", key)
        return None if row is None else load_entity(IdempotencyRecord, row)

    def audit(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        if subject is not None:
            paths = [self._audit_file(subject)]
        else:
            folder = self.root / "audit"
            paths = sorted(folder.glob("[0-9][0-9].json")) if folder.is_dir() else []
        rows = [
            row
            for path in paths
            for row in self._session.raw_table(path, "_default").values()
            if subject in (None, row["subject"])
        ]
        rows.sort(key=lambda r: (r["at"], r["id"]))
        if limit:
            rows = rows[-limit:]
        return [load_entity(AuditEntry, r) for r in rows]
