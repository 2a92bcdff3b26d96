"""One read's or one unit of work's view of the data files, and TinyDB's storage over it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.storages import Storage as TinyStorage
from tinydb.table import Document, Table

from cinema_cli.storage.json.files import DataFiles, encode


class _StrIdTable(Table):
    """TinyDB table keyed by our own string ids instead of integers."""

    document_id_class = str  # type: ignore[assignment]  # TinyDB's stubs assume int ids


def document(data: dict[str, Any], doc_id: str) -> Document:
    """A TinyDB document under our own id (TinyDB's annotations assume int ids)."""
    return Document(data, doc_id=cast(int, doc_id))


def doc_ids(ids: Iterable[str]) -> list[int]:
    """Our string ids where TinyDB's annotations expect int ids."""
    return cast(list[int], list(ids))


TinyDB.table_class = _StrIdTable


class Session:
    """The files one read or transaction has parsed, and those it has changed."""

    def __init__(self, files: DataFiles, *, writable: bool) -> None:
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
        return {path: encode(self._tables[path] or {}) for path in sorted(self._dirty)}


class _FileStorage(TinyStorage):
    """TinyDB storage for one data file, going through a :class:`Session`."""

    def __init__(self, session: Session, path: Path) -> None:
        self._session = session
        self._path = path

    def read(self) -> dict[str, Any] | None:
        return self._session.read(self._path)

    def write(self, data: dict[str, Any]) -> None:
        self._session.write(self._path, data)

    def close(self) -> None:
        pass
