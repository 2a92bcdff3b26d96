"""File-system faults as domain errors: the one translation of ``OSError`` into exit 7.

Every file cinema-cli reads or writes for itself (data files, the payment ledger, signing
keys, tickets, e-mails, lock files, exports) goes through :func:`file_fault` when the
operating system refuses, so a full disk, a read-only mount, a missing folder, a permission
or a refused symbolic link is a :class:`~cinema_cli.domain.errors.FileSystemError` naming the
path, never an unexpected error. Standard library only.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cinema_cli.domain.errors import CinemaError, FileSystemError

_KINDS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("disk_full", "no space left on the device"),
    errno.EDQUOT: ("disk_full", "the disk quota is used up"),
    errno.EROFS: ("read_only", "the file system is read-only"),
    errno.EACCES: ("permission_denied", "permission denied"),
    errno.EPERM: ("permission_denied", "operation not permitted"),
    errno.ENOENT: ("folder_missing", "the folder does not exist"),
    errno.ENOTDIR: ("folder_missing", "a part of the path is not a folder"),
    errno.ELOOP: ("symlink_refused", "it is a symbolic link, which cinema-cli does not follow"),
}


def file_fault(
    error: OSError, path: Path | str, *, action: str = "write", outcome: str = ""
) -> FileSystemError:
    """The domain error for ``error`` met while trying to ``action`` ``path``.

    A missing folder names the folder (the file's parent), since that is what to create.
    ``outcome`` ends the message (like ``"; nothing was changed"``).
    """
    code, why = _KINDS.get(error.errno or 0, ("file_system_error", ""))
    # The path the caller names, not error.filename: that may be a temporary file beside it.
    named = Path(path)
    if code == "folder_missing":
        folder = named.parent
        if folder.is_dir():  # the folder is there: the file itself is missing
            code, why = "file_system_error", "it does not exist"
        else:
            named = folder
            state = (
                f"{folder} is not a folder"
                if folder.exists()
                else f"the folder {folder} does not exist"
            )
            message = f"cannot {action} {path}: {state}{outcome}"
    why = why or (error.strerror or str(error)).lower()
    if code != "folder_missing":
        message = f"cannot {action} {named}: {why}{outcome}"
    return FileSystemError(
        message, code=code, path=str(named), errno=errno.errorcode.get(error.errno or 0, "")
    )


@contextmanager
def file_faults(path: Path | str, *, action: str = "write", outcome: str = "") -> Iterator[None]:
    """Run the body; an ``OSError`` in it becomes :func:`file_fault`'s domain error."""
    try:
        yield
    except CinemaError:
        raise
    except OSError as error:
        raise file_fault(error, path, action=action, outcome=outcome) from None
