"""A small catalog and fakes shared by the booking tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

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
NOW = STARTS - timedelta(days=1)


def seed_catalog(tx: Any, *, status: ShowingStatus = ShowingStatus.SCHEDULED) -> None:
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


class MovableClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingPayments:
    """Wraps the test provider, counting calls, optionally running a hook after charging."""

    def __init__(self, inner: TestPaymentProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.charges = 0
        self.refunds = 0
        self.after_charge: Callable[[], None] | None = None

    def charge(self, card: Any, amount: Any, **kwargs: Any) -> Any:
        self.charges += 1
        result = self.inner.charge(card, amount, **kwargs)
        if self.after_charge is not None:
            self.after_charge()
        return result

    def refund(self, charge: Any, amount: Any, *, reason: str) -> str:
        self.refunds += 1
        return self.inner.refund(charge, amount, reason=reason)


def box_office(data_dir: Path) -> tuple[BoxOffice, CountingPayments]:
    payments = CountingPayments(TestPaymentProvider(data_dir / "payments"))
    office = BoxOffice(
        payments=payments,
        codes=RandomTicketCodes(),
        printer=FileTicketPrinter(data_dir / "tickets"),
        outbox=EmlOutbox(data_dir / "outbox"),
    )
    return office, payments
