"""``db upgrade`` moves the ticket signing keys an older release kept in the data folder into
the store, once, losing none.

Every key found becomes a store record unless the store holds its id already (running the
upgrade again changes nothing). The folder's active key stays active when the store has no
active key; when it has one (another host moved its keys first, or signed already), the
folder's key is retired now and keeps verifying the tickets it signed, so tickets sold on
every host before the upgrade still check in everywhere. The folder is then set aside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cinema_cli.services.ports.storage import Storage
from cinema_cli.services.ports.tickets import OldSigningKeys


@dataclass(frozen=True, slots=True)
class KeyMove:
    """What ``db upgrade`` moved from the data folder into the store's key ring."""

    found: int
    moved: int
    already: int
    """Keys whose id the store held already."""
    active: str | None
    """The key that signs new tickets after the move."""
    source: str
    kept_at: str | None
    """Where the old folder was set aside (it holds the private keys unencrypted)."""


def move_signing_keys(
    storage: Storage, old: OldSigningKeys, clock: Callable[[], datetime]
) -> KeyMove | None:
    """Move the keys of ``old`` into the store in one unit of work; ``None`` when none."""
    found = old.signing_keys()
    if not found:
        return None
    moved = already = 0
    now = clock()
    with storage.transaction() as tx:
        stored = {key.key_id for key in tx.signing_keys()}
        has_active = any(key.active for key in tx.signing_keys())
        for record in found:
            if record.key_id in stored:
                already += 1
                continue
            if record.active and has_active:
                record = record.retired(now)
            tx.add_signing_key(record)
            moved += 1
        active = next((key.key_id for key in tx.signing_keys() if key.active), None)
    kept_at = old.set_aside()
    return KeyMove(len(found), moved, already, active, old.location, kept_at)
