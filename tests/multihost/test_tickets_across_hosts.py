"""Tickets sold on one host are checked in on the others, online and offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from chain_kit import HALL, Chain, Figures
from chain_steps import sell

pytestmark = [pytest.mark.multihost, pytest.mark.postgres]


def test_a_ticket_sold_on_a_is_admitted_on_c_and_refused_again_on_b(
    chain: Chain, figures: Figures
) -> None:
    booking = sell(chain.a, HALL, count=1)
    code = booking["tickets"][0]["code"]

    admitted = chain.c.run("checkin", code, "--gate", "north", "--json").ok().json()
    again = chain.b.run("checkin", code, "--gate", "south", "--json")

    assert admitted["status"] == "admitted"
    assert again.returncode == 4, again.stderr
    assert again.error()["code"] == "already_checked_in"
    stored = chain.db.rows(
        "SELECT status, gate FROM tickets WHERE id = %s", booking["tickets"][0]["ticket_id"]
    )
    assert stored == [("used", "north")]
    figures.add(checkins_across_hosts=2)


def test_offline_doors_with_one_hosts_export_admit_tickets_from_before_and_after_a_rotation(
    chain: Chain, figures: Figures, tmp_path: Path
) -> None:
    before = sell(chain.a, HALL, count=1)["tickets"][0]["code"]
    chain.b.run("keys", "rotate", "--json").ok()
    after = sell(chain.c, HALL, count=1)["tickets"][0]["code"]
    door = tmp_path / "door.pem"
    door.write_text(chain.a.run("keys", "public", "--all").ok().stdout, encoding="utf-8")

    admitted = [
        host.run("checkin", "--offline", "--public-key", str(door), code, "--json").ok().json()
        for host, code in ((chain.b, before), (chain.c, after))
    ]

    assert [doc["status"] for doc in admitted] == ["admitted", "admitted"]
    assert admitted[0]["key_id"] != admitted[1]["key_id"], "the rotation made no new key"
    figures.add(offline_checkins=len(admitted))
