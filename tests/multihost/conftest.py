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
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import fabric` in the tests

from chain_kit import FIGURES, THEATERS, Chain, Database, Figures, showtimes_feed
from fabric import PG_DATABASE, PG_PORT, Network, missing_tools


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
    import psycopg2

    problems = []
    for user in dict.fromkeys((getpass.getuser(), "postgres")):
        try:
            psycopg2.connect(
                host="127.0.0.1", port=PG_PORT, dbname=PG_DATABASE, user=user, connect_timeout=3
            ).close()
            return user
        except psycopg2.Error as error:
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


@pytest.fixture
def chain(network: Network, pg_user: str, tmp_path: Path) -> Iterator[Chain]:
    schema = f"cinema_mh_{uuid.uuid4().hex[:12]}"
    db = Database(pg_user, schema)
    db.execute(f"CREATE SCHEMA {schema}")
    for host in network.hosts:
        host.data_dir = tmp_path / f"host-{host.name}"
        host.storage_url = (
            f"postgresql://{pg_user}@{host.root_address}:{PG_PORT}/{PG_DATABASE}"
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
    import psycopg2

    for _ in range(30):  # the restart test may leave the server starting up
        try:
            db.execute(f"DROP SCHEMA IF EXISTS {db.schema} CASCADE", connect_timeout=3)
            return
        except psycopg2.OperationalError:
            import time

            time.sleep(1)
