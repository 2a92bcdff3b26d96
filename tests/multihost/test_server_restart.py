"""The PostgreSQL server goes away mid-run: clear exit 7 while down, nothing lost after.

This test stops and restarts the machine's one PostgreSQL server (``pg_ctlcluster``);
whatever happens, the fixture starts it again and waits until it answers.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chain_kit import HALL, Chain, Figures
from chain_steps import claims_match_tickets, double_sales, reserve, sell
from fabric import Done, run_all

pytestmark = [pytest.mark.multihost, pytest.mark.postgres]

CLUSTERS = Path("/etc/postgresql")
"""Debian's clusters: one folder per PostgreSQL version."""
ROUNDS_PER_HOST = 4
"""Reservations each host tries, one after the other, while the server restarts."""


def pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    version = sorted(path.name for path in CLUSTERS.iterdir())[0]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action in ("stop", "restart"):
        command += ["-m", "fast"]
    return subprocess.run(command, capture_output=True, text=True)


def server_answers() -> bool:
    probe = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]
    return subprocess.run(probe).returncode == 0


def wait_for_server() -> None:
    for _ in range(60):
        if server_answers():
            return
        time.sleep(0.5)
    raise AssertionError("PostgreSQL did not come back")


@pytest.fixture
def server() -> Iterator[None]:
    """Whatever the test does to the server, it is up again when the test ends."""
    if not CLUSTERS.is_dir() or not server_answers():
        reason = "needs the machine's own PostgreSQL cluster (pg_ctlcluster)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the multi-host suite: {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield
    finally:
        if not server_answers():
            pg_ctl("start")
        wait_for_server()


def assert_storage_error(done: Done) -> None:
    assert done.returncode == 7, f"host {done.host}: exit {done.returncode}: {done.stderr}"
    assert "Traceback" not in done.stderr
    error = done.error()
    assert error["message"], done.stderr


def test_commands_fail_with_exit_7_while_the_server_is_down_and_work_after(
    chain: Chain, server: None, figures: Figures
) -> None:
    before = sell(chain.a, HALL)

    stopped = pg_ctl("stop")
    assert stopped.returncode == 0, stopped.stderr
    try:
        down = run_all(
            [host.start("reserve", HALL, "--count", "1", "--json") for host in chain.hosts]
            + [chain.b.start("booking", before["booking_id"], "--json")]
        )
    finally:
        started = pg_ctl("start")
        wait_for_server()
    assert started.returncode == 0, started.stderr
    for done in down:
        assert_storage_error(done)

    after = [sell(host, HALL) for host in chain.hosts]
    again = chain.c.run("booking", before["booking_id"], "--json").ok().json()

    assert again["seats"] == before["seats"]
    assert chain.db.value("SELECT count(*) FROM bookings") == 1 + len(after)
    figures.add(commands_while_server_down=len(down))


def test_reservations_during_a_server_restart_either_fail_with_exit_7_or_are_kept(
    chain: Chain, server: None, figures: Figures
) -> None:
    results: list[Done] = []

    def box_office(host_index: int) -> None:
        host = chain.hosts[host_index]
        for _ in range(ROUNDS_PER_HOST):
            results.append(reserve(host, HALL, count=1))

    offices = [threading.Thread(target=box_office, args=(i,)) for i in range(len(chain.hosts))]
    for office in offices:
        office.start()
    restarted = pg_ctl("restart")
    for office in offices:
        office.join()
    wait_for_server()
    assert restarted.returncode == 0, restarted.stderr

    kept = [done.json() for done in results if done.returncode == 0]
    for done in results:
        if done.returncode != 0:
            assert_storage_error(done)
    for held in kept:
        stored = chain.db.rows(
            "SELECT seat_id FROM seat_claims WHERE reservation_id = %s AND kind = 'hold'",
            held["reservation_id"],
        )
        assert [seat for (seat,) in stored] == held["seats"], f"lost {held}"
    assert double_sales(chain.db) == []
    claims_match_tickets(chain.db)
    after = sell(chain.b, HALL)
    assert after["status"] == "confirmed"
    figures.add(
        server_restarts=1,
        commands_during_restart=len(results),
        failed_with_exit_7=len(results) - len(kept),
    )
