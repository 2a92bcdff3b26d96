"""Shapes shared by several commands: MONEY, MOVIE, SHOWING, THEATER, SEAT."""

from __future__ import annotations

from typing import NotRequired  # pydantic reads these on 3.11

from typing_extensions import TypedDict

from cinema_cli.domain.business_day import business_day
from cinema_cli.domain.layout import Seat
from cinema_cli.domain.models import City, Money, Movie, Showing, Theater, format_amount
from cinema_cli.domain.times import local_time


class MoneyShape(TypedDict):
    amount: str
    """With the currency's decimals: ``"12.50"`` EUR, ``"1800"`` JPY."""
    currency: str


class MovieShape(TypedDict):
    id: str
    title: str
    runtime_minutes: int
    rating: str
    genres: list[str]
    language: str


class TheaterRef(TypedDict):
    id: str
    name: str
    city: str


class RoomRef(TypedDict):
    id: str
    name: str


class ShowingShape(TypedDict):
    id: str
    movie_id: str
    movie_title: NotRequired[str]
    starts_at: str
    ends_at: str
    timezone: str
    business_day: str
    """The theater's business day (``YYYY-MM-DD``): a 00:30 late show belongs to the day before."""
    theater: TheaterRef
    room: RoomRef
    format: str
    language: str
    status: str
    seats_total: int
    seats_available: int
    prices: dict[str, str]
    currency: str


class RoomShape(TypedDict):
    id: str
    name: str
    seats_total: int


class TheaterShape(TypedDict):
    id: str
    name: str
    city: str
    city_name: str
    address: str
    timezone: str
    business_day_cutoff: str
    """``HH:MM``: showings before it belong to the business day before."""
    currency: str
    rooms: list[RoomShape]


class SeatShape(TypedDict):
    id: str
    row: str
    number: int
    category: str
    status: str
    """``available``, ``held``, ``sold`` or ``blocked``."""
    price: str
    mine: bool
    row_index: int
    """0 nearest the screen."""
    column: int
    """Position in the drawn row, gaps counted."""
    companion_of: NotRequired[str]
    """A companion seat's wheelchair space (the seat it is sold with)."""


def money(value: Money) -> MoneyShape:
    return {"amount": format_amount(value.amount, value.currency), "currency": value.currency}


def movie(value: Movie) -> MovieShape:
    return {
        "id": value.id,
        "title": value.title,
        "runtime_minutes": value.runtime_minutes,
        "rating": value.rating,
        "genres": list(value.genres),
        "language": value.language,
    }


def showing(
    value: Showing, theater: Theater, *, movie: Movie | None = None, seats_taken: int = 0
) -> ShowingShape:
    """The SHOWING shape; times are ISO 8601 with the theater's local UTC offset."""
    room = theater.room(value.room_id)
    seats_total = room.seats_total if room else 0
    starts = local_time(value.starts_at, theater.timezone)
    shape: ShowingShape = {
        "id": value.id,
        "movie_id": value.movie_id,
        "starts_at": starts.isoformat(),
        "ends_at": local_time(value.ends_at, theater.timezone).isoformat(),
        "timezone": theater.timezone,
        "business_day": business_day(starts, theater.business_day_cutoff).isoformat(),
        "theater": {"id": theater.id, "name": theater.name, "city": theater.city_id},
        "room": {"id": value.room_id, "name": room.name if room else value.room_id},
        "format": value.format,
        "language": value.language,
        "status": str(value.status),
        "seats_total": seats_total,
        "seats_available": max(seats_total - seats_taken, 0),
        "prices": {
            str(category): format_amount(amount, value.currency)
            for category, amount in value.prices.items()
        },
        "currency": value.currency,
    }
    if movie is not None:
        shape["movie_title"] = movie.title
    return shape


def theater(value: Theater, city: City | None = None) -> TheaterShape:
    """A theater with its rooms; ``city`` is the city id, as in SHOWING."""
    return {
        "id": value.id,
        "name": value.name,
        "city": value.city_id,
        "city_name": city.name if city else value.city_id,
        "address": value.address,
        "timezone": value.timezone,
        "business_day_cutoff": value.business_day_cutoff.strftime("%H:%M"),
        "currency": value.currency,
        "rooms": [
            {"id": room.id, "name": room.name, "seats_total": room.seats_total}
            for room in value.rooms
        ],
    }


def seat(
    value: Seat, status: str, price: Money, *, mine: bool = False, companion_of: str | None = None
) -> SeatShape:
    shape: SeatShape = {
        "id": value.id,
        "row": value.row,
        "number": value.number,
        "category": value.category,
        "status": status,
        "price": format_amount(price.amount, price.currency),
        "mine": mine,
        "row_index": value.row_index,
        "column": value.column,
    }
    if companion_of is not None:
        shape["companion_of"] = companion_of
    return shape
