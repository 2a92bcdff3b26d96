"""``cinema outbox``: the e-mails kept in the data folder, and sending them over SMTP."""

from __future__ import annotations

import typer

from cinema_cli.cli.options import JsonFlag

outbox_app = typer.Typer(
    name="outbox",
    help="E-mails (confirmations, cancellations) kept in the outbox; send them over SMTP.",
    no_args_is_help=True,
)


@outbox_app.command("list")
def list_messages(as_json: JsonFlag = False) -> None:
    """List the e-mails in the outbox and whether each was sent.

    Example: `cinema outbox list --json`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.outbox import list_outbox

    messages = list_outbox(runtime().mail_outbox)
    if as_json:
        from cinema_cli.present.admin import outbox_view

        emit_json(outbox_view(messages))
        return
    out = console()
    if not messages:
        out.print("The outbox is empty.")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("status", "file", "to", "subject"):
        table.add_column(column)
    for m in messages:
        status = m.status + (f" ({m.attempts}x: {m.last_error})" if m.status == "failed" else "")
        table.add_row(status, m.name, m.to, m.subject)
    out.print(table)


@outbox_app.command("send")
def send(as_json: JsonFlag = False) -> None:
    """Send every e-mail not sent yet over CINEMA_SMTP_URL (exit 1 if some still fail).

    Safe from cron, e.g. every 5 minutes: */5 * * * * cinema outbox send
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.present.admin import report_view, undelivered
    from cinema_cli.services.outbox import send_outbox

    rt = runtime()
    report = send_outbox(rt.mail_outbox, rt.outbox_sender)
    failure = undelivered(report)
    if failure is not None:
        raise failure
    if as_json:
        emit_json(report_view(report))
        return
    out = console()
    for m in report.sent:
        out.print(f"sent  {m.name}  to {m.to}", markup=False)
    out.print(f"{len(report.sent)} sent, {report.already_sent} sent before, 0 failed.")


def register(app: typer.Typer) -> None:
    """Attach ``cinema outbox``."""
    app.add_typer(outbox_app)
