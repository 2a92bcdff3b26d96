"""The runtime of the current invocation, set by the root callback."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cinema_cli.bootstrap import Runtime

_current: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _current
    if _current is not None and _current is not runtime:
        _current.close()
    _current = runtime


def runtime() -> Runtime:
    """The adapters for this command; built by the root callback from flags and environment."""
    if _current is None:  # pragma: no cover - the root callback always runs first
        raise RuntimeError("no runtime: the root callback did not run")
    return _current
