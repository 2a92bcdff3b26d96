"""The :class:`~cinema_cli.services.ports.storage.Reader` queries in SQL, shared by the
storage (lock-free reads) and its units of work (reads that lock what they decide on)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from datetime import datetime

from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    IdempotencyRecord,
    Movie,
    Reservation,
    Room,
    SeatClaim,
    Showing,
    Theater,
    Ticket,
    User,
)
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.sql.codec import Codec
from cinema_cli.storage.sql.driver import Database, Params, Row
from cinema_cli.storage.sql.statements import (
    AUDIT_COLS,
    BOOKING_COLS,
    CLAIM_COLS,
    IDEMPOTENCY_COLS,
    MOVIE_COLS,
    RESERVATION_COLS,
    SHOWING_COLS,
    THEATER_COLS,
    TICKET_COLS,
    UNION_MAX,
    USER_COLS,
    chunks,
    in_list,
)


class SqlReader(ABC):
    """The :class:`~cinema_cli.services.ports.storage.Reader` queries, in SQL."""

    _locking = False
    """True inside a unit of work: reads that decide writes lock their rows (PostgreSQL)."""

    @abstractmethod
    def _database(self) -> Database:
        """The connection the queries run on."""

    @abstractmethod
    def _codec(self) -> Codec:
        """Rows to entities and back, for this dialect."""

    def _done(self) -> None:  # noqa: B027 - units of work have nothing to do after a read
        """Called after each read outside a unit of work."""

    def data_version(self) -> int | None:
        """SQLite's ``PRAGMA data_version``: it changes when another connection commits."""
        if self._database().dialect != "sqlite":
            return None
        return int(self._rows("PRAGMA data_version")[0][0])

    def change_token(self) -> Hashable | None:
        """SQLite: ``PRAGMA data_version`` (other connections' commits) with the rows this
        connection changed (its own). PostgreSQL: the current snapshot (``xmax`` and the
        transactions then in progress): two equal snapshots see the same committed data,
        and any commit changes it; it moves for every write transaction of the cluster."""
        token = self._database().change_token()
        self._done()
        return token

    def _rows(self, sql: str, params: Params | None = None) -> list[Row]:
        rows = self._database().rows(sql, params)
        self._done()
        return rows

    def _lock(self) -> str:
        return self._database().for_update if self._locking else ""

    # -- catalog ---------------------------------------------------------------------------------
    def cities(self) -> list[City]:
        return [
            Codec.city(r)
            for r in self._rows("SELECT id, name, country FROM cities ORDER BY name, id")
        ]

    def _rooms(self, where: str, params: Params) -> dict[str, list[Room]]:
        rooms: dict[str, list[Room]] = {}
        sql = (
            "SELECT r.theater_id, r.id, r.name, r.layout FROM rooms r "
            f"JOIN theaters t ON t.id = r.theater_id {where} ORDER BY r.theater_id, r.ordinal"
        )
        for r in self._rows(sql, params):
            rooms.setdefault(r[0], []).append(Codec.room(r[1:]))
        return rooms

    def theaters(self, city_id: str | None = None) -> list[Theater]:
        where, params = ("WHERE t.city_id = :city", {"city": city_id}) if city_id else ("", {})
        found = self._rows(
            f"SELECT {THEATER_COLS} FROM theaters t {where} ORDER BY city_id, name, id", params
        )
        rooms = self._rooms(where, params)
        return [Codec.theater(r, rooms.get(r[0], [])) for r in found]

    def theater(self, theater_id: str) -> Theater | None:
        found = self._rows(
            f"SELECT {THEATER_COLS} FROM theaters WHERE id = :id", {"id": theater_id}
        )
        if not found:
            return None
        rooms = self._rooms("WHERE t.id = :id", {"id": theater_id})
        return Codec.theater(found[0], rooms.get(theater_id, []))

    def movies(self) -> list[Movie]:
        return [
            Codec.movie(r)
            for r in self._rows(f"SELECT {MOVIE_COLS} FROM movies ORDER BY title, id")
        ]

    def movie(self, movie_id: str) -> Movie | None:
        found = self._rows(f"SELECT {MOVIE_COLS} FROM movies WHERE id = :id", {"id": movie_id})
        return Codec.movie(found[0]) if found else None

    def showings(self, query: ShowingQuery) -> list[Showing]:
        codec = self._codec()
        keys = [
            (column, sorted(ids), prefix)
            for column, ids, prefix in (
                ("movie_id", query.movie_ids, "m"),
                ("theater_id", query.theater_ids, "t"),
            )
            if ids is not None
        ]
        if any(not ids for _, ids, _ in keys):
            return []
        # Inside a unit of work (imports re-checking what they change) the showings are
        # locked: reserve and buy lock their showing first, so a sale and a re-time of the
        # same showing queue instead of both deciding on what they read.
        lock = self._lock()
        shortest = min(keys, key=lambda key: len(key[1]), default=None)
        split = None
        if shortest and 1 < len(shortest[1]) <= UNION_MAX and not lock:
            split = shortest if self._database().select_per_key else None
        conditions: list[str] = []
        params: Params = {}
        for column, ids, prefix in keys:
            if split is not None and column == split[0]:
                continue
            fragment, values = in_list(prefix, ids)
            conditions.append(f"{column} IN ({fragment})")
            params.update(values)
        if query.starts_from is not None:
            conditions.append("starts_at >= :starts_from")
            params["starts_from"] = codec.ts_in(query.starts_from)
        if query.starts_before is not None:
            conditions.append("starts_at < :starts_before")
            params["starts_before"] = codec.ts_in(query.starts_before)
        if not query.include_cancelled:
            conditions.append("status = 'scheduled'")
        if split is None:
            where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
            sql = f"SELECT {SHOWING_COLS} FROM showings {where} ORDER BY starts_at, id{lock}"
        else:
            # One SELECT per id of the shortest list, glued with UNION ALL: as one IN list,
            # PostgreSQL walks showings_start over the whole window and filters out all but
            # a few rows (at scale L two days' 20,000 rows for 57), since starts_at follows
            # the table's physical order and so looks cheap to read in order. An equality
            # per branch makes (theater_id or movie_id, starts_at) the only sensible index.
            column, ids, prefix = split
            branches = []
            for i, value in enumerate(ids):
                params[f"{prefix}{i}"] = value
                where = " AND ".join([f"{column} = :{prefix}{i}", *conditions])
                branches.append(f"SELECT {SHOWING_COLS} FROM showings WHERE {where}")
            sql = " UNION ALL ".join(branches) + " ORDER BY starts_at, id"
        return [codec.showing(r) for r in self._rows(sql, params)]

    def showing(self, showing_id: str) -> Showing | None:
        found = self._rows(
            f"SELECT {SHOWING_COLS} FROM showings WHERE id = :id{self._lock()}", {"id": showing_id}
        )
        return self._codec().showing(found[0]) if found else None

    def showings_by_ids(self, showing_ids: Iterable[str]) -> dict[str, Showing]:
        codec = self._codec()
        found: dict[str, Showing] = {}
        for chunk in chunks(list(dict.fromkeys(showing_ids))):
            fragment, params = in_list("s", chunk)
            sql = f"SELECT {SHOWING_COLS} FROM showings WHERE id IN ({fragment}){self._lock()}"
            for r in self._rows(sql, params):
                found[r[0]] = codec.showing(r)
        return found

    # -- seats -----------------------------------------------------------------------------------
    def claims(self, showing_id: str) -> list[SeatClaim]:
        codec = self._codec()
        sql = (
            f"SELECT {CLAIM_COLS} FROM seat_claims WHERE showing_id = :showing "
            f"ORDER BY seat_id{self._lock()}"
        )
        return [codec.claim(r) for r in self._rows(sql, {"showing": showing_id})]

    def seats_taken(self, showing_ids: Iterable[str], now: datetime) -> dict[str, int]:
        ids = list(dict.fromkeys(showing_ids))
        counts = dict.fromkeys(ids, 0)
        db = self._database()
        for chunk in chunks(ids):
            fragment, params = in_list("s", chunk)
            sql = (
                "SELECT showing_id, count(*) FROM seat_claims "
                f"WHERE showing_id IN ({fragment}) "
                f"AND (kind = 'sold' OR expires_at > {db.now(now, params)}) "
                "GROUP BY showing_id"
            )
            for showing_id, count in self._rows(sql, params):
                counts[showing_id] = int(count)
        return counts

    def sold_counts(self, showing_ids: Iterable[str]) -> dict[str, int]:
        ids = list(dict.fromkeys(showing_ids))
        counts = dict.fromkeys(ids, 0)
        for chunk in chunks(ids):
            fragment, params = in_list("s", chunk)
            sql = (
                "SELECT showing_id, count(*) FROM tickets "
                f"WHERE showing_id IN ({fragment}) AND status <> 'cancelled' GROUP BY showing_id"
            )
            for showing_id, count in self._rows(sql, params):
                counts[showing_id] = int(count)
        return counts

    # -- bookings --------------------------------------------------------------------------------
    def reservation(self, reservation_id: str) -> Reservation | None:
        found = self._rows(
            f"SELECT {RESERVATION_COLS} FROM reservations WHERE id = :id{self._lock()}",
            {"id": reservation_id},
        )
        return self._codec().reservation(found[0]) if found else None

    def _bookings(self, rows: list[Row]) -> list[Booking]:
        codec = self._codec()
        tickets: dict[str, list[Ticket]] = {}
        for chunk in chunks([r[0] for r in rows]):
            fragment, params = in_list("b", chunk)
            sql = (
                f"SELECT {TICKET_COLS} FROM tickets WHERE booking_id IN ({fragment}) "
                "ORDER BY booking_id, ordinal"
            )
            for t in self._rows(sql, params):
                tickets.setdefault(t[1], []).append(codec.ticket(t))
        return [codec.booking(r, tickets.get(r[0], [])) for r in rows]

    def booking(self, booking_id: str) -> Booking | None:
        found = self._rows(
            f"SELECT {BOOKING_COLS} FROM bookings WHERE id = :id{self._lock()}", {"id": booking_id}
        )
        return self._bookings(found)[0] if found else None

    def bookings_by_email(self, email: str) -> list[Booking]:
        found = self._rows(
            f"SELECT {BOOKING_COLS} FROM bookings WHERE email_key = :key "
            "ORDER BY created_at DESC, id DESC",
            {"key": email.lower()},
        )
        return self._bookings(found)

    def ticket(self, ticket_id: str) -> Ticket | None:
        # Inside a unit of work this locks the booking, then the ticket: two gates
        # checking in the same ticket queue, and the second sees it used. The booking
        # comes first, as in cancel and buy, so that two gates scanning two tickets of one
        # booking, or a gate and a cancel, queue on one row instead of deadlocking.
        if self._locking and self._database().for_update:
            self._rows(
                "SELECT id FROM bookings WHERE id = "
                f"(SELECT booking_id FROM tickets WHERE id = :id){self._lock()}",
                {"id": ticket_id},
            )
        found = self._rows(
            f"SELECT {TICKET_COLS} FROM tickets WHERE id = :id{self._lock()}", {"id": ticket_id}
        )
        return self._codec().ticket(found[0]) if found else None

    def user_by_email(self, email: str) -> User | None:
        found = self._rows(
            f"SELECT {USER_COLS} FROM users WHERE email_key = :key", {"key": email.lower()}
        )
        return self._codec().user(found[0]) if found else None

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        found = self._rows(
            f"SELECT {IDEMPOTENCY_COLS} FROM idempotency_keys "
            f"WHERE idempotency_key = :key{self._lock()}",
            {"key": key},
        )
        return self._codec().idempotency(found[0]) if found else None

    def audit(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        codec = self._codec()
        params: Params = {"subject": subject} if subject else {}
        where = "WHERE subject = :subject" if subject else ""
        if limit:
            params["limit"] = limit
            sql = f"SELECT {AUDIT_COLS} FROM audit_log {where} ORDER BY seq DESC LIMIT :limit"
            return [codec.audit(r) for r in reversed(self._rows(sql, params))]
        sql = f"SELECT {AUDIT_COLS} FROM audit_log {where} ORDER BY seq"
        return [codec.audit(r) for r in self._rows(sql, params)]
