"""Telling each unit at every step (issue 16.2): the audit log is the record of every step, so messages are told
from it, in its order, one per entry (the entry's seq is unique on the message): a step commits without waiting
for half a million messages, a telling that crashed resumes where the last message stands, and none is told twice.
The portal inbox shows them at once; delivery to the unit's contacts follows (services/notify.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from wengang.config import Settings
from wengang.domain.analytics import SnapshotContact
from wengang.domain.audit import Entry
from wengang.domain.cases import State
from wengang.domain.contact import Notice
from wengang.domain.days import beijing_date
from wengang.domain.departments import NEEDED
from wengang.domain.errors import AnalyticsBusy, AnalyticsUnreadable
from wengang.domain.ports import Analytics, Store, Tellable, UnitOfWork
from wengang.domain.process import PublicityBatch
from wengang.domain.progress import Progress, Silent
from wengang.domain.repositories import ToFanOut
from wengang.messages import text
from wengang.rules.parameters import load_pack
from wengang.services import delivery
from wengang.services.casework import bulk_work
from wengang.services.public import batch_order

CHUNK = 50_000          # entries a transaction; their units' contacts are one read of the contacts file (a scan)
NOT_GRANTED = ("review_rejected", "department_declined")    # a person decided: the unit is told why
# Which steps a unit is told about, and the message each one is (payment failures and recoveries are told by the
# step itself, in its transaction: they carry a deadline to act by).
TOLD = ("case_opened", "review_accepted", "department_confirmed", "publicity_started", "objection_raised",
        "payment_approved", "payment_paid", *NOT_GRANTED)
ACCEPTED = ("review_accepted", "department_confirmed")       # a person let the case go on: told once identified
# A case opened in review for its industry department's word alone has nothing to apply for (the opening's reason is
# `route_reason`'s, ending with the rules' codes).
FOR_DEPARTMENT = f": {NEEDED}"

CAME_BACK = (State.FAILED, State.REISSUED, State.RECOVERED)
WORDS_KEPT = 100_000            # texts kept by event and values while telling (`_notices`)


@dataclass(frozen=True, slots=True)
class Told:
    """How many messages one telling queued, by event, where the audit log was read up to, and how many deliveries
    it fanned them out to (none unless given the units' contacts)."""

    queued: dict[str, int]
    up_to: int
    copies: int = 0

    @property
    def total(self) -> int:
        return sum(self.queued.values())


def tell(*, store: Store, settings: Settings, progress: Progress | None = None, chunk: int = CHUNK,
         analytics: Analytics | None = None) -> Told:
    """Queue the message of every step not yet told, chunk by chunk, each chunk in its own transaction. Given the
    analytical store (the units' contacts), each chunk's messages are fanned out as they are queued, in the same
    transaction (delivery.fan_out's deliveries, the messages written already handed on): no message is written
    pending only to be read back and updated (unless the store is busy: `_people`). Each chunk is read, rendered
    and its contacts found (`_read`, by a thread of its own) while the one before is written: the database takes
    the rows in while the next words are made, where the two took turns."""
    progress = progress or Silent()
    queued: dict[str, int] = {}
    copies = 0
    words: dict[tuple[str, tuple], tuple[str, str]] = {}     # values and text by event and values, whole telling
    with store.reading() as uow:
        up_to = uow.notifications.told_up_to()
    with (bulk_work(),          # a chunk's rows and messages are no cycles: no GC rescans them meanwhile
          ThreadPoolExecutor(1, thread_name_prefix="wengang-tell") as ahead):
        reading = ahead.submit(_read, store, settings, analytics, up_to, chunk, words)
        while True:
            entries, notices, people = reading.result()
            if not entries:
                break
            if people is None:
                analytics = None                    # busy: not asked again (and waited for) in this telling
            reading = ahead.submit(_read, store, settings, analytics, entries[-1].seq, chunk, words)
            with store.transaction() as uow:
                if people is None:
                    uow.notifications.add_many(notices)
                else:
                    now = uow.now()
                    ids = uow.notifications.add_fanned(notices, now)
                    copies += uow.deliveries.add_many(delivery.copies([
                        ToFanOut(i, n.uscc, n.case_id, n.recipient, n.channel)
                        for i, n in zip(ids, notices, strict=True)], people, now))
                uow.commit()
            for n in notices:
                queued[n.kind] = queued.get(n.kind, 0) + 1
            up_to = entries[-1].seq
            progress.step(f"已告知 {sum(queued.values()):,} 条 / {sum(queued.values()):,} messages queued")
    return Told(queued, up_to, copies)


def _read(store: Store, settings: Settings, analytics: Analytics | None, up_to: int, chunk: int,
          words: dict[tuple[str, tuple], tuple[str, str]],
          ) -> tuple[list[Entry], list[Notice], dict[tuple[int, str], list[SnapshotContact]] | None]:
    """The next chunk of entries after `up_to`, the messages they tell and the contacts of their units (None:
    queued pending, `_people`); read apart from the chunk's writing, as a step's audit entry is committed with the
    step (a case's state is read as the statement finds it, as it was within one transaction)."""
    with store.reading() as uow:
        entries = uow.audit.since(up_to, TOLD, chunk)
        if not entries:
            return entries, [], None
        if len(words) > WORDS_KEPT:
            words.clear()
        notices = list(_notices(uow, entries, settings, words))
        return entries, notices, _people(uow, analytics, notices)


def _people(uow: UnitOfWork, analytics: Analytics | None,
            notices: list[Notice]) -> dict[tuple[int, str], list[SnapshotContact]] | None:
    """The contacts the told units named (delivery.people_of), or None: not given the analytical store, or it is
    being written (an evaluation holds it): then the messages are queued pending and fan-out sends them on later,
    and the inbox does not wait for the store."""
    if analytics is None:
        return None
    try:
        return delivery.people_of(uow, analytics, [ToFanOut(0, n.uscc, n.case_id, n.recipient, n.channel)
                                                   for n in notices])
    except (AnalyticsBusy, AnalyticsUnreadable):
        return None


def _notices(uow: UnitOfWork, entries: list[Entry], settings: Settings,
             words: dict[tuple[str, tuple], tuple[str, str]]) -> Iterable[Notice]:
    """The message of each entry that tells a unit something, dated when the step was done (an entry that does not,
    e.g. a case opened as rejected, is passed over: the next telling starts after the last entry told). Each text is
    rendered once for its event and values (`words`): many units are told the same amount (at 100,000 units,
    63,306 identified told in 14,619 different texts), and rendering was most of the cost of telling."""
    cases = {c.id: c for c in uow.cases.tellable(e.case_id for e in entries if e.case_id is not None and _may_tell(e))}
    context = _Context(uow, settings)
    context.accounts_of([json.loads(e.data).get("payment") for e in entries
                         if e.event in ("payment_approved", "payment_paid") and e.data])
    for entry in entries:
        case = cases.get(entry.case_id) if entry.case_id is not None else None
        said = _said(entry, case, context) if case is not None else None
        if said is None or case is None:
            continue
        event, params = said
        key = (event, tuple(params.items()))        # the values as _said made them: str and int, hashable
        said_so = words.get(key)
        if said_so is None:
            values = json.dumps(params, ensure_ascii=False, default=str)
            said_so = words[key] = values, text(event, params)
        # A Notice made directly (notify.message's checks and a _replace cost two tuples a message): a portal one.
        yield Notice(case.uscc, case.id, None, "portal", event, said_so[1], _at(entry), None, said_so[0], entry.seq)


class _Context:
    """What messages are filled with beyond the case: the cycle's pack, a list's dates and label, the account a
    payment went to; each read once per chunk."""

    def __init__(self, uow: UnitOfWork, settings: Settings):
        self.uow, self.url, self.apply_days = uow, settings.public_url.rstrip("/"), settings.apply_days
        self._packs: dict[int, str] = {}
        self._batches: dict[int, tuple[PublicityBatch, int]] = {}
        self._accounts: dict[str, str] = {}

    def pack(self, case: Tellable) -> str:
        if case.cycle_id not in self._packs:
            self._packs[case.cycle_id] = self.uow.cycles.get(case.cycle_id).pack
        return self._packs[case.cycle_id]

    def batch(self, batch_id: int) -> tuple[PublicityBatch, int]:
        """The list and its order among every list that started in its year (as its public label counts)."""
        if batch_id not in self._batches:
            batch = self.uow.publicity_batches.get(batch_id)
            self._batches[batch_id] = batch, batch_order(batch, self.uow.publicity_batches.all())
        return self._batches[batch_id]

    def accounts_of(self, e2e_ids: list[str | None]) -> None:
        """The account each of these payments went to, read in one statement for the chunk."""
        wanted = [e for e in e2e_ids if e]
        if wanted:
            self._accounts.update((a.end_to_end_id, a.account_no[-4:]) for a in self.uow.payments.attempts(
                e2e_ids=wanted))

    def tail(self, e2e_id: str) -> str:
        """The last four digits of the account a payment went to (the only part a message shows)."""
        return self._accounts.get(e2e_id, "****")


def _may_tell(entry: Entry) -> bool:
    """Whether an entry can tell its unit anything (the others' cases are not read: a third of a cycle's openings
    are units found ineligible)."""
    if entry.event == "case_opened":
        return entry.to_state == State.IDENTIFIED.value or (entry.to_state == State.REVIEW.value
                                                             and not entry.reason.endswith(FOR_DEPARTMENT))
    return entry.event not in ACCEPTED or entry.to_state == State.IDENTIFIED.value


def _said(entry: Entry, case: Tellable, x: _Context) -> tuple[str, dict[str, Any]] | None:
    """The event and its values for one audit entry; None where the entry tells the unit nothing."""
    pack, amount = x.pack(case), str(case.amount)
    if entry.event in ("case_opened", *ACCEPTED) and entry.to_state == State.IDENTIFIED.value:
        return "identified", {"pack": pack, "amount": amount}
    if entry.event == "case_opened" and entry.to_state == State.REVIEW.value:
        by = beijing_date(_at(entry)) + dt.timedelta(days=x.apply_days)       # as the portal counts it
        return "application_needed", {"pack": pack, "deadline": by.isoformat(),
                                      "link": f"{x.url}/portal/cycles/{case.cycle_id}/apply"}
    if entry.event == "publicity_started" and case.batch_id is not None:
        batch, seq = x.batch(case.batch_id)
        return "listed", {"pack": pack, "amount": amount, "year": batch.starts_on.year, "seq": seq,
                          "starts": batch.starts_on.isoformat(), "ends": batch.ends_on.isoformat(),
                          "link": f"{x.url}/publicity/{batch.number}"}
    if entry.event == "objection_raised":
        return "objection_received", {}
    if entry.event in NOT_GRANTED:
        return "not_granted", _not_granted(entry, pack, f"{x.url}/portal/cycles/{case.cycle_id}")
    data = json.loads(entry.data) if entry.data and entry.event in ("payment_approved", "payment_paid") else {}
    if data.get("payment"):
        values = {"pack": pack, "amount": data.get("amount", amount), "tail": x.tail(data["payment"])}
        if entry.event == "payment_approved":
            return "approved", values
        if case.state in CAME_BACK:             # returned before it was told: the failure message says what happened
            return None
        return "paid", {**values, "day": beijing_date(_at(entry)).isoformat()}
    return None


def _not_granted(entry: Entry, pack: str, link: str) -> dict[str, Any]:
    """The reason the person wrote, and the department's name where an industry department declined."""
    data = json.loads(entry.data) if entry.data else {}
    values = {"pack": pack, "why": data.get("reason", ""), "link": link, "by_zh": "", "by_en": ""}
    dept = next((d for d in load_pack(pack).departments if d.id == data.get("department")), None)
    if dept is not None:
        values.update(by_zh=dept.name, by_en=dept.name_en)
    return values


def _at(entry: Entry) -> dt.datetime:
    """An audit entry's time (ISO text, naive UTC) as a datetime."""
    return dt.datetime.fromisoformat(entry.at.rstrip("Z"))
