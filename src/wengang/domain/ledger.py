"""A pure double-entry ledger of the fund's money: append-only, exact, held in one sub-account per programme (its
fund, payable, paid, returned), every transaction summing to zero within one programme and never crossing two."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from wengang.domain.errors import DomainError
from wengang.domain.payments import FAILED, PaymentInstruction, PaymentStatus, money, positive_money

ZERO = Decimal("0.00")


class Account(StrEnum):
    """Where the money sits: in the fund, owed to a unit, with the unit, or back from the bank."""

    FUND = "fund"            # the unemployment-insurance fund
    PAYABLE = "payable"      # approved and sent to the bank, not yet settled
    PAID = "paid"            # settled on the unit's account (bank clearing)
    RETURNED = "returned"    # rejected or returned by the bank, waiting to go back to the fund


# How staff read each account of a programme's sub-account (Chinese, English).
ACCOUNT_WORDS: dict[Account, tuple[str, str]] = {
    Account.FUND: ("基金", "fund"), Account.PAYABLE: ("应付", "payable"), Account.PAID: ("已付", "paid"),
    Account.RETURNED: ("退回", "returned")}


class Kind(StrEnum):
    """The only postings there are, each moving one payment's whole amount from one account to another."""

    APPROVE = "approve"      # fund → payable
    PAY = "pay"              # payable → paid
    REJECT = "reject"        # payable → returned
    RETURN = "return"        # paid → returned
    REFUND = "refund"        # returned → fund
    CANCEL = "cancel"        # payable → fund: approved, but its batch was cancelled before any file left


MOVES: dict[Kind, tuple[Account, Account, PaymentStatus | None, PaymentStatus | None]] = {
    Kind.APPROVE: (Account.FUND, Account.PAYABLE, None, PaymentStatus.PENDING),
    Kind.PAY: (Account.PAYABLE, Account.PAID, PaymentStatus.PENDING, PaymentStatus.PAID),
    Kind.REJECT: (Account.PAYABLE, Account.RETURNED, PaymentStatus.PENDING, PaymentStatus.REJECTED),
    Kind.RETURN: (Account.PAID, Account.RETURNED, PaymentStatus.PAID, PaymentStatus.RETURNED),
    Kind.REFUND: (Account.RETURNED, Account.FUND, None, None),
    Kind.CANCEL: (Account.PAYABLE, Account.FUND, PaymentStatus.PENDING, None),
}


_A, _P, _J, _R, _F, _C = Kind.APPROVE, Kind.PAY, Kind.REJECT, Kind.RETURN, Kind.REFUND, Kind.CANCEL
PATHS = frozenset({(_A,), (_A, _P), (_A, _J), (_A, _J, _F), (_A, _P, _R), (_A, _P, _R, _F), (_A, _C)})


class LedgerError(DomainError):
    """The ledger refused a posting; nothing was recorded."""


class UnbalancedTransaction(LedgerError):
    """The legs of a transaction do not sum to zero."""


class CrossProgramme(LedgerError):
    """A transaction whose legs sit in two programmes' sub-accounts: money never moves between programmes."""


class IllegalPosting(LedgerError):
    """A posting the payment's history does not allow (paid twice, refunded before failing, …)."""


class LedgerOutOfBalance(LedgerError):
    """check() found a broken invariant in a recorded history."""


class Leg(NamedTuple):
    """One side of a transaction: + into an account of a programme's sub-account, − out of it."""

    account: Account
    amount: Decimal
    program: str


