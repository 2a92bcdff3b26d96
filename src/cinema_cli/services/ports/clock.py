"""The clock port: the one source of "now"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
"""Returns "now" as an aware UTC datetime; services take it as a port."""
