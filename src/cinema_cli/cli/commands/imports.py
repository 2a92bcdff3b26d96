"""``cinema import theaters|showtimes`` and ``cinema export showtimes``: batch feeds for cron.

``import|export seating-plan`` live in :mod:`cinema_cli.cli.commands.seating_plan`."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from cinema_cli.cli.options import JsonFlag, parse_date

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from cinema_cli.domain.feeds import Change, Refusal
    from cinema_cli.services.imports import (
        CatalogChange,
        ExportFormat,
        FeedFormat,
        ImportReport,
        LostSeats,
    )

import_app = typer.Typer(
    name="import",
    help="Load feeds: theaters (rooms, seat layouts, movies) and showtimes. Safe to run from cron.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    name="export",
    help="Write feeds that `cinema import` takes back.",
    no_args_is_help=True,
)

FileArgument = Annotated[
    str, typer.Argument(metavar="FILE|-", help="The feed file, or - for standard input.")
]
DryRun = Annotated[
    bool,
    typer.Option("--dry-run", help="Check the feed and report what would change; write nothing."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def _format(name: str, explicit: str | None, allowed: tuple[str, ...]) -> FeedFormat:
    """The feed format, or a usage error (exit 2) naming --format."""
    from cinema_cli.domain.errors import InvalidInput
    from cinema_cli.services.imports import feed_format

    try:
        return feed_format(name, explicit, allowed=allowed)
    except InvalidInput as error:
        raise typer.BadParameter(error.message.split(": ", 1)[-1], param_hint="--format") from None


def _export_format(output: Path | None, explicit: str | None) -> ExportFormat:
    """The export's format, or a usage error (exit 2) naming --format."""
    from cinema_cli.domain.errors import InvalidInput
    from cinema_cli.services.imports import export_format

    try:
        return export_format(str(output) if output else None, explicit)
    except InvalidInput as error:
        raise typer.BadParameter(error.message.split(": ", 1)[-1], param_hint="--format") from None


