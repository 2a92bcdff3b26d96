"""A cancellation e-mail takes the booking's event out of the buyer's calendar."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from decimal import Decimal

import icalendar

from builders import NOW, card_payment, movie, showing, theater
from cinema_cli.adapters.cancellation_mail import cancellation_message
from cinema_cli.adapters.mail import calendar_event
from cinema_cli.domain.models import (
    Booking,
    BookingStatus,
    Money,
    SeatCategory,
    Ticket,
    TicketStatus,
)
from cinema_cli.services.ports.mail import CancellationNotice
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketLine

PRICE = Money(amount=Decimal("12.50"), currency="EUR")


def booking(cancelled: int) -> Booking:
    tickets = [
        Ticket(
            id=f"t-{n}",
            booking_id="b-1",
            showing_id="s1",
            seat_id=f"A{n + 1}",
            category=SeatCategory.STANDARD,
            price=PRICE,
            code=f"code-{n}",
            status=TicketStatus.CANCELLED if n < cancelled else TicketStatus.VALID,
            cancelled_at=NOW + timedelta(minutes=5) if n < cancelled else None,
        )
        for n in range(2)
    ]
    return Booking(
        id="b-1",
        user_id="u-1",
        email="ada@example.com",
        name="Ada",
        showing_id="s1",
        movie_id="metropolis",
        reservation_id="r-1",
        seats=["A1", "A2"],
        total=Money(amount=Decimal("25.00"), currency="EUR"),
        payment=card_payment(Money(amount=Decimal("25.00"), currency="EUR"), "pay-1"),
        tickets=tickets,
        created_at=NOW,
        status=BookingStatus.CANCELLED if cancelled == 2 else BookingStatus.PARTIALLY_CANCELLED,
    )


def notice(cancelled: int) -> CancellationNotice:
    whole = booking(cancelled)
    return CancellationNotice(
        booking=whole,
        showing=showing(),
        theater=theater(),
        movie=movie(),
        cancelled=tuple(t for t in whole.tickets if t.status is TicketStatus.CANCELLED),
        refund=None,
    )


def confirmation_calendar() -> icalendar.Calendar:
    shown = showing()
    document = ETicketDocument(
        booking_id="b-1",
        name="Ada",
        email="ada@example.com",
        movie_title="Metropolis",
        theater_name="Babylon",
        theater_address="Rosa-Luxemburg-Str. 30",
        room_name="Saal 1",
        starts_at=shown.starts_at,
        ends_at=shown.ends_at,
        timezone="Europe/Berlin",
        total=PRICE,
        payment="visa •••• 4242",
        tickets=(ETicketLine("t-0", "A1", "standard", PRICE, "code-0"),),
        booked_at=NOW,
    )
    return icalendar.Calendar.from_ical(calendar_event(document))


def attached_calendar(cancelled: int) -> tuple[str, icalendar.Calendar]:
    raw = cancellation_message(notice(cancelled)).as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "b-1.ics"
    return str(part.get_param("method")), icalendar.Calendar.from_ical(part.get_content())


def test_cancelling_the_whole_booking_cancels_the_confirmations_event() -> None:
    method, calendar = attached_calendar(cancelled=2)
    (event,) = calendar.walk("VEVENT")
    (confirmed,) = confirmation_calendar().walk("VEVENT")
    assert method == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["UID"]) == str(confirmed["UID"]) == "booking-b-1@cinema-cli.invalid"
    assert event["STATUS"] == "CANCELLED"
    assert int(str(event["SEQUENCE"])) > int(str(confirmed.get("SEQUENCE", 0)))
    assert event.decoded("DTSTART") == showing().starts_at


def test_a_partial_cancellation_updates_the_event_with_the_seats_left() -> None:
    method, calendar = attached_calendar(cancelled=1)
    (event,) = calendar.walk("VEVENT")
    assert method == "PUBLISH"
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["UID"]) == "booking-b-1@cinema-cli.invalid"
    assert "Seats: A2" in str(event["DESCRIPTION"])
    assert int(str(event["SEQUENCE"])) == 1


def test_a_later_cancellation_outranks_an_earlier_one() -> None:
    first = attached_calendar(cancelled=1)[1].walk("VEVENT")[0]
    second = attached_calendar(cancelled=2)[1].walk("VEVENT")[0]
    assert int(str(second["SEQUENCE"])) > int(str(first["SEQUENCE"]))
