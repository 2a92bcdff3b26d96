"""Readiness: can the data store be read right now?"""

from __future__ import annotations

from cinema_cli.domain.errors import StorageError, StorageUnavailable
from cinema_cli.services.ports.storage import Reader


def check_storage(storage: Reader) -> None:
    """Read one small table; ``StorageUnavailable`` (or the store's own error) when it fails."""
    try:
        storage.cities()
    except StorageError:
        raise
    except Exception as error:
        raise StorageUnavailable(
            f"the data store cannot be read ({type(error).__name__})"
        ) from None
