"""``cinema cancel``: give tickets back before the deadline and get the money back."""

from __future__ import annotations

from typing import Annotated

import typer

from cinema_cli.cli.options import JsonFlag


def cancel(
    booking_id: Annotated[str, typer.Argument(help="The booking, as printed by `cinema buy`.")],
    tickets: Annotated[
        list[str] | None,
        typer.Option(
            "--tickets",
            "--ticket",
            help="Cancel only these seats (or ticket ids): --tickets C7,C8 or repeat the option. "
            "[default: the whole booking]",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Cancel a booking (or some of its seats) and refund them to the card.

    Allowed until CINEMA_CANCEL_MINUTES (default 60) before the start. Running it again
    refunds nothing more. Example: `cinema cancel b-1a2b3c4d5e6f --tickets C8`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.cli.output import console, emit_json
    from cinema_cli.services.cancellation import cancel as cancel_booking

    rt = runtime()
    result = cancel_booking(
        rt.storage,
        rt.clock,
        rt.payments,
        rt.cancellation_mail,
        booking_id,
        tickets=tickets,
        cancel_minutes=rt.settings.cancel_minutes,
    )
    if as_json:
        from cinema_cli.present.tickets import cancellation_view

        emit_json(cancellation_view(result))
        return
    out = console()
    if not result.cancelled:
        seats = ", ".join(t.seat_id for t in result.already_cancelled)
        out.print(f"Nothing to do: {seats} already cancelled; nothing more refunded.", markup=False)
        return
    seats = ", ".join(t.seat_id for t in result.cancelled)
    out.print(
        f"Cancelled {seats} of booking {result.booking.id} ({result.booking.status}).", markup=False
    )
    if result.refund is not None:
        out.print(
            f"Refunded {result.refund.amount} (reference {result.refund.reference}).", markup=False
        )
    if result.notice is not None:
        out.print(f"Cancellation e-mail: {result.notice}", markup=False)


def register(app: typer.Typer) -> None:
    """Attach ``cinema cancel``."""
    app.command("cancel")(cancel)
