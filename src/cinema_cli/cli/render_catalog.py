"""Human output of the browsing commands: rich tables and the seat map grid.

Imported inside the command bodies only (it loads rich). Everything shown in
colour is also readable without it: statuses have their own glyphs, and the
category table names the premium and wheelchair seats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cinema_cli.domain.models import SeatCategory
from cinema_cli.domain.times import person_time

if TYPE_CHECKING:
    from cinema_cli.domain.models import Movie
    from cinema_cli.services.bookings import BookingDetails
    from cinema_cli.services.catalog import (
        SearchResult,
        ShowingInfo,
        Showtimes,
        TheaterInfo,
        TheaterList,
    )
    from cinema_cli.services.demo import DemoResult
    from cinema_cli.services.purchase import Purchase
    from cinema_cli.services.seats import SeatInfo, SeatMap

STYLES = {
    "standard": "green",
    "premium": "bold magenta",
    "wheelchair": "bold blue",
    "companion": "cyan",
    "held": "yellow",
    "sold": "red",
    "blocked": "bright_black",
    "mine": "bold black on bright_cyan",
}
GLYPHS = {"held": "▒", "sold": "█", "blocked": "×", "mine": "◆"}


def _when(info: ShowingInfo) -> str:
    """``Sat 05 Dec 00:30 CET, late show of Fri`` when it starts after midnight."""
    from cinema_cli.domain.business_day import late_show_note
    from cinema_cli.domain.times import local_time

    text = person_time(info.showing.starts_at, info.theater.timezone, year=False)
    local = local_time(info.showing.starts_at, info.theater.timezone)
    note = late_show_note(local, info.theater.business_day_cutoff)
    return f"{text}, {note}" if note else text


def _standard_price(info: ShowingInfo) -> str:
    return str(info.showing.price_of(SeatCategory.STANDARD))


def _movie_heading(movie: Movie) -> Text:
    parts = [f"{movie.runtime_minutes} min"]
    if movie.year:
        parts.insert(0, str(movie.year))
    if movie.rating:
        parts.append(movie.rating)
    if movie.genres:
        parts.append(", ".join(movie.genres))
    heading = Text(movie.title, style="bold")
    heading.append(f"  ({movie.id})", style="dim")
    heading.append("  " + " · ".join(parts))
    return heading


def _table_width(console: Console) -> int:
    """The terminal's width; no limit when writing to a pipe or a file (nothing wraps there)."""
    return console.width if console.is_terminal else 1_000


MIN_THEATER_WIDTH = 24


