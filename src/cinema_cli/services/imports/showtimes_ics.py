"""``export showtimes --format ics``: an iCalendar feed (RFC 5545) people can subscribe to.

One ``VEVENT`` per showing. Its UID is made from the showing id alone, so a calendar that
reloads the feed updates the events it has instead of adding copies; a cancelled showing
stays in the feed with ``STATUS:CANCELLED`` so subscribers see it go. Times are written in
the theater's own zone (``DTSTART;TZID=Europe/Berlin:...``) with a ``VTIMEZONE`` block per
zone, built by the ``icalendar`` library from the IANA database, daylight saving included.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO

from cinema_cli.domain.feeds import zone_of
from cinema_cli.domain.models import ShowingStatus
from cinema_cli.services.imports.export import ListedShowing, as_datetime
from cinema_cli.services.imports.showtimes_jsonld import spoken_and_subtitles

PRODID = "-//cinema-cli//showtimes//EN"


def showing_uid(showing_id: str) -> str:
    """The stable calendar UID of a showing."""
    return f"showing-{showing_id}@cinema-cli.invalid"


def _description(item: ListedShowing) -> str:
    showing = item.showing
    spoken, subtitles = spoken_and_subtitles(showing.language)
    parts = [f"Format: {showing.format}"]
    if spoken:
        parts.append(f"Language: {spoken}" + (f", subtitles {subtitles}" if subtitles else ""))
    elif showing.language:
        parts.append(f"Language: {showing.language}")
    if item.movie is not None:
        parts.append(f"Runtime: {item.movie.runtime_minutes} min")
    parts.append(f"Showing: {showing.id}")
    return "\n".join(parts)


def write_ics(listed: list[ListedShowing], out: IO[bytes], *, now: datetime) -> int:
    """Write the showings as one VCALENDAR; returns how many events."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Showtimes")
    for item in listed:
        showing, theater = item.showing, item.theater
        zone = zone_of(theater.timezone)
        room = theater.room(showing.room_id)
        event = Event()
        event.add("uid", showing_uid(showing.id))
        event.add("dtstamp", now)
        event.add("dtstart", as_datetime(showing.starts_at).astimezone(zone))
        event.add("dtend", as_datetime(showing.ends_at).astimezone(zone))
        event.add("summary", item.movie.title if item.movie else showing.movie_id)
        event.add(
            "location",
            ", ".join(
                part for part in (theater.name, room.name if room else "", theater.address) if part
            ),
        )
        event.add("description", _description(item))
        cancelled = showing.status is ShowingStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    out.write(calendar.to_ical())
    out.flush()
    return len(listed)
