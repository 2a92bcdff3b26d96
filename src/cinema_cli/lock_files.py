"""Cross-process lock files (``filelock``), owner-only, with every failure a domain error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cinema_cli.domain.errors import LockTimeout
from cinema_cli.durable_files import FILE_MODE, make_private_dirs
from cinema_cli.file_faults import file_fault


@contextmanager
def held_lock(path: Path, *, timeout: float, busy: str) -> Iterator[None]:
    """Hold the lock file ``path`` (its folder created owner-only) for the body.

    Waiting longer than ``timeout`` seconds raises :class:`LockTimeout` with the message
    ``busy``; a lock file that cannot be made (read-only mount, a symbolic link, which
    filelock refuses to follow) is a :class:`~cinema_cli.domain.errors.FileSystemError`.
    """
    from filelock import FileLock, Timeout

    make_private_dirs(path.parent)
    lock = FileLock(path, timeout=timeout, mode=FILE_MODE)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeout(busy, path=str(path)) from None
    except OSError as error:
        raise file_fault(error, path, action="lock") from None
    try:
        yield
    finally:
        lock.release()
