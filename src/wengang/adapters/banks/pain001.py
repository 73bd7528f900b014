"""pain.001 credit-transfer files (.09 and .03) in CNY, one PmtInf per batch, checked against the XSD."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from wengang.adapters.banks import xsd
from wengang.adapters.banks.files import (
    WrittenFile,
    children,
    dig,
    required_text,
    text_of,
    write_atomic,
    xml_text,
)
from wengang.domain.bank_files import PAIN001_V03, PAIN001_V09, Debtor
from wengang.domain.payments import PaymentInstruction, control_sum, plain_text

__all__ = ["V03", "V09", "Debtor", "SentFile", "SentPayment", "read_pain001", "render_pain001", "write_pain001"]

V09, V03 = PAIN001_V09, PAIN001_V03
BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,34}$")
_CNAPS = "<ClrSysMmbId><ClrSysId><Cd>CNAPS</Cd></ClrSysId><MmbId>{}</MmbId></ClrSysMmbId>"


def _transaction(p: PaymentInstruction, remittance: str) -> str:
    """One CdtTrfTxInf; its elements are the same in .03 and .09."""
    ultimate = "" if p.unit_name == p.account_name else f"<UltmtCdtr><Nm>{xml_text(p.unit_name)}</Nm></UltmtCdtr>"
    return (
        f"<CdtTrfTxInf><PmtId><EndToEndId>{p.end_to_end_id}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="CNY">{p.amount}</InstdAmt></Amt>'
        f"<CdtrAgt><FinInstnId>{_CNAPS.format(p.bank_code)}</FinInstnId></CdtrAgt>"
        f"<Cdtr><Nm>{xml_text(p.account_name)}</Nm><Id><OrgId><Othr><Id>{p.uscc}</Id>"
        f"<SchmeNm><Prtry>USCC</Prtry></SchmeNm></Othr></OrgId></Id></Cdtr>"
        f"<CdtrAcct><Id><Othr><Id>{xml_text(p.account_no)}</Id></Othr></Id></CdtrAcct>{ultimate}"
        f"<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></CdtTrfTxInf>\n"
    )


def render_pain001(*, batch_id: str, payments: Sequence[PaymentInstruction], debtor: Debtor,
                   created: dt.datetime, execution_date: dt.date, remittance: str,
                   message: str = V09) -> bytes:
    """The file's bytes: same inputs, same bytes (so a resend is recognisably the same file)."""
    if message not in (V09, V03):
        raise ValueError(f"unsupported pain.001 version {message!r}; use {V09} or {V03}")
    if not BATCH_ID.match(batch_id):
        raise ValueError(f"批次号应为1–35位字母数字或- / batch id must be 1–35 letters, digits or '-': {batch_id!r}")
    if not payments:
        raise ValueError(f"批次 {batch_id} 没有支付 / batch {batch_id} has no payments")
    dups = [i for i, k in Counter(p.end_to_end_id for p in payments).items() if k > 1]
    if dups:
        dup = dups[0]
        raise ValueError(f"批次 {batch_id} 中 {dup} 出现两次 / {dup} appears twice in batch {batch_id}")
    remit = xml_text(plain_text("附言 / remittance", remittance, 140))
    total, n = control_sum(p.amount for p in payments), len(payments)
    when = (f"<ReqdExctnDt><Dt>{execution_date.isoformat()}</Dt></ReqdExctnDt>" if message == V09
            else f"<ReqdExctnDt>{execution_date.isoformat()}</ReqdExctnDt>")
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{xsd.namespace(message)}">'
        f"<CstmrCdtTrfInitn><GrpHdr><MsgId>{batch_id}</MsgId>"
        f"<CreDtTm>{created.isoformat(timespec='seconds')}</CreDtTm><NbOfTxs>{n}</NbOfTxs>"
        f"<CtrlSum>{total:.2f}</CtrlSum><InitgPty><Nm>{xml_text(debtor.name)}</Nm></InitgPty></GrpHdr>\n"
        f"<PmtInf><PmtInfId>{batch_id}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>false</BtchBookg>"
        f"<NbOfTxs>{n}</NbOfTxs><CtrlSum>{total:.2f}</CtrlSum>{when}"
        f"<Dbtr><Nm>{xml_text(debtor.name)}</Nm></Dbtr>"
        f"<DbtrAcct><Id><Othr><Id>{debtor.account_no}</Id></Othr></Id><Ccy>CNY</Ccy></DbtrAcct>"
        f"<DbtrAgt><FinInstnId>{_CNAPS.format(debtor.bank_code)}</FinInstnId></DbtrAgt>"
        f"<ChrgBr>DEBT</ChrgBr>\n"
    )
    body = "".join(_transaction(p, remit) for p in payments)
    return (head + body + "</PmtInf></CstmrCdtTrfInitn></Document>\n").encode("utf-8")


