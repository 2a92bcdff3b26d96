"""The default backend: JSON files in a data folder, managed through TinyDB.

Layout of the data folder (schema version :data:`SCHEMA_VERSION`)::

    catalog.json                      cities, theaters (rooms, seat layouts), movies
    showings/<theater>.json           the theater's programme
    seats/<theater>/<showing>.json    one showing's claims, reservations, bookings and tickets
    seats/<theater>/summary.json      per showing: seats sold and live holds (for search)
    index/<name>/<NN>.json            sharded look-ups: showing -> theater, reservation ->
                                      showing, booking -> showing, ticket -> booking, users by
                                      e-mail, idempotency keys
    audit/<NN>.json                   audit entries, sharded by subject
    .lock                             the cross-process write lock
    journal.json                      present only while a multi-file commit is applied

Why this shape: a seat hold rewrites one showing's small file (plus a summary and
an index shard), never the catalog; a seat map parses one theater's programme and
one showing's seats, never every showing of every theater.

Every file is ``{"cinema_schema": N, "tables": {...}}`` where ``tables`` is
TinyDB's own format; :class:`_FileStorage` is the TinyDB ``Storage`` that reads
it with orjson and hands writes to the unit of work instead of writing in place.

Durability: a commit writes each changed file to a temporary file in the same
folder, flushes and fsyncs it; when more than one file changed, it then writes
``journal.json`` (atomically) listing the renames — that is the commit point —
renames every file with ``os.replace``, fsyncs the folders and deletes the
journal. A crash before the journal leaves the old data; after it, the next
process to open the folder finishes the renames. A corrupt, truncated or
unknown-version file stops every command with exit 7 and is never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage as TinyStorage
from tinydb.table import Document, Table

from cinema_cli.domain.errors import (
    CorruptData,
    HoldExpired,
    LockTimeout,
    SeatUnavailable,
    StorageError,
    UnknownSchema,
)
from cinema_cli.domain.models import (
    SCHEMA_VERSION,
    AuditEntry,
    Booking,
    City,
    ClaimKind,
    IdempotencyRecord,
    Movie,
    Reservation,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    User,
)
from cinema_cli.services.ports.storage import RECORD_KINDS, ShowingQuery
from cinema_cli.storage.records import RECORD_TYPES, RecordError, from_record, to_record

INDEX_SHARDS = 32
AUDIT_SHARDS = 32
FILE_MODE = 0o600
DIR_MODE = 0o700
JOURNAL = "journal.json"


class _StrIdTable(Table):
    """TinyDB table keyed by our own string ids instead of integers."""

    document_id_class = str  # type: ignore[assignment]  # TinyDB's stubs assume int ids


def _doc(data: dict[str, Any], doc_id: str) -> Document:
    """A TinyDB document under our own id (TinyDB's annotations assume int ids)."""
    return Document(data, doc_id=cast(int, doc_id))


def _ids(doc_ids: Iterable[str]) -> list[int]:
    return cast(list[int], list(doc_ids))


TinyDB.table_class = _StrIdTable


def _shard(key: str, shards: int) -> int:
    return zlib.crc32(key.encode()) % shards


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _bound_text(instant: datetime) -> str:
    """A query bound in the stored form of start times (whole seconds, UTC).

    Rounding up keeps both ``>= from`` and ``< before`` exact for whole-second start
    times, which is what imports and the demo store.
    """
    utc = instant.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


_dump = to_record

_E = TypeVar("_E")


def _load(kind: type[_E], record: Any) -> _E:
    """A stored record as an entity; a record that does not fit means a damaged file."""
    try:
        return from_record(kind, record)
    except RecordError as error:
        raise CorruptData(f"damaged record in the data folder: {error}") from None


# --------------------------------------------------------------------------------------------
# Files: reading, atomic writing, journal
# --------------------------------------------------------------------------------------------
def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents, owner-only (``mkdir(parents=True)`` would
    give the parents the umask's mode)."""
    if folder.is_dir():
        return
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=DIR_MODE)


def _write_temp(path: Path, payload: bytes) -> Path:
    """Write ``payload`` durably to a fresh temporary file beside ``path``."""
    _make_dirs(path.parent)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    os.close(fd)
    return temp


def _encode(tables: Mapping[str, Any]) -> bytes:
    return orjson.dumps({"cinema_schema": SCHEMA_VERSION, "tables": tables})


def _storage_error_from_os(error: OSError, path: Path) -> StorageError:
    if error.errno == errno.ENOSPC:
        return StorageError(
            f"no space left on the device while writing {path}; nothing was changed",
            code="disk_full",
            path=str(path),
        )
    return StorageError(
        f"cannot write {path}: {error.strerror or error}; nothing was changed", path=str(path)
    )


class _Files:
    """Reads and durably commits the data folder's files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, path: Path) -> dict[str, Any] | None:
        """The TinyDB tables of ``path``, or ``None`` when the file does not exist."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise CorruptData(f"{path} is a folder, not a data file", path=str(path)) from None
        except OSError as error:
            raise StorageError(
                f"cannot read {path}: {error.strerror or error}", path=str(path)
            ) from None
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            what = "empty" if not raw.strip() else "truncated or not valid JSON"
            raise CorruptData(
                f"data file {path} is {what}; it was left untouched. Restore it from a backup "
                "or move it away to start afresh.",
                path=str(path),
            ) from None
        if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
            raise CorruptData(
                f"data file {path} is not a cinema-cli data file; it was left untouched",
                path=str(path),
            )
        version = document.get("cinema_schema")
        if version != SCHEMA_VERSION:
            raise UnknownSchema(
                f"data file {path} has schema version {version!r}; this cinema-cli reads "
                f"version {SCHEMA_VERSION}. Upgrade cinema-cli (or restore a matching backup).",
                path=str(path),
                version=version,
            )
        tables: dict[str, Any] = document["tables"]
        return tables

    def commit(self, changes: dict[Path, bytes]) -> None:
        """Replace every file in ``changes`` at once: all of them land, or none."""
        if not changes:
            return
        temps: list[tuple[Path, Path]] = []
        try:
            for path, payload in changes.items():
                temps.append((_write_temp(path, payload), path))
            if len(temps) == 1:
                temp, path = temps[0]
                temp.replace(path)
                _fsync_dir(path.parent)
                return
            journal = {
                "renames": [
                    [str(t.relative_to(self.root)), str(p.relative_to(self.root))] for t, p in temps
                ]
            }
            journal_path = self.root / JOURNAL
            journal_temp = _write_temp(journal_path, orjson.dumps(journal))
            temps.append((journal_temp, journal_path))
            journal_temp.replace(journal_path)
            _fsync_dir(self.root)
        except OSError as error:
            for temp, _ in temps:
                with contextlib.suppress(OSError):
                    temp.unlink()
            raise _storage_error_from_os(error, temps[-1][1] if temps else self.root) from None
        # Past the commit point the transaction has happened: finishing is idempotent, and if
        # it fails here the next process to open the folder finishes it (like after a crash).
        with contextlib.suppress(OSError):
            self.apply_journal()

    def apply_journal(self) -> None:
        """Finish a multi-file commit that reached its journal (call under the write lock)."""
        journal_path = self.root / JOURNAL
        try:
            journal = orjson.loads(journal_path.read_bytes())
        except FileNotFoundError:
            return
        except orjson.JSONDecodeError:
            raise CorruptData(
                f"{journal_path} is damaged; it was left untouched", path=str(journal_path)
            ) from None
        folders = {self.root}
        for temp_name, final_name in journal["renames"]:
            temp, final = self.root / temp_name, self.root / final_name
            if temp.exists():
                temp.replace(final)
            folders.add(final.parent)
        for folder in folders:
            _fsync_dir(folder)
        journal_path.unlink()
        _fsync_dir(self.root)

    def journal_pending(self) -> bool:
        return (self.root / JOURNAL).exists()


# --------------------------------------------------------------------------------------------
# A unit of work's view of the files, and the TinyDB storage over it
# --------------------------------------------------------------------------------------------
class _Session:
    """The files one read or transaction has parsed, and those it has changed."""

    def __init__(self, files: _Files, *, writable: bool) -> None:
        self.files = files
        self.writable = writable
        self._tables: dict[Path, dict[str, Any] | None] = {}
        self._dirty: set[Path] = set()
        self._dbs: dict[Path, TinyDB] = {}

    def read(self, path: Path) -> dict[str, Any] | None:
        if path not in self._tables:
            self._tables[path] = self.files.read(path)
        return self._tables[path]

    def write(self, path: Path, tables: dict[str, Any]) -> None:
        if not self.writable:  # pragma: no cover - a programming error, not a user error
            raise RuntimeError("write outside a transaction")
        self._tables[path] = tables
        self._dirty.add(path)

    def db(self, path: Path) -> TinyDB:
        db = self._dbs.get(path)
        if db is None:
            db = TinyDB(storage=_FileStorage, session=self, path=path)
            self._dbs[path] = db
        return db

    def table(self, path: Path, name: str) -> Table:
        return self.db(path).table(name, cache_size=0)

    def raw_table(self, path: Path, name: str) -> dict[str, Any]:
        """A table's documents by id, without TinyDB's per-document wrapping (fast read path)."""
        tables = self.read(path)
        if not tables:
            return {}
        table: dict[str, Any] = tables.get(name, {})
        return table

    def changes(self) -> dict[Path, bytes]:
        return {path: _encode(self._tables[path] or {}) for path in sorted(self._dirty)}


class _FileStorage(TinyStorage):
    """TinyDB storage for one data file, going through a :class:`_Session`."""

    def __init__(self, session: _Session, path: Path) -> None:
        self._session = session
        self._path = path

    def read(self) -> dict[str, Any] | None:
        return self._session.read(self._path)

    def write(self, data: dict[str, Any]) -> None:
        self._session.write(self._path, data)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------------------------
# Reader and transaction
# --------------------------------------------------------------------------------------------
class _JsonReader:
    """Queries over a session; shared by lock-free reads and transactions."""

    _session: _Session
    root: Path
    _shard_paths: dict[str, list[Path]]

    # paths ---------------------------------------------------------------------------------
    @property
    def _catalog(self) -> Path:
        return self.root / "catalog.json"

    def _programme(self, theater_id: str) -> Path:
        return self.root / "showings" / f"{theater_id}.json"

    def _seats_file(self, theater_id: str, showing_id: str) -> Path:
        return self.root / "seats" / theater_id / f"{showing_id}.json"

    def _summary(self, theater_id: str) -> Path:
        return self.root / "seats" / theater_id / "summary.json"

    def _index(self, name: str, key: str) -> Path:
        # Imports look up 100,000 keys: build each shard's Path once, not once per key.
        shards = self._shard_paths.get(name)
        if shards is None:
            folder = self.root / "index" / name
            shards = self._shard_paths[name] = [
                folder / f"{n:02d}.json" for n in range(INDEX_SHARDS)
            ]
        return shards[_shard(key, INDEX_SHARDS)]

    def _audit_file(self, subject: str) -> Path:
        return self.root / "audit" / f"{_shard(subject, AUDIT_SHARDS):02d}.json"

    def _lookup(self, name: str, key: str) -> Any:
        return self._session.raw_table(self._index(name, key), "_default").get(key)

    # catalog -------------------------------------------------------------------------------
    def cities(self) -> list[City]:
        rows = self._session.raw_table(self._catalog, "cities").values()
        return sorted((_load(City, r) for r in rows), key=lambda c: c.name)

    def theaters(self, city_id: str | None = None) -> list[Theater]:
        rows = self._session.raw_table(self._catalog, "theaters").values()
        found = [_load(Theater, r) for r in rows if city_id in (None, r["city_id"])]
        return sorted(found, key=lambda t: (t.city_id, t.name))

    def theater(self, theater_id: str) -> Theater | None:
        row = self._session.raw_table(self._catalog, "theaters").get(theater_id)
        return None if row is None else _load(Theater, row)

    def movies(self) -> list[Movie]:
        rows = self._session.raw_table(self._catalog, "movies").values()
        return sorted((_load(Movie, r) for r in rows), key=lambda m: m.title)

    def movie(self, movie_id: str) -> Movie | None:
        row = self._session.raw_table(self._catalog, "movies").get(movie_id)
        return None if row is None else _load(Movie, row)

    def _theater_ids(self) -> list[str]:
        return list(self._session.raw_table(self._catalog, "theaters"))

    def showings(self, query: ShowingQuery) -> list[Showing]:
        theater_ids = (
            sorted(query.theater_ids) if query.theater_ids is not None else self._theater_ids()
        )
        start = _bound_text(query.starts_from) if query.starts_from else None
        stop = _bound_text(query.starts_before) if query.starts_before else None
        movies = query.movie_ids
        # Filter the stored dicts first: validating 30,000 showings would cost far more.
        matches: list[dict[str, Any]] = []
        for theater_id in theater_ids:
            for row in self._session.raw_table(self._programme(theater_id), "showings").values():
                if (
                    (movies is None or row["movie_id"] in movies)
                    and (start is None or row["starts_at"] >= start)
                    and (stop is None or row["starts_at"] < stop)
                    and (query.include_cancelled or row["status"] == ShowingStatus.SCHEDULED)
                ):
                    matches.append(row)
        matches.sort(key=lambda r: (r["starts_at"], r["id"]))
        return [_load(Showing, r) for r in matches]

    def data_version(self) -> int | None:
        return None  # a change marker would cost a write on every commit; callers re-read

    def showing(self, showing_id: str) -> Showing | None:
        theater_id = self._lookup("showings", showing_id)
        if theater_id is None:
            return None
        row = self._session.raw_table(self._programme(theater_id), "showings").get(showing_id)
        return None if row is None else _load(Showing, row)

    def showings_by_ids(self, showing_ids: Iterable[str]) -> dict[str, Showing]:
        # Imports ask for 100,000 ids, most of them new: keep each index shard and
        # programme at hand instead of going through _lookup (Path-keyed look-ups per id).
        found: dict[str, Showing] = {}
        shards: dict[int, dict[str, Any]] = {}
        programmes: dict[str, dict[str, Any]] = {}
        for showing_id in showing_ids:
            number = _shard(showing_id, INDEX_SHARDS)
            index = shards.get(number)
            if index is None:
                path = self._index("showings", showing_id)
                index = shards[number] = self._session.raw_table(path, "_default")
            theater_id = index.get(showing_id)
            if theater_id is None:
                continue
            programme = programmes.get(theater_id)
            if programme is None:
                path = self._programme(theater_id)
                programme = programmes[theater_id] = self._session.raw_table(path, "showings")
            row = programme.get(showing_id)
            if row is not None:
                found[showing_id] = _load(Showing, row)
        return found

    # seats ---------------------------------------------------------------------------------
    def _showing_file(self, showing_id: str) -> Path | None:
        theater_id = self._lookup("showings", showing_id)
        return None if theater_id is None else self._seats_file(theater_id, showing_id)

    def claims(self, showing_id: str) -> list[SeatClaim]:
        path = self._showing_file(showing_id)
        if path is None:
            return []
        return [_load(SeatClaim, r) for r in self._session.raw_table(path, "claims").values()]

    def _summaries(self, showing_ids: Iterable[str]) -> Iterator[tuple[str, dict[str, Any] | None]]:
        for showing_id in showing_ids:
            theater_id = self._lookup("showings", showing_id)
            if theater_id is None:
                yield showing_id, None
            else:
                yield (
                    showing_id,
                    self._session.raw_table(self._summary(theater_id), "_default").get(showing_id),
                )

    def seats_taken(self, showing_ids: Iterable[str], now: datetime) -> dict[str, int]:
        taken: dict[str, int] = {}
        for showing_id, summary in self._summaries(showing_ids):
            if summary is None:
                taken[showing_id] = 0
                continue
            live_holds = sum(
                n for expires, n in summary["holds"].values() if _instant(expires) > now
            )
            taken[showing_id] = summary["sold"] + live_holds
        return taken

    def sold_counts(self, showing_ids: Iterable[str]) -> dict[str, int]:
        return {sid: (s["sold"] if s else 0) for sid, s in self._summaries(showing_ids)}

    # bookings ------------------------------------------------------------------------------
    def reservation(self, reservation_id: str) -> Reservation | None:
        showing_id = self._lookup("reservations", reservation_id)
        path = self._showing_file(showing_id) if showing_id else None
        if path is None:
            return None
        row = self._session.raw_table(path, "reservations").get(reservation_id)
        return None if row is None else _load(Reservation, row)

    def booking(self, booking_id: str) -> Booking | None:
        showing_id = self._lookup("bookings", booking_id)
        path = self._showing_file(showing_id) if showing_id else None
        if path is None:
            return None
        row = self._session.raw_table(path, "bookings").get(booking_id)
        return None if row is None else _load(Booking, row)

    def bookings_by_email(self, email: str) -> list[Booking]:
        entry = self._lookup("users", email.lower())
        if entry is None:
            return []
        found = [b for b in (self.booking(bid) for bid in entry["booking_ids"]) if b is not None]
        return sorted(found, key=lambda b: (b.created_at, b.id), reverse=True)

    def ticket(self, ticket_id: str) -> Ticket | None:
        booking_id = self._lookup("tickets", ticket_id)
        booking = self.booking(booking_id) if booking_id else None
        if booking is None:
            return None
        return next((t for t in booking.tickets if t.id == ticket_id), None)

    def user_by_email(self, email: str) -> User | None:
        entry = self._lookup("users", email.lower())
        return None if entry is None else _load(User, entry["user"])

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        row = self._lookup("idempotency", key)
        return None if row is None else _load(IdempotencyRecord, row)

    def audit(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        if subject is not None:
            paths = [self._audit_file(subject)]
        else:
            folder = self.root / "audit"
            paths = sorted(folder.glob("[0-9][0-9].json")) if folder.is_dir() else []
        rows = [
            row
            for path in paths
            for row in self._session.raw_table(path, "_default").values()
            if subject in (None, row["subject"])
        ]
        rows.sort(key=lambda r: (r["at"], r["id"]))
        if limit:
            rows = rows[-limit:]
        return [_load(AuditEntry, r) for r in rows]


class _JsonTransaction(_JsonReader):
    """A unit of work over the JSON files (the storage port's ``Transaction``)."""

    def __init__(self, root: Path, session: _Session) -> None:
        self.root = root
        self._session = session
        self._shard_paths = {}

    # helpers -------------------------------------------------------------------------------
    # Big tables (programmes, summaries, index shards, audit) are updated as plain dicts:
    # TinyDB's Table rebuilds the whole table on every write, which is O(n) per document.
    # The small per-showing tables (claims, reservations, bookings) go through TinyDB's API.
    def _put(self, path: Path, table: str, doc_id: str, data: dict[str, Any]) -> None:
        tables = self._session.read(path)
        if tables is None:
            tables = {}
        rows = tables.setdefault(table, {})
        if rows.get(doc_id) != data:  # unchanged documents do not rewrite their file
            rows[doc_id] = data
            self._session.write(path, tables)

    def _remove(self, path: Path, table: str, doc_ids: Iterable[str]) -> None:
        tables = self._session.read(path)
        rows = tables.get(table) if tables else None
        if not rows:
            return
        present = [d for d in doc_ids if d in rows]
        if present and tables is not None:
            for doc_id in present:
                del rows[doc_id]
            self._session.write(path, tables)

    def _set_index(self, name: str, key: str, value: Any) -> None:
        self._put(self._index(name, key), "_default", key, value)

    def _drop_index(self, name: str, key: str) -> None:
        self._remove(self._index(name, key), "_default", [key])

    def _require_showing(self, showing_id: str) -> tuple[str, Path]:
        theater_id = self._lookup("showings", showing_id)
        if theater_id is None:
            from cinema_cli.domain.errors import ShowingNotFound

            raise ShowingNotFound(f"no showing {showing_id!r}", showing_id=showing_id)
        return theater_id, self._seats_file(theater_id, showing_id)

    def _refresh_summary(self, theater_id: str, showing_id: str, seats_path: Path) -> None:
        """Recount one showing's sold seats and holds into its theater's summary."""
        sold = 0
        holds: dict[str, list[Any]] = {}
        for claim in self._session.raw_table(seats_path, "claims").values():
            if claim["kind"] == ClaimKind.SOLD:
                sold += 1
            else:
                entry = holds.setdefault(claim["reservation_id"] or "", [claim["expires_at"], 0])
                entry[1] += 1
        summary = {"sold": sold, "holds": holds}
        path = self._summary(theater_id)
        if sold or holds:
            self._put(path, "_default", showing_id, summary)
        else:
            self._remove(path, "_default", [showing_id])

    # catalog -------------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        self._put(self._catalog, "cities", city.id, _dump(city))

    def put_theater(self, theater: Theater) -> None:
        self._put(self._catalog, "theaters", theater.id, _dump(theater))

    def put_movies(self, movies: Iterable[Movie]) -> None:
        for movie in movies:
            self._put(self._catalog, "movies", movie.id, _dump(movie))

    def put_showings(self, showings: Iterable[Showing]) -> None:
        by_theater: dict[str, dict[str, dict[str, Any]]] = {}
        for showing in showings:
            by_theater.setdefault(showing.theater_id, {})[showing.id] = _dump(showing)
        index_changes: dict[Path, dict[str, str]] = {}
        for theater_id, incoming in by_theater.items():
            path = self._programme(theater_id)
            existing = self._session.raw_table(path, "showings")
            changed = {sid: data for sid, data in incoming.items() if existing.get(sid) != data}
            if changed:
                tables = self._session.read(path) or {}
                tables["showings"] = {**existing, **changed}
                self._session.write(path, tables)
            for showing_id in incoming:
                shard = self._index("showings", showing_id)
                index_changes.setdefault(shard, {})[showing_id] = theater_id
        for shard, entries in index_changes.items():
            current = self._session.raw_table(shard, "_default")
            moved = {k: v for k, v in entries.items() if current.get(k) != v}
            if moved:
                for showing_id, theater_id in moved.items():
                    if current.get(showing_id) is not None:
                        self._move_showing(showing_id, current[showing_id], theater_id)
                tables = dict(self._session.read(shard) or {})
                tables["_default"] = {**current, **moved}
                self._session.write(shard, tables)

    def _move_showing(self, showing_id: str, old_theater: str, new_theater: str) -> None:
        """A showing now at another theater: its programme entry and seat file move with it."""
        self._remove(self._programme(old_theater), "showings", [showing_id])
        old_seats = self._seats_file(old_theater, showing_id)
        tables = self._session.read(old_seats)
        if tables:
            new_seats = self._seats_file(new_theater, showing_id)
            self._session.write(new_seats, tables)
            self._session.write(old_seats, {})  # left empty: a commit replaces files, never deletes
            self._remove(self._summary(old_theater), "_default", [showing_id])
            self._refresh_summary(new_theater, showing_id, new_seats)

    # seats ---------------------------------------------------------------------------------
    def claim_seats(
        self,
        showing_id: str,
        claims: list[SeatClaim],
        *,
        now: datetime,
        replacing_reservation: str | None = None,
    ) -> None:
        theater_id, path = self._require_showing(showing_id)
        stored = self._session.raw_table(path, "claims")
        wanted = {c.seat_id for c in claims}
        dropped = [
            seat_id
            for seat_id, claim in stored.items()
            if claim["kind"] == ClaimKind.HOLD
            and (
                (
                    replacing_reservation is not None
                    and claim["reservation_id"] == replacing_reservation
                )
                or (seat_id in wanted and _instant(claim["expires_at"]) <= now)
            )
        ]
        taken = sorted(wanted & (stored.keys() - set(dropped)))
        if taken:
            raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken)
        claims_table = self._session.table(path, "claims")
        if dropped:
            claims_table.remove(doc_ids=_ids(dropped))
        claims_table.insert_multiple(_doc(_dump(c), c.seat_id) for c in claims)
        self._refresh_summary(theater_id, showing_id, path)

    def put_reservation(self, reservation: Reservation) -> None:
        _, path = self._require_showing(reservation.showing_id)
        table = self._session.table(path, "reservations")
        table.upsert(_doc(_dump(reservation), reservation.id))
        self._set_index("reservations", reservation.id, reservation.showing_id)

    def release_reservation(self, reservation: Reservation) -> None:
        theater_id, path = self._require_showing(reservation.showing_id)
        holds = [
            seat_id
            for seat_id, claim in self._session.raw_table(path, "claims").items()
            if claim["kind"] == ClaimKind.HOLD and claim["reservation_id"] == reservation.id
        ]
        self._remove(path, "claims", holds)
        self._remove(path, "reservations", [reservation.id])
        self._drop_index("reservations", reservation.id)
        self._refresh_summary(theater_id, reservation.showing_id, path)

    def sell_seats(self, reservation: Reservation, tickets: list[Ticket], *, now: datetime) -> None:
        theater_id, path = self._require_showing(reservation.showing_id)
        stored = self._session.raw_table(path, "claims")
        for ticket in tickets:
            claim = stored.get(ticket.seat_id)
            if (
                claim is None
                or claim["kind"] != ClaimKind.HOLD
                or claim["reservation_id"] != reservation.id
                or _instant(claim["expires_at"]) <= now
            ):
                raise HoldExpired(
                    f"reservation {reservation.id} has expired; its seats are no longer held",
                    reservation_id=reservation.id,
                )
        sold = [
            SeatClaim(
                showing_id=reservation.showing_id,
                seat_id=t.seat_id,
                kind=ClaimKind.SOLD,
                booking_id=t.booking_id,
                ticket_id=t.id,
            )
            for t in tickets
        ]
        claims_table = self._session.table(path, "claims")
        claims_table.remove(doc_ids=_ids(t.seat_id for t in tickets))
        claims_table.insert_multiple(_doc(_dump(c), c.seat_id) for c in sold)
        self._remove(path, "reservations", [reservation.id])
        self._drop_index("reservations", reservation.id)
        self._refresh_summary(theater_id, reservation.showing_id, path)

    def release_tickets(self, showing_id: str, ticket_ids: Iterable[str]) -> None:
        theater_id, path = self._require_showing(showing_id)
        ids = set(ticket_ids)
        seats = [
            seat_id
            for seat_id, claim in self._session.raw_table(path, "claims").items()
            if claim["kind"] == ClaimKind.SOLD and claim["ticket_id"] in ids
        ]
        self._remove(path, "claims", seats)
        self._refresh_summary(theater_id, showing_id, path)

    # bookings ------------------------------------------------------------------------------
    def put_user(self, user: User) -> None:
        key = user.email.lower()
        entry = self._lookup("users", key) or {"booking_ids": []}
        self._set_index("users", key, {"user": _dump(user), "booking_ids": entry["booking_ids"]})

    def put_booking(self, booking: Booking) -> None:
        _, path = self._require_showing(booking.showing_id)
        data = _dump(booking)
        if self._session.raw_table(path, "bookings").get(booking.id) != data:
            self._session.table(path, "bookings").upsert(_doc(data, booking.id))
        self._set_index("bookings", booking.id, booking.showing_id)
        for ticket in booking.tickets:
            self._set_index("tickets", ticket.id, booking.id)
        key = booking.email.lower()
        entry = self._lookup("users", key)
        if entry is None:
            entry = {"user": None, "booking_ids": []}
        if booking.id not in entry["booking_ids"]:
            self._set_index(
                "users", key, {**entry, "booking_ids": [*entry["booking_ids"], booking.id]}
            )

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        self._set_index("idempotency", record.key, _dump(record))

    def append_audit(self, entry: AuditEntry) -> None:
        self._put(self._audit_file(entry.subject), "_default", entry.id, _dump(entry))


# --------------------------------------------------------------------------------------------
# The backend
# --------------------------------------------------------------------------------------------
class JsonStorage(_JsonReader):
    """JSON files in ``data_dir`` (see the module docstring)."""

    def __init__(self, data_dir: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(data_dir)
        self.url = f"json://{self.root.resolve()}"
        self._shard_paths = {}
        self.lock_timeout = lock_timeout
        self._files = _Files(self.root)
        self._read_session: _Session | None = None

    @property
    def _session(self) -> _Session:  # type: ignore[override]
        """The lock-free read view; it parses each file once per command."""
        if self._read_session is None:
            if self._files.journal_pending():
                # A writer crashed after its commit point; finish its work before reading.
                with self._locked():
                    self._files.apply_journal()
            self._read_session = _Session(self._files, writable=False)
        return self._read_session

    @contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        _make_dirs(self.root)
        lock_path = self.root / ".lock"
        lock = FileLock(lock_path, timeout=self.lock_timeout, mode=FILE_MODE)
        try:
            lock.acquire()
        except Timeout:
            raise LockTimeout(
                f"another cinema process held the data lock {lock_path} for more than "
                f"{self.lock_timeout:g} s; try again (or raise CINEMA_LOCK_TIMEOUT)",
                path=str(lock_path),
            ) from None
        except OSError as error:
            raise StorageError(
                f"cannot lock {lock_path}: {error.strerror or error}", path=str(lock_path)
            ) from None
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def transaction(self) -> Iterator[_JsonTransaction]:
        with self._locked():
            self._files.apply_journal()
            session = _Session(self._files, writable=True)
            yield _JsonTransaction(self.root, session)
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
            yield "audit", _dump(entry)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        counts = dict.fromkeys(RECORD_KINDS, 0)
        showings: list[Showing] = []
        touched: dict[str, tuple[str, Path]] = {}
        with self.transaction() as tx:
            for kind, data in records:
                item = _load(RECORD_TYPES[kind], data)
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
                        tx._put(path, "claims", item.seat_id, _dump(item))
                        touched[item.showing_id] = (theater_id, path)
                    case "user":
                        tx.put_user(item)
                    case "booking":
                        tx.put_booking(item)
                    case "idempotency":
                        tx.put_idempotency(item)
                    case "audit":
                        tx.append_audit(item)
            if showings:
                tx.put_showings(showings)
            for showing_id, (theater_id, path) in touched.items():
                tx._refresh_summary(theater_id, showing_id, path)
        return counts

    def close(self) -> None:
        self._read_session = None


__all__ = ["JsonStorage"]
