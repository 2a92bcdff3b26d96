"""Booking commands: reserve, buy, booking, bookings.

Each parses, makes one service call and renders the typed result: for people here, or
with ``--json`` the shape :mod:`cinema_cli.present.booking` builds. Module level imports
only Typer and the standard library; services, the presenter, rich and the e-ticket
libraries load inside the command that needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cinema_cli.cli.options import JsonFlag, check_category, check_idempotency_key, check_session

if TYPE_CHECKING:
    from cinema_cli.services.bookings import BookingDetails
    from cinema_cli.services.purchase import Purchase


def reserve(
    showing_id: Annotated[
        str, typer.Argument(help="The showing, as listed by `cinema showtimes`.")
    ],
    seats: Annotated[
        list[str] | None,
        typer.Argument(help="Seats to hold, like C7 C8 (or use --count).", show_default=False),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option("--count", "-n", min=1, help="Hold the best N seats side by side (1-10)."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            callback=check_category,
            help="With --count: standard (default), premium, wheelchair or companion.",
        ),
    ] = None,
    wheelchair: Annotated[
        int,
        typer.Option(
            "--wheelchair",
            min=0,
            help="With --count: K of the N are wheelchair spaces, each with its companion seat.",
            show_default=False,
        ),
    ] = 0,
    together: Annotated[
        bool,
        typer.Option(
            "--together",
            help="With --count: all in one row; refuse rather than split over rows.",
        ),
    ] = False,
    session: Annotated[
        str | None,
        typer.Option(
            "--session",
            callback=check_session,
            help="Your session id; reserving again in it replaces its hold. [default: a new one]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Hold seats of a showing for your session (CINEMA_HOLD_SECONDS, default 600 s).

    With --count, a group no row can seat together is split over rows behind each other
    (unless --together). Example: `cinema reserve SHOWING_ID C7 C8`,
    `cinema reserve SHOWING_ID --count 2` or `cinema reserve SHOWING_ID --count 2 --wheelchair 1`.
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.reservations import reserve as hold_seats

    rt = runtime()
    result = hold_seats(
        rt.storage,
        rt.clock,
        showing_id,
        seats=seats or (),
        count=count,
        category=category,
        session_id=session,
        hold_seconds=rt.settings.hold_seconds,
        wheelchair=wheelchair,
        together=together,
        companion_release_minutes=rt.settings.companion_release_minutes,
    )
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.booking import reservation

        emit_json(reservation(result))
        return
    from cinema_cli.cli.output import console
    from cinema_cli.domain.times import person_time

    out = console()
    held, context = result.reservation, result.context
    from rich.markup import escape

    out.print(
        f"[bold]Held {' '.join(held.seats)}[/bold] for {escape(context.movie.title)} "
        f"({escape(context.showing.id)}), total [bold]{held.total}[/bold]",
        markup=True,
    )
    out.print(f"Reservation: {held.id}")
    note = "  (new session: pass it to buy)" if result.new_session else ""
    out.print(f"Session:     {held.session_id}{note}")
    zone = context.theater.timezone
    out.print(f"Held until:  {person_time(held.expires_at, zone)} ({zone})")
    if result.replaced:
        out.print(f"Replaced this session's earlier hold {result.replaced}.")
    from cinema_cli.cli.context import runnable

    out.print(
        runnable(
            f"Next: cinema buy {held.id} --session {held.session_id} "
            '--name "Your Name" --email you@example.com --card -'
        )
    )


def _read_card(card: str) -> str:
    """``--card``'s number; ``-`` reads it: hidden at a terminal, a line of stdin otherwise."""
    if card != "-":
        return card
    from cinema_cli.domain.errors import InvalidCard
    from cinema_cli.domain.limits import CARD_CHARACTERS

    if sys.stdin.isatty():
        import getpass

        # getpass prompts on the terminal (stderr when there is none) and echoes nothing.
        line = getpass.getpass("Card number (hidden): ", stream=sys.stderr)[: CARD_CHARACTERS + 1]
    else:
        line = sys.stdin.readline(CARD_CHARACTERS + 1)
    if len(line.rstrip("\r\n")) > CARD_CHARACTERS:
        raise InvalidCard(
            f"--card -: more than {CARD_CHARACTERS} characters on standard input; "
            "that is not a card number",
            field="card",
        )
    if not line.strip():
        raise InvalidCard("--card -: no card number on standard input", field="card")
    return line.strip()


