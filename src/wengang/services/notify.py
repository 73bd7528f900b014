"""Notifications: written to the outbox table in the transaction that causes them, delivered later by a channel.

A message carrying a secret (an activation code) is never stored in clear: its row shows the secret masked and keeps
the full message sealed (AES-GCM, key outside the databases) until a channel takes it, then the seal is wiped."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Channel, Sealer, Store, UnitOfWork

CHANNELS = ("sms", "wechat", "portal", "email")


def message(*, kind: str, text: str, at: dt.datetime, uscc: str | None = None, case_id: int | None = None,
            recipient: str | None = None, channel: str = "portal") -> dict[str, Any]:
    """The outbox row for one message (queued alone by notify, or many at once by notify_all)."""
    if channel not in CHANNELS:
        raise ValueError(f"未知渠道 / unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return {"uscc": uscc, "case_id": case_id, "recipient": recipient, "channel": channel, "kind": kind,
            "text": text, "status": "pending", "created_at": at, "sealed": None}


def notify(uow: UnitOfWork, *, kind: str, text: str, uscc: str | None = None, case_id: int | None = None,
           recipient: str | None = None, channel: str = "portal") -> int:
    """Queue one message; it commits (or not) with the change it tells about, so none is lost or invented."""
    return uow.records.add("notification", message(kind=kind, text=text, at=uow.now(), uscc=uscc, case_id=case_id,
                                                   recipient=recipient, channel=channel))


def seal_context(kind: str, uscc: str | None) -> str:
    """What a sealed message is bound to: opened as another kind or unit's message, it does not open."""
    return f"notification:{kind}:{uscc or ''}"


def notify_secret(uow: UnitOfWork, *, kind: str, text: str, secret: str, sealer: Sealer, uscc: str | None = None,
                  recipient: str | None = None, channel: str = "sms") -> int:
    """Queue a message that carries a secret: the row's text shows it masked, the whole message stays sealed."""
    if not secret or secret not in text:
        raise ValueError("the secret must appear in the message it is sent in")
    row = message(kind=kind, text=text.replace(secret, "*" * len(secret)), at=uow.now(), uscc=uscc,
                  recipient=recipient, channel=channel)
    row["sealed"] = sealer.seal(json.dumps({"text": text, "recipient": recipient}, ensure_ascii=False),
                                seal_context(kind, uscc))
    return uow.records.add("notification", row)


def notify_all(uow: UnitOfWork, messages: list[dict[str, Any]]) -> int:
    """Queue many messages built with `message` in one insert (bulk steps: returns, recoveries)."""
    return uow.records.add_many("notification", messages)


def deliver(*, store: Store, channel: Channel, limit: int = 50_000, kind: str | None = None) -> int:
    """Hand pending messages (of one kind, if named) to the channel, then mark them sent and wipe their seals; a
    crash in between re-sends, never loses."""
    with store.transaction() as uow:
        pending = uow.records.find("notification", status="pending", **({"kind": kind} if kind else {}))[:limit]
        sent = channel.send(_handed_over(m) for m in pending)
        for m in pending:
            uow.records.update("notification", m["id"], {"status": "sent", "sent_at": uow.now(), "sealed": None},
                               status="pending")
        uow.commit()
    return sent


def for_unit(uscc: str, *, store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """A unit's own messages, newest first (what the portal shows it); recipients masked, secrets masked."""
    with store.reading() as uow:
        rows = uow.records.find("notification", uscc=uscc)
    return [_outgoing(m) for m in reversed(rows[-limit:])]


def _outgoing(m: dict[str, Any]) -> dict[str, Any]:
    """A message as shown: the recipient masked, a secret masked (it is only in the sealed field)."""
    return {"id": m["id"], "uscc": m["uscc"], "case_id": m["case_id"], "channel": m["channel"],
            "kind": m["kind"], "recipient": mask_phone(m["recipient"]) if m["recipient"] else None,
            "text": m["text"], "created_at": m["created_at"]}


def _handed_over(m: dict[str, Any]) -> dict[str, Any]:
    """A message as a channel gets it: shown fields, plus the sealed whole for the gateway when it carries a secret."""
    out = _outgoing(m)
    if m.get("sealed"):
        out.update(sealed=m["sealed"], seal_context=seal_context(m["kind"], m["uscc"]))
    return out
