"""One clock for every host of a PostgreSQL deployment: the database server's.

Box offices on several hosts whose clocks disagree by minutes would otherwise give holds
different lifetimes and judge "has this hold expired" differently. The statements that
judge holds use the server's clock themselves (``Database.now``); this clock gives the
services the same time for what they compute (a new hold's expiry, "is this showing
still bookable"), by reading the server's clock once per command and going on from there
with the host's clock, so that it costs one round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cinema_cli.domain.errors import StorageError
from cinema_cli.services.ports.clock import Clock


def server_clock(server_now: Callable[[], datetime], local: Clock) -> Clock:
    """A clock that follows ``server_now()`` (read once) and ticks with ``local``.

    When the server cannot be asked (down, an outdated schema...) the host's clock is
    used: the command fails anyway as soon as it touches the data, and a door checking
    codes offline goes on.
    """
    offset: list[timedelta] = []

    def now() -> datetime:
        if not offset:
            try:
                offset.append(server_now() - local())
            except StorageError:
                offset.append(timedelta(0))
        return local() + offset[0]

    return now
