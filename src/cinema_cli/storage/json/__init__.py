"""The default backend: JSON files in a data folder, managed through TinyDB.

Layout of the data folder (layout :data:`.layout.LAYOUT_VERSION`)::

    catalog.json                        cities, theaters (rooms, seat layouts), movies
    showings/<theater>/<week>.json      the theater's showings of one UTC week (its Monday)
    showings/<theater>.json             the theater's table of contents: per week, how many
                                        showings of each movie it holds
    seats/<theater>/<showing>.json      one showing's claims, reservations, bookings, tickets
    seats/<theater>/summary-<week>.json per showing of the week: seats sold and live holds
    index/<name>/<NN>.json              sharded look-ups: showing -> [theater, week],
                                        reservation -> showing, booking -> showing, ticket ->
                                        booking, users by e-mail, idempotency keys
    audit/<NN>.json                     audit entries, sharded by subject
    signing-keys.json                   the ticket signing key ring (private keys sealed)
    layout.json                         written by the upgrade to layout 2 (or the first write)
    .lock                               the cross-process write lock (``flock``)
    journal.json                        present only while a multi-file commit is applied

Why this shape: every read costs what it returns, not the size of the programme. A search
or ``showtimes`` parses the tables of contents of the theaters asked about and only the
weeks that overlap the dates and hold the movie (past weeks are never parsed by a search
about the future); a seat map parses one index shard, one week and one showing's seats; a
seat hold rewrites one showing's small file (plus a summary and an index shard), never the
catalog or a programme.

Layout 1 kept a theater's whole programme in ``showings/<theater>.json`` and one
``summary.json`` per theater; such a folder is read as it is, and upgraded in place by the
next write or ``cinema db upgrade`` (:mod:`.upgrade`: one journaled commit).

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
