"""The staff case page: everything about a case, the forms its state allows, and review with data through the web
(preview, then confirm), reviewers only, with CSRF; bad input changes nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.reviewdata import ELIGIBLE, SIZE_UNKNOWN, open_cycle
from tests.web.conftest import PASSWORD, STAFF, sign_in
from wengang import bootstrap
from wengang.config import Settings
from wengang.services import people
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

FACTS = {"employees": "300", "revenue": "99999999.99", "evidence": "2020年度财务报表 (税务局提供)"}


def build(store, city) -> dict[str, int]:
    cycle = open_cycle(store, city)
    for role, name in STAFF.items():
        people.create_staff(name, role, store=store, by="setup", password=PASSWORD)
    with store.reading() as uow:
        return {u: uow.cases.find(cycle, u).id for u in (SIZE_UNKNOWN, ELIGIBLE)}


@pytest.fixture
def web(review_city, tmp_path):
    settings = Settings(data_dir=review_city["data_dir"], database_url=f"sqlite:///{tmp_path / 'w.sqlite'}")
    store = bootstrap.open_store(settings)
    ids = build(store, review_city)
    store.close()
    with TestClient(create_app(settings, WebSettings(cookie_secure=False)), raise_server_exceptions=False) as c:
        yield c, ids
    bootstrap.close_stores()


def _state(page: str) -> str:
    return re.search(r'id="case-state" data-state="([^"]+)"', page).group(1)


def test_a_review_case_shows_its_forms_and_a_reviewer_previews_then_confirms(web):
    client, ids = web
    csrf = sign_in(client, STAFF["reviewer"], employer=False)
    case = ids[SIZE_UNKNOWN]
    page = client.get(f"/staff/cases/{case}").text
    assert _state(page) == "review" and 'id="supply-form"' in page and 'id="review-form"' in page
    assert 'data-step="cycle.compare"' in page and "size_class_unknown" in page
    preview = client.post(f"/staff/cases/{case}/supply/preview", data={**FACTS, "csrf": csrf})
    assert preview.status_code == 200
    assert re.search(r'id="preview-amount">1,440.00', preview.text) and _state(preview.text) == "review"
    assert 'data-decision="eligible"' in preview.text
    assert _state(client.get(f"/staff/cases/{case}").text) == "review"                 # the preview changed nothing
    confirm = {k: v for k, v in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"',
                                           preview.text.split('id="supply-confirm"')[1].split("</form>")[0])}
    done = client.post(f"/staff/cases/{case}/supply", data=confirm, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/cases/{case}"
    after = client.get(f"/staff/cases/{case}").text
    assert _state(after) == "identified" and "1,440.00" in after
    assert 'data-criterion="supplied"' in after and "2020年度财务报表 (税务局提供)" in after
    assert "补充数据后重新判定" in after and "review_with_data" not in after and 'id="supply-form"' not in after
    assert 'data-step="publicity.start"' in after


def test_bad_input_is_shown_on_the_page_and_changes_nothing(web):
    client, ids = web
    csrf = sign_in(client, STAFF["reviewer"], employer=False)
    case = ids[SIZE_UNKNOWN]
    bad = client.post(f"/staff/cases/{case}/supply/preview",
                      data={"employees": "-1", "revenue": "1,000", "evidence": "", "csrf": csrf})
    assert bad.status_code == 400
    assert "从业人员数 须为不小于 0 的整数 / staff count must be a whole number" in bad.text
    assert "revenue (yuan) must be yuan" in bad.text and "name the evidence" in bad.text
    assert 'value="-1"' in bad.text                                                  # what was typed is kept
    confirm = client.post(f"/staff/cases/{case}/supply", data={"employees": "x", "evidence": "e", "version": "1",
                                                               "expected_amount": "0", "csrf": csrf})
    assert confirm.status_code == 400
    assert _state(client.get(f"/staff/cases/{case}").text) == "review"


@pytest.mark.parametrize("who", ["clerk", "approver", "auditor"])
def test_only_a_reviewer_may_preview_or_confirm(web, who):
    client, ids = web
    csrf = sign_in(client, STAFF[who], employer=False)
    case = ids[SIZE_UNKNOWN]
    page = client.get(f"/staff/cases/{case}").text
    assert 'id="supply-form"' not in page and "非本岗位权限" in page
    for path in ("supply/preview", "supply"):
        reply = client.post(f"/staff/cases/{case}/{path}", data={**FACTS, "version": "1", "expected_amount": "1440",
                                                                  "csrf": csrf})
        assert reply.status_code == 403
    assert _state(client.get(f"/staff/cases/{case}").text) == "review"


def test_without_csrf_nothing_is_done(web):
    client, ids = web
    sign_in(client, STAFF["reviewer"], employer=False)
    reply = client.post(f"/staff/cases/{ids[SIZE_UNKNOWN]}/supply",
                        data={**FACTS, "version": "1", "expected_amount": "1440.00"})
    assert reply.status_code == 403
    assert _state(client.get(f"/staff/cases/{ids[SIZE_UNKNOWN]}").text) == "review"


def test_an_identified_case_offers_no_form_only_its_cycle_s_steps(web):
    client, ids = web
    sign_in(client, STAFF["reviewer"], employer=False)
    page = client.get(f"/staff/cases/{ids[ELIGIBLE]}").text
    assert _state(page) == "identified" and "<form" not in page.split('id="ways-forward"')[1].split("</section>")[0]
    assert 'data-step="publicity.start"' in page
