"""Payment providers are plug-ins: entry points of the group ``cinema_cli.payment_providers``.

Each entry point names a factory ``(ProviderContext) -> PaymentProvider``; the built-in
``test`` provider is one of them (``pyproject.toml``), so a provider package installed
beside cinema-cli is chosen exactly like it, with ``CINEMA_PAYMENT_PROVIDER=NAME``. The name
``test`` is cinema-cli's own: it is built without looking the entry points up (importing
``importlib.metadata`` and reading every installed package's metadata cost ``cinema buy``
about a quarter of Python's start-up).
"""

from __future__ import annotations

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.services.ports.payments import PaymentProvider, ProviderContext

GROUP = "cinema_cli.payment_providers"
BUILT_IN = "test"
"""The built-in test provider's name (its entry point names the same factory)."""


def provider_names() -> list[str]:
    """The providers installed, by name."""
    from importlib.metadata import entry_points

    return sorted({entry.name for entry in entry_points(group=GROUP)} | {BUILT_IN})


def load_provider(name: str, context: ProviderContext) -> PaymentProvider:
    """Build the provider ``name``; an unknown name is a configuration error (exit 6)."""
    if name == BUILT_IN:
        from cinema_cli.adapters.payment import test_provider

        return test_provider(context)
    from importlib.metadata import entry_points

    found = [entry for entry in entry_points(group=GROUP) if entry.name == name]
    if not found:
        known = ", ".join(provider_names())
        raise InvalidInput(
            f"CINEMA_PAYMENT_PROVIDER: no payment provider {name!r} is installed "
            f"(installed: {known})",
            field="CINEMA_PAYMENT_PROVIDER",
            hint="unset CINEMA_PAYMENT_PROVIDER to use the built-in test provider",
        )
    factory = found[0].load()
    provider: PaymentProvider = factory(context)
    return provider
