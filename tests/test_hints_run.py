"""Every hint is a command that runs: the commands and options hints name exist.

Hints are read from the source (every ``hint=`` and every ``*_HINT`` constant, f-strings
with their placeholders filled by a word), so that a hint added tomorrow is checked too.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from cinema_cli.cli.app import app

SOURCE = Path(__file__).resolve().parents[1] / "src" / "cinema_cli"
COMMAND = re.compile(r"`(cinema [^`]*)`|run: (cinema .*)$")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _text(node: ast.AST) -> str | None:
    """A string expression's text, placeholders as ``X`` (None when it is not text)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "X"
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.IfExp):
        return " | ".join(t for t in (_text(node.body), _text(node.orelse)) if t)
    if isinstance(node, ast.BoolOp):
        return " | ".join(t for t in map(_text, node.values) if t)
    return None


def hints() -> Iterator[tuple[str, str]]:
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "hint":
                values.append(node.value)
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_HINT") for t in node.targets
            ):
                values.append(node.value)
            for value in values:
                text = _text(value)
                if text:
                    yield f"{path.relative_to(SOURCE)}:{value.lineno}", text


def _tree() -> Any:
    """The root command (Typer ships its own click: commands are duck-typed)."""
    return typer.main.get_command(app)


def _subcommands(command: Any) -> dict[str, Any]:
    return dict(getattr(command, "commands", {}).items())


def _options(command: Any) -> set[str]:
    return {name for param in command.params for name in getattr(param, "opts", [])} | {"--help"}


def _all_options(command: Any) -> set[str]:
    found = _options(command)
    for sub in _subcommands(command).values():
        found |= _all_options(sub)
    return found


def check_command(line: str) -> list[str]:
    """What is wrong with the command line ``line`` (empty: it names real things)."""
    words = shlex.split(line.replace("'X'", "X"))[1:]
    command = _tree()
    root = _options(command)
    problems: list[str] = []
    while words and words[0].startswith("--") and words[0] in root:
        words = words[2:] if words[0] in ("--storage", "--data-dir") else words[1:]
    while words and _subcommands(command) and not words[0].startswith("-"):
        sub = _subcommands(command).get(words[0])
        if sub is None:
            return [f"no command {words[0]!r}"]
        command, words = sub, words[1:]
    known = _options(command) | root
    problems += [f"no option {w}" for w in words if w.startswith("--") and w not in known]
    return problems


ALL_HINTS = list(hints())


def test_hints_are_found() -> None:
    assert len(ALL_HINTS) > 20
    assert any("cinema import showtimes" in text for _, text in ALL_HINTS)


@pytest.mark.parametrize(("where", "text"), ALL_HINTS, ids=[w for w, _ in ALL_HINTS])
def test_every_hint_names_commands_and_options_that_exist(where: str, text: str) -> None:
    every_option = _all_options(_tree())
    for variant in text.split(" | "):
        for match in COMMAND.finditer(variant):
            line = match.group(1) or match.group(2)
            assert check_command(line) == [], (where, line)
        for option in OPTION.findall(re.sub(r"`[^`]*`", "", variant)):
            assert option in every_option, (where, option)


def test_the_checker_sees_a_wrong_option() -> None:
    assert check_command("cinema import theaters feed.json --skip-invalid") == [
        "no option --skip-invalid"
    ]
    assert check_command("cinema import showtimes feed.csv --skip-invalid") == []
    assert check_command("cinema --storage 'sqlite:///x' db upgrade") == []
    assert check_command("cinema nope") == ["no command 'nope'"]
