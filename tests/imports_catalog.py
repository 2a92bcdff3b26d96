"""A small catalog for import tests (the demo fixtures are the browse helper's).

Theater ``berlin-1`` is in Europe/Berlin so DST rules bite: the clocks skip
2026-03-29 02:00-03:00 and pass 2026-10-25 02:00-03:00 twice. The tests run at
``builders.NOW`` (November 2026): feeds may still carry those past dates.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from builders import NOW as NOW  # the import tests read the clock here too
from builders import card_payment
from cinema_cli.domain.models import (
    Booking,
    City,
    ClaimKind,
    Money,
    Movie,
    Room,
    SeatCategory,
    SeatClaim,
    Showing,
    Theater,
    Ticket,
)
from cinema_cli.present.imports import import_report, rejection_details
from cinema_cli.services.imports import ImportRejected, ImportReport
from fakes import FakeStorage

CITY = City(id="berlin", name="Berlin", country="DE")
THEATER = Theater(
    id="berlin-1",
    name="Kino Eins",
    city_id="berlin",
    address="Hauptstr. 1",
    timezone="Europe/Berlin",
    currency="EUR",
    cleaning_minutes=15,
    rooms=[
        Room(id="r1", name="Saal 1", layout=["A ss.ss", "B sspss", "C wc.ss"]),
        Room(id="r2", name="Saal 2", layout=["A ssss", "B pppp"]),
    ],
)
MOVIE = Movie(id="m-dune", title="Dune", runtime_minutes=150, rating="PG-13", genres=["Sci-Fi"])
SHORT = Movie(id="m-short", title="Short", runtime_minutes=60)


def catalog_storage() -> FakeStorage:
    """A fake store holding the test catalog and no showings."""
    storage = FakeStorage()
    with storage.transaction() as tx:
        tx.put_city(CITY)
        tx.put_theater(THEATER)
        tx.put_movies([MOVIE, SHORT])
    return storage


def showing(
    showing_id: str, starts_at: str, *, room: str = "r1", movie: Movie = MOVIE, **changes: Any
) -> Showing:
    """A scheduled showing in ``berlin-1`` starting at a UTC-offset time."""
    from datetime import timedelta

    start = datetime.fromisoformat(starts_at)
    values: dict[str, Any] = {
        "id": showing_id,
        "theater_id": "berlin-1",
        "room_id": room,
        "movie_id": movie.id,
        "starts_at": start,
        "ends_at": start + timedelta(minutes=movie.runtime_minutes),
        "prices": {SeatCategory.STANDARD: Decimal("11.00")},
        "currency": "EUR",
    }
    values.update(changes)
    return Showing(**values)


def sell(storage: FakeStorage, showing_id: str, seats: list[str]) -> None:
    """Record a booking with sold tickets for ``seats`` (what `buy` leaves behind)."""
    price = Money(amount=Decimal("11.00"), currency="EUR")
    tickets = [
        Ticket(
            id=f"tk-{showing_id}-{seat}",
            booking_id=f"bk-{showing_id}",
            showing_id=showing_id,
            seat_id=seat,
            category=SeatCategory.STANDARD,
            price=price,
            code="x",
        )
        for seat in seats
    ]
    with storage.transaction() as tx:
        stored = tx.showing(showing_id)
        assert stored is not None
        tx.put_booking(
            Booking(
                id=f"bk-{showing_id}",
                user_id="u1",
                email="a@example.com",
                name="A",
                showing_id=showing_id,
                movie_id=stored.movie_id,
                reservation_id="res1",
                seats=seats,
                total=price,
                created_at=NOW,
                tickets=tickets,
                payment=card_payment(price, "p1"),
            )
        )
        tx._state.claims.update(  # the fake's own dict: a sale without the hold dance
            {
                (showing_id, seat): SeatClaim(
                    showing_id=showing_id,
                    seat_id=seat,
                    kind=ClaimKind.SOLD,
                    booking_id=f"bk-{showing_id}",
                    ticket_id=f"tk-{showing_id}-{seat}",
                )
                for seat in seats
            }
        )


def put(storage: FakeStorage, *showings: Showing) -> None:
    with storage.transaction() as tx:
        tx.put_showings(showings)


def shape(report: ImportReport) -> dict[str, Any]:
    """The report as ``--json`` prints it, read as a script reads it (any kind of row)."""
    return json.loads(json.dumps(import_report(report)))  # type: ignore[no-any-return]


def details(error: Exception) -> dict[str, Any]:
    """An import error's details as the front doors show them (the report, then the hint)."""
    assert isinstance(error, ImportRejected)
    return rejection_details(error.report, error.details)
