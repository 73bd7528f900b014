"""Notifications: written to the outbox table in the transaction that causes them, delivered later by a channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Channel, Store, UnitOfWork

CHANNELS = ("sms", "wechat", "portal", "email")


def message(*, kind: str, text: str, at: dt.datetime, uscc: str | None = None, case_id: int | None = None,
            recipient: str | None = None, channel: str = "portal") -> dict[str, Any]:
    """The outbox row for one message (queued alone by notify, or many at once by notify_all)."""
    if channel not in CHANNELS:
        raise ValueError(f"未知渠道 / unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return {"uscc": uscc, "case_id": case_id, "recipient": recipient, "channel": channel, "kind": kind,
            "text": text, "status": "pending", "created_at": at}


def notify(uow: UnitOfWork, *, kind: str, text: str, uscc: str | None = None, case_id: int | None = None,
           recipient: str | None = None, channel: str = "portal") -> int:
    """Queue one message; it commits (or not) with the change it tells about, so none is lost or invented."""
    return uow.records.add("notification", message(kind=kind, text=text, at=uow.now(), uscc=uscc, case_id=case_id,
                                                   recipient=recipient, channel=channel))


def notify_all(uow: UnitOfWork, messages: list[dict[str, Any]]) -> int:
    """Queue many messages built with `message` in one insert (bulk steps: returns, recoveries)."""
    return uow.records.add_many("notification", messages)


def deliver(*, store: Store, channel: Channel, limit: int = 50_000) -> int:
    """Hand pending messages to the channel, then mark them sent; a crash in between re-sends, never loses."""
    with store.transaction() as uow:
        pending = uow.records.find("notification", status="pending")[:limit]
        sent = channel.send(_outgoing(m) for m in pending)
        for m in pending:
            uow.records.update("notification", m["id"], {"status": "sent", "sent_at": uow.now()}, status="pending")
        uow.commit()
    return sent


def for_unit(uscc: str, *, store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """A unit's own messages, newest first (what the portal shows it); recipients masked."""
    with store.reading() as uow:
        rows = uow.records.find("notification", uscc=uscc)
    return [_outgoing(m) for m in reversed(rows[-limit:])]


def _outgoing(m: dict[str, Any]) -> dict[str, Any]:
    return {"id": m["id"], "uscc": m["uscc"], "case_id": m["case_id"], "channel": m["channel"],
            "kind": m["kind"], "recipient": mask_phone(m["recipient"]) if m["recipient"] else None,
            "text": m["text"], "created_at": m["created_at"]}
