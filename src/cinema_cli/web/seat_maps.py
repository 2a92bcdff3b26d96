"""Seat map bodies kept between requests, and never served once they could be stale.

A seat map (``GET /v1/showings/{id}/seats``) is the API's hottest read: every client polls
it while a customer picks seats. Drawing one costs a few queries and a few hundred seats
turned into JSON; keeping the rendered body and its ETag makes a repeat cost one look at
the store's change token instead.

A kept body (per showing and ``X-Session-Id``, whose holds it marks ``mine``) is served
only while both hold:

- nothing was committed to the store since it was read: the storage's
  ``change_token()`` (read *before* the map, so that a commit landing while it is drawn
  makes the next request draw again) is the one read then. Every token is read through
  one handle, kept for this purpose only, as SQLite's ``data_version`` is comparable only
  on one connection; that handle never writes, so every commit (this server's too) moves it;
- no hold on the map has expired since: "now", by the clock the services use (the
  database's on PostgreSQL), is still before the first live hold's expiry, and not before
  the instant the map was read at (a clock set back could bring a dead hold back).

A backend without a cheap token (JSON: ``change_token()`` is ``None``) keeps nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cinema_cli.domain.errors import StorageUnavailable

if TYPE_CHECKING:
    from cinema_cli.bootstrap import Runtime
    from cinema_cli.config import Settings
    from cinema_cli.services.seats import SeatMap

KEPT = 512
"""Bodies kept at most (the least recently served go first): a few MB at scale M."""

Key = tuple[str, str | None]
"""(showing id, session id)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A seat map's JSON body and ETag, with what it stays valid for."""

    body: bytes
    etag: str
    token: Hashable
    read_at: datetime
    holds_until: datetime | None

    def valid(self, token: Hashable, now: datetime) -> bool:
        return (
            token == self.token
            and self.read_at <= now
            and (self.holds_until is None or now < self.holds_until)
        )


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def render(found: SeatMap) -> bytes:
    """The SEATS document's bytes."""
    import orjson

    from cinema_cli.web import shapes

    return orjson.dumps(shapes.seat_map(found), default=str)


class SeatMapCache:
    """Rendered seat maps of one server process (thread-safe)."""

    def __init__(self, settings: Settings, kept: int = KEPT) -> None:
        self._settings = settings
        self._kept = kept
        self._watch: Runtime | None = None
        self._generation = 0
        """Which watching connection the tokens come from (one more after each reopen)."""
        self._watch_lock = threading.Lock()
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, Rendered] = OrderedDict()
        self.enabled = True
        """False once the store has said it has no cheap change token."""
        self.on_loop = settings.storage_url.startswith("sqlite:")
        """Whether a kept map may be looked up on the event loop: SQLite reads its token
        from the database file's shared memory (WAL), and its clock is this host's; on
        PostgreSQL each is a round trip, which must not stall the loop."""

    def token(self) -> Hashable | None:
        """The store's change token now, through the one watching handle (``None``: keep
        nothing)."""
        if not self.enabled:
            return None
        with self._watch_lock:
            if self._watch is None:
                from cinema_cli.bootstrap import Runtime

                self._watch = Runtime(self._settings)
                # SQLite's data_version counts per connection and starts again on a new one:
                # a token of the old connection must never equal one of the new.
                self._generation += 1
            try:
                token = self._watch.storage.change_token()
            except StorageUnavailable:
                # A lost connection is dropped: the next request opens a new one.
                self._watch.close()
                self._watch = None
                raise
            generation = self._generation
        if token is None:
            self.enabled = self.on_loop = False
            return None
        return (generation, token)

    def get(self, key: Key, token: Hashable, now: datetime) -> Rendered | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if not found.valid(token, now):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found

    def put(self, key: Key, token: Hashable, found: SeatMap, body: bytes) -> Rendered:
        kept = Rendered(body, etag_of(body), token, found.at, found.holds_until)
        with self._lock:
            self._entries[key] = kept
            self._entries.move_to_end(key)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        return kept

    def close(self) -> None:
        with self._watch_lock:
            watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()
