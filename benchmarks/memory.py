"""Peak resident memory of a whole ``cinema`` process, read from ``/usr/bin/time -v``.

GNU time is a separate package on Debian (``apt-get install -y time``); without it the
rows say "not available" instead of failing the run.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

GNU_TIME = Path("/usr/bin/time")
LIMIT_MB = 100.0
"""The target: every process of search, seats and reserve stays under it (at L too)."""


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> tuple[float | None, str]:
    """The process's peak RSS in MB (``Maximum resident set size``), or ``None`` and why."""
    if not GNU_TIME.exists():
        return None, "GNU time is not installed (apt-get install -y time)"
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        done = subprocess.run([str(GNU_TIME), "-v", "-o", report.name, *argv], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                              timeout=600)
        if done.returncode != 0:
            return None, f"exit {done.returncode}"
        for line in Path(report.name).read_text().splitlines():
            if "Maximum resident set size" in line:
                return int(line.rsplit(":", 1)[1]) / 1024, ""
    return None, "no RSS in the report of /usr/bin/time -v"
