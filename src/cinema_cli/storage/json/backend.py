"""The JSON backend: the storage port over the data folder (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from cinema_cli.domain.models import Showing
from cinema_cli.lock_files import held_lock
from cinema_cli.services.ports.storage import RECORD_KINDS, RECORD_TYPES
from cinema_cli.storage.json.files import DataFiles
from cinema_cli.storage.json.keys import JsonKeyReader
from cinema_cli.storage.json.ledger import JsonLedgerReader
from cinema_cli.storage.json.reader import JsonReader, load_entity
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.json.transaction import JsonTransaction
from cinema_cli.storage.records import to_record


def _put_record(tx: JsonTransaction, kind: str, item: Any) -> None:
    """Write one loaded record of a kind that needs nothing but its own put."""
    if kind == "idempotency":
        tx.put_idempotency(item)
    elif kind == "audit":
        tx.append_audit(item)
    elif kind == "signing_key":
        tx.add_signing_key(item)
    else:
        tx.put_charge(item)


class JsonStorage(JsonReader, JsonLedgerReader, JsonKeyReader):
    """JSON files in ``data_dir`` (see the package docstring)."""

    def __init__(self, data_dir: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(data_dir)
        self.url = f"json://{self.root.resolve()}"
        self._shard_paths = {}
        self.lock_timeout = lock_timeout
        self._files = DataFiles(self.root)
        self._read_session: Session | None = None

    @property
    def _session(self) -> Session:  # type: ignore[override]
        """The lock-free read view; it parses each file once per command."""
        if self._read_session is None:
            if self._files.journal_pending():
                # A writer crashed after its commit point; finish its work before reading.
                with self._locked():
                    self._files.apply_journal()
            self._read_session = Session(self._files, writable=False)
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
            session = Session(self._files, writable=True)
            yield JsonTransaction(self.root, session)
            self._files.commit(session.changes())
        self._read_session = None  # later reads in this process see what was just written

    # dump / load -----------------------------------------------------------------------------
    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        session = self._session
        theater_ids = self._theater_ids()
        for kind, table in (("city", "cities"), ("theater", "theaters"), ("movie", "movies")):
            for row in session.raw_table(self._catalog, table).values():
                yield kind, row
        for theater_id in theater_ids:
            for row in session.raw_table(self._programme(theater_id), "showings").values():
                yield "showing", row
        seat_files = [
            path
            for theater_id in theater_ids
            for path in sorted((self.root / "seats" / theater_id).glob("*.json"))
            if path.name != "summary.json"
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
        for entry in self.audit():
            yield "audit", to_record(entry)
        for charge in self.charges():
            yield "charge", to_record(charge)
        for key in self.signing_keys():
            yield "signing_key", to_record(key)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        counts = dict.fromkeys(RECORD_KINDS, 0)
        showings: list[Showing] = []
        touched: dict[str, tuple[str, Path]] = {}
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
                        theater_id, path = tx._require_showing(item.showing_id)
                        tx._put(path, "claims", item.seat_id, to_record(item))
                        touched[item.showing_id] = (theater_id, path)
                    case "user":
                        tx.put_user(item)
                    case "booking":
                        tx.put_booking(item)
                    case "idempotency" | "audit" | "charge" | "signing_key":
                        _put_record(tx, kind, item)
            if showings:
                tx.put_showings(showings)
            for showing_id, (theater_id, path) in touched.items():
                tx._refresh_summary(theater_id, showing_id, path)
        return counts

    def close(self) -> None:
        self._read_session = None
