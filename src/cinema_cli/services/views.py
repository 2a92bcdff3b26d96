"""Transitional: removed when checkin/cancellation/imports move to present/.

The documented JSON shapes live in :mod:`cinema_cli.present`; what is left here is only
what ``services/checkin.py`` and ``services/cancellation.py`` still import. New code uses
:mod:`cinema_cli.present.common` and :func:`cinema_cli.domain.times.person_time`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cinema_cli.domain.models import Money, Movie, Showing, Theater, format_amount


def local_time(instant: datetime, theater: Theater) -> datetime:
    """An instant in the theater's own time zone (DST-correct)."""
    return instant.astimezone(ZoneInfo(theater.timezone))


def local_label(instant: datetime, theater: Theater | None) -> str:
    """An instant for people: ``Wed 25 Nov 2026 19:00 EST`` in the theater's zone (UTC if
    the theater is unknown)."""
    if theater is None:
        return f"{instant.astimezone(ZoneInfo('UTC')):%a %d %b %Y %H:%M} UTC"
    moment = local_time(instant, theater)
    return f"{moment:%a %d %b %Y %H:%M} {moment.tzname()}"


def money_view(money: Money) -> dict[str, str]:
    return {"amount": format_amount(money.amount, money.currency), "currency": money.currency}


def showing_view(
    showing: Showing, theater: Theater, *, movie: Movie | None = None, seats_taken: int = 0
) -> dict[str, Any]:
    """The SHOWING shape: ``{"id","starts_at","theater","room","seats_total","seats_available",
    "prices","currency",...}``; times are ISO 8601 with the theater's local UTC offset."""
    room = theater.room(showing.room_id)
    seats_total = room.seats_total if room else 0
    view: dict[str, Any] = {
        "id": showing.id,
        "movie_id": showing.movie_id,
        "starts_at": local_time(showing.starts_at, theater).isoformat(),
        "ends_at": local_time(showing.ends_at, theater).isoformat(),
        "timezone": theater.timezone,
        "theater": {"id": theater.id, "name": theater.name, "city": theater.city_id},
        "room": {"id": showing.room_id, "name": room.name if room else showing.room_id},
        "format": showing.format,
        "language": showing.language,
        "status": str(showing.status),
        "seats_total": seats_total,
        "seats_available": max(seats_total - seats_taken, 0),
        "prices": {
            str(category): format_amount(amount, showing.currency)
            for category, amount in showing.prices.items()
        },
        "currency": showing.currency,
    }
    if movie is not None:
        view["movie_title"] = movie.title
    return view
