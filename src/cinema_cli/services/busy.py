"""Running a unit of work again when concurrent commands collided on the same rows.

PostgreSQL breaks a deadlock by aborting one of the transactions, and a serialization
failure aborts one too; the backend then raises :class:`StorageBusy` with nothing
written. Running the whole unit of work again, after a short random pause so the two
colliders do not meet again, almost always succeeds. Only work that is safe to repeat
from the start is passed here (its payment calls are idempotent per reason).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from cinema_cli.domain.errors import StorageBusy

T = TypeVar("T")

TRIES = 4
"""How often a unit of work runs before the collision is reported (exit 7)."""


def retry_when_busy(
    work: Callable[[], T], *, tries: int = TRIES, pause: Callable[[float], None] = time.sleep
) -> T:
    """``work()``, run again (at most ``tries`` times in all) while it raises StorageBusy."""
    for attempt in range(1, tries + 1):
        try:
            return work()
        except StorageBusy as error:
            if attempt == tries:
                raise StorageBusy(
                    f"{error} (tried {tries} times)",
                    hint="run the same command again",
                ) from None
            pause(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
