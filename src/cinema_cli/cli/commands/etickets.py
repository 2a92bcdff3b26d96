"""``cinema tickets``: write a booking's e-ticket files again, from the stored booking."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag


def tickets(
    booking_id: Annotated[str, typer.Argument(help="The booking id printed by `cinema buy`.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Folder for the QR images and PDF. [default: <data dir>/tickets/<booking id>]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-create a booking's QR images and PDF (same codes), on any host that reaches the store.

    Example: cinema tickets b-1f2e3d4c5b6a --output ./tickets
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.etickets import write_tickets

    rt = runtime()
    written = write_tickets(rt.storage, rt.ticket_printer, booking_id, output)
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.etickets import ticket_files_view

        emit_json(ticket_files_view(written))
        return
    from cinema_cli.cli.output import console

    out = console()
    out.print(f"E-tickets of {written.booking.id}: {written.files.pdf}")
    for ticket in written.booking.tickets:
        out.print(f"  {ticket.seat_id}: {written.files.qr_png[ticket.id]}")


def register(app: typer.Typer) -> None:
    """Attach ``cinema tickets``."""
    app.command("tickets")(tickets)
