"""A unit of work that collided with another is run again, a bounded number of times."""

from __future__ import annotations

import pytest

from cinema_cli.domain.errors import ExitCode, StorageBusy
from cinema_cli.services.busy import TRIES, retry_when_busy


def test_a_collision_is_retried_after_a_short_random_pause() -> None:
    calls: list[int] = []
    pauses: list[float] = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise StorageBusy("deadlock detected")
        return "admitted"

    assert retry_when_busy(work, pause=pauses.append) == "admitted"
    assert len(calls) == 3
    assert len(pauses) == 2
    assert all(0 < pause < 1 for pause in pauses)


def test_collisions_that_go_on_are_storage_busy_exit_7_saying_how_often_it_tried() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise StorageBusy("deadlock detected")

    with pytest.raises(StorageBusy, match=f"tried {TRIES} times") as raised:
        retry_when_busy(work, pause=lambda _: None)

    assert len(calls) == TRIES
    assert raised.value.code == "storage_busy"
    assert raised.value.exit_code is ExitCode.STORAGE


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        retry_when_busy(work, pause=lambda _: None)
    assert len(calls) == 1
