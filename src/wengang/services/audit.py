"""Read the audit chain: verify every entry against its keyed hash, its predecessor and the checkpoints kept outside
the database, and show one case's history."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from wengang.domain.audit import Entry, Problem, verify
from wengang.domain.audit_anchors import last_seq, of_chain
from wengang.domain.cases import Case
from wengang.domain.errors import NotFound
from wengang.domain.ports import Store
from wengang.domain.process import Application, Objection, Reverification
from wengang.domain.progress import Progress, Silent
from wengang.services.casework import bulk_work
from wengang.services.objections import masked

REPORTED = 100  # problems listed at most; the count is always complete


@dataclass
class Verification:
    """The outcome of `audit verify`: entries read, the problems found (each naming its entry or checkpoint line),
    time taken, and what was checked how: entries before the key (plain sha256), checkpoints outside the database,
    and the newest entries no checkpoint covers yet (a crash between commit and checkpoint leaves some)."""

    entries: int
    problems: list[Problem]
    total_problems: int
    seconds: float
    keyed_from: int = 1
    unkeyed: int = 0
    anchors: int | None = None          # this chain's checkpoints checked; None: no anchor folder wired
    anchor_files: int = 0
    last_anchor_seq: int = 0
    last_anchor_at: str | None = None
    unanchored: int = 0

    @property
    def ok(self) -> bool:
        return self.total_problems == 0


def verify_log(*, store: Store, progress: Progress | None = None) -> Verification:
    """Walk the whole chain in one read transaction against the key and the checkpoints outside the database; the
    head row and the checkpoints catch entries cut from the end."""
    progress = progress or Silent()
    started = time.perf_counter()
    problems: list[Problem] = []
    total, read, unkeyed = 0, 0, 0

    def note(found) -> None:
        nonlocal total
        for problem in found:
            total += 1
            if len(problems) < REPORTED:
                problems.append(problem)

    # Checkpoints first: every one a commit wrote before this moment names an entry the read below will see.
    lines, line_problems, files = store.anchors.read() if store.anchors is not None else ([], [], 0)
    with store.reading() as uow, bulk_work():
        head, key = uow.audit.state(), uow.audit.key
        anchored, chain_problems = of_chain(lines, chain=head.chain, keyed_from=head.keyed_from)
        progress.step(f"核验审计链 / verifying {head.seq:,} audit entries and {len(lines):,} checkpoints")

        def counted():
            nonlocal read, unkeyed
            for row in uow.audit.entries():
                read += 1
                unkeyed += row[0] < head.keyed_from
                if read % 100_000 == 0:
                    progress.advance(read, head.seq)
                yield row

        if key is None and head.seq >= head.keyed_from:
            note([Problem(head.keyed_from, "no-key", "没有审计密钥, 无法核验 / no audit key: the keyed entries "
                          "cannot be checked (open the store through bootstrap, with WENGANG_KEY_FILE)")])
        else:
            note(verify(counted(), head=head[:2], key=key, keyed_from=head.keyed_from, anchored=anchored))
        progress.advance(read, max(head.seq, read))
    note(line_problems + chain_problems)
    last = last_seq(anchored)
    return Verification(read, problems, total, time.perf_counter() - started, head.keyed_from, unkeyed,
                        None if store.anchors is None else sum(map(len, anchored.values())), files, last,
                        anchored[last][-1].at if last else None, max(0, head.seq - last))


@dataclass
class CaseHistory:
    """A case, every audit entry about it, and its applications, objections and re-verifications (masked)."""

    case: Case
    entries: list[Entry]
    applications: list[Application] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    reverifications: list[Reverification] = field(default_factory=list)


def history(case_id: int, *, store: Store) -> CaseHistory:
    """Everything that happened to one case, for staff and the auditor: contacts and objectors' names masked."""
    with store.reading() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"没有这个案件 / no case {case_id}")
        return CaseHistory(case, uow.audit.for_case(case_id), uow.applications.of_case(case_id),
                           [masked(o) for o in uow.objections.of_case(case_id)],
                           uow.reverifications.of_case(case_id))
