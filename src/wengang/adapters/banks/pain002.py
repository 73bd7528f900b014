"""pain.002.001.08 status reports: read (after XSD validation) into typed records, and written by the simulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
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
from wengang.domain.payments import PaymentStatus, StatusRecord

MESSAGE = "pain.002.001.08"
# ISO external code set ExternalPaymentTransactionStatus1Code: only settlement is payment, only RJCT a refusal.
STATUS = {
    "ACSC": PaymentStatus.PAID, "ACCC": PaymentStatus.PAID,
    "ACSP": PaymentStatus.PENDING, "ACTC": PaymentStatus.PENDING, "ACCP": PaymentStatus.PENDING,
    "ACWC": PaymentStatus.PENDING, "ACWP": PaymentStatus.PENDING, "PDNG": PaymentStatus.PENDING,
    "RCVD": PaymentStatus.PENDING, "RJCT": PaymentStatus.REJECTED,
}
REASONS = {"AC01": "账号错误 / incorrect account number", "AC04": "账户已销户 / closed account",
           "AC06": "账户冻结 / blocked account", "BE01": "户名不符 / name does not match the account",
           "AM05": "重复支付 / duplicate payment", "AM10": "控制总额不符 / control sum wrong",
           "AM18": "笔数不符 / number of transactions wrong", "DU01": "报文编号重复 / duplicate message id",
           "FF01": "文件格式错误 / invalid file format"}


@dataclass(frozen=True)
class StatusReport:
    """One pain.002: the file it answers (as the bank states it), the group's word (a whole-file reject has no
    per-payment lines) and each payment's."""

    path: Path
    message_id: str
    original_message_id: str
    group_status: str | None
    group_reason: str | None
    records: list[StatusRecord]
    original_message_name: str | None = None
    original_count: int | None = None
    original_control_sum: Decimal | None = None


def _t(name: str) -> str:
    return f"{{{xsd.namespace(MESSAGE)}}}{name}"


TX, E2E, STS, RSN_INF, ACCEPTED, REF = (_t(n) for n in ("TxInfAndSts", "OrgnlEndToEndId", "TxSts", "StsRsnInf",
                                                         "AccptncDtTm", "OrgnlTxRef"))
RSN, CD, PRTRY, AMT, INSTD = _t("Rsn"), _t("Cd"), _t("Prtry"), _t("Amt"), _t("InstdAmt")


def _reason(info) -> str | None:
    """The first reason code (or proprietary reason) of a StsRsnInf."""
    return None if info is None else (text_of(info, RSN, CD) or text_of(info, RSN, PRTRY))


def read_pain002(path: Path | str) -> StatusReport:
    """Validate against the XSD, then one record per TxInfAndSts; an unknown status code refuses the file."""
    root = xsd.parse(path, MESSAGE).getroot()
    rpt = root[0]
    grp = rpt.find(_t("OrgnlGrpInfAndSts"))
    group_status = text_of(grp, _t("GrpSts"))
    records = []
    for info in rpt.iterfind(_t("OrgnlPmtInfAndSts")):
        info_status = text_of(info, _t("PmtInfSts")) or group_status
        answers = text_of(info, _t("OrgnlPmtInfId"))      # our PmtInfId is the batch number
        for tx in info.iterfind(TX):
            kids = children(tx)
            e2e, code = kids.get(E2E), kids.get(STS)
            code = info_status if code is None else code.text
            if e2e is None:
                raise BankFileError(path, MESSAGE, tx.sourceline, "缺少 OrgnlEndToEndId / a status without its payment id")
            if code not in STATUS:
                raise BankFileError(path, MESSAGE, tx.sourceline, f"未知状态 / unknown transaction status {code!r}")
            amount = None
            amt = dig(kids.get(REF), AMT, INSTD)
            if amt is not None:
                if amt.get("Ccy") != "CNY":
                    raise BankFileError(path, MESSAGE, amt.sourceline, f"币种 {amt.get('Ccy')} 不是 CNY")
                amount = Decimal(amt.text)
            accepted = kids.get(ACCEPTED)
            booked = None if accepted is None else dt.date.fromisoformat(accepted.text[:10])
            records.append(StatusRecord(e2e.text, STATUS[code], amount, _reason(kids.get(RSN_INF)), booked, MESSAGE,
                                        answers))
    count, total = text_of(grp, _t("OrgnlNbOfTxs")), text_of(grp, _t("OrgnlCtrlSum"))
    return StatusReport(Path(path), required_text(path, MESSAGE, rpt, _t("GrpHdr"), _t("MsgId")),
                        required_text(path, MESSAGE, grp, _t("OrgnlMsgId")), group_status,
                        _reason(dig(grp, RSN_INF)), records, text_of(grp, _t("OrgnlMsgNmId")),
                        None if count is None else int(count), None if total is None else Decimal(total))


