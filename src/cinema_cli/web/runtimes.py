"""Runtimes for requests: a fresh :class:`~cinema_cli.bootstrap.Runtime` per call, with the
storage handle shared per worker thread where that is safe.

A CLI command is one short process, and the JSON backend keeps what it read for the whole
command (its lock-free read view). A server lives long, so each request gets a fresh runtime
and with it a fresh JSON read view: it sees every commit made before it started, as a new
command would. SQL backends keep nothing between calls, so each worker thread keeps one
handle (and its connection pool) for all its requests. Concurrent requests are then exactly
as safe as concurrent CLI processes: file lock for JSON, transactions for SQL.
"""

from __future__ import annotations

import threading

from cinema_cli.bootstrap import Runtime
from cinema_cli.config import Settings

SHARED_STORAGE_SCHEMES = ("sqlite:", "postgresql")


class RuntimePool:
    """Makes request runtimes; closes the per-thread storage handles at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.share_storage = settings.storage_url.startswith(SHARED_STORAGE_SCHEMES)
        self._local = threading.local()
        self._threads: list[Runtime] = []
        self._lock = threading.Lock()

    def _thread_runtime(self) -> Runtime:
        runtime: Runtime | None = getattr(self._local, "runtime", None)
        if runtime is None:
            runtime = Runtime(self.settings)
            self._local.runtime = runtime
            with self._lock:
                self._threads.append(runtime)
        return runtime

    def get(self) -> Runtime:
        """A runtime for the calling thread's current request."""
        runtime = Runtime(self.settings)
        if self.share_storage:
            # cached_property keeps its value in the instance dict: seed it with this
            # thread's long-lived handle instead of opening a new connection pool.
            runtime.__dict__["storage"] = self._thread_runtime().storage
        return runtime

    def close(self) -> None:
        with self._lock:
            made, self._threads = self._threads, []
        for runtime in made:
            runtime.close()
