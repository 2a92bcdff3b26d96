"""``cinema checkin``: admit a ticket at the door."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag, check_gate


def _read_code(code: str | None, image: Path | None) -> str:
    """The code from the argument, from stdin (``-``) or from a QR image."""
    from cinema_cli.cli.context import runtime
    from cinema_cli.domain.errors import InvalidInput

    if (code is None) == (image is None):
        raise InvalidInput(
            "give the ticket code as CODE (or - to read it from stdin), or a QR picture as --image",
            field="code",
        )
    if image is not None:
        found = runtime().qr_codes_in(image)
        if len(found) != 1:
            raise InvalidInput(
                f"--image: found {len(found)} QR codes in {image}, expected exactly one",
                field="image",
            )
        return found[0]
    assert code is not None
    if code == "-":
        from cinema_cli.domain.limits import CODE_CHARACTERS

        # Scanners that type into a pipe end the code with a newline; nothing else is trimmed.
        line = sys.stdin.readline(CODE_CHARACTERS + 1)
        if len(line.rstrip("\r\n")) > CODE_CHARACTERS:
            raise InvalidInput(
                f"code -: more than {CODE_CHARACTERS} characters on standard input; "
                "that is not a ticket code",
                field="code",
            )
        return line.rstrip("\r\n")
    return code


def checkin(
    code: Annotated[
        str | None,
        typer.Argument(
            help="The ticket code from the QR (in single quotes if it has spaces or $), "
            "or - to read it from stdin.",
            show_default=False,
        ),
    ] = None,
    image: Annotated[
        Path | None,
        typer.Option(
            "--image",
            help="Read the code from a QR picture (needs cinema-cli[scan]).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    gate: Annotated[
        str | None,
        typer.Option(
            "--gate",
            callback=check_gate,
            help="Which door admits the ticket (shown on reuse).",
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Check signature and validity window only, with --public-key and no data folder. "
            "Cannot see cancellations or earlier check-ins.",
        ),
    ] = False,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="PEM file from `cinema keys public` (with --offline)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a ticket code and mark the ticket used (a second scan is refused with exit 4).

    Examples: `cinema checkin 'CODE' --gate north`, `cinema checkin --image ticket.png`,
    `cinema checkin --offline --public-key door.pem 'CODE'`
    """
    from cinema_cli.domain.errors import InvalidInput

    text = _read_code(code, image)
    if offline or public_key is not None:
        if public_key is None or not offline:
            raise InvalidInput(
                "--offline and --public-key go together: "
                "cinema checkin --offline --public-key door.pem CODE",
                field="public_key",
            )
        _check_offline(text, public_key, as_json=as_json)
    else:
        _check_in(text, gate, as_json=as_json)


def _check_offline(text: str, public_key: Path, *, as_json: bool) -> None:
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.checkin import check_offline

    rt = runtime()
    checked = check_offline(rt.offline_verifier(public_key), rt.clock, text)
    if as_json:
        from cinema_cli.present.tickets import offline_view

        emit_json(offline_view(checked))
        return
    payload = checked.payload
    out = console()
    out.print(
        f"ADMIT  seat {payload.seat_id}  ticket {payload.ticket_id}  showing {payload.showing_id}",
        markup=False,
    )
    out.print(
        "Offline check: signature and time are good; cancellations and earlier "
        "check-ins cannot be seen without the data folder."
    )


def _check_in(text: str, gate: str | None, *, as_json: bool) -> None:
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.checkin import check_in

    rt = runtime()
    result = check_in(rt.storage, rt.clock, rt.ticket_verifier, text, gate=gate)
    if as_json:
        from cinema_cli.present.tickets import checkin_view

        emit_json(checkin_view(result))
        return
    from rich.markup import escape

    from cinema_cli.domain.times import person_time

    out = console()
    title = result.movie.title if result.movie else result.showing.movie_id
    starts = person_time(
        result.showing.starts_at, result.theater.timezone if result.theater else None
    )
    room = result.theater.room(result.showing.room_id) if result.theater else None
    room_name = room.name if room else result.showing.room_id
    out.print(
        f"[bold green]ADMIT[/]  seat [bold]{escape(result.ticket.seat_id)}[/]  {escape(title)}",
        markup=True,
    )
    out.print(
        f"{starts}  {room_name}  ticket {result.ticket.id}"
        + (f"  gate {result.ticket.gate}" if result.ticket.gate else ""),
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Attach ``cinema checkin``."""
    app.command("checkin")(checkin)
