"""The confirmation e-mail: built as an RFC 5322 message and left in the outbox folder.

Building and sending are separate: this module only writes
``<data dir>/outbox/<booking_id>.eml`` (owner-only); sending over SMTP
(``adapters.delivery``) reads the outbox, so a message that could not be sent stays
there for a retry. Everything here is the standard library: ``email.message`` for the
MIME structure and a small hand-written iCalendar (RFC 5545) event, with times in UTC
(``...Z``), which every calendar shows in its own zone correctly
without a VTIMEZONE block.
"""

from __future__ import annotations

import email.policy
import html
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr
from pathlib import Path

from cinema_cli.adapters.files import child, private_dir
from cinema_cli.domain.times import person_time
from cinema_cli.durable_files import write_output
from cinema_cli.services.ports.tickets import ETicketDocument, WalletPasses


class _MailPolicy(EmailPolicy):
    """The standard policy, except that a header is never folded right after its name.

    Python folds a header that is a little too long for the first line but fits on the
    next as ``Subject:`` and an indented line, which older parsers return with a leading
    space. Such a header stays on one line (at most a few characters over 78).
    """

    def fold(self, name: str, value: str) -> str:
        folded: str = super().fold(name, value)
        if _folded_at_name(folded, name):
            unfolded: str = _UNFOLDED.fold(name, value)
            return unfolded
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        folded: bytes = super().fold_binary(name, value)
        if _folded_at_name(folded.decode("ascii", "replace"), name):
            unfolded: bytes = _UNFOLDED.fold_binary(name, value)
            return unfolded
        return folded


def _folded_at_name(folded: str, name: str) -> bool:
    """Whether the first line of ``folded`` holds the header's name and nothing else."""
    return folded.split("\n", 1)[0].rstrip() == f"{name}:"


_UNFOLDED = email.policy.default.clone(max_line_length=998)
MAIL_POLICY = _MailPolicy()
"""The policy of every message cinema-cli writes."""

SENDER = ("cinema-cli", "tickets@cinema-cli.invalid")
"""The From address of confirmations (SMTP settings may override it when sending)."""


class EmlOutbox:
    """Writes confirmations as ``.eml`` files into one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write_confirmation(
        self, document: ETicketDocument, pdf: Path, wallet: WalletPasses | None = None
    ) -> Path:
        passes = wallet or WalletPasses()
        message = confirmation_message(
            document,
            pdf.read_bytes(),
            pdf_name=pdf.name,
            pkpasses={path.name: path.read_bytes() for path in passes.apple.values()},
            google_save_url=passes.google_save_url,
        )
        private_dir(self.folder)
        return write_output(child(self.folder, f"{document.booking_id}.eml"), message.as_bytes())

    def find_confirmation(self, booking_id: str) -> Path | None:
        path = child(self.folder, f"{booking_id}.eml")
        return path if path.is_file() else None


def confirmation_message(
    document: ETicketDocument,
    pdf: bytes,
    *,
    pdf_name: str,
    pkpasses: dict[str, bytes] | None = None,
    google_save_url: str | None = None,
) -> EmailMessage:
    """The confirmation: plain text and HTML alternatives, the PDF and an ``.ics`` attached,
    an Apple Wallet pass per ticket (``pkpasses``: file name -> bytes) and a "Save to Google
    Wallet" link when the cinema set them up."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = f"Your tickets: {document.movie_title}, {_starts(document)}"
    message["From"] = formataddr(SENDER)
    message["To"] = formataddr((document.name, document.email))
    message["Date"] = format_datetime(document.booked_at.astimezone(UTC))
    # Derived from the booking id, so writing the message again gives the same Message-ID.
    message["Message-ID"] = f"<booking.{document.booking_id}@cinema-cli.invalid>"
    message.set_content(plain_text(document, google_save_url))
    message.add_alternative(html_text(document, google_save_url), subtype="html")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    message.add_attachment(
        calendar_event(document).encode(),
        maintype="text",
        subtype="calendar",
        filename=f"{document.booking_id}.ics",
        params={"method": "PUBLISH"},
    )
    for name, data in sorted((pkpasses or {}).items()):
        message.add_attachment(
            data, maintype="application", subtype="vnd.apple.pkpass", filename=name
        )
    return message


