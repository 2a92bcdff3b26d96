"""Buying held seats: ``cinema buy``.

Money moves outside the lock: :func:`buy` checks the hold in one transaction, charges the
card, then sells the seats and writes the booking, the user, the idempotency record and
the audit entry in a second transaction. If the hold died in between, the charge is
refunded at once and the buyer gets ``hold_expired``. The e-tickets and the confirmation
are written last (again on a replay, under the same names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from cinema_cli.domain.errors import (
    CinemaError,
    FileSystemError,
    HoldExpired,
    IdempotencyKeyReused,
    ReservationNotFound,
)
from cinema_cli.domain.ledger import ChargeRecord
from cinema_cli.domain.models import (
    Booking,
    IdempotencyRecord,
    Money,
    Payment,
    Reservation,
    SeatCategory,
    Ticket,
    User,
    format_amount,
)
from cinema_cli.domain.purchase import (
    automatic_idempotency_key,
    legacy_request_fingerprint,
    parse_card,
    parse_email,
    parse_idempotency_key,
    parse_name,
    request_fingerprint,
    ticket_validity,
)
from cinema_cli.domain.times import person_time
from cinema_cli.services import audit, charges
from cinema_cli.services.delivery import deliver
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.mail import ConfirmationOutbox
from cinema_cli.services.ports.payments import Charge, PaymentProvider
from cinema_cli.services.ports.storage import Reader, Storage, Transaction
from cinema_cli.services.ports.tickets import (
    ETicketFiles,
    TicketClaims,
    TicketCodes,
    TicketPrinter,
    WalletPassMaker,
)
from cinema_cli.services.reservations import new_id, reserve
from cinema_cli.services.showing_context import (
    ShowingContext,
    load_showing_context,
    require_bookable,
)


def _no_checkpoint(step: str) -> None:
    """Purchases pass their steps here; only the crash-safety drills act on them."""


@dataclass(frozen=True, slots=True)
class BoxOffice:
    """The ports a purchase needs besides storage and the clock."""

    payments: PaymentProvider
    codes: TicketCodes
    printer: TicketPrinter
    outbox: ConfirmationOutbox
    wallets: tuple[WalletPassMaker, ...] = ()
    """Wallet passes made with the e-tickets (none unless the cinema configured a wallet)."""
    checkpoint: Callable[[str], None] = _no_checkpoint
    """Called with ``"charged"`` (the charge's outcome stored) and ``"sold"`` (the booking's
    unit of work about to commit); the torture suite kills the process there."""


def _money_details(value: Money) -> dict[str, str]:
    """An amount for audit and error details (``{"amount": "25.00", "currency": "USD"}``)."""
    return {"amount": format_amount(value.amount, value.currency), "currency": value.currency}


@dataclass(frozen=True, slots=True)
class Purchase:
    """A confirmed booking, its files, and whether it was returned from an earlier request."""

    booking: Booking
    context: ShowingContext
    files: ETicketFiles | None
    """``None`` when the e-tickets could not be written (see :attr:`files_problem`)."""
    confirmation: Path | None
    replayed: bool
    seats_taken: int = 0
    """Seats of the showing sold or held right after the purchase (for the SHOWING view)."""
    files_problem: FileSystemError | None = None
    """Why the e-tickets or the confirmation could not be written; the sale stands."""


def _earlier_booking(
    tx: Reader,
    record: IdempotencyRecord,
    same_request: Callable[[IdempotencyRecord, Booking], bool],
    key: str,
    automatic: bool,
) -> Booking:
    booking = tx.booking(record.booking_id)
    if booking is None or not same_request(record, booking):
        if automatic:
            raise IdempotencyKeyReused(
                "this reservation was already bought with other details"
                + (f" (booking {booking.id})" if booking else ""),
                idempotency_key=key,
            )
        raise IdempotencyKeyReused(
            "--idempotency-key: this key was already used for a different purchase",
            idempotency_key=key,
        )
    return booking


def _attempt_fingerprint(tx: Reader, key: str, current: str, legacy: str) -> str:
    """The fingerprint this purchase's charge goes on with: ``legacy`` when an earlier release
    opened the key's attempt and did not finish it (as recorded, and as the provider knows
    it), else ``current``."""
    left = charges.open_charge(tx, key)
    return legacy if left is not None and left.fingerprint == legacy else current


def buy(
    storage: Storage,
    clock: Clock,
    office: BoxOffice,
    *,
    reservation_id: str,
    session_id: str,
    name: str,
    email: str,
    card: str,
    idempotency_key: str | None = None,
    tickets_dir: Path | None = None,
) -> Purchase:
    """Pay for a live hold and turn it into a booking with one ticket per seat.

    The same ``idempotency_key`` (default: derived from the reservation) with the
    same request returns the first booking and charges nothing more; with a
    different request it raises ``idempotency_key_reused``.
    """
    card_number = parse_card(card)
    buyer_email = parse_email(email)
    buyer_name = parse_name(name)
    automatic = idempotency_key is None
    key = (
        automatic_idempotency_key(reservation_id)
        if idempotency_key is None
        else parse_idempotency_key(idempotency_key)
    )

    def fingerprint_of(amount: Money) -> str:
        return request_fingerprint(
            reservation_id=reservation_id,
            session_id=session_id,
            name=buyer_name,
            email=buyer_email,
            last4=card_number.last4,
            amount=amount,
        )

    def legacy_of(amount: Money) -> str:
        return legacy_request_fingerprint(
            reservation_id=reservation_id,
            session_id=session_id,
            email=buyer_email,
            last4=card_number.last4,
            amount=amount,
        )

    def same_request(record: IdempotencyRecord, booking: Booking) -> bool:
        if record.fingerprint == fingerprint_of(booking.total):
            return True
        # Keys recorded before the name was fingerprinted: the booking holds the name.
        return record.fingerprint == legacy_of(booking.total) and booking.name == buyer_name

    # 1. check, under the lock, that there is something to pay for, and record the intent
    stranded: tuple[ChargeRecord, CinemaError] | None = None
    with storage.transaction() as tx:
        now = clock()
        record = tx.idempotency(key)
        if record is not None:
            earlier = _earlier_booking(tx, record, same_request, key, automatic)
            earlier_context = load_showing_context(tx, earlier.showing_id)
        else:
            earlier = None
            try:
                reservation = _live_reservation(tx, reservation_id, session_id, now)
                context = load_showing_context(tx, reservation.showing_id)
                require_bookable(context.showing, now)
            except CinemaError as error:
                # An earlier try of this purchase charged the card and died before its
                # booking: with nothing left to sell, that money goes back (below).
                left = charges.open_charge(tx, key)
                if left is None:
                    raise
                stranded = (left, error)
            else:
                fingerprint = _attempt_fingerprint(
                    tx, key, fingerprint_of(reservation.total), legacy_of(reservation.total)
                )
                intent = charges.open_attempt(
                    tx,
                    key,
                    fingerprint=fingerprint,
                    reservation_id=reservation_id,
                    amount=reservation.total,
                    now=now,
                )
    if earlier is not None:
        return _deliver(storage, clock, office, earlier, earlier_context, tickets_dir, True)
    if stranded is not None:
        _refund_stranded(storage, clock, office.payments, *stranded)

    # 2. charge, outside the lock (a slow provider must not stall every other command)
    try:
        charge = office.payments.charge(
            card_number,
            reservation.total,
            idempotency_key=key,
            fingerprint=fingerprint,
            description=f"{context.movie.title} {context.showing.id} {' '.join(reservation.seats)}",
        )
    except CinemaError as error:
        # The provider answered and took nothing (a decline, a malformed card): the attempt
        # is over and the key is free for another card.
        charges.record_outcome(storage, clock, intent, failure=error.code)
        raise

    # 3. sell the seats and record the booking, atomically
    replayed = False
    try:
        intent = charges.record_outcome(storage, clock, intent, charge=charge)
        office.checkpoint("charged")
        with storage.transaction() as tx:
            now = clock()
            record = tx.idempotency(key)
            if record is not None:
                # A concurrent retry with the same key won, and the provider handed both
                # requests the same charge: return that booking, refund nothing.
                booking = _earlier_booking(tx, record, same_request, key, automatic)
                replayed = True
                if booking.payment.reference != charge.reference:
                    raise HoldExpired(
                        f"reservation {reservation_id} was already bought (booking {booking.id})",
                        reservation_id=reservation_id,
                    )
            else:
                current = _live_reservation(tx, reservation_id, session_id, now)
                # read the showing again: it may have been cancelled while the card was charged
                context = load_showing_context(tx, current.showing_id)
                require_bookable(context.showing, now)
                booking = _record_purchase(
                    tx,
                    office.codes,
                    current,
                    context,
                    charge,
                    key,
                    fingerprint,
                    now,
                    buyer_email=buyer_email,
                    buyer_name=buyer_name,
                )
                charges.link_booking(tx, intent, booking.id, now)
                office.checkpoint("sold")
    except Exception as error:
        # Nothing was sold, whatever went wrong, so the money goes back (a retry with the
        # same key charges anew).
        _refund_late_payment(storage, clock, office.payments, intent, charge, error)
        raise
    return _deliver(storage, clock, office, booking, context, tickets_dir, replayed)


def _refund_stranded(
    storage: Storage,
    clock: Clock,
    payments: PaymentProvider,
    left: ChargeRecord,
    error: CinemaError,
) -> None:
    """Give back an earlier try's charge that has no booking, then report ``error``."""
    try:
        settled, reference = charges.settle_stranded(storage, clock, payments, left, error.code)
    except CinemaError as refund_error:
        error.details.update(refund_failed=str(refund_error))
        error.message += (
            f"; an earlier payment of {left.amount} could not be refunded now "
            f"({refund_error}): run `cinema payments reconcile` to retry it"
        )
        raise error from None
    if reference is not None:
        error.details.update(refunded=_money_details(settled.amount), refund_reference=reference)
        error.message += f"; the earlier payment of {settled.amount} was refunded"
    raise error


