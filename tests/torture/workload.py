"""Workloads the torture tests run in separate processes, so that they can be killed.

Run as a script: ``python workload.py crash URL DATA_DIR START TOTAL`` or
``python workload.py soak URL DATA_DIR WORKER SECONDS``. Every operation that
committed is acknowledged on stdout (one flushed line, ``ack ...``) *after* its
transaction returned: an acknowledged operation is one a user was told succeeded,
so it must survive anything that happens afterwards.

The catalog helpers are imported by the tests too (``from workload import ...``).
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import HoldExpired, SeatUnavailable
from cinema_cli.domain.models import (
    Booking,
    BookingStatus,
    City,
    ClaimKind,
    Money,
    Movie,
    Payment,
    Reservation,
    Room,
    SeatCategory,
    SeatClaim,
    Showing,
    Theater,
    Ticket,
    TicketStatus,
    User,
)
from cinema_cli.services.ports.storage import Storage
from cinema_cli.storage import open_storage

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
"""The fixed "now" (``CINEMA_NOW``): holds made at NOW last past the end of any test."""
THEATER = "torture-hall"
ROOM = "big"
ROWS = [chr(ord("A") + i) for i in range(20)]
LAYOUT = [f"{row} ssssssssss.ssssssssss" for row in ROWS]
SEATS = [f"{row}{n}" for row in ROWS for n in range(1, 21)]
SHOWINGS = [f"show-{i}" for i in range(4)]
MOVIE = "torture-movie"
PRICE = Decimal("10.00")
IMPORT_BATCH = 50


def city() -> City:
    return City(id="torture-city", name="Torture City", country="DE")


def theater() -> Theater:
    return Theater(
        id=THEATER,
        name="Torture Hall",
        city_id="torture-city",
        timezone="Europe/Berlin",
        currency="EUR",
        rooms=[Room(id=ROOM, name="Big", layout=LAYOUT)],
    )


def movie() -> Movie:
    return Movie(id=MOVIE, title="The Torture Test", runtime_minutes=90)


def showing(showing_id: str, slot: int) -> Showing:
    starts = NOW + timedelta(days=1, hours=3 * slot)
    return Showing(
        id=showing_id,
        theater_id=THEATER,
        room_id=ROOM,
        movie_id=MOVIE,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=105),
        prices={SeatCategory.STANDARD: PRICE},
        currency="EUR",
    )


def stock(url: str, data_dir: Path) -> Storage:
    """A store holding the torture catalog: one theater, one 400-seat room, four showings."""
    storage = open_storage(url, data_dir, lock_timeout=60)
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())
        tx.put_movies([movie()])
        tx.put_showings([showing(s, i) for i, s in enumerate(SHOWINGS)])
    return storage


def hold(tx: Any, reservation_id: str, showing_id: str, seats: list[str]) -> None:
    """Claim ``seats`` for a new reservation (raises SeatUnavailable when any is taken)."""
    expires = NOW + timedelta(days=30)
    session = f"session-{reservation_id}"
    tx.claim_seats(
        showing_id,
        [
            SeatClaim(
                showing_id=showing_id,
                seat_id=seat,
                kind=ClaimKind.HOLD,
                reservation_id=reservation_id,
                session_id=session,
                expires_at=expires,
            )
            for seat in seats
        ],
        now=NOW,
        replacing_reservation=reservation_id,
    )
    tx.put_reservation(
        Reservation(
            id=reservation_id,
            session_id=session,
            showing_id=showing_id,
            movie_id=MOVIE,
            seats=seats,
            created_at=NOW,
            expires_at=expires,
            total=Money(amount=PRICE * len(seats), currency="EUR"),
        )
    )


def booking_id_for(reservation_id: str) -> str:
    return f"bk-{reservation_id}"


def sell(tx: Any, reservation: Reservation) -> Booking:
    """Turn a live reservation into a booking, one ticket per seat."""
    booking_id = booking_id_for(reservation.id)
    email = f"{reservation.session_id}@example.com"
    tickets = [
        Ticket(
            id=f"tk-{reservation.id}-{seat}",
            booking_id=booking_id,
            showing_id=reservation.showing_id,
            seat_id=seat,
            category=SeatCategory.STANDARD,
            price=Money(amount=PRICE, currency="EUR"),
            code=f"code-{reservation.id}-{seat}",
        )
        for seat in reservation.seats
    ]
    tx.sell_seats(reservation, tickets, now=NOW)
    booking = Booking(
        id=booking_id,
        user_id=f"user-{reservation.session_id}",
        email=email,
        name="Torture Guest",
        showing_id=reservation.showing_id,
        movie_id=MOVIE,
        reservation_id=reservation.id,
        seats=list(reservation.seats),
        total=reservation.total,
        payment=Payment(
            provider="test",
            reference=f"pay-{booking_id}",
            brand="visa",
            last4="4242",
            amount=reservation.total,
            refunded=Money(amount=Decimal(0), currency="EUR"),
        ),
        tickets=tickets,
        created_at=NOW,
    )
    tx.put_user(User(id=booking.user_id, email=email, name="Torture Guest", created_at=NOW))
    tx.put_booking(booking)
    return booking


def cancel_ticket(tx: Any, booking: Booking, ticket_id: str) -> None:
    tickets = [
        replace(t, status=TicketStatus.CANCELLED, cancelled_at=NOW) if t.id == ticket_id else t
        for t in booking.tickets
    ]
    live = [t for t in tickets if t.status is not TicketStatus.CANCELLED]
    status = BookingStatus.PARTIALLY_CANCELLED if live else BookingStatus.CANCELLED
    tx.release_tickets(booking.showing_id, [ticket_id])
    tx.put_booking(replace(booking, tickets=tickets, status=status))


def check_in(tx: Any, booking: Booking, ticket_id: str) -> None:
    tickets = [
        replace(t, status=TicketStatus.USED, checked_in_at=NOW, gate="A")
        if t.id == ticket_id
        else t
        for t in booking.tickets
    ]
    tx.put_booking(replace(booking, tickets=tickets))


def import_batch(tx: Any, name: str, size: int = IMPORT_BATCH) -> None:
    tx.put_showings([showing(f"imp-{name}-{k}", 10 + k) for k in range(size)])


def ack(*words: object) -> None:
    sys.stdout.write("ack " + " ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


# --- crash: one writer, killed at random moments ---------------------------------------------
def crash_plan(n: int) -> tuple[str, str, list[str]]:
    """Operation ``n``: ("import", name, []) or ("hold"/"sell", showing, seats)."""
    if n % 10 == 9:
        return "import", f"op{n}", []
    showing_id = SHOWINGS[n % len(SHOWINGS)]
    base = 2 * (n // len(SHOWINGS))
    return ("sell" if n % 3 == 0 else "hold"), showing_id, SEATS[base : base + 2]


def crash_writer(url: str, data_dir: Path, start: int, total: int) -> None:
    storage = open_storage(url, data_dir, lock_timeout=60)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for n in range(start, total):
        kind, target, seats = crash_plan(n)
        reservation_id = f"op{n}"
        if kind == "import":
            with storage.transaction() as tx:
                import_batch(tx, target)
            ack("import", n)
            continue
        # Resuming after a kill: the operation may have committed without its ack.
        with storage.transaction() as tx:
            done = tx.booking(booking_id_for(reservation_id)) or tx.reservation(reservation_id)
            if done is None:
                hold(tx, reservation_id, target, seats)
        ack("hold", n)
        if kind == "sell":
            with storage.transaction() as tx:
                if tx.booking(booking_id_for(reservation_id)) is None:
                    reservation = tx.reservation(reservation_id)
                    assert reservation is not None, f"{reservation_id} vanished"
                    sell(tx, reservation)
            ack("sell", n)
    sys.stdout.write("done\n")
    sys.stdout.flush()


# --- soak: many processes at once ---------------------------------------------------------------
def soak_worker(url: str, data_dir: Path, worker: int, seconds: float) -> None:
    """Random reservations, purchases, cancellations, check-ins and imports until time is up,
    on two showings shared by every worker (so they collide)."""
    storage = open_storage(url, data_dir, lock_timeout=60)
    rng = random.Random(f"soak-{worker}")
    held: list[str] = []
    bookings: list[str] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        roll = rng.random()
        if roll < 0.45 or not (held or bookings):
            reservation_id = f"w{worker}-r{n}"
            showing_id = rng.choice(SHOWINGS[:2])
            seats = rng.sample(SEATS, rng.randint(1, 3))
            try:
                with storage.transaction() as tx:
                    hold(tx, reservation_id, showing_id, seats)
            except SeatUnavailable:
                ack("miss", reservation_id)
                continue
            held.append(reservation_id)
            ack("hold", reservation_id, showing_id, ",".join(seats))
        elif roll < 0.70 and held:
            reservation_id = held.pop(rng.randrange(len(held)))
            with storage.transaction() as tx:
                reservation = tx.reservation(reservation_id)
                assert reservation is not None, f"acknowledged hold {reservation_id} is gone"
                try:
                    booking = sell(tx, reservation)
                except HoldExpired:  # pragma: no cover - holds outlive the test
                    raise
            bookings.append(booking.id)
            ack("sell", reservation_id, booking.id)
        elif roll < 0.80 and bookings:
            booking_id = rng.choice(bookings)
            with storage.transaction() as tx:
                stored = tx.booking(booking_id)
                assert stored is not None, f"acknowledged booking {booking_id} is gone"
                valid = [t for t in stored.tickets if t.status is TicketStatus.VALID]
                if not valid:
                    continue
                ticket = rng.choice(valid)
                cancel_ticket(tx, stored, ticket.id)
            ack("cancel", booking_id, ticket.id)
        elif roll < 0.90 and bookings:
            booking_id = rng.choice(bookings)
            with storage.transaction() as tx:
                stored = tx.booking(booking_id)
                assert stored is not None, f"acknowledged booking {booking_id} is gone"
                valid = [t for t in stored.tickets if t.status is TicketStatus.VALID]
                if not valid:
                    continue
                ticket = rng.choice(valid)
                check_in(tx, stored, ticket.id)
            ack("checkin", booking_id, ticket.id)
        else:
            name = f"w{worker}-{n}"
            with storage.transaction() as tx:
                import_batch(tx, name, size=10)
            ack("import", name)
    sys.stdout.write("done\n")
    sys.stdout.flush()


if __name__ == "__main__":
    mode, url, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    if mode == "crash":
        crash_writer(url, folder, int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "soak":
        soak_worker(url, folder, int(sys.argv[4]), float(sys.argv[5]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
