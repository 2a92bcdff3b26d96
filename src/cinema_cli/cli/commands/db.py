"""``cinema db``: look at the store, create or upgrade its schema, copy it to another backend."""

from __future__ import annotations

from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag

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

    Example: `cinema --storage sqlite:///cinema.db db info`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import admin

    store = admin.describe(runtime().storage)
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.admin import db_info_view

        emit_json(db_info_view(store))
        return
    from cinema_cli.cli.output import console

    out = console()
    schema = store.schema
    out.print(f"Backend: {store.backend}  ({store.url})")
    out.print(
        f"Schema:  version {schema.version if schema.version is not None else '-'} "
        f"(this cinema-cli: {schema.supported}, {schema.state})"
    )
    if store.counts is not None:
        out.print(f"Records: {_counts_lines(store.counts)}")


@db_app.command("upgrade")
def upgrade(json: JsonFlag = False) -> None:
    """Create the schema in an empty database, or bring an older one up to date.

    Example: `cinema --storage sqlite:///cinema.db db upgrade` (or a postgresql:// URL)
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.ledger_import import upgrade_deployment

    rt = runtime()
    done = upgrade_deployment(rt.storage, rt.payments)
    result = done.schema
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.admin import db_upgrade_view

        emit_json(db_upgrade_view(result, done.ledger))
        return
    from cinema_cli.cli.output import console

    if result.upgraded:
        before = result.from_version or "none"
        message = f"Upgraded {result.url}: schema {before} -> {result.to_version}."
    else:
        message = f"{result.url} is up to date (schema {result.to_version})."
    out = console()
    out.print(message)
    moved = done.ledger
    if moved is not None and moved.found:
        out.print(
            f"Payment ledger: {moved.found} charge(s) in the data folder's provider books, "
            f"{moved.adopted} moved into the store ({moved.with_booking} with their booking, "
            f"{moved.refunded} refunded, {moved.without_booking} without a booking: "
            f"`cinema payments reconcile` refunds those), {moved.already} there already."
        )


@db_app.command("copy")
def copy(
    from_url: Annotated[
        str,
        typer.Option(
            "--from",
            help="Source store: json (the data folder), json:///folder, sqlite:///f.db, "
            "postgresql://user@host/db.",
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

    Example: `cinema db copy --from json --to sqlite:///cinema.db`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import admin

    report = admin.copy_data(from_url, to_url, opener=runtime().storage_at)
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.admin import db_copy_view

        emit_json(db_copy_view(report))
        return
    from cinema_cli.cli.output import console

    console().print(
        f"Copied {report.source.url} -> {report.target.url}: {_counts_lines(report.counts)}."
    )


def register(app: typer.Typer) -> None:
    """Attach ``cinema db``."""
    app.add_typer(db_app, name="db")
