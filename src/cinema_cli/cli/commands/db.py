"""``cinema db``: look at the store, create or upgrade its schema, copy it to another backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cinema_cli.cli.options import JsonFlag

if TYPE_CHECKING:
    from cinema_cli.services.ports.storage import Storage

db_app = typer.Typer(
    name="db",
    help="Storage administration: info, schema upgrades, copying between backends.",
    no_args_is_help=True,
)


def _counts_lines(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


@db_app.command("info")
def info(json: JsonFlag = False) -> None:
    """Show the backend, its schema version and how many records it holds.

    Example: cinema --storage sqlite:///cinema.db db info
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import admin

    document = admin.describe(runtime().storage)
    if json:
        from cinema_cli.cli.output import emit_json

        emit_json(document)
        return
    from cinema_cli.cli.output import console

    out = console()
    schema = document["schema"]
    out.print(f"Backend: {document['backend']}  ({document['url']})")
    out.print(
        f"Schema:  version {schema['version'] if schema['version'] is not None else '-'} "
        f"(this cinema-cli: {schema['supported']}, {schema['state']})"
    )
    if document["counts"] is not None:
        out.print(f"Records: {_counts_lines(document['counts'])}")


@db_app.command("upgrade")
def upgrade(json: JsonFlag = False) -> None:
    """Create the schema in an empty database, or bring an older one up to date.

    Example: cinema --storage postgresql+psycopg://cinema@db.example/cinema db upgrade
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import admin

    document = admin.upgrade(runtime().storage)
    if json:
        from cinema_cli.cli.output import emit_json

        emit_json(document)
        return
    from cinema_cli.cli.output import console

    if document["upgraded"]:
        before = document["from_version"] or "none"
        message = f"Upgraded {document['url']}: schema {before} -> {document['to_version']}."
    else:
        message = f"{document['url']} is up to date (schema {document['to_version']})."
    console().print(message)


@db_app.command("copy")
def copy(
    from_url: Annotated[
        str,
        typer.Option(
            "--from",
            help="Source store: json (the data folder), json:///folder, sqlite:///f.db, "
            "postgresql+psycopg://user@host/db.",
            show_default=False,
        ),
    ],
    to_url: Annotated[
        str,
        typer.Option(
            "--to", help="Target store (same forms); it must be empty.", show_default=False
        ),
    ],
    json: JsonFlag = False,
) -> None:
    """Copy every record from one store into an empty one, checking the counts on both sides.

    Example: cinema db copy --from json --to sqlite:///cinema.db
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import admin
    from cinema_cli.storage import open_storage

    settings = runtime().settings

    def opener(url: str) -> Storage:
        return open_storage(
            url, settings.data_dir, lock_timeout=settings.lock_timeout, database=settings.database
        )

    document: dict[str, Any] = admin.copy_data(from_url, to_url, opener=opener)
    if json:
        from cinema_cli.cli.output import emit_json

        emit_json(document)
        return
    from cinema_cli.cli.output import console

    console().print(
        f"Copied {document['from']['url']} -> {document['to']['url']}: "
        f"{_counts_lines(document['counts'])}."
    )


def register(app: typer.Typer) -> None:
    """Attach ``cinema db``."""
    app.add_typer(db_app, name="db")
