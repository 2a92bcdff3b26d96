"""A unit of work over the JSON files (the storage port's ``Transaction``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import HoldExpired, SeatUnavailable
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    ClaimKind,
    IdempotencyRecord,
    Movie,
    Reservation,
    SeatClaim,
    Showing,
    Theater,
    Ticket,
    User,
)
from cinema_cli.storage.json.keys import JsonKeyWriter
from cinema_cli.storage.json.layout import Home, home_of, week_of
from cinema_cli.storage.json.ledger import JsonLedgerWriter
from cinema_cli.storage.json.mail import JsonMailWriter
from cinema_cli.storage.json.provider_books import JsonProviderBooksWriter
from cinema_cli.storage.json.reader import INDEX_SHARDS, JsonReader, shard, stored_instant
from cinema_cli.storage.json.session import Session, doc_ids, document
from cinema_cli.storage.records import to_record


class JsonTransaction(
    JsonReader, JsonLedgerWriter, JsonMailWriter, JsonProviderBooksWriter, JsonKeyWriter
):
    """A unit of work over the JSON files (the storage port's ``Transaction``)."""

    def __init__(self, root: Path, session: Session) -> None:
        self.root = root
        self._session = session
        self._shard_paths = {}
        self._homes = {}

    # helpers -------------------------------------------------------------------------------
    # Big tables (programmes, summaries, index shards, audit) are updated as plain dicts:
    # TinyDB's Table rebuilds the whole table on every write, which is O(n) per document.
    # The small per-showing tables (claims, reservations, bookings) go through TinyDB's API.
    def _put(self, path: Path, table: str, doc_id: str, data: dict[str, Any]) -> None:
        tables = self._session.read(path)
        if tables is None:
            tables = {}
        rows = tables.setdefault(table, {})
        if rows.get(doc_id) != data:  # unchanged documents do not rewrite their file
            rows[doc_id] = data
            self._session.write(path, tables)

    def _remove(self, path: Path, table: str, doc_ids: Iterable[str]) -> None:
        tables = self._session.read(path)
        rows = tables.get(table) if tables else None
        if not rows:
            return
        present = [d for d in doc_ids if d in rows]
        if present and tables is not None:
            for doc_id in present:
                del rows[doc_id]
            self._session.write(path, tables)

    def _set_index(self, name: str, key: str, value: Any) -> None:
        self._put(self._index(name, key), "_default", key, value)

    def _drop_index(self, name: str, key: str) -> None:
        self._remove(self._index(name, key), "_default", [key])

    def _require_showing(self, showing_id: str) -> tuple[Home, Path]:
        home = self._home(showing_id)
        if home is None:
            from cinema_cli.domain.errors import ShowingNotFound

            raise ShowingNotFound(f"no showing {showing_id!r}", showing_id=showing_id)
        return home, self._seats_file(home[0], showing_id)

    def _refresh_summary(self, home: Home, showing_id: str, seats_path: Path) -> None:
        """Recount one showing's sold seats and holds into its week's summary."""
        sold = 0
        holds: dict[str, list[Any]] = {}
        for claim in self._session.raw_table(seats_path, "claims").values():
            if claim["kind"] == ClaimKind.SOLD:
                sold += 1
            else:
                entry = holds.setdefault(claim["reservation_id"] or "", [claim["expires_at"], 0])
                entry[1] += 1
        summary = {"sold": sold, "holds": holds}
        path = self._summary(home)
        if sold or holds:
            self._put(path, "_default", showing_id, summary)
        else:
            self._remove(path, "_default", [showing_id])

    # catalog -------------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        self._put(self._catalog, "cities", city.id, to_record(city))

    def put_theater(self, theater: Theater) -> None:
        self._put(self._catalog, "theaters", theater.id, to_record(theater))

    def put_movies(self, movies: Iterable[Movie]) -> None:
        for movie in movies:
            self._put(self._catalog, "movies", movie.id, to_record(movie))

    def put_showings(self, showings: Iterable[Showing]) -> None:
        by_home: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for showing in showings:
            data = to_record(showing)
            by_home.setdefault((showing.theater_id, week_of(data["starts_at"])), {})[showing.id] = (
                data
            )
        touched: set[Home] = set()
        index_changes: dict[int, dict[str, list[str]]] = {}
        for home, incoming in by_home.items():
            path = self._week_file(*home)
            existing = self._session.raw_table(path, "showings")
            changed = {sid: data for sid, data in incoming.items() if existing.get(sid) != data}
            if changed:
                tables = self._session.read(path) or {}
                tables["showings"] = {**existing, **changed}
                self._session.write(path, tables)
                touched.add(home)
            for showing_id in incoming:
                self._homes.pop(showing_id, None)
                number = shard(showing_id, INDEX_SHARDS)
                index_changes.setdefault(number, {})[showing_id] = list(home)
        for entries in index_changes.values():
            index_path = self._index("showings", next(iter(entries)))
            current = self._session.raw_table(index_path, "_default")
            moved = {k: v for k, v in entries.items() if current.get(k) != v}
            if moved:
                for showing_id, home_entry in moved.items():
                    old = home_of(current.get(showing_id))
                    if old is not None:
                        new = (home_entry[0], home_entry[1])
                        self._move_showing(showing_id, old, new)
                        touched.add(old)
                tables = dict(self._session.read(index_path) or {})
                tables["_default"] = {**current, **moved}
                self._session.write(index_path, tables)
        for changed_home in touched:
            self._recount_week(changed_home)

    def _recount_week(self, home: Home) -> None:
        """Bring the theater's table of contents up to date with one week's showings."""
        theater_id, week = home
        if week is None:  # pragma: no cover - layout 1 is upgraded before any write
            return
        counts: dict[str, int] = {}
        for row in self._rows(home).values():
            counts[row["movie_id"]] = counts.get(row["movie_id"], 0) + 1
        weeks = dict(self._weeks(theater_id) or {})
        if weeks.get(week) == (counts or None):
            return
        if counts:
            weeks[week] = counts
        else:
            weeks.pop(week, None)
        self._session.write(self._programme(theater_id), {"periods": weeks})

    def _move_showing(self, showing_id: str, old: Home, new: Home) -> None:
        """A showing now at another theater or week: its entry, seat file and summary move."""
        old_theater, old_week = old
        new_theater = new[0]
        old_path = (
            self._programme(old_theater)
            if old_week is None
            else self._week_file(old_theater, old_week)
        )
        self._remove(old_path, "showings", [showing_id])
        new_seats = self._seats_file(new_theater, showing_id)
        if old_theater != new_theater:
            old_seats = self._seats_file(old_theater, showing_id)
            tables = self._session.read(old_seats)
            if tables:
                self._session.write(new_seats, tables)
                # left empty: a commit replaces files, never deletes
                self._session.write(old_seats, {})
        self._remove(self._summary(old), "_default", [showing_id])
        if self._session.read(new_seats):
            self._refresh_summary(new, showing_id, new_seats)

    # seats ---------------------------------------------------------------------------------
    def claim_seats(
        self,
        showing_id: str,
        claims: list[SeatClaim],
        *,
        now: datetime,
        replacing_reservation: str | None = None,
    ) -> None:
        home, path = self._require_showing(showing_id)
        stored = self._session.raw_table(path, "claims")
        wanted = {c.seat_id for c in claims}
        dropped = [
            seat_id
            for seat_id, claim in stored.items()
            if claim["kind"] == ClaimKind.HOLD
            and (
                (
                    replacing_reservation is not None
                    and claim["reservation_id"] == replacing_reservation
                )
                or (seat_id in wanted and stored_instant(claim["expires_at"]) <= now)
            )
        ]
        taken = sorted(wanted & (stored.keys() - set(dropped)))
        if taken:
            raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken)
        claims_table = self._session.table(path, "claims")
        if dropped:
            claims_table.remove(doc_ids=doc_ids(dropped))
        claims_table.insert_multiple(document(to_record(c), c.seat_id) for c in claims)
        self._refresh_summary(home, showing_id, path)

    def put_reservation(self, reservation: Reservation) -> None:
        _, path = self._require_showing(reservation.showing_id)
        table = self._session.table(path, "reservations")
        table.upsert(document(to_record(reservation), reservation.id))
        self._set_index("reservations", reservation.id, reservation.showing_id)

    def release_reservation(self, reservation: Reservation) -> None:
        home, path = self._require_showing(reservation.showing_id)
        holds = [
            seat_id
            for seat_id, claim in self._session.raw_table(path, "claims").items()
            if claim["kind"] == ClaimKind.HOLD and claim["reservation_id"] == reservation.id
        ]
        self._remove(path, "claims", holds)
        self._remove(path, "reservations", [reservation.id])
        self._drop_index("reservations", reservation.id)
        self._refresh_summary(home, reservation.showing_id, path)

    def sell_seats(self, reservation: Reservation, tickets: list[Ticket], *, now: datetime) -> None:
        home, path = self._require_showing(reservation.showing_id)
        stored = self._session.raw_table(path, "claims")
        for ticket in tickets:
            claim = stored.get(ticket.seat_id)
            if (
                claim is None
                or claim["kind"] != ClaimKind.HOLD
                or claim["reservation_id"] != reservation.id
                or stored_instant(claim["expires_at"]) <= now
            ):
                raise HoldExpired(
                    f"reservation {reservation.id} has expired; its seats are no longer held",
                    reservation_id=reservation.id,
                )
        sold = [
            SeatClaim(
                showing_id=reservation.showing_id,
                seat_id=t.seat_id,
                kind=ClaimKind.SOLD,
                booking_id=t.booking_id,
                ticket_id=t.id,
            )
            for t in tickets
        ]
        claims_table = self._session.table(path, "claims")
        claims_table.remove(doc_ids=doc_ids(t.seat_id for t in tickets))
        claims_table.insert_multiple(document(to_record(c), c.seat_id) for c in sold)
        self._remove(path, "reservations", [reservation.id])
        self._drop_index("reservations", reservation.id)
        self._refresh_summary(home, reservation.showing_id, path)

    def release_tickets(self, showing_id: str, ticket_ids: Iterable[str]) -> None:
        home, path = self._require_showing(showing_id)
        ids = set(ticket_ids)
        seats = [
            seat_id
            for seat_id, claim in self._session.raw_table(path, "claims").items()
            if claim["kind"] == ClaimKind.SOLD and claim["ticket_id"] in ids
        ]
        self._remove(path, "claims", seats)
        self._refresh_summary(home, showing_id, path)

    # bookings ------------------------------------------------------------------------------
    def put_user(self, user: User) -> None:
        key = user.email.lower()
        entry = self._lookup("users", key) or {"booking_ids": []}
        self._set_index(
            "users", key, {"user": to_record(user), "booking_ids": entry["booking_ids"]}
        )

    def put_booking(self, booking: Booking) -> None:
        _, path = self._require_showing(booking.showing_id)
        data = to_record(booking)
        if self._session.raw_table(path, "bookings").get(booking.id) != data:
            self._session.table(path, "bookings").upsert(document(data, booking.id))
        self._set_index("bookings", booking.id, booking.showing_id)
        for ticket in booking.tickets:
            self._set_index("tickets", ticket.id, booking.id)
        key = booking.email.lower()
        entry = self._lookup("users", key)
        if entry is None:
            entry = {"user": None, "booking_ids": []}
        if booking.id not in entry["booking_ids"]:
            self._set_index(
                "users", key, {**entry, "booking_ids": [*entry["booking_ids"], booking.id]}
            )

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        self._set_index("idempotency", record.key, to_record(record))

    def append_audit(self, entry: AuditEntry) -> None:
        self._put(self._audit_file(entry.subject), "_default", entry.id, to_record(entry))
