"""``export showtimes --format jsonld``: showings as schema.org ``ScreeningEvent`` objects.

One JSON-LD document, ``{"@context": "https://schema.org", "@graph": [...]}``, the form
search engines read from a cinema's pages. Each event names its movie (``workPresented``,
a ``Movie``), its place (``location``, a ``MovieTheater`` with a ``PostalAddress``), its
start and end in the theater's local time with the UTC offset, ``videoFormat``,
``inLanguage`` / ``subtitleLanguage`` and one ``Offer`` per seat category of the room
(price, currency and whether seats are left at the moment of the export).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import IO, Any

from cinema_cli.domain.feeds import zone_of
from cinema_cli.domain.models import Movie, SeatCategory, ShowingStatus, format_amount
from cinema_cli.services.imports.export import ListedShowing, as_datetime
from cinema_cli.services.ports.storage import Reader

SCHEMA = "https://schema.org/"
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def spoken_and_subtitles(language: str) -> tuple[str | None, str | None]:
    """A showing's ``language`` as (spoken, subtitles) language tags.

    ``de`` is German; ``en+de`` is English with German subtitles (what cinemas print as
    "OmU"). A value that is not a language tag (free text such as ``OV``) gives nothing.
    """
    spoken, _, subtitles = language.strip().partition("+")
    spoken, subtitles = spoken.strip(), subtitles.strip()
    return (
        spoken if _LANGUAGE_TAG.match(spoken) else None,
        subtitles if _LANGUAGE_TAG.match(subtitles) else None,
    )


def _movie(item: ListedShowing) -> dict[str, Any]:
    movie: Movie | None = item.movie
    work: dict[str, Any] = {
        "@type": "Movie",
        "@id": f"urn:cinema-cli:movie:{item.showing.movie_id}",
        "name": movie.title if movie else item.showing.movie_id,
    }
    if movie is not None:
        work["duration"] = f"PT{movie.runtime_minutes}M"
        if movie.rating:
            work["contentRating"] = movie.rating
        if movie.genres:
            work["genre"] = list(movie.genres)
        if movie.language:
            work["inLanguage"] = movie.language
        if movie.year:
            work["dateCreated"] = str(movie.year)
    return work


def _place(item: ListedShowing) -> dict[str, Any]:
    theater = item.theater
    address: dict[str, Any] = {"@type": "PostalAddress"}
    if theater.address:
        address["streetAddress"] = theater.address
    if item.city is not None:
        address["addressLocality"] = item.city.name
        if item.city.country:
            address["addressCountry"] = item.city.country
    return {
        "@type": "MovieTheater",
        "@id": f"urn:cinema-cli:theater:{theater.id}",
        "name": theater.name,
        "address": address,
        "screenCount": len(theater.rooms),
    }


def _offers(item: ListedShowing, free: int) -> list[dict[str, Any]]:
    showing = item.showing
    room = item.theater.room(showing.room_id)
    present = {seat.category for seat in room.seats if not seat.blocked} if room else set()
    if showing.status is ShowingStatus.CANCELLED:
        availability = "Discontinued"
    else:
        availability = "InStock" if free > 0 else "SoldOut"
    return [
        {
            "@type": "Offer",
            "category": str(category),
            "price": format_amount(showing.price_of(category).amount, showing.currency),
            "priceCurrency": showing.currency,
            "availability": SCHEMA + availability,
        }
        for category in SeatCategory
        if category in present or (category is SeatCategory.STANDARD and not present)
    ]


def screening_event(item: ListedShowing, free: int) -> dict[str, Any]:
    """One showing as a schema.org ``ScreeningEvent`` (``free``: seats left to sell)."""
    showing = item.showing
    zone = zone_of(item.theater.timezone)
    room = item.theater.room(showing.room_id)
    event: dict[str, Any] = {
        "@type": "ScreeningEvent",
        "@id": f"urn:cinema-cli:showing:{showing.id}",
        "identifier": showing.id,
        "name": item.movie.title if item.movie else showing.movie_id,
        "startDate": as_datetime(showing.starts_at).astimezone(zone).isoformat(),
        "endDate": as_datetime(showing.ends_at).astimezone(zone).isoformat(),
        "eventStatus": SCHEMA
        + ("EventCancelled" if showing.status is ShowingStatus.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "workPresented": _movie(item),
        "location": _place(item),
        "videoFormat": showing.format,
        "offers": _offers(item, free),
    }
    if room is not None:
        event["location"]["containsPlace"] = {"@type": "Place", "name": room.name}
    spoken, subtitles = spoken_and_subtitles(showing.language)
    if spoken:
        event["inLanguage"] = spoken
    if subtitles:
        event["subtitleLanguage"] = subtitles
    return event


def write_jsonld(
    reader: Reader, listed: list[ListedShowing], out: IO[bytes], *, now: datetime
) -> int:
    """Write the showings as one JSON-LD document; returns how many."""
    import orjson

    taken = reader.seats_taken([item.showing.id for item in listed], now)
    events = []
    for item in listed:
        room = item.theater.room(item.showing.room_id)
        total = room.seats_total if room else 0
        events.append(screening_event(item, total - taken.get(item.showing.id, 0)))
    document = {"@context": "https://schema.org", "@graph": events}
    out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    out.flush()
    return len(events)
