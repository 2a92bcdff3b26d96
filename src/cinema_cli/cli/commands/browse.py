"""Browsing: theaters, search, showtimes, seat map.

Each command parses its options, makes one call to
:mod:`cinema_cli.services.catalog` (or ``services.seats``) and renders the typed
result: rich tables, or with ``--json`` the shape :mod:`cinema_cli.present.catalog`
builds. Services, the presenter and rich are imported inside the commands to keep
start-up cheap.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag, check_session, parse_clock_time, parse_date

RELATIVE_DAYS = ("today", "tomorrow")


def _check_date(value: str | None) -> str | None:
    """Validate ``--date`` (YYYY-MM-DD, today, tomorrow); the command converts it."""
    if value is not None and value.strip().lower() not in RELATIVE_DAYS:
        parse_date(value.strip())
    return value


def _check_time(value: str | None) -> str | None:
    """Validate ``--after``/``--before`` (HH:MM); the command converts it."""
    if value is not None:
        parse_clock_time(value.strip())
    return value


def _day(value: str | None) -> dt.date | str | None:
    if value is None:
        return None
    text = value.strip().lower()
    return text if text in RELATIVE_DAYS else dt.date.fromisoformat(text)


def _clock_time(value: str | None) -> dt.time | None:
    return None if value is None else dt.time.fromisoformat(value.strip())


CityOption = Annotated[
    str | None,
    typer.Option("--city", "-c", help="City id or name (case and accents ignored)."),
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        callback=_check_date,
        metavar="YYYY-MM-DD",
        help="Only this day, in each theater's local time (also: today, tomorrow).",
    ),
]
TheaterOption = Annotated[
    str | None, typer.Option("--theater", "-t", help="Only this theater (id).")
]
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit", min=0, help="Show at most this many showings, earliest first (0: all)."
    ),
]


def theaters(city: CityOption = None, json: JsonFlag = False) -> None:
    """List theaters with their rooms.

    Example: `cinema theaters --city berlin`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.catalog import list_theaters

    result = list_theaters(runtime().storage, city=city)
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present import catalog as present

        emit_json(present.theaters(result))
        return
    from cinema_cli.cli.output import console
    from cinema_cli.cli.render_catalog import render_theaters

    render_theaters(console(), result)


def search(
    keyword: Annotated[
        str | None,
        typer.Argument(
            metavar="KEYWORD",
            help="Words of the title (case and accents ignored). Empty: every movie.",
        ),
    ] = None,
    city: CityOption = None,
    date: DateOption = None,
    after: Annotated[
        str | None,
        typer.Option(
            "--after",
            callback=_check_time,
            metavar="HH:MM",
            help="Starting at or after this local time.",
        ),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            callback=_check_time,
            metavar="HH:MM",
            help="Starting before this local time.",
        ),
    ] = None,
    theater: TheaterOption = None,
    limit: LimitOption = 100,
    json: JsonFlag = False,
) -> None:
    """Find upcoming showings by title, city, date and time of day.

    Dates and times are each theater's local ones. Without --date, every
    upcoming showing counts.

    Example: `cinema search metro --city berlin --date tomorrow --after 18:00`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import catalog

    rt = runtime()
    result = catalog.search(
        rt.storage,
        rt.clock,
        keyword=keyword,
        city=city,
        date=_day(date),
        after=_clock_time(after),
        before=_clock_time(before),
        theater_id=theater,
        limit=limit or None,
    )
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present import catalog as present

        emit_json(present.search(result))
        return
    from cinema_cli.cli.output import console
    from cinema_cli.cli.render_catalog import render_search

    render_search(console(), result)


def showtimes(
    movie: Annotated[
        str, typer.Argument(metavar="MOVIE", help="Movie id, or a title that names one movie.")
    ],
    city: CityOption = None,
    date: DateOption = None,
    theater: TheaterOption = None,
    limit: LimitOption = 100,
    json: JsonFlag = False,
) -> None:
    """List a movie's upcoming showings.

    Example: `cinema showtimes metropolis --city "new york"`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import catalog

    rt = runtime()
    result = catalog.showtimes(
        rt.storage,
        rt.clock,
        movie=movie,
        city=city,
        date=_day(date),
        theater_id=theater,
        limit=limit or None,
    )
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present import catalog as present

        emit_json(present.showtimes(result))
        return
    from cinema_cli.cli.output import console
    from cinema_cli.cli.render_catalog import render_showtimes

    render_showtimes(console(), result)


class SeatMapFormat(StrEnum):
    """How ``seats`` draws the map."""

    TEXT = "text"
    SVG = "svg"


def seats(
    showing_id: Annotated[
        str, typer.Argument(metavar="SHOWING_ID", help="The showing (ids come from search).")
    ],
    session: Annotated[
        str | None,
        typer.Option(
            "--session", callback=check_session, help="Mark the seats held by this session."
        ),
    ] = None,
    output_format: Annotated[
        SeatMapFormat,
        typer.Option(
            "--format", help="text (the map in the terminal) or svg (a drawing: `> map.svg`)."
        ),
    ] = SeatMapFormat.TEXT,
    json: JsonFlag = False,
) -> None:
    """Show the seat map of one showing: each seat available, held, sold or blocked.

    Example: `cinema seats berlin-mitte-saal1-20260512-1515`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.seats import seat_map

    rt = runtime()
    result = seat_map(rt.storage, rt.clock, showing_id, session_id=session)
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present import catalog as present

        emit_json(present.seats(result))
        return
    if output_format is SeatMapFormat.SVG:
        import sys

        from cinema_cli.present.seatmap_svg import seat_map_svg

        sys.stdout.write(seat_map_svg(result))
        return
    from cinema_cli.cli.output import console
    from cinema_cli.cli.render_catalog import render_seat_map

    render_seat_map(console(), result)


def register(app: typer.Typer) -> None:
    """Attach the browsing commands."""
    app.command("theaters")(theaters)
    app.command("search")(search)
    app.command("showtimes")(showtimes)
    app.command("seats")(seats)
