"""A process of the race tests: runs rounds of ``cinema`` commands, each when told to.

``python race_child.py FOLDER NAME``: reads ``FOLDER/NAME.json`` (a list of rounds, each
a list of steps ``{"argv": [...], "env": {...}}``), and for round ``i`` waits until
``FOLDER/go-i`` exists, runs its steps in this process (Python is already loaded, so the
two processes of a round really meet in the database), then writes
``FOLDER/NAME-i.json``: ``[{"code": exit code, "out": stdout, "err": stderr}, ...]``.
A step's ``argv`` may name ``{key}``s of the JSON printed by an earlier step of the round;
a step ``{"sleep": seconds}`` waits (to land in the middle of the other process's work).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from cinema_cli.cli.app import run


def _step(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    os.environ.update(env)
    # The CLI writes JSON bytes to sys.stdout.buffer: text streams with a buffer behind.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code: int = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode())
    return {"code": code, "out": texts[0], "err": texts[1]}


def main(folder: Path, name: str) -> None:
    rounds: list[list[dict[str, Any]]] = json.loads((folder / f"{name}.json").read_text())
    deadline = time.monotonic() + 600
    for number, steps in enumerate(rounds):
        while not (folder / f"go-{number}").exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"{name}: never told to run round {number}")
            time.sleep(0.002)
        context: dict[str, Any] = {}
        results = []
        for step in steps:
            if "sleep" in step:
                time.sleep(step["sleep"])
                continue
            result = _step([a.format(**context) for a in step["argv"]], step.get("env", {}))
            results.append(result)
            if result["code"] != 0:
                break
            with contextlib.suppress(ValueError):
                document = json.loads(result["out"])
                if isinstance(document, dict):
                    context.update(document)
        done = folder / f"{name}-{number}.json"
        done.with_suffix(".tmp").write_text(json.dumps(results))
        done.with_suffix(".tmp").replace(done)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
