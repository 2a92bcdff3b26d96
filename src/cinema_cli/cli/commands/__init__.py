"""One module per command group, loaded only when one of its commands runs.

:data:`COMMANDS` maps each top-level command to the module that registers it
(``register(app)``), in the order ``cinema --help`` lists them. Building every
command's parameters on each start-up would cost more than any command's own
work; the root group (``cli.app.CinemaGroup``) builds just the one invoked.
``tests/test_cli_app.py`` checks that this table matches what the modules register.
"""

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "demo": "demo",
    "theaters": "browse",
    "search": "browse",
    "showtimes": "browse",
    "seats": "browse",
    "reserve": "booking",
    "buy": "booking",
    "booking": "booking",
    "bookings": "booking",
    "tickets": "etickets",
    "checkin": "checkin",
    "cancel": "cancel",
    "log": "log",
    "import": "imports",
    "export": "imports",
    "keys": "keys",
    "outbox": "outbox",
    "payments": "payments",
    "db": "db",
    "schema": "schema",
    "serve": "serve",
    "tokens": "tokens",
}
