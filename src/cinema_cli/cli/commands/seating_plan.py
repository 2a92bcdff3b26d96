"""``cinema import seating-plan`` and ``cinema export seating-plan``: pretix seating plans."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag

TheaterArgument = Annotated[str, typer.Argument(metavar="THEATER", help="The theater's id.")]
RoomArgument = Annotated[
    str, typer.Argument(metavar="ROOM", help="The room's id (a new id adds a room on import).")
]


def _categories(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, sep, ours = pair.rpartition("=")
        if not sep or not name.strip() or not ours.strip():
            raise typer.BadParameter(
                f"{pair!r} is not NAME=CATEGORY (like 'Rollstuhl=wheelchair')",
                param_hint="--category",
            )
        mapping[name.strip()] = ours.strip().lower()
    return mapping


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise typer.BadParameter(f"{name} does not exist", param_hint="FILE") from None
    except IsADirectoryError:
        raise typer.BadParameter(f"{name} is a folder, not a plan", param_hint="FILE") from None
    except PermissionError:
        raise typer.BadParameter(
            f"{name} cannot be read (permission denied)", param_hint="FILE"
        ) from None


def import_seating_plan(
    theater: TheaterArgument,
    room: RoomArgument,
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help="The pretix plan (JSON), or - for stdin.")
    ],
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            metavar="NAME=CATEGORY",
            help="Map a plan category to ours: standard, premium, wheelchair, companion or "
            "blocked (pretix has no wheelchair or companion category). Repeatable.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the plan and report; write nothing.")
    ] = False,
    as_json: JsonFlag = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Replace a room's seat layout with a pretix seating plan (or add the room).

    Example: cinema import seating-plan berlin-mitte saal1 plan.json --category Rollstuhl=wheelchair

    The plan must be valid against pretix's schema (exit 6). A plan that drops seats sold or
    held for showings to come is refused and nothing is written (exit 4).
    """
    import io

    from cinema_cli.cli.context import runtime
    from cinema_cli.services.imports.seating_plan import import_seating_plan as run_import

    mapping = _categories(category or [])
    data = _read(file)
    rt = runtime()
    result = run_import(
        rt.storage,
        rt.clock,
        theater,
        room,
        io.BytesIO(data),
        categories=mapping,
        dry_run=dry_run,
        plan_name=file,
    )
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.seating_plan import seating_plan_import

        emit_json(seating_plan_import(result))
        return
    if quiet:
        return
    from cinema_cli.cli.output import console

    out = console()
    verb = "Would import" if result.dry_run else "Imported"
    done = {"created": "a new room", "updated": "its new layout", "unchanged": "no change"}
    out.print(
        f"{verb} {file} into {result.theater_id}/{result.room_id}: {done[result.outcome]}, "
        f"{result.seats} seats in {len(result.layout)} rows.",
        markup=False,
    )
    for warning in result.warnings[:20]:
        out.print(f"Warning: {warning}", markup=False)
    if result.dry_run:
        out.print("Dry run: nothing was written.")


def export_seating_plan(
    theater: TheaterArgument,
    room: RoomArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here (atomically, owner-only; a regular file only), not stdout.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Write a room's seat layout as a pretix seating plan (valid against pretix's schema).

    Example: cinema export seating-plan berlin-mitte saal1 --output saal1-plan.json
    """
    if as_json and output is None:
        raise typer.BadParameter("needs --output (stdout carries the plan)", param_hint="--json")
    if output is not None and (not output.name or output.is_dir()):
        raise typer.BadParameter(f"{str(output)!r} is not a file name", param_hint="--output")
    import orjson

    from cinema_cli.cli.context import runtime
    from cinema_cli.services.imports.seating_plan import export_seating_plan as run_export

    rt = runtime()
    plan = run_export(rt.storage, theater, room)
    data = orjson.dumps(plan, option=orjson.OPT_INDENT_2) + b"\n"
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with rt.output_file(output, mode=0o600, option="--output") as out:
        out.write(data)
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.seating_plan import seating_plan_export

        emit_json(seating_plan_export(theater, room, str(output)))
    else:
        sys.stderr.write(f"Exported {theater}/{room} to {output}.\n")


def add_seating_plan_commands(import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Attach ``seating-plan`` to the ``import`` and ``export`` groups (once per process)."""
    for group, command in ((import_app, import_seating_plan), (export_app, export_seating_plan)):
        if all(info.name != "seating-plan" for info in group.registered_commands):
            group.command("seating-plan")(command)
