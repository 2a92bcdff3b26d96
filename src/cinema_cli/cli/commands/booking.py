"""Booking commands: reserve, buy, booking, bookings.

Module level imports only Typer and the standard library; services, rich and the
e-ticket libraries load inside the command that needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cinema_cli.cli.options import JsonFlag

if TYPE_CHECKING:
    from cinema_cli.services.booking import BookingDetails


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
        typer.Option("--count", "-n", help="Hold the best N seats side by side (1-10)."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="With --count: standard (default), premium, wheelchair or companion.",
        ),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(
            "--session",
            help="Your session id; reserving again in it replaces its hold. [default: a new one]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Hold seats of a showing for your session (CINEMA_HOLD_SECONDS, default 600 s).

    Example: `cinema reserve SHOWING_ID C7 C8` or `cinema reserve SHOWING_ID --count 2`.
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import booking as service

    rt = runtime()
    result = service.reserve(
        rt.storage,
        rt.clock,
        showing_id,
        seats=seats or (),
        count=count,
        category=category,
        session_id=session,
        hold_seconds=rt.settings.hold_seconds,
    )
    view = service.reservation_view(result)
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json(view)
        return
    from cinema_cli.cli.output import console

    out = console()
    showing = result.context.showing
    out.print(
        f"[bold]Held {' '.join(view['seats'])}[/bold] for {result.context.movie.title} "
        f"({showing.id}), total [bold]{view['total']['amount']} {view['total']['currency']}[/bold]"
    )
    out.print(f"Reservation: {view['reservation_id']}")
    note = "  (new session: pass it to buy)" if result.new_session else ""
    out.print(f"Session:     {view['session_id']}{note}")
    out.print(f"Held until:  {_local_label(view['expires_at'], result.context.theater.timezone)}")
    if result.replaced:
        out.print(f"Replaced this session's earlier hold {result.replaced}.")
    out.print(
        f"Next: cinema buy {view['reservation_id']} --session {view['session_id']} "
        '--name "Your Name" --email you@example.com --card -'
    )


def _read_card(card: str) -> str:
    if card != "-":
        return card
    line = sys.stdin.readline()
    if not line.strip():
        from cinema_cli.domain.errors import InvalidCard

        raise InvalidCard("--card -: no card number on standard input", field="card")
    return line.strip()


def buy(
    reservation_id: Annotated[
        str, typer.Argument(help="The reservation printed by `cinema reserve`.")
    ],
    session: Annotated[str, typer.Option("--session", help="The session that holds the seats.")],
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
    from cinema_cli.services import booking as service

    rt = runtime()
    purchase = service.buy(
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
    view = service.purchase_view(purchase)
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json(view)
        return
    from cinema_cli.cli.output import console

    out = console()
    if purchase.replayed:
        out.print("This purchase was already made; nothing more was charged.")
    _print_booking(view)
    out.print(f"E-tickets:    {view['eticket_pdf']}")
    out.print(f"Confirmation: {view['confirmation_eml']}")


def booking(
    booking_id: Annotated[str, typer.Argument(help="The booking id printed by `cinema buy`.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one booking with the status of each ticket.

    Example: `cinema booking b-1f2e3d4c5b6a`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import booking as service

    rt = runtime()
    details = service.booking(rt.storage, rt.clock, booking_id, office=rt.box_office)
    view = _details_view(details)
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json(view)
        return
    _print_booking(view)
    if view["eticket_pdf"]:
        from cinema_cli.cli.output import console

        console().print(f"E-tickets:    {view['eticket_pdf']}")


def bookings(
    email: Annotated[str, typer.Option("--email", help="The buyer's e-mail address.")],
    as_json: JsonFlag = False,
) -> None:
    """List the bookings made with an e-mail address, newest first.

    Example: `cinema bookings --email ada@example.com`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import booking as service

    rt = runtime()
    found = service.bookings_by_email(rt.storage, rt.clock, email, office=rt.box_office)
    views = [_details_view(details) for details in found]
    if as_json:
        from cinema_cli.cli.output import emit_json

        emit_json({"email": email.strip(), "bookings": views})
        return
    from cinema_cli.cli.output import console

    out = console()
    if not views:
        out.print(f"No bookings for {email.strip()}.")
        return
    from rich.table import Table

    table = Table("Booking", "Status", "Movie", "Starts", "Seats", "Total", box=None)
    for view in views:
        table.add_row(
            view["booking_id"],
            view["status"],
            view["movie"]["title"],
            view["showing"]["starts_at"],
            " ".join(view["seats"]),
            f"{view['total']['amount']} {view['total']['currency']}",
        )
    out.print(table)


def _details_view(details: BookingDetails) -> dict[str, Any]:
    from cinema_cli.services.booking import booking_view

    return booking_view(
        details.booking,
        details.context,
        details.files,
        details.confirmation,
        seats_taken=details.seats_taken,
    )


def _local_label(iso: str, zone: str) -> str:
    """``2026-11-24T19:00:00-05:00`` -> ``Tue 24 Nov 2026 19:00 EST (America/New_York)``."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    return f"{moment:%a %d %b %Y %H:%M} {moment.tzname()} ({zone})"


def _print_booking(view: dict[str, Any]) -> None:
    from rich.table import Table

    from cinema_cli.cli.output import console

    out = console()
    showing = view["showing"]
    out.print(f"[bold]Booking {view['booking_id']}[/bold] ({view['status']})")
    out.print(f"Movie:        {view['movie']['title']}")
    out.print(f"Starts:       {_local_label(showing['starts_at'], showing['timezone'])}")
    out.print(f"Theater:      {showing['theater']['name']}, room {showing['room']['name']}")
    out.print(f"Buyer:        {view['user']['name']} <{view['user']['email']}>")
    out.print(
        f"Total:        {view['total']['amount']} {view['total']['currency']} "
        f"({view['payment']['brand']} •••• {view['payment']['last4']})"
    )
    refunded = view.get("refunded")
    if refunded and refunded["amount"] not in ("0", "0.00"):
        out.print(f"Refunded:     {refunded['amount']} {refunded['currency']}")
    table = Table("Seat", "Category", "Price", "Status", "Ticket", box=None)
    for ticket in view["tickets"]:
        table.add_row(
            ticket["seat"],
            ticket["category"],
            ticket["price"]["amount"],
            ticket["status"],
            ticket["ticket_id"],
        )
    out.print(table)
    # Codes are long and may hold spaces (base45): print them whole, never wrapped or cut,
    # so that they can be copied to `cinema checkin`.
    out.file.flush()
    sys.stdout.write("\nTicket codes (for `cinema checkin 'CODE'`):\n")
    for ticket in view["tickets"]:
        sys.stdout.write(f"  {ticket['seat']}: {ticket['code']}\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Attach the booking commands."""
    app.command("reserve")(reserve)
    app.command("buy")(buy)
    app.command("booking")(booking)
    app.command("bookings")(bookings)
