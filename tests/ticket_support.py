"""Builders for ticket tests: a stocked store with one sold booking whose codes are signed.

They go through the storage port only (hold, sell, put_booking), so they work before and
without the purchase service.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from builders import NOW, card_payment, city, movie, showing, theater
from cinema_cli.adapters.signing import Ed25519TicketCodes, KeyRing
from cinema_cli.domain.models import (
    Booking,
    ClaimKind,
    Money,
    Reservation,
    SeatCategory,
    SeatClaim,
    Ticket,
)
from cinema_cli.domain.ticket_codes import validity_window
from cinema_cli.services.ports.storage import Storage
from cinema_cli.services.ports.tickets import TicketClaims

SHOW_STARTS = NOW + timedelta(hours=6)
DOORS_OPEN = SHOW_STARTS - timedelta(minutes=30)
"""A moment inside every ticket's validity window."""


def keyring(folder: Path) -> KeyRing:
    """The key ring of the JSON store in ``folder``."""
    from cinema_cli.storage.json import JsonStorage

    return KeyRing(JsonStorage(folder), lambda: NOW)


def stocked_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A JSON data folder with the small catalog, named by ``CINEMA_DATA_DIR``, the clock
    (``CINEMA_NOW``) at NOW: what the CLI tests of tickets, payments and mail start from."""
    from cinema_cli.storage.json import JsonStorage

    folder = tmp_path / "data"
    storage = JsonStorage(folder)
    stock(storage)
    storage.close()
    monkeypatch.setenv("CINEMA_DATA_DIR", str(folder))
    monkeypatch.setenv("CINEMA_NOW", NOW.isoformat())
    return folder


def stock(storage: Storage) -> None:
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())
        tx.put_movies([movie()])
        tx.put_showings([showing("s1", starts_at=SHOW_STARTS)])


def sell(
    storage: Storage,
    codes: Ed25519TicketCodes,
    *,
    booking_id: str = "B-1",
    seats: tuple[str, ...] = ("A1", "A2"),
    showing_id: str = "s1",
) -> Booking:
    """Hold ``seats`` and sell them as one booking paid by a test card."""
    with storage.transaction() as tx:
        show = tx.showing(showing_id)
    assert show is not None
    opens, closes = validity_window(show.starts_at, show.ends_at)
    reservation = Reservation(
        id=f"R-{booking_id}",
        session_id="sess",
        showing_id=showing_id,
        movie_id=show.movie_id,
        seats=list(seats),
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
        total=Money(amount=Decimal("12.50") * len(seats), currency="EUR"),
    )
    tickets = [
        Ticket(
            id=f"T-{booking_id}-{seat}",
            booking_id=booking_id,
            showing_id=showing_id,
            seat_id=seat,
            category=SeatCategory.STANDARD,
            price=Money(amount=Decimal("12.50"), currency="EUR"),
            code=codes.issue(
                TicketClaims(f"T-{booking_id}-{seat}", showing_id, seat, opens, closes)
            ),
        )
        for seat in seats
    ]
    booking = Booking(
        id=booking_id,
        user_id="U-1",
        email="ada@example.org",
        name="Ada",
        showing_id=showing_id,
        movie_id=show.movie_id,
        reservation_id=reservation.id,
        seats=list(seats),
        total=reservation.total,
        payment=card_payment(reservation.total, f"P-{booking_id}", provider="test"),
        tickets=tickets,
        created_at=NOW,
    )
    with storage.transaction() as tx:
        tx.claim_seats(
            showing_id,
            [
                SeatClaim(
                    showing_id=showing_id,
                    seat_id=seat,
                    kind=ClaimKind.HOLD,
                    reservation_id=reservation.id,
                    session_id="sess",
                    expires_at=reservation.expires_at,
                )
                for seat in seats
            ],
            now=NOW,
        )
        tx.put_reservation(reservation)
        tx.sell_seats(reservation, tickets, now=NOW)
        tx.put_booking(booking)
    return booking
