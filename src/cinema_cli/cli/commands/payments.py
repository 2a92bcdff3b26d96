"""``cinema payments``: the payment ledger, and settling charges that have no booking."""

from __future__ import annotations

from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag, parse_minutes

payments_app = typer.Typer(
    name="payments",
    help="The payment ledger: every charge and its booking; refund charges left without one.",
    no_args_is_help=True,
)


@payments_app.command("list")
def list_payments(as_json: JsonFlag = False) -> None:
    """List every charge with its status (captured, refunded...) and its booking.

    Example: cinema payments list --json
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.payments import list_charges

    lines = list_charges(runtime().storage)
    if as_json:
        from cinema_cli.present.payments import payments_view

        emit_json(payments_view(lines))
        return
    out = console()
    if not lines:
        out.print("No charges yet.")
        return
    from rich.table import Table

    from cinema_cli.domain.times import person_time

    table = Table(box=None, pad_edge=False)
    for column in ("at", "charge", "status", "amount", "booking", "reference"):
        table.add_column(column)
    for line in lines:
        record = line.record
        table.add_row(
            person_time(record.created_at, None),
            record.id,
            str(line.status),
            str(record.amount),
            record.booking_id or "-",
            record.reference or "-",
        )
    out.print(table)


@payments_app.command("reconcile")
def reconcile(
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            callback=parse_minutes,
            help="Only charges older than MINUTES (default: the hold time plus 5 minutes).",
            metavar="MINUTES",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Refund every captured charge that has no booking (a purchase that died half-way).

    Safe to run from cron on every host. Example: cinema payments reconcile --older-than 30
    """
    from datetime import timedelta

    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services import payments

    rt = runtime()
    age = (
        payments.default_age(rt.settings.hold_seconds)
        if older_than is None
        else timedelta(minutes=older_than)
    )
    result = payments.reconcile(rt.storage, rt.clock, rt.payments, older_than=age)
    if as_json:
        from cinema_cli.present.payments import reconcile_view

        emit_json(reconcile_view(result))
    else:
        out = console()
        minutes = age.total_seconds() / 60
        out.print(
            f"Checked {result.checked} charge(s) without a booking "
            f"({result.too_recent} younger than {minutes:g} min left alone)."
        )
        for record in result.refunded:
            out.print(f"Refunded {record.amount}: {record.id} ({record.reference})")
        for record in result.closed:
            out.print(f"Closed {record.id}: the provider took nothing")
        for record in result.linked:
            out.print(f"Linked {record.id} to booking {record.booking_id}")
        for problem in result.problems:
            out.print(f"Not settled {problem.record.id}: {problem.message}")
    if result.problems:
        # The provider refused or failed some refunds: cron must see it (the report says which).
        raise typer.Exit(5)


def register(app: typer.Typer) -> None:
    """Attach ``cinema payments``."""
    app.add_typer(payments_app)
