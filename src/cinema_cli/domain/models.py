"""Domain models: what a cinema is made of, in its own words.

Pydantic models validate data at the boundaries (user input, feeds, writes).
Stored data is trusted: backends may rebuild models with ``model_construct``
or :func:`trusted` to keep read paths fast.

Times are timezone-aware and stored in UTC; they are shown and searched in the
theater's local time (``Theater.timezone``, an IANA name). Money is ``Decimal``
with an ISO 4217 currency, never float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cinema_cli.domain.layout import Seat, parse_layout

SCHEMA_VERSION = 1
"""Version of the stored data layout, shared by every backend."""


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must be timezone-aware")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_aware)]
"""An aware datetime, normalised to UTC (stored as ``...Z``)."""
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]


class Model(BaseModel):
    """Base of every domain model: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


M = TypeVar("M", bound=BaseModel)


def trusted(model: type[M], data: dict[str, Any]) -> M:
    """Rebuild a model from data this program stored itself, without validating again."""
    return model.model_construct(**data)


class SeatCategory(StrEnum):
    """What kind of place a seat is; each may have its own price."""

    STANDARD = "standard"
    PREMIUM = "premium"
    WHEELCHAIR = "wheelchair"
    COMPANION = "companion"


class Money(Model):
    """An amount in one currency."""

    amount: Amount
    currency: Currency

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


class City(Model):
    """A city has theaters."""

    id: Id
    name: str = Field(min_length=1, max_length=100)
    country: str = Field(default="", max_length=2)


class Room(Model):
    """A theater room (auditorium). Its seats come from a compact layout.

    The layout is a list of rows, front (screen side) first, each written as
    ``"<row label> <cells>"``; see :mod:`cinema_cli.domain.layout`.
    """

    id: Id
    name: str = Field(min_length=1, max_length=100)
    layout: list[str] = Field(min_length=1)

    @cached_property
    def seats(self) -> list[Seat]:
        """Every seat of the room, front row first, left to right."""
        return parse_layout(self.layout)

    @cached_property
    def seats_by_id(self) -> dict[str, Seat]:
        return {seat.id: seat for seat in self.seats}

    @property
    def seats_total(self) -> int:
        """Seats that can be sold (blocked seats excluded)."""
        return sum(1 for seat in self.seats if not seat.blocked)


class Theater(Model):
    """A theater in a city, with its rooms."""

    id: Id
    name: str = Field(min_length=1, max_length=200)
    city_id: Id
    address: str = Field(default="", max_length=300)
    timezone: str = Field(min_length=1)
    currency: Currency = "USD"
    rooms: list[Room] = Field(default_factory=list)
    cleaning_minutes: int = Field(default=15, ge=0, le=240)
    """Gap kept free between two showings in one room."""

    def room(self, room_id: str) -> Room | None:
        return next((room for room in self.rooms if room.id == room_id), None)


class Movie(Model):
    """A movie; it has showings."""

    id: Id
    title: str = Field(min_length=1, max_length=300)
    runtime_minutes: int = Field(ge=1, le=1000)
    rating: str = Field(default="", max_length=16)
    genres: list[str] = Field(default_factory=list)
    language: str = Field(default="", max_length=35)
    year: int | None = Field(default=None, ge=1870, le=2200)


class TheaterMovie(Model):
    """A movie's run at a theater (the seed's TheaterMovie), derived from its showings."""

    theater_id: Id
    movie_id: Id
    first_day: str
    last_day: str
    showings: int


class ShowingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Showing(Model):
    """A movie in a room at a start time (the seed's TheaterRoomShowing)."""

    id: Id
    theater_id: Id
    room_id: Id
    movie_id: Id
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    prices: dict[SeatCategory, Amount]
    """Price per seat category; a category without a price is sold at the standard price."""
    currency: Currency
    format: str = Field(default="2D", max_length=16)
    language: str = Field(default="", max_length=35)
    status: ShowingStatus = ShowingStatus.SCHEDULED

    def price_of(self, category: SeatCategory) -> Money:
        amount = self.prices.get(category, self.prices[SeatCategory.STANDARD])
        return Money(amount=amount, currency=self.currency)


class ClaimKind(StrEnum):
    HOLD = "hold"
    SOLD = "sold"


class SeatClaim(Model):
    """One claim on one seat of one showing: a hold (until ``expires_at``) or a sale.

    At most one claim exists per (showing, seat); every backend enforces it.
    A hold whose ``expires_at`` is not after *now* is dead and may be replaced.
    """

    showing_id: Id
    seat_id: str
    kind: ClaimKind
    reservation_id: str | None = None
    session_id: str | None = None
    expires_at: UtcDatetime | None = None
    booking_id: str | None = None
    ticket_id: str | None = None

    def is_live(self, now: datetime) -> bool:
        return self.kind is ClaimKind.SOLD or (
            self.expires_at is not None and self.expires_at > now
        )


class Reservation(Model):
    """Seats held for one session until ``expires_at`` (the seed's seatReservation)."""

    id: str
    session_id: str
    showing_id: Id
    movie_id: Id
    seats: list[str]
    created_at: UtcDatetime
    expires_at: UtcDatetime
    total: Money

    def is_live(self, now: datetime) -> bool:
        return self.expires_at > now


class User(Model):
    """A person who buys; found or created by e-mail. A user has many bookings."""

    id: str
    email: str
    name: str
    created_at: UtcDatetime


class Payment(Model):
    """What was charged. Only the card brand and last four digits are ever kept."""

    provider: str
    reference: str
    brand: str
    last4: str = Field(pattern=r"^[0-9]{4}$")
    amount: Money
    refunded: Money


class TicketStatus(StrEnum):
    VALID = "valid"
    USED = "used"
    CANCELLED = "cancelled"


class Ticket(Model):
    """The right to one seat at one showing; its ``code`` goes into the QR."""

    id: str
    booking_id: str
    showing_id: Id
    seat_id: str
    category: SeatCategory
    price: Money
    code: str
    status: TicketStatus = TicketStatus.VALID
    checked_in_at: UtcDatetime | None = None
    gate: str | None = None
    cancelled_at: UtcDatetime | None = None


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    PARTIALLY_CANCELLED = "partially_cancelled"
    CANCELLED = "cancelled"


class Refund(Model):
    """Money given back for cancelled tickets (or for a payment that came too late)."""

    id: str
    reference: str
    amount: Money
    ticket_ids: list[str]
    created_at: UtcDatetime


class Booking(Model):
    """A purchase: one user, one showing, one ticket per seat."""

    id: str
    user_id: str
    email: str
    name: str
    showing_id: Id
    movie_id: Id
    reservation_id: str
    seats: list[str]
    total: Money
    payment: Payment
    tickets: list[Ticket]
    status: BookingStatus = BookingStatus.CONFIRMED
    created_at: UtcDatetime
    idempotency_key: str | None = None
    refunds: list[Refund] = Field(default_factory=list)


class IdempotencyRecord(Model):
    """Remembers the first request made with an idempotency key, and its result."""

    key: str
    fingerprint: str
    booking_id: str
    created_at: UtcDatetime


AuditAction = Literal[
    "hold", "release", "purchase", "payment_refunded", "cancel", "refund", "checkin", "import"
]


class AuditEntry(Model):
    """One state change, for ``cinema log``. Never holds card data."""

    id: str
    at: UtcDatetime
    actor: str
    action: AuditAction
    subject: str
    """The booking, reservation, showing or feed the change is about."""
    details: dict[str, Any] = Field(default_factory=dict)
