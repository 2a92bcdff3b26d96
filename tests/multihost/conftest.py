"""The multi-host suite: three hosts (network namespaces) on one PostgreSQL.

Every test gets a fresh schema on the local server (``search_path`` in the URL's
``options``, dropped afterwards), three hosts with their own data folders and clocks
(see ``fabric.py`` for what is simulated), and a catalog with showings starting within
the hour (so tickets can be checked in). Without root, ``ip``, ``socat`` or libfaketime,
or without the server, the suite is skipped with the reason, except in CI
(``CI=true``), where it fails. At the end pytest prints the figures.
"""

from __future__ import annotations

import getpass
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import fabric` in the tests

from fabric import PG_DATABASE, PG_PORT, Host, Network, missing_tools

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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.counts:
        return
    terminalreporter.section("multi-host figures")
    figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in FIGURES.counts.items())
    terminalreporter.write_line(f"multi-host: {figures}")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the multi-host suite: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def figures() -> Figures:
    return FIGURES


@pytest.fixture(scope="session")
def pg_user() -> str:
    """A user the local server lets in (trust auth), or a skip / CI failure."""
    import psycopg

    problems = []
    for user in dict.fromkeys((getpass.getuser(), "postgres")):
        try:
            with psycopg.connect(
                host="127.0.0.1", port=PG_PORT, dbname=PG_DATABASE, user=user, connect_timeout=3
            ):
                return user
        except psycopg.Error as error:
            problems.append(f"as {user}: {' '.join(str(error).split())}")
    _unavailable(f"no PostgreSQL at 127.0.0.1:{PG_PORT}/{PG_DATABASE} ({'; '.join(problems)})")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def network() -> Iterator[Network]:
    """Three hosts for the whole run; removed at the end whatever happened."""
    reason = missing_tools()
    if reason is not None:
        _unavailable(reason)
    net = Network(3)
    try:
        yield net
    finally:
        net.close()


@dataclass
class Database:
    """Direct SQL on the test's schema, from the root namespace (the auditor's view)."""

    user: str
    schema: str

    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={PG_PORT} dbname={PG_DATABASE} user={self.user}"

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f"SET search_path TO {self.schema}")
            return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]

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


@pytest.fixture
def chain(network: Network, pg_user: str, tmp_path: Path) -> Iterator[Chain]:
    import psycopg

    schema = f"cinema_mh_{uuid.uuid4().hex[:12]}"
    db = Database(pg_user, schema)
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    for host in network.hosts:
        host.data_dir = tmp_path / f"host-{host.name}"
        host.storage_url = (
            f"postgresql+psycopg://{pg_user}@{host.root_address}:{PG_PORT}/{PG_DATABASE}"
            f"?options=-csearch_path%3D{schema}"
        )
        host.env = {}
    # Real time plus an hour, rounded: tickets are valid at the door from 2 h before.
    starts_at = (datetime.now(UTC) + timedelta(minutes=60)).replace(second=0, microsecond=0)
    try:
        first = network.hosts[0]
        first.run("import", "theaters", str(THEATERS), "--json").ok()
        feed = showtimes_feed(tmp_path / "feed.csv", starts_at)
        first.run("import", "showtimes", str(feed), "--json").ok()
        yield Chain(list(network.hosts), db, starts_at)
    finally:
        _drop_schema(db)


def _drop_schema(db: Database) -> None:
    import psycopg

    for _ in range(30):  # the restart test may leave the server starting up
        try:
            with psycopg.connect(db.conninfo(), autocommit=True, connect_timeout=3) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {db.schema} CASCADE")
                return
        except psycopg.OperationalError:
            import time

            time.sleep(1)
