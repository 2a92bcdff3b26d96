"""Booking use cases: reserve seats, buy them, look bookings up.

Every read-check-write happens inside one ``with storage.transaction() as tx:``
so that concurrent processes cannot sell a seat twice. Money moves outside the
lock: ``buy`` checks the hold in one transaction, charges the card, then sells
the seats, writes the booking, the user, the idempotency record and the audit
entry in a second transaction. If the hold died in between, the charge is
refunded at once and the buyer gets ``hold_expired``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import (
    BookingNotFound,
    CinemaError,
    HoldExpired,
    IdempotencyKeyReused,
    InvalidInput,
    MovieNotFound,
    ReservationNotFound,
    RoomNotFound,
    ShowingNotBookable,
    ShowingNotFound,
    TheaterNotFound,
    TooManySeats,
)
from cinema_cli.domain.models import (
    Booking,
    ClaimKind,
    IdempotencyRecord,
    Money,
    Movie,
    Payment,
    Reservation,
    Room,
    SeatCategory,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    User,
)
from cinema_cli.domain.purchase import (
    automatic_idempotency_key,
    parse_card,
    parse_email,
    parse_idempotency_key,
    parse_name,
    request_fingerprint,
    ticket_validity,
    total_price,
)
from cinema_cli.domain.seating import (
    DEFAULT_CATEGORY,
    MAX_SEATS_PER_RESERVATION,
    best_block,
    requested_seats,
)
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.mail import ConfirmationOutbox
from cinema_cli.services.ports.payments import Charge, PaymentProvider
from cinema_cli.services.ports.storage import Reader, Storage, Transaction
from cinema_cli.services.ports.tickets import (
    ETicketDocument,
    ETicketFiles,
    ETicketLine,
    TicketClaims,
    TicketCodes,
    TicketPrinter,
)
from cinema_cli.services.views import local_time, money_view, showing_view

_SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def new_session_id() -> str:
    """A fresh session id (``s-`` and 12 hex digits)."""
    return _new_id("s")


@dataclass(frozen=True, slots=True)
class BoxOffice:
    """The ports a purchase needs besides storage and the clock."""

    payments: PaymentProvider
    codes: TicketCodes
    printer: TicketPrinter
    outbox: ConfirmationOutbox


@dataclass(frozen=True, slots=True)
class ShowingContext:
    """A showing with the theater, room and movie it belongs to."""

    showing: Showing
    theater: Theater
    room: Room
    movie: Movie


def _context(reader: Reader, showing_id: str) -> ShowingContext:
    showing = reader.showing(showing_id)
    if showing is None:
        raise ShowingNotFound(
            f"no showing {showing_id!r}",
            showing_id=showing_id,
            hint="find showings with `cinema showtimes`",
        )
    theater = reader.theater(showing.theater_id)
    if theater is None:
        raise TheaterNotFound(f"showing {showing.id} names unknown theater {showing.theater_id}")
    room = theater.room(showing.room_id)
    if room is None:
        raise RoomNotFound(f"showing {showing.id} names unknown room {showing.room_id}")
    movie = reader.movie(showing.movie_id)
    if movie is None:
        raise MovieNotFound(f"showing {showing.id} names unknown movie {showing.movie_id}")
    return ShowingContext(showing, theater, room, movie)


def _require_bookable(showing: Showing, now: datetime) -> None:
    if showing.status is ShowingStatus.CANCELLED:
        raise ShowingNotBookable(
            f"showing {showing.id} is cancelled", showing_id=showing.id, reason="cancelled"
        )
    if showing.starts_at <= now:
        raise ShowingNotBookable(
            f"showing {showing.id} has already started", showing_id=showing.id, reason="started"
        )


def _audit(
    tx: Transaction, now: datetime, actor: str, action: Any, subject: str, **details: Any
) -> None:
    from cinema_cli.services.audit import record

    record(tx, at=now, action=action, subject=subject, actor=actor, **details)


# -- reserve -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReserveResult:
    """A new hold, and the hold of the same session it replaced (if any)."""

    reservation: Reservation
    context: ShowingContext
    replaced: str | None
    new_session: bool


def parse_category(text: str | None) -> SeatCategory:
    """``--category`` as a :class:`SeatCategory` (default ``standard``)."""
    if text is None:
        return SeatCategory(DEFAULT_CATEGORY)
    try:
        return SeatCategory(text.strip().lower())
    except ValueError:
        choices = ", ".join(category.value for category in SeatCategory)
        raise InvalidInput(
            f"--category: {text!r} is not a seat category ({choices})", field="category"
        ) from None


def reserve(
    storage: Storage,
    clock: Clock,
    showing_id: str,
    *,
    seats: Sequence[str] = (),
    count: int | None = None,
    category: str | None = None,
    session_id: str | None = None,
    hold_seconds: int = 600,
) -> ReserveResult:
    """Hold seats of a showing for a session (the seed's ``seatReservation``).

    Either ``seats`` (labels like ``C7``) or ``count`` (the best block of that many
    ``category`` seats, see :mod:`cinema_cli.domain.seating`). The hold lasts
    ``hold_seconds``; a hold of the same session for the same showing is replaced.
    """
    if seats and count is not None:
        raise InvalidInput("give seat labels or --count, not both", field="seats")
    if not seats and count is None:
        raise InvalidInput("name the seats (like C7 C8) or give --count N", field="seats")
    wanted = len(set(seats)) if seats else (count or 0)
    if count is not None and count < 1:
        raise InvalidInput(f"--count: must be at least 1, got {count}", field="count")
    if wanted > MAX_SEATS_PER_RESERVATION:
        raise TooManySeats(
            f"at most {MAX_SEATS_PER_RESERVATION} seats per reservation, asked for {wanted}",
            limit=MAX_SEATS_PER_RESERVATION,
            asked=wanted,
        )
    if seats and category is not None:
        raise InvalidInput(
            "--category chooses seats for --count; not with seat labels", field="category"
        )
    seat_category = parse_category(category)
    new_session = session_id is None
    if session_id is None:
        session_id = new_session_id()
    elif not _SESSION_ID.match(session_id):
        raise InvalidInput(
            "--session: use 1 to 64 letters, digits, '.', '_', ':' or '-'", field="session"
        )

    with storage.transaction() as tx:
        now = clock()
        context = _context(tx, showing_id)
        showing = context.showing
        _require_bookable(showing, now)
        claims = tx.claims(showing.id)
        mine = {
            claim.reservation_id
            for claim in claims
            if claim.kind is ClaimKind.HOLD
            and claim.session_id == session_id
            and claim.reservation_id is not None
        }
        taken = {
            claim.seat_id
            for claim in claims
            if claim.is_live(now) and claim.reservation_id not in mine
        }
        if seats:
            chosen = requested_seats(context.room.seats, seats, taken)
        else:
            chosen = best_block(context.room.seats, taken, wanted, seat_category.value)
        prices = [showing.price_of(SeatCategory(seat.category)) for seat in chosen]
        reservation = Reservation(
            id=_new_id("r"),
            session_id=session_id,
            showing_id=showing.id,
            movie_id=showing.movie_id,
            seats=[seat.id for seat in chosen],
            created_at=now,
            # Whole seconds: people read this time, and scripts compare it.
            expires_at=now.replace(microsecond=0) + timedelta(seconds=hold_seconds),
            total=total_price(prices, showing.currency),
        )
        replaced = sorted(mine)
        tx.claim_seats(
            showing.id,
            [
                SeatClaim(
                    showing_id=showing.id,
                    seat_id=seat.id,
                    kind=ClaimKind.HOLD,
                    reservation_id=reservation.id,
                    session_id=session_id,
                    expires_at=reservation.expires_at,
                )
                for seat in chosen
            ],
            now=now,
            replacing_reservation=replaced[0] if replaced else None,
        )
        actor = f"session:{session_id}"
        for old_id in replaced:
            old = tx.reservation(old_id)
            if old is not None:
                tx.release_reservation(old)
                _audit(tx, now, actor, "release", old_id, replaced_by=reservation.id)
        tx.put_reservation(reservation)
        _audit(
            tx,
            now,
            actor,
            "hold",
            reservation.id,
            showing_id=showing.id,
            seats=reservation.seats,
            expires_at=reservation.expires_at.isoformat(),
        )
    return ReserveResult(reservation, context, replaced[0] if replaced else None, new_session)


def reservation_view(result: ReserveResult) -> dict[str, Any]:
    """The documented ``reserve --json`` shape."""
    reservation = result.reservation
    return {
        "reservation_id": reservation.id,
        "session_id": reservation.session_id,
        "showing_id": reservation.showing_id,
        "movie_id": reservation.movie_id,
        "seats": list(reservation.seats),
        "expires_at": local_time(reservation.expires_at, result.context.theater).isoformat(),
        "total": money_view(reservation.total),
    }


# -- buy ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Purchase:
    """A confirmed booking, its files, and whether it was returned from an earlier request."""

    booking: Booking
    context: ShowingContext
    files: ETicketFiles
    confirmation: Path
    replayed: bool
    seats_taken: int = 0
    """Seats of the showing sold or held right after the purchase (for the SHOWING view)."""


def _earlier_booking(
    tx: Reader, record: IdempotencyRecord, fingerprint_of: Any, key: str, automatic: bool
) -> Booking:
    booking = tx.booking(record.booking_id)
    if booking is None or record.fingerprint != fingerprint_of(booking.total):
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
            email=buyer_email,
            last4=card_number.last4,
            amount=amount,
        )

    # 1. check, under the lock, that there is something to pay for
    with storage.transaction() as tx:
        now = clock()
        record = tx.idempotency(key)
        if record is not None:
            earlier = _earlier_booking(tx, record, fingerprint_of, key, automatic)
            earlier_context = _context(tx, earlier.showing_id)
        else:
            earlier = None
            reservation = _live_reservation(tx, reservation_id, session_id, now)
            context = _context(tx, reservation.showing_id)
            _require_bookable(context.showing, now)
    if earlier is not None:
        return _deliver(storage, clock, office, earlier, earlier_context, tickets_dir, True)

    # 2. charge, outside the lock (a slow provider must not stall every other command)
    fingerprint = fingerprint_of(reservation.total)
    charge = office.payments.charge(
        card_number,
        reservation.total,
        idempotency_key=key,
        fingerprint=fingerprint,
        description=f"{context.movie.title} {context.showing.id} {' '.join(reservation.seats)}",
    )

    # 3. sell the seats and record the booking, atomically
    replayed = False
    try:
        with storage.transaction() as tx:
            now = clock()
            record = tx.idempotency(key)
            if record is not None:
                # A concurrent retry with the same key won, and the provider handed both
                # requests the same charge: return that booking, refund nothing.
                booking = _earlier_booking(tx, record, fingerprint_of, key, automatic)
                replayed = True
                if booking.payment.reference != charge.reference:
                    raise HoldExpired(
                        f"reservation {reservation_id} was already bought (booking {booking.id})",
                        reservation_id=reservation_id,
                    )
            else:
                current = _live_reservation(tx, reservation_id, session_id, now)
                # read the showing again: it may have been cancelled while the card was charged
                context = _context(tx, current.showing_id)
                _require_bookable(context.showing, now)
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
    except Exception as error:
        # Nothing was sold, whatever went wrong, so the money goes back (a retry with the
        # same key charges anew).
        _refund_late_payment(storage, clock, office.payments, charge, reservation, error)
        raise
    return _deliver(storage, clock, office, booking, context, tickets_dir, replayed)


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
        raise HoldExpired(
            f"reservation {reservation_id} expired at "
            f"{reservation.expires_at.replace(microsecond=0).isoformat()} (UTC)",
            reservation_id=reservation_id,
            expired_at=reservation.expires_at.isoformat(),
            hint="reserve the seats again",
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
    booking_id = _new_id("b")
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
                hint="reserve again",
            )
        category = SeatCategory(seat.category)
        ticket_id = _new_id("t")
        code = codes.issue(
            TicketClaims(
                ticket_id=ticket_id,
                showing_id=showing.id,
                seat_id=seat_id,
                valid_from=valid_from,
                valid_until=valid_until,
            )
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
        user = User(id=_new_id("u"), email=buyer_email, name=buyer_name, created_at=now)
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
    _audit(
        tx,
        now,
        f"session:{reservation.session_id}",
        "purchase",
        booking.id,
        reservation_id=reservation.id,
        showing_id=showing.id,
        seats=booking.seats,
        amount=money_view(booking.total),
        payment_reference=charge.reference,
    )
    return booking


def _refund_late_payment(
    storage: Storage,
    clock: Clock,
    payments: PaymentProvider,
    charge: Charge,
    reservation: Reservation,
    error: Exception,
) -> None:
    """Give the money back when the seats could not be sold after the card was charged.

    The original error stays the one reported. If the refund itself fails, the message
    says so: running the same ``buy`` again finds the same charge and retries the refund.
    """
    reason = getattr(error, "code", "unexpected")
    try:
        reference = payments.refund(charge, charge.amount, reason=f"not sold: {reason}")
    except Exception as refund_error:
        if isinstance(error, CinemaError):
            error.details.update(refund_failed=str(refund_error))
            error.message += (
                f"; the refund of {charge.amount} could not be made now ({refund_error}): "
                "run the same `cinema buy` again to retry it"
            )
        return
    if isinstance(error, CinemaError):
        error.details.update(refunded=money_view(charge.amount), refund_reference=reference)
        error.message += f"; the payment of {charge.amount} was refunded"
    try:
        with storage.transaction() as tx:
            _audit(
                tx,
                clock(),
                f"session:{reservation.session_id}",
                "payment_refunded",
                reservation.id,
                payment_reference=charge.reference,
                refund_reference=reference,
                amount=money_view(charge.amount),
                reason=reason,
            )
    except CinemaError:
        pass  # the refund itself went through; the audit line is best effort here


def _deliver(
    storage: Storage,
    clock: Clock,
    office: BoxOffice,
    booking: Booking,
    context: ShowingContext,
    tickets_dir: Path | None,
    replayed: bool,
) -> Purchase:
    """Write the e-ticket files and the confirmation (again, on a replay: same names)."""
    document = eticket_document(booking, context)
    files = office.printer.print_tickets(document, tickets_dir)
    confirmation = office.outbox.write_confirmation(document, files.pdf)
    taken = storage.seats_taken([booking.showing_id], clock()).get(booking.showing_id, 0)
    return Purchase(booking, context, files, confirmation, replayed, taken)


def eticket_document(booking: Booking, context: ShowingContext) -> ETicketDocument:
    """What the e-tickets and the confirmation e-mail say about a booking."""
    theater = context.theater
    return ETicketDocument(
        booking_id=booking.id,
        name=booking.name,
        email=booking.email,
        movie_title=context.movie.title,
        theater_name=theater.name,
        theater_address=theater.address,
        room_name=context.room.name,
        starts_at=local_time(context.showing.starts_at, theater),
        ends_at=local_time(context.showing.ends_at, theater),
        timezone=theater.timezone,
        total=booking.total,
        payment=f"{booking.payment.brand} •••• {booking.payment.last4}",
        tickets=tuple(
            ETicketLine(
                ticket_id=ticket.id,
                seat_id=ticket.seat_id,
                category=str(ticket.category),
                price=ticket.price,
                code=ticket.code,
            )
            for ticket in booking.tickets
        ),
        booked_at=booking.created_at,
    )


# -- look-ups ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BookingDetails:
    """A booking with its showing, and its files where they exist."""

    booking: Booking
    context: ShowingContext
    files: ETicketFiles | None
    confirmation: Path | None
    seats_taken: int = 0


def _existing_files(
    booking: Booking, office: BoxOffice | None
) -> tuple[ETicketFiles | None, Path | None]:
    if office is None:
        return None, None
    files = office.printer.find_tickets(booking.id, [ticket.id for ticket in booking.tickets])
    return files, office.outbox.find_confirmation(booking.id)


def booking(
    storage: Storage, clock: Clock, booking_id: str, *, office: BoxOffice | None = None
) -> BookingDetails:
    """One booking by id, with ticket status (``BookingNotFound`` when unknown).

    With ``office``, the e-ticket files and confirmation are looked up where they are written
    by default.
    """
    found = storage.booking(booking_id.strip())
    if found is None:
        raise BookingNotFound(f"no booking {booking_id!r}", booking_id=booking_id)
    files, eml = _existing_files(found, office)
    taken = storage.seats_taken([found.showing_id], clock()).get(found.showing_id, 0)
    return BookingDetails(found, _context(storage, found.showing_id), files, eml, taken)


def bookings_by_email(
    storage: Storage, clock: Clock, email: str, *, office: BoxOffice | None = None
) -> list[BookingDetails]:
    """A user's bookings, newest first (an empty list when the address has none)."""
    address = parse_email(email)
    found = storage.bookings_by_email(address)
    taken = storage.seats_taken({b.showing_id for b in found}, clock())
    details: list[BookingDetails] = []
    for each in found:
        files, eml = _existing_files(each, office)
        context = _context(storage, each.showing_id)
        details.append(BookingDetails(each, context, files, eml, taken.get(each.showing_id, 0)))
    return details


def booking_view(
    booking: Booking,
    context: ShowingContext,
    files: ETicketFiles | None,
    confirmation: Path | None,
    *,
    seats_taken: int = 0,
) -> dict[str, Any]:
    """The documented BOOKING shape of ``buy``, ``booking`` and ``bookings`` (``--json``)."""

    def path(value: Path | None) -> str | None:
        return str(value) if value is not None else None

    return {
        "booking_id": booking.id,
        "status": str(booking.status),
        "user": {"email": booking.email, "name": booking.name},
        "movie": {"id": context.movie.id, "title": context.movie.title},
        "showing": showing_view(
            context.showing, context.theater, movie=context.movie, seats_taken=seats_taken
        ),
        "seats": list(booking.seats),
        "total": money_view(booking.total),
        "payment": {"brand": booking.payment.brand, "last4": booking.payment.last4},
        "refunded": money_view(booking.payment.refunded),
        "tickets": [
            {
                "ticket_id": ticket.id,
                "seat": ticket.seat_id,
                "category": str(ticket.category),
                "price": money_view(ticket.price),
                "status": str(ticket.status),
                "code": ticket.code,
                "qr_png": path(files.qr_png.get(ticket.id)) if files else None,
                "qr_svg": path(files.qr_svg.get(ticket.id)) if files else None,
            }
            for ticket in booking.tickets
        ],
        "eticket_pdf": path(files.pdf) if files else None,
        "confirmation_eml": path(confirmation),
        "created_at": local_time(booking.created_at, context.theater).isoformat(),
    }


def purchase_view(purchase: Purchase) -> dict[str, Any]:
    """The documented ``buy --json`` shape (BOOKING plus ``replayed``)."""
    view = booking_view(
        purchase.booking,
        purchase.context,
        purchase.files,
        purchase.confirmation,
        seats_taken=purchase.seats_taken,
    )
    view["replayed"] = purchase.replayed
    return view


# -- demo --------------------------------------------------------------------------------------
DEMO_BUYER = ("Demo Viewer", "demo@example.com")


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
        card="4242424242424242",
    )
