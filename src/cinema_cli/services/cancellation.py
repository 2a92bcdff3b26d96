"""Cancellation and refund: give seats back before the deadline, and the money with them.

The refund is requested inside the same storage transaction that cancels the tickets, so
two overlapping ``cancel`` commands cannot both refund one ticket (the second one waits
for the lock, then finds the ticket cancelled). The refund's ``reason`` is derived from the
booking and the ticket ids, and the payment provider refunds at most once per reason: if
the process dies after the refund but before the commit, running the command again gets
the same refund back instead of a second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cinema_cli.domain.errors import (
    AlreadyCheckedIn,
    CancellationClosed,
    InvalidInput,
    ShowingNotFound,
)
from cinema_cli.domain.layout import normalize_seat_id
from cinema_cli.domain.models import (
    Booking,
    BookingStatus,
    Money,
    Movie,
    Refund,
    Showing,
    Theater,
    Ticket,
    TicketStatus,
    utc_text,
)
from cinema_cli.domain.times import person_time
from cinema_cli.services import audit
from cinema_cli.services.busy import retry_when_busy
from cinema_cli.services.charges import settle_cancelled
from cinema_cli.services.explain import booking_not_found
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.mail import CancellationNotice, CancellationOutbox
from cinema_cli.services.ports.payments import Charge, PaymentProvider
from cinema_cli.services.ports.storage import Storage, Transaction


@dataclass(frozen=True, slots=True)
class Cancellation:
    """The result of one ``cancel``: what changed now and the booking as it is after."""

    booking: Booking
    showing: Showing
    theater: Theater | None
    movie: Movie | None
    cancelled: tuple[Ticket, ...]
    """Tickets cancelled by this call (empty when there was nothing left to cancel)."""
    already_cancelled: tuple[Ticket, ...]
    refund: Refund | None
    notice: Path | None
    seats_taken: int = 0
    """Seats of the showing sold or held right after the call (for the SHOWING view)."""


def deadline(showing: Showing, cancel_minutes: int) -> datetime:
    """Cancellation closes ``cancel_minutes`` before the showing starts."""
    return showing.starts_at - timedelta(minutes=cancel_minutes)


def refund_reason(booking_id: str, ticket_ids: Sequence[str]) -> str:
    """The provider's idempotency reason for refunding exactly these tickets."""
    return f"cancel:{booking_id}:{','.join(sorted(ticket_ids))}"


def _refund_id(reason: str) -> str:
    return "rf-" + hashlib.sha256(reason.encode()).hexdigest()[:12]


def _select(booking: Booking, wanted: Sequence[str] | None) -> list[Ticket]:
    """The tickets named by seat label or ticket id (all tickets when ``wanted`` is empty)."""
    if not wanted:
        return list(booking.tickets)
    by_id = {ticket.id: ticket for ticket in booking.tickets}
    by_seat = {ticket.seat_id: ticket for ticket in booking.tickets}
    chosen: dict[str, Ticket] = {}
    for raw in (part for item in wanted for part in item.split(",")):
        text = raw.strip()
        if not text:
            continue
        ticket = by_id.get(text)
        if ticket is None:
            try:
                ticket = by_seat.get(normalize_seat_id(text))
            except ValueError:
                ticket = None
        if ticket is None:
            raise InvalidInput(
                f"--tickets: {text!r} is not a seat or ticket of booking {booking.id} "
                f"(its seats: {', '.join(booking.seats)})",
                field="tickets",
                seats=list(booking.seats),
            )
        chosen[ticket.id] = ticket
    if not chosen:
        raise InvalidInput("--tickets: name at least one seat, like C7", field="tickets")
    return list(chosen.values())


def _load(
    tx: Transaction, booking_id: str
) -> tuple[Booking, Showing, Theater | None, Movie | None]:
    booking = tx.booking(booking_id)
    if booking is None:
        raise booking_not_found(tx, booking_id)
    showing = tx.showing(booking.showing_id)
    if showing is None:
        raise ShowingNotFound(f"booking {booking.id} names an unknown showing")
    return booking, showing, tx.theater(showing.theater_id), tx.movie(showing.movie_id)


def _check_cancellable(
    booking: Booking,
    chosen: Sequence[Ticket],
    showing: Showing,
    theater: Theater | None,
    now: datetime,
    cancel_minutes: int,
) -> list[Ticket]:
    """The chosen tickets still valid; refuses after the deadline and for used tickets."""
    to_cancel = [t for t in chosen if t.status is TicketStatus.VALID]
    closes = deadline(showing, cancel_minutes)
    if to_cancel and now >= closes:
        raise CancellationClosed(
            f"booking {booking.id} can no longer be cancelled: cancellation closed at "
            f"{person_time(closes, theater.timezone if theater else None)}, "
            f"{cancel_minutes} minutes before the showing",
            booking_id=booking.id,
            deadline=utc_text(closes),
        )
    used = [t for t in chosen if t.status is TicketStatus.USED]
    if used:
        first = used[0]
        raise AlreadyCheckedIn(
            f"seat {first.seat_id} was already used at the door; it cannot be cancelled",
            ticket_id=first.id,
            checked_in_at=utc_text(first.checked_in_at) if first.checked_in_at else None,
            gate=first.gate,
        )
    return to_cancel