def buy(
    reservation_id: Annotated[
        str, typer.Argument(help="The reservation printed by `cinema reserve`.")
    ],
    session: Annotated[
        str,
        typer.Option("--session", callback=check_session, help="The session that holds the seats."),
    ],
    name: Annotated[str, typer.Option("--name", help="The buyer's name, printed on the tickets.")],
    email: Annotated[str, typer.Option("--email", help="Where the confirmation goes.")],
    card: Annotated[
        str,
        typer.Option(
            "--card",
            help="Card number, or - to read it from standard input (out of history and ps).",
        ),
    ],
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            "--idempotency-key",
            callback=check_idempotency_key,
            help="Retrying with the same key returns the first booking and charges once. "
            "[default: derived from the reservation]",
            show_default=False,
        ),
    ] = None,
    tickets_dir: Annotated[
        Path | None,
        typer.Option(
            "--tickets-dir",
            help="Folder for the QR images and PDF. [default: <data dir>/tickets/<booking id>]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Pay for held seats: one ticket per seat, QR e-tickets, a PDF and a confirmation e-mail.

    Example: `echo 4242424242424242 | cinema buy RES_ID --session S --name Ada
    --email ada@example.com --card -`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.purchase import buy as pay

    rt = runtime()
    purchase = pay(
        rt.storage,
        rt.clock,
        rt.box_office,
        reservation_id=reservation_id,
        session_id=session,
        name=name,
        email=email,
        card=_read_card(card),
        idempotency_key=idempotency_key,
        tickets_dir=tickets_dir,
    )
    if purchase.files_problem is not None:
        _warn_files_missing(purchase.booking.id, purchase.files_problem.message, tickets_dir)
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.booking import purchase as purchase_shape

        emit_json(purchase_shape(purchase))
        return
    from cinema_cli.cli.output import write_lines

    # Plain lines, no rich: importing it would be a tenth of what a purchase costs.
    if purchase.replayed:
        write_lines("This purchase was already made; nothing more was charged.")
    _print_booking(purchase)
    if purchase.files is not None:
        write_lines(f"E-tickets:    {purchase.files.pdf}")
    if purchase.confirmation is not None:
        write_lines(f"Confirmation: {purchase.confirmation}")


def _warn_files_missing(booking_id: str, why: str, tickets_dir: Path | None) -> None:
    """The sale is real (exit 0) even when its files could not be written: say how to get them."""
    where = f" --output {tickets_dir}" if tickets_dir is not None else ""
    sys.stderr.write(
        f"Warning: booking {booking_id} is confirmed and paid, but its e-ticket files or "
        f"confirmation could not be written ({why}). The sale is real: do not buy again. "
        "Once the problem is fixed, re-create the files with "
        f"`cinema tickets {booking_id}{where}`.\n"
    )
    sys.stderr.flush()


def booking(
    booking_id: Annotated[str, typer.Argument(help="The booking id printed by `cinema buy`.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one booking with the status of each ticket.

    Example: `cinema booking b-1f2e3d4c5b6a`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.bookings import booking as find_booking

    rt = runtime()
    details = find_booking(rt.storage, rt.clock, booking_id, office=rt.box_office)
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.booking import booking as booking_shape

        emit_json(booking_shape(details))
        return
    _print_booking(details)
    from cinema_cli.cli.output import console

    out = console()
    if details.files is not None:
        out.print(f"E-tickets:    {details.files.pdf}")
    if details.confirmation is not None:
        out.print(f"Confirmation: {details.confirmation}")


def bookings(
    email: Annotated[str, typer.Option("--email", help="The buyer's e-mail address.")],
    as_json: JsonFlag = False,
) -> None:
    """List the bookings made with an e-mail address, newest first.

    Example: `cinema bookings --email ada@example.com`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.bookings import bookings_by_email

    rt = runtime()
    found = bookings_by_email(rt.storage, rt.clock, email, office=rt.box_office)
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.booking import bookings as bookings_shape

        emit_json(bookings_shape(email.strip(), found))
        return
    from cinema_cli.cli.output import console

    out = console()
    if not found:
        out.print(f"No bookings for {email.strip()}.")
        return
    from rich.table import Table

    from cinema_cli.domain.times import person_time

    table = Table("Booking", "Status", "Movie", "Starts", "Seats", "Total", box=None)
    for details in found:
        booked, context = details.booking, details.context
        table.add_row(
            booked.id,
            str(booked.status),
            context.movie.title,
            person_time(context.showing.starts_at, context.theater.timezone),
            " ".join(booked.seats),
            str(booked.total),
        )
    out.print(table)


def _print_booking(details: BookingDetails | Purchase) -> None:
    from cinema_cli.cli.output import bold, plain_table, write_lines
    from cinema_cli.domain.models import TicketStatus, format_amount
    from cinema_cli.domain.times import person_time

    booked, context = details.booking, details.context
    zone = context.theater.timezone
    payment = booked.payment
    lines = [
        f"{bold(f'Booking {booked.id}')} ({booked.status})",
        f"Movie:        {context.movie.title}",
        f"Starts:       {person_time(context.showing.starts_at, zone)} ({zone})",
        f"Theater:      {context.theater.name}, room {context.room.name}",
        f"Buyer:        {booked.name} <{booked.email}>",
        f"Total:        {booked.total} ({payment.brand} •••• {payment.last4})",
    ]
    if payment.refunded.amount:
        lines.append(f"Refunded:     {payment.refunded}")
    rows = [
        [
            ticket.seat_id,
            str(ticket.category),
            format_amount(ticket.price.amount, ticket.price.currency),
            str(ticket.status),
            ticket.id,
        ]
        for ticket in booked.tickets
    ]
    lines += plain_table(["Seat", "Category", "Price", "Status", "Ticket"], rows)
    # Codes are long and may hold spaces (base45): print them whole, never wrapped or cut,
    # so that they can be copied to `cinema checkin`.
    lines += ["", "Ticket codes (for `cinema checkin 'CODE'`):"]
    for ticket in booked.tickets:
        # A cancelled ticket's code no longer admits anyone: say so before it can be copied.
        mark = " (cancelled, does not admit)" if ticket.status == TicketStatus.CANCELLED else ""
        lines.append(f"  {ticket.seat_id}{mark}: {ticket.code}")
    write_lines(*lines)


def register(app: typer.Typer) -> None:
    """Attach the booking commands."""
    app.command("reserve")(reserve)
    app.command("buy")(buy)
    app.command("booking")(booking)
    app.command("bookings")(bookings)
