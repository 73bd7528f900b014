"""Payment accounts: the snapshot's account by default; a change by the unit or staff is used only once verified."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from wengang.config import Settings
from wengang.domain.audit import Draft
from wengang.domain.errors import NotFound, Refused
from wengang.domain.identifiers import mask_account
from wengang.domain.payments import PaymentInstruction
from wengang.domain.ports import Store, UnitOfWork
from wengang.services.casework import load
from wengang.services.notify import notify
from wengang.snapshot import store as snapshots


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
        for old in uow.records.find("account", cycle_id=cycle_id, uscc=uscc, status="pending"):
            uow.records.update("account", old["id"], {"status": "superseded"}, status="pending")
        account_id = uow.records.add("account", {
            "cycle_id": cycle_id, "uscc": uscc, "bank_code": bank_code.strip(), "account_no": account_no.strip(),
            "account_name": account_name.strip(), "source": source, "status": "pending", "created_by": by,
            "created_at": uow.now(), "note": note})
        uow.audit.append([Draft(by, "account_proposed", f"case:{case.id}", case.id, case.state.value,
                                case.state.value, "账户变更待核验 / account change waits for verification",
                                {"uscc": uscc, "account": mask_account(account_no.strip()), "bank": bank_code})])
        uow.commit()
    return account_id


def verify(account_id: int, *, store: Store, by: str, accept: bool, note: str) -> dict[str, Any]:
    """A second person accepts (it becomes the unit's account) or refuses a proposed account."""
    if not note.strip():
        raise Refused("核验须写明依据 / a verification needs a note (how it was verified)")
    with store.transaction() as uow:
        account = load(uow, "account", account_id, "账户", lock=True)
        if account["status"] != "pending":
            raise Refused(f"账户 {account_id} 为 {account['status']}, 不待核验 / account {account_id} is "
                          f"{account['status']}, not waiting for verification")
        if account["created_by"] == by:
            raise Refused("提交人不能核验自己的变更 / whoever proposed an account cannot verify it")
        if accept:
            for old in uow.records.find("account", cycle_id=account["cycle_id"], uscc=account["uscc"],
                                        status="active"):
                uow.records.update("account", old["id"], {"status": "superseded"}, status="active")
        status = "active" if accept else "refused"
        uow.records.update("account", account_id, {"status": status, "verified_by": by, "verified_at": uow.now(),
                                                   "note": note}, status="pending")
        case = uow.cases.find(account["cycle_id"], account["uscc"])
        text = ("账户已核验, 将用于支付 / your new account was verified and will be used for payment" if accept
                else f"账户变更未通过核验 / your account change was refused: {note}")
        notify(uow, kind="account_verified" if accept else "account_refused", text=text, uscc=account["uscc"],
               case_id=case.id if case else None)
        uow.audit.append([Draft(by, "account_verified" if accept else "account_refused",
                                f"account:{account_id}", case.id if case else None,
                                case.state.value if case else None, case.state.value if case else None, note,
                                {"uscc": account["uscc"], "account": mask_account(account["account_no"])})])
        uow.commit()
        account.update(status=status, verified_by=by)
    return masked(account)


def masked(account: dict[str, Any]) -> dict[str, Any]:
    """An account as any page or list may show it."""
    return {**account, "account_no": mask_account(account["account_no"])}


def current(cycle_id: int, uscc: str, *, store: Store) -> dict[str, Any] | None:
    """The verified account a payment would use now (None: the snapshot's, or none at all); masked."""
    with store.reading() as uow:
        rows = uow.records.find("account", cycle_id=cycle_id, uscc=uscc.strip().upper(), status="active")
    return masked(rows[-1]) if rows else None


def pending(*, store: Store) -> list[dict[str, Any]]:
    """Proposed accounts waiting for a second person (the staff queue), masked."""
    with store.reading() as uow:
        return [masked(a) for a in uow.records.find("account", status="pending")]


def verified_accounts(uow: UnitOfWork, cycle_id: int) -> dict[str, Account]:
    """The active verified account of every unit of the cycle that has one."""
    return {a["uscc"]: Account(a["bank_code"], a["account_no"], a["account_name"], a["source"], a["verified_at"])
            for a in uow.records.find("account", cycle_id=cycle_id, status="active")}


def snapshot_accounts(settings: Settings, run_ids: Iterable[str]) -> dict[str, Account]:
    """Accounts as the snapshots behind these runs hold them (the newest run wins for a unit in several)."""
    out: dict[str, Account] = {}
    con = snapshots.connect(settings.analytics_path, read_only=True)
    try:
        for run_id in sorted(set(run_ids)):
            row = con.execute("SELECT snapshot_id FROM decision_runs WHERE id = ?", [run_id]).fetchone()
            if row is None:
                continue
            schema = snapshots.schema_of(row[0])
            for uscc, code, number, name in con.execute(
                    f"SELECT uscc, bank_code, account_no, account_name FROM {schema}.employers "
                    "WHERE bank_code IS NOT NULL AND account_no IS NOT NULL AND account_name IS NOT NULL").fetchall():
                out[uscc] = Account(code, number, name, "snapshot")
    finally:
        con.close()
    return out
