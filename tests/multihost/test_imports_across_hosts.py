"""A nightly import killed with its host is all or nothing; another host finishes it."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from chain_kit import Chain, Figures

pytestmark = [pytest.mark.multihost, pytest.mark.postgres]

ROWS = 1500
"""Showings in the killed feed: enough that the import is still running when killed."""
KILL_AFTER = (0.4, 0.7, 1.0, 1.3, 1.6, 2.0, 2.5)
"""Seconds after which host A dies, one try each, until an import has committed."""


def big_feed(path: Path, chain: Chain) -> Path:
    lines = ["showing_id,theater_id,room_id,movie_id,starts_at,price,currency"]
    for n in range(ROWS):
        at = chain.starts_at + timedelta(days=2, hours=4 * n)  # each room: one every 8 h
        room = "saal1" if n % 2 else "saal2"
        lines.append(f"night-{n:05d},berlin-mitte,{room},metropolis,{at.isoformat()},9.50,EUR")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_import_killed_mid_way_writes_nothing_and_a_retry_on_another_host_writes_all(
    chain: Chain, figures: Figures, tmp_path: Path
) -> None:
    feed = big_feed(tmp_path / "nightly.csv", chain)
    kills = 0
    for delay in KILL_AFTER:
        dying = chain.a.start("import", "showtimes", str(feed), "--json")
        time.sleep(delay)
        dying.kill()
        kills += 1
        stored = chain.db.value("SELECT count(*) FROM showings WHERE id LIKE 'night-%%'")
        assert stored in (0, ROWS), f"half an import: {stored} of {ROWS} showings"
        if stored == ROWS:
            break

    chain.b.run("import", "showtimes", str(feed), "--json").ok()

    assert chain.db.value("SELECT count(*) FROM showings WHERE id LIKE 'night-%%'") == ROWS
    assert chain.db.value("SELECT count(*) FROM audit_log WHERE action = 'import'") >= 2
    figures.add(kills_mid_import=kills, half_imports=0)
