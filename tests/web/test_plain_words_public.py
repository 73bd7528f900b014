"""Issue 15's walk, continued to the public site and to the answers of forms: every page a visitor reads (home, guide,
questions, the how-to, the lists, an entry's objection form, following an objection, the callback form, sign-in and
activation, a page not found) and every reply to a form, accepted or refused, from the public or a signed-in unit,
shows no rule or bank code, parameter key, "None", "UTC", spec section or English-only text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import FIRST, SECOND, csrf_of, sign_in
from tests.web.test_lookup_web import texted_code
from tests.web.test_plain_words_portal import FAILED_UNIT, REVIEW_UNIT, UNITS, problems, world_in_every_state
from wengang.web.words import BANK_REASONS, RULE_REASONS

PUBLIC = ("/", "/guide", "/faq", "/howto", "/statistics", "/publicity", "/publicity/objection", "/callback", "/lookup",
          "/portal/login",
          "/portal/activate", "/staff/activate", "/no-such-page")


def public_pages(client: TestClient, settings, number: str, on_list: str) -> dict[str, str]:
    """The visitor's pages (each guide and list it links to), and the replies to its forms (good and bad)."""
    found = {path: client.get(path) for path in PUBLIC}
    for path in sorted(set(re.findall(r'href="(/guide/[^"#?]+)"', found["/guide"].text))):
        found[path] = client.get(path)
    for path in sorted(set(re.findall(r'href="(/publicity/C\d+-P\d+)"', found["/publicity"].text))):
        found[path] = client.get(path)
        found[f"{path}?q=无此单位"] = client.get(path, params={"q": "无此单位"})
    form = {"uscc": on_list, "text": "该单位已停业", "csrf": csrf_of(client)}
    found["object form"] = client.get(f"/publicity/{number}/object", params={"uscc": on_list})
    found["objection, bad phone"] = client.post(f"/publicity/{number}/object", data={**form, "contact": "12345"})
    made = client.post(f"/publicity/{number}/object", data={**form, "contact": "13812345678"})
    found["objection taken"] = made
    ref = re.search(r'id="reference">([^<]+)<', made.text).group(1)
    found["objection followed"] = client.get(f"/publicity/objection/{ref}")
    found["objection, unknown reference"] = client.get("/publicity/objection/1-AAAAAAAAAA")
    found["not on the list"] = client.get(f"/publicity/{number}/object", params={"uscc": "91110000000000000X"})
    callback = {"question": "什么时候到账?", "csrf": csrf_of(client)}
    found["callback taken"] = client.post("/callback", data={**callback, "phone": "13911112222"})
    found["callback, bad phone"] = client.post("/callback", data={**callback, "phone": "110"})
    found["sign-in refused"] = client.post("/portal/login", data={"uscc": on_list, "password": "wrong-password-1",
                                                                   "csrf": csrf_of(client)})
    found["/lookup"] = client.get("/lookup")
    found["look-up, bad credit code"] = client.post("/lookup", data={"uscc": "91110000000000000X",
                                                                      "csrf": csrf_of(client)})
    found["look-up, code sent"] = client.post("/lookup", data={"uscc": FIRST, "csrf": csrf_of(client)})
    found["look-up, wrong code"] = client.post("/lookup/code", data={"uscc": FIRST, "code": "000000",
                                                                      "csrf": csrf_of(client)})
    found["look-up, progress"] = client.post("/lookup/code", data={
        "uscc": FIRST, "code": texted_code(client, settings), "csrf": csrf_of(client)})
    found["look-up, nobody to text"] = client.post("/lookup", data={"uscc": REVIEW_UNIT, "csrf": csrf_of(client)})
    return {path: reply.text for path, reply in found.items()}


def unit_replies(client: TestClient, facts: dict) -> dict[str, str]:
    """What a signed-in unit reads after each of its forms: objecting to its own entry, a callback, a new account,
    an application, and the same application a second time (refused)."""
    paid, listed = facts["paid_cycle"], facts["open_cycle"]
    found = {}
    csrf = sign_in(client, SECOND, employer=True)
    found["own objection"] = client.post(f"/portal/cycles/{listed}/objection", data={
        "csrf": csrf, "contact": "13812345678", "text": "金额有误"})
    found["callback"] = client.post("/portal/callbacks", data={"csrf": csrf, "phone": "13911112222",
                                                               "question": "何时到账?"})
    client.cookies.clear()
    csrf = sign_in(client, FAILED_UNIT, employer=True)
    found["new account"] = client.post(f"/portal/cycles/{paid}/account", data={
        "csrf": csrf, "bank_code": "102100099996", "account_no": "6222020200112233445", "account_name": "某某有限公司"})
    found["new account refused"] = client.post(f"/portal/cycles/{paid}/account", data={
        "csrf": csrf, "bank_code": "1", "account_no": "x", "account_name": ""})
    client.cookies.clear()
    csrf = sign_in(client, REVIEW_UNIT, employer=True)
    apply = {"csrf": csrf, "commitment": "本单位承诺所报信息真实", "accept": "true"}
    found["application"] = client.post(f"/portal/cycles/{paid}/apply", data=apply)
    found["application again"] = client.post(f"/portal/cycles/{paid}/apply", data=apply)
    found["someone else's case"] = client.get("/portal/cycles/999999")
    return {what: reply.text for what, reply in found.items()}


def test_no_code_key_or_english_only_text_on_any_public_page_or_form_reply(client, world_settings, facts, tmp_path):
    world_in_every_state(world_settings, facts, tmp_path)
    number = facts["open_list"]
    listed = client.get(f"/publicity/{number}").text
    on_list = re.findall(r"\b[0-9A-Z]{18}\b", listed)[0]
    pages = {**public_pages(client, world_settings, number, on_list), **unit_replies(client, facts)}
    assert len(pages) >= 30 and "异议已受理" in pages["objection taken"] and "已提交" in pages["application"]
    assert "已有待审核的申请" in pages["application again"]          # refused in words, not a traceback
    bad = {path: problems(page, english=False) for path, page in pages.items()}
    assert {k: v for k, v in bad.items() if v} == {}
    client.cookies.clear()
    client.get("/?lang=en")
    english = {path: problems(client.get(path).text, english=True) for path in PUBLIC}
    assert {k: v for k, v in english.items() if v} == {}


def test_the_walk_would_see_a_code_or_english_only_text():
    """The check itself is not blind: a code, a parameter-like key, UTC or an English-only line is caught."""
    code, bank = next(iter(RULE_REASONS)), next(iter(BANK_REASONS))
    for page in (f"<p>原因 {code}</p>", f"<p>银行 {bank}</p>", "<p>2021-07-01 09:00 UTC</p>", "<p>Paid in full</p>",
                 "<p>None</p>", "<p>请检查输入 — account_name: 必填</p>", "<p>名单 C2-P1 中没有</p>"):
        assert problems(page, english=False), page
    assert problems("<p>Paid in full</p>", english=True) == [] and UNITS
