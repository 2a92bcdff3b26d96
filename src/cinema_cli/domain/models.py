"""Domain entities: what a cinema is made of, in its own words.

Entities are frozen standard-library dataclasses: cheap to import and to build,
so that read-only commands (search, seat map) start fast and load trusted stored
data without validating it again. Everything that comes from outside (feeds,
command-line input) is validated at the boundary by the pydantic models in
:mod:`cinema_cli.domain.schemas`, which build these entities.

Times are aware datetimes in UTC; they are shown and searched in the theater's
local time (``Theater.timezone``, an IANA name). Money is ``Decimal`` with an
ISO 4217 currency, never float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from cinema_cli.domain.layout import Seat, count_sellable, parse_layout

SCHEMA_VERSION = 1
"""Version of the stored data layout, shared by every backend."""

MAX_SEATS_PER_RESERVATION = 10


@lru_cache(maxsize=256)
def _room_seats(layout: tuple[str, ...]) -> tuple[Seat, ...]:
    return tuple(parse_layout(list(layout)))


@lru_cache(maxsize=256)
def _room_sellable(layout: tuple[str, ...]) -> int:
    return count_sellable(list(layout))


class SeatCategory(StrEnum):
    """What kind of place a seat is; each may have its own price."""

    STANDARD = "standard"
    PREMIUM = "premium"
    WHEELCHAIR = "wheelchair"
    COMPANION = "companion"


_MINOR_UNITS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
         "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}  # fmt: skip
"""ISO 4217 currencies whose minor unit is not the usual hundredth."""


def utc_text(instant: datetime) -> str:
    """An instant as ISO 8601 in UTC with ``Z`` (``2026-11-24T19:00:00Z``), for JSON and logs."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_amount(amount: Decimal, currency: str) -> str:
    """An amount with its currency's decimals: ``12.50`` EUR, ``1800`` JPY, ``1.250`` KWD."""
    return f"{amount:.{_MINOR_UNITS.get(currency, 2)}f}"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency}"


@dataclass(frozen=True, slots=True)
class City:
    """A city has theaters."""

    id: str
    name: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class Room:
    """A theater room (auditorium). Its seats come from a compact layout.

    The layout is a list of rows, front (screen side) first, each written as
    ``"<row label> <cells>"``; see :mod:`cinema_cli.domain.layout`.
    """

    id: str
    name: str
    layout: list[str]

    @property
    def seats(self) -> tuple[Seat, ...]:
        """Every seat of the room, front row first, left to right."""
        return _room_seats(tuple(self.layout))

    @property
    def seats_by_id(self) -> dict[str, Seat]:
        return {seat.id: seat for seat in self.seats}

    @property
    def seats_total(self) -> int:
        """Seats that can be sold (blocked seats excluded)."""
        return _room_sellable(tuple(self.layout))


@dataclass(frozen=True, slots=True)
class Theater:
    """A theater in a city, with its rooms."""

    id: str
    name: str
    city_id: str
    timezone: str
    address: str = ""
    currency: str = "USD"
    rooms: list[Room] = field(default_factory=list)
    cleaning_minutes: int = 15
    """Gap kept free between two showings in one room."""
    business_day_cutoff: time = time(3, 0)
    """Local time the business day ends: a 00:30 showing belongs to the evening before."""

    def room(self, room_id: str) -> Room | None:
        return next((room for room in self.rooms if room.id == room_id), None)


@dataclass(frozen=True, slots=True)
class Movie:
    """A movie; it has showings."""

    id: str
    title: str
    runtime_minutes: int
    rating: str = ""
    genres: list[str] = field(default_factory=list)
    language: str = ""
    year: int | None = None


class ShowingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Showing:
    """A movie in a room at a start time: what people book seats for."""

    id: str
    theater_id: str
    room_id: str
    movie_id: str
    starts_at: datetime
    ends_at: datetime
    prices: dict[SeatCategory, Decimal]
    """Price per seat category; a category without a price is sold at the standard price."""
    currency: str
    format: str = "2D"
    language: str = ""
    status: ShowingStatus = ShowingStatus.SCHEDULED

    def price_of(self, category: SeatCategory | str) -> Money:
        amount = self.prices.get(SeatCategory(category), self.prices[SeatCategory.STANDARD])
        return Money(amount=amount, currency=self.currency)


class ClaimKind(StrEnum):
    HOLD = "hold"
    SOLD = "sold"


@dataclass(frozen=True, slots=True)
class SeatClaim:
    """One claim on one seat of one showing: a hold (until ``expires_at``) or a sale.

    At most one claim exists per (showing, seat); every backend enforces it.
    A hold whose ``expires_at`` is not after *now* is dead and may be replaced.
    """

    showing_id: str
    seat_id: str
    kind: ClaimKind
    reservation_id: str | None = None
    session_id: str | None = None
    expires_at: datetime | None = None
    booking_id: str | None = None
    ticket_id: str | None = None

    def is_live(self, now: datetime) -> bool:
        return self.kind is ClaimKind.SOLD or (
            self.expires_at is not None and self.expires_at > now
        )


@dataclass(frozen=True, slots=True)
class Reservation:
    """Seats held for one session until ``expires_at``: the hold a purchase turns into a sale."""

    id: str
    session_id: str
    showing_id: str
    movie_id: str
    seats: list[str]
    created_at: datetime
    expires_at: datetime
    total: Money

    def is_live(self, now: datetime) -> bool:
        return self.expires_at > now


@dataclass(frozen=True, slots=True)
class User:
    """A person who buys; found or created by e-mail. A user has many bookings."""

    id: str
    email: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Payment:
    """What was charged. Only the card brand and last four digits are ever kept."""

    provider: str
    reference: str
    brand: str
    last4: str
    amount: Money
    refunded: Money


class TicketStatus(StrEnum):
    VALID = "valid"
    USED = "used"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Ticket:
    """The right to one seat at one showing; its ``code`` goes into the QR."""

    id: str
    booking_id: str
    showing_id: str
    seat_id: str
    category: SeatCategory
    price: Money
    code: str
    status: TicketStatus = TicketStatus.VALID
    checked_in_at: datetime | None = None
    gate: str | None = None
    cancelled_at: datetime | None = None


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    PARTIALLY_CANCELLED = "partially_cancelled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Refund:
    """Money given back for cancelled tickets (or for a payment that came too late)."""

    id: str
    reference: str
    amount: Money
    ticket_ids: list[str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Booking:
    """A purchase: one user, one showing, one ticket per seat."""

    id: str
    user_id: str
    email: str
    name: str
    showing_id: str
    movie_id: str
    reservation_id: str
    seats: list[str]
    total: Money
    payment: Payment
    tickets: list[Ticket]
    created_at: datetime
    status: BookingStatus = BookingStatus.CONFIRMED
    idempotency_key: str | None = None
    refunds: list[Refund] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """Remembers the first request made with an idempotency key, and its result."""

    key: str
    fingerprint: str
    booking_id: str
    created_at: datetime


AuditAction = Literal[
    "hold", "release", "purchase", "payment_refunded", "cancel", "refund", "checkin", "import"
]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One state change, for ``cinema log``. Never holds card data."""

    id: str
    at: datetime
    actor: str
    action: AuditAction
    subject: str
    """The booking, reservation, showing or feed the change is about."""
    details: dict[str, Any] = field(default_factory=dict)