def write_pain001(path: Path | str, **batch) -> WrittenFile:
    """Render, validate against the official XSD, then write atomically; returns path, SHA-256 and totals."""
    message = batch.get("message", V09)
    data = render_pain001(**batch)
    xsd.parse(data, message, name=path)
    payments = batch["payments"]
    digest = write_atomic(path, data)
    return WrittenFile(Path(path), digest, message, len(payments), control_sum(p.amount for p in payments))


@dataclass(frozen=True)
class SentPayment:
    """One credit transfer as a pain.001 file carries it (what a bank, or a recovery after a crash, reads)."""

    end_to_end_id: str
    amount: Decimal
    currency: str
    bank_code: str
    account_no: str
    account_name: str


@dataclass(frozen=True)
class SentFile:
    """A parsed pain.001: header totals as stated, and every payment of its (single or many) PmtInf."""

    message: str
    message_id: str
    created: str
    count: int
    control_sum: Decimal | None
    payment_info_id: str
    execution_date: dt.date
    debtor_account: str
    debtor_bank: str
    payments: list[SentPayment]


def read_pain001(path: Path | str, message: str = V09) -> SentFile:
    """Validate a pain.001 against its XSD, then read the figures a bank checks and the payments."""
    t = f"{{{xsd.namespace(message)}}}".__add__
    body = xsd.parse(path, message).getroot()[0]
    hdr, infos = body.find(t("GrpHdr")), body.findall(t("PmtInf"))
    pmt_id, amt, agent, cdtr, acct = t("PmtId"), t("Amt"), t("CdtrAgt"), t("Cdtr"), t("CdtrAcct")
    fin, clr, mmb_id, e2e, instd = t("FinInstnId"), t("ClrSysMmbId"), t("MmbId"), t("EndToEndId"), t("InstdAmt")
    acct_id, othr = t("Id"), t("Othr")
    payments = []
    for info in infos:
        for tx in info.iterfind(t("CdtTrfTxInf")):
            k = children(tx)
            amount = dig(k[amt], instd)
            payments.append(SentPayment(
                required_text(path, message, k[pmt_id], e2e),
                Decimal(0) if amount is None else Decimal(amount.text),
                "" if amount is None else amount.get("Ccy"), text_of(k.get(agent), fin, clr, mmb_id) or "",
                text_of(k.get(acct), acct_id, othr, acct_id) or "", text_of(k.get(cdtr), t("Nm")) or ""))
    first = children(infos[0])
    when = first[t("ReqdExctnDt")]
    when_text = when.text if len(when) == 0 else when[0].text
    ctrl = text_of(hdr, t("CtrlSum"))
    msg_id, created, count = (required_text(path, message, hdr, t(tag)) for tag in ("MsgId", "CreDtTm", "NbOfTxs"))
    return SentFile(message, msg_id, created, int(count),
                    None if ctrl is None else Decimal(ctrl), first[t("PmtInfId")].text,
                    dt.date.fromisoformat(when_text[:10]),
                    text_of(first[t("DbtrAcct")], acct_id, othr, acct_id) or "",
                    text_of(first[t("DbtrAgt")], fin, clr, mmb_id) or "", payments)
