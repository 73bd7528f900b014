"""Notifications (the outbox table) and callback requests in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from sqlalchemy import bindparam, func, select, update

from wengang.adapters.db.bulk import insert_rows
from wengang.adapters.db.payment_tables import notifications
from wengang.adapters.db.people_tables import callbacks
from wengang.adapters.db.repositories.base import TableRepository
from wengang.domain.contact import OPEN, PENDING, Callback, Notice, Notification

QUEUED = (*Notice._fields, "status")          # a notice's fields are the columns it fills, then its status


class SqlNotifications(TableRepository[Notification]):
    """The Notifications repository on one connection."""

    table, model, label = notifications, Notification, ("消息", "notification")

    def add(self, notice: Notice) -> Notification:
        return self._insert({**notice._asdict(), "status": PENDING})

    def add_many(self, notices: Iterable[Notice]) -> int:
        """COPY on PostgreSQL, one executemany on SQLite; nothing at all when there is nothing to queue."""
        it = iter(notices)
        first = next(it, None)
        if first is None:
            return 0
        return insert_rows(self.conn, notifications, QUEUED, ((*n, PENDING) for n in chain((first,), it)))

    def pending(self, *, kind: str | None = None, limit: int) -> list[Notification]:
        where = [notifications.c.status == PENDING]
        if kind is not None:
            where.append(notifications.c.kind == kind)
        query = self._select().where(*where).order_by(notifications.c.id).limit(limit)
        return [self._row(r) for r in self.conn.execute(query)]

    def save_sent(self, sent: Iterable[Notification]) -> int:
        rows = [{"nid": m.id, "new_status": m.status, "at": m.sent_at, "seal": m.sealed} for m in sent]
        if rows:
            self.conn.execute(
                update(notifications)
                .where(notifications.c.id == bindparam("nid"), notifications.c.status == PENDING)
                .values(status=bindparam("new_status"), sent_at=bindparam("at"), sealed=bindparam("seal")), rows)
        return len(rows)

    def of_unit(self, uscc: str, *, limit: int) -> list[Notification]:
        query = self._select().where(notifications.c.uscc == uscc).order_by(notifications.c.id.desc()).limit(limit)
        return [self._row(r) for r in self.conn.execute(query)]

    def of_kind(self, kind: str) -> list[Notification]:
        return self._many(notifications.c.kind == kind)

    def told_up_to(self) -> int:
        return self.conn.execute(select(func.coalesce(func.max(notifications.c.audit_seq), 0))).scalar_one()


class SqlCallbacks(TableRepository[Callback]):
    """The Callbacks repository on one connection."""

    table, model, label = callbacks, Callback, ("回电请求", "callback")

    def add(self, **values) -> Callback:
        return self._insert(values)

    def answer(self, answered: Callback) -> bool:
        return self._update(answered.id, {"status": answered.status, "answered_by": answered.answered_by,
                                          "answered_at": answered.answered_at, "answer": answered.answer},
                            status=OPEN)

    def all(self, *, status: str | None = None) -> list[Callback]:
        return self._many(*([callbacks.c.status == status] if status else []))

    def of_unit(self, uscc: str) -> list[Callback]:
        return self._many(callbacks.c.uscc == uscc)