def _starts(document: ETicketDocument) -> str:
    return person_time(document.starts_at, document.timezone)


def _seats(document: ETicketDocument) -> str:
    return ", ".join(f"{line.seat_id} ({line.category})" for line in document.tickets)


def plain_text(document: ETicketDocument, google_save_url: str | None = None) -> str:
    lines = [
        f"Hello {document.name},",
        "",
        f"your booking {document.booking_id} is confirmed.",
        "",
        f"Movie:   {document.movie_title}",
        f"Starts:  {_starts(document)}",
        f"Theater: {document.theater_name}",
    ]
    if document.theater_address:
        lines.append(f"Address: {document.theater_address}")
    lines += [
        f"Room:    {document.room_name}",
        f"Seats:   {_seats(document)}",
        f"Total:   {document.total} ({document.payment})",
        "",
        "Your e-tickets are attached as a PDF, one page and one QR code per seat.",
        "Show the QR code at the entrance; it opens the door from 2 hours before the start.",
        "",
    ]
    if google_save_url:
        lines += [f"Save to Google Wallet: {google_save_url}", ""]
    lines += ["Enjoy the movie!"]
    return "\n".join(lines) + "\n"


def html_text(document: ETicketDocument, google_save_url: str | None = None) -> str:
    def row(label: str, value: str) -> str:
        return f"<tr><th align='left'>{label}</th><td>{html.escape(value)}</td></tr>"

    rows = [
        row("Movie", document.movie_title),
        row("Starts", _starts(document)),
        row("Theater", document.theater_name),
        row("Address", document.theater_address or "-"),
        row("Room", document.room_name),
        row("Seats", _seats(document)),
        row("Total", f"{document.total} ({document.payment})"),
        row("Booking", document.booking_id),
    ]
    return (
        "<!DOCTYPE html><html><body>"
        f"<p>Hello {html.escape(document.name)},</p>"
        f"<p>your booking <b>{html.escape(document.booking_id)}</b> is confirmed.</p>"
        f"<table>{''.join(rows)}</table>"
        "<p>Your e-tickets are attached as a PDF, one page and one QR code per seat. "
        "Show the QR code at the entrance; it opens the door from 2 hours before the start.</p>"
        + (
            f"<p><a href='{html.escape(google_save_url, quote=True)}'>Save to Google Wallet</a></p>"
            if google_save_url
            else ""
        )
        + "</body></html>\n"
    )


# -- iCalendar ---------------------------------------------------------------------------------
def _ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with one space
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def booking_event_uid(booking_id: str) -> str:
    """The calendar UID of a booking's event: the confirmation publishes it, a cancellation
    of the whole booking cancels it, so calendars remove the event."""
    return f"booking-{booking_id}@cinema-cli.invalid"


def calendar_event(document: ETicketDocument) -> str:
    """A one-event VCALENDAR for the showing (times in UTC)."""
    location = ", ".join(
        part
        for part in (document.theater_name, document.theater_address, document.room_name)
        if part
    )
    return vcalendar(
        method="PUBLISH",
        uid=booking_event_uid(document.booking_id),
        stamp=document.booked_at,
        starts_at=document.starts_at,
        ends_at=document.ends_at,
        summary=document.movie_title,
        location=location,
        description=f"Seats: {_seats(document)}\nBooking: {document.booking_id}",
        status="CONFIRMED",
    )


def vcalendar(
    *,
    method: str,
    uid: str,
    stamp: datetime,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    location: str,
    description: str,
    status: str,
    sequence: int = 0,
) -> str:
    """One VEVENT in a VCALENDAR (RFC 5545), times in UTC; ``method`` is the iTIP method
    (``PUBLISH`` for the confirmation, ``CANCEL`` to take the event back)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//cinema-cli//booking//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_ics_time(stamp)}",
        f"DTSTART:{_ics_time(starts_at)}",
        f"DTEND:{_ics_time(ends_at)}",
        *([f"SEQUENCE:{sequence}"] if sequence else []),
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(location)}",
        "DESCRIPTION:" + _ics_text(description),
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
