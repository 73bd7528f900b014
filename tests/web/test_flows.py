"""Whole flows over HTTP: application and review, account change and verification, holds, lists, API money."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import FIRST, STAFF, activate, csrf_of, sign_in, token
from wengang import bootstrap

pytestmark = pytest.mark.slow
REVIEW = uscc(CITY["review"])


def staff_client(client: TestClient, who: str) -> tuple[TestClient, str]:
    """A second browser signed in as staff, with its CSRF token."""
    other = TestClient(client.app, raise_server_exceptions=False)
    return other, sign_in(other, STAFF[who], employer=False)


def test_a_unit_in_review_applies_with_its_letter_and_a_reviewer_accepts(client, world_settings, facts):
    activate(bootstrap.store(world_settings), world_settings, REVIEW)
    csrf = sign_in(client, REVIEW, employer=True)
    cycle = facts["paid_cycle"]
    assert f'id="apply-{cycle}"' in client.get("/portal").text
    refused = client.post(f"/portal/cycles/{cycle}/apply", data={"commitment": "承诺", "csrf": csrf})
    assert refused.status_code == 400 and "commitment letter" in refused.text       # the box was not ticked
    filed = client.post(f"/portal/cycles/{cycle}/apply", data={"commitment": "本单位承诺…", "accept": "true",
                                                               "csrf": csrf})
    assert filed.status_code == 200 and "waits for a reviewer" in filed.text
    reviewer, rcsrf = staff_client(client, "reviewer")
    queue = reviewer.get(f"/staff/review?cycle={cycle}").text
    case_id, version = re.search(r'action="/staff/review/(\d+)[?"].*?name="version" value="(\d+)"', queue, re.S).groups()
    stale = reviewer.post(f"/staff/review/{case_id}", data={"decision": "accept", "reason": "核实", "csrf": rcsrf,
                                                           "version": str(int(version) + 5)})
    assert stale.status_code == 409                                              # a stale page changes nothing
    done = reviewer.post(f"/staff/review/{case_id}", data={"decision": "accept", "reason": "核实无误", "csrf": rcsrf,
                                                          "version": version})
    assert done.status_code == 200 and re.search(r'id="queue-outcome".*?已识别, 待公示', done.text, re.S)
    page = client.get(f"/portal/cycles/{cycle}").text
    assert "审核通过 / review accepted: 核实无误" in page and "本单位" in page


def test_an_account_change_waits_for_a_second_person(client, facts):
    csrf = sign_in(client, FIRST, employer=True)
    cycle = facts["paid_cycle"]
    bad = client.post(f"/portal/cycles/{cycle}/account", data={"bank_code": "12", "account_no": "1",
                                                               "account_name": "x", "csrf": csrf})
    assert bad.status_code == 400 and "unusable account" in bad.text
    client.post(f"/portal/cycles/{cycle}/account", data={"bank_code": "102100099996", "account_no": "6222020200776655",
                                                         "account_name": "eligible有限公司", "csrf": csrf})
    assert "变更待核验" in client.get("/portal").text
    clerk, ccsrf = staff_client(client, "clerk")
    page = clerk.get("/staff/accounts").text
    assert "************6655" in page and "6222020200776655" not in page
    assert 'action="/staff/accounts/1"' not in page                              # clerks get no verify form
    assert clerk.post("/staff/accounts/1", data={"decision": "accept", "note": "x", "csrf": ccsrf}
                      ).status_code == 403                                      # nor may they post one
    reviewer, rcsrf = staff_client(client, "reviewer")
    account_id = re.search(r'action="/staff/accounts/(\d+)"', reviewer.get("/staff/accounts").text).group(1)
    done = reviewer.post(f"/staff/accounts/{account_id}", data={"decision": "accept", "note": "电话核实", "csrf": rcsrf})
    assert done.status_code == 200 and "已核验, 支付使用此账户" in done.text
    shown = client.get(f"/portal/cycles/{cycle}/account").text
    assert "102100099996 ************6655" in shown


def test_dispatch_and_held_cases_are_released_by_staff(client, facts):
    clerk, csrf = staff_client(client, "clerk")
    cycle = facts["paid_cycle"]
    page = clerk.get(f"/staff/dispatch?cycle={cycle}").text
    case_id, version = re.search(r'action="/staff/dispatch/(\d+)[?"].*?name="version" value="(\d+)"', page, re.S).groups()
    done = clerk.post(f"/staff/dispatch/{case_id}", data={"employer": "实际用工单位", "version": version, "csrf": csrf})
    assert done.status_code == 200 and re.search(r'id="queue-outcome".*?已识别, 待公示', done.text, re.S)
    page = clerk.get(f"/staff/accounts?cycle={cycle}").text
    case_id = re.search(r'action="/staff/accounts/held/(\d+)[?"]', page).group(1)
    done = clerk.post(f"/staff/accounts/held/{case_id}", data={"note": "税务提供社保账户", "csrf": csrf})
    assert done.status_code == 200 and re.search(r'id="queue-outcome".*?已识别, 待公示', done.text, re.S)
    trail = clerk.get(f"/staff/cases/{case_id}").text
    assert "可用账户已确认" in trail and "account_confirmed" not in trail and "clerk-wang" in trail


def test_the_public_list_searches_pages_and_downloads(client, facts):
    number = facts["open_list"]
    page = client.get(f"/publicity/{number}?q=changes").text
    assert uscc(CITY["changes_amount"]) in page and FIRST not in page
    rows = client.get(f"/publicity/{number}?q={FIRST}", headers={"HX-Request": "true"}).text
    assert rows.lstrip().startswith('<p class="muted" id="list-total"') and "<html" not in rows and FIRST in rows
    xlsx = client.get(f"/publicity/{number}/download.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    table = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert len(table) == 2 + 3 + 1 and "6222020200112233" not in str(table)    # title, header, 3 rows, totals
    listed = client.get(f"/api/v1/publicity/batches/{number}/entries").json()
    assert {r["amount"] for r in listed["rows"]} == {"1440.00"}                 # money as exact text


def test_the_public_api_takes_objections_and_callbacks_and_refuses_bad_ones(client, facts):
    api = TestClient(client.app)
    made = api.post(f"/api/v1/publicity/batches/{facts['open_list']}/objections",
                    json={"uscc": FIRST, "contact": "13700001111", "text": "不实"})
    assert made.status_code == 201 and made.json()["contact"] == "137****1111"
    closed = api.post(f"/api/v1/publicity/batches/C{facts['paid_cycle']}-P1/objections",
                      json={"uscc": FIRST, "contact": "13700001111", "text": "不实"})
    assert closed.status_code == 400 and "inclusive" in closed.json()["detail"]
    assert api.post("/api/v1/callbacks", json={"phone": "abc12", "question": "?"}).status_code == 400
    assert api.post("/api/v1/callbacks", json={"phone": "13700001111"}).status_code == 422


def test_staff_api_gives_money_as_text_and_the_trail_of_a_case(client, facts):
    api = TestClient(client.app)
    auditor = token(api, STAFF["auditor"], employer=False)
    board = api.get(f"/api/v1/staff/cycles/{facts['paid_cycle']}/dashboard", headers=auditor).json()
    assert board["amount_listed"] == "4320.00" and board["sme"]["coverage_eligible"] == "75.0"
    figures = api.get(f"/api/v1/staff/figures?cycle={facts['paid_cycle']}&by=size", headers=auditor).json()
    assert figures["total"]["listed_amount"] == "4320.00" and figures["by"] == "size"          # the same money
    sizes = [(r["size"], r["reached"], r["paid"]) for r in board["by_size"] if r["reached"]]
    assert sizes and sizes == [(r["key"], r["listed"], r["paid"]) for r in figures["rows"] if r["listed"]]
    assert sum(r["cases"] for r in figures["rows"]) == figures["total"]["cases"] == sum(
        n for _, n, _ in figures["states"])
    assert api.get("/api/v1/staff/figures", headers=auditor).status_code == 400     # neither a cycle nor a year
    trail = api.get("/api/v1/staff/cases/1/audit", headers=auditor).json()
    assert trail["entries"][0]["event"] == "case_opened" and len(trail["entries"][0]["hash"]) == 64
    assert api.post("/api/v1/staff/batches", json={"cycle_id": facts["paid_cycle"]}, headers=auditor).status_code == 403
    unit = token(api, FIRST, employer=True)
    before = api.get("/api/v1/me/progress", headers=unit).json()                 # now kept by the web process
    assert [c for c in before if c["cycle_id"] == facts["paid_cycle"]][0]["state"] == "re-verified"
    clerk = token(api, STAFF["clerk"], employer=False)
    made = api.post("/api/v1/staff/batches", json={"cycle_id": facts["paid_cycle"]}, headers=clerk).json()
    number = made["batches"][0]["number"]
    assert api.post(f"/api/v1/staff/batches/{number}/approval", headers=clerk).status_code == 403
    approved = api.post(f"/api/v1/staff/batches/{number}/approval", headers=token(api, STAFF["approver"],
                                                                                  employer=False))
    assert approved.status_code == 200 and approved.json()["approved_by"] == STAFF["approver"]
    mine = api.get("/api/v1/me/progress", headers=unit).json()                   # the approval shows at once
    paid_cycle = [c for c in mine if c["cycle_id"] == facts["paid_cycle"]][0]
    assert [s["status"] for s in paid_cycle["steps"]] == ["done", "done", "done", "done", "ahead"]


def test_auditors_verify_the_whole_chain_from_the_page(client):
    _, csrf = staff_client(client, "auditor")
    auditor, csrf = staff_client(client, "auditor")
    reply = auditor.post("/staff/audit/verify", data={"csrf": csrf})
    assert reply.status_code == 200 and "the chain verifies" in reply.text
    assert csrf_of(client)


def test_the_full_callback_number_is_shown_only_to_who_calls_back_and_audited(client, world_settings):
    api = TestClient(client.app)
    made = api.post("/api/v1/callbacks", json={"phone": "13912345678", "question": "何时到账?"}).json()
    auditor, acsrf = staff_client(client, "auditor")
    assert "139****5678" in auditor.get("/staff/callbacks").text
    assert auditor.post(f"/staff/callbacks/{made['id']}/reveal", data={"csrf": acsrf}).status_code == 403
    clerk, csrf = staff_client(client, "clerk")
    shown = clerk.post(f"/staff/callbacks/{made['id']}/reveal", data={"csrf": csrf})
    assert shown.status_code == 200 and "13912345678" in shown.text
    with bootstrap.store(world_settings).reading() as uow:
        looks = [e for e in uow.audit.entries() if e[3] == "callback_number_revealed"]
    assert [e[2] for e in looks] == [STAFF["clerk"]] and "13912345678" not in looks[0][9]
    checked = api.post("/api/v1/staff/audit/verification", headers=token(api, STAFF["auditor"], employer=False))
    assert checked.json()["ok"] and checked.json()["total_problems"] == 0


def test_a_unit_disputes_its_own_entry_only_while_its_list_is_open(client, facts):
    csrf = sign_in(client, FIRST, employer=True)
    form = {"contact": "13700002222", "text": "金额应为1500元 / the amount should be 1,500", "csrf": csrf}
    made = client.post(f"/portal/cycles/{facts['open_cycle']}/objection", data=form)
    assert made.status_code == 200 and "objection #" in made.text
    page = client.get(f"/portal/cycles/{facts['open_cycle']}").text
    assert "有异议, 核查中" in page and "objection-raised" not in page.split("<main")[1]   # its state in words
    closed = client.post(f"/portal/cycles/{facts['paid_cycle']}/objection", data=form)
    assert closed.status_code == 400 and "inclusive" in closed.text
    assert client.post("/portal/cycles/99/objection", data=form).status_code == 404
