"""The commitment letter (承诺书) of an application as filed, and its attachments: for the unit its own only, for
staff with the review permission any. The web layer words the letter and documents.pdf prints it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wengang.domain.attachments import ApplicationAttachment
from wengang.domain.errors import NotFound
from wengang.domain.ports import AttachmentFiles, Store
from wengang.domain.process import Application
from wengang.services.portal import claimed_words


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """An application as its letter states it: the unit, the cycle, the facts claimed, the files, the text signed."""

    application: Application
    attachments: tuple[ApplicationAttachment, ...]
    cycle_id: int
    program: str
    pack: str
    name: str
    uscc: str
    claimed: tuple[tuple[str, str, str], ...]

    @property
    def signed_at(self) -> dt.datetime:
        """When the letter was signed (filed): naive UTC, as the store keeps it."""
        return self.application.filed_at


def _none(application_id: int) -> NotFound:
    return NotFound(f"申请 #{application_id} 不存在 / no application #{application_id}")


def _letter(application_id: int, store: Store) -> LetterFacts:
    with store.reading() as uow:
        try:
            app = uow.applications.get(application_id)
        except NotFound:
            raise _none(application_id) from None
        case = uow.cases.get(app.case_id)
        if case is None:
            raise _none(application_id)
        cycle = uow.cycles.get(case.cycle_id)
        files = tuple(uow.application_attachments.of_applications([app.id]))
    return LetterFacts(app, files, cycle.id, cycle.program, cycle.pack, case.name, case.uscc,
                       claimed_words(app.claimed_facts))


def own_letter(uscc: str, cycle_id: int, *, store: Store) -> LetterFacts:
    """The unit's own newest application in the cycle (the unit names only the cycle: never an id), or NotFound."""
    with store.reading() as uow:
        case = uow.cases.find(cycle_id, uscc)
        filed = uow.applications.of_case(case.id) if case is not None else []
    if not filed:
        raise NotFound(f"本单位在周期 {cycle_id} 中没有申请 / your unit has no application in cycle {cycle_id}")
    return _letter(max(a.id for a in filed), store)


def letter(application_id: int, *, store: Store) -> LetterFacts:
    """Any application's letter (staff with the review permission)."""
    return _letter(application_id, store)


def attachment(application_id: int, sha256: str, *, store: Store,
               files: AttachmentFiles) -> tuple[ApplicationAttachment, bytes]:
    """One attachment of the application and its bytes (staff with the review permission), or NotFound."""
    found = _letter(application_id, store)
    row = next((a for a in found.attachments if a.sha256 == sha256), None)
    if row is None:
        raise NotFound(f"申请 #{application_id} 没有该附件 / application #{application_id} has no such attachment")
    return row, files.get(row.sha256)
