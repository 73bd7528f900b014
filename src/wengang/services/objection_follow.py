"""A public objector follows the outcome by a reference: an HMAC of the objection's number (nothing stored, nothing
guessable), showing where it stands and the decision's reason, and no one's personal data."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

from wengang.domain.errors import NotFound
from wengang.domain.identifiers import mask_phone
from wengang.domain.ports import Store
from wengang.services import objections
from wengang.services.public import batch_label

MAC_CHARS = 16                                  # 80 bits of the HMAC: no one finds another's by trying
REFERENCE = re.compile(r"^(\d{1,12})-([A-Z2-7]{16})$")
UNKNOWN = ("没有这个异议查询号, 请核对后重新输入 / no objection has this reference; check it and try again")


@dataclass(frozen=True, slots=True)
class Followed:
    """An objection as its reference shows it: the list and unit it is about (public already), its status, the
    decision's reason and day, the contact masked; never the objector's name or text."""

    reference: str
    batch: str
    label: str
    unit: str
    raised_on: dt.date
    status: str
    decided_at: dt.datetime | None
    reason: str | None
    contact: str


def _mac(objection_id: int, key: bytes) -> str:
    """The HMAC of the objection's number under the app's reference key, as 16 characters that read aloud."""
    digest = hmac.new(key, f"objection:{objection_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:MAC_CHARS]


def reference(objection_id: int, key: bytes) -> str:
    """The reference the objector is given: the objection's number and its HMAC."""
    return f"{objection_id}-{_mac(objection_id, key)}"


def raise_public(batch_ref: str, uscc: str, *, store: Store, key: bytes, contact: str, text: str,
                 raised_on: dt.date, objector: str | None = None) -> tuple[objections.Raised, str]:
    """Record a public objection (the phone is checked first: a bad one stores nothing) and give its reference."""
    done = objections.add(batch_ref, uscc, store=store, contact=contact, text=text, objector=objector,
                          raised_on=raised_on)
    return done, reference(done.id, key)


def follow(ref: str, *, store: Store, key: bytes) -> Followed:
    """Where the objection of this reference stands; NotFound (the same words whatever is wrong) otherwise."""
    ref = ref.strip().upper()
    found = REFERENCE.match(ref)
    if not found or not hmac.compare_digest(found.group(2), _mac(int(found.group(1)), key)):
        raise NotFound(UNKNOWN)
    with store.reading() as uow:
        try:
            objection = uow.objections.get(int(found.group(1)))
        except NotFound:
            raise NotFound(UNKNOWN) from None
        batch = uow.publicity_batches.get(objection.batch_id)
        label = batch_label(batch, uow.publicity_batches.all())
        case = uow.cases.get(objection.case_id)
    return Followed(ref, batch.number, label, case.name if case else "", objection.raised_on, objection.status.value,
                    objection.decided_at, objection.decision_reason, mask_phone(objection.contact))
