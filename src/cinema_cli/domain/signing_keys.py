"""The ticket signing key ring as stored: one record per key, shared by every host.

A record holds the key's public half, its private half sealed by the key ring (encrypted
with the deployment's key-encryption secret when one is set), whether it signs new tickets,
and how long the tickets it signed stay valid, so doors know which keys they still need.
At most one key is active at a time; the store itself refuses a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """One ticket signing key of the ring."""

    key_id: str
    """Eight lowercase hex digits, derived from the public key (named in every code it signs)."""
    public_key: str
    """The raw Ed25519 public key, base64."""
    private_key: str
    """The private key as sealed by the key ring (never shown, never logged)."""
    active: bool
    """Whether it signs new tickets; older keys keep verifying theirs."""
    created_at: datetime
    retired_at: datetime | None = None
    signed_until: datetime | None = None
    """The latest end of validity of any code it signed (``None``: none yet)."""
    history_known: bool = True
    """``False`` for keys from before the ring kept count: their last ticket is unknown, so
    doors keep them for ever."""

    def retired(self, at: datetime) -> SigningKeyRecord:
        """This key, no longer signing from ``at`` on."""
        return replace(self, active=False, retired_at=at)

    def needed_at(self, now: datetime) -> bool:
        """Whether a door must still accept it: active, or a code it signed is still valid."""
        if self.active or not self.history_known:
            return True
        return self.signed_until is not None and self.signed_until > now


def key_order(record: SigningKeyRecord) -> tuple[datetime, str]:
    """The ring's order: oldest first."""
    return (record.created_at, record.key_id)
