"""Issue 15, parts 1, 2 and 7: every page an employer reads is in plain words. A walk over the portal of units in
every state (paid, rejected with reasons, in review, a payment the bank refused, on a public list) finds no rule
reason code, bank code, parameter key, "None", "UTC", spec section or English-only text in what the page shows."""

from __future__ import annotations

import html
import re

import pytest

from tests.builders import uscc
from tests.conftest import CITY, PACK
from tests.web.conftest import FIRST, SECOND, STAFF, activate, sign_in
from wengang import bootstrap
from wengang.adapters.banks.simulator import REJECTED, BankSimulator, Outcome
from wengang.rules.parameters import load_pack
from wengang.services import callbacks, payments, reconcile, tell
from wengang.web.words import BANK_REASONS, RULE_REASONS

REJECTED_UNIT, REVIEW_UNIT, FAILED_UNIT = uscc(CITY["ineligible"]), uscc(CITY["review"]), uscc(CITY["changes_amount"])
UNITS = {"paid": FIRST, "on a public list": SECOND, "rejected": REJECTED_UNIT, "review": REVIEW_UNIT,
         "payment refused": FAILED_UNIT}
PARAMETER_KEYS = sorted(load_pack(PACK).parameters, key=len, reverse=True)
FLAG_NAMES = sorted({code.removeprefix("flag:") for code in RULE_REASONS if code.startswith("flag:")})
CODES = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, [*RULE_REASONS, *FLAG_NAMES, *BANK_REASONS,
                                                                     *PARAMETER_KEYS])) + r")(?![A-Za-z0-9_])")
# in English a one-word flag (zombie, revoked) is also the word for it: codes with "_" or ":" still never show
CODES_EN = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, [
    *(c for c in [*RULE_REASONS, *FLAG_NAMES] if "_" in c or ":" in c), *BANK_REASONS, *PARAMETER_KEYS]))
    + r")(?![A-Za-z0-9_])")
# a form's field key (snake_case) and a list's internal number (C2-P1) are keys too: people read 账户名称, 2021年第2批
FORBIDDEN = re.compile(r"\bNone\b|\bUTC\b|§|POLICIES\.md|Traceback|\b[a-z]+(?:_[a-z0-9]+)+\b|\bC[0-9]+-P[0-9]+\b")
CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z]{2,}")


