"""The data folder's files: read and checked, and committed all at once through a journal."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from cinema_cli.domain.errors import CorruptData, FileSystemError, UnknownSchema
from cinema_cli.durable_files import fsync_dir, make_private_dirs, write_temp
from cinema_cli.file_faults import file_fault
from cinema_cli.storage.json.layout import LAYOUT_VERSION

READABLE_VERSIONS = frozenset({1, LAYOUT_VERSION})
"""Files of layout 1 whose shape did not change (seats, indexes, audit) are read as they are;
every file written is stamped with the current layout, which older releases refuse."""

JOURNAL = "journal.json"
"""Present in the data folder only while a multi-file commit is applied."""


def _write_temp(path: Path, payload: bytes) -> Path:
    make_private_dirs(path.parent, durable=True)
    return write_temp(path, payload)


def encode(tables: Mapping[str, Any]) -> bytes:
    """A data file's bytes: the schema version and TinyDB's tables."""
    return orjson.dumps({"cinema_schema": LAYOUT_VERSION, "tables": tables})


class DataFiles:
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
            raise file_fault(error, path, action="read") from None
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
        if version not in READABLE_VERSIONS:
            raise UnknownSchema(
                f"data file {path} has schema version {version!r}; this cinema-cli reads "
                f"versions up to {LAYOUT_VERSION}. Upgrade cinema-cli (or restore a matching "
                "backup).",
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
                fsync_dir(path.parent)
                return
            journal = {
                "renames": [
                    [str(t.relative_to(self.root)), str(p.relative_to(self.root))] for t, p in temps
                ]
            }
            # The journal must never name a temporary file a crash could lose: each file
            # was flushed as it was written, but its name lives in its folder, and only a
            # file system that commits metadata in order (ext4, XFS) would keep it without
            # flushing that folder first. The data folder too, when a file of this commit
            # waits there: the journal's own rename could reach the disk before its name.
            for folder in {temp.parent for temp, _ in temps}:
                fsync_dir(folder)
            journal_path = self.root / JOURNAL
            journal_temp = _write_temp(journal_path, orjson.dumps(journal))
            temps.append((journal_temp, journal_path))
            journal_temp.replace(journal_path)
            fsync_dir(self.root)
        except (OSError, FileSystemError) as error:
            for temp, _ in temps:
                with contextlib.suppress(OSError):
                    temp.unlink()
            if isinstance(error, OSError):
                error = file_fault(error, temps[-1][1] if temps else self.root)
            error.message += "; nothing was changed"
            raise error from None
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
        # Only the folders that received a file are flushed: the data folder itself only when
        # a file was renamed into it (the journal's own rename there was flushed at the
        # commit point). Every rename must be on disk before the journal is gone.
        folders = set()
        for temp_name, final_name in journal["renames"]:
            temp, final = self.root / temp_name, self.root / final_name
            if temp.exists():
                temp.replace(final)
            folders.add(final.parent)
        for folder in folders:
            fsync_dir(folder)
        # The journal's removal is not flushed. If a crash undoes it, the next process to
        # open the folder (under the write lock, before reading or writing) replays the
        # journal: each temporary file it names was renamed, and that rename flushed above,
        # so there is nothing left to rename; it flushes the same folders again and removes
        # the journal. The next commit's journal replaces it anyway, and that rename's flush
        # of the data folder also makes this removal durable.
        journal_path.unlink()

    def journal_pending(self) -> bool:
        return (self.root / JOURNAL).exists()
