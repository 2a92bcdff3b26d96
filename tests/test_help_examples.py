"""Every ``Example:`` of every command's ``--help`` runs against the demo, as printed.

Only ids are replaced, each by one the demo (or an earlier example) printed: showing,
booking, reservation and session ids, ticket codes, a QR image and booked seats.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer

from cinema_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SHOWING_ID = re.compile(r"\b[a-z]+(?:-[a-z0-9]+)+-\d{8}-\d{4}\b|\bSHOWING_ID\b")
BOOKING_ID = re.compile(r"\bb-[0-9a-f]{12}\b")

pytestmark = pytest.mark.slow


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    found = [(" ".join(path), command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _commands(sub, (*path, name))
    return found


def help_examples() -> list[tuple[str, str]]:
    """(command, example) for each backticked example in the Example paragraph of a help."""
    examples: list[tuple[str, str]] = []
    for name, command in _commands(typer.main.get_command(app)):
        text = command.help or ""
        for paragraph in re.findall(r"Examples?: (.*?)(?:\n\s*\n|$)", text, flags=re.S):
            for example in re.findall(r"`([^`]+)`", paragraph):
                if example.startswith(("cinema ", "echo ")):
                    examples.append((name, " ".join(example.split())))
    return examples


def test_every_command_with_a_help_example_is_found() -> None:
    named = {name for name, _ in help_examples()}
    assert {"demo", "seats", "reserve", "buy", "checkin", "cancel", "import showtimes"} <= named


class Demo:
    """A demo data folder and what it printed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "CINEMA_DATA_DIR": str(folder / "data"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "NO_COLOR": "1",
        }
        self.env.pop("CINEMA_NOW", None)
        printed = self.run("cinema demo").stdout
        self.showing_id = re.findall(r"cinema seats (\S+)", printed)[0]
        self.booking_id = BOOKING_ID.findall(printed)[0]
        booked = json.loads(self.run(f"cinema booking {self.booking_id} --json").stdout)
        self.seats = [ticket["seat"] for ticket in booked["tickets"]]
        self.codes = [ticket["code"] for ticket in booked["tickets"]]
        self.qr_png = booked["tickets"][1]["qr_png"]
        starts = datetime.fromisoformat(booked["showing"]["starts_at"])
        self.doors_open = (starts - timedelta(minutes=30)).isoformat()
        self.reservation: dict[str, str] = {}
        self.bought = ""

    def run(self, line: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", line],
            cwd=self.folder,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ids_in(self, example: str) -> str:
        line = SHOWING_ID.sub(self.showing_id, example)
        # The demo's own tickets are used at the door; the examples' purchase is cancelled.
        cancelling = example.startswith("cinema cancel") and self.bought
        line = BOOKING_ID.sub(self.bought if cancelling else self.booking_id, line)
        line = re.sub(r"'CODE'|\bCODE\b", f"'{self.codes[0]}'", line)
        line = line.replace("ticket.png", self.qr_png)
        if self.reservation:
            line = line.replace("RES_ID", self.reservation["id"])
            line = re.sub(r"--session S\b", f"--session {self.reservation['session']}", line)
        return line


def test_every_help_example_runs_against_the_demo(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    demo = Demo(tmp_path)
    examples = help_examples()
    # A hold comes before its purchase; cancelling and rotating change what the others see.
    order = {"reserve": 0, "keys public": 0, "cancel": 2, "keys rotate": 2}
    examples.sort(key=lambda pair: order.get(pair[0], 1))
    ran = []
    for name, example in examples:
        if example == "cinema demo":
            continue
        line = demo.ids_in(example)
        at_the_door = "checkin" in line
        env = {"CINEMA_NOW": demo.doors_open} if at_the_door else {}
        result = demo.run(line, **env)
        assert result.returncode == 0, (name, line, result.stdout, result.stderr)
        if name == "reserve" and not demo.reservation:
            demo.reservation = {
                "id": re.findall(r"Reservation: (\S+)", result.stdout)[0],
                "session": re.findall(r"Session:\s+(\S+)", result.stdout)[0],
            }
        if name == "buy":
            demo.bought = BOOKING_ID.findall(result.stdout)[0]
        ran.append(name)
    assert "buy" in ran
    assert "checkin" in ran
