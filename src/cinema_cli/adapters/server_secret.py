"""The server's secret for booking access tokens: ``CINEMA_API_SECRET``, or a random one kept
in ``<data dir>/api-secret`` (0600), made on first use so that every worker shares it."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from cinema_cli.adapters.files import private_dir

SECRET_BYTES = 32


def server_secret(data_dir: Path, configured: str | None) -> bytes:
    """The configured secret, else the one in the data folder (created atomically once)."""
    if configured:
        return configured.encode()
    path = data_dir / "api-secret"
    with contextlib.suppress(FileNotFoundError):
        return bytes.fromhex(path.read_text().strip())
    private_dir(data_dir)
    candidate = path.with_name(f".api-secret.{secrets.token_hex(4)}.tmp")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # link() fails when another worker won the race: then its secret is the one.
        os.link(candidate, path)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return bytes.fromhex(path.read_text().strip())