@dataclass(frozen=True)
class TxStatus:
    """One line a bank reports: the payment, its ISO status code, the reason code if any."""

    end_to_end_id: str
    code: str
    amount: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Original:
    """The pain.001 a report answers."""

    message_id: str
    message_name: str
    payment_info_id: str
    count: int
    control_sum: Decimal


def _status_reason(code: str | None) -> str:
    if not code:
        return ""
    info = REASONS.get(code)
    extra = f"<AddtlInf>{xml_text(info)}</AddtlInf>" if info else ""
    return f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn>{extra}</StsRsnInf>"


def render_pain002(*, message_id: str, created: dt.datetime, original: Original, statuses: Sequence[TxStatus],
                   group_status: str, group_reason: str | None = None) -> bytes:
    """A status report; a whole-file reject carries only the group status and its reason."""
    stamp = created.isoformat(timespec="seconds")
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{xsd.namespace(MESSAGE)}"><CstmrPmtStsRpt>'
            f"<GrpHdr><MsgId>{xml_text(message_id)}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>"
            f"<OrgnlGrpInfAndSts><OrgnlMsgId>{xml_text(original.message_id)}</OrgnlMsgId>"
            f"<OrgnlMsgNmId>{original.message_name}</OrgnlMsgNmId><OrgnlNbOfTxs>{original.count}</OrgnlNbOfTxs>"
            f"<OrgnlCtrlSum>{original.control_sum:f}</OrgnlCtrlSum><GrpSts>{group_status}</GrpSts>"
            f"{_status_reason(group_reason)}</OrgnlGrpInfAndSts>\n")
    if not statuses:
        return (head + "</CstmrPmtStsRpt></Document>\n").encode("utf-8")
    lines = []
    for s in statuses:
        amount = "" if s.amount is None else (
            f'<OrgnlTxRef><Amt><InstdAmt Ccy="CNY">{s.amount:f}</InstdAmt></Amt></OrgnlTxRef>')
        accepted = "" if s.code == "RJCT" else f"<AccptncDtTm>{stamp}</AccptncDtTm>"
        lines.append(f"<TxInfAndSts><OrgnlEndToEndId>{xml_text(s.end_to_end_id)}</OrgnlEndToEndId>"
                     f"<TxSts>{s.code}</TxSts>{_status_reason(s.reason)}{accepted}{amount}</TxInfAndSts>\n")
    info = (f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{xml_text(original.payment_info_id)}</OrgnlPmtInfId>"
            f"<OrgnlNbOfTxs>{original.count}</OrgnlNbOfTxs><OrgnlCtrlSum>{original.control_sum:f}</OrgnlCtrlSum>"
            f"<PmtInfSts>{group_status}</PmtInfSts>\n")
    return (head + info + "".join(lines) + "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n").encode("utf-8")


def write_pain002(path: Path | str, **report) -> WrittenFile:
    """Render, validate against the XSD, write atomically."""
    data = render_pain002(**report)
    xsd.parse(data, MESSAGE, name=path)
    return WrittenFile(Path(path), write_atomic(path, data), MESSAGE, len(report["statuses"]))
