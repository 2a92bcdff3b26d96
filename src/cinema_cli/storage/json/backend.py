"""The JSON backend: the storage port over the data folder (see the package docstring)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from cinema_cli.domain.models import Showing
from cinema_cli.lock_files import held_lock
from cinema_cli.services.ports.storage import RECORD_KINDS, RECORD_TYPES
from cinema_cli.storage.json.files import DataFiles
from cinema_cli.storage.json.keys import JsonKeyReader
from cinema_cli.storage.json.layout import LAYOUT_VERSION, Home
from cinema_cli.storage.json.ledger import JsonLedgerReader
from cinema_cli.storage.json.mail import JsonMailReader
from cinema_cli.storage.json.provider_books import JsonProviderBooksReader
from cinema_cli.storage.json.reader import JsonReader, load_entity
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.json.transaction import JsonTransaction
from cinema_cli.storage.json.upgrade import layout_version, upgrade_layout
from cinema_cli.storage.records import to_record

SUMMARY_NAME = re.compile(r"summary(-\d{4}-\d{2}-\d{2})?\.json")
"""The seat counts of a theater (layout 1) or of one of its weeks, beside the seat files."""


def _put_record(tx: JsonTransaction, kind: str, item: Any) -> None:
    """Write one loaded record of a kind that needs nothing but its own put."""
    if kind == "idempotency":
        tx.put_idempotency(item)
    elif kind == "audit":
        tx.append_audit(item)
    elif kind == "mail":
        tx.put_mail(item)
    elif kind == "provider_charge":
        tx.put_provider_charge(item)
    elif kind == "signing_key":
        tx.add_signing_key(item)
    else:
        tx.put_charge(item)


class JsonStorage(
    JsonReader, JsonLedgerReader, JsonMailReader, JsonProviderBooksReader, JsonKeyReader
):
    """JSON files in ``data_dir`` (see the package docstring)."""

    def __init__(self, data_dir: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(data_dir)
        self.url = f"json://{self.root.resolve()}"
        self._shard_paths = {}
        self._homes = {}
        self.lock_timeout = lock_timeout
        self._files = DataFiles(self.root)
        self._read_session: Session | None = None
        self._open: tuple[int, JsonTransaction] | None = None
        """The unit of work open in this process, with the thread that opened it."""

    @property
    def _session(self) -> Session:  # type: ignore[override]
        """The lock-free read view; it parses each file once per command."""
        if self._read_session is None:
            if self._files.journal_pending():
                # A writer crashed after its commit point; finish its work before reading.
                with self._locked():
                    self._files.apply_journal()
            self._read_session = Session(self._files, writable=False)
            self._homes = {}
        return self._read_session

    def _locked(self) -> AbstractContextManager[None]:
        lock_path = self.root / ".lock"
        return held_lock(
            lock_path,
            timeout=self.lock_timeout,
            busy=f"another cinema process held the data lock {lock_path} for more than "
            f"{self.lock_timeout:g} s; try again (or raise CINEMA_LOCK_TIMEOUT)",
        )

    @contextmanager
    def transaction(self) -> Iterator[JsonTransaction]:
        with self._locked():
            self._files.apply_journal()
            upgrade_layout(self.root, self._files)  # one stat once the folder is upgraded
            session = Session(self._files, writable=True)
            tx = JsonTransaction(self.root, session)
            self._open = (threading.get_ident(), tx)
            try:
                yield tx
            finally:
                self._open = None
            self._files.commit(session.changes())
        self._read_session = None  # later reads in this process see what was just written

    @contextmanager
    def provider_books(self) -> Iterator[JsonTransaction]:
        if self._open is not None and self._open[0] == threading.get_ident():
            # Joins the caller's unit of work: a second one would wait for our own lock.
            yield self._open[1]
            return
        with self.transaction() as tx:
            yield tx

    # layout versions (``db info``, ``db upgrade``) ------------------------------------------
    @property
    def supported_schema_version(self) -> int:
        return LAYOUT_VERSION

    def schema_version(self) -> int | None:
        return layout_version(self.root, self._files)

    def upgrade(self) -> tuple[int, int]:
        """Bring a data folder of an earlier layout to the current one."""
        with self._locked():
            self._files.apply_journal()
            before = layout_version(self.root, self._files)
            upgrade_layout(self.root, self._files)
        self._read_session = None
        return before, LAYOUT_VERSION

    # dump / load -----------------------------------------------------------------------------
    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        session = self._session
        theater_ids = self._theater_ids()
        for kind, table in (("city", "cities"), ("theater", "theaters"), ("movie", "movies")):
            for row in session.raw_table(self._catalog, table).values():
                yield kind, row
        for theater_id in theater_ids:
            for home in self._homes_for([theater_id], None, None, None):
                yield from (("showing", row) for row in self._rows(home).values())
        seat_files = [
            path
            for theater_id in theater_ids
            for path in sorted((self.root / "seats" / theater_id).glob("*.json"))
            if not SUMMARY_NAME.fullmatch(path.name)
        ]
        for kind, table in (("reservation", "reservations"), ("claim", "claims")):
            for path in seat_files:
                yield from ((kind, row) for row in session.raw_table(path, table).values())
        for path in sorted((self.root / "index" / "users").glob("*.json")):
            for entry in session.raw_table(path, "_default").values():
                if entry["user"] is not None:
                    yield "user", entry["user"]
        for path in seat_files:
            yield from (("booking", row) for row in session.raw_table(path, "bookings").values())
        for path in sorted((self.root / "index" / "idempotency").glob("*.json")):
            yield from (
                ("idempotency", row) for row in session.raw_table(path, "_default").values()
            )
        yield from self._dump_logs()

    def _dump_logs(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The kinds kept in their own sharded files: audit, ledger, mail, provider books."""
        for entry in self.audit():
            yield "audit", to_record(entry)
        for charge in self.charges():
            yield "charge", to_record(charge)
        for mail in self.mail_messages():
            yield "mail", to_record(mail)
        for book_charge in self.provider_charges():
            yield "provider_charge", to_record(book_charge)
        for key in self.signing_keys():
            yield "signing_key", to_record(key)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        counts = dict.fromkeys(RECORD_KINDS, 0)
        showings: list[Showing] = []
        touched: dict[str, tuple[Home, Path]] = {}
        with self.transaction() as tx:
            for kind, data in records:
                item = load_entity(RECORD_TYPES[kind], data)
                counts[kind] += 1
                if kind == "showing":
                    showings.append(item)
                    continue
                if showings:
                    tx.put_showings(showings)
                    showings = []
                match kind:
                    case "city":
                        tx.put_city(item)
                    case "theater":
                        tx.put_theater(item)
                    case "movie":
                        tx.put_movies([item])
                    case "reservation":
                        tx.put_reservation(item)
                    case "claim":
                        home, path = tx._require_showing(item.showing_id)
                        tx._put(path, "claims", item.seat_id, to_record(item))
                        touched[item.showing_id] = (home, path)
                    case "user":
                        tx.put_user(item)
                    case "booking":
                        tx.put_booking(item)
                    case (
                        "idempotency"
                        | "audit"
                        | "charge"
                        | "mail"
                        | "provider_charge"
                        | "signing_key"
                    ):
                        _put_record(tx, kind, item)
            if showings:
                tx.put_showings(showings)
            for showing_id, (home, path) in touched.items():
                tx._refresh_summary(home, showing_id, path)
        return counts

    def close(self) -> None:
        self._read_session = None
