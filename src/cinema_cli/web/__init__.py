"""The HTTP front door (``cinema serve``): the booking API under ``/v1`` and the web page.

Each handler parses the request, makes one service call and renders the result through the
presenter (via :mod:`cinema_cli.web.shapes`), exactly as a CLI command does. Everything real
comes from :class:`cinema_cli.bootstrap.Runtime`; this package never names a backend or an
adapter. FastAPI and uvicorn come with the ``cinema-cli[serve]`` extra.
"""