@contextmanager
def _opened(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = Path(name).open("rb")  # noqa: SIM115 - closed below, after the import
    except FileNotFoundError:
        raise typer.BadParameter(f"{name} does not exist", param_hint="FILE") from None
    except IsADirectoryError:
        raise typer.BadParameter(f"{name} is a folder, not a feed", param_hint="FILE") from None
    except PermissionError:
        raise typer.BadParameter(
            f"{name} cannot be read (permission denied)", param_hint="FILE"
        ) from None
    with stream:
        yield stream


@contextmanager
def _progress(name: str, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only for a file on an interactive terminal."""
    if quiet or name == "-" or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from cinema_cli.cli.output import console

    total = Path(name).stat().st_size
    with Progress(
        TextColumn("Reading {task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(Path(name).name, total=total)
        yield lambda done: bar.update(task, completed=done)


def _invalid_count(report: ImportReport) -> str:
    """``3 invalid`` or, when a row has several problems, ``2 invalid rows (3 problems)``."""
    rows, problems = report.invalid_rows, len(report.invalid)
    if rows == problems:
        return f"{rows} invalid"
    return f"{rows} invalid {'row' if rows == 1 else 'rows'} ({problems} problems)"


def _render(report: ImportReport, *, name: str, what: str, refused_whole: bool = False) -> None:
    """The report for people; ``refused_whole``: the import was refused, and the error that
    follows lists the invalid and refused rows."""
    from cinema_cli.cli.output import console

    out = console()
    verb = "Would import" if report.dry_run else "Imported"
    out.print(
        f"{verb} {what} from {name}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.cancelled} cancelled, "
        f"{_invalid_count(report)}, {len(report.refused)} refused."
    )
    out.print(f"Storage: {report.storage}", markup=False)
    if report.dry_run:
        out.print("Dry run: nothing was written.")
    elif not report.written:
        out.print("Nothing changed: nothing was written.")
    for outcome, total in (
        ("created", report.created),
        ("updated", report.updated),
        ("cancelled", report.cancelled),
    ):
        rows = report.first.get(outcome, ())
        if rows:
            shown = ", ".join(_sample(row) for row in rows)
            more = total - len(rows)
            out.print(f"  {outcome}: {shown}{f' and {more} more' if more > 0 else ''}")
    if refused_whole:
        return
    if report.invalid:
        bad, problems = report.invalid_rows, len(report.invalid)
        counted = (
            f"{bad}"
            if bad == problems
            else f"{bad} {'row' if bad == 1 else 'rows'}, {problems} problems"
        )
        out.print(f"Invalid rows, skipped ({counted}):")
        for problem in report.invalid[:20]:
            out.print(f"  {problem}", markup=False)
        if len(report.invalid) > 20:
            out.print(f"  ... and {len(report.invalid) - 20} more (--json lists them all)")
    if report.refused:
        out.print("Refused, left as they were (tickets sold):")
        for refusal in report.refused[:20]:
            out.print(f"  {_refusal(refusal)}", markup=False)
    if report.kept:
        out.print("Not cancelled by --prune (tickets sold):")
        for refusal in report.kept[:20]:
            out.print(f"  {_refusal(refusal)}", markup=False)
    for warning in report.warnings[:20]:
        out.print(f"Warning: {warning}", markup=False)


def _sample(row: Change | CatalogChange) -> str:
    from cinema_cli.services.imports import CatalogChange

    if isinstance(row, CatalogChange):
        return f"{row.kind} {row.id}"
    changed = f": {', '.join(row.changed)}" if row.changed and row.line else ""
    where = f" (line {row.line}{changed})" if row.line else ""
    return f"{row.showing_id}{where}"


def _refusal(row: Refusal | LostSeats) -> str:
    from cinema_cli.services.imports import LostSeats

    if isinstance(row, LostSeats):
        return f"{row.room_id}: showing {row.showing_id}: seats {', '.join(row.seats)}"
    where = f"line {row.line}: " if row.line else ""
    return f"{where}{row.showing_id}: {row.reason}"


def _finish(report: ImportReport, *, as_json: bool, quiet: bool, name: str, what: str) -> None:
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.imports import import_report

        emit_json(import_report(report))
    elif not quiet:
        _render(report, name=name, what=what)


@contextmanager
def _rejections_with_report(*, name: str, what: str, as_json: bool, quiet: bool) -> Iterator[None]:
    """An import refused as a whole shows its report in the error's details (``--json``);
    a refused dry run also tells people what the rest of the feed would do."""
    from cinema_cli.services.imports import ImportRejected

    try:
        yield
    except ImportRejected as error:
        from cinema_cli.present.imports import rejection_details

        error.details = rejection_details(error.report, error.details)
        if error.report.dry_run and error.report.rows and not (as_json or quiet):
            _render(error.report, name=name, what=what, refused_whole=True)
        raise


@import_app.command("showtimes")
def import_showtimes(
    file: FileArgument,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", help="csv, json or jsonl. [default: from the extension; - is csv]"
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Unknown columns are errors, not warnings.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Write the valid rows; report invalid and refused ones and exit 0.",
        ),
    ] = False,
    dry_run: DryRun = False,
    prune: Annotated[
        str | None,
        typer.Option(
            "--prune",
            metavar="THEATER_ID",
            help="Cancel this theater's showings on the feed's days that the feed leaves out "
            "(never ones with tickets sold).",
        ),
    ] = None,
    as_json: JsonFlag = False,
    quiet: Quiet = False,
) -> None:
    """Import showtimes from CSV, JSON or JSON Lines; re-running a feed changes nothing.

    Example: `cinema import showtimes fixtures/showtimes-example.csv --prune berlin-mitte`

    Nothing is written when any row is invalid (exit 6) or would move a showing
    with tickets sold (exit 4), unless --skip-invalid.
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import imports

    fmt = _format(file, format, ("csv", "json", "jsonl"))
    rt = runtime()
    rejections = _rejections_with_report(name=file, what="showtimes", as_json=as_json, quiet=quiet)
    with _opened(file) as source, _progress(file, quiet) as progress, rejections:
        report = imports.import_showtimes(
            rt.storage,
            rt.clock,
            source,
            fmt,
            strict=strict,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            prune_theater=prune,
            feed_name=file,
            progress=progress,
        )
    _finish(report, as_json=as_json, quiet=quiet, name=file, what="showtimes")


@import_app.command("theaters")
def import_theaters(
    file: FileArgument,
    format: Annotated[
        str | None,
        typer.Option("--format", help="json or jsonl. [default: from the extension; - is json]"),
    ] = None,
    dry_run: DryRun = False,
    as_json: JsonFlag = False,
    quiet: Quiet = False,
) -> None:
    """Import cities, theaters (rooms and seat layouts) and movies from JSON or JSON Lines.

    Example: `cinema import theaters fixtures/demo-theaters.json`

    A room's new layout may not drop seats sold for showings still to come (exit 4).
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import imports

    fmt = _format(file, format, ("json", "jsonl"))
    rt = runtime()
    rejections = _rejections_with_report(name=file, what="theaters", as_json=as_json, quiet=quiet)
    with _opened(file) as source, rejections:
        report = imports.import_theaters(
            rt.storage, rt.clock, source, fmt, dry_run=dry_run, feed_name=file
        )
    _finish(report, as_json=as_json, quiet=quiet, name=file, what="theaters")


@export_app.command("showtimes")
def export_showtimes(
    theater: Annotated[
        str | None, typer.Option("--theater", metavar="THEATER_ID", help="Only this theater.")
    ] = None,
    from_day: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="First day (theater's local date)."),
    ] = None,
    to_day: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM-DD", help="Last day, included (local date)."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv, json, jsonl, jsonld (schema.org) or ics (iCalendar). "
            "[default: from --output, else csv]",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here (atomically; a regular file only) instead of stdout; - is stdout.",
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode", metavar="OCTAL", help="Permissions of the file written. [default: 600]"
        ),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="CSV: write cells as they are; by default a cell starting with = + - @ "
            "(a spreadsheet formula) gets a leading '.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Write scheduled showtimes as a feed that `cinema import showtimes` takes back unchanged.

    Example: `cinema export showtimes --theater berlin-mitte --from 2026-11-01 -o programme.csv`
    """
    first, last = parse_date(from_day, "--from"), parse_date(to_day, "--to")
    if first and last and last < first:
        raise typer.BadParameter(f"{to_day} is before --from {from_day}", param_hint="--to")
    if output is not None and str(output) == "-":
        output = None
    if as_json and output is None:
        raise typer.BadParameter("needs --output (stdout carries the feed)", param_hint="--json")
    if output is not None and not output.name:
        raise typer.BadParameter(f"{str(output)!r} is not a file name", param_hint="--output")
    file_mode = _file_mode(mode)
    from cinema_cli.cli.context import runtime
    from cinema_cli.services import imports

    fmt = _export_format(output, format)
    rt = runtime()
    if output is None:
        count = imports.export_showtimes(
            rt.storage,
            sys.stdout.buffer,
            fmt,
            theater_id=theater,
            from_day=first,
            to_day=last,
            now=rt.clock(),
            raw=raw,
        )
        return
    with rt.output_file(output, mode=file_mode, option="--output") as out:
        count = imports.export_showtimes(
            rt.storage,
            out,
            fmt,
            theater_id=theater,
            from_day=first,
            to_day=last,
            now=rt.clock(),
            raw=raw,
        )
    if as_json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.imports import export_result

        emit_json(export_result(count, fmt, str(output)))
    else:
        sys.stderr.write(f"Exported {count} showings to {output}.\n")


def _file_mode(text: str | None) -> int:
    """``--mode 640`` (octal, like chmod) as a number; owner-only (0600) by default."""
    if text is None:
        return 0o600
    try:
        value = int(text.strip().removeprefix("0o"), 8)
    except ValueError:
        value = -1
    if not 0 <= value <= 0o777:
        raise typer.BadParameter(
            f"{text!r} is not a file mode (octal, like 600 or 644)", param_hint="--mode"
        )
    return value


def register(app: typer.Typer) -> None:
    """Attach ``import`` and ``export`` (with ``seating-plan`` from its own module)."""
    from cinema_cli.cli.commands.seating_plan import add_seating_plan_commands

    add_seating_plan_commands(import_app, export_app)
    app.add_typer(import_app)
    app.add_typer(export_app)
