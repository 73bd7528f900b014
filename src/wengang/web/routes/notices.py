"""The printed notices as PDF: a unit's own decision notice (稳岗返还告知书, from its portal) and a list's publicity
notice for posting (公示公告, public), worded here from the one table of words and printed by documents.pdf."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from wengang.documents.pdf import NoFont, Notice, render
from wengang.domain.attachments import kind_name
from wengang.domain.errors import Refused
from wengang.services import letters, notices
from wengang.services.portal import local_time
from wengang.services.sessions import Principal
from wengang.web.deps import AttachmentsDep, SettingsDep, StoreDep, limited
from wengang.web.permissions import Employer, staff
from wengang.web.words import RULE_REASONS, day_words, money, pack_words, words

router = APIRouter(include_in_schema=False)
CycleId = Annotated[int, Path(ge=1, le=2**31)]
AppId = Annotated[int, Path(ge=1, le=2**62)]
Reviewer = Annotated[Principal, staff("review.decide")]
PDF = "application/pdf"


def _day(day: dt.date) -> str:
    return day_words(day)[0]


def decision_notice(f: notices.DecisionFacts, authority: str, hotline: str = "12333") -> Notice:
    """The unit's notice: paid how much and when it is listed, or why not and what it may do."""
    program, pack = words(f.program)[0], pack_words(f.pack)[0]
    head = f"{f.name} (统一社会信用代码 {f.uscc}):"
    if f.decision == "eligible" and f.amount > 0 and f.state != "rejected":
        listed = (f"贵单位已列入第 {f.list_ref} 号公示名单, 公示期 {_day(f.list_days[0])} 至 {_day(f.list_days[1])}; "
                  "公示期满无异议的, 返还资金将拨付至贵单位在社会保险经办机构登记的银行账户, 无需申请。"
                  if f.list_ref and f.list_days else "公示期满无异议的, 返还资金将拨付至贵单位登记的银行账户, 无需申请。")
        said = [f"经社会保险数据比对, 贵单位符合{program}条件 ({pack}), 返还金额为人民币 {money(f.amount)} 元。{listed}",
                f"Your unit qualifies for the return ({words(f.program)[1]}): {money(f.amount)} yuan, paid into "
                "the bank account registered with social insurance once the publicity period ends without objection."]
    elif f.decision == "review" and f.state != "rejected":
        said = [f"经社会保险数据比对, 贵单位的{program}需补充材料后人工审核: "
                f"{'、'.join(RULE_REASONS.get(r, (r, r))[0] for r in f.reasons) or '部分信息无法自动核实'}。"
                "请登录网上服务平台在线申请并上传材料; 审核通过后按规定返还。",
                "Some facts could not be checked automatically: apply on the portal with the missing documents; the "
                "return is paid once the review accepts them."]
    else:
        why = "、".join(RULE_REASONS.get(r, (r, r))[0] for r in f.reasons) or "不符合返还条件"
        said = [f"经社会保险数据比对, 贵单位本次不符合{program}条件 ({pack}), 原因: {why}。",
                f"如对结果有异议, 可登录网上服务平台查看逐项说明并提出申请, 或拨打 {hotline} 咨询。",
                "Your unit does not qualify this time: " + ("; ".join(RULE_REASONS.get(r, (r, r))[1] for r in f.reasons)
                                                            or "the conditions are not met")
                + f". You may read why, criterion by criterion, on the portal and apply, or call {hotline}."]
    return Notice(authority, f"{program}告知书", [head, *said], closing=[authority, _day(f.issued_on)],
                  reference=f"告知书 周期 {f.cycle_id} 案件 {f.case_id}")


def publicity_notice(f: notices.ListFacts, authority: str, hotline: str = "12333") -> Notice:
    """The notice for posting: who is listed, how much, the period, how to object."""
    program, pack = words(f.program)[0], pack_words(f.pack)[0]
    b = f.batch
    said = [f"根据{pack}的规定, 经社会保险数据比对, 现将符合{program}条件的 {len(f.rows):,} 家单位及返还金额 (合计人民币 "
            f"{money(f.total)} 元) 予以公示。",
            f"公示期: {_day(b.starts_on)} 至 {_day(b.ends_on)}。对名单有异议的, 请在公示期内通过本网站公示名单页面提出, "
            f"或拨打 {hotline}; 请留下联系电话, 以便核实和答复。"]
    table = [("序号", "单位名称", "统一社会信用代码", "返还金额(元)"),
             *((str(n), name, code, money(Decimal(amount))) for n, name, code, _ratio, amount, _ref in f.rows)]
    return Notice(authority, f"{program}公示公告 ({f.label})", said, table, widths=(14, 80, 46, 30), numeric_last=True,
                  closing=[authority, _day(f.issued_on)], reference=f"公示公告 {f.label}")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


