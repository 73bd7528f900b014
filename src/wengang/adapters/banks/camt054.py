"""camt.054.001.06 notifications on the fund's account: a debit confirms a payment, a credit with RtrInf returns it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from wengang.adapters.banks import xsd
from wengang.adapters.banks.files import (
    BankFileError,
    WrittenFile,
    children,
    dig,
    required_text,
    text_of,
    write_atomic,
    xml_text,
)
from wengang.domain.identifiers import mask_account
from wengang.domain.payments import PaymentStatus, StatusRecord

MESSAGE = "camt.054.001.06"
_NOT_PROVIDED = {"", "NOTPROVIDED"}


@dataclass(frozen=True)
class Notification:
    """One camt.054: a record per payment entry, and what was set aside (other accounts, entries without our id)."""

    path: Path
    message_id: str
    records: list[StatusRecord]
    set_aside: list[str] = field(default_factory=list)


def _t(name: str) -> str:
    return f"{{{xsd.namespace(MESSAGE)}}}{name}"


NTRY, STS, SIGN, RVSL, BOOKED, DETAILS, TX = (_t(n) for n in ("Ntry", "Sts", "CdtDbtInd", "RvslInd", "BookgDt",
                                                              "NtryDtls", "TxDtls"))
REFS, E2E, AMT, RTR, RSN, CD, PRTRY, DT, DTTM = (_t(n) for n in ("Refs", "EndToEndId", "Amt", "RtrInf", "Rsn", "Cd",
                                                                 "Prtry", "Dt", "DtTm"))
MSG_ID = _t("MsgId")       # Refs/MsgId: the message (our batch's file) the entry's payment came in


def _date(booked) -> dt.date | None:
    text = None if booked is None else (text_of(booked, DT) or text_of(booked, DTTM))
    return dt.date.fromisoformat(text[:10]) if text else None


def _amount(path: Path | str, amt) -> Decimal:
    if amt.get("Ccy") != "CNY":
        raise BankFileError(path, MESSAGE, amt.sourceline, f"币种 {amt.get('Ccy')} 不是 CNY / currency is not CNY")
    return Decimal(amt.text)


def _account(ntf) -> str:
    acct = dig(ntf, _t("Acct"), _t("Id"))
    return text_of(acct, _t("Othr"), _t("Id")) or text_of(acct, _t("IBAN")) or ""


def _servicer(ntf) -> str | None:
    """The CNAPS code of the bank keeping the account, where the notification names it."""
    return text_of(ntf, _t("Acct"), _t("Svcr"), _t("FinInstnId"), _t("ClrSysMmbId"), _t("MmbId"))


def read_camt054(path: Path | str, account_no: str | None = None, bank_code: str | None = None) -> Notification:
    """Validate against the XSD, then read booked (and pending) entries on `account_no` kept by `bank_code` (all
    accounts if None); everything else is set aside, each with its line, for a person to look at."""
    body = xsd.parse(path, MESSAGE).getroot()[0]
    records: list[StatusRecord] = []
    aside: list[str] = []
    for ntf in body.iterfind(_t("Ntfctn")):
        if account_no is not None and _account(ntf) != account_no:
            aside.append(f"第 {ntf.sourceline} 行: 其他账户 / notification for another account "
                         f"{mask_account(_account(ntf))}")
            continue
        servicer = _servicer(ntf)
        if bank_code is not None and servicer is not None and servicer != bank_code:
            aside.append(f"第 {ntf.sourceline} 行: 开户行 {servicer} 不是基金开户行 / the account is kept by bank "
                         f"{servicer}, not the fund's bank {bank_code}")
            continue
        for entry in ntf.iterfind(NTRY):
            kids = children(entry)
            sts = kids[STS].text
            reversal = RVSL in kids and kids[RVSL].text in ("true", "1")
            if sts == "INFO" or (reversal and kids[SIGN].text == "DBIT"):
                aside.append(f"第 {entry.sourceline} 行: {'冲正借记 / reversed credit' if reversal else '仅供参考 / INFO'}"
                             " entry, needs a person")
                continue
            details = [] if DETAILS not in kids else kids[DETAILS].findall(TX)
            if not details:
                aside.append(f"第 {entry.sourceline} 行: 无交易明细 / entry without transaction details")
            booked = _date(kids.get(BOOKED))
            for tx in details:
                tk = children(tx)
                e2e = text_of(tk.get(REFS), E2E) or ""
                if e2e in _NOT_PROVIDED:
                    aside.append(f"第 {tx.sourceline} 行: 无端到端编号 / entry without an end-to-end id")
                    continue
                if sts == "PDNG":
                    status, reason = PaymentStatus.PENDING, None
                elif tk[SIGN].text == "DBIT":
                    status, reason = PaymentStatus.PAID, None
                else:
                    rtr = tk.get(RTR)
                    status = PaymentStatus.RETURNED
                    reason = None if rtr is None else (text_of(rtr, RSN, CD) or text_of(rtr, RSN, PRTRY))
                records.append(StatusRecord(e2e, status, _amount(path, tk[AMT]), reason, booked, MESSAGE,
                                            text_of(tk.get(REFS), MSG_ID)))
    message_id = required_text(path, MESSAGE, body, _t("GrpHdr"), _t("MsgId"))
    return Notification(Path(path), message_id, records, aside)


@dataclass(frozen=True)
class Booking:
    """One entry a bank books on the fund's account for one payment."""

    end_to_end_id: str
    amount: Decimal
    credit: bool                   # False: the payment left the fund; True: it came back
    booking_date: dt.date
    return_reason: str | None = None
    original_message_id: str | None = None