@dataclass(frozen=True, slots=True)
class Transaction:
    """An immutable posting; constructing an unbalanced one, or one across two programmes, is impossible."""

    seq: int
    kind: Kind
    batch: str
    case_id: int
    payment: str
    legs: tuple[Leg, ...]

    def __post_init__(self) -> None:
        if len(self.legs) < 2:
            raise UnbalancedTransaction(f"交易 {self.seq} 至少需要两条分录 / a transaction needs two legs")
        for leg in self.legs:
            money(leg.amount)
            if leg.amount == 0:
                raise UnbalancedTransaction(f"交易 {self.seq}: 零金额分录 / a leg of zero is meaningless")
        programs = {leg.program for leg in self.legs}
        if len(programs) > 1:
            raise CrossProgramme(f"交易 {self.seq} 跨项目划转 ({', '.join(sorted(programs))}) / transaction {self.seq} "
                                 "moves money between programmes: each programme's fund is its own")
        if not self.program.strip():
            raise LedgerError(f"交易 {self.seq} 未指明项目 / transaction {self.seq} names no programme")
        total = sum((leg.amount for leg in self.legs), ZERO)
        if total != 0:
            raise UnbalancedTransaction(f"交易 {self.seq} 借贷不平 / transaction {self.seq} is off by {total}")

    @property
    def program(self) -> str:
        """The programme whose sub-account holds every leg."""
        return self.legs[0].program


@dataclass(slots=True)
class _Payment:
    case_id: int
    batch: str
    program: str
    amount: Decimal
    status: PaymentStatus
    refunded: bool = False
    cancelled: bool = False


class Totals(NamedTuple):
    """A batch (or all batches) at a glance; issued = paid + returned + pending when all is well (issued: approved
    and not cancelled before its file left)."""

    issued: Decimal
    paid: Decimal
    returned: Decimal
    pending: Decimal
    refunded: Decimal
    cancelled: Decimal = ZERO


Scope = tuple[str, str] | None      # ("batch", number), ("program", id), or None: every posting


def _scope(batch: str | None, program: str | None) -> Scope:
    if batch is not None and program is not None:
        raise ValueError("a batch or a programme, not both: a batch lies in one programme")
    return ("batch", batch) if batch is not None else ("program", program) if program is not None else None


