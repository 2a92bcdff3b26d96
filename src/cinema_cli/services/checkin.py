"""Check-in at the door: verify a signed ticket code and mark the ticket used, once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cinema_cli.domain.errors import (
    AlreadyCheckedIn,
    InvalidInput,
    InvalidTicket,
    NotValidNow,
    TicketNotFound,
    TicketRevoked,
)
from cinema_cli.domain.models import (
    Booking,
    Movie,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    TicketStatus,
    utc_text,
)
from cinema_cli.domain.ticket_codes import TicketPayload, canonical_code, looks_mangled
from cinema_cli.domain.times import person_time
from cinema_cli.services import audit
from cinema_cli.services.busy import retry_when_busy
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader, Storage, Transaction
from cinema_cli.services.ports.tickets import TicketVerifier

MAX_GATE_LENGTH = 40


@dataclass(frozen=True, slots=True)
class CheckIn:
    """An admitted ticket, with what the door needs to show."""

    ticket: Ticket
    booking: Booking
    showing: Showing
    theater: Theater | None
    movie: Movie | None
    seats_taken: int = 0
    """Seats of the showing sold or held right after the check-in (for the SHOWING view)."""


@dataclass(frozen=True, slots=True)
class OfflineCheck:
    """A code that passed the offline checks (signature and window only)."""

    payload: TicketPayload
    checked_at: datetime


def _check_window(payload: TicketPayload, now: datetime, timezone: str | None = None) -> None:
    """Refuse a code outside its window; the message gives the window in ``timezone``."""
    if payload.is_valid_at(now):
        return
    when = "not yet valid" if now < payload.valid_from else "no longer valid"
    raise NotValidNow(
        f"ticket {payload.ticket_id} is {when}: it opens the door from "
        f"{person_time(payload.valid_from, timezone)} until "
        f"{person_time(payload.valid_until, timezone)}",
        ticket_id=payload.ticket_id,
        valid_from=utc_text(payload.valid_from),
        valid_until=utc_text(payload.valid_until),
    )


def _zone_of(reader: Reader, showing: Showing | None) -> str | None:
    """The showing's theater's zone, for messages (``None``, meaning UTC, when unknown)."""
    theater = reader.theater(showing.theater_id) if showing is not None else None
    return theater.timezone if theater is not None else None


MANGLED_CODE_HINT = (
    "a ticket code is one word of letters and digits; older codes hold spaces and $, "
    "so put the code in single quotes ('CODE') or pipe it into `cinema checkin -`"
)


def _verified(verifier: TicketVerifier, text: str) -> tuple[str, TicketPayload]:
    """The code as printed or typed (groups and line breaks allowed) and what it vouches for.

    A text that is not even shaped like a code was most likely cut or expanded by a shell:
    the refusal then says how to pass a code whole.
    """
    code = canonical_code(text)
    try:
        return code, verifier.verify(code)
    except InvalidTicket as refused:
        if looks_mangled(code):
            raise InvalidTicket(refused.message, hint=MANGLED_CODE_HINT) from None
        raise


def _check_gate(gate: str | None) -> str | None:
    if gate is None:
        return None
    gate = gate.strip()
    if not gate or len(gate) > MAX_GATE_LENGTH or not gate.isprintable():
        raise InvalidInput(
            f"--gate: give a short name (1 to {MAX_GATE_LENGTH} printable characters)", field="gate"
        )
    return gate


def _stored_ticket(tx: Transaction, payload: TicketPayload) -> tuple[Ticket, Booking]:
    stored = tx.ticket(payload.ticket_id)
    booking = tx.booking(stored.booking_id) if stored is not None else None
    if stored is None or booking is None:
        raise TicketNotFound(
            f"ticket {payload.ticket_id} is genuine but not in this data store",
            ticket_id=payload.ticket_id,
            hint="check --data-dir / --storage (or use --offline --public-key)",
        )
    return next(t for t in booking.tickets if t.id == stored.id), booking


def _check_admissible(
    tx: Transaction, ticket: Ticket, showing: Showing | None, payload: TicketPayload, code: str
) -> Showing:
    """Refuse a replaced code, a cancelled ticket or showing, and a second scan."""
    if (
        ticket.code != code
        or ticket.showing_id != payload.showing_id
        or ticket.seat_id != payload.seat_id
    ):
        raise TicketRevoked(
            f"ticket {ticket.id}: this code was replaced by a newer one", ticket_id=ticket.id
        )
    if ticket.status is TicketStatus.CANCELLED:
        at = ticket.cancelled_at
        raise TicketRevoked(
            f"ticket {ticket.id} was cancelled"
            + (f" at {person_time(at, _zone_of(tx, showing))}" if at else ""),
            ticket_id=ticket.id,
            cancelled_at=utc_text(at) if at else None,
        )
    if showing is None or showing.status is ShowingStatus.CANCELLED:
        raise TicketRevoked(f"ticket {ticket.id}: its showing was cancelled", ticket_id=ticket.id)
    if ticket.status is TicketStatus.USED:
        at = ticket.checked_in_at
        raise AlreadyCheckedIn(
            f"ticket {ticket.id} (seat {ticket.seat_id}) was already checked in"
            + (f" at {person_time(at, _zone_of(tx, showing))}" if at else "")
            + (f" at gate {ticket.gate}" if ticket.gate else ""),
            ticket_id=ticket.id,
            checked_in_at=utc_text(at) if at else None,
            gate=ticket.gate,
        )
    return showing


def check_in(
    storage: Storage,
    clock: Clock,
    verifier: TicketVerifier,
    code: str,
    *,
    gate: str | None = None,
    actor: str | None = None,
) -> CheckIn:
    """Admit the holder of ``code``: signature, validity window, not revoked, not used before.

    The ticket is marked used in the same transaction that checks it, so two doors scanning
    one code at the same moment admit it once.
    """
    gate = _check_gate(gate)
    code, payload = _verified(verifier, code)
    now = clock()
    if not payload.is_valid_at(now):
        _check_window(payload, now, _zone_of(storage, storage.showing(payload.showing_id)))

    def admit() -> CheckIn:
        # A gate racing a cancel or another gate may be picked as a deadlock's victim;
        # nothing was written then, and checking in again from the start is safe.
        with storage.transaction() as tx:
            ticket, booking = _stored_ticket(tx, payload)
            showing = _check_admissible(tx, ticket, tx.showing(ticket.showing_id), payload, code)
            used = replace(ticket, status=TicketStatus.USED, checked_in_at=now, gate=gate)
            booking = replace(
                booking, tickets=[used if t.id == used.id else t for t in booking.tickets]
            )
            tx.put_booking(booking)
            audit.record(
                tx,
                at=now,
                action="checkin",
                subject=booking.id,
                actor=actor,
                ticket_id=used.id,
                showing_id=used.showing_id,
                seat=used.seat_id,
                gate=gate,
            )
            theater = tx.theater(showing.theater_id)
            movie = tx.movie(showing.movie_id)
            taken = tx.seats_taken([showing.id], now).get(showing.id, 0)
        return CheckIn(used, booking, showing, theater, movie, taken)

    return retry_when_busy(admit)


def check_offline(verifier: TicketVerifier, clock: Clock, code: str) -> OfflineCheck:
    """Signature and validity window only: no data store, so no revocations and no reuse check.

    Without the store the theater's zone is unknown, so messages give times in UTC.
    """
    _, payload = _verified(verifier, code)
    now = clock()
    _check_window(payload, now)
    return OfflineCheck(payload=payload, checked_at=now)
