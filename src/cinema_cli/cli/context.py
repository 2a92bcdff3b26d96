"""The runtime of the current invocation, set by the root callback."""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cinema_cli.bootstrap import Runtime

_current: Runtime | None = None
_prefix = "cinema"
"""How this invocation was started: ``cinema`` plus the global options that chose the store."""

_QUOTED = re.compile(r"(`|\bNext: )cinema (?!--)")


def set_command_prefix(options: list[str]) -> None:
    """Remember the global options given as flags (``--data-dir``, ``--storage``), so that
    every command this invocation suggests runs against the same store."""
    global _prefix
    _prefix = " ".join(["cinema", *(shlex.quote(option) for option in options)])


def runnable(text: str) -> str:
    """``text`` with each command it suggests (```cinema ...``` or ``Next: cinema ...``) given
    this invocation's global options: a hint printed after ``cinema --storage X demo`` must
    name that store too."""
    if _prefix == "cinema":
        return text
    return _QUOTED.sub(lambda found: f"{found.group(1)}{_prefix} ", text)


def runnable_command(line: str) -> str:
    """A whole suggested command line (``cinema theaters``) with the global options."""
    if _prefix == "cinema" or not line.startswith("cinema "):
        return line
    return f"{_prefix} {line.removeprefix('cinema ')}"


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
