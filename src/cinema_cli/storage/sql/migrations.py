"""A SQL database's schema version: read it, refuse one this code cannot use, upgrade it.

The version is the highest row of ``cinema_schema``; the migrations are in :mod:`.schema`
(read through the module, so that tests can add a migration).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from cinema_cli.domain.errors import SchemaOutdated, UnknownSchema
from cinema_cli.storage.sql import schema
from cinema_cli.storage.sql.driver import Database, safe_url


def stored_version(db: Database) -> int | None:
    """The database's schema version; ``None`` when it has no cinema-cli schema yet."""
    return db.schema_version()


def _newer(url: str, version: int, code: int) -> UnknownSchema:
    return UnknownSchema(
        f"{safe_url(url)} has schema version {version}, newer than this "
        f"cinema-cli understands ({code}); upgrade cinema-cli",
        version=version,
        supported=code,
    )


def refuse_foreign_tables(url: str, tables: Collection[str]) -> None:
    """A database without our schema is ours to create only when it holds no tables."""
    if tables:
        raise UnknownSchema(
            f"{safe_url(url)} holds tables that cinema-cli did not create "
            f"({', '.join(sorted(tables)[:5])}); use an empty database",
            url=safe_url(url),
        )


def refuse_other_version(url: str, version: int) -> None:
    """Refuse a newer schema (upgrade cinema-cli) or an older one (run ``db upgrade``)."""
    code = schema.code_version()
    if version > code:
        raise _newer(url, version, code)
    if version < code:
        raise SchemaOutdated(
            f"{safe_url(url)} has schema version {version}; this cinema-cli needs {code}",
            version=version,
            supported=code,
            hint=f"run: cinema --storage '{safe_url(url)}' db upgrade",
        )


def upgrade(db: Database, url: str) -> tuple[int, int]:
    """Create or upgrade the schema in one transaction; returns (version before, after).

    Concurrent upgrades queue on a lock, so each migration is applied once.
    """
    code = schema.code_version()
    db.enable_wal()
    db.begin()
    try:
        db.lock_schema()
        db.run(schema.SCHEMA_TABLE)
        found = db.rows("SELECT max(version) FROM cinema_schema")
        before = int(found[0][0] or 0)
        if before > code:
            raise _newer(url, before, code)
        for version in range(before + 1, code + 1):
            for statement in schema.statements(schema.MIGRATIONS[version - 1], db.dialect):
                db.run(statement)
            db.run(
                "INSERT INTO cinema_schema (version, applied_at) VALUES (:v, :at)",
                {"v": version, "at": datetime.now(UTC).isoformat(timespec="seconds")},
            )
    except BaseException:
        db.rollback()
        raise
    else:
        db.commit()
    return before, code
