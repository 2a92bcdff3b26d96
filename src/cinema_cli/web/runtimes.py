"""One :class:`~cinema_cli.bootstrap.Runtime` per worker thread.

Handlers run on a thread pool. Each thread gets its own runtime (its own storage handle),
just as each CLI process has its own; the backends already make concurrent processes safe
(file lock for JSON, transactions for SQL), and so the threads of a server are safe too.
"""

from __future__ import annotations

import threading

from cinema_cli.bootstrap import Runtime
from cinema_cli.config import Settings


class RuntimePool:
    """Hands each thread its runtime, made on first use; closes them all at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._made: list[Runtime] = []
        self._lock = threading.Lock()

    def get(self) -> Runtime:
        runtime: Runtime | None = getattr(self._local, "runtime", None)
        if runtime is None:
            runtime = Runtime(self.settings)
            self._local.runtime = runtime
            with self._lock:
                self._made.append(runtime)
        return runtime

    def close(self) -> None:
        with self._lock:
            made, self._made = self._made, []
        for runtime in made:
            runtime.close()
