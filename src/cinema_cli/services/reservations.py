"""Holding seats: ``cinema reserve``.

The read-check-write happens inside one ``with storage.transaction() as tx:`` so that
concurrent processes cannot hold or sell a seat twice.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from cinema_cli.domain.allocation import allocate
from cinema_cli.domain.companions import check_companions
from cinema_cli.domain.errors import InvalidInput, SeatNotFound, SeatUnavailable, TooManySeats
from cinema_cli.domain.layout import Seat
from cinema_cli.domain.models import ClaimKind, Reservation, SeatCategory, SeatClaim
from cinema_cli.domain.purchase import total_price
from cinema_cli.domain.seating import (
    DEFAULT_CATEGORY,
    MAX_SEATS_PER_RESERVATION,
    requested_seats,
    taken_seats,
)
from cinema_cli.services import audit
from cinema_cli.services.explain import seats_taken
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Storage
from cinema_cli.services.showing_context import (
    ShowingContext,
    load_showing_context,
    require_bookable,
)

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def new_id(prefix: str) -> str:
    """A fresh random id: ``prefix``, ``-`` and 12 hex digits (``r-6388fb336b42``)."""
    return f"{prefix}-{secrets.token_hex(6)}"


def new_session_id() -> str:
    """A fresh session id (``s-`` and 12 hex digits)."""
    return new_id("s")


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


def _check_accessible(count: int | None, wheelchair: int, together: bool) -> None:
    """``--wheelchair`` and ``--together`` choose seats for ``--count``; they must fit it."""
    if count is None and (wheelchair or together):
        flag = "--wheelchair" if wheelchair else "--together"
        raise InvalidInput(f"{flag} chooses seats for --count; give --count N", field="count")
    if wheelchair < 0:
        raise InvalidInput(f"--wheelchair: must be 0 or more, got {wheelchair}", field="wheelchair")
    if count is not None and wheelchair > count:
        raise InvalidInput(
            f"--wheelchair {wheelchair} is more than --count {count} "
            "(the count includes the wheelchair spaces)",
            field="wheelchair",
        )


def _check_request(seats: Sequence[str], count: int | None, category: str | None) -> int:
    """How many seats are wanted, once the request makes sense."""
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
    return wanted


def _named_seats(
    context: ShowingContext, labels: Sequence[str], claimed: Mapping[str, SeatClaim]
) -> list[Seat]:
    """The seats a person named, or an error that says why each is taken and what runs next."""
    showing_id = context.showing.id
    try:
        return requested_seats(context.room.seats, labels, claimed.keys())
    except SeatNotFound as error:
        error.details["hint"] = f"see the seat map with `cinema seats {showing_id}`"
        raise
    except SeatUnavailable as error:
        raise seats_taken(
            error, claimed, showing_id=showing_id, timezone=context.theater.timezone
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
    wheelchair: int = 0,
    together: bool = False,
    companion_release_minutes: int = 60,
) -> ReserveResult:
    """Hold seats of a showing for a session.

    Either ``seats`` (labels like ``C7``) or ``count`` (the best block of that many
    ``category`` seats, or the best split over rows unless ``together``; with
    ``wheelchair=K``, K of them are wheelchair spaces with their companion seats; see
    :mod:`cinema_cli.domain.allocation`). Companion seats go only with their wheelchair
    space until ``companion_release_minutes`` before the start. The hold lasts
    ``hold_seconds``; a hold of the same session for the same showing is replaced.
    """
    wanted = _check_request(seats, count, category)
    _check_accessible(count, wheelchair, together)
    seat_category = parse_category(category)
    new_session = session_id is None
    if session_id is None:
        session_id = new_session_id()
    elif not _SESSION_ID.fullmatch(session_id):
        raise InvalidInput(
            "--session: use 1 to 64 letters, digits, '.', '_', ':' or '-'", field="session"
        )

    with storage.transaction() as tx:
        now = clock()
        context = load_showing_context(tx, showing_id)
        showing = context.showing
        require_bookable(showing, now)
        claims = tx.claims(showing.id)
        mine = {
            claim.reservation_id
            for claim in claims
            if claim.kind is ClaimKind.HOLD
            and claim.session_id == session_id
            and claim.reservation_id is not None
        }
        claimed = taken_seats(claims, now, ignoring=mine)
        taken = claimed.keys()
        if seats:
            chosen = _named_seats(context, seats, claimed)
        else:
            chosen = allocate(
                context.room.seats,
                taken,
                wanted,
                seat_category.value,
                wheelchair=wheelchair,
                together=together,
            )
        check_companions(
            context.room.seats,
            chosen,
            starts_at=showing.starts_at,
            now=now,
            release=timedelta(minutes=companion_release_minutes),
            showing_id=showing.id,
        )
        prices = [showing.price_of(SeatCategory(seat.category)) for seat in chosen]
        reservation = Reservation(
            id=new_id("r"),
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
                audit.record(
                    tx,
                    at=now,
                    action="release",
                    subject=old_id,
                    actor=actor,
                    replaced_by=reservation.id,
                )
        tx.put_reservation(reservation)
        audit.record(
            tx,
            at=now,
            action="hold",
            subject=reservation.id,
            actor=actor,
            showing_id=showing.id,
            seats=reservation.seats,
            expires_at=reservation.expires_at.isoformat(),
        )
    return ReserveResult(reservation, context, replaced[0] if replaced else None, new_session)
