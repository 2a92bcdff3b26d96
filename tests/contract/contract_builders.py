"""Small builders for the records the contract suite stores (valid models, UTC times)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

# The one clock of the tests, re-exported: the contract tests read it as `b.NOW`.
from builders import HOLD as HOLD
from builders import NOW as NOW
from builders import at as at
from builders import card_payment
from cinema_cli.domain.ledger import ChargeRecord, ChargeStatus, charge_id
from cinema_cli.domain.mail_queue import MailKind, MailRecord
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    ClaimKind,
    IdempotencyRecord,
    Money,
    Movie,
    Refund,
    Reservation,
    Room,
    SeatCategory,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    TicketStatus,
    User,
)
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.services.ports.payments import BookCharge, book_charge_id


def city(city_id: str = "springfield", name: str = "Springfield") -> City:
    return City(id=city_id, name=name, country="US")


def theater(
    theater_id: str = "rex", city_id: str = "springfield", name: str = "Rex", rooms: int = 2
) -> Theater:
    return Theater(
        id=theater_id,
        name=name,
        city_id=city_id,
        address="1 Main St",
        timezone="America/New_York",
        currency="USD",
        rooms=[
            Room(id=f"r{n}", name=f"Room {n}", layout=["A ssss.ss", "B ppppcw"])
            for n in range(1, rooms + 1)
        ],
        cleaning_minutes=20,
    )


def movie(movie_id: str = "dune", title: str = "Dune") -> Movie:
    return Movie(
        id=movie_id,
        title=title,
        runtime_minutes=155,
        rating="PG-13",
        genres=["sci-fi", "drama"],
        language="en",
        year=2021,
    )


def showing(
    showing_id: str = "sh1",
    *,
    theater_id: str = "rex",
    movie_id: str = "dune",
    starts: float = 2,
    status: ShowingStatus = ShowingStatus.SCHEDULED,
) -> Showing:
    return Showing(
        id=showing_id,
        theater_id=theater_id,
        room_id="r1",
        movie_id=movie_id,
        starts_at=at(starts),
        ends_at=at(starts + 3),
        prices={SeatCategory.STANDARD: Decimal("12.50"), SeatCategory.PREMIUM: Decimal("15.00")},
        currency="USD",
        format="IMAX",
        language="en",
        status=status,
    )


def hold(
    seat: str,
    reservation_id: str = "res1",
    *,
    showing_id: str = "sh1",
    expires: datetime | None = None,
    session: str = "sess1",
) -> SeatClaim:
    return SeatClaim(
        showing_id=showing_id,
        seat_id=seat,
        kind=ClaimKind.HOLD,
        reservation_id=reservation_id,
        session_id=session,
        expires_at=expires or NOW + HOLD,
    )


def reservation(
    reservation_id: str = "res1",
    seats: tuple[str, ...] = ("A1", "A2"),
    *,
    showing_id: str = "sh1",
    expires: datetime | None = None,
    session: str = "sess1",
) -> Reservation:
    return Reservation(
        id=reservation_id,
        session_id=session,
        showing_id=showing_id,
        movie_id="dune",
        seats=list(seats),
        created_at=NOW,
        expires_at=expires or NOW + HOLD,
        total=Money(amount=Decimal("12.50") * len(seats), currency="USD"),
    )


def ticket(
    ticket_id: str,
    seat: str,
    booking_id: str = "bk1",
    *,
    showing_id: str = "sh1",
    status: TicketStatus = TicketStatus.VALID,
) -> Ticket:
    return Ticket(
        id=ticket_id,
        booking_id=booking_id,
        showing_id=showing_id,
        seat_id=seat,
        category=SeatCategory.STANDARD,
        price=Money(amount=Decimal("12.50"), currency="USD"),
        code=f"code-{ticket_id}",
        status=status,
        checked_in_at=NOW if status is TicketStatus.USED else None,
        gate="north" if status is TicketStatus.USED else None,
        cancelled_at=NOW if status is TicketStatus.CANCELLED else None,
    )


def booking(
    booking_id: str = "bk1",
    seats: tuple[str, ...] = ("A1", "A2"),
    *,
    email: str = "ann@example.com",
    created: datetime = NOW,
    showing_id: str = "sh1",
    statuses: tuple[TicketStatus, ...] | None = None,
    refunded: bool = False,
) -> Booking:
    statuses = statuses or tuple(TicketStatus.VALID for _ in seats)
    tickets = [
        ticket(f"{booking_id}-t{n}", seat, booking_id, showing_id=showing_id, status=status)
        for n, (seat, status) in enumerate(zip(seats, statuses, strict=True))
    ]
    total = Money(amount=Decimal("12.50") * len(seats), currency="USD")
    refunds = (
        [
            Refund(
                id="rf1",
                reference="ref-1",
                amount=Money(amount=Decimal("12.50"), currency="USD"),
                ticket_ids=[tickets[0].id],
                created_at=NOW,
            )
        ]
        if refunded
        else []
    )
    return Booking(
        id=booking_id,
        user_id="u1",
        email=email,
        name="Ann Example",
        showing_id=showing_id,
        movie_id="dune",
        reservation_id="res1",
        seats=list(seats),
        total=total,
        payment=card_payment(
            total, f"pay-{booking_id}", refunded=Decimal("12.50") if refunded else Decimal(0)
        ),
        tickets=tickets,
        created_at=created,
        idempotency_key=f"key-{booking_id}",
        refunds=refunds,
    )


def user(user_id: str = "u1", email: str = "Ann@Example.com") -> User:
    return User(id=user_id, email=email, name="Ann Example", created_at=NOW)


def idempotency(key: str = "key-bk1", booking_id: str = "bk1") -> IdempotencyRecord:
    return IdempotencyRecord(key=key, fingerprint="f" * 16, booking_id=booking_id, created_at=NOW)


def audit(n: int, subject: str = "bk1") -> AuditEntry:
    return AuditEntry(
        id=f"a{n}",
        at=at(n / 60),
        actor="box-office",
        action="purchase",
        subject=subject,
        details={"n": n, "seats": ["A1"]},
    )


def charge(
    key: str,
    attempt: int = 1,
    *,
    status: ChargeStatus = ChargeStatus.PENDING,
    booking_id: str | None = None,
    minutes: int = 0,
    fingerprint: str = "fp",
) -> ChargeRecord:
    """A charge attempt of ``key`` made ``minutes`` after NOW."""
    made = NOW + timedelta(minutes=minutes)
    return ChargeRecord(
        id=charge_id(key, attempt),
        idempotency_key=key,
        attempt=attempt,
        fingerprint=fingerprint,
        reservation_id="res1",
        amount=Money(Decimal("25.00"), "USD"),
        status=status,
        created_at=made,
        updated_at=made,
        provider="test" if status is not ChargeStatus.PENDING else None,
        reference=f"ch_{key}_{attempt}" if status is not ChargeStatus.PENDING else None,
        booking_id=booking_id,
    )


def mail(mail_id: str, minutes: int = 0, **changes: Any) -> MailRecord:
    """A queued confirmation e-mail written ``minutes`` after NOW (non-ASCII bytes included)."""
    fields: dict[str, Any] = {
        "id": mail_id,
        "booking_id": mail_id.split(".")[0],
        "kind": MailKind.CONFIRMATION,
        "recipient": "ada@example.org",
        "subject": "Your tickets",
        "message": b"To: ada@example.org\r\nSubject: Your tickets\r\n\r\n\xc3\xa9t\xc3\xa9\r\n",
        "created_at": NOW + timedelta(minutes=minutes),
    }
    return MailRecord(**{**fields, **changes})


def provider_charge(key: str, round_: int = 1) -> BookCharge:
    """Round ``round_`` of ``key`` in the test payment provider's books, made at NOW."""
    return BookCharge(
        id=book_charge_id(key, round_),
        idempotency_key=key,
        round=round_,
        reference=f"ch_{key}_{round_}",
        fingerprint="fp",
        brand="visa",
        last4="4242",
        amount=Money(Decimal("25.00"), "USD"),
        description="2 seats",
        created_at=NOW,
    )


def signing_key(
    key_id: str, *, active: bool = True, minutes: int = 0, **fields: Any
) -> SigningKeyRecord:
    """A key of the ring (its key material is opaque to the store)."""
    fields.setdefault("private_key", f"sealed-{key_id}")
    return SigningKeyRecord(
        key_id=key_id,
        public_key=f"public-{key_id}",
        active=active,
        created_at=NOW + timedelta(minutes=minutes),
        **fields,
    )
