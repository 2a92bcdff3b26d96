"""The design notes' ``seatReservation(sessionId, movieId, showingId, seatsReserved)``.

A thin use case over :func:`cinema_cli.services.booking.reserve` that also checks the movie
the caller thinks the showing is of, so that a stale page cannot hold seats for the wrong film.
"""

from __future__ import annotations

from collections.abc import Sequence

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.services.booking import ReserveResult, reserve
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Storage


def seat_reservation(
    storage: Storage,
    clock: Clock,
    *,
    showing_id: str,
    movie_id: str | None = None,
    session_id: str | None = None,
    seats: Sequence[str] = (),
    count: int | None = None,
    category: str | None = None,
    hold_seconds: int = 600,
    wheelchair: int = 0,
    together: bool = False,
    companion_release_minutes: int = 60,
) -> ReserveResult:
    """Hold ``seats`` (or the best ``count`` of ``category``, ``wheelchair`` of them wheelchair
    spaces with their companions, split over rows unless ``together``) for a session."""
    if movie_id is not None:
        showing = storage.showing(showing_id)
        if showing is not None and showing.movie_id != movie_id:
            raise InvalidInput(
                f"movie_id: showing {showing_id} is of movie {showing.movie_id}, not {movie_id}",
                field="movie_id",
                movie_id=showing.movie_id,
            )
    return reserve(
        storage,
        clock,
        showing_id,
        seats=seats,
        count=count,
        category=category,
        session_id=session_id,
        hold_seconds=hold_seconds,
        wheelchair=wheelchair,
        together=together,
        companion_release_minutes=companion_release_minutes,
    )