class Ledger:
    """The postings of payments in memory; part B backs the same rules with database constraints."""

    def __init__(self) -> None:
        self._txs: list[Transaction] = []
        self._payments: dict[str, _Payment] = {}
        self._by_case: dict[int, list[str]] = defaultdict(list)
        self._summed: tuple[dict, dict] | None = None        # _sums() until the next posting

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        return tuple(self._txs)

    def approve(self, instruction: PaymentInstruction, batch: str, program: str) -> Transaction:
        """Commit the programme's fund money to one attempt; refused while another attempt of the case is live or
        unrefunded."""
        e2e = instruction.end_to_end_id
        if e2e in self._payments:
            raise IllegalPosting(f"{e2e} 已签发 / already issued: an attempt is approved once")
        for other in self._by_case[instruction.case_id]:
            p = self._payments[other]
            if p.cancelled:
                continue
            if p.status not in FAILED or not p.refunded:
                raise IllegalPosting(f"案件 {instruction.case_id} 仍有未了结的支付 {other} ({p.status}"
                                     f"{', 未退回基金 / not refunded' if p.status in FAILED else ''})")
        return self._post(Kind.APPROVE, batch, program, instruction.case_id, e2e, instruction.amount)

    def pay(self, e2e: str) -> Transaction:
        return self._move(Kind.PAY, e2e)

    def reject(self, e2e: str) -> Transaction:
        return self._move(Kind.REJECT, e2e)

    def returned(self, e2e: str) -> Transaction:
        return self._move(Kind.RETURN, e2e)

    def cancel(self, e2e: str) -> Transaction:
        """An approved payment whose batch never left goes straight back to the fund; the case may be paid anew."""
        tx = self._move(Kind.CANCEL, e2e)
        self._payments[e2e].cancelled = True
        return tx

    def refund(self, e2e: str) -> Transaction:
        """Failed money goes back to its programme's fund, once, so that the case can be re-issued."""
        p = self._known(e2e)
        if p.status not in FAILED or p.refunded:
            why = "已退回 / already refunded" if p.refunded else f"状态为 {p.status} / is {p.status}"
            raise IllegalPosting(f"{e2e} 不能退回基金 / cannot be refunded: {why}")
        return self._post(Kind.REFUND, p.batch, p.program, p.case_id, e2e, p.amount)

    def status(self, e2e: str) -> PaymentStatus:
        return self._known(e2e).status

    def balance(self, account: Account, batch: str | None = None, *, program: str | None = None) -> Decimal:
        """Sum of the legs on an account, for one batch, one programme's sub-account, or all."""
        return self._sums()[0][_scope(batch, program), Account(account)]

    def batches(self) -> list[str]:
        return sorted({tx.batch for tx in self._txs})

    def programs(self) -> list[str]:
        """The programmes with a sub-account (a posting), in id order."""
        return sorted({tx.program for tx in self._txs})

    def totals(self, batch: str | None = None, *, program: str | None = None) -> Totals:
        """Issued and returned from the postings' kinds; paid and pending from the balances."""
        return _totals(*self._sums(), _scope(batch, program))

    def check(self) -> Totals:
        """Re-derive every invariant from the raw legs (as a stored history would be judged); raise if one breaks."""
        # each transaction sums to zero within one programme; per batch, per programme's sub-account and in total
        # issued = paid + returned + pending; the fund and the returned account hold what the postings say; every
        # payment followed a legal path and stayed in one programme
        problems = [f"交易 {tx.seq} 借贷不平 / transaction {tx.seq} does not balance" for tx in self._txs
                    if len({leg.program for leg in tx.legs}) != 1 or sum((leg.amount for leg in tx.legs), ZERO) != 0]
        bal, flow = self._sums()
        scopes: list[Scope] = [*(("batch", b) for b in self.batches()), *(("program", p) for p in self.programs()),
                               None]
        for scope in scopes:
            t, where = _totals(bal, flow, scope), scope[1] if scope else "全部 / total"
            if t.issued != t.paid + t.returned + t.pending:
                problems.append(f"{where}: issued {t.issued} ≠ paid {t.paid} + returned {t.returned} "
                                f"+ pending {t.pending}")
            if bal[scope, Account.RETURNED] != t.returned - t.refunded:
                problems.append(f"{where}: returned account {bal[scope, Account.RETURNED]} ≠ "
                                f"returned {t.returned} − refunded {t.refunded}")
            if bal[scope, Account.FUND] != t.refunded - t.issued:
                problems.append(f"{where}: fund moved {bal[scope, Account.FUND]} ≠ "
                                f"refunded {t.refunded} − issued {t.issued}")
            below = [f"{a} {bal[scope, a]}" for a in (Account.PAYABLE, Account.PAID, Account.RETURNED)
                     if bal[scope, a] < 0] + ([f"fund +{bal[scope, Account.FUND]}"]
                                              if bal[scope, Account.FUND] > 0 else [])
            if below:
                problems.append(f"{where}: 账户为负 / more went out of an account than came in: {', '.join(below)}")
        problems += self._lifecycle_problems()
        if problems:
            raise LedgerOutOfBalance("账不平 / the ledger is out of balance:\n" + "\n".join(problems))
        return self.totals()

    @classmethod
    def replay(cls, transactions: Iterable[Transaction]) -> Ledger:
        """Load a stored history as it is (each transaction balanced), so that check() can judge it."""
        ledger = cls()
        for tx in transactions:
            ledger._track(tx)
            ledger._txs.append(tx)
        return ledger

    def _sums(self) -> tuple[dict, dict]:
        """Balances per (scope, account) and flows per (scope, kind) in one pass: each posting counts in its batch,
        in its programme's sub-account and in the total (scope None); kept until the next posting."""
        if self._summed is not None:
            return self._summed
        bal: dict = defaultdict(lambda: ZERO)
        flow: dict = defaultdict(lambda: ZERO)
        for tx in self._txs:
            moved = max(leg.amount for leg in tx.legs)
            for scope in (("batch", tx.batch), None):
                for leg in tx.legs:
                    bal[scope, leg.account] += leg.amount
                flow[scope, tx.kind] += moved
            for leg in tx.legs:
                bal[("program", leg.program), leg.account] += leg.amount
            flow[("program", tx.program), tx.kind] += moved
        self._summed = bal, flow
        return bal, flow

    def _lifecycle_problems(self) -> list[str]:
        """Each payment follows a legal path with its own amount in its own programme; a case re-issues only after a
        refund."""
        problems: list[str] = []
        history: dict[str, list[Transaction]] = defaultdict(list)
        unsettled: dict[int, set[str]] = defaultdict(set)
        for tx in self._txs:
            earlier = history[tx.payment]
            kinds = tuple(t.kind for t in earlier) + (tx.kind,)
            first = earlier[0] if earlier else tx
            amount = max(leg.amount for leg in first.legs)
            source, target, _, _ = MOVES[tx.kind]
            if kinds not in PATHS:
                problems.append(f"{tx.payment}: 非法顺序 / illegal sequence {' → '.join(kinds)}")
            if tx.program != first.program:
                problems.append(f"交易 {tx.seq} ({tx.kind}) 跨项目 / moves {tx.payment} from {first.program} to "
                                f"{tx.program}: money never moves between programmes")
            if sorted(tx.legs) != sorted((Leg(source, -amount, tx.program), Leg(target, amount, tx.program))):
                problems.append(f"交易 {tx.seq} ({tx.kind}) 分录不符 / legs are not {source} → {target} {amount}")
            if tx.kind is Kind.APPROVE and unsettled[tx.case_id]:
                problems.append(f"案件 {tx.case_id}: {tx.payment} 签发时仍有 / issued while "
                                f"{', '.join(sorted(unsettled[tx.case_id]))} not refunded")
            if tx.kind is Kind.APPROVE:
                unsettled[tx.case_id].add(tx.payment)
            elif tx.kind in (Kind.REFUND, Kind.CANCEL):
                unsettled[tx.case_id].discard(tx.payment)
            earlier.append(tx)
        return problems

    def _known(self, e2e: str) -> _Payment:
        p = self._payments.get(e2e)
        if p is None:
            raise IllegalPosting(f"{e2e} 未签发 / was never issued")
        return p

    def _move(self, kind: Kind, e2e: str) -> Transaction:
        p = self._known(e2e)
        if p.cancelled:
            raise IllegalPosting(f"{e2e} 已作废, 不能再{kind} / was cancelled: no {kind} after that")
        _, _, before, after = MOVES[kind]
        if p.status is not before:
            raise IllegalPosting(f"{e2e}: {kind} 需要状态 {before}, 实为 {p.status} / "
                                 f"{kind} needs {before}, payment is {p.status}")
        return self._post(kind, p.batch, p.program, p.case_id, e2e, p.amount)

    def _post(self, kind: Kind, batch: str, program: str, case_id: int, e2e: str, amount: Decimal) -> Transaction:
        """Both legs in the payment's own programme: a later posting never names another."""
        source, target, _, _ = MOVES[kind]
        amount = positive_money(amount)
        tx = Transaction(len(self._txs) + 1, kind, batch, case_id, e2e,
                         (Leg(source, -amount, program), Leg(target, amount, program)))
        self._track(tx)
        self._txs.append(tx)
        return tx

    def _track(self, tx: Transaction) -> None:
        """Follow a payment's status through a posting (already judged legal, or replayed as stored)."""
        self._summed = None
        if tx.kind is Kind.APPROVE:
            amount = max(leg.amount for leg in tx.legs)
            self._payments[tx.payment] = _Payment(tx.case_id, tx.batch, tx.program, amount, PaymentStatus.PENDING)
            self._by_case[tx.case_id].append(tx.payment)
        elif tx.payment in self._payments:
            p = self._payments[tx.payment]
            if tx.kind is Kind.REFUND:
                p.refunded = True
            elif tx.kind is Kind.CANCEL:
                p.cancelled = True
            else:
                p.status = MOVES[tx.kind][3] or p.status


def _totals(bal: dict, flow: dict, scope: Scope) -> Totals:
    return Totals(flow[scope, Kind.APPROVE] - flow[scope, Kind.CANCEL], bal[scope, Account.PAID],
                  flow[scope, Kind.REJECT] + flow[scope, Kind.RETURN], bal[scope, Account.PAYABLE],
                  flow[scope, Kind.REFUND], flow[scope, Kind.CANCEL])
