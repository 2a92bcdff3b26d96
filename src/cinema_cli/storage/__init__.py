"""Storage backends behind one interface (:mod:`cinema_cli.services.ports.storage`).

:func:`open_storage` is the only place that names concrete backends, and it
imports each lazily so that the JSON backend's commands never load sqlite3 or psycopg2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cinema_cli.domain.errors import InvalidInput

if TYPE_CHECKING:
    from cinema_cli.config import DatabaseSettings
    from cinema_cli.services.ports.storage import Storage


def open_storage(
    url: str,
    data_dir: Path,
    *,
    lock_timeout: float = 10.0,
    database: DatabaseSettings | None = None,
    server_clock: bool = False,
) -> Storage:
    """Open the backend named by ``url``.

    ``json`` is the JSON backend in ``data_dir``; ``json:///path`` one in that folder;
    ``sqlite:///path`` and ``postgresql://...`` (or ``postgres://...``) the SQL
    backend, which connects to PostgreSQL as ``database`` says (the defaults when ``None``)
    and, with ``server_clock``, judges hold expiry by the database's own clock.
    A SQLite URL without a file (``sqlite:///``, ``sqlite:///:memory:``) is refused: it
    would acknowledge writes and forget them when the command ends.
    """
    if url in ("", "json"):
        from cinema_cli.storage.json import JsonStorage

        return JsonStorage(data_dir, lock_timeout=lock_timeout)
    if url.startswith("json://"):
        from cinema_cli.storage.json import JsonStorage

        folder = url.removeprefix("json://")
        if not folder:
            raise InvalidInput(f"storage URL {url!r} names no folder (json:///path/to/folder)")
        return JsonStorage(Path(folder), lock_timeout=lock_timeout)
    if url.startswith("sqlite:"):
        from cinema_cli.storage.sql.sqlite import sqlite_path

        if sqlite_path(url) == ":memory:":
            raise InvalidInput(
                f"--storage / CINEMA_STORAGE: {url!r} names no file, so nothing written "
                "would be kept; give a file path, like sqlite:///cinema.db (relative) or "
                "sqlite:////var/lib/cinema/cinema.db (absolute)",
                field="storage",
            )
    if url.startswith(("sqlite:", "postgres")):
        from cinema_cli.storage.sql import SqlStorage

        return SqlStorage(
            url, lock_timeout=lock_timeout, database=database, server_clock=server_clock
        )
    raise InvalidInput(
        f"--storage / CINEMA_STORAGE: unknown storage {url!r}; use json, json:///folder, "
        "sqlite:///file.db or postgresql://user@host/db",
        field="storage",
    )
