"""Importing a library without one of the modules it only tries to import.

Some libraries import an optional module inside ``try/except ImportError`` and work without
it (qrcode's Pillow drawers, psycopg2's use of ``ssl``). Where that module costs a command's
start-up and is never used, it is made unimportable for the moment of the import.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def unimportable(name: str) -> Iterator[None]:
    """While open, ``import name`` raises ``ImportError``, as if it were not installed.

    Does nothing when the module is already loaded: whoever loaded it uses it.
    """
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]  # None: "import name" fails
    try:
        yield
    finally:
        del sys.modules[name]
