"""``cinema keys``: the public half of the ticket signing keys, key rotation, and sealing the
keys stored unencrypted."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cinema_cli.cli.options import JsonFlag

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cinema_cli.services.ports.tickets import SigningKeyInfo, SigningKeys

keys_app = typer.Typer(
    name="keys",
    help="Ticket signing keys: print the public key for door scanners, rotate keys, seal "
    "unencrypted keys with CINEMA_KEY_SECRET.",
    no_args_is_help=True,
)


def _with_pem(
    keyring: SigningKeys, keys: Iterable[SigningKeyInfo]
) -> list[tuple[SigningKeyInfo, str]]:
    return [(key, keyring.public_pem(key.key_id)) for key in keys]


@keys_app.command("public")
def public(
    key_id: Annotated[
        str | None,
        typer.Option("--key-id", help="Print this key only."),
    ] = None,
    all_keys: Annotated[
        bool, typer.Option("--all", help="Print every key, retired ones with expired tickets too.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Print the public keys (PEM) a door needs: the active key and every retired key whose
    tickets are still valid. --json lists every key. Creates the first key if needed.

    Example: `cinema keys public > door.pem`, then at the door:
    `cinema checkin --offline --public-key door.pem CODE`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import emit_json
    from cinema_cli.domain.errors import KeyNotFound

    keyring = runtime().keyring
    infos = keyring.list_keys()
    if key_id is not None:
        infos = [info for info in infos if info.key_id == key_id.lower()]
        if not infos:
            raise KeyNotFound(
                f"--key-id: no signing key has id {key_id!r}",
                key_id=key_id,
                hint="list the keys with `cinema keys public --json`",
            )
    if as_json:
        from cinema_cli.present.admin import keys_view

        emit_json(keys_view(_with_pem(keyring, infos)))
        return
    chosen = infos if key_id is not None or all_keys else keyring.door_keys()
    sys.stdout.write("".join(keyring.public_pem(info.key_id) for info in chosen))


@keys_app.command("rotate")
def rotate(as_json: JsonFlag = False) -> None:
    """Make a new signing key active; tickets signed with older keys stay valid.

    Example: `cinema keys rotate`, then give the doors `cinema keys public > door.pem`.
    """
    from cinema_cli.cli.context import runnable_command, runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.key_seal import plain_key_ids

    rt = runtime()
    keyring = rt.keyring
    new = keyring.rotate()
    if as_json:
        from cinema_cli.present.admin import rotated_view

        emit_json(rotated_view(new.key_id, _with_pem(keyring, keyring.list_keys())))
        return
    out = console()
    out.print(f"New signing key {new.key_id} is active; older keys still verify their tickets.")
    out.print("Give door scanners the keys they need now (new and still valid old ones):")
    out.print(runnable_command("cinema keys public > door.pem"))
    plain = plain_key_ids(rt.storage, rt.key_sealer)
    if plain:
        out.print(
            f"{len(plain)} older key(s) are still stored unencrypted ({', '.join(plain)}); "
            "encrypt them with the key secret:"
        )
        out.print(runnable_command("cinema keys seal"))


@keys_app.command("seal")
def seal(as_json: JsonFlag = False) -> None:
    """Encrypt, with CINEMA_KEY_SECRET (or CINEMA_KEY_SECRET_FILE), every signing key stored
    unencrypted (made before the secret was set), retired ones too: all in one unit of work.
    Running it again seals nothing. Exits 6 without a secret, and when some key is sealed
    with another secret (it is named and left alone).

    Example: `CINEMA_KEY_SECRET_FILE=/etc/cinema/key-secret cinema keys seal`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.key_seal import seal_plain_keys

    rt = runtime()
    report = seal_plain_keys(rt.storage, rt.key_sealer)
    if as_json:
        from cinema_cli.present.admin import sealed_view

        emit_json(sealed_view(report))
    else:
        out = console()
        if report.sealed:
            out.print(
                f"Sealed {len(report.sealed)} signing key(s) with the key secret: "
                f"{', '.join(report.sealed)}."
            )
        elif report.already or report.unopened:
            out.print("Nothing to seal: no signing key is stored unencrypted.")
        else:
            out.print("Nothing to seal: there is no signing key yet (new keys are sealed).")
        if report.already:
            out.print(f"Sealed before: {len(report.already)} ({', '.join(report.already)}).")
        for key_id in report.unopened:
            out.print(
                f"Not opened: {key_id} is sealed with another secret (or in a form this "
                "release cannot read); left as it is."
            )
    if report.unopened:
        # This secret is not the one those keys were sealed with: scripts must see it.
        raise typer.Exit(6)


def register(app: typer.Typer) -> None:
    """Attach ``cinema keys``."""
    app.add_typer(keys_app)
