"""The mail queue in the JSON data folder: ``mail/NN.json``, sharded by message id, one
document per e-mail (its bytes base64-encoded). Claims happen inside the data folder's write
lock, so two processes sharing the folder never claim one message at once."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from cinema_cli.domain.mail_queue import MailRecord
from cinema_cli.storage.json.reader import INDEX_SHARDS, load_entity, shard
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.records import to_record

_TABLE = "mail"


def _mail_file(root: Path, mail_id: str) -> Path:
    return root / "mail" / f"{shard(mail_id, INDEX_SHARDS):02d}.json"


class JsonMailReader:
    """The mail queue's queries (mixed into the JSON reader)."""

    _session: Session
    root: Path

    def mail_messages(self) -> list[MailRecord]:
        every: list[MailRecord] = []
        # Every shard by name (not a glob): a unit of work sees the shards it wrote itself.
        for number in range(INDEX_SHARDS):
            path = self.root / "mail" / f"{number:02d}.json"
            rows = self._session.raw_table(path, _TABLE)
            every.extend(load_entity(MailRecord, r) for r in rows.values())
        return sorted(every, key=lambda m: (m.created_at, m.id))

    def mail_message(self, mail_id: str) -> MailRecord | None:
        stored = self._session.raw_table(_mail_file(self.root, mail_id), _TABLE).get(mail_id)
        return None if stored is None else load_entity(MailRecord, stored)


class JsonMailWriter(JsonMailReader, ABC):
    """The mail queue's writes (mixed into the JSON unit of work, which holds the write lock)."""

    @abstractmethod
    def _put(self, path: Path, table: str, doc_id: str, data: dict[str, Any]) -> None:
        """Stage one row of a file in the unit of work (the JSON transaction provides it)."""

    def enqueue_mail(self, record: MailRecord) -> MailRecord:
        stored = self.mail_message(record.id)
        if stored is not None:
            return stored
        self.put_mail(record)
        return record

    def claim_mail(
        self,
        now: datetime,
        lease_until: datetime,
        *,
        mail_id: str | None = None,
        skip: Iterable[str] = (),
    ) -> MailRecord | None:
        if mail_id is not None:
            one = self.mail_message(mail_id)
            candidates = [] if one is None else [one]
        else:
            candidates = self.mail_messages()
        skipped = set(skip)
        for record in candidates:
            if record.id not in skipped and record.claimable(now):
                claimed = record.claimed(now, lease_until)
                self.put_mail(claimed)
                return claimed
        return None

    def put_mail(self, record: MailRecord) -> None:
        self._put(_mail_file(self.root, record.id), _TABLE, record.id, to_record(record))