def visible(page: str) -> list[str]:
    """What a person reads: text between tags (scripts and styles left out) and the titles, labels and placeholders
    a browser shows, one piece each."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    shown = re.findall(r'(?:title|aria-label|placeholder|data-label|alt)="([^"]*)"', page)
    text = re.sub(r"(?s)<[^>]+>", "\n", page)
    return [html.unescape(t).strip() for t in [*text.split("\n"), *shown] if t.strip()]


def world_in_every_state(settings, facts, tmp_path) -> None:
    """The paid cycle's batches sent: FIRST paid, FAILED_UNIT refused by its bank (AC04, the account is closed);
    the rejected, review and failed units activated to sign in."""
    store = bootstrap.store(settings)
    for unit in (REJECTED_UNIT, REVIEW_UNIT, FAILED_UNIT):
        activate(store, settings, unit)
    banks = bootstrap.banks()
    made = payments.prepare_batches(facts["paid_cycle"], store=store, analytics=bootstrap.analytics(settings),
                                    settings=settings, by=STAFF["clerk"])
    answers = []
    for b in made.batches:
        payments.approve_batch(b.number, store=store, settings=settings, by=STAFF["approver"])
        sent = payments.write_files(b.number, store=store, banks=banks, settings=settings, out_dir=tmp_path / "out",
                                    by=STAFF["clerk"])
        with store.reading() as uow:
            e2e = {a.end_to_end_id for a in uow.payments.attempts(batch_id=None) if a.uscc == FAILED_UNIT}
        bank = BankSimulator(reject_share=0, return_share=0, force={e: Outcome(e, REJECTED, "AC04") for e in e2e})
        answers.append(bank.answer(sent.path, tmp_path / "bank").pain002.path)
    reconcile.ingest(answers, store=store, banks=banks, settings=settings, by=STAFF["clerk"])
    callbacks.request("13911112222", "什么时候到账?", store=store, uscc=FIRST, name="eligible有限公司",
                      source="portal")
    tell.tell(store=store, settings=settings)                     # every step told: the inbox holds each


def pages_of(client, unit: str) -> dict[str, str]:
    """Every page the unit reads: home, each case's why page, apply, account, messages and callbacks (also as a
    dispute of each case, its question started in words)."""
    client.cookies.clear()
    sign_in(client, unit, employer=True)
    home = client.get("/portal").text
    found = {"/portal": home, "/portal/messages": client.get("/portal/messages").text,
             "/portal/callbacks": client.get("/portal/callbacks").text}
    for cycle in sorted(set(re.findall(r'href="/portal/cycles/(\d+)"', home))):
        for tail in ("", "/apply", "/account"):
            reply = client.get(f"/portal/cycles/{cycle}{tail}")
            assert reply.status_code == 200, (unit, cycle, tail, reply.text[:300])
            found[f"/portal/cycles/{cycle}{tail}"] = reply.text
        found[f"/portal/callbacks?cycle={cycle}"] = client.get(f"/portal/callbacks?cycle={cycle}").text  # a dispute
    return found


def problems(page: str, *, english: bool) -> list[str]:
    """Every piece of visible text that is a code, a parameter key, None, UTC, a spec section, or (in Chinese)
    English with no Chinese beside it (a credit code, an objection's reference and the "English" switch aside)."""
    found = []
    for piece in (re.sub(r"https?://\S+", "", shown) for shown in visible(page)):   # an address is not a word
        coded = (CODES_EN if english else CODES).search(piece) or FORBIDDEN.search(piece)
        english_only = (not english and piece != "English" and not CJK.search(piece)
                        and WORD.search(re.sub(r"[0-9A-Z]{18}|\b[0-9]+-[0-9A-Z]{8,}\b", "", piece)))
        if coded or english_only:
            found.append(piece)
    return found


@pytest.fixture
def walked(client, world_settings, facts, tmp_path) -> dict[str, dict[str, str]]:
    """Every employer page of a unit in each state, in Chinese."""
    world_in_every_state(world_settings, facts, tmp_path)
    return {state: pages_of(client, unit) for state, unit in UNITS.items()}


def test_no_code_key_none_utc_or_english_only_text_on_any_employer_page(walked, client):
    bad = {(state, path): problems(page, english=False) for state, pages in walked.items()
           for path, page in pages.items()}
    assert {k: v for k, v in bad.items() if v} == {}
    assert sum(len(pages) for pages in walked.values()) >= 5 * 9        # home, messages, callbacks, 2 × 3 per case
    for state, unit in UNITS.items():                                  # and in English: no code either
        client.get("/portal?lang=en")
        english = {path: problems(page, english=True) for path, page in pages_of_in_english(client, unit).items()}
        assert {k: v for k, v in english.items() if v} == {}, state


def pages_of_in_english(client, unit: str) -> dict[str, str]:
    pages = pages_of(client, unit)
    return {path: client.get(f"{path}?lang=en").text for path in pages}


def test_each_state_says_what_to_do_next_and_by_when(walked, facts):
    paid, failed = facts["paid_cycle"], f"/portal/cycles/{facts['paid_cycle']}"
    card = walked["payment refused"]["/portal"].split(f'id="case-{paid}"')[1].split("</section>")[0]
    assert "支付失败: 账户已销户" in card and re.search(r"请于\d{4}年\d{1,2}月\d{1,2}日前登录更正收款账户", card)
    why = walked["payment refused"][failed]
    assert "银行退回原因: 账户已销户" in why and "请于" in why and f'id="dispute" href="{failed}/account"' in why
    message = walked["payment refused"]["/portal/messages"]
    assert "未能转入收款账户" in message and re.search(r"请于\d{4}年\d{1,2}月\d{1,2}日前", message)
    listed = walked["on a public list"][f"/portal/cycles/{facts['open_cycle']}"]
    assert re.search(r"请于\d{4}年\d{1,2}月\d{1,2}日前在“为什么”页提出", listed) and 'href="#object"' in listed
    assert 'id="object"' in listed
    home = walked["on a public list"]["/portal"]                     # its list as the public names it
    assert re.search(r'href="/publicity/C\d+-P1">\d{4}年第2批</a>', home), "the card names the list by its label"
    review = walked["review"]["/portal"]
    assert "未履行承诺" in review and "请在线申请并签署承诺书" in review
    assert "资金已到账, 无需操作" in walked["paid"]["/portal"]


def test_the_why_page_answers_in_three_lines_and_folds_the_criteria(walked, facts):
    page = walked["rejected"][f"/portal/cycles/{facts['paid_cycle']}"]
    answer = page.split('id="answer"')[1].split("</section>")[0]
    assert "不符合返还条件" in answer and "原因: 失信被执行人" in answer
    assert 'id="next-step"' in answer and "认定部门" in answer and 'id="dispute"' in answer
    details = page.split('<details id="details"')[1].split("</details>")[0]
    months = re.search(r'data-criterion="paid_months".*?</li>', details, re.S).group(0)
    assert "缴费月数" in months and "13个月" in months and "至少12个月" in months and "符合" in months
    assert "人社部发〔2019〕23号" in months
    flags = re.search(r'data-criterion="flags_exclude".*?</li>', details, re.S).group(0)
    assert 'data-outcome="fail"' in flags and "失信被执行人" in flags and "不符合" in flags
    paid = walked["paid"][f"/portal/cycles/{facts['paid_cycle']}"].split('id="answer"')[1].split("</section>")[0]
    assert "符合条件, 资金已到账" in paid and "返还金额1,440.00元 (上年度缴纳的失业保险费2,400.00元 × 60%)" in paid


def said(value, machine=("criterion", "outcome", "state", "decision", "name")) -> list[str]:
    """Every text a mini-program shows from an API answer: the words (zh, en), documents and reasons; the machine
    fields (a criterion's id, an outcome, a state) and the unit's own name left out."""
    if isinstance(value, dict):
        return [t for k, v in value.items() if k not in machine for t in said(v, machine)]
    if isinstance(value, list):
        return [t for v in value for t in said(v, machine)]
    return [value] if isinstance(value, str) else []


def test_the_api_explains_in_the_same_words_as_the_why_page(client, world_settings, facts, tmp_path):
    from tests.web.conftest import token
    world_in_every_state(world_settings, facts, tmp_path)
    for state, unit in UNITS.items():
        bearer = token(client, unit, employer=True)
        for cycle in (facts["paid_cycle"], facts["open_cycle"]):
            reply = client.get(f"/api/v1/me/cycles/{cycle}/explanation", headers=bearer)
            if reply.status_code == 404:
                continue
            body = reply.json()
            texts = said(body)
            assert body["answer"]["verdict"]["zh"] and body["criteria"], (state, cycle)
            coded = [t for t in texts if CODES_EN.search(t) or FORBIDDEN.search(t)]
            assert coded == [], (state, cycle, coded)
    rejected = client.get(f"/api/v1/me/cycles/{facts['paid_cycle']}/explanation",
                          headers=token(client, REJECTED_UNIT, employer=True)).json()
    assert rejected["answer"]["verdict"]["zh"] == "不符合返还条件" and "失信被执行人" in rejected["answer"]["detail"]["zh"]
    months = next(c for c in rejected["criteria"] if c["criterion"] == "paid_months")
    assert months["outcome"] == "pass" and "13个月" in months["read"]["zh"] and "人社部发〔2019〕23号" in months["documents"]