def _live_reservation(
    reader: Reader, reservation_id: str, session_id: str, now: datetime
) -> Reservation:
    reservation = reader.reservation(reservation_id)
    if reservation is None or reservation.session_id != session_id:
        raise ReservationNotFound(
            f"no reservation {reservation_id!r} for this session",
            reservation_id=reservation_id,
            hint="reserve again with `cinema reserve`, and pass the same --session to buy",
        )
    if not reservation.is_live(now):
        showing = reader.showing(reservation.showing_id)
        theater = reader.theater(showing.theater_id) if showing else None
        when = person_time(reservation.expires_at, theater.timezone if theater else None)
        raise HoldExpired(
            f"reservation {reservation_id} expired at {when}",
            reservation_id=reservation_id,
            expired_at=reservation.expires_at.isoformat(),
            hint="hold them again with "
            f"`cinema reserve {reservation.showing_id} {' '.join(reservation.seats)} "
            f"--session {reservation.session_id}`",
        )
    return reservation


def _record_purchase(
    tx: Transaction,
    codes: TicketCodes,
    reservation: Reservation,
    context: ShowingContext,
    charge: Charge,
    key: str,
    fingerprint: str,
    now: datetime,
    *,
    buyer_email: str,
    buyer_name: str,
) -> Booking:
    showing = context.showing
    booking_id = new_id("b")
    valid_from, valid_until = ticket_validity(showing.starts_at, showing.ends_at)
    tickets: list[Ticket] = []
    seats = context.room.seats_by_id
    for seat_id in reservation.seats:
        seat = seats.get(seat_id)
        if seat is None or seat.blocked:
            # The room or its layout changed under the hold (an import); the hold is void.
            raise HoldExpired(
                f"seat {seat_id} no longer exists in {context.room.name}; the showing changed",
                reservation_id=reservation.id,
                hint=f"see the new seat map with `cinema seats {showing.id}` and reserve again",
            )
        category = SeatCategory(seat.category)
        ticket_id = new_id("t")
        code = codes.issue(
            TicketClaims(
                ticket_id=ticket_id,
                showing_id=showing.id,
                seat_id=seat_id,
                valid_from=valid_from,
                valid_until=valid_until,
            ),
            tx,
        )
        tickets.append(
            Ticket(
                id=ticket_id,
                booking_id=booking_id,
                showing_id=showing.id,
                seat_id=seat_id,
                category=category,
                price=showing.price_of(category),
                code=code,
            )
        )
    user = tx.user_by_email(buyer_email)
    if user is None:
        user = User(id=new_id("u"), email=buyer_email, name=buyer_name, created_at=now)
        tx.put_user(user)
    booking = Booking(
        id=booking_id,
        user_id=user.id,
        email=buyer_email,
        name=buyer_name,
        showing_id=showing.id,
        movie_id=showing.movie_id,
        reservation_id=reservation.id,
        seats=list(reservation.seats),
        total=reservation.total,
        payment=Payment(
            provider=charge.provider,
            reference=charge.reference,
            brand=charge.brand,
            last4=charge.last4,
            amount=charge.amount,
            refunded=Money(amount=Decimal("0"), currency=charge.amount.currency),
        ),
        tickets=tickets,
        created_at=now,
        idempotency_key=key,
    )
    tx.sell_seats(reservation, tickets, now=now)
    tx.put_booking(booking)
    tx.put_idempotency(
        IdempotencyRecord(key=key, fingerprint=fingerprint, booking_id=booking.id, created_at=now)
    )
    audit.record(
        tx,
        at=now,
        action="purchase",
        subject=booking.id,
        actor=f"session:{reservation.session_id}",
        reservation_id=reservation.id,
        showing_id=showing.id,
        seats=booking.seats,
        amount=_money_details(booking.total),
        payment_reference=charge.reference,
    )
    return booking


