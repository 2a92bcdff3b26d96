"""``cinema schema [NAME]``: the JSON Schemas of the documented ``--json`` shapes."""

from __future__ import annotations

from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag


def _check_name(value: str | None) -> str | None:
    """A known shape name (usage error, exit 2, listing the names otherwise)."""
    if value is None:
        return None
    from cinema_cli.present.schemas import SCHEMAS

    name = value.strip().lower()
    if name not in SCHEMAS:
        raise typer.BadParameter(f"no shape {value!r}; known: {', '.join(SCHEMAS)}")
    return name


def schema(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            callback=_check_name,
            help="A shape (booking, seats, error...). Without it: list the shapes.",
            show_default=False,
        ),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a documented --json shape, or list them.

    Scripts may validate what they read against these; keys are only ever added.

    Example: `cinema schema booking > booking.schema.json`
    """
    from cinema_cli.cli.output import emit_json
    from cinema_cli.present import schemas

    if name is not None:
        emit_json(schemas.json_schema(name))
        return
    listed = schemas.schema_list()
    if json:
        emit_json(listed)
        return
    width = max(len(entry["name"]) for entry in listed["schemas"])
    for entry in listed["schemas"]:
        typer.echo(f"{entry['name'].ljust(width)}  {entry['description']}")
    typer.echo("\nPrint one: cinema schema NAME")


def register(app: typer.Typer) -> None:
    """Attach ``cinema schema``."""
    app.command("schema")(schema)
