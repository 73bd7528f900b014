"""Notifications: written to the outbox table in the transaction that causes them, delivered later by a channel.

A message carrying a secret (an activation code) is never stored in clear: its row shows the secret masked and keeps
the full message sealed (AES-GCM, key outside the databases) until a channel takes it, then the seal is wiped."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from wengang.domain.contact import CHANNELS, Notice, Notification
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Channel, Sealer, Store, UnitOfWork
from wengang.messages import render

SECRET_KINDS = ("activation_code", "lookup_code")     # messages that carry a code, sealed until sent


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message as a page or a channel may show it: the recipient masked, a secret masked (only sealed whole)."""

    id: int
    uscc: str | None
    case_id: int | None
    channel: str
    kind: str
    recipient: str | None
    text: str
    created_at: dt.datetime
    subject: tuple[str, str] | None = None     # a step's message: its subject and its text in each language
    said: tuple[str, str] | None = None


def message(*, kind: str, text: str, at: dt.datetime, uscc: str | None = None, case_id: int | None = None,
            recipient: str | None = None, channel: str = "portal") -> Notice:
    """The notice for one message (queued alone by notify, or many at once by notify_all)."""
    if channel not in CHANNELS:
        raise ValueError(f"未知渠道 / unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return Notice(uscc, case_id, recipient, channel, kind, text, at)


def notify(uow: UnitOfWork, *, kind: str, text: str, uscc: str | None = None, case_id: int | None = None,
           recipient: str | None = None, channel: str = "portal", params: dict[str, Any] | None = None) -> int:
    """Queue one message; it commits (or not) with the change it tells about, so none is lost or invented. With a
    template's `params` it goes to its recipient (or the unit's contacts) through the channels' providers."""
    notice = message(kind=kind, text=text, at=uow.now(), uscc=uscc, case_id=case_id, recipient=recipient,
                     channel=channel)
    if params is not None:
        notice = notice._replace(params=json.dumps(params, ensure_ascii=False, default=str))
    return uow.notifications.add(notice).id


def seal_context(kind: str, uscc: str | None) -> str:
    """What a sealed message is bound to: opened as another kind or unit's message, it does not open."""
    return f"notification:{kind}:{uscc or ''}"


def notify_secret(uow: UnitOfWork, *, kind: str, params: dict[str, Any], sealer: Sealer, uscc: str | None = None,
                  recipient: str | None = None, channel: str = "sms") -> int:
    """Queue the event's message carrying a secret (`params["code"]`): the row's text shows it masked, the whole
    message and its template's values stay sealed until a channel takes them (the row keeps no params in clear)."""
    secret = str(params.get("code") or "")
    text = render(kind, params).text
    if not secret or secret not in text:
        raise ValueError("the secret must appear in the message it is sent in")
    notice = message(kind=kind, text=text.replace(secret, "*" * len(secret)), at=uow.now(), uscc=uscc,
                     recipient=recipient, channel=channel)
    sealed = sealer.seal(json.dumps({"text": text, "recipient": recipient, "params": params}, ensure_ascii=False,
                                    default=str), seal_context(kind, uscc))
    return uow.notifications.add(notice._replace(sealed=sealed)).id


def notify_all(uow: UnitOfWork, messages: list[Notice]) -> int:
    """Queue many messages built with `message` in one bulk insert (bulk steps: returns, recoveries)."""
    return uow.notifications.add_many(messages)


def deliver(*, store: Store, channel: Channel, limit: int = 50_000, kind: str | None = None) -> int:
    """Hand pending messages (of one kind, if named) to the channel, then mark them sent and wipe their seals; a
    crash in between re-sends, never loses."""
    with store.transaction() as uow:
        pending = uow.notifications.pending(kind=kind, limit=limit, templated=False)
        sent = channel.send(_handed_over(m) for m in pending)
        uow.notifications.save_sent(m.sent(uow.now()) for m in pending)
        uow.commit()
    return sent


def send_codes(*, store: Store, channel: Channel) -> int:
    """Hand every pending code (activation, look-up) to its channel now: a person is waiting for the text. A channel
    that fails raises, and the codes stay sealed and pending for the next try."""
    return sum(deliver(store=store, channel=channel, kind=kind) for kind in SECRET_KINDS)


def for_unit(uscc: str, *, store: Store, limit: int = 100) -> list[Outgoing]:
    """A unit's own messages, newest first (what the portal shows it); recipients masked, secrets masked."""
    with store.reading() as uow:
        rows = uow.notifications.of_unit(uscc, limit=limit)
    return [_outgoing(m) for m in rows]


def _outgoing(m: Notification) -> Outgoing:
    """A message as shown: the recipient masked, a secret masked (it is only in the sealed field)."""
    subject = said = None
    if m.params:
        rendered = render(m.kind, json.loads(m.params))
        zh, _, en = rendered.subject.partition(" / ")
        subject, said = (zh, en or zh), (rendered.zh, rendered.en)
    return Outgoing(m.id, m.uscc, m.case_id, m.channel, m.kind, mask_phone(m.recipient) if m.recipient else None,
                    m.text, m.created_at, subject, said)


def _handed_over(m: Notification) -> dict[str, Any]:
    """A message as a channel gets it: shown fields, plus the sealed whole for the gateway when it carries a secret."""
    shown = _outgoing(m)
    out: dict[str, Any] = {name: getattr(shown, name) for name in Outgoing.__dataclass_fields__
                           if name not in ("subject", "said")}
    if m.sealed:
        out.update(sealed=m.sealed, seal_context=seal_context(m.kind, m.uscc))
    return out
