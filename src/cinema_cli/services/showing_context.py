"""A showing with everything it belongs to: the one way services load it.

Booking, the seat map, cancellation and check-in all need a showing together with its
theater (for the time zone and the name), its room (for the seats) and its movie (for
the title). :func:`load_showing_context` reads them in one place and says which link is
missing when the catalog changed under a showing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cinema_cli.domain.errors import (
    MovieNotFound,
    RoomNotFound,
    ShowingNotBookable,
    TheaterNotFound,
)
from cinema_cli.domain.models import Movie, Room, Showing, ShowingStatus, Theater
from cinema_cli.services.explain import showing_not_found
from cinema_cli.services.ports.storage import Reader


@dataclass(frozen=True, slots=True)
class ShowingContext:
    """A showing with the theater, room and movie it belongs to."""

    showing: Showing
    theater: Theater
    room: Room
    movie: Movie


def load_showing_context(reader: Reader, showing_id: str) -> ShowingContext:
    """The showing ``showing_id`` with its theater, room and movie.

    ``reader`` is the storage or an open transaction (inside one, the context is read
    under its lock). Raises :class:`ShowingNotFound` for an unknown id, and
    :class:`TheaterNotFound`, :class:`RoomNotFound` or :class:`MovieNotFound` when the
    showing names something that no longer exists (all exit 3).
    """
    showing = reader.showing(showing_id)
    if showing is None:
        raise showing_not_found(reader, showing_id)
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


def require_bookable(showing: Showing, now: datetime) -> None:
    """Raise :class:`ShowingNotBookable` when ``showing`` is cancelled or has started."""
    if showing.status is ShowingStatus.CANCELLED:
        raise ShowingNotBookable(
            f"showing {showing.id} is cancelled", showing_id=showing.id, reason="cancelled"
        )
    if showing.starts_at <= now:
        raise ShowingNotBookable(
            f"showing {showing.id} has already started", showing_id=showing.id, reason="started"
        )
