"""Upgrading a data folder of layout 1 (a theater's programme in one file) to layout 2.

The whole upgrade is one commit through the journal (:meth:`.files.DataFiles.commit`): a
process killed before the journal lands leaves the folder of layout 1 as it was (still
readable and upgraded by the next write); killed after it, the next process finishes the
renames and the folder is complete in layout 2. The layout-1 summaries are deleted only
after that commit: layout 2 never reads them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from cinema_cli.storage.json.files import DataFiles
from cinema_cli.storage.json.layout import LAYOUT_VERSION, MARKER, home_of, week_of
from cinema_cli.storage.json.session import Session


def _programmes(root: Path, files: DataFiles) -> dict[str, dict[str, Any]]:
    """Each theater's layout-1 programme (its showings by id)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((root / "showings").glob("*.json")):
        tables = files.read(path) or {}
        if "showings" in tables:
            found[path.stem] = tables["showings"]
    return found


def layout_version(root: Path, files: DataFiles) -> int:
    """The folder's layout: :data:`LAYOUT_VERSION` once upgraded (or when it holds no
    programme of layout 1), else 1."""
    if (root / MARKER).exists() or not _programmes(root, files):
        return LAYOUT_VERSION
    return 1


def _week_tables(rows: dict[str, Any]) -> dict[str, dict[str, Any]]:
    weeks: dict[str, dict[str, Any]] = {}
    for showing_id, row in rows.items():
        weeks.setdefault(week_of(row["starts_at"]), {})[showing_id] = row
    return weeks


def upgrade_layout(root: Path, files: DataFiles) -> bool:
    """Bring the folder to layout 2 (call under the write lock); ``True`` when it changed."""
    if (root / MARKER).exists():
        return False
    session = Session(files, writable=True)
    weeks_of: dict[str, str] = {}
    old_summaries: list[Path] = []
    for theater_id, rows in _programmes(root, files).items():
        contents: dict[str, dict[str, int]] = {}
        for week, week_rows in sorted(_week_tables(rows).items()):
            session.write(root / "showings" / theater_id / f"{week}.json", {"showings": week_rows})
            counts: dict[str, int] = {}
            for showing_id, row in week_rows.items():
                counts[row["movie_id"]] = counts.get(row["movie_id"], 0) + 1
                weeks_of[showing_id] = week
            contents[week] = counts
        session.write(root / "showings" / f"{theater_id}.json", {"periods": contents})
        summary = root / "seats" / theater_id / "summary.json"
        by_week: dict[str, dict[str, Any]] = {}
        for showing_id, entry in session.raw_table(summary, "_default").items():
            if showing_id in weeks_of:
                by_week.setdefault(weeks_of[showing_id], {})[showing_id] = entry
        for week, entries in by_week.items():
            session.write(summary.with_name(f"summary-{week}.json"), {"_default": entries})
        if summary.exists():
            old_summaries.append(summary)
    for shard in sorted((root / "index" / "showings").glob("*.json")):
        entries = dict(session.raw_table(shard, "_default"))
        for showing_id, value in entries.items():
            home = home_of(value)
            if home is not None and home[1] is None and showing_id in weeks_of:
                entries[showing_id] = [home[0], weeks_of[showing_id]]
        session.write(shard, {"_default": entries})
    session.write(root / MARKER, {"layout": {"version": LAYOUT_VERSION}})
    files.commit(session.changes())
    for summary in old_summaries:
        with contextlib.suppress(OSError):
            summary.unlink()
    return True


__all__ = ["layout_version", "upgrade_layout"]
