"""``cinema log``: the audit log of state changes (holds, purchases, cancellations...)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cinema_cli.cli.options import JsonFlag


def log(
    booking: Annotated[
        str | None,
        typer.Option("--booking", help="Only this booking (and the hold it was bought from)."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Only the last N entries.", show_default=False),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show who changed what and when: hold, release, purchase, cancel, refund, check-in, import.

    Example: `cinema log --booking b-1a2b3c4d5e6f`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.audit import audit_log

    entries = audit_log(runtime().storage, booking_id=booking, limit=limit)
    if as_json:
        from cinema_cli.present.admin import log_view

        emit_json(log_view(entries))
        return
    out = console()
    if not entries:
        out.print("The log is empty.")
        return
    from rich.table import Table

    from cinema_cli.domain.times import person_time

    table = Table(box=None, pad_edge=False)
    # The log spans theaters in several zones, so every entry is shown in UTC, named.
    for column in ("at", "action", "subject", "actor", "details"):
        table.add_column(column)
    for entry in entries:
        details = " ".join(
            f"{key}={_plain(value)}"
            for key, value in entry.details.items()
            if value not in (None, [])
        )
        table.add_row(
            person_time(entry.at, None),
            str(entry.action),
            entry.subject,
            entry.actor,
            details,
        )
    out.print(table, markup=False)


def _plain(value: Any) -> str:
    """``["C3","C4"]`` -> ``C3,C4``; a money dict -> ``16.00 EUR``; an instant -> UTC, named."""
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T":
        from datetime import datetime

        from cinema_cli.domain.times import person_time

        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return person_time(instant, None)
        return value
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return f"{value['amount']} {value['currency']}"
    return str(value)


def register(app: typer.Typer) -> None:
    """Attach ``cinema log``."""
    app.command("log")(log)
