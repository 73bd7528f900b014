"""What anyone may read without signing in: the policy guide of each pack and the publicity lists, searchable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from wengang.domain.cases import LISTED, State
from wengang.domain.errors import NotFound
from wengang.domain.ports import Store
from wengang.domain.process import PublicityBatch
from wengang.domain.queues import case_query
from wengang.rules.parameters import PackError, load_pack, pack_ids
from wengang.services.publicity import ratio_text

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class PackListed:
    """A policy pack as the public list of packs shows it."""

    id: str
    title: str
    title_en: str
    base_year: int


def packs() -> list[PackListed]:
    """Every policy pack with its title and base year (packs that do not load are left out, not shown broken)."""
    out = []
    for pack_id in pack_ids():
        try:
            pack = load_pack(pack_id)
        except PackError:
            continue
        out.append(PackListed(pack.id, pack.title, pack.title_en, pack.base_year))
    return out


@dataclass(frozen=True, slots=True)
class DatedValue:
    """One value of a parameter from the day it starts, and the document that set it."""

    start: dt.date
    value: str
    reference: str


@dataclass(frozen=True, slots=True)
class GuideParameter:
    """A parameter of a pack as the guide shows it: its dated values, and those of regions that differ."""

    name: str
    label: str
    values: list[DatedValue]
    regions: dict[str, list[DatedValue]]


@dataclass(frozen=True, slots=True)
class Guide:
    """A policy pack as a guide: what it is, the documents behind it, and every parameter."""

    id: str
    title: str
    title_en: str
    base_year: int
    references: list[str]
    lineage: list[str]
    parameters: list[GuideParameter]


def guide(pack_id: str) -> Guide:
    """A pack as a guide: every parameter with its dated values and the document behind each."""
    if pack_id not in pack_ids():
        raise NotFound(f"没有这个政策包 / no policy pack {pack_id!r}")
    try:
        pack = load_pack(pack_id)
    except PackError as err:
        raise NotFound(str(err)) from None

    def dated(series) -> list[DatedValue]:
        return [DatedValue(d.start, _shown(d.value), d.reference) for d in series]

    return Guide(pack.id, pack.title, pack.title_en, pack.base_year, list(pack.references), list(pack.lineage),
                 [GuideParameter(p.name, p.label, dated(p.values),
                                 {prefix: dated(series) for prefix, series in sorted(p.regions.items())})
                  for p in sorted(pack.parameters.values(), key=lambda p: p.name)])


def _shown(value: Any) -> str:
    """A parameter value as text: lists joined, Decimals as written."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class PublicList:
    """A publicity list as anyone sees it: its plain label, period, size, and whether objections are still taken."""

    number: str
    cycle_id: int
    pack: str
    starts_on: dt.date
    ends_on: dt.date
    days: int
    entries: int
    open: bool
    closed_on: dt.date | None
    label: str = ""


@dataclass(frozen=True, slots=True)
class ListHead:
    """The head of a list's page: which list (its plain label and programme), its period and size, whether it
    takes objections."""

    number: str
    starts_on: dt.date
    ends_on: dt.date
    entries: int
    open: bool
    label: str = ""
    pack: str = ""


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One public line of a list: public columns only, and whether someone objected to it."""

    no: int
    name: str
    uscc: str
    ratio: str
    amount: Decimal
    batch: str
    objected: bool


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a list for a query: how many match, how many pages, and whether a next page exists."""

    batch: ListHead
    query: str
    page: int
    size: int
    rows: list[ListEntry]
    has_next: bool
    total: int = 0
    pages: int = 1


def batch_label(batch: PublicityBatch, every: list[PublicityBatch]) -> str:
    """A list as the public names it: "2021年第1批", the year it was published and its order among that year's lists
    (the internal number stays in the address only)."""
    return batch_words(batch, every)[0]


def batch_words(batch: PublicityBatch, every: list[PublicityBatch]) -> tuple[str, str]:
    """The list's label in Chinese and in English: "2021年第1批" / "list 1 of 2021"."""
    order = batch_order(batch, every)
    return f"{batch.starts_on.year}年第{order}批", f"list {order} of {batch.starts_on.year}"


def batch_order(batch: PublicityBatch, every: list[PublicityBatch]) -> int:
    """Where a list stands among every list published in its year (1 = the first)."""
    same_year = sorted((b.starts_on, b.id) for b in every if b.starts_on.year == batch.starts_on.year)
    return same_year.index((batch.starts_on, batch.id)) + 1


def batches(*, store: Store) -> list[PublicList]:
    """Every publicity list, newest first, with its label, period and whether objections are still taken."""
    with store.reading() as uow:
        cycles = {c.id: c for c in uow.cycles.all()}
        rows = uow.publicity_batches.all()
    return [PublicList(b.number, b.cycle_id, cycles[b.cycle_id].pack, b.starts_on, b.ends_on, b.days, b.entries,
                       b.is_open, b.closed_on, batch_label(b, rows)) for b in reversed(rows)]


def list_page(batch_ref: str, *, store: Store, query: str = "", page: int = 1, size: int | None = None) -> ListPage:
    """One page of a list: a query is part of a name or the start of a credit code, found through the cases'
    search indexes (the same query path as the staff queues), with the total and the number of pages; a page past
    the last shows the last."""
    query, size = query.strip(), size or PAGE_SIZE
    with store.reading() as uow:
        batch = uow.publicity_batches.by_ref(batch_ref)
        every = uow.publicity_batches.all()
        pack = uow.cycles.get(batch.cycle_id).pack
        wanted = replace(case_query(batch.cycle_id, states=sorted(LISTED), q=query or None), per_page=size,
                         batch_id=batch.id)
        total = uow.cases.count(wanted)
        pages = max(1, -(-total // size))
        wanted = replace(wanted, page=min(max(1, page), pages))
        shown = uow.cases.page(wanted)
        in_review = [c.id for c in shown if c.state is State.REVIEW_LISTED]     # objected to, yet still in review
        objected = {o.case_id for o in uow.objections.open_of_cases(in_review)} if in_review else set()
    first = wanted.offset
    rows = [ListEntry(first + i + 1, c.name, c.uscc,
                      "" if c.ratio_units is None else ratio_text(c.ratio_units), c.amount, batch.number,
                      c.state is State.OBJECTION or c.id in objected) for i, c in enumerate(shown)]
    head = ListHead(batch.number, batch.starts_on, batch.ends_on, batch.entries, batch.is_open,
                    batch_label(batch, every), pack)
    return ListPage(head, query, wanted.page, size, rows, wanted.page < pages, total, pages)
