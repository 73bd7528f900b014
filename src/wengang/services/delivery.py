"""Delivering each step's message to the people a unit named (issue 16.3): a message told to the unit (its inbox, at
once) is fanned out to every contact on each of their channels, then handed to each channel's provider in batches.
Every copy has an idempotency key the provider dedups on, so a crash between handing over and recording sends no
text twice; a busy provider is tried again with backoff; no SMS goes out in quiet hours (22:00-08:00 Beijing) and
none to a contact who opted out; the provider's receipts say delivered or failed."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from wengang.domain.analytics import SnapshotContact
from wengang.domain.contact import HANDED_RETRY, Delivery, Handed, Receipt
from wengang.domain.days import BEIJING
from wengang.domain.ports import Analytics, Sender, Store, UnitOfWork
from wengang.domain.repositories import Due, ToFanOut
from wengang.messages import subject, worded
from wengang.services.casework import bulk_work

QUIET_FROM, QUIET_UNTIL = 22, 8         # no SMS from 22:00 to 08:00 Beijing time (issue 16)
BATCH = 2_000           # copies read, handed over and recorded together (20 requests of 100 texts for SMS)
SENT_BY_PROVIDER = ("sms", "email", "wechat")
FAN_CHUNK = 50_000      # messages fanned out a transaction (each reads its units' contacts from DuckDB once)
SAID_KEPT = 100_000     # words of messages kept by event and values while handing over (`_outgoing`)


@dataclass
class Delivered:
    """What one round of delivery did, by channel."""

    fanned: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    retried: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)          # channels kept for later (quiet hours)

    @property
    def handed(self) -> int:
        return sum(self.sent.values())


def quiet(at: dt.datetime) -> bool:
    """Whether a naive-UTC moment falls in the SMS quiet hours of Beijing."""
    hour = at.replace(tzinfo=dt.UTC).astimezone(BEIJING).hour
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def routes(contact: SnapshotContact) -> list[tuple[str, str]]:
    """Where one contact is reached: (channel, address) for each channel the contact gave (SMS unless opted out)."""
    found = []
    if contact.phone and not contact.sms_opt_out:
        found.append(("sms", contact.phone))
    if contact.email:
        found.append(("email", contact.email))
    if contact.wechat_openid:
        found.append(("wechat", contact.wechat_openid))
    return found


def fan_out(*, store: Store, analytics: Analytics, chunk: int = FAN_CHUNK) -> int:
    """Every pending templated message becomes one delivery per contact and channel (or one to the person it names,
    such as an officer on duty), in the same transaction that marks it handed on (so it is fanned out once); a unit
    that named nobody keeps its inbox message only."""
    made = 0
    while True:
        with store.transaction() as uow:
            pending = uow.notifications.to_fan_out(chunk)
            if not pending:
                return made
            now = uow.now()
            rows = copies(pending, people_of(uow, analytics, pending), now)
            uow.deliveries.add_many(rows)
            uow.notifications.fanned_out([n.id for n in pending], now)
            uow.commit()
        made += len(rows)


def people_of(uow: UnitOfWork, analytics: Analytics,
              messages: Sequence[ToFanOut]) -> dict[tuple[int, str], list[SnapshotContact]]:
    """The contacts each message's unit named, by (case, unit), read from the case's run once for all of them (a
    message to one person by name needs none). Raises AnalyticsBusy while the analytical store is being written."""
    runs = uow.cases.runs_of(n.case_id for n in messages if n.case_id is not None and not n.recipient)
    by_run: dict[str, set[str]] = {}
    for n in messages:
        if n.case_id in runs and n.uscc:
            by_run.setdefault(runs[n.case_id], set()).add(n.uscc)
    found = {(run, uscc): people for run, usccs in by_run.items()
             for uscc, people in analytics.contacts_of(sorted(usccs), run).items()}
    named: dict[tuple[int, str], list[SnapshotContact]] = {}
    for n in messages:
        if n.case_id in runs and n.uscc and (runs[n.case_id], n.uscc) in found:
            named[(n.case_id, n.uscc)] = found[(runs[n.case_id], n.uscc)]
    return named


def copies(messages: Sequence[ToFanOut], people: Mapping[tuple[int, str], list[SnapshotContact]],
           now: dt.datetime) -> list[tuple[int, str, str, str, dt.datetime, dt.datetime]]:
    """The deliveries of these messages (`Deliveries.add_many`'s rows): one per contact and channel (`people_of`),
    or one to the person a message names (an officer on duty)."""
    rows = []
    for n in messages:
        if n.recipient and n.channel in SENT_BY_PROVIDER:     # to one person (an officer on duty)
            rows.append((n.id, f"n{n.id}-{n.channel}-to", n.channel, n.recipient, now, now))
            continue
        contacts = people.get((n.case_id, n.uscc), []) if n.case_id is not None and n.uscc else []
        for i, contact in enumerate(contacts):
            rows += [(n.id, f"n{n.id}-{channel}-{i}", channel, address, now, now)
                     for channel, address in routes(contact)]
    return rows


def send_due(*, store: Store, senders: Mapping[str, Sender], batch: int = BATCH, budget: float = 50.0,
             rate: Mapping[str, float] | None = None) -> Delivered:
    """Hand every delivery whose time has come to its channel's provider, a batch at a time, until none is due or
    `budget` seconds are spent; `rate` caps messages per second per channel. While one batch is on its way to the
    provider, the next is read, and each is recorded, once its provider has answered, by a thread of its own (the
    database marks one batch while the next is read and sent); a batch goes only once the one two before it is
    recorded: a crash leaves at most two batches handed and not recorded, and those go again under the same keys
    (the provider sends each once)."""
    done, started = Delivered(), time.monotonic()
    said: dict[tuple[str, str | None], tuple[dict[str, str], str]] = {}     # words by event and values, all pages
    with (bulk_work(),          # the pages' rows, requests and answers are no cycles: no GC rescans them meanwhile
          ThreadPoolExecutor(1, thread_name_prefix="wengang-send") as hands,
          ThreadPoolExecutor(1, thread_name_prefix="wengang-record") as books):
        for channel, sender in senders.items():
            cap = (rate or {}).get(channel)
            after: tuple[dt.datetime, int] | None = None      # the last copy read: each page reads on from there
            recording: list[Future[None]] = []                # the batches handed over, oldest first, until recorded
            gate = 0.0                                        # when the next batch may go, under the rate cap
            while time.monotonic() - started < budget:
                with store.reading() as uow:
                    now = uow.now()
                    if channel == "sms" and quiet(now):
                        done.held.append(channel)
                        break
                    due = uow.deliveries.due(channel, now, batch, after)
                if not due:
                    break
                after = due[-1].dispatch.next_at, due[-1].dispatch.id
                if len(said) > SAID_KEPT:
                    said.clear()
                outgoing = [_outgoing(d, channel, said) for d in due]
                if cap:
                    time.sleep(max(0.0, gate - time.monotonic()))
                    gate = time.monotonic() + len(due) / cap
                while len(recording) >= 2:
                    recording.pop(0).result()                 # recorded (or its error raised here)
                sending = hands.submit(sender.send, outgoing)
                recording.append(books.submit(_record, store, due, sending, channel, done))
            for left in recording:
                left.result()
    return done


def _record(store: Store, due: list[Due], sending: Future[list[Handed]], channel: str, done: Delivered) -> None:
    """What the provider said of one batch, stored (a message it did not answer for is tried again later)."""
    answers = {h.key: h for h in sending.result()}
    with store.transaction() as uow:
        at = uow.now()
        handed = [d.dispatch.handed(answers.get(d.dispatch.key) or Handed(
            d.dispatch.key, HANDED_RETRY, error="no answer from the provider"), at) for d in due]
        uow.deliveries.save_handed(handed)
        uow.commit()
    for status, count in Counter(h.status for h in handed).items():      # counted in C, not a dict update a copy
        tally = done.sent if status == "sent" else done.failed if status == "failed" else done.retried
        tally[channel] = tally.get(channel, 0) + count


def _outgoing(due: Due, channel: str, said: dict[tuple[str, str | None], tuple[dict[str, str], str]]) -> Delivery:
    """A delivery as its provider gets it: the template's values in words (an operator's template is filled with
    them), the subject from the template; worked out once for each event and values (`said`: the copies of one
    message, and the many units told the same amount)."""
    words = said.get((due.event, due.params))
    if words is None:
        values = json.loads(due.params) if due.params else {}
        words = said[(due.event, due.params)] = worded(values), subject(due.event, values)
    return Delivery(due.dispatch.key, channel, due.dispatch.recipient, due.event, words[0], due.text, words[1])


def apply_receipts(receipts: Iterable[Receipt], *, store: Store) -> int:
    """A provider's receipts: each message it took is now delivered or failed (a receipt again changes nothing)."""
    with store.transaction() as uow:
        changed = uow.deliveries.apply_receipts(receipts)
        uow.commit()
    return changed


def deliver(*, store: Store, analytics: Analytics, senders: Mapping[str, Sender], budget: float = 50.0,
            rate: Mapping[str, float] | None = None) -> Delivered:
    """One round: fan out what was told, then hand over what is due."""
    fanned = fan_out(store=store, analytics=analytics)
    done = send_due(store=store, senders=senders, budget=budget, rate=rate)
    done.fanned = fanned
    return done
