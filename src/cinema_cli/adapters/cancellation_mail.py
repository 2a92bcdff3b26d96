"""The cancellation e-mail: an RFC 5322 message in the outbox, threaded under the confirmation.

It reuses the sender of the confirmation (``adapters.mail.SENDER``) and replies to its
``Message-ID`` so mail clients show both in one conversation. The file is
``outbox/<booking_id>.cancel-<refund id or n>.eml``; the same cancellation written twice
gets the same name, so nothing is sent twice.

When nothing of the booking remains, the message carries an ``.ics`` with
``METHOD:CANCEL`` and the UID of the confirmation's event, so calendars remove it; after a
partial cancellation it carries the event again (``METHOD:PUBLISH``, a higher ``SEQUENCE``)
with the seats that remain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from cinema_cli.adapters.delivery import Outbox
from cinema_cli.adapters.files import safe_name
from cinema_cli.adapters.mail import MAIL_POLICY, SENDER, booking_event_uid, vcalendar
from cinema_cli.domain.models import TicketStatus
from cinema_cli.domain.times import person_time
from cinema_cli.services.ports.mail import CancellationNotice


def cancellation_message(notice: CancellationNotice) -> EmailMessage:
    """Plain-text notice: which seats were cancelled, what was refunded, what remains."""
    booking = notice.booking
    title = notice.movie.title if notice.movie else notice.showing.movie_id
    seats = ", ".join(t.seat_id for t in notice.cancelled)
    remaining = [t.seat_id for t in booking.tickets if t.status is not TicketStatus.CANCELLED]
    when = person_time(
        notice.showing.starts_at, notice.theater.timezone if notice.theater else None
    )
    lines = [
        f"Hello {booking.name},",
        "",
        f"seats {seats} of your booking {booking.id} are cancelled; their tickets no longer "
        "open the door.",
        "",
        f"Movie:   {title}",
        f"Starts:  {when}",
    ]
    if notice.theater is not None:
        lines.append(f"Theater: {notice.theater.name}")
    if notice.refund is not None:
        lines.append(
            f"Refund:  {notice.refund.amount} to {booking.payment.brand} •••• "
            f"{booking.payment.last4} (reference {notice.refund.reference})"
        )
    lines.append(
        f"Still booked: {', '.join(remaining)}" if remaining else "Nothing remains booked."
    )
    lines += ["", "We hope to see you another time."]
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = f"Cancelled: {title}, seats {seats}"
    message["From"] = formataddr(SENDER)
    message["To"] = formataddr((booking.name, booking.email))
    stamp = notice.cancelled[0].cancelled_at if notice.cancelled else None
    message["Date"] = format_datetime((stamp or booking.created_at).astimezone(UTC))
    tag = notice.refund.id if notice.refund else "-".join(sorted(t.id for t in notice.cancelled))
    message["Message-ID"] = f"<cancel.{booking.id}.{tag}@cinema-cli.invalid>"
    message["In-Reply-To"] = f"<booking.{booking.id}@cinema-cli.invalid>"
    message["References"] = f"<booking.{booking.id}@cinema-cli.invalid>"
    message.set_content("\n".join(lines) + "\n")
    method = "PUBLISH" if remaining else "CANCEL"
    message.add_attachment(
        calendar_update(notice, remaining).encode(),
        maintype="text",
        subtype="calendar",
        filename=f"{booking.id}.ics",
        params={"method": method},
    )
    return message


def calendar_update(notice: CancellationNotice, remaining: list[str]) -> str:
    """The confirmation's event again: cancelled (``METHOD:CANCEL``) when no seat remains,
    else published anew with the seats left. ``SEQUENCE`` counts the cancelled tickets, so
    each cancellation outranks the one before."""
    booking = notice.booking
    cancelled = [t for t in booking.tickets if t.status is TicketStatus.CANCELLED]
    stamps = [t.cancelled_at for t in cancelled if t.cancelled_at is not None]
    title = notice.movie.title if notice.movie else notice.showing.movie_id
    location = (
        ", ".join(part for part in (notice.theater.name, notice.theater.address) if part)
        if notice.theater
        else ""
    )
    seats = ", ".join(remaining) if remaining else "none (cancelled)"
    return vcalendar(
        method="PUBLISH" if remaining else "CANCEL",
        uid=booking_event_uid(booking.id),
        stamp=max(stamps) if stamps else booking.created_at,
        starts_at=notice.showing.starts_at,
        ends_at=notice.showing.ends_at,
        summary=title,
        location=location,
        description=f"Seats: {seats}\nBooking: {booking.id}",
        status="CONFIRMED" if remaining else "CANCELLED",
        sequence=max(1, len(cancelled)),
    )


class CancellationMail:
    """Writes cancellation e-mails into the outbox, then hands them to ``send`` (SMTP)."""

    def __init__(self, outbox: Outbox, send: Callable[[Path], None]) -> None:
        self.outbox = outbox
        self.send = send

    def write_cancellation(self, notice: CancellationNotice) -> Path:
        tag = (
            notice.refund.id
            if notice.refund
            else f"{len([t for t in notice.booking.tickets if t.cancelled_at])}"
        )
        name = safe_name(f"{notice.booking.id}.cancel-{tag}") + ".eml"
        path = self.outbox.write(name, cancellation_message(notice).as_bytes())
        self.send(path)
        return path
