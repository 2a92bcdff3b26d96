"""The chain a multi-host test works on: its hosts, its database, its catalog, its figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fabric import PG_DATABASE, PG_PORT, Host

THEATERS = Path(__file__).parents[1] / "data" / "imports-theaters.json"
STUDIO = "mh-studio"
"""A showing in the small room (Saal 2, 38 seats): the one everybody fights over."""
HALL = "mh-hall"
"""A showing in the big room (Saal 1), for the tests that need seats without a fight."""


class Figures:
    """Figures collected by the tests, printed once at the end of the run."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, **counts: int) -> None:
        self.counts.update(counts)


FIGURES = Figures()


@dataclass
class Database:
    """Direct SQL on the test's schema, from the root namespace (the auditor's view)."""

    user: str
    schema: str

    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={PG_PORT} dbname={PG_DATABASE} user={self.user}"

    def _connect(self, **options: Any) -> Any:
        import psycopg2  # the driver the backend uses

        conn = psycopg2.connect(self.conninfo(), **options)
        conn.autocommit = True
        return conn

    def execute(self, sql: str, **options: Any) -> None:
        """Run one statement outside the schema (create or drop it)."""
        conn = self._connect(**options)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        conn = self._connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SET search_path TO {self.schema}")
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        finally:
            conn.close()

    def value(self, sql: str, *params: Any) -> Any:
        return self.rows(sql, *params)[0][0]

    def has_table(self, name: str) -> bool:
        return bool(
            self.value(
                "SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name = %s",
                self.schema,
                name,
            )
        )


@dataclass
class Chain:
    """A cinema chain for one test: three hosts on one database schema."""

    hosts: list[Host]
    db: Database
    starts_at: datetime

    @property
    def a(self) -> Host:
        return self.hosts[0]

    @property
    def b(self) -> Host:
        return self.hosts[1]

    @property
    def c(self) -> Host:
        return self.hosts[2]


def showtimes_feed(path: Path, starts_at: datetime) -> Path:
    at = starts_at.isoformat(timespec="seconds")
    path.write_text(
        "showing_id,theater_id,room_id,movie_id,starts_at,price,price_premium,"
        "price_wheelchair,price_companion,currency\n"
        f"{STUDIO},berlin-mitte,saal2,metropolis,{at},9.50,12.00,9.50,0.00,EUR\n"
        f"{HALL},berlin-mitte,saal1,nosferatu,{at},11.50,14.50,11.50,0.00,EUR\n",
        encoding="utf-8",
    )
    return path
