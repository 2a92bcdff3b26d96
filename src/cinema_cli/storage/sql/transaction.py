"""A unit of work on the SQL backend: writes, and the seat claims the database guards.

``seat_claims`` has one row per (showing, seat), so the database itself refuses a
second claim on a seat; :meth:`SqlTransaction.claim_seats` and
:meth:`SqlTransaction.sell_seats` run in a savepoint so a refusal changes nothing,
and retry a deadlock a bounded number of times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from cinema_cli.domain.errors import CorruptData, HoldExpired, SeatUnavailable
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    IdempotencyRecord,
    Movie,
    Reservation,
    SeatClaim,
    Showing,
    Theater,
    Ticket,
    User,
)
from cinema_cli.storage.sql.codec import Codec, dumps
from cinema_cli.storage.sql.driver import Database, Params, Retryable, UniqueViolation, busy
from cinema_cli.storage.sql.keys import SqlKeyWriter
from cinema_cli.storage.sql.ledger import SqlLedgerWriter
from cinema_cli.storage.sql.mail import SqlMailWriter
from cinema_cli.storage.sql.provider_books import SqlProviderBooksWriter
from cinema_cli.storage.sql.reader import SqlReader
from cinema_cli.storage.sql.statements import (
    AUDIT_SQL,
    BATCH,
    BOOKING_SQL,
    CITY_SQL,
    CLAIM_SQL,
    IDEMPOTENCY_SQL,
    MOVIE_SQL,
    RESERVATION_SQL,
    ROOM_SQL,
    SHOWING_SQL,
    THEATER_SQL,
    TICKET_SQL,
    USER_SQL,
    chunks,
    in_list,
)

_RETRIES = 3
"""How often a deadlocked or serialization-failed step is tried again before giving up."""


class _Raced(Exception):
    """Another session claimed one of the seats between our check and our insert."""


def _retrying(step: Callable[[], None]) -> None:
    """Run a savepointed step, again after a deadlock (a bounded number of times, with
    a short random pause so that the two colliding sessions do not collide again)."""
    for attempt in range(1, _RETRIES + 1):
        try:
            step()
            return
        except Retryable as error:
            if attempt == _RETRIES:
                raise busy(error, _RETRIES) from None
            time.sleep(random.uniform(0.005, 0.02) * attempt)


class SqlTransaction(
    SqlReader, SqlLedgerWriter, SqlMailWriter, SqlProviderBooksWriter, SqlKeyWriter
):
    """A unit of work on the SQL backend (the storage port's ``Transaction``)."""

    _locking = True

    def __init__(self, db: Database, codec: Codec) -> None:
        self._db = db
        self._codec_ = codec

    def _database(self) -> Database:
        return self._db

    def _codec(self) -> Codec:
        return self._codec_

    # -- catalog ---------------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        self._db.run(CITY_SQL, Codec.city_params(city))

    def put_theater(self, theater: Theater) -> None:
        self._db.run(THEATER_SQL, Codec.theater_params(theater))
        self._db.run("DELETE FROM rooms WHERE theater_id = :id", {"id": theater.id})
        self._db.run_many(
            ROOM_SQL,
            [
                {"theater_id": theater.id, "id": room.id, "ordinal": i, "name": room.name,
                 "layout": dumps(list(room.layout))}
                for i, room in enumerate(theater.rooms)
            ],
        )  # fmt: skip

    def put_movies(self, movies: Iterable[Movie]) -> None:
        self._db.run_many(MOVIE_SQL, [Codec.movie_params(m) for m in movies])

    def put_showings(self, showings: Iterable[Showing]) -> None:
        batch: list[Params] = []
        for showing in showings:
            batch.append(self._codec_.showing_params(showing))
            if len(batch) >= BATCH:
                self._db.run_many(SHOWING_SQL, batch)
                batch = []
        self._db.run_many(SHOWING_SQL, batch)

    # -- seats -----------------------------------------------------------------------------------
    def _taken(self, showing_id: str, seats: Sequence[str]) -> list[str]:
        fragment, params = in_list("seat", seats)
        params["showing"] = showing_id
        found = self._db.rows(
            "SELECT seat_id FROM seat_claims "
            f"WHERE showing_id = :showing AND seat_id IN ({fragment})",
            params,
        )
        taken = {r[0] for r in found}
        return [seat for seat in seats if seat in taken]

    def claim_seats(
        self,
        showing_id: str,
        claims: list[SeatClaim],
        *,
        now: datetime,
        replacing_reservation: str | None = None,
    ) -> None:
        """Add hold claims; dead holds and the replaced reservation's holds make way first."""
        # Inserting in seat order means two sessions wanting overlapping seats wait for
        # each other in one order, instead of deadlocking.
        ordered = sorted(claims, key=lambda c: c.seat_id)
        seats = [c.seat_id for c in claims]
        codec = self._codec_

        def step() -> None:
            with self._db.savepoint():
                if replacing_reservation is not None:
                    self._db.run(
                        "DELETE FROM seat_claims WHERE showing_id = :showing "
                        "AND reservation_id = :reservation AND kind = 'hold'",
                        {"showing": showing_id, "reservation": replacing_reservation},
                    )
                for chunk in chunks(seats):
                    fragment, params = in_list("seat", chunk)
                    params["showing"] = showing_id
                    self._db.run(
                        "DELETE FROM seat_claims WHERE showing_id = :showing "
                        f"AND seat_id IN ({fragment}) AND kind = 'hold' "
                        f"AND (expires_at IS NULL OR expires_at <= {self._db.now(now, params)})",
                        params,
                    )
                taken = self._taken(showing_id, seats)
                if taken:
                    raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken)
                try:
                    self._db.run_many(
                        CLAIM_SQL, [codec.claim_params(showing_id, c) for c in ordered]
                    )
                except UniqueViolation:
                    raise _Raced() from None

        try:
            _retrying(step)
        except _Raced:
            # Another session committed a claim on one of these seats while we worked;
            # the savepoint is undone, so this sees the seats as others hold them now.
            taken = self._taken(showing_id, seats) or seats
            raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken) from None

    def release_reservation(self, reservation: Reservation) -> None:
        self._db.run("DELETE FROM reservations WHERE id = :id", {"id": reservation.id})
        self._db.run(
            "DELETE FROM seat_claims WHERE reservation_id = :id AND kind = 'hold'",
            {"id": reservation.id},
        )

    def sell_seats(self, reservation: Reservation, tickets: list[Ticket], *, now: datetime) -> None:
        """Turn live holds into sales; the guarded UPDATE decides, so a hold that died
        (or was taken over) a moment ago cannot be sold."""

        def step() -> None:
            with self._db.savepoint():
                sold = 0
                for ticket in sorted(tickets, key=lambda t: t.seat_id):
                    params: Params = {
                        "booking": ticket.booking_id, "ticket": ticket.id,
                        "showing": reservation.showing_id, "seat": ticket.seat_id,
                        "reservation": reservation.id,
                    }  # fmt: skip
                    sold += self._db.run(
                        "UPDATE seat_claims SET kind = 'sold', booking_id = :booking, "
                        "ticket_id = :ticket, reservation_id = NULL, session_id = NULL, "
                        "expires_at = NULL WHERE showing_id = :showing AND seat_id = :seat "
                        "AND reservation_id = :reservation AND kind = 'hold' "
                        f"AND expires_at > {self._db.now(now, params)}",
                        params,
                    )
                if sold != len(tickets):
                    raise HoldExpired(
                        f"reservation {reservation.id} has expired",
                        reservation_id=reservation.id,
                    )
                self._db.run("DELETE FROM reservations WHERE id = :id", {"id": reservation.id})

        _retrying(step)

    def release_tickets(self, showing_id: str, ticket_ids: Iterable[str]) -> None:
        ids = list(ticket_ids)
        for chunk in chunks(ids):
            fragment, params = in_list("t", chunk)
            params["showing"] = showing_id
            self._db.run(
                "DELETE FROM seat_claims "
                f"WHERE showing_id = :showing AND ticket_id IN ({fragment})",
                params,
            )

    def put_reservation(self, reservation: Reservation) -> None:
        self._db.run(RESERVATION_SQL, self._codec_.reservation_params(reservation))

    # -- bookings --------------------------------------------------------------------------------
    def put_user(self, user: User) -> None:
        # Users are found by e-mail: a new record for an address replaces the old one.
        self._db.run(
            "DELETE FROM users WHERE email_key = :key AND id <> :id",
            {"key": user.email.lower(), "id": user.id},
        )
        self._db.run(USER_SQL, self._codec_.user_params(user))

    def put_booking(self, booking: Booking) -> None:
        # Tickets are updated in place (not deleted and re-inserted) so that a gate
        # waiting on a ticket's row lock sees the new state when it gets the lock.
        self._db.run(BOOKING_SQL, self._codec_.booking_params(booking))
        self._db.run_many(
            TICKET_SQL, [self._codec_.ticket_params(t, i) for i, t in enumerate(booking.tickets)]
        )
        fragment, params = in_list("t", [t.id for t in booking.tickets] or [""])
        params["booking"] = booking.id
        self._db.run(
            f"DELETE FROM tickets WHERE booking_id = :booking AND id NOT IN ({fragment})", params
        )

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        self._db.run(IDEMPOTENCY_SQL, self._codec_.idempotency_params(record))

    def append_audit(self, entry: AuditEntry) -> None:
        self._db.run(AUDIT_SQL, self._codec_.audit_params(entry))

    # -- bulk (load) -----------------------------------------------------------------------------
    def load_rows(self, kind: str, items: list[Any]) -> None:
        """Insert validated models of one kind (from :meth:`SqlStorage.load`)."""
        codec = self._codec_
        one_by_one: dict[str, Callable[[Any], object]] = {
            "theater": self.put_theater,
            # Kept whole as JSON beside a few columns: one row at a time is plenty.
            "charge": self.put_charge,
            "mail": self.put_mail,
            "provider_charge": self.put_provider_charge,
            "signing_key": self.add_signing_key,
        }
        if kind in one_by_one:
            for item in items:
                one_by_one[kind](item)
            return
        match kind:
            case "city":
                self._db.run_many(CITY_SQL, [codec.city_params(i) for i in items])
            case "movie":
                self.put_movies(items)
            case "showing":
                self.put_showings(items)
            case "reservation":
                self._db.run_many(RESERVATION_SQL, [codec.reservation_params(i) for i in items])
            case "claim":
                self._db.run_many(CLAIM_SQL, [codec.claim_params(i.showing_id, i) for i in items])
            case "user":
                self._db.run_many(USER_SQL, [codec.user_params(i) for i in items])
            case "booking":
                self._db.run_many(BOOKING_SQL, [codec.booking_params(i) for i in items])
                self._db.run_many(
                    TICKET_SQL,
                    [codec.ticket_params(t, n) for b in items for n, t in enumerate(b.tickets)],
                )
            case "idempotency":
                self._db.run_many(IDEMPOTENCY_SQL, [codec.idempotency_params(i) for i in items])
            case "audit":
                self._db.run_many(AUDIT_SQL, [codec.audit_params(i) for i in items])
            case _:
                raise CorruptData(f"unknown record kind {kind!r}", kind=kind)
