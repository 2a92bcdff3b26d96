"""The services' clock on PostgreSQL: the server's time, read once, ticking with the host's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cinema_cli.domain.errors import StorageUnavailable
from cinema_cli.storage.sql.server_clock import server_clock

HOST = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_the_server_time_is_read_once_and_then_follows_the_host_clock() -> None:
    host = [HOST]
    asked: list[int] = []

    def server_now() -> datetime:
        asked.append(1)
        return HOST + timedelta(minutes=15)

    clock = server_clock(server_now, lambda: host[0])

    assert clock() == HOST + timedelta(minutes=15)
    host[0] = HOST + timedelta(seconds=30)
    assert clock() == HOST + timedelta(minutes=15, seconds=30)
    assert len(asked) == 1


def test_a_server_that_cannot_be_asked_leaves_the_host_clock() -> None:
    def server_now() -> datetime:
        raise StorageUnavailable("cannot connect to PostgreSQL at db:5432")

    assert server_clock(server_now, lambda: HOST)() == HOST
