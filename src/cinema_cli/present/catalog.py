"""The browsing shapes: ``theaters``, ``search``, ``showtimes`` and ``seats``."""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired  # pydantic reads these on 3.11

from typing_extensions import TypedDict

from cinema_cli.present.common import (
    MovieShape,
    SeatShape,
    ShowingShape,
    TheaterShape,
    movie,
    seat,
    showing,
    theater,
)

if TYPE_CHECKING:
    from cinema_cli.services.catalog import SearchResult as SearchFound
    from cinema_cli.services.catalog import ShowingInfo, Showtimes, TheaterList
    from cinema_cli.services.seats import SeatMap


class TheatersShape(TypedDict):
    theaters: list[TheaterShape]


class MovieShowingsShape(MovieShape):
    """A movie that matched, with its showings, earliest first."""

    showings: list[ShowingShape]


class SearchShape(TypedDict):
    movies: list[MovieShowingsShape]
    count: int
    """Showings listed, over every movie."""
    truncated: bool
    """True when ``--limit`` left later showings out."""


class ShowtimesShape(TypedDict):
    movie: MovieShape
    showings: list[ShowingShape]
    count: int
    truncated: bool


class SeatsShape(TypedDict):
    showing: ShowingShape
    seats: list[SeatShape]
    available: int
    layout: list[str]
    """The room's rows, front first (format: ``domain/layout.py``)."""
    session_id: NotRequired[str]
    """With ``--session``: that session, and the seats it holds."""
    held_by_session: NotRequired[list[str]]


def showing_info(info: ShowingInfo) -> ShowingShape:
    """The SHOWING shape of a listed showing, with its free seats."""
    return showing(info.showing, info.theater, movie=info.movie, seats_taken=info.seats_taken)


def theaters(result: TheaterList) -> TheatersShape:
    return {"theaters": [theater(info.theater, info.city) for info in result.theaters]}


def search(result: SearchFound) -> SearchShape:
    return {
        "movies": [
            {**movie(entry.movie), "showings": [showing_info(info) for info in entry.showings]}
            for entry in result.movies
        ],
        "count": result.showing_count,
        "truncated": result.truncated,
    }


def showtimes(result: Showtimes) -> ShowtimesShape:
    return {
        "movie": movie(result.movie),
        "showings": [showing_info(info) for info in result.showings],
        "count": len(result.showings),
        "truncated": result.truncated,
    }


def seats(result: SeatMap) -> SeatsShape:
    pairs = result.companion_of
    document: SeatsShape = {
        "showing": showing_info(result.showing),
        "seats": [
            seat(
                info.seat,
                info.status,
                info.price,
                mine=info.mine,
                companion_of=pairs.get(info.seat.id),
            )
            for info in result.seats
        ],
        "available": result.available,
        "layout": list(result.room.layout),
    }
    if result.session_id is not None:
        document["session_id"] = result.session_id
        document["held_by_session"] = result.held_by_me
    return document
