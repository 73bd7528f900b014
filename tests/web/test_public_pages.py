"""The public pages as a visitor uses them (issue 15): a list by its plain label, found by name, paged and jumped;
an objection whose phone is checked and whose reference follows the outcome; a home page that names who runs it,
and a guide and how-to in plain words."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of
from tests.web.test_flows import staff_client
from wengang import bootstrap
from wengang.services import publicity
from wengang.services.public import list_page

CODE_LIKE = re.compile(r"\bC\d+-P\d+\b|\b[a-z]+_[a-z_]+\b|POLICIES\.md|§|seed |\bUTC\b")


def visible(html: str) -> str:
    """The text a visitor reads: tags, attributes and scripts taken out."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))


def _rows(store, number):
    return publicity.public_rows(number, store=store)[1]


def test_a_list_reads_by_its_plain_label_and_a_name_finds_the_unit(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    number = facts["open_list"]
    rows = _rows(store, number)
    page = client.get(f"/publicity/{number}").text
    year = re.search(r"\d{4}", page[page.index("<h1>"):]).group(0)
    assert re.search(rf"<h1>{year}年第\d批 公示名单</h1>", page)                   # never "C2-P1" as the label
    assert number not in visible(page).replace(f"/publicity/{number}", "")
    assert f"共 {len(rows)} 家单位" in page and "第 1 / 1 页" in page
    listed = client.get("/publicity").text
    assert "年第1批" in listed and "年第2批" in listed and not CODE_LIKE.search(visible(listed))
    name, uscc = rows[-1][1], rows[-1][2]
    part = name[1:5]
    found = client.get(f"/publicity/{number}", params={"q": part}).text
    assert name in found and "找到" in found
    others = [r[1] for r in rows if part not in r[1]]
    assert others and not any(f">{o}<" in found for o in others)                # the search narrowed the list
    by_code = client.get(f"/publicity/{number}", params={"q": uscc}).text
    assert uscc in by_code and "找到 1 家单位" in by_code
    none = client.get(f"/publicity/{number}", params={"q": "无此单位名称"}).text
    assert "没有符合的单位" in none and "找到 0 家单位" in none


def test_pages_count_and_jump_through_the_indexed_query(world_settings, facts):
    store = bootstrap.store(world_settings)
    number = facts["open_list"]
    every = list_page(number, store=store)
    rows = _rows(store, number)
    assert every.total == len(rows) >= 3 and every.pages == 1
    # pages of two: counted, each holding the next units in list order, a page past the last shows the last
    pages = [list_page(number, store=store, size=2, page=p) for p in (1, 2, 99)]
    assert [p.pages for p in pages] == [-(-len(rows) // 2)] * 3 and pages[0].has_next
    assert [r.uscc for r in pages[0].rows + pages[1].rows] == [r[2] for r in rows][:4]
    assert pages[2].page == pages[2].pages and not pages[2].has_next
    assert [r.no for r in pages[1].rows] == [3, 4][:len(pages[1].rows)]


def test_the_page_jump_form_goes_to_the_page_asked_for(client, world_settings, facts, monkeypatch):
    monkeypatch.setattr("wengang.services.public.PAGE_SIZE", 1)          # the small world's list: 3 units
    store = bootstrap.store(world_settings)
    number = facts["open_list"]
    rows = _rows(store, number)
    total = len(rows)
    first = client.get(f"/publicity/{number}").text
    pages = total
    assert f"第 1 / {pages} 页" in first and 'id="page-jump"' in first and f'max="{pages}"' in first
    second = client.get(f"/publicity/{number}", params={"q": "", "page": 2}).text
    assert f"第 2 / {pages} 页" in second and 'id="page-prev"' in second
    assert rows[1][1] in second and rows[0][1] not in second
    beyond = client.get(f"/publicity/{number}", params={"page": 999}).text
    assert f"第 {pages} / {pages} 页" in beyond


def test_a_bad_phone_stores_nothing_and_says_why(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    number = facts["open_list"]
    uscc = _rows(store, number)[0][2]
    with store.reading() as uow:
        before = len(uow.objections.of_batch(uow.publicity_batches.by_ref(number).id))
    for bad in ("12345", "12812345678", "abc", "1391234567"):
        reply = client.post(f"/publicity/{number}/object", data={"uscc": uscc, "contact": bad, "text": "已停业",
                                                                  "csrf": csrf_of(client)})
        assert reply.status_code == 422 and "11位手机号" in reply.text and "区号" in reply.text
        assert 'id="form-error"' in reply.text and "已停业" in reply.text                 # what was typed is kept
    with store.reading() as uow:
        assert len(uow.objections.of_batch(uow.publicity_batches.by_ref(number).id)) == before


def test_a_good_phone_gives_a_reference_whose_page_follows_the_decision(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    number = facts["open_list"]
    name, uscc = _rows(store, number)[0][1:3]
    reply = client.post(f"/publicity/{number}/object", data={
        "uscc": uscc, "contact": "010-62345678", "text": "该单位已停业", "objector": "张三", "csrf": csrf_of(client)})
    assert reply.status_code == 200 and "异议已受理" in reply.text
    ref = re.search(r'id="reference">([^<]+)<', reply.text).group(1)
    assert re.fullmatch(r"\d+-[A-Z2-7]{16}", ref)
    shown = client.get(f"/publicity/objection/{ref}").text
    assert "正在核查" in shown and name in shown and "010****5678" in shown
    assert "62345678" not in shown and "张三" not in shown and "该单位已停业" not in shown       # no personal data
    objection_id = int(ref.split("-")[0])
    forged = f"{objection_id}-{'A' * 16}"
    assert client.get(f"/publicity/objection/{forged}").status_code == 404                 # not guessable
    assert client.get(f"/publicity/objection/{objection_id + 1}-{ref.split('-')[1]}").status_code == 404
    looked = client.get("/publicity/objection", params={"ref": ref.lower()}, follow_redirects=True)
    assert "正在核查" in looked.text
    reviewer, csrf = staff_client(client, "reviewer")
    decided = reviewer.post(f"/staff/objections/{objection_id}", data={
        "decision": "sustain", "reason": "经核实该单位已于上月停业", "csrf": csrf})
    assert decided.status_code == 200, decided.text
    after = client.get(f"/publicity/objection/{ref}").text
    assert "异议成立" in after and "经核实该单位已于上月停业" in after and "北京时间" in after
    assert not CODE_LIKE.search(visible(after))


def test_the_home_page_names_the_authority_hotline_hours_and_filing(client):
    page = client.get("/").text
    assert 'id="hotline">12333<' in page and "办公时间" in page and "网站标识码" in page
    assert "ICP备" in page and "公网安备" in page and "演示" in page         # demo values say they are demo values
    assert 'href="/howto#activation"' in page and 'href="/howto#forgot"' in page
    howto = client.get("/howto").text
    assert "72 小时内有效" in howto and "5 次即作废" in howto and "安全管理员" in howto
    assert not CODE_LIKE.search(visible(howto))
    for journey, shot in (("lookup", "lookup-code-sent"), ("apply", "apply-preview")):   # each real journey shown
        assert f'id="{journey}"' in howto and f'src="/static/howto/{shot}.png"' in howto
        assert client.get(f"/static/howto/{shot}.png").status_code == 200


def test_the_guide_is_plain_words_with_document_numbers(client):
    page = client.get("/guide/beijing-2021").text
    text = visible(page)
    for words in ("谁可以享受", "能返还多少", "怎么发放", "中小微企业: 返还上年度实际缴纳失业保险费的60%", "不高于6%",
                  "公示7天", "人社部发〔2021〕29号", "足额缴费满12个月", "律师事务所"):
        assert words in text, words
    assert not CODE_LIKE.search(text), CODE_LIKE.search(text)
    for key in ("ratio_sme", "layoff_limit", "scope_unit_types", "law_firm"):
        assert key not in text
    changed = visible(client.get("/guide/cn-2022").text)
    assert "自2022年6月1日起, 大型企业: 返还上年度实际缴纳失业保险费的50%" in changed
    assert "高于统筹地区" not in changed and "低于统筹地区城镇登记失业率" in visible(client.get("/guide/cn-2019").text)
