"""Haikou's "边公示边审核" over HTTP: the public objects to a unit listed while in review and gets the same answer as
for any entry; the reviewer sees the open objection in the review queue and on the case page, accepts the review
(the case then waits for the objection) and dismisses the objection (the case goes back on the list)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.builders import uscc
from tests.conftest import AS_OF, CITY
from tests.web.conftest import csrf_of
from tests.web.test_flows import staff_client
from wengang import bootstrap
from wengang.services import cycles, publicity, review

REVIEW = uscc(CITY["review"])
PACKS = str(Path(__file__).resolve().parents[1] / "packs")


@pytest.fixture
def haikou_list(client, world_settings, case_city, monkeypatch) -> tuple[int, str, int]:
    """A haikou-2021 cycle (review during publicity on) whose list opens today: the review unit on it in review and
    applied. Returns the cycle, the list's number and the review unit's case."""
    monkeypatch.setenv("WENGANG_POLICY_PATH", PACKS)
    store, run = bootstrap.store(world_settings), case_city["v1"]
    cycle_id = cycles.open_from_decided(run.decided, store=store, pack_id="haikou-2021", as_of=AS_OF,
                                        program="ui-return-hk", snapshot_id=run.summary.snapshot_id,
                                        run_id=run.summary.id, by="clerk").cycle.id
    batch = publicity.start(cycle_id, store=store, by="clerk")
    review.apply(cycle_id, REVIEW, store=store, analytics=bootstrap.analytics(world_settings),
                 settings=world_settings, commitment="承诺书", accepted=True, by="unit")
    with store.reading() as uow:
        case = uow.cases.find(cycle_id, REVIEW)
    assert case.state.value == "review-listed"
    return cycle_id, batch.number, case.id


def state_on_page(page: str) -> str:
    return re.search(r'id="case-state" data-state="([^"]+)"', page).group(1)


def test_the_public_objects_to_a_review_listed_unit_and_the_reviewer_sees_and_decides_it(client, haikou_list):
    cycle_id, number, case_id = haikou_list
    public = TestClient(client.app)
    listed = public.get(f"/publicity/{number}").text
    assert REVIEW in listed and f"/publicity/{number}/object?uscc={REVIEW}" in listed
    assert public.get(f"/publicity/{number}/object?uscc={REVIEW}").status_code == 200
    made = public.post(f"/publicity/{number}/object", data={"uscc": REVIEW, "contact": "13812345678",
                                                            "text": "该单位已停业", "csrf": csrf_of(public)})
    assert made.status_code == 200 and "异议已受理" in made.text and "138****5678" in made.text
    objection = int(re.search(r'id="reference">(\d+)-', made.text).group(1))
    row = re.search(rf'<tr class="entry">(?:(?!</tr>).)*>{REVIEW}</td>.*?</tr>',
                    public.get(f"/publicity/{number}?q={REVIEW}").text, re.S).group(0)
    assert "核查中" in row                                                   # the public sees it is being checked

    reviewer, csrf = staff_client(client, "reviewer")
    queue = reviewer.get(f"/staff/review?cycle={cycle_id}").text
    line = re.search(rf'<tr id="case-{case_id}">.*?</tr>', queue, re.S).group(0)
    assert "objection-open" in line and "有未处理的异议" in line and f"#{objection}" in line
    page = reviewer.get(f"/staff/cases/{case_id}").text
    assert state_on_page(page) == "review-listed" and 'id="objection-open"' in page and "该单位已停业" in page
    assert f'/staff/cases/{case_id}/objections/{objection}"' in page and 'id="review-form"' in page

    accepted = reviewer.post(f"/staff/cases/{case_id}/review", data={"csrf": csrf, "reason": "材料齐全",
                                                                      "decision": "accept"})
    assert accepted.status_code == 200 and state_on_page(accepted.text) == "objection-raised"   # waits for it
    dismissed = reviewer.post(f"/staff/cases/{case_id}/objections/{objection}",
                              data={"csrf": csrf, "reason": "核实正常经营", "decision": "dismiss"})
    assert dismissed.status_code == 200 and state_on_page(dismissed.text) == "publicity"
    assert 'id="objection-open"' not in dismissed.text and "异议不成立" in dismissed.text


def test_the_public_api_takes_an_objection_to_a_review_listed_unit(client, world_settings, haikou_list):
    cycle_id, number, case_id = haikou_list
    made = TestClient(client.app).post(f"/api/v1/publicity/batches/{number}/objections",
                                       json={"uscc": REVIEW, "contact": "13700001111", "text": "不实"})
    assert made.status_code == 201 and made.json()["case_id"] == case_id and made.json()["contact"] == "137****1111"
    with bootstrap.store(world_settings).reading() as uow:
        assert uow.cases.get(case_id).state.value == "review-listed"              # still in review