def _showings_table(showings: Sequence[ShowingInfo], width: int) -> Text:
    """One line per showing, columns padded by hand.

    rich's ``Table`` measures every cell and costs ~0.5 ms a row; a programme
    of a hundred showings is drawn here in a few milliseconds instead. On a
    narrow terminal the showing id (which must stay whole, to be copied) goes
    on its own line under each showing.
    """
    header = ["Starts (local)", "Theater, room", "Format", "Free", "Price", "Showing id"]
    right = {3, 4}
    rows = [
        [
            _when(info),
            f"{info.theater.name}, {info.room_name}",
            info.showing.format,
            str(info.seats_available),
            _standard_price(info),
            info.showing.id,
        ]
        for info in showings
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    id_below = False
    spare = width - (sum(widths) + 2 * (len(widths) - 1))
    if widths[1] + spare < MIN_THEATER_WIDTH:
        id_below = True
        spare += widths[5] + 2
        widths[5] = 0
    if spare < 0:  # shorten the theater and room, the one column that can give way
        widths[1] = max(len(header[1]), widths[1] + spare)

    def cell(text: str, index: int) -> str:
        if index == 5:
            return text
        if len(text) > widths[index]:
            text = text[: widths[index] - 1] + "…"
        return text.rjust(widths[index]) if index in right else text.ljust(widths[index])

    columns = range(5 if id_below else 6)
    table = Text()
    table.append("  ".join(cell(header[i], i) for i in columns).rstrip(), style="bold")
    for row, info in zip(rows, showings, strict=True):
        table.append("\n")
        for index in columns:
            if index:
                table.append("  ")
            style = ""
            if index == 5:
                style = "cyan"
            elif index == 3 and info.seats_available == 0:
                style = "red"
            table.append(cell(row[index], index), style=style)
        if id_below:
            table.append("\n  ")
            table.append(row[5], style="cyan")
    return table


def _rooms_text(info: TheaterInfo) -> str:
    return ", ".join(f"{room.name} ({room.seats_total})" for room in info.theater.rooms) or "-"


def render_theaters(console: Console, result: TheaterList) -> None:
    if not result.theaters:
        console.print("No theaters yet. Run `cinema demo` to load the demo catalog.")
        return
    rows = [
        (
            info.theater.id,
            info.theater.name,
            info.city.name if info.city else info.theater.city_id,
            info.theater.timezone,
            _rooms_text(info),
        )
        for info in result.theaters
    ]
    # A table cell narrower than its text cuts it ("Lichtspiel… Mitte"); ids and names are
    # copied and read whole, so a terminal too narrow for the table gets one block per theater.
    needed = sum(max(len(row[index]) for row in rows) for index in range(5)) + 3 * 5 + 1
    if needed > console.width:
        console.print(Text("Theaters", style="bold"))
        for theater_id, name, city, zone, rooms in rows:
            console.print()
            line = Text(theater_id, style="cyan")
            line.append(f"  {name}")
            console.print(line)
            console.print(f"  {city} · {zone}", markup=False)
            console.print(f"  Rooms (seats): {rooms}", markup=False)
        return
    table = Table(title="Theaters", header_style="bold", title_justify="left")
    table.add_column("Id", style="cyan", no_wrap=True)
    table.add_column("Theater")
    table.add_column("City")
    table.add_column("Time zone", no_wrap=True)
    table.add_column("Rooms (seats)")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def render_search(console: Console, result: SearchResult) -> None:
    if not result.movies:
        console.print("No upcoming showings match. Try fewer filters, or `cinema theaters`.")
        return
    for index, entry in enumerate(result.movies):
        if index:
            console.print()
        console.print(_movie_heading(entry.movie))
        console.print(
            _showings_table(entry.showings, _table_width(console)),
            overflow="ignore",
            no_wrap=True,
            crop=False,
        )
    _footer(console, result.showing_count, result.truncated)


def render_showtimes(console: Console, result: Showtimes) -> None:
    console.print(_movie_heading(result.movie))
    if not result.showings:
        console.print("No upcoming showings match.")
        return
    console.print(
        _showings_table(result.showings, _table_width(console)),
        overflow="ignore",
        no_wrap=True,
        crop=False,
    )
    _footer(console, len(result.showings), result.truncated)


def _footer(console: Console, count: int, truncated: bool) -> None:
    note = f"{count} showing{'s' if count != 1 else ''}"
    if truncated:
        note += " (more exist: narrow with --date/--city, or raise --limit; 0 shows all)"
    console.print()
    console.print(Text(note, style="dim"))
    console.print(Text("See the seats: cinema seats SHOWING_ID", style="dim"))


# --- seat map ---------------------------------------------------------------------------------
def _cell(info: SeatInfo, width: int) -> Text:
    if info.mine:
        return Text(GLYPHS["mine"] * width, style=STYLES["mine"])
    if info.status != "available":
        return Text(GLYPHS[info.status] * width, style=STYLES[info.status])
    return Text(str(info.seat.number).rjust(width), style=STYLES[info.seat.category])


def seat_grid(seat_map: SeatMap) -> list[Text]:
    """The drawn room: the screen on top, one line per row, aisles kept, labels on both sides."""
    seats = seat_map.seats
    width = max(2, *(len(str(info.seat.number)) for info in seats))
    columns = max(info.seat.column for info in seats) + 1
    label_width = max(len(info.seat.row) for info in seats)
    grid_width = columns * (width + 1) - 1
    margin = " " * (label_width + 2)
    lines = [
        Text(margin + " SCREEN ".center(grid_width, "━"), style="bold"),
        Text(),
    ]
    rows: dict[int, list[SeatInfo]] = {}
    for info in seats:
        rows.setdefault(info.seat.row_index, []).append(info)
    for row_index in sorted(rows):
        by_column = {info.seat.column: info for info in rows[row_index]}
        label = rows[row_index][0].seat.row
        line = Text()
        line.append(label.rjust(label_width), style="bold")
        line.append("  ")
        for column in range(columns):
            if column:
                line.append(" ")
            seat_info = by_column.get(column)
            line.append(_cell(seat_info, width) if seat_info else Text(" " * width))
        line.append("  ")
        line.append(label, style="bold")
        lines.append(line)
    return lines


def legend(seat_map: SeatMap, *, color: bool = True) -> Text:
    """What the grid's glyphs and colours mean (categories by colour only when there is colour)."""
    text = Text()
    entries: list[tuple[str, str, str]] = [("12", STYLES["standard"], "free seat (its number)")]
    if color:
        entries += [
            ("12", STYLES["premium"], "premium"),
            ("12", STYLES["wheelchair"], "wheelchair space"),
            ("12", STYLES["companion"], "companion seat"),
        ]
    entries += [
        (GLYPHS["held"] * 2, STYLES["held"], "held"),
        (GLYPHS["sold"] * 2, STYLES["sold"], "sold"),
        (GLYPHS["blocked"] * 2, STYLES["blocked"], "blocked"),
    ]
    if seat_map.session_id is not None:
        entries.append((GLYPHS["mine"] * 2, STYLES["mine"], "your hold"))
    for index, (sample, style, meaning) in enumerate(entries):
        if index:
            text.append("   ")
        text.append(sample, style=style)
        text.append(" " + meaning)
    return text


def _seat_ranges(infos: list[SeatInfo]) -> str:
    """``F7-14 G7-14 K1`` from seats of one category (runs of numbers per row)."""
    by_row: dict[str, list[int]] = {}
    for info in infos:
        by_row.setdefault(info.seat.row, []).append(info.seat.number)
    parts: list[str] = []
    for row, numbers in by_row.items():
        numbers.sort()
        start = previous = numbers[0]
        for number in [*numbers[1:], None]:
            if number is not None and number == previous + 1:
                previous = number
                continue
            parts.append(f"{row}{start}" if start == previous else f"{row}{start}-{previous}")
            if number is not None:
                start = previous = number
    return " ".join(parts)


def _not_on_sale(seat_map: SeatMap) -> str | None:
    """Why the showing's seats are no longer sold (cancelled, started, ended), or ``None``."""
    showing, zone = seat_map.showing.showing, seat_map.showing.theater.timezone
    if showing.status == "cancelled":
        return "No longer on sale: this showing is cancelled."
    if showing.ends_at <= seat_map.at:
        return f"No longer on sale: this showing ended {person_time(showing.ends_at, zone)}."
    if showing.starts_at <= seat_map.at:
        return f"No longer on sale: this showing started {person_time(showing.starts_at, zone)}."
    return None


def render_seat_map(console: Console, seat_map: SeatMap) -> None:
    info = seat_map.showing
    title = Text(info.movie.title if info.movie else info.showing.movie_id, style="bold")
    title.append(f"  {_when(info)}")
    console.print(title)
    console.print(
        f"{info.theater.name} · {info.room_name} · {info.showing.format}"
        f" · showing {info.showing.id}"
        + ("" if info.showing.status == "scheduled" else f" · {info.showing.status.upper()}")
    )
    console.print()
    grid = seat_grid(seat_map)
    needed = max(line.cell_len for line in grid)
    if console.is_terminal and needed > console.width:
        # A wrapped seat map puts seats in the wrong rows: say what it takes instead.
        console.print(
            f"The seat map needs a terminal {needed} columns wide (this one has "
            f"{console.width}); widen it, or read the seats with "
            f"`cinema seats {info.showing.id} --json`.",
            markup=False,
        )
    else:
        for line in grid:
            console.print(line, no_wrap=True, overflow="ignore", crop=False)
    console.print()
    console.print(legend(seat_map, color=console.color_system is not None))
    console.print()

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("Category")
    table.add_column("Price", justify="right", no_wrap=True)
    table.add_column("Free", justify="right")
    table.add_column("Seats")
    by_category: dict[str, list[SeatInfo]] = {}
    for seat_info in seat_map.seats:
        if seat_info.status != "blocked":
            by_category.setdefault(seat_info.seat.category, []).append(seat_info)
    for category in ("standard", "premium", "wheelchair", "companion"):
        infos = by_category.get(category)
        if not infos:
            continue
        free = sum(1 for seat in infos if seat.status == "available")
        seats = "" if category == "standard" else _seat_ranges(infos)
        table.add_row(Text(category, style=STYLES[category]), str(infos[0].price), str(free), seats)
    console.print(table)
    pairs = seat_map.companion_of
    if pairs:
        console.print(
            "Companion seats: "
            + " · ".join(f"{seat} with wheelchair space {space}" for seat, space in pairs.items())
        )
    console.print()
    closed = _not_on_sale(seat_map)
    summary = closed or f"{seat_map.available} of {info.seats_total} seats available"
    if seat_map.session_id is not None:
        held = seat_map.held_by_me
        summary += f" · your hold: {', '.join(held) if held else 'none'}"
    console.print(Text(summary, style="bold"))


# --- demo -------------------------------------------------------------------------------------
def render_demo(console: Console, result: DemoResult) -> None:
    totals = result.totals
    if result.changed:
        written = result.written
        console.print(
            f"Loaded the demo into {result.storage_url}: "
            f"{written['cities']} cities, {written['theaters']} theaters, "
            f"{written['movies']} movies and {written['showings']} showings written."
        )
    else:
        console.print(f"The demo is already loaded in {result.storage_url}; nothing changed.")
    console.print(
        f"Catalog: {totals['cities']} cities, {totals['theaters']} theaters, "
        f"{totals['movies']} movies, {totals['showings']} showings "
        f"from {result.first_day} to {result.last_day} (theater-local days)."
    )
    if result.skipped:
        console.print(
            f"{len(result.skipped)} demo showings were left out: their rooms are in use then."
        )
    made = result.new_booking or result.earlier_booking
    if made is not None:
        _render_demo_booking(console, made, new=result.booked)
    console.print()
    console.print(Text("Try next:", style="bold"))
    from cinema_cli.cli.context import runnable_command

    for step in result.next_steps():
        console.print(Text("  " + runnable_command(step), style="cyan"))


def _render_demo_booking(console: Console, made: Purchase | BookingDetails, *, new: bool) -> None:
    booking, context = made.booking, made.context
    console.print()
    console.print(
        f"{'Booked' if new else 'The demo booking'} {booking.id}: "
        f"{', '.join(booking.seats)} for {context.movie.title} at {context.theater.name}, "
        f"{person_time(context.showing.starts_at, context.theater.timezone)}, "
        f"{booking.total}, for {booking.name} <{booking.email}>."
    )
    if made.files is not None:
        console.print(f"E-tickets:    {made.files.pdf}")
    if made.confirmation is not None:
        console.print(f"Confirmation: {made.confirmation}")