def _refund_late_payment(
    storage: Storage,
    clock: Clock,
    payments: PaymentProvider,
    intent: ChargeRecord,
    charge: Charge,
    error: Exception,
) -> None:
    """Give the money back when the seats could not be sold after the card was charged.

    The original error stays the one reported. If the refund itself fails, the message
    says so: running the same ``buy`` again (or ``payments reconcile``) retries it.
    """
    reason = getattr(error, "code", "unexpected")
    try:
        settled, reference = charges.settle_stranded(
            storage, clock, payments, intent, reason, charge=charge
        )
    except Exception as refund_error:
        if isinstance(error, CinemaError):
            error.details.update(refund_failed=str(refund_error))
            error.message += (
                f"; the refund of {intent.amount} could not be made now ({refund_error}): "
                "run the same `cinema buy` again to retry it"
            )
        return
    if isinstance(error, CinemaError) and reference is not None:
        error.details.update(refunded=_money_details(settled.amount), refund_reference=reference)
        error.message += f"; the payment of {settled.amount} was refunded"


def _deliver(
    storage: Storage,
    clock: Clock,
    office: BoxOffice,
    booking: Booking,
    context: ShowingContext,
    tickets_dir: Path | None,
    replayed: bool,
) -> Purchase:
    """Write the e-ticket files and the confirmation (again, on a replay: same names).

    The booking is committed and paid by now: a file that cannot be written (a full disk, a
    folder that cannot be made) does not undo the sale; the purchase says what went wrong.
    """
    files: ETicketFiles | None = None
    confirmation: Path | None = None
    problem: FileSystemError | None = None
    try:
        files, confirmation = deliver(
            office.printer, office.outbox, booking, context, tickets_dir, office.wallets
        )
    except FileSystemError as error:
        problem = error
    taken = storage.seats_taken([booking.showing_id], clock()).get(booking.showing_id, 0)
    return Purchase(booking, context, files, confirmation, replayed, taken, problem)


DEMO_BUYER = ("Demo Viewer", "demo@example.com")
DEMO_CARD = "4242424242424242"
"""A card number the test payment provider approves."""


def demo_booking(
    storage: Storage,
    clock: Clock,
    office: BoxOffice,
    showing_id: str,
    *,
    count: int = 2,
    hold_seconds: int = 600,
) -> Purchase:
    """Reserve the best ``count`` seats of a showing and buy them with the approving test card
    (used by ``cinema demo`` to finish with one real booking)."""
    held = reserve(storage, clock, showing_id, count=count, hold_seconds=hold_seconds)
    return buy(
        storage,
        clock,
        office,
        reservation_id=held.reservation.id,
        session_id=held.reservation.session_id,
        name=DEMO_BUYER[0],
        email=DEMO_BUYER[1],
        card=DEMO_CARD,
    )