def _entry(b: Booking, n: int, message_id: str) -> str:
    sign = "CRDT" if b.credit else "DBIT"
    sub = "RRTN" if b.credit else "ESCT"
    rtr = ("" if not b.credit else f"<RtrInf><Rsn><Cd>{b.return_reason or 'NARR'}</Cd></Rsn>"
           f"<AddtlInf>退汇 / returned after settlement</AddtlInf></RtrInf>")
    orig = f"<MsgId>{xml_text(b.original_message_id)}</MsgId>" if b.original_message_id else ""
    amount = f'<Amt Ccy="CNY">{b.amount:f}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
    return (f"<Ntry><NtryRef>{n}</NtryRef>{amount}<Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{b.booking_date.isoformat()}</Dt></BookgDt><ValDt><Dt>{b.booking_date.isoformat()}</Dt>"
            f"</ValDt><AcctSvcrRef>{xml_text(message_id[:28])}-{n}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>"
            f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>{orig}"
            f"<EndToEndId>{xml_text(b.end_to_end_id)}</EndToEndId></Refs>{amount}{rtr}</TxDtls></NtryDtls>"
            f"</Ntry>\n")


def render_camt054(*, message_id: str, created: dt.datetime, account_no: str, bank_code: str,
                   bookings: Sequence[Booking]) -> bytes:
    """One notification for the fund's account, one entry per booking."""
    stamp = created.isoformat(timespec="seconds")
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{xsd.namespace(MESSAGE)}">'
            f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{xml_text(message_id)}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>"
            f"<Ntfctn><Id>{xml_text(message_id)}</Id><CreDtTm>{stamp}</CreDtTm>"
            f"<Acct><Id><Othr><Id>{xml_text(account_no)}</Id></Othr></Id><Ccy>CNY</Ccy><Svcr><FinInstnId>"
            f"<ClrSysMmbId><ClrSysId><Cd>CNAPS</Cd></ClrSysId><MmbId>{bank_code}</MmbId></ClrSysMmbId>"
            f"</FinInstnId></Svcr></Acct>\n")
    body = "".join(_entry(b, n, message_id) for n, b in enumerate(bookings, start=1))
    return (head + body + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n").encode("utf-8")


def write_camt054(path: Path | str, **notification) -> WrittenFile:
    """Render, validate against the XSD, write atomically."""
    data = render_camt054(**notification)
    xsd.parse(data, MESSAGE, name=path)
    bookings = notification["bookings"]
    return WrittenFile(Path(path), write_atomic(path, data), MESSAGE, len(bookings))
