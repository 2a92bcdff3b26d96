"""The one test clock and a tiny catalog (no I/O): one city, theater, room, a few showings.

Every builder, fake clock and fixture starts from :data:`NOW`; a test that needs another
moment says how far from it (``at(hours=...)``, ``NOW + timedelta(...)``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cinema_cli.domain.models import (
    City,
    Money,
    Movie,
    Payment,
    Room,
    SeatCategory,
    Showing,
    Theater,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
"""The moment the tests run at: a Tuesday, 13:00 in Berlin, 07:00 in New York."""
DEMO_NOW = datetime(2026, 5, 11, 10, 0, tzinfo=UTC)
"""The day the demo's dataset (fixtures/) is checked on: its expected showings fall then."""
HOLD = timedelta(minutes=10)
"""How long a hold lasts unless a test says otherwise."""


def at(hours: float = 0) -> datetime:
    """An instant ``hours`` after :data:`NOW`."""
    return NOW + timedelta(hours=hours)


def utc_text(instant: datetime) -> str:
    """``instant`` as ``CINEMA_NOW`` and the JSON output write it: ``2026-11-24T12:00:00Z``."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def city(city_id: str = "berlin") -> City:
    return City(id=city_id, name=city_id.title(), country="DE")


def theater(theater_id: str = "babylon", city_id: str = "berlin") -> Theater:
    return Theater(
        id=theater_id,
        name=theater_id.title(),
        city_id=city_id,
        address="Rosa-Luxemburg-Str. 30",
        timezone="Europe/Berlin",
        currency="EUR",
        rooms=[
            Room(id="saal-1", name="Saal 1", layout=["A ssss.ssss", "B ssss.ssss", "C wc.pppp.x"])
        ],
    )


def movie(movie_id: str = "metropolis", title: str = "Metropolis") -> Movie:
    return Movie(id=movie_id, title=title, runtime_minutes=153, rating="PG", genres=["Sci-Fi"])


def showing(
    showing_id: str = "s1",
    *,
    theater_id: str = "babylon",
    movie_id: str = "metropolis",
    starts_at: datetime = NOW + timedelta(hours=6),
) -> Showing:
    return Showing(
        id=showing_id,
        theater_id=theater_id,
        room_id="saal-1",
        movie_id=movie_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=153),
        prices={SeatCategory.STANDARD: Decimal("12.50"), SeatCategory.PREMIUM: Decimal("16.00")},
        currency="EUR",
    )


def card_payment(
    amount: Money, reference: str, *, provider: str = "fake", refunded: Decimal = Decimal(0)
) -> Payment:
    """``amount`` paid by the approved test card (a visa ending 4242)."""
    return Payment(
        provider=provider,
        reference=reference,
        brand="visa",
        last4="4242",
        amount=amount,
        refunded=Money(amount=refunded, currency=amount.currency),
    )
