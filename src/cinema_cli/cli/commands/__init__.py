"""One module per command group; :func:`register_all` attaches them to the app."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from cinema_cli.cli.commands import booking, browse, db

    browse.register(app)
    booking.register(app)
    db.register(app)
