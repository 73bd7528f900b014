"""The staff queues on the web (issue 14): a total and pages, filters refused by name, bulk actions in place with
htmx under each action's permission, and the filtered rows as xlsx."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.web.conftest import sign_in
from tests.web.test_flows import staff_client

HX = {"HX-Request": "true", "HX-Target": "queue"}


def test_the_case_list_shows_its_total_pages_and_narrows_by_filter_and_search(client, facts):
    clerk, _ = staff_client(client, "clerk")
    cycle = facts["paid_cycle"]
    page = clerk.get(f"/staff/queue?cycle={cycle}&per_page=25").text
    total = int(re.search(r'id="queue-total">共 (\d+) 件', page).group(1))
    assert total >= 5 and "第 1 / 1 页" in page and 'id="queue-xlsx"' in page
    found = clerk.get(f"/staff/queue?cycle={cycle}&q=objected", headers=HX)
    assert found.status_code == 200 and found.text.lstrip().startswith('<div id="queue">')   # the fragment only
    assert re.search(r'id="queue-total">共 1 件', found.text) and "objected有限公司" in found.text
    bad = clerk.get(f"/staff/queue?cycle={cycle}&district=12&sort=password")
    assert bad.status_code == 422 and "six-digit" in bad.text


def test_a_bulk_action_applies_in_place_under_its_permission_and_is_audited_per_case(client, facts):
    cycle = facts["paid_cycle"]
    clerk, ccsrf = staff_client(client, "clerk")
    held = clerk.get(f"/staff/accounts?cycle={cycle}").text
    picks = re.findall(r'name="pick" value="(\d+:\d+)"', held)
    assert picks
    refused = clerk.post(f"/staff/queues/review/bulk?cycle={cycle}", data={"csrf": ccsrf, "action": "review.reject",
                                                                           "reason": "x", "every": "true"})
    assert refused.status_code == 403                                    # clerks do not decide reviews
    done = clerk.post(f"/staff/queues/held/bulk?cycle={cycle}", headers=HX,
                      data={"csrf": ccsrf, "action": "account.release", "reason": "税务提供社保账户", "pick": picks})
    assert done.status_code == 200 and 'id="queue-outcome"' in done.text and "已识别" in done.text
    assert re.search(r'id="queue-total">共 0 件', done.text)            # the table re-rendered: nobody held now
    case_id = picks[0].split(":")[0]
    assert "可用账户已确认" in clerk.get(f"/staff/cases/{case_id}").text
    empty = clerk.post(f"/staff/queues/held/bulk?cycle={cycle}", headers=HX,
                       data={"csrf": ccsrf, "action": "account.release", "reason": "x"})
    assert empty.status_code == 200 and "select at least one case" in empty.text


def test_the_export_is_every_filtered_row(client, facts):
    clerk, _ = staff_client(client, "clerk")
    cycle = facts["paid_cycle"]
    reply = clerk.get(f"/staff/queues/cases.xlsx?cycle={cycle}&q=objected")
    assert reply.status_code == 200 and "spreadsheetml" in reply.headers["content-type"]
    rows = list(load_workbook(io.BytesIO(reply.content)).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1 + 1 and rows[0][1] == "objected有限公司" and rows[1][0] == "合计 / total (1)"
    assert isinstance(rows[0][5], int | float) and rows[1][5] == rows[0][5]      # the amount a number, summed


def test_employers_never_reach_a_queue(client):
    from tests.web.conftest import FIRST
    sign_in(client, FIRST, employer=True)
    assert client.get("/staff/queue", follow_redirects=False).status_code in (303, 401, 403)


def test_one_row_s_action_is_done_in_place_in_words_and_a_stale_row_changes_nothing(client, facts):
    cycle = facts["paid_cycle"]
    clerk, csrf = staff_client(client, "clerk")
    page = clerk.get(f"/staff/dispatch?cycle={cycle}").text
    case_id, version = re.search(r'action="/staff/dispatch/(\d+)\?cycle=\d+".*?name="version" value="(\d+)"',
                                 page, re.S).groups()
    assert f'hx-post="/staff/dispatch/{case_id}?cycle={cycle}"' in page
    stale = clerk.post(f"/staff/dispatch/{case_id}?cycle={cycle}", headers=HX,
                       data={"csrf": csrf, "employer": "实际用工单位", "version": str(int(version) + 1)})
    assert stale.status_code == 200 and stale.text.lstrip().startswith('<div id="queue">')
    assert 'id="queue-problem"' in stale.text and f'id="case-{case_id}"' in stale.text      # still waiting
    done = clerk.post(f"/staff/dispatch/{case_id}?cycle={cycle}", headers=HX,
                      data={"csrf": csrf, "employer": "实际用工单位", "version": version})
    assert done.status_code == 200 and done.text.lstrip().startswith('<div id="queue">')
    said = re.search(r'id="queue-outcome".*?</p>', done.text, re.S).group()
    assert f">{case_id}</a> → 已识别, 待公示" in said and "identified" not in said.replace("已识别", "")
    assert f'id="case-{case_id}"' not in done.text                                        # gone from the queue


def test_size_date_and_programme_filters_live_in_the_url_and_a_capped_total_says_more_than(client, facts, monkeypatch):
    from wengang.services import queues

    clerk, _ = staff_client(client, "clerk")
    cycle = facts["paid_cycle"]
    every = int(re.search(r'id="queue-total">共 (\d+) 件', clerk.get(f"/staff/queue?cycle={cycle}").text).group(1))
    url = f"/staff/queue?cycle={cycle}&size=unknown&changed_from=2000-01-01&changed_to=2099-12-31&per_page=25"
    page = clerk.get(url).text
    assert 'value="unknown" selected' in page and 'value="2000-01-01"' in page and 'value="2099-12-31"' in page
    assert "规模未知" in page and "size unknown" not in page.split('id="queue-total"')[1][:200]
    none = clerk.get(f"/staff/queue?cycle={cycle}&changed_to=2000-01-01").text
    assert re.search(r'id="queue-total">共 0 件', none)
    bad = clerk.get(f"/staff/queue?cycle={cycle}&changed_from=2021-10-09&changed_to=2021-10-08")
    assert bad.status_code == 422 and "after the to date" in bad.text
    queues.TOTALS._kept.clear()
    monkeypatch.setattr(queues, "COUNT_CAP", every - 1)
    capped = clerk.get(f"/staff/queue?cycle={cycle}&per_page=25").text
    assert re.search(rf'id="queue-total">共 超过 {every - 1:,} 件', capped)
    assert "末页" in capped and 'class="page-last"' not in capped                 # no last page said when not counted


def test_the_reason_filter_offers_reasons_in_words_and_keeps_exactly_the_cases_with_that_reason(client, facts,
                                                                                                 world_settings):
    from sqlalchemy import create_engine, text

    from wengang.web.words import RULE_REASONS

    clerk, _ = staff_client(client, "clerk")
    cycle = facts["paid_cycle"]
    page = clerk.get(f"/staff/queue?cycle={cycle}").text
    bar = page.split('id="queue-reason"')[1].split("</select>")[0]
    assert "缴费月数不足" in bar and "企业规模未知" in bar
    assert ">paid_months_short<" not in bar and ">size_class_unknown<" not in bar        # values, never the words
    engine = create_engine(world_settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT reasons FROM cases WHERE cycle_id = :c"), {"c": cycle}).scalars().all()
    engine.dispose()
    tried = 0
    for code in RULE_REASONS:
        expected = sum(1 for r in rows if code in (r or "").split(";"))
        if not expected:
            continue
        tried += 1
        found = clerk.get(f"/staff/queue?cycle={cycle}&reason={code}&per_page=25").text
        assert f'<option value="{code}" selected>' in found
        assert re.search(rf'id="queue-total">共 {expected} 件', found), code
    assert tried >= 2                                  # the world has units turned down for at least two reasons
