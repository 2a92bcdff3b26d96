"""Composition root: the one place that builds real adapters from settings.

Commands ask it for what they need; tests build fakes instead. Everything is
created on first use so that a command pays only for what it touches.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from cinema_cli.config import Clock, Settings

if TYPE_CHECKING:
    from cinema_cli.storage.base import Storage


class Runtime:
    """Lazily built adapters for one command invocation."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def clock(self) -> Clock:
        return self.settings.clock()

    @cached_property
    def storage(self) -> Storage:
        from cinema_cli.storage import open_storage

        return open_storage(
            self.settings.storage_url,
            self.settings.data_dir,
            lock_timeout=self.settings.lock_timeout,
        )

    def close(self) -> None:
        if "storage" in self.__dict__:
            self.storage.close()
