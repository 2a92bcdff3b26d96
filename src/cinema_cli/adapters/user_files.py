"""Files written where the user points (``export --output``): only ever a regular file.

The file is written to a temporary name beside it, flushed and renamed over the target, so
a reader never sees half a feed. What stands at the path must be a regular file or nothing:
a symbolic link, a FIFO, a device (``/dev/full``) or a folder is refused (exit 6, naming it)
and left untouched. A new file is owner-only (0600) unless a mode is given.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.durable_files import FILE_MODE, fsync_dir
from cinema_cli.file_faults import file_faults

_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def require_replaceable(path: Path, option: str) -> None:
    """Refuse (exit 6) anything at ``path`` but a regular file; a symlink is not followed."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # the write below meets the same fault and reports it (exit 7)
    if not stat.S_ISREG(mode):
        what = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise InvalidInput(
            f"{option}: {path} is {what}; cinema writes only regular files and left it as it "
            "was (give another path, or - for standard output)",
            field=option.lstrip("-"),
            path=str(path),
        )


@contextmanager
def user_output(
    path: Path, *, mode: int = FILE_MODE, option: str = "--output"
) -> Iterator[IO[bytes]]:
    """A binary stream whose content replaces ``path`` when the body ends without error."""
    require_replaceable(path, option)
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.partial")
    with file_faults(path):
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(descriptor, "wb") as stream, file_faults(path):
            os.fchmod(descriptor, mode)  # exactly this mode, whatever the umask
            yield stream
            stream.flush()
            os.fsync(descriptor)
        require_replaceable(path, option)  # nothing slipped in while the feed was written
        with file_faults(path):
            temporary.replace(path)
            fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
