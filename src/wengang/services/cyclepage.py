"""The cycle pages: where each cycle stands in one word, its cases per state, and exactly the stages legal now (one
button each), so a clerk runs a whole cycle in the browser; and the checks a form passes before the worker gets it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from wengang.domain.cases import State
from wengang.domain.days import beijing_date
from wengang.domain.errors import Refused
from wengang.domain.jobs import Job, JobKind, JobState
from wengang.domain.payment_batches import PaymentBatch
from wengang.domain.ports import Analytics, Store
from wengang.rules.parameters import PackError, load_pack
from wengang.rules.programmes import first_in_line, programme_of
from wengang.rules.resolved import Resolved
from wengang.services import cycles, jobs, payments, reconcile
from wengang.services.cycles import CycleStatus
from wengang.snapshot.schema import FILES

S = State
# The stages a worker runs (the rest are short and run in the request).
JOB_OF = {"compare": JobKind.COMPARE, "publicity.start": JobKind.PUBLICITY_START, "reverify": JobKind.REVERIFY,
          "batch.prepare": JobKind.PREPARE_BATCHES}
WAITING = ("prepared", "sent_back")           # a payment batch not yet approved (nor cancelled)
SNAPSHOT_NAMES = frozenset(f.name for f in FILES)
RETURN_SUFFIXES = (".xml", ".csv")
UPLOAD = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")      # the folder name an upload is saved under


@dataclass(frozen=True)
class Stage:
    """A step legal now: its name (words and button), the permission it needs, and what it acts on (a list's
    number, the batches whose files are written)."""

    name: str
    permission: str
    ref: str = ""


@dataclass
class CyclePage:
    """One cycle as its page shows it."""

    status: CycleStatus
    phase: str
    today: dt.date
    stages: list[Stage]
    payment_batches: list[PaymentBatch]
    jobs: list[Job]
    waiting_reverification: int

    @property
    def by_state(self) -> list[tuple[str, int, Decimal]]:
        """Cases and money per state, in the order a case goes (the State enum's)."""
        counts = self.status.counts
        return [(st.value, *counts[st.value]) for st in State if st.value in counts]

    @property
    def active_job(self) -> Job | None:
        return next((j for j in self.jobs if j.active), None)

    @property
    def bank_files(self) -> list[Job]:
        """The recent jobs that wrote this cycle's bank files and are done, newest first: each offers its download."""
        return [j for j in self.jobs if j.kind is JobKind.WRITE_BANK_FILES and j.state is JobState.DONE]

    def stage(self, name: str, ref: str = "") -> Stage:
        """The stage if it is legal now, else Refused in words (nothing is done)."""
        for s in self.stages:
            if s.name == name and (not ref or s.ref == ref):
                return s
        raise Refused(f"周期 {self.status.cycle.id} 现在不能办理此步骤 (请刷新周期页) / this step is not open on cycle "
                      f"{self.status.cycle.id} now: reload the cycle page")


@dataclass(frozen=True)
class CycleRow:
    """A cycle in the list: its phase, how many cases, and the money of every case not turned down."""

    status: CycleStatus
    phase: str
    amount: Decimal


def _n(counts: dict[str, tuple[int, Decimal]], *states: State) -> int:
    return sum(counts.get(s.value, (0, Decimal(0)))[0] for s in states)


def phase(status: CycleStatus, batches: list[PaymentBatch], waiting: int) -> str:
    """Where the cycle stands, first match wins: the word a clerk reads (web/words.py phase.*)."""
    c, counts = status.cycle, status.counts
    if c.cancelled:
        return "cancelled"
    if len(status.rounds) < c.rounds_required and not status.batches:
        return "comparison"
    if any(b.is_open for b in status.batches):
        return "publicity"
    if waiting or _n(counts, S.OBJECTION):
        return "reverification"
    if any(b.status in (*WAITING, "approved") for b in batches):
        return "approval"
    if _n(counts, S.APPROVED, S.REISSUED):
        return "with-bank"
    if _n(counts, S.REVERIFIED):
        return "payment"
    if _n(counts, S.FAILED):
        return "failed"
    if _n(counts, S.IDENTIFIED):
        return "publicity-due"
    if _n(counts, S.REVIEW, S.REVIEW_LISTED, S.DISPATCH, S.ACCOUNT_HELD):
        return "gates"
    return "done"


def _stages(status: CycleStatus, batches: list[PaymentBatch], waiting: int, today: dt.date,
            busy: bool, planned: bool = False) -> Iterable[Stage]:
    c, counts = status.cycle, status.counts
    if c.cancelled:
        return
    compared = len(status.rounds) >= c.rounds_required
    if not busy:
        if not compared and not status.batches:
            yield Stage("compare", "cycle.run", str(len(status.rounds) + 1))
        if compared and (_n(counts, S.IDENTIFIED) or planned):
            yield Stage("publicity.plan", "publicity.run")
        if compared and _n(counts, S.IDENTIFIED) and not planned:      # a plan starts its own batches, on their days
            yield Stage("publicity.start", "publicity.run")
    for b in status.batches:
        if b.is_open and b.ends_on < today:
            yield Stage("publicity.close", "publicity.run", b.number)
    if not busy and waiting:
        yield Stage("reverify", "cycle.run")
    if not busy and _n(counts, S.REVERIFIED) and not any(b.status in WAITING for b in batches):
        yield Stage("batch.prepare", "batch.prepare")
    approved = [b.number for b in batches if b.status == "approved"]
    if approved:
        yield Stage("batch.files", "batch.files", ", ".join(approved))
    if any(b.status == "sent" for b in batches):
        yield Stage("bank.returns", "bank.reconcile")
    if _n(counts, S.FAILED):
        yield Stage("recover", "payments.recover")
    if not busy and all(b.status == "cancelled" for b in batches):
        yield Stage("cancel", "cycle.run")


def page(cycle_id: int, *, store: Store) -> CyclePage:
    """The cycle with its rounds, lists, payment batches, recent jobs and the stages legal today (Beijing)."""
    status = cycles.status(cycle_id, store=store)
    with store.reading() as uow:
        today = beijing_date(uow.now())
        closed = [b.id for b in status.batches if not b.is_open]
        waiting = sum(len(list(uow.cases.of_cycle(cycle_id, [S.PUBLICITY], batch_id=b, limit=1))) for b in closed)
        planned = any(not p.started for p in uow.planned_batches.of_cycle(cycle_id))
    batches = payments.list_batches(store=store, cycle_id=cycle_id)
    recent = jobs.recent(store=store, limit=10, cycle_id=cycle_id)
    busy = any(j.active for j in recent)
    return CyclePage(status, phase(status, batches, waiting), today,
                     list(_stages(status, batches, waiting, today, busy, planned)), batches, recent, waiting)


def rows(*, store: Store) -> list[CycleRow]:
    """Every cycle, newest first, with its phase and its cases counted (one count per cycle)."""
    out = []
    found = cycles.list_cycles(store=store)                 # VIP first, then as opened: shown VIP first, newest next
    vip = [c for c in found if first_in_line(c.program) and not c.cancelled]
    for cycle in vip + [c for c in reversed(found) if c not in vip]:
        status = cycles.status(cycle.id, store=store)
        batches = payments.list_batches(store=store, cycle_id=cycle.id)
        amount = sum((a for s, (_, a) in status.counts.items() if s != S.REJECTED.value), start=Decimal("0.00"))
        out.append(CycleRow(status, phase(status, batches, 0), amount))
    return out


def check_open(snapshot_id: str, pack_id: str, as_of: dt.date, *, analytics: Analytics, store: Store,
               program: str | None = None) -> None:
    """Refused, in words, unless the snapshot is stored and its contributions cover the pack's whole base year,
    the date lies after that year, the region has supplied every value the programme needs, and the programme has
    no live cycle on the pack. Changes nothing."""
    if analytics.find_snapshot(snapshot_id) is None:
        raise Refused(f"没有这个快照 / no snapshot {snapshot_id!r}: import it first")
    try:
        pack = load_pack(pack_id)
        programme_of(pack).check(Resolved(pack, as_of))
    except PackError as err:
        raise Refused(str(err)) from None
    base, program = pack.base_year, program or cycles.programme_for(pack_id)     # relief: refused, in words
    months = analytics.contribution_months(snapshot_id)
    if months is None or months[0] > f"{base}-01" or months[1] < f"{base}-12":
        held = f"{months[0]} 至 {months[1]}" if months else "无"
        held_en = f"from {months[0]} to {months[1]}" if months else "none"
        raise Refused(f"快照 {snapshot_id} 的缴费月份为 {held}, 未覆盖政策包 {pack_id} 的基准年 {base} 年全年 "
                      f"({base}-01 至 {base}-12), 未开启周期 / snapshot {snapshot_id} holds contribution months "
                      f"{held_en}, which do not cover the base year {base} of pack {pack_id} ({base}-01 to "
                      f"{base}-12): no cycle was opened")
    if as_of.year <= base:
        raise Refused(f"评估日 {as_of} 应在基准年 {base} 年之后 / the evaluation date {as_of} must come after the "
                      f"base year {base}")
    with store.reading() as uow:
        if uow.cycles.of_program(program, pack_id) is not None:
            raise Refused(f"政策包 {pack_id} 已有周期, 如需重开请先撤销 / pack {pack_id} already has a live cycle: "
                          "cancel it first to open it again")


def recover(cycle_id: int, deadline: dt.date, *, store: Store, by: str) -> int:
    """Recovery after the deadline as of today in Beijing (the store's clock); how many cases were recovered."""
    with store.reading() as uow:
        today = beijing_date(uow.now())
    return len(reconcile.recover(cycle_id, store=store, deadline=deadline, today=today, by=by))


def save_upload(files: list[tuple[str, BinaryIO]], root: Path, *, allowed: str) -> Path:
    """Uploaded files saved in a new folder under `root` (its name: when, and a random part), each under its own
    base name; refused before anything is written when a name is not one this upload takes (`allowed`: "snapshot"
    for DATA.md's files, "returns" for bank return files)."""
    names = [Path(name or "").name for name, _ in files]
    if not names or any(not _fits(n, allowed) for n in names):
        raise Refused(_wrong_names(allowed, names))
    if allowed == "snapshot" and not {"employers", "contributions"} <= {Path(n).stem for n in names}:
        raise Refused("快照须包含 employers 和 contributions 两个文件 / a snapshot needs its employers and "
                      "contributions files")
    if len(set(names)) != len(names):
        raise Refused("同名文件上传了两次 / the same file name was given twice")
    folder = root / f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    for name, (_, stream) in zip(names, files, strict=True):
        with (folder / name).open("wb") as out:
            while chunk := stream.read(1 << 20):
                out.write(chunk)
    return folder


def upload_folder(root: Path, token: str) -> Path:
    """The folder an earlier upload was saved in, by the name the preview carried; refused for any other name."""
    folder = root / token
    if not UPLOAD.match(token) or not folder.is_dir():
        raise Refused("上传的文件已不在, 请重新上传 / the uploaded files are gone: upload them again")
    return folder


def _fits(name: str, allowed: str) -> bool:
    path = Path(name)
    if allowed == "snapshot":
        return path.suffix.lower() in (".csv", ".parquet") and path.stem in SNAPSHOT_NAMES
    return path.suffix.lower() in RETURN_SUFFIXES and not name.startswith(".")


def _wrong_names(allowed: str, names: list[str]) -> str:
    if allowed == "snapshot":
        known = ", ".join(sorted(SNAPSHOT_NAMES))
        return (f"快照文件名应为 {known} 之一, 扩展名 .csv 或 .parquet / a snapshot file is named one of {known}, "
                f"as .csv or .parquet (given: {', '.join(names) or '—'})")
    return (f"银行回执应为 pain.002 / camt.054 (.xml) 或 CSV 文件 / bank return files are pain.002 or camt.054 (.xml) "
            f"or CSV (given: {', '.join(names) or '—'})")
