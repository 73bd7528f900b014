"""Notifications (the outbox table) and callback requests in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

from sqlalchemy import case, distinct, func, literal_column, select, tuple_

from wengang.adapters.db.bulk import CopyText, among, insert_lines, insert_rows, update_rows
from wengang.adapters.db.payment_tables import deliveries, notifications
from wengang.adapters.db.people_tables import callbacks, duties, offices, reminders
from wengang.adapters.db.repositories.base import TableRepository
from wengang.adapters.db.tables import cases
from wengang.domain.calls import Reach
from wengang.domain.contact import (
    DELIVERED,
    FAILED,
    OPEN,
    PENDING,
    SENT,
    Callback,
    Dispatch,
    Duty,
    Notice,
    Notification,
    Office,
    Receipt,
    Reminder,
)
from wengang.domain.repositories import Due, ToFanOut

STEP = (notifications.c.recipient.is_(None), notifications.c.params.isnot(None))   # a step's message to the unit

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

    def add_fanned(self, notices: Sequence[Notice], at: dt.datetime) -> list[int]:
        """Never pending, so never in the index of pending messages nor updated again; the ids read back by the
        audit entries they tell about (unique, indexed)."""
        if not notices:
            return []
        seqs = [n.audit_seq for n in notices if n.audit_seq is not None]
        if len(seqs) < len(notices):
            raise ValueError("add_fanned queues step messages told from the audit log: each needs its audit_seq")
        if self.conn.dialect.name == "postgresql":
            insert_lines(self.conn, notifications, (*QUEUED, "sent_at"), _fanned_lines(notices, at))
        else:
            insert_rows(self.conn, notifications, (*QUEUED, "sent_at"), ((*n, SENT, at) for n in notices))
        n = notifications.c
        ids = dict(self.conn.execute(select(n.audit_seq, n.id).where(n.audit_seq.between(min(seqs), max(seqs)))).all())
        return [ids[s] for s in seqs]

    def pending(self, *, kind: str | None = None, limit: int, templated: bool | None = None) -> list[Notification]:
        # The status spelled out, not bound: then the planners know the index of pending messages answers it.
        where = [notifications.c.status == literal_column("'pending'")]
        if kind is not None:
            where.append(notifications.c.kind == kind)
        if templated is not None:
            where.append(notifications.c.params.isnot(None) if templated else notifications.c.params.is_(None))
        query = self._select().where(*where).order_by(notifications.c.id).limit(limit)
        return [self._row(r) for r in self.conn.execute(query)]

    def save_sent(self, sent: Iterable[Notification]) -> int:
        rows = [(m.id, m.status, m.sent_at, m.sealed) for m in sent]
        update_rows(self.conn, notifications, "id", ("status", "sent_at", "sealed"), rows, only=("status", PENDING))
        return len(rows)

    def to_fan_out(self, limit: int) -> list[ToFanOut]:
        n = notifications.c
        query = (select(n.id, n.uscc, n.case_id, n.recipient, n.channel)
                 .where(n.status == literal_column("'pending'"), n.params.isnot(None)).order_by(n.id).limit(limit))
        return [ToFanOut(*r) for r in self.conn.execute(query).all()]

    def fanned_out(self, ids: Sequence[int], at: dt.datetime) -> int:
        if not ids:
            return 0
        return self.conn.execute(notifications.update().where(
            among(self.conn, notifications.c.id, ids), notifications.c.status == PENDING).values(
            status=SENT, sent_at=at, sealed=None)).rowcount

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

    def escalate(self, callback_id: int, at: dt.datetime) -> bool:
        return self._update(callback_id, {"escalated_at": at}, status=OPEN, escalated_at=None)


class _SqlDuties(TableRepository[Duty]):
    table, model, label = duties, Duty, ("值班", "duty")


class SqlOffices(TableRepository[Office]):
    """The Offices repository (offices and their duties) on one connection."""

    table, model, label = offices, Office, ("办公室", "office")

    def __init__(self, conn):
        super().__init__(conn)
        self._duties = _SqlDuties(conn)

    def put(self, code: str, name: str) -> Office:
        found = self._one(offices.c.code == code)
        if found is None:
            return self._insert({"code": code, "name": name})
        self._update(found.id, {"name": name})
        return self.get(found.id)

    def all(self) -> list[Office]:
        return self._many(order_by="code")

    def add_duty(self, **values) -> Duty:
        return self._duties._insert(values)

    def duties(self, *, since: dt.datetime | None = None) -> list[Duty]:
        return self._duties._many(*([duties.c.ends_at > since] if since else []), order_by="starts_at")

    def on_duty(self, office: str, at: dt.datetime) -> Duty | None:
        query = (self._duties._select().where(duties.c.office == office, duties.c.starts_at <= at,
                                              duties.c.ends_at > at).order_by(duties.c.id.desc()).limit(1))
        row = self.conn.execute(query).first()
        return None if row is None else self._duties._row(row)


class SqlReminders(TableRepository[Reminder]):
    """The Reminders repository on one connection."""

    table, model, label = reminders, Reminder, ("提醒", "reminder")

    def add(self, *, case_id: int, task: str, deadline: dt.date, queued_at: dt.datetime) -> Reminder | None:
        if self._one(reminders.c.case_id == case_id, reminders.c.task == task, reminders.c.deadline == deadline):
            return None
        return self._insert({"case_id": case_id, "task": task, "deadline": deadline, "queued_at": queued_at})


DELIVERY_COLUMNS = ("notification_id", "key", "channel", "recipient", "next_at", "created_at", "status", "attempts")
# Spelled out, not bound: only then do the planners know the partial index of pending copies (ix_deliveries_due)
# answers the query (PostgreSQL's generic plans, SQLite always).
STILL_PENDING = deliveries.c.status == literal_column("'pending'")
HANDED_COLUMNS = ("status", "attempts", "next_at", "provider_id", "error", "sent_at", "done_at")


class SqlDeliveries(TableRepository[Dispatch]):
    """The Deliveries repository on one connection."""

    table, model, label = deliveries, Dispatch, ("投递", "delivery")

    def add_many(self, rows: Iterable[tuple[int, str, str, str, dt.datetime, dt.datetime]]) -> int:
        if self.conn.dialect.name == "postgresql":
            return insert_lines(self.conn, deliveries, DELIVERY_COLUMNS, _delivery_lines(rows))
        return insert_rows(self.conn, deliveries, DELIVERY_COLUMNS, ((*r, PENDING, 0) for r in rows))

    def due(self, channel: str, now: dt.datetime, limit: int,
            after: tuple[dt.datetime, int] | None = None) -> list[Due]:
        n, d = notifications, deliveries
        query = (select(*d.c, n.c.kind, n.c.params, n.c.text).join(n, n.c.id == d.c.notification_id)
                 .where(STILL_PENDING, d.c.channel == channel, d.c.next_at <= now)
                 .order_by(d.c.next_at, d.c.id).limit(limit))
        if after is not None:        # on from there: a row comparison is a bound the index seeks, not a filter
            query = query.where(tuple_(d.c.next_at, d.c.id) > tuple_(*after))
        if self.conn.dialect.name == "postgresql":
            # A page is the index's next rows: two parallel workers, on two cores shared with the sender, sorted
            # the whole remaining range to cut the page from it (the planner costs the rows before the LIMIT).
            self.conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        width = len(deliveries.c)
        return [Due(Dispatch(*r[:width]), *r[width:]) for r in self.conn.execute(query).all()]

    def save_handed(self, handed: Iterable[Dispatch]) -> int:
        rows = [(d.id, d.status, d.attempts, d.next_at, d.provider_id, d.error, d.sent_at, d.done_at) for d in handed]
        update_rows(self.conn, deliveries, "id", HANDED_COLUMNS, rows, only=("status", PENDING))
        return len(rows)

    def apply_receipts(self, receipts: Iterable[Receipt]) -> int:
        said = [(r, DELIVERED if r.delivered else FAILED, None if r.delivered else (r.error or "")[:200])
                for r in receipts]
        changed = update_rows(self.conn, deliveries, "provider_id", ("status", "done_at", "error"),
                              [(r.provider_id, s, r.at, e) for r, s, e in said], only=("status", SENT))
        return changed + update_rows(
            self.conn, deliveries, "key", ("status", "done_at", "error", "provider_id", "sent_at"),
            [(r.key, s, r.at, e, r.provider_id, r.at) for r, s, e in said if r.key], only=("status", PENDING))

    def counts(self) -> dict[tuple[str, str], int]:
        query = select(deliveries.c.channel, deliveries.c.status, func.count()).group_by(
            deliveries.c.channel, deliveries.c.status)
        return {(c, s): n for c, s, n in self.conn.execute(query)}

    def of_notification(self, notification_id: int) -> list[Dispatch]:
        return self._many(deliveries.c.notification_id == notification_id)

    def reach(self, case_ids) -> dict[int, Reach]:
        n, d = notifications, deliveries
        found: dict[int, Reach] = {}
        wanted = list(case_ids)
        for i in range(0, len(wanted), 1000):
            part = wanted[i:i + 1000]
            told = select(n.c.case_id, func.count(), func.max(n.c.id)).where(
                n.c.case_id.in_(part), *STEP).group_by(n.c.case_id)
            last = {cid: (count, top) for cid, count, top in self.conn.execute(told)}
            if not last:
                continue
            tops = [t for _, t in last.values()]
            about = {i: (k, at) for i, k, at in self.conn.execute(
                select(n.c.id, n.c.kind, n.c.created_at).where(n.c.id.in_(tops)))}
            copies = select(n.c.case_id, d.c.status, func.count()).join(d, d.c.notification_id == n.c.id).where(
                n.c.case_id.in_(part), *STEP).group_by(n.c.case_id, d.c.status)
            by: dict[int, dict[str, int]] = {}
            for cid, status, count in self.conn.execute(copies):
                by.setdefault(cid, {})[status] = count
            for cid, (count, top) in last.items():
                s = by.get(cid, {})
                kind, at = about.get(top, (None, None))
                found[cid] = Reach(cid, count, kind, at, s.get(DELIVERED, 0), s.get(FAILED, 0),
                                   s.get(PENDING, 0) + s.get(SENT, 0))
        return found

    def unreached(self, cycle_id: int, limit: int) -> list[int]:
        n, d = notifications, deliveries
        alive = func.sum(case((d.c.status.in_((DELIVERED, PENDING, SENT)), 1), else_=0))
        query = (select(n.c.case_id).join(cases, cases.c.id == n.c.case_id)
                 .outerjoin(d, d.c.notification_id == n.c.id)
                 .where(cases.c.cycle_id == cycle_id, n.c.status == SENT, *STEP)
                 .group_by(n.c.case_id).having(func.coalesce(alive, 0) == 0).order_by(n.c.case_id).limit(limit))
        return [r[0] for r in self.conn.execute(query)]

    def by_event(self, cycle_id: int) -> dict[tuple[str, str, str], int]:
        n, d = notifications, deliveries
        query = (select(n.c.kind, d.c.channel, d.c.status, func.count()).join(d, d.c.notification_id == n.c.id)
                 .join(cases, cases.c.id == n.c.case_id).where(cases.c.cycle_id == cycle_id, *STEP)
                 .group_by(n.c.kind, d.c.channel, d.c.status))
        return {(k, c, s): count for k, c, s, count in self.conn.execute(query)}

    def reached_units(self, cycle_id: int) -> tuple[int, int]:
        n, d = notifications, deliveries
        told = self.conn.execute(select(func.count(distinct(n.c.uscc))).join(cases, cases.c.id == n.c.case_id)
                                 .where(cases.c.cycle_id == cycle_id, *STEP)).scalar_one()
        reached = self.conn.execute(
            select(func.count(distinct(n.c.uscc))).join(cases, cases.c.id == n.c.case_id)
            .join(d, d.c.notification_id == n.c.id)
            .where(cases.c.cycle_id == cycle_id, d.c.status == DELIVERED, *STEP)).scalar_one()
        return told, reached


def _fanned_lines(notices: Iterable[Notice], at: dt.datetime) -> Iterator[str]:
    """`add_fanned`'s rows as COPY text (QUEUED, sent_at): the words, values and times most messages share spelled
    once."""
    c = CopyText()
    text, same, NULL = c.text, c.same, "\\N"
    tail = f"{SENT}\t{same(at)}\n"
    for uscc, case_id, recipient, channel, kind, words, created_at, sealed, params, audit_seq in notices:
        yield (f"{text(uscc)}\t{NULL if case_id is None else case_id}\t{text(recipient)}\t{same(channel)}\t"
               f"{same(kind)}\t{same(words)}\t{same(created_at)}\t{text(sealed)}\t{same(params)}\t{audit_seq}\t{tail}")


def _delivery_lines(rows: Iterable[tuple[int, str, str, str, dt.datetime, dt.datetime]]) -> Iterator[str]:
    """`SqlDeliveries.add_many`'s rows as COPY text (DELIVERY_COLUMNS), pending, never tried."""
    c = CopyText()
    text, same = c.text, c.same
    for notification_id, key, channel, recipient, next_at, created_at in rows:
        yield (f"{notification_id}\t{text(key)}\t{same(channel)}\t{text(recipient)}\t{same(next_at)}\t"
               f"{same(created_at)}\t{PENDING}\t0\n")
