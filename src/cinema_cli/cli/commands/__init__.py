"""One module per command group; :func:`register_all` attaches them to the app."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from cinema_cli.cli.commands import (
        booking,
        browse,
        cancel,
        checkin,
        db,
        demo,
        imports,
        keys,
        log,
        outbox,
    )

    demo.register(app)
    browse.register(app)
    booking.register(app)
    checkin.register(app)
    cancel.register(app)
    imports.register(app)
    keys.register(app)
    log.register(app)
    outbox.register(app)
    db.register(app)
