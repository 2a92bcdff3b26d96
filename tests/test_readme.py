"""The README, run as a new user runs it: its set-up command in a clean copy of the project,
then every command of its walkthrough in a shell where that set-up left ``cinema`` on PATH.

The walkthrough's ids, ticket codes and check-in instants come from the day it was written;
each is replaced by the one the previous commands printed (the same thing a person does when
they copy an id from the output), and nothing else is changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

pytestmark = pytest.mark.slow


def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


@dataclass(frozen=True)
class Step:
    command: str
    expected_exit: int


def walkthrough_steps(text: str) -> Iterator[Step]:
    """The ``$ `` lines of the walkthrough (continuations joined), with the exit code that a
    ``# exit N`` comment announces (0 otherwise)."""
    section = text.split("## Walkthrough", 1)[1]
    lines: list[str] = []
    for block in fenced_blocks(section.split("\n## ", 1)[0], "console"):
        pending = ""
        for line in block.splitlines():
            if pending:
                pending += " " + line.strip()
            elif line.startswith("$ "):
                pending = line[2:]
            else:
                continue
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                continue
            lines.append(pending)
            pending = ""
    for line in lines:
        command, _, comment = line.partition("   #")
        announced = re.search(r"exit (\d)", comment)
        yield Step(command.strip(), int(announced.group(1)) if announced else 0)


def test_the_walkthrough_is_found() -> None:
    steps = list(walkthrough_steps(README.read_text()))
    assert len(steps) >= 10
    assert steps[0].command == "cinema demo"
    assert any(step.expected_exit == 4 for step in steps)


def _copy_project(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            destination = target / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


class Learned:
    """What the walkthrough's sample values stand for in this run."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.start: datetime | None = None

    def learn(self, output: str) -> None:
        if (showing := re.search(r"\bnyc-bleecker-t1-\d{8}-\d{4}\b", output)) and (
            "showing" not in self.values
        ):
            self.values["showing"] = showing.group(0)
        for prefix, name in (("r", "reservation"), ("s", "session"), ("b", "booking")):
            found = re.search(rf"\b{prefix}-[0-9a-f]{{12}}\b", output)
            if found and name not in self.values and f"{name.title()}" in output:
                self.values[name] = found.group(0)
        if (held := re.search(r"^Held ((?:[A-Z]+\d+ ?)+) for", output, flags=re.M)) is not None:
            self.values["seats"] = held.group(1).strip()
        if (codes := re.findall(r"^  ([A-Z]+\d+): (\S.*)$", output, flags=re.M)) and (
            "code" not in self.values
        ):
            self.values["code"] = codes[0][1].strip()

    def substitute(self, command: str) -> str:
        values = self.values
        if "showing" in values:
            command = re.sub(r"\bnyc-bleecker-t1-\d{8}-\d{4}\b", values["showing"], command)
        for prefix, name in (("r", "reservation"), ("s", "session"), ("b", "booking")):
            if name in values:
                command = re.sub(rf"\b{prefix}-[0-9a-f]{{12}}\b", values[name], command)
        if "seats" in values:
            command = command.replace("--tickets K12", f"--tickets {values['seats'].split()[-1]}")
        if "code" in values:
            command = re.sub(r"'[^']*\.\.\.'", "'" + values["code"].replace("'", "") + "'", command)
        if self.start is not None:
            start = self.start

            def instant(match: re.Match[str]) -> str:
                later = start + timedelta(minutes=int(match.group(1)))
                return later.strftime("CINEMA_NOW=%Y-%m-%dT%H:%M:%SZ")

            command = re.sub(r"CINEMA_NOW=\d{4}-\d\d-\d\dT\d\d:(\d\d):00Z", instant, command)
        return command


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the project")
def test_a_new_user_runs_the_readme_as_printed(tmp_path: Path) -> None:
    text = README.read_text()
    setup = fenced_blocks(text, "sh")[0].strip()
    project = tmp_path / "cinema-cli"
    _copy_project(project)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CINEMA_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), NO_COLOR="1")
    env["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), *env.get("PATH", "").split(os.pathsep)]
    )
    # The set-up leaves `cinema` runnable in the shell that ran it.
    installed = subprocess.run(
        ["bash", "-c", f"{setup} && command -v cinema"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert installed.stdout.strip().endswith(str(project / ".venv/bin/cinema"))

    env["PATH"] = os.pathsep.join([str(project / ".venv/bin"), env["PATH"]])
    env["VIRTUAL_ENV"] = str(project / ".venv")
    learned = Learned()
    for step in walkthrough_steps(text):
        command = learned.substitute(step.command)
        ran = subprocess.run(
            ["bash", "-c", command],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ran.returncode == step.expected_exit, (
            f"$ {command}\nexit {ran.returncode}\n{ran.stdout[-2000:]}\n{ran.stderr[-2000:]}"
        )
        assert "Traceback" not in ran.stderr
        learned.learn(ran.stdout)
        if command.startswith("cinema search") and "showing" in learned.values:
            shown = subprocess.run(
                ["bash", "-c", f"cinema seats {learned.values['showing']} --json"],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            starts = re.search(r'"starts_at": "([^"]+)"', shown.stdout)
            assert starts is not None
            learned.start = datetime.fromisoformat(starts.group(1)).astimezone(UTC)
    assert {"showing", "reservation", "session", "booking", "code"} <= set(learned.values)
