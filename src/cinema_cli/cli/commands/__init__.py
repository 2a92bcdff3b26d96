"""One module per command group; :func:`register_all` attaches them to the app."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from cinema_cli.cli.commands import browse

    browse.register(app)
    from cinema_cli.cli.commands import keys

    keys.register(app)
    from cinema_cli.cli.commands import checkin

    checkin.register(app)
    from cinema_cli.cli.commands import outbox

    outbox.register(app)
