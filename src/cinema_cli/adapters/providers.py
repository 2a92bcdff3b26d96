"""Payment providers are plug-ins: entry points of the group ``cinema_cli.payment_providers``.

Each entry point names a factory ``(ProviderContext) -> PaymentProvider``; the built-in
``test`` provider is one of them (``pyproject.toml``), so a provider package installed
beside cinema-cli is chosen exactly like it, with ``CINEMA_PAYMENT_PROVIDER=NAME``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.services.ports.payments import PaymentProvider, ProviderContext

GROUP = "cinema_cli.payment_providers"


def provider_names() -> list[str]:
    """The providers installed, by name."""
    return sorted({entry.name for entry in entry_points(group=GROUP)})


def load_provider(name: str, context: ProviderContext) -> PaymentProvider:
    """Build the provider ``name``; an unknown name is a configuration error (exit 6)."""
    found = [entry for entry in entry_points(group=GROUP) if entry.name == name]
    if not found:
        if name == "test":
            # Running from a source tree whose package metadata is not installed.
            from cinema_cli.adapters.payment import test_provider

            return test_provider(context)
        known = ", ".join(provider_names()) or "test"
        raise InvalidInput(
            f"CINEMA_PAYMENT_PROVIDER: no payment provider {name!r} is installed "
            f"(installed: {known})",
            field="CINEMA_PAYMENT_PROVIDER",
            hint="unset CINEMA_PAYMENT_PROVIDER to use the built-in test provider",
        )
    factory = found[0].load()
    provider: PaymentProvider = factory(context)
    return provider