def commitment_letter(f: letters.LetterFacts, authority: str) -> Notice:
    """The commitment letter (承诺书) as filed: the unit, the programme, the facts claimed, the attachments by name and
    short hash, the text signed, when (Beijing) and by whom."""
    a = f.application
    program, pack = words(f.program), pack_words(f.pack)
    said = [f"单位名称 / unit: {f.name}\n统一社会信用代码 / credit code: {f.uscc}\n"
            f"项目 / programme: {program[0]} ({pack[0]}) · 周期 / cycle {f.cycle_id}\n"
            f"申请编号 / application: #{a.id}{' (延后补报 / late filing)' if a.late else ''}"]
    said.append("申报数据 / facts claimed:" if f.claimed else "申报数据 / facts claimed: 无 / none")
    table = [("项目 / fact", "申报值 / value"), *((f"{zh} / {en}", value) for zh, en, value in f.claimed)]
    files = [f"{i}. {x.file_name} ({kind_name(x.content_type)}, {_size(x.size)}, SHA-256 {x.short})"
             for i, x in enumerate(f.attachments, 1)]
    tail = ["附件 / attachments:\n" + ("\n".join(files) if files else "无 / none"), "承诺 / commitment:", a.commitment]
    closing = [f"签署时间 (北京时间) / signed at (Beijing time): {local_time(f.signed_at)}",
               f"签署单位 / signed by: {f.name} ({a.filed_by})"]
    return Notice(authority, "承诺书 / Commitment letter", said, table if f.claimed else (), widths=(90, 80),
                  after=tail, closing=closing, reference=f"承诺书 申请 #{a.id} 周期 {f.cycle_id}")


def _pdf(notice: Notice, settings, name: str) -> Response:
    try:
        data = render(notice, font=settings.cjk_font)
    except NoFont as exc:
        raise Refused(str(exc)) from exc
    return Response(data, media_type=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                   "Cache-Control": "no-store"})


@router.get("/portal/cycles/{cycle_id}/notice.pdf")
def own_notice(request: Request, store: StoreDep, settings: SettingsDep, me: Employer, cycle_id: CycleId):
    """The signed-in unit's own decision notice (never another unit's: the credit code is the session's)."""
    facts = notices.decision(me.uscc, cycle_id, store=store)
    site = request.app.state.site
    return _pdf(decision_notice(facts, site.authority, site.hotline), settings, f"notice-cycle{cycle_id}.pdf")


@router.get("/portal/cycles/{cycle_id}/letter.pdf")
def own_letter(request: Request, store: StoreDep, settings: SettingsDep, me: Employer, cycle_id: CycleId):
    """The unit's own commitment letter as filed, its newest in the cycle (none: 404); the unit names only the
    cycle, as on every employer page."""
    found = letters.own_letter(me.uscc, cycle_id, store=store)
    return _pdf(commitment_letter(found, request.app.state.site.authority), settings,
                f"commitment-cycle{cycle_id}.pdf")


@router.get("/staff/applications/{application_id}/letter.pdf")
def staff_letter(request: Request, store: StoreDep, settings: SettingsDep, me: Reviewer, application_id: AppId):
    """Any application's commitment letter, for staff who review."""
    found = letters.letter(application_id, store=store)
    return _pdf(commitment_letter(found, request.app.state.site.authority), settings,
                f"commitment-{application_id}.pdf")


@router.get("/staff/applications/{application_id}/attachments/{sha256}")
def staff_attachment(store: StoreDep, files: AttachmentsDep, me: Reviewer, application_id: AppId,
                     sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")]):
    """An attachment as the unit uploaded it, with the type its content showed, always as a download (never shown
    inline in the page's origin); its file name only in the header, quoted."""
    row, data = letters.attachment(application_id, sha256, store=store, files=files)
    return Response(data, media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{sha256[:12]}{_EXT[row.content_type]}\"; "
                               f"filename*=UTF-8''{quote(row.file_name)}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


_EXT = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


@router.get("/publicity/{number}/notice.pdf", dependencies=[limited("downloads")])
def list_notice(request: Request, store: StoreDep, settings: SettingsDep,
                number: Annotated[str, Path(max_length=40)]):
    """A publicity list's notice for posting (public columns only)."""
    facts = notices.listing(number, store=store)
    site = request.app.state.site
    return _pdf(publicity_notice(facts, site.authority, site.hotline), settings, f"publicity-{facts.batch.number}.pdf")
