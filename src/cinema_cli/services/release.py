"""Give a hold back before it expires (``DELETE /v1/reservations/{id}``)."""

from __future__ import annotations

from dataclasses import dataclass

from cinema_cli.domain.errors import ReservationNotFound
from cinema_cli.domain.models import Reservation
from cinema_cli.services import audit
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Storage


@dataclass(frozen=True, slots=True)
class Release:
    """The hold that was released; its seats are free for others at once."""

    reservation: Reservation


def release(storage: Storage, clock: Clock, reservation_id: str, session_id: str) -> Release:
    """Release the hold ``reservation_id`` of ``session_id``; sold seats are never touched.

    Raises ``ReservationNotFound`` when no reservation has that id for that session (a
    reservation already released, or bought, is gone too).
    """
    with storage.transaction() as tx:
        now = clock()
        found = tx.reservation(reservation_id)
        if found is None or found.session_id != session_id:
            raise ReservationNotFound(
                f"no reservation {reservation_id!r} for this session",
                reservation_id=reservation_id,
            )
        tx.release_reservation(found)
        audit.record(
            tx,
            at=now,
            action="release",
            subject=found.id,
            actor=f"session:{session_id}",
            showing_id=found.showing_id,
            seats=list(found.seats),
        )
    return Release(found)
