"""``cinema db``: look at the store, create or upgrade its schema, copy it to another backend."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cinema_cli.cli.options import JsonFlag, check_store_url

if TYPE_CHECKING:
    from cinema_cli.bootstrap import Runtime

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
    done = upgrade_deployment(
        rt.storage, rt.earlier_provider_books, rt.mail_outbox, rt.old_signing_keys, rt.clock
    )
    result = done.schema
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.admin import db_upgrade_view

        emit_json(db_upgrade_view(result, done.ledger, done.books, done.messages, done.keys))
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
            f"`cinema payments reconcile` refunds those), {moved.already} there already"
            + (
                f"; {moved.elsewhere} left out: purchases another store sharing this data "
                "folder made (upgrade that store to adopt them)."
                if moved.elsewhere
                else "."
            )
        )
    books = done.books
    if books is not None and books.found:
        out.print(
            f"Test provider's books: {books.found} charge(s) in the data folder's ledger file, "
            f"{books.moved} moved into the store (shared by every host), "
            f"{books.already} there already."
        )
    mail = done.messages
    if mail is not None and mail.found:
        out.print(
            f"Mail queue: {mail.found} e-mail(s) in the data folder's outbox, {mail.moved} "
            f"moved into the store ({mail.sent} sent before, {mail.waiting} waiting: "
            f"`cinema outbox send` sends those), {mail.already} there already."
        )
    keys = done.keys
    if keys is not None:
        out.print(
            f"Signing keys: {keys.found} found in {keys.source}, {keys.moved} moved into the "
            f"store, {keys.already} there already; {keys.active} signs new tickets."
        )
        if keys.kept_at is not None:
            out.print(
                f"The old folder is kept as {keys.kept_at}; it holds the private keys "
                "unencrypted: delete it once the store is backed up."
            )
    _seal_hint(rt)


def _seal_hint(rt: Runtime) -> None:
    """Name ``keys seal`` when a key secret is set and keys are still stored unencrypted."""
    from cinema_cli.cli.context import runnable_command
    from cinema_cli.cli.output import console
    from cinema_cli.domain.errors import InvalidInput
    from cinema_cli.services.key_seal import plain_key_ids

    try:
        plain = plain_key_ids(rt.storage, rt.key_sealer)
    except InvalidInput:
        return  # a broken secret setting is for signing to report, not the upgrade
    if plain:
        console().print(
            f"Signing keys stored unencrypted: {len(plain)} ({', '.join(plain)}); encrypt "
            "them with the key secret:"
        )
        console().print(runnable_command("cinema keys seal"))


@db_app.command("copy")
def copy(
    from_url: Annotated[
        str,
        typer.Option(
            "--from",
            callback=check_store_url,
            help="Source store: json (the data folder), json:///folder, sqlite:///f.db, "
            "postgresql://user@host/db.",
            show_default=False,
        ),
    ],
    to_url: Annotated[
        str,
        typer.Option(
            "--to",
            callback=check_store_url,
            help="Target store (same forms); it must be empty.",
            show_default=False,
        ),
    ],
    json: JsonFlag = False,
) -> None:
    """Copy every record from one store into an empty one, checking the counts on both sides.

    Example: `cinema db copy --from json --to sqlite:///cinema.db`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.domain.errors import InvalidInput
    from cinema_cli.services import admin

    _require_sqlite_file(from_url)
    open_store = runtime().storage_at

    def opener(url: str) -> Any:
        option = "--from" if url == from_url else "--to"
        try:
            return open_store(url)
        except InvalidInput as error:  # it names --storage; here the URL came from an option
            raise InvalidInput(
                f"{option}: {error.message.split(': ', 1)[-1]}", field=option.lstrip("-")
            ) from None

    report = admin.copy_data(from_url, to_url, opener=opener)
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.admin import db_copy_view

        emit_json(db_copy_view(report))
        return
    from cinema_cli.cli.output import console

    console().print(
        f"Copied {report.source.url} -> {report.target.url}: {_counts_lines(report.counts)}."
    )


def _require_sqlite_file(url: str) -> None:
    """A SQLite source that does not exist would be created empty and copied as nothing."""
    if not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    if str(path) not in ("", ":memory:") and not path.exists():
        raise typer.BadParameter(f"{url}: no such database file ({path})", param_hint="--from")


def register(app: typer.Typer) -> None:
    """Attach ``cinema db``."""
    app.add_typer(db_app, name="db")
