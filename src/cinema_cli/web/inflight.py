"""Idempotency keys being worked on right now, so that a duplicate gets 409 + Retry-After.

This only spots duplicates that reach the same worker process at once. Duplicates that
reach two workers are still safe: the purchase service and the payment provider charge once
per key, and the later request returns the first booking.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cinema_cli.web.errors import RequestInProgress


class InFlight:
    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    @contextmanager
    def claim(self, key: str) -> Iterator[None]:
        with self._lock:
            if key in self._keys:
                raise RequestInProgress(
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                    idempotency_key=key,
                )
            self._keys.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._keys.discard(key)
