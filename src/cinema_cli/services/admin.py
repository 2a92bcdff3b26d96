"""Storage administration: what a store holds, its schema version, and copying a store.

These use cases work on any backend through the storage port; the SQL backend's
extras (fast counts, schema upgrades) are used when the backend offers them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from cinema_cli.domain.errors import Conflict, InvalidInput, StorageError
from cinema_cli.domain.models import SCHEMA_VERSION
from cinema_cli.services.ports.storage import (
    RECORD_KINDS,
    CountingStorage,
    Storage,
    VersionedStorage,
)


@dataclass(frozen=True, slots=True)
class StoreRef:
    """A store as shown to people: its backend and URL without the password."""

    backend: str
    url: str


@dataclass(frozen=True, slots=True)
class SchemaState:
    """A store's schema version against the one this cinema-cli writes."""

    version: int | None
    """``None`` for an empty database."""
    supported: int
    state: str
    """``current``, ``outdated``, ``newer`` or ``empty``."""


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What ``db info`` tells about a store."""

    backend: str
    url: str
    schema: SchemaState
    counts: dict[str, int] | None
    """Records per kind; ``None`` unless the schema is current (or the store is empty)."""


@dataclass(frozen=True, slots=True)
class SchemaUpgrade:
    """What ``db upgrade`` did."""

    backend: str
    url: str
    from_version: int
    """0 when the database had no schema yet."""
    to_version: int
    upgraded: bool


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What ``db copy`` copied: both stores and the records per kind now in the target."""

    source: StoreRef
    target: StoreRef
    counts: dict[str, int]


def _ref(storage: Storage) -> StoreRef:
    return StoreRef(backend=backend_name(storage.url), url=display_url(storage.url))


def display_url(url: str) -> str:
    """The storage URL with any password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def backend_name(url: str) -> str:
    """``json``, ``sqlite``, ``postgresql`` (or the URL's scheme)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    return "json" if scheme in ("", "json") else scheme


def count_records(storage: Storage) -> dict[str, int]:
    """How many records of each kind the store holds (every kind, zeros included)."""
    if isinstance(storage, CountingStorage):
        found = storage.counts()
    else:
        found = Counter(kind for kind, _ in storage.dump())
    return {kind: int(found.get(kind, 0)) for kind in RECORD_KINDS}


def _schema(storage: Storage) -> SchemaState:
    if isinstance(storage, VersionedStorage):
        version = storage.schema_version()
        supported = storage.supported_schema_version
    else:
        version = supported = SCHEMA_VERSION
    if version is None:
        state = "empty"
    elif version > supported:
        state = "newer"
    elif version < supported:
        state = "outdated"
    else:
        state = "current"
    return SchemaState(version=version, supported=supported, state=state)


def describe(storage: Storage) -> StoreInfo:
    """The ``db info`` document: backend, URL (no password), schema version and counts.

    Counts are given only when the schema is current (an empty SQL database is not
    created by merely looking at it).
    """
    schema = _schema(storage)
    counts: dict[str, int] | None
    if schema.state == "current":
        counts = count_records(storage)
    elif schema.state == "empty":
        counts = dict.fromkeys(RECORD_KINDS, 0)
    else:
        counts = None
    return StoreInfo(
        backend=backend_name(storage.url),
        url=display_url(storage.url),
        schema=schema,
        counts=counts,
    )


def upgrade(storage: Storage) -> SchemaUpgrade:
    """Create or upgrade the store's schema (``db upgrade``)."""
    if isinstance(storage, VersionedStorage):
        before, after = storage.upgrade()
    else:
        # The JSON backend keeps the version in every file and refuses unknown ones.
        before = after = SCHEMA_VERSION
    return SchemaUpgrade(
        backend=backend_name(storage.url),
        url=display_url(storage.url),
        from_version=before,
        to_version=after,
        upgraded=before != after,
    )


def copy_data(source_url: str, target_url: str, *, opener: Callable[[str], Storage]) -> CopyReport:
    """Copy every record from one store into an empty one, and check the counts on both sides.

    Refuses a target that holds any record (exit 4). Writers on the source should be
    stopped while copying; a source that changes meanwhile fails the count check.
    """
    if source_url == target_url:
        raise InvalidInput("--from and --to name the same store", field="--to")
    source = opener(source_url)
    try:
        target = opener(target_url)
        try:
            return _copy(source, target)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: Storage, target: Storage) -> CopyReport:
    if display_url(source.url) == display_url(target.url):
        raise InvalidInput("--from and --to name the same store", field="--to")
    already = {kind: n for kind, n in count_records(target).items() if n}
    if already:
        held = ", ".join(f"{n} {kind}" for kind, n in already.items())
        raise Conflict(
            f"the target {display_url(target.url)} is not empty ({held}); copy into an empty store",
            code="target_not_empty",
            counts=already,
        )
    expected = count_records(source)
    loaded = target.load(source.dump())
    written = count_records(target)
    loaded_all = {kind: int(loaded.get(kind, 0)) for kind in RECORD_KINDS}
    if not expected == loaded_all == written:
        raise StorageError(
            "the copy does not match its source (was something writing to the source?)",
            code="copy_mismatch",
            source=expected,
            loaded=loaded_all,
            target=written,
        )
    return CopyReport(source=_ref(source), target=_ref(target), counts=written)
