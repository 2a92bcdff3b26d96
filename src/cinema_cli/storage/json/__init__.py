"""The default backend: JSON files in a data folder, managed through TinyDB.

Layout of the data folder (schema version :data:`SCHEMA_VERSION`)::

    catalog.json                      cities, theaters (rooms, seat layouts), movies
    showings/<theater>.json           the theater's programme
    seats/<theater>/<showing>.json    one showing's claims, reservations, bookings and tickets
    seats/<theater>/summary.json      per showing: seats sold and live holds (for search)
    index/<name>/<NN>.json            sharded look-ups: showing -> theater, reservation ->
                                      showing, booking -> showing, ticket -> booking, users by
                                      e-mail, idempotency keys
    audit/<NN>.json                   audit entries, sharded by subject
    signing-keys.json                 the ticket signing key ring (private keys sealed)
    .lock                             the cross-process write lock
    journal.json                      present only while a multi-file commit is applied

Why this shape: a seat hold rewrites one showing's small file (plus a summary and
an index shard), never the catalog; a seat map parses one theater's programme and
one showing's seats, never every showing of every theater.

Every file is ``{"cinema_schema": N, "tables": {...}}`` where ``tables`` is
TinyDB's own format; :mod:`.session` gives TinyDB a ``Storage`` that reads it with
orjson and hands writes to the unit of work instead of writing in place.

Durability: a commit writes each changed file to a temporary file in the same
folder, flushes and fsyncs it; when more than one file changed, it then writes
``journal.json`` (atomically) listing the renames — that is the commit point —
renames every file with ``os.replace``, fsyncs the folders and deletes the
journal. A crash before the journal leaves the old data; after it, the next
process to open the folder finishes the renames. A corrupt, truncated or
unknown-version file stops every command with exit 7 and is never overwritten.

The modules: :mod:`.files` (reading and durably committing files, the journal),
:mod:`.session` (one read's or unit of work's view of the files), :mod:`.reader`
(the layout and the queries), :mod:`.transaction` (writes), :mod:`.backend`
(:class:`JsonStorage`, the storage port).
"""

from cinema_cli.storage.json.backend import JsonStorage

__all__ = ["JsonStorage"]
