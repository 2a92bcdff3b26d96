"""Ports: what the services need from the outside world, one module per concern.

- :mod:`.storage`: the storage unit of work (``Storage``, ``Transaction``, ``Reader``);
- :mod:`.clock`: "now";
- :mod:`.payments`: the payment provider;
- :mod:`.tickets`: ticket codes (issue, verify) and e-ticket printing;
- :mod:`.mail`: confirmation and cancellation e-mails.

Adapters (``cinema_cli.adapters``) and backends (``cinema_cli.storage``) implement them;
only ``cinema_cli.bootstrap`` names the concrete ones.
"""
