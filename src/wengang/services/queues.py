"""Staff queues at any size: one page and the total of a typed query, bulk actions with one reason (each case its
own audited move under the single action's rules), and the filtered rows as xlsx with personal data masked."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from wengang.domain.audit import Draft
from wengang.domain.cases import Case, State
from wengang.domain.errors import DomainError, Refused
from wengang.domain.identifiers import mask_id, mask_phone
from wengang.domain.ports import Store
from wengang.domain.process import Application, Objection
from wengang.domain.queues import COUNT_CAP, MAX_BULK, BulkOutcome, CaseQuery, Page
from wengang.rules import sheets
from wengang.rules.sheets import Column, Sheet
from wengang.services import review

MAX_EXPORT = 100_000     # rows in one xlsx (a narrower filter for more): writing it costs ~1 s of CPU per 10,000


@dataclass(frozen=True, slots=True)
class Row:
    """A case as a queue shows it, with its pending applications and open objections where the queue is the review
    queue (a case in review while on a list may have been objected to: the reviewer sees it before deciding)."""

    case: Case
    pending: list[Application]
    objections: list[Objection] = field(default_factory=list)
    files: dict[int, int] = field(default_factory=dict)     # pending application → how many files it carries


class Totals:
    """How many cases a filter matches, kept per store while its audit chain stands still: every change to a case
    is audited, so a moved chain drops them all. Paging through a filter, or coming back to it, then reads one page
    instead of counting the cycle again (the COUNT of a state × district filter reads every case of the cycle: the
    state has no index, on purpose — bulk moves of 500,000 cases rewrite it)."""

    SIZE = 4096

    def __init__(self) -> None:
        self._kept: dict[tuple[int, CaseQuery], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, query: CaseQuery, mark: int) -> int | None:
        kept = self._kept.get((id(store), query))
        return kept[1] if kept is not None and kept[0] == mark else None

    def put(self, store: Store, query: CaseQuery, mark: int, total: int) -> None:
        with self._lock:
            if len(self._kept) >= self.SIZE:
                self._kept.clear()
            self._kept[(id(store), query)] = (mark, total)


TOTALS = Totals()


def page(query: CaseQuery, *, store: Store, applications: bool = False) -> Page[Row]:
    """The page the query asks for and how many cases match in all, counted up to COUNT_CAP: above it the page says
    "more than 10,000" (never a wrong number, never a guess), and counting stops there instead of reading the whole
    cycle on every page view. One read transaction; the total is kept while nothing changes, see Totals."""
    wanted = query.filters()
    with store.reading() as uow:
        mark = uow.audit.head()[0]              # read first, on this transaction's connection (not one kept per thread)
        cases = uow.cases.page(query)
        total = TOTALS.get(store, wanted, mark)
        if total is None:
            if not cases and query.page == 1:
                total = 0
            elif query.page == 1 and len(cases) < query.per_page:
                total = len(cases)                  # the first page holds them all: nothing to count
            else:
                total = uow.cases.count(wanted, limit=COUNT_CAP + 1)
            TOTALS.put(store, wanted, mark, total)
        pending: dict[int, list[Application]] = {}
        objected: dict[int, list[Objection]] = {}
        for a in uow.applications.of_cases([c.id for c in cases]) if applications else []:
            if a.is_pending:
                pending.setdefault(a.case_id, []).append(a)
        listed = [c.id for c in cases if c.state is State.REVIEW_LISTED] if applications else []
        for o in uow.objections.open_of_cases(listed) if listed else []:
            objected.setdefault(o.case_id, []).append(o)
        counted: dict[int, int] = {}
        waiting = [a.id for found in pending.values() for a in found]
        for f in uow.application_attachments.of_applications(waiting) if waiting else []:
            counted[f.application_id] = counted.get(f.application_id, 0) + 1
        rows = [Row(c, pending.get(c.id, []), objected.get(c.id, []),
                    {a.id: counted[a.id] for a in pending.get(c.id, []) if a.id in counted}) for c in cases]
    more = total > COUNT_CAP
    return Page(rows, COUNT_CAP if more else total, query.page, query.per_page, more=more)


def matching_ids(query: CaseQuery, *, store: Store, limit: int = MAX_BULK) -> list[int]:
    """The numbers of the cases "all that match" means, at most `limit`, in case-number order."""
    with store.reading() as uow:
        return uow.cases.ids(query.filters(), limit)


# One single action per bulk action: the same service, the same checks, its own transaction and audit entry.
ACTIONS: dict[str, Callable[..., Case]] = {
    "review.accept": lambda i, v, *, store, reason, by: review.decide(i, store=store, accept=True, reason=reason,
                                                                      by=by, expected_version=v),
    "review.reject": lambda i, v, *, store, reason, by: review.decide(i, store=store, accept=False, reason=reason,
                                                                      by=by, expected_version=v),
    "dispatch.confirm": lambda i, v, *, store, reason, by: review.confirm_dispatch(i, store=store, employer=reason,
                                                                                   by=by, expected_version=v),
    "account.release": lambda i, v, *, store, reason, by: review.confirm_account(i, store=store, note_text=reason,
                                                                                  by=by, expected_version=v),
}


def bulk(action: str, chosen: list[tuple[int, int | None]], *, reason: str, by: str, store: Store) -> BulkOutcome:
    """Apply one action with one reason to each chosen case (its number, and the version the page showed, which
    must still be current; None for "all that match"): each case moves, audited, or is refused with why. A refusal
    never stops the others and never leaves a case half-moved."""
    act = ACTIONS.get(action)
    if act is None:
        raise Refused(f"没有这个批量操作 / no bulk action {action}")
    if not reason.strip():
        raise Refused("批量操作需要写明一条理由 / a bulk action needs one reason")
    if not chosen:
        raise Refused("请先选择案件 / select at least one case")
    if len(chosen) > MAX_BULK:
        raise Refused(f"一次最多 {MAX_BULK} 件 / at most {MAX_BULK} cases at a time; narrow the filter")
    done: list[tuple[int, str]] = []
    refused: list[tuple[int, str]] = []
    for case_id, version in dict(chosen).items():
        try:
            moved = act(case_id, version, store=store, reason=reason.strip(), by=by)
            done.append((moved.id, moved.state.value))
        except DomainError as exc:
            refused.append((case_id, str(exc)))
    return BulkOutcome(done, refused)


PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def masked_text(text: str) -> str:
    """Free text with the personal data it may carry masked: mobile numbers and resident ID numbers."""
    return PHONE.sub(lambda m: mask_phone(m.group()), ID_NUMBER.sub(lambda m: mask_id(m.group()), text))


HEADER = ("案件 case", "单位名称 unit", "统一社会信用代码 credit code", "区县 district", "状态 state",
          "金额(元) amount (yuan)", "规则原因 rule reasons", "说明 why")
SHEET_COLUMNS = (Column(HEADER[0], "count", 9), Column(HEADER[1], width=34), Column(HEADER[2], width=22),
                 Column(HEADER[3], width=9), Column(HEADER[4], width=16), Column(HEADER[5], "money", 15, total=True),
                 Column(HEADER[6], width=30), Column(HEADER[7], width=40))


def export(query: CaseQuery, *, store: Store, by: str, state_words: Callable[[str], str],
           reason_words: Callable[[str], str] = str) -> tuple[bytes, int]:
    """The matching cases (all pages, at most MAX_EXPORT) as xlsx bytes; the export itself is audited."""
    wanted = query.filters()
    with store.reading() as uow:
        total = uow.cases.count(wanted)
        rows = uow.cases.page(CaseQuery(**{**_fields(wanted), "page": 1, "per_page": MAX_EXPORT}))
    title = (f"周期 {query.cycle_id} 案件 / cases of cycle {query.cycle_id}: {len(rows)} / {total}"
             + ("" if len(rows) == total else f" (最多 {MAX_EXPORT} 行 / at most {MAX_EXPORT} rows)"))
    data = sheets.workbook(Sheet("cases", title, SHEET_COLUMNS, (
        (c.id, c.name, c.uscc, c.uscc[2:8], state_words(c.state.value), c.amount, reason_words(c.reasons),
         masked_text(c.reason)) for c in rows)))
    with store.transaction() as uow:
        uow.audit.append([Draft(by, "queue_exported", f"cycle:{query.cycle_id}", reason="导出案件列表 / list exported",
                                data={"filters": _described(wanted), "rows": len(rows), "total": total})])
        uow.commit()
    return data, len(rows)


def _fields(query: CaseQuery) -> dict:
    return {name: getattr(query, name) for name in CaseQuery.__dataclass_fields__}


def _described(query: CaseQuery) -> dict:
    """The filters as an audit entry records them (states as their values)."""
    out = {k: v for k, v in _fields(query).items() if v not in (None, (), False)}
    if query.states:
        out["states"] = [s.value for s in query.states]
    return out
