"""Owner-only files written atomically and durably: the one way cinema-cli writes a file.

Data files, the payment ledger, signing keys, tickets and e-mails all hold something
for the owner's eyes only and must never be seen half-written. Each is written to a
fresh temporary file beside its final name (mode 0600), flushed to disk, renamed over
the final name, and the rename itself is flushed by syncing the folder
(:func:`write_private`). Files that are made again from stored data (e-tickets, the
confirmation e-mail) skip the two flushes (:func:`write_output`). Standard
library only: both the storage backends and the adapters use it. The operating system's
refusals (full disk, read-only mount, missing folder...) come out as
:class:`~cinema_cli.domain.errors.FileSystemError` naming the path (exit 7).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cinema_cli.file_faults import file_faults

FILE_MODE = 0o600
"""Files: read and written by the owner only."""
DIR_MODE = 0o700
"""Folders: entered and listed by the owner only."""


def fsync_dir(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename or a new file in it) to disk."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_private_dirs(folder: Path, *, durable: bool = False) -> None:
    """Create ``folder`` and any missing parents, each owner-only; ``durable``: and flush
    each new folder's name in its parent, for stores whose files must survive a crash
    (a file flushed into a folder whose own name was lost is lost with it).

    ``mkdir(parents=True)`` would give the parents the umask's mode.
    """
    if folder.is_dir():
        return
    missing = []
    top = folder
    while not top.exists() and top != top.parent:
        missing.append(top)
        top = top.parent
    with file_faults(folder, action="create the folder"):
        for path in reversed(missing):
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=DIR_MODE)
            # The umask may have taken bits away; a folder we create gets exactly DIR_MODE.
            path.chmod(DIR_MODE)
        if durable:
            for path in reversed(missing):
                fsync_dir(path.parent)


def create_private(path: Path) -> None:
    """Create ``path`` empty and owner-only unless it exists (for files others fill in)."""
    with file_faults(path, action="create"), contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def write_temp(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new owner-only temporary file beside ``path`` and flush it to disk.

    The caller renames it over ``path`` (see :func:`write_private`), or several of them
    at once behind a journal (the JSON backend). The name starts with a dot and ends
    with ``.tmp``; it is unique, so concurrent writers never share a temporary file.
    """
    # os.urandom, not secrets: importing secrets loads hmac and OpenSSL (~20 ms at start-up).
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    with file_faults(path):
        return _write_temp(temporary, data)


def _write_temp(temporary: Path, data: bytes, *, durable: bool = True) -> Path:
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        # The umask may have taken bits away from FILE_MODE; the file gets exactly it.
        os.fchmod(descriptor, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        if durable:
            os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    os.close(descriptor)
    return temporary


def write_private(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` as an owner-only file, atomically and durably.

    Readers see the old content or the new one, never a mix; after a crash the file
    holds one of them. The folder must exist. Returns ``path``.
    """
    temporary = write_temp(path, data)
    with file_faults(path):
        try:
            temporary.replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        # The rename itself must reach the disk too: the payment ledger is a record of money.
        fsync_dir(path.parent)
    return path


def write_output(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` as an owner-only file, atomically but not durably.

    For files made from stored data that can be made again (e-tickets, the confirmation
    e-mail; ``cinema tickets BOOKING_ID`` re-creates them): readers see the old content or
    the new one, never a mix, but nothing is flushed to disk. A flush costs a few
    milliseconds each on a busy disk, and ``cinema buy`` writes about six such files; the
    booking itself is durable through the data store's own commit. After a power loss
    such a file may be missing or empty, which its reader treats as missing. The folder
    must exist. Returns ``path``.
    """
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    with file_faults(path):
        _write_temp(temporary, data, durable=False)
        try:
            temporary.replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
    return path
