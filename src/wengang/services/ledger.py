"""`wengang ledger check`: replay every stored posting through the domain's rules and compare with the attempts; the
books per batch, per programme's sub-account of the fund (named in words) and in total."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from wengang.domain.ledger import Account, Kind, Ledger, LedgerOutOfBalance, Leg, Totals, Transaction
from wengang.domain.ports import Store
from wengang.services.combination import programme_words

ZERO = Decimal("0.00")
NO_TOTALS = Totals(ZERO, ZERO, ZERO, ZERO, ZERO)


class SubAccount(NamedTuple):
    """One programme's sub-account of the fund (or, programme None, all of them): its name in words (Chinese,
    English), the balance of each account (fund, payable, paid, returned) and its totals."""

    program: str | None
    name: tuple[str, str]
    balances: dict[Account, Decimal]
    totals: Totals


def _sub_account(ledger: Ledger, program: str | None) -> SubAccount:
    name = programme_words(program) if program is not None else ("合计", "total")
    return SubAccount(program, name, {a: ledger.balance(a, program=program) for a in Account},
                      ledger.totals(program=program))


@dataclass
class LedgerReport:
    """Totals per batch and in all, and every problem found (empty when the books are right)."""

    batches: dict[str, Totals] = field(default_factory=dict)
    total: Totals | None = None
    programmes: dict[str, SubAccount] = field(default_factory=dict)       # by programme id, in id order
    whole: SubAccount | None = None                                       # every sub-account together
    postings: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fund_of(self, program: str) -> SubAccount:
        """A programme's sub-account; all zeros while nothing of it was posted."""
        found = self.programmes.get(program)
        return found or SubAccount(program, programme_words(program), dict.fromkeys(Account, ZERO), NO_TOTALS)


def check(*, store: Store) -> LedgerReport:
    """issued = paid + returned + pending per batch, per programme's sub-account and in total; each posting stays in
    its payment's programme; attempts agree; no case paid twice."""
    with store.reading() as uow:
        rows = uow.payments.postings()
        by_status = uow.payments.attempt_totals()
        twice = uow.payments.cases_paid_twice()
    txs = [Transaction(seq, Kind(kind), batch, case_id, e2e,
                       (Leg(Account(src), -amount, program), Leg(Account(dst), amount, program)))
           for seq, kind, batch, case_id, e2e, src, dst, amount, program in rows]
    ledger = Ledger.replay(txs)
    report = LedgerReport(postings=len(txs))
    try:
        report.total = ledger.check()
    except LedgerOutOfBalance as err:
        report.problems += str(err).splitlines()[1:]
        report.total = ledger.totals()
    report.batches = {b: ledger.totals(b) for b in ledger.batches()}
    report.programmes = {p: _sub_account(ledger, p) for p in ledger.programs()}
    report.whole = _sub_account(ledger, None)
    report.problems += _against_attempts(report.batches, by_status)
    report.problems += [f"案件 {c} 有两笔以上有效支付 / case {c} has more than one live or paid attempt"
                        for c in twice]
    return report


def _against_attempts(batches: dict[str, Totals], by_status: list[tuple[str, str, int, Decimal]]) -> list[str]:
    """The attempts' own statuses must tell the same story as the ledger, batch by batch."""
    seen: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for number, status, _, amount in by_status:
        seen[number][status] += amount
    problems = []
    for number in sorted(set(seen) | set(batches)):
        s, t = seen[number], batches.get(number) or NO_TOTALS
        expect = {"pending": s["pending"], "paid": s["paid"], "returned": s["rejected"] + s["returned"],
                  "issued": s["pending"] + s["paid"] + s["rejected"] + s["returned"]}
        got = {"pending": t.pending, "paid": t.paid, "returned": t.returned, "issued": t.issued}
        problems += [f"{number}: {k} 账面 / ledger {got[k]} ≠ 支付记录 / attempts {expect[k]}"
                     for k in expect if got[k] != expect[k]]
        if t.returned != t.refunded:
            problems.append(f"{number}: 退回 {t.returned} 未全部回到基金 / returned {t.returned} but refunded "
                            f"{t.refunded}")
    return problems
