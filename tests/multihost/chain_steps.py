"""Steps a chain's hosts take in the multi-host scenarios (reserve, buy) and audits."""

from __future__ import annotations

from typing import Any

from fabric import CARD, Done, Host


def reserve(host: Host, showing: str, *seats: str, count: int = 2) -> Done:
    args = ["reserve", showing, *seats] if seats else ["reserve", showing, "--count", str(count)]
    return host.run(*args, "--json")


def buy_args(reservation: dict[str, Any], key: str | None = None) -> list[str]:
    args = [
        "buy", reservation["reservation_id"], "--session", reservation["session_id"],
        "--name", "Ada Lovelace", "--email", "ada@example.com", "--card", "-", "--json",
    ]  # fmt: skip
    return [*args, "--idempotency-key", key] if key else args


def buy(host: Host, reservation: dict[str, Any], key: str | None = None) -> Done:
    return host.run(*buy_args(reservation, key), stdin=CARD)


def sell(host: Host, showing: str, count: int = 2) -> dict[str, Any]:
    """Reserve and buy on one host; the booking document."""
    held = reserve(host, showing, count=count).ok().json()
    booking: dict[str, Any] = buy(host, held).ok().json()
    return booking


def double_sales(db: Any) -> list[tuple[Any, ...]]:
    """Seats with more than one live ticket (must be none)."""
    rows: list[tuple[Any, ...]] = db.rows(
        "SELECT showing_id, seat_id, count(*) FROM tickets WHERE status IN ('valid', 'used')"
        " GROUP BY showing_id, seat_id HAVING count(*) > 1"
    )
    return rows


def claims_match_tickets(db: Any) -> None:
    """Sold claims and live tickets agree one to one."""
    sold = set(db.rows("SELECT showing_id, seat_id, ticket_id FROM seat_claims WHERE kind='sold'"))
    live = set(
        db.rows("SELECT showing_id, seat_id, id FROM tickets WHERE status IN ('valid', 'used')")
    )
    assert sold == live, f"sold claims {sorted(sold - live)} vs tickets {sorted(live - sold)}"