def _refund(
    payments: PaymentProvider, booking: Booking, to_cancel: Sequence[Ticket], now: datetime
) -> Refund | None:
    """Give back the tickets' price (never more than is left of the payment); ``None`` if 0."""
    amount = sum((t.price.amount for t in to_cancel), Decimal("0"))
    refundable = booking.payment.amount.amount - booking.payment.refunded.amount
    amount = min(amount, max(refundable, Decimal("0")))
    if amount <= 0:
        return None
    ids = [t.id for t in to_cancel]
    reason = refund_reason(booking.id, ids)
    charge = Charge(
        provider=booking.payment.provider,
        reference=booking.payment.reference,
        brand=booking.payment.brand,
        last4=booking.payment.last4,
        amount=booking.payment.amount,
    )
    money = Money(amount=amount, currency=booking.payment.amount.currency)
    reference = payments.refund(charge, money, reason=reason)
    return Refund(
        id=_refund_id(reason), reference=reference, amount=money, ticket_ids=ids, created_at=now
    )


def _cancelled_booking(
    booking: Booking, to_cancel: Sequence[Ticket], refund: Refund | None, now: datetime
) -> tuple[Booking, tuple[Ticket, ...]]:
    """The booking with ``to_cancel`` cancelled and ``refund`` recorded."""
    cancelled = tuple(
        replace(t, status=TicketStatus.CANCELLED, cancelled_at=now) for t in to_cancel
    )
    replaced = {t.id: t for t in cancelled}
    tickets = [replaced.get(t.id, t) for t in booking.tickets]
    remaining = any(t.status is not TicketStatus.CANCELLED for t in tickets)
    payment = booking.payment
    if refund is not None:
        refunded = payment.refunded.amount + refund.amount.amount
        payment = replace(
            payment, refunded=Money(amount=refunded, currency=payment.amount.currency)
        )
    changed = replace(
        booking,
        tickets=tickets,
        status=BookingStatus.PARTIALLY_CANCELLED if remaining else BookingStatus.CANCELLED,
        payment=payment,
        refunds=[*booking.refunds, *([refund] if refund else [])],
    )
    return changed, cancelled


def _record(
    tx: Transaction,
    now: datetime,
    actor: str | None,
    booking: Booking,
    cancelled: Sequence[Ticket],
    refund: Refund | None,
) -> None:
    ids = [t.id for t in cancelled]
    audit.record(
        tx,
        at=now,
        action="cancel",
        subject=booking.id,
        actor=actor,
        showing_id=booking.showing_id,
        ticket_ids=ids,
        seats=[t.seat_id for t in cancelled],
        status=str(booking.status),
    )
    if refund is not None:
        settle_cancelled(tx, booking, refund.reference, now)
        audit.record(
            tx,
            at=now,
            action="refund",
            subject=booking.id,
            actor=actor,
            refund_id=refund.id,
            refund_reference=refund.reference,
            payment_reference=booking.payment.reference,
            amount=audit.money_detail(refund.amount),
            ticket_ids=ids,
        )


def cancel(
    storage: Storage,
    clock: Clock,
    payments: PaymentProvider,
    outbox: CancellationOutbox | None,
    booking_id: str,
    *,
    tickets: Sequence[str] | None = None,
    cancel_minutes: int = 60,
    actor: str | None = None,
) -> Cancellation:
    """Cancel a booking's tickets (all, or those named) and refund them; idempotent.

    Raises ``BookingNotFound``, ``CancellationClosed`` after the deadline, ``AlreadyCheckedIn``
    for a ticket used at the door, ``InvalidInput`` for a seat not in the booking. Cancelling
    tickets that are cancelled already changes nothing and refunds nothing.
    """

    def cancel_in_storage() -> Cancellation:
        # Racing a gate or another cancel, this may be picked as a deadlock's victim;
        # nothing was written then, and the refund is idempotent per reason.
        with storage.transaction() as tx:
            now = clock()
            booking, showing, theater, movie = _load(tx, booking_id.strip())
            chosen = _select(booking, tickets)
            already = tuple(t for t in chosen if t.status is TicketStatus.CANCELLED)
            to_cancel = _check_cancellable(booking, chosen, showing, theater, now, cancel_minutes)
            if not to_cancel:
                taken = tx.seats_taken([showing.id], now).get(showing.id, 0)
                return Cancellation(
                    booking, showing, theater, movie, (), already, None, None, taken
                )
            refund = _refund(payments, booking, to_cancel, now)
            booking, cancelled = _cancelled_booking(booking, to_cancel, refund, now)
            tx.release_tickets(showing.id, [t.id for t in cancelled])
            tx.put_booking(booking)
            _record(tx, now, actor, booking, cancelled, refund)
            taken = tx.seats_taken([showing.id], now).get(showing.id, 0)
        return Cancellation(
            booking, showing, theater, movie, cancelled, already, refund, None, taken
        )

    done = retry_when_busy(cancel_in_storage)
    if outbox is None or not done.cancelled:
        return done
    notice = outbox.write_cancellation(
        CancellationNotice(
            done.booking, done.showing, done.theater, done.movie, done.cancelled, done.refund
        )
    )
    return replace(done, notice=notice)
