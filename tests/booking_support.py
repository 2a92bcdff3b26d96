"""A small catalog in New York and the box office the booking tests buy from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cinema_cli.adapters.codes import RandomTicketCodes
from cinema_cli.adapters.eticket import FileTicketPrinter
from cinema_cli.adapters.mail import EmlOutbox
from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.domain.models import (
    City,
    Movie,
    Room,
    SeatCategory,
    Showing,
    ShowingStatus,
    Theater,
)
from cinema_cli.services.booking import BoxOffice
from cinema_cli.services.ports.payments import ProviderBooks
from cinema_cli.services.ports.storage import Transaction
from fakes import CountingPayments

APPROVED = "4242424242424242"
DECLINED = "4000000000000002"
NOT_LUHN = "4242424242424241"

LAYOUT = [
    "A ssss.ssssss.ssss",
    "B ssss.ssssss.ssss",
    "C ssss.ssssss.ssss",
    "D ssss.ssssss.ssss",
    "E pppp.pppppp.pppp",
    "F wc.sxssssss.ssss",
]
STARTS = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 19:00 on 30 Nov in New York
"""When ``sh-1`` starts: six and a half days after ``builders.NOW``."""


def seed_catalog(tx: Transaction, *, status: ShowingStatus = ShowingStatus.SCHEDULED) -> None:
    """One city, theater, room, movie and showing (``sh-1``) plus a cancelled one (``sh-x``)."""
    tx.put_city(City(id="nyc", name="New York", country="US"))
    tx.put_theater(
        Theater(
            id="downtown",
            name="Downtown Pictures",
            city_id="nyc",
            address="1 Main Street, New York",
            timezone="America/New_York",
            rooms=[Room(id="r1", name="Screen 1", layout=LAYOUT)],
        )
    )
    tx.put_movies([Movie(id="m-dune", title="Dune: Part Two", runtime_minutes=166)])
    prices = {SeatCategory.STANDARD: Decimal("12.50"), SeatCategory.PREMIUM: Decimal("18.00")}
    tx.put_showings(
        [
            Showing(
                id="sh-1",
                theater_id="downtown",
                room_id="r1",
                movie_id="m-dune",
                starts_at=STARTS,
                ends_at=STARTS + timedelta(minutes=180),
                prices=prices,
                currency="USD",
                status=status,
            ),
            Showing(
                id="sh-x",
                theater_id="downtown",
                room_id="r1",
                movie_id="m-dune",
                starts_at=STARTS + timedelta(days=1),
                ends_at=STARTS + timedelta(days=1, minutes=180),
                prices=prices,
                currency="USD",
                status=ShowingStatus.CANCELLED,
            ),
        ]
    )


def box_office(
    data_dir: Path, books: ProviderBooks
) -> tuple[BoxOffice, CountingPayments[TestPaymentProvider]]:
    """A box office whose test provider keeps its books in ``books`` (the test's store)."""
    payments = CountingPayments(TestPaymentProvider(books))
    office = BoxOffice(
        payments=payments,
        codes=RandomTicketCodes(),
        printer=FileTicketPrinter(data_dir / "tickets"),
        outbox=EmlOutbox(data_dir / "outbox"),
    )
    return office, payments
