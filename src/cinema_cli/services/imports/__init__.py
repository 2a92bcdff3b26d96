"""Batch imports of theaters and showtimes, and the showtime export.

Cron-safe by construction:

* **Idempotent.** Showings are upserted by the feed's ``showing_id``; a feed
  that changes nothing opens no write transaction at all, so the data files are
  not touched (their modification times stay as they were).
* **All or nothing.** Everything is decided first (:func:`plan_showtimes` is
  pure), then written in one storage transaction. The decision is taken again
  inside the transaction, under the write lock, so a seat sold while the feed
  was being read is seen; bookings go through the same lock and are never lost.
* **Every bad row at once.** Rows are checked one by one while the feed
  streams in; problems are collected, and by default nothing is written when
  any row is invalid (:class:`FeedRejected`) or refused (:class:`ChangesRefused`);
  both carry the report.
* **Streaming.** CSV goes through :mod:`csv` over a text stream, JSON Lines
  line by line, JSON arrays through ``ijson``; only the parsed rows are kept.

Modules: :mod:`.formats`, :mod:`.reading` (records of any feed), :mod:`.showtime_feed`
(checking a showtime feed in one pass), :mod:`.showtimes`, :mod:`.catalog_feed` and
:mod:`.theaters`, :mod:`.export`, :mod:`.report` (the typed result and the errors).
"""

from cinema_cli.services.imports.export import export_showtimes
from cinema_cli.services.imports.formats import (
    EXPORT_FORMATS,
    FORMATS,
    ExportFormat,
    FeedFormat,
    Progress,
    export_format,
    feed_format,
)
from cinema_cli.services.imports.report import (
    SAMPLE,
    CatalogChange,
    ChangesRefused,
    FeedRejected,
    ImportRejected,
    ImportReport,
    LostSeats,
)
from cinema_cli.services.imports.showtimes import import_showtimes
from cinema_cli.services.imports.theaters import import_theaters

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "SAMPLE",
    "CatalogChange",
    "ChangesRefused",
    "ExportFormat",
    "FeedFormat",
    "FeedRejected",
    "ImportRejected",
    "ImportReport",
    "LostSeats",
    "Progress",
    "export_format",
    "export_showtimes",
    "feed_format",
    "import_showtimes",
    "import_theaters",
]
