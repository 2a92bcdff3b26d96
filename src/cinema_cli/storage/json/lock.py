"""The data folder's cross-process write lock, taken with ``fcntl.flock`` where there is one.

``filelock`` does the same on POSIX, but importing it loads logging, secrets (OpenSSL) and
inspect: 15-40 ms at the start of every write command, more than the write itself. The
lock is the same kind (``flock`` on ``.lock``, released when the process dies, even by
kill -9), so a process of an earlier release and one of this one exclude each other. Where
``fcntl`` does not exist (Windows), ``filelock`` is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cinema_cli.durable_files import FILE_MODE

POLL_SECONDS = 0.01


class LockTimeoutError(Exception):
    """The lock stayed held by another process for longer than the timeout."""


@contextmanager
def held(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lock file ``path`` (created owner-only) for the ``with`` block."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        with _filelock(path, timeout):
            yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(str(path)) from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _filelock(path: Path, timeout: float) -> Iterator[None]:  # pragma: no cover - Windows
    from filelock import FileLock, Timeout

    lock = FileLock(path, timeout=timeout, mode=FILE_MODE)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeoutError(str(path)) from None
    try:
        yield
    finally:
        lock.release()
