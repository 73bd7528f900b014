"""Payment accounts: the snapshot's account by default; a change by the unit or staff is used only once verified."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from wengang.domain.accounts import AccountStatus, PaymentAccount
from wengang.domain.audit import Draft
from wengang.domain.errors import ConcurrentChange, NotFound, Refused
from wengang.domain.identifiers import mask_account
from wengang.domain.payments import PaymentInstruction
from wengang.domain.ports import Analytics, Store, UnitOfWork
from wengang.services.notify import notify


class Account(NamedTuple):
    """Where a payment goes; `source` says whether the snapshot or a verified change gave it."""

    bank_code: str
    account_no: str
    account_name: str
    source: str
    created_at: Any = None


def check_account(uscc: str, name: str, bank_code: str, account_no: str, account_name: str) -> None:
    """The same checks a payment file makes, before anything is stored (bad input is refused, not queued)."""
    try:
        PaymentInstruction(1, 1, uscc, name or account_name, bank_code.strip(), account_no.strip(), account_name,
                           Decimal("0.01"))
    except ValueError as err:
        raise Refused(f"账户无效 / unusable account: {err}") from None


def propose(cycle_id: int, uscc: str, *, bank_code: str, account_no: str, account_name: str, store: Store,
            by: str, source: str = "employer", note: str = "") -> int:
    """A new account for a unit, pending until someone else verifies it (never used before that)."""
    uscc = uscc.strip().upper()
    with store.transaction() as uow:
        case = uow.cases.find(cycle_id, uscc)
        if case is None:
            raise NotFound(f"周期 {cycle_id} 中没有 {uscc} / no case of {uscc} in cycle {cycle_id}")
        check_account(uscc, case.name, bank_code, account_no, account_name)
        _supersede(uow, uow.accounts.of_unit(cycle_id, uscc, AccountStatus.PENDING.value))
        account_id = uow.accounts.add(
            cycle_id=cycle_id, uscc=uscc, bank_code=bank_code.strip(), account_no=account_no.strip(),
            account_name=account_name.strip(), source=source, status=AccountStatus.PENDING.value, created_by=by,
            created_at=uow.now(), note=note).id
        uow.audit.append([Draft(by, "account_proposed", f"case:{case.id}", case.id, case.state.value,
                                case.state.value, "账户变更待核验 / account change waits for verification",
                                {"uscc": uscc, "account": mask_account(account_no.strip()), "bank": bank_code})])
        uow.commit()
    return account_id


def verify(account_id: int, *, store: Store, by: str, accept: bool, note: str) -> PaymentAccount:
    """A second person accepts (it becomes the unit's account) or refuses a proposed account; returned masked."""
    if not note.strip():
        raise Refused("核验须写明依据 / a verification needs a note (how it was verified)")
    with store.transaction() as uow:
        account = uow.accounts.get(account_id, lock=True)
        done = account.verify(by, uow.now(), accept=accept, note=note)
        if accept:
            _supersede(uow, uow.accounts.of_unit(account.cycle_id, account.uscc, AccountStatus.ACTIVE.value))
        if not uow.accounts.save(account, done):
            raise ConcurrentChange(f"账户 / account {account_id}")
        case = uow.cases.find(account.cycle_id, account.uscc)
        text = ("账户已核验, 将用于支付 / your new account was verified and will be used for payment" if accept
                else f"账户变更未通过核验 / your account change was refused: {note}")
        notify(uow, kind="account_verified" if accept else "account_refused", text=text, uscc=account.uscc,
               case_id=case.id if case else None)
        uow.audit.append([Draft(by, "account_verified" if accept else "account_refused",
                                f"account:{account_id}", case.id if case else None,
                                case.state.value if case else None, case.state.value if case else None, note,
                                {"uscc": account.uscc, "account": mask_account(account.account_no)})])
        uow.commit()
    return done.masked()


def _supersede(uow: UnitOfWork, older: list[PaymentAccount]) -> None:
    """Older accounts of a unit replaced by a newer one (each only if still as read)."""
    for old in older:
        uow.accounts.save(old, old.supersede())


def current(cycle_id: int, uscc: str, *, store: Store) -> PaymentAccount | None:
    """The verified account a payment would use now (None: the snapshot's, or none at all); masked."""
    with store.reading() as uow:
        rows = uow.accounts.of_unit(cycle_id, uscc.strip().upper(), AccountStatus.ACTIVE.value)
    return rows[-1].masked() if rows else None


def pending(*, store: Store) -> list[PaymentAccount]:
    """Proposed accounts waiting for a second person (the staff queue), masked."""
    with store.reading() as uow:
        return [a.masked() for a in uow.accounts.pending()]


def verified_accounts(uow: UnitOfWork, cycle_id: int) -> dict[str, Account]:
    """The active verified account of every unit of the cycle that has one."""
    return {a.uscc: Account(a.bank_code, a.account_no, a.account_name, a.source, a.verified_at)
            for a in uow.accounts.active_of_cycle(cycle_id)}


def snapshot_accounts(analytics: Analytics, run_ids: Iterable[str],
                      usccs: Sequence[str] | None = None) -> dict[str, Account]:
    """Accounts as the snapshots behind these runs hold them (the newest run wins for a unit in several), of these
    units only when given."""
    return {uscc: Account(a.bank_code, a.account_no, a.account_name, "snapshot")
            for uscc, a in analytics.snapshot_accounts(run_ids, usccs).items()}
