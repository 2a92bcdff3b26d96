"""Cross-process lock files, owner-only, with every failure a domain error.

On POSIX the lock is ``fcntl.flock`` on the file: the kernel drops it when the process dies,
even by ``kill -9``, and it is the same lock ``filelock`` takes there, so processes of earlier
releases (which used ``filelock``) and of this one exclude each other. ``filelock`` itself is
used only where there is no ``fcntl`` (Windows): importing it loads ``logging``, ``inspect``
and ``secrets``, 15-40 ms at the start of every write command, more than most writes cost.
A lock file that is a symbolic link is refused (``O_NOFOLLOW``), never followed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cinema_cli.domain.errors import LockTimeout
from cinema_cli.durable_files import FILE_MODE, make_private_dirs
from cinema_cli.file_faults import file_fault

POLL_SECONDS = 0.01
"""How often a waiting process tries the lock again."""


@contextmanager
def held_lock(path: Path, *, timeout: float, busy: str) -> Iterator[None]:
    """Hold the lock file ``path`` (its folder created owner-only) for the body.

    Waiting longer than ``timeout`` seconds raises :class:`LockTimeout` with the message
    ``busy``; a lock file that cannot be made (read-only mount, a symbolic link) is a
    :class:`~cinema_cli.domain.errors.FileSystemError` naming it.
    """
    make_private_dirs(path.parent)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        with _filelock(path, timeout=timeout, busy=busy):
            yield
        return
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, FILE_MODE)
    except OSError as error:
        raise file_fault(error, path, action="lock") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(busy, path=str(path)) from None
                time.sleep(POLL_SECONDS)
            except OSError as error:
                raise file_fault(error, path, action="lock") from None
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _filelock(path: Path, *, timeout: float, busy: str) -> Iterator[None]:  # pragma: no cover
    from filelock import FileLock, Timeout

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
